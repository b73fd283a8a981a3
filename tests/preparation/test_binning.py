"""Tests of varpy.preparation.binning."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from varpy.exceptions import DataFormatError
from varpy.preparation import binning


def test_binning_is_exact_and_keeps_nan():
    out = binning.bin_magnitudes([1.23, 1.25, 1.149999, np.nan, -0.05, 12 * 0.1], 0.1)
    assert out[:3].tolist() == [1.2, 1.3, 1.1]
    assert np.isnan(out[3]) and out[4] == 0.0 and out[5] == 1.2


def test_tie_rule_is_half_up_for_every_width():
    assert binning.bin_magnitudes([0.25, 0.35, -0.25], 0.1).tolist() == [0.3, 0.4, -0.2]
    assert binning.bin_magnitudes([0.025, 0.075], 0.05).tolist() == [0.05, 0.1]
    assert binning.bin_magnitudes([0.1, 0.3], 0.2).tolist() == [0.2, 0.4]


def test_legacy_reproduces_varpy2016_mag_prep():
    m = [1.2, 1.45, 0.05, 0.1, 2.0]
    legacy = binning.bin_magnitudes(m, 0.1, legacy=True, m_min=0.1)
    assert legacy.tolist() == [1.2000000000000002, 1.5, 0.1, 2.0]
    assert binning.bin_magnitudes(m, 0.1, m_min=0.1).tolist() == [1.2, 1.5, 0.1, 2.0]


def test_dataframe_and_series_are_returned_as_such():
    cat = pd.DataFrame({"time": [1.0, 2.0, 3.0], "magnitude": [0.04, 1.26, np.nan]},
                       index=[5, 6, 7])
    out = binning.bin_magnitudes(cat, 0.1)
    assert isinstance(out, pd.DataFrame) and out.index.tolist() == [5, 6, 7]
    assert out["magnitude"].tolist()[:2] == [0.0, 1.3]
    assert cat["magnitude"].iloc[0] == 0.04          # input untouched
    dropped = binning.bin_magnitudes(cat, 0.1, m_min=0.1)
    assert len(dropped) == 2 and dropped.index.tolist() == [0, 1]   # NaN kept, 0.04 dropped
    s = binning.bin_magnitudes(cat["magnitude"], 0.1, m_min=0.1)
    assert isinstance(s, pd.Series) and s.index.tolist() == [6, 7]
    with pytest.raises(DataFormatError, match="'mag'"):
        binning.bin_magnitudes(cat, 0.1, column="mag")


def test_select_complete_keeps_events_at_mc_unless_legacy():
    m = np.array([1.1, 1.2, 1.2000000000000002, 1.25, 1.3, np.nan])
    mc = 1.0000000000000002 + 0.2
    assert binning.select_complete(m, mc, 0.1).tolist() == [False, True, True, True, True,
                                                             False]
    assert binning.select_complete(m, mc, 0.1, legacy=True).tolist() == \
        [False, False, True, True, True, False]


def test_indices_centres_and_grid_checks():
    k = binning.bin_indices([0.95, 1.04999, 1.05], 0.1)
    assert k.tolist() == [10, 10, 11]
    assert binning.bin_centres(k, 0.1).tolist() == [1.0, 1.0, 1.1]
    assert binning.is_binned([1.0, 1.1, np.nan], 0.1)
    assert not binning.is_binned([1.0, 1.15], 0.1)
    assert binning.infer_dm([0.5, 1.0, 3.0]) == 0.5
    assert binning.infer_dm([1.03, 1.0]) == 0.01
    assert binning.infer_dm(np.random.default_rng(0).uniform(0, 3, 50)) is None


def test_legacy_candidates_drift_like_varpy():
    c = binning.legacy_candidates(1.0000000000000002, -0.4, 2.0)
    assert c[6] == 1.2000000000000002 and c.size == 24
    assert c[4] == 1.0 != 1.0000000000000002      # "maxc + 0" is not maxc
    # and the integer rule puts every one of them in the bin it is meant to be in
    assert binning.bin_indices(c, 0.1).tolist() == list(range(6, 30))
