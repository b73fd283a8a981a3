"""The result of a maximum-likelihood fit of a rate model: :class:`FitResult`.

Holds :class:`FitResult` (estimates, errors, the failure-time interval and profile, optimiser
status, flags; ``summary``/``to_dict``/``from_dict``; probabilities of failure before a time;
the fitted rate through the model registry) and the JSON helpers it shares with
:class:`varpy.modelling.continuous.ContinuousFitResult`. Re-exported by
:mod:`varpy.modelling.fitting`, whose name older stored results
(``result_type="varpy.modelling.fitting:FitResult"``) still load through.

May import: numpy, scipy, :mod:`varpy._json`, :mod:`varpy.exceptions`,
:mod:`varpy.modelling.registry` (name -> model class, never the model modules),
:mod:`varpy.modelling.events` (the search bounds),
:mod:`varpy.management.timeconv`, :mod:`varpy.statistics.residuals`.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from scipy import stats

from varpy._json import json_float as _dec
from varpy._json import jsonable as _enc
from varpy.exceptions import FitError
from varpy.modelling.events import OFFSET_RANGE
from varpy.modelling.registry import get_model

__all__ = ["FitResult", "origin_to_json", "estimates_from_json", "CI_LABELS", "parameter_lines"]


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


def parameter_lines(params: dict, stderr: dict, fixed) -> list[str]:
    """The parameter table of a fit's ``summary()``: estimate and standard error per parameter."""
    lines = [f"  {'parameter':<10} {'estimate':>16} {'std. error':>14}"]
    for name, value in params.items():
        se = stderr.get(name, math.nan)
        tag = " (fixed)" if name in fixed else ""
        lines.append(f"  {name:<10} {value:>16.6g} {se:>14.4g}{tag}")
    return lines


def offset_bounds(duration: float) -> tuple[float, float]:
    """Search bounds of ``s = log(tf - t1)`` for a window of ``duration``."""
    return (math.log(OFFSET_RANGE[0] * duration), math.log(OFFSET_RANGE[1] * duration))


