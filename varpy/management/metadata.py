"""Metadata of varpy datatypes: the documented keys, VarPy's metadata layouts and YAML.

A datatype's metadata is a plain dict (docs/design.md, "Data contracts"). Files come in three
layouts, detected from the content by :func:`read_metadata` (:func:`detect_layout`):

* ``'values'``: UCL's **one-line values file** (recorded as ``metadata_layout: values``) (``DDS7_meta.txt``: ``0  21.172392  137.902892``),
  the experiment's ``t0``, ``t1`` (creep start) and ``tf`` (failure) in **minutes**;
* ``'table'``: VarPy 2016's **two-line table**: tab-separated keys on line 1, values on line 2
  (CRLF line ends, often no final newline, sometimes a trailing tab that makes an empty key,
  dropped here);
* ``'yaml'``: a YAML mapping, read with ``yaml.safe_load`` only.

:func:`validate_metadata` coerces the documented keys (:data:`METADATA_SCHEMA`) to their types
and keeps unknown keys untouched. For laboratory data it puts every time-valued key (``t0``,
``t1``, ``tf``, ``time_start``, ``time_finish``) on the data's axis, seconds, keeping the values
as written and their unit under ``source_times`` (:func:`lab_times_to_seconds`);
:func:`check_lab_times` compares them with the imported times.

Examples
--------
>>> import pathlib, tempfile
>>> from varpy.management.metadata import read_metadata, validate_metadata
>>> path = pathlib.Path(tempfile.mkdtemp()) / "meta.txt"
>>> _ = path.write_bytes(b"id\\tt0\\tt1\\ttf\\tformat\\tdatetime_format\\tongoing\\t\\r\\n"
...                      b"DDS-7\\t0\\t1270.3\\t10852.6\\tUCLv1\\tseconds\\t0\\t")
>>> raw = read_metadata(path)
>>> raw  # doctest: +NORMALIZE_WHITESPACE
{'id': 'DDS-7', 't0': '0', 't1': '1270.3', 'tf': '10852.6', 'format': 'UCLv1',
 'datetime_format': 'seconds', 'ongoing': '0'}
>>> meta = validate_metadata("scld", raw, path=path)
>>> meta["tf"], meta["time_unit"], meta["ongoing"]
(10852.6, 'seconds', False)
"""
from __future__ import annotations

import datetime as _dt
import logging
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from varpy.exceptions import DataWarning, MetadataError

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
    "detect_layout",
    "lab_times_to_seconds",
    "check_lab_times",
    "LAB_TIME_KEYS",
    "UCL_VALUES_KEYS",
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
    "time_unit": (str, "lab: unit of times in the data and metadata files: seconds, minutes, "
                       "hours or days (the stored times are seconds, see time_axis)"),
    "time_axis": (str, "lab: unit of t0, t1, tf, time_start, time_finish as stored ('seconds', "
                       "the data's axis); set when they were converted"),
    "source_times": (dict, "lab: the time-valued keys as written in the file and their unit"),
    "metadata_layout": (str, "set to 'values' for UCL's one-line t0 t1 tf file, whose keys "
                             "and unit (minutes) the file does not write"),
    "absent_columns": (list, "columns the imported file lacked (filled with NaN), e.g. an "
                             "ECVD without latitude/longitude/depth"),
    "import": (dict, "what the import changed: rows_moved (sorted into time order), "
                     "reverse_order, absent_columns"),
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

#: Time-valued keys of laboratory metadata, converted with the data (seconds).
LAB_TIME_KEYS = ("t0", "t1", "tf", "time_start", "time_finish")
#: Keys of UCL's one-line values file, in order, and the unit it is written in.
UCL_VALUES_KEYS = ("t0", "t1", "tf")
UCL_VALUES_UNIT = "minutes"
_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
_UNIT_NAMES = {"s": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds",
               "min": "minutes", "mins": "minutes", "minute": "minutes", "h": "hours",
               "hr": "hours", "hour": "hours", "d": "days", "day": "days"}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_LAB_KINDS = ("ecld", "scld")

