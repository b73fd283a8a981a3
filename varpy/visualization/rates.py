"""Event rate through time: binned counts and the cumulative number of events.

VarPy 2016's ``ecd_rate_plot``, with its faults fixed: the last partial bin is kept (no event
is dropped), eruption onsets are drawn only for volcanic projects (a laboratory gets its failure
time ``tf`` from the metadata instead), and each call draws a new figure.
"""
from __future__ import annotations

import numpy as np

from varpy.visualization import _figure as _f

__all__ = ["event_rate"]


def event_rate(obj, *, kind: str = "both", bin_width=None, t_lims=None, lat_lims=None,
               lon_lims=None, z_lims=None, mag_lims=None, eruptions=True, failure=True,
               ax=None, save: bool = False, name: str | None = None, formats=("png",),
               overwrite: bool = False):
    """Events per time bin (bars) and the cumulative count (line) through time.

    Parameters
    ----------
    obj : Volcanic, Laboratory, ECVD or ECLD
        The catalogue (a project's ECVD, or ECLD for a laboratory).
    kind : {'both', 'rate', 'cumulative'}
        Bars of counts per bin, the cumulative count, or both (cumulative on a twin axis).
    bin_width : float or str, optional
        Bin width in days (volcanic; or a Timedelta string such as ``'7D'``) or seconds
        (laboratory). Default: a round width giving at most about 200 bins (one day for
        catalogues up to 200 days long). Bins are half-open ``[t, t + width)``; calendar bins
        of a day or more start at midnight UTC; every event falls in a bin.
    t_lims, lat_lims, lon_lims, z_lims, mag_lims : (min, max), optional
        Filters applied first (:mod:`varpy.preparation.windows`, half-open).
    eruptions : bool, EVD or list of times
        Volcanic: red dashed lines at the eruption onsets (the project's EVD by default).
    failure : bool
        Laboratory: lines at the metadata failure time ``tf`` and creep start ``t1``.
    ax : matplotlib Axes, optional
        Draw into this Axes (the cumulative curve goes on a twin axis) instead of a new figure.
    save, name, formats, overwrite
        Save into ``ID/Figures`` (see :func:`varpy.visualization.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> from varpy.visualization import event_rate
    >>> cat = varpy.ECLD(pd.DataFrame({"time": [0.5, 1.5, 1.7, 3.2], "magnitude": 1.0}))
    >>> fig = event_rate(cat, bin_width=1.0)
    >>> counts = fig.axes[0].patches[0].get_data()
    >>> counts.values.tolist(), counts.edges.tolist()
    ([1, 2, 0, 1], [0.0, 1.0, 2.0, 3.0, 4.0])
    """
    if kind not in ("both", "rate", "cumulative"):
        raise ValueError(f"kind must be 'both', 'rate' or 'cumulative', not {kind!r}")
    project, dt = _f.resolve(obj, ("ecvd", "ecld"), "event_rate")
    dt = _f.select(dt, t_lims=t_lims, lat_lims=lat_lims, lon_lims=lon_lims, z_lims=z_lims,
                   mag_lims=mag_lims)
    cal = dt.calendar
    x = _f.time_values(dt)
    x = x[np.isfinite(x)]
    lo = hi = None
    if t_lims is not None:
        lo = None if t_lims[0] is None else _f.to_axis_time(t_lims[0], cal)
        hi = None if t_lims[1] is None else _f.to_axis_time(t_lims[1], cal)
    span_lo = lo if lo is not None else (x.min() if x.size else 0.0)
    span_hi = hi if hi is not None else (x.max() if x.size else span_lo + 1.0)
    width = _f.bin_width_value(bin_width, cal)
    if width is None:
        width = _f.nice_bin_width(span_hi - span_lo, cal)
    edges = _f.bin_edges(x, width, cal, lo=lo, hi=hi)
    counts = _f.counts_in_bins(x, edges)

    fig, ax = _f.new_axes(ax)
    ax.set_facecolor("whitesmoke")
    handles = []
    if kind in ("both", "rate"):
        # one StepPatch, not a Rectangle per bin: fast for thousands of bins
        bars = ax.stairs(counts, edges, fill=True, color="tab:blue", alpha=0.8, gid="counts",
                         label=f"events per {_f.width_label(width, cal)}")
        handles.append(bars)
        ax.set_ylabel(f"events per {_f.width_label(width, cal)}")
    cum_ax = None
    if kind in ("both", "cumulative"):
        cum_ax = ax.twinx() if kind == "both" else ax
        xs = np.sort(x)
        # a step up at each event: the count just after the i-th event is i
        xc = np.concatenate([[edges[0]], xs, [edges[-1]]])
        yc = np.concatenate([[0], np.arange(1, xs.size + 1), [xs.size]])
        (line,) = cum_ax.step(xc, yc, where="post", color="black", linewidth=1.5,
                              label="cumulative count")
        line.set_gid("cumulative")
        handles.append(line)
        cum_ax.set_ylabel("cumulative number of events")
        cum_ax.set_ylim(bottom=0)
    if kind == "cumulative":
        ax.set_ylabel("cumulative number of events")
    x_lo, x_hi = float(edges[0]), float(edges[-1])
    if t_lims is None:
        x_lo, x_hi = _f.widen_for_markers(x_lo, x_hi, dt, project, eruptions=eruptions,
                                          failure=failure)
    marks = _f.mark_events(ax, dt, project, eruptions=eruptions, failure=failure,
                           lo=x_lo, hi=x_hi)
    handles.extend(marks[:1] if cal else marks)
    ax.set_xlim(x_lo, x_hi)
    _f.format_time_axis(ax, cal)
    what = "earthquakes" if cal else "acoustic emissions"
    ax.set_title(f"{what}: {int(counts.sum())} events")
    ax.legend(handles=handles, loc="upper left", fontsize="small")
    ctx = _f.PlotContext("varpy.visualization.rates.event_rate",
                         {"kind": kind, "bin_width": width, "t_lims": t_lims,
                          "lat_lims": lat_lims, "lon_lims": lon_lims, "z_lims": z_lims,
                          "mag_lims": mag_lims},
                         _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)
