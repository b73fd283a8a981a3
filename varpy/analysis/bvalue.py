"""Gutenberg-Richter b-value of a catalogue: :func:`b_value`.

The user-facing dispatcher over :mod:`varpy.statistics.bvalue` (Tinti-Mulargia, Utsu, Aki,
b-positive; Shi-Bolt, Tinti-Mulargia, Aki or bootstrap uncertainty) and VarPy 2016's
``GR_mle`` (``legacy=True``), returning :class:`~varpy.analysis.magnitude_results.BValueResult`;
Mc may be given, taken from an :class:`~varpy.analysis.magnitude_results.McResult` or estimated
here (:func:`varpy.analysis.mc_estimation.mc`). Also the bin-edge, interval and bootstrap
helpers :mod:`~varpy.analysis.magnitude_timeseries` shares.

May import: numpy, scipy, :mod:`varpy.exceptions`, :mod:`varpy.statistics` (binning, bvalue,
legacy2016), :mod:`varpy.analysis.magnitude_input`, :mod:`varpy.analysis.magnitude_results`,
:mod:`varpy.analysis.mc_estimation`.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special as _special

from varpy.analysis.magnitude_input import (
    _binned,
    _check_conf,
    _magnitude_values,
    _magnitudes,
    _times,
)
from varpy.analysis import bvalue_more
from varpy.analysis.magnitude_results import BValueResult, McResult
from varpy.analysis.mc_estimation import mc
from varpy.exceptions import DataFormatError, FitError, UnknownFormatError
from varpy.statistics.binning import BIN_TOLERANCE, bin_centre, bin_index, check_bin_width
from varpy.statistics.bvalue import (
    SHI_BOLT_CONSTANT,
    a_value,
    b_method_name,
    bootstrap_b,
    bootstrap_b_counts,
    estimate_b,
    estimate_b_positive,
    shi_bolt_constant_value,
    sigma_aki,
    sigma_shi_bolt,
    sigma_tinti_mulargia,
)
from varpy.statistics.legacy2016 import varpy2016_gr_mle

__all__ = ["b_value", "UNCERTAINTIES"]

#: Uncertainty estimates :func:`b_value` offers.
UNCERTAINTIES = ("shi_bolt", "tinti_mulargia", "aki", "bootstrap")


def _resolve_mc(data_m, mc_arg, dm, legacy, m_min, mc_options):
    """(mc value or None, name of the method that estimated it or None)."""
    if mc_arg is None:
        return None, None
    if isinstance(mc_arg, McResult):
        return float(mc_arg.mc), mc_arg.method
    if isinstance(mc_arg, str):
        res = mc(data_m, method=mc_arg, dm=dm, legacy=legacy, m_min=m_min,
                 **(mc_options or {}))
        return float(res.mc), res.method
    try:
        return float(mc_arg), None
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"mc={mc_arg!r} is not understood", key="mc",
                              expected="a magnitude, an McResult, a method name such as "
                                       "'gft', or None") from exc


def _normal_quantile(conf: float) -> float:
    """Two-sided normal quantile of ``conf`` (``scipy.stats.norm.ppf(0.5 + conf/2)``, which is
    ``special.ndtri``, without the distribution machinery's 50-100 us per call)."""
    return float(_special.ndtri(0.5 + conf / 2))


def _interval(b, sigma, conf):
    if not (math.isfinite(b) and math.isfinite(sigma)):
        return None
    z = _normal_quantile(conf)
    return (b - z * sigma, b + z * sigma)


def b_value(data, mc=None, method: str | None = None, dm: float = 0.1, *,
            uncertainty: str = "shi_bolt", conf_level: float = 0.95, n_boot: int = 1000,
            seed=None, shi_bolt_constant: float | str = SHI_BOLT_CONSTANT,
            delta: float | None = None, times=None, weights=None, a_convention: str = "edge",
            legacy: bool = False, m_min: float = 0.1, mc_options: dict | None = None,
            column: str = "magnitude", time_column: str = "time", periods=None,
            **options) -> BValueResult:
    """Gutenberg-Richter b-value, a-value and uncertainty.

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        Magnitudes, or a catalogue with a ``column`` column (and ``time_column`` for
        b-positive). NaN magnitudes are ignored; magnitudes are binned to ``dm``.
    mc : float, McResult, str or None
        Completeness magnitude (bin centre; events ``>= mc - dm/2`` are used, so events at
        exactly ``mc`` count), a result of :func:`mc`, or a method name to estimate it here
        (``mc_options`` are passed on). None: the lowest magnitude bin (the catalogue is
        assumed complete) or, for b-positive, the whole catalogue.
    method : str
        ``tinti_mulargia`` (default; exact discrete MLE), ``utsu``, ``aki`` (meant for
        continuous magnitudes, ``dm=0``), ``b_positive`` (positive magnitude differences >=
        ``delta`` in time order, van der Elst 2021); ``b_more_positive``, ``weichert`` and
        ``kijko_smit`` are handed to :func:`varpy.analysis.bvalue_more.b_value_more`, with
        ``periods`` (the stepwise completeness history of Weichert and Kijko-Smit) and
        ``options`` (e.g. ``end``, ``m_max``, ``time_unit``, ``n_batches``).
    dm : float
        Bin width (0 for continuous magnitudes).
    uncertainty : {'shi_bolt', 'tinti_mulargia', 'aki', 'bootstrap'}
        Shi & Bolt (1982) with constant ``shi_bolt_constant``, the Tinti-Mulargia Fisher
        information, Aki's b/sqrt(N), or the bootstrap (``n_boot`` multinomial redraws of
        the histogram, ``seed``).
    shi_bolt_constant : float or str
        2.30 (default: the value Shi & Bolt printed, used by ZMAP and VarPy 2016) or
        ``'ln10'`` (the exact ln 10 = 2.3026 of their derivation, used by SeismoStats and
        hmtk; sigma 0.11 % larger), or any positive number
        (:func:`varpy.statistics.bvalue.shi_bolt_constant_value`). The result stores the number.
    conf_level : float
        Level of ``ci`` (normal approximation for the analytic errors, percentiles for the
        bootstrap).
    weights : array-like, optional
        Frequency weights (not with the bootstrap or b-positive).
    a_convention : {'edge', 'centre'}
        Magnitude the a-value refers to (see :func:`varpy.statistics.bvalue.a_value`).
    legacy : bool
        VarPy 2016 ``GR_mle``: Utsu b, Shi-Bolt with 2.3, a at mc, magnitudes prepared with
        ``m_min`` and compared with mc in floating point.

    Returns
    -------
    BValueResult

    Examples
    --------
    >>> from varpy.statistics.mags import simulate_gr
    >>> m = simulate_gr(5000, b=1.2, mc=1.0, dm=0.1, seed=7)
    >>> r = b_value(m, mc=1.0)
    >>> abs(r.b - 1.2) < 3 * r.sigma, r.n
    (True, 5000)
    """
    if bvalue_more.more_method_name(method) is not None and not legacy:
        # b-more-positive, Weichert, Kijko-Smit (issue 17): varpy.analysis.bvalue_more
        return bvalue_more.b_value_more(
            method, data, mc=mc, dm=dm, uncertainty=uncertainty, conf_level=conf_level,
            delta=delta, times=times, a_convention=a_convention, periods=periods,
            column=column, time_column=time_column, **options)
    if periods is not None or options:
        raise DataFormatError(f"periods= and {sorted(options)} are options of the methods "
                              f"{bvalue_more.MORE_METHODS}, not of {method!r}", key="method",
                              expected="one of " + ", ".join(bvalue_more.MORE_METHODS))
    conf = _check_conf(conf_level)
    unc = str(uncertainty).lower().replace("-", "_")
    if unc not in UNCERTAINTIES:
        raise UnknownFormatError("b-value uncertainty", str(uncertainty), UNCERTAINTIES)
    dm = check_bin_width(dm, allow_zero=True)
    constant = shi_bolt_constant_value(shi_bolt_constant)
    # The common case (binned magnitudes, mc known, analytic sigma) reads the magnitudes once,
    # in place: NaN are skipped by the estimator itself, so no finiteness pass, mask or copy.
    direct = (not legacy and weights is None and unc != "bootstrap" and dm > 0
              and not isinstance(mc, str)
              and str(method).lower().replace("-", "_") not in ("b_positive", "positive",
                                                                "bpositive"))
    if direct:
        m_all, mask, n_rows = _magnitude_values(data, column), None, None
    else:
        m_all, mask, n_rows = _magnitudes(data, column)
    if m_all.size == 0:
        raise FitError("no magnitudes to estimate b from")
    if legacy:
        if method not in (None, "utsu"):
            raise DataFormatError(f"VarPy 2016 estimated b only with Utsu's formula, not "
                                  f"{method!r}", key="method", expected="None or 'utsu' with "
                                                                        "legacy=True")
        mc_value, mc_method = _resolve_mc(m_all, mc, dm, True, m_min, mc_options)
        if mc_value is None:
            raise DataFormatError("legacy b-value needs mc", key="mc",
                                  expected="a magnitude or 'maxc'/'gft'/'mbs'")
        b, sig, a, n = varpy2016_gr_mle(m_all, mc_value, m_min, dm)
        if n < 2:
            raise FitError(f"fewer than 2 events at or above mc={mc_value}")
        return BValueResult(b=b, sigma=sig, a=a, n=n, mc=mc_value, dm=dm, method="utsu",
                            uncertainty="shi_bolt", ci=_interval(b, sig, conf),
                            conf_level=conf, a_convention="centre", shi_bolt_constant=2.3,
                            mc_method=mc_method, legacy=True)
    name = "tinti_mulargia" if method is None else str(method).lower().replace("-", "_")
    name = {"positive": "b_positive", "bpositive": "b_positive"}.get(name, name)
    if name != "b_positive":
        name = b_method_name(name)
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (n_rows,):
            raise DataFormatError(f"{w.size} weights for {n_rows} events", key="weights",
                                  expected="one weight per event")
        w = w[mask]
        if unc == "bootstrap" or name == "b_positive":
            raise DataFormatError("weights cannot be combined with the bootstrap or b-positive",
                                  key="weights", expected="weights=None")
    mc_value, mc_method = _resolve_mc(m_all, mc, dm, False, m_min, mc_options)
    if mc_value is not None and not math.isfinite(mc_value):
        raise FitError(f"completeness could not be estimated ({mc_method}); give mc explicitly")

    if name == "b_positive":
        m = _binned(m_all, dm)
        t, _ = _times(data, times, time_column)
        if t is not None:
            t = t[mask]
        sel = np.ones(m.size, dtype=bool)
        if mc_value is not None:
            sel = m >= _edge(mc_value, dm)
        fit = estimate_b_positive(m[sel], dm, delta=delta,
                                       times=None if t is None else t[sel])
        n = int(fit.n)
        mc_out = math.nan if mc_value is None else _centre(mc_value, dm)
        n_complete = int(sel.sum())
        a = a_value(n_complete, fit.b, mc_out, dm, convention=a_convention) \
            if mc_value is not None else math.nan
        excess = None
        if unc == "bootstrap":
            excess = _positive_excess(m[sel], dm, fit.threshold,
                                      None if t is None else t[sel])
    elif direct:
        try:
            if mc_value is None:
                low = float(np.fmin.reduce(m_all))           # NaN-skipping minimum
                if math.isnan(low):
                    raise FitError("no magnitudes to estimate b from (all are NaN)")
                mc_value = _centre(low, dm)
            fit = estimate_b(m_all, mc_value, dm, method=name, nan_policy="omit")
        except DataFormatError:
            _magnitudes(data, column)       # names the row and column of an infinite magnitude
            raise
        n = int(round(fit.n))
        mc_out = fit.threshold
        a = a_value(fit.n, fit.b, mc_out, dm, convention=a_convention)
    else:
        if mc_value is None:
            mc_value = _centre(float(np.min(m_all)), dm)
        fit = estimate_b(m_all, mc_value, dm, method=name, weights=w)
        n = int(round(fit.n))
        mc_out = fit.threshold
        a = a_value(fit.n, fit.b, mc_out, dm, convention=a_convention)
    if n < 2:
        raise FitError(f"only {n} event(s) to estimate b from; at least 2 are needed")
    if not math.isfinite(fit.b):
        raise FitError("b is undefined: every event used lies in the lowest bin "
                       f"(mc={mc_out}, dm={dm})")
    ci = None
    n_used_boot = 0
    if unc == "shi_bolt":
        sigma = sigma_shi_bolt(fit.b, fit.n, fit.std, constant=constant)
    elif unc == "tinti_mulargia":
        sigma = sigma_tinti_mulargia(fit.b, fit.n, dm)
    elif unc == "aki":
        sigma = sigma_aki(fit.b, fit.n)
    else:
        rng = np.random.default_rng(seed)      # only here: seeding from the OS costs ~20 us
        if name == "b_positive":
            reps = _bootstrap_excess(excess, dm, "tinti_mulargia", int(n_boot), rng)
        else:
            reps = bootstrap_b(m_all, mc_out, dm, method=name, n_boot=int(n_boot),
                                    seed=rng)
        ok = reps[np.isfinite(reps)]
        sigma = float(np.std(ok, ddof=1)) if ok.size > 1 else math.nan
        if ok.size > 1:
            lo, hi = np.percentile(ok, [50 * (1 - conf), 50 * (1 + conf)])
            ci = (float(lo), float(hi))
        n_used_boot = int(n_boot)
    if ci is None:
        ci = _interval(fit.b, float(sigma), conf)
    return BValueResult(b=float(fit.b), sigma=float(sigma), a=float(a), n=n, mc=float(mc_out),
                        dm=dm, method=name, uncertainty=unc, ci=ci, conf_level=conf,
                        delta=float(fit.threshold) if name == "b_positive" else math.nan,
                        mean_magnitude=float(fit.mean) if name != "b_positive" else math.nan,
                        a_convention=a_convention, shi_bolt_constant=constant,
                        n_boot=n_used_boot, mc_method=mc_method)


def _edge(mc_value: float, dm: float) -> float:
    if dm == 0:
        return float(mc_value)
    return (int(bin_index(float(mc_value), dm)) - 0.5 - BIN_TOLERANCE) * dm


def _centre(mc_value: float, dm: float) -> float:
    if dm == 0:
        return float(mc_value)
    return bin_centre(int(bin_index(float(mc_value), dm)), dm)


def _positive_excess(m, dm, delta, t):
    if t is not None:
        m = m[np.argsort(t, kind="stable")]
    d = np.diff(m)
    tol = BIN_TOLERANCE * dm if dm > 0 else 0.0
    return d[d >= delta - tol] - delta


def _bootstrap_excess(excess, dm, method, n_boot, rng):
    excess = np.asarray(excess, dtype=np.float64)
    if excess.size == 0:
        return np.full(n_boot, np.nan)
    if dm > 0:
        counts = np.bincount(bin_index(excess, dm))
        return bootstrap_b_counts(counts, dm, method=method, n_boot=n_boot, seed=rng)
    return bootstrap_b(excess, 0.0, 0.0, method=method, n_boot=n_boot, seed=rng)
