"""Completeness magnitude and Gutenberg-Richter b-value: the functions users call.

Every function accepts either an array of magnitudes or a catalogue
(:class:`pandas.DataFrame` with a ``magnitude`` column and, for time series, a ``time``
column of ``datetime64[ns, UTC]`` or float seconds). NaN magnitudes are ignored. Each
returns a result object with ``summary()``, ``to_dict()`` and ``from_dict()``, so datatype
methods can store ``result.to_dict()`` and rebuild the object later.

============================  ================================================================
:func:`fmd`                   frequency-magnitude distribution (:class:`FMDResult`)
:func:`mc`                    completeness: ``maxc``, ``gft``, ``mbs``, ``emr``, ``ks``
                              (:class:`McResult`)
:func:`b_value`               b and a with uncertainty: ``tinti_mulargia``, ``utsu``, ``aki``,
                              ``b_positive`` (:class:`BValueResult`)
:func:`b_time_series`         b(t) in moving windows (:class:`MagnitudeTimeSeries`)
:func:`mc_time_series`        Mc(t) in moving windows (:class:`MagnitudeTimeSeries`)
============================  ================================================================

``legacy=True`` reproduces VarPy 2016 (``m_min = mbin = 0.1``, floating-point Mc candidates,
cumulative GFT, 5-value MBS, Utsu b with Shi-Bolt 2.3 and a at Mc); see
:mod:`varpy.statistics.mags`.

Examples
--------
>>> from varpy.analysis import magnitudes
>>> from varpy.statistics.mags import simulate_gr
>>> m = simulate_gr(50000, b=1.0, mc=0.0, dm=0.1, detection=(1.0, 0.2), seed=5)
>>> res = magnitudes.mc(m, method="maxc", correction=0.2)
>>> res.mc
1.3
>>> fit = magnitudes.b_value(m, mc=res)
>>> round(fit.b, 1), fit.method
(1.0, 'tinti_mulargia')
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import math
import warnings
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import special as _special

from varpy._json import json_float
from varpy._json import jsonable as _jsonable
from varpy.exceptions import DataFormatError, FitError, FitWarning, UnknownFormatError
from varpy.statistics import mags

__all__ = [
    "FMDResult",
    "McResult",
    "BValueResult",
    "MagnitudeTimeSeries",
    "fmd",
    "mc",
    "b_value",
    "b_time_series",
    "mc_time_series",
    "UNCERTAINTIES",
]

logger = logging.getLogger(__name__)

#: Uncertainty estimates :func:`b_value` offers.
UNCERTAINTIES = ("shi_bolt", "tinti_mulargia", "aki", "bootstrap")
_LEGACY_MC = ("maxc", "gft", "mbs")


# ---------------------------------------------------------------------------------------------
# JSON helpers
# ---------------------------------------------------------------------------------------------

def _array_or_none(values, dtype=np.float64):
    if values is None:
        return None
    return np.array([np.nan if v is None else v for v in values], dtype=dtype)


def _float(value) -> float:
    return json_float(value)


def _format(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return f"{value:.{digits}f}"


# ---------------------------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------------------------

def _magnitude_values(data, column: str = "magnitude") -> np.ndarray:
    """The magnitudes as a one-dimensional float64 array, NaN included.

    A float64 column or array is returned as a (read-only) view, never copied.
    """
    if isinstance(data, pd.DataFrame):
        if column not in data.columns:
            raise DataFormatError(f"catalogue has no {column!r} column", column=column,
                                  expected=f"a DataFrame with a {column!r} column, or an array "
                                           f"of magnitudes (columns present: "
                                           f"{', '.join(map(str, data.columns))})")
        values = data[column]
    else:
        values = data
    if isinstance(values, (pd.Series, pd.Index)):
        try:
            m = values.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"magnitudes are not numeric: {exc}", column=column,
                                  expected="float magnitudes") from exc
    else:
        try:
            m = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataFormatError(f"magnitudes are not numeric: {exc}", column=column,
                                  expected="an array of float magnitudes") from exc
    if m.ndim != 1:
        raise DataFormatError(f"magnitudes have shape {m.shape}", column=column,
                              expected="a one-dimensional array")
    return m


def _magnitudes(data, column: str = "magnitude"):
    """``(finite magnitudes, rows they came from, number of rows)``.

    The rows are a boolean mask, or ``slice(None)`` when every magnitude is finite.
    """
    m = _magnitude_values(data, column)
    if np.isfinite(m.sum()):     # one pass, no allocation: every magnitude is finite
        return m, slice(None), m.size
    mask = np.isfinite(m)
    if np.isinf(m).any():
        row = int(np.flatnonzero(np.isinf(m))[0])
        raise DataFormatError(f"magnitude {m[row]} in row {row}", column=column,
                              expected="finite magnitudes or NaN for missing values")
    logger.info("ignoring %d NaN magnitudes of %d", m.size - int(mask.sum()), m.size)
    return m[mask], mask, m.size


_NAT = np.iinfo(np.int64).min


def _is_datetime(times) -> bool:
    if isinstance(times, (pd.Series, pd.Index)):
        return pd.api.types.is_datetime64_any_dtype(times.dtype) or (
            times.dtype == object and len(times) > 0
            and isinstance(times.iloc[0] if isinstance(times, pd.Series) else times[0],
                           (pd.Timestamp, _dt.datetime, np.datetime64)))
    arr = np.asarray(times)
    if arr.dtype.kind == "M":
        return True
    return arr.dtype == object and arr.size > 0 and isinstance(
        arr.flat[0], (pd.Timestamp, _dt.datetime, np.datetime64))


def _times(data, times, time_column: str):
    """Event times and their kind: int64 ns since 1970 ('datetime'), floats ('float'), None.

    Datetimes stay integers so that window bounds and reported times are exact.
    """
    if times is None:
        if isinstance(data, pd.DataFrame) and time_column in data.columns:
            times = data[time_column]
        else:
            return None, None
    if _is_datetime(times):
        idx = pd.DatetimeIndex(times)
        if idx.tz is None:
            idx = idx.tz_localize("UTC")
        return idx.tz_convert("UTC").as_unit("ns").asi8.copy(), "datetime"
    try:
        return np.asarray(times, dtype=np.float64), "float"
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"times cannot be read: {exc}", column=time_column,
                              expected="datetime64 values or float seconds") from exc


def _binned(m: np.ndarray, dm: float) -> np.ndarray:
    if dm == 0 or m.size == 0:
        return m
    return mags.round_to_bins(m, dm)


def _check_conf(conf_level) -> float:
    c = float(conf_level)
    if not 0 < c < 1:
        raise DataFormatError(f"conf_level={conf_level!r}", key="conf_level",
                              expected="a probability between 0 and 1, such as 0.95")
    return c


# ---------------------------------------------------------------------------------------------
# result objects
# ---------------------------------------------------------------------------------------------

class _Result:
    """to_dict/from_dict for flat dataclasses of floats, strings, arrays and dicts."""

    result_type: ClassVar[str] = ""
    _arrays: ClassVar[tuple[str, ...]] = ()
    _int_arrays: ClassVar[tuple[str, ...]] = ()
    _tuples: ClassVar[tuple[str, ...]] = ()
    _floats: ClassVar[tuple[str, ...]] = ()

    def to_dict(self) -> dict:
        """JSON-able dict (NaN and inf become None)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, d: dict):
        """Rebuild from :meth:`to_dict` output."""
        kwargs = {}
        names = {f.name for f in dataclasses.fields(cls)}
        for key, value in d.items():
            if key not in names:
                continue
            if key in cls._arrays:
                value = _array_or_none(value)
            elif key in cls._int_arrays:
                value = None if value is None else np.asarray(value, dtype=np.int64)
            elif key in cls._tuples:
                value = None if value is None else tuple(_float(v) for v in value)
            elif key in cls._floats:
                value = _float(value)
            kwargs[key] = value
        return cls(**kwargs)


