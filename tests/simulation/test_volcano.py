"""Synthetic volcano: VarPy defaults, datasets, event counts, tilt, reproducibility."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from varpy.exceptions import VarpyError
from varpy.management.timeconv import to_days
from varpy.simulation.volcano import (
    VOLCANO_DEFAULTS,
    eruption_cycles,
    simulate_volcano_data,
    tilt_signal,
)

START = "2000-01-01"


def test_defaults_are_varpy_2016_ten_year_example():
    """varpy-2016.md section 10.7."""
    expected = {"duration": 3652.0, "background_rate": 0.1, "precursor_duration": 200.0,
                "precursor_c": 0.1, "precursor_p": 0.85, "precursor_k": 10.0,
                "aftershock_c": 1.0, "aftershock_p": 1.5, "aftershock_k": 40.0,
                "recharge_duration": 400.0, "b": 1.5, "mmin": 2.0, "inflation_rate": 0.4,
                "tilt_noise": 1.0, "tilt_interval": 1.0, "duration_scatter": 0.5,
                "parameter_scatter": 0.05}
    for key, value in expected.items():
        assert VOLCANO_DEFAULTS[key] == value, key
    out = simulate_volcano_data(seed=0)
    assert out["metadata"]["evd"]["simulation"]["parameters"]["deflation"] == 80.0  # k_infl*te


def test_datasets_have_canonical_columns_and_order():
    out = simulate_volcano_data(seed=1)
    ecvd, evd, scvd = out["ecvd"], out["evd"], out["scvd"]
    assert list(ecvd.columns[:5]) == ["time", "latitude", "longitude", "depth", "magnitude"]
    assert str(ecvd["time"].dtype) == "datetime64[ns, UTC]"
    for col in ("latitude", "longitude", "depth", "magnitude"):
        assert ecvd[col].dtype == np.float64
    assert ecvd["time"].is_monotonic_increasing
    assert isinstance(ecvd.index, pd.RangeIndex)
    assert ecvd["time"].min() >= pd.Timestamp(START, tz="UTC")
    assert ecvd["time"].max() < pd.Timestamp(START, tz="UTC") + pd.Timedelta(days=3652)
    assert (ecvd["depth"] >= 0).all()
    assert set(ecvd["source"]) == {"background", "precursor", "aftershock"}
    assert list(evd.columns[:4]) == ["start", "end", "type", "vent"]
    assert str(evd["start"].dtype) == "datetime64[ns, UTC]"
    assert (evd["end"] > evd["start"]).all() and evd["start"].is_monotonic_increasing
    assert set(scvd) == {"TLT1", "TLT2"}
    for series in scvd.values():
        assert list(series.columns) == ["time", "tilt"]
        assert len(series) == 3652
        assert (series["time"].diff().dropna() == pd.Timedelta(days=1)).all()
    md = out["metadata"]
    assert md["ecvd"]["simulation"]["simulator"] == "volcano"
    assert md["ecvd"]["simulation"]["seed"] == 1
    assert md["scvd"]["TLT2"]["station"] == "TLT2"
    assert md["ecvd"]["depth_unit"] == "km"


def _expected_counts(out, duration):
    """Expected precursor and aftershock counts of the erupted cycles, written independently."""
    evd = out["evd"]
    onset = to_days(evd["start"], START)
    md = out["metadata"]["evd"]["simulation"]["parameters"]
    c_f, c_a = md["precursor_c"], md["aftershock_c"]
    k, p, te = evd["precursor_k"].to_numpy(), evd["precursor_p"].to_numpy(), \
        evd["precursor_days"].to_numpy()
    # int_{onset-te}^{onset} k (onset + c - t)^-p dt
    fore = k * ((te + c_f) ** (1 - p) - c_f ** (1 - p)) / (1 - p)
    ka, pa = evd["aftershock_k"].to_numpy(), evd["aftershock_p"].to_numpy()
    aft = ka * (c_a ** (1 - pa) - (duration - onset + c_a) ** (1 - pa)) / (pa - 1)
    return fore, aft


def test_event_counts_match_integrated_rates():
    duration = 3652.0
    z = {"background": [], "precursor": [], "aftershock": []}
    for seed in range(10):
        out = simulate_volcano_data(seed=seed)
        ecvd, evd = out["ecvd"], out["evd"]
        fore, aft = _expected_counts(out, duration)
        erupted = ecvd["eruption"].between(0, len(evd) - 1)
        obs = {
            "background": (ecvd["source"] == "background").sum(),
            "precursor": ((ecvd["source"] == "precursor") & erupted).sum(),
            "aftershock": (ecvd["source"] == "aftershock").sum(),
        }
        exp = {"background": 0.1 * duration, "precursor": fore.sum(), "aftershock": aft.sum()}
        for key in z:
            z[key].append((obs[key] - exp[key]) / np.sqrt(exp[key]))
    for key, values in z.items():
        assert abs(np.mean(values)) < 3.0 / np.sqrt(len(values)), (key, values)
        assert np.all(np.abs(values) < 4.0), (key, values)


def test_precursors_accelerate_as_inverse_omori():
    """Time rescaling of each precursor sequence with its own k, p: pooled KS."""
    pooled = []
    for seed in range(6):
        out = simulate_volcano_data(seed=seed)
        ecvd, evd = out["ecvd"], out["evd"]
        t = to_days(ecvd["time"], START)
        onset = to_days(evd["start"], START)
        c = out["metadata"]["ecvd"]["simulation"]["parameters"]["precursor_c"]
        for i in range(len(evd)):
            sel = (ecvd["eruption"] == i).to_numpy() & (ecvd["source"] == "precursor").to_numpy()
            p, te = evd["precursor_p"].iloc[i], evd["precursor_days"].iloc[i]
            x0 = te + c
            x = onset[i] + c - t[sel]
            pooled.append((x0 ** (1 - p) - x ** (1 - p)) / (x0 ** (1 - p) - c ** (1 - p)))
    u = np.concatenate(pooled)
    assert u.size > 500
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_noise_free_tilt_is_gain_times_inflation_and_deflation():
    out = simulate_volcano_data(seed=4, tilt_noise=0.0, stations={"A": 1.0, "B": -0.5})
    evd = out["evd"]
    a = out["scvd"]["A"]["tilt"].to_numpy()
    b = out["scvd"]["B"]["tilt"].to_numpy()
    np.testing.assert_allclose(b, -0.5 * a, atol=1e-12)
    assert a[0] == 0.0
    days = to_days(out["scvd"]["A"]["time"], START)
    onset = to_days(evd["start"], START)
    end = to_days(evd["end"], START)
    for i in range(len(evd)):
        # inflation slope during the unrest preceding the onset
        unrest = (days > onset[i] - evd["precursor_days"].iloc[i] + 1) & (days < onset[i] - 1)
        slope = np.diff(a[unrest]) / np.diff(days[unrest])
        np.testing.assert_allclose(slope, evd["inflation_rate"].iloc[i], rtol=1e-9)
        # deflation during the eruption
        during = (days > onset[i]) & (days < end[i])
        if during.sum() >= 2:
            drop = np.diff(a[during]) / np.diff(days[during])
            np.testing.assert_allclose(drop, -evd["deflation"].iloc[i]
                                       / evd["duration_days"].iloc[i], rtol=1e-9)


def test_tilt_signal_steps_when_eruptions_are_instantaneous():
    cycles = pd.DataFrame({"recharge_start": [0.0], "unrest_start": [10.0], "onset": [20.0],
                           "end": [20.0]})
    s = tilt_signal([0.0, 15.0, 19.999, 20.0, 30.0], cycles, [2.0], [25.0])
    np.testing.assert_allclose(s, [0.0, 10.0, 19.998, -5.0, -5.0])


@pytest.mark.parametrize("interval", [1.0, 0.25, 2.0])
def test_tilt_noise_is_per_day_whatever_the_sampling_interval(interval):
    """VarPy applied its noise per sample; here a one-day increment has sd tilt_noise."""
    out = simulate_volcano_data(seed=5, duration=6000.0, inflation_rate=0.0, deflation=0.0,
                                tilt_noise=2.0, tilt_interval=interval, stations={"A": 1.0})
    tilt = out["scvd"]["A"]["tilt"].to_numpy()
    step = int(round(2.0 / interval))  # two-day increments
    inc = tilt[step::step] - tilt[:-step:step]
    var = inc.var(ddof=1) / 2.0
    assert var == pytest.approx(4.0, rel=4 * np.sqrt(2.0 / inc.size))


def test_b_value_recovered_from_binned_magnitudes():
    mags = np.concatenate([simulate_volcano_data(seed=s)["ecvd"]["magnitude"].to_numpy()
                           for s in range(5)])
    assert np.all(np.abs(mags * 10 - np.rint(mags * 10)) < 1e-9) and mags.min() == 2.0
    dm = 0.1
    p = 1.0 + dm / (mags.mean() - 2.0)  # Tinti & Mulargia (1987)
    b = np.log(p) / dm / np.log(10)
    sigma = (p - 1) / (np.log(10) * dm * np.sqrt(mags.size * p))
    assert abs(b - 1.5) < 3.5 * sigma


def test_incomplete_catalogue_has_detected_events_below_mmin():
    out = simulate_volcano_data(seed=6, detection=(1.8, 0.15))
    mags = out["ecvd"]["magnitude"]
    factor = out["metadata"]["ecvd"]["simulation"]["observed_per_complete"]
    assert factor > 1.0
    assert (mags < 2.0).mean() > 0.3
    assert mags.min() >= 1.0


def test_eruption_cycles_timing():
    cycles = eruption_cycles(5000.0, recharge_duration=400.0, precursor_duration=200.0,
                             eruption_duration=0.0, duration_scatter=0.5, seed=1)
    np.testing.assert_allclose(cycles["unrest_start"], cycles["recharge_start"]
                               + cycles["recharge_days"])
    np.testing.assert_allclose(cycles["onset"], cycles["unrest_start"] + cycles["precursor_days"])
    np.testing.assert_allclose(cycles["recharge_start"].iloc[1:], cycles["end"].iloc[:-1])
    assert (cycles["unrest_start"] < 5000.0).all()
    # lognormal median of the durations is the given value (over many cycles)
    many = eruption_cycles(4e5, recharge_duration=400.0, precursor_duration=200.0,
                           eruption_duration=0.0, duration_scatter=0.5, seed=2)
    assert np.median(np.log(many["recharge_days"] / 400.0)) == pytest.approx(0.0, abs=0.06)
    assert np.std(np.log(many["precursor_days"] / 200.0)) == pytest.approx(0.5, rel=0.08)


def test_reproducible_and_seed_sensitive():
    a = simulate_volcano_data(seed=9, duration=1000.0)
    b = simulate_volcano_data(seed=9, duration=1000.0)
    c = simulate_volcano_data(seed=10, duration=1000.0)
    pd.testing.assert_frame_equal(a["ecvd"], b["ecvd"])
    pd.testing.assert_frame_equal(a["scvd"]["TLT1"], b["scvd"]["TLT1"])
    assert a["metadata"] == b["metadata"]
    assert not a["ecvd"]["time"].equals(c["ecvd"]["time"])


def test_bad_parameters_raise():
    with pytest.raises(VarpyError, match="valid parameters"):
        simulate_volcano_data(seed=0, sim_len=10)
    with pytest.raises(VarpyError, match="tilt_interval"):
        simulate_volcano_data(seed=0, tilt_interval=0.0)
    with pytest.raises(VarpyError, match="duration"):
        simulate_volcano_data(seed=0, duration=-5.0)
    with pytest.raises(VarpyError, match="stations"):
        simulate_volcano_data(seed=0, stations={})


def test_unrest_clustering_multiplies_events_by_one_over_one_minus_n():
    """Branching ratio n: each unrest event has n direct offspring on average (those falling
    before the onset), so triggered / primary unrest events -> n / (1 - n) (c = 0.001 d keeps
    the truncation at the onset negligible); n = 0 leaves the simulation unchanged."""
    base = dict(duration=1500.0, precursor_k=20.0, branching_c=0.001, branching_p=1.3)
    plain = simulate_volcano_data(seed=5, **base)
    assert "triggered" not in set(plain["ecvd"]["source"])
    again = simulate_volcano_data(seed=5, **base, precursor_branching=0.0)
    pd.testing.assert_frame_equal(plain["ecvd"], again["ecvd"])
    n = 0.4
    primary = triggered = 0
    for seed in range(6):
        src = simulate_volcano_data(seed=seed, **base, precursor_branching=n)["ecvd"]["source"]
        primary += int((src == "precursor").sum())
        triggered += int((src == "triggered").sum())
    expected = n / (1 - n) * primary
    assert abs(triggered - expected) < 4 * np.sqrt(expected / (1 - n)) + 0.03 * expected
    with pytest.raises(VarpyError, match="precursor_branching"):
        simulate_volcano_data(seed=1, precursor_branching=1.0)
    with pytest.raises(VarpyError, match="branching_p"):
        simulate_volcano_data(seed=1, precursor_branching=0.2, branching_p=1.0)
