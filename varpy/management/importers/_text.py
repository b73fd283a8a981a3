"""Text files as the importers receive them: existence and emptiness checks, decoding, header
lines, and the located error of an undecodable line (private).

Imports only :mod:`varpy.exceptions` (no other importer module), so every other parsing module
may import it.
"""
from __future__ import annotations

from pathlib import Path

from varpy.exceptions import DataFormatError

#: Text that means "no value" in a numeric field (besides an empty field).
MISSING_TEXT = ("", "NaN", "nan", "NA")


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
