"""What a run writes: figures, result tables (``Output/*.csv`` + ``.json``) and the report.

May import: :mod:`varpy.spec.schema`, :mod:`varpy.spec.steps`, :mod:`varpy.spec.result`,
:mod:`varpy.exceptions`, and lazily :mod:`varpy.write`, :mod:`varpy.management.models`,
:mod:`varpy.management.store` and pandas.
"""
from __future__ import annotations

from pathlib import Path

from varpy.exceptions import VarpyError
from varpy.spec.result import RunResult
from varpy.spec.schema import FIGURES, Spec, known_figures
from varpy.spec.steps import _experiment_time, _located


def _draw_figures(selected, spec: Spec, objects: dict, overwrite: bool) -> list[str]:
    figures = known_figures()
    written: list[str] = []
    experiments = spec.data["experiments"]
    before = _figure_records(selected)
    for j, fig_spec in enumerate(spec.data["figures"]):
        name, options = fig_spec["name"], dict(fig_spec["options"])
        func = figures[name]
        source = FIGURES[name][2]
        base = fig_spec["file"] or name
        calls = []
        if source == "data":
            calls.append((base, (selected,), options))
        elif source == "fit":
            for exp in experiments:
                if exp["type"] != "single":
                    continue
                for model in exp["models"]:
                    fit = objects.get((exp["name"], model))
                    if fit is not None:
                        dt = selected.get(exp["datatype"], exp["station"]) \
                            if exp["station"] else selected.get(exp["datatype"])
                        calls.append((f"{base}-{exp['name']}-{model}", (dt,),
                                      dict(options, fit=fit)))
        elif source == "experiment":
            for exp in experiments:
                if exp["type"] != "multiple":
                    continue
                for model in exp["models"]:
                    res = objects.get((exp["name"], model))
                    if res is not None and res.forecasts:
                        extra = {}
                        if exp["tf"] is not None and "true_time" not in options:
                            extra["true_time"] = _experiment_time(
                                exp["tf"], spec.data["project"]["type"] == "volcanic")
                        calls.append((f"{base}-{exp['name']}-{model}", (res, selected),
                                      dict(options, **extra)))
        elif source == "experiments":
            for exp in experiments:
                results = {m: objects[(exp["name"], m)] for m in exp["models"]
                           if (exp["name"], m) in objects}
                if exp["type"] == "multiple" and len(results) > 1:
                    calls.append((f"{base}-{exp['name']}", (results, selected), options))
        for file_name, args, kwargs in calls:
            try:
                fig = func(*args, save=True, name=file_name, overwrite=overwrite, **kwargs)
            except (VarpyError, ValueError, TypeError, KeyError) as exc:
                raise _located(exc, spec, ("figures", j)) from None
            fig.clear()  # free the memory now: a run may draw many figures
    after = _figure_records(selected)
    for rec in after[len(before):]:
        written.extend(rec.get("files", []))
    return written


def _figure_records(project) -> list:
    return list(project.store.read_manifest().get("figures", []))


def _json(data) -> str:
    import json

    from varpy.management.models import to_builtin

    return json.dumps(to_builtin(data), indent=1, ensure_ascii=False, default=str)


