"""Result objects of the magnitude analyses: FMD, Mc, b-value and their time series.

:class:`FMDResult`, :class:`McResult`, :class:`BValueResult` and :class:`MagnitudeTimeSeries`
(dataclasses with ``summary()``, ``to_dict()`` and ``from_dict()``), their shared JSON base
``_Result`` and formatting helpers. Each class names its public home in ``result_type``
(``varpy.analysis.magnitudes:ClassName``, where stored results written before this module
existed point and where users import it).

May import: numpy, pandas, :mod:`varpy._json`, :mod:`varpy.statistics.bvalue`.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from varpy._json import json_float
from varpy._json import jsonable as _jsonable
from varpy.statistics.bvalue import LN10, SHI_BOLT_CONSTANT

__all__ = ["FMDResult", "McResult", "BValueResult", "MagnitudeTimeSeries"]


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
        VarPy 2016), :data:`varpy.statistics.bvalue.LN10` with ``shi_bolt_constant='ln10'``.
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
    shi_bolt_constant: float = SHI_BOLT_CONSTANT
    n_boot: int = 0
    mc_method: str | None = None
    legacy: bool = False

    @property
    def beta(self) -> float:
        """:math:`\\beta = b \\ln 10`."""
        return self.b * LN10

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
