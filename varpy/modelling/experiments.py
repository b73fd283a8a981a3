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
7 of 8 steps are flagged (see table['warnings']); first, step 0: p = 20 is at its upper bound 20: ...
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import math
import numbers
import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError, DataWarning, FitError, FitWarning, StoreError
from varpy.management.datatypes import Datatype
from varpy._json import describe
from varpy.management.models import Model, ModelOutput, to_builtin
from varpy.management.timeconv import from_days, parse_time, to_float_time
from varpy.modelling.fitting import FitResult
from varpy.modelling.models import RateModel, get_model
from varpy.parallel import map_tasks

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

logger = logging.getLogger(__name__)

#: Criteria accepted in ``filters=`` (those of :func:`varpy.preparation.windows.select`).
FILTER_KEYS = ("stations", "creep", "time", "lat", "lon", "polygon", "depth", "magnitude",
               "columns")

#: VarPy 2016 kept magnitudes in ``[Mc, 10)``.
_LEGACY_M_MAX = 10.0

#: Label of the Mc of steps with too few events to estimate it (VarPy's ``n <= 50`` rule).
ZERO_RULE = "zero_rule"

_ANALYSES_PREFIX = "experiment-"


# ------------------------------------------------------------------------------------------------
# time axis
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Axis:
    """The float axis of a set of fits: days (calendar) or seconds (lab) since ``origin``."""

    calendar: bool
    origin: Any  # pandas.Timestamp (UTC) or float seconds

    @classmethod
    def of(cls, dt: Datatype, t_min, name: str = "t_min") -> "_Axis":
        calendar = bool(dt.calendar)
        return cls(calendar, _bound(t_min, calendar, name))

    @property
    def unit(self) -> str:
        return "days" if self.calendar else "seconds"

    @property
    def label(self):
        """The origin as stored in results: ISO string (calendar) or float seconds."""
        return self.origin.isoformat() if self.calendar else float(self.origin)

    @classmethod
    def from_label(cls, calendar: bool, label) -> "_Axis":
        return cls(calendar, parse_time(label) if calendar else float(label))

    def rel(self, value, name: str) -> float:
        """A user time (date or lab seconds) as a float on this axis."""
        b = _bound(value, self.calendar, name)
        if self.calendar:
            return float(to_float_time(pd.DatetimeIndex([b]), self.origin)[0])
        return b - float(self.origin)

    def span(self, value, name: str) -> float:
        """A duration (number in axis units, or a timedelta) as a float."""
        if isinstance(value, (_dt.timedelta, np.timedelta64, pd.Timedelta)):
            sec = pd.Timedelta(value).total_seconds()
            return sec / 86400.0 if self.calendar else sec
        if isinstance(value, str):
            try:
                sec = pd.Timedelta(value).total_seconds()
            except ValueError as exc:
                raise DataFormatError(f"{name}={value!r} is not a duration", key=name,
                                      expected=f"a number of {self.unit} or a timedelta "
                                               "such as '2D'") from exc
            return sec / 86400.0 if self.calendar else sec
        out = _finite(value, name, f"a number of {self.unit} or a timedelta")
        return out

    def tf_rel(self, value, name: str = "tf") -> float:
        """A known failure time on this axis (see the module conventions)."""
        if self.calendar and _is_number(value):
            return _finite(value, name, "a date, or a number of days after t_min")
        return self.rel(value, name)

    def absolute(self, x):
        """Float(s) on this axis as absolute times: Timestamp/NaT or seconds/NaN."""
        if self.calendar:
            try:
                x = float(x)
            except (TypeError, ValueError):
                return pd.NaT
            if not math.isfinite(x):
                return pd.NaT
            try:
                return from_days(x, self.origin)
            except (ValueError, OverflowError):
                return pd.NaT  # beyond the representable calendar (e.g. a tf in year 3332)
        return math.nan if x is None else float(x) + float(self.origin)

    def absolute_column(self, values) -> pd.Series:
        out = [self.absolute(v) for v in values]
        if self.calendar:
            return pd.Series(pd.DatetimeIndex(out, tz="UTC") if out else
                             pd.DatetimeIndex([], tz="UTC"))
        return pd.Series(np.asarray(out, dtype=np.float64))

    def describe(self, x) -> str:
        v = self.absolute(x)
        if self.calendar:
            return "beyond the calendar" if v is pd.NaT else v.strftime("%Y-%m-%d %H:%M")
        return f"{v:.6g} s"


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _finite(value, name: str, expected: str) -> float:
    if not _is_number(value):
        raise DataFormatError(f"{name}={value!r} is not a number", key=name, expected=expected)
    out = float(value)
    if not math.isfinite(out):
        raise DataFormatError(f"{name}={value!r} is not finite", key=name, expected=expected)
    return out


def _bound(value, calendar: bool, name: str):
    """A window bound: UTC Timestamp (calendar) or float seconds (lab)."""
    if value is None:
        raise DataFormatError(f"{name} is required", key=name,
                              expected="a date" if calendar else "a number of seconds")
    if calendar:
        if _is_number(value):
            raise DataFormatError(
                f"{name}={value!r}: a number is ambiguous as a calendar time", key=name,
                expected="a date string ('dd-mm-yyyy' or ISO 'yyyy-mm-dd'), a datetime or a "
                         "pandas Timestamp (VarPy ordinal days convert with "
                         "varpy.management.timeconv.from_ordinal_days)")
        try:
            return parse_time(value)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"{name}={value!r}: {exc}", key=name,
                                  expected="a date such as '01-08-2011'") from exc
    if isinstance(value, (_dt.timedelta, np.timedelta64, pd.Timedelta)):
        return pd.Timedelta(value).total_seconds()
    return _finite(value, name, "laboratory time in seconds since the start of the experiment")


def forecast_offsets(span: float, step: float) -> np.ndarray:
    """Forecast times ``k * step`` (k = 1, 2, ...) strictly inside ``(0, span)``.

    This is VarPy's ``arange(t_min, t_max, t_step)`` without its first element (the window
    ``[t_min, t_min)`` is always empty): ``t_max`` itself is never a forecast time. A grid point
    within ``1e-9`` steps of ``span`` counts as ``span`` (so ``0.1``-day steps do not gain or lose
    a point through rounding).

    Examples
    --------
    >>> forecast_offsets(488.0, 2.0)[[0, -1]].tolist(), forecast_offsets(488.0, 2.0).size
    ([2.0, 486.0], 243)
    >>> forecast_offsets(1.0, 0.1).size
    9
    """
    if not (step > 0 and math.isfinite(step)):
        raise DataFormatError(f"t_step={step!r} must be positive", key="t_step",
                              expected="a positive duration")
    if not span > 0:
        raise DataFormatError(f"t_max must be after t_min (span {span!r})", key="t_max",
                              expected="t_max > t_min")
    q = span / step
    m = round(q)
    n = m - 1 if abs(q - m) <= 1e-9 * max(1.0, q) else math.floor(q)
    return step * np.arange(1, n + 1, dtype=np.float64)


