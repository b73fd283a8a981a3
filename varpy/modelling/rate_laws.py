"""The constant, exponential and power-law rate models.

:class:`ConstantRate` and :class:`ExponentialRate` (closed-form estimates), and the power laws
sharing ``_PowerLaw``: :class:`InverseOmori` (failure forecast model), :class:`Hyperbolic`
(``p = 1``) and :class:`ModifiedOmori`, fitted globally by
:func:`varpy.modelling.profile.power_law_search`. Users import them from
:mod:`varpy.modelling.models`.

May import: numpy, scipy, :mod:`varpy.exceptions`, :mod:`varpy.statistics.likelihoods`,
:mod:`varpy.modelling.events`, :mod:`varpy.modelling.profile`, :mod:`varpy.modelling.base`.
"""
from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from scipy import special

from varpy.exceptions import FitError
from varpy.modelling.base import RateModel
from varpy.modelling.events import OFFSET_RANGE, P_RANGE, Optimum, Parameter
from varpy.modelling.profile import _PowerLawProfile, power_law_search
from varpy.statistics import likelihoods as lk

__all__ = ["ConstantRate", "ExponentialRate", "InverseOmori", "Hyperbolic", "ModifiedOmori"]

_OFF_LO, _OFF_HI = OFFSET_RANGE
_P_LO, _P_HI = P_RANGE


# --------------------------------------------------------------------------------------------
# Constant and exponential
# --------------------------------------------------------------------------------------------

class ConstantRate(RateModel):
    """Homogeneous Poisson process, rate ``k`` (events per unit time). MLE ``k = N / T``."""

    name = "constant"
    scale_param = "k"
    param_names = ("k",)
    min_events = 1

    def parameters(self, t0, t1):
        return [Parameter("k", 0.0, np.inf, "log")]

    def rate(self, t, params):
        return lk.constant_rate(t, self.vector(params)[0])

    def integral(self, a, b, params):
        return lk.constant_integral(a, b, self.vector(params)[0])

    def log_likelihood(self, times, t0, t1, params):
        return float(lk.constant_loglik(times, t0, t1, self.vector(params)[0]))

    def gradient(self, times, t0, t1, params):
        return lk.constant_gradient(times, t0, t1, self.vector(params)[0])

    def hessian(self, times, t0, t1, params):
        return lk.constant_hessian(times, t0, t1, self.vector(params)[0])

    def initial_guess(self, window, fixed):
        return [np.array([max(window.n, 1) / window.duration])]

    def legacy_start(self, window, fixed):
        return [1.0]

    def _fit_default(self, window, fixed, *, x0=None, seed=None, n_starts=None):
        k = fixed.get("k", window.n / window.duration)
        x = np.array([k])
        return Optimum(x=x, loglik=self.log_likelihood(window.times, window.t0, window.t1, x),
                       converged=True, message="closed form k = N / T", method="closed-form",
                       n_starts=0)


