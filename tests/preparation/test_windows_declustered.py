"""windows.declustered: the background or the clustered events as a recorded window."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import varpy
from varpy.exceptions import SelectionError
from varpy.preparation import windows
from varpy.simulation.etas import simulate_etas_space_time

COLS = {c: c for c in ("time", "latitude", "longitude", "depth", "magnitude")}


def _ecvd(seed=0):
    cat = simulate_etas_space_time(0.5, 0.02, 1.5, 0.01, 1.2, t_end=800.0, mmin=2.0,
                                   region=(-50, 50, -50, 50), kernel="gaussian", d=0.5,
                                   origin=(37.7, 15.0), seed=seed)
    return varpy.ECVD(pd.DataFrame({
        "time": pd.Timestamp("2015-01-01", tz="UTC") + pd.to_timedelta(cat.time, unit="D"),
        "latitude": cat.latitude, "longitude": cat.longitude, "depth": 5.0,
        "magnitude": cat.magnitude}))


@pytest.mark.parametrize("method", ["gardner_knopoff", "reasenberg", "nearest_neighbour"])
def test_background_and_clusters_partition_the_catalogue(method):
    cat = _ecvd()
    labels = cat.decluster(method, store=False)
    bg = windows.declustered(cat, method)
    cl = windows.declustered(cat, method, keep="clustered")
    assert len(bg) + len(cl) == len(cat)
    assert len(bg) == labels.n_clusters
    pd.testing.assert_frame_equal(bg.dataset, cat.dataset[labels.mainshock]
                                  .reset_index(drop=True), check_like=True)
    step = bg.selection[-1]
    assert step["op"] == "decluster" and step["method"] == method
    assert step["keep"] == "background" and step["parameters"] == labels.parameters
    assert step["n_clusters"] == labels.n_clusters and step["n_events"] == len(cat)
    json.dumps(step)
    assert cat.selection == []                          # the input is not modified


def test_precomputed_result_is_used_and_checked():
    cat = _ecvd(1)
    r = cat.decluster("gk", windows="gruenthal", store=False)
    bg = windows.declustered(cat, result=r)
    assert len(bg) == r.n_clusters
    assert bg.selection[-1]["parameters"]["windows"] == "gruenthal"
    with pytest.raises(SelectionError, match="labels"):
        windows.declustered(windows.magnitude_range(cat, 2.5, None), result=r)
    with pytest.raises(SelectionError, match="keep"):
        windows.declustered(cat, keep="mainshocks")


def test_on_a_project_only_the_catalogue_is_cut(tmp_path):
    v = varpy.Volcanic("W", root=tmp_path)
    path = tmp_path / "cat.csv"
    frame = _ecvd(2).dataset.copy()
    frame["time"] = frame["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    frame.to_csv(path, index=False)
    v.add_datatype("ecvd", path, format="csv", columns=COLS)
    sub = windows.declustered(v, "nn")
    assert len(sub.ecvd) < len(v.ecvd)
    assert sub.ecvd.selection[-1]["op"] == "decluster"
    # a selection can be combined with the other windows (they commute only when applied
    # before: declustering depends on which events are present)
    both = windows.declustered(windows.magnitude_range(v, 2.2, None), "gk")
    assert [s["op"] for s in both.ecvd.selection] == ["range", "decluster"]
    assert np.all(both.ecvd.dataset["magnitude"] >= 2.2)
