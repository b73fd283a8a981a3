"""Range windows on one column: time (:func:`time_window`), depth, magnitude and any numeric or
datetime column (:func:`column_range`), all half-open ``[min, max)``.

May import: :mod:`varpy.exceptions`, :mod:`varpy.management.datatypes`,
:mod:`varpy.preparation.windows._apply`.
"""
from __future__ import annotations

from varpy.management.datatypes import Datatype
from varpy.preparation.windows._apply import (_CLOSED, _apply, _check_order, _column_scale,
                                              _interval_mask, _number_bound, _record, _targets,
                                              _time_bound)

__all__ = ["time_window", "depth_range", "magnitude_range", "column_range"]


def time_window(obj, start=None, end=None, *, kinds=None):
    """Keep the rows whose time lies in ``[start, end)``.

    Parameters
    ----------
    obj : Volcanic, Laboratory or Datatype
        What to cut; it is left untouched.
    start, end : time or None
        Bounds; None leaves that side open. Volcanic data: ``'dd-mm-yyyy'`` or ISO strings,
        ``datetime``, :class:`pandas.Timestamp`, ``numpy.datetime64`` (naive means UTC).
        Laboratory data: seconds since the start of the experiment (float or ``timedelta``).
    kinds : str or sequence of str, optional
        Datatypes to cut (``'ecvd'``, ``'evd'``, ``'scvd'`` = every station, ``'scvd-CDV'``,
        ``'ecld'``, ``'scld'``). Default: every datatype; eruptions (EVD) are cut by their
        onset ``start``, so an eruption that began before ``start`` is dropped even if it
        lasted into the window.

    Returns
    -------
    Same type as ``obj``, each cut datatype with the step
    ``{"op": "time", "column": ..., "start": ..., "end": ..., "closed": "left"}`` appended to
    its ``selection`` (calendar bounds as ISO strings in UTC, lab bounds as seconds).

    Raises
    ------
    SelectionError
        A bound of the wrong kind (a number for calendar data, a date for lab seconds),
        ``start`` after ``end``, or ``kinds`` naming a datatype the project lacks.

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> scld = varpy.SCLD(pd.DataFrame({"time": [0.0, 10.0, 20.0, 30.0],
    ...                                 "stress": [0.0, 50.0, 80.0, 90.0]}))
    >>> time_window(scld, 10.0, 30.0).dataset["time"].tolist()
    [10.0, 20.0]
    """
    targets = _targets(obj, kinds, "time window")
    steps: dict[bool, tuple] = {}

    def cut(dt: Datatype):
        if dt.calendar not in steps:
            lo = _time_bound(start, dt.calendar, "start")
            hi = _time_bound(end, dt.calendar, "end")
            _check_order(lo, hi, "start", "end")
            steps[dt.calendar] = (lo, hi)
        lo, hi = steps[dt.calendar]
        mask = _interval_mask(dt.dataset[dt.time_column], lo, hi)
        step = {"op": "time", "column": dt.time_column, "start": _record(lo),
                "end": _record(hi), "closed": _CLOSED}
        return mask, step

    return _apply(obj, targets, cut)


def depth_range(obj, min=None, max=None, *, kinds=None):  # noqa: A002 - user-facing names
    """Keep the events with ``min <= depth < max`` (km, positive down); NaN depths are dropped.

    Applies to every datatype with a ``depth`` column (see :func:`column_range`).
    """
    return column_range(obj, "depth", min, max, kinds=kinds)


def magnitude_range(obj, min=None, max=None, *, kinds=None):  # noqa: A002
    """Keep the events with ``min <= magnitude < max``; NaN magnitudes are dropped.

    Applies to every datatype with a ``magnitude`` column (ECVD, and ECLD once its amplitudes
    or energies are converted); see :func:`column_range`.
    """
    return column_range(obj, "magnitude", min, max, kinds=kinds)


def column_range(obj, column, min=None, max=None, *, kinds=None):  # noqa: A002
    """Keep the rows with ``min <= dataset[column] < max``.

    Parameters
    ----------
    obj : Volcanic, Laboratory or Datatype
    column : str
        Any numeric or datetime column (``'depth'``, ``'magnitude'``, ``'tilt'``, ``'stress'``,
        EVD ``'end'``, lab ``'x'``...). Datetime columns take time bounds as
        :func:`time_window` does.
    min, max : bound or None
        None leaves that side open. Rows whose value is missing (NaN/NaT) are always dropped,
        even when both bounds are None.
    kinds : str or sequence of str, optional
        Default: every datatype that has ``column``.

    Returns
    -------
    Same type as ``obj``; each cut datatype records
    ``{"op": "range", "column": column, "min": ..., "max": ..., "closed": "left"}``.

    Raises
    ------
    SelectionError
        No datatype has ``column``, an explicitly named one lacks it, the column holds text,
        a bound is of the wrong kind or NaN, or ``min > max``.

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> scld = varpy.SCLD(pd.DataFrame({"time": [0.0, 1.0, 2.0, 3.0],
    ...                                 "stress": [10.0, 20.0, float("nan"), 40.0]}))
    >>> column_range(scld, "stress", 20.0).dataset["stress"].tolist()
    [20.0, 40.0]
    """
    column = str(column)
    targets = _targets(obj, kinds, f"range on {column!r}", columns=(column,))
    cache: dict = {}

    def cut(dt: Datatype):
        values = dt.dataset[column]
        scale = _column_scale(values, column, dt)
        if scale not in cache:
            if scale == "number":
                lo, hi = _number_bound(min, "min"), _number_bound(max, "max")
            else:
                lo = _time_bound(min, True, "min")
                hi = _time_bound(max, True, "max")
            _check_order(lo, hi, "min", "max")
            cache[scale] = (lo, hi)
        lo, hi = cache[scale]
        if scale == "naive-time":
            lo, hi = (None if b is None else b.tz_convert(None) for b in (lo, hi))
        step = {"op": "range", "column": column, "min": _record(lo), "max": _record(hi),
                "closed": _CLOSED}
        return _interval_mask(values, lo, hi), step

    return _apply(obj, targets, cut)
