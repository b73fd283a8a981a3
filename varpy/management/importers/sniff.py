"""``sniff``: what varpy sees in a data file before importing it (``varpy inspect FILE``).

:func:`sniff` reads the first lines of a file, tries the registered importers on them (or the
one named), and returns a :class:`SniffResult`: the text properties (encoding, BOM, line ends,
final newline, trailing blanks), the format detected, the columns found with their character
zones, the first rows as parsed, what the datatype would be missing, and why the other
importers refused the file. A user with a new export sees at once whether varpy reads it right.

Examples
--------
>>> import pathlib, tempfile
>>> from varpy.management import importers
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tilt.txt"
>>> _ = path.write_bytes(b"01/01/2011\\t1.5\\r\\n02/01/2011\\t1.75")
>>> result = importers.sniff(path, kind="scvd")
>>> result.format, result.line_ending, result.final_newline
('etna_tilt', 'CRLF', False)
>>> result.columns[1]
{'name': 'tilt', 'field': 2, 'start': 11, 'stop': 14}
"""
from __future__ import annotations

import re
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from varpy._json import jsonable
from varpy.exceptions import DataFormatError, VarpyError
from varpy.management.importers import _parsing as P
from varpy.management.importers.registry import (IMPORT_NOTES, KINDS, TIME_COLUMNS, available,
                                                 _parameters, check_options, detect_format,
                                                 get)
from varpy.management.schema import SCHEMAS

__all__ = ["SniffResult", "sniff", "HEAD_LINES"]

#: Lines of the file that :func:`sniff` parses.
HEAD_LINES = 500
#: Importers tried last (they read almost anything with the right options).
_GENERIC = ("csv", "tsv", "obspy", "quakeml")
_FIXED_SLICES = {"hvo": "HVO_SLICES"}
_SEPARATED = {"etna_ingv": "\t", "ign_web": "\t", "imo": "\t", "etna_tilt": "\t",
              "etna_eruptions": "\t", "ucl_v1": "\t", "ae_two_column": "\t",
              "lab_series": "\t", "csv": ",", "tsv": "\t"}
_HEADER_LINES = {"ign_web": 2, "ucl_v1": 1, "csv": 1, "tsv": 1}


@dataclass
class SniffResult:
    """What :func:`sniff` found in a file.

    Attributes
    ----------
    path : str
    encoding : str
        The encoding the readers use (detected unless given).
    bom, final_newline : bool
    line_ending : {'LF', 'CRLF', 'CR', 'mixed', 'none'}
    lines : int
        Lines in the part of the file read (at most :data:`HEAD_LINES`).
    blank_trailing_lines, trailing_blanks : int
        Blank lines at the end, and lines ending with blanks or tabs.
    format, kind : str or None
        The importer that reads the file and its datatype (None if none does).
    candidates : list of [format, kind]
        Every importer that read the first lines.
    zones : list of [start, stop]
        Character positions occupied on some line (0-based, stop exclusive).
    columns : list of dict
        ``name`` and where it comes from: ``start``/``stop`` characters and, for delimited
        files, ``field`` (1-based) on the first data line.
    how : str
        How the columns were located (e.g. ``'value zones'`` for IGN fixed width).
    rows : list of dict
        The first rows as parsed (text values).
    missing : list of str
        Canonical columns of the datatype absent or empty in those rows.
    notes : dict
        Import notes (rows reordered, absent columns).
    errors : dict
        ``{format/kind: message}`` of the importers that refused the file.
    """

    path: str
    encoding: str
    bom: bool = False
    line_ending: str = "none"
    final_newline: bool = True
    lines: int = 0
    blank_trailing_lines: int = 0
    trailing_blanks: int = 0
    format: str | None = None
    kind: str | None = None
    candidates: list = field(default_factory=list)
    zones: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    how: str = ""
    rows: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    def summary(self) -> str:
        """Human-readable report (what ``varpy inspect FILE`` prints)."""
        text = [f"file: {self.path}",
                f"  text: {self.encoding}{' with BOM' if self.bom else ''}, "
                f"{self.line_ending} line ends, "
                f"{'final newline' if self.final_newline else 'no final newline'}, "
                f"{self.lines} lines read"
                + (f", {self.blank_trailing_lines} blank at the end"
                   if self.blank_trailing_lines else "")
                + (f", {self.trailing_blanks} with trailing blanks" if self.trailing_blanks
                   else "")]
        if self.format is None:
            text.append("  format: none of the importers reads it")
        else:
            others = [f"{f} ({k})" for f, k in self.candidates if (f, k) != (self.format,
                                                                            self.kind)]
            text.append(f"  format: {self.format} ({self.kind})"
                        + (f"; also readable as {', '.join(others)}" if others else ""))
        if self.columns:
            text.append("  columns" + (f" ({self.how})" if self.how else "") + ":")
            for col in self.columns:
                if col.get("stop") is None:
                    where = f"characters {col['start'] + 1}-end"
                elif col["stop"] <= col["start"]:
                    where = "empty"
                else:
                    where = f"characters {col['start'] + 1}-{col['stop']}"
                if col.get("field") is not None:
                    where = f"field {col['field']}, " + where
                text.append(f"    {col['name']:<20} {where}")
        elif self.zones:
            text.append("  zones occupied: " + ", ".join(f"{a + 1}-{b}" for a, b in self.zones))
        if self.rows:
            text.append("  first rows as parsed:")
            frame = pd.DataFrame(self.rows)
            text.extend("    " + line for line in frame.to_string(index=False).split("\n"))
        if self.format is not None:
            text.append("  missing: " + (", ".join(self.missing) if self.missing else "nothing"))
        for key, value in self.notes.items():
            text.append(f"  note: {key} = {value}")
        for name, message in self.errors.items():
            text.append(f"  {name}: {message}")
        return "\n".join(text)

    def to_dict(self) -> dict:
        """JSON-able dict (``from_dict(r.to_dict()).to_dict() == r.to_dict()``)."""
        return jsonable(asdict(self))

    @classmethod
    def from_dict(cls, data: dict) -> "SniffResult":
        return cls(**data)


