"""The ``varpy`` command: projects, analyses, figures and whole YAML workflows from a shell.

Subcommands
-----------

==============  =================================================================================
``create``      create a project: ``varpy create Etna --type volcanic --root projects``
``add``         import a data file: ``varpy add projects/Etna ecvd cat.txt --metadata meta.txt``
``summary``     what a project holds
``mc``          completeness magnitude(s) and b-value of a catalogue
``fit``         fit one rate model on ``[start, end)`` (a single analysis)
``experiment``  a single or multiple analysis of one or more models (optionally on Dask)
``plot``        save a figure into the project's ``Figures/``
``report``      (re)write the project's ``Output/report.html``
``run``         run whole workflows from YAML specs (:mod:`varpy.spec`)
``list``        names the other commands accept (models, importers, methods, figures, ...)
==============  =================================================================================

Every subcommand accepts ``--json``: the answer is then one JSON object on stdout
(``{"ok": true, "command": ..., ...}``, or ``{"ok": false, "error": {...}, "exit_code": n}``),
strict JSON without NaN, for gateways and scripts. Messages, warnings and progress bars go to
stderr. ``--debug`` shows the full traceback of an error and debug logging.

Exit codes
----------
====  ==========================================================================================
0     success
1     usage or validation error: bad arguments, invalid spec (the message names the spec file,
      line and key), unknown model/method/importer/figure, path outside the allowed folders
2     data or project error: unreadable or invalid data or metadata file, no project at the
      path, project already exists, missing datatype
3     a fit did not give a trustworthy answer: it failed (too few events, ...) or it is flagged
      (its warnings are in the output). ``fit`` and single analyses return 3 by themselves;
      multiple analyses and ``run`` only with ``--strict`` (flagged steps are normal there and
      are counted in the output)
4     execution environment error: Dask missing or the scheduler unreachable, file system
      permissions
70    internal error (a bug: please report it with the output of ``--debug``)
130   interrupted (Ctrl-C)
====  ==========================================================================================

Examples
--------
>>> from varpy.cli import main
>>> main(["list", "models"])   # doctest: +ELLIPSIS
constant
...
0
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable

from varpy._json import jsonable
from varpy._version import __version__
from varpy.exceptions import (DataFormatError, FitError, InvalidIDError, SpecError, StoreError,
                              UnknownFormatError, VarpyError)

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_USAGE", "EXIT_DATA", "EXIT_FIT",
           "EXIT_ENVIRONMENT", "EXIT_INTERNAL", "EXIT_INTERRUPTED"]

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USAGE = 1
EXIT_DATA = 2
EXIT_FIT = 3
EXIT_ENVIRONMENT = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class UsageError(VarpyError, ValueError):
    """A command line that cannot be run as given (exit code 1)."""


class _Flagged(Exception):
    """Internal: the command finished, but its result is flagged (exit code 3)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises UsageError instead of exiting (so main() returns 1)."""

    def error(self, message):
        raise UsageError(message)


# ------------------------------------------------------------------------------------------------
# output
# ------------------------------------------------------------------------------------------------
def _clean(value):
    """JSON-able (varpy._json), with anything else written as its string form."""
    return jsonable(value, default=str)


class _Out:
    """Where a command's answer goes: text on stdout, or one JSON document."""

    def __init__(self, args):
        self.json = bool(getattr(args, "json", False))
        self.quiet = bool(getattr(args, "quiet", False))
        self.stdout = sys.stdout
        self.stderr = sys.stderr

    def text(self, text: str) -> None:
        if not self.json:
            print(text, file=self.stdout)

    def note(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stderr)

    def document(self, doc: dict) -> None:
        if self.json:
            print(json.dumps(_clean(doc), indent=1, ensure_ascii=False, allow_nan=False),
                  file=self.stdout)


