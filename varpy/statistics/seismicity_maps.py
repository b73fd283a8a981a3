"""b-value, Mc and rate-change (z-value) maps on a grid, and the same along a depth section.

Every grid node takes the events around it, either all within ``radius_km`` (constant radius)
or its ``n_nearest`` events (constant number; the radius each node needed is returned, and
``max_radius_km`` can cap it), and computes one statistic with varpy's existing estimators:

* ``"mc"``: completeness of the node's events (:func:`varpy.statistics.mc.completeness`);
* ``"b_value"``: Mc (given, or estimated per node as above), then b and its Shi-Bolt
  uncertainty of the events at or above it (:func:`varpy.statistics.bvalue.estimate_b`);
* ``"z_value"``: Habermann's z between the events before and after ``split_time``
  (:func:`varpy.statistics.rate_change.z_value`, positive for a rate decrease; counts in bins
  of ``bin_days`` laid out from the split outwards, :func:`~varpy.statistics.rate_change.
  binned_counts`).

Minimum-event rule (ZMAP's ``Nmin``): a node with fewer than ``min_events`` usable events
(above its Mc for b-values) is NaN, and the number of such nodes is reported
(``GridResult.n_below_min``); a node whose method finds no Mc is NaN as well
(``n_failed``).

Distances on a map are straight lines between points on the sphere of radius 6371.0088 km (within
0.01 % of the great-circle distance below 100 km). A section (:func:`section_grid`) projects the
events within ``width_km`` of a profile onto the vertical plane through it: ``x`` is the distance
along the profile (km) and ``y`` the depth (km); distances there are 2-D in (x, depth).

References: Wiemer & Wyss (1997, JGR 102, 15115) for b-value maps with constant number of
events; Habermann (1983, Bull. Seismol. Soc. Am. 73, 1135) and Wiemer & Wyss (1994, BSSA 84,
900) for z-value maps.

Examples
--------
>>> import numpy as np
>>> from varpy.statistics import mags
>>> rng = np.random.default_rng(3)
>>> lat, lon = rng.uniform(37.5, 38.0, 4000), rng.uniform(14.8, 15.3, 4000)
>>> m = mags.simulate_gr(4000, b=1.0, mc=1.0, dm=0.1, seed=3)
>>> g = seismicity_grid("b_value", lat, lon, m, lat_nodes=[37.75], lon_nodes=[15.05],
...                     n_nearest=2000, mc=1.0)
>>> round(float(g.values["b_value"][0, 0]), 1), int(g.values["n"][0, 0])
(1.0, 2000)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from varpy._json import json_float, jsonable
from varpy.exceptions import DataFormatError, FitError, UnknownFormatError
from varpy.statistics import binning, bvalue
from varpy.statistics import mc as completeness_methods
from varpy.statistics import rate_change
from varpy.statistics.declustering.result import EARTH_RADIUS_KM, unit_vectors

__all__ = ["QUANTITIES", "GridResult", "seismicity_grid", "section_grid",
           "profile_coordinates", "b_value_map", "mc_map", "rate_change_map"]

#: What a grid can hold, and the value arrays each gives.
QUANTITIES = {"b_value": ("b_value", "b_sigma", "mc", "n", "radius_km"),
              "mc": ("mc", "n", "radius_km"),
              "z_value": ("z_value", "rate_before", "rate_after", "n", "radius_km")}


@dataclass
class GridResult:
    """Values of one statistic on a grid of nodes.

    Attributes
    ----------
    quantity : str
        ``"b_value"``, ``"mc"`` or ``"z_value"``.
    kind : str
        ``"map"`` (``x`` longitude, ``y`` latitude, degrees) or ``"section"`` (``x`` distance
        along the profile, ``y`` depth, km).
    x, y : numpy.ndarray
        Node coordinates; every value array has shape ``(y.size, x.size)``.
    values : dict of str to numpy.ndarray
        The statistic and its companions (see :data:`QUANTITIES`); ``n`` is the number of
        events used at each node, ``radius_km`` the radius of its neighbourhood.
    parameters : dict
        Everything the computation used.
    n_below_min, n_failed : int
        Nodes left NaN by the minimum-event rule, and nodes where the estimator found no value.
    """

    quantity: str
    kind: str
    x: np.ndarray
    y: np.ndarray
    values: dict
    parameters: dict
    n_below_min: int = 0
    n_failed: int = 0
    extras: dict = field(default_factory=dict)

    @property
    def value(self) -> np.ndarray:
        """The main statistic (``values[quantity]``)."""
        return self.values[self.quantity]

    @property
    def n_nodes(self) -> int:
        return int(self.x.size * self.y.size)

    def to_frame(self):
        """One row per node: coordinates and every value (long format)."""
        import pandas as pd

        xx, yy = np.meshgrid(self.x, self.y)
        names = ("longitude", "latitude") if self.kind == "map" else ("distance_km", "depth_km")
        data = {names[0]: xx.ravel(), names[1]: yy.ravel()}
        for key, arr in self.values.items():
            data[key] = np.asarray(arr, dtype=float).ravel()
        return pd.DataFrame(data)

    def summary(self) -> str:
        v = self.value
        ok = np.isfinite(v)
        rng = (f"{np.nanmin(v):.3g} to {np.nanmax(v):.3g} (median {np.nanmedian(v):.3g})"
               if ok.any() else "no value")
        return (f"{self.quantity} {self.kind}: {self.y.size} x {self.x.size} nodes, "
                f"{int(ok.sum())} with a value: {rng}; {self.n_below_min} below the "
                f"minimum of {self.parameters.get('min_events')} events, {self.n_failed} where "
                f"the estimator failed")

    def to_dict(self) -> dict:
        return jsonable({"quantity": self.quantity, "kind": self.kind, "x": self.x,
                         "y": self.y, "values": self.values, "parameters": self.parameters,
                         "n_below_min": self.n_below_min, "n_failed": self.n_failed,
                         "extras": self.extras})

    @classmethod
    def from_dict(cls, d: dict) -> "GridResult":
        def arr(v):
            return np.array([[json_float(x) for x in row] for row in v], dtype=float) \
                if v and isinstance(v[0], list) else np.array([json_float(x) for x in v],
                                                              dtype=float)

        return cls(d["quantity"], d["kind"], arr(d["x"]), arr(d["y"]),
                   {k: arr(v) for k, v in d["values"].items()}, dict(d["parameters"]),
                   int(d.get("n_below_min", 0)), int(d.get("n_failed", 0)),
                   dict(d.get("extras") or {}))


# ---------------------------------------------------------------------------------------------
# neighbourhoods
# ---------------------------------------------------------------------------------------------

def _sphere_points(lat, lon):
    return EARTH_RADIUS_KM * unit_vectors(lat, lon)


def _neighbourhoods(points, nodes, radius_km, n_nearest, max_radius_km):
    """``(list of index arrays, radius per node)``."""
    tree = cKDTree(points)
    if n_nearest is not None:
        k = min(int(n_nearest), len(points))
        if k == 0:
            return [np.zeros(0, np.int64)] * len(nodes), np.full(len(nodes), np.nan)
        dist, idx = tree.query(nodes, k=k)
        dist, idx = dist.reshape(len(nodes), k), idx.reshape(len(nodes), k)
        radius = dist[:, -1].copy()
        groups = [idx[i] for i in range(len(nodes))]
        if max_radius_km is not None:
            groups = [g[d <= max_radius_km] for g, d in zip(groups, dist)]
            radius = np.minimum(radius, max_radius_km)
        return groups, radius
    found = tree.query_ball_point(nodes, radius_km)
    return [np.asarray(f, dtype=np.int64) for f in found], np.full(len(nodes), float(radius_km))


def _check_selection(radius_km, n_nearest, max_radius_km, min_events):
    if (radius_km is None) == (n_nearest is None):
        raise DataFormatError("give exactly one of radius_km (constant radius) and n_nearest "
                              "(constant number of events)", key="radius_km",
                              expected="radius_km=... or n_nearest=...")
    if radius_km is not None and not (np.isfinite(radius_km) and radius_km > 0):
        raise DataFormatError(f"radius_km={radius_km!r}", key="radius_km",
                              expected="a positive number of km")
    if n_nearest is not None and not (int(n_nearest) == n_nearest and n_nearest > 0):
        raise DataFormatError(f"n_nearest={n_nearest!r}", key="n_nearest",
                              expected="a positive integer")
    if max_radius_km is not None and not max_radius_km > 0:
        raise DataFormatError(f"max_radius_km={max_radius_km!r}", key="max_radius_km",
                              expected="a positive number of km or None")
    if not (int(min_events) == min_events and min_events >= 1):
        raise DataFormatError(f"min_events={min_events!r}", key="min_events",
                              expected="a positive integer")


def _grid_values(quantity, points, nodes, shape, magnitudes, times, *, radius_km, n_nearest,
                 max_radius_km, min_events, dm, mc, mc_method, mc_options, b_method,
                 split_time, bin_days, t_range):
    if quantity not in QUANTITIES:
        raise UnknownFormatError("grid quantity", quantity, QUANTITIES)
    _check_selection(radius_km, n_nearest, max_radius_km, min_events)
    groups, radius = _neighbourhoods(points, nodes, radius_km, n_nearest, max_radius_km)
    out = {name: np.full(len(nodes), np.nan) for name in QUANTITIES[quantity]}
    out["radius_km"] = radius
    below = failed = 0
    if quantity == "z_value":
        t0, t1 = t_range
        if not (t0 < split_time < t1):
            raise DataFormatError(f"split_time={split_time!r} is not inside the catalogue "
                                  f"[{t0}, {t1})", key="split_time",
                                  expected="a time between the first and last event")
        if not bin_days > 0:
            raise DataFormatError(f"bin_days={bin_days!r}", key="bin_days",
                                  expected="a positive number of days")
        n_a = int(math.floor((split_time - t0) / bin_days + 1e-9))
        n_b = int(math.floor((t1 - split_time) / bin_days + 1e-9))
        if n_a < 2 or n_b < 2:
            raise DataFormatError(f"bin_days={bin_days!r} leaves {n_a} bin(s) before the split "
                                  f"and {n_b} after; the z-value needs at least two in each",
                                  key="bin_days", expected="a bin shorter than half of each "
                                  "period")
        start_a = split_time - n_a * bin_days
    for k, idx in enumerate(groups):
        out["n"][k] = idx.size
        if idx.size < min_events:
            below += 1
            continue
        if quantity == "z_value":
            t = times[idx]
            ca = rate_change.binned_counts(t, start_a, split_time, bin_days)
            cb = rate_change.binned_counts(t, split_time, split_time + n_b * bin_days, bin_days)
            out["z_value"][k] = rate_change.z_value(ca, cb)
            out["rate_before"][k] = ca.mean() / bin_days
            out["rate_after"][k] = cb.mean() / bin_days
            if not np.isfinite(out["z_value"][k]):
                failed += 1
            continue
        m = magnitudes[idx]
        if mc is None or quantity == "mc":
            try:
                mc_k = completeness_methods.completeness(mc_method, m, dm, **mc_options)[0]
            except FitError:
                mc_k = math.nan
        else:
            mc_k = float(mc)
        out["mc"][k] = mc_k
        if not np.isfinite(mc_k):
            failed += 1
            continue
        if quantity == "mc":
            continue
        above = m[binning.bin_index(m, dm) >= round(mc_k / dm)] if dm > 0 else m[m >= mc_k]
        out["n"][k] = above.size
        if above.size < min_events:
            below += 1
            out["mc"][k] = mc_k
            continue
        fit = bvalue.estimate_b(above, mc_k, dm, method=b_method)
        out["b_value"][k] = fit.b
        out["b_sigma"][k] = bvalue.sigma_shi_bolt(fit.b, fit.n, fit.std)
    values = {name: arr.reshape(shape) for name, arr in out.items()}
    params = {"quantity": quantity, "radius_km": radius_km, "n_nearest": n_nearest,
              "max_radius_km": max_radius_km, "min_events": int(min_events)}
    if quantity in ("b_value", "mc"):
        params.update(dm=dm, mc=mc, mc_method=mc_method, mc_options=dict(mc_options))
        if quantity == "b_value":
            params["b_method"] = b_method
    else:
        params.update(split_time=split_time, bin_days=bin_days)
    return values, params, below, failed


def _nodes_1d(values, name):
    a = np.asarray(values, dtype=float).reshape(-1)
    if a.size == 0 or not np.all(np.isfinite(a)):
        raise DataFormatError(f"{name} must hold at least one finite number", key=name,
                              expected="e.g. numpy.arange(37.5, 38.0, 0.05)")
    return a


def _arrays(quantity, latitude, longitude, magnitudes, times):
    if quantity not in QUANTITIES:
        raise UnknownFormatError("grid quantity", quantity, QUANTITIES)
    lat = np.asarray(latitude, dtype=float).reshape(-1)
    lon = np.asarray(longitude, dtype=float).reshape(-1)
    need = {"latitude": lat, "longitude": lon}
    m = t = None
    if quantity in ("b_value", "mc"):
        if magnitudes is None:
            raise DataFormatError(f"a {quantity} grid needs magnitudes", key="magnitudes",
                                  expected="an array of magnitudes")
        m = np.asarray(magnitudes, dtype=float).reshape(-1)
        need["magnitudes"] = m
    else:
        if times is None:
            raise DataFormatError("a z_value grid needs times (days)", key="times",
                                  expected="an array of times in days")
        t = np.asarray(times, dtype=float).reshape(-1)
        need["times"] = t
    for name, a in need.items():
        if a.size != lat.size:
            raise DataFormatError(f"{name} has {a.size} values, latitude {lat.size}", key=name,
                                  expected="arrays of one length")
        if not np.all(np.isfinite(a)):
            raise DataFormatError(f"{name} holds non-finite values", key=name,
                                  expected="finite numbers; drop missing values first")
    return lat, lon, m, t


def seismicity_grid(quantity: str, latitude, longitude, magnitudes=None, times=None, *,
                    lat_nodes, lon_nodes, radius_km: float | None = None,
                    n_nearest: int | None = None, max_radius_km: float | None = None,
                    min_events: int = 50, dm: float = 0.1, mc: float | None = None,
                    mc_method: str = "maxc", mc_options: dict | None = None,
                    b_method: str = "tinti_mulargia", split_time: float | None = None,
                    bin_days: float = 30.0) -> GridResult:
    """A b-value, Mc or z-value map on a latitude/longitude grid.

    Parameters
    ----------
    quantity : {"b_value", "mc", "z_value"}
    latitude, longitude : array-like of float
        Epicentres (degrees).
    magnitudes : array-like of float
        Needed for ``b_value`` and ``mc``.
    times : array-like of float
        Days; needed for ``z_value``.
    lat_nodes, lon_nodes : array-like of float
        Grid node coordinates (the grid is their outer product).
    radius_km, n_nearest : float, int
        Exactly one: constant radius, or constant number of nearest events.
    max_radius_km : float, optional
        With ``n_nearest``, drop events farther than this (the node may then fall below
        ``min_events``).
    min_events : int
        Minimum number of events (above Mc for ``b_value``); nodes with fewer are NaN.
    dm : float
        Magnitude bin width.
    mc : float, optional
        Fixed completeness for ``b_value``; by default estimated at each node with
        ``mc_method`` (and ``mc_options``).
    b_method : str
        b estimator of :func:`varpy.statistics.bvalue.estimate_b`.
    split_time : float
        ``z_value``: the time (days) separating the two periods compared.
    bin_days : float
        ``z_value``: bin length of the counts (bins are laid out from the split outwards;
        incomplete end bins are dropped).

    Returns
    -------
    GridResult
    """
    quantity = str(quantity)
    lat, lon, m, t = _arrays(quantity, latitude, longitude, magnitudes, times)
    ys, xs = _nodes_1d(lat_nodes, "lat_nodes"), _nodes_1d(lon_nodes, "lon_nodes")
    grid_lon, grid_lat = np.meshgrid(xs, ys)
    points = _sphere_points(lat, lon)
    nodes = _sphere_points(grid_lat.ravel(), grid_lon.ravel())
    t_range = (float(t.min()), float(t.max()) + 1e-9) if t is not None and t.size else (0, 0)
    values, params, below, failed = _grid_values(
        quantity, points, nodes, grid_lat.shape, m, t, radius_km=radius_km,
        n_nearest=n_nearest, max_radius_km=max_radius_km, min_events=min_events, dm=dm, mc=mc,
        mc_method=mc_method, mc_options=mc_options or {}, b_method=b_method,
        split_time=split_time, bin_days=bin_days, t_range=t_range)
    return GridResult(quantity, "map", xs, ys, values, params, below, failed)


def b_value_map(latitude, longitude, magnitudes, **options) -> GridResult:
    """:func:`seismicity_grid` of ``"b_value"``."""
    return seismicity_grid("b_value", latitude, longitude, magnitudes, **options)


def mc_map(latitude, longitude, magnitudes, **options) -> GridResult:
    """:func:`seismicity_grid` of ``"mc"``."""
    return seismicity_grid("mc", latitude, longitude, magnitudes, **options)


def rate_change_map(latitude, longitude, times, *, split_time: float, **options) -> GridResult:
    """:func:`seismicity_grid` of ``"z_value"`` (Habermann's z between the periods before and
    after ``split_time``)."""
    return seismicity_grid("z_value", latitude, longitude, None, times,
                           split_time=split_time, **options)


# ---------------------------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------------------------

def profile_coordinates(latitude, longitude, start, end):
    """``(distance_km, offset_km, length_km)``: position of points along and across the
    great-circle profile from ``start`` to ``end`` (``(lat, lon)`` pairs).

    ``distance`` is measured along the profile from ``start`` (negative before it, beyond
    ``length`` past ``end``), ``offset`` perpendicular to it (positive to the left, looking from
    start to end).

    Examples
    --------
    >>> d, o, length = profile_coordinates([0.0, 1.0], [0.5, 0.5], (0.0, 0.0), (0.0, 1.0))
    >>> round(length, 2), [round(float(v), 2) for v in d], [round(float(v), 2) for v in o]
    (111.2, [55.6, 55.6], [0.0, 111.2])
    """
    a = _sphere_points(*start) / EARTH_RADIUS_KM
    b = _sphere_points(*end) / EARTH_RADIUS_KM
    a, b = a.ravel(), b.ravel()
    normal = np.cross(a, b)
    norm = np.linalg.norm(normal)
    if not norm > 0:
        raise DataFormatError("the profile's start and end coincide (or are antipodal)",
                              key="end", expected="two distinct points")
    normal /= norm
    length = EARTH_RADIUS_KM * math.atan2(norm, float(np.dot(a, b)))
    p = _sphere_points(np.asarray(latitude, float), np.asarray(longitude, float)) \
        / EARTH_RADIUS_KM
    off = np.arcsin(np.clip(p @ normal, -1, 1))
    along_dir = np.cross(normal, a)                     # tangent at start towards end
    proj = p - np.outer(p @ normal, normal)
    dist = np.arctan2(proj @ along_dir, proj @ a)
    return EARTH_RADIUS_KM * dist, EARTH_RADIUS_KM * off, float(length)


def section_grid(quantity: str, latitude, longitude, depth, magnitudes=None, times=None, *,
                 start, end, width_km: float, distance_nodes, depth_nodes,
                 radius_km: float | None = None, n_nearest: int | None = None,
                 max_radius_km: float | None = None, min_events: int = 50, dm: float = 0.1,
                 mc: float | None = None, mc_method: str = "maxc",
                 mc_options: dict | None = None, b_method: str = "tinti_mulargia",
                 split_time: float | None = None, bin_days: float = 30.0) -> GridResult:
    """A b-value, Mc or z-value grid on the vertical section along a profile.

    Events within ``width_km / 2`` of the profile from ``start`` to ``end`` (``(lat, lon)``)
    are projected onto it; nodes are ``distance_nodes`` (km along the profile) x
    ``depth_nodes`` (km); neighbourhoods are circles in the (distance, depth) plane. Other
    parameters as :func:`seismicity_grid`. ``extras`` records the number of events in the
    swath.
    """
    quantity = str(quantity)
    lat, lon, m, t = _arrays(quantity, latitude, longitude, magnitudes, times)
    z = np.asarray(depth, dtype=float).reshape(-1)
    if z.size != lat.size or not np.all(np.isfinite(z)):
        raise DataFormatError("depth must be finite and as long as latitude", key="depth",
                              expected="km, positive down")
    if not width_km > 0:
        raise DataFormatError(f"width_km={width_km!r}", key="width_km",
                              expected="a positive swath width in km")
    dist, off, length = profile_coordinates(lat, lon, start, end)
    inside = (np.abs(off) <= width_km / 2) & (dist >= 0) & (dist <= length)
    xs, ys = _nodes_1d(distance_nodes, "distance_nodes"), _nodes_1d(depth_nodes, "depth_nodes")
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([dist[inside], z[inside]])
    nodes = np.column_stack([gx.ravel(), gy.ravel()])
    mm = None if m is None else m[inside]
    tt = None if t is None else t[inside]
    t_range = (float(tt.min()), float(tt.max()) + 1e-9) if tt is not None and tt.size else (0, 0)
    values, params, below, failed = _grid_values(
        quantity, points, nodes, gx.shape, mm, tt, radius_km=radius_km, n_nearest=n_nearest,
        max_radius_km=max_radius_km, min_events=min_events, dm=dm, mc=mc, mc_method=mc_method,
        mc_options=mc_options or {}, b_method=b_method, split_time=split_time,
        bin_days=bin_days, t_range=t_range)
    params.update(start=[float(v) for v in start], end=[float(v) for v in end],
                  width_km=float(width_km))
    return GridResult(quantity, "section", xs, ys, values, params, below, failed,
                      {"events_in_swath": int(inside.sum()), "profile_length_km": length})
