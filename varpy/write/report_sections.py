"""The report's sections, filled from what a project has stored (fits, scores, figures, files).

One function per section in :data:`~varpy.write.report_model.SECTIONS` order (headline,
completeness, models, scores, data, files) and :func:`_build`, which reads the stored state
once and returns the title and the sections.

May import: the facade (:class:`~varpy.management.core.Project`), :mod:`varpy.exceptions`,
:mod:`varpy.write.tables`, :mod:`varpy.write.report_model`.
"""
from __future__ import annotations

import base64
import datetime as _dt
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from scipy import stats

from varpy.exceptions import StoreError
from varpy.management.core import Project
from varpy.write.report_model import HORIZONS, _num, _Section, _span, _when, fmt
from varpy.write.tables import _fit_row, _fit_units, output_t_forc

log = logging.getLogger("varpy.write.report")

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
