"""Dates and times of text fields as int64 UTC nanoseconds (private).

A numpy fast path for zero-padded ``strptime`` formats (``%d %m %Y %H %M %S`` and ASCII
literals), pandas for the others, and :func:`strptime_checked`, the per-value counterpart used
when diagnosing a bad line.

Imports only numpy, pandas and pyarrow (no other importer module).
"""
from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

NAT = _NAT = np.iinfo(np.int64).min  # the NaT sentinel of int64 nanoseconds
_NS_PER_S = 1_000_000_000
# datetime64[ns] covers 1677-09-21 .. 2262-04-11; whole years inside it:
YEAR_MIN, YEAR_MAX = 1678, 2261


_DIRECTIVES = {"d": ("day", 2), "m": ("month", 2), "Y": ("year", 4), "H": ("hour", 2),
               "M": ("minute", 2), "S": ("second", 2)}


@dataclass(frozen=True)
class _Layout:
    width: int
    fields: tuple  # (name, start, width)
    literals: tuple  # (position, code point)


@functools.lru_cache(maxsize=64)
def _layout(fmt: str) -> _Layout | None:
    """Positions of a zero-padded strptime format, or None if the format is not fixed-width."""
    fields, literals, seen = [], [], set()
    pos = i = 0
    while i < len(fmt):
        char = fmt[i]
        if char == "%":
            code = fmt[i + 1] if i + 1 < len(fmt) else ""
            if code not in _DIRECTIVES or code in seen:
                return None
            seen.add(code)
            name, width = _DIRECTIVES[code]
            fields.append((name, pos, width))
            pos += width
            i += 2
        else:
            if ord(char) > 127:
                return None
            literals.append((pos, ord(char)))
            pos += 1
            i += 1
    return _Layout(pos, tuple(fields), tuple(literals))


