"""One step of an experiment: its record (:class:`ExperimentStep`), its fit task, its outputs.

``_StepTask`` selects the events of one window, estimates Mc and fits the model (the unit of
work :func:`varpy.parallel.map_tasks` runs); :class:`ExperimentStep` is what a step returns;
the recording helpers turn fits into :class:`~varpy.management.models.ModelOutput` s with
their provenance.

May import: numpy, :mod:`varpy.exceptions`, :mod:`varpy._json`, :mod:`varpy.management`
(datatypes, models, store), :mod:`varpy.analysis.magnitudes`, :mod:`varpy.modelling.results`,
:mod:`varpy.modelling.experiments.timeaxis`, :mod:`varpy.modelling.experiments.catalogue`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError, FitError
from varpy.management.datatypes import Datatype
from varpy.management.models import Model, ModelOutput
from varpy.modelling.base import RateModel
from varpy.modelling.experiments.catalogue import magnitude_mask
from varpy.modelling.experiments.timeaxis import _Axis
from varpy.modelling.intervals import (DEFAULT_CI_METHOD, apply_ci_method, check_ci_method,
                                       resolve_ci_method)
from varpy.modelling.results import FitResult

__all__ = ["ExperimentStep"]


#: Label of the Mc of steps with too few events to estimate it (VarPy's ``n <= 50`` rule).
ZERO_RULE = "zero_rule"


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
    ci_method: str = DEFAULT_CI_METHOD
    ci_options: dict = field(default_factory=dict)

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
            keep = magnitude_mask(mags, mc_value, self.dm, self.legacy)
            times = times[keep]
            used_mags = mags[keep]
        else:
            used_mags = None if self.mags is None else self.mags[:n_window]
        step.mc, step.mc_method, step.n_fit = mc_value, mc_method, int(times.size)
        fixed = None if self.tf_fixed is None else {"tf": self.tf_fixed}
        try:
            step.fit = self.model.fit(times, 0.0, t1, fixed=fixed, method=self.method,
                                      mc=mc_value, mc_method=mc_method, origin=self.origin,
                                      **self.fit_options)
        except (FitError, DataFormatError) as exc:
            step.skipped = f"fit failed: {exc}"
            return step
        if resolve_ci_method(self.ci_method, step.fit) != "profile":
            step.fit = self._interval(step.fit, times, used_mags, index)
        return step

    def _interval(self, fit: FitResult, times, mags, index: int) -> FitResult:
        """The fit with the interval of :attr:`ci_method` (per-step bootstrap seeds derive
        from the experiment's seed and the step index, whichever worker runs the step)."""
        opts = dict(self.ci_options)
        seed = opts.pop("seed", None)
        if seed is not None and not isinstance(seed, np.random.Generator):
            seed = np.random.SeedSequence(seed, spawn_key=(int(index),))
        opts.setdefault("progress", False)
        if mags is not None and not np.all(np.isfinite(mags)):
            mags = None
        return apply_ci_method(fit, times, mags, self.ci_method, seed=seed, **opts)

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
               min_events, mc_zero_below, fit_options, ci_method: str = DEFAULT_CI_METHOD,
               ci_options: dict | None = None) -> _StepTask:
    return _StepTask(model=model, times=times, mags=mags, origin=axis.label, tf_fixed=tf_fixed,
                     ci_method=check_ci_method(ci_method), ci_options=dict(ci_options or {}),
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
