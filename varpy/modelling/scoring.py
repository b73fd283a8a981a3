"""Scoring failure-time forecasts against the known failure time: scores that cannot flatter.

A retrospective forecast (:func:`varpy.modelling.experiments.multiple_analysis` with the
known ``tf``) gives, at each forecast time ``t_forc``, an estimate ``tf_hat``, a confidence
interval and a forecast distribution of the failure time. :func:`score_forecasts` compares
them with the true failure time ``tf``, step by step, so that methods (legacy versus default
fits, Mc rules, models) can be compared on history. Definitions and check values:
``formulas.md`` section 8 (Gneiting & Raftery 2007; Gneiting et al. 2005).

Which steps are scored
----------------------
Only steps that *estimated* a failure time before it happened are forecasts. Every other
step is listed in :attr:`ForecastScores.unscored` with its reason and never scored as a PIT
of 0.5 or a log score of ``-inf``: skipped steps (no fit), fits with ``tf`` held fixed,
degenerate fits whose ``tf`` sits on a bound of its search range (no acceleration, or a
singularity at the end of the data), and steps at or after the failure.

Per scored step
---------------
``lead_time``
    ``tf - t_forc``: how far ahead the forecast was made (axis units: days or seconds).
``error``, ``abs_error``, ``rel_error``
    ``tf_hat - tf``, its absolute value, and ``error / lead_time``.
``ci_low``, ``ci_high``, ``interval``, ``covered``
    The interval at the fit's ``ci_level`` (0.95 by default); ``interval`` is ``"bounded"``
    (both bounds finite), ``"unbounded"`` (an infinite bound: the data cannot exclude
    "never") or ``"missing"``. ``covered`` is only defined for bounded intervals: an unbounded
    interval is never counted as a success.
``width``
    ``ci_high - ci_low`` (sharpness), in the axis unit (calendar days or seconds); ``inf``
    when unbounded.
``interval_score``
    ``(u - l) + (2/alpha)(l - x)[x < l] + (2/alpha)(x - u)[x > u]`` with ``alpha = 1 -
    level`` (lower is better; ``inf`` for an unbounded interval, reported, never averaged).
``crps``
    Continuous ranked probability score ``int (F(y) - [y >= x])^2 dy`` of the forecast
    distribution (axis units, lower is better); ``inf`` when the distribution leaves
    probability at "never" (the profile does not exclude an unbounded failure time).
``pit``
    Probability integral transform ``F(tf)``: uniform on (0, 1) for calibrated forecasts.
``log_score``
    Natural log of the forecast density at the true failure time, ``log f(tf)`` (per axis
    unit). Higher is better; ``-inf`` only when the forecast gave the true time zero density,
    which ``note`` then says.

Forecast distributions (``method=``)
------------------------------------
``"profile"`` (default)
    The fit's own forecast distribution, that of its interval method ``FitResult.ci_method``
    (:mod:`varpy.modelling.intervals`): for ``"clustered"`` the signed root of the profile
    under the clustered likelihood, as below; for ``"bootstrap"`` the empirical distribution
    of the bootstrap forecasts with a Gaussian kernel density in ``log(t - t1)``. For the
    default ``ci_method="profile"``, the profile-likelihood confidence distribution of
    :meth:`FitResult.prob_failure_before`:
    ``F(t) = Phi(r(t))`` with the signed root ``r = sign(t - tf_hat) sqrt(2 (l_max - l_p(t)))``
    of the profile log-likelihood of tf, made monotone and interpolated linearly in
    ``s = log(t - t1)`` between the profile points stored with the fit (``t1`` = ``t_forc``).
    Its density is ``f(t) = phi(r(t)) r'(s) / (t - t1)`` with ``r'(s)`` the slope of the
    interpolating segment (:meth:`FitResult.failure_time_logpdf`): the envelope keeps only
    strictly increasing knots, so the density is positive over the whole profiled range, and
    only beyond it, where the remaining probability sits at "never", is it 0. Its central
    intervals are the profile-likelihood intervals ``FitResult.tf_ci``. The CDF and density
    are the fit's own methods, so scores follow whichever distribution the fit provides.
    Needs a non-legacy fit.
``"wald"``
    Normal with mean ``tf_hat`` and the standard error of tf (inverse observed information);
    interval ``tf_hat +- z se``.
``"wald_log"``
    Normal in ``log(t - t1)`` with standard error ``se / (tf_hat - t1)`` (delta method), i.e.
    log-normal tf after ``t1``; interval ``t1 + (tf_hat - t1) exp(+- z se_log)``. Never puts
    probability before ``t1``.

These are frequentist confidence distributions, not Bayesian posteriors; proper scores of a
confidence distribution still rank methods on the same history.

Forecast distributions and the interval score and CRPS live in
:mod:`varpy.modelling.forecast_distribution` (re-exported here). May import:
:mod:`varpy._json`, :mod:`varpy.exceptions` and the modelling modules ``results``,
``fitting`` and ``forecast_distribution``.

Examples
--------
>>> import numpy as np
>>> from varpy.modelling.models import get_model
>>> from varpy.modelling.scoring import forecast_cdf, forecast_log_density, interval_score
>>> rng = np.random.default_rng(3)
>>> times = np.sort(100.0 - 100.0 * rng.uniform(size=300) ** 2)   # rate ~ (100 - t)**-0.5 ...
>>> fit = get_model("iol").fit(times[times < 90.0], 0.0, 90.0, warn=False)
>>> lo, hi = fit.tf_ci
>>> round(forecast_cdf(fit, lo), 3), round(forecast_cdf(fit, hi), 3)
(0.025, 0.975)
>>> bool(np.isfinite(forecast_log_density(fit, 100.0)))
True
>>> round(interval_score(-1.6448536, 1.6448536, 2.0, 0.1), 6)
10.392635
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from varpy._json import json_float
from varpy._json import jsonable as _enc
from varpy.exceptions import DataFormatError
from varpy.modelling.forecast_distribution import (  # noqa: F401  (public path of these names)
    CRPS_TAIL, DENSITY_METHODS, _density_note, crps_normal, forecast_cdf, forecast_crps,
    forecast_interval, forecast_log_density, interval_score)
from varpy.modelling.results import FitResult
from varpy.modelling.fitting import supremum_at_boundary

__all__ = [
    "DENSITY_METHODS",
    "forecast_cdf",
    "forecast_log_density",
    "forecast_interval",
    "forecast_crps",
    "interval_score",
    "crps_normal",
    "ForecastScores",
    "score_forecasts",
    "compare_scores",
]

# which steps are forecasts
# --------------------------------------------------------------------------------------------

def _tf_bound(fit: FitResult) -> str | None:
    """``"lower"``/``"upper"`` when the fitted tf sits on a bound of its search range."""
    from varpy.modelling.models import get_model
    from varpy.exceptions import UnknownFormatError

    try:
        specs = get_model(fit.model).parameters(*fit.window)
    except UnknownFormatError:
        return None                      # a model of another session: trust the fit
    for spec in specs:
        if spec.name == "tf":
            return spec.at_bound(float(fit.tf))
    return None


def _not_a_forecast(step, tf_true: float) -> tuple[str, str] | None:
    """``(category, reason)`` when a step estimated no failure time before ``tf_true``."""
    fit = step.fit
    if fit is None:
        return "skipped", step.skipped or "no fit"
    if fit.tf is None:
        return "no failure time", f"model {fit.model!r} has no failure time"
    if "tf" in fit.fixed:
        return "tf fixed", f"tf held fixed at {fit.tf:.6g}: nothing was forecast"
    if not tf_true - step.t_forc > 0:
        return "at or after failure", "forecast made at or after the failure"
    if not (math.isfinite(fit.tf) and math.isfinite(fit.loglik)):
        return "degenerate fit", "no finite optimum of the likelihood"
    where = _tf_bound(fit)
    if where == "upper":
        return ("degenerate fit", f"tf = {fit.tf:.6g} at the upper bound of its search range: "
                                  "the data show no acceleration")
    if where == "lower" or supremum_at_boundary(fit):
        return ("degenerate fit", f"tf = {fit.tf:.6g}: the profile likelihood of tf keeps "
                                  "rising towards the end of the data (a singularity at the "
                                  "last events): no failure time was estimated")
    return None


# --------------------------------------------------------------------------------------------
# the scores
# --------------------------------------------------------------------------------------------

_COLUMNS = ["step", "t_forc", "lead_time", "n_fit", "tf", "error", "abs_error", "rel_error",
            "ci_low", "ci_high", "interval", "covered", "width", "interval_score", "crps",
            "pit", "log_score", "flagged", "note"]
_INT = ("step", "n_fit")
_BOOL = ("covered", "flagged")
_TEXT = ("interval", "note")

#: The figures :meth:`ForecastScores.headline` reports, each with the steps it is computed over.
HEADLINE = ("coverage", "median_abs_error", "mean_interval_score", "mean_crps",
            "mean_log_score", "mean_pit")


@dataclass
class ForecastScores:
    """Scores of a series of failure-time forecasts against the known failure time.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per scored step (a forecast made before the failure): the columns of the
        module docstring (``step``, ``t_forc``, ``lead_time``, ``n_fit``, ``tf``, ``error``,
        ``abs_error``, ``rel_error``, ``ci_low``, ``ci_high``, ``interval``, ``covered``,
        ``width``, ``interval_score``, ``crps``, ``pit``, ``log_score``, ``flagged``,
        ``note``).
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
    n_steps, n_fitted, n_flagged : int
        Steps of the experiment, steps with a fit, fits that carry a flag.
    unscored : list of dict
        Steps that are not forecasts: ``{"step", "t_forc", "category", "reason"}``.
    """

    table: pd.DataFrame
    true_tf: float
    method: str = "profile"
    level: float = 0.95
    unit: str = "days"
    label: str = ""
    n_steps: int = 0
    n_fitted: int = 0
    n_flagged: int = 0
    unscored: list = field(default_factory=list)

    @property
    def excluded(self) -> dict:
        """Unscored steps counted by category."""
        out: dict[str, int] = {}
        for u in self.unscored:
            out[u["category"]] = out.get(u["category"], 0) + 1
        return out

    def headline(self) -> dict:
        """The figures a forecaster reads first, each with the number of steps behind it.

        ``steps``, ``fitted``, ``flagged``; ``forecasts`` (scored steps), ``not_scored``;
        ``bounded``, ``unbounded``, ``missing`` (intervals); then for each name in
        :data:`HEADLINE` the value and ``<name>_n``: ``coverage`` over bounded intervals,
        ``median_abs_error`` over forecasts, ``mean_interval_score`` over bounded intervals,
        ``mean_crps`` over finite CRPS values, ``mean_log_score`` and ``mean_pit`` over steps
        with a forecast distribution (``-inf`` if the forecast gave the truth zero density:
        ``n_zero_density``). ``unit`` and ``level`` complete it. The CLI, the scores JSON and
        the report print exactly these numbers.
        """
        t = self.table
        interval = t["interval"].astype(object)
        bounded = (interval == "bounded").to_numpy()
        cov = t.loc[bounded, "covered"].astype(bool).to_numpy()
        err = t["abs_error"].to_numpy(dtype=np.float64)
        isc = t.loc[bounded, "interval_score"].to_numpy(dtype=np.float64)
        crps = t["crps"].to_numpy(dtype=np.float64)
        crps_ok = crps[np.isfinite(crps)]
        ls = t["log_score"].to_numpy(dtype=np.float64)
        ls = ls[~np.isnan(ls)]
        pit = t["pit"].to_numpy(dtype=np.float64)
        pit = pit[np.isfinite(pit)]

        def mean(x):
            return float(np.mean(x)) if len(x) else math.nan

        return {"steps": int(self.n_steps), "fitted": int(self.n_fitted),
                "flagged": int(self.n_flagged), "forecasts": int(len(t)),
                "not_scored": len(self.unscored),
                "bounded": int(bounded.sum()),
                "unbounded": int((interval == "unbounded").sum()),
                "missing": int((interval == "missing").sum()),
                "coverage": mean(cov), "coverage_n": int(cov.size),
                "median_abs_error": float(np.median(err)) if err.size else math.nan,
                "median_abs_error_n": int(err.size),
                "mean_interval_score": mean(isc), "mean_interval_score_n": int(isc.size),
                "mean_crps": mean(crps_ok), "mean_crps_n": int(crps_ok.size),
                "n_infinite_crps": int(np.count_nonzero(np.isinf(crps))),
                "mean_log_score": mean(ls), "mean_log_score_n": int(ls.size),
                "n_zero_density": int(np.count_nonzero(np.isneginf(ls))),
                "mean_pit": mean(pit), "mean_pit_n": int(pit.size),
                "unit": self.unit, "level": float(self.level)}

    def headline_text(self) -> str:
        """:meth:`headline` as one line (the CLI's and the report's wording)."""
        return headline_text(self.headline())

    def aggregate(self) -> dict:
        """Summary numbers over the scored steps: :meth:`headline` plus error statistics.

        Adds ``n`` (scored steps), ``n_with_ci`` (= ``bounded``), ``n_unbounded``
        (= ``unbounded``: never counted as covering), ``bias`` (mean error),
        ``mean_abs_error``, ``rmse``, ``median_abs_rel_error``, ``median_log_score``,
        ``median_interval_score`` (over bounded intervals), ``median_width``.
        """
        t = self.table
        out = self.headline()
        err = t["error"].to_numpy(dtype=np.float64)
        ls = t["log_score"].to_numpy(dtype=np.float64)
        ls = ls[~np.isnan(ls)]
        bounded = (t["interval"].astype(object) == "bounded").to_numpy()

        def stat(fn, x):
            return float(fn(x)) if len(x) else math.nan

        out.update({
            "n": int(len(t)), "n_with_ci": out["bounded"], "n_unbounded": out["unbounded"],
            "bias": stat(np.mean, err), "mean_abs_error": stat(np.mean, np.abs(err)),
            "rmse": math.sqrt(stat(np.mean, err ** 2)) if len(err) else math.nan,
            "median_abs_rel_error": stat(np.median, np.abs(
                t["rel_error"].to_numpy(dtype=np.float64))),
            "median_log_score": stat(np.median, ls),
            "median_interval_score": stat(np.median, t.loc[bounded, "interval_score"]
                                          .to_numpy(dtype=np.float64)),
            "median_width": stat(np.median, t.loc[bounded, "width"].to_numpy(dtype=np.float64))})
        return out

    def by_lead_time(self, bins=4) -> pd.DataFrame:
        """Scores grouped by lead time: ``bins`` quantile groups (int) or explicit edges.

        Coverage and the mean interval score are over the bounded intervals of each group
        (``n_bounded``).
        """
        cols = ["lead_time", "n", "n_bounded", "coverage", "mean_abs_error",
                "mean_interval_score", "median_log_score"]
        t = self.table
        if t.empty:
            return pd.DataFrame(columns=cols)
        if isinstance(bins, int):
            groups = pd.qcut(t["lead_time"], q=min(bins, len(t)), duplicates="drop")
        else:
            groups = pd.cut(t["lead_time"], bins=bins)
        rows = []
        for key, g in t.groupby(groups, observed=True):
            b = g[g["interval"].astype(object) == "bounded"]
            rows.append({"lead_time": key, "n": len(g), "n_bounded": len(b),
                         "coverage": float(b["covered"].astype(bool).mean()) if len(b)
                         else math.nan,
                         "mean_abs_error": float(g["abs_error"].mean()),
                         "mean_interval_score": float(b["interval_score"].mean()) if len(b)
                         else math.nan,
                         "median_log_score": float(g["log_score"].median())})
        return pd.DataFrame(rows, columns=cols)

    def summary(self) -> str:
        a = self.aggregate()
        head = f"Forecast scores{(' ' + self.label) if self.label else ''} ({self.method})"
        lines = [head, f"  true tf: {self.true_tf:.6g} {self.unit}",
                 "  " + self.headline_text()]
        if self.unscored:
            lines.append("  not scored: " + ", ".join(f"{k}: {v}"
                                                       for k, v in self.excluded.items()))
        if a["n"]:
            lines.append(f"  error: bias {a['bias']:.4g}, mean |error| {a['mean_abs_error']:.4g}"
                         f", RMSE {a['rmse']:.4g} {self.unit}; median |error|/lead "
                         f"{a['median_abs_rel_error']:.3g}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        rows = []
        for rec in self.table.to_dict(orient="records"):
            rows.append({k: _enc(None if v is pd.NA else v) for k, v in rec.items()})
        return {"table": rows, "true_tf": float(self.true_tf), "method": self.method,
                "level": float(self.level), "unit": self.unit, "label": self.label,
                "n_steps": int(self.n_steps), "n_fitted": int(self.n_fitted),
                "n_flagged": int(self.n_flagged),
                "unscored": [_enc(u) for u in self.unscored],
                "headline": _enc(self.headline())}

    @classmethod
    def from_dict(cls, d: dict) -> "ForecastScores":
        rows = [{k: _dec(k, v) for k, v in r.items()} for r in d["table"]]
        unscored = [{**u, "t_forc": json_float(u.get("t_forc"))} for u in d.get("unscored", [])]
        return cls(table=_frame(rows), true_tf=float(d["true_tf"]), method=d["method"],
                   level=float(d["level"]), unit=d.get("unit", "days"),
                   label=d.get("label", ""), n_steps=int(d.get("n_steps", 0)),
                   n_fitted=int(d.get("n_fitted", 0)), n_flagged=int(d.get("n_flagged", 0)),
                   unscored=unscored)


def _num(value, digits: int = 4) -> str:
    if isinstance(value, str):                   # "inf"/"-inf" of a headline read from JSON
        value = json_float(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}g}"


def headline_text(h: dict) -> str:
    """One line from a :meth:`ForecastScores.headline` dict (also read back from JSON)."""
    unit = h.get("unit", "")
    lev = f"{100 * float(h.get('level', 0.95)):g}%"
    parts = [f"{h['fitted']} of {h['steps']} steps fitted, {h['flagged']} flagged, "
             f"{h['forecasts']} scored, {h['bounded']} with bounded {lev} intervals "
             f"({h['unbounded']} unbounded, {h['missing']} missing)",
             f"coverage {_num(h['coverage'], 3)} over {h['coverage_n']} bounded",
             f"median |error| {_num(h['median_abs_error'])} {unit} over "
             f"{h['median_abs_error_n']}",
             f"mean interval score {_num(h['mean_interval_score'])} {unit} over "
             f"{h['mean_interval_score_n']}",
             f"mean log score {_num(h['mean_log_score'])} over {h['mean_log_score_n']}"
             + (f" ({h['n_zero_density']} with zero density)" if h.get("n_zero_density")
                else "")]
    return "; ".join(parts)


def _dec(key, v):
    if key in _INT:
        return int(v)
    if key in _BOOL or key in _TEXT:
        return v
    return json_float(v)


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=_COLUMNS)
    for c in _INT:
        df[c] = df[c].astype("int64")
    for c in _BOOL:
        df[c] = df[c].astype("boolean")
    for c in _TEXT:
        df[c] = pd.Series(list(df[c]), dtype=object, index=df.index)
    for c in _COLUMNS:
        if c not in _INT + _BOOL + _TEXT:
            df[c] = df[c].astype(np.float64)
    return df


def _score_step(step, fit: FitResult, tf_true: float, method: str, level: float) -> dict:
    lead = tf_true - step.t_forc
    ci = forecast_interval(fit, method)
    notes = []
    if ci is None or not all(math.isfinite(v) or math.isinf(v) for v in ci):
        kind, covered, width, isc = "missing", None, math.nan, math.nan
        notes.append("no interval")
        ci = (math.nan, math.nan)
    elif math.isfinite(ci[0]) and math.isfinite(ci[1]):
        kind, covered = "bounded", bool(ci[0] <= tf_true <= ci[1])
        width = ci[1] - ci[0]
        isc = interval_score(ci[0], ci[1], tf_true, 1.0 - level)
    else:
        kind, covered, width, isc = "unbounded", None, math.inf, math.inf
    pit = forecast_cdf(fit, tf_true, method)
    log_score = forecast_log_density(fit, tf_true, method)
    crps = forecast_crps(fit, tf_true, method)
    if math.isnan(pit):
        notes.append("no forecast distribution (" + ("no standard error of tf" if method != "profile"
                                                     else "no stored profile of tf") + ")")
    elif log_score == -math.inf:
        notes.append(_density_note(fit, tf_true, method))
    if math.isinf(crps):
        notes.append("CRPS infinite: the forecast leaves probability at 'never'")
    err = fit.tf - tf_true
    return {"step": step.index, "t_forc": step.t_forc, "lead_time": lead,
            "n_fit": fit.n_events, "tf": fit.tf, "error": err, "abs_error": abs(err),
            "rel_error": err / lead, "ci_low": ci[0], "ci_high": ci[1], "interval": kind,
            "covered": covered, "width": width, "interval_score": isc, "crps": crps,
            "pit": pit, "log_score": log_score, "flagged": bool(fit.warnings),
            "note": "; ".join(notes)}


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
        Forecast distribution for ``pit``, ``log_score``, ``crps`` and the interval (module
        docstring).
    include_flagged : bool
        Score fits that carry warnings too (default). False lists them as unscored.
    label : str
        Name of the method in :func:`compare_scores`.

    Returns
    -------
    ForecastScores
        Steps that are not forecasts (skipped, tf fixed, degenerate, at or after the failure)
        are listed in ``unscored`` with their reason.
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
    rows, unscored = [], []
    level = None
    fitted = [s for s in result.steps if s.fit is not None]
    for step in result.steps:
        why = _not_a_forecast(step, tf_true)
        if why is None and step.fit.warnings and not include_flagged:
            why = ("flagged", "; ".join(step.fit.warnings))
        if why is not None:
            unscored.append({"step": int(step.index), "t_forc": float(step.t_forc),
                             "category": why[0], "reason": why[1]})
            continue
        fit = step.fit
        level = fit.ci_level if level is None else level
        rows.append(_score_step(step, fit, tf_true, method, fit.ci_level))
    return ForecastScores(table=_frame(rows), true_tf=tf_true, method=method,
                          level=0.95 if level is None else float(level), unit=axis.unit,
                          label=label, n_steps=len(result.steps), n_fitted=len(fitted),
                          n_flagged=sum(1 for s in fitted if s.fit.warnings),
                          unscored=unscored)


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
