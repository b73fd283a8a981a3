"""Optional compiled kernels (numba), for the few loops numpy cannot fuse.

numba is an optional dependency (``pip install varpy[speed]``). Without it, or with the
environment variable ``VARPY_NUMBA=0``, every caller keeps its numpy implementation, which gives
the same results bit for bit; the kernels here only make one pass where numpy needs several.

numba is imported, and a kernel compiled (or loaded from numba's on-disk cache), the first time
a caller asks for it, never at ``import varpy``: the first call in a session pays about 0.3 s for
the import, and the very first call after installation about a second more to compile.
Callers ask only for inputs large enough to gain from it.

Examples
--------
>>> from varpy import _accel
>>> isinstance(_accel.numba_enabled(), bool)
True
"""
from __future__ import annotations

import functools
import importlib.util
import logging
import os

import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["numba_enabled", "excess_moments_kernel", "next_at_least_kernel",
           "next_at_least_bins_kernel", "positive_kernels", "EXCESS_BLOCK",
           "EXACT_FLOAT_SUM"]

#: Values per block of :func:`excess_moments_kernel`, whose float sums within a block are exact
#: while they stay below :data:`EXACT_FLOAT_SUM`.
EXCESS_BLOCK = 1 << 16
#: Sums of non-negative integers below this are exact in floating point, in any order.
EXACT_FLOAT_SUM = 2.0 ** 53


def numba_enabled() -> bool:
    """Whether compiled kernels are used: numba is installed and ``VARPY_NUMBA`` is not 0."""
    if os.environ.get("VARPY_NUMBA", "1").lower() in ("0", "false", "no", "off"):
        return False
    return importlib.util.find_spec("numba") is not None


def _excess_moments(m, scale, divide, half, kcf, block, exact_sum, count_nan):
    """Count, sum and sum of squares of ``j = bin - kc`` over the values in bins ``>= kc``,
    and the number of NaN: ``(ok, n, s1, s2, n_nan)``, exact integers when ``ok``.

    ``bin = floor(m * scale + half)`` (``m / scale`` when ``divide``): the floating-point
    operations of :func:`varpy.statistics.mags.bin_index`. Within a block of ``block``
    values the sums are floats: every term is a non-negative integer, so any order of
    summation gives the exact value as long as the total is below ``exact_sum`` = 2**53
    (every partial sum is then below it too), which is what lets numba vectorize them
    ('reassoc'). The other fast-math flags stay off: without 'contract' the multiply and the
    add round separately, as numpy's do, so the bins are numpy's bit for bit, and with 'nsz'
    the compiled loop lost NaN and -inf it must report (numba 0.68). Skipped terms add -0.0,
    not 0.0: ``a + -0.0 == a`` for every float, so the selects become masked adds and the
    loop vectorizes without ignoring the sign of zero.

    ``count_nan=False`` is the fast pass: it only checks that every value is finite (their
    plain sum is) and gives up at the first block that is not; ``count_nan=True`` also counts
    what falls below ``kc``, so that NaN, neither inside nor below, are counted by difference
    (the ``x != x`` test would stop the loop from vectorizing). ``ok`` is False when a value
    is infinite (or NaN in the fast pass, or overflows ``m * scale``), when a block's sum of
    squares reaches ``exact_sum`` (bins far above ``kc``), or when the int64 totals could
    overflow: the caller then uses its numpy path, which refuses infinities by position.
    """
    size = m.shape[0]
    n_total = 0
    s1_total = 0
    s2_total = 0
    nan_total = 0
    for start in range(0, size, block):
        part = m[start:start + block]
        n = 0.0
        s1 = 0.0
        s2 = 0.0
        below = 0.0
        finite = 0.0
        for i in range(part.shape[0]):
            x = (part[i] / scale if divide else part[i] * scale) + half
            j = np.floor(x) - kcf
            inside = j >= 0.0
            jj = j if inside else -0.0
            n += 1.0 if inside else -0.0
            s1 += jj
            s2 += jj * jj
            if count_nan:           # loop-invariant: compiled as two loops
                below += 1.0 if j < 0.0 else -0.0
                finite += x if j == j else -0.0     # finite unless an infinity
            else:
                finite += x                          # finite unless a NaN or an infinity
        if not count_nan:
            below = part.shape[0] - n
        if not (np.isfinite(finite) and s2 < exact_sum and s2_total < 2 ** 62):
            return False, 0, 0, 0, 0
        n_total += np.int64(n)
        s1_total += np.int64(s1)
        s2_total += np.int64(s2)
        nan_total += part.shape[0] - np.int64(n) - np.int64(below)
    return True, n_total, s1_total, s2_total, nan_total


