"""Magnitude statistics: binning rule, frequency-magnitude distribution, b-value, completeness.

Pure numpy/scipy: arrays in, numbers (or tuples and dicts of arrays) out. The user-facing
dispatchers with result objects are in :mod:`varpy.analysis.magnitudes`.

Conventions
-----------
* Magnitudes are binned to integer indices ``k = round(m / dm)`` (:func:`bin_index`); a bin
  centre is computed from its index only at the end (:func:`bin_centre`), so no value is
  ever obtained by adding ``dm`` repeatedly and nothing drifts.
* ``mc`` is the **centre** of the lowest complete bin: an event belongs to the complete part
  when its bin index is ``>= round(mc / dm)``, i.e. when ``m >= mc - dm/2``. An event whose
  catalogue magnitude equals ``mc`` is therefore always kept (VarPy 2016 silently dropped
  events at ``mc = 1.2000000000000002``; see the ``varpy2016_*`` functions).
* ``dm = 0`` means continuous (unbinned) magnitudes: Tinti-Mulargia and Utsu reduce to Aki.
* Every histogram-based method works on the counts per bin, so after one pass over the
  magnitudes its cost depends on the number of bins, not on the number of events.
* Random functions take ``seed`` (int, :class:`numpy.random.Generator` or None).

References
----------
Aki (1965) Bull. Earthq. Res. Inst. 43, 237-239. Utsu (1965) Geophys. Bull. Hokkaido Univ.
13, 99-103. Tinti & Mulargia (1987) BSSA 77, 2125-2134. Shi & Bolt (1982) BSSA 72,
1677-1687. Wiemer & Wyss (2000) BSSA 90, 859-869. Cao & Gao (2002) GRL 29, 1334.
Woessner & Wiemer (2005) BSSA 95, 684-698. Clauset, Shalizi & Newman (2009) SIAM Rev. 51,
661-703. Mizrahi, Nandan & Wiemer (2021) SRL 92, 2333-2342. van der Elst (2021) JGR 126,
e2020JB021027.

Examples
--------
>>> import numpy as np
>>> from varpy.statistics import mags
>>> m = mags.simulate_gr(2000, b=1.0, mc=1.0, dm=0.1, seed=1)
>>> fit = mags.estimate_b(m, mc=1.0, dm=0.1)
>>> round(fit.b, 2), int(fit.n)
(1.01, 2000)
"""
from __future__ import annotations

import logging
import math
from typing import NamedTuple

import numpy as np
from scipy import special, stats

from varpy import _accel
from varpy.exceptions import DataFormatError, FitError, UnknownFormatError

__all__ = [
    "LOG10E",
    "LN10",
    "SHI_BOLT_CONSTANT",
    "BIN_TOLERANCE",
    "B_METHODS",
    "MC_METHODS",
    "BEstimate",
    "check_bin_width",
    "b_method_name",
    "mc_method_name",
    "completeness",
    "bin_index",
    "bin_centre",
    "round_to_bins",
    "on_grid",
    "histogram",
    "fmd",
    "b_from_mean_excess",
    "estimate_b",
    "estimate_b_positive",
    "a_value",
    "sigma_aki",
    "sigma_shi_bolt",
    "shi_bolt_constant_value",
    "sigma_tinti_mulargia",
    "bootstrap_b",
    "bootstrap_b_counts",
    "mc_maxc",
    "mc_gft",
    "mc_mbs",
    "mc_emr",
    "mc_ks",
    "mc_from_counts",
    "bootstrap_mc",
    "simulate_gr",
    "varpy2016_prepare",
    "varpy2016_fmd",
    "varpy2016_gr_mle",
    "varpy2016_mc_maxc",
    "varpy2016_mc_gft",
    "varpy2016_mc_mbs",
]

#: :math:`\log_{10} e`, the numerator of Aki's estimator.
LOG10E = math.log10(math.e)
#: :math:`\ln 10`, converts b to :math:`\beta`.
LN10 = math.log(10.0)
#: The constant Shi & Bolt (1982) printed (their derivation gives ``LN10``, 2.3026) and ZMAP
#: and VarPy 2016 use; varpy's default. Pass ``shi_bolt_constant='ln10'`` for the exact value.
SHI_BOLT_CONSTANT = 2.30
#: Tie tolerance of :func:`bin_index`, in units of one bin.
BIN_TOLERANCE = 1e-6

#: b-value estimators understood by :func:`b_from_mean_excess`.
B_METHODS = ("tinti_mulargia", "utsu", "aki")
#: Completeness methods understood by :func:`mc_from_counts`.
MC_METHODS = ("maxc", "gft", "mbs", "emr", "ks")

logger = logging.getLogger(__name__)

_B_ALIASES = {"tm": "tinti_mulargia", "tinti": "tinti_mulargia", "classic": "tinti_mulargia",
              "aki_utsu": "utsu"}
_MAX_BINS = 10_000_000


# ---------------------------------------------------------------------------------------------
# binning
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# b-value estimators
# ---------------------------------------------------------------------------------------------

def b_method_name(method: str) -> str:
    """Canonical b-estimator name (``'tm'`` -> ``'tinti_mulargia'``); unknown names raise."""
    name = str(method).lower().replace("-", "_").replace(" ", "_")
    name = _B_ALIASES.get(name, name)
    if name not in B_METHODS:
        raise UnknownFormatError("b-value method", str(method), B_METHODS)
    return name


