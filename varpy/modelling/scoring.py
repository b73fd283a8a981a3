"""Scoring failure-time forecasts against the known failure time.

A retrospective forecast (:func:`varpy.modelling.experiments.multiple_analysis` with the
known ``tf``) gives, at each forecast time ``t_forc``, an estimate ``tf_hat``, a confidence
interval and a forecast distribution of the failure time. :func:`score_forecasts` compares
them with the true failure time ``tf``, step by step, so that methods (legacy versus default
fits, Mc rules, models) can be compared on history.

Per step (only fits that *estimated* tf, at ``t_forc < tf``):

``lead_time``
    ``tf - t_forc``: how far ahead the forecast was made (axis units: days or seconds).
``error``, ``abs_error``, ``rel_error``
    ``tf_hat - tf``, its absolute value, and ``error / lead_time`` (an error of 10 days means
    more 100 days ahead than 10 days ahead).
``ci_low``, ``ci_high``, ``covered``
    The interval at the fit's ``ci_level`` (0.95 by default) and whether it contains ``tf``.
``pit``
    Probability integral transform ``F(tf)``: uniform on (0, 1) for calibrated forecasts.
``log_score``
    Natural log of the forecast density at the true failure time, ``log f(tf)`` (per axis
    unit, i.e. per day for volcanic data). Higher is better; ``-inf`` when the forecast gave
    the true time no density at all.

Forecast distributions (``method=``)
------------------------------------
``"profile"`` (default)
    The fit's own interval method (``FitResult.ci_method``, see
    :mod:`varpy.modelling.intervals`): for ``"clustered"`` the profile under the clustered
    likelihood, as below; for ``"bootstrap"`` the empirical distribution of the bootstrap
    forecasts (CDF) with a Gaussian kernel density in ``s = log(t - t1)`` (Silverman's
    bandwidth) for the log score. For the default ``ci_method="profile"``: the
    profile-likelihood confidence distribution of :meth:`FitResult.prob_failure_before`:
    ``F(t) = Phi(r(t))`` with the signed root ``r = sign(t - tf_hat) sqrt(2 (l_max - l_p(t)))``
    of the profile log-likelihood of tf, made monotone and interpolated linearly in
    ``s = log(t - t1)`` between the profile points stored with the fit (``t1`` = ``t_forc``).
    Its density is ``f(t) = phi(r(t)) r'(s) / (t - t1)`` with ``r'(s)`` the slope of the
    interpolating segment; it is 0 (log score ``-inf``) beyond the profiled range and where the
    monotone envelope is flat. Its central intervals are the profile-likelihood intervals
    ``FitResult.tf_ci``. Needs a non-legacy fit (legacy fits store no profile).
``"wald"``
    Normal with mean ``tf_hat`` and the standard error of tf (inverse observed information);
    interval ``tf_hat +- z se``.
``"wald_log"``
    Normal in ``log(t - t1)`` with standard error ``se / (tf_hat - t1)`` (delta method), i.e.
    log-normal tf after ``t1``; interval ``t1 + (tf_hat - t1) exp(+- z se_log)``. Never puts
    probability before ``t1``.

These are frequentist confidence distributions, not Bayesian posteriors; the log score of a
confidence distribution is still a proper way to rank methods on the same history.

Examples
--------
>>> import numpy as np
>>> from varpy.modelling.models import get_model
>>> from varpy.modelling.scoring import forecast_cdf, forecast_log_density
>>> rng = np.random.default_rng(3)
>>> times = np.sort(100.0 - 100.0 * rng.uniform(size=300) ** 2)   # rate ~ (100 - t)**-0.5 ...
>>> fit = get_model("iol").fit(times[times < 90.0], 0.0, 90.0, warn=False)
>>> lo, hi = fit.tf_ci
>>> round(forecast_cdf(fit, lo), 3), round(forecast_cdf(fit, hi), 3)
(0.025, 0.975)
>>> bool(np.isfinite(forecast_log_density(fit, 100.0)))
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from varpy._json import json_float
from varpy._json import jsonable as _enc
from varpy.exceptions import DataFormatError, FitError
from varpy.modelling.results import FitResult

__all__ = [
    "DENSITY_METHODS",
    "forecast_cdf",
    "forecast_log_density",
    "forecast_interval",
    "ForecastScores",
    "score_forecasts",
    "compare_scores",
]

DENSITY_METHODS = ("profile", "wald", "wald_log")


def _check(fit: FitResult, method: str) -> None:
    if method not in DENSITY_METHODS:
        raise DataFormatError(f"method={method!r} is not a forecast distribution",
                              key="method", expected=f"one of {list(DENSITY_METHODS)}")
    if fit.tf is None:
        raise FitError(f"model {fit.model!r} has no failure time to score")
    if "tf" in fit.fixed:
        raise FitError("tf was fixed in this fit (retrospective analysis); nothing was forecast")


def _signed_root(fit: FitResult):
    """Knots ``(s, r)`` of the monotone signed-root curve (as in prob_failure_before): of the
    fit's own profile, or of the clustered profile when ``fit.ci_method == "clustered"``."""
    profile, tf_hat, ll_max = fit.profile_tf, fit.tf, fit.loglik
    if fit.ci_method == "clustered":
        iv = fit.interval or {}
        if iv.get("status") not in ("ok", "unbounded"):
            return None
        profile, tf_hat, ll_max = iv.get("profile_tf"), iv.get("tf"), iv.get("loglik_max")
    if not profile:
        return None
    t1 = float(fit.window[1])
    tf = np.asarray(profile["tf"], dtype=np.float64)
    ll = np.asarray(profile["loglik"], dtype=np.float64)
    ok = np.isfinite(ll) & (tf > t1)
    if np.count_nonzero(ok) < 2:
        return None
    s = np.log(tf[ok] - t1)
    r = np.sign(tf[ok] - tf_hat) * np.sqrt(2.0 * np.maximum(ll_max - ll[ok], 0.0))
    order = np.argsort(s, kind="stable")
    s, r = s[order], np.maximum.accumulate(r[order])
    return s, r


