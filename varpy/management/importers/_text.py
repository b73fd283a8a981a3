"""Text files as the importers receive them: existence and emptiness checks, decoding, header
lines, and the located error of an undecodable line (private).

Imports only :mod:`varpy.exceptions` (no other importer module), so every other parsing module
may import it.
"""
from __future__ import annotations

import codecs
from pathlib import Path

from varpy.exceptions import DataFileNotFoundError, DataFormatError

#: Text that means "no value" in a numeric field (besides an empty field).
MISSING_TEXT = ("", "NaN", "nan", "NA")


def check_file(path) -> Path:
    """The path as a :class:`~pathlib.Path`; refuse missing, non-regular and empty files."""
    try:
        path = Path(path)
    except TypeError as exc:
        raise DataFormatError(f"a file path must be a str or path-like, not "
                              f"{type(path).__name__}", expected="a path to a text data file"
                              ) from exc
    if not path.exists():
        raise DataFileNotFoundError(f"data file {str(path)!r} does not exist", path=path,
                                    expected="the path of an existing file")
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


_UTF8_BOM = codecs.BOM_UTF8


def resolve_encoding(path, encoding) -> str:
    """The encoding to read ``path`` with.

    ``None`` or ``'auto'``: UTF-8 when the whole file decodes as UTF-8 (``'utf-8-sig'`` when it
    starts with a byte-order mark), else latin-1 (which decodes any byte: observatory exports
    are one or the other). An explicit UTF-8 encoding becomes ``'utf-8-sig'`` for a file with a
    BOM, so the mark never sticks to the first value. Any other name is checked to exist.
    """
    if encoding is None or (isinstance(encoding, str) and encoding.lower() == "auto"):
        data = Path(path).read_bytes()
        if data.isascii():  # the usual case, and a fast check
            return "utf-8"
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return "latin-1"
        return "utf-8-sig" if data.startswith(_UTF8_BOM) else "utf-8"
    if not isinstance(encoding, str):
        raise DataFormatError(f"encoding must be a text name, not {type(encoding).__name__}",
                              path=path, key="encoding",
                              expected="'auto', 'utf-8', 'latin-1' or another codec name")
    try:
        name = codecs.lookup(encoding).name
    except LookupError as exc:
        raise DataFormatError(f"unknown encoding {encoding!r}", path=path, key="encoding",
                              expected="'auto', 'utf-8', 'latin-1' or another codec name"
                              ) from exc
    if name == "utf-8":
        with open(path, "rb") as fh:
            if fh.read(3) == _UTF8_BOM:
                return "utf-8-sig"
    return encoding