@dataclass
class FMDResult(_Result):
    """Frequency-magnitude distribution.

    Attributes
    ----------
    centres : numpy.ndarray
        Bin centres, lowest to highest occupied bin (both included; VarPy 2016's legacy FMD
        omits the top bin).
    incremental, cumulative : numpy.ndarray
        Events per bin and events in that bin or above.
    dm : float
        Bin width.
    n : int
        Events counted.
    legacy : bool
        Built with VarPy 2016's rules.
    """

    result_type: ClassVar[str] = "varpy.analysis.magnitudes:FMDResult"
    _arrays: ClassVar[tuple[str, ...]] = ("centres", "incremental", "cumulative")
    _floats: ClassVar[tuple[str, ...]] = ("dm",)

    centres: np.ndarray
    incremental: np.ndarray
    cumulative: np.ndarray
    dm: float
    n: int
    legacy: bool = False

    def to_frame(self) -> pd.DataFrame:
        """The distribution as a DataFrame (``magnitude``, ``incremental``, ``cumulative``)."""
        return pd.DataFrame({"magnitude": self.centres, "incremental": self.incremental,
                             "cumulative": self.cumulative})

    def summary(self) -> str:
        if self.centres.size == 0:
            return "FMD: no events"
        mode = self.centres[int(np.argmax(self.incremental))]
        return (f"FMD of {self.n} events, dm = {self.dm:g}, magnitudes "
                f"{self.centres[0]:g} to {self.centres[-1]:g}, mode {mode:g}"
                + (" (VarPy 2016 rules)" if self.legacy else ""))


