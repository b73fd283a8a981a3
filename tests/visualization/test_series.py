"""Continuous series (tilt per station, lab stress/strain) and their finite-difference rates."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402  (only to check no pyplot figure is made)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import varpy  # noqa: E402
from varpy import visualization as viz  # noqa: E402
from varpy.exceptions import DataFormatError  # noqa: E402
from varpy.visualization.series import finite_difference_rate  # noqa: E402


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    yield
    assert plt.get_fignums() == [], "a plotting function opened a pyplot figure"


def _tilt(station, offset, slope, n=40):
    t = pd.date_range("2012-01-01", periods=n, freq="6h", tz="UTC")
    days = np.arange(n) * 0.25
    return varpy.SCVD(pd.DataFrame({"time": t, "tilt": offset + slope * days}), station=station)


@pytest.fixture
def volcano(tmp_path):
    v = varpy.Volcanic("Etna", root=tmp_path)
    v._attach(_tilt("CDV", 100.0, 2.0))
    v._attach(_tilt("ECP", -5.0, -1.0))
    v._attach(varpy.EVD(pd.DataFrame({"start": [pd.Timestamp("2012-01-05", tz="UTC")],
                                      "end": [pd.NaT]})))
    v.save()
    return v


def test_one_line_per_station_relative_to_first_value(volcano):
    fig = viz.continuous_series(volcano)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.lines if line.get_label().startswith("station")}
    assert sorted(lines) == ["station CDV", "station ECP"]
    days = np.arange(40) * 0.25
    np.testing.assert_allclose(lines["station CDV"].get_ydata(), 2.0 * days)
    np.testing.assert_allclose(lines["station ECP"].get_ydata(), -1.0 * days)
    x = mdates.date2num(pd.date_range("2012-01-01", periods=40, freq="6h").to_numpy())
    np.testing.assert_allclose(lines["station CDV"].get_xdata(), x)
    assert ax.get_ylabel() == "change in tilt (µrad)"
    onset = [line for line in ax.lines if line.get_label() == "eruption onset"]
    assert float(onset[0].get_xdata()[0]) == mdates.date2num(np.datetime64("2012-01-05"))


def test_station_selection_and_absolute_values(volcano):
    fig = viz.continuous_series(volcano, stations="ECP", relative=False)
    lines = [line for line in fig.axes[0].lines if line.get_label().startswith("station")]
    assert [line.get_label() for line in lines] == ["station ECP"]
    assert lines[0].get_ydata()[0] == -5.0
    with pytest.raises(DataFormatError, match="XYZ"):
        viz.continuous_series(volcano, stations="XYZ")


def test_lab_columns_get_their_own_panels():
    t = np.linspace(0, 100, 11)
    scld = varpy.SCLD(pd.DataFrame({"time": t, "stress": 3 * t, "axial_strain": 0.01 * t}),
                      {"t1": 20.0, "tf": 100.0})
    fig = viz.continuous_series(scld)
    assert len(fig.axes) == 2
    assert [ax.get_ylabel() for ax in fig.axes] == ["change in stress (MPa)",
                                                   "change in axial strain (%)"]
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), 3 * t)
    assert fig.axes[1].get_xlabel() == "time (s)"


def test_finite_difference_rate_is_exact_for_piecewise_linear_series():
    t = np.array([0.0, 1.0, 1.0, 3.0, 7.0])     # a repeated time is dropped
    v = np.array([0.0, 2.0, 9.0, 3.0, 11.0])
    tm, r = finite_difference_rate(t, v)
    np.testing.assert_allclose(tm, [0.5, 2.0, 5.0])
    np.testing.assert_allclose(r, [2.0, 0.5, 2.0])
    knots = np.linspace(0, 10, 6)                      # samples of t**2 every 2 s
    tm, r = finite_difference_rate(knots, knots ** 2, n_points=501)
    assert tm.size == 500
    np.testing.assert_allclose(np.diff(tm), 10 / 500)
    # resampled grid points fall on the knots, so each rate is the secant slope of its segment
    seg = np.searchsorted(knots, tm) - 1
    np.testing.assert_allclose(r, knots[seg] + knots[seg + 1])


def test_series_rate_plot_volcanic_per_day_and_lab_per_second(volcano):
    fig = viz.series_rate(volcano, station="CDV")
    ax = fig.axes[0]
    pts = ax.lines[0]
    np.testing.assert_allclose(pts.get_ydata(), 2.0)             # 2 µrad per day
    assert ax.get_ylabel() == "tilt rate (µrad/day)"
    twin = fig.axes[1]
    np.testing.assert_allclose(twin.lines[0].get_ydata()[-1], 2.0 * 39 * 0.25)
    with pytest.raises(DataFormatError, match="station"):
        viz.series_rate(volcano)
    t = np.linspace(0, 50, 26)
    scld = varpy.SCLD(pd.DataFrame({"time": t, "stress": 0.5 * t}))
    fig = viz.series_rate(scld, "stress")
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), 0.5)
    assert fig.axes[0].get_ylabel() == "stress rate (MPa/s)"
