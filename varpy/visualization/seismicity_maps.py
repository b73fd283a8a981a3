"""b-value, Mc and rate-change maps, and depth cross-sections of event catalogues.

The numbers come from :mod:`varpy.statistics.seismicity_maps` (a :class:`GridResult`, whose
``to_frame()`` is the plain table); these functions draw them. :func:`seismicity_map` and
:func:`cross_section` compute the grid from a project or ECVD and draw it; the grid they drew is
on the returned figure as ``fig.varpy_grid``. :func:`grid_figure` draws any GridResult.

Nodes left NaN by the minimum-event rule are drawn blank, and the title says how many there are.
Maps use plain longitude/latitude axes with aspect ``1 / cos(mean latitude)`` as
:func:`varpy.visualization.epicentre_map`; sections put depth downwards.
"""
from __future__ import annotations

import math

import numpy as np

from varpy.exceptions import DataFormatError
from varpy.statistics import seismicity_maps as sm
from varpy.visualization import _figure as _f

__all__ = ["grid_figure", "seismicity_map", "cross_section"]

_LABELS = {"b_value": "b-value", "mc": "Mc", "z_value": "z-value (Habermann)"}
_CMAPS = {"b_value": "viridis", "mc": "magma_r", "z_value": "RdBu_r"}
GRID_ATTR = "varpy_grid"


def _edges(centres):
    c = np.asarray(centres, dtype=float)
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def _title(result):
    ok = int(np.isfinite(result.value).sum())
    text = (f"{_LABELS.get(result.quantity, result.quantity)} {result.kind}: {ok} of "
            f"{result.n_nodes} nodes")
    extra = []
    if result.n_below_min:
        extra.append(f"{result.n_below_min} with < {result.parameters.get('min_events')} events")
    if result.n_failed:
        extra.append(f"{result.n_failed} failed")
    return text + (f" ({', '.join(extra)})" if extra else "")


def grid_figure(result, *, events=None, cmap: str | None = None, vmin=None, vmax=None,
                ax=None, project=None, save: bool = False, name: str | None = None,
                formats=("png",), overwrite: bool = False):
    """Draw a :class:`~varpy.statistics.seismicity_maps.GridResult`.

    Parameters
    ----------
    result : GridResult
    events : (x, y) arrays, optional
        Events to overlay (longitude/latitude on a map, distance/depth on a section).
    cmap : str, optional
        Default per quantity (diverging and centred on 0 for z-values).
    vmin, vmax : float, optional
        Colour limits.
    project : Volcanic or Laboratory, optional
        Where ``save=True`` writes the figure.

    Examples
    --------
    >>> import numpy as np
    >>> from varpy.statistics.seismicity_maps import GridResult
    >>> g = GridResult("b_value", "map", np.array([15.0, 15.1]), np.array([37.7]),
    ...                {"b_value": np.array([[1.0, np.nan]])}, {"min_events": 50}, 1, 0)
    >>> fig = grid_figure(g)
    >>> fig.axes[0].get_title()
    'b-value map: 1 of 2 nodes (1 with < 50 events)'
    """
    if not isinstance(result, sm.GridResult):
        raise TypeError(f"grid_figure draws a GridResult, not {type(result).__name__}")
    fig, ax = _f.new_axes(ax)
    value = np.ma.masked_invalid(np.asarray(result.value, dtype=float))
    cmap = cmap or _CMAPS.get(result.quantity, "viridis")
    if result.quantity == "z_value" and vmin is None and vmax is None and value.count():
        lim = float(np.nanmax(np.abs(value.compressed())))
        vmin, vmax = -lim, lim
    mesh = ax.pcolormesh(_edges(result.x), _edges(result.y), value, cmap=cmap, vmin=vmin,
                         vmax=vmax, shading="flat")
    cb = fig.colorbar(mesh, ax=ax)
    cb.set_label(_LABELS.get(result.quantity, result.quantity))
    if events is not None:
        ex, ey = (np.asarray(v, dtype=float) for v in events)
        ax.scatter(ex, ey, s=2, color="k", alpha=0.3, edgecolors="none")
    if result.kind == "map":
        mid = float(np.mean(result.y))
        ax.set_aspect(1.0 / max(math.cos(math.radians(mid)), 1e-3))
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
    else:
        ax.set_xlabel("distance along profile (km)")
        ax.set_ylabel("depth (km)")
        if not ax.yaxis_inverted():
            ax.invert_yaxis()
    ax.set_title(_title(result))
    ctx = _f.PlotContext("varpy.visualization.seismicity_maps.grid_figure",
                         {"quantity": result.quantity, "kind": result.kind,
                          "parameters": result.parameters}, None, [], project)
    setattr(fig, GRID_ATTR, result)
    return _f.finish(fig, ctx, save=save, name=name or f"{result.quantity}_{result.kind}",
                     formats=formats, overwrite=overwrite)


