"""Tests of the user-facing magnitude analysis (varpy.analysis.magnitudes)."""
from __future__ import annotations

import dataclasses
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from varpy.analysis import magnitudes as M
from varpy.exceptions import DataFormatError, FitError, FitWarning, UnknownFormatError
from varpy.statistics import mags


# ---------------------------------------------------------------------------------------------
# Etna: VarPy 2016 numbers (varpy-2016.md §14.3) and varpy's own
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def etna_window(shared_data):
    """Etna INGV-CT events in VarPy's single-forecast window, parsed locally.

    Latitude [37.5, 37.9), longitude [14.7, 15.3), time [01-08-2011, 01-01-2013). The 0.0
    magnitude placeholder of INGV-CT becomes NaN, as the importer does.
    """
    path = shared_data / "etna" / "Etna_INGVCT_C1_99-onwards.txt"
    raw = pd.read_csv(path, sep="\t", header=None, usecols=range(7),
                      names=["event_id", "date", "clock", "latitude", "longitude", "depth",
                             "magnitude"])
    time = pd.to_datetime(raw["date"] + " " + raw["clock"], format="%d-%m-%Y %H:%M:%S",
                          utc=True)
    cat = pd.DataFrame({"time": time, "latitude": raw["latitude"],
                        "longitude": raw["longitude"], "depth": raw["depth"],
                        "magnitude": raw["magnitude"].where(raw["magnitude"] != 0.0)})
    keep = (cat.latitude.between(37.5, 37.9, inclusive="left")
            & cat.longitude.between(14.7, 15.3, inclusive="left")
            & (cat.time >= pd.Timestamp("2011-08-01", tz="UTC"))
            & (cat.time < pd.Timestamp("2013-01-01", tz="UTC")))
    return cat[keep].sort_values("time").reset_index(drop=True)


def test_etna_varpy2016_reference_values(etna_window):
    """VarPy 2016 with m_min = mbin = 0.1 on the 701 events of the single-forecast window.

    maxc 1.0000000000000002, GFT 1.2000000000000002 ('95%'), MBS 1.5 (candidates
    maxc + arange(-0.7, 2.0, 0.1) in floating point), and GR at the GFT Mc b = 0.79890,
    sigma_b = 0.03413, a = 3.63078. The GR fit uses 470 events: VarPy's mag_prep turned 1.2
    into 12*0.1 = 1.2000000000000002, so its own ``m >= Mc`` kept them; the raw-magnitude
    filter of its rate models (``m >= 1.2000000000000002``) dropped them, leaving 394 events.
    """
    cat = etna_window
    assert len(cat) == 701
    assert M.mc(cat, "maxc", legacy=True).mc == 1.0000000000000002
    gft = M.mc(cat, "gft", legacy=True)
    assert gft.mc == 1.2000000000000002 and gft.details["criterion"] == "95%"
    assert M.mc(cat, "mbs", legacy=True).mc == 1.5
    gr = M.b_value(cat, mc=gft, legacy=True)
    assert (round(gr.b, 5), round(gr.sigma, 5), round(gr.a, 5)) == (0.79890, 0.03413, 3.63078)
    assert gr.n == 470 and gr.mc == 1.2000000000000002
    from varpy.preparation.binning import select_complete
    assert select_complete(cat, gr.mc, legacy=True).sum() == 394
    assert select_complete(cat, gr.mc).sum() == 470


