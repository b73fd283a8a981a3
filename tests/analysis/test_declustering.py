"""varpy.analysis.declustering and ECVD.decluster(): a table in, labels per row, kept with the
project."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import varpy
from varpy.analysis.declustering import decluster
from varpy.exceptions import DataFormatError, UnknownFormatError
from varpy.management.timeconv import to_float_time
from varpy.simulation.etas import simulate_etas_space_time
from varpy.statistics import declustering as dc

COLS = {c: c for c in ("time", "latitude", "longitude", "depth", "magnitude")}


def _table(seed=0):
    cat = simulate_etas_space_time(0.5, 0.02, 1.5, 0.01, 1.2, t_end=800.0, mmin=2.0,
                                   region=(-50, 50, -50, 50), kernel="gaussian", d=0.5,
                                   origin=(37.7, 15.0), seed=seed)
    return pd.DataFrame({
        "time": pd.Timestamp("2015-01-01", tz="UTC") + pd.to_timedelta(cat.time, unit="D"),
        "latitude": cat.latitude, "longitude": cat.longitude, "depth": 5.0,
        "magnitude": cat.magnitude.round(1)})


@pytest.mark.parametrize("method", ["gardner_knopoff", "reasenberg", "nearest_neighbour"])
def test_table_declustering_equals_the_array_function(method):
    df = _table()
    r = decluster(df, method)
    t = to_float_time(df["time"])
    direct = dc.decluster(method, t, df.latitude, df.longitude, df.magnitude, df.depth)
    assert r.to_dict() == direct.to_dict()
    assert r.n_events == len(df)


def test_incomplete_rows_and_unknown_methods_are_refused():
    df = _table()
    df.loc[3, "magnitude"] = np.nan
    with pytest.raises(DataFormatError, match="row 3"):
        decluster(df, "gk")
    with pytest.raises(UnknownFormatError):
        decluster(_table(), "dbscan")
    with pytest.raises(DataFormatError, match="latitude"):
        decluster(_table().drop(columns="latitude"))


def test_ecvd_decluster_is_recorded_and_persisted(tmp_path):
    v = varpy.Volcanic("Decl", root=tmp_path)
    path = tmp_path / "cat.csv"
    frame = _table(1).copy()
    frame["time"] = frame["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    frame.to_csv(path, index=False)
    v.add_datatype("ecvd", path, format="csv", columns=COLS)
    r = v.ecvd.decluster("nn", store=True)
    assert r.method == "nearest_neighbour"
    again = varpy.open(v.path)
    stored = again.ecvd.outputs["decluster_nearest_neighbour"]
    assert stored["result_type"].endswith("result:DeclusterResult")
    assert dc.DeclusterResult.from_dict(stored["result"]).to_dict() == r.to_dict()
    # on a selection the name records it, and nothing else is overwritten
    from varpy.preparation import windows

    sub = windows.magnitude_range(v, 2.5, None)
    sub.ecvd.decluster("gardner_knopoff", windows="uhrhammer")
    names = set(varpy.open(v.path).ecvd.outputs)
    assert "decluster_nearest_neighbour" in names
    assert any(n.startswith("decluster_gardner_knopoff-sel") for n in names)
