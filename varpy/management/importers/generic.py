"""Generic importers: any CSV/TSV table through a column mapping, and ObsPy event formats.

``read_table`` turns a delimited file with arbitrary column names into a canonical varpy
table: the user says which source column holds each canonical column (or the mapping is
inferred from unambiguous header names). ``read_obspy`` reads anything
:func:`obspy.read_events` reads (QuakeML, NLLoc, ...), and :func:`to_obspy_catalog` /
:func:`from_obspy_catalog` convert between varpy catalogues and ObsPy
:class:`~obspy.core.event.Catalog` objects; those live in
:mod:`varpy.management.importers.obspy_io` and are re-exported here.

May import: :mod:`varpy.exceptions`, :mod:`varpy.management.timeconv` and the importer
modules ``_parsing``, ``lab``, ``registry`` and ``obspy_io``.

Examples
--------
>>> import pathlib, tempfile
>>> from varpy.management.importers.generic import read_table
>>> path = pathlib.Path(tempfile.mkdtemp()) / "cat.csv"
>>> _ = path.write_text("when,lat,lon,z,ml\\n2011-10-10T12:00:00Z,27.7,-18.0,12.5,2.1\\n")
>>> cat = read_table(path, columns={"time": "when", "latitude": "lat", "longitude": "lon",
...                                 "depth": "z", "magnitude": "ml"})
>>> cat.columns.tolist()
['time', 'latitude', 'longitude', 'depth', 'magnitude']
>>> str(cat["time"].iloc[0]), float(cat["depth"].iloc[0])
('2011-10-10 12:00:00+00:00', 12.5)
"""
from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError
from varpy.management.importers import _parsing as P
from varpy.management.importers.lab import seconds_per_unit
from varpy.management.importers.obspy_io import (  # noqa: F401  (public path of these names)
    from_obspy_catalog, read_obspy, read_quakeml, to_obspy_catalog)
from varpy.management.importers.registry import TIME_COLUMNS, register
from varpy.management.timeconv import from_ordinal_days

__all__ = [
    "read_table",
    "read_obspy",
    "to_obspy_catalog",
    "from_obspy_catalog",
    "TEXT_COLUMNS",
    "REQUIRED_COLUMNS",
    "HEADER_NAMES",
    "infer_columns",
]

log = logging.getLogger(__name__)

#: Canonical columns kept as text; every other mapped column is read as float64.
TEXT_COLUMNS = frozenset({"event_id", "magnitude_type", "place", "intensity", "quality",
                          "type", "vent", "elevation", "description", "region", "station"})
#: Columns each datatype must have (docs/design.md); ``None`` entries mean "at least one value
#: column".
REQUIRED_COLUMNS = {
    "ecvd": ("time", "magnitude"),
    "scvd": ("time", None),
    "evd": ("start",),
    "ecld": ("time", ("magnitude", "amplitude", "energy")),
    "scld": ("time", None),
}
#: ECVD columns that may be absent from a catalogue (early-warning lists hold only times and
#: magnitudes): filled with NaN and recorded (import note ``absent_columns``).
OPTIONAL_ECVD = ("latitude", "longitude", "depth")
_VOLCANIC = ("ecvd", "scvd", "evd")
_TIME_TARGETS = ("time", "start", "end")
#: Header names (normalised: lower case, units in brackets dropped, separators as '_') that
#: name a canonical column unambiguously.
HEADER_NAMES = {
    "time": ("time", "datetime", "date_time", "origin_time", "origintime", "timestamp",
             "time_utc", "utc_time"),
    "magnitude": ("magnitude", "mag", "ml", "md", "mw", "mb", "mbl", "mblg", "m"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "long", "lng"),
    "depth": ("depth", "depth_km", "prof", "profundidad"),
    "event_id": ("event_id", "eventid", "id", "evento", "event"),
    "magnitude_type": ("magnitude_type", "mag_type", "magtype", "tipo_mag"),
    "place": ("place", "region", "locality", "localizacion", "location"),
    "intensity": ("intensity", "int", "inten"),
    "amplitude": ("amplitude", "amp"),
    "energy": ("energy",),
    "start": ("start", "start_time", "onset", "start_date"),
    "end": ("end", "end_time", "end_date"),
}
_DATE_NAMES = ("date", "fecha", "day")
_CLOCK_NAMES = ("time", "hour", "hora", "clock", "time_of_day")
#: Field separators by name: ``'blanks'`` (or ``'whitespace'``) is any run of blanks and tabs.
SEPARATORS = {"blanks": r"\s+", "whitespace": r"\s+", "tab": "\t", "comma": ",",
              "semicolon": ";"}


