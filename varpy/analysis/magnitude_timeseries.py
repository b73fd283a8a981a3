"""b(t) and Mc(t) in moving windows: :func:`b_time_series` and :func:`mc_time_series`.

Windows of a fixed number of events or a fixed duration (exact integer nanoseconds for
datetimes); with a fixed Mc all b windows come from one pass of cumulative sums, otherwise
each window runs :func:`~varpy.analysis.bvalue.b_value` or
:func:`~varpy.analysis.mc_estimation.mc`. Returns
:class:`~varpy.analysis.magnitude_results.MagnitudeTimeSeries`.

May import: numpy, pandas, :mod:`varpy._json`, :mod:`varpy.exceptions`, :mod:`varpy.statistics`
(binning, bvalue, mc), :mod:`varpy.analysis.magnitude_input`,
:mod:`varpy.analysis.magnitude_results`, :mod:`varpy.analysis.mc_estimation`,
:mod:`varpy.analysis.bvalue`.
"""
from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from varpy._json import jsonable as _jsonable
from varpy.analysis.bvalue import (
    UNCERTAINTIES,
    _bootstrap_excess,
    _centre,
    _edge,
    _normal_quantile,
    b_value,
)
from varpy.analysis.magnitude_input import _NAT, _binned, _check_conf, _magnitudes, _times
from varpy.analysis.magnitude_results import MagnitudeTimeSeries
from varpy.analysis.mc_estimation import mc
from varpy.exceptions import DataFormatError, FitError, UnknownFormatError
from varpy.statistics.binning import bin_index, check_bin_width
from varpy.statistics.bvalue import (
    SHI_BOLT_CONSTANT,
    b_from_mean_excess,
    b_method_name,
    shi_bolt_constant_value,
    sigma_aki,
    sigma_shi_bolt,
    sigma_tinti_mulargia,
)
from varpy.statistics.mc import mc_method_name

__all__ = ["b_time_series", "mc_time_series"]

logger = logging.getLogger(__name__)


def _window_length(value, kind: str | None, name: str) -> float:
    """Window length in days (datetimes) or in the unit of float times."""
    if isinstance(value, (str, pd.Timedelta, np.timedelta64)) or hasattr(value, "total_seconds"):
        if kind != "datetime":
            raise DataFormatError(f"{name}={value!r} is a duration but the times are not "
                                  "datetimes", key=name,
                                  expected="a float in the unit of the times")
        v = pd.Timedelta(value).total_seconds() / 86400.0
    else:
        try:
            v = float(value)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"{name}={value!r} is not a duration", key=name,
                                  expected="a float (days for datetimes) or a pandas Timedelta "
                                           "string such as '30D'") from exc
    if not v > 0:
        raise DataFormatError(f"{name}={value!r} must be positive", key=name,
                              expected="a positive window length")
    return v


def _prepare_series(data, column, time_column, times, by):
    m, mask, n_rows = _magnitudes(data, column)
    t, kind = _times(data, times, time_column)
    if t is not None:
        if t.size != n_rows:
            raise DataFormatError(f"{t.size} times for {n_rows} magnitudes", key="times",
                                  expected="one time per event")
        t = t[mask]
        ok = t != _NAT if kind == "datetime" else np.isfinite(t)
        if not ok.all():
            logger.info("ignoring %d events without a time", int((~ok).sum()))
            m, t = m[ok], t[ok]
        if np.any(np.diff(t) < 0):
            order = np.argsort(t, kind="stable")
            m, t = m[order], t[order]
    elif by == "time":
        raise DataFormatError("time windows need event times", column=time_column,
                              expected=f"a catalogue with a {time_column!r} column or times=...")
    return m, t, kind


