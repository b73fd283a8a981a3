"""The shared machinery of every window: which datatypes a filter applies to, cutting them, and
recording the step in ``.selection``; plus bound parsing and the ``[min, max)`` mask.

A window function builds ``cut(dt) -> (mask, step)`` and hands it to :func:`_apply` with the
datatypes chosen by :func:`_targets`; :func:`_apply` keeps the masked rows of each datatype
(``Datatype.with_dataset`` appends ``step`` to its ``selection``) and reassembles an object of
the input's type.

Projects are recognised by what they offer (:class:`ProjectLike`: ``id``, ``project_type``,
``kinds``, ``datatypes()``, ``with_datatypes()``), not by their class, so this package never
imports the facade (:mod:`varpy.management.core`).

May import: :mod:`varpy.exceptions`, :mod:`varpy.management.datatypes`,
:mod:`varpy.management.timeconv`.
"""
from __future__ import annotations

import datetime as _dt
import logging
import numbers
from typing import Callable, ClassVar, Iterable, Protocol, Sequence, runtime_checkable

import numpy as np
import pandas as pd

from varpy.exceptions import SelectionError, UnknownFormatError
from varpy.management.datatypes import Datatype, require_coordinates
from varpy.management.timeconv import parse_time

log = logging.getLogger("varpy.preparation.windows")

_CLOSED = "left"  # recorded in every step: intervals are [min, max)


@runtime_checkable
class ProjectLike(Protocol):
    """What a window needs of a project (:class:`~varpy.Volcanic`, :class:`~varpy.Laboratory`).

    Volcanic projects also have ``scvd`` (station -> SCVD); every project has one attribute per
    kind in ``kinds`` (the datatype or None).
    """

    id: str
    project_type: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]]

    def datatypes(self) -> dict[str, Datatype]: ...

    def with_datatypes(self, replacements: dict[str, Datatype]) -> "ProjectLike": ...


def _is_project(obj) -> bool:
    return not isinstance(obj, Datatype) and isinstance(obj, ProjectLike)


def _is_laboratory(obj) -> bool:
    return _is_project(obj) and obj.project_type == "laboratory"


def _targets(obj, kinds, op: str, *, columns: Sequence[str] = ()) -> list[Datatype]:
    """The datatypes of ``obj`` that ``op`` applies to (see the module conventions)."""
    names = None if kinds is None else ([kinds] if isinstance(kinds, str) else list(kinds))
    if isinstance(obj, Datatype):
        if names is not None:
            named = {str(n) for n in names} | {str(n).lower() for n in names}
            if obj.kind not in named and _key(obj) not in named:
                raise SelectionError(f"{op}: kinds={names} does not name the "
                                     f"{_describe(obj)} given")
        _require_columns(obj, columns, op)
        return [obj]
    if not _is_project(obj):
        raise TypeError(f"{op} applies to a Volcanic or Laboratory project or to a datatype, "
                        f"not to {type(obj).__name__}")
    present = obj.datatypes()
    if names is None:
        chosen = [dt for dt in present.values() if all(c in dt.dataset.columns for c in columns)]
        if not chosen and not present:
            raise SelectionError(f"{op}: {type(obj).__name__} {obj.id!r} holds no datatypes")
        if not chosen:
            have = "; ".join(f"{k}: {list(dt.dataset.columns)}" for k, dt in present.items())
            raise SelectionError(
                f"{op}: no datatype of {type(obj).__name__} {obj.id!r} has column(s) "
                f"{list(columns)} (datatypes and columns: {have})")
        for dt in chosen:
            _require_columns(dt, columns, op)
        return chosen
    chosen_by_key: dict[str, Datatype] = {}
    for name in names:
        text = str(name)
        kind = text.lower()
        if kind in obj.kinds:
            if kind == "scvd":
                if not obj.scvd:
                    raise SelectionError(f"{op}: project {obj.id!r} has no SCVD stations")
                chosen_by_key.update({_key(dt): dt for dt in obj.scvd.values()})
            elif getattr(obj, kind) is None:
                raise SelectionError(f"{op}: project {obj.id!r} has no {kind.upper()}; it holds "
                                     f"{sorted(present) or 'no datatypes'}")
            else:
                chosen_by_key[kind] = getattr(obj, kind)
        elif text in present:
            chosen_by_key[text] = present[text]
        elif kind.startswith("scvd-") and "scvd" in obj.kinds:
            raise SelectionError(f"{op}: project {obj.id!r} has no SCVD station "
                                 f"{text[5:]!r}; stations: {sorted(obj.scvd)}")
        else:
            raise UnknownFormatError(f"datatype for a {obj.project_type} project", text,
                                     list(obj.kinds) + list(present))
    for dt in chosen_by_key.values():
        _require_columns(dt, columns, op)
    return list(chosen_by_key.values())


def _apply(obj, targets: list[Datatype], cut: Callable[[Datatype], tuple]):
    """Cut every target with ``cut(dt) -> (mask, step)`` and assemble the result."""
    replacements = {}
    for dt in targets:
        mask, step = cut(dt)
        mask = np.asarray(mask, dtype=bool)
        new = dt.with_dataset(dt.dataset.iloc[np.flatnonzero(mask)], step)
        log.debug("%s: %s kept %d of %d rows", step["op"], _describe(dt), len(new), len(dt))
        replacements[_key(dt)] = new
    if isinstance(obj, Datatype):
        return replacements[_key(obj)]
    return obj.with_datatypes(replacements)