# ------------------------------------------------------------------------------------------------
# argument helpers
# ------------------------------------------------------------------------------------------------
def _option_value(text: str):
    """A command-line value read as YAML (numbers, booleans, lists, null), else the string."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return text if isinstance(value, (dict,)) or value is None and text.strip() not in (
        "null", "~", "") else value


def _key_values(items, what: str) -> dict:
    out = {}
    for item in items or ():
        if "=" not in item:
            raise UsageError(f"{what} {item!r} is not KEY=VALUE")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key:
            raise UsageError(f"{what} {item!r} has no key")
        out[key] = _option_value(value)
    return out


def _selection(items) -> dict | None:
    """``--select KEY=MIN,MAX`` (empty side: open) into windows.select() criteria."""
    out: dict[str, Any] = {}
    for item in items or ():
        if "=" not in item:
            raise UsageError(f"--select {item!r} is not KEY=MIN,MAX (e.g. lat=37.5,38)")
        key, value = (s.strip() for s in item.split("=", 1))
        if key == "stations":
            out[key] = [s for s in value.split(",") if s]
            continue
        if key == "creep":
            out[key] = value.lower() in ("1", "true", "yes", "")
            continue
        parts = value.split(",")
        if len(parts) != 2:
            raise UsageError(f"--select {item!r}: give MIN,MAX (leave a side empty for none)")
        bounds = []
        for p in parts:
            p = p.strip()
            if not p:
                bounds.append(None)
            elif key == "time":
                bounds.append(p)
            else:
                try:
                    bounds.append(float(p))
                except ValueError:
                    raise UsageError(f"--select {item!r}: {p!r} is not a number") from None
        if key in ("time", "lat", "lon", "depth", "magnitude"):
            out[key] = tuple(bounds)
        else:
            out.setdefault("columns", {})[key] = tuple(bounds)
    return out or None


def _time_arg(value: str | None):
    """A time from the command line: seconds if numeric (laboratory), else the date string."""
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return value


def _mc_arg(value: str | None):
    if value is None or value.lower() in ("none", "null"):
        return None
    try:
        return float(value)
    except ValueError:
        return value.lower()


def _executor_arg(value: str | None) -> dict | None:
    """``serial``, ``local`` / ``local:N`` or a scheduler address ``tcp://host:port``."""
    if value is None:
        return None
    v = value.strip()
    if v == "serial":
        return {"type": "serial"}
    if v == "local" or v.startswith("local:"):
        n = v.split(":", 1)[1] if ":" in v else "2"
        if not n.isdigit() or int(n) < 1:
            raise UsageError(f"--executor {value!r}: local:N needs a positive worker count")
        return {"type": "local", "n_workers": int(n), "threads_per_worker": 1}
    if "://" in v:
        return {"type": "dask", "address": v}
    raise UsageError(f"--executor {value!r}: give serial, local, local:N or a scheduler "
                     "address such as tcp://host:8786")


def _open(path: str):
    from varpy.management.core import open as open_project

    return open_project(Path(path))


def _datatype(project, kind: str, station: str | None = None):
    try:
        return project.get(kind, station)
    except KeyError as exc:
        raise StoreError(str(exc.args[0] if exc.args else exc)) from None


def _progress(args) -> bool:
    if getattr(args, "no_progress", False) or getattr(args, "json", False) or \
            getattr(args, "quiet", False):
        return False
    return sys.stderr.isatty()


# ------------------------------------------------------------------------------------------------
# commands
# ------------------------------------------------------------------------------------------------
def cmd_create(args, out: _Out) -> dict:
    from varpy.exceptions import ProjectExistsError
    from varpy.management.core import Laboratory, Volcanic
    from varpy.management.store import ProjectStore, validate_id

    validate_id(args.id)
    root = Path(args.root)
    if ProjectStore(root, args.id).exists() and not args.exist_ok:
        raise ProjectExistsError(f"a project already exists at {root / args.id}; use "
                                 "--exist-ok to accept it")
    root.mkdir(parents=True, exist_ok=True)
    cls = Volcanic if args.type == "volcanic" else Laboratory
    project = cls(args.id, root=root)
    out.text(f"{args.type} project {project.id!r} at {project.path}")
    return {"project": str(project.path), "id": project.id, "type": args.type}


