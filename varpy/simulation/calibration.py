"""Coverage of failure-time intervals on simulated clustered precursory sequences.

Simulate-then-recover for the interval methods of :mod:`varpy.modelling.intervals`: catalogues
are simulated from a known clustered inverse-Omori model (:func:`varpy.simulation.clustered.
simulate_clustered`: an inverse-Omori background under ETAS triggering) on a window that ends a
chosen lead time before the true failure time; every method fits each catalogue as a user would
(``get_model("iol").fit`` then :func:`~varpy.modelling.intervals.apply_ci_method`) and gives its
forecast distribution of ``tf``. The probability integral transform ``u = F(tf_true)`` of each
forecast decides coverage: the central interval at level ``L`` covers the truth iff
``(1 - L)/2 <= u <= (1 + L)/2``. This is the same as asking whether ``tf_true`` lies in the
interval :meth:`~varpy.modelling.results.FitResult.prob_failure_before` implies at that level,
so one fit serves every level.

What counts (so that nothing is reported better than it is):

* every sequence on which a method gives a forecast distribution (status ``"ok"``, or
  ``"unbounded"``: an interval open above, which covers the truth iff its lower end is below
  it) enters the coverage; the fraction without a forecast (too few events, no acceleration,
  ``tf`` at a bound, no convergence) is reported beside it, never silently dropped;
* the fraction of two-sided (bounded) intervals and the two tail error rates (truth below the
  interval, above it) are reported separately: a method that over-covers because its upper end
  is open is visible as such;
* :meth:`CoverageResult.wilson` gives the binomial (Wilson) interval of each coverage, so a
  comparison with the nominal level can say whether a difference is more than sampling noise.

Replicates are seeded through :func:`varpy.parallel.spawn_seeds` and run through
:func:`varpy.parallel.map_tasks`: identical serially and on any executor (Dask included).

May import: numpy, scipy, :mod:`varpy.exceptions`, :mod:`varpy.parallel`,
:mod:`varpy.modelling` and :mod:`varpy.simulation.clustered`.

Examples
--------
>>> params = dict(k=17.0, tf=100.0, p=1.0, K=0.0, alpha=1.0, c=0.01, q=1.2)
>>> res = interval_coverage(params, 0.0, 95.0, methods=("profile",), n_seeds=8, seed=1,
...                         progress=False)
>>> res.n_sequences, 0.0 <= res.coverage("profile", 0.9) <= 1.0
(8, True)
"""
from __future__ import annotations

import functools
import json
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from varpy.exceptions import DataFormatError, FitError
from varpy.modelling.intervals import apply_ci_method, check_ci_method
from varpy.modelling.models import get_model
from varpy.parallel import map_tasks, spawn_seeds
from varpy.simulation.clustered import simulate_clustered

__all__ = ["CoverageResult", "interval_coverage", "forecast_status"]

#: Statuses with a forecast distribution (the upper end may be open).
FORECAST_STATUSES = ("ok", "unbounded")


def forecast_status(fit) -> str:
    """Status of the forecast a fit's chosen ``ci_method`` gives.

    The resampling and clustered methods record theirs in ``fit.interval["status"]``; for
    the Poisson profile it is ``"tf-at-bound"`` when ``tf`` sits at a search bound (flagged
    by the fit), ``"unbounded"`` when the interval is open above, ``"no-interval"`` without
    an interval, else ``"ok"``.
    """
    if fit.ci_method != "profile":
        return str((fit.interval or {}).get("status", "no-interval"))
    if any("tf" in w and "bound" in w for w in fit.warnings):
        return "tf-at-bound"
    if fit.tf_ci is None:
        return "no-interval"
    return "unbounded" if not math.isfinite(fit.tf_ci[1]) else "ok"


