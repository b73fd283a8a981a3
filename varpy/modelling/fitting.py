"""Maximum-likelihood machinery for rate models: event windows, optimisers and :class:`FitResult`.

The model classes in :mod:`varpy.modelling.models` describe a rate; this module fits it.

Optimisers
----------
``"default"``
    The model's own global method. The power-law models (inverse Omori, hyperbolic, modified
    Omori) profile ``k`` (``k = N/J``) and ``p`` (a concave one-dimensional problem solved in
    closed form by :func:`varpy.statistics.likelihoods.power_law_profile`), scan the profile
    likelihood of the remaining offset (``log(tf - t1)`` or ``log(t0 + c)``) on a grid covering
    eleven decades, and polish every grid maximum with a safeguarded Newton iteration, so the
    global optimum inside the bounds is found without starting values. Constant and exponential
    rates have closed-form estimates. The creep model runs the multistart optimiser in mixture
    coordinates (expected counts of its two terms, the total profiled) from component fits;
    user models use ``"multistart"``.
``"multistart"``
    A projected-BFGS box optimiser (:func:`minimize_box`) with analytic gradients from several
    starting points, in unconstrained coordinates (``log k``, ``log(tf - t1)``, ...) with box
    bounds, profiling the rate scale ``k`` when the model declares one; the best optimum is
    kept.
``"legacy"``
    VarPy 2016: ``scipy.optimize.minimize(method="Nelder-Mead")`` with the ``fmin`` defaults
    (``xatol = fatol = 1e-4``, ``maxiter = maxfev = 200 * n``), no bounds, the same
    log-likelihood, and non-finite values replaced by ``1e15``. It reproduces the published
    Etna numbers; its optimum can be non-physical and is then flagged.

Uncertainty
-----------
Standard errors and the covariance are the inverse observed information (minus the Hessian of
the log-likelihood on the natural scale at the optimum; analytic for the built-in models,
central differences of the analytic gradient otherwise). For models with a free failure time
the fit also gives the profile-likelihood confidence interval of ``tf`` (``2 (l_max - l(tf)) <=
chi2_1(level)``) and stores the profile curve; :meth:`FitResult.prob_failure_before` turns it
into a probability (see there).
"""
from __future__ import annotations

import bisect
import json
import logging
import math
import operator
import warnings
from dataclasses import dataclass, field, fields
from functools import cached_property, lru_cache
from typing import Any, Callable

import numpy as np
from scipy import optimize, special, stats

from varpy._json import json_float as _dec
from varpy._json import jsonable as _enc
from varpy.exceptions import DataFormatError, FitError, FitWarning
from varpy.statistics import likelihoods as lk

__all__ = [
    "Parameter",
    "EventWindow",
    "Optimum",
    "FitResult",
    "multistart_maximize",
    "legacy_nelder_mead",
    "power_law_search",
    "observed_information",
    "profile_interval",
    "build_result",
    "LEGACY_PENALTY",
]

logger = logging.getLogger(__name__)

#: Value VarPy 2016 returned for a non-finite negative log-likelihood.
LEGACY_PENALTY = 1e15

#: Default search range of power-law offsets (``tf - t1`` or ``t0 + c``) in window lengths.
OFFSET_RANGE = (1e-8, 1e3)

#: Default bounds of power-law exponents.
P_RANGE = (0.0, 20.0)


# --------------------------------------------------------------------------------------------
# Parameters and data
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Parameter:
    """A model parameter: natural bounds and the unconstrained coordinate used to optimise it.

    ``transform="log"`` optimises ``theta = log(x - anchor)`` (``anchor`` defaults to
    ``lower``); ``transform="linear"`` optimises ``x`` itself. ``lower``/``upper`` are the
    bounds enforced by the default and multistart optimisers (a bound may be infinite).
    """

    name: str
    lower: float = -np.inf
    upper: float = np.inf
    transform: str = "linear"
    anchor: float | None = None

    def __post_init__(self):
        if self.transform not in ("log", "linear"):
            raise ValueError(f"transform of {self.name!r} must be 'log' or 'linear'")
        if self.transform == "log" and self.anchor is None:
            if not math.isfinite(self.lower):
                raise ValueError(f"log-transformed parameter {self.name!r} needs a finite "
                                 "lower bound")
            object.__setattr__(self, "anchor", float(self.lower))

    def to_theta(self, x: float) -> float:
        if self.transform == "log":
            return math.log(x - self.anchor) if x > self.anchor else -np.inf
        return float(x)

    def from_theta(self, theta: float) -> float:
        if self.transform == "log":
            return self.anchor + math.exp(min(theta, 709.0))
        return float(theta)

    def dx_dtheta(self, x: float) -> float:
        return (x - self.anchor) if self.transform == "log" else 1.0

    def theta_bounds(self) -> tuple[float | None, float | None]:
        lo, hi = self.lower, self.upper
        if self.transform == "log":
            tlo = math.log(lo - self.anchor) if lo > self.anchor else None
            thi = math.log(hi - self.anchor) if math.isfinite(hi) else None
            return tlo, thi
        return (lo if math.isfinite(lo) else None), (hi if math.isfinite(hi) else None)

    def at_bound(self, x: float, rtol: float = 1e-6) -> str | None:
        """``'lower'``/``'upper'`` if ``x`` sits on that bound (within ``rtol`` in theta)."""
        theta = self.to_theta(x)
        tlo, thi = self.theta_bounds()
        scale = rtol * (1.0 + abs(theta)) if math.isfinite(theta) else 0.0
        if tlo is not None and theta <= tlo + scale:
            return "lower"
        if thi is not None and theta >= thi - scale:
            return "upper"
        if self.transform == "linear":
            span = (self.upper - self.lower) if math.isfinite(self.upper - self.lower) else 1.0
            if math.isfinite(self.lower) and x <= self.lower + rtol * span:
                return "lower"
            if math.isfinite(self.upper) and x >= self.upper - rtol * span:
                return "upper"
        return None


def _require_finite(arr: np.ndarray) -> None:
    """Raise :class:`DataFormatError` naming the first non-finite event time, if any."""
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"{int(bad.sum())} event time(s) are not finite (first at "
                              f"index {i}: {arr[i]!r})", key="times", expected="finite floats")


