"""The IGN fixed-width catalogue reader (VarPy's ``Hierro`` format): ``ign_fixed``.

Real IGN exports centre or shift their header labels relative to the values, leave the
intensity column blank on almost every line, use CRLF and latin-1, and hold spaces in the place
column. So the reader never trusts the header: the column zones are the character positions
that are blank on every value line (:func:`ign_fixed_zones`), mapped to fields by order and
content (id, date ``dd/mm/yyyy``, time, latitude, longitude, depth, optional intensity, decimal
magnitude, magnitude type, place). When that is ambiguous, or with ``colspecs="varpy"``, VarPy's
documented slices (:data:`IGN_FIXED_VARPY_SLICES`) are used, widened to the zone the data occupy
so that no slice cuts through a value (VarPy's own cut the minus sign off ``-0.1``).

May import: :mod:`varpy.exceptions`, :mod:`varpy.management.importers._parsing`. Registered by
:mod:`varpy.management.importers.volcanic`, which re-exports every name here.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from varpy.exceptions import DataFormatError, UnknownFormatError
from varpy.management.importers import _parsing as P

log = logging.getLogger("varpy.management.importers.volcanic")

#: Character spans VarPy 2016 hard-coded for the IGN fixed-width catalogue (``colspecs="varpy"``;
#: varpy-2016.md section 3.4). Used as given they cut a minus sign off (``-0.1`` -> ``0.1``), so
#: ``colspecs="varpy"`` widens each to the zone the data occupy around it.
IGN_FIXED_VARPY_SLICES = {
    "event_id": (5, 12), "date": (17, 27), "clock": (34, 42), "latitude": (50, 57),
    "longitude": (64, 75), "depth": (85, 87), "magnitude": (114, 117),
}
#: Field order of the IGN fixed-width catalogue and the header label of each (for messages).
IGN_FIXED_FIELDS = {
    "event_id": "Evento", "date": "Fecha", "clock": "Hora", "latitude": "Latitud",
    "longitude": "Longitud", "depth": "Prof. (Km)", "intensity": "Inten.", "magnitude": "Mag.",
    "magnitude_type": "Tipo Mag.", "place": "Localizacion",
}
_IGN_FIXED_REQUIRED = ("date", "clock", "latitude", "longitude", "depth", "magnitude")
_IGN_FIXED_NUMERIC = ("latitude", "longitude", "depth", "magnitude")
#: Codes the IGN fixed-width catalogue uses for "no value".
IGN_FIXED_MISSING = (999.0,)
_DATE_DMY = r"^\d{1,2}/\d{1,2}/\d{4}$"
_CLOCK = r"^\d{1,2}:\d{2}(:\d{2}(\.\d*)?)?$"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)$"
_DECIMAL = r"^[+-]?(\d+\.\d*|\.\d+)$"
#: IGN magnitude-type codes (numbers) and the usual magnitude names.
_MAGNITUDE_TYPE = r"^(\d{1,3}|(?i:ml|md|mw|mb|ms|mc|me|mn|mlv|mblg|mbl|mwp|mww|mwr))$"


def _share(lines: pa.Array, zone, pattern: str) -> tuple[float, int]:
    """Fraction of the non-blank values of ``zone`` that match ``pattern``, and their count."""
    values = pc.utf8_trim_whitespace(pc.utf8_slice_codeunits(lines, zone[0], zone[1]))
    values = values.filter(pc.greater(pc.utf8_length(values), 0))
    if len(values) == 0:
        return 0.0, 0
    return pc.sum(pc.match_substring_regex(values, pattern)).as_py() / len(values), len(values)


def ign_fixed_zones(lines: pa.Array, *, header: str = ""):
    """Character spans of the IGN fixed-width fields, found from the value lines alone.

    Character positions blank on every line separate the columns
    (:func:`~varpy.management.importers._fixed.value_zones`). The zones are mapped to the
    fields by order and content: an optional id before the date (``dd/mm/yyyy``), the time
    (``hh:mm:ss``), three numeric zones (latitude, longitude, depth), then optional intensity
    zones (anything before the first zone of decimal numbers), the magnitude, the magnitude
    type (when the header names ``Tipo`` or the zone holds only type codes such as ``4`` or
    ``mbLg``), and the place from the start of the next zone to the end of the line (place
    names hold spaces). Header labels are not used for positions (real exports centre or shift
    them).

    Returns
    -------
    spans : dict or None
        ``{field: (start, stop)}`` (``stop`` None for the place), or None when the zones are
        ambiguous.
    reason : str
        Why the zones are ambiguous ('' when they are not).
    """
    zones = P.value_zones(lines)
    dates = [i for i, z in enumerate(zones) if _share(lines, z, _DATE_DMY)[0] > 0.5]
    if not dates:
        return None, f"no zone of dd/mm/yyyy dates among the {len(zones)} zones"
    d = dates[0]
    if d + 1 >= len(zones) or _share(lines, zones[d + 1], _CLOCK)[0] <= 0.5:
        return None, "no zone of hh:mm:ss times after the dates"
    if d > 1:
        return None, f"{d} zones before the dates (expected at most the event id)"
    spans = {"event_id": zones[0]} if d == 1 else {}
    spans.update(date=zones[d], clock=zones[d + 1])
    after = zones[d + 2:]
    if len(after) < 4:
        return None, (f"{len(after)} zones after the time (expected latitude, longitude, "
                      "depth and magnitude)")
    # by order: a bad value among them gets its located error when parsed
    spans.update(zip(("latitude", "longitude", "depth"), after[:3]))
    rest = after[3:]
    magnitude = None
    for j, zone in enumerate(rest):
        numbers, count = _share(lines, zone, _NUMBER)
        if count and numbers == 1.0 and _share(lines, zone, _DECIMAL)[0] > 0:
            magnitude = j
            break
    if magnitude is None:
        return None, "no zone of decimal magnitudes after the depth"
    if magnitude:
        spans["intensity"] = (rest[0][0], rest[magnitude - 1][1])
    spans["magnitude"] = rest[magnitude]
    tail = rest[magnitude + 1:]
    if tail and ("tipo" in header.lower()
                 or _share(lines, tail[0], _MAGNITUDE_TYPE)[0] == 1.0):
        spans["magnitude_type"] = tail[0]
        tail = tail[1:]
    if tail:
        spans["place"] = (tail[0][0], None)
    return spans, ""


def _snap_to_zones(spans: dict, zones: list) -> dict:
    """Each span widened to the data zones it overlaps, unless that runs into another span."""
    out = {}
    for name, (start, stop) in spans.items():
        end = 1 << 30 if stop is None else stop
        hit = [z for z in zones if z[0] < end and z[1] > start]
        lo = min([start] + [z[0] for z in hit])
        hi = None if stop is None else max([stop] + [z[1] for z in hit])
        others = [s for n, s in spans.items() if n != name]
        clash = any(o[0] < (hi or 1 << 30) and (o[1] or 1 << 30) > lo for o in others)
        out[name] = (start, stop) if clash else (lo, hi)
    return out


def _check_colspecs(colspecs, path) -> dict:
    expected = ("{field: (start, stop)} with 0-based character positions (stop None = end "
                f"of line) for {', '.join(_IGN_FIXED_REQUIRED)}, or 'varpy'")
    if not isinstance(colspecs, Mapping):
        raise DataFormatError(f"colspecs must be a mapping or 'varpy', not {colspecs!r}",
                              path=path, key="colspecs", expected=expected)
    spans = {}
    for name, span in colspecs.items():
        if name not in IGN_FIXED_FIELDS:
            raise UnknownFormatError("colspecs field", str(name), IGN_FIXED_FIELDS)
        ok = (isinstance(span, (tuple, list)) and len(span) == 2
              and isinstance(span[0], (int, np.integer)) and not isinstance(span[0], bool)
              and (span[1] is None or (isinstance(span[1], (int, np.integer))
                                       and not isinstance(span[1], bool)))
              and span[0] >= 0 and (span[1] is None or span[1] > span[0]))
        if not ok:
            raise DataFormatError(f"colspecs[{name!r}] = {span!r} is not a character span",
                                  path=path, key="colspecs", expected=expected)
        spans[name] = (int(span[0]), None if span[1] is None else int(span[1]))
    absent = [n for n in _IGN_FIXED_REQUIRED if n not in spans]
    if absent:
        raise DataFormatError(f"colspecs lacks {', '.join(absent)}", path=path, key="colspecs",
                              expected=expected)
    return spans


def ign_fixed_layout(path, *, encoding: str | None = None, colspecs=None):
    """The lines of an IGN fixed-width file and the character span of each field.

    Returns ``(lines, spans, how)`` where ``lines`` is a
    :class:`~varpy.management.importers._fixed.TextLines`, ``spans`` maps fields to
    ``(start, stop)`` and ``how`` says where the spans come from (``'value zones'``,
    ``'varpy slices'`` or ``'colspecs'``). Used by :func:`read_ign_fixed` and
    :func:`varpy.management.importers.sniff`.
    """
    path = P.check_file(path)
    encoding = P.resolve_encoding(path, encoding)
    first = P.read_header_lines(path, 1, encoding)
    header_lines = 0 if first and re.search(r"\d{1,2}/\d{1,2}/\d{4}", first[0]) else 1
    lines = P.TextLines(path, encoding=encoding, header_lines=header_lines)
    header = lines.header[0] if lines.header else ""
    if colspecs is None:
        spans, reason = ign_fixed_zones(lines.lines, header=header)
        if spans is not None:
            how = "value zones"
        else:
            log.info("%s: %s; using VarPy's IGN slices", path, reason)
            colspecs = "varpy"
            how = f"varpy slices ({reason})"
    else:
        how = "colspecs"
    if isinstance(colspecs, str):
        if colspecs.lower() != "varpy":
            raise DataFormatError(f"colspecs={colspecs!r}", path=path, key="colspecs",
                                  expected="'varpy' or {field: (start, stop)}")
        spans = _snap_to_zones(dict(IGN_FIXED_VARPY_SLICES), P.value_zones(lines.lines))
        how = how if how != "colspecs" else "varpy slices"
    elif colspecs is not None:
        spans = _check_colspecs(colspecs, path)
    lines.check_boundaries(spans, IGN_FIXED_FIELDS)
    return lines, spans, how


def _check_truncated(lines, spans) -> None:
    """The last line must not stop inside a numeric or date/time field while the other lines
    go on past that field (a line cut short by a truncated export)."""
    if len(lines) < 2:
        return
    lengths = pc.utf8_length(pc.utf8_rtrim_whitespace(lines.lines)).to_numpy(
        zero_copy_only=False)
    length = int(lengths[-1])
    for name in ("date", "clock", *_IGN_FIXED_NUMERIC):
        start, stop = spans[name]
        if stop is not None and start < length < stop and (lengths[:-1] > stop).mean() > 0.5:
            raise lines.error(len(lines) - 1,
                              f"the line ends inside {IGN_FIXED_FIELDS[name]} (character "
                              f"{length}, the field spans {start + 1}-{stop}) where the other "
                              "lines go on: a truncated line?", IGN_FIXED_FIELDS[name],
                              "complete lines; remove or complete the last line")


def read_ign_fixed(path, *, encoding: str | None = None, colspecs=None) -> pd.DataFrame:
    """Read the IGN fixed-width catalogue (VarPy's ``Hierro`` format).

    An optional header line (``Evento  Fecha  Hora  Latitud  Longitud  Prof. (Km)  Inten.
    Mag.  Tipo Mag.  Localizacion``), then one event a line with ``dd/mm/yyyy`` dates and
    ``hh:mm:ss`` times. The fields are located from the value lines alone (see
    :func:`ign_fixed_zones`), so centred or shifted header labels, values aligned left, right
    or centred, blank intensities and place names with spaces do not matter; if the zones are
    ambiguous, VarPy's slices (:data:`IGN_FIXED_VARPY_SLICES`) are used, widened to the data.
    Every slice is checked not to cut through a value. ``999`` and blanks mark missing numbers
    (NaN); a blank intensity is missing.

    Parameters
    ----------
    path : path-like
    encoding : str, optional
        Text encoding; default: UTF-8 if the file decodes as UTF-8, else latin-1 (a BOM
        is dropped).
    colspecs : dict or 'varpy', optional
        Explicit ``{field: (start, stop)}`` character spans (0-based, stop exclusive; ``None``
        stop = end of line; fields as in :data:`IGN_FIXED_FIELDS`), or ``'varpy'`` for VarPy
        2016's spans (:data:`IGN_FIXED_VARPY_SLICES`, widened to keep signs).

    Returns
    -------
    pandas.DataFrame
        ``time``, ``latitude``, ``longitude``, ``depth``, ``magnitude``, ``intensity`` and,
        where present, ``event_id``, ``magnitude_type`` (text) and ``place``.
    """
    lines, spans, _ = ign_fixed_layout(path, encoding=encoding, colspecs=colspecs)
    _check_truncated(lines, spans)
    fields = {name: lines.field(*span) for name, span in spans.items()}
    time_ns = (lines.times(fields["date"], "%d/%m/%Y", "Fecha")
               + lines.times(fields["clock"], "%H:%M:%S", "Hora"))
    columns = {"time": P.utc_series(time_ns)}
    for name in P.ECVD_FLOATS:
        columns[name] = P.mask_codes(lines.numbers(fields[name], IGN_FIXED_FIELDS[name]),
                                    IGN_FIXED_MISSING)
    for name in ("event_id", "intensity", "magnitude_type", "place"):
        if name in fields:
            columns[name] = P.clean_text(fields[name])
        elif name == "intensity" and colspecs is None:
            columns[name] = pd.Series([None] * len(time_ns), dtype="str")
    return P.assemble(columns, time_ns)