class ExponentialRate(RateModel):
    """Exponentially changing rate ``k exp(lam t)`` (``t`` on the fitted axis, not shifted).

    The maximum-likelihood ``lam`` matches the sample mean time to the mean of the truncated
    exponential density on the window (unique: the profile likelihood is concave); ``k``
    follows in closed form. ``lam = 0`` is the constant rate, so the two are nested.
    """

    name = "exponential"
    scale_param = "k"
    param_names = ("k", "lam")
    min_events = 3

    def parameters(self, t0, t1):
        return [Parameter("k", 0.0, np.inf, "log"), Parameter("lam", -np.inf, np.inf, "linear")]

    def rate(self, t, params):
        k, lam = self.vector(params)
        return lk.exponential_rate(t, k, lam)

    def integral(self, a, b, params):
        k, lam = self.vector(params)
        return lk.exponential_integral(a, b, k, lam)

    def log_likelihood(self, times, t0, t1, params):
        k, lam = self.vector(params)
        return float(lk.exponential_loglik(times, t0, t1, k, lam))

    def gradient(self, times, t0, t1, params):
        k, lam = self.vector(params)
        return lk.exponential_gradient(times, t0, t1, k, lam)

    def hessian(self, times, t0, t1, params):
        k, lam = self.vector(params)
        return lk.exponential_hessian(times, t0, t1, k, lam)

    def initial_guess(self, window, fixed):
        return [np.array([window.n / window.duration, 0.0])]

    def legacy_start(self, window, fixed):
        start = {"k": 0.02, "lam": 0.005}
        return [start[nm] for nm in self.param_names if nm not in fixed]

    def _fit_default(self, window, fixed, *, x0=None, seed=None, n_starts=None):
        t0, t1 = window.t0, window.t1
        if "k" in fixed:
            return self._fit_multistart(window, fixed, x0=x0, seed=seed, n_starts=n_starts)
        if "lam" in fixed:
            lam = fixed["lam"]
            k = window.n / float(lk.exponential_integral(t0, t1, 1.0, lam))
            msg = "closed form k = N / integral"
        else:
            k, lam, _ = lk.exponential_profile(window.times, t0, t1)
            msg = "closed form (truncated-exponential mean equation)"
        x = np.array([k, lam])
        return Optimum(x=x, loglik=self.log_likelihood(window.times, t0, t1, x), converged=True,
                       message=msg, method="closed-form", n_starts=0)


# --------------------------------------------------------------------------------------------
# Power laws
# --------------------------------------------------------------------------------------------

class _PowerLaw(RateModel):
    """Shared machinery of the power laws ``k x**-p`` with ``x`` an offset distance."""

    scale_param = "k"
    min_events = 8
    _fixed_p: ClassVar[float | None] = None     # hyperbolic: p = 1

    def _sums(self, window):
        raise NotImplementedError

    def _offset_of(self, value, window):       # natural parameter -> offset
        raise NotImplementedError

    def _full(self, k, offset, p, window):
        raise NotImplementedError

    def _fit_default(self, window, fixed, *, x0=None, seed=None, n_starts=None):
        if "k" in fixed:
            return self._fit_multistart(window, fixed, x0=x0, seed=seed, n_starts=n_starts)
        off = self.profile_offset
        T = window.duration
        p_fixed = fixed.get("p", self._fixed_p)
        sums = self._sums(window)
        if off in fixed and self._offset_of(fixed[off], window) == 0.0:
            return self._fit_at_window_end(window, p_fixed)
        if off in fixed:
            delta = self._offset_of(fixed[off], window)
            S, S1, _ = sums(delta, order=1)
            out = lk.power_law_profile(window.n, S, T, delta, p=p_fixed, p_bounds=(_P_LO, _P_HI))
            x = self._full(float(out["k"]), delta, float(out["p"]), window)
            return Optimum(x=x, loglik=float(out["loglik"]), converged=True,
                           message="closed-form profile of k and p at fixed offset",
                           method="profile" if p_fixed is None else "closed-form",
                           n_starts=0, n_evaluations=1)
        extra = []
        if x0 is not None:
            base, free = self._base(window, fixed)
            v = self._full_start(x0, base, free)
            extra.append(self._offset_of(v[list(self.param_names).index(off)], window))
        opt = power_law_search(sums, window.n, T, p_fixed=p_fixed, p_bounds=(_P_LO, _P_HI),
                                  offset_bounds=(_OFF_LO * T, _OFF_HI * T), extra_offsets=extra)
        k, delta, p = opt.x
        opt.x = self._full(k, delta, p, window)
        return opt

    def _fit_at_window_end(self, window, p_fixed):
        """Retrospective fit with ``tf`` held at the window end (data up to the failure).

        The expected number of events up to ``tf``, ``k T^(1-p) / (1-p)``, is finite only for
        ``p < 1``. There ``k = n (1 - p) / T^(1-p)`` and the likelihood is concave in ``p``
        with maximiser ``p = 1 - 1 / (ln T - mean ln(tf - t_i))``, always below 1 (every
        ``tf - t_i < T``), clipped to ``p >= 0``. With ``p >= 1`` (fixed, or the hyperbolic
        law) the rate is unbounded at ``tf`` and the fit is refused.
        """
        t1, T, n = window.t1, window.duration, window.n
        if p_fixed is not None and p_fixed >= 1.0:
            raise FitError(f"tf held at the window end t1 = {t1:g} needs p < 1: with p = "
                           f"{p_fixed:g} the rate is unbounded there and the expected number of "
                           "events up to tf is infinite; fix tf after the window end, or let p "
                           "free (model 'iol')")
        ybar = float(np.mean(np.log(t1 - window.times)))
        if p_fixed is None:
            gap = math.log(T) - ybar
            p = 1.0 - 1.0 / gap if gap > 0 else _P_LO
            p = min(max(p, _P_LO), 1.0 - 1e-12)
        else:
            p = float(p_fixed)
        k = n * (1.0 - p) / T ** (1.0 - p)
        ll = n * math.log(k) - p * n * ybar - n
        return Optimum(x=self._full(k, 0.0, p, window), loglik=float(ll), converged=True,
                       message="closed form with tf held at the window end (p < 1)",
                       method="profile" if p_fixed is None else "closed-form",
                       n_starts=0, n_evaluations=1)

    def _fast_tf_profile(self, window, fixed):
        if self.profile_offset != "tf" or "k" in fixed:
            return None
        return _PowerLawProfile(self._sums(window), window.n, window.duration,
                                   fixed.get("p", self._fixed_p), (_P_LO, _P_HI))

    def bound_message(self, spec, where, value, window):
        if spec.name == "tf" and where == "upper":
            return (f"tf = {value:.6g} is at its upper bound (t1 + 1000 window lengths): the "
                    "data show no acceleration towards a failure time; the forecast is "
                    "meaningless")
        if spec.name == "tf" and where == "lower":
            return (f"tf = {value:.6g} is at its lower bound just after t1 = {window.t1:g}: "
                    "a singularity at the end of the data, not a forecast")
        if spec.name == "p" and where == "lower":
            trend = "accelerating" if self.accelerating else "decaying"
            return (f"p = {value:.3g} is at its lower bound 0: the data prefer p <= 0, i.e. a "
                    f"rate that is not {trend}; the other parameters are not meaningful")
        if spec.name == "p" and where == "upper":
            return (f"p = {value:.6g} is at its upper bound {_P_HI:g}: the power law degenerates "
                    "towards an exponential; the other parameters are not meaningful")
        return super().bound_message(spec, where, value, window)