def cmd_add(args, out: _Out) -> dict:
    from varpy.management.core import datatype_key

    project = _open(args.project)
    options = _key_values(args.option, "--option")
    dt = project.add_datatype(args.kind, args.file, args.metadata, station=args.station,
                              format=args.format, overwrite=args.overwrite, **options)
    key = datatype_key(dt)
    out.text(f"added {key} to {project.id!r}: {len(dt)} rows\n{dt.summary()}")
    start, end = dt.time_span
    return {"project": str(project.path), "datatype": key, "rows": len(dt),
            "format": dt.metadata.get("format"), "start": start, "end": end}


def _datatype_record(dt) -> dict:
    start, end = dt.time_span
    return {"kind": dt.kind, "station": dt.station, "rows": len(dt), "start": start,
            "end": end, "columns": [str(c) for c in dt.dataset.columns],
            "selection": dt.selection,
            "models": {name: len(m.outputs) for name, m in dt.models.items()},
            "analyses": sorted(dt.outputs)}


def cmd_summary(args, out: _Out) -> dict:
    project = _open(args.project)
    out.text(project.summary())
    manifest = project.store.read_manifest()
    return {"project": str(project.path), "id": project.id, "type": project.project_type,
            "datatypes": {k: _datatype_record(dt) for k, dt in project.datatypes().items()},
            "figures": [f for rec in manifest.get("figures", []) for f in rec.get("files", [])],
            "outputs": [f for rec in manifest.get("outputs", []) for f in rec.get("files", [])]}


def _catalogue_kind(project, kind: str | None) -> str:
    if kind:
        return kind
    return "ecld" if project.project_type == "laboratory" else "ecvd"


def cmd_mc(args, out: _Out) -> dict:
    from varpy.preparation import windows

    project = _open(args.project)
    kind = _catalogue_kind(project, args.kind)
    sel = _selection(args.select)
    target = windows.select(project, **sel) if sel else project
    dt = _datatype(target, kind)
    methods = args.method or ["maxc"]
    options = _key_values(args.option, "--option")
    if args.legacy:
        options["legacy"] = True
    results = {}
    lines = [f"{kind.upper()} of {project.id!r}: {len(dt)} events"]
    for method in methods:
        res = dt.mc(method, dm=args.dm, store=not args.no_store, **options)
        results[method] = res
        lines.append(res.summary())
    first = results[methods[0]]
    b = None
    if math.isfinite(first.mc):
        b = dt.b_value(mc=first, method=args.b_method, dm=args.dm, store=not args.no_store)
        lines.append(b.summary())
    out.text("\n".join(lines))
    return {"project": str(project.path), "datatype": kind, "n": len(dt),
            "mc": {m: r.to_dict() for m, r in results.items()},
            "b_value": None if b is None else b.to_dict()}


def _ci_args(args) -> dict:
    """``ci_method`` and ``ci_options`` of the interval options."""
    opts = {}
    if getattr(args, "ci_seed", None) is not None:
        opts["seed"] = args.ci_seed
    if getattr(args, "n_boot", None) is not None:
        opts["n_boot"] = args.n_boot
    return {"ci_method": getattr(args, "ci_method", "profile"), "ci_options": opts}


def cmd_fit(args, out: _Out) -> dict:
    from varpy.modelling.experiments import single_analysis
    from varpy.spec import _single_record

    project = _open(args.project)
    kind = _catalogue_kind(project, args.kind)
    options = _key_values(args.option, "--option")
    fit = single_analysis(project, args.model, kind=kind, station=args.station,
                          t_min=_time_arg(args.start), t_max=_time_arg(args.end),
                          tf=_time_arg(args.tf), filters=_selection(args.select),
                          mc=_mc_arg(args.mc), legacy=args.legacy, name=args.name,
                          store=not args.no_store, warn=False, **_ci_args(args), **options)
    calendar = project.project_type == "volcanic"
    record = _single_record(fit, calendar)
    text = fit.summary()
    if record.get("failure_time"):
        text += f"\n  failure time: {record['failure_time']}"
    out.text(text)
    doc = {"project": str(project.path), "datatype": kind, "model": fit.model,
           "status": record["status"], "failure_time": record.get("failure_time"),
           "flagged": bool(fit.warnings), "fit": fit.to_dict()}
    if fit.warnings:
        raise _Flagged(doc)
    return doc


