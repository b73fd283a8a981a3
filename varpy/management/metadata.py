"""Metadata of varpy datatypes: the documented keys, VarPy's two-line table and YAML.

A datatype's metadata is a plain dict (docs/design.md, "Data contracts"). Files come in two
forms, both read by :func:`read_metadata`:

* VarPy 2016's **two-line table**: tab-separated keys on line 1, values on line 2 (CRLF line
  ends, often no final newline, sometimes a trailing tab that makes an empty key, dropped here);
* **YAML** (a mapping at top level), read with ``yaml.safe_load`` only.

:func:`validate_metadata` coerces the documented keys (:data:`METADATA_SCHEMA`) to their types
and keeps unknown keys untouched.

Examples
--------
>>> import pathlib, tempfile
>>> from varpy.management.metadata import read_metadata, validate_metadata
>>> path = pathlib.Path(tempfile.mkdtemp()) / "meta.txt"
>>> _ = path.write_bytes(b"id\\tt0\\tt1\\ttf\\tformat\\tongoing\\t\\r\\n"
...                      b"DDS-7\\t0\\t1270.3\\t10852.6\\tUCLv1\\t0\\t")
>>> raw = read_metadata(path)
>>> raw
{'id': 'DDS-7', 't0': '0', 't1': '1270.3', 'tf': '10852.6', 'format': 'UCLv1', 'ongoing': '0'}
>>> meta = validate_metadata("scld", raw, path=path)
>>> meta["tf"], meta["ongoing"]
(10852.6, False)
"""
from __future__ import annotations

import datetime as _dt
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from varpy.exceptions import MetadataError

__all__ = [
    "METADATA_SCHEMA",
    "REQUIRED_KEYS",
    "SIZE_FORMATS",
    "TIME_UNITS",
    "read_metadata",
    "read_metadata_table",
    "read_metadata_yaml",
    "parse_metadata_table",
    "validate_metadata",
]

log = logging.getLogger(__name__)

#: Allowed values of ``size_format`` and ``time_unit``.
SIZE_FORMATS = ("magnitude", "amplitude", "energy")
TIME_UNITS = ("seconds", "minutes", "hours", "days")

#: Documented metadata keys: ``key -> (type, description)``. Types are ``str``, ``float``,
#: ``int``, ``bool`` or ``dict``; :func:`validate_metadata` coerces values to them.
METADATA_SCHEMA: dict[str, tuple[type, str]] = {
    "id": (str, "identifier of the data set (VarPy wrote numbers; kept as text)"),
    "datatype": (str, "VarPy 2016 datatype code; informational"),
    "time_int_sample": (float, "sampling interval of a continuous series, in its time unit "
                               "(0 = irregular; VarPy 2016)"),
    "time_start": (str, "first time covered, as written (e.g. '19-08-1999'); text, because "
                        "VarPy files mix dd-mm-yyyy and 2-digit years"),
    "time_finish": (str, "last time covered, as written; text"),
    "location": (str, "place name; VarPy's names (Etna, Hierro, Hierro_web, IMO, HVO, UCL) "
                      "also choose the importer"),
    "format": (str, "importer name (see varpy.management.importers.available()); VarPy's "
                    "'UCLv1' is accepted"),
    "location_unit": (str, "unit of locations: 'degrees' (volcanic) or e.g. 'mm', 'r_theta' "
                           "(lab)"),
    "depth_unit": (str, "unit of depth (km for volcanic catalogues)"),
    "date_format": (str, "date format of the source file; informational"),
    "time_format": (str, "time format of the source file; informational"),
    "datetime_format": (str, "VarPy lab files: unit of the time column ('seconds')"),
    "ongoing": (bool, "the catalogue or experiment is still being extended"),
    "t0": (float, "lab: start of the experiment (time unit of the data, seconds in varpy)"),
    "t1": (float, "lab: start of the creep phase"),
    "tf": (float, "lab: time of failure"),
    "time_unit": (str, "lab: unit of times in the file: seconds, minutes, hours or days"),
    "size_format": (str, "ECLD: size column of the AE catalogue: magnitude, amplitude or "
                         "energy"),
    "station": (str, "SCVD: station name"),
    "simulation": (dict, "simulated data: simulator name, parameters and seed"),
}

#: Keys every metadata of a datatype must have. Importers add their own
#: (``importers.register(..., required_metadata=...)``).
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "ecvd": (), "scvd": (), "evd": (), "ecld": (), "scld": (),
}

