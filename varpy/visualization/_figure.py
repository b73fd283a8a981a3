"""Figure creation, data selection and saving shared by every plotting function.

Figures are made with :class:`matplotlib.figure.Figure` directly: no pyplot, no global figure
state, nothing reused between calls. Every plotting function returns its Figure and saves it only
when asked (``save=True``), through :func:`save_figure`, which renders each format to memory,
writes it atomically under a unique safe name into ``ID/Figures/`` and records the files, the
function, its parameters, the datatype and its selection in the project manifest.
"""
from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from varpy._version import __version__
from varpy.exceptions import DataFormatError, StoreError
from varpy.management.core import Project, datatype_key
from varpy.management.datatypes import Datatype
from varpy._json import describe
from varpy.management.models import to_builtin
from varpy.management.store import atomic_write_bytes, validate_name

__all__ = ["PlotContext", "new_axes", "save_figure", "finish", "FORMATS"]

log = logging.getLogger(__name__)

#: Formats :func:`save_figure` writes.
FORMATS = ("png", "pdf", "svg")

#: Attribute of a Figure holding the :class:`PlotContext` of the function that drew it.
CONTEXT_ATTR = "varpy_context"


@dataclass
class PlotContext:
    """What drew a figure: recorded in the manifest when the figure is saved."""

    function: str
    parameters: dict = field(default_factory=dict)
    datatype: str | None = None
    selection: list = field(default_factory=list)
    project: Any = None

    def record(self) -> dict:
        return {"function": self.function, "parameters": _jsonable_params(self.parameters),
                "datatype": self.datatype, "selection": to_builtin(self.selection)}


def _jsonable_params(params: dict) -> dict:
    # results, datatypes and callables are described, not stored
    return {str(key): describe(value) for key, value in params.items()}


# ---------------------------------------------------------------------------------------------
# figures and axes
# ---------------------------------------------------------------------------------------------

def new_axes(ax=None, *, figsize=(8.0, 4.8), nrows: int = 1, ncols: int = 1, **subplot_kw):
    """``(figure, axes)``: a new constrained-layout Figure, or ``ax`` and its figure.

    With ``nrows * ncols > 1`` and no ``ax``, ``axes`` is a flat list; a given ``ax`` must then
    be a sequence of that many Axes of one figure.
    """
    n = nrows * ncols
    if ax is not None:
        if n == 1:
            return ax.figure, ax
        axes = list(ax)
        if len(axes) != n:
            raise ValueError(f"this plot draws {n} panels; ax= must hold {n} Axes, "
                             f"not {len(axes)}")
        return axes[0].figure, axes
    fig = Figure(figsize=figsize, layout="constrained")
    if n == 1:
        return fig, fig.add_subplot(1, 1, 1, **subplot_kw)
    return fig, [fig.add_subplot(nrows, ncols, i + 1, **subplot_kw) for i in range(n)]


def finish(fig: Figure, ctx: PlotContext, *, save: bool, name: str | None,
           formats=("png",), overwrite: bool = False, dpi: float = 150) -> Figure:
    """Attach ``ctx`` to the figure and save it if asked; returns the figure."""
    setattr(fig, CONTEXT_ATTR, ctx)
    if save:
        save_figure(fig, ctx.project, name=name, formats=formats, overwrite=overwrite, dpi=dpi)
    return fig


def _store_of(project):
    if project is None:
        raise StoreError("this figure is not tied to a stored project; pass project= (a "
                         "varpy.Volcanic or varpy.Laboratory with a folder) to save it")
    if isinstance(project, Datatype):
        project = project._project
        if project is None:
            raise StoreError("the datatype is not attached to a project; pass project=")
    if not isinstance(project, Project):
        raise TypeError(f"project= must be a varpy project, not {type(project).__name__}")
    return project, project.store


def _check_formats(formats) -> tuple[str, ...]:
    fmts = (formats,) if isinstance(formats, str) else tuple(formats)
    if not fmts:
        raise DataFormatError("no figure format given", key="formats",
                              expected=f"one or more of {FORMATS}")
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise DataFormatError(f"unknown figure format(s) {bad}", key="formats",
                              expected=f"a subset of {FORMATS}")
    return tuple(dict.fromkeys(fmts))


