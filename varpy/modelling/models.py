"""Point-process rate models for event catalogues, fitted by maximum likelihood.

Every model is a class with parameter names, bounds, ``rate(t, params)``,
``integral(a, b, params)`` (vectorised), ``log_likelihood(times, t0, t1, params)``, its
analytic ``gradient`` and ``hessian``, and ``fit(times, t0, t1, ...)`` returning a
:class:`varpy.modelling.fitting.FitResult`. Event times are floats on one axis (typically days
since the window start) inside the half-open window ``[t0, t1)``.

===============  =================================================  =========================  ==========
registry name    rate                                               parameters                 min events
===============  =================================================  =========================  ==========
``constant``     :math:`k`                                          ``k``                      1
``exponential``  :math:`k e^{\\lambda t}`                            ``k, lam``                 3
``iol``          :math:`k (t_f - t)^{-p}` (inverse Omori, FFM)      ``k, tf, p``               8
``hyperbolic``   :math:`k (t_f - t)^{-1}`                           ``k, tf``                  5
``mol``          :math:`k (t + c)^{-p}` (modified Omori)            ``k, c, p``                8
``creep``        :math:`k_1 (t + c)^{-p_1} + k_2 (t_f - t)^{-p_2}`  ``k1, c, p1, k2, tf, p2``  15
===============  =================================================  =========================  ==========

VarPy 2016 names are aliases: ``cr_mle``, ``exp_mle``, ``iol_mle``, ``hyp_mle``, ``creep_mle``.
Fewer events than the minimum raise :class:`~varpy.exceptions.FitError`, as do catalogues whose
events all share one time.

Constraints of the default fit: ``k > 0``; ``0 <= p <= 20``; the failure time
``t1 + 1e-8 T <= tf <= t1 + 1e3 T`` and the Omori offset ``1e-8 T <= t0 + c <= 1e3 T``
(``T = t1 - t0``). An optimum on any of these bounds is reported in ``FitResult.warnings`` and
emitted as :class:`~varpy.exceptions.FitWarning`.

Modes of the failure-time models: *forecast* (``tf`` estimated) and *retrospective*
(``fit(..., fixed={"tf": value})``). Any parameter can be fixed the same way.

Users add models by subclassing :class:`RateModel` (``name``, ``param_names``,
``parameters``, ``rate``, ``integral``; optionally ``gradient`` and ``initial_guess``) and
calling :func:`register_model`.

Examples
--------
>>> import numpy as np
>>> from varpy.modelling.models import get_model
>>> rng = np.random.default_rng(0)
>>> times = np.sort(100 - 100 * rng.uniform(0, 1, 300) ** 2)   # rate rising towards t = 100
>>> res = get_model("iol").fit(times, 0.0, 100.0, warn=False)
>>> res.params["tf"] > 100.0, res.n_events
(True, 300)
>>> get_model("constant").fit(times, 0.0, 100.0).params["k"]
3.0
"""
from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from scipy import special

from varpy.exceptions import DataFormatError, FitError, UnknownFormatError
from varpy.modelling import fitting as ft
from varpy.modelling.fitting import EventWindow, FitResult, Optimum, Parameter
from varpy.statistics import likelihoods as lk

__all__ = [
    "RateModel",
    "ConstantRate",
    "ExponentialRate",
    "InverseOmori",
    "Hyperbolic",
    "ModifiedOmori",
    "Creep",
    "register_model",
    "unregister_model",
    "get_model",
    "available_models",
]

_OFF_LO, _OFF_HI = ft.OFFSET_RANGE
_P_LO, _P_HI = ft.P_RANGE


