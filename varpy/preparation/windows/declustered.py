"""A declustering as a window: keep the background (mainshocks and singles) or the clustered
events (foreshocks and aftershocks) of an ECVD.

The step recorded in ``.selection`` holds the method, every parameter it used and what was kept,
e.g. ``{"op": "decluster", "method": "gardner_knopoff", "parameters": {...}, "keep":
"background", "n_clusters": 812, "n_events": 2310}``, so the selection can be replayed on updated
data. The declustering runs on the catalogue as given (select the time, area and magnitude range
first: the labels depend on which events are present).

May import: :mod:`varpy.exceptions`, :mod:`varpy.management.datatypes`,
:mod:`varpy.analysis.declustering`.

Examples
--------
>>> import pandas as pd, varpy
>>> from varpy.preparation import windows
>>> cat = varpy.ECVD(pd.DataFrame({
...     "time": pd.to_datetime(["2011-01-01", "2011-01-02", "2012-01-01"], utc=True),
...     "latitude": [37.7, 37.71, 37.7], "longitude": 15.0, "depth": 5.0,
...     "magnitude": [4.0, 2.0, 2.5]}))
>>> bg = windows.declustered(cat, "gardner_knopoff")
>>> len(bg), bg.selection[0]["op"], bg.selection[0]["keep"]
(2, 'decluster', 'background')
>>> len(windows.declustered(cat, "gk", keep="clustered"))
1
"""
from __future__ import annotations

from varpy.exceptions import SelectionError
from varpy.management.datatypes import Datatype
from varpy.preparation.windows._apply import _apply, _targets

__all__ = ["declustered", "KEEP"]

#: What :func:`declustered` can keep.
KEEP = ("background", "clustered")


def declustered(obj, method: str = "gardner_knopoff", *, keep: str = "background",
                result=None, kinds=None, **params):
    """Keep the background or the clustered events of the ECVD of ``obj``.

    Parameters
    ----------
    obj : Volcanic or ECVD
    method : str
        ``gardner_knopoff``, ``reasenberg`` or ``nearest_neighbour`` (aliases ``gk``, ``nn``).
    keep : {"background", "clustered"}
        ``background``: each cluster's mainshock and every single (the declustered catalogue);
        ``clustered``: the foreshocks and aftershocks.
    result : DeclusterResult, optional
        Labels already computed on this very catalogue (e.g. by ``ECVD.decluster()``);
        ``method`` and ``params`` are then taken from it.
    **params
        Parameters of the method (see :func:`varpy.analysis.declustering.decluster`).

    Returns
    -------
    Same type as ``obj``; only ECVD is cut.
    """
    if keep not in KEEP:
        raise SelectionError(f"keep={keep!r}; valid choices are: {', '.join(KEEP)}")
    targets = _targets(obj, "ecvd" if kinds is None else kinds, "decluster",
                       columns=("latitude", "longitude", "magnitude"))

    def cut(dt: Datatype):
        from varpy.analysis.declustering import decluster

        if result is None:
            labels = decluster(dt.dataset, method, **params)
        else:
            labels = result
            if labels.n_events != len(dt):
                raise SelectionError(
                    f"the DeclusterResult labels {labels.n_events} events but the "
                    f"{dt.kind.upper()} holds {len(dt)}; decluster this catalogue (or pass no "
                    "result)")
        mask = labels.mainshock if keep == "background" else ~labels.mainshock
        step = {"op": "decluster", "method": labels.method, "parameters": labels.parameters,
                "keep": keep, "n_clusters": labels.n_clusters, "n_events": labels.n_events}
        return mask, step

    return _apply(obj, targets, cut)
