"""Parameters, event windows and optimiser records: the data every fit works on.

Holds :class:`Parameter` (bounds and the unconstrained coordinate a parameter is optimised
in), :class:`EventWindow` (validated event times in ``[t0, t1)`` with cached sufficient sums),
:class:`Optimum` (what an optimiser found) and the default search ranges of power-law offsets
and exponents. Re-exported by :mod:`varpy.modelling.fitting`.

May import: numpy, :mod:`varpy.exceptions`, :mod:`varpy.statistics.likelihoods`; no other
varpy.modelling module.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import numpy as np

from varpy.exceptions import DataFormatError
from varpy.statistics import likelihoods as lk

__all__ = ["Parameter", "EventWindow", "Optimum", "OFFSET_RANGE", "P_RANGE"]


#: Default search range of power-law offsets (``tf - t1`` or ``t0 + c``) in window lengths.
OFFSET_RANGE = (1e-8, 1e3)

#: Default bounds of power-law exponents.
P_RANGE = (0.0, 20.0)


@dataclass(frozen=True)
class Parameter:
    """A model parameter: natural bounds and the unconstrained coordinate used to optimise it.

    ``transform="log"`` optimises ``theta = log(x - anchor)`` (``anchor`` defaults to
    ``lower``); ``transform="linear"`` optimises ``x`` itself. ``lower``/``upper`` are the
    bounds enforced by the default and multistart optimisers (a bound may be infinite).
    """

    name: str
    lower: float = -np.inf
    upper: float = np.inf
    transform: str = "linear"
    anchor: float | None = None

    def __post_init__(self):
        if self.transform not in ("log", "linear"):
            raise ValueError(f"transform of {self.name!r} must be 'log' or 'linear'")
        if self.transform == "log" and self.anchor is None:
            if not math.isfinite(self.lower):
                raise ValueError(f"log-transformed parameter {self.name!r} needs a finite "
                                 "lower bound")
            object.__setattr__(self, "anchor", float(self.lower))

    def to_theta(self, x: float) -> float:
        if self.transform == "log":
            return math.log(x - self.anchor) if x > self.anchor else -np.inf
        return float(x)

    def from_theta(self, theta: float) -> float:
        if self.transform == "log":
            return self.anchor + math.exp(min(theta, 709.0))
        return float(theta)

    def dx_dtheta(self, x: float) -> float:
        return (x - self.anchor) if self.transform == "log" else 1.0

    def theta_bounds(self) -> tuple[float | None, float | None]:
        lo, hi = self.lower, self.upper
        if self.transform == "log":
            tlo = math.log(lo - self.anchor) if lo > self.anchor else None
            thi = math.log(hi - self.anchor) if math.isfinite(hi) else None
            return tlo, thi
        return (lo if math.isfinite(lo) else None), (hi if math.isfinite(hi) else None)

    def at_bound(self, x: float, rtol: float = 1e-6) -> str | None:
        """``'lower'``/``'upper'`` if ``x`` sits on that bound (within ``rtol`` in theta)."""
        theta = self.to_theta(x)
        tlo, thi = self.theta_bounds()
        scale = rtol * (1.0 + abs(theta)) if math.isfinite(theta) else 0.0
        if tlo is not None and theta <= tlo + scale:
            return "lower"
        if thi is not None and theta >= thi - scale:
            return "upper"
        if self.transform == "linear":
            span = (self.upper - self.lower) if math.isfinite(self.upper - self.lower) else 1.0
            if math.isfinite(self.lower) and x <= self.lower + rtol * span:
                return "lower"
            if math.isfinite(self.upper) and x >= self.upper - rtol * span:
                return "upper"
        return None


def _require_finite(arr: np.ndarray) -> None:
    """Raise :class:`DataFormatError` naming the first non-finite event time, if any."""
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"{int(bad.sum())} event time(s) are not finite (first at "
                              f"index {i}: {arr[i]!r})", key="times", expected="finite floats")


class EventWindow:
    """Validated event times in the half-open window ``[t0, t1)`` with cached sufficient sums.

    Parameters
    ----------
    times : array_like of float
        Event times on the model's float axis (e.g. days since the window start). They are
        sorted if necessary.
    t0, t1 : float
        Window; every time must satisfy ``t0 <= t < t1``.

    Raises
    ------
    DataFormatError
        If a time is not finite or lies outside the window, or ``t1 <= t0``.
    """

    def __init__(self, times, t0: float, t1: float):
        arr = np.asarray(times, dtype=np.float64).ravel()
        t0 = float(t0)
        t1 = float(t1)
        if not (math.isfinite(t0) and math.isfinite(t1) and t1 > t0):
            raise DataFormatError(f"invalid window [{t0}, {t1})", key="t0/t1",
                                  expected="finite t0 < t1")
        if arr.size > 1:
            # times that never decrease between finite ends are all finite (a NaN compares
            # false, an infinity inside is followed by a smaller time), so sorted input, the
            # common case, needs neither the full finiteness scan nor the sort
            if not (np.logical_and.reduce(arr[:-1] <= arr[1:]) and math.isfinite(arr[0])
                    and math.isfinite(arr[-1])):
                _require_finite(arr)
                arr = np.sort(arr)
        elif arr.size:
            _require_finite(arr)
        if arr.size and (arr[0] < t0 or arr[-1] >= t1):
            outside = (arr < t0) | (arr >= t1)
            raise DataFormatError(
                f"{int(outside.sum())} event time(s) lie outside the window [{t0:g}, {t1:g}) "
                f"(range of times: {arr[0]:g} to {arr[-1]:g})", key="times",
                expected="t0 <= t < t1 (half-open window; widen t1 or drop the events)")
        self.times = arr
        self.t0 = t0
        self.t1 = t1

    @property
    def n(self) -> int:
        return int(self.times.size)

    @property
    def duration(self) -> float:
        return self.t1 - self.t0

    @cached_property
    def n_distinct(self) -> int:
        """Number of distinct event times."""
        times = self.times
        if times.size < 2:
            return int(times.size)
        return int(np.count_nonzero(times[1:] > times[:-1])) + 1     # times are sorted

    @property
    def all_at_one_time(self) -> bool:
        """True when there are events and they all share one time (cheaper than
        ``n_distinct == 1``: the times are sorted, so the ends decide)."""
        return self.times.size > 0 and self.times[0] == self.times[-1]

    @cached_property
    def iol_sums(self) -> lk.LogDistanceSums:
        """Sums over ``t1 - t_i`` (inverse Omori law: offset ``tf - t1``)."""
        return lk.LogDistanceSums((self.t1 - self.times)[::-1], self.duration, presorted=True)

    @cached_property
    def mol_sums(self) -> lk.LogDistanceSums:
        """Sums over ``t_i - t0`` (modified Omori law: offset ``t0 + c``)."""
        return lk.LogDistanceSums(self.times - self.t0, self.duration, presorted=True)


@dataclass
class Optimum:
    """What an optimiser found (internal record turned into a :class:`FitResult`)."""

    x: np.ndarray                 # full natural parameter vector
    loglik: float
    converged: bool
    message: str
    method: str
    n_starts: int = 1
    n_evaluations: int = 0
    x0: list | None = None
    profile: dict | None = None   # {"tf": [...], "loglik": [...]} for a profiled failure time
    profile_fn: Callable | None = None   # s -> (loglik, dloglik) on the offset coordinate
    extra_warnings: list = field(default_factory=list)
