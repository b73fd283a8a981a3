"""Writing results to ID/Output as CSV + JSON: round trips, provenance, units, safety."""
from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import yaml

import varpy
from varpy import write
from varpy.analysis import magnitudes as mag
from varpy.exceptions import InvalidIDError, ProjectExistsError
from varpy.management.models import ModelOutput
from varpy.management.timeconv import to_float_time
from varpy.modelling.models import get_model
from varpy.preparation import windows

ORIGIN = "2011-08-01"


@dataclass
class _Experiment:
    """Stands in for varpy.modelling.experiments.ExperimentResult (documented .table)."""

    table: pd.DataFrame
    model: str = "iol"

    def to_dict(self):
        return {"model": self.model, "n_steps": len(self.table)}


def _project(tmp_path, name="Etna", seed=0):
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=300)
    days = np.sort(110.0 - 110.0 * (1 - u * (1 - (10 / 110) ** 0.3)) ** (1 / 0.3))
    m = np.round(rng.exponential(1 / np.log(10), days.size) + 1.0, 1)
    df = pd.DataFrame({"time": pd.Timestamp(ORIGIN, tz="UTC") + pd.to_timedelta(days, unit="D"),
                       "latitude": 37.7, "longitude": 15.0, "depth": 5.0, "magnitude": m})
    v = varpy.Volcanic(name, root=tmp_path)
    v._attach(varpy.ECVD(df, {"location": name}))
    v.save()
    return v


