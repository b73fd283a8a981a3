"""Reading magnitudes and event times from arrays and catalogues for the magnitude analyses.

Private helpers shared by :mod:`~varpy.analysis.mc_estimation`, :mod:`~varpy.analysis.bvalue`
and :mod:`~varpy.analysis.magnitude_timeseries`: magnitudes as float64 (NaN skipped, infinite
values refused with their row), times as exact int64 nanoseconds or floats, binning to ``dm``
and the check of ``conf_level``.

May import: numpy, pandas, :mod:`varpy.exceptions`, :mod:`varpy.statistics.binning`.
"""
from __future__ import annotations

import datetime as _dt
import logging

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError
from varpy.statistics.binning import round_to_bins

__all__: list[str] = []

logger = logging.getLogger(__name__)


def _magnitude_values(data, column: str = "magnitude") -> np.ndarray:
    """The magnitudes as a one-dimensional float64 array, NaN included.

    A float64 column or array is returned as a (read-only) view, never copied.
    """
    if isinstance(data, pd.DataFrame):
        if column not in data.columns:
            raise DataFormatError(f"catalogue has no {column!r} column", column=column,
                                  expected=f"a DataFrame with a {column!r} column, or an array "
                                           f"of magnitudes (columns present: "
                                           f"{', '.join(map(str, data.columns))})")
        values = data[column]
    else:
        values = data
    if isinstance(values, (pd.Series, pd.Index)):
        try:
            m = values.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"magnitudes are not numeric: {exc}", column=column,
                                  expected="float magnitudes") from exc
    else:
        try:
            m = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"magnitudes are not numeric: {exc}", column=column,
                                  expected="an array of float magnitudes") from exc
    if m.ndim != 1:
        raise DataFormatError(f"magnitudes have shape {m.shape}", column=column,
                              expected="a one-dimensional array")
    return m


def _magnitudes(data, column: str = "magnitude"):
    """``(finite magnitudes, rows they came from, number of rows)``.

    The rows are a boolean mask, or ``slice(None)`` when every magnitude is finite.
    """
    m = _magnitude_values(data, column)
    if np.isfinite(m.sum()):     # one pass, no allocation: every magnitude is finite
        return m, slice(None), m.size
    mask = np.isfinite(m)
    if np.isinf(m).any():
        row = int(np.flatnonzero(np.isinf(m))[0])
        raise DataFormatError(f"magnitude {m[row]} in row {row}", column=column,
                              expected="finite magnitudes or NaN for missing values")
    logger.info("ignoring %d NaN magnitudes of %d", m.size - int(mask.sum()), m.size)
    return m[mask], mask, m.size


_NAT = np.iinfo(np.int64).min


def _is_datetime(times) -> bool:
    if isinstance(times, (pd.Series, pd.Index)):
        return pd.api.types.is_datetime64_any_dtype(times.dtype) or (
            times.dtype == object and len(times) > 0
            and isinstance(times.iloc[0] if isinstance(times, pd.Series) else times[0],
                           (pd.Timestamp, _dt.datetime, np.datetime64)))
    arr = np.asarray(times)
    if arr.dtype.kind == "M":
        return True
    return arr.dtype == object and arr.size > 0 and isinstance(
        arr.flat[0], (pd.Timestamp, _dt.datetime, np.datetime64))


def _times(data, times, time_column: str):
    """Event times and their kind: int64 ns since 1970 ('datetime'), floats ('float'), None.

    Datetimes stay integers so that window bounds and reported times are exact.
    """
    if times is None:
        if isinstance(data, pd.DataFrame) and time_column in data.columns:
            times = data[time_column]
        else:
            return None, None
    if _is_datetime(times):
        idx = pd.DatetimeIndex(times)
        if idx.tz is None:
            idx = idx.tz_localize("UTC")
        return idx.tz_convert("UTC").as_unit("ns").asi8.copy(), "datetime"
    try:
        return np.asarray(times, dtype=np.float64), "float"
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"times cannot be read: {exc}", column=time_column,
                              expected="datetime64 values or float seconds") from exc


def _binned(m: np.ndarray, dm: float) -> np.ndarray:
    if dm == 0 or m.size == 0:
        return m
    return round_to_bins(m, dm)


def _check_conf(conf_level) -> float:
    c = float(conf_level)
    if not 0 < c < 1:
        raise DataFormatError(f"conf_level={conf_level!r}", key="conf_level",
                              expected="a probability between 0 and 1, such as 0.95")
    return c