class EventWindow:
    """Validated event times in the half-open window ``[t0, t1)`` with cached sufficient sums.

    Parameters
    ----------
    times : array_like of float
        Event times on the model's float axis (e.g. days since the window start). They are
        sorted if necessary.
    t0, t1 : float
        Window; every time must satisfy ``t0 <= t < t1``.

    Raises
    ------
    DataFormatError
        If a time is not finite or lies outside the window, or ``t1 <= t0``.
    """

    def __init__(self, times, t0: float, t1: float):
        arr = np.asarray(times, dtype=np.float64).ravel()
        t0 = float(t0)
        t1 = float(t1)
        if not (math.isfinite(t0) and math.isfinite(t1) and t1 > t0):
            raise DataFormatError(f"invalid window [{t0}, {t1})", key="t0/t1",
                                  expected="finite t0 < t1")
        if arr.size > 1:
            # times that never decrease between finite ends are all finite (a NaN compares
            # false, an infinity inside is followed by a smaller time), so sorted input, the
            # common case, needs neither the full finiteness scan nor the sort
            if not (np.logical_and.reduce(arr[:-1] <= arr[1:]) and math.isfinite(arr[0])
                    and math.isfinite(arr[-1])):
                _require_finite(arr)
                arr = np.sort(arr)
        elif arr.size:
            _require_finite(arr)
        if arr.size and (arr[0] < t0 or arr[-1] >= t1):
            outside = (arr < t0) | (arr >= t1)
            raise DataFormatError(
                f"{int(outside.sum())} event time(s) lie outside the window [{t0:g}, {t1:g}) "
                f"(range of times: {arr[0]:g} to {arr[-1]:g})", key="times",
                expected="t0 <= t < t1 (half-open window; widen t1 or drop the events)")
        self.times = arr
        self.t0 = t0
        self.t1 = t1

    @property
    def n(self) -> int:
        return int(self.times.size)

    @property
    def duration(self) -> float:
        return self.t1 - self.t0

    @cached_property
    def n_distinct(self) -> int:
        """Number of distinct event times."""
        times = self.times
        if times.size < 2:
            return int(times.size)
        return int(np.count_nonzero(times[1:] > times[:-1])) + 1     # times are sorted

    @property
    def all_at_one_time(self) -> bool:
        """True when there are events and they all share one time (cheaper than
        ``n_distinct == 1``: the times are sorted, so the ends decide)."""
        return self.times.size > 0 and self.times[0] == self.times[-1]

    @cached_property
    def iol_sums(self) -> lk.LogDistanceSums:
        """Sums over ``t1 - t_i`` (inverse Omori law: offset ``tf - t1``)."""
        return lk.LogDistanceSums((self.t1 - self.times)[::-1], self.duration, presorted=True)

    @cached_property
    def mol_sums(self) -> lk.LogDistanceSums:
        """Sums over ``t_i - t0`` (modified Omori law: offset ``t0 + c``)."""
        return lk.LogDistanceSums(self.times - self.t0, self.duration, presorted=True)


@dataclass
class Optimum:
    """What an optimiser found (internal record turned into a :class:`FitResult`)."""

    x: np.ndarray                 # full natural parameter vector
    loglik: float
    converged: bool
    message: str
    method: str
    n_starts: int = 1
    n_evaluations: int = 0
    x0: list | None = None
    profile: dict | None = None   # {"tf": [...], "loglik": [...]} for a profiled failure time
    profile_fn: Callable | None = None   # s -> (loglik, dloglik) on the offset coordinate
    extra_warnings: list = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Generic optimisers
# --------------------------------------------------------------------------------------------

def _theta_of(params: list[Parameter], free: list[int], x: np.ndarray) -> np.ndarray:
    return np.array([params[i].to_theta(x[i]) for i in free])


@dataclass
class _BoxResult:
    x: np.ndarray
    fun: float
    success: bool
    message: str
    nit: int
    nfev: int


def minimize_box(fun_grad: Callable, x0, lower, upper, *, maxiter: int = 1000,
                 gtol: float = 1e-9, max_step: float = 2.0) -> _BoxResult:
    """Minimise a smooth function with box bounds by projected BFGS.

    ``fun_grad(x) -> (f, g)``; an infeasible point may return ``f >= 1e299``. Variables on a
    bound whose gradient points outwards are held there (active set); the others follow the
    BFGS direction with an Armijo backtracking line search along the projected path. Steps
    are capped at ``max_step`` (unconstrained coordinates are logs, so this is a factor of
    ``e**2``). Converged when the projected gradient is below ``gtol * (1 + |f|)`` or the
    objective stalls at rounding level.

    (scipy's L-BFGS-B has a large per-iteration overhead in this setting, and the problems
    here have at most a handful of parameters.)
    """
    lo = np.array([-np.inf if v is None else v for v in lower], dtype=np.float64)
    hi = np.array([np.inf if v is None else v for v in upper], dtype=np.float64)
    x = np.clip(np.asarray(x0, dtype=np.float64), lo, hi)
    n = x.size
    f, g = fun_grad(x)
    nfev = 1
    if not f < 1e299:
        return _BoxResult(x, f, False, "infeasible start", 0, nfev)
    H = np.eye(n) / max(1.0, float(np.max(np.abs(g))))
    first = True
    stall = 0
    message = "maximum number of iterations reached"
    success = False
    it = 0
    for it in range(1, maxiter + 1):
        at_lo = (x <= lo) & (g > 0)
        at_hi = (x >= hi) & (g < 0)
        free = ~(at_lo | at_hi)
        pg = np.where(free, g, 0.0)
        if np.max(np.abs(pg), initial=0.0) <= gtol * (1.0 + abs(f)):
            message, success = "projected gradient below tolerance", True
            break
        d = np.zeros(n)
        Hf = H[np.ix_(free, free)]
        d[free] = -(Hf @ g[free])
        slope = float(d @ g)
        if not slope < 0:
            H = np.eye(n) / max(1.0, float(np.max(np.abs(pg))))
            d = -H @ pg
            slope = float(d @ g)
        norm = float(np.max(np.abs(d)))
        if norm > max_step:
            d *= max_step / norm
        t = 1.0
        while True:
            x_new = np.clip(x + t * d, lo, hi)
            f_new, g_new = fun_grad(x_new)
            nfev += 1
            if f_new < 1e299 and f_new <= f + 1e-4 * float(g @ (x_new - x)):
                break
            t *= 0.25 if f_new >= 1e299 else 0.5
            if t < 1e-14:
                break
        if t < 1e-14:
            # no descent along the quasi-Newton direction: restart once from steepest descent
            if not np.allclose(H, np.eye(n) * H[0, 0]):
                H = np.eye(n) / max(1.0, float(np.max(np.abs(pg))))
                continue
            message, success = "line search failed (rounding level reached)", True
            break
        s_vec = x_new - x
        y_vec = g_new - g
        if abs(f - f_new) <= 1e-15 * (1.0 + abs(f)):
            stall += 1
        else:
            stall = 0
        x, f, g = x_new, f_new, g_new
        if stall >= 3:
            message, success = "objective change below rounding level", True
            break
        sy = float(s_vec @ y_vec)
        if sy > 1e-12 * float(np.linalg.norm(s_vec) * np.linalg.norm(y_vec)):
            if first:
                H = np.eye(n) * (sy / float(y_vec @ y_vec))
                first = False
            rho = 1.0 / sy
            V = np.eye(n) - rho * np.outer(s_vec, y_vec)
            H = V @ H @ V.T + rho * np.outer(s_vec, s_vec)
    return _BoxResult(x, float(f), success, message, it, nfev)


