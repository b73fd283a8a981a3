"""importers.sniff: the format, the columns and their character zones, the first rows and what
would be missing, for a user's new export (issue #12)."""
from __future__ import annotations

import json

from varpy.management import importers
from varpy.management.importers.sniff import SniffResult

HEADER = "   Evento     Fecha       Hora     Latitud   Longitud  Prof. (Km)  Inten.  Mag.  Tipo Mag.  Localización"
ROWS = ["    1120  19/07/2011  04:17:25    27.7383   -18.0306        12.0           -0.1          4  SW FRONTERA.IHI",
        "    1012  18/07/2011  23:01:02    27.7012   -17.9910         999     II      2.3          4  EL PINAR.IHI"]


def test_sniff_ign_fixed_export(tmp_path):
    path = tmp_path / "hierro.txt"
    path.write_bytes(("\r\n".join([HEADER] + ROWS)).encode("latin-1"))
    result = importers.sniff(path)
    assert (result.format, result.kind) == ("ign_fixed", "ecvd")
    assert result.encoding == "latin-1" and result.line_ending == "CRLF"
    assert not result.final_newline and result.how == "value zones"
    spans = {c["name"]: (c["start"], c["stop"]) for c in result.columns}
    assert ROWS[0][slice(*spans["magnitude"])].strip() == "-0.1"
    assert spans["place"][1] is None and ROWS[1][spans["place"][0]:].strip() == "EL PINAR.IHI"
    assert result.rows[0]["magnitude"] == "2.3" and result.rows[1]["magnitude"] == "-0.1"
    assert result.missing == []
    text = result.summary()
    assert "format: ign_fixed (ecvd)" in text and "magnitude" in text and "no final newline" in text
    data = result.to_dict()
    json.dumps(data)
    assert SniffResult.from_dict(data).to_dict() == data


def test_sniff_unreadable_file_says_why(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("2011-10-10;12:00;2.1\n")
    result = importers.sniff(path, kind="ecvd")
    assert result.format is None and result.candidates == []
    assert "ign_fixed/ecvd" in result.errors and "line 1" in result.errors["etna_ingv/ecvd"]
    assert "none of the importers reads it" in result.summary()


def test_sniff_with_options_and_missing_columns(tmp_path):
    path = tmp_path / "ew.csv"
    path.write_text("date,time,md\n10/10/2011,12:00:00,2.1\n09/10/2011,06:00:00,1.1\n")
    result = importers.sniff(path, kind="ecvd", format="csv", time_format="%d/%m/%Y %H:%M:%S")
    assert result.format == "csv"
    assert {"latitude", "longitude", "depth"} <= set(result.missing)
    assert result.notes["absent_columns"] == ["latitude", "longitude", "depth"]
    assert [c["name"] for c in result.columns] == ["date", "time", "md"]
