"""Single fits of a model to one window: :func:`apply_model` and :func:`single_analysis`.

:func:`apply_model` is the primitive under every experiment (one fit to a project's datatype
in ``[start, end)``, recorded with its provenance); :func:`single_analysis` is VarPy's single
forecast and retrospective analysis.

May import: numpy, :mod:`varpy.exceptions`, :mod:`varpy._json`, :mod:`varpy.management`
(datatypes, models, timeconv), :mod:`varpy.modelling.results`, and the modules
``timeaxis``, ``catalogue``, ``steps`` of :mod:`varpy.modelling.experiments`.
"""
from __future__ import annotations

from varpy._json import describe
from varpy.exceptions import DataFormatError, FitError
from varpy.management.datatypes import Datatype
from varpy.management.models import ModelOutput, to_builtin
from varpy.modelling.experiments.catalogue import (_apply_filters, _base_datatype, _check_mc,
                                                   _events, _resolve_model)
from varpy.modelling.experiments.steps import (_label, _make_task, _method, _record_outputs,
                                               _versions, _window_record)
from varpy.modelling.experiments.timeaxis import _Axis
from varpy.modelling.intervals import DEFAULT_CI_METHOD
from varpy.modelling.results import FitResult

__all__ = ["apply_model", "single_analysis"]


# ------------------------------------------------------------------------------------------------
# single fits
# ------------------------------------------------------------------------------------------------
def _single(base: Datatype, data: Datatype, model, start, end, *, tf, mc, mc_options, dm, legacy,
            method, name, store, experiment: str, fit_options,
            ci_method: str = DEFAULT_CI_METHOD,
            ci_options: dict | None = None) -> FitResult:
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
                      fit_options=fit_options, ci_method=ci_method, ci_options=ci_options)
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
            "legacy": bool(legacy), "method": method, "ci_method": ci_method,
            "ci_options": _jsonable_options(ci_options or {}),
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
                mc_options: dict | None = None, ci_method: str = DEFAULT_CI_METHOD,
                ci_options: dict | None = None, **fit_options) -> FitResult:
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
    ci_method : {"auto", "profile", "clustered", "bootstrap"}
        Interval of ``tf`` (:mod:`varpy.modelling.intervals`; docs/guide/intervals.rst):
        ``"auto"`` (default) is ``"clustered"`` (the profile likelihood under the clustered
        inverse Omori model) for inverse Omori forecasts and ``"profile"`` for other fits;
        ``"profile"`` is the Poisson profile likelihood, which assumes independent events
        and is too narrow on clustered data; ``"bootstrap"`` resamples from the clustered
        fit.
    ci_options : dict, optional
        ``seed``, ``n_boot``, ``executor``, ``progress`` of the bootstrap.
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
                   experiment="apply_model", fit_options=fit_options, ci_method=ci_method,
                   ci_options=ci_options)


def single_analysis(obj, model, *, kind: str = "ecvd", station: str | None = None, t_min, t_max,
                    tf=None, filters: dict | None = None, mc=None, legacy: bool = False,
                    method: str | None = None, dm: float | None = 0.1,
                    mc_options: dict | None = None, name: str | None = None,
                    store: bool = True, ci_method: str = DEFAULT_CI_METHOD,
                    ci_options: dict | None = None, **fit_options) -> FitResult:
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
    dm, mc_options, name, store, ci_method, ci_options, **fit_options
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
                   experiment="single_analysis", fit_options=fit_options, ci_method=ci_method,
                   ci_options=ci_options)