class InverseOmori(_PowerLaw):
    """Inverse Omori law / power-law failure forecast model: rate ``k (tf - t)**-p``.

    Voight's failure forecast method in point-process form (Bell, Naylor & Main 2013, GJI
    194, 1541): ``p = 1 / (alpha - 1)``; ``tf`` is the failure (eruption) time. Forecast mode
    estimates ``tf``; retrospective mode fixes it (``fixed={"tf": value}``).

    The default fit profiles ``k = N/J`` and ``p`` in closed form and scans ``log(tf - t1)``
    over eleven decades, so no starting values are needed and the global maximum within the
    bounds is found. ``p`` is bounded to ``[0, 20]``.

    Examples
    --------
    >>> import numpy as np
    >>> times = np.array([1.0, 30.0, 52.0, 66.0, 75.0, 82.0, 87.0, 90.0, 92.5, 94.0, 95.2])
    >>> res = InverseOmori().fit(times, 0.0, 96.0, warn=False)
    >>> bool(res.params["tf"] > 96.0) and res.mode
    'forecast'
    >>> InverseOmori().fit(times, 0.0, 96.0, fixed={"tf": 100.0}, warn=False).mode
    'retrospective'
    """

    name = "iol"
    param_names = ("k", "tf", "p")
    profile_offset = "tf"
    accelerating = True

    def parameters(self, t0, t1):
        T = t1 - t0
        return [Parameter("k", 0.0, np.inf, "log"),
                Parameter("tf", t1 + _OFF_LO * T, t1 + _OFF_HI * T, "log", anchor=t1),
                Parameter("p", _P_LO, _P_HI, "linear")]

    def _p(self, x):
        return x[2]

    def rate(self, t, params):
        x = self.vector(params)
        return lk.iol_rate(t, x[0], x[1], self._p(x))

    def integral(self, a, b, params):
        x = self.vector(params)
        k, tf, p = x[0], x[1], self._p(x)
        out = lk.iol_integral(a, b, k, tf, p)
        b_arr = np.asarray(b, dtype=np.float64)
        if np.any(b_arr == tf):                  # up to tf itself (retrospective at the end)
            with np.errstate(all="ignore"):
                head = (k * np.asarray(tf - np.asarray(a, dtype=np.float64)) ** (1.0 - p)
                        / (1.0 - p) if p < 1.0 else np.inf)
            out = np.where(b_arr == tf, head, out)
            if np.ndim(out) == 0:
                out = float(out)
        return out

    #: tf may be held fixed at the window end (retrospective analysis up to the failure)
    tf_at_window_end = True

    def log_likelihood(self, times, t0, t1, params):
        x = self.vector(params)
        if x[1] == t1 and x.size == 3:
            return _at_end_terms(times, t0, t1, x[0], x[2])[0]
        return float(lk.iol_loglik(times, t0, t1, x[0], x[1], self._p(x)))

    def gradient(self, times, t0, t1, params):
        x = self.vector(params)
        if x[1] == t1 and x.size == 3 and x[0] > 0:
            return _at_end_terms(times, t0, t1, x[0], x[2])[1]
        if not (x[0] > 0 and x[1] > t1):
            return np.full(x.size, np.nan)
        return lk.iol_gradient(times, t0, t1, x[0], x[1], self._p(x))[:x.size]

    def hessian(self, times, t0, t1, params):
        x = self.vector(params)
        if x[1] == t1 and x.size == 3 and x[0] > 0:
            return _at_end_terms(times, t0, t1, x[0], x[2])[2]
        if not (x[0] > 0 and x[1] > t1):
            return np.full((x.size, x.size), np.nan)
        return lk.iol_hessian(times, t0, t1, x[0], x[1], self._p(x))[:x.size, :x.size]

    def _sums(self, window):
        return window.iol_sums

    def _offset_of(self, value, window):
        return value - window.t1

    def _full(self, k, offset, p, window):
        return np.array([k, window.t1 + offset, p])

    def initial_guess(self, window, fixed):
        T = window.duration
        return [np.array([window.n / T, window.t1 + f * T, 1.0]) for f in (0.05, 0.5, 5.0)]

    def legacy_start(self, window, fixed):
        start = {"k": 50.0, "tf": window.t0 + 2.0 * window.duration, "p": 1.1}
        return [start[nm] for nm in self.param_names if nm not in fixed]

    def extra_checks(self, window, params, fixed, opt):
        """Flag fits that do not beat a constant rate (heuristic likelihood-ratio check)."""
        if not math.isfinite(opt.loglik):
            return []
        n_free = len(self.param_names) - len(fixed)
        df = n_free - 1
        if df < 1 or window.n == 0:
            return []
        ll_const = window.n * math.log(window.n / window.duration) - window.n
        stat = 2.0 * (opt.loglik - ll_const)
        pval = float(special.chdtrc(df, max(stat, 0.0)))
        if pval > 0.05:
            return [f"no significant acceleration: the likelihood-ratio test against a "
                    f"constant rate gives p = {pval:.3g} (chi2 with {df} df, heuristic: the "
                    "constant rate lies on the boundary p = 0)"]
        return []


