"""Sampled continuous series (tilt per station, stress, strain, ...) and their rates.

VarPy 2016's ``scd_rate_plot`` drew volcanic tilt stations and a laboratory variable's finite
difference rate in one function, with a column mask that compared a list with a string; here the
series and their rates are two functions that work the same for volcanic and laboratory data.
"""
from __future__ import annotations

import numpy as np

from varpy.exceptions import DataFormatError
from varpy.management.datatypes import Datatype
from varpy.visualization import _figure as _f

__all__ = ["continuous_series", "series_rate", "finite_difference_rate"]


def _series_sources(obj, stations=None) -> tuple[object, list[Datatype]]:
    """(project, list of SCVD/SCLD datatypes) of a project or one datatype."""
    project, found = _f.resolve(obj, ("scvd", "scld"), "a continuous-series plot")
    if isinstance(found, dict):
        names = sorted(found) if stations is None else (
            [stations] if isinstance(stations, str) else list(stations))
        missing = [s for s in names if s not in found]
        if missing:
            raise DataFormatError(f"no SCVD station(s) {missing}", key="stations",
                                  expected=f"some of {sorted(found)}")
        return project, [found[s] for s in names]
    return project, [found]


def _value_columns(dts: list[Datatype], columns) -> list[str]:
    present = []
    for dt in dts:
        for c in dt.dataset.columns:
            if c not in (dt.time_column, "time_minutes") and c not in present and \
                    np.issubdtype(dt.dataset[c].dtype, np.floating):
                present.append(c)
    if columns is None:
        if not present:
            raise DataFormatError("no float value column to plot", key="columns",
                                  expected="a series with e.g. a 'tilt' or 'stress' column")
        return present
    cols = [columns] if isinstance(columns, str) else list(columns)
    missing = [c for c in cols if c not in present]
    if missing:
        raise DataFormatError(f"column(s) {missing} not in the series", key="columns",
                              expected=f"some of {present}")
    return cols


def _label(dt: Datatype) -> str:
    return f"station {dt.station}" if dt.station else dt.kind.upper()


def continuous_series(obj, columns=None, *, stations=None, relative: bool = True, t_lims=None,
                      eruptions=True, failure=True, ax=None, save: bool = False,
                      name: str | None = None, formats=("png",), overwrite: bool = False):
    """Sampled series through time: one panel per column, one line per station.

    Parameters
    ----------
    obj : Volcanic (its SCVD stations), Laboratory (its SCLD), SCVD or SCLD
    columns : str or list of str, optional
        Value columns to draw (default: every float column except ``time_minutes``).
    stations : str or list of str, optional
        Volcanic stations to draw (default: all).
    relative : bool
        Subtract each line's first finite value, so stations with different offsets compare
        (VarPy's convention).
    t_lims : (start, end), optional
        Time window (half-open) applied to every series.
    eruptions, failure
        Markers at eruption onsets (volcanic) or metadata ``t1``/``tf`` (laboratory).
    ax : Axes or list of Axes, optional
        One Axes per column.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> from varpy.visualization import continuous_series
    >>> s = varpy.SCLD(pd.DataFrame({"time": [0.0, 1.0, 2.0], "stress": [5.0, 6.0, 8.0]}))
    >>> continuous_series(s).axes[0].lines[0].get_ydata().tolist()
    [0.0, 1.0, 3.0]
    """
    project, dts = _series_sources(obj, stations)
    dts = [_f.select(dt, t_lims=t_lims) for dt in dts]
    cols = _value_columns(dts, columns)
    fig, axes = _f.new_axes(ax, nrows=len(cols), figsize=(8.0, 2.6 + 2.0 * len(cols)))
    axes = [axes] if len(cols) == 1 else axes
    cal = dts[0].calendar
    spans = [_f.time_values(dt) for dt in dts]
    finite = np.concatenate([x[np.isfinite(x)] for x in spans]) if spans else np.array([])
    x_lo, x_hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    x_lo, x_hi = _f.widen_for_markers(x_lo, x_hi, dts[0], project, eruptions=eruptions,
                                      failure=failure)
    for col, axis in zip(cols, axes):
        for dt in dts:
            if col not in dt.dataset.columns:
                continue
            x = _f.time_values(dt)
            y = dt.dataset[col].to_numpy(dtype=float, na_value=np.nan)
            ok = np.isfinite(x) & np.isfinite(y)
            x, y = x[ok], y[ok]
            if relative and y.size:
                y = y - y[0]
            axis.plot(x, y, linewidth=1.0, label=_label(dt))
        axis.set_ylabel(("change in " if relative else "") + _f.column_label(col))
        _f.mark_events(axis, dts[0], project, eruptions=eruptions, failure=failure, lo=x_lo,
                       hi=x_hi)
        if x_hi > x_lo:
            axis.set_xlim(x_lo, x_hi)
        _f.format_time_axis(axis, cal, label=axis is axes[-1])
        if len(dts) > 1 or axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize="small", loc="best")
    for axis in axes[1:]:
        axis.sharex(axes[0])
    ctx = _f.PlotContext("varpy.visualization.series.continuous_series",
                         {"columns": cols, "stations": stations, "relative": relative,
                          "t_lims": t_lims},
                         ",".join(_f.key_of(d) for d in dts),
                         [s for d in dts for s in d.selection], project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)


