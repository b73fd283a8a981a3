"""Declustering of an event catalogue table: the user-facing entry to
:mod:`varpy.statistics.declustering`.

:func:`decluster` takes the ECVD table (``time``, ``latitude``, ``longitude``, ``depth``,
``magnitude``), converts times to days and returns the
:class:`~varpy.statistics.declustering.DeclusterResult` (one label per row, in the table's
order). ``ECVD.decluster()`` calls it and keeps the result with the datatype's outputs;
:func:`varpy.preparation.windows.declustered` selects the background or the clustered events as
a window.

May import: :mod:`varpy.exceptions`, :mod:`varpy.management.timeconv`,
:mod:`varpy.statistics.declustering`.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"time": pd.to_datetime(["2011-01-01", "2011-01-02", "2012-01-01"],
...                                           utc=True),
...                    "latitude": [37.7, 37.71, 37.7], "longitude": 15.0, "depth": 5.0,
...                    "magnitude": [4.0, 2.0, 2.5]})
>>> r = decluster(df, "gardner_knopoff")
>>> r.cluster.tolist(), r.mainshock.tolist()
([0, 0, 1], [True, False, True])
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError
from varpy.management.timeconv import to_float_time
from varpy.statistics import declustering as _dc

__all__ = ["decluster", "nearest_neighbours", "METHODS"]

#: Method names (aliases such as ``gk`` and ``nn`` are accepted too).
METHODS = tuple(_dc.METHODS)

_COLUMNS = ("latitude", "longitude", "magnitude")


def _arrays(data: pd.DataFrame):
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"decluster takes a DataFrame, not {type(data).__name__}")
    missing = [c for c in ("time",) + _COLUMNS if c not in data.columns]
    if missing:
        raise DataFormatError(f"the catalogue has no column(s) {missing}", key=missing[0],
                              expected="time, latitude, longitude, magnitude (and depth)")
    t = to_float_time(data["time"])
    arrays = {c: data[c].to_numpy(dtype=float, na_value=np.nan) for c in _COLUMNS}
    bad = ~np.isfinite(t)
    for values in arrays.values():
        bad |= ~np.isfinite(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"{int(bad.sum())} events lack a time, epicentre or magnitude "
                              f"(first at row {first})", column="magnitude",
                              expected="complete rows; select them first, e.g. "
                              "windows.magnitude_range(obj, None, None)")
    depth = (data["depth"].to_numpy(dtype=float, na_value=np.nan)
             if "depth" in data.columns else np.zeros(len(data)))
    depth = np.where(np.isfinite(depth), depth, 0.0)
    return t, arrays["latitude"], arrays["longitude"], arrays["magnitude"], depth


def nearest_neighbours(data: pd.DataFrame, **params):
    """Space-time-magnitude nearest neighbour of every event of the table
    (:func:`varpy.statistics.declustering.nearest_neighbours`; ``params`` are its ``df``, ``b``,
    ``q``, ``use_depth``, ``min_distance``)."""
    return _dc.nearest_neighbours(*_arrays(data), **params)


def decluster(data: pd.DataFrame, method: str = "gardner_knopoff", **params):
    """Decluster an event table; ``params`` are those of the method's function
    (:func:`~varpy.statistics.declustering.gardner_knopoff`,
    :func:`~varpy.statistics.declustering.reasenberg`,
    :func:`~varpy.statistics.declustering.nearest_neighbour`).

    Every row needs a time, an epicentre and a magnitude (depth is used by Reasenberg and by the
    nearest neighbour with ``use_depth=True``; missing depths count as 0 km there). Rows with
    missing values are refused rather than silently dropped: window them out first (e.g.
    :func:`varpy.preparation.windows.magnitude_range` drops NaN magnitudes).
    """
    name = _dc.method_name(method)
    t, lat, lon, m, depth = _arrays(data)
    return _dc.decluster(name, t, lat, lon, m, depth, **params)
