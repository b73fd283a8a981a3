"""Windows on a project or a datatype: time, area, depth, magnitude, any column, stations.

Every function here takes a project (:class:`~varpy.Volcanic`, :class:`~varpy.Laboratory`) or a
single datatype and returns a **new object of the same type**; the input is never modified. Each
datatype that a filter cut gets one *step* appended to its ``selection`` list, a JSON-able dict
such as ``{"op": "time", "start": "2011-08-01T00:00:00+00:00", "end": None, "closed": "left"}``,
so a saved selection says how it was made (and can be replayed on updated data).

Conventions
-----------
* **Half-open intervals.** A range keeps ``min <= x < max`` (VarPy's convention): an event
  exactly at ``min`` is kept, one exactly at ``max`` is not. Windows that share an end point
  therefore split a catalogue without losing or repeating events.
* **None is unbounded.** ``min=None`` or ``max=None`` leaves that side open.
* **Missing values never pass.** A row whose value is NaN (or NaT) in the filtered column is
  dropped by every range filter, even a one-sided or unbounded one: an event of unknown depth
  is not known to lie in any depth range.
* **Which datatypes.** With ``kinds=None`` a filter applies to every datatype that has the
  columns it needs: a time window cuts ECVD, EVD (by its onset ``start``) and every SCVD station
  (or ECLD and SCLD); a latitude/longitude box cuts the datatypes with ``latitude`` and
  ``longitude`` columns and leaves the others as they were. ``kinds`` names datatypes
  explicitly: a kind (``'ecvd'``, ``'scvd'`` for every station, ...) or a storage key
  (``'scvd-CDV'``); naming one that lacks the column raises :class:`SelectionError`.
* **Time bounds.** Volcanic (calendar) data take date strings (``'dd-mm-yyyy'`` as VarPy, or ISO
  ``'yyyy-mm-dd[Thh:mm:ss]'``), ``datetime``, :class:`pandas.Timestamp` or ``numpy.datetime64``
  (naive values are UTC). Laboratory data take seconds since the start of the experiment
  (numbers, or a ``timedelta``). Anything else raises :class:`SelectionError`.

Filters are row-wise predicates, so they commute: ``box(time_window(p, a, b), ...)`` and
``time_window(box(p, ...), a, b)`` hold the same rows (only the order of the recorded steps
differs). Each filter costs one vectorised pass over the columns it reads.

Examples
--------
>>> import pandas as pd, varpy
>>> from varpy.preparation import windows
>>> cat = varpy.ECVD(pd.DataFrame({
...     "time": pd.to_datetime(["2011-07-31", "2011-08-01", "2012-06-01", "2013-01-01"], utc=True),
...     "latitude": [37.7, 37.5, 37.9, 37.6], "longitude": 15.0, "depth": 5.0,
...     "magnitude": [1.0, 2.0, 3.0, 4.0]}))
>>> sub = windows.time_window(cat, "01-08-2011", "01-01-2013")
>>> len(cat), len(sub)
(4, 2)
>>> sub.selection[0]["op"], sub.selection[0]["start"], sub.selection[0]["closed"]
('time', '2011-08-01T00:00:00+00:00', 'left')
>>> len(windows.box(cat, lat=(37.5, 37.9), lon=(14.7, 15.3)))
3
"""
from __future__ import annotations

import datetime as _dt
import logging
import numbers
import warnings
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from varpy.exceptions import (DataWarning, MetadataError, SelectionError,
                              UnknownFormatError)
from varpy.management.core import Laboratory, Project, datatype_key
from varpy.management.datatypes import Datatype
from varpy.management.timeconv import parse_time

__all__ = [
    "SelectionError",
    "time_window",
    "box",
    "polygon",
    "depth_range",
    "magnitude_range",
    "column_range",
    "stations",
    "creep_phase",
    "select",
]

log = logging.getLogger(__name__)

_CLOSED = "left"  # recorded in every step: intervals are [min, max)