class Hyperbolic(InverseOmori):
    """Hyperbolic failure model ``k / (tf - t)``: the inverse Omori law with ``p = 1``.

    Nested in :class:`InverseOmori` (one degree of freedom, interior point ``p = 1``).
    """

    name = "hyperbolic"
    param_names = ("k", "tf")
    min_events = 5
    _fixed_p = 1.0

    def parameters(self, t0, t1):
        return super().parameters(t0, t1)[:2]

    def _p(self, x):
        return 1.0

    def _full(self, k, offset, p, window):
        return np.array([k, window.t1 + offset])

    def initial_guess(self, window, fixed):
        return [s[:2] for s in super().initial_guess(window, fixed)]

    def legacy_start(self, window, fixed):
        start = {"k": 50.0, "tf": window.t0 + 2.0 * window.duration}
        return [start[nm] for nm in self.param_names if nm not in fixed]


class ModifiedOmori(_PowerLaw):
    """Modified Omori law (decelerating rate) ``k (t + c)**-p``.

    ``t`` is on the fitted axis (usually time since the window start, i.e. the mainshock or
    the start of creep), so ``t0 + c > 0`` is required. Fitted like :class:`InverseOmori`,
    profiling ``k`` and ``p`` and scanning ``log(t0 + c)``.
    """

    name = "mol"
    param_names = ("k", "c", "p")
    profile_offset = "c"

    def parameters(self, t0, t1):
        T = t1 - t0
        return [Parameter("k", 0.0, np.inf, "log"),
                Parameter("c", -t0 + _OFF_LO * T, -t0 + _OFF_HI * T, "log", anchor=-t0),
                Parameter("p", _P_LO, _P_HI, "linear")]

    def rate(self, t, params):
        k, c, p = self.vector(params)
        return lk.mol_rate(t, k, c, p)

    def integral(self, a, b, params):
        k, c, p = self.vector(params)
        return lk.mol_integral(a, b, k, c, p)

    def log_likelihood(self, times, t0, t1, params):
        k, c, p = self.vector(params)
        return float(lk.mol_loglik(times, t0, t1, k, c, p))

    def gradient(self, times, t0, t1, params):
        k, c, p = self.vector(params)
        if not (k > 0 and t0 + c > 0):
            return np.full(3, np.nan)
        return lk.mol_gradient(times, t0, t1, k, c, p)

    def hessian(self, times, t0, t1, params):
        k, c, p = self.vector(params)
        if not (k > 0 and t0 + c > 0):
            return np.full((3, 3), np.nan)
        return lk.mol_hessian(times, t0, t1, k, c, p)

    def _sums(self, window):
        return window.mol_sums

    def _offset_of(self, value, window):
        return value + window.t0

    def _full(self, k, offset, p, window):
        return np.array([k, offset - window.t0, p])

    def initial_guess(self, window, fixed):
        T = window.duration
        return [np.array([window.n / T, -window.t0 + f * T, 1.0]) for f in (1e-3, 0.05, 1.0)]

    def legacy_start(self, window, fixed):
        start = {"k": 50.0, "c": 0.1, "p": 1.1}
        return [start[nm] for nm in self.param_names if nm not in fixed]


def _at_end_terms(times, t0, t1, k, p):
    """Log-likelihood, gradient and Hessian of ``k (t1 - t)^-p`` on ``[t0, t1)`` in
    ``(k, tf, p)`` with ``tf = t1`` (the ``tf`` row and column NaN: tf is held there).
    ``-inf`` for ``p >= 1`` (infinite expected count)."""
    times = np.asarray(times, dtype=np.float64)
    T = t1 - t0
    n = times.size
    nan = math.nan
    if not (k > 0 and p < 1.0):
        return -math.inf, np.full(3, nan), np.full((3, 3), nan)
    S = float(np.log(t1 - times).sum())
    q = 1.0 - p
    G = T ** q / q                               # int_0^T u^-p du
    a = 1.0 / q - math.log(T)
    G1 = G * a                                   # dG/dp
    G2 = G1 * a + G / q ** 2                     # d2G/dp2
    ll = n * math.log(k) - p * S - k * G
    grad = np.array([n / k - G, nan, -S - k * G1])
    hess = np.array([[-n / k ** 2, nan, -G1], [nan, nan, nan], [-G1, nan, -k * G2]])
    return float(ll), grad, hess
