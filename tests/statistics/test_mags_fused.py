"""The chunked default b-value path equals the straightforward computation.

``mags._excess_moments`` bins every magnitude with the floating-point operations of
``bin_index``, cuts at the completeness bin and accumulates exact integer sums, chunk by chunk,
counting the incomplete events through a fractional sentinel. These tests compare it (and
``estimate_b``, which uses it) with ``bin_index`` followed by a boolean mask and integer sums,
on inputs built to hit the edges: magnitudes exactly on the tie points ``(k + 1/2) dm``, a few
ulps either side of the thresholds where ``bin_index`` changes bin, exactly at ``mc``, NaN,
chunks that are complete, incomplete or mixed, and rows whose squares are too large for the
fast decoding.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from varpy.exceptions import DataFormatError, FitError
from varpy.statistics import mags

ROW = mags._ROW


def straightforward(m, dm, kc):
    """(n, sum of bin - kc, sum of (bin - kc)**2) by bin_index, a mask and Python integers."""
    m = np.asarray(m, dtype=np.float64)
    k = mags.bin_index(m[~np.isnan(m)], dm)
    j = k[k >= kc] - kc
    return j.size, int(j.sum()), sum(int(v) * int(v) for v in j)


def threshold_values(rng, size, dm):
    """Magnitudes a few ulps around the points where ``bin_index`` changes bin.

    ``bin_index`` computes ``floor(fl(fl(m * (1/dm)) + 0.5 + tol))``, so the bin changes near
    ``m = (k - 0.5 - tol) * dm``; the exact switching float is found by stepping in ulps.
    """
    k = rng.integers(-30, 80, size=size)
    t = (k - 0.5 - mags.BIN_TOLERANCE) * dm
    steps = rng.integers(-3, 4, size=size)
    return t + steps * np.spacing(np.abs(t) + 1e-300)


@st.composite
def catalogues(draw):
    """A seed-driven catalogue of 1 to ~3.5 rows of values, with edge values mixed in."""
    seed = draw(st.integers(0, 2**32 - 1))
    dm = draw(st.sampled_from([0.1, 0.05, 0.01, 0.2, 0.25, 0.3, 0.5, 1.0]))
    size = draw(st.sampled_from([1, 2, 7, ROW - 1, ROW, ROW + 1, 2 * ROW + 5, 3 * ROW + 777]))
    binned = draw(st.booleans())
    shift = draw(st.floats(-4.0, 4.0))
    rng = np.random.default_rng(seed)
    m = shift + rng.exponential(0.45, size)
    if binned:
        m = mags.round_to_bins(m, dm)
    # edge values: nominal ties, bin_index thresholds +- ulps, and (below) mc itself
    n_edges = min(size, int(draw(st.integers(0, 300))))
    pos = rng.choice(size, size=n_edges, replace=False)
    kind = rng.integers(0, 2, size=n_edges)
    ties = (rng.integers(-30, 80, size=n_edges) + 0.5) * dm
    m[pos] = np.where(kind == 0, ties, threshold_values(rng, n_edges, dm))
    # complete and incomplete chunks: optionally put the small magnitudes at the end only
    if draw(st.booleans()):
        m.sort()
        m = m[::-1].copy()
    q = draw(st.floats(0.0, 1.0))
    mc = float(np.quantile(m, q))
    if draw(st.booleans()):
        mc = mags.bin_centre(mags.bin_index(mc, dm).item(), dm)
    # some events exactly at mc
    n_at = min(size, int(draw(st.integers(0, 5))))
    m[rng.choice(size, size=n_at, replace=False)] = mc
    nan = draw(st.booleans())
    if nan:
        m[rng.choice(size, size=max(1, size // 50), replace=False)] = np.nan
    return m, dm, mc, nan


@settings(max_examples=120, deadline=None)
@given(cat=catalogues(), chunk_rows=st.sampled_from([1, 2, 16]))
def test_fused_sums_equal_the_straightforward_ones(cat, chunk_rows):
    m, dm, mc, has_nan = cat
    kc = mags.bin_index(mc, dm).item()
    got = mags._excess_moments(m, dm, kc, nan_policy="omit", chunk_rows=chunk_rows)
    assert (got.n, got.s1, got.s2) == straightforward(m, dm, kc)
    assert got.n_nan == int(np.isnan(m).sum())
    if has_nan:
        with pytest.raises(DataFormatError, match="position"):
            mags._excess_moments(m, dm, kc, chunk_rows=chunk_rows)


@settings(max_examples=60, deadline=None)
@given(cat=catalogues(), method=st.sampled_from(["tinti_mulargia", "utsu", "aki"]))
def test_estimate_b_equals_the_straightforward_estimate(cat, method):
    m, dm, mc, _ = cat
    m = m[~np.isnan(m)]
    kc = mags.bin_index(mc, dm).item()
    k = mags.bin_index(m, dm)
    centres = mags.bin_centre(k[k >= kc], dm)
    centres = np.atleast_1d(centres)
    if centres.size == 0:
        with pytest.raises(FitError):
            mags.estimate_b(m, mc, dm, method=method)
        return
    fit = mags.estimate_b(m, mc, dm, method=method)
    mc_value = mags.bin_centre(kc, dm)
    assert fit.n == centres.size and fit.threshold == mc_value
    assert math.isclose(fit.mean, centres.mean(), rel_tol=1e-12, abs_tol=1e-12)
    # the reference excess in whole bins, as the estimator takes it: summed float bin centres
    # leave a rounding residue where every event sits at mc (b undefined, not ~1e3)
    excess = float(np.mean(k[k >= kc] - kc)) * dm
    b_ref = mags.b_from_mean_excess(excess, dm, method)
    assert math.isclose(fit.b, b_ref, rel_tol=1e-9) or (math.isnan(fit.b) and math.isnan(b_ref))
    if centres.size > 1:
        assert math.isclose(fit.std, centres.std(ddof=1), rel_tol=1e-9, abs_tol=1e-12)
    # the weighted path bins with bin_index itself: the same events, the same b (up to its
    # float sums of bin centres, which are not exact for dm = 0.3)
    weighted = mags.estimate_b(m, mc, dm, method=method, weights=np.ones(m.size))
    assert weighted.n == fit.n
    assert math.isclose(weighted.b, fit.b, rel_tol=1e-9) or (
        math.isnan(weighted.b) and math.isnan(fit.b))


def test_magnitude_just_below_a_rounding_threshold():
    # 1.6499999 * 10 + 0.500001 rounds to 17.0 exactly, so bin_index puts it in bin 17; the
    # old shortcut (adding 0.5 + tol - kc in one step) put it in bin 16 when kc = 10, and
    # histogram() did the same when its lowest bin was far below
    m = np.array([1.6499999, 1.0, 2.0, 1.7])
    assert mags.bin_index(m, 0.1).tolist() == [17, 10, 20, 17]
    assert straightforward(m, 0.1, 17) == (3, 3, 9)
    fit = mags.estimate_b(m, 1.7, 0.1)
    assert fit.n == 3 and math.isclose(fit.mean, (1.7 + 1.7 + 2.0) / 3, rel_tol=1e-15)
    k0, counts = mags.histogram(np.r_[-3.0, m], 0.1)
    assert counts[17 - k0] == 2 and counts[16 - k0] == 0


def test_events_exactly_at_mc_and_at_the_tie_are_kept():
    # 1.45 is a tie and rounds up to bin 15; 1.4499999 and 1.4499 stay in bin 14
    m = np.array([1.45, 1.45, 1.5, 1.4499999, 1.4499, 1.6])
    for mc in (1.45, 1.5, 1.5000000000000002, 15 * 0.1):
        fit = mags.estimate_b(m, mc, 0.1)
        assert fit.threshold == 1.5 and fit.n == 4
        assert fit.mean == pytest.approx((1.5 * 3 + 1.6) / 4, rel=1e-15)
    assert mags.estimate_b(m, 1.6, 0.1).n == 1


@pytest.mark.parametrize("dm, shift", [(1e-4, 7.0), (0.001, 150.0), (0.01, -700.0),
                                       (0.001, 60.0), (0.01, -300.0)])
def test_large_bin_numbers_take_the_exact_path(dm, shift):
    # |kc| > 2**16, or rows whose sum of squares exceeds 2**36: decoded the slow exact way
    rng = np.random.default_rng(5)
    m = shift + rng.exponential(0.4, 2 * ROW + 11)
    mc = float(np.quantile(m, 0.3))
    kc = mags.bin_index(mc, dm).item()
    got = mags._excess_moments(m, dm, kc, chunk_rows=1)
    assert (got.n, got.s1, got.s2) == straightforward(m, dm, kc)
    # with NaN to skip: chunks first handled by the fast path, then redone exactly, count
    # their NaN once
    m[::97] = np.nan
    got = mags._excess_moments(m, dm, kc, nan_policy="omit", chunk_rows=1)
    assert (got.n, got.s1, got.s2) == straightforward(m, dm, kc)
    assert got.n_nan == int(np.isnan(m).sum())


@pytest.mark.parametrize("bad", [np.inf, -np.inf, 1e308])
@pytest.mark.parametrize("where", [0, ROW - 1, ROW + 3])
def test_infinite_magnitudes_are_refused_with_their_position(bad, where):
    m = mags.simulate_gr(2 * ROW, 1.0, 1.0, 0.1, seed=2)
    m[where] = bad
    for policy in ("raise", "omit"):
        with pytest.raises(DataFormatError, match=f"position {where} "):
            mags._excess_moments(m, 0.1, 10, nan_policy=policy, chunk_rows=1)
        with pytest.raises(DataFormatError, match=f"position {where} "):
            mags.estimate_b(m, 1.0, 0.1, nan_policy=policy)


def test_nan_policy():
    m = mags.simulate_gr(1000, 1.0, 1.0, 0.1, seed=3)
    with_nan = m.copy()
    with_nan[[3, 500]] = np.nan
    with pytest.raises(DataFormatError, match="position 3 "):
        mags.estimate_b(with_nan, 1.0, 0.1)
    assert mags.estimate_b(with_nan, 1.0, 0.1, nan_policy="omit") == \
        mags.estimate_b(np.delete(m, [3, 500]), 1.0, 0.1)
    for kwargs in ({"assume_binned": True}, {"weights": np.ones(m.size)}):
        assert mags.estimate_b(with_nan, 1.0, 0.1, nan_policy="omit", **kwargs).n == 998
        with pytest.raises(DataFormatError, match="position 3 "):
            mags.estimate_b(with_nan, 1.0, 0.1, **kwargs)
    with pytest.raises(DataFormatError, match="nan_policy"):
        mags.estimate_b(m, 1.0, 0.1, nan_policy="drop")


def test_chunking_does_not_change_anything():
    m = mags.simulate_gr(5 * ROW + 3, 1.0, 0.0, 0.1, detection=(0.6, 0.2), seed=4)
    ref = mags._excess_moments(m, 0.1, 8)
    for rows in (1, 2, 3, 64):
        assert mags._excess_moments(m, 0.1, 8, chunk_rows=rows) == ref


def test_estimate_b_matches_reference_r1_on_every_path():
    # R1 (formulas.md): Tinti-Mulargia b of the 24-magnitude sample = 1.114920128810535
    sample = [2.3, 2.2, 2.3, 2.2, 2.4, 2.3, 2.8, 2.1, 2.6, 2.1, 2.5, 2.0,
              2.3, 2.2, 2.6, 2.2, 2.5, 2.4, 2.0, 2.5, 2.2, 2.4, 2.3, 2.8]
    for kwargs in ({}, {"assume_binned": True}, {"weights": np.ones(24)}):
        fit = mags.estimate_b(sample, 2.0, 0.1, **kwargs)
        assert fit.b == pytest.approx(1.114920128810535, rel=1e-12) and fit.n == 24


@pytest.mark.parametrize("method", ["tinti_mulargia", "utsu", "aki"])
def test_weighted_b_of_events_all_at_mc_is_undefined_as_unweighted(method):
    """Summed bin centres of 0.3 leave a rounding residue; the excess in whole bins does not."""
    m = np.full(5, 1.0)
    plain = mags.estimate_b(m, 1.0, 0.3, method=method)
    weighted = mags.estimate_b(m, 1.0, 0.3, method=method, weights=np.ones(5))
    assert math.isnan(plain.b) and math.isnan(weighted.b)
    assert weighted.n == plain.n == 5
