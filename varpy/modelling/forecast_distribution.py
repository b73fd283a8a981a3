"""Forecast distributions of the failure time and the proper scores that verify them.

The distribution of a fit's failure time (:func:`forecast_cdf`, :func:`forecast_log_density`,
:func:`forecast_interval`: ``'profile'`` from the fit's own distribution, which follows its
``ci_method``, or the Wald forms) and the scores of forecast verification: the interval score
of Gneiting & Raftery (2007) and the CRPS (:func:`forecast_crps`, :func:`crps_normal`).
Definitions and check values: ``formulas.md`` section 8. Re-exported by
:mod:`varpy.modelling.scoring`, their public path.

May import: :mod:`varpy.exceptions`, :mod:`varpy.modelling.results`.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

from varpy.exceptions import DataFormatError, FitError
from varpy.modelling.results import FitResult

DENSITY_METHODS = ("profile", "wald", "wald_log")


def _check(fit: FitResult, method: str) -> None:
    if method not in DENSITY_METHODS:
        raise DataFormatError(f"method={method!r} is not a forecast distribution",
                              key="method", expected=f"one of {list(DENSITY_METHODS)}")
    if fit.tf is None:
        raise FitError(f"model {fit.model!r} has no failure time to score")
    if "tf" in fit.fixed:
        raise FitError("tf was fixed in this fit (retrospective analysis); nothing was forecast")


def _signed_root(fit: FitResult):
    """Knots ``(s, r)`` of the fit's own profile distribution (FitResult.failure_time_knots)."""
    return fit.failure_time_knots()


def _se_tf(fit: FitResult) -> float:
    se = fit.stderr.get("tf", math.nan)
    return float(se) if se is not None and se > 0 else math.nan


def forecast_cdf(fit: FitResult, t, method: str = "profile"):
    """Forecast probability that failure occurs before ``t`` (fitted float axis).

    ``method="profile"`` equals ``fit.prob_failure_before(t)``. Scalars give floats, arrays
    give arrays; NaN when the distribution is unavailable (no profile, no standard error).
    """
    _check(fit, method)
    t_arr = np.asarray(t, dtype=np.float64)
    t1 = float(fit.window[1])
    out = np.full(t_arr.shape, math.nan)
    after = t_arr > t1
    if method == "profile":                      # the fit's own distribution
        out = np.asarray(fit.prob_failure_before(t_arr), dtype=np.float64)
    elif method == "wald":
        se = _se_tf(fit)
        if math.isfinite(se):
            out = stats.norm.cdf((t_arr - fit.tf) / se)
    else:
        se_log = _se_tf(fit) / (fit.tf - t1)
        if math.isfinite(se_log):
            with np.errstate(invalid="ignore", divide="ignore"):
                z = (np.log(np.where(after, t_arr - t1, 1.0)) - math.log(fit.tf - t1)) / se_log
            out = np.where(after, stats.norm.cdf(z), 0.0)
    return float(out) if np.ndim(t) == 0 else out


