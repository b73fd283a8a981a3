"""More b-value estimators with the :class:`~varpy.analysis.magnitudes.BValueResult` contract:
b-more-positive (Lippiello & Petrillo 2024), Weichert (1980) and Kijko & Smit (2012) for
stepwise completeness.

==============================  ==============================================================
:func:`b_more_positive`         each event paired with the next later one ``delta`` larger
                                (:class:`~varpy.analysis.magnitudes.BValueResult`)
:func:`b_weichert`              b, rate and a for completeness periods (:class:`PeriodsBValueResult`)
:func:`b_kijko_smit`            the same by Kijko & Smit's pooled Aki-Utsu estimator
==============================  ==============================================================

The numerics are in :mod:`varpy.statistics.bvalue_positive` and
:mod:`varpy.statistics.bvalue_periods`, where the methods are described.

Examples
--------
>>> import numpy as np
>>> from varpy.statistics.mags import simulate_gr
>>> m = simulate_gr(4000, b=1.0, mc=1.0, dm=0.1, seed=3)
>>> r = b_more_positive(m, dm=0.1)
>>> r.method, bool(abs(r.b - 1.0) < 3 * r.sigma)
('b_more_positive', True)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

from scipy import special, stats

from varpy.analysis._catalogue import catalogue_arrays, fmt, iso, time_value
from varpy.analysis.magnitude_results import BValueResult
from varpy.exceptions import DataFormatError, FitError, UnknownFormatError
from varpy.statistics import bvalue_periods as _periods
from varpy.statistics import bvalue_positive as _positive
from varpy.statistics import mags

__all__ = ["PeriodsBValueResult", "b_more_positive", "b_weichert", "b_kijko_smit",
           "MORE_POSITIVE_UNCERTAINTIES", "MORE_METHODS", "more_method_name", "b_value_more"]

#: Methods :func:`varpy.analysis.b_value` hands to this module.
MORE_METHODS = ("b_more_positive", "weichert", "kijko_smit")
_MORE_ALIASES = {"more_positive": "b_more_positive", "bmorepositive": "b_more_positive",
                 "b_more_pos": "b_more_positive", "weichert1980": "weichert",
                 "kijko": "kijko_smit", "kijkosmit": "kijko_smit", "kijko_smit2012": "kijko_smit"}

#: Uncertainties of :func:`b_more_positive`.
MORE_POSITIVE_UNCERTAINTIES = ("batch_means", "tinti_mulargia")


def _conf(conf_level) -> float:
    c = float(conf_level)
    if not 0 < c < 1:
        raise DataFormatError(f"conf_level={conf_level!r}", key="conf_level",
                              expected="a probability between 0 and 1, such as 0.95")
    return c


def _mc_value(mc):
    if mc is None:
        return None
    value = getattr(mc, "mc", mc)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DataFormatError(f"mc={mc!r} is not a magnitude", key="mc",
                              expected="a float, an McResult or None") from None


def b_more_positive(data, mc=None, dm: float = 0.1, *, delta: float | None = None,
                    times=None, uncertainty: str = "batch_means", conf_level: float = 0.95,
                    n_batches: int = _positive.BATCHES, a_convention: str = "edge",
                    column: str = "magnitude", time_column: str = "time") -> BValueResult:
    """b-more-positive (Lippiello & Petrillo 2024) with its uncertainty.

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        Magnitudes in time order, or a catalogue (sorted by ``time_column`` here).
    mc : float, McResult or None
        Events below ``mc`` are left out first (None: every event).
    dm : float
        Bin width (0 = continuous; then ``delta`` is required).
    delta : float, optional
        Minimum difference (default ``dm``).
    uncertainty : {'batch_means', 'tinti_mulargia'}
        Batch means over the time-ordered differences (default; the differences share their
        larger partners) with a Student-t interval of ``n_batches - 1`` degrees of freedom, or
        the i.i.d. Fisher information, which understates the error (by about 1.8).

    Returns
    -------
    BValueResult
        ``method='b_more_positive'``, ``n`` the number of pairs, ``delta`` the threshold; ``a``
        from the events at or above ``mc`` when it is given.
    """
    conf = _conf(conf_level)
    unc = str(uncertainty).lower().replace("-", "_")
    if unc not in MORE_POSITIVE_UNCERTAINTIES:
        raise UnknownFormatError("b-more-positive uncertainty", str(uncertainty),
                                 MORE_POSITIVE_UNCERTAINTIES)
    dm = mags.check_bin_width(dm, allow_zero=True)
    m, t, _ = catalogue_arrays(data, column=column, time_column=time_column, times=times)
    mc_value = _mc_value(mc)
    if mc_value is not None:
        sel = (mags.bin_index(m, dm) >= mags.bin_index(mc_value, dm)) if dm > 0 \
            else m >= mc_value
        m = m[sel]
        t = None if t is None else t[sel]
        mc_out = mags.bin_centre(int(mags.bin_index(mc_value, dm)), dm) if dm > 0 \
            else mc_value
    else:
        mc_out = math.nan
    fit = _positive.estimate_b_more_positive(m, dm, delta=delta, times=t)
    n = int(fit.n)
    if n < 2:
        raise FitError(f"only {n} pair(s) to estimate b from; at least 2 are needed")
    if unc == "batch_means":
        first, second, thr = _positive.more_positive_pairs(m, dm, delta=delta, times=t)
        sigma = _positive.sigma_b_more_positive(m[second] - m[first], fit.b, dm, thr,
                                                n_batches=n_batches)
        q = float(stats.t.ppf(0.5 + conf / 2, max(min(int(n_batches), n) - 1, 1)))
    else:
        sigma = float(mags.sigma_tinti_mulargia(fit.b, fit.n, dm))
        q = float(special.ndtri(0.5 + conf / 2))
    ci = (fit.b - q * sigma, fit.b + q * sigma) if math.isfinite(sigma) else None
    a = mags.a_value(m.size, fit.b, mc_out, dm, convention=a_convention) \
        if mc_value is not None else math.nan
    return BValueResult(b=float(fit.b), sigma=float(sigma), a=float(a), n=n,
                        mc=float(mc_out), dm=dm, method="b_more_positive", uncertainty=unc,
                        ci=ci, conf_level=conf, delta=float(fit.threshold),
                        a_convention=a_convention)


@dataclass
class PeriodsBValueResult(BValueResult):
    """b and rate of a catalogue with stepwise completeness (Weichert, Kijko-Smit).

    Besides the :class:`~varpy.analysis.magnitudes.BValueResult` fields (``mc`` is the lowest
    completeness, ``a`` refers to a rate per ``time_unit``:
    :math:`\\log_{10} \\lambda(\\ge M) = a - bM`):

    Attributes
    ----------
    rate, rate_sigma : float
        Rate of events at or above ``mc`` per ``time_unit`` and its standard error.
    rate_ci : tuple
        ``conf_level`` interval of the rate (normal approximation).
    periods : list
        ``[[start, mc], ...]`` (ISO strings for calendar catalogues) and ``end``.
    counts : list
        Events used in each period.
    time_unit : str
        ``'day'`` or ``'year'`` for calendar catalogues, ``'time'`` (the unit of the float
        times) otherwise.
    """

    result_type: ClassVar[str] = "varpy.analysis.bvalue_more:PeriodsBValueResult"
    _floats: ClassVar[tuple[str, ...]] = BValueResult._floats + ("rate", "rate_sigma")
    _tuples: ClassVar[tuple[str, ...]] = ("ci", "rate_ci")

    rate: float = math.nan
    rate_sigma: float = math.nan
    rate_ci: tuple[float, float] | None = None
    periods: list = field(default_factory=list)
    end: object = None
    counts: list = field(default_factory=list)
    time_unit: str = "day"

    def summary(self) -> str:
        name = {"weichert": "Weichert", "kijko_smit": "Kijko-Smit"}.get(self.method,
                                                                        self.method)
        text = (f"b = {fmt(self.b)} +/- {fmt(self.sigma)} ({name}"
                f"; {self.conf_level:.0%} interval {fmt(self.ci[0]) if self.ci else 'n/a'} "
                f"to {fmt(self.ci[1]) if self.ci else 'n/a'}), rate(>= {self.mc:g}) = "
                f"{self.rate:.4g} +/- {self.rate_sigma:.2g} per {self.time_unit}, "
                f"a = {fmt(self.a)}, n = {self.n} in {len(self.periods)} completeness "
                f"period(s), dm = {self.dm:g}")
        return text


def _period_fit(kind, data, periods, dm, end, times, time_unit, conf_level, a_convention,
                column, time_column, **options) -> PeriodsBValueResult:
    conf = _conf(conf_level)
    m, t, calendar = catalogue_arrays(data, column=column, time_column=time_column,
                                      times=times, need_times=True, time_unit=time_unit)
    try:
        rows = [(time_value(s, calendar, time_unit), float(c)) for s, c in periods]
    except (TypeError, ValueError):
        raise DataFormatError(f"completeness periods {periods!r} are not (start, mc) pairs",
                              key="periods", expected="[(start, mc), ...]") from None
    end_value = None if end is None else time_value(end, calendar, time_unit)
    if kind == "weichert":
        dm = mags.check_bin_width(dm)
        fit = _periods.estimate_b_weichert(m, t, rows, dm, end=end_value, **options)
    else:
        dm = mags.check_bin_width(dm, allow_zero=True)
        fit = _periods.estimate_b_kijko_smit(m, t, rows, dm, end=end_value, **options)
    z = float(special.ndtri(0.5 + conf / 2))
    a = mags.a_value(fit.rate, fit.b, fit.mc_min, dm, convention=a_convention)
    unit = time_unit if calendar else "time"
    return PeriodsBValueResult(
        b=fit.b, sigma=fit.sigma, a=a, n=fit.n, mc=fit.mc_min, dm=dm, method=kind,
        uncertainty="fisher" if kind == "weichert" else options.get("method", "utsu"),
        ci=(fit.b - z * fit.sigma, fit.b + z * fit.sigma), conf_level=conf,
        a_convention=a_convention, rate=fit.rate, rate_sigma=fit.rate_sigma,
        rate_ci=(fit.rate - z * fit.rate_sigma, fit.rate + z * fit.rate_sigma),
        periods=[[iso(s, calendar, time_unit), c] for s, c in fit.periods],
        end=iso(fit.end, calendar, time_unit), counts=list(fit.counts), time_unit=unit)


def b_weichert(data, periods, dm: float = 0.1, *, end=None, m_max: float | None = None,
               times=None, time_unit: str = "day", conf_level: float = 0.95,
               a_convention: str = "edge", column: str = "magnitude",
               time_column: str = "time") -> PeriodsBValueResult:
    """Weichert (1980) b-value and rate for stepwise completeness.

    Parameters
    ----------
    data : pandas.DataFrame or array-like
        Catalogue with magnitudes and times (or magnitudes with ``times=``).
    periods : sequence of (start, mc)
        Completeness history: from ``start`` (a date for calendar catalogues, else a float) on,
        events at or above ``mc`` (bin centre) are complete, until the next start or ``end``.
        A Stepp table converts with
        :func:`varpy.statistics.bvalue_periods.periods_from_table`.
    dm : float
        Bin width (> 0).
    end : time, optional
        End of observation (default: the last event).
    m_max : float, optional
        Largest possible magnitude (default unbounded).
    time_unit : {'day', 'year'}
        Unit of the rate for calendar catalogues.

    Examples
    --------
    >>> import pandas as pd
    >>> cat = pd.DataFrame({"magnitude": [2.0, 2.3, 1.1, 1.0, 1.4, 1.2, 2.8, 1.0],
    ...                     "time": pd.to_datetime(["2000-02-01", "2000-06-01", "2001-02-01",
    ...                                             "2001-03-01", "2001-05-01", "2001-07-01",
    ...                                             "2001-09-01", "2001-11-01"], utc=True)})
    >>> r = b_weichert(cat, [("2000-01-01", 2.0), ("2001-01-01", 1.0)], time_unit="year")
    >>> r.n, r.counts, r.time_unit
    (8, [2, 6], 'year')
    """
    return _period_fit("weichert", data, periods, dm, end, times, time_unit, conf_level,
                       a_convention, column, time_column, m_max=m_max)


def b_kijko_smit(data, periods, dm: float = 0.1, *, end=None, method: str = "utsu",
                 times=None, time_unit: str = "day", conf_level: float = 0.95,
                 a_convention: str = "edge", column: str = "magnitude",
                 time_column: str = "time") -> PeriodsBValueResult:
    """Kijko & Smit (2012) b-value and rate for stepwise completeness (parameters as
    :func:`b_weichert`; ``method`` is ``'utsu'``, ``'tinti_mulargia'`` or ``'aki'``)."""
    return _period_fit("kijko_smit", data, periods, dm, end, times, time_unit, conf_level,
                       a_convention, column, time_column, method=method)


def more_method_name(method) -> str | None:
    """The canonical name when ``method`` is one of :data:`MORE_METHODS` (aliases and dashes
    allowed), else None."""
    if method is None:
        return None
    name = str(method).lower().replace("-", "_").replace(" ", "_")
    name = _MORE_ALIASES.get(name, name)
    return name if name in MORE_METHODS else None


def b_value_more(method: str, data, *, mc=None, dm: float = 0.1, uncertainty=None,
                 conf_level: float = 0.95, delta=None, times=None, a_convention: str = "edge",
                 periods=None, column: str = "magnitude", time_column: str = "time",
                 **options) -> BValueResult:
    """Dispatch of :func:`varpy.analysis.b_value` for :data:`MORE_METHODS`.

    ``uncertainty`` None or ``'shi_bolt'`` (b_value's default) takes each method's own
    (batch means for b-more-positive, the Fisher information for the others).
    """
    name = more_method_name(method)
    if name is None:
        raise UnknownFormatError("b-value method", str(method), MORE_METHODS)
    common = {"conf_level": conf_level, "a_convention": a_convention, "column": column,
              "time_column": time_column, "times": times}
    if name == "b_more_positive":
        unc = "batch_means" if uncertainty in (None, "shi_bolt") else uncertainty
        return b_more_positive(data, mc=mc, dm=dm, delta=delta, uncertainty=unc, **common,
                               **options)
    if periods is None and mc is None:
        raise DataFormatError(f"{name} needs the completeness history", key="periods",
                              expected="periods=[(start, mc), ...] (or mc= for one period)")
    if delta is not None:
        raise DataFormatError(f"delta is not a parameter of {name}", key="delta",
                              expected="delta=None")
    if periods is None:
        # one period: the whole catalogue at one completeness
        m, t, calendar = catalogue_arrays(data, column=column, time_column=time_column,
                                          times=times, need_times=True,
                                          time_unit=options.get("time_unit", "day"))
        start = iso(float(t.min()), calendar, options.get("time_unit", "day"))
        periods = [(start, float(getattr(mc, "mc", mc)))]
    elif mc is not None:
        raise DataFormatError(f"{name}: give the completeness by periods= or mc=, not both",
                              key="mc", expected="mc=None with periods=")
    fit = b_weichert if name == "weichert" else b_kijko_smit
    return fit(data, periods, dm, **common, **options)

