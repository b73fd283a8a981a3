"""The report a duty scientist opens first (HTML and Markdown), regenerated from what is stored.

The report is rebuilt from the project folder (``varpy.open(path)``), never from objects in
memory, so it shows exactly what a colleague or a gateway would find. Its order is the order
of the questions asked in an unrest meeting:

1. **Latest forecast**: the most recent failure/eruption-time forecast in calendar time (UTC)
   for volcanic data or experiment time for a laboratory, its interval and how the interval
   was obtained, the probability of failure within a few horizons, the flags that apply in
   plain words, and the forecast-evolution figures.
2. **Completeness and b-value**, with the frequency-magnitude figure.
3. **Model comparison**: one compact table per analysis window (AIC, BIC, likelihood-ratio
   test against the simplest model; the best model marked; parameters with units and
   standard errors) with the model-fit figures.
4. **Retrospective forecasts**: the scores of every stored forecast series
   (:meth:`varpy.modelling.scoring.ForecastScores.headline`, read from ``Output/*.json``) and
   every step in a collapsed table.
5. **Data** and **Files and provenance**, collapsed: datatypes, metadata, selections, written
   outputs (linked CSV/JSON), figures, versions.

``Output/report.html`` is one self-contained file (figures embedded as PNG data, inline CSS, no
scripts, no external requests), readable on a phone and printable; ``Output/report.md``
mirrors the same order (figures linked). Being a view of the stored state, the report is
replaced on each regeneration unless ``overwrite=False``.
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from scipy import stats

from varpy._json import json_float
from varpy._version import __version__
from varpy.exceptions import ProjectExistsError, StoreError
from varpy.management.core import Project
from varpy.management.core import open as open_project
from varpy.management.store import atomic_write_text
from varpy.write.results import _fit_row, _fit_units, output_t_forc

__all__ = ["project_report", "report_text", "fmt", "SECTIONS", "HORIZONS"]

log = logging.getLogger(__name__)

_FORMATS = {"html": "report.html", "md": "report.md", "markdown": "report.md"}

#: Section ids of the report, in order (``<section id=...>`` in the HTML).
SECTIONS = ("headline", "completeness", "models", "scores", "data", "files")

#: Horizons of ``P(failure before t_forc + h)`` in the headline: days (volcanic), seconds (lab).
HORIZONS = {True: (1.0, 7.0, 30.0), False: (60.0, 600.0, 3600.0)}


def fmt(value: Any) -> str:
    """How the report prints a value: floats with 6 significant digits, times as ISO UTC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.6g}"
    if isinstance(value, pd.Timestamp):
        return "" if value is pd.NaT else value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if value is pd.NaT:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(fmt(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt(v)}" for k, v in value.items())
    return str(value)


def _num(value, digits: int = 4) -> str:
    """A number for reading: ``digits`` significant digits, n/a for missing."""
    if isinstance(value, str):
        value = json_float(value)                # "inf"/"-inf" as stored in JSON
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.{digits}g}"


def _when(value, calendar: bool) -> str:
    """A time in the data's own terms: UTC minutes (volcanic) or seconds and minutes (lab)."""
    if calendar:
        if value is None or value is pd.NaT:
            return "beyond the calendar"
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if value is None or not math.isfinite(float(value)):
        return "never (unbounded)" if value is not None and float(value) > 0 else "n/a"
    return f"{float(value):.1f} s ({float(value) / 60.0:.1f} min since the start)"


def _span(days_or_s: float, calendar: bool) -> str:
    if not math.isfinite(days_or_s):
        return "unbounded"
    if calendar:
        return f"{days_or_s:.3g} days" if days_or_s >= 1 else f"{24 * days_or_s:.3g} hours"
    return f"{days_or_s:.4g} s" if days_or_s < 120 else f"{days_or_s / 60.0:.3g} min"


# ---------------------------------------------------------------------------------------------
# document model
# ---------------------------------------------------------------------------------------------

