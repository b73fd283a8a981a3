"""Significance of change: the b-value variation test of Mirwald et al. (2024) and ZMAP's rate
changes (z-value, beta) in moving windows, with result objects.

==============================  ==============================================================
:func:`b_significance`          Moran's I of b over sub-samples of ``n_m`` events
                                (:class:`BSignificanceResult`)
:func:`rate_change`             z-value or beta in moving windows (:class:`RateChangeResult`)
==============================  ==============================================================

The statistics are described in :mod:`varpy.statistics.bsignificance` and
:mod:`varpy.statistics.rate_change`; :mod:`varpy.visualization.significance` draws both.

Examples
--------
>>> import numpy as np
>>> t = np.random.default_rng(0).uniform(0, 100, 3000)
>>> r = rate_change(t, window=10, step=5, bin_width=1, start=0, end=100)
>>> r.statistic, len(r.value)
('z', 19)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from varpy.analysis._catalogue import (ResultDict, catalogue_arrays, duration_value, fmt, iso,
                                       time_value)
from varpy.exceptions import DataFormatError
from varpy.statistics import bsignificance as _bs
from varpy.statistics import rate_change as _rc
from varpy.statistics import mags

__all__ = ["BSignificanceResult", "RateChangeResult", "b_significance", "rate_change"]


@dataclass
class BSignificanceResult(ResultDict):
    """Mirwald et al. (2024) test of a constant b-value.

    Attributes
    ----------
    p_value : float
        One-sided p-value of a constant b (small: b varies).
    mac, mu, sigma : float
        Mean autocorrelation and its mean and standard deviation under a constant b.
    n_m : int
        Events per sub-sample.
    n_subsamples, n_pairs : float
        Mean numbers of sub-samples and of neighbouring pairs over the offsets.
    gamma : float
        Factor of sigma (1 conservative, 0.81 Mirwald et al.'s estimate).
    ac : numpy.ndarray
        Autocorrelation of each offset.
    b_series, series_time : numpy.ndarray
        b of the sub-samples of offset 0 and the time (or event index) of their first event.
    """

    result_type: ClassVar[str] = "varpy.analysis.significance:BSignificanceResult"
    _arrays: ClassVar[tuple[str, ...]] = ("ac", "b_series", "series_time")
    _floats: ClassVar[tuple[str, ...]] = ("p_value", "mac", "mu", "sigma", "n_subsamples",
                                          "n_pairs", "gamma", "mc", "dm")

    p_value: float
    mac: float
    mu: float
    sigma: float
    n_m: int
    n_subsamples: float
    n_pairs: float
    gamma: float
    mc: float
    dm: float
    method: str = "tinti_mulargia"
    ac: np.ndarray | None = None
    b_series: np.ndarray | None = None
    series_time: np.ndarray | None = None
    time_kind: str = "index"
    time_unit: str = "time"

    @property
    def value(self) -> float:
        """The test statistic (mean autocorrelation)."""
        return self.mac

    def summary(self) -> str:
        return (f"b-value variation (Mirwald et al. 2024): MAC = {fmt(self.mac)} "
                f"(constant b: {fmt(self.mu)} +/- {fmt(self.sigma)}, gamma {self.gamma:g}), "
                f"p = {self.p_value:.3g}, n_m = {self.n_m}, "
                f"{self.n_subsamples:.1f} sub-samples, Mc = {self.mc:g}, dm = {self.dm:g}")


@dataclass
class RateChangeResult(ResultDict):
    """z-value or beta in moving windows.

    ``window_start``/``window_end`` are floats on the catalogue's time scale (days or years
    since 1970-01-01 for calendar catalogues, ``time_kind='datetime'``); :meth:`frame` gives
    them as timestamps.
    """

    result_type: ClassVar[str] = "varpy.analysis.significance:RateChangeResult"
    _arrays: ClassVar[tuple[str, ...]] = ("window_start", "window_end", "value", "n_window",
                                          "n_reference")
    _floats: ClassVar[tuple[str, ...]] = ("bin_width", "window", "step", "start", "end")

    statistic: str
    mode: str
    window_start: np.ndarray
    window_end: np.ndarray
    value: np.ndarray
    n_window: np.ndarray
    n_reference: np.ndarray
    bin_width: float
    window: float
    step: float
    start: float
    end: float
    time_kind: str = "float"
    time_unit: str = "time"
    settings: dict = field(default_factory=dict)

    def frame(self):
        """The series as a DataFrame (timestamps for calendar catalogues)."""
        import pandas as pd

        out = pd.DataFrame({"window_start": self.window_start, "window_end": self.window_end,
                            self.statistic: self.value, "n_window": self.n_window,
                            "n_reference": self.n_reference})
        if self.time_kind == "datetime":
            for col in ("window_start", "window_end"):
                out[col] = pd.to_datetime([iso(v, True, self.time_unit) for v in out[col]])
        return out

    def summary(self) -> str:
        v = self.value[np.isfinite(self.value)]
        name = "z-value" if self.statistic == "z" else "beta"
        if v.size == 0:
            return f"{name}: no defined window"
        i = int(np.nanargmax(np.abs(self.value)))
        at = iso(self.window_start[i], self.time_kind == "datetime", self.time_unit)
        return (f"{name} ({self.mode if self.statistic == 'z' else 'window vs all'}) in "
                f"{self.value.size} windows of {self.window:g} {self.time_unit}: range "
                f"{v.min():.2f} to {v.max():.2f}; largest |{name}| = {self.value[i]:.2f} at "
                f"window start {at} ({int(self.n_window[i])} events in the window)")


def b_significance(data, mc, dm: float = 0.1, n_m: int = 100, *, times=None,
                   method: str = "tinti_mulargia", min_num: int = 10,
                   conservative: bool = True, time_unit: str = "day",
                   column: str = "magnitude", time_column: str = "time") -> BSignificanceResult:
    """Mirwald et al. (2024) test of b-value variation in time.

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        Magnitudes in time order, or a catalogue (ordered by ``time_column``).
    mc : float, McResult or array-like
        Completeness, one value or one per event (events below are left out).
    dm : float
        Bin width (> 0).
    n_m : int
        Events per sub-sample (about 25 sub-samples or more are needed).
    conservative : bool
        ``gamma = 1`` (default; false-positive rate 0.015 at 5 % on 200 constant-b catalogues
        of 5,000 events with n_m = 100) or 0.81 (0.060).

    Examples
    --------
    >>> from varpy.statistics.mags import simulate_gr
    >>> r = b_significance(simulate_gr(3000, 1.0, 1.0, 0.1, seed=4), 1.0, n_m=100)
    >>> bool(r.p_value > 0.05)
    True
    """
    m, t, calendar = catalogue_arrays(data, column=column, time_column=time_column,
                                      times=times, time_unit=time_unit)
    mc_arg = mc if np.ndim(getattr(mc, "mc", mc)) else float(getattr(mc, "mc", mc))
    if np.ndim(mc_arg) and np.asarray(mc_arg).size != m.size:
        raise DataFormatError(f"{np.asarray(mc_arg).size} completeness values for {m.size} "
                              "events (after dropping NaN)", key="mc",
                              expected="one mc, or one per event")
    res = _bs.b_significance(m, mc_arg, dm, n_m, times=t, method=method, min_num=min_num,
                             conservative=conservative)
    b, _, first = _bs.b_series_constant_n(m, mc_arg, dm, n_m, times=t, method=method,
                                          min_num=min_num)
    if t is not None:
        order = np.argsort(t, kind="stable")
        if np.ndim(mc_arg):
            keep = mags.bin_index(m[order], dm) >= mags.bin_index(np.asarray(mc_arg)[order], dm)
        else:
            keep = mags.bin_index(m[order], dm) >= mags.bin_index(float(mc_arg), dm)
        series_time = t[order][keep][first]
        kind = "datetime" if calendar else "float"
    else:
        series_time = first.astype(np.float64)
        kind = "index"
    mc_value = float(np.min(mc_arg)) if np.ndim(mc_arg) else float(mc_arg)
    return BSignificanceResult(
        p_value=res.p_value, mac=res.mac, mu=res.mu, sigma=res.sigma, n_m=int(res.n_m),
        n_subsamples=res.n_subsamples, n_pairs=res.n_pairs, gamma=res.gamma, mc=mc_value,
        dm=float(dm), method=method, ac=np.asarray(res.ac), b_series=np.asarray(b),
        series_time=np.asarray(series_time, dtype=np.float64), time_kind=kind,
        time_unit=time_unit if calendar else "time")


def rate_change(data, *, window, bin_width, step=None, statistic: str = "z",
                mode: str = "lta", start=None, end=None, times=None, time_unit: str = "day",
                time_column: str = "time") -> RateChangeResult:
    """z-value (Habermann 1983) or beta (Matthews & Reasenberg 1988) in moving windows.

    Parameters
    ----------
    data : pandas.DataFrame or array-like
        A catalogue with ``time_column``, or the event times themselves (floats).
    window, bin_width, step : float or duration
        Window length, counting bin and step (durations such as ``'30D'`` for calendar
        catalogues, else floats in the unit of the times); step defaults to one bin.
    statistic : {'z', 'beta'}
    mode : {'lta', 'as'}
        z only: window against the rest, or before against after each split time.
    start, end : time, optional
        Period analysed (default: first to last event).
    """
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        if times is None:
            if time_column not in data.columns:
                raise DataFormatError(f"catalogue has no {time_column!r} column",
                                      column=time_column, expected="event times")
            times = data[time_column]
        dummy = np.zeros(len(times))
    else:
        if times is None:
            times = data
        dummy = np.zeros(len(times))
    _, t, calendar = catalogue_arrays(dummy, times=times, time_unit=time_unit)
    unit = time_unit if calendar else "time"
    w = duration_value(window, calendar, time_unit, "window")
    bw = duration_value(bin_width, calendar, time_unit, "bin_width")
    st = None if step is None else duration_value(step, calendar, time_unit, "step")
    lo = None if start is None else time_value(start, calendar, time_unit)
    hi = None if end is None else time_value(end, calendar, time_unit)
    s = _rc.rate_change_series(t, start=lo, end=hi, window=w, step=st, bin_width=bw,
                               statistic=statistic, mode=mode)
    return RateChangeResult(
        statistic=s.statistic, mode=s.mode, window_start=s.window_start,
        window_end=s.window_end, value=s.value, n_window=np.asarray(s.n_window, dtype=float),
        n_reference=np.asarray(s.n_reference, dtype=float), bin_width=bw, window=w,
        step=bw if st is None else st, start=s.start, end=s.end,
        time_kind="datetime" if calendar else "float", time_unit=unit,
        settings={"statistic": s.statistic, "mode": s.mode})
