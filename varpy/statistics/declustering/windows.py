"""Window declustering (Gardner & Knopoff 1974) with its distance-time window tables.

Every event, taken from the largest magnitude down, that is not yet in a cluster opens a window:
the events within ``L(M)`` km (epicentral, great circle) and from ``foreshock_fraction * T(M)``
days before to ``T(M)`` days after it that are not yet in a cluster join its cluster. Events
never captured are singles. Nothing is deleted: :class:`DeclusterResult` labels every event.

Window tables (``L`` km, ``T`` days, ``M`` the magnitude of the window's event):

``"gardner_knopoff"``
    Fit of Gardner & Knopoff (1974)'s table given by van Stiphout, Zhuang & Marsan (2012,
    CORSSA, doi:10.5078/corssa-52382934) and used by ZMAP:
    ``L = 10^(0.1238 M + 0.983)``; ``T = 10^(0.032 M + 2.7389)`` for ``M >= 6.5``,
    ``10^(0.5409 M - 0.547)`` below.
``"gardner_knopoff_table"``
    The original table of Gardner & Knopoff (1974, BSSA 64, 1363-1367), M 2.5-8.0 every 0.5,
    linearly interpolated (held constant outside the table).
``"uhrhammer"``
    Uhrhammer (1986, Earthq. Notes 57, 21): ``L = exp(-1.024 + 0.804 M)``,
    ``T = exp(-2.87 + 1.235 M)``.
``"gruenthal"``
    Grünthal (pers. comm., in van Stiphout et al. 2012): ``L = exp(1.77 + sqrt(0.037 + 1.02 M))``;
    ``T = |exp(-3.95 + sqrt(0.62 + 17.32 M))|`` for ``M < 6.5``, ``10^(2.8 + 0.024 M)`` above.

Cost: events are sorted by time once; each window reads only the events inside its time span
(two binary searches), so memory is linear in the number of events.

Examples
--------
>>> L, T = window("gardner_knopoff", 5.0)
>>> round(float(L), 1), round(float(T), 1)
(40.0, 143.7)
>>> import numpy as np
>>> r = gardner_knopoff([0.0, 1.0, 400.0], [0.0, 0.05, 0.0], [0.0, 0.0, 0.0], [5.0, 3.0, 3.0])
>>> r.cluster.tolist(), r.mainshock.tolist()
([0, 0, 1], [True, False, True])
"""
from __future__ import annotations

import numpy as np

from varpy.exceptions import DataFormatError, UnknownFormatError
from varpy.statistics.declustering.result import (DeclusterResult, check_catalogue,
                                                  haversine_km, label_clusters)

__all__ = ["WINDOWS", "window", "gardner_knopoff", "GK1974_TABLE"]

#: Gardner & Knopoff (1974), Table 1: magnitude, distance (km), time (days).
GK1974_TABLE = np.array([
    [2.5, 19.5, 6.0], [3.0, 22.5, 11.5], [3.5, 26.0, 22.0], [4.0, 30.0, 42.0],
    [4.5, 35.0, 83.0], [5.0, 40.0, 155.0], [5.5, 47.0, 290.0], [6.0, 54.0, 510.0],
    [6.5, 61.0, 790.0], [7.0, 70.0, 915.0], [7.5, 81.0, 960.0], [8.0, 94.0, 985.0]])


def _gk(m):
    dist = 10.0 ** (0.1238 * m + 0.983)
    time = np.where(m >= 6.5, 10.0 ** (0.032 * m + 2.7389), 10.0 ** (0.5409 * m - 0.547))
    return dist, time


def _gk_table(m):
    return (np.interp(m, GK1974_TABLE[:, 0], GK1974_TABLE[:, 1]),
            np.interp(m, GK1974_TABLE[:, 0], GK1974_TABLE[:, 2]))


def _uhrhammer(m):
    return np.exp(-1.024 + 0.804 * m), np.exp(-2.87 + 1.235 * m)


