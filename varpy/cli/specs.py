"""The ``run`` command: check and run YAML workflow specs (:mod:`varpy.spec`).

May import: :mod:`varpy.cli.output`, :mod:`varpy.cli.arguments`, and lazily :mod:`varpy.spec`.
"""
from __future__ import annotations

from pathlib import Path

from varpy.cli.arguments import _executor_arg, _progress
from varpy.cli.output import _Flagged, _Out


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