def multistart_maximize(loglik: Callable, gradient: Callable | None, params: list[Parameter],
                        free: list[int], base: np.ndarray, starts: list[np.ndarray], *,
                        scale_index: int | None = None, n_events: int | None = None,
                        unit_integral: Callable | None = None,
                        maxiter: int = 1000) -> Optimum:
    """Maximise ``loglik(x)`` over the ``free`` entries of ``x`` from several starts.

    Each start (a full natural vector) is mapped to unconstrained coordinates (see
    :class:`Parameter`) and polished by :func:`minimize_box` (projected BFGS) with the
    analytic gradient (chain rule) or, if ``gradient`` is None, central differences. The best
    result is returned.

    If ``scale_index`` is given (a free parameter the rate is proportional to, like ``k``),
    it is profiled out analytically: ``x[scale_index] = n_events / unit_integral(x)`` where
    ``unit_integral`` is the expected number of events with that parameter set to 1. By the
    envelope theorem the gradient of the profile is the full gradient without that entry.
    """
    free = list(free)
    if scale_index is not None and scale_index in free and n_events:
        opt_free = [i for i in free if i != scale_index]
    else:
        scale_index = None
        opt_free = free
    bounds = [params[i].theta_bounds() for i in opt_free]
    n_eval = 0

    def unpack(theta):
        x = base.copy()
        for j, i in enumerate(opt_free):
            x[i] = params[i].from_theta(theta[j])
        if scale_index is not None:
            x[scale_index] = 1.0
            with np.errstate(all="ignore"):
                total = float(unit_integral(x))
            x[scale_index] = n_events / total if total > 0 else np.nan
        return x

    def objective(theta):
        nonlocal n_eval
        n_eval += 1
        zero = np.zeros(len(opt_free))
        x = unpack(theta)
        if not np.all(np.isfinite(x)):
            return 1e300, zero
        with np.errstate(all="ignore"):
            try:
                val = loglik(x)
            except (OverflowError, ZeroDivisionError):
                return 1e300, zero
        if not np.isfinite(val):
            return 1e300, zero
        if gradient is None:
            g = _central_gradient(loglik, x, opt_free, params)
        else:
            with np.errstate(all="ignore"):
                try:
                    g = np.asarray(gradient(x), dtype=np.float64)[opt_free]
                except (OverflowError, ZeroDivisionError):
                    return 1e300, zero
        jac = np.array([params[i].dx_dtheta(x[i]) for i in opt_free])
        gt = -g * jac
        if not np.all(np.isfinite(gt)):
            return 1e300, zero
        return -val, gt

    if not opt_free:
        x = unpack(np.zeros(0))
        with np.errstate(all="ignore"):
            val = float(loglik(x))
        return Optimum(x=x, loglik=val, converged=bool(np.isfinite(val)),
                       message="scale parameter profiled in closed form", method="multistart",
                       n_starts=0, n_evaluations=1)
    best = None
    for start in starts:
        theta0 = _theta_of(params, opt_free, np.asarray(start, dtype=np.float64))
        theta0 = np.array([np.clip(t, lo if lo is not None else -np.inf,
                                   hi if hi is not None else np.inf)
                           for t, (lo, hi) in zip(theta0, bounds)])
        if not np.all(np.isfinite(theta0)):
            continue
        res = minimize_box(objective, theta0, [b[0] for b in bounds], [b[1] for b in bounds],
                           maxiter=maxiter)
        val = -float(res.fun)
        if res.fun >= 1e299:
            continue
        if best is None or val > best[0]:
            best = (val, res)
    if best is None:
        raise FitError("no starting point gave a finite log-likelihood; pass x0= inside the "
                       "parameter bounds")
    val, res = best
    x = unpack(res.x)
    converged = bool(res.success)
    return Optimum(x=x, loglik=val, converged=converged, message=str(res.message),
                   method="multistart", n_starts=len(starts), n_evaluations=n_eval)


def _central_gradient(loglik: Callable, x: np.ndarray, idx: list[int],
                      params: list[Parameter]) -> np.ndarray:
    """Central-difference gradient of ``loglik`` in the natural coordinates ``idx``."""
    g = np.empty(len(idx))
    for j, i in enumerate(idx):
        spec = params[i]
        h = 1e-6 * ((x[i] - spec.anchor) if spec.transform == "log" else max(1.0, abs(x[i])))
        xp = x.copy()
        xm = x.copy()
        xp[i] += h
        xm[i] -= h
        with np.errstate(all="ignore"):
            g[j] = (loglik(xp) - loglik(xm)) / (2.0 * h)
    return g


def legacy_nelder_mead(loglik: Callable, free: list[int], base: np.ndarray,
                       x0) -> Optimum:
    """VarPy 2016's optimiser: Nelder-Mead from ``x0`` with ``fmin`` defaults, no bounds.

    Non-finite negative log-likelihoods become :data:`LEGACY_PENALTY`, as in VarPy's
    likelihood functions.
    """
    free = list(free)
    x0 = np.asarray(x0, dtype=np.float64)
    if x0.size != len(free):
        raise FitError(f"legacy start x0 has {x0.size} values; the model has {len(free)} free "
                       "parameters")
    n_free = len(free)

    def negll(y):
        x = base.copy()
        x[free] = y
        with np.errstate(all="ignore"):
            v = -loglik(x)
        return v if np.isfinite(v) else LEGACY_PENALTY

    res = optimize.minimize(negll, x0, method="Nelder-Mead",
                            options={"xatol": 1e-4, "fatol": 1e-4, "maxiter": 200 * n_free,
                                     "maxfev": 200 * n_free})
    x = base.copy()
    x[free] = res.x
    return Optimum(x=x, loglik=-float(res.fun), converged=bool(res.success),
                   message=str(res.message), method="legacy", n_starts=1,
                   n_evaluations=int(res.nfev), x0=[float(v) for v in x0])


# --------------------------------------------------------------------------------------------
# Power-law profile search (inverse Omori, hyperbolic, modified Omori)
# --------------------------------------------------------------------------------------------

class _PowerLawProfile:
    """Profile log-likelihood of a power law as a function of ``s = log(offset)``."""

    def __init__(self, sums: lk.LogDistanceSums, n: int, T: float, p_fixed: float | None,
                 p_bounds: tuple[float, float]):
        self.sums = sums
        self.n = n
        self.T = T
        self.p_fixed = p_fixed
        self.p_bounds = p_bounds
        self.n_evaluations = 0

    def __call__(self, s, order: int = 1):
        """Profile at ``s = log(offset)``: dict with loglik, k, p, dloglik (d/ds) and, for
        ``order >= 2``, d2loglik. Scalars in, floats out; arrays in, arrays out."""
        if not isinstance(s, float):
            if order >= 2:
                raise ValueError("second derivatives are computed one point at a time")
            delta = np.exp(np.asarray(s, dtype=np.float64))
            self.n_evaluations += int(np.size(s))
            S, S1, _ = self.sums(delta, order=1)
            return lk.power_law_profile(self.n, S, self.T, delta, p=self.p_fixed,
                                        p_bounds=self.p_bounds, S1=S1)
        # one point (the Newton polish and the interval search): pure math, no numpy calls
        # beyond the sums
        delta = math.exp(s)
        self.n_evaluations += 1
        S, S1, S2 = self.sums(delta, order=2 if order >= 2 else 1)
        try:
            out = lk._power_law_profile_s(self.n, S, self.T, delta, self.p_fixed,
                                          self.p_bounds, S1)
        except (OverflowError, ZeroDivisionError, ValueError):
            out = lk.power_law_profile(self.n, S, self.T, delta, p=self.p_fixed,
                                       p_bounds=self.p_bounds, S1=S1)
        if order >= 2:
            out["d2loglik"] = self._curvature(out, S, S1, S2, delta)
        return out

    def _curvature(self, out: dict, S: float, S1: float, S2: float, delta: float) -> float:
        """Second derivative of the profile in ``s`` at one point (``out`` is its profile)."""
        try:
            h00, h01, h02, h11, h12, h22 = lk._power_law_hessian_s(
                float(self.n), S1, S2, self.T, delta, out["k"], out["p"])[3:]
        except (OverflowError, ZeroDivisionError, ValueError):
            _, _, h = lk.power_law_terms(self.n, S, S1, S2, self.T, delta, out["k"], out["p"])
            h00, h01, h02, h11, h12, h22 = (h[0, 0], h[0, 1], h[0, 2], h[1, 1], h[1, 2],
                                            h[2, 2])
        interior = self.p_fixed is None and self.p_bounds[0] < out["p"] < self.p_bounds[1]
        # Schur complement: curvature of the profile in delta, eliminating k (and p)
        hdd = h11 - h01 ** 2 / h00
        if interior:
            hpp = h22 - h02 ** 2 / h00
            hdp = h12 - h01 * h02 / h00
            if hpp < 0:
                hdd -= hdp ** 2 / hpp
        return delta * delta * hdd + out["dloglik"]


