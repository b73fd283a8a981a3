"""Tests of varpy.preparation.windows: half-open windows on projects and datatypes."""
from __future__ import annotations

import copy
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.path import Path

import varpy
from varpy.exceptions import DataWarning, MetadataError, UnknownFormatError
from varpy.preparation import (SelectionError, box, column_range, creep_phase, depth_range,
                               magnitude_range, polygon, select, stations, time_window)

START, END = "01-08-2011", "01-01-2013"
START_ISO, END_ISO = "2011-08-01T00:00:00+00:00", "2013-01-01T00:00:00+00:00"


def utc(text):
    return pd.Timestamp(text, tz="UTC")


def build(cls, *datatypes, id="X"):
    project = cls(id, root=None)
    for d in datatypes:
        project._attach(d)
    return project


def ecvd_frame(times, latitude=37.7, longitude=15.0, depth=5.0, magnitude=2.0):
    n = len(times)
    return pd.DataFrame({"time": pd.to_datetime(times, utc=True, format="ISO8601"),
                         "latitude": latitude, "longitude": longitude, "depth": depth,
                         "magnitude": magnitude, "event_id": [f"e{i}" for i in range(n)]})


def daily(first, last, name="tilt"):
    t = pd.date_range(first, last, freq="D", tz="UTC")
    return pd.DataFrame({"time": t, name: np.linspace(0.0, 1.0, len(t))})


@pytest.fixture
def volcano():
    """ECVD with events exactly on the window bounds, EVD, two SCVD stations."""
    ecvd = varpy.ECVD(ecvd_frame([
        "2011-07-31 23:59:59", "2011-08-01 00:00:00", "2012-01-01 12:00:00",
        "2012-12-31 23:59:59.999", "2013-01-01 00:00:00", "2013-06-01", None],
        depth=[-1.0, 0.0, 5.0, 10.0, np.nan, 3.0, 4.0],
        magnitude=[1.9, 2.0, 2.5, 3.0, np.nan, 0.5, 2.2]), {"id": "X"})
    evd = varpy.EVD(pd.DataFrame({
        "start": pd.to_datetime(["2011-07-01", "2011-08-01", "2012-12-31", "2013-01-01"],
                                utc=True),
        "end": pd.to_datetime(["2011-09-01", "2011-08-10", None, "2013-02-01"], utc=True),
        "type": ["Flank", "Summit", "Summit", "Flank"]}))
    cdv = varpy.SCVD(daily("2011-07-30", "2013-01-03"), station="CDV")
    mnr = varpy.SCVD(daily("2012-01-01", "2014-01-01"), station="MNR")
    return build(varpy.Volcanic, ecvd, evd, cdv, mnr, id="Etna")


@pytest.fixture
def lab():
    ecld = varpy.ECLD(pd.DataFrame({"time": [0.0, 9.999, 10.0, 10.5, 19.5, 20.0, np.nan],
                                    "magnitude": [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]}),
                      {"t1": 10.0, "tf": 20.0})
    scld = varpy.SCLD(pd.DataFrame({"time": np.arange(0.0, 30.0, 1.0),
                                    "stress": np.linspace(0.0, 100.0, 30)}),
                      {"t1": 10.0, "tf": 20.0})
    return build(varpy.Laboratory, ecld, scld, id="DDS7")


def snapshot(project):
    return {k: (d, d.dataset, d.dataset.copy(), copy.deepcopy(d.selection))
            for k, d in project.datatypes().items()}


def assert_untouched(project, snap):
    assert set(project.datatypes()) == set(snap)
    for key, d in project.datatypes().items():
        obj, frame, frozen, selection = snap[key]
        assert d is obj and d.dataset is frame
        pd.testing.assert_frame_equal(d.dataset, frozen)
        assert d.selection == selection


# ------------------------------------------------------------------------------------------------
# time windows
# ------------------------------------------------------------------------------------------------
def test_time_window_is_half_open_and_cuts_every_datatype(volcano):
    out = time_window(volcano, START, END)
    # ECVD: the event at exactly 01-08-2011 is in, the one at exactly 01-01-2013 out, NaT out
    assert out.ecvd.dataset["event_id"].tolist() == ["e1", "e2", "e3"]
    # EVD by onset: the eruption that began 2011-07-01 (still going on 2011-08-01) is out
    assert out.evd.dataset["start"].tolist() == [utc("2011-08-01"), utc("2012-12-31")]
    # every station: 519 days from 2011-08-01 to 2013-01-01, and the 366 days of 2012
    assert len(out.scvd["CDV"]) == 519
    assert len(out.scvd["MNR"]) == 366
    assert out.scvd["CDV"].times.min() == utc("2011-08-01")
    assert out.scvd["CDV"].times.max() == utc("2012-12-31")
    assert type(out) is varpy.Volcanic and out is not volcano


