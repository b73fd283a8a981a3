"""Rate-change statistics of ZMAP: the z-value (Habermann 1983) and the beta statistic (Matthews
& Reasenberg 1988), for one window and as a moving-window time series.

z-value
    Event counts in bins of equal length; with :math:`\\bar R_1, S_1^2, n_1` the mean,
    variance (ddof = 1) and number of bins of the **reference** and
    :math:`\\bar R_2, S_2^2, n_2` those of the **window**,
    :math:`z = (\\bar R_1 - \\bar R_2)/\\sqrt{S_1^2/n_1 + S_2^2/n_2}`. As in ZMAP, a positive z
    is a rate **decrease** in the window (quiescence). Two comparisons are offered:
    ``'lta'`` (window against the rest of the catalogue) and ``'as'`` (everything before a
    time against everything after it; the window is then ``[start, t)`` against ``[t, end)``).
beta statistic
    With :math:`n` events in the whole period of length :math:`T` and :math:`M` in a window of
    length :math:`\\delta`, the count expected in the window is :math:`E = n\\delta/T` and
    :math:`\\beta = (M - E)/\\sqrt{E(1 - \\delta/T)}` (the binomial standard deviation). A
    positive beta is a rate **increase** in the window.

Both are approximately standard normal when the rate does not change (large counts), which is
how ZMAP reads them (e.g. :math:`|\\beta| > 2` as significant). z is a Welch statistic: with
few bins per period its spread is that of Student's t (standard deviation about 1.13 for a
window of 10 bins, 1.04 for 30, measured on Poisson catalogues). Neither corrects for the
number of windows looked at, nor for clustering (decluster first).

Times are floats (e.g. days); intervals are half-open ``[start, end)``.

References
----------
Habermann, R. E. (1983) Teleseismic detection in the Aleutian Island Arc. JGR 88,
5056-5064. Matthews, M. V. & Reasenberg, P. A. (1988) Statistical methods for investigating
quiescence and other temporal seismicity patterns. Pure Appl. Geophys. 126, 357-372.
Wiemer, S. (2001) A software package to analyze seismicity: ZMAP. SRL 72, 373-382.

Examples
--------
>>> round(beta_statistic(30, 100, 10.0, 100.0), 4)
6.6667
>>> round(z_value([5, 6, 4, 5], [1, 2, 1, 2]), 4)
7.0
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from varpy.exceptions import DataFormatError, FitError

__all__ = ["z_value", "beta_statistic", "binned_counts", "RateChangeSeries",
           "rate_change_series", "STATISTICS", "MODES"]

#: statistics of :func:`rate_change_series`
STATISTICS = ("z", "beta")
#: comparisons of the z-value
MODES = ("lta", "as")


def _moments(counts):
    c = np.asarray(counts, dtype=np.float64).reshape(-1)
    if c.size < 2:
        raise DataFormatError(f"{c.size} bin(s): the z-value needs at least two per period",
                              key="counts", expected="two or more bins in each period")
    return float(c.mean()), float(c.var(ddof=1)), c.size


def z_value(reference_counts, window_counts) -> float:
    """Habermann's z between binned counts of a reference and a window (z > 0: decrease).

    Returns NaN when both periods have zero variance.
    """
    r1, s1, n1 = _moments(reference_counts)
    r2, s2, n2 = _moments(window_counts)
    den = math.sqrt(s1 / n1 + s2 / n2)
    return (r1 - r2) / den if den > 0 else math.nan


def beta_statistic(n_window, n_total, window_length, total_length):
    """Matthews & Reasenberg's beta (beta > 0: more events in the window than expected).

    Vectorised over ``n_window`` (and the other arguments).
    """
    frac = np.asarray(window_length, dtype=np.float64) / np.asarray(total_length,
                                                                      dtype=np.float64)
    if np.any(~((frac > 0) & (frac < 1))):
        raise DataFormatError("the window must be shorter than the whole period and longer "
                              "than zero", key="window",
                              expected="0 < window length < total length")
    expected = np.asarray(n_total, dtype=np.float64) * frac
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (np.asarray(n_window, dtype=np.float64) - expected) / np.sqrt(
            expected * (1 - frac))
    return float(out) if np.ndim(out) == 0 else out


def binned_counts(times, start: float, end: float, bin_width: float) -> np.ndarray:
    """Events in the bins ``[start + i w, start + (i+1) w)`` that fit in ``[start, end)``."""
    t = np.asarray(times, dtype=np.float64).reshape(-1)
    w = float(bin_width)
    if not (math.isfinite(w) and w > 0):
        raise DataFormatError(f"bin_width={bin_width!r} must be positive", key="bin_width",
                              expected="a positive duration in the unit of the times")
    n_bins = int(math.floor((float(end) - float(start)) / w + 1e-9))
    if n_bins < 1:
        raise DataFormatError(f"no bin of width {w} fits in [{start}, {end})", key="bin_width",
                              expected="a bin width shorter than the period")
    idx = np.floor((t - float(start)) / w)
    ok = (idx >= 0) & (idx < n_bins)
    return np.bincount(idx[ok].astype(np.int64), minlength=n_bins)


class RateChangeSeries(NamedTuple):
    """A rate-change statistic in moving windows (arrays, one value per window)."""

    #: window starts and ends (for ``'as'``: the split time is ``window_end``)
    window_start: np.ndarray
    window_end: np.ndarray
    value: np.ndarray
    #: events in the window and in the reference
    n_window: np.ndarray
    n_reference: np.ndarray
    statistic: str
    mode: str
    bin_width: float
    start: float
    end: float


def rate_change_series(times, *, start: float | None = None, end: float | None = None,
                       window: float, step: float | None = None, bin_width: float,
                       statistic: str = "z", mode: str = "lta") -> RateChangeSeries:
    """z-value or beta in moving windows of length ``window`` stepped by ``step``.

    Parameters
    ----------
    times : array-like of float
        Event times.
    start, end : float, optional
        Period analysed, ``[start, end)`` (default: first event to just after the last).
    window : float
        Window length (rounded to a whole number of bins).
    step : float, optional
        Window step (rounded to whole bins; default one bin).
    bin_width : float
        Counting bin of the z-value and grid of the windows.
    statistic : {'z', 'beta'}
    mode : {'lta', 'as'}
        z only: window against the rest (``'lta'``) or before against after (``'as'``; the
        split runs over the bin edges with at least ``window`` on each side). beta always
        compares the window with the whole period.

    Returns
    -------
    RateChangeSeries

    Examples
    --------
    >>> import numpy as np
    >>> t = np.random.default_rng(1).uniform(0, 100, 2000)
    >>> s = rate_change_series(t, start=0, end=100, window=10, step=5, bin_width=1)
    >>> s.value.shape, bool(np.all(np.abs(s.value) < 4))
    ((19,), True)
    """
    statistic = str(statistic).lower()
    mode = str(mode).lower()
    if statistic not in STATISTICS:
        raise DataFormatError(f"unknown rate-change statistic {statistic!r}", key="statistic",
                              expected=f"one of {STATISTICS}")
    if mode not in MODES:
        raise DataFormatError(f"unknown rate-change mode {mode!r}", key="mode",
                              expected=f"one of {MODES}")
    t = np.asarray(times, dtype=np.float64).reshape(-1)
    if t.size and not np.isfinite(t).all():
        bad = int(np.flatnonzero(~np.isfinite(t))[0])
        raise DataFormatError(f"time at position {bad} is {t[bad]!r}", column="time",
                              expected="finite times (drop NaN first)")
    if t.size == 0:
        raise FitError("no events to compute rate changes from")
    w = float(bin_width)
    start = float(t.min()) if start is None else float(start)
    end = float(t.max()) + w * 1e-9 if end is None else float(end)
    counts = binned_counts(t, start, end, w).astype(np.float64)
    n_bins = counts.size
    wb = int(round(float(window) / w))
    sb = 1 if step is None else int(round(float(step) / w))
    if wb < 2 or sb < 1:
        raise DataFormatError(f"window={window}, step={step} are less than two bins / one "
                              f"bin of {w}", key="window",
                              expected="a window of at least two bins and a step of one or more")
    if wb > n_bins - 2:
        raise DataFormatError(f"window of {wb} bins leaves fewer than two of {n_bins} bins "
                              "outside it", key="window",
                              expected="a window shorter than the period minus two bins")
    c1 = np.concatenate([[0.0], np.cumsum(counts)])
    c2 = np.concatenate([[0.0], np.cumsum(counts * counts)])
    total_n, total_sq = c1[-1], c2[-1]
    if statistic == "z" and mode == "as":
        splits = np.arange(wb, n_bins - wb + 1, sb)
        n1, s1, q1 = splits.astype(float), c1[splits], c2[splits]
        n2, s2, q2 = n_bins - n1, total_n - c1[splits], total_sq - c2[splits]
        w_start = np.full(splits.size, start)
        w_end = start + splits * w
        n_win, n_ref = s2, s1
    else:
        first = np.arange(0, n_bins - wb + 1, sb)
        s2, q2 = c1[first + wb] - c1[first], c2[first + wb] - c2[first]
        n2 = np.full(first.size, float(wb))
        s1, q1 = total_n - s2, total_sq - q2
        n1 = n_bins - n2
        w_start = start + first * w
        w_end = w_start + wb * w
        n_win, n_ref = s2, s1
    if statistic == "z":
        m1, m2 = s1 / n1, s2 / n2
        v1 = (q1 - n1 * m1 * m1) / (n1 - 1)
        v2 = (q2 - n2 * m2 * m2) / (n2 - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = (m1 - m2) / np.sqrt(np.maximum(v1, 0) / n1 + np.maximum(v2, 0) / n2)
    else:
        value = beta_statistic(s2, total_n, wb * w, n_bins * w)
    return RateChangeSeries(w_start, w_end, np.asarray(value, dtype=np.float64),
                            np.asarray(n_win), np.asarray(n_ref), statistic, mode, w, start,
                            start + n_bins * w)
