"""Gardner-Knopoff on SeismoStats' own declustering test catalogue, where SeismoStats is
installed.

SeismoStats (AGPL) is never imported, here or in varpy: the test reads the small CSV file its
wheel ships (``analysis/declustering/tests/data/gardner_knopoff_test_catalogue.csv``: eleven
events built to exercise foreshocks, aftershocks and windows, with the expected mainshock flags)
from the installed package's folder, and skips when it is absent (as in CI). Nothing of it is
copied into this repository. ``bench/bench_decluster.py`` also compares the labels of
SeismoStats' ``GardnerKnopoffType1`` with varpy's on a 20,000-event ETAS catalogue (identical,
measured 2026-12-04 with SeismoStats 1.0.x).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from varpy.management.timeconv import to_float_time
from varpy.statistics import declustering as dc


@pytest.fixture(scope="module")
def gk_catalogue() -> pd.DataFrame:
    spec = importlib.util.find_spec("seismostats")      # locates it without importing it
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("SeismoStats is not installed (its test data are read from its folder)")
    path = (Path(list(spec.submodule_search_locations)[0]) / "analysis" / "declustering"
            / "tests" / "data" / "gardner_knopoff_test_catalogue.csv")
    if not path.is_file():
        pytest.skip(f"SeismoStats ships no {path.name}")
    return pd.read_csv(path)


def _run(cat, **kw):
    t = to_float_time(pd.to_datetime(cat["time"], utc=True))
    return dc.gardner_knopoff(t, cat["latitude"], cat["longitude"], cat["magnitude"],
                              foreshock_fraction=1.0, **kw)


def test_mainshock_flags_of_the_peer_test_catalogue(gk_catalogue):
    r = _run(gk_catalogue)
    assert np.array_equal(r.mainshock, gk_catalogue["mainshock_flag"].to_numpy(dtype=bool))


def test_time_cutoff_of_100_days_frees_the_late_aftershock(gk_catalogue):
    # the aftershock 101 days after the M 7 becomes a mainshock (SeismoStats' own expectation)
    expected = gk_catalogue["mainshock_flag"].to_numpy(dtype=bool).copy()
    expected[4] = True
    assert np.array_equal(_run(gk_catalogue, time_cutoff=100.0).mainshock, expected)