# ------------------------------------------------------------------------------------------------
# public filters
# ------------------------------------------------------------------------------------------------
def time_window(obj, start=None, end=None, *, kinds=None):
    """Keep the rows whose time lies in ``[start, end)``.

    Parameters
    ----------
    obj : Volcanic, Laboratory or Datatype
        What to cut; it is left untouched.
    start, end : time or None
        Bounds; None leaves that side open. Volcanic data: ``'dd-mm-yyyy'`` or ISO strings,
        ``datetime``, :class:`pandas.Timestamp`, ``numpy.datetime64`` (naive means UTC).
        Laboratory data: seconds since the start of the experiment (float or ``timedelta``).
    kinds : str or sequence of str, optional
        Datatypes to cut (``'ecvd'``, ``'evd'``, ``'scvd'`` = every station, ``'scvd-CDV'``,
        ``'ecld'``, ``'scld'``). Default: every datatype; eruptions (EVD) are cut by their
        onset ``start``, so an eruption that began before ``start`` is dropped even if it
        lasted into the window.

    Returns
    -------
    Same type as ``obj``, each cut datatype with the step
    ``{"op": "time", "column": ..., "start": ..., "end": ..., "closed": "left"}`` appended to
    its ``selection`` (calendar bounds as ISO strings in UTC, lab bounds as seconds).

    Raises
    ------
    SelectionError
        A bound of the wrong kind (a number for calendar data, a date for lab seconds),
        ``start`` after ``end``, or ``kinds`` naming a datatype the project lacks.

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> scld = varpy.SCLD(pd.DataFrame({"time": [0.0, 10.0, 20.0, 30.0],
    ...                                 "stress": [0.0, 50.0, 80.0, 90.0]}))
    >>> time_window(scld, 10.0, 30.0).dataset["time"].tolist()
    [10.0, 20.0]
    """
    targets = _targets(obj, kinds, "time window")
    steps: dict[bool, tuple] = {}

    def cut(dt: Datatype):
        if dt.calendar not in steps:
            lo = _time_bound(start, dt.calendar, "start")
            hi = _time_bound(end, dt.calendar, "end")
            _check_order(lo, hi, "start", "end")
            steps[dt.calendar] = (lo, hi)
        lo, hi = steps[dt.calendar]
        mask = _interval_mask(dt.dataset[dt.time_column], lo, hi)
        step = {"op": "time", "column": dt.time_column, "start": _record(lo),
                "end": _record(hi), "closed": _CLOSED}
        return mask, step

    return _apply(obj, targets, cut)


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


def depth_range(obj, min=None, max=None, *, kinds=None):  # noqa: A002 - user-facing names
    """Keep the events with ``min <= depth < max`` (km, positive down); NaN depths are dropped.

    Applies to every datatype with a ``depth`` column (see :func:`column_range`).
    """
    return column_range(obj, "depth", min, max, kinds=kinds)


def magnitude_range(obj, min=None, max=None, *, kinds=None):  # noqa: A002
    """Keep the events with ``min <= magnitude < max``; NaN magnitudes are dropped.

    Applies to every datatype with a ``magnitude`` column (ECVD, and ECLD once its amplitudes
    or energies are converted); see :func:`column_range`.
    """
    return column_range(obj, "magnitude", min, max, kinds=kinds)


def column_range(obj, column, min=None, max=None, *, kinds=None):  # noqa: A002
    """Keep the rows with ``min <= dataset[column] < max``.

    Parameters
    ----------
    obj : Volcanic, Laboratory or Datatype
    column : str
        Any numeric or datetime column (``'depth'``, ``'magnitude'``, ``'tilt'``, ``'stress'``,
        EVD ``'end'``, lab ``'x'``...). Datetime columns take time bounds as
        :func:`time_window` does.
    min, max : bound or None
        None leaves that side open. Rows whose value is missing (NaN/NaT) are always dropped,
        even when both bounds are None.
    kinds : str or sequence of str, optional
        Default: every datatype that has ``column``.

    Returns
    -------
    Same type as ``obj``; each cut datatype records
    ``{"op": "range", "column": column, "min": ..., "max": ..., "closed": "left"}``.

    Raises
    ------
    SelectionError
        No datatype has ``column``, an explicitly named one lacks it, the column holds text,
        a bound is of the wrong kind or NaN, or ``min > max``.

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> scld = varpy.SCLD(pd.DataFrame({"time": [0.0, 1.0, 2.0, 3.0],
    ...                                 "stress": [10.0, 20.0, float("nan"), 40.0]}))
    >>> column_range(scld, "stress", 20.0).dataset["stress"].tolist()
    [20.0, 40.0]
    """
    column = str(column)
    targets = _targets(obj, kinds, f"range on {column!r}", columns=(column,))
    cache: dict = {}

    def cut(dt: Datatype):
        values = dt.dataset[column]
        scale = _column_scale(values, column, dt)
        if scale not in cache:
            if scale == "number":
                lo, hi = _number_bound(min, "min"), _number_bound(max, "max")
            else:
                lo = _time_bound(min, True, "min")
                hi = _time_bound(max, True, "max")
            _check_order(lo, hi, "min", "max")
            cache[scale] = (lo, hi)
        lo, hi = cache[scale]
        if scale == "naive-time":
            lo, hi = (None if b is None else b.tz_convert(None) for b in (lo, hi))
        step = {"op": "range", "column": column, "min": _record(lo), "max": _record(hi),
                "closed": _CLOSED}
        return _interval_mask(values, lo, hi), step

    return _apply(obj, targets, cut)


