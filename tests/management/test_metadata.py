"""Metadata files (VarPy two-line tables and YAML) and their validation."""
from __future__ import annotations

import datetime as dt

import pytest

from varpy.exceptions import MetadataError
from varpy.management.metadata import (METADATA_SCHEMA, REQUIRED_KEYS, parse_metadata_table,
                                       read_metadata, validate_metadata)


# --------------------------------------------------------------------------------------------
# real VarPy files
# --------------------------------------------------------------------------------------------
def test_etna_catalogue_metadata_with_trailing_tab(shared_data):
    """Etna_INGVCT_C1_meta.txt: keys line ends with a tab and CRLF, values line ends with a tab
    and has no final newline (``cat -A``); 11 real keys (``head -1 f | tr '\\t' '\\n' | grep -c .``)
    with the scraper's order and the 2-digit-year time_finish '21-04-14'."""
    meta = read_metadata(shared_data / "etna" / "Etna_INGVCT_C1_meta.txt")
    assert list(meta) == ["date_format", "depth_unit", "time_start", "datatype",
                          "time_int_sample", "time_format", "time_finish", "location", "ongoing",
                          "location_unit", "id"]
    assert "" not in meta
    assert meta["location"] == "Etna" and meta["time_finish"] == "21-04-14"
    checked = validate_metadata("ecvd", meta)
    assert checked["ongoing"] is True and checked["time_int_sample"] == 0.0
    assert checked["time_start"] == "01-01-1995"  # kept as written


def test_ucl_metadata_coerced(shared_data):
    """UH001_DDS-7_scld_meta.txt values line (``sed -n 2p``): t0 0.00000, t1 1270.34352,
    tf 10852.58995, format UCLv1, ongoing 0."""
    path = shared_data / "ucl_dds7" / "UH001_DDS-7_scld_meta.txt"
    meta = read_metadata(path, "scld")
    assert (meta["t0"], meta["t1"], meta["tf"]) == (0.0, 1270.34352, 10852.58995)
    assert meta["ongoing"] is False and meta["format"] == "UCLv1" and meta["id"] == "DDS-7_v1"
    assert meta["datetime_format"] == "seconds"


def test_values_only_file_is_detected(shared_data):
    """DDS7_meta.txt holds one CRLF line '0<TAB>21.172392<TAB>137.902892' (t0, t1, tf in
    minutes, PROVENANCE.md) and no keys line: read as UCL's values layout, converted to the
    seconds axis of the data with the values as written kept beside."""
    path = shared_data / "ucl_dds7" / "DDS7_meta.txt"
    raw = read_metadata(path)
    assert raw == {"t0": "0", "t1": "21.172392", "tf": "137.902892", "time_unit": "minutes",
                   "metadata_layout": "values"}
    for meta in (read_metadata(path, "scld"), read_metadata(path, "scld", keys=("t0", "t1", "tf"))):
        assert (meta["t0"], meta["t1"], meta["tf"]) == (0.0, 21.172392 * 60, 137.902892 * 60)
        assert meta["source_times"] == {"unit": "minutes", "t0": 0.0, "t1": 21.172392,
                                        "tf": 137.902892}
        assert meta["time_unit"] == "minutes" and meta["time_axis"] == "seconds"


def test_tenerife_metadata_lf(shared_data):
    meta = read_metadata(shared_data / "tenerife" / "Tenerife_IGN_C2_meta.txt", "ecvd")
    assert meta["location"] == "Hierro_web" and len(meta) == 11


# --------------------------------------------------------------------------------------------
# two-line table, synthetic
# --------------------------------------------------------------------------------------------
def test_table_variants(tmp_path):
    for i, raw in enumerate([b"id\tlocation\nA1\tEtna\n", b"id\tlocation\r\nA1\tEtna",
                             b"id\tlocation\t\r\nA1\tEtna\t", b"id\tlocation\t\nA1\tEtna\n\n\n"]):
        path = tmp_path / f"m{i}.txt"
        path.write_bytes(raw)
        assert read_metadata(path) == {"id": "A1", "location": "Etna"}


def test_empty_values_become_none_after_validation():
    meta = parse_metadata_table("id\tt1\ttf\tnote\nx\t\t5\t\n")
    assert meta == {"id": "x", "t1": "", "tf": "5", "note": ""}
    checked = validate_metadata("scld", meta)
    assert checked["t1"] is None and checked["tf"] == 5.0 and checked["note"] == ""


@pytest.mark.parametrize("text, line, words", [
    ("a\tb\tc\n1\t2\n", 2, "3 keys but 2 values"),
    ("a\tb\n1\t2\t3\n", 2, "2 keys but 3 values"),
    ("a\t\tc\n1\t2\t3\n", 1, "key 2 is empty"),
    ("a\tb\n1\t2\n3\t4\n", 3, "3 non-blank lines"),
    ("", None, "empty"),
])
def test_table_errors(text, line, words):
    with pytest.raises(MetadataError) as err:
        parse_metadata_table(text, path="meta.txt")
    assert err.value.line == line and words in str(err.value)
    assert "meta.txt" in str(err.value)


