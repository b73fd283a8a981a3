"""Maximum-likelihood machinery for rate models: event windows, optimisers and :class:`FitResult`.

The model classes in :mod:`varpy.modelling.models` describe a rate; this module fits it. It
turns an optimiser's :class:`Optimum` into a :class:`FitResult` (:func:`build_result`: observed
information, the failure-time profile interval, flags) and is the place users import the
fitting machinery from; the pieces live in

==========================================  =================================================
:mod:`varpy.modelling.events`               :class:`Parameter`, :class:`EventWindow`,
                                            :class:`Optimum`, default search ranges
:mod:`varpy.modelling.optimize`             :func:`minimize_box`, :func:`multistart_maximize`,
                                            :func:`legacy_nelder_mead`
:mod:`varpy.modelling.profile`              :func:`power_law_search`, :func:`profile_interval`
:mod:`varpy.modelling.results`              :class:`FitResult`
==========================================  =================================================

May import: numpy, :mod:`varpy.exceptions`, those four modules (never
:mod:`varpy.modelling.models`: the models import this module).

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
import logging
import math
import warnings

import numpy as np

from varpy.exceptions import FitWarning, UnknownFormatError
from varpy.modelling.events import (  # noqa: F401  (re-exported: users import them from here)
    OFFSET_RANGE, P_RANGE, EventWindow, Optimum, Parameter)
from varpy.modelling.optimize import (  # noqa: F401
    LEGACY_PENALTY, legacy_nelder_mead, minimize_box, multistart_maximize)
from varpy.modelling.profile import _as_list, power_law_search, profile_interval  # noqa: F401
from varpy.modelling.profile import _strictly_increasing
from varpy.modelling.results import (  # noqa: F401
    FitResult, estimates_from_json, origin_to_json)


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
    tf_bound = None
    if opt.method == "legacy":
        flags.extend(model.domain_messages(x, window))
    else:
        for i in free:
            spec = params_spec[i]
            where = spec.at_bound(values[i])
            if where:
                at_bound.append(i)
                if spec.name == "tf":
                    tf_bound = where
                    if where == "upper":
                        flags.append(f"tf = {describe_time(values[i], origin)} is at the upper "
                                     "bound of its search range (1000 window lengths after the "
                                     "data): the data show no acceleration towards a failure "
                                     "time; the forecast is meaningless")
                    # at the lower bound: the singularity rule below says so
                else:
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
        if "tf" not in fixed and opt.method != "legacy" and finite_ll:
            tf_ci, profile_tf, ci_flags = _tf_interval(model, window, fixed, opt, ci_level,
                                                       params_spec)
            flags.extend(ci_flags)
        if "tf" not in fixed:          # a fixed parameter is never flagged
            msg = singularity_message(window, params["tf"], opt.loglik, tf_ci, profile_tf,
                                      tf_bound, stderr.get("tf", math.nan), ci_level, origin)
            if msg:
                flags.append(msg)
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


def describe_time(x: float, origin) -> str:
    """A time of the fitted float axis in the data's own terms, for messages.

    Calendar data (``origin`` a date string or Timestamp): ``"2004-03-16 20:46 UTC"``;
    laboratory data (``origin`` in seconds): ``"10716.9 s (178.6 min) since the experiment
    start"``; without an origin the axis value itself.

    >>> describe_time(2.5, "2004-03-01T00:00:00+00:00")
    '2004-03-03 12:00 UTC'
    >>> describe_time(120.0, 3000.0)
    '3120 s (52 min) since the experiment start'
    """
    if not math.isfinite(x):
        return f"{x}"
    if origin is None:
        return f"{x:.8g} (fitted time axis)"
    if isinstance(origin, (int, float, np.number)) and not isinstance(origin, bool):
        sec = float(origin) + float(x)
        return f"{sec:.6g} s ({sec / 60.0:.4g} min) since the experiment start"
    from varpy.management.timeconv import from_days

    try:
        return from_days(float(x), origin).strftime("%Y-%m-%d %H:%M UTC")
    except (ValueError, OverflowError):
        return f"{x:.6g} days after {origin} (beyond the calendar)"


def _rising_to_boundary(t1: float, tf: float, loglik: float, profile_tf,
                        tf_bound: str | None) -> bool:
    if tf_bound == "lower" or not tf > t1:
        return True
    if profile_tf:
        pt = np.asarray(profile_tf["tf"], dtype=np.float64)
        pl = np.asarray(profile_tf["loglik"], dtype=np.float64)
        near = (pt > t1) & (pt < tf) & np.isfinite(pl)
        if near.any():
            first = int(np.argmin(np.where(near, pt, np.inf)))
            return bool(pl[first] >= loglik - 1e-9 * max(1.0, abs(loglik)))
    return False


def supremum_at_boundary(fit: FitResult) -> bool:
    """True when the profile likelihood of the estimated ``tf`` keeps rising towards the end
    of the data (its supremum at ``tf -> t1``): the fit did not estimate a failure time.

    Judged from the stored result (lower bound of tf, stored profile points), as
    :func:`singularity_message` judges it at fit time.
    """
    if fit.tf is None or "tf" in fit.fixed:
        return False
    from varpy.modelling.registry import get_model   # filled by varpy.modelling.models

    t0, t1 = (float(v) for v in fit.window)
    bound = None
    try:
        specs = get_model(fit.model).parameters(t0, t1)
    except UnknownFormatError:
        specs = []
    for spec in specs:
        if spec.name == "tf":
            bound = spec.at_bound(float(fit.tf))
    return _rising_to_boundary(t1, float(fit.tf), float(fit.loglik), fit.profile_tf, bound)


def singularity_message(window: EventWindow, tf: float, loglik: float, tf_ci, profile_tf,
                        tf_bound: str | None, se_tf: float, level: float, origin) -> str | None:
    """The likelihood-grounded singularity flag of an estimated ``tf``, or None.

    The singular solution of a power-law rate is the one where the profile likelihood of
    ``tf`` keeps rising towards the end of the data (its supremum at the boundary ``tf ->
    t1``: the optimiser stops on the bound, or a stored profile point nearer the boundary is
    at least as likely as the optimum), or where the interval of ``tf`` reaches the boundary
    (failure right after the last event cannot be excluded). A forecast close to the data
    with a bounded, interior optimum is not flagged, however close. Legacy fits (no profile)
    use the Wald interval ``tf - z se``.
    """
    t1 = float(window.t1)
    rising = _rising_to_boundary(t1, tf, loglik, profile_tf, tf_bound)
    reaches = False
    if tf_ci is not None:
        reaches = tf_ci[0] <= t1
    elif math.isfinite(se_tf) and se_tf > 0:
        from scipy import stats

        reaches = tf - float(stats.norm.ppf(0.5 + level / 2.0)) * se_tf <= t1
    if not (rising or reaches):
        return None
    last = (f"; last event {describe_time(float(window.times[-1]), origin)}" if window.n
            else "")
    why = ("the profile likelihood of tf keeps rising towards the end of the data"
           if rising else f"its {100 * level:g}% interval reaches the end of the data")
    return (f"tf = {describe_time(tf, origin)}: {why} ({describe_time(t1, origin)}{last}), so "
            "failure right after the last event cannot be excluded: a singularity fitted to "
            "the last events, not a forecast")


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
