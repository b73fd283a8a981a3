"""ci_method on fits, experiments, scoring, the YAML spec and the CLI (issue #11).

The clustered and bootstrap intervals themselves are tested in test_clustered.py and
tests/simulation/test_clustered.py; here: the choice is recorded, shown, stored, followed by
prob_failure_before and the forecast distribution, and flagged statuses give no interval.
"""
import concurrent.futures
import math

import numpy as np
import pandas as pd
import pytest

from varpy.exceptions import DataFormatError
from varpy.management.datatypes import ECLD
from varpy.modelling.experiments import ProspectiveForecast, multiple_analysis
from varpy.modelling.intervals import apply_ci_method
from varpy.modelling.models import get_model
from varpy.modelling.results import FitResult
from varpy.modelling.scoring import forecast_cdf, forecast_log_density, score_forecasts
from varpy.simulation.clustered import simulate_clustered

TRUTH = dict(k=20.0, tf=100.0, p=1.0, K=0.0225, alpha=1.0, c=0.01, q=1.2)


@pytest.fixture(scope="module")
def data():
    t, m = simulate_clustered(TRUTH, 0.0, 95.0, seed=0)
    return t, m, get_model("iol").fit(t, 0.0, 95.0, warn=False)


@pytest.mark.parametrize("method", ["clustered", "bootstrap"])
def test_method_is_recorded_shown_stored_and_followed(data, method):
    t, m, fit = data
    out = apply_ci_method(fit, t, m, method, seed=4, n_boot=60, progress=False)
    assert out is not fit and fit.ci_method == "profile"
    assert out.ci_method == method and out.interval["status"] == "ok"
    assert out.interval["poisson_tf_ci"] == list(fit.tf_ci)
    lo, hi = out.tf_ci
    assert 95.0 <= lo < hi
    assert {"clustered": "under ETAS clustering",
            "bootstrap": "parametric bootstrap"}[method] in out.summary()
    assert "branching ratio" in out.summary()
    d = out.to_dict()
    back = FitResult.from_dict(d)
    assert back.to_dict() == d and back.ci_method == method
    # probabilities and the forecast distribution follow the method
    for h in (lo, 0.5 * (lo + hi), hi, 120.0):
        p = out.prob_failure_before(h)
        assert p == back.prob_failure_before(h) == forecast_cdf(out, h)
    if method == "clustered":
        assert out.prob_failure_before(lo) == pytest.approx(0.025, abs=1e-6)
        assert out.prob_failure_before(hi) == pytest.approx(0.975, abs=1e-6)
    else:
        assert out.prob_failure_before(lo - 1e-9) <= 0.05 <= out.prob_failure_before(hi)
    assert math.isfinite(forecast_log_density(out, 100.0))
    # the Poisson probability is still available on request
    assert out.prob_failure_before(hi, method="profile") == fit.prob_failure_before(hi)


def test_profile_is_the_fit_itself_and_unknown_methods_are_refused(data):
    t, m, fit = data
    assert apply_ci_method(fit, t, m, "profile") is fit
    with pytest.raises(DataFormatError, match="ci_method"):
        apply_ci_method(fit, t, m, "quasi")
    mol = get_model("mol").fit(t, 0.0, 95.0, warn=False)
    assert apply_ci_method(mol, t, m, "profile") is mol


def test_flagged_status_gives_no_interval():
    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(0.0, 95.0, 150))            # no acceleration
    fit = get_model("iol").fit(t, 0.0, 95.0, warn=False)
    for method in ("clustered", "bootstrap"):
        out = apply_ci_method(fit, t, None, method, seed=1, n_boot=20, progress=False)
        assert out.interval["status"] != "ok"
        assert out.tf_ci is None or not math.isfinite(out.tf_ci[1])
        if out.tf_ci is None:
            assert any("gives no interval" in w for w in out.warnings)
            assert math.isnan(out.prob_failure_before(120.0))