def days_from_civil(year, month, day) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (vectorised integer arithmetic).

    The algorithm is H. Hinnant's ``days_from_civil`` (public domain,
    http://howardhinnant.github.io/date_algorithms.html); inputs must be valid dates.
    """
    year = np.asarray(year, dtype=np.int64) - (np.asarray(month) <= 2)
    month = np.asarray(month, dtype=np.int64)
    era = np.floor_divide(year, 400)
    yoe = year - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + np.asarray(day) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_ns(year, month, day, hour=0, minute=0, second_ns=0):
    """UTC nanoseconds since the epoch of calendar fields, and a mask of valid rows.

    Invalid rows (month 13, 30 February, hour 24, a year outside the datetime64[ns] range, ...)
    are flagged in the mask and hold the NaT sentinel. Seconds 60 and 61 (the leap-second range
    of ``strptime``'s ``%S``; also 59.996 rounded up) roll over into the next minute, as in
    :func:`pandas.to_datetime`.
    """
    year, month, day = _integers(year), _integers(month), _integers(day)
    year_offset, month_offset, day_offset = year - YEAR_MIN, month - 1, day - 1
    ok = (_offset_below(year_offset, YEAR_MAX - YEAR_MIN + 1)
          & _offset_below(month_offset, 12))
    # month tables (day number of the 1st, length) instead of calendar arithmetic per row;
    # rows already invalid may index anywhere (clipped): their result is replaced by NaT
    index = year_offset * 12 + month_offset
    ok &= _offset_below(day_offset, np.take(_MONTH_LENGTH, index, mode="clip"))
    days = np.take(_MONTH_START, index, mode="clip") + day_offset
    ns = days * np.int64(86_400 * _NS_PER_S)  # int64 whatever the width of the fields
    if not (np.isscalar(hour) and np.isscalar(minute) and np.isscalar(second_ns)
            and hour == minute == second_ns == 0):
        hour, minute = _integers(hour), _integers(minute)
        second_ns = np.asarray(second_ns, dtype=np.int64)
        ok &= (_within(hour, 0, 24) & _within(minute, 0, 60)
               & _within(second_ns, 0, 62 * _NS_PER_S))
        ns = ns + ((hour.astype(np.int64) * 3600 + minute * 60) * _NS_PER_S + second_ns)
    else:
        ns = np.atleast_1d(ns)
    ok = np.asarray(ok)
    return _nat_where_invalid(ns, ok), ok


def _integers(values) -> np.ndarray:
    """int32 and int64 arrays as they are (int32 halves the memory traffic), others as int64."""
    arr = np.asarray(values)
    if arr.dtype == np.int32 or arr.dtype == np.int64:
        return arr
    return np.asarray(values, dtype=np.int64)


def _offset_below(offset: np.ndarray, limit) -> np.ndarray:
    """``0 <= offset < limit`` (``limit`` > 0: an int or an int32 array) by one unsigned
    comparison: a negative offset wraps around to a huge unsigned number."""
    unsigned = np.uint32 if offset.dtype == np.int32 else np.uint64
    limit = unsigned(limit) if isinstance(limit, int) else np.asarray(limit).astype(unsigned)
    return offset.view(unsigned) < limit


def _within(values: np.ndarray, low: int, high: int) -> np.ndarray:
    """``low <= values < high`` by one unsigned comparison (see :func:`_offset_below`)."""
    if high <= low:
        return np.zeros(np.shape(values), dtype=bool)
    if values.dtype == np.int32 and high - low > np.iinfo(np.uint32).max:
        values = values.astype(np.int64)
    return _offset_below(values - values.dtype.type(low), high - low)


def _month_tables():
    years = np.repeat(np.arange(YEAR_MIN, YEAR_MAX + 1, dtype=np.int64), 12)
    months = np.tile(np.arange(1, 13, dtype=np.int64), YEAR_MAX - YEAR_MIN + 1)
    start = days_from_civil(years, months, np.ones_like(years))
    following = days_from_civil(years + (months == 12), months % 12 + 1, np.ones_like(years))
    # int32 (|days| < 110,000): int32 fields stay int32 until the final nanoseconds
    return start.astype(np.int32), (following - start).astype(np.int32)


_MONTH_START, _MONTH_LENGTH = _month_tables()


def _code_matrix(values, width: int) -> np.ndarray | None:
    """Bytes of equal-length strings as an (n, width) uint8 view, or None if they differ."""
    if isinstance(values, pd.Series):
        values = values.array
    if isinstance(values, pd.arrays.ArrowStringArray):
        values = pa.array(values)
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        return None
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.null_count or not (pa.types.is_string(values.type)
                                 or pa.types.is_large_string(values.type)):
        return None
    n = len(values)
    if n == 0:
        return np.empty((0, width), dtype=np.uint8)
    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    buffers = values.buffers()
    offsets = np.frombuffer(buffers[1], dtype=offset_type)[values.offset:values.offset + n + 1]
    if offsets[-1] - offsets[0] != n * width or not (np.diff(offsets) == width).all():
        return None
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    return data.reshape(n, width)


def _pair_table() -> np.ndarray:
    """Value of every two-byte pair read as little-endian uint16: ``'00'``..``'99'`` -> 0..99,
    anything else -> -1."""
    table = np.full(1 << 16, -1, dtype=np.int16)
    digits = np.arange(48, 58)
    # first character in the low byte (little-endian), second in the high byte
    table[digits[:, None] + (digits[None, :] << 8)] = np.arange(100).reshape(10, 10)
    return table


_PAIR_VALUE = _pair_table()


def _pairs_value(codes: np.ndarray, start: int, width: int, ok: np.ndarray) -> np.ndarray:
    """Decimal value of ``codes[:, start:start+width]`` (width 2 or 4); rows with a non-digit
    clear ``ok``."""
    # Two characters at a time: each (unaligned) uint16 of a row is one lookup in a 64K table
    # that is both the digit check and the value, 1-2 passes per field instead of ~5 per digit.
    n, row = codes.shape
    value = None
    for pos in range(start, start + width, 2):
        pair = np.ndarray((n,), dtype="<u2", buffer=codes, offset=pos, strides=(row,))
        part = np.take(_PAIR_VALUE, pair)
        ok &= part >= 0
        value = part.astype(np.int32) if value is None else value * 100 + part
    return value


def _parse_matrix(codes: np.ndarray, layout: _Layout):
    n = codes.shape[0]
    ok = np.ones(n, dtype=bool)
    if n == 0:
        return np.zeros(0, dtype=np.int64), ok
    codes = np.ascontiguousarray(codes)
    for pos, code in layout.literals:
        ok &= codes[:, pos] == code
    parts = {name: _pairs_value(codes, start, width, ok)
             for name, start, width in layout.fields}
    if not {"year", "month", "day"} & set(parts):
        hour, minute, second = (parts.get(k, 0) for k in ("hour", "minute", "second"))
        ok &= (hour < 24) & (minute < 60) & (second <= 61)
        ns = ((np.asarray(hour, dtype=np.int64) * 60 + minute) * 60 + second) * _NS_PER_S
        return _nat_where_invalid(ns, ok), ok
    ns, valid = civil_ns(parts.get("year", 1970), parts.get("month", 1), parts.get("day", 1),
                         parts.get("hour", 0), parts.get("minute", 0),
                         np.asarray(parts.get("second", 0), dtype=np.int64) * _NS_PER_S)
    ok &= valid
    return _nat_where_invalid(ns, ok), ok


def _nat_where_invalid(ns, ok: np.ndarray) -> np.ndarray:
    """``np.where(ok, ns, NaT)``, without the pass when every row is valid (the usual case)."""
    if np.ndim(ns) == np.ndim(ok) and np.shape(ns) == np.shape(ok) and ok.all():
        return ns
    return np.where(ok, ns, _NAT)


def datetime_ns(values, fmt: str):
    """Parse date/time strings with a strptime format; UTC nanoseconds and a validity mask.

    Zero-padded formats built from ``%d %m %Y %H %M %S`` and ASCII literals are parsed by a
    numpy fast path (tens of milliseconds per million rows); anything else goes through
    :func:`pandas.to_datetime` with the explicit format. Missing or invalid values give
    ``ok == False`` (the caller decides whether that is an error). A format without a date
    counts from 1970-01-01, i.e. gives the time since midnight.
    """
    layout = _layout(fmt)
    if layout is not None:
        codes = _code_matrix(values, layout.width)
        if codes is not None:
            return _parse_matrix(codes, layout)
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pd.Series(values, dtype="str")
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype="str")
    parsed = pd.to_datetime(series, format=fmt, errors="coerce")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    ok = parsed.notna().to_numpy().copy()
    dated = any(code in fmt for code in ("%d", "%m", "%Y", "%y", "%j", "%b", "%B"))
    if dated:
        years = parsed.dt.year
        ok &= ((years >= YEAR_MIN) & (years <= YEAR_MAX)).to_numpy()
    ns = parsed.where(ok).astype("datetime64[ns]").to_numpy().view(np.int64).copy()
    if not dated:
        ns -= pd.Timestamp("1900-01-01").value  # pandas puts a date-less time on 1900-01-01
    ns[~ok] = _NAT
    return ns, ok


def utc_series(ns: np.ndarray, name: str | None = None) -> pd.Series:
    """int64 nanoseconds (NaT sentinel allowed) as a ``datetime64[ns, UTC]`` Series."""
    arr = np.ascontiguousarray(ns, dtype=np.int64).view("datetime64[ns]")
    return pd.Series(arr, name=name).dt.tz_localize("UTC")


def strptime_checked(text: str, fmt: str) -> _dt.datetime:
    """Python counterpart of :func:`datetime_ns` for diagnosis (same accepted values)."""
    try:
        value = _dt.datetime.strptime(text, fmt)
    except ValueError:
        # pandas (and so the fast path) also accepts seconds 60 and 61; ask it before refusing
        parsed = pd.to_datetime(pd.Series([text], dtype="str"), format=fmt, errors="coerce")
        if parsed.isna().iloc[0]:
            raise
        value = parsed.iloc[0].to_pydatetime()
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ValueError(f"year {value.year} is outside {YEAR_MIN}-{YEAR_MAX}, the range of "
                         "datetime64[ns]")
    return value