def _hermite(x0, x1, f0, f1, d0, d1):
    """Cubic Hermite interpolant on [x0, x1] as coefficients of t = (x - x0) / (x1 - x0)."""
    h = x1 - x0
    return (f0, h * d0, 3.0 * (f1 - f0) - h * (2.0 * d0 + d1),
            2.0 * (f0 - f1) + h * (d0 + d1), h)


def _hermite_argmax(x0, x1, f0, f1, d0, d1) -> float:
    """Where the Hermite cubic through the end values and slopes is largest on [x0, x1]."""
    a, b, c, e, h = _hermite(x0, x1, f0, f1, d0, d1)
    ts = [0.0, 1.0]
    if abs(e) > 1e-300:
        disc = c * c - 3.0 * e * b
        if disc >= 0:
            r = math.sqrt(disc)
            ts += [(-c + r) / (3.0 * e), (-c - r) / (3.0 * e)]
    elif abs(c) > 1e-300:
        ts.append(-b / (2.0 * c))
    ts = [t for t in ts if 0.0 <= t <= 1.0]
    best = max(ts, key=lambda t: a + t * (b + t * (c + t * e)))
    return x0 + best * h


def _hermite_root(x0, x1, f0, f1, d0, d1) -> float:
    """A root of the Hermite cubic in [x0, x1] (``f0`` and ``f1`` of opposite sign)."""
    a, b, c, e, h = _hermite(x0, x1, f0, f1, d0, d1)
    lo, hi = 0.0, 1.0
    # lo only moves to points where the cubic has the sign it has at 0, so that sign is fixed
    positive = a > 0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if (a + mid * (b + mid * (c + mid * e)) > 0) == positive:
            lo = mid
        else:
            hi = mid
    return x0 + 0.5 * (lo + hi) * h


def _maximise_bracketed(prof: _PowerLawProfile, a: float, b: float, s: float,
                        tol: float = 1e-10, maxiter: int = 60):
    """Safeguarded Newton on the derivative of the profile inside [a, b], from ``s``.

    Stops when the step is below ``tol`` (relative), or when Newton is unusable and the
    largest gain still possible inside the bracket, ``|d| (b - a)``, is below 1e-12 of the
    log-likelihood (flat profiles, e.g. with ``p`` on a bound, would otherwise need a long
    bisection for nothing).
    """
    out = None
    for _ in range(maxiter):
        out = prof(s, order=2)
        d = out["dloglik"]
        d2 = out["d2loglik"]
        if d > 0:
            a = s
        else:
            b = s
        new = s - d / d2 if (d2 < 0 and math.isfinite(d2)) else math.nan
        if a < new < b and abs(new - s) < tol * (1.0 + abs(s)):
            # converged: the remaining step changes the log-likelihood by ~ d**2 / |d2|,
            # far below rounding, so the evaluation at s stands
            return s, out
        if not (a < new < b):
            if abs(d) * (b - a) < 1e-12 * max(1.0, abs(out["loglik"])):
                return s, out
            new = 0.5 * (a + b)
        if b - a < tol * (1.0 + abs(s)):
            break
        s = new
    return s, prof(s, order=1)


def _grid_maxima(ll: list, threshold: float) -> list:
    """Indices of the (up to three highest) local maxima of ``ll`` at or above ``threshold``.

    The ends count when they are not below their neighbour (the derivative points outwards);
    on a plateau (e.g. ``p`` clipped at 0 makes the profile flat) only the first point of a run
    is kept.
    """
    last = len(ll) - 1
    cand = []
    prev = -2                     # index of the previous local maximum
    for i in [i for i, v in enumerate(ll) if v >= threshold]:
        v = ll[i]
        if (i == 0 or v >= ll[i - 1]) and (i == last or v >= ll[i + 1]):
            if not (prev == i - 1 and ll[i - 1] == v):
                cand.append(i)
            prev = i
    return sorted(cand, key=lambda i: -ll[i])[:3]


def power_law_search(sums: lk.LogDistanceSums, n: int, T: float, *, p_fixed: float | None,
                     p_bounds: tuple[float, float], offset_bounds: tuple[float, float],
                     extra_offsets=(), points_per_decade: int = 5) -> Optimum:
    """Global maximum of a power-law likelihood over ``(k, offset, p)``.

    ``offset`` is ``tf - t1`` or ``t0 + c``. ``k`` and ``p`` are profiled in closed form; the
    profile in ``s = log(offset)`` is scanned on a grid over ``offset_bounds``
    (``points_per_decade`` points per decade, plus ``extra_offsets``) and every grid maximum
    within 2 log-units of the best is polished by safeguarded Newton iterations (exact
    analytic first and second derivatives). Returns an :class:`Optimum` whose ``x`` is
    ``[k, offset, p]``.
    """
    prof = _PowerLawProfile(sums, n, T, p_fixed, p_bounds)
    s_lo, s_hi = math.log(offset_bounds[0]), math.log(offset_bounds[1])
    n_grid = max(8, int(round((s_hi - s_lo) / math.log(10) * points_per_decade)) + 1)
    # np.linspace's own arithmetic, without its per-call overhead
    grid = np.arange(n_grid, dtype=np.float64) * ((s_hi - s_lo) / (n_grid - 1)) + s_lo
    grid[-1] = s_hi
    extra = [math.log(o) for o in extra_offsets if offset_bounds[0] < o < offset_bounds[1]]
    if extra:
        grid = np.unique(np.r_[grid, extra])
    out = prof(grid, order=1)
    # the selection below walks Python lists: ~60 points, where numpy's per-call cost dominates
    ll_list = out["loglik"].tolist()
    if not all(map(math.isfinite, ll_list)):
        ll_list = [v if math.isfinite(v) else -math.inf for v in ll_list]
    dg = out["dloglik"].tolist()
    s_list = grid.tolist()
    n_grid = len(ll_list)
    best = max(ll_list)
    if best == -math.inf:
        raise FitError("the power-law log-likelihood is not finite anywhere on the search grid")
    cand = _grid_maxima(ll_list, best - 2.0)
    last = n_grid - 1
    results = []
    for i in cand:
        if i == 0 and dg[0] <= 0:
            results.append((s_list[0], ll_list[0], 0, prof(s_list[0], order=1)))
            continue
        if i == last and dg[-1] >= 0:
            results.append((s_list[-1], ll_list[-1], last, prof(s_list[-1], order=1)))
            continue
        a = s_list[max(i - 1, 0)]
        b = s_list[min(i + 1, last)]
        j = i + 1 if dg[i] > 0 else i - 1          # the side the maximum lies on
        j = min(max(j, 0), last)
        lo_i, hi_i = min(i, j), max(i, j)
        start = s_list[i]
        if lo_i != hi_i and math.isfinite(ll_list[lo_i]) and math.isfinite(ll_list[hi_i]):
            start = _hermite_argmax(s_list[lo_i], s_list[hi_i], ll_list[lo_i], ll_list[hi_i],
                                    dg[lo_i], dg[hi_i])
        s, o = _maximise_bracketed(prof, a, b, start)
        results.append((s, float(o["loglik"]), i, o))
    s_best, ll_best, _, final = max(results, key=lambda r: r[1])
    if ll_best < best:            # polishing never loses against the grid
        i = ll_list.index(best)
        s_best, ll_best = s_list[i], best
        final = prof(s_best, order=1)
    x = np.array([float(final["k"]), math.exp(s_best), float(final["p"])])
    # the grid and polished points double as the stored profile of the offset
    return Optimum(x=x, loglik=float(final["loglik"]), converged=True,
                   message=f"profile grid of {n_grid} offsets, {len(cand)} maxima polished",
                   method="profile", n_starts=len(cand), n_evaluations=prof.n_evaluations,
                   profile={"s": s_list, "loglik": ll_list, "dloglik": dg},
                   profile_fn=prof)