@pytest.fixture(scope="module")
def ecld():
    t, m = simulate_clustered(TRUTH, 0.0, 99.0, seed=2)
    return ECLD(pd.DataFrame({"time": t, "magnitude": m}), metadata={"id": "sim"})


@pytest.mark.filterwarnings("ignore::varpy.exceptions.FitWarning")
def test_experiments_accept_the_method_and_bootstrap_is_executor_independent(ecld):
    kw = dict(kind="ecld", t_min=0.0, t_max=99.0, t_step=30.0, tf=100.0, horizon=3.0,
              store=False, progress=False, ci_method="bootstrap",
              ci_options={"seed": 3, "n_boot": 30})
    a = multiple_analysis(ecld, "iol", **kw)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        b = multiple_analysis(ecld, "iol", executor=ex, **kw)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.settings["ci_method"] == "bootstrap" and a.settings["ci_options"]["seed"] == 3
    fitted = [f for f in a.fits if f is not None and f.tf_ci is not None]
    assert fitted and all(f.ci_method == "bootstrap" for f in fitted)
    scores = score_forecasts(a)
    assert scores.table["pit"].notna().any()
    c = multiple_analysis(ecld, "iol", **dict(kw, ci_method="profile"))
    assert (c.table["tf"].values == a.table["tf"].values).all()     # point forecasts agree


def test_prospective_forecast_keeps_the_method(ecld):
    pf = ProspectiveForecast(ecld, "iol", kind="ecld", t_min=0.0, store=False, warn=False,
                             ci_method="clustered")
    step = pf.update(t_forc=95.0)
    assert step.fit.ci_method == "clustered"
    assert pf.result.settings["ci_method"] == "clustered"
    with pytest.raises(DataFormatError):
        ProspectiveForecast(ecld, "iol", kind="ecld", t_min=0.0, store=False, ci_method="x")


@pytest.mark.filterwarnings("ignore::varpy.exceptions.FitWarning")
def test_forecast_evolution_shows_the_chosen_intervals(ecld):
    import matplotlib.pyplot as plt

    from varpy.visualization.forecasts import forecast_evolution

    res = multiple_analysis(ecld, "iol", kind="ecld", t_min=0.0, t_max=99.0, t_step=30.0,
                            tf=100.0, store=False, progress=False, ci_method="clustered")
    fig = forecast_evolution(res, true_time=100.0)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "failure-time interval (clustered)" in labels
    plt.close(fig)


@pytest.mark.filterwarnings("ignore::varpy.exceptions.FitWarning")
def test_auto_is_the_default_and_resolves_per_fit(ecld):
    """Without ``ci_method`` an experiment uses ``auto``: the clustered interval for inverse
    Omori forecasts, the Poisson profile for a model without a failure time and for a
    retrospective fit (tf fixed); the figure names the methods ``auto`` used."""
    import matplotlib.pyplot as plt

    from varpy.modelling.experiments import single_analysis
    from varpy.modelling.intervals import resolve_ci_method
    from varpy.visualization.forecasts import forecast_evolution

    res = multiple_analysis(ecld, "iol", kind="ecld", t_min=0.0, t_max=99.0, t_step=30.0,
                            store=False, progress=False)
    assert res.settings["ci_method"] == "auto"
    assert {f.ci_method for f in res.fits if f is not None} == {"clustered"}
    fig = forecast_evolution(res, true_time=100.0)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "failure-time interval (auto: clustered)" in labels
    plt.close(fig)
    const = single_analysis(ecld, "constant", kind="ecld", t_min=0.0, t_max=95.0, store=False)
    assert const.ci_method == "profile" and resolve_ci_method("auto", const) == "profile"
    retro = single_analysis(ecld, "iol", kind="ecld", t_min=0.0, t_max=95.0, tf=100.0,
                            store=False)
    assert retro.mode == "retrospective" and retro.ci_method == "profile"
    with pytest.raises(DataFormatError):
        resolve_ci_method("quasi", const)