def _bootstrap_s(fit: FitResult):
    """Sorted bootstrap forecasts of ``s = log(tf - t1)`` of a ``ci_method="bootstrap"`` fit."""
    iv = fit.interval or {}
    if fit.ci_method != "bootstrap" or iv.get("status") not in ("ok", "unbounded"):
        return None
    dist = np.asarray(iv.get("forecast_s") or [], dtype=np.float64)
    return dist if dist.size >= 2 else None


def _se_tf(fit: FitResult) -> float:
    se = fit.stderr.get("tf", math.nan)
    return float(se) if se is not None and se > 0 else math.nan


def forecast_cdf(fit: FitResult, t, method: str = "profile"):
    """Forecast probability that failure occurs before ``t`` (fitted float axis).

    ``method="profile"`` equals ``fit.prob_failure_before(t)``. Scalars give floats, arrays
    give arrays; NaN when the distribution is unavailable (no profile, no standard error).
    """
    _check(fit, method)
    t_arr = np.asarray(t, dtype=np.float64)
    t1 = float(fit.window[1])
    out = np.full(t_arr.shape, math.nan)
    after = t_arr > t1
    if method == "profile" and fit.ci_method == "bootstrap":
        dist = _bootstrap_s(fit)
        if dist is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                x = np.log(np.where(after, t_arr - t1, 1.0))
            out = np.where(after, np.searchsorted(dist, x, side="right") / dist.size, 0.0)
    elif method == "profile":
        curve = _signed_root(fit)
        if curve is not None:
            s, r = curve
            with np.errstate(invalid="ignore", divide="ignore"):
                val = np.interp(np.log(np.where(after, t_arr - t1, 1.0)), s, r)
            out = np.where(after, stats.norm.cdf(val), 0.0)
    elif method == "wald":
        se = _se_tf(fit)
        if math.isfinite(se):
            out = stats.norm.cdf((t_arr - fit.tf) / se)
    else:
        se_log = _se_tf(fit) / (fit.tf - t1)
        if math.isfinite(se_log):
            with np.errstate(invalid="ignore", divide="ignore"):
                z = (np.log(np.where(after, t_arr - t1, 1.0)) - math.log(fit.tf - t1)) / se_log
            out = np.where(after, stats.norm.cdf(z), 0.0)
    return float(out) if np.ndim(t) == 0 else out