def _catalogue(obj, what):
    project, dt = _f.resolve(obj, ("ecvd",), what)
    return project, dt


def _float_days(dt, split_time):
    from varpy.management.timeconv import parse_time, to_float_time

    times = to_float_time(dt.dataset[dt.time_column])
    split = None
    if split_time is not None:
        split = float(to_float_time([parse_time(split_time)])[0]) \
            if not isinstance(split_time, (int, float)) else float(split_time)
    return times, split


def _nodes(values, lo, hi, spacing, name):
    if values is not None:
        return np.asarray(values, dtype=float)
    if spacing is None:
        raise DataFormatError(f"give {name} or spacing", key=name,
                              expected="node coordinates or a grid spacing")
    if not spacing > 0:
        raise DataFormatError(f"spacing={spacing!r}", key="spacing", expected="> 0")
    return np.arange(lo + spacing / 2, hi, spacing)


def seismicity_map(obj, quantity: str = "b_value", *, lat_nodes=None, lon_nodes=None,
                   spacing: float | None = None, split_time=None, show_events: bool = True,
                   cmap: str | None = None, vmin=None, vmax=None, ax=None, save: bool = False,
                   name: str | None = None, formats=("png",), overwrite: bool = False,
                   **grid_options):
    """Map of b-value, Mc or z-value of a project's or ECVD's events.

    Parameters
    ----------
    obj : Volcanic or ECVD
    quantity : {"b_value", "mc", "z_value"}
    lat_nodes, lon_nodes : array-like, optional
        Grid nodes; by default a grid of ``spacing`` degrees over the epicentres.
    spacing : float, optional
        Node spacing (degrees) when the nodes are not given.
    split_time : time or float, optional
        ``z_value``: the split between the two periods (a date, or days since 1970).
    show_events : bool
        Overlay the epicentres.
    **grid_options
        ``radius_km`` or ``n_nearest``, ``min_events``, ``dm``, ``mc``, ``mc_method``,
        ``bin_days``, ... of :func:`varpy.statistics.seismicity_maps.seismicity_grid`.

    Returns
    -------
    matplotlib.figure.Figure
        With the :class:`GridResult` as ``fig.varpy_grid``.
    """
    project, dt = _catalogue(obj, "seismicity_map")
    df = dt.dataset
    lat = df["latitude"].to_numpy(dtype=float)
    lon = df["longitude"].to_numpy(dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon)
    if not ok.any():
        raise DataFormatError("no event has an epicentre", key="latitude",
                              expected="events with latitude and longitude")
    ys = _nodes(lat_nodes, lat[ok].min(), lat[ok].max(), spacing, "lat_nodes")
    xs = _nodes(lon_nodes, lon[ok].min(), lon[ok].max(), spacing, "lon_nodes")
    if quantity == "z_value":
        times, split = _float_days(dt, split_time)
        result = sm.seismicity_grid(quantity, lat[ok], lon[ok], None, times[ok], lat_nodes=ys,
                                    lon_nodes=xs, split_time=split, **grid_options)
    else:
        m = df["magnitude"].to_numpy(dtype=float)
        ok &= np.isfinite(m)
        result = sm.seismicity_grid(quantity, lat[ok], lon[ok], m[ok], lat_nodes=ys,
                                    lon_nodes=xs, **grid_options)
    fig = grid_figure(result, events=(lon[ok], lat[ok]) if show_events else None, cmap=cmap,
                      vmin=vmin, vmax=vmax, ax=ax)
    ctx = _f.PlotContext("varpy.visualization.seismicity_maps.seismicity_map",
                         {"quantity": quantity, "spacing": spacing, "split_time": split_time,
                          **grid_options}, _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name or f"{quantity}_map", formats=formats,
                     overwrite=overwrite)


