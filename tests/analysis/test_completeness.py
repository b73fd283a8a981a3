"""Tests of the user-facing Stepp completeness function (varpy.analysis.completeness).

The method itself is validated in tests/statistics/test_stepp.py (synthetic recovery over
seeds, hand-computed counts, the likelihood-ratio statistic against scipy). Reference R9
(hmtk's table on its AGPL test catalogue) could not be checked; see that module's docstring.
"""
from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from varpy.analysis import completeness
from varpy.analysis.completeness import SteppResult, from_decimal_years, stepp, to_decimal_years
from varpy.exceptions import DataFormatError, DataWarning, FitError
from varpy.management.models import ModelOutput
from varpy.statistics import stepp as st_stepp


def stepped_years(seed, rate=20.0):
    """Decimal-year catalogue: M >= 5 complete since 1900, M >= 4.5 since 1960, M >= 4 since
    1990 (Gutenberg-Richter magnitudes with b = 1, rounded to 0.1)."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate * 120)
    t = np.sort(rng.uniform(1900.0, 2020.0, n))
    m = np.round(4.0 - np.log10(rng.uniform(size=n)), 1)
    keep = m >= np.where(t < 1960.0, 5.0, np.where(t < 1990.0, 4.5, 4.0))
    return t[keep], m[keep]


@pytest.fixture(scope="module")
def catalogue():
    t, m = stepped_years(7)
    return pd.DataFrame({"time": from_decimal_years(t), "magnitude": m,
                         "latitude": 0.0, "longitude": 0.0, "depth": 5.0})


# ---------------------------------------------------------------------------------------------
# decimal years
# ---------------------------------------------------------------------------------------------

def test_decimal_years_known_values():
    x = to_decimal_years(pd.to_datetime(["2020-07-01 12:00", "2021-07-01 12:00",
                                         "1900-01-01 00:00", None], utc=True))
    assert x[0] == pytest.approx(2020 + 182.5 / 366, abs=1e-12)      # leap year
    assert x[1] == pytest.approx(2021 + 181.5 / 365, abs=1e-12)
    assert x[2] == 1900.0
    assert math.isnan(x[3])


def test_decimal_years_round_trip_to_float_resolution():
    rng = np.random.default_rng(0)
    ns = rng.integers(pd.Timestamp("1700-01-01").value, pd.Timestamp("2200-01-01").value, 1000)
    times = pd.DatetimeIndex(ns.astype("datetime64[ns]")).tz_localize("UTC").floor("us")
    back = from_decimal_years(to_decimal_years(times))
    # float64 resolves ~7 us in a decimal year near 2000 (ulp 2.3e-13 yr)
    assert np.max(np.abs((back - times).asi8)) <= 10_000
    assert math.isnan(to_decimal_years(from_decimal_years([np.nan]))[0])


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------

def test_datetime_catalogue_matches_decimal_year_arrays(catalogue):
    res = stepp(catalogue, start="1900-01-01", end="2020-01-01")
    years = to_decimal_years(catalogue["time"])
    ref = st_stepp.stepp(years, catalogue["magnitude"].to_numpy(), 0.5, 5.0, start=1900.0,
                         end=2020.0)
    np.testing.assert_array_equal(res.completeness_start, ref.completeness_start)
    np.testing.assert_array_equal(res.counts, ref.counts)
    assert res.calendar and res.time_unit == "year"
    assert res.completeness_start[:3].tolist() == [1990.0, 1960.0, 1900.0]
    starts = res.start_times()
    assert starts[0] == pd.Timestamp("1990-01-01", tz="UTC")
    assert starts[1] == pd.Timestamp("1960-01-01", tz="UTC")


def test_arrays_and_float_times(catalogue):
    years = to_decimal_years(catalogue["time"])
    a = stepp(catalogue["magnitude"].to_numpy(), times=years, start=1900.0, end=2020.0)
    b = stepp(catalogue.assign(time=years), start=1900.0, end=2020.0)
    assert not a.calendar and a.start_times() is None
    np.testing.assert_array_equal(a.completeness_start, b.completeness_start)
    # naive datetimes are taken as UTC
    naive = catalogue.assign(time=catalogue["time"].dt.tz_localize(None))
    c = stepp(naive, start="1900-01-01", end="2020-01-01")
    np.testing.assert_array_equal(c.completeness_start, b.completeness_start)


def test_seconds_with_a_time_unit_label():
    rng = np.random.default_rng(4)
    t = np.sort(rng.uniform(0.0, 3600.0, 3000))
    m = -6.0 - np.log10(rng.uniform(size=t.size))
    keep = m >= np.where(t < 1800.0, -5.5, -6.0)       # small AE complete after 1800 s
    res = stepp(pd.DataFrame({"time": t[keep], "magnitude": m[keep]}), time_bin=120.0,
                start=0.0, end=3600.0, time_unit="s")
    assert res.completeness_start[0] == 1800.0
    assert res.magnitude_classes[0] == -6.0
    assert "120 s" in res.summary()


def test_missing_values_are_ignored(catalogue):
    holes = catalogue.copy()
    holes.loc[::17, "magnitude"] = np.nan
    holes.loc[5::23, "time"] = pd.NaT
    dropped = holes.dropna(subset=["time", "magnitude"])
    a = stepp(holes, start="1900-01-01", end="2020-01-01")
    b = stepp(dropped, start="1900-01-01", end="2020-01-01")
    np.testing.assert_array_equal(a.counts, b.counts)
    assert a.n_events.sum() == len(dropped)


def test_bad_inputs_say_what_and_where(catalogue):
    with pytest.raises(DataFormatError) as info:
        stepp(catalogue.drop(columns="magnitude"))
    assert info.value.column == "magnitude"
    with pytest.raises(DataFormatError, match="times are missing"):
        stepp(np.array([4.0, 4.5]))
    with pytest.raises(DataFormatError) as info:
        stepp(np.array([4.0, 4.5]), times=[2000.0, 2010.0], start="2000-01-01")
    assert info.value.key == "start"
    with pytest.raises(DataFormatError) as info:
        stepp(catalogue.assign(magnitude="big"))
    assert info.value.column == "magnitude"
    with pytest.raises(DataFormatError, match="inf"):
        stepp(np.array([4.0, np.inf]), times=[2000.0, 2010.0])
    with pytest.raises(FitError):
        stepp(catalogue.iloc[:0])
    with pytest.raises(FitError, match="time_bin"):
        stepp(catalogue, start="2019-06-01")


# ---------------------------------------------------------------------------------------------
# result object
# ---------------------------------------------------------------------------------------------

def test_round_trip_through_json(catalogue):
    for res in (stepp(catalogue, min_events=20),
                stepp(catalogue["magnitude"].to_numpy(),
                      times=to_decimal_years(catalogue["time"]), increment_lock=False,
                      time_bin=2.0, alpha=0.05)):
        d = res.to_dict()
        text = json.dumps(d, allow_nan=False)
        back = SteppResult.from_dict(json.loads(text))
        assert back.to_dict() == d
        np.testing.assert_array_equal(back.counts, res.counts)
        np.testing.assert_array_equal(back.completeness_start, res.completeness_start)
        assert back.counts.dtype == np.int64 and back.n_events.dtype == np.int64
    assert np.isnan(stepp(catalogue, min_events=20).completeness_start).any()   # NaN stored


def test_model_output_rebuilds_the_result(catalogue):
    res = stepp(catalogue)
    out = ModelOutput.from_result("stepp", "completeness", res)
    assert out.result_type == SteppResult.result_type
    back = out.load_result()
    assert isinstance(back, SteppResult) and back.to_dict() == res.to_dict()


def test_curves_table_frame_and_summary(catalogue):
    res = stepp(catalogue, start="1900-01-01", end="2020-01-01")
    n_classes, n_windows = res.counts.shape
    assert n_windows == 24 and res.window_lengths[-1] == 120.0
    np.testing.assert_allclose(res.sigmas, np.sqrt(res.rates / res.window_lengths))
    # the complete-class line passes through the observed sigma at the crossover
    for i in range(n_classes):
        k = int(np.argmin(np.abs(res.window_lengths - res.completeness_period[i])))
        assert res.expected_sigmas[i, k] == pytest.approx(res.sigmas[i, k], rel=1e-12)
    table = res.completeness_table
    assert table.shape == (n_classes, 2)
    assert table[:3].tolist() == [[1990.0, 4.0], [1960.0, 4.5], [1900.0, 5.0]]
    frame = res.to_frame()
    assert list(frame.columns) == ["magnitude", "start", "start_time", "raw_start", "period",
                                   "n_events", "n_complete", "rate", "p_value"]
    assert frame["n_events"].sum() == len(catalogue)
    text = res.summary()
    assert "complete since 1990.00 (1990-01-01)" in text
    assert "M 4.5-5: complete since 1960.00" in text
    assert text.count("\n") == n_classes


def test_lock_conflict_warns_and_lock_off_does_not():
    t, m = stepped_years(5)
    # a burst of M 5.5-6 events in the last ten years: a rate change, not incompleteness
    t = np.concatenate([t, np.linspace(2010.5, 2019.5, 40)])
    m = np.concatenate([m, np.full(40, 5.7)])
    with pytest.warns(DataWarning, match="M 5 moved to the start of M 5.5"):
        res = stepp(m, times=t, start=1900.0, end=2020.0)
    assert res.completeness_start[2] == res.raw_start[3] > res.raw_start[2]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        free = stepp(m, times=t, start=1900.0, end=2020.0, increment_lock=False)
    np.testing.assert_array_equal(free.completeness_start, res.raw_start)
    assert "(locked; own estimate 1900" in res.summary()


def test_module_exports():
    assert set(completeness.__all__) == {"SteppResult", "stepp", "to_decimal_years",
                                         "from_decimal_years"}


# ---------------------------------------------------------------------------------------------
# real data
# ---------------------------------------------------------------------------------------------

def test_etna_catalogue_runs_and_respects_the_invariants(shared_data):
    from varpy.management import importers

    cat = importers.read(shared_data / "etna" / "Etna_INGVCT_C1_99-onwards.txt", "ecvd",
                         format="Etna")
    with warnings.catch_warnings():
        # Etna's rate changes with its eruptions: the lock-conflict warning is expected
        warnings.simplefilter("ignore", DataWarning)
        res = stepp(cat, magnitude_bin=0.5, time_bin=1.0, magnitude_min=1.0)
    assert res.n_events.sum() == int((cat["magnitude"] >= 1.0).sum())
    assert res.start == pytest.approx(to_decimal_years(cat["time"].iloc[[0]])[0])
    assert res.counts.shape == (res.magnitude_classes.size, 15)
    s = res.completeness_start
    assert np.all(np.diff(s[np.isfinite(s)]) <= 0)
    assert np.all((s >= res.start) & (s < res.end))
