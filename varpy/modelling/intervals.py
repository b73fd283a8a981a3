"""Interval methods for failure-time forecasts: ``ci_method=`` of fits and experiments.

=============  ===================================================================================
``auto``       The default: ``clustered`` for the forecasts of the inverse Omori models (where it
               is calibrated on clustered sequences: docs/guide/intervals.rst), ``profile`` for
               every other fit (no failure time, or ``tf`` fixed). Results record the method
               used.
``profile``    The Poisson profile-likelihood interval of the fitted model (the fit's own
               ``tf_ci``). Assumes the events are independent; too narrow on clustered data.
``clustered``  Profile likelihood of ``tf`` under the clustered inverse Omori model
               (:func:`varpy.modelling.clustered.fit_clustered`: the inverse-Omori rate as the
               background of ETAS triggering), with the branching ratio.
``bootstrap``  Parametric bootstrap from the clustered fit, ``tf`` re-estimated by the inverse
               Omori fit (:func:`varpy.simulation.clustered.bootstrap_tf_interval`).
=============  ===================================================================================

:func:`apply_ci_method` turns a :class:`~varpy.modelling.results.FitResult` (inverse Omori or
hyperbolic, forecast mode) into one whose ``tf_ci``, :meth:`~FitResult.prob_failure_before`
and forecast distribution (:mod:`varpy.modelling.scoring`) follow the chosen method; the
result records ``ci_method`` and, in ``interval``, the method's status (a flagged status means
no interval: ``tf_ci`` is None) and what its forecast distribution needs. docs/guide/intervals.rst
has the calibration table that tells which to use.

The bootstrap simulates, so it lives in the simulation layer; it is found by name
(:data:`METHOD_FUNCTIONS`), as stored results are.

Examples
--------
>>> import numpy as np
>>> from varpy.modelling.models import get_model
>>> rng = np.random.default_rng(0)
>>> times = np.sort(100 - 100 * rng.uniform(0, 1, 300) ** 2)
>>> fit = get_model("iol").fit(times[times < 90], 0.0, 90.0, warn=False)
>>> cfit = apply_ci_method(fit, times[times < 90], method="clustered")
>>> cfit.ci_method, cfit.interval["status"]
('clustered', 'ok')
>>> round(cfit.prob_failure_before(cfit.tf_ci[1]), 3)
0.975
"""
from __future__ import annotations

import importlib
import math

import numpy as np

from varpy.exceptions import DataFormatError
from varpy.modelling.results import FitResult

__all__ = ["CI_METHODS", "DEFAULT_CI_METHOD", "METHOD_FUNCTIONS", "check_ci_method",
           "resolve_ci_method", "apply_ci_method"]

#: The interval methods, the default first.
CI_METHODS = ("auto", "profile", "clustered", "bootstrap")
#: The default of every fit workflow (experiments, prospective forecasts, spec, CLI).
DEFAULT_CI_METHOD = "auto"
#: Models whose failure-time forecasts the clustered methods apply to.
CLUSTERED_MODELS = ("iol", "hyperbolic")

#: Where the resampling methods live (``module:function``), imported when first used.
METHOD_FUNCTIONS = {"bootstrap": "varpy.simulation.clustered:bootstrap_tf_interval"}

#: Statuses that still carry an interval (the upper end may be infinite).
_WITH_INTERVAL = ("ok", "unbounded")


def check_ci_method(method) -> str:
    """``method`` if it is one of :data:`CI_METHODS`; DataFormatError naming them otherwise."""
    if method not in CI_METHODS:
        raise DataFormatError(f"unknown ci_method {method!r}", key="ci_method",
                              expected=f"one of {list(CI_METHODS)}")
    return method


def resolve_ci_method(method: str, fit: FitResult) -> str:
    """The method ``method`` means for ``fit``: ``"auto"`` is ``"clustered"`` for a forecast
    of an inverse Omori model (:data:`CLUSTERED_MODELS`) and ``"profile"`` otherwise; any
    other method is itself."""
    check_ci_method(method)
    if method != "auto":
        return method
    forecast = fit.model in CLUSTERED_MODELS and fit.mode == "forecast"
    return "clustered" if forecast else "profile"


