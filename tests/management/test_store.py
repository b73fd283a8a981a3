"""The per-ID store: round trips, safety, atomicity and concurrency."""
from __future__ import annotations

import multiprocessing as mp
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes

import varpy
from varpy.exceptions import DataWarning, InvalidIDError, ProjectExistsError, StoreError
from varpy.management import store as store_mod
from varpy.management.models import ModelOutput


def _catalogue(n=5, start="2011-01-01"):
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "time": pd.date_range(start, periods=n, freq="D", tz="UTC"),
        "latitude": rng.uniform(37, 38, n), "longitude": rng.uniform(14, 15, n),
        "depth": rng.uniform(0, 30, n), "magnitude": rng.uniform(0, 4, n),
        "event_id": [f"e{i}" for i in range(n)],
    })


def _project(tmp_path, n=5) -> varpy.Volcanic:
    v = varpy.Volcanic("Etna", root=tmp_path)
    v._attach(varpy.ECVD(_catalogue(n), {"location": "Etna", "note": "kept"}))
    v.save()
    return v


@pytest.mark.parametrize("bad", ["", "..", "../x", "a/b", "/abs", "a\\b", "a\nb", "x\x00",
                                 "-lead", ".hidden", "a..b", "é", "a" * 129, None, 3])
def test_bad_ids_are_refused(tmp_path, bad):
    with pytest.raises(InvalidIDError, match="invalid|must be a string"):
        varpy.Volcanic(bad, root=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_good_ids(tmp_path):
    for good in ("Etna", "El_Hierro-2011", "DDS-7.v1", "a" * 128):
        assert varpy.Laboratory(good, root=tmp_path).path == tmp_path / good


def test_reopening_never_deletes(tmp_path):
    v = _project(tmp_path)
    user_file = v.path / "Output" / "my_notes.txt"
    user_file.write_text("precious")
    again = varpy.Volcanic("Etna", root=tmp_path)
    assert user_file.read_text() == "precious"
    assert again.ecvd == v.ecvd
    assert len(again.ecvd) == 5


def test_type_mismatch_and_foreign_folders(tmp_path):
    _project(tmp_path)
    with pytest.raises(StoreError, match="volcanic project"):
        varpy.Laboratory("Etna", root=tmp_path)
    (tmp_path / "Foreign").mkdir()
    (tmp_path / "Foreign" / "thesis.tex").write_text("x")
    with pytest.raises(ProjectExistsError, match="not empty"):
        varpy.Volcanic("Foreign", root=tmp_path)
    assert (tmp_path / "Foreign" / "thesis.tex").read_text() == "x"
    with pytest.raises(StoreError, match="no varpy project"):
        varpy.open(tmp_path / "Nothing")


def test_changed_dataset_needs_overwrite(tmp_path):
    v = _project(tmp_path)
    sub = v.with_datatypes({"ecvd": v.ecvd.with_dataset(v.ecvd.dataset.iloc[:2], {"op": "test"})})
    with pytest.raises(ProjectExistsError, match="overwrite=True"):
        sub.save()
    assert len(varpy.open(v.path).ecvd) == 5
    new = sub.save_as("Etna_sub")
    assert len(new.ecvd) == 2 and new.ecvd.selection == [{"op": "test"}]
    sub.save(overwrite=True)
    assert len(varpy.open(v.path).ecvd) == 2


def test_save_as_refuses_existing_target(tmp_path):
    v = _project(tmp_path)
    v.save_as("Copy")
    with pytest.raises(ProjectExistsError):
        v.save_as("Copy")
    with pytest.raises(ProjectExistsError, match="itself"):
        v.save_as("Etna")


def test_in_memory_project(tmp_path):
    v = varpy.Volcanic("Mem", root=None)
    v._attach(varpy.ECVD(_catalogue()))
    with pytest.raises(StoreError, match="in memory"):
        v.save()
    stored = v.save_as("Mem", root=tmp_path)
    assert stored.ecvd == v.ecvd


def test_model_outputs_round_trip(tmp_path):
    v = _project(tmp_path)
    out = ModelOutput(model="iol", kind="single_forecast",
                      result={"params": {"k": 1.5, "tf": 700.0}, "loglik": -457.78},
                      provenance={"window": ["2011-08-01", "2013-01-01"]})
    v.record_model_output("ecvd", out)
    again = varpy.open(v.path)
    assert again.ecvd.models["iol"].outputs == [out]
    assert again.ecvd.models["iol"].table()["params.tf"].tolist() == [700.0]


def _frames():
    return data_frames(
        columns=[column("magnitude", dtype=float), column("latitude", dtype=float),
                 column("longitude", dtype=float), column("depth", dtype=float),
                 column("place", elements=st.text(max_size=8))],
        index=range_indexes(max_size=30))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=_frames(), seconds=st.lists(st.integers(0, 10**9), min_size=30, max_size=30),
       meta=st.dictionaries(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                                    min_size=1, max_size=6),
                            st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                                      st.text(max_size=10), st.booleans(), st.none()),
                            max_size=5))
