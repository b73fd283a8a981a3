"""Analysis commands: ``mc``, ``change``, ``decluster``, ``fit``, ``experiment`` and ``plot``.

They run one analysis of a project and print or return its record; the records are the spec
runner's (``_single_record`` and ``_multiple_record`` of :mod:`varpy.spec.steps`), so
``varpy fit`` and ``varpy run`` report a fit the same way.

May import: :mod:`varpy.cli.output`, :mod:`varpy.cli.arguments`, :mod:`varpy.exceptions`, and
lazily :mod:`varpy.preparation.windows`, :mod:`varpy.modelling.experiments`,
:mod:`varpy.visualization.forecasts` and the modules of :mod:`varpy.spec` (its figure
registry, executor, records and step-table writer).
"""
from __future__ import annotations

import math

from varpy.cli.arguments import (_catalogue_kind, _datatype, _executor_arg, _key_values, _mc_arg,
                                 _open, _progress, _selection, _time_arg)
from varpy.cli.output import UsageError, _Flagged, _Out
from varpy.exceptions import FitError
from varpy.modelling.intervals import DEFAULT_CI_METHOD


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
    periods = _periods_arg(getattr(args, "period", None))
    if periods:
        b = _period_b_value(dt, args, periods)
        lines.append(b.summary())
    elif math.isfinite(first.mc):
        b = dt.b_value(mc=first, method=args.b_method, dm=args.dm, store=not args.no_store)
        lines.append(b.summary())
    a_values = _a_values(dt, args, first)
    lines.extend(r.summary() for r in a_values.values())
    out.text("\n".join(lines))
    return {"project": str(project.path), "datatype": kind, "n": len(dt),
            "mc": {m: r.to_dict() for m, r in results.items()},
            "b_value": None if b is None else b.to_dict(),
            "a_values": {m: r.to_dict() for m, r in a_values.items()}}


_PERIOD_METHODS = ("weichert", "kijko_smit")


def _periods_arg(items) -> list | None:
    """``--period START,MC`` (repeatable) into ``[(start, mc), ...]``; START a date or a
    number (laboratory seconds)."""
    out = []
    for item in items or ():
        start, sep, mc = (s.strip() for s in str(item).rpartition(","))
        if not sep or not start:
            raise UsageError(f"--period {item!r} is not START,MC (e.g. 2003-01-01,1.5)")
        try:
            mc_value = float(mc)
        except ValueError:
            raise UsageError(f"--period {item!r}: Mc {mc!r} is not a number") from None
        try:
            start_value = float(start)
        except ValueError:
            start_value = start
        out.append((start_value, mc_value))
    return out or None


def _period_b_value(dt, args, periods):
    """Weichert or Kijko-Smit b on the completeness periods of ``--period``."""
    name = str(args.b_method).lower().replace("-", "_")
    if name not in _PERIOD_METHODS:
        raise UsageError(f"--period applies to --b-method {' or '.join(_PERIOD_METHODS)}, "
                         f"not {args.b_method}")
    return dt.b_value(method=name, periods=periods, dm=args.dm, store=not args.no_store)


def _a_values(dt, args, first) -> dict:
    """``--a-value METHOD`` (repeatable) at the first Mc, with ``--m-ref`` and ``--scaling``."""
    out = {}
    mc = first.mc if math.isfinite(first.mc) else None
    for method in getattr(args, "a_value", None) or ():
        res = dt.a_value(method, mc=mc, dm=args.dm, m_ref=args.m_ref, scaling=args.scaling,
                         store=not args.no_store)
        out[res.method] = res
    return out


def _ci_args(args) -> dict:
    """``ci_method`` and ``ci_options`` of the interval options (--ci-method, --ci-seed,
    --n-boot)."""
    opts = {}
    if getattr(args, "ci_seed", None) is not None:
        opts["seed"] = args.ci_seed
    if getattr(args, "n_boot", None) is not None:
        opts["n_boot"] = args.n_boot
    return {"ci_method": getattr(args, "ci_method", DEFAULT_CI_METHOD), "ci_options": opts}


def cmd_change(args, out: _Out) -> dict:
    from varpy.preparation import windows

    project = _open(args.project)
    kind = _catalogue_kind(project, args.kind)
    sel = _selection(args.select)
    target = windows.select(project, **sel) if sel else project
    dt = _datatype(target, kind)
    store = not args.no_store
    if args.statistic == "b":
        if args.mc is None:
            raise UsageError("change --statistic b needs --mc (the completeness magnitude)")
        res = dt.b_significance(float(args.mc), n_m=args.n_m, dm=args.dm, store=store)
    else:
        if args.window is None or args.bin is None:
            raise UsageError(f"change --statistic {args.statistic} needs --window and --bin")
        res = dt.rate_change(window=_time_arg(args.window),
                             bin_width=_time_arg(args.bin), step=_time_arg(args.step),
                             statistic=args.statistic, mode=args.mode, store=store)
    out.text(f"{kind.upper()} of {project.id!r}: {len(dt)} events\n{res.summary()}")
    return {"project": str(project.path), "datatype": kind, "n": len(dt),
            "result": res.to_dict()}


def cmd_decluster(args, out: _Out) -> dict:
    from varpy.preparation import windows

    project = _open(args.project)
    sel = _selection(args.select)
    target = windows.select(project, **sel) if sel else project
    dt = _datatype(target, "ecvd")
    params = _key_values(args.option, "--option")
    result = dt.decluster(args.method, store=not args.no_store, **params)
    out.text(f"ECVD of {project.id!r}: {len(dt)} events\n{result.summary()}")
    return {"project": str(project.path), "datatype": "ecvd", "n": len(dt),
            "method": result.method, "parameters": result.parameters,
            "n_clusters": result.n_clusters,
            "background_fraction": result.background_fraction,
            "labels": result.to_dict() if args.labels else None}


def cmd_fit(args, out: _Out) -> dict:
    from varpy.modelling.experiments import single_analysis
    from varpy.spec.steps import _single_record

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
    from varpy.spec.executor import open_executor
    from varpy.spec.outputs import write_experiment
    from varpy.spec.schema import EXPERIMENT_TYPES
    from varpy.spec.steps import _multiple_record, _single_record

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
    from varpy.spec.schema import FIGURES, known_figures

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
