"""Readers of volcano-observatory files: catalogues (ECVD), tilt (SCVD), eruption lists (EVD).

Every reader returns the canonical table of docs/design.md ("Data contracts"): times are
``datetime64[ns, UTC]``, missing-value codes (INGV magnitude 0.0, IGN -999 and 999, blank HVO
fields) are NaN, and rows are stably sorted by time with a RangeIndex. Bad input raises
:class:`~varpy.exceptions.DataFormatError` naming the file, line and column.

======================  ======  ============================================================
importer                kind    file
======================  ======  ============================================================
``etna_ingv``           ecvd    INGV-CT Etna catalogue (tab-separated, ``dd-mm-yyyy``)
``ign_web``             ecvd    IGN web table (tab-separated, 2 header lines, latin-1, -999)
``ign_fixed``           ecvd    IGN fixed-width catalogue (1 header line, latin-1, 999); the
                                reader lives in :mod:`~varpy.management.importers.ign_fixed`
``imo``                 ecvd    IMO numeric table (VarPy ordinal day, lat, lon, depth, M)
``hvo``                 ecvd    HVO fixed-width catalogue (with region code)
``etna_tilt``           scvd    INGV-CT daily tilt (``dd/mm/yyyy`` and value)
``etna_eruptions``      evd     Etna eruption list (start, end, type, vent, elevation, area,
                                volume, description)
======================  ======  ============================================================

May import: :mod:`varpy.exceptions`, :mod:`varpy.management.timeconv` and the importer
modules ``_parsing``, ``registry`` and ``ign_fixed``.

Examples
--------
>>> import pathlib, tempfile
>>> from varpy.management.importers.volcanic import read_etna_ingv
>>> path = pathlib.Path(tempfile.mkdtemp()) / "etna.txt"
>>> rows = ["2  19-08-1999  09:48:05  37.537  14.892  16.72  0.0  1  S Paterno",
...         "1  19-08-1999  09:46:11  37.649  14.893  19.40  2.0  2  Biancavilla"]
>>> _ = path.write_text("".join(r.replace("  ", "\\t") + "\\r\\n" for r in rows))
>>> cat = read_etna_ingv(path)
>>> cat[["event_id", "magnitude", "magnitude_type"]]
  event_id  magnitude magnitude_type
0        1        2.0             ML
1        2        NaN             MD
>>> str(cat["time"].iloc[0])
'1999-08-19 09:46:11+00:00'
"""
from __future__ import annotations

import logging
import re
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from varpy.exceptions import DataFormatError, DataWarning
from varpy.management.importers import _parsing as P
from varpy.management.importers.ign_fixed import (  # noqa: F401  (public path of these names)
    IGN_FIXED_FIELDS, IGN_FIXED_MISSING, IGN_FIXED_VARPY_SLICES, ign_fixed_layout,
    ign_fixed_zones, read_ign_fixed)
from varpy.management.importers.registry import register
from varpy.management.timeconv import from_ordinal_days

__all__ = [
    "read_etna_ingv",
    "read_ign_web",
    "read_ign_fixed",
    "read_imo",
    "read_hvo",
    "read_etna_tilt",
    "read_etna_eruptions",
    "INGV_MAGNITUDE_TYPES",
    "IGN_FIXED_VARPY_SLICES",
    "IGN_FIXED_FIELDS",
    "ign_fixed_zones",
    "ign_fixed_layout",
    "HVO_SLICES",
]

log = logging.getLogger(__name__)

#: INGV-CT magnitude-type flag (column 8 of the catalogue).
INGV_MAGNITUDE_TYPES = {1: "MD", 2: "ML"}

# --------------------------------------------------------------------------------------------
# INGV-CT Etna catalogue
# --------------------------------------------------------------------------------------------
_ETNA_FIELDS = (
    P.Field("event_id", "str", exact_text=False, label="event id (field 1)"),
    P.Field("date", "datetime", "%d-%m-%Y", required=True, label="date (field 2)"),
    P.Field("clock", "datetime", "%H:%M:%S", required=True, label="time (field 3)"),
    P.Field("latitude", label="latitude (field 4)"),
    P.Field("longitude", label="longitude (field 5)"),
    P.Field("depth", label="depth (field 6)"),
    P.Field("magnitude", label="magnitude (field 7)"),
    P.Field("magnitude_type", "int", label="magnitude type flag (field 8)"),
    P.Field("place", "str", label="place (field 9)"),
)


