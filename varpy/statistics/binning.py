"""Magnitude binning: the bin-index rule, bin centres, histograms and the FMD.

Magnitudes are binned to integer indices ``k = round(m / dm)`` (:func:`bin_index`, ties
rounded up); a bin centre is computed from its index only at the end (:func:`bin_centre`), so
no value is ever obtained by adding ``dm`` repeatedly and nothing drifts. ``mc`` is the
**centre** of the lowest complete bin: an event belongs to the complete part when its bin index
is ``>= round(mc / dm)``, i.e. when ``m >= mc - dm/2``. Every other magnitude module
(:mod:`~varpy.statistics.bvalue`, :mod:`~varpy.statistics.excess_moments`,
:mod:`~varpy.statistics.mc`) bins through these functions.

May import: numpy, :mod:`varpy.exceptions`. Nothing else of varpy.

Examples
--------
>>> bin_index([1.2, 1.2000000000000002, 1.15], 0.1).tolist(), bin_centre(12, 0.1)
([12, 12, 12], 1.2)
"""
from __future__ import annotations

import math

import numpy as np

from varpy.exceptions import DataFormatError, FitError

__all__ = [
    "BIN_TOLERANCE",
    "check_bin_width",
    "bin_index",
    "bin_centre",
    "round_to_bins",
    "on_grid",
    "histogram",
    "fmd",
]

#: Tie tolerance of :func:`bin_index`, in units of one bin.
BIN_TOLERANCE = 1e-6

_MAX_BINS = 10_000_000


def check_bin_width(dm, *, allow_zero: bool = False) -> float:
    """``dm`` as a float, or a :class:`~varpy.exceptions.DataFormatError` saying what is valid."""
    try:
        value = float(dm)
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"bin width {dm!r} is not a number", key="dm",
                              expected="a positive float such as 0.1") from exc
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        expected = "a float >= 0 (0 = unbinned)" if allow_zero else "a positive float such as 0.1"
        raise DataFormatError(f"invalid bin width dm={dm!r}", key="dm", expected=expected)
    return value


def _integer_inverse(dm: float) -> int | None:
    """``1/dm`` when it is an integer (0.1 -> 10, 0.05 -> 20), else None."""
    inv = 1.0 / dm
    r = round(inv)
    if r >= 1 and abs(inv - r) <= 1e-9 * r:
        return int(r)
    return None


def bin_index(magnitudes, dm: float, *, tol: float = BIN_TOLERANCE) -> np.ndarray:
    """Integer bin index ``round(m / dm)`` of each magnitude.

    Tie rule: a magnitude within ``tol`` bins of a half-integer multiple of ``dm`` is rounded
    **up** (towards +infinity), so ``1.45`` (stored as 1.4499999999999999556) goes to bin 15
    with ``dm = 0.1``, ``-0.05`` to bin 0, and ``0.25`` to bin 3. This is the rule catalogues
    use when they round to one decimal, and what VarPy 2016 meant with its ``+1e-5``.

    Parameters
    ----------
    magnitudes : array-like of float
        Finite magnitudes (drop NaN first).
    dm : float
        Bin width, > 0.
    tol : float
        Tie tolerance in units of one bin.

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> bin_index([1.2, 1.2000000000000002, 1.15, 1.449999, -0.05], 0.1).tolist()
    [12, 12, 12, 14, 0]
    """
    dm = check_bin_width(dm)
    m = np.asarray(magnitudes, dtype=np.float64)
    inv = _integer_inverse(dm)
    x = np.asarray(m * float(inv) if inv is not None else m / dm, dtype=np.float64)
    x += 0.5 + tol
    np.floor(x, out=x)
    if x.size and not np.isfinite(x).all():
        bad = int(np.flatnonzero(~np.isfinite(x))[0])
        raise DataFormatError(f"magnitude at position {bad} is {m.flat[bad]!r}",
                              column="magnitude", expected="finite magnitudes (drop NaN first)")
    return x.astype(np.int64)


def bin_centre(index, dm: float):
    """Magnitude of the centre of bin ``index`` (scalar or array), ``index * dm``.

    Computed as ``index / (1/dm)`` when ``1/dm`` is an integer, which returns the float
    nearest to the decimal value (``12 * 0.1`` would give 1.2000000000000002, this gives 1.2).

    Examples
    --------
    >>> bin_centre(12, 0.1), bin_centre(3, 0.05)
    (1.2, 0.15)
    """
    dm = check_bin_width(dm)
    inv = _integer_inverse(dm)
    if isinstance(index, int):      # one bin: the same IEEE operation without numpy's cost
        return index / float(inv) if inv is not None else float(index) * dm
    k = np.asarray(index)
    out = k / float(inv) if inv is not None else k * dm
    return float(out) if np.ndim(out) == 0 else out


