"""Exact simulation of Poisson point processes on a time window.

A rate is any object with two methods, vectorised over float times::

    rate(t)          -> lambda(t) >= 0
    integral(a, b)   -> Lambda(a, b) = int_a^b lambda(t) dt   (b may be an array)

and, optionally, ``inverse_integral(a, u)`` returning the ``t`` with ``Lambda(a, t) = u``. The rate
models of :mod:`varpy.modelling.models` take their parameters as a second argument
(``model.rate(t, params)``); :class:`BoundRate` (or :func:`as_rate_function`) binds them.

Two exact methods are offered (VarPy 2016 thinned with a numerically *searched* maximum, which
could be exceeded near the window ends):

``"inversion"`` (default)
    Draw ``N ~ Poisson(Lambda)``; given ``N`` the times are ``N`` independent draws from the
    density ``lambda(t) / Lambda``, obtained in time order by mapping sorted uniforms through the
    inverse of ``Lambda(a, t) / Lambda`` (analytic when the rate provides ``inverse_integral``,
    otherwise a vectorised bracketed Newton root finder).
``"thinning"`` (Lewis & Shedler 1979)
    Homogeneous candidates at a *proven* bound, kept with probability ``lambda(t) / bound``.
    The bound is either a number given by the caller or ``"monotone"``: the caller asserts that
    the rate is monotone on the window, so its maximum on each of ``pieces`` sub-intervals is at
    an end point. A candidate whose rate exceeds its bound raises :class:`SimulationError`
    instead of silently biasing the sample.

The analytic rates below (:class:`ConstantRate`, :class:`OmoriRate`, :class:`InverseOmoriRate`,
:class:`ExponentialRate`, :class:`RateSum`) carry exact inverses; the composite simulators of
this package use them.

Examples
--------
>>> from varpy.simulation.point_process import OmoriRate, inhomogeneous_poisson
>>> times = inhomogeneous_poisson(OmoriRate(k=50.0, c=0.1, p=1.2), 0.0, 100.0, seed=1)
>>> bool((times[1:] >= times[:-1]).all()), bool(times.min() >= 0.0), bool(times.max() < 100.0)
(True, True, True)
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from varpy.exceptions import SimulationError

__all__ = [
    "SimulationError",
    "RateFunction",
    "BoundRate",
    "as_rate_function",
    "ConstantRate",
    "OmoriRate",
    "InverseOmoriRate",
    "ExponentialRate",
    "RateSum",
    "homogeneous_poisson",
    "inhomogeneous_poisson",
    "invert_integral",
    "sorted_uniforms",
]

logger = logging.getLogger(__name__)


@runtime_checkable
class RateFunction(Protocol):
    """The protocol a simulated rate satisfies (see the module docstring)."""

    def rate(self, t): ...  # pragma: no cover - protocol

    def integral(self, a, b): ...  # pragma: no cover - protocol


# ----------------------------------------------------------------------------------------------
# adapters
# ----------------------------------------------------------------------------------------------
class BoundRate:
    """A rate model with its parameters bound: ``BoundRate(model, params).rate(t)``.

    Parameters
    ----------
    model : object
        Anything with ``rate(t, params)`` and ``integral(a, b, params)`` (for example a class or
        instance from :mod:`varpy.modelling.models`); ``inverse_integral(a, u, params)`` is used
        when present.
    params : dict or sequence
        The parameters, passed through unchanged.
    """

    def __init__(self, model, params):
        for name in ("rate", "integral"):
            if not callable(getattr(model, name, None)):
                raise SimulationError(
                    f"{model!r} has no method {name}(..., params); a rate model needs "
                    "rate(t, params) and integral(a, b, params)")
        self.model = model
        self.params = params
        if callable(getattr(model, "inverse_integral", None)):
            self.inverse_integral = self._inverse_integral

    def rate(self, t):
        return self.model.rate(t, self.params)

    def integral(self, a, b):
        return self.model.integral(a, b, self.params)

    def _inverse_integral(self, a, u):
        return self.model.inverse_integral(a, u, self.params)

    def __repr__(self) -> str:
        name = getattr(self.model, "name", None) or getattr(self.model, "__name__", None) \
            or type(self.model).__name__
        return f"BoundRate({name}, {self.params!r})"


def as_rate_function(rate, params=None):
    """Return an object satisfying :class:`RateFunction`.

    ``rate`` is returned unchanged when ``params`` is None (it must already have ``rate(t)`` and
    ``integral(a, b)``); otherwise ``BoundRate(rate, params)``. A plain number is a constant rate.
    """
    if params is not None:
        return BoundRate(rate, params)
    if isinstance(rate, (int, float, np.integer, np.floating)) and not isinstance(rate, bool):
        return ConstantRate(float(rate))
    if not (callable(getattr(rate, "rate", None)) and callable(getattr(rate, "integral", None))):
        raise SimulationError(
            f"cannot simulate {rate!r}: expected an object with rate(t) and integral(a, b), a "
            "rate model together with params=..., or a number (constant rate)")
    return rate


# ----------------------------------------------------------------------------------------------
# analytic rates with exact inverses
# ----------------------------------------------------------------------------------------------
def _positive(name, value, *, allow_zero=False):
    value = float(value)
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise SimulationError(f"parameter {name}={value!r} is invalid (expected a finite value "
                              f"{bound})")
    return value


def _power_integral(x0, x1, q):
    """int_{x0}^{x1} x^-q dx for 0 < x0 <= x1, accurate for q near 1 (x0 may be an array)."""
    x0 = np.asarray(x0, dtype=float)
    x1 = np.asarray(x1, dtype=float)
    one_minus_q = 1.0 - q
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_ratio = np.log(x1) - np.log(x0)
        if abs(one_minus_q) < 1e-12:
            return log_ratio
        # x0^{1-q} (exp((1-q) log(x1/x0)) - 1) / (1-q), without cancellation when q ~ 1
        out = np.power(x0, one_minus_q) * np.expm1(one_minus_q * log_ratio) / one_minus_q
        # from x0 = 0 the integral is finite only for q < 1
        from_zero = np.power(x1, one_minus_q) / one_minus_q if q < 1 else np.inf
        return np.where(x0 > 0, out, np.where(x0 == 0, from_zero, np.nan))


def _power_integral_inverse(x0, v, q):
    """The x1 >= x0 with int_{x0}^{x1} x^-q dx = v (increasing branch)."""
    x0 = np.asarray(x0, dtype=float)
    v = np.asarray(v, dtype=float)
    one_minus_q = 1.0 - q
    if abs(one_minus_q) < 1e-12:
        return x0 * np.exp(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        arg = v * one_minus_q / np.power(x0, one_minus_q)
        return x0 * np.exp(np.log1p(arg) / one_minus_q)


@dataclass(frozen=True)
class ConstantRate:
    """lambda(t) = rate."""

    rate_value: float

    def __post_init__(self):
        _positive("rate", self.rate_value, allow_zero=True)

    def rate(self, t):
        return np.full(np.shape(t), float(self.rate_value))

    def integral(self, a, b):
        return self.rate_value * (np.asarray(b, dtype=float) - np.asarray(a, dtype=float))

    def inverse_integral(self, a, u):
        return np.asarray(a, dtype=float) + np.asarray(u, dtype=float) / self.rate_value


@dataclass(frozen=True)
class OmoriRate:
    """Modified Omori (Utsu 1961) decay: lambda(t) = k (t - onset + c)^-p for t >= onset, else 0."""

    k: float
    c: float
    p: float
    onset: float = 0.0

    def __post_init__(self):
        _positive("k", self.k, allow_zero=True)
        _positive("c", self.c)
        if not np.isfinite(self.p):
            raise SimulationError(f"parameter p={self.p!r} is invalid (expected a finite number)")

    def rate(self, t):
        s = np.asarray(t, dtype=float) - self.onset
        with np.errstate(invalid="ignore"):
            out = self.k * np.power(np.maximum(s, 0.0) + self.c, -self.p)
        return np.where(s >= 0, out, 0.0)

    def integral(self, a, b):
        sa = np.maximum(np.asarray(a, dtype=float) - self.onset, 0.0)
        sb = np.maximum(np.asarray(b, dtype=float) - self.onset, 0.0)
        return self.k * _power_integral(sa + self.c, np.maximum(sb, sa) + self.c, self.p)

    def inverse_integral(self, a, u):
        sa = np.maximum(np.asarray(a, dtype=float) - self.onset, 0.0)
        x = _power_integral_inverse(sa + self.c, np.asarray(u, dtype=float) / self.k, self.p)
        return x - self.c + self.onset


@dataclass(frozen=True)
class InverseOmoriRate:
    """Inverse Omori law (Voight's FFM as a rate): lambda(t) = k (tf - t)^-p for t < tf.

    The integral up to ``tf`` is infinite when ``p >= 1``; windows must then end before ``tf``.
    """

    k: float
    tf: float
    p: float

    def __post_init__(self):
        _positive("k", self.k, allow_zero=True)
        if not (np.isfinite(self.p) and np.isfinite(self.tf)):
            raise SimulationError(f"tf={self.tf!r} and p={self.p!r} must be finite numbers")

    def rate(self, t):
        s = self.tf - np.asarray(t, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(s > 0, self.k * np.power(np.where(s > 0, s, 1.0), -self.p), np.inf)

    def integral(self, a, b):
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        # int_a^b (tf - t)^-p dt = int_{tf-b}^{tf-a} x^-p dx
        return self.k * _power_integral(self.tf - b, self.tf - a, self.p)

    def inverse_integral(self, a, u):
        # Solve int_{tf-t}^{tf-a} x^-p dx = u/k for t: with y = tf - t, int_y^{x_a} x^-p = v.
        x_a = self.tf - np.asarray(a, dtype=float)
        v = np.asarray(u, dtype=float) / self.k
        q = self.p
        if abs(1.0 - q) < 1e-12:
            y = x_a * np.exp(-v)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                arg = -v * (1.0 - q) / np.power(x_a, 1.0 - q)
                y = x_a * np.exp(np.log1p(arg) / (1.0 - q))
        return self.tf - y


@dataclass(frozen=True)
class ExponentialRate:
    """lambda(t) = k exp(lam t) (lam may be negative or zero)."""

    k: float
    lam: float

    def __post_init__(self):
        _positive("k", self.k, allow_zero=True)
        if not np.isfinite(self.lam):
            raise SimulationError(f"parameter lam={self.lam!r} must be a finite number")

    def rate(self, t):
        return self.k * np.exp(self.lam * np.asarray(t, dtype=float))

    def integral(self, a, b):
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        if self.lam == 0:
            return self.k * (b - a)
        return self.k * np.exp(self.lam * a) * np.expm1(self.lam * (b - a)) / self.lam

    def inverse_integral(self, a, u):
        a = np.asarray(a, dtype=float)
        u = np.asarray(u, dtype=float)
        if self.lam == 0:
            return a + u / self.k
        return a + np.log1p(u * self.lam * np.exp(-self.lam * a) / self.k) / self.lam


class RateSum:
    """Sum of rates; simulated exactly by superposing independent processes."""

    def __init__(self, *components):
        if not components:
            raise SimulationError("RateSum needs at least one component rate")
        self.components = tuple(as_rate_function(c) for c in components)

    def rate(self, t):
        return sum(np.asarray(c.rate(t), dtype=float) for c in self.components)

    def integral(self, a, b):
        return sum(np.asarray(c.integral(a, b), dtype=float) for c in self.components)

    def __repr__(self) -> str:
        return "RateSum(" + ", ".join(repr(c) for c in self.components) + ")"


# ----------------------------------------------------------------------------------------------
# simulation
# ----------------------------------------------------------------------------------------------
def sorted_uniforms(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` sorted iid Uniform(0, 1) values in O(n) (normalised exponential spacings)."""
    if n <= 0:
        return np.empty(0)
    cum = np.cumsum(rng.standard_exponential(n + 1))
    return cum[:-1] / cum[-1]


def _window(t_start, t_end):
    t_start = float(t_start)
    t_end = float(t_end)
    if not (np.isfinite(t_start) and np.isfinite(t_end)) or t_end < t_start:
        raise SimulationError(f"invalid window [{t_start!r}, {t_end!r}) (expected finite "
                              "t_start <= t_end)")
    return t_start, t_end


def homogeneous_poisson(rate: float, t_start: float, t_end: float, seed=None) -> np.ndarray:
    """Event times of a homogeneous Poisson process on ``[t_start, t_end)``, sorted.

    Parameters
    ----------
    rate : float
        Events per unit time (>= 0).
    t_start, t_end : float
        The window.
    seed : int, numpy.random.Generator or None

    Examples
    --------
    >>> t = homogeneous_poisson(2.0, 0.0, 10.0, seed=3)
    >>> bool(((t >= 0) & (t < 10)).all())
    True
    """
    rate = _positive("rate", rate, allow_zero=True)
    t_start, t_end = _window(t_start, t_end)
    rng = np.random.default_rng(seed)
    n = int(rng.poisson(rate * (t_end - t_start)))
    return t_start + (t_end - t_start) * sorted_uniforms(n, rng)


def _total(rf, t_start, t_end) -> float:
    total = float(np.asarray(rf.integral(t_start, t_end), dtype=float))
    if not np.isfinite(total) or total < 0:
        raise SimulationError(
            f"the integrated rate on [{t_start}, {t_end}) is {total!r}; it must be finite and "
            f">= 0 (a singular rate such as k (tf - t)^-p with p >= 1 needs a window ending "
            f"before tf; negative rates are invalid) for {rf!r}")
    return total


def inhomogeneous_poisson(rate, t_start: float, t_end: float, seed=None, *, params=None,
                          method: str = "inversion", bound="monotone", pieces: int = 16,
                          max_events: int = 50_000_000) -> np.ndarray:
    """Event times of an inhomogeneous Poisson process on ``[t_start, t_end)``, sorted.

    Parameters
    ----------
    rate : RateFunction, rate model (with ``params``) or float
        The intensity, evaluated at the times of the window (its own time coordinate).
    t_start, t_end : float
        The window.
    seed : int, numpy.random.Generator or None
    params : dict or sequence, optional
        Parameters bound to a rate model (see :class:`BoundRate`).
    method : {"inversion", "thinning"}
        See the module docstring. Inversion is exact for any non-negative rate with a finite
        integral; thinning needs a bound.
    bound : float or "monotone"
        Thinning only: a number known to bound the rate on the window, or "monotone".
    pieces : int
        Thinning with ``bound="monotone"``: number of equal sub-intervals, each with its own bound
        (tightens the envelope of steep rates).
    max_events : int
        Refuse (rather than exhaust memory) when the expected count exceeds this.

    Returns
    -------
    numpy.ndarray
        Sorted float times.

    Raises
    ------
    SimulationError
        Invalid window, infinite or negative integral, a violated thinning bound.
    """
    rf = as_rate_function(rate, params)
    t_start, t_end = _window(t_start, t_end)
    rng = np.random.default_rng(seed)
    if isinstance(rf, RateSum):
        parts = [inhomogeneous_poisson(c, t_start, t_end, rng, method=method, bound=bound,
                                       pieces=pieces, max_events=max_events)
                 for c in rf.components]
        return np.sort(np.concatenate(parts), kind="stable")
    if method == "inversion":
        return _by_inversion(rf, t_start, t_end, rng, max_events)
    if method == "thinning":
        return _by_thinning(rf, t_start, t_end, rng, bound, pieces, max_events)
    raise SimulationError(f"unknown method {method!r}; valid choices are: inversion, thinning")


def _check_expected(expected, max_events):
    if expected > max_events:
        raise SimulationError(
            f"the expected number of events ({expected:.3g}) exceeds max_events={max_events}; "
            "shorten the window, lower the rate, or raise max_events")


def _by_inversion(rf, t_start, t_end, rng, max_events):
    total = _total(rf, t_start, t_end)
    _check_expected(total, max_events)
    n = int(rng.poisson(total))
    if n == 0:
        return np.empty(0)
    targets = sorted_uniforms(n, rng) * total
    times = invert_integral(rf, t_start, t_end, targets, total=total)
    # Round-off may push a time onto the window edges; the window is half-open.
    times = np.clip(times, t_start, np.nextafter(t_end, -np.inf))
    return np.maximum.accumulate(times)


def invert_integral(rf, t_start: float, t_end: float, targets, *, total: float | None = None,
                    grid_size: int = 1025, max_iter: int = 100) -> np.ndarray:
    """Times ``t`` in ``[t_start, t_end]`` with ``rf.integral(t_start, t) == targets``.

    Uses ``rf.inverse_integral`` when available. Otherwise the cumulative rate is tabulated on a
    grid, each target is bracketed between two grid nodes, and a safeguarded Newton iteration
    (bisection whenever Newton leaves the bracket or stalls) runs on all targets at once.
    """
    targets = np.asarray(targets, dtype=float)
    if targets.size == 0:
        return np.empty(0)
    if total is None:
        total = _total(rf, t_start, t_end)
    if callable(getattr(rf, "inverse_integral", None)):
        out = np.asarray(rf.inverse_integral(t_start, targets), dtype=float)
        if out.shape != targets.shape or not np.all(np.isfinite(out)):
            raise SimulationError(f"inverse_integral of {rf!r} returned non-finite times")
        return out
    grid = np.linspace(t_start, t_end, grid_size)
    cum = np.asarray(rf.integral(t_start, grid), dtype=float)
    if cum.shape != grid.shape:
        raise SimulationError(f"integral(a, b) of {rf!r} is not vectorised over b (returned "
                              f"shape {cum.shape} for {grid.shape} end points)")
    cum[0] = 0.0
    cum[-1] = total
    tol_f = 64 * np.finfo(float).eps * max(total, 1.0)
    if not np.all(np.isfinite(cum)) or np.any(np.diff(cum) < -tol_f):
        raise SimulationError(f"the integrated rate of {rf!r} is not finite and non-decreasing "
                              f"on [{t_start}, {t_end}]; is the rate negative somewhere?")
    cum = np.maximum.accumulate(cum)
    idx = np.clip(np.searchsorted(cum, targets, side="right") - 1, 0, grid_size - 2)
    lo = grid[idx].copy()
    hi = grid[idx + 1].copy()
    f_lo = cum[idx]
    f_hi = cum[idx + 1]
    span = f_hi - f_lo
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(span > 0, (targets - f_lo) / span, 0.5)
    x = lo + np.clip(frac, 0.0, 1.0) * (hi - lo)
    xtol = 4 * np.finfo(float).eps * max(abs(t_start), abs(t_end), t_end - t_start)
    active = np.arange(targets.size)
    last_err = np.full(targets.size, np.inf)
    for _ in range(max_iter):
        xa = x[active]
        err = np.asarray(rf.integral(t_start, xa), dtype=float) - targets[active]
        above = err > 0
        hi[active[above]] = xa[above]
        lo[active[~above]] = xa[~above]
        done = (np.abs(err) <= tol_f) | (hi[active] - lo[active] <= xtol)
        slope = np.asarray(rf.rate(xa), dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = xa - err / slope
        la, ha = lo[active], hi[active]
        use_newton = (np.isfinite(newton) & (newton > la) & (newton < ha)
                      & (np.abs(err) < 0.5 * last_err[active]))
        x_new = np.where(use_newton, newton, 0.5 * (la + ha))
        last_err[active] = np.abs(err)
        x[active] = np.where(done, xa, x_new)
        active = active[~done]
        if active.size == 0:
            return x
    logger.debug("invert_integral: %d of %d targets hit max_iter", active.size, targets.size)
    return x


def _by_thinning(rf, t_start, t_end, rng, bound, pieces, max_events):
    if t_end == t_start:
        return np.empty(0)
    _total(rf, t_start, t_end)
    if isinstance(bound, str):
        if bound != "monotone":
            raise SimulationError(f"unknown bound {bound!r}; give a number or 'monotone'")
        pieces = int(pieces)
        if pieces < 1:
            raise SimulationError(f"pieces={pieces} must be >= 1")
        edges = np.linspace(t_start, t_end, pieces + 1)
        # the rate at the right edge of the window is its limit from the left
        at_edges = np.asarray(rf.rate(np.append(edges[:-1], np.nextafter(t_end, -np.inf))),
                              dtype=float)
        bounds = np.maximum(at_edges[:-1], at_edges[1:])
    else:
        bound = float(bound)
        edges = np.array([t_start, t_end])
        bounds = np.array([bound])
    if not np.all(np.isfinite(bounds)) or np.any(bounds < 0):
        raise SimulationError(f"thinning bound {bounds.max()!r} is not finite and >= 0; use "
                              "method='inversion' for rates singular at the window edge")
    widths = np.diff(edges)
    # A bound whose integral is below the rate's integral on some piece cannot be a bound: this
    # catches false "monotone" claims even where no candidate would land on the violation.
    lows, highs = edges[:-1], edges[1:]
    mass = np.array([float(np.asarray(rf.integral(lo, hi), dtype=float))
                     for lo, hi in zip(lows, highs)])
    bad = mass > bounds * widths * (1 + 1e-9) + 1e-300
    if np.any(bad):
        j = int(np.argmax(bad))
        raise SimulationError(
            f"the thinning bound {bounds[j]!r} on [{lows[j]}, {highs[j]}) is below the mean rate "
            f"{mass[j] / widths[j]!r} there: the rate is not monotone (or the bound is wrong); "
            "give a valid bound or use method='inversion'")
    _check_expected(float(np.sum(bounds * widths)), max_events)
    counts = rng.poisson(bounds * widths)
    n = int(counts.sum())
    if n == 0:
        return np.empty(0)
    piece = np.repeat(np.arange(bounds.size), counts)
    cand = edges[piece] + widths[piece] * rng.random(n)
    cand.sort()
    piece = np.clip(np.searchsorted(edges, cand, side="right") - 1, 0, bounds.size - 1)
    lam = np.asarray(rf.rate(cand), dtype=float)
    env = bounds[piece]
    if np.any(lam > env * (1 + 1e-9)) or np.any(lam < 0) or not np.all(np.isfinite(lam)):
        worst = int(np.argmax(lam - env))
        raise SimulationError(
            f"the rate {lam[worst]!r} at t={cand[worst]!r} exceeds the thinning bound "
            f"{env[worst]!r} (or is negative/non-finite): the rate is not monotone there; give a "
            "larger bound or use method='inversion'")
    keep = rng.random(n) * env < lam
    return cand[keep]
