"""The magnitude/time checks the estimators share (statistics.event_arrays)."""
from __future__ import annotations

import numpy as np
import pytest

from varpy.exceptions import DataFormatError
from varpy.statistics.event_arrays import paired_times, require_finite, time_order


def test_times_must_pair_with_magnitudes():
    m = np.array([1.0, 2.0, 3.0])
    with pytest.raises(DataFormatError, match="2 times for 3 magnitudes"):
        paired_times(m, [0.0, 1.0])
    assert paired_times(m, [[0.0], [1.0], [2.0]], dtype=float).tolist() == [0.0, 1.0, 2.0]


def test_time_order_is_stable_and_optional():
    m = np.array([1.0, 2.0, 3.0, 4.0])
    ordered, order = time_order(m, [2.0, 1.0, 2.0, 0.0])
    assert order.tolist() == [3, 1, 0, 2] and ordered.tolist() == [4.0, 2.0, 1.0, 3.0]
    same, none = time_order(m, None)
    assert same is m and none is None


def test_non_finite_values_are_located():
    with pytest.raises(DataFormatError, match="time at position 2 is"):
        require_finite(np.array([0.0, 1.0, np.inf]), "time")
    require_finite(np.array([]))
