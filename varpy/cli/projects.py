"""Project commands: ``create``, ``add``, ``summary`` and ``report``.

May import: :mod:`varpy.cli.output`, :mod:`varpy.cli.arguments`, and lazily
:mod:`varpy.exceptions`, :mod:`varpy.management.core`, :mod:`varpy.management.store` and
:mod:`varpy.write`.
"""
from __future__ import annotations

from pathlib import Path

from varpy.cli.arguments import _key_values, _open
from varpy.cli.output import _Out


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


def cmd_inspect(args, out: _Out) -> dict:
    from varpy.exceptions import DataFormatError
    from varpy.management import importers
    from varpy.management.metadata import read_metadata

    options = _key_values(args.option, "--option")
    metadata = read_metadata(args.metadata) if args.metadata else None
    result = importers.sniff(args.file, kind=args.kind, format=args.format, metadata=metadata,
                             head=args.lines, **options)
    out.text(result.summary())
    if result.format is None:
        raise DataFormatError("no importer reads the file (their errors are listed above)",
                              path=args.file, expected="a format of 'varpy list importers'")
    return result.to_dict()


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


def cmd_report(args, out: _Out) -> dict:
    from varpy.write import project_report

    project = _open(args.project)
    paths = project_report(project, formats=tuple(args.format or ("html", "md")),
                           embed_figures=args.embed)
    out.text("\n".join(str(p) for p in paths))
    return {"project": str(project.path),
            "files": [str(Path(p).relative_to(project.path)) for p in paths]}
