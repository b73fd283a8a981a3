"""Laboratory metadata in the layouts VarPy's labs wrote, on one time axis with the data
(issue #15.1): UCL's one-line values file, the two-line table and YAML, in seconds, minutes or
hours; tf, the last AE event and the SCLD series share the seconds axis, and a retrospective
forecast scores against the right tf whatever unit the files use."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import varpy
from varpy.exceptions import DataWarning, MetadataError
from varpy.management import importers
from varpy.management.metadata import read_metadata
from varpy.simulation.lab import simulate_lab_data

SCALE = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}
T1, TF = 1270.34352, 8274.17352  # DDS-7's t1 and tf (DDS7_meta.txt, minutes x 60)


@pytest.fixture(scope="module")
def experiment():
    return simulate_lab_data(seed=11, t0=0.0, t1=T1, tf=TF)


def write_lab(folder, sim, unit: str, layout: str):
    """The simulated experiment as a lab would export it: AE and strain as two tab-separated
    columns, times in ``unit``; metadata in ``layout``."""
    s = SCALE[unit]
    ae, series = folder / "ae.txt", folder / "strain.txt"
    ae.write_bytes("".join(f"{t / s!r}\t{m!r}\r\n" for t, m in
                           zip(sim["ecld"]["time"], sim["ecld"]["magnitude"])).encode())
    series.write_bytes("".join(f"{t / s!r}\t{v!r}\r\n" for t, v in
                               zip(sim["scld"]["time"], sim["scld"]["axial_strain"])).encode())
    values = [0.0, T1 / s, TF / s]
    if layout == "values":
        meta = folder / "meta.txt"
        meta.write_bytes("\t".join(repr(v) for v in values).encode() + b"\r\n")
    elif layout == "table":
        meta = folder / "meta.txt"
        meta.write_bytes(b"id\tt0\tt1\ttf\ttime_unit\t\r\n"
                         + "\t".join(["X"] + [repr(v) for v in values] + [unit]).encode())
    else:
        meta = folder / "meta.yaml"
        meta.write_text(f"id: X\nt0: {values[0]!r}\nt1: {values[1]!r}\ntf: {values[2]!r}\n"
                        f"time_unit: {unit}\n")
    return ae, series, meta


@pytest.mark.parametrize("unit", sorted(SCALE))
@pytest.mark.parametrize("layout", ["values", "table", "yaml"])
def test_lab_files_share_one_axis(tmp_path, experiment, unit, layout):
    ae, series, meta = write_lab(tmp_path, experiment, unit, layout)
    # UCL's values file says nothing about its unit: minutes unless told otherwise
    extra = {"time_unit": unit} if layout == "values" and unit != "minutes" else {}
    lab = varpy.Laboratory("L", root=tmp_path / "projects")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        ecld = lab.add_datatype("ecld", ae, meta, format="ae_two_column", metadata=extra)
        scld = lab.add_datatype("scld", series, meta, format="lab_series",
                                value_name="axial_strain", metadata=extra)
    for dt in (ecld, scld):
        assert dt.metadata["tf"] == pytest.approx(TF, rel=1e-12)
        assert dt.metadata["t1"] == pytest.approx(T1, rel=1e-12)
        assert dt.metadata["time_unit"] == unit and dt.metadata["time_axis"] == "seconds"
        assert dt.metadata["source_times"]["unit"] == unit
        assert dt.metadata["source_times"]["tf"] == pytest.approx(TF / SCALE[unit], rel=1e-15)
    np.testing.assert_allclose(ecld.dataset["time"], experiment["ecld"]["time"], rtol=1e-12)
    np.testing.assert_allclose(scld.dataset["time"], experiment["scld"]["time"], rtol=1e-12)
    assert ecld.dataset["time"].iloc[-1] <= ecld.metadata["tf"]
    assert abs(scld.dataset["time"].iloc[-1] - scld.metadata["tf"]) < 0.05 * TF
    # stored and reopened: the same axis, converted once
    again = varpy.open(lab.path)
    assert again.ecld.metadata["tf"] == ecld.metadata["tf"]


def test_retrospective_forecast_scores_against_the_right_tf(tmp_path, experiment):
    from varpy.modelling.experiments import multiple_analysis
    from varpy.modelling.scoring import score_forecasts

    tables = {}
    for unit in ("seconds", "minutes"):
        folder = tmp_path / unit
        folder.mkdir()
        ae, _, meta = write_lab(folder, experiment, unit, "yaml")
        lab = varpy.Laboratory("L", root=folder)
        lab.add_datatype("ecld", ae, meta, format="ae_two_column")
        tf = lab.ecld.metadata["tf"]  # no user conversion
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = multiple_analysis(lab, "iol", kind="ecld", t_min=3000.0,
                                       t_max=tf - 300.0, t_step=1500.0, name="r",
                                       progress=False)
        scores = score_forecasts(result, true_tf=tf)
        tables[unit] = scores.table
        assert scores.table["n_fit"].min() > 20
        truth = scores.table["lead_time"] + scores.table["t_forc"]
        np.testing.assert_allclose(truth, TF - 3000.0, rtol=1e-9)  # t_forc counts from t_min
    pd.testing.assert_frame_equal(tables["seconds"], tables["minutes"], rtol=1e-6)


def test_unconverted_metadata_is_caught(tmp_path, experiment):
    """The bug of #15.1: tf in minutes against event times in seconds is never silent."""
    ae, _, meta = write_lab(tmp_path, experiment, "minutes", "values")
    raw = {"t0": 0.0, "t1": T1 / 60, "tf": TF / 60, "time_unit": "minutes"}
    with pytest.raises(MetadataError, match=r"tf = 137\.9.* before the first event time 127"):
        importers.read(ae, "ecld", format="ae_two_column", metadata=raw)
    with pytest.warns(DataWarning, match=r"tf = 4137.* before the last event time 82"):
        importers.read(ae, "ecld", format="ae_two_column",
                       metadata=dict(raw, t1=None, tf=TF / 2))
    # the file's minutes read as seconds: t1 (in seconds) comes after every event
    with pytest.raises(MetadataError, match="t1 = 1270.34 s is after the last event time 137"):
        importers.read(ae, "ecld", format="ae_two_column",
                       metadata=dict(raw, t1=T1, tf=None, time_unit="seconds"))