def test_etna_varpy_values(etna_window):
    """varpy's defaults on the same 701 events (dm = 0.1, no m_min cut).

    * MAXC 1.0 (same mode); MAXC + 0.2 = 1.2.
    * GFT with incremental residuals (Wiemer & Wyss) never reaches R = 90 % on 701 events
      (best R = 85.7 % at 1.2: Poisson scatter of ~30 small bins), so the best-combination rule
      falls back to MAXC = 1.0; with VarPy's cumulative residuals R first reaches 95 % at 1.2,
      VarPy's value, now exactly 1.2.
    * MBS (Woessner & Wiemer, Tinti-Mulargia b, Shi-Bolt 2.30) 1.5, as VarPy.
    * EMR 1.0 (detection curve mu = 1.07, sigma = 0.27); KS (n_sim 10000) 1.1.
    * Above Mc = 1.2, 470 events: Utsu b = 0.79890 and Shi-Bolt 0.03413 as VarPy (same events,
      same formula); the exact discrete MLE (Tinti-Mulargia) gives 0.80116; the a-value at the
      lower bin edge is 3.5908, at the bin centre 3.63078 as VarPy.
    """
    cat = etna_window
    assert M.mc(cat, "maxc").mc == 1.0
    assert M.mc(cat, "maxc", correction=0.2).mc == 1.2
    gft = M.mc(cat, "gft")
    assert gft.mc == 1.0 and gft.details["criterion"] == "maxc"
    assert np.nanmax(gft.residuals) == pytest.approx(85.72, abs=0.01)
    cum = M.mc(cat, "gft", residuals="cumulative")
    assert cum.mc == 1.2 and cum.details["criterion"] == "95%"
    assert M.mc(cat, "mbs").mc == 1.5
    emr = M.mc(cat, "emr")
    assert emr.mc == 1.0
    assert emr.details["detection_mu"] == pytest.approx(1.07, abs=0.01)
    assert M.mc(cat, "ks", seed=0).mc == 1.1
    utsu = M.b_value(cat, mc=1.2, method="utsu")
    assert (utsu.n, round(utsu.b, 5), round(utsu.sigma, 5)) == (470, 0.79890, 0.03413)
    assert utsu.a == pytest.approx(3.5908, abs=1e-4)
    assert M.b_value(cat, mc=1.2, method="utsu", a_convention="centre").a == \
        pytest.approx(3.63078, abs=1e-5)
    assert M.b_value(cat, mc=1.2).b == pytest.approx(0.80116, abs=1e-5)


def test_etna_time_series(etna_window):
    ts = M.b_time_series(etna_window, mc=1.2, window=100)
    assert len(ts.frame) == 4 and ts.time_kind == "datetime"
    assert isinstance(ts.frame["time"].dtype, pd.DatetimeTZDtype)
    first = etna_window[M.mags.bin_index(etna_window.magnitude, 0.1) >= 12].iloc[:100]
    assert ts.frame["b"][0] == pytest.approx(M.b_value(first, mc=1.2).b, rel=1e-12)
    assert ts.frame["start"][0] == first["time"].iloc[0]


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalogue():
    rng = np.random.default_rng(4)
    m = mags.simulate_gr(4000, 1.0, 0.5, 0.1, seed=rng)
    t = pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(np.sort(rng.uniform(0, 400, m.size)),
                                                               unit="D")
    return pd.DataFrame({"time": t, "magnitude": m})


def test_dataframe_and_array_agree_and_nan_is_ignored(catalogue):
    m = catalogue["magnitude"].to_numpy().copy()
    with_nan = catalogue.copy()
    with_nan.loc[::7, "magnitude"] = np.nan
    a = M.b_value(with_nan, mc=0.5)
    b = M.b_value(m[~np.isnan(with_nan["magnitude"].to_numpy())], mc=0.5)
    assert a.to_dict() == b.to_dict()
    assert a.n == int(with_nan["magnitude"].notna().sum())
    assert M.mc(catalogue, "gft").mc == M.mc(m, "gft").mc


def test_pandas_nullable_magnitudes(catalogue):
    col = catalogue["magnitude"].astype("Float64")
    col.iloc[3] = pd.NA
    assert M.b_value(col, mc=0.5).n == len(col) - 1


def test_missing_column_names_it():
    with pytest.raises(DataFormatError, match="'magnitude'.*columns present: mag"):
        M.b_value(pd.DataFrame({"mag": [1.0, 2.0]}), mc=1.0)


def test_infinite_magnitude_is_refused():
    with pytest.raises(DataFormatError, match="row 1"):
        M.mc([1.0, np.inf, 2.0])


def test_unknown_names():
    with pytest.raises(UnknownFormatError, match="gft"):
        M.mc([1.0, 1.1], "bogus")
    with pytest.raises(UnknownFormatError, match="bootstrap"):
        M.b_value([1.0, 1.1, 1.2], mc=1.0, uncertainty="jackknife")
    with pytest.raises(DataFormatError, match="legacy"):
        M.mc([1.0, 1.1], "emr", legacy=True)