# --------------------------------------------------------------------------------------------
# Uncertainty
# --------------------------------------------------------------------------------------------

def observed_information(hessian: np.ndarray, free_idx: list[int]):
    """Covariance (inverse observed information) over ``free_idx``; ``None`` if not PD."""
    if not free_idx:
        return np.zeros((0, 0))
    H = np.asarray(hessian, dtype=np.float64)
    if list(free_idx) != list(range(H.shape[0])):
        H = H[np.ix_(free_idx, free_idx)]
    info = -0.5 * (H + H.T)
    if not np.isfinite(info).all():
        return None
    try:
        chol = np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        return None
    inv_chol = np.linalg.inv(chol)
    return inv_chol.T @ inv_chol


def _crossing(fun, a: float, fa: float, b: float, fb: float, tol: float = 1e-8,
              maxiter: int = 80, guess: float | None = None) -> float:
    """Root of ``fun`` in [a, b] (``fa``, ``fb`` of opposite sign); ``fun(s) -> (f, df|None)``.

    Newton steps when a derivative is given and the step stays inside the bracket, otherwise
    Illinois-type regula falsi with bisection fallback.
    """
    s = b if abs(fb) < abs(fa) else a
    fs = fb if s == b else fa
    df = None
    if guess is not None and min(a, b) < guess < max(a, b):
        s = guess
        fs, df = fun(s)
        if fs == 0:
            return s
        if (fs > 0) == (fa > 0):
            a, fa = s, fs
        else:
            b, fb = s, fs
    for _ in range(maxiter):
        if df is not None and df != 0 and math.isfinite(df):
            new = s - fs / df
            if abs(new - s) < tol * (1 + abs(s)) and min(a, b) <= new <= max(a, b):
                return new          # quadratic convergence: the next step is negligible
        else:
            new = b - fb * (b - a) / (fb - fa) if fb != fa else 0.5 * (a + b)
        lo, hi = min(a, b), max(a, b)
        if not (lo < new < hi) or not math.isfinite(new):
            new = 0.5 * (a + b)
        f_new, df = fun(new)
        if f_new == 0 or abs(new - s) < tol * (1 + abs(new)):
            return new
        if (f_new > 0) == (fa > 0):
            a, fa = new, f_new
            fb *= 0.5 if df is None else 1.0
        else:
            b, fb = new, f_new
            fa *= 0.5 if df is None else 1.0
        s, fs = new, f_new
        if abs(b - a) < tol * (1 + abs(s)):
            return s
    return s


@lru_cache(maxsize=32)
def _chi2_half_quantile(level: float) -> float:
    """Half the ``level`` quantile of chi2 with one degree of freedom (the profile drop)."""
    return 0.5 * float(special.chdtri(1, 1.0 - level))


def _grid_bracket(gs: list, gl: list, s_hat: float, target: float, side: int,
                  increasing: bool = False):
    """Where the grid crosses ``target`` on one side of ``s_hat``.

    Returns ``(has_side, j, jj)``: whether grid points lie on that side; ``j``, the index of
    the grid point below ``target`` nearest to ``s_hat`` in index order (the last such index on
    the left, the first on the right), or None; ``jj``, the grid point at or above ``target``
    between ``j`` and ``s_hat`` nearest to ``j`` (the first such index on the left, the last
    on the right), or None. ``increasing=True`` promises a strictly increasing ``gs``, which
    allows walking outwards from ``s_hat`` instead of scanning the whole grid.
    """
    n = len(gs)
    if increasing:
        return _sorted_grid_bracket(gs, gl, s_hat, target, side)
    side_idx = ([i for i in range(n) if gs[i] < s_hat] if side < 0 else
                [i for i in range(n) if gs[i] > s_hat])
    below = [i for i in side_idx if gl[i] < target]
    if not below:
        return bool(side_idx), None, None
    j = below[-1] if side < 0 else below[0]
    between = [i for i in side_idx if gl[i] >= target
               and (gs[i] > gs[j] if side < 0 else gs[i] < gs[j])]
    if not between:
        return True, j, None
    return True, j, (between[0] if side < 0 else between[-1])


def _sorted_grid_bracket(gs: list, gl: list, s_hat: float, target: float, side: int):
    """:func:`_grid_bracket` for a strictly increasing grid (index order = order of ``s``)."""
    n = len(gs)
    if side < 0:
        stop = bisect.bisect_left(gs, s_hat)             # gs[:stop] < s_hat
        if stop == 0:
            return False, None, None
        j = next((i for i in range(stop - 1, -1, -1) if gl[i] < target), None)
        if j is None:
            return True, None, None
        # every point between j and s_hat is not below target; the first one at or above it
        jj = next((i for i in range(j + 1, stop) if gl[i] >= target), None)
        return True, j, jj
    start = bisect.bisect_right(gs, s_hat)               # gs[start:] > s_hat
    if start == n:
        return False, None, None
    j = next((i for i in range(start, n) if gl[i] < target), None)
    if j is None:
        return True, None, None
    jj = next((i for i in range(j - 1, start - 1, -1) if gl[i] >= target), None)
    return True, j, jj


