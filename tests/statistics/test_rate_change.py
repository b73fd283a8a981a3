"""z-value and beta (varpy.statistics.rate_change): hand values, ~N(0,1) without a change, and
the analytic expectation for a Poisson rate with a known step."""
from __future__ import annotations

import math

import numpy as np
import pytest

from varpy.exceptions import DataFormatError
from varpy.statistics import rate_change as rc


def test_hand_values():
    assert rc.z_value([5, 6, 4, 5], [1, 2, 1, 2]) == pytest.approx(7.0)
    # E = 100 * 0.1 = 10, sd = sqrt(10 * 0.9) = 3
    assert rc.beta_statistic(16, 100, 1.0, 10.0) == pytest.approx(2.0)
    assert math.isnan(rc.z_value([1, 1], [1, 1]))
    with pytest.raises(DataFormatError):
        rc.beta_statistic(1, 10, 5.0, 5.0)


def test_series_matches_single_window():
    rng = np.random.default_rng(3)
    t = rng.uniform(0, 50, 800)
    s = rc.rate_change_series(t, start=0, end=50, window=10, step=5, bin_width=1)
    counts = rc.binned_counts(t, 0, 50, 1)
    for i in (0, 3, 8):
        lo = int(round(s.window_start[i]))
        win = counts[lo:lo + 10]
        ref = np.concatenate([counts[:lo], counts[lo + 10:]])
        assert s.value[i] == pytest.approx(rc.z_value(ref, win), rel=1e-10)
    b = rc.rate_change_series(t, start=0, end=50, window=10, step=5, bin_width=1,
                              statistic="beta")
    assert b.value[2] == pytest.approx(rc.beta_statistic(b.n_window[2], 800, 10, 50))
    a = rc.rate_change_series(t, start=0, end=50, window=10, step=5, bin_width=1, mode="as")
    k = int(round(a.window_end[1]))
    assert a.value[1] == pytest.approx(rc.z_value(counts[:k], counts[k:]), rel=1e-10)


def _poisson(rng, rates, edges):
    parts = [rng.uniform(lo, hi, rng.poisson(r * (hi - lo)))
             for r, lo, hi in zip(rates, edges[:-1], edges[1:])]
    return np.sort(np.concatenate(parts))


def test_no_change_is_standard_normal():
    z, beta, z_as = [], [], []
    for seed in range(400):
        t = _poisson(np.random.default_rng(seed), [20.0], [0.0, 100.0])
        z.append(rc.rate_change_series(t, start=0, end=100, window=30, step=100,
                                       bin_width=1).value[0])
        beta.append(rc.rate_change_series(t, start=0, end=100, window=30, step=100,
                                          bin_width=1, statistic="beta").value[0])
        z_as.append(rc.rate_change_series(t, start=0, end=100, window=50, step=100,
                                          bin_width=1, mode="as").value[0])
    for values, sd in ((z, 1.04), (beta, 1.0), (z_as, 1.01)):
        # sd: Welch t with 29 (window) and 49 (as) degrees of freedom; 400 draws
        assert abs(np.mean(values)) < 3 / math.sqrt(400)
        assert abs(np.std(values) / sd - 1) < 0.1


def test_known_step_matches_the_analytic_expectation():
    # rate 20/day on [0, 60), 35/day on [60, 100); window [70, 90) of 20 days
    r1, r2 = 20.0, 35.0
    betas, zs = [], []
    for seed in range(300):
        t = _poisson(np.random.default_rng(seed), [r1, r2], [0.0, 60.0, 100.0])
        s = rc.rate_change_series(t, start=0, end=100, window=20, step=70, bin_width=1,
                                  statistic="beta")
        assert s.window_start[1] == 70
        betas.append(s.value[1])
        z = rc.rate_change_series(t, start=0, end=100, window=40, step=20, bin_width=1,
                                  mode="as")
        assert z.window_end[1] == 60
        zs.append(z.value[1])
    n = r1 * 60 + r2 * 40
    frac = 0.2
    beta_expected = (r2 * 20 - n * frac) / math.sqrt(n * frac * (1 - frac))
    # z (as) at the step: (r1 - r2) / sqrt(r1/60 + r2/40) with Poisson variances per bin
    z_expected = (r1 - r2) / math.sqrt(r1 / 60 + r2 / 40)
    assert np.mean(betas) == pytest.approx(beta_expected, abs=0.15)
    assert np.mean(zs) == pytest.approx(z_expected, rel=0.05)
