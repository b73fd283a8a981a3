"""Failure-time forecasts under clustering: the inverse Omori law as the background of ETAS.

The plain inverse-Omori fit (:class:`varpy.modelling.models.InverseOmori`) treats events as an
inhomogeneous *Poisson* process; its profile-likelihood interval of ``tf`` assumes the events
are independent. Real precursory sequences are clustered (aftershocks, bursts of acoustic
emissions), which makes that interval too narrow. This module gives two alternatives:

:func:`fit_clustered`
    Maximum likelihood of the *clustered inverse Omori* model (background ``k (tf - t)^-p``,
    every event triggering Omori-Utsu aftershocks ``K exp(alpha (m - Mc)) (t - t_i + c)^-q``;
    likelihood in :mod:`varpy.statistics.clustered_likelihood`), with the standard errors of
    all seven parameters, the branching ratio with its standard error, and the profile-
    likelihood interval of ``tf`` under this likelihood (``ci_method="clustered"``).
:func:`varpy.simulation.clustered.bootstrap_tf_interval`
    A parametric bootstrap (in the simulation layer, since it simulates): catalogues are simulated from the fitted clustered model on the
    observed window (:func:`varpy.simulation.etas.simulate_etas` with an inverse-Omori
    background), ``tf`` is re-estimated on each (by default with the plain inverse-Omori fit,
    the estimator whose uncertainty is wanted), and the interval is read from the spread of
    the re-estimates in ``log(tf - t1)`` (``ci_method="bootstrap"``). Seeded through
    :func:`varpy.parallel.spawn_seeds` and run through :func:`varpy.parallel.map_tasks`, so
    results are identical serially and on any executor.

Both return a :class:`ClusteredFitResult`, whose ``status`` says when no interval can be
trusted (``"too-few-events"``, ``"no-acceleration"``, ``"tf-at-bound"``, ``"not-converged"``,
``"unbounded"``); such results never carry a finite interval silently.

Optimisation
------------
The seven parameters are optimised by projected, Levenberg-damped Newton steps with the exact
Hessian (``_newton_box``) in the coordinates
``log k, log(tf - t1), p, eta, alpha, log c, q``, where ``eta = K mean(a) F(T)`` is the mean
number of direct offspring per event within one window length (``a = exp(alpha (m - Mc))``,
``F(T) = int_0^T (s + c)^-q ds``); ``eta = 0`` (no triggering) is a bound, not a singularity.
One start is the plain inverse-Omori optimum with ``eta = 0``, so the fit is never worse in
log-likelihood than the Poisson fit; another starts with ``eta = 0.3``.

The result class lives in :mod:`varpy.modelling.clustered_result` (re-exported here).
May import: :mod:`varpy.statistics.clustered_likelihood`, :mod:`varpy.exceptions` and the
modelling modules ``events``, ``fitting``, ``profile`` and ``clustered_result``; never
:mod:`varpy.simulation` (the bootstrap, which simulates, lives there).

Examples
--------
>>> import numpy as np
>>> from varpy.simulation.etas import simulate_etas
>>> from varpy.simulation.point_process import InverseOmoriRate
>>> cat = simulate_etas(InverseOmoriRate(20.0, 100.0, 1.0), k=0.02, alpha=1.0, c=0.01,
...                     p=1.2, t_end=95.0, seed=1)
>>> fit = fit_clustered(cat.time.to_numpy(), 0.0, 95.0, cat.magnitude.to_numpy(), mc=0.0,
...                     warn=False)
>>> fit.status, fit.tf_ci[0] < 100.0 < fit.tf_ci[1]
('ok', True)
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from varpy.exceptions import DataFormatError, FitError, FitWarning
from varpy.modelling.clustered_result import ClusteredFitResult
from varpy.modelling.events import OFFSET_RANGE, P_RANGE, EventWindow
from varpy.modelling.fitting import observed_information
from varpy.modelling.profile import profile_interval
from varpy.statistics import clustered_likelihood as cl

__all__ = [
    "ClusteredFitResult",
    "fit_clustered",
    "MIN_EVENTS",
]

#: Fewer events than this give status "too-few-events" and no interval.
MIN_EVENTS = 20
#: Bounds of the window-horizon productivity eta and of alpha.
ETA_RANGE = (0.0, 2.0)
ALPHA_RANGE = (0.0, 3.5)
#: Newton iterations of one joint fit before the profile fallback (:func:`_maximise_profile`).
JOINT_MAXITER = 80
#: Refits from a profile point above the optimum before the interval is given as it is.
MAX_RESTARTS = 2
#: Points of the fallback's scan over ``log(tf - t1)``.
PROFILE_SCAN = 13
#: Fractions of the way from the estimate to each end of the interval where the profile of tf
#: is evaluated as well (for the forecast distribution at other levels than ``ci_level``).
INNER_PROFILE_POINTS = (0.5, 0.84)

NAMES = cl.PARAM_NAMES


# --------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------

class _Problem:
    """The clustered likelihood in optimiser coordinates, with some parameters fixed."""

    def __init__(self, sums: cl.TriggerSums, fixed: dict):
        self.sums = sums
        self.fixed = fixed
        T = sums.T
        self.T = T
        self.t1 = sums.t1
        c_lo, c_hi = sums.c_bounds
        self.lower = [None, math.log(OFFSET_RANGE[0] * T), P_RANGE[0], ETA_RANGE[0],
                      ALPHA_RANGE[0], math.log(c_lo), cl.Q_RANGE[0]]
        self.upper = [None, math.log(OFFSET_RANGE[1] * T), P_RANGE[1], ETA_RANGE[1],
                      ALPHA_RANGE[1], math.log(c_hi), cl.Q_RANGE[1]]
        self.n_eval = 0

    def _G(self, alpha, c, q, order: int = 1):
        """``G = mean(a) F(T)``, ``d ln G / d(alpha, c, q)`` and (``order=2``) its Hessian."""
        a = np.exp(alpha * self.sums.marks)
        F, dF, d2F = (v[-1] for v in self.sums.window_integrals(c, q))
        mu = self.sums.marks
        sa = float(a.sum())
        m1 = float(a @ mu) / sa
        G = sa / max(self.sums.n, 1) * float(F)
        dlnG = np.array([m1, dF[0] / F, dF[1] / F])
        if order < 2:
            return G, dlnG
        h = np.zeros((3, 3))
        h[0, 0] = float(a @ (mu * mu)) / sa - m1 * m1
        h[1:, 1:] = d2F / F - np.outer(dF, dF) / (F * F)
        return G, dlnG, h

    def natural(self, theta, with_G: bool = False):
        """Natural parameter vector of ``theta`` (optimiser coordinates)."""
        lk_, ls, p, eta, alpha, lc, q = theta
        c = math.exp(lc)
        G, dlnG = self._G(alpha, c, q)
        x = np.array([math.exp(lk_), self.t1 + math.exp(ls), p, eta / G, alpha, c, q])
        return (x, G, dlnG) if with_G else x

    def theta(self, x):
        k, tf, p, K, alpha, c, q = x
        G, _ = self._G(alpha, c, q)
        return np.array([math.log(k), math.log(tf - self.t1), p, K * G, alpha, math.log(c), q])

    def objective(self, theta, free):
        """``(-loglik, -gradient)`` in the free optimiser coordinates (for first-order
        optimisers, e.g. the scipy comparison in the tests)."""
        self.n_eval += 1
        with np.errstate(all="ignore"):
            try:
                x, G, dlnG = self.natural(theta, with_G=True)
                ll, g, _ = cl.loglik_terms(self.sums, x, order=1)
            except (OverflowError, ValueError, ZeroDivisionError):
                return 1e300, np.zeros(len(free))
        if not math.isfinite(ll) or not np.all(np.isfinite(g)):
            return 1e300, np.zeros(len(free))
        k, tf, p, K, alpha, c, q = x
        # chain rule: K = eta / G(alpha, c, q)
        gt = np.array([g[0] * k, g[1] * (tf - self.t1), g[2], g[3] / G,
                       g[4] - g[3] * K * dlnG[0], (g[5] - g[3] * K * dlnG[1]) * c,
                       g[6] - g[3] * K * dlnG[2]])
        return -ll, -gt[free]

    def fgh(self, theta, free, order: int = 2):
        """``(-loglik, -gradient, -Hessian)`` in the free optimiser coordinates."""
        self.n_eval += 1
        m = len(free)
        bad = (1e300, np.zeros(m), np.zeros((m, m)))
        lk_, ls, p, eta, alpha, lc, q = theta
        c = math.exp(lc)
        with np.errstate(all="ignore"):
            try:
                G, dlnG, hG = self._G(alpha, c, q, order=2)
                x = np.array([math.exp(lk_), self.t1 + math.exp(ls), p, eta / G, alpha, c, q])
                ll, g, H = cl.loglik_terms(self.sums, x, order=order)
            except (OverflowError, ValueError, ZeroDivisionError):
                return bad
        if order == 0:
            return (-ll if math.isfinite(ll) else 1e300), None, None
        if not (math.isfinite(ll) and np.all(np.isfinite(g))):
            return bad
        k, tf, _, K, _, _, _ = x
        # Jacobian dx/dtheta; K = eta exp(-ln G(alpha, log c, q))
        Gt = np.array([dlnG[0], c * dlnG[1], dlnG[2]])          # d lnG / d(alpha, lc, q)
        J = np.diag([k, tf - self.t1, 1.0, 0.0, 1.0, c, 1.0])
        J[3, 3] = 1.0 / G
        J[3, [4, 5, 6]] = -K * Gt
        gt = J.T @ g
        if order < 2 or H is None:
            return -ll, -gt[free], None
        if not np.all(np.isfinite(H)):
            return bad
        Ht = J.T @ H @ J
        # second derivatives of the coordinate maps, weighted by the gradient
        Ht[0, 0] += g[0] * k
        Ht[1, 1] += g[1] * (tf - self.t1)
        Ht[5, 5] += g[5] * c
        Gtt = np.array(hG)
        Gtt[1, 1] = c * c * hG[1, 1] + c * dlnG[1]
        Gtt[1, 2] = Gtt[2, 1] = c * hG[1, 2]
        idx = [4, 5, 6]
        KH = np.zeros((7, 7))
        KH[3, idx] = KH[idx, 3] = -Gt / G
        KH[np.ix_(idx, idx)] = K * (np.outer(Gt, Gt) - Gtt)
        Ht += g[3] * KH
        return -ll, -gt[free], -Ht[np.ix_(free, free)]

    def newton(self, theta0, free, maxiter=200):
        """Maximise over ``free`` by :func:`_newton_box` from ``theta0``."""
        theta0 = np.asarray(theta0, dtype=np.float64)

        def fgh(y, order):
            th = theta0.copy()
            th[free] = y
            return self.fgh(th, free, order)

        lo = np.array([-np.inf if self.lower[i] is None else self.lower[i] for i in free])
        hi = np.array([np.inf if self.upper[i] is None else self.upper[i] for i in free])
        y, f, ok, msg = _newton_box(fgh, theta0[free], lo, hi, maxiter=maxiter)
        th = theta0.copy()
        th[free] = y
        return th, -f, ok, msg


def _newton_box(fgh, x0, lo, hi, *, maxiter=200, gtol=1e-7, max_step=2.0):
    """Minimise with box bounds by projected, Levenberg-damped Newton steps.

    ``fgh(x, order)`` returns ``(f, g, H)`` (``order=0``: only ``f``). Variables on a bound
    whose gradient points outwards are held there; the others take the Newton step of the
    damped Hessian ``H + mu I`` (``mu`` raised until it is positive definite), capped at
    ``max_step`` and backtracked along the projected path until ``f`` decreases (Armijo).
    Converged when the projected gradient is below ``gtol (1 + |f|)`` or ``f`` stalls at
    rounding level. Returns ``(x, f, converged, message)``.
    """
    x = np.clip(np.asarray(x0, dtype=np.float64), lo, hi)
    f, g, H = fgh(x, 2)
    if not f < 1e299:
        return x, f, False, "infeasible start"
    mu = 0.0
    stall = 0
    for _ in range(maxiter):
        free = ~(((x <= lo) & (g > 0)) | ((x >= hi) & (g < 0)))
        pg = np.where(free, g, 0.0)
        if np.max(np.abs(pg), initial=0.0) <= gtol * (1.0 + abs(f)):
            return x, f, True, "projected gradient below tolerance"
        Hf = H[np.ix_(free, free)]
        gf = g[free]
        scale = max(1e-12, float(np.max(np.abs(np.diag(Hf))))) if Hf.size else 1.0
        mu_try = mu
        while True:
            try:
                L = np.linalg.cholesky(Hf + mu_try * scale * np.eye(Hf.shape[0]))
                break
            except np.linalg.LinAlgError:
                mu_try = 1e-8 if mu_try == 0 else mu_try * 10.0
                if mu_try > 1e12:
                    return x, f, False, "Hessian could not be regularised"
        d_free = -np.linalg.solve(L.T, np.linalg.solve(L, gf))
        d = np.zeros_like(x)
        d[free] = d_free
        norm = float(np.max(np.abs(d)))
        if norm > max_step:
            d *= max_step / norm
        t = 1.0
        while True:
            x_new = np.clip(x + t * d, lo, hi)
            f_new = fgh(x_new, 0)[0]
            if f_new < 1e299 and f_new <= f + 1e-4 * float(g @ (x_new - x)):
                break
            t *= 0.5
            if t < 1e-10:
                break
        if t < 1e-10:
            if mu_try < 1e6:
                mu = max(1e-6, mu_try * 100.0)
                continue
            return x, f, True, "no further descent (rounding level)"
        mu = mu_try / 10.0 if t == 1.0 else min(1e6, max(1e-6, mu_try * 10.0))
        if mu < 1e-8:
            mu = 0.0
        stall = stall + 1 if abs(f - f_new) <= 1e-14 * (1.0 + abs(f)) else 0
        x = x_new
        f, g, H = fgh(x, 2)
        if stall >= 3:
            return x, f, True, "objective change below rounding level"
    return x, f, False, "maximum number of iterations reached"


def _too_few(n, window, mc, fixed, ci_method, level, origin, loglik_poisson=math.nan):
    nan = dict.fromkeys(NAMES, math.nan)
    return ClusteredFitResult(
        params=nan, stderr=dict(nan), fixed=sorted(fixed), cov=[], cov_names=[],
        loglik=math.nan, loglik_poisson=loglik_poisson, n_events=n, window=window, mc=mc,
        branching_ratio=math.nan, branching_se=math.nan, ci_method=ci_method, ci_level=level,
        status="too-few-events", converged=False,
        message=f"{n} events; the clustered model needs at least {MIN_EVENTS}",
        warnings=[f"too few events ({n} < {MIN_EVENTS}): no fit and no interval"],
        origin=origin)


def _branching(x, cov, cov_names, marks):
    """Branching ratio ``K E[a] c^(1-q)/(q-1)`` and its delta-method standard error."""
    k, tf, p, K, alpha, c, q = x
    if K <= 0:
        return 0.0, math.nan
    if q <= 1:
        return math.inf, math.nan
    a = np.exp(alpha * marks)
    Ea = float(a.mean())
    nb = K * Ea * c ** (1.0 - q) / (q - 1.0)
    grad = {"K": nb / K, "alpha": nb * float((a * marks).mean()) / Ea,
            "c": nb * (1.0 - q) / c, "q": nb * (-math.log(c) - 1.0 / (q - 1.0))}
    idx = [i for i, nm in enumerate(cov_names) if nm in grad]
    if not cov or len(idx) < 4:
        return nb, math.nan
    C = np.asarray(cov, dtype=np.float64)
    gv = np.array([grad[cov_names[i]] for i in idx])
    var = float(gv @ C[np.ix_(idx, idx)] @ gv)
    return nb, math.sqrt(var) if var >= 0 else math.nan


def fit_clustered(times, t0: float, t1: float, magnitudes=None, *, mc: float | None = None,
                  fixed: dict | None = None, ci_level: float = 0.95, interval: bool = True,
                  method: str = "auto", origin=None, warn: bool = True) -> ClusteredFitResult:
    """Fit the clustered inverse Omori model by maximum likelihood.

    Parameters
    ----------
    times : array_like
        Event times in ``[t0, t1)`` (float axis, e.g. days).
    t0, t1 : float
        Window.
    magnitudes : array_like, optional
        Magnitudes (same length). Without them ``alpha`` is fixed at 0 (every event equally
        productive).
    mc : float, optional
        Reference magnitude of the productivity (default: the smallest magnitude).
    fixed : dict, optional
        Parameters held fixed, e.g. ``{"K": 0.0}`` (the plain inverse Omori law: then
        ``alpha, c, q`` are fixed too) or ``{"tf": 120.0}``.
    ci_level : float
        Level of the profile-likelihood interval of ``tf``.
    interval : bool
        Compute the profile interval (the costly part: one refit per profile point).
    method : {"auto", "exact", "expansion"}
        Triggering sums (:class:`varpy.statistics.clustered_likelihood.TriggerSums`).
    origin : optional
        Zero of the float time axis, passed through.
    warn : bool
        Emit the result's warnings as :class:`~varpy.exceptions.FitWarning`.

    Returns
    -------
    ClusteredFitResult
        With ``ci_method="clustered"``.
    """
    from varpy.modelling.models import get_model

    window = EventWindow(times, t0, t1)
    n = window.n
    fixed = dict(fixed or {})
    unknown = [k for k in fixed if k not in NAMES]
    if unknown:
        raise DataFormatError(f"the clustered model has no parameter {unknown[0]!r}",
                              key=unknown[0], expected=f"one of {list(NAMES)}")
    if magnitudes is None:
        marks = np.zeros(n)
        fixed.setdefault("alpha", 0.0)
    else:
        mags = np.asarray(magnitudes, dtype=np.float64).ravel()
        if mags.size != np.size(times):
            raise DataFormatError(f"{mags.size} magnitudes for {np.size(times)} times",
                                  key="magnitudes", expected="one magnitude per event")
        if not np.all(np.isfinite(mags)):
            raise DataFormatError("magnitudes must be finite", key="magnitudes")
        order = np.argsort(np.asarray(times, dtype=np.float64).ravel(), kind="stable")
        mags = mags[order]
        ref = float(mags.min()) if (mc is None and n) else (0.0 if mc is None else float(mc))
        marks = mags - ref
        mc = ref
    wtuple = (window.t0, window.t1)
    if n < MIN_EVENTS:
        return _emit(_too_few(n, wtuple, mc, fixed, "clustered", ci_level, origin), warn)
    if fixed.get("K", None) == 0.0:
        fixed.setdefault("alpha", 0.0)
        fixed.setdefault("c", 1e-3 * window.duration)
        fixed.setdefault("q", 1.2)
    try:
        iol = get_model("iol").fit(window, fixed={k: v for k, v in fixed.items()
                                                  if k in ("tf", "p")}, warn=False)
    except FitError as exc:
        res = _too_few(n, wtuple, mc, fixed, "clustered", ci_level, origin)
        res.status, res.message = "not-converged", str(exc)
        return _emit(res, warn)
    sums = cl.TriggerSums(window.times, marks, window.t0, window.t1, method=method)
    prob = _Problem(sums, fixed)
    T = window.duration
    base = {"k": iol.params["k"], "tf": iol.params["tf"], "p": iol.params["p"],
            "alpha": 1.0 if magnitudes is not None else 0.0, "c": 1e-3 * T, "q": 1.2}
    free_names = [nm for nm in NAMES if nm not in fixed]
    # "K" is optimised as eta (same position)
    free = [NAMES.index(nm) for nm in free_names]
    starts = []
    for eta in (0.0, 0.3):
        x = [fixed.get(nm, base.get(nm, 0.0)) for nm in NAMES]
        x[3] = 0.0
        th = prob.theta(np.array(x, dtype=np.float64))
        th[3] = eta if "K" not in fixed else th[3]
        if "K" in fixed and fixed["K"] > 0:
            th[3] = prob.theta(np.array([fixed.get(nm, base.get(nm, 1.0)) for nm in NAMES]))[3]
        if eta > 0 and "k" not in fixed:
            th[0] += math.log(1.0 - eta)
        starts.append(th)
    best = None
    for th0 in starts:
        if "K" in fixed:
            fr = [i for i in free if i != 3]
        else:
            fr = free
        th, ll, ok, msg = prob.newton(th0, fr, maxiter=JOINT_MAXITER)
        if best is None or ll > best[1]:
            best = (th, ll, (ok, msg), fr)
        if "K" in fixed:
            break
        # converged with triggering (eta inside its bounds): the second start is needed only
        # when the first found none (or did not converge)
        if ok and th[3] > prob.lower[3] + 1e-6 * (1.0 + abs(th[3])):
            break
    th, ll, res, fr = best
    if not res[0] and 1 in fr:
        th, ll, res = _maximise_profile(prob, th, ll, fr)
    for attempt in range(MAX_RESTARTS + 1):
        x = prob.natural(th)
        result, better = _assemble(prob, th, x, ll, res, fr, fixed, iol, mc, ci_level, origin,
                                   interval, restart=attempt < MAX_RESTARTS)
        if better is None:
            break
        # the profile met a higher likelihood than the optimum: climb from there and redo
        th, ll, ok, msg = prob.newton(better, fr, maxiter=JOINT_MAXITER)
        res = (ok, msg)
        if not ok:
            th, ll, res = _maximise_profile(prob, th, ll, fr)
    return _emit(result, warn)


def _maximise_profile(prob, th, ll, free):
    """Maximum of the profile likelihood over ``s = log(tf - t1)`` (inner Newton fits).

    The fallback when the joint Newton iteration does not converge: on the ridge where
    ``tf -> inf`` and ``p -> inf`` together (an exponential rather than a power-law
    acceleration) the joint steps crawl, while every fit at fixed ``s`` is well conditioned.
    A scan over the whole range of ``s`` (warm-started outwards from the current point) is
    refined by a bounded scalar search around its best point, and the joint iteration is
    resumed from there. Returns ``(theta, loglik, (converged, message))``.
    """
    from scipy import optimize

    inner = [i for i in free if i != 1]
    lo, hi = prob.lower[1], prob.upper[1]
    best = {"ll": ll, "th": th.copy()}
    warm = {"th": th.copy()}

    def profile(s):
        th0 = warm["th"].copy()
        th0[1] = s
        th_s, ll_s, _, _ = prob.newton(th0, inner, maxiter=JOINT_MAXITER)
        warm["th"] = th_s
        if ll_s > best["ll"]:
            best["ll"], best["th"] = ll_s, th_s
        return ll_s

    grid = np.linspace(lo, hi, PROFILE_SCAN)
    start = int(np.argmin(np.abs(grid - th[1])))
    values = np.empty(grid.size)
    for order in (range(start, grid.size), range(start - 1, -1, -1)):
        warm["th"] = th.copy()
        for j in order:
            values[j] = profile(float(grid[j]))
    j = int(np.nanargmax(values))
    a, b = grid[max(j - 1, 0)], grid[min(j + 1, grid.size - 1)]
    warm["th"] = best["th"].copy()
    optimize.minimize_scalar(lambda s: -profile(s), bounds=(a, b), method="bounded",
                             options={"xatol": 1e-5})
    th_b, ll_b = best["th"], best["ll"]
    th_j, ll_j, ok, msg = prob.newton(th_b, free, maxiter=JOINT_MAXITER // 4)
    if ok and ll_j >= ll_b - 1e-9 * (1.0 + abs(ll_b)):
        return th_j, ll_j, (True, msg)
    # the joint polish crawls again: the profile maximum is the optimum (s to 1e-5)
    return th_b, ll_b, (True, "maximum of the profile likelihood over log(tf - t1)")


def _emit(result, warn):
    if warn:
        for msg in result.warnings:
            warnings.warn(f"clustered-iol: {msg}", FitWarning, stacklevel=3)
    return result


def _assemble(prob, th, x, ll, res, free, fixed, iol, mc, level, origin, interval,
              restart=True):
    sums = prob.sums
    flags = []
    status = "ok"
    success, message = res
    if not success:
        status = "not-converged"
        flags.append(f"optimizer did not converge: {message}")
    # parameters at a bound (in optimiser coordinates)
    at_bound = []
    for i in free:
        lo, hi = prob.lower[i], prob.upper[i]
        v = th[i]
        scale = 1e-6 * (1.0 + abs(v))
        if lo is not None and v <= lo + scale:
            at_bound.append((i, "lower"))
        elif hi is not None and v >= hi - scale:
            at_bound.append((i, "upper"))
    bound_idx = {i for i, _ in at_bound}
    no_trigger = x[3] <= 0 or 3 in bound_idx and dict(at_bound)[3] == "lower"
    for i, where in at_bound:
        nm = NAMES[i]
        if nm == "tf":
            status = "no-acceleration" if where == "upper" else "tf-at-bound"
            flags.append(f"tf = {x[1]:.6g} is at its {where} bound: "
                         + ("the data show no acceleration towards a failure time"
                            if where == "upper" else "a singularity at the end of the data, "
                            "not a forecast"))
        elif nm == "p" and where == "lower":
            status = "no-acceleration" if status == "ok" else status
            flags.append("p is at its lower bound 0: the background does not accelerate")
        elif nm == "K" and where == "lower":
            pass                      # no triggering detected: the Poisson model, not a defect
        elif no_trigger and nm in ("alpha", "c", "q"):
            pass                      # not identified without triggering
        else:
            flags.append(f"{nm} = {x[i]:.6g} is at its {where} bound")
    # observed information on the natural scale
    with np.errstate(all="ignore"):
        _, _, H = cl.loglik_terms(sums, x, order=2)
    interior = [i for i in free if i not in bound_idx
                and not (no_trigger and NAMES[i] in ("K", "alpha", "c", "q"))]
    cov = observed_information(H, interior) if H is not None else None
    stderr = dict.fromkeys(NAMES, math.nan)
    cov_names = [NAMES[i] for i in interior]
    if cov is None:
        cov_out = [[math.nan] * len(interior) for _ in interior]
        flags.append("observed information is not positive definite at the optimum; standard "
                     "errors are unavailable")
    else:
        cov_out = cov.tolist()
        for j, i in enumerate(interior):
            stderr[NAMES[i]] = math.sqrt(cov_out[j][j]) if cov_out[j][j] >= 0 else math.nan
    params = dict(zip(NAMES, (float(v) for v in x)))
    nb, nb_se = _branching(x, cov_out if cov is not None else None, cov_names, sums.marks)
    result = ClusteredFitResult(
        params=params, stderr=stderr, fixed=sorted(fixed), cov=cov_out, cov_names=cov_names,
        loglik=float(ll), loglik_poisson=float(iol.loglik), n_events=sums.n,
        window=(sums.t0, sums.t1), mc=mc, branching_ratio=nb, branching_se=nb_se,
        ci_method="clustered", ci_level=float(level), status=status, warnings=flags,
        converged=bool(success), message=str(message), n_evaluations=prob.n_eval,
        origin=origin)
    better = None
    if interval and "tf" not in fixed and status == "ok":
        better = _profile_tf(prob, th, ll, free, result, restart)
    return result, better


def _profile_tf(prob, th_hat, ll_hat, free, result, restart=True):
    """Profile-likelihood interval of tf under the clustered likelihood (in place).

    Returns None, or (with ``restart``) the optimiser coordinates of a profile point whose
    likelihood exceeds the optimum's: the fit stopped at a local maximum and the caller
    refits from there. Without ``restart`` (the caller's last attempt) the interval is
    computed anyway and the result says that the optimum may be local."""
    t1 = prob.t1
    inner = [i for i in free if i != 1]
    last = {"th": th_hat.copy()}
    evaluated = []
    # a profile point above the optimum means the optimiser stopped at a local maximum
    tol = 1e-6 * (1.0 + abs(ll_hat))
    top = {"ll": ll_hat + tol, "th": None}

    def fn(s):
        th0 = last["th"].copy()
        th0[1] = s
        th, ll, _, _ = prob.newton(th0, inner)
        last["th"] = th
        if ll > top["ll"]:
            top["ll"], top["th"] = ll, th
        x = prob.natural(th)
        with np.errstate(all="ignore"):
            _, g, _ = cl.loglik_terms(prob.sums, x, order=1)
        evaluated.append((s, ll))
        d = float(g[1]) * (x[1] - t1)
        return ll, d if math.isfinite(d) else None

    s_hat = float(th_hat[1])
    bounds = (prob.lower[1], prob.upper[1])
    s_lo, s_hi, open_lo, open_hi, _ = profile_interval(fn, s_hat, ll_hat, result.ci_level,
                                                       bounds)
    if top["th"] is not None and restart:
        return top["th"]
    # more points inside the interval (half-way and near the 90 % ends of a quadratic
    # profile), so that prob_failure_before (linear interpolation of the signed root in s)
    # is accurate at other levels too
    for frac in INNER_PROFILE_POINTS:
        for end, is_open in ((s_lo, open_lo), (s_hi, open_hi)):
            if not is_open:
                last["th"] = th_hat.copy()
                fn(s_hat + frac * (end - s_hat))
    if top["th"] is not None:
        if restart:
            return top["th"]
        result.warnings.append(
            f"the profile of tf reaches a log-likelihood {top['ll'] - ll_hat:.3g} above the "
            "optimum after refitting: the optimum may be local and the interval approximate")
    lo = t1 if open_lo else t1 + math.exp(s_lo)
    hi = math.inf if open_hi else t1 + math.exp(s_hi)
    pts = sorted(set(evaluated + [(s_hat, ll_hat)]))
    result.profile_tf = {"tf": [t1 + math.exp(s) for s, _ in pts],
                         "loglik": [float(v) for _, v in pts]}
    result.tf_ci = (lo, hi)
    if open_hi:
        result.status = "unbounded"
        result.warnings.append("the profile likelihood of tf does not fall below the threshold "
                               "up to the search bound: the interval is unbounded above")
    result.n_evaluations = prob.n_eval