@dataclass
class _Section:
    title: str
    level: int = 2
    blocks: list = field(default_factory=list)
    id: str | None = None

    def text(self, s: str):
        self.blocks.append(("p", s))

    def items(self, lines: list):
        self.blocks.append(("ul", list(lines)))

    def table(self, headers: list, rows: list, *, id: str | None = None, mark=None):
        """``mark``: indices of rows to highlight (the best model)."""
        self.blocks.append(("table", headers, rows, id, set(mark or ())))

    def pre(self, s: str):
        self.blocks.append(("pre", s))

    def figures(self, items: list):
        if items:
            self.blocks.append(("figures", items))

    def details(self, summary: str, section: "_Section"):
        """A collapsed block holding ``section``'s blocks."""
        self.blocks.append(("details", summary, section))


# ---------------------------------------------------------------------------------------------
# what is stored
# ---------------------------------------------------------------------------------------------

@dataclass
class _Fit:
    key: str            # datatype key
    dt: Any
    model: str          # stored model name (e.g. "compare-iol")
    out: Any            # ModelOutput
    fit: Any            # FitResult
    t_forc: Any         # Timestamp/NaT or float seconds


def _latest_fits(dts: dict) -> list[_Fit]:
    """The latest output of every stored model that holds a rate-model fit."""
    fits = []
    for key, dt in dts.items():
        cal = bool(dt.calendar)
        for name, model in dt.models.items():
            if not model.outputs:
                continue
            out = model.outputs[-1]
            try:
                res = out.load_result()
            except (ImportError, AttributeError, KeyError, TypeError, ValueError,
                    StoreError) as exc:
                log.warning("model %s of %s: result not readable (%s)", name, key, exc)
                continue
            if not hasattr(res, "params"):
                continue
            fits.append(_Fit(key, dt, name, out, res, output_t_forc(out, res, cal)))
    return fits


def _sort_key(t) -> float:
    if isinstance(t, pd.Timestamp):
        return -math.inf if t is pd.NaT else t.value / 1e9
    try:
        v = float(t)
    except (TypeError, ValueError):
        return -math.inf
    return v if math.isfinite(v) else -math.inf


def _figure_items(manifest: dict, store, embed: bool) -> list[dict]:
    items = []
    for rec in _latest(manifest.get("figures")):
        files = rec.get("files", [])
        png = next((f for f in files if f.endswith(".png")), None)
        src = None
        if png is not None:
            if embed and (store.path / png).is_file():
                data = base64.b64encode((store.path / png).read_bytes()).decode("ascii")
                src = f"data:image/png;base64,{data}"
            elif not embed:
                src = _rel_from_output(png)
        func = str(rec.get("function", ""))
        items.append({"src": src, "name": rec.get("name", ""), "function": func,
                      "caption": _caption(rec),
                      "links": [(f, _rel_from_output(f)) for f in files]})
    return items


_CAPTIONS = {
    "forecast_evolution": "Forecast evolution: failure time forecast at each step with its "
                          "interval; the diagonal is 'failure at the forecast time'",
    "frequency_magnitude": "Frequency-magnitude distribution with the completeness magnitudes",
    "b_stability": "Stability of the b-value above each cut-off magnitude",
    "model_fit": "Observed and fitted event counts",
    "model_comparison": "Model comparison along the forecast series",
    "event_rate": "Event rate",
    "continuous_series": "Continuous series",
}


def _caption(rec: dict) -> str:
    func = str(rec.get("function", "")).rsplit(".", 1)[-1]
    base = _CAPTIONS.get(func, func.replace("_", " ") or "figure")
    return f"{base} ({rec.get('name')})"


def _take(figs: list[dict], *functions: str) -> list[dict]:
    """The figures drawn by ``functions`` (each figure is shown once)."""
    out = []
    for item in figs:
        if item.get("used"):
            continue
        if item["function"].rsplit(".", 1)[-1] in functions:
            item["used"] = True
            out.append(item)
    return out


def _latest(records: list) -> list[dict]:
    latest: dict[str, dict] = {}
    for rec in records or []:
        latest[rec.get("name", "")] = rec
    return list(latest.values())


def _rel_from_output(relpath: str) -> str:
    """A project-relative path as seen from ``Output/report.*``."""
    parts = Path(relpath).parts
    if parts and parts[0] == "Output":
        return Path(*parts[1:]).as_posix()
    return (Path("..") / relpath).as_posix()


def _links(files: list) -> list:
    return [("link", Path(f).suffix.lstrip(".") or f, _rel_from_output(f)) for f in files]


# ---------------------------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------------------------