def test_time_window_records_steps(volcano):
    out = time_window(volcano, START, END)
    step = {"op": "time", "column": "time", "start": START_ISO, "end": END_ISO,
            "closed": "left"}
    assert out.ecvd.selection == [step]
    assert out.scvd["CDV"].selection == [step]
    assert out.scvd["MNR"].selection == [step]
    assert out.evd.selection == [{**step, "column": "start"}]
    json.dumps({k: d.selection for k, d in out.datatypes().items()})
    later = time_window(out, None, "2012-06-01")
    assert later.ecvd.selection == [step, {**step, "start": None,
                                           "end": "2012-06-01T00:00:00+00:00"}]
    assert len(later.ecvd) == 2


def test_time_window_leaves_original_untouched(volcano):
    snap = snapshot(volcano)
    out = time_window(volcano, START, END)
    assert_untouched(volcano, snap)
    for key, d in out.datatypes().items():
        assert d is not snap[key][0] and d.dataset is not snap[key][1]
    assert len(volcano.ecvd) == 7 and volcano.ecvd.selection == []


@pytest.mark.parametrize("bound", [
    "01-08-2011", "01/08/2011", "2011-08-01", "2011-08-01T00:00:00Z", dt.datetime(2011, 8, 1),
    dt.date(2011, 8, 1), pd.Timestamp("2011-08-01"), np.datetime64("2011-08-01T00:00"),
    pd.Timestamp("2011-08-01 02:00", tz="Europe/Rome"),
    dt.datetime(2011, 7, 31, 20, tzinfo=dt.timezone(dt.timedelta(hours=-4)))])
def test_time_bounds_in_every_accepted_form(volcano, bound):
    out = time_window(volcano, bound, END)
    assert out.ecvd.dataset["event_id"].tolist() == ["e1", "e2", "e3"]
    assert out.ecvd.selection[0]["start"] == START_ISO


def test_time_bounds_with_a_clock_time(volcano):
    out = time_window(volcano, "01-08-2011 00:00:01", "2012-12-31T23:59:59.999")
    assert out.ecvd.dataset["event_id"].tolist() == ["e2"]


@pytest.mark.parametrize("bad", [734350.0, 734350, np.float64(1.0), True, "yesterday",
                                 "32-01-2011", pd.NaT])
def test_calendar_time_window_refuses_other_bounds(volcano, bad):
    with pytest.raises(SelectionError, match="start="):
        time_window(volcano, bad, END)


@pytest.mark.parametrize("bad", ["01-08-2011", dt.datetime(2011, 8, 1),
                                 pd.Timestamp("2011-08-01"), np.datetime64("2011-08-01"),
                                 float("nan"), [1.0], False])
def test_lab_time_window_refuses_calendar_bounds(lab, bad):
    with pytest.raises(SelectionError, match="end="):
        time_window(lab, 0.0, bad)


def test_time_window_refuses_reversed_bounds(volcano, lab):
    with pytest.raises(SelectionError, match="after"):
        time_window(volcano, END, START)
    with pytest.raises(SelectionError, match="after"):
        time_window(lab, 20.0, 10.0)
    assert len(time_window(lab, 10.0, 10.0).ecld) == 0  # empty, not an error


def test_lab_time_window_in_seconds(lab):
    snap = snapshot(lab)
    out = time_window(lab, 10.0, 20.0)
    assert out.ecld.dataset["time"].tolist() == [10.0, 10.5, 19.5]
    assert out.scld.dataset["time"].tolist() == [float(t) for t in range(10, 20)]
    assert out.ecld.selection == [{"op": "time", "column": "time", "start": 10.0,
                                   "end": 20.0, "closed": "left"}]
    assert type(out) is varpy.Laboratory
    assert_untouched(lab, snap)
    same = time_window(lab, dt.timedelta(seconds=10), np.timedelta64(20, "s"))
    pd.testing.assert_frame_equal(same.ecld.dataset, out.ecld.dataset)
    assert len(time_window(lab, np.int64(10), None).ecld) == 4


def test_time_window_on_a_single_datatype(volcano):
    ecvd = volcano.ecvd
    frame = ecvd.dataset
    out = time_window(ecvd, START, END)
    assert type(out) is varpy.ECVD and out is not ecvd
    assert len(out) == 3 and len(ecvd) == 7 and ecvd.dataset is frame
    assert ecvd.selection == [] and len(out.selection) == 1
    evd = time_window(volcano.evd, START, END)
    assert len(evd) == 2 and evd.selection[0]["column"] == "start"
    assert time_window(volcano.scvd["CDV"], START, END).station == "CDV"
    with pytest.raises(SelectionError, match="does not name"):
        time_window(ecvd, START, END, kinds="evd")
    assert len(time_window(ecvd, START, END, kinds=["ECVD"])) == 3


