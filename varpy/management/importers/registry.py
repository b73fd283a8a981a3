"""The registry of data importers: name -> reader, and the choice of importer for a file.

An importer is a function ``reader(path, **options) -> pandas.DataFrame`` returning the canonical
columns of its datatype (docs/design.md, "Data contracts"). Readers that need the datatype's
metadata declare a ``metadata`` keyword parameter and receive the metadata dict.

Examples
--------
>>> import pandas as pd
>>> from varpy.management import importers
>>> def read_my_tilt(path, **options):
...     table = pd.read_csv(path)
...     return pd.DataFrame({"time": pd.to_datetime(table["date"], utc=True),
...                          "tilt": table["tilt"].astype(float)})
>>> spec = importers.register("my_tilt", read_my_tilt, kinds=("scvd",),
...                           description="CSV with date and tilt columns", replace=True)
>>> "my_tilt" in importers.available("scvd")
True
>>> importers.detect_format("ecvd", {"location": "Etna"})
'etna_ingv'
>>> importers.unregister("my_tilt")
"""
from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import pandas as pd

from varpy.exceptions import DataFormatError, MetadataError, UnknownFormatError, VarpyError

__all__ = [
    "KINDS",
    "TIME_COLUMNS",
    "LEGACY_NAMES",
    "ImporterSpec",
    "register",
    "unregister",
    "get",
    "available",
    "detect_format",
    "read",
    "check_options",
    "reader_options",
]

log = logging.getLogger(__name__)

#: The datatypes, and the column each is sorted by.
TIME_COLUMNS = {"ecvd": "time", "scvd": "time", "evd": "start", "ecld": "time", "scld": "time"}
KINDS = tuple(TIME_COLUMNS)

#: VarPy 2016 ``location``/``format`` metadata values and the importer each meant, per datatype.
LEGACY_NAMES: dict[str, dict[str, str]] = {
    "etna": {"ecvd": "etna_ingv", "scvd": "etna_tilt", "evd": "etna_eruptions"},
    "hierro": {"ecvd": "ign_fixed"},
    "hierro_web": {"ecvd": "ign_web"},
    "imo": {"ecvd": "imo"},
    "hvo": {"ecvd": "hvo"},
    "ucl": {"scld": "ucl_v1", "ecld": "ae_two_column"},
    "uclv1": {"scld": "ucl_v1", "ecld": "ae_two_column"},
}

#: File name endings that identify a format without metadata.
_SUFFIXES = {".xml": "quakeml", ".qml": "quakeml", ".quakeml": "quakeml"}


@dataclass(frozen=True)
class ImporterSpec:
    """A registered importer.

    Attributes
    ----------
    name : str
        Registry key (lower case).
    reader : callable
        ``reader(path, **options) -> DataFrame``.
    kinds : tuple of str
        Datatypes the reader produces (``'ecvd'``, ``'scvd'``, ``'evd'``, ``'ecld'``, ``'scld'``).
    description : str
        One line for listings.
    required_metadata : tuple of str
        Metadata keys that must be present to use this importer.
    takes_metadata : bool
        Whether ``reader`` has a ``metadata`` parameter (then :func:`read` passes the dict).
    """

    name: str
    reader: Callable[..., pd.DataFrame]
    kinds: tuple
    description: str = ""
    required_metadata: tuple = ()
    takes_metadata: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        return f"{self.name} ({', '.join(self.kinds)}): {self.description}"


_REGISTRY: dict[str, ImporterSpec] = {}


def _normalise_kind(kind) -> str:
    if not isinstance(kind, str) or kind.lower() not in TIME_COLUMNS:
        raise UnknownFormatError("datatype", str(kind), KINDS)
    return kind.lower()