def _interval_method(fit) -> str:
    method = getattr(fit, "ci_method", None)
    if method:
        return str(method).replace("_", " ")
    if fit.method == "legacy":
        return "Wald (legacy fit)"
    return "profile likelihood"


def _plain_flag(msg: str) -> str:
    return msg + ("" if msg.endswith(".") else ".")


def _headline(fits: list[_Fit], figs: list[dict], calendar: bool) -> _Section:
    sec = _Section("Latest forecast", id="headline")
    forecasts = [f for f in fits if f.fit.tf is not None and f.fit.mode == "forecast"]
    if not forecasts:
        sec.text("No failure-time forecast is stored in this project.")
        sec.figures(_take(figs, "forecast_evolution"))
        return sec
    latest = max(_sort_key(f.t_forc) for f in forecasts)
    group = [f for f in forecasts if _sort_key(f.t_forc) == latest]
    group.sort(key=lambda f: (f.fit.aic if math.isfinite(f.fit.aic) else math.inf))
    best = group[0]
    hz = HORIZONS[calendar]
    unit = "d" if calendar else "s"
    what = "eruption" if calendar else "failure"
    row0 = _fit_row(best.fit, calendar)
    lo, hi = best.fit.tf_ci if best.fit.tf_ci is not None else (math.nan, math.nan)
    level = f"{100 * best.fit.ci_level:g}%"
    interval = (f"{level} interval {_when(row0['failure_time_low'], calendar)} to "
                + ("no upper bound (the data cannot exclude that it never comes)"
                   if not math.isfinite(hi) else _when(row0["failure_time_high"], calendar))
                if best.fit.tf_ci is not None else "no interval")
    made = _when(best.t_forc, calendar) if calendar else _when(_sort_key(best.t_forc), calendar)
    sec.text(f"Forecast made at {made} from {best.fit.n_events} events: the {what} is "
             f"forecast for {_when(row0['failure_time'], calendar)} by model {best.fit.model}"
             + (" (best of the models fitted at that time by AIC)" if len(group) > 1 else "")
             + f"; {interval} ({_interval_method(best.fit)}).")
    headers = ["model", f"{what} time", f"{level} interval", "interval method"]
    headers += [f"P({what} within {h:g} {unit})" for h in hz] + ["flags"]
    rows = []
    for f in group:
        r = _fit_row(f.fit, calendar)
        t1 = float(f.fit.window[1])
        probs = []
        for h in hz:
            try:
                probs.append(_num(f.fit.prob_failure_before(t1 + h), 3))
            except (ValueError, ArithmeticError) as exc:
                log.info("P(failure) of %s: %s", f.model, exc)
                probs.append("n/a")
        if f.fit.tf_ci is None:
            ci = "none"
        else:
            ci = (_when(r["failure_time_low"], calendar) + " to "
                  + (_when(r["failure_time_high"], calendar)
                     if math.isfinite(f.fit.tf_ci[1]) else "unbounded"))
        rows.append([f.fit.model, _when(r["failure_time"], calendar), ci,
                     _interval_method(f.fit), *probs,
                     str(len(f.fit.warnings)) if f.fit.warnings else "none"])
    sec.table(headers, rows, id="latest", mark=[0] if len(group) > 1 else [])
    flags = [f"{f.fit.model}: {_plain_flag(w)}" for f in group for w in f.fit.warnings]
    if flags:
        sec.text("Flags (each one is a defect of that fit; read its forecast with care):")
        sec.items(flags)
    else:
        sec.text("No flags: every fit above converged to an interior maximum of the "
                 "likelihood.")
    sec.text("Probabilities are frequentist confidence levels of the failure time, not "
             "Bayesian posterior probabilities.")
    sec.figures(_take(figs, "forecast_evolution"))
    return sec