def test_kinds_choose_the_datatypes(volcano):
    only = time_window(volcano, START, END, kinds="ecvd")
    assert len(only.ecvd) == 3 and len(only.evd) == 4
    assert len(only.scvd["CDV"]) == len(volcano.scvd["CDV"]) == 524
    assert only.evd.selection == [] and only.scvd["CDV"].selection == []
    cdv = time_window(volcano, START, END, kinds=["scvd-CDV"])
    assert len(cdv.scvd["CDV"]) == 519 and len(cdv.scvd["MNR"]) == len(volcano.scvd["MNR"])
    both = time_window(volcano, START, END, kinds=["scvd"])
    assert (len(both.scvd["CDV"]), len(both.scvd["MNR"]), len(both.ecvd)) == (519, 366, 7)
    with pytest.raises(SelectionError, match="no SCVD station 'XYZ'"):
        time_window(volcano, START, END, kinds="scvd-XYZ")
    with pytest.raises(UnknownFormatError, match="ecld"):
        time_window(volcano, START, END, kinds="ecld")
    no_evd = build(varpy.Volcanic, volcano.ecvd.copy())
    with pytest.raises(SelectionError, match="no EVD"):
        time_window(no_evd, START, END, kinds="evd")
    with pytest.raises(SelectionError, match="holds no datatypes"):
        time_window(varpy.Volcanic("Empty", root=None), START, END)


def test_unsupported_objects_are_refused():
    with pytest.raises(TypeError, match="DataFrame"):
        time_window(pd.DataFrame({"time": []}), START, END)


# ------------------------------------------------------------------------------------------------
# latitude/longitude box and polygon
# ------------------------------------------------------------------------------------------------
LATS = [37.4, 37.5, 37.7, 37.9, 38.0]
LONS = [14.6, 14.7, 15.0, 15.3, 15.4]


@pytest.fixture
def grid():
    """A 5 x 5 grid of epicentres through the box edges, plus one without latitude."""
    lat, lon = np.meshgrid(LATS, LONS, indexing="ij")
    lat = np.append(lat.ravel(), np.nan)
    lon = np.append(lon.ravel(), 15.0)
    times = pd.date_range("2012-01-01", periods=len(lat), freq="h")
    ecvd = varpy.ECVD(ecvd_frame(times, latitude=lat, longitude=lon))
    evd = varpy.EVD(pd.DataFrame({"start": pd.to_datetime(["2012-01-01"], utc=True),
                                  "end": pd.to_datetime(["2012-01-02"], utc=True)}))
    return build(varpy.Volcanic, ecvd, evd, varpy.SCVD(daily("2012-01-01", "2012-02-01"),
                                                       station="CDV"))


def in_box(frame, lat, lon):
    return frame[(frame.latitude >= lat[0]) & (frame.latitude < lat[1])
                 & (frame.longitude >= lon[0]) & (frame.longitude < lon[1])]


def test_box_is_half_open_on_both_axes(grid):
    snap = snapshot(grid)
    out = box(grid, lat=(37.5, 37.9), lon=(14.7, 15.3))
    kept = sorted(zip(out.ecvd.dataset.latitude, out.ecvd.dataset.longitude))
    assert kept == [(37.5, 14.7), (37.5, 15.0), (37.7, 14.7), (37.7, 15.0)]
    assert out.ecvd.selection == [{"op": "box", "latitude": [37.5, 37.9],
                                   "longitude": [14.7, 15.3], "closed": "left"}]
    # datatypes without coordinates are left as they were, with no step
    assert len(out.evd) == 1 and out.evd.selection == []
    assert out.scvd["CDV"].selection == [] and len(out.scvd["CDV"]) == 32
    assert_untouched(grid, snap)


def test_box_bands_and_open_sides(grid):
    band = box(grid, lat=(37.5, 37.9))
    assert len(band.ecvd) == 10  # two latitudes x five longitudes; the NaN latitude is out
    assert band.ecvd.selection[0]["longitude"] is None
    east = box(grid, lon=(15.0, None))
    assert len(east.ecvd) == 5 * 3 + 1  # the event without latitude has longitude 15.0
    north = box(grid, lat=(None, 37.5))
    assert len(north.ecvd) == 5


def test_box_errors(grid, lab):
    with pytest.raises(SelectionError, match="laboratory"):
        box(lab, lat=(0, 1), lon=(0, 1))
    with pytest.raises(SelectionError, match="laboratory"):
        box(lab.ecld, lat=(0, 1))
    with pytest.raises(SelectionError, match=r"EVD has no column\(s\) \['latitude'"):
        box(grid, lat=(37.5, 37.9), kinds="evd")
    with pytest.raises(SelectionError, match="pair"):
        box(grid, lat=37.5)
    with pytest.raises(SelectionError, match="after"):
        box(grid, lat=(37.9, 37.5))
    with pytest.raises(SelectionError, match="lat="):
        box(grid)
    only_tilt = build(varpy.Volcanic, varpy.SCVD(daily("2012-01-01", "2012-01-05"),
                                                 station="CDV"))
    with pytest.raises(SelectionError, match="no datatype"):
        box(only_tilt, lat=(0, 1))


SQUARE = [(14.7, 37.5), (15.3, 37.5), (15.3, 37.9), (14.7, 37.9)]


@pytest.mark.parametrize("vertices", [
    SQUARE, SQUARE[::-1], SQUARE + SQUARE[:1], np.array(SQUARE), [SQUARE], Path(SQUARE),
    SQUARE[2:] + SQUARE[:2]])
