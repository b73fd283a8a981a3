"""Simulation: exact point processes, Gutenberg-Richter magnitudes, ETAS, synthetic volcanoes
and laboratory creep experiments.

Modules
-------
point_process
    Exact homogeneous and inhomogeneous Poisson simulation (inversion, proven-bound thinning).
magnitudes
    Gutenberg-Richter magnitudes: continuous, binned, truncated, incomplete (Ogata-Katsura).
etas
    Temporal and space-time ETAS with the genealogy (parent, generation, cluster).
volcano
    Composite volcano: eruption cycles, seismicity, tilt (VarPy 2016 section 10).
lab
    Creep experiment to failure: acoustic emissions, stress, strain, pore volume.

Every simulator takes ``seed`` (int, :class:`numpy.random.Generator` or None).

The registry maps a simulator name to a function returning a dict of datasets keyed by datatype
(``"ecvd"``, ``"evd"``, ``"scvd"``, ``"ecld"``, ``"scld"``) plus ``"metadata"`` (the same keys,
each with the ``simulation`` record). ``obj.sim_datatype(kind, name, **params)`` looks them up
with :func:`get_simulator`:

>>> from varpy import simulation
>>> sorted(simulation.available_simulators())
['etas', 'etas_space_time', 'lab_creep', 'rate_model', 'volcano']
>>> out = simulation.simulate("etas", kind="ecld", seed=1, mu=0.05, k=0.01, alpha=1.0, c=1.0,
...                           p=1.3, t_end=3600.0)
>>> list(out["ecld"].columns)[:2]
['time', 'magnitude']

Whole projects
--------------
:func:`simulate_volcano` and :func:`simulate_laboratory` return a :class:`~varpy.Volcanic` or
:class:`~varpy.Laboratory`. Those classes belong to the facade (:mod:`varpy.management.core`),
which sits above this package and must not be imported from it (``tests/test_layers.py``). The
functions therefore find the class by its type name in :mod:`varpy.management.projects`, a
registry that ``core`` fills as it defines the classes (dependency inversion), and then delegate
to the project's own :meth:`~varpy.management.core.Project.sim_datatypes`. Moving them to the
facade instead would have left ``varpy.simulation.simulate_volcano`` importable only through an
upward re-export.

May import: :mod:`varpy.exceptions`, :mod:`varpy._json`, :mod:`varpy.parallel`,
:mod:`varpy.management.timeconv`, :mod:`varpy.management.projects` and, lazily,
:mod:`varpy.modelling` (rate models by name); never :mod:`varpy.management.core`, ``varpy`` or
``varpy.management``.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from varpy._json import jsonable
from varpy.exceptions import SimulationError, UnknownFormatError
from varpy.management.timeconv import from_days, parse_time
from varpy.simulation.etas import (
    branching_ratio,
    seed_record,
    simulate_etas,
    simulate_etas_space_time,
)
from varpy.simulation.lab import LAB_DEFAULTS, simulate_lab_data
from varpy.simulation.magnitudes import (
    GutenbergRichter,
    detected_fraction,
    detection_probability,
    gr_magnitudes,
    incomplete_gr_magnitudes,
)
from varpy.simulation.point_process import (
    BoundRate,
    ConstantRate,
    ExponentialRate,
    InverseOmoriRate,
    OmoriRate,
    RateFunction,
    RateSum,
    as_rate_function,
    homogeneous_poisson,
    inhomogeneous_poisson,
)
from varpy.simulation.volcano import VOLCANO_DEFAULTS, simulate_volcano_data

__all__ = [
    "SimulationError",
    "RateFunction",
    "BoundRate",
    "as_rate_function",
    "ConstantRate",
    "OmoriRate",
    "InverseOmoriRate",
    "ExponentialRate",
    "RateSum",
    "homogeneous_poisson",
    "inhomogeneous_poisson",
    "GutenbergRichter",
    "gr_magnitudes",
    "incomplete_gr_magnitudes",
    "detection_probability",
    "detected_fraction",
    "branching_ratio",
    "simulate_etas",
    "simulate_etas_space_time",
    "simulate_volcano_data",
    "simulate_lab_data",
    "simulate_etas_data",
    "simulate_rate_model_data",
    "VOLCANO_DEFAULTS",
    "LAB_DEFAULTS",
    "Simulator",
    "register_simulator",
    "get_simulator",
    "available_simulators",
    "simulate",
    "simulate_volcano",
    "simulate_laboratory",
    "ensemble",
    "ensemble_seeds",
]

CATALOGUE_KINDS = ("ecvd", "ecld")


# ----------------------------------------------------------------------------------------------
# registry
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Simulator:
    """A registered simulator: ``func(seed=..., **params) -> {kind: data, "metadata": {...}}``.

    ``kinds`` lists the datatypes the function can produce. Functions that produce one of several
    kinds on request (catalogue simulators: ECVD or ECLD) accept a ``kind`` keyword.
    """

    name: str
    func: Callable
    kinds: tuple
    description: str = ""
    takes_kind: bool = field(default=False, compare=False)

    def __call__(self, *, kind: str | None = None, seed=None, **params) -> dict:
        if kind is not None and kind not in self.kinds:
            raise SimulationError(f"simulator {self.name!r} cannot produce {kind!r}; it "
                                  f"produces: {', '.join(self.kinds)}")
        _check_params(self, params)
        if self.takes_kind:
            return self.func(seed=seed, kind=kind or self.kinds[0], **params)
        return self.func(seed=seed, **params)


def _check_params(sim: Simulator, params: dict) -> None:
    # functions taking **params validate their own keys (volcano, lab)
    sig = inspect.signature(sim.func)
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    valid = set(sig.parameters) - {"seed", "kind"}
    unknown = sorted(set(params) - valid)
    if unknown:
        raise SimulationError(f"unknown parameter(s) {unknown} for simulator {sim.name!r}; "
                              f"valid parameters are: {', '.join(sorted(valid))}")


_REGISTRY: dict[str, Simulator] = {}


def register_simulator(name: str, func: Callable, kinds, *, description: str = "",
                       overwrite: bool = False) -> Simulator:
    """Register ``func`` under ``name`` for the datatypes ``kinds`` (users add their own).

    ``func(seed=None, **params)`` must return ``{kind: DataFrame (or {station: DataFrame} for
    scvd), ..., "metadata": {kind: dict}}``. If it accepts a ``kind`` keyword it is told which
    datatype is wanted.
    """
    if not isinstance(name, str) or not name:
        raise SimulationError(f"simulator name {name!r} must be a non-empty string")
    if not callable(func):
        raise SimulationError(f"simulator {name!r}: {func!r} is not callable")
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    known = {"ecvd", "scvd", "evd", "ecld", "scld"}
    bad = [k for k in kinds if k not in known]
    if not kinds or bad:
        raise SimulationError(f"simulator {name!r}: invalid kinds {bad or kinds!r}; valid "
                              f"kinds are: {', '.join(sorted(known))}")
    if name in _REGISTRY and not overwrite:
        raise SimulationError(f"a simulator named {name!r} is already registered; pass "
                              "overwrite=True to replace it")
    takes_kind = "kind" in inspect.signature(func).parameters
    sim = Simulator(name, func, kinds, description, takes_kind)
    _REGISTRY[name] = sim
    return sim


def get_simulator(name: str) -> Simulator:
    """The simulator registered as ``name``; :class:`UnknownFormatError` lists the valid ones."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownFormatError("simulator", name, _REGISTRY) from None


