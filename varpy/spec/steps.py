"""The analysis steps of a run: open the project, import, select, completeness, experiments.

Each step works on the project a spec names and raises its errors with a note naming the spec
key it was running (:func:`_located`). :func:`_single_record` and :func:`_multiple_record`
turn analysis results into the JSON-able records of :class:`~varpy.spec.RunResult` (the
command line uses them too).

May import: :mod:`varpy.spec.reading`, :mod:`varpy.spec.schema`, :mod:`varpy.exceptions`, and
lazily :mod:`varpy.management.core`, :mod:`varpy.management.store`,
:mod:`varpy.preparation.windows`, :mod:`varpy.modelling.experiments`,
:mod:`varpy.modelling.scoring`.
"""
from __future__ import annotations

import logging
import math
from pathlib import Path

from varpy._json import jsonable
from varpy.exceptions import FitError, SpecError, VarpyError
from varpy.modelling.intervals import DEFAULT_CI_METHOD
from varpy.spec.reading import _fmt_key
from varpy.spec.schema import Spec

log = logging.getLogger(__name__)


def _located(exc: BaseException, spec: Spec, keypath: tuple) -> BaseException:
    """Add 'while running <key> of <spec>' to an exception raised by a step."""
    if hasattr(exc, "add_note"):
        where = f"spec {spec.path}" if spec.path else "spec"
        exc.add_note(f"(while running {_fmt_key(keypath)} of {where})")
    return exc


def _open_project(spec: Spec):
    from varpy.exceptions import ProjectExistsError
    from varpy.management.core import Laboratory, Volcanic
    from varpy.management.store import ProjectStore

    p = spec.data["project"]
    cls = Volcanic if p["type"] == "volcanic" else Laboratory
    root = Path(p["root"])
    if p["if_exists"] == "error" and ProjectStore(root, p["id"]).exists():
        raise ProjectExistsError(
            f"a project already exists at {root / p['id']}; set project.if_exists to "
            "'overwrite' (re-import the data) or 'reuse' (keep it) in the spec, or remove it")
    root.mkdir(parents=True, exist_ok=True)
    return cls(p["id"], root=root)


def _import_data(project, spec: Spec) -> None:
    from varpy.exceptions import ProjectExistsError
    from varpy.management.core import datatype_key

    policy = spec.data["project"]["if_exists"]
    for i, src in enumerate(spec.data["data"]):
        try:
            dt = project.add_datatype(src["kind"], src["file"], src["metadata"],
                                      station=src["station"], format=src["format"],
                                      overwrite=policy == "overwrite", **src["options"])
        except ProjectExistsError:
            if policy == "reuse":      # already imported: keep what the project holds
                continue
            raise
        except VarpyError as exc:
            raise _located(exc, spec, ("data", i)) from None
        log.info("imported %s: %d rows", datatype_key(dt), len(dt))


def _selected(project, spec: Spec):
    from varpy.preparation import windows

    sel = spec.data["select"]
    if not sel:
        return project
    try:
        return windows.select(project, **_select_args(sel))
    except VarpyError as exc:
        raise _located(exc, spec, ("select",)) from None


def _select_args(sel: dict) -> dict:
    out = {}
    for key, value in sel.items():
        if key in ("time", "lat", "lon", "depth", "magnitude"):
            out[key] = tuple(value)
        elif key == "columns":
            out[key] = {c: tuple(b) for c, b in value.items()}
        elif key == "stations":
            out[key] = list(value)
        else:
            out[key] = value
    return out


def _decluster(selected, spec: Spec):
    """Decluster the selected ECVD (labels kept in its outputs); with ``keep``, return the
    background or clustered events as the selection for completeness and figures."""
    c = spec.data.get("decluster")
    if not c:
        return None, selected
    from varpy.preparation import windows

    try:
        labels = selected.ecvd.decluster(c["method"], **c["parameters"])
        record = {"method": labels.method, "parameters": labels.parameters,
                  "n_events": labels.n_events, "n_clusters": labels.n_clusters,
                  "background_fraction": labels.background_fraction, "keep": c["keep"]}
        if c["keep"] is not None:
            selected = windows.declustered(selected, result=labels, keep=c["keep"])
    except (VarpyError, ValueError) as exc:
        raise _located(exc, spec, ("decluster",)) from None
    return record, selected


def _completeness(selected, spec: Spec) -> tuple[dict | None, dict]:
    """Mc by each method and the b-value of the selected catalogue (record, result objects)."""
    c = spec.data["completeness"]
    if not c:
        return None, {}
    try:
        dt = selected.get(c["datatype"])
    except KeyError as exc:
        raise _located(SpecError(str(exc.args[0]), path=spec.path,
                                 key="completeness.datatype"), spec, ("completeness",)) from None
    out = {"datatype": c["datatype"], "n": int(len(dt)), "dm": c["dm"], "mc": {}, "b": None}
    results: dict = {}
    try:
        for method in c["methods"]:
            kwargs = dict(c["options"])
            if c["legacy"]:
                kwargs["legacy"] = True
            res = dt.mc(method, dm=c["dm"], **kwargs)
            results[method] = res
            out["mc"][method] = None if not math.isfinite(res.mc) else float(res.mc)
        first = results[c["methods"][0]]
        if math.isfinite(first.mc):
            b = dt.b_value(mc=first, method=c["b_method"], dm=c["dm"])
            results["b_value"] = b
            out["b"] = {"b": _finite(b.b), "sigma": _finite(getattr(b, "sigma", None)),
                        "a": _finite(getattr(b, "a", None)), "n": int(getattr(b, "n", 0)),
                        "mc": float(first.mc), "method": c["b_method"]}
    except (VarpyError, ValueError) as exc:
        raise _located(exc, spec, ("completeness",)) from None
    return out, results