def test_polygon_rectangle_equals_box(grid, vertices):
    out = polygon(grid, vertices)
    expected = box(grid, lat=(37.5, 37.9), lon=(14.7, 15.3))
    pd.testing.assert_frame_equal(out.ecvd.dataset, expected.ecvd.dataset)
    step = out.ecvd.selection[0]
    assert step["op"] == "polygon" and step["closed"] == "left" and len(step["rings"][0]) == 4
    json.dumps(step)
    assert out.evd.selection == []


def test_polygon_triangle_boundary_rule():
    """Lattice points of the triangle (0,0),(4,0),(0,4): kept iff x >= 0, y >= 0, x + y < 4."""
    x, y = (a.ravel() for a in np.meshgrid(np.arange(-1.0, 6.0), np.arange(-1.0, 6.0)))
    cat = varpy.ECVD(ecvd_frame(pd.date_range("2012", periods=len(x), freq="h"),
                                latitude=y, longitude=x))
    for ring in ([(0, 0), (4, 0), (0, 4)], [(0, 4), (4, 0), (0, 0)]):
        out = polygon(cat, ring).dataset
        assert len(out) == 10
        assert ((out.longitude >= 0) & (out.latitude >= 0)
                & (out.longitude + out.latitude < 4)).all()


def test_polygon_hole_by_even_odd_rule():
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(-1, 11, 400), [3, 1, 2, 4, 2, 4]])
    y = np.concatenate([rng.uniform(-1, 11, 400), [3, 1, 2, 4, 4, 2]])
    cat = varpy.ECVD(ecvd_frame(pd.date_range("2012", periods=len(x), freq="h"),
                                latitude=y, longitude=x))
    outer = [(0, 0), (10, 0), (10, 10), (0, 10)]
    hole = [(2, 2), (2, 4), (4, 4), (4, 2)]  # opposite orientation: no difference
    out = polygon(cat, [outer, hole]).dataset
    f = cat.dataset
    in_outer = (f.longitude >= 0) & (f.longitude < 10) & (f.latitude >= 0) & (f.latitude < 10)
    in_hole = (f.longitude >= 2) & (f.longitude < 4) & (f.latitude >= 2) & (f.latitude < 4)
    expected = f[in_outer & ~in_hole]
    assert sorted(out.event_id) == sorted(expected.event_id)
    assert 0 < len(out) < in_outer.sum()
    kept = set(zip(out.longitude, out.latitude))
    assert (3.0, 3.0) not in kept and (2.0, 2.0) not in kept  # inside the hole / its corner
    assert (1.0, 1.0) in kept and (4.0, 4.0) in kept and (2.0, 4.0) in kept
    assert (4.0, 2.0) in kept


def test_polygons_that_tile_split_every_point_once():
    """Two polygons sharing a slanted edge: every point of the square is in exactly one."""
    rng = np.random.default_rng(5)
    a, b = (0.0, 0.1), (1.0, 0.73)
    s = rng.uniform(0, 1, 300)
    on_edge_x = np.concatenate([s, [0.0, 1.0]])
    on_edge_y = a[1] + (b[1] - a[1]) * on_edge_x
    x = np.concatenate([rng.uniform(-0.2, 1.2, 2000), on_edge_x, [0, 1, 0, 1]])
    y = np.concatenate([rng.uniform(-0.2, 1.2, 2000), on_edge_y, [0, 0, 1, 1]])
    cat = varpy.ECVD(ecvd_frame(pd.date_range("2012", periods=len(x), freq="min"),
                                latitude=y, longitude=x))
    lower = [(0, 0), (1, 0), b, a]
    upper = [a, b, (1, 1), (0, 1)][::-1]  # the other orientation
    ids_lower = set(polygon(cat, lower).dataset.event_id)
    ids_upper = set(polygon(cat, upper).dataset.event_id)
    square = set(in_box(cat.dataset, (0, 1), (0, 1)).event_id)
    assert not ids_lower & ids_upper
    assert ids_lower | ids_upper == square
    # the shared edge's points really were tested (they are in the square)
    edge_ids = {f"e{i}" for i in range(2000, 2301)}  # on the edge, x in [0, 1)
    assert edge_ids <= square and edge_ids <= ids_lower | ids_upper


def test_polygon_errors(grid, lab):
    with pytest.raises(SelectionError, match="3 distinct"):
        polygon(grid, [(0, 0), (1, 1), (0, 0)])
    with pytest.raises(SelectionError, match="shape"):
        polygon(grid, [(0, 0, 0), (1, 1, 1), (2, 0, 0)])
    with pytest.raises(SelectionError, match="non-finite"):
        polygon(grid, [(0, 0), (1, np.nan), (2, 0)])
    with pytest.raises(SelectionError, match="laboratory"):
        polygon(lab, SQUARE)


