"""Read results back across many projects into DataFrames, to compare volcanoes and experiments.

A *root* is a folder holding project folders (``root/ID/varpy.yaml``), such as the ``root`` given
to :class:`~varpy.Volcanic`; a project folder itself is accepted too. Nothing is imported or
recomputed: the readers use the manifests, the files written by :mod:`varpy.write.results` and
the model outputs the store keeps (``Output/KEY/models.json``).

Examples
--------
>>> import tempfile, varpy
>>> from varpy.write import collect_outputs
>>> root = tempfile.mkdtemp()
>>> _ = varpy.Volcanic("A", root=root), varpy.Volcanic("B", root=root)
>>> collect_outputs(root).empty
True
"""
from __future__ import annotations

import logging
import math
from pathlib import Path

import pandas as pd

from varpy.exceptions import StoreError
from varpy.management.store import MANIFEST, ProjectStore
from varpy.write.results import read_output

__all__ = ["find_projects", "list_outputs", "collect_outputs", "collect_forecasts",
           "collect_figures", "collect_models"]

log = logging.getLogger(__name__)

_INDEX_COLUMNS = ["project", "project_type", "output", "kind", "datatype", "model", "recorded",
                  "path"]
_LEAD = ["project", "project_type", "output", "datatype"]


def find_projects(root) -> list[ProjectStore]:
    """Stores of the projects in ``root`` (its sub-folders with a manifest), sorted by ID;
    ``root`` itself if it is a project folder."""
    root = Path(root)
    if not root.is_dir():
        raise StoreError(f"{root} is not a folder")
    if (root / MANIFEST).is_file():
        return [ProjectStore(root.parent, root.name)]
    stores = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        if (sub / MANIFEST).is_file():
            try:
                stores.append(ProjectStore(root, sub.name))
            except ValueError as exc:  # a folder name varpy would never create
                log.info("skipping %s: %s", sub, exc)
    return stores


def _records(store: ProjectStore, section: str) -> tuple[dict, list[dict]]:
    manifest = store.read_manifest()
    latest: dict[str, dict] = {}
    for rec in manifest.get(section, []) or []:
        latest[rec.get("name", "")] = rec   # rewritten with overwrite=True: keep the last
    return manifest, list(latest.values())


def list_outputs(root) -> pd.DataFrame:
    """One row per output written with :func:`varpy.write.write_result` in every project."""
    rows = []
    for store in find_projects(root):
        manifest, records = _records(store, "outputs")
        for rec in records:
            json_files = [f for f in rec.get("files", []) if f.endswith(".json")]
            rows.append({"project": store.id, "project_type": manifest.get("type"),
                         "output": rec.get("name"), "kind": rec.get("kind"),
                         "datatype": rec.get("datatype"), "model": rec.get("model"),
                         "recorded": rec.get("recorded"),
                         "path": str(store.path / json_files[0]) if json_files else None})
    return pd.DataFrame(rows, columns=_INDEX_COLUMNS)


def collect_outputs(root, what: str | None = None, *, project_type: str | None = None
                    ) -> pd.DataFrame:
    """Outputs of every project in ``root``.

    Parameters
    ----------
    what : str, optional
        An output kind (``'fit'``, ``'experiment'``, ``'model_outputs'``, ``'mc'``,
        ``'b_value'``, ``'fmd'``, ``'b_series'``, ``'mc_series'``, ``'table'``): the tables of
        all outputs of that kind, concatenated, each row led by ``project``,
        ``project_type``, ``output`` (name) and ``datatype``. None: the index of all outputs
        (:func:`list_outputs`).
    project_type : {'volcanic', 'laboratory'}, optional
        Keep only projects of that type.
    """
    index = list_outputs(root)
    if project_type is not None:
        index = index[index["project_type"] == project_type]
    if what is None:
        return index.reset_index(drop=True)
    parts = []
    for row in index[index["kind"] == what].itertuples(index=False):
        if row.path is None or not Path(row.path).is_file():
            log.warning("output %s of project %s is recorded but its file is missing",
                        row.output, row.project)
            continue
        try:
            table = read_output(row.path).table
        except StoreError as exc:   # a file recorded as an output but not written by varpy.write
            log.warning("skipping output %s of project %s: %s", row.output, row.project, exc)
            continue
        lead = pd.DataFrame({"project": row.project, "project_type": row.project_type,
                             "output": row.output, "datatype": row.datatype},
                            index=table.index)
        parts.append(pd.concat([lead, table.drop(columns=[c for c in _LEAD if c in table],
                                                 errors="ignore")], axis=1))
    if not parts:
        return pd.DataFrame(columns=_LEAD)
    return pd.concat(parts, ignore_index=True, sort=False)


