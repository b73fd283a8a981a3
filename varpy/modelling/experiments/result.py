"""The result of a multiple analysis: :class:`ExperimentResult`, and :func:`list_experiments`.

:class:`ExperimentResult` holds the steps of a retrospective or prospective forecast series
(its ``table``, fits, summary, ``to_dict``/``from_dict``, storing on and loading from a
datatype). Stored results record ``result_type`` with this class's module; older ones name
``varpy.modelling.experiments:ExperimentResult``, which the package re-exports, so both load.

One concept that reads best whole (about 370 lines): the result class with the table it
builds from its steps.

May import: numpy, pandas, :mod:`varpy.exceptions`, :mod:`varpy.management` (datatypes,
models, timeconv), :mod:`varpy.modelling.results`, :mod:`varpy.modelling.registry`, and the
modules ``timeaxis``, ``catalogue``, ``steps`` of :mod:`varpy.modelling.experiments`.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from varpy.exceptions import StoreError
from varpy.management.datatypes import Datatype
from varpy.management.models import ModelOutput, to_builtin
from varpy.modelling.experiments.catalogue import _base_datatype
from varpy.modelling.experiments.single import _mc_rule
from varpy.modelling.experiments.steps import ExperimentStep, _record_outputs, _window_record
from varpy.modelling.experiments.timeaxis import _Axis
from varpy.modelling.registry import get_model

__all__ = ["ExperimentResult", "list_experiments"]


_ANALYSES_PREFIX = "experiment-"


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
