"""Model plots: curves on the fit's own time axis, bands, binned counts, time-rescaling."""
from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402  (only to check no pyplot figure is made)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

import varpy  # noqa: E402
from varpy import visualization as viz  # noqa: E402
from varpy.exceptions import DataWarning  # noqa: E402
from varpy.management.models import ModelOutput  # noqa: E402
from varpy.management.timeconv import to_float_time  # noqa: E402
from varpy.modelling.models import get_model  # noqa: E402
from varpy.visualization.models import parameter_draws  # noqa: E402

ORIGIN = "2011-08-01"
T = 100.0


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    yield
    assert plt.get_fignums() == [], "a plotting function opened a pyplot figure"


def _iol_times(rng, k, tf, p, t_end):
    """Inverse Omori event times on [0, t_end) by inverting the integrated rate."""
    a, b = tf ** (1 - p), (tf - t_end) ** (1 - p)
    n = rng.poisson(k / (1 - p) * (a - b))
    u = np.sort(rng.uniform(size=n))
    return tf - (a - u * (a - b)) ** (1 / (1 - p))


def _fit(times, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_model(kw.pop("model", "iol")).fit(times, 0.0, T, **kw)


@pytest.fixture(scope="module")
def volcano(tmp_path_factory):
    rng = np.random.default_rng(7)
    t = _iol_times(rng, 200.0, 110.0, 1.2, T)
    early = np.sort(rng.uniform(-60, 0, 40))        # data before the fit window
    days = np.concatenate([early, t])
    m = np.round(rng.uniform(1.0, 3.0, days.size), 1)
    df = pd.DataFrame({"time": pd.Timestamp(ORIGIN, tz="UTC") + pd.to_timedelta(days, unit="D"),
                       "latitude": 37.7, "longitude": 15.0, "depth": 5.0, "magnitude": m})
    v = varpy.Volcanic("Etna", root=tmp_path_factory.mktemp("models"))
    v._attach(varpy.ECVD(df))
    v._attach(varpy.EVD(pd.DataFrame({"start": [pd.Timestamp(ORIGIN, tz="UTC")
                                                + pd.Timedelta(days=104)], "end": [pd.NaT]})))
    v.save()
    fit = _fit(t, origin=ORIGIN)
    return v, fit, t


def _gid(ax, gid):
    (line,) = [ln for ln in ax.lines if ln.get_gid() == gid]
    return line


def _origin_num():
    return mdates.date2num(np.datetime64(ORIGIN))


def test_model_curves_use_the_fit_window_not_the_data_start(volcano):
    v, fit, t = volcano
    fig = viz.model_fit(v, fit, n_draws=0)
    rate_ax, cum_ax = fig.axes
    line = _gid(rate_ax, "model_rate")
    x = np.asarray(line.get_xdata())
    # VarPy 2016 evaluated the model from floor(first data time), 60 days too early
    assert x[0] == pytest.approx(_origin_num(), abs=1e-9)
    grid = x - _origin_num()
    np.testing.assert_allclose(grid[[0, -1]], [0.0, T], atol=1e-9)
    np.testing.assert_allclose(line.get_ydata(), fit.rate(grid), rtol=1e-9)
    cum = _gid(cum_ax, "model_cumulative")
    np.testing.assert_allclose(cum.get_ydata(), fit.integral(0.0, grid), rtol=1e-9, atol=1e-12)
    obs = _gid(cum_ax, "observed_cumulative")
    assert obs.get_ydata()[-1] == fit.n_events == t.size
    np.testing.assert_allclose(np.asarray(obs.get_xdata())[1:] - _origin_num(), np.sort(t),
                               atol=1e-6)
    counts, edges, _ = next(p for p in rate_ax.patches if p.get_gid() == "observed_rate"
                            ).get_data()
    np.testing.assert_allclose(counts, np.histogram(t, bins=np.linspace(0, T, 21))[0] / 5.0)
    assert rate_ax.get_ylabel() == "events per day"
    assert cum_ax.get_ylabel() == "cumulative number of events"


def test_bands_are_seeded_and_contain_the_fit(volcano):
    v, fit, _ = volcano
    figs = [viz.model_fit(v, fit, kind="cumulative", n_draws=150, seed=s) for s in (1, 1, 2)]
    bands = [next(c for c in f.axes[0].collections if c.get_gid() == "cumulative_band")
             for f in figs]
    paths = [b.get_paths()[0].vertices for b in bands]
    np.testing.assert_array_equal(paths[0], paths[1])
    assert not np.array_equal(paths[0], paths[2])
    # the MLE curve lies inside its own band (away from the very start, where all are ~0)
    model = _gid(figs[0].axes[0], "model_cumulative")
    y = np.asarray(model.get_ydata())
    verts = paths[0]
    n = y.size
    lower = verts[1:n + 1, 1]
    upper = verts[n + 2:2 * n + 2, 1][::-1]
    inner = slice(5, n)
    assert np.all(lower[inner] <= y[inner] + 1e-9) and np.all(y[inner] <= upper[inner] + 1e-9)


def test_parameter_draw_bands_cover_the_truth():
    """Simulate-then-recover: the 90 % band of the expected count at mid-window covers the
    true value at close to the nominal rate (80 catalogues)."""
    k, tf, p = 200.0, 110.0, 1.2
    model = get_model("iol")
    truth = float(model.integral(0.0, 50.0, {"k": k, "tf": tf, "p": p}))
    hits = 0
    for seed in range(80):
        fit = _fit(_iol_times(np.random.default_rng(seed), k, tf, p, T))
        draws = parameter_draws(fit, 300, seed=seed)
        vals = np.array([model.integral(0.0, 50.0, d) for d in draws])
        lo, hi = np.percentile(vals, [5, 95])
        hits += lo <= truth <= hi
    assert 0.8 <= hits / 80 <= 0.97


def test_stored_output_and_magnitude_cut(volcano):
    v, _, _ = volcano
    x = to_float_time(v.ecvd.times, ORIGIN)
    m = v.ecvd.dataset["magnitude"].to_numpy()
    sel = (x >= 0) & (x < T) & (m >= 1.5)
    fit = _fit(x[sel], origin=ORIGIN, mc=1.5, mc_method="given")
    ecvd = varpy.ECVD(v.ecvd.dataset)
    ecvd.models["iol"] = varpy.Model("iol", "forecast",
                                     [ModelOutput.from_result("iol", "single_forecast", fit)])
    fig = viz.model_fit(ecvd, model="iol", kind="cumulative", n_draws=0)
    obs = _gid(fig.axes[0], "observed_cumulative")
    assert obs.get_ydata()[-1] == int(sel.sum())
    with pytest.warns(DataWarning, match="fit used"):
        bad = fit.__class__.from_dict({**fit.to_dict(), "n_events": 5})
        viz.model_fit(ecvd, bad, n_draws=0)


def test_model_counts_bins_and_poisson_intervals(volcano):
    v, fit, t = volcano
    fig = viz.model_counts(v, fit, n_bins=10, level=0.9)
    ax = fig.axes[0]
    expected_line = ax.containers[0].lines[0]
    centres = np.asarray(expected_line.get_xdata()) - _origin_num()
    np.testing.assert_allclose(np.diff(centres), T / 10)       # VarPy used T/11 for 10 bins
    np.testing.assert_allclose(centres[0], T / 20)
    edges = np.linspace(0, T, 11)
    mu = fit.integral(edges[:-1], edges[1:])
    np.testing.assert_allclose(expected_line.get_ydata(), mu, rtol=1e-9)
    assert np.sum(mu) == pytest.approx(t.size, rel=1e-6)      # k = N / J at the MLE
    observed = np.histogram(t, bins=edges)[0]
    pts = [ln for ln in ax.lines if ln.get_gid() in ("observed", "observed_outside")]
    got = np.concatenate([ln.get_ydata() for ln in pts])
    assert sorted(got.tolist()) == sorted(observed.tolist())
    ctx = fig.varpy_context.parameters
    np.testing.assert_array_equal(ctx["observed"], observed)
    # the error bars are the central 90 % Poisson interval of each expected count
    seg = ax.containers[0].lines[2][0].get_segments()
    lows = np.array([s[0, 1] for s in seg])
    highs = np.array([s[1, 1] for s in seg])
    np.testing.assert_allclose(lows, stats.poisson.ppf(0.05, mu))
    np.testing.assert_allclose(highs, stats.poisson.ppf(0.95, mu))
    assert ax.get_ylabel() == "events per bin (10 d)"


def test_time_rescaling_residuals(volcano):
    v, fit, t = volcano
    fig = viz.time_rescaling(v, fit)
    ax = fig.axes[0]
    step = _gid(ax, "residuals")
    tau = np.asarray(step.get_xdata())[1:-1]
    np.testing.assert_allclose(tau, fit.integral(0.0, np.sort(t)), rtol=1e-9)
    np.testing.assert_array_equal(np.asarray(step.get_ydata())[1:-1], np.arange(1, t.size + 1))
    # independent: the increments of the transformed times are Exp(1) under the model
    p = stats.kstest(np.diff(np.r_[0.0, tau]), "expon").pvalue
    assert fig.varpy_context.parameters["ks_pvalue"] == pytest.approx(p)
    assert p > 0.01                                   # the right model is not rejected
    assert ax.get_xlabel().startswith("transformed time")


def test_laboratory_fit_in_seconds():
    rng = np.random.default_rng(4)
    t = 1000.0 + _iol_times(rng, 300.0, 105.0, 1.1, T)       # experiment clock, origin 1000 s
    ecld = varpy.ECLD(pd.DataFrame({"time": np.concatenate([[10.0, 500.0], t]),
                                    "amplitude": 1.0}), {"tf": 1105.0})
    fit = _fit(t - 1000.0, origin=1000.0)
    fig = viz.model_fit(ecld, fit, kind="rate", n_draws=0)
    ax = fig.axes[0]
    line = _gid(ax, "model_rate")
    x = np.asarray(line.get_xdata())
    assert x[0] == pytest.approx(1000.0)
    np.testing.assert_allclose(line.get_ydata(), fit.rate(x - 1000.0))
    assert ax.get_xlabel() == "time (s)"
    assert ax.get_ylabel() == "events per s"


def test_extension_shows_the_forecast_and_the_eruption(volcano):
    v, fit, _ = volcano
    fig = viz.model_fit(v, fit, kind="rate", n_draws=0, extend=0.3)
    ax = fig.axes[0]
    assert ax.get_xlim()[1] == pytest.approx(_origin_num() + 1.3 * T)
    line = _gid(ax, "model_rate")
    last = np.asarray(line.get_xdata())[-1] - _origin_num()
    assert T < last < fit.tf                          # beyond the data, short of the singularity
    (tf_line,) = [ln for ln in ax.lines if ln.get_gid() == "tf"]
    assert float(tf_line.get_xdata()[0]) == pytest.approx(_origin_num() + fit.tf)
    (onset,) = [ln for ln in ax.lines if ln.get_label() == "eruption onset"]
    assert float(onset.get_xdata()[0]) == pytest.approx(_origin_num() + 104.0)
    (ci,) = [p for p in ax.patches if p.get_gid() == "tf_ci"]
