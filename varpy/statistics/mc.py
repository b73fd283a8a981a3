"""Completeness magnitude Mc: the five estimators on histograms, and the Mc bootstrap.

Maximum curvature (:func:`mc_maxc`), goodness-of-fit test (:func:`mc_gft`), b-value
stability (:func:`mc_mbs`), entire magnitude range (:func:`mc_emr`) and Kolmogorov-Smirnov /
Clauset (:func:`mc_ks`), one entry point :func:`completeness` (or :func:`mc_from_counts` on a
histogram), and :func:`bootstrap_mc`. Every method works on the counts per bin (private
``_*_counts`` kernels), so after one pass over the magnitudes its cost depends on the number
of bins, not on the number of events. One concept (Mc from a histogram) whose kernels share
the tail statistics; kept whole at a little under 600 lines.

May import: numpy, scipy, :mod:`varpy.exceptions`, :mod:`varpy.statistics.binning`,
:mod:`varpy.statistics.bvalue`.

References
----------
Wiemer & Wyss (2000) BSSA 90, 859-869. Cao & Gao (2002) GRL 29, 1334. Woessner & Wiemer
(2005) BSSA 95, 684-698. Clauset, Shalizi & Newman (2009) SIAM Rev. 51, 661-703. Mizrahi,
Nandan & Wiemer (2021) SRL 92, 2333-2342.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import special, stats

from varpy.exceptions import DataFormatError, FitError, UnknownFormatError
from varpy.statistics.binning import bin_centre, bin_index, check_bin_width, histogram
from varpy.statistics.bvalue import (
    LN10,
    SHI_BOLT_CONSTANT,
    _as_rng,
    b_from_mean_excess,
    shi_bolt_constant_value,
    sigma_shi_bolt,
)

__all__ = [
    "MC_METHODS",
    "mc_method_name",
    "completeness",
    "mc_from_counts",
    "mc_maxc",
    "mc_gft",
    "mc_mbs",
    "mc_emr",
    "mc_ks",
    "bootstrap_mc",
]

#: Completeness methods understood by :func:`mc_from_counts`.
MC_METHODS = ("maxc", "gft", "mbs", "emr", "ks")


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
    >>> from varpy.statistics.gr_simulation import simulate_gr
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
