"""Magnitude plots: frequency-magnitude distribution, magnitude through time, stems, b-value
stability, b(t) and Mc(t).

The estimates come from :mod:`varpy.analysis.magnitudes` (integer magnitude bins, exact Mc
definitions), so what is drawn is what the analysis reports. VarPy 2016 hard-coded
``m_min = mbin = 0.1`` and silently dropped every magnitude below 0.1 from these plots; here
``dm`` is a parameter and no magnitude is dropped (pass ``legacy=True`` where offered to get the
old rules).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from varpy.analysis import magnitudes as _mag
from varpy.exceptions import DataFormatError
from varpy.visualization import _figure as _f

__all__ = ["frequency_magnitude", "magnitude_time", "magnitude_stems", "b_stability",
           "b_value_time", "mc_time"]

_MC_COLOURS = {"maxc": "tab:red", "gft": "tab:green", "mbs": "tab:blue", "emr": "tab:orange",
               "ks": "tab:purple", "given": "tab:gray"}
_CATALOGUES = ("ecvd", "ecld")


def _catalogue(obj, what, **filters):
    project, dt = _f.resolve(obj, _CATALOGUES, what)
    dt = _f.select(dt, **filters)
    if "magnitude" not in dt.dataset.columns:
        raise DataFormatError(f"{what} needs magnitudes; the {dt.kind.upper()} has columns "
                              f"{list(dt.dataset.columns)}", column="magnitude",
                              expected="a 'magnitude' column (convert AE amplitudes or energies "
                                       "with varpy.preparation.conversions)")
    return project, dt


def _mc_estimates(data, mc, dm, legacy=False) -> list[tuple[str, float]]:
    """``[(label, value)]`` from method names, McResults, numbers or a dict label -> value."""
    if mc is None or mc is False:
        return []
    if isinstance(mc, dict):
        return [(str(k), float(v.mc if isinstance(v, _mag.McResult) else v))
                for k, v in mc.items()]
    items = [mc] if isinstance(mc, (str, float, int, _mag.McResult)) else list(mc)
    out = []
    for item in items:
        if isinstance(item, _mag.McResult):
            out.append((item.method, float(item.mc)))
        elif isinstance(item, str):
            res = _mag.mc(data, method=item, dm=dm, legacy=legacy)
            out.append((res.method, float(res.mc)))
        else:
            out.append(("given", float(item)))
    return out


def _mc_lines(ax, estimates, orientation="vertical"):
    lines = []
    for label, value in estimates:
        if not math.isfinite(value):
            continue
        colour = _MC_COLOURS.get(label, "tab:gray")
        text = f"Mc ({label}) = {value:g}"
        if orientation == "vertical":
            lines.append(ax.axvline(value, color=colour, linestyle="--", linewidth=1.2,
                                    label=text))
        else:
            lines.append(ax.axhline(value, color=colour, linestyle="--", linewidth=1.2,
                                    label=text))
    return lines


def frequency_magnitude(obj, *, dm: float = 0.1, mc=("maxc", "gft", "mbs"), gr_fit=True,
                        gr_mc=None, b_method: str | None = None, legacy: bool = False,
                        t_lims=None, lat_lims=None, lon_lims=None, z_lims=None, mag_lims=None,
                        ax=None, save: bool = False, name: str | None = None,
                        formats=("png",), overwrite: bool = False):
    """Frequency-magnitude distribution with every Mc estimate and the fitted GR line.

    Parameters
    ----------
    obj : Volcanic, Laboratory, ECVD or ECLD
    dm : float
        Magnitude bin width.
    mc : sequence of method names / McResult / numbers, or dict label -> value
        Completeness estimates drawn as vertical lines (default: MAXC, GFT and MBS as in
        VarPy 2016). Methods that find no Mc are skipped.
    gr_fit : bool or BValueResult
        Draw the Gutenberg-Richter fit ``N(>= M) = n 10**(-b (M - Mc))`` over ``M >= Mc``
        (True: fitted here at ``gr_mc``; or a given :class:`~varpy.analysis.magnitudes.
        BValueResult`).
    gr_mc : float, optional
        Completeness magnitude of the GR fit; default: the first finite estimate in ``mc``.
    b_method : str, optional
        Estimator of :func:`varpy.analysis.magnitudes.b_value` (default Tinti-Mulargia).
    legacy : bool
        VarPy 2016 FMD and Mc rules (``m_min = 0.1``, top bin omitted).

    Returns
    -------
    matplotlib.figure.Figure
        Semilog axes: events per bin (squares), events at or above each bin (triangles).
    """
    project, dt = _catalogue(obj, "frequency_magnitude", t_lims=t_lims, lat_lims=lat_lims,
                             lon_lims=lon_lims, z_lims=z_lims, mag_lims=mag_lims)
    data = dt.dataset
    dist = _mag.fmd(data, dm=dm, legacy=legacy)
    estimates = _mc_estimates(data, mc, dm, legacy)
    fig, ax = _f.new_axes(ax)
    ax.set_yscale("log")
    ax.plot(dist.centres, dist.incremental, linestyle="none", marker="s", markersize=5,
            color="tab:blue", label="events per bin", gid="incremental")
    ax.plot(dist.centres, dist.cumulative, linestyle="none", marker="^", markersize=5,
            color="tab:red", label="events at or above", gid="cumulative")
    _mc_lines(ax, estimates)
    fit = None
    if isinstance(gr_fit, _mag.BValueResult):
        fit = gr_fit
    elif gr_fit:
        finite = [v for _, v in estimates if math.isfinite(v)]
        mc_fit = gr_mc if gr_mc is not None else (finite[0] if finite else None)
        if legacy:
            fit = _mag.b_value(data, mc=mc_fit, dm=dm, legacy=True)
        else:
            fit = _mag.b_value(data, mc=mc_fit, dm=dm, method=b_method)
    if fit is not None and math.isfinite(fit.b):
        m = dist.centres[dist.centres >= fit.mc - 1e-9]
        expected = fit.n * 10.0 ** (-fit.b * (m - fit.mc))
        ax.plot(m, expected, color="black", linewidth=1.5, gid="gr_fit",
                label=f"GR fit: b = {fit.b:.3f} ± {fit.sigma:.3f} (Mc {fit.mc:g}, n = {fit.n})")
    ax.set_xlabel(f"magnitude (bin width {dm:g})")
    ax.set_ylabel("number of events")
    top = max(float(np.max(dist.cumulative)) if dist.cumulative.size else 1.0, 1.0)
    ax.set_ylim(0.7, 10 ** math.ceil(math.log10(top) + 0.05))
    ax.set_title(f"frequency-magnitude distribution: {dist.n} events")
    ax.legend(fontsize="small", loc="upper right")
    ctx = _f.PlotContext("varpy.visualization.magnitudes.frequency_magnitude",
                         {"dm": dm, "mc": [list(e) for e in estimates], "gr_mc": gr_mc,
                          "b": None if fit is None else fit.b,
                          "b_method": None if fit is None else fit.method,
                          "legacy": legacy, "t_lims": t_lims, "lat_lims": lat_lims,
                          "lon_lims": lon_lims, "z_lims": z_lims, "mag_lims": mag_lims},
                         _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)


def _colour_values(dt, colour):
    if colour is None:
        return None
    if colour not in dt.dataset.columns:
        raise DataFormatError(f"no column {colour!r} to colour by", key="colour",
                              expected=f"one of {list(dt.dataset.columns)}")
    if colour == dt.time_column:
        return _f.time_values(dt)
    return dt.dataset[colour].to_numpy(dtype=float, na_value=np.nan)


def _colourbar(fig, ax, mappable, dt, colour):
    cb = fig.colorbar(mappable, ax=ax)
    if colour == dt.time_column and dt.calendar:
        import matplotlib.dates as mdates

        cb.ax.yaxis.set_major_formatter(mdates.ConciseDateFormatter(mdates.AutoDateLocator()))
        cb.set_label("time (UTC)")
    else:
        cb.set_label(_f.column_label(colour))
    return cb


def magnitude_time(obj, *, mc=None, dm: float = 0.1, colour: str | None = None,
                   cmap: str = "viridis", t_lims=None, lat_lims=None, lon_lims=None,
                   z_lims=None, mag_lims=None, ax=None, save: bool = False,
                   name: str | None = None, formats=("png",), overwrite: bool = False):
    """Magnitude of every event through time, with completeness.

    Parameters
    ----------
    mc : method names / McResult / numbers / dict, or MagnitudeTimeSeries, optional
        Horizontal lines at fixed Mc estimates (as :func:`frequency_magnitude`), or the Mc(t)
        curve of :func:`varpy.analysis.magnitudes.mc_time_series` drawn as a step line at the
        end of each window.
    colour : str, optional
        Column to colour the points by (e.g. ``'depth'``, ``'time'``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    project, dt = _catalogue(obj, "magnitude_time", t_lims=t_lims, lat_lims=lat_lims,
                             lon_lims=lon_lims, z_lims=z_lims, mag_lims=mag_lims)
    x = _f.time_values(dt)
    y = dt.dataset["magnitude"].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(x) & np.isfinite(y)
    c = _colour_values(dt, colour)
    fig, ax = _f.new_axes(ax)
    sc = ax.scatter(x[ok], y[ok], s=8, c=None if c is None else c[ok],
                    cmap=cmap if c is not None else None,
                    color=None if c is not None else "tab:blue", alpha=0.8, label="events")
    if c is not None:
        _colourbar(fig, ax, sc, dt, colour)
    if isinstance(mc, _mag.MagnitudeTimeSeries):
        frame = mc.frame
        tx = _series_x(mc)
        ax.step(tx, frame["mc"].to_numpy(dtype=float), where="post", color="tab:red",
                linewidth=1.5, label=f"Mc(t) ({mc.settings.get('method', 'mc')})", gid="mc_t")
    else:
        _mc_lines(ax, _mc_estimates(dt.dataset, mc, dm), orientation="horizontal")
    ax.set_ylabel("magnitude")
    _f.format_time_axis(ax, dt.calendar)
    ax.legend(fontsize="small", loc="upper left")
    ctx = _f.PlotContext("varpy.visualization.magnitudes.magnitude_time",
                         {"mc": None if isinstance(mc, _mag.MagnitudeTimeSeries) else mc,
                          "dm": dm, "colour": colour, "t_lims": t_lims, "lat_lims": lat_lims,
                          "lon_lims": lon_lims, "z_lims": z_lims, "mag_lims": mag_lims},
                         _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)


def magnitude_stems(obj, *, base: float | None = None, colour: str | None = None,
                    cmap: str = "viridis", t_lims=None, lat_lims=None, lon_lims=None,
                    z_lims=None, mag_lims=None, ax=None, save: bool = False,
                    name: str | None = None, formats=("png",), overwrite: bool = False):
    """Stem ("spike") plot: a vertical line from ``base`` up to each event's magnitude.

    ``base`` defaults to the floor of the smallest magnitude. Open circles mark the tops.

    Examples
    --------
    >>> import pandas as pd, varpy
    >>> from varpy.visualization import magnitude_stems
    >>> cat = varpy.ECLD(pd.DataFrame({"time": [1.0, 2.0], "magnitude": [1.5, 2.5]}))
    >>> seg = magnitude_stems(cat).axes[0].collections[0].get_segments()
    >>> [s[:, 1].tolist() for s in seg]
    [[1.0, 1.5], [1.0, 2.5]]
    """
    project, dt = _catalogue(obj, "magnitude_stems", t_lims=t_lims, lat_lims=lat_lims,
                             lon_lims=lon_lims, z_lims=z_lims, mag_lims=mag_lims)
    x = _f.time_values(dt)
    y = dt.dataset["magnitude"].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    y0 = float(math.floor(np.min(y))) if base is None and y.size else (base or 0.0)
    c = _colour_values(dt, colour)
    fig, ax = _f.new_axes(ax)
    stems = ax.vlines(x, y0, y, color="tab:blue" if c is None else None, linewidth=0.8)
    if c is not None:
        stems.set_array(c[ok])
        stems.set_cmap(cmap)
        _colourbar(fig, ax, stems, dt, colour)
    ax.plot(x, y, linestyle="none", marker="o", markerfacecolor="none", markersize=4,
            color="tab:blue", gid="tops")
    ax.set_ylim(bottom=y0)
    ax.set_ylabel("magnitude")
    _f.format_time_axis(ax, dt.calendar)
    ax.set_title(f"{y.size} events")
    ctx = _f.PlotContext("varpy.visualization.magnitudes.magnitude_stems",
                         {"base": y0, "colour": colour, "t_lims": t_lims, "lat_lims": lat_lims,
                          "lon_lims": lon_lims, "z_lims": z_lims, "mag_lims": mag_lims},
                         _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)


def b_stability(obj, *, dm: float = 0.1, mbs=None, mc=("maxc", "gft"), reference_b=1.0,
                y_lims=(0.5, 2.5), t_lims=None, lat_lims=None, lon_lims=None, z_lims=None,
                mag_lims=None, ax=None, save: bool = False, name: str | None = None,
                formats=("png",), overwrite: bool = False, **mbs_options):
    """b-value against the cut-off magnitude (MBS diagnostics) with the Mc estimates.

    Draws b(M) with its Shi-Bolt error bars, the running mean b-bar(M) that MBS compares it
    with, a reference line at ``reference_b`` (1 in VarPy 2016) and vertical lines at the MBS
    Mc and at the other estimates in ``mc``.

    Parameters
    ----------
    mbs : McResult, optional
        A result of ``mc(..., method='mbs')``; computed here (with ``mbs_options``) if absent.
    y_lims : (float, float) or None
        b axis limits (VarPy's 0.5-2.5).
    """
    project, dt = _catalogue(obj, "b_stability", t_lims=t_lims, lat_lims=lat_lims,
                             lon_lims=lon_lims, z_lims=z_lims, mag_lims=mag_lims)
    res = mbs if mbs is not None else _mag.mc(dt.dataset, method="mbs", dm=dm, **mbs_options)
    if res.method != "mbs" or res.candidates is None or res.b_values is None:
        raise DataFormatError(f"b_stability needs an MBS result with candidates and b-values, "
                              f"not a {res.method!r} result", key="mbs",
                              expected="varpy.analysis.magnitudes.mc(..., method='mbs')")
    cand = np.asarray(res.candidates, dtype=float)
    b = np.asarray(res.b_values, dtype=float)
    sig = np.asarray(res.sigmas, dtype=float) if res.sigmas is not None else None
    fig, ax = _f.new_axes(ax)
    ax.errorbar(cand, b, yerr=sig, fmt="o", markersize=4, capsize=2, color="tab:blue",
                label="b above cut-off ± σ (Shi-Bolt)")
    if res.b_averages is not None:
        ax.plot(cand, np.asarray(res.b_averages, dtype=float), color="tab:orange",
                linewidth=1.2, gid="b_average", label="mean b over the next "
                f"{res.details.get('window_bins', 5)} bins")
    if reference_b is not None:
        ax.axhline(reference_b, color="gray", linewidth=0.8, linestyle=":",
                   label=f"b = {reference_b:g}")
    estimates = [("mbs", float(res.mc))] + _mc_estimates(dt.dataset, mc, dm)
    _mc_lines(ax, estimates)
    if y_lims is not None:
        ax.set_ylim(*y_lims)
    ax.set_xlabel("cut-off magnitude")
    ax.set_ylabel("b-value")
    ax.set_title("b-value stability")
    ax.legend(fontsize="small", loc="upper left")
    ctx = _f.PlotContext("varpy.visualization.magnitudes.b_stability",
                         {"dm": dm, "mc": [list(e) for e in estimates],
                          "reference_b": reference_b, "options": mbs_options,
                          "t_lims": t_lims, "lat_lims": lat_lims, "lon_lims": lon_lims,
                          "z_lims": z_lims, "mag_lims": mag_lims},
                         _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)


def _series_x(ts) -> np.ndarray:
    t = ts.frame["time"]
    if ts.time_kind == "datetime":
        return _f.date_numbers(pd.to_datetime(t, utc=True))
    return t.to_numpy(dtype=float, na_value=np.nan)


def _time_series_plot(obj, ts, quantity, ax, save, name, formats, overwrite, params, show):
    project = None
    dt = None
    if obj is not None:
        project, dt = _catalogue(obj, f"{quantity}_time")
    fig, ax = _f.new_axes(ax)
    x = _series_x(ts)
    col = "b" if quantity == "b" else "mc"
    y = ts.frame[col].to_numpy(dtype=float)
    lo = ts.frame["ci_low"].to_numpy(dtype=float)
    hi = ts.frame["ci_high"].to_numpy(dtype=float)
    if np.isfinite(lo).any():
        level = ts.settings.get("conf_level", 0.95)
        ax.fill_between(x, lo, hi, color="tab:blue", alpha=0.25, step=None,
                        label=f"{level:.0%} interval", gid="ci")
    ax.plot(x, y, marker="o", markersize=3, color="tab:blue", linewidth=1.2, gid=col,
            label=("b-value" if quantity == "b" else
                   f"Mc ({ts.settings.get('method', '')})"))
    if show and dt is not None and quantity == "mc":
        ex = _f.time_values(dt)
        ey = dt.dataset["magnitude"].to_numpy(dtype=float, na_value=np.nan)
        ax.scatter(ex, ey, s=3, color="lightgray", zorder=0, label="events")
    ax.set_ylabel("b-value" if quantity == "b" else "completeness magnitude")
    win = ts.window
    unit = "events" if win.get("by") == "events" else win.get("unit", "")
    ax.set_title(f"{'b' if quantity == 'b' else 'Mc'}(t): windows of {win.get('size'):g} "
                 f"{unit}, step {win.get('step'):g} (plotted at each window's end)")
    if ts.time_kind == "datetime":
        _f.format_time_axis(ax, True)
    elif ts.time_kind == "float":
        _f.format_time_axis(ax, False)
    else:
        ax.set_xlabel("event number")
    ax.legend(fontsize="small", loc="best")
    function = "b_value_time" if quantity == "b" else "mc_time"
    ctx = _f.PlotContext(f"varpy.visualization.magnitudes.{function}",
                         dict(params, window=ts.window, settings=ts.settings),
                         None if dt is None else _f.key_of(dt),
                         [] if dt is None else dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)


def b_value_time(obj=None, *, series=None, mc=None, window=None, step=None, by: str = "events",
                 ax=None, save: bool = False, name: str | None = None, formats=("png",),
                 overwrite: bool = False, **options):
    """b(t) in moving windows with its confidence band.

    Give either a catalogue (``obj``; :func:`varpy.analysis.magnitudes.b_time_series` is run
    with ``mc``, ``window``, ``step``, ``by`` and ``options``) or a computed ``series``
    (``obj`` is then only used to locate the project when saving).
    """
    if series is None:
        if obj is None or mc is None or window is None:
            raise DataFormatError("b_value_time needs series= or a catalogue with mc= and "
                                  "window=", key="series",
                                  expected="a MagnitudeTimeSeries, or obj, mc and window")
        _, dt = _catalogue(obj, "b_value_time")
        series = _mag.b_time_series(dt.dataset, mc=mc, window=window, step=step, by=by,
                                    **options)
    if series.quantity != "b":
        raise DataFormatError(f"series holds {series.quantity!r}, not b", key="series",
                              expected="a result of b_time_series")
    return _time_series_plot(obj, series, "b", ax, save, name, formats, overwrite,
                             {"mc": mc, "by": by, **options}, False)


def mc_time(obj=None, *, series=None, method: str = "maxc", window=None, step=None,
            by: str = "events", show_events: bool = True, ax=None, save: bool = False,
            name: str | None = None, formats=("png",), overwrite: bool = False, **options):
    """Mc(t) in moving windows (with bootstrap band when computed with ``n_boot``), over the
    magnitudes of the events (grey)."""
    if series is None:
        if obj is None or window is None:
            raise DataFormatError("mc_time needs series= or a catalogue with window=",
                                  key="series", expected="a MagnitudeTimeSeries, or obj and "
                                                         "window")
        _, dt = _catalogue(obj, "mc_time")
        series = _mag.mc_time_series(dt.dataset, method=method, window=window, step=step,
                                     by=by, **options)
    if series.quantity != "mc":
        raise DataFormatError(f"series holds {series.quantity!r}, not mc", key="series",
                              expected="a result of mc_time_series")
    return _time_series_plot(obj, series, "mc", ax, save, name, formats, overwrite,
                             {"method": method, "by": by, **options}, show_events)
