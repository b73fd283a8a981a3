"""Fixed-width IGN catalogues as real exports write them (issue #12, #15): header labels centred
or shifted from their values, blank intensities, CRLF, latin-1 place names with spaces, 999
placeholders, truncated last lines; and property tests that every slicing reader keeps every
character of every value, signs included.

All files are generated here from known values; the expected table is built from those values.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from varpy.exceptions import DataFormatError
from varpy.management import importers
from varpy.management.importers.volcanic import (IGN_FIXED_VARPY_SLICES, ign_fixed_layout)

FIELDS = ("event_id", "date", "clock", "latitude", "longitude", "depth", "intensity",
          "magnitude", "magnitude_type", "place")
LABELS = ("Evento", "Fecha", "Hora", "Latitud", "Longitud", "Prof. (Km)", "Inten.", "Mag.",
          "Tipo Mag.", "Localización")
NUMERIC = ("latitude", "longitude", "depth", "magnitude")


def align(text: str, width: int, how: str) -> str:
    if how == "left":
        return text.ljust(width)
    if how == "right":
        return text.rjust(width)
    return text.center(width)


def render(rows, widths, aligns, *, gap=2, header_shift=0, eol="\r\n", place_last=True):
    """Lines of a fixed-width table; the place (last field) is written left-aligned and
    unpadded, as exports do. ``header_shift`` moves every header label right of its column."""
    starts, pos = [], 0
    for w in widths:
        starts.append(pos)
        pos += w + gap
    header = [" "] * (pos + 20)
    for label, start in zip(LABELS, starts):
        at = max(0, start + header_shift)
        header[at:at + len(label)] = list(label)
    lines = ["".join(header).rstrip()]
    for row in rows:
        parts = []
        for i, name in enumerate(FIELDS):
            if name == "place" and place_last:
                parts.append(row[name])
            else:
                parts.append(align(row[name], widths[i], aligns[i]))
        lines.append((" " * gap).join(parts).rstrip())
    return eol.join(lines) + eol


def expected_table(rows) -> pd.DataFrame:
    def num(text):
        value = float(text) if text.strip() else np.nan
        return np.nan if value == 999 else value

    frame = pd.DataFrame({
        "time": pd.to_datetime([f"{r['date']} {r['clock']}" for r in rows],
                               format="%d/%m/%Y %H:%M:%S", utc=True).as_unit("ns"),
        **{name: [num(r[name]) for r in rows] for name in NUMERIC},
        "event_id": pd.Series([r["event_id"] for r in rows], dtype="str"),
        "intensity": pd.Series([r["intensity"] or None for r in rows], dtype="str"),
        "magnitude_type": pd.Series([r["magnitude_type"] for r in rows], dtype="str"),
        "place": pd.Series([r["place"].strip() for r in rows], dtype="str"),
    })
    return frame.sort_values("time", kind="stable").reset_index(drop=True)


PLACES = ["SW FRONTERA.IHI", "EL PINAR.IHI", "MAR DE LAS CALMAS", "ATLÁNTICO-CANARIAS",
          "N LA RESTINGA.IHI", "GOLFO DE CÁDIZ"]


def real_rows(n=300, seed=7):
    """n events like an IGN El Hierro export: intensity on 1 % of lines, 999 depths and
    magnitudes now and then, negative magnitudes, accented place names with spaces."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        day = 1 + i % 28
        rows.append({
            "event_id": str(1_000_000 + i),
            "date": f"{day:02d}/{7 + i // 28 % 5:02d}/2011",
            "clock": f"{rng.integers(24):02d}:{rng.integers(60):02d}:{rng.integers(60):02d}",
            "latitude": f"{27.5 + rng.uniform(0, .4):.4f}",
            "longitude": f"{-18.2 + rng.uniform(0, .4):.4f}",
            "depth": "999" if i % 37 == 5 else f"{rng.uniform(0, 25):.1f}",
            "intensity": ("III-IV" if i % 2 else "II") if i % 100 == 50 else "",
            "magnitude": "999" if i % 53 == 7 else f"{rng.uniform(-0.5, 4):.1f}",
            "magnitude_type": str(rng.choice([2, 4, 20])),
            "place": PLACES[i % len(PLACES)],
        })
    return rows


WIDTHS = (11, 10, 8, 9, 10, 10, 8, 5, 9, 0)


@pytest.mark.parametrize("shift", [1, 2, 3, 4, 5, -1, -3])
@pytest.mark.parametrize("aligns", [("right",) * 10, ("left",) * 10,
                                    ("centre", "left", "right", "centre", "right", "centre",
                                     "centre", "right", "left", "left")])
