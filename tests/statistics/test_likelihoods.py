"""Tests of varpy.statistics.likelihoods: special functions, sums, log-likelihoods, derivatives.

References are independent of the code under test: mpmath at 50 digits, numerical quadrature
(scipy.integrate.quad), direct sums, central differences and brute-force maximisation.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import integrate, optimize

from varpy.statistics import likelihoods as lk

mpmath = pytest.importorskip("mpmath")
mpmath.mp.dps = 50

TIMES = np.array([0.5, 2.0, 3.1, 4.4, 5.0, 5.9, 6.6, 7.2, 7.7, 8.1, 8.4, 8.7, 8.9])
T0, T1 = 0.0, 9.0


def _mp_mean(u):
    u = mpmath.mpf(u)
    if u == 0:
        return mpmath.mpf(1) / 2
    return 1 / (1 - mpmath.exp(-u)) - 1 / u


def _mp_var(u):
    u = mpmath.mpf(u)
    if u == 0:
        return mpmath.mpf(1) / 12
    return 1 / u**2 - mpmath.exp(-u) / (1 - mpmath.exp(-u)) ** 2


def _mp_logexprel(u):
    u = mpmath.mpf(u)
    if u == 0:
        return mpmath.mpf(0)
    return mpmath.log(mpmath.expm1(u) / u)


U_POINTS = [0.0, 1e-12, -1e-12, 1e-6, -3e-5, 0.01, -0.05, 0.19, 0.21, 0.49, 0.51, -1.0, 2.5,
            -7.0, 30.0, -30.0, 200.0, -200.0, 800.0, -800.0, 1e6, -1e6]


@pytest.mark.parametrize("u", U_POINTS)
def test_exprel_helpers_match_mpmath(u):
    # absolute accuracy for log_exprel (it is ~0 near u = 0), relative for the moments
    assert lk.log_exprel(u) == pytest.approx(float(_mp_logexprel(u)), rel=1e-14, abs=1e-16)
    assert lk.exprel_mean(u) == pytest.approx(float(_mp_mean(u)), rel=1e-14)
    assert lk.exprel_variance(u) == pytest.approx(float(_mp_var(u)), rel=1e-12)
    # the scalar twins used by the optimisers agree with the vectorised versions
    assert lk._log_exprel_s(u) == pytest.approx(float(lk.log_exprel(u)), rel=1e-15, abs=1e-17)
    assert lk._mean_s(u) == pytest.approx(float(lk.exprel_mean(u)), rel=1e-15)
    assert lk._var_s(u) == pytest.approx(float(lk.exprel_variance(u)), rel=1e-13)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=1e-12, max_value=1 - 1e-12))
def test_exprel_mean_inverse_round_trip(r):
    u = lk.exprel_mean_inverse(r)
    # accuracy relative to the distance from the nearer end (the well-conditioned quantity)
    assert abs(lk.exprel_mean(u) - r) <= 1e-13 * min(r, 1 - r) + 1e-16
    assert lk._mean_inverse_s(r, 1 - r) == pytest.approx(float(u), rel=1e-12, abs=1e-12)


def test_exprel_mean_inverse_limits_and_vectorisation():
    out = lk.exprel_mean_inverse([0.0, 0.5, 1.0, np.nan])
    assert out[0] == -np.inf and out[1] == 0.0 and out[2] == np.inf and np.isnan(out[3])
    r = np.linspace(0.01, 0.99, 7).reshape(7, 1)
    assert lk.exprel_mean_inverse(r).shape == (7, 1)


def test_vectorised_newton_pieces_match_the_scalar_formulas():
    """The array Newton step evaluates both small-v series in one padded Horner scheme: below
    the series thresholds (0.2 for the tail, 0.5 for the variance) it must give the scalar
    twins' floats exactly, and the closed forms elsewhere."""
    v = np.array([0.0, 1e-9, 0.05, 0.1999999, 0.2, 0.35, 0.4999999, 0.5, 0.9, 3.0, 45.0, 61.0,
                  400.0, 701.0, 1e5])
    with np.errstate(all="ignore"):
        tail, var = lk._tail_and_variance(v)
    for vi, t, w in zip(v, tail, var):
        if vi < 0.2:
            assert t == lk._tail_s(vi)
        else:
            assert t == pytest.approx(lk._tail_s(vi), rel=1e-15)
        if vi < 0.5:
            assert w == lk._var_s(vi)
        else:
            assert w == pytest.approx(lk._var_s(vi), rel=1e-12)
    # the array inverse agrees with the scalar one on a search-grid-like input
    r = np.concatenate([np.linspace(1e-3, 1 - 1e-3, 41), [0.01, 0.5, 0.499999, 0.9999]])
    u = lk.exprel_mean_inverse(r)
    for ri, ui in zip(r, u):
        assert ui == pytest.approx(lk._mean_inverse_s(ri, 1 - ri), rel=1e-12, abs=1e-12)


