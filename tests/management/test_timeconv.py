"""Time scales: VarPy ordinal days, days since a reference, user strings."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

from varpy.management import timeconv as tc


def test_ordinal_matches_python_date_toordinal():
    # VarPy's scale is date.toordinal() + day fraction (varpy-2016.md §1.1).
    for day in (dt.date(1, 1, 1), dt.date(1999, 8, 19), dt.date(2011, 8, 1), dt.date(2038, 1, 20)):
        ts = pd.Timestamp(day).tz_localize("UTC") if day.year > 1677 else None
        if ts is None:
            continue
        assert tc.to_ordinal_days(ts) == day.toordinal()


def test_published_epoch_values():
    # varpy-2016.md §14.2: t_min 01-08-2011 is ordinal 734350 and t_forc 734867 is 30-12-2012.
    assert tc.to_ordinal_days(tc.parse_time("01-08-2011")) == 734350.0
    assert tc.to_ordinal_days(tc.parse_time("01-01-2013")) == 734869.0
    assert tc.from_ordinal_days(734867.0) == pd.Timestamp("2012-12-30", tz="UTC")
    assert tc.format_day(tc.from_ordinal_days(734381 + 662)) == "24-06-2013"


def test_fraction_of_day():
    t = pd.Timestamp("2012-12-30 18:00", tz="UTC")
    assert tc.to_ordinal_days(t) == 734867.75


def test_day_first_parsing_is_the_default():
    assert tc.parse_time("05/02/1981") == pd.Timestamp("1981-02-05", tz="UTC")
    assert tc.parse_time("05/02/1981", dayfirst=False) == pd.Timestamp("1981-05-02", tz="UTC")
    assert tc.parse_time("2011-10-10T12:00:00Z") == pd.Timestamp("2011-10-10 12:00", tz="UTC")
    assert tc.parse_time("10-10-2011 12:30:15") == pd.Timestamp("2011-10-10 12:30:15", tz="UTC")


@pytest.mark.parametrize("bad", ["32-01-2011", "2011-13-01", "yesterday", ""])
def test_bad_strings_raise_with_accepted_forms(bad):
    with pytest.raises(ValueError, match="expected|cannot parse|not a valid"):
        tc.parse_time(bad)


def test_numbers_are_refused_not_guessed():
    with pytest.raises(TypeError, match="from_ordinal_days"):
        tc.parse_time(734350)


@given(st.integers(min_value=0, max_value=4_000_000_000_000_000_000 // 1000))
def test_ordinal_round_trip_to_the_microsecond(ns_from_epoch):
    t = pd.DatetimeIndex([pd.Timestamp(ns_from_epoch * 1000, tz="UTC")])
    back = tc.from_ordinal_days(tc.to_ordinal_days(t))
    # float64 ordinal days carry ~15.9 significant digits: ~10 microseconds at 7e5 days.
    assert abs((back[0] - t[0]).total_seconds()) < 2e-5


# datetime64[ns] spans 1677-2262, i.e. about +-84,000 days around 2000.
@given(st.floats(min_value=-8e4, max_value=8e4, allow_nan=False))
def test_days_round_trip(days):
    ref = "2000-01-01"
    t = tc.from_days(days, ref)
    assert tc.to_days(t, ref) == pytest.approx(days, abs=1e-9)


def test_float_time_for_lab_seconds_and_nat():
    assert np.array_equal(tc.to_float_time(np.array([1.0, 2.5]), origin=1.0), [0.0, 1.5])
    idx = pd.DatetimeIndex(["2000-01-02", None], tz="UTC")
    out = tc.to_float_time(pd.Series(idx), origin="2000-01-01")
    assert out[0] == 1.0 and np.isnan(out[1])


def test_out_of_range_days_raise_clearly():
    with pytest.raises(ValueError, match="1677"):
        tc.from_days(1e6, "2000-01-01")