def read_etna_ingv(path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read the INGV-CT (Catania) Etna earthquake catalogue.

    The file is tab-separated without a header, one event a line (CRLF or LF)::

        id  dd-mm-yyyy  hh:mm:ss  latitude  longitude  depth_km  magnitude  flag  place

    ``flag`` is the magnitude type (1 = MD, 2 = ML). A magnitude of exactly 0.0 is INGV's
    placeholder for "not determined" and becomes NaN. The source lists some events out of time
    order; the table is stably sorted by time.

    Parameters
    ----------
    path : path-like
    encoding : str, optional
        Text encoding; default: UTF-8 if the file decodes as UTF-8, else latin-1 (copies with
        accented place names); a BOM is dropped.

    Returns
    -------
    pandas.DataFrame
        ``time`` (datetime64[ns, UTC]), ``latitude``, ``longitude``, ``depth`` (km, positive
        down), ``magnitude`` (float64), ``event_id``, ``magnitude_type`` (``'MD'``/``'ML'``),
        ``place`` (text). ``event_id`` is INGV's integer id written as decimal text.
    """
    table = P.DelimitedFile(path, _ETNA_FIELDS, sep="\t", encoding=encoding,
                            format_name="etna_ingv")
    raw = table.read()
    # Column work runs in numpy and pyarrow kernels that release the GIL: the clock field, and
    # after the sort the place names and coordinates, go to a second thread. Anything that may
    # warn stays here, and the date is parsed first, so errors come in the serial order.
    with ThreadPoolExecutor(max_workers=1) as pool:
        clock = pool.submit(table.times, raw["clock"], _ETNA_FIELDS[2])
        time_ns = table.times(raw["date"], _ETNA_FIELDS[1]) + clock.result()
        order = P.sort_order(time_ns)
        moved = pool.submit(_etna_moved_columns, raw, order)
        # sort first, then derive the text columns from the (cheaper to move) numeric codes
        time_col = P.utc_series(P.take(time_ns, order))
        event_id = P.integer_text(P.take(raw["event_id"].to_numpy(), order))
        magnitude_type = P.labels_from_codes(
            P.take(raw["magnitude_type"].to_numpy(), order), INGV_MAGNITUDE_TYPES,
            what="INGV magnitude-type flag", path=table.path)
        columns = {"time": time_col, **moved.result()}
    place = columns.pop("place")
    columns.update(event_id=event_id, magnitude_type=magnitude_type, place=place)
    # copy=False: no consolidation copy of the float columns (nothing else holds them)
    return P.note_order(pd.DataFrame(columns, copy=False), order)


def _etna_moved_columns(raw: dict, order) -> dict:
    columns = {name: P.take(raw[name].to_numpy(dtype=np.float64), order)
               for name in ("latitude", "longitude", "depth")}
    columns["magnitude"] = P.mask_codes(P.take(raw["magnitude"].to_numpy(), order), (0.0,))
    # real copies may pad the last field with blanks: trimmed (and empty -> missing)
    columns["place"] = P.clean_text(P.take(raw["place"], order))
    return columns


# --------------------------------------------------------------------------------------------
# IGN web table (tab-separated)
# --------------------------------------------------------------------------------------------
_IGN_WEB_FIELDS = (
    P.Field("event_id", "str", label="Evento"),
    P.Field("date", "datetime", "%d/%m/%Y", required=True, label="Fecha"),
    P.Field("clock", "datetime", "%H:%M:%S", required=True, label="Hora"),
    P.Field("latitude", label="Lat"),
    P.Field("longitude", label="Long"),
    P.Field("depth", label="Prof. (km)"),
    P.Field("intensity", "str", label="Int"),
    P.Field("magnitude", label="Mag"),
    P.Field("magnitude_type", "str", label="Tipo Mag"),
    P.Field("place", "str", label="Localización"),
    P.Field("info", "str", label="info"),
)
#: Codes the IGN web table uses for "no value".
IGN_WEB_MISSING = (-999.0,)


def _check_header(path, header_lines: list[str], pattern: str, expected: str) -> None:
    text = " ".join(header_lines)
    if not re.search(pattern, text, flags=re.IGNORECASE):
        raise DataFormatError(f"the header does not look like {expected}", path=path, line=1,
                              expected=f"{expected}; did you choose the right importer?")


def read_ign_web(path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read a catalogue copied from the IGN (Instituto Geográfico Nacional) web search.

    Tab-separated, latin-1, two header lines (``Evento Fecha Hora Lat Long Prof.`` /
    ``(km) Int Mag Tipo Mag Localización info``), then one event a line::

        id  dd/mm/yyyy  H:MM:SS  lat  lon  depth  intensity  mag  mag_type  place  "[+] info"

    ``-999`` marks a missing number (usually depth) and becomes NaN. VarPy called this format
    ``Hierro_web``.

    Returns
    -------
    pandas.DataFrame
        ``time``, ``latitude``, ``longitude``, ``depth``, ``magnitude`` and the text columns
        ``event_id``, ``intensity`` (EMS/MSK roman numerals, missing if blank),
        ``magnitude_type`` (IGN's numeric magnitude-type code, as text) and ``place``.
    """
    table = P.DelimitedFile(path, _IGN_WEB_FIELDS, sep="\t", header_lines=2, encoding=encoding,
                            format_name="ign_web")
    header = P.read_header_lines(table.path, 2, table.encoding)
    _check_header(table.path, header, r"fecha", "the IGN web table header "
                  "('Evento  Fecha  Hora  Lat  Long  Prof.')")
    raw = table.read()
    time_ns = (table.times(raw["date"], _IGN_WEB_FIELDS[1])
               + table.times(raw["clock"], _IGN_WEB_FIELDS[2]))
    columns = {"time": P.utc_series(time_ns)}
    for name in P.ECVD_FLOATS:
        columns[name] = P.mask_codes(raw[name].to_numpy(), IGN_WEB_MISSING)
    for name in ("event_id", "intensity", "magnitude_type", "place"):
        columns[name] = P.clean_text(raw[name])
    return P.assemble(columns, time_ns)


# --------------------------------------------------------------------------------------------
# IMO numeric table
# --------------------------------------------------------------------------------------------
_IMO_FIELDS = (
    P.Field("ordinal_day", required=True, label="datetime (VarPy ordinal day, field 1)"),
    P.Field("latitude", label="latitude (field 2)"),
    P.Field("longitude", label="longitude (field 3)"),
    P.Field("depth", label="depth (field 4)"),
    P.Field("magnitude", label="M (field 5)"),
)


def read_imo(path, *, encoding: str | None = None, resolution: str = "ms") -> pd.DataFrame:
    """Read the Icelandic Met Office table VarPy's scraper wrote.

    Tab-separated numbers without a header: time as a VarPy ordinal day (proleptic Gregorian
    ordinal plus the fraction of the day, see :func:`varpy.management.timeconv.from_ordinal_days`),
    latitude, longitude, depth (km) and magnitude; further columns (the scraper also wrote ML)
    are ignored. Negative magnitudes are real values and are kept.

    Parameters
    ----------
    path : path-like
    encoding : str, optional
        Text encoding; default: UTF-8 if the file decodes as UTF-8, else latin-1 (a BOM
        is dropped).
    resolution : str
        Times are rounded to this pandas frequency (default ``'ms'``): a float ordinal day
        resolves about 10 microseconds, so finer digits are float noise.

    Returns
    -------
    pandas.DataFrame
        ``time``, ``latitude``, ``longitude``, ``depth``, ``magnitude``.
    """
    path = P.check_file(path)
    encoding = P.resolve_encoding(path, encoding)
    extra = _count_fields(path, encoding) - len(_IMO_FIELDS)
    if extra < 0:
        raise DataFormatError(f"the first data line has {extra + len(_IMO_FIELDS)} fields",
                              path=path, line=_first_data_line(path, encoding),
                              expected="5 tab-separated numbers: ordinal day, latitude, "
                                       "longitude, depth, magnitude")
    fields = _IMO_FIELDS + tuple(P.Field(f"extra_{i + 1}", "str") for i in range(extra))
    table = P.DelimitedFile(path, fields, sep="\t", encoding=encoding, format_name="imo")
    raw = table.read()
    ordinal = raw["ordinal_day"].to_numpy(dtype=np.float64)
    if np.isnan(ordinal).any() or (ordinal < 612_000).any() or (ordinal > 825_000).any():
        # 612000..825000 is 1677..2259, the datetime64[ns] range
        bad = int(np.flatnonzero(np.isnan(ordinal) | (ordinal < 612_000) |
                                 (ordinal > 825_000))[0])
        raise DataFormatError(f"ordinal day {ordinal[bad]!r} (data row {bad + 1}) is not a "
                              "date between 1678 and 2259", path=path, column=fields[0].title,
                              line=_data_line_number(path, encoding, bad),
                              expected="a VarPy ordinal day such as 734350.5 (2011-08-01 12:00)")
    times = pd.DatetimeIndex(from_ordinal_days(ordinal)).round(resolution)
    time_ns = times.as_unit("ns").asi8
    columns = {"time": P.utc_series(time_ns)}
    for name in P.ECVD_FLOATS:
        columns[name] = raw[name].to_numpy(dtype=np.float64)
    return P.assemble(columns, time_ns)


def _first_data_line(path, encoding, sep="\t"):
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if raw.strip():
                return lineno
    return 1


def _count_fields(path, encoding, sep="\t") -> int:
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if raw.strip():
                try:
                    return len(raw.decode(encoding).rstrip("\r\n").split(sep))
                except UnicodeDecodeError as exc:
                    raise P.decode_error(path, raw, lineno, exc, encoding) from exc
    return 0


def _data_line_number(path, encoding, row: int) -> int:
    seen = -1
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if raw.strip():
                seen += 1
                if seen == row:
                    return lineno
    return None


# --------------------------------------------------------------------------------------------
# HVO fixed width
# --------------------------------------------------------------------------------------------
#: Character spans of the HVO catalogue (VarPy 2016; 0-based, stop exclusive).
HVO_SLICES = {
    "year": (0, 4), "month": (4, 6), "day": (6, 8), "hour": (8, 10), "minute": (10, 12),
    "second_x100": (12, 16), "lat_deg": (16, 18), "lat_hemisphere": (18, 19),
    "lat_min_x100": (19, 23), "lon_deg": (23, 26), "lon_hemisphere": (26, 27),
    "lon_min_x100": (27, 31), "depth_x100": (32, 36), "magnitude_x100": (36, 39),
    "region": (73, 76),
}


def read_hvo(path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read the Hawaiian Volcano Observatory fixed-width catalogue.

    Character spans are :data:`HVO_SLICES`: year, month, day, hour, minute, seconds x 100,
    latitude degrees and minutes x 100, longitude degrees and minutes x 100, depth x 100 (km),
    magnitude x 100 and a three-letter region code. Longitudes are west (negative) unless the
    hemisphere column (character 27) holds ``E``; latitudes are north unless character 19
    holds ``S``. Blank or ``-999`` numbers are missing (NaN); blank date or time fields are an
    error. Unlike VarPy 2016, the region code is a column, so it stays with its event when the
    table is sorted.

    Returns
    -------
    pandas.DataFrame
        ``time``, ``latitude``, ``longitude``, ``depth``, ``magnitude``, ``region`` (text).
    """
    lines = P.TextLines(path, encoding=encoding)
    f = {name: lines.field(*span) for name, span in HVO_SLICES.items()}
    need = "digits in the HVO date/time columns (characters 1-16)"
    ints = {name: lines.numbers(f[name], name, required=True, expected=need)
            for name in ("year", "month", "day", "hour", "minute", "second_x100")}
    for name, values in ints.items():
        if not np.array_equal(values, np.round(values)):
            row = int(np.flatnonzero(values != np.round(values))[0])
            raise lines.error(row, f"{name} {values[row]!r} is not an integer", name, need)
    second_ns = np.round(ints["second_x100"] * 1e7).astype(np.int64)
    time_ns, ok = P.civil_ns(ints["year"], ints["month"], ints["day"], ints["hour"],
                             ints["minute"], second_ns)
    if not ok.all():
        row = int(np.flatnonzero(~ok)[0])
        raise lines.error(row, "invalid date or time " + lines.lines[row].as_py()[:16],
                          "date/time", "a valid yyyymmddhhmm plus seconds x 100")
    num = {}
    for name in ("lat_deg", "lat_min_x100", "lon_deg", "lon_min_x100", "depth_x100",
                 "magnitude_x100"):
        values = lines.numbers(f[name], name)
        fraction = ~np.isnan(values) & (values != np.round(values))
        if fraction.any():  # e.g. '12.5' where the format writes depth x 100 as '1250'
            row = int(np.flatnonzero(fraction)[0])
            raise lines.error(row, f"{name} {values[row]!r} is not an integer", name,
                              "whole numbers in the HVO fixed columns (x 100 scaled)")
        num[name] = P.mask_codes(values, (-999.0,))
    south = pc.equal(pc.utf8_upper(f["lat_hemisphere"]), "S").to_numpy(zero_copy_only=False)
    east = pc.equal(pc.utf8_upper(f["lon_hemisphere"]), "E").to_numpy(zero_copy_only=False)
    latitude = num["lat_deg"] + num["lat_min_x100"] / 6000.0
    longitude = num["lon_deg"] + num["lon_min_x100"] / 6000.0
    columns = {
        "time": P.utc_series(time_ns),
        "latitude": np.where(south, -latitude, latitude),
        "longitude": np.where(east, longitude, -longitude),
        "depth": num["depth_x100"] / 100.0,
        "magnitude": num["magnitude_x100"] / 100.0,
        "region": P.clean_text(f["region"]),
    }
    return P.assemble(columns, time_ns)


# --------------------------------------------------------------------------------------------
# Etna tilt (SCVD)
# --------------------------------------------------------------------------------------------
def read_etna_tilt(path, *, value_name: str = "tilt", encoding: str | None = None) -> pd.DataFrame:
    """Read an INGV-CT tilt series: ``dd/mm/yyyy<TAB>value`` a line, no header.

    Parameters
    ----------
    path : path-like
    value_name : str
        Name of the value column (default ``'tilt'``, microradians in the INGV files).
    encoding : str, optional
        Text encoding; default: UTF-8 if the file decodes as UTF-8, else latin-1 (a BOM
        is dropped).

    Returns
    -------
    pandas.DataFrame
        ``time`` (midnight UTC of each day) and the value column (float64).
    """
    if not isinstance(value_name, str) or not value_name or value_name == "time":
        raise DataFormatError(f"value_name must be a column name other than 'time', not "
                              f"{value_name!r}", expected="for example 'tilt'")
    fields = (P.Field("date", "datetime", "%d/%m/%Y", required=True, label="date (field 1)"),
              P.Field(value_name, label=f"{value_name} (field 2)"))
    table = P.DelimitedFile(path, fields, sep="\t", encoding=encoding, format_name="etna_tilt")
    raw = table.read()
    time_ns = table.times(raw["date"], fields[0])
    columns = {"time": P.utc_series(time_ns), value_name: raw[value_name].to_numpy(np.float64)}
    return P.assemble(columns, time_ns)


# --------------------------------------------------------------------------------------------
# Etna eruption list (EVD)
# --------------------------------------------------------------------------------------------
_ERUPTION_FIELDS = (
    P.Field("start", "datetime", "%d/%m/%Y", required=True, label="start (field 1)"),
    P.Field("end", "datetime", "%d/%m/%Y", label="end (field 2)"),
    P.Field("type", "str", label="type (field 3)"),
    P.Field("vent", "str", label="vent (field 4)"),
    P.Field("elevation", "str", label="vent elevation (field 5)"),
    P.Field("area", label="area (field 6)"),
    P.Field("volume", label="volume (field 7)"),
    P.Field("description", "str", label="description (field 8)"),
)


def read_etna_eruptions(path, *, encoding: str | None = None) -> pd.DataFrame:
    """Read the Etna eruption list (EFFORT compilation from INGV reports).

    Tab-separated, no header, one eruption a line (extra empty fields at the end are
    ignored)::

        start dd/mm/yyyy  end dd/mm/yyyy  type  vent  elevation  area  volume  description

    Dates are **day first** (VarPy 2016 read them month first when the day was <= 12, so the
    first 1981 eruption, 5 February, became 2 May). Every row is kept, including eruptions
    that overlap in time (two of them started on 27 October 2002). Blank numbers are NaN.
    ``elevation`` is text (vent elevations in m a.s.l., often ranges like ``'2450-2250'``);
    ``area`` is the lava-flow-field area (km2) and ``volume`` the erupted volume
    (10^6 m3), as in the INGV reports the list was compiled from.

    Returns
    -------
    pandas.DataFrame
        ``start``, ``end`` (datetime64[ns, UTC], ``end`` NaT if blank), ``type``, ``vent``,
        ``elevation``, ``description`` (text), ``area``, ``volume`` (float64).
    """
    table = P.DelimitedFile(path, _ERUPTION_FIELDS, sep="\t", encoding=encoding,
                            trailing_empty_ok=True, format_name="etna_eruptions")
    raw = table.read()
    start_ns = table.times(raw["start"], _ERUPTION_FIELDS[0])
    end_ns = table.times(raw["end"], _ERUPTION_FIELDS[1])
    backwards = (end_ns != P.NAT) & (end_ns < start_ns)
    if backwards.any():
        first = int(np.flatnonzero(backwards)[0])
        warnings.warn(f"{table.path}: {int(backwards.sum())} eruption(s) end before they start "
                      f"(first: start {raw['start'].iloc[first]}, end {raw['end'].iloc[first]})",
                      DataWarning, stacklevel=2)
    columns = {
        "start": P.utc_series(start_ns),
        "end": P.utc_series(end_ns),
        "type": P.clean_text(raw["type"]),
        "vent": P.clean_text(raw["vent"]),
        "elevation": P.clean_text(raw["elevation"]),
        "area": raw["area"].to_numpy(np.float64),
        "volume": raw["volume"].to_numpy(np.float64),
        "description": P.clean_text(raw["description"]),
    }
    return P.assemble(columns, start_ns)


# --------------------------------------------------------------------------------------------
register("etna_ingv", read_etna_ingv, kinds=("ecvd",),
         description="INGV-CT Etna catalogue: tab-separated id, dd-mm-yyyy, hh:mm:ss, lat, lon, "
                     "depth, mag (0.0 = unknown), type flag (1 MD, 2 ML), place")
register("ign_web", read_ign_web, kinds=("ecvd",),
         description="IGN web table: tab-separated, 2 header lines, latin-1, dd/mm/yyyy, "
                     "-999 = missing (VarPy 'Hierro_web')")
register("ign_fixed", read_ign_fixed, kinds=("ecvd",),
         description="IGN fixed-width catalogue: 1 header line, latin-1, dd/mm/yyyy, "
                     "999 = missing (VarPy 'Hierro')")
register("imo", read_imo, kinds=("ecvd",),
         description="IMO table: tab-separated VarPy ordinal day, lat, lon, depth, M")
register("hvo", read_hvo, kinds=("ecvd",),
         description="HVO fixed-width catalogue with region code")
register("etna_tilt", read_etna_tilt, kinds=("scvd",),
         description="INGV-CT daily tilt: tab-separated dd/mm/yyyy, value (microradians)")
register("etna_eruptions", read_etna_eruptions, kinds=("evd",),
         description="Etna eruption list: tab-separated start, end (dd/mm/yyyy), type, vent, "
                     "elevation, area (km2), volume (1e6 m3), description")
