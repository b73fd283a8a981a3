"""Magnitude plots: FMD, Mc lines, the GR fit, magnitude-time, stems, b stability, b(t), Mc(t)."""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402  (only to check no pyplot figure is made)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import varpy  # noqa: E402
from varpy import visualization as viz  # noqa: E402
from varpy.analysis import magnitudes as mag  # noqa: E402
from varpy.statistics.mags import simulate_gr  # noqa: E402


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    yield
    assert plt.get_fignums() == [], "a plotting function opened a pyplot figure"


@pytest.fixture(scope="module")
def catalogue():
    m = simulate_gr(20000, b=1.0, mc=0.0, dm=0.1, detection=(0.8, 0.2), seed=11)
    rng = np.random.default_rng(2)
    days = np.sort(rng.uniform(0, 200, m.size))
    df = pd.DataFrame({"time": pd.Timestamp("2013-01-01", tz="UTC")
                       + pd.to_timedelta(days, unit="D"),
                       "latitude": 65.0, "longitude": -17.0, "depth": rng.uniform(0, 20, m.size),
                       "magnitude": m})
    return varpy.ECVD(df)


def _by_gid(ax, gid):
    (line,) = [line for line in ax.lines if line.get_gid() == gid]
    return line


def test_fmd_points_equal_independent_counts(catalogue):
    fig = viz.frequency_magnitude(catalogue, mc=None, gr_fit=False)
    ax = fig.axes[0]
    m = catalogue.dataset["magnitude"].to_numpy()
    k = np.rint(m * 10).astype(int)
    counts = np.bincount(k - k.min())
    centres = (np.arange(counts.size) + k.min()) / 10
    inc = _by_gid(ax, "incremental")
    np.testing.assert_allclose(inc.get_xdata(), centres)
    np.testing.assert_array_equal(inc.get_ydata(), counts)
    cum = _by_gid(ax, "cumulative")
    np.testing.assert_array_equal(cum.get_ydata(), np.cumsum(counts[::-1])[::-1])
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "magnitude (bin width 0.1)"
    assert ax.get_ylabel() == "number of events"


def test_fmd_mc_lines_and_gr_line(catalogue):
    fig = viz.frequency_magnitude(catalogue, mc=("maxc", "gft", "mbs"))
    ax = fig.axes[0]
    for method in ("maxc", "gft", "mbs"):
        value = mag.mc(catalogue.dataset, method=method).mc
        (line,) = [ln for ln in ax.lines if ln.get_label() == f"Mc ({method}) = {value:g}"]
        assert line.get_xdata()[0] == value
    mc_maxc = mag.mc(catalogue.dataset, method="maxc").mc
    gr = _by_gid(ax, "gr_fit")
    x = np.asarray(gr.get_xdata())
    y = np.asarray(gr.get_ydata())
    assert x[0] == pytest.approx(mc_maxc)
    # independent Tinti-Mulargia b from the events at or above Mc
    m = catalogue.dataset["magnitude"].to_numpy()
    above = m[m >= mc_maxc - 0.05]
    p_hat = 1 + 0.1 / (above.mean() - mc_maxc)
    b = math.log(p_hat) / 0.1 / math.log(10)
    np.testing.assert_allclose(y, above.size * 10 ** (-b * (x - mc_maxc)), rtol=1e-9)
    # the same line written with the a-value (edge convention): log10 N(>=M - dm/2) = a - b M'
    fit = mag.b_value(catalogue.dataset, mc=mc_maxc)
    np.testing.assert_allclose(np.log10(y), fit.a - fit.b * (x - 0.05), rtol=1e-9)
    assert "b = " in gr.get_label()


def test_magnitude_time_points_and_mc_lines(catalogue):
    fig = viz.magnitude_time(catalogue, mc=[1.2, "maxc"], colour="depth")
    ax = fig.axes[0]
    offsets = ax.collections[0].get_offsets()
    assert len(offsets) == len(catalogue)
    np.testing.assert_allclose(offsets[:, 1], catalogue.dataset["magnitude"])
    x = mdates.date2num(catalogue.times.dt.tz_localize(None).to_numpy())
    np.testing.assert_allclose(offsets[:, 0], x)
    levels = sorted(float(ln.get_ydata()[0]) for ln in ax.lines)
    assert levels == sorted([1.2, mag.mc(catalogue.dataset, method="maxc").mc])
    assert len(fig.axes) == 2                       # colour bar
    assert fig.axes[1].get_ylabel() == "depth (km)"


def test_magnitude_time_with_mc_series(catalogue):
    ts = mag.mc_time_series(catalogue.dataset, method="maxc", window=500)
    fig = viz.magnitude_time(catalogue, mc=ts)
    line = _by_gid(fig.axes[0], "mc_t")
    np.testing.assert_allclose(line.get_ydata(), ts.frame["mc"])


def test_stems_go_from_base_to_each_magnitude(catalogue):
    fig = viz.magnitude_stems(catalogue, base=-1.0)
    ax = fig.axes[0]
    segs = ax.collections[0].get_segments()
    assert len(segs) == len(catalogue)
    tops = np.array([s[1, 1] for s in segs])
    np.testing.assert_allclose(tops, catalogue.dataset["magnitude"])
    assert all(s[0, 1] == -1.0 for s in segs)
    np.testing.assert_allclose(_by_gid(ax, "tops").get_ydata(), tops)


def test_b_stability_draws_the_mbs_diagnostics(catalogue):
    res = mag.mc(catalogue.dataset, method="mbs")
    fig = viz.b_stability(catalogue, mbs=res, mc=None)
    ax = fig.axes[0]
    points = ax.containers[0]                      # ErrorbarContainer
    data_line = points.lines[0]
    np.testing.assert_allclose(data_line.get_xdata(), res.candidates)
    np.testing.assert_allclose(data_line.get_ydata(), res.b_values)
    np.testing.assert_allclose(_by_gid(ax, "b_average").get_ydata(), res.b_averages)
    (mc_line,) = [ln for ln in ax.lines if ln.get_label().startswith("Mc (mbs)")]
    assert mc_line.get_xdata()[0] == res.mc
    assert ax.get_ylim() == (0.5, 2.5)


def test_b_and_mc_through_time(catalogue):
    ts = mag.b_time_series(catalogue.dataset, mc=1.0, window=300)
    fig = viz.b_value_time(series=ts)
    ax = fig.axes[0]
    line = _by_gid(ax, "b")
    np.testing.assert_allclose(line.get_ydata(), ts.frame["b"])
    x = mdates.date2num(pd.to_datetime(ts.frame["time"]).dt.tz_localize(None).to_numpy())
    np.testing.assert_allclose(line.get_xdata(), x)
    band = [c for c in ax.collections if c.get_gid() == "ci"]
    assert len(band) == 1
    fig2 = viz.b_value_time(catalogue, mc=1.0, window=300)
    np.testing.assert_allclose(_by_gid(fig2.axes[0], "b").get_ydata(), ts.frame["b"])
    fig3 = viz.mc_time(catalogue, window=600, method="maxc")
    expected = mag.mc_time_series(catalogue.dataset, method="maxc", window=600).frame["mc"]
    np.testing.assert_allclose(_by_gid(fig3.axes[0], "mc").get_ydata(), expected)
    assert fig3.axes[0].get_ylabel() == "completeness magnitude"
    with pytest.raises(varpy.exceptions.DataFormatError):
        viz.b_value_time(series=mag.mc_time_series(catalogue.dataset, window=600))
