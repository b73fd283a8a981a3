"""Completeness in time: the Stepp (1971) table of when each magnitude class became complete.

:func:`stepp` takes a catalogue (:class:`pandas.DataFrame` with ``time`` and ``magnitude``
columns) or arrays, and returns a :class:`SteppResult`: the start of completeness of each
magnitude class, the Stepp curves (rate and its standard deviation against window length) for
plotting, and ``summary()``, ``to_dict()``, ``from_dict()``.

Times may be ``datetime64`` (converted to UTC decimal years, so ``time_bin``, ``start``,
``end`` and the table are in years) or floats in any unit (decimal years in the usual use,
seconds for a laboratory catalogue; ``time_bin`` is then in that unit).

How the crossover of the Stepp diagram is located (a Poisson likelihood-ratio test for a drop
in rate, applied towards the present), the increment lock and the bin conventions are
described in :mod:`varpy.statistics.stepp`.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from varpy.analysis.completeness import stepp
>>> rng = np.random.default_rng(3)
>>> years = rng.uniform(1950, 2020, 3000)
>>> m = 3.0 - np.log10(rng.uniform(size=years.size))          # Gutenberg-Richter, b = 1
>>> keep = m >= np.where(years < 1985, 4.0, 3.0)               # M >= 3 complete since 1985
>>> cat = pd.DataFrame({"time": years[keep], "magnitude": m[keep]}).sort_values("time")
>>> res = stepp(cat, magnitude_bin=0.5, time_bin=5.0, start=1950.0, end=2020.0)
>>> res.to_frame()[["magnitude", "start"]].head(3).to_dict("list")
{'magnitude': [3.0, 3.5, 4.0], 'start': [1985.0, 1985.0, 1950.0]}
"""
from __future__ import annotations

import datetime as _dt
import logging
import math
import warnings
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np
import pandas as pd

from varpy._json import json_float, jsonable
from varpy.exceptions import DataFormatError, DataWarning
from varpy.management.timeconv import from_decimal_years, to_decimal_years
from varpy.statistics import stepp as _stepp

__all__ = ["SteppResult", "stepp", "to_decimal_years", "from_decimal_years"]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------------------------

def _column(data, name: str):
    if name not in data.columns:
        raise DataFormatError(f"catalogue has no {name!r} column", column=name,
                              expected=f"a DataFrame with {name!r} and the other required "
                                       f"columns (present: {', '.join(map(str, data.columns))})")
    return data[name]


def _is_datetime(values) -> bool:
    if isinstance(values, (pd.Series, pd.Index)):
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            return True
        first = values.iloc[0] if isinstance(values, pd.Series) and len(values) else (
            values[0] if len(values) else None)
        return values.dtype == object and isinstance(
            first, (pd.Timestamp, _dt.datetime, np.datetime64))
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return True
    return arr.dtype == object and arr.size > 0 and isinstance(
        arr.flat[0], (pd.Timestamp, _dt.datetime, np.datetime64))


def _floats(values, column: str, what: str) -> np.ndarray:
    if isinstance(values, (pd.Series, pd.Index)):
        try:
            out = values.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"{what} are not numeric: {exc}", column=column,
                                  expected=f"float {what}") from exc
    else:
        try:
            out = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"{what} are not numeric: {exc}", column=column,
                                  expected=f"an array of float {what}") from exc
    if out.ndim != 1:
        raise DataFormatError(f"{what} have shape {out.shape}", column=column,
                              expected="a one-dimensional array")
    if np.isinf(out).any():
        row = int(np.flatnonzero(np.isinf(out))[0])
        raise DataFormatError(f"{what[:-1]} {out[row]} in row {row}", column=column,
                              expected=f"finite {what} or NaN for missing values")
    return out


def _events(data, times, time_column, magnitude_column):
    """``(times as floats, magnitudes, calendar)``; calendar times become decimal years."""
    if isinstance(data, pd.DataFrame):
        m = _column(data, magnitude_column)
        if times is None:
            times = _column(data, time_column)
    else:
        m = data
        if times is None:
            raise DataFormatError("event times are missing", key="times",
                                  expected="a DataFrame with a 'time' column, or times= with "
                                           "the array of magnitudes")
    magnitudes = _floats(m, magnitude_column, "magnitudes")
    calendar = _is_datetime(times)
    if calendar:
        try:
            t = to_decimal_years(times)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"times cannot be read: {exc}", column=time_column,
                                  expected="datetime64 values or float times") from exc
    else:
        t = _floats(times, time_column, "times")
    if t.size != magnitudes.size:
        raise DataFormatError(f"{t.size} times but {magnitudes.size} magnitudes",
                              column=time_column, expected="one time per magnitude")
    missing = ~(np.isfinite(t) & np.isfinite(magnitudes))
    if missing.any():
        logger.info("ignoring %d events without a time or magnitude of %d",
                    int(missing.sum()), t.size)
    return t, magnitudes, calendar