def test_too_few_events():
    with pytest.raises(FitError):
        M.b_value([1.0], mc=1.0)
    with pytest.raises(FitError, match="lowest bin"):
        M.b_value([1.0, 1.0, 1.0], mc=1.0)
    with pytest.raises(FitError):
        M.mc([np.nan, np.nan])


# ---------------------------------------------------------------------------------------------
# b-value options and results
# ---------------------------------------------------------------------------------------------

def test_mc_can_be_a_number_a_result_or_a_method(catalogue):
    res = M.mc(catalogue, "maxc", correction=0.2)
    by_result = M.b_value(catalogue, mc=res)
    by_name = M.b_value(catalogue, mc="maxc", mc_options={"correction": 0.2})
    by_value = M.b_value(catalogue, mc=res.mc)
    assert by_result.b == by_name.b == by_value.b
    assert by_result.mc_method == by_name.mc_method == "maxc" and by_value.mc_method is None


@pytest.mark.parametrize("uncertainty", M.UNCERTAINTIES)
def test_uncertainties_are_consistent(catalogue, uncertainty):
    r = M.b_value(catalogue, mc=0.5, uncertainty=uncertainty, seed=1, n_boot=2000)
    n = r.n
    assert r.sigma == pytest.approx(r.b / math.sqrt(n), rel=0.08)
    lo, hi = r.ci
    assert lo < r.b < hi and hi - lo == pytest.approx(2 * 1.96 * r.sigma, rel=0.1)


def test_bootstrap_is_seeded(catalogue):
    a = M.b_value(catalogue, mc=0.5, uncertainty="bootstrap", seed=3, n_boot=300)
    b = M.b_value(catalogue, mc=0.5, uncertainty="bootstrap", seed=3, n_boot=300)
    assert a.to_dict() == b.to_dict() and a.n_boot == 300


def test_shi_bolt_constant_option(catalogue):
    a = M.b_value(catalogue, mc=0.5)
    b = M.b_value(catalogue, mc=0.5, shi_bolt_constant=mags.LN10)
    assert b.sigma / a.sigma == pytest.approx(math.log(10) / 2.30)


def test_b_positive_uses_time_order(catalogue):
    shuffled = catalogue.sample(frac=1.0, random_state=1)
    a = M.b_value(catalogue, method="b_positive", delta=0.2)
    b = M.b_value(shuffled, method="b_positive", delta=0.2)
    assert a.b == b.b and math.isnan(a.a) and a.delta == 0.2
    assert abs(a.b - 1.0) < 3 * a.sigma
    boot = M.b_value(catalogue, method="b_positive", delta=0.2, uncertainty="bootstrap", seed=2)
    assert boot.sigma == pytest.approx(a.sigma, rel=0.15)


def test_weights(catalogue):
    m = catalogue["magnitude"].to_numpy()
    assert M.b_value(m, mc=0.5, weights=np.ones(m.size)).b == pytest.approx(
        M.b_value(m, mc=0.5).b, rel=1e-12)
    with pytest.raises(DataFormatError, match="weights"):
        M.b_value(m, mc=0.5, weights=np.ones(3))
    with pytest.raises(DataFormatError, match="bootstrap"):
        M.b_value(m, mc=0.5, weights=np.ones(m.size), uncertainty="bootstrap")


def test_continuous_magnitudes():
    m = mags.simulate_gr(3000, 1.3, 0.0, 0.0, seed=8)
    r = M.b_value(m, mc=0.0, dm=0.0, method="aki", uncertainty="aki")
    assert abs(r.b - 1.3) < 3 * r.sigma and r.dm == 0.0


def test_summary_mentions_the_numbers(catalogue):
    r = M.b_value(catalogue, mc=0.5)
    text = r.summary()
    assert f"{r.b:.3f}" in text and f"n = {r.n}" in text and "Tinti-Mulargia" in text
    res = M.mc(catalogue, "gft", n_boot=20, seed=1)
    assert "Mc = " in res.summary() and "bootstrap" in res.summary()
    assert "FMD of 4000 events" in M.fmd(catalogue).summary()