_TRUE = {"1", "true", "yes", "y", "on", "t"}
_FALSE = {"0", "false", "no", "n", "off", "f"}
_YAML_SUFFIXES = {".yaml", ".yml"}


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def _read_text(path: Path) -> str:
    if not path.exists():
        raise FileNotFoundError(f"metadata file {str(path)!r} does not exist")
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise MetadataError(f"byte {raw[exc.start:exc.start + 1]!r} cannot be decoded as UTF-8",
                            path=path, line=line, expected="UTF-8 text") from exc


def parse_metadata_table(text: str, *, path=None, keys: Sequence[str] | None = None) -> dict:
    """Parse VarPy's two-line metadata table (keys line, values line; tab-separated).

    A trailing tab (an empty last key, with or without a value) is dropped. Values stay text.

    Parameters
    ----------
    text : str
    path : path-like, optional
        For messages.
    keys : sequence of str, optional
        Keys of a file that holds only the values line (as UCL's ``DDS7_meta.txt``:
        ``0  21.17  137.90``, i.e. t0, t1, tf).

    Raises
    ------
    MetadataError
        Wrong number of lines or of values, empty or duplicate keys.
    """
    lines = [line.rstrip("\r") for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise MetadataError("the metadata file is empty", path=path,
                            expected="a line of tab-separated keys and a line of values")
    if keys is not None:
        key_fields, value_fields, value_line = list(keys), lines[0].split("\t"), 1
        if len(lines) != 1:
            raise MetadataError(f"keys= was given but the file has {len(lines)} lines", path=path,
                                line=2, expected="a single line of values")
    else:
        if len(lines) == 1:
            raise MetadataError(
                "the file has one line; VarPy metadata has a keys line and a values line",
                path=path, line=1,
                expected="two tab-separated lines, or read_metadata(path, keys=[...]) for a "
                         "values-only file")
        if len(lines) > 2:
            raise MetadataError(f"the file has {len(lines)} non-blank lines", path=path, line=3,
                                expected="two tab-separated lines (keys, then values), or YAML")
        key_fields, value_fields, value_line = lines[0].split("\t"), lines[1].split("\t"), 2
    # trailing tabs: an empty last key (and its value, if any) is dropped
    while key_fields and not key_fields[-1].strip():
        key_fields.pop()
        if len(value_fields) > len(key_fields) and not value_fields[-1].strip():
            value_fields.pop()
    while len(value_fields) > len(key_fields) and not value_fields[-1].strip():
        value_fields.pop()
    if len(value_fields) != len(key_fields):
        raise MetadataError(f"{len(key_fields)} keys but {len(value_fields)} values", path=path,
                            line=value_line, expected="one tab-separated value per key")
    result = {}
    for position, (key, value) in enumerate(zip(key_fields, value_fields), start=1):
        key = key.strip()
        if not key:
            raise MetadataError(f"key {position} is empty", path=path, line=1,
                                expected="a name for every column")
        if key in result:
            raise MetadataError("duplicate key", path=path, line=1, key=key,
                                expected="each key once")
        result[key] = value.strip()
    return result


def read_metadata_table(path, *, keys: Sequence[str] | None = None) -> dict:
    """Read a VarPy two-line metadata file (see :func:`parse_metadata_table`)."""
    path = Path(path)
    return parse_metadata_table(_read_text(path), path=path, keys=keys)


def read_metadata_yaml(path) -> dict:
    """Read YAML metadata (``yaml.safe_load``); the top level must be a mapping."""
    path = Path(path)
    text = _read_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise MetadataError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", path=path,
                            line=None if mark is None else mark.line + 1,
                            expected="a YAML mapping of key: value") from exc
    if data is None:
        raise MetadataError("the metadata file is empty", path=path,
                            expected="a YAML mapping of key: value")
    if not isinstance(data, dict):
        raise MetadataError(f"the YAML top level is a {type(data).__name__}", path=path, line=1,
                            expected="a mapping of key: value")
    bad = [k for k in data if not isinstance(k, str)]
    if bad:
        raise MetadataError(f"key {bad[0]!r} is not text", path=path, key=str(bad[0]),
                            expected="text keys")
    return data


