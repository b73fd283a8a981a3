"""Tests of varpy.modelling.clustered: the clustered inverse Omori fit and its intervals.

References that were not made up: the plain inverse-Omori fit (reduction at zero productivity,
same log-likelihood to 1e-9), scipy's optimiser started from the true values (never better),
the truth of simulated sequences (recovery within the stated standard errors), and the score
(gradient) at the optimum.
"""
import concurrent.futures
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import optimize

from varpy.modelling import clustered as C
from varpy.simulation import clustered as S
from varpy.modelling.models import get_model

TRUTH = dict(k=20.0, tf=100.0, p=1.0, K=0.0225, alpha=1.0, c=0.01, q=1.2)   # n ~ 0.5


def _sim(seed, t1=95.0, truth=TRUTH):
    return S.simulate_clustered(truth, 0.0, t1, seed=seed)


@pytest.fixture(scope="module")
def sequence():
    t, m = _sim(0)
    return t, m, C.fit_clustered(t, 0.0, 95.0, m, mc=0.0, warn=False)


def test_reduces_to_plain_inverse_omori_fit_at_zero_productivity():
    for seed in range(3):
        t, m = _sim(seed)
        iol = get_model("iol").fit(t, 0.0, 95.0, warn=False)
        fit = C.fit_clustered(t, 0.0, 95.0, m, fixed={"K": 0.0}, warn=False, interval=False)
        assert abs(fit.loglik - iol.loglik) < 1e-9
        assert abs(fit.tf - iol.tf) < 1e-6 * (iol.tf - 95.0)
        assert fit.branching_ratio == 0.0


def test_fit_never_below_poisson_and_reports_everything(sequence):
    t, m, fit = sequence
    assert fit.status == "ok"
    assert fit.loglik >= fit.loglik_poisson - 1e-9
    assert fit.tf_ci[0] < fit.tf < fit.tf_ci[1]
    assert 0 < fit.branching_ratio < 1 and fit.branching_se > 0
    # the stored profile reproduces the interval as a confidence distribution
    assert abs(fit.prob_failure_before(fit.tf_ci[0]) - 0.025) < 1e-6
    assert abs(fit.prob_failure_before(fit.tf_ci[1]) - 0.975) < 1e-6
    text = fit.summary()
    assert "profile likelihood under clustering" in text and "branching ratio" in text


def test_round_trip(sequence):
    _, m, fit = sequence
    d = fit.to_dict()
    assert C.ClusteredFitResult.from_dict(d).to_dict() == d
    boot = S.bootstrap_tf_interval(fit, m, n_boot=30, seed=3, progress=False)
    d = boot.to_dict()
    assert C.ClusteredFitResult.from_dict(d).to_dict() == d
    assert "parametric bootstrap" in boot.summary()


def _theta_free(fit, t, m):
    from varpy.statistics import clustered_likelihood as cl

    sums = cl.TriggerSums(t, m, 0.0, 95.0)
    prob = C._Problem(sums, {})
    x = np.array([fit.params[k] for k in C.NAMES])
    return prob, prob.theta(x)


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_score_vanishes_at_the_optimum(seed):
    t, m = _sim(seed)
    fit = C.fit_clustered(t, 0.0, 95.0, m, mc=0.0, warn=False, interval=False)
    if fit.status != "ok":
        return
    prob, th = _theta_free(fit, t, m)
    free = list(range(7))
    f, g, H = prob.fgh(th, free)
    # parameters on a bound have a non-zero outward score; the others are stationary
    inner = [i for i in free
             if not ((prob.lower[i] is not None and th[i] <= prob.lower[i] + 1e-6)
                     or (prob.upper[i] is not None and th[i] >= prob.upper[i] - 1e-6))]
    # the Newton decrement: the log-likelihood a further Newton step could still gain
    gi = g[inner]
    gain = 0.5 * float(gi @ np.linalg.pinv(H[np.ix_(inner, inner)]) @ gi)
    assert gain < 1e-6


def test_never_worse_than_scipy_from_the_truth():
    for seed in range(4):
        t, m = _sim(seed)
        fit = C.fit_clustered(t, 0.0, 95.0, m, mc=0.0, warn=False, interval=False)
        from varpy.statistics import clustered_likelihood as cl

        prob = C._Problem(cl.TriggerSums(t, m, 0.0, 95.0), {})
        th0 = prob.theta(np.array([TRUTH[k] for k in C.NAMES]))
        bounds = [(lo, hi) for lo, hi in zip(prob.lower, prob.upper)]
        res = optimize.minimize(lambda th: prob.objective(th, list(range(7))), th0, jac=True,
                                method="L-BFGS-B", bounds=bounds)
        assert fit.loglik >= -res.fun - 1e-6


