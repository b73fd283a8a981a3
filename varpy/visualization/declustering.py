"""Figures of a declustering: the nearest-neighbour distances (Zaliapin & Ben-Zion 2013) and the
cumulative number of all and of background events.

:func:`nearest_neighbour_distances` draws the joint distribution of rescaled time ``T`` and
distance ``R`` of every event's nearest neighbour (the two populations, clustered at small
``T R``, background along ``log10 T + log10 R`` = const) with the threshold line, and the
histogram of ``log10 eta`` with the fitted two-component mixture. :func:`declustered_rate` shows
the cumulative count of the catalogue and of its background, which should be close to straight
when the declustering removed the clusters.
"""
from __future__ import annotations

import math

import numpy as np

from varpy.exceptions import DataFormatError
from varpy.statistics.declustering import DeclusterResult, NearestNeighbours
from varpy.visualization import _figure as _f

__all__ = ["nearest_neighbour_distances", "declustered_rate"]


def nearest_neighbour_distances(obj, *, result: DeclusterResult | None = None, bins: int = 60,
                                ax=None, save: bool = False, name: str | None = None,
                                formats=("png",), overwrite: bool = False, **params):
    """Rescaled time-distance density and ``log10 eta`` histogram of the nearest neighbours.

    Parameters
    ----------
    obj : Volcanic, ECVD or NearestNeighbours
        A catalogue (its nearest neighbours are computed with ``params``: ``df``, ``b``, ``q``,
        ``use_depth``, ``min_distance``) or precomputed
        :class:`~varpy.statistics.declustering.NearestNeighbours`.
    result : DeclusterResult, optional
        A nearest-neighbour declustering of the same events: its threshold and mixture fit are
        drawn.
    bins : int
        Bins per axis.
    ax : sequence of two Axes, optional

    Examples
    --------
    >>> import numpy as np
    >>> from varpy.statistics.declustering import nearest_neighbours
    >>> rng = np.random.default_rng(0)
    >>> nn = nearest_neighbours(np.sort(rng.uniform(0, 3650, 500)), rng.uniform(37, 38, 500),
    ...                         rng.uniform(14, 15, 500), 2 + rng.exponential(0.43, 500))
    >>> fig = nearest_neighbour_distances(nn)
    >>> len(fig.axes) >= 2
    True
    """
    project = dt = None
    if isinstance(obj, NearestNeighbours):
        nn = obj
    else:
        from varpy.analysis.declustering import nearest_neighbours

        project, dt = _f.resolve(obj, ("ecvd",), "nearest_neighbour_distances")
        nn = nearest_neighbours(dt.dataset, **params)
    ok = np.isfinite(nn.rescaled_time) & np.isfinite(nn.rescaled_distance) \
        & (nn.rescaled_time > 0) & (nn.rescaled_distance > 0)
    if ok.sum() < 2:
        raise DataFormatError("fewer than two events have a nearest neighbour at a positive "
                              "distance", key="obj", expected="a catalogue of several events")
    lt, lr = np.log10(nn.rescaled_time[ok]), np.log10(nn.rescaled_distance[ok])
    fig, (a1, a2) = _f.new_axes(ax, nrows=1, ncols=2, figsize=(11.0, 4.6))
    h = a1.hist2d(lt, lr, bins=bins, cmap="Greys", cmin=1)
    fig.colorbar(h[3], ax=a1, label="events")
    a1.set_xlabel("log10 rescaled time T (years)")
    a1.set_ylabel("log10 rescaled distance R (km^df)")
    le = lt + lr
    a2.hist(le, bins=bins, density=True, color="0.7", edgecolor="none")
    a2.set_xlabel("log10 eta")
    a2.set_ylabel("density")
    thr = None
    if result is not None:
        thr = result.diagnostics.get("log10_eta0")
        thr = None if thr in (None, "-inf") or not math.isfinite(float(thr)) else float(thr)
        fit = result.diagnostics.get("mixture") or {}
        if fit.get("means"):
            x = np.linspace(le.min(), le.max(), 400)
            for mu, sd, w in zip(fit["means"], fit["sds"], fit["weights"]):
                a2.plot(x, w * np.exp(-0.5 * ((x - mu) / sd) ** 2) / (sd * math.sqrt(2 * math.pi)),
                        lw=1.2)
    if thr is not None:
        xs = np.array(a1.get_xlim())
        a1.plot(xs, thr - xs, color="tab:red", lw=1.2, label=f"log10 eta0 = {thr:.2f}")
        a1.legend(loc="lower left", fontsize=8)
        a2.axvline(thr, color="tab:red", lw=1.2)
    a1.set_title(f"nearest neighbours of {int(ok.sum())} events")
    ctx = _f.PlotContext("varpy.visualization.declustering.nearest_neighbour_distances",
                         {"bins": bins, **params, "threshold": thr},
                         None if dt is None else _f.key_of(dt),
                         [] if dt is None else dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name or "nearest_neighbours", formats=formats,
                     overwrite=overwrite)


def declustered_rate(obj, result: DeclusterResult | None = None, *,
                     method: str = "gardner_knopoff", ax=None, save: bool = False,
                     name: str | None = None, formats=("png",), overwrite: bool = False,
                     **params):
    """Cumulative number of all events and of the background (mainshocks and singles).

    ``result`` is a declustering of the ECVD of ``obj`` (as given); without one it is computed
    with ``method`` and ``params``.

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> cat = varpy.ECVD(pd.DataFrame({"time": pd.to_datetime(["2012-01-01", "2012-01-02",
    ...     "2012-06-01"], utc=True), "latitude": 37.7, "longitude": 15.0, "depth": 5.0,
    ...     "magnitude": [4.0, 2.0, 2.0]}))
    >>> fig = declustered_rate(cat)
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['all events (3)', 'background (2, gardner_knopoff)']
    """
    project, dt = _f.resolve(obj, ("ecvd",), "declustered_rate")
    if result is None:
        result = dt.decluster(method, store=False, **params)
    if result.n_events != len(dt):
        raise DataFormatError(f"the DeclusterResult labels {result.n_events} events but the "
                              f"ECVD holds {len(dt)}", key="result",
                              expected="a declustering of this very catalogue")
    t = _f.time_values(dt)
    order = np.argsort(t, kind="stable")
    fig, ax = _f.new_axes(ax)
    ax.step(t[order], np.arange(1, t.size + 1), where="post", color="0.4",
            label=f"all events ({t.size})")
    bg = np.sort(t[result.mainshock])
    ax.step(bg, np.arange(1, bg.size + 1), where="post", color="tab:blue",
            label=f"background ({bg.size}, {result.method})")
    _f.format_time_axis(ax, dt.calendar)
    ax.set_ylabel("cumulative number of events")
    ax.legend(loc="upper left")
    ax.set_title(f"{result.n_clusters} clusters in {result.n_events} events")
    ctx = _f.PlotContext("varpy.visualization.declustering.declustered_rate",
                         {"method": result.method, "parameters": result.parameters},
                         _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name or "declustered_rate", formats=formats,
                     overwrite=overwrite)
