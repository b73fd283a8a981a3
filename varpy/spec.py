"""YAML experiment specs: a whole varpy workflow in one file, checked before anything runs.

A spec names a project, the data files to import, the windows to apply, the completeness
analysis, the models and experiments to run, the figures and outputs to write and where to
run (serially or on Dask). ``varpy run spec.yaml`` (:mod:`varpy.cli`) and :func:`run_spec` run
it; :func:`load_spec` only reads and validates it.

Example (``sample_data/volcano.yaml`` is a complete one)::

    varpy: 1
    project: {type: volcanic, id: SYNVOLC, root: varpy_projects, if_exists: overwrite}
    data:
      - {kind: ecvd, file: volcano/SYNVOLC_ecvd.txt, metadata: volcano/SYNVOLC_ecvd_meta.yaml}
    select: {lat: [37.5, 38.0], depth: [null, 30]}
    completeness: {methods: [maxc, gft], b_method: tinti_mulargia}
    models: [iol, hyperbolic, exponential, constant]
    experiments:
      - {name: forecast, type: single, t_min: 2003-06-01, t_max: 2004-03-01}
    figures: [fmd, rate]
    outputs: {tables: true, report: true}
    executor: {type: local, n_workers: 2}

Validation
----------
The file is composed with :class:`yaml.SafeLoader` (no Python objects are ever built from
it) and every value is checked before the first import: types, required and unknown keys
(with a suggestion for misspellings), known datatypes, importers, models, completeness and
b-value methods, figures, parseable times, positive steps and existing input files. Every
problem is a :class:`~varpy.exceptions.SpecError` naming the spec file, the line and the key
(``experiments[0].t_step``) and saying what would be valid; :func:`load_spec` raises the first
and lists all of them in its ``problems`` attribute.

Paths and the sandbox
---------------------
* **Inputs** (``data[].file``, ``data[].metadata``) are resolved against the spec's folder
  and must stay inside it (or inside an *allowed root* given by the caller, never by the
  spec: ``varpy run --allow DIR`` or ``allowed_roots=``). ``..`` that leaves the folder,
  absolute paths elsewhere and symbolic links pointing out are refused.
* **The project tree** (``project.root``, default ``varpy_projects``) is resolved against the
  *working directory* (the current directory of ``varpy run``, or ``--workdir`` /
  ``workdir=``) and must stay inside it, the spec's folder or an allowed root. So
  ``varpy run sample_data/volcano.yaml`` from the repository writes
  ``./varpy_projects/SYNVOLC/``.

Execution
---------
``executor: {type: serial}`` (default) runs in the calling process; ``{type: local,
n_workers: 2, threads_per_worker: 1}`` starts a :class:`dask.distributed.LocalCluster`;
``{type: dask, address: tcp://host:8786}`` connects to a running scheduler. Results are
identical to the serial run (:mod:`varpy.parallel`). See the documentation page "Running on
Dask" for a multi-machine cluster.
"""
from __future__ import annotations

import copy
import difflib
import logging
import math
import time as _time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import yaml

from varpy.exceptions import (FitError, InvalidIDError, SpecError, UnknownFormatError,
                              VarpyError)

__all__ = [
    "SPEC_VERSION",
    "EXPERIMENT_TYPES",
    "Spec",
    "RunResult",
    "load_spec",
    "check_spec",
    "parse_spec",
    "run_spec",
    "run_specs",
    "write_experiment",
    "open_executor",
    "ExecutorError",
    "known_figures",
]

log = logging.getLogger(__name__)

#: Version of the spec format this module reads (key ``varpy`` of a spec).
SPEC_VERSION = 1

#: Experiment types: the two analyses and VarPy's four names for them.
EXPERIMENT_TYPES = {
    "single": "single",
    "single_analysis": "single",
    "single_forecast": "single",
    "retrospective_analysis": "single",
    "multiple": "multiple",
    "multiple_analysis": "multiple",
    "retrospective_forecast": "multiple",
}

_MAX_SPEC_BYTES = 1_000_000
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_MAX_NODES = 100_000
_PROJECT_TYPES = {"volcanic": ("ecvd", "evd", "scvd"), "laboratory": ("ecld", "scld")}
_CATALOGUES = ("ecvd", "ecld")
_IF_EXISTS = ("error", "overwrite", "reuse")
_EXECUTORS = ("serial", "local", "dask")


