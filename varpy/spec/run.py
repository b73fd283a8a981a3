"""Running specs: :func:`~varpy.spec.run_spec` (one) and :func:`~varpy.spec.run_specs` (a batch).

:func:`~varpy.spec.run_spec` validates (:mod:`varpy.spec.load`), then runs the steps
(:mod:`varpy.spec.steps`) and writes the outputs (:mod:`varpy.spec.outputs`), recording the
warnings and the time into a :class:`~varpy.spec.RunResult`.

May import: every other module of :mod:`varpy.spec` but the package itself,
:mod:`varpy.exceptions`, and lazily :mod:`varpy.parallel`.
"""
from __future__ import annotations

import time as _time
import warnings
from pathlib import Path
from typing import Sequence

from varpy.exceptions import SpecError
from varpy.spec.executor import open_executor
from varpy.spec.load import load_spec
from varpy.spec.outputs import _draw_figures, _json, _write_output, _write_report, _write_tables
from varpy.spec.result import RunResult
from varpy.spec.schema import Spec
from varpy.spec.steps import (_completeness, _decluster, _import_data, _open_project,
                              _run_experiments, _selected)


def run_spec(spec, *, workdir=None, allowed_roots=(), executor=None,
             progress: bool | None = None) -> RunResult:
    """Run the workflow of a spec: import, select, completeness, experiments, figures, outputs.

    Parameters
    ----------
    spec : Spec or path
        A spec (from :func:`load_spec`) or the path of a spec file (validated first: nothing
        runs if it is invalid).
    workdir, allowed_roots
        See :func:`load_spec` (used when ``spec`` is a path).
    executor : optional
        A ``dask.distributed.Client`` or ``concurrent.futures`` executor for the multiple
        analyses; overrides the spec's ``executor`` section.
    progress : bool, optional
        Progress bars of the multiple analyses.

    Returns
    -------
    RunResult
        Also written as ``Output/run.json`` (with the normalised spec as ``Output/spec.json``)
        in the project.

    Raises
    ------
    SpecError
        Invalid spec (nothing has run).
    VarpyError
        A step failed; the message ends with the spec key of the step.
    """
    if not isinstance(spec, Spec):
        spec = load_spec(spec, workdir=workdir, allowed_roots=allowed_roots)
    start = _time.perf_counter()
    d = spec.data
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        project = _open_project(spec)
        _import_data(project, spec)
        selected = _selected(project, spec)
        result = RunResult(spec=None if spec.path is None else str(spec.path),
                           project=str(project.path), project_type=d["project"]["type"],
                           project_id=project.id,
                           datatypes={k: len(v) for k, v in project.datatypes().items()})
        result.decluster, selected = _decluster(selected, spec)
        result.completeness, mag_results = _completeness(selected, spec)
        needs_cluster = any(e["type"] == "multiple" for e in d["experiments"])
        if executor is not None or d["executor"]["type"] == "serial" or not needs_cluster:
            records, objects = _run_experiments(project, spec, executor, progress)
        else:
            with open_executor(d["executor"]) as client:
                records, objects = _run_experiments(project, spec, client, progress)
        scores = {}
        for rec in records:
            sc = rec.pop("_scores", None)
            if sc is not None:
                scores[(rec["name"], rec["model"])] = sc
        result.experiments = records
        overwrite = d["project"]["if_exists"] != "error"
        if d["figures"]:
            result.figures = _draw_figures(selected, spec, objects, overwrite)
        if d["outputs"]["tables"]:
            result.outputs = _write_tables(project, spec, result, objects, scores,
                                           mag_results, overwrite)
        if d["outputs"]["report"]:
            result.report = _write_report(project)
        for w in record:
            text = f"{w.category.__name__}: {w.message}"
            if text not in caught:
                caught.append(text)
    result.warnings = caught
    result.seconds = _time.perf_counter() - start
    if d["outputs"]["tables"]:
        _write_output(project, "run.json", _json(result.to_dict()), overwrite=True,
                      what="run summary")
        result.outputs.append("Output/run.json")
    return result


def _run_one(item) -> dict:
    """Task of :func:`run_specs`: one spec, serially, in whatever process runs it."""
    spec_dict, progress = item
    spec = Spec.from_dict(spec_dict)
    spec.data["executor"] = {"type": "serial", "n_workers": None, "threads_per_worker": None,
                             "address": None}
    return run_spec(spec, progress=progress).to_dict()


def run_specs(specs: Sequence, *, workdir=None, allowed_roots=(), executor=None,
              progress: bool | None = None) -> list[RunResult]:
    """Run several specs (a batch of projects), each serially, on ``executor`` if given.

    Every spec is validated before any runs. With a Dask client each spec runs on a worker
    (its own ``executor`` section is ignored); the project folders must then be on a
    filesystem the workers share (see the documentation page "Running on Dask"). Prefer
    process-based executors: the warnings each run records are process-wide state, which
    threads would share.

    Raises
    ------
    SpecError
        An invalid spec, or two specs writing the same project.
    """
    from varpy.parallel import map_tasks

    loaded = [s if isinstance(s, Spec) else load_spec(s, workdir=workdir,
                                                      allowed_roots=allowed_roots)
              for s in specs]
    seen: dict[Path, Spec] = {}
    for s in loaded:
        if s.project_path in seen:
            raise SpecError(f"two specs write the same project {s.project_path} (also "
                            f"{seen[s.project_path].path})", path=s.path, key="project.id",
                            expected="one project per spec in a batch")
        seen[s.project_path] = s
    items = [(s.to_dict(), False) for s in loaded]
    out = map_tasks(_run_one, items, executor=executor, progress=progress, desc="specs")
    return [RunResult.from_dict(d) for d in out]
