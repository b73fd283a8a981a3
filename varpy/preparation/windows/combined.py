"""Several windows at once, in a fixed documented order (:func:`select`), as experiments and
specs use them.

May import: :mod:`varpy.management.datatypes` and the other modules of
:mod:`varpy.preparation.windows`.
"""
from __future__ import annotations

from typing import Sequence

from varpy.management.datatypes import Datatype
from varpy.preparation.windows._apply import _pair
from varpy.preparation.windows.lab import creep_phase
from varpy.preparation.windows.network import stations as _stations
from varpy.preparation.windows.ranges import (column_range, depth_range, magnitude_range,
                                              time_window)
from varpy.preparation.windows.spatial import box
from varpy.preparation.windows.spatial import polygon as _polygon

__all__ = ["select"]


# ``select`` takes keyword arguments named like ``stations`` and ``polygon``, hence the aliases
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