def test_ign_export_with_shifted_header_reads_exactly(tmp_path, shift, aligns):
    rows = real_rows()
    path = tmp_path / "hierro.txt"
    path.write_bytes(render(rows, WIDTHS, aligns, header_shift=shift).encode("latin-1"))
    got = importers.read(path, "ecvd", metadata={"location": "Hierro"})
    want = expected_table(rows)
    pd.testing.assert_frame_equal(got[want.columns], want)
    assert got["intensity"].notna().sum() == 3  # blank on 99 % of the lines


def test_ign_export_utf8_and_bom_read_alike(tmp_path):
    rows = real_rows(60)
    text = render(rows, WIDTHS, ("right",) * 10, header_shift=3)
    (tmp_path / "a.txt").write_bytes(text.encode("latin-1"))
    (tmp_path / "b.txt").write_bytes(b"\xef\xbb\xbf" + text.replace("\r\n", "\n").encode())
    a = importers.read_ign_fixed(tmp_path / "a.txt")
    b = importers.read_ign_fixed(tmp_path / "b.txt")
    pd.testing.assert_frame_equal(a, b)
    assert "ATLÁNTICO-CANARIAS" in set(a["place"])


def test_ign_truncated_last_line(tmp_path):
    rows = real_rows(20)
    text = render(rows, WIDTHS, ("right",) * 10, header_shift=2)
    lines = text.split("\r\n")[:-1]
    # cut inside the place name: the text present is the value (no final newline)
    cut = lines[-1][:-4]
    path = tmp_path / "cut_place.txt"
    path.write_bytes("\r\n".join(lines[:-1] + [cut]).encode("latin-1"))
    got = importers.read_ign_fixed(path)
    want = expected_table(rows[:-1] + [dict(rows[-1], place=rows[-1]["place"][:-4])])
    pd.testing.assert_frame_equal(got[want.columns], want)
    # cut inside the magnitude: refused, with the line and the field
    start = sum(w + 2 for w in WIDTHS[:7])
    cut = lines[-1][:start + WIDTHS[7] - 1]
    path.write_bytes("\r\n".join(lines[:-1] + [cut]).encode("latin-1"))
    with pytest.raises(DataFormatError) as err:
        importers.read_ign_fixed(path)
    assert err.value.line == len(lines) and err.value.column == "Mag."
    assert "truncated" in str(err.value)


def test_ign_slice_through_a_value_is_refused(tmp_path):
    rows = real_rows(10)
    path = tmp_path / "h.txt"
    path.write_bytes(render(rows, WIDTHS, ("right",) * 10).encode("latin-1"))
    lines, spans, how = ign_fixed_layout(path)
    assert how == "value zones"
    bad = dict(spans)
    bad["latitude"] = (spans["latitude"][0] + 1, spans["latitude"][1])
    with pytest.raises(DataFormatError) as err:
        importers.read_ign_fixed(path, colspecs=bad)
    assert err.value.line == 2 and err.value.column == "Latitud"
    assert "inside a value" in str(err.value)


def test_varpy_slices_keep_the_sign(tmp_path):
    """VarPy's magnitude slice [114:117] starts one character after the sign of '-0.1'."""
    line = [" "] * 140
    values = {"event_id": "1120", "date": "19/07/2011", "clock": "04:17:25",
              "latitude": "27.7383", "longitude": "-18.0306", "depth": "12",
              "magnitude": "-0.1"}
    for name, (a, b) in IGN_FIXED_VARPY_SLICES.items():
        text = values[name]
        line[b - len(text):b] = list(text)
    other = list(line)
    other[113:117] = list(" 1.5")
    path = tmp_path / "h.txt"
    path.write_bytes(("Evento Fecha\r\n" + "".join(line).rstrip() + "\r\n"
                      + "".join(other).rstrip() + "\r\n").encode("latin-1"))
    cat = importers.read(path, "ecvd", format="ign_fixed", colspecs="varpy")
    assert sorted(cat["magnitude"].tolist()) == [-0.1, 1.5]


# --------------------------------------------------------------------------------------------
# property tests: every character of every value survives
# --------------------------------------------------------------------------------------------
def _number(draw, low, high, decimals):
    value = draw(st.floats(low, high, allow_nan=False))
    return f"{value:.{decimals}f}"