@dataclass
class McResult(_Result):
    """Completeness magnitude and what the plots of its method need.

    Attributes
    ----------
    mc : float
        Completeness magnitude (centre of the lowest complete bin); NaN if none was found.
    method : str
        ``maxc``, ``gft``, ``mbs``, ``emr`` or ``ks``.
    dm : float
        Bin width.
    n : int
        Events the estimate used.
    sigma, ci : float, tuple
        Bootstrap standard deviation and percentile interval of Mc (NaN/None without
        ``n_boot``).
    candidates : numpy.ndarray or None
        Candidate Mc values that were tested.
    residuals : numpy.ndarray or None
        GFT goodness of fit R (%) per candidate.
    b_values, sigmas, b_averages : numpy.ndarray or None
        b, its Shi-Bolt sigma and the running mean of b per candidate (MBS; GFT, EMR and KS
        give b_values).
    p_values : numpy.ndarray or None
        KS p-value per candidate (NaN where not evaluated).
    log_likelihoods : numpy.ndarray or None
        EMR log-likelihood per candidate.
    details : dict
        Other diagnostics (GFT ``criterion``/``mc90``/``mc95``, MAXC ``mode``, EMR detection
        curve, ...).
    options : dict
        The options the method ran with.
    """

    result_type: ClassVar[str] = "varpy.analysis.magnitudes:McResult"
    _arrays: ClassVar[tuple[str, ...]] = ("candidates", "residuals", "b_values", "sigmas",
                                          "b_averages", "p_values", "log_likelihoods")
    _tuples: ClassVar[tuple[str, ...]] = ("ci",)
    _floats: ClassVar[tuple[str, ...]] = ("mc", "dm", "sigma", "conf_level")

    mc: float
    method: str
    dm: float
    n: int
    legacy: bool = False
    sigma: float = math.nan
    ci: tuple[float, float] | None = None
    conf_level: float = 0.95
    n_boot: int = 0
    candidates: np.ndarray | None = None
    residuals: np.ndarray | None = None
    b_values: np.ndarray | None = None
    sigmas: np.ndarray | None = None
    b_averages: np.ndarray | None = None
    p_values: np.ndarray | None = None
    log_likelihoods: np.ndarray | None = None
    details: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)

    @property
    def value(self) -> float:
        """Alias of :attr:`mc`."""
        return self.mc

    def summary(self) -> str:
        text = f"Mc = {self.mc:g} ({self.method}"
        crit = self.details.get("criterion")
        if isinstance(crit, str) and self.method == "gft":
            text += f", {crit} criterion"
        text += f") from {self.n} events, dm = {self.dm:g}"
        if self.n_boot:
            text += (f"; bootstrap sigma {_format(self.sigma)}"
                     f" ({self.conf_level:.0%} interval {_format(self.ci[0], 2)} to "
                     f"{_format(self.ci[1], 2)}, {self.n_boot} replicates)")
        if self.legacy:
            text += " [VarPy 2016 rules]"
        return text


@dataclass
class BValueResult(_Result):
    """Gutenberg-Richter b-value (and a-value) with its uncertainty.

    Attributes
    ----------
    b, sigma : float
        Estimate and standard error (see ``uncertainty``).
    a : float
        :math:`\\log_{10} N(\\ge M) = a - bM`, at the lower bin edge (``a_convention='edge'``)
        or the bin centre (``'centre'``, ZMAP and VarPy 2016); NaN for b-positive without mc.
    n : int
        Events used (b-positive: positive differences used).
    mc : float
        Completeness magnitude used (NaN for b-positive on the whole catalogue).
    dm : float
        Bin width (0 = continuous).
    method : str
        ``tinti_mulargia``, ``utsu``, ``aki`` or ``b_positive``.
    uncertainty : str
        ``shi_bolt``, ``tinti_mulargia``, ``aki`` or ``bootstrap``.
    ci : tuple
        ``conf_level`` interval: b -/+ z sigma for the analytic errors, percentiles for the
        bootstrap.
    delta : float
        Minimum difference for b-positive (NaN otherwise).
    mc_method : str or None
        How mc was obtained when it was estimated here.
    mean_magnitude : float
        Mean magnitude (bin centres) of the events used.
    shi_bolt_constant : float
        Constant of the Shi-Bolt sigma: 2.30 by default (Shi & Bolt's printed value, ZMAP,
        VarPy 2016), :data:`varpy.statistics.mags.LN10` with ``shi_bolt_constant='ln10'``.
    """

    result_type: ClassVar[str] = "varpy.analysis.magnitudes:BValueResult"
    _tuples: ClassVar[tuple[str, ...]] = ("ci",)
    _floats: ClassVar[tuple[str, ...]] = ("b", "sigma", "a", "mc", "dm", "conf_level", "delta",
                                          "mean_magnitude", "shi_bolt_constant")

    b: float
    sigma: float
    a: float
    n: int
    mc: float
    dm: float
    method: str
    uncertainty: str = "shi_bolt"
    ci: tuple[float, float] | None = None
    conf_level: float = 0.95
    delta: float = math.nan
    mean_magnitude: float = math.nan
    a_convention: str = "edge"
    shi_bolt_constant: float = mags.SHI_BOLT_CONSTANT
    n_boot: int = 0
    mc_method: str | None = None
    legacy: bool = False

    @property
    def beta(self) -> float:
        """:math:`\\beta = b \\ln 10`."""
        return self.b * mags.LN10

    def summary(self) -> str:
        name = {"tinti_mulargia": "Tinti-Mulargia", "utsu": "Utsu", "aki": "Aki",
                "b_positive": "b-positive"}.get(self.method, self.method)
        text = f"b = {_format(self.b)} +/- {_format(self.sigma)} ({name}, {self.uncertainty}"
        if self.ci is not None:
            text += f"; {self.conf_level:.0%} interval {_format(self.ci[0])} to " \
                    f"{_format(self.ci[1])}"
        text += f"), a = {_format(self.a)}, n = {self.n}"
        if math.isfinite(self.mc):
            text += f", Mc = {self.mc:g}" + (f" ({self.mc_method})" if self.mc_method else "")
        if self.method == "b_positive":
            text += f", delta = {self.delta:g}"
        text += f", dm = {self.dm:g}"
        if self.legacy:
            text += " [VarPy 2016 rules]"
        return text