def cmd_experiment(args, out: _Out) -> dict:
    from varpy.modelling.experiments import multiple_analysis, single_analysis
    from varpy.spec import (EXPERIMENT_TYPES, _multiple_record, _single_record, open_executor,
                            write_experiment)

    project = _open(args.project)
    kind = _catalogue_kind(project, args.kind)
    etype = EXPERIMENT_TYPES[args.type]
    calendar = project.project_type == "volcanic"
    options = _key_values(args.option, "--option")
    common = dict(kind=kind, station=args.station, filters=_selection(args.select),
                  mc=_mc_arg(args.mc), legacy=args.legacy, store=not args.no_store,
                  **_ci_args(args), **options)
    records, texts = [], []
    if etype == "single":
        if args.t_step is not None:
            raise UsageError("--t-step applies to --type multiple only")
        for model in args.models:
            try:
                fit = single_analysis(project, model, t_min=_time_arg(args.t_min),
                                      t_max=_time_arg(args.t_max), tf=_time_arg(args.tf),
                                      warn=False, **common)
            except FitError as exc:
                records.append({"model": model, "status": "failed", "error": str(exc)})
                texts.append(f"{model}: fit failed: {exc}")
                continue
            rec = dict(model=model, **_single_record(fit, calendar))
            records.append(rec)
            texts.append(fit.summary())
    else:
        if args.t_step is None:
            raise UsageError("--type multiple needs --t-step (days, or seconds for a "
                             "laboratory)")
        if args.min_events is not None:
            common["min_events"] = args.min_events
        if args.horizon is not None:
            common["horizon"] = _time_arg(args.horizon)
        with open_executor(_executor_arg(args.executor)) as client:
            for model in args.models:
                res = multiple_analysis(project, model, t_min=_time_arg(args.t_min),
                                        t_max=_time_arg(args.t_max), t_step=args.t_step,
                                        tf=_time_arg(args.tf), executor=client,
                                        progress=_progress(args), **common)
                rec = dict(_multiple_record(res, {"name": args.name or "experiment"}),
                           model=model)
                rec.pop("_scores", None)
                if args.write:
                    rec["files"] = write_experiment(
                        project, res, f"{args.name or 'experiment'}-{res.model}-"
                        f"{res.experiment_id}", datatype=kind)
                records.append(rec)
                texts.append(res.summary())
    out.text("\n".join(texts))
    doc = {"project": str(project.path), "datatype": kind, "type": etype, "results": records}
    single_bad = etype == "single" and any(r["status"] != "ok" for r in records)
    multiple_bad = etype == "multiple" and args.strict and any(
        r.get("flagged_steps") for r in records)
    if single_bad or multiple_bad:
        raise _Flagged(doc)
    return doc


