"""b-value, Mc and z-value grids: simulate-then-recover, the minimum-event rule, neighbourhoods
against brute force, sections."""
from __future__ import annotations

import json

import numpy as np
import pytest

from varpy.exceptions import DataFormatError, UnknownFormatError
from varpy.statistics import mags
from varpy.statistics import seismicity_maps as sm
from varpy.statistics.declustering.result import haversine_km


def _two_halves(seed, n=6000, b_west=0.8, b_east=1.3, mc_west=1.0, mc_east=1.0):
    """Epicentres uniform on [37, 38] x [14, 16]; west of 15 E one GR law, east another."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(37.0, 38.0, n)
    lon = rng.uniform(14.0, 16.0, n)
    west = lon < 15.0
    m = np.empty(n)
    m[west] = mags.simulate_gr(int(west.sum()), b_west, mc_west, 0.1, seed=seed)
    m[~west] = mags.simulate_gr(int((~west).sum()), b_east, mc_east, 0.1, seed=seed + 1000)
    return lat, lon, m


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_b_value_map_recovers_two_regions(seed):
    lat, lon, m = _two_halves(seed)
    g = sm.b_value_map(lat, lon, m, lat_nodes=[37.5], lon_nodes=[14.4, 15.6], radius_km=35.0,
                       mc=1.0, min_events=100)
    b, sigma, n = g.values["b_value"][0], g.values["b_sigma"][0], g.values["n"][0]
    assert np.all(n > 300)
    # within 3 Shi-Bolt sigmas of the true values
    assert abs(b[0] - 0.8) < 3 * sigma[0] and abs(b[1] - 1.3) < 3 * sigma[1]
    assert g.n_below_min == 0 and g.n_failed == 0


def test_b_value_coverage_over_seeds():
    # the Shi-Bolt 1-sigma interval covers the true b in about 68 % of nodes and seeds
    hits = total = 0
    for seed in range(20):
        lat, lon, m = _two_halves(seed, n=3000)
        g = sm.b_value_map(lat, lon, m, lat_nodes=[37.3, 37.7], lon_nodes=[14.4, 15.6],
                           radius_km=25.0, mc=1.0, min_events=50)
        b, s = g.values["b_value"], g.values["b_sigma"]
        truth = np.array([[0.8, 1.3], [0.8, 1.3]])
        hits += int(np.sum(np.abs(b - truth) <= s))
        total += b.size
    assert 0.55 <= hits / total <= 0.85, hits / total


def test_mc_map_finds_each_region_completeness():
    # complete GR samples above 1.0 (west) and 2.0 (east): MAXC returns the lowest bin
    lat, lon, m = _two_halves(4, n=8000, b_west=1.0, b_east=1.0, mc_west=1.0, mc_east=2.0)
    g = sm.mc_map(lat, lon, m, lat_nodes=[37.5], lon_nodes=[14.4, 15.6], n_nearest=1500)
    assert g.values["mc"][0].tolist() == [1.0, 2.0]
    # with Mc estimated per node, the b-value map uses the events above each node's Mc
    gb = sm.b_value_map(lat, lon, m, lat_nodes=[37.5], lon_nodes=[14.4, 15.6],
                        n_nearest=1500)
    assert gb.values["mc"][0].tolist() == [1.0, 2.0]
    assert np.all(np.abs(gb.values["b_value"][0] - 1.0) < 3 * gb.values["b_sigma"][0])


def test_minimum_event_rule_matches_brute_force_counts():
    lat, lon, m = _two_halves(5, n=2000)
    lat_nodes = np.arange(36.5, 38.6, 0.25)
    lon_nodes = np.arange(13.5, 16.6, 0.25)
    g = sm.b_value_map(lat, lon, m, lat_nodes=lat_nodes, lon_nodes=lon_nodes, radius_km=20.0,
                       mc=1.0, min_events=40)
    counts = np.array([[np.sum(haversine_km(y, x, lat, lon) <= 20.0) for x in lon_nodes]
                       for y in lat_nodes])
    # chord and great-circle distances differ by < 1e-5 km at 20 km: counts agree
    assert np.array_equal(g.values["n"].astype(int), counts)
    nan = np.isnan(g.value)
    assert np.array_equal(nan, counts < 40)
    assert g.n_below_min == int((counts < 40).sum()) > 0
    assert g.n_nodes == lat_nodes.size * lon_nodes.size


def test_constant_number_radius_is_the_distance_to_the_nth_event():
    lat, lon, m = _two_halves(6, n=1500)
    g = sm.mc_map(lat, lon, m, lat_nodes=[37.2, 37.8], lon_nodes=[14.5], n_nearest=200,
                  min_events=200)
    for k, y in enumerate([37.2, 37.8]):
        d = np.sort(haversine_km(y, 14.5, lat, lon))
        assert g.values["radius_km"][k, 0] == pytest.approx(d[199], rel=1e-6)
        assert g.values["n"][k, 0] == 200
    # a cap on the radius drops the farther events and the node falls below the minimum
    capped = sm.mc_map(lat, lon, m, lat_nodes=[37.2], lon_nodes=[14.5], n_nearest=200,
                       max_radius_km=5.0, min_events=200)
    assert capped.n_below_min == 1 and np.isnan(capped.value[0, 0])


def test_rate_change_map_detects_a_doubled_rate():
    rng = np.random.default_rng(8)
    # 2000 days; the east half doubles its rate after day 1000, the west half does not
    t_w = rng.uniform(0, 2000, 3000)
    t_e = np.concatenate([rng.uniform(0, 1000, 1500), rng.uniform(1000, 2000, 3000)])
    t = np.concatenate([t_w, t_e])
    lon = np.concatenate([rng.uniform(14.0, 15.0, t_w.size), rng.uniform(15.0, 16.0, t_e.size)])
    lat = rng.uniform(37.0, 38.0, t.size)
    g = sm.rate_change_map(lat, lon, t, split_time=1000.0, lat_nodes=[37.5],
                           lon_nodes=[14.5, 15.5], radius_km=30.0, bin_days=20.0)
    z_west, z_east = g.value[0]
    assert abs(z_west) < 3.0
    assert z_east < -8.0                               # an increase: strongly negative z
    assert g.values["rate_after"][0, 1] == pytest.approx(2 * g.values["rate_before"][0, 1],
                                                         rel=0.2)


def test_z_value_map_is_the_rate_change_z_of_each_node():
    # the node's z is varpy.statistics.rate_change.z_value of its counts in bins laid out
    # from the split (Habermann 1983: (R1 - R2) / sqrt(S1^2/n1 + S2^2/n2), ddof 1)
    from varpy.statistics import rate_change

    rng = np.random.default_rng(12)
    t = rng.uniform(0, 1000, 3000)
    lat, lon = rng.uniform(37.0, 38.0, t.size), rng.uniform(14.0, 15.0, t.size)
    g = sm.rate_change_map(lat, lon, t, split_time=420.0, lat_nodes=[37.5], lon_nodes=[14.5],
                           radius_km=25.0, bin_days=50.0)
    sel = haversine_km(37.5, 14.5, lat, lon) <= 25.0
    before = np.histogram(t[sel], 420.0 - 50.0 * np.arange(8, -1, -1))[0]   # 8 bins
    after = np.histogram(t[sel], 420.0 + 50.0 * np.arange(0, 12))[0]        # 11 bins
    a, b = before.astype(float), after.astype(float)
    z = (a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert g.value[0, 0] == pytest.approx(z) == pytest.approx(rate_change.z_value(a, b))
    with pytest.raises(DataFormatError, match="two in each"):
        sm.rate_change_map(lat, lon, t, split_time=420.0, lat_nodes=[37.5], lon_nodes=[14.5],
                           radius_km=25.0, bin_days=300.0)


def test_section_recovers_b_by_depth_and_keeps_only_the_swath():
    rng = np.random.default_rng(9)
    n = 6000
    lon = rng.uniform(14.9, 15.1, n)                  # an east-west profile along 37.75 N
    lat = 37.75 + rng.uniform(-0.1, 0.1, n)           # +-11 km across
    depth = rng.uniform(0, 20, n)
    shallow = depth < 10
    m = np.where(shallow, mags.simulate_gr(n, 1.5, 1.0, 0.1, seed=1),
                 mags.simulate_gr(n, 0.8, 1.0, 0.1, seed=2))
    start, end = (37.75, 14.9), (37.75, 15.1)
    g = sm.section_grid("b_value", lat, lon, depth, m, start=start, end=end, width_km=10.0,
                        distance_nodes=[8.8], depth_nodes=[4.0, 16.0], radius_km=4.0, mc=1.0,
                        min_events=100)
    dist, off, length = sm.profile_coordinates(lat, lon, start, end)
    assert g.extras["events_in_swath"] == int(np.sum((np.abs(off) <= 5.0) & (dist >= 0)
                                                     & (dist <= length)))
    assert length == pytest.approx(haversine_km(37.75, 14.9, 37.75, 15.1), rel=1e-4)
    b, s = g.values["b_value"][:, 0], g.values["b_sigma"][:, 0]
    assert abs(b[0] - 1.5) < 3 * s[0] and abs(b[1] - 0.8) < 3 * s[1]
    assert g.kind == "section" and list(g.to_frame().columns[:2]) == ["distance_km", "depth_km"]


def test_result_round_trip_and_frame():
    lat, lon, m = _two_halves(10, n=800)
    g = sm.b_value_map(lat, lon, m, lat_nodes=[37.2, 37.8], lon_nodes=[14.5, 15.5, 17.0],
                       radius_km=40.0, mc=1.0, min_events=30)
    d = g.to_dict()
    json.dumps(d, allow_nan=False)
    back = sm.GridResult.from_dict(d)
    assert back.to_dict() == d
    assert np.array_equal(np.isnan(back.value), np.isnan(g.value))
    frame = g.to_frame()
    assert len(frame) == 6 and {"b_value", "b_sigma", "mc", "n", "radius_km"} <= set(frame)
    assert "b_value map: 2 x 3 nodes" in g.summary()


def test_bad_requests_are_refused():
    lat, lon, m = _two_halves(11, n=100)
    with pytest.raises(DataFormatError, match="exactly one"):
        sm.b_value_map(lat, lon, m, lat_nodes=[37.5], lon_nodes=[15.0])
    with pytest.raises(DataFormatError, match="exactly one"):
        sm.b_value_map(lat, lon, m, lat_nodes=[37.5], lon_nodes=[15.0], radius_km=5,
                       n_nearest=5)
    with pytest.raises(UnknownFormatError):
        sm.seismicity_grid("a_value", lat, lon, m, lat_nodes=[37.5], lon_nodes=[15.0],
                           radius_km=5.0)
    with pytest.raises(DataFormatError, match="split_time"):
        sm.rate_change_map(lat, lon, np.arange(100.0), split_time=500.0, lat_nodes=[37.5],
                           lon_nodes=[15.0], radius_km=5.0)
    with pytest.raises(DataFormatError, match="magnitudes"):
        sm.b_value_map(lat, lon, m[:5], lat_nodes=[37.5], lon_nodes=[15.0], radius_km=5.0)