@dataclass
class MagnitudeTimeSeries(_Result):
    """b(t) or Mc(t) in moving windows.

    Attributes
    ----------
    quantity : {'b', 'mc'}
    frame : pandas.DataFrame
        One row per window: ``start``, ``end`` (window bounds; event times of the first and
        last event for event-count windows), ``time`` (= ``end``: a value depends only on
        events before it), ``n_window`` (events in the window), ``n`` (events used), and
        ``mc``, ``b``, ``sigma``, ``ci_low``, ``ci_high``, ``a`` (b) or ``mc``, ``sigma``,
        ``ci_low``, ``ci_high`` (Mc). Times are UTC datetimes when the catalogue had
        datetimes, floats otherwise, event numbers when no times were given.
    window : dict
        ``by`` ('events' or 'time'), ``size``, ``step`` (events, or days/seconds).
    settings : dict
        The estimator options.
    """

    result_type: ClassVar[str] = "varpy.analysis.magnitudes:MagnitudeTimeSeries"

    quantity: str
    frame: pd.DataFrame
    window: dict
    time_kind: str | None = None
    settings: dict = field(default_factory=dict)

    _TIME_COLUMNS: ClassVar[tuple[str, ...]] = ("start", "end", "time")

    def to_dict(self) -> dict:
        frame = {}
        for col in self.frame.columns:
            s = self.frame[col]
            if col in self._TIME_COLUMNS and self.time_kind == "datetime":
                frame[col] = [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in s]
            else:
                frame[col] = _jsonable(s.to_numpy())
        return {"quantity": self.quantity, "frame": frame, "window": _jsonable(self.window),
                "time_kind": self.time_kind, "settings": _jsonable(self.settings)}

    @classmethod
    def from_dict(cls, d: dict):
        cols = {}
        for col, values in d["frame"].items():
            if col in cls._TIME_COLUMNS and d.get("time_kind") == "datetime":
                cols[col] = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
            elif col in ("n", "n_window"):
                cols[col] = np.asarray(values, dtype=np.int64)
            else:
                cols[col] = _array_or_none(values)
        return cls(quantity=d["quantity"], frame=pd.DataFrame(cols), window=dict(d["window"]),
                   time_kind=d.get("time_kind"), settings=dict(d.get("settings") or {}))

    def summary(self) -> str:
        col = "b" if self.quantity == "b" else "mc"
        v = self.frame[col].to_numpy(dtype=float) if len(self.frame) else np.array([])
        ok = np.isfinite(v)
        unit = "events" if self.window.get("by") == "events" else \
            self.window.get("unit", "time units")
        text = (f"{'b' if self.quantity == 'b' else 'Mc'}(t): {len(self.frame)} windows of "
                f"{self.window.get('size')} {unit}, step {self.window.get('step')}")
        if ok.any():
            text += f"; {col} from {np.min(v[ok]):.3g} to {np.max(v[ok]):.3g}" \
                    f" ({int(ok.sum())} windows with an estimate)"
        return text


# ---------------------------------------------------------------------------------------------
# FMD and Mc
# ---------------------------------------------------------------------------------------------

def fmd(data, dm: float = 0.1, *, legacy: bool = False, m_min: float = 0.1,
        column: str = "magnitude") -> FMDResult:
    """Frequency-magnitude distribution of a catalogue or magnitude array.

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        Magnitudes, or a catalogue with a ``column`` column. NaN magnitudes are ignored.
    dm : float
        Bin width.
    legacy : bool
        VarPy 2016 rules: drop ``m < m_min``, float bins, top bin omitted.

    Examples
    --------
    >>> fmd([1.0, 1.0, 1.2]).to_frame().values.tolist()
    [[1.0, 2.0, 3.0], [1.1, 0.0, 1.0], [1.2, 1.0, 1.0]]
    """
    m, _, _ = _magnitudes(data, column)
    if m.size == 0:
        raise FitError("no magnitudes to build a frequency-magnitude distribution from")
    if legacy:
        bins, inc, cum = mags.varpy2016_fmd(m, m_min, dm)
        return FMDResult(bins, inc.astype(np.float64), cum.astype(np.float64), float(dm),
                         int(cum[0]) if cum.size else 0, legacy=True)
    centres, inc, cum = mags.fmd(m, dm)
    return FMDResult(np.asarray(centres, dtype=np.float64), inc.astype(np.float64),
                     cum.astype(np.float64), float(dm), int(m.size))