def _json_round_trip(result):
    d = result.to_dict()
    text = json.dumps(d, allow_nan=False)      # strictly JSON: NaN became None
    again = type(result).from_dict(json.loads(text))
    assert again.to_dict() == d
    return again


def test_result_round_trips(catalogue):
    _json_round_trip(M.fmd(catalogue))
    _json_round_trip(M.fmd(catalogue, legacy=True))
    for method in ("maxc", "gft", "mbs", "emr"):
        _json_round_trip(M.mc(catalogue, method, n_boot=10, seed=1))
    _json_round_trip(M.mc(catalogue, "ks", n_sim=200, seed=1))
    _json_round_trip(M.mc(catalogue, "gft", legacy=True))
    _json_round_trip(M.mc(catalogue, "mbs", legacy=True))
    r = _json_round_trip(M.b_value(catalogue, mc=0.5, uncertainty="bootstrap", seed=1))
    assert isinstance(r.ci, tuple)
    _json_round_trip(M.b_value(catalogue, method="b_positive"))
    _json_round_trip(M.b_time_series(catalogue, mc=0.5, window="60D", by="time"))
    _json_round_trip(M.mc_time_series(catalogue["magnitude"].to_numpy(), window=1000))
    ts = _json_round_trip(M.b_time_series(catalogue, mc="maxc", window=1000, step=500))
    assert isinstance(ts.frame["time"].dtype, pd.DatetimeTZDtype)


def test_mc_result_carries_plot_diagnostics(catalogue):
    gft = M.mc(catalogue, "gft")
    assert gft.candidates.shape == gft.residuals.shape == gft.b_values.shape
    mbs = M.mc(catalogue, "mbs")
    assert mbs.b_averages.shape == mbs.sigmas.shape == mbs.candidates.shape
    ks = M.mc(catalogue, "ks", n_sim=200, seed=1, stop_when_passed=False)
    assert np.all(np.isfinite(ks.p_values))
    emr = M.mc(catalogue, "emr")
    assert emr.log_likelihoods.shape == emr.candidates.shape