def stations(obj, names):
    """Keep only the named SCVD stations of a volcanic project (VarPy's station attributes).

    Parameters
    ----------
    obj : Volcanic
    names : str or sequence of str
        Station names, as in ``obj.scvd`` (case-sensitive).

    Returns
    -------
    Volcanic
        ECVD and EVD unchanged; the kept stations record ``{"op": "stations", "names": [...]}``.

    Raises
    ------
    SelectionError
        If ``obj`` is not a project with stations, or a name is not one of its stations.
    """
    if not isinstance(obj, Project) or "scvd" not in obj.kinds:
        raise SelectionError(f"stations() selects SCVD stations of a Volcanic project, not of a "
                             f"{type(obj).__name__}")
    wanted = [names] if isinstance(names, str) else [str(n) for n in names]
    if not wanted:
        raise SelectionError("stations() needs at least one station name")
    unknown = [n for n in wanted if n not in obj.scvd]
    if unknown:
        raise SelectionError(f"project {obj.id!r} has no SCVD station(s) {unknown}; stations: "
                             f"{sorted(obj.scvd)}")
    step = {"op": "stations", "names": sorted(set(wanted))}
    kept = {datatype_key(obj.scvd[n]): obj.scvd[n].with_dataset(obj.scvd[n].dataset, step)
            for n in wanted}
    new = obj.with_datatypes(kept)
    for name in [n for n in new.scvd if n not in wanted]:
        del new.scvd[name]
    return new


def creep_phase(obj, *, kinds=None):
    """Keep the creep phase of a laboratory experiment: times in ``[t1, tf)``.

    ``t1`` (start of creep) and ``tf`` (failure) are read, in seconds, from the SCLD metadata,
    or from the ECLD metadata when the SCLD lacks them (when both have them and they disagree,
    the SCLD values are used and a :class:`~varpy.exceptions.DataWarning` says so). Given a single
    datatype, its own metadata is used.

    Parameters
    ----------
    obj : Laboratory, ECLD or SCLD
    kinds : str or sequence of str, optional
        Default: ECLD and SCLD (whichever are present).

    Returns
    -------
    Same type as ``obj``; each cut datatype records
    ``{"op": "creep_phase", "start": t1, "end": tf, "closed": "left"}``.

    Raises
    ------
    MetadataError
        ``t1`` or ``tf`` is missing, not a number, or ``t1 >= tf`` (VarPy silently fell back to
        the last sample; a forecast window should not be guessed).
    SelectionError
        ``obj`` holds calendar (volcanic) data.

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> scld = varpy.SCLD(pd.DataFrame({"time": [0.0, 100.0, 200.0, 300.0],
    ...                                 "stress": [0.0, 50.0, 50.0, 0.0]}),
    ...                   {"t1": 100.0, "tf": 300.0})
    >>> creep_phase(scld).dataset["time"].tolist()
    [100.0, 200.0]
    """
    if isinstance(obj, Project):
        if isinstance(obj, Laboratory):
            sources = [(k, getattr(obj, k)) for k in ("scld", "ecld")
                       if getattr(obj, k) is not None]
        else:
            sources = []
    elif isinstance(obj, Datatype):
        sources = [(obj.kind, obj)] if not obj.calendar else []
    else:
        raise TypeError(f"creep_phase() takes a Laboratory or a lab datatype, not "
                        f"{type(obj).__name__}")
    if not sources:
        raise SelectionError(f"creep_phase() applies to laboratory data (ECLD/SCLD with times in "
                             f"seconds); got {_describe(obj)}")
    t1, tf, origin = _creep_bounds(sources)
    targets = _targets(obj, kinds, "creep phase")
    step = {"op": "creep_phase", "start": t1, "end": tf, "closed": _CLOSED, "from": origin}

    def cut(dt: Datatype):
        if dt.calendar:
            raise SelectionError(f"creep phase bounds are lab seconds; {_describe(dt)} has "
                                 "calendar times")
        return _interval_mask(dt.dataset[dt.time_column], t1, tf), step

    return _apply(obj, targets, cut)