def _interval_mask(values: pd.Series, lo, hi) -> np.ndarray:
    """``lo <= values < hi`` with None as an open side; missing values are False."""
    mask = values.notna().to_numpy(dtype=bool, copy=True)  # pandas 3 hands out read-only views
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if lo is not None:
            mask &= (values >= lo).to_numpy(dtype=bool)
        if hi is not None:
            mask &= (values < hi).to_numpy(dtype=bool)
        return mask
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    if lo is not None:
        mask &= arr >= lo
    if hi is not None:
        mask &= arr < hi
    return mask


def _time_bound(value, calendar: bool, name: str):
    if value is None:
        return None
    if calendar:
        if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Number)):
            raise SelectionError(
                f"{name}={value!r}: a number is ambiguous as a calendar time; give a date string "
                "('dd-mm-yyyy' or ISO 'yyyy-mm-dd'), a datetime or a pandas Timestamp (VarPy "
                "ordinal days convert with varpy.management.timeconv.from_ordinal_days)")
        try:
            return parse_time(value)
        except (TypeError, ValueError) as exc:
            raise SelectionError(f"{name}={value!r}: {exc}") from exc
    if isinstance(value, (str, _dt.date, np.datetime64)):
        raise SelectionError(
            f"{name}={value!r}: laboratory times are seconds since the start of the experiment; "
            "give a number of seconds (or a timedelta)")
    if isinstance(value, (_dt.timedelta, np.timedelta64)):
        return pd.Timedelta(value).total_seconds()
    return _number_bound(value, name)


def _number_bound(value, name: str):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise SelectionError(f"{name}={value!r} ({type(value).__name__}) is not a number; "
                             "give a float or None (unbounded)")
    out = float(value)
    if np.isnan(out):
        raise SelectionError(f"{name}={value!r} is NaN; use None for an open side")
    return out


def _check_order(lo, hi, lo_name: str, hi_name: str) -> None:
    if lo is not None and hi is not None and lo > hi:
        raise SelectionError(f"{lo_name}={_record(lo)!r} is after {hi_name}={_record(hi)!r}; "
                             f"the interval is [{lo_name}, {hi_name})")


def _pair(value, name: str, *, numeric: bool = True) -> tuple:
    if value is None:
        return (None, None)
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, Iterable):
        raise SelectionError(f"{name}={value!r} must be a (min, max) pair; use None for an "
                             "open side")
    pair = tuple(value)
    if len(pair) != 2:
        raise SelectionError(f"{name}={value!r} must be a (min, max) pair, not {len(pair)} "
                             "values")
    if not numeric:
        return pair
    lo, hi = _number_bound(pair[0], f"{name}[0]"), _number_bound(pair[1], f"{name}[1]")
    _check_order(lo, hi, f"{name}[0]", f"{name}[1]")
    return lo, hi


def _column_scale(values: pd.Series, column: str, dt: Datatype) -> str:
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "time"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "naive-time"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return "number"
    raise SelectionError(f"column {column!r} of {_describe(dt)} holds {dtype} values; range "
                         "filters need numbers or datetimes")


def _require_columns(dt: Datatype, columns: Sequence[str], op: str) -> None:
    missing = [c for c in columns if c not in dt.dataset.columns]
    if missing:
        raise SelectionError(f"{op}: {_describe(dt)} has no column(s) {missing}; its columns "
                             f"are {list(dt.dataset.columns)}")
    # A catalogue imported without coordinates holds them as NaN columns (recorded in its
    # metadata): refuse, never select nothing silently. A subset whose rows happen to lack
    # values is a legitimate (possibly empty) selection.
    spatial = [c for c in columns if c in ("latitude", "longitude", "depth")]
    absent = set(dt.metadata.get("absent_columns") or ())
    if dt.kind == "ecvd" and absent.intersection(spatial):
        require_coordinates(dt, op, spatial)


def _refuse_laboratory(obj, op: str) -> None:
    lab = _is_laboratory(obj) or (isinstance(obj, Datatype) and not obj.calendar)
    if lab:
        raise SelectionError(f"{op} selects by latitude/longitude, which laboratory data do not "
                             f"have ({_describe(obj)}); filter sample coordinates with "
                             "column_range(obj, 'x', min, max) (likewise 'y', 'z')")


def _record(bound):
    """A bound as it goes into a JSON-able step."""
    if bound is None:
        return None
    if isinstance(bound, pd.Timestamp):
        return bound.isoformat()
    return float(bound)


def _key(dt: Datatype) -> str:
    return f"scvd-{dt.station}" if dt.kind == "scvd" else dt.kind


def _describe(obj) -> str:
    if isinstance(obj, Datatype):
        return obj.kind.upper() + (f" station {obj.station!r}" if obj.station else "")
    if _is_project(obj):
        return f"{type(obj).__name__} {obj.id!r}"
    return type(obj).__name__