def _normal(name) -> str:
    text = re.sub(r"\(.*?\)|\[.*?\]", "", str(name)).strip().lower()
    text = re.sub(r"[^0-9a-z]+", "_", text).strip("_")
    return text


def infer_columns(names, kind: str, path=None) -> dict:
    """A ``columns=`` mapping from header names, where they are unambiguous.

    ``time``/``datetime``/``origin_time`` (or ``date`` and ``time``/``hour`` joined), ``mag``/
    ``ml``/``md``/``magnitude``, ``lat``, ``lon``, ``depth``, ``id``, ... (:data:`HEADER_NAMES`,
    compared case-insensitively, units in brackets ignored). For SCVD and SCLD every other
    column is a value column under its own name.

    Raises
    ------
    DataFormatError
        Two header names claim one canonical column, or a required column is not found; the
        message lists the columns found and the canonical names they could map to.

    Examples
    --------
    >>> infer_columns(["Date", "Time", "Md", "Lat (deg)"], "ecvd")
    {'time': ('Date', 'Time'), 'magnitude': 'Md', 'latitude': 'Lat (deg)'}
    """
    names = list(names)
    normal = {name: _normal(name) for name in names}
    lookup = {alias: target for target, aliases in HEADER_NAMES.items() for alias in aliases}
    claims: dict[str, list] = {}
    dates = [n for n in names if normal[n] in _DATE_NAMES]
    clocks = [n for n in names if normal[n] in _CLOCK_NAMES]
    time_target = "start" if kind == "evd" else "time"
    used = set()
    if len(dates) == 1 and len(clocks) <= 1:
        claims[time_target] = [tuple(dates + clocks) if clocks else dates[0]]
        used.update(dates + clocks)
    for name in names:
        if name in used:
            continue
        target = lookup.get(normal[name])
        if target == "time" and kind == "evd":
            target = "start"
        if target is not None:
            claims.setdefault(target, []).append(name)
    mapping = {}
    for target, sources in claims.items():
        if len(sources) > 1:
            raise DataFormatError(
                f"header columns {', '.join(map(repr, sources))} could each be {target!r}",
                path=path, line=1, column=str(sources[0]),
                expected=f"columns={{{target!r}: <one of them>, ...}}; "
                         + _found_text(names, normal, lookup))
        mapping[target] = sources[0]
    if kind in ("scvd", "scld"):
        mapped = {s for v in mapping.values() for s in (v if isinstance(v, tuple) else (v,))}
        for name in names:
            if name not in mapped and normal[name] and normal[name] not in mapping:
                mapping[normal[name]] = name
    for need in REQUIRED_COLUMNS[kind]:
        needs = need if isinstance(need, tuple) else (need,)
        if need is not None and not any(n in mapping for n in needs):
            wanted = "one of " + ", ".join(needs) if len(needs) > 1 else repr(needs[0])
            raise DataFormatError(
                f"no header column is {wanted}, which a {kind} table needs", path=path, line=1,
                column=needs[0], expected="columns={canonical: header name, ...}; "
                + _found_text(names, normal, lookup))
    return mapping


def _found_text(names, normal, lookup) -> str:
    found = ", ".join(f"{n!r}" + (f" (-> {lookup[normal[n]]})" if normal[n] in lookup else "")
                      for n in names)
    canon = ", ".join(HEADER_NAMES)
    return f"header columns: {found}; canonical names: {canon}"


