"""Mirwald et al. (2024) b-value variation test (varpy.statistics.bsignificance): Moran's I by
hand, the vectorised and per-sub-sample paths agree, false-positive rate on constant b and
power against a step of 0.2 in b on 5,000 events."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from varpy.exceptions import DataFormatError, FitError, FitWarning
from varpy.statistics import bsignificance as bs
from varpy.statistics.mags import simulate_gr


def test_morans_i_by_hand():
    # d = (-1, -1, -1, 1, 1) around 3: pairs 1 + 1 - 1 + 1 = 2, sum d^2 = 5, (n-1)/n_p = 1
    ac, n, n_p = bs.morans_i_1d([2.0, 2.0, 2.0, 4.0, 4.0], mean=3.0)
    assert (round(ac, 12), n, n_p) == (0.4, 5, 4)
    # a NaN removes its two pairs
    ac, n, n_p = bs.morans_i_1d([1.0, 2.0, np.nan, 1.0, 2.0])
    assert (n, n_p) == (4, 2)
    assert ac == pytest.approx(3 / 2 * (-0.25 - 0.25) / 1.0)


def test_scalar_and_per_event_mc_paths_agree():
    m = simulate_gr(4000, 1.0, 1.0, 0.1, seed=5)
    a = bs.b_significance(m, 1.0, 0.1, 80)
    b = bs.b_significance(m, np.full(m.size, 1.0), 0.1, 80)
    assert a.mac == pytest.approx(b.mac, rel=1e-12)
    assert a.p_value == pytest.approx(b.p_value, rel=1e-12)
    assert a.n_subsamples == pytest.approx(b.n_subsamples)
    series, used, first = bs.b_series_constant_n(m, 1.0, 0.1, 80)
    assert series.size == 50 and np.all(used == 80) and first[1] == 80


def test_null_moments_and_errors():
    m = simulate_gr(2500, 1.0, 1.0, 0.1, seed=1)
    r = bs.b_significance(m, 1.0, 0.1, 100)
    # offset 0 cuts 25 sub-samples, offsets 1..99 cut 24 (the partial ends are left out)
    assert r.n_subsamples == pytest.approx(24.01)
    assert r.n_pairs == pytest.approx(23.01)
    assert r.mu == pytest.approx(-1 / 24.01)
    assert r.sigma == pytest.approx((23.01 - 2) / 23.01 ** 1.5)
    with pytest.raises(DataFormatError):
        bs.b_significance(m, 1.0, 0.1, 5)                  # below min_num
    with pytest.raises(FitError):
        bs.b_significance(m[:200], 1.0, 0.1, 100)          # fewer than 3 sub-samples
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FitWarning):
            bs.b_significance(m[:1000], 1.0, 0.1, 100)      # 10 sub-samples < 25


def test_false_positive_rate_and_power():
    # 200 constant-b catalogues of 5,000 events and 200 with b 1.0 -> 1.2 half way; n_m = 100
    fp_cons, fp_mean, detected = 0, 0, 0
    for seed in range(200):
        m = simulate_gr(5000, 1.0, 1.0, 0.1, seed=seed)
        fp_cons += bs.b_significance(m, 1.0, 0.1, 100).p_value < 0.05
        fp_mean += bs.b_significance(m, 1.0, 0.1, 100, conservative=False).p_value < 0.05
        step = np.concatenate([simulate_gr(2500, 1.0, 1.0, 0.1, seed=10_000 + seed),
                               simulate_gr(2500, 1.2, 1.0, 0.1, seed=20_000 + seed)])
        detected += bs.b_significance(step, 1.0, 0.1, 100).p_value < 0.05
    # measured: 0.015 (conservative), 0.060 (gamma 0.81), power 0.975
    assert fp_cons / 200 <= 0.05
    assert fp_mean / 200 <= 0.05 + 0.035                    # nominal + ~2.3 binomial sd
    assert detected / 200 >= 0.9


def test_fixed_catalogue_against_seismostats_1_0_1():
    # 3,000 events without RNG, b 1.0 then 1.3 half way; SeismoStats 1.0.1
    # b_significant_1D(m, 1.0, 0.1, t, n_m) returned (p, mac, mu, std) =
    # (1.1733683935588601e-07, 0.8725606980706837, -0.03447087211306446, 0.17545699577054927)
    # for n_m = 100 and, with conservative=False and n_m = 60, (1.432187701766452e-14,
    # 0.8315181044908011, -0.020401224073444406, 0.11202428051151898). Its p is
    # 1 - cdf, which loses digits this far in the tail; varpy's is ndtr(-z).
    i = np.arange(3000)
    u = ((i * 0.6180339887498949) % 1.0) * 0.9999 + 0.00005
    m = np.round(0.95 - np.log(u) / np.log(10) / np.where(i < 1500, 1.0, 1.3), 1)
    r = bs.b_significance(m, 1.0, 0.1, 100, times=i.astype(float))
    assert r.mac == pytest.approx(0.8725606980706837, rel=1e-12)
    assert r.mu == pytest.approx(-0.03447087211306446, rel=1e-12)
    assert r.sigma == pytest.approx(0.17545699577054927, rel=1e-12)
    assert r.p_value == pytest.approx(1.1733683935588601e-07, rel=1e-8)
    r = bs.b_significance(m, 1.0, 0.1, 60, conservative=False)
    assert r.mac == pytest.approx(0.8315181044908011, rel=1e-12)
    assert r.sigma == pytest.approx(0.11202428051151898, rel=1e-12)
    assert r.p_value == pytest.approx(1.432187701766452e-14, rel=1e-2)
