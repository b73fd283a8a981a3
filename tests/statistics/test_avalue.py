"""a-values (varpy.statistics.avalue): SeismoStats' classic reference values, hand-computed
positive cases, and rate recovery with interval coverage under improving completeness."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from varpy.exceptions import DataFormatError, FitError
from varpy.statistics import avalue as av
from varpy.statistics.bvalue_positive import BATCHES

from ._incomplete import stepwise_catalogue


def test_classic_reference_values():
    # SeismoStats test_estimate_a_classic: magnitudes 1..10, mc = 1
    m = np.arange(1.0, 11.0)
    assert av.estimate_a(m, 1.0, 0.0).a == 1.0
    assert av.estimate_a(m, 1.0, 0.0, b=1.0, m_ref=0.0).a == 2.0
    assert av.estimate_a(m, 1.0, 0.0, scaling=10).a == 0.0
    # ClassicAValueEstimator docstring: ten magnitudes, mc 2.0, dm 0.1 -> 1.0
    m2 = [2.1, 2.3, 2.0, 2.0, 2.1, 2.2, 2.1, 2.3, 2.0, 2.0]
    assert av.estimate_a(m2, 2.0, 0.1).a == 1.0
    with pytest.raises(DataFormatError):
        av.estimate_a(m, 1.0, 0.0, m_ref=0.0)               # needs b


def test_conventions_and_sigma():
    m = np.full(100, 1.0)
    centre = av.estimate_a(m, 1.0, 0.1, b=1.0, m_ref=0.0)
    edge = av.estimate_a(m, 1.0, 0.1, b=1.0, m_ref=0.0, convention="edge")
    assert centre.a == pytest.approx(3.0)
    assert edge.a == pytest.approx(2.95)                    # counted from the edge 0.95
    assert centre.sigma == pytest.approx(1 / (math.log(10) * 10))
    with_b = av.estimate_a(m, 1.0, 0.1, b=1.0, b_sigma=0.1, m_ref=0.0)
    assert with_b.sigma == pytest.approx(math.hypot(1 / (math.log(10) * 10), 0.1))


def test_positive_by_hand():
    m = [1.0, 1.2, 1.0, 1.5]
    t = [0.0, 1.0, 2.0, 4.0]
    fit = av.estimate_a_positive(m, t, 0.1, 1.0)
    # intervals 1, 1, 2 at levels 1.1, 1.3, 1.1 above mc 1.0; positive: first and last
    exposure = 1 * 10 ** -0.1 + 1 * 10 ** -0.3 + 2 * 10 ** -0.1
    assert fit.n == 2
    assert fit.rate == pytest.approx(2 / exposure, rel=1e-12)
    assert fit.a == pytest.approx(math.log10(2 / exposure * 4.0), rel=1e-12)
    more = av.estimate_a_more_positive(m, t, 0.1, 1.0)
    # 1.0@0 -> 1.2@1 (1), 1.2@1 -> 1.5@4 (3), 1.0@2 -> 1.5@4 (2), 1.5@4: censored at 4 (0)
    exposure = 1 * 10 ** -0.1 + 3 * 10 ** -0.3 + 2 * 10 ** -0.1
    assert more.n == 3
    assert more.rate == pytest.approx(3 / exposure, rel=1e-12)


def test_errors():
    with pytest.raises(FitError):
        av.estimate_a_positive([2.0, 1.0], [0.0, 1.0], 0.1, 1.0)
    with pytest.raises(DataFormatError):
        av.estimate_a_positive([1.0, 2.0], [0.0], 0.1, 1.0)
    with pytest.raises(DataFormatError):
        av.estimate_a_positive([1.0, 2.0], [0.0, 1.0], 0.0, 1.0)     # continuous: delta
    with pytest.raises(DataFormatError):
        av.a_method_name("b-positive")


def test_recovery_and_coverage_under_improving_completeness():
    # true rate 40 per unit time at or above mc = 1.0; completeness 2.5 -> 1.0 in steps,
    # so the classic count undercounts while both positive estimators recover the rate
    periods = [(0.0, 2.5), (40.0, 1.8), (70.0, 1.0)]
    true_a = math.log10(40.0 * 100.0)
    q_more = stats.t.ppf(0.975, BATCHES - 1)
    hits = {"positive": 0, "more_positive": 0}
    errs = {"positive": [], "more_positive": [], "classic": []}
    n_cat = 0
    for b_true in (0.9, 1.2):
        for seed in range(100):
            rng = np.random.default_rng(7000 + 100 * int(10 * b_true) + seed)
            m, t = stepwise_catalogue(40.0, b_true, periods, 100.0, 0.1, rng)
            p = av.estimate_a_positive(m, t, 0.1, b_true, mc=1.0, time_span=100.0)
            mp = av.estimate_a_more_positive(m, t, 0.1, b_true, mc=1.0, time_span=100.0,
                                             end=100.0)
            hits["positive"] += abs(p.a - true_a) <= 1.96 * p.sigma
            hits["more_positive"] += abs(mp.a - true_a) <= q_more * mp.sigma
            errs["positive"].append(p.a - true_a)
            errs["more_positive"].append(mp.a - true_a)
            errs["classic"].append(av.estimate_a(m, 1.0, 0.1).a - true_a)
            n_cat += 1
    # measured coverage: positive 0.960, more-positive 0.950 (200 catalogues); mean error
    # -0.0001 and -0.0007, classic -0.45
    assert 0.91 <= hits["positive"] / n_cat <= 0.985
    assert 0.91 <= hits["more_positive"] / n_cat <= 0.985
    assert abs(np.mean(errs["positive"])) < 0.005
    assert abs(np.mean(errs["more_positive"])) < 0.005
    assert np.mean(errs["classic"]) < -0.1                  # the incomplete count