# ``select`` takes keyword arguments named like these two functions
_stations = stations
_polygon = polygon


def select(obj, *, stations: str | Sequence[str] | None = None, creep: bool = False,
           time: tuple | None = None, lat: tuple | None = None, lon: tuple | None = None,
           polygon: object = None, depth: tuple | None = None, magnitude: tuple | None = None,
           columns: dict | None = None):
    """Apply several windows at once, in a fixed documented order.

    The order is: ``stations`` -> ``creep`` -> ``time`` -> ``lat``/``lon`` box -> ``polygon``
    -> ``depth`` -> ``magnitude`` -> ``columns`` (in the dict's order). Since every window is a
    row-wise predicate the rows kept do not depend on the order; fixing it makes the recorded
    ``selection`` reproducible. Each criterion behaves exactly as its function (same defaults
    for which datatypes it applies to, same errors).

    Parameters
    ----------
    obj : Volcanic, Laboratory or Datatype
    stations : str or sequence of str, optional
        See :func:`stations`.
    creep : bool
        Cut to the creep phase (:func:`creep_phase`).
    time : (start, end), optional
        See :func:`time_window`.
    lat, lon : (min, max), optional
        See :func:`box`.
    polygon : vertices, optional
        See :func:`polygon`.
    depth, magnitude : (min, max), optional
        See :func:`depth_range`, :func:`magnitude_range`.
    columns : dict, optional
        ``{column: (min, max)}``, see :func:`column_range`.

    Returns
    -------
    Same type as ``obj`` (a copy when no criterion is given).

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> cat = varpy.ECVD(pd.DataFrame({
    ...     "time": pd.to_datetime(["2011-07-31", "2011-08-01", "2012-06-01"], utc=True),
    ...     "latitude": [37.7, 37.5, 38.0], "longitude": 15.0, "depth": 5.0,
    ...     "magnitude": [1.0, 2.0, 3.0]}))
    >>> sub = select(cat, time=("01-08-2011", None), lat=(37.5, 37.9), magnitude=(1.5, None))
    >>> len(sub), [s["op"] for s in sub.selection]
    (1, ['time', 'box', 'range'])
    """
    out = obj
    applied = False
    if stations is not None:
        out, applied = _stations(out, stations), True
    if creep:
        out, applied = creep_phase(out), True
    if time is not None:
        start, end = _pair(time, "time", numeric=False)
        out, applied = time_window(out, start, end), True
    if lat is not None or lon is not None:
        out, applied = box(out, lat=lat, lon=lon), True
    if polygon is not None:
        out, applied = _polygon(out, polygon), True
    if depth is not None:
        out, applied = depth_range(out, *_pair(depth, "depth")), True
    if magnitude is not None:
        out, applied = magnitude_range(out, *_pair(magnitude, "magnitude")), True
    for column, bounds in (columns or {}).items():
        out, applied = column_range(out, column, *_pair(bounds, column, numeric=False)), True
    if not applied:
        return obj.copy() if isinstance(obj, Datatype) else obj.with_datatypes({})
    return out


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


