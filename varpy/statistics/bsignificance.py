"""Is the b-value changing? The test of Mirwald et al. (2024): Moran's I of b over time-ordered
sub-samples.

The catalogue (in time order) is cut into consecutive sub-samples of ``n_m`` events and b is
estimated in each. If b is constant, neighbouring estimates are independent and their lag-1
autocorrelation (Moran's I with nearest-neighbour weights) is about :math:`-1/n` (``n``
sub-samples); a b-value that varies slowly compared with ``n_m`` events makes neighbouring
estimates alike and the autocorrelation positive. To use every event in every position, the
cut is repeated for the ``n_m`` offsets ``0 .. n_m-1`` (incomplete sub-samples at both ends are
left out) and the autocorrelations are averaged: the mean autocorrelation (MAC).

Under the null hypothesis of a constant b the MAC is taken as normal with mean
:math:`\\mu = -1/\\bar n` and standard deviation
:math:`\\sigma = \\gamma (\\bar n_p - 2) / \\bar n_p^{3/2}` (``n_p``: number of neighbouring
pairs); :math:`\\gamma = 1` is the conservative choice (the variance of one cut), and
Mirwald et al. give :math:`\\gamma = 0.81` for the average over offsets. The one-sided p-value
is :math:`1 - \\Phi((\\mathrm{MAC} - \\mu)/\\sigma)`. The normal approximation needs enough
sub-samples: Mirwald et al. recommend at least 25 (fewer give a warning here).

With a per-event completeness ``mc``, each sub-sample uses its largest ``mc`` and the events
at or above it (as SeismoStats' ``b_significant_1D`` does); sub-samples with fewer than
``min_num`` such events count as missing values.

References
----------
Mirwald, A., Schaefer, L., Wiemer, S., Mizrahi, L., Han, M. & Kramer, J. (2024) A new test
of b-value variations in earthquake catalogs: how to tell random fluctuations from physical
changes. Seismol. Res. Lett. (SRL). Moran, P. A. P. (1950) Biometrika 37, 17-23.

Examples
--------
>>> import numpy as np
>>> round(morans_i_1d(np.array([2.0, 2.0, 2.0, 4.0, 4.0]), mean=3.0)[0], 12)
0.4
"""
from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np
from scipy import special

from varpy.exceptions import DataFormatError, FitError, FitWarning
from varpy.statistics.binning import bin_index, check_bin_width
from varpy.statistics.bvalue import b_from_mean_excess, b_method_name
from varpy.statistics.event_arrays import require_finite, time_order

__all__ = ["morans_i_1d", "b_series_constant_n", "BSignificance", "b_significance",
           "GAMMA_MEAN"]

#: Factor of the null standard deviation for the MAC averaged over offsets (Mirwald et al.).
GAMMA_MEAN = 0.81


