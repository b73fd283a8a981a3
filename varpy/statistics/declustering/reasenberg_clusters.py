"""Reasenberg (1985) cluster declustering.

Reasenberg, P. (1985), Second-order moment of central California seismicity, 1969-1982,
J. Geophys. Res. 90(B7), 5479-5495, doi:10.1029/JB090iB07p05479. Parameters and their defaults
as in the paper and ZMAP's implementation of it (Wiemer 2001):

* interaction zone: an event of magnitude ``M`` has the crack radius
  ``r(M) = 0.011 * 10^(0.4 M)`` km (Kanamori & Anderson 1975, 30 bar stress drop); a later event
  is linked when it lies within ``rfact * r(M_i)`` of the current event ``i`` or, when ``i`` is
  in a cluster and its look-ahead time exceeds ``tau_min``, within ``r(M_big)`` of the
  cluster's largest event (ZMAP's two circles);
* look-ahead time: ``tau_min`` for an event outside any cluster; inside a cluster

      tau = -ln(1 - p1) * dt / 10^((dM - 1) * 2/3),   dM = max((1 - xk) M_big - xmeff, 0)

  with ``dt`` the time from the cluster's largest event to the current one, clipped to
  ``[tau_min, tau_max]`` (Reasenberg's eq. 8-10: with probability ``p1`` the next event of the
  Omori sequence falls within ``tau``; ``xmeff`` is the catalogue's effective lower magnitude,
  raised during clusters by ``xk M_big``);
* distances are hypocentral, after subtracting the location uncertainties: horizontal
  ``max(d_epi - err, 0)``, vertical ``max(|dz| - derr, 0)``.

Events are processed in time order; a link between two clusters merges them. Events never linked
are singles. Every event is labelled; none is removed.

Examples
--------
>>> r = reasenberg([0.0, 0.5, 0.9, 30.0], [0.0, 0.01, 0.0, 0.0], [0.0, 0.0, 0.01, 0.0],
...                [4.0, 2.0, 2.5, 2.0])
>>> r.cluster.tolist(), int(r.n_clusters)
([0, 0, 0, 1], 2)
"""
from __future__ import annotations

import numpy as np

from varpy.exceptions import DataFormatError
from varpy.statistics.declustering.result import (DeclusterResult, check_catalogue,
                                                  haversine_km, label_clusters)

__all__ = ["reasenberg", "crack_radius", "look_ahead"]


def crack_radius(magnitudes):
    """Reasenberg's crack radius ``0.011 * 10^(0.4 M)`` km.

    >>> round(float(crack_radius(5.0)), 3)
    1.1
    """
    return 0.011 * 10.0 ** (0.4 * np.asarray(magnitudes, dtype=float))


def look_ahead(dt, m_big, *, tau_min=1.0, tau_max=10.0, p1=0.95, xk=0.5, xmeff=1.5):
    """Look-ahead time (days) of an event ``dt`` days after its cluster's largest event.

    -ln(0.05) * 0.2 / 10^((0.5 - 1) * 2/3) = 2.99573 * 0.2 / 0.46416:

    >>> round(float(look_ahead(0.2, 4.0)), 4)
    1.2908
    >>> float(look_ahead(2.0, 4.0))       # clipped to tau_max
    10.0
    """
    dm = np.maximum((1.0 - xk) * np.asarray(m_big, dtype=float) - xmeff, 0.0)
    tau = -np.log(1.0 - p1) * np.asarray(dt, dtype=float) / 10.0 ** ((dm - 1.0) * 2.0 / 3.0)
    return np.clip(tau, tau_min, tau_max)


