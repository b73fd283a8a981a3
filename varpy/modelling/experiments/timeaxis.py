"""The float time axis of an experiment: window bounds, forecast times, labels.

``_Axis`` maps user times (calendar strings, timestamps, lab seconds) to the float axis of the
fits (days since ``t_min`` for calendar data, seconds since ``t_min`` for laboratory data) and
back; :func:`forecast_offsets` lists the forecast times of a multiple analysis.

May import: numpy, pandas, :mod:`varpy.exceptions`, :mod:`varpy.management.timeconv`.
"""
from __future__ import annotations

import datetime as _dt
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError
from varpy.management.datatypes import Datatype
from varpy.management.timeconv import from_days, parse_time, to_float_time

__all__ = ["forecast_offsets"]


@dataclass(frozen=True)
class _Axis:
    """The float axis of a set of fits: days (calendar) or seconds (lab) since ``origin``."""

    calendar: bool
    origin: Any  # pandas.Timestamp (UTC) or float seconds

    @classmethod
    def of(cls, dt: Datatype, t_min, name: str = "t_min") -> "_Axis":
        calendar = bool(dt.calendar)
        return cls(calendar, _bound(t_min, calendar, name))

    @property
    def unit(self) -> str:
        return "days" if self.calendar else "seconds"

    @property
    def label(self):
        """The origin as stored in results: ISO string (calendar) or float seconds."""
        return self.origin.isoformat() if self.calendar else float(self.origin)

    @classmethod
    def from_label(cls, calendar: bool, label) -> "_Axis":
        return cls(calendar, parse_time(label) if calendar else float(label))

    def rel(self, value, name: str) -> float:
        """A user time (date or lab seconds) as a float on this axis."""
        b = _bound(value, self.calendar, name)
        if self.calendar:
            return float(to_float_time(pd.DatetimeIndex([b]), self.origin)[0])
        return b - float(self.origin)

    def span(self, value, name: str) -> float:
        """A duration (number in axis units, or a timedelta) as a float."""
        if isinstance(value, (_dt.timedelta, np.timedelta64, pd.Timedelta)):
            sec = pd.Timedelta(value).total_seconds()
            return sec / 86400.0 if self.calendar else sec
        if isinstance(value, str):
            try:
                sec = pd.Timedelta(value).total_seconds()
            except ValueError as exc:
                raise DataFormatError(f"{name}={value!r} is not a duration", key=name,
                                      expected=f"a number of {self.unit} or a timedelta "
                                               "such as '2D'") from exc
            return sec / 86400.0 if self.calendar else sec
        out = _finite(value, name, f"a number of {self.unit} or a timedelta")
        return out

    def tf_rel(self, value, name: str = "tf") -> float:
        """A known failure time on this axis (see the module conventions)."""
        if self.calendar and _is_number(value):
            return _finite(value, name, "a date, or a number of days after t_min")
        return self.rel(value, name)

    def absolute(self, x):
        """Float(s) on this axis as absolute times: Timestamp/NaT or seconds/NaN."""
        if self.calendar:
            try:
                x = float(x)
            except (TypeError, ValueError):
                return pd.NaT
            if not math.isfinite(x):
                return pd.NaT
            try:
                return from_days(x, self.origin)
            except (ValueError, OverflowError):
                return pd.NaT  # beyond the representable calendar (e.g. a tf in year 3332)
        return math.nan if x is None else float(x) + float(self.origin)

    def absolute_column(self, values) -> pd.Series:
        out = [self.absolute(v) for v in values]
        if self.calendar:
            return pd.Series(pd.DatetimeIndex(out, tz="UTC") if out else
                             pd.DatetimeIndex([], tz="UTC"))
        return pd.Series(np.asarray(out, dtype=np.float64))

    def describe(self, x) -> str:
        v = self.absolute(x)
        if self.calendar:
            return "beyond the calendar" if v is pd.NaT else v.strftime("%Y-%m-%d %H:%M")
        return f"{v:.6g} s"


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _finite(value, name: str, expected: str) -> float:
    if not _is_number(value):
        raise DataFormatError(f"{name}={value!r} is not a number", key=name, expected=expected)
    out = float(value)
    if not math.isfinite(out):
        raise DataFormatError(f"{name}={value!r} is not finite", key=name, expected=expected)
    return out


def _bound(value, calendar: bool, name: str):
    """A window bound: UTC Timestamp (calendar) or float seconds (lab)."""
    if value is None:
        raise DataFormatError(f"{name} is required", key=name,
                              expected="a date" if calendar else "a number of seconds")
    if calendar:
        if _is_number(value):
            raise DataFormatError(
                f"{name}={value!r}: a number is ambiguous as a calendar time", key=name,
                expected="a date string ('dd-mm-yyyy' or ISO 'yyyy-mm-dd'), a datetime or a "
                         "pandas Timestamp (VarPy ordinal days convert with "
                         "varpy.management.timeconv.from_ordinal_days)")
        try:
            return parse_time(value)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"{name}={value!r}: {exc}", key=name,
                                  expected="a date such as '01-08-2011'") from exc
    if isinstance(value, (_dt.timedelta, np.timedelta64, pd.Timedelta)):
        return pd.Timedelta(value).total_seconds()
    return _finite(value, name, "laboratory time in seconds since the start of the experiment")


def forecast_offsets(span: float, step: float) -> np.ndarray:
    """Forecast times ``k * step`` (k = 1, 2, ...) strictly inside ``(0, span)``.

    This is VarPy's ``arange(t_min, t_max, t_step)`` without its first element (the window
    ``[t_min, t_min)`` is always empty): ``t_max`` itself is never a forecast time. A grid point
    within ``1e-9`` steps of ``span`` counts as ``span`` (so ``0.1``-day steps do not gain or lose
    a point through rounding).

    Examples
    --------
    >>> forecast_offsets(488.0, 2.0)[[0, -1]].tolist(), forecast_offsets(488.0, 2.0).size
    ([2.0, 486.0], 243)
    >>> forecast_offsets(1.0, 0.1).size
    9
    """
    if not (step > 0 and math.isfinite(step)):
        raise DataFormatError(f"t_step={step!r} must be positive", key="t_step",
                              expected="a positive duration")
    if not span > 0:
        raise DataFormatError(f"t_max must be after t_min (span {span!r})", key="t_max",
                              expected="t_max > t_min")
    q = span / step
    m = round(q)
    n = m - 1 if abs(q - m) <= 1e-9 * max(1.0, q) else math.floor(q)
    return step * np.arange(1, n + 1, dtype=np.float64)
