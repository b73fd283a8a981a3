"""The base class of the point-process rate models, :class:`RateModel`, and :func:`register_model`.

:class:`RateModel` declares a model (names, bounds, rate, integral, log-likelihood with its
gradient and Hessian, the checks and messages of its fits) and fits it
(:meth:`RateModel.fit`: the default, multistart and legacy optimisers, then
:func:`varpy.modelling.fitting.build_result`). :func:`register_model` adds a subclass to the
lookup tables of :mod:`varpy.modelling.registry`. The concrete models live in
:mod:`varpy.modelling.rate_laws` and :mod:`varpy.modelling.creep`; users import all of them
from :mod:`varpy.modelling.models`.

One concept that reads best whole: the base class is the contract every model implements, so
its defaults (numerical gradient and Hessian, generic profile of ``tf``) stay beside it.

May import: numpy, :mod:`varpy.exceptions`, :mod:`varpy.modelling.events`,
:mod:`varpy.modelling.optimize`, :mod:`varpy.modelling.fitting`,
:mod:`varpy.modelling.results`, :mod:`varpy.modelling.registry`.
"""
from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from varpy.exceptions import DataFormatError, FitError
from varpy.modelling.events import EventWindow, Optimum, Parameter
from varpy.modelling.fitting import build_result
from varpy.modelling.optimize import legacy_nelder_mead, multistart_maximize
from varpy.modelling.registry import _ALIASES, _REGISTRY
from varpy.modelling.results import FitResult

__all__ = ["RateModel", "register_model"]


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
        return build_result(self, window, opt, fixed, ci_level=ci_level, mc=mc,
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
            if name == "tf" and value == window.t1 and getattr(self, "tf_at_window_end", False):
                fixed[name] = value      # retrospective: data up to the failure (needs p < 1)
                continue
            if name == "tf" and value <= window.t1:
                raise DataFormatError(f"fixed tf = {value:g} is not after the window end "
                                      f"t1 = {window.t1:g}", key="tf",
                                      expected="tf > t1" + (" (or tf = t1 with model 'iol')"
                                                            if value == window.t1 else ""))
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
        return multistart_maximize(
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
        return legacy_nelder_mead(self._loglik_fn(window), free, base, start)

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
