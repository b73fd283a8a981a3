"""Gutenberg-Richter magnitudes: b recovery, binning, truncation, Ogata-Katsura incompleteness."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from varpy.exceptions import VarpyError
from varpy.simulation.magnitudes import (
    GutenbergRichter,
    bin_magnitudes,
    detected_fraction,
    detection_probability,
    gr_magnitudes,
    incomplete_gr_magnitudes,
)

LOG10E = np.log10(np.e)


def aki_b(m, mc):
    """Aki (1965) continuous MLE (formulas.md 3.1)."""
    return LOG10E / (np.mean(m) - mc)


def tinti_mulargia_b(m, mc, dm):
    """Tinti & Mulargia (1987) discrete MLE (formulas.md 3.3)."""
    p = 1.0 + dm / (np.mean(m) - mc)
    return np.log(p) / dm / np.log(10.0)


def tm_sigma(b, n, dm):
    p = np.exp(b * np.log(10.0) * dm)
    return (p - 1.0) / (np.log(10.0) * dm * np.sqrt(n * p))


@pytest.mark.parametrize("b", [0.7, 1.0, 1.5])
def test_continuous_b_recovered_by_aki(b):
    n = 2000
    z = []
    for seed in range(20):
        m = gr_magnitudes(n, b=b, mmin=1.0, seed=seed)
        assert m.min() >= 1.0
        bhat = aki_b(m, 1.0)
        z.append((bhat - b) / (b / np.sqrt(n)))
    z = np.array(z)
    assert abs(z.mean()) < 3.0 / np.sqrt(len(z)) + 0.1  # bias of Aki ~ b/n is negligible
    assert np.all(np.abs(z) < 4.0)


@pytest.mark.parametrize("b,dm,mmin", [(1.0, 0.1, 2.0), (1.5, 0.01, 0.5), (0.5, 0.2, 2.0)])
def test_binned_b_recovered_by_tinti_mulargia(b, dm, mmin):
    """The R7 settings of formulas.md (b, mc, dm), with our own simulations."""
    n = 3000
    z = []
    for seed in range(20):
        m = gr_magnitudes(n, b=b, mmin=mmin, dm=dm, seed=seed)
        k = np.rint(m / dm)
        np.testing.assert_array_equal(m, bin_magnitudes(m, dm))  # exactly on the grid
        assert k.min() == round(mmin / dm)
        z.append((tinti_mulargia_b(m, mmin, dm) - b) / tm_sigma(b, n, dm))
    z = np.array(z)
    assert abs(z.mean()) < 3.0 / np.sqrt(len(z)) * 1.2
    assert 0.4 < z.std(ddof=1) < 1.6


def test_binned_values_print_cleanly():
    m = gr_magnitudes(500, b=1.0, mmin=2.0, dm=0.1, seed=1)
    assert all(len(repr(float(v))) <= 4 for v in m if v < 10)


def test_lowest_bin_fraction_is_geometric():
    b, dm = 1.0, 0.1
    m = gr_magnitudes(200_000, b=b, mmin=1.0, dm=dm, seed=2)
    frac = np.mean(m == 1.0)
    expected = 1.0 - 10 ** (-b * dm)
    assert abs(frac - expected) < 4 * np.sqrt(expected * (1 - expected) / m.size)


def test_truncated_gr_matches_its_cdf():
    b, mmin, mmax = 1.0, 2.0, 4.0
    beta = b * np.log(10)
    m = gr_magnitudes(20_000, b=b, mmin=mmin, mmax=mmax, seed=3)
    assert m.min() >= mmin and m.max() <= mmax

    def cdf(x):
        return -np.expm1(-beta * (x - mmin)) / -np.expm1(-beta * (mmax - mmin))

    assert stats.kstest(m, cdf).pvalue > 1e-3
    binned = gr_magnitudes(20_000, b=b, mmin=mmin, mmax=mmax, dm=0.1, seed=3)
    assert binned.max() <= mmax and binned.min() >= mmin


def test_detection_probability_is_the_normal_cdf():
    assert detection_probability(1.0, 1.0, 0.2) == pytest.approx(0.5)
    assert detection_probability(1.2, 1.0, 0.2) == pytest.approx(stats.norm.cdf(1.0))


@pytest.mark.parametrize("b,m_low,mu,sigma,mmax", [
    (1.0, 0.0, 1.0, 0.2, None), (1.5, -1.0, 0.5, 0.3, None), (0.8, 0.0, 0.2, 0.1, 3.0),
    (1.2, 1.0, 0.5, 0.25, None),
])
def test_detected_fraction_closed_form_matches_quadrature(b, m_low, mu, sigma, mmax):
    beta = b * np.log(10)
    upper = np.inf if mmax is None else mmax
    norm = 1.0 if mmax is None else -np.expm1(-beta * (mmax - m_low))
    quad, _ = integrate.quad(
        lambda m: beta * np.exp(-beta * (m - m_low)) * special.ndtr((m - mu) / sigma),
        m_low, upper, limit=200)
    assert detected_fraction(b, m_low, mu, sigma, mmax) == pytest.approx(quad / norm, rel=1e-8)


def test_incomplete_magnitudes_follow_gr_times_detection():
    b, m_low, mu, sigma = 1.0, 0.0, 1.0, 0.2
    beta = b * np.log(10)
    m = incomplete_gr_magnitudes(20_000, b, m_low, mu, sigma, seed=4)
    qbar = detected_fraction(b, m_low, mu, sigma)

    def cdf(x):
        x = np.atleast_1d(x)
        return np.array([integrate.quad(
            lambda s: beta * np.exp(-beta * (s - m_low)) * special.ndtr((s - mu) / sigma),
            m_low, xi)[0] for xi in x]) / qbar

    assert stats.kstest(m, cdf).pvalue > 1e-3
    # far above mu the catalogue is complete: b recovered there
    high = m[m >= mu + 4 * sigma]
    assert abs(aki_b(high, mu + 4 * sigma) - b) < 4 * b / np.sqrt(high.size)


def test_thinning_true_gr_reproduces_observed_fraction():
    """Simulate a true catalogue, keep events with probability q(m); compare to the theory."""
    b, mmin, mu, sigma = 1.0, 0.0, 0.8, 0.25
    rng = np.random.default_rng(5)
    true = gr_magnitudes(100_000, b=b, mmin=mmin, seed=rng)
    kept = rng.random(true.size) < detection_probability(true, mu, sigma)
    q = detected_fraction(b, mmin, mu, sigma)
    assert abs(kept.mean() - q) < 4 * np.sqrt(q * (1 - q) / true.size)


def test_observed_per_complete_counts():
    gr = GutenbergRichter(b=1.0, mmin=1.0, dm=0.1, detection=(0.8, 0.15))
    assert gr.m_low == pytest.approx(0.0)  # mu - 5 sigma = 0.05, rounded down to the grid
    # True continuous magnitudes from the lowest bin edge -0.05: those >= 0.95 (bin 1.0 and up)
    # are one tenth of them (b = 1, one magnitude unit).
    rng = np.random.default_rng(6)
    n_complete = 20_000
    true = -0.05 + rng.standard_exponential(10 * n_complete) / np.log(10)
    observed = np.sum(rng.random(true.size) < detection_probability(true, 0.8, 0.15))
    expected = gr.observed_per_complete() * n_complete
    assert abs(observed - expected) < 4 * np.sqrt(expected)
    assert GutenbergRichter(b=1.0, mmin=1.0).observed_per_complete() == 1.0


def test_incomplete_binned_sample_is_on_grid_and_above_m_low():
    gr = GutenbergRichter(b=1.5, mmin=2.0, dm=0.1, detection=(1.8, 0.15))
    m = gr.sample(5000, seed=7)
    np.testing.assert_array_equal(m, bin_magnitudes(m, 0.1))
    assert m.min() >= gr.m_low
    assert np.mean(m < 2.0) > 0.2  # detected events below mmin exist


def test_reproducible_and_seed_sensitive():
    a = gr_magnitudes(100, b=1.0, mmin=0.0, seed=11)
    np.testing.assert_array_equal(a, gr_magnitudes(100, b=1.0, mmin=0.0, seed=11))
    assert not np.array_equal(a, gr_magnitudes(100, b=1.0, mmin=0.0, seed=12))


def test_invalid_parameters_raise():
    with pytest.raises(VarpyError, match="b-value"):
        gr_magnitudes(10, b=0.0)
    with pytest.raises(VarpyError, match="mmax"):
        gr_magnitudes(10, b=1.0, mmin=2.0, mmax=1.0)
    with pytest.raises(VarpyError, match="multiple"):
        gr_magnitudes(10, b=1.0, mmin=2.05, dm=0.1)
    with pytest.raises(VarpyError, match="sigma"):
        detected_fraction(1.0, 0.0, 1.0, 0.0)
    with pytest.raises(VarpyError, match="m_low"):
        GutenbergRichter(b=1.0, mmin=1.0, m_low=0.0)
    with pytest.raises(VarpyError, match="m_low"):
        GutenbergRichter(b=1.0, mmin=1.0, detection=(0.5, 0.1), m_low=2.0)
    with pytest.raises(VarpyError):
        gr_magnitudes(-1)


@settings(max_examples=40, deadline=None)
@given(b=st.floats(0.3, 3.0), mmin=st.integers(-20, 40), dm_index=st.sampled_from([0, 1, 2]),
       width=st.integers(1, 40), seed=st.integers(0, 2**31 - 1))
def test_property_binned_truncated_magnitudes_stay_on_grid_and_in_range(b, mmin, dm_index, width,
                                                                        seed):
    dm = (0.01, 0.1, 0.5)[dm_index]
    lo = mmin * dm
    hi = (mmin + width) * dm
    m = gr_magnitudes(200, b=b, mmin=lo, mmax=hi, dm=dm, seed=seed)
    k = m / dm
    assert np.all(np.abs(k - np.rint(k)) < 1e-9)
    assert m.min() >= lo - 1e-12 and m.max() <= hi + 1e-12