def profile_interval(profile: Callable, s_hat: float, ll_hat: float, level: float,
                     s_bounds: tuple[float, float], grid_s=None, grid_ll=None,
                     step: float = 0.5, grid_d=None):
    """Profile-likelihood interval on the coordinate ``s`` (e.g. ``log(tf - t1)``).

    ``profile(s)`` returns ``(loglik, dloglik/ds or None)`` maximised over the other
    parameters. The interval is ``{s : 2 (ll_hat - profile(s)) <= chi2_1(level)}``; a side that
    stays above the threshold up to its bound is reported as that bound and ``open`` is True
    for it.

    Returns
    -------
    (s_low, s_high, open_low, open_high, evaluated) where ``evaluated`` lists ``(s, loglik)``.
    """
    target = ll_hat - _chi2_half_quantile(level)
    evaluated = []

    def f(s):
        v, d = profile(s)
        evaluated.append((s, v))
        return v - target, d

    if grid_s is not None:
        # a few dozen points: Python lists beat numpy's per-call cost here
        gs, gl, gd = _as_list(grid_s), _as_list(grid_ll), _as_list(grid_d)
        increasing = _strictly_increasing(gs)
    ends = []
    for side, bound in ((-1, s_bounds[0]), (+1, s_bounds[1])):
        inner, f_inner = s_hat, ll_hat - target
        outer = None
        guess = None
        if grid_s is not None:
            has_side, j, jj = _grid_bracket(gs, gl, s_hat, target, side, increasing)
            if j is not None:
                outer, f_outer = gs[j], gl[j] - target
                if jj is not None:
                    # the inner end tightened to the closest grid point above the threshold
                    inner, f_inner = gs[jj], gl[jj] - target
                    if gd is not None:
                        guess = _hermite_root(inner, outer, f_inner, f_outer, gd[jj], gd[j])
            elif has_side:
                # the grid covers this side up to its bound and never drops below the
                # threshold: the interval is open on this side
                ends.append((bound, True))
                continue
        if outer is None:
            s = s_hat
            h = step
            while True:
                s_next = s + side * h
                if (side < 0 and s_next <= bound) or (side > 0 and s_next >= bound):
                    s_next = bound
                fv, _ = f(s_next)
                if fv < 0:
                    outer, f_outer = s_next, fv
                    break
                inner, f_inner = s_next, fv
                if s_next == bound:
                    break
                s = s_next
                h *= 2.0
        if outer is None:
            ends.append((bound, True))
            continue
        root = _crossing(f, inner, f_inner, outer, f_outer, guess=guess)
        ends.append((root, False))
    return ends[0][0], ends[1][0], ends[0][1], ends[1][1], evaluated


# --------------------------------------------------------------------------------------------
# JSON helpers
# --------------------------------------------------------------------------------------------

# --------------------------------------------------------------------------------------------
# FitResult
# --------------------------------------------------------------------------------------------

def origin_to_json(origin):
    """A result's ``origin`` for JSON: None, an ISO string, an int, or float seconds (non-finite
    encoded as :func:`varpy._json.jsonable` does); anything else as its string."""
    if origin is None or isinstance(origin, (str, int)):
        return origin
    return _enc(origin) if isinstance(origin, float) else str(origin)


def estimates_from_json(d: dict) -> dict:
    """The decoded ``params``, ``stderr`` and ``cov`` of a result's :meth:`to_dict` output."""
    return {"params": {k: _dec(v) for k, v in d["params"].items()},
            "stderr": {k: _dec(v) for k, v in d["stderr"].items()},
            "cov": [[_dec(v) for v in row] for row in d["cov"]]}