def finite_difference_rate(t, v, n_points: int | None = None):
    """Rate ``dv/dt`` of a sampled series by finite differences.

    Returns ``(t_mid, rate)``: the midpoints of consecutive samples and ``Δv/Δt`` there.
    Samples at repeated times are dropped (the first is kept). With ``n_points`` the series is
    first interpolated linearly to that many equally spaced times (VarPy 2016 used 501).

    Examples
    --------
    >>> finite_difference_rate([0.0, 1.0, 3.0], [0.0, 2.0, 3.0])
    (array([0.5, 2. ]), array([2. , 0.5]))
    """
    t = np.asarray(t, dtype=float)
    v = np.asarray(v, dtype=float)
    ok = np.isfinite(t) & np.isfinite(v)
    t, v = t[ok], v[ok]
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    if t.size:
        keep = np.concatenate([[True], np.diff(t) > 0])
        t, v = t[keep], v[keep]
    if n_points is not None and t.size >= 2:
        n = int(n_points)
        if n < 2:
            raise DataFormatError(f"n_points={n_points!r}", key="n_points",
                                  expected="an integer >= 2")
        grid = np.linspace(t[0], t[-1], n)
        v = np.interp(grid, t, v)
        t = grid
    if t.size < 2:
        return np.array([]), np.array([])
    return 0.5 * (t[1:] + t[:-1]), np.diff(v) / np.diff(t)


def series_rate(obj, column=None, *, station=None, n_points: int | None = None, t_lims=None,
                show_series: bool = True, eruptions=True, failure=True, ax=None,
                save: bool = False, name: str | None = None, formats=("png",),
                overwrite: bool = False):
    """Finite-difference rate of one sampled series (points), with the series on a twin axis.

    Parameters
    ----------
    obj : Volcanic, Laboratory, SCVD or SCLD
    column : str, optional
        The value column (default: the first float column).
    station : str, optional
        Volcanic station (required when a project has several).
    n_points : int, optional
        Interpolate to this many equally spaced times before differencing (smooths irregular
        sampling; VarPy 2016 used 501). Default: the samples themselves.
    show_series : bool
        Draw the series (minus its first value) on a twin axis.

    Returns
    -------
    matplotlib.figure.Figure
        The rate, in the column's unit per day (volcanic) or per second (laboratory).
    """
    project, dts = _series_sources(obj, station)
    if len(dts) > 1:
        raise DataFormatError(f"series_rate draws one station; the project has "
                              f"{[d.station for d in dts]}", key="station",
                              expected="station='NAME'")
    dt = _f.select(dts[0], t_lims=t_lims)
    col = _value_columns([dt], column)[0]
    cal = dt.calendar
    x = _f.time_values(dt)
    y = dt.dataset[col].to_numpy(dtype=float, na_value=np.nan)
    # date numbers are days, so the rate is per day for calendar data and per second otherwise
    tm, rate = finite_difference_rate(x, y, n_points)
    fig, ax = _f.new_axes(ax)
    unit = _f.UNITS.get(col, "units")
    ax.plot(tm, rate, linestyle="none", marker=".", markersize=4, color="tab:blue",
            label=f"rate of {col}")
    ax.set_ylabel(f"{col.replace('_', ' ')} rate ({unit}/{_f.time_unit(cal)})")
    if show_series:
        twin = ax.twinx()
        ok = np.isfinite(x) & np.isfinite(y)
        ys = y[ok] - y[ok][0] if ok.any() else y[ok]
        twin.plot(x[ok], ys, color="black", linewidth=1.0, label=col)
        twin.set_ylabel("change in " + _f.column_label(col))
    finite = x[np.isfinite(x)]
    if finite.size:
        x_lo, x_hi = _f.widen_for_markers(float(finite.min()), float(finite.max()), dt, project,
                                          eruptions=eruptions, failure=failure)
        _f.mark_events(ax, dt, project, eruptions=eruptions, failure=failure, lo=x_lo, hi=x_hi)
        if x_hi > x_lo:
            ax.set_xlim(x_lo, x_hi)
    _f.format_time_axis(ax, cal)
    ax.legend(loc="upper left", fontsize="small")
    ctx = _f.PlotContext("varpy.visualization.series.series_rate",
                         {"column": col, "station": station, "n_points": n_points,
                          "t_lims": t_lims}, _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)
