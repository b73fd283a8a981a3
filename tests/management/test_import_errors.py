"""Bad input: every reader raises DataFormatError naming the file, the 1-based line and the
column, and never returns a partial table."""
from __future__ import annotations

import pandas as pd
import pytest

from varpy.exceptions import DataFormatError, MetadataError
from varpy.management import importers

ETNA_LINES = [
    "1\t19-08-1999\t09:46:11\t37.649\t14.893\t19.40\t2.0\t1\tBiancavilla (CT)",
    "2\t19-08-1999\t09:48:05\t37.537\t14.892\t16.72\t2.4\t1\tPaterno (CT)",
    "3\t19-08-1999\t22:32:58\t37.776\t14.976\t9.10\t2.2\t2\tPunta Lucia (CT)",
    "4\t20-08-1999\t01:02:03\t37.700\t14.900\t5.00\t1.8\t2\tBronte (CT)",
]


def etna_file(tmp_path, lines=ETNA_LINES, name="etna.txt", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def with_field(line_no, field_no, value, lines=ETNA_LINES):
    """Copy of lines with field ``field_no`` (1-based) of line ``line_no`` (1-based) replaced."""
    out = list(lines)
    parts = out[line_no - 1].split("\t")
    parts[field_no - 1] = value
    out[line_no - 1] = "\t".join(parts)
    return out


def read_etna(path):
    return importers.read(path, "ecvd", format="etna_ingv")


def test_valid_synthetic_etna_file_reads(tmp_path):
    cat = read_etna(etna_file(tmp_path))
    assert len(cat) == 4 and cat["magnitude"].tolist() == [2.0, 2.4, 2.2, 1.8]


@pytest.mark.parametrize("line_no, field_no, value, column, words", [
    (3, 2, "32-08-1999", "date (field 2)", "32-08-1999"),
    (2, 2, "29-02-1999", "date (field 2)", "29-02-1999"),  # not a leap year
    (4, 2, "1999-08-20", "date (field 2)", "1999-08-20"),
    (2, 2, "01-01-3000", "date (field 2)", "2261"),  # beyond datetime64[ns]
    (3, 3, "24:00:00", "time (field 3)", "24:00:00"),
    (4, 3, "", "time (field 3)", "missing"),
    (2, 7, "2,4", "magnitude (field 7)", "2,4"),
    (4, 4, "abc", "latitude (field 4)", "abc"),
    (3, 8, "x", "magnitude type flag (field 8)", "'x'"),
])
def test_etna_bad_field_is_located(tmp_path, line_no, field_no, value, column, words):
    path = etna_file(tmp_path, with_field(line_no, field_no, value))
    with pytest.raises(DataFormatError) as err:
        read_etna(path)
    exc = err.value
    assert (exc.line, exc.column) == (line_no, column)
    assert exc.path == str(path)
    assert words in str(exc) and f"line {line_no}" in str(exc)


def test_etna_too_many_fields(tmp_path):
    lines = list(ETNA_LINES)
    lines[2] += "\textra"
    with pytest.raises(DataFormatError) as err:
        read_etna(etna_file(tmp_path, lines))
    assert err.value.line == 3 and "found 10 fields" in str(err.value)
    assert "9 tab-separated fields" in str(err.value)


def test_etna_too_few_fields(tmp_path):
    lines = list(ETNA_LINES)
    lines[1] = lines[1].rsplit("\t", 1)[0]  # place missing: 8 fields
    with pytest.raises(DataFormatError) as err:
        read_etna(etna_file(tmp_path, lines))
    assert err.value.line == 2 and "found 8 fields" in str(err.value)


def test_etna_empty_last_field_is_not_an_error(tmp_path):
    cat = read_etna(etna_file(tmp_path, with_field(2, 9, "")))
    assert cat["place"].isna().sum() == 1


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tmp_path):
    lines = ETNA_LINES[:2] + ["", "  "] + ETNA_LINES[2:]
    cat = read_etna(etna_file(tmp_path, lines))
    assert len(cat) == 4
    bad = list(lines)
    bad[5] = bad[5].replace("20-08-1999", "20-13-1999")
    with pytest.raises(DataFormatError) as err:
        read_etna(etna_file(tmp_path, bad, name="bad.txt"))
    assert err.value.line == 6