class RateModel:
    """Base class of the rate models.

    Subclasses set ``name`` and ``param_names`` and implement :meth:`parameters`,
    :meth:`rate` and :meth:`integral`. The log-likelihood defaults to
    ``sum(log(rate(t_i))) - integral(t0, t1)``, its gradient and Hessian to central differences
    (override them with analytic versions for speed and accuracy), and the default fit to
    :meth:`fit` with ``method="multistart"`` from :meth:`initial_guess`.
    """

    name: ClassVar[str] = ""
    param_names: ClassVar[tuple[str, ...]] = ()
    min_events: ClassVar[int] = 1
    #: the offset profiled by the power-law search ("tf" or "c"), None otherwise
    profile_offset: ClassVar[str | None] = None
    #: True for models whose rate accelerates towards a failure time
    accelerating: ClassVar[bool] = False
    #: a parameter the rate is proportional to (profiled analytically by "multistart")
    scale_param: ClassVar[str | None] = None

    # ------------------------------------------------------------------ description
    def parameters(self, t0: float, t1: float) -> list[Parameter]:
        """Bounds and optimisation coordinates of each parameter for the window [t0, t1)."""
        raise NotImplementedError

    def rate(self, t, params):
        """Rate at times ``t`` (vectorised)."""
        raise NotImplementedError

    def integral(self, a, b, params):
        """Expected number of events in ``[a, b]`` (vectorised over ``a`` and ``b``)."""
        raise NotImplementedError

    def vector(self, params) -> np.ndarray:
        """Parameters (dict or sequence in ``param_names`` order) as a float vector."""
        if isinstance(params, dict):
            missing = [nm for nm in self.param_names if nm not in params]
            if missing:
                raise DataFormatError(f"missing parameter(s) {missing} for model {self.name!r}",
                                      key=missing[0],
                                      expected=f"keys {list(self.param_names)}")
            return np.array([float(params[nm]) for nm in self.param_names])
        arr = np.asarray(params, dtype=np.float64).ravel()
        if arr.size != len(self.param_names):
            raise DataFormatError(f"model {self.name!r} has {len(self.param_names)} parameters "
                                  f"{list(self.param_names)}; got {arr.size} values",
                                  key="params", expected=f"{len(self.param_names)} values")
        return arr

    # ------------------------------------------------------------------ likelihood
    def log_likelihood(self, times, t0, t1, params) -> float:
        """Log-likelihood of ``times`` in [t0, t1); ``-inf`` outside the parameter domain."""
        x = self.vector(params)
        times = np.asarray(times, dtype=np.float64)
        with np.errstate(all="ignore"):
            lam = np.asarray(self.rate(times, x), dtype=np.float64)
            total = float(self.integral(t0, t1, x))
        if not np.all(lam > 0) or not np.isfinite(total):
            return -np.inf
        return float(np.log(lam).sum() - total)

    def _steps(self, x, t0, t1):
        specs = self.parameters(t0, t1)
        steps = np.empty(x.size)
        for i, (spec, v) in enumerate(zip(specs, x)):
            if spec.transform == "log" and v > spec.anchor:
                steps[i] = 1e-5 * (v - spec.anchor)
            else:
                steps[i] = 1e-5 * max(1.0, abs(v))
        return steps

    def gradient(self, times, t0, t1, params) -> np.ndarray:
        """Gradient of the log-likelihood (central differences unless overridden)."""
        x = self.vector(params)
        h = self._steps(x, t0, t1)
        g = np.empty(x.size)
        for i in range(x.size):
            e = np.zeros(x.size)
            e[i] = h[i]
            g[i] = (self.log_likelihood(times, t0, t1, x + e)
                    - self.log_likelihood(times, t0, t1, x - e)) / (2 * h[i])
        return g

    def hessian(self, times, t0, t1, params) -> np.ndarray:
        """Hessian on the natural scale: central differences of :meth:`gradient`.

        Steps are ``1e-5`` of the distance to the parameter's anchor (log-transformed
        parameters, e.g. ``tf - t1``) or of ``max(1, |x|)``, so they never leave the domain.
        """
        x = self.vector(params)
        h = self._steps(x, t0, t1)
        H = np.empty((x.size, x.size))
        for i in range(x.size):
            e = np.zeros(x.size)
            e[i] = h[i]
            H[:, i] = (self.gradient(times, t0, t1, x + e)
                       - self.gradient(times, t0, t1, x - e)) / (2 * h[i])
        return 0.5 * (H + H.T)

    # ------------------------------------------------------------------ fitting
    def fit(self, times, t0: float | None = None, t1: float | None = None, *, fixed=None,
            method: str = "default", x0=None, ci_level: float = 0.95, mc=None,
            mc_method: str | None = None, origin=None, seed=None, n_starts: int | None = None,
            warn: bool = True) -> FitResult:
        """Fit the model to event ``times`` in ``[t0, t1)`` by maximum likelihood.

        Parameters
        ----------
        times : array_like of float or EventWindow
            Event times (any order) on the model's float axis.
        t0, t1 : float
            The observation window (half-open).
        fixed : dict, optional
            Parameters held at given values, e.g. ``{"tf": 550.0}`` for a retrospective
            analysis.
        method : {"default", "multistart", "legacy"}
            ``"default"``: the model's global method (profile likelihood for power laws,
            closed form for constant/exponential, multistart otherwise). ``"multistart"``:
            bounded L-BFGS-B from several starts. ``"legacy"``: VarPy 2016's unbounded
            Nelder-Mead from ``x0`` (default: VarPy's starting values).
        x0 : dict or sequence, optional
            Starting values: the free parameters in ``param_names`` order (legacy) or a full
            parameter set (dict or sequence; an extra start for the other methods).
        ci_level : float
            Level of the profile-likelihood interval of ``tf``.
        mc, mc_method, origin :
            Passed through to the result (completeness magnitude used to select the events,
            how it was obtained, and the zero of the float time axis).
        seed : int or numpy.random.Generator, optional
            Only for extra random starts (``n_starts`` beyond the model's deterministic ones).
        n_starts : int, optional
            Number of random starts added by ``"multistart"``.
        warn : bool
            Emit every flag of the result as :class:`~varpy.exceptions.FitWarning`.

        Returns
        -------
        FitResult

        Raises
        ------
        FitError
            Too few events, all events at one time, or no feasible start.
        DataFormatError
            Times outside the window or not finite; unknown fixed parameters.
        """
        window = times if isinstance(times, EventWindow) else EventWindow(times, t0, t1)
        fixed = self._check_fixed(fixed, window)
        self._check_data(window, fixed)
        if method == "legacy":
            opt = self._fit_legacy(window, fixed, x0)
        elif method == "default":
            opt = self._fit_default(window, fixed, x0=x0, seed=seed, n_starts=n_starts)
        elif method == "multistart":
            opt = self._fit_multistart(window, fixed, x0=x0, seed=seed, n_starts=n_starts)
        else:
            raise ValueError(f"method must be 'default', 'multistart' or 'legacy', not {method!r}")
        return ft.build_result(self, window, opt, fixed, ci_level=ci_level, mc=mc,
                               mc_method=mc_method, origin=origin, warn=warn)

    def _check_fixed(self, fixed, window: EventWindow) -> dict:
        fixed = dict(fixed or {})
        if not fixed:
            return fixed
        specs = {p.name: p for p in self.parameters(window.t0, window.t1)}
        for name, value in fixed.items():
            if name not in specs:
                raise DataFormatError(f"model {self.name!r} has no parameter {name!r}", key=name,
                                      expected=f"one of {list(self.param_names)}")
            value = float(value)
            if not np.isfinite(value):
                raise DataFormatError(f"fixed {name} must be finite, got {value!r}", key=name)
            if name == "tf" and value <= window.t1:
                raise DataFormatError(f"fixed tf = {value:g} is not after the window end "
                                      f"t1 = {window.t1:g}", key="tf", expected="tf > t1")
            spec = specs[name]
            if spec.transform == "log" and not value > spec.anchor:
                raise DataFormatError(f"fixed {name} = {value:g} is outside the model's domain",
                                      key=name, expected=f"{name} > {spec.anchor + 0.0:g}")
            fixed[name] = value
        return fixed

    def _check_data(self, window: EventWindow, fixed: dict):
        if window.n < self.min_events:
            raise FitError(f"model {self.name!r} needs at least {self.min_events} events in "
                           f"[{window.t0:g}, {window.t1:g}); got {window.n}")
        n_free = len(self.param_names) - len(fixed)
        if n_free >= 2 and window.n >= 2 and window.all_at_one_time:
            raise FitError(f"all {window.n} events occur at the same time "
                           f"({window.times[0]:g}); a rate model cannot be fitted")

    def _base(self, window: EventWindow, fixed: dict) -> tuple[np.ndarray, list[int]]:
        base = np.zeros(len(self.param_names))
        free = []
        for i, nm in enumerate(self.param_names):
            if nm in fixed:
                base[i] = fixed[nm]
            else:
                free.append(i)
        return base, free

    def initial_guess(self, window: EventWindow, fixed: dict) -> list[np.ndarray]:
        """Deterministic starting points (full natural vectors) for the multistart fit."""
        raise FitError(f"model {self.name!r} has no initial_guess(); pass x0= to fit()")

    def legacy_start(self, window: EventWindow, fixed: dict) -> list[float]:
        """VarPy 2016 starting values of the free parameters."""
        raise FitError(f"model {self.name!r} has no VarPy 2016 starting values; pass x0=")

    def _loglik_fn(self, window: EventWindow):
        times, t0, t1 = window.times, window.t0, window.t1
        return lambda x: self.log_likelihood(times, t0, t1, x)

    def _gradient_fn(self, window: EventWindow):
        times, t0, t1 = window.times, window.t0, window.t1
        return lambda x: self.gradient(times, t0, t1, x)

    def _maximize(self, window: EventWindow, free: list[int], base: np.ndarray,
                  starts: list[np.ndarray]) -> Optimum:
        """Multistart L-BFGS-B, profiling :attr:`scale_param` when it is free."""
        scale = None
        if self.scale_param is not None:
            scale = list(self.param_names).index(self.scale_param)
        t0, t1 = window.t0, window.t1
        return ft.multistart_maximize(
            self._loglik_fn(window), self._gradient_fn(window),
            self.parameters(t0, t1), free, base, starts,
            scale_index=scale if window.n > 0 else None, n_events=window.n,
            unit_integral=lambda x: self.integral(t0, t1, x))

    def _full_start(self, x0, base, free) -> np.ndarray:
        if isinstance(x0, dict):
            v = base.copy()
            for i, nm in enumerate(self.param_names):
                if nm in x0:
                    v[i] = float(x0[nm])
            return v
        arr = np.asarray(x0, dtype=np.float64).ravel()
        if arr.size == len(self.param_names):
            v = arr.copy()
            v[[i for i in range(v.size) if i not in free]] = base[
                [i for i in range(v.size) if i not in free]]
            return v
        if arr.size == len(free):
            v = base.copy()
            v[free] = arr
            return v
        raise DataFormatError(f"x0 has {arr.size} values; expected {len(self.param_names)} "
                              f"(all parameters) or {len(free)} (free ones)", key="x0")

    def _fit_multistart(self, window, fixed, *, x0=None, seed=None, n_starts=None) -> Optimum:
        base, free = self._base(window, fixed)
        if not free:
            ll = self.log_likelihood(window.times, window.t0, window.t1, base)
            return Optimum(x=base, loglik=float(ll), converged=True,
                           message="all parameters fixed", method="closed-form", n_starts=0)
        starts = []
        if x0 is not None:
            starts.append(self._full_start(x0, base, free))
        try:
            starts += [np.asarray(s, dtype=np.float64) for s in self.initial_guess(window, fixed)]
        except FitError:
            if not starts:
                raise
        if n_starts:
            rng = np.random.default_rng(seed)
            specs = self.parameters(window.t0, window.t1)
            ref = starts[0]
            for _ in range(int(n_starts)):
                s = ref.copy()
                for i in free:
                    th = specs[i].to_theta(ref[i])
                    lo, hi = specs[i].theta_bounds()
                    th = th + rng.normal(0.0, 1.0 if specs[i].transform == "log" else
                                         0.3 * max(1.0, abs(th)))
                    th = min(max(th, lo if lo is not None else -np.inf),
                             hi if hi is not None else np.inf)
                    s[i] = specs[i].from_theta(th)
                starts.append(s)
        for s in starts:
            for i, nm in enumerate(self.param_names):
                if nm in fixed:
                    s[i] = fixed[nm]
        return self._maximize(window, free, base, starts)

    def _fit_default(self, window, fixed, *, x0=None, seed=None, n_starts=None) -> Optimum:
        return self._fit_multistart(window, fixed, x0=x0, seed=seed, n_starts=n_starts)

    def _fit_legacy(self, window, fixed, x0) -> Optimum:
        base, free = self._base(window, fixed)
        start = self.legacy_start(window, fixed) if x0 is None else x0
        if isinstance(start, dict):
            start = [start[self.param_names[i]] for i in free]
        return ft.legacy_nelder_mead(self._loglik_fn(window), free, base, start)

    # ------------------------------------------------------------------ flags
    def bound_message(self, spec: Parameter, where: str, value: float,
                      window: EventWindow) -> str:
        bound = spec.lower if where == "lower" else spec.upper
        return (f"{spec.name} = {value:.6g} is at its {where} bound {bound:.6g}; the "
                "likelihood maximum lies outside the allowed range")

    def domain_messages(self, x: np.ndarray, window: EventWindow) -> list[str]:
        """Why a (legacy, unconstrained) optimum is outside the physical domain."""
        out = []
        for spec, v in zip(self.parameters(window.t0, window.t1), x):
            if spec.name.startswith("k") and not v > 0:
                out.append(f"{spec.name} = {v:.6g} <= 0: not a valid rate")
            elif spec.name.startswith("p") and not v > 0:
                out.append(f"{spec.name} = {v:.6g} <= 0: the power law does not "
                           + ("accelerate" if spec.name != "p1" and self.accelerating
                              else "decay"))
            elif spec.name == "tf" and not v > window.t1:
                out.append(f"tf = {v:.6g} is not after the window end {window.t1:g}")
            elif spec.name == "tf" and v > spec.upper:
                out.append(f"tf = {v:.6g} is more than 1000 window lengths after t1: no "
                           "acceleration, the forecast is meaningless")
        return out

    def extra_checks(self, window: EventWindow, params: dict, fixed: dict,
                     opt: Optimum) -> list[str]:
        """Model-specific flags (e.g. no significant acceleration)."""
        return []

    def _fast_tf_profile(self, window: EventWindow, fixed: dict):
        """A cheap profile of ``log(tf - t1)`` (power laws), or None."""
        return None

    def _generic_tf_profile(self, window: EventWindow, fixed: dict, opt: Optimum):
        """Profile of ``s = log(tf - t1)`` by refitting with tf fixed (warm starts)."""
        if "tf" not in self.param_names:
            return None
        names = list(self.param_names)
        itf = names.index("tf")
        base0, _ = self._base(window, fixed)
        free = [i for i, nm in enumerate(names) if nm not in fixed and nm != "tf"]
        last = {"x": np.asarray(opt.x, dtype=np.float64).copy()}
        def fn(s):
            base = base0.copy()
            base[itf] = window.t1 + math.exp(s)
            st = np.asarray(last["x"], dtype=np.float64).copy()
            st[itf] = base[itf]
            o = self._maximize(window, free, base, [st])
            last["x"] = o.x
            return o.loglik, self._envelope_slope(window, o.x, itf)

        return fn

    def _envelope_slope(self, window, x, itf):
        """d(profile log-likelihood)/d log(tf - t1) at a constrained optimum (envelope)."""
        with np.errstate(all="ignore"):
            g = self.gradient(window.times, window.t0, window.t1, x)
        d = float(g[itf]) * (x[itf] - window.t1)
        return d if math.isfinite(d) else None

    def __repr__(self):
        return f"{type(self).__name__}()"


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
        opt = ft.power_law_search(sums, window.n, T, p_fixed=p_fixed, p_bounds=(_P_LO, _P_HI),
                                  offset_bounds=(_OFF_LO * T, _OFF_HI * T), extra_offsets=extra)
        k, delta, p = opt.x
        opt.x = self._full(k, delta, p, window)
        return opt

    def _fast_tf_profile(self, window, fixed):
        if self.profile_offset != "tf" or "k" in fixed:
            return None
        return ft._PowerLawProfile(self._sums(window), window.n, window.duration,
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
        return lk.iol_integral(a, b, x[0], x[1], self._p(x))

    def log_likelihood(self, times, t0, t1, params):
        x = self.vector(params)
        return float(lk.iol_loglik(times, t0, t1, x[0], x[1], self._p(x)))

    def gradient(self, times, t0, t1, params):
        x = self.vector(params)
        if not (x[0] > 0 and x[1] > t1):
            return np.full(x.size, np.nan)
        return lk.iol_gradient(times, t0, t1, x[0], x[1], self._p(x))[:x.size]

    def hessian(self, times, t0, t1, params):
        x = self.vector(params)
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
            res = ft.minimize_box(objective, theta0, lo, hi, maxiter=maxiter)
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
        stage1 = ft.legacy_nelder_mead(mol._loglik_fn(early), [0, 1, 2], np.zeros(3),
                                       [50.0, 0.1, 1.1])
        if "tf" in fixed:
            base = np.array([0.0, fixed["tf"] - shift, 0.0])
            stage2 = ft.legacy_nelder_mead(iol._loglik_fn(late), [0, 2], base, [50.0, 1.1])
        else:
            stage2 = ft.legacy_nelder_mead(iol._loglik_fn(late), [0, 1, 2], np.zeros(3),
                                           [50.0, 2.0 * (T / 3), 1.1])
        k1, c, p1 = stage1.x
        k2, tf_late, p2 = stage2.x
        start = {"k1": k1, "c": c, "p1": p1, "k2": k2, "tf": tf_late + shift, "p2": p2}
        base, free = self._base(window, fixed)
        x0 = [start[self.param_names[i]] for i in free]
        opt = ft.legacy_nelder_mead(self._loglik_fn(window), free, base, x0)
        opt.n_evaluations += stage1.n_evaluations + stage2.n_evaluations
        opt.n_starts = 1
        return opt


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------

_REGISTRY: dict[str, type] = {}
_ALIASES: dict[str, str] = {}


def register_model(name: str, cls: type, *, aliases=(), overwrite: bool = False) -> None:
    """Register a :class:`RateModel` subclass under ``name`` (and optional ``aliases``).

    Raises
    ------
    ValueError
        If the name is taken and ``overwrite`` is False, or ``cls`` is not a RateModel
        subclass.
    """
    if not (isinstance(cls, type) and issubclass(cls, RateModel)):
        raise ValueError(f"{cls!r} is not a subclass of varpy.modelling.models.RateModel")
    key = name.lower()
    taken = key in _REGISTRY or key in _ALIASES
    if taken and not overwrite:
        raise ValueError(f"a model is already registered as {name!r}; pass overwrite=True")
    _ALIASES.pop(key, None)
    _REGISTRY[key] = cls
    for alias in aliases:
        _ALIASES[alias.lower()] = key


def unregister_model(name: str) -> None:
    """Remove a model (and its aliases) from the registry.

    Raises
    ------
    UnknownFormatError
        If no model is registered under ``name``.
    """
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        raise UnknownFormatError("model", name, list(_REGISTRY) + list(_ALIASES))
    del _REGISTRY[key]
    for alias in [a for a, target in _ALIASES.items() if target == key]:
        del _ALIASES[alias]


def get_model(name: str, **options) -> RateModel:
    """A new instance of the model registered as ``name`` (aliases accepted).

    Raises
    ------
    UnknownFormatError
        For an unknown name; the message lists the valid ones.
    """
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        raise UnknownFormatError("model", name, list(_REGISTRY) + list(_ALIASES))
    return _REGISTRY[key](**options)


def available_models() -> list[str]:
    """Registered model names (without aliases), sorted."""
    return sorted(_REGISTRY)


register_model("constant", ConstantRate, aliases=("cr_mle", "cr"))
register_model("exponential", ExponentialRate, aliases=("exp_mle", "exp"))
register_model("iol", InverseOmori, aliases=("iol_mle", "inverse_omori", "ffm"))
register_model("hyperbolic", Hyperbolic, aliases=("hyp_mle", "hyp"))
register_model("mol", ModifiedOmori, aliases=("modified_omori", "omori"))
register_model("creep", Creep, aliases=("creep_mle",))
