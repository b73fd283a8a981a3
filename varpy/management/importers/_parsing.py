"""Text-parsing machinery shared by varpy's importers (private).

Every reader works in two stages:

* a **fast path** that parses the whole file with vectorised code (pandas' C tokenizer for
  delimited files, pyarrow string kernels for fixed-width files, and a numpy parser for
  zero-padded dates such as ``dd-mm-yyyy``); it only *detects* that something is wrong;
* a **diagnosis** that, once a problem is detected, re-reads the file line by line in plain
  Python to find the first offending line and field and raises a
  :class:`~varpy.exceptions.DataFormatError` that names them.

Valid files therefore cost little more than one ``pandas.read_csv``, and invalid files still get
exact messages. Nothing is ever returned partially.
"""
from __future__ import annotations

import csv
import datetime as _dt
import functools
import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from varpy.exceptions import DataFormatError, DataWarning

log = logging.getLogger(__name__)

#: Text that means "no value" in a numeric field (besides an empty field).
MISSING_TEXT = ("", "NaN", "nan", "NA")

NAT = _NAT = np.iinfo(np.int64).min  # the NaT sentinel of int64 nanoseconds
_NS_PER_S = 1_000_000_000
# datetime64[ns] covers 1677-09-21 .. 2262-04-11; whole years inside it:
YEAR_MIN, YEAR_MAX = 1678, 2261
_SEP_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", " ": "space"}


# --------------------------------------------------------------------------------------------
# field descriptions
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One column of a delimited text format.

    Parameters
    ----------
    name : str
        Name of the column in the parsed table (the canonical name where there is one).
    kind : {'float', 'int', 'str', 'datetime'}
        How the text is read. ``'datetime'`` fields are kept as text by the table reader and
        parsed by the format reader (with :func:`datetime_ns`) using ``fmt``.
    fmt : str, optional
        ``strptime`` format of a ``'datetime'`` field.
    required : bool
        An empty value is an error (times); otherwise it is a missing value.
    exact_text : bool
        For ``'str'`` fields that look numeric: re-read them as text so that ``'007'`` stays
        ``'007'`` (True), or accept pandas' integer reading, canonical decimal text (False;
        only for identifiers known to be plain integers, where it saves a second read).
    label : str, optional
        How the file or its documentation names the column, used in messages.
    """

    name: str
    kind: str = "float"
    fmt: str | None = None
    required: bool = False
    exact_text: bool = True
    label: str | None = None

    @property
    def title(self) -> str:
        return self.label or self.name


def check_file(path) -> Path:
    """The path as a :class:`~pathlib.Path`; refuse missing, non-regular and empty files."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data file {str(path)!r} does not exist")
    if not path.is_file():
        raise DataFormatError("not a regular file", path=path, expected="a text data file")
    with open(path, "rb") as fh:
        while True:
            block = fh.read(1 << 16)
            if not block:
                raise DataFormatError("the file is empty", path=path,
                                      expected="at least one data line")
            if block.strip():
                return path


def read_header_lines(path, count: int, encoding: str) -> list[str]:
    """The first ``count`` lines of a file, decoded, without line ends."""
    lines = []
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno > count:
                break
            try:
                lines.append(raw.decode(encoding).rstrip("\r\n"))
            except UnicodeDecodeError as exc:
                raise decode_error(path, raw, lineno, exc, encoding) from exc
    return lines


def decode_error(path, raw_line: bytes, lineno: int, exc: UnicodeDecodeError,
                 encoding: str) -> DataFormatError:
    """A located error for a line that cannot be decoded."""
    byte = raw_line[exc.start:exc.start + 1]
    return DataFormatError(
        f"byte {byte!r} at character {exc.start + 1} cannot be decoded as {encoding}",
        path=path, line=lineno,
        expected=f"{encoding} text; pass encoding='latin-1' (IGN and many observatory files) or "
                 "the file's real encoding")


# --------------------------------------------------------------------------------------------
# dates and times
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# delimited files
# --------------------------------------------------------------------------------------------
# what pandas' C parser and pandas.to_numeric accept as a number
_NUMBER = re.compile(r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)", re.IGNORECASE)


def _numeric_or_none(col: pd.Series) -> pd.Series | None:
    """A text column of numbers (some written 'NaN'/'NA') as float64, or None if not numbers."""
    missing = col.isna() | col.isin(MISSING_TEXT)
    values = pd.to_numeric(col.where(~missing), errors="coerce")
    if (values.isna() & ~missing).any():
        return None
    return values.astype(np.float64)


