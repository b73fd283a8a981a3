"""Stepp (1971) completeness in time: numbers in, numbers out.

For each magnitude class (width ``magnitude_bin``), Stepp counts the events in time windows
of increasing length :math:`T_k` that all end at the end of the catalogue. If the class is
complete over :math:`T_k`, events arrive at a constant rate :math:`\\lambda` and the rate
estimate :math:`\\hat\\lambda_k = N_k / T_k` has standard deviation
:math:`\\sigma_k = \\sqrt{\\hat\\lambda_k / T_k} = \\sqrt{N_k} / T_k`, so :math:`\\sigma_k`
follows a line of slope -1/2 against :math:`T` in a log-log plot. Beyond the completeness
period events are missed, :math:`N_k` grows more slowly than :math:`T_k`, and
:math:`\\sigma_k` falls below that line (slope -1 when nothing at all was recorded).

Criterion (how the crossover is located)
----------------------------------------
Stepp read the crossover off the plot; implementations fit two straight lines to
:math:`\\log\\sigma` against :math:`\\log T`. Both :math:`\\sigma_k` and :math:`\\hat\\lambda_k`
are functions of the cumulative counts :math:`N_k`, so this module fits the model behind the
diagram to those counts by maximum likelihood instead of least squares on correlated,
unequally noisy logarithms:

* Events of a class in the age window ``[0, S)`` (age = ``end - time``) are a Poisson process
  with rate :math:`\\lambda_1` for ages ``< T_c`` and a **lower** rate :math:`\\lambda_2`
  beyond (:math:`\\lambda_2 = 0` is the classic bilinear Stepp diagram; :math:`\\lambda_2 > 0`
  is partial detection). ``T_c`` runs over the window lengths :math:`T_1 < \\dots < T_{K-1}`.
* The split with the largest likelihood-ratio statistic against a constant rate,
  :math:`D = 2[N_1\\ln(N_1/T_1) + N_2\\ln(N_2/T_2) - N\\ln(N/S)]`, among the splits where
  the older rate is lower, is accepted when its Bonferroni-corrected p-value
  :math:`\\min(1, m\\,P(\\chi^2_1 > D))` (``m`` = number of candidate splits) is below
  ``alpha``. The recent part is then tested again the same way (binary segmentation towards
  the present), so the completeness period is the most recent significant rate drop.
* Without a significant drop the class is complete over the whole catalogue.

The completeness period is therefore the longest window over which :math:`\\sigma_k`
stays consistent, at level ``alpha``, with :math:`\\sqrt{\\lambda_c/T}` where
:math:`\\lambda_c` is the rate of the complete window; the fitted line
:math:`\\sqrt{\\lambda_c / T}` is returned with the curves for plotting.

Increment lock
--------------
Larger events are detected at least as well as smaller ones, so the start of completeness
should not increase with magnitude: a class is complete at least as far back as every
smaller class, or equivalently no further back than any larger class. The lock enforces this
by moving a class's start forward to the latest start of the classes above it (a cumulative
maximum downwards in magnitude), so it only ever shortens complete periods. It is applied in
that direction because the two kinds of error are not alike: a class with few events, or one
below the catalogue's completeness magnitude at all times (constant low rate), shows no
significant drop and so reports "complete since the start"; moving starts *back* to the
smallest class's value (the other way of enforcing monotonicity) would spread that
no-evidence answer to every larger class, which happens on most real catalogues. Late
starts, in contrast, need a significant drop (false ones occur at most at rate ``alpha`` in a
stationary class). Classes with fewer than ``min_events`` events are left undetermined (NaN)
and do not take part.

Stepp cannot see a class that is incomplete at a constant level throughout: give
``magnitude_min`` at or above the catalogue's present-day completeness magnitude (for example
from :func:`varpy.analysis.mc`), and decluster first, since the test assumes a stationary
Poisson rate in each complete class.

Conventions
-----------
* Time bins are counted back from ``end`` (default: the last event). Age bin ``j`` holds the
  times in ``[end - (j+1) dt, end - j dt)``; the most recent bin also holds ``end`` itself and
  the oldest bin is cut at ``start`` (default: the first event), so the windows cover
  ``[end - T_k, end]`` and the last one is exactly ``[start, end]``.
* A magnitude class with lower edge ``m0 + i dm`` holds ``[m0 + i dm, m0 + (i+1) dm)``, with
  a tolerance of 1e-6 class widths so that catalogue values like 4.5 (stored as
  4.4999999999999996) fall in the class they are written in.
* Times are floats in any unit (decimal years in the usual use); ``time_bin`` is in the same
  unit. The user-facing function with datetimes and a result object is
  :func:`varpy.analysis.completeness.stepp`.

Validation
----------
Tested on synthetic catalogues with a known step-wise detection history (recovery over
seeds, false-drop rate of stationary classes below ``alpha``), against hand-computed counts
and against the likelihood-ratio statistic recomputed with scipy. The expected table of the
OpenQuake hmtk test catalogue (reference R9 of the project's formulas) could not be checked:
that catalogue is not available here, and hmtk's crossover rule differs from this one.

References
----------
Stepp, J. C. (1971). An investigation of earthquake risk in the Puget Sound area by the use
of the type I distribution of largest extremes. PhD thesis, Pennsylvania State University.
Stepp, J. C. (1972). Analysis of completeness of the earthquake sample in the Puget Sound area
and its effect on statistical estimates of earthquake hazard. Proc. Int. Conf. Microzonation,
Seattle, 2, 897-910.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> t = rng.uniform(1900, 2020, 4000)
>>> m = 4.0 - np.log10(rng.uniform(size=t.size))           # Gutenberg-Richter, b = 1
>>> keep = m >= np.where(t < 1960, 5.0, 4.0)                 # M >= 4 only since 1960
>>> fit = stepp(t[keep], m[keep], magnitude_bin=0.5, time_bin=5.0, start=1900.0, end=2020.0)
>>> fit.magnitude_classes[:3].tolist(), fit.completeness_start[:3].tolist()
([4.0, 4.5, 5.0], [1960.0, 1960.0, 1900.0])
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from varpy.exceptions import DataFormatError, FitError

__all__ = [
    "SteppCounts",
    "SteppFit",
    "stepp_counts",
    "stepp_curves",
    "rate_drop",
    "lock_increments",
    "stepp",
]

#: Tolerance, in class widths, of the magnitude class rule.
CLASS_TOLERANCE = 1e-6
_MAX_CELLS = 50_000_000


class SteppCounts(NamedTuple):
    """Events per magnitude class and age bin.

    Attributes
    ----------
    magnitude_classes : numpy.ndarray
        Lower edge of each class, shape ``(C,)``.
    bin_counts : numpy.ndarray of int64
        Events per class (rows) and age bin (columns, most recent first), shape ``(C, K)``.
    window_lengths : numpy.ndarray
        :math:`T_k`, length of the window made of the ``k`` most recent bins, shape ``(K,)``;
        the last one is ``end - start``.
    start, end : float
        Time span analysed.
    """

    magnitude_classes: np.ndarray
    bin_counts: np.ndarray
    window_lengths: np.ndarray
    start: float
    end: float


class SteppFit(NamedTuple):
    """Stepp completeness table and diagnostics (see :func:`stepp`).

    Attributes
    ----------
    magnitude_classes : numpy.ndarray
        Lower edge of each class.
    completeness_start : numpy.ndarray
        Start of the complete period of each class, after the increment lock when it was
        asked for; NaN for classes with fewer than ``min_events`` events.
    raw_start : numpy.ndarray
        The same before the increment lock.
    n_events : numpy.ndarray of int64
        Events per class in ``[start, end]``.
    n_complete : numpy.ndarray of int64
        Events per class in ``[completeness_start, end]``.
    p_values : numpy.ndarray
        Bonferroni-corrected p-value of the rate drop that ends the (raw) complete period;
        NaN when the class is complete over the whole catalogue or undetermined.
    window_lengths : numpy.ndarray
        :math:`T_k`, shape ``(K,)``.
    counts : numpy.ndarray of int64
        Cumulative counts :math:`N_k` per class and window, shape ``(C, K)``.
    start, end : float
        Time span analysed.
    """

    magnitude_classes: np.ndarray
    completeness_start: np.ndarray
    raw_start: np.ndarray
    n_events: np.ndarray
    n_complete: np.ndarray
    p_values: np.ndarray
    window_lengths: np.ndarray
    counts: np.ndarray
    start: float
    end: float


# ---------------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------------

def _positive(value, key: str, example: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"{key}={value!r} is not a number", key=key,
                              expected=f"a positive float such as {example}") from exc
    if not math.isfinite(v) or v <= 0:
        raise DataFormatError(f"invalid {key}={value!r}", key=key,
                              expected=f"a positive float such as {example}")
    return v


def _probability(value, key: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"{key}={value!r} is not a number", key=key,
                              expected="a probability between 0 and 1, such as 0.01") from exc
    if not 0 < v < 1:
        raise DataFormatError(f"invalid {key}={value!r}", key=key,
                              expected="a probability between 0 and 1, such as 0.01")
    return v


def _optional_float(value, key: str):
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"{key}={value!r} is not a number", key=key,
                              expected="a finite float or None") from exc
    if not math.isfinite(v):
        raise DataFormatError(f"{key}={value!r}", key=key, expected="a finite float or None")
    return v


def _events(times, magnitudes):
    t = np.asarray(times, dtype=np.float64)
    m = np.asarray(magnitudes, dtype=np.float64)
    if t.ndim != 1 or m.ndim != 1:
        raise DataFormatError(f"times have shape {t.shape} and magnitudes {m.shape}",
                              expected="two one-dimensional arrays")
    if t.shape != m.shape:
        raise DataFormatError(f"{t.size} times but {m.size} magnitudes",
                              expected="one time per magnitude")
    finite = np.isfinite(t) & np.isfinite(m)
    if not finite.all():
        t, m = t[finite], m[finite]
    return t, m


# ---------------------------------------------------------------------------------------------
# counting
# ---------------------------------------------------------------------------------------------

def stepp_counts(times, magnitudes, magnitude_bin: float = 0.5, time_bin: float = 5.0, *,
                 start: float | None = None, end: float | None = None,
                 magnitude_min: float | None = None) -> SteppCounts:
    """Count events per magnitude class and age bin in one pass.

    Parameters
    ----------
    times, magnitudes : array-like of float
        Event times (any unit; decimal years for the usual use) and magnitudes. Pairs with a
        NaN are ignored; events outside ``[start, end]`` or below ``magnitude_min`` too.
    magnitude_bin : float
        Width of the magnitude classes.
    time_bin : float
        Width of the age bins, in the unit of ``times``.
    start, end : float, optional
        Time span analysed (default: first and last event).
    magnitude_min : float, optional
        Lower edge of the lowest class (default: the smallest magnitude rounded down to a
        multiple of ``magnitude_bin``).

    Returns
    -------
    SteppCounts

    Raises
    ------
    FitError
        No event left, or the span is not longer than one time bin (the method compares at
        least two windows).

    Examples
    --------
    >>> c = stepp_counts([2000.5, 2001.5, 2009.0, 2009.5], [4.1, 4.6, 4.2, 5.0],
    ...                  magnitude_bin=0.5, time_bin=5.0, start=2000.0, end=2010.0)
    >>> c.magnitude_classes.tolist(), c.bin_counts.tolist(), c.window_lengths.tolist()
    ([4.0, 4.5, 5.0], [[1, 1], [0, 1], [1, 0]], [5.0, 10.0])
    """
    dm = _positive(magnitude_bin, "magnitude_bin", "0.5")
    dt = _positive(time_bin, "time_bin", "5 (years)")
    start = _optional_float(start, "start")
    end = _optional_float(end, "end")
    magnitude_min = _optional_float(magnitude_min, "magnitude_min")
    t, m = _events(times, magnitudes)
    if t.size == 0:
        raise FitError("no event with a finite time and magnitude; the Stepp method needs a "
                       "catalogue spanning at least two time bins")
    lo = float(t.min()) if start is None else start
    hi = float(t.max()) if end is None else end
    if not hi > lo:
        if start is None and end is None:
            raise FitError(f"all {t.size} events have the same time {lo!r}; the Stepp method "
                           "needs a catalogue spanning at least two time bins")
        raise DataFormatError(f"end {hi!r} is not after start {lo!r}", key="end",
                              expected="end > start")
    if start is not None or end is not None:
        inside = (t >= lo) & (t <= hi)
        if not inside.all():
            t, m = t[inside], m[inside]
    if magnitude_min is not None:
        above = m >= magnitude_min - CLASS_TOLERANCE * dm
        if not above.all():
            t, m = t[above], m[above]
    if t.size == 0:
        raise FitError(f"no event in [{lo:g}, {hi:g}] above magnitude_min={magnitude_min!r}")
    span = hi - lo
    n_bins = max(1, math.ceil(span / dt - 1e-9))
    if n_bins < 2:
        raise FitError(f"the catalogue spans {span:g} time units, not more than one time_bin "
                       f"({dt:g}); Stepp compares windows of several bins: give a smaller "
                       "time_bin or a longer catalogue")

    # Magnitude class of each event: floor((m - m0) / dm), tolerant to decimal rounding.
    if magnitude_min is None:
        base = math.floor(float(m.min()) / dm + CLASS_TOLERANCE)
        m0 = base * dm
        cls = np.floor(m / dm + CLASS_TOLERANCE) - base
    else:
        m0 = magnitude_min
        cls = np.floor((m - m0) / dm + CLASS_TOLERANCE)
    cls = cls.astype(np.int64)
    n_classes = int(cls.max()) + 1
    if n_classes * n_bins > _MAX_CELLS:
        raise DataFormatError(f"{n_classes} magnitude classes x {n_bins} time bins is too many",
                              key="magnitude_bin", expected="wider magnitude or time bins")

    # Age bin j holds ages in (j dt, (j+1) dt], i.e. times in [end - (j+1) dt, end - j dt).
    age_bin = np.ceil((hi - t) / dt) - 1.0
    np.clip(age_bin, 0, n_bins - 1, out=age_bin)
    flat = cls * n_bins + age_bin.astype(np.int64)
    bin_counts = np.bincount(flat, minlength=n_classes * n_bins).reshape(n_classes, n_bins)

    lengths = np.arange(1, n_bins + 1, dtype=np.float64) * dt
    lengths[-1] = span
    index = np.arange(n_classes)
    classes = m0 + index * dm if magnitude_min is not None else (index + base) * dm
    classes = np.round(classes, 10)        # 9 * 0.5 is 4.5 already; this removes 0.1-type noise
    return SteppCounts(classes, bin_counts.astype(np.int64), lengths, lo, hi)


def stepp_curves(counts, window_lengths):
    """Rate :math:`N_k/T_k` and its standard deviation :math:`\\sqrt{N_k}/T_k`.

    Parameters
    ----------
    counts : array-like
        Cumulative counts :math:`N_k` (any shape ending in ``K``).
    window_lengths : array-like
        :math:`T_k`, shape ``(K,)``.

    Returns
    -------
    rates, sigmas : numpy.ndarray

    Examples
    --------
    >>> rates, sigmas = stepp_curves([4, 8, 12], [1.0, 2.0, 4.0])
    >>> rates.tolist(), sigmas.tolist()
    ([4.0, 4.0, 3.0], [2.0, 1.4142135623730951, 0.8660254037844386])
    """
    n = np.asarray(counts, dtype=np.float64)
    t = np.asarray(window_lengths, dtype=np.float64)
    return n / t, np.sqrt(n) / t


# ---------------------------------------------------------------------------------------------
# the crossover
# ---------------------------------------------------------------------------------------------

def _n_log_rate(n, t):
    """``n * log(n / t)`` with ``0 log 0 = 0``."""
    n = np.asarray(n, dtype=np.float64)
    safe = np.where(n > 0, n, 1.0)
    return np.where(n > 0, n * np.log(safe / t), 0.0)


def _chi2_1_sf(d: float) -> float:
    return math.erfc(math.sqrt(max(d, 0.0) / 2.0))


def rate_drop(bin_counts, window_lengths, *, alpha: float = 0.01):
    """Length of the complete window of one magnitude class (the Stepp crossover).

    Parameters
    ----------
    bin_counts : array-like of int
        Events per age bin, most recent first, shape ``(K,)``.
    window_lengths : array-like of float
        :math:`T_k`, shape ``(K,)``.
    alpha : float
        Level of the Bonferroni-corrected likelihood-ratio test of a rate drop.

    Returns
    -------
    n_complete_bins : int
        Number of recent bins over which the class is complete (``K`` = whole catalogue).
    p_value : float
        Corrected p-value of the drop at that point (NaN when complete over everything).

    Examples
    --------
    Ten events a bin in the last three bins, none before:

    >>> rate_drop([10, 10, 10, 0, 0, 0], [1.0, 2, 3, 4, 5, 6])[0]
    3
    >>> rate_drop([10, 10, 10, 9, 11, 10], [1.0, 2, 3, 4, 5, 6])
    (6, nan)
    """
    alpha = _probability(alpha, "alpha")
    n = np.concatenate(([0.0], np.cumsum(np.asarray(bin_counts, dtype=np.float64))))
    t = np.concatenate(([0.0], np.asarray(window_lengths, dtype=np.float64)))
    end = n.size - 1
    p_accepted = math.nan
    while end >= 2:
        j = np.arange(1, end)
        n1, t1 = n[j], t[j]
        n2, t2 = n[end] - n1, t[end] - t1
        stat = 2.0 * (_n_log_rate(n1, t1) + _n_log_rate(n2, t2)
                      - _n_log_rate(n[end], t[end]))
        stat = np.where(n2 * t1 < n1 * t2, stat, -np.inf)      # only drops into the past
        best = int(np.argmax(stat))
        if not np.isfinite(stat[best]):
            break
        p = min(1.0, (end - 1) * _chi2_1_sf(float(stat[best])))
        if p >= alpha:
            break
        end, p_accepted = int(j[best]), p
    return end, p_accepted


def lock_increments(starts) -> np.ndarray:
    """Completeness starts made non-increasing with magnitude (the increment lock).

    Each class takes the latest of its own start and those of all larger classes; NaN
    (undetermined) entries stay NaN and are skipped.

    Examples
    --------
    >>> lock_increments([1990.0, 1960.0, 1975.0, float("nan"), 1900.0]).tolist()
    [1990.0, 1975.0, 1975.0, nan, 1900.0]
    """
    s = np.asarray(starts, dtype=np.float64)
    out = np.fmax.accumulate(s[::-1])[::-1].copy() if s.size else s.copy()
    out[np.isnan(s)] = np.nan
    return out


def stepp(times, magnitudes, magnitude_bin: float = 0.5, time_bin: float = 5.0, *,
          increment_lock: bool = True, alpha: float = 0.01, start: float | None = None,
          end: float | None = None, magnitude_min: float | None = None,
          min_events: int = 1) -> SteppFit:
    """Stepp (1971) completeness table (see the module docstring for the criterion).

    Parameters
    ----------
    times, magnitudes : array-like of float
        Event times (decimal years in the usual use) and magnitudes.
    magnitude_bin : float
        Width of the magnitude classes (0.5 in Stepp's and hmtk's examples).
    time_bin : float
        Step between window lengths, in the unit of ``times``.
    increment_lock : bool
        Make the start of completeness non-increasing with magnitude.
    alpha : float
        Level of the rate-drop test; smaller values give longer complete periods.
    start, end : float, optional
        Time span analysed (default: first and last event).
    magnitude_min : float, optional
        Lower edge of the lowest class.
    min_events : int
        Classes with fewer events are undetermined (NaN start).

    Returns
    -------
    SteppFit

    Examples
    --------
    A complete catalogue is complete back to its start in every class:

    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> t = np.sort(rng.uniform(1950, 2020, 3000))
    >>> m = 3.0 - np.log10(rng.uniform(size=t.size))
    >>> fit = stepp(t, m, start=1950.0, end=2020.0)
    >>> bool(np.all(fit.completeness_start[fit.n_events > 0] == 1950.0))
    True
    """
    alpha = _probability(alpha, "alpha")
    if isinstance(min_events, bool) or not isinstance(min_events, (int, np.integer)) \
            or min_events < 1:
        raise DataFormatError(f"min_events={min_events!r}", key="min_events",
                              expected="an integer >= 1")
    counted = stepp_counts(times, magnitudes, magnitude_bin, time_bin, start=start, end=end,
                           magnitude_min=magnitude_min)
    bins = counted.bin_counts
    lengths = counted.window_lengths
    n_classes, n_bins = bins.shape
    cumulative = np.cumsum(bins, axis=1)
    n_events = cumulative[:, -1].copy()
    complete_bins = np.full(n_classes, n_bins, dtype=np.int64)
    p_values = np.full(n_classes, np.nan)
    determined = n_events >= min_events
    for c in np.flatnonzero(determined):
        complete_bins[c], p_values[c] = rate_drop(bins[c], lengths, alpha=alpha)
    # Starts from the bin edges, not end - T: the whole catalogue gives start exactly.
    edges = counted.end - lengths
    edges[-1] = counted.start
    raw = np.where(determined, edges[complete_bins - 1], np.nan)
    locked = lock_increments(raw) if increment_lock else raw.copy()
    # Events in [locked start, end]: the windows are nested, so this is a cumulative count.
    k_locked = np.where(determined, complete_bins, 0)
    if increment_lock:
        # A locked start is one of the bin edges: find its window.
        ok = np.isfinite(locked)
        k_locked[ok] = np.searchsorted(-edges, -locked[ok], side="left") + 1
    n_complete = np.where(k_locked > 0,
                          cumulative[np.arange(n_classes), np.maximum(k_locked, 1) - 1], 0)
    return SteppFit(counted.magnitude_classes, locked, raw, n_events.astype(np.int64),
                    n_complete.astype(np.int64), p_values, lengths, cumulative.astype(np.int64),
                    counted.start, counted.end)