def test_values_layout_and_keys(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("0 21.5 137.9\n")  # blanks instead of tabs
    assert read_metadata(path)["tf"] == "137.9"
    path.write_text("0\t21.5\n")
    with pytest.raises(MetadataError, match="keys="):
        read_metadata(path)
    meta = read_metadata(path, "ecld", keys=("t0", "t1"), time_unit="hours")
    assert meta["t1"] == 21.5 * 3600 and meta["source_times"] == {"unit": "hours", "t0": 0.0,
                                                                 "t1": 21.5}
    path.write_text("t0 t1 tf time_unit\n0 2 3 hours\n")  # two lines aligned with blanks
    meta = read_metadata(path, "scld")
    assert (meta["t1"], meta["tf"]) == (7200.0, 10800.0)


def test_time_unit_missing_is_said(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("t1: 10\ntf: 20\n")
    with pytest.warns(DataWarning, match="without time_unit; taken as seconds"):
        meta = read_metadata(path, "ecld")
    assert meta["time_unit"] == "seconds" and meta["tf"] == 20.0


def test_dds7_files_import_in_one_call_each(shared_data, tmp_path):
    """PROVENANCE.md: DDS7_meta.txt holds t0, t1, tf in minutes; DDS7_strain/stress hold
    (minutes, value) with stress falling to 0 at failure; UH001_DDS-7 is the 9-column UCLv1
    table with its own two-line metadata in seconds."""
    d = shared_data / "ucl_dds7"
    lab = varpy.Laboratory("DDS7", root=tmp_path)
    strain = lab.add_datatype("scld", d / "DDS7_strain.txt", d / "DDS7_meta.txt",
                              format="lab_series", value_name="axial_strain")
    assert strain.metadata["source_times"] == {"unit": "minutes", "t0": 0.0,
                                               "t1": 21.172392, "tf": 137.902892}
    assert strain.metadata["tf"] == pytest.approx(137.902892 * 60)
    # last strain sample: 137.902892 min (tail -1 DDS7_strain.txt) = tf
    assert strain.dataset["time"].iloc[-1] == pytest.approx(strain.metadata["tf"])
    stress = importers.read(d / "DDS7_stress.txt", "scld", format="lab_series",
                            value_name="stress", metadata=strain.metadata)
    assert stress["time"].iloc[-1] == pytest.approx(138.0 * 60) and stress["stress"].iloc[-1] == 0
    uh = varpy.Laboratory("UH001", root=tmp_path)
    series = uh.add_datatype("scld", d / "UH001_DDS-7_scld.txt", d / "UH001_DDS-7_scld_meta.txt")
    assert series.metadata["tf"] == 10852.58995 and series.metadata["time_unit"] == "seconds"
    assert series.metadata["source_times"]["tf"] == 10852.58995