class DelimitedFile:
    """A delimited text file read by the fast path, with diagnosis of the first bad line.

    Parameters
    ----------
    path : path-like
    fields : sequence of Field
        Every field of a line, in order (a line must have exactly this many fields).
    sep : str
        Field separator (one character).
    header_lines : int
        Lines skipped at the top.
    encoding : str
    trailing_empty_ok : bool
        Accept extra *empty* fields at the end of a line (trailing tabs).
    format_name : str
        Importer name, for messages.
    """

    def __init__(self, path, fields, *, sep="\t", header_lines=0, encoding="utf-8",
                 trailing_empty_ok=False, format_name=""):
        self.path = check_file(path)
        self.fields = tuple(fields)
        self.sep = sep
        self.header_lines = int(header_lines)
        self.encoding = encoding
        self.trailing_empty_ok = trailing_empty_ok
        self.format_name = format_name

    # -- messages ------------------------------------------------------------------------
    @property
    def layout_text(self) -> str:
        names = ", ".join(f.title for f in self.fields)
        sep = _SEP_NAMES.get(self.sep, repr(self.sep))
        return f"{len(self.fields)} {sep}-separated fields ({names})"

    def error(self, reason: str, column=None) -> DataFormatError:
        """The located error of the first bad line, found by re-reading the file."""
        found = self.diagnose()
        if found is not None:
            return found
        return DataFormatError(f"{reason} (the offending line could not be located)",
                               path=self.path, column=column, expected=self.layout_text)

    def diagnose(self) -> DataFormatError | None:
        """Scan the file line by line; the error of the first bad line, or None if all are fine."""
        n = len(self.fields)
        with open(self.path, "rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                try:
                    text = raw.decode(self.encoding)
                except UnicodeDecodeError as exc:
                    return decode_error(self.path, raw, lineno, exc, self.encoding)
                if lineno <= self.header_lines:
                    continue
                text = text.rstrip("\r\n")
                if not text.strip():
                    continue
                parts = text.split(self.sep)
                if len(parts) > n and self.trailing_empty_ok and not any(
                        p.strip() for p in parts[n:]):
                    parts = parts[:n]
                if len(parts) != n:
                    return DataFormatError(
                        f"found {len(parts)} fields", path=self.path, line=lineno,
                        expected=self.layout_text)
                for position, (spec, value) in enumerate(zip(self.fields, parts), start=1):
                    problem = self._check_value(spec, value)
                    if problem:
                        return DataFormatError(f"field {position}: {problem}", path=self.path,
                                               line=lineno, column=spec.title,
                                               expected=self._expected(spec))
        return None

    @staticmethod
    def _check_value(spec: Field, value: str) -> str | None:
        stripped = value.strip()
        if not stripped:
            return "missing value" if spec.required else None
        try:
            if spec.kind == "float":
                if stripped in MISSING_TEXT:
                    return None
                if not _NUMBER.fullmatch(stripped):
                    raise ValueError("not a decimal number")
            elif spec.kind == "int":
                if stripped in MISSING_TEXT:
                    return None
                if not (_NUMBER.fullmatch(stripped) and float(stripped).is_integer()):
                    raise ValueError("not an integer")
            elif spec.kind == "datetime":
                strptime_checked(stripped, spec.fmt)
        except ValueError as exc:
            return f"cannot read {value!r}: {exc}"
        return None

    @staticmethod
    def _expected(spec: Field) -> str:
        if spec.kind == "float":
            return "a number or an empty field"
        if spec.kind == "int":
            return "an integer"
        if spec.kind == "datetime":
            return f"a date/time formatted as {spec.fmt!r}"
        return "text"

    # -- fast path -----------------------------------------------------------------------
    def times(self, values: pd.Series, spec: Field) -> np.ndarray:
        """Parse a ``'datetime'`` field to int64 ns; a bad (or, if required, missing) value
        raises the located error. Missing optional values are the NaT sentinel."""
        ns, ok = datetime_ns(values, spec.fmt)
        present = values.notna().to_numpy()
        if not (ok | ~present).all():
            # blanks around a date are harmless: retry the failures without them
            bad = np.flatnonzero(~ok & present)
            retry, retry_ok = datetime_ns(clean_text(values.iloc[bad]), spec.fmt)
            ns[bad], ok[bad] = retry, retry_ok
        if not (ok | ~present).all() or (spec.required and not present.all()):
            raise self.error(f"unreadable or missing {spec.title}", spec.title)
        return ns

    def _read_csv(self, usecols=None, dtype=None) -> pd.DataFrame:
        # only empty fields are missing at this stage: 'NA' may be a place name; numeric
        # columns with 'NaN' text are converted afterwards
        names = [f.name for f in self.fields]
        return pd.read_csv(
            self.path, sep=self.sep, header=None, names=names, index_col=False,
            skiprows=self.header_lines, quoting=csv.QUOTE_NONE, encoding=self.encoding,
            keep_default_na=False, na_values=[""], usecols=usecols, dtype=dtype, engine="c")

    def read(self) -> dict[str, pd.Series]:
        """The columns by field name: float and int fields as float64 (NaN allowed), str and
        datetime fields as text (integer ids with ``exact_text=False`` as int64). Blank lines
        are skipped."""
        if self.trailing_empty_ok:
            table = self._read_tolerant()
        else:
            try:
                # numeric dtypes up front spare pandas its type inference; a field they do not
                # fit (e.g. 'NaN' text) sends us to the inferring read below
                table = self._read_csv(dtype={f.name: np.float64 for f in self.fields
                                              if f.kind in ("float", "int")})
            except ValueError:
                table = None
            if table is None:
                try:
                    table = self._read_csv()
                except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
                    raise self.error(str(exc)) from exc
        if table.empty:
            raise DataFormatError("no data lines", path=self.path, line=self.header_lines + 1,
                                  expected=self.layout_text)
        # lines of separators only; a first field never missing (ids) settles it in one pass
        keep = None
        if table[self.fields[0].name].isna().any():
            blank = table.isna().all(axis=1).to_numpy()
            keep = ~blank if blank.any() else None
        if table[self.fields[-1].name].isna().any():
            # pandas pads short lines with missing values: tell them from empty last fields
            found = self.diagnose()
            if found is not None:
                raise found
        # a dict, not DataFrame.__setitem__: no block copies or consolidation
        columns = {spec.name: table[spec.name] for spec in self.fields}
        reread = []
        for spec in self.fields:
            col = columns[spec.name]
            if spec.kind in ("float", "int"):
                if not (pd.api.types.is_float_dtype(col) or pd.api.types.is_integer_dtype(col)):
                    col = _numeric_or_none(col)
                    if col is None:
                        raise self.error(f"non-numeric text in column {spec.title!r}",
                                         spec.title)
                col = col.astype(np.float64)
                if spec.kind == "int":
                    values = col.to_numpy()
                    with np.errstate(invalid="ignore"):  # inf - inf -> NaN, compared False
                        # x - floor(x) > 0 exactly when x is finite and not whole (as
                        # mod(x, 1) > 0, at a third of the cost); NaN is a missing value
                        fractional = ((values - np.floor(values)) > 0).any()
                    if fractional or np.isinf(values).any():
                        raise self.error(f"non-integer value in column {spec.title!r}",
                                         spec.title)
                columns[spec.name] = col
            elif not pd.api.types.is_string_dtype(col):
                if col.isna().all():
                    columns[spec.name] = col.astype("str")
                elif not (spec.kind == "str" and not spec.exact_text
                          and pd.api.types.is_integer_dtype(col)):
                    reread.append(spec.name)  # else: an integer id, written as text later
        if reread:
            # the column looked numeric; read it again as text so that '007' stays '007'
            text = self._read_csv(usecols=reread, dtype={name: "str" for name in reread})
            for name in reread:
                columns[name] = text[name]
        if keep is not None:
            columns = {name: col[keep].reset_index(drop=True) for name, col in columns.items()}
        return columns

    def _read_tolerant(self) -> pd.DataFrame:
        """Small files whose lines may end with extra empty fields (trailing tabs)."""
        n = len(self.fields)
        rows = []
        with open(self.path, "rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                try:
                    text = raw.decode(self.encoding)
                except UnicodeDecodeError as exc:
                    raise decode_error(self.path, raw, lineno, exc, self.encoding) from exc
                text = text.rstrip("\r\n")
                if lineno <= self.header_lines or not text.strip():
                    continue
                parts = text.split(self.sep)
                if len(parts) > n and not any(p.strip() for p in parts[n:]):
                    parts = parts[:n]
                if len(parts) != n:
                    raise DataFormatError(f"found {len(parts)} fields", path=self.path,
                                          line=lineno, expected=self.layout_text)
                rows.append(parts)
        columns = {}
        for i, spec in enumerate(self.fields):
            raw_col = pd.Series([r[i].strip() for r in rows], dtype="str")
            if spec.kind in ("float", "int"):
                missing = raw_col.isin(MISSING_TEXT)
                values = pd.to_numeric(raw_col.where(~missing), errors="coerce")
                if (values.isna() & ~missing).any():
                    raise self.error(f"non-numeric text in column {spec.title!r}", spec.title)
                columns[spec.name] = values.astype(np.float64)
            else:
                columns[spec.name] = raw_col.where(raw_col != "")
        return pd.DataFrame(columns)


# --------------------------------------------------------------------------------------------
# line-oriented (fixed-width) files
# --------------------------------------------------------------------------------------------
class TextLines:
    """The non-blank lines of a text file as a pyarrow string array, with their line numbers.

    Parameters
    ----------
    path : path-like
    encoding : str
    header_lines : int
        Lines kept apart in :attr:`header` (blank or not).
    """

    def __init__(self, path, *, encoding="utf-8", header_lines=0):
        self.path = check_file(path)
        self.encoding = encoding
        raw = self.path.read_bytes()
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            start = raw.rfind(b"\n", 0, exc.start) + 1
            end = raw.find(b"\n", exc.start)
            line = raw[start:end if end >= 0 else len(raw)]
            lineno = raw.count(b"\n", 0, exc.start) + 1
            inner = UnicodeDecodeError(exc.encoding, line, exc.start - start, exc.end - start,
                                       exc.reason)
            raise decode_error(self.path, line, lineno, inner, encoding) from exc
        lines = pa.array(text.split("\n"), type=pa.large_string())
        lines = pc.utf8_rtrim(lines, characters="\r")
        self.header = lines[:header_lines].to_pylist()
        body = lines[header_lines:]
        keep = pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(body)), 0)
        numbers = np.arange(header_lines + 1, header_lines + 1 + len(body))
        self.lines = body.filter(keep)
        self.line_numbers = numbers[np.asarray(keep.to_numpy(zero_copy_only=False))]
        if len(self.lines) == 0:
            raise DataFormatError("no data lines", path=self.path, line=header_lines + 1,
                                  expected="data lines after the header")

    def __len__(self) -> int:
        return len(self.lines)

    def field(self, start: int, stop: int | None = None) -> pa.Array:
        """Characters ``[start, stop)`` of every line, surrounding blanks removed."""
        sliced = pc.utf8_slice_codeunits(self.lines, start, stop if stop is not None else 1 << 30)
        return pc.utf8_trim_whitespace(sliced)

    def numbers(self, values: pa.Array, column: str, *, required=False,
                expected="a number or a blank field") -> np.ndarray:
        """Text to float64 (blank -> NaN); the first unreadable value raises a located error."""
        values = pc.if_else(pc.is_in(values, pa.array(MISSING_TEXT)), pa.scalar(None, values.type),
                            values)
        if required and values.null_count:
            i = int(np.flatnonzero(values.is_null().to_numpy(zero_copy_only=False))[0])
            raise DataFormatError("missing value", path=self.path, line=int(self.line_numbers[i]),
                                  column=column, expected=expected)
        try:
            out = pc.cast(values, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            i = self._first_unreadable(values)
            raise DataFormatError(f"cannot read {values[i].as_py()!r} as a number",
                                  path=self.path, line=int(self.line_numbers[i]), column=column,
                                  expected=expected) from exc
        return out.to_numpy(zero_copy_only=False).astype(np.float64)

    @staticmethod
    def _first_unreadable(values: pa.Array) -> int:
        for i, value in enumerate(values.to_pylist()):
            if value is None:
                continue
            try:
                pc.cast(pa.array([value]), pa.float64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return i
        return 0

    def times(self, values, fmt: str, column: str) -> np.ndarray:
        """Parse a date (or time of day) field; the first bad value raises a located error."""
        ns, ok = datetime_ns(values, fmt)
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            value = values[i].as_py() if isinstance(values, pa.Array) else values[i]
            raise DataFormatError(f"cannot read {value!r} as a date/time", path=self.path,
                                  line=int(self.line_numbers[i]), column=column,
                                  expected=f"a value formatted as {fmt!r}")
        return ns

    def error(self, row: int, message: str, column=None, expected=None) -> DataFormatError:
        return DataFormatError(message, path=self.path, line=int(self.line_numbers[row]),
                               column=column, expected=expected)


# --------------------------------------------------------------------------------------------
# final assembly
# --------------------------------------------------------------------------------------------
def sort_order(key: np.ndarray) -> np.ndarray | None:
    """Stable sort order of ``key`` (int64 ns or float64, NaN last), or None if already sorted."""
    key = np.asarray(key)
    if key.dtype.kind == "f":
        key = np.where(np.isnan(key), np.inf, key)
    if len(key) < 2 or (key[1:] >= key[:-1]).all():
        return None
    return np.argsort(key, kind="stable")


def take(col, order: np.ndarray | None):
    """``col`` (numpy array, pandas Series or pyarrow array) reordered; unchanged if no order."""
    if order is None:
        return col.reset_index(drop=True) if isinstance(col, pd.Series) else col
    if isinstance(col, pd.Series):
        array = col.array
        if isinstance(array, pd.arrays.ArrowStringArray):
            # straight to pyarrow: pandas' take adds a copy and index work
            chunked = pa.array(array)
            return pd.Series(pc.take(chunked, pa.array(order)), dtype="str", name=col.name)
        if isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf":
            return pd.Series(np.take(col.to_numpy(), order), name=col.name)
        return col.take(order).reset_index(drop=True)
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        return pc.take(col, pa.array(order))
    return np.take(np.asarray(col), order, axis=0)  # np.take: faster than fancy indexing


def assemble(columns: dict, sort_key: np.ndarray) -> pd.DataFrame:
    """Equal-length columns -> DataFrame stably sorted by ``sort_key``, with a RangeIndex.

    ``sort_key`` is int64 nanoseconds (datetimes) or float64 (lab seconds; NaN sorts last).
    The sort is skipped when the key is already non-decreasing.
    """
    order = sort_order(sort_key)
    return pd.DataFrame({name: take(col, order) for name, col in columns.items()})


def integer_text(values) -> pd.Series:
    """Integer ids (int64) as decimal text (pandas ``str``); text input passes through."""
    values = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_integer_dtype(values):
        return pd.Series(pa.array(values.to_numpy()).cast(pa.large_string()), dtype="str")
    return values.astype("str")


def clean_text(values) -> pd.Series:
    """Text column with surrounding blanks removed and empty values missing (pandas ``str``)."""
    if isinstance(values, pd.Series):
        values = values.array
    if isinstance(values, pd.arrays.ArrowStringArray):
        values = pa.array(values)
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pa.array(pd.Series(values, dtype="str").array)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = pc.utf8_trim_whitespace(values)
    values = pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)
    return pd.Series(values, dtype="str")


def labels_from_codes(codes, mapping: dict, *, what: str = "code", path=None) -> pd.Series:
    """Integer codes (float array, NaN = missing) -> text labels via ``mapping``.

    Codes missing from ``mapping`` keep their decimal text and raise one DataWarning.
    """
    codes = np.asarray(codes, dtype=np.float64)
    present = ~np.isnan(codes)
    complete = bool(present.all())
    ints = (codes if complete else np.where(present, codes, 0)).astype(np.int64)
    small = bool(present.any()) and ints.min() >= 0 and ints.max() < 4096
    if small:
        counts = np.bincount(ints) if complete else np.bincount(ints[present])
        unique = np.flatnonzero(counts)  # no sort of n values
    else:
        unique = np.unique(ints[present])
    unknown = [int(u) for u in unique if int(u) not in mapping]
    if unknown:
        warnings.warn(f"{str(path) + ': ' if path else ''}unknown {what} {unknown}; kept as text "
                      f"(known: {mapping})", DataWarning, stacklevel=3)
    texts = [mapping.get(int(u), str(int(u))) for u in unique]
    if small:
        lookup = np.zeros(int(unique[-1]) + 1 if len(unique) else 1, dtype=np.int32)
        lookup[unique] = np.arange(len(unique), dtype=np.int32)
        index = np.take(lookup, ints)
    else:
        index = np.searchsorted(unique, ints).astype(np.int32)
    return pd.Series(_labels_array(texts, index, present), dtype="str")


def _labels_array(texts: list[str], index: np.ndarray, present: np.ndarray) -> pa.Array:
    """``texts[index]`` as a large_string array, null where not ``present``."""
    encoded = [t.encode("utf-8") for t in texts]
    width = len(encoded[0]) if encoded else 0
    if encoded and width and all(len(e) == width for e in encoded) and present.all():
        # labels of one length (MD/ML, ...): the bytes are one gather of fixed-width rows
        rows = np.frombuffer(b"".join(encoded), dtype=f"V{width}")
        data = np.take(rows, index).view(np.uint8)
        offsets = np.arange(0, (len(index) + 1) * width, width, dtype=np.int64)
        return pa.LargeStringArray.from_buffers(len(index), pa.py_buffer(offsets),
                                                pa.py_buffer(data))
    names = pa.array(texts, type=pa.large_string())
    return pc.take(names, pa.array(index, mask=~present))