def _fit(v, t_end=100.0, **kw):
    x = to_float_time(v.ecvd.times, ORIGIN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_model("iol").fit(x[x < t_end], 0.0, t_end, origin=ORIGIN, **kw)


def _strict(text):
    def refuse(token):
        raise AssertionError(f"non-standard JSON token {token}")
    return json.loads(text, parse_constant=refuse)


def _expected(table):
    """The frame as written: flattened; None and NaN both missing."""
    flat = write.flatten_table(table)
    return flat.astype(object).where(flat.notna(), np.nan)


def _same(read, expected):
    pd.testing.assert_frame_equal(read.astype(object).where(read.notna(), np.nan),
                                  expected, check_dtype=False)


def test_fit_round_trip_and_provenance(tmp_path):
    v = _project(tmp_path)
    sub = windows.magnitude_range(v, 1.0, None)
    fit = _fit(sub)
    csv_path, json_path = write.write_result(sub, fit)
    assert (csv_path.name, json_path.name) == ("fit-iol-ecvd.csv", "fit-iol-ecvd.json")
    assert csv_path.parent == v.path / "Output"
    doc = _strict(json_path.read_text())
    assert doc["kind"] == "fit" and doc["project"] == "Etna" and doc["datatype"] == "ecvd"
    prov = doc["provenance"]
    for key in ("data_window", "selection", "model", "parameters", "mc", "mc_method",
                "computed", "written", "varpy_version", "package_versions"):
        assert key in prov, key
    assert prov["data_window"]["start"] == "2011-08-01T00:00:00+00:00"
    assert prov["data_window"]["end"] == "2011-11-09T00:00:00+00:00"
    assert prov["data_window"]["unit"] == "days since origin"
    assert prov["selection"] == [{"op": "range", "column": "magnitude", "min": 1.0,
                                  "max": None, "closed": "left"}]
    assert prov["parameters"] == pytest.approx(fit.params)
    assert prov["package_versions"]["varpy"] == varpy.__version__
    assert doc["units"]["failure_time"] == "UTC (ISO 8601)"
    assert doc["units"]["params.tf"] == "days since origin"
    rec = write.read_output(json_path)
    row = rec.table.iloc[0]
    assert row["params.tf"] == fit.params["tf"]               # exact: floats round-trip
    assert row["loglik"] == fit.loglik
    assert row["failure_time"] == fit.failure_time(calendar=True)
    assert row["tf_ci_high"] == fit.tf_ci[1]
    assert rec.load().to_dict() == fit.to_dict()
    from varpy.write.results import result_table
    _same(rec.table, _expected(result_table(fit, calendar=True)[1]))
    _same(write.read_output(csv_path, source="json").table, _same_frame(rec.table))


def _same_frame(frame):
    return frame.astype(object).where(frame.notna(), np.nan)


def test_refuses_to_overwrite_unless_asked(tmp_path):
    v = _project(tmp_path)
    fit = _fit(v)
    write.write_result(v, fit)
    before = (v.path / "Output" / "fit-iol-ecvd.json").read_text()
    with pytest.raises(ProjectExistsError, match="overwrite=True"):
        write.write_result(v, _fit(v, t_end=90.0))
    assert (v.path / "Output" / "fit-iol-ecvd.json").read_text() == before
    write.write_result(v, _fit(v, t_end=90.0), overwrite=True)
    assert write.read_output(v.path / "Output" / "fit-iol-ecvd.csv").table["t1"][0] == 90.0
    records = yaml.safe_load((v.path / "varpy.yaml").read_text())["outputs"]
    assert [r["name"] for r in records] == ["fit-iol-ecvd", "fit-iol-ecvd"]
    assert records[0]["files"] == ["Output/fit-iol-ecvd.csv", "Output/fit-iol-ecvd.json"]
    with pytest.raises(InvalidIDError):
        write.write_result(v, fit, "../../evil")
    assert not (tmp_path / "evil.csv").exists()


def test_model_output_and_model_table(tmp_path):
    v = _project(tmp_path)
    outs = []
    for t_end, t_forc in ((80.0, "2011-10-20"), (100.0, "2011-11-09")):
        fit = _fit(v, t_end=t_end)
        out = ModelOutput.from_result("iol", "retrospective_forecast", fit,
                                      {"t_forc": f"{t_forc}T00:00:00+00:00", "step": 1})
        v.record_model_output("ecvd", out)
        outs.append(out)
    paths = write.write_model_outputs(v)
    assert [p.name for p in paths] == ["models-iol-ecvd.csv", "models-iol-ecvd.json"]
    rec = write.read_output(paths[0])
    assert rec.kind == "model_outputs"
    # rows in the order the store keeps the outputs (by creation time, then uid)
    assert rec.table["uid"].tolist() == [o.uid for o in v.ecvd.models["iol"].outputs]
    table = rec.table.sort_values("t1").reset_index(drop=True)
    assert table["uid"].tolist() == [o.uid for o in outs]
    assert table["t_forc"].tolist() == list(pd.to_datetime(["2011-10-20", "2011-11-09"],
                                                           utc=True))
    assert table["t1"].tolist() == [80.0, 100.0]
    one = write.write_result(v, outs[0], "first")
    doc = _strict(one[1].read_text())
    assert doc["provenance"]["computed"] == outs[0].created
    assert doc["provenance"]["output_kind"] == "retrospective_forecast"
    assert doc["provenance"]["step"] == 1


def test_magnitude_results_round_trip(tmp_path):
    v = _project(tmp_path)
    data = v.ecvd.dataset
    results = {"mc": mag.mc(data, method="maxc"), "b": mag.b_value(data, mc=1.2),
               "fmd": mag.fmd(data),
               "bt": mag.b_time_series(data, mc=1.2, window=60, min_events=20)}
    for name, res in results.items():
        csv_path, json_path = write.write_result(v, res, name)
        rec = write.read_output(json_path)
        assert rec.load().to_dict() == res.to_dict()
        doc = _strict(json_path.read_text())
        assert doc["units"], name
    b = write.read_output(v.path / "Output" / "b.csv")
    assert b.kind == "b_value"
    assert b.table.loc[0, "b"] == results["b"].b and b.table.loc[0, "n"] == results["b"].n
    assert b.provenance["mc"] == 1.2 and b.provenance["b_method"] == "tinti_mulargia"
    fmd = write.read_output(v.path / "Output" / "fmd.csv")
    pd.testing.assert_frame_equal(fmd.table, results["fmd"].to_frame(), check_dtype=False)
    bt = write.read_output(v.path / "Output" / "bt.csv")
    assert bt.kind == "b_series"
    pd.testing.assert_series_equal(bt.table["time"], results["bt"].frame["time"],
                                   check_dtype=False)
    np.testing.assert_array_equal(bt.table["b"], results["bt"].frame["b"])


def test_stored_analyses_are_written_with_their_selection(tmp_path):
    v = _project(tmp_path)
    sub = windows.magnitude_range(v, 1.1, None)
    sub.ecvd.mc("gft")
    (name,) = sub.ecvd.outputs          # named after the selection: mc_gft-selXXXXXXXX
    assert name.startswith("mc_gft-sel")
    paths = write.write_analyses(sub)
    stem = f"analysis-{name.replace('_', '-')}-ecvd"
    assert [p.name for p in paths] == [f"{stem}.csv", f"{stem}.json"]
    rec = write.read_output(paths[1])
    assert rec.table.loc[0, "mc"] == sub.ecvd.outputs[name]["result"]["mc"]
    assert rec.provenance["selection"][0]["min"] == 1.1


def test_experiment_table_with_nested_columns(tmp_path):
    v = _project(tmp_path)
    table = pd.DataFrame({
        "t_forc": pd.date_range("2011-09-01", periods=3, freq="10D", tz="UTC"),
        "n_window": [30, 60, 90], "n_fit": [20, 40, 70], "mc": [0.0, 1.2, 1.2],
        "parameters": [{"k": 1.0, "tf": 50.0, "p": 0.5}, {"k": 2.0, "tf": 60.0, "p": 0.9},
                       {"k": 3.0, "tf": 70.0, "p": 1.1}],
        "loglik": [-10.0, -20.0, -30.0], "aic": [26.0, 46.0, 66.0],
        "failure_time": pd.to_datetime(["2011-09-20", pd.NaT, "2011-10-10"], utc=True),
        "failure_time_high": [pd.Timestamp("2011-10-01", tz="UTC"), pd.NaT, pd.NaT],
        "converged": [True, False, True], "warnings": [[], ["did not converge"], []]})
    paths = write.write_result(v, _Experiment(table), provenance={"t_step": 10.0})
    assert paths[0].name == "experiment-iol-ecvd.csv"
    rec = write.read_output(paths[0])
    assert rec.kind == "experiment"
    assert list(rec.table.columns[:7]) == ["t_forc", "n_window", "n_fit", "mc",
                                           "parameters.k", "parameters.tf", "parameters.p"]
    _same(rec.table, _expected(table))
    _same(write.read_output(paths[0], source="json").table, _same_frame(rec.table))
    assert json.loads(rec.table.loc[1, "warnings"]) == ["did not converge"]
    assert rec.provenance["t_step"] == 10.0 and rec.provenance["model"] == "iol"
    assert rec.result == {"model": "iol", "n_steps": 3}
    text = paths[1].read_text()
    assert "NaN" not in text and "Infinity" not in text


def test_dataframe_with_infinities(tmp_path):
    v = varpy.Laboratory("UCL", root=tmp_path)
    frame = pd.DataFrame({"t_forc": [1.0, 2.0], "failure_time": [10.0, math.inf],
                          "note": ["a", None]})
    paths = write.write_result(v, frame, "lab-table", datatype=None)
    doc = _strict(paths[1].read_text())
    assert doc["table"]["data"][1][1] == "inf"
    assert doc["provenance"]["project_type"] == "laboratory"
    for source in ("csv", "json"):
        rec = write.read_output(paths[0], source=source)
        assert rec.table["failure_time"].tolist() == [10.0, math.inf]
        assert rec.table["note"].iloc[0] == "a" and pd.isna(rec.table["note"].iloc[1])


def test_real_experiment_round_trip_and_reload_from_analyses(tmp_path):
    from varpy.modelling.experiments import multiple_analysis

    v = _project(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = multiple_analysis(v, "iol", t_min="01-08-2011", t_max="10-11-2011", t_step=20,
                                tf="19-11-2011", mc=1.0, progress=False)
    paths = write.write_result(v, res)
    assert paths[0].name == f"experiment-iol-{res.experiment_id}-ecvd.csv"
    rec = write.read_output(paths[0])
    expected = _expected(res.table)
    _same(rec.table, expected)
    _same(write.read_output(paths[0], source="json").table, _same_frame(rec.table))
    prov = rec.provenance
    assert prov["experiment_id"] == res.experiment_id
    assert prov["t_min"] == "2011-08-01T00:00:00+00:00" and prov["t_step"] == 20.0
    assert prov["known_tf"] == res.tf and prov["mc_method"] == 1.0
    assert rec.table["failure_time"].tolist() == res.table["failure_time"].tolist()
    # the stored experiment index has no fits; write_analyses reloads them from the models
    paths = write.write_analyses(v)
    (json_path,) = [p for p in paths if p.suffix == ".json" and "experiment" in p.name]
    again = write.read_output(json_path)
    np.testing.assert_array_equal(again.table["tf"], res.table["tf"])
    # model tables carry each step's forecast time from the experiment provenance
    mt = write.read_output(write.write_model_outputs(v)[0]).table
    assert sorted(mt["t_forc"].tolist()) == sorted(
        res.table.loc[res.table["uid"].notna(), "t_forc"].tolist())
