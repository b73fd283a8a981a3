"""Weichert (1980) and Kijko & Smit (2012) (varpy.statistics.bvalue_periods): one period equals
the reference single-Mc estimators (formulas.md R1, R2), the closed-form tail, and recovery
with coverage over a grid of b and completeness histories."""
from __future__ import annotations

import math

import numpy as np
import pytest

from varpy.exceptions import DataFormatError, FitError
from varpy.statistics import bvalue_periods as bp

from ._incomplete import stepwise_catalogue

SAMPLE = np.array([2.0, 2.5, 2.1, 2.2, 2.5, 2.2, 2.6, 2.3, 2.7, 2.2, 2.4, 2.0,
                   2.7, 2.2, 2.3, 2.1, 2.4, 2.6, 2.2, 2.2, 2.7, 2.4, 2.2, 2.5])


def test_one_period_equals_single_mc_references():
    t = np.linspace(0.0, 23.0, 24)
    w = bp.estimate_b_weichert(SAMPLE, t, [(0.0, 2.0)], 0.1, end=24.0)
    assert w.b == pytest.approx(1.114920128810535, rel=1e-10)        # R1 Tinti-Mulargia
    assert w.rate == pytest.approx(24 / 24.0, rel=1e-12)             # N / T
    ks = bp.estimate_b_kijko_smit(SAMPLE, t, [(0.0, 2.0)], 0.1, end=24.0)
    assert ks.b == pytest.approx(1.1088369750721319, rel=1e-12)      # R2 Utsu
    tm = bp.estimate_b_kijko_smit(SAMPLE, t, [(0.0, 2.0)], 0.1, end=24.0,
                                  method="tinti_mulargia")
    assert tm.b == pytest.approx(1.114920128810535, rel=1e-12)
    assert tm.sigma == pytest.approx(0.22821, abs=1e-5)              # R4 TM sigma


def test_tail_in_closed_form_equals_long_bounded_sum():
    rng = np.random.default_rng(4)
    periods = [(0.0, 3.0), (50.0, 2.0)]
    m, t = stepwise_catalogue(30.0, 1.0, periods, 100.0, 0.1, rng)
    unbounded = bp.estimate_b_weichert(m, t, periods, 0.1, end=100.0)
    bounded = bp.estimate_b_weichert(m, t, periods, 0.1, end=100.0, m_max=40.0)
    assert bounded.b == pytest.approx(unbounded.b, rel=1e-9)
    assert bounded.rate == pytest.approx(unbounded.rate, rel=1e-9)
    assert bounded.sigma == pytest.approx(unbounded.sigma, rel=1e-9)


def test_two_periods_by_hand():
    # period 1 [0, 10) mc 2.0, period 2 [10, 20) mc 1.0, dm 1: exposures T_1 = 10 (bin 1),
    # T_k = 20 for k >= 2; the MLE equation sum T m e / sum T e = mean m is checked directly
    m = np.array([2.0, 3.0, 1.0, 1.0, 2.0, 1.0, 3.0])
    t = np.array([1.0, 2.0, 11.0, 12.0, 13.0, 14.0, 15.0])
    fit = bp.estimate_b_weichert(m, t, [(0.0, 2.0), (10.0, 1.0)], 1.0, end=20.0)
    beta = fit.b * math.log(10)
    k = np.arange(1, 400)
    texp = np.where(k >= 2, 20.0, 10.0)
    e = texp * np.exp(-beta * k)
    assert (k * e).sum() / e.sum() == pytest.approx(m.mean(), rel=1e-10)
    var = (k * k * e).sum() / e.sum() - ((k * e).sum() / e.sum()) ** 2
    assert fit.sigma == pytest.approx(1 / math.sqrt(7 * var) / math.log(10), rel=1e-8)
    assert fit.rate == pytest.approx(7 * np.exp(-beta * k).sum() / e.sum(), rel=1e-9)
    assert fit.counts == (2, 5)


def test_periods_from_table_and_errors():
    assert bp.periods_from_table([(4.0, 1940), (5.0, 1880)]) == [(1880.0, 5.0), (1940.0, 4.0)]
    with pytest.raises(DataFormatError):
        bp.estimate_b_weichert([1.0, 2.0], [0.0, 1.0], [(1.0, 1.0), (0.5, 1.0)], 0.1)
    with pytest.raises(DataFormatError):
        bp.estimate_b_weichert([1.0, 2.0], [0.0, 1.0], [(0.0, 1.0)], 0.0)
    with pytest.raises(FitError):
        bp.estimate_b_weichert([1.0, 2.0], [0.0, 1.0], [(0.0, 3.0)], 0.1, end=2.0)


