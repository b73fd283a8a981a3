"""Parametric-bootstrap interval of the failure time from a clustered inverse-Omori fit.

The clustered model (:mod:`varpy.modelling.clustered`) is an inverse-Omori (FFM) background
under ETAS triggering. :func:`simulate_clustered` simulates it (through
:func:`varpy.simulation.etas.simulate_etas` with an
:class:`~varpy.simulation.point_process.InverseOmoriRate` background) and
:func:`bootstrap_tf_interval` turns a fit into a bootstrap interval of ``tf``: catalogues are
simulated from the fit on the observed window, ``tf`` is re-estimated on each (by default with
the plain inverse-Omori fit, the estimator whose uncertainty is wanted), and the spread of
the re-estimates in ``s = log(tf - t1)`` around the simulated truth is placed around the
estimate (basic bootstrap). Replicates are seeded through :func:`varpy.parallel.spawn_seeds`
and run through :func:`varpy.parallel.map_tasks`, so results are identical serially and on any
executor. It lives in the simulation layer because it simulates; docs/guide/intervals.rst
compares it with the profile intervals.

Examples
--------
>>> from varpy.modelling.clustered import fit_clustered
>>> params = dict(k=20.0, tf=100.0, p=1.0, K=0.02, alpha=1.0, c=0.01, q=1.2)
>>> times, mags = simulate_clustered(params, 0.0, 95.0, seed=3)
>>> fit = fit_clustered(times, 0.0, 95.0, mags, mc=0.0, interval=False, warn=False)
>>> boot = bootstrap_tf_interval(fit, mags, n_boot=40, seed=1, progress=False)
>>> boot.ci_method, boot.status, 95.0 < boot.tf_ci[0] < boot.tf_ci[1]
('bootstrap', 'ok', True)
"""
from __future__ import annotations

import functools
import math

import numpy as np

from varpy.exceptions import DataFormatError, FitError, SimulationError
from varpy.modelling.clustered import MIN_EVENTS, ClusteredFitResult, fit_clustered
from varpy.modelling.events import OFFSET_RANGE
from varpy.modelling.models import get_model
from varpy.parallel import map_tasks, spawn_seeds
from varpy.simulation.etas import simulate_etas
from varpy.simulation.point_process import InverseOmoriRate

__all__ = ["simulate_clustered", "bootstrap_tf_interval"]


# --------------------------------------------------------------------------------------------

def simulate_clustered(params: dict, t0: float, t1: float, *, b: float = 1.0, mc: float = 0.0,
                       mmax: float | None = None, seed=None):
    """Simulate the clustered inverse Omori model on ``[t0, t1)``: ``(times, magnitudes)``.

    Background ``InverseOmoriRate(k, tf, p)``, ETAS triggering ``K exp(alpha (m - mc))
    (t - t_i + c)^-q`` with Gutenberg-Richter magnitudes (``b``, above ``mc``, optional
    ``mmax``) through :func:`varpy.simulation.etas.simulate_etas` (branching-ratio check over
    the window length).
    """
    bg = InverseOmoriRate(params["k"], params["tf"], params["p"])
    cat = simulate_etas(bg, k=params["K"], alpha=params["alpha"], c=params["c"],
                        p=params["q"], b=b, t_start=t0, t_end=t1, mmin=mc, mmax=mmax,
                        horizon=t1 - t0, seed=seed)
    return cat["time"].to_numpy(), cat["magnitude"].to_numpy()


def _bootstrap_task(task, *, params, t0, t1, b, mc, mmax, refit):
    times, mags = simulate_clustered(params, t0, t1, b=b, mc=mc, mmax=mmax, seed=task)
    if times.size < MIN_EVENTS:
        return math.nan
    if refit == "iol":
        try:
            fit = get_model("iol").fit(times, t0, t1, warn=False)
        except FitError:
            return math.nan
        return float(fit.params["tf"])
    fit = fit_clustered(times, t0, t1, mags, mc=mc, interval=False, warn=False)
    return fit.tf if fit.status in ("ok", "unbounded") else math.nan


