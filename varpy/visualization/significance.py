"""Figures of the significance-of-change analyses: rate-change statistics (z-value, beta) in
moving windows over the cumulative number of events, and the b-value series with the Mirwald
et al. (2024) test.

Each function takes a catalogue (project or ECVD/ECLD; the analysis of
:mod:`varpy.analysis.significance` is run) or an already computed ``result`` (``obj`` then only
locates the project when saving), and returns a :class:`matplotlib.figure.Figure`.
"""
from __future__ import annotations

import numpy as np

from varpy.analysis import significance as _sig
from varpy.analysis._catalogue import time_scale
from varpy.exceptions import DataFormatError
from varpy.visualization import _figure as _f

__all__ = ["rate_change", "b_significance"]

_CATALOGUES = ("ecvd", "ecld")


def _x(values, kind: str, unit: str) -> np.ndarray:
    """x values: matplotlib date numbers for calendar times, else the floats."""
    v = np.asarray(values, dtype=np.float64)
    if kind == "datetime":
        # days since 1970-01-01 are matplotlib date numbers (its default epoch)
        return v * time_scale(unit)
    return v


def rate_change(obj=None, *, result=None, window=None, bin_width=None, step=None,
                statistic: str = "z", mode: str = "lta", threshold: float = 2.0,
                ax=None, save: bool = False, name: str | None = None, formats=("png",),
                overwrite: bool = False, **options):
    """z-value or beta in moving windows (bottom) under the cumulative number of events (top).

    Values are plotted at the window's end (``'as'``: the split time); dashed lines mark
    ``+/- threshold``.

    Examples
    --------
    >>> import numpy as np
    >>> from varpy.analysis.significance import rate_change as rc
    >>> res = rc(np.random.default_rng(0).uniform(0, 100, 2000), window=10, bin_width=1)
    >>> fig = rate_change(result=res)
    >>> len(fig.axes)
    2
    """
    project = dt = None
    if obj is not None:
        project, dt = _f.resolve(obj, _CATALOGUES, "rate_change")
    if result is None:
        if dt is None or window is None or bin_width is None:
            raise DataFormatError("rate_change needs result= or a catalogue with window= and "
                                  "bin_width=", key="result",
                                  expected="a RateChangeResult, or obj, window and bin_width")
        result = _sig.rate_change(dt.dataset, window=window, bin_width=bin_width, step=step,
                                  statistic=statistic, mode=mode, time_column=dt.time_column,
                                  **options)
    fig, axes = _f.new_axes(ax, nrows=2, figsize=(8.0, 6.0))
    top, bottom = axes
    calendar = result.time_kind == "datetime"
    if dt is not None:
        tx = _f.time_values(dt)
        tx = np.sort(tx[np.isfinite(tx)])
        top.step(tx, np.arange(1, tx.size + 1), where="post", color="tab:gray", gid="cumulative")
    else:
        # without the events, the cumulative count at the window edges of the series
        top.plot(_x(result.window_end, result.time_kind, result.time_unit),
                 result.n_window, color="tab:gray", gid="window_counts",
                 label="events in window")
        top.legend(fontsize="small")
    top.set_ylabel("cumulative events" if dt is not None else "events in window")
    x = _x(result.window_end, result.time_kind, result.time_unit)
    label = "z-value" if result.statistic == "z" else "beta"
    bottom.plot(x, result.value, marker="o", markersize=3, color="tab:blue", gid=label,
                label=label)
    for sign in (1, -1):
        bottom.axhline(sign * threshold, color="tab:red", linestyle="--", linewidth=1)
    bottom.axhline(0, color="black", linewidth=0.6)
    bottom.set_ylabel(label + (" (> 0: decrease)" if result.statistic == "z" else
                               " (> 0: increase)"))
    what = f"{result.mode.upper()} " if result.statistic == "z" else ""
    bottom.set_title(f"{label} {what}in windows of {result.window:g} {result.time_unit}, "
                     f"bins of {result.bin_width:g} (plotted at the window end)",
                     fontsize="medium")
    for a in (top, bottom):
        _f.format_time_axis(a, calendar, label=a is bottom)
    ctx = _f.PlotContext("varpy.visualization.significance.rate_change",
                         {"statistic": result.statistic, "mode": result.mode,
                          "window": result.window, "bin_width": result.bin_width,
                          "threshold": threshold},
                         None if dt is None else _f.key_of(dt),
                         [] if dt is None else dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)


def b_significance(obj=None, *, result=None, mc=None, n_m: int = 100, ax=None,
                   save: bool = False, name: str | None = None, formats=("png",),
                   overwrite: bool = False, **options):
    """b-values of consecutive sub-samples of ``n_m`` events with the test's p-value.

    Examples
    --------
    >>> from varpy.statistics.mags import simulate_gr
    >>> from varpy.analysis.significance import b_significance as bs
    >>> fig = b_significance(result=bs(simulate_gr(3000, 1.0, 1.0, 0.1, seed=1), 1.0))
    >>> fig.axes[0].get_ylabel()
    'b-value'
    """
    project = dt = None
    if obj is not None:
        project, dt = _f.resolve(obj, _CATALOGUES, "b_significance")
    if result is None:
        if dt is None or mc is None:
            raise DataFormatError("b_significance needs result= or a catalogue with mc=",
                                  key="result", expected="a BSignificanceResult, or obj and mc")
        result = _sig.b_significance(dt.dataset, mc, n_m=n_m, time_column=dt.time_column,
                                     **options)
    fig, ax = _f.new_axes(ax)
    x = _x(result.series_time, result.time_kind, result.time_unit)
    b = np.asarray(result.b_series, dtype=float)
    ax.plot(x, b, marker="o", markersize=3, color="tab:blue", gid="b", label="b per sub-sample")
    ok = np.isfinite(b)
    if ok.any():
        ax.axhline(float(np.mean(b[ok])), color="tab:gray", linestyle="--", linewidth=1,
                   label="mean")
    ax.set_ylabel("b-value")
    ax.set_title(f"b of sub-samples of {result.n_m} events: MAC = {result.mac:.3f} "
                 f"(constant b: {result.mu:.3f} +/- {result.sigma:.3f}), "
                 f"p = {result.p_value:.3g}", fontsize="medium")
    if result.time_kind == "index":
        ax.set_xlabel("index of the first event of the sub-sample")
    else:
        _f.format_time_axis(ax, result.time_kind == "datetime")
    ax.legend(fontsize="small")
    ctx = _f.PlotContext("varpy.visualization.significance.b_significance",
                         {"n_m": result.n_m, "mc": result.mc, "dm": result.dm},
                         None if dt is None else _f.key_of(dt),
                         [] if dt is None else dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)
