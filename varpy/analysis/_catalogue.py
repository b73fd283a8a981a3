"""Reading magnitudes and times from a catalogue or arrays, and the JSON round trip of the small
result dataclasses of :mod:`varpy.analysis.bvalue_more`, :mod:`~varpy.analysis.avalues` and
:mod:`~varpy.analysis.significance`."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import math
from typing import ClassVar

import numpy as np
import pandas as pd

from varpy._json import json_float, jsonable
from varpy.exceptions import DataFormatError
from varpy.management.timeconv import parse_time, to_float_time

logger = logging.getLogger(__name__)

#: Time units of the rates: days (calendar times are days since 1970-01-01), Julian years.
TIME_UNITS = {"day": 1.0, "year": 365.25}


def time_scale(time_unit: str) -> float:
    """Days per ``time_unit`` (``'day'`` or ``'year'``)."""
    unit = str(time_unit).lower().rstrip("s")
    if unit not in TIME_UNITS:
        raise DataFormatError(f"unknown time unit {time_unit!r}", key="time_unit",
                              expected=f"one of {tuple(TIME_UNITS)}")
    return TIME_UNITS[unit]


def _column(data, name):
    if name not in data.columns:
        raise DataFormatError(f"catalogue has no {name!r} column", column=name,
                              expected=f"a DataFrame with a {name!r} column (columns present: "
                                       f"{', '.join(map(str, data.columns))})")
    return data[name]


def _is_calendar(times) -> bool:
    """Whether event times are datetimes (checked on the dtype, never row by row)."""
    dtype = getattr(times, "dtype", None)
    if dtype is not None and pd.api.types.is_datetime64_any_dtype(dtype):
        return True
    if dtype is not None and dtype != object:
        return False
    arr = np.asarray(times)
    if arr.dtype.kind == "M":
        return True
    return arr.dtype == object and arr.size > 0 and isinstance(
        arr.flat[0], (pd.Timestamp, _dt.datetime, np.datetime64))


def catalogue_arrays(data, *, column: str = "magnitude", time_column: str = "time",
                     times=None, need_times: bool = False, time_unit: str = "day"):
    """``(magnitudes, times or None, calendar)`` as float arrays, rows with NaN dropped.

    Calendar times become ``time_unit`` since 1970-01-01 (days by default, or Julian years);
    float times are used as they are.
    """
    if isinstance(data, pd.DataFrame):
        m = _column(data, column).to_numpy(dtype=np.float64, na_value=np.nan)
        if times is None and time_column in data.columns:
            times = data[time_column]
    else:
        try:
            m = np.asarray(data, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"magnitudes are not numeric: {exc}", column=column,
                                  expected="an array of float magnitudes") from exc
    calendar = False
    t = None
    if times is not None:
        values = times
        if isinstance(values, (pd.Series, pd.Index)) and not (
                pd.api.types.is_datetime64_any_dtype(values.dtype)):
            values = values.to_numpy()
        calendar = _is_calendar(times)
        try:
            t_days = to_float_time(values)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"event times cannot be read: {exc}", column=time_column,
                                  expected="datetime64 values or float times") from exc
        t = np.asarray(t_days, dtype=np.float64) / (time_scale(time_unit) if calendar
                                                     else 1.0)
        if t.shape != m.shape:
            raise DataFormatError(f"{t.size} times for {m.size} magnitudes", key="times",
                                  expected="one time per event")
    elif need_times:
        raise DataFormatError("this estimator needs event times", key="times",
                              expected=f"a catalogue with a {time_column!r} column, or times=")
    if np.isinf(m).any():
        row = int(np.flatnonzero(np.isinf(m))[0])
        raise DataFormatError(f"magnitude {m[row]} in row {row}", column=column,
                              expected="finite magnitudes or NaN for missing values")
    ok = np.isfinite(m) if t is None else np.isfinite(m) & np.isfinite(t)
    if not ok.all():
        logger.info("ignoring %d events with NaN magnitude or time of %d",
                    int((~ok).sum()), m.size)
        m = m[ok]
        t = None if t is None else t[ok]
    return m, t, calendar


def time_value(value, calendar: bool, time_unit: str = "day") -> float:
    """One time given by a user on the scale of :func:`catalogue_arrays`."""
    if calendar:
        if isinstance(value, (int, float, np.floating, np.integer)):
            raise DataFormatError(f"time {value!r} is a number but the catalogue has calendar "
                                  "times", key="time",
                                  expected="a date such as '2011-07-19' or a Timestamp")
        return float(to_float_time([parse_time(value)])[0]) / time_scale(time_unit)
    return float(value)


def duration_value(value, calendar: bool, time_unit: str = "day", name: str = "window"):
    """A duration (float in the time unit, or a Timedelta/string such as '30D' for calendar
    catalogues) as a float in the unit of :func:`catalogue_arrays`."""
    if isinstance(value, (str, pd.Timedelta, np.timedelta64)) or hasattr(value, "total_seconds"):
        if not calendar:
            raise DataFormatError(f"{name}={value!r} is a duration but the times are floats",
                                  key=name, expected="a float in the unit of the times")
        return pd.Timedelta(value).total_seconds() / 86400.0 / time_scale(time_unit)
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataFormatError(f"{name}={value!r} is not a duration", key=name,
                              expected="a positive number or a Timedelta string") from None
    if not (math.isfinite(v) and v > 0):
        raise DataFormatError(f"{name}={value!r} must be positive", key=name,
                              expected="a positive duration")
    return v


def iso(value: float, calendar: bool, time_unit: str = "day"):
    """A time of the float scale back as an ISO string (calendar) or the float itself."""
    if not calendar or not math.isfinite(value):
        return float(value)
    ts = pd.Timestamp(0, tz="UTC") + pd.to_timedelta(value * time_scale(time_unit), unit="D")
    return ts.isoformat()


class ResultDict:
    """``to_dict``/``from_dict`` of a flat dataclass of floats, strings, tuples and arrays."""

    result_type: ClassVar[str] = ""
    _arrays: ClassVar[tuple[str, ...]] = ()
    _floats: ClassVar[tuple[str, ...]] = ()
    _tuples: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict:
        """JSON-able dict (NaN -> None, inf -> 'inf')."""
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, d: dict):
        """Rebuild from :meth:`to_dict` output."""
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {}
        for key, value in d.items():
            if key not in names:
                continue
            if key in cls._arrays:
                value = None if value is None else np.array(
                    [np.nan if v is None else json_float(v) for v in value], dtype=np.float64)
            elif key in cls._floats:
                value = json_float(value)
            elif key in cls._tuples:
                value = None if value is None else tuple(json_float(v) for v in value)
            kwargs[key] = value
        return cls(**kwargs)


def fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.{digits}f}"
