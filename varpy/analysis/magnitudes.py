"""Completeness magnitude and Gutenberg-Richter b-value: the functions users call.

Every function accepts either an array of magnitudes or a catalogue
(:class:`pandas.DataFrame` with a ``magnitude`` column and, for time series, a ``time``
column of ``datetime64[ns, UTC]`` or float seconds). NaN magnitudes are ignored. Each
returns a result object with ``summary()``, ``to_dict()`` and ``from_dict()``, so datatype
methods can store ``result.to_dict()`` and rebuild the object later.

============================  ================================================================
:func:`fmd`                   frequency-magnitude distribution (:class:`FMDResult`)
:func:`mc`                    completeness: ``maxc``, ``gft``, ``mbs``, ``emr``, ``ks``
                              (:class:`McResult`)
:func:`b_value`               b and a with uncertainty: ``tinti_mulargia``, ``utsu``, ``aki``,
                              ``b_positive`` (:class:`BValueResult`)
:func:`b_time_series`         b(t) in moving windows (:class:`MagnitudeTimeSeries`)
:func:`mc_time_series`        Mc(t) in moving windows (:class:`MagnitudeTimeSeries`)
============================  ================================================================

``legacy=True`` reproduces VarPy 2016 (``m_min = mbin = 0.1``, floating-point Mc candidates,
cumulative GFT, 5-value MBS, Utsu b with Shi-Bolt 2.3 and a at Mc); see
:mod:`varpy.statistics.legacy2016`.

This module is the public entry point; the code lives in one module per concept and every
name importable from here before still is (re-exported unchanged):

=============================================  ==============================================
:mod:`varpy.analysis.magnitude_results`        :class:`FMDResult`, :class:`McResult`,
                                               :class:`BValueResult`,
                                               :class:`MagnitudeTimeSeries`
:mod:`varpy.analysis.mc_estimation`            :func:`fmd`, :func:`mc`
:mod:`varpy.analysis.bvalue`                   :func:`b_value`, :data:`UNCERTAINTIES`
:mod:`varpy.analysis.magnitude_timeseries`     :func:`b_time_series`, :func:`mc_time_series`
:mod:`varpy.analysis.magnitude_input`          reading magnitudes and times (private helpers)
=============================================  ==============================================

May import: the modules above and :mod:`varpy.statistics.mags` (it holds no code of its own).

Examples
--------
>>> from varpy.analysis import magnitudes
>>> from varpy.statistics.mags import simulate_gr
>>> m = simulate_gr(50000, b=1.0, mc=0.0, dm=0.1, detection=(1.0, 0.2), seed=5)
>>> res = magnitudes.mc(m, method="maxc", correction=0.2)
>>> res.mc
1.3
>>> fit = magnitudes.b_value(m, mc=res)
>>> round(fit.b, 1), fit.method
(1.0, 'tinti_mulargia')
"""
from __future__ import annotations

from varpy.analysis.bvalue import (  # noqa: F401  (private names kept importable from here)
    UNCERTAINTIES,
    _bootstrap_excess,
    _centre,
    _edge,
    _interval,
    _normal_quantile,
    _positive_excess,
    _resolve_mc,
    b_value,
)
from varpy.analysis.magnitude_input import (  # noqa: F401
    _NAT,
    _binned,
    _check_conf,
    _is_datetime,
    _magnitude_values,
    _magnitudes,
    _times,
)
from varpy.analysis.magnitude_results import (  # noqa: F401
    BValueResult,
    FMDResult,
    MagnitudeTimeSeries,
    McResult,
    _array_or_none,
    _float,
    _format,
    _Result,
)
from varpy.analysis.magnitude_timeseries import (  # noqa: F401
    _fixed_mc_windows,
    _prepare_series,
    _time_columns,
    _window_b,
    _window_length,
    _windows,
    b_time_series,
    mc_time_series,
)
from varpy.analysis.mc_estimation import _DIAG_FIELDS, _LEGACY_MC, _legacy_mc, fmd, mc  # noqa: F401
from varpy.statistics import mags  # noqa: F401  (tests reach varpy.statistics.mags through it)

__all__ = [
    "FMDResult",
    "McResult",
    "BValueResult",
    "MagnitudeTimeSeries",
    "fmd",
    "mc",
    "b_value",
    "b_time_series",
    "mc_time_series",
    "UNCERTAINTIES",
]