def _write_tables(project, spec: Spec, result: RunResult, objects: dict, scores: dict,
                  mag_results: dict, overwrite: bool) -> list[str]:
    """Every result of the run as ``Output/NAME.csv`` + ``.json`` (:mod:`varpy.write`)."""
    import pandas as pd

    from varpy import write

    root = project.path
    written = [_write_output(project, "spec.json", _json(spec.to_dict()), overwrite=True,
                             what="normalised spec of the run")]

    def put(obj, name, **kw):
        for path in write.write_result(project, obj, name, overwrite=overwrite, **kw):
            written.append(str(Path(path).relative_to(root)))

    if result.completeness:
        key = result.completeness["datatype"]
        for label, obj in mag_results.items():
            name = f"b-{obj.method}-{key}" if label == "b_value" else f"mc-{label}-{key}"
            put(obj, name, datatype=key)
    for exp in spec.data["experiments"]:
        prov = {"experiment": {"name": exp["name"], "type": exp["type"],
                               "variant": exp["variant"], "spec": result.spec}}
        kw = {"datatype": exp["datatype"] if exp["station"] is None
              else f"{exp['datatype']}-{exp['station']}", "provenance": prov}
        if exp["type"] == "single":
            rows = []
            for r in (r for r in result.experiments if r["name"] == exp["name"]):
                row = {"model": r["model"], "status": r["status"]}
                for key in ("n_events", "mc", "loglik", "aic", "bic", "failure_time"):
                    row[key] = r.get(key)
                for k, v in (r.get("params") or {}).items():
                    row[k] = v
                    row[f"{k}_stderr"] = (r.get("stderr") or {}).get(k)
                row["warnings"] = " | ".join(r.get("warnings", [])) or r.get("error", "")
                rows.append(row)
            table = pd.DataFrame(rows)
            if "failure_time" in table.columns:
                table["failure_time"] = pd.to_datetime(table["failure_time"], utc=True,
                                                       format="ISO8601") \
                    if spec.data["project"]["type"] == "volcanic" else table["failure_time"]
            put(table, f"{exp['name']}-models", **kw)
            for m in exp["models"]:
                if (exp["name"], m) in objects:
                    put(objects[(exp["name"], m)], f"{exp['name']}-{m}", **kw)
        else:
            for m in exp["models"]:
                res = objects.get((exp["name"], m))
                if res is None:
                    continue
                written.extend(write_experiment(project, res, f"{exp['name']}-{m}",
                                                datatype=kw["datatype"], provenance=prov,
                                                overwrite=overwrite))
                sc = scores.get((exp["name"], m))
                if sc is not None:
                    put(sc, f"{exp['name']}-{m}-scores", **kw)
    return written


def write_experiment(project, result, name: str, *, datatype=None, provenance=None,
                     overwrite: bool = False) -> list[str]:
    """Write the step table of a multiple analysis as ``Output/NAME.csv`` + ``.json``.

    The provenance records the experiment (id, model, window, step, known ``tf``, settings);
    the fits themselves stay in the datatype's models. Returns the paths relative to the
    project.
    """
    from varpy import write

    prov = dict(provenance or {})
    prov["experiment"] = dict(prov.get("experiment") or {}, id=result.experiment_id,
                              model=result.model, output_kind=result.output_kind,
                              t_min=result.t_min, t_max=result.t_max, t_step=result.t_step,
                              tf=result.tf, settings=result.settings)
    unit = result.axis.unit
    units = {"t_forc_rel": unit, "lead_time": unit, "tf": unit, "tf_ci_low": unit,
             "tf_ci_high": unit, "mc": "magnitude", "n_window": "events", "n_fit": "events"}
    paths = write.write_result(project, result.table, name,
                               datatype=datatype or result.kind, provenance=prov, units=units,
                               overwrite=overwrite)
    return [str(Path(p).relative_to(project.path)) for p in paths]


def _write_output(project, name: str, text: str, *, overwrite: bool, what: str) -> str:
    """Write ``Output/name`` atomically and record it in the manifest; returns the rel. path."""
    from varpy.exceptions import ProjectExistsError
    from varpy.management.store import atomic_write_text

    store = project.store
    path = store.safe_child("Output", name)
    if path.exists() and not overwrite:
        raise ProjectExistsError(f"{path} exists; set project.if_exists to 'overwrite'")
    atomic_write_text(path, text)
    rel = str(path.relative_to(store.path))
    store.record("outputs", {"name": name, "kind": "run", "files": [rel], "what": what})
    return rel


def _write_report(project) -> str:
    """``Output/report.html`` (and ``report.md``) rebuilt from the stored project."""
    from varpy.write import project_report

    paths = project_report(project, overwrite=True)
    html = next(p for p in paths if Path(p).suffix == ".html")
    return str(Path(html).relative_to(project.path))