def forecast_log_density(fit: FitResult, t, method: str = "profile"):
    """Natural log of the forecast density of the failure time at ``t`` (per axis unit).

    See the module docstring for each ``method``. ``-inf`` where the density is zero
    (``t <= t1``, or outside the profiled range for ``"profile"``); NaN when the distribution
    is unavailable.
    """
    _check(fit, method)
    t_arr = np.asarray(t, dtype=np.float64)
    t1 = float(fit.window[1])
    out = np.full(t_arr.shape, math.nan)
    after = t_arr > t1
    dist = np.where(after, t_arr - t1, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "profile" and fit.ci_method == "bootstrap":
            samples = _bootstrap_s(fit)
            if samples is not None:
                # Gaussian kernel density in s (Silverman's bandwidth), to a density in t
                bw = 1.06 * max(float(np.std(samples)), 1e-12) * samples.size ** -0.2
                z = (np.log(dist)[..., None] - samples) / bw
                logk = stats.norm.logpdf(z) - math.log(bw * samples.size)
                logd = np.logaddexp.reduce(logk, axis=-1) - np.log(dist)
                out = np.where(after, logd, -np.inf)
        elif method == "profile":
            curve = _signed_root(fit)
            if curve is not None:
                s, r = curve
                x = np.log(dist)
                val = np.interp(x, s, r)
                # slope of the segment holding x (0 outside the knots: no density there)
                j = np.clip(np.searchsorted(s, x, side="right") - 1, 0, s.size - 2)
                ds = s[j + 1] - s[j]
                slope = np.where(ds > 0, (r[j + 1] - r[j]) / np.where(ds > 0, ds, 1.0), 0.0)
                inside = (x >= s[0]) & (x <= s[-1])
                slope = np.where(inside, slope, 0.0)
                logd = stats.norm.logpdf(val) + np.log(slope) - np.log(dist)
                out = np.where(after, logd, -np.inf)
        elif method == "wald":
            se = _se_tf(fit)
            if math.isfinite(se):
                out = stats.norm.logpdf(t_arr, loc=fit.tf, scale=se)
        else:
            se_log = _se_tf(fit) / (fit.tf - t1)
            if math.isfinite(se_log):
                logd = (stats.norm.logpdf(np.log(dist), loc=math.log(fit.tf - t1), scale=se_log)
                        - np.log(dist))
                out = np.where(after, logd, -np.inf)
    return float(out) if np.ndim(t) == 0 else out


def forecast_interval(fit: FitResult, method: str = "profile", level: float | None = None):
    """Central interval of the forecast distribution, ``(low, high)`` or None.

    ``"profile"`` returns ``fit.tf_ci`` (its level is ``fit.ci_level``; ``level`` must be None
    or equal to it); the Wald intervals use ``level`` (default ``fit.ci_level``).
    """
    _check(fit, method)
    lev = fit.ci_level if level is None else float(level)
    if method == "profile":
        if level is not None and not math.isclose(lev, fit.ci_level):
            raise DataFormatError(f"the stored profile interval is at level {fit.ci_level}, not "
                                  f"{lev}; refit with ci_level={lev}", key="level")
        return None if fit.tf_ci is None else (float(fit.tf_ci[0]), float(fit.tf_ci[1]))
    z = float(stats.norm.ppf(0.5 + lev / 2.0))
    se = _se_tf(fit)
    if not math.isfinite(se):
        return None
    if method == "wald":
        return (fit.tf - z * se, fit.tf + z * se)
    t1 = float(fit.window[1])
    se_log = se / (fit.tf - t1)
    hi = t1 + (fit.tf - t1) * math.exp(z * se_log) if z * se_log < 700.0 else math.inf
    return (t1 + (fit.tf - t1) * math.exp(-z * se_log), hi)


_COLUMNS = ["step", "t_forc", "lead_time", "n_fit", "tf", "error", "abs_error", "rel_error",
            "ci_low", "ci_high", "covered", "pit", "log_score", "flagged"]


@dataclass
class ForecastScores:
    """Scores of a series of failure-time forecasts against the known failure time.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per scored step: ``step``, ``t_forc`` (axis units), ``lead_time``, ``n_fit``,
        ``tf`` (forecast), ``error``, ``abs_error``, ``rel_error``, ``ci_low``, ``ci_high``,
        ``covered``, ``pit``, ``log_score``, ``flagged`` (see the module docstring).
    true_tf : float
        The known failure time (axis units).
    method : str
        Forecast distribution (``"profile"``, ``"wald"``, ``"wald_log"``).
    level : float
        Nominal level of the intervals.
    unit : str
        ``"days"`` or ``"seconds"``.
    label : str
        Name used by :func:`compare_scores`.
    """

    table: pd.DataFrame
    true_tf: float
    method: str = "profile"
    level: float = 0.95
    unit: str = "days"
    label: str = ""
    n_steps: int = 0
    excluded: dict = field(default_factory=dict)

    def aggregate(self) -> dict:
        """Summary numbers over the scored steps.

        ``n``; ``coverage`` (fraction of intervals containing tf, over the ``n_with_ci`` steps
        that have one); ``bias`` (mean error), ``mean_abs_error``, ``median_abs_error``,
        ``rmse``, ``median_abs_rel_error``; ``mean_log_score`` (``-inf`` if any step gave tf
        zero density), ``median_log_score``, ``n_zero_density``; ``mean_pit``.
        """
        t = self.table
        ci = t["covered"].dropna()
        ls = t["log_score"].to_numpy(dtype=np.float64)
        ls = ls[~np.isnan(ls)]
        err = t["error"].to_numpy(dtype=np.float64)
        pit = t["pit"].to_numpy(dtype=np.float64)
        pit = pit[np.isfinite(pit)]

        def stat(fn, x):
            return float(fn(x)) if len(x) else math.nan

        return {"n": int(len(t)), "n_with_ci": int(ci.size),
                "coverage": float(ci.astype(bool).mean()) if ci.size else math.nan,
                "bias": stat(np.mean, err), "mean_abs_error": stat(np.mean, np.abs(err)),
                "median_abs_error": stat(np.median, np.abs(err)),
                "rmse": math.sqrt(stat(np.mean, err ** 2)) if len(err) else math.nan,
                "median_abs_rel_error": stat(np.median, np.abs(t["rel_error"].to_numpy(
                    dtype=np.float64))),
                "mean_log_score": stat(np.mean, ls), "median_log_score": stat(np.median, ls),
                "n_zero_density": int(np.count_nonzero(np.isneginf(ls))),
                "mean_pit": stat(np.mean, pit)}

    def by_lead_time(self, bins=4) -> pd.DataFrame:
        """Scores grouped by lead time: ``bins`` quantile groups (int) or explicit edges."""
        t = self.table
        if t.empty:
            return pd.DataFrame(columns=["lead_time", "n", "coverage", "mean_abs_error",
                                         "median_log_score"])
        if isinstance(bins, int):
            groups = pd.qcut(t["lead_time"], q=min(bins, len(t)), duplicates="drop")
        else:
            groups = pd.cut(t["lead_time"], bins=bins)
        g = t.groupby(groups, observed=True)
        out = pd.DataFrame({
            "n": g.size(),
            "coverage": g["covered"].apply(lambda c: float(c.dropna().astype(bool).mean())
                                           if c.notna().any() else math.nan),
            "mean_abs_error": g["abs_error"].mean(),
            "median_log_score": g["log_score"].median()})
        out.index.name = "lead_time"
        return out.reset_index()

    def summary(self) -> str:
        a = self.aggregate()
        head = f"Forecast scores{(' ' + self.label) if self.label else ''} ({self.method})"
        lines = [head, f"  true tf: {self.true_tf:.6g} {self.unit}; scored {a['n']} of "
                       f"{self.n_steps} steps"
                       + ("" if not self.excluded else " (excluded: " + ", ".join(
                           f"{k}: {v}" for k, v in self.excluded.items()) + ")")]
        if a["n"]:
            lines.append(f"  error: bias {a['bias']:.4g}, mean |error| {a['mean_abs_error']:.4g},"
                         f" median |error| {a['median_abs_error']:.4g}, RMSE {a['rmse']:.4g} "
                         f"{self.unit}; median |error|/lead {a['median_abs_rel_error']:.3g}")
            lines.append(f"  {100 * self.level:g}% interval coverage: {a['coverage']:.3f} over "
                         f"{a['n_with_ci']} intervals")
            lines.append(f"  log score: mean {a['mean_log_score']:.4g}, median "
                         f"{a['median_log_score']:.4g} (zero density at tf: "
                         f"{a['n_zero_density']}); mean PIT {a['mean_pit']:.3f}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        rows = []
        for rec in self.table.to_dict(orient="records"):
            rows.append({k: _enc(v) for k, v in rec.items()})
        return {"table": rows, "true_tf": float(self.true_tf), "method": self.method,
                "level": float(self.level), "unit": self.unit, "label": self.label,
                "n_steps": int(self.n_steps), "excluded": dict(self.excluded)}

    @classmethod
    def from_dict(cls, d: dict) -> "ForecastScores":
        rows = [{k: _dec(k, v) for k, v in r.items()} for r in d["table"]]
        return cls(table=_frame(rows), true_tf=float(d["true_tf"]), method=d["method"],
                   level=float(d["level"]), unit=d.get("unit", "days"),
                   label=d.get("label", ""), n_steps=int(d.get("n_steps", 0)),
                   excluded=dict(d.get("excluded", {})))


def _dec(key, v):
    if key in ("step", "n_fit"):
        return int(v)
    if key in ("covered", "flagged"):
        return v
    return json_float(v)


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=_COLUMNS)
    df["step"] = df["step"].astype("int64")
    df["n_fit"] = df["n_fit"].astype("int64")
    for c in ("covered", "flagged"):
        df[c] = df[c].astype("boolean")
    for c in _COLUMNS:
        if c not in ("step", "n_fit", "covered", "flagged"):
            df[c] = df[c].astype(np.float64)
    return df


def score_forecasts(result, true_tf=None, *, method: str = "profile",
                    include_flagged: bool = True, label: str = "") -> ForecastScores:
    """Score every failure-time forecast of an experiment against the true failure time.

    Parameters
    ----------
    result : ExperimentResult
        A retrospective (or prospective, once the failure happened) forecast series.
    true_tf : time or float, optional
        The failure time; default ``result.tf``. A date for volcanic data (a number means days
        after ``t_min``), seconds on the datatype's axis for laboratory data.
    method : {"profile", "wald", "wald_log"}
        Forecast distribution for ``pit``, ``log_score`` and the interval (module docstring).
    include_flagged : bool
        Score fits that carry warnings too (default). False leaves them out.
    label : str
        Name of the method in :func:`compare_scores`.

    Returns
    -------
    ForecastScores
        Steps that were skipped, held tf fixed, or came at or after the failure are not scored
        (counted in ``excluded``).
    """
    from varpy.modelling.experiments import ExperimentResult

    if not isinstance(result, ExperimentResult):
        raise TypeError(f"score_forecasts takes an ExperimentResult, not {type(result).__name__}")
    if method not in DENSITY_METHODS:
        raise DataFormatError(f"method={method!r} is not a forecast distribution", key="method",
                              expected=f"one of {list(DENSITY_METHODS)}")
    axis = result.axis
    if true_tf is None:
        if result.tf is None:
            raise DataFormatError("the experiment has no known failure time", key="true_tf",
                                  expected="true_tf= (a date, or axis units)")
        tf_true = float(result.tf)
    else:
        tf_true = axis.tf_rel(true_tf, "true_tf")
    excluded = {"skipped": 0, "tf fixed": 0, "at or after failure": 0, "flagged": 0}
    rows = []
    level = None
    for step in result.steps:
        fit = step.fit
        if fit is None:
            excluded["skipped"] += 1
            continue
        if fit.tf is None or "tf" in fit.fixed:
            excluded["tf fixed"] += 1
            continue
        lead = tf_true - step.t_forc
        if not lead > 0:
            excluded["at or after failure"] += 1
            continue
        if fit.warnings and not include_flagged:
            excluded["flagged"] += 1
            continue
        level = fit.ci_level if level is None else level
        ci = forecast_interval(fit, method)
        covered = None if ci is None else bool(ci[0] <= tf_true <= ci[1])
        err = fit.tf - tf_true
        rows.append({"step": step.index, "t_forc": step.t_forc, "lead_time": lead,
                     "n_fit": fit.n_events, "tf": fit.tf, "error": err, "abs_error": abs(err),
                     "rel_error": err / lead,
                     "ci_low": math.nan if ci is None else ci[0],
                     "ci_high": math.nan if ci is None else ci[1], "covered": covered,
                     "pit": forecast_cdf(fit, tf_true, method),
                     "log_score": forecast_log_density(fit, tf_true, method),
                     "flagged": bool(fit.warnings)})
    return ForecastScores(table=_frame(rows), true_tf=tf_true, method=method,
                          level=0.95 if level is None else float(level), unit=axis.unit,
                          label=label, n_steps=len(result.steps),
                          excluded={k: v for k, v in excluded.items() if v})


def compare_scores(scores) -> pd.DataFrame:
    """Aggregates of several :class:`ForecastScores` side by side (one row each).

    ``scores`` is a dict ``{name: ForecastScores}`` or a list (named by their ``label``).
    """
    items = scores.items() if isinstance(scores, dict) else [(s.label or str(i), s)
                                                             for i, s in enumerate(scores)]
    rows = []
    for name, s in items:
        row = {"name": name, "method": s.method}
        row.update(s.aggregate())
        rows.append(row)
    return pd.DataFrame(rows).set_index("name")
