"""Tests of varpy.statistics.clustered_likelihood (inverse Omori background + ETAS triggering).

Analytic references: with K = 0 the likelihood is the inverse Omori law's (likelihoods.iol_loglik);
the exponential-sum kernel is checked against the exact pairwise sum and against x**-q itself;
gradient and Hessian against central differences of the log-likelihood.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import special

from varpy import _accel
from varpy.statistics import clustered_likelihood as cl
from varpy.statistics import likelihoods as lk


def _catalogue(n, seed, T=100.0):
    rng = np.random.default_rng(seed)
    t = np.sort(T - T * rng.uniform(size=n) ** 2)
    # a few exact ties (same time), as real catalogues have
    t[5:8] = t[5]
    m = rng.exponential(1.0 / math.log(10.0), n)
    return t, m


X = np.array([3.0, 104.0, 0.8, 0.05, 1.2, 0.01, 1.15])


def test_reduces_to_inverse_omori_at_zero_productivity():
    t, m = _catalogue(300, 1)
    for method in ("exact", "expansion"):
        sums = cl.TriggerSums(t, m, 0.0, 100.0, method=method)
        for p in (0.3, 1.0, 1.7):
            x = X.copy()
            x[2], x[3] = p, 0.0
            ll = cl.loglik_terms(sums, x, order=0)[0]
            ref = lk.iol_loglik(t, 0.0, 100.0, x[0], x[1], p)
            assert abs(ll - ref) < 1e-9
            # the gradient in (k, tf, p) is the inverse Omori gradient
            g = cl.loglik_terms(sums, x, order=1)[1]
            np.testing.assert_allclose(g[:3], lk.iol_gradient(t, 0.0, 100.0, x[0], x[1], p),
                                       rtol=1e-10, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(q=st.floats(0.7, 4.0), c=st.floats(1e-4, 10.0), alpha=st.floats(0.0, 3.0),
       seed=st.integers(0, 1000))
def test_expansion_matches_exact_pair_sums(q, c, alpha, seed):
    t, m = _catalogue(200, seed)
    ex = cl.TriggerSums(t, m, 0.0, 100.0, method="exact")
    ap = cl.TriggerSums(t, m, 0.0, 100.0, method="expansion")
    p0, g0, h0 = ex.phi(alpha, c, q)
    p1, g1, h1 = ap.phi(alpha, c, q)
    np.testing.assert_allclose(p1[1:], p0[1:], rtol=1e-9)
    scale = np.abs(g0).max(axis=0) + 1e-300
    assert np.max(np.abs(g1 - g0) / scale) < 1e-8
    x = np.array([3.0, 104.0, 0.8, 0.05, alpha, c, q])
    assert abs(cl.loglik_terms(ex, x, 0)[0] - cl.loglik_terms(ap, x, 0)[0]) < 1e-8


def test_omori_expansion_relative_accuracy():
    e = cl.OmoriExpansion(1e-6 * 50.0, 100.0)
    x = np.geomspace(1e-6 * 50.0, 100.0, 400)
    for q in (0.7, 1.0, 1.2, 2.0, 4.0):
        approx = np.exp(e.log_weights(q, 0.0)) @ np.exp(-np.outer(e.s, x))
        np.testing.assert_allclose(approx, x ** -q, rtol=2e-10)


@pytest.mark.parametrize("method", ["exact", "expansion"])
def test_gradient_and_hessian_match_finite_differences(method):
    t, m = _catalogue(250, 3)
    sums = cl.TriggerSums(t, m, 0.0, 100.0, method=method)
    ll, g, H = cl.loglik_terms(sums, X)
    gf = np.zeros(7)
    Hf = np.zeros((7, 7))
    for i in range(7):
        h = 1e-6 * abs(X[i])
        xp, xm = X.copy(), X.copy()
        xp[i] += h
        xm[i] -= h
        gf[i] = (cl.loglik_terms(sums, xp, 0)[0] - cl.loglik_terms(sums, xm, 0)[0]) / (2 * h)
        Hf[:, i] = (cl.loglik_terms(sums, xp, 1)[1] - cl.loglik_terms(sums, xm, 1)[1]) / (2 * h)
    np.testing.assert_allclose(g, gf, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(H, Hf, rtol=1e-5, atol=1e-5 * np.abs(H).max())
    np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-9 * np.abs(H).max())


def test_out_of_domain_is_minus_infinity():
    t, m = _catalogue(50, 4)
    sums = cl.TriggerSums(t, m, 0.0, 100.0)
    for bad in ({"k": 0.0}, {"tf": 99.0}, {"K": -1.0}, {"c": 0.0}):
        x = X.copy()
        for name, v in bad.items():
            x[cl.PARAM_NAMES.index(name)] = v
        assert cl.loglik_terms(sums, x)[0] == -math.inf


def test_numba_and_numpy_recursions_are_identical():
    if _accel.numba_enabled() is False:
        pytest.skip("numba not installed")
    t, m = _catalogue(600, 5)
    sums = cl.TriggerSums(t, m, 0.0, 100.0, method="expansion")
    a = sums.recursion(1.1, use_numba=False)
    b = sums.recursion(1.1, use_numba=True)
    assert np.array_equal(a, b)


def test_memory_is_linear_in_events():
    t, m = _catalogue(1000, 6)
    sums = cl.TriggerSums(t, m, 0.0, 100.0, method="expansion")
    sums.phi(1.0, 0.01, 1.2)
    L = sums.expansion.size
    assert L < 250
    assert sums._decay.shape == (1000, L)
    assert sums._cache.shape == (3, 1000, L)


# ------------------------------------------------------------------ fused kernel (triggering)

def _needs_numba():
    if cl._fused_kernel() is None:
        pytest.skip("numba not installed (or VARPY_NUMBA=0)")


def _background(t, x):
    return x[0] * (x[1] - t) ** -x[2]


@pytest.mark.parametrize("alpha,c,q", [(1.2, 0.01, 1.15), (0.0, 1e-4, 0.7), (2.5, 3.0, 4.0),
                                       (0.7, 0.3, 1.0), (1.0, 100.0, 2.2)])
def test_fused_kernel_matches_exact_pair_sums(alpha, c, q):
    # the fused kernel (expansion, node range of this c, q) against the pairwise sums:
    # phi, its gradient and the 1/lambda-weighted Hessian, all to the expansion's accuracy
    _needs_numba()
    t, m = _catalogue(150, 11)
    ex = cl.TriggerSums(t, m, 0.0, 100.0, method="exact")
    ap = cl.TriggerSums(t, m, 0.0, 100.0, method="expansion")
    bg = _background(t, X)
    K = 0.05
    p0, g0, h0 = ex.triggering(alpha, c, q, bg, K)
    p1, g1, h1 = ap.triggering(alpha, c, q, bg, K, use_numba=True)
    assert p1[0] == 0.0 and np.all(g1[0] == 0.0)
    np.testing.assert_allclose(p1[1:], p0[1:], rtol=1e-9)
    scale = np.abs(g0).max(axis=0)
    assert np.max(np.abs(g1 - g0) / scale) < 1e-8
    np.testing.assert_allclose(h1, h0, rtol=1e-8, atol=1e-9 * np.abs(h0).max())
    # the exact weighted Hessian is the weighted sum of the per-event Hessians
    inv = 1.0 / (bg + K * p0)
    np.testing.assert_allclose(h0, np.einsum("i,ijk->jk", inv, ex.phi(alpha, c, q)[2]),
                               rtol=1e-13)


@settings(max_examples=15, deadline=None)
@given(q=st.floats(0.7, 4.0), c=st.floats(1e-4, 100.0), alpha=st.floats(0.0, 3.0),
       seed=st.integers(0, 1000))
def test_fused_kernel_and_numpy_path_agree_to_rounding(q, c, alpha, seed):
    _needs_numba()
    t, m = _catalogue(500, seed)
    sums = cl.TriggerSums(t, m, 0.0, 100.0, method="expansion")
    bg = _background(t, X)
    for order in (0, 1, 2):
        a = sums.triggering(alpha, c, q, bg, 0.05, order=order, use_numba=True)
        b = sums.triggering(alpha, c, q, bg, 0.05, order=order, use_numba=False)
        np.testing.assert_allclose(a[0], b[0], rtol=1e-12, atol=0)
        if order >= 1:
            np.testing.assert_allclose(a[1], b[1], rtol=1e-11,
                                       atol=1e-13 * np.abs(b[1]).max())
        else:
            assert a[1] is None and b[1] is None
        if order >= 2:
            np.testing.assert_allclose(a[2], b[2], rtol=1e-11,
                                       atol=1e-13 * np.abs(b[2]).max())
        else:
            assert a[2] is None and b[2] is None


def test_loglik_numba_and_numpy_paths_agree(monkeypatch):
    # value, gradient and Hessian of the whole likelihood, with and without the fused kernel
    _needs_numba()
    t, m = _catalogue(700, 12)
    sums = cl.TriggerSums(t, m, 0.0, 100.0, method="expansion")
    fast = cl.loglik_terms(sums, X)
    monkeypatch.setattr(cl, "_fused_kernel", lambda: None)
    slow = cl.loglik_terms(sums, X)
    assert abs(fast[0] - slow[0]) <= 1e-12 * abs(slow[0])
    np.testing.assert_allclose(fast[1], slow[1], rtol=1e-11, atol=1e-12 * np.abs(slow[1]).max())
    np.testing.assert_allclose(fast[2], slow[2], rtol=1e-11, atol=1e-12 * np.abs(slow[2]).max())


def test_forcing_numba_on_exact_sums_is_refused():
    t, m = _catalogue(50, 13)
    sums = cl.TriggerSums(t, m, 0.0, 100.0, method="exact")
    with pytest.raises(RuntimeError):
        sums.triggering(1.0, 0.01, 1.2, _background(t, X), 0.05, use_numba=True)


@pytest.mark.parametrize("q", [0.7, 0.95, 1.0, 1.2, 2.0, 4.0])
@pytest.mark.parametrize("c", [1e-4, 0.01, 1.0, 100.0])
def test_node_range_keeps_the_expansion_accuracy(q, c):
    # the nodes of one (c, q) represent (x + c)**-q on every lag 0..T as well as the full
    # grid does (EXPANSION_RTOL per cut tail, trapezoidal error < 1e-10), with fewer nodes
    T = 100.0
    e = cl.OmoriExpansion(1e-6 * T, 2 * T)
    lo, hi = e.node_range(q, c, T)
    assert 0 <= lo < hi <= e.size
    x = np.concatenate([[0.0], np.geomspace(1e-8, T, 300)])
    w = np.exp(e.log_weights(q, c))
    approx = w[lo:hi] @ np.exp(-np.outer(e.s[lo:hi], x))
    np.testing.assert_allclose(approx, (x + c) ** -q, rtol=2e-10)
    # what is cut is below the tolerance of the kernel
    full = w @ np.exp(-np.outer(e.s, x))
    assert np.max(np.abs(full - approx) / (x + c) ** -q) < 3 * cl.EXPANSION_RTOL
    # and so are the first and second derivatives in q and c (weights (u - digamma(q))**r and
    # (-s)**r), against the full grid on the scales (1 + ln(x + c)**2) (x + c)**-q and
    # (x + c)**-q (1 + (q / (x + c))**2)
    du = e.u - special.digamma(q)
    xc = x + c
    E = np.exp(-np.outer(e.s, x))
    scale_q = (1.0 + np.log(xc) ** 2) * xc ** -q
    scale_c = xc ** -q * (1.0 + (q / xc) ** 2)
    for weights, scale in ((du * w, scale_q), (du * du * w, scale_q), (-e.s * w, scale_c),
                           (e.s * e.s * w, scale_c)):
        cut = weights[lo:hi] @ E[lo:hi]
        ref = weights @ E
        assert np.max(np.abs(cut - ref) / scale) < 3 * cl.EXPANSION_RTOL
    # (the derivatives themselves: trapezoidal error, larger than the value's at q = 4)
    dq = (du * w)[lo:hi] @ E[lo:hi]
    assert np.max(np.abs(dq + np.log(xc) * xc ** -q) / scale_q) < 1e-8
    np.testing.assert_allclose((-e.s * w)[lo:hi] @ E[lo:hi], -q * xc ** (-q - 1), rtol=1e-8)


@pytest.mark.parametrize("q,c", [(1.2, 0.01), (1.0, 1.0), (0.8, 1e-3)])
def test_fused_kernel_works_on_few_nodes(q, c):
    # the kernel replaces the slowest nodes by a few interpolation nodes: at typical (c, q)
    # it runs on well under half of the grid, with the accuracy checked above
    t, m = _catalogue(100, 14)
    sums = cl.TriggerSums(t, m, 0.0, 100.0, method="expansion")
    lo, hi = sums.expansion.node_range(q, c, sums.T)
    lt = sums._low_end(lo, hi)
    assert lt > lo
    assert cl._LOW_NODES + hi - lt < 0.5 * sums.expansion.size


def test_auto_method_follows_the_faster_path(monkeypatch):
    t, m = _catalogue(200, 15)
    expected = "expansion" if _accel.numba_enabled() else "exact"
    assert cl.TriggerSums(t, m, 0.0, 100.0).method == expected
    monkeypatch.setenv("VARPY_NUMBA", "0")
    assert cl.TriggerSums(t, m, 0.0, 100.0).method == "exact"
    assert cl.TriggerSums(t[:cl.EXACT_LIMIT], m[:cl.EXACT_LIMIT], 0.0, 100.0).method == "exact"


def test_fit_is_the_same_with_and_without_the_fused_kernel(monkeypatch):
    # the whole clustered fit of a 235-event simulated window (expansion method) through the
    # fused kernel and through the numpy moments: same optimum to rounding-level tolerances
    _needs_numba()
    from varpy.modelling.clustered import fit_clustered
    from varpy.simulation.clustered import simulate_clustered

    truth = dict(k=60.0, tf=100.0, p=1.0, K=0.01, alpha=1.0, c=0.01, q=1.2)
    t, m = simulate_clustered(truth, 0.0, 95.0, seed=4)
    assert t.size > cl.EXACT_LIMIT
    fast = fit_clustered(t, 0.0, 95.0, m, mc=0.0, interval=False, warn=False)
    monkeypatch.setattr(cl, "_fused_kernel", lambda: None)
    slow = fit_clustered(t, 0.0, 95.0, m, mc=0.0, interval=False, warn=False)
    assert fast.status == slow.status == "ok"
    assert abs(fast.loglik - slow.loglik) < 1e-8
    for name in cl.PARAM_NAMES:
        assert fast.params[name] == pytest.approx(slow.params[name], rel=1e-5, abs=1e-9)