_DIAG_FIELDS = {"candidates": "candidates", "residuals": "residuals", "b_values": "b_values",
                "sigmas": "sigmas", "b_averages": "b_averages", "p_values": "p_values",
                "log_likelihoods": "log_likelihoods"}


def mc(data, method: str = "maxc", dm: float = 0.1, *, legacy: bool = False,
       m_min: float = 0.1, n_boot: int = 0, conf_level: float = 0.95, seed=None,
       column: str = "magnitude", **options) -> McResult:
    """Completeness magnitude.

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        Magnitudes, or a catalogue with a ``column`` column. NaN magnitudes are ignored;
        magnitudes are binned to ``dm`` (:func:`varpy.statistics.mags.bin_index`).
    method : {'maxc', 'gft', 'mbs', 'emr', 'ks'}
        Maximum curvature, goodness-of-fit test, b-value stability, entire magnitude range,
        Kolmogorov-Smirnov/Clauset. See :mod:`varpy.statistics.mags` for each method and its
        ``options`` (e.g. ``correction=0.2`` for MAXC, ``residuals='cumulative'`` for GFT,
        ``criterion='cao_gao'`` for MBS, ``n_sim``/``refit`` for KS).
    dm : float
        Bin width of the magnitudes.
    legacy : bool
        VarPy 2016 behaviour (``maxc``, ``gft``, ``mbs`` only; ``m_min`` applies).
    n_boot : int
        If > 0, bootstrap the catalogue (multinomial redraws of the histogram) to give the
        standard deviation and percentile interval of Mc.
    seed : int, numpy.random.Generator or None
        For ``ks`` and the bootstrap.

    Returns
    -------
    McResult
    """
    m, _, _ = _magnitudes(data, column)
    if m.size == 0:
        raise FitError("no magnitudes to estimate completeness from")
    name = mags.mc_method_name(method)
    conf = _check_conf(conf_level)
    if legacy:
        return _legacy_mc(m, name, dm, m_min)
    rng = np.random.default_rng(seed)
    opts = dict(options)
    if name == "ks":
        opts["seed"] = rng
    value, diag = mags.completeness(name, m, dm, **opts)
    if not math.isfinite(value):
        warnings.warn(f"{name} found no completeness magnitude in {m.size} events; mc is NaN",
                      FitWarning, stacklevel=2)
    result = McResult(mc=float(value), method=name, dm=float(dm), n=int(m.size),
                      conf_level=conf, options=_jsonable({k: v for k, v in options.items()}))
    details = {}
    for key, val in diag.items():
        if key in _DIAG_FIELDS:
            setattr(result, _DIAG_FIELDS[key], np.asarray(val, dtype=np.float64))
        else:
            details[key] = val
    result.details = _jsonable(details)
    if n_boot:
        boot_opts = dict(options)
        reps = mags.bootstrap_mc(m, dm, name, n_boot=int(n_boot), seed=rng, **boot_opts)
        ok = reps[np.isfinite(reps)]
        result.n_boot = int(n_boot)
        if ok.size >= 2:
            result.sigma = float(np.std(ok, ddof=1))
            lo, hi = np.percentile(ok, [50 * (1 - conf), 50 * (1 + conf)])
            result.ci = (float(lo), float(hi))
        result.details["bootstrap_failures"] = int(reps.size - ok.size)
    return result


def _legacy_mc(m: np.ndarray, name: str, dm: float, m_min: float) -> McResult:
    if name not in _LEGACY_MC:
        raise DataFormatError(f"VarPy 2016 had no {name!r} completeness method", key="method",
                              expected=f"one of {', '.join(_LEGACY_MC)} with legacy=True")
    n = int(np.count_nonzero(m >= m_min))
    opts = {"m_min": float(m_min), "mbin": float(dm)}
    if name == "maxc":
        value = mags.varpy2016_mc_maxc(m, m_min, dm)
        return McResult(mc=value, method=name, dm=float(dm), n=n, legacy=True, options=opts)
    if name == "gft":
        value, best, cands, misfit = mags.varpy2016_mc_gft(m, m_min, dm)
        return McResult(mc=value, method=name, dm=float(dm), n=n, legacy=True,
                        candidates=np.asarray(cands), residuals=100.0 - np.asarray(misfit),
                        details={"criterion": best, "residual_kind": "cumulative"},
                        options=opts)
    value, cands, b, sig, bave = mags.varpy2016_mc_mbs(m, m_min, dm)
    full = np.full(len(cands), np.nan)
    full[:len(bave)] = bave
    return McResult(mc=value, method=name, dm=float(dm), n=n, legacy=True,
                    candidates=np.asarray(cands), b_values=np.asarray(b),
                    sigmas=np.asarray(sig), b_averages=full,
                    details={"criterion": "shi_bolt", "window_bins": 5}, options=opts)


