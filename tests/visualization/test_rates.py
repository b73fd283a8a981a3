"""event_rate: what is drawn equals counts computed independently; markers where they belong."""
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

START = pd.Timestamp("2011-08-01", tz="UTC")


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    yield
    assert plt.get_fignums() == [], "a plotting function opened a pyplot figure"


def _volcano(tmp_path, n=300, seed=3):
    rng = np.random.default_rng(seed)
    days = np.sort(rng.uniform(0, 60, n))
    df = pd.DataFrame({"time": START + pd.to_timedelta(days, unit="D"),
                       "latitude": 37.7, "longitude": 15.0, "depth": rng.uniform(0, 10, n),
                       "magnitude": np.round(rng.uniform(1, 3, n), 1)})
    v = varpy.Volcanic("Etna", root=tmp_path)
    v._attach(varpy.ECVD(df, {"location": "Etna"}))
    onsets = [START + pd.Timedelta(days=20.5), START + pd.Timedelta(days=63),
              START + pd.Timedelta(days=400)]
    v._attach(varpy.EVD(pd.DataFrame({"start": onsets, "end": [pd.NaT] * 3})))
    v.save()
    return v, days


def _num(ts):
    return mdates.date2num(pd.DatetimeIndex(ts).tz_convert("UTC").tz_localize(None).to_numpy())


def test_daily_counts_equal_an_independent_histogram(tmp_path):
    v, days = _volcano(tmp_path)
    fig = viz.event_rate(v, bin_width=1.0)
    ax = fig.axes[0]
    step = next(p for p in ax.patches if p.get_gid() == "counts")
    counts, edges, _ = step.get_data()
    # independent: whole days since 2011-08-01 (data start at midnight UTC)
    expected = np.bincount(np.floor(days).astype(int))
    assert counts.tolist() == expected.tolist()
    assert counts.sum() == len(days)                 # no event dropped (VarPy lost the last bin)
    np.testing.assert_allclose(edges[0], _num([START])[0])
    np.testing.assert_allclose(np.diff(edges), 1.0)
    assert ax.get_ylabel() == "events per 1 d"
    assert ax.get_xlabel() == "time (UTC)"


def test_cumulative_count_and_eruption_lines(tmp_path):
    v, days = _volcano(tmp_path)
    fig = viz.event_rate(v, bin_width="7D")
    ax, twin = fig.axes[0], fig.axes[1]
    (cum,) = [line for line in twin.lines if line.get_gid() == "cumulative"]
    y = np.asarray(cum.get_ydata())
    assert y[-1] == len(days) and np.all(np.diff(y) >= 0)
    x = np.asarray(cum.get_xdata())
    np.testing.assert_allclose(x[1:-1], _num(v.ecvd.times), rtol=0, atol=1e-9)
    assert twin.get_ylabel() == "cumulative number of events"
    # onsets at day 20.5 (inside) and day 63 (just after the data: the axis is widened to it);
    # the onset 400 days later is far outside and not drawn
    vlines = [line for line in ax.lines if line.get_linestyle() == "--"]
    xs = sorted(float(line.get_xdata()[0]) for line in vlines)
    np.testing.assert_allclose(xs, _num([START + pd.Timedelta(days=20.5),
                                         START + pd.Timedelta(days=63)]))
    assert ax.get_xlim()[1] >= xs[-1]
    step = ax.patches[0].get_data()
    np.testing.assert_allclose(np.diff(step.edges), 7.0)
    assert step.values.sum() == len(days)


def test_time_window_filters_and_bins(tmp_path):
    v, days = _volcano(tmp_path)
    fig = viz.event_rate(v, kind="rate", bin_width=2.0, t_lims=("05-08-2011", "15-08-2011"))
    counts, edges, _ = fig.axes[0].patches[0].get_data()
    sel = days[(days >= 4) & (days < 14)]
    assert counts.tolist() == np.bincount(((sel - 4) // 2).astype(int), minlength=5).tolist()
    np.testing.assert_allclose(edges[[0, -1]], _num([START + pd.Timedelta(days=4),
                                                     START + pd.Timedelta(days=14)]))
    assert len(fig.axes) == 1                                 # no twin axis for kind='rate'
    # the eruption at day 20.5 is outside the asked window
    assert not [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]


def test_laboratory_seconds_and_failure_time():
    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(0, 1000, 500))
    ecld = varpy.ECLD(pd.DataFrame({"time": t, "amplitude": 1.0}),
                      {"tf": 1010.0, "t1": 200.0})
    fig = viz.event_rate(ecld, bin_width=50)
    ax = fig.axes[0]
    counts, edges, _ = ax.patches[0].get_data()
    assert counts.tolist() == np.histogram(t, bins=np.arange(0, 1001, 50))[0].tolist()
    assert ax.get_xlabel() == "time (s)"
    marks = {line.get_label(): float(line.get_xdata()[0]) for line in ax.lines
             if line.get_label() in ("failure (tf)", "creep start (t1)")}
    assert marks == {"failure (tf)": 1010.0, "creep start (t1)": 200.0}


def test_kind_is_checked(tmp_path):
    v, _ = _volcano(tmp_path)
    with pytest.raises(ValueError, match="kind"):
        viz.event_rate(v, kind="histogram")


def test_laboratory_project_takes_tf_from_the_stress_series(tmp_path):
    lab = varpy.Laboratory("UCL", root=tmp_path)
    lab._attach(varpy.ECLD(pd.DataFrame({"time": [10.0, 20.0, 95.0], "amplitude": 1.0})))
    lab._attach(varpy.SCLD(pd.DataFrame({"time": [0.0, 50.0, 100.0],
                                         "stress": [0.0, 50.0, 80.0]}), {"tf": 98.0}))
    fig = viz.event_rate(lab, bin_width=10.0)
    (line,) = [ln for ln in fig.axes[0].lines if ln.get_label() == "failure (tf)"]
    assert float(line.get_xdata()[0]) == 98.0