# ------------------------------------------------------------------------------------------------
# catalogue handling
# ------------------------------------------------------------------------------------------------
def _resolve_model(model) -> RateModel:
    if isinstance(model, RateModel):
        return model
    if isinstance(model, str):
        return get_model(model)
    raise DataFormatError(f"model={model!r} is neither a model name nor a RateModel", key="model",
                          expected="a registered name such as 'iol' "
                                   "(varpy.modelling.models.available_models()) or an instance")


def _base_datatype(obj, kind: str, station) -> Datatype:
    if isinstance(obj, Datatype):
        if kind is not None and obj.kind != str(kind).lower():
            raise DataFormatError(f"kind={kind!r} but the datatype given is {obj.kind.upper()}",
                                  key="kind", expected=repr(obj.kind))
        return obj
    if hasattr(obj, "get") and hasattr(obj, "datatypes"):
        return obj.get(kind, station)
    raise TypeError(f"expected a Volcanic/Laboratory project or a datatype, not "
                    f"{type(obj).__name__}")


def _apply_filters(dt: Datatype, filters) -> Datatype:
    if not filters:
        return dt
    if not isinstance(filters, dict):
        raise DataFormatError(f"filters={filters!r} is not a dict", key="filters",
                              expected=f"a dict with keys among {list(FILTER_KEYS)}")
    unknown = [k for k in filters if k not in FILTER_KEYS]
    if unknown:
        raise DataFormatError(f"unknown filter criterion {unknown[0]!r}", key=unknown[0],
                              expected=f"one of {list(FILTER_KEYS)} "
                                       "(see varpy.preparation.windows.select)")
    from varpy.preparation.windows import select

    return select(dt, **filters)


def _events(dt: Datatype, axis: _Axis, end_rel: float | None):
    """Float times (sorted) and magnitudes of the events in ``[origin, end)``."""
    times = dt.float_times(axis.origin)
    mags = (dt.dataset["magnitude"].to_numpy(dtype=np.float64)
            if "magnitude" in dt.dataset.columns else None)
    keep = np.isfinite(times) & (times >= 0.0)
    if end_rel is not None:
        keep &= times < end_rel
    times = times[keep]
    mags = None if mags is None else mags[keep]
    order = np.argsort(times, kind="stable")
    return times[order], (None if mags is None else mags[order])


def _check_mc(mc):
    if mc is None or isinstance(mc, str):
        return mc
    return _finite(mc, "mc", "a magnitude, a method name such as 'gft', or None")


def magnitude_mask(m: np.ndarray, mc: float, dm: float | None, legacy: bool) -> np.ndarray:
    """Which magnitudes pass a completeness cut at ``mc`` (NaN never passes).

    ``legacy=True``: VarPy 2016's raw ``mc <= m < 10`` (with a floating-point Mc such as
    1.2000000000000002 this drops the events at 1.2). Otherwise, with a bin width ``dm``, the
    magnitude's bin (:func:`varpy.statistics.mags.bin_index`) is at least the bin of ``mc``;
    with ``dm`` None or 0, plain ``m >= mc``.

    Examples
    --------
    >>> m = np.array([1.1, 1.2, 1.3, np.nan])
    >>> magnitude_mask(m, 1.2000000000000002, 0.1, legacy=True).tolist()
    [False, False, True, False]
    >>> magnitude_mask(m, 1.2000000000000002, 0.1, legacy=False).tolist()
    [False, True, True, False]
    """
    m = np.asarray(m, dtype=np.float64)
    finite = np.isfinite(m)
    if legacy:
        return finite & (m >= mc) & (m < _LEGACY_M_MAX)
    if not dm:
        return finite & (m >= mc)
    from varpy.statistics.mags import bin_index

    out = np.zeros(m.shape, dtype=bool)
    out[finite] = bin_index(m[finite], dm) >= int(bin_index([mc], dm)[0])
    return out


# ------------------------------------------------------------------------------------------------
# one step
# ------------------------------------------------------------------------------------------------
@dataclass
class ExperimentStep:
    """One fit of an experiment (or the record of why it was skipped).

    Attributes
    ----------
    index : int
        Position in the experiment (0-based).
    t_forc : float
        End of the fit window on the experiment's float axis (days or seconds since ``t_min``).
    n_window : int
        Events in ``[t_min, t_forc)`` after the filters, before the magnitude cut.
    n_fit : int
        Events fitted (after the magnitude cut); 0 when skipped before the cut.
    mc, mc_method
        Completeness magnitude applied and how it was obtained (a method name, ``"fixed"``,
        ``"zero_rule"`` for VarPy's ``n <= 50 -> Mc = 0`` rule, or None for no cut).
    fit : FitResult or None
        The fit, or None when the step was skipped.
    skipped : str or None
        Why no fit was made (too few events, Mc not estimable, the model refused the data).
    uid : str or None
        ``uid`` of the stored :class:`~varpy.management.models.ModelOutput`.
    """

    index: int
    t_forc: float
    n_window: int
    n_fit: int = 0
    mc: float | None = None
    mc_method: str | None = None
    fit: FitResult | None = None
    skipped: str | None = None
    uid: str | None = None

    @property
    def fitted(self) -> bool:
        return self.fit is not None

    def to_dict(self, fit: bool = True) -> dict:
        out = {"index": int(self.index), "t_forc": float(self.t_forc),
               "n_window": int(self.n_window), "n_fit": int(self.n_fit),
               "mc": None if self.mc is None else float(self.mc), "mc_method": self.mc_method,
               "skipped": self.skipped, "uid": self.uid, "has_fit": self.fit is not None}
        if fit:
            out["fit"] = None if self.fit is None else self.fit.to_dict()
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "ExperimentStep":
        f = d.get("fit")
        return cls(index=int(d["index"]), t_forc=float(d["t_forc"]),
                   n_window=int(d["n_window"]), n_fit=int(d.get("n_fit", 0)),
                   mc=None if d.get("mc") is None else float(d["mc"]),
                   mc_method=d.get("mc_method"), fit=None if f is None else FitResult.from_dict(f),
                   skipped=d.get("skipped"), uid=d.get("uid"))