# ---------------------------------------------------------------------------------------------
# b-value
# ---------------------------------------------------------------------------------------------

def _resolve_mc(data_m, mc_arg, dm, legacy, m_min, mc_options):
    """(mc value or None, name of the method that estimated it or None)."""
    if mc_arg is None:
        return None, None
    if isinstance(mc_arg, McResult):
        return float(mc_arg.mc), mc_arg.method
    if isinstance(mc_arg, str):
        res = mc(data_m, method=mc_arg, dm=dm, legacy=legacy, m_min=m_min,
                 **(mc_options or {}))
        return float(res.mc), res.method
    try:
        return float(mc_arg), None
    except (TypeError, ValueError) as exc:
        raise DataFormatError(f"mc={mc_arg!r} is not understood", key="mc",
                              expected="a magnitude, an McResult, a method name such as "
                                       "'gft', or None") from exc


def _normal_quantile(conf: float) -> float:
    """Two-sided normal quantile of ``conf`` (``scipy.stats.norm.ppf(0.5 + conf/2)``, which is
    ``special.ndtri``, without the distribution machinery's 50-100 us per call)."""
    return float(_special.ndtri(0.5 + conf / 2))


def _interval(b, sigma, conf):
    if not (math.isfinite(b) and math.isfinite(sigma)):
        return None
    z = _normal_quantile(conf)
    return (b - z * sigma, b + z * sigma)


