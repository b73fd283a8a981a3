"""Experiments: fitting rate models to windows of a catalogue, once or repeatedly.

VarPy's four experiment types (Filgueira et al. 2014, §V) map onto this module as follows.

=========================  ==================================  ===============================
experiment                 failure time ``tf``                 function (``ModelOutput.kind``)
=========================  ==================================  ===============================
retrospective analysis     known, held fixed                   :func:`single_analysis` with
                                                               ``tf`` (``retrospective_analysis``)
single forecast            unknown, estimated                  :func:`single_analysis`
                                                               (``single_forecast``)
retrospective forecast     known, but estimated at each step   :func:`multiple_analysis`
                           as if unknown                       (``retrospective_forecast``)
prospective forecast       unknown; data arrive over time      :class:`ProspectiveForecast`
                                                               (``prospective_forecast``)
=========================  ==================================  ===============================

:func:`apply_model` is the primitive under all of them: one fit of a model to the events of a
project's datatype in ``[start, end)``, recorded with its provenance.

Conventions
-----------
* **Float time axis.** Each fit sees event times relative to the start of its window: days
  since ``t_min`` for volcanic (calendar) data, seconds since ``t_min`` for laboratory data.
  Window ends, forecast times and ``tf`` values in results are on that axis;
  :attr:`ExperimentResult.table` also gives them as absolute times.
* **Known failure times** (``tf=``) are dates for volcanic data (a bare number means *days after
  t_min*, VarPy's convention) and seconds on the datatype's own axis for laboratory data (the
  scale of the ``tf`` metadata key).
* **Half-open windows.** A fit on ``[t_min, t_forc)`` uses the events with
  ``t_min <= t < t_forc``.
* **Filters** (``filters=``) are the criteria of :func:`varpy.preparation.windows.select`
  (``lat``, ``lon``, ``polygon``, ``depth``, ``magnitude``, ``columns``, ...). They are applied to
  the original datatype; because they are row-wise predicates, applying them once and then cutting
  time windows gives exactly the events VarPy's "re-filter the original object at each step"
  gives.
* **Completeness.** ``mc`` is a magnitude, a method name of :func:`varpy.analysis.magnitudes.mc`
  (``"maxc"``, ``"gft"``, ``"mbs"``, ``"emr"``, ``"ks"``), or None (no magnitude cut). A method is
  evaluated on the magnitudes of the events in the fit window. Events are then kept when their
  magnitude bin (:func:`varpy.statistics.mags.bin_index` with ``dm``) is at least the bin of Mc;
  Mc is the centre of the lowest complete bin, so with ``dm = 0.1`` an Mc of 1.2 keeps
  catalogue magnitudes 1.2 and above. Missing magnitudes never pass a cut.
* **legacy=True** reproduces VarPy 2016: its Mc rules (``m_min = 0.1``, floating-point Mc
  candidates such as 1.2000000000000002, cumulative GFT), its raw float filter
  ``Mc <= m < 10`` (which therefore drops the events *at* Mc, e.g. 394 instead of 470 Etna
  events in the paper's single forecast), and Nelder-Mead from VarPy's starting values
  (``method="legacy"``; ``[50, 2T, 1.1]`` for the inverse Omori law).

Defaults versus legacy
----------------------
The defaults (``legacy=False``) use the bounded global fit (profile likelihood over
``log(tf - t1)``, ``k > 0``, ``0 <= p <= 20``, ``tf`` within ``1e3`` window lengths of the
window end) and binned completeness magnitudes. They differ from VarPy's numbers in two places:

1. *Which events are fitted.* The binned cut keeps the events at Mc, and the non-legacy Mc
   methods (incremental GFT residuals, Tinti-Mulargia b) may pick a different Mc. On Etna
   (``tests/modelling/test_experiments_etna.py``, the paper's single-forecast window) a cut at
   Mc = 1.2 keeps 470 events instead of VarPy's 394, and the default GFT picks Mc = 1.0
   (620 events).
2. *Where the optimum is.* Nelder-Mead without bounds stops wherever its simplex shrinks: on the
   flat ridge of the IOL likelihood (the paper's single forecast: tf 700.57 in the paper,
   701.24 here, while the true maximum on those 394 events is at tf = 721.2, ll higher by
   0.006), at non-physical optima (``p < 0``, ``tf`` thousands of years ahead) or at a local
   maximum. On the same events the default fit's log-likelihood is never lower than the
   legacy one whenever the legacy optimum lies inside the default's bounds (the test checks
   all 236 steps of the Etna series); when it does not, the legacy optimum is not a valid
   forecast and is flagged in ``warnings``.

Modules
-------
==================================================  ==========================================
:mod:`~varpy.modelling.experiments.timeaxis`        the float time axis, :func:`forecast_offsets`
:mod:`~varpy.modelling.experiments.catalogue`       model lookup, datatype, filters,
                                                    :func:`magnitude_mask`
:mod:`~varpy.modelling.experiments.steps`           :class:`ExperimentStep`, the step task,
                                                    recording outputs
:mod:`~varpy.modelling.experiments.single`          :func:`apply_model`, :func:`single_analysis`
:mod:`~varpy.modelling.experiments.result`          :class:`ExperimentResult`,
                                                    :func:`list_experiments`
:mod:`~varpy.modelling.experiments.multiple`        :func:`multiple_analysis`
:mod:`~varpy.modelling.experiments.prospective`     :class:`ProspectiveForecast`
==================================================  ==========================================

Each imports only modules above it in this table. This package re-exports every public
name, so ``from varpy.modelling.experiments import X`` works as before, and results stored with
``result_type="varpy.modelling.experiments:ExperimentResult"`` still load. The package may
import :mod:`varpy.modelling.base`, :mod:`~varpy.modelling.registry` and
:mod:`~varpy.modelling.results` (never :mod:`varpy.modelling.scoring`, which imports it), and
below varpy.modelling: :mod:`varpy.management` (datatypes, models, timeconv, store),
:mod:`varpy.preparation.windows`, :mod:`varpy.analysis.magnitudes`,
:mod:`varpy.statistics.mags`, :mod:`varpy.parallel`.

Examples
--------
>>> import numpy as np, pandas as pd, varpy
>>> from varpy.modelling.experiments import single_analysis, multiple_analysis
>>> rng = np.random.default_rng(1)
>>> days = np.sort(100.0 * (1.0 - rng.uniform(size=400) ** 2))   # accelerating towards day 100
>>> cat = varpy.ECVD(pd.DataFrame({
...     "time": pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(days, unit="D"),
...     "latitude": 37.7, "longitude": 15.0, "depth": 5.0, "magnitude": 2.0}))
>>> fit = single_analysis(cat, "iol", t_min="01-01-2020", t_max="31-03-2020", warn=False)
>>> fit.n_events, fit.mode
(264, 'forecast')
>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     res = multiple_analysis(cat, "iol", t_min="01-01-2020", t_max="31-03-2020",
...                             t_step=10, progress=False)
>>> len(res.table), int(res.table["skipped"].isna().sum())
(8, 8)
>>> print(caught[0].message)      # one FitWarning sums up the flagged steps
8 of 8 steps are flagged (see table['warnings']); first, step 0: p = 20 is at its upper bound 20: ...
"""
from __future__ import annotations

from varpy.modelling.experiments.catalogue import FILTER_KEYS, magnitude_mask
from varpy.modelling.experiments.multiple import multiple_analysis
from varpy.modelling.experiments.prospective import ProspectiveForecast
from varpy.modelling.experiments.result import ExperimentResult, list_experiments
from varpy.modelling.experiments.single import apply_model, single_analysis
from varpy.modelling.experiments.steps import ZERO_RULE, ExperimentStep  # noqa: F401
from varpy.modelling.experiments.timeaxis import forecast_offsets

__all__ = [
    "apply_model",
    "single_analysis",
    "multiple_analysis",
    "forecast_offsets",
    "magnitude_mask",
    "FILTER_KEYS",
    "ExperimentStep",
    "ExperimentResult",
    "ProspectiveForecast",
    "list_experiments",
]
