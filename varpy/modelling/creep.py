"""The brittle-creep rate model: decelerating primary plus accelerating tertiary power law.

:class:`Creep` (``k1 (t + c)^-p1 + k2 (tf - t)^-p2``), fitted in mixture coordinates from
component fits of :class:`~varpy.modelling.rate_laws.ModifiedOmori` and
:class:`~varpy.modelling.rate_laws.InverseOmori`, or by VarPy 2016's staged Nelder-Mead.
Users import it from :mod:`varpy.modelling.models`.

May import: numpy, scipy, :mod:`varpy.exceptions`, :mod:`varpy.statistics.likelihoods`,
:mod:`varpy.modelling.events`, :mod:`varpy.modelling.optimize`, :mod:`varpy.modelling.base`,
:mod:`varpy.modelling.rate_laws`.
"""
from __future__ import annotations

import math

import numpy as np

from varpy.exceptions import FitError
from varpy.modelling.base import RateModel
from varpy.modelling.events import OFFSET_RANGE, P_RANGE, EventWindow, Optimum, Parameter
from varpy.modelling.optimize import legacy_nelder_mead, minimize_box
from varpy.modelling.rate_laws import InverseOmori, ModifiedOmori
from varpy.statistics import likelihoods as lk

__all__ = ["Creep"]

_OFF_LO, _OFF_HI = OFFSET_RANGE
_P_LO, _P_HI = P_RANGE


# --------------------------------------------------------------------------------------------
# Creep
# --------------------------------------------------------------------------------------------

