"""Failure-time models for sampled continuous data (tilt, strain, RSAM, binned event rates).

- :func:`inverse_rate_fit`: Voight's failure forecast method. For ``dΩ̈ = A dΩ̇**alpha`` the
  quantity ``rate**(1 - alpha)`` falls linearly with time and reaches zero at the failure time;
  with ``alpha = 2`` it is the inverse rate (Voight 1988, Nature 332, 125; Cornelius & Voight
  1995, JVGR 64, 295). The line is fitted by least squares (``method="ols"``) or by Huber
  M-estimation (``method="huber"``, iteratively reweighted least squares); ``tf`` is the
  x-intercept, with a delta-method standard error and a Fieller confidence interval (exact for
  the ratio ``-a/b`` under normal errors; unbounded when the slope is not significantly
  negative).
- :func:`creep_strain_fit`: least-squares fit of the creep law
  ``k1 (t + c)**-p1 + k2 (tf - t)**-p2`` (decelerating plus accelerating power law) to the
  strain rate obtained by finite differences of strain (VarPy's ``LSQ_retro_models.creep_mle``,
  with its bugs fixed). Forecast (``tf`` free) or retrospective (``tf`` given) mode.
- :func:`binned_rate`: event counts per bin as a rate series, for the inverse-rate method on
  catalogues (Bell et al. 2011, 2013 compare it with maximum likelihood; the likelihood fit in
  :mod:`varpy.modelling.models` is less biased).

Both fitters return a :class:`ContinuousFitResult` with the same shape as
:class:`~varpy.modelling.fitting.FitResult` (``params``, ``stderr``, ``tf``, ``tf_ci``,
``warnings``, ``summary()``, ``to_dict()``/``from_dict()``, ``failure_time()``).

Examples
--------
>>> import numpy as np
>>> from varpy.modelling.continuous import inverse_rate_fit
>>> t = np.linspace(0.0, 80.0, 41)
>>> rate = 1.0 / (0.05 * (100.0 - t))            # inverse rate hits zero at t = 100
>>> res = inverse_rate_fit(t, rate)
>>> round(res.tf, 6)
100.0
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from scipy import optimize, stats

from varpy.exceptions import DataFormatError, DataWarning, FitError, FitWarning
from varpy._json import json_float as _dec
from varpy._json import jsonable as _enc
from varpy.modelling.results import estimates_from_json, origin_to_json
from varpy.statistics import likelihoods as lk

__all__ = ["ContinuousFitResult", "inverse_rate_fit", "creep_strain_fit", "binned_rate",
           "finite_difference_rate"]


@dataclass
class ContinuousFitResult:
    """Result of a failure-time fit to sampled continuous data.

    Attributes
    ----------
    model : str
        ``"inverse_rate"`` or ``"creep_lsq"``.
    params, stderr : dict
        Estimates and standard errors (NaN where not available).
    cov, cov_names
        Covariance of the estimated parameters.
    tf : float or None
        Failure time (x-intercept or fitted singularity) on the input time axis.
    tf_ci : (float, float) or None
        Confidence interval of ``tf`` at ``ci_level`` (Fieller for the inverse rate, Wald in
        ``log(tf - t_last)`` for creep); infinite ends mean "not bounded by the data".
    n_samples, window
        Samples used and their time range.
    rss, sigma : float
        Residual sum of squares and residual standard deviation.
    method, converged, message, warnings
    origin : optional
        Zero of the time axis, for :meth:`failure_time`.
    """

    model: str
    params: dict
    stderr: dict
    cov: list
    cov_names: list
    tf: float | None
    tf_ci: tuple | None
    n_samples: int
    window: tuple
    rss: float
    sigma: float
    method: str
    converged: bool = True
    message: str = ""
    warnings: list = field(default_factory=list)
    ci_level: float = 0.95
    fixed: list = field(default_factory=list)
    origin: Any = None

    @property
    def flagged(self) -> bool:
        return bool(self.warnings)

    def failure_time(self, origin=None, calendar: bool = False):
        """``tf`` on another scale via ``timeconv.from_float_time`` (None if no tf)."""
        from varpy.management.timeconv import from_float_time

        if self.tf is None or not math.isfinite(self.tf):
            return None
        ref = self.origin if origin is None else origin
        if not calendar and ref is not None and not isinstance(ref, (int, float, np.number)):
            return float(self.tf)
        out = from_float_time(self.tf, ref, calendar=calendar)
        return out if calendar else float(out)

    def summary(self) -> str:
        lines = [f"Continuous-data fit: {self.model} ({self.method})",
                 f"  samples: {self.n_samples} in [{self.window[0]:g}, {self.window[1]:g}]; "
                 f"residual sd: {self.sigma:.4g}",
                 f"  {'parameter':<10} {'estimate':>16} {'std. error':>14}"]
        for name, value in self.params.items():
            tag = " (fixed)" if name in self.fixed else ""
            lines.append(f"  {name:<10} {value:>16.6g} {self.stderr.get(name, math.nan):>14.4g}"
                         f"{tag}")
        if self.tf is not None:
            lines.append(f"  failure time tf: {self.tf:.6g}")
        if self.tf_ci is not None:
            lines.append(f"  tf {100 * self.ci_level:g}% CI: [{self.tf_ci[0]:.6g}, "
                         f"{self.tf_ci[1]:.6g}]")
        if not self.converged:
            lines.append(f"  optimiser NOT converged: {self.message}")
        lines += [f"  WARNING: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        out = {f.name: _enc(getattr(self, f.name)) for f in fields(self) if f.name != "origin"}
        out["origin"] = origin_to_json(self.origin)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "ContinuousFitResult":
        kw = {**d, **estimates_from_json(d)}
        kw["tf"] = None if d.get("tf") is None and "tf" not in d["params"] else _dec(d.get("tf"))
        kw["tf_ci"] = None if d.get("tf_ci") is None else tuple(_dec(v) for v in d["tf_ci"])
        kw["window"] = tuple(_dec(v) for v in d["window"])
        for key in ("rss", "sigma", "ci_level"):
            kw[key] = _dec(d[key])
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in kw.items() if k in names})


def _emit(flags, model):
    for msg in flags:
        warnings.warn(f"{model}: {msg}", FitWarning, stacklevel=3)


def _xy(times, values, t_min, t_max, name):
    t = np.asarray(times, dtype=np.float64).ravel()
    v = np.asarray(values, dtype=np.float64).ravel()
    if t.shape != v.shape:
        raise DataFormatError(f"times ({t.size}) and {name} ({v.size}) differ in length",
                              key=name, expected="arrays of equal length")
    keep = np.isfinite(t) & np.isfinite(v)
    if t_min is not None:
        keep &= t >= t_min
    if t_max is not None:
        keep &= t < t_max
    t, v = t[keep], v[keep]
    order = np.argsort(t, kind="stable")
    return t[order], v[order]


def binned_rate(times, t0: float, t1: float, width: float):
    """Event rate in consecutive bins of ``width`` covering ``[t0, t1)``.

    Returns
    -------
    (centres, rates, counts) : ndarrays
        Bin centres, ``counts / width`` and counts. Only complete bins are used.
    """
    if not width > 0:
        raise DataFormatError(f"bin width must be positive, got {width!r}", key="width")
    nbins = int(math.floor((t1 - t0) / width + 1e-9))
    if nbins < 1:
        raise DataFormatError("the window is shorter than one bin", key="width",
                              expected=f"width <= {t1 - t0:g}")
    edges = t0 + width * np.arange(nbins + 1)
    counts, _ = np.histogram(np.asarray(times, dtype=np.float64), bins=edges)
    return 0.5 * (edges[:-1] + edges[1:]), counts / width, counts


def finite_difference_rate(times, values, *, interval: float | None = None):
    """Rate of change ``d values / d t`` by finite differences, at interval midpoints.

    With ``interval`` the series is first interpolated to a regular grid of that spacing
    (differences over longer intervals are much less noisy than sample-to-sample ones).
    """
    t = np.asarray(times, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if interval is not None:
        if not interval > 0:
            raise DataFormatError("interval must be positive", key="interval")
        grid = np.arange(t[0], t[-1] + 1e-12 * abs(t[-1]), interval)
        v = np.interp(grid, t, v)
        t = grid
    dt = np.diff(t)
    ok = dt > 0
    mid = 0.5 * (t[1:] + t[:-1])
    return mid[ok], (np.diff(v)[ok] / dt[ok])


# --------------------------------------------------------------------------------------------
# Voight inverse-rate method
# --------------------------------------------------------------------------------------------

def _wls(t, y, w):
    X = np.column_stack([np.ones_like(t), t])
    Xw = X * w[:, None]
    XtX = X.T @ Xw
    beta = np.linalg.solve(XtX, Xw.T @ y)
    resid = y - X @ beta
    return beta, resid, XtX


def inverse_rate_fit(times, rates, *, t_min: float | None = None, t_max: float | None = None,
                     alpha: float = 2.0, method: str = "ols", ci_level: float = 0.95,
                     origin=None, warn: bool = True) -> ContinuousFitResult:
    """Voight's failure forecast method: straight line through ``rate**(1 - alpha)``.

    Parameters
    ----------
    times, rates : array_like
        Sample times and rates (e.g. RSAM, strain rate, or :func:`binned_rate` output).
        Non-positive or non-finite rates are dropped (reported as a ``DataWarning``): their
        inverse is undefined, which biases the method (one reason to prefer the likelihood
        fit for event counts).
    t_min, t_max : float, optional
        Use samples with ``t_min <= t < t_max``.
    alpha : float
        Voight's exponent (> 1); 2 gives the inverse rate.
    method : {"ols", "huber"}
        Ordinary least squares or Huber M-estimation (IRLS, tuning 1.345 x MAD scale).
    ci_level : float
        Level of the Fieller interval of ``tf``.

    Returns
    -------
    ContinuousFitResult
        ``params``: ``intercept`` and ``slope`` of the line and ``tf = -intercept/slope``.

    Raises
    ------
    FitError
        Fewer than 3 usable samples, or ``alpha <= 1``.
    """
    if not alpha > 1:
        raise FitError(f"alpha must be > 1 for a finite-time singularity, got {alpha!r}")
    if method not in ("ols", "huber"):
        raise ValueError(f"method must be 'ols' or 'huber', not {method!r}")
    t, r = _xy(times, rates, t_min, t_max, "rates")
    good = r > 0
    if not good.all():
        if warn:
            warnings.warn(f"inverse_rate_fit: dropped {int((~good).sum())} samples with "
                          "non-positive rate", DataWarning, stacklevel=2)
        t, r = t[good], r[good]
    if t.size < 3:
        raise FitError(f"the inverse-rate method needs at least 3 samples with positive rate; "
                       f"got {t.size}")
    y = r ** (1.0 - alpha)
    w = np.ones_like(y)
    flags = []
    converged, message = True, "closed form"
    beta, resid, XtX = _wls(t, y, w)
    if method == "huber":
        converged = False
        for it in range(100):
            scale = 1.4826 * np.median(np.abs(resid - np.median(resid)))
            if not scale > 0:
                converged, message = True, "residuals all zero"
                break
            u = np.abs(resid) / (1.345 * scale)
            w = np.where(u <= 1.0, 1.0, 1.0 / np.maximum(u, 1e-300))
            new, resid, XtX = _wls(t, y, w)
            if np.allclose(new, beta, rtol=1e-10, atol=1e-14 * np.max(np.abs(y))):
                beta = new
                converged, message = True, f"IRLS converged in {it + 1} iterations"
                break
            beta = new
        if not converged:
            message = "IRLS did not converge in 100 iterations"
            flags.append(message)
    n = t.size
    dof = n - 2
    rss = float(np.sum(w * resid ** 2))
    sigma2 = rss / dof if dof > 0 else math.nan
    cov = sigma2 * np.linalg.inv(XtX)
    a, b = float(beta[0]), float(beta[1])
    params = {"intercept": a, "slope": b}
    stderr = {"intercept": math.sqrt(cov[0, 0]), "slope": math.sqrt(cov[1, 1])}
    tf = math.nan
    tf_ci = None
    if b >= 0:
        flags.append(f"rate**(1-alpha) does not decrease with time (slope {b:.3g} >= 0): no "
                     "acceleration, no failure time")
    else:
        tf = -a / b
        g = np.array([-1.0 / b, a / b ** 2])
        stderr["tf"] = float(math.sqrt(g @ cov @ g))
        q = stats.t.ppf(0.5 + ci_level / 2.0, dof) if dof > 0 else math.inf
        # Fieller: {x : (a + b x)^2 <= q^2 (v_a + 2 x c_ab + x^2 v_b)}
        A = b * b - q * q * cov[1, 1]
        B = 2.0 * (a * b - q * q * cov[0, 1])
        C = a * a - q * q * cov[0, 0]
        disc = B * B - 4 * A * C
        if A > 0 and disc >= 0:
            roots = sorted([(-B - math.sqrt(disc)) / (2 * A), (-B + math.sqrt(disc)) / (2 * A)])
            tf_ci = (roots[0], roots[1])
        else:
            tf_ci = (-math.inf, math.inf)
            flags.append("the slope is not significantly negative: the confidence interval "
                         "of tf is unbounded")
        if tf < t[-1]:
            flags.append(f"the x-intercept tf = {tf:.6g} lies before the last sample "
                         f"({t[-1]:.6g}): the line does not describe the data near the end")
        params["tf"] = tf
    stderr.setdefault("tf", math.nan)
    if warn:
        _emit(flags, "inverse_rate")
    return ContinuousFitResult(
        model="inverse_rate", params=params, stderr=stderr, cov=cov.tolist(),
        cov_names=["intercept", "slope"], tf=None if math.isnan(tf) else tf, tf_ci=tf_ci,
        n_samples=int(n), window=(float(t[0]), float(t[-1])), rss=rss,
        sigma=math.sqrt(sigma2) if sigma2 == sigma2 else math.nan, method=method,
        converged=converged, message=message, warnings=flags, ci_level=ci_level,
        origin=origin)


# --------------------------------------------------------------------------------------------
# Creep law fitted to strain rates
# --------------------------------------------------------------------------------------------

_CREEP_NAMES = ("k1", "c", "p1", "k2", "tf", "p2")


def _creep_rate(t, x):
    return lk.creep_rate(t, *x)


def creep_strain_fit(times, strain, *, tf: float | None = None, t_min: float | None = None,
                     t_max: float | None = None, rate_interval: float | None = None,
                     scale: str = "linear", ci_level: float = 0.95, origin=None,
                     warn: bool = True) -> ContinuousFitResult:
    """Least-squares fit of the creep law to a strain-rate series.

    The rate is ``d strain / d t`` by finite differences (at midpoints; with
    ``rate_interval`` the strain is first interpolated to a regular grid of that spacing,
    which suppresses noise). The rate model is
    ``k1 (t + c)**-p1 + k2 (tf - t)**-p2`` on the input time axis (use times relative to the
    start of creep, so that ``c`` is a small positive offset).

    Differencing over an interval ``h`` biases the rate where it changes on time scales
    shorter than ``h`` (the start of creep, the last moments before failure); choose ``h``
    as short as the noise allows.

    The fit minimises squared residuals of the rate (``scale="linear"``, as VarPy) or of its
    logarithm (``scale="log"``, which weights the slow decelerating phase as much as the fast
    tertiary one; non-positive rates are dropped). Starting values come from separate fits of
    a modified Omori law to the first third and an inverse Omori law to the last third of the
    window (VarPy's scheme, without its shift bug), combined with a few variants; the best
    of ``scipy.optimize.least_squares`` (trust-region, bounds) runs is kept.

    Parameters
    ----------
    times, strain : array_like
    tf : float, optional
        Failure time (retrospective mode); estimated when None (forecast mode, ``tf`` after
        the last sample).
    t_min, t_max : float, optional
        Window of samples used.
    rate_interval : float, optional
        Regular spacing for the finite differences.
    scale : {"linear", "log"}
    ci_level : float

    Returns
    -------
    ContinuousFitResult
        ``params`` ``k1, c, p1, k2, tf, p2``; standard errors from the Gauss-Newton covariance
        ``s**2 (J^T J)^-1``; ``tf_ci`` is the Wald interval of ``log(tf - t_last)`` mapped back
        (it stays after the data).
    """
    if scale not in ("linear", "log"):
        raise ValueError(f"scale must be 'linear' or 'log', not {scale!r}")
    t, e = _xy(times, strain, t_min, t_max, "strain")
    if t.size < 10:
        raise FitError(f"creep_strain_fit needs at least 10 samples; got {t.size}")
    tm, rate = finite_difference_rate(t, e, interval=rate_interval)
    if scale == "log":
        keep = rate > 0
        tm, rate = tm[keep], rate[keep]
    if tm.size < 8:
        raise FitError(f"only {tm.size} usable rate samples; creep_strain_fit needs 8")
    t_start, t_last = float(t[0]), float(t[-1])
    span = t_last - t_start
    if tf is not None and not tf > t_last:
        raise DataFormatError(f"tf = {tf:g} is not after the last sample {t_last:g}", key="tf",
                              expected="tf > last sample time")
    # coordinates: log k1, log(t_start + c), p1, log k2, log(tf - t_last), p2
    lo = np.array([-np.inf, math.log(1e-8 * span), 0.0, -np.inf, math.log(1e-8 * span), 0.0])
    hi = np.array([np.inf, math.log(1e3 * span), 20.0, np.inf, math.log(1e3 * span), 20.0])
    free = [0, 1, 2, 3, 5] if tf is not None else [0, 1, 2, 3, 4, 5]

    def natural(theta_free):
        th = np.empty(6)
        th[free] = theta_free
        if tf is not None:
            th[4] = math.log(tf - t_last)
        return np.array([math.exp(th[0]), math.exp(th[1]) - t_start, th[2], math.exp(th[3]),
                         t_last + math.exp(th[4]), th[5]])

    def resid(theta_free):
        x = natural(theta_free)
        with np.errstate(all="ignore"):
            model = _creep_rate(tm, x)
            out = (np.log(model) - np.log(rate)) if scale == "log" else (model - rate)
        return np.where(np.isfinite(out), out, 1e10)

    starts = []
    third = span / 3.0
    early = tm < t_start + third
    late = tm >= t_last - third
    for pe, pl in ((1.0, 1.0), (0.5, 1.5), (1.5, 0.5)):
        # rough component fits: log-log slopes give p, levels give k
        k1 = max(np.median(rate[early]), 1e-12) * (third / 2.0) ** pe
        d_end = (tf - t_last) if tf is not None else 0.05 * span
        k2 = max(np.median(rate[late]), 1e-12) * (d_end + third / 2.0) ** pl
        starts.append(np.array([math.log(k1), math.log(0.01 * span), pe, math.log(k2),
                                math.log(d_end), pl]))
    best = None
    for st in starts:
        th0 = np.clip(st, lo + 1e-9, hi - 1e-9)[free]
        try:
            res = optimize.least_squares(resid, th0, bounds=(lo[free], hi[free]),
                                         x_scale="jac", max_nfev=2000)
        except (ValueError, FloatingPointError) as exc:
            raise FitError(f"creep least-squares fit failed: {exc}") from exc
        if best is None or res.cost < best.cost:
            best = res
    x = natural(best.x)
    r = resid(best.x)
    n = tm.size
    k = len(free)
    rss = float(r @ r)
    sigma2 = rss / (n - k) if n > k else math.nan
    # Gauss-Newton covariance on the natural scale: J_nat = J_theta (dtheta/dx)
    jac_theta = best.jac
    dx_dth = np.array([x[0], x[1] + t_start, 1.0, x[3], x[4] - t_last, 1.0])[free]
    flags = []
    params = {nm: float(v) for nm, v in zip(_CREEP_NAMES, x)}
    stderr = {nm: math.nan for nm in _CREEP_NAMES}
    cov_nat = None
    try:
        cov_th = sigma2 * np.linalg.inv(jac_theta.T @ jac_theta)
        cov_nat = cov_th * np.outer(dx_dth, dx_dth)
        for j, i in enumerate(free):
            stderr[_CREEP_NAMES[i]] = float(math.sqrt(max(cov_nat[j, j], 0.0)))
    except np.linalg.LinAlgError:
        flags.append("singular Jacobian: standard errors unavailable")
        cov_th = None
    tf_ci = None
    if tf is None and cov_th is not None:
        j = free.index(4)
        z = stats.norm.ppf(0.5 + ci_level / 2.0)
        s_hat = best.x[j]
        s_se = math.sqrt(max(cov_th[j, j], 0.0))
        upper = s_hat + z * s_se
        tf_ci = (t_last + math.exp(s_hat - z * s_se),
                 t_last + math.exp(upper) if upper < hi[4] else math.inf)
    for j, i in enumerate(free):
        if best.active_mask[j] != 0:
            side = "lower" if best.active_mask[j] < 0 else "upper"
            flags.append(f"{_CREEP_NAMES[i]} = {x[i]:.6g} is at its {side} bound")
    if not best.success:
        flags.append(f"least squares did not converge: {best.message}")
    if warn:
        _emit(flags, "creep_lsq")
    cov_names = [_CREEP_NAMES[i] for i in free]
    return ContinuousFitResult(
        model="creep_lsq", params=params, stderr=stderr,
        cov=cov_nat.tolist() if cov_nat is not None else [[math.nan] * k] * k,
        cov_names=cov_names, tf=float(x[4]), tf_ci=tf_ci, n_samples=int(n),
        window=(t_start, t_last), rss=rss, sigma=math.sqrt(sigma2), method=f"lsq-{scale}",
        converged=bool(best.success), message=str(best.message), warnings=flags,
        ci_level=ci_level, fixed=["tf"] if tf is not None else [], origin=origin)
