"""Importer registry, format detection and the readers on the real shared data.

Expected numbers for the real files were computed independently of varpy, with awk on the raw
files (commands in each test's docstring), never copied from the reader's output.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from varpy.exceptions import (DataFormatError, DataWarning, MetadataError, UnknownFormatError,
                              VarpyError)
from varpy.management import importers
from varpy.management.metadata import read_metadata

UTC = "UTC"


def ts(text):
    return pd.Timestamp(text, tz=UTC)


def assert_canonical(df, time_col="time"):
    assert isinstance(df.index, pd.RangeIndex) and df.index.start == 0
    assert df[time_col].is_monotonic_increasing


# --------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------
BUILT_IN = {
    "ecvd": {"etna_ingv", "ign_web", "ign_fixed", "imo", "hvo", "csv", "tsv", "quakeml", "obspy"},
    "scvd": {"etna_tilt", "csv", "tsv"},
    "evd": {"etna_eruptions", "csv", "tsv"},
    "ecld": {"ae_two_column", "csv", "tsv"},
    "scld": {"ucl_v1", "lab_series", "csv", "tsv"},
}


@pytest.mark.parametrize("kind", sorted(BUILT_IN))
def test_available_lists_built_in_readers_per_kind(kind):
    listed = importers.available(kind)
    assert set(listed) == BUILT_IN[kind]
    assert list(listed) == sorted(listed)
    assert all(kind in spec.kinds and spec.description for spec in listed.values())


def test_available_without_kind_is_union():
    assert set(importers.available()) == set().union(*BUILT_IN.values())


@pytest.mark.parametrize("kind, metadata, expected", [
    ("ecvd", {"location": "Etna"}, "etna_ingv"),
    ("scvd", {"location": "Etna"}, "etna_tilt"),
    ("evd", {"location": "Etna"}, "etna_eruptions"),
    ("ecvd", {"location": "Hierro"}, "ign_fixed"),
    ("ecvd", {"location": "Hierro_web"}, "ign_web"),
    ("ecvd", {"location": "IMO"}, "imo"),
    ("ecvd", {"location": "HVO"}, "hvo"),
    ("scld", {"location": "UCL"}, "ucl_v1"),
    ("scld", {"format": "UCLv1"}, "ucl_v1"),
    ("ecld", {"location": "UCL"}, "ae_two_column"),
    ("ecld", {"format": "UCLv1", "location": "UCL"}, "ae_two_column"),
    ("ecvd", {"location": "etna"}, "etna_ingv"),  # case-insensitive
    ("ecvd", {"format": "ign_web", "location": "Etna"}, "ign_web"),  # format beats location
    ("ECVD", {"format": "IMO"}, "imo"),
])
def test_detect_format_from_metadata(kind, metadata, expected):
    assert importers.detect_format(kind, metadata) == expected


def test_explicit_format_beats_metadata():
    meta = {"format": "ign_web", "location": "Etna"}
    assert importers.detect_format("ecvd", meta, format="hvo") == "hvo"


def test_detect_format_from_quakeml_suffix(tmp_path):
    assert importers.detect_format("ecvd", {}, tmp_path / "events.xml") == "quakeml"


def test_unknown_format_lists_valid_names():
    with pytest.raises(UnknownFormatError) as err:
        importers.detect_format("ecvd", {}, format="etna_ingvv")
    for name in ("etna_ingv", "ign_web", "hvo", "imo"):
        assert name in str(err.value)


def test_location_without_reader_for_kind_is_unknown():
    with pytest.raises(UnknownFormatError, match="Hierro"):
        importers.detect_format("scvd", {"location": "Hierro"})
    with pytest.raises(UnknownFormatError, match="etna_tilt"):
        importers.detect_format("ecvd", {}, format="etna_tilt")  # an scvd reader


def test_unknown_location_is_unknown_format():
    with pytest.raises(UnknownFormatError, match="Stromboli"):
        importers.detect_format("ecvd", {"location": "Stromboli"})


def test_nothing_identifies_format_raises_metadata_error(tmp_path):
    with pytest.raises(MetadataError) as err:
        importers.detect_format("ecvd", {"id": "x"}, tmp_path / "cat.txt")
    assert err.value.key == "format" and "cat.txt" in str(err.value)
    assert "etna_ingv" in str(err.value)


def test_unknown_kind():
    with pytest.raises(UnknownFormatError, match="ecld"):
        importers.available("catalogue")


def _toy_reader(path, **options):
    times = pd.to_datetime(["2001-01-03", "2001-01-01", "2001-01-02"], utc=True)
    return pd.DataFrame({"time": times, "tilt": [3.0, 1.0, 2.0]}, index=[10, 11, 12])


def test_register_user_reader_and_read_sorts_it(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("anything")
    importers.register("toy_tilt", _toy_reader, kinds="scvd", description="toy")
    try:
        assert "toy_tilt" in importers.available("scvd")
        assert "toy_tilt" not in importers.available("ecvd")
        df = importers.read(path, "scvd", format="TOY_TILT")
        assert df["tilt"].tolist() == [1.0, 2.0, 3.0]
        assert_canonical(df)
        with pytest.raises(VarpyError, match="already registered"):
            importers.register("toy_tilt", _toy_reader, kinds="scvd")
        importers.register("toy_tilt", _toy_reader, kinds=("scvd",), replace=True)
    finally:
        importers.unregister("toy_tilt")
    assert "toy_tilt" not in importers.available()


def test_required_metadata_is_enforced_and_metadata_passed(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("anything")
    seen = {}

    def reader(path, metadata=None):
        seen.update(metadata)
        return _toy_reader(path)

    importers.register("toy_station", reader, kinds="scvd", required_metadata=("station",))
    try:
        with pytest.raises(MetadataError) as err:
            importers.read(path, "scvd", format="toy_station", metadata={"id": "a"})
        assert err.value.key == "station" and "x.txt" in str(err.value)
        importers.read(path, "scvd", format="toy_station", metadata={"station": "CDV"})
        assert seen == {"station": "CDV"}
    finally:
        importers.unregister("toy_station")


def test_reader_returning_garbage_is_refused(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("anything")
    importers.register("toy_bad", lambda p: [1, 2], kinds="ecvd")
    importers.register("toy_notime", lambda p: pd.DataFrame({"t": [1.0]}), kinds="ecvd")
    try:
        with pytest.raises(DataFormatError, match="list"):
            importers.read(path, "ecvd", format="toy_bad")
        with pytest.raises(DataFormatError, match="'time'"):
            importers.read(path, "ecvd", format="toy_notime")
    finally:
        importers.unregister("toy_bad")
        importers.unregister("toy_notime")


def test_register_refuses_bad_arguments():
    with pytest.raises(VarpyError):
        importers.register("", _toy_reader)
    with pytest.raises(VarpyError):
        importers.register("toy_x", "not callable")
    with pytest.raises(UnknownFormatError):
        importers.register("toy_x", _toy_reader, kinds=("tilt",))
    assert "toy_x" not in importers.available()


# --------------------------------------------------------------------------------------------
# real data
# --------------------------------------------------------------------------------------------
def test_etna_catalogue(shared_data):
    """INGV-CT Etna catalogue.

    Independent expectations (awk on the raw file, f = Etna_INGVCT_C1_99-onwards.txt):
    rows ``awk 'NF' f | wc -l`` = 13069; first/last time
    ``awk -F'\\t' '{split($2,d,"-"); print d[3] d[2] d[1] " " $3}' f | sort | sed -n '1p;$p'``
    = 19990819 09:46:11 / 20140411 07:16:21; magnitude 0.0 placeholders
    ``awk -F'\\t' '$7+0==0' f | wc -l`` = 4; other magnitudes
    ``awk -F'\\t' '$7+0!=0{print $7}' f | sort -g`` span 0.2 .. 5.7; flags
    ``awk -F'\\t' '{print $8}' f | sort | uniq -c`` = 11936 x 1 (MD), 1133 x 2 (ML); depth
    ``sort -g`` of column 6 spans -3.00 .. 300.00 km.
    """
    path = shared_data / "etna" / "Etna_INGVCT_C1_99-onwards.txt"
    meta = read_metadata(shared_data / "etna" / "Etna_INGVCT_C1_meta.txt")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cat = importers.read(path, "ecvd", metadata=meta)
    assert len(cat) == 13069
    assert list(cat.columns[:5]) == ["time", "latitude", "longitude", "depth", "magnitude"]
    assert str(cat["time"].dtype) == "datetime64[ns, UTC]"
    assert all(cat[c].dtype == np.float64 for c in ("latitude", "longitude", "depth",
                                                     "magnitude"))
    assert_canonical(cat)
    assert cat["time"].iloc[0] == ts("1999-08-19 09:46:11")
    assert cat["time"].iloc[-1] == ts("2014-04-11 07:16:21")
    assert cat["magnitude"].isna().sum() == 4
    assert cat["magnitude"].min() == 0.2 and cat["magnitude"].max() == 5.7
    assert cat["depth"].min() == -3.0 and cat["depth"].max() == 300.0
    assert cat["magnitude_type"].value_counts().to_dict() == {"MD": 11936, "ML": 1133}
    first = cat.iloc[0]
    assert (first["event_id"], first["place"]) == ("1", "2.39 km E da Biancavilla (CT)")
    assert (first["latitude"], first["longitude"], first["depth"]) == (37.649, 14.893, 19.4)


def test_etna_catalogue_sort_is_stable_and_keeps_rows_together(shared_data):
    """The raw file has rows out of time order (awk comparing each yyyymmdd+time key with the
    previous one finds 1323 decreases); sorting must move whole rows and keep ties in file
    order. Checked against an independent sort of the raw lines with Python's csv module."""
    import csv
    import datetime as dt

    path = shared_data / "etna" / "Etna_INGVCT_C1_99-onwards.txt"
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    keyed = sorted(enumerate(rows), key=lambda r: (
        dt.datetime.strptime(r[1][1] + " " + r[1][2], "%d-%m-%Y %H:%M:%S"), r[0]))
    cat = importers.read_etna_ingv(path)
    assert cat["event_id"].tolist() == [r[0] for _, r in keyed]
    assert cat["place"].iloc[-1] == keyed[-1][1][8]


