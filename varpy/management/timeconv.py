"""Time scales used by varpy and conversions between them.

varpy stores volcanic times as timezone-aware UTC ``datetime64[ns, UTC]`` and laboratory times as
elapsed seconds (``float64``). Models work on floats: *days* since a reference for volcanic data
and *seconds* for laboratory data.

VarPy 2016 used a third scale, the **ordinal day**: the proleptic Gregorian ordinal
(0001-01-01 is day 1, as :meth:`datetime.date.toordinal`) plus the fraction of the day. Its
published numbers are on that scale, so :func:`to_ordinal_days` and :func:`from_ordinal_days`
reproduce it exactly (without matplotlib's ``date2num``, whose epoch changed in 3.3).

Examples
--------
>>> from varpy.management.timeconv import parse_time, to_ordinal_days
>>> t = parse_time("01-08-2011")
>>> t
Timestamp('2011-08-01 00:00:00+0000', tz='UTC')
>>> float(to_ordinal_days(t))
734350.0
"""
from __future__ import annotations

import datetime as _dt
import math
import re

import numpy as np
import pandas as pd

__all__ = [
    "ORDINAL_OF_UNIX_EPOCH",
    "parse_time",
    "parse_times",
    "to_ordinal_days",
    "from_ordinal_days",
    "to_days",
    "from_days",
    "to_float_time",
    "from_float_time",
    "format_day",
    "to_decimal_years",
    "from_decimal_years",
]

#: ``datetime.date(1970, 1, 1).toordinal()``
ORDINAL_OF_UNIX_EPOCH = 719163
_NS_PER_DAY = 86_400 * 10**9

_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T](.*))?$")
_ISO = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")


def parse_time(value, *, dayfirst: bool = True) -> pd.Timestamp:
    """Parse one time given by a user into a UTC :class:`pandas.Timestamp`.

    Accepted: ``datetime``/``date``/``Timestamp``/``numpy.datetime64`` (naive values are taken
    as UTC), ISO strings (``'2011-08-01'``, ``'2011-08-01T12:00:00Z'``) and the day-first strings
    VarPy used (``'01-08-2011'``, ``'01/08/2011 12:30:00'``). Numbers are refused: whether ``734350``
    is an ordinal day, a Unix time or lab seconds cannot be guessed; use
    :func:`from_ordinal_days` or :func:`from_days` explicitly.

    Parameters
    ----------
    value : str, datetime-like
        The time.
    dayfirst : bool
        Read ``dd-mm-yyyy`` (True, the VarPy and European convention) or ``mm-dd-yyyy``.

    Raises
    ------
    ValueError
        If the value cannot be read as a time; the message lists the accepted forms.
    """
    if isinstance(value, pd.Timestamp):
        ts = value
    elif isinstance(value, (_dt.datetime, _dt.date, np.datetime64)):
        ts = pd.Timestamp(value)
    elif isinstance(value, str):
        ts = _parse_string(value, dayfirst)
    else:
        raise TypeError(
            f"cannot interpret {value!r} ({type(value).__name__}) as a calendar time; give a "
            "string ('dd-mm-yyyy' or ISO 'yyyy-mm-dd'), a datetime or a pandas Timestamp, or "
            "convert numbers with from_ordinal_days/from_days")
    if ts is pd.NaT:
        raise ValueError(f"{value!r} is not a valid time")
    if ts.tzinfo is None:
        return ts.tz_localize("UTC")
    return ts.tz_convert("UTC")


def _parse_string(text: str, dayfirst: bool) -> pd.Timestamp:
    m = _DAY_FIRST.match(text)
    try:
        if m:
            a, b, year, rest = m.groups()
            day, month = (int(a), int(b)) if dayfirst else (int(b), int(a))
            base = pd.Timestamp(year=int(year), month=month, day=day)
            if rest and rest.strip():
                clock = pd.Timedelta(rest.strip())
                base = base + clock
            return base
        if _ISO.match(text):
            return pd.Timestamp(text)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"cannot parse time {text!r}: {exc}; expected 'dd-mm-yyyy[ hh:mm:ss]' "
                         "or ISO 'yyyy-mm-dd[Thh:mm:ss]'") from exc
    raise ValueError(f"cannot parse time {text!r}; expected 'dd-mm-yyyy[ hh:mm:ss]', "
                     "'dd/mm/yyyy' or ISO 'yyyy-mm-dd[Thh:mm:ss]'")


