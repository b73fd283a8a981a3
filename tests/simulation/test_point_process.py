"""Exact Poisson simulation: counts, time rescaling, bounds, reproducibility."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from varpy.exceptions import VarpyError
from varpy.simulation.point_process import (
    BoundRate,
    ConstantRate,
    ExponentialRate,
    InverseOmoriRate,
    OmoriRate,
    RateSum,
    SimulationError,
    as_rate_function,
    homogeneous_poisson,
    inhomogeneous_poisson,
    invert_integral,
    sorted_uniforms,
)


class CreepRate:
    """Primary + tertiary creep rate written independently, *without* an inverse (root finder)."""

    def __init__(self, k1, c, p1, k2, tf, p2):
        self.k1, self.c, self.p1, self.k2, self.tf, self.p2 = k1, c, p1, k2, tf, p2

    def rate(self, t):
        t = np.asarray(t, dtype=float)
        return self.k1 * (t + self.c) ** -self.p1 + self.k2 * (self.tf - t) ** -self.p2

    def integral(self, a, b):
        b = np.asarray(b, dtype=float)
        first = self.k1 * ((b + self.c) ** (1 - self.p1) - (a + self.c) ** (1 - self.p1)) / (
            1 - self.p1)
        second = self.k2 * ((self.tf - a) ** (1 - self.p2) - (self.tf - b) ** (1 - self.p2)) / (
            1 - self.p2)
        return first + second


class BumpRate:
    """A non-monotone rate (Gaussian bump on a floor), no inverse."""

    def rate(self, t):
        t = np.asarray(t, dtype=float)
        return 0.5 + 20.0 * np.exp(-0.5 * ((t - 6.0) / 0.7) ** 2)

    def integral(self, a, b):
        b = np.asarray(b, dtype=float)
        scale = 20.0 * 0.7 * np.sqrt(2 * np.pi)
        return 0.5 * (b - a) + scale * (stats.norm.cdf(b, 6.0, 0.7) - stats.norm.cdf(a, 6.0, 0.7))


RATES = {
    "constant": (ConstantRate(3.0), 0.0, 50.0),
    "omori": (OmoriRate(k=40.0, c=0.05, p=1.3), 0.0, 100.0),
    "omori_p1": (OmoriRate(k=30.0, c=0.2, p=1.0), 0.0, 100.0),
    "inverse_omori_to_tf": (InverseOmoriRate(k=20.0, tf=100.0, p=0.7), 0.0, 100.0),
    "inverse_omori_p_gt_1": (InverseOmoriRate(k=5.0, tf=100.0, p=1.4), 0.0, 99.0),
    "exponential_up": (ExponentialRate(k=0.5, lam=0.05), 0.0, 80.0),
    "exponential_down": (ExponentialRate(k=20.0, lam=-0.1), 0.0, 60.0),
    "creep_root_finder": (CreepRate(30.0, 0.5, 1.1, 15.0, 100.0, 0.8), 0.0, 100.0),
    "bump_root_finder": (BumpRate(), 0.0, 12.0),
}


@pytest.mark.parametrize("name", sorted(RATES))
def test_counts_match_integrated_rate_and_are_poisson(name):
    rf, a, b = RATES[name]
    expected = float(rf.integral(a, b))
    reps = 300
    rng = np.random.default_rng(12345)
    counts = np.array([inhomogeneous_poisson(rf, a, b, rng).size for _ in range(reps)])
    z = (counts.mean() - expected) / np.sqrt(expected / reps)
    assert abs(z) < 3.5, (name, counts.mean(), expected)
    # Poisson dispersion: s^2 / mean ~ chi2(R-1)
    dispersion = (reps - 1) * counts.var(ddof=1) / expected
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], reps - 1)
    assert lo < dispersion < hi, (name, counts.var(ddof=1), expected)


@pytest.mark.parametrize("name", sorted(RATES))
def test_time_rescaled_events_are_unit_poisson(name):
    """Time rescaling (Ogata 1988; Brown et al. 2002): Lambda(a, t_i)/Lambda iid uniform."""
    rf, a, b = RATES[name]
    total = float(rf.integral(a, b))
    pvalues, pooled = [], []
    for seed in range(40):
        t = inhomogeneous_poisson(rf, a, b, seed=seed)
        assert np.all(np.diff(t) >= 0) and t.min() >= a and t.max() < b
        u = np.asarray(rf.integral(a, t)) / total
        pooled.append(u)
        pvalues.append(stats.kstest(u, "uniform").pvalue)
    pvalues = np.array(pvalues)
    assert np.sum(pvalues < 0.05) <= 8  # Binomial(40, 0.05): P(>= 9) < 1e-3
    assert stats.kstest(pvalues, "uniform").pvalue > 1e-3
    assert stats.kstest(np.concatenate(pooled), "uniform").pvalue > 1e-3


def test_rescaled_inter_event_times_are_unit_exponential():
    rf, a, b = RATES["omori"]
    t = inhomogeneous_poisson(rf, a, b, seed=99)
    tau = np.diff(np.concatenate([[0.0], np.asarray(rf.integral(a, t))]))
    assert stats.kstest(tau, "expon").pvalue > 1e-3


@pytest.mark.parametrize("name", ["omori", "inverse_omori_p_gt_1", "exponential_up",
                                  "exponential_down"])
def test_thinning_with_monotone_bound_is_exact(name):
    rf, a, b = RATES[name]
    total = float(rf.integral(a, b))
    pooled, counts = [], []
    for seed in range(60):
        t = inhomogeneous_poisson(rf, a, b, seed=seed, method="thinning", bound="monotone")
        counts.append(t.size)
        pooled.append(np.asarray(rf.integral(a, t)) / total)
    assert abs(np.mean(counts) - total) < 3.5 * np.sqrt(total / 60)
    assert stats.kstest(np.concatenate(pooled), "uniform").pvalue > 1e-3


def test_thinning_refuses_a_false_monotone_claim():
    with pytest.raises(SimulationError, match="not monotone"):
        inhomogeneous_poisson(BumpRate(), 0.0, 12.0, seed=1, method="thinning",
                              bound="monotone", pieces=1)


def test_thinning_refuses_a_bound_below_the_rate():
    with pytest.raises(SimulationError, match="bound"):
        inhomogeneous_poisson(BumpRate(), 0.0, 12.0, seed=1, method="thinning", bound=5.0)


def test_thinning_with_a_valid_numeric_bound():
    t = inhomogeneous_poisson(BumpRate(), 0.0, 12.0, seed=2, method="thinning", bound=21.0)
    u = np.asarray(BumpRate().integral(0.0, t)) / float(BumpRate().integral(0.0, 12.0))
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_singular_rate_on_a_window_reaching_tf_is_refused():
    with pytest.raises(SimulationError, match="finite"):
        inhomogeneous_poisson(InverseOmoriRate(k=1.0, tf=10.0, p=1.2), 0.0, 10.0, seed=0)
    with pytest.raises(SimulationError):
        inhomogeneous_poisson(InverseOmoriRate(k=1.0, tf=10.0, p=1.2), 0.0, 10.0, seed=0,
                              method="thinning")


def test_negative_rate_is_refused():
    class Negative:
        def rate(self, t):
            return -np.ones_like(np.asarray(t, dtype=float))

        def integral(self, a, b):
            return -(np.asarray(b, dtype=float) - a)

    with pytest.raises(SimulationError, match="finite and >= 0"):
        inhomogeneous_poisson(Negative(), 0.0, 1.0, seed=0)


def test_invalid_inputs_raise_varpy_errors():
    with pytest.raises(VarpyError):
        homogeneous_poisson(-1.0, 0.0, 1.0)
    with pytest.raises(VarpyError):
        homogeneous_poisson(1.0, 2.0, 1.0)
    with pytest.raises(VarpyError, match="method"):
        inhomogeneous_poisson(ConstantRate(1.0), 0.0, 1.0, method="magic")
    with pytest.raises(VarpyError, match="rate"):
        as_rate_function(object())
    with pytest.raises(VarpyError, match="max_events"):
        inhomogeneous_poisson(ConstantRate(1e9), 0.0, 1.0, max_events=1000)
    with pytest.raises(VarpyError):
        OmoriRate(k=1.0, c=0.0, p=1.0)


def test_homogeneous_poisson_counts_and_uniformity():
    counts = [homogeneous_poisson(2.0, 10.0, 60.0, seed=s).size for s in range(400)]
    assert abs(np.mean(counts) - 100.0) < 3.5 * np.sqrt(100.0 / 400)
    t = np.concatenate([homogeneous_poisson(2.0, 10.0, 60.0, seed=s) for s in range(50)])
    assert stats.kstest(t, "uniform", args=(10.0, 50.0)).pvalue > 1e-3
    assert homogeneous_poisson(0.0, 0.0, 10.0, seed=1).size == 0


def test_sorted_uniforms_are_uniform_order_statistics():
    rng = np.random.default_rng(5)
    u = sorted_uniforms(20000, rng)
    assert np.all(np.diff(u) >= 0) and u[0] > 0 and u[-1] < 1
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # the smallest of n uniforms has mean 1/(n+1)
    first = np.array([sorted_uniforms(9, rng)[0] for _ in range(4000)])
    assert abs(first.mean() - 0.1) < 4 * np.sqrt(9 / (100 * 11) / 4000)  # Beta(1, 9)


def test_reproducible_and_seed_sensitive():
    rf = RATES["creep_root_finder"][0]
    a = inhomogeneous_poisson(rf, 0.0, 100.0, seed=7)
    b = inhomogeneous_poisson(rf, 0.0, 100.0, seed=7)
    c = inhomogeneous_poisson(rf, 0.0, 100.0, seed=8)
    np.testing.assert_array_equal(a, b)
    assert a.size != c.size or not np.array_equal(a, c)
    g1 = np.random.default_rng(3)
    g2 = np.random.default_rng(3)
    np.testing.assert_array_equal(inhomogeneous_poisson(rf, 0, 100, g1),
                                  inhomogeneous_poisson(rf, 0, 100, g2))


def test_root_finder_agrees_with_analytic_inverse():
    omori = OmoriRate(k=10.0, c=0.01, p=1.2)

    class NoInverse:
        rate = staticmethod(omori.rate)
        integral = staticmethod(omori.integral)

    total = float(omori.integral(0.0, 50.0))
    targets = np.linspace(0, total, 1001)[1:-1]
    exact = omori.inverse_integral(0.0, targets)
    numeric = invert_integral(NoInverse(), 0.0, 50.0, targets)
    np.testing.assert_allclose(numeric, exact, rtol=1e-9, atol=1e-12)


def test_analytic_integrals_match_quadrature():
    for rf, a, b in [RATES[n] for n in ("omori", "omori_p1", "inverse_omori_p_gt_1",
                                         "exponential_up", "exponential_down")]:
        quad, _ = integrate.quad(lambda x: float(rf.rate(x)), a, b, limit=200)
        assert float(rf.integral(a, b)) == pytest.approx(quad, rel=1e-7)
    omori = OmoriRate(k=3.0, c=0.5, p=1.2, onset=10.0)
    assert float(omori.rate(5.0)) == 0.0
    assert float(omori.integral(0.0, 20.0)) == pytest.approx(
        integrate.quad(lambda x: float(omori.rate(x)), 10.0, 20.0)[0], rel=1e-9)


def test_inverse_integrals_round_trip():
    for rf, a, b in [RATES[n] for n in ("constant", "omori", "omori_p1", "inverse_omori_to_tf",
                                         "inverse_omori_p_gt_1", "exponential_up",
                                         "exponential_down")]:
        total = float(rf.integral(a, b))
        u = np.linspace(0.0, total, 257)
        t = rf.inverse_integral(a, u)
        np.testing.assert_allclose(rf.integral(a, t), u, rtol=1e-9, atol=1e-9 * total)


def test_rate_sum_is_superposition():
    rs = RateSum(ConstantRate(1.0), OmoriRate(k=20.0, c=0.1, p=1.1))
    total = float(rs.integral(0.0, 30.0))
    pooled, counts = [], []
    for seed in range(60):
        t = inhomogeneous_poisson(rs, 0.0, 30.0, seed=seed)
        counts.append(t.size)
        pooled.append(np.asarray(rs.integral(0.0, t)) / total)
    assert abs(np.mean(counts) - total) < 3.5 * np.sqrt(total / 60)
    assert stats.kstest(np.concatenate(pooled), "uniform").pvalue > 1e-3


def test_bound_rate_adapter_binds_model_parameters():
    class ModelLike:
        """A rate model in the varpy.modelling convention: rate(t, params)."""

        name = "mol"

        @staticmethod
        def rate(t, params):
            return params["k"] * (np.asarray(t, dtype=float) + params["c"]) ** -params["p"]

        @staticmethod
        def integral(a, b, params):
            k, c, p = params["k"], params["c"], params["p"]
            b = np.asarray(b, dtype=float)
            return k * ((b + c) ** (1 - p) - (a + c) ** (1 - p)) / (1 - p)

    params = {"k": 40.0, "c": 0.05, "p": 1.3}
    bound = BoundRate(ModelLike, params)
    assert isinstance(as_rate_function(ModelLike, params), BoundRate)
    assert not hasattr(bound, "inverse_integral")
    t1 = inhomogeneous_poisson(ModelLike, 0.0, 100.0, seed=4, params=params)
    t2 = inhomogeneous_poisson(OmoriRate(k=40.0, c=0.05, p=1.3), 0.0, 100.0, seed=4)
    # same count draw (same generator stream) and the same times up to root-finder tolerance
    assert t1.size == t2.size
    np.testing.assert_allclose(t1, t2, rtol=1e-8, atol=1e-10)
    with pytest.raises(SimulationError, match="rate"):
        BoundRate(object(), params)


@settings(max_examples=40, deadline=None)
@given(k=st.floats(0.1, 100.0), c=st.floats(1e-3, 10.0), p=st.floats(0.3, 2.5),
       t_end=st.floats(1.0, 1000.0), seed=st.integers(0, 2**31 - 1))
def test_property_omori_times_sorted_inside_window_and_invertible(k, c, p, t_end, seed):
    rf = OmoriRate(k=k, c=c, p=p)
    t = inhomogeneous_poisson(rf, 0.0, t_end, seed=seed)
    assert np.all(np.diff(t) >= 0)
    if t.size:
        assert t[0] >= 0.0 and t[-1] < t_end
    total = float(rf.integral(0.0, t_end))
    u = np.linspace(0.0, total, 33)

    class NoInverse:
        rate = staticmethod(rf.rate)
        integral = staticmethod(rf.integral)

    x = invert_integral(NoInverse(), 0.0, t_end, u)
    np.testing.assert_allclose(rf.integral(0.0, x), u, rtol=1e-8, atol=1e-9 * max(total, 1))


@settings(max_examples=30, deadline=None)
@given(k=st.floats(0.1, 50.0), tf=st.floats(10.0, 500.0), p=st.floats(0.2, 0.95),
       seed=st.integers(0, 2**31 - 1))
def test_property_inverse_omori_up_to_tf(k, tf, p, seed):
    rf = InverseOmoriRate(k=k, tf=tf, p=p)
    t = inhomogeneous_poisson(rf, 0.0, tf, seed=seed)
    assert np.all(np.diff(t) >= 0)
    if t.size:
        assert t[0] >= 0.0 and t[-1] < tf
