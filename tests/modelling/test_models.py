"""Tests of the rate-model classes, the registry, FitResult and degenerate data.

``simulate_events`` (used by the other modelling tests too) draws an exact inhomogeneous
Poisson process by inverting the integrated rate: unit-rate Poisson points on
``[0, Lambda(t0, t1)]`` mapped back by bisection on ``Lambda(t0, t)``. Its only input from the
code under test is ``model.integral``, which is itself checked against quadrature of
``model.rate`` here.
"""
import json
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import integrate, stats

from varpy.exceptions import DataFormatError, FitError, FitWarning, UnknownFormatError
from varpy.modelling import models as md
from varpy.modelling.fitting import EventWindow, FitResult, Parameter
from varpy.modelling.models import (available_models, get_model, register_model,
                                    unregister_model)

# Parameter sets used across the modelling tests (window [0, 100)).
TRUTH = {
    "constant": {"k": 3.0},
    "exponential": {"k": 1.0, "lam": 0.03},
    "iol": {"k": 250.0, "tf": 110.0, "p": 1.2},
    "hyperbolic": {"k": 60.0, "tf": 105.0},
    "mol": {"k": 60.0, "c": 0.5, "p": 1.1},
    "creep": {"k1": 40.0, "c": 0.5, "p1": 1.0, "k2": 100.0, "tf": 105.0, "p2": 1.3},
}


def simulate_events(model, params, t0, t1, seed):
    """Exact simulation of the model's Poisson process on [t0, t1) (inverse integrated rate)."""
    rng = np.random.default_rng(seed)
    total = float(model.integral(t0, t1, params))
    n = rng.poisson(total)
    u = np.sort(rng.uniform(0.0, total, n))
    lo = np.full(n, float(t0))
    hi = np.full(n, float(t1))
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        below = model.integral(t0, mid, params) < u
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.minimum(0.5 * (lo + hi), np.nextafter(t1, t0))


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------

def test_registry_names_and_varpy_aliases():
    assert set(available_models()) >= {"constant", "exponential", "iol", "hyperbolic", "mol",
                                       "creep"}
    for alias, cls in [("iol_mle", md.InverseOmori), ("hyp_mle", md.Hyperbolic),
                       ("exp_mle", md.ExponentialRate), ("cr_mle", md.ConstantRate),
                       ("creep_mle", md.Creep), ("IOL", md.InverseOmori)]:
        assert type(get_model(alias)) is cls
    with pytest.raises(UnknownFormatError, match="valid choices"):
        get_model("no_such_model")


class LinearRate(md.RateModel):
    """A user model: rate a + b t (only rate, integral and bounds defined)."""

    name = "linear_test"
    param_names = ("a", "b")
    min_events = 3

    def parameters(self, t0, t1):
        return [Parameter("a", 0.0, np.inf, "log"), Parameter("b", -np.inf, np.inf)]

    def rate(self, t, params):
        a, b = self.vector(params)
        return a + b * np.asarray(t, dtype=float)

    def integral(self, a_, b_, params):
        a, b = self.vector(params)
        return a * (np.asarray(b_) - a_) + 0.5 * b * (np.asarray(b_) ** 2 - a_ ** 2)

    def initial_guess(self, window, fixed):
        return [np.array([window.n / window.duration, 0.0])]


@pytest.fixture
def linear_registered():
    register_model("linear_test", LinearRate, aliases=("lin_test",))
    yield
    unregister_model("linear_test")          # do not leak into other tests' registries
    assert "linear_test" not in available_models()
    with pytest.raises(UnknownFormatError):
        get_model("lin_test")


def test_user_model_plugs_into_registry_and_fits(linear_registered):
    with pytest.raises(ValueError, match="already registered"):
        register_model("linear_test", LinearRate)
    with pytest.raises(ValueError):
        register_model("bad", dict)
    assert type(get_model("lin_test")) is LinearRate
    model = get_model("linear_test")
    truth = {"a": 2.0, "b": 0.04}
    t = simulate_events(model, truth, 0.0, 100.0, seed=1)
    res = model.fit(t, 0.0, 100.0, warn=False)
    # the MLE of a linear rate: score equations solved numerically; compare with truth within
    # 4 standard errors and check the score vanishes (finite-difference gradient)
    for name in truth:
        assert abs(res.params[name] - truth[name]) < 4 * res.stderr[name]
    g = model.gradient(t, 0.0, 100.0, res.params)
    assert np.all(np.abs(g) < 1e-3 * np.sqrt(t.size))
    assert res.model == "linear_test" and res.method == "multistart"
    back = FitResult.from_dict(res.to_dict())
    assert back.rate(50.0) == pytest.approx(res.params["a"] + 50 * res.params["b"])