# ------------------------------------------------------------------------------------------------
# reading YAML with line numbers
# ------------------------------------------------------------------------------------------------
def _compose(text: str, path: str | None):
    """``(data, marks)``: plain Python data and ``{key path: (key line, value line)}``.

    Lines are 1-based, as an editor shows them. Duplicate keys are refused (PyYAML would keep
    the last silently).
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        raise SpecError(f"not valid YAML: {exc.problem or exc}", path=path, line=line,
                        expected="a YAML mapping of spec sections") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", path=path) from None
    finally:
        loader.dispose()
    if node is None:
        raise SpecError("the spec is empty", path=path, line=1,
                        expected="a mapping with at least 'project'")
    marks: dict[tuple, tuple[int, int]] = {}
    budget = [0]

    def build(n, keypath: tuple, key_line: int):
        budget[0] += 1
        if budget[0] > _MAX_NODES:
            raise SpecError(f"the spec expands to more than {_MAX_NODES} values (YAML aliases?)",
                            path=path, line=n.start_mark.line + 1)
        marks[keypath] = (key_line, n.start_mark.line + 1)
        if isinstance(n, (yaml.MappingNode, yaml.SequenceNode)) and n.tag not in _PLAIN_TAGS:
            raise SpecError(f"unsupported YAML tag {n.tag!r}", path=path,
                            line=n.start_mark.line + 1, key=_fmt_key(keypath),
                            expected="plain YAML values (no Python tags)")
        if isinstance(n, yaml.MappingNode):
            loader.flatten_mapping(n)  # '<<' merge keys
            out: dict = {}
            for knode, vnode in n.value:
                kline = knode.start_mark.line + 1
                if not isinstance(knode, yaml.ScalarNode):
                    raise SpecError("a mapping key must be a plain name", path=path, line=kline,
                                    key=_fmt_key(keypath))
                key = loader.construct_object(knode)
                if not isinstance(key, (str, int, float, bool)) or isinstance(key, bool):
                    key = str(knode.value)
                key = str(key)
                if key in out:
                    raise SpecError("duplicate key", path=path, line=kline,
                                    key=_fmt_key(keypath + (key,)),
                                    expected="each key once per mapping")
                out[key] = build(vnode, keypath + (key,), kline)
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(v, keypath + (i,), v.start_mark.line + 1) for i, v in enumerate(n.value)]
        try:
            return loader.construct_object(n, deep=True)
        except ValueError:
            # an implicit timestamp that is no date (2003-13-01): keep the text, so the
            # validator reports it with its key like any other unparseable time
            if n.tag == "tag:yaml.org,2002:timestamp":
                return str(n.value)
            raise SpecError(f"cannot read value {n.value!r}", path=path,
                            line=n.start_mark.line + 1, key=_fmt_key(keypath)) from None
        except yaml.YAMLError as exc:
            raise SpecError(f"cannot read value {n.value!r}: {getattr(exc, 'problem', exc)}",
                            path=path, line=n.start_mark.line + 1, key=_fmt_key(keypath),
                            expected="plain YAML values (no Python tags)") from None

    data = build(node, (), 1)
    return data, marks


def _fmt_key(keypath: Sequence) -> str | None:
    if not keypath:
        return None
    out = ""
    for part in keypath:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# ------------------------------------------------------------------------------------------------
# the validator
# ------------------------------------------------------------------------------------------------
class _Missing:
    def __repr__(self):
        return "<missing>"


MISSING = _Missing()


class _Checker:
    """Collects every problem of a spec with its line and key."""

    def __init__(self, path: str | None, marks: dict):
        self.file = path
        self.marks = marks
        self.problems: list[SpecError] = []

    def line(self, keypath: tuple, *, at_key: bool = False) -> int | None:
        kp = tuple(keypath)
        while kp not in self.marks and kp:
            kp = kp[:-1]
        if kp not in self.marks:
            return None
        key_line, value_line = self.marks[kp]
        return key_line if (at_key or kp != tuple(keypath)) else value_line

    def fail(self, keypath, message: str, expected: str | None = None, *,
             at_key: bool = False) -> None:
        self.problems.append(SpecError(message, path=self.file,
                                       line=self.line(keypath, at_key=at_key),
                                       key=_fmt_key(keypath), expected=expected))

    # -- shapes ----------------------------------------------------------------------------------
    def mapping(self, keypath, value, known: Iterable[str], required: Iterable[str] = ()):
        """Check a mapping's keys; returns the mapping (or {} if it is not one)."""
        if not isinstance(value, dict):
            self.fail(keypath, f"must be a mapping (key: value lines), not "
                      f"{_type_name(value)}", f"keys {', '.join(sorted(known))}")
            return {}
        known = list(known)
        for key in value:
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                self.fail(tuple(keypath) + (key,), "unknown key" +
                          (f"; did you mean {hint[0]!r}?" if hint else ""),
                          f"one of {', '.join(sorted(known))}", at_key=True)
        for key in required:
            if key not in value:
                self.fail(tuple(keypath) + (key,), f"required key {key!r} is missing",
                          f"{key}: ...")
        return value

    def sequence(self, keypath, value, *, allow_scalar: bool = False) -> list:
        if isinstance(value, list):
            return value
        if allow_scalar and value is not None and not isinstance(value, dict):
            return [value]
        self.fail(keypath, f"must be a list, not {_type_name(value)}", "a YAML list")
        return []

    def string(self, keypath, value, *, choices: Sequence[str] | None = None,
               what: str = "value", lower: bool = True):
        if not isinstance(value, str) or not value.strip():
            self.fail(keypath, f"{what} must be a non-empty string, not {_type_name(value)}",
                      None if choices is None else f"one of {', '.join(choices)}")
            return None
        text = value.strip().lower() if lower else value.strip()
        if choices is not None and text not in choices:
            hint = difflib.get_close_matches(text, list(choices), n=1)
            self.fail(keypath, f"unknown {what} {value!r}" +
                      (f"; did you mean {hint[0]!r}?" if hint else ""),
                      f"one of {', '.join(choices)}")
            return None
        return text

    def name(self, keypath, value, what: str):
        """A plain name (station, experiment): letters, digits, '.', '_', '-'."""
        from varpy.management.store import validate_name

        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.fail(keypath, f"{what} must be a plain name, not {_type_name(value)}",
                      "letters, digits, '.', '_' or '-'")
            return None
        try:
            return validate_name(str(value), what)
        except InvalidIDError as exc:
            self.fail(keypath, str(exc), "letters, digits, '.', '_' or '-'")
            return None

    def boolean(self, keypath, value):
        if not isinstance(value, bool):
            self.fail(keypath, f"must be true or false, not {value!r}", "true or false")
            return None
        return value

    def number(self, keypath, value, *, positive: bool = False, integer: bool = False,
               minimum: float | None = None):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and integer and not float(value).is_integer():
            ok = False
        if ok and not math.isfinite(float(value)):
            ok = False
        if ok and positive and not value > 0:
            ok = False
        if ok and minimum is not None and value < minimum:
            ok = False
        if not ok:
            want = ("a positive " if positive else "a ") + ("whole number" if integer
                                                           else "finite number")
            if minimum is not None:
                want += f" >= {minimum:g}"
            self.fail(keypath, f"invalid number {value!r}", want)
            return None
        return int(value) if integer else float(value)

    def time(self, keypath, value, calendar: bool, *, allow_none: bool = False):
        """A calendar time (ISO string) or lab seconds (float); None if invalid."""
        if value is None:
            if allow_none:
                return None
            self.fail(keypath, "a time is required here",
                      "'yyyy-mm-dd' or 'dd-mm-yyyy'" if calendar else "seconds")
            return MISSING
        if calendar:
            from varpy.management.timeconv import parse_time

            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.fail(keypath, f"{value!r} is a number; calendar times must be dates",
                          "'yyyy-mm-dd', 'yyyy-mm-ddThh:mm:ss' or 'dd-mm-yyyy'")
                return MISSING
            try:
                return parse_time(value).isoformat()
            except (TypeError, ValueError) as exc:
                self.fail(keypath, str(exc),
                          "'yyyy-mm-dd', 'yyyy-mm-ddThh:mm:ss' or 'dd-mm-yyyy'")
                return MISSING
        out = self.number(keypath, value)
        return MISSING if out is None else out

    def pair(self, keypath, value, item: Callable):
        """A ``[min, max]`` list whose items are checked by ``item(keypath, value)``."""
        if not isinstance(value, list) or len(value) != 2:
            self.fail(keypath, f"must be a [min, max] pair, not {value!r}",
                      "[min, max] (null for an open side)")
            return None
        return [None if v is None else item(tuple(keypath) + (i,), v)
                for i, v in enumerate(value)]

    def path(self, keypath, value, *, bases: Sequence[Path], allowed: Sequence[Path],
             must_exist: bool, what: str):
        """Resolve a path against ``bases[0]`` and check it stays in ``allowed``."""
        if not isinstance(value, str) or not value.strip():
            self.fail(keypath, f"{what} must be a path string, not {_type_name(value)}",
                      "a path relative to the spec's folder")
            return None
        if "\x00" in value:
            self.fail(keypath, f"{what} holds a NUL character", "a plain path")
            return None
        raw = Path(value)
        full = (raw if raw.is_absolute() else bases[0] / raw).resolve()
        if not any(_inside(full, root) for root in allowed):
            self.fail(keypath, f"{what} {value!r} resolves to {str(full)!r}, outside the "
                      "folders this spec may use (path traversal is refused)",
                      "a path inside " + " or ".join(repr(str(a)) for a in allowed)
                      + "; give other folders with --allow / allowed_roots=")
            return None
        if must_exist and not full.is_file():
            self.fail(keypath, f"{what} {value!r} does not exist (looked for {str(full)!r})",
                      "an existing file, relative to the spec's folder")
            return None
        return full


