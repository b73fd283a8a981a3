"""ObsPy event formats: reading anything :func:`obspy.read_events` reads as a varpy ECVD table,
and converting between varpy catalogues and ObsPy :class:`~obspy.core.event.Catalog` objects.

Registered as ``'obspy'`` and ``'quakeml'`` by :mod:`varpy.management.importers.generic`, which
re-exports every name here. ObsPy is imported inside the functions (it is slow to import).

May import: :mod:`varpy.exceptions` and :mod:`varpy.management.importers._parsing`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError
from varpy.management.importers import _parsing as P


def _nan(value) -> float:
    return np.nan if value is None else float(value)


def from_obspy_catalog(catalog, *, path=None) -> pd.DataFrame:
    """An ObsPy :class:`~obspy.core.event.Catalog` as a varpy ECVD table.

    Each event contributes its preferred origin and magnitude (else the first ones). Depths are
    converted from metres (QuakeML) to kilometres. Missing values are NaN.

    Parameters
    ----------
    catalog : obspy.core.event.Catalog or iterable of Event
    path : path-like, optional
        Source file, for messages.

    Returns
    -------
    pandas.DataFrame
        ``time``, ``latitude``, ``longitude``, ``depth`` (km), ``magnitude``, ``event_id``
        (the event's resource id), ``magnitude_type``, ``place`` (first event description).

    Raises
    ------
    DataFormatError
        An event has no origin time.
    """
    n = len(catalog)
    time_ns = np.empty(n, dtype=np.int64)
    num = {k: np.full(n, np.nan) for k in ("latitude", "longitude", "depth", "magnitude")}
    text = {k: [None] * n for k in ("event_id", "magnitude_type", "place")}
    for i, event in enumerate(catalog):
        origin = event.preferred_origin() or (event.origins[0] if event.origins else None)
        if origin is None or origin.time is None:
            raise DataFormatError(f"event {i + 1} ({event.resource_id}) has no origin time",
                                  path=path, column="time",
                                  expected="every event with an origin and its time")
        time_ns[i] = origin.time.ns
        num["latitude"][i] = _nan(origin.latitude)
        num["longitude"][i] = _nan(origin.longitude)
        num["depth"][i] = _nan(origin.depth) / 1000.0
        magnitude = event.preferred_magnitude() or (event.magnitudes[0] if event.magnitudes
                                                    else None)
        if magnitude is not None:
            num["magnitude"][i] = _nan(magnitude.mag)
            text["magnitude_type"][i] = magnitude.magnitude_type
        text["event_id"][i] = str(event.resource_id)
        if event.event_descriptions:
            text["place"][i] = event.event_descriptions[0].text
    columns = {"time": P.utc_series(time_ns), **num,
               **{k: P.clean_text(pd.Series(v, dtype="str")) for k, v in text.items()}}
    return P.assemble(columns, time_ns)


def to_obspy_catalog(catalog: pd.DataFrame):
    """A varpy ECVD table as an ObsPy :class:`~obspy.core.event.Catalog`.

    One event a row with one origin (time, latitude, longitude, depth in metres) and one
    magnitude (value and ``magnitude_type``), both preferred. ``event_id`` becomes the event's
    resource id and ``place`` its description. NaN values are left unset.

    Examples
    --------
    >>> import pandas as pd
    >>> from varpy.management.importers.generic import to_obspy_catalog, from_obspy_catalog
    >>> cat = pd.DataFrame({"time": pd.to_datetime(["2011-10-10 12:00:00.25"], utc=True),
    ...                     "latitude": [27.7], "longitude": [-18.0], "depth": [12.5],
    ...                     "magnitude": [2.1]})
    >>> obspy_cat = to_obspy_catalog(cat)
    >>> obspy_cat[0].preferred_origin().depth
    12500.0
    >>> back = from_obspy_catalog(obspy_cat)
    >>> bool((back["time"] == cat["time"]).all())
    True
    """
    from obspy import UTCDateTime
    from obspy.core.event import (Catalog, Event, EventDescription, Magnitude, Origin,
                                  ResourceIdentifier)

    if not isinstance(catalog, pd.DataFrame) or "time" not in catalog.columns:
        raise DataFormatError("to_obspy_catalog needs a DataFrame with a 'time' column",
                              column="time", expected="an ECVD table")
    times = catalog["time"]
    if not isinstance(times.dtype, pd.DatetimeTZDtype):
        times = pd.to_datetime(times, utc=True)
    if times.isna().any():
        raise DataFormatError(f"row {int(np.flatnonzero(times.isna())[0])} has no time",
                              column="time", expected="a time for every event")
    time_ns = times.dt.tz_convert("UTC").astype("datetime64[ns, UTC]").array.asi8

    def floats(name, scale=1.0):
        if name not in catalog.columns:
            return [None] * len(catalog)
        values = catalog[name].to_numpy(dtype=np.float64) * scale
        return [None if np.isnan(v) else float(v) for v in values]

    def texts(name):
        if name not in catalog.columns:
            return [None] * len(catalog)
        return [None if pd.isna(v) else str(v) for v in catalog[name]]

    lat, lon, depth, mag = (floats("latitude"), floats("longitude"), floats("depth", 1000.0),
                            floats("magnitude"))
    ids, mtypes, places = texts("event_id"), texts("magnitude_type"), texts("place")
    events = []
    for i in range(len(catalog)):
        event = Event(resource_id=ResourceIdentifier(ids[i]) if ids[i] else ResourceIdentifier())
        origin = Origin(time=UTCDateTime(ns=int(time_ns[i])), latitude=lat[i],
                        longitude=lon[i], depth=depth[i])
        event.origins.append(origin)
        event.preferred_origin_id = origin.resource_id
        if mag[i] is not None or mtypes[i] is not None:
            magnitude = Magnitude(mag=mag[i], magnitude_type=mtypes[i],
                                  origin_id=origin.resource_id)
            event.magnitudes.append(magnitude)
            event.preferred_magnitude_id = magnitude.resource_id
        if places[i]:
            event.event_descriptions.append(EventDescription(text=places[i],
                                                             type="region name"))
        events.append(event)
    return Catalog(events=events)


def read_obspy(path, *, obspy_format: str | None = None) -> pd.DataFrame:
    """Read an event file with :func:`obspy.read_events` (QuakeML, NLLoc, ZMAP, ...).

    Parameters
    ----------
    path : path-like
    obspy_format : str, optional
        ObsPy format name (``'QUAKEML'``, ``'ZMAP'``, ...); ObsPy guesses it if None.

    Returns
    -------
    pandas.DataFrame
        See :func:`from_obspy_catalog`.
    """
    from obspy import read_events

    path = P.check_file(path)
    try:
        catalog = read_events(str(path), format=obspy_format)
    except (TypeError, ValueError, SyntaxError, KeyError, IndexError, AttributeError) as exc:
        # ObsPy signals "unknown format" with TypeError and parse failures with ValueError or
        # lxml's XMLSyntaxError (a SyntaxError); all mean "not readable as this format".
        raise DataFormatError(f"ObsPy cannot read the file: {exc}", path=path,
                              expected=f"an event file in {obspy_format or 'a format ObsPy knows'}"
                              ) from exc
    if len(catalog) == 0:
        raise DataFormatError("the file holds no events", path=path,
                              expected="at least one event")
    return from_obspy_catalog(catalog, path=path)


def read_quakeml(path) -> pd.DataFrame:
    """Read a QuakeML file (registered as ``'quakeml'``); see :func:`read_obspy`."""
    return read_obspy(path, obspy_format="QUAKEML")