def test_duplicate_key():
    with pytest.raises(MetadataError) as err:
        parse_metadata_table("id\tid\n1\t2\n")
    assert err.value.key == "id"


def test_undecodable_file(tmp_path):
    path = tmp_path / "m.txt"
    path.write_bytes(b"id\tplace\nx\tPatern\xf2\n")
    with pytest.raises(MetadataError) as err:
        read_metadata(path)
    assert err.value.line == 2


# --------------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------------
def test_yaml_metadata(tmp_path):
    path = tmp_path / "meta.yaml"
    path.write_text("id: DDS-7\nformat: ucl_v1\nt1: 1270.34352\ntf: '10852.58995'\n"
                    "ongoing: no\ntime_start: 2011-08-01\nsize_format: Energy\n"
                    "simulation: {name: creep, seed: 3}\ncustom: [1, 2]\n")
    raw = read_metadata(path)
    assert raw["time_start"] == dt.date(2011, 8, 1)
    meta = validate_metadata("ecld", raw, path=path)
    assert meta["tf"] == 10852.58995 and meta["ongoing"] is False
    assert meta["time_start"] == "2011-08-01" and meta["size_format"] == "energy"
    assert meta["simulation"] == {"name": "creep", "seed": 3} and meta["custom"] == [1, 2]
    assert raw["tf"] == "10852.58995"  # the input dict is not changed


def test_yaml_detected_without_suffix(tmp_path):
    path = tmp_path / "meta.txt"
    path.write_text("location: Etna\nid: 2\n")
    assert read_metadata(path, "ecvd") == {"location": "Etna", "id": "2"}


@pytest.mark.parametrize("text, words", [
    ("- a\n- b\n", "list"),
    ("id: [unclosed\n", "invalid YAML"),
    ("!!python/object/apply:os.system ['echo hi']\n", "invalid YAML"),  # safe_load only
    ("", "empty"),
    ("1: a\n", "not text"),
])
def test_yaml_errors(tmp_path, text, words):
    path = tmp_path / "meta.yaml"
    path.write_text(text)
    with pytest.raises(MetadataError, match=words) as err:
        read_metadata(path)
    assert "meta.yaml" in str(err.value)


def test_yaml_error_line(tmp_path):
    path = tmp_path / "meta.yml"
    path.write_text("id: a\nlocation: Etna\nt1: [1, 2\n")
    with pytest.raises(MetadataError) as err:
        read_metadata(path)
    assert err.value.line is not None and err.value.line >= 3


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def test_schema_documents_every_key():
    assert {"id", "location", "format", "time_start", "time_finish", "location_unit",
            "depth_unit", "date_format", "time_format", "ongoing", "t0", "t1", "tf",
            "time_unit", "size_format", "station", "simulation"} <= set(METADATA_SCHEMA)
    for key, (kind, text) in METADATA_SCHEMA.items():
        assert kind in (str, float, int, bool, dict, list) and isinstance(text, str) and text
    assert set(REQUIRED_KEYS) == {"ecvd", "scvd", "evd", "ecld", "scld"}


def test_required_key_missing_names_key_and_file():
    with pytest.raises(MetadataError) as err:
        validate_metadata("scld", {"t1": "3"}, path="exp_meta.txt", required=("tf",))
    assert err.value.key == "tf" and "exp_meta.txt" in str(err.value)
    with pytest.raises(MetadataError, match="empty"):
        validate_metadata("scld", {"tf": " "}, path="exp_meta.txt", required=("tf",))


@pytest.mark.parametrize("key, value, words", [
    ("t1", "soon", "not a number"),
    ("ongoing", "maybe", "yes/no"),
    ("size_format", "counts", "size format"),
    ("time_unit", "fortnights", "time unit"),
    ("simulation", "etas", "mapping"),
    ("tf", True, "not a number"),
])
def test_bad_values_name_the_key(key, value, words):
    with pytest.raises(MetadataError, match=words) as err:
        validate_metadata("ecld", {key: value}, path="m.yaml")
    assert err.value.key == key and "m.yaml" in str(err.value)


@pytest.mark.parametrize("value, expected", [("1", True), ("0", False), ("yes", True),
                                             ("False", False), (1, True), (True, True)])
def test_ongoing_to_bool(value, expected):
    assert validate_metadata("ecvd", {"ongoing": value})["ongoing"] is expected


def test_creep_marks_must_be_ordered():
    with pytest.raises(MetadataError) as err:
        validate_metadata("scld", {"t0": 0, "t1": 500, "tf": 100})
    assert err.value.key == "tf"
    assert validate_metadata("scld", {"t0": "0", "tf": "100"})["tf"] == 100.0


def test_time_unit_aliases_and_unknown_kind():
    assert validate_metadata("scld", {"time_unit": "mins"})["time_unit"] == "minutes"
    with pytest.raises(MetadataError, match="datatype"):
        validate_metadata("catalogue", {})
    with pytest.raises(MetadataError, match="mapping"):
        validate_metadata("ecvd", ["id", "2"])