def _type_name(value) -> str:
    if value is None:
        return "null"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------------------------
# registries the spec refers to
# ------------------------------------------------------------------------------------------------
def _model_names() -> dict[str, str]:
    """Every accepted model name (aliases included) -> registry name."""
    from varpy.modelling import models

    out = {name: name for name in models.available_models()}
    for name in list(out) + list(getattr(models, "_ALIASES", {})):
        try:
            out[name] = models.get_model(name).name or name
        except (UnknownFormatError, TypeError):
            continue
    return out


def _mc_methods() -> tuple[str, ...]:
    from varpy.statistics import mags

    return tuple(mags.MC_METHODS)


def _b_methods() -> tuple[str, ...]:
    from varpy.statistics import mags

    return tuple(mags.B_METHODS) + ("b_positive",)


#: Figures a spec can ask for: name -> (module, function, what the function is drawn from).
#: ``data``: the (selected) project; ``fit``: each fit of a single analysis; ``experiment``:
#: each model's result of a multiple analysis; ``experiments``: all models of one multiple
#: analysis at once.
FIGURES: dict[str, tuple[str, str, str]] = {
    "fmd": ("varpy.visualization.magnitudes", "frequency_magnitude", "data"),
    "magnitude_time": ("varpy.visualization.magnitudes", "magnitude_time", "data"),
    "magnitude_stems": ("varpy.visualization.magnitudes", "magnitude_stems", "data"),
    "b_stability": ("varpy.visualization.magnitudes", "b_stability", "data"),
    "b_time": ("varpy.visualization.magnitudes", "b_value_time", "data"),
    "mc_time": ("varpy.visualization.magnitudes", "mc_time", "data"),
    "rate": ("varpy.visualization.rates", "event_rate", "data"),
    "map": ("varpy.visualization.maps", "epicentre_map", "data"),
    "scatter": ("varpy.visualization.maps", "scatter", "data"),
    "interevent_times": ("varpy.visualization.interevent", "interevent_times", "data"),
    "count_histogram": ("varpy.visualization.interevent", "count_histogram", "data"),
    "series": ("varpy.visualization.series", "continuous_series", "data"),
    "series_rate": ("varpy.visualization.series", "series_rate", "data"),
    "model_fit": ("varpy.visualization.models", "model_fit", "fit"),
    "model_counts": ("varpy.visualization.models", "model_counts", "fit"),
    "time_rescaling": ("varpy.visualization.models", "time_rescaling", "fit"),
    "forecast_evolution": ("varpy.visualization.forecasts", "forecast_evolution", "experiment"),
    "model_comparison": ("varpy.visualization.forecasts", "model_comparison", "experiments"),
}


def known_figures() -> dict[str, Callable]:
    """Figure names a spec (and ``varpy plot``) accepts -> plotting function.

    Only the figures whose plotting function is installed are listed (see :data:`FIGURES`).
    Every function returns a :class:`matplotlib.figure.Figure` and saves it into the
    project's ``Figures/`` folder with ``save=True``.
    """
    import importlib

    out = {}
    for name, (module, func, _) in FIGURES.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        if hasattr(mod, func):
            out[name] = getattr(mod, func)
    return out


