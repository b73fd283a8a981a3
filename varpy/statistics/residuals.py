"""Time-rescaling residuals of a fitted point process (Ogata 1988).

If events follow a Poisson process with rate :math:`\\lambda(t)`, the transformed times
:math:`\\tau_i = \\Lambda(t_i) = \\int_{t_0}^{t_i}\\lambda(s)\\,ds` form a unit-rate Poisson process
on :math:`[0, \\Lambda(t_1)]`, so the increments :math:`\\tau_i - \\tau_{i-1}` (with
:math:`\\tau_0 = 0`) are independent Exp(1). :func:`time_rescaling` computes them and a
Kolmogorov-Smirnov test of the increments against Exp(1).

Ogata, Y. (1988) JASA 83(401), 9-27, doi:10.2307/2288914; Brown et al. (2002) Neural Comput.
14, 325-346 (the time-rescaling theorem).

Notes
-----
When the rate was *estimated from the same events*, the KS p-value is conservative (too large):
the fitted model is closer to the data than the true one (as in the Lilliefors problem). Use it to
reject badly misspecified models, not to certify a model; for a calibrated test, simulate from the
fit and refit (parametric bootstrap).

Examples
--------
>>> import numpy as np
>>> from varpy.statistics.residuals import time_rescaling
>>> rng = np.random.default_rng(3)
>>> t = np.sort(rng.uniform(0, 100, 200))          # a homogeneous process, rate 2
>>> res = time_rescaling(t, 0.0, 100.0, lambda a, b: 2.0 * (np.asarray(b) - a))
>>> res.n, round(res.expected_total, 1)
(200, 200.0)
>>> bool(res.ks_pvalue > 0.01)
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from scipy import stats

from varpy.exceptions import DataFormatError

__all__ = ["RescalingResult", "time_rescaling"]


@dataclass
class RescalingResult:
    """Time-rescaling residuals and their KS test against a unit Poisson process.

    Attributes
    ----------
    tau : ndarray
        Transformed times :math:`\\Lambda(t_i)` (expected number of events from ``t0`` to each
        event).
    increments : ndarray
        :math:`\\tau_i - \\tau_{i-1}`, Exp(1) under the model.
    expected_total : float
        :math:`\\Lambda(t_1)`, the expected number of events in the window (compare with ``n``).
    ks_statistic, ks_pvalue : float
        One-sample KS test of ``increments`` against Exp(1) (NaN with fewer than 2 events).
    n : int
        Number of events.
    """

    tau: np.ndarray
    increments: np.ndarray
    expected_total: float
    ks_statistic: float
    ks_pvalue: float
    n: int

    def summary(self) -> str:
        """Human-readable summary."""
        return "\n".join([
            "Time-rescaling residuals (Ogata 1988)",
            f"  events: {self.n}; expected by the model: {self.expected_total:.4g}",
            f"  KS test of increments vs Exp(1): D = {self.ks_statistic:.4f}, "
            f"p = {self.ks_pvalue:.4g}",
        ])

    def to_dict(self) -> dict:
        """JSON-able dict (arrays as lists; NaN as None)."""
        def enc(v):
            return None if isinstance(v, float) and math.isnan(v) else v
        return {"tau": self.tau.tolist(), "increments": self.increments.tolist(),
                "expected_total": enc(float(self.expected_total)),
                "ks_statistic": enc(float(self.ks_statistic)),
                "ks_pvalue": enc(float(self.ks_pvalue)), "n": int(self.n)}

    @classmethod
    def from_dict(cls, d: dict) -> "RescalingResult":
        """Inverse of :meth:`to_dict`."""
        def dec(v):
            return math.nan if v is None else float(v)
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["tau"] = np.asarray(d["tau"], dtype=np.float64)
        kw["increments"] = np.asarray(d["increments"], dtype=np.float64)
        for key in ("expected_total", "ks_statistic", "ks_pvalue"):
            kw[key] = dec(d[key])
        kw["n"] = int(d["n"])
        return cls(**kw)


def time_rescaling(times, t0: float, t1: float, integral) -> RescalingResult:
    """Transform event times by the integrated rate and test them against a unit Poisson process.

    Parameters
    ----------
    times : array_like of float
        Event times in ``[t0, t1)``.
    t0, t1 : float
        The window.
    integral : callable
        ``integral(a, b)`` = expected number of events in ``[a, b]``, vectorised over ``b``
        (e.g. ``lambda a, b: model.integral(a, b, params)``).

    Returns
    -------
    RescalingResult

    Raises
    ------
    DataFormatError
        If a time is outside the window or the integrated rate is not finite and increasing.
    """
    t = np.sort(np.asarray(times, dtype=np.float64).ravel())
    if t.size and (t[0] < t0 or t[-1] >= t1 or not np.all(np.isfinite(t))):
        raise DataFormatError("event times must be finite and inside the window", key="times",
                              expected=f"{t0:g} <= t < {t1:g}")
    tau = np.asarray(integral(t0, t), dtype=np.float64).reshape(t.shape)
    total = float(np.asarray(integral(t0, t1), dtype=np.float64))
    if not (np.all(np.isfinite(tau)) and math.isfinite(total)):
        raise DataFormatError("the integrated rate is not finite at every event time",
                              key="integral", expected="a rate that is finite on the window")
    increments = np.diff(np.r_[0.0, tau])
    if np.any(increments < -1e-9 * max(1.0, total)):
        raise DataFormatError("the integrated rate decreases between events (negative rate?)",
                              key="integral", expected="a non-negative rate")
    if t.size >= 2:
        ks = stats.kstest(increments, "expon")
        stat, pval = float(ks.statistic), float(ks.pvalue)
    else:
        stat = pval = math.nan
    return RescalingResult(tau=tau, increments=increments, expected_total=total,
                           ks_statistic=stat, ks_pvalue=pval, n=int(t.size))