def test_tenerife_ign_web(shared_data):
    """Tenerife IGN web table.

    Independent expectations (awk, f = Tenerife_IGN_C2_11-041113.txt): data rows
    ``awk -F'\\t' 'NR>2' f | wc -l`` = 1323; first/last time (date and zero-padded hour sorted)
    = 1990-01-06 14:23:09 / 2013-11-01 19:28:24; ``-999`` per column
    (``awk -F'\\t' -v c=6 'NR>2 && $c==-999'``): depth 594, latitude/longitude/magnitude 0;
    magnitude span 0.4 .. 4.5; non-blank intensity (``$7 ~ /[^ ]/``) 35; magnitude-type codes
    ``uniq -c`` of column 9: 172 x 2, 57 x 3, 1093 x 4, 1 x 5.
    """
    path = shared_data / "tenerife" / "Tenerife_IGN_C2_11-041113.txt"
    meta = read_metadata(shared_data / "tenerife" / "Tenerife_IGN_C2_meta.txt")
    assert importers.detect_format("ecvd", meta) == "ign_web"
    cat = importers.read(path, "ecvd", metadata=meta)
    assert len(cat) == 1323
    assert_canonical(cat)
    assert cat["time"].iloc[0] == ts("1990-01-06 14:23:09")
    assert cat["time"].iloc[-1] == ts("2013-11-01 19:28:24")
    assert cat["depth"].isna().sum() == 594
    assert cat[["latitude", "longitude", "magnitude"]].isna().sum().sum() == 0
    assert (cat["magnitude"].min(), cat["magnitude"].max()) == (0.4, 4.5)
    assert cat["intensity"].notna().sum() == 35
    assert set(cat["intensity"].dropna()) == {"II", "II-III", "III", "IV"}  # blanks trimmed
    assert cat["magnitude_type"].value_counts().to_dict() == {"4": 1093, "2": 172, "3": 57,
                                                              "5": 1}
    assert cat["place"].iloc[0] == "ATLÁNTICO-CANARIAS"  # latin-1 decoded, padding trimmed
    assert "info" not in cat.columns


