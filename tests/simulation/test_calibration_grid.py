"""The calibration grid of issue #11 (slow; runs in CI): coverage of the default interval
method, beside the Poisson profile's, on clustered precursory sequences.

Grid, seeds and model: ``bench/calibrate_intervals.py`` (27 cells: branching ratio 0, 0.3, 0.6
x p 0.5, 1, 1.5 x lead time 2, 5, 15; 200 sequences per cell, 5,400 in all), the same runs as
the table in docs/guide/intervals.rst. What counts as coverage is defined in
:mod:`varpy.simulation.calibration` (every forecast counts, one-sided intervals included; the
share without a forecast is checked separately).
"""
import concurrent.futures
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import calibrate_intervals as grid  # noqa: E402

N_SEEDS = 200
TOLERANCE = 0.03            # issue #11: within 3 percentage points of the nominal level


@pytest.fixture(scope="module")
def results():
    workers = max(1, min(os.cpu_count() or 1, 8))
    with concurrent.futures.ProcessPoolExecutor(workers) as ex:
        return {grid.cell_key(cell): grid.run_cell(i, cell, N_SEEDS, ("profile", "clustered"),
                                                   executor=ex)
                for i, cell in enumerate(grid.cells())}


@pytest.mark.slow
def test_default_method_is_calibrated_in_every_cell(results):
    """The default (``auto`` = ``clustered`` for inverse Omori forecasts): in every cell, the
    coverage of its 90 % and 95 % intervals is within 3 points of nominal up to sampling
    noise (the 99 % Wilson interval of the coverage meets the band), and it gives a forecast
    for at least 95 % of the sequences."""
    misses = []
    for key, res in results.items():
        assert res.forecast_fraction("clustered") >= 0.95, (key, res.summary())
        for level in (0.9, 0.95):
            if not res.within("clustered", level, TOLERANCE):
                misses.append(f"{key} {level:.0%}: {100 * res.coverage('clustered', level):.1f}")
    assert not misses, misses


@pytest.mark.slow
def test_poisson_profile_is_too_narrow_under_clustering(results):
    """Reported beside the default: the Poisson profile misses the band at branching ratio
    0.6 in every cell of short and medium lead time (coverage 65-80 % at 90 %), which the same
    check catches; without triggering (n = 0) it is within the band at p >= 1."""
    for key, res in results.items():
        n_b, p, lead = (float(x.split("=")[1]) for x in key.split())
        if n_b == 0.6 and lead <= 5:
            assert not res.within("profile", 0.9, TOLERANCE), (key, res.summary())
            assert res.coverage("profile", 0.9) < res.coverage("clustered", 0.9)
        if n_b == 0.0 and p >= 1.0 and lead <= 5:
            assert res.within("profile", 0.9, TOLERANCE), (key, res.summary())