# --------------------------------------------------------------------------------------------
# rate, integral, likelihood and gradients of each class
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(TRUTH))
def test_integral_matches_quadrature_of_rate(name):
    model = get_model(name)
    params = TRUTH[name]
    for a, b in [(0.0, 100.0), (10.0, 37.5), (90.0, 99.9)]:
        expected, _ = integrate.quad(lambda t: float(model.rate(t, params)), a, b, epsrel=1e-12,
                                     limit=200)
        assert float(model.integral(a, b, params)) == pytest.approx(expected, rel=1e-9)
    b = np.array([10.0, 50.0, 99.0])
    assert model.integral(0.0, b, params).shape == (3,)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_log_likelihood_equals_generic_definition(name):
    model = get_model(name)
    params = TRUTH[name]
    t = simulate_events(model, params, 0.0, 100.0, seed=3)
    generic = md.RateModel.log_likelihood(model, t, 0.0, 100.0, params)
    assert model.log_likelihood(t, 0.0, 100.0, params) == pytest.approx(generic, rel=1e-12)
    # parameters may be given as a dict or in param_names order
    vec = [params[k] for k in model.param_names]
    assert model.log_likelihood(t, 0.0, 100.0, vec) == pytest.approx(generic, rel=1e-12)


def _theta_params(name, data):
    """Hypothesis strategy for valid parameters of each model."""
    if name == "iol":
        return {"k": data.draw(st.floats(1.0, 500.0)), "tf": 100 + data.draw(st.floats(0.05, 300)),
                "p": data.draw(st.floats(0.05, 3.0))}
    if name == "hyperbolic":
        return {"k": data.draw(st.floats(1.0, 100.0)), "tf": 100 + data.draw(st.floats(0.05, 300))}
    if name == "mol":
        return {"k": data.draw(st.floats(1.0, 100.0)), "c": data.draw(st.floats(0.01, 50.0)),
                "p": data.draw(st.floats(0.05, 3.0))}
    if name == "exponential":
        return {"k": data.draw(st.floats(0.1, 10.0)), "lam": data.draw(st.floats(-0.05, 0.05))}
    if name == "constant":
        return {"k": data.draw(st.floats(0.1, 10.0))}
    return {"k1": data.draw(st.floats(1.0, 80.0)), "c": data.draw(st.floats(0.05, 5.0)),
            "p1": data.draw(st.floats(0.2, 2.0)), "k2": data.draw(st.floats(1.0, 200.0)),
            "tf": 100 + data.draw(st.floats(0.5, 50.0)), "p2": data.draw(st.floats(0.2, 2.0))}


_SAMPLE = simulate_events(get_model("iol"), TRUTH["iol"], 0.0, 100.0, seed=11)


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(sorted(TRUTH)), data=st.data())
def test_analytic_gradient_matches_finite_differences(name, data):
    """Property: for any valid parameters the analytic gradient equals central differences."""
    model = get_model(name)
    params = _theta_params(name, data)
    x = model.vector(params)
    g = model.gradient(_SAMPLE, 0.0, 100.0, x)
    fd = md.RateModel.gradient(model, _SAMPLE, 0.0, 100.0, x)   # base-class central differences
    np.testing.assert_allclose(g, fd, rtol=2e-5, atol=1e-6 * (1.0 + np.abs(g).max()))


# --------------------------------------------------------------------------------------------
# degenerate and invalid data
# --------------------------------------------------------------------------------------------

def test_too_few_events_raise_fit_error():
    with pytest.raises(FitError, match="at least 8 events"):
        get_model("iol").fit([1.0, 2.0, 3.0, 4.0, 5.0], 0.0, 10.0)
    with pytest.raises(FitError, match="at least 15"):
        get_model("creep").fit(np.arange(10.0), 0.0, 10.0)
    with pytest.raises(FitError, match="at least 1"):
        get_model("constant").fit([], 0.0, 10.0)


def test_all_events_at_one_time_raise_fit_error():
    with pytest.raises(FitError, match="same time"):
        get_model("iol").fit(np.full(20, 5.0), 0.0, 10.0)
    with pytest.raises(FitError, match="same time"):
        get_model("exponential").fit(np.full(5, 2.0), 0.0, 10.0)


