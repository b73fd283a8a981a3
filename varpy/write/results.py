"""Write results into ``ID/Output/`` as CSV (the numbers) and JSON (numbers, units, provenance).

Each written result is a pair of files with one name::

    Output/NAME.csv    one table: a header row, then data; times as ISO 8601 UTC strings,
                       missing values empty, infinities as ``inf``/``-inf``
    Output/NAME.json   {"varpy_output": 1, "kind", "name", "project", "datatype", "units",
                        "provenance", "result_type", "result", "table", "time_columns", ...}

The JSON is strict (no NaN/Infinity tokens: NaN is ``null``, infinities ``"inf"``/``"-inf"``),
so a web gateway can read it with any JSON parser. ``provenance`` holds the data window, the
selection (filters) that produced the data, the Mc and its method, the model and its
parameters, the time of computation and of writing, and the package versions.

Files are written atomically and never replace existing ones unless ``overwrite=True``; each
write is recorded in the project manifest (``outputs``). VarPy 2016 pickled four legacy lists
and never wrote model outputs at all.

=============================  ==========================  ============================================
result                         ``kind``                    CSV table
=============================  ==========================  ============================================
FitResult, ModelOutput         ``fit``                     one row: window, parameters, errors, tf, ...
Model (all outputs)            ``model_outputs``           one row per output
ExperimentResult (``.table``)  ``experiment``              one row per forecast step
ForecastScores                 ``scores``                  one row per scored step (JSON: headline)
McResult                       ``mc``                      one row
BValueResult                   ``b_value``                 one row
FMDResult                      ``fmd``                     magnitude, incremental, cumulative
MagnitudeTimeSeries            ``b_series``/``mc_series``  one row per window
pandas.DataFrame               ``table``                   the frame
=============================  ==========================  ============================================
"""
from __future__ import annotations

import datetime as _dt
import io
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from varpy._version import __version__
from varpy.exceptions import DataFormatError, ProjectExistsError, StoreError
from varpy.management.core import Project, datatype_key
from varpy.management.datatypes import Datatype
from varpy._json import jsonable
from varpy.management.models import Model, ModelOutput, to_builtin
from varpy.management.store import atomic_write_text, package_versions, validate_name
from varpy.management.timeconv import from_float_time

__all__ = ["OUTPUT_FORMAT", "write_result", "write_model_outputs", "write_analyses",
           "read_output", "OutputRecord", "flatten_table", "result_table", "project_of",
           "jsonable", "output_t_forc"]

log = logging.getLogger(__name__)

#: Version of the JSON layout written here.
OUTPUT_FORMAT = 1

_TIME_UNIT = {True: "days since origin", False: "s since origin"}


# ---------------------------------------------------------------------------------------------
# JSON and table helpers
# ---------------------------------------------------------------------------------------------

def _is_time_column(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.DatetimeTZDtype) or s.dtype.kind == "M":
        return True
    if s.dtype == object:
        vals = s.dropna()
        return bool(len(vals)) and all(isinstance(v, (pd.Timestamp, _dt.datetime, np.datetime64))
                                       for v in vals)
    return False


def flatten_table(df: pd.DataFrame) -> pd.DataFrame:
    """The table as written: dict cells become ``column.key`` columns, list cells JSON strings,
    times UTC datetimes. Column order is kept (expanded columns in place)."""
    out = {}
    for col in df.columns:
        s = df[col]
        name = str(col)
        if s.dtype == object and s.map(lambda v: isinstance(v, dict)).any():
            keys: list = []
            for v in s:
                if isinstance(v, dict):
                    keys.extend(k for k in v if k not in keys)
            for k in keys:
                out[f"{name}.{k}"] = [v.get(k) if isinstance(v, dict) else None for v in s]
            continue
        if s.dtype == object and s.map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
            out[name] = [json.dumps(jsonable(v)) if isinstance(v, (list, tuple, np.ndarray))
                         else (None if v is None or (isinstance(v, float) and math.isnan(v))
                               else json.dumps(jsonable(v))) for v in s]
            continue
        if _is_time_column(s):
            out[name] = pd.to_datetime(s, utc=True)
            continue
        out[name] = s.to_numpy()
    flat = pd.DataFrame(out, index=range(len(df)))
    for col in flat.columns:
        s = flat[col]
        if s.dtype == object and not _is_time_column(s):
            # cells from dicts may be numbers and None: keep them numeric when possible
            nonnull = s.dropna()
            if len(nonnull) and all(isinstance(v, (int, float, np.integer, np.floating))
                                    and not isinstance(v, (bool, np.bool_)) for v in nonnull):
                flat[col] = pd.to_numeric(s, errors="coerce").astype(float)
            elif len(nonnull) and all(isinstance(v, (pd.Timestamp, _dt.datetime)) for v in
                                      nonnull):
                flat[col] = pd.to_datetime(s, utc=True)
    return flat


