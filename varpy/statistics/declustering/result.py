"""The labelled catalogue every declustering method returns, and the shared geometry.

A declustering never deletes an event: it labels each one with a cluster id and says which event
of each cluster is its mainshock (the largest, the earliest among equal magnitudes). A cluster
of one event is a *single*; its only event is its own mainshock. The declustered (background)
catalogue is the set of mainshocks, so the background fraction is ``n_clusters / n_events``.

Examples
--------
>>> import numpy as np
>>> from varpy.statistics.declustering.result import DeclusterResult, label_clusters
>>> cluster = np.array([0, 0, 1])
>>> r = label_clusters("demo", {"x": 1}, cluster, magnitudes=np.array([2.0, 3.0, 1.0]))
>>> r.mainshock.tolist(), r.foreshock.tolist(), r.n_clusters
([False, True, True], [True, False, False], 2)
>>> DeclusterResult.from_dict(r.to_dict()).to_dict() == r.to_dict()
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from varpy._json import jsonable
from varpy.exceptions import DataFormatError

__all__ = ["DeclusterResult", "label_clusters", "check_catalogue", "unit_vectors",
           "EARTH_RADIUS_KM", "haversine_km"]

#: Mean Earth radius (km), as in :mod:`varpy.simulation.etas`.
EARTH_RADIUS_KM = 6371.0088


@dataclass
class DeclusterResult:
    """Cluster labels of a catalogue (one entry per event, in the input order).

    Attributes
    ----------
    method : str
        Name of the declustering method.
    parameters : dict
        Every parameter the method used (defaults included), JSON-able.
    cluster : numpy.ndarray of int64
        Cluster id of each event, ``0 .. n_clusters - 1`` numbered by the time of the cluster's
        first event.
    mainshock : numpy.ndarray of bool
        The largest event of its cluster (singles included): the declustered catalogue.
    foreshock : numpy.ndarray of bool
        Events of a cluster before its mainshock; the others that are not mainshocks are
        aftershocks.
    parent : numpy.ndarray of int64 or None
        For methods that link events (nearest neighbour): the index of the event each one is
        linked to (-1 for the roots). None otherwise.
    diagnostics : dict
        Method-specific numbers (e.g. the nearest-neighbour threshold and mixture fit).
    """

    method: str
    parameters: dict
    cluster: np.ndarray
    mainshock: np.ndarray
    foreshock: np.ndarray
    parent: np.ndarray | None = None
    diagnostics: dict = field(default_factory=dict)

    @property
    def n_events(self) -> int:
        return int(self.cluster.size)

    @property
    def n_clusters(self) -> int:
        return int(self.mainshock.sum())

    @property
    def background(self) -> np.ndarray:
        """Boolean mask of the declustered catalogue (the mainshocks)."""
        return self.mainshock

    @property
    def background_fraction(self) -> float:
        return self.n_clusters / self.n_events if self.n_events else math.nan

    @property
    def cluster_size(self) -> np.ndarray:
        """Number of events of each event's cluster."""
        sizes = np.bincount(self.cluster, minlength=self.n_clusters)
        return sizes[self.cluster]

    @property
    def aftershock(self) -> np.ndarray:
        return ~self.mainshock & ~self.foreshock

    def to_frame(self):
        """Labels as a :class:`pandas.DataFrame` (columns ``cluster``, ``mainshock``,
        ``foreshock``, ``aftershock``, ``cluster_size`` and ``parent`` when known)."""
        import pandas as pd

        data = {"cluster": self.cluster, "mainshock": self.mainshock,
                "foreshock": self.foreshock, "aftershock": self.aftershock,
                "cluster_size": self.cluster_size}
        if self.parent is not None:
            data["parent"] = self.parent
        return pd.DataFrame(data)

    def label(self, catalogue):
        """A copy of ``catalogue`` (a DataFrame in the same row order) with the label columns
        added; no row is removed."""
        if len(catalogue) != self.n_events:
            raise DataFormatError(f"the catalogue has {len(catalogue)} rows but the labels are "
                                  f"for {self.n_events} events", expected="the declustered "
                                  "catalogue itself")
        out = catalogue.copy()
        for name, values in self.to_frame().items():
            out[name] = values.to_numpy()
        out.attrs["declustering"] = {"method": self.method,
                                     "parameters": jsonable(self.parameters)}
        return out

    def summary(self) -> str:
        n = self.n_events
        sizes = np.bincount(self.cluster, minlength=self.n_clusters) if n else np.zeros(0, int)
        multi = int((sizes > 1).sum())
        lines = [f"declustering ({self.method}): {n} events in {self.n_clusters} clusters "
                 f"({multi} with more than one event, largest {int(sizes.max()) if n else 0})",
                 f"  background (mainshocks and singles): {self.n_clusters} "
                 f"({100 * self.background_fraction:.1f} %), foreshocks "
                 f"{int(self.foreshock.sum())}, aftershocks {int(self.aftershock.sum())}",
                 "  parameters: " + ", ".join(f"{k}={v}" for k, v in self.parameters.items())]
        for key, value in self.diagnostics.items():
            if isinstance(value, (int, float, str)):
                lines.append(f"  {key}: {value}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return jsonable({"method": self.method, "parameters": self.parameters,
                         "cluster": self.cluster, "mainshock": self.mainshock,
                         "foreshock": self.foreshock, "parent": self.parent,
                         "diagnostics": self.diagnostics})

    @classmethod
    def from_dict(cls, d: dict) -> "DeclusterResult":
        parent = d.get("parent")
        return cls(method=d["method"], parameters=dict(d.get("parameters") or {}),
                   cluster=np.asarray(d["cluster"], dtype=np.int64),
                   mainshock=np.asarray(d["mainshock"], dtype=bool),
                   foreshock=np.asarray(d["foreshock"], dtype=bool),
                   parent=None if parent is None else np.asarray(parent, dtype=np.int64),
                   diagnostics=dict(d.get("diagnostics") or {}))