# ------------------------------------------------------------------------------------------------
# depth, magnitude, any column
# ------------------------------------------------------------------------------------------------
def test_depth_and_magnitude_ranges(volcano):
    d = depth_range(volcano, 0.0, 10.0)
    assert d.ecvd.dataset["depth"].tolist() == [0.0, 5.0, 3.0, 4.0]
    assert d.ecvd.selection == [{"op": "range", "column": "depth", "min": 0.0, "max": 10.0,
                                 "closed": "left"}]
    assert d.evd.selection == [] and d.scvd["CDV"].selection == []
    m = magnitude_range(volcano, 2.0)
    assert m.ecvd.dataset["magnitude"].tolist() == [2.0, 2.5, 3.0, 2.2]
    assert len(magnitude_range(volcano, None, 2.0).ecvd) == 2
    assert len(magnitude_range(volcano).ecvd) == 6  # unbounded: only the NaN is dropped
    assert len(depth_range(volcano.ecvd, max=0.0)) == 1


def test_column_range_on_any_column(volcano, lab):
    tilt = column_range(volcano, "tilt", 0.5, None)
    for name in ("CDV", "MNR"):
        values = volcano.scvd[name].dataset["tilt"].to_numpy()
        assert len(tilt.scvd[name]) == int((values >= 0.5).sum())
    assert tilt.ecvd.selection == []
    ended = column_range(volcano, "end", None, "2011-09-01")
    assert ended.evd.dataset["end"].tolist() == [utc("2011-08-10")]  # NaT end is dropped
    assert ended.evd.selection[0]["max"] == "2011-09-01T00:00:00+00:00"
    stress = column_range(lab, "stress", 50.0, 60.0)
    expected = np.linspace(0.0, 100.0, 30)
    assert len(stress.scld) == int(((expected >= 50) & (expected < 60)).sum())
    assert stress.ecld.selection == []
    with pytest.raises(SelectionError, match="no datatype"):
        column_range(volcano, "porosity", 0, 1)
    with pytest.raises(SelectionError, match="holds"):
        column_range(volcano, "type", "A", "Z")
    with pytest.raises(SelectionError, match="not a number"):
        column_range(volcano, "depth", "0", 10)
    with pytest.raises(SelectionError, match="NaN"):
        column_range(volcano, "depth", np.nan, 10)
    with pytest.raises(SelectionError, match="after"):
        column_range(volcano, "depth", 10, 0)
    with pytest.raises(SelectionError, match=r"SCVD station 'CDV' has no column\(s\) \['depth'"):
        column_range(volcano, "depth", 0, 10, kinds=["ecvd", "scvd"])
    with pytest.raises(SelectionError, match="calendar"):
        column_range(volcano, "end", 0.0, 1.0)


# ------------------------------------------------------------------------------------------------
# stations, creep phase, select
# ------------------------------------------------------------------------------------------------
def test_stations(volcano):
    snap = snapshot(volcano)
    out = stations(volcano, "CDV")
    assert sorted(out.scvd) == ["CDV"] and sorted(volcano.scvd) == ["CDV", "MNR"]
    assert out.scvd["CDV"].selection == [{"op": "stations", "names": ["CDV"]}]
    assert len(out.ecvd) == 7 and out.ecvd.selection == []
    assert list(out.datatypes()) == ["ecvd", "evd", "scvd-CDV"]
    assert sorted(stations(volcano, ["MNR", "CDV"]).scvd) == ["CDV", "MNR"]
    assert_untouched(volcano, snap)
    with pytest.raises(SelectionError, match="no SCVD station"):
        stations(volcano, ["CDV", "cdv"])
    with pytest.raises(SelectionError, match="Volcanic"):
        stations(volcano.scvd["CDV"], "CDV")


def test_creep_phase_cuts_ecld_and_scld(lab):
    snap = snapshot(lab)
    out = creep_phase(lab)
    assert out.ecld.dataset["time"].tolist() == [10.0, 10.5, 19.5]
    assert out.scld.dataset["time"].tolist() == [float(t) for t in range(10, 20)]
    assert out.scld.selection == [{"op": "creep_phase", "start": 10.0, "end": 20.0,
                                   "closed": "left", "from": "scld metadata"}]
    assert_untouched(lab, snap)
    assert len(creep_phase(lab, kinds="ecld").scld) == 30


def test_creep_phase_metadata_rules(lab, volcano):
    # SCLD without t1/tf: the ECLD metadata are used
    scld = varpy.SCLD(lab.scld.dataset, {})
    ecld = varpy.ECLD(lab.ecld.dataset, {"t1": "12", "tf": 15.0})
    out = creep_phase(build(varpy.Laboratory, ecld, scld))
    assert out.scld.dataset["time"].tolist() == [12.0, 13.0, 14.0]
    assert out.scld.selection[0]["from"] == "ecld metadata"
    # disagreement: SCLD wins, with a warning
    scld2 = varpy.SCLD(lab.scld.dataset, {"t1": 10.0, "tf": 20.0})
    with pytest.warns(DataWarning, match="using the SCLD"):
        out = creep_phase(build(varpy.Laboratory, ecld, scld2))
    assert len(out.scld) == 10
    with pytest.raises(MetadataError, match="'tf'"):
        creep_phase(varpy.SCLD(lab.scld.dataset, {"t1": 10.0}))
    with pytest.raises(MetadataError, match="t1"):
        creep_phase(build(varpy.Laboratory, scld))
    with pytest.raises(MetadataError, match="not before"):
        creep_phase(varpy.SCLD(lab.scld.dataset, {"t1": 20.0, "tf": 10.0}))
    with pytest.raises(MetadataError, match="not a number"):
        creep_phase(varpy.SCLD(lab.scld.dataset, {"t1": "soon", "tf": 10.0}))
    with pytest.raises(SelectionError, match="laboratory"):
        creep_phase(volcano)
    with pytest.raises(SelectionError, match="laboratory"):
        creep_phase(volcano.ecvd)