def b_value(data, mc=None, method: str | None = None, dm: float = 0.1, *,
            uncertainty: str = "shi_bolt", conf_level: float = 0.95, n_boot: int = 1000,
            seed=None, shi_bolt_constant: float | str = mags.SHI_BOLT_CONSTANT,
            delta: float | None = None, times=None, weights=None, a_convention: str = "edge",
            legacy: bool = False, m_min: float = 0.1, mc_options: dict | None = None,
            column: str = "magnitude", time_column: str = "time") -> BValueResult:
    """Gutenberg-Richter b-value, a-value and uncertainty.

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        Magnitudes, or a catalogue with a ``column`` column (and ``time_column`` for
        b-positive). NaN magnitudes are ignored; magnitudes are binned to ``dm``.
    mc : float, McResult, str or None
        Completeness magnitude (bin centre; events ``>= mc - dm/2`` are used, so events at
        exactly ``mc`` count), a result of :func:`mc`, or a method name to estimate it here
        (``mc_options`` are passed on). None: the lowest magnitude bin (the catalogue is
        assumed complete) or, for b-positive, the whole catalogue.
    method : {'tinti_mulargia', 'utsu', 'aki', 'b_positive'}
        Default ``tinti_mulargia`` (exact discrete MLE); ``aki`` is meant for continuous
        magnitudes (``dm=0``); ``b_positive`` uses positive magnitude differences >= ``delta``
        in time order (van der Elst 2021).
    dm : float
        Bin width (0 for continuous magnitudes).
    uncertainty : {'shi_bolt', 'tinti_mulargia', 'aki', 'bootstrap'}
        Shi & Bolt (1982) with constant ``shi_bolt_constant``, the Tinti-Mulargia Fisher
        information, Aki's b/sqrt(N), or the bootstrap (``n_boot`` multinomial redraws of
        the histogram, ``seed``).
    shi_bolt_constant : float or str
        2.30 (default: the value Shi & Bolt printed, used by ZMAP and VarPy 2016) or
        ``'ln10'`` (the exact ln 10 = 2.3026 of their derivation, used by SeismoStats and
        hmtk; sigma 0.11 % larger), or any positive number
        (:func:`varpy.statistics.mags.shi_bolt_constant_value`). The result stores the number.
    conf_level : float
        Level of ``ci`` (normal approximation for the analytic errors, percentiles for the
        bootstrap).
    weights : array-like, optional
        Frequency weights (not with the bootstrap or b-positive).
    a_convention : {'edge', 'centre'}
        Magnitude the a-value refers to (see :func:`varpy.statistics.mags.a_value`).
    legacy : bool
        VarPy 2016 ``GR_mle``: Utsu b, Shi-Bolt with 2.3, a at mc, magnitudes prepared with
        ``m_min`` and compared with mc in floating point.

    Returns
    -------
    BValueResult

    Examples
    --------
    >>> from varpy.statistics.mags import simulate_gr
    >>> m = simulate_gr(5000, b=1.2, mc=1.0, dm=0.1, seed=7)
    >>> r = b_value(m, mc=1.0)
    >>> abs(r.b - 1.2) < 3 * r.sigma, r.n
    (True, 5000)
    """
    conf = _check_conf(conf_level)
    unc = str(uncertainty).lower().replace("-", "_")
    if unc not in UNCERTAINTIES:
        raise UnknownFormatError("b-value uncertainty", str(uncertainty), UNCERTAINTIES)
    dm = mags.check_bin_width(dm, allow_zero=True)
    constant = mags.shi_bolt_constant_value(shi_bolt_constant)
    # The common case (binned magnitudes, mc known, analytic sigma) reads the magnitudes once,
    # in place: NaN are skipped by the estimator itself, so no finiteness pass, mask or copy.
    direct = (not legacy and weights is None and unc != "bootstrap" and dm > 0
              and not isinstance(mc, str)
              and str(method).lower().replace("-", "_") not in ("b_positive", "positive",
                                                                "bpositive"))
    if direct:
        m_all, mask, n_rows = _magnitude_values(data, column), None, None
    else:
        m_all, mask, n_rows = _magnitudes(data, column)
    if m_all.size == 0:
        raise FitError("no magnitudes to estimate b from")
    if legacy:
        if method not in (None, "utsu"):
            raise DataFormatError(f"VarPy 2016 estimated b only with Utsu's formula, not "
                                  f"{method!r}", key="method", expected="None or 'utsu' with "
                                                                        "legacy=True")
        mc_value, mc_method = _resolve_mc(m_all, mc, dm, True, m_min, mc_options)
        if mc_value is None:
            raise DataFormatError("legacy b-value needs mc", key="mc",
                                  expected="a magnitude or 'maxc'/'gft'/'mbs'")
        b, sig, a, n = mags.varpy2016_gr_mle(m_all, mc_value, m_min, dm)
        if n < 2:
            raise FitError(f"fewer than 2 events at or above mc={mc_value}")
        return BValueResult(b=b, sigma=sig, a=a, n=n, mc=mc_value, dm=dm, method="utsu",
                            uncertainty="shi_bolt", ci=_interval(b, sig, conf),
                            conf_level=conf, a_convention="centre", shi_bolt_constant=2.3,
                            mc_method=mc_method, legacy=True)
    name = "tinti_mulargia" if method is None else str(method).lower().replace("-", "_")
    name = {"positive": "b_positive", "bpositive": "b_positive"}.get(name, name)
    if name != "b_positive":
        name = mags.b_method_name(name)
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (n_rows,):
            raise DataFormatError(f"{w.size} weights for {n_rows} events", key="weights",
                                  expected="one weight per event")
        w = w[mask]
        if unc == "bootstrap" or name == "b_positive":
            raise DataFormatError("weights cannot be combined with the bootstrap or b-positive",
                                  key="weights", expected="weights=None")
    mc_value, mc_method = _resolve_mc(m_all, mc, dm, False, m_min, mc_options)
    if mc_value is not None and not math.isfinite(mc_value):
        raise FitError(f"completeness could not be estimated ({mc_method}); give mc explicitly")

    if name == "b_positive":
        m = _binned(m_all, dm)
        t, _ = _times(data, times, time_column)
        if t is not None:
            t = t[mask]
        sel = np.ones(m.size, dtype=bool)
        if mc_value is not None:
            sel = m >= _edge(mc_value, dm)
        fit = mags.estimate_b_positive(m[sel], dm, delta=delta,
                                       times=None if t is None else t[sel])
        n = int(fit.n)
        mc_out = math.nan if mc_value is None else _centre(mc_value, dm)
        n_complete = int(sel.sum())
        a = mags.a_value(n_complete, fit.b, mc_out, dm, convention=a_convention) \
            if mc_value is not None else math.nan
        excess = None
        if unc == "bootstrap":
            excess = _positive_excess(m[sel], dm, fit.threshold,
                                      None if t is None else t[sel])
    elif direct:
        try:
            if mc_value is None:
                low = float(np.fmin.reduce(m_all))           # NaN-skipping minimum
                if math.isnan(low):
                    raise FitError("no magnitudes to estimate b from (all are NaN)")
                mc_value = _centre(low, dm)
            fit = mags.estimate_b(m_all, mc_value, dm, method=name, nan_policy="omit")
        except DataFormatError:
            _magnitudes(data, column)       # names the row and column of an infinite magnitude
            raise
        n = int(round(fit.n))
        mc_out = fit.threshold
        a = mags.a_value(fit.n, fit.b, mc_out, dm, convention=a_convention)
    else:
        if mc_value is None:
            mc_value = _centre(float(np.min(m_all)), dm)
        fit = mags.estimate_b(m_all, mc_value, dm, method=name, weights=w)
        n = int(round(fit.n))
        mc_out = fit.threshold
        a = mags.a_value(fit.n, fit.b, mc_out, dm, convention=a_convention)
    if n < 2:
        raise FitError(f"only {n} event(s) to estimate b from; at least 2 are needed")
    if not math.isfinite(fit.b):
        raise FitError("b is undefined: every event used lies in the lowest bin "
                       f"(mc={mc_out}, dm={dm})")
    ci = None
    n_used_boot = 0
    if unc == "shi_bolt":
        sigma = mags.sigma_shi_bolt(fit.b, fit.n, fit.std, constant=constant)
    elif unc == "tinti_mulargia":
        sigma = mags.sigma_tinti_mulargia(fit.b, fit.n, dm)
    elif unc == "aki":
        sigma = mags.sigma_aki(fit.b, fit.n)
    else:
        rng = np.random.default_rng(seed)      # only here: seeding from the OS costs ~20 us
        if name == "b_positive":
            reps = _bootstrap_excess(excess, dm, "tinti_mulargia", int(n_boot), rng)
        else:
            reps = mags.bootstrap_b(m_all, mc_out, dm, method=name, n_boot=int(n_boot),
                                    seed=rng)
        ok = reps[np.isfinite(reps)]
        sigma = float(np.std(ok, ddof=1)) if ok.size > 1 else math.nan
        if ok.size > 1:
            lo, hi = np.percentile(ok, [50 * (1 - conf), 50 * (1 + conf)])
            ci = (float(lo), float(hi))
        n_used_boot = int(n_boot)
    if ci is None:
        ci = _interval(fit.b, float(sigma), conf)
    return BValueResult(b=float(fit.b), sigma=float(sigma), a=float(a), n=n, mc=float(mc_out),
                        dm=dm, method=name, uncertainty=unc, ci=ci, conf_level=conf,
                        delta=float(fit.threshold) if name == "b_positive" else math.nan,
                        mean_magnitude=float(fit.mean) if name != "b_positive" else math.nan,
                        a_convention=a_convention, shi_bolt_constant=constant,
                        n_boot=n_used_boot, mc_method=mc_method)