@dataclass
class _StepTask:
    """Everything a step needs (picklable, so steps run on any executor)."""

    model: RateModel
    times: np.ndarray        # sorted, on the experiment axis, all >= 0
    mags: np.ndarray | None
    origin: Any              # FitResult.origin (ISO string or float seconds)
    tf_fixed: float | None
    mc: Any                  # None, a number or a method name
    mc_options: dict
    dm: float | None
    legacy: bool
    method: str
    min_events: int
    mc_zero_below: int | None
    fit_options: dict

    def __call__(self, item: tuple[int, float]) -> ExperimentStep:
        index, t1 = item
        n_window = int(np.searchsorted(self.times, t1, side="left"))
        step = ExperimentStep(index=int(index), t_forc=float(t1), n_window=n_window)
        if n_window < self.min_events:
            step.skipped = f"{n_window} events in the window, fewer than min_events = " \
                           f"{self.min_events}"
            return step
        times = self.times[:n_window]
        mc_value, mc_method = None, None
        if self.mc is not None:
            if self.mags is None:
                step.skipped = "no 'magnitude' column: cannot apply a completeness magnitude"
                return step
            mags = self.mags[:n_window]
            try:
                mc_value, mc_method = self._mc(mags, n_window)
            except FitError as exc:
                step.skipped = f"Mc ({self.mc}) could not be estimated: {exc}"
                return step
            if not math.isfinite(mc_value):
                step.skipped = f"Mc ({self.mc}) could not be estimated from {n_window} events"
                step.mc, step.mc_method = mc_value, mc_method
                return step
            times = times[magnitude_mask(mags, mc_value, self.dm, self.legacy)]
        step.mc, step.mc_method, step.n_fit = mc_value, mc_method, int(times.size)
        fixed = None if self.tf_fixed is None else {"tf": self.tf_fixed}
        try:
            step.fit = self.model.fit(times, 0.0, t1, fixed=fixed, method=self.method,
                                      mc=mc_value, mc_method=mc_method, origin=self.origin,
                                      **self.fit_options)
        except (FitError, DataFormatError) as exc:
            step.skipped = f"fit failed: {exc}"
        return step

    def _mc(self, mags: np.ndarray, n_window: int) -> tuple[float, str]:
        if not isinstance(self.mc, str):
            return float(self.mc), "fixed"
        if self.mc_zero_below is not None and n_window <= self.mc_zero_below:
            return 0.0, ZERO_RULE
        from varpy.analysis.magnitudes import mc as estimate_mc

        m = mags[np.isfinite(mags)]
        if m.size == 0:
            raise FitError("no finite magnitudes in the window")
        kw = dict(self.mc_options)
        if self.dm:
            kw.setdefault("dm", self.dm)
        res = estimate_mc(m, method=self.mc, legacy=self.legacy, **kw)
        return float(res.mc), res.method


# batches of experiment steps per executor worker thread (see multiple_analysis)
_STEP_BATCHES_PER_WORKER = 2


def _make_task(model, times, mags, axis, *, tf_fixed, mc, mc_options, dm, legacy, method,
               min_events, mc_zero_below, fit_options) -> _StepTask:
    return _StepTask(model=model, times=times, mags=mags, origin=axis.label, tf_fixed=tf_fixed,
                     mc=mc, mc_options=dict(mc_options or {}), dm=dm, legacy=bool(legacy),
                     method=method, min_events=int(min_events),
                     mc_zero_below=None if mc_zero_below is None else int(mc_zero_below),
                     fit_options=dict(fit_options))


def _method(method, legacy: bool) -> str:
    if method is None:
        return "legacy" if legacy else "default"
    return method


# ------------------------------------------------------------------------------------------------
# recording
# ------------------------------------------------------------------------------------------------
def _versions() -> dict:
    from varpy.management.store import package_versions

    return package_versions()


def _record_outputs(dt: Datatype, outputs: list[ModelOutput], model_kind: str) -> None:
    """Append outputs to ``dt.models`` and persist them in one write (through the project)."""
    if not outputs:
        return
    project = dt._project
    if project is not None and project.get(dt.kind, dt.station) is dt:
        project.record_model_outputs(dt.kind, outputs, station=dt.station, model_kind=model_kind)
        return
    for out in outputs:
        dt.models.setdefault(out.model, Model(out.model, model_kind)).add(out)


def _window_record(axis: _Axis, end_rel: float) -> dict:
    return {"start": axis.label, "end": _label(axis, end_rel), "closed": "left",
            "origin": axis.label, "unit": axis.unit}


def _label(axis: _Axis, x: float):
    v = axis.absolute(x)
    if axis.calendar:
        return None if v is pd.NaT else v.isoformat()
    return float(v)


# ------------------------------------------------------------------------------------------------
# single fits
# ------------------------------------------------------------------------------------------------
def _single(base: Datatype, data: Datatype, model, start, end, *, tf, mc, mc_options, dm, legacy,
            method, name, store, experiment: str, fit_options) -> FitResult:
    model = _resolve_model(model)
    mc = _check_mc(mc)
    axis = _Axis.of(base, start, "start")
    end_rel = axis.rel(end, "end")
    if not end_rel > 0:
        raise DataFormatError(f"the window [{start!r}, {end!r}) is empty", key="end",
                              expected="end after start")
    tf_rel = None if tf is None else axis.tf_rel(tf)
    method = _method(method, legacy)
    times, mags = _events(data, axis, end_rel)
    fit_options = dict(fit_options)
    fit_options.setdefault("warn", True)
    task = _make_task(model, times, mags, axis, tf_fixed=tf_rel, mc=mc, mc_options=mc_options,
                      dm=dm, legacy=legacy, method=method, min_events=0, mc_zero_below=None,
                      fit_options=fit_options)
    step = task((0, end_rel))
    if step.fit is None:
        raise FitError(f"{model.name} on {base.kind.upper()} [{start}, {end}): {step.skipped}")
    fit = step.fit
    if store:
        kind = "retrospective_analysis" if tf is not None else "single_forecast"
        provenance = {
            "experiment": {"type": experiment},
            "datatype": base.kind if base.station is None else f"{base.kind}-{base.station}",
            "window": _window_record(axis, end_rel),
            "n_window": step.n_window, "n_events": step.n_fit,
            "mc": step.mc, "mc_method": step.mc_method, "mc_rule": _mc_rule(mc, dm, legacy),
            "legacy": bool(legacy), "method": method,
            "tf": None if tf_rel is None else {"value": tf_rel, "time": _label(axis, tf_rel)},
            "filters": to_builtin(data.selection),
            "fit_options": _jsonable_options(fit_options),
            "versions": _versions()}
        out = ModelOutput.from_result(name or model.name, kind, fit, provenance)
        _record_outputs(base, [out], kind)
    return fit


def _mc_rule(mc, dm, legacy) -> str | None:
    if mc is None:
        return None
    if legacy:
        return "VarPy 2016: Mc <= m < 10 on raw float magnitudes"
    if not dm:
        return "m >= Mc"
    return f"magnitude bin (dm = {dm:g}) >= bin of Mc"


def _jsonable_options(options: dict) -> dict:
    # e.g. a Generator passed as seed is kept as a description
    return {key: describe(value) for key, value in options.items()}