def forecast_log_density(fit: FitResult, t, method: str = "profile"):
    """Natural log of the forecast density of the failure time at ``t`` (per axis unit).

    See the module docstring for each ``method``. ``-inf`` where the density is zero
    (``t <= t1``, or outside the profiled range for ``"profile"``); NaN when the distribution
    is unavailable.
    """
    _check(fit, method)
    t_arr = np.asarray(t, dtype=np.float64)
    t1 = float(fit.window[1])
    out = np.full(t_arr.shape, math.nan)
    after = t_arr > t1
    dist = np.where(after, t_arr - t1, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "profile":                  # the fit's own density
            out = np.asarray(fit.failure_time_logpdf(t_arr), dtype=np.float64)
        elif method == "wald":
            se = _se_tf(fit)
            if math.isfinite(se):
                out = stats.norm.logpdf(t_arr, loc=fit.tf, scale=se)
        else:
            se_log = _se_tf(fit) / (fit.tf - t1)
            if math.isfinite(se_log):
                logd = (stats.norm.logpdf(np.log(dist), loc=math.log(fit.tf - t1), scale=se_log)
                        - np.log(dist))
                out = np.where(after, logd, -np.inf)
    return float(out) if np.ndim(t) == 0 else out


def forecast_interval(fit: FitResult, method: str = "profile", level: float | None = None):
    """Central interval of the forecast distribution, ``(low, high)`` or None.

    ``"profile"`` returns ``fit.tf_ci`` (its level is ``fit.ci_level``; ``level`` must be None
    or equal to it); the Wald intervals use ``level`` (default ``fit.ci_level``).
    """
    _check(fit, method)
    lev = fit.ci_level if level is None else float(level)
    if method == "profile":
        if level is not None and not math.isclose(lev, fit.ci_level):
            raise DataFormatError(f"the stored profile interval is at level {fit.ci_level}, not "
                                  f"{lev}; refit with ci_level={lev}", key="level")
        return None if fit.tf_ci is None else (float(fit.tf_ci[0]), float(fit.tf_ci[1]))
    z = float(stats.norm.ppf(0.5 + lev / 2.0))
    se = _se_tf(fit)
    if not math.isfinite(se):
        return None
    if method == "wald":
        return (fit.tf - z * se, fit.tf + z * se)
    t1 = float(fit.window[1])
    se_log = se / (fit.tf - t1)
    hi = t1 + (fit.tf - t1) * math.exp(z * se_log) if z * se_log < 700.0 else math.inf
    return (t1 + (fit.tf - t1) * math.exp(-z * se_log), hi)


# --------------------------------------------------------------------------------------------
# proper scores
# --------------------------------------------------------------------------------------------

def interval_score(low: float, high: float, x: float, alpha: float) -> float:
    """Interval score of the central ``(1 - alpha)`` interval ``[low, high]`` at outcome ``x``.

    ``(high - low) + (2/alpha)(low - x)[x < low] + (2/alpha)(x - high)[x > high]``
    (Gneiting & Raftery 2007, eq. 43); lower is better. ``inf`` when a bound is infinite, NaN
    when one is missing.

    >>> round(interval_score(-1.6448536, 1.6448536, 2.0, 0.1), 6)
    10.392635
    >>> interval_score(3.0, float("inf"), 5.0, 0.05)
    inf
    """
    if not 0.0 < alpha < 1.0:
        raise DataFormatError(f"alpha={alpha!r} is not in (0, 1)", key="alpha",
                              expected="1 - the interval's level, e.g. 0.05")
    low, high, x = float(low), float(high), float(x)
    if math.isnan(low) or math.isnan(high) or math.isnan(x):
        return math.nan
    if not (math.isfinite(low) and math.isfinite(high)):
        return math.inf
    score = high - low
    if x < low:
        score += 2.0 / alpha * (low - x)
    elif x > high:
        score += 2.0 / alpha * (x - high)
    return score


def crps_normal(mu: float, sigma: float, x: float) -> float:
    """CRPS of ``N(mu, sigma^2)`` at ``x``: ``sigma [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)]``.

    Gneiting et al. (2005), Mon. Weather Rev. 133, 1098.

    >>> round(crps_normal(0.0, 1.0, 0.0), 7), round(crps_normal(0.0, 1.0, 1.0), 7)
    (0.233695, 0.6024414)
    """
    if not sigma > 0:
        return math.nan
    z = (x - mu) / sigma
    return float(sigma * (z * (2.0 * stats.norm.cdf(z) - 1.0) + 2.0 * stats.norm.pdf(z)
                          - 1.0 / math.sqrt(math.pi)))


#: Probability left beyond the integration range above which a CRPS is reported infinite.
CRPS_TAIL = 1e-6
_CRPS_POINTS = 4001


def _crps_after(cdf, x: float, t1: float, scale: float) -> float:
    """CRPS of a distribution on ``(t1, inf)`` (vectorised ``cdf``) by quadrature in log time.

    Integrates ``F^2`` up to ``x`` and ``(1 - F)^2`` after it on ``y = t1 + exp(s)``, from
    ``scale * 1e-9`` after ``t1`` (below it ``F`` is taken constant) to where ``1 - F`` drops
    below 1e-12; ``inf`` when more than :data:`CRPS_TAIL` of the probability is still left at
    ``t1 + 1e10 scale`` (mass at "never").
    """
    s_lo = math.log(scale) - 9.0 * math.log(10.0)
    tops = math.log(scale) + np.arange(0.0, 10.5, 0.5) * math.log(10.0)
    tail = 1.0 - np.asarray(cdf(t1 + np.exp(tops)), dtype=np.float64)
    if np.any(np.isnan(tail)):
        return math.nan
    done = np.nonzero(tail < 1e-12)[0]
    if done.size:
        s_hi = float(tops[done[0]])
    elif tail[-1] > CRPS_TAIL:
        return math.inf
    else:
        s_hi = float(tops[-1])
    total = 0.0
    if x <= t1:
        total += t1 - x
        sx = s_lo
    else:
        sx = min(max(math.log(x - t1), s_lo), s_hi)
    # below s_lo: F is constant (its value there), contributing F^2 * exp(s_lo) if x is later
    f_lo = float(cdf(t1 + math.exp(s_lo)))
    if x > t1 + math.exp(s_lo):
        total += f_lo ** 2 * math.exp(s_lo)
    n = _CRPS_POINTS
    for a, b, below in ((s_lo, sx, True), (sx, s_hi, False)):
        if b <= a:
            continue
        s = np.linspace(a, b, max(int(n * (b - a) / (s_hi - s_lo)), 64))
        y = np.exp(s)
        f = np.asarray(cdf(t1 + y), dtype=np.float64)
        g = (f ** 2 if below else (1.0 - f) ** 2) * y
        total += float(np.sum(0.5 * (g[1:] + g[:-1]) * np.diff(s)))
    if x > t1 + math.exp(s_hi):
        total += x - (t1 + math.exp(s_hi))          # F ~ 1 between the range end and x
    return total


def forecast_crps(fit: FitResult, x: float, method: str = "profile") -> float:
    """CRPS of the forecast distribution of the failure time at the outcome ``x`` (axis units).

    ``"wald"`` in closed form (:func:`crps_normal`); ``"profile"`` and ``"wald_log"`` by
    quadrature of ``forecast_cdf`` in ``log(t - t1)`` (relative accuracy ~1e-4). ``inf`` when
    the forecast leaves more than :data:`CRPS_TAIL` of its probability at "never"; NaN when the
    distribution is unavailable.
    """
    _check(fit, method)
    if method == "wald":
        return crps_normal(float(fit.tf), _se_tf(fit), float(x))
    t1 = float(fit.window[1])
    scale = float(fit.tf) - t1
    if not scale > 0:
        return math.nan
    return _crps_after(lambda t: forecast_cdf(fit, t, method), float(x), t1, scale)


def _density_note(fit: FitResult, x: float, method: str) -> str:
    """Why the forecast density is zero at ``x`` (for the step's ``note``)."""
    t1 = float(fit.window[1])
    if x <= t1:
        return "zero density: the true time is before the end of the data"
    if method == "profile":
        curve = _signed_root(fit)
        if curve is not None:
            s, _ = curve
            sx = math.log(x - t1)
            if sx > s[-1]:
                return ("zero density: the true time is beyond the last point where the "
                        "profile likelihood of tf still falls (after the profiled range, or "
                        "where the likelihood rises again towards 'never'): the forecast puts "
                        "its remaining probability at 'never'")
            if sx < s[0]:
                return "zero density: the true time is before the profiled range of tf"
            return "zero density at the true time"
    return "zero density at the true time"


# --------------------------------------------------------------------------------------------
