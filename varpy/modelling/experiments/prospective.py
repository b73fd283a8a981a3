"""Forecasts updated as data arrive: :class:`ProspectiveForecast`.

May import: numpy, pandas, :mod:`varpy.exceptions`, :mod:`varpy.management`,
and the modules ``timeaxis``, ``catalogue``, ``steps``, ``single``, ``result``, ``multiple``
of :mod:`varpy.modelling.experiments`.
"""
from __future__ import annotations

import uuid
import warnings

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError, DataWarning, FitError, StoreError
from varpy.management.models import to_builtin
from varpy.management.timeconv import parse_time
from varpy.modelling.experiments.catalogue import (_apply_filters, _base_datatype, _check_mc,
                                                   _events, _resolve_model)
from varpy.modelling.experiments.multiple import _record_ci, _settings
from varpy.modelling.intervals import DEFAULT_CI_METHOD, check_ci_method
from varpy.modelling.experiments.result import ExperimentResult
from varpy.modelling.experiments.steps import ExperimentStep, _make_task, _method, _versions
from varpy.modelling.experiments.timeaxis import _Axis

__all__ = ["ProspectiveForecast"]


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
                 ci_method: str = DEFAULT_CI_METHOD, ci_options: dict | None = None,
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
        self._ci_method = check_ci_method(ci_method)
        self._ci_options = dict(ci_options or {})
        self.store = store
        h = None if horizon is None else axis.span(horizon, "horizon")
        self.result = ExperimentResult(
            experiment_id=forecast_id or uuid.uuid4().hex[:16], model=self.model.name,
            name=name or self.model.name, output_kind="prospective_forecast", kind=base.kind,
            calendar=bool(base.calendar), t_min=axis.label, station=base.station,
            settings=_settings(self.filters, self._mc, self._mc_options, dm, legacy,
                               self._method, min_events, mc_zero_below, h, fit_options),
            versions=_versions())
        _record_ci(self.result.settings, self._ci_method, self._ci_options)

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
                          fit_options=self._fit_options, ci_method=self._ci_method,
                          ci_options=self._ci_options)
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
                  horizon=s.get("horizon"), name=name, forecast_id=forecast_id,
                  ci_method=s.get("ci_method", "profile"), ci_options=s.get("ci_options"),
                  **opts)
        out.result = res
        return out

    def __repr__(self) -> str:
        return (f"<ProspectiveForecast {self.forecast_id} {self.model.name} on "
                f"{self.kind.upper()}: {len(self.result.steps)} updates>")