def test_encoding_error_is_located(tmp_path):
    lines = with_field(3, 9, "Patern\u00f2 (CT)")
    path = etna_file(tmp_path, lines, encoding="latin-1")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="etna_ingv", encoding="utf-8")
    assert err.value.line == 3 and "latin-1" in str(err.value)
    cat = importers.read(path, "ecvd", format="etna_ingv", encoding="latin-1")
    assert cat["place"].iloc[2] == "Patern\u00f2 (CT)"
    # by default the encoding is detected: latin-1 here, UTF-8 for a UTF-8 copy
    assert read_etna(path)["place"].iloc[2] == "Patern\u00f2 (CT)"
    utf8 = etna_file(tmp_path, lines, name="utf8.txt", encoding="utf-8")
    assert read_etna(utf8)["place"].iloc[2] == "Patern\u00f2 (CT)"


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n  \n"])
@pytest.mark.parametrize("fmt, kind", [("etna_ingv", "ecvd"), ("ign_web", "ecvd"),
                                       ("ign_fixed", "ecvd"), ("imo", "ecvd"),
                                       ("hvo", "ecvd"), ("etna_tilt", "scvd"),
                                       ("etna_eruptions", "evd"), ("ucl_v1", "scld"),
                                       ("ae_two_column", "ecld"), ("lab_series", "scld"),
                                       ("quakeml", "ecvd")])
def test_empty_file(tmp_path, fmt, kind, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(DataFormatError, match="empty"):
        importers.read(path, kind, format=fmt)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        importers.read(tmp_path / "nope.txt", "ecvd", format="etna_ingv")


# --------------------------------------------------------------------------------------------
# IGN
# --------------------------------------------------------------------------------------------
IGN_HEADER = ["Evento \tFecha \tHora \tLat \tLong \tProf.\t\t\t\t\t",
              "(km) \tInt \tMag \tTipo Mag \tLocalización \tinfo\t\t\t\t\t"]
IGN_ROW = "11611\t06/01/1990\t14:23:09\t28.07\t-16.2033\t17\t\t2.8\t2\tATLÁNTICO \t[+] info"


def ign_file(tmp_path, rows):
    path = tmp_path / "ign.txt"
    path.write_bytes(("\r\n".join(IGN_HEADER + rows) + "\r\n").encode("latin-1"))
    return path


def test_ign_web_header_missing(tmp_path):
    path = tmp_path / "ign.txt"
    path.write_bytes(("\r\n".join([IGN_ROW] * 4) + "\r\n").encode("latin-1"))
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="ign_web")
    assert err.value.line == 1 and "header" in str(err.value)


def test_ign_web_bad_values(tmp_path):
    rows = [IGN_ROW, IGN_ROW.replace("06/01/1990", "06/13/1990"), IGN_ROW]
    with pytest.raises(DataFormatError) as err:
        importers.read(ign_file(tmp_path, rows), "ecvd", format="ign_web")
    assert (err.value.line, err.value.column) == (4, "Fecha")
    rows = [IGN_ROW, IGN_ROW, IGN_ROW.replace("\t17\t", "\t17 km\t")]
    with pytest.raises(DataFormatError) as err:
        importers.read(ign_file(tmp_path, rows), "ecvd", format="ign_web")
    assert (err.value.line, err.value.column) == (5, "Prof. (km)")
    # a UTF-8 copy read with the default latin-1 is wrong but decodable; the reverse is not
    path = tmp_path / "u.txt"
    path.write_bytes(("\r\n".join(IGN_HEADER + [IGN_ROW]) + "\r\n").encode("latin-1"))
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="ign_web", encoding="utf-8")
    assert err.value.line == 2


FIXED_HEADER = ("     Evento      Fecha            Hora            Latitud       Longitud"
                "         Prof. (Km)    Inten.     Mag.")
FIXED_ROW = ("       1120     19/07/2011       04:17:25          27.7383       -18.0306"
             "              12                    1.5")


def test_ign_fixed_bad_values(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("\n".join([FIXED_HEADER, FIXED_ROW, FIXED_ROW.replace("04:17", "04:97")]))
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="ign_fixed")
    assert (err.value.line, err.value.column) == (3, "Hora")
    path.write_text("\n".join([FIXED_HEADER, FIXED_ROW.replace("27.7383", "27.7x83"), FIXED_ROW]))
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="ign_fixed")
    assert (err.value.line, err.value.column) == (2, "Latitud") and "27.7x83" in str(err.value)