def test_invalid_times_and_fixed_values_raise_data_format_error():
    with pytest.raises(DataFormatError, match="outside the window"):
        get_model("iol").fit(np.linspace(0, 10, 20), 0.0, 10.0)       # 10.0 is not < t1
    with pytest.raises(DataFormatError, match="not finite"):
        get_model("iol").fit([1.0, np.nan, 3.0], 0.0, 10.0)
    with pytest.raises(DataFormatError, match="t1 = 10"):
        get_model("iol").fit(np.linspace(0, 9, 20), 0.0, 10.0, fixed={"tf": 9.5})
    with pytest.raises(DataFormatError, match="no parameter"):
        get_model("iol").fit(np.linspace(0, 9, 20), 0.0, 10.0, fixed={"q": 1.0})
    with pytest.raises(DataFormatError, match="c > 0"):
        get_model("mol").fit(np.linspace(0, 9, 20), 0.0, 10.0, fixed={"c": -1.0})
    with pytest.raises(DataFormatError):
        EventWindow([1.0], 5.0, 5.0)
    with pytest.raises(ValueError, match="method"):
        get_model("iol").fit(np.linspace(0, 9, 20), 0.0, 10.0, method="simplex")


def test_no_acceleration_is_flagged_not_forecast():
    """A homogeneous Poisson process fitted with the IOL: the result is flagged and warned."""
    t = simulate_events(get_model("constant"), {"k": 3.0}, 0.0, 100.0, seed=5)
    with pytest.warns(FitWarning):
        res = get_model("iol").fit(t, 0.0, 100.0)
    assert res.flagged
    assert any("acceleration" in w or "bound" in w for w in res.warnings)