def available_simulators(kind: str | None = None) -> list[str]:
    """Names of registered simulators (that can produce ``kind``, if given)."""
    return [n for n, s in _REGISTRY.items() if kind is None or kind in s.kinds]


def simulate(name: str, *, kind: str | None = None, seed=None, **params) -> dict:
    """Run the simulator ``name``: ``get_simulator(name)(kind=kind, seed=seed, **params)``."""
    return get_simulator(name)(kind=kind, seed=seed, **params)


# ----------------------------------------------------------------------------------------------
# catalogue simulators returning canonical datasets
# ----------------------------------------------------------------------------------------------
def _catalogue(kind, times, columns, start, simulation, origin=None):
    """Canonical ECVD (UTC times from ``start``, days) or ECLD (seconds) from float times."""
    if kind == "ecvd":
        start_ts = parse_time(start)
        data = {"time": from_days(times, start_ts)}
        n = len(times)
        data["latitude"] = columns.pop("latitude", np.full(n, np.nan))
        data["longitude"] = columns.pop("longitude", np.full(n, np.nan))
        data["depth"] = columns.pop("depth", np.full(n, np.nan))
        data["magnitude"] = columns.pop("magnitude")
        data.update(columns)
        metadata = {"datatype": "ecvd", "location": "synthetic",
                    "time_start": start_ts.isoformat(), "location_unit": "degrees",
                    "depth_unit": "km", "simulation": simulation}
    elif kind == "ecld":
        data = {"time": np.asarray(times, dtype=float), **columns}
        metadata = {"datatype": "ecld", "time_unit": "seconds", "size_format": "magnitude",
                    "location": "synthetic", "simulation": simulation}
    else:
        raise SimulationError(f"catalogue simulators produce ecvd or ecld, not {kind!r}")
    return {kind: pd.DataFrame(data), "metadata": {kind: metadata}}


