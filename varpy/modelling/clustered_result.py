"""The result of a clustered inverse-Omori fit: :class:`ClusteredFitResult`.

Parameters with standard errors, the branching ratio, the interval of ``tf`` and how it was
obtained (profile under the clustered likelihood, or a parametric bootstrap), the fit's status,
``summary()`` and a JSON round trip (``to_dict``/``from_dict``). Built by
:func:`varpy.modelling.clustered.fit_clustered`, which re-exports it.

May import: :mod:`varpy._json`, :mod:`varpy.modelling.results` (the parameter table).
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
from varpy.modelling.results import offset_bounds, parameter_lines, signed_root_knots

__all__ = ["ClusteredFitResult"]


@dataclass
class ClusteredFitResult:
    """Fit of the clustered inverse Omori model and the interval of ``tf``.

    Attributes
    ----------
    params, stderr : dict
        ``k, tf, p, K, alpha, c, q`` and their standard errors (inverse observed information;
        NaN for fixed parameters, parameters at a bound, and the triggering parameters when
        ``K = 0``).
    fixed : list of str
    cov, cov_names
        Covariance of the free interior parameters.
    loglik : float
        Maximised clustered log-likelihood.
    loglik_poisson : float
        Maximised log-likelihood of the plain inverse Omori law on the same window.
    n_events, window, mc
    branching_ratio, branching_se : float
        Mean number of direct offspring per event, ``K E[a] c^(1-q) / (q - 1)`` (infinite
        horizon, ``E[a]`` the mean of ``exp(alpha (m - Mc))`` over the window's events; inf
        for ``q <= 1``), and its delta-method standard error.
    ci_method : str
        ``"clustered"`` (profile likelihood of ``tf`` under the clustered likelihood) or
        ``"bootstrap"``.
    tf_ci : (float, float) or None
        The interval at ``ci_level`` (upper end ``inf`` when unbounded); None when ``status``
        says there is no interval.
    profile_tf : dict or None
        ``{"tf": [...], "loglik": [...]}`` of the clustered profile (sorted by tf).
    bootstrap : dict or None
        ``{"tf": [...], "tf_hat": float, "refit": str, "n_failed": int, "seed": ...}``: the
        re-estimates of the bootstrap and the estimate they are centred on.
    status : str
        ``"ok"`` or what makes the interval untrustworthy (see the module docstring).
    warnings : list of str
    converged : bool, message : str, n_evaluations : int
    origin : optional
        Zero of the float time axis.
    """

    params: dict
    stderr: dict
    fixed: list
    cov: list
    cov_names: list
    loglik: float
    loglik_poisson: float
    n_events: int
    window: tuple
    mc: float | None
    branching_ratio: float
    branching_se: float
    ci_method: str = "clustered"
    ci_level: float = 0.95
    tf_ci: tuple | None = None
    profile_tf: dict | None = None
    bootstrap: dict | None = None
    status: str = "ok"
    warnings: list = field(default_factory=list)
    converged: bool = True
    message: str = ""
    n_evaluations: int = 0
    origin: Any = None

    model = "clustered-iol"

    @property
    def tf(self) -> float:
        return float(self.params["tf"])

    @property
    def flagged(self) -> bool:
        return self.status != "ok" or bool(self.warnings)

    # ----------------------------------------------------------------- probabilities
    def _bootstrap_s(self):
        """Bootstrap distribution of ``s = log(tf - t1)`` for the forecast (basic bootstrap
        in ``s``: ``s_ref - (s* - s_sim)``), sorted, or None."""
        b = self.bootstrap
        if not b or not b.get("tf"):
            return None
        t1 = float(self.window[1])
        tf_star = np.asarray(b["tf"], dtype=np.float64)
        s_star = np.log(tf_star[tf_star > t1] - t1)
        s_ref = math.log(float(b["tf_hat"]) - t1)
        s_sim = math.log(float(b["tf_sim"]) - t1)
        return np.sort(s_ref - (s_star - s_sim))

    def prob_failure_before(self, horizon: float) -> float:
        """Confidence level that failure comes before ``horizon``, by :attr:`ci_method`.

        ``"clustered"``: ``Phi(r(horizon))`` with the signed root of the clustered profile
        likelihood, interpolated linearly in ``log(tf - t1)`` (as
        :meth:`varpy.modelling.fitting.FitResult.prob_failure_before`); ``"bootstrap"``: the
        fraction of bootstrap forecasts before ``horizon``. 0 for ``horizon <= t1``; NaN when
        the status gives no interval.
        """
        t1 = float(self.window[1])
        if horizon <= t1:
            return 0.0
        if self.status == "too-few-events":
            return math.nan
        s = math.log(horizon - t1)
        if self.ci_method == "bootstrap":
            dist = self._bootstrap_s()
            if dist is None or dist.size == 0:
                return math.nan
            return float(np.searchsorted(dist, s, side="right") / dist.size)
        if not self.profile_tf:
            return math.nan
        knots = signed_root_knots(self.profile_tf["tf"], self.profile_tf["loglik"], self.tf,
                                  self.loglik, t1, offset_bounds(t1 - float(self.window[0])))
        if knots is None:
            return math.nan
        return float(stats.norm.cdf(np.interp(s, *knots)))

    # ----------------------------------------------------------------- text and JSON
    def summary(self) -> str:
        """Human-readable table of the fit and the interval."""
        t0, t1 = self.window
        lines = [f"Clustered inverse Omori fit (ETAS triggering), interval: {self.ci_method}",
                 f"  events: {self.n_events} in [{t0:g}, {t1:g})"
                 + (f", Mc = {self.mc:g}" if self.mc is not None else ""),
                 f"  status: {self.status}",
                 f"  log-likelihood: {self.loglik:.6f} (Poisson inverse Omori: "
                 f"{self.loglik_poisson:.6f})"]
        lines += parameter_lines(self.params, self.stderr, self.fixed)
        lines.append(f"  branching ratio: {self.branching_ratio:.4g} +- {self.branching_se:.3g}")
        if self.tf_ci is not None:
            label = {"clustered": "profile likelihood under clustering",
                     "bootstrap": "parametric bootstrap"}.get(self.ci_method, self.ci_method)
            lines.append(f"  tf {100 * self.ci_level:g}% interval ({label}): "
                         f"[{self.tf_ci[0]:.6g}, {self.tf_ci[1]:.6g}]")
        else:
            lines.append("  tf interval: none (see status)")
        for w in self.warnings:
            lines.append(f"  WARNING: {w}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        out = {f.name: _enc(getattr(self, f.name), default=str) for f in fields(self)}
        json.dumps(out)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "ClusteredFitResult":
        kw = dict(d)
        for key in ("params", "stderr"):
            kw[key] = {k: _dec(v) for k, v in d[key].items()}
        kw["cov"] = [[_dec(v) for v in row] for row in d["cov"]]
        for key in ("loglik", "loglik_poisson", "branching_ratio", "branching_se", "ci_level"):
            kw[key] = _dec(d[key])
        if d.get("mc") is not None:
            kw["mc"] = _dec(d["mc"])
        kw["window"] = tuple(_dec(v) for v in d["window"])
        kw["tf_ci"] = None if d.get("tf_ci") is None else tuple(_dec(v) for v in d["tf_ci"])
        if d.get("profile_tf") is not None:
            kw["profile_tf"] = {k: [_dec(v) for v in vals] for k, vals in d["profile_tf"].items()}
        if d.get("bootstrap") is not None:
            b = dict(d["bootstrap"])
            b["tf"] = [_dec(v) for v in b["tf"]]
            for key in ("tf_hat", "tf_sim", "shift"):
                if key in b:
                    b[key] = _dec(b[key])
            kw["bootstrap"] = b
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in kw.items() if k in names})