@pytest.mark.parametrize("station, low, high", [
    ("CDV", -20.80458, 90.22604), ("MNR", 14.7925, 67.37198), ("MSC", -380.876, -270.1677)])
def test_etna_tilt(shared_data, station, low, high):
    """Etna tilt stations: ``awk 'NF' f | wc -l`` = 1947 rows each; dates (yyyymmdd sorted)
    2000-01-01 .. 2005-04-30; value range ``sort -g`` of column 2 (VarPy 2016 section 4.3
    lists the same ranges)."""
    path = shared_data / "etna" / f"Etna_INGVCT_tilt_{station}.txt"
    meta = read_metadata(shared_data / "etna" / f"Etna_INGVCT_tilt_{station}_meta.txt")
    df = importers.read(path, "scvd", metadata=meta)
    assert list(df.columns) == ["time", "tilt"]
    assert len(df) == 1947
    assert df["time"].iloc[0] == ts("2000-01-01") and df["time"].iloc[-1] == ts("2005-04-30")
    assert (df["time"].diff().dropna() == pd.Timedelta(days=1)).all()  # daily, no gaps
    assert (df["tilt"].min(), df["tilt"].max()) == (low, high)
    renamed = importers.read(path, "scvd", metadata=meta, value_name="tilt_" + station)
    assert list(renamed.columns) == ["time", "tilt_" + station]


