"""Readers of formats without shared real files, on synthetic files written in tmp_path.

Each file is built from known values (the expected table), so the checks compare the reader's
output with the numbers the file was written from.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from varpy.exceptions import DataWarning
from varpy.management import importers
from varpy.management.importers.volcanic import IGN_FIXED_VARPY_SLICES, ign_fixed_zones


def ts(text):
    return pd.Timestamp(text, tz="UTC")


def place(line: list, start: int, text: str, right_to: int | None = None):
    """Write text into a list of characters at start (or right-aligned to end at right_to)."""
    if right_to is not None:
        start = right_to - len(text)
    line[start:start + len(text)] = list(text)


# --------------------------------------------------------------------------------------------
# IGN fixed width
# --------------------------------------------------------------------------------------------
IGN_EVENTS = [
    # id, date, time, lat, lon, depth, intensity, mag, mag type, place
    ("1120", "19/07/2011", "04:17:25", "27.7383", "-18.0306", "12", "", "1.5", "4",
     "SW FRONTERA.IHI"),
    ("1012", "18/07/2011", "23:01:02", "27.7012", "-17.9910", "999", "II", "2.3", "4",
     "EL PINAR.IHI"),
    ("1200", "10/10/2011", "22:13:00", "27.6000", "-18.0200", "8", "III-IV", "999", "2",
     "MAR DE LAS CALMAS"),
]


def write_ign_fixed(path, *, aligned="varpy"):
    """IGN fixed width with the field positions VarPy 2016 hard-coded (id [5:12], date [17:27],
    time [34:42], lat [50:57], lon [64:75], depth [85:87], mag [114:117]) under a header whose
    labels sit at those positions; ``aligned='right'`` right-aligns the numbers instead."""
    header = [" "] * 150
    for text, pos in [("Evento", 5), ("Fecha", 17), ("Hora", 34), ("Latitud", 50),
                      ("Longitud", 64), ("Prof. (Km)", 81), ("Inten.", 94), ("Mag.", 113),
                      ("Tipo Mag.", 120), ("Localización", 132)]:
        place(header, pos, text)
    lines = ["".join(header).rstrip()]
    for ev in IGN_EVENTS:
        line = [" "] * 132
        if aligned == "varpy":
            for text, (start, stop) in zip(ev[:6], [(5, 12), (17, 27), (34, 42), (50, 57),
                                                    (64, 75), (85, 88)]):
                place(line, start, text, right_to=stop)
            place(line, 95, ev[6])
            place(line, 114, ev[7], right_to=117)
            place(line, 124, ev[8])
        else:
            for text, end in zip(ev[:9], [11, 27, 42, 57, 72, 90, 100, 117, 129]):
                place(line, 0, text, right_to=end)
        lines.append("".join(line) + ev[9])
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("latin-1"))
    return path


@pytest.mark.parametrize("aligned", ["varpy", "right"])
def test_ign_fixed_width_fields_from_header(tmp_path, aligned):
    path = write_ign_fixed(tmp_path / "hierro.txt", aligned=aligned)
    cat = importers.read(path, "ecvd", metadata={"location": "Hierro"})
    assert cat["event_id"].tolist() == ["1012", "1120", "1200"]  # sorted by time
    assert cat["time"].tolist() == [ts("2011-07-18 23:01:02"), ts("2011-07-19 04:17:25"),
                                    ts("2011-10-10 22:13:00")]
    assert cat["latitude"].tolist() == [27.7012, 27.7383, 27.6]
    assert cat["longitude"].tolist() == [-17.991, -18.0306, -18.02]
    np.testing.assert_array_equal(cat["depth"], [np.nan, 12.0, 8.0])  # 999 -> NaN
    np.testing.assert_array_equal(cat["magnitude"], [2.3, 1.5, np.nan])
    assert cat["intensity"].tolist()[0] == "II" and pd.isna(cat["intensity"].iloc[1])
    assert cat["intensity"].iloc[2] == "III-IV"
    assert cat["magnitude_type"].tolist() == ["4", "4", "2"]
    assert cat["place"].tolist() == ["EL PINAR.IHI", "SW FRONTERA.IHI", "MAR DE LAS CALMAS"]


def test_ign_fixed_width_spans_follow_data(tmp_path):
    path = write_ign_fixed(tmp_path / "hierro.txt")
    from varpy.management.importers._parsing import TextLines

    lines = TextLines(path, encoding="latin-1", header_lines=1)
    spans, reason = ign_fixed_zones(lines.lines, header=lines.header[0])
    assert reason == ""
    # the characters the writer filled (longitudes are right-aligned to VarPy's end, 75)
    assert spans["date"] == IGN_FIXED_VARPY_SLICES["date"] == (17, 27)
    assert spans["clock"] == IGN_FIXED_VARPY_SLICES["clock"] == (34, 42)
    assert spans["latitude"] == IGN_FIXED_VARPY_SLICES["latitude"] == (50, 57)
    assert spans["longitude"] == (75 - len("-18.0306"), 75)
    assert spans["magnitude"] == IGN_FIXED_VARPY_SLICES["magnitude"] == (114, 117)
    assert spans["depth"] == (85, 88) and spans["place"] == (132, None)
    assert spans["intensity"] == (95, 101) and spans["magnitude_type"] == (124, 125)


def test_ign_fixed_width_varpy_colspecs(tmp_path):
    path = write_ign_fixed(tmp_path / "hierro.txt")
    cat = importers.read(path, "ecvd", format="ign_fixed", colspecs="varpy")
    assert len(cat) == 3 and cat["magnitude"].iloc[0] == 2.3
    # VarPy's depth slice [85:87] read '999' as '99'; widened to the data it is missing
    assert np.isnan(cat["depth"].iloc[0]) and cat["depth"].tolist()[1:] == [12.0, 8.0]
    assert "place" not in cat.columns  # VarPy's spans did not include it


def test_ign_fixed_width_blank_intensity_everywhere(tmp_path):
    path = tmp_path / "h.txt"
    write_ign_fixed(path)
    text = path.read_bytes().decode("latin-1").replace("III-IV", "      ").replace(" II ", "    ")
    path.write_bytes(text.encode("latin-1"))
    cat = importers.read_ign_fixed(path)
    assert cat["intensity"].isna().all() and cat["magnitude"].iloc[0] == 2.3


# --------------------------------------------------------------------------------------------
# IMO
# --------------------------------------------------------------------------------------------
def test_imo_ordinal_days(tmp_path):
    """734350 is 2011-08-01 (datetime.date(2011, 8, 1).toordinal()); .5 is noon and
    0.25 + 30 s is 06:00:30."""
    path = tmp_path / "imo.txt"
    day = 734350
    rows = [(day + 0.5, 64.1, -21.3, 5.2, 1.1, 0.9),
            (day + 0.25 + 30 / 86400, 63.9, -19.1, 0.3, -0.4, -0.5)]
    path.write_text("".join("\t".join(repr(v) for v in r) + "\n" for r in rows))
    cat = importers.read(path, "ecvd", metadata={"location": "IMO"})
    assert cat["time"].tolist() == [ts("2011-08-01 06:00:30"), ts("2011-08-01 12:00:00")]
    assert cat["magnitude"].tolist() == [-0.4, 1.1]  # negative magnitudes are kept
    assert list(cat.columns) == ["time", "latitude", "longitude", "depth", "magnitude"]


# --------------------------------------------------------------------------------------------
# HVO
# --------------------------------------------------------------------------------------------
def hvo_line(y, mo, d, h, mi, s100, latd, latm100, lond, lonm100, dep100, mag100, region,
             ns="N", ew="W"):
    core = (f"{y:4d}{mo:02d}{d:02d}{h:02d}{mi:02d}{s100:4d}{latd:2d}{ns}{latm100:4d}"
            f"{lond:3d}{ew}{lonm100:4d} "
            f"{'' if dep100 is None else dep100:>4}{'' if mag100 is None else mag100:>3}")
    return core.ljust(73) + region


def test_hvo_fixed_width_with_regions(tmp_path):
    path = tmp_path / "hvo.txt"
    lines = [
        hvo_line(1975, 11, 29, 14, 47, 4023, 19, 2000, 155, 1500, 850, 720, "KOA"),
        hvo_line(1959, 1, 2, 3, 4, 506, 19, 2345, 155, 1716, None, 215, "KIL"),
        hvo_line(1960, 6, 7, 8, 9, 1000, 19, 0, 155, 3000, 1234, None, "   "),
    ]
    path.write_text("\n".join(lines) + "\n")
    cat = importers.read(path, "ecvd", metadata={"location": "HVO"})
    assert cat["time"].tolist() == [ts("1959-01-02 03:04:05.06"), ts("1960-06-07 08:09:10"),
                                    ts("1975-11-29 14:47:40.23")]
    # latitude = degrees + (minutes x 100) / 6000, longitude west
    np.testing.assert_allclose(cat["latitude"], [19 + 23.45 / 60, 19.0, 19 + 20 / 60])
    np.testing.assert_allclose(cat["longitude"], [-(155 + 17.16 / 60), -(155.5),
                                                  -(155 + 15 / 60)])
    np.testing.assert_allclose(cat["depth"], [np.nan, 12.34, 8.5])
    np.testing.assert_allclose(cat["magnitude"], [2.15, np.nan, 7.2])
    # the region code travels with its event when the rows are sorted (a VarPy 2016 bug)
    assert cat["region"].tolist()[:1] == ["KIL"] and pd.isna(cat["region"].iloc[1])
    assert cat["region"].iloc[2] == "KOA"


def test_hvo_hemispheres(tmp_path):
    path = tmp_path / "hvo.txt"
    path.write_text(hvo_line(2000, 1, 1, 0, 0, 0, 10, 3000, 20, 600, 100, 300, "XYZ",
                             ns="S", ew="E") + "\n")
    cat = importers.read_hvo(path)
    assert cat["latitude"].iloc[0] == pytest.approx(-10.5)
    assert cat["longitude"].iloc[0] == pytest.approx(20.1)


# --------------------------------------------------------------------------------------------
# lab
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size_format", ["magnitude", "amplitude", "energy"])
def test_ae_two_column_size_format_from_metadata(tmp_path, size_format):
    path = tmp_path / "ae.txt"
    path.write_text("21.172392\t0.5\n21.5\t5.27\n21.25\t0.029\n")  # no header, minutes
    meta = {"format": "UCLv1", "size_format": size_format, "time_unit": "minutes"}
    df = importers.read(path, "ecld", metadata=meta)
    assert list(df.columns) == ["time", size_format]
    np.testing.assert_allclose(df["time"], [21.172392 * 60, 21.25 * 60, 21.5 * 60], rtol=1e-15)
    assert df[size_format].tolist() == [0.5, 0.029, 5.27]
    assert len(df) == 3  # the first line is data, not a header (VarPy 2016 dropped it)


def test_ae_two_column_defaults_and_options(tmp_path):
    path = tmp_path / "ae.txt"
    path.write_text("time\tsize\n3.5\t1\n1.5\t2\n")
    df = importers.read(path, "ecld", format="ae_two_column", header_lines=1)
    assert list(df.columns) == ["time", "magnitude"] and df["time"].tolist() == [1.5, 3.5]
    # an explicit option beats the metadata
    df = importers.read(path, "ecld", format="ae_two_column", header_lines=1,
                        metadata={"size_format": "energy", "time_unit": "minutes"},
                        size_format="amplitude", time_unit="s")
    assert list(df.columns) == ["time", "amplitude"] and df["time"].tolist() == [1.5, 3.5]


def test_lab_series_units(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("0\t0\r\n0.5\t1.25\r\n1\t2.5\r\n")
    df = importers.read(path, "scld", format="lab_series", value_name="stress")
    assert df["time"].tolist() == [0.0, 30.0, 60.0] and df["stress"].tolist() == [0, 1.25, 2.5]
    df = importers.read(path, "scld", format="lab_series", value_name="stress",
                        metadata={"time_unit": "seconds"})
    assert df["time"].tolist() == [0.0, 0.5, 1.0]


def test_ucl_v1_minutes_seconds_mismatch_warns(tmp_path):
    header = "\t".join(["time (mins)", "time (secs)", "stress (Mpa)", "strain (%)", "strain",
                        "pore volume (cm3)", "confining pressure (Mpa)", "pore pressure (Mpa)",
                        "effective pressure (Mpa)"])
    path = tmp_path / "u.txt"
    path.write_text(header + "\n0\t0\t0\t0\t0\t0\t50\t20\t30\n"
                    "1\t61\t1\t0.1\t0.001\t0\t50\t20\t30\n")
    with pytest.warns(DataWarning, match="60 x time"):
        df = importers.read(path, "scld", format="ucl_v1")
    assert df["time"].tolist() == [0.0, 61.0]


# --------------------------------------------------------------------------------------------
# CSV with a column mapping
# --------------------------------------------------------------------------------------------
def test_csv_mapping_iso_times(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text("id,origin,lat,lon,z,mag,mtype,region\n"
                    "b,2011-10-10T12:00:00+01:00,27.7,-18.0,12.5,2.1,ML,\n"
                    "a,2011-10-10T10:30:00.25Z,27.6,-18.1,-999,-999,mb,El Hierro\n")
    cat = importers.read(path, "ecvd", format="csv", missing=(-999,), columns={
        "time": "origin", "latitude": "lat", "longitude": "lon", "depth": "z",
        "magnitude": "mag", "event_id": "id", "magnitude_type": "mtype", "place": "region"})
    assert cat["event_id"].tolist() == ["a", "b"]
    assert cat["time"].tolist() == [ts("2011-10-10 10:30:00.25"), ts("2011-10-10 11:00:00")]
    np.testing.assert_array_equal(cat["depth"], [np.nan, 12.5])
    np.testing.assert_array_equal(cat["magnitude"], [np.nan, 2.1])
    assert cat["place"].iloc[0] == "El Hierro" and pd.isna(cat["place"].iloc[1])


def test_tsv_mapping_joined_date_and_time_with_format(tmp_path):
    path = tmp_path / "cat.tsv"
    path.write_text("Fecha\tHora\tLat\tLon\tProf\tMag\n"
                    "05/02/1981\t07:00:00\t37.7\t15.0\t5\t3.0\n"
                    "\n"
                    "04/02/1981\t23:59:59\t37.6\t15.1\t7\t2.5\n")
    cat = importers.read(path, "ecvd", format="tsv", time_format="%d/%m/%Y %H:%M:%S",
                         columns={"time": ("Fecha", "Hora"), "latitude": "Lat",
                                  "longitude": "Lon", "depth": "Prof", "magnitude": "Mag"})
    assert cat["time"].tolist() == [ts("1981-02-04 23:59:59"), ts("1981-02-05 07:00:00")]


def test_csv_mapping_lab_minutes_and_positions(tmp_path):
    path = tmp_path / "ae.csv"
    path.write_text("2.0,0.4\n1.0,0.9\n")
    df = importers.read(path, "ecld", format="csv", header=False, time_unit="minutes",
                        columns={"time": 0, "amplitude": 1})
    assert df["time"].tolist() == [60.0, 120.0] and df["amplitude"].tolist() == [0.9, 0.4]


def test_csv_mapping_ordinal_and_evd(tmp_path):
    path = tmp_path / "ev.csv"
    path.write_text("start,end,kind\n734350.5,,Flank\n734340,734345,Summit\n")
    ev = importers.read(path, "evd", format="csv", time_format="ordinal",
                        columns={"start": "start", "end": "end", "type": "kind"})
    assert ev["start"].tolist() == [ts("2011-07-22"), ts("2011-08-01 12:00")]
    assert ev["end"].iloc[0] == ts("2011-07-27") and pd.isna(ev["end"].iloc[1])
    assert ev["type"].tolist() == ["Summit", "Flank"]


# --------------------------------------------------------------------------------------------
# QuakeML through ObsPy
# --------------------------------------------------------------------------------------------
def test_quakeml_file_round_trip(tmp_path):
    cat = pd.DataFrame({
        "time": pd.to_datetime(["2011-10-10 12:00:00.123456", "2011-10-09 01:02:03"], utc=True,
                               format="ISO8601"),
        "latitude": [27.7, 27.65], "longitude": [-18.0, -17.98], "depth": [12.5, np.nan],
        "magnitude": [2.1, 1.4], "event_id": ["ign-1", "ign-2"],
        "magnitude_type": ["mbLg", None], "place": ["EL PINAR", None]})
    path = tmp_path / "events.xml"
    importers.to_obspy_catalog(cat).write(str(path), format="QUAKEML")
    back = importers.read(path, "ecvd")  # detected from the .xml suffix
    expected = cat.sort_values("time").reset_index(drop=True)
    assert back["time"].tolist() == expected["time"].tolist()
    for col in ("latitude", "longitude", "depth", "magnitude"):
        np.testing.assert_allclose(back[col], expected[col], rtol=1e-12)
    assert [e.endswith(x) for e, x in zip(back["event_id"], expected["event_id"])] == [True] * 2
    assert back["magnitude_type"].iloc[1] == "mbLg" and pd.isna(back["magnitude_type"].iloc[0])
    assert back["place"].iloc[1] == "EL PINAR"


def test_obspy_reader_with_explicit_format(tmp_path):
    cat = pd.DataFrame({"time": pd.to_datetime(["2000-01-01"], utc=True), "latitude": [1.0],
                        "longitude": [2.0], "depth": [3.0], "magnitude": [4.0]})
    path = tmp_path / "events.qml.txt"
    importers.to_obspy_catalog(cat).write(str(path), format="QUAKEML")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        back = importers.read(path, "ecvd", format="obspy", obspy_format="QUAKEML")
    assert back["depth"].tolist() == [3.0] and back["time"].iloc[0] == ts("2000-01-01")