def reasenberg(times, latitude, longitude, magnitudes, depth=None, *, tau_min: float = 1.0,
               tau_max: float = 10.0, p1: float = 0.95, xk: float = 0.5,
               xmeff: float | None = 1.5, rfact: float = 10.0, err: float = 1.5,
               derr: float = 2.0) -> DeclusterResult:
    """Reasenberg (1985) declustering.

    Parameters
    ----------
    times : array-like of float
        Event times in days.
    latitude, longitude : array-like of float
        Degrees.
    magnitudes : array-like of float
    depth : array-like of float, optional
        km, positive down; zeros if absent.
    tau_min, tau_max : float
        Shortest and longest look-ahead times (days); ``tau_min`` is used outside clusters.
    p1 : float
        Confidence of observing the next event of a sequence within the look-ahead time.
    xk : float
        Fraction of the cluster's largest magnitude added to ``xmeff`` during clusters.
    xmeff : float or None
        Effective lower magnitude cut-off of the catalogue; None takes the smallest magnitude.
    rfact : float
        Number of crack radii of the interaction zone around the current event.
    err, derr : float
        Horizontal and depth location uncertainties (km) subtracted from the distances.

    Returns
    -------
    DeclusterResult
        ``parameters`` holds every value used (``xmeff`` resolved).
    """
    t, lat, lon, m, z = check_catalogue(times, latitude, longitude, magnitudes, depth)
    checks = {"tau_min": (tau_min, tau_min > 0), "tau_max": (tau_max, tau_max >= tau_min),
              "p1": (p1, 0 < p1 < 1), "xk": (xk, 0 <= xk <= 1), "rfact": (rfact, rfact > 0),
              "err": (err, err >= 0), "derr": (derr, derr >= 0)}
    for key, (value, ok) in checks.items():
        if not (np.isfinite(value) and ok):
            raise DataFormatError(f"{key}={value!r}", key=key,
                                  expected="0 < tau_min <= tau_max, 0 < p1 < 1, 0 <= xk <= 1, "
                                  "rfact > 0, err >= 0, derr >= 0")
    if xmeff is None:
        xmeff = float(m.min()) if m.size else 0.0
    params = {"tau_min": float(tau_min), "tau_max": float(tau_max), "p1": float(p1),
              "xk": float(xk), "xmeff": float(xmeff), "rfact": float(rfact),
              "err": float(err), "derr": float(derr)}
    n = t.size
    order = np.argsort(t, kind="stable")
    ts, las, los, ms, zs = t[order], lat[order], lon[order], m[order], z[order]
    r_event = rfact * crack_radius(ms)
    # cluster bookkeeping (positions are time-sorted): label per event, members per cluster,
    # largest event per cluster
    label = np.full(n, -1, dtype=np.int64)
    members: dict[int, list[int]] = {}
    big: dict[int, int] = {}
    next_id = 0
    q = -np.log(1.0 - p1)

    def dist(i, js):
        h = np.maximum(haversine_km(las[i], los[i], las[js], los[js]) - err, 0.0)
        v = np.maximum(np.abs(zs[js] - zs[i]) - derr, 0.0)
        return np.hypot(h, v)

    for i in range(n):
        k = label[i]
        if k < 0:
            tau = tau_min
        else:
            b = big[k]
            dm = max((1.0 - xk) * ms[b] - xmeff, 0.0)
            tau = min(max(q * (ts[i] - ts[b]) / 10.0 ** ((dm - 1.0) * 2.0 / 3.0), tau_min),
                      tau_max)
        hi = int(np.searchsorted(ts, ts[i] + tau, side="right"))
        if hi <= i + 1:
            continue
        js = np.arange(i + 1, hi)
        if k >= 0:
            js = js[label[js] != k]
            if js.size == 0:
                continue
        linked = dist(i, js) <= r_event[i]
        if k >= 0 and tau > tau_min:
            b = big[k]
            linked |= dist(b, js) <= crack_radius(ms[b])
        for j in js[linked]:
            kj = label[j]
            k = label[i]
            if k < 0 and kj < 0:
                k = next_id
                next_id += 1
                members[k] = [i, j]
                label[i] = label[j] = k
                big[k] = i if ms[i] >= ms[j] else j
            elif k < 0:
                members[kj].append(i)
                label[i] = kj
                if ms[i] > ms[big[kj]]:
                    big[kj] = i
            elif kj < 0:
                members[k].append(j)
                label[j] = k
                if ms[j] > ms[big[k]]:
                    big[k] = j
            elif kj != k:
                # merge the smaller cluster into the larger one
                keep, drop = (k, kj) if len(members[k]) >= len(members[kj]) else (kj, k)
                moved = members.pop(drop)
                label[moved] = keep
                members[keep].extend(moved)
                b_drop = big.pop(drop)
                if ms[b_drop] > ms[big[keep]] or (ms[b_drop] == ms[big[keep]]
                                                  and b_drop < big[keep]):
                    big[keep] = b_drop
    singles = label < 0
    label[singles] = next_id + np.arange(int(singles.sum()))
    cluster = np.empty(n, dtype=np.int64)
    cluster[order] = label
    return label_clusters("reasenberg", params, cluster, magnitudes=m, times=t)