def b_from_mean_excess(mean_excess, dm: float, method: str = "tinti_mulargia"):
    """b from the mean excess ``mean(M) - mc`` (scalar or array; vectorised over candidates).

    * ``aki``: :math:`\\log_{10}e / x` (Aki 1965, continuous magnitudes);
    * ``utsu``: :math:`\\log_{10}e / (x + \\Delta/2)` (Utsu 1965 bin correction);
    * ``tinti_mulargia``: :math:`\\ln(1 + \\Delta/x) / (\\Delta\\ln 10)`, the exact discrete
      MLE (Tinti & Mulargia 1987); equals Aki when ``dm = 0``.

    A non-positive mean excess (all events in the lowest bin) gives NaN.

    Examples
    --------
    >>> round(float(b_from_mean_excess(0.3416666666666668, 0.1)), 6)
    1.11492
    """
    method = b_method_name(method)
    dm = check_bin_width(dm, allow_zero=True)
    if np.ndim(mean_excess) == 0:
        # one estimate: the same float64 operations as below, without the array machinery
        x = np.float64(mean_excess)
        if not x > 0:
            return math.nan
        if method == "aki" or (method == "tinti_mulargia" and dm == 0):
            return float(LOG10E / x)
        if method == "utsu":
            return float(LOG10E / (x + dm / 2))
        return float(np.log1p(dm / x) / (dm * LN10))
    x = np.asarray(mean_excess, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "aki" or (method == "tinti_mulargia" and dm == 0):
            b = LOG10E / x
        elif method == "utsu":
            b = LOG10E / (x + dm / 2)
        else:
            b = np.log1p(dm / x) / (dm * LN10)
    b = np.where(x > 0, b, np.nan)
    return float(b) if b.ndim == 0 else b


class BEstimate(NamedTuple):
    """What a b-value estimate rests on."""

    b: float
    #: events used (sum of weights when weighted)
    n: float
    #: mean magnitude of the events used (b-positive: mean positive difference)
    mean: float
    #: sample standard deviation (ddof=1) of the magnitudes used (b-positive: differences)
    std: float
    #: the cut-off the excess is measured from (mc, or delta for b-positive)
    threshold: float


def _weighted_moments(x: np.ndarray, w: np.ndarray | None) -> tuple[float, float, float]:
    if w is None:
        n = float(x.size)
        mean = float(x.mean()) if x.size else math.nan
        std = float(x.std(ddof=1)) if x.size > 1 else math.nan
        return n, mean, std
    n = float(w.sum())
    if n <= 0:
        return 0.0, math.nan, math.nan
    mean = float(np.einsum("i,i->", w, x) / n)
    var = float(np.einsum("i,i->", w, (x - mean) ** 2) / (n - 1)) if n > 1 else math.nan
    return n, mean, math.sqrt(var) if var == var else math.nan


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


def _bin_index_scalar(value: float, dm: float, key: str = "mc") -> int:
    """:func:`bin_index` of one float (such as mc), bit for bit, without numpy's call cost."""
    inv = _integer_inverse(dm)
    x = (value * float(inv) if inv is not None else value / dm) + (0.5 + BIN_TOLERANCE)
    if not math.isfinite(x):
        raise DataFormatError(f"{key}={value!r} is not a finite magnitude", key=key,
                              expected="a finite magnitude")
    return math.floor(x)


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


def estimate_b(magnitudes, mc: float, dm: float, *, method: str = "tinti_mulargia",
               weights=None, assume_binned: bool = False, compute_std: bool = True,
               nan_policy: str = "raise") -> BEstimate:
    """Gutenberg-Richter b of the events at or above completeness.

    Parameters
    ----------
    magnitudes : array-like of float
        Magnitudes. Events are selected by bin, ``m >= mc - dm/2``, so an event at exactly
        ``mc`` is kept, and each counts at its bin centre (magnitudes off the ``dm`` grid are
        binned by the rule of :func:`bin_index`).
    mc : float
        Completeness magnitude, the centre of the lowest complete bin.
    dm : float
        Bin width; 0 for continuous magnitudes.
    method : {'tinti_mulargia', 'utsu', 'aki'}
        See :func:`b_from_mean_excess`.
    weights : array-like, optional
        Frequency weights (integer weights equal repeating events).
    assume_binned : bool
        The magnitudes are already bin centres (e.g. from :func:`round_to_bins`): average them
        directly instead of re-binning. On an already complete array this costs two passes
        (a minimum and a sum), about twice a bare ``numpy.mean``, plus one more for the
        standard deviation.
    compute_std : bool
        Also compute the standard deviation (for the Shi-Bolt uncertainty).
    nan_policy : {'raise', 'omit'}
        NaN magnitudes raise :class:`~varpy.exceptions.DataFormatError` (default) or are
        skipped; infinite magnitudes always raise.

    Returns
    -------
    BEstimate
        ``std`` is NaN when ``compute_std`` is False.

    Notes
    -----
    The default path (``dm > 0``, no weights, ``assume_binned=False``) bins every magnitude
    exactly as :func:`bin_index` does and accumulates the count, the sum and the sum of
    squares of ``bin - round(mc/dm)`` as exact integers, chunk by chunk, without a mask or a
    filtered copy of the catalogue; its cost is a few in-cache passes over each chunk. With
    numba installed (``varpy[speed]``), catalogues of 65,536 events or more take a single
    compiled pass, about the cost of a ``numpy.mean``, with identical results.

    Examples
    --------
    >>> fit = estimate_b([2.0, 2.1, 2.5, 3.0, 1.9], mc=2.0, dm=0.1, method="utsu")
    >>> int(fit.n), round(fit.b, 4)
    (4, 0.9651)
    """
    dm = check_bin_width(dm, allow_zero=True)
    if nan_policy not in ("raise", "omit"):
        raise DataFormatError(f"nan_policy={nan_policy!r}", key="nan_policy",
                              expected="'raise' or 'omit'")
    m = np.asarray(magnitudes, dtype=np.float64).reshape(-1)
    if dm > 0:
        kc = _bin_index_scalar(float(mc), dm)
        mc_value = bin_centre(kc, dm)
        edge = (kc - 0.5 - BIN_TOLERANCE) * dm
    else:
        mc_value = float(mc)
        edge = mc_value
    std = math.nan
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64).reshape(-1)
        if w.shape != m.shape:
            raise DataFormatError(f"{w.size} weights for {m.size} magnitudes", key="weights",
                                  expected="one weight per magnitude")
        nan = _refuse_non_finite(m, nan_policy)
        if nan is not None:
            m, w = m[~nan], w[~nan]
        if dm > 0:
            k = bin_index(m, dm)
            mask = k >= kc
            x = bin_centre(k[mask], dm)
        else:
            mask = m >= edge
            x = m[mask]
        n, mean, std = _weighted_moments(np.atleast_1d(x), w[mask])
    elif dm > 0 and not assume_binned:
        mom = _excess_moments(m, dm, kc, nan_policy=nan_policy)
        if mom.n_nan:
            logger.info("ignoring %d NaN magnitudes of %d", mom.n_nan, m.size)
        n = mom.n
        mean = mc_value + dm * mom.s1 / n if n else math.nan
        if compute_std and n > 1:
            # exact integer numerator: no cancellation, however large the catalogue
            std = dm * math.sqrt((n * mom.s2 - mom.s1 * mom.s1) / (n * (n - 1)))
    else:
        # an already complete array is used as it is: no mask, no copy
        low = float(m.min()) if m.size else math.inf
        if not low > -math.inf:                 # NaN or -inf somewhere
            _refuse_non_finite(m, nan_policy)
        sel = m if low >= edge else m[m >= edge]    # NaN compare False: skipped
        n = float(sel.size)
        total = float(sel.sum())
        if not math.isfinite(total):
            _refuse_non_finite(m, nan_policy)       # +inf: raises
        mean = total / n if sel.size else math.nan
        if compute_std and sel.size > 1:
            ssd = max(float(np.einsum("i,i->", sel, sel)) - n * mean * mean, 0.0)
            std = math.sqrt(ssd / (n - 1))
    if n == 0:
        raise FitError(f"no events at or above mc={mc_value}")
    b = b_from_mean_excess(mean - mc_value, dm, method)
    return BEstimate(float(b), float(n), float(mean), float(std), mc_value)