class Creep(RateModel):
    """Brittle creep: decelerating primary plus accelerating tertiary power law.

    ``rate = k1 (t + c)**-p1 + k2 (tf - t)**-p2`` (modified Omori + inverse Omori; VarPy's
    ``creep_mle``). The default fit is multistart L-BFGS-B with analytic gradients; its
    deterministic starts come from separate modified-Omori fits of the early part and
    inverse-Omori fits of the late part of the window (halves and thirds) and of the whole
    window. Retrospective mode: ``fixed={"tf": value}``.
    """

    name = "creep"
    param_names = ("k1", "c", "p1", "k2", "tf", "p2")
    min_events = 15
    accelerating = True

    def parameters(self, t0, t1):
        T = t1 - t0
        return [Parameter("k1", 0.0, np.inf, "log"),
                Parameter("c", -t0 + _OFF_LO * T, -t0 + _OFF_HI * T, "log", anchor=-t0),
                Parameter("p1", _P_LO, _P_HI, "linear"),
                Parameter("k2", 0.0, np.inf, "log"),
                Parameter("tf", t1 + _OFF_LO * T, t1 + _OFF_HI * T, "log", anchor=t1),
                Parameter("p2", _P_LO, _P_HI, "linear")]

    def rate(self, t, params):
        return lk.creep_rate(t, *self.vector(params))

    def integral(self, a, b, params):
        return lk.creep_integral(a, b, *self.vector(params))

    def log_likelihood(self, times, t0, t1, params):
        return float(lk.creep_loglik(times, t0, t1, *self.vector(params)))

    def gradient(self, times, t0, t1, params):
        x = self.vector(params)
        k1, c, p1, k2, tf, p2 = x
        if not (k1 > 0 and k2 > 0 and t0 + c > 0 and tf > t1):
            return np.full(6, np.nan)
        return lk.creep_gradient(times, t0, t1, *x)

    def _component_fits(self, window: EventWindow, fixed: dict):
        """Modified-Omori fits of early parts and inverse-Omori fits of late parts."""
        t0, t1, T = window.t0, window.t1, window.duration
        times = window.times
        mol, iol = ModifiedOmori(), InverseOmori()
        tf_fixed = {"tf": fixed["tf"]} if "tf" in fixed else {}
        pairs = []
        for frac in (0.5, 1.0 / 3.0, 1.0):
            early = EventWindow(times[times < t0 + frac * T], t0, t0 + frac * T)
            late = EventWindow(times[times >= t1 - frac * T], t1 - frac * T, t1)
            if early.n < mol.min_events or late.n < iol.min_events:
                continue
            if early.n_distinct < 2 or late.n_distinct < 2:
                continue
            try:
                a = mol._fit_default(early, {})
                b = iol._fit_default(late, tf_fixed)
            except FitError:
                continue
            scale = 0.5 if frac == 1.0 else 1.0
            pairs.append(np.array([a.x[0] * scale, a.x[1], max(a.x[2], 0.05),
                                   b.x[0] * scale, b.x[1], max(b.x[2], 0.05)]))
        return pairs

    def initial_guess(self, window, fixed):
        starts = self._component_fits(window, fixed)
        T = window.duration
        n = window.n
        tf = fixed.get("tf", window.t1 + 0.1 * T)
        starts.append(np.array([n / T * (0.01 * T) ** 0.8 / 2, -window.t0 + 0.01 * T, 0.8,
                                n / T * (tf - window.t1) ** 0.8 / 2, tf, 0.8]))
        return starts

    def legacy_start(self, window, fixed):
        raise FitError("legacy creep fits use VarPy's two-stage initialisation; call "
                       "fit(..., method='legacy') without x0 or with all free starting values")

    # -- mixture coordinates -----------------------------------------------------------------
    # The amplitudes k1, k2 are badly conditioned (k2 ~ (tf - t1)**p2 can reach 1e60 on a flat
    # ridge). The optimiser therefore works with the expected counts of the two terms,
    # n1 = k1 J1 and n2 = k2 J2: their sum is profiled (n1 + n2 = N) and the decaying fraction
    # w = n1 / N enters as a = logit(w); the other coordinates are log(t0 + c), p1,
    # log(tf - t1) and p2.
    _A_BOUND = 30.0

    def _mixture_to_natural(self, theta, window, tf_fixed):
        a, g, p1 = theta[0], theta[1], theta[2]
        if tf_fixed is None:
            sig, p2 = theta[3], theta[4]
            tf = window.t1 + math.exp(min(sig, 709.0))
        else:
            p2 = theta[3]
            tf = tf_fixed
        w = 1.0 / (1.0 + math.exp(-a))
        T = window.duration
        c = -window.t0 + math.exp(min(g, 709.0))
        zero = 0.0
        _, g1, _ = lk.power_law_terms(0.0, zero, zero, zero, T, window.t0 + c, 1.0, p1)
        _, g2, _ = lk.power_law_terms(0.0, zero, zero, zero, T, tf - window.t1, 1.0, p2)
        J1, J2 = -g1[0], -g2[0]
        n = window.n
        x = np.array([n * w / J1, c, p1, n * (1.0 - w) / J2, tf, p2])
        # dx/dtheta (6 x m)
        m = 5 if tf_fixed is None else 4
        D = np.zeros((6, m))
        dw = w * (1.0 - w)
        D[0, 0] = n * dw / J1
        D[3, 0] = -n * dw / J2
        # J_c = -g1[1], J_p = -g1[2]: d(1/J)/dz = -J_z / J**2
        D[0, 1] = -x[0] / J1 * (-g1[1]) * (window.t0 + c)
        D[1, 1] = window.t0 + c
        D[0, 2] = -x[0] / J1 * (-g1[2])
        D[2, 2] = 1.0
        if tf_fixed is None:
            D[3, 3] = -x[3] / J2 * (-g2[1]) * (tf - window.t1)
            D[4, 3] = tf - window.t1
            D[3, 4] = -x[3] / J2 * (-g2[2])
            D[5, 4] = 1.0
        else:
            D[3, 3] = -x[3] / J2 * (-g2[2])
            D[5, 3] = 1.0
        return x, D

    def _natural_to_mixture(self, x, window, tf_fixed):
        k1, c, p1, k2, tf, p2 = x
        T = window.duration
        n1 = k1 * float(lk.power_integral(window.t0 + c, T, p1))
        n2 = k2 * float(lk.power_integral(tf - window.t1, T, p2))
        w = min(max(n1 / (n1 + n2), 1e-12), 1.0 - 1e-12)
        theta = [math.log(w / (1.0 - w)), math.log(window.t0 + c), p1]
        if tf_fixed is None:
            theta.append(math.log(tf - window.t1))
        theta.append(p2)
        return np.array(theta)

    def _optimize_mixture(self, window, fixed, starts, maxiter=500) -> Optimum:
        tf_fixed = fixed.get("tf")
        specs = self.parameters(window.t0, window.t1)
        lo = [-self._A_BOUND, *specs[1].theta_bounds()[:1], specs[2].lower]
        hi = [self._A_BOUND, specs[1].theta_bounds()[1], specs[2].upper]
        if tf_fixed is None:
            lo.append(specs[4].theta_bounds()[0])
            hi.append(specs[4].theta_bounds()[1])
        lo.append(specs[5].lower)
        hi.append(specs[5].upper)
        times, t0, t1 = window.times, window.t0, window.t1
        n_eval = 0

        def objective(theta):
            nonlocal n_eval
            n_eval += 1
            with np.errstate(all="ignore"):
                try:
                    x, D = self._mixture_to_natural(theta, window, tf_fixed)
                    val = lk.creep_loglik(times, t0, t1, *x)
                    g = lk.creep_gradient(times, t0, t1, *x) if np.isfinite(val) else None
                except (OverflowError, ZeroDivisionError, ValueError):
                    return 1e300, np.zeros(len(theta))
            if g is None or not np.all(np.isfinite(g)) or not np.all(np.isfinite(D)):
                return 1e300, np.zeros(len(theta))
            return -float(val), -(g @ D)

        best = None
        for start in starts:
            try:
                theta0 = self._natural_to_mixture(start, window, tf_fixed)
            except (ValueError, ZeroDivisionError, OverflowError):
                continue
            theta0 = np.clip(theta0, lo, hi)
            if not np.all(np.isfinite(theta0)):
                continue
            res = minimize_box(objective, theta0, lo, hi, maxiter=maxiter)
            if res.fun < 1e299 and (best is None or res.fun < best.fun):
                best = res
        if best is None:
            raise FitError("no creep starting point gave a finite log-likelihood; pass x0=")
        x, _ = self._mixture_to_natural(best.x, window, tf_fixed)
        opt = Optimum(x=x, loglik=-best.fun, converged=best.success, message=best.message,
                      method="multistart", n_starts=len(starts), n_evaluations=n_eval)
        a = best.x[0]
        if abs(a) >= self._A_BOUND - 1e-6:
            part = "accelerating" if a > 0 else "decaying"
            opt.extra_warnings.append(f"the {part} term carries no events (its share of the "
                                      "expected count is at the bound 1e-13): the data do "
                                      "not support a creep model")
        return opt

    def _fit_default(self, window, fixed, *, x0=None, seed=None, n_starts=None):
        if set(fixed) - {"tf"}:
            return self._fit_multistart(window, fixed, x0=x0, seed=seed, n_starts=n_starts)
        base, free = self._base(window, fixed)
        starts = [] if x0 is None else [self._full_start(x0, base, free)]
        starts += self.initial_guess(window, fixed)
        if n_starts:
            rng = np.random.default_rng(seed)
            ref = starts[0]
            for _ in range(int(n_starts)):
                s = ref.copy()
                s[[0, 3]] *= np.exp(rng.normal(0.0, 1.0, 2))
                s[[2, 5]] = np.clip(s[[2, 5]] + rng.normal(0.0, 0.3, 2), 0.05, _P_HI)
                starts.append(s)
        for st in starts:
            if "tf" in fixed:
                st[4] = fixed["tf"]
        return self._optimize_mixture(window, fixed, starts)

    def _generic_tf_profile(self, window, fixed, opt):
        if set(fixed) - {"tf"}:
            return super()._generic_tf_profile(window, fixed, opt)
        last = {"x": np.asarray(opt.x, dtype=np.float64).copy()}

        def fn(s):
            tf = window.t1 + math.exp(s)
            st = np.asarray(last["x"], dtype=np.float64).copy()
            st[4] = tf
            o = self._optimize_mixture(window, {**fixed, "tf": tf}, [st], maxiter=300)
            last["x"] = o.x
            return o.loglik, self._envelope_slope(window, o.x, 4)

        return fn

    def _fit_legacy(self, window, fixed, x0):
        """VarPy's creep_mle (intended version): Nelder-Mead stages on thirds of the window."""
        if x0 is not None:
            return super()._fit_legacy(window, fixed, x0)
        t0, T = window.t0, window.duration
        times = window.times
        mol = ModifiedOmori()
        iol = InverseOmori()
        early = EventWindow(times[times < t0 + T / 3], t0, t0 + T / 3)
        shift = t0 + 2 * T / 3
        late = EventWindow(times[times > shift] - shift, 0.0, T / 3)
        if early.n < 2 or late.n < 2:
            raise FitError("legacy creep fit needs events in the first and last thirds of the "
                           "window")
        stage1 = legacy_nelder_mead(mol._loglik_fn(early), [0, 1, 2], np.zeros(3),
                                       [50.0, 0.1, 1.1])
        if "tf" in fixed:
            base = np.array([0.0, fixed["tf"] - shift, 0.0])
            stage2 = legacy_nelder_mead(iol._loglik_fn(late), [0, 2], base, [50.0, 1.1])
        else:
            stage2 = legacy_nelder_mead(iol._loglik_fn(late), [0, 1, 2], np.zeros(3),
                                           [50.0, 2.0 * (T / 3), 1.1])
        k1, c, p1 = stage1.x
        k2, tf_late, p2 = stage2.x
        start = {"k1": k1, "c": c, "p1": p1, "k2": k2, "tf": tf_late + shift, "p2": p2}
        base, free = self._base(window, fixed)
        x0 = [start[self.param_names[i]] for i in free]
        opt = legacy_nelder_mead(self._loglik_fn(window), free, base, x0)
        opt.n_evaluations += stage1.n_evaluations + stage2.n_evaluations
        opt.n_starts = 1
        return opt
