"""b_value dispatch to b-more-positive, Weichert and Kijko-Smit (varpy.analysis.bvalue_more),
their result contract, and the datatype methods of issue 17 stored with the project."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import varpy
from varpy.analysis import a_value, b_significance, b_value, bvalue_more, rate_change
from varpy.analysis.magnitude_results import BValueResult
from varpy.exceptions import DataFormatError
from varpy.statistics import bvalue_periods, bvalue_positive
from varpy.statistics.mags import simulate_gr


def _catalogue(n=3000, seed=3):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 100, n))
    m = simulate_gr(n, 1.0, 1.0, 0.1, seed=seed + 1)
    return pd.DataFrame({"magnitude": m, "time": pd.Timestamp("2020-01-01", tz="UTC")
                         + pd.to_timedelta(t, unit="D")}), m, t


def test_dispatch_matches_statistics():
    cat, m, t = _catalogue()
    r = b_value(cat, method="b-more-positive")
    assert isinstance(r, BValueResult) and r.method == "b_more_positive"
    assert r.b == bvalue_positive.estimate_b_more_positive(m, 0.1, times=t).b
    assert r.uncertainty == "batch_means" and r.ci[0] < r.b < r.ci[1]
    periods = [("2020-01-01", 1.5), ("2020-02-15", 1.0)]
    w = b_value(cat, method="weichert", periods=periods)
    days = (cat["time"] - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds() / 86400
    t0 = (pd.Timestamp("2020-01-01", tz="UTC") - pd.Timestamp("1970-01-01", tz="UTC")).days
    ref = bvalue_periods.estimate_b_weichert(m, days.to_numpy(), [(t0, 1.5), (t0 + 45, 1.0)],
                                             0.1)
    assert w.b == pytest.approx(ref.b, rel=1e-12)
    assert w.rate == pytest.approx(ref.rate, rel=1e-12)
    assert w.counts == list(ref.counts)
    yearly = b_value(cat, method="weichert", periods=periods, time_unit="year")
    assert yearly.rate == pytest.approx(w.rate * 365.25, rel=1e-9)
    assert yearly.b == pytest.approx(w.b, rel=1e-12)
    # one period given by mc: Weichert is Tinti-Mulargia, Kijko-Smit (utsu) is Utsu
    assert b_value(cat, mc=1.0, method="weichert").b == pytest.approx(
        b_value(cat, mc=1.0).b, rel=1e-10)
    assert b_value(cat, mc=1.0, method="kijko_smit").b == pytest.approx(
        b_value(cat, mc=1.0, method="utsu").b, rel=1e-12)


@pytest.mark.parametrize("method", ["b_more_positive", "weichert", "kijko_smit"])
def test_round_trip_and_summary(method):
    cat, _, _ = _catalogue(1500, seed=8)
    r = b_value(cat, mc=1.0, method=method)
    assert type(r).from_dict(r.to_dict()).to_dict() == r.to_dict()
    assert "b = " in r.summary()


def test_errors():
    cat, _, _ = _catalogue(500)
    with pytest.raises(DataFormatError):
        b_value(cat, method="weichert")                     # no completeness history
    with pytest.raises(DataFormatError):
        b_value(cat, mc=1.0, periods=[("2020-01-01", 1.0)])  # periods for a classic method
    with pytest.raises(DataFormatError):
        b_value(cat, method="weichert", mc=1.0, periods=[("2020-01-01", 1.0)])
    with pytest.raises(DataFormatError):
        b_value(cat["magnitude"].to_numpy(), method="kijko_smit", mc=1.0)   # no times
    assert bvalue_more.more_method_name("Kijko-Smit") == "kijko_smit"
    assert bvalue_more.more_method_name("utsu") is None


def test_datatype_methods_are_stored(tmp_path):
    cat, _, _ = _catalogue(3000, seed=5)
    cat["latitude"] = 37.7
    cat["longitude"] = 15.0
    cat["depth"] = 5.0
    v = varpy.Volcanic("Test", root=tmp_path)
    path = tmp_path / "cat.csv"
    out = cat.copy()
    out["time"] = out["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    out.to_csv(path, index=False)
    v.add_datatype("ecvd", path, format="csv",
                   columns={c: c for c in ("time", "latitude", "longitude", "depth",
                                           "magnitude")})
    b = v.ecvd.b_value(mc=1.0, method="weichert")
    a = v.ecvd.a_value("positive", mc=1.0, b=1.0)
    s = v.ecvd.b_significance(1.0, n_m=100)
    z = v.ecvd.rate_change(window="10D", bin_width="1D")
    assert b.to_dict() == b_value(v.ecvd.dataset, mc=1.0, method="weichert").to_dict()
    assert a.to_dict() == a_value(v.ecvd.dataset, "positive", mc=1.0, b=1.0).to_dict()
    assert s.to_dict() == b_significance(v.ecvd.dataset, 1.0, n_m=100).to_dict()
    assert z.to_dict() == rate_change(v.ecvd.dataset, window="10D", bin_width="1D").to_dict()
    again = varpy.open(v.path)
    assert {"b_weichert", "a_positive", "b_significance", "rate_change_z"} <= set(
        again.ecvd.outputs)
    for name, res in (("b_weichert", b), ("a_positive", a), ("b_significance", s),
                      ("rate_change_z", z)):
        stored = again.ecvd.outputs[name]["result"]
        assert type(res).from_dict(stored).to_dict() == res.to_dict()
