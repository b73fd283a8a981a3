"""The vectorised date parser of the importers against pandas and the standard library."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from varpy.management.importers import _parsing as P

FORMATS = ["%d-%m-%Y", "%d/%m/%Y", "%d-%m-%Y %H:%M:%S", "%Y%m%d%H%M", "%H:%M:%S"]


def pandas_reference(strings, fmt):
    """pandas.to_datetime with the explicit format, restricted to datetime64[ns] years."""
    parsed = pd.to_datetime(pd.Series(strings, dtype="str"), format=fmt, errors="coerce")
    ok = parsed.notna().to_numpy().copy()
    if "%Y" in fmt:
        ok &= ((parsed.dt.year >= P.YEAR_MIN) & (parsed.dt.year <= P.YEAR_MAX)).to_numpy()
    ns = parsed.where(ok).astype("datetime64[ns]").to_numpy().view(np.int64)
    if "%Y" not in fmt:
        ns = ns - pd.Timestamp("1900-01-01").value
    return ns, ok


# zero-padded fields with out-of-range values (day 0/32, month 13, hour 24, Feb 29 of
# non-leap years, year outside 1678-2261) and the odd non-digit
digits = lambda width, hi: st.integers(0, hi).map(lambda v: f"{v:0{width}d}")  # noqa: E731
field = {
    "d": st.one_of(digits(2, 39), st.just("x1")), "m": digits(2, 14),
    "Y": st.one_of(st.integers(1600, 2300).map(str), st.just("19a9")),
    "H": digits(2, 25), "M": digits(2, 61), "S": digits(2, 61),
}


@st.composite
def formatted(draw, fmt):
    out, i = [], 0
    while i < len(fmt):
        if fmt[i] == "%":
            out.append(draw(field[fmt[i + 1]]))
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_fast_parser_agrees_with_pandas(fmt, data):
    strings = data.draw(st.lists(formatted(fmt), min_size=1, max_size=40))
    ns, ok = P.datetime_ns(pd.Series(strings, dtype="str"), fmt)
    ref_ns, ref_ok = pandas_reference(strings, fmt)
    np.testing.assert_array_equal(ok, ref_ok)
    np.testing.assert_array_equal(ns[ok], ref_ns[ref_ok])


def test_fast_path_is_taken_for_padded_strings():
    values = pd.Series(["01-02-2000", "29-02-2000"], dtype="str")
    assert P._code_matrix(values, 10) is not None
    assert P._code_matrix(pd.Series(["1-02-2000"], dtype="str"), 10) is None


def test_unpadded_values_use_pandas_path():
    ns, ok = P.datetime_ns(pd.Series(["5:24:05", "23:59:59", "24:00:00"], dtype="str"),
                           "%H:%M:%S")
    assert ok.tolist() == [True, True, False]
    assert ns[:2].tolist() == [19445 * 10**9, 86399 * 10**9]


@settings(max_examples=200, deadline=None)
@given(st.dates(dt.date(1678, 1, 1), dt.date(2261, 12, 31)))
def test_days_from_civil_matches_toordinal(day):
    expected = day.toordinal() - dt.date(1970, 1, 1).toordinal()
    assert int(P.days_from_civil(day.year, day.month, day.day)) == expected
    ns, ok = P.civil_ns([day.year], [day.month], [day.day])
    assert ok[0] and ns[0] == expected * 86_400 * 10**9
