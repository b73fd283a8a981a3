"""Readers of rock-physics laboratory files: AE catalogues (ECLD) and sampled series (SCLD).

Laboratory times are float64 **seconds** since the start of the experiment; files written in
minutes are converted. Rows are stably sorted by time with a RangeIndex.

=================  ======  ==================================================================
importer           kind    file
=================  ======  ==================================================================
``ucl_v1``         scld    UCL 9-column triaxial-test table with a header line (VarPy UCLv1)
``ae_two_column``  ecld    acoustic-emission catalogue: time and one size column, no header
``lab_series``     scld    two-column series (time, value), e.g. UCL ``DDS7_strain.txt``
=================  ======  ==================================================================

Examples
--------
>>> import pathlib, tempfile
>>> from varpy.management.importers.lab import read_ae_two_column
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ae.txt"
>>> _ = path.write_text("21.5\\t0.8\\n21.25\\t1.2\\n")
>>> read_ae_two_column(path, time_unit="minutes", size_format="amplitude")
     time  amplitude
0  1275.0        1.2
1  1290.0        0.8
"""
from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError, DataWarning, MetadataError
from varpy.management.importers import _parsing as P
from varpy.management.importers.registry import register

__all__ = [
    "read_ucl_v1",
    "read_ae_two_column",
    "read_lab_series",
    "UCL_V1_COLUMNS",
    "SIZE_FORMATS",
    "TIME_UNITS",
    "seconds_per_unit",
]

log = logging.getLogger(__name__)

#: Canonical names of the nine UCLv1 columns, in file order, with the file's own titles.
UCL_V1_COLUMNS = (
    ("time_minutes", "time (mins)"),
    ("time", "time (secs)"),
    ("stress", "stress (MPa)"),
    ("axial_strain", "strain (%)"),
    ("strain", "strain (fraction)"),
    ("pore_volume", "pore volume (cm3)"),
    ("confining_pressure", "confining pressure (MPa)"),
    ("pore_pressure", "pore pressure (MPa)"),
    ("effective_pressure", "effective pressure (MPa)"),
)
#: Allowed names of the size column of an AE catalogue.
SIZE_FORMATS = ("magnitude", "amplitude", "energy")
#: Time units accepted in lab files, in seconds.
TIME_UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}
_UNIT_ALIASES = {"s": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds",
                 "seconds": "seconds", "min": "minutes", "mins": "minutes", "minute": "minutes",
                 "minutes": "minutes", "h": "hours", "hr": "hours", "hour": "hours",
                 "hours": "hours"}


def seconds_per_unit(unit: str, *, path=None, key: str = "time_unit") -> float:
    """Seconds in one ``unit`` (``'seconds'``, ``'minutes'``, ``'hours'`` or an abbreviation)."""
    name = _UNIT_ALIASES.get(str(unit).strip().lower())
    if name is None:
        raise MetadataError(f"unknown time unit {unit!r}", path=path, key=key,
                            expected=f"one of {', '.join(TIME_UNITS)}")
    return TIME_UNITS[name]


def _option(value, metadata, keys, default):
    """An explicit option, else the first metadata key present, else the default."""
    if value is not None:
        return value, "option"
    for key in keys:
        if metadata and metadata.get(key) not in (None, ""):
            return metadata[key], key
    return default, "default"


def read_ucl_v1(path, *, encoding: str | None = None, check_times: bool = True) -> pd.DataFrame:
    """Read a UCL triaxial-deformation table (VarPy's ``UCLv1`` SCLD format).

    Tab-separated with one header line and nine columns: time (mins), time (secs), stress
    (MPa), strain (%), strain (fraction), pore volume (cm3), confining pressure, pore pressure
    and effective pressure (MPa).

    Parameters
    ----------
    path : path-like
    encoding : str, optional
        Text encoding; default: UTF-8 if the file decodes as UTF-8, else latin-1 (a BOM
        is dropped).
    check_times : bool
        Warn (DataWarning) if the seconds column is not 60 times the minutes column.

    Returns
    -------
    pandas.DataFrame
        ``time`` (s), ``time_minutes``, ``stress``, ``axial_strain`` (%), ``strain``
        (fraction), ``pore_volume``, ``confining_pressure``, ``pore_pressure``,
        ``effective_pressure`` (all float64), sorted by ``time``.
    """
    fields = tuple(P.Field(name, required=(name == "time"), label=title)
                   for name, title in UCL_V1_COLUMNS)
    table = P.DelimitedFile(path, fields, sep="\t", header_lines=1, encoding=encoding,
                            format_name="ucl_v1")
    header = P.read_header_lines(table.path, 1, table.encoding)
    titles = header[0].rstrip(" \t").split("\t") if header else []  # trailing tabs/blanks
    if len(titles) != 9 or "time" not in titles[0].lower() or "time" not in titles[1].lower():
        shown = header[0][:80] if header else ""
        raise DataFormatError(f"the header has {len(titles)} fields ({shown!r})",
                              path=table.path, line=1, expected="the UCLv1 header: "
                              + ", ".join(t for _, t in UCL_V1_COLUMNS))
    raw = table.read()
    time = raw["time"].to_numpy(np.float64)
    if np.isnan(time).any():
        raise table.error("missing time (secs)", "time (secs)")
    minutes = raw["time_minutes"].to_numpy(np.float64)
    if check_times:
        gap = np.abs(time - 60.0 * minutes)
        tolerance = 1e-6 * max(1.0, float(np.nanmax(np.abs(time))))
        if np.nanmax(gap, initial=0.0) > tolerance:
            worst = int(np.nanargmax(gap))
            warnings.warn(f"{table.path}: time (secs) differs from 60 x time (mins) by up to "
                          f"{gap[worst]:.6g} s (data row {worst + 1}); 'time' uses the seconds "
                          "column", DataWarning, stacklevel=2)
    columns = {"time": time}
    columns.update({name: raw[name].to_numpy(np.float64) for name, _ in UCL_V1_COLUMNS
                    if name != "time"})
    return P.assemble(columns, time)


