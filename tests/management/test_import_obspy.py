"""Round trip varpy catalogue -> ObsPy Catalog -> varpy catalogue (hypothesis)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from varpy.management.importers import from_obspy_catalog, to_obspy_catalog

# 1678-01-01 .. 2261-12-31 in ns, the range varpy tables can hold
NS_MIN, NS_MAX = -9_183_110_400 * 10**9, 9_214_646_399 * 10**9

finite_or_nan = lambda lo, hi: st.one_of(  # noqa: E731
    st.floats(lo, hi, allow_nan=False), st.just(float("nan")))


@st.composite
def catalogues(draw):
    n = draw(st.integers(1, 12))
    times = draw(st.lists(st.integers(NS_MIN, NS_MAX), min_size=n, max_size=n))
    return pd.DataFrame({
        "time": pd.to_datetime(np.array(times, dtype=np.int64), unit="ns", utc=True),
        "latitude": draw(st.lists(finite_or_nan(-90, 90), min_size=n, max_size=n)),
        "longitude": draw(st.lists(finite_or_nan(-180, 180), min_size=n, max_size=n)),
        "depth": draw(st.lists(finite_or_nan(-5, 700), min_size=n, max_size=n)),
        "magnitude": draw(st.lists(finite_or_nan(-3, 9.5), min_size=n, max_size=n)),
        "event_id": [f"ev{i}-{draw(st.integers(0, 10**6))}" for i in range(n)],
        "magnitude_type": draw(st.lists(st.sampled_from(["ML", "MD", "Mw", None]),
                                        min_size=n, max_size=n)),
    })


@settings(max_examples=60, deadline=None)
@given(catalogues())
def test_obspy_round_trip_keeps_times_and_values(cat):
    back = from_obspy_catalog(to_obspy_catalog(cat))
    expected = cat.sort_values("time", kind="stable").reset_index(drop=True)
    assert len(back) == len(cat)
    # times: exact to the nanosecond, hence to the microsecond
    np.testing.assert_array_equal(back["time"].array.asi8, expected["time"].array.asi8)
    for col in ("latitude", "longitude", "magnitude"):
        np.testing.assert_array_equal(back[col].to_numpy(), expected[col].to_numpy())
    # depth goes km -> m -> km: equal to rounding
    np.testing.assert_allclose(back["depth"], expected["depth"], rtol=1e-14, atol=0)
    assert back["event_id"].tolist() == expected["event_id"].tolist()
    assert (back["magnitude_type"].fillna("-").tolist()
            == expected["magnitude_type"].fillna("-").tolist())
    assert str(back["time"].dtype) == "datetime64[ns, UTC]"