def _completeness(dts: dict, figs: list[dict]) -> _Section:
    sec = _Section("Completeness and b-value", id="completeness")
    mc_rows, b_rows = [], []
    for key, dt in dts.items():
        for label, record in dt.outputs.items():
            if not isinstance(record, dict):
                continue
            rtype = str(record.get("result_type", "")).rsplit(":", 1)[-1]
            res = record.get("result") or {}
            if rtype == "McResult":
                ci = res.get("ci")
                mc_rows.append([key.upper(), res.get("method"), _num(res.get("mc"), 3),
                                _num(res.get("sigma"), 2) if res.get("sigma") is not None
                                else "", "" if not ci else f"{_num(ci[0], 3)} - {_num(ci[1], 3)}",
                                res.get("n")])
            elif rtype == "BValueResult":
                b_rows.append([key.upper(), res.get("method"),
                               f"{_num(res.get('b'), 4)} ± {_num(res.get('sigma'), 2)}",
                               _num(res.get("mc"), 3), res.get("n")])
    if mc_rows:
        sec.table(["datatype", "method", "Mc", "σ", "interval", "events"], mc_rows, id="mc")
    if b_rows:
        sec.table(["datatype", "method", "b ± σ", "above Mc", "events"], b_rows, id="b")
    if not (mc_rows or b_rows):
        sec.text("No completeness or b-value analysis is stored.")
    sec.figures(_take(figs, "frequency_magnitude", "b_stability"))
    return sec


_PARAM_WORDS = {"k": "k", "k1": "k1", "k2": "k2", "p": "p", "p1": "p1", "p2": "p2",
                "c": "c", "lam": "λ", "tf": "tf"}


def _params_text(fit, calendar: bool) -> str:
    units = _fit_units(fit, calendar)
    parts = []
    for name, value in fit.params.items():
        se = fit.stderr.get(name, math.nan)
        if name == "tf":
            row = _fit_row(fit, calendar)
            text = f"tf = {_when(row['failure_time'], calendar)}"
            if math.isfinite(se):
                text += f" ± {_span(se, calendar)}"
        else:
            text = f"{_PARAM_WORDS.get(name, name)} = {_num(value)}"
            if math.isfinite(se):
                text += f" ± {_num(se, 2)}"
            unit = units.get(f"params.{name}")
            if unit and unit != "1":
                text += f" {unit}"
        if name in fit.fixed:
            text += " (fixed)"
        parts.append(text)
    return "; ".join(parts)


def _models(fits: list[_Fit], figs: list[dict], calendar: bool) -> _Section:
    sec = _Section("Model comparison", id="models")
    singles = [f for f in fits if f.out.kind not in ("retrospective_forecast",
                                                     "prospective_forecast")]
    groups: dict[tuple, list[_Fit]] = {}
    for f in singles:
        w = tuple(round(float(v), 9) for v in f.fit.window)
        groups.setdefault((f.key, f.fit.origin, w, f.fit.n_events), []).append(f)
    if not groups:
        sec.text("No single model fits are stored.")
    for (key, _origin, _w, n), group in groups.items():
        group.sort(key=lambda f: f.fit.aic if math.isfinite(f.fit.aic) else math.inf)
        ref = min(group, key=lambda f: (f.fit.n_params, -f.fit.loglik))
        best_aic = group[0].fit.aic
        best_bic = min(f.fit.bic for f in group)
        first = _fit_row(group[0].fit, calendar)
        sec.text(f"{key.upper()}: {n} events from {_when(first['window_start'], calendar)} to "
                 f"{_when(first['window_end'], calendar)}"
                 + (f", Mc {_num(group[0].fit.mc, 3)}" if group[0].fit.mc is not None else "")
                 + f". Best model (lowest AIC): {group[0].fit.model}. The likelihood-ratio "
                 f"test compares each model with the simplest one ({ref.fit.model}).")
        rows = []
        for f in group:
            r = f.fit
            df = r.n_params - ref.fit.n_params
            if f is ref or df <= 0:
                lr = "reference" if f is ref else ""
            else:
                stat = 2.0 * (r.loglik - ref.fit.loglik)
                lr = f"{_num(stat, 4)} (p = {_num(float(stats.chi2.sf(max(stat, 0.0), df)), 2)})"
            rows.append([r.model + (" (best)" if f is group[0] else ""), r.n_params,
                         _num(r.loglik, 7), _num(r.aic, 7), _num(r.aic - best_aic, 3),
                         _num(r.bic, 7), _num(r.bic - best_bic, 3), lr,
                         _params_text(r, calendar),
                         " ".join(_plain_flag(w) for w in r.warnings) or "none"])
        sec.table(["model", "k", "log L", "AIC", "ΔAIC", "BIC", "ΔBIC", "LR vs simplest",
                   "parameters (± standard error)", "flags"], rows, id=f"models-{key}",
                  mark=[0])
    sec.figures(_take(figs, "model_fit"))
    return sec


