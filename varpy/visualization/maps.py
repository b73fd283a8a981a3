"""Scatter plots of catalogue columns and epicentre maps.

VarPy 2016 drew maps with Basemap (dead) and centred its projection at ``lon_max + Δlon/2``
(outside the data). Here the default map is a plain longitude/latitude axes whose aspect ratio is
``1 / cos(mean latitude)``, so a degree of longitude and a degree of latitude are drawn at their
true relative ground lengths (areas keep their proportions at that latitude). With
``coastlines=True`` and cartopy installed, a cartopy PlateCarree axes with coastlines is used.
"""
from __future__ import annotations

import importlib.util
import math
import warnings

import numpy as np

from varpy.exceptions import DataFormatError, DataWarning
from varpy.management.datatypes import require_coordinates
from varpy.visualization import _figure as _f

__all__ = ["scatter", "epicentre_map"]

_DOWNWARD = ("depth",)


def _column(dt, col):
    if col == dt.time_column or col == "time":
        return _f.time_values(dt)
    if col not in dt.dataset.columns:
        raise DataFormatError(f"no column {col!r}", column=col,
                              expected=f"one of {list(dt.dataset.columns)}")
    return dt.dataset[col].to_numpy(dtype=float, na_value=np.nan)


def _colourbar(fig, ax, mappable, dt, colour):
    from varpy.visualization.magnitudes import _colourbar as cb

    return cb(fig, ax, mappable, dt, colour)


def scatter(obj, x: str, y: str | None = None, *, colour: str | None = None,
            cmap: str = "viridis", x_lims=None, y_lims=None, t_lims=None, lat_lims=None,
            lon_lims=None, z_lims=None, mag_lims=None, ax=None, save: bool = False,
            name: str | None = None, formats=("png",), overwrite: bool = False):
    """One column against time, or two columns against each other.

    Parameters
    ----------
    obj : Volcanic, Laboratory, ECVD or ECLD
    x : str
        With ``y=None``, the column drawn against time (on the vertical axis, as VarPy's
        ``scatter_plot(obj, variable1)``); otherwise the horizontal axis.
    y : str, optional
        The vertical axis.
    colour : str, optional
        Column to colour the points by.
    x_lims, y_lims : (low, high), optional
        Axis ranges (not filters).

    A ``depth`` axis is inverted (depth grows downwards).

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> from varpy.visualization import scatter
    >>> cat = varpy.ECVD(pd.DataFrame({"time": pd.to_datetime(["2012-01-01", "2012-01-02"],
    ...     utc=True), "latitude": 37.7, "longitude": [15.0, 15.1], "depth": [2.0, 9.0],
    ...     "magnitude": [1.0, 2.0]}))
    >>> ax = scatter(cat, "longitude", "depth").axes[0]
    >>> bool(ax.yaxis_inverted()), len(ax.collections[0].get_offsets())
    (True, 2)
    """
    project, dt = _f.resolve(obj, ("ecvd", "ecld"), "scatter")
    if dt.kind == "ecvd":
        spatial = [c for c in (x, y) if c in ("latitude", "longitude", "depth")]
        if spatial:
            require_coordinates(dt, "scatter", spatial)
    dt = _f.select(dt, t_lims=t_lims, lat_lims=lat_lims, lon_lims=lon_lims, z_lims=z_lims,
                   mag_lims=mag_lims)
    if y is None:
        xs, ys = _f.time_values(dt), _column(dt, x)
        x_name, y_name = dt.time_column, x
    else:
        xs, ys = _column(dt, x), _column(dt, y)
        x_name, y_name = x, y
    ok = np.isfinite(xs) & np.isfinite(ys)
    c = None if colour is None else _column(dt, colour)
    fig, ax = _f.new_axes(ax)
    sc = ax.scatter(xs[ok], ys[ok], s=10, c=None if c is None else c[ok],
                    cmap=cmap if c is not None else None,
                    color=None if c is not None else "tab:blue", alpha=0.8)
    if c is not None:
        _colourbar(fig, ax, sc, dt, colour)
    for axis_name, col in (("x", x_name), ("y", y_name)):
        if col == dt.time_column:
            _f.format_time_axis(ax, dt.calendar, axis=axis_name)
        else:
            (ax.set_xlabel if axis_name == "x" else ax.set_ylabel)(_f.column_label(col))
    if x_lims is not None:
        ax.set_xlim(*x_lims)
    if y_lims is not None:
        ax.set_ylim(*y_lims)
    if x_name in _DOWNWARD and not ax.xaxis_inverted():
        ax.invert_xaxis()
    if y_name in _DOWNWARD and not ax.yaxis_inverted():
        ax.invert_yaxis()
    ax.set_title(f"{int(ok.sum())} events")
    ctx = _f.PlotContext("varpy.visualization.maps.scatter",
                         {"x": x, "y": y, "colour": colour, "x_lims": x_lims, "y_lims": y_lims,
                          "t_lims": t_lims, "lat_lims": lat_lims, "lon_lims": lon_lims,
                          "z_lims": z_lims, "mag_lims": mag_lims},
                         _f.key_of(dt), dt.selection, project)
    stem = name if name is not None else f"{x}_scatter" if y is None else f"{x}_{y}_scatter"
    return _f.finish(fig, ctx, save=save, name=stem, formats=formats, overwrite=overwrite)