def signed_root_knots(tf, loglik, tf_hat: float, ll_max: float, t1: float,
                      s_bounds: tuple[float, float] | None = None):
    """Knots ``(s, r)`` of a failure-time confidence distribution ``Phi(r)``.

    ``r = sign(tf - tf_hat) sqrt(2 (ll_max - loglik))`` at ``s = log(tf - t1)`` for the
    evaluated points of a profile likelihood; made strictly increasing (the signed root of a
    unimodal profile is): the running maximum, keeping of each flat stretch only its first
    point, so that a bump of a multimodal profile spreads its probability over the stretch
    instead of leaving it no density. With ``s_bounds``, a profile evaluated only around its
    interval gets a knot at each search bound that it does not reach, on the line through its
    two outermost points (the signed root of a locally quadratic profile is linear in ``s``),
    so that times beyond the evaluated range get the tail probability they should rather
    than the end value. None with fewer than two usable points.
    """
    tf = np.asarray(tf, dtype=np.float64)
    ll = np.asarray(loglik, dtype=np.float64)
    ok = np.isfinite(ll) & (tf > t1)
    if np.count_nonzero(ok) < 2:
        return None
    s = np.log(tf[ok] - t1)
    r = np.sign(tf[ok] - tf_hat) * np.sqrt(2.0 * np.maximum(ll_max - ll[ok], 0.0))
    order = np.argsort(s, kind="stable")
    s, r = s[order], np.maximum.accumulate(r[order])
    keep = np.r_[True, (np.diff(r) > 0) & (np.diff(s) > 0)]
    if np.count_nonzero(keep) < 2:
        return None
    s, r = s[keep], r[keep]
    if s_bounds is not None:
        lo, hi = s_bounds
        if s[0] > lo:
            slope = (r[1] - r[0]) / (s[1] - s[0])
            s, r = np.r_[lo, s], np.r_[r[0] - slope * (s[0] - lo), r]
        if s[-1] < hi:
            slope = (r[-1] - r[-2]) / (s[-1] - s[-2])
            s, r = np.r_[s, hi], np.r_[r, r[-1] + slope * (hi - s[-1])]
    return s, r


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
    ci_method : str
        How ``tf_ci`` (and :meth:`prob_failure_before`) were obtained: ``"profile"`` (the
        Poisson profile likelihood of this model: assumes independent events), ``"clustered"``
        (profile likelihood under ETAS clustering) or ``"bootstrap"`` (parametric bootstrap
        from the clustered model); see :mod:`varpy.modelling.intervals`.
    interval : dict or None
        What the non-profile methods need to reproduce their forecast distribution (their
        status, the clustered profile or the bootstrap forecasts, the branching ratio, the
        Poisson interval they replaced).
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
    ci_method: str = "profile"
    interval: dict | None = None

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

    def prob_failure_before(self, horizon, method: str | None = None):
        """Probability that the failure time is earlier than ``horizon`` (fitted float axis).

        ``method`` defaults to :attr:`ci_method`, so probabilities agree with ``tf_ci``.

        ``"profile"`` uses the signed root of the profile likelihood ratio,
        ``r(tf) = sign(tf - tf_hat) sqrt(2 (l_max - l_p(tf)))``, and returns
        ``Phi(r(horizon))``: the asymptotic *confidence distribution* of ``tf`` whose central
        intervals are exactly the profile-likelihood intervals (so
        ``prob_failure_before(tf_ci[1]) = (1 + ci_level) / 2``). ``r`` is interpolated
        linearly in ``log(tf - t1)`` between the profile points stored at fit time
        (:meth:`failure_time_knots`). Beyond the search range the end value is used, so
        probability mass the data cannot distinguish from "never" stays below 1.
        ``"clustered"`` does the same with the profile under the clustered likelihood
        (stored in :attr:`interval`; evaluated only around its interval, so its tails are
        extrapolated linearly in ``s`` to the search bounds); ``"bootstrap"`` returns the fraction of the bootstrap
        forecasts before ``horizon``.
        ``"wald"`` uses the normal approximation ``Phi((horizon - tf_hat) / se_tf)``.

        This is a frequentist confidence level, not a Bayesian posterior probability. Because
        the model requires ``tf > t1``, the probability is 0 for ``horizon <= t1``. A scalar
        horizon gives a float, an array an array (NaN where the distribution is unavailable,
        e.g. when the chosen method gave no interval: see ``interval["status"]``).
        """
        self._check_forecast()
        method = self.ci_method if method is None else method
        h = np.asarray(horizon, dtype=np.float64)
        t1 = float(self.window[1])
        after = h > t1
        if method == "wald":
            se = self.stderr.get("tf", math.nan)
            out = (np.full(h.shape, math.nan) if not se > 0
                   else stats.norm.cdf((h - self.tf) / (se if se > 0 else 1.0)))
        elif method in ("profile", "clustered"):
            knots = self.failure_time_knots(method)
            if knots is None:
                out = np.full(h.shape, math.nan)
            else:
                s, r = knots
                with np.errstate(invalid="ignore", divide="ignore"):
                    out = stats.norm.cdf(np.interp(np.log(np.where(after, h - t1, 1.0)), s, r))
        elif method == "bootstrap":
            dist = self._bootstrap_forecasts()
            if dist is None:
                out = np.full(h.shape, math.nan)
            else:
                with np.errstate(invalid="ignore", divide="ignore"):
                    sx = np.log(np.where(after, h - t1, 1.0))
                out = np.searchsorted(dist, sx, side="right") / dist.size
        else:
            raise ValueError(f"method must be 'profile', 'clustered', 'bootstrap' or 'wald', "
                             f"not {method!r}")
        out = np.where(after, out, 0.0)
        return float(out) if np.ndim(horizon) == 0 else out

    def failure_time_logpdf(self, t, method: str | None = None):
        """Natural log of the density of :meth:`prob_failure_before` at ``t`` (per axis unit).

        ``method`` defaults to :attr:`ci_method`. ``"profile"`` (and ``"clustered"``, on its
        own profile): ``phi(r) r'(s) / (t - t1)`` with ``r'`` the slope of the interpolating
        segment of :meth:`failure_time_knots`, positive wherever the distribution puts
        probability; ``-inf`` at or before ``t1`` and beyond the profiled range (where the
        remaining probability sits at "never"). ``"bootstrap"``: a Gaussian kernel density of
        the bootstrap forecasts in ``s = log(t - t1)`` (Silverman's bandwidth). ``"wald"``:
        the normal density. NaN where the distribution is unavailable.
        """
        self._check_forecast()
        method = self.ci_method if method is None else method
        x = np.asarray(t, dtype=np.float64)
        t1 = float(self.window[1])
        out = np.full(x.shape, math.nan)
        if method == "wald":
            se = self.stderr.get("tf", math.nan)
            if se > 0:
                out = stats.norm.logpdf(x, loc=self.tf, scale=se)
        elif method in ("profile", "clustered"):
            knots = self.failure_time_knots(method)
            if knots is not None:
                s, r = knots
                after = x > t1
                dist = np.where(after, x - t1, 1.0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    sx = np.log(dist)
                    j = np.clip(np.searchsorted(s, sx, side="right") - 1, 0, s.size - 2)
                    slope = (r[j + 1] - r[j]) / (s[j + 1] - s[j])
                    inside = (sx >= s[0]) & (sx <= s[-1])
                    logd = (stats.norm.logpdf(np.interp(sx, s, r))
                            + np.log(np.where(inside, slope, 0.0)) - sx)
                out = np.where(after, logd, -np.inf)
        elif method == "bootstrap":
            samples = self._bootstrap_forecasts()
            if samples is not None:
                after = x > t1
                with np.errstate(divide="ignore", invalid="ignore"):
                    sx = np.log(np.where(after, x - t1, 1.0))
                    bw = 1.06 * max(float(np.std(samples)), 1e-12) * samples.size ** -0.2
                    logk = (stats.norm.logpdf((sx[..., None] - samples) / bw)
                            - math.log(bw * samples.size))
                    logd = np.logaddexp.reduce(logk, axis=-1) - sx
                out = np.where(after, logd, -np.inf)
        else:
            raise ValueError(f"method must be 'profile', 'clustered', 'bootstrap' or 'wald', "
                             f"not {method!r}")
        return float(out) if np.ndim(t) == 0 else out

    def failure_time_knots(self, method: str | None = None):
        """``(s, r)``: the signed root of the profile likelihood of tf at ``s = log(tf - t1)``.

        ``method`` ``"profile"`` (this model's profile) or ``"clustered"`` (the profile under
        the clustered likelihood kept in :attr:`interval`); default: ``"clustered"`` when that
        is :attr:`ci_method`, else ``"profile"``. Made strictly increasing (the signed root of
        a unimodal profile is): the running maximum, keeping of each flat stretch only its
        first point, so that a bump of a multimodal profile spreads its probability over the
        stretch instead of leaving it no density. None without a stored profile (legacy fits,
        a clustered method without an interval) or with fewer than two points.
        """
        if method is None:
            method = "clustered" if self.ci_method == "clustered" else "profile"
        profile, tf_hat, ll_max = self.profile_tf, self.tf, self.loglik
        if method == "clustered":
            iv = self.interval if self.ci_method == "clustered" else None
            if not iv or iv.get("status") not in ("ok", "unbounded"):
                return None
            profile, tf_hat, ll_max = iv.get("profile_tf"), iv.get("tf"), iv.get("loglik_max")
        if not profile:
            return None
        # the clustered profile is evaluated only around its interval: its tails are
        # extrapolated to the search bounds (the Poisson profile spans them already)
        t0, t1 = (float(v) for v in self.window)
        bounds = offset_bounds(t1 - t0) if method == "clustered" else None
        return signed_root_knots(profile["tf"], profile["loglik"], tf_hat, ll_max, t1, bounds)

    def _bootstrap_forecasts(self):
        """Sorted bootstrap forecasts of ``s = log(tf - t1)`` (``ci_method="bootstrap"``)."""
        iv = self.interval if self.ci_method == "bootstrap" else None
        if not iv or iv.get("status") not in ("ok", "unbounded"):
            return None
        dist = np.asarray(iv.get("forecast_s") or [], dtype=np.float64)
        return np.sort(dist) if dist.size >= 2 else None

    def _check_forecast(self):
        if self.tf is None:
            raise FitError(f"model {self.model!r} has no failure time")
        if "tf" in self.fixed:
            raise FitError("tf was fixed (retrospective analysis), not estimated")

    # model delegates -----------------------------------------------------------------------
    def _model(self):
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
                 f"BIC: {self.bic:.4f}"]
        lines += parameter_lines(self.params, self.stderr, self.fixed)
        label = CI_LABELS.get(self.ci_method, self.ci_method)
        if self.tf_ci is not None:
            kind = "profile CI" if self.ci_method == "profile" else "CI"
            lines.append(f"  tf {100 * self.ci_level:g}% {kind}, {label}: "
                         f"[{self.tf_ci[0]:.6g}, {self.tf_ci[1]:.6g}]")
        elif self.mode == "forecast" and self.ci_method != "profile":
            status = (self.interval or {}).get("status", "none")
            lines.append(f"  tf interval, {label}: none (status {status})")
        if self.interval and "branching_ratio" in self.interval:
            lines.append(f"  branching ratio (clustered model): "
                         f"{_dec(self.interval['branching_ratio']):.4g} +- "
                         f"{_dec(self.interval.get('branching_se')):.3g}")
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
        if d.get("interval") is not None:
            kw["interval"] = _decode_numbers(d["interval"])
        kw.setdefault("ci_method", "profile")
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in kw.items() if k in names})


#: How each interval method is labelled in summaries.
CI_LABELS = {
    "profile": "profile likelihood (Poisson: assumes independent events)",
    "clustered": "profile likelihood under ETAS clustering",
    "bootstrap": "parametric bootstrap of the clustered model",
}


def _decode_numbers(value):
    """Numbers (and None/"inf" codes) inside nested dicts and lists back to floats."""
    if isinstance(value, dict):
        return {k: (v if k in ("status", "refit", "method", "seed", "message")
                    else _decode_numbers(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_numbers(v) for v in value]
    if isinstance(value, bool) or isinstance(value, str) and value not in ("inf", "-inf"):
        return value
    if isinstance(value, int):
        return value
    return _dec(value)
