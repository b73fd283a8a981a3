"""The calibration grid of issue #11 (slow; runs in CI): coverage of the default interval
method, beside the Poisson profile's, on clustered precursory sequences.

Grid, seeds and model: ``bench/calibrate_intervals.py`` (27 cells: branching ratio 0, 0.3, 0.6
x p 0.5, 1, 1.5 x lead time 2, 5, 15; 200 sequences per cell, 5,400 in all), the same runs as
the table in docs/guide/intervals.rst. What counts as coverage is defined in
:mod:`varpy.simulation.calibration` (every forecast counts, one-sided intervals included; the
share without a forecast is checked separately).
"""
import concurrent.futures
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import calibrate_intervals as grid  # noqa: E402

N_SEEDS = 200
TOLERANCE = 0.03            # issue #11: within 3 percentage points of the nominal level


#: Cells where tf is practically unidentifiable (no triggering, weak acceleration p = 0.5,
#: failure 15 time units after the data): most intervals are open above, so the upper tail
#: can never miss, and the clustered profile over-covers (measured 98.5 / 99.0 %). Checked
#: there to be conservative, not calibrated; docs/guide/intervals.rst reports it.
WEAKLY_IDENTIFIED = {"n=0.0 p=0.5 lead=15.0"}


@pytest.fixture(scope="module")
def results():
    workers = max(1, min(os.cpu_count() or 1, 8))
    with concurrent.futures.ProcessPoolExecutor(workers) as ex:
        out = {grid.cell_key(cell): grid.run_cell(i, cell, N_SEEDS, ("profile", "clustered"),
                                                  executor=ex)
               for i, cell in enumerate(grid.cells())}
    dump = os.environ.get("VARPY_CALIBRATION_OUT")
    if dump:            # the docs table: python bench/calibrate_intervals.py --table FILE
        Path(dump).write_text(json.dumps({k: r.to_dict() for k, r in out.items()}))
    return out


@pytest.mark.slow
def test_default_method_is_calibrated_in_every_cell(results):
    """The default (``auto`` = ``clustered`` for inverse Omori forecasts): in every cell but
    :data:`WEAKLY_IDENTIFIED`, the coverage of its 90 % and 95 % intervals is within 3 points
    of nominal up to sampling noise (the 99 % Wilson interval of the coverage meets the band);
    it gives a forecast for at least 93 % of the sequences of every cell; averaged over the
    cells, its coverage is within 1.5 points of nominal (measured: 89.8 and 94.7 %).

    With 200 sequences a cell, the Wilson check cannot tell a 3-point miss from a 6-point one
    (the point estimates are within 3 points in 11 of the 27 cells; docs/guide/intervals.rst
    lists them): the mean over cells is the sharper check of a systematic bias."""
    misses = []
    for key, res in results.items():
        assert res.forecast_fraction("clustered") >= 0.93, (key, res.summary())
        for level in (0.9, 0.95):
            cov = res.coverage("clustered", level)
            if key in WEAKLY_IDENTIFIED:
                assert cov >= level - TOLERANCE, (key, res.summary())
                assert res.bounded_fraction("clustered") < 0.5, (key, res.summary())
            elif not res.within("clustered", level, TOLERANCE):
                misses.append(f"{key} {level:.0%}: {100 * cov:.1f}")
    assert not misses, misses
    for level in (0.9, 0.95):
        mean = sum(r.coverage("clustered", level) for r in results.values()) / len(results)
        assert abs(mean - level) <= 0.015, (level, mean)


@pytest.mark.slow
def test_poisson_profile_is_too_narrow_under_clustering(results):
    """Reported beside the default: the Poisson profile misses the band at branching ratio
    0.6 in every cell of short and medium lead time (coverage 58-65 % at 90 % in the docs
    table), which the same check catches, and covers less than the clustered profile there;
    without triggering (n = 0) it is within the band at p >= 1 and short leads."""
    for key, res in results.items():
        n_b, p, lead = (float(x.split("=")[1]) for x in key.split())
        if n_b == 0.6 and lead <= 5:
            assert not res.within("profile", 0.9, TOLERANCE), (key, res.summary())
            assert res.coverage("profile", 0.9) < res.coverage("clustered", 0.9)
        if n_b == 0.0 and p >= 1.0 and lead <= 5:
            assert res.within("profile", 0.9, TOLERANCE), (key, res.summary())