def round_to_bins(magnitudes, dm: float, *, tol: float = BIN_TOLERANCE) -> np.ndarray:
    """Magnitudes replaced by their bin centres (the rule of :func:`bin_index`), as floats.

    Same result as ``bin_centre(bin_index(m, dm), dm)`` in four in-place passes without an
    integer array. NaN stays NaN.

    Examples
    --------
    >>> round_to_bins([1.23, 1.25, 1.2000000000000002, float("nan")], 0.1).tolist()
    [1.2, 1.3, 1.2, nan]
    """
    dm = check_bin_width(dm)
    m = np.asarray(magnitudes, dtype=np.float64)
    inv = _integer_inverse(dm)
    x = m * float(inv) if inv is not None else m / dm
    x = np.asarray(x, dtype=np.float64)
    x += 0.5 + tol
    np.floor(x, out=x)
    if inv is not None:
        x /= float(inv)
    else:
        x *= dm
    return x


def on_grid(magnitudes, dm: float, *, tol: float = 1e-6) -> bool:
    """True when every magnitude is within ``tol`` bins of a bin centre ``k * dm``."""
    dm = check_bin_width(dm)
    m = np.asarray(magnitudes, dtype=np.float64)
    if m.size == 0:
        return True
    inv = _integer_inverse(dm)
    x = m * float(inv) if inv is not None else m / dm
    return bool(np.all(np.abs(x - np.rint(x)) <= tol))


def histogram(magnitudes, dm: float, *, weights=None,
              chunk: int = 1 << 18) -> tuple[int, np.ndarray]:
    """Counts per magnitude bin: ``(k0, counts)`` with ``counts[j]`` events in bin ``k0 + j``.

    Bins run from the lowest to the highest occupied bin, both included; empty bins in between
    hold 0. Counts are int64, or float64 with ``weights``. The magnitudes are binned chunk by
    chunk, so memory stays far below the size of the catalogue.
    """
    dm = check_bin_width(dm)
    m = np.asarray(magnitudes, dtype=np.float64).reshape(-1)
    if m.size == 0:
        raise FitError("no magnitudes to bin")
    lo, hi = m.min(), m.max()
    if not (np.isfinite(lo) and np.isfinite(hi)):
        bin_index(m, dm)                   # raises, naming the first non-finite value
    k0 = int(bin_index(lo, dm))
    span = int(bin_index(hi, dm)) - k0 + 1
    if span > _MAX_BINS:
        raise DataFormatError(f"magnitudes span {span} bins of {dm}", column="magnitude",
                              expected="a magnitude range that fits in at most 1e7 bins; "
                                       "look for missing-value codes such as 999 or -999")
    w = None if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    counts = np.zeros(span, dtype=np.int64 if w is None else np.float64)
    inv = _integer_inverse(dm)
    buf = np.empty(min(chunk, m.size))
    for start in range(0, m.size, chunk):
        part = m[start:start + chunk]
        x = buf[:part.size]
        if inv is not None:
            np.multiply(part, float(inv), out=x)
        else:
            np.divide(part, dm, out=x)
        # the operations of bin_index, then the (exact) shift: adding 0.5 + tol - k0 in one
        # step would round differently and move magnitudes 1e-7 below a bin edge (1.6499999)
        x += 0.5 + BIN_TOLERANCE
        np.floor(x, out=x)
        x -= k0
        idx = x.astype(np.intp)
        counts += np.bincount(idx, weights=None if w is None else w[start:start + chunk],
                              minlength=span)
    return k0, counts


def fmd(magnitudes, dm: float, *, weights=None):
    """Frequency-magnitude distribution.

    Returns
    -------
    centres, incremental, cumulative : numpy.ndarray
        Bin centres from the lowest to the highest occupied bin (both included), events per
        bin, and events in that bin or above.

    Examples
    --------
    >>> c, n, N = fmd([1.0, 1.0, 1.1, 1.3], 0.1)
    >>> c.tolist(), n.tolist(), N.tolist()
    ([1.0, 1.1, 1.2, 1.3], [2, 1, 0, 1], [4, 2, 1, 1])
    """
    k0, counts = histogram(magnitudes, dm, weights=weights)
    centres = bin_centre(np.arange(k0, k0 + counts.size), dm)
    cumulative = np.cumsum(counts[::-1])[::-1]
    return np.atleast_1d(centres), counts, cumulative


def _bin_index_scalar(value: float, dm: float, key: str = "mc") -> int:
    """:func:`bin_index` of one float (such as mc), bit for bit, without numpy's call cost."""
    inv = _integer_inverse(dm)
    x = (value * float(inv) if inv is not None else value / dm) + (0.5 + BIN_TOLERANCE)
    if not math.isfinite(x):
        raise DataFormatError(f"{key}={value!r} is not a finite magnitude", key=key,
                              expected="a finite magnitude")
    return math.floor(x)