def _check_mapping(columns, kind: str, path) -> dict:
    if not isinstance(columns, Mapping) or not columns:
        raise DataFormatError("read_table needs columns={canonical name: source column}",
                              path=path, expected="for example {'time': 'origin_time', "
                              "'magnitude': 'mag', ...}")
    mapping = {}
    for target, source in columns.items():
        if isinstance(source, (list, tuple)):
            if target not in _TIME_TARGETS or not source:
                raise DataFormatError(f"only time columns may join several source columns; "
                                      f"{target!r} maps to {source!r}", path=path,
                                      column=target, expected="one source column")
            mapping[str(target)] = tuple(source)
        else:
            mapping[str(target)] = (source,)
    for need in REQUIRED_COLUMNS[kind]:
        if need is None:
            if not [t for t in mapping if t not in (*_TIME_TARGETS, *TEXT_COLUMNS)]:
                raise DataFormatError(f"a {kind} table needs at least one value column",
                                      path=path, expected="e.g. columns={'time': ..., "
                                                          "'tilt': ...}")
        elif isinstance(need, tuple):
            if not any(n in mapping for n in need):
                raise DataFormatError(f"a {kind} table needs one of {', '.join(need)}",
                                      path=path, column=need[0],
                                      expected=f"columns= mapping one of {', '.join(need)}")
        elif need not in mapping:
            named = ", ".join(n for n in REQUIRED_COLUMNS[kind] if isinstance(n, str))
            raise DataFormatError(f"columns= does not map {need!r}, which a {kind} table needs",
                                  path=path, column=need, expected=f"a mapping for {named}")
    return mapping


