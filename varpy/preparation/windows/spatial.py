"""Spatial windows on latitude/longitude: a box (:func:`box`) and polygons (:func:`polygon`,
with the vectorised half-open crossing test :func:`points_in_polygon`).

Depth windows are range windows (:func:`varpy.preparation.windows.ranges.depth_range`).

May import: :mod:`varpy.exceptions`, :mod:`varpy.management.datatypes`,
:mod:`varpy.preparation.windows._apply`; matplotlib (lazily, for ``Path`` input).
"""
from __future__ import annotations

import numpy as np

from varpy.exceptions import SelectionError
from varpy.management.datatypes import Datatype
from varpy.preparation.windows._apply import (_CLOSED, _apply, _interval_mask, _pair,
                                              _refuse_laboratory, _targets)

__all__ = ["box", "polygon", "points_in_polygon"]


def box(obj, lat=None, lon=None, *, kinds=None):
    """Keep the events inside a latitude/longitude box ``[lat0, lat1) x [lon0, lon1)``.

    VarPy's ``latlon`` window. Longitudes are taken on a plain -180..180 (or 0..360) line: a box
    across the antimeridian is not supported (``lon0 > lon1`` is an error).

    Parameters
    ----------
    obj : Volcanic or ECVD (any datatype with ``latitude`` and ``longitude`` columns)
    lat, lon : (min, max) pairs, optional
        Degrees; either side may be None (open). ``lat=None`` applies no latitude condition at
        all; give at least one of ``lat`` and ``lon``. Rows with a NaN coordinate that is tested
        are dropped.
    kinds : str or sequence of str, optional
        Default: the datatypes that have ``latitude`` and ``longitude`` columns.

    Raises
    ------
    SelectionError
        For a :class:`~varpy.Laboratory` (lab locations are x, y, z in mm: use
        :func:`column_range`), for bounds that are not ``(min, max)`` pairs, and for ``kinds``
        naming a datatype without the coordinate columns.

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> cat = varpy.ECVD(pd.DataFrame({"time": pd.to_datetime(["2012-01-01"] * 3, utc=True),
    ...     "latitude": [37.5, 37.7, 37.9], "longitude": [14.7, 15.0, 15.3],
    ...     "depth": 5.0, "magnitude": 2.0}))
    >>> box(cat, lat=(37.5, 37.9), lon=(14.7, 15.3)).dataset["latitude"].tolist()
    [37.5, 37.7]
    """
    _refuse_laboratory(obj, "box")
    if lat is None and lon is None:
        raise SelectionError("box needs lat=(min, max), lon=(min, max) or both")
    lat_lo, lat_hi = _pair(lat, "lat")
    lon_lo, lon_hi = _pair(lon, "lon")
    columns = (("latitude",) if lat is not None else ()) + (("longitude",) if lon is not None
                                                            else ())
    targets = _targets(obj, kinds, "box", columns=("latitude", "longitude"))
    step = {"op": "box", "latitude": None if lat is None else [lat_lo, lat_hi],
            "longitude": None if lon is None else [lon_lo, lon_hi], "closed": _CLOSED}
    bounds = {"latitude": (lat_lo, lat_hi), "longitude": (lon_lo, lon_hi)}

    def cut(dt: Datatype):
        mask = np.ones(len(dt), dtype=bool)
        for col in columns:
            mask &= _interval_mask(dt.dataset[col], *bounds[col])
        return mask, step

    return _apply(obj, targets, cut)


def polygon(obj, vertices, *, kinds=None):
    """Keep the events whose (longitude, latitude) lies inside a polygon.

    Parameters
    ----------
    obj : Volcanic or ECVD (any datatype with ``latitude`` and ``longitude`` columns)
    vertices : (n, 2) array-like of (longitude, latitude), a list of such rings, or a
        :class:`matplotlib.path.Path`
        The polygon; closing the ring (repeating the first vertex) is optional. Several rings
        combine by the even-odd rule, so a ring inside another one is a hole.
    kinds : str or sequence of str, optional
        Default: the datatypes that have ``latitude`` and ``longitude`` columns.

    Notes
    -----
    The test is the crossing-number (ray casting) rule, vectorised: points are sorted by
    latitude once and each edge only looks at the points in its latitude band, so the cost is
    ``O(n log n)`` plus the band sizes.

    **Boundary.** The rule is half-open like every varpy interval, and independent of the ring's
    orientation: a point exactly on an edge counts as inside when the points immediately east of
    it (larger longitude) are inside, or, on an east-west edge, when the points immediately
    north of it are. An axis-aligned rectangle therefore selects exactly what :func:`box` with the
    same corners selects (``[lon0, lon1) x [lat0, lat1)``), and polygons that tile an area put
    every point of a shared edge or vertex into exactly one of them (the shared edge is evaluated
    with identical arithmetic in both). matplotlib's ``Path.contains_points`` is not used because
    its answer on the boundary depends on the ring's orientation.

    Longitude and latitude are treated as plane coordinates (no antimeridian wrap, straight
    edges in degrees), which is what small volcanic regions need.

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> cat = varpy.ECVD(pd.DataFrame({"time": pd.to_datetime(["2012-01-01"] * 3, utc=True),
    ...     "latitude": [0.2, 0.8, 0.5], "longitude": [0.5, 0.5, 0.0],
    ...     "depth": 5.0, "magnitude": 2.0}))
    >>> triangle = [(0.0, 0.0), (1.0, 0.0), (0.5, 1.0)]
    >>> polygon(cat, triangle).dataset["latitude"].tolist()
    [0.2, 0.8]
    """
    _refuse_laboratory(obj, "polygon")
    rings = _rings(vertices)
    targets = _targets(obj, kinds, "polygon", columns=("latitude", "longitude"))
    edges = _edges(rings)
    step = {"op": "polygon", "rings": [r.tolist() for r in rings], "rule": "even-odd",
            "closed": _CLOSED}

    def cut(dt: Datatype):
        lon = dt.dataset["longitude"].to_numpy(dtype=float, na_value=np.nan)
        lat = dt.dataset["latitude"].to_numpy(dtype=float, na_value=np.nan)
        return points_in_polygon(lon, lat, edges), step

    return _apply(obj, targets, cut)