def _function(name: str):
    module, func = METHOD_FUNCTIONS[name].split(":")
    return getattr(importlib.import_module(module), func)


def apply_ci_method(fit: FitResult, times, magnitudes=None, method: str = DEFAULT_CI_METHOD, *,
                    seed=None, n_boot: int = 200, executor=None,
                    progress: bool | None = None) -> FitResult:
    """A copy of ``fit`` whose interval of ``tf`` comes from ``method``.

    Parameters
    ----------
    fit : FitResult
        An inverse Omori (``iol``) or hyperbolic fit that estimated ``tf``.
    times, magnitudes : array_like
        The events the fit used (magnitudes of the same events, optional: without them every
        event is equally productive).
    method : {"auto", "profile", "clustered", "bootstrap"}
        ``"auto"`` (default): :func:`resolve_ci_method`.
    seed, n_boot, executor, progress
        Bootstrap only: seed (int, SeedSequence or Generator), number of replicates, executor
        and progress bar of :func:`varpy.parallel.map_tasks`.

    Returns
    -------
    FitResult
        ``fit`` itself for ``"profile"`` or when ``tf`` was fixed; otherwise a copy with
        ``ci_method``, ``tf_ci`` (None when the method's status is not ok/unbounded, with a
        warning saying why) and ``interval``.
    """
    from varpy.modelling.clustered import fit_clustered

    method = resolve_ci_method(method, fit)
    if method == "profile" or fit.mode != "forecast":
        return fit
    if fit.model not in ("iol", "hyperbolic"):
        raise DataFormatError(f"ci_method={method!r} applies to the inverse Omori models "
                              f"('iol', 'hyperbolic'), not {fit.model!r}", key="ci_method",
                              expected="'profile' for this model")
    t0, t1 = (float(v) for v in fit.window)
    fixed = {"p": 1.0} if fit.model == "hyperbolic" else None
    cf = fit_clustered(times, t0, t1, magnitudes, mc=fit.mc, fixed=fixed,
                       ci_level=fit.ci_level, interval=(method == "clustered"), warn=False)
    out = FitResult.from_dict(fit.to_dict())
    out.ci_method = method
    poisson = None if fit.tf_ci is None else [float(v) for v in fit.tf_ci]
    interval = {"status": cf.status, "poisson_tf_ci": poisson,
                "branching_ratio": cf.branching_ratio, "branching_se": cf.branching_se,
                "loglik_clustered": cf.loglik}
    if method == "bootstrap" and cf.status in _WITH_INTERVAL:
        bt = _function("bootstrap")(cf, magnitudes, n_boot=n_boot, seed=seed,
                                    executor=executor, progress=progress, tf_hat=fit.tf)
        cf = bt
        interval["status"] = bt.status
        b = bt.bootstrap or {}
        if b.get("tf"):
            s_star = np.log(np.asarray(b["tf"], dtype=np.float64) - t1)
            forecast = np.sort(math.log(fit.tf - t1) - (s_star - math.log(b["tf_sim"] - t1)))
            interval.update(forecast_s=forecast.tolist(), n_boot=int(n_boot),
                            n_failed=int(b.get("n_failed", 0)))
    elif method == "clustered" and cf.profile_tf:
        interval.update(tf=cf.tf, loglik_max=cf.loglik, profile_tf=cf.profile_tf)
    out.interval = interval
    if cf.status in _WITH_INTERVAL and cf.tf_ci is not None:
        out.tf_ci = tuple(float(v) for v in cf.tf_ci)
    else:
        out.tf_ci = None
        out.warnings = list(out.warnings) + [
            f"ci_method={method!r} gives no interval: status {cf.status!r}"
            + (f" ({cf.warnings[-1]})" if cf.warnings else "")]
    return out