def test_save_then_open_is_the_identity(tmp_path_factory, frame, seconds, meta):
    root = tmp_path_factory.mktemp("rt")
    frame = frame.copy()
    frame["time"] = pd.to_datetime(np.array(seconds[: len(frame)], dtype="int64"), unit="s",
                                   utc=True)
    v = varpy.Volcanic("RT", root=root)
    v._attach(varpy.ECVD(frame, meta))
    v.record_model_output("ecvd", ModelOutput("cr", "retrospective_analysis",
                                              result={"rate": 0.5}))
    v.save()
    again = varpy.open(root / "RT")
    assert again == v
    pd.testing.assert_frame_equal(again.ecvd.dataset, v.ecvd.dataset, check_exact=True)


def test_interrupted_save_leaves_a_loadable_project(tmp_path, monkeypatch):
    v = _project(tmp_path, n=5)
    bigger = v.with_datatypes({"ecvd": varpy.ECVD(_catalogue(9), {"location": "Etna"})})
    real_replace = os.replace

    def crash_on_manifest(src, dst, *a, **k):
        if Path(dst).name == store_mod.MANIFEST:
            raise KeyboardInterrupt("power cut")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(store_mod.os, "replace", crash_on_manifest)
    with pytest.raises(KeyboardInterrupt):
        bigger.save(overwrite=True)
    monkeypatch.setattr(store_mod.os, "replace", real_replace)
    again = varpy.open(v.path)
    assert again.ecvd == v.ecvd  # the old state, whole
    assert not list(v.path.glob("**/*.tmp"))  # the temporary file was cleaned up
    bigger.save(overwrite=True)
    assert len(varpy.open(v.path).ecvd) == 9
    # superseded derived files are gone, the current ones are referenced by the manifest
    assert len(list((v.path / "Data").glob("ecvd-*.parquet"))) == 1


def _append_outputs(path: str, worker: int, n: int) -> None:
    project = varpy.open(path)
    for i in range(n):
        project.record_model_output("ecvd", ModelOutput("iol", "retrospective_forecast",
                                                        result={"worker": worker, "i": i}))