def test_etna_eruptions(shared_data):
    """Etna eruption list: ``awk 'NF' f | wc -l`` = 33 rows; first line starts 05/02/1981
    (5 February, day first) and ends 07/02/1981; the latest start is 07/09/2004 (ends
    12/03/2005); two eruptions start on 27/10/2002 (lines 31 and 32, ending 28/01/2003 and
    04/11/2002); empty area (``$6==""``) on 20 lines, empty volume (``$7==""``) on 16;
    12 Flank and 21 Summit; volumes sum to 556.9 (``awk '$7!=""{s+=$7}'``)."""
    path = shared_data / "etna" / "Etna_eruption.txt"
    meta = read_metadata(shared_data / "etna" / "Etna_eruption_meta.txt")
    ev = importers.read(path, "evd", metadata=meta)
    assert len(ev) == 33
    assert list(ev.columns) == ["start", "end", "type", "vent", "elevation", "area", "volume",
                                "description"]
    assert_canonical(ev, "start")
    assert ev["start"].iloc[0] == ts("1981-02-05") and ev["end"].iloc[0] == ts("1981-02-07")
    assert ev["start"].iloc[-1] == ts("2004-09-07") and ev["end"].iloc[-1] == ts("2005-03-12")
    same_day = ev[ev["start"] == ts("2002-10-27")]
    assert same_day["end"].tolist() == [ts("2003-01-28"), ts("2002-11-04")]  # file order kept
    assert ev["area"].isna().sum() == 20 and ev["volume"].isna().sum() == 16
    assert ev["volume"].sum() == pytest.approx(556.9)
    assert ev["type"].value_counts().to_dict() == {"Summit": 21, "Flank": 12}
    assert ev.loc[1, "elevation"] == "1800-1300, 1235-1140"
    assert ev.loc[1, "area"] == 6.0 and ev.loc[1, "volume"] == 30.0
    assert ev["description"].isna().sum() == 1  # the 2004-05 line has no description


def test_ucl_scld(shared_data):
    """UCL DDS-7 triaxial test: ``awk 'NR>1 && NF' f | wc -l`` = 4246 rows; time (secs)
    0 .. 10874.67638; stress -1.763428417 .. 131.5218254; strain (%) max 7.26301336; seconds
    never decrease (awk count of decreases = 0)."""
    path = shared_data / "ucl_dds7" / "UH001_DDS-7_scld.txt"
    meta = read_metadata(shared_data / "ucl_dds7" / "UH001_DDS-7_scld_meta.txt")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # seconds == 60 x minutes throughout
        df = importers.read(path, "scld", metadata=meta)
    assert len(df) == 4246
    assert list(df.columns) == ["time", "time_minutes", "stress", "axial_strain", "strain",
                                "pore_volume", "confining_pressure", "pore_pressure",
                                "effective_pressure"]
    assert (df["time"].iloc[0], df["time"].iloc[-1]) == (0.0, 10874.67638)
    assert (df["stress"].min(), df["stress"].max()) == (-1.763428417, 131.5218254)
    assert df["axial_strain"].max() == 7.26301336
    assert df.loc[1, "time_minutes"] == 0.0354384 and df.loc[1, "strain"] == 5.09155e-05


@pytest.mark.parametrize("name, rows, last_minute, vmax", [
    ("DDS7_strain.txt", 4862, 137.902892, 1.9567),
    ("DDS7_stress.txt", 4863, 138.0, 131.999749)])
def test_dds7_series(shared_data, name, rows, last_minute, vmax):
    """UCL two-column series: ``awk 'NF' f | wc -l`` rows; last time (minutes) and maximum of
    column 2 from ``sort -g``; times never decrease (awk)."""
    df = importers.read(shared_data / "ucl_dds7" / name, "scld", format="lab_series",
                        value_name="value")
    assert len(df) == rows
    assert df["time"].iloc[0] == 0.0
    assert df["time"].iloc[-1] == pytest.approx(last_minute * 60.0, rel=1e-15)
    assert df["value"].max() == vmax
