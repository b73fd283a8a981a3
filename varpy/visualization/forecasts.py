"""Forecasts through time: how a failure-time forecast evolves, and model comparison by AIC.

A multiple analysis (retrospective or prospective forecast) refits a model at successive
forecast times ``t_forc``; its table has one row per step (``t_forc``, ``failure_time`` with its
interval, ``aic``, ``converged``, ``warnings``, ...). VarPy 2016 kept only the last step (a state
bug), so it never drew this evolution.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError
from varpy.management.datatypes import Datatype
from varpy.visualization import _figure as _f

__all__ = ["forecast_evolution", "model_comparison", "forecast_table"]

#: Column pairs accepted for the failure-time interval, in order of preference.
CI_COLUMNS = (("failure_time_low", "failure_time_high"), ("tf_ci_low", "tf_ci_high"),
              ("failure_time_ci_low", "failure_time_ci_high"), ("ci_low", "ci_high"))

_FORECAST_KINDS = ("single_forecast", "retrospective_forecast", "prospective_forecast")


def _table_of(experiment) -> pd.DataFrame:
    table = getattr(experiment, "table", experiment)
    if callable(table):
        table = table()
    if not isinstance(table, pd.DataFrame):
        raise TypeError("expected an ExperimentResult (with a .table DataFrame) or a DataFrame, "
                        f"not {type(experiment).__name__}")
    return table


def _is_calendar(series: pd.Series) -> bool:
    if isinstance(series.dtype, pd.DatetimeTZDtype) or series.dtype.kind == "M":
        return True
    if series.dtype == object:
        first = series.dropna()
        return bool(len(first)) and isinstance(first.iloc[0], (pd.Timestamp, np.datetime64))
    return False


def _x(series: pd.Series, calendar: bool) -> np.ndarray:
    if calendar:
        return _f.date_numbers(pd.to_datetime(series, utc=True, errors="coerce"))
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _ci_columns(table: pd.DataFrame):
    for lo, hi in CI_COLUMNS:
        if lo in table.columns and hi in table.columns:
            return lo, hi
    return None


def _flagged(table: pd.DataFrame) -> np.ndarray:
    bad = np.zeros(len(table), dtype=bool)
    if "converged" in table.columns:
        bad |= ~table["converged"].fillna(False).astype(bool).to_numpy()
    if "flagged" in table.columns:
        bad |= table["flagged"].fillna(False).astype(bool).to_numpy()
    if "warnings" in table.columns:
        bad |= np.array([bool(w) and not (isinstance(w, float) and math.isnan(w))
                         for w in table["warnings"]], dtype=bool)
    return bad


def forecast_table(obj, model: str | None = None, *, station=None) -> pd.DataFrame:
    """Forecast rows from the model outputs stored on a catalogue.

    One row per output of ``model`` whose kind is a forecast (``single_forecast``,
    ``retrospective_forecast``, ``prospective_forecast``) or whose fit estimated ``tf``:
    ``t_forc`` (``provenance['t_forc']`` or the window end), ``failure_time``,
    ``failure_time_low``/``failure_time_high`` (profile interval), ``n_fit``, ``mc``,
    ``loglik``, ``aic``, ``converged``, ``warnings``, ``kind``, ``created``. Calendar times are
    UTC Timestamps (NaT beyond the representable calendar), laboratory times seconds.
    """
    from varpy.management.timeconv import from_float_time, parse_time

    _, dt = _f.resolve(obj, ("ecvd", "ecld"), "forecast_table")
    if model is None:
        if len(dt.models) != 1:
            raise DataFormatError(f"name the model: the {dt.kind.upper()} holds "
                                  f"{sorted(dt.models) or 'no models'}", key="model",
                                  expected=f"one of {sorted(dt.models)}")
        model = next(iter(dt.models))
    if model not in dt.models:
        raise DataFormatError(f"no model {model!r} in the {dt.kind.upper()}", key="model",
                              expected=f"one of {sorted(dt.models)}")
    cal = dt.calendar

    def conv(v, origin):
        if v is None or not math.isfinite(v):
            return pd.NaT if cal else (v if v is not None else math.nan)
        if not cal:
            return float(from_float_time(v, origin, calendar=False))
        try:
            return from_float_time(v, "1970-01-01" if origin is None else origin, calendar=True)
        except ValueError:
            return pd.NaT

    rows = []
    for out in dt.models[model].outputs:
        res = out.load_result()
        if getattr(res, "tf", None) is None or "tf" in res.fixed:
            continue
        if out.kind not in _FORECAST_KINDS and out.kind not in ("", "forecast"):
            continue
        origin = res.origin
        t_forc = out.provenance.get("t_forc")
        if t_forc is None:
            t_forc = conv(float(res.window[1]), origin)
        elif cal:
            t_forc = parse_time(t_forc)
        lo, hi = res.tf_ci if res.tf_ci is not None else (math.nan, math.nan)
        rows.append({"t_forc": t_forc, "failure_time": conv(res.tf, origin),
                     "failure_time_low": conv(lo, origin), "failure_time_high": conv(hi, origin),
                     "n_fit": res.n_events, "mc": res.mc, "loglik": res.loglik, "aic": res.aic,
                     "converged": res.converged, "warnings": list(res.warnings),
                     "kind": out.kind, "created": out.created})
    table = pd.DataFrame(rows, columns=["t_forc", "failure_time", "failure_time_low",
                                        "failure_time_high", "n_fit", "mc", "loglik", "aic",
                                        "converged", "warnings", "kind", "created"])
    return table.sort_values("t_forc", kind="stable").reset_index(drop=True)


def _true_time(obj, true_time, t_first, calendar, experiment_tf=None):
    """x value of the true failure/eruption time: given, known to the experiment, first
    eruption onset at or after the first forecast time, or the laboratory metadata ``tf``."""
    if true_time is not None:
        return _f.to_axis_time(true_time, calendar)
    if experiment_tf is not None:
        return experiment_tf
    if obj is None:
        return None
    project, dt = (obj._project, obj) if isinstance(obj, Datatype) else (obj, None)
    if calendar:
        onsets = np.sort(_f.eruption_onsets(project, obj))
        later = onsets[onsets >= t_first] if math.isfinite(t_first) else onsets
        return float(later[0]) if later.size else None
    if dt is None:
        _, dt = _f.resolve(obj, ("ecld", "scld"), "forecast_evolution")
    return _f.lab_times(dt, project).get("tf")


def forecast_evolution(experiment, obj=None, *, true_time=None, model: str | None = None,
                       y_lims=None, ax=None, save: bool = False, name: str | None = None,
                       formats=("png",), overwrite: bool = False):
    """Forecast failure (eruption) time against the time the forecast was made.

    Parameters
    ----------
    experiment : ExperimentResult, DataFrame, project or catalogue
        A multiple-analysis result (:class:`varpy.modelling.experiments.ExperimentResult`, its
        ``.table``; a retrospective forecast also gives the known failure time), a table with
        ``t_forc`` and
        ``failure_time`` (and optionally an interval pair such as ``failure_time_low`` /
        ``failure_time_high``, ``converged``, ``warnings``), or a project/catalogue whose stored
        outputs of ``model`` are read with :func:`forecast_table`.
    obj : project or datatype, optional
        Where the true time comes from (first eruption onset at or after the first forecast,
        or the laboratory metadata ``tf``) and where the figure is saved.
    true_time : time, optional
        The known failure/eruption time (overrides ``obj``).
    y_lims : (low, high), optional
        Failure-time axis range; default from the forecast times to one forecast span past the
        latest of the last forecast time and the true time. Forecasts beyond it are drawn as
        triangles on the edge, so absurd optima (VarPy found year 3332) do not squash the plot.

    Returns
    -------
    matplotlib.figure.Figure
        Filled circles: converged, unflagged fits; open circles: flagged or not converged.
        Vertical bars: the failure-time interval of the experiment's ``ci_method`` (named in
        the legend). Dotted diagonal: ``failure time = forecast
        time`` (no forecast can lie below it).
    """
    if isinstance(experiment, (Datatype,)) or hasattr(experiment, "datatypes"):
        if obj is None:
            obj = experiment
        table = forecast_table(experiment, model)
    else:
        table = _table_of(experiment)
    experiment_tf = None
    known = getattr(experiment, "tf", None)
    axis = getattr(experiment, "axis", None)
    if known is not None and axis is not None and hasattr(axis, "absolute"):
        # a retrospective forecast knows its failure time (on its own float axis)
        value = axis.absolute(known)
        if value is not pd.NaT and value is not None:
            experiment_tf = _f.to_axis_time(value, bool(getattr(experiment, "calendar", True)))
    for col in ("t_forc", "failure_time"):
        if col not in table.columns:
            raise DataFormatError(f"forecast table lacks column {col!r}", column=col,
                                  expected="columns t_forc, failure_time; got "
                                           f"{list(table.columns)}")
    cal = _is_calendar(table["t_forc"])
    x = _x(table["t_forc"], cal)
    y = _x(table["failure_time"], cal)
    ci = _ci_columns(table)
    lo = _x(table[ci[0]], cal) if ci else np.full(y.size, np.nan)
    hi = _x(table[ci[1]], cal) if ci else np.full(y.size, np.nan)
    if ci:
        # an open upper end is stored as inf (floats) or NaT (calendar); show it as open
        raw_hi = table[ci[1]]
        open_hi = np.array([isinstance(v, float) and math.isinf(v) for v in raw_hi]) | (
            np.isnan(hi) & np.isfinite(lo))
    else:
        open_hi = np.zeros(y.size, dtype=bool)
    flagged = _flagged(table)
    t_first = float(np.nanmin(x)) if np.isfinite(x).any() else math.nan
    truth = _true_time(obj, true_time, t_first, cal, experiment_tf)
    if y_lims is None:
        span = (np.nanmax(x) - np.nanmin(x)) if np.isfinite(x).any() else 1.0
        span = span if span > 0 else 1.0
        top = max(np.nanmax(x), truth if truth is not None else -np.inf) + span
        y_lims = (np.nanmin(x), top)
    else:
        y_lims = tuple(_f.to_axis_time(v, cal) for v in y_lims)
    fig, ax = _f.new_axes(ax)
    ok = np.isfinite(x) & np.isfinite(y)
    shown = ok & (y <= y_lims[1]) & (y >= y_lims[0])
    bars_lo = np.where(np.isfinite(lo), lo, y)
    bars_hi = np.where(open_hi | ~np.isfinite(hi), y_lims[1], np.minimum(hi, y_lims[1]))
    has_bar = shown & (np.isfinite(lo) | np.isfinite(hi) | open_hi)
    if has_bar.any():
        # the interval method of the experiment (ExperimentResult.settings["ci_method"]);
        # "auto" is named by the methods its fits used
        ci_method = (getattr(experiment, "settings", None) or {}).get("ci_method", "profile")
        if ci_method == "auto":
            used = sorted({getattr(f, "ci_method", "profile")
                           for f in getattr(experiment, "fits", None) or [] if f is not None})
            ci_method = "auto: " + "/".join(used) if used else ci_method
        ax.vlines(x[has_bar], np.maximum(bars_lo[has_bar], y_lims[0]), bars_hi[has_bar],
                  color="tab:blue", alpha=0.5, linewidth=1.2,
                  label=f"failure-time interval ({ci_method})")
    good = shown & ~flagged
    ax.plot(x[good], y[good], "o", color="tab:blue", markersize=5, gid="forecasts",
            label="forecast")
    if (shown & flagged).any():
        ax.plot(x[shown & flagged], y[shown & flagged], "o", markerfacecolor="none",
                color="tab:blue", markersize=5, gid="flagged",
                label="forecast (flagged or not converged)")
    above = ok & (y > y_lims[1])
    if above.any():
        ax.plot(x[above], np.full(int(above.sum()), y_lims[1]), "^", color="tab:gray",
                markersize=6, clip_on=False, gid="off_scale",
                label=f"forecast beyond the axis ({int(above.sum())})")
    diag = np.array([np.nanmin(x), np.nanmax(x)])
    ax.plot(diag, diag, ":", color="gray", linewidth=1.0, label="failure time = forecast time")
    if truth is not None:
        ax.axhline(truth, color="tab:red", linestyle="--", linewidth=1.5, gid="true_time",
                   label="true failure/eruption time")
    ax.set_ylim(*y_lims)
    _f.format_time_axis(ax, cal)
    _f.format_time_axis(ax, cal, axis="y", label=False)
    ax.set_xlabel("forecast time (UTC)" if cal else "forecast time (s)")
    ax.set_ylabel("forecast failure time" + (" (UTC)" if cal else " (s)"))
    ax.set_title(f"{int(ok.sum())} forecasts, {int((ok & flagged).sum())} flagged")
    ax.legend(fontsize="small", loc="upper left")
    project, dt = (None, None)
    if obj is not None:
        project, dt = (obj._project, obj) if isinstance(obj, Datatype) else (obj, None)
    ctx = _f.PlotContext("varpy.visualization.forecasts.forecast_evolution",
                         {"true_time": None if truth is None else truth, "model": model,
                          "n_forecasts": int(ok.sum()), "calendar": cal},
                         None if dt is None else _f.key_of(dt),
                         [] if dt is None else dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)


def _long_table(results, criterion: str) -> pd.DataFrame:
    if isinstance(results, dict):
        parts = []
        for label, res in results.items():
            t = _table_of(res)
            for col in ("t_forc", criterion):
                if col not in t.columns:
                    raise DataFormatError(f"results of {label!r} lack column {col!r}",
                                          column=col, expected=f"columns t_forc and {criterion}")
            parts.append(pd.DataFrame({"model": str(label), "t_forc": t["t_forc"].to_numpy(),
                                       criterion: pd.to_numeric(t[criterion], errors="coerce")
                                       .to_numpy()}))
        return pd.concat(parts, ignore_index=True)
    table = _table_of(results)
    if "model" in table.columns:
        return table[["model", "t_forc", criterion]].copy()
    models = [c for c in table.columns if c != "t_forc"]
    return table.melt(id_vars="t_forc", value_vars=models, var_name="model",
                      value_name=criterion)


def model_comparison(results, obj=None, *, criterion: str = "aic", relative: bool = True,
                     ax=None, save: bool = False, name: str | None = None, formats=("png",),
                     overwrite: bool = False):
    """An information criterion of several models through the forecast times.

    Parameters
    ----------
    results : dict of name -> ExperimentResult/DataFrame, or DataFrame
        Per model a table with ``t_forc`` and ``criterion``; or one long table with columns
        ``model``, ``t_forc``, ``criterion``; or a wide table ``t_forc`` + one column per model.
    criterion : str
        Column to compare (``'aic'``, ``'bic'``, ...); lower is better.
    relative : bool
        Plot ``criterion - min over models`` at each forecast time (ΔAIC; 0 = best model),
        with guide lines at 2 and 10.

    Returns
    -------
    matplotlib.figure.Figure
    """
    long = _long_table(results, criterion)
    cal = _is_calendar(long["t_forc"])
    long = long.assign(_x=_x(long["t_forc"], cal))
    values = long[criterion].to_numpy(dtype=float)
    if relative:
        best = long.groupby("_x")[criterion].transform("min").to_numpy(dtype=float)
        values = values - best
    long = long.assign(_y=values)
    fig, ax = _f.new_axes(ax)
    for label, part in long.groupby("model", sort=False):
        part = part.sort_values("_x")
        ax.plot(part["_x"], part["_y"], marker="o", markersize=3, linewidth=1.2,
                label=str(label), gid=f"model:{label}")
    if relative:
        for level, text in ((2.0, "Δ = 2"), (10.0, "Δ = 10")):
            ax.axhline(level, color="gray", linestyle=":", linewidth=0.8)
            ax.annotate(text, (1.0, level), xycoords=("axes fraction", "data"), fontsize="small",
                        ha="right", va="bottom", color="gray")
        ax.set_ylabel(f"Δ{criterion.upper()} (0 = best model)")
    else:
        ax.set_ylabel(criterion.upper())
    _f.format_time_axis(ax, cal)
    ax.set_xlabel("forecast time (UTC)" if cal else "forecast time (s)")
    ax.set_title(f"model comparison by {criterion.upper()}")
    ax.legend(fontsize="small", loc="best")
    project, dt = (None, None)
    if obj is not None:
        project, dt = (obj._project, obj) if isinstance(obj, Datatype) else (obj, None)
    ctx = _f.PlotContext("varpy.visualization.forecasts.model_comparison",
                         {"criterion": criterion, "relative": relative,
                          "models": sorted(map(str, long["model"].unique()))},
                         None if dt is None else _f.key_of(dt),
                         [] if dt is None else dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)