def simulate_etas_data(*, seed=None, kind: str = "ecvd", start="2000-01-01",
                       spatial: bool = False, **params) -> dict:
    """ETAS catalogue as a canonical dataset (times in days from ``start`` for ECVD, seconds for
    ECLD), keeping the genealogy columns. ``spatial=True`` uses
    :func:`~varpy.simulation.etas.simulate_etas_space_time` (give ``origin=(lat, lon)`` for
    ECVD coordinates); other parameters go to the ETAS function."""
    func = simulate_etas_space_time if spatial else simulate_etas
    try:
        cat = func(seed=seed, **params)
    except TypeError as exc:
        raise SimulationError(f"invalid ETAS parameters: {exc}") from exc
    simulation = dict(cat.attrs["simulation"])
    columns = {c: cat[c].to_numpy() for c in cat.columns if c != "time"}
    return _catalogue(kind, cat["time"].to_numpy(), columns, start, simulation)


def _etas_space_time_data(*, seed=None, kind: str = "ecvd", start="2000-01-01", **params):
    return simulate_etas_data(seed=seed, kind=kind, start=start, spatial=True, **params)


def simulate_rate_model_data(*, seed=None, kind: str = "ecvd", model, params=None,
                             t_end: float, t_start: float = 0.0, start="2000-01-01",
                             b: float = 1.0, mmin: float = 0.0, mmax: float | None = None,
                             dm: float | None = None, detection=None,
                             method: str = "inversion") -> dict:
    """Catalogue from a rate model (inhomogeneous Poisson times, GR magnitudes).

    ``model`` is a rate object (``rate(t)``, ``integral(a, b)``), a rate model with ``params``,
    or the name of a model registered in :mod:`varpy.modelling.models`. Times are in the model's
    units on ``[t_start, t_end)`` (days from ``start`` for ECVD, seconds for ECLD). This covers
    VarPy's CR, EXP, MOL, IOL and creep catalogue simulators.
    """
    if isinstance(model, str):
        model = _model_by_name(model)
    rf = as_rate_function(model, params)
    rng = np.random.default_rng(seed)
    gr = GutenbergRichter(b=b, mmin=mmin, mmax=mmax, dm=dm,
                          detection=None if detection is None else tuple(detection))
    observed = gr.observed_per_complete()
    if observed != 1.0:
        rf = _Scaled(rf, observed)
    times = inhomogeneous_poisson(rf, t_start, t_end, rng, method=method)
    mags = gr.sample(times.size, rng)
    name = getattr(model, "name", None) or type(model).__name__
    simulation = {"simulator": "rate_model",
                  "parameters": {"model": str(name), "params": jsonable(params),
                                 "t_start": float(t_start), "t_end": float(t_end),
                                 "magnitudes": gr.to_dict()},
                  "seed": seed_record(seed)}
    return _catalogue(kind, times, {"magnitude": mags}, start, simulation)


class _Scaled:
    """``factor * rate`` (observed events per true event, for incomplete catalogues)."""

    def __init__(self, rf, factor):
        self.rf, self.factor = rf, factor

    def rate(self, t):
        return self.factor * np.asarray(self.rf.rate(t), dtype=float)

    def integral(self, a, b):
        return self.factor * np.asarray(self.rf.integral(a, b), dtype=float)