def read_metadata(path, kind: str | None = None, *, keys: Sequence[str] | None = None) -> dict:
    """Read a metadata file, VarPy two-line table or YAML (detected), optionally validated.

    ``.yaml``/``.yml`` files are YAML. Otherwise a file whose first line holds a tab is a
    VarPy table and anything else is YAML.

    Parameters
    ----------
    path : path-like
    kind : str, optional
        If given, the result goes through :func:`validate_metadata` for this datatype.
    keys : sequence of str, optional
        Keys of a values-only table (see :func:`parse_metadata_table`).

    Returns
    -------
    dict
    """
    path = Path(path)
    if keys is not None:
        data = read_metadata_table(path, keys=keys)
    elif path.suffix.lower() in _YAML_SUFFIXES:
        data = read_metadata_yaml(path)
    else:
        text = _read_text(path)
        first = text.split("\n", 1)[0]
        if "\t" in first:
            data = parse_metadata_table(text, path=path)
        else:
            data = read_metadata_yaml(path)
    return data if kind is None else validate_metadata(kind, data, path=path)


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def _coerce(key: str, value, kind: type, path):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind is str:
        if isinstance(value, (_dt.date, _dt.datetime)):
            return value.isoformat()
        if isinstance(value, (dict, list)):
            raise MetadataError(f"a {type(value).__name__} is not text", path=path, key=key,
                                expected="text")
        return str(value).strip()
    if kind is float:
        if isinstance(value, bool):
            raise MetadataError(f"{value!r} is not a number", path=path, key=key,
                                expected="a number")
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise MetadataError(f"{value!r} is not a number", path=path, key=key,
                                expected="a number") from exc
        if math.isnan(number):
            return None
        return number
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise MetadataError(f"{value!r} is not a yes/no value", path=path, key=key,
                            expected="1/0, true/false or yes/no")
    if kind is dict:
        if not isinstance(value, Mapping):
            raise MetadataError(f"a {type(value).__name__} is not a mapping", path=path,
                                key=key, expected="a mapping (YAML metadata)")
        return dict(value)
    return value


def validate_metadata(kind: str, metadata: Mapping, path=None, *,
                      required: Sequence[str] = ()) -> dict:
    """Check and coerce metadata; returns a new dict (the input is not changed).

    Documented keys (:data:`METADATA_SCHEMA`) are converted to their types: ``t0``, ``t1``,
    ``tf``, ``time_int_sample`` to float, ``ongoing`` to bool, the rest to text
    (``time_start``/``time_finish`` stay text as written). Empty values become None. Unknown
    keys are kept untouched. Also checked: ``size_format`` and ``time_unit`` are allowed
    values, and ``t0 <= t1 <= tf`` where given.

    Parameters
    ----------
    kind : str
        Datatype (``'ecvd'``, ``'scvd'``, ``'evd'``, ``'ecld'``, ``'scld'``).
    metadata : mapping
    path : path-like, optional
        The metadata file, named in errors.
    required : sequence of str
        Keys that must be present and non-empty, besides :data:`REQUIRED_KEYS` of ``kind``.

    Raises
    ------
    MetadataError
        A required key is missing or a value has the wrong type; the message names the key and
        the file.
    """
    kind_key = str(kind).lower()
    if kind_key not in REQUIRED_KEYS:
        raise MetadataError(f"unknown datatype {kind!r}", path=path,
                            expected=f"one of {', '.join(REQUIRED_KEYS)}")
    if not isinstance(metadata, Mapping):
        raise MetadataError(f"metadata must be a mapping, not {type(metadata).__name__}",
                            path=path, expected="a dict of key: value")
    out = {}
    for key, value in metadata.items():
        if key in METADATA_SCHEMA:
            out[key] = _coerce(key, value, METADATA_SCHEMA[key][0], path)
        else:
            out[key] = value
    for key in (*REQUIRED_KEYS[kind_key], *required):
        if out.get(key) in (None, ""):
            raise MetadataError("required key is missing" if key not in out else
                                "required key is empty", path=path, key=key,
                                expected=f"{key}: {METADATA_SCHEMA.get(key, (None, 'a value'))[1]}")
    if out.get("size_format") is not None:
        out["size_format"] = out["size_format"].lower()
        if out["size_format"] not in SIZE_FORMATS:
            raise MetadataError(f"unknown size format {out['size_format']!r}", path=path,
                                key="size_format", expected=f"one of {', '.join(SIZE_FORMATS)}")
    if out.get("time_unit") is not None:
        unit = out["time_unit"].lower()
        unit = {"s": "seconds", "sec": "seconds", "secs": "seconds", "min": "minutes",
                "mins": "minutes", "h": "hours", "d": "days"}.get(unit, unit)
        if unit not in TIME_UNITS:
            raise MetadataError(f"unknown time unit {out['time_unit']!r}", path=path,
                                key="time_unit", expected=f"one of {', '.join(TIME_UNITS)}")
        out["time_unit"] = unit
    marks = [(k, out[k]) for k in ("t0", "t1", "tf") if out.get(k) is not None]
    for (k1, v1), (k2, v2) in zip(marks, marks[1:]):
        if v2 < v1:
            raise MetadataError(f"{k2} = {v2} comes before {k1} = {v1}", path=path, key=k2,
                                expected="t0 <= t1 (creep start) <= tf (failure)")
    return out