_TRUE = {"1", "true", "yes", "y", "on", "t"}
_FALSE = {"0", "false", "no", "n", "off", "f"}
_YAML_SUFFIXES = {".yaml", ".yml"}


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
def _read_text(path: Path) -> str:
    if not path.exists():
        from varpy.exceptions import DataFileNotFoundError

        raise DataFileNotFoundError(f"metadata file {str(path)!r} does not exist", path=path,
                                    expected="the path of an existing metadata file")
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
        key_fields, value_fields, value_line = list(keys), _split_fields(lines[0]), 1
        if len(lines) != 1:
            raise MetadataError(f"keys= was given but the file has {len(lines)} lines", path=path,
                                line=2, expected="a single line of values")
    else:
        if len(lines) == 1:
            raise MetadataError(
                "the file has one line; VarPy metadata has a keys line and a values line",
                path=path, line=1,
                expected="two tab-separated lines, a line of numbers (UCL's t0 t1 tf), or "
                         "read_metadata(path, keys=[...]) for another values-only file")
        if len(lines) > 2:
            raise MetadataError(f"the file has {len(lines)} non-blank lines", path=path, line=3,
                                expected="two tab-separated lines (keys, then values), or YAML")
        if "\t" in lines[0]:
            key_fields, value_fields = lines[0].split("\t"), lines[1].split("\t")
        else:  # keys and values aligned with blanks
            key_fields, value_fields = lines[0].split(), lines[1].split()
        value_line = 2
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


def _split_fields(line: str) -> list[str]:
    return line.split("\t") if "\t" in line else line.split()


def detect_layout(text: str) -> str:
    """The layout of a metadata file's text: ``'values'``, ``'table'`` or ``'yaml'``.

    One non-blank line of numbers (tab- or blank-separated) is UCL's values file; a first line
    with a tab, or two lines with the same number of blank-separated words and no ``:``, is
    VarPy's table; anything else is YAML.

    Examples
    --------
    >>> detect_layout("0\\t21.172392\\t137.902892\\r\\n")
    'values'
    >>> detect_layout("id\\tt0\\nA\\t0\\n"), detect_layout("id: A\\nt0: 0\\n")
    ('table', 'yaml')
    """
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    if len(lines) == 1:
        fields = [f for f in _split_fields(lines[0].strip()) if f.strip()]
        if fields and all(_NUMBER.fullmatch(f.strip()) for f in fields):
            return "values"
    if lines and "\t" in lines[0]:
        return "table"
    if (len(lines) == 2 and ":" not in lines[0]
            and len(lines[0].split()) == len(lines[1].split()) > 1):
        return "table"
    return "yaml"


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


