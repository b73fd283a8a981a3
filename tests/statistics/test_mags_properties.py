"""Hypothesis property tests of the magnitude statistics."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from varpy.statistics import mags

DMS = st.sampled_from([0.1, 0.05, 0.2, 0.01, 0.25])
SEEDS = st.integers(0, 2**32 - 1)


def _sample(seed, n, b, mc, dm):
    return mags.simulate_gr(n, b, mc, dm, seed=seed)


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS, dm=DMS, shift_bins=st.integers(-300, 300),
       method=st.sampled_from(["tinti_mulargia", "utsu", "aki"]))
def test_b_invariant_to_shifting_magnitudes_and_mc_together(seed, dm, shift_bins, method):
    m = _sample(seed, 200, 1.0, 1.0, dm)
    shift = shift_bins * dm
    # shifted magnitudes carry floating-point noise (1.2 + 0.3 = 1.5000000000000002): binning
    # by integer index must not care
    a = mags.estimate_b(m, 1.0, dm, method=method)
    b = mags.estimate_b(m + shift, 1.0 + shift, dm, method=method)
    assert a.n == b.n
    assert math.isclose(a.b, b.b, rel_tol=1e-9) or (math.isnan(a.b) and math.isnan(b.b))


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, shift=st.floats(-5, 5, allow_nan=False))
def test_continuous_b_invariant_to_any_shift(seed, shift):
    m = _sample(seed, 100, 1.3, 0.5, 0.0)
    a = mags.estimate_b(m, 0.5, 0.0)
    b = mags.estimate_b(m + shift, 0.5 + shift, 0.0)
    assert math.isclose(a.b, b.b, rel_tol=1e-7)


@given(x=st.floats(1e-3, 10.0), dm=st.floats(1e-9, 1.0))
def test_tinti_mulargia_tends_to_aki(x, dm):
    tm = mags.b_from_mean_excess(x, dm, "tinti_mulargia")
    aki = mags.b_from_mean_excess(x, 0.0, "aki")
    # ln(1 + u) / u < 1 and increases to 1 as u = dm/x -> 0; the gap is about u/2
    assert tm <= aki * (1 + 1e-12)
    u = dm / x
    assert abs(tm / aki - 1) <= u / 2 + 1e-9
    finer = mags.b_from_mean_excess(x, dm / 10, "tinti_mulargia")
    assert abs(finer - aki) <= abs(tm - aki) + 1e-12


@given(b=st.floats(0.3, 3.0), n=st.integers(2, 10**6), dm=st.floats(1e-7, 1e-5))
def test_tinti_mulargia_sigma_tends_to_aki_sigma(b, n, dm):
    assert math.isclose(mags.sigma_tinti_mulargia(b, n, dm), mags.sigma_aki(b, n),
                        rel_tol=1e-4)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, dm=DMS, perm_seed=SEEDS)
def test_b_invariant_to_ordering(seed, dm, perm_seed):
    m = _sample(seed, 150, 1.0, 2.0, dm)
    perm = np.random.default_rng(perm_seed).permutation(m.size)
    assert math.isclose(mags.estimate_b(m, 2.0, dm).b, mags.estimate_b(m[perm], 2.0, dm).b,
                        rel_tol=1e-12)
    k0, c1 = mags.histogram(m, dm)
    k1, c2 = mags.histogram(m[perm], dm)
    assert k0 == k1 and np.array_equal(c1, c2)
    assert mags.mc_gft(m, dm)[0] == mags.mc_gft(m[perm], dm)[0]


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS, dm=DMS, scale=st.floats(0.01, 100.0),
       reps=st.lists(st.integers(1, 4), min_size=80, max_size=80))
def test_weight_invariances(seed, dm, scale, reps):
    m = _sample(seed, 80, 1.0, 0.0, dm)
    plain = mags.estimate_b(m, 0.0, dm).b
    # unit weights, constant weights, zero-weighted padding
    assert math.isclose(mags.estimate_b(m, 0.0, dm, weights=np.ones(80)).b, plain,
                        rel_tol=1e-12)
    assert math.isclose(mags.estimate_b(m, 0.0, dm, weights=np.full(80, scale)).b, plain,
                        rel_tol=1e-10)
    padded = np.r_[m, m + 3.0]
    w = np.r_[np.ones(80), np.zeros(80)]
    assert math.isclose(mags.estimate_b(padded, 0.0, dm, weights=w).b, plain, rel_tol=1e-12)
    # integer weights are repetitions
    r = np.asarray(reps)
    assert math.isclose(mags.estimate_b(m, 0.0, dm, weights=r).b,
                        mags.estimate_b(np.repeat(m, r), 0.0, dm).b, rel_tol=1e-12)


@given(k=st.integers(-10**6, 10**6), dm=DMS)
def test_bin_centre_round_trips(k, dm):
    assert mags.bin_index(mags.bin_centre(k, dm), dm) == k
    # half a bin below the next edge stays in the bin, whatever the float noise
    assert mags.bin_index(mags.bin_centre(k, dm) + 0.49 * dm, dm) == k
    assert mags.bin_index(mags.bin_centre(k, dm) - 0.49 * dm, dm) == k


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, dm=DMS)
def test_histogram_statistics_equal_direct_ones(seed, dm):
    # the O(bins) candidate statistics behind GFT/MBS/EMR/KS equal a direct computation
    m = _sample(seed, 300, 1.0, 0.0, dm)
    k0, counts = mags.histogram(m, dm)
    tails = mags._tails(counts)
    for c in range(0, counts.size, max(1, counts.size // 5)):
        sel = m[mags.bin_index(m, dm) >= k0 + c]
        if sel.size < 2:
            continue
        assert tails.n[c] == sel.size
        excess = (sel.mean() - mags.bin_centre(k0 + c, dm)) / dm
        assert math.isclose(tails.mean_excess[c], excess, rel_tol=1e-9, abs_tol=1e-9)
        ssd = ((sel - sel.mean()) ** 2).sum() / dm ** 2
        assert math.isclose(tails.ssd[c], ssd, rel_tol=1e-8, abs_tol=1e-6)