def _bound(value, calendar: bool, key: str):
    """A start/end given as a float (decimal year) or, for calendar times, time-like."""
    if value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        v = float(value)
        if not math.isfinite(v):
            raise DataFormatError(f"{key}={value!r}", key=key, expected="a finite time")
        return v
    if not calendar:
        raise DataFormatError(f"{key}={value!r} is not a number but the catalogue times are "
                              "floats", key=key, expected="a float in the unit of the times")
    from varpy.management.timeconv import parse_time

    try:
        ts = parse_time(value)
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"{key}={value!r} is not a time: {exc}", key=key,
                              expected="a time such as '2020-01-01' or a decimal year") from exc
    return float(to_decimal_years([ts])[0])


# ---------------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------------

_FLOAT_ARRAYS = ("magnitude_classes", "completeness_start", "raw_start", "p_values",
                 "window_lengths")
_INT_ARRAYS = ("n_events", "n_complete")


@dataclass
class SteppResult:
    """Stepp (1971) completeness table and the curves behind it.

    Attributes
    ----------
    magnitude_classes : numpy.ndarray
        Lower edge of each magnitude class, shape ``(C,)``; the class holds
        ``[edge, edge + magnitude_bin)``.
    completeness_start : numpy.ndarray
        Time from which each class is complete (decimal years for calendar times), after the
        increment lock when ``increment_lock``; NaN for classes with fewer than
        ``min_events`` events.
    raw_start : numpy.ndarray
        The same before the increment lock.
    n_events, n_complete : numpy.ndarray of int
        Events per class in ``[start, end]`` and in ``[completeness_start, end]``.
    p_values : numpy.ndarray
        Bonferroni-corrected p-value of the rate drop that ends each raw complete period (NaN
        when the class is complete over the whole catalogue).
    window_lengths : numpy.ndarray
        Window lengths :math:`T_k` (multiples of ``time_bin``; the last is ``end - start``),
        shape ``(K,)``.
    counts : numpy.ndarray of int
        Events per class in each window ``[end - T_k, end]``, shape ``(C, K)``.
    start, end : float
        Time span analysed.
    magnitude_bin, time_bin, alpha, increment_lock, min_events
        The parameters used.
    time_unit : str
        Unit of the times (``'year'`` for calendar times).
    calendar : bool
        True when the catalogue had datetimes (times here are UTC decimal years).
    """

    result_type: ClassVar[str] = "varpy.analysis.completeness:SteppResult"

    magnitude_classes: np.ndarray
    completeness_start: np.ndarray
    raw_start: np.ndarray
    n_events: np.ndarray
    n_complete: np.ndarray
    p_values: np.ndarray
    window_lengths: np.ndarray
    counts: np.ndarray
    start: float
    end: float
    magnitude_bin: float
    time_bin: float
    alpha: float = 0.01
    increment_lock: bool = True
    min_events: int = 1
    time_unit: str = "year"
    calendar: bool = False

    # -- derived values ---------------------------------------------------------------------

    @property
    def completeness_period(self) -> np.ndarray:
        """Length of the complete period of each class, ``end - completeness_start``."""
        return self.end - self.completeness_start

    @property
    def complete_rate(self) -> np.ndarray:
        """Events per time unit in each class over its complete period (NaN if undetermined)."""
        period = self.completeness_period
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(period > 0, self.n_complete / period, np.nan)

    @property
    def rates(self) -> np.ndarray:
        """:math:`N_k / T_k` per class and window, shape ``(C, K)``."""
        return _stepp.stepp_curves(self.counts, self.window_lengths)[0]

    @property
    def sigmas(self) -> np.ndarray:
        """Stepp's :math:`\\sigma_k = \\sqrt{N_k} / T_k` per class and window, shape ``(C, K)``."""
        return _stepp.stepp_curves(self.counts, self.window_lengths)[1]

    @property
    def expected_sigmas(self) -> np.ndarray:
        """The complete-class line :math:`\\sqrt{\\lambda_c / T_k}` per class, shape ``(C, K)``;
        the observed :attr:`sigmas` follow it up to the completeness period."""
        rate = self.complete_rate[:, None]
        return np.sqrt(rate / self.window_lengths[None, :])

    @property
    def completeness_table(self) -> np.ndarray:
        """``[[start, magnitude], ...]`` for the determined classes (hmtk's layout)."""
        ok = np.isfinite(self.completeness_start)
        return np.column_stack([self.completeness_start[ok], self.magnitude_classes[ok]])

    def start_times(self) -> pd.DatetimeIndex | None:
        """Completeness starts as UTC times (NaT when undetermined); None for float times."""
        if not self.calendar:
            return None
        return from_decimal_years(self.completeness_start)

    def to_frame(self) -> pd.DataFrame:
        """One row per class: ``magnitude``, ``start`` (and ``start_time`` for calendar
        times), ``raw_start``, ``period``, ``n_events``, ``n_complete``, ``rate``,
        ``p_value``."""
        cols = {"magnitude": self.magnitude_classes, "start": self.completeness_start}
        if self.calendar:
            cols["start_time"] = self.start_times()
        cols.update({"raw_start": self.raw_start, "period": self.completeness_period,
                     "n_events": self.n_events, "n_complete": self.n_complete,
                     "rate": self.complete_rate, "p_value": self.p_values})
        return pd.DataFrame(cols)

    def _format_time(self, value: float) -> str:
        if not math.isfinite(value):
            return "undetermined"
        if self.calendar:
            return f"{value:.2f} ({from_decimal_years([value])[0]:%Y-%m-%d})"
        return f"{value:g}"

    def summary(self) -> str:
        unit = self.time_unit
        lines = [f"Stepp (1971) completeness: {int(self.n_events.sum())} events from "
                 f"{self._format_time(self.start)} to {self._format_time(self.end)}; "
                 f"magnitude bin {self.magnitude_bin:g}, time bin {self.time_bin:g} {unit}, "
                 f"alpha {self.alpha:g}, increment lock {'on' if self.increment_lock else 'off'}"]
        rate = self.complete_rate
        for i, edge in enumerate(self.magnitude_classes):
            s = self.completeness_start[i]
            text = f"  M {edge:g}-{edge + self.magnitude_bin:g}: "
            if not math.isfinite(s):
                text += f"undetermined ({int(self.n_events[i])} events)"
            else:
                text += (f"complete since {self._format_time(s)}, "
                         f"{self.completeness_period[i]:.4g} {unit}, "
                         f"{int(self.n_complete[i])} of {int(self.n_events[i])} events, "
                         f"rate {rate[i]:.3g}/{unit}")
                if self.raw_start[i] != s:
                    text += f" (locked; own estimate {self._format_time(self.raw_start[i])})"
            lines.append(text)
        return "\n".join(lines)

    # -- persistence --------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """JSON-able dict (NaN becomes None)."""
        return {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict) -> SteppResult:
        """Rebuild from :meth:`to_dict` output."""
        kwargs = {}
        for f in fields(cls):
            if f.name not in d:
                continue
            value = d[f.name]
            if f.name in _FLOAT_ARRAYS:
                value = np.array([json_float(v) for v in value], dtype=np.float64)
            elif f.name in _INT_ARRAYS:
                value = np.asarray(value, dtype=np.int64)
            elif f.name == "counts":
                n_bins = len(d["window_lengths"])
                value = np.asarray(value, dtype=np.int64).reshape(-1, n_bins)
            elif f.name in ("start", "end", "magnitude_bin", "time_bin", "alpha"):
                value = json_float(value)
            kwargs[f.name] = value
        return cls(**kwargs)


