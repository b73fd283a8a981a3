"""Delimited text files (tabs, commas, ...) read by pandas' C tokenizer, with a line-by-line
diagnosis of the first bad line (private).

:class:`Field` describes a column, :class:`DelimitedFile` reads the file. May import
``_text``, ``_times`` and ``_columns``; nothing imports it but the readers and ``_parsing``.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError
from varpy.management.importers._columns import clean_text
from varpy.management.importers._text import (MISSING_TEXT, check_file, decode_error,
                                               resolve_encoding)
from varpy.management.importers._times import datetime_ns, strptime_checked

_SEP_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", " ": "space"}


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



# what pandas' C parser and pandas.to_numeric accept as a number
_NUMBER = re.compile(r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)", re.IGNORECASE)


def _numeric_or_none(col: pd.Series) -> pd.Series | None:
    """A text column of numbers (some written 'NaN'/'NA') as float64, or None if not numbers."""
    # blanks around a number, or a field of blanks only (a padded last field), are harmless
    col = col.where(col.isna(), col.astype("str").str.strip())
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
    encoding : str or None
        Text encoding; None or ``'auto'`` detects UTF-8 or latin-1
        (:func:`~varpy.management.importers._text.resolve_encoding`).
    trailing_empty_ok : bool
        Accept extra *empty* fields at the end of a line (trailing tabs).
    format_name : str
        Importer name, for messages.
    """

    def __init__(self, path, fields, *, sep="\t", header_lines=0, encoding=None,
                 trailing_empty_ok=False, format_name=""):
        self.path = check_file(path)
        self.fields = tuple(fields)
        self.sep = sep
        self.header_lines = int(header_lines)
        self.encoding = resolve_encoding(self.path, encoding)
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

    def _trailing_fields_empty(self) -> bool:
        """Whether the file is valid once empty fields at line ends are ignored."""
        saved = self.trailing_empty_ok
        self.trailing_empty_ok = True
        try:
            return self.diagnose() is None
        finally:
            self.trailing_empty_ok = saved

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
                    if not self._trailing_fields_empty():
                        raise self.error(str(exc)) from exc
                    # extra empty fields at line ends (trailing tabs): the tolerant reader
                    table = self._read_tolerant()
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