def apply_model(project, kind: str, model, start, end, *, station: str | None = None, tf=None,
                mc=None, name: str | None = None, method: str = "default", store: bool = True,
                legacy: bool | None = None, dm: float | None = 0.1,
                mc_options: dict | None = None, **fit_options) -> FitResult:
    """Fit ``model`` to the events of ``project``'s datatype ``kind`` in ``[start, end)``.

    The datatype is used as it is in the project (its own ``selection`` is recorded); times are
    taken relative to ``start``. The result is recorded as a
    :class:`~varpy.management.models.ModelOutput` under ``models[name]`` of the datatype and
    persisted with the project (``store=True``).

    Parameters
    ----------
    project : Volcanic, Laboratory or Datatype
        ``project.apply_model(kind, model, start, end, **options)`` is this function with
        ``project`` first.
    kind : str
        ``'ecvd'`` or ``'ecld'`` (any datatype with event times).
    model : str or RateModel
        Registered name (``'iol'``, ``'hyperbolic'``, ``'iol_mle'``...) or a model instance.
    start, end : time
        Window; dates (``'dd-mm-yyyy'``, ISO, datetime) for volcanic data, seconds for lab data.
    station : str, optional
        For per-station datatypes.
    tf : time or float, optional
        Known failure time, held fixed (``kind="retrospective_analysis"``); without it ``tf``
        is estimated (``"single_forecast"``). See the module conventions for its scale.
    mc : float or str, optional
        Completeness magnitude or method (evaluated on the window's events).
    name : str, optional
        Key in ``models`` (default: the model's registry name).
    method : {"default", "multistart", "legacy"}
        Optimiser (:meth:`varpy.modelling.models.RateModel.fit`).
    store : bool
        Record and persist the output.
    legacy : bool, optional
        VarPy 2016 Mc rules and magnitude filter (default: ``method == "legacy"``).
    dm : float or None
        Magnitude bin width of the completeness cut (None or 0: plain ``m >= mc``).
    mc_options : dict, optional
        Passed to :func:`varpy.analysis.magnitudes.mc`.
    **fit_options
        Passed to ``model.fit`` (``ci_level``, ``x0``, ``warn``, ``n_starts``, ``seed``).

    Returns
    -------
    FitResult
        With ``origin`` = ``start``, so ``fit.failure_time(calendar=True)`` is a date.

    Raises
    ------
    FitError
        Too few events, Mc not estimable, or the model refuses the data.
    """
    base = _base_datatype(project, kind, station)
    legacy = (method == "legacy") if legacy is None else bool(legacy)
    return _single(base, base, model, start, end, tf=tf, mc=mc, mc_options=mc_options, dm=dm,
                   legacy=legacy, method=method, name=name, store=store,
                   experiment="apply_model", fit_options=fit_options)


def single_analysis(obj, model, *, kind: str = "ecvd", station: str | None = None, t_min, t_max,
                    tf=None, filters: dict | None = None, mc=None, legacy: bool = False,
                    method: str | None = None, dm: float | None = 0.1,
                    mc_options: dict | None = None, name: str | None = None,
                    store: bool = True, **fit_options) -> FitResult:
    """VarPy's single analysis: one fit on ``[t_min, t_max)``.

    *Retrospective analysis* when ``tf`` is given (held fixed; how well does the model explain
    the data), *single forecast* otherwise (``tf`` estimated: when will it fail?).

    Parameters
    ----------
    obj : Volcanic, Laboratory or Datatype
        The original object; it is not modified except for the recorded model output.
    model : str or RateModel
    kind, station : str
        Which datatype of a project.
    t_min, t_max : time
        Fit window (dates for volcanic data, seconds for lab data).
    tf : time or float, optional
        Known failure time (retrospective analysis).
    filters : dict, optional
        Criteria of :func:`varpy.preparation.windows.select`, e.g.
        ``{"lat": (37.5, 37.9), "lon": (14.7, 15.3), "depth": (0, 10)}``.
    mc : float or str, optional
        Completeness magnitude or method name, evaluated on the windowed events.
    legacy : bool
        Reproduce VarPy 2016 (see the module docstring).
    method : str, optional
        Optimiser; default ``"legacy"`` if ``legacy`` else ``"default"``.
    dm, mc_options, name, store, **fit_options
        As in :func:`apply_model`.

    Returns
    -------
    FitResult
        ``origin`` is ``t_min``; the stored output's provenance has the window, the counts
        before and after the magnitude cut, Mc and the filters.

    Examples
    --------
    Paper Fig. 15 (Etna): ``single_analysis(etna, "iol", t_min="01-08-2011",
    t_max="01-01-2013", filters={"lat": (37.5, 37.9), "lon": (14.7, 15.3)}, mc="gft",
    legacy=True)`` gives 394 events, ``k = 1107.1``, ``tf = 701.24`` days, ``p = 1.2272``,
    ``ll = -457.7801``.
    """
    base = _base_datatype(obj, kind, station)
    data = _apply_filters(base, filters)
    return _single(base, data, model, t_min, t_max, tf=tf, mc=mc, mc_options=mc_options, dm=dm,
                   legacy=legacy, method=method, name=name, store=store,
                   experiment="single_analysis", fit_options=fit_options)