@dataclass
class FitResult:
    """Result of fitting a rate model by maximum likelihood.

    Times (``window``, ``tf``, profile values) are on the float axis of the fitted event
    times (for volcanic data usually days since the window start; see ``origin``).

    Attributes
    ----------
    model : str
        Registry name of the model (:func:`varpy.modelling.models.get_model`).
    params : dict
        All parameters (free and fixed), natural scale.
    stderr : dict
        Standard errors (inverse observed information); NaN for fixed parameters, parameters
        at a bound, or when the information matrix is not positive definite.
    fixed : list of str
        Parameters held fixed (e.g. ``["tf"]`` in a retrospective analysis).
    cov, cov_names
        Covariance matrix of the free parameters (row/column order ``cov_names``).
    loglik, aic, bic : float
        Maximised log-likelihood; ``AIC = 2 k - 2 loglik``, ``BIC = k ln N - 2 loglik`` with
        ``k = n_params`` free parameters.
    n_events, window, n_params
    method : str
        ``"profile"``, ``"closed-form"``, ``"multistart"`` or ``"legacy"``.
    converged : bool, message : str, n_starts : int, n_evaluations : int
        Optimiser status.
    warnings : list of str
        Everything that makes the result suspect (non-convergence, parameter at a bound, tf
        just after the last event, p <= 0, no significant acceleration, singular information).
        The same messages were emitted as :class:`varpy.exceptions.FitWarning`.
    tf_ci : (float, float) or None
        Profile-likelihood confidence interval of ``tf`` at ``ci_level``. The lower end is
        ``t1`` itself when failure right after the data cannot be excluded, and the upper end
        is ``inf`` when the profile never falls below the threshold inside the search range.
    profile_tf : dict or None
        ``{"tf": [...], "loglik": [...]}``: the profile log-likelihood of ``tf`` evaluated
        during the fit (sorted by ``tf``).
    mc, mc_method : optional
        Completeness magnitude used to select the events (passed through by the caller).
    origin : str or float, optional
        Zero of the float time axis (a time string or lab seconds), used by
        :meth:`failure_time`.
    x0 : list, optional
        Starting values (legacy mode).
    """

    model: str
    params: dict
    stderr: dict
    fixed: list
    cov: list
    cov_names: list
    loglik: float
    aic: float
    bic: float
    n_params: int
    n_events: int
    window: tuple
    method: str
    converged: bool
    message: str
    n_starts: int = 1
    n_evaluations: int = 0
    warnings: list = field(default_factory=list)
    tf_ci: tuple | None = None
    ci_level: float = 0.95
    profile_tf: dict | None = None
    mc: float | None = None
    mc_method: str | None = None
    origin: Any = None
    x0: list | None = None

    # -------------------------------------------------------------- convenience
    @property
    def tf(self) -> float | None:
        """Failure (or eruption) time on the fitted float axis, or None for models without one."""
        v = self.params.get("tf")
        return None if v is None else float(v)

    @property
    def mode(self) -> str | None:
        """``"forecast"`` (tf estimated), ``"retrospective"`` (tf fixed) or None (no tf)."""
        if "tf" not in self.params:
            return None
        return "retrospective" if "tf" in self.fixed else "forecast"

    @property
    def flagged(self) -> bool:
        """True when :attr:`warnings` is not empty."""
        return bool(self.warnings)

    def failure_time(self, origin=None, calendar: bool = False):
        """The forecast failure time on another scale via ``timeconv.from_float_time``.

        Parameters
        ----------
        origin : time or float, optional
            Zero of the fitted float axis; defaults to :attr:`origin` (and, if that is None, to
            ``from_float_time``'s own default: the Unix epoch for calendar times, 0 otherwise).
        calendar : bool
            Return a UTC ``pandas.Timestamp`` (True) or a float (False): ``origin + tf`` for a
            numeric origin (lab seconds), and ``tf`` itself (days since the origin) when the
            origin is a calendar time.

        Returns None for models without a failure time.
        """
        from varpy.management.timeconv import from_float_time

        if self.tf is None:
            return None
        ref = self.origin if origin is None else origin
        if not calendar and ref is not None and not isinstance(ref, (int, float, np.number)):
            return float(self.tf)
        out = from_float_time(self.tf, ref, calendar=calendar)
        return out if calendar else float(out)

    def wald_ci(self, level: float | None = None, scale: str = "natural") -> dict:
        """Wald intervals of the free parameters.

        ``scale="natural"``: ``estimate +- z se``. ``scale="log"``: the interval is built on
        the optimiser's coordinate (``log k``, ``log(tf - t1)``, ``log(t0 + c)``; linear
        parameters such as ``p`` unchanged) with the delta-method error ``se / (x - anchor)``
        and mapped back; it respects the bounds and covers better for skewed estimates such as
        ``k`` of the inverse Omori law.
        """
        level = self.ci_level if level is None else level
        z = stats.norm.ppf(0.5 + level / 2.0)
        if scale not in ("natural", "log"):
            raise ValueError(f"scale must be 'natural' or 'log', not {scale!r}")
        specs = {}
        if scale == "log":
            specs = {p.name: p for p in self._model().parameters(*self.window)}
        out = {}
        for name in self.cov_names:
            x, se = self.params[name], self.stderr[name]
            spec = specs.get(name)
            if spec is not None and spec.transform == "log" and x > spec.anchor:
                d = x - spec.anchor
                w = min(z * se / d, 700.0)
                out[name] = (spec.anchor + d * math.exp(-w), spec.anchor + d * math.exp(w))
            else:
                out[name] = (x - z * se, x + z * se)
        return out

    def prob_failure_before(self, horizon: float, method: str = "profile") -> float:
        """Probability that the failure time is earlier than ``horizon`` (fitted float axis).

        ``method="profile"`` (default) uses the signed root of the profile likelihood ratio,
        ``r(tf) = sign(tf - tf_hat) sqrt(2 (l_max - l_p(tf)))``, and returns
        ``Phi(r(horizon))``: the asymptotic *confidence distribution* of ``tf`` whose central
        intervals are exactly the profile-likelihood intervals (so
        ``prob_failure_before(tf_ci[1]) = (1 + ci_level) / 2``). ``r`` is interpolated
        linearly in ``log(tf - t1)`` between the profile points stored at fit time. Beyond
        the search range the end value is used, so probability mass the data cannot
        distinguish from "never" stays below 1.
        ``method="wald"`` uses the normal approximation ``Phi((horizon - tf_hat) / se_tf)``.

        This is a frequentist confidence level, not a Bayesian posterior probability. Because
        the model requires ``tf > t1``, the probability is 0 for ``horizon <= t1``.
        """
        if self.tf is None:
            raise FitError(f"model {self.model!r} has no failure time")
        if "tf" in self.fixed:
            raise FitError("tf was fixed (retrospective analysis), not estimated")
        t1 = float(self.window[1])
        if horizon <= t1:
            return 0.0
        if method == "wald":
            se = self.stderr.get("tf", math.nan)
            if not se > 0:
                return math.nan
            return float(stats.norm.cdf((horizon - self.tf) / se))
        if method != "profile":
            raise ValueError(f"method must be 'profile' or 'wald', not {method!r}")
        if not self.profile_tf:
            return math.nan
        tf = np.asarray(self.profile_tf["tf"], dtype=np.float64)
        ll = np.asarray(self.profile_tf["loglik"], dtype=np.float64)
        ok = np.isfinite(ll) & (tf > t1)
        s = np.log(tf[ok] - t1)
        r = np.sign(tf[ok] - self.tf) * np.sqrt(2.0 * np.maximum(self.loglik - ll[ok], 0.0))
        order = np.argsort(s)
        s, r = s[order], r[order]
        r = np.maximum.accumulate(r)          # the signed root is monotone in tf
        val = float(np.interp(math.log(horizon - t1), s, r))
        return float(stats.norm.cdf(val))

    # model delegates -----------------------------------------------------------------------
    def _model(self):
        from varpy.modelling.models import get_model

        return get_model(self.model)

    def rate(self, t):
        """The fitted rate at times ``t``."""
        return self._model().rate(t, self.params)

    def integral(self, a, b):
        """Expected number of events in ``[a, b]`` under the fitted model (vectorised)."""
        return self._model().integral(a, b, self.params)

    def residuals(self, times):
        """Time-rescaling residuals of ``times`` (see :mod:`varpy.statistics.residuals`)."""
        from varpy.statistics.residuals import time_rescaling

        model = self._model()
        t0, t1 = self.window
        return time_rescaling(times, t0, t1, lambda a, b: model.integral(a, b, self.params))

    # text and serialisation ----------------------------------------------------------------
    def summary(self) -> str:
        """Human-readable table of the fit."""
        t0, t1 = self.window
        lines = [f"Rate model fit: {self.model} ({self.method}"
                 + (f", {self.mode}" if self.mode else "") + ")",
                 f"  events: {self.n_events} in [{t0:g}, {t1:g})"
                 + (f", Mc = {self.mc:g}" if self.mc is not None else "")
                 + (f" ({self.mc_method})" if self.mc_method else ""),
                 f"  log-likelihood: {self.loglik:.6f}   AIC: {self.aic:.4f}   "
                 f"BIC: {self.bic:.4f}",
                 f"  {'parameter':<10} {'estimate':>16} {'std. error':>14}"]
        for name, value in self.params.items():
            se = self.stderr.get(name, math.nan)
            tag = " (fixed)" if name in self.fixed else ""
            lines.append(f"  {name:<10} {value:>16.6g} {se:>14.4g}{tag}")
        if self.tf_ci is not None:
            lines.append(f"  tf {100 * self.ci_level:g}% profile CI: "
                         f"[{self.tf_ci[0]:.6g}, {self.tf_ci[1]:.6g}]")
        status = "converged" if self.converged else "NOT converged"
        lines.append(f"  optimiser: {status} ({self.message}); starts: {self.n_starts}, "
                     f"evaluations: {self.n_evaluations}")
        for w in self.warnings:
            lines.append(f"  WARNING: {w}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-able dict (NaN as None, infinities as ``"inf"``/``"-inf"``)."""
        out = {f.name: _enc(getattr(self, f.name)) for f in fields(self) if f.name != "origin"}
        out["origin"] = origin_to_json(self.origin)
        json.dumps(out)          # fail here, not in the caller's writer
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "FitResult":
        """Inverse of :meth:`to_dict`."""
        kw = {**d, **estimates_from_json(d)}
        for key in ("loglik", "aic", "bic", "ci_level"):
            kw[key] = _dec(d[key])
        kw["window"] = tuple(_dec(v) for v in d["window"])
        kw["fixed"] = list(d["fixed"])
        kw["cov_names"] = list(d["cov_names"])
        kw["warnings"] = list(d.get("warnings", []))
        kw["tf_ci"] = None if d.get("tf_ci") is None else tuple(_dec(v) for v in d["tf_ci"])
        if d.get("profile_tf") is not None:
            kw["profile_tf"] = {k: [_dec(v) for v in vals]
                                for k, vals in d["profile_tf"].items()}
        if d.get("mc") is not None:
            kw["mc"] = _dec(d["mc"])
        if d.get("x0") is not None:
            kw["x0"] = [_dec(v) for v in d["x0"]]
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in kw.items() if k in names})


# --------------------------------------------------------------------------------------------
# Assembling a result
# --------------------------------------------------------------------------------------------

def _tf_profile_function(model, window: EventWindow, fixed: dict, opt: Optimum):
    """``s -> (profile loglik, derivative or None)`` for ``s = log(tf - t1)``, or None."""
    prof = opt.profile_fn if model.profile_offset == "tf" else None
    if prof is None:
        prof = model._fast_tf_profile(window, fixed)
    if prof is not None:

        def fn(s):
            out = prof(float(s), order=1)
            return out["loglik"], out["dloglik"]

        return fn
    return model._generic_tf_profile(window, fixed, opt)


