"""Figures of a declustering."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import varpy
from varpy.exceptions import DataFormatError
from varpy.simulation.etas import simulate_etas_space_time
from varpy.statistics.declustering import nearest_neighbour, nearest_neighbours
from varpy.visualization.declustering import declustered_rate, nearest_neighbour_distances


@pytest.fixture(scope="module")
def catalogue():
    cat = simulate_etas_space_time(1.0, 0.02, 1.5, 0.01, 1.2, t_end=1000.0, mmin=2.0,
                                   region=(-100, 100, -100, 100), kernel="gaussian", d=0.5,
                                   gamma=1.0, origin=(37.7, 15.0), seed=3)
    return varpy.ECVD(pd.DataFrame({
        "time": pd.Timestamp("2015-01-01", tz="UTC") + pd.to_timedelta(cat.time, unit="D"),
        "latitude": cat.latitude, "longitude": cat.longitude, "depth": 5.0,
        "magnitude": cat.magnitude}))


def _arrays(cat):
    df = cat.dataset
    t = (df.time - df.time.iloc[0]).dt.total_seconds().to_numpy() / 86400.0
    return t, df.latitude.to_numpy(), df.longitude.to_numpy(), df.magnitude.to_numpy()


def test_nearest_neighbour_figure_draws_the_threshold(catalogue):
    r = nearest_neighbour(*_arrays(catalogue))
    fig = nearest_neighbour_distances(catalogue, result=r)
    assert isinstance(fig, Figure)
    by_label = {ax.get_xlabel(): ax for ax in fig.axes}
    a1, a2 = by_label["log10 rescaled time T (years)"], by_label["log10 eta"]
    thr = r.diagnostics["log10_eta0"]
    line = [ln for ln in a1.get_lines() if "eta0" in ln.get_label()][0]
    x, y = line.get_data()
    np.testing.assert_allclose(np.asarray(x) + np.asarray(y), thr)
    # the two mixture components and the threshold are on the histogram
    assert len(a2.get_lines()) == 3
    # precomputed distances give the same picture
    nn = nearest_neighbours(*_arrays(catalogue))
    assert isinstance(nearest_neighbour_distances(nn), Figure)


def test_declustered_rate_counts(catalogue):
    r = catalogue.decluster("gk", store=False)
    fig = declustered_rate(catalogue, r)
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert labels == [f"all events ({len(catalogue)})",
                      f"background ({r.n_clusters}, gardner_knopoff)"]
    with pytest.raises(DataFormatError, match="labels"):
        declustered_rate(varpy.ECVD(catalogue.dataset.iloc[:10]), r)