def _sizes(m, base=6.0):
    """Marker areas growing by a factor 2 per magnitude unit above the smallest."""
    if m is None:
        return base
    ok = np.isfinite(m)
    m0 = float(np.min(m[ok])) if ok.any() else 0.0
    return np.where(ok, base * 2.0 ** np.clip(m - m0, 0, 8), base)


def epicentre_map(obj, *, colour: str | None = "depth", size_by_magnitude: bool = True,
                  cmap: str = "viridis_r", extent=None, coastlines: bool = False, t_lims=None,
                  lat_lims=None, lon_lims=None, z_lims=None, mag_lims=None, ax=None,
                  save: bool = False, name: str | None = None, formats=("png",),
                  overwrite: bool = False):
    """Map of epicentres: longitude/latitude scatter, coloured and sized.

    Parameters
    ----------
    colour : str or None
        Column to colour by (default ``depth``; ``'time'`` gives a date colour bar).
    size_by_magnitude : bool
        Marker area doubles per magnitude unit.
    extent : (lon_min, lon_max, lat_min, lat_max), optional
        Map limits; default: the data with a 5 % margin.
    coastlines : bool
        Draw coastlines with cartopy (only if cartopy is installed; otherwise a
        :class:`~varpy.exceptions.DataWarning` and a plain map). Cartopy fetches its coastline
        data on first use.

    Returns
    -------
    matplotlib.figure.Figure
        Plain axes have aspect ``1 / cos(mean latitude)``.
    """
    project, dt = _f.resolve(obj, ("ecvd",), "epicentre_map")
    require_coordinates(dt, "epicentre_map")
    dt = _f.select(dt, t_lims=t_lims, lat_lims=lat_lims, lon_lims=lon_lims, z_lims=z_lims,
                   mag_lims=mag_lims)
    lon = dt.dataset["longitude"].to_numpy(dtype=float, na_value=np.nan)
    lat = dt.dataset["latitude"].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(lon) & np.isfinite(lat)
    m = dt.dataset["magnitude"].to_numpy(dtype=float, na_value=np.nan) \
        if size_by_magnitude and "magnitude" in dt.dataset.columns else None
    c = None if colour is None else _column(dt, colour)
    if extent is None and ok.any():
        pad_lon = 0.05 * max(np.ptp(lon[ok]), 0.01)
        pad_lat = 0.05 * max(np.ptp(lat[ok]), 0.01)
        extent = (lon[ok].min() - pad_lon, lon[ok].max() + pad_lon,
                  lat[ok].min() - pad_lat, lat[ok].max() + pad_lat)
    use_cartopy = False
    if coastlines:
        if importlib.util.find_spec("cartopy") is None:
            warnings.warn("coastlines=True needs cartopy, which is not installed; drawing a "
                          "plain longitude/latitude map", DataWarning, stacklevel=2)
        else:
            use_cartopy = ax is None
    scatter_kw = {}
    if use_cartopy:
        import cartopy.crs as ccrs

        fig, ax = _f.new_axes(None, projection=ccrs.PlateCarree())
        ax.coastlines(resolution="10m", linewidth=0.8)
        scatter_kw["transform"] = ccrs.PlateCarree()
        if extent is not None:
            ax.set_extent(extent, crs=ccrs.PlateCarree())
    else:
        fig, ax = _f.new_axes(ax)
        if extent is not None:
            ax.set_xlim(extent[0], extent[1])
            ax.set_ylim(extent[2], extent[3])
        mid = float(np.mean(lat[ok])) if ok.any() else 0.0
        ax.set_aspect(1.0 / max(math.cos(math.radians(mid)), 1e-3))
        ax.set_xlabel("longitude (°E)")
        ax.set_ylabel("latitude (°N)")
        ax.grid(True, linewidth=0.4, alpha=0.5)
    sizes = _sizes(None if m is None else m[ok])
    sc = ax.scatter(lon[ok], lat[ok], s=sizes, c=None if c is None else c[ok],
                    cmap=cmap if c is not None else None,
                    color=None if c is not None else "tab:blue", alpha=0.75,
                    edgecolors="none", **scatter_kw)
    if c is not None:
        _colourbar(fig, ax, sc, dt, colour)
    ax.set_title(f"{int(ok.sum())} epicentres")
    ctx = _f.PlotContext("varpy.visualization.maps.epicentre_map",
                         {"colour": colour, "size_by_magnitude": size_by_magnitude,
                          "extent": None if extent is None else [float(v) for v in extent],
                          "coastlines": use_cartopy, "t_lims": t_lims, "lat_lims": lat_lims,
                          "lon_lims": lon_lims, "z_lims": z_lims, "mag_lims": mag_lims},
                         _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)
