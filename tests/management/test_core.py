"""Projects: importing, updating, simulating; nothing half-imported, nothing lost."""
from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import varpy
from varpy.exceptions import (DataFormatError, MetadataError, ProjectExistsError,
                              UnknownFormatError)


def _tree(path: Path) -> dict:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file() and not p.name.endswith(".lock")}


@pytest.fixture()
def etna(shared_data):
    return shared_data / "etna"


def test_import_real_volcano_and_reopen(tmp_path, etna):
    v = varpy.Volcanic("Etna", root=tmp_path)
    v.add_datatype("ecvd", etna / "Etna_INGVCT_C1_99-onwards.txt", etna / "Etna_INGVCT_C1_meta.txt")
    v.add_datatype("evd", etna / "Etna_eruption.txt", etna / "Etna_eruption_meta.txt")
    for s in ("CDV", "MNR"):
        v.add_datatype("scvd", etna / f"Etna_INGVCT_tilt_{s}.txt",
                       etna / f"Etna_INGVCT_tilt_{s}_meta.txt", station=s)
    assert len(v.ecvd) == 13069  # PROVENANCE.md
    assert sorted(v.scvd) == ["CDV", "MNR"]
    assert v.ecvd.metadata["format"] == "etna_ingv"
    # the original inputs are kept byte for byte
    copy = v.path / "Data" / "originals" / "ecvd" / "Etna_INGVCT_C1_99-onwards.txt"
    assert copy.read_bytes() == (etna / "Etna_INGVCT_C1_99-onwards.txt").read_bytes()
    again = varpy.open(v.path)
    assert again == v
    assert "ECVD" in again.summary() and "13069" in again.summary()


def test_adding_twice_needs_overwrite(tmp_path, etna):
    v = varpy.Volcanic("Etna", root=tmp_path)
    v.add_datatype("evd", etna / "Etna_eruption.txt", etna / "Etna_eruption_meta.txt")
    with pytest.raises(ProjectExistsError, match="update_datatype"):
        v.add_datatype("evd", etna / "Etna_eruption.txt", etna / "Etna_eruption_meta.txt")
    v.add_datatype("evd", etna / "Etna_eruption.txt", etna / "Etna_eruption_meta.txt",
                   overwrite=True)
    assert len(varpy.open(v.path).evd) == 33


def test_failed_import_changes_nothing(tmp_path, etna):
    v = varpy.Volcanic("Etna", root=tmp_path)
    v.add_datatype("evd", etna / "Etna_eruption.txt", etna / "Etna_eruption_meta.txt")
    before = _tree(v.path)
    bad = tmp_path / "bad.txt"
    bad.write_text("1\t19-08-1999\t09:46:11\t37.6\t14.8\t19.4\t2.0\t1\tplace\n"
                   "2\t32-13-1999\t09:48:05\t37.5\t14.8\t16.7\t2.4\t1\tplace\n")
    with pytest.raises(DataFormatError) as info:
        v.add_datatype("ecvd", bad, format="etna_ingv")
    assert info.value.line == 2
    assert v.ecvd is None
    assert _tree(v.path) == before
    with pytest.raises(FileNotFoundError, match="does not exist"):
        v.add_datatype("ecvd", tmp_path / "missing.txt", format="etna_ingv")
    assert _tree(v.path) == before


def test_wrong_kind_and_station_rules(tmp_path, etna):
    v = varpy.Volcanic("Etna", root=tmp_path)
    with pytest.raises(UnknownFormatError, match="ecvd, evd, scvd"):
        v.add_datatype("scld", etna / "Etna_eruption.txt")
    with pytest.raises(MetadataError, match="station"):
        v.add_datatype("scvd", etna / "Etna_INGVCT_tilt_CDV.txt", format="etna_tilt")
    with pytest.raises(ValueError, match="SCVD only"):
        v.add_datatype("evd", etna / "Etna_eruption.txt", station="X", format="etna_eruptions")


def _split_catalogue(src: Path, tmp_path: Path, cut: int, overlap: int):
    lines = src.read_bytes().splitlines(keepends=True)
    first, second = tmp_path / "part1.txt", tmp_path / "part2.txt"
    first.write_bytes(b"".join(lines[:cut]))
    second.write_bytes(b"".join(lines[cut - overlap:]))
    return first, second


