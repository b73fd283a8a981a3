"""Comparing fitted rate models: information criteria and likelihood-ratio tests.

The functions accept any objects with the attributes of
:class:`varpy.modelling.fitting.FitResult` (``model``, ``loglik``, ``n_params``, ``n_events``,
``window``); this module does not import the modelling layer.

- :func:`information_criteria`: AIC, BIC, differences and Akaike weights for several fits on the
  same events (a pandas DataFrame, best AIC first).
- :func:`likelihood_ratio_test`: nested pairs, chi-squared p-values.

Nested pairs and boundary cases
-------------------------------
=========================  ==============  ===========================================
restricted in full         df              null value
=========================  ==============  ===========================================
constant in exponential    1               ``lam = 0`` (interior: chi2_1 is valid)
hyperbolic in iol          1               ``p = 1`` (interior: chi2_1 is valid)
iol retrospective in iol   1               ``tf`` fixed (interior, if ``tf > t1``)
constant in iol            2 (heuristic)   ``p = 0`` is on the boundary and ``tf`` is then
                                           not identified: the chi2 p-value is approximate
mol in creep               3 (heuristic)   ``k2 = 0`` is on the boundary and ``tf``, ``p2``
                                           are then not identified (Davies' problem)
=========================  ==============  ===========================================

For a single parameter on the boundary of its space (e.g. a rate component ``k2 >= 0`` with
the null ``k2 = 0`` and everything else identified), pass ``boundary=True``: the null
distribution is the 50:50 mixture of chi2 with ``df - 1`` and ``df`` degrees of freedom (Self &
Liang 1987, JASA 82, 605-610). When extra parameters are unidentified under the null, no
chi-squared reference is exact; a parametric bootstrap is the safe alternative.

Examples
--------
>>> from types import SimpleNamespace as F
>>> a = F(model="constant", loglik=-502.57, n_params=1, n_events=394, window=(0.0, 519.0))
>>> b = F(model="exponential", loglik=-459.13, n_params=2, n_events=394, window=(0.0, 519.0))
>>> t = likelihood_ratio_test(a, b)
>>> round(t.statistic, 2), t.df, t.p_value < 1e-15
(86.88, 1, True)
>>> information_criteria([a, b])["model"].tolist()
['exponential', 'constant']
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
from scipy import stats

from varpy.exceptions import VarpyError

__all__ = ["aic", "bic", "information_criteria", "likelihood_ratio_test", "LRTestResult",
           "NESTED_PAIRS"]

#: Known nested pairs ``(restricted, full) -> (df, boundary, note)``.
NESTED_PAIRS = {
    ("constant", "exponential"): (1, False, "lam = 0 is interior"),
    ("hyperbolic", "iol"): (1, False, "p = 1 is interior"),
    ("constant", "iol"): (2, False, "heuristic: p = 0 on the boundary, tf unidentified"),
    ("constant", "hyperbolic"): (1, False, "heuristic: tf -> infinity is a limit, not a point"),
    ("constant", "mol"): (2, False, "heuristic: p = 0 on the boundary, c unidentified"),
    ("mol", "creep"): (3, False, "heuristic: k2 = 0 on the boundary, tf and p2 unidentified"),
    ("iol", "creep"): (3, False, "heuristic: k1 = 0 on the boundary, c and p1 unidentified"),
}


def aic(loglik: float, n_params: int) -> float:
    """Akaike information criterion ``2 k - 2 ln L``."""
    return 2.0 * n_params - 2.0 * loglik


def bic(loglik: float, n_params: int, n_events: int) -> float:
    """Bayesian information criterion ``k ln N - 2 ln L``."""
    return n_params * math.log(n_events) - 2.0 * loglik


def _same_data(results):
    ref = results[0]
    for r in results[1:]:
        if r.n_events != ref.n_events or tuple(r.window) != tuple(ref.window):
            raise VarpyError(
                f"fits are not on the same data: {ref.model!r} has {ref.n_events} events in "
                f"{tuple(ref.window)}, {r.model!r} has {r.n_events} in {tuple(r.window)}; "
                "information criteria and likelihood ratios compare fits of the same events")


def information_criteria(results, labels=None):
    """Table of AIC/BIC for several fits of the same events.

    Parameters
    ----------
    results : sequence of FitResult-like
    labels : sequence of str, optional
        Row labels (default: each result's ``model``, with ``mode`` appended when present).

    Returns
    -------
    pandas.DataFrame
        Columns ``model, n_params, loglik, aic, bic, delta_aic, delta_bic, aic_weight``,
        sorted by AIC. ``aic_weight`` is the Akaike weight ``exp(-delta/2) / sum``.

    Raises
    ------
    VarpyError
        If the fits are not on the same events (number and window).
    """
    import pandas as pd   # statistics stays numpy/scipy at import time

    results = list(results)
    if not results:
        raise VarpyError("no fit results to compare")
    _same_data(results)
    if labels is None:
        labels = []
        for r in results:
            mode = getattr(r, "mode", None)
            labels.append(r.model if not mode or mode == "forecast" else f"{r.model} ({mode})")
    ll = np.array([r.loglik for r in results], dtype=np.float64)
    k = np.array([r.n_params for r in results])
    n = results[0].n_events
    a = 2 * k - 2 * ll
    b = k * math.log(n) - 2 * ll
    da = a - a.min()
    w = np.exp(-0.5 * da)
    table = pd.DataFrame({"model": list(labels), "n_params": k, "loglik": ll, "aic": a,
                          "bic": b, "delta_aic": da, "delta_bic": b - b.min(),
                          "aic_weight": w / w.sum()})
    return table.sort_values("aic", kind="stable").reset_index(drop=True)


@dataclass
class LRTestResult:
    """Likelihood-ratio test of a restricted model against a fuller one."""

    restricted: str
    full: str
    statistic: float
    df: int
    p_value: float
    boundary: bool
    note: str = ""

    def summary(self) -> str:
        kind = "50:50 chi2 mixture (boundary)" if self.boundary else "chi2"
        text = (f"Likelihood-ratio test: {self.restricted} within {self.full}: "
                f"LR = {self.statistic:.4f}, df = {self.df} ({kind}), p = {self.p_value:.4g}")
        return text + (f"\n  note: {self.note}" if self.note else "")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "LRTestResult":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def likelihood_ratio_test(restricted, full, df: int | None = None,
                          boundary: bool | None = None) -> LRTestResult:
    """Likelihood-ratio test of ``restricted`` nested in ``full`` (same events).

    ``LR = 2 (l_full - l_restricted)`` is referred to chi2 with ``df`` degrees of freedom
    (default: the difference in free parameters, or the entry of :data:`NESTED_PAIRS`). With
    ``boundary=True`` the reference is the 50:50 mixture of chi2_{df-1} and chi2_df (one
    parameter on the boundary of its space). A negative LR (the fuller fit is worse: an
    optimiser failure) is reported as 0 with p = 1 and a note.

    Raises
    ------
    VarpyError
        If the fits are not on the same events or ``df < 1``.
    """
    _same_data([restricted, full])
    note = ""
    known = NESTED_PAIRS.get((restricted.model, full.model))
    if df is None:
        df = full.n_params - restricted.n_params
    if known is not None:
        note = known[2]
        if boundary is None:
            boundary = known[1]
    boundary = bool(boundary)
    if df < 1:
        raise VarpyError(f"{restricted.model!r} ({restricted.n_params} free parameters) is not "
                         f"nested in {full.model!r} ({full.n_params}): df = {df}")
    stat = 2.0 * (full.loglik - restricted.loglik)
    if stat < 0:
        note = (note + "; " if note else "") + (
            f"the fuller model fits worse (LR = {stat:.3g}); its optimum was not found")
        stat = 0.0
    if boundary:
        p = 0.5 * stats.chi2.sf(stat, df) + (0.5 * stats.chi2.sf(stat, df - 1) if df > 1
                                             else 0.5 * float(stat <= 0))
    else:
        p = stats.chi2.sf(stat, df)
    return LRTestResult(restricted=restricted.model, full=full.model, statistic=float(stat),
                        df=int(df), p_value=float(p), boundary=boundary, note=note)