def _gruenthal(m):
    dist = np.exp(1.77 + np.sqrt(0.037 + 1.02 * np.maximum(m, -0.036)))
    with np.errstate(invalid="ignore"):
        low = np.abs(np.exp(-3.95 + np.sqrt(np.maximum(0.62 + 17.32 * m, 0.0))))
    time = np.where(m >= 6.5, 10.0 ** (2.8 + 0.024 * m), low)
    return dist, time


#: Window tables by name: ``f(magnitudes) -> (distance_km, time_days)``.
WINDOWS = {"gardner_knopoff": _gk, "gardner_knopoff_table": _gk_table,
           "uhrhammer": _uhrhammer, "gruenthal": _gruenthal}


def window(name: str, magnitudes):
    """``(distance_km, time_days)`` of the window table ``name`` at ``magnitudes``."""
    key = str(name).lower().replace("-", "_").replace("ü", "ue")
    if key not in WINDOWS:
        raise UnknownFormatError("declustering window", name, WINDOWS)
    m = np.asarray(magnitudes, dtype=float)
    dist, time = WINDOWS[key](m)
    return np.asarray(dist, dtype=float), np.asarray(time, dtype=float)


def gardner_knopoff(times, latitude, longitude, magnitudes, *, windows: str = "gardner_knopoff",
                    foreshock_fraction: float = 1.0, time_cutoff: float | None = None
                    ) -> DeclusterResult:
    """Gardner-Knopoff window declustering.

    Parameters
    ----------
    times : array-like of float
        Event times in days (any origin).
    latitude, longitude : array-like of float
        Epicentres in degrees.
    magnitudes : array-like of float
    windows : str
        Window table, one of :data:`WINDOWS` (see the module docstring).
    foreshock_fraction : float
        The window also reaches ``foreshock_fraction * T(M)`` before the event (0: aftershocks
        only; 1, the default, as the common "type 1" implementations).
    time_cutoff : float, optional
        Longest time window in days (no limit by default).

    Returns
    -------
    DeclusterResult
        ``parameters`` holds ``windows``, ``foreshock_fraction`` and ``time_cutoff``.
    """
    t, lat, lon, m, _ = check_catalogue(times, latitude, longitude, magnitudes)
    if not (np.isfinite(foreshock_fraction) and foreshock_fraction >= 0):
        raise DataFormatError(f"foreshock_fraction={foreshock_fraction!r}",
                              key="foreshock_fraction", expected="a number >= 0")
    dist, span = window(windows, m)
    if time_cutoff is not None:
        if not float(time_cutoff) > 0:
            raise DataFormatError(f"time_cutoff={time_cutoff!r}", key="time_cutoff",
                                  expected="a positive number of days or None")
        span = np.minimum(span, float(time_cutoff))
    n = t.size
    order = np.argsort(t, kind="stable")
    ts, las, los = t[order], lat[order], lon[order]
    # windows of every event, in time-sorted positions
    lo_all = np.searchsorted(ts, ts - foreshock_fraction * span[order], side="left")
    hi_all = np.searchsorted(ts, ts + span[order], side="right")
    dist_s = dist[order]
    label = np.full(n, -1, dtype=np.int64)
    # largest first; equal magnitudes in time order
    by_size = np.lexsort((np.arange(n), -m[order]))
    next_id = 0
    for i in by_size:
        if label[i] >= 0:
            continue
        lo, hi = lo_all[i], hi_all[i]
        free = np.flatnonzero(label[lo:hi] < 0) + lo
        near = free[haversine_km(las[i], los[i], las[free], los[free]) <= dist_s[i]]
        label[near] = next_id
        label[i] = next_id
        next_id += 1
    cluster = np.empty(n, dtype=np.int64)
    cluster[order] = label
    params = {"windows": windows, "foreshock_fraction": float(foreshock_fraction),
              "time_cutoff": None if time_cutoff is None else float(time_cutoff)}
    return label_clusters("gardner_knopoff", params, cluster, magnitudes=m, times=t)