@functools.lru_cache(maxsize=None)
def excess_moments_kernel():
    """The compiled :func:`_excess_moments`, or None without numba (or with VARPY_NUMBA=0).

    Call it as ``kernel(m, scale, divide, half, kcf, EXCESS_BLOCK, EXACT_FLOAT_SUM,
    count_nan)``.
    """
    if not numba_enabled():
        return None
    import numba

    logger.debug("compiling the numba b-value kernel (cached on disk after the first time)")
    options = {"nogil": True, "fastmath": {"reassoc"}}
    try:
        return numba.njit(cache=True, **options)(_excess_moments)
    except RuntimeError as exc:
        # numba found no writable cache folder (read-only install and home): compile in
        # memory, once per process
        logger.info("numba cannot cache the b-value kernel (%s); compiling it in memory", exc)
        return numba.njit(cache=False, **options)(_excess_moments)


def _next_at_least(v, d):
    """For each ``i``, the smallest ``j > i`` with ``v[j] >= v[i] + d`` (``d > 0``), or -1.

    One backward sweep with a stack of the indices that can still be an answer: their values
    increase strictly from the top (nearest) to the bottom, so each query is a binary search
    and each index is pushed and popped once: O(n log n) at worst, about one pass in practice.
    """
    n = v.shape[0]
    out = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    top = 0                                 # number of indices on the stack
    for i in range(n - 1, -1, -1):
        thr = v[i] + d
        # stack[top-1] is the nearest; values increase towards stack[0]
        if top == 0 or v[stack[0]] < thr:
            out[i] = -1
        else:
            lo = 0
            hi = top - 1                    # v[stack[lo]] >= thr always holds
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if v[stack[mid]] >= thr:
                    lo = mid
                else:
                    hi = mid - 1
            out[i] = stack[lo]
        vi = v[i]
        while top > 0 and v[stack[top - 1]] <= vi:
            top -= 1
        stack[top] = i
        top += 1
    return out


@functools.lru_cache(maxsize=None)
def next_at_least_kernel():
    """The compiled :func:`_next_at_least` (``kernel(v, d)``), or None without numba."""
    if not numba_enabled():
        return None
    import numba

    try:
        return numba.njit(cache=True, nogil=True)(_next_at_least)
    except RuntimeError as exc:
        logger.info("numba cannot cache the next-larger kernel (%s); compiling it in memory",
                    exc)
        return numba.njit(cache=False, nogil=True)(_next_at_least)


def _next_at_least_bins(k, kd, kmin, kmax):
    """:func:`_next_at_least` for integer bins ``k`` in ``[kmin, kmax]`` and an integer step
    ``kd >= 1``: one backward sweep keeping, for every level ``L``, the nearest later index
    with a bin ``>= L`` (an event of bin ``k`` is that index for the levels ``kmin..k``)."""
    n = k.shape[0]
    out = np.empty(n, dtype=np.int64)
    levels = kmax - kmin + 1
    last = np.full(levels + 1, -1, dtype=np.int64)   # last[levels]: above every bin, never set
    for i in range(n - 1, -1, -1):
        j = k[i] - kmin
        q = j + kd
        if q > levels:
            q = levels
        out[i] = last[q]
        for L in range(j + 1):
            last[L] = i
    return out


@functools.lru_cache(maxsize=None)
def next_at_least_bins_kernel():
    """The compiled :func:`_next_at_least_bins` (``kernel(k, kd, kmin, kmax)``), or None."""
    if not numba_enabled():
        return None
    import numba

    try:
        return numba.njit(cache=True, nogil=True)(_next_at_least_bins)
    except RuntimeError as exc:
        logger.info("numba cannot cache the next-larger kernel (%s); compiling it in memory",
                    exc)
        return numba.njit(cache=False, nogil=True)(_next_at_least_bins)