# ------------------------------------------------------------------------------------------------
# the spec
# ------------------------------------------------------------------------------------------------
@dataclass
class Spec:
    """A validated spec: normalised, with every path absolute and every default filled in.

    Attributes
    ----------
    path : Path or None
        The spec file (None for a spec given as text).
    data : dict
        The normalised spec (JSON-able: paths and calendar times as strings).
    workdir : Path
        Folder the project root is resolved against.
    allowed_roots : tuple of Path
        Extra folders the caller allowed reading and writing in.
    """

    path: Path | None
    data: dict
    workdir: Path
    allowed_roots: tuple = ()

    @property
    def project_path(self) -> Path:
        """``root/ID`` of the project the spec writes."""
        return Path(self.data["project"]["root"]) / self.data["project"]["id"]

    def to_dict(self) -> dict:
        return {"path": None if self.path is None else str(self.path),
                "data": copy.deepcopy(self.data), "workdir": str(self.workdir),
                "allowed_roots": [str(p) for p in self.allowed_roots]}

    @classmethod
    def from_dict(cls, d: dict) -> "Spec":
        return cls(path=None if d.get("path") is None else Path(d["path"]),
                   data=copy.deepcopy(d["data"]), workdir=Path(d["workdir"]),
                   allowed_roots=tuple(Path(p) for p in d.get("allowed_roots", ())))

    def summary(self) -> str:
        d = self.data
        p = d["project"]
        lines = [f"spec {self.path or '<text>'}: {p['type']} project {p['id']!r} "
                 f"in {p['root']} (if it exists: {p['if_exists']})"]
        for src in d["data"]:
            lines.append(f"  data {src['kind']}" + (f" {src['station']}" if src.get("station")
                                                    else "") + f": {src['file']}")
        if d["select"]:
            lines.append(f"  select: {d['select']}")
        if d["completeness"]:
            c = d["completeness"]
            lines.append(f"  completeness of {c['datatype']}: {', '.join(c['methods'])}, "
                         f"b by {c['b_method']}")
        for exp in d["experiments"]:
            lines.append(f"  experiment {exp['name']!r}: {exp['type']} analysis of "
                         f"{exp['datatype']} with {', '.join(exp['models'])} on "
                         f"[{exp['t_min']}, {exp['t_max']})"
                         + (f" step {exp['t_step']:g}" if exp.get("t_step") else "")
                         + (f", tf {exp['tf']}" if exp.get("tf") is not None else ""))
        if d["figures"]:
            lines.append("  figures: " + ", ".join(f["name"] for f in d["figures"]))
        o = d["outputs"]
        lines.append(f"  outputs: tables {'yes' if o['tables'] else 'no'}, report "
                     f"{'yes' if o['report'] else 'no'}")
        e = d["executor"]
        lines.append(f"  executor: {e['type']}" + (f" ({e['n_workers']} workers)"
                                                   if e["type"] == "local" else "")
                     + (f" at {e['address']}" if e["type"] == "dask" else ""))
        return "\n".join(lines)


_TOP = ("varpy", "description", "project", "data", "select", "completeness", "models",
        "experiments", "experiment", "figures", "outputs", "executor")


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


def _check_data(chk: _Checker, value, kinds, base: Path, allowed) -> list[dict]:
    from varpy.management import importers

    out = []
    stations_seen: set = set()
    for i, src in enumerate(chk.sequence(("data",), value)):
        kp = ("data", i)
        src = chk.mapping(kp, src, ("kind", "file", "metadata", "format", "station", "options"),
                          required=("kind", "file"))
        if not src:
            continue
        kind = chk.string(kp + ("kind",), src["kind"], choices=kinds,
                          what="datatype for this project") if "kind" in src else None
        file = chk.path(kp + ("file",), src["file"], bases=(base,), allowed=allowed,
                        must_exist=True, what="data file") if "file" in src else None
        meta = None
        if src.get("metadata") is not None:
            meta = chk.path(kp + ("metadata",), src["metadata"], bases=(base,), allowed=allowed,
                            must_exist=True, what="metadata file")
        fmt = None
        if src.get("format") is not None:
            choices = tuple(sorted(importers.available(kind))) if kind else None
            fmt = chk.string(kp + ("format",), src["format"], choices=choices,
                             what="importer" + (f" for {kind}" if kind else ""))
        station = None
        if src.get("station") is not None:
            if kind is not None and kind != "scvd":
                chk.fail(kp + ("station",), f"station applies to scvd only, not {kind}",
                         "no station key", at_key=True)
            else:
                station = chk.name(kp + ("station",), src["station"], "station name")
        if kind == "scvd" and station is None and meta is None:
            chk.fail(kp, "an scvd source needs a station (key 'station' or the metadata file's "
                     "'station')", "station: NAME")
        options = src.get("options", {}) or {}
        if not isinstance(options, dict):
            chk.fail(kp + ("options",), "importer options must be a mapping",
                     "option: value lines")
            options = {}
        ident = (kind, station)
        if kind is not None and kind != "scvd" and ident in stations_seen:
            chk.fail(kp + ("kind",), f"{kind} is imported twice", "one source per datatype")
        stations_seen.add(ident)
        out.append({"kind": kind, "file": None if file is None else str(file),
                    "metadata": None if meta is None else str(meta), "format": fmt,
                    "station": station, "options": options})
    return out


_SELECT_KEYS = ("time", "lat", "lon", "depth", "magnitude", "stations", "creep", "polygon",
                "columns")


def _check_select(chk: _Checker, value, calendar: bool) -> dict:
    sel = chk.mapping(("select",), value, _SELECT_KEYS)
    out: dict = {}
    num = chk.number
    for key in ("lat", "lon", "depth", "magnitude"):
        if sel.get(key) is not None:
            out[key] = chk.pair(("select", key), sel[key], num)
    if sel.get("time") is not None:
        out["time"] = chk.pair(("select", "time"), sel["time"],
                               lambda kp, v: chk.time(kp, v, calendar))
    if sel.get("stations") is not None:
        st = chk.sequence(("select", "stations"), sel["stations"], allow_scalar=True)
        names = [chk.name(("select", "stations", j), s, "station name") for j, s in enumerate(st)]
        out["stations"] = [n for n in names if n is not None]
    if "creep" in sel:
        out["creep"] = bool(chk.boolean(("select", "creep"), sel["creep"]))
    if sel.get("polygon") is not None:
        poly = chk.sequence(("select", "polygon"), sel["polygon"])
        pts = []
        for j, pt in enumerate(poly):
            p = chk.pair(("select", "polygon", j), pt, num)
            if p is not None:
                pts.append(p)
        if len(pts) < 3:
            chk.fail(("select", "polygon"), "a polygon needs at least 3 vertices",
                     "[[lon, lat], [lon, lat], [lon, lat], ...]")
        out["polygon"] = pts
    if sel.get("columns") is not None:
        cols = chk.mapping(("select", "columns"), sel["columns"], sel["columns"]
                           if isinstance(sel["columns"], dict) else ())
        out["columns"] = {str(c): chk.pair(("select", "columns", c), b, num)
                          for c, b in cols.items()}
    return out


