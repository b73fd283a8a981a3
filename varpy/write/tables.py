"""Results as tables: flattening frames for CSV/JSON, and the one-table description of each result.

:func:`result_table` turns any result varpy writes (FitResult, ModelOutput, Model,
ExperimentResult, ForecastScores, McResult, BValueResult, FMDResult, MagnitudeTimeSeries, a
DataFrame) into ``(kind, table, units)``; :func:`flatten_table` makes a frame CSV- and JSON-safe
(times as ISO 8601 UTC strings, nested values as JSON text). Used by
:mod:`varpy.write.results` (writing) and :mod:`varpy.write.report`.

May import: :mod:`varpy._json`, :mod:`varpy.management.datatypes`, :mod:`varpy.management.models`,
:mod:`varpy.management.timeconv`.
"""
from __future__ import annotations

import datetime as _dt
import io
import json
import logging
import math
from typing import Any

import numpy as np
import pandas as pd

from varpy._json import jsonable
from varpy.management.datatypes import Datatype
from varpy.management.models import Model, ModelOutput
from varpy.management.timeconv import from_float_time

log = logging.getLogger(__name__)

#: Version of the JSON layout written by :mod:`varpy.write.results`.
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