@st.composite
def tables(draw):
    n = draw(st.integers(1, 8))
    rows = []
    for i in range(n):
        rows.append({
            "event_id": str(draw(st.integers(1, 10 ** 7))),
            "date": f"{draw(st.integers(1, 28)):02d}/{draw(st.integers(1, 12)):02d}/"
                    f"{draw(st.integers(1980, 2030))}",
            "clock": f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}:"
                     f"{draw(st.integers(0, 59)):02d}",
            "latitude": _number(draw, -89.9, 89.9, draw(st.integers(1, 4))),
            "longitude": _number(draw, -179.9, 179.9, draw(st.integers(1, 4))),
            "depth": draw(st.sampled_from(["999", _number(draw, -3, 700, 1)])),
            "intensity": draw(st.sampled_from(["", "", "", "II", "III-IV", "V"])),
            "magnitude": _number(draw, -2, 9, draw(st.integers(1, 2))),
            "magnitude_type": draw(st.sampled_from(["2", "4", "20", "mbLg"])),
            "place": draw(st.sampled_from(PLACES)),
        })
    if not any(r["intensity"] for r in rows):  # an all-blank column makes no zone: fine too
        pass
    widths = [max(len(r[name]) for r in rows) + draw(st.integers(0, 3)) for name in FIELDS]
    aligns = [draw(st.sampled_from(["left", "right", "centre"])) for _ in FIELDS]
    return rows, widths, aligns, draw(st.integers(1, 3)), draw(st.integers(-3, 5))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=tables())
def test_property_inferred_zones_keep_every_character(tmp_path, data):
    rows, widths, aligns, gap, shift = data
    if all(w == 0 for w in widths):
        return
    path = tmp_path / "p.txt"
    path.write_bytes(render(rows, widths, aligns, gap=gap, header_shift=shift)
                     .encode("latin-1"))
    lines, spans, how = ign_fixed_layout(path)
    assert how == "value zones"
    for name in FIELDS:
        if name not in spans:
            assert name == "intensity" and not any(r[name] for r in rows)
            continue
        texts = [t or "" for t in lines.field(*spans[name]).to_pylist()]
        assert texts == [r[name] for r in rows], name
    got = importers.read_ign_fixed(path)
    want = expected_table(rows)
    pd.testing.assert_frame_equal(got[want.columns], want)


@st.composite
def varpy_tables(draw):
    n = draw(st.integers(1, 6))
    rows = [{
        "event_id": str(draw(st.integers(1, 10 ** 6))),
        "date": f"{draw(st.integers(1, 28)):02d}/{draw(st.integers(1, 12)):02d}/2011",
        "clock": f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}:00",
        "latitude": _number(draw, -89.9, 89.9, draw(st.integers(1, 3))),
        "longitude": _number(draw, -179.9, 179.9, draw(st.integers(1, 4))),
        "depth": draw(st.sampled_from(["999", "12", "-1", "0.5", "3"])),
        "magnitude": _number(draw, -2, 9, 1),
    } for _ in range(n)]
    aligns = {name: draw(st.sampled_from(["left", "right"])) for name in IGN_FIXED_VARPY_SLICES}
    return rows, aligns


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=varpy_tables())
def test_property_varpy_slices_keep_every_character(tmp_path, data):
    """Values written over VarPy's slices (right-aligned to the slice end, so a sign or a third
    digit sits before it, or left-aligned at its start) are read whole by colspecs='varpy'."""
    rows, aligns = data
    lines = ["Evento  Fecha  Hora  Latitud  Longitud  Prof.  Mag."]
    for row in rows:
        line = [" "] * 130
        for name, (a, b) in IGN_FIXED_VARPY_SLICES.items():
            text = row[name]
            start = b - len(text) if aligns[name] == "right" else a
            line[start:start + len(text)] = list(text)
        lines.append("".join(line).rstrip())
    path = tmp_path / "v.txt"
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    layout, spans, _ = ign_fixed_layout(path, colspecs="varpy")
    for name in IGN_FIXED_VARPY_SLICES:
        texts = layout.field(*spans[name]).to_pylist()
        assert texts == [r[name] for r in rows], name
    got = importers.read_ign_fixed(path, colspecs="varpy")
    order = np.argsort([f"{r['date'][6:]}{r['date'][3:5]}{r['date'][:2]}{r['clock']}"
                        for r in rows], kind="stable")
    for name in NUMERIC:
        want = [np.nan if float(rows[i][name]) == 999 else float(rows[i][name]) for i in order]
        np.testing.assert_array_equal(got[name].to_numpy(), want)
