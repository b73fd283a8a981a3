"""b-more-positive (varpy.statistics.bvalue_positive): reference value, exact next-larger
search on both paths, recovery and interval coverage under improving completeness."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from varpy import _accel
from varpy.exceptions import DataFormatError, FitError
from varpy.statistics import bvalue_positive as bp
from varpy.statistics.mags import bin_index

from ._incomplete import stepwise_catalogue

# SeismoStats' 24-magnitude docstring sample (formulas.md R1-R3)
SAMPLE = np.array([2.0, 2.5, 2.1, 2.2, 2.5, 2.2, 2.6, 2.3, 2.7, 2.2, 2.4, 2.0,
                   2.7, 2.2, 2.3, 2.1, 2.4, 2.6, 2.2, 2.2, 2.7, 2.4, 2.2, 2.5])


def _brute(v, d):
    out = np.full(len(v), -1)
    for i in range(len(v)):
        for j in range(i + 1, len(v)):
            if v[j] >= v[i] + d:
                out[i] = j
                break
    return out


def test_reference_value_seismostats_docstring():
    # BMorePositiveBValueEstimator docstring: mc=2.0, delta_m=0.1, dmc=0.2 -> 2.253092817258629
    fit = bp.estimate_b_more_positive(SAMPLE, 0.1, delta=0.2)
    assert fit.b == pytest.approx(2.253092817258629, rel=1e-12)
    assert fit.threshold == 0.2


@pytest.mark.parametrize("seed", range(4))
def test_next_larger_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    v = np.floor(rng.exponential(4.0, 400))
    for d in (1.0, 2.0, 5.0):
        expected = _brute(v, d)
        np.testing.assert_array_equal(bp._next_at_least_numpy(v, d), expected)
        np.testing.assert_array_equal(bp.next_larger(v, d), expected)
    c = rng.normal(size=300)
    np.testing.assert_array_equal(bp.next_larger(c, 0.3), _brute(c, 0.3))


@pytest.mark.skipif(not _accel.numba_enabled(), reason="numba not installed")
def test_compiled_kernels_equal_numpy_path():
    rng = np.random.default_rng(9)
    k = bin_index(rng.exponential(0.43, 20000), 0.1)
    ref = bp._next_at_least_numpy(k.astype(float), 2.0)
    np.testing.assert_array_equal(_accel.next_at_least_kernel()(k.astype(float), 2.0), ref)
    np.testing.assert_array_equal(
        _accel.next_at_least_bins_kernel()(k, 2, int(k.min()), int(k.max())), ref)


def test_times_reorder_and_errors():
    rng = np.random.default_rng(1)
    order = rng.permutation(SAMPLE.size)
    t = np.arange(SAMPLE.size, dtype=float)
    fit = bp.estimate_b_more_positive(SAMPLE[order], 0.1, delta=0.2, times=t[order])
    assert fit.b == pytest.approx(2.253092817258629, rel=1e-12)
    with pytest.raises(DataFormatError):
        bp.estimate_b_more_positive(SAMPLE, 0.0)            # continuous needs delta
    with pytest.raises(DataFormatError):
        bp.estimate_b_more_positive(SAMPLE, 0.1, delta=0.01)
    with pytest.raises(FitError):
        bp.estimate_b_more_positive([3.0, 2.0, 1.0], 0.1)  # never a larger successor
    with pytest.raises(DataFormatError):
        bp.next_larger([1.0, np.nan], 0.1)


def test_continuous_equals_aki_of_differences():
    m = np.array([1.0, 1.7, 1.2, 2.9, 1.1, 1.5])
    fit = bp.estimate_b_more_positive(m, 0.0, delta=0.2)
    # pairs: 1.0->1.7, 1.7->2.9, 1.2->2.9, 1.1->1.5 (2.9 and 1.5 have none)
    d = np.array([0.7, 1.2, 1.7, 0.4])
    assert fit.n == 4
    assert fit.b == pytest.approx(np.log10(np.e) / (d.mean() - 0.2), rel=1e-12)


def test_recovery_and_coverage_under_improving_completeness():
    # completeness improves in steps (3.0 -> 2.0 -> 1.0): all the events at least delta
    # above a detected one are detected later on, so b-more-positive is unbiased while the
    # classic estimator at the lowest mc is not; grid of b, 70 seeds each
    periods = [(0.0, 3.0), (30.0, 2.0), (60.0, 1.0)]
    q = stats.t.ppf(0.975, bp.BATCHES - 1)
    inside, total, errors = 0, 0, []
    for b_true in (0.8, 1.0, 1.3):
        for seed in range(70):
            rng = np.random.default_rng(1000 * int(10 * b_true) + seed)
            m, t = stepwise_catalogue(25.0, b_true, periods, 100.0, 0.1, rng)
            fit = bp.estimate_b_more_positive(m, 0.1, times=t)
            first, second, thr = bp.more_positive_pairs(m, 0.1, times=t)
            sigma = bp.sigma_b_more_positive(m[second] - m[first], fit.b, 0.1, thr)
            inside += abs(fit.b - b_true) <= q * sigma
            total += 1
            errors.append((fit.b - b_true) / b_true)
    coverage = inside / total
    # measured 0.952 (210 catalogues, 10 batches; 30 batches gave 0.919: the pairs' dependence
    # reaches beyond short batches); binomial spread 1.5 points
    assert 0.90 <= coverage <= 0.985, coverage
    assert abs(np.mean(errors)) < 0.01


def _deterministic_sample():
    # 300 binned GR-like magnitudes and increasing times from a fixed formula (no RNG), the
    # input of the SeismoStats 1.0.1 values below
    i = np.arange(300)
    u = ((i * 0.6180339887498949) % 1.0) * 0.999 + 0.0005
    m = np.maximum(np.round(0.95 - np.log(u) / np.log(10), 1), 1.0)
    t = np.cumsum(1.0 + ((i * 0.41421356) % 1.0))
    return m, t


def test_equals_seismostats_1_0_1_on_a_fixed_sample():
    # BMorePositiveBValueEstimator().calculate(m, mc=1.0, delta_m=0.1, dmc=0.2) and
    # AMorePositiveAValueEstimator().calculate(m, mc=1.0, delta_m=0.1, times=t, b_value=1.0,
    # dmc=0.2), SeismoStats 1.0.1 (run outside varpy; AGPL, never imported here)
    from varpy.statistics import avalue

    m, t = _deterministic_sample()
    fit = bp.estimate_b_more_positive(m, 0.1, delta=0.2)
    assert fit.b == pytest.approx(1.4257533580906827, rel=1e-12)
    a = avalue.estimate_a_more_positive(m, t, 0.1, 1.0, mc=1.0, delta=0.2)
    assert a.a == pytest.approx(2.7585909038947753, rel=1e-12)


@pytest.mark.skipif(not _accel.numba_enabled(), reason="numba not installed")
def test_compiled_sweep_equals_numpy_path(monkeypatch):
    from varpy.statistics import avalue
    from varpy.statistics.gr_simulation import simulate_gr

    rng = np.random.default_rng(12)
    m = simulate_gr(20000, 1.1, 0.5, 0.1, seed=rng)
    t = np.sort(rng.uniform(0, 500, m.size))
    fast = [bp.estimate_b_more_positive(m, 0.1, delta=0.2, mc=0.8),
            bp.estimate_b_more_positive(m, 0.1, times=t)]
    fast_a = [avalue.estimate_a_positive(m, t, 0.1, 1.1),
              avalue.estimate_a_positive(m, t, 0.1, 1.1, mc=0.9, delta=0.2)]
    monkeypatch.setattr(_accel, "positive_kernels", lambda: None)
    slow = [bp.estimate_b_more_positive(m, 0.1, delta=0.2, mc=0.8),
            bp.estimate_b_more_positive(m, 0.1, times=t)]
    slow_a = [avalue.estimate_a_positive(m, t, 0.1, 1.1),
              avalue.estimate_a_positive(m, t, 0.1, 1.1, mc=0.9, delta=0.2)]
    assert fast == slow                                   # exact integer sums: identical
    for f, s in zip(fast_a, slow_a):
        assert f.n == s.n
        np.testing.assert_allclose(f, s, rtol=1e-12)      # float sums in another order