# ------------------------------------------------------------------------------------------------
# experiment results
# ------------------------------------------------------------------------------------------------
@dataclass
class ExperimentResult:
    """Every step of a multiple analysis (retrospective or prospective forecast).

    Attributes
    ----------
    experiment_id : str
        Identifier stored in every step's provenance (``provenance["experiment"]["id"]``).
    model : str
        Registry name of the model.
    name : str
        Key of the outputs in the datatype's ``models``.
    output_kind : str
        ``"retrospective_forecast"`` or ``"prospective_forecast"``.
    kind, station : str
        The datatype.
    calendar : bool
        Volcanic (dates; axis in days) or laboratory (seconds) data.
    t_min : str or float
        Start of every fit window and zero of the float axis (ISO string or seconds).
    t_max, t_step : optional
        Grid of a retrospective forecast (``t_step`` in axis units).
    tf : float or None
        Known failure time on the axis (retrospective forecast), used for lead times and
        :mod:`varpy.modelling.scoring`.
    fix_tf : bool
        The fits held ``tf`` fixed (VarPy's literal behaviour) instead of estimating it.
    settings : dict
        Filters, Mc rule, method, ``min_events``, fit options, horizon.
    selection : list
        The filters as recorded by :mod:`varpy.preparation.windows`.
    steps : list of ExperimentStep
    versions : dict
        Package versions of the run.
    """

    experiment_id: str
    model: str
    name: str
    output_kind: str
    kind: str
    calendar: bool
    t_min: Any
    t_max: Any = None
    t_step: float | None = None
    tf: float | None = None
    fix_tf: bool = False
    station: str | None = None
    settings: dict = field(default_factory=dict)
    selection: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    versions: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ views
    @property
    def axis(self) -> _Axis:
        return _Axis.from_label(self.calendar, self.t_min)

    @property
    def fits(self) -> list:
        """FitResult of every step (None where skipped)."""
        return [s.fit for s in self.steps]

    @property
    def forecasts(self) -> list:
        """The steps that produced a fit."""
        return [s for s in self.steps if s.fit is not None]

    @property
    def param_names(self) -> tuple:
        for s in self.steps:
            if s.fit is not None:
                return tuple(s.fit.params)
        try:
            return tuple(get_model(self.model).param_names)
        except (ValueError, KeyError):
            return ()

    @property
    def horizon(self) -> float | None:
        h = self.settings.get("horizon")
        return None if h is None else float(h)

    @property
    def table(self) -> pd.DataFrame:
        """One row per step (tidy).

        Columns: ``step``, ``t_forc`` (datetime or seconds), ``t_forc_rel`` (axis units),
        ``n_window``, ``n_fit``, ``mc``, ``mc_method``, each parameter and ``<name>_stderr``,
        ``loglik``, ``aic``, ``bic``, ``failure_time`` (``t_min + tf``; datetime, NaT beyond the
        calendar), ``tf_ci_low``/``tf_ci_high`` (axis units; profile interval, ``inf`` when
        open) and ``failure_time_low``/``failure_time_high``, ``prob_failure`` (within
        ``settings["horizon"]`` after ``t_forc``, if a horizon was given), ``lead_time``
        (known ``tf - t_forc``, if known), ``converged``, ``flagged``, ``warnings`` (joined
        with ``" | "``), ``skipped`` (reason or None), ``method``, ``uid``.
        """
        return _steps_table(self.steps, self.axis, self.param_names, true_tf=self.tf,
                            horizon=self.horizon)

    @property
    def last(self) -> ExperimentStep:
        if not self.steps:
            raise IndexError(f"experiment {self.experiment_id} has no steps")
        return self.steps[-1]

    def summary(self) -> str:
        axis = self.axis
        n_fit = sum(s.fit is not None for s in self.steps)
        reasons: dict[str, int] = {}
        for s in self.steps:
            if s.skipped:
                key = _skip_category(s.skipped)
                reasons[key] = reasons.get(key, 0) + 1
        flagged = sum(1 for s in self.steps if s.fit is not None and s.fit.warnings)
        label = self.output_kind.replace("_", " ")
        method = self.settings.get("method", "?")
        lines = [f"{label.capitalize()} {self.experiment_id}: {self.model} ({method}) on "
                 f"{self.kind.upper()}" + (f" station {self.station}" if self.station else "")]
        span = f"  t_min {axis.describe(0.0)}"
        if self.t_max is not None:
            tmax = self.t_max if not self.calendar else str(self.t_max)[:16]
            span += f", t_max {tmax}"
        if self.t_step is not None:
            span += f", step {self.t_step:g} {axis.unit}"
        lines.append(span)
        if self.tf is not None:
            lines.append(f"  known tf: {self.tf:.6g} {axis.unit} ({axis.describe(self.tf)})"
                         + (", held fixed in the fits" if self.fix_tf else ""))
        mc = self.settings.get("mc")
        if mc is not None:
            rule = self.settings.get("mc_zero_below")
            lines.append(f"  Mc: {mc}" + (" (VarPy 2016 rules)" if self.settings.get("legacy")
                                           else "")
                         + (f"; Mc = 0 when n <= {rule}" if rule is not None and
                            isinstance(mc, str) else ""))
        if self.selection:
            lines.append("  filters: " + "; ".join(_fmt_step(s) for s in self.selection))
        lines.append(f"  steps: {len(self.steps)}, fitted: {n_fit}, skipped: "
                     f"{len(self.steps) - n_fit}"
                     + (" (" + ", ".join(f"{k}: {v}" for k, v in reasons.items()) + ")"
                        if reasons else "")
                     + f", flagged: {flagged}")
        fitted = self.forecasts
        if fitted:
            s = fitted[-1]
            f = s.fit
            text = (f"  last fit (t_forc {axis.describe(s.t_forc)}, {s.n_fit} events"
                    + (f", Mc {s.mc:g}" if s.mc is not None else "") + f"): ll {f.loglik:.6f}")
            if f.tf is not None and f.mode == "forecast":
                text += f"; tf {f.tf:.6g} {axis.unit} ({axis.describe(f.tf)})"
                if f.tf_ci is not None:
                    text += (f", {100 * f.ci_level:g}% CI [{f.tf_ci[0]:.6g}, "
                             f"{f.tf_ci[1]:.6g}]")
            lines.append(text)
        return "\n".join(lines)

    def __repr__(self) -> str:
        n_fit = sum(s.fit is not None for s in self.steps)
        return (f"<ExperimentResult {self.experiment_id} {self.output_kind} {self.model}: "
                f"{len(self.steps)} steps, {n_fit} fitted>")

    # ------------------------------------------------------------------ serialisation
    def to_dict(self, fits: bool = True) -> dict:
        """JSON-able dict; ``fits=False`` leaves out the fits (kept in the project's models)."""
        return {"experiment_id": self.experiment_id, "model": self.model, "name": self.name,
                "output_kind": self.output_kind, "kind": self.kind,
                "calendar": bool(self.calendar), "t_min": self.t_min,
                "t_max": to_builtin(self.t_max),
                "t_step": None if self.t_step is None else float(self.t_step),
                "tf": None if self.tf is None else float(self.tf), "fix_tf": bool(self.fix_tf),
                "station": self.station, "settings": to_builtin(self.settings),
                "selection": to_builtin(self.selection),
                "steps": [s.to_dict(fit=fits) for s in self.steps],
                "versions": to_builtin(self.versions)}

    @classmethod
    def from_dict(cls, d: dict) -> "ExperimentResult":
        """Inverse of :meth:`to_dict`."""
        names = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["steps"] = [ExperimentStep.from_dict(s) for s in d.get("steps", [])]
        kw["settings"] = dict(d.get("settings", {}))
        kw["selection"] = list(d.get("selection", []))
        kw["versions"] = dict(d.get("versions", {}))
        return cls(**kw)

    @classmethod
    def from_project(cls, project, kind: str, name: str, experiment_id: str, *,
                     station: str | None = None) -> "ExperimentResult":
        """Reload an experiment stored in a project (for example after ``varpy.open``).

        The fits come from ``models[name]`` (every output whose provenance carries
        ``experiment_id``); skipped steps and settings from the experiment's index in the
        datatype's analyses (``outputs["experiment-<id>"]``). Without the index, the fitted
        steps are rebuilt from the outputs' provenance alone.
        """
        dt = _base_datatype(project, kind, station)
        model = dt.models.get(name)
        outs = [] if model is None else [
            o for o in model.outputs
            if (o.provenance.get("experiment") or {}).get("id") == experiment_id]
        by_uid = {o.uid: o for o in outs}
        record = dt.outputs.get(_ANALYSES_PREFIX + experiment_id)
        if record is not None:
            res = cls.from_dict(record["result"])
            for step in res.steps:
                out = by_uid.get(step.uid)
                if out is not None:
                    step.fit = out.load_result()
            return res
        if not outs:
            raise StoreError(f"no experiment {experiment_id!r} under models[{name!r}] of "
                             f"{dt.kind.upper()}; stored experiments: "
                             f"{sorted(list_experiments(dt, dt.kind)['experiment_id'])}")
        outs.sort(key=lambda o: o.provenance["experiment"]["step"])
        info = dict(outs[0].provenance["experiment"])
        steps = []
        for o in outs:
            e = o.provenance["experiment"]
            steps.append(ExperimentStep(index=int(e["step"]), t_forc=float(e["t_forc"]),
                                        n_window=int(o.provenance.get("n_window", 0)),
                                        n_fit=int(o.provenance.get("n_events", 0)),
                                        mc=o.provenance.get("mc"),
                                        mc_method=o.provenance.get("mc_method"),
                                        fit=o.load_result(), uid=o.uid))
        return cls(experiment_id=experiment_id, model=outs[0].result.get("model", name),
                   name=name, output_kind=outs[0].kind, kind=dt.kind,
                   calendar=bool(dt.calendar), t_min=info["t_min"], t_max=info.get("t_max"),
                   t_step=info.get("t_step"), tf=info.get("tf"),
                   fix_tf=bool(info.get("fix_tf", False)), station=dt.station,
                   settings=dict(info.get("settings", {})),
                   selection=list(outs[0].provenance.get("filters", [])), steps=steps,
                   versions=dict(outs[0].provenance.get("versions", {})))

    # ------------------------------------------------------------------ storing
    def _outputs(self, steps) -> list[ModelOutput]:
        outs = []
        info = {"id": self.experiment_id, "type": self.output_kind, "t_min": self.t_min,
                "t_max": to_builtin(self.t_max), "t_step": self.t_step, "tf": self.tf,
                "fix_tf": self.fix_tf, "settings": to_builtin(self.settings)}
        axis = self.axis
        for s in steps:
            if s.fit is None:
                continue
            prov = {"experiment": dict(info, step=s.index, t_forc=s.t_forc),
                    "datatype": self.kind if self.station is None
                    else f"{self.kind}-{self.station}",
                    "window": _window_record(axis, s.t_forc),
                    "n_window": s.n_window, "n_events": s.n_fit, "mc": s.mc,
                    "mc_method": s.mc_method,
                    "mc_rule": _mc_rule(self.settings.get("mc"), self.settings.get("dm"),
                                        self.settings.get("legacy", False)),
                    "legacy": bool(self.settings.get("legacy", False)),
                    "method": self.settings.get("method"),
                    "filters": to_builtin(self.selection),
                    "fit_options": self.settings.get("fit_options", {}),
                    "versions": self.versions}
            out = ModelOutput.from_result(self.name, self.output_kind, s.fit, prov)
            # Stores order outputs by (created, uid); an id that sorts by step keeps a series
            # in step order even when many steps are created within the same second.
            out.uid = f"{self.experiment_id}-{s.index:06d}"
            s.uid = out.uid
            outs.append(out)
        return outs

    def _store(self, dt: Datatype, steps) -> None:
        _record_outputs(dt, self._outputs(steps), self.output_kind)
        dt.record_output(_ANALYSES_PREFIX + self.experiment_id, self.to_dict(fits=False))