def test_update_appends_without_duplicates(tmp_path, etna):
    src = etna / "Etna_INGVCT_C1_99-onwards.txt"
    first, second = _split_catalogue(src, tmp_path, cut=9000, overlap=500)
    whole = varpy.Volcanic("Whole", root=tmp_path)
    whole.add_datatype("ecvd", src, format="etna_ingv")
    v = varpy.Volcanic("Stream", root=tmp_path)
    v.add_datatype("ecvd", first, format="etna_ingv")
    added = v.update_datatype("ecvd", second)
    assert added == 13069 - 9000
    pd.testing.assert_frame_equal(v.ecvd.dataset, whole.ecvd.dataset)
    pd.testing.assert_frame_equal(varpy.open(v.path).ecvd.dataset, whole.ecvd.dataset)
    assert v.update_datatype("ecvd", second) == 0  # the same file again adds nothing
    copies = sorted(p.name for p in (v.path / "Data" / "originals" / "ecvd").iterdir())
    assert copies == ["part1.txt", "part2.txt"]


def _updater(path: str, part: str) -> None:
    varpy.open(path).update_datatype("ecvd", part)


def test_concurrent_updates_lose_nothing(tmp_path, etna):
    src = etna / "Etna_INGVCT_C1_99-onwards.txt"
    lines = src.read_bytes().splitlines(keepends=True)
    base = tmp_path / "base.txt"
    base.write_bytes(b"".join(lines[:1000]))
    parts = []
    for i in range(3):
        p = tmp_path / f"chunk{i}.txt"
        p.write_bytes(b"".join(lines[1000 + 500 * i: 1500 + 500 * i]))
        parts.append(str(p))
    v = varpy.Volcanic("Etna", root=tmp_path)
    v.add_datatype("ecvd", base, format="etna_ingv")
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_updater, args=(str(v.path), p)) for p in parts]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert len(varpy.open(v.path).ecvd) == 2500


def test_simulation_is_reproducible_from_the_saved_project(tmp_path):
    v = varpy.Volcanic("Sim", root=tmp_path)
    created = v.sim_datatypes("volcano", duration=800.0)
    assert {d.kind for d in created} == {"ecvd", "evd", "scvd"}
    record = varpy.open(v.path).ecvd.metadata["simulation"]
    assert isinstance(record["seed"], int)
    w = varpy.Volcanic("Sim2", root=None)
    w.sim_datatype("ecvd", record["simulator"], seed=record["seed"], **record["parameters"])
    pd.testing.assert_frame_equal(w.ecvd.dataset, v.ecvd.dataset)


def test_simulated_lab_round_trip(tmp_path):
    lab = varpy.Laboratory("Creep", root=tmp_path)
    lab.sim_datatypes("lab_creep", seed=11)
    assert lab.ecld.dataset["time"].dtype == np.float64
    assert varpy.open(lab.path) == lab


def test_selections_leave_the_original_untouched(tmp_path, etna):
    v = varpy.Volcanic("Etna", root=tmp_path)
    v.add_datatype("ecvd", etna / "Etna_INGVCT_C1_99-onwards.txt", format="etna_ingv")
    before = v.ecvd.dataset.copy()
    sub = v.with_datatypes({"ecvd": v.ecvd.with_dataset(v.ecvd.dataset.iloc[:10],
                                                        {"op": "head"})})
    assert len(sub.ecvd) == 10 and len(v.ecvd) == 13069
    pd.testing.assert_frame_equal(v.ecvd.dataset, before)
    assert "selection" in sub.summary()


def test_datatype_analyses_are_kept_and_persisted(tmp_path, etna):
    """obj.ecvd.mc()/b_value() mirror varpy.analysis.magnitudes and persist with the project."""
    from varpy.analysis import magnitudes

    v = varpy.Volcanic("Etna", root=tmp_path)
    v.add_datatype("ecvd", etna / "Etna_INGVCT_C1_99-onwards.txt", format="etna_ingv")
    mc = v.ecvd.mc(method="maxc")
    b = v.ecvd.b_value(mc=mc.mc)
    assert mc.to_dict() == magnitudes.mc(v.ecvd.dataset, method="maxc").to_dict()
    assert b.to_dict() == magnitudes.b_value(v.ecvd.dataset, mc=mc.mc).to_dict()
    again = varpy.open(v.path)
    assert set(again.ecvd.outputs) == {"mc_maxc", "b_tinti_mulargia"}
    stored = again.ecvd.outputs["b_tinti_mulargia"]
    assert stored["result"]["b"] == b.b
    assert type(b).from_dict(stored["result"]).to_dict() == b.to_dict()
    # a selection's analyses record the selection they were computed on
    from varpy.preparation import magnitude_range

    sub = magnitude_range(v, 2.0, None)
    sub_mc = sub.ecvd.mc(method="maxc")
    (sub_name,) = sub.ecvd.outputs
    assert sub_name.startswith("mc_maxc-sel")
    outputs = varpy.open(v.path).ecvd.outputs
    assert outputs["mc_maxc"]["result"] == mc.to_dict()          # the full-catalogue result kept
    assert outputs[sub_name]["result"] == sub_mc.to_dict()
    assert outputs[sub_name]["selection"] == sub.ecvd.selection
