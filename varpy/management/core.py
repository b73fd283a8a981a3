"""Projects: :class:`Volcanic` and :class:`Laboratory`, and :func:`open`.

A project is a named set of datatypes stored in a per-ID tree (see :mod:`varpy.management.store`).

* ``Volcanic(id, root=".")`` creates ``root/id`` or opens the project already there (it never
  deletes anything, unlike VarPy 2016).
* Reading, selecting and analysing never write. Writing happens through explicit methods:
  :meth:`Project.add_datatype`, :meth:`Project.update_datatype`, :meth:`Project.sim_datatype`,
  :meth:`Project.apply_model`, :meth:`Project.save`, :meth:`Project.save_as`, and analysis
  results recorded on a datatype (``obj.ecvd.mc(...)``).
* Selections (:mod:`varpy.preparation`) return new objects and leave the original untouched; the
  new object remembers the filters in each datatype's ``selection``.
* ``root=None`` makes an in-memory project (nothing is written until :meth:`Project.save_as`).

Examples
--------
>>> import tempfile, varpy
>>> root = tempfile.mkdtemp()
>>> v = varpy.Volcanic("Etna", root=root)
>>> v
<Volcanic 'Etna': no datatypes>
>>> varpy.open(v.path).id
'Etna'
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar

import pandas as pd

from varpy.exceptions import (InvalidIDError, MetadataError, ProjectExistsError, StoreError,
                              UnknownFormatError)
from varpy.management.datatypes import Datatype, datatype_class, datatype_key
from varpy.management.projects import register_project_class
from varpy.management.models import Model, to_builtin
from varpy.management.store import ProjectStore, validate_id, validate_name

__all__ = ["Project", "Volcanic", "Laboratory", "open", "datatype_key"]

log = logging.getLogger(__name__)


class Project:
    """Base class of :class:`Volcanic` and :class:`Laboratory` (VarPy's ``Var_Data``)."""

    project_type: ClassVar[str] = ""
    kinds: ClassVar[tuple[str, ...]] = ()

    def __init__(self, id: str, root: str | Path | None = "."):
        self.id = validate_id(id)
        self._store: ProjectStore | None = None
        self._derived = False
        for kind in self.kinds:
            setattr(self, kind, {} if kind == "scvd" else None)
        if root is None:
            return
        self._store = ProjectStore(root, self.id)
        with self._store.lock():
            if self._store.exists():
                self._load()
            else:
                self._store.create(self.project_type)
                log.info("created %s project %r at %s", self.project_type, self.id,
                         self._store.path)

    # -- properties ----------------------------------------------------------------------------
    @property
    def path(self) -> Path | None:
        """The project's folder (``root/ID``), or None for an in-memory project."""
        return None if self._store is None else self._store.path

    @property
    def store(self) -> ProjectStore:
        if self._store is None:
            raise StoreError(f"project {self.id!r} is in memory only; use save_as(id, root) "
                             "to give it a folder")
        return self._store

    def datatypes(self) -> dict[str, Datatype]:
        """All present datatypes by storage key (``ecvd``, ``evd``, ``scvd-CDV``, ...)."""
        out: dict[str, Datatype] = {}
        for kind in self.kinds:
            value = getattr(self, kind)
            if kind == "scvd":
                for station in sorted(value):
                    out[datatype_key(value[station])] = value[station]
            elif value is not None:
                out[kind] = value
        return out

    def get(self, kind: str, station: str | None = None) -> Datatype:
        """The datatype ``kind`` (and ``station`` for SCVD); raises KeyError if absent."""
        kind = self._check_kind(kind)
        if kind == "scvd":
            if station is None:
                if len(self.scvd) == 1:
                    return next(iter(self.scvd.values()))
                raise KeyError(f"project {self.id!r} has stations {sorted(self.scvd)}; "
                               "name one with station=")
            try:
                return self.scvd[station]
            except KeyError:
                raise KeyError(f"project {self.id!r} has no SCVD station {station!r}; "
                               f"stations: {sorted(self.scvd)}") from None
        value = getattr(self, kind)
        if value is None:
            raise KeyError(f"project {self.id!r} has no {kind.upper()} yet; add it with "
                           f"add_datatype({kind!r}, data_file, metadata_file)")
        return value

    # -- loading -------------------------------------------------------------------------------
    def _load(self) -> None:
        store = self.store
        manifest = store.read_manifest()
        if manifest["type"] != self.project_type:
            cls = Volcanic if manifest["type"] == "volcanic" else Laboratory
            raise StoreError(f"{store.path} holds a {manifest['type']} project; open it with "
                             f"varpy.{cls.__name__}({self.id!r}, root=...) or varpy.open(path)")
        for key, entry in manifest["datatypes"].items():
            _, dataset, metadata = store.get_datatype(key)
            cls = datatype_class(entry["kind"])
            models = {name: Model.from_dict(d) for name, d in store.read_models(key).items()}
            dt = cls(dataset, metadata, models=models, selection=entry.get("selection", []),
                     outputs=store.read_analyses(key), station=entry.get("station"))
            self._attach(dt)

    def _attach(self, dt: Datatype) -> None:
        dt._project = self
        if dt.kind == "scvd":
            self.scvd[dt.station] = dt
        else:
            setattr(self, dt.kind, dt)

    def _check_kind(self, kind: str) -> str:
        k = str(kind).lower()
        if k not in self.kinds:
            raise UnknownFormatError(f"datatype for a {self.project_type} project", str(kind),
                                     self.kinds)
        return k

    # -- M1: adding data -----------------------------------------------------------------------
    def add_datatype(self, kind: str, data_file, metadata_file=None, *, station: str | None = None,
                     format: str | None = None, metadata: dict | None = None,
                     overwrite: bool = False, **options) -> Datatype:
        """Import a data file as datatype ``kind`` and store it in the project.

        Parameters
        ----------
        kind : {'ecvd', 'scvd', 'evd'} or {'ecld', 'scld'}
        data_file : path
        metadata_file : path, optional
            VarPy two-line table or YAML (:func:`varpy.management.metadata.read_metadata`).
        station : str
            Station name (SCVD only; defaults to ``metadata['station']``).
        format : str, optional
            Importer name (see ``varpy.management.importers.available()``); by default taken
            from the metadata's ``format`` or ``location``.
        metadata : dict, optional
            Extra metadata; overrides keys read from ``metadata_file``.
        overwrite : bool
            Replace a datatype that is already present (its input copies are kept).
        **options
            Passed to the importer (for example a column mapping for CSV files).

        Returns
        -------
        Datatype
            The new datatype, also set on the project (``obj.ecvd``, ``obj.scvd[station]``...).

        Nothing is half-imported: if parsing or validation fails, the project and its folder are
        as they were.
        """
        from varpy.management import importers
        from varpy.management.metadata import read_metadata, validate_metadata

        kind = self._check_kind(kind)
        data_file = Path(data_file)
        md: dict = {}
        if metadata_file is not None:
            md.update(read_metadata(metadata_file))
        md.update(metadata or {})
        md = validate_metadata(kind, md, path=metadata_file)
        station = self._station_for(kind, station, md)
        existing = self._existing(kind, station)
        if existing is not None and not overwrite:
            raise ProjectExistsError(
                f"project {self.id!r} already holds {kind.upper()}"
                + (f" station {station!r}" if station else "")
                + "; use update_datatype to append new data or overwrite=True to replace it")
        fmt = importers.detect_format(kind, md, path=data_file, format=format)
        dataset = importers.read(data_file, kind, format=fmt, metadata=md, **options)
        md["format"] = fmt
        if station is not None:
            md["station"] = station
        dt = datatype_class(kind)(dataset, md, station=station, source=str(data_file))
        if self._store is not None:
            key = datatype_key(dt)
            with self.store.lock():
                sources = [self.store.copy_original(key, data_file)]
                if metadata_file is not None:
                    sources.append(self.store.copy_original(key, Path(metadata_file)))
                self._put(dt, overwrite=overwrite, sources=sources, options=options)
        self._attach(dt)
        log.info("added %s to %r: %d rows from %s", datatype_key(dt), self.id, len(dt), data_file)
        return dt

    def update_datatype(self, kind: str, data_file, *, station: str | None = None,
                        format: str | None = None, **options) -> int:
        """Append newly arrived data (a streaming observatory or lab) to an existing datatype.

        The new file is parsed with the datatype's format, merged with the stored rows, exact
        duplicates (and, where an ``event_id`` column exists, earlier versions of the same
        event) are dropped, and the result is sorted by time and stored. Returns the number of
        rows added.
        """
        from varpy.management import importers

        kind = self._check_kind(kind)
        dt = self.get(kind, station)
        fmt = format or dt.metadata.get("format")
        fmt = importers.detect_format(kind, dt.metadata, path=Path(data_file), format=fmt)
        new = importers.read(Path(data_file), kind, format=fmt, metadata=dt.metadata, **options)
        if self._store is None:
            base = dt.dataset
            merged = merge_rows(base, new, dt.time_column)
            updated = type(dt)(merged, dt.metadata, models=dt.models, selection=dt.selection,
                               outputs=dt.outputs, station=dt.station, source=str(data_file))
        else:
            key = datatype_key(dt)
            with self.store.lock():
                # Merge into what is stored now, not into this object's possibly stale copy,
                # so that concurrent updaters never lose each other's rows.
                _, base, _ = self.store.get_datatype(key)
                base = type(dt).validate(base)
                merged = merge_rows(base, new, dt.time_column)
                updated = type(dt)(merged, dt.metadata, models=dt.models,
                                   selection=dt.selection, outputs=dt.outputs,
                                   station=dt.station, source=str(data_file))
                sources = [self.store.copy_original(key, Path(data_file))]
                self._put(updated, overwrite=True, sources=sources, options=options)
        added = len(merged) - len(base)
        self._attach(updated)
        log.info("updated %s of %r: %d new rows", datatype_key(dt), self.id, added)
        return added

    def sim_datatype(self, kind: str, simulator: str, *, station: str | None = None,
                     seed=None, overwrite: bool = False, **params) -> Datatype:
        """Fill datatype ``kind`` with data from a registered simulator (VarPy's M1 method).

        The simulator name, its parameters and the seed are recorded in the metadata key
        ``simulation``, so the data can be regenerated from the saved project. Without a
        ``seed`` a fresh integer seed is drawn and recorded. Composite simulators (``"volcano"``,
        ``"lab_creep"``) give the same world for the same seed, so their datatypes can be
        simulated one by one; :meth:`sim_datatypes` sets them all at once.

        Examples
        --------
        >>> import varpy
        >>> lab = varpy.Laboratory("demo", root=None)
        >>> lab.sim_datatype("ecld", "lab_creep", seed=3)
        <ECLD ...>
        """
        kind = self._check_kind(kind)
        created = self.sim_datatypes(simulator, kinds=(kind,), station=station, seed=seed,
                                     overwrite=overwrite, **params)
        return created[0]

    def sim_datatypes(self, simulator: str, *, kinds=None, station: str | None = None,
                      seed=None, overwrite: bool = False, **params) -> list[Datatype]:
        """Set every datatype (or those in ``kinds``) that a simulator produces."""
        import warnings

        import numpy as np

        from varpy import simulation
        from varpy.exceptions import DataWarning

        sim = simulation.get_simulator(simulator)
        wanted = tuple(k for k in sim.kinds if k in self.kinds) if kinds is None else \
            tuple(self._check_kind(k) for k in kinds)
        if not wanted:
            raise UnknownFormatError(f"simulator for a {self.project_type} project", simulator,
                                     simulation.available_simulators())
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2**63)
        elif isinstance(seed, np.random.Generator):
            warnings.warn("a Generator seed cannot be recorded; pass an int seed to make the "
                          "simulation reproducible from the saved project", DataWarning,
                          stacklevel=2)
        created: list[Datatype] = []
        pending: list[Datatype] = []
        for kind in wanted:
            call_kind = kind if sim.takes_kind else None
            out = sim(kind=call_kind, seed=seed, **params)
            data, meta = out[kind], out["metadata"][kind]
            if kind == "scvd":
                names = [station] if station is not None else sorted(data)
                for name in names:
                    if name not in data:
                        raise KeyError(f"simulator {simulator!r} has no station {name!r}; "
                                       f"stations: {sorted(data)}")
                    md = dict(meta[name], station=name)
                    pending.append(datatype_class(kind)(data[name], md,
                                                        station=validate_name(name, "station name")))
            else:
                pending.append(datatype_class(kind)(data, dict(meta)))
        for dt in pending:
            if self._existing(dt.kind, dt.station) is not None and not overwrite:
                raise ProjectExistsError(
                    f"project {self.id!r} already holds {datatype_key(dt)!r}; pass "
                    "overwrite=True to replace it with simulated data")
        for dt in pending:
            if self._store is not None:
                self._put(dt, overwrite=overwrite, sources=[], options={})
            self._attach(dt)
            created.append(dt)
        return created

    def apply_model(self, kind: str, model: str, start, end, *, station: str | None = None,
                    **options):
        """Fit ``model`` to datatype ``kind`` on ``[start, end)`` and store the output.

        See :func:`varpy.modelling.experiments.apply_model` for the options (``tf`` for a
        retrospective analysis, ``mc``, ``method``, ``name``...). The output is appended to
        ``datatype.models[name].outputs`` and persisted with the project.
        """
        from varpy.modelling.experiments import apply_model

        return apply_model(self, kind, model, start, end, station=station, **options)

    def record_model_output(self, kind: str, output, *, station: str | None = None,
                            model_kind: str = "") -> None:
        """Append a :class:`~varpy.management.models.ModelOutput` to ``models[output.model]``
        of a datatype and persist it (merged with whatever other processes stored)."""
        self.record_model_outputs(kind, [output], station=station, model_kind=model_kind)

    def record_model_outputs(self, kind: str, outputs, *, station: str | None = None,
                             model_kind: str = "") -> None:
        """Append several outputs (in order) and persist them in one write."""
        dt = self.get(kind, station)
        for output in outputs:
            model = dt.models.setdefault(output.model,
                                         Model(output.model, model_kind or output.kind))
            model.add(output)
        self._persist_models(dt)

    def _station_for(self, kind: str, station, md: dict):
        if kind != "scvd":
            if station is not None:
                raise ValueError(f"station= applies to SCVD only, not {kind.upper()}")
            return None
        station = station if station is not None else md.get("station")
        if station is None:
            raise MetadataError("an SCVD datatype needs a station name", key="station",
                                expected="station='CDV' or a 'station' metadata key")
        return validate_name(str(station), "station name")

    def _existing(self, kind: str, station):
        if kind == "scvd":
            return self.scvd.get(station)
        return getattr(self, kind)

    # -- persistence ---------------------------------------------------------------------------
    def _entry(self, dt: Datatype, options: dict | None = None) -> dict:
        entry = {"kind": dt.kind, "selection": to_builtin(dt.selection)}
        if dt.station is not None:
            entry["station"] = dt.station
        if options:
            entry["import_options"] = to_builtin(options)
        return entry

    def _put(self, dt: Datatype, *, overwrite: bool, sources, options) -> None:
        key = datatype_key(dt)
        with self.store.lock():
            self.store.put_datatype(key, self._entry(dt, options), dt.dataset,
                                    to_builtin(dt.metadata), overwrite=overwrite, sources=sources)
            if dt.models:
                self.store.merge_models(key, dt.models)
            if dt.outputs:
                self.store.merge_analyses(key, dt.outputs)

    def _persist_models(self, dt: Datatype) -> None:
        if self._store is not None and dt._project is self:
            merged = self.store.merge_models(datatype_key(dt), dt.models)
            dt.models.update(merged)

    def _persist_outputs(self, dt: Datatype, records: dict) -> None:
        if self._store is not None and dt._project is self:
            self.store.merge_analyses(datatype_key(dt), records)

    def save(self, *, overwrite: bool = False) -> Path:
        """Write every datatype, model output and analysis result to the project folder.

        Model outputs and analyses are merged with what is stored (nothing another process
        wrote is lost). A dataset that differs from the stored one (for example after a
        selection) is only written with ``overwrite=True``; use :meth:`save_as` to keep both.
        """
        store = self.store
        with store.lock():
            manifest = store.read_manifest()
            for key, dt in self.datatypes().items():
                entry = manifest["datatypes"].get(key)
                if entry is not None and self._same_as_stored(key, dt):
                    if dt.models:
                        store.merge_models(key, dt.models)
                    if dt.outputs:
                        store.merge_analyses(key, dt.outputs)
                    continue
                self._put(dt, overwrite=overwrite, sources=[], options={})
        return store.path

    def _same_as_stored(self, key: str, dt: Datatype) -> bool:
        entry, dataset, metadata = self.store.get_datatype(key)
        stored = type(dt)(dataset, metadata, selection=entry.get("selection", []),
                          station=entry.get("station"))
        return (stored.dataset.equals(dt.dataset)
                and list(stored.dataset.dtypes) == list(dt.dataset.dtypes)
                and to_builtin(stored.metadata) == to_builtin(dt.metadata)
                and stored.selection == to_builtin(dt.selection))

    def save_as(self, id: str, root: str | Path | None = None, *, overwrite: bool = False
                ) -> "Project":
        """Write this object (for example a selection) as a new project ``root/id``.

        Input-file copies of the source project are carried over for provenance. Returns the
        new project, opened from disk.
        """
        validate_id(id)
        if root is None:
            if self._store is None:
                raise StoreError("an in-memory project needs root= in save_as")
            root = self._store.root
        target = ProjectStore(root, id)
        if self._store is not None and target.path.resolve() == self._store.path.resolve():
            raise ProjectExistsError(f"save_as({id!r}) names this project itself; use save()")
        with target.lock():
            if target.exists() and not overwrite:
                raise ProjectExistsError(f"a project already exists at {target.path}; pass "
                                         "overwrite=True to replace its datatypes")
            if not target.exists():
                target.create(self.project_type)
            for key, dt in self.datatypes().items():
                sources = []
                if self._store is not None and self._store.exists():
                    entry = self._store.read_manifest()["datatypes"].get(key, {})
                    for rel in entry.get("sources", []):
                        src = self._store.path / rel
                        if src.is_file():
                            sources.append(target.copy_original(key, src))
                target.put_datatype(key, self._entry(dt), dt.dataset, to_builtin(dt.metadata),
                                    overwrite=True, sources=sources)
                if dt.models:
                    target.merge_models(key, dt.models)
                if dt.outputs:
                    target.merge_analyses(key, dt.outputs)
        return type(self)(id, root=root)

    # -- M2: derived objects -------------------------------------------------------------------
    def copy(self) -> "Project":
        """A deep copy attached to the same folder (writes from it still go to this project)."""
        new = self._empty_like()
        for dt in self.datatypes().values():
            new._attach(dt.copy())
        return new

    def with_datatypes(self, replacements: dict[str, Datatype]) -> "Project":
        """A copy in which the datatypes under the given keys are replaced (used by windows)."""
        for key, dt in replacements.items():
            if datatype_key(dt) != key:
                raise ValueError(f"replacement for {key!r} is a {datatype_key(dt)!r}")
        new = self._empty_like()
        new._derived = True
        for key, dt in self.datatypes().items():
            new._attach(replacements[key] if key in replacements else dt.copy())
        for key, dt in replacements.items():
            if key not in self.datatypes():
                new._attach(dt)
        return new

    def _empty_like(self) -> "Project":
        new = object.__new__(type(self))
        new.id = self.id
        new._store = self._store
        new._derived = self._derived
        for kind in self.kinds:
            setattr(new, kind, {} if kind == "scvd" else None)
        return new

    # -- display -------------------------------------------------------------------------------
    def summary(self) -> str:
        """Counts, time spans, ranges, stations and models of every datatype."""
        where = "in memory" if self._store is None else str(self._store.path)
        head = f"{type(self).__name__} project {self.id!r} ({where})"
        if self._derived:
            head += " [selection; save_as() to store it separately]"
        body = [dt.summary() for dt in self.datatypes().values()]
        return "\n".join([head] + (body or ["  no datatypes yet"]))

    def __repr__(self) -> str:
        dts = self.datatypes()
        if not dts:
            return f"<{type(self).__name__} {self.id!r}: no datatypes>"
        parts = ", ".join(f"{k}[{len(v)}]" for k, v in dts.items())
        return f"<{type(self).__name__} {self.id!r}: {parts}>"

    def _repr_pretty_(self, p, cycle):  # IPython
        p.text(self.summary() if not cycle else repr(self))

    def __eq__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.id == other.id and self.datatypes() == other.datatypes()

    __hash__ = None