def _edge(mc_value: float, dm: float) -> float:
    if dm == 0:
        return float(mc_value)
    return (int(mags.bin_index(float(mc_value), dm)) - 0.5 - mags.BIN_TOLERANCE) * dm


def _centre(mc_value: float, dm: float) -> float:
    if dm == 0:
        return float(mc_value)
    return mags.bin_centre(int(mags.bin_index(float(mc_value), dm)), dm)


def _positive_excess(m, dm, delta, t):
    if t is not None:
        m = m[np.argsort(t, kind="stable")]
    d = np.diff(m)
    tol = mags.BIN_TOLERANCE * dm if dm > 0 else 0.0
    return d[d >= delta - tol] - delta


def _bootstrap_excess(excess, dm, method, n_boot, rng):
    excess = np.asarray(excess, dtype=np.float64)
    if excess.size == 0:
        return np.full(n_boot, np.nan)
    if dm > 0:
        counts = np.bincount(mags.bin_index(excess, dm))
        return mags.bootstrap_b_counts(counts, dm, method=method, n_boot=n_boot, seed=rng)
    return mags.bootstrap_b(excess, 0.0, 0.0, method=method, n_boot=n_boot, seed=rng)


# ---------------------------------------------------------------------------------------------
# time series
# ---------------------------------------------------------------------------------------------

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
                  shi_bolt_constant: float | str = mags.SHI_BOLT_CONSTANT,
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
    dm = mags.check_bin_width(dm, allow_zero=True)
    conf = _check_conf(conf_level)
    name = "tinti_mulargia" if method is None else str(method).lower().replace("-", "_")
    if name != "b_positive":
        name = mags.b_method_name(name)
    unc = str(uncertainty).lower()
    if unc not in UNCERTAINTIES:
        raise UnknownFormatError("b-value uncertainty", str(uncertainty), UNCERTAINTIES)
    constant = mags.shi_bolt_constant_value(shi_bolt_constant)
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
        x = (mags.bin_index(m_c, dm) - int(mags.bin_index(mc_c, dm))).astype(np.float64)
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
        b = np.asarray(mags.b_from_mean_excess(mean_x * scale, dm, name), dtype=np.float64)
        std = scale * np.sqrt(ssd / (n - 1))
    b = np.where(n >= max(min_events, 2), b, np.nan)
    ci_low = np.full(b.size, np.nan)
    ci_high = np.full(b.size, np.nan)
    if unc == "shi_bolt":
        sigma = mags.sigma_shi_bolt(b, n, std, constant=constant)
    elif unc == "tinti_mulargia":
        sigma = mags.sigma_tinti_mulargia(b, n, dm)
    elif unc == "aki":
        sigma = mags.sigma_aki(b, n)
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
    (:func:`varpy.statistics.mags.bootstrap_mc`); ``options`` go to the Mc method.

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
    dm = mags.check_bin_width(dm)
    conf = _check_conf(conf_level)
    name = mags.mc_method_name(method)
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
