"""Property tests (hypothesis) of the issue-17 estimators: the next-larger search against brute
force, shift invariance of b-more-positive and Weichert, and time-scale invariance of the
positive a-values."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from varpy.exceptions import FitError
from varpy.statistics import avalue, bvalue_periods, bvalue_positive

bins = st.lists(st.integers(min_value=0, max_value=30), min_size=2, max_size=60)


@settings(max_examples=60, deadline=None)
@given(bins, st.integers(min_value=1, max_value=5))
def test_next_larger_is_the_first_later_element_delta_above(values, d):
    v = np.asarray(values, dtype=float)
    got = bvalue_positive.next_larger(v, d)
    for i, j in enumerate(got):
        later = [k for k in range(i + 1, v.size) if v[k] >= v[i] + d]
        assert j == (later[0] if later else -1)


@settings(max_examples=40, deadline=None)
@given(bins, st.integers(min_value=-20, max_value=20))
def test_b_more_positive_is_shift_invariant(values, shift):
    m = np.asarray(values, dtype=float) / 10
    shifted = (np.asarray(values) + shift) / 10
    try:
        a = bvalue_positive.estimate_b_more_positive(m, 0.1)
    except FitError:                # no pair at all: the shifted one must fail alike
        try:
            bvalue_positive.estimate_b_more_positive(shifted, 0.1)
        except FitError:
            return
        raise AssertionError("only the shifted catalogue has pairs") from None
    b = bvalue_positive.estimate_b_more_positive(shifted, 0.1)
    assert a.n == b.n
    assert (math.isnan(a.b) and math.isnan(b.b)) or math.isclose(a.b, b.b, rel_tol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=10, max_value=40), min_size=20, max_size=80),
       st.floats(min_value=0.01, max_value=100.0))
def test_positive_a_values_do_not_depend_on_the_time_unit(values, factor):
    m = np.asarray(values, dtype=float) / 10
    t = np.cumsum(1.0 + (np.arange(m.size) * 0.618) % 1.0)
    for est in (avalue.estimate_a_positive, avalue.estimate_a_more_positive):
        try:
            a1 = est(m, t, 0.1, 1.0)
        except FitError:
            continue
        a2 = est(m, t * factor, 0.1, 1.0)
        # the count over the catalogue's own span is the same in any time unit
        assert math.isclose(a1.a, a2.a, rel_tol=1e-9, abs_tol=1e-9)
        assert math.isclose(a1.rate, a2.rate * factor, rel_tol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=10, max_value=45), min_size=10, max_size=80),
       st.integers(min_value=-10, max_value=10))
def test_weichert_shift_invariant(values, shift):
    m = np.asarray(values, dtype=float) / 10
    t = np.linspace(0.0, 10.0, m.size)
    periods = [(0.0, 1.5), (5.0, 1.0)]
    shifted = [(s, c + shift / 10) for s, c in periods]
    try:
        a = bvalue_periods.estimate_b_weichert(m, t, periods, 0.1, end=10.0)
    except FitError:
        return
    b = bvalue_periods.estimate_b_weichert((np.asarray(values) + shift) / 10, t, shifted, 0.1,
                                           end=10.0)
    assert math.isclose(a.b, b.b, rel_tol=1e-7)
    assert math.isclose(a.rate, b.rate, rel_tol=1e-7)