def read_metadata(path, kind: str | None = None, *, keys: Sequence[str] | None = None,
                  time_unit: str | None = None) -> dict:
    """Read a metadata file in any of its layouts (detected), optionally validated.

    ``.yaml``/``.yml`` files are YAML; otherwise the layout is detected from the content
    (:func:`detect_layout`). A one-line values file gives ``t0``, ``t1``, ``tf`` (UCL's order;
    other keys with ``keys=``), ``time_unit`` minutes (UCL's unit) unless ``time_unit`` is
    given, and ``metadata_layout: values`` (the keys and unit were not written in the file).

    Parameters
    ----------
    path : path-like
    kind : str, optional
        If given, the result goes through :func:`validate_metadata` for this datatype (lab
        times then on the seconds axis).
    keys : sequence of str, optional
        Keys of a values-only file (see :func:`parse_metadata_table`).
    time_unit : str, optional
        Unit of the times in the file, recorded as ``time_unit`` (overrides the file's).

    Returns
    -------
    dict

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "DDS7_meta.txt"
    >>> _ = path.write_bytes(b"0\\t21.172392\\t137.902892\\r\\n")
    >>> read_metadata(path)
    {'t0': '0', 't1': '21.172392', 'tf': '137.902892', 'time_unit': 'minutes', 'metadata_layout': 'values'}
    >>> meta = read_metadata(path, "ecld")
    >>> meta["tf"], meta["source_times"]["tf"], meta["time_axis"]
    (8274.17352, 137.902892, 'seconds')
    """
    path = Path(path)
    if keys is not None:
        data = read_metadata_table(path, keys=keys)
        data.update(time_unit=UCL_VALUES_UNIT, metadata_layout="values")
    elif path.suffix.lower() in _YAML_SUFFIXES:
        data = read_metadata_yaml(path)
    else:
        text = _read_text(path)
        layout = detect_layout(text)
        if layout == "values":
            values = [f for f in _split_fields(text.strip()) if f.strip()]
            if len(values) != len(UCL_VALUES_KEYS):
                raise MetadataError(
                    f"a line of {len(values)} numbers", path=path, line=1,
                    expected=f"UCL's {len(UCL_VALUES_KEYS)} values "
                             f"({' '.join(UCL_VALUES_KEYS)}), or keys=[...] naming them")
            data = parse_metadata_table(text, path=path, keys=UCL_VALUES_KEYS)
            data.update(time_unit=UCL_VALUES_UNIT, metadata_layout="values")
        elif layout == "table":
            data = parse_metadata_table(text, path=path)
        else:
            data = read_metadata_yaml(path)
    if time_unit is not None:
        data["time_unit"] = time_unit
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
    if kind is list:
        if not isinstance(value, (list, tuple)):
            raise MetadataError(f"a {type(value).__name__} is not a list", path=path, key=key,
                                expected="a list")
        return list(value)
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
        out["time_unit"] = _unit(out["time_unit"], "time_unit", path)
    if kind_key in _LAB_KINDS:
        out = lab_times_to_seconds(out, path=path)
    marks = [(k, out[k]) for k in ("t0", "t1", "tf") if out.get(k) is not None]
    for (k1, v1), (k2, v2) in zip(marks, marks[1:]):
        if v2 < v1:
            raise MetadataError(f"{k2} = {v2} comes before {k1} = {v1}", path=path, key=k2,
                                expected="t0 <= t1 (creep start) <= tf (failure)")
    return out


# --------------------------------------------------------------------------------------------
# laboratory time axis
# --------------------------------------------------------------------------------------------
def _unit(value, key, path) -> str:
    unit = str(value).strip().lower()
    unit = _UNIT_NAMES.get(unit, unit)
    if unit not in TIME_UNITS:
        raise MetadataError(f"unknown time unit {value!r}", path=path, key=key,
                            expected=f"one of {', '.join(TIME_UNITS)}")
    return unit