def test_mc_warns_when_nothing_is_found():
    m = mags.simulate_gr(60, 1.0, 0.0, 0.1, seed=1)
    with pytest.warns(FitWarning, match="no completeness"):
        r = M.mc(m, "mbs", min_events=50)
    assert math.isnan(r.mc)
    with pytest.raises(FitError, match="completeness could not be estimated"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            M.b_value(m, mc="mbs", mc_options={"min_events": 50})


def test_fmd_result(catalogue):
    f = M.fmd(catalogue)
    frame = f.to_frame()
    assert frame["incremental"].sum() == len(catalogue) == frame["cumulative"].iloc[0]
    assert frame["magnitude"].iloc[0] == catalogue["magnitude"].min()


# ---------------------------------------------------------------------------------------------
# time series
# ---------------------------------------------------------------------------------------------

def test_fixed_mc_event_windows_equal_window_by_window_fits(catalogue):
    ts = M.b_time_series(catalogue, mc=0.8, window=400, step=200)
    complete = catalogue[catalogue["magnitude"] >= 0.75].reset_index(drop=True)
    for i in (0, 3, len(ts.frame) - 1):
        chunk = complete.iloc[200 * i:200 * i + 400]
        r = M.b_value(chunk, mc=0.8)
        row = ts.frame.iloc[i]
        assert row["b"] == pytest.approx(r.b, rel=1e-12)
        assert row["sigma"] == pytest.approx(r.sigma, rel=1e-12)
        assert row["a"] == pytest.approx(r.a, rel=1e-12)
        assert row["start"] == chunk["time"].iloc[0] and row["end"] == chunk["time"].iloc[-1]
    assert (ts.frame["n"] == 400).all()


def test_time_windows_with_datetimes_and_floats(catalogue):
    ts = M.b_time_series(catalogue, mc=0.5, window="100D", by="time", min_events=20)
    assert len(ts.frame) == 4
    assert ts.frame["n_window"].sum() == len(catalogue)
    assert ts.window["size"] == 100.0 and ts.window["unit"] == "days"
    t = (catalogue["time"] - catalogue["time"].iloc[0]).dt.total_seconds().to_numpy()
    ts2 = M.b_time_series(catalogue["magnitude"].to_numpy(), times=t, mc=0.5,
                          window=100 * 86400.0, by="time", min_events=20)
    np.testing.assert_allclose(ts2.frame["b"], ts.frame["b"], rtol=1e-12)
    with pytest.raises(DataFormatError, match="duration"):
        M.b_time_series(catalogue["magnitude"].to_numpy(), times=t, mc=0.5, window="30D",
                        by="time")
    with pytest.raises(DataFormatError, match="times"):
        M.b_time_series(catalogue["magnitude"].to_numpy(), mc=0.5, window=10.0, by="time")


def test_time_series_recovers_a_b_change():
    rng = np.random.default_rng(12)
    m = np.r_[mags.simulate_gr(3000, 0.8, 1.0, 0.1, seed=rng),
              mags.simulate_gr(3000, 1.4, 1.0, 0.1, seed=rng)]
    ts = M.b_time_series(m, mc=1.0, window=1000, uncertainty="bootstrap", n_boot=200, seed=1)
    b = ts.frame["b"].to_numpy()
    z_early = (b[:3] - 0.8) / ts.frame["sigma"].to_numpy()[:3]
    z_late = (b[3:] - 1.4) / ts.frame["sigma"].to_numpy()[3:]
    assert np.all(np.abs(z_early) < 3) and np.all(np.abs(z_late) < 3)
    assert ts.time_kind == "index" and ts.frame["end"].iloc[0] == 999


def test_mc_time_series_recovers_a_completeness_change():
    rng = np.random.default_rng(3)
    early = mags.simulate_gr(100000, 1.0, 0.0, 0.1, detection=(1.5, 0.1), seed=rng)
    late = mags.simulate_gr(40000, 1.0, 0.0, 0.1, detection=(0.8, 0.1), seed=rng)
    assert early.size > 1500 and late.size > 1500
    m = np.r_[early[:1500], late[:1500]]
    ts = M.mc_time_series(m, method="maxc", correction=0.2, window=500, n_boot=30, seed=1)
    mc = ts.frame["mc"].to_numpy()
    assert np.all(np.abs(mc[:3] - 1.8) <= 0.2) and np.all(np.abs(mc[3:] - 1.1) <= 0.2)
    assert np.all(ts.frame["sigma"] >= 0)


def test_per_window_mc_method(catalogue):
    ts = M.b_time_series(catalogue, mc="gft", window=2000, min_events=100)
    assert len(ts.frame) == 2 and np.all(np.isfinite(ts.frame["mc"]))
    assert ts.settings["mc_method"] == "gft"


def test_unsorted_times_are_sorted(catalogue):
    shuffled = catalogue.sample(frac=1.0, random_state=3)
    a = M.b_time_series(catalogue, mc=0.5, window=1000)
    b = M.b_time_series(shuffled, mc=0.5, window=1000)
    pd.testing.assert_frame_equal(a.frame, b.frame)


# ---------------------------------------------------------------------------------------------
# the direct b-value path, the Shi-Bolt constant, result round trips
# ---------------------------------------------------------------------------------------------

def test_direct_path_equals_the_masked_path(catalogue):
    # the common call (number mc, analytic sigma) reads the column in place and lets the
    # estimator skip NaN; the bootstrap call drops NaN with a mask first: same events, same b
    cat = catalogue.copy()
    cat.loc[::5, "magnitude"] = np.nan
    cat.loc[3, "magnitude"] = 0.5                    # an event exactly at mc
    direct = M.b_value(cat, mc=0.5)
    masked = M.b_value(cat, mc=0.5, uncertainty="bootstrap", n_boot=20, seed=1)
    assert (direct.b, direct.n, direct.a, direct.mean_magnitude) == \
        (masked.b, masked.n, masked.a, masked.mean_magnitude)
    assert direct.n == int((cat["magnitude"] >= 0.45).sum())
    # mc=None: the lowest bin of the non-NaN magnitudes
    clean = cat["magnitude"].dropna().to_numpy()
    assert M.b_value(cat).to_dict() == M.b_value(clean).to_dict()
    with pytest.raises(FitError, match="NaN"):
        M.b_value(np.full(5, np.nan))


def test_direct_path_names_the_row_and_column_of_an_infinite_magnitude():
    cat = pd.DataFrame({"ml": [1.0, 1.2, np.nan, -np.inf, 1.5]})
    with pytest.raises(DataFormatError, match=r"column 'ml'.*row 3"):
        M.b_value(cat, mc=1.0, column="ml")
    with pytest.raises(DataFormatError, match="row 1"):
        M.b_value([1.0, np.inf, 1.3], mc=1.0)


@pytest.mark.parametrize("conf", [0.5, 0.68, 0.9, 0.95, 0.99, 0.999])
def test_normal_quantile_is_scipys(conf):
    from scipy import stats
    assert M._normal_quantile(conf) == float(stats.norm.ppf(0.5 + conf / 2))


def test_shi_bolt_constant_default_and_ln10(catalogue):
    # default 2.30 (Shi & Bolt's printed value, ZMAP, VarPy 2016); 'ln10' is the exact value
    assert mags.SHI_BOLT_CONSTANT == 2.30 and mags.shi_bolt_constant_value() == 2.30
    default = M.b_value(catalogue, mc=0.5)
    assert default.shi_bolt_constant == 2.30
    for spelling in ("ln10", "LN10", "ln(10)", mags.LN10, str(mags.LN10)):
        r = M.b_value(catalogue, mc=0.5, shi_bolt_constant=spelling)
        assert r.shi_bolt_constant == mags.LN10
        assert r.sigma == pytest.approx(default.sigma * mags.LN10 / 2.30, rel=1e-14)
    assert M.b_value(catalogue, mc=0.5, shi_bolt_constant=2.5).shi_bolt_constant == 2.5
    assert M.b_value(catalogue, mc=0.5, shi_bolt_constant="zmap").sigma == default.sigma
    ts = M.b_time_series(catalogue, mc=0.5, window=1000, shi_bolt_constant="ln10")
    ts_default = M.b_time_series(catalogue, mc=0.5, window=1000)
    assert ts.settings["shi_bolt_constant"] == mags.LN10
    np.testing.assert_allclose(ts.frame["sigma"], ts_default.frame["sigma"] * mags.LN10 / 2.30,
                               rtol=1e-14)
    mbs = M.mc(catalogue, "mbs", shi_bolt_constant="ln10")
    np.testing.assert_allclose(mbs.sigmas, M.mc(catalogue, "mbs").sigmas * mags.LN10 / 2.30,
                               rtol=1e-14)
    for bad in ("e", -1.0, 0.0, float("nan"), None):
        with pytest.raises(DataFormatError, match="shi_bolt_constant"):
            M.b_value(catalogue, mc=0.5, shi_bolt_constant=bad)


def _fields_equal(a, b):
    for f in dataclasses.fields(a):
        np.testing.assert_equal(getattr(b, f.name), getattr(a, f.name), err_msg=f.name)


MC_CASES = [(method, n_boot, False) for method in mags.MC_METHODS for n_boot in (0, 5)] \
    + [(method, 0, True) for method in ("maxc", "gft", "mbs")]


@pytest.mark.parametrize("method, n_boot, legacy", MC_CASES)
def test_every_mc_result_round_trips_exactly(catalogue, method, n_boot, legacy):
    options = {"n_sim": 100} if method == "ks" else {}
    if not legacy:
        options.update(n_boot=n_boot, seed=2)
    r = M.mc(catalogue, method, legacy=legacy, **options)
    again = _json_round_trip(r)
    _fields_equal(r, again)
    assert again.summary() == r.summary()


def test_mc_result_without_a_value_round_trips():
    m = mags.simulate_gr(60, 1.0, 0.0, 0.1, seed=1)
    with pytest.warns(FitWarning):
        r = M.mc(m, "mbs", min_events=50)
    again = _json_round_trip(r)
    assert math.isnan(again.mc)
    _fields_equal(r, again)