def test_concurrent_writers_lose_nothing(tmp_path):
    v = _project(tmp_path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_append_outputs, args=(str(v.path), w, 15)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    outs = varpy.open(v.path).ecvd.models["iol"].outputs
    assert sorted((o.result["worker"], o.result["i"]) for o in outs) == \
        [(w, i) for w in range(4) for i in range(15)]


def test_atomic_write_refuses_overwrite_without_flag(tmp_path):
    p = tmp_path / "a.txt"
    store_mod.atomic_write_text(p, "one")
    with pytest.raises(ProjectExistsError):
        store_mod.atomic_write_text(p, "two", overwrite=False)
    assert p.read_text() == "one"


def test_manifest_records_versions_and_datatypes(tmp_path):
    v = _project(tmp_path)
    manifest = store_mod.load_yaml(v.path / "varpy.yaml")
    assert manifest["type"] == "volcanic"
    assert manifest["datatypes"]["ecvd"]["rows"] == 5
    assert manifest["versions"]["varpy"] == varpy.__version__
    for sub in ("Data", "Metadata", "Output", "Figures"):
        assert (v.path / sub).is_dir()


def test_yaml_is_loaded_safely(tmp_path):
    v = _project(tmp_path)
    meta = next((v.path / "Metadata").glob("ecvd-*.yaml"))
    meta.write_text("!!python/object/apply:os.system ['echo hacked']\n")
    with pytest.raises(StoreError, match="not valid YAML"):
        varpy.open(v.path)


# --------------------------------------------------------------------------------------------
# abandoned temporary files (a writer killed mid-save)
# --------------------------------------------------------------------------------------------
_STUCK_WRITER = """
import os, sys, time
from pathlib import Path
import varpy.management.store as s
real_replace = os.replace
def stuck(src, dst):  # the data are written and fsynced; the writer dies before the rename
    Path(sys.argv[2]).write_text(src)
    time.sleep(600)
os.replace = stuck
s.atomic_write_bytes(Path(sys.argv[1]), b"x" * 1000)
"""


def _start_stuck_writer(target: Path, marker: Path):
    import subprocess
    import sys
    import time

    env = dict(os.environ, PYTHONPATH=str(Path(varpy.__file__).parents[1]))
    proc = subprocess.Popen([sys.executable, "-c", _STUCK_WRITER, str(target), str(marker)],
                            env=env)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "writer did not start"
        time.sleep(0.05)
    return proc, Path(marker.read_text())


def test_killed_writer_temporary_files_are_removed_on_open(tmp_path, caplog):
    import logging
    import signal

    obj = _project(tmp_path)
    data_dir = obj.path / "Data"
    killed, killed_tmp = _start_stuck_writer(data_dir / "ecvd-x.parquet", tmp_path / "m1")
    alive, alive_tmp = _start_stuck_writer(data_dir / "ecvd-y.parquet", tmp_path / "m2")
    try:
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(30)
        assert killed_tmp.exists() and killed_tmp.name.startswith(".ecvd-x.parquet.p")
        legacy = obj.path / "Metadata" / ".ecvd-old.yaml.abc123_x.tmp"  # older varpy, no pid
        legacy.write_text("half")
        os.utime(legacy, (0, 0))
        fresh_legacy = obj.path / ".varpy.yaml.zz9_new1.tmp"
        fresh_legacy.write_text("just now")
        user_file = obj.path / "Data" / ".my-notes.backup.tmp"   # the user's own: never touched
        user_file.write_text("mine")
        os.utime(user_file, (0, 0))
        before = {p: p.read_bytes() for p in obj.path.rglob("*") if p.is_file()}
        with caplog.at_level(logging.INFO, logger="varpy.management.store"):
            with pytest.warns(DataWarning, match="name no writer"):
                again = varpy.Volcanic("Etna", root=tmp_path)
        assert not killed_tmp.exists()
        # a live writer's file is kept; a file naming no writer is only reported
        assert alive_tmp.exists() and legacy.exists() and fresh_legacy.exists()
        assert str(killed_tmp) in caplog.text
        after = {p: p.read_bytes() for p in obj.path.rglob("*") if p.is_file()}
        assert after == {p: b for p, b in before.items() if p != killed_tmp}
        assert len(again.ecvd) == len(obj.ecvd)
        # removing files that name no writer takes an explicit flag, and then only old ones
        store = store_mod.ProjectStore(tmp_path, "Etna")
        assert store.clean_temporary_files(unowned=True) == [legacy]
        assert fresh_legacy.exists() and user_file.read_text() == "mine"
    finally:
        alive.kill()
        alive.wait(30)
    # once its writer is gone, the next store to open the project removes it
    store = store_mod.ProjectStore(tmp_path, "Etna")
    assert store.clean_temporary_files() == [alive_tmp]


def test_temporary_file_names_carry_the_writer_pid(tmp_path, monkeypatch):
    seen = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (seen.append(Path(a).name), real(a, b)))
    store_mod.atomic_write_bytes(tmp_path / "f.bin", b"1")
    assert seen and seen[0].startswith(f".f.bin.p{os.getpid()}-") and seen[0].endswith(".tmp")
    assert store_mod.orphan_temporary_files(tmp_path) == []