def morans_i_1d(values, mean: float | None = None) -> tuple[float, int, int]:
    """Lag-1 Moran's I of a series: ``(I, n, n_p)``.

    :math:`I = \\frac{n-1}{n_p} \\sum_{i} d_i d_{i+1} / \\sum_i d_i^2` with
    :math:`d = v - \\bar v`; NaN values are missing (their pairs are left out), ``n`` counts
    the valid values and ``n_p`` the pairs of consecutive valid values.

    Examples
    --------
    >>> morans_i_1d([1.0, 2.0, 1.0, 2.0])
    (-0.75, 4, 3)
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if v.size < 2:
        raise DataFormatError(f"{v.size} value(s): Moran's I needs at least two", key="values",
                              expected="a series of two or more values")
    ok = np.isfinite(v)
    n = int(ok.sum())
    if n < 2:
        return math.nan, n, 0
    mu = float(v[ok].mean()) if mean is None else float(mean)
    d = np.where(ok, v - mu, 0.0)
    pairs = ok[:-1] & ok[1:]
    n_p = int(pairs.sum())
    denom = float(np.dot(d, d))
    if n_p == 0 or denom == 0:
        return math.nan, n, n_p
    num = float(np.dot(d[:-1][pairs], d[1:][pairs]))
    return (n - 1) / n_p * num / denom, n, n_p


def _morans_i_rows(B: np.ndarray):
    """:func:`morans_i_1d` of every row of ``B`` (NaN missing): arrays ``(I, n, n_p)``."""
    ok = np.isfinite(B)
    n = ok.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.where(ok, B, 0.0).sum(axis=1) / n
        d = np.where(ok, B - mu[:, None], 0.0)
        pairs = ok[:, :-1] & ok[:, 1:]
        n_p = pairs.sum(axis=1)
        num = np.where(pairs, d[:, :-1] * d[:, 1:], 0.0).sum(axis=1)
        den = (d * d).sum(axis=1)
        ac = (n - 1) / n_p * num / den
    ac = np.where((n >= 2) & (n_p > 0) & (den > 0), ac, np.nan)
    return ac, n, n_p


def _all_offsets_scalar(k, kc, n_m, dm, method):
    """b of every full sub-sample for every offset (rows; NaN padded), scalar completeness."""
    csum = np.concatenate([[0], np.cumsum(k - kc, dtype=np.int64)])
    offsets = np.arange(n_m)
    n_chunks = (k.size - offsets) // n_m
    width = int(n_chunks.max())
    j = np.arange(width)
    starts = offsets[:, None] + j[None, :] * n_m
    valid = j[None, :] < n_chunks[:, None]
    starts = np.where(valid, starts, 0)
    sums = csum[np.minimum(starts + n_m, k.size)] - csum[starts]
    b = np.asarray(b_from_mean_excess(sums * (dm / n_m), dm, method), dtype=np.float64)
    return np.where(valid, b, np.nan)


def _chunk_b(k, kc_ev, kc_scalar, offset, n_m, dm, method, min_num):
    """b of the full sub-samples ``[offset + j n_m, offset + (j+1) n_m)`` and their sizes."""
    n_chunks = (k.size - offset) // n_m
    if n_chunks < 1:
        return np.empty(0), np.empty(0, dtype=np.int64)
    stop = offset + n_chunks * n_m
    kk = k[offset:stop].reshape(n_chunks, n_m)
    if kc_ev is None:
        used = np.full(n_chunks, n_m, dtype=np.int64)
        s = kk.sum(axis=1) - kc_scalar * n_m
    else:
        cc = kc_ev[offset:stop].reshape(n_chunks, n_m)
        kc = cc.max(axis=1)
        mask = kk >= kc[:, None]
        used = mask.sum(axis=1)
        s = np.where(mask, kk - kc[:, None], 0).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_excess = np.where(used > 0, s / np.maximum(used, 1), np.nan) * dm
    b = np.asarray(b_from_mean_excess(mean_excess, dm, method), dtype=np.float64)
    b = np.where(used >= min_num, b, np.nan)
    return b, used


def _prepare(magnitudes, mc, dm, times):
    dm = check_bin_width(dm)
    m = np.asarray(magnitudes, dtype=np.float64).reshape(-1)
    require_finite(m)
    m, order = time_order(m, times)
    k = bin_index(m, dm)
    if np.ndim(mc) == 0:
        kc = int(bin_index(float(mc), dm))
        keep = k >= kc
        return dm, k[keep], None, kc, order, keep
    mcs = np.asarray(mc, dtype=np.float64).reshape(-1)
    if mcs.shape != (m.size,):
        raise DataFormatError(f"{mcs.size} completeness values for {m.size} events", key="mc",
                              expected="one mc, or one per event")
    if order is not None:
        mcs = mcs[order]
    kc_ev = bin_index(mcs, dm)
    keep = k >= kc_ev
    return dm, k[keep], kc_ev[keep], None, order, keep


def b_series_constant_n(magnitudes, mc, dm: float, n_m: int, *, times=None, offset: int = 0,
                        method: str = "tinti_mulargia", min_num: int = 10):
    """b of consecutive sub-samples of ``n_m`` events: ``(b, n_used, first_index)``.

    ``first_index`` are the positions (in the time-ordered catalogue of events at or above
    their completeness) of each sub-sample's first event.
    """
    method = b_method_name(method)
    dm, k, kc_ev, kc, _, _ = _prepare(magnitudes, mc, dm, times)
    b, used = _chunk_b(k, kc_ev, kc, int(offset), int(n_m), dm, method, int(min_num))
    return b, used, int(offset) + int(n_m) * np.arange(b.size)


class BSignificance(NamedTuple):
    """Result of :func:`b_significance`."""

    #: mean autocorrelation over the offsets
    mac: float
    #: its mean and standard deviation under a constant b
    mu: float
    sigma: float
    #: one-sided p-value of a constant b
    p_value: float
    #: events per sub-sample, mean number of sub-samples and of neighbouring pairs
    n_m: int
    n_subsamples: float
    n_pairs: float
    #: autocorrelation of each offset
    ac: np.ndarray
    #: factor of sigma (1 conservative, 0.81 Mirwald et al.'s estimate for the mean)
    gamma: float


def b_significance(magnitudes, mc, dm: float, n_m: int, *, times=None,
                   method: str = "tinti_mulargia", min_num: int = 10,
                   conservative: bool = True) -> BSignificance:
    """Mirwald et al. (2024) test of b-value variation in time (see the module notes).

    Parameters
    ----------
    magnitudes : array-like
        Magnitudes, in time order unless ``times`` is given; events below ``mc`` are left
        out first.
    mc : float or array-like
        Completeness magnitude, one value or one per event.
    dm : float
        Bin width (> 0).
    n_m : int
        Events per sub-sample (>= ``min_num``; at least 3 sub-samples needed).
    method : str
        b estimator (:func:`~varpy.statistics.bvalue.b_from_mean_excess`).
    conservative : bool
        ``gamma = 1`` (default) or Mirwald et al.'s 0.81.

    Returns
    -------
    BSignificance

    Examples
    --------
    >>> from varpy.statistics.gr_simulation import simulate_gr
    >>> m = simulate_gr(3000, 1.0, 1.0, 0.1, seed=2)
    >>> res = b_significance(m, 1.0, 0.1, 100)
    >>> bool(res.p_value > 0.05), round(res.mu, 4)
    (True, -0.0345)
    """
    method = b_method_name(method)
    n_m = int(n_m)
    if n_m < int(min_num):
        raise DataFormatError(f"n_m={n_m} is below min_num={min_num}", key="n_m",
                              expected=f"at least {min_num} events per sub-sample")
    dm, k, kc_ev, kc, _, _ = _prepare(magnitudes, mc, dm, times)
    if k.size / n_m < 3:
        raise FitError(f"{k.size} complete events make fewer than three sub-samples of "
                       f"n_m={n_m}")
    if k.size / n_m < 25:
        warnings.warn(f"only {k.size // n_m} sub-samples of {n_m} events: the normal "
                      "approximation of the test needs about 25 or more", FitWarning,
                      stacklevel=2)
    if kc_ev is None:
        ac, ns, nps = _morans_i_rows(_all_offsets_scalar(k, kc, n_m, dm, method))
    else:
        ac = np.full(n_m, np.nan)
        ns = np.zeros(n_m)
        nps = np.zeros(n_m)
        for off in range(n_m):
            b, _ = _chunk_b(k, kc_ev, kc, off, n_m, dm, method, int(min_num))
            if b.size >= 2:
                ac[off], ns[off], nps[off] = morans_i_1d(b)
    ok = np.isfinite(ac)
    if not ok.any():
        raise FitError("no offset gave a defined autocorrelation (too few valid b-values)")
    mac = float(ac[ok].mean())
    mean_n = float(ns[ok].mean())
    mean_np = float(nps[ok].mean())
    mu = -1.0 / mean_n
    gamma = 1.0 if conservative else GAMMA_MEAN
    sigma = gamma * (mean_np - 2) / (mean_np * math.sqrt(mean_np))
    p = float(special.ndtr(-(mac - mu) / sigma)) if sigma > 0 else math.nan
    return BSignificance(mac, mu, sigma, p, n_m, mean_n, mean_np, ac, gamma)