def read_ae_two_column(path, *, metadata=None, size_format: str | None = None,
                       time_unit: str | None = None, header_lines: int = 0,
                       encoding: str | None = None) -> pd.DataFrame:
    """Read a two-column acoustic-emission catalogue: event time and one size value a line.

    The file has no header (VarPy 2016 skipped the first line and so lost an event); give
    ``header_lines`` if yours has one. Fields are separated by a tab.

    Parameters
    ----------
    path : path-like
    metadata : mapping, optional
        ``size_format`` and ``time_unit`` are taken from here when not given as options.
    size_format : {'magnitude', 'amplitude', 'energy'}, optional
        Name of the size column (default ``'magnitude'``).
    time_unit : {'seconds', 'minutes', 'hours'}, optional
        Unit of the time column (default seconds); times are converted to seconds.
    header_lines : int
    encoding : str, optional
        Text encoding; default: UTF-8 if the file decodes as UTF-8, else latin-1 (a BOM
        is dropped).

    Returns
    -------
    pandas.DataFrame
        ``time`` (float64 seconds) and the size column (float64).
    """
    size, source = _option(size_format, metadata, ("size_format",), "magnitude")
    size = str(size).strip().lower()
    if size not in SIZE_FORMATS:
        raise MetadataError(f"unknown size format {size!r} (from {source})", path=path,
                            key="size_format", expected=f"one of {', '.join(SIZE_FORMATS)}")
    unit, source = _option(time_unit, metadata, ("time_unit", "datetime_format"), "seconds")
    scale = seconds_per_unit(unit, path=path, key="time_unit" if source == "option" else source)
    fields = (P.Field("time", required=True, label="time (field 1)"),
              P.Field(size, label=f"{size} (field 2)"))
    table = P.DelimitedFile(path, fields, sep="\t", header_lines=header_lines,
                            encoding=encoding, format_name="ae_two_column")
    raw = table.read()
    time = raw["time"].to_numpy(np.float64)
    if np.isnan(time).any():
        raise table.error("missing time", fields[0].title)
    time = time * scale
    return P.assemble({"time": time, size: raw[size].to_numpy(np.float64)}, time)


def read_lab_series(path, *, value_name: str = "value", time_unit: str | None = None,
                    metadata=None, header_lines: int = 0, encoding: str | None = None) -> pd.DataFrame:
    """Read a two-column laboratory series: time and one value a line (tab-separated).

    The UCL files ``DDS7_strain.txt`` and ``DDS7_stress.txt`` have this layout with times in
    minutes (the default unit here).

    Parameters
    ----------
    path : path-like
    value_name : str
        Name of the value column, e.g. ``'axial_strain'`` or ``'stress'``.
    time_unit : {'seconds', 'minutes', 'hours'}, optional
        Unit of the time column; default ``metadata['time_unit']``, else minutes.
    metadata : mapping, optional
    header_lines : int
    encoding : str, optional
        Text encoding; default: UTF-8 if the file decodes as UTF-8, else latin-1 (a BOM
        is dropped).

    Returns
    -------
    pandas.DataFrame
        ``time`` (float64 seconds) and ``value_name`` (float64).
    """
    if not isinstance(value_name, str) or not value_name or value_name == "time":
        raise DataFormatError(f"value_name must be a column name other than 'time', not "
                              f"{value_name!r}", path=path, expected="for example 'stress'")
    unit, source = _option(time_unit, metadata, ("time_unit",), "minutes")
    scale = seconds_per_unit(unit, path=path)
    fields = (P.Field("time", required=True, label="time (field 1)"),
              P.Field(value_name, label=f"{value_name} (field 2)"))
    table = P.DelimitedFile(path, fields, sep="\t", header_lines=header_lines,
                            encoding=encoding, format_name="lab_series")
    raw = table.read()
    time = raw["time"].to_numpy(np.float64)
    if np.isnan(time).any():
        raise table.error("missing time", fields[0].title)
    time = time * scale
    return P.assemble({"time": time, value_name: raw[value_name].to_numpy(np.float64)}, time)


register("ucl_v1", read_ucl_v1, kinds=("scld",),
         description="UCL triaxial test: 9 tab-separated columns with a header, time (mins), "
                     "time (secs), stress, strain (%), strain, pore volume, pressures "
                     "(VarPy UCLv1)")
register("ae_two_column", read_ae_two_column, kinds=("ecld",),
         description="AE catalogue: tab-separated time and size, no header; metadata "
                     "size_format (magnitude|amplitude|energy) and time_unit (seconds|minutes)")
register("lab_series", read_lab_series, kinds=("scld",),
         description="two-column lab series: tab-separated time (minutes by default) and a "
                     "value named by value_name (e.g. DDS7_strain.txt)")