def save_figure(fig: Figure, project=None, name: str | None = None, *, formats=("png",),
                overwrite: bool = False, dpi: float = 150) -> list[Path]:
    """Write ``fig`` into ``ID/Figures/`` and record it in the project manifest.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    project : Volcanic, Laboratory or attached datatype, optional
        Defaults to the project of the data the figure was drawn from.
    name : str, optional
        File stem (letters, digits, ``.``, ``_``, ``-``); defaults to the plotting function's
        name. If a file of that stem exists, ``-2``, ``-3``, ... is appended, unless
        ``overwrite=True``, which replaces it.
    formats : sequence of {'png', 'pdf', 'svg'}
    dpi : float
        Resolution of the PNG.

    Returns
    -------
    list of pathlib.Path
        The files written, one per format.

    Every file is rendered to memory first and written atomically; the manifest record
    (``name``, ``files`` relative to the project, ``function``, ``parameters``, ``datatype``,
    ``selection``, ``varpy_version``) is appended while the project lock is held, so
    concurrent savers never pick the same name.
    """
    ctx: PlotContext | None = getattr(fig, CONTEXT_ATTR, None)
    project, store = _store_of(project if project is not None
                               else (ctx.project if ctx is not None else None))
    fmts = _check_formats(formats)
    stem = name if name is not None else (ctx.function.rsplit(".", 1)[-1] if ctx else "figure")
    validate_name(stem, "figure name")
    rendered = {}
    for fmt in fmts:
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi)
        rendered[fmt] = buf.getvalue()
    folder = store.figures_dir
    with store.lock():
        folder.mkdir(parents=True, exist_ok=True)
        chosen = stem
        if not overwrite:
            k = 1
            while any((folder / f"{chosen}.{fmt}").exists() for fmt in fmts):
                k += 1
                chosen = f"{stem}-{k}"
        paths = []
        for fmt, data in rendered.items():
            path = store.safe_child("Figures", f"{chosen}.{fmt}")
            atomic_write_bytes(path, data, overwrite=overwrite)
            paths.append(path)
        record = {"name": chosen, "files": [str(p.relative_to(store.path)) for p in paths],
                  "varpy_version": __version__}
        if ctx is not None:
            record.update(ctx.record())
        store.record("figures", record)
    log.info("saved figure %s of project %r: %s", chosen, project.id,
             ", ".join(p.name for p in paths))
    return paths


# ---------------------------------------------------------------------------------------------
# data access
# ---------------------------------------------------------------------------------------------

def resolve(obj, kinds: tuple[str, ...], what: str):
    """``(project or None, datatype)`` for a project (first present of ``kinds``) or datatype."""
    if isinstance(obj, Datatype):
        if obj.kind not in kinds:
            raise DataFormatError(f"{what} needs {' or '.join(k.upper() for k in kinds)}, not "
                                  f"{obj.kind.upper()}", key="obj",
                                  expected=f"a project or a {'/'.join(k.upper() for k in kinds)}")
        return obj._project, obj
    if isinstance(obj, Project):
        for kind in kinds:
            if kind in obj.kinds:
                value = getattr(obj, kind)
                if kind == "scvd":
                    if value:
                        return obj, value
                elif value is not None:
                    return obj, value
        raise DataFormatError(f"{what}: project {obj.id!r} holds none of "
                              f"{[k.upper() for k in kinds]}", key="obj",
                              expected="a project holding " + " or ".join(k.upper() for k in kinds))
    raise TypeError(f"{what} takes a varpy project or datatype, not {type(obj).__name__}")


def select(dt: Datatype, *, t_lims=None, lat_lims=None, lon_lims=None, z_lims=None,
           mag_lims=None) -> Datatype:
    """Apply the optional plot filters through :mod:`varpy.preparation.windows`.

    Each limit is a ``(min, max)`` pair with None for an open side; intervals are half-open.
    """
    from varpy.preparation import windows

    if t_lims is not None:
        lo, hi = _pair(t_lims, "t_lims")
        dt = windows.time_window(dt, lo, hi)
    if lat_lims is not None or lon_lims is not None:
        dt = windows.box(dt, lat=None if lat_lims is None else _pair(lat_lims, "lat_lims"),
                         lon=None if lon_lims is None else _pair(lon_lims, "lon_lims"))
    if z_lims is not None:
        lo, hi = _pair(z_lims, "z_lims")
        dt = windows.depth_range(dt, lo, hi)
    if mag_lims is not None:
        lo, hi = _pair(mag_lims, "mag_lims")
        dt = windows.magnitude_range(dt, lo, hi)
    return dt


def _pair(value, name):
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise DataFormatError(f"{name}={value!r} is not a (min, max) pair", key=name,
                              expected="(min, max), either side may be None") from None
    return lo, hi


def key_of(dt: Datatype) -> str:
    return datatype_key(dt)