def test_scalar_newton_step_is_tail_over_variance():
    """The Newton loop of the scalar inverse shares the branches of _tail_s and _var_s; the
    step must be exactly (tail - q) / var, on both sides of every branch threshold."""
    v_points = [0.0, 1e-9, 0.1, 0.2 - 1e-12, 0.2, 0.35, 0.5 - 1e-12, 0.5, 0.9, 3.0, 60.0,
                60.0 + 1e-9, 400.0, 700.0, 700.0 + 1e-9, 1e5]
    for v in v_points:
        for q in (0.025, 0.1, 0.3, 0.5):
            assert lk._newton_step_s(v, q) == (lk._tail_s(v) - q) / lk._var_s(v)


def test_exprel_mean_inverse_propagates_nan_from_either_input():
    r = np.array([0.2, np.nan, 0.7, 0.3, np.nan])
    rc = np.array([0.8, 0.4, np.nan, 0.7, np.nan])
    out = lk.exprel_mean_inverse(r, rc)
    assert np.isnan(out[1:3]).all() and np.isnan(out[4])
    assert out[0] == pytest.approx(lk._mean_inverse_s(0.2, 0.8), rel=1e-12)
    assert out[3] == pytest.approx(lk._mean_inverse_s(0.3, 0.7), rel=1e-12)
    # the sign follows r: below 1/2 the root is negative, above it positive
    assert out[0] < 0 and out[3] < 0 and lk.exprel_mean_inverse(0.8, 0.2) > 0


def _mp_power_integral(x0, width, p):
    a, b, p = mpmath.mpf(x0), mpmath.mpf(x0) + mpmath.mpf(width), mpmath.mpf(p)
    if p == 1:
        return mpmath.log(b / a)
    return (b ** (1 - p) - a ** (1 - p)) / (1 - p)


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0 - 1e-9, 1.0, 1.0 + 1e-9, 1.5, 3.0, -0.7])
@pytest.mark.parametrize("x0,width", [(0.01, 10.0), (2.0, 1e-6), (5.0, 100.0), (1e-7, 1.0)])
def test_power_integral_matches_high_precision(p, x0, width):
    expected = float(_mp_power_integral(x0, width, p))
    assert lk.power_integral(x0, width, p) == pytest.approx(expected, rel=1e-12)
    # scalar and vector code paths agree
    vec = lk.log_power_integral(np.array([x0]), np.array([width]), np.array([p]))[0]
    assert lk.log_power_integral(x0, width, p) == pytest.approx(vec, rel=1e-14, abs=1e-15)


def test_power_integral_against_quadrature():
    for p in (0.4, 1.0, 1.7):
        expected, _ = integrate.quad(lambda x: x ** (-p), 0.5, 7.5, epsrel=1e-13)
        assert lk.power_integral(0.5, 7.0, p) == pytest.approx(expected, rel=1e-11)


def test_power_integral_is_smooth_through_p_equal_one():
    # ln J(p) near p = 1 is ln L - (p - 1) * mean(ln x) + O((p-1)^2): no jump, no 0/0
    offsets = np.array([-1e-6, -1e-10, -1e-14, 0.0, 1e-14, 1e-10, 1e-6])
    vals = lk.log_power_integral(3.0, 50.0, 1.0 + offsets)
    L = math.log(53.0 / 3.0)
    mean_log = math.log(3.0) + L / 2.0
    linear = math.log(L) - offsets * mean_log
    np.testing.assert_allclose(vals, linear, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [30, 5000])
