"""Gutenberg-Richter a-value of a catalogue: classic, a-positive, a-more-positive
(:class:`AValueResult`, the same contract as :class:`~varpy.analysis.magnitudes.BValueResult`).

The estimators and their assumptions are described in :mod:`varpy.statistics.avalue`. When
no b-value is given, the positive estimators take b-positive (van der Elst 2021, which rests on
the same assumption of completeness between consecutive events) and the classic one
Tinti-Mulargia; that b, its standard error and its method are recorded, and its uncertainty is
carried into ``sigma``.

Examples
--------
>>> import numpy as np
>>> from varpy.statistics.mags import simulate_gr
>>> rng = np.random.default_rng(2)
>>> t = np.sort(rng.uniform(0, 100, 3000))
>>> m = simulate_gr(3000, 1.0, 1.0, 0.1, seed=3)
>>> r = a_value(m, "positive", mc=1.0, times=t, b=1.0, time_span=100.0)
>>> r.method, bool(abs(r.a - np.log10(3000)) < 3 * r.sigma)
('positive', True)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from scipy import special, stats

from varpy.analysis._catalogue import ResultDict, catalogue_arrays, fmt
from varpy.exceptions import DataFormatError
from varpy.statistics import avalue as _av
from varpy.statistics import bvalue_positive as _positive
from varpy.statistics import mags

__all__ = ["AValueResult", "a_value", "A_METHODS"]

A_METHODS = _av.A_METHODS


@dataclass
class AValueResult(ResultDict):
    """Gutenberg-Richter a-value with its uncertainty.

    Attributes
    ----------
    a, sigma : float
        :math:`\\log_{10}` of the number of events at or above ``m_ref`` (over ``time_span``,
        divided by ``scaling`` when given) and its standard error.
    n : int
        Events (classic) or pairs ending with a larger event (positive methods) used.
    method : str
        ``classic``, ``positive`` or ``more_positive``.
    mc, dm, m_ref, delta : float
        Completeness the rate refers to, bin width, reference magnitude, minimum difference.
    b, b_sigma, b_method : float, float, str
        b-value used (given, or estimated here) and its standard error.
    rate : float
        Events at or above ``mc`` per unit of the times (``time_unit`` for calendar times).
    time_span, scaling : float
        The period the count refers to and the divisor applied to it.
    ci : tuple
        ``conf_level`` interval of ``a`` (normal; Student t for ``more_positive``).
    """

    result_type: ClassVar[str] = "varpy.analysis.avalues:AValueResult"
    _floats: ClassVar[tuple[str, ...]] = ("a", "sigma", "mc", "dm", "m_ref", "delta", "b",
                                          "b_sigma", "rate", "time_span", "scaling",
                                          "conf_level")
    _tuples: ClassVar[tuple[str, ...]] = ("ci",)

    a: float
    sigma: float
    n: int
    method: str
    mc: float
    dm: float
    m_ref: float
    b: float = math.nan
    b_sigma: float = math.nan
    b_method: str | None = None
    delta: float = math.nan
    rate: float = math.nan
    time_span: float = math.nan
    time_unit: str = "time"
    scaling: float = math.nan
    convention: str = "centre"
    ci: tuple[float, float] | None = None
    conf_level: float = 0.95

    @property
    def value(self) -> float:
        """The a-value (alias of ``a``)."""
        return self.a

    def summary(self) -> str:
        name = {"classic": "classic", "positive": "a-positive",
                "more_positive": "a-more-positive"}.get(self.method, self.method)
        text = f"a = {fmt(self.a)} +/- {fmt(self.sigma)} ({name}"
        if self.ci is not None:
            text += f"; {self.conf_level:.0%} interval {fmt(self.ci[0])} to {fmt(self.ci[1])}"
        text += f") at m_ref = {self.m_ref:g}, n = {self.n}, Mc = {self.mc:g}"
        if math.isfinite(self.b):
            text += f", b = {fmt(self.b)} ({self.b_method})"
        if math.isfinite(self.rate):
            text += f", rate(>= Mc) = {self.rate:.4g} per {self.time_unit}"
        if math.isfinite(self.scaling):
            text += f", scaled by 1/{self.scaling:g}"
        return text


def a_value(data, method: str = "classic", mc=None, dm: float = 0.1, *, b=None,
            b_sigma: float | None = None, delta: float | None = None,
            m_ref: float | None = None, scaling: float | None = None,
            time_span: float | None = None, times=None, time_unit: str = "day",
            convention: str = "centre", conf_level: float = 0.95,
            column: str = "magnitude", time_column: str = "time") -> AValueResult:
    """Gutenberg-Richter a-value: ``classic``, ``positive`` or ``more_positive``.

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        Magnitudes, or a catalogue (the positive methods need times: a ``time_column`` or
        ``times=``).
    method : {'classic', 'positive', 'more_positive'}
    mc : float, McResult or None
        Completeness (bin centre); None: the lowest bin.
    dm : float
        Bin width (0 = continuous; the positive methods then need ``delta``).
    b : float or BValueResult, optional
        b-value; estimated here when needed and not given (see the module notes).
    m_ref, scaling, convention
        See :mod:`varpy.statistics.avalue`.
    time_span : float, optional
        Period the count refers to, in the unit of the times (default: first to last event;
        classic: only used for the rate).
    time_unit : {'day', 'year'}
        Unit of calendar times.
    """
    name = _av.a_method_name(method)
    conf = float(conf_level)
    if not 0 < conf < 1:
        raise DataFormatError(f"conf_level={conf_level!r}", key="conf_level",
                              expected="a probability between 0 and 1, such as 0.95")
    dm = mags.check_bin_width(dm, allow_zero=True)
    m, t, calendar = catalogue_arrays(data, column=column, time_column=time_column,
                                      times=times, need_times=name != "classic",
                                      time_unit=time_unit)
    mc_value = None if mc is None else float(getattr(mc, "mc", mc))
    b_method = None
    if b is not None and hasattr(b, "b"):
        b_sigma = b.sigma if b_sigma is None else b_sigma
        b_method = getattr(b, "method", None)
        b = b.b
    if b is None and (name != "classic" or m_ref is not None):
        if mc_value is None:
            sel = slice(None)
        elif dm > 0:
            sel = mags.bin_index(m, dm) >= mags.bin_index(mc_value, dm)
        else:
            sel = m >= mc_value
        if name == "classic":
            fit = mags.estimate_b(m[sel], float(m.min()) if mc_value is None else mc_value, dm)
            b_method = "tinti_mulargia"
        else:
            fit = mags.estimate_b_positive(m[sel], dm, delta=delta, times=t[sel])
            b_method = "b_positive"
        b, b_sigma = fit.b, float(mags.sigma_tinti_mulargia(fit.b, fit.n, dm))
    elif b is not None and b_method is None:
        b_method = "given"
    if name == "classic":
        span = time_span
        if span is None and t is not None and t.size > 1:
            span = float(t.max() - t.min())
        est = _av.estimate_a(m, mc_value, dm, b=b, b_sigma=b_sigma, m_ref=m_ref,
                             scaling=scaling, time_span=span, convention=convention)
        q = float(special.ndtri(0.5 + conf / 2))
    elif name == "positive":
        est = _av.estimate_a_positive(m, t, dm, float(b), mc=mc_value, delta=delta,
                                      b_sigma=b_sigma, m_ref=m_ref, scaling=scaling,
                                      time_span=time_span, convention=convention)
        q = float(special.ndtri(0.5 + conf / 2))
    else:
        est = _av.estimate_a_more_positive(m, t, dm, float(b), mc=mc_value, delta=delta,
                                           b_sigma=b_sigma, m_ref=m_ref, scaling=scaling,
                                           time_span=time_span, convention=convention)
        q = float(stats.t.ppf(0.5 + conf / 2, _positive.BATCHES - 1))
    ci = (est.a - q * est.sigma, est.a + q * est.sigma) if math.isfinite(est.sigma) else None
    return AValueResult(
        a=float(est.a), sigma=float(est.sigma), n=int(est.n), method=name, mc=float(est.mc),
        dm=dm, m_ref=float(est.m_ref), b=math.nan if b is None else float(b),
        b_sigma=math.nan if b_sigma is None else float(b_sigma), b_method=b_method,
        delta=float(est.delta), rate=float(est.rate), time_span=float(est.time_span),
        time_unit=time_unit if calendar else "time",
        scaling=math.nan if scaling is None else float(scaling), convention=convention,
        ci=ci, conf_level=conf)