@register_project_class
class Volcanic(Project):
    """A volcano: ECVD (earthquakes), EVD (eruptions) and SCVD stations (tilt, ...).

    Attributes ``ecvd``, ``evd`` (datatypes or None) and ``scvd`` (dict station -> SCVD).
    """

    project_type = "volcanic"
    kinds = ("ecvd", "evd", "scvd")


@register_project_class
class Laboratory(Project):
    """A laboratory experiment: ECLD (acoustic emissions) and SCLD (stress, strain, ...)."""

    project_type = "laboratory"
    kinds = ("ecld", "scld")


def open(path) -> Project:  # noqa: A001 - mirrors the builtin on purpose: varpy.open(path)
    """Reopen the project stored at ``path`` (a folder ``root/ID``), whatever its type."""
    path = Path(path)
    try:
        validate_id(path.name)
    except InvalidIDError as exc:
        raise StoreError(f"{path} is not a varpy project folder: {exc}") from exc
    store = ProjectStore(path.parent, path.name)
    if not store.exists():
        raise StoreError(f"no varpy project at {path} (no {store.manifest_path.name})")
    kind = store.read_manifest()["type"]
    cls = {"volcanic": Volcanic, "laboratory": Laboratory}.get(kind)
    if cls is None:
        raise StoreError(f"{path} holds an unknown project type {kind!r}")
    return cls(path.name, root=path.parent)


def merge_rows(old: pd.DataFrame, new: pd.DataFrame, time_column: str) -> pd.DataFrame:
    """Old rows plus new ones: no duplicates, ordered by time, nothing lost.

    Where an ``event_id`` column is filled, a new row with the id of an old one replaces it
    (catalogues revise locations and magnitudes); otherwise exact duplicate rows are dropped.
    """
    combined = pd.concat([old, new], ignore_index=True)
    if "event_id" in combined.columns and combined["event_id"].notna().all():
        combined = combined.drop_duplicates(subset="event_id", keep="last")
    else:
        combined = combined.drop_duplicates(keep="first")
    combined = combined.sort_values(time_column, kind="stable", na_position="last")
    return combined.reset_index(drop=True)

