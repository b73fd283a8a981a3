"""Collecting written results across several projects."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import varpy  # noqa: E402
from varpy import visualization as viz  # noqa: E402
from varpy import write  # noqa: E402
from varpy.analysis import magnitudes as mag  # noqa: E402
from varpy.management.models import ModelOutput  # noqa: E402
from varpy.management.timeconv import to_float_time  # noqa: E402
from varpy.modelling.models import get_model  # noqa: E402


@dataclass
class _Experiment:
    table: pd.DataFrame
    model: str = "iol"


def _volcano(root, name, seed):
    rng = np.random.default_rng(seed)
    days = np.sort(90.0 - 90.0 * rng.uniform(0, 1, 200) ** 1.5)
    df = pd.DataFrame({"time": pd.Timestamp("2012-01-01", tz="UTC")
                       + pd.to_timedelta(days, unit="D"), "latitude": 0.0, "longitude": 0.0,
                       "depth": 1.0, "magnitude": np.round(1 + rng.exponential(0.4, 200), 1)})
    v = varpy.Volcanic(name, root=root)
    v._attach(varpy.ECVD(df))
    v.save()
    x = to_float_time(v.ecvd.times, "2012-01-01")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = get_model("iol").fit(x, 0.0, 90.0, origin="2012-01-01")
    return v, fit


def _experiment(seed, n=3):
    rng = np.random.default_rng(seed)
    t_forc = pd.date_range("2012-02-01", periods=n, freq="7D", tz="UTC")
    ft = t_forc + pd.to_timedelta(rng.uniform(10, 40, n), unit="D")
    return _Experiment(pd.DataFrame({"t_forc": t_forc, "failure_time": ft,
                                     "aic": rng.uniform(0, 10, n),
                                     "converged": [True] * n}))


@pytest.fixture
def root(tmp_path):
    a, fit_a = _volcano(tmp_path, "Etna", 1)
    b, fit_b = _volcano(tmp_path, "Hierro", 2)
    write.write_result(a, fit_a)
    write.write_result(a, _experiment(1))
    write.write_result(b, _experiment(2, n=4))
    write.write_result(b, mag.mc(b.ecvd.dataset, method="maxc"))
    b.record_model_output("ecvd", ModelOutput.from_result("iol", "single_forecast", fit_b))
    viz.event_rate(a, save=True)
    lab = varpy.Laboratory("UCL", root=tmp_path)
    write.write_result(lab, pd.DataFrame({"t_forc": [10.0], "failure_time": [55.0]}), "lab",
                       datatype=None)
    (tmp_path / "not_a_project").mkdir()
    return tmp_path, {"Etna": fit_a, "Hierro": fit_b}


def test_index_of_all_outputs(root):
    path, _ = root
    assert [s.id for s in write.find_projects(path)] == ["Etna", "Hierro", "UCL"]
    index = write.collect_outputs(path)
    assert sorted(zip(index["project"], index["output"])) == [
        ("Etna", "experiment-iol-ecvd"), ("Etna", "fit-iol-ecvd"),
        ("Hierro", "experiment-iol-ecvd"), ("Hierro", "mc-maxc-ecvd"), ("UCL", "lab")]
    assert set(write.collect_outputs(path, project_type="laboratory")["project"]) == {"UCL"}


def test_tables_of_one_kind_across_projects(root):
    path, _ = root
    exp = write.collect_outputs(path, "experiment")
    assert exp["project"].tolist() == ["Etna"] * 3 + ["Hierro"] * 4
    expected = pd.concat([_experiment(1).table, _experiment(2, n=4).table], ignore_index=True)
    pd.testing.assert_series_equal(exp["failure_time"], expected["failure_time"],
                                   check_names=False)
    np.testing.assert_array_equal(exp["aic"], expected["aic"])
    mc = write.collect_outputs(path, "mc")
    assert mc["project"].tolist() == ["Hierro"] and mc["mc"].iloc[0] > 0
    assert write.collect_outputs(path, "b_value").empty


def test_collect_forecasts_joins_experiments_and_fits(root):
    path, fits = root
    fc = write.collect_forecasts(path)
    assert set(fc["project"]) == {"Etna", "Hierro"}                 # volcanic only
    assert list(fc.columns[:5]) == ["project", "project_type", "output", "datatype", "source"]
    assert (fc["source"] == "experiment").sum() == 7
    fit_rows = fc[fc["source"] == "fit"]
    assert fit_rows["project"].tolist() == ["Etna"]
    assert fit_rows["failure_time"].iloc[0] == fits["Etna"].failure_time(calendar=True)
    assert isinstance(fc["failure_time"].dtype, pd.DatetimeTZDtype)
    everything = write.collect_forecasts(path, project_type=None)
    assert "UCL" not in set(everything["project"])    # its table is a 'table', not a forecast


def test_collect_models_and_figures(root):
    path, fits = root
    models = write.collect_models(path)
    assert models["project"].tolist() == ["Hierro"]
    assert models["model"].tolist() == ["iol"]
    assert models["params.tf"].iloc[0] == fits["Hierro"].params["tf"]
    assert models["loglik"].iloc[0] == fits["Hierro"].loglik
    figs = write.collect_figures(path)
    assert figs["project"].tolist() == ["Etna"]
    assert figs["function"].tolist() == ["varpy.visualization.rates.event_rate"]
    assert figs["files"].iloc[0] == ["Figures/event_rate.png"]
    with pytest.raises(varpy.exceptions.StoreError):
        write.find_projects(path / "missing")


def test_real_experiments_from_several_volcanoes(tmp_path):
    from varpy.modelling.experiments import multiple_analysis

    expected = []
    for name, seed in (("Etna", 1), ("Hierro", 2)):
        v, _ = _volcano(tmp_path, name, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = multiple_analysis(v, "iol", t_min="01-01-2012", t_max="31-03-2012",
                                    t_step=15, tf="31-03-2012", progress=False)
        write.write_result(v, res)
        expected.append(res.table.assign(project=name))
    fc = write.collect_forecasts(tmp_path)
    want = pd.concat(expected, ignore_index=True)
    want = want[want["failure_time"].notna()].reset_index(drop=True)
    assert fc["project"].tolist() == want["project"].tolist()
    assert fc["failure_time"].tolist() == want["failure_time"].tolist()
    np.testing.assert_allclose(fc["lead_time"], want["lead_time"])
    assert set(fc["source"]) == {"experiment"}