def register(name: str, reader: Callable[..., pd.DataFrame], kinds=("ecvd",), *,
             description: str = "", required_metadata=(), replace: bool = False) -> ImporterSpec:
    """Register a reader under ``name`` so that :func:`read` and ``add_datatype`` can use it.

    Parameters
    ----------
    name : str
        Importer name; matched case-insensitively.
    reader : callable
        ``reader(path, **options) -> pandas.DataFrame`` with the canonical columns of its
        datatype. Declare a ``metadata`` parameter to receive the metadata dict.
    kinds : str or sequence of str
        Datatypes the reader produces.
    description : str
        One line shown by :func:`available`.
    required_metadata : sequence of str
        Metadata keys the importer needs; :func:`read` refuses metadata without them.
    replace : bool
        Replace an importer of the same name (otherwise that is an error).

    Returns
    -------
    ImporterSpec
    """
    if not isinstance(name, str) or not name.strip():
        raise VarpyError(f"importer name must be a non-empty string, not {name!r}")
    if not callable(reader):
        raise VarpyError(f"reader of importer {name!r} must be callable, not "
                         f"{type(reader).__name__}")
    key = name.strip().lower()
    if key in _REGISTRY and not replace:
        raise VarpyError(f"an importer named {key!r} is already registered "
                         f"({_REGISTRY[key].description}); pass replace=True to replace it")
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    if not kinds:
        raise VarpyError(f"importer {key!r} must produce at least one datatype of {KINDS}")
    kinds = tuple(_normalise_kind(k) for k in kinds)
    try:
        takes_metadata = "metadata" in inspect.signature(reader).parameters
    except (TypeError, ValueError):  # builtins without a signature
        takes_metadata = False
    spec = ImporterSpec(key, reader, kinds, description, tuple(required_metadata), takes_metadata)
    _REGISTRY[key] = spec
    return spec


def unregister(name: str) -> None:
    """Remove an importer (mainly for tests and interactive sessions)."""
    _REGISTRY.pop(get(name).name)


def get(name: str) -> ImporterSpec:
    """The importer registered as ``name``; unknown names raise UnknownFormatError."""
    key = str(name).strip().lower()
    if key not in _REGISTRY:
        raise UnknownFormatError("importer", str(name), _REGISTRY)
    return _REGISTRY[key]


def available(kind: str | None = None) -> dict[str, ImporterSpec]:
    """Registered importers (of one datatype if ``kind`` is given), sorted by name."""
    if kind is not None:
        kind = _normalise_kind(kind)
    return {name: spec for name, spec in sorted(_REGISTRY.items())
            if kind is None or kind in spec.kinds}


def _resolve(kind: str, value: str, source: str, path) -> str:
    """An importer name for a format/location value: a registered name or a VarPy name."""
    key = str(value).strip().lower()
    legacy = LEGACY_NAMES.get(key)
    if legacy is not None:
        if kind in legacy:
            return legacy[kind]
        raise UnknownFormatError(
            f"importer for {kind} ({source} {value!r} is a VarPy name for "
            f"{'/'.join(sorted(legacy))} data; give format=)", str(value), available(kind))
    if key in _REGISTRY:
        if kind not in _REGISTRY[key].kinds:
            raise UnknownFormatError(
                f"{kind} importer (importer {key!r} reads {', '.join(_REGISTRY[key].kinds)})",
                str(value), available(kind))
        return key
    known = list(available(kind)) + [k for k, v in LEGACY_NAMES.items() if kind in v]
    raise UnknownFormatError(f"{kind} importer ({source})", str(value), known)


def detect_format(kind: str, metadata: Mapping | None = None, path=None, *,
                  format: str | None = None) -> str:
    """Choose the importer for a file.

    Order: explicit ``format`` > ``metadata['format']`` > ``metadata['location']`` (VarPy's
    names ``Etna``, ``Hierro``, ``Hierro_web``, ``IMO``, ``HVO``, ``UCL``/``UCLv1``) > the
    file suffix (``.xml``/``.qml``/``.quakeml`` -> ``quakeml``).

    Parameters
    ----------
    kind : str
        Datatype: ``'ecvd'``, ``'scvd'``, ``'evd'``, ``'ecld'`` or ``'scld'``.
    metadata : mapping, optional
    path : path-like, optional
        The data file (its suffix is the last resort; also named in errors).
    format : str, optional
        Explicit importer name (or VarPy name).

    Returns
    -------
    str
        A registered importer name.

    Raises
    ------
    UnknownFormatError
        The named format does not exist or does not produce ``kind``.
    MetadataError
        Nothing identifies the format.
    """
    kind = _normalise_kind(kind)
    metadata = metadata or {}
    if format is not None:
        return _resolve(kind, format, "format", path)
    if metadata.get("format") not in (None, ""):
        return _resolve(kind, metadata["format"], "metadata 'format'", path)
    if metadata.get("location") not in (None, ""):
        return _resolve(kind, metadata["location"], "metadata 'location'", path)
    if path is not None and Path(path).suffix.lower() in _SUFFIXES:
        guess = _SUFFIXES[Path(path).suffix.lower()]
        if guess in _REGISTRY and kind in _REGISTRY[guess].kinds:
            return guess
    names = ", ".join(available(kind))
    places = ", ".join(k for k, v in LEGACY_NAMES.items() if kind in v)
    raise MetadataError("cannot tell which importer reads this file", path=path, key="format",
                        expected=f"format= or a metadata 'format' among {names}, or a VarPy "
                                 f"'location' ({places})")