def read_table(path, *, columns: Mapping | None = None, kind: str = "ecvd", sep: str = ",",
               header: bool = True, time_format: str | None = None,
               time_unit: str = "seconds", missing: Sequence[float] = (),
               encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV/TSV table whose columns are named by a user mapping.

    Parameters
    ----------
    path : path-like
    columns : mapping, optional
        ``{canonical name: source column}``. Source columns are header names, or 0-based
        positions when ``header=False``. A time column may join several source columns with a
        space, e.g. ``{'time': ('date', 'hour')}`` with ``time_format='%d/%m/%Y %H:%M:%S'``
        or, without a header, ``{'time': (0, 1, 2, 3)}`` with ``time_format='%Y %m %d %H:%M'``.
        Text columns (:data:`TEXT_COLUMNS`) stay text; the others are read as float64.
        Default: inferred from unambiguous header names (:func:`infer_columns`). ECVD needs
        only ``time`` and ``magnitude``: absent coordinates and depth are NaN columns (recorded
        as the import note ``absent_columns``).
    kind : {'ecvd', 'scvd', 'evd', 'ecld', 'scld'}
        Datatype; decides the required columns (:data:`REQUIRED_COLUMNS`) and the time scale.
    sep : str
        Field separator (``','``, ``'\\t'``, ``';'``), or ``'blanks'`` for runs of blanks and
        tabs (aligned tables).
    header : bool
        The first line holds column names.
    time_format : str, optional
        Volcanic kinds: a ``strptime`` format, ``'ordinal'`` (VarPy ordinal days), ``'unix'``
        (seconds since 1970) or None for ISO 8601 (time zones honoured; naive times are UTC).
    time_unit : {'seconds', 'minutes', 'hours'}
        Laboratory kinds: unit of the time column, converted to seconds.
    missing : sequence of float
        Codes that mean "no value" in numeric columns (e.g. ``(-999,)``).
    encoding : str, optional
        Text encoding; default: UTF-8 if the file decodes as UTF-8, else latin-1 (a BOM
        is dropped).

    Returns
    -------
    pandas.DataFrame
        The mapped columns under their canonical names, sorted by time.
    """
    kind = str(kind).lower()
    if kind not in TIME_COLUMNS:
        raise DataFormatError(f"unknown datatype {kind!r}", path=path,
                              expected=f"one of {', '.join(TIME_COLUMNS)}")
    path = P.check_file(path)
    encoding = P.resolve_encoding(path, encoding)
    if not isinstance(sep, str) or not sep:
        raise DataFormatError(f"sep={sep!r}", path=path, key="sep",
                              expected=f"one character or one of {', '.join(SEPARATORS)}")
    sep = SEPARATORS.get(sep.lower(), sep)
    if columns is None:
        columns = _inferred(path, kind, sep, header, encoding)
    if not isinstance(missing, (list, tuple, np.ndarray)) or not all(
            isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in missing):
        raise DataFormatError(f"missing={missing!r}", path=path, key="missing",
                              expected="a list of numbers that mean 'no value', e.g. [-999]")
    mapping = _check_mapping(columns, kind, path)
    sources = list(dict.fromkeys(s for group in mapping.values() for s in group))
    numeric_times = kind not in _VOLCANIC or str(time_format).lower() in ("ordinal", "unix")
    text_sources = {s for t, group in mapping.items()
                    if t in TEXT_COLUMNS or (t in _TIME_TARGETS and not numeric_times)
                    for s in group}
    first_line = 2 if header else 1
    options = dict(sep=sep, header=0 if header else None, encoding=encoding,
                   skip_blank_lines=False, keep_default_na=False,
                   na_values=list(P.MISSING_TEXT), engine="c")
    try:
        table = pd.read_csv(path, **options)
        # text that pandas read as numbers: read those columns again as text ('007', '0930')
        reread = [s for s in text_sources if s in table.columns
                  and not pd.api.types.is_string_dtype(table[s]) and table[s].notna().any()]
        if reread:
            text = pd.read_csv(path, usecols=reread, dtype={s: "str" for s in reread},
                               **options)
            for source in reread:
                table[source] = text[source]
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding) from exc
    except (pd.errors.ParserError, ValueError) as exc:
        layout = f"{P._SEP_NAMES.get(sep, repr(sep))}-separated fields"
        raise DataFormatError(f"cannot split the file into columns: {exc}", path=path,
                              expected=("a header line and " if header else "") + layout) from exc
    absent = [s for s in sources if s not in table.columns]
    if absent:
        raise DataFormatError(f"source column(s) {', '.join(map(repr, absent))} not in the file",
                              path=path, line=1 if header else None, column=absent[0],
                              expected=f"one of {', '.join(map(repr, table.columns))}")
    blank = table[sources].isna().all(axis=1).to_numpy()
    lines = np.arange(len(table)) + first_line
    if blank.any():
        table, lines = table.loc[~blank], lines[~blank]
    if table.empty:
        raise DataFormatError("no data lines", path=path, line=first_line,
                              expected="at least one row of values")
    result = {}
    sort_key = None
    for target, group in mapping.items():
        if target in _TIME_TARGETS:
            key = _time_column(table, group, kind, time_format, time_unit, path, lines,
                               required=(target != "end"), target=target)
            result[target] = P.utc_series(key) if kind in _VOLCANIC else key
            if target == TIME_COLUMNS[kind]:
                sort_key = key
        elif target in TEXT_COLUMNS:
            result[target] = P.clean_text(table[group[0]].astype("str"))
        else:
            result[target] = _numbers(table[group[0]], path, lines, group[0], missing)
    if kind == "evd" and "end" not in result:
        result["end"] = P.utc_series(np.full(len(table), np.iinfo(np.int64).min))
    absent = [c for c in OPTIONAL_ECVD if c not in result] if kind == "ecvd" else []
    for name in absent:
        result[name] = np.full(len(table), np.nan)
    ordered = {k: result[k] for k in [TIME_COLUMNS[kind]] + [k for k in result
                                                             if k != TIME_COLUMNS[kind]]}
    frame = P.assemble(ordered, sort_key)
    if absent:
        P.add_note(frame, absent_columns=absent)
    return frame


def _inferred(path, kind, sep, header, encoding) -> dict:
    """The column mapping inferred from the header (see :func:`infer_columns`)."""
    if not header:
        with open(path, encoding=encoding) as fh:
            first = next((line for line in fh if line.strip()), "").rstrip("\r\n")
        fields = re.split(sep, first.strip()) if sep == r"\s+" else first.split(sep)
        raise DataFormatError(
            "a table without a header needs columns= naming the fields by position", path=path,
            key="columns", expected=f"e.g. columns={{'time': (0, 1), 'magnitude': 2}} for the "
            f"{len(fields)} fields of the first line {fields[:8]}")
    try:
        names = pd.read_csv(path, sep=sep, nrows=0, encoding=encoding,
                            engine="python" if len(sep) > 1 else "c").columns
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise DataFormatError(f"cannot read the header line: {exc}", path=path, line=1,
                              expected="a header line of column names") from exc
    return infer_columns([str(n) for n in names], kind, path)


def _decode_error(path, encoding) -> DataFormatError:
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as exc:
                return P.decode_error(path, raw, lineno, exc, encoding)
    return DataFormatError(f"cannot decode the file as {encoding}", path=path)


def _numbers(col: pd.Series, path, lines, source, missing) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=np.float64)
    else:
        values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
        bad = np.isnan(values) & col.notna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataFormatError(f"cannot read {col.iloc[i]!r} as a number", path=path,
                                  line=int(lines[i]), column=source,
                                  expected="a number or an empty field")
    if len(missing):
        values = np.where(np.isin(values, np.asarray(missing, dtype=np.float64)), np.nan, values)
    return values


def _time_column(table, group, kind, time_format, time_unit, path, lines, *, required, target):
    name = " + ".join(map(str, group))
    if len(group) == 1:
        text = table[group[0]]
    else:
        text = table[group[0]].astype("str")
        for source in group[1:]:
            text = text + " " + table[source].astype("str")
    present = text.notna().to_numpy()
    if required and not present.all():
        i = int(np.flatnonzero(~present)[0])
        raise DataFormatError(f"missing {target}", path=path, line=int(lines[i]), column=name,
                              expected="a time on every line")
    if kind not in _VOLCANIC:
        values = _numbers(text, path, lines, name, ())
        return values * seconds_per_unit(time_unit, path=path)
    fmt = (time_format or "").lower()
    if fmt in ("ordinal", "unix"):
        values = _numbers(text, path, lines, name, ())
        ok = ~np.isnan(values)
        filled = np.where(ok, values, 0.0 if fmt == "unix" else 719163.0)  # NaN -> 1970-01-01
        if fmt == "ordinal":
            idx = pd.DatetimeIndex(from_ordinal_days(filled))
        else:
            idx = pd.to_datetime(filled, unit="s", utc=True)
        ns = idx.as_unit("ns").asi8.copy()
    elif time_format:
        ns, ok = P.datetime_ns(text.astype("str"), time_format)
    else:
        parsed = pd.to_datetime(text.astype("str"), format="ISO8601", utc=True, errors="coerce")
        ok = parsed.notna().to_numpy().copy()
        years = parsed.dt.year.to_numpy()
        ok &= (years >= P.YEAR_MIN) & (years <= P.YEAR_MAX) | ~ok
        ns = parsed.where(ok).astype("datetime64[ns, UTC]").array.asi8.copy()
    bad = ~ok & present
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"cannot read {text.iloc[i]!r} as a time", path=path,
                              line=int(lines[i]), column=name,
                              expected=(f"times formatted as {time_format!r}" if time_format
                                        else "ISO 8601 times such as 2011-10-10T12:00:00Z (or "
                                             "give time_format=)"))
    ns[~ok] = np.iinfo(np.int64).min
    return ns


def _with_separator(sep: str, name: str, doc: str):
    """A :func:`read_table` whose ``sep`` defaults to ``sep``, with read_table's signature (so
    that the registry checks its options)."""
    def reader(path, **options):
        options.setdefault("sep", sep)
        return read_table(path, **options)

    signature = inspect.signature(read_table)
    reader.__signature__ = signature.replace(parameters=[
        p.replace(default=sep) if p.name == "sep" else p
        for p in signature.parameters.values()])
    reader.__name__ = reader.__qualname__ = name
    reader.__doc__ = doc
    return reader


read_csv_table = _with_separator(
    ",", "read_csv_table", ":func:`read_table` with comma-separated fields (registered as "
                           "``'csv'``).")
read_tsv_table = _with_separator(
    "\t", "read_tsv_table", ":func:`read_table` with tab-separated fields (registered as "
                            "``'tsv'``).")


_ALL = tuple(TIME_COLUMNS)
register("csv", read_csv_table, kinds=_ALL,
         description="comma-separated table; columns={canonical: source} (inferred from a "
                     "header when unambiguous), header, time_format, time_unit, missing")
register("tsv", read_tsv_table, kinds=_ALL,
         description="tab-separated table; columns={canonical: source} (inferred from a "
                     "header when unambiguous), header, time_format, time_unit, missing")
register("quakeml", read_quakeml, kinds=("ecvd",),
         description="QuakeML event file, through obspy.read_events")
register("obspy", read_obspy, kinds=("ecvd",),
         description="any event format obspy.read_events reads; option obspy_format")