def _text_properties(raw: bytes) -> dict:
    bom = raw.startswith(b"\xef\xbb\xbf")
    crlf = raw.count(b"\r\n")
    lf = raw.count(b"\n") - crlf
    cr = raw.count(b"\r") - crlf
    kinds = [name for name, n in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if n]
    ending = kinds[0] if len(kinds) == 1 else ("none" if not kinds else "mixed")
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    final = raw.endswith((b"\n", b"\r"))
    if final:
        lines = lines[:-1]
    blank_end = 0
    for line in reversed(lines):
        if line.strip():
            break
        blank_end += 1
    trailing = sum(1 for line in lines if line.strip() and line != line.rstrip(b" \t\r"))
    return {"bom": bom, "line_ending": ending, "final_newline": final, "lines": len(lines),
            "blank_trailing_lines": blank_end, "trailing_blanks": trailing}


def _head(path: Path, limit: int) -> tuple[bytes, bool]:
    chunks, count = [], 0
    with open(path, "rb") as fh:
        for line in fh:
            chunks.append(line)
            count += 1
            if count >= limit:
                return b"".join(chunks), bool(fh.read(1))
    return b"".join(chunks), False


def _candidates(kind, format, metadata, path):
    kinds = [kind] if kind is not None else list(KINDS)
    if format is not None or (metadata and (metadata.get("format") or metadata.get("location"))):
        pairs = []
        for k in kinds:
            try:
                pairs.append((detect_format(k, metadata, path, format=format), k))
            except VarpyError:
                continue
        if not pairs:  # let the error of the first kind explain
            detect_format(kinds[0], metadata, path, format=format)
        return pairs
    pairs = [(name, k) for k in kinds for name in available(k) if name not in _GENERIC]
    suffix = path.suffix.lower()
    generic = ("quakeml", "obspy") if suffix in (".xml", ".qml", ".quakeml") else \
        (("csv",) if suffix == ".csv" else ("tsv", "csv"))
    pairs += [(name, k) for name in generic for k in kinds if k in get(name).kinds]
    return pairs


def _columns(fmt: str, head_path: Path, frame: pd.DataFrame, encoding: str, options: dict):
    """Columns of the parsed table with the character zones they come from."""
    from varpy.management.importers import volcanic

    if fmt == "ign_fixed":
        lines, spans, how = volcanic.ign_fixed_layout(head_path, encoding=encoding,
                                                      colspecs=options.get("colspecs"))
        return [{"name": name, "start": span[0], "stop": span[1]}
                for name, span in spans.items()], how
    if fmt in _FIXED_SLICES:
        slices = getattr(volcanic, _FIXED_SLICES[fmt])
        return [{"name": name, "start": a, "stop": b} for name, (a, b) in slices.items()], \
            "fixed slices"
    sep = options.get("sep", _SEPARATED.get(fmt))
    if sep is None:
        return [], ""
    skip = options.get("header_lines", _HEADER_LINES.get(fmt, 0))
    if fmt in ("csv", "tsv") and options.get("header") is False:
        skip = 0
    with open(head_path, encoding=encoding) as fh:
        text = [line.rstrip("\r\n") for line in fh]
    body = text[skip:]
    first = next((line for line in body if line.strip()), "")
    if fmt in ("csv", "tsv") and skip:
        names = [n.strip() for n in text[0].split(sep)]
    else:
        names = _field_labels(fmt, options)
    columns, pos = [], 0
    for number, part in enumerate(first.split(sep), start=1):
        name = names[number - 1] if number - 1 < len(names) else f"field {number}"
        columns.append({"name": str(name), "field": number, "start": pos,
                        "stop": pos + len(part)})
        pos += len(part) + len(sep)
    return columns, f"{'tab' if sep == chr(9) else repr(sep)}-separated fields"


