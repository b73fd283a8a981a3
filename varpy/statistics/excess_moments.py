"""Exact count and moments of the excess over Mc: the fast path of b-value estimation.

The sums behind :func:`varpy.statistics.bvalue.estimate_b` for binned magnitudes.

:func:`_excess_moments` bins every magnitude with the floating-point operations of
:func:`~varpy.statistics.binning.bin_index` and accumulates the count, the sum and the sum of
squares of ``bin - kc`` over the complete events as exact integers, chunk by chunk, without a
mask or a filtered copy of the catalogue; with numba installed, large catalogues take one
compiled pass (:mod:`varpy._accel`). One concept, the exact fused sweep, kept whole.

May import: numpy, :mod:`varpy._accel`, :mod:`varpy.exceptions`,
:mod:`varpy.statistics.binning`.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from varpy import _accel
from varpy.exceptions import DataFormatError
from varpy.statistics.binning import BIN_TOLERANCE, _integer_inverse

__all__: list[str] = []     # private helpers of varpy.statistics.bvalue


# The default b-value path: the exact bin-index rule of :func:`bin_index` and the completeness
# cut in one sweep over the magnitudes, chunk by chunk, with integer sums decoded exactly.
#
# Each chunk goes through six in-cache numpy calls: ``k = floor(m * (1/dm) + (0.5 + tol))``
# (three calls, the same floating-point operations as bin_index), its minimum, one dot
# product per row of _ROW values for sum(k**2) and one einsum for sum(k). A chunk whose
# minimum is below the completeness bin kc first has its values below kc replaced by the
# sentinel ``kc - 2**-14`` (one more call): with at most _ROW = 2**13 sentinels in a row, the
# fractional part of the row's sum(k) is exactly (number of sentinels) * 2**-14, which gives
# the count of incomplete events, and both sums over the complete events follow exactly (see
# _decode_rows). NaN to skip become sentinels too (np.fmax), after a NaN-blind minimum and a
# NaN count; -inf, NaN to refuse, +inf (seen as non-finite sums) and rows too large to decode
# send their chunk to the straightforward computation. No mask and no filtered copy of the
# catalogue is made; the scratch memory is one chunk. numpy has no fused multiply-add-floor,
# so six passes over each chunk is the floor of this design: about 4-6 times a numpy mean of
# the same array (see bench/bench_mags.py). With numba installed, catalogues of
# _COMPILED_MIN_SIZE events or more take one compiled pass instead (varpy._accel, about 1-1.5
# numpy means), which hands back to this path whatever it cannot do exactly.
_ROW = 8192                 # dots this short run on the calling thread; from about 2**15
                            # values OpenBLAS wakes its threads, which costs milliseconds on a
                            # busy machine
_CHUNK_ROWS = 16            # 131072 values (1 MiB) per chunk: stays in a 2 MiB L2 cache
_SENTINEL = 2.0 ** -14      # _ROW * _SENTINEL = 1/2
_SQUARES_LIMIT = 2.0 ** 36  # a row's sum(k**2) below this is decoded exactly (dot error < 1/8)
_KC_LIMIT = 2 ** 16         # |kc| above this (e.g. mc = 7 with dm = 1e-4): exact slow path
# With numba installed (varpy[speed]), catalogues this large take one compiled pass instead
# (varpy._accel); smaller ones never import numba, whose import costs about 0.3 s.
_COMPILED_MIN_SIZE = 1 << 16


class _Moments(NamedTuple):
    """Events in bins ``>= kc`` and the exact sums of ``bin - kc`` and ``(bin - kc)**2``."""

    n: int
    s1: int
    s2: int
    #: NaN magnitudes skipped (``nan_policy='omit'``)
    n_nan: int


def _refuse_non_finite(m: np.ndarray, nan_policy: str, start: int = 0) -> np.ndarray | None:
    """Raise on infinite magnitudes, and on NaN unless ``nan_policy='omit'``.

    Returns the NaN mask when there are NaN to skip, else None. ``start`` is the position of
    ``m[0]`` in the catalogue, for the message.
    """
    finite = np.isfinite(m)
    if finite.all():
        return None
    nan = np.isnan(m)
    refused = ~finite & ~nan if nan_policy == "omit" else ~finite
    if refused.any():
        pos = int(np.flatnonzero(refused)[0])
        raise DataFormatError(f"magnitude at position {start + pos} is {float(m[pos])!r}",
                              column="magnitude",
                              expected="finite magnitudes" + (" or NaN for missing values"
                                                              if nan_policy == "omit" else
                                                              " (drop NaN first)"))
    return nan


def _exact_chunk_moments(part: np.ndarray, start: int, dm: float, kc: int,
                         nan_policy: str) -> _Moments:
    """The straightforward computation for one chunk (non-finite values, huge bins)."""
    inv = _integer_inverse(dm)
    with np.errstate(over="ignore"):            # overflowing bins are refused below
        x = part * float(inv) if inv is not None else part / dm
        x += 0.5 + BIN_TOLERANCE
    np.floor(x, out=x)
    n_nan = 0
    if not np.isfinite(x).all():
        nan = _refuse_non_finite(part, nan_policy, start)
        if nan is None:
            nan = np.zeros(part.size, dtype=bool)
        overflow = np.flatnonzero(~np.isfinite(x) & ~nan)
        if overflow.size:
            pos = int(overflow[0])
            raise DataFormatError(f"magnitude at position {start + pos} is {float(part[pos])!r}",
                                  column="magnitude",
                                  expected=f"magnitudes whose bin index m/dm (dm={dm}) is a "
                                           "finite number")
        n_nan = int(nan.sum())
        x = x[~nan]
    excess = x[x >= kc] - kc
    if excess.size == 0:
        return _Moments(0, 0, 0, n_nan)
    if float(excess.max()) < 2.0 ** 20:
        j = excess.astype(np.int64)
        return _Moments(int(j.size), int(j.sum()), int(np.dot(j, j)), n_nan)
    values, counts = np.unique(excess, return_counts=True)     # any size, still exact
    s1 = sum(int(v) * int(c) for v, c in zip(values, counts))
    s2 = sum(int(v) * int(v) * int(c) for v, c in zip(values, counts))
    return _Moments(int(excess.size), s1, s2, n_nan)


def _decode_rows(sq: np.ndarray, tot: np.ndarray, kc: int):
    """Exact (n_below, sum k, sum k**2) of the complete events of each row, and which rows
    could be decoded.

    ``tot`` is the row sum of the values (complete bins k and sentinels ``kc - 2**-14``) and
    ``sq`` the row sum of their squares. Every partial sum of ``tot`` is a multiple of
    2**-14 below 2**39 in magnitude, hence exact in any order; ``sq`` is within
    ``(_ROW + 2) * 2**-53 * sq < 1/8`` of its exact value when ``sq <= 2**36``, and the exact
    value is an integer plus ``n_below * (2**-14)**2 < 2**-15`` once the known sentinel terms
    are removed, so rounding recovers it.
    """
    with np.errstate(invalid="ignore"):
        whole = np.ceil(tot)
        n_below = (whole - tot) * (1.0 / _SENTINEL)
        s1 = whole - n_below * kc
        s2 = np.rint(sq + n_below * (2.0 * kc * _SENTINEL)) - n_below * float(kc * kc)
        # NaN or infinite sums fail both comparisons
        ok = (sq <= _SQUARES_LIMIT) & (n_below <= _ROW)
    return n_below, s1, s2, ok


def _compiled_excess_moments(m: np.ndarray, dm: float, kc: int, *,
                             block: int = _accel.EXCESS_BLOCK) -> _Moments | None:
    """:func:`_excess_moments` in one compiled pass (numba), NaN counted as skipped, or None
    to use numpy instead.

    None without numba, and for the catalogues the kernel leaves to the numpy path: infinite
    magnitudes, and bins so far above ``kc`` that its float sums would no longer be exact.
    """
    kernel = _accel.excess_moments_kernel()
    if kernel is None or abs(kc) >= 2 ** 52:    # kc must be exact as a float
        return None
    inv = _integer_inverse(dm)
    scale, divide = (float(inv), False) if inv is not None else (float(dm), True)
    args = (m, scale, divide, 0.5 + BIN_TOLERANCE, float(kc), int(block), _accel.EXACT_FLOAT_SUM)
    ok, n, s1, s2, n_nan = kernel(*args, False)
    if not ok:      # a NaN (or an infinity, or huge bins): the pass that counts NaN decides
        ok, n, s1, s2, n_nan = kernel(*args, True)
    return _Moments(int(n), int(s1), int(s2), int(n_nan)) if ok else None


def _excess_moments(magnitudes: np.ndarray, dm: float, kc: int, *,
                    nan_policy: str = "raise", chunk_rows: int = _CHUNK_ROWS) -> _Moments:
    """Count and exact integer sums of ``bin - kc`` over the events in bins ``>= kc``.

    Bins follow :func:`bin_index` bit for bit (same floating-point operations, same tie
    rule), so the result equals ``j = bin_index(m, dm) - kc; j = j[j >= 0]``,
    ``(j.size, j.sum(), (j**2).sum())`` computed in Python integers, at the cost of six
    in-cache passes over each chunk and no array of the size of the catalogue.
    ``nan_policy='omit'`` skips NaN (counted in ``n_nan``); infinite magnitudes always raise
    :class:`~varpy.exceptions.DataFormatError` naming their position, as NaN do with
    ``'raise'``.
    """
    m = magnitudes
    size = m.size
    if size == 0:
        return _Moments(0, 0, 0, 0)
    if size >= _COMPILED_MIN_SIZE:
        compiled = _compiled_excess_moments(m, dm, kc)
        # NaN to refuse: the numpy path raises, naming the first one's position
        if compiled is not None and not (compiled.n_nan and nan_policy != "omit"):
            return compiled
    if abs(kc) > _KC_LIMIT:
        chunk = int(chunk_rows) * _ROW
        parts = [_exact_chunk_moments(m[i:i + chunk], i, dm, kc, nan_policy)
                 for i in range(0, size, chunk)]
        return _Moments(*(sum(p[j] for p in parts) for j in range(4)))
    inv = _integer_inverse(dm)
    scale, scale_op = (float(inv), np.multiply) if inv is not None else (dm, np.divide)
    half = 0.5 + BIN_TOLERANCE
    rows = max(1, min(int(chunk_rows), -(-size // _ROW)))
    chunk = rows * _ROW
    buf = np.empty(chunk)
    grid = buf.reshape(rows, _ROW)
    n_chunks = -(-size // chunk)
    sums = np.zeros((n_chunks, 2, rows))         # per row: sum of squares, sum
    sentinel_row = None
    clipped = False
    kc_float = float(kc)
    omit = nan_policy == "omit"
    slow = []
    nan_counts = {}                              # chunk -> NaN skipped in the fast path
    # a magnitude so large that m/dm overflows is refused below, by the exact path
    with np.errstate(over="ignore"):
        for i in range(n_chunks):
            part = m[i * chunk:(i + 1) * chunk]
            k = buf[:part.size]
            scale_op(part, scale, out=k)
            np.add(k, half, out=k)
            np.floor(k, out=k)
            low = k.min()
            used = rows if part.size == chunk else -(-part.size // _ROW)
            g = grid[:used]
            if not low >= kc_float:
                if low != low and omit:              # NaN to skip: the NaN-blind minimum
                    low = np.fmin.reduce(k)
                    nan_counts[i] = int(np.count_nonzero(np.isnan(k)))
                if not low > -math.inf:              # -inf, or NaN to refuse: exact path
                    slow.append(i)
                    continue
                if sentinel_row is None:
                    sentinel_row = np.full(_ROW, kc - _SENTINEL)
                # NaN and events below kc become the sentinel; a row-shaped operand (not a
                # scalar) keeps numpy on its SIMD loop
                np.fmax(g, sentinel_row, out=g)
                clipped = True
            if part.size != chunk:
                buf[part.size:used * _ROW] = 0.0     # padding adds nothing to either sum
            np.vecdot(g, g, out=sums[i, 0, :used])
            np.einsum("ij->i", g, out=sums[i, 1, :used])    # faster than a dot with ones
    sq, tot = sums[:, 0], sums[:, 1]
    if not slow and not clipped and sq.max() <= _SQUARES_LIMIT:
        # every event complete and finite: the row sums are exact integers
        big_s1 = int(tot.astype(np.int64).sum())
        big_s2 = int(sq.astype(np.int64).sum())
        return _Moments(size, big_s1 - size * kc, big_s2 - 2 * kc * big_s1 + kc * kc * size, 0)
    n_below, s1_rows, s2_rows, ok = _decode_rows(sq, tot, kc)
    bad = set(slow)
    if not ok.all():
        bad.update(int(i) for i in np.flatnonzero(~ok.all(axis=1)))
    if bad:
        fast = np.ones(n_chunks, dtype=bool)
        fast[list(bad)] = False
        n_below, s1_rows, s2_rows = n_below[fast], s1_rows[fast], s2_rows[fast]
    n = size - sum(min(chunk, size - i * chunk) for i in bad) - int(n_below.sum())
    big_s1 = int(s1_rows.astype(np.int64).sum())
    big_s2 = int(s2_rows.astype(np.int64).sum())
    # sums of k over the complete events -> sums of (k - kc)
    s1 = big_s1 - n * kc
    s2 = big_s2 - 2 * kc * big_s1 + kc * kc * n
    n_nan = sum(count for i, count in nan_counts.items() if i not in bad)
    for i in sorted(bad):
        extra = _exact_chunk_moments(m[i * chunk:(i + 1) * chunk], i * chunk, dm, kc,
                                     nan_policy)
        n, s1, s2 = n + extra.n, s1 + extra.s1, s2 + extra.s2
        n_nan += extra.n_nan
    return _Moments(n, s1, s2, n_nan)
