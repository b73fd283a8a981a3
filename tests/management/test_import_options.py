"""Options of every importer are checked before reading; the generic readers infer their
columns or read headerless tables by position; reordering is recorded; a failed import leaves
the project exactly as it was (issue #15)."""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

import varpy
from varpy.exceptions import (DataFileNotFoundError, DataFormatError, UnknownFormatError,
                              VarpyError)
from varpy.management import importers
from varpy.management.importers.registry import reader_options

BUILT_IN = sorted((name, spec.kinds[0]) for name, spec in importers.available().items())


class Strange:
    """A value of no type any option takes."""


@pytest.mark.parametrize("name, kind", BUILT_IN)
def test_matrix_every_importer_gives_varpy_errors(tmp_path, name, kind):
    garbage = tmp_path / "garbage.txt"
    garbage.write_bytes(b"hello world\r\nthis is not data\r\n")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    # no options, a file the importer cannot read
    with pytest.raises(VarpyError):
        importers.read(garbage, kind, format=name)
    # an unknown (misspelt) option: named, with the valid ones
    with pytest.raises(UnknownFormatError) as err:
        importers.read(garbage, kind, format=name, encodign="utf-8")
    assert "encodign" in str(err.value)
    assert set(reader_options(importers.get(name).reader)) <= set(err.value.known) | {"(none)"}
    # every option with a value of the wrong type: a varpy error naming the option
    for option in reader_options(importers.get(name).reader):
        with pytest.raises(VarpyError) as err:
            importers.read(garbage, kind, format=name, **{option: Strange()})
        assert option in str(err.value) or getattr(err.value, "key", None) == option
    # the file is absent
    with pytest.raises(DataFileNotFoundError) as err:
        importers.read(tmp_path / "absent.txt", kind, format=name)
    assert isinstance(err.value, FileNotFoundError) and "absent.txt" in str(err.value)
    # the file is empty
    with pytest.raises(DataFormatError, match="empty"):
        importers.read(empty, kind, format=name)


def test_every_reader_option_is_keyword_with_a_default_or_required():
    for name, spec in importers.available().items():
        for option, param in reader_options(spec.reader).items():
            assert option != "**", name
            assert param.kind in (inspect.Parameter.KEYWORD_ONLY,
                                  inspect.Parameter.POSITIONAL_OR_KEYWORD)


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_generic_readers_without_columns(tmp_path, fmt):
    """Issue #15.2: format='tsv' without columns= raised a raw TypeError."""
    sep = "," if fmt == "csv" else "\t"
    path = tmp_path / f"cat.{fmt}"
    rows = [["Date", "Time", "Lat", "Lon", "Depth (km)", "Md"],
            ["2011-10-10", "12:00:00", "27.7", "-18.0", "12.5", "2.1"],
            ["2011-10-09", "06:30:00", "27.6", "-18.1", "", "-0.3"]]
    path.write_text("\n".join(sep.join(r) for r in rows) + "\n")
    meta = {}
    cat = importers.read(path, "ecvd", format=fmt, metadata=meta,
                         time_format="%Y-%m-%d %H:%M:%S")
    assert cat["time"].tolist() == [pd.Timestamp("2011-10-09 06:30", tz="UTC"),
                                    pd.Timestamp("2011-10-10 12:00", tz="UTC")]
    assert cat["magnitude"].tolist() == [-0.3, 2.1] and np.isnan(cat["depth"].iloc[0])
    assert meta["import"]["rows_moved"] == 2 and meta["import"]["reverse_order"] is True