@pytest.mark.slow
def test_parameters_recovered_within_standard_errors():
    """30 sequences (~270 events, branching ratio 0.5) refitted; z = error / standard error.

    Scale parameters (k, K, c and tf - t1) are compared on the log scale (delta method, as
    ``FitResult.wald_ci(scale="log")``), p, alpha and q on the natural scale. Asserted: median z
    within 0.75 of 0 and at least 80 % of |z| <= 2 for every parameter. Measured on the same
    seeds: the branching ratio is biased low (median z -0.81: offspring beyond the window end
    are not observed), which docs/guide/intervals.rst states.
    """
    truth = dict(TRUTH, k=60.0)
    log_scale = {"k": 0.0, "K": 0.0, "c": 0.0, "tf": 95.0}
    z = {k: [] for k in C.NAMES}
    for seed in range(100, 130):
        t, m = _sim(seed, truth=truth)
        fit = C.fit_clustered(t, 0.0, 95.0, m, mc=0.0, warn=False, interval=False)
        assert fit.status == "ok"
        for k in C.NAMES:
            v, se, tv = fit.params[k], fit.stderr[k], truth[k]
            if not (math.isfinite(se) and se > 0):
                continue
            if k in log_scale:
                a = log_scale[k]
                z[k].append((math.log(v - a) - math.log(tv - a)) * (v - a) / se)
            else:
                z[k].append((v - tv) / se)
    for k in C.NAMES:
        zk = np.asarray(z[k])
        assert zk.size >= 25, k
        assert abs(np.median(zk)) < 0.75, (k, np.median(zk))
        assert np.mean(np.abs(zk) <= 2.0) >= 0.8, (k, np.mean(np.abs(zk) <= 2.0))


# ------------------------------------------------------------------ degenerate windows
def test_too_few_events_flagged_by_every_method():
    t, m = _sim(1)
    fit = C.fit_clustered(t[:10], 0.0, 95.0, m[:10], warn=False)
    assert fit.status == "too-few-events" and fit.tf_ci is None
    assert math.isnan(fit.prob_failure_before(120.0))
    boot = S.bootstrap_tf_interval(fit, m[:10], n_boot=10, seed=1, progress=False)
    assert boot.status == "too-few-events" and boot.tf_ci is None


def test_no_acceleration_flagged_by_every_method():
    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(0.0, 95.0, 150))            # constant-rate Poisson
    m = rng.exponential(1 / math.log(10), 150)
    fit = C.fit_clustered(t, 0.0, 95.0, m, warn=False)
    assert fit.status in ("no-acceleration", "unbounded"), fit.status
    assert fit.tf_ci is None or not math.isfinite(fit.tf_ci[1])
    boot = S.bootstrap_tf_interval(fit, m, n_boot=20, seed=1, progress=False)
    assert boot.status != "ok"
    assert boot.tf_ci is None or not math.isfinite(boot.tf_ci[1])
    iol = get_model("iol").fit(t, 0.0, 95.0, warn=False)
    assert iol.warnings


def test_tf_at_lower_bound_is_flagged():
    # a burst right at the end of the window: the singularity sits on the last events
    rng = np.random.default_rng(2)
    t = np.sort(np.r_[rng.uniform(0, 95, 40), 95.0 - 1e-7 * rng.uniform(1, 5, 60)])
    m = rng.exponential(1 / math.log(10), t.size)
    fit = C.fit_clustered(t, 0.0, 95.0, m, warn=False)
    assert fit.status != "ok"
    assert fit.tf_ci is None or not (math.isfinite(fit.tf_ci[1]) and fit.status == "ok")
    assert fit.warnings


def test_without_magnitudes_alpha_is_fixed():
    t, _ = _sim(4)
    fit = C.fit_clustered(t, 0.0, 95.0, warn=False, interval=False)
    assert fit.params["alpha"] == 0.0 and "alpha" in fit.fixed


@pytest.mark.slow
def test_clustered_profile_coverage_on_a_clustered_cell():
    """A CI-sized slice of bench/calibrate_intervals.py (the full grid, 27 cells x 200 seeds,
    is in docs/guide/intervals.rst): branching ratio 0.6, p = 1, lead time 5, 20 sequences.

    Asserted: at least 75 % of the sequences get a clustered interval and at least 75 % of
    those intervals cover the truth (3 binomial standard deviations below 95 % at n = 20 is
    80 %: a miscalibration as large as the Poisson profile's on this cell, 81 % in the docs
    table, is not certain to fail here, but a broken interval is). Measured with 30
    sequences: passes.
    """
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    import calibrate_intervals as cal
    from varpy.parallel import spawn_seeds

    rows = [cal.one_sequence(((0.6, 1.0, 5.0), s), 0) for s in spawn_seeds(99, 20)]
    summary = cal.summarise(rows)
    clustered = summary["clustered"]
    assert clustered["given"] >= 0.75
    assert clustered["cov95"] >= 0.75