def test_select_equals_chaining(volcano):
    chained = magnitude_range(
        depth_range(box(time_window(stations(volcano, "CDV"), START, END),
                        lat=(37.0, 38.0), lon=(14.0, 16.0)), 0.0, 10.0), 2.0, 3.0)
    out = select(volcano, magnitude=(2.0, 3.0), depth=(0.0, 10.0), lat=(37.0, 38.0),
                 lon=(14.0, 16.0), time=(START, END), stations="CDV")
    assert out == chained
    assert [s["op"] for s in out.ecvd.selection] == ["time", "box", "range", "range"]
    assert out.ecvd.dataset["event_id"].tolist() == ["e1", "e2"]
    assert sorted(out.scvd) == ["CDV"]
    same = select(volcano)
    assert same == volcano and same is not volcano and same.ecvd is not volcano.ecvd
    assert select(volcano.ecvd, polygon=SQUARE).selection[0]["op"] == "polygon"
    with pytest.raises(SelectionError, match="pair"):
        select(volcano, time="01-08-2011")


def test_select_on_a_laboratory(lab):
    out = select(lab, creep=True, columns={"stress": (50.0, None)})
    assert [s["op"] for s in out.scld.selection] == ["creep_phase", "range"]
    t = np.arange(0.0, 30.0)
    s = np.linspace(0.0, 100.0, 30)
    assert len(out.scld) == int(((t >= 10) & (t < 20) & (s >= 50)).sum())
    assert len(out.ecld) == 3 and [x["op"] for x in out.ecld.selection] == ["creep_phase"]


# ------------------------------------------------------------------------------------------------
# real data
# ------------------------------------------------------------------------------------------------
def read_etna_catalogue(path):
    raw = pd.read_csv(path, sep="\t", header=None, encoding="latin-1",
                      names=["event_id", "date", "clock", "latitude", "longitude", "depth",
                             "magnitude", "magnitude_type", "place"])
    frame = pd.DataFrame({
        "time": pd.to_datetime(raw["date"] + " " + raw["clock"], format="%d-%m-%Y %H:%M:%S",
                               utc=True),
        "latitude": raw["latitude"], "longitude": raw["longitude"], "depth": raw["depth"],
        "magnitude": raw["magnitude"].where(raw["magnitude"] != 0.0),
        "event_id": raw["event_id"].astype(str)})
    return frame


def test_etna_published_counts(shared_data):
    """varpy-2016.md §14.3: latlon box 8,029 events (this file), then 701 in 01-08-2011..."""
    etna = build(varpy.Volcanic,
                 varpy.ECVD(read_etna_catalogue(shared_data / "etna"
                                                / "Etna_INGVCT_C1_99-onwards.txt")))
    assert len(etna.ecvd) == 13069
    d2 = box(etna, lat=(37.5, 37.9), lon=(14.7, 15.3))
    assert len(d2.ecvd) == 8029
    assert len(time_window(d2, "01-08-2011", "01-01-2013").ecvd) == 701
    d3 = time_window(d2, "01-06-2011", "01-01-2013")  # the paper's Listing 7
    assert len(d3.ecvd) == 791
    other_order = box(time_window(etna, "01-08-2011", "01-01-2013"),
                      lat=(37.5, 37.9), lon=(14.7, 15.3))
    assert len(other_order.ecvd) == 701
    assert len(etna.ecvd) == 13069 and etna.ecvd.selection == []


def test_etna_tilt_and_eruptions_cut_together(shared_data):
    folder = shared_data / "etna"
    stations_ = []
    for name in ("CDV", "MNR", "MSC"):
        raw = pd.read_csv(folder / f"Etna_INGVCT_tilt_{name}.txt", sep="\t", header=None,
                          names=["date", "tilt"])
        stations_.append(varpy.SCVD(pd.DataFrame({
            "time": pd.to_datetime(raw["date"], format="%d/%m/%Y", utc=True),
            "tilt": raw["tilt"]}), station=name))
    raw = pd.read_csv(folder / "Etna_eruption.txt", sep="\t", header=None, encoding="latin-1",
                      usecols=[0, 1, 2], names=["start", "end", "type"])
    evd = varpy.EVD(pd.DataFrame({
        "start": pd.to_datetime(raw["start"], format="%d/%m/%Y", utc=True),
        "end": pd.to_datetime(raw["end"], format="%d/%m/%Y", utc=True, errors="coerce"),
        "type": raw["type"]}))
    etna = build(varpy.Volcanic, evd, *stations_)
    out = time_window(etna, "01-01-2001", "01-01-2003")
    for name in ("CDV", "MNR", "MSC"):
        assert len(out.scvd[name]) == 365 + 365  # daily samples without gaps (§4.3)
    onset_years = raw["start"].str[-4:].astype(int)
    assert len(out.evd) == int(onset_years.isin([2001, 2002]).sum()) > 0


