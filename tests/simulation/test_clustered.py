"""Tests of varpy.simulation.clustered: simulation of the clustered inverse Omori model and the
parametric-bootstrap interval of tf (seeded, identical serially and in parallel)."""
import concurrent.futures
import math

import numpy as np
import pytest

from varpy.modelling.clustered import fit_clustered
from varpy.simulation import clustered as S
from varpy.statistics.likelihoods import power_integral

TRUTH = dict(k=20.0, tf=100.0, p=1.0, K=0.0225, alpha=1.0, c=0.01, q=1.2)


@pytest.fixture(scope="module")
def sequence():
    t, m = S.simulate_clustered(TRUTH, 0.0, 95.0, seed=0)
    return t, m, fit_clustered(t, 0.0, 95.0, m, mc=0.0, warn=False)


def test_simulated_counts_match_the_model():
    """Mean count over 200 runs = background integral / (1 - window branching), within 4 se."""
    truth = dict(TRUTH, K=0.0)
    counts = [S.simulate_clustered(truth, 0.0, 95.0, seed=s)[0].size for s in range(200)]
    expected = TRUTH["k"] * float(power_integral(5.0, 95.0, 1.0))
    assert abs(np.mean(counts) - expected) < 4 * math.sqrt(expected / 200)
    t, m = S.simulate_clustered(TRUTH, 0.0, 95.0, seed=1)
    assert np.all(np.diff(t) >= 0) and t[-1] < 95.0 and m.min() >= 0.0


def test_bootstrap_is_seeded_and_identical_in_parallel(sequence):
    _, m, fit = sequence
    a = S.bootstrap_tf_interval(fit, m, n_boot=24, seed=11, progress=False)
    b = S.bootstrap_tf_interval(fit, m, n_boot=24, seed=11, progress=False)
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        c = S.bootstrap_tf_interval(fit, m, n_boot=24, seed=11, progress=False, executor=ex)
    assert a.bootstrap["tf"] == b.bootstrap["tf"] == c.bootstrap["tf"]
    assert a.tf_ci == c.tf_ci and a.ci_method == "bootstrap"
    lo, hi = a.tf_ci
    assert 95.0 <= lo < hi
    # the forecast distribution agrees with the interval
    assert a.prob_failure_before(lo - 1e-9) <= 0.05 and a.prob_failure_before(hi) >= 0.95