def test_decelerating_data_put_p_on_its_bound():
    t = simulate_events(get_model("mol"), {"k": 60.0, "c": 0.5, "p": 1.1}, 0.0, 100.0, seed=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = get_model("iol").fit(t, 0.0, 100.0)
    assert res.params["p"] == 0.0
    messages = [str(c.message) for c in caught if issubclass(c.category, FitWarning)]
    assert any("p = 0 is at its lower bound" in m for m in messages)
    assert messages == [f"iol: {w}" for w in res.warnings]


def test_singularity_flag_follows_the_likelihood():
    """A burst of events at the very end: flagged only where the likelihood cannot separate tf
    from the end of the data, never for being close (the rule that replaced "< 1 % of the
    window"), never when tf is fixed."""
    rng = np.random.default_rng(0)
    t = np.sort(np.r_[rng.uniform(0, 99.0, 40), 99.99 - np.geomspace(1e-4, 0.5, 40)])
    # window ending right at the last event: the interval of tf reaches it -> flagged
    with pytest.warns(FitWarning, match="singularity"):
        res = get_model("iol").fit(t, 0.0, t[-1] + 1e-5)
    assert res.tf_ci[0] == res.window[1]
    assert any("interval reaches the end of the data" in w for w in res.warnings)
    # 0.01 later the optimum is interior and the interval bounded: a forecast 0.013 after the
    # last event (0.013 % of the window) that the data do pin down -> not flagged
    res = get_model("iol").fit(t, 0.0, 100.0, warn=False)
    assert res.window[1] < res.tf_ci[0] < res.tf < res.tf_ci[1] < 100.1
    assert res.tf - t[-1] < 0.01 * 100.0
    assert not any("singularity" in w for w in res.warnings)
    # tf held fixed just after the last event: a fixed parameter is never flagged
    fixed = get_model("iol").fit(t, 0.0, 100.0, fixed={"tf": 100.001}, warn=False)
    assert not any("singularity" in w or "tf =" in w for w in fixed.warnings)


def test_legacy_non_physical_optimum_is_flagged():
    """VarPy's unconstrained Nelder-Mead on decelerating data returns p < 0: flagged."""
    t = simulate_events(get_model("mol"), {"k": 30.0, "c": 2.0, "p": 0.8}, 0.0, 100.0, seed=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = get_model("iol").fit(t, 0.0, 100.0, method="legacy")
    assert res.method == "legacy" and res.x0 == [50.0, 200.0, 1.1]
    assert res.params["p"] < 0                       # VarPy 2016 would report this as is
    assert any("p = " in w and "<= 0" in w for w in res.warnings)
    assert any(issubclass(c.category, FitWarning) for c in caught)
    # the bounded default fit of the same data is never worse and reports p on its bound
    default = get_model("iol").fit(t, 0.0, 100.0, warn=False)
    assert default.loglik >= res.loglik - 1e-9 or default.params["p"] == 0.0


def test_legacy_forecast_on_constant_rate_is_flagged():
    """Legacy Nelder-Mead finds a plausible-looking tf on a homogeneous process: flagged."""
    t = simulate_events(get_model("constant"), {"k": 3.0}, 0.0, 100.0, seed=6)
    res = get_model("iol").fit(t, 0.0, 100.0, method="legacy", warn=False)
    assert 100.0 < res.params["tf"] < 150.0 and res.params["p"] > 0
    assert any("no significant acceleration" in w for w in res.warnings)


# --------------------------------------------------------------------------------------------
# FitResult
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def iol_fit():
    t = simulate_events(get_model("iol"), TRUTH["iol"], 0.0, 100.0, seed=7)
    return get_model("iol").fit(t, 0.0, 100.0, mc=1.2, mc_method="gft", origin="2011-08-01",
                                warn=False)


def test_fit_result_round_trip_and_json(iol_fit):
    d = iol_fit.to_dict()
    text = json.dumps(d, allow_nan=False)          # strict JSON: no NaN/inf tokens
    back = FitResult.from_dict(json.loads(text))
    assert back.to_dict() == d
    assert back.params == iol_fit.params and back.tf_ci == iol_fit.tf_ci
    assert back.mc == 1.2 and back.mc_method == "gft"
    retro = get_model("iol").fit(simulate_events(get_model("iol"), TRUTH["iol"], 0, 100, 8),
                                 0.0, 100.0, fixed={"tf": 110.0}, warn=False)
    assert math.isnan(retro.stderr["tf"])           # fixed: not estimated
    assert FitResult.from_dict(json.loads(json.dumps(retro.to_dict(), allow_nan=False))
                               ).to_dict() == retro.to_dict()
    assert retro.mode == "retrospective" and iol_fit.mode == "forecast"


def test_fit_result_fields(iol_fit):
    r = iol_fit
    assert r.n_params == 3 and r.window == (0.0, 100.0)
    assert r.aic == pytest.approx(6 - 2 * r.loglik)
    assert r.bic == pytest.approx(3 * math.log(r.n_events) - 2 * r.loglik)
    assert r.converged and r.n_starts >= 1 and r.n_evaluations > 0
    assert np.allclose(r.cov, np.array(r.cov).T)
    assert [r.stderr[n] for n in r.cov_names] == pytest.approx(np.sqrt(np.diag(r.cov)))
    text = r.summary()
    for token in ("iol", "tf", "profile CI", "log-likelihood", "Mc = 1.2"):
        assert token in text


def test_failure_time_conversion(iol_fit):
    tf = iol_fit.tf
    assert iol_fit.failure_time() == pytest.approx(tf)                 # origin is a string
    ts = iol_fit.failure_time(calendar=True)
    expected = np.datetime64("2011-08-01") + np.timedelta64(int(round(tf * 86400e3)), "ms")
    assert abs((ts.tz_convert(None).to_datetime64() - expected) / np.timedelta64(1, "s")) < 1
    assert iol_fit.failure_time(origin=1000.0, calendar=False) == pytest.approx(1000.0 + tf)
    assert get_model("constant").fit([1.0, 2.0], 0.0, 3.0).failure_time() is None


def test_prob_failure_before_matches_profile_interval(iol_fit):
    r = iol_fit
    lo, hi = r.tf_ci
    level = r.ci_level
    assert r.prob_failure_before(lo) == pytest.approx((1 - level) / 2, abs=2e-3)
    if math.isfinite(hi):
        assert r.prob_failure_before(hi) == pytest.approx((1 + level) / 2, abs=2e-3)
    assert r.prob_failure_before(r.tf) == pytest.approx(0.5, abs=1e-6)
    assert r.prob_failure_before(100.0) == 0.0 and r.prob_failure_before(50.0) == 0.0
    grid = np.linspace(100.01, 200, 50)
    probs = [r.prob_failure_before(h) for h in grid]
    assert np.all(np.diff(probs) >= -1e-12)
    wald = r.prob_failure_before(r.tf + r.stderr["tf"], method="wald")
    assert wald == pytest.approx(stats.norm.cdf(1.0))
    with pytest.raises(FitError):
        get_model("constant").fit([1.0, 2.0], 0.0, 3.0).prob_failure_before(5.0)


def test_fit_result_delegates_rate_and_residuals(iol_fit):
    assert iol_fit.rate(50.0) == pytest.approx(
        iol_fit.params["k"] * (iol_fit.params["tf"] - 50.0) ** -iol_fit.params["p"])
    assert float(iol_fit.integral(0.0, 100.0)) == pytest.approx(iol_fit.n_events, rel=1e-8)