def _more_positive_sums(m, scale, divide, half, kd, kc, kmin, kmax):
    """b-more-positive in one backward sweep over magnitudes in time order: the number of
    pairs and the exact sums of ``d = k_j - k_i`` and ``d**2`` over the events ``i`` with bin
    ``>= kc`` paired with the next later such event ``j`` of bin ``>= k_i + kd``.

    ``lastk[L]`` is the bin (relative to ``kmin``, int32) of the nearest later event of bin
    ``>= kmin + L``, -1 when there is none yet; an event of bin ``k`` sets it for every level
    up to its own. The update is a branch-free select over all levels (the number of levels
    varies from event to event, and a loop of that length mispredicts its exit every time):
    about 9 ns per event for 90 levels, against 19 ns for the loop. Callers keep
    ``kmax - kmin`` below 2**30.
    """
    n = m.shape[0]
    levels = kmax - kmin + 1
    lastk = np.full(levels + 1, -1, dtype=np.int32)
    npairs = 0
    s1 = 0
    s2 = 0
    for i in range(n - 1, -1, -1):
        x = m[i] / scale if divide else m[i] * scale
        k = np.int64(np.floor(x + half))
        if k < kc:
            continue
        j = np.int32(k - kmin)
        q = min(j + kd, levels)
        partner = lastk[q]
        if partner >= 0:
            d = np.int64(partner - j)
            npairs += 1
            s1 += d
            s2 += d * d
        for L in range(levels + 1):
            lastk[L] = j if L <= j else lastk[L]
    return npairs, s1, s2


def _positive_exposure(m, t, scale, divide, half, kd, kc, kmin, table):
    """a-positive in one forward pass: over consecutive events with bin ``>= kc`` (times
    non-decreasing, else ``ok`` is False), the number of positive pairs, the exposure
    ``sum dt * table[k_prev - kmin]`` and ``sum dt * table[...] * x`` with ``x`` the level
    above ``kc`` in bins; also the first and last time used."""
    n = m.shape[0]
    npos = 0
    expo = 0.0
    wx = 0.0
    prev_k = np.int64(0)
    prev_t = 0.0
    first_t = 0.0
    have = False
    for i in range(n):
        x = m[i] / scale if divide else m[i] * scale
        k = np.int64(np.floor(x + half))
        if k < kc:
            continue
        ti = t[i]
        if have:
            dt = ti - prev_t
            if not dt >= 0:
                return False, 0, 0.0, 0.0, 0.0, 0.0
            w = dt * table[prev_k - kmin]
            expo += w
            wx += w * (prev_k + kd - kc)
            if k - prev_k >= kd:
                npos += 1
        else:
            first_t = ti
            have = True
        prev_k = k
        prev_t = ti
    return True, npos, expo, wx, first_t, prev_t


def _positive_exposure_all(m, t, scale, divide, half, kd, kc, kmin, table):
    """:func:`_positive_exposure` when every event is at or above ``kc``: no state carried
    from one event to the next, so the loop vectorises (sums reassociated, as 'reassoc'
    allows; the bins keep numpy's separate multiply and add). ``ok`` is False when the times
    decrease somewhere."""
    n = m.shape[0]
    npos = 0
    expo = 0.0
    wx = 0.0
    back = 0
    for i in range(1, n):
        xp = m[i - 1] / scale if divide else m[i - 1] * scale
        xi = m[i] / scale if divide else m[i] * scale
        kp = np.int64(np.floor(xp + half))
        k = np.int64(np.floor(xi + half))
        dt = t[i] - t[i - 1]
        back += dt < 0
        w = dt * table[kp - kmin]
        expo += w
        wx += w * (kp + kd - kc)
        npos += k - kp >= kd
    if back > 0 or n == 0:
        return False, 0, 0.0, 0.0, 0.0, 0.0
    return True, npos, expo, wx, t[0], t[n - 1]


@functools.lru_cache(maxsize=None)
def positive_kernels():
    """Compiled ``(_more_positive_sums, _positive_exposure, _positive_exposure_all)``, or
    None."""
    if not numba_enabled():
        return None
    import numba

    out = []
    for fn in (_more_positive_sums, _positive_exposure, _positive_exposure_all):
        options = {"nogil": True}
        if fn is _positive_exposure_all:
            options["fastmath"] = {"reassoc"}
        try:
            out.append(numba.njit(cache=True, **options)(fn))
        except RuntimeError as exc:
            logger.info("numba cannot cache %s (%s); compiling it in memory", fn.__name__, exc)
            out.append(numba.njit(cache=False, **options)(fn))
    return tuple(out)
