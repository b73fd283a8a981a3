"""Forecast evolution of a multiple analysis, and model comparison through time."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402  (only to check no pyplot figure is made)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import varpy  # noqa: E402
from varpy import visualization as viz  # noqa: E402
from varpy.management.models import ModelOutput  # noqa: E402
from varpy.modelling.models import get_model  # noqa: E402

UTC = "UTC"


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    yield
    assert plt.get_fignums() == [], "a plotting function opened a pyplot figure"


@dataclass
class _Experiment:
    """Stands in for varpy.modelling.experiments.ExperimentResult (its documented .table)."""

    table: pd.DataFrame


def _num(values):
    return mdates.date2num(pd.DatetimeIndex(values).tz_localize(None).to_numpy())


def _table():
    t_forc = pd.date_range("2012-01-01", periods=5, freq="10D", tz=UTC)
    ft = pd.to_datetime(["2012-03-01", "2012-02-20", "2014-06-01", "2012-02-25", "2012-02-22"],
                        utc=True)
    low = pd.to_datetime(["2012-02-10", "2012-02-12", "2012-03-01", "2012-02-18", pd.NaT],
                         utc=True)
    high = pd.to_datetime(["2012-04-01", pd.NaT, "2015-01-01", "2012-03-05", pd.NaT], utc=True)
    return pd.DataFrame({"t_forc": t_forc, "n_window": [20, 30, 40, 50, 60],
                         "n_fit": [20, 30, 40, 50, 60], "failure_time": ft,
                         "failure_time_low": low, "failure_time_high": high,
                         "aic": [10.0, 12.0, 9.0, 8.0, 7.5],
                         "converged": [True, True, True, False, True],
                         "warnings": [[], [], ["p <= 0"], [], []]})


def test_forecast_points_intervals_flags_and_truth():
    table = _table()
    truth = pd.Timestamp("2012-02-27", tz=UTC)
    fig = viz.forecast_evolution(_Experiment(table), true_time=truth)
    ax = fig.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
    x_all = _num(table["t_forc"])
    y_all = _num(table["failure_time"])
    # rows 0, 1, 4 are good; row 3 did not converge (open marker); row 2 (year 2014) is beyond
    # the default axis and drawn as a triangle on its edge
    np.testing.assert_allclose(lines["forecasts"].get_xdata(), x_all[[0, 1, 4]])
    np.testing.assert_allclose(lines["forecasts"].get_ydata(), y_all[[0, 1, 4]])
    np.testing.assert_allclose(lines["flagged"].get_xdata(), x_all[[3]])
    assert lines["flagged"].get_markerfacecolor() == "none"
    np.testing.assert_allclose(lines["off_scale"].get_xdata(), x_all[[2]])
    top = ax.get_ylim()[1]
    np.testing.assert_allclose(lines["off_scale"].get_ydata(), top)
    assert lines["true_time"].get_ydata()[0] == pytest.approx(_num([truth])[0])
    # intervals: row 1 has an open upper end (NaT): its bar reaches the top of the axis
    bars = ax.collections[0].get_segments()
    by_x = {round(float(s[0, 0]), 6): (s[0, 1], s[1, 1]) for s in bars}
    lo1, hi1 = by_x[round(x_all[1], 6)]
    assert lo1 == pytest.approx(_num(table["failure_time_low"].iloc[[1]])[0])
    assert hi1 == pytest.approx(top)
    lo0, hi0 = by_x[round(x_all[0], 6)]
    assert (lo0, hi0) == pytest.approx(tuple(_num(table.loc[0, ["failure_time_low",
                                                             "failure_time_high"]])))
    assert ax.get_xlabel() == "forecast time (UTC)"
    assert fig.varpy_context.parameters["n_forecasts"] == 5


def test_true_time_from_the_eruption_list_and_lab_seconds(tmp_path):
    v = varpy.Volcanic("Hierro", root=tmp_path)
    onsets = pd.to_datetime(["2011-06-01", "2012-02-27", "2013-01-01"], utc=True)
    v._attach(varpy.EVD(pd.DataFrame({"start": onsets, "end": [pd.NaT] * 3})))
    fig = viz.forecast_evolution(_table(), v)
    (truth,) = [ln for ln in fig.axes[0].lines if ln.get_gid() == "true_time"]
    # the first onset at or after the first forecast time, not the earlier one
    assert truth.get_ydata()[0] == pytest.approx(_num(onsets[[1]])[0])
    lab = pd.DataFrame({"t_forc": [100.0, 200.0, 300.0], "failure_time": [520.0, 480.0, 450.0],
                        "tf_ci_low": [400.0, 420.0, 430.0],
                        "tf_ci_high": [math.inf, 600.0, 470.0]})
    ecld = varpy.ECLD(pd.DataFrame({"time": [1.0], "amplitude": [1.0]}), {"tf": 455.0})
    fig = viz.forecast_evolution(lab, ecld)
    ax = fig.axes[0]
    (pts,) = [ln for ln in ax.lines if ln.get_gid() == "forecasts"]
    np.testing.assert_allclose(pts.get_ydata(), [520.0, 480.0, 450.0])
    (truth,) = [ln for ln in ax.lines if ln.get_gid() == "true_time"]
    assert truth.get_ydata()[0] == 455.0
    assert ax.get_xlabel() == "forecast time (s)"
    seg = ax.collections[0].get_segments()
    assert seg[0][1, 1] == ax.get_ylim()[1]          # open upper end drawn to the top


def test_forecast_table_from_stored_outputs():
    rng = np.random.default_rng(1)
    ecvd = varpy.ECVD(pd.DataFrame({"time": pd.to_datetime(["2012-01-01"], utc=True),
                                    "latitude": 0.0, "longitude": 0.0, "depth": 0.0,
                                    "magnitude": 1.0}))
    model = varpy.Model("iol", "forecast")
    for i, t1 in enumerate((60.0, 80.0, 100.0)):
        t = np.sort(110.0 - 110.0 * rng.uniform(0, 1, 300) ** 1.5)
        t = t[t < t1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = get_model("iol").fit(t, 0.0, t1, origin="2012-01-01")
        model.add(ModelOutput.from_result("iol", "retrospective_forecast", fit,
                                          {"t_forc": f"2012-0{3 + i}-01T00:00:00+00:00"}))
    ecvd.models["iol"] = model
    table = viz.forecast_table(ecvd)
    assert len(table) == 3
    assert table["t_forc"].tolist() == list(pd.to_datetime(
        ["2012-03-01", "2012-04-01", "2012-05-01"], utc=True))
    last = model.outputs[-1].load_result()
    assert table["failure_time"].iloc[-1] == last.failure_time(calendar=True)
    fig = viz.forecast_evolution(ecvd, model="iol")
    pts = [ln for ln in fig.axes[0].lines if ln.get_gid() in ("forecasts", "flagged",
                                                               "off_scale")]
    assert sum(len(ln.get_xdata()) for ln in pts) == 3


def test_model_comparison_delta_aic():
    t = pd.date_range("2012-01-01", periods=4, freq="D", tz=UTC)
    results = {"iol": _Experiment(pd.DataFrame({"t_forc": t, "aic": [10.0, 8.0, 5.0, 1.0]})),
               "constant": pd.DataFrame({"t_forc": t, "aic": [9.0, 9.0, 9.0, 9.0]})}
    fig = viz.model_comparison(results)
    ax = fig.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
    np.testing.assert_allclose(lines["model:iol"].get_ydata(), [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(lines["model:constant"].get_ydata(), [0.0, 1.0, 4.0, 8.0])
    assert ax.get_ylabel() == "ΔAIC (0 = best model)"
    long = pd.DataFrame({"model": ["a", "b", "a", "b"], "t_forc": [1.0, 1.0, 2.0, 2.0],
                         "bic": [3.0, 5.0, 7.0, 2.0]})
    fig = viz.model_comparison(long, criterion="bic", relative=False)
    lines = {ln.get_gid(): ln for ln in fig.axes[0].lines if ln.get_gid()}
    np.testing.assert_allclose(lines["model:b"].get_ydata(), [5.0, 2.0])
    assert fig.axes[0].get_ylabel() == "BIC"


def _experiment_project(tmp_path):
    from varpy.modelling.experiments import multiple_analysis

    rng = np.random.default_rng(1)
    days = np.sort(100.0 * (1.0 - rng.uniform(size=400) ** 2))
    v = varpy.Volcanic("Etna", root=tmp_path)
    v._attach(varpy.ECVD(pd.DataFrame({
        "time": pd.Timestamp("2020-01-01", tz=UTC) + pd.to_timedelta(days, unit="D"),
        "latitude": 37.7, "longitude": 15.0, "depth": 5.0,
        "magnitude": np.round(1 + rng.exponential(0.43, 400), 1)})))
    v.save()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = multiple_analysis(v, "iol", t_min="01-01-2020", t_max="10-04-2020", t_step=10,
                                tf="10-04-2020", mc="maxc", progress=False)
    return v, res


def test_experiment_result_is_drawn_with_its_known_failure_time(tmp_path):
    v, res = _experiment_project(tmp_path)
    table = res.table
    fig = viz.forecast_evolution(res, v, y_lims=("2020-01-01", "2040-01-01"))
    ax = fig.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.lines if ln.get_gid()}
    (truth,) = [lines["true_time"]]
    assert truth.get_ydata()[0] == pytest.approx(_num(pd.to_datetime(["2020-04-10"],
                                                                      utc=True))[0])
    shown = np.concatenate([lines[g].get_xdata() for g in ("forecasts", "flagged")
                            if g in lines])
    ok = table["failure_time"].notna()
    assert sorted(shown) == pytest.approx(sorted(_num(table.loc[ok, "t_forc"])))
    flagged = table["flagged"].fillna(False).to_numpy(dtype=bool) & ok.to_numpy()
    assert flagged.sum() > 0                          # early steps hit bounds: open markers
    np.testing.assert_allclose(lines["flagged"].get_xdata(), _num(table.loc[flagged, "t_forc"]))
    # the stored outputs give the same forecasts as the experiment's own table
    stored = viz.forecast_table(v, "iol")
    assert stored["failure_time"].tolist() == table.loc[ok, "failure_time"].tolist()
    assert stored["t_forc"].tolist() == table.loc[ok, "t_forc"].tolist()
    # ... and the last fit is drawn on its data, which the experiment cut at its Mc
    last = res.last.fit
    fig = viz.model_fit(v, last, kind="cumulative", n_draws=0)
    obs = [ln for ln in fig.axes[0].lines if ln.get_gid() == "observed_cumulative"][0]
    assert obs.get_ydata()[-1] == res.last.n_fit


def test_model_comparison_of_two_experiments(tmp_path):
    from varpy.modelling.experiments import multiple_analysis

    v, iol = _experiment_project(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        const = multiple_analysis(v, "constant", t_min="01-01-2020", t_max="10-04-2020",
                                  t_step=10, mc="maxc", progress=False, store=False)
    fig = viz.model_comparison({"iol": iol, "constant": const})
    lines = {ln.get_gid(): ln for ln in fig.axes[0].lines if ln.get_gid()}
    a, c = iol.table["aic"].to_numpy(), const.table["aic"].to_numpy()
    best = np.fmin(a, c)
    np.testing.assert_allclose(lines["model:iol"].get_ydata(), a - best)
    np.testing.assert_allclose(lines["model:constant"].get_ydata(), c - best)