# ---------------------------------------------------------------------------------------------
# the function users call
# ---------------------------------------------------------------------------------------------

def stepp(data, times=None, *, magnitude_bin: float = 0.5, time_bin: float = 5.0,
          increment_lock: bool = True, alpha: float = 0.01, start=None, end=None,
          magnitude_min: float | None = None, min_events: int = 1,
          time_unit: str | None = None, time_column: str = "time",
          magnitude_column: str = "magnitude") -> SteppResult:
    """Stepp (1971) completeness in time of each magnitude class.

    For each class of width ``magnitude_bin``, events are counted in windows of length
    ``time_bin``, ``2 time_bin``, ... ending at ``end``; the class is complete over the longest
    window in which its rate shows no significant drop into the past (level ``alpha``; see
    :mod:`varpy.statistics.stepp`), i.e. where Stepp's :math:`\\sigma = \\sqrt{\\lambda/T}`
    still follows the :math:`T^{-1/2}` line.

    Parameters
    ----------
    data : pandas.DataFrame or array-like
        Catalogue with ``time`` and ``magnitude`` columns, or an array of magnitudes (then
        give ``times``). Events with a missing time or magnitude are ignored.
    times : array-like, optional
        Event times: ``datetime64`` (UTC; naive times are taken as UTC) or floats.
    magnitude_bin : float
        Width of the magnitude classes.
    time_bin : float
        Step between window lengths: years for datetimes, the unit of the times for floats.
    increment_lock : bool
        Make the completeness start non-increasing with magnitude (a class is complete at
        least as far back as every smaller class) by moving a class's start forward to the
        latest start of the larger classes; a :class:`~varpy.exceptions.DataWarning` flags
        moves imposed by a class with fewer events, a sign of a rate change.
    alpha : float
        Level of the rate-drop test (Bonferroni-corrected over the candidate crossovers).
        Smaller values give longer complete periods and fewer false truncations.
    start, end : float or time-like, optional
        Span analysed (default: first and last event); for datetimes a decimal year or a
        time such as ``"2020-01-01"``. Events outside are ignored. The windows end at ``end``.
    magnitude_min : float, optional
        Lower edge of the lowest class (default: smallest magnitude rounded down to a multiple
        of ``magnitude_bin``); smaller events are ignored.
    min_events : int
        Classes with fewer events are reported undetermined (NaN start).
    time_unit : str, optional
        Label of the time unit in summaries (default ``'year'``; e.g. ``'s'`` for a lab
        catalogue in seconds).
    time_column, magnitude_column : str
        Column names in ``data``.

    Returns
    -------
    SteppResult

    Raises
    ------
    DataFormatError
        Missing columns, non-numeric values, invalid parameters.
    FitError
        No events, or a span not longer than one ``time_bin``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = rng.uniform(0, 100, 2000)
    >>> m = 2.0 - np.log10(rng.uniform(size=t.size))
    >>> res = stepp(m, times=t, magnitude_bin=0.5, time_bin=5.0, start=0.0, end=100.0)
    >>> float(res.completeness_start[0]), int(res.counts.shape[1])
    (0.0, 20)
    """
    t, m, calendar = _events(data, times, time_column, magnitude_column)
    lo = _bound(start, calendar, "start")
    hi = _bound(end, calendar, "end")
    fit = _stepp.stepp(t, m, magnitude_bin, time_bin, increment_lock=increment_lock,
                       alpha=alpha, start=lo, end=hi, magnitude_min=magnitude_min,
                       min_events=min_events)
    unit = time_unit if time_unit is not None else "year"
    result = SteppResult(
        magnitude_classes=fit.magnitude_classes, completeness_start=fit.completeness_start,
        raw_start=fit.raw_start, n_events=fit.n_events, n_complete=fit.n_complete,
        p_values=fit.p_values, window_lengths=fit.window_lengths, counts=fit.counts,
        start=float(fit.start), end=float(fit.end), magnitude_bin=float(magnitude_bin),
        time_bin=float(time_bin), alpha=float(alpha), increment_lock=bool(increment_lock),
        min_events=int(min_events), time_unit=str(unit), calendar=calendar)
    conflicts = _lock_conflicts(result)
    if conflicts:
        pairs = "; ".join(f"M {a:g} moved to the start of M {b:g}" for a, b in conflicts)
        warnings.warn(
            f"increment lock: {pairs}. Those smaller classes have more events yet show no "
            "rate drop that recent, which a detection threshold cannot cause: the larger "
            "class probably has a rate change (clustering, a swarm or an eruption). "
            "Decluster, or compare raw_start (increment_lock=False).", DataWarning,
            stacklevel=2)
    return result


def _lock_conflicts(result: SteppResult) -> list[tuple[float, float]]:
    """Classes the lock moved later because of a larger class that has fewer events."""
    raw, locked, n = result.raw_start, result.completeness_start, result.n_events
    out = []
    for i in np.flatnonzero(np.isfinite(raw) & (locked > raw)):
        # The class that imposed the start: the first larger class with that own estimate.
        j = i + 1 + int(np.flatnonzero(raw[i + 1:] == locked[i])[0])
        if n[i] > n[j]:
            out.append((float(result.magnitude_classes[i]), float(result.magnitude_classes[j])))
    return out