def test_log_distance_sums_expansion_matches_direct(n):
    rng = np.random.default_rng(n)
    z = np.concatenate([[0.0, 1e-15, 1e-9, 10.0], rng.uniform(0, 10, n), rng.uniform(0, 1e-4, 20)])
    fast = lk.LogDistanceSums(z, 10.0, method="expansion")
    slow = lk.LogDistanceSums(z, 10.0, method="exact")
    deltas = np.array([1e-13, 1e-8, 1e-3, 0.37, 5.0, 1e4])
    for a, b in zip(fast(deltas), slow(deltas)):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    S, S1, S2 = slow(0.7)
    x = z + 0.7
    assert S == pytest.approx(np.log(x).sum(), rel=1e-14)
    assert S1 == pytest.approx((1 / x).sum(), rel=1e-14)
    assert S2 == pytest.approx((1 / x**2).sum(), rel=1e-14)


def test_log_distance_sums_grid_blocks_agree_with_point_evaluations():
    """A grid of offsets (one block, or row chunks when grid x events exceeds the temporary's
    limit) gives the sums of one offset at a time."""
    rng = np.random.default_rng(5)
    deltas = np.geomspace(1e-6, 1e3, 56)
    for n in (40, 100_001):                      # 100_001 events: 39 rows per chunk
        sums = lk.LogDistanceSums(np.sort(rng.uniform(0, 10, n)), 10.0, method="exact")
        S, S1, S2 = sums(deltas, order=2)
        S_1, S1_1, _ = sums(deltas, order=1)
        for i in (0, 20, 38, 39, 55):
            s, s1, s2 = sums(float(deltas[i]), order=2)
            assert S[i] == pytest.approx(s, rel=1e-13) and S_1[i] == S[i]
            assert S1[i] == pytest.approx(s1, rel=1e-13) and S1_1[i] == S1[i]
            assert S2[i] == pytest.approx(s2, rel=1e-13)


def test_log_distance_sums_rejects_negative_distances():
    with pytest.raises(ValueError):
        lk.LogDistanceSums([-1.0, 2.0], 3.0)


def test_hyperbolic_loglik_closed_form():
    k, tf = 3.0, 10.0
    direct = (TIMES.size * math.log(k) - np.log(tf - TIMES).sum()
              - k * math.log((tf - T0) / (tf - T1)))
    assert lk.iol_loglik(TIMES, T0, T1, k, tf, 1.0) == pytest.approx(direct, rel=1e-14)
    near = lk.iol_loglik(TIMES, T0, T1, k, tf, 1.0 + 1e-12)
    assert near == pytest.approx(direct, abs=1e-9)


def test_loglik_matches_sum_of_log_rate_minus_quadrature():
    cases = [
        (lk.iol_loglik, lk.iol_rate, (2.0, 9.5, 1.3)),
        (lk.mol_loglik, lk.mol_rate, (4.0, 0.2, 0.8)),
        (lk.exponential_loglik, lk.exponential_rate, (0.5, 0.2)),
        (lk.creep_loglik, lk.creep_rate, (1.5, 0.3, 0.9, 0.7, 9.4, 1.1)),
    ]
    for loglik, rate, params in cases:
        integral, _ = integrate.quad(lambda t: float(rate(t, *params)), T0, T1,
                                     epsrel=1e-12, limit=200)
        expected = np.log(rate(TIMES, *params)).sum() - integral
        assert loglik(TIMES, T0, T1, *params) == pytest.approx(expected, rel=1e-10)


def test_loglik_is_minus_infinity_outside_the_domain():
    assert lk.iol_loglik(TIMES, T0, T1, -1.0, 10.0, 1.2) == -np.inf
    assert lk.iol_loglik(TIMES, T0, T1, 1.0, 8.95, 1.2) == -np.inf      # tf before t1
    assert lk.mol_loglik(TIMES, T0, T1, 1.0, -0.1, 1.2) == -np.inf      # t0 + c <= 0
    assert lk.exponential_loglik(TIMES, T0, T1, 0.0, 0.1) == -np.inf
    assert lk.constant_loglik(TIMES, T0, T1, 0.0) == -np.inf
    assert lk.creep_loglik(TIMES, T0, T1, 1.0, 0.2, 1.0, 1.0, 8.0, 1.0) == -np.inf


