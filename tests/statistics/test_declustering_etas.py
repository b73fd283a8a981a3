"""Simulate-then-recover: declustering ETAS catalogues with known genealogy.

The catalogues come from :func:`varpy.simulation.etas.simulate_etas_space_time`, which keeps each
event's true parent. The true background fraction is the share of events without a parent;
a declustering's is its share of mainshocks (singles included). Tolerances below were set from
the spread measured over the seeds (stated in each test) and are not tuned per seed.
"""
from __future__ import annotations

import numpy as np
import pytest

from varpy.simulation.etas import branching_ratio, simulate_etas_space_time
from varpy.statistics import declustering as dc

SEEDS = [0, 1, 2, 3]
# branching ratio 0.72 (K=0.02, alpha=1.5, c=0.01 d, p=1.2, b=1); in 2000 days 32-44 % of the
# events are background (more than 1 - n = 28 %: sequences near the end are cut short);
# 1 background event a day over 300 km x 300 km; Gaussian offspring kernel of
# D = 0.5 exp(1.0 (m - 2)) km^2, magnitudes >= 2
PARAMS = dict(mu=1.0, k=0.02, alpha=1.5, c=0.01, p=1.2, b=1.0, t_end=2000.0, mmin=2.0,
              region=(-150.0, 150.0, -150.0, 150.0), kernel="gaussian", d=0.5, gamma=1.0,
              origin=(37.0, 15.0))


@pytest.fixture(scope="module")
def catalogues():
    out = []
    for seed in SEEDS:
        cat = simulate_etas_space_time(seed=seed, **PARAMS)
        arrays = tuple(cat[c].to_numpy() for c in ("time", "latitude", "longitude",
                                                    "magnitude"))
        out.append((cat["parent"].to_numpy(), arrays))
    return out


def test_branching_ratio_of_the_test_catalogues():
    n = branching_ratio(0.02, 1.5, 0.01, 1.2, 1.0)
    # K c^(1-p) / (p - 1) * beta / (beta - alpha) = 0.2512 * 2.8686
    assert n == pytest.approx(0.02 * 0.01 ** -0.2 / 0.2 * np.log(10) / (np.log(10) - 1.5))
    assert 0.70 < n < 0.74


def _fractions(catalogues, method, **kw):
    rows = []
    for parent, arrays in catalogues:
        r = dc.decluster(method, *arrays, **kw)
        rows.append(((parent < 0).mean(), r.background_fraction, r))
    return rows


@pytest.mark.slow
def test_nearest_neighbour_recovers_the_background_fraction(catalogues):
    # measured over seeds 0-7: errors +0.005 to +0.020 (mean +0.013)
    rows = _fractions(catalogues, "nearest_neighbour")
    errors = np.array([got - true for true, got, _ in rows])
    assert np.all(np.abs(errors) < 0.05), errors
    assert abs(errors.mean()) < 0.03, errors
    assert all(r.diagnostics["threshold_source"] == "mixture" for _, _, r in rows)


@pytest.mark.slow
def test_nearest_neighbour_parents_are_the_true_parents_for_most_events(catalogues):
    # measured over seeds 0-7: 65-76 % of the triggered events have their true parent as
    # nearest neighbour; 64-74 % of the strong links point to the true parent
    for parent, arrays in catalogues:
        nn = dc.nearest_neighbours(*arrays)
        triggered = parent >= 0
        match = np.mean(nn.parent[triggered] == parent[triggered])
        assert match > 0.6, match
        r = dc.nearest_neighbour(*arrays)
        strong = r.parent >= 0
        assert np.mean(r.parent[strong] == parent[strong]) > 0.6


@pytest.mark.slow
def test_gardner_knopoff_recovers_the_background_fraction(catalogues):
    # the GK windows (tens of km and days, far larger than these clusters) also capture
    # background events: measured errors over seeds 0-7 from -0.039 to -0.089
    rows = _fractions(catalogues, "gardner_knopoff")
    errors = np.array([got - true for true, got, _ in rows])
    assert np.all(np.abs(errors) < 0.12), errors
    assert np.all(errors < 0), errors


@pytest.mark.slow
def test_reasenberg_overestimates_the_background_within_its_known_bias(catalogues):
    # Reasenberg's 1-10 day look-ahead leaves the late, sparse part of Omori sequences as
    # background (van Stiphout et al. 2012 find it declusters least of the standard methods):
    # measured errors over seeds 0-7 from +0.152 to +0.177. The test states that bias
    # instead of hiding it.
    rows = _fractions(catalogues, "reasenberg")
    errors = np.array([got - true for true, got, _ in rows])
    assert np.all((errors > 0.10) & (errors < 0.25)), errors
    # and it still separates: far fewer clusters than events
    assert all(got < 0.7 for _, got, _ in rows)