def test_ign_fixed_header_is_not_needed(tmp_path):
    """Positions come from the values: any header line (or none) reads the same."""
    path = tmp_path / "f.txt"
    for lines in (["no header here", FIXED_ROW], [FIXED_ROW]):
        path.write_text("\n".join(lines))
        cat = importers.read(path, "ecvd", format="ign_fixed")
        assert cat["latitude"].tolist() == [27.7383] and cat["magnitude"].tolist() == [1.5]


# --------------------------------------------------------------------------------------------
# IMO, HVO
# --------------------------------------------------------------------------------------------
def test_imo_errors(tmp_path):
    path = tmp_path / "imo.txt"
    path.write_text("734350.5\t64.1\t-21.3\t5.2\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="imo")
    assert err.value.line == 1 and "5 tab-separated" in str(err.value)
    path.write_text("734350.5\t64.1\t-21.3\t5.2\t1.0\n\n734351\t64.1\tx\t5.2\t1.0\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="imo")
    assert (err.value.line, err.value.column) == (3, "longitude (field 3)")
    path.write_text("734350.5\t64.1\t-21.3\t5.2\t1.0\n2011.5\t64.1\t-21.3\t5.2\t1.0\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="imo")
    assert err.value.line == 2 and "ordinal day" in str(err.value)


def test_hvo_errors(tmp_path):
    from tests.management.test_import_formats import hvo_line

    good = hvo_line(1975, 11, 29, 14, 47, 4023, 19, 2000, 155, 1500, 850, 720, "KOA")
    path = tmp_path / "hvo.txt"
    path.write_text("\n".join([good, good[:4] + "13" + good[6:]]) + "\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="hvo")
    assert err.value.line == 2 and "invalid date" in str(err.value)
    path.write_text("\n".join([good, good, "19x5" + good[4:]]) + "\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="hvo")
    assert (err.value.line, err.value.column) == (3, "year")
    path.write_text("\n".join([good, good[:32] + "12.5" + good[36:]]) + "\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="hvo")
    assert (err.value.line, err.value.column) == (2, "depth_x100")


# --------------------------------------------------------------------------------------------
# SCVD, EVD
# --------------------------------------------------------------------------------------------
def test_tilt_errors(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("01/01/2000\t44.8\n02/01/2000\t44.7\n2000-01-03\t44.6\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "scvd", format="etna_tilt")
    assert (err.value.line, err.value.column) == (3, "date (field 1)")
    path.write_text("01/01/2000\t44.8\n02/01/2000\tn/a\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "scvd", format="etna_tilt", value_name="tilt_CDV")
    assert (err.value.line, err.value.column) == (2, "tilt_CDV (field 2)")
    with pytest.raises(DataFormatError, match="value_name"):
        importers.read(path, "scvd", format="etna_tilt", value_name="time")


ERUPTION = "05/02/1981\t07/02/1981\tSummit\tNEC\t\t\t\tViolent Strombolian activity"


def test_eruption_errors(tmp_path):
    path = tmp_path / "e.txt"
    path.write_text("\n".join([ERUPTION, ERUPTION.replace("07/02/1981", "31/02/1981")]))
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "evd", format="etna_eruptions")
    assert (err.value.line, err.value.column) == (2, "end (field 2)")
    path.write_text("\n".join([ERUPTION, ERUPTION + "\t\tsurprise"]))
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "evd", format="etna_eruptions")
    assert err.value.line == 2 and "found 10 fields" in str(err.value)
    path.write_text("\n".join([ERUPTION + "\t\t\t", ERUPTION.replace("\t\t\t\t", "\t\t5 km2\t\t")]))
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "evd", format="etna_eruptions")
    assert (err.value.line, err.value.column) == (2, "area (field 6)")


def test_eruption_ending_before_start_warns(tmp_path):
    from varpy.exceptions import DataWarning

    path = tmp_path / "e.txt"
    path.write_text(ERUPTION.replace("07/02/1981", "01/02/1981"))
    with pytest.warns(DataWarning, match="end before"):
        ev = importers.read(path, "evd", format="etna_eruptions")
    assert len(ev) == 1


# --------------------------------------------------------------------------------------------
# lab
# --------------------------------------------------------------------------------------------
def test_ucl_v1_errors(tmp_path):
    path = tmp_path / "u.txt"
    path.write_text("a\tb\tc\n1\t2\t3\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "scld", format="ucl_v1")
    assert err.value.line == 1 and "UCLv1 header" in str(err.value)
    header = "\t".join(["time (mins)", "time (secs)"] + ["x"] * 7)
    path.write_text(header + "\n" + "\t".join(["0"] * 9) + "\n" + "\t".join(["1", ""] + ["0"] * 7))
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "scld", format="ucl_v1")
    assert (err.value.line, err.value.column) == (3, "time (secs)")


def test_ae_errors(tmp_path):
    path = tmp_path / "ae.txt"
    path.write_text("time\tmagnitude\n1.0\t0.5\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecld", format="ae_two_column")
    assert (err.value.line, err.value.column) == (1, "time (field 1)")
    path.write_text("1.0\t0.5\n")
    with pytest.raises(MetadataError) as err:
        importers.read(path, "ecld", format="ae_two_column", metadata={"size_format": "counts"})
    assert err.value.key == "size_format" and "amplitude" in str(err.value)
    with pytest.raises(MetadataError) as err:
        importers.read(path, "ecld", format="ae_two_column", metadata={"time_unit": "fortnights"})
    assert err.value.key == "time_unit" and "minutes" in str(err.value)


# --------------------------------------------------------------------------------------------
# CSV mapping
# --------------------------------------------------------------------------------------------
MAPPING = {"time": "t", "latitude": "la", "longitude": "lo", "depth": "z", "magnitude": "m"}


def test_csv_mapping_errors(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("t,la,lo,z,m\n2000-01-01,1,2,3,4\n2000-01-02,1,2,3,four\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="csv", columns=MAPPING)
    assert (err.value.line, err.value.column) == (3, "m") and "four" in str(err.value)
    path.write_text("t,la,lo,z,m\n2000-01-01,1,2,3,4\n\n2000-13-02,1,2,3,4\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="csv", columns=MAPPING)
    assert (err.value.line, err.value.column) == (4, "t")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="csv", columns={**MAPPING, "magnitude": "mag"})
    assert err.value.column == "mag" and "'m'" in str(err.value)
    with pytest.raises(DataFormatError, match="magnitude"):  # depth may be absent; not this
        importers.read(path, "ecvd", format="csv",
                       columns={k: v for k, v in MAPPING.items() if k != "magnitude"})
    with pytest.raises(DataFormatError, match="columns="):
        importers.read(path, "ecvd", format="csv", columns={})


# --------------------------------------------------------------------------------------------
# ObsPy
# --------------------------------------------------------------------------------------------
def test_quakeml_garbage(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text("<?xml version='1.0'?><q:quakeml xmlns:q='x'><broken")
    with pytest.raises(DataFormatError, match="ObsPy cannot read"):
        importers.read(path, "ecvd")


def test_event_without_origin(tmp_path):
    from obspy.core.event import Catalog, Event

    with pytest.raises(DataFormatError, match="event 2") as err:
        importers.from_obspy_catalog(Catalog(events=[
            importers.to_obspy_catalog(pd.DataFrame({
                "time": pd.to_datetime(["2000-01-01"], utc=True)}))[0], Event()]))
    assert err.value.column == "time"


def test_second_60_rolls_over_and_diagnosis_agrees(tmp_path):
    """A ':60' second (leap second or 59.996 rounded) is read as the next minute, as pandas
    does; the diagnosis of a later bad line must not stop at it."""
    lines = with_field(2, 3, "09:48:60")
    cat = read_etna(etna_file(tmp_path, lines))
    assert cat["time"].iloc[1] == pd.Timestamp("1999-08-19 09:49:00", tz="UTC")
    lines = with_field(4, 2, "20-08-99", lines)
    with pytest.raises(DataFormatError) as err:
        read_etna(etna_file(tmp_path, lines, name="b.txt"))
    assert err.value.line == 4


def test_nan_text_in_numeric_field_is_missing(tmp_path):
    cat = read_etna(etna_file(tmp_path, with_field(3, 6, "NaN")))
    assert cat["depth"].isna().sum() == 1 and len(cat) == 4


def test_blanks_around_dates_are_tolerated(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("01/01/2000 \t1\n 02/01/2000\t2\n03/01/2000\t3\n")
    df = importers.read(path, "scvd", format="etna_tilt")
    assert df["time"].dt.day.tolist() == [1, 2, 3]
    path.write_text("01/01/2000 \t1\n 02/01/2000\t2\n03/13/2000\t3\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "scvd", format="etna_tilt")
    assert err.value.line == 3  # the padded lines before it are not blamed
