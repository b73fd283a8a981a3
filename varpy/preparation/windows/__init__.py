"""Windows on a project or a datatype: time, area, depth, magnitude, any column, stations.

Every function here takes a project (:class:`~varpy.Volcanic`, :class:`~varpy.Laboratory`) or a
single datatype and returns a **new object of the same type**; the input is never modified. Each
datatype that a filter cut gets one *step* appended to its ``selection`` list, a JSON-able dict
such as ``{"op": "time", "start": "2011-08-01T00:00:00+00:00", "end": None, "closed": "left"}``,
so a saved selection says how it was made (and can be replayed on updated data).

Conventions
-----------
* **Half-open intervals.** A range keeps ``min <= x < max`` (VarPy's convention): an event
  exactly at ``min`` is kept, one exactly at ``max`` is not. Windows that share an end point
  therefore split a catalogue without losing or repeating events.
* **None is unbounded.** ``min=None`` or ``max=None`` leaves that side open.
* **Missing values never pass.** A row whose value is NaN (or NaT) in the filtered column is
  dropped by every range filter, even a one-sided or unbounded one: an event of unknown depth
  is not known to lie in any depth range.
* **Which datatypes.** With ``kinds=None`` a filter applies to every datatype that has the
  columns it needs: a time window cuts ECVD, EVD (by its onset ``start``) and every SCVD station
  (or ECLD and SCLD); a latitude/longitude box cuts the datatypes with ``latitude`` and
  ``longitude`` columns and leaves the others as they were. ``kinds`` names datatypes
  explicitly: a kind (``'ecvd'``, ``'scvd'`` for every station, ...) or a storage key
  (``'scvd-CDV'``); naming one that lacks the column raises :class:`SelectionError`.
* **Time bounds.** Volcanic (calendar) data take date strings (``'dd-mm-yyyy'`` as VarPy, or ISO
  ``'yyyy-mm-dd[Thh:mm:ss]'``), ``datetime``, :class:`pandas.Timestamp` or ``numpy.datetime64``
  (naive values are UTC). Laboratory data take seconds since the start of the experiment
  (numbers, or a ``timedelta``). Anything else raises :class:`SelectionError`.

Filters are row-wise predicates, so they commute: ``box(time_window(p, a, b), ...)`` and
``time_window(box(p, ...), a, b)`` hold the same rows (only the order of the recorded steps
differs). Each filter costs one vectorised pass over the columns it reads.

Examples
--------
>>> import pandas as pd, varpy
>>> from varpy.preparation import windows
>>> cat = varpy.ECVD(pd.DataFrame({
...     "time": pd.to_datetime(["2011-07-31", "2011-08-01", "2012-06-01", "2013-01-01"], utc=True),
...     "latitude": [37.7, 37.5, 37.9, 37.6], "longitude": 15.0, "depth": 5.0,
...     "magnitude": [1.0, 2.0, 3.0, 4.0]}))
>>> sub = windows.time_window(cat, "01-08-2011", "01-01-2013")
>>> len(cat), len(sub)
(4, 2)
>>> sub.selection[0]["op"], sub.selection[0]["start"], sub.selection[0]["closed"]
('time', '2011-08-01T00:00:00+00:00', 'left')
>>> len(windows.box(cat, lat=(37.5, 37.9), lon=(14.7, 15.3)))
3

Modules
-------
The functions live in small modules, all re-exported here (import them from
``varpy.preparation.windows`` or ``varpy.preparation``):

``ranges``
    :func:`time_window`, :func:`column_range`, :func:`depth_range`, :func:`magnitude_range`.
``spatial``
    :func:`box`, :func:`polygon` (and :func:`points_in_polygon`).
``network``
    :func:`stations` (SCVD stations of a volcanic project).
``lab``
    :func:`creep_phase` (laboratory experiments).
``combined``
    :func:`select` (several windows in a fixed order).
``declustered``
    :func:`declustered` (the background or the clustered events of a declustering).
``_apply``
    the shared machinery: choosing the datatypes, cutting them, recording ``.selection``.

This package works on datatypes and on any project-like object (see
:class:`~varpy.preparation.windows._apply.ProjectLike`); it never imports the facade
(:mod:`varpy.management.core`, ``varpy``, ``varpy.management``).

May import: :mod:`varpy.exceptions`, :mod:`varpy.management.datatypes`,
:mod:`varpy.management.timeconv`.
"""
from varpy.exceptions import SelectionError
from varpy.preparation.windows._apply import (  # noqa: F401 - private names kept importable
    _CLOSED, ProjectLike, _apply, _check_order, _column_scale, _describe, _interval_mask,
    _is_laboratory, _is_project, _key, _number_bound, _pair, _record, _refuse_laboratory,
    _require_columns, _targets, _time_bound, log)
from varpy.preparation.windows.combined import select
from varpy.preparation.windows.declustered import declustered
from varpy.preparation.windows.lab import (_creep_bounds, _metadata_seconds,  # noqa: F401
                                           creep_phase)
from varpy.preparation.windows.network import stations
from varpy.preparation.windows.ranges import (column_range, depth_range, magnitude_range,
                                              time_window)
from varpy.preparation.windows.spatial import _edges, _rings, box, points_in_polygon, polygon  # noqa: F401

_stations = stations
_polygon = polygon

__all__ = [
    "SelectionError",
    "time_window",
    "box",
    "polygon",
    "depth_range",
    "magnitude_range",
    "column_range",
    "stations",
    "creep_phase",
    "select",
    "declustered",
]