def _windows(t, n_events, by, window, step, kind):
    """(lo, hi, start, end) index bounds and nominal bounds of each window."""
    if by == "events":
        size = int(window)
        if size < 2:
            raise DataFormatError(f"window={window!r} events", key="window",
                                  expected="an integer >= 2")
        stp = size if step is None else int(step)
        if stp < 1:
            raise DataFormatError(f"step={step!r}", key="step", expected="an integer >= 1")
        lo = np.arange(0, max(n_events - size + 1, 0), stp, dtype=np.int64)
        hi = lo + size
        if t is None:
            start = lo.astype(np.float64)
            end = (hi - 1).astype(np.float64)
        else:
            start = t[lo] if lo.size else np.array([])
            end = t[hi - 1] if lo.size else np.array([])
        return lo, hi, start, end, {"by": "events", "size": size, "step": stp}
    if by != "time":
        raise DataFormatError(f"by={by!r}", key="by", expected="'events' or 'time'")
    size = _window_length(window, kind, "window")
    stp = size if step is None else _window_length(step, kind, "step")
    if t.size == 0:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([]), np.array([]), {"by": "time", "size": size,
                                                           "step": stp}
    if kind == "datetime":       # exact integer nanoseconds
        size_t, step_t = int(round(size * 86400e9)), int(round(stp * 86400e9))
        n_win = int((int(t[-1]) - int(t[0])) // step_t) + 1
        start = int(t[0]) + step_t * np.arange(n_win, dtype=np.int64)
        end = start + size_t
    else:
        n_win = int(math.floor((t[-1] - t[0]) / stp)) + 1
        start = t[0] + stp * np.arange(n_win)
        end = start + size
    lo = np.searchsorted(t, start, side="left")
    hi = np.searchsorted(t, end, side="left")
    unit = "days" if kind == "datetime" else "time units"
    return lo, hi, start, end, {"by": "time", "size": size, "step": stp, "unit": unit}


def _time_columns(start, end, kind):
    if kind == "datetime":
        def to_dt(v):
            return pd.Series(pd.to_datetime(np.asarray(v, dtype=np.int64), unit="ns", utc=True))
        return to_dt(start), to_dt(end), to_dt(end)
    return np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64), \
        np.asarray(end, dtype=np.float64)


def b_time_series(data, *, mc, window, step=None, by: str = "events", method: str | None = None,
                  dm: float = 0.1, uncertainty: str = "shi_bolt", conf_level: float = 0.95,
                  n_boot: int = 500, seed=None, min_events: int = 50,
                  shi_bolt_constant: float | str = SHI_BOLT_CONSTANT,
                  delta: float | None = None, a_convention: str = "edge",
                  mc_options: dict | None = None, times=None,
                  column: str = "magnitude", time_column: str = "time") -> MagnitudeTimeSeries:
    """b-value in moving windows of a fixed number of events or a fixed duration.

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        Catalogue (``magnitude``, ``time``) or magnitudes in time order.
    mc : float or str
        Fixed completeness magnitude, or a method name (:func:`mc`) to estimate Mc in every
        window (``mc_options`` are passed on).
    window, step : int or float or str
        ``by='events'``: events per window and events between window starts (with a fixed mc
        the events counted are those at or above mc, as in ZMAP). ``by='time'``: duration and
        shift, in days (or a Timedelta string such as ``'30D'``) for datetimes, in the unit of
        the times otherwise. ``step`` defaults to ``window`` (non-overlapping windows, so
        neighbouring estimates are independent).
    min_events : int
        Windows with fewer events above Mc get NaN.
    method, dm, uncertainty, conf_level, n_boot, seed, shi_bolt_constant, delta, a_convention
        As in :func:`b_value`.

    Returns
    -------
    MagnitudeTimeSeries
    """
    m, t, kind = _prepare_series(data, column, time_column, times, by)
    dm = check_bin_width(dm, allow_zero=True)
    conf = _check_conf(conf_level)
    name = "tinti_mulargia" if method is None else str(method).lower().replace("-", "_")
    if name != "b_positive":
        name = b_method_name(name)
    unc = str(uncertainty).lower()
    if unc not in UNCERTAINTIES:
        raise UnknownFormatError("b-value uncertainty", str(uncertainty), UNCERTAINTIES)
    constant = shi_bolt_constant_value(shi_bolt_constant)
    m = _binned(m, dm)
    rng = np.random.default_rng(seed)
    fixed = not isinstance(mc, str)
    settings = {"method": name, "uncertainty": unc, "dm": dm, "conf_level": conf,
                "min_events": int(min_events), "mc": mc if fixed else None,
                "mc_method": None if fixed else str(mc), "a_convention": a_convention,
                "shi_bolt_constant": constant}
    if fixed and name != "b_positive":
        mc_c = _centre(float(mc), dm)
        keep = m >= _edge(mc_c, dm)
        m_c = m[keep]
        t_c = None if t is None else t[keep]
        if by == "events":
            # event-count windows count the complete events, as in ZMAP
            lo, hi, start, end, win = _windows(t_c, m_c.size, by, window, step, kind)
            n_window = hi - lo
        else:
            lo_all, hi_all, start, end, win = _windows(t, m.size, by, window, step, kind)
            lo = np.searchsorted(t_c, start, side="left")
            hi = np.searchsorted(t_c, end, side="left")
            n_window = hi_all - lo_all
        frame = _fixed_mc_windows(m_c, mc_c, lo, hi, dm, name, unc, conf, int(n_boot), rng,
                                  int(min_events), constant, a_convention)
        frame["n_window"] = n_window
    else:
        lo, hi, start, end, win = _windows(t, m.size, by, window, step, kind)
        rows = []
        for a_i, b_i in zip(lo, hi):
            rows.append(_window_b(m[a_i:b_i], None if t is None else t[a_i:b_i], mc, dm, name,
                                  unc, conf, int(n_boot), rng, int(min_events),
                                  constant, delta, a_convention,
                                  mc_options or {}))
        frame = pd.DataFrame(rows, columns=["n", "mc", "b", "sigma", "ci_low", "ci_high", "a"])
        frame["n_window"] = hi - lo
    s, e, tm = _time_columns(start, end, kind if t is not None else None)
    frame.insert(0, "start", s)
    frame.insert(1, "end", e)
    frame.insert(2, "time", tm)
    frame = frame[["start", "end", "time", "n_window", "n", "mc", "b", "sigma", "ci_low",
                   "ci_high", "a"]]
    frame["n"] = frame["n"].astype(np.int64)
    frame["n_window"] = frame["n_window"].astype(np.int64)
    return MagnitudeTimeSeries("b", frame.reset_index(drop=True), win,
                               kind if t is not None else "index", settings)