def _finite(v):
    if v is None:
        return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _iso(ts) -> str | None:
    if ts is None:
        return None
    try:
        import pandas as pd

        if ts is pd.NaT or (isinstance(ts, float) and not math.isfinite(ts)):
            return None
        if isinstance(ts, pd.Timestamp):
            return ts.isoformat()
    except (TypeError, ValueError):
        return None
    return ts if isinstance(ts, str) else _finite(ts)


def _experiment_time(value, calendar: bool):
    return value if calendar or value is None else float(value)


def _run_experiments(project, spec: Spec, executor, progress) -> tuple[list, dict]:
    """Run every experiment; returns (records, {(name, model): result object})."""
    from varpy.modelling.experiments import multiple_analysis, single_analysis

    calendar = spec.data["project"]["type"] == "volcanic"
    records, objects = [], {}
    filters = _select_args(spec.data["select"]) or None
    exps_key = "experiments"
    for i, exp in enumerate(spec.data["experiments"]):
        common = dict(kind=exp["datatype"], station=exp["station"], filters=filters,
                      mc=exp["mc"], legacy=exp["legacy"],
                      ci_method=exp.get("ci_method", DEFAULT_CI_METHOD),
                      ci_options=dict(exp.get("ci_options") or {}), **exp["options"])
        if exp["min_events"] is not None and exp["type"] == "multiple":
            common["min_events"] = exp["min_events"]
        for model in exp["models"]:
            rec = {"name": exp["name"], "type": exp["type"], "model": model}
            try:
                if exp["type"] == "single":
                    fit = single_analysis(project, model, t_min=exp["t_min"], t_max=exp["t_max"],
                                          tf=exp["tf"], name=f"{exp['name']}-{model}", **common)
                    objects[(exp["name"], model)] = fit
                    rec.update(_single_record(fit, calendar))
                else:
                    res = multiple_analysis(project, model, t_min=exp["t_min"],
                                            t_max=exp["t_max"], t_step=exp["t_step"],
                                            tf=exp["tf"], name=f"{exp['name']}-{model}",
                                            executor=executor, progress=progress, **common)
                    objects[(exp["name"], model)] = res
                    rec.update(_multiple_record(res, exp))
            except FitError as exc:
                rec.update({"status": "failed", "error": str(exc)})
                log.warning("%s %s: %s", exp["name"], model, exc)
            except (VarpyError, TypeError, ValueError) as exc:
                raise _located(exc, spec, (exps_key, i)) from None
            records.append(rec)
    return records, objects


def _single_record(fit, calendar: bool) -> dict:
    rec = {"status": "flagged" if fit.warnings else "ok", "mode": fit.mode,
           "n_events": int(fit.n_events), "mc": fit.mc,
           "params": {k: _finite(v) for k, v in fit.params.items()},
           "stderr": {k: _finite(v) for k, v in fit.stderr.items()},
           "loglik": float(fit.loglik), "aic": float(fit.aic), "bic": float(fit.bic),
           "converged": bool(fit.converged), "warnings": list(fit.warnings)}
    if fit.tf is not None and fit.mode == "forecast":
        try:
            rec["failure_time"] = _iso(fit.failure_time(calendar=calendar))
        except (ValueError, OverflowError):
            rec["failure_time"] = None
        rec["tf_ci"] = None if fit.tf_ci is None else [_finite(v) for v in fit.tf_ci]
        rec["ci_method"] = fit.ci_method
    return rec


def _multiple_record(res, exp: dict) -> dict:
    steps = res.steps
    fitted = [s for s in steps if s.fit is not None]
    flagged = sum(1 for s in fitted if s.fit.warnings)
    rec = {"status": "ok", "experiment_id": res.experiment_id, "steps": len(steps),
           "fitted": len(fitted), "flagged_steps": flagged}
    if fitted:
        table = res.table
        last = table[table["skipped"].isna()].iloc[-1]
        rec["last_t_forc"] = _iso(last["t_forc"])
        if "failure_time" in table.columns:
            rec["last_failure_time"] = _iso(last["failure_time"])
    if res.tf is not None and fitted:
        from varpy.modelling.scoring import score_forecasts

        try:
            scores = score_forecasts(res, label=f"{exp['name']}-{res.model}")
        except (VarpyError, ValueError) as exc:
            rec["scores"] = {"error": str(exc)}
        else:
            # the headline figures exactly as Output/*-scores.json and the report hold them
            rec["scores"] = jsonable(scores.headline())
            rec["_scores"] = scores
    return rec
