"""Real exports are irregular: every reader gives the same table whatever the line ends, BOM,
final newline, trailing blanks, blank trailing lines and encoding (UTF-8 or latin-1).

Every file is written by the tests from known values, in each VarPy layout; the clean file's
table is the expected one and each irregular variant must read to exactly that table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from varpy.management import importers

# one clean file per importer: (format, kind, lines, options)
ETNA = ["1\t19-08-1999\t09:46:11\t37.649\t14.893\t19.40\t2.0\t1\tBiancavilla (CT)",
        "2\t19-08-1999\t09:48:05\t37.537\t14.892\t16.72\t-0.1\t2\tPaternò (CT)",
        "3\t19-08-1999\t22:32:58\t37.776\t14.976\t9.10\t2.2\t2\tPunta Lucia (CT)"]
IGN_WEB = ["Evento \tFecha \tHora \tLat \tLong \tProf.\t\t\t\t\t",
           "(km) \tInt \tMag \tTipo Mag \tLocalización \tinfo\t\t\t\t\t",
           "11611\t06/01/1990\t14:23:09\t28.07\t-16.2033\t17\t\t2.8\t2\tATLÁNTICO \t[+] info",
           "11615\t08/01/1990\t21:23:10\t28.4083\t-16.9233\t-999\tIII\t-0.2\t2\tNW BUENAVISTA\t[+] info"]
IMO = ["734350.5\t64.1\t-21.3\t5.2\t1.1", "734351.25\t63.9\t-19.1\t0.3\t-0.4"]
HVO = ["201101021530" "1234" "19N3012" "155W1530" " " "1050" "215" + " " * 34 + "KIL",
       "201101011200" "0050" "19N2000" "155W1000" " " " 200" "-12" + " " * 34 + "MLO"]
TILT = ["01/01/2011\t1.5", "02/01/2011\t-2.25", "03/01/2011\t"]
ERUPTIONS = ["05/02/1981\t\tFlank\tNE rift\t2450-2250\t1.2\t30\tÉtna flank eruption",
             "27/10/2002\t28/01/2003\tFlank\tS rift\t2750\t\t40\tsecond"]
UCL = ["time (mins)\ttime (secs)\tstress (MPa)\tstrain (%)\tstrain\tpore volume (cm3)\t"
       "confining pressure (MPa)\tpore pressure (MPa)\teffective pressure (MPa)",
       "0\t0\t0.1\t0.0001\t1e-06\t-0.0002\t50\t20\t30",
       "0.5\t30\t10.5\t0.2\t0.002\t-0.01\t50\t20\t30"]
AE = ["21.5\t0.8", "21.25\t-1.2", "22\t0.5"]
SERIES = ["0\t0.0", "0.0196\t0.001414", "0.0357\t-0.002576"]
CSV = ["time,lat,lon,depth,mag,place", "2011-10-10T12:00:00Z,27.7,-18.0,12.5,2.1,El Pinar",
       "2011-10-09T12:00:00Z,27.6,-18.1,,-0.3,Frontera"]

CASES = {
    "etna_ingv": ("ecvd", ETNA, {}), "ign_web": ("ecvd", IGN_WEB, {}),
    "imo": ("ecvd", IMO, {}), "hvo": ("ecvd", HVO, {}), "etna_tilt": ("scvd", TILT, {}),
    "etna_eruptions": ("evd", ERUPTIONS, {}), "ucl_v1": ("scld", UCL, {}),
    "ae_two_column": ("ecld", AE, {"time_unit": "minutes"}),
    "lab_series": ("scld", SERIES, {"value_name": "axial_strain"}),
    "csv": ("ecvd", CSV, {}),
}


def write(path, lines, *, eol="\n", final=True, bom=False, trailing="", blank_end=0,
          encoding="utf-8"):
    body = eol.join(line + trailing for line in lines) + (eol if final else "")
    body += eol * blank_end
    data = body.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


VARIANTS = {
    "crlf": dict(eol="\r\n"),
    "no_final_newline": dict(final=False),
    "crlf_no_final_newline": dict(eol="\r\n", final=False),
    "bom": dict(bom=True),
    "blank_trailing_lines": dict(blank_end=3),
    "blank_trailing_lines_crlf": dict(eol="\r\n", blank_end=2),
    "latin1": dict(encoding="latin-1"),
    "latin1_crlf_bom_less": dict(encoding="latin-1", eol="\r\n", final=False),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("fmt", sorted(CASES))
def test_irregular_text_reads_the_same_table(tmp_path, fmt, variant):
    kind, lines, options = CASES[fmt]
    expected = importers.read(write(tmp_path / "clean.txt", lines), kind, format=fmt, **options)
    got = importers.read(write(tmp_path / "odd.txt", lines, **VARIANTS[variant]), kind,
                         format=fmt, **options)
    pd.testing.assert_frame_equal(got, expected)


TRAILING_OK = {"etna_ingv", "ign_web", "imo", "hvo", "etna_tilt", "etna_eruptions", "ucl_v1",
               "ae_two_column", "lab_series", "csv"}


@pytest.mark.parametrize("fmt", sorted(TRAILING_OK))
@pytest.mark.parametrize("blanks", ["  ", " \t"])
def test_trailing_blanks_are_ignored(tmp_path, fmt, blanks):
    kind, lines, options = CASES[fmt]
    expected = importers.read(write(tmp_path / "clean.txt", lines), kind, format=fmt, **options)
    got = importers.read(write(tmp_path / "odd.txt", lines, trailing=blanks, eol="\r\n"), kind,
                         format=fmt, **options)
    pd.testing.assert_frame_equal(got, expected)


def test_clean_tables_hold_the_written_values(tmp_path):
    """The reference tables themselves are right (negative magnitudes kept, codes missing)."""
    etna = importers.read(write(tmp_path / "e.txt", ETNA), "ecvd", format="etna_ingv")
    assert etna["magnitude"].tolist() == [2.0, -0.1, 2.2]
    assert etna["place"].tolist()[1] == "Paternò (CT)"
    web = importers.read(write(tmp_path / "w.txt", IGN_WEB, encoding="latin-1"), "ecvd",
                         format="ign_web")
    assert np.isnan(web["depth"].iloc[1]) and web["magnitude"].tolist() == [2.8, -0.2]
    assert web["place"].tolist() == ["ATLÁNTICO", "NW BUENAVISTA"]
    hvo = importers.read(write(tmp_path / "h.txt", HVO), "ecvd", format="hvo")
    assert hvo["magnitude"].tolist() == [-0.12, 2.15] and hvo["region"].tolist() == ["MLO", "KIL"]
    tilt = importers.read(write(tmp_path / "t.txt", TILT), "scvd", format="etna_tilt")
    assert tilt["tilt"].tolist()[:2] == [1.5, -2.25] and np.isnan(tilt["tilt"].iloc[2])