def lab_times_to_seconds(metadata: Mapping, path=None) -> dict:
    """Laboratory metadata with every time-valued key on the data's axis (seconds).

    The unit is ``time_unit``, else VarPy's ``datetime_format``, else seconds (then a
    :class:`~varpy.exceptions.DataWarning` says so); it is written to ``time_unit`` so it is
    explicit in the stored metadata. Each of :data:`LAB_TIME_KEYS` that holds a number is
    multiplied by the seconds per unit; the values as written go to ``source_times`` (with
    ``unit``), and ``time_axis`` is set to ``'seconds'``. Metadata already converted
    (``time_axis`` present) are returned unchanged, so the conversion happens once.

    Examples
    --------
    >>> out = lab_times_to_seconds({"t0": 0.0, "t1": 21.5, "tf": 137.9, "time_unit": "minutes"})
    >>> out["t1"], out["tf"], out["source_times"]
    (1290.0, 8274.0, {'unit': 'minutes', 't0': 0.0, 't1': 21.5, 'tf': 137.9})
    >>> lab_times_to_seconds(out) == out
    True
    """
    out = dict(metadata)
    if out.get("time_axis"):
        if out["time_axis"] != "seconds":
            raise MetadataError(f"time_axis {out['time_axis']!r}", path=path, key="time_axis",
                                expected="'seconds' (varpy's laboratory time axis)")
        return out
    present = {}
    for key in LAB_TIME_KEYS:
        value = out.get(key)
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, str):
            if not _NUMBER.fullmatch(value.strip()):
                if key in ("t0", "t1", "tf"):
                    raise MetadataError(f"{value!r} is not a number", path=path, key=key,
                                        expected="a time in the file's time_unit")
                continue  # a written date in time_start/time_finish: not on the axis
            value = float(value)
        present[key] = float(value)
    if not present:
        return out
    unit = out.get("time_unit") or out.get("datetime_format")
    if unit in (None, ""):
        warnings.warn(f"{str(path) + ': ' if path else ''}laboratory metadata give "
                      f"{', '.join(present)} without time_unit; taken as seconds (set "
                      "time_unit: seconds|minutes|hours to be explicit)", DataWarning,
                      stacklevel=3)
        unit = "seconds"
    unit = _unit(unit, "time_unit" if out.get("time_unit") else "datetime_format", path)
    scale = _SECONDS[unit]
    out["time_unit"] = unit
    out["source_times"] = {"unit": unit, **present}
    for key, value in present.items():
        out[key] = value * scale
    out["time_axis"] = "seconds"
    marks = [(k, out[k]) for k in ("t0", "t1", "tf") if k in present]
    for (k1, v1), (k2, v2) in zip(marks, marks[1:]):
        if v2 < v1:
            raise MetadataError(f"{k2} = {v2} comes before {k1} = {v1}", path=path, key=k2,
                                expected="t0 <= t1 (creep start) <= tf (failure)")
    return out


def check_lab_times(metadata: Mapping, times, *, path=None, what: str = "data") -> None:
    """Compare laboratory metadata times with the imported times (both seconds).

    Raises :class:`~varpy.exceptions.MetadataError` where they cannot both be right (``tf``
    before the first record, ``t1`` after the last) and warns (:class:`DataWarning`) where the
    records run past ``tf`` by more than 5 % of the experiment (post-failure records, or
    metadata and data written in different units); every message names both values.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     check_lab_times({"t0": 0.0, "tf": 137.9}, [10.0, 8000.0, 8274.0])
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    tf = 137.9 s is before the last data time 8274 s ...
    """
    import numpy as np

    values = np.asarray(times, dtype=np.float64)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return
    first, last = float(values.min()), float(values.max())
    where = f"{path}: " if path else ""
    unit = (metadata.get("source_times") or {}).get("unit")
    written = metadata.get("source_times") or {}

    def shown(key):
        text = f"{key} = {metadata[key]:.6g} s"
        if key in written and unit and unit != "seconds":
            text += f" ({written[key]:.6g} {unit} in the file)"
        return text

    tf, t1 = metadata.get("tf"), metadata.get("t1")
    if isinstance(tf, (int, float)) and not isinstance(tf, bool):
        if tf < first:
            raise MetadataError(f"{shown('tf')} is before the first {what} time {first:.6g} s",
                                path=path, key="tf", expected="tf within or after the data; "
                                "check time_unit of the metadata and of the data files")
        t0 = metadata.get("t0") if isinstance(metadata.get("t0"), (int, float)) else first
        if last - tf > 0.05 * max(tf - t0, 1e-12):
            warnings.warn(f"{where}{shown('tf')} is before the last {what} time {last:.6g} s "
                          f"(by {last - tf:.6g} s): post-failure records, or metadata and data "
                          "in different time units?", DataWarning, stacklevel=3)
    if isinstance(t1, (int, float)) and not isinstance(t1, bool) and t1 > last:
        raise MetadataError(f"{shown('t1')} is after the last {what} time {last:.6g} s",
                            path=path, key="t1", expected="t1 (creep start) within the data; "
                            "check time_unit of the metadata and of the data files")