# ------------------------------------------------------------------------------------------------
# machinery
# ------------------------------------------------------------------------------------------------
def _targets(obj, kinds, op: str, *, columns: Sequence[str] = ()) -> list[Datatype]:
    """The datatypes of ``obj`` that ``op`` applies to (see the module conventions)."""
    names = None if kinds is None else ([kinds] if isinstance(kinds, str) else list(kinds))
    if isinstance(obj, Datatype):
        if names is not None:
            named = {str(n) for n in names} | {str(n).lower() for n in names}
            if obj.kind not in named and _key(obj) not in named:
                raise SelectionError(f"{op}: kinds={names} does not name the "
                                     f"{_describe(obj)} given")
        _require_columns(obj, columns, op)
        return [obj]
    if not isinstance(obj, Project):
        raise TypeError(f"{op} applies to a Volcanic or Laboratory project or to a datatype, "
                        f"not to {type(obj).__name__}")
    present = obj.datatypes()
    if names is None:
        chosen = [dt for dt in present.values() if all(c in dt.dataset.columns for c in columns)]
        if not chosen and not present:
            raise SelectionError(f"{op}: {type(obj).__name__} {obj.id!r} holds no datatypes")
        if not chosen:
            have = "; ".join(f"{k}: {list(dt.dataset.columns)}" for k, dt in present.items())
            raise SelectionError(
                f"{op}: no datatype of {type(obj).__name__} {obj.id!r} has column(s) "
                f"{list(columns)} (datatypes and columns: {have})")
        return chosen
    chosen_by_key: dict[str, Datatype] = {}
    for name in names:
        text = str(name)
        kind = text.lower()
        if kind in obj.kinds:
            if kind == "scvd":
                if not obj.scvd:
                    raise SelectionError(f"{op}: project {obj.id!r} has no SCVD stations")
                chosen_by_key.update({_key(dt): dt for dt in obj.scvd.values()})
            elif getattr(obj, kind) is None:
                raise SelectionError(f"{op}: project {obj.id!r} has no {kind.upper()}; it holds "
                                     f"{sorted(present) or 'no datatypes'}")
            else:
                chosen_by_key[kind] = getattr(obj, kind)
        elif text in present:
            chosen_by_key[text] = present[text]
        elif kind.startswith("scvd-") and "scvd" in obj.kinds:
            raise SelectionError(f"{op}: project {obj.id!r} has no SCVD station "
                                 f"{text[5:]!r}; stations: {sorted(obj.scvd)}")
        else:
            raise UnknownFormatError(f"datatype for a {obj.project_type} project", text,
                                     list(obj.kinds) + list(present))
    for dt in chosen_by_key.values():
        _require_columns(dt, columns, op)
    return list(chosen_by_key.values())


def _apply(obj, targets: list[Datatype], cut: Callable[[Datatype], tuple]):
    """Cut every target with ``cut(dt) -> (mask, step)`` and assemble the result."""
    replacements = {}
    for dt in targets:
        mask, step = cut(dt)
        mask = np.asarray(mask, dtype=bool)
        new = dt.with_dataset(dt.dataset.iloc[np.flatnonzero(mask)], step)
        log.debug("%s: %s kept %d of %d rows", step["op"], _describe(dt), len(new), len(dt))
        replacements[_key(dt)] = new
    if isinstance(obj, Datatype):
        return replacements[_key(obj)]
    return obj.with_datatypes(replacements)


def _interval_mask(values: pd.Series, lo, hi) -> np.ndarray:
    """``lo <= values < hi`` with None as an open side; missing values are False."""
    mask = values.notna().to_numpy(dtype=bool, copy=True)  # pandas 3 hands out read-only views
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if lo is not None:
            mask &= (values >= lo).to_numpy(dtype=bool)
        if hi is not None:
            mask &= (values < hi).to_numpy(dtype=bool)
        return mask
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    if lo is not None:
        mask &= arr >= lo
    if hi is not None:
        mask &= arr < hi
    return mask


def _time_bound(value, calendar: bool, name: str):
    if value is None:
        return None
    if calendar:
        if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Number)):
            raise SelectionError(
                f"{name}={value!r}: a number is ambiguous as a calendar time; give a date string "
                "('dd-mm-yyyy' or ISO 'yyyy-mm-dd'), a datetime or a pandas Timestamp (VarPy "
                "ordinal days convert with varpy.management.timeconv.from_ordinal_days)")
        try:
            return parse_time(value)
        except (TypeError, ValueError) as exc:
            raise SelectionError(f"{name}={value!r}: {exc}") from exc
    if isinstance(value, (str, _dt.date, np.datetime64)):
        raise SelectionError(
            f"{name}={value!r}: laboratory times are seconds since the start of the experiment; "
            "give a number of seconds (or a timedelta)")
    if isinstance(value, (_dt.timedelta, np.timedelta64)):
        return pd.Timedelta(value).total_seconds()
    return _number_bound(value, name)


def _number_bound(value, name: str):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise SelectionError(f"{name}={value!r} ({type(value).__name__}) is not a number; "
                             "give a float or None (unbounded)")
    out = float(value)
    if np.isnan(out):
        raise SelectionError(f"{name}={value!r} is NaN; use None for an open side")
    return out


def _check_order(lo, hi, lo_name: str, hi_name: str) -> None:
    if lo is not None and hi is not None and lo > hi:
        raise SelectionError(f"{lo_name}={_record(lo)!r} is after {hi_name}={_record(hi)!r}; "
                             f"the interval is [{lo_name}, {hi_name})")


