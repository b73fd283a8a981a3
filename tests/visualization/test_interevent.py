"""Inter-event time distributions and counts per interval."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (only to check no pyplot figure is made)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

import varpy  # noqa: E402
from varpy import visualization as viz  # noqa: E402
from varpy.exceptions import DataWarning  # noqa: E402
from varpy.visualization.interevent import interevent_fits  # noqa: E402


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    yield
    assert plt.get_fignums() == [], "a plotting function opened a pyplot figure"


def _lab(times):
    return varpy.ECLD(pd.DataFrame({"time": np.asarray(times, dtype=float), "amplitude": 1.0}))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gamma_fit_has_location_fixed_at_zero_and_recovers_parameters(seed):
    rng = np.random.default_rng(seed)
    iet = rng.gamma(0.6, 3.0, 4000)
    fit = interevent_fits(iet)
    shape, loc, scale = stats.gamma.fit(iet, floc=0.0)
    assert fit["gamma"] == pytest.approx({"shape": shape, "scale": scale})
    # 4000 samples: the MLE is within a few standard errors of the truth
    assert fit["gamma"]["shape"] == pytest.approx(0.6, rel=0.06)
    assert fit["gamma"]["scale"] == pytest.approx(3.0, rel=0.1)
    assert fit["exponential"]["scale"] == pytest.approx(iet.mean())


def test_interevent_histogram_and_model_curves():
    rng = np.random.default_rng(5)
    t = np.cumsum(rng.exponential(2.0, 600))
    fig = viz.interevent_times(_lab(t), n_boot=100, seed=3, level=0.9)
    ax_c, ax_d = fig.axes
    counts, edges, _ = next(p for p in ax_c.patches if p.get_gid() == "observed").get_data()
    iet = np.diff(t)
    np.testing.assert_array_equal(counts, np.histogram(iet, bins=edges)[0])
    assert counts.sum() == iet.size
    assert ax_c.get_xscale() == "log" and ax_d.get_yscale() == "log"
    assert ax_c.get_xlabel() == "inter-event time (s)"
    (exp_line,) = [ln for ln in ax_c.lines if ln.get_gid() == "expected:exponential"]
    expected = iet.size * np.diff(stats.expon.cdf(edges, scale=iet.mean()))
    np.testing.assert_allclose(exp_line.get_ydata()[:-1], expected)
    (dens,) = [ln for ln in ax_d.lines if ln.get_gid() == "density:exponential"]
    x = np.asarray(dens.get_xdata())
    np.testing.assert_allclose(dens.get_ydata(), np.exp(-x), rtol=1e-9)   # normalised e^-x
    bands = [c for c in ax_d.collections if c.get_gid() == "band:gamma"]
    assert len(bands) == 1
    again = viz.interevent_times(_lab(t), n_boot=100, seed=3, level=0.9)
    b2 = next(c for c in again.axes[1].collections if c.get_gid() == "band:gamma")
    np.testing.assert_array_equal(bands[0].get_paths()[0].vertices,
                                  b2.get_paths()[0].vertices)


def test_zero_intervals_are_reported():
    t = np.array([0.0, 1.0, 1.0, 2.5, 4.0, 4.0, 7.0, 9.0])
    with pytest.warns(DataWarning, match="2 of 7 inter-event times are zero"):
        fig = viz.interevent_times(_lab(t), n_boot=0)
    counts = fig.axes[0].patches[0].get_data().values
    assert counts.sum() == 5
    assert fig.varpy_context.parameters["zero_intervals"] == 2


def test_count_histogram_against_poisson(tmp_path):
    rng = np.random.default_rng(8)
    days = np.sort(rng.uniform(0, 100, 250))
    df = pd.DataFrame({"time": pd.Timestamp("2012-01-01", tz="UTC")
                       + pd.to_timedelta(days, unit="D"), "latitude": 0.0, "longitude": 0.0,
                       "depth": 1.0, "magnitude": 1.0})
    # the observation window is [2012-01-01, 2012-04-10): 100 days, quiet ones included
    fig = viz.count_histogram(varpy.ECVD(df), interval=1.0, level=0.95,
                              t_lims=("2012-01-01", "2012-04-10"))
    ax = fig.axes[0]
    per_day = np.bincount(np.floor(days).astype(int), minlength=100)
    n_int = per_day.size
    observed = np.bincount(per_day, minlength=per_day.max() + 2)
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_array_equal(heights, observed)
    (pois,) = [ln for ln in ax.lines if ln.get_gid() == "poisson"]
    k = np.arange(per_day.max() + 2)
    np.testing.assert_allclose(pois.get_ydata(), n_int * stats.poisson.pmf(k, per_day.mean()))
    assert ax.get_xlabel() == "events per interval (1 d)"
    assert fig.varpy_context.parameters["mean"] == pytest.approx(2.5)
