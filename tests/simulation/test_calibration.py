"""Tests of varpy.simulation.calibration: coverage of failure-time intervals on simulated
clustered sequences (the arithmetic, the binomial check, seeding, and that a miscalibrated
method is caught). The full grid is in test_calibration_grid.py (slow)."""
import concurrent.futures
import json
import math
import sys
from pathlib import Path

import pytest

from varpy.exceptions import DataFormatError
from varpy.simulation.calibration import CoverageResult, interval_coverage

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import calibrate_intervals as grid  # noqa: E402


def _result(pit, status=None):
    status = status or ["ok" if math.isfinite(u) else "too-few-events" for u in pit]
    return CoverageResult(params=dict(k=1.0, tf=100.0, p=1.0, K=0.0, alpha=1.0, c=0.01, q=1.2),
                          window=(0.0, 95.0), methods=["m"], n_events=[50] * len(pit),
                          status={"m": status}, pit={"m": list(pit)})


def test_coverage_counts_tails_and_missing_forecasts():
    r = _result([0.01, 0.03, 0.5, 0.96, 0.99, math.nan],
                status=["ok", "ok", "unbounded", "ok", "ok", "no-acceleration"])
    assert r.forecast_fraction("m") == pytest.approx(5 / 6)
    assert r.bounded_fraction("m") == pytest.approx(4 / 6)
    assert r.tail_errors("m", 0.9) == (pytest.approx(0.4), pytest.approx(0.4))
    assert r.coverage("m", 0.9) == pytest.approx(0.2)
    assert r.tail_errors("m", 0.95) == (pytest.approx(0.2), pytest.approx(0.2))
    assert r.coverage("m", 0.95) == pytest.approx(0.6)
    with pytest.raises(DataFormatError, match="no method"):
        r.coverage("other", 0.9)


def test_wilson_interval_matches_the_closed_form():
    # Wilson (1927) score interval for 90 successes in 100 at 95 %: [0.8256, 0.9448] (as R's
    # binom::binom.confint(90, 100, method="wilson") prints it)
    r = _result([0.5] * 90 + [0.999] * 10)
    lo, hi = r.wilson("m", 0.9, confidence=0.95)
    assert (lo, hi) == (pytest.approx(0.8256, abs=6e-5), pytest.approx(0.9448, abs=6e-5))
    assert r.within("m", 0.9) and r.within("m", 0.93, tolerance=0.03)
    # 800 of 1000 covered: the 99 % Wilson interval [0.766, 0.830] misses 0.90 +- 0.03
    r2 = _result([0.5] * 800 + [0.999] * 200)
    assert not r2.within("m", 0.9)


def test_round_trip_through_json():
    r = _result([0.2, math.nan, 0.97])
    back = CoverageResult.from_dict(json.loads(r.to_json()))
    assert back.to_dict() == r.to_dict()
    assert back.coverage("m", 0.9) == r.coverage("m", 0.9)


def test_seeded_and_identical_on_an_executor():
    params = grid.truth(0.3, 1.0)
    a = interval_coverage(params, 0.0, 95.0, methods=("profile",), n_seeds=6, seed=3,
                          progress=False)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        b = interval_coverage(params, 0.0, 95.0, methods=("profile",), n_seeds=6, seed=3,
                              progress=False, executor=ex)
    assert a.to_dict() == b.to_dict()
    assert "profile" in a.summary()


def test_bad_arguments_are_refused():
    params = grid.truth(0.0, 1.0)
    with pytest.raises(DataFormatError, match="ci_method"):
        interval_coverage(params, 0.0, 95.0, methods=("wald",), n_seeds=2)
    with pytest.raises(DataFormatError, match="lacks"):
        interval_coverage({"k": 1.0, "tf": 100.0}, 0.0, 95.0, n_seeds=2)
    with pytest.raises(DataFormatError, match="not after"):
        interval_coverage(params, 0.0, 100.0, n_seeds=2)


def test_the_poisson_profile_is_caught_under_strong_clustering():
    """Branching ratio 0.6: the Poisson profile's 90 % interval covers ~65 % (the docs table);
    30 sequences are enough for the binomial check to call it miscalibrated, while the
    clustered profile passes the same check."""
    res = interval_coverage(grid.truth(0.6, 1.0), 0.0, 95.0, n_seeds=30, seed=5,
                            progress=False)
    assert not res.within("profile", 0.9)
    assert res.coverage("profile", 0.9) < res.coverage("clustered", 0.9)
    assert res.within("clustered", 0.9) and res.within("clustered", 0.95)