def date_numbers(times) -> np.ndarray:
    """Matplotlib date numbers of tz-aware (or naive UTC) times; NaT becomes NaN."""
    idx = pd.DatetimeIndex(times)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    out = np.full(len(idx), np.nan)
    ok = ~idx.isna()
    if ok.any():
        out[ok] = mdates.date2num(idx[ok].to_numpy())
    return out


def time_values(dt: Datatype, column: str | None = None) -> np.ndarray:
    """x values of a datatype's times: date numbers (calendar) or seconds (laboratory)."""
    s = dt.dataset[column or dt.time_column]
    if dt.calendar:
        return date_numbers(s)
    return s.to_numpy(dtype=float, na_value=np.nan)


def format_time_axis(ax, calendar: bool, axis: str = "x", label: bool = True) -> None:
    """Date locator/formatter for calendar data, a seconds label for laboratory data."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    if calendar:
        locator = mdates.AutoDateLocator()
        target.set_major_locator(locator)
        target.set_major_formatter(mdates.ConciseDateFormatter(locator))
        if label:
            (ax.set_xlabel if axis == "x" else ax.set_ylabel)("time (UTC)")
    elif label:
        (ax.set_xlabel if axis == "x" else ax.set_ylabel)("time (s)")


def time_unit(calendar: bool) -> str:
    return "day" if calendar else "s"


def to_axis_time(value, calendar: bool) -> float:
    """One time (Timestamp/str for calendar data, seconds for lab) as an x value."""
    from varpy.management.timeconv import parse_time

    if calendar:
        return float(date_numbers([parse_time(value)])[0])
    return float(value)


def eruption_onsets(project, obj=None) -> np.ndarray:
    """Date numbers of the EVD onsets of a volcanic project (empty if none)."""
    evd = None
    if isinstance(obj, Datatype) and obj.kind == "evd":
        evd = obj
    elif project is not None and "evd" in getattr(project, "kinds", ()):
        evd = project.evd
    if evd is None or len(evd) == 0:
        return np.array([])
    x = date_numbers(evd.dataset["start"])
    return x[np.isfinite(x)]


def lab_times(dt: Datatype, project=None) -> dict:
    """Laboratory marker times from metadata (``t1`` creep start, ``tf`` failure), in seconds.

    The datatype's own metadata come first; keys it lacks are taken from the other datatypes
    of its project (the failure time is often recorded with the stress series only).
    """
    out = {}
    sources = [dt.metadata]
    if project is not None and hasattr(project, "datatypes"):
        sources += [other.metadata for other in project.datatypes().values() if other is not dt]
    for key in ("t1", "tf"):
        value = next((md[key] for md in sources if md.get(key) is not None), None)
        if value is None:
            continue
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise DataFormatError(f"metadata {key}={value!r} is not a number of seconds",
                                  key=key, expected="seconds since the start of the "
                                                    "experiment") from None
        if math.isfinite(v):
            out[key] = v
    return out


def mark_events(ax, dt: Datatype, project, *, eruptions=True, failure=True, lo=None, hi=None
                ) -> list:
    """Vertical lines at eruption onsets (volcanic) or at metadata ``tf``/``t1`` (laboratory).

    Only markers within ``[lo, hi]`` (x units) are drawn, when given. Returns the lines.
    """
    lines = []

    def inside(x):
        return (lo is None or x >= lo) and (hi is None or x <= hi)

    if dt.calendar:
        if eruptions is False or eruptions is None:
            return lines
        if eruptions is True:
            onsets = eruption_onsets(project)
        elif isinstance(eruptions, Datatype):
            onsets = eruption_onsets(None, eruptions)
        else:
            onsets = date_numbers(pd.DatetimeIndex([pd.Timestamp(e) for e in eruptions]))
        first = True
        for x in onsets:
            if inside(x):
                lines.append(ax.axvline(x, color="tab:red", linestyle="--", linewidth=1.2,
                                        label="eruption onset" if first else None))
                first = False
        return lines
    if not failure:
        return lines
    marks = lab_times(dt, project)
    if "t1" in marks and inside(marks["t1"]):
        lines.append(ax.axvline(marks["t1"], color="tab:purple", linestyle=":", linewidth=1.2,
                                label="creep start (t1)"))
    if "tf" in marks and inside(marks["tf"]):
        lines.append(ax.axvline(marks["tf"], color="tab:red", linestyle="--", linewidth=1.2,
                                label="failure (tf)"))
    return lines


def nice_bin_width(span: float, calendar: bool, target: int = 100) -> float:
    """A readable bin width (days for calendar data, seconds otherwise) giving about
    ``target`` bins or fewer."""
    if not span > 0:
        return 1.0
    if calendar:
        for width in (1 / 24, 1 / 4, 1.0, 7.0, 30.0, 91.0, 365.0):
            if span / width <= 2 * target:
                return width
        return 365.0 * 10 ** math.ceil(math.log10(span / 365.0 / (2 * target)))
    raw = span / target
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10 ** exp >= raw:
            return float(m * 10 ** exp)
    return float(10 ** (exp + 1))


def bin_width_value(bin_width, calendar: bool, name: str = "bin_width") -> float | None:
    """A bin width as a float in the time unit (days or seconds); strings like '7D' allowed."""
    if bin_width is None:
        return None
    if isinstance(bin_width, (str, pd.Timedelta, np.timedelta64)) or hasattr(bin_width,
                                                                             "total_seconds"):
        seconds = pd.Timedelta(bin_width).total_seconds()
        value = seconds / 86400.0 if calendar else seconds
    else:
        try:
            value = float(bin_width)
        except (TypeError, ValueError):
            raise DataFormatError(f"{name}={bin_width!r} is not a duration", key=name,
                                  expected="days (volcanic) or seconds (lab) as a number, or "
                                           "a Timedelta string such as '7D'") from None
    if not (math.isfinite(value) and value > 0):
        raise DataFormatError(f"{name}={bin_width!r} must be positive", key=name,
                              expected="a positive duration")
    return value


def width_label(width: float, calendar: bool) -> str:
    if calendar:
        if width < 1:
            return f"{width * 24:g} h"
        return f"{width:g} d"
    return f"{width:g} s"


def bin_edges(x: np.ndarray, width: float, calendar: bool, lo=None, hi=None) -> np.ndarray:
    """Half-open bins ``[e_i, e_i + width)`` that cover every value of ``x`` (and ``[lo, hi)``
    when given). Calendar bins of a day or longer start at midnight UTC."""
    x = x[np.isfinite(x)]
    start = lo if lo is not None else (float(np.min(x)) if x.size else 0.0)
    stop = hi if hi is not None else (float(np.max(x)) if x.size else start + width)
    if lo is None:
        if calendar and width >= 1:
            start = math.floor(start)
        else:
            start = math.floor(start / width) * width
    n = max(1, int(math.floor((stop - start) / width)) + 1)
    if hi is not None and start + (n - 1) * width >= hi:
        n -= 1  # hi is an open end: no bin starting at or after it
    return start + width * np.arange(n + 1)


def counts_in_bins(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Events per half-open bin ``[edges[i], edges[i+1])``."""
    x = x[np.isfinite(x)]
    idx = np.searchsorted(edges, x, side="right") - 1
    ok = (idx >= 0) & (idx < edges.size - 1)
    return np.bincount(idx[ok], minlength=edges.size - 1)[: edges.size - 1]


