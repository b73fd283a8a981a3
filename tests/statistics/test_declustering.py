"""Declustering: window tables against the published values, analytic cases, exactness of the
fast nearest-neighbour search, result objects and invariants."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from varpy.exceptions import DataFormatError, UnknownFormatError
from varpy.statistics import declustering as dc
from varpy.statistics.declustering import windows
from varpy.statistics.declustering.neighbours import (mixture_threshold, nearest_neighbours,
                                                      nearest_neighbours_naive)
from varpy.statistics.declustering.reasenberg_clusters import crack_radius, look_ahead
from varpy.statistics.declustering.result import haversine_km, label_clusters

METHODS = ["gardner_knopoff", "reasenberg", "nearest_neighbour"]


# ---------------------------------------------------------------------------------------------
# window tables: published values
# ---------------------------------------------------------------------------------------------

def test_gk_fit_at_m5_matches_the_published_formula_values():
    # van Stiphout, Zhuang & Marsan (2012, CORSSA) fit of Gardner & Knopoff (1974):
    # L = 10^(0.1238*5 + 0.983) = 10^1.602 = 39.99 km, T = 10^(0.5409*5 - 0.547) = 143.7 days
    dist, time = dc.window("gardner_knopoff", 5.0)
    assert dist == pytest.approx(10 ** 1.602, rel=1e-12)
    assert dist == pytest.approx(39.99, abs=0.01)
    assert time == pytest.approx(143.7, abs=0.05)
    # above M 6.5 the time branch changes: T(7) = 10^(0.032*7 + 2.7389) = 918 days
    assert dc.window("gardner_knopoff", 7.0)[1] == pytest.approx(10 ** 2.9629, rel=1e-12)


@pytest.mark.parametrize("name, distances, seconds", [
    ("gardner_knopoff", [39.994475, 63.107358], [12416915.980999, 77021813.941164]),
    ("gruenthal", [56.62752, 79.180511], [18923361.968176, 78507969.029983]),
    ("uhrhammer", [20.005355, 72.414025], [2354273.993272, 16983332.073632]),
])
def test_windows_equal_seismostats_reference_values(name, distances, seconds):
    # the values of SeismoStats' test_distance_time_windows.py at M 5.0 and 6.6 (windows in km
    # and in seconds), from the same published formulas
    dist, days = dc.window(name, [5.0, 6.6])
    np.testing.assert_allclose(dist, distances, atol=1e-6)
    np.testing.assert_allclose(days * 86400.0, seconds, atol=1e-3)


def test_gk_table_is_gardner_knopoff_1974_table_1():
    # Gardner & Knopoff (1974) BSSA 64, 1363, Table 1: M 5.0 -> 40 km, 155 days;
    # M 6.0 -> 54 km, 510 days; M 7.0 -> 70 km, 915 days
    for m, dist, time in [(5.0, 40.0, 155.0), (6.0, 54.0, 510.0), (7.0, 70.0, 915.0)]:
        assert dc.window("gardner_knopoff_table", m) == (pytest.approx(dist), pytest.approx(time))
    # halfway between table rows: linear interpolation
    assert dc.window("gardner_knopoff_table", 5.25)[1] == pytest.approx((155 + 290) / 2)


def test_gk_fit_reproduces_the_1974_table():
    # the fit is within 3 % of the table's distances and 15 % of its times (largest misfit
    # at M 6.5: 885 days against 790)
    m, dist, time = windows.GK1974_TABLE.T
    fit_d, fit_t = dc.window("gardner_knopoff", m)
    assert np.all(np.abs(fit_d / dist - 1) < 0.03)
    assert np.all(np.abs(fit_t / time - 1) < 0.15)


def test_uhrhammer_and_gruenthal_formulas():
    # Uhrhammer (1986): L = exp(-1.024 + 0.804 M), T = exp(-2.87 + 1.235 M)
    d, t = dc.window("uhrhammer", 5.0)
    assert d == pytest.approx(np.exp(2.996)) and t == pytest.approx(np.exp(3.305))
    # Gruenthal: L = exp(1.77 + sqrt(0.037 + 1.02 M)); T(M<6.5) = exp(-3.95 + sqrt(0.62+17.32 M))
    d, t = dc.window("gruenthal", 5.0)
    assert d == pytest.approx(np.exp(1.77 + np.sqrt(0.037 + 5.1)))
    assert t == pytest.approx(np.exp(-3.95 + np.sqrt(0.62 + 86.6)))
    assert dc.window("Grünthal", 7.0)[1] == pytest.approx(10 ** (2.8 + 0.168))
    # Uhrhammer's windows are the smallest of the three at M 5 (van Stiphout et al. 2012, Fig.)
    assert dc.window("uhrhammer", 5.0)[0] < dc.window("gruenthal", 5.0)[0]
    assert dc.window("uhrhammer", 5.0)[0] < dc.window("gardner_knopoff", 5.0)[0]


def test_unknown_window_and_method_are_refused():
    with pytest.raises(UnknownFormatError, match="gardner_knopoff"):
        dc.window("knopoff", 5.0)
    with pytest.raises(UnknownFormatError, match="reasenberg"):
        dc.decluster("dbscan", [0.0], [0.0], [0.0], [1.0])


def test_reasenberg_formulas():
    # crack radius 0.011 * 10^(0.4 M) km (Reasenberg 1985, after Kanamori & Anderson 1975)
    assert crack_radius(5.0) == pytest.approx(1.1)
    # look-ahead: -ln(1 - p1) t / 10^((dM - 1) 2/3), dM = (1 - xk) Mbig - xmeff
    dm = 0.5 * 4.0 - 1.5
    expected = -np.log(0.05) * 0.2 / 10 ** ((dm - 1) * 2 / 3)
    assert look_ahead(0.2, 4.0) == pytest.approx(expected)
    assert look_ahead(0.0, 4.0) == 1.0 and look_ahead(100.0, 4.0) == 10.0


def test_haversine_quarter_meridian():
    # 90 degrees of arc on the mean-radius sphere
    assert haversine_km(0.0, 0.0, 90.0, 0.0) == pytest.approx(np.pi / 2 * 6371.0088)


# ---------------------------------------------------------------------------------------------
# analytic cases
# ---------------------------------------------------------------------------------------------

def _far_apart(seed, n=300):
    """A Poisson catalogue whose events are more than 100 km apart: each is alone."""
    rng = np.random.default_rng(seed)
    nodes = rng.permutation(20 * 20)[:n]
    lat = 30.0 + (nodes // 20).astype(float)          # 1 degree grid: >= 111 km apart
    lon = 0.0 + (nodes % 20).astype(float)
    t = np.sort(rng.uniform(0, 3650.0, n))
    m = np.minimum(2.0 + rng.exponential(1 / np.log(10), n), 4.0)
    return t, lat, lon, m


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_poisson_catalogue_is_one_cluster_per_event(method, seed):
    t, lat, lon, m = _far_apart(seed)
    r = dc.decluster(method, t, lat, lon, m)
    assert r.n_clusters == t.size
    assert np.array_equal(np.sort(r.cluster), np.arange(t.size))
    assert r.mainshock.all() and not r.foreshock.any()
    assert r.background_fraction == 1.0


def test_nearest_neighbour_unimodal_poisson_links_nothing():
    # a spatially uniform Poisson catalogue (close pairs do occur): log10 eta has one mode,
    # the mixture's components overlap (Ashman's D < 2) and no link is strong
    rng = np.random.default_rng(3)
    n = 1500
    t = np.sort(rng.uniform(0, 3650.0 * 5, n))
    r = dc.nearest_neighbour(t, rng.uniform(30, 45, n), rng.uniform(0, 20, n),
                             2.0 + rng.exponential(1 / np.log(10), n))
    assert r.diagnostics["threshold_source"] == "unimodal"
    assert r.diagnostics["mixture"]["separation"] < 2.0
    assert r.n_clusters == n and (r.parent == -1).all()


def test_gk_captures_an_aftershock_inside_and_not_outside_its_window():
    # M 5: window 39.99 km and 143.7 days (after and, with foreshock_fraction=1, before)
    lat_step = 39.0 / 111.19492664455873              # 39 km north
    t = [0.0, 140.0, 150.0, -140.0, 10.0]
    lat = [0.0, lat_step, 0.0, 0.0, 2 * lat_step]      # the last one is 78 km away
    r = dc.gardner_knopoff(t, lat, [0.0] * 5, [5.0, 3.0, 3.0, 3.0, 3.0])
    assert r.cluster[0] == r.cluster[1] == r.cluster[3]
    assert r.cluster[2] != r.cluster[0] and r.cluster[4] != r.cluster[0]
    assert r.foreshock[3] and r.mainshock[0] and not r.mainshock[1]
    only_after = dc.gardner_knopoff(t, lat, [0.0] * 5, [5.0, 3.0, 3.0, 3.0, 3.0],
                                    foreshock_fraction=0.0)
    assert only_after.cluster[3] != only_after.cluster[0]
    cut = dc.gardner_knopoff(t, lat, [0.0] * 5, [5.0, 3.0, 3.0, 3.0, 3.0], time_cutoff=100.0)
    assert cut.cluster[1] != cut.cluster[0]


def test_reasenberg_links_through_look_ahead_and_merges():
    # event 0 (M4) and 1 are linked (0.5 day < tau_min); 2 is linked to 1 within 1 day; 3 far
    r = dc.reasenberg([0.0, 0.5, 1.4, 30.0], [0.0, 0.01, 0.0, 0.0], [0.0, 0.0, 0.01, 0.0],
                      [4.0, 2.0, 2.5, 2.0])
    assert r.cluster.tolist() == [0, 0, 0, 1]
    assert r.mainshock.tolist() == [True, False, False, True]
    # outside the interaction zone (rfact * r(2) = 0.44 km plus err): separate clusters
    r2 = dc.reasenberg([0.0, 0.5], [0.0, 0.5], [0.0, 0.0], [2.0, 2.0])
    assert r2.n_clusters == 2


def test_reasenberg_parameters_are_recorded_and_checked():
    r = dc.reasenberg([0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [2.0, 3.0], xmeff=None)
    assert r.parameters == {"tau_min": 1.0, "tau_max": 10.0, "p1": 0.95, "xk": 0.5,
                            "xmeff": 2.0, "rfact": 10.0, "err": 1.5, "derr": 2.0}
    with pytest.raises(DataFormatError, match="p1"):
        dc.reasenberg([0.0], [0.0], [0.0], [2.0], p1=1.0)


# ---------------------------------------------------------------------------------------------
# nearest neighbours: the fast search is exact
# ---------------------------------------------------------------------------------------------

def _clustered(seed, n_bg=400, per=4):
    rng = np.random.default_rng(seed)
    t0 = rng.uniform(0, 2000.0, n_bg)
    lat0, lon0 = rng.uniform(35, 40, n_bg), rng.uniform(10, 16, n_bg)
    k = rng.poisson(per, n_bg)
    t = np.concatenate([t0, np.repeat(t0, k) + rng.exponential(2.0, k.sum())])
    lat = np.concatenate([lat0, np.repeat(lat0, k) + rng.normal(0, 0.02, k.sum())])
    lon = np.concatenate([lon0, np.repeat(lon0, k) + rng.normal(0, 0.02, k.sum())])
    m = 1.0 + rng.exponential(1 / np.log(10), t.size)
    z = rng.uniform(0, 15, t.size)
    return t, lat, lon, m, z


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("options", [{}, {"use_depth": True, "df": 2.0, "b": 0.8},
                                     {"min_distance": 0.5}])
def test_fast_nearest_neighbours_equal_the_naive_search(seed, options):
    t, lat, lon, m, z = _clustered(seed)
    fast = nearest_neighbours(t, lat, lon, m, z, **options)
    parent, eta = nearest_neighbours_naive(t, lat, lon, m, z, **options)
    assert np.array_equal(fast.parent, parent)
    np.testing.assert_allclose(fast.eta, eta, rtol=1e-10)
    has = parent >= 0
    np.testing.assert_allclose((fast.rescaled_time * fast.rescaled_distance)[has], eta[has],
                               rtol=1e-10)


def test_nearest_neighbour_on_unsorted_input_and_simultaneous_events():
    t = np.array([5.0, 1.0, 1.0, 3.0])
    lat = np.array([0.0, 0.0, 0.01, 0.02])
    nn = nearest_neighbours(t, lat, np.zeros(4), np.array([2.0, 3.0, 2.0, 2.0]))
    # the two events at t=1 cannot be each other's parent (t_ij must be > 0)
    assert nn.parent[1] == -1 and nn.parent[2] == -1
    assert nn.parent[3] in (1, 2) and nn.parent[0] in (1, 2, 3)
    assert np.isinf(nn.eta[1])


def test_mixture_threshold_recovers_separated_modes():
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(-7, 1.0, 4000), rng.normal(-3, 0.6, 2000)])
    thr, fit = mixture_threshold(x)
    assert fit["means"] == [pytest.approx(-7, abs=0.1), pytest.approx(-3, abs=0.1)]
    assert fit["weights"][0] == pytest.approx(2 / 3, abs=0.02)
    assert -5.5 < thr < -3.8 and fit["separation"] > 3
    # the threshold is where the weighted densities are equal
    from scipy import stats
    w, mu, sd = fit["weights"], fit["means"], fit["sds"]
    assert w[0] * stats.norm.pdf(thr, mu[0], sd[0]) == pytest.approx(
        w[1] * stats.norm.pdf(thr, mu[1], sd[1]), rel=1e-6)


def test_given_threshold_links_exactly_the_small_distances():
    t, lat, lon, m, _ = _clustered(4)
    nn = nearest_neighbours(t, lat, lon, m)
    r = dc.nearest_neighbour(t, lat, lon, m, threshold=-5.0)
    strong = (nn.parent >= 0) & (nn.log10_eta < -5.0)
    assert np.array_equal(r.parent >= 0, strong)
    assert r.n_clusters == t.size - int(strong.sum())      # every strong link joins two trees
    assert r.diagnostics["threshold_source"] == "given"
    # each strong link joins events of one cluster
    linked = np.flatnonzero(strong)
    assert np.array_equal(r.cluster[linked], r.cluster[nn.parent[linked]])


# ---------------------------------------------------------------------------------------------
# results and invariants
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_result_round_trip_label_and_summary(method):
    import pandas as pd

    t, lat, lon, m, z = _clustered(5, n_bg=150)
    r = dc.decluster(method, t, lat, lon, m, z)
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert dc.DeclusterResult.from_dict(d).to_dict() == d
    df = pd.DataFrame({"time": t, "magnitude": m})
    labelled = r.label(df)
    assert len(labelled) == len(df)                         # no row removed
    assert labelled["mainshock"].sum() == r.n_clusters
    assert labelled.attrs["declustering"]["method"] == method
    assert method in r.summary() and f"{r.n_clusters} clusters" in r.summary()
    # every cluster has exactly one mainshock, its largest event
    for c in np.unique(r.cluster)[:50]:
        members = r.cluster == c
        assert r.mainshock[members].sum() == 1
        assert m[members & r.mainshock][0] == m[members].max()
    with pytest.raises(DataFormatError, match="rows"):
        r.label(df.iloc[:3])


def test_label_clusters_numbers_clusters_by_time():
    r = label_clusters("x", {}, [7, 3, 7, 9], magnitudes=[1.0, 2.0, 1.0, 0.5],
                       times=[5.0, 1.0, 2.0, 0.0])
    assert r.cluster.tolist() == [2, 1, 2, 0]
    # equal magnitudes: the earliest is the mainshock, the later one an aftershock
    assert r.mainshock.tolist() == [False, True, True, True]


def test_bad_input_is_refused():
    with pytest.raises(DataFormatError, match="latitude"):
        dc.gardner_knopoff([0.0, 1.0], [0.0], [0.0, 0.0], [1.0, 2.0])
    with pytest.raises(DataFormatError, match="non-finite"):
        dc.nearest_neighbour([0.0, np.nan], [0.0, 0.0], [0.0, 0.0], [1.0, 2.0])
    with pytest.raises(DataFormatError, match="df"):
        nearest_neighbours([0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [1.0, 2.0], df=0.0)


def _partition(cluster):
    """Canonical form of a partition: sorted tuple of sorted member tuples."""
    groups = {}
    for i, c in enumerate(cluster):
        groups.setdefault(int(c), []).append(i)
    return sorted(tuple(g) for g in groups.values())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), method=st.sampled_from(METHODS))
def test_labels_do_not_depend_on_row_order(seed, method):
    t, lat, lon, m, z = _clustered(seed % 1000, n_bg=40)
    # distinct magnitudes and times: no tie can be broken differently
    rng = np.random.default_rng(seed)
    m = m + rng.uniform(0, 1e-6, m.size)
    perm = rng.permutation(t.size)
    kw = {"threshold": -4.0} if method == "nearest_neighbour" else {}
    a = dc.decluster(method, t, lat, lon, m, z, **kw)
    b = dc.decluster(method, t[perm], lat[perm], lon[perm], m[perm], z[perm], **kw)
    inverse = np.argsort(perm)
    assert _partition(a.cluster) == _partition(b.cluster[inverse])
    assert np.array_equal(a.mainshock, b.mainshock[inverse])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 450),
       grid=st.sampled_from([0.0, 0.05, 0.5]), days=st.sampled_from([False, True]))
def test_fast_nearest_neighbours_equal_naive_on_random_catalogues(seed, n, grid, days):
    # clustered or not, with repeated epicentres (grid) and repeated times (whole days):
    # the block search returns the same parents (earliest on ties) and distances
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 200.0, n))
    if days:
        t = np.floor(t)
    lat = 37.0 + rng.uniform(0, 0.5, n)
    lon = 15.0 + rng.uniform(0, 0.5, n)
    if grid:
        lat, lon = np.round(lat / grid) * grid, np.round(lon / grid) * grid
    m = np.round(1.0 + rng.exponential(0.43, n), 1)
    fast = nearest_neighbours(t, lat, lon, m)
    parent, eta = nearest_neighbours_naive(t, lat, lon, m)
    assert np.array_equal(fast.parent, parent)
    np.testing.assert_allclose(fast.eta, eta, rtol=1e-10)


def test_nearest_neighbours_round_trip_and_summary():
    t, lat, lon, m, z = _clustered(6, n_bg=60)
    nn = nearest_neighbours(t, lat, lon, m, z)
    d = nn.to_dict()
    json.dumps(d, allow_nan=False)                   # the first event's inf eta is "inf"
    back = type(nn).from_dict(d)
    assert back.to_dict() == d and np.isinf(back.eta).sum() == 1
    assert "nearest neighbours of" in nn.summary()