def cmd_plot(args, out: _Out) -> dict:
    from varpy.spec import FIGURES, known_figures

    project = _open(args.project)
    figures = known_figures()
    func = figures[args.figure]
    source = FIGURES[args.figure][2]
    options = _key_values(args.option, "--option")
    kind = _catalogue_kind(project, args.kind)
    before = len(project.store.read_manifest().get("figures", []))
    common = dict(save=True, name=args.name, formats=tuple(args.format or ("png",)),
                  overwrite=args.overwrite)
    if source == "data":
        func(project, **common, **options)
    elif source in ("fit", "experiment"):
        dt = _datatype(project, kind, args.station)
        models = args.model or [None]
        for model in models:
            kw = dict(common)
            if args.name and len(models) > 1:
                kw["name"] = f"{args.name}-{model}"
            func(dt, model=model, **kw, **options)   # the model's last stored output(s)
    else:  # model comparison from the stored forecasts of several models
        from varpy.visualization.forecasts import forecast_table

        dt = _datatype(project, kind, args.station)
        models = args.model or sorted(dt.models)
        func({m: forecast_table(dt, m) for m in models}, dt, **common, **options)
    records = project.store.read_manifest().get("figures", [])[before:]
    files = [f for rec in records for f in rec.get("files", [])]
    out.text("\n".join(str(project.path / f) for f in files))
    return {"project": str(project.path), "figure": args.figure, "files": files}


def cmd_report(args, out: _Out) -> dict:
    from varpy.write import project_report

    project = _open(args.project)
    paths = project_report(project, formats=tuple(args.format or ("html", "md")),
                           embed_figures=args.embed)
    out.text("\n".join(str(p) for p in paths))
    return {"project": str(project.path),
            "files": [str(Path(p).relative_to(project.path)) for p in paths]}


def cmd_run(args, out: _Out) -> dict:
    from varpy import spec as specmod

    allowed = [Path(a) for a in (args.allow or [])]
    specs, problems = [], []
    for path in args.specs:
        found = specmod.check_spec(path, workdir=args.workdir, allowed_roots=allowed)
        if found:
            problems.extend(found)
        else:
            specs.append(specmod.load_spec(path, workdir=args.workdir, allowed_roots=allowed))
    if problems:
        first = problems[0]
        first.problems = problems
        raise first
    executor = _executor_arg(args.executor)
    if args.check:
        for s in specs:
            out.text(f"{s.path}: valid\n{s.summary()}")
        return {"valid": True, "specs": [s.to_dict() for s in specs]}
    if len(specs) == 1:
        s = specs[0]
        if executor is not None:
            s.data["executor"] = dict({"n_workers": None, "threads_per_worker": None,
                                       "address": None}, **executor)
        results = [specmod.run_spec(s, progress=_progress(args))]
    else:
        with specmod.open_executor(executor) as client:
            results = specmod.run_specs(specs, executor=client, progress=_progress(args))
    for r in results:
        out.text(r.summary())
    doc = {"results": [r.to_dict() for r in results]}
    if args.strict and any(r.flagged or r.flagged_steps for r in results):
        raise _Flagged(doc)
    return doc


def cmd_list(args, out: _Out) -> dict:
    names = _listing(args.what)
    out.text("\n".join(names))
    return {"what": args.what, "names": names}


def _listing(what: str) -> list[str]:
    if what == "models":
        from varpy.modelling.models import available_models

        return available_models()
    if what == "importers":
        from varpy.management import importers

        return sorted(importers.available())
    if what == "mc-methods":
        from varpy.spec import _mc_methods

        return list(_mc_methods())
    if what == "b-methods":
        from varpy.spec import _b_methods

        return list(_b_methods())
    if what == "figures":
        from varpy.spec import known_figures

        return sorted(known_figures())
    if what == "experiment-types":
        from varpy.spec import EXPERIMENT_TYPES

        return sorted(EXPERIMENT_TYPES)
    from varpy import simulation

    return sorted(simulation.available_simulators())


_LISTS = ("models", "importers", "mc-methods", "b-methods", "figures", "experiment-types",
          "simulators")