#: Units of the documented columns (docs/design.md), for axis labels and written outputs.
UNITS = {"tilt": "µrad", "stress": "MPa", "axial_strain": "%", "strain": "%",
         "pore_volume": "cm³", "confining_pressure": "MPa", "pore_pressure": "MPa",
         "effective_pressure": "MPa", "depth": "km", "latitude": "°N", "longitude": "°E",
         "magnitude": "", "x": "mm", "y": "mm", "z": "mm", "time_minutes": "min"}


def column_label(column: str) -> str:
    unit = UNITS.get(column, "")
    text = column.replace("_", " ")
    return f"{text} ({unit})" if unit else text


def marker_times(dt: Datatype, project, *, eruptions=True, failure=True) -> np.ndarray:
    """x values of every marker :func:`mark_events` could draw for this datatype."""
    if dt.calendar:
        if eruptions is False or eruptions is None:
            return np.array([])
        if eruptions is True:
            return eruption_onsets(project)
        if isinstance(eruptions, Datatype):
            return eruption_onsets(None, eruptions)
        return date_numbers(pd.DatetimeIndex([pd.Timestamp(e) for e in eruptions]))
    if not failure:
        return np.array([])
    return np.array(list(lab_times(dt, project).values()), dtype=float)


def widen_for_markers(lo: float, hi: float, dt: Datatype, project, *, eruptions=True,
                      failure=True, pad: float = 0.1) -> tuple[float, float]:
    """Extend ``[lo, hi]`` to include markers lying within ``pad`` of its length outside it
    (an eruption just after the last event is the point of the plot)."""
    marks = marker_times(dt, project, eruptions=eruptions, failure=failure)
    span = hi - lo if hi > lo else 1.0
    near = marks[(marks >= lo - pad * span) & (marks <= hi + pad * span)]
    if near.size:
        margin = 0.01 * span
        lo = min(lo, float(near.min()) - margin)
        hi = max(hi, float(near.max()) + margin)
    return lo, hi
