"""Figures of b-value / Mc / z-value grids and depth cross-sections."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import varpy
from varpy.exceptions import DataFormatError
from varpy.statistics import mags
from varpy.visualization.seismicity_maps import cross_section, grid_figure, seismicity_map


def _catalogue(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    t = pd.Timestamp("2010-01-01", tz="UTC") + pd.to_timedelta(np.sort(rng.uniform(0, 2000, n)),
                                                             unit="D")
    return varpy.ECVD(pd.DataFrame({
        "time": t, "latitude": rng.uniform(37.6, 37.9, n), "longitude": rng.uniform(14.9, 15.2, n),
        "depth": rng.uniform(0, 15, n),
        "magnitude": mags.simulate_gr(n, 1.0, 1.0, 0.1, seed=seed)}))


def test_b_value_map_figure_carries_its_grid_and_blank_nodes():
    cat = _catalogue()
    fig = seismicity_map(cat, "b_value", lat_nodes=[37.75, 38.5], lon_nodes=[15.05],
                         radius_km=10.0, mc=1.0, min_events=50)
    assert isinstance(fig, Figure)
    grid = fig.varpy_grid
    assert grid.n_below_min == 1 and np.isnan(grid.value[1, 0])   # 38.5 N has no events
    assert abs(grid.value[0, 0] - 1.0) < 3 * grid.values["b_sigma"][0, 0]
    ax = fig.axes[0]
    assert "1 of 2 nodes (1 with < 50 events)" in ax.get_title()
    assert ax.get_xlabel().startswith("longitude")


def test_mc_map_on_a_spacing_grid_and_z_value_map_with_a_date():
    cat = _catalogue(seed=1)
    fig = seismicity_map(cat, "mc", spacing=0.1, n_nearest=300, show_events=False)
    assert fig.varpy_grid.value.shape == (3, 3)
    assert np.all(fig.varpy_grid.value == 1.0)                 # complete from 1.0
    fig = seismicity_map(cat, "z_value", lat_nodes=[37.75], lon_nodes=[15.05],
                         split_time="2012-06-01", radius_km=20.0, bin_days=30.0)
    z = fig.varpy_grid.value[0, 0]
    assert abs(z) < 3.5                                       # a constant rate
    days = (pd.Timestamp("2012-06-01", tz="UTC") - pd.Timestamp("1970-01-01", tz="UTC")).days
    assert fig.varpy_grid.parameters["split_time"] == pytest.approx(days)


def test_cross_section_with_and_without_a_grid():
    cat = _catalogue(seed=2)
    fig = cross_section(cat, (37.75, 14.9), (37.75, 15.2), width_km=10.0)
    ax = fig.axes[0]
    assert ax.yaxis_inverted() and "events within 5 km" in ax.get_title()
    fig = cross_section(cat, (37.75, 14.9), (37.75, 15.2), width_km=10.0, quantity="b_value",
                        spacing_km=5.0, radius_km=5.0, mc=1.0, min_events=30)
    g = fig.varpy_grid
    assert g.kind == "section" and g.extras["events_in_swath"] > 500
    assert fig.axes[0].yaxis_inverted()


def test_grid_figure_refuses_other_objects_and_missing_nodes():
    with pytest.raises(TypeError, match="GridResult"):
        grid_figure({"b_value": 1})
    with pytest.raises(DataFormatError, match="spacing"):
        seismicity_map(_catalogue(n=50), "mc", n_nearest=10)
