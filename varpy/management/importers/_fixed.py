"""Line-oriented (fixed-width) text files: the non-blank lines as a pyarrow string array with
their line numbers, sliced into fields by character position (private).

May import ``_text`` and ``_times``; nothing imports it but the readers and ``_parsing``.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from varpy.exceptions import DataFormatError
from varpy.management.importers._text import MISSING_TEXT, check_file, decode_error
from varpy.management.importers._times import datetime_ns


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