def parse_times(values, *, dayfirst: bool = True) -> pd.DatetimeIndex:
    """Vectorised :func:`parse_time` for a sequence; returns a UTC ``DatetimeIndex``."""
    return pd.DatetimeIndex([parse_time(v, dayfirst=dayfirst) for v in values])


def _as_utc_ns(times) -> np.ndarray:
    """int64 nanoseconds since the Unix epoch, NaT as the int64 minimum."""
    if isinstance(times, pd.Timestamp):
        times = pd.DatetimeIndex([times])
    idx = pd.DatetimeIndex(times)
    if idx.tz is None:
        idx = idx.tz_localize("UTC")
    return idx.tz_convert("UTC").as_unit("ns").asi8


def _float_from_ns(ns: np.ndarray, scalar: bool):
    out = ns.astype(np.float64)
    out[ns == np.iinfo(np.int64).min] = np.nan
    return out


def to_ordinal_days(times) -> np.ndarray | float:
    """VarPy 2016 ordinal-day scale: proleptic Gregorian ordinal plus the fraction of the day.

    Returns a float for a scalar input and a float64 array otherwise; NaT becomes NaN.
    """
    scalar = isinstance(times, (pd.Timestamp, _dt.datetime, np.datetime64))
    ns = _as_utc_ns(times)
    days = ns // _NS_PER_DAY
    frac = (ns - days * _NS_PER_DAY) / _NS_PER_DAY
    out = (days + ORDINAL_OF_UNIX_EPOCH).astype(np.float64) + frac
    out[ns == np.iinfo(np.int64).min] = np.nan
    return float(out[0]) if scalar else out


def from_ordinal_days(values) -> pd.DatetimeIndex | pd.Timestamp:
    """Inverse of :func:`to_ordinal_days` (to the nanosecond where float precision allows)."""
    scalar = np.ndim(values) == 0
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    missing = np.isnan(arr)
    filled = np.where(missing, ORDINAL_OF_UNIX_EPOCH, arr)
    whole = np.floor(filled)
    ns = (whole - ORDINAL_OF_UNIX_EPOCH) * _NS_PER_DAY + np.round((filled - whole) * _NS_PER_DAY)
    idx = pd.to_datetime(ns.astype("int64"), unit="ns", utc=True)
    idx = idx.where(~missing)
    return idx[0] if scalar else idx


def to_days(times, reference) -> np.ndarray | float:
    """Days (float) elapsed from ``reference`` (any time :func:`parse_time` accepts) to ``times``."""
    scalar = isinstance(times, (pd.Timestamp, _dt.datetime, np.datetime64, str))
    if isinstance(times, str):
        times = parse_time(times)
    ref_ns = _as_utc_ns(parse_time(reference))[0]
    ns = _as_utc_ns(times)
    out = (ns - ref_ns) / _NS_PER_DAY
    out = np.asarray(out, dtype=np.float64)
    out[ns == np.iinfo(np.int64).min] = np.nan
    return float(out[0]) if scalar else out


def from_days(values, reference) -> pd.DatetimeIndex | pd.Timestamp:
    """Inverse of :func:`to_days`."""
    scalar = np.ndim(values) == 0
    ref = parse_time(reference)
    if scalar:
        # one value (fit results, report rows): Timestamp arithmetic, no index built (~50x)
        x = float(values)
        if math.isnan(x):
            return pd.NaT
        ns_val = float(np.round(x * _NS_PER_DAY))
        if not (pd.Timestamp.min.value <= ns_val + ref.value <= pd.Timestamp.max.value):
            raise ValueError(f"{values!r} days from {ref} fall outside the representable "
                             "calendar (1677-09-22 .. 2262-04-11); keep such values as floats")
        return ref + pd.Timedelta(int(ns_val), unit="ns")
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    ns = np.round(arr * _NS_PER_DAY)
    ref_ns = ref.value
    lo, hi = pd.Timestamp.min.value, pd.Timestamp.max.value
    finite = ns[~np.isnan(ns)]
    if finite.size and ((finite + ref_ns < lo).any() or (finite + ref_ns > hi).any()):
        raise ValueError(f"{values!r} days from {ref} fall outside the representable calendar "
                         "(1677-09-22 .. 2262-04-11); keep such values as floats")
    idx = ref + pd.to_timedelta(np.where(np.isnan(ns), 0, ns).astype("int64"), unit="ns")
    idx = pd.DatetimeIndex(idx).where(~np.isnan(arr))
    return idx[0] if scalar else idx


