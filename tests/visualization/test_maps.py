"""Scatter plots of catalogue columns and epicentre maps."""
from __future__ import annotations

import importlib.util
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402  (only to check no pyplot figure is made)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import varpy  # noqa: E402
from varpy import visualization as viz  # noqa: E402
from varpy.exceptions import DataFormatError, DataWarning  # noqa: E402


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    yield
    assert plt.get_fignums() == [], "a plotting function opened a pyplot figure"


@pytest.fixture
def catalogue():
    rng = np.random.default_rng(9)
    n = 120
    depth = rng.uniform(0, 25, n)
    depth[3] = np.nan                                     # unknown depth: not drawn
    df = pd.DataFrame({"time": pd.Timestamp("2013-04-05", tz="UTC")
                       + pd.to_timedelta(np.sort(rng.uniform(0, 200, n)), unit="D"),
                       "latitude": rng.uniform(27.6, 27.85, n),
                       "longitude": rng.uniform(-18.1, -17.9, n), "depth": depth,
                       "magnitude": np.round(rng.uniform(1, 4, n), 1)})
    return varpy.ECVD(df)


def test_two_columns_with_depth_inverted(catalogue):
    fig = viz.scatter(catalogue, "longitude", "depth", colour="magnitude")
    ax = fig.axes[0]
    pts = ax.collections[0].get_offsets()
    ok = catalogue.dataset["depth"].notna().to_numpy()
    assert len(pts) == ok.sum() == 119
    np.testing.assert_allclose(pts[:, 0], catalogue.dataset["longitude"][ok])
    np.testing.assert_allclose(pts[:, 1], catalogue.dataset["depth"][ok])
    assert ax.yaxis_inverted() and not ax.xaxis_inverted()
    assert ax.get_xlabel() == "longitude (°E)"
    assert ax.get_ylabel() == "depth (km)"
    assert fig.axes[1].get_ylabel() == "magnitude"           # colour bar


def test_column_against_time_and_limits(catalogue):
    fig = viz.scatter(catalogue, "depth", t_lims=("2013-05-01", None), y_lims=(30, 0))
    ax = fig.axes[0]
    pts = ax.collections[0].get_offsets()
    t = catalogue.times
    keep = (t >= pd.Timestamp("2013-05-01", tz="UTC")) & catalogue.dataset["depth"].notna()
    assert len(pts) == keep.sum()
    np.testing.assert_allclose(pts[:, 0], mdates.date2num(
        t[keep].dt.tz_localize(None).to_numpy()))
    assert ax.get_xlabel() == "time (UTC)"
    assert ax.yaxis_inverted()
    assert ax.get_ylim() == (30, 0)
    with pytest.raises(DataFormatError, match="no column"):
        viz.scatter(catalogue, "intensity")


def test_epicentre_map_equal_area_aspect(catalogue):
    fig = viz.epicentre_map(catalogue, colour="depth")
    ax = fig.axes[0]
    pts = ax.collections[0].get_offsets()
    assert len(pts) == len(catalogue)               # the map does not need depths
    np.testing.assert_allclose(pts[:, 0], catalogue.dataset["longitude"])
    np.testing.assert_allclose(pts[:, 1], catalogue.dataset["latitude"])
    mid = catalogue.dataset["latitude"].mean()
    assert ax.get_aspect() == pytest.approx(1 / math.cos(math.radians(mid)))
    sizes = ax.collections[0].get_sizes()
    m = catalogue.dataset["magnitude"].to_numpy()
    np.testing.assert_allclose(sizes, 6.0 * 2.0 ** (m - m.min()))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("longitude (°E)", "latitude (°N)")
    x0, x1 = ax.get_xlim()
    assert x0 < catalogue.dataset["longitude"].min() and x1 > catalogue.dataset["longitude"].max()


@pytest.mark.skipif(importlib.util.find_spec("cartopy") is not None,
                    reason="checks the fallback when cartopy is absent")
def test_coastlines_without_cartopy_fall_back_to_plain_axes(catalogue):
    with pytest.warns(DataWarning, match="cartopy"):
        fig = viz.epicentre_map(catalogue, coastlines=True)
    assert fig.axes[0].name == "rectilinear"