def _fixed_mc_windows(m_c, mc_c, lo, hi, dm, name, unc, conf, n_boot, rng, min_events,
                      constant, a_convention):
    """All windows at once from cumulative sums of the excess (one pass over the events)."""
    if dm > 0:
        x = (bin_index(m_c, dm) - int(bin_index(mc_c, dm))).astype(np.float64)
    else:
        x = m_c - mc_c
    s1 = np.concatenate([[0.0], np.cumsum(x)])
    s2 = np.concatenate([[0.0], np.cumsum(x * x)])
    n = (hi - lo).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        tot = s1[hi] - s1[lo]
        mean_x = tot / n
        ssd = np.maximum((s2[hi] - s2[lo]) - tot * mean_x, 0.0)
        scale = dm if dm > 0 else 1.0
        b = np.asarray(b_from_mean_excess(mean_x * scale, dm, name), dtype=np.float64)
        std = scale * np.sqrt(ssd / (n - 1))
    b = np.where(n >= max(min_events, 2), b, np.nan)
    ci_low = np.full(b.size, np.nan)
    ci_high = np.full(b.size, np.nan)
    if unc == "shi_bolt":
        sigma = sigma_shi_bolt(b, n, std, constant=constant)
    elif unc == "tinti_mulargia":
        sigma = sigma_tinti_mulargia(b, n, dm)
    elif unc == "aki":
        sigma = sigma_aki(b, n)
    else:
        sigma = np.full(b.size, np.nan)
        for i, (a_i, b_i) in enumerate(zip(lo, hi)):
            if not np.isfinite(b[i]):
                continue
            reps = _bootstrap_excess(x[a_i:b_i] * (dm if dm > 0 else 1.0), dm, name, n_boot,
                                     rng)
            ok = reps[np.isfinite(reps)]
            if ok.size > 1:
                sigma[i] = np.std(ok, ddof=1)
                ci_low[i], ci_high[i] = np.percentile(ok, [50 * (1 - conf), 50 * (1 + conf)])
    sigma = np.asarray(sigma, dtype=np.float64)
    if unc != "bootstrap":
        z = _normal_quantile(conf)
        ci_low, ci_high = b - z * sigma, b + z * sigma
    ref = mc_c - dm / 2 if a_convention == "edge" else mc_c
    with np.errstate(divide="ignore"):
        a = np.where(np.isfinite(b), np.log10(np.maximum(n, 1)) + b * ref, np.nan)
    return pd.DataFrame({"n": (hi - lo).astype(np.int64), "mc": np.full(b.size, mc_c),
                         "b": b, "sigma": sigma, "ci_low": ci_low, "ci_high": ci_high, "a": a})