def test_creep_phase_on_ucl_dds7(shared_data):
    folder = shared_data / "ucl_dds7"
    meta = pd.read_csv(folder / "UH001_DDS-7_scld_meta.txt", sep="\t").iloc[0]
    t1, tf = float(meta["t1"]), float(meta["tf"])
    assert (t1, tf) == (1270.34352, 10852.58995)
    raw = pd.read_csv(folder / "UH001_DDS-7_scld.txt", sep="\t")
    scld = varpy.SCLD(pd.DataFrame({
        "time": raw["time (secs)"], "time_minutes": raw["time (mins)"],
        "stress": raw["stress (Mpa)"], "axial_strain": raw["strain (%)"]}),
        {"t1": t1, "tf": tf})
    seconds = np.loadtxt(folder / "UH001_DDS-7_scld.txt", skiprows=1, usecols=1)
    expected = int(np.count_nonzero((seconds >= t1) & (seconds < tf)))
    out = creep_phase(build(varpy.Laboratory, scld))
    assert len(out.scld) == expected == 3588
    kept = out.scld.dataset["time"]
    assert kept.min() >= t1 and kept.max() < tf
    assert len(scld) == 4246 and scld.selection == []


# ------------------------------------------------------------------------------------------------
# properties
# ------------------------------------------------------------------------------------------------
BASE = pd.Timestamp("2011-01-01", tz="UTC")
GRID = [round(37.4 + 0.1 * k, 1) for k in range(7)]  # 37.4 .. 38.0, exact decimal floats
hours = st.integers(0, 200)


@st.composite
def volcanoes(draw):
    n = draw(st.integers(0, 30))
    t = draw(st.lists(st.one_of(hours, st.none()), min_size=n, max_size=n))
    lat = draw(st.lists(st.one_of(st.sampled_from(GRID), st.just(np.nan)), min_size=n,
                        max_size=n))
    lon = draw(st.lists(st.sampled_from(GRID), min_size=n, max_size=n))
    times = [None if h is None else BASE + pd.Timedelta(hours=h) for h in t]
    ecvd = varpy.ECVD(pd.DataFrame({
        "time": (pd.to_datetime(times, utc=True) if n
                 else pd.Series([], dtype="datetime64[ns, UTC]")),
        "latitude": np.array(lat, dtype=float), "longitude": np.array(lon, dtype=float),
        "depth": 5.0, "magnitude": 2.0, "event_id": [f"e{i}" for i in range(n)]}))
    onsets = sorted(draw(st.lists(hours, max_size=8)))
    evd = varpy.EVD(pd.DataFrame({
        "start": pd.to_datetime([BASE + pd.Timedelta(hours=h) for h in onsets], utc=True),
        "end": pd.to_datetime([BASE + pd.Timedelta(hours=h + 5) for h in onsets], utc=True),
        "vent": [f"v{i}" for i in range(len(onsets))]}))
    step = draw(st.integers(1, 24))
    samples = pd.date_range(BASE, BASE + pd.Timedelta(hours=200), freq=f"{step}h")
    cdv = varpy.SCVD(pd.DataFrame({"time": samples, "tilt": np.arange(len(samples), dtype=float)}),
                     station="CDV")
    return build(varpy.Volcanic, ecvd, evd, cdv)


def windows_(draw_a, draw_b):
    lo, hi = sorted((draw_a, draw_b))
    return BASE + pd.Timedelta(hours=lo), BASE + pd.Timedelta(hours=hi)


def boxes():
    pair = st.tuples(st.sampled_from(GRID), st.sampled_from(GRID)).map(sorted).map(tuple)
    return st.tuples(pair, pair)


def frames(project):
    return {k: d.dataset for k, d in project.datatypes().items()}


def assert_same_rows(a, b):
    assert a.keys() == b.keys()
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key])


PROPERTY = settings(max_examples=40, deadline=None)


@PROPERTY
@given(volcanoes(), hours, hours, boxes())
def test_windows_commute(project, ha, hb, latlon):
    start, end = windows_(ha, hb)
    lat, lon = latlon
    one = box(time_window(project, start, end), lat=lat, lon=lon)
    two = time_window(box(project, lat=lat, lon=lon), start, end)
    assert_same_rows(frames(one), frames(two))