def cross_section(obj, start, end, width_km: float, *, quantity: str | None = None,
                  distance_nodes=None, depth_nodes=None, spacing_km: float | None = None,
                  colour: str | None = "magnitude", split_time=None, cmap: str = "viridis",
                  ax=None, save: bool = False, name: str | None = None, formats=("png",),
                  overwrite: bool = False, **grid_options):
    """Depth cross-section along the profile from ``start`` to ``end`` (``(lat, lon)``).

    The events within ``width_km / 2`` of the profile are drawn at their distance along it and
    their depth (coloured by ``colour``, sized by magnitude). With ``quantity`` (``"b_value"``,
    ``"mc"`` or ``"z_value"``) the statistic's grid on the section is drawn underneath
    (:func:`varpy.statistics.seismicity_maps.section_grid`; nodes ``distance_nodes`` x
    ``depth_nodes`` km, or a grid of ``spacing_km``), and it is ``fig.varpy_grid``.

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> cat = varpy.ECVD(pd.DataFrame({"time": pd.to_datetime(["2012-01-01", "2012-01-02",
    ...     "2012-01-03"], utc=True), "latitude": [37.75, 37.75, 37.9], "longitude":
    ...     [15.0, 15.05, 15.0], "depth": [2.0, 9.0, 5.0], "magnitude": [1.0, 2.0, 1.5]}))
    >>> fig = cross_section(cat, (37.75, 14.9), (37.75, 15.1), width_km=5.0)
    >>> fig.axes[0].get_title()
    '2 events within 2.5 km of the profile (17.6 km)'
    """
    project, dt = _catalogue(obj, "cross_section")
    df = dt.dataset
    lat = df["latitude"].to_numpy(dtype=float)
    lon = df["longitude"].to_numpy(dtype=float)
    z = df["depth"].to_numpy(dtype=float)
    ok = np.isfinite(lat) & np.isfinite(lon) & np.isfinite(z)
    if not width_km > 0:
        raise DataFormatError(f"width_km={width_km!r}", key="width_km",
                              expected="a positive swath width in km")
    dist = np.full(lat.size, np.nan)
    off = np.full(lat.size, np.nan)
    dist[ok], off[ok], length = sm.profile_coordinates(lat[ok], lon[ok], start, end)
    inside = ok & (np.abs(off) <= width_km / 2) & (dist >= 0) & (dist <= length)
    fig, ax = _f.new_axes(ax)
    grid = None
    if quantity is not None:
        zs = z[inside]
        xs = _nodes(distance_nodes, 0.0, length, spacing_km, "distance_nodes")
        ys = _nodes(depth_nodes, float(zs.min()) if zs.size else 0.0,
                    float(zs.max()) if zs.size else 1.0, spacing_km, "depth_nodes")
        if quantity == "z_value":
            times, split = _float_days(dt, split_time)
            grid = sm.section_grid(quantity, lat[ok], lon[ok], z[ok], None, times[ok],
                                   start=start, end=end, width_km=width_km,
                                   distance_nodes=xs, depth_nodes=ys, split_time=split,
                                   **grid_options)
        else:
            m_all = df["magnitude"].to_numpy(dtype=float)
            sel = ok & np.isfinite(m_all)
            grid = sm.section_grid(quantity, lat[sel], lon[sel], z[sel], m_all[sel],
                                   start=start, end=end, width_km=width_km,
                                   distance_nodes=xs, depth_nodes=ys, **grid_options)
        grid_figure(grid, ax=ax)
    m = df["magnitude"].to_numpy(dtype=float) if "magnitude" in df.columns else None
    from varpy.visualization.maps import _column, _sizes

    c = None if colour is None else _column(dt, colour)[inside]
    sc = ax.scatter(dist[inside], z[inside], s=_sizes(None if m is None else m[inside]),
                    c=c, cmap=cmap if c is not None else None,
                    color=None if c is not None else "tab:blue", alpha=0.8,
                    edgecolors="none")
    if c is not None and grid is None:
        from varpy.visualization.magnitudes import _colourbar

        _colourbar(fig, ax, sc, dt, colour)
    if grid is None:
        ax.set_xlabel("distance along profile (km)")
        ax.set_ylabel("depth (km)")
        if not ax.yaxis_inverted():
            ax.invert_yaxis()
        ax.set_title(f"{int(inside.sum())} events within {width_km / 2:g} km of the profile "
                     f"({length:.1f} km)")
    else:
        setattr(fig, GRID_ATTR, grid)
    ax.set_xlim(0.0, length)
    ctx = _f.PlotContext("varpy.visualization.seismicity_maps.cross_section",
                         {"start": list(start), "end": list(end), "width_km": width_km,
                          "quantity": quantity, "colour": colour, "split_time": split_time,
                          **grid_options}, _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name or "cross_section", formats=formats,
                     overwrite=overwrite)
