"""Tests of varpy.preparation.conversions (AE amplitude / energy to magnitude)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from varpy.exceptions import DataFormatError, DataWarning, UnknownFormatError
from varpy.preparation import conversions as conv
from varpy.statistics import mags


def test_amplitude_volts_and_db_agree():
    volts = np.array([1e-5, 3e-4, 0.02])
    db = 20 * np.log10(volts / 1e-6)
    np.testing.assert_allclose(conv.amplitude_to_magnitude(volts, unit="V"), db / 20)
    np.testing.assert_allclose(conv.amplitude_to_magnitude(db, unit="dB"), db / 20)
    np.testing.assert_allclose(conv.amplitude_to_magnitude(volts * 1e3, unit="mV"), db / 20)


def test_preamplifier_gain_is_removed():
    # 40 dB gain multiplies the amplitude by 100: two magnitude units
    assert conv.amplitude_to_magnitude(0.1, unit="V", gain_db=40.0) == pytest.approx(3.0)
    assert conv.amplitude_to_magnitude(100.0, unit="dB", gain_db=40.0) == pytest.approx(3.0)


def test_power_law_amplitudes_give_the_same_b():
    # amplitudes with N(>A) ~ A^-b are GR magnitudes in log10 A: b survives the conversion
    m = mags.simulate_gr(20000, 1.2, 2.0, 0.0, seed=4)
    mag = conv.amplitude_to_magnitude(10.0 ** m * 1e-6, unit="V")
    np.testing.assert_allclose(mag, m, atol=1e-12)
    assert mags.estimate_b(mag, 2.0, 0.0).b == pytest.approx(mags.estimate_b(m, 2.0, 0.0).b)


@pytest.mark.parametrize("relation, energy, expected", [
    ("gutenberg_richter_1956", 10 ** 9.3, 3.0),          # log E = 1.5 M + 4.8
    ("gutenberg_richter_1956", 6.3e13, 6.0),             # M 6: 6.3e13 J
    ("choy_boatwright_1995", 10 ** 13.35, 6.0),           # Me = 2/3 log E - 2.9
    ("relative", 1000.0, 2.0),
])
def test_energy_relations(relation, energy, expected):
    assert conv.energy_to_magnitude(energy, relation=relation) == pytest.approx(expected,
                                                                                 abs=1e-3)


def test_kanamori_and_gutenberg_richter_agree():
    # Kanamori chose 2e4 so that Mw matches the Gutenberg-Richter energy relation
    e = np.logspace(0, 18, 7)
    np.testing.assert_allclose(conv.energy_to_magnitude(e, relation="kanamori_1977"),
                               conv.energy_to_magnitude(e), atol=1e-3)


def test_energy_scaling_gives_b_back():
    m = mags.simulate_gr(5000, 0.9, 0.0, 0.0, seed=2)
    energy = 10.0 ** (1.5 * m + 4.8)
    back = conv.energy_to_magnitude(energy)
    np.testing.assert_allclose(back, m, atol=1e-9)
    rel = conv.energy_to_magnitude(energy, relation="relative", reference=10 ** 4.8)
    np.testing.assert_allclose(rel, m, atol=1e-9)


def test_non_positive_values_become_nan_with_a_warning():
    with pytest.warns(DataWarning, match="position 1"):
        out = conv.energy_to_magnitude([1.0, 0.0, -2.0, np.nan], relation="relative")
    assert out[0] == 0.0 and np.isnan(out[1:]).all()
    with pytest.warns(DataWarning):
        conv.amplitude_to_magnitude([1e-3, 0.0])


def test_bad_options():
    with pytest.raises(UnknownFormatError, match="gutenberg_richter_1956"):
        conv.energy_to_magnitude(1.0, relation="log_amplitude")
    with pytest.raises(UnknownFormatError, match="log_amplitude"):
        conv.amplitude_to_magnitude(1.0, relation="hanks")
    with pytest.raises(DataFormatError, match="unit"):
        conv.amplitude_to_magnitude(1.0, unit="Pa")
    with pytest.raises(DataFormatError, match="reference"):
        conv.energy_to_magnitude(1.0, relation="relative", reference=0.0)


def test_catalogue_magnitudes():
    cat = pd.DataFrame({"time": [0.0, 1.0, 2.0], "amplitude": [1e-4, 1e-3, 1e-2],
                        "energy": [1.0, 10.0, 100.0]}, index=[3, 4, 5])
    amp = conv.catalogue_magnitudes(cat)
    assert amp.tolist() == pytest.approx([2.0, 3.0, 4.0]) and amp.index.tolist() == [3, 4, 5]
    en = conv.catalogue_magnitudes(cat, "energy", relation="relative")
    assert en.tolist() == pytest.approx([0.0, 2 / 3, 4 / 3])
    with pytest.raises(DataFormatError, match="'magnitude'"):
        conv.catalogue_magnitudes(cat, "magnitude")
    with pytest.raises(DataFormatError, match="size_format"):
        conv.catalogue_magnitudes(cat, "moment")
    with pytest.raises(DataFormatError, match="event-size"):
        conv.catalogue_magnitudes(cat[["time"]])
    m = pd.DataFrame({"magnitude": [1, 2]})
    assert conv.catalogue_magnitudes(m).dtype == np.float64


def test_relations_are_documented():
    table = conv.relations_table()
    assert set(table["name"]) == set(conv.RELATIONS)
    assert table["citation"].str.len().min() > 20
    assert all(math.isfinite(float(r.function(np.array([2.0]))[0]))
               for r in conv.RELATIONS.values())