def _skip_category(reason: str) -> str:
    if reason.startswith("fit failed"):
        return "fit failed"
    if reason.startswith("Mc"):
        return "Mc not estimable"
    if reason[:1].isdigit():
        return "too few events"
    return reason


def list_experiments(obj, kind: str = "ecvd", *, station: str | None = None) -> pd.DataFrame:
    """The experiments stored on a datatype: id, type, model name, steps, fitted steps."""
    dt = _base_datatype(obj, kind, station)
    rows = []
    for key, record in dt.outputs.items():
        if not key.startswith(_ANALYSES_PREFIX):
            continue
        d = record.get("result", {})
        steps = d.get("steps", [])
        rows.append({"experiment_id": d.get("experiment_id"), "type": d.get("output_kind"),
                     "name": d.get("name"), "model": d.get("model"), "t_min": d.get("t_min"),
                     "steps": len(steps), "fitted": sum(bool(s.get("has_fit")) for s in steps)})
    return pd.DataFrame(rows, columns=["experiment_id", "type", "name", "model", "t_min",
                                       "steps", "fitted"])


def _steps_table(steps, axis: _Axis, param_names, *, true_tf=None, horizon=None) -> pd.DataFrame:
    cols: dict[str, list] = {c: [] for c in (
        "step", "t_forc_rel", "n_window", "n_fit", "mc", "mc_method")}
    for nm in param_names:
        cols[nm] = []
        cols[f"{nm}_stderr"] = []
    for c in ("loglik", "aic", "bic", "tf_ci_low", "tf_ci_high", "prob_failure", "converged",
              "flagged", "warnings", "skipped", "method", "uid"):
        cols[c] = []
    nan = math.nan
    for s in steps:
        f = s.fit
        cols["step"].append(s.index)
        cols["t_forc_rel"].append(s.t_forc)
        cols["n_window"].append(s.n_window)
        cols["n_fit"].append(s.n_fit)
        cols["mc"].append(nan if s.mc is None else s.mc)
        cols["mc_method"].append(s.mc_method)
        for nm in param_names:
            cols[nm].append(nan if f is None else f.params.get(nm, nan))
            cols[f"{nm}_stderr"].append(nan if f is None else f.stderr.get(nm, nan))
        cols["loglik"].append(nan if f is None else f.loglik)
        cols["aic"].append(nan if f is None else f.aic)
        cols["bic"].append(nan if f is None else f.bic)
        ci = None if f is None else f.tf_ci
        cols["tf_ci_low"].append(nan if ci is None else ci[0])
        cols["tf_ci_high"].append(nan if ci is None else ci[1])
        prob = nan
        if horizon is not None and f is not None and f.mode == "forecast":
            prob = f.prob_failure_before(s.t_forc + horizon)
        cols["prob_failure"].append(prob)
        cols["converged"].append(None if f is None else bool(f.converged))
        cols["flagged"].append(None if f is None else bool(f.warnings))
        cols["warnings"].append("" if f is None else " | ".join(f.warnings))
        cols["skipped"].append(s.skipped)
        cols["method"].append(None if f is None else f.method)
        cols["uid"].append(s.uid)
    df = pd.DataFrame(cols)
    df.insert(1, "t_forc", axis.absolute_column(df["t_forc_rel"]))
    if "tf" in param_names:
        pos = df.columns.get_loc("bic") + 1
        df.insert(pos, "failure_time", axis.absolute_column(df["tf"]))
        pos = df.columns.get_loc("tf_ci_high") + 1
        df.insert(pos, "failure_time_low", axis.absolute_column(df["tf_ci_low"]))
        df.insert(pos + 1, "failure_time_high", axis.absolute_column(df["tf_ci_high"]))
    if horizon is None:
        df = df.drop(columns="prob_failure")
    if true_tf is not None:
        df.insert(df.columns.get_loc("t_forc_rel") + 1, "lead_time",
                  float(true_tf) - df["t_forc_rel"])
    for c in ("converged", "flagged"):
        df[c] = df[c].astype("boolean")
    for c in ("mc_method", "skipped", "method", "uid"):
        df[c] = pd.Series(cols[c], dtype=object, index=df.index)   # None stays None
    return df


def _fmt_step(step: dict) -> str:
    op = step.get("op", "?")
    args = ", ".join(f"{k}={v}" for k, v in step.items() if k not in ("op", "closed"))
    return f"{op}({args})"


