"""ETAS: branching ratio, refusal of supercritical parameters, genealogy, branching statistics."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from varpy.exceptions import VarpyError
from varpy.simulation.etas import (
    branching_ratio,
    omori_integral,
    omori_integral_inverse,
    productivity_mean,
    simulate_etas,
    simulate_etas_space_time,
)

# short-tailed kernel (p = 1.8): offspring beyond the window end are negligible
SHORT = dict(mu=2.0, k=0.007, alpha=1.0, c=0.01, p=1.8, b=1.0)
SHORT_N = branching_ratio(0.007, 1.0, 0.01, 1.8, 1.0)


def test_branching_ratio_formula_against_double_quadrature():
    k, alpha, c, p, b = 0.02, 1.5, 0.01, 1.2, 1.0
    beta = b * np.log(10)
    closed = k * c ** (1 - p) / (p - 1) * beta / (beta - alpha)
    assert branching_ratio(k, alpha, c, p, b) == pytest.approx(closed, rel=1e-12)
    time_part, _ = integrate.quad(lambda t: (t + c) ** -p, 0, np.inf, limit=500)
    mag_part, _ = integrate.quad(lambda m: beta * np.exp((alpha - beta) * m), 0,
                                 np.inf)
    assert branching_ratio(k, alpha, c, p, b) == pytest.approx(k * time_part * mag_part,
                                                               rel=1e-6)


def test_branching_ratio_with_mmax_and_horizon():
    k, alpha, c, p, b, mmax = 0.05, 2.5, 0.1, 1.1, 1.0, 3.0  # alpha > beta: needs mmax
    beta = b * np.log(10)
    mag, _ = integrate.quad(lambda m: beta * np.exp((alpha - beta) * m), 0, mmax)
    mag /= -np.expm1(-beta * mmax)
    tpart, _ = integrate.quad(lambda t: (t + c) ** -p, 0, 50.0)
    got = branching_ratio(k, alpha, c, p, b, mmax=mmax, horizon=50.0)
    assert got == pytest.approx(k * tpart * mag, rel=1e-8)
    assert productivity_mean(alpha, b) == np.inf
    assert branching_ratio(k, 1.0, c, 0.9, b) == np.inf


@pytest.mark.parametrize("p", [0.8, 1.0, 1.3])
def test_omori_integral_and_inverse(p):
    c = 0.05
    u = np.array([0.0, 0.01, 1.0, 37.0, 1e4])
    for ui in u[1:]:
        assert omori_integral(ui, c, p) == pytest.approx(
            integrate.quad(lambda s: (s + c) ** -p, 0, ui, limit=200)[0], rel=1e-8)
    np.testing.assert_allclose(omori_integral_inverse(omori_integral(u, c, p), c, p), u,
                               rtol=1e-9, atol=1e-12)


def test_refuses_supercritical_and_undefined_parameters():
    with pytest.raises(VarpyError, match="supercritical"):
        simulate_etas(mu=1.0, k=0.05, alpha=1.2, c=0.01, p=1.3, b=1.0, t_end=10.0)
    with pytest.raises(VarpyError, match="alpha"):
        simulate_etas(mu=1.0, k=0.001, alpha=2.5, c=0.01, p=1.3, b=1.0, t_end=10.0)
    with pytest.raises(VarpyError, match="p=1.0"):
        simulate_etas(mu=1.0, k=0.001, alpha=1.0, c=0.01, p=1.0, b=1.0, t_end=10.0,
                      horizon=np.inf)
    with pytest.raises(VarpyError, match="c="):
        simulate_etas(mu=1.0, k=0.01, alpha=1.0, c=0.0, p=1.3, t_end=10.0)
    with pytest.raises(VarpyError, match="max_events"):
        simulate_etas(mu=1e6, k=0.01, alpha=1.0, c=0.01, p=1.3, t_end=1e3, max_events=1000)
    # alpha >= beta is fine with a maximum magnitude; p <= 1 is fine on a finite horizon
    cat = simulate_etas(mu=1.0, k=0.001, alpha=2.5, c=0.01, p=1.3, b=1.0, t_end=50.0,
                        mmax=3.0, seed=1)
    assert cat["magnitude"].max() <= 3.0
    cat = simulate_etas(mu=1.0, k=0.01, alpha=1.0, c=0.01, p=0.9, b=1.0, t_end=100.0, seed=1)
    assert len(cat) > 0


def _etas(seed, t_end=4000.0, **over):
    return simulate_etas(**{**SHORT, **over}, t_end=t_end, seed=seed)


def test_genealogy_is_consistent():
    cat = _etas(3)
    assert list(cat.columns) == ["time", "magnitude", "parent", "generation", "cluster"]
    assert cat["time"].is_monotonic_increasing
    assert cat["time"].min() >= 0 and cat["time"].max() < 4000.0
    assert cat["magnitude"].min() >= 0.0
    par = cat["parent"].to_numpy()
    child = np.flatnonzero(par >= 0)
    bg = np.flatnonzero(par < 0)
    assert np.all(par[child] < child)  # sorted by time: parents come first
    assert np.all(cat["time"].to_numpy()[par[child]] <= cat["time"].to_numpy()[child])
    gen = cat["generation"].to_numpy()
    np.testing.assert_array_equal(gen[child], gen[par[child]] + 1)
    assert np.all(gen[bg] == 0)
    clu = cat["cluster"].to_numpy()
    np.testing.assert_array_equal(clu[bg], bg)
    np.testing.assert_array_equal(clu[child], clu[par[child]])
    sim = cat.attrs["simulation"]
    assert sim["simulator"] == "etas" and sim["seed"] == 3
    assert sim["branching_ratio"] == pytest.approx(SHORT_N)


def test_offspring_counts_match_productivity_exactly():
    """Given all events, children counts are Poisson with mean K e^{alpha(m - M_z)} F(T - t);
    checked separately for small and large parents (tests K and alpha)."""
    z_small, z_large = [], []
    for seed in range(8):
        cat = _etas(seed)
        t = cat["time"].to_numpy()
        m = cat["magnitude"].to_numpy()
        expected = SHORT["k"] * np.exp(SHORT["alpha"] * m) * omori_integral(
            4000.0 - t, SHORT["c"], SHORT["p"])
        counts = np.bincount(cat["parent"].to_numpy()[cat["parent"] >= 0], minlength=len(cat))
        for mask, out in ((m < 0.5, z_small), (m >= 0.5, z_large)):
            e = expected[mask].sum()
            out.append((counts[mask].sum() - e) / np.sqrt(e))
    for z in (z_small, z_large):
        assert abs(np.mean(z)) < 3.0 / np.sqrt(len(z))
        assert np.all(np.abs(z) < 4.0)


def test_background_is_poisson_with_rate_mu():
    counts = [(_etas(s, t_end=1000.0)["parent"] < 0).sum() for s in range(30)]
    assert abs(np.mean(counts) - 2000.0) < 3.5 * np.sqrt(2000.0 / 30)


def test_offspring_delays_follow_the_truncated_omori_law():
    cat = _etas(5)
    t = cat["time"].to_numpy()
    par = cat["parent"].to_numpy()
    child = par >= 0
    delay = t[child] - t[par[child]]
    room = 4000.0 - t[par[child]]
    u = omori_integral(delay, SHORT["c"], SHORT["p"]) / omori_integral(room, SHORT["c"],
                                                                      SHORT["p"])
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_triggered_fraction_generation_ratio_and_cluster_size_match_theory():
    n = SHORT_N
    fractions, ratios, sizes = [], [], []
    for seed in range(6):
        cat = _etas(seed, t_end=20000.0)
        fractions.append(np.mean(cat["parent"] >= 0))
        gen = np.bincount(cat["generation"])
        ratios.append(gen[1:4].sum() / gen[0:3].sum())
        roots = np.flatnonzero((cat["parent"] < 0) & (cat["time"] < 10000.0))
        size = np.bincount(cat["cluster"], minlength=len(cat))
        sizes.append(size[roots].mean())
    # stationary fraction of triggered events = n; generation ratio = n; mean cluster 1/(1-n)
    assert np.mean(fractions) == pytest.approx(n, abs=0.01)
    assert np.mean(ratios) == pytest.approx(n, abs=0.01)
    assert np.mean(sizes) == pytest.approx(1.0 / (1.0 - n), rel=0.03)
    assert 0.4 < n < 0.8


def test_magnitudes_are_gr():
    cat = _etas(7)
    m = cat["magnitude"].to_numpy()
    bhat = np.log10(np.e) / m.mean()
    assert abs(bhat - 1.0) < 4.0 / np.sqrt(m.size)


def test_reproducible_and_seed_sensitive():
    a = _etas(11, t_end=500.0)
    b = _etas(11, t_end=500.0)
    c = _etas(12, t_end=500.0)
    assert a.equals(b)
    assert not a.equals(c)


@pytest.mark.parametrize("kernel", ["power_law", "gaussian"])
def test_space_time_offspring_distances_follow_the_kernel(kernel):
    d, q, gamma = 0.5, 1.7, 0.4
    cat = simulate_etas_space_time(**SHORT, t_end=3000.0, kernel=kernel, d=d, q=q, gamma=gamma,
                                   region=(0.0, 100.0, 0.0, 50.0), seed=13, origin=(37.7, 15.0))
    par = cat["parent"].to_numpy()
    child = np.flatnonzero(par >= 0)
    x, y, m = (cat[c].to_numpy() for c in ("x", "y", "magnitude"))
    r2 = (x[child] - x[par[child]]) ** 2 + (y[child] - y[par[child]]) ** 2
    scale = d * np.exp(gamma * m[par[child]])
    if kernel == "power_law":
        u = 1.0 - (1.0 + r2 / scale) ** (1.0 - q)
    else:
        u = 1.0 - np.exp(-r2 / (2.0 * scale))
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # isotropy: the direction is uniform
    angle = np.arctan2(y[child] - y[par[child]], x[child] - x[par[child]])
    assert stats.kstest(angle, "uniform", args=(-np.pi, 2 * np.pi)).pvalue > 1e-3
    bg = par < 0
    assert x[bg].min() >= 0 and x[bg].max() <= 100 and y[bg].min() >= 0 and y[bg].max() <= 50
    # one degree of latitude is ~111.2 km
    lat = cat["latitude"].to_numpy()
    np.testing.assert_allclose(lat - 37.7, y / 111.19492664455873)


def test_space_time_refuses_bad_kernels():
    with pytest.raises(VarpyError, match="q="):
        simulate_etas_space_time(**SHORT, t_end=10.0, q=1.0)
    with pytest.raises(VarpyError, match="kernel"):
        simulate_etas_space_time(**SHORT, t_end=10.0, kernel="cauchy")
    with pytest.raises(VarpyError, match="region"):
        simulate_etas_space_time(**SHORT, t_end=10.0, region=(0, 0, 0, 1))
