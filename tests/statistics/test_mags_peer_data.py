"""R6 and R7 of formulas.md on SeismoStats' own test data, where SeismoStats is installed.

SeismoStats (AGPL) is never imported, here or in varpy: these tests only read two CSV data
files that its wheel ships (``simulated_magnitudes.csv`` and ``catalog_sed.csv``), from the
installed package's folder, and skip when it is absent (as in CI; ``bench/bench_mags.py``
documents the benchmark venv that has it). Nothing of it is copied into this repository.

Measured (SeismoStats 1.0.1 wheel, 2026-11-22):

* R7, Tinti-Mulargia b of the simulated columns binned with ``tol=0`` (SeismoStats' plain
  rounding): 0.9985052730956719, 1.486114976626299 and 0.5012460753985151, equal to the
  published values to 1e-15; Utsu 0.99412993, 1.48596998, 0.49903219 likewise.
  With varpy's default tie tolerance one value of the b = 1 column, -0.05000002 (2e-7 bins
  from the tie at -0.05), is counted at 0.0 instead of -0.1, which joins it to the 6,278
  complete events and moves b to 0.998647 (+1.4e-4).
* R6, MBS (Shi-Bolt criterion, stability range 0.5, candidates 0.12 ... 1.99) on the Swiss
  catalogue binned to 0.01: Mc = 1.44 with either Shi-Bolt constant.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from varpy.statistics import mags


@pytest.fixture(scope="module")
def seismostats_data() -> Path:
    spec = importlib.util.find_spec("seismostats")      # locates it without importing it
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("SeismoStats is not installed (its test data are read from its folder)")
    root = Path(list(spec.submodule_search_locations)[0])
    if not (root / "analysis" / "tests" / "data" / "catalog_sed.csv").is_file():
        pytest.skip(f"SeismoStats at {root} ships no test data")
    return root


@pytest.mark.parametrize("column, mc, dm, tinti_mulargia, utsu", [
    ("b_value = 1", 0.0, 0.1, 0.9985052730956719, 0.99412993),
    ("b_value = 1.5", 0.5, 0.01, 1.486114976626299, 1.48596998),
    ("b_value = 0.5", 2.0, 0.2, 0.5012460753985151, 0.49903219),
])
def test_r7_b_values_on_the_simulated_magnitudes(seismostats_data, column, mc, dm,
                                                 tinti_mulargia, utsu):
    path = seismostats_data / "analysis" / "bvalue" / "tests" / "data" / "simulated_magnitudes.csv"
    raw = pd.read_csv(path)[column].to_numpy()
    binned = mags.round_to_bins(raw, dm, tol=0.0)
    assert mags.estimate_b(binned, mc, dm).b == pytest.approx(tinti_mulargia, rel=1e-12)
    assert mags.estimate_b(binned, mc, dm, method="utsu").b == pytest.approx(utsu, abs=5e-9)
    if column == "b_value = 1":
        # the default tie tolerance moves one value, 2e-7 bins below the tie at -0.05, up
        default = mags.estimate_b(mags.round_to_bins(raw, dm), mc, dm)
        assert default.n == mags.estimate_b(binned, mc, dm).n + 1
        assert default.b == pytest.approx(0.9986473595925202, rel=1e-12)


def test_r6_mbs_on_the_swiss_catalogue(seismostats_data):
    path = seismostats_data / "analysis" / "tests" / "data" / "catalog_sed.csv"
    m = mags.round_to_bins(pd.read_csv(path, index_col=0)["magnitude"].to_numpy(), 0.01)
    for constant in (mags.SHI_BOLT_CONSTANT, "ln10"):
        mc, diagnostics = mags.mc_mbs(m, 0.01, stability_range=0.5,
                                      candidates=np.arange(0.12, 2.0, 0.01),
                                      shi_bolt_constant=constant)
        assert mc == pytest.approx(1.44, abs=1e-9)
        assert diagnostics["window_bins"] == 50
