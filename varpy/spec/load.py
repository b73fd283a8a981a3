"""Validating a spec: ``parse_spec`` (text), ``check_spec`` and ``load_spec`` (files).

:func:`~varpy.spec.parse_spec` reads the YAML (:mod:`varpy.spec.reading`), checks every section
(:mod:`varpy.spec.sections`) and what ties them together (the datatypes experiments use are
imported, the figures have results to draw), and returns the normalised
:class:`~varpy.spec.Spec` or every problem, sorted by line.

May import: :mod:`varpy.spec.reading`, :mod:`varpy.spec.check`, :mod:`varpy.spec.sections`,
:mod:`varpy.spec.schema`, :mod:`varpy.exceptions`, and lazily :mod:`varpy.management.store`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from varpy.exceptions import InvalidIDError, SpecError
from varpy.spec.check import _Checker, _type_name
from varpy.spec.reading import _compose, _read_text
from varpy.spec.schema import (_CATALOGUES, _IF_EXISTS, _PROJECT_TYPES, _TOP, FIGURES,
                               SPEC_VERSION, Spec, _model_names)
from varpy.spec.sections import (_check_completeness, _check_data, _check_decluster,
                                 _check_executor, _check_experiment, _check_figures,
                                 _check_models, _check_select)


def parse_spec(text: str, *, path=None, workdir=None,
               allowed_roots=()) -> tuple[Spec | None, list[SpecError]]:
    """Validate spec text; returns ``(spec, problems)`` (spec is None when there are problems).

    ``path`` is the spec file the text came from: relative input paths are resolved against
    its folder (or against ``workdir`` when ``path`` is None).
    """
    spec_path = None if path is None else Path(path).resolve()
    workdir = Path.cwd() if workdir is None else Path(workdir)
    workdir = workdir.resolve()
    base = workdir if spec_path is None else spec_path.parent
    allowed = tuple(Path(a).resolve() for a in allowed_roots)
    shown = None if path is None else str(path)
    try:
        raw, marks = _compose(text, shown)
    except SpecError as exc:
        return None, [exc]
    chk = _Checker(shown, marks)
    if not isinstance(raw, dict):
        chk.fail((), f"the spec must be a mapping of sections, not {_type_name(raw)}",
                 "keys " + ", ".join(_TOP))
        return None, chk.problems
    chk.mapping((), raw, _TOP, required=("project",))
    version = raw.get("varpy", SPEC_VERSION)
    if version != SPEC_VERSION:
        chk.fail(("varpy",), f"unsupported spec version {version!r}", f"varpy: {SPEC_VERSION}")
    out: dict[str, Any] = {"varpy": SPEC_VERSION,
                           "description": str(raw.get("description") or "")}

    # project ------------------------------------------------------------------------------------
    proj = chk.mapping(("project",), raw.get("project", {}),
                       ("type", "id", "root", "if_exists"), required=("type", "id"))
    ptype = chk.string(("project", "type"), proj["type"], choices=tuple(_PROJECT_TYPES),
                       what="project type") if "type" in proj else None
    pid = None
    if "id" in proj:
        from varpy.management.store import validate_id

        try:
            pid = validate_id(proj["id"] if isinstance(proj["id"], str) else str(proj["id"]))
        except InvalidIDError as exc:
            chk.fail(("project", "id"), str(exc), "letters, digits, '.', '_' or '-'")
    root = chk.path(("project", "root"), proj.get("root", "varpy_projects"),
                    bases=(workdir,), allowed=(workdir, base) + allowed, must_exist=False,
                    what="project root")
    if_exists = chk.string(("project", "if_exists"), proj.get("if_exists", "error"),
                           choices=_IF_EXISTS, what="if_exists policy")
    out["project"] = {"type": ptype, "id": pid, "root": None if root is None else str(root),
                      "if_exists": if_exists}
    kinds = _PROJECT_TYPES.get(ptype, ("ecvd", "evd", "scvd", "ecld", "scld"))
    calendar = ptype != "laboratory"

    # data ---------------------------------------------------------------------------------------
    out["data"] = _check_data(chk, raw.get("data", []), kinds, base, (base,) + allowed)
    if not out["data"] and if_exists != "reuse":
        chk.fail(("data",), "no data sources: nothing to import",
                 "a list of {kind, file, metadata} entries, or project.if_exists: reuse")

    # select -------------------------------------------------------------------------------------
    out["select"] = _check_select(chk, raw.get("select", {}) or {}, calendar)

    # decluster ---------------------------------------------------------------------------------
    out["decluster"] = _check_decluster(chk, raw.get("decluster"), kinds)

    # completeness ------------------------------------------------------------------------------
    catalogue = next((k for k in _CATALOGUES if k in kinds), "ecvd")
    out["completeness"] = _check_completeness(chk, raw.get("completeness"), catalogue, kinds)

    # models -------------------------------------------------------------------------------------
    model_names = _model_names()
    models = _check_models(chk, ("models",), raw.get("models", []), model_names)
    out["models"] = models

    # experiments --------------------------------------------------------------------------------
    if "experiment" in raw and "experiments" in raw:
        chk.fail(("experiment",), "give either 'experiment' (one) or 'experiments' (a list)",
                 "one of the two keys", at_key=True)
    if "experiment" in raw:
        exps, key = [raw["experiment"]], ("experiment",)
        single = True
    else:
        exps, key = chk.sequence(("experiments",), raw.get("experiments", [])), ("experiments",)
        single = False
    default_mc = (out["completeness"] or {}).get("methods", [None])[0]
    out["experiments"] = []
    names_seen: set = set()
    exp_keys: list[tuple] = []
    for i, exp in enumerate(exps):
        kp = key if single else key + (i,)
        e = _check_experiment(chk, kp, exp, i, calendar, catalogue, kinds, models, model_names,
                              default_mc)
        if e is None:
            continue
        if e["name"] in names_seen:
            chk.fail(kp + ("name",), f"experiment name {e['name']!r} is used twice",
                     "unique names")
        names_seen.add(e["name"])
        out["experiments"].append(e)
        exp_keys.append(kp)

    imported = {src["kind"] for src in out["data"]}
    if if_exists != "reuse" and out["data"] and None not in imported:
        checks = [(("completeness", "datatype"), (out["completeness"] or {}).get("datatype"))]
        checks += [(kp + ("datatype",), e["datatype"])
                   for kp, e in zip(exp_keys, out["experiments"])]
        for kp, kind in checks:
            if kind is not None and kind not in imported:
                chk.fail(kp, f"{kind} is not among the imported data "
                         f"({', '.join(sorted(imported))})", f"a data source with kind: {kind}")

    # figures ------------------------------------------------------------------------------------
    out["figures"] = _check_figures(chk, raw.get("figures", []))
    types = {e["type"] for e in out["experiments"]}
    for j, f in enumerate(out["figures"]):
        need = FIGURES[f["name"]][2]
        want = {"fit": "single", "experiment": "multiple", "experiments": "multiple"}.get(need)
        if want is not None and want not in types:
            chk.fail(("figures", j), f"figure {f['name']!r} draws the results of {want} "
                     "analyses, and this spec runs none", f"an experiment with type: {want}")

    # outputs ------------------------------------------------------------------------------------
    o = chk.mapping(("outputs",), raw.get("outputs", {}) or {}, ("tables", "report"))
    out["outputs"] = {"tables": bool(chk.boolean(("outputs", "tables"), o.get("tables", True))),
                      "report": bool(chk.boolean(("outputs", "report"), o.get("report", True)))}

    # executor -----------------------------------------------------------------------------------
    out["executor"] = _check_executor(chk, raw.get("executor", {}) or {})

    if chk.problems:
        return None, sorted(chk.problems, key=lambda e: (e.line is None, e.line or 0))
    return Spec(path=spec_path, data=out, workdir=workdir, allowed_roots=allowed), []


def check_spec(path, *, workdir=None, allowed_roots=()) -> list[SpecError]:
    """Every problem of the spec file at ``path`` (empty list: the spec is valid)."""
    try:
        text = _read_text(path)
    except SpecError as exc:
        return [exc]
    return parse_spec(text, path=path, workdir=workdir, allowed_roots=allowed_roots)[1]


def load_spec(path, *, workdir=None, allowed_roots=()) -> Spec:
    """Read and validate a spec file.

    Parameters
    ----------
    path : path
        The YAML spec.
    workdir : path, optional
        Folder that ``project.root`` is resolved against (default: the current directory).
    allowed_roots : sequence of paths
        Folders besides the spec's own that the spec may read and write in.

    Raises
    ------
    SpecError
        The first problem (file, line and key in the message); its ``problems`` attribute
        lists all of them.

    Examples
    --------
    >>> from pathlib import Path
    >>> import varpy.spec
    >>> spec = varpy.spec.load_spec(Path(varpy.__file__).parents[1] / "sample_data/volcano.yaml")
    >>> spec.data["project"]["id"], spec.data["experiments"][0]["type"]
    ('SYNVOLC', 'single')
    """
    text = _read_text(path)
    spec, problems = parse_spec(text, path=path, workdir=workdir, allowed_roots=allowed_roots)
    if problems:
        first = problems[0]
        first.problems = problems
        raise first
    return spec