def estimate_b_positive(magnitudes, dm: float, *, delta: float | None = None, times=None,
                        method: str = "tinti_mulargia") -> BEstimate:
    """b-positive (van der Elst 2021) from consecutive magnitude differences.

    The differences ``m[i+1] - m[i]`` (in time order) that are ``>= delta`` are exponential
    with the same :math:`\\beta` as the magnitudes, whatever the (time-varying) completeness.
    For binned data the discrete estimator (Tinti-Mulargia with ``mc -> delta``) is used.

    Parameters
    ----------
    magnitudes : array-like
        Magnitudes in time order (or give ``times``).
    dm : float
        Bin width (0 = continuous).
    delta : float, optional
        Smallest difference used (van der Elst's :math:`M'_c`); default ``dm`` (every positive
        difference of binned data). Required when ``dm = 0``.
    times : array-like, optional
        Event times; the magnitudes are put in time order first (stable sort).
    method : str
        Estimator applied to the differences (see :func:`b_from_mean_excess`).

    Returns
    -------
    BEstimate
        ``mean`` and ``std`` describe the differences used, ``threshold`` is ``delta``.
    """
    dm = check_bin_width(dm, allow_zero=True)
    m = np.asarray(magnitudes, dtype=np.float64)
    if times is not None:
        order = np.argsort(np.asarray(times), kind="stable")
        m = m[order]
    if delta is None:
        if dm == 0:
            raise DataFormatError("b-positive of continuous magnitudes needs delta", key="delta",
                                  expected="a positive minimum difference such as 0.2")
        delta = dm
    if m.size < 2:
        raise FitError("b-positive needs at least two events")
    if dm > 0:
        kd = int(bin_index(float(delta), dm))
        if kd < 1:
            raise DataFormatError(f"delta={delta} is smaller than one bin", key="delta",
                                  expected=f"a multiple of dm={dm} >= dm")
        d = np.diff(bin_index(m, dm))
        d = d[d >= kd]
        n = d.size
        if n == 0:
            raise FitError(f"no magnitude differences >= delta={delta}")
        delta_value = bin_centre(kd, dm)
        mean = float(d.mean()) * dm
        std = float(d.std(ddof=1)) * dm if n > 1 else math.nan
    else:
        delta_value = float(delta)
        d = np.diff(m)
        d = d[d >= delta_value]
        n = d.size
        if n == 0:
            raise FitError(f"no magnitude differences >= delta={delta}")
        mean = float(d.mean())
        std = float(d.std(ddof=1)) if n > 1 else math.nan
    b = b_from_mean_excess(mean - delta_value, dm, method)
    return BEstimate(float(b), float(n), mean, std, delta_value)


def a_value(n: float, b: float, mc: float, dm: float = 0.0, *,
            convention: str = "edge") -> float:
    """Gutenberg-Richter a such that :math:`\\log_{10} N(\\ge M) = a - bM`.

    ``n`` events are in the bins at or above ``mc``. With ``convention='edge'`` (default) they
    are the events with magnitude :math:`\\ge M_c - \\Delta/2`, so
    :math:`a = \\log_{10} n + b (M_c - \\Delta/2)`; ``'centre'`` gives
    :math:`\\log_{10} n + b M_c` as ZMAP and VarPy 2016 do.
    """
    if convention not in ("edge", "centre"):
        raise DataFormatError(f"unknown a-value convention {convention!r}", key="convention",
                              expected="'edge' or 'centre'")
    if n <= 0 or not math.isfinite(b):
        return math.nan
    ref = mc - dm / 2 if convention == "edge" else mc
    return math.log10(n) + b * ref


# ---------------------------------------------------------------------------------------------
# uncertainties
# ---------------------------------------------------------------------------------------------