def _scores_records(manifest: dict, store) -> list[dict]:
    out = []
    for rec in _latest(manifest.get("outputs")):
        if rec.get("kind") != "scores":
            continue
        path = next((f for f in rec.get("files", []) if f.endswith(".json")), None)
        if path is None or not (store.path / path).is_file():
            continue
        try:
            doc = json.loads((store.path / path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            log.warning("%s: not readable (%s)", path, exc)
            continue
        result = doc.get("result") or {}
        if "headline" in result:
            out.append({"name": rec.get("name"), "files": rec.get("files", []),
                        "headline": result["headline"], "label": result.get("label", ""),
                        "method": result.get("method", ""),
                        "unscored": result.get("unscored", []), "table": result.get("table")})
    return out


def _with_n(value, n, digits=4) -> str:
    return f"{_num(value, digits)} ({n})"


def _scores(manifest: dict, store, fits: list[_Fit], figs: list[dict],
            calendar: bool) -> _Section:
    from varpy.modelling.scoring import headline_text

    sec = _Section("Retrospective forecasts", id="scores")
    records = _scores_records(manifest, store)
    if records:
        sec.text("How the forecasts did against the known failure time. Each figure is "
                 "followed by the number of steps it is computed over: coverage and the "
                 "interval score only count intervals with both bounds finite; steps that "
                 "estimated no failure time are not scored (counted apart).")
        rows = []
        for r in records:
            h = r["headline"]
            unit = h.get("unit", "")
            rows.append([r["label"] or r["name"], f"{h['fitted']} of {h['steps']}",
                         h["flagged"], h["forecasts"],
                         f"{h['bounded']} ({h['unbounded']} unbounded, {h['missing']} "
                         "missing)",
                         _with_n(h["coverage"], h["coverage_n"], 3),
                         f"{_num(h['median_abs_error'])} {unit} ({h['median_abs_error_n']})",
                         f"{_num(h['mean_interval_score'])} {unit} "
                         f"({h['mean_interval_score_n']})",
                         _with_n(h["mean_log_score"], h["mean_log_score_n"])
                         + (f", {h['n_zero_density']} zero density" if h.get("n_zero_density")
                            else ""),
                         [("link", Path(f).suffix.lstrip("."), _rel_from_output(f))
                          for f in r["files"]]])
        sec.table(["forecast series", "steps fitted", "flagged", "scored",
                   "bounded intervals", "coverage (n)", "median |error| (n)",
                   "mean interval score (n)", "mean log score (n)", "files"], rows,
                  id="scores-table")
        for r in records:
            inner = _Section("")
            inner.text(headline_text(r["headline"]))
            if r["unscored"]:
                inner.table(["step", "not scored because"],
                            [[u.get("step"), f"{u.get('category')}: {u.get('reason')}"]
                             for u in r["unscored"]])
            if r["table"]:
                cols = ["step", "lead_time", "tf", "error", "interval", "covered", "width",
                        "interval_score", "crps", "pit", "log_score", "flagged", "note"]
                inner.table(cols, [[_cell_value(row.get(c)) for c in cols]
                                   for row in r["table"]])
            sec.details(f"Every scored step of {r['label'] or r['name']}", inner)
    else:
        sec.text("No retrospective scores are stored (score a forecast series with "
                 "varpy.modelling.scoring.score_forecasts and write it with "
                 "varpy.write.write_result).")
    sec.figures(_take(figs, "model_comparison"))
    retro = [f for f in fits if f.out.kind in ("retrospective_forecast", "prospective_forecast")]
    for f in retro:
        sec.details(f"Every step of {f.model} ({len(f.dt.models[f.model].outputs)} stored "
                    "fits)", _steps_section(f, calendar))
    return sec


def _cell_value(v):
    if isinstance(v, str) and v in ("inf", "-inf"):
        return v
    if isinstance(v, float):
        return _num(v)
    return "" if v is None else v


def _steps_section(f: _Fit, calendar: bool) -> _Section:
    inner = _Section("")
    model = f.dt.models[f.model]
    exp_id = (f.out.provenance.get("experiment") or {}).get("id")
    rows = []
    for out in model.outputs:
        if exp_id is not None and (out.provenance.get("experiment") or {}).get("id") != exp_id:
            continue
        try:
            res = out.load_result()
        except (ImportError, AttributeError, KeyError, TypeError, ValueError,
                StoreError) as exc:
            rows.append(["", "", "", f"result not readable: {exc}", ""])
            continue
        row = _fit_row(res, calendar)
        ft = ""
        if res.tf is not None and "tf" not in res.fixed:
            ft = fmt(row["failure_time"])
            if res.tf_ci is not None:
                ft += f" [{fmt(row['failure_time_low'])} – {fmt(row['failure_time_high'])}]"
        rows.append([fmt(output_t_forc(out, res, calendar)), res.n_events, ft,
                     ("converged" if res.converged else "NOT converged")
                     + ("; " + "; ".join(res.warnings) if res.warnings else ""),
                     f"experiment_id={exp_id}" if exp_id else ""])
    inner.table(["forecast time", "events", "failure time [interval]", "status",
                 "experiment"], rows)
    return inner


def _data(project: Project, manifest: dict, dts: dict) -> _Section:
    sec = _Section("Data", id="data")
    if not dts:
        sec.text("The project holds no datatypes yet.")
        return sec
    sec.table(["datatype", "kind", "rows", "first", "last", "models", "analyses"],
              [[k, dt.kind.upper(), len(dt), *(fmt(t) if t is not None else ""
                                               for t in dt.time_span),
                len(dt.models), len(dt.outputs)] for k, dt in dts.items()])
    for key, dt in dts.items():
        inner = _Section("")
        entry = manifest["datatypes"].get(key, {})
        inner.text(f"{dt.description}; selection: "
                   + ("; ".join(_step(s) for s in dt.selection) or "none")
                   + "; source files: " + ("; ".join(entry.get("sources", [])) or "none"))
        ranges = []
        for col in dt.dataset.columns:
            s = dt.dataset[col]
            if col != dt.time_column and pd.api.types.is_float_dtype(s) and s.notna().any():
                ranges.append([col, fmt(float(s.min())), fmt(float(s.max())),
                               fmt(float(s.mean())), int(s.isna().sum())])
        if ranges:
            inner.table(["column", "min", "max", "mean", "missing"], ranges)
        if dt.metadata:
            inner.table(["metadata key", "value"], [[k, fmt(v)] for k, v in dt.metadata.items()])
        if dt.outputs:
            inner.table(["analysis", "type"],
                        [[label, str(rec.get("result_type", "")).rsplit(":", 1)[-1]
                          if isinstance(rec, dict) else ""]
                         for label, rec in dt.outputs.items()])
        sec.details(f"{key.upper()}: {len(dt)} rows, metadata and selection", inner)
    return sec


def _step(step: dict) -> str:
    if not isinstance(step, dict):
        return str(step)
    args = ", ".join(f"{k}={fmt(v)}" for k, v in step.items() if k != "op")
    return f"{step.get('op', '?')}({args})"


def _files(project: Project, manifest: dict, figs: list[dict]) -> _Section:
    store = project.store
    sec = _Section("Files and provenance", id="files")
    versions = manifest.get("versions", {})
    sec.table(["ID", "type", "folder", "created", "updated", "varpy", "report generated"],
              [[project.id, project.project_type, str(store.path), manifest.get("created", ""),
                manifest.get("updated", ""), versions.get("varpy", ""),
                _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")]])
    outputs = [r for r in _latest(manifest.get("outputs")) if r.get("kind") != "report"]
    inner = _Section("")
    if outputs:
        inner.table(["name", "kind", "datatype", "model", "computed", "files"],
                    [[r.get("name"), r.get("kind"), r.get("datatype") or "",
                      r.get("model") or "", r.get("computed") or "",
                      [("link", f, _rel_from_output(f)) for f in r.get("files", [])]]
                     for r in outputs])
    else:
        inner.text("No outputs written yet (see varpy.write.write_result).")
    sec.details(f"Written outputs ({len(outputs)})", inner)
    inner = _Section("")
    if figs:
        inner.table(["figure", "drawn by", "files"],
                    [[f["name"], f["function"],
                      [("link", t, h) for t, h in f["links"]]] for f in figs])
    else:
        inner.text("No figures saved yet (plot with save=True).")
    sec.details(f"Figures ({len(figs)})", inner)
    rest = [f for f in figs if not f.get("used")]
    if rest:
        other = _Section("")
        other.figures(rest)
        sec.details(f"Other figures ({len(rest)})", other)
    return sec


def _build(project: Project, embed: bool) -> tuple[str, list[_Section]]:
    store = project.store
    manifest = store.read_manifest()
    calendar = project.project_type != "laboratory"
    title = f"varpy report: {project.project_type} project {project.id}"
    dts = project.datatypes()
    figs = _figure_items(manifest, store, embed)
    fits = _latest_fits(dts)
    sections = [_headline(fits, figs, calendar), _completeness(dts, figs),
                _models(fits, figs, calendar),
                _scores(manifest, store, fits, figs, calendar),
                _data(project, manifest, dts), _files(project, manifest, figs)]
    return title, sections


# ---------------------------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------------------------

_CSS = ("*{box-sizing:border-box}"
        "body{font-family:system-ui,sans-serif;max-width:70em;margin:0 auto;padding:0 1em;"
        "color:#222;line-height:1.4}"
        "h1{font-size:1.5em}h2{border-bottom:2px solid #ccc;padding-bottom:.2em}"
        ".scroll{overflow-x:auto;max-width:100%}"
        "table{border-collapse:collapse;margin:.6em 0;font-size:.9em}"
        "th,td{border:1px solid #bbb;padding:3px 7px;text-align:left;vertical-align:top}"
        "th{background:#eee}tr.best td{background:#e8f4e8;font-weight:bold}"
        "figure{display:inline-block;margin:.5em;max-width:100%;width:34em}"
        "figure img{max-width:100%;height:auto;border:1px solid #ccc}"
        "figcaption{font-size:.85em}details{margin:.5em 0}summary{cursor:pointer}"
        "#headline>p:first-of-type{font-size:1.15em}"
        "@media print{details>summary{list-style:none}figure{break-inside:avoid;width:45%}"
        "a{color:inherit;text-decoration:none}}")


def _cell_html(value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        return " ".join(f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'
                        for _, text, href in value)
    return html.escape(fmt(value) if not isinstance(value, str) else value)


def _blocks_html(blocks: list, out: list) -> None:
    for block in blocks:
        kind = block[0]
        if kind == "p":
            out.append(f"<p>{html.escape(block[1])}</p>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in block[1])
                       + "</ul>")
        elif kind == "pre":
            out.append(f"<pre>{html.escape(block[1])}</pre>")
        elif kind == "table":
            _, headers, rows, tid, mark = block
            ident = f' id="{html.escape(tid, quote=True)}"' if tid else ""
            out.append(f'<div class="scroll"><table{ident}><thead><tr>'
                       + "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
                       + "</tr></thead><tbody>")
            for i, row in enumerate(rows):
                cls = ' class="best"' if i in mark else ""
                out.append(f"<tr{cls}>" + "".join(f"<td>{_cell_html(c)}</td>" for c in row)
                           + "</tr>")
            out.append("</tbody></table></div>")
        elif kind == "figures":
            for item in block[1]:
                out.append("<figure>")
                if item["src"]:
                    out.append(f'<img src="{html.escape(item["src"], quote=True)}" '
                               f'alt="{html.escape(item["caption"], quote=True)}">')
                links = " ".join(f'<a href="{html.escape(h, quote=True)}">'
                                 f"{html.escape(Path(t).suffix.lstrip('.'))}</a>"
                                 for t, h in item["links"])
                out.append(f"<figcaption>{html.escape(item['caption'])} ({links})"
                           "</figcaption></figure>")
        elif kind == "details":
            out.append(f"<details><summary>{html.escape(block[1])}</summary>")
            _blocks_html(block[2].blocks, out)
            out.append("</details>")


def _render_html(title: str, sections: list[_Section]) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{html.escape(title)}</h1>"]
    for sec in sections:
        ident = f' id="{html.escape(sec.id, quote=True)}"' if sec.id else ""
        out.append(f"<section{ident}><h{sec.level}>{html.escape(sec.title)}</h{sec.level}>")
        _blocks_html(sec.blocks, out)
        out.append("</section>")
    out.append(f"<hr><p>Generated by varpy {html.escape(__version__)}.</p></body></html>")
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _cell_md(value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        return " ".join(f"[{_md_escape(text)}](<{href}>)" for _, text, href in value)
    return _md_escape(fmt(value) if not isinstance(value, str) else value)


def _blocks_md(blocks: list, out: list) -> None:
    for block in blocks:
        kind = block[0]
        if kind == "p":
            out += [block[1], ""]
        elif kind == "ul":
            out += [f"- {x}" for x in block[1]] + [""]
        elif kind == "pre":
            out += ["```", block[1], "```", ""]
        elif kind == "table":
            _, headers, rows, _tid, mark = block
            out.append("| " + " | ".join(_md_escape(str(h)) for h in headers) + " |")
            out.append("|" + "---|" * len(headers))
            for i, row in enumerate(rows):
                cells = [_cell_md(c) for c in row]
                if i in mark and cells:
                    cells[0] = f"**{cells[0]}**"
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        elif kind == "figures":
            for item in block[1]:
                png = next((h for t, h in item["links"] if t.endswith(".png")), None)
                if png:
                    out.append(f"![{_md_escape(item['caption'])}](<{png}>)")
                links = " ".join(f"[{Path(t).suffix.lstrip('.')}](<{h}>)"
                                 for t, h in item["links"])
                out += [f"*{_md_escape(item['caption'])}* ({links})", ""]
        elif kind == "details":
            out += ["<details>", f"<summary>{html.escape(block[1])}</summary>", ""]
            _blocks_md(block[2].blocks, out)
            out += ["</details>", ""]


def _render_md(title: str, sections: list[_Section]) -> str:
    out = [f"# {_md_escape(title)}", ""]
    for sec in sections:
        out += ["#" * sec.level + " " + _md_escape(sec.title), ""]
        _blocks_md(sec.blocks, out)
    out += [f"Generated by varpy {__version__}.", ""]
    return "\n".join(out)


def _stored(project) -> Project:
    if isinstance(project, Project):
        if project.path is None:
            raise StoreError(f"project {project.id!r} is in memory only; save_as() it first")
        path = project.path
    else:
        path = Path(project)
    return open_project(path)


def report_text(project, format: str = "html", *, embed_figures: bool = True) -> str:
    """The report of the stored project as a string (``'html'`` or ``'md'``)."""
    if format not in _FORMATS:
        raise ValueError(f"format must be 'html' or 'md', not {format!r}")
    stored = _stored(project)
    title, sections = _build(stored, embed_figures)
    return _render_html(title, sections) if format == "html" else _render_md(title, sections)


def project_report(project, *, formats=("html", "md"), embed_figures: bool = True,
                   overwrite: bool = True) -> list[Path]:
    """Regenerate ``Output/report.html`` (and/or ``report.md``) from the stored project.

    Parameters
    ----------
    project : Volcanic, Laboratory, or project folder path
        Only what is saved in its folder is reported (``varpy.open(path)``).
    formats : sequence of {'html', 'md'}
    embed_figures : bool
        Embed the PNG figures in the HTML (default: one self-contained file); False links
        ``../Figures/NAME.png`` instead. The Markdown report always links them.
    overwrite : bool
        Replace an existing report (default: the report is a view of the stored state).

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> import tempfile, varpy
    >>> from varpy.write import project_report
    >>> v = varpy.Volcanic("Etna", root=tempfile.mkdtemp())
    >>> [p.name for p in project_report(v)]
    ['report.html', 'report.md']
    """
    fmts = (formats,) if isinstance(formats, str) else tuple(formats)
    bad = [f for f in fmts if f not in _FORMATS]
    if bad:
        raise ValueError(f"unknown report format(s) {bad}; use 'html' and/or 'md'")
    stored = _stored(project)
    store = stored.store
    paths = []
    with store.lock():
        title, sections = _build(stored, embed_figures)
        for f in dict.fromkeys(fmts):
            path = store.safe_child("Output", _FORMATS[f])
            if path.exists() and not overwrite:
                raise ProjectExistsError(f"{path} exists; pass overwrite=True to regenerate it")
            text = _render_html(title, sections) if f == "html" else _render_md(title, sections)
            atomic_write_text(path, text, overwrite=True)
            paths.append(path)
        store.record("outputs", {"name": "report", "kind": "report",
                                 "files": [str(p.relative_to(store.path)) for p in paths],
                                 "varpy_version": __version__})
    log.info("wrote the report of project %r: %s", stored.id, ", ".join(p.name for p in paths))
    return paths