def _pair(value, name: str, *, numeric: bool = True) -> tuple:
    if value is None:
        return (None, None)
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        raise SelectionError(f"{name}={value!r} must be a (min, max) pair; use None for an "
                             "open side")
    pair = tuple(value)
    if len(pair) != 2:
        raise SelectionError(f"{name}={value!r} must be a (min, max) pair, not {len(pair)} "
                             "values")
    if not numeric:
        return pair
    lo, hi = _number_bound(pair[0], f"{name}[0]"), _number_bound(pair[1], f"{name}[1]")
    _check_order(lo, hi, f"{name}[0]", f"{name}[1]")
    return lo, hi


def _column_scale(values: pd.Series, column: str, dt: Datatype) -> str:
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "time"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "naive-time"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return "number"
    raise SelectionError(f"column {column!r} of {_describe(dt)} holds {dtype} values; range "
                         "filters need numbers or datetimes")


def _require_columns(dt: Datatype, columns: Sequence[str], op: str) -> None:
    missing = [c for c in columns if c not in dt.dataset.columns]
    if missing:
        raise SelectionError(f"{op}: {_describe(dt)} has no column(s) {missing}; its columns "
                             f"are {list(dt.dataset.columns)}")


def _refuse_laboratory(obj, op: str) -> None:
    lab = isinstance(obj, Laboratory) or (isinstance(obj, Datatype) and not obj.calendar)
    if lab:
        raise SelectionError(f"{op} selects by latitude/longitude, which laboratory data do not "
                             f"have ({_describe(obj)}); filter sample coordinates with "
                             "column_range(obj, 'x', min, max) (likewise 'y', 'z')")


def _creep_bounds(sources: list[tuple[str, Datatype]]) -> tuple[float, float, str]:
    found: dict[str, tuple[float, float]] = {}
    for kind, dt in sources:
        md = dt.metadata
        if md.get("t1") is None and md.get("tf") is None:
            continue
        found[kind] = (_metadata_seconds(md, "t1", kind), _metadata_seconds(md, "tf", kind))
    if not found:
        kinds = " or ".join(k.upper() for k, _ in sources)
        raise MetadataError(f"the creep phase needs 't1' (creep start) and 'tf' (failure) in the "
                            f"{kinds} metadata", key="t1",
                            expected="t1 and tf in seconds, e.g. {'t1': 1270.34, 'tf': 10852.59}")
    origin, (t1, tf) = next(iter(found.items()))
    for other, bounds in found.items():
        if bounds != (t1, tf):
            warnings.warn(f"{origin.upper()} metadata gives t1={t1}, tf={tf} but "
                          f"{other.upper()} metadata gives t1={bounds[0]}, tf={bounds[1]}; "
                          f"using the {origin.upper()} values", DataWarning, stacklevel=3)
    if not t1 < tf:
        raise MetadataError(f"creep start t1={t1} is not before failure tf={tf}", key="tf",
                            expected="t1 < tf (seconds)")
    return t1, tf, f"{origin} metadata"


def _metadata_seconds(md: dict, key: str, kind: str) -> float:
    if md.get(key) is None:
        raise MetadataError(f"{kind.upper()} metadata has no {key!r}", key=key,
                            expected="seconds since the start of the experiment")
    try:
        value = float(md[key])
    except (TypeError, ValueError):
        raise MetadataError(f"{kind.upper()} metadata {key}={md[key]!r} is not a number",
                            key=key, expected="seconds since the start of the experiment"
                            ) from None
    if not np.isfinite(value):
        raise MetadataError(f"{kind.upper()} metadata {key}={md[key]!r} is not finite", key=key,
                            expected="seconds since the start of the experiment")
    return value


def _record(bound):
    """A bound as it goes into a JSON-able step."""
    if bound is None:
        return None
    if isinstance(bound, pd.Timestamp):
        return bound.isoformat()
    return float(bound)


def _key(dt: Datatype) -> str:
    return f"scvd-{dt.station}" if dt.kind == "scvd" else dt.kind


def _describe(obj) -> str:
    if isinstance(obj, Datatype):
        return obj.kind.upper() + (f" station {obj.station!r}" if obj.station else "")
    if isinstance(obj, Project):
        return f"{type(obj).__name__} {obj.id!r}"
    return type(obj).__name__
