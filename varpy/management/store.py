"""The per-ID project tree on disk.

Layout of ``root/ID/``::

    varpy.yaml            manifest: project type, datatypes, models, figures, outputs, versions, times
    Data/originals/KEY/   byte-for-byte copies of every imported input file (never overwritten)
    Data/KEY-HASH.parquet the parsed dataset of datatype KEY (lossless: dtypes, time zones)
    Metadata/KEY-HASH.yaml the datatype's metadata
    Output/KEY/models.json    every model output of the datatype
    Output/KEY/analyses.json  Mc, b-value and other analysis results
    Output/               tables and reports written by varpy.write
    Figures/              figures saved by varpy.visualization

Guarantees:

* Opening never deletes user data. Nothing that exists is overwritten without ``overwrite=True``.
* Every file is written atomically (temporary file in the same folder, fsync, ``os.replace``).
  Dataset files get a content-derived name, and the manifest, written last, is what makes a new
  state current; so a crash mid-save leaves the old or the new state, never a mixture.
* Writers (and readers) hold a cross-process lock on the project (``filelock``).
* Temporary files are named ``.<name>.p<pid>-<random>.tmp``: the writer's process id says who
  owns one. The first time a store takes its project's lock (opening a project), it removes
  the temporary files whose writer is no longer running (a writer killed mid-save) and logs
  each one (:meth:`ProjectStore.clean_temporary_files`). Files that name no writer (written by
  older varpy, or anything else that merely looks like one) are only reported: they are
  removed with ``clean_temporary_files(unowned=True)``, never implicitly.
* YAML is read with ``yaml.safe_load`` only; nothing is pickled.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import warnings
from pathlib import Path

import filelock
import pandas as pd
import yaml

from varpy._version import __version__
from varpy.exceptions import DataWarning, InvalidIDError, ProjectExistsError, StoreError

__all__ = [
    "FORMAT_VERSION",
    "validate_id",
    "validate_name",
    "atomic_write_bytes",
    "atomic_write_text",
    "write_dataset",
    "read_dataset",
    "dump_yaml",
    "load_yaml",
    "ProjectStore",
    "package_versions",
    "orphan_temporary_files",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "varpy.yaml"
LOCK = ".varpy.lock"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_LOCK_TIMEOUT = float(os.environ.get("VARPY_LOCK_TIMEOUT", "120"))


def validate_id(value, what: str = "project ID") -> str:
    """Check that a user-given ID or name is a single safe path component.

    Valid: 1-128 characters from letters, digits, ``.``, ``_`` and ``-``, starting with a letter
    or digit, and not ``..``-containing. Path separators, absolute paths, control characters and
    traversal are refused with :class:`~varpy.exceptions.InvalidIDError`.
    """
    if not isinstance(value, str):
        raise InvalidIDError(f"{what} must be a string, not {type(value).__name__}")
    if not _ID_RE.fullmatch(value) or ".." in value:
        raise InvalidIDError(
            f"invalid {what} {value!r}: use 1-128 letters, digits, '.', '_' or '-', starting with "
            "a letter or digit, with no path separators, '..' or control characters")
    return value


validate_name = validate_id


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    path = Path(path)
    if not overwrite and path.exists():
        raise ProjectExistsError(f"{path} exists; pass overwrite=True to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.p{os.getpid()}-", suffix=".tmp",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return path


#: Temporary files of :func:`atomic_write_bytes`: ``.<name>.p<pid>-<random>.tmp``; older
#: varpy wrote ``.<name>.<random>.tmp`` (no owner recorded). ``<random>`` is the 8 characters
#: of :func:`tempfile.mkstemp`.
_TMP_RE = re.compile(r"^\..+\.(?:p(?P<pid>\d+)-)?[a-z0-9_]{8}\.tmp$")
#: Age after which a temporary file that names no writer is taken as abandoned (seconds).
UNOWNED_TMP_AGE = 600.0


def _running(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a process of another user counts)."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # e.g. Windows: no signal 0; keep the file rather than guess
        return True
    return True


def orphan_temporary_files(root: Path, *, now: float | None = None,
                           unowned: bool = False) -> list[Path]:
    """Temporary files under ``root`` that no running writer owns.

    A file ``.<name>.p<pid>-<random>.tmp`` is owned while process ``pid`` runs. A file of the
    older form ``.<name>.<random>.tmp`` names no writer, so nothing proves it is varpy's: it is
    listed only with ``unowned=True``, and then once older than :data:`UNOWNED_TMP_AGE`
    seconds. Symbolic links are not followed.
    """
    import time

    now = time.time() if now is None else now
    found = []
    for folder, dirs, files in os.walk(root):
        for name in files:
            match = _TMP_RE.match(name)
            if match is None:
                continue
            path = Path(folder) / name
            if match.group("pid") is not None:
                if not _running(int(match.group("pid"))):
                    found.append(path)
            elif unowned:
                try:
                    age = now - path.lstat().st_mtime
                except FileNotFoundError:
                    continue
                if age > UNOWNED_TMP_AGE:
                    found.append(path)
    return sorted(found)


def atomic_write_text(path: Path, text: str, *, overwrite: bool = True) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


def write_dataset(path: Path, df: pd.DataFrame) -> Path:
    """Write a DataFrame losslessly (Parquet, zstd) and atomically."""
    buf = io.BytesIO()
    df.to_parquet(buf, engine="pyarrow", compression="zstd", index=False)
    return atomic_write_bytes(Path(path), buf.getvalue())


def read_dataset(path: Path) -> pd.DataFrame:
    """Read a dataset written by :func:`write_dataset`."""
    try:
        return pd.read_parquet(path, engine="pyarrow")
    except FileNotFoundError as exc:
        raise StoreError(f"dataset file {path} is missing from the project") from exc


def dump_yaml(data) -> str:
    # Non-ASCII is escaped: with allow_unicode, characters such as U+0085 (a YAML line break)
    # are written raw and do not read back as written.
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=False, default_flow_style=False)


def load_yaml(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise StoreError(f"{path} is missing from the project") from exc
    except yaml.YAMLError as exc:
        raise StoreError(f"{path} is not valid YAML: {exc}") from exc


def _load_json(path: Path, default):
    if not path.exists():
        return default
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path} is not valid JSON: {exc}") from exc


def _dump_json(data) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=True)


def package_versions() -> dict:
    """Versions of varpy and of the libraries whose behaviour its results depend on."""
    import matplotlib
    import numpy
    import pyarrow
    import scipy

    import platform

    return {"varpy": __version__, "python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "pandas": pd.__version__,
            "matplotlib": matplotlib.__version__, "pyarrow": pyarrow.__version__}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


class ProjectStore:
    """Reads and writes one project tree ``root/ID`` with the guarantees of this module."""

    def __init__(self, root, project_id: str):
        self.id = validate_id(project_id)
        self.root = Path(root)
        self.path = self.root / self.id
        self._lock = _CleaningLock(filelock.FileLock(str(self.path) + LOCK,
                                                     timeout=_LOCK_TIMEOUT), self)
        self._cleaned = False

    # -- paths ---------------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.path / "Data"

    @property
    def metadata_dir(self) -> Path:
        return self.path / "Metadata"

    @property
    def output_dir(self) -> Path:
        return self.path / "Output"

    @property
    def figures_dir(self) -> Path:
        return self.path / "Figures"

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def lock(self):
        """Cross-process lock on the project (re-entrant within a process).

        The first acquisition by this store removes abandoned temporary files
        (:meth:`clean_temporary_files`).
        """
        return self._lock

    def clean_temporary_files(self, *, unowned: bool = False) -> list[Path]:
        """Remove the temporary files in the project that no running writer owns.

        Takes the project's lock, so no writer of a varpy process that respects it is
        mid-save; a file whose writer still runs is kept anyway
        (:func:`orphan_temporary_files`). Files that name no writer are removed only with
        ``unowned=True`` (an explicit choice: they may not be varpy's); otherwise they are
        kept and reported in a warning. Each removal is logged (INFO). Returns the paths
        removed.
        """
        with self._lock.lock:
            self._cleaned = True
            if not self.path.is_dir():
                return []
            if not unowned:
                left = orphan_temporary_files(self.path, unowned=True)
                left = [q for q in left if _TMP_RE.match(q.name).group("pid") is None]
                if left:
                    warnings.warn(
                        f"{len(left)} temporary file(s) in {self.path} name no writer (older "
                        f"varpy?), kept: {', '.join(str(q) for q in left[:5])}; remove them "
                        "with ProjectStore.clean_temporary_files(unowned=True)", DataWarning,
                        stacklevel=2)
            removed = []
            for path in orphan_temporary_files(self.path, unowned=unowned):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(path)
                    log.info("removed abandoned temporary file %s (its writer is not running)",
                             path)
            return removed

    # -- manifest ------------------------------------------------------------------------------
    def create(self, project_type: str) -> dict:
        """Create the tree and an empty manifest. Refuses if a project already exists."""
        with self.lock():
            if self.exists():
                raise ProjectExistsError(f"a varpy project already exists at {self.path}")
            if self.path.exists() and any(self.path.iterdir()):
                raise ProjectExistsError(
                    f"{self.path} exists and is not empty but holds no varpy project "
                    f"({MANIFEST} missing); choose another ID or root")
            for d in (self.data_dir, self.metadata_dir, self.output_dir, self.figures_dir):
                d.mkdir(parents=True, exist_ok=True)
            manifest = {"varpy_format": FORMAT_VERSION, "type": project_type, "id": self.id,
                        "created": _now(), "updated": _now(), "versions": package_versions(),
                        "datatypes": {}, "figures": [], "outputs": []}
            atomic_write_text(self.manifest_path, dump_yaml(manifest))
            return manifest

    def read_manifest(self) -> dict:
        manifest = load_yaml(self.manifest_path)
        if not isinstance(manifest, dict) or "type" not in manifest:
            raise StoreError(f"{self.manifest_path} is not a varpy manifest")
        if manifest.get("varpy_format", 0) > FORMAT_VERSION:
            raise StoreError(f"{self.path} was written by a newer varpy (format "
                             f"{manifest['varpy_format']}); upgrade varpy to read it")
        return manifest

    def _write_manifest(self, manifest: dict) -> None:
        manifest["updated"] = _now()
        manifest["versions"] = package_versions()
        atomic_write_text(self.manifest_path, dump_yaml(manifest))

    # -- datatypes -----------------------------------------------------------------------------
    def copy_original(self, key: str, source: Path) -> str:
        """Copy an input file into ``Data/originals/KEY/``; returns its path relative to the tree.

        An existing copy with identical bytes is reused; a different file of the same name gets
        a numbered name, so no copy is ever overwritten.
        """
        source = Path(source)
        dest_dir = self.data_dir / "originals" / key
        dest_dir.mkdir(parents=True, exist_ok=True)
        data = source.read_bytes()
        stem, suffix = source.stem, source.suffix
        candidate = dest_dir / source.name
        n = 1
        while candidate.exists():
            if candidate.read_bytes() == data:
                return str(candidate.relative_to(self.path))
            candidate = dest_dir / f"{stem}.{n}{suffix}"
            n += 1
        atomic_write_bytes(candidate, data, overwrite=False)
        return str(candidate.relative_to(self.path))

    def put_datatype(self, key: str, entry: dict, dataset: pd.DataFrame, metadata: dict, *,
                     overwrite: bool = False, sources: list[str] = ()) -> dict:
        """Store one datatype's dataset, metadata and descriptive entry in the manifest."""
        validate_name(key, "datatype key")
        with self.lock():
            manifest = self.read_manifest()
            old = manifest["datatypes"].get(key)
            if old is not None and not overwrite:
                raise ProjectExistsError(
                    f"project {self.id!r} already holds {key!r}; use update_datatype to append "
                    "new data, or overwrite=True to replace it (the original input files are kept)")
            buf = io.BytesIO()
            dataset.to_parquet(buf, engine="pyarrow", compression="zstd", index=False)
            digest = hashlib.sha256(buf.getvalue()).hexdigest()[:12]
            data_name = f"{key}-{digest}.parquet"
            atomic_write_bytes(self.data_dir / data_name, buf.getvalue())
            meta_text = dump_yaml(metadata)
            meta_name = f"{key}-{hashlib.sha256(meta_text.encode()).hexdigest()[:12]}.yaml"
            atomic_write_text(self.metadata_dir / meta_name, meta_text)
            new = dict(entry)
            new.update({"dataset": f"Data/{data_name}", "metadata": f"Metadata/{meta_name}",
                        "rows": int(len(dataset)), "updated": _now(),
                        "sources": list((old or {}).get("sources", [])) + list(sources)})
            manifest["datatypes"][key] = new
            self._write_manifest(manifest)
            if old is not None:
                for field in ("dataset", "metadata"):
                    if old.get(field) != new[field]:
                        self._discard_superseded(old[field])
            return new

    def _discard_superseded(self, relpath: str) -> None:
        """Remove a superseded file that varpy itself derived (never a user's input copy)."""
        path = self.path / relpath
        derived = ((path.parent == self.data_dir and path.suffix == ".parquet")
                   or (path.parent == self.metadata_dir and path.suffix == ".yaml"))
        if derived:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def get_datatype(self, key: str) -> tuple[dict, pd.DataFrame, dict]:
        with self.lock():
            entry = self.read_manifest()["datatypes"].get(key)
            if entry is None:
                raise StoreError(f"project {self.id!r} holds no datatype {key!r}")
            dataset = read_dataset(self.path / entry["dataset"])
            metadata = load_yaml(self.path / entry["metadata"]) or {}
        return entry, dataset, metadata

    # -- models and analyses -------------------------------------------------------------------
    def _models_path(self, key: str) -> Path:
        return self.output_dir / validate_name(key, "datatype key") / "models.json"

    def _analyses_path(self, key: str) -> Path:
        return self.output_dir / validate_name(key, "datatype key") / "analyses.json"

    def read_models(self, key: str) -> dict:
        return _load_json(self._models_path(key), {})

    def merge_models(self, key: str, models: dict) -> dict:
        """Merge model histories into the stored ones (union of outputs by uid); returns result."""
        from varpy.management.models import Model

        with self.lock():
            stored = {name: Model.from_dict(d) for name, d in self.read_models(key).items()}
            for name, model in models.items():
                stored[name] = stored[name].merged(model) if name in stored else model
            data = {name: m.to_dict() for name, m in stored.items()}
            atomic_write_text(self._models_path(key), _dump_json(data))
            return stored

    def read_analyses(self, key: str) -> dict:
        return _load_json(self._analyses_path(key), {})

    def merge_analyses(self, key: str, analyses: dict) -> dict:
        with self.lock():
            stored = self.read_analyses(key)
            stored.update(analyses)
            atomic_write_text(self._analyses_path(key), _dump_json(stored))
            return stored

    # -- figures and outputs -------------------------------------------------------------------
    def record(self, section: str, record: dict) -> None:
        """Append a record (figure or output file) to the manifest."""
        if section not in ("figures", "outputs"):
            raise ValueError(f"section must be 'figures' or 'outputs', not {section!r}")
        with self.lock():
            manifest = self.read_manifest()
            manifest.setdefault(section, []).append(dict(record, recorded=_now()))
            self._write_manifest(manifest)

    def safe_child(self, *parts: str) -> Path:
        """A path inside the project built from validated components (no traversal)."""
        for p in parts:
            validate_name(p, "file name")
        return self.path.joinpath(*parts)


class _CleaningLock:
    """The project's FileLock; the first outermost acquisition of a store cleans up abandoned
    temporary files (under the lock)."""

    def __init__(self, lock: filelock.FileLock, store: "ProjectStore"):
        self.lock = lock
        self._store = store

    def acquire(self, *args, **kwargs):
        return self.lock.acquire(*args, **kwargs)

    def release(self, *args, **kwargs):
        return self.lock.release(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        return self.lock.is_locked

    def __enter__(self):
        self.lock.acquire()
        if not self._store._cleaned:
            try:
                self._store.clean_temporary_files()
            except BaseException:
                self.lock.release()
                raise
        return self

    def __exit__(self, *exc):
        self.lock.release()
        return False
