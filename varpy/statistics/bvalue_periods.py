"""b-value and rate for catalogues whose completeness changes in steps: Weichert (1980) and
Kijko & Smit (2012).

The completeness history is a list of **periods** ``(t_start, mc)``: from ``t_start`` until
the next period's start (the last one until ``end``), events at or above ``mc`` (a bin
centre; by bin, ``m >= mc - dm/2``) are complete. Events before the first start, after
``end`` or below their period's ``mc`` are not used. A Stepp-style table (magnitude, year
from which it is complete) converts with :func:`periods_from_table`. Times are floats in any
unit (e.g. decimal years); rates are per that unit.

Weichert (1980)
    Events are grouped by magnitude bin; bin :math:`k` (centre :math:`m_k`) is observed for
    :math:`T_k = \\sum_j D_j [k \\ge k_{c,j}]`. With counts :math:`n_k` Poisson of mean
    :math:`\\lambda T_k p_k`, :math:`p_k \\propto e^{-\\beta m_k}`, the rate profiles out and
    :math:`\\hat\\beta` solves
    :math:`\\sum_k T_k m_k e^{-\\beta m_k} / \\sum_k T_k e^{-\\beta m_k} = \\bar m`
    (Weichert's eq. 6). The sums run over **every** bin from the lowest completeness up to
    ``m_max`` (unbounded by default, the tail summed in closed form), empty bins included.
    The standard error is the Fisher information :math:`N \\mathrm{Var}_w(m)` with weights
    :math:`T_k e^{-\\beta m_k}` (Weichert's eq. 8), the rate of events at or above the lowest
    completeness bin :math:`\\hat\\lambda = N \\sum_k e^{-\\beta m_k} / \\sum_k T_k
    e^{-\\beta m_k}`. Weichert's :math:`\\sigma_\\lambda = \\hat\\lambda / \\sqrt N` leaves out
    the uncertainty of :math:`\\beta`, which enters once the completeness changes; the joint
    Fisher information gives
    :math:`\\sigma_\\lambda^2 = \\hat\\lambda^2/N\\,(1 + (\\bar m_w - \\bar m)^2 /
    \\mathrm{Var}_w(m))`, with :math:`\\bar m_w` the exposure-weighted and :math:`\\bar m`
    the plain mean bin of the fitted law, which is what is reported (equal to Weichert's with
    one period). With one period b is the Tinti-Mulargia estimate exactly.

Kijko & Smit (2012)
    Each period's events above its own completeness are exponential with the same
    :math:`\\beta`; their eq. 7, :math:`\\hat\\beta = (\\sum_j (n_j/N) / \\hat\\beta_j)^{-1}`
    with per-period Aki-Utsu estimates, is the Aki-Utsu estimate of the pooled excesses
    :math:`m_i - (M_{c,j(i)} - \\Delta/2)`; ``method='tinti_mulargia'`` applies the exact
    discrete estimator to the same excesses. :math:`\\sigma_\\beta = \\hat\\beta/\\sqrt N`
    (eq. 8; Tinti-Mulargia's Fisher information for that method), and the rate at the lowest
    completeness is :math:`N / \\sum_j D_j 10^{-b(M_{c,j} - M_{c,min})}` (eq. 10), its
    standard error the Poisson part and that of b by the delta method.

References
----------
Weichert, D. H. (1980) BSSA 70(4), 1337-1346.
Kijko, A. & Smit, A. (2012) BSSA 102(3), 1283-1287.

Examples
--------
>>> import numpy as np
>>> m = np.array([2.0, 2.5, 2.1, 2.2, 2.5, 2.2, 2.6, 2.3, 2.7, 2.2, 2.4, 2.0,
...               2.7, 2.2, 2.3, 2.1, 2.4, 2.6, 2.2, 2.2, 2.7, 2.4, 2.2, 2.5])
>>> t = np.arange(24.0)
>>> round(estimate_b_weichert(m, t, [(0.0, 2.0)], 0.1, end=24.0).b, 9)
1.114920129
>>> round(estimate_b_kijko_smit(m, t, [(0.0, 2.0)], 0.1, end=24.0).b, 9)
1.108836975
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import optimize

from varpy.exceptions import DataFormatError, FitError
from varpy.statistics.binning import bin_centre, bin_index, check_bin_width
from varpy.statistics.bvalue import (LN10, b_from_mean_excess, b_method_name,
                                     sigma_tinti_mulargia)
from varpy.statistics.event_arrays import paired_times, require_finite

__all__ = ["PeriodsEstimate", "check_periods", "periods_from_table", "estimate_b_weichert",
           "estimate_b_kijko_smit"]


class PeriodsEstimate(NamedTuple):
    """b and rate of a catalogue with stepwise completeness."""

    b: float
    #: standard error of b
    sigma: float
    #: events used (complete in their period)
    n: int
    #: rate of events at or above ``mc_min`` per unit time
    rate: float
    #: standard error of ``rate``
    rate_sigma: float
    #: lowest completeness of the history (bin centre)
    mc_min: float
    #: completeness history used: ``((t_start, mc), ...)`` and the end of observation
    periods: tuple
    end: float
    #: events used per period
    counts: tuple


def check_periods(periods, end: float | None = None, dm: float = 0.1):
    """``(starts, mcs, end)`` as arrays from ``[(t_start, mc), ...]``, validated.

    Starts must increase strictly; ``end`` (default: None, filled in by the caller) must be
    after the last start.
    """
    try:
        arr = np.asarray(periods, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataFormatError(f"completeness periods {periods!r} are not (start, mc) pairs",
                              key="periods", expected="[(t_start, mc), ...]") from None
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
        raise DataFormatError(f"completeness periods of shape {arr.shape}", key="periods",
                              expected="a non-empty list of (t_start, mc) pairs")
    if not np.isfinite(arr).all():
        raise DataFormatError("completeness periods hold NaN or infinite values",
                              key="periods", expected="finite (t_start, mc) pairs")
    starts, mcs = arr[:, 0], arr[:, 1]
    if np.any(np.diff(starts) <= 0):
        bad = int(np.flatnonzero(np.diff(starts) <= 0)[0]) + 1
        raise DataFormatError(f"period {bad} starts at {starts[bad]}, not after period "
                              f"{bad - 1} ({starts[bad - 1]})", key="periods",
                              expected="start times in increasing order")
    if end is not None and not float(end) > starts[-1]:
        raise DataFormatError(f"end={end} is not after the last period start {starts[-1]}",
                              key="end", expected="the end of observation")
    return starts, mcs, None if end is None else float(end)


def periods_from_table(table):
    """Periods ``[(t_start, mc), ...]`` from a Stepp-style table ``[(mc, t_complete), ...]``.

    A row says that magnitude ``mc`` (and above) is complete since ``t_complete``; the
    periods start at the distinct ``t_complete`` values, each with the smallest magnitude
    complete by then.

    Examples
    --------
    >>> periods_from_table([(4.0, 1940), (5.0, 1880), (6.0, 1500), (7.0, 1000)])
    [(1000.0, 7.0), (1500.0, 6.0), (1880.0, 5.0), (1940.0, 4.0)]
    """
    arr = np.asarray(table, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2 or not np.isfinite(arr).all():
        raise DataFormatError("completeness table is not finite (mc, t_complete) rows",
                              key="table", expected="[(mc, t_complete), ...]")
    out = []
    for start in np.unique(arr[:, 1]):
        out.append((float(start), float(arr[arr[:, 1] <= start, 0].min())))
    return out


def _complete_events(magnitudes, times, periods, dm, end):
    m = np.asarray(magnitudes, dtype=np.float64).reshape(-1)
    t = paired_times(m, times, dtype=np.float64)
    require_finite(m)
    require_finite(t, "time")
    starts, mcs, end = check_periods(periods, end, dm)
    if end is None:
        end = float(t.max()) if t.size else math.nan
        if not end > starts[-1]:
            raise DataFormatError(f"the last event ({end}) is not after the last period "
                                  f"start {starts[-1]}; give end", key="end",
                                  expected="the end of observation")
    durations = np.diff(np.append(starts, end))
    p = np.searchsorted(starts, t, side="right") - 1
    inside = (p >= 0) & (t <= end)
    return m, p, inside, starts, mcs, durations, end


def estimate_b_weichert(magnitudes, times, periods, dm: float, *, end: float | None = None,
                        m_max: float | None = None) -> PeriodsEstimate:
    """Weichert (1980) b-value, rate and their standard errors (see the module notes).

    Parameters
    ----------
    magnitudes, times : array-like
        Events; times as floats in the unit of the periods.
    periods : sequence of (t_start, mc)
        Stepwise completeness history (``mc`` bin centres).
    dm : float
        Bin width, > 0 (Weichert's method groups magnitudes in bins).
    end : float, optional
        End of observation (default: the last event).
    m_max : float, optional
        Largest possible magnitude (bin centre); default unbounded.

    Returns
    -------
    PeriodsEstimate
    """
    dm = check_bin_width(dm)
    m, p, inside, starts, mcs, durations, end = _complete_events(magnitudes, times, periods,
                                                                 dm, end)
    kc = bin_index(mcs, dm)
    k = bin_index(m, dm)
    used = inside & (k >= kc[np.where(inside, p, 0)])
    ku = k[used]
    n = int(ku.size)
    if n < 2:
        raise FitError(f"only {n} event(s) are complete in their period; at least 2 are needed")
    kmin = int(kc.min())
    ktop = int(kc.max())            # from here on every bin is observed for the whole time
    kmax = None if m_max is None else int(bin_index(float(m_max), dm))
    if kmax is not None and kmax < int(ku.max()):
        raise DataFormatError(f"m_max={m_max} is below the largest event used "
                              f"({bin_centre(int(ku.max()), dm)})", key="m_max",
                              expected="at least the largest magnitude")
    # exposure of the bins kmin .. ktop (finite part); beyond: the whole duration
    kk = np.arange(kmin, ktop + 1 if kmax is None else max(ktop, kmax) + 1)
    texp = (durations[None, :] * (kk[:, None] >= kc[None, :])).sum(axis=1)
    if kmax is not None:
        kk, texp = kk[kk <= kmax], texp[kk <= kmax]
    total = float(durations.sum())
    x = (kk - kmin) * dm                       # magnitudes above the lowest bin centre
    xbar = float((ku - kmin).mean()) * dm
    x_tail0 = (ktop + 1 - kmin) * dm

    def moments(beta):
        """Weighted sums S0, S1, S2 of T_k x^j e^{-beta x}, tail included (unbounded)."""
        e = np.exp(-beta * x)
        w = texp * e
        s0, s1, s2 = float(w.sum()), float(np.dot(w, x)), float(np.dot(w, x * x))
        if kmax is None:
            q = math.exp(-beta * dm)
            g = total * math.exp(-beta * x_tail0)
            r = 1.0 - q
            s0 += g / r
            s1 += g * (x_tail0 / r + dm * q / r ** 2)
            s2 += g * (x_tail0 ** 2 / r + 2 * x_tail0 * dm * q / r ** 2
                       + dm * dm * q * (1 + q) / r ** 3)
        return s0, s1, s2

    def score(beta):
        s0, s1, _ = moments(beta)
        return s1 / s0 - xbar

    if not xbar > 0:
        raise FitError("b is undefined: every event used lies in the lowest completeness bin")
    lo, hi = 1e-6, 1.0
    while score(hi) > 0:
        hi *= 2
        if hi > 1e4 / dm:
            raise FitError("the Weichert equation has no root (mean magnitude too low)")
    if kmax is not None:
        while score(lo) < 0:            # bounded: the weighted mean is finite at beta -> 0
            lo /= 10
            if lo < 1e-12:
                raise FitError("the Weichert equation has no root: the mean magnitude is "
                               "above that of a flat distribution up to m_max")
    beta = optimize.brentq(score, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=500)
    s0, s1, s2 = moments(beta)
    var_w = s2 / s0 - (s1 / s0) ** 2
    sigma_beta = 1.0 / math.sqrt(n * var_w)
    # rate above the lowest bin: N * sum_k e^{-beta x_k} / sum_k T_k e^{-beta x_k}
    if kmax is None:
        q = math.exp(-beta * dm)
        z = 1.0 / (1.0 - q)
        xbar_z = dm * q / (1.0 - q)
    else:
        xz = (np.arange(kmin, kmax + 1) - kmin) * dm
        ez = np.exp(-beta * xz)
        z = float(ez.sum())
        xbar_z = float(np.dot(ez, xz)) / z
    rate = n * z / s0
    # joint Fisher information of (rate, beta): Var(rate) = rate^2/N (1 + (xw - xz)^2/Var_w)
    # with xw the exposure-weighted and xz the unweighted mean level; Weichert's rate/sqrt(N)
    # is the one-period case xw = xz
    inflation = 1.0 + (s1 / s0 - xbar_z) ** 2 / var_w
    counts = tuple(int(c) for c in np.bincount(p[used], minlength=starts.size))
    return PeriodsEstimate(beta / LN10, sigma_beta / LN10, n, rate,
                           rate * math.sqrt(inflation / n),
                           bin_centre(kmin, dm),
                           tuple((float(s), float(c)) for s, c in zip(starts, mcs)),
                           float(end), counts)


def estimate_b_kijko_smit(magnitudes, times, periods, dm: float, *, end: float | None = None,
                          method: str = "utsu") -> PeriodsEstimate:
    """Kijko & Smit (2012) b-value and rate (see the module notes).

    Parameters as :func:`estimate_b_weichert`; ``dm`` may be 0 (continuous magnitudes);
    ``method`` is ``'utsu'`` (Kijko & Smit's Aki-Utsu form), ``'tinti_mulargia'`` or
    ``'aki'``.
    """
    dm = check_bin_width(dm, allow_zero=True)
    method = b_method_name(method)
    m, p, inside, starts, mcs, durations, end = _complete_events(magnitudes, times, periods,
                                                                 dm, end)
    pi = np.where(inside, p, 0)
    if dm > 0:
        kc = bin_index(mcs, dm)
        k = bin_index(m, dm)
        used = inside & (k >= kc[pi])
        excess = (k[used] - kc[pi[used]]) * dm
        mc_levels = bin_centre(kc, dm)
    else:
        used = inside & (m >= mcs[pi])
        excess = m[used] - mcs[pi[used]]
        mc_levels = mcs
    n = int(excess.size)
    if n < 2:
        raise FitError(f"only {n} event(s) are complete in their period; at least 2 are needed")
    b = float(b_from_mean_excess(float(excess.mean()), dm, method))
    if not math.isfinite(b):
        raise FitError("b is undefined: every event used lies in its period's lowest bin")
    if method == "tinti_mulargia":
        sigma = float(sigma_tinti_mulargia(b, n, dm))
    else:
        sigma = b / math.sqrt(n)
    mc_min = float(np.min(mc_levels))
    x = mc_levels - mc_min
    wd = durations * np.power(10.0, -b * x)
    rate = n / float(wd.sum())
    # delta method: d ln(rate)/d b = ln 10 * (exposure-weighted mean of x)
    xd = float(np.dot(wd, x)) / float(wd.sum())
    rate_sigma = rate * math.sqrt(1.0 / n + (LN10 * xd * sigma) ** 2)
    counts = tuple(int(c) for c in np.bincount(p[used], minlength=starts.size))
    return PeriodsEstimate(b, sigma, n, rate, rate_sigma, mc_min,
                           tuple((float(s), float(c)) for s, c in zip(starts, mcs)),
                           float(end), counts)