@PROPERTY
@given(volcanoes(), hours, hours, boxes())
def test_windows_never_add_events(project, ha, hb, latlon):
    start, end = windows_(ha, hb)
    lat, lon = latlon
    original = project.ecvd.dataset.set_index("event_id")
    for out in (time_window(project, start, end), box(project, lat=lat, lon=lon),
                polygon(project, [(lon[0], lat[0]), (lon[1], lat[0]), (lon[1], lat[1]),
                                  (lon[0], lat[1])]) if lon[0] < lon[1] and lat[0] < lat[1]
                else project):
        kept = out.ecvd.dataset.set_index("event_id")
        assert kept.index.is_unique and set(kept.index) <= set(original.index)
        pd.testing.assert_frame_equal(kept, original.loc[kept.index])
        for key in ("evd", "scvd-CDV"):
            before, after = project.datatypes()[key].dataset, out.datatypes()[key].dataset
            merged = after.merge(before, how="left", indicator=True)
            assert (merged["_merge"] == "both").all() and len(after) <= len(before)
    # the time window keeps exactly what a plain predicate keeps
    t = project.ecvd.dataset["time"]
    expected = project.ecvd.dataset["event_id"][(t >= start) & (t < end)]
    assert time_window(project, start, end).ecvd.dataset["event_id"].tolist() == expected.tolist()
    # and the box exactly what the half-open comparison keeps (NaN latitudes never)
    assert sorted(box(project, lat=lat, lon=lon).ecvd.dataset["event_id"]) == sorted(
        in_box(project.ecvd.dataset, lat, lon)["event_id"])


@PROPERTY
@given(volcanoes(), hours, hours, boxes())
def test_windows_are_idempotent(project, ha, hb, latlon):
    start, end = windows_(ha, hb)
    lat, lon = latlon
    for window in (lambda p: time_window(p, start, end),
                   lambda p: box(p, lat=lat, lon=lon),
                   lambda p: column_range(p, "tilt", 3.0, None),
                   lambda p: depth_range(p, None, 5.0)):
        once = window(project)
        twice = window(once)
        assert_same_rows(frames(once), frames(twice))
        for key, d in once.datatypes().items():
            again = twice.datatypes()[key].selection
            assert again[:len(d.selection)] == d.selection
            assert len(again) - len(d.selection) == len(d.selection)  # cut once more or never


@PROPERTY
@given(volcanoes(), hours, hours, hours)
def test_splitting_a_time_window_loses_and_repeats_nothing(project, ha, hb, hs):
    start, end = windows_(ha, hb)
    cut = min(max(BASE + pd.Timedelta(hours=hs), start), end)
    whole = time_window(project, start, end)
    first = time_window(project, start, cut)
    second = time_window(project, cut, end)
    for key, d in whole.datatypes().items():
        a, b = first.datatypes()[key].dataset, second.datatypes()[key].dataset
        union = pd.concat([a, b], ignore_index=True)
        pd.testing.assert_frame_equal(union, d.dataset)  # both parts are in time order
    # open-ended halves at any time: every row with a known time, once
    below, above = time_window(project, None, cut), time_window(project, cut, None)
    for key, d in project.datatypes().items():
        union = pd.concat([below.datatypes()[key].dataset, above.datatypes()[key].dataset],
                          ignore_index=True)
        known = d.dataset[d.times.notna()].reset_index(drop=True)
        pd.testing.assert_frame_equal(union, known)


def test_a_saved_selection_keeps_its_steps(tmp_path, volcano):
    project = varpy.Volcanic("Etna", root=tmp_path)
    for d in volcano.datatypes().values():
        project._attach(d.copy())
    project.save()
    sub = box(time_window(project, START, END), lat=(37.0, 38.0), lon=(14.0, 16.0))
    assert "time(" in sub.summary() and "box(" in sub.summary()
    reopened = sub.save_as("Etna_2011", tmp_path)
    assert reopened.ecvd.selection == sub.ecvd.selection
    assert [s["op"] for s in reopened.ecvd.selection] == ["time", "box"]
    assert reopened.scvd["MNR"].selection == sub.scvd["MNR"].selection
    assert len(reopened.ecvd) == 3
    assert varpy.open(tmp_path / "Etna").ecvd.selection == []


def test_spatial_windows_and_maps_refuse_a_catalogue_without_coordinates(tmp_path):
    """Issue 15: a catalogue imported without coordinates holds NaN columns; never select nothing."""
    import varpy
    from varpy.exceptions import SelectionError
    from varpy.preparation import windows
    from varpy.visualization.maps import epicentre_map, scatter

    rng = np.random.default_rng(5)
    times = pd.Timestamp("2011-07-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 30, 50)), unit="D")
    path = tmp_path / "ew.csv"
    pd.DataFrame({"date": times.strftime("%d/%m/%Y"), "time": times.strftime("%H:%M:%S"),
                  "md": np.round(rng.uniform(1, 3, 50), 1)}).to_csv(path, index=False)
    obj = varpy.Volcanic("EW", root=tmp_path)
    obj.add_datatype("ecvd", path, format="csv", time_format="%d/%m/%Y %H:%M:%S")
    for call in (lambda: windows.box(obj, lat=(37, 38), lon=(14, 15)),
                 lambda: windows.depth_range(obj.ecvd, 0, 10),
                 lambda: epicentre_map(obj),
                 lambda: scatter(obj, "longitude", "latitude")):
        with pytest.raises(SelectionError, match="latitude|depth"):
            call()
    # time and magnitude windows still work
    expected = int((obj.ecvd.dataset["magnitude"] >= 2.0).sum())
    assert len(windows.magnitude_range(obj, 2.0, None).ecvd) == expected