def _window_b(m, t, mc_arg, dm, name, unc, conf, n_boot, rng, min_events, constant, delta,
              a_convention, mc_options):
    nan_row = [0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan]
    if m.size < max(min_events, 2):
        nan_row[0] = int(m.size)
        return nan_row
    if isinstance(mc_arg, str):
        try:
            est = mc(m, method=mc_arg, dm=dm, **mc_options)
        except FitError:
            return nan_row
        mc_value = est.mc
        if not math.isfinite(mc_value):
            return nan_row
    else:
        mc_value = mc_arg
    try:
        r = b_value(m, mc=mc_value, method=name, dm=dm, uncertainty=unc, conf_level=conf,
                    n_boot=n_boot, seed=rng, shi_bolt_constant=constant, delta=delta,
                    times=t, a_convention=a_convention)
    except FitError:
        return nan_row
    if r.n < min_events:
        return [r.n, r.mc, math.nan, math.nan, math.nan, math.nan, math.nan]
    lo, hi = r.ci if r.ci is not None else (math.nan, math.nan)
    return [r.n, r.mc, r.b, r.sigma, lo, hi, r.a]


def mc_time_series(data, *, method: str = "maxc", window, step=None, by: str = "events",
                   dm: float = 0.1, n_boot: int = 0, conf_level: float = 0.95, seed=None,
                   min_events: int = 50, times=None, column: str = "magnitude",
                   time_column: str = "time", **options) -> MagnitudeTimeSeries:
    """Completeness magnitude in moving windows, optionally with bootstrap uncertainty.

    ``window``/``step`` as in :func:`b_time_series` (event windows count all events here).
    ``n_boot > 0`` gives each window's bootstrap sigma and percentile interval
    (:func:`varpy.statistics.mc.bootstrap_mc`); ``options`` go to the Mc method.

    Examples
    --------
    >>> import numpy as np
    >>> from varpy.statistics.mags import simulate_gr
    >>> m = simulate_gr(50000, b=1.0, mc=0.0, dm=0.1, detection=(1.0, 0.2), seed=5)
    >>> ts = mc_time_series(m, method="maxc", window=1000)
    >>> ts.frame["mc"].tolist()
    [1.0, 1.2, 1.0, 1.1]
    """
    m, t, kind = _prepare_series(data, column, time_column, times, by)
    dm = check_bin_width(dm)
    conf = _check_conf(conf_level)
    name = mc_method_name(method)
    m = _binned(m, dm)
    rng = np.random.default_rng(seed)
    lo, hi, start, end, win = _windows(t, m.size, by, window, step, kind)
    rows = []
    for a_i, b_i in zip(lo, hi):
        w = m[a_i:b_i]
        row = [int(w.size), math.nan, math.nan, math.nan, math.nan]
        if w.size >= max(int(min_events), 1):
            try:
                r = mc(w, method=name, dm=dm, n_boot=int(n_boot), conf_level=conf, seed=rng,
                       **options)
            except FitError:
                r = None
            if r is not None:
                row[1] = r.mc
                row[2] = r.sigma
                if r.ci is not None:
                    row[3], row[4] = r.ci
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["n", "mc", "sigma", "ci_low", "ci_high"])
    frame["n_window"] = (hi - lo).astype(np.int64)
    s, e, tm = _time_columns(start, end, kind if t is not None else None)
    frame.insert(0, "start", s)
    frame.insert(1, "end", e)
    frame.insert(2, "time", tm)
    frame = frame[["start", "end", "time", "n_window", "n", "mc", "sigma", "ci_low", "ci_high"]]
    frame["n"] = frame["n"].astype(np.int64)
    settings = {"method": name, "dm": dm, "n_boot": int(n_boot), "conf_level": conf,
                "min_events": int(min_events), "options": _jsonable(options)}
    return MagnitudeTimeSeries("mc", frame.reset_index(drop=True), win,
                               kind if t is not None else "index", settings)