def _check_completeness(chk: _Checker, value, catalogue: str, kinds) -> dict | None:
    if value is None:
        return None
    kp = ("completeness",)
    c = chk.mapping(kp, value, ("datatype", "method", "methods", "dm", "options", "b_method",
                                "legacy"))
    if "method" in c and "methods" in c:
        chk.fail(kp + ("method",), "give 'method' or 'methods', not both", "one key",
                 at_key=True)
    raw_methods = c.get("methods", c.get("method", "maxc"))
    methods = []
    mkey = kp + ("methods" if "methods" in c else "method",)
    for j, m in enumerate(chk.sequence(mkey, raw_methods, allow_scalar=True)):
        got = chk.string(mkey + (j,) if isinstance(raw_methods, list) else mkey, m,
                         choices=_mc_methods(), what="completeness method")
        if got:
            methods.append(got)
    datatype = chk.string(kp + ("datatype",), c.get("datatype", catalogue),
                          choices=tuple(k for k in kinds if k in _CATALOGUES),
                          what="catalogue datatype")
    options = c.get("options", {}) or {}
    if not isinstance(options, dict):
        chk.fail(kp + ("options",), "completeness options must be a mapping", "key: value")
        options = {}
    return {"datatype": datatype, "methods": methods or ["maxc"],
            "dm": chk.number(kp + ("dm",), c.get("dm", 0.1), positive=True) or 0.1,
            "options": options,
            "b_method": chk.string(kp + ("b_method",), c.get("b_method", "tinti_mulargia"),
                                   choices=_b_methods(), what="b-value method"),
            "legacy": bool(chk.boolean(kp + ("legacy",), c.get("legacy", False)))}


def _check_models(chk: _Checker, kp, value, model_names) -> list[str]:
    out = []
    for j, m in enumerate(chk.sequence(kp, value, allow_scalar=True)):
        ikp = kp + (j,) if isinstance(value, list) else kp
        name = m.get("name") if isinstance(m, dict) else m
        if isinstance(m, dict):
            chk.mapping(ikp, m, ("name",), required=("name",))
        got = chk.string(ikp, name, choices=tuple(sorted(model_names)), what="model")
        if got:
            out.append(model_names[got])
    return out


_EXPERIMENT_KEYS = ("name", "type", "datatype", "station", "models", "t_min", "t_max", "t_step",
                    "tf", "mc", "legacy", "min_events", "options", "ci_method", "ci_options")
_CI_OPTION_KEYS = ("seed", "n_boot")


def _check_experiment(chk: _Checker, kp, exp, index, calendar, catalogue, kinds, models,
                      model_names, default_mc) -> dict | None:
    from varpy.management.store import validate_name

    exp = chk.mapping(kp, exp, _EXPERIMENT_KEYS, required=("type", "t_min", "t_max"))
    if not exp:
        return None
    etype = chk.string(kp + ("type",), exp["type"], choices=tuple(EXPERIMENT_TYPES),
                       what="experiment type") if "type" in exp else None
    kind = EXPERIMENT_TYPES.get(etype)
    name = exp.get("name", f"{kind or 'experiment'}{index + 1}")
    try:
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise InvalidIDError(f"experiment name must be a plain name, not {_type_name(name)}")
        name = validate_name(str(name), "experiment name")
    except InvalidIDError as exc:
        chk.fail(kp + ("name",), str(exc), "letters, digits, '.', '_' or '-'")
        name = f"experiment{index + 1}"
    if "models" in exp:
        exp_models = _check_models(chk, kp + ("models",), exp["models"], model_names)
    else:
        exp_models = list(models)
        if not exp_models:
            chk.fail(kp + ("models",), "no models: give 'models' here or at the top level",
                     "models: [iol, ...]")
    t_min = chk.time(kp + ("t_min",), exp.get("t_min"), calendar) if "t_min" in exp else None
    t_max = chk.time(kp + ("t_max",), exp.get("t_max"), calendar) if "t_max" in exp else None
    if t_min is not MISSING and t_max is not MISSING and t_min is not None \
            and t_max is not None and not _before(t_min, t_max):
        chk.fail(kp + ("t_max",), f"t_max {t_max} is not after t_min {t_min}", "t_min < t_max")
    t_step = None
    if kind == "multiple":
        if "t_step" not in exp:
            chk.fail(kp + ("t_step",), "a multiple analysis needs t_step",
                     "t_step: days (volcanic) or seconds (laboratory)")
        else:
            t_step = chk.number(kp + ("t_step",), exp["t_step"], positive=True)
    elif "t_step" in exp:
        chk.fail(kp + ("t_step",), "t_step applies to multiple analyses only",
                 "type: multiple", at_key=True)
    tf = chk.time(kp + ("tf",), exp.get("tf"), calendar, allow_none=True)
    mc = exp.get("mc", default_mc)
    if isinstance(mc, str):
        mc = chk.string(kp + ("mc",), mc, choices=_mc_methods(), what="completeness method")
    elif mc is not None:
        mc = chk.number(kp + ("mc",), mc)
    datatype = chk.string(kp + ("datatype",), exp.get("datatype", catalogue),
                          choices=tuple(k for k in kinds if k in _CATALOGUES),
                          what="catalogue datatype")
    options = exp.get("options", {}) or {}
    if not isinstance(options, dict):
        chk.fail(kp + ("options",), "experiment options must be a mapping", "key: value")
        options = {}
    min_events = exp.get("min_events")
    if min_events is not None:
        min_events = chk.number(kp + ("min_events",), min_events, integer=True, minimum=1)
    station = exp.get("station")
    if station is not None:
        station = chk.name(kp + ("station",), station, "station name")
    from varpy.modelling.intervals import CI_METHODS

    ci_method = chk.string(kp + ("ci_method",), exp.get("ci_method", "profile"),
                           choices=CI_METHODS, what="interval method")
    ci_options = dict(chk.mapping(kp + ("ci_options",), exp.get("ci_options") or {},
                                  _CI_OPTION_KEYS))
    for key in list(ci_options or {}):
        ci_options[key] = chk.number(kp + ("ci_options", key), ci_options[key], integer=True,
                                     minimum=0 if key == "seed" else 1)
    return {"name": name, "type": kind, "variant": etype, "datatype": datatype,
            "station": station, "models": exp_models,
            "t_min": None if t_min is MISSING else t_min,
            "t_max": None if t_max is MISSING else t_max, "t_step": t_step,
            "tf": None if tf is MISSING else tf, "mc": mc,
            "legacy": bool(chk.boolean(kp + ("legacy",), exp.get("legacy", False))),
            "min_events": min_events, "options": options,
            "ci_method": ci_method or "profile", "ci_options": dict(ci_options or {})}


def _before(a, b) -> bool:
    if isinstance(a, str):
        import pandas as pd

        return pd.Timestamp(a) < pd.Timestamp(b)
    return a < b