def _model_by_name(name):
    from varpy.modelling import models as model_module  # lazy: modelling is optional here

    getter = getattr(model_module, "get_model", None)
    if getter is None:
        raise SimulationError("varpy.modelling.models has no get_model(name); pass the model "
                              "object instead of its name")
    return getter(name)


register_simulator("volcano", simulate_volcano_data, ("ecvd", "evd", "scvd"),
                   description="eruption cycles with precursors, aftershocks and tilt "
                               "(VarPy 2016 section 10)")
register_simulator("lab_creep", simulate_lab_data, ("ecld", "scld"),
                   description="creep-to-failure experiment: AE, stress, strain")
register_simulator("etas", simulate_etas_data, CATALOGUE_KINDS,
                   description="temporal ETAS with genealogy")
register_simulator("etas_space_time", _etas_space_time_data, CATALOGUE_KINDS,
                   description="space-time ETAS with isotropic kernels and genealogy")
register_simulator("rate_model", simulate_rate_model_data, CATALOGUE_KINDS,
                   description="inhomogeneous Poisson catalogue from a rate model")


# ----------------------------------------------------------------------------------------------
# whole synthetic projects
# ----------------------------------------------------------------------------------------------
def simulate_volcano(id: str, root=None, *, seed=None, overwrite: bool = False, **params):
    """A complete synthetic :class:`~varpy.Volcanic` project (ECVD, EVD, SCVD stations).

    ``root=None`` keeps it in memory; otherwise it is stored in ``root/id``. Parameters are those
    of :func:`~varpy.simulation.volcano.simulate_volcano_data` (defaults: VarPy's 10-year
    example). The simulator, its parameters and the seed are recorded in every datatype's
    metadata.

    >>> v = simulate_volcano("synthetic", seed=4, duration=400.0)
    >>> sorted(v.datatypes())[:2]
    ['ecvd', 'evd']
    """
    from varpy.management.projects import project_class

    project = project_class("volcanic")(id, root=root)
    project.sim_datatypes("volcano", seed=seed, overwrite=overwrite, **params)
    return project


def simulate_laboratory(id: str, root=None, *, seed=None, overwrite: bool = False, **params):
    """A complete synthetic :class:`~varpy.Laboratory` creep experiment (ECLD and SCLD)."""
    from varpy.management.projects import project_class

    project = project_class("laboratory")(id, root=root)
    project.sim_datatypes("lab_creep", seed=seed, overwrite=overwrite, **params)
    return project


# ----------------------------------------------------------------------------------------------
# ensembles
# ----------------------------------------------------------------------------------------------
def ensemble_seeds(seed, n: int) -> list[int]:
    """``n`` independent integer seeds derived from ``seed`` (recordable in metadata)."""
    from varpy.parallel import spawn_seeds

    return [int(s.generate_state(1, np.uint64)[0] >> np.uint64(1)) for s in spawn_seeds(seed, n)]


def _ensemble_member(task):
    name, kind, member_seed, params = task
    return simulate(name, kind=kind, seed=member_seed, **params)


def ensemble(name: str, n: int, *, seed=None, kind: str | None = None, executor=None,
             progress: bool | None = None, **params) -> list[dict]:
    """Run the simulator ``name`` ``n`` times with independent seeds.

    Member ``i`` uses ``ensemble_seeds(seed, n)[i]``, an integer recorded in its metadata, so any
    member can be regenerated alone, and the results are identical whether the members run
    serially or on an executor (``concurrent.futures`` or ``dask.distributed.Client``).

    >>> members = ensemble("etas", 3, seed=1, kind="ecld", mu=0.05, k=0.01, alpha=1.0, c=1.0,
    ...                    p=1.3, t_end=500.0, progress=False)
    >>> len(members), members[0]["metadata"]["ecld"]["simulation"]["seed"] == ensemble_seeds(1, 3)[0]
    (3, True)
    """
    from varpy.parallel import map_tasks

    if int(n) < 1:
        raise SimulationError(f"an ensemble needs n >= 1 members, not {n!r}")
    get_simulator(name)  # fail before starting workers
    tasks = [(name, kind, s, params) for s in ensemble_seeds(seed, int(n))]
    return map_tasks(_ensemble_member, tasks, executor=executor, progress=progress,
                     desc=f"ensemble {name}")
