"""Line-oriented (fixed-width) text files: the non-blank lines as a pyarrow string array with
their line numbers, sliced into fields by character position (private).

The column zones of a fixed-width table are found from the value lines themselves
(:func:`value_zones`: character positions blank on every line separate the columns), and
:meth:`TextLines.check_boundaries` refuses a slice whose edge cuts through a value.

May import ``_text`` and ``_times``; nothing imports it but the readers and ``_parsing``.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from varpy.exceptions import DataFormatError
from varpy.management.importers._text import (MISSING_TEXT, check_file, decode_error,
                                               resolve_encoding)
from varpy.management.importers._times import datetime_ns


class TextLines:
    """The non-blank lines of a text file as a pyarrow string array, with their line numbers.

    Parameters
    ----------
    path : path-like
    encoding : str or None
        None or ``'auto'``: UTF-8 or latin-1, detected (a BOM is dropped).
    header_lines : int
        Lines kept apart in :attr:`header` (blank or not).
    """

    def __init__(self, path, *, encoding=None, header_lines=0):
        self.path = check_file(path)
        self.encoding = encoding = resolve_encoding(self.path, encoding)
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

    def check_boundaries(self, spans: dict, labels: dict | None = None) -> None:
        """Refuse slices that cut through a value.

        Each ``(start, stop)`` span must begin at the start of the line or after a blank
        character, and end at the end of the line or before a blank character, on every line.
        The first line where it does not raises :class:`~varpy.exceptions.DataFormatError`
        naming the line, the field and the characters around the cut.
        """
        labels = labels or {}
        for name, (start, stop) in spans.items():
            for edge, where in ((start - 1, "starts"), (stop, "ends")):
                if edge is None or edge < 0:
                    continue
                char = pc.utf8_slice_codeunits(self.lines, edge, edge + 1)
                bad = pc.invert(pc.is_in(char, pa.array(["", " ", "\t"], type=char.type)))
                bad = np.asarray(bad.to_numpy(zero_copy_only=False))
                if bad.any():
                    row = int(np.flatnonzero(bad)[0])
                    line = self.lines[row].as_py()
                    lo, hi = max(0, edge - 6), edge + 7
                    raise self.error(
                        row, f"the slice [{start}:{'' if stop is None else stop}] {where} inside "
                             f"a value: {line[lo:hi]!r} (character {edge + 1} is "
                             f"{line[edge]!r})", labels.get(name, name),
                        "field boundaries on blank characters; check colspecs= against the "
                        "file (importers.sniff(path) shows the zones the data occupy)")


def char_matrix(lines: pa.Array, width: int) -> np.ndarray:
    """The first ``width`` characters of every line as an (n, width) uint8 matrix (blank-padded;
    every non-ASCII character counts as one non-blank byte)."""
    prefix = pc.utf8_slice_codeunits(lines, 0, width)
    prefix = pc.replace_substring_regex(prefix, r"[^\x00-\x7f]", "x")  # one byte a character
    prefix = pc.utf8_rpad(prefix, width, " ")
    if not isinstance(prefix, pa.Array):
        prefix = prefix.combine_chunks()
    prefix = prefix.cast(pa.large_string())
    data = np.frombuffer(prefix.buffers()[2], dtype=np.uint8) if width else np.zeros(0, np.uint8)
    offsets = np.frombuffer(prefix.buffers()[1], dtype=np.int64)[prefix.offset:]
    return data[offsets[0]:offsets[0] + len(prefix) * width].reshape(len(prefix), width)


def value_zones(lines: pa.Array, width: int | None = None) -> list[tuple[int, int]]:
    """Runs of character positions that hold a non-blank character on at least one line.

    A position blank (space or tab) on every line separates two zones; each zone is returned
    as ``(start, stop)``, 0-based with ``stop`` exclusive, in order.

    Examples
    --------
    >>> import pyarrow as pa
    >>> value_zones(pa.array(["  12  ab", " -1.5 c"]))
    [(1, 5), (6, 8)]
    """
    if width is None:
        width = int(pc.max(pc.utf8_length(lines)).as_py() or 0) if len(lines) else 0
    if width == 0:
        return []
    matrix = char_matrix(lines, width)
    occupied = np.concatenate([[False], ~np.isin(matrix, (32, 9)).all(axis=0), [False]])
    edges = np.flatnonzero(np.diff(occupied.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2])]