def sigma_aki(b, n):
    """Aki (1965) asymptotic standard error :math:`b/\\sqrt{N}`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(b, dtype=np.float64) / np.sqrt(np.asarray(n, dtype=np.float64))
    return float(out) if out.ndim == 0 else out


def shi_bolt_constant_value(constant=SHI_BOLT_CONSTANT) -> float:
    """The constant of the Shi-Bolt uncertainty as a float.

    Shi & Bolt (1982) derived :math:`\\sigma_b = \\ln 10\\, b^2 \\sigma_{\\bar M}` and printed
    the constant rounded to 2.30, which ZMAP and VarPy 2016 use: that is varpy's default
    (:data:`SHI_BOLT_CONSTANT`). SeismoStats and hmtk use the exact ``ln 10`` = 2.302585...;
    the two differ by 0.11 %.

    Parameters
    ----------
    constant : float or str
        A positive number (or a string holding one), ``'ln10'`` (also ``'ln(10)'``,
        ``'ln 10'``) for the exact value, or ``'zmap'`` for 2.30.

    Examples
    --------
    >>> shi_bolt_constant_value(), shi_bolt_constant_value("ln10") == LN10
    (2.3, True)
    """
    if isinstance(constant, str):
        name = constant.strip().lower().replace(" ", "").replace("_", "")
        if name in ("ln10", "ln(10)", "log(10)", "loge10"):
            return LN10
        if name in ("zmap", "varpy2016", "shibolt"):
            return SHI_BOLT_CONSTANT
    try:
        value = float(constant)
    except (TypeError, ValueError):
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise DataFormatError(f"Shi-Bolt constant {constant!r} is not understood",
                              key="shi_bolt_constant",
                              expected="a positive number such as 2.30 (ZMAP, VarPy 2016), "
                                       "or 'ln10' for the exact ln 10 (SeismoStats)")
    return value


def sigma_shi_bolt(b, n, std, *, constant: float | str = SHI_BOLT_CONSTANT):
    """Shi & Bolt (1982): :math:`C b^2 \\sqrt{\\sum(M_i-\\bar M)^2 / (N(N-1))} = C b^2 s/\\sqrt N`.

    ``std`` is the sample standard deviation (ddof=1) of the magnitudes used. ``constant`` is
    2.30 as printed by Shi & Bolt and used by ZMAP and VarPy 2016 (default), or ``'ln10'``
    (:data:`LN10`) as SeismoStats and hmtk use; they differ by 0.11 %. See
    :func:`shi_bolt_constant_value` for the accepted spellings.

    Examples
    --------
    >>> round(sigma_shi_bolt(1.0, 100, 0.43), 6), round(sigma_shi_bolt(1.0, 100, 0.43,
    ...                                                                  constant="ln10"), 6)
    (0.0989, 0.099011)
    """
    constant = shi_bolt_constant_value(constant)
    if np.ndim(b) == 0 and np.ndim(n) == 0 and np.ndim(std) == 0:
        # one estimate: the same float64 operations as below, without the array machinery
        b = np.float64(b)
        n = np.float64(n)
        if n > 0:
            return float(constant * b * b * np.float64(std) / np.sqrt(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.asarray(b, dtype=np.float64)
        out = constant * b * b * np.asarray(std, dtype=np.float64) / np.sqrt(
            np.asarray(n, dtype=np.float64))
    return float(out) if out.ndim == 0 else out


def sigma_tinti_mulargia(b, n, dm: float):
    """Standard error of the discrete MLE from the geometric Fisher information.

    :math:`\\sigma_b = (p-1) / (\\ln 10\\,\\Delta\\sqrt{N p})` with
    :math:`p = 10^{b\\Delta}` (Tinti & Mulargia 1987); tends to :math:`b/\\sqrt N` as
    :math:`\\Delta \\to 0`.
    """
    dm = check_bin_width(dm, allow_zero=True)
    b = np.asarray(b, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if dm == 0:
            out = b / np.sqrt(n)
        else:
            bd = b * dm * LN10
            out = np.expm1(bd) / (LN10 * dm * np.sqrt(n * np.exp(bd)))
    return float(out) if out.ndim == 0 else out


def _as_rng(seed) -> np.random.Generator:
    return np.random.default_rng(seed)


def bootstrap_b_counts(excess_counts, dm: float, *, method: str = "tinti_mulargia",
                       n_boot: int = 1000, seed=None) -> np.ndarray:
    """Bootstrap b replicates from the counts of events per bin above the threshold.

    ``excess_counts[j]`` is the number of events ``j`` bins above mc (or above delta for
    b-positive). Each bootstrap catalogue is a multinomial draw of the same size over these
    bins, which is exactly what resampling the events with replacement gives; the cost is
    :math:`O(n_{boot} \\times bins)` instead of :math:`O(n_{boot} \\times N)`.
    """
    dm = check_bin_width(dm)
    counts = np.asarray(excess_counts, dtype=np.int64)
    n = int(counts.sum())
    if n < 1:
        raise FitError("bootstrap needs at least one event")
    rng = _as_rng(seed)
    draws = rng.multinomial(n, counts / n, size=int(n_boot))
    mean_bins = np.einsum("ij,j->i", draws, np.arange(counts.size, dtype=np.float64)) / n
    return np.asarray(b_from_mean_excess(mean_bins * dm, dm, method), dtype=np.float64)


def bootstrap_b(magnitudes, mc: float, dm: float, *, method: str = "tinti_mulargia",
                n_boot: int = 1000, seed=None, chunk: int = 2_000_000) -> np.ndarray:
    """Bootstrap replicates of b for the events at or above ``mc``.

    Binned data (``dm > 0``) use :func:`bootstrap_b_counts` (multinomial counts over bins).
    Continuous data resample the events, in chunks of about ``chunk`` draws at a time.

    Examples
    --------
    >>> m = simulate_gr(500, b=1.0, mc=0.0, dm=0.1, seed=3)
    >>> reps = bootstrap_b(m, 0.0, 0.1, n_boot=200, seed=4)
    >>> reps.shape, 0.035 < float(reps.std()) < 0.05
    ((200,), True)
    """
    dm = check_bin_width(dm, allow_zero=True)
    m = np.asarray(magnitudes, dtype=np.float64)
    if dm > 0:
        k0, counts = histogram(m, dm)
        kc = int(bin_index(float(mc), dm))
        above = counts[max(kc - k0, 0):]
        if kc - k0 >= counts.size or above.sum() == 0:
            raise FitError(f"no events at or above mc={mc}")
        if kc < k0:                       # mc below the lowest event: pad the empty bins
            above = np.concatenate([np.zeros(k0 - kc, dtype=counts.dtype), above])
        return bootstrap_b_counts(above, dm, method=method, n_boot=n_boot, seed=seed)
    x = m[m >= mc] - float(mc)
    if x.size == 0:
        raise FitError(f"no events at or above mc={mc}")
    rng = _as_rng(seed)
    out = np.empty(int(n_boot))
    rows = max(1, chunk // x.size)
    for start in range(0, int(n_boot), rows):
        stop = min(int(n_boot), start + rows)
        idx = rng.integers(0, x.size, size=(stop - start, x.size))
        out[start:stop] = x[idx].mean(axis=1)
    return np.asarray(b_from_mean_excess(out, 0.0, method), dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# completeness: histogram kernels (counts in bins k0 .. k0 + L - 1)
# ---------------------------------------------------------------------------------------------

class _Tails(NamedTuple):
    """For every candidate bin offset c: events at or above c, their mean excess (bins), ssd."""

    n: np.ndarray
    mean_excess: np.ndarray
    ssd: np.ndarray


def _tails(counts: np.ndarray) -> _Tails:
    """Sufficient statistics of the events in bins >= c, for every c, in O(bins).

    Integer-valued float64 sums are exact below 2**53, so the excess and the sum of squared
    deviations are computed without cancellation error from rounding of magnitudes.
    """
    c = np.asarray(counts, dtype=np.float64)
    j = np.arange(c.size, dtype=np.float64)
    n = np.cumsum(c[::-1])[::-1]
    s1 = np.cumsum((j * c)[::-1])[::-1]
    s2 = np.cumsum((j * j * c)[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        exc = s1 - j * n                       # sum over events of (bin - c)
        sq = s2 - 2 * j * s1 + j * j * n       # sum of (bin - c)^2
        mean_excess = exc / n
        ssd = sq - exc * exc / n
    ssd = np.maximum(ssd, 0.0)
    return _Tails(n, mean_excess, ssd)


def _candidate_offsets(counts: np.ndarray, k0: int, dm: float, candidates, min_events: int):
    """Offsets (into counts) of the candidate bins, in increasing order."""
    n_above = np.cumsum(counts[::-1])[::-1]
    if candidates is None:
        offs = np.flatnonzero(n_above >= min_events)
    else:
        offs = np.unique(bin_index(np.atleast_1d(np.asarray(candidates, dtype=float)), dm) - k0)
        offs = offs[(offs >= 0) & (offs < counts.size)]
        offs = offs[n_above[offs] >= min_events]
    return offs.astype(np.int64)


def _fit_tails(counts, dm, b_method, shi_bolt_constant):
    t = _tails(counts)
    b = b_from_mean_excess(t.mean_excess * dm, dm, b_method)
    b = np.asarray(b, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        std = dm * np.sqrt(t.ssd / (t.n - 1))
    sigma = sigma_shi_bolt(b, t.n, std, constant=shi_bolt_constant)
    return t, b, np.asarray(sigma, dtype=np.float64)


def _maxc_counts(counts, k0, dm, correction=0.0):
    j = int(np.argmax(counts))                     # first maximum, as SeismoStats and VarPy
    mode = bin_centre(k0 + j, dm)
    k_mc = int(bin_index(mode + float(correction), dm))
    return k_mc, {"mode": mode, "mode_count": float(counts[j]), "correction": float(correction)}


def _gft_counts(counts, k0, dm, *, b_method="tinti_mulargia", residuals="incremental",
                candidates=None, min_events=10, thresholds=(95.0, 90.0)):
    offs = _candidate_offsets(counts, k0, dm, candidates, min_events)
    t, b_all, _ = _fit_tails(counts, dm, b_method, SHI_BOLT_CONSTANT)
    L = counts.size
    obs = np.asarray(counts, dtype=np.float64)
    b = b_all[offs]
    n = t.n[offs]
    log_q = -b * dm * LN10                                  # q = 10**(-b dm)
    d = np.arange(L)[None, :] - offs[:, None]
    valid = d >= 0
    dd = np.where(valid, d, 0)
    with np.errstate(invalid="ignore", over="ignore"):
        tail = np.exp(dd * log_q[:, None])                  # q**(j - c): synthetic N(>=j)/N
        if residuals == "incremental":
            synth = n[:, None] * (-np.expm1(log_q))[:, None] * tail
            ref = obs[None, :]
        elif residuals == "cumulative":
            synth = n[:, None] * tail
            ref = np.cumsum(obs[::-1])[::-1][None, :]
        else:
            raise DataFormatError(f"unknown GFT residuals {residuals!r}", key="residuals",
                                  expected="'incremental' (Wiemer & Wyss 2000) or 'cumulative' "
                                           "(VarPy 2016)")
        num = np.where(valid, np.abs(ref - synth), 0.0).sum(axis=1)
        den = np.where(valid, ref, 0.0).sum(axis=1)
        R = 100.0 - 100.0 * num / den
    R = np.where(np.isfinite(b), R, np.nan)
    diag = {"candidates": bin_centre(k0 + offs, dm), "residuals": R, "b_values": b,
            "n_events": n, "residual_kind": residuals}
    found = {}
    for level in thresholds:
        hit = np.flatnonzero(R >= level)
        found[level] = int(k0 + offs[hit[0]]) if hit.size else None
    diag["mc95"] = None if found.get(95.0) is None else bin_centre(found[95.0], dm)
    diag["mc90"] = None if found.get(90.0) is None else bin_centre(found[90.0], dm)
    if found.get(95.0) is not None:
        k_mc, crit = found[95.0], "95%"
    elif found.get(90.0) is not None:
        k_mc, crit = found[90.0], "90%"
    else:
        k_mc, _ = _maxc_counts(counts, k0, dm)
        crit = "maxc"
    diag["criterion"] = crit
    return k_mc, diag


def _mbs_counts(counts, k0, dm, *, b_method="tinti_mulargia", criterion="shi_bolt",
                delta_b=0.03, stability_range=0.5, candidates=None, min_events=10,
                shi_bolt_constant=SHI_BOLT_CONSTANT):
    if criterion not in ("shi_bolt", "cao_gao"):
        raise DataFormatError(f"unknown MBS criterion {criterion!r}", key="criterion",
                              expected="'shi_bolt' (Woessner & Wiemer 2005) or 'cao_gao' "
                                       "(fixed delta_b, Cao & Gao 2002)")
    t, b_all, sig_all = _fit_tails(counts, dm, b_method,
                                   shi_bolt_constant_value(shi_bolt_constant))
    b_all = np.where(t.n >= max(min_events, 2), b_all, np.nan)
    K = max(1, int(round(float(stability_range) / dm)))
    L = counts.size
    # mean of b(c), ..., b(c + K - 1); NaN where the window leaves the data or hits a NaN
    padded = np.concatenate([b_all, np.full(K, np.nan)])
    csum = np.concatenate([[0.0], np.cumsum(np.nan_to_num(padded, nan=0.0))])
    nan_count = np.concatenate([[0], np.cumsum(np.isnan(padded))])
    idx = np.arange(L)
    bave = (csum[idx + K] - csum[idx]) / K
    bave = np.where(nan_count[idx + K] - nan_count[idx] == 0, bave, np.nan)
    offs = _candidate_offsets(counts, k0, dm, candidates, max(min_events, 2))
    b = b_all[offs]
    sigma = sig_all[offs]
    b_avg = bave[offs]
    tol = sigma if criterion == "shi_bolt" else np.full(offs.size, float(delta_b))
    with np.errstate(invalid="ignore"):
        passed = np.abs(b_avg - b) <= tol
    diag = {"candidates": bin_centre(k0 + offs, dm), "b_values": b, "sigmas": sigma,
            "b_averages": b_avg, "n_events": t.n[offs], "passed": passed,
            "criterion": criterion, "window_bins": K}
    hit = np.flatnonzero(passed)
    k_mc = int(k0 + offs[hit[0]]) if hit.size else None
    return k_mc, diag


def _emr_counts(counts, k0, dm, *, b_method="tinti_mulargia", candidates=None, min_events=10,
                ll_tolerance=0.0, refine_rounds=6):
    obs = np.asarray(counts, dtype=np.float64)
    L = obs.size
    offs = _candidate_offsets(counts, k0, dm, candidates, min_events)
    if candidates is None:
        # Mc far below the mode or far above it is never the likelihood maximum worth paying
        # for: test from half a magnitude unit below the mode to two units above it
        mode = int(np.argmax(obs))
        offs = offs[(offs >= mode - round(0.5 / dm)) & (offs <= mode + round(2.0 / dm))]
    t = _tails(counts)
    b_all = np.asarray(b_from_mean_excess(t.mean_excess * dm, dm, b_method), dtype=np.float64)
    centres = np.asarray(bin_centre(np.arange(k0, k0 + L), dm), dtype=np.float64)
    const = -special.gammaln(obs + 1).sum()
    b = b_all[offs]
    ok = np.isfinite(b)
    n_c = t.n[offs]
    # GR expected counts of every bin for every candidate: N_c (1 - q) q^(j - c)
    log_q = np.where(ok, -b * dm * LN10, -1.0)
    log_g = (np.log(n_c) + np.log(-np.expm1(log_q)))[:, None] \
        + (np.arange(L)[None, :] - offs[:, None]) * log_q[:, None]
    below = np.arange(L)[None, :] < offs[:, None]                     # (C, L)
    above_ll = np.where(~below, obs[None, :] * log_g, 0.0).sum(axis=1) - n_c
    gr_below = np.where(below, obs[None, :] * log_g, 0.0).sum(axis=1)
    g_below = np.where(below, np.exp(np.minimum(log_g, 700.0)), 0.0)

    # 1) coarse grid over the detection curve (mu, log sigma), shared by every candidate
    lo, hi = centres[0], centres[-1]
    mus = np.linspace(lo - 0.5, hi, max(8, min(120, int(round((hi - lo + 0.5) / (dm / 2))) + 1)))
    log_sig = np.linspace(math.log(max(dm / 4, 1e-3)), math.log(max(1.0, 10 * dm)), 24)
    z = (centres[None, None, :] - mus[:, None, None]) / np.exp(log_sig)[None, :, None]
    log_phi = special.log_ndtr(z)                                     # (nmu, nsig, L)
    G = mus.size * log_sig.size
    prefix = np.concatenate([np.zeros((G, 1)), np.cumsum(
        (obs[None, None, :] * log_phi).reshape(G, L), axis=1)], axis=1)
    grid = prefix[:, offs].T - g_below @ np.exp(log_phi).reshape(G, L).T   # (C, G)
    best = np.argmax(grid, axis=1)
    mu = mus[best // log_sig.size]
    ls = log_sig[best % log_sig.size]
    # 2) zoom: 9 x 9 local grids around every candidate's optimum, step / 4 each round
    step_mu = (mus[1] - mus[0]) / 4
    step_ls = (log_sig[1] - log_sig[0]) / 4
    mu_bounds = (lo - 2.0, hi + 1.0)
    ls_bounds = (math.log(1e-3), math.log(5.0))
    val = grid[np.arange(offs.size), best]
    block = max(1, 2_000_000 // (81 * L))
    for start in range(0, offs.size, block):
        sl = slice(start, min(offs.size, start + block))
        top = max(1, int(offs[sl].max()))          # only the bins below a candidate matter
        mu[sl], ls[sl], val[sl] = _emr_zoom(mu[sl], ls[sl], val[sl], step_mu, step_ls,
                                            centres[:top], obs[:top], below[sl, :top],
                                            g_below[sl, :top], mu_bounds, ls_bounds,
                                            int(refine_rounds))
    has_below = offs > 0
    ll = gr_below + np.where(has_below, val, 0.0) + above_ll + const
    ll = np.where(ok, ll, -np.inf)
    mu_hat = np.where(has_below & ok, mu, np.nan)
    sig_hat = np.where(has_below & ok, np.exp(ls), np.nan)
    diag = {"candidates": bin_centre(k0 + offs, dm), "log_likelihoods": ll, "b_values": b,
            "n_events": n_c, "mu": mu_hat, "sigma": sig_hat}
    if not np.isfinite(ll).any():
        return None, diag
    i = int(np.argmax(ll))
    if ll_tolerance > 0:
        i = int(np.flatnonzero(ll >= ll[i] - float(ll_tolerance))[0])
    diag["ll_tolerance"] = float(ll_tolerance)
    diag["detection_mu"] = float(mu_hat[i]) if np.isfinite(mu_hat[i]) else None
    diag["detection_sigma"] = float(sig_hat[i]) if np.isfinite(sig_hat[i]) else None
    return int(k0 + offs[i]), diag


def _emr_zoom(mu, ls, val, step_mu, step_ls, centres, obs, below, g_below, mu_bounds,
              ls_bounds, rounds):
    """Refine (mu, log sigma) of several candidates at once on shrinking 9 x 9 local grids."""
    k = np.arange(-4, 5, dtype=np.float64)
    rows = np.arange(mu.size)
    shape = (mu.size, 9, 9)
    for _ in range(rounds):
        M = np.broadcast_to(np.clip(mu[:, None, None] + step_mu * k[None, :, None], *mu_bounds),
                            shape)
        S = np.broadcast_to(np.clip(ls[:, None, None] + step_ls * k[None, None, :], *ls_bounds),
                            shape)
        lp = special.log_ndtr((centres[None, None, None, :] - M[..., None])
                              / np.exp(S)[..., None])                  # (C, 9, 9, L)
        v = (np.where(below[:, None, None, :], obs[None, None, None, :] * lp, 0.0)
             - g_below[:, None, None, :] * np.exp(lp)).sum(axis=3).reshape(mu.size, -1)
        j = np.argmax(v, axis=1)
        better = v[rows, j] >= val
        val = np.where(better, v[rows, j], val)
        mu = np.where(better, M[rows, j // 9, j % 9], mu)
        ls = np.where(better, S[rows, j // 9, j % 9], ls)
        step_mu /= 4
        step_ls /= 4
    return mu, ls, val


def _ks_counts(counts, k0, dm, *, b_method="tinti_mulargia", candidates=None, min_events=10,
               p_value_pass=0.1, n_sim=10000, refit=False, stop_when_passed=True, seed=None):
    rng = _as_rng(seed)
    obs = np.asarray(counts, dtype=np.int64)
    offs = _candidate_offsets(counts, k0, dm, candidates, min_events)
    t = _tails(counts)
    b_all = np.asarray(b_from_mean_excess(t.mean_excess * dm, dm, b_method), dtype=np.float64)
    p_values = np.full(offs.size, np.nan)
    distances = np.full(offs.size, np.nan)
    k_mc = None
    n_sim = int(n_sim)
    for i, c in enumerate(offs):
        b = b_all[c]
        n_c = int(t.n[c])
        if not np.isfinite(b):
            continue
        q = 10.0 ** (-b * dm)
        x = obs[c:]
        j = np.arange(1, x.size + 1)
        d_obs = float(np.max(np.abs(np.cumsum(x) / n_c - (1.0 - q ** j))))
        distances[i] = d_obs
        # For a discrete null distribution the continuous KS law is conservative (Noether
        # 1963), and re-fitting b only shrinks the simulated distances; so when even the
        # continuous tail probability is below 0.01 / n_sim, the simulations would (almost
        # surely) produce no exceedance: p = 0 without simulating.
        if stats.kstwo.sf(d_obs, n_c) < 0.01 / n_sim:
            p_values[i] = 0.0
            continue
        dist = _ks_simulated_distances(rng, n_c, q, n_sim, dm, b_method if refit else None)
        p_values[i] = np.count_nonzero(dist >= d_obs) / n_sim
        if k_mc is None and p_values[i] >= p_value_pass:
            k_mc = int(k0 + c)
            if stop_when_passed:
                break
    diag = {"candidates": bin_centre(k0 + offs, dm), "p_values": p_values,
            "ks_distances": distances, "b_values": b_all[offs], "n_events": t.n[offs],
            "p_value_pass": float(p_value_pass), "refit": bool(refit), "n_sim": n_sim}
    return k_mc, diag


def _ks_simulated_distances(rng, n, q, n_sim, dm, refit_method, block_elements=4_000_000):
    """KS distances of ``n_sim`` simulated discrete-GR catalogues of ``n`` events.

    Each catalogue is a multinomial draw of counts over the bins (numpy stops drawing a row
    once its events are used up), with the geometric tail beyond the last bin lumped into it;
    the last bin is placed where the tail holds less than 1e-3 / (n * n_sim) events.
    """
    L = int(math.ceil(math.log(1e-3 / (n * n_sim)) / math.log(q))) + 1
    jj = np.arange(L)
    p = (1.0 - q) * q ** jj
    p[-1] = q ** (L - 1)
    cdf = 1.0 - q ** (jj + 1)
    out = np.empty(n_sim)
    rows = max(1, block_elements // L)
    for start in range(0, n_sim, rows):
        size = min(rows, n_sim - start)
        sim = rng.multinomial(n, p, size=size)
        ecdf = np.cumsum(sim, axis=1) / n
        if refit_method is None:
            out[start:start + size] = np.max(np.abs(ecdf - cdf[None, :]), axis=1)
            continue
        bs = np.asarray(b_from_mean_excess(np.einsum("ij,j->i", sim, jj.astype(np.float64))
                                           / n * dm, dm,
                                           refit_method), dtype=np.float64)
        qs = 10.0 ** (-bs * dm)
        with np.errstate(invalid="ignore"):
            d = np.abs(ecdf - (1.0 - qs[:, None] ** (jj + 1)[None, :])).max(axis=1)
        # a catalogue whose events all share one bin has no finite b: as far as it gets
        out[start:start + size] = np.where(np.isfinite(bs), d, 1.0)
    return out


_KERNELS = {"maxc": _maxc_counts, "gft": _gft_counts, "mbs": _mbs_counts, "emr": _emr_counts,
            "ks": _ks_counts}


def mc_method_name(method: str) -> str:
    """Canonical completeness-method name (``'clauset'`` -> ``'ks'``); unknown names raise."""
    name = str(method).lower().replace("-", "_")
    name = {"max_curvature": "maxc", "maximum_curvature": "maxc", "b_stability": "mbs",
            "goodness_of_fit": "gft", "clauset": "ks"}.get(name, name)
    if name not in _KERNELS:
        raise UnknownFormatError("completeness method", str(method), MC_METHODS)
    return name


def mc_from_counts(counts, k0: int, dm: float, method: str, **options):
    """Completeness from a histogram: ``(mc, diagnostics)``; ``mc`` is NaN when none is found.

    ``counts[j]`` holds the events in bin ``k0 + j`` (see :func:`histogram`). ``options`` are
    those of the method's public function (:func:`mc_gft` etc.), except that ``fmd_bin`` of
    MAXC must equal ``dm`` here.
    """
    dm = check_bin_width(dm)
    name = mc_method_name(method)
    counts = np.asarray(counts)
    if counts.size == 0 or counts.sum() <= 0:
        raise FitError("no events to estimate completeness from")
    k_mc, diag = _KERNELS[name](counts, int(k0), dm, **options)
    return (math.nan if k_mc is None else bin_centre(k_mc, dm)), diag


def completeness(method: str, magnitudes, dm: float, **options):
    """Completeness of magnitudes by any method: ``(mc, diagnostics)``.

    One entry point for :func:`mc_maxc`, :func:`mc_gft`, :func:`mc_mbs`, :func:`mc_emr` and
    :func:`mc_ks`; ``options`` are those of the chosen function. ``mc`` is NaN when the method
    finds none.

    Examples
    --------
    >>> m = simulate_gr(20000, 1.0, 0.0, 0.1, detection=(1.0, 0.1), seed=4)
    >>> completeness("mbs", m, 0.1)[0]
    1.1
    """
    name = mc_method_name(method)
    if name == "maxc":
        return mc_maxc(magnitudes, dm, **options)
    k0, counts = histogram(magnitudes, dm)
    return mc_from_counts(counts, k0, dm, name, **options)


def mc_maxc(magnitudes, dm: float, *, fmd_bin: float | None = None, correction: float = 0.0):
    """Maximum curvature: the centre of the most populated bin (first maximum) + ``correction``.

    Woessner & Wiemer (2005) recommend ``correction=0.2`` because MAXC underestimates Mc for
    gradually curved distributions; the default (0) is the plain method of Wiemer & Wyss (2000)
    as VarPy 2016 used it. ``fmd_bin`` (default ``dm``) is the bin width of the histogram whose
    mode is taken; the result is rounded to the ``dm`` grid.

    Examples
    --------
    >>> mc, info = mc_maxc([1.0, 1.1, 1.1, 1.2, 1.2, 1.3], 0.1, correction=0.2)
    >>> mc, info["mode"]
    (1.3, 1.1)
    """
    dm = check_bin_width(dm)
    fb = dm if fmd_bin is None else check_bin_width(fmd_bin)
    k0, counts = histogram(magnitudes, fb)
    k_mode, diag = _maxc_counts(counts, k0, fb, 0.0)
    value = bin_centre(int(bin_index(diag["mode"] + float(correction), dm)), dm)
    diag["correction"] = float(correction)
    diag["fmd_bin"] = fb
    return value, diag


def mc_gft(magnitudes, dm: float, *, b_method: str = "tinti_mulargia",
           residuals: str = "incremental", candidates=None, min_events: int = 10):
    """Goodness-of-fit test (Wiemer & Wyss 2000) with ZMAP's "best combination".

    For each candidate Mc (every bin with at least ``min_events`` events at or above it, or
    the given ``candidates``) fit b above it and compare observed with synthetic GR counts over
    the bins at and above the candidate:
    :math:`R = 100 - 100\\sum|B_j - S_j| / \\sum B_j`. ``residuals='incremental'`` (default)
    compares events per bin as Wiemer & Wyss do; ``'cumulative'`` compares cumulative counts as
    VarPy 2016 did. The synthetic counts are the exact discrete GR of the fitted b scaled to the
    number of events; ZMAP additionally rounds them, so values differ from ZMAP's slightly.

    Returns Mc95 (smallest candidate with R >= 95) if any, else Mc90, else MAXC; the
    diagnostics say which (``criterion``) and hold R for every candidate.
    """
    return completeness("gft", magnitudes, dm, b_method=b_method, residuals=residuals,
                        candidates=candidates, min_events=min_events)


def mc_mbs(magnitudes, dm: float, *, criterion: str = "shi_bolt", delta_b: float = 0.03,
           stability_range: float = 0.5, b_method: str = "tinti_mulargia", candidates=None,
           min_events: int = 10, shi_bolt_constant: float | str = SHI_BOLT_CONSTANT):
    """Mc from b-value stability.

    :math:`\\bar b(M_i)` is the mean of :math:`b(M_i + k\\Delta)`, ``k = 0 .. K-1`` with
    :math:`K\\Delta` = ``stability_range``; Mc is the smallest candidate with
    :math:`|\\bar b - b| \\le \\delta b`. ``criterion='shi_bolt'`` (default, Woessner & Wiemer
    2005) uses the Shi-Bolt uncertainty of :math:`b(M_i)` as :math:`\\delta b`; ``'cao_gao'``
    uses the fixed ``delta_b`` (0.03, Cao & Gao 2002). Returns NaN when no candidate passes.
    ``shi_bolt_constant`` is 2.30 as ZMAP and VarPy 2016 (default) or ``'ln10'`` as
    SeismoStats (see :func:`shi_bolt_constant_value`).
    """
    return completeness("mbs", magnitudes, dm, criterion=criterion, delta_b=delta_b,
                        stability_range=stability_range, b_method=b_method,
                        candidates=candidates, min_events=min_events,
                        shi_bolt_constant=shi_bolt_constant)


def mc_emr(magnitudes, dm: float, *, b_method: str = "tinti_mulargia", candidates=None,
           min_events: int = 10, ll_tolerance: float = 0.0):
    """Entire-magnitude-range method (Woessner & Wiemer 2005).

    For each candidate Mc: b from the events above Mc (the chosen estimator), the GR rate
    :math:`\\lambda_j = N_c (1-q) q^{j-c}` above, and the same GR times a normal-CDF detection
    probability :math:`\\Phi((M_j - \\mu)/\\sigma)` below, with :math:`\\mu, \\sigma` fitted by
    maximum likelihood (a coarse grid shared by all candidates, then six rounds of 9 x 9 local
    grids shrinking four-fold, all candidates at once; no per-candidate optimiser). By default
    the candidates run from 0.5 below the FMD mode to 2.0 above it. The Poisson
    log-likelihood of the counts in **all** bins is compared across candidates; Mc maximises it.
    Diagnostics hold the log-likelihoods and the fitted detection curves.

    Above the completeness threshold the likelihood is flat to within one or two units (GR
    times a detection curve that has reached 1 fits as well as GR), so the plain maximum can
    land anywhere on that plateau. ``ll_tolerance > 0`` takes instead the smallest candidate
    whose log-likelihood is within ``ll_tolerance`` of the maximum; 1.92 (half the 95 %
    chi-square quantile with one degree of freedom) is a natural choice. The default, 0, is
    the published method.
    """
    return completeness("emr", magnitudes, dm, b_method=b_method, candidates=candidates,
                        min_events=min_events, ll_tolerance=ll_tolerance)


def mc_ks(magnitudes, dm: float, *, p_value_pass: float = 0.1, n_sim: int = 10000,
          refit: bool = False, b_method: str = "tinti_mulargia", candidates=None,
          min_events: int = 10, stop_when_passed: bool = True, seed=None):
    """Kolmogorov-Smirnov / Clauset completeness: smallest Mc whose GR fit is not rejected.

    For each candidate, the KS distance between the empirical and the fitted discrete GR CDF
    (on the bins) is compared with ``n_sim`` parametric-bootstrap catalogues of the same size
    drawn as multinomial counts over the bins (Clauset et al. 2009; Mizrahi et al. 2021). With
    ``refit=False`` (default, as Mizrahi et al. and SeismoStats) the simulated catalogues are
    compared with the CDF of the b fitted to the data; ``refit=True`` re-estimates b for every
    simulated catalogue as Clauset et al. prescribe (a Lilliefors-type test, less conservative).
    Mc is the smallest candidate with p-value ``>= p_value_pass``; NaN if none.
    """
    return completeness("ks", magnitudes, dm, p_value_pass=p_value_pass, n_sim=n_sim,
                        refit=refit, b_method=b_method, candidates=candidates,
                        min_events=min_events, stop_when_passed=stop_when_passed, seed=seed)


def bootstrap_mc(magnitudes, dm: float, method: str, *, n_boot: int = 200, seed=None,
                 **options) -> np.ndarray:
    """Bootstrap replicates of Mc: each replicate is a multinomial redraw of the histogram.

    Replicates where the method finds no Mc are NaN. For ``ks`` a seed for the inner
    simulations is drawn from the same generator.
    """
    dm = check_bin_width(dm)
    name = mc_method_name(method)
    rng = _as_rng(seed)
    if name == "maxc":
        fb = options.pop("fmd_bin", None) or dm
        corr = options.pop("correction", 0.0)
        k0, counts = histogram(magnitudes, fb)
    else:
        k0, counts = histogram(magnitudes, dm)
    n = int(np.asarray(counts).sum())
    draws = rng.multinomial(n, counts / n, size=int(n_boot))
    out = np.full(int(n_boot), np.nan)
    for i, row in enumerate(draws):
        if name == "maxc":
            k_mode, diag = _maxc_counts(row, k0, fb)
            out[i] = bin_centre(int(bin_index(diag["mode"] + corr, dm)), dm)
            continue
        opts = dict(options)
        if name == "ks":
            opts["seed"] = rng.integers(2**63)
        k_mc, _ = _KERNELS[name](row, k0, dm, **opts)
        out[i] = math.nan if k_mc is None else bin_centre(k_mc, dm)
    return out


# ---------------------------------------------------------------------------------------------
# simulation helper (tests and benchmarks)
# ---------------------------------------------------------------------------------------------

def simulate_gr(n: int, b: float, mc: float, dm: float = 0.0, *, detection=None,
                seed=None) -> np.ndarray:
    """``n`` Gutenberg-Richter magnitudes, optionally binned and thinned by a detection curve.

    Continuous magnitudes are ``mc - dm/2 + Exponential(beta = b ln 10)`` and, with
    ``dm > 0``, rounded to the bin centres (so the binned values are ``>= mc``). With
    ``detection=(mu, sigma)`` each event is kept with probability
    :math:`\\Phi((m - \\mu)/\\sigma)`, so fewer than ``n`` events are returned (a catalogue
    with a gradual completeness threshold around ``mu``).
    """
    dm = check_bin_width(dm, allow_zero=True)
    rng = _as_rng(seed)
    m = (float(mc) - dm / 2) + rng.exponential(1.0 / (b * LN10), size=int(n))
    if detection is not None:
        mu, sigma = detection
        keep = rng.random(m.size) < special.ndtr((m - mu) / sigma)
        m = m[keep]
    if dm > 0:
        m = round_to_bins(m, dm)
    return np.atleast_1d(m)


# ---------------------------------------------------------------------------------------------
# VarPy 2016 behaviour, reproduced on purpose (legacy mode)
# ---------------------------------------------------------------------------------------------
# VarPy 2016 (statistics/mags.py) worked on floats: magnitudes rounded with
# round((m + 1e-5)/mbin)*mbin, FMD bins from a float arange that omits the top bin, Mc
# candidates maxc + arange(..., 0.1) in floating point compared with >=. Its published Etna numbers
# depend on all of that, so these functions reproduce it; nothing else in varpy uses them.

def varpy2016_prepare(magnitudes, m_min: float = 0.1, mbin: float = 0.1) -> np.ndarray:
    """VarPy 2016 ``mag_prep``: keep ``m >= m_min``, then ``round((m + 1e-5)/mbin) * mbin``."""
    m = np.asarray(magnitudes, dtype=np.float64)
    m = m[m >= m_min]
    return np.round((m + 1e-5) / mbin) * mbin


def varpy2016_fmd(magnitudes, m_min: float = 0.1, mbin: float = 0.1):
    """VarPy 2016 ``fmd``: ``(bins, incremental, cumulative)``.

    ``bins = arange(min, max, mbin)`` on the prepared floats, ``C_i = #{m > M_i - mbin/2}``,
    ``D_i = |C_i - C_{i+1}|`` with ``C_{n+1} = 0``. The top bin is missing whenever the prepared
    maximum is exactly the arange stop (max 1.5), but present when rounding put it above
    (``13 * 0.1 = 1.3000000000000003``); when missing, the last D also counts its events.
    """
    m = np.sort(varpy2016_prepare(magnitudes, m_min, mbin))
    if m.size == 0:
        raise FitError(f"no magnitudes >= m_min={m_min}")
    bins = np.arange(m.min(), m.max(), mbin)
    cum = m.size - np.searchsorted(m, bins - mbin / 2, side="right")
    dis = np.abs(cum - np.append(cum[1:], 0))
    return bins, dis, cum


def varpy2016_gr_mle(magnitudes, mc: float, m_min: float = 0.1, mbin: float = 0.1):
    """VarPy 2016 ``GR_mle``: ``(b, sigma_b, a, n)`` (Utsu b, Shi-Bolt with 2.3, a at mc).

    The magnitudes are prepared with :func:`varpy2016_prepare` and kept when ``m >= mc`` in
    floating point.
    """
    m = varpy2016_prepare(magnitudes, m_min, mbin)
    m = m[m >= mc]
    n = m.size
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = m.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        b = LOG10E / (mean - (mc - mbin / 2))
        sigma = 2.3 * b ** 2 * math.sqrt(((m - mean) ** 2).sum() / (n * (n - 1))) if n > 1 \
            else math.nan
    a = math.log10(n) + b * mc
    return float(b), float(sigma), float(a), int(n)


def varpy2016_mc_maxc(magnitudes, m_min: float = 0.1, mbin: float = 0.1) -> float:
    """VarPy 2016 ``mc_maxc``: first bin of the (top-bin-less) FMD with the largest count."""
    bins, dis, _ = varpy2016_fmd(magnitudes, m_min, mbin)
    return float(bins[int(np.argmax(dis))])


def varpy2016_mc_gft(magnitudes, m_min: float = 0.1, mbin: float = 0.1):
    """VarPy 2016 ``mc_GFT``: ``(mc, best, candidates, R)`` with R in percent misfit.

    Candidates ``maxc + arange(-0.4, 2.0, 0.1)`` (floating point, exactly as VarPy built them:
    its published Mc series depends on these floats) below ``max - 2*mbin``; R uses
    **cumulative** counts; ``best`` is '95%' (first R <= 5), '90%' (first R <= 10) or 'Maxc'.
    """
    maxc = varpy2016_mc_maxc(magnitudes, m_min, mbin)
    prepared = varpy2016_prepare(magnitudes, m_min, mbin)
    bins, _, cum = varpy2016_fmd(magnitudes, m_min, mbin)
    cands = maxc + np.arange(-0.4, 2.0, 0.1)
    cands = cands[cands < prepared.max() - 2 * mbin]
    R = np.full(cands.size, np.nan)
    for i, mco in enumerate(cands):
        b, _, a, n = varpy2016_gr_mle(magnitudes, mco, m_min, mbin)
        sel = bins >= mco
        if n == 0 or not sel.any():
            continue
        synth = 10.0 ** (a - b * bins[sel])
        R[i] = 100.0 * np.abs(cum[sel] - synth).sum() / cum[sel].sum()
    for level, label in ((5.0, "95%"), (10.0, "90%")):
        hit = np.flatnonzero(R <= level)
        if hit.size:
            return float(cands[hit[0]]), label, cands, R
    return maxc, "Maxc", cands, R


def varpy2016_mc_mbs(magnitudes, m_min: float = 0.1, mbin: float = 0.1):
    """VarPy 2016 ``mc_mbs``: ``(mc, candidates, b, sigma, b_average)``.

    Candidates ``maxc + arange(-0.7, 2.0, 0.1)`` (floating point, as VarPy) below
    ``max - 0.2``; ``b_average[i]`` is the mean of ``b[i] .. b[i+4]`` for ``i < n - 5``; Mc is
    the first candidate with ``|b_average - b| <= sigma``, else maxc. (The original indexed
    with a boolean mask of the wrong length, which modern numpy refuses; this uses the first
    ``n - 5`` candidates.)
    """
    maxc = varpy2016_mc_maxc(magnitudes, m_min, mbin)
    prepared = varpy2016_prepare(magnitudes, m_min, mbin)
    cands = maxc + np.arange(-0.7, 2.0, 0.1)
    cands = cands[cands < prepared.max() - 0.2]
    fits = np.array([varpy2016_gr_mle(magnitudes, c, m_min, mbin)[:2] for c in cands])
    n = cands.size
    if n <= 5:
        return maxc, cands, fits[:, 0] if n else np.array([]), \
            fits[:, 1] if n else np.array([]), np.array([])
    b, sig = fits[:, 0], fits[:, 1]
    bave = np.array([b[i:i + 5].mean() for i in range(n - 5)])
    ok = np.abs(bave - b[:n - 5]) <= sig[:n - 5]
    mc = float(cands[:n - 5][ok][0]) if ok.any() else maxc
    return mc, cands, b, sig, bave