def bootstrap_tf_interval(fit: ClusteredFitResult, magnitudes=None, *, n_boot: int = 200,
                          refit: str = "iol", level: float | None = None, seed=None,
                          executor=None, progress: bool | None = None,
                          tf_hat: float | None = None) -> ClusteredFitResult:
    """Parametric-bootstrap interval of ``tf`` from a clustered fit.

    Catalogues are simulated from ``fit`` on its window; ``tf`` is re-estimated on each
    (``refit="iol"``: the plain inverse-Omori fit, whose estimate ``tf_hat`` is being
    qualified; ``"clustered"``: :func:`fit_clustered`). With ``s = log(tf - t1)`` the interval
    is the basic bootstrap ``[2 s_ref - s*_(1+level)/2, 2 s_ref - s*_(1-level)/2]`` mapped back,
    where ``s_ref`` is the estimate used as truth in the simulation.

    Parameters
    ----------
    fit : ClusteredFitResult
        A clustered fit with status "ok" or "unbounded".
    magnitudes : array_like, optional
        Observed magnitudes: their b-value (Aki-Utsu, continuous) sets the simulated magnitudes
        (b = 1 without them).
    n_boot : int
        Number of replicates.
    refit : {"iol", "clustered"}
    level : float, optional
        Default ``fit.ci_level``.
    seed : int, Generator or None
        Replicate ``i`` uses ``spawn_seeds(seed, n_boot)[i]``: identical serially and in
        parallel.
    executor, progress
        Passed to :func:`varpy.parallel.map_tasks`.
    tf_hat : float, optional
        The estimate the interval is centred on (default: the plain inverse-Omori estimate
        when ``refit="iol"`` is recomputed by the caller; else ``fit.tf``).

    Returns
    -------
    ClusteredFitResult
        A copy of ``fit`` with ``ci_method="bootstrap"``, ``tf_ci`` and ``bootstrap``.
    """
    if refit not in ("iol", "clustered"):
        raise DataFormatError(f"refit={refit!r}", key="refit", expected="'iol' or 'clustered'")
    level = fit.ci_level if level is None else float(level)
    out = ClusteredFitResult.from_dict(fit.to_dict())
    out.ci_method = "bootstrap"
    out.ci_level = level
    out.tf_ci = None
    if fit.status not in ("ok", "unbounded"):
        out.warnings = list(fit.warnings) + [f"no bootstrap: the fit has status {fit.status!r}"]
        return out
    t0, t1 = fit.window
    mc = fit.mc if fit.mc is not None else 0.0
    b = 1.0
    mmax = None
    if magnitudes is not None:
        m = np.asarray(magnitudes, dtype=np.float64)
        excess = float(np.mean(m - mc))
        b = 1.0 / (math.log(10.0) * excess) if excess > 0 else 1.0
        mmax = float(m.max()) + 1.0
    params = dict(fit.params)
    if not params["K"] > 0:
        params.update(K=0.0, alpha=0.0, c=1e-3 * (t1 - t0), q=1.2)
    if params["alpha"] >= b * math.log(10.0) and mmax is None:
        mmax = mc + 5.0
    task = functools.partial(_bootstrap_task, params=params, t0=t0, t1=t1, b=b, mc=mc,
                             mmax=mmax, refit=refit)
    try:
        tf_star = map_tasks(task, spawn_seeds(seed, n_boot), executor=executor,
                            progress=progress, desc="bootstrap")
    except SimulationError as exc:       # e.g. a supercritical fit: reported, not raised
        out.status = "bootstrap-failed"
        out.warnings = list(fit.warnings) + [f"the fitted model cannot be simulated: {exc}"]
        return out
    tf_star = np.asarray(tf_star, dtype=np.float64)
    ok = np.isfinite(tf_star) & (tf_star > t1)
    n_failed = int(tf_star.size - ok.sum())
    ref = fit.tf if tf_hat is None else float(tf_hat)
    out.bootstrap = {"tf": tf_star[ok].tolist(), "tf_hat": ref, "refit": refit,
                     "n_failed": n_failed, "tf_sim": fit.tf,
                     "seed": seed if isinstance(seed, (int, type(None))) else str(seed)}
    warn = list(fit.warnings)
    if ok.sum() < max(20, 0.9 * n_boot):
        out.status = "bootstrap-failed"
        warn.append(f"{n_failed} of {n_boot} bootstrap refits failed")
        out.warnings = warn
        return out
    s_star = np.log(tf_star[ok] - t1)
    s_sim = math.log(fit.tf - t1)
    s_ref = math.log(ref - t1)
    # basic bootstrap in s: the spread of s* around the simulated truth, applied to s_ref
    q_lo, q_hi = np.quantile(s_star - s_sim, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    s_upper_bound = math.log(OFFSET_RANGE[1] * (t1 - t0))
    hi_s = s_ref - q_lo
    lo_s = s_ref - q_hi
    out.bootstrap["tf_hat"] = ref
    out.bootstrap["shift"] = s_ref - s_sim
    hi = math.inf if hi_s >= s_upper_bound - 1e-6 else t1 + math.exp(hi_s)
    out.tf_ci = (t1 + math.exp(lo_s), hi)
    if not math.isfinite(hi):
        out.status = "unbounded"
        warn.append("the bootstrap interval reaches the upper search bound: unbounded above")
    out.warnings = warn
    return out