def test_generic_reader_ambiguous_or_unknown_header(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("time,ml,md\n2011-10-10T12:00:00Z,1.0,1.2\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="csv")
    text = str(err.value)
    assert "'ml', 'md'" in text and "'magnitude'" in text and "canonical names" in text
    path.write_text("when,size\n2011-10-10T12:00:00Z,1.0\n")
    with pytest.raises(DataFormatError) as err:
        importers.read(path, "ecvd", format="csv")
    assert "'when'" in str(err.value) and "'time'" in str(err.value)


def test_headerless_tables_with_split_date_and_time(tmp_path):
    """Tables without a header, separated by runs of blanks or tabs, with the date and time
    over several fields; rows in reverse time order are sorted and that is recorded."""
    path = tmp_path / "ew.txt"
    path.write_text("2011  10 10  12:05   2.1\n2011 10  10 11:59  -0.4\n"
                    "2011 10 09   23:00   1.0\n")
    meta = {}
    cat = importers.read(path, "ecvd", format="tsv", header=False, sep="blanks",
                         columns={"time": (0, 1, 2, 3), "magnitude": 4},
                         time_format="%Y %m %d %H:%M", metadata=meta)
    assert cat["time"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2011-10-09 23:00", "2011-10-10 11:59", "2011-10-10 12:05"]
    assert cat["magnitude"].tolist() == [1.0, -0.4, 2.1]
    assert np.isnan(cat["latitude"]).all() and meta["import"]["reverse_order"] is True
    assert meta["import"]["absent_columns"] == ["latitude", "longitude", "depth"]
    tabbed = tmp_path / "t.txt"
    tabbed.write_text("2011/10/10\t12:00:01.25\t1.5\n2011/10/10\t12:00:00.50\t1.0\n")
    cat = importers.read(tabbed, "ecvd", format="tsv", header=False,
                         columns={"time": (0, 1), "magnitude": 2},
                         time_format="%Y/%m/%d %H:%M:%S.%f")
    assert cat["time"].dt.strftime("%S.%f").tolist() == ["00.500000", "01.250000"]
    with pytest.raises(DataFormatError) as err:
        importers.read(tabbed, "ecvd", format="tsv", header=False)
    assert "by position" in str(err.value) and "3 fields" in str(err.value)


def test_ecvd_without_coordinates_supports_time_and_magnitude_work(tmp_path):
    """Issue #15.3: an early-warning list (date, time, duration magnitude) becomes an ECVD."""
    rng = np.random.default_rng(3)
    n = 400
    times = pd.Timestamp("2011-07-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 90, n)), unit="D")
    mags = np.round(rng.exponential(1 / np.log(10), n) + 0.5, 1)  # b = 1 above 0.5
    path = tmp_path / "ew.csv"
    pd.DataFrame({"date": times.strftime("%d/%m/%Y"), "time": times.strftime("%H:%M:%S"),
                  "md": mags}).to_csv(path, index=False)
    obj = varpy.Volcanic("EW", root=tmp_path)
    cat = obj.add_datatype("ecvd", path, format="csv", time_format="%d/%m/%Y %H:%M:%S")
    assert cat.metadata["absent_columns"] == ["latitude", "longitude", "depth"]
    assert cat.dataset[["latitude", "longitude", "depth"]].isna().all().all()
    b = cat.b_value(mc=0.5)
    assert 0.8 < b.b < 1.25
    reopened = varpy.open(obj.path)
    assert reopened.ecvd.metadata["absent_columns"] == ["latitude", "longitude", "depth"]
    from varpy.exceptions import SelectionError
    from varpy.management.datatypes import require_coordinates

    with pytest.raises(SelectionError, match="box window needs 'latitude', 'longitude'"):
        require_coordinates(reopened.ecvd, "box window")
    with pytest.raises(SelectionError, match="absent from the imported file"):
        require_coordinates(reopened.ecvd, "depth filter", ("depth",))


def _tree(path):
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("bad", ["bad_value", "truncated", "unknown_option", "absent"])
def test_failed_import_leaves_the_project_as_it_was(tmp_path, bad):
    obj = varpy.Volcanic("P", root=tmp_path)
    good = tmp_path / "good.txt"
    good.write_text("1\t19-08-1999\t09:46:11\t37.649\t14.893\t19.40\t2.0\t1\tBiancavilla\n")
    obj.add_datatype("scvd", _tilt(tmp_path),
                     format="etna_tilt", station="CDV")
    before = _tree(obj.path)
    manifest = (obj.path / "varpy.yaml").read_text()
    path = tmp_path / "b.txt"
    options = {}
    if bad == "bad_value":
        path.write_text(good.read_text() + "2\t19-13-1999\t09:46:11\t37.6\t14.8\t19\t2\t1\tX\n")
    elif bad == "truncated":
        path.write_text(good.read_text() + "2\t19-08-1999\t09:4")
    elif bad == "unknown_option":
        path = good
        options = {"colspecs": "varpy"}
    with pytest.raises(VarpyError):
        obj.add_datatype("ecvd", path, format="etna_ingv", **options)
    assert _tree(obj.path) == before
    assert (obj.path / "varpy.yaml").read_text() == manifest
    assert obj.ecvd is None and varpy.open(obj.path).ecvd is None


def _tilt(tmp_path):
    path = tmp_path / "tilt.txt"
    path.write_text("01/01/2011\t1.5\n02/01/2011\t1.7\n")
    return path
