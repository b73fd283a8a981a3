"""VarPy 2016 magnitude statistics, reproduced on purpose (``legacy=True``).

FMD, Gutenberg-Richter MLE and the MAXC, GFT and MBS completeness of VarPy 2016, with its
floating-point binning and candidates, so its published Etna numbers are reproduced.

May import: numpy, :mod:`varpy.exceptions`, :mod:`varpy.statistics.bvalue`.
"""
from __future__ import annotations

import math

import numpy as np

from varpy.exceptions import FitError
from varpy.statistics.bvalue import LOG10E

__all__ = [
    "varpy2016_prepare",
    "varpy2016_fmd",
    "varpy2016_gr_mle",
    "varpy2016_mc_maxc",
    "varpy2016_mc_gft",
    "varpy2016_mc_mbs",
]

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