# ------------------------------------------------------------------------------------------------
# multiple analysis
# ------------------------------------------------------------------------------------------------
def multiple_analysis(obj, model, *, kind: str = "ecvd", station: str | None = None, t_min,
                      t_max, t_step, tf=None, fix_tf: bool = False, filters: dict | None = None,
                      mc=None, mc_options: dict | None = None, dm: float | None = 0.1,
                      min_events: int = 10, mc_zero_below: int | None = 50,
                      legacy: bool = False, method: str | None = None,
                      horizon=None, name: str | None = None, executor=None,
                      progress: bool | None = None, store: bool = True,
                      **fit_options) -> ExperimentResult:
    """VarPy's multiple analysis as a retrospective forecast: refit at successive times.

    The forecast times are ``t_forc = t_min + k * t_step`` for ``k = 1, 2, ...`` while
    ``t_forc < t_max`` (:func:`forecast_offsets`; VarPy's ``arange(t_min, t_max, t_step)``
    without its always-empty first window, so ``t_max`` itself is not a forecast time: the
    Etna series with ``t_min = 01-09-2011``, ``t_max = 01-01-2013`` and 2-day steps has 243
    steps, 236 of them with at least 10 events, the first on 2011-09-17 and the last on
    2012-12-30). At each step:

    1. the events of the filtered datatype in ``[t_min, t_forc)`` are counted (``n_window``);
       fewer than ``min_events`` skip the step (VarPy: 10);
    2. Mc: a fixed number as given; a method is evaluated on the window's magnitudes, except
       that a window of at most ``mc_zero_below`` events gets Mc = 0 (VarPy's rule: too few
       events to estimate completeness; None disables it);
    3. the events at or above Mc are fitted with ``tf`` estimated (or fixed at the known
       ``tf`` when ``fix_tf=True``, VarPy's literal behaviour);
    4. the step, fitted or skipped with its reason, is kept: unlike VarPy, which kept only the
       last output, every step is in the result and (``store=True``) in the project.

    Parameters
    ----------
    obj : Volcanic, Laboratory or Datatype
        The original object (filters are applied to it, never to a previous step's data).
    model : str or RateModel
    kind, station : str
        Which datatype of a project.
    t_min, t_max : time
        Start of every window and end of the grid (dates, or lab seconds).
    t_step : float or timedelta
        Spacing of the forecast times (days for volcanic data, seconds for lab data).
    tf : time or float, optional
        Known failure time: kept for lead times and scoring; held fixed only if ``fix_tf``.
    filters, mc, mc_options, dm, legacy, method
        As in :func:`single_analysis`.
    min_events : int
        Skip windows with fewer events (before the magnitude cut).
    mc_zero_below : int or None
        Windows with at most this many events get Mc = 0 when Mc is estimated by a method.
    horizon : float or timedelta, optional
        Adds ``prob_failure`` to the table: the probability that failure occurs before
        ``t_forc + horizon`` (:meth:`FitResult.prob_failure_before`).
    name : str, optional
        Key in ``models`` (default: the model's registry name).
    executor : optional
        ``None`` (serial), a ``concurrent.futures`` executor or a ``dask.distributed.Client``
        (:func:`varpy.parallel.map_tasks`); results are identical to the serial run.
    progress : bool, optional
        Progress bar.
    store : bool
        Record every fitted step as a ``"retrospective_forecast"`` ModelOutput under
        ``models[name]`` with the experiment id in its provenance, and the experiment's index
        (settings, skipped steps) in the datatype's analyses; persisted with the project.
    **fit_options
        Passed to ``model.fit`` (``ci_level``, ``n_starts``, ...). Fit warnings are not
        emitted per step; they are in ``table["warnings"]`` and one summary FitWarning.

    Returns
    -------
    ExperimentResult
    """
    model = _resolve_model(model)
    mc = _check_mc(mc)
    base = _base_datatype(obj, kind, station)
    data = _apply_filters(base, filters)
    axis = _Axis.of(base, t_min)
    span = axis.rel(t_max, "t_max")
    step = axis.span(t_step, "t_step")
    offsets = forecast_offsets(span, step)
    tf_rel = None if tf is None else axis.tf_rel(tf)
    if fix_tf and tf_rel is None:
        raise DataFormatError("fix_tf=True needs the known failure time tf", key="tf",
                              expected="a date (or days after t_min) / lab seconds")
    h = None if horizon is None else axis.span(horizon, "horizon")
    method = _method(method, legacy)
    times, mags = _events(data, axis, span)
    fit_options = dict(fit_options)
    fit_options["warn"] = False
    task = _make_task(model, times, mags, axis, tf_fixed=tf_rel if fix_tf else None, mc=mc,
                      mc_options=mc_options, dm=dm, legacy=legacy, method=method,
                      min_events=min_events, mc_zero_below=mc_zero_below,
                      fit_options=fit_options)
    result = ExperimentResult(
        experiment_id=uuid.uuid4().hex[:16], model=model.name, name=name or model.name,
        output_kind="retrospective_forecast", kind=base.kind, calendar=bool(base.calendar),
        t_min=axis.label, t_max=_label(axis, span), t_step=step, tf=tf_rel, fix_tf=bool(fix_tf),
        station=base.station,
        settings=_settings(filters, mc, mc_options, dm, legacy, method, min_events,
                           mc_zero_below, h, fit_options),
        selection=to_builtin(data.selection), versions=_versions())
    # Two interleaved batches per worker thread: the steps of a batch spread over the whole
    # experiment, so batches cost the same and more of them buy little balance, while each
    # costs a Dask round trip and a result transfer (~10 ms on a two-core LocalCluster, next
    # to a 1 ms fit).
    result.steps = map_tasks(task, list(enumerate(offsets.tolist())), executor=executor,
                             progress=progress, desc=f"{model.name} forecasts",
                             chunks_per_worker=_STEP_BATCHES_PER_WORKER)
    n_fit = sum(s.fit is not None for s in result.steps)
    logger.info("experiment %s: %d steps, %d fitted, %d skipped", result.experiment_id,
                len(result.steps), n_fit, len(result.steps) - n_fit)
    _warn_flagged(result.steps, stacklevel=2)
    if store:
        result._store(base, result.steps)
    return result


def _settings(filters, mc, mc_options, dm, legacy, method, min_events, mc_zero_below, horizon,
              fit_options) -> dict:
    opts = {k: v for k, v in fit_options.items() if k != "warn"}
    return {"filters": to_builtin(filters or {}), "mc": mc,
            "mc_options": to_builtin(mc_options or {}), "dm": dm, "legacy": bool(legacy), "method": method, "min_events": int(min_events),
            "mc_zero_below": None if mc_zero_below is None else int(mc_zero_below),
            "horizon": horizon, "fit_options": _jsonable_options(opts)}


def _warn_flagged(steps, stacklevel: int) -> None:
    flagged = [s for s in steps if s.fit is not None and s.fit.warnings]
    if flagged:
        first = flagged[0]
        warnings.warn(f"{len(flagged)} of {len(steps)} steps are flagged (see "
                      f"table['warnings']); first, step {first.index}: {first.fit.warnings[0]}",
                      FitWarning, stacklevel=stacklevel + 1)