def to_float_time(times, origin=None) -> np.ndarray:
    """Times as floats for models: days since ``origin`` for datetimes, seconds for lab floats.

    Parameters
    ----------
    times : array-like of datetimes, or of floats (lab seconds)
    origin : time or float, optional
        The zero of the returned scale. Defaults to the Unix epoch for datetimes and 0 for floats.
    """
    values = times
    if isinstance(times, (pd.Series, pd.Index)):
        # a tz-aware column stays datetime64 inside an index; its to_numpy() would build one
        # Timestamp object per row
        values = (pd.DatetimeIndex(times) if isinstance(times.dtype, pd.DatetimeTZDtype)
                  else times.to_numpy())
    if _is_datetime_like(values):
        ref = "1970-01-01" if origin is None else origin
        return np.asarray(to_days(values, ref), dtype=np.float64)
    arr = np.asarray(values, dtype=np.float64)
    return arr - (0.0 if origin is None else float(origin))


def from_float_time(values, origin=None, *, calendar: bool):
    """Inverse of :func:`to_float_time`: datetimes if ``calendar`` else floats (seconds)."""
    if calendar:
        return from_days(values, "1970-01-01" if origin is None else origin)
    return np.asarray(values, dtype=np.float64) + (0.0 if origin is None else float(origin))


def _is_datetime_like(values) -> bool:
    if isinstance(values, pd.DatetimeIndex):
        return True
    if isinstance(values, (pd.Timestamp, _dt.datetime, np.datetime64)):
        return True
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        return True
    if arr.dtype == object and arr.size:
        return isinstance(arr.flat[0], (pd.Timestamp, _dt.datetime, np.datetime64))
    return False


def to_decimal_years(times) -> np.ndarray:
    """UTC times as decimal years: the year plus the elapsed fraction of that year.

    Leap years count 366 days, so 1 July is 2020.497... in 2020 and 2021.495... in 2021;
    naive times are taken as UTC; NaT becomes NaN.

    Examples
    --------
    >>> to_decimal_years(["2020-01-01", "2021-07-02T12:00"]).round(4).tolist()
    [2020.0, 2021.5]
    """
    ns = _as_utc_ns(times)
    ok = ns != np.iinfo(np.int64).min
    out = np.full(ns.shape, np.nan)
    ns = ns[ok]
    year = ns.astype("datetime64[ns]").astype("datetime64[Y]")
    y0 = year.astype("datetime64[ns]").astype(np.int64)
    y1 = (year + 1).astype("datetime64[ns]").astype(np.int64)
    out[ok] = year.astype(np.int64) + 1970 + (ns - y0) / (y1 - y0)
    return out


def from_decimal_years(values) -> pd.DatetimeIndex:
    """Decimal years back to UTC times, the inverse of :func:`to_decimal_years`.

    A float64 decimal year resolves about 7 microseconds near 2000, so the round trip is
    good to about 10 microseconds; results are rounded to the microsecond.

    Examples
    --------
    >>> from_decimal_years([2020.0, 2021.5]).strftime("%Y-%m-%d %H:%M").tolist()
    ['2020-01-01 00:00', '2021-07-02 12:00']
    """
    x = np.atleast_1d(np.asarray(values, dtype=np.float64))
    ok = np.isfinite(x)
    out = np.full(x.shape, np.iinfo(np.int64).min, dtype=np.int64)
    if ok.any():
        year = np.floor(x[ok]).astype(np.int64)
        y0 = (year - 1970).astype("datetime64[Y]").astype("datetime64[ns]").astype(np.int64)
        y1 = (year - 1969).astype("datetime64[Y]").astype("datetime64[ns]").astype(np.int64)
        frac = x[ok] - year
        # Round to the microsecond: a decimal year carries less precision than that.
        ns = y0 + np.round(frac * (y1 - y0) / 1e3) * 1e3
        out[ok] = ns.astype(np.int64)
    return pd.DatetimeIndex(out.astype("datetime64[ns]")).tz_localize("UTC")


def format_day(ts) -> str:
    """A time as VarPy printed it: ``'dd-mm-YYYY'``."""
    return parse_time(ts).strftime("%d-%m-%Y")