def _fd_gradient(f, x, rel=1e-6):
    g = np.empty(len(x))
    for i in range(len(x)):
        h = rel * max(abs(x[i]), 0.1)
        e = np.zeros(len(x))
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@settings(max_examples=60, deadline=None)
@given(k=st.floats(0.05, 50.0), gap=st.floats(0.01, 30.0), p=st.floats(-0.5, 3.5))
def test_iol_and_mol_gradient_and_hessian_match_finite_differences(k, gap, p):
    x = np.array([k, T1 + gap, p])
    f = lambda y: lk.iol_loglik(TIMES, T0, T1, *y)  # noqa: E731
    g = lk.iol_gradient(TIMES, T0, T1, *x)
    np.testing.assert_allclose(g, _fd_gradient(f, x), rtol=1e-5, atol=1e-6 * (1 + np.abs(g).max()))
    H = lk.iol_hessian(TIMES, T0, T1, *x)
    Hfd = np.array([_fd_gradient(lambda y: lk.iol_gradient(TIMES, T0, T1, *y)[i], x)
                    for i in range(3)])
    np.testing.assert_allclose(H, Hfd, rtol=1e-4, atol=1e-5 * (1 + np.abs(H).max()))
    xm = np.array([k, gap, p])
    fm = lambda y: lk.mol_loglik(TIMES, T0, T1, *y)  # noqa: E731
    gm = lk.mol_gradient(TIMES, T0, T1, *xm)
    np.testing.assert_allclose(gm, _fd_gradient(fm, xm), rtol=1e-5,
                               atol=1e-6 * (1 + np.abs(gm).max()))


@settings(max_examples=40, deadline=None)
@given(k=st.floats(0.01, 20.0), lam=st.floats(-2.0, 2.0))
def test_exponential_gradient_and_hessian(k, lam):
    x = np.array([k, lam])
    f = lambda y: lk.exponential_loglik(TIMES, T0, T1, *y)  # noqa: E731
    g = lk.exponential_gradient(TIMES, T0, T1, *x)
    np.testing.assert_allclose(g, _fd_gradient(f, x), rtol=1e-5, atol=1e-6 * (1 + np.abs(g).max()))
    H = lk.exponential_hessian(TIMES, T0, T1, *x)
    Hfd = np.array([_fd_gradient(lambda y: lk.exponential_gradient(TIMES, T0, T1, *y)[i], x)
                    for i in range(2)])
    np.testing.assert_allclose(H, Hfd, rtol=1e-4, atol=1e-6 * (1 + np.abs(H).max()))


@settings(max_examples=40, deadline=None)
@given(k1=st.floats(0.05, 10.0), c=st.floats(0.01, 5.0), p1=st.floats(0.1, 2.5),
       k2=st.floats(0.05, 10.0), gap=st.floats(0.05, 20.0), p2=st.floats(0.1, 2.5))
def test_creep_gradient_matches_finite_differences(k1, c, p1, k2, gap, p2):
    x = np.array([k1, c, p1, k2, T1 + gap, p2])
    f = lambda y: lk.creep_loglik(TIMES, T0, T1, *y)  # noqa: E731
    g = lk.creep_gradient(TIMES, T0, T1, *x)
    np.testing.assert_allclose(g, _fd_gradient(f, x), rtol=1e-5, atol=1e-6 * (1 + np.abs(g).max()))


def test_constant_gradient_and_hessian():
    assert lk.constant_gradient(TIMES, T0, T1, 2.0)[0] == pytest.approx(TIMES.size / 2.0 - 9.0)
    assert lk.constant_hessian(TIMES, T0, T1, 2.0)[0, 0] == pytest.approx(-TIMES.size / 4.0)