def collect_forecasts(root, *, project_type: str | None = "volcanic") -> pd.DataFrame:
    """Every failure/eruption-time forecast written in the projects of ``root``.

    The rows of written experiment series (one per forecast step) and of written fits and model
    tables that estimated a failure time, with ``source`` (``experiment``, ``fit`` or
    ``model_outputs``). Columns common to all are led by ``project``, ``project_type``,
    ``output``, ``datatype``, ``source``; ``failure_time`` and its bounds are UTC Timestamps for
    volcanic projects (seconds for laboratory ones). By default only volcanic projects are read
    (``project_type=None`` reads all; mixing calendar and lab times gives object columns).
    """
    parts = []
    for kind in ("experiment", "fit", "model_outputs"):
        table = collect_outputs(root, kind, project_type=project_type)
        if table.empty or "failure_time" not in table.columns:
            continue
        table = table[table["failure_time"].notna() | table.get(
            "tf", pd.Series(math.nan, index=table.index)).notna()]
        if kind != "experiment" and "mode" in table.columns:
            table = table[table["mode"] == "forecast"]
        parts.append(table.assign(source=kind))
    if not parts:
        return pd.DataFrame(columns=_LEAD + ["source", "t_forc", "failure_time"])
    out = pd.concat(parts, ignore_index=True, sort=False)
    lead = _LEAD + ["source"]
    return out[lead + [c for c in out.columns if c not in lead]]


def collect_figures(root) -> pd.DataFrame:
    """One row per saved figure: project, name, function, datatype, files, parameters."""
    rows = []
    for store in find_projects(root):
        manifest, records = _records(store, "figures")
        for rec in records:
            rows.append({"project": store.id, "project_type": manifest.get("type"),
                         "name": rec.get("name"), "function": rec.get("function"),
                         "datatype": rec.get("datatype"), "files": rec.get("files", []),
                         "parameters": rec.get("parameters", {}),
                         "recorded": rec.get("recorded")})
    return pd.DataFrame(rows, columns=["project", "project_type", "name", "function",
                                       "datatype", "files", "parameters", "recorded"])


def _t_forc(out, calendar: bool):
    from varpy.write.tables import output_t_forc

    try:
        fit = out.load_result()
    except (ImportError, AttributeError, KeyError, TypeError, ValueError, StoreError):
        return pd.NaT if calendar else math.nan
    if not hasattr(fit, "origin"):
        return pd.NaT if calendar else math.nan
    return output_t_forc(out, fit, calendar)


def collect_models(root, *, model: str | None = None) -> pd.DataFrame:
    """Every model output the projects store (no writing needed), one row each.

    Columns: ``project``, ``project_type``, ``datatype``, ``model``, ``kind``, ``uid``,
    ``created``, ``t_forc`` (forecast time from the provenance: a UTC Timestamp for volcanic
    projects, seconds for laboratory ones; NaT/NaN if none), and the scalar fields of each result
    (``params.k``, ``loglik``, ``aic``, ``n_events``, ...) as :meth:`varpy.Model.table` gives.
    """
    from varpy.management.models import Model

    parts = []
    for store in find_projects(root):
        manifest = store.read_manifest()
        for key in manifest.get("datatypes", {}):
            for name, data in store.read_models(key).items():
                if model is not None and name != model:
                    continue
                m = Model.from_dict(data)
                table = m.table()
                if table.empty:
                    continue
                table = table.drop(columns=["model"], errors="ignore")
                table.insert(0, "project", store.id)
                table.insert(1, "project_type", manifest.get("type"))
                table.insert(2, "datatype", key)
                table.insert(3, "model", name)
                table["t_forc"] = [_t_forc(o, manifest.get("type") == "volcanic")
                                   for o in m.outputs]
                parts.append(table)
    if not parts:
        return pd.DataFrame(columns=["project", "project_type", "datatype", "model", "uid",
                                     "kind", "created"])
    return pd.concat(parts, ignore_index=True, sort=False)
