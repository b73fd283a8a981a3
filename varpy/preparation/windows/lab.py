"""Laboratory windows: the creep phase ``[t1, tf)`` read from the experiment's metadata
(:func:`creep_phase`).

May import: :mod:`varpy.exceptions`, :mod:`varpy.management.datatypes`,
:mod:`varpy.preparation.windows._apply`.
"""
from __future__ import annotations

import warnings

import numpy as np

from varpy.exceptions import DataWarning, MetadataError, SelectionError
from varpy.management.datatypes import Datatype
from varpy.preparation.windows._apply import (_CLOSED, _apply, _describe, _interval_mask,
                                              _is_laboratory, _is_project, _targets)

__all__ = ["creep_phase"]


def creep_phase(obj, *, kinds=None):
    """Keep the creep phase of a laboratory experiment: times in ``[t1, tf)``.

    ``t1`` (start of creep) and ``tf`` (failure) are read, in seconds, from the SCLD metadata,
    or from the ECLD metadata when the SCLD lacks them (when both have them and they disagree,
    the SCLD values are used and a :class:`~varpy.exceptions.DataWarning` says so). Given a single
    datatype, its own metadata is used.

    Parameters
    ----------
    obj : Laboratory, ECLD or SCLD
    kinds : str or sequence of str, optional
        Default: ECLD and SCLD (whichever are present).

    Returns
    -------
    Same type as ``obj``; each cut datatype records
    ``{"op": "creep_phase", "start": t1, "end": tf, "closed": "left"}``.

    Raises
    ------
    MetadataError
        ``t1`` or ``tf`` is missing, not a number, or ``t1 >= tf`` (VarPy silently fell back to
        the last sample; a forecast window should not be guessed).
    SelectionError
        ``obj`` holds calendar (volcanic) data.

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> scld = varpy.SCLD(pd.DataFrame({"time": [0.0, 100.0, 200.0, 300.0],
    ...                                 "stress": [0.0, 50.0, 50.0, 0.0]}),
    ...                   {"t1": 100.0, "tf": 300.0})
    >>> creep_phase(scld).dataset["time"].tolist()
    [100.0, 200.0]
    """
    if _is_project(obj):
        if _is_laboratory(obj):
            sources = [(k, getattr(obj, k)) for k in ("scld", "ecld")
                       if getattr(obj, k) is not None]
        else:
            sources = []
    elif isinstance(obj, Datatype):
        sources = [(obj.kind, obj)] if not obj.calendar else []
    else:
        raise TypeError(f"creep_phase() takes a Laboratory or a lab datatype, not "
                        f"{type(obj).__name__}")
    if not sources:
        raise SelectionError(f"creep_phase() applies to laboratory data (ECLD/SCLD with times in "
                             f"seconds); got {_describe(obj)}")
    t1, tf, origin = _creep_bounds(sources)
    targets = _targets(obj, kinds, "creep phase")
    step = {"op": "creep_phase", "start": t1, "end": tf, "closed": _CLOSED, "from": origin}

    def cut(dt: Datatype):
        if dt.calendar:
            raise SelectionError(f"creep phase bounds are lab seconds; {_describe(dt)} has "
                                 "calendar times")
        return _interval_mask(dt.dataset[dt.time_column], t1, tf), step

    return _apply(obj, targets, cut)


def _creep_bounds(sources: list[tuple[str, Datatype]]) -> tuple[float, float, str]:
    found: dict[str, tuple[float, float]] = {}
    for kind, dt in sources:
        md = dt.metadata
        if md.get("t1") is None and md.get("tf") is None:
            continue
        found[kind] = (_metadata_seconds(md, "t1", kind), _metadata_seconds(md, "tf", kind))
    if not found:
        kinds = " or ".join(k.upper() for k, _ in sources)
        raise MetadataError(f"the creep phase needs 't1' (creep start) and 'tf' (failure) in the "
                            f"{kinds} metadata", key="t1",
                            expected="t1 and tf in seconds, e.g. {'t1': 1270.34, 'tf': 10852.59}")
    origin, (t1, tf) = next(iter(found.items()))
    for other, bounds in found.items():
        if bounds != (t1, tf):
            warnings.warn(f"{origin.upper()} metadata gives t1={t1}, tf={tf} but "
                          f"{other.upper()} metadata gives t1={bounds[0]}, tf={bounds[1]}; "
                          f"using the {origin.upper()} values", DataWarning, stacklevel=3)
    if not t1 < tf:
        raise MetadataError(f"creep start t1={t1} is not before failure tf={tf}", key="tf",
                            expected="t1 < tf (seconds)")
    return t1, tf, f"{origin} metadata"


def _metadata_seconds(md: dict, key: str, kind: str) -> float:
    if md.get(key) is None:
        raise MetadataError(f"{kind.upper()} metadata has no {key!r}", key=key,
                            expected="seconds since the start of the experiment")
    try:
        value = float(md[key])
    except (TypeError, ValueError):
        raise MetadataError(f"{kind.upper()} metadata {key}={md[key]!r} is not a number",
                            key=key, expected="seconds since the start of the experiment"
                            ) from None
    if not np.isfinite(value):
        raise MetadataError(f"{kind.upper()} metadata {key}={md[key]!r} is not finite", key=key,
                            expected="seconds since the start of the experiment")
    return value