def read(path, kind: str, format: str | None = None, metadata: Mapping | None = None,
         **options) -> pd.DataFrame:
    """Read a data file into the canonical DataFrame of datatype ``kind``.

    Parameters
    ----------
    path : path-like
        The data file.
    kind : str
        Datatype: ``'ecvd'``, ``'scvd'``, ``'evd'``, ``'ecld'`` or ``'scld'``.
    format : str, optional
        Importer name; otherwise chosen by :func:`detect_format` from ``metadata``.
    metadata : mapping, optional
        The datatype's metadata (checked for the importer's required keys and passed to
        readers that take it). A dict given here receives, under the key ``'import'``, what the
        import changed (``rows_moved`` when rows were sorted into time order,
        ``absent_columns`` filled with NaN), so that nothing is reordered silently. Lab
        metadata times are compared with the data
        (:func:`varpy.management.metadata.check_lab_times`).
    **options
        Passed to the reader (see each reader's documentation); checked first against the
        reader's parameters (:func:`check_options`).

    Returns
    -------
    pandas.DataFrame
        Canonical columns, stably sorted by the datatype's time column, with a RangeIndex.

    Raises
    ------
    DataFormatError
        The file does not match the format (the message names the line and column), an
        option has the wrong type or a required option is missing.
    DataFileNotFoundError
        The file does not exist (also a ``FileNotFoundError``).
    UnknownFormatError, MetadataError
        The importer cannot be chosen, an option is unknown, or required metadata are
        missing.
    """
    kind = _normalise_kind(kind)
    name = detect_format(kind, metadata, path, format=format)
    spec = _REGISTRY[name]
    record = metadata if isinstance(metadata, dict) else None
    metadata = dict(metadata or {})
    for key in spec.required_metadata:
        if metadata.get(key) in (None, ""):
            needed = ", ".join(spec.required_metadata)
            raise MetadataError(f"importer {name!r} needs metadata key {key!r}", path=path,
                                key=key, expected=f"metadata with {needed}")
    check_options(spec, options, path=path)
    _check_path(path)
    if spec.takes_metadata:
        options["metadata"] = metadata
    if len(spec.kinds) > 1 and "kind" in _parameters(spec.reader):
        options.setdefault("kind", kind)
    frame = spec.reader(path, **options)
    frame = conform(frame, kind, path=path, importer=name)
    if kind in ("ecld", "scld") and metadata:
        from varpy.management.metadata import check_lab_times

        check_lab_times(metadata, frame["time"].to_numpy(), path=path,
                        what="event" if kind == "ecld" else "sample")
    notes = frame.attrs.pop(IMPORT_NOTES, None)
    if notes:
        log.info("%s: %s", path, "; ".join(f"{k}: {v}" for k, v in notes.items()))
        if record is not None:
            record.setdefault("import", {}).update(notes)
    return frame


#: ``DataFrame.attrs`` key under which readers leave notes on what the import changed
#: (the same as ``_columns.IMPORT_NOTES``; kept literal so the registry imports no parser).
IMPORT_NOTES = "varpy_import"
_HIDDEN = ("path", "metadata", "kind")


