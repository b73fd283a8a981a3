"""Final assembly of parsed columns into a varpy table (private): stable sort by time, reordering
of numpy/pandas/pyarrow columns, text clean-up, and code-to-label mapping.

Imports only numpy, pandas, pyarrow and :mod:`varpy.exceptions` (no other importer module).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from varpy.exceptions import DataWarning


#: The float columns of an event catalogue (ECVD).
ECVD_FLOATS = ("latitude", "longitude", "depth", "magnitude")


def mask_codes(values, codes) -> np.ndarray:
    """``values`` as float64 with the missing-value ``codes`` (999, -999, ...) turned into NaN."""
    values = np.asarray(values, dtype=np.float64)
    if codes:
        values = np.where(np.isin(values, codes), np.nan, values)
    return values


def sort_order(key: np.ndarray) -> np.ndarray | None:
    """Stable sort order of ``key`` (int64 ns or float64, NaN last), or None if already sorted."""
    key = np.asarray(key)
    if key.dtype.kind == "f":
        key = np.where(np.isnan(key), np.inf, key)
    if len(key) < 2 or (key[1:] >= key[:-1]).all():
        return None
    return np.argsort(key, kind="stable")


def take(col, order: np.ndarray | None):
    """``col`` (numpy array, pandas Series or pyarrow array) reordered; unchanged if no order."""
    if order is None:
        return col.reset_index(drop=True) if isinstance(col, pd.Series) else col
    if isinstance(col, pd.Series):
        array = col.array
        if isinstance(array, pd.arrays.ArrowStringArray):
            # straight to pyarrow: pandas' take adds a copy and index work
            chunked = pa.array(array)
            return pd.Series(pc.take(chunked, pa.array(order)), dtype="str", name=col.name)
        if isinstance(col.dtype, np.dtype) and col.dtype.kind in "biuf":
            return pd.Series(np.take(col.to_numpy(), order), name=col.name)
        return col.take(order).reset_index(drop=True)
    if isinstance(col, (pa.Array, pa.ChunkedArray)):
        return pc.take(col, pa.array(order))
    return np.take(np.asarray(col), order, axis=0)  # np.take: faster than fancy indexing


def assemble(columns: dict, sort_key: np.ndarray) -> pd.DataFrame:
    """Equal-length columns -> DataFrame stably sorted by ``sort_key``, with a RangeIndex.

    ``sort_key`` is int64 nanoseconds (datetimes) or float64 (lab seconds; NaN sorts last).
    The sort is skipped when the key is already non-decreasing.
    """
    order = sort_order(sort_key)
    frame = pd.DataFrame({name: take(col, order) for name, col in columns.items()})
    note_order(frame, order)
    return frame


#: ``DataFrame.attrs`` key of the import notes (read by the importer registry).
IMPORT_NOTES = "varpy_import"


def note_order(frame: pd.DataFrame, order: np.ndarray | None) -> pd.DataFrame:
    """Record in ``frame.attrs`` that rows were sorted into time order (how many moved, and
    whether the file was in reverse order), so the registry can report it."""
    if order is not None:
        moved = int((order != np.arange(len(order))).sum())
        reverse = bool(len(order) > 1 and (np.diff(order) == -1).all())
        add_note(frame, rows_moved=moved, **({"reverse_order": True} if reverse else {}))
    return frame


def add_note(frame: pd.DataFrame, **notes) -> None:
    """Add import notes (what the reader changed or filled in) to ``frame.attrs``."""
    frame.attrs.setdefault(IMPORT_NOTES, {}).update(notes)


def integer_text(values) -> pd.Series:
    """Integer ids (int64) as decimal text (pandas ``str``); text input passes through."""
    values = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_integer_dtype(values):
        return pd.Series(pa.array(values.to_numpy()).cast(pa.large_string()), dtype="str")
    return values.astype("str")


def clean_text(values) -> pd.Series:
    """Text column with surrounding blanks removed and empty values missing (pandas ``str``)."""
    if isinstance(values, pd.Series):
        values = values.array
    if isinstance(values, pd.arrays.ArrowStringArray):
        values = pa.array(values)
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pa.array(pd.Series(values, dtype="str").array)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = pc.utf8_trim_whitespace(values)
    values = pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)
    return pd.Series(values, dtype="str")


def labels_from_codes(codes, mapping: dict, *, what: str = "code", path=None) -> pd.Series:
    """Integer codes (float array, NaN = missing) -> text labels via ``mapping``.

    Codes missing from ``mapping`` keep their decimal text and raise one DataWarning.
    """
    codes = np.asarray(codes, dtype=np.float64)
    present = ~np.isnan(codes)
    complete = bool(present.all())
    ints = (codes if complete else np.where(present, codes, 0)).astype(np.int64)
    small = bool(present.any()) and ints.min() >= 0 and ints.max() < 4096
    if small:
        counts = np.bincount(ints) if complete else np.bincount(ints[present])
        unique = np.flatnonzero(counts)  # no sort of n values
    else:
        unique = np.unique(ints[present])
    unknown = [int(u) for u in unique if int(u) not in mapping]
    if unknown:
        warnings.warn(f"{str(path) + ': ' if path else ''}unknown {what} {unknown}; kept as text "
                      f"(known: {mapping})", DataWarning, stacklevel=3)
    texts = [mapping.get(int(u), str(int(u))) for u in unique]
    if small:
        lookup = np.zeros(int(unique[-1]) + 1 if len(unique) else 1, dtype=np.int32)
        lookup[unique] = np.arange(len(unique), dtype=np.int32)
        index = np.take(lookup, ints)
    else:
        index = np.searchsorted(unique, ints).astype(np.int32)
    return pd.Series(_labels_array(texts, index, present), dtype="str")


def _labels_array(texts: list[str], index: np.ndarray, present: np.ndarray) -> pa.Array:
    """``texts[index]`` as a large_string array, null where not ``present``."""
    encoded = [t.encode("utf-8") for t in texts]
    width = len(encoded[0]) if encoded else 0
    if encoded and width and all(len(e) == width for e in encoded) and present.all():
        # labels of one length (MD/ML, ...): the bytes are one gather of fixed-width rows
        rows = np.frombuffer(b"".join(encoded), dtype=f"V{width}")
        data = np.take(rows, index).view(np.uint8)
        offsets = np.arange(0, (len(index) + 1) * width, width, dtype=np.int64)
        return pa.LargeStringArray.from_buffers(len(index), pa.py_buffer(offsets),
                                                pa.py_buffer(data))
    names = pa.array(texts, type=pa.large_string())
    return pc.take(names, pa.array(index, mask=~present))