def _check_figures(chk: _Checker, value) -> list[dict]:
    try:
        figures = known_figures()
    except ImportError as exc:  # the plotting layer failed to import: say so, do not guess
        figures = {}
        if value:
            chk.fail(("figures",), f"figures are unavailable: {exc}", "no figures section")
            return []
    out = []
    names = tuple(sorted(figures))
    for j, fig in enumerate(chk.sequence(("figures",), value or [])):
        kp = ("figures", j)
        if isinstance(fig, dict):
            f = chk.mapping(kp, fig, ("name", "options", "file"), required=("name",))
            name = f.get("name")
            options = f.get("options", {}) or {}
            if not isinstance(options, dict):
                chk.fail(kp + ("options",), "figure options must be a mapping", "key: value")
                options = {}
            file = f.get("file")
            kp_name = kp + ("name",)
        else:
            name, options, file, kp_name = fig, {}, None, kp
        got = chk.string(kp_name, name, choices=names, what="figure") if name is not None \
            else None
        if file is not None:
            from varpy.management.store import validate_name

            try:
                file = validate_name(str(file), "figure file name")
            except InvalidIDError as exc:
                chk.fail(kp + ("file",), str(exc), "a plain file name without folders")
                file = None
        if got:
            out.append({"name": got, "options": options, "file": file})
    return out


def _check_executor(chk: _Checker, value) -> dict:
    kp = ("executor",)
    if isinstance(value, str):
        value = {"type": value}
    e = chk.mapping(kp, value, ("type", "n_workers", "threads_per_worker", "address"))
    etype = chk.string(kp + ("type",), e.get("type", "serial"), choices=_EXECUTORS,
                       what="executor type") or "serial"
    out = {"type": etype, "n_workers": None, "threads_per_worker": None, "address": None}
    if etype == "local":
        out["n_workers"] = chk.number(kp + ("n_workers",), e.get("n_workers", 2), integer=True,
                                      minimum=1)
        out["threads_per_worker"] = chk.number(kp + ("threads_per_worker",),
                                               e.get("threads_per_worker", 1), integer=True,
                                               minimum=1)
    if etype == "dask":
        if "address" not in e:
            chk.fail(kp + ("address",), "a dask executor needs the scheduler address",
                     "address: tcp://host:8786")
        else:
            out["address"] = chk.string(kp + ("address",), e["address"], what="address",
                                        lower=False)
    for key in ("n_workers", "threads_per_worker"):
        if key in e and etype != "local":
            chk.fail(kp + (key,), f"{key} applies to type: local only", "type: local",
                     at_key=True)
    if "address" in e and etype != "dask":
        chk.fail(kp + ("address",), "address applies to type: dask only", "type: dask",
                 at_key=True)
    return out


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