def reader_options(reader) -> dict[str, inspect.Parameter]:
    """The options a reader takes (keyword parameters other than path, metadata and kind), or
    ``{}`` plus ``None`` under ``'**'`` when it takes arbitrary keywords."""
    params = _parameters(reader)
    out = {}
    for pname, param in params.items():
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            out["**"] = None
        elif (param.kind in (inspect.Parameter.KEYWORD_ONLY,
                             inspect.Parameter.POSITIONAL_OR_KEYWORD)
              and pname not in _HIDDEN and pname != next(iter(params))):
            out[pname] = param
    return out


def _type_ok(value, param: inspect.Parameter) -> str | None:
    """None if ``value`` fits the parameter's default (or ``str | None`` annotation), else what
    would fit."""
    import numbers

    default = param.default
    if default is inspect.Parameter.empty or default is None:
        annotation = param.annotation if isinstance(param.annotation, str) else ""
        if annotation.replace(" ", "") in ("str|None", "str", "Optional[str]"):
            return None if value is None or isinstance(value, str) else "text"
        return None
    if isinstance(default, bool):
        return None if isinstance(value, bool) else "True or False"
    if isinstance(default, int):
        return None if isinstance(value, numbers.Integral) and not isinstance(value, bool) \
            else "an integer"
    if isinstance(default, float):
        return None if isinstance(value, numbers.Real) and not isinstance(value, bool) \
            else "a number"
    if isinstance(default, str):
        return None if isinstance(value, str) else "text"
    if isinstance(default, (tuple, list)):
        return None if isinstance(value, (tuple, list)) or hasattr(value, "__array__") \
            else "a list of values"
    return None


def check_options(spec: ImporterSpec, options: Mapping, *, path=None) -> None:
    """Refuse options the importer does not take, of the wrong type, or missing.

    Raises
    ------
    UnknownFormatError
        An option the reader does not have (the message lists those it has).
    DataFormatError
        An option of the wrong type, or a required option not given; names the option.
    """
    allowed = reader_options(spec.reader)
    if "**" in allowed:
        return  # a reader taking **options checks them itself
    for key, value in options.items():
        if key not in allowed:
            raise UnknownFormatError(f"option of importer {spec.name!r}", str(key),
                                     allowed or ["(none)"])
        want = _type_ok(value, allowed[key])
        if want is not None:
            raise DataFormatError(f"option {key}={value!r} of importer {spec.name!r} is a "
                                  f"{type(value).__name__}", path=path, key=key,
                                  expected=f"{want} (default {allowed[key].default!r})")
    absent = [k for k, p in allowed.items()
              if p.default is inspect.Parameter.empty and k not in options]
    if absent:
        raise DataFormatError(f"importer {spec.name!r} needs option {absent[0]!r}", path=path,
                              key=absent[0], expected=f"{absent[0]}=... ({spec.description})")


def _check_path(path) -> None:
    """Every importer gets an existing, non-empty regular file (or a located error)."""
    from varpy.management.importers._text import check_file

    check_file(path)


def _parameters(func) -> Mapping:
    try:
        return inspect.signature(func).parameters
    except (TypeError, ValueError):
        return {}


def conform(frame, kind: str, *, path=None, importer: str = "") -> pd.DataFrame:
    """Check a reader's result and apply the table conventions (stable time sort, RangeIndex).

    Built-in readers already comply (then this costs one monotonicity check); user readers get
    sorted here and are refused if they return something that is not a table with a time
    column.
    """
    kind = _normalise_kind(kind)
    time_col = TIME_COLUMNS[kind]
    if not isinstance(frame, pd.DataFrame):
        raise DataFormatError(f"importer {importer!r} returned {type(frame).__name__}, not a "
                              "pandas DataFrame", path=path, expected="a pandas.DataFrame")
    if time_col not in frame.columns:
        raise DataFormatError(f"importer {importer!r} returned no {time_col!r} column "
                              f"(columns: {', '.join(map(str, frame.columns))})", path=path,
                              column=time_col,
                              expected=f"a {kind} table with a {time_col!r} column")
    times = frame[time_col]
    if not times.is_monotonic_increasing:
        frame = frame.sort_values(time_col, kind="stable", na_position="last")
        moved = int((frame.index.to_numpy() != times.index.to_numpy()).sum())
        frame.attrs.setdefault(IMPORT_NOTES, {})["rows_moved"] = moved
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or \
            frame.index.step != 1:
        frame = frame.reset_index(drop=True)
    return frame