def label_clusters(method: str, parameters: dict, cluster, *, magnitudes, times=None,
                   parent=None, diagnostics=None) -> DeclusterResult:
    """Build a :class:`DeclusterResult` from any cluster labelling.

    ``cluster`` may use any integer ids (each distinct id is one cluster, -1 is *not* special).
    Ids are renumbered ``0..k-1`` in order of the cluster's first event (by ``times``, or by
    row when ``times`` is None); the mainshock is the largest magnitude, the earliest on ties.
    """
    cluster = np.asarray(cluster, dtype=np.int64)
    m = np.asarray(magnitudes, dtype=float)
    n = cluster.size
    t = np.arange(n, dtype=float) if times is None else np.asarray(times, dtype=float)
    if n == 0:
        empty = np.zeros(0, dtype=bool)
        return DeclusterResult(method, dict(parameters), np.zeros(0, np.int64), empty, empty,
                               parent, dict(diagnostics or {}))
    order = np.lexsort((np.arange(n), t))           # time order, stable
    _, first, inverse = np.unique(cluster[order], return_index=True, return_inverse=True)
    # rank clusters by their first event in time
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    new = np.empty(n, dtype=np.int64)
    new[order] = rank[inverse]
    # mainshock: largest magnitude, earliest (in time order) among equals; NaN magnitudes last
    key_m = np.where(np.isfinite(m), m, -np.inf)
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    best = np.lexsort((pos, -key_m, new))           # by cluster, then largest m, then earliest
    is_first = np.ones(n, dtype=bool)
    is_first[1:] = new[best][1:] != new[best][:-1]
    mainshock = np.zeros(n, dtype=bool)
    mainshock[best[is_first]] = True
    main_pos = np.empty(first.size, dtype=np.int64)
    main_pos[new[best[is_first]]] = pos[best[is_first]]
    foreshock = pos < main_pos[new]
    return DeclusterResult(method, dict(parameters), new, mainshock, foreshock,
                           None if parent is None else np.asarray(parent, dtype=np.int64),
                           dict(diagnostics or {}))


def check_catalogue(times, latitude, longitude, magnitudes, depth=None, *, need_depth=False):
    """Float arrays of one length, finite, checked; depth defaults to zeros."""
    arrays = {"times": times, "latitude": latitude, "longitude": longitude,
              "magnitudes": magnitudes}
    if depth is not None or need_depth:
        arrays["depth"] = depth
    out = {}
    n = None
    for name, value in arrays.items():
        if value is None:
            raise DataFormatError(f"{name} is required", key=name, expected="an array of floats")
        a = np.asarray(value, dtype=float).reshape(-1)
        if n is None:
            n = a.size
        elif a.size != n:
            raise DataFormatError(f"{name} has {a.size} values but times has {n}", key=name,
                                  expected="arrays of one length")
        bad = ~np.isfinite(a)
        if bad.any():
            raise DataFormatError(f"{name} holds {int(bad.sum())} non-finite values (first at "
                                  f"index {int(np.flatnonzero(bad)[0])})", key=name,
                                  expected="finite numbers; drop or fill missing values first")
        out[name] = a
    lat = out["latitude"]
    if np.any(np.abs(lat) > 90):
        raise DataFormatError("latitude outside [-90, 90]", key="latitude",
                              expected="degrees north")
    if "depth" not in out:
        out["depth"] = np.zeros(n)
    return out["times"], lat, out["longitude"], out["magnitudes"], out["depth"]


def unit_vectors(latitude, longitude) -> np.ndarray:
    """``(n, 3)`` unit vectors of the points on the sphere."""
    la, lo = np.radians(latitude), np.radians(longitude)
    c = np.cos(la)
    return np.column_stack([c * np.cos(lo), c * np.sin(lo), np.sin(la)])


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (km) on a sphere of radius :data:`EARTH_RADIUS_KM`.

    >>> round(float(haversine_km(0.0, 0.0, 0.0, 1.0)), 3)
    111.195
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
