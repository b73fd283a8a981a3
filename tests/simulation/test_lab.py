"""Synthetic creep experiment: AE counts and timing, creep curve, stress, metadata."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from varpy.exceptions import VarpyError
from varpy.simulation.lab import LAB_DEFAULTS, creep_strain, simulate_lab_data

T1, TF = LAB_DEFAULTS["t1"], LAB_DEFAULTS["tf"]


def _expected_ae(k1=200.0, c=20.0, p1=1.1, k2=40.0, p2=0.8, tc=1.0, t1=T1, tf=TF):
    """Primary + tertiary AE expected on [t1, tf), written independently of the library."""
    tau = tf - t1
    primary = k1 * (c ** (1 - p1) - (tau + c) ** (1 - p1)) / (p1 - 1)
    tertiary = k2 * ((tau + tc) ** (1 - p2) - tc ** (1 - p2)) / (1 - p2)
    return primary, tertiary


def test_ae_counts_match_the_creep_rate():
    primary, tertiary = _expected_ae()
    z_p, z_t = [], []
    for seed in range(12):
        ecld = simulate_lab_data(seed=seed)["ecld"]
        z_p.append(((ecld["source"] == "primary").sum() - primary) / np.sqrt(primary))
        z_t.append(((ecld["source"] == "tertiary").sum() - tertiary) / np.sqrt(tertiary))
    for z in (z_p, z_t):
        assert abs(np.mean(z)) < 3.0 / np.sqrt(len(z))
        assert np.all(np.abs(z) < 4.0)


def test_ae_times_rescale_to_a_unit_poisson_process():
    k1, c, p1, k2, p2, tc = 200.0, 20.0, 1.1, 40.0, 0.8, 1.0

    def cumulative(t):
        tau = t - T1
        first = k1 * (c ** (1 - p1) - (tau + c) ** (1 - p1)) / (p1 - 1)
        second = k2 * ((TF + tc - T1) ** (1 - p2) - (TF + tc - t) ** (1 - p2)) / (1 - p2)
        return first + second

    total = cumulative(TF)
    pooled = [cumulative(simulate_lab_data(seed=s)["ecld"]["time"].to_numpy()) / total
              for s in range(5)]
    assert stats.kstest(np.concatenate(pooled), "uniform").pvalue > 1e-3


def test_datasets_and_metadata():
    out = simulate_lab_data(seed=1)
    ecld, scld, md = out["ecld"], out["scld"], out["metadata"]
    assert list(ecld.columns) == ["time", "magnitude", "source"]
    assert ecld["time"].dtype == np.float64 and ecld["time"].is_monotonic_increasing
    assert ecld["time"].min() >= T1 and ecld["time"].max() < TF
    assert ecld["magnitude"].min() >= 0.0
    assert list(scld.columns) == ["time", "time_minutes", "stress", "axial_strain", "pore_volume",
                                  "confining_pressure", "pore_pressure", "effective_pressure"]
    assert scld["time"].is_monotonic_increasing
    np.testing.assert_allclose(scld["time_minutes"], scld["time"] / 60.0)
    for kind in ("ecld", "scld"):
        assert md[kind]["t0"] == 0.0 and md[kind]["t1"] == T1 and md[kind]["tf"] == TF
        assert md[kind]["time_unit"] == "seconds"
        assert md[kind]["simulation"]["simulator"] == "lab_creep"
        assert md[kind]["simulation"]["seed"] == 1
    assert md["ecld"]["size_format"] == "magnitude"


def test_stress_is_constant_during_creep_and_drops_to_zero_at_failure():
    out = simulate_lab_data(seed=2)
    s = out["scld"]
    creep = s[(s["time"] > T1) & (s["time"] < TF)]
    assert creep["stress"].mean() == pytest.approx(131.0, abs=0.01)
    assert creep["stress"].std() == pytest.approx(0.05, rel=0.1)  # only the noise
    loading = s[s["time"] < T1]
    slope = np.polyfit(loading["time"], loading["stress"], 1)[0]
    assert slope == pytest.approx(131.0 / T1, rel=1e-3)
    after = s[s["time"] >= TF + LAB_DEFAULTS["failure_duration"]]
    assert len(after) > 0 and abs(after["stress"].mean()) < 0.05
    assert s["effective_pressure"].mean() == pytest.approx(30.0, abs=0.01)


def test_creep_curve_has_primary_secondary_and_tertiary_stages():
    keys = ("loading_strain", "primary_strain", "primary_time", "primary_exponent",
            "secondary_rate", "tertiary_strain", "tertiary_exponent", "tertiary_strain_c",
            "failure_strain", "failure_duration")
    params = {k: LAB_DEFAULTS[k] for k in keys}
    t = np.linspace(T1, TF - 1.0, 20001)
    strain, creep, failure = creep_strain(t, t0=0.0, t1=T1, tf=TF, **params)
    assert np.all(np.diff(strain) > 0) and np.all(failure == 0)
    rate = np.diff(strain) / np.diff(t)
    i_min = int(np.argmin(rate))
    assert 0.05 * rate.size < i_min < 0.95 * rate.size  # decelerating, then accelerating
    assert np.all(np.diff(rate[:i_min]) < 0) and np.all(np.diff(rate[i_min + 1:]) > 0)
    assert strain[0] == pytest.approx(LAB_DEFAULTS["loading_strain"])
    end = creep_strain([TF + LAB_DEFAULTS["failure_duration"]], t0=0.0, t1=T1, tf=TF, **params)[0]
    before = creep_strain([TF], t0=0.0, t1=T1, tf=TF, **params)[0]
    assert end[0] - before[0] == pytest.approx(LAB_DEFAULTS["failure_strain"])


def test_amplitudes_and_incomplete_small_events():
    out = simulate_lab_data(seed=3, size_format="amplitude")
    assert "amplitude" in out["ecld"] and "magnitude" not in out["ecld"]
    assert out["metadata"]["ecld"]["size_format"] == "amplitude"
    ref = simulate_lab_data(seed=3)["ecld"]
    np.testing.assert_allclose(out["ecld"]["amplitude"], 10 ** ref["magnitude"])
    inc = simulate_lab_data(seed=3, detection=(0.15, 0.1))
    m = inc["ecld"]["magnitude"]
    assert m.min() < 0.0  # detected events below mmin
    # observed events per true event with m >= mmin = int_{m_low} beta e^{-beta m} Phi dm
    beta = np.log(10.0)
    m_low = 0.15 - 5 * 0.1
    factor, _ = integrate.quad(lambda x: beta * np.exp(-beta * x) * stats.norm.cdf(x, 0.15, 0.1),
                               m_low, np.inf)
    got = inc["metadata"]["ecld"]["simulation"]["observed_per_complete"]
    assert got == pytest.approx(factor, rel=1e-6)
    primary, tertiary = _expected_ae()
    assert abs(len(m) - factor * (primary + tertiary)) < 4 * np.sqrt(factor * (primary + tertiary))


def test_reproducible_and_seed_sensitive():
    a = simulate_lab_data(seed=4)
    b = simulate_lab_data(seed=4)
    c = simulate_lab_data(seed=5)
    pd.testing.assert_frame_equal(a["ecld"], b["ecld"])
    pd.testing.assert_frame_equal(a["scld"], b["scld"])
    assert not a["ecld"]["time"].equals(c["ecld"]["time"])


def test_invalid_parameters_raise():
    with pytest.raises(VarpyError, match="t0 < t1 < tf"):
        simulate_lab_data(seed=0, t1=20000.0)
    with pytest.raises(VarpyError, match="tertiary_p"):
        simulate_lab_data(seed=0, tertiary_p=1.2, tertiary_c=0.0)
    out = simulate_lab_data(seed=0, tertiary_p=1.2, tertiary_c=0.0, ae_end=TF - 10.0)
    assert out["ecld"]["time"].max() < TF - 10.0
    out = simulate_lab_data(seed=0, tertiary_p=1.2, tertiary_k=5.0)  # finite thanks to tc = 1 s
    assert out["ecld"]["time"].max() < TF
    with pytest.raises(VarpyError, match="size_format"):
        simulate_lab_data(seed=0, size_format="energy")
    with pytest.raises(VarpyError, match="valid parameters"):
        simulate_lab_data(seed=0, k1=3.0)
