"""Write results into ``ID/Output/`` as CSV (the numbers) and JSON (numbers, units, provenance).

Each written result is a pair of files with one name::

    Output/NAME.csv    one table: a header row, then data; times as ISO 8601 UTC strings,
                       missing values empty, infinities as ``inf``/``-inf``
    Output/NAME.json   {"varpy_output": 1, "kind", "name", "project", "datatype", "units",
                        "provenance", "result_type", "result", "table", "time_columns", ...}

The JSON is strict (no NaN/Infinity tokens: NaN is ``null``, infinities ``"inf"``/``"-inf"``),
so a web gateway can read it with any JSON parser. ``provenance`` holds the data window, the
selection (filters) that produced the data, the Mc and its method, the model and its
parameters, the time of computation and of writing, and the package versions.

Files are written atomically and never replace existing ones unless ``overwrite=True``; each
write is recorded in the project manifest (``outputs``). VarPy 2016 pickled four legacy lists
and never wrote model outputs at all.

=============================  ==========================  ============================================
result                         ``kind``                    CSV table
=============================  ==========================  ============================================
FitResult, ModelOutput         ``fit``                     one row: window, parameters, errors, tf, ...
Model (all outputs)            ``model_outputs``           one row per output
ExperimentResult (``.table``)  ``experiment``              one row per forecast step
ForecastScores                 ``scores``                  one row per scored step (JSON: headline)
McResult                       ``mc``                      one row
BValueResult                   ``b_value``                 one row
FMDResult                      ``fmd``                     magnitude, incremental, cumulative
MagnitudeTimeSeries            ``b_series``/``mc_series``  one row per window
pandas.DataFrame               ``table``                   the frame
=============================  ==========================  ============================================

The table descriptions live in :mod:`varpy.write.tables` (re-exported here).

May import: the facade (:mod:`varpy.management.core`), :mod:`varpy.management.store`,
:mod:`varpy.management.models`, :mod:`varpy.write.tables`.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from varpy._version import __version__
from varpy.exceptions import DataFormatError, ProjectExistsError, StoreError
from varpy.management.core import Project, datatype_key
from varpy.management.datatypes import Datatype
from varpy._json import jsonable
from varpy.management.models import Model, ModelOutput, to_builtin
from varpy.management.store import atomic_write_text, package_versions, validate_name
from varpy.write.tables import (  # noqa: F401  (public path of these names)
    OUTPUT_FORMAT, _TIME_UNIT, _calendar_of, _csv_text, _fit_row, _fit_units, _is_time_column,
    _result_dict, _table_json, _time_of, flatten_table, output_t_forc, result_table)

__all__ = ["OUTPUT_FORMAT", "write_result", "write_model_outputs", "write_analyses",
           "read_output", "OutputRecord", "flatten_table", "result_table", "project_of",
           "jsonable", "output_t_forc"]

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------

def project_of(obj) -> Project:
    """A project from a project, an attached datatype or a project folder path."""
    if isinstance(obj, Project):
        return obj
    if isinstance(obj, Datatype):
        if obj._project is None:
            raise StoreError("the datatype is not attached to a project; pass the project")
        return obj._project
    if isinstance(obj, (str, Path)):
        from varpy.management.core import open as open_project

        return open_project(obj)
    raise TypeError(f"expected a varpy project, datatype or project path, not "
                    f"{type(obj).__name__}")


def _datatype(project: Project, datatype) -> Datatype | None:
    if isinstance(datatype, Datatype):
        return datatype
    if datatype is None:
        return None
    if datatype == "auto":
        for kind in ("ecvd", "ecld"):
            if kind in project.kinds and getattr(project, kind) is not None:
                return getattr(project, kind)
        return None
    present = project.datatypes()
    if datatype not in present:
        raise DataFormatError(f"project {project.id!r} has no datatype {datatype!r}",
                              key="datatype", expected=f"one of {sorted(present)}")
    return present[datatype]


def _window_provenance(result, dt: Datatype | None) -> dict | None:
    from varpy.modelling.fitting import FitResult

    fit = result.load_result() if isinstance(result, ModelOutput) else result
    if not isinstance(fit, FitResult):
        return None
    cal = _calendar_of(dt, fit.origin)
    t0, t1 = (float(v) for v in fit.window)
    return {"t0": t0, "t1": t1, "origin": fit.origin, "unit": _TIME_UNIT[cal],
            "start": jsonable(_time_of(t0, fit.origin, cal)),
            "end": jsonable(_time_of(t1, fit.origin, cal)), "closed": "left"}


def _provenance(project: Project, dt: Datatype | None, result, extra: dict | None) -> dict:
    from varpy.analysis import magnitudes as mag
    from varpy.modelling.fitting import FitResult

    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    prov: dict = {"project": project.id, "project_type": project.project_type,
                  "datatype": None if dt is None else datatype_key(dt),
                  "selection": [] if dt is None else to_builtin(dt.selection),
                  "computed": now, "written": now, "varpy_version": __version__,
                  "package_versions": package_versions()}
    window = _window_provenance(result, dt)
    if window is not None:
        prov["data_window"] = window
    fit = result.load_result() if isinstance(result, ModelOutput) else result
    if isinstance(result, ModelOutput):
        prov.update(to_builtin(result.provenance))
        prov["computed"] = result.created
        prov["output_kind"] = result.kind
    if isinstance(fit, FitResult):
        prov.update({"model": fit.model, "parameters": fit.params, "fixed": fit.fixed,
                     "mc": fit.mc, "mc_method": fit.mc_method, "fit_method": fit.method,
                     "converged": fit.converged})
    elif isinstance(result, Model):
        prov["model"] = result.name
    elif isinstance(result, mag.McResult):
        prov.update({"mc_method": result.method, "options": result.options})
    elif isinstance(result, mag.BValueResult):
        prov.update({"mc": result.mc, "mc_method": result.mc_method,
                     "b_method": result.method})
    elif isinstance(result, mag.MagnitudeTimeSeries):
        prov.update({"window": result.window, "settings": result.settings})
    if hasattr(result, "experiment_id") and hasattr(result, "steps"):
        # varpy.modelling.experiments.ExperimentResult
        prov.update({"experiment_id": result.experiment_id, "model": result.model,
                     "output_kind": getattr(result, "output_kind", None),
                     "t_min": to_builtin(getattr(result, "t_min", None)),
                     "t_max": to_builtin(getattr(result, "t_max", None)),
                     "t_step": getattr(result, "t_step", None),
                     "known_tf": getattr(result, "tf", None),
                     "fix_tf": getattr(result, "fix_tf", None),
                     "filters": to_builtin(getattr(result, "selection", [])),
                     "mc_method": (getattr(result, "settings", {}) or {}).get("mc"),
                     "settings": to_builtin(getattr(result, "settings", {})),
                     "package_versions_of_run": to_builtin(getattr(result, "versions", {}))})
    for attr in ("model", "settings", "provenance", "origin"):
        value = getattr(result, attr, None)
        if attr not in prov and value is not None and not callable(value) and \
                isinstance(value, (str, int, float, dict, list)):
            prov[attr] = value
    if extra:
        prov.update(to_builtin(extra))
    # the selection in the provenance of a model output is what the fit saw; keep both
    if dt is not None and prov.get("selection") != to_builtin(dt.selection):
        prov["datatype_selection"] = to_builtin(dt.selection)
    return jsonable(prov)


def _default_name(kind: str, result, dt: Datatype | None) -> str:
    from varpy.modelling.fitting import FitResult

    parts = [kind]
    fit = result.load_result() if isinstance(result, ModelOutput) else result
    if isinstance(fit, FitResult):
        parts.append(fit.model)
    elif isinstance(result, Model):
        parts.append(result.name)
    elif hasattr(result, "method") and isinstance(result.method, str):
        parts.append(result.method)
    elif isinstance(getattr(result, "model", None), str):
        parts.append(result.model)
        if isinstance(getattr(result, "experiment_id", None), str):
            parts.append(result.experiment_id)
    if dt is not None:
        parts.append(datatype_key(dt))
    return "-".join(parts).replace("_", "-")


def write_result(project, result, name: str | None = None, *, datatype="auto",
                 provenance: dict | None = None, units: dict | None = None,
                 overwrite: bool = False) -> list[Path]:
    """Write one result as ``Output/NAME.csv`` and ``Output/NAME.json`` and record it.

    Parameters
    ----------
    project : Volcanic, Laboratory, attached datatype, or project path
    result : FitResult, ModelOutput, Model, ExperimentResult, McResult, BValueResult,
        FMDResult, MagnitudeTimeSeries or DataFrame
    name : str, optional
        File stem (letters, digits, ``.``, ``_``, ``-``); default ``KIND-MODEL-DATATYPE``
        (e.g. ``fit-iol-ecvd``, ``mc-gft-ecvd``).
    datatype : str, Datatype, 'auto' or None
        Whose selection goes into the provenance (default: the project's catalogue).
    provenance : dict, optional
        Extra provenance (e.g. the experiment settings); overrides the defaults.
    units : dict, optional
        Extra or corrected units per column.
    overwrite : bool
        Replace existing files of that name (otherwise
        :class:`~varpy.exceptions.ProjectExistsError`).

    Returns
    -------
    list of pathlib.Path
        ``[csv, json]``.
    """
    project = project_of(project)
    store = project.store
    dt = _datatype(project, datatype)
    cal = None if dt is None else bool(dt.calendar)
    kind, table, table_units = result_table(result, calendar=cal)
    flat = flatten_table(table)
    rtype, rdict = _result_dict(result)
    stem = validate_name(name if name is not None else _default_name(kind, result, dt),
                         "output name")
    all_units = {k: v for k, v in {**table_units, **(units or {})}.items()
                 if k in flat.columns or k in table.columns}
    time_columns = [str(c) for c in flat.columns if _is_time_column(flat[c])]
    prov = _provenance(project, dt, result, provenance)
    doc = {"varpy_output": OUTPUT_FORMAT, "kind": kind, "name": stem, "project": project.id,
           "project_type": project.project_type,
           "datatype": None if dt is None else datatype_key(dt),
           "files": {"csv": f"Output/{stem}.csv", "json": f"Output/{stem}.json"},
           "units": all_units, "time_columns": time_columns, "provenance": prov,
           "result_type": rtype, "result": jsonable(rdict), "table": _table_json(flat)}
    text_json = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)
    text_csv = _csv_text(flat)
    csv_path = store.safe_child("Output", f"{stem}.csv")
    json_path = store.safe_child("Output", f"{stem}.json")
    with store.lock():
        if not overwrite:
            taken = [p.name for p in (csv_path, json_path) if p.exists()]
            if taken:
                raise ProjectExistsError(f"Output/{taken[0]} exists in project {project.id!r}; "
                                         "pass overwrite=True to replace it or choose another "
                                         "name=")
        atomic_write_text(csv_path, text_csv, overwrite=overwrite)
        atomic_write_text(json_path, text_json, overwrite=overwrite)
        store.record("outputs", {"name": stem, "kind": kind,
                                 "files": [f"Output/{stem}.csv", f"Output/{stem}.json"],
                                 "datatype": doc["datatype"], "model": prov.get("model"),
                                 "result_type": rtype, "computed": prov.get("computed"),
                                 "varpy_version": __version__})
    log.info("wrote %s output %s of project %r", kind, stem, project.id)
    return [csv_path, json_path]


def write_model_outputs(project, *, datatype=None, models=None, overwrite: bool = False
                        ) -> list[Path]:
    """Write every stored model (all its outputs, one row each) of the project's datatypes.

    One output per datatype and model, named ``models-MODEL-DATATYPE``. Returns the files.
    """
    project = project_of(project)
    paths = []
    for key, dt in project.datatypes().items():
        if datatype is not None and key != datatype:
            continue
        for model_name, model in dt.models.items():
            if models is not None and model_name not in models:
                continue
            if not model.outputs:
                continue
            stem = f"models-{model_name}-{key}".replace("_", "-")
            paths += write_result(project, model, stem, datatype=dt, overwrite=overwrite)
    return paths


def write_analyses(project, *, datatype=None, overwrite: bool = False) -> list[Path]:
    """Write every stored analysis result (Mc, b-value, ...) of the project's datatypes.

    Results are rebuilt from their stored records (``result_type.from_dict``; experiments with
    :meth:`varpy.modelling.experiments.ExperimentResult.from_project`, which brings back their
    fits); each output is named ``analysis-NAME-DATATYPE`` and its provenance carries the
    selection the analysis was made on.
    """
    import importlib

    project = project_of(project)
    paths = []
    for key, dt in project.datatypes().items():
        if datatype is not None and key != datatype:
            continue
        for label, record in dt.outputs.items():
            if not isinstance(record, dict):
                continue
            stored = record.get("result")
            if isinstance(stored, dict) and "experiment_id" in stored and "steps" in stored:
                # an experiment's index (stored without its fits): reload it with the fits
                from varpy.modelling.experiments import ExperimentResult

                result = ExperimentResult.from_project(project, dt.kind, stored["name"],
                                                       stored["experiment_id"],
                                                       station=dt.station)
            else:
                module_name, _, qualname = record.get("result_type", "").partition(":")
                if not module_name:
                    continue
                obj: Any = importlib.import_module(module_name)
                for part in qualname.split("."):
                    obj = getattr(obj, part)
                if not hasattr(obj, "from_dict"):
                    log.info("analysis %r of %s holds a plain %s; not written", label, key,
                             qualname)
                    continue
                result = obj.from_dict(stored)
            stem = f"analysis-{label}-{key}".replace("_", "-")
            paths += write_result(project, result, stem, datatype=dt,
                                  provenance={"selection": record.get("selection", []),
                                              "analysis": label},
                                  overwrite=overwrite)
    return paths


# ---------------------------------------------------------------------------------------------
# reading back
# ---------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# reading back
# ---------------------------------------------------------------------------------------------

@dataclass
class OutputRecord:
    """One written output read back: its table and everything in its JSON."""

    name: str
    kind: str
    table: pd.DataFrame
    units: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    result_type: str = ""
    result: Any = None
    meta: dict = field(default_factory=dict)
    path: Path | None = None

    def load(self):
        """Rebuild the result object (``result_type.from_dict(result)``)."""
        import importlib

        if not self.result_type or self.result is None:
            raise StoreError(f"output {self.name!r} holds no rebuildable result object")
        module_name, _, qualname = self.result_type.partition(":")
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        return obj.from_dict(self.result)


def read_output(path, *, source: str = "csv") -> OutputRecord:
    """Read an output written by :func:`write_result`.

    Parameters
    ----------
    path : path
        ``NAME.json`` or ``NAME.csv`` (the other file is found beside it).
    source : {'csv', 'json'}
        Read the table from the CSV (default) or from the JSON copy; both give the same frame.
    """
    path = Path(path)
    json_path = path.with_suffix(".json")
    try:
        doc = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StoreError(f"{json_path} is missing (every varpy output has a JSON)") from exc
    except json.JSONDecodeError as exc:
        raise StoreError(f"{json_path} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or "varpy_output" not in doc:
        raise StoreError(f"{json_path} is not a varpy output (no 'varpy_output' key)")
    if doc["varpy_output"] > OUTPUT_FORMAT:
        raise StoreError(f"{json_path} was written by a newer varpy; upgrade to read it")
    time_columns = doc.get("time_columns", [])
    if source == "csv":
        csv_path = path.with_suffix(".csv")
        try:
            table = pd.read_csv(csv_path, keep_default_na=True)
        except FileNotFoundError as exc:
            raise StoreError(f"{csv_path} is missing") from exc
        except pd.errors.EmptyDataError:
            table = pd.DataFrame(columns=doc["table"]["columns"])
        # CSV cannot tell an empty string from a missing value: the JSON copy can
        tab = doc["table"]
        for j, col in enumerate(tab["columns"]):
            if col in table.columns and col not in time_columns:
                empty = [i for i, row in enumerate(tab["data"]) if row[j] == ""]
                if empty:
                    table[col] = table[col].astype(object)
                    table.loc[empty, col] = ""
    elif source == "json":
        tab = doc["table"]
        table = pd.DataFrame(tab["data"], columns=tab["columns"])
        for col in table.columns:
            if col in time_columns:
                continue
            vals = table[col]
            if vals.map(lambda v: v in ("inf", "-inf")).any() or (
                    vals.dropna().map(lambda v: isinstance(v, (int, float))).all()
                    and vals.isna().any()):
                table[col] = pd.to_numeric(vals.replace({"inf": math.inf, "-inf": -math.inf}),
                                           errors="coerce")
    else:
        raise ValueError(f"source must be 'csv' or 'json', not {source!r}")
    for col in time_columns:
        if col in table.columns:
            table[col] = pd.to_datetime(table[col], utc=True, format="ISO8601")
    return OutputRecord(name=doc["name"], kind=doc["kind"], table=table,
                        units=doc.get("units", {}), provenance=doc.get("provenance", {}),
                        result_type=doc.get("result_type", ""), result=doc.get("result"),
                        meta={k: v for k, v in doc.items() if k not in ("table", "result")},
                        path=json_path)