def build_result(model, window: EventWindow, opt: Optimum, fixed: dict, *,
                 ci_level: float = 0.95, mc=None, mc_method=None, origin=None,
                 warn: bool = True) -> FitResult:
    """Turn an :class:`Optimum` into a :class:`FitResult` (errors, CI, flags, warnings)."""
    names = list(model.param_names)
    x = np.asarray(opt.x, dtype=np.float64)
    values = x.tolist()           # the checks below are scalar work: Python floats are cheaper
    params_spec = model.parameters(window.t0, window.t1)
    free = [i for i, nm in enumerate(names) if nm not in fixed]
    flags = list(opt.extra_warnings)
    if not opt.converged:
        flags.append(f"optimizer did not converge: {opt.message}")

    # parameters at a bound / outside the physical domain -------------------------------
    at_bound = []
    if opt.method == "legacy":
        flags.extend(model.domain_messages(x, window))
    else:
        for i in free:
            spec = params_spec[i]
            where = spec.at_bound(values[i])
            if where:
                at_bound.append(i)
                flags.append(model.bound_message(spec, where, x[i], window))

    # observed information on the natural scale -----------------------------------------
    interior = [i for i in free if i not in at_bound]
    cov = None
    hess = None
    finite_ll = math.isfinite(opt.loglik)
    if finite_ll:
        with np.errstate(all="ignore"):
            try:
                hess = model.hessian(window.times, window.t0, window.t1, x)
            except (ValueError, FloatingPointError, ZeroDivisionError) as exc:
                logger.debug("Hessian failed: %s", exc)
                hess = None
    if hess is not None:
        cov = observed_information(hess, interior)
    stderr = dict.fromkeys(names, math.nan)
    if cov is None:
        cov_out = [[math.nan] * len(interior) for _ in interior]
        if interior:
            flags.append("observed information is not positive definite at the optimum; "
                         "standard errors are unavailable (flat or non-maximal likelihood)")
    else:
        cov_out = cov.tolist()
        for j, i in enumerate(interior):
            var = cov_out[j][j]
            stderr[names[i]] = math.sqrt(var) if var >= 0 else math.nan

    # failure-time specifics -------------------------------------------------------------
    params = dict(zip(names, values))
    tf_ci = None
    profile_tf = None
    if "tf" in names:
        tf = params["tf"]
        if window.n and tf > window.t1 and tf - window.times[-1] < 0.01 * window.duration:
            flags.append(f"tf = {tf:.6g} is only {tf - window.times[-1]:.3g} after the last "
                         f"event (< 1% of the window): a singularity fitted to the last events, "
                         "not a forecast")
        if "tf" not in fixed and opt.method != "legacy" and finite_ll:
            tf_ci, profile_tf, ci_flags = _tf_interval(model, window, fixed, opt, ci_level,
                                                       params_spec)
            flags.extend(ci_flags)
    flags.extend(model.extra_checks(window, params, fixed, opt))

    k = len(free)
    n = window.n
    ll = float(opt.loglik)
    result = FitResult(
        model=model.name, params=params, stderr=stderr, fixed=sorted(fixed),
        cov=cov_out, cov_names=[names[i] for i in interior], loglik=ll,
        aic=2 * k - 2 * ll, bic=k * math.log(n) - 2 * ll if n > 0 else math.nan,
        n_params=k, n_events=n, window=(window.t0, window.t1), method=opt.method,
        converged=bool(opt.converged), message=opt.message, n_starts=int(opt.n_starts),
        n_evaluations=int(opt.n_evaluations), warnings=flags, tf_ci=tf_ci,
        ci_level=float(ci_level), profile_tf=profile_tf,
        mc=None if mc is None else float(mc), mc_method=mc_method,
        origin=origin if origin is None or isinstance(origin, (str, int, float)) else str(origin),
        x0=opt.x0)
    if warn:
        for msg in flags:
            warnings.warn(f"{model.name}: {msg}", FitWarning, stacklevel=3)
    return result


def _tf_interval(model, window: EventWindow, fixed: dict, opt: Optimum, level: float,
                 params_spec: list[Parameter] | None = None):
    flags = []
    itf = list(model.param_names).index("tf")
    if params_spec is None:
        params_spec = model.parameters(window.t0, window.t1)
    spec = params_spec[itf]
    t1 = window.t1
    tf = float(opt.x[itf])
    s_hat = math.log(tf - t1)
    s_bounds = (math.log(spec.lower - t1), math.log(spec.upper - t1))
    fn = _tf_profile_function(model, window, fixed, opt)
    if fn is None:
        return None, None, flags
    grid_s = grid_ll = grid_d = None
    if opt.profile is not None and model.profile_offset == "tf":
        grid_s = opt.profile["s"]
        grid_ll = opt.profile["loglik"]
        grid_d = opt.profile.get("dloglik")
    s_lo, s_hi, open_lo, open_hi, evaluated = profile_interval(
        fn, s_hat, opt.loglik, level, s_bounds, grid_s, grid_ll, grid_d=grid_d)
    # an interval open at the lower end is reported as starting at t1 itself: a failure
    # immediately after the data cannot be excluded (not a defect of the fit, so no warning)
    lo = t1 if open_lo else t1 + math.exp(s_lo)
    hi = math.inf if open_hi else t1 + math.exp(s_hi)
    s_sorted, l_sorted = _merge_profile_points(evaluated + [(s_hat, opt.loglik)],
                                               _as_list(grid_s), _as_list(grid_ll))
    profile_tf = {"tf": (t1 + np.exp(np.array(s_sorted))).tolist(),
                  "loglik": np.array(l_sorted, dtype=np.float64).tolist()}
    return (lo, hi), profile_tf, flags


def _merge_profile_points(points: list, grid_s: list | None, grid_ll: list | None):
    """All profile points sorted by ``s``; of points with equal ``s`` the first one counts.

    ``points`` (``(s, loglik)`` pairs, in order of precedence) come before the grid. The
    search grid is strictly increasing, so the few extra points are inserted by bisection;
    any other grid goes through a dict.
    """
    if grid_s is None:
        grid_s = grid_ll = []
    if _strictly_increasing(grid_s):
        s_out = list(grid_s)
        l_out = list(grid_ll)
        # insert in reverse so that earlier points overwrite later ones at equal s
        for s, v in reversed(points):
            i = bisect.bisect_left(s_out, s)
            if i < len(s_out) and s_out[i] == s:
                l_out[i] = v
            else:
                s_out.insert(i, s)
                l_out.insert(i, v)
        return s_out, l_out
    merged = dict(zip(reversed(grid_s), reversed(grid_ll)))
    merged.update(reversed(points))
    s_out, l_out = zip(*sorted(merged.items()))
    return list(s_out), list(l_out)


def _strictly_increasing(values: list) -> bool:
    return all(map(operator.lt, values, values[1:]))


def _as_list(values) -> list | None:
    """``values`` as a list of floats (lists, the search's own format, pass unchanged)."""
    if values is None or isinstance(values, list):
        return values
    return np.asarray(values, dtype=np.float64).tolist()