def _field_labels(fmt: str, options: dict) -> list[str]:
    """The labels of a delimited format's fields, in file order."""
    from varpy.management.importers import lab, volcanic

    fields = {"etna_ingv": volcanic._ETNA_FIELDS, "ign_web": volcanic._IGN_WEB_FIELDS,
              "imo": volcanic._IMO_FIELDS, "etna_eruptions": volcanic._ERUPTION_FIELDS}
    if fmt in fields:
        return [re.sub(r" \(field \d+\)$", "", f.title) for f in fields[fmt]]
    if fmt == "ucl_v1":
        return [title for _, title in lab.UCL_V1_COLUMNS]
    if fmt == "etna_tilt":
        return ["date", options.get("value_name", "tilt")]
    if fmt == "ae_two_column":
        return ["time", options.get("size_format") or "size (magnitude)"]
    if fmt == "lab_series":
        return ["time", options.get("value_name", "value")]
    return []


def _missing(kind: str, frame: pd.DataFrame) -> list[str]:
    cls = SCHEMAS[kind.lower()]
    wanted = list(cls.required) + [c for c in cls.optional if c not in cls.required]
    out = [c for c in cls.required if c not in frame.columns or frame[c].isna().all()]
    if cls.one_of and not any(c in frame.columns for c in cls.one_of):
        out.append("one of " + "/".join(cls.one_of))
    out += [f"{c} (optional)" for c in wanted if c not in cls.required
            and (c not in frame.columns or frame[c].isna().all())
            and not (cls.one_of and c in cls.one_of)]
    return out


def sniff(path, kind: str | None = None, format: str | None = None, *,
          metadata: dict | None = None, head: int = HEAD_LINES, **options) -> SniffResult:
    """Look at a data file as varpy would import it, without importing it.

    Parameters
    ----------
    path : path-like
    kind : str, optional
        Datatype to try (default: every datatype).
    format : str, optional
        Importer to use (default: every registered importer is tried on the first lines;
        the first that reads them is reported, the others that do are listed).
    metadata : dict, optional
        As for :func:`~varpy.management.importers.read` (``format``/``location`` choose the
        importer).
    head : int
        Lines parsed (the rest of the file is not read).
    **options
        Passed to the importer(s), e.g. ``colspecs=``, ``columns=``, ``encoding=``.

    Returns
    -------
    SniffResult
    """
    path = P.check_file(path)
    raw, truncated = _head(path, int(head))
    encoding = P.resolve_encoding(path, options.get("encoding"))
    result = SniffResult(path=str(path), encoding=encoding, **_text_properties(raw))
    if truncated:
        result.final_newline = True  # the file goes on
    with tempfile.TemporaryDirectory(prefix="varpy-sniff-") as tmp:
        head_path = Path(tmp) / path.name
        head_path.write_bytes(raw)
        try:
            result.zones = [list(z) for z in P.value_zones(
                P.TextLines(head_path, encoding=encoding).lines)]
        except DataFormatError:
            result.zones = []
        found = None
        for name, k in _candidates(kind, format, metadata, path):
            spec = get(name)
            opts = dict(options)
            try:
                check_options(spec, opts, path=path)
                if spec.takes_metadata:
                    opts["metadata"] = dict(metadata or {})
                if len(spec.kinds) > 1 and "kind" in _parameters(spec.reader):
                    opts.setdefault("kind", k)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    frame = spec.reader(head_path, **opts)
                if not isinstance(frame, pd.DataFrame) or TIME_COLUMNS[k] not in frame:
                    raise DataFormatError(f"importer {name!r} returned no table")
            except VarpyError as exc:
                result.errors[f"{name}/{k}"] = str(exc).replace(str(head_path), str(path))
                continue
            result.candidates.append([name, k])
            if found is None:
                found = (name, k, frame)
        if found is not None:
            name, k, frame = found
            result.format, result.kind = name, k
            result.notes = dict(frame.attrs.get(IMPORT_NOTES, {}))
            try:
                result.columns, result.how = _columns(name, head_path, frame, encoding, options)
            except VarpyError as exc:  # the reader accepted it; the zones are only a help
                result.how = f"zones not available: {exc}"
            result.rows = [{c: (None if pd.isna(v) else str(v)) for c, v in row.items()}
                           for row in frame.head(5).to_dict("records")]
            result.missing = _missing(k, frame)
            result.errors = {}
    return result