HISTORIES = {
    "three steps": ([(1900.0, 5.0), (1960.0, 4.0), (1990.0, 3.0)], 2020.0, 15.0),
    "two steps": ([(0.0, 2.0), (20.0, 1.0)], 60.0, 40.0),
}


def test_recovery_and_coverage_grid():
    # grid: b in {0.8, 1.0, 1.3} x two completeness histories x 35 seeds = 210 catalogues;
    # the events below the completeness of their period are detected at 30 %
    hits = {"w_b": 0, "w_rate": 0, "k_b": 0, "k_rate": 0}
    rel_err = []
    n = 0
    for h, (periods, end, rate) in enumerate(HISTORIES.values()):
        for b_true in (0.8, 1.0, 1.3):
            for seed in range(35):
                rng = np.random.default_rng([h, int(10 * b_true), seed])
                m, t = stepwise_catalogue(rate, b_true, periods, end, 0.1, rng,
                                          detect_below=0.3)
                w = bp.estimate_b_weichert(m, t, periods, 0.1, end=end)
                k = bp.estimate_b_kijko_smit(m, t, periods, 0.1, end=end,
                                             method="tinti_mulargia")
                hits["w_b"] += abs(w.b - b_true) <= 1.96 * w.sigma
                hits["w_rate"] += abs(w.rate - rate) <= 1.96 * w.rate_sigma
                hits["k_b"] += abs(k.b - b_true) <= 1.96 * k.sigma
                hits["k_rate"] += abs(k.rate - rate) <= 1.96 * k.rate_sigma
                rel_err.append((w.b - b_true) / b_true)
                n += 1
    coverage = {key: v / n for key, v in hits.items()}
    # measured: Weichert b 0.952, rate 0.933; Kijko-Smit b 0.943, rate 0.957; mean relative
    # error of Weichert's b -0.001
    for key, value in coverage.items():
        assert 0.91 <= value <= 0.985, (key, value)
    assert abs(np.mean(rel_err)) < 0.01


def test_weichert_beats_single_mc_on_incomplete_history():
    rng = np.random.default_rng(11)
    periods = [(0.0, 2.5), (50.0, 1.0)]
    m, t = stepwise_catalogue(50.0, 1.0, periods, 100.0, 0.1, rng)
    w = bp.estimate_b_weichert(m, t, periods, 0.1, end=100.0)
    assert abs(w.b - 1.0) < 3 * w.sigma
    # one Mc at the lowest value sees the missing small events of the first half
    from varpy.statistics.mags import estimate_b
    assert estimate_b(m, 1.0, 0.1).b < 1.0 - 3 * w.sigma


def test_fixed_catalogue_against_seismostats_1_0_1():
    # 4,000 events without RNG: magnitudes >= 4.0 (b = 1, dm 0.1, capped at 7.9), years
    # spread over 1500-2000 (true rate above 4.0: 8 per year); completeness 6.0 since 1500,
    # 5.0 since 1880, 4.0 since 1940 (SeismoStats table [[3.95, 1940], [4.95, 1880],
    # [5.95, 1500]], last_year 2000)
    i = np.arange(4000)
    u = ((i * 0.6180339887498949) % 1.0) * 0.9999 + 0.00005
    m = np.minimum(np.round(3.95 - np.log(u) / np.log(10), 1), 7.9)
    years = (1500 + ((i * 0.7548776662466927) % 1.0) * 500).astype(int).astype(float)
    periods = [(1500.0, 6.0), (1880.0, 5.0), (1940.0, 4.0)]
    ks = bp.estimate_b_kijko_smit(m, years, periods, 0.1, end=2000.0)
    # estimate_b_kijko_smit of SeismoStats 1.0.1: b 0.9894422695924369, std 0.0418115671977144
    assert ks.b == pytest.approx(0.9894422695924369, rel=1e-12)
    assert ks.sigma == pytest.approx(0.0418115671977144, rel=1e-12)
    # its rate (7.2217) divides by last_year - t_complete (60, 120, 500 years) instead of the
    # periods' own durations (60, 60, 380); Kijko & Smit's eq. 10 uses the latter
    assert ks.rate == pytest.approx(8.0, abs=2 * ks.rate_sigma)
    w = bp.estimate_b_weichert(m, years, periods, 0.1, end=2000.0, m_max=7.9)
    # SeismoStats 1.0.1 estimate_b_weichert gives b 0.97564 here: it sums only the
    # (magnitude, period) groups holding events, leaving the empty bins out of the exposure
    assert w.b == pytest.approx(1.0, abs=2 * w.sigma)
    assert w.rate == pytest.approx(8.0, abs=2 * w.rate_sigma)
