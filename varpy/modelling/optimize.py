"""Generic likelihood optimisers: projected-BFGS box search, multistart, VarPy-2016 Nelder-Mead.

:func:`minimize_box` minimises on a box with analytic gradients; :func:`multistart_maximize`
maximises a log-likelihood from several starts in the unconstrained coordinates of the
:class:`~varpy.modelling.events.Parameter` s (profiling a rate scale when the model declares
one); :func:`legacy_nelder_mead` reproduces VarPy 2016's unbounded Nelder-Mead. All return an
:class:`~varpy.modelling.events.Optimum`. Re-exported by :mod:`varpy.modelling.fitting`.

May import: numpy, scipy, :mod:`varpy.exceptions`, :mod:`varpy.modelling.events`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import optimize

from varpy.exceptions import FitError
from varpy.modelling.events import Optimum, Parameter

__all__ = ["LEGACY_PENALTY", "minimize_box", "multistart_maximize", "legacy_nelder_mead"]


#: Value VarPy 2016 returned for a non-finite negative log-likelihood.
LEGACY_PENALTY = 1e15


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
