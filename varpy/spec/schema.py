"""The spec schema: format version, section keys, accepted names, defaults and ``Spec``.

Holds the constants that say what a spec may contain (:data:`~varpy.spec.SPEC_VERSION`,
:data:`~varpy.spec.EXPERIMENT_TYPES`, project types, catalogues, ``if_exists`` policies,
executor types and the keys of each section), the registries the spec refers to (model names
with their aliases, completeness and b-value methods, ``FIGURES`` and
:func:`~varpy.spec.known_figures`) and the validated, normalised :class:`~varpy.spec.Spec`.

May import: :mod:`varpy.exceptions`, and lazily :mod:`varpy.modelling.models`,
:mod:`varpy.statistics.mags` and the plotting modules named in ``FIGURES`` (by name,
through :mod:`importlib`).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from varpy.exceptions import UnknownFormatError


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

_PROJECT_TYPES = {"volcanic": ("ecvd", "evd", "scvd"), "laboratory": ("ecld", "scld")}
_CATALOGUES = ("ecvd", "ecld")
_IF_EXISTS = ("error", "overwrite", "reuse")
_EXECUTORS = ("serial", "local", "dask")

_TOP = ("varpy", "description", "project", "data", "select", "decluster", "completeness",
        "models", "experiments", "experiment", "figures", "outputs", "executor")
_TOP += ("statistics",)     # a-values, period b-values, b significance, rate change (stats.py)

_SELECT_KEYS = ("time", "lat", "lon", "depth", "magnitude", "stations", "creep", "polygon",
                "columns")

_EXPERIMENT_KEYS = ("name", "type", "datatype", "station", "models", "t_min", "t_max", "t_step",
                    "tf", "mc", "legacy", "min_events", "options", "ci_method", "ci_options")
#: keys of an experiment's ``ci_options`` (interval method options)
_CI_OPTION_KEYS = ("seed", "n_boot")


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

    return tuple(mags.B_METHODS) + ("b_positive", "b_more_positive")


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
    "rate_change": ("varpy.visualization.significance", "rate_change", "data"),
    "b_significance": ("varpy.visualization.significance", "b_significance", "data"),
    "rate": ("varpy.visualization.rates", "event_rate", "data"),
    "map": ("varpy.visualization.maps", "epicentre_map", "data"),
    "seismicity_map": ("varpy.visualization.seismicity_maps", "seismicity_map", "data"),
    "cross_section": ("varpy.visualization.seismicity_maps", "cross_section", "data"),
    "nearest_neighbours": ("varpy.visualization.declustering", "nearest_neighbour_distances",
                           "data"),
    "declustered_rate": ("varpy.visualization.declustering", "declustered_rate", "data"),
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
        if d.get("decluster"):
            dc = d["decluster"]
            lines.append(f"  decluster: {dc['method']}" + (f", keep {dc['keep']}" if dc["keep"]
                                                           else ""))
        if d.get("statistics"):
            lines.append("  statistics of " + d["statistics"]["datatype"] + ": " + ", ".join(
                e["analysis"] + (f" ({e['method']})" if e.get("method") else "")
                for e in d["statistics"]["entries"]))
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