# ------------------------------------------------------------------------------------------------
# parser
# ------------------------------------------------------------------------------------------------
def _common(suppress: bool) -> argparse.ArgumentParser:
    default = argparse.SUPPRESS if suppress else None
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("output")
    g.add_argument("--json", action="store_true", default=default if suppress else False,
                   help="print one JSON document on stdout (machine-readable)")
    g.add_argument("--debug", action="store_true", default=default if suppress else False,
                   help="debug logging and full tracebacks")
    g.add_argument("-q", "--quiet", action="store_true", default=default if suppress else False,
                   help="no messages or warnings on stderr")
    g.add_argument("-v", "--verbose", action="store_true",
                   default=default if suppress else False, help="informational logging")
    g.add_argument("--no-progress", action="store_true",
                   default=default if suppress else False, help="no progress bars")
    return p


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``varpy`` command."""
    common = _common(suppress=True)
    parser = _Parser(prog="varpy", parents=[_common(suppress=False)],
                     description="Volcanic and laboratory failure forecasting (varpy "
                                 f"{__version__}). Exit codes: 0 ok, 1 usage/validation, "
                                 "2 data/project, 3 fit failed or flagged, 4 environment, "
                                 "70 internal error.")
    parser.add_argument("--version", action="version", version=f"varpy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def add(name, func: Callable, help: str):
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(func=func)
        return p

    p = add("create", cmd_create, "create a project folder ROOT/ID")
    p.add_argument("id", help="project ID (letters, digits, '.', '_', '-')")
    p.add_argument("--type", required=True, choices=("volcanic", "laboratory"))
    p.add_argument("--root", default=".", help="folder holding projects (default: .)")
    p.add_argument("--exist-ok", action="store_true", help="accept an existing project")

    p = add("add", cmd_add, "import a data file into a project")
    p.add_argument("project", help="project folder (ROOT/ID)")
    p.add_argument("kind", choices=("ecvd", "scvd", "evd", "ecld", "scld"))
    p.add_argument("file", help="data file")
    p.add_argument("--metadata", help="metadata file (VarPy two-line table or YAML)")
    p.add_argument("--format", help="importer (see 'varpy list importers')")
    p.add_argument("--station", help="station name (scvd)")
    p.add_argument("--overwrite", action="store_true", help="replace the datatype if present")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="importer option (repeatable)")

    p = add("summary", cmd_summary, "what a project holds")
    p.add_argument("project")

    p = add("mc", cmd_mc, "completeness magnitude and b-value of a catalogue")
    p.add_argument("project")
    p.add_argument("--kind", choices=("ecvd", "ecld"), help="catalogue (default by project)")
    p.add_argument("--method", action="append", help="maxc, gft, mbs, emr, ks (repeatable; "
                                                     "the first gives the b-value)")
    p.add_argument("--dm", type=float, default=0.1, help="magnitude bin width (0.1)")
    p.add_argument("--b-method", default="tinti_mulargia",
                   help="tinti_mulargia, utsu, aki, b_positive")
    p.add_argument("--legacy", action="store_true", help="VarPy 2016 Mc rules")
    p.add_argument("--select", action="append", metavar="KEY=MIN,MAX",
                   help="window first: time, lat, lon, depth, magnitude or a column")
    p.add_argument("--option", action="append", metavar="KEY=VALUE", help="Mc method option")
    p.add_argument("--no-store", action="store_true", help="do not record in the project")

    def analysis_options(p, single_model: bool):
        p.add_argument("--kind", choices=("ecvd", "ecld"))
        p.add_argument("--station")
        p.add_argument("--tf", help="known failure time (retrospective)")
        p.add_argument("--mc", help="completeness: a magnitude or a method (maxc, gft, ...)")
        p.add_argument("--legacy", action="store_true", help="reproduce VarPy 2016")
        p.add_argument("--select", action="append", metavar="KEY=MIN,MAX", help="filter")
        p.add_argument("--ci-method", choices=("profile", "clustered", "bootstrap"),
                       default="profile", help="interval of tf: profile (Poisson, assumes "
                       "independent events), clustered (ETAS profile) or bootstrap")
        p.add_argument("--ci-seed", type=int, help="seed of the bootstrap interval")
        p.add_argument("--n-boot", type=int, help="bootstrap replicates (default 200)")
        p.add_argument("--option", action="append", metavar="KEY=VALUE",
                       help="fit option (ci_level, n_starts, ...)")
        p.add_argument("--no-store", action="store_true", help="do not record in the project")

    p = add("fit", cmd_fit, "fit one rate model on [start, end) (single analysis)")
    p.add_argument("project")
    p.add_argument("model", help="see 'varpy list models'")
    p.add_argument("--start", required=True, help="window start (date, or lab seconds)")
    p.add_argument("--end", required=True, help="window end")
    p.add_argument("--name", help="key of the output in the datatype's models")
    analysis_options(p, True)

    p = add("experiment", cmd_experiment, "single or multiple analysis of one or more models")
    p.add_argument("project")
    p.add_argument("models", nargs="+", metavar="MODEL")
    p.add_argument("--type", required=True, choices=sorted(
        ("single", "multiple", "single_forecast", "retrospective_analysis",
         "retrospective_forecast", "single_analysis", "multiple_analysis")))
    p.add_argument("--t-min", required=True)
    p.add_argument("--t-max", required=True)
    p.add_argument("--t-step", type=float, help="step (days or lab seconds; multiple)")
    p.add_argument("--min-events", type=int)
    p.add_argument("--horizon", help="probability of failure within this lead (multiple)")
    p.add_argument("--executor", help="serial, local, local:N or tcp://scheduler:8786")
    p.add_argument("--name", help="label of the experiment's output files")
    p.add_argument("--write", action="store_true", help="write the step tables to Output/")
    p.add_argument("--strict", action="store_true", help="exit 3 if any step is flagged")
    analysis_options(p, False)

    p = add("plot", cmd_plot, "save a figure into the project's Figures/")
    p.add_argument("project")
    p.add_argument("figure", help="see 'varpy list figures'")
    p.add_argument("--kind", choices=("ecvd", "ecld"))
    p.add_argument("--station")
    p.add_argument("--model", action="append", help="model output to draw (repeatable)")
    p.add_argument("--name", help="file stem")
    p.add_argument("--format", action="append", choices=("png", "pdf", "svg"))
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="plotting option (repeatable)")

    p = add("report", cmd_report, "write Output/report.html (and .md) of a project")
    p.add_argument("project")
    p.add_argument("--format", action="append", choices=("html", "md"))
    p.add_argument("--embed", action="store_true", help="embed figures in the HTML")

    p = add("run", cmd_run, "run workflows from YAML specs")
    p.add_argument("specs", nargs="+", metavar="SPEC", help="spec file(s); several run as a "
                                                            "batch")
    p.add_argument("--check", action="store_true", help="validate only")
    p.add_argument("--allow", action="append", metavar="DIR",
                   help="another folder the spec may read and write in (repeatable)")
    p.add_argument("--workdir", help="folder the project root is resolved against (default: "
                                     "the current directory)")
    p.add_argument("--executor", help="override the spec: serial, local, local:N or "
                                      "tcp://scheduler:8786")
    p.add_argument("--strict", action="store_true",
                   help="exit 3 if any fit is flagged, multiple-analysis steps included")

    p = add("list", cmd_list, "names accepted by the other commands")
    p.add_argument("what", choices=_LISTS)
    return parser


# ------------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------------
def _exit_code(exc: BaseException) -> int:
    from varpy.preparation.windows import SelectionError
    from varpy.spec import ExecutorError

    if isinstance(exc, ExecutorError):
        return EXIT_ENVIRONMENT
    if isinstance(exc, (UsageError, SpecError, UnknownFormatError, InvalidIDError,
                        SelectionError)):
        return EXIT_USAGE
    if isinstance(exc, FitError):
        return EXIT_FIT
    if isinstance(exc, DataFormatError):
        # a located problem in a file is a data error; a bad value for a key is a usage error
        return EXIT_DATA if exc.path is not None or exc.line is not None \
            or exc.key is None else EXIT_USAGE
    if isinstance(exc, StoreError):
        return EXIT_DATA
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError)):
        return EXIT_DATA
    if isinstance(exc, VarpyError):
        return EXIT_DATA
    if isinstance(exc, (PermissionError, ImportError, OSError)):
        return EXIT_ENVIRONMENT
    return EXIT_INTERNAL


def _error_record(exc: BaseException, *, nested: bool = True) -> dict:
    rec = {"type": type(exc).__name__, "message": str(exc)}
    for attr in ("path", "line", "column", "key", "expected"):
        value = getattr(exc, attr, None)
        if value is not None:
            rec[attr] = value
    notes = getattr(exc, "__notes__", None)
    if notes:
        rec["notes"] = list(notes)
    problems = getattr(exc, "problems", None) if nested else None
    if problems and len(problems) > 1:
        rec["problems"] = [_error_record(p, nested=False) for p in problems]
    return rec


def _error_text(exc: BaseException) -> str:
    problems = getattr(exc, "problems", None)
    if problems and len(problems) > 1:
        lines = [f"varpy: error: {len(problems)} problems"]
        lines += [f"  {p}" for p in problems]
    else:
        lines = [f"varpy: error: {exc}"]
    lines += [f"  {n}" for n in getattr(exc, "__notes__", None) or ()]
    return "\n".join(lines)


def _setup_logging(args) -> None:
    level = logging.DEBUG if getattr(args, "debug", False) else (
        logging.INFO if getattr(args, "verbose", False) else logging.WARNING)
    logger = logging.getLogger("varpy")
    for h in list(logger.handlers):
        if getattr(h, "_varpy_cli", False):
            logger.removeHandler(h)
    if getattr(args, "quiet", False):
        level = logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler._varpy_cli = True
    handler.setFormatter(logging.Formatter("varpy: %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


def main(argv: list[str] | None = None) -> int:
    """Run the ``varpy`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    Nothing calls :func:`sys.exit`, so tests and other programs can call it in-process.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    wants_json = "--json" in argv
    debug = "--debug" in argv
    out_probe = argparse.Namespace(json=wants_json, quiet="-q" in argv or "--quiet" in argv)
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        out = _Out(out_probe)
        if not wants_json:
            parser.print_usage(sys.stderr)
        print(f"varpy: error: {exc}", file=sys.stderr)
        out.document({"ok": False, "error": _error_record(exc), "exit_code": EXIT_USAGE})
        return EXIT_USAGE
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    out = _Out(args)
    _setup_logging(args)
    caught: list[str] = []
    code = EXIT_OK
    doc: dict = {}
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            try:
                doc = args.func(args, out) or {}
            finally:
                for w in record:
                    text = f"{w.category.__name__}: {w.message}"
                    if text not in caught:
                        caught.append(text)
    except _Flagged as flagged:
        doc = flagged.args[0]
        code = EXIT_FIT
    except KeyboardInterrupt:
        print("varpy: interrupted", file=sys.stderr)
        out.document({"ok": False, "error": {"type": "KeyboardInterrupt",
                                             "message": "interrupted"},
                      "exit_code": EXIT_INTERRUPTED})
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - every error becomes an exit code and a message
        code = _exit_code(exc)
        if debug or code == EXIT_INTERNAL:
            traceback.print_exception(exc, file=sys.stderr)
        if code == EXIT_INTERNAL:
            print("varpy: internal error (a bug); please report it with the traceback above",
                  file=sys.stderr)
        else:
            print(_error_text(exc), file=sys.stderr)
        out.document({"ok": False, "command": args.command, "error": _error_record(exc),
                      "exit_code": code, "warnings": caught})
        return code
    if caught and not getattr(args, "json", False):
        shown = caught[:5]
        for text in shown:
            out.note(f"varpy: warning: {text}")
        if len(caught) > len(shown):
            out.note(f"varpy: ... and {len(caught) - len(shown)} more distinct warnings")
    if code == EXIT_FIT:
        out.note("varpy: a fit failed or is flagged (exit code 3); see the warnings above")
    out.document(dict({"ok": code == EXIT_OK, "command": args.command, "exit_code": code,
                       "warnings": caught}, **doc))
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