def _sequence(seed, *, params, t0, t1, b, mc, methods, n_boot):
    """One simulated catalogue: per method ``(status, u)``; ``u`` NaN without a forecast."""
    rng = np.random.default_rng(seed)
    times, mags = simulate_clustered(params, t0, t1, b=b, mc=mc, seed=rng)
    out = {"n_events": int(times.size)}
    tf_true = float(params["tf"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = get_model("iol").fit(times, t0, t1, warn=False)
        except FitError as exc:
            status = "too-few-events" if "event" in str(exc) else "not-converged"
            for m in methods:
                out[m] = (status, math.nan)
            return out
        for m in methods:
            f = apply_ci_method(fit, times, mags, method=m, seed=rng, n_boot=n_boot,
                                progress=False)
            status = forecast_status(f)
            u = f.prob_failure_before(tf_true) if status in FORECAST_STATUSES else math.nan
            out[m] = (status, float(u))
    return out


@dataclass
class CoverageResult:
    """Coverage of each interval method over simulated sequences of one model and window.

    Attributes
    ----------
    params : dict
        The true clustered inverse-Omori parameters (``k, tf, p, K, alpha, c, q``).
    window : (float, float)
    methods : list of str
    n_events : list of int
        Events of each simulated sequence.
    status : dict
        Method -> status of each sequence's forecast.
    pit : dict
        Method -> ``u = F(tf_true)`` of each sequence (NaN without a forecast).
    seed : int or None
    """

    params: dict
    window: tuple
    methods: list
    n_events: list
    status: dict
    pit: dict
    seed: int | None = None
    b: float = 1.0
    extra: dict = field(default_factory=dict)

    @property
    def n_sequences(self) -> int:
        return len(self.n_events)

    def _u(self, method):
        if method not in self.pit:
            raise DataFormatError(f"no method {method!r} in this result", key="method",
                                  expected=f"one of {self.methods}")
        u = np.asarray(self.pit[method], dtype=np.float64)
        return u[np.isfinite(u)]

    def forecast_fraction(self, method: str) -> float:
        """Fraction of sequences on which ``method`` gave a forecast."""
        return self._u(method).size / max(self.n_sequences, 1)

    def bounded_fraction(self, method: str) -> float:
        """Fraction of sequences with a two-sided (bounded) interval at the fit's level."""
        st = np.asarray(self.status[method])
        return float(np.mean(st == "ok")) if st.size else math.nan

    def tail_errors(self, method: str, level: float) -> tuple[float, float]:
        """``(below, above)``: fractions of forecasts whose interval at ``level`` lies above
        the truth (truth below it) and below it (truth above it)."""
        u = self._u(method)
        if not u.size:
            return math.nan, math.nan
        a = (1.0 - level) / 2.0
        return float(np.mean(u < a)), float(np.mean(u > 1.0 - a))

    def coverage(self, method: str, level: float) -> float:
        """Fraction of forecasts whose central interval at ``level`` contains the truth."""
        below, above = self.tail_errors(method, level)
        return 1.0 - below - above

    def wilson(self, method: str, level: float, confidence: float = 0.99):
        """Wilson score interval of :meth:`coverage` at ``confidence``."""
        n = self._u(method).size
        if not n:
            return math.nan, math.nan
        p = self.coverage(method, level)
        z = float(stats.norm.ppf(0.5 + confidence / 2.0))
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return centre - half, centre + half

    def within(self, method: str, level: float, tolerance: float = 0.03,
               confidence: float = 0.99) -> bool:
        """Whether the coverage is consistent with ``level +- tolerance``: the Wilson interval
        at ``confidence`` meets that band (a miss is more than sampling noise otherwise)."""
        lo, hi = self.wilson(method, level, confidence)
        return bool(hi >= level - tolerance and lo <= level + tolerance)

    def summary(self) -> str:
        """Table: per method, forecasts given, bounded, 90/95 % coverage and tail errors."""
        t0, t1 = self.window
        lines = [f"Interval coverage: {self.n_sequences} sequences on [{t0:g}, {t1:g}), "
                 f"tf = {self.params['tf']:g}, p = {self.params['p']:g}, mean events "
                 f"{np.mean(self.n_events):.0f}",
                 f"{'method':<10} {'forecast':>8} {'bounded':>8} {'cov90':>6} {'cov95':>6} "
                 f"{'below90':>8} {'above90':>8}"]
        for m in self.methods:
            below, above = self.tail_errors(m, 0.9)
            lines.append(f"{m:<10} {self.forecast_fraction(m):8.2f} "
                         f"{self.bounded_fraction(m):8.2f} {100 * self.coverage(m, 0.9):6.1f} "
                         f"{100 * self.coverage(m, 0.95):6.1f} {100 * below:8.1f} "
                         f"{100 * above:8.1f}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"params": dict(self.params), "window": list(self.window),
                "methods": list(self.methods), "n_events": list(self.n_events),
                "status": {m: list(v) for m, v in self.status.items()},
                "pit": {m: [None if not math.isfinite(x) else float(x) for x in v]
                        for m, v in self.pit.items()},
                "seed": self.seed, "b": self.b, "extra": dict(self.extra)}

    @classmethod
    def from_dict(cls, d: dict) -> "CoverageResult":
        return cls(params=dict(d["params"]), window=tuple(d["window"]),
                   methods=list(d["methods"]), n_events=list(d["n_events"]),
                   status={m: list(v) for m, v in d["status"].items()},
                   pit={m: [math.nan if x is None else float(x) for x in v]
                        for m, v in d["pit"].items()},
                   seed=d.get("seed"), b=float(d.get("b", 1.0)), extra=dict(d.get("extra", {})))

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


def interval_coverage(params: dict, t0: float, t1: float, *, methods=("profile", "clustered"),
                      n_seeds: int = 200, seed: int | None = None, b: float = 1.0,
                      mc: float = 0.0, n_boot: int = 99, executor=None,
                      progress: bool | None = None) -> CoverageResult:
    """Simulate ``n_seeds`` clustered sequences on ``[t0, t1)`` and score each interval method.

    Parameters
    ----------
    params : dict
        True ``k, tf, p`` (inverse-Omori background) and ``K, alpha, c, q`` (ETAS
        triggering, as :func:`varpy.simulation.clustered.simulate_clustered`); ``tf > t1``.
    t0, t1 : float
        The observed window; the lead time is ``tf - t1``.
    methods : sequence of str
        Interval methods (:data:`varpy.modelling.intervals.CI_METHODS`).
    n_seeds : int
        Number of sequences.
    seed : int, optional
        Sequence ``i`` uses ``spawn_seeds(seed, n_seeds)[i]``.
    b, mc : float
        Gutenberg-Richter b-value and magnitude of completeness of the simulated events.
    n_boot : int
        Replicates of ``"bootstrap"``.
    executor, progress
        :func:`varpy.parallel.map_tasks`.

    Returns
    -------
    CoverageResult
    """
    methods = [check_ci_method(m) for m in methods]
    missing = [k for k in ("k", "tf", "p", "K", "alpha", "c", "q") if k not in params]
    if missing:
        raise DataFormatError(f"params lacks {missing}", key=missing[0],
                              expected="k, tf, p, K, alpha, c, q")
    if not float(params["tf"]) > t1:
        raise DataFormatError(f"tf = {params['tf']} is not after the window end {t1}",
                              key="tf", expected="tf > t1 (a forecast)")
    task = functools.partial(_sequence, params=dict(params), t0=float(t0), t1=float(t1),
                             b=float(b), mc=float(mc), methods=tuple(methods),
                             n_boot=int(n_boot))
    rows = map_tasks(task, spawn_seeds(seed, n_seeds), executor=executor, progress=progress,
                     desc="coverage")
    return CoverageResult(params=dict(params), window=(float(t0), float(t1)),
                          methods=list(methods), n_events=[r["n_events"] for r in rows],
                          status={m: [r[m][0] for r in rows] for m in methods},
                          pit={m: [r[m][1] for r in rows] for m in methods},
                          seed=seed, b=float(b))