# ------------------------------------------------------------------------------------------------
# prospective forecast
# ------------------------------------------------------------------------------------------------
class ProspectiveForecast:
    """A forecast that is refitted whenever new data arrive (VarPy's prospective mode).

    Nothing loops over the future: each call of :meth:`update` (from a scheduler, a data feed
    or by hand) merges the new data into the project, refits on ``[t_min, t_forc)`` and
    records the step.

    Parameters
    ----------
    project : Volcanic or Laboratory
        The project whose datatype receives the data (``project.update_datatype``).
    model : str or RateModel
    kind, station : str
    t_min : time
        Start of every fit window.
    filters, mc, mc_options, dm, min_events, mc_zero_below, legacy, method, horizon, name,
    store, **fit_options
        As in :func:`multiple_analysis`.
    forecast_id : str, optional
        Identifier of the series (default: a new random id).

    Examples
    --------
    >>> import numpy as np, pandas as pd, varpy
    >>> p = varpy.Volcanic("X", root=None)
    >>> days = np.linspace(0.5, 60.0, 200)
    >>> p._attach(varpy.ECVD(pd.DataFrame({
    ...     "time": pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(days, unit="D"),
    ...     "latitude": 0.0, "longitude": 0.0, "depth": 1.0, "magnitude": 1.0})))
    >>> pf = ProspectiveForecast(p, "iol", t_min="2020-01-01", warn=False)
    >>> pf.update(t_forc="2020-02-01").n_window
    103
    >>> len(pf.history)
    1
    """

    def __init__(self, project, model, *, kind: str = "ecvd", station: str | None = None,
                 t_min, filters: dict | None = None, mc=None, mc_options: dict | None = None,
                 dm: float | None = 0.1, min_events: int = 10, mc_zero_below: int | None = 50,
                 legacy: bool = False, method: str | None = None, horizon=None,
                 name: str | None = None, store: bool = True, forecast_id: str | None = None,
                 **fit_options):
        self.project = project
        self.model = _resolve_model(model)
        base = _base_datatype(project, kind, station)
        self.kind, self.station = base.kind, base.station
        self.filters = dict(filters or {})
        _apply_filters(base.with_dataset(base.dataset.iloc[:0]), self.filters)  # validate now
        axis = _Axis.of(base, t_min)
        self._axis = axis
        self._mc = _check_mc(mc)
        self._mc_options = dict(mc_options or {})
        self._dm = dm
        self._legacy = bool(legacy)
        self._method = _method(method, legacy)
        self._min_events = int(min_events)
        self._mc_zero_below = mc_zero_below
        fit_options = dict(fit_options)
        fit_options.setdefault("warn", True)
        self._fit_options = fit_options
        self.store = store
        h = None if horizon is None else axis.span(horizon, "horizon")
        self.result = ExperimentResult(
            experiment_id=forecast_id or uuid.uuid4().hex[:16], model=self.model.name,
            name=name or self.model.name, output_kind="prospective_forecast", kind=base.kind,
            calendar=bool(base.calendar), t_min=axis.label, station=base.station,
            settings=_settings(self.filters, self._mc, self._mc_options, dm, legacy,
                               self._method, min_events, mc_zero_below, h, fit_options),
            versions=_versions())

    @property
    def forecast_id(self) -> str:
        return self.result.experiment_id

    @property
    def history(self) -> pd.DataFrame:
        """The table of every update so far (see :attr:`ExperimentResult.table`)."""
        return self.result.table

    @property
    def steps(self) -> list:
        return self.result.steps

    def update(self, data_file=None, t_forc=None, **import_options) -> ExperimentStep:
        """Take in new data (optional) and refit on ``[t_min, t_forc)``.

        Parameters
        ----------
        data_file : path, optional
            New data, merged into the project by ``project.update_datatype(kind, data_file)``
            (duplicates dropped; the project's folder is updated).
        t_forc : time, optional
            End of the fit window. Default: now (UTC) for volcanic data, which is when a
            real-time catalogue is complete up to; for laboratory data (no wall clock) the
            last event, included.
        **import_options
            Passed to ``update_datatype``.

        Returns
        -------
        ExperimentStep
            Also appended to :attr:`steps` and, if ``store``, recorded in the project. A step
            with too few events is returned with its ``skipped`` reason.
        """
        if data_file is not None:
            self.project.update_datatype(self.kind, data_file, station=self.station,
                                         **import_options)
        base = _base_datatype(self.project, self.kind, self.station)
        data = _apply_filters(base, self.filters)
        axis = self._axis
        times, mags = _events(data, axis, None)
        if t_forc is None:
            if axis.calendar:
                end = axis.rel(pd.Timestamp.now(tz="UTC"), "t_forc")
                later = int(np.count_nonzero(times >= end))
                if later:
                    warnings.warn(f"{later} events are later than now ({axis.describe(end)}); "
                                  "they are left out of the fit (give t_forc to include them)",
                                  DataWarning, stacklevel=2)
            else:
                if times.size == 0:
                    raise FitError("no events after t_min yet; give t_forc")
                end = float(np.nextafter(times[-1], np.inf))
        else:
            end = axis.rel(t_forc, "t_forc")
        if not end > 0:
            raise DataFormatError(f"t_forc={t_forc!r} is not after t_min", key="t_forc",
                                  expected="a time after t_min")
        keep = times < end
        task = _make_task(self.model, times[keep], None if mags is None else mags[keep], axis,
                          tf_fixed=None, mc=self._mc, mc_options=self._mc_options, dm=self._dm,
                          legacy=self._legacy, method=self._method,
                          min_events=self._min_events, mc_zero_below=self._mc_zero_below,
                          fit_options=self._fit_options)
        step = task((len(self.result.steps), end))
        self.result.steps.append(step)
        self.result.selection = to_builtin(data.selection)
        if self.store:
            self.result._store(base, [step])
        return step

    @classmethod
    def resume(cls, project, name: str, forecast_id: str, *, kind: str = "ecvd",
               station: str | None = None) -> "ProspectiveForecast":
        """Continue a prospective forecast stored in ``project`` (after a restart)."""
        res = ExperimentResult.from_project(project, kind, name, forecast_id, station=station)
        if res.output_kind != "prospective_forecast":
            raise StoreError(f"experiment {forecast_id!r} is a {res.output_kind}, not a "
                             "prospective forecast")
        s = res.settings
        opts = dict(s.get("fit_options", {}))
        out = cls(project, res.model, kind=kind, station=station,
                  t_min=res.t_min if not res.calendar else parse_time(res.t_min),
                  filters=s.get("filters") or None, mc=s.get("mc"),
                  mc_options=s.get("mc_options"), dm=s.get("dm"),
                  min_events=s.get("min_events", 10), mc_zero_below=s.get("mc_zero_below"),
                  legacy=s.get("legacy", False), method=s.get("method"),
                  horizon=s.get("horizon"), name=name, forecast_id=forecast_id, **opts)
        out.result = res
        return out

    def __repr__(self) -> str:
        return (f"<ProspectiveForecast {self.forecast_id} {self.model.name} on "
                f"{self.kind.upper()}: {len(self.result.steps)} updates>")