def test_power_law_terms_scalar_and_vector_paths_agree():
    n, S, S1, S2, T, delta, k, p = 13.0, 12.3, 4.5, 2.7, 9.0, 0.8, 3.0, 1.2
    ll_s, g_s, h_s = lk.power_law_terms(n, S, S1, S2, T, delta, k, p)
    one = lambda v: np.array([v])  # noqa: E731
    ll_v, g_v, h_v = lk.power_law_terms(n, one(S), one(S1), one(S2), T, one(delta), one(k),
                                        one(p))
    assert ll_s == pytest.approx(ll_v[0], rel=1e-14)
    np.testing.assert_allclose(g_s, g_v[0], rtol=1e-13)
    np.testing.assert_allclose(h_s, h_v[0], rtol=1e-13)


@pytest.mark.parametrize("gap", [0.05, 0.7, 4.0, 60.0])
def test_power_law_profile_is_the_maximum_over_k_and_p(gap):
    n = TIMES.size
    x = (T1 - TIMES) + gap
    S, S1 = np.log(x).sum(), (1 / x).sum()
    prof = lk.power_law_profile(n, S, T1 - T0, gap, S1=S1)

    def best_for_p(p):
        J = lk.power_integral(gap, T1 - T0, p)
        return -(n * math.log(n / J) - n - p * S)    # k profiled by hand

    res = optimize.minimize_scalar(best_for_p, bounds=(-10, 20), method="bounded",
                                   options={"xatol": 1e-12})
    assert prof["loglik"] == pytest.approx(-res.fun, abs=1e-9)
    assert prof["p"] == pytest.approx(res.x, abs=1e-5)
    direct = lk.iol_loglik(TIMES, T0, T1, prof["k"], T1 + gap, prof["p"])
    assert prof["loglik"] == pytest.approx(direct, rel=1e-13)
    # derivative with respect to log(gap) (envelope theorem) against finite differences
    h = 1e-6

    def at(s):
        xx = (T1 - TIMES) + math.exp(s)
        return lk.power_law_profile(n, np.log(xx).sum(), T1 - T0, math.exp(s))["loglik"]

    s = math.log(gap)
    assert prof["dloglik"] == pytest.approx((at(s + h) - at(s - h)) / (2 * h), rel=1e-5,
                                            abs=1e-7)
    # vectorised evaluation agrees with the scalar one
    vec = lk.power_law_profile(n, np.array([S]), T1 - T0, np.array([gap]), S1=np.array([S1]))
    assert vec["loglik"][0] == pytest.approx(prof["loglik"], rel=1e-13)
    assert vec["dloglik"][0] == pytest.approx(prof["dloglik"], rel=1e-10, abs=1e-12)


def test_power_law_profile_clips_p_to_its_bounds():
    n = TIMES.size
    x = (T1 - TIMES) + 2.0
    free = lk.power_law_profile(n, np.log(x).sum(), 9.0, 2.0)
    clipped = lk.power_law_profile(n, np.log(x).sum(), 9.0, 2.0, p_bounds=(0.0, free["p"] / 2))
    assert clipped["p"] == pytest.approx(free["p"] / 2)
    assert clipped["loglik"] < free["loglik"]


def test_exponential_profile_matches_numerical_maximum():
    k, lam, ll = lk.exponential_profile(TIMES, T0, T1)
    res = optimize.minimize(lambda y: -lk.exponential_loglik(TIMES, T0, T1, math.exp(y[0]), y[1]),
                            [0.0, 0.0], method="Nelder-Mead",
                            options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 5000})
    assert ll == pytest.approx(-res.fun, abs=1e-10)
    assert lam == pytest.approx(res.x[1], abs=1e-6)
    # the score vanishes at the estimate
    np.testing.assert_allclose(lk.exponential_gradient(TIMES, T0, T1, k, lam), 0.0, atol=1e-9)


def test_integrals_are_vectorised():
    b = np.linspace(1.0, 8.0, 5)
    for fn, params in ((lk.iol_integral, (2.0, 9.5, 1.3)), (lk.mol_integral, (4.0, 0.2, 0.8)),
                       (lk.exponential_integral, (0.5, 0.2)),
                       (lk.creep_integral, (1.5, 0.3, 0.9, 0.7, 9.4, 1.1))):
        out = fn(0.0, b, *params)
        assert out.shape == b.shape and np.all(np.diff(out) > 0)
