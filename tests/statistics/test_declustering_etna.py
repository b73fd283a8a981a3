"""Declustering the real Etna catalogue (INGV-CT, 1999 onwards; shared data, skipped when absent).

Measured (2026-12-04, 13,065 events with a magnitude): Gardner-Knopoff keeps 3,028 (23.2 %),
the nearest neighbour 7,028 (53.8 %; log10 eta0 = -4.72, Ashman's D = 2.53), Reasenberg 7,937
(60.8 %) - the same ordering as on the ETAS catalogues with known genealogy
(test_declustering_etas.py), where GK underestimates the background and Reasenberg
overestimates it.
"""
from __future__ import annotations

import numpy as np
import pytest

from varpy.analysis.declustering import decluster
from varpy.management import importers


@pytest.fixture(scope="module")
def etna(shared_data):
    df = importers.read(shared_data / "etna" / "Etna_INGVCT_C1_99-onwards.txt", "ecvd",
                        format="etna_ingv")
    return df.dropna(subset=["magnitude"]).reset_index(drop=True)


def test_every_method_labels_every_event_and_keeps_the_measured_background(etna):
    fractions = {}
    for method in ("gardner_knopoff", "nearest_neighbour", "reasenberg"):
        r = decluster(etna, method)
        assert r.n_events == len(etna) == 13065
        assert np.array_equal(np.unique(r.cluster), np.arange(r.n_clusters))
        fractions[method] = r.background_fraction
        if method == "nearest_neighbour":
            assert r.diagnostics["threshold_source"] == "mixture"
            assert r.diagnostics["log10_eta0"] == pytest.approx(-4.72, abs=0.01)
    assert fractions["gardner_knopoff"] == pytest.approx(3028 / 13065)
    assert fractions["nearest_neighbour"] == pytest.approx(7028 / 13065)
    assert fractions["reasenberg"] == pytest.approx(7937 / 13065)