# ------------------------------------------------------------------------------------------------
# point in polygon
# ------------------------------------------------------------------------------------------------
def points_in_polygon(x, y, edges: np.ndarray) -> np.ndarray:
    """Even-odd crossing test of points ``(x, y)`` against ``edges`` (see :func:`polygon`).

    ``edges`` is an ``(m, 4)`` array of ``(x_low, y_low, x_high, y_high)`` rows with
    ``y_low < y_high`` (as built by :func:`_edges`). NaN coordinates are outside.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    order = np.argsort(y, kind="stable")  # NaN latitudes sort last, outside every band
    ys = y[order]
    xs = x[order]
    parity = np.zeros(len(ys), dtype=bool)
    lows = np.searchsorted(ys, edges[:, 1], side="left")
    highs = np.searchsorted(ys, edges[:, 3], side="left")
    for (xa, ya, xb, yb), i0, i1 in zip(edges, lows, highs):
        if i1 <= i0:
            continue
        # ya <= y < yb for the band; the crossing is strictly east of the point
        cross = xa + (ys[i0:i1] - ya) * ((xb - xa) / (yb - ya))
        parity[i0:i1] ^= xs[i0:i1] < cross
    inside = np.empty_like(parity)
    inside[order] = parity
    return inside & np.isfinite(x) & np.isfinite(y)


def _rings(vertices) -> list[np.ndarray]:
    from matplotlib.path import Path

    if isinstance(vertices, Path):
        raw = vertices.to_polygons(closed_only=False)
    else:
        try:
            arr = np.asarray(vertices, dtype=float)
        except (TypeError, ValueError):
            arr = None
        if arr is not None and arr.ndim == 2:
            raw = [arr]
        elif arr is not None and arr.ndim == 3:
            raw = list(arr)
        else:
            try:
                raw = [np.asarray(r, dtype=float) for r in vertices]
            except (TypeError, ValueError) as exc:
                raise SelectionError(f"polygon vertices must be (longitude, latitude) pairs: "
                                     f"{exc}") from exc
    rings = []
    for i, ring in enumerate(raw):
        if ring.ndim != 2 or ring.shape[1] != 2:
            raise SelectionError(f"polygon ring {i} has shape {ring.shape}; expected (n, 2) "
                                 "(longitude, latitude) pairs")
        if not np.isfinite(ring).all():
            raise SelectionError(f"polygon ring {i} has non-finite vertices")
        if len(ring) > 1 and np.array_equal(ring[0], ring[-1]):
            ring = ring[:-1]
        if len(np.unique(ring, axis=0)) < 3:
            raise SelectionError(f"polygon ring {i} has fewer than 3 distinct vertices")
        rings.append(ring)
    if not rings:
        raise SelectionError("polygon needs at least one ring of 3 or more vertices")
    return rings


def _edges(rings: list[np.ndarray]) -> np.ndarray:
    """Non-horizontal edges as (x_low, y_low, x_high, y_high), lower end first.

    Ordering each edge by its end points (not by the ring's direction) makes the crossing
    arithmetic identical for two polygons that share the edge, which is what guarantees that
    tiles never both claim (or both miss) a point on it.
    """
    parts = []
    for ring in rings:
        a = ring
        b = np.roll(ring, -1, axis=0)
        swap = b[:, 1] < a[:, 1]  # horizontal edges (equal y) are dropped below
        low = np.where(swap[:, None], b, a)
        high = np.where(swap[:, None], a, b)
        keep = low[:, 1] < high[:, 1]
        parts.append(np.column_stack([low[keep], high[keep]]))
    return np.concatenate(parts)
