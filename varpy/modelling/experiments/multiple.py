"""Repeated fits over growing windows: :func:`multiple_analysis` (retrospective forecasts).

May import: numpy, :mod:`varpy.exceptions`, :mod:`varpy.management.timeconv`,
:mod:`varpy.parallel`, and the modules ``timeaxis``, ``catalogue``, ``steps``, ``single``,
``result`` of :mod:`varpy.modelling.experiments`.
"""
from __future__ import annotations

import logging
import uuid
import warnings

from varpy.exceptions import DataFormatError, FitWarning
from varpy.management.models import to_builtin
from varpy.modelling.experiments.catalogue import (_apply_filters, _base_datatype, _check_mc,
                                                   _events, _resolve_model)
from varpy.modelling.experiments.result import ExperimentResult
from varpy.modelling.experiments.single import _jsonable_options
from varpy.modelling.experiments.steps import (_STEP_BATCHES_PER_WORKER, _label, _make_task,
                                               _method, _versions)
from varpy.modelling.experiments.timeaxis import _Axis, forecast_offsets
from varpy.modelling.intervals import DEFAULT_CI_METHOD
from varpy.parallel import map_tasks

__all__ = ["multiple_analysis"]

logger = logging.getLogger(__name__)


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
                      ci_method: str = DEFAULT_CI_METHOD, ci_options: dict | None = None,
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
    ci_method, ci_options
        Interval of ``tf`` at every step, as in :func:`apply_model` (a bootstrap seed is split
        per step by the step index, so results do not depend on the executor).
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
                      fit_options=fit_options, ci_method=ci_method, ci_options=ci_options)
    result = ExperimentResult(
        experiment_id=uuid.uuid4().hex[:16], model=model.name, name=name or model.name,
        output_kind="retrospective_forecast", kind=base.kind, calendar=bool(base.calendar),
        t_min=axis.label, t_max=_label(axis, span), t_step=step, tf=tf_rel, fix_tf=bool(fix_tf),
        station=base.station,
        settings=_settings(filters, mc, mc_options, dm, legacy, method, min_events,
                           mc_zero_below, h, fit_options),
        selection=to_builtin(data.selection), versions=_versions())
    _record_ci(result.settings, ci_method, ci_options)
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
            "mc_options": to_builtin(mc_options or {}), "dm": dm, "legacy": bool(legacy),
            "method": method, "min_events": int(min_events),
            "mc_zero_below": None if mc_zero_below is None else int(mc_zero_below),
            "horizon": horizon, "fit_options": _jsonable_options(opts)}


def _record_ci(settings: dict, ci_method: str, ci_options: dict | None) -> None:
    """Record the interval method in the experiment settings (JSON-able options only)."""
    settings["ci_method"] = ci_method
    settings["ci_options"] = {k: v for k, v in (ci_options or {}).items()
                              if k in ("seed", "n_boot") and isinstance(v, (int, type(None)))}


def _warn_flagged(steps, stacklevel: int) -> None:
    flagged = [s for s in steps if s.fit is not None and s.fit.warnings]
    if flagged:
        first = flagged[0]
        warnings.warn(f"{len(flagged)} of {len(steps)} steps are flagged (see "
                      f"table['warnings']); first, step {first.index}: {first.fit.warnings[0]}",
                      FitWarning, stacklevel=stacklevel + 1)