def _read_text(path) -> str:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > _MAX_SPEC_BYTES:
            raise SpecError(f"the spec is {size} bytes; specs are limited to "
                            f"{_MAX_SPEC_BYTES} bytes", path=str(path))
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("spec file not found", path=str(path),
                        expected="the path of a YAML spec") from None
    except IsADirectoryError:
        raise SpecError("is a folder, not a spec file", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text: {exc}", path=str(path)) from None
    except OSError as exc:
        raise SpecError(f"cannot read the spec: {exc.strerror or exc}", path=str(path)) from None


# ------------------------------------------------------------------------------------------------
# running a spec
# ------------------------------------------------------------------------------------------------
@dataclass
class RunResult:
    """What :func:`run_spec` did: the project, the numbers and every file written.

    Attributes
    ----------
    spec : str or None
        The spec file.
    project : str
        Folder of the project (``root/ID``); reopen it with :func:`varpy.open`.
    project_type, project_id : str
    datatypes : dict
        Storage key -> number of rows after import.
    completeness : dict or None
        ``{"datatype", "n", "mc": {method: value}, "b": {...}}`` of the selected catalogue.
    experiments : list of dict
        One record per experiment and model: ``name``, ``type``, ``model``, ``status``
        (``ok``, ``flagged`` or ``failed``) and the main numbers (single: parameters, ``loglik``,
        ``aic``, ``failure_time``; multiple: ``experiment_id``, ``steps``, ``fitted``,
        ``flagged_steps``, last forecast, scores).
    figures, outputs : list of str
        Files written under ``Figures/`` and ``Output/`` (paths relative to the project).
    report : str or None
        The HTML report (relative to the project).
    warnings : list of str
        Distinct warning messages raised while running.
    seconds : float
        Wall-clock duration.
    """

    spec: str | None
    project: str
    project_type: str
    project_id: str
    datatypes: dict = field(default_factory=dict)
    completeness: dict | None = None
    experiments: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    report: str | None = None
    warnings: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def flagged(self) -> bool:
        """True when a single-analysis fit is flagged or failed."""
        return any(e["status"] != "ok" for e in self.experiments if e["type"] == "single")

    @property
    def flagged_steps(self) -> int:
        """Flagged steps over all multiple analyses."""
        return sum(int(e.get("flagged_steps") or 0) for e in self.experiments
                   if e["type"] == "multiple")

    def summary(self) -> str:
        lines = [f"{self.project_type} project {self.project_id!r} at {self.project} "
                 f"({self.seconds:.1f} s)"]
        lines.append("  data: " + ", ".join(f"{k} [{n}]" for k, n in self.datatypes.items()))
        if self.completeness:
            c = self.completeness
            mcs = ", ".join(f"{m} {_fmt_num(v)}" for m, v in c["mc"].items())
            b = c.get("b") or {}
            lines.append(f"  completeness of {c['datatype']} ({c['n']} events): Mc {mcs}"
                         + (f"; b = {_fmt_num(b.get('b'))} +- {_fmt_num(b.get('sigma'))} "
                            f"({b.get('method')}, {b.get('n')} events)" if b else ""))
        for e in self.experiments:
            head = f"  {e['name']} [{e['type']}] {e['model']}: {e['status']}"
            if e["status"] == "failed":
                lines.append(f"{head} ({e.get('error')})")
            elif e["type"] == "single":
                text = f"{head}; {e['n_events']} events, ll {e['loglik']:.4f}, AIC {e['aic']:.3f}"
                if e.get("failure_time") is not None:
                    text += f", failure time {_fmt_time(e['failure_time'])}"
                lines.append(text)
            else:
                text = (f"{head}; {e['fitted']} of {e['steps']} steps fitted, "
                        f"{e['flagged_steps']} flagged")
                if e.get("last_failure_time") is not None:
                    text += f"; last forecast {_fmt_time(e['last_failure_time'])}"
                sc = e.get("scores")
                if sc and sc.get("n"):
                    text += (f"; coverage {_fmt_num(sc.get('coverage'))}, median |error| "
                             f"{_fmt_num(sc.get('median_abs_error'))} {sc.get('unit', '')}")
                lines.append(text)
        if self.figures:
            lines.append(f"  figures: {len(self.figures)} in {self.project}/Figures")
        if self.outputs:
            lines.append(f"  outputs: {len(self.outputs)} in {self.project}/Output")
        if self.report:
            lines.append(f"  report: {self.project}/{self.report}")
        if self.warnings:
            lines.append(f"  warnings: {len(self.warnings)} distinct (first: {self.warnings[0]})")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        from varpy.management.models import to_builtin

        return {"spec": self.spec, "project": self.project, "project_type": self.project_type,
                "project_id": self.project_id, "datatypes": dict(self.datatypes),
                "completeness": to_builtin(self.completeness),
                "experiments": to_builtin(self.experiments), "figures": list(self.figures),
                "outputs": list(self.outputs), "report": self.report,
                "warnings": list(self.warnings), "seconds": float(self.seconds),
                "flagged": self.flagged, "flagged_steps": self.flagged_steps}

    @classmethod
    def from_dict(cls, d: dict) -> "RunResult":
        names = {f for f in cls.__dataclass_fields__}
        return cls(**copy.deepcopy({k: v for k, v in d.items() if k in names}))


def _fmt_time(v) -> str:
    """An ISO time as 'yyyy-mm-dd hh:mm' (UTC), lab seconds as '10596 s'."""
    if isinstance(v, (int, float)):
        return f"{v:.6g} s"
    text = str(v)
    return text[:16].replace("T", " ") if len(text) >= 16 and text[4] == "-" else text


def _fmt_num(v) -> str:
    if v is None:
        return "n/a"
    try:
        return f"{float(v):.4g}"
    except (TypeError, ValueError):
        return str(v)


class ExecutorError(VarpyError, RuntimeError):
    """The executor a spec asks for cannot be started or reached (Dask missing, no scheduler)."""


class open_executor:
    """Context manager giving the executor a spec asks for (None for serial runs).

    ``{"type": "local", "n_workers": n, "threads_per_worker": t}`` starts a
    :class:`dask.distributed.LocalCluster` and closes it on exit; ``{"type": "dask",
    "address": "tcp://host:8786"}`` connects a :class:`dask.distributed.Client` to a running
    scheduler (the cluster is left running).
    """

    def __init__(self, config: dict | None):
        self.config = dict(config or {"type": "serial"})
        self._client = None
        self._cluster = None

    def __enter__(self):
        kind = self.config.get("type", "serial")
        if kind == "serial":
            return None
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:
            raise ExecutorError(f"executor type {kind!r} needs dask.distributed ({exc}); "
                                "install it with pip install 'varpy[dask]', or use type: "
                                "serial") from None
        if kind == "local":
            self._cluster = LocalCluster(n_workers=int(self.config.get("n_workers") or 2),
                                         threads_per_worker=int(
                                             self.config.get("threads_per_worker") or 1),
                                         processes=True, dashboard_address=None)
            self._client = Client(self._cluster)
        elif kind == "dask":
            try:
                self._client = Client(self.config["address"], timeout="30s")
            except OSError as exc:
                raise ExecutorError(f"cannot connect to the Dask scheduler "
                                    f"{self.config['address']!r} (executor.address): {exc}"
                                    ) from None
        else:
            raise SpecError(f"unknown executor type {kind!r}", key="executor.type",
                            expected=", ".join(_EXECUTORS))
        log.info("running on %s", self._client)
        return self._client

    def __exit__(self, *exc):
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        return False


def _located(exc: BaseException, spec: Spec, keypath: tuple) -> BaseException:
    """Add 'while running <key> of <spec>' to an exception raised by a step."""
    if hasattr(exc, "add_note"):
        where = f"spec {spec.path}" if spec.path else "spec"
        exc.add_note(f"(while running {_fmt_key(keypath)} of {where})")
    return exc


def _open_project(spec: Spec):
    from varpy.exceptions import ProjectExistsError
    from varpy.management.core import Laboratory, Volcanic
    from varpy.management.store import ProjectStore

    p = spec.data["project"]
    cls = Volcanic if p["type"] == "volcanic" else Laboratory
    root = Path(p["root"])
    if p["if_exists"] == "error" and ProjectStore(root, p["id"]).exists():
        raise ProjectExistsError(
            f"a project already exists at {root / p['id']}; set project.if_exists to "
            "'overwrite' (re-import the data) or 'reuse' (keep it) in the spec, or remove it")
    root.mkdir(parents=True, exist_ok=True)
    return cls(p["id"], root=root)


def _import_data(project, spec: Spec) -> None:
    from varpy.exceptions import ProjectExistsError
    from varpy.management.core import datatype_key

    policy = spec.data["project"]["if_exists"]
    for i, src in enumerate(spec.data["data"]):
        try:
            dt = project.add_datatype(src["kind"], src["file"], src["metadata"],
                                      station=src["station"], format=src["format"],
                                      overwrite=policy == "overwrite", **src["options"])
        except ProjectExistsError:
            if policy == "reuse":      # already imported: keep what the project holds
                continue
            raise
        except VarpyError as exc:
            raise _located(exc, spec, ("data", i)) from None
        log.info("imported %s: %d rows", datatype_key(dt), len(dt))


def _selected(project, spec: Spec):
    from varpy.preparation import windows

    sel = spec.data["select"]
    if not sel:
        return project
    try:
        return windows.select(project, **_select_args(sel))
    except VarpyError as exc:
        raise _located(exc, spec, ("select",)) from None


def _select_args(sel: dict) -> dict:
    out = {}
    for key, value in sel.items():
        if key in ("time", "lat", "lon", "depth", "magnitude"):
            out[key] = tuple(value)
        elif key == "columns":
            out[key] = {c: tuple(b) for c, b in value.items()}
        elif key == "stations":
            out[key] = list(value)
        else:
            out[key] = value
    return out


def _completeness(selected, spec: Spec) -> tuple[dict | None, dict]:
    """Mc by each method and the b-value of the selected catalogue (record, result objects)."""
    c = spec.data["completeness"]
    if not c:
        return None, {}
    try:
        dt = selected.get(c["datatype"])
    except KeyError as exc:
        raise _located(SpecError(str(exc.args[0]), path=spec.path,
                                 key="completeness.datatype"), spec, ("completeness",)) from None
    out = {"datatype": c["datatype"], "n": int(len(dt)), "dm": c["dm"], "mc": {}, "b": None}
    results: dict = {}
    try:
        for method in c["methods"]:
            kwargs = dict(c["options"])
            if c["legacy"]:
                kwargs["legacy"] = True
            res = dt.mc(method, dm=c["dm"], **kwargs)
            results[method] = res
            out["mc"][method] = None if not math.isfinite(res.mc) else float(res.mc)
        first = results[c["methods"][0]]
        if math.isfinite(first.mc):
            b = dt.b_value(mc=first, method=c["b_method"], dm=c["dm"])
            results["b_value"] = b
            out["b"] = {"b": _finite(b.b), "sigma": _finite(getattr(b, "sigma", None)),
                        "a": _finite(getattr(b, "a", None)), "n": int(getattr(b, "n", 0)),
                        "mc": float(first.mc), "method": c["b_method"]}
    except (VarpyError, ValueError) as exc:
        raise _located(exc, spec, ("completeness",)) from None
    return out, results


def _finite(v):
    if v is None:
        return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _iso(ts) -> str | None:
    if ts is None:
        return None
    try:
        import pandas as pd

        if ts is pd.NaT or (isinstance(ts, float) and not math.isfinite(ts)):
            return None
        if isinstance(ts, pd.Timestamp):
            return ts.isoformat()
    except (TypeError, ValueError):
        return None
    return ts if isinstance(ts, str) else _finite(ts)


def _experiment_time(value, calendar: bool):
    return value if calendar or value is None else float(value)


def _run_experiments(project, spec: Spec, executor, progress) -> tuple[list, dict]:
    """Run every experiment; returns (records, {(name, model): result object})."""
    from varpy.modelling.experiments import multiple_analysis, single_analysis

    calendar = spec.data["project"]["type"] == "volcanic"
    records, objects = [], {}
    filters = _select_args(spec.data["select"]) or None
    exps_key = "experiments"
    for i, exp in enumerate(spec.data["experiments"]):
        common = dict(kind=exp["datatype"], station=exp["station"], filters=filters,
                      mc=exp["mc"], legacy=exp["legacy"],
                      ci_method=exp.get("ci_method", "profile"),
                      ci_options=dict(exp.get("ci_options") or {}), **exp["options"])
        if exp["min_events"] is not None and exp["type"] == "multiple":
            common["min_events"] = exp["min_events"]
        for model in exp["models"]:
            rec = {"name": exp["name"], "type": exp["type"], "model": model}
            try:
                if exp["type"] == "single":
                    fit = single_analysis(project, model, t_min=exp["t_min"], t_max=exp["t_max"],
                                          tf=exp["tf"], name=f"{exp['name']}-{model}", **common)
                    objects[(exp["name"], model)] = fit
                    rec.update(_single_record(fit, calendar))
                else:
                    res = multiple_analysis(project, model, t_min=exp["t_min"],
                                            t_max=exp["t_max"], t_step=exp["t_step"],
                                            tf=exp["tf"], name=f"{exp['name']}-{model}",
                                            executor=executor, progress=progress, **common)
                    objects[(exp["name"], model)] = res
                    rec.update(_multiple_record(res, exp))
            except FitError as exc:
                rec.update({"status": "failed", "error": str(exc)})
                log.warning("%s %s: %s", exp["name"], model, exc)
            except (VarpyError, TypeError, ValueError) as exc:
                raise _located(exc, spec, (exps_key, i)) from None
            records.append(rec)
    return records, objects


def _single_record(fit, calendar: bool) -> dict:
    rec = {"status": "flagged" if fit.warnings else "ok", "mode": fit.mode,
           "n_events": int(fit.n_events), "mc": fit.mc,
           "params": {k: _finite(v) for k, v in fit.params.items()},
           "stderr": {k: _finite(v) for k, v in fit.stderr.items()},
           "loglik": float(fit.loglik), "aic": float(fit.aic), "bic": float(fit.bic),
           "converged": bool(fit.converged), "warnings": list(fit.warnings)}
    if fit.tf is not None and fit.mode == "forecast":
        try:
            rec["failure_time"] = _iso(fit.failure_time(calendar=calendar))
        except (ValueError, OverflowError):
            rec["failure_time"] = None
        rec["tf_ci"] = None if fit.tf_ci is None else [_finite(v) for v in fit.tf_ci]
        rec["ci_method"] = fit.ci_method
    return rec


def _multiple_record(res, exp: dict) -> dict:
    steps = res.steps
    fitted = [s for s in steps if s.fit is not None]
    flagged = sum(1 for s in fitted if s.fit.warnings)
    rec = {"status": "ok", "experiment_id": res.experiment_id, "steps": len(steps),
           "fitted": len(fitted), "flagged_steps": flagged}
    if fitted:
        table = res.table
        last = table[table["skipped"].isna()].iloc[-1]
        rec["last_t_forc"] = _iso(last["t_forc"])
        if "failure_time" in table.columns:
            rec["last_failure_time"] = _iso(last["failure_time"])
    if res.tf is not None and fitted:
        from varpy.modelling.scoring import score_forecasts

        try:
            scores = score_forecasts(res, label=f"{exp['name']}-{res.model}")
        except (VarpyError, ValueError) as exc:
            rec["scores"] = {"error": str(exc)}
        else:
            agg = {k: _finite(v) if isinstance(v, float) else v
                   for k, v in scores.aggregate().items()}
            agg["unit"] = scores.unit
            rec["scores"] = agg
            rec["_scores"] = scores
    return rec


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
                    put(sc.table, f"{exp['name']}-{m}-scores",
                        units={"lead_time": sc.unit, "error": sc.unit, "abs_error": sc.unit,
                               "tf": sc.unit, "t_forc": sc.unit}, **kw)
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
