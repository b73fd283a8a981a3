"""Magnitude binning that cannot drift.

A magnitude belongs to bin ``k = round(m / dm)`` (an integer; ties within a millionth of a bin
go up, see :func:`varpy.statistics.mags.bin_index`), and a bin centre is computed from its
index only at the end. Nothing is obtained by adding ``dm`` repeatedly, so the bin of 1.2 is
the bin of 1.2000000000000002, and selecting "events at or above Mc" is a comparison of
integers.

``legacy=True`` reproduces VarPy 2016's ``mag_prep`` (``m >= m_min``, then
``round((m + 1e-5)/dm) * dm`` in floating point) and its Mc filter ``m >= Mc`` on floats, which
silently drops events at exactly ``Mc = 1.2000000000000002``; only use it to reproduce
published numbers.

Examples
--------
>>> from varpy.preparation.binning import bin_magnitudes, select_complete
>>> bin_magnitudes([1.23, 1.25, 1.149999, float("nan")], 0.1).tolist()
[1.2, 1.3, 1.1, nan]
>>> m = [1.1, 1.2, 1.2, 1.3]
>>> select_complete(m, 1.2000000000000002, 0.1).tolist()
[False, True, True, True]
>>> select_complete(m, 1.2000000000000002, 0.1, legacy=True).tolist()
[False, False, False, True]
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError
from varpy.statistics import binning as mags  # the bin-index rule

__all__ = [
    "bin_magnitudes",
    "bin_indices",
    "bin_centres",
    "select_complete",
    "is_binned",
    "infer_dm",
    "legacy_candidates",
    "COMMON_BIN_WIDTHS",
]

#: Bin widths :func:`infer_dm` tries, largest first.
COMMON_BIN_WIDTHS = (1.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01, 0.001)


def _values(magnitudes, column: str):
    """(float array, a function that wraps an array like the input)."""
    if isinstance(magnitudes, pd.DataFrame):
        if column not in magnitudes.columns:
            raise DataFormatError(f"catalogue has no {column!r} column", column=column,
                                  expected=f"a DataFrame with a {column!r} column")
        frame = magnitudes

        def wrap(arr, keep=None):
            out = frame.copy() if keep is None else frame.loc[keep].reset_index(drop=True)
            out[column] = arr
            return out

        return frame[column].to_numpy(dtype=np.float64, na_value=np.nan), wrap
    if isinstance(magnitudes, pd.Series):
        series = magnitudes

        def wrap(arr, keep=None):
            index = series.index if keep is None else series.index[keep]
            return pd.Series(arr, index=index, name=series.name)

        return series.to_numpy(dtype=np.float64, na_value=np.nan), wrap
    try:
        arr = np.asarray(magnitudes, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"magnitudes are not numeric: {exc}", column=column,
                              expected="float magnitudes") from exc
    return arr, (lambda a, keep=None: a)


def bin_indices(magnitudes, dm: float = 0.1) -> np.ndarray:
    """Integer bin index of each magnitude (finite values only; drop NaN first).

    Examples
    --------
    >>> bin_indices([0.95, 1.0, 1.04999], 0.1).tolist()
    [10, 10, 10]
    """
    return mags.bin_index(magnitudes, dm)


def bin_centres(indices, dm: float = 0.1):
    """Bin centres ``index * dm`` of integer bin indices (the float nearest the decimal)."""
    return mags.bin_centre(indices, dm)


def bin_magnitudes(magnitudes, dm: float = 0.1, *, legacy: bool = False,
                   m_min: float | None = None, column: str = "magnitude"):
    """Round magnitudes to the centres of bins of width ``dm``.

    Parameters
    ----------
    magnitudes : array-like, pandas.Series or pandas.DataFrame
        Magnitudes, or a catalogue whose ``column`` is binned (a new DataFrame is returned).
        NaN stays NaN.
    dm : float
        Bin width (> 0).
    legacy : bool
        VarPy 2016 ``mag_prep``: ``round((m + 1e-5)/dm) * dm`` in floating point (so 1.2 becomes
        1.2000000000000002).
    m_min : float, optional
        Drop magnitudes below ``m_min`` first (VarPy 2016 always did, with 0.1); the result is
        then shorter than the input (rows are dropped from a DataFrame or Series too).

    Returns
    -------
    same kind as the input

    Examples
    --------
    >>> bin_magnitudes([1.2, 0.05], 0.1, legacy=True, m_min=0.1).tolist()
    [1.2000000000000002]
    """
    m, wrap = _values(magnitudes, column)
    keep = None
    if m_min is not None:
        keep = ~(m < float(m_min))   # NaN is kept (and stays NaN)
        m = m[keep]
    if legacy:
        out = np.round((m + 1e-5) / dm) * dm
    else:
        out = mags.round_to_bins(m, dm)
    return wrap(out, keep)


def select_complete(magnitudes, mc: float, dm: float = 0.1, *, legacy: bool = False,
                    column: str = "magnitude") -> np.ndarray:
    """Boolean mask of the events at or above completeness ``mc``.

    By default an event is complete when its bin index is at least the bin index of ``mc``
    (``m >= mc - dm/2``), so ``mc = 1.2000000000000002`` keeps events of magnitude 1.2.
    ``legacy=True`` applies VarPy 2016's float comparison ``m >= mc``. NaN is never complete.
    """
    m, _ = _values(magnitudes, column)
    ok = np.isfinite(m)
    out = np.zeros(m.shape, dtype=bool)
    if legacy:
        out[ok] = m[ok] >= mc
        return out
    kc = int(mags.bin_index(float(mc), dm))
    out[ok] = mags.bin_index(m[ok], dm) >= kc
    return out


def is_binned(magnitudes, dm: float, *, tol: float = 1e-6) -> bool:
    """True when every finite magnitude is a bin centre of width ``dm`` (within ``tol`` bins)."""
    m, _ = _values(magnitudes, "magnitude")
    return mags.on_grid(m[np.isfinite(m)], dm, tol=tol)


def infer_dm(magnitudes, candidates=COMMON_BIN_WIDTHS, *, tol: float = 1e-6) -> float | None:
    """The largest of ``candidates`` on whose grid all magnitudes lie; None if none fits.

    None usually means continuous magnitudes (for example acoustic-emission magnitudes computed
    from amplitudes), which can be analysed with ``dm=0`` or binned explicitly.

    Examples
    --------
    >>> infer_dm([1.0, 1.5, 2.5]), infer_dm([1.0, 1.1, 1.25]), infer_dm([1.0, 1.2345678])
    (0.5, 0.05, None)
    """
    m, _ = _values(magnitudes, "magnitude")
    m = m[np.isfinite(m)]
    for dm in sorted(candidates, reverse=True):
        if mags.on_grid(m, dm, tol=tol):
            return float(dm)
    return None


def legacy_candidates(start: float, low: float, high: float, step: float = 0.1) -> np.ndarray:
    """VarPy 2016 Mc candidates ``start + arange(low, high, step)`` in floating point.

    VarPy built GFT candidates as ``maxc + arange(-0.4, 2.0, 0.1)`` and MBS candidates as
    ``maxc + arange(-0.7, 2.0, 0.1)``; values such as 1.2000000000000002 then decided, through
    ``m >= Mc``, which events were kept.

    Examples
    --------
    >>> legacy_candidates(1.0000000000000002, 0.0, 0.3).tolist()
    [1.0000000000000002, 1.1000000000000003, 1.2000000000000002]
    """
    return float(start) + np.arange(float(low), float(high), float(step))