def _table_json(flat: pd.DataFrame) -> dict:
    return {"columns": [str(c) for c in flat.columns],
            "data": [[jsonable(v) for v in row] for row in flat.itertuples(index=False)]}


def _csv_text(flat: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame = flat.copy()
    for col in frame.columns:
        if _is_time_column(frame[col]):
            frame[col] = [None if pd.isna(v) else pd.Timestamp(v).isoformat()
                          for v in frame[col]]
    frame.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# describing results
# ---------------------------------------------------------------------------------------------

def _calendar_of(dt: Datatype | None, origin) -> bool:
    if dt is not None:
        return bool(dt.calendar)
    return isinstance(origin, str)


def _time_of(value, origin, calendar: bool):
    """A fit-axis float as a UTC Timestamp (calendar; NaT if not representable) or seconds."""
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return pd.NaT if calendar else (math.nan if value is None else float(value))
    if calendar:
        try:
            return from_float_time(float(value), "1970-01-01" if origin is None else origin,
                                   calendar=True)
        except ValueError:
            return pd.NaT
    return float(from_float_time(float(value), origin, calendar=False))


def _stamp(text):
    """An ISO time string of the store (``created``) as a UTC Timestamp."""
    return pd.NaT if not text else pd.Timestamp(text).tz_convert("UTC")


def output_t_forc(out: ModelOutput, fit, calendar: bool):
    """The forecast time of a stored model output: ``provenance['t_forc']`` (an absolute time),
    or the experiment step's ``provenance['experiment']['t_forc']`` (on the fit's float axis, as
    :mod:`varpy.modelling.experiments` records it); NaT/NaN when neither is there."""
    from varpy.management.timeconv import parse_time

    value = out.provenance.get("t_forc")
    if value is not None:
        return parse_time(value) if calendar else float(value)
    step = out.provenance.get("experiment") or {}
    if isinstance(step, dict) and step.get("t_forc") is not None:
        return _time_of(float(step["t_forc"]), fit.origin, calendar)
    return pd.NaT if calendar else math.nan


def _fit_row(fit, calendar: bool) -> dict:
    """One flat row describing a FitResult."""
    t0, t1 = (float(v) for v in fit.window)
    row = {"model": fit.model, "mode": fit.mode, "method": fit.method,
           "n_events": int(fit.n_events), "t0": t0, "t1": t1, "origin": fit.origin,
           "window_start": _time_of(t0, fit.origin, calendar),
           "window_end": _time_of(t1, fit.origin, calendar),
           "mc": fit.mc, "mc_method": fit.mc_method}
    for name, value in fit.params.items():
        row[f"params.{name}"] = float(value)
    for name, value in fit.stderr.items():
        row[f"stderr.{name}"] = float(value)
    row["fixed"] = list(fit.fixed)
    row.update({"loglik": fit.loglik, "aic": fit.aic, "bic": fit.bic, "n_params": fit.n_params,
                "converged": bool(fit.converged)})
    if fit.tf is not None:
        lo, hi = fit.tf_ci if fit.tf_ci is not None else (math.nan, math.nan)
        row.update({"tf": fit.tf, "tf_ci_low": lo, "tf_ci_high": hi,
                    "ci_level": fit.ci_level,
                    "failure_time": _time_of(fit.tf, fit.origin, calendar),
                    "failure_time_low": _time_of(lo, fit.origin, calendar),
                    "failure_time_high": _time_of(hi, fit.origin, calendar)})
    row["warnings"] = list(fit.warnings)
    return row


def _fit_units(fit, calendar: bool) -> dict:
    axis = _TIME_UNIT[calendar]
    when = "UTC (ISO 8601)" if calendar else "s since experiment start"
    units = {"t0": axis, "t1": axis, "window_start": when, "window_end": when,
             "mc": "magnitude", "loglik": "1", "aic": "1", "bic": "1", "n_events": "events"}
    if fit.tf is not None:
        units.update({"tf": axis, "tf_ci_low": axis, "tf_ci_high": axis, "failure_time": when,
                      "failure_time_low": when, "failure_time_high": when,
                      "params.tf": axis, "stderr.tf": axis.split(" since")[0]})
    unit = "d" if calendar else "s"
    for name in fit.params:
        if name in ("k", "k1", "k2"):
            units.setdefault(f"params.{name}", f"events/{unit} x {unit}^p (rate scale)")
        elif name in ("p", "p1", "p2"):
            units.setdefault(f"params.{name}", "1")
        elif name == "c":
            units.setdefault("params.c", unit)
        elif name == "lam":
            units.setdefault("params.lam", f"1/{unit}")
    return units


def result_table(result, *, calendar: bool | None = None) -> tuple[str, pd.DataFrame, dict]:
    """``(kind, table, units)`` of a result object (see the module table)."""
    from varpy.analysis import magnitudes as mag
    from varpy.modelling.fitting import FitResult

    if isinstance(result, ModelOutput):
        fit = result.load_result()
        cal = _calendar_of(None, fit.origin) if calendar is None else calendar
        row = {"kind": result.kind, "uid": result.uid, "created": _stamp(result.created),
               "t_forc": output_t_forc(result, fit, cal), **_fit_row(fit, cal)}
        return "fit", pd.DataFrame([row]), _fit_units(fit, cal)
    if isinstance(result, FitResult):
        cal = _calendar_of(None, result.origin) if calendar is None else calendar
        return "fit", pd.DataFrame([_fit_row(result, cal)]), _fit_units(result, cal)
    if isinstance(result, Model):
        rows = []
        units: dict = {}
        for out in result.outputs:
            fit = out.load_result()
            cal = _calendar_of(None, fit.origin) if calendar is None else calendar
            rows.append({"kind": out.kind, "uid": out.uid, "created": _stamp(out.created),
                         "t_forc": output_t_forc(out, fit, cal),
                         **_fit_row(fit, cal)})
            units.update(_fit_units(fit, cal))
        return "model_outputs", pd.DataFrame(rows), units
    if isinstance(result, mag.McResult):
        lo, hi = result.ci if result.ci is not None else (math.nan, math.nan)
        row = {"mc": result.mc, "method": result.method, "dm": result.dm, "n": result.n,
               "sigma": result.sigma, "ci_low": lo, "ci_high": hi,
               "conf_level": result.conf_level, "n_boot": result.n_boot,
               "criterion": result.details.get("criterion"), "legacy": result.legacy}
        return "mc", pd.DataFrame([row]), {"mc": "magnitude", "dm": "magnitude",
                                           "sigma": "magnitude", "ci_low": "magnitude",
                                           "ci_high": "magnitude", "n": "events"}
    if isinstance(result, mag.BValueResult):
        lo, hi = result.ci if result.ci is not None else (math.nan, math.nan)
        row = {"b": result.b, "sigma": result.sigma, "a": result.a, "n": result.n,
               "mc": result.mc, "mc_method": result.mc_method, "dm": result.dm,
               "method": result.method, "uncertainty": result.uncertainty, "ci_low": lo,
               "ci_high": hi, "conf_level": result.conf_level,
               "a_convention": result.a_convention, "legacy": result.legacy}
        return "b_value", pd.DataFrame([row]), {"b": "1", "sigma": "1", "a": "log10 events",
                                                "mc": "magnitude", "dm": "magnitude",
                                                "n": "events"}
    if isinstance(result, mag.FMDResult):
        return "fmd", result.to_frame(), {"magnitude": "magnitude (bin centre)",
                                          "incremental": "events", "cumulative": "events"}
    if isinstance(result, mag.MagnitudeTimeSeries):
        kind = "b_series" if result.quantity == "b" else "mc_series"
        when = "UTC (ISO 8601)" if result.time_kind == "datetime" else (
            "event number" if result.time_kind == "index" else "s")
        return kind, result.frame.copy(), {"start": when, "end": when, "time": when,
                                           "mc": "magnitude", "n": "events",
                                           "n_window": "events"}
    from varpy.modelling.scoring import ForecastScores

    if isinstance(result, ForecastScores):
        u = result.unit
        return "scores", result.table.copy(), {
            "t_forc": u, "lead_time": u, "tf": u, "error": u, "abs_error": u, "ci_low": u,
            "ci_high": u, "width": u, "interval_score": u, "crps": u, "rel_error": "1",
            "pit": "1", "log_score": f"log(1/{'day' if u == 'days' else 's'})",
            "n_fit": "events"}
    table = getattr(result, "table", None)
    if callable(table):
        table = table()
    if isinstance(table, pd.DataFrame):
        units = {"t_forc": "UTC (ISO 8601) or s", "failure_time": "UTC (ISO 8601) or s",
                 "mc": "magnitude", "n_window": "events", "n_fit": "events"}
        return "experiment", table.copy(), units
    if isinstance(result, pd.DataFrame):
        return "table", result.copy(), {}
    raise TypeError(f"cannot write a {type(result).__name__}; give a FitResult, ModelOutput, "
                    "Model, ExperimentResult, McResult, BValueResult, FMDResult, "
                    "MagnitudeTimeSeries or DataFrame")


def _result_dict(result) -> tuple[str, Any]:
    if isinstance(result, pd.DataFrame):
        return "", None
    rtype = f"{type(result).__module__}:{type(result).__qualname__}"
    if isinstance(result, ModelOutput):
        return result.result_type, result.result
    if hasattr(result, "to_dict") and callable(result.to_dict):
        try:
            return rtype, result.to_dict()
        except (TypeError, ValueError) as exc:
            log.info("%s.to_dict() failed (%s); only its table is written", rtype, exc)
            return rtype, None
    return rtype, None


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------

def project_of(obj) -> Project:
    """A project from a project, an attached datatype or a project folder path."""
    if isinstance(obj, Project):
        return obj
    if isinstance(obj, Datatype):
        if obj._project is None:
            raise StoreError("the datatype is not attached to a project; pass the project")
        return obj._project
    if isinstance(obj, (str, Path)):
        from varpy.management.core import open as open_project

        return open_project(obj)
    raise TypeError(f"expected a varpy project, datatype or project path, not "
                    f"{type(obj).__name__}")


def _datatype(project: Project, datatype) -> Datatype | None:
    if isinstance(datatype, Datatype):
        return datatype
    if datatype is None:
        return None
    if datatype == "auto":
        for kind in ("ecvd", "ecld"):
            if kind in project.kinds and getattr(project, kind) is not None:
                return getattr(project, kind)
        return None
    present = project.datatypes()
    if datatype not in present:
        raise DataFormatError(f"project {project.id!r} has no datatype {datatype!r}",
                              key="datatype", expected=f"one of {sorted(present)}")
    return present[datatype]


def _window_provenance(result, dt: Datatype | None) -> dict | None:
    from varpy.modelling.fitting import FitResult

    fit = result.load_result() if isinstance(result, ModelOutput) else result
    if not isinstance(fit, FitResult):
        return None
    cal = _calendar_of(dt, fit.origin)
    t0, t1 = (float(v) for v in fit.window)
    return {"t0": t0, "t1": t1, "origin": fit.origin, "unit": _TIME_UNIT[cal],
            "start": jsonable(_time_of(t0, fit.origin, cal)),
            "end": jsonable(_time_of(t1, fit.origin, cal)), "closed": "left"}


def _provenance(project: Project, dt: Datatype | None, result, extra: dict | None) -> dict:
    from varpy.analysis import magnitudes as mag
    from varpy.modelling.fitting import FitResult

    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    prov: dict = {"project": project.id, "project_type": project.project_type,
                  "datatype": None if dt is None else datatype_key(dt),
                  "selection": [] if dt is None else to_builtin(dt.selection),
                  "computed": now, "written": now, "varpy_version": __version__,
                  "package_versions": package_versions()}
    window = _window_provenance(result, dt)
    if window is not None:
        prov["data_window"] = window
    fit = result.load_result() if isinstance(result, ModelOutput) else result
    if isinstance(result, ModelOutput):
        prov.update(to_builtin(result.provenance))
        prov["computed"] = result.created
        prov["output_kind"] = result.kind
    if isinstance(fit, FitResult):
        prov.update({"model": fit.model, "parameters": fit.params, "fixed": fit.fixed,
                     "mc": fit.mc, "mc_method": fit.mc_method, "fit_method": fit.method,
                     "converged": fit.converged})
    elif isinstance(result, Model):
        prov["model"] = result.name
    elif isinstance(result, mag.McResult):
        prov.update({"mc_method": result.method, "options": result.options})
    elif isinstance(result, mag.BValueResult):
        prov.update({"mc": result.mc, "mc_method": result.mc_method,
                     "b_method": result.method})
    elif isinstance(result, mag.MagnitudeTimeSeries):
        prov.update({"window": result.window, "settings": result.settings})
    if hasattr(result, "experiment_id") and hasattr(result, "steps"):
        # varpy.modelling.experiments.ExperimentResult
        prov.update({"experiment_id": result.experiment_id, "model": result.model,
                     "output_kind": getattr(result, "output_kind", None),
                     "t_min": to_builtin(getattr(result, "t_min", None)),
                     "t_max": to_builtin(getattr(result, "t_max", None)),
                     "t_step": getattr(result, "t_step", None),
                     "known_tf": getattr(result, "tf", None),
                     "fix_tf": getattr(result, "fix_tf", None),
                     "filters": to_builtin(getattr(result, "selection", [])),
                     "mc_method": (getattr(result, "settings", {}) or {}).get("mc"),
                     "settings": to_builtin(getattr(result, "settings", {})),
                     "package_versions_of_run": to_builtin(getattr(result, "versions", {}))})
    for attr in ("model", "settings", "provenance", "origin"):
        value = getattr(result, attr, None)
        if attr not in prov and value is not None and not callable(value) and \
                isinstance(value, (str, int, float, dict, list)):
            prov[attr] = value
    if extra:
        prov.update(to_builtin(extra))
    # the selection in the provenance of a model output is what the fit saw; keep both
    if dt is not None and prov.get("selection") != to_builtin(dt.selection):
        prov["datatype_selection"] = to_builtin(dt.selection)
    return jsonable(prov)


def _default_name(kind: str, result, dt: Datatype | None) -> str:
    from varpy.modelling.fitting import FitResult

    parts = [kind]
    fit = result.load_result() if isinstance(result, ModelOutput) else result
    if isinstance(fit, FitResult):
        parts.append(fit.model)
    elif isinstance(result, Model):
        parts.append(result.name)
    elif hasattr(result, "method") and isinstance(result.method, str):
        parts.append(result.method)
    elif isinstance(getattr(result, "model", None), str):
        parts.append(result.model)
        if isinstance(getattr(result, "experiment_id", None), str):
            parts.append(result.experiment_id)
    if dt is not None:
        parts.append(datatype_key(dt))
    return "-".join(parts).replace("_", "-")


def write_result(project, result, name: str | None = None, *, datatype="auto",
                 provenance: dict | None = None, units: dict | None = None,
                 overwrite: bool = False) -> list[Path]:
    """Write one result as ``Output/NAME.csv`` and ``Output/NAME.json`` and record it.

    Parameters
    ----------
    project : Volcanic, Laboratory, attached datatype, or project path
    result : FitResult, ModelOutput, Model, ExperimentResult, McResult, BValueResult,
        FMDResult, MagnitudeTimeSeries or DataFrame
    name : str, optional
        File stem (letters, digits, ``.``, ``_``, ``-``); default ``KIND-MODEL-DATATYPE``
        (e.g. ``fit-iol-ecvd``, ``mc-gft-ecvd``).
    datatype : str, Datatype, 'auto' or None
        Whose selection goes into the provenance (default: the project's catalogue).
    provenance : dict, optional
        Extra provenance (e.g. the experiment settings); overrides the defaults.
    units : dict, optional
        Extra or corrected units per column.
    overwrite : bool
        Replace existing files of that name (otherwise
        :class:`~varpy.exceptions.ProjectExistsError`).

    Returns
    -------
    list of pathlib.Path
        ``[csv, json]``.
    """
    project = project_of(project)
    store = project.store
    dt = _datatype(project, datatype)
    cal = None if dt is None else bool(dt.calendar)
    kind, table, table_units = result_table(result, calendar=cal)
    flat = flatten_table(table)
    rtype, rdict = _result_dict(result)
    stem = validate_name(name if name is not None else _default_name(kind, result, dt),
                         "output name")
    all_units = {k: v for k, v in {**table_units, **(units or {})}.items()
                 if k in flat.columns or k in table.columns}
    time_columns = [str(c) for c in flat.columns if _is_time_column(flat[c])]
    prov = _provenance(project, dt, result, provenance)
    doc = {"varpy_output": OUTPUT_FORMAT, "kind": kind, "name": stem, "project": project.id,
           "project_type": project.project_type,
           "datatype": None if dt is None else datatype_key(dt),
           "files": {"csv": f"Output/{stem}.csv", "json": f"Output/{stem}.json"},
           "units": all_units, "time_columns": time_columns, "provenance": prov,
           "result_type": rtype, "result": jsonable(rdict), "table": _table_json(flat)}
    text_json = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
    text_csv = _csv_text(flat)
    csv_path = store.safe_child("Output", f"{stem}.csv")
    json_path = store.safe_child("Output", f"{stem}.json")
    with store.lock():
        if not overwrite:
            taken = [p.name for p in (csv_path, json_path) if p.exists()]
            if taken:
                raise ProjectExistsError(f"Output/{taken[0]} exists in project {project.id!r}; "
                                         "pass overwrite=True to replace it or choose another "
                                         "name=")
        atomic_write_text(csv_path, text_csv, overwrite=overwrite)
        atomic_write_text(json_path, text_json, overwrite=overwrite)
        store.record("outputs", {"name": stem, "kind": kind,
                                 "files": [f"Output/{stem}.csv", f"Output/{stem}.json"],
                                 "datatype": doc["datatype"], "model": prov.get("model"),
                                 "result_type": rtype, "computed": prov.get("computed"),
                                 "varpy_version": __version__})
    log.info("wrote %s output %s of project %r", kind, stem, project.id)
    return [csv_path, json_path]


def write_model_outputs(project, *, datatype=None, models=None, overwrite: bool = False
                        ) -> list[Path]:
    """Write every stored model (all its outputs, one row each) of the project's datatypes.

    One output per datatype and model, named ``models-MODEL-DATATYPE``. Returns the files.
    """
    project = project_of(project)
    paths = []
    for key, dt in project.datatypes().items():
        if datatype is not None and key != datatype:
            continue
        for model_name, model in dt.models.items():
            if models is not None and model_name not in models:
                continue
            if not model.outputs:
                continue
            stem = f"models-{model_name}-{key}".replace("_", "-")
            paths += write_result(project, model, stem, datatype=dt, overwrite=overwrite)
    return paths


def write_analyses(project, *, datatype=None, overwrite: bool = False) -> list[Path]:
    """Write every stored analysis result (Mc, b-value, ...) of the project's datatypes.

    Results are rebuilt from their stored records (``result_type.from_dict``; experiments with
    :meth:`varpy.modelling.experiments.ExperimentResult.from_project`, which brings back their
    fits); each output is named ``analysis-NAME-DATATYPE`` and its provenance carries the
    selection the analysis was made on.
    """
    import importlib

    project = project_of(project)
    paths = []
    for key, dt in project.datatypes().items():
        if datatype is not None and key != datatype:
            continue
        for label, record in dt.outputs.items():
            if not isinstance(record, dict):
                continue
            stored = record.get("result")
            if isinstance(stored, dict) and "experiment_id" in stored and "steps" in stored:
                # an experiment's index (stored without its fits): reload it with the fits
                from varpy.modelling.experiments import ExperimentResult

                result = ExperimentResult.from_project(project, dt.kind, stored["name"],
                                                       stored["experiment_id"],
                                                       station=dt.station)
            else:
                module_name, _, qualname = record.get("result_type", "").partition(":")
                if not module_name:
                    continue
                obj: Any = importlib.import_module(module_name)
                for part in qualname.split("."):
                    obj = getattr(obj, part)
                if not hasattr(obj, "from_dict"):
                    log.info("analysis %r of %s holds a plain %s; not written", label, key,
                             qualname)
                    continue
                result = obj.from_dict(stored)
            stem = f"analysis-{label}-{key}".replace("_", "-")
            paths += write_result(project, result, stem, datatype=dt,
                                  provenance={"selection": record.get("selection", []),
                                              "analysis": label},
                                  overwrite=overwrite)
    return paths


# ---------------------------------------------------------------------------------------------
# reading back
# ---------------------------------------------------------------------------------------------

@dataclass
class OutputRecord:
    """One written output read back: its table and everything in its JSON."""

    name: str
    kind: str
    table: pd.DataFrame
    units: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    result_type: str = ""
    result: Any = None
    meta: dict = field(default_factory=dict)
    path: Path | None = None

    def load(self):
        """Rebuild the result object (``result_type.from_dict(result)``)."""
        import importlib

        if not self.result_type or self.result is None:
            raise StoreError(f"output {self.name!r} holds no rebuildable result object")
        module_name, _, qualname = self.result_type.partition(":")
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        return obj.from_dict(self.result)


def read_output(path, *, source: str = "csv") -> OutputRecord:
    """Read an output written by :func:`write_result`.

    Parameters
    ----------
    path : path
        ``NAME.json`` or ``NAME.csv`` (the other file is found beside it).
    source : {'csv', 'json'}
        Read the table from the CSV (default) or from the JSON copy; both give the same frame.
    """
    path = Path(path)
    json_path = path.with_suffix(".json")
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StoreError(f"{json_path} is missing (every varpy output has a JSON)") from exc
    except json.JSONDecodeError as exc:
        raise StoreError(f"{json_path} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or "varpy_output" not in doc:
        raise StoreError(f"{json_path} is not a varpy output (no 'varpy_output' key)")
    if doc["varpy_output"] > OUTPUT_FORMAT:
        raise StoreError(f"{json_path} was written by a newer varpy; upgrade to read it")
    time_columns = doc.get("time_columns", [])
    if source == "csv":
        csv_path = path.with_suffix(".csv")
        try:
            table = pd.read_csv(csv_path, keep_default_na=True)
        except FileNotFoundError as exc:
            raise StoreError(f"{csv_path} is missing") from exc
        except pd.errors.EmptyDataError:
            table = pd.DataFrame(columns=doc["table"]["columns"])
        # CSV cannot tell an empty string from a missing value: the JSON copy can
        tab = doc["table"]
        for j, col in enumerate(tab["columns"]):
            if col in table.columns and col not in time_columns:
                empty = [i for i, row in enumerate(tab["data"]) if row[j] == ""]
                if empty:
                    table[col] = table[col].astype(object)
                    table.loc[empty, col] = ""
    elif source == "json":
        tab = doc["table"]
        table = pd.DataFrame(tab["data"], columns=tab["columns"])
        for col in table.columns:
            if col in time_columns:
                continue
            vals = table[col]
            if vals.map(lambda v: v in ("inf", "-inf")).any() or (
                    vals.dropna().map(lambda v: isinstance(v, (int, float))).all()
                    and vals.isna().any()):
                table[col] = pd.to_numeric(vals.replace({"inf": math.inf, "-inf": -math.inf}),
                                           errors="coerce")
    else:
        raise ValueError(f"source must be 'csv' or 'json', not {source!r}")
    for col in time_columns:
        if col in table.columns:
            table[col] = pd.to_datetime(table[col], utc=True, format="ISO8601")
    return OutputRecord(name=doc["name"], kind=doc["kind"], table=table,
                        units=doc.get("units", {}), provenance=doc.get("provenance", {}),
                        result_type=doc.get("result_type", ""), result=doc.get("result"),
                        meta={k: v for k, v in doc.items() if k not in ("table", "result")},
                        path=json_path)
