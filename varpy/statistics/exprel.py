"""Truncated-exponential moments and power-law integrals: the special functions of the likelihoods.

In ``y = ln x`` a density proportional to ``x**-p`` on ``[delta, delta + T]`` is a truncated
exponential; its normaliser, mean and variance are the functions here (:func:`log_exprel`,
:func:`exprel_mean`, :func:`exprel_variance`, the inverse :func:`exprel_mean_inverse`) with the
power-law integrals built on them (:func:`log_power_integral`, :func:`power_integral`). Each has a
vectorised numpy form and a scalar twin (``_*_s``, pure ``math``) for the optimisers, which
evaluate one point at a time. Series expansions take over where the closed forms cancel.

May import: numpy and math only. The public path of these names stays
:mod:`varpy.statistics.likelihoods`, which re-exports them.
"""
from __future__ import annotations

import math

import numpy as np


# Bernoulli-number series of the truncated-exponential moments, used where the closed forms
# cancel catastrophically (|u| small).
_B = (1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600, 1.0 / 47900160)
_VAR_SERIES = (1.0 / 12, -1.0 / 240, 1.0 / 6048, -1.0 / 172800, 1.0 / 5322240,
               -691.0 / 118879488000, 1.0 / 1437004800)


# --------------------------------------------------------------------------------------------
# Truncated-exponential helpers
# --------------------------------------------------------------------------------------------

def log_exprel(u):
    """``ln((exp(u) - 1) / u)``, the log-partition function of the density ``exp(u x)`` on [0, 1].

    Accurate for every real ``u`` (including ``u = 0``, where it is 0, and ``|u|`` up to
    ``1e300``). Vectorised.

    Examples
    --------
    >>> float(log_exprel(0.0)), round(float(log_exprel(1.0)), 10)   # ln(e - 1)
    (0.0, 0.5413248546)
    """
    u = np.asarray(u, dtype=np.float64)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # ln(expm1(u)/u) is accurate for u <= 1 but overflows for large u; the other form is
        # accurate for u >= 1
        small_form = np.log(np.expm1(u) / u)
        ub = np.maximum(u, 1.0)
        out = np.where(u > 1.0, ub - np.log(ub) + np.log1p(-np.exp(-ub)), small_form)
    tiny = np.abs(u) < 1e-5
    if tiny.any():
        ut = u[tiny]
        out[tiny] = ut * (0.5 + ut / 24.0)
    return out if out.ndim else out[()]


def _tail(v):
    """``1 - exprel_mean(v)`` for ``v >= 0``: ``1/v - 1/expm1(v)``, without cancellation."""
    v = np.atleast_1d(v)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        out = 1.0 / v - 1.0 / np.expm1(v)
    small = v < 0.2
    if small.any():
        vs = v[small]
        v2 = vs * vs
        series = _B[4]
        for c in _B[3::-1]:
            series = series * v2 + c
        out[small] = 0.5 - vs * series
    return out


def exprel_mean(u):
    """Mean of the density ``proportional to exp(u x)`` on [0, 1]: ``d/du log_exprel(u)``.

    Increases from 0 (``u -> -inf``) through 1/2 (``u = 0``) to 1 (``u -> inf``).
    """
    u = np.asarray(u, dtype=np.float64)
    t = _tail(np.abs(u)).reshape(u.shape)
    out = np.where(u >= 0, 1.0 - t, t)
    return out if out.ndim else out[()]


def exprel_variance(u):
    """Variance of the density ``proportional to exp(u x)`` on [0, 1] (``d2/du2 log_exprel``).

    Even in ``u``; 1/12 at ``u = 0`` and ``~1/u**2`` for large ``|u|``.
    """
    v = np.abs(np.asarray(u, dtype=np.float64))
    scalar = v.ndim == 0
    v = np.atleast_1d(v)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        out = 1.0 / (v * v) - 0.25 / np.sinh(0.5 * v) ** 2
    small = v < 0.5
    if small.any():
        v2 = v[small] ** 2
        series = _VAR_SERIES[-1]
        for c in _VAR_SERIES[-2::-1]:
            series = series * v2 + c
        out[small] = series
    return out[0] if scalar else out


# v * q / (1/2 - q) as a quartic in q, fitted to the exact inverse on [1/40, 1/2]
# (relative error < 8e-4): a start from which Newton needs three steps.
_GUESS = (35.963693, -38.00462492, 19.408482, 3.28182996, 2.01278285)


def _inverse_guess(q):
    """Approximate solution v >= 0 of ``1/v - 1/expm1(v) = q`` for q in [1/40, 1/2]."""
    g0, g1, g2, g3, g4 = _GUESS
    return ((((g0 * q + g1) * q + g2) * q + g3) * q + g4) * (0.5 - q) / q


# Coefficients (highest power first) of both small-v series of _tail_and_variance, side by
# side, for one Horner scheme over the concatenation [v**2, v**2]: the variance series on the
# first half, the tail series (padded with leading zeros: 0 * v2 + 0 is exactly 0) on the
# second. Repeated per array length and cached (the search grids have a few fixed lengths).
_JOINT_SERIES = np.array([_VAR_SERIES[::-1], (0.0,) * (len(_VAR_SERIES) - len(_B)) + _B[::-1]]).T
_JOINT_CACHE: dict = {}


def _joint_coefficients(n: int) -> np.ndarray:
    coef = _JOINT_CACHE.get(n)
    if coef is None:
        coef = np.repeat(_JOINT_SERIES, n, axis=1)
        coef.flags.writeable = False
        if len(_JOINT_CACHE) < 64:
            _JOINT_CACHE[n] = coef
    return coef


def _tail_and_variance(v):
    """``_tail(v)`` and ``exprel_variance(v)`` for 1-d ``v >= 0`` sharing one ``expm1``.

    The caller silences floating-point warnings (``v = 0`` and overflow are expected). The
    small-``v`` series are evaluated on the whole array, both in one Horner scheme, and
    selected afterwards: the Newton iteration of :func:`exprel_mean_inverse` calls this on
    short arrays, where the number of numpy calls, not their length, sets the cost. Every
    element gets exactly the floating-point operations of the scalar formulas.
    """
    inv_v = np.reciprocal(v)                 # = 1.0 / v; a Python-float operand costs more
    inv_e = np.reciprocal(np.expm1(v))
    tail = inv_v - inv_e
    var = inv_v * inv_v - inv_e - inv_e * inv_e
    n = v.shape[0]
    coef = _joint_coefficients(n)
    v2 = v * v
    w = np.concatenate((v2, v2))
    series = coef[0] * w
    series += coef[1]
    for c in coef[2:]:
        series *= w
        series += c
    np.copyto(var, series[:n], where=v < 0.5)
    np.copyto(tail, 0.5 - v * series[n:], where=v < 0.2)
    return tail, var


def exprel_mean_inverse(r, r_complement=None):
    """Solve ``exprel_mean(u) = r`` for ``u`` (vectorised), ``0 < r < 1``.

    Parameters
    ----------
    r : array_like
        Target mean in (0, 1). ``r = 0`` gives ``-inf`` and ``r = 1`` gives ``inf``.
    r_complement : array_like, optional
        ``1 - r`` computed by the caller without cancellation (improves accuracy for ``r`` close
        to 1).

    Notes
    -----
    With ``q = min(r, 1 - r)`` the solution is ``sign * v`` where ``v >= 0`` solves
    ``1/v - 1/expm1(v) = q``. That function is convex and decreasing, so Newton's method
    started below the root (at ``max(12 (1/2 - q), 1/q - 1)``) increases monotonically to it;
    four iterations reach machine precision everywhere. For ``q < 1/40`` the root is ``1/q``
    to double precision.

    Examples
    --------
    >>> u = exprel_mean_inverse([0.2, 0.5, 0.9])
    >>> [round(float(x), 10) for x in exprel_mean(u)]
    [0.2, 0.5, 0.9]
    """
    r = np.asarray(r, dtype=np.float64)
    rc = 1.0 - r if r_complement is None else np.asarray(r_complement, dtype=np.float64)
    if r.shape != rc.shape:
        r, rc = np.broadcast_arrays(r, rc)
    shape = r.shape
    out = _mean_inverse_flat(r.ravel(), rc.ravel()).reshape(shape)
    return out if out.ndim else out[()]


def _mean_inverse_flat(r, rc):
    """:func:`exprel_mean_inverse` of 1-d float arrays of one length (the search grid calls
    this directly: at ~60 points numpy's per-call cost, not the arithmetic, sets the time, so
    the steps below work in place where they can)."""
    q = np.where(r <= 0.5, r, rc)
    q.clip(0.0, 0.5, out=q)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        far = q < 1.0 / 40.0
        qn = np.where(far, 0.25, q)
        v = _inverse_guess(qn)
        for it in range(30):
            step, var = _tail_and_variance(v)
            step -= qn
            step /= var
            v += step
            np.maximum(v, 0.0, out=v)
            # from the guess Newton needs three steps; test convergence only after them
            if it >= 2 and np.logical_and.reduce(np.abs(step) <= 1e-14 * (1.0 + v)):
                break
        v = np.where(far, 1.0 / q, v)
    # sign * v with sign = -1 below r = 1/2: negation is exact
    np.negative(v, out=v, where=r < 0.5)
    nan = np.isnan(r)
    nan |= np.isnan(rc)
    v[nan] = np.nan
    return v


def log_power_integral(x0, width, p):
    """``ln`` of the integral of ``x**-p`` over ``[x0, x0 + width]`` (``x0 > 0``, ``width >= 0``).

    Uses ``delta**(1-p) * L * exprel((1-p) L)`` with ``L = log1p(width / x0)``: stable for
    every ``p`` including ``p = 1`` (where it is ``ln L``). Vectorised; ``-inf`` for zero width
    and ``nan`` when ``x0 <= 0``.
    """
    if np.ndim(x0) == 0 and np.ndim(width) == 0 and np.ndim(p) == 0:
        x0, width, p = float(x0), float(width), float(p)
        if not x0 > 0:
            return math.nan
        if width == 0:
            return -math.inf
        L = math.log1p(width / x0)
        return (1.0 - p) * math.log(x0) + math.log(L) + _log_exprel_s((1.0 - p) * L)
    x0 = np.asarray(x0, dtype=np.float64)
    width = np.asarray(width, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        L = np.log1p(width / x0)
        out = (1.0 - p) * np.log(x0) + np.log(L) + log_exprel((1.0 - p) * L)
    out = np.where(x0 > 0, out, np.nan)
    out = np.where((x0 > 0) & (width == 0), -np.inf, out)
    return out if out.ndim else out[()]


def power_integral(x0, width, p):
    """Integral of ``x**-p`` over ``[x0, x0 + width]``; see :func:`log_power_integral`."""
    return np.exp(log_power_integral(x0, width, p))


# Scalar twins of the helpers above (pure ``math``): the optimisers evaluate one point at a time
# and numpy's per-call overhead would dominate. tests/statistics/test_likelihoods.py checks that
# both versions agree.

def _log_exprel_s(u: float) -> float:
    if abs(u) < 1e-5:
        return u * (0.5 + u / 24.0)
    if u > 1.0:
        return u - math.log(u) + math.log1p(-math.exp(-u))
    return math.log(math.expm1(u) / u)


def _tail_series(v2: float) -> float:
    """The small-``v`` series of ``_tail_s`` in ``v2 = v**2`` (Horner, highest power first)."""
    b0, b1, b2, b3, b4 = _B
    return (((b4 * v2 + b3) * v2 + b2) * v2 + b1) * v2 + b0


def _var_series(v2: float) -> float:
    """The small-``v`` series of ``_var_s`` in ``v2 = v**2`` (Horner, highest power first)."""
    c0, c1, c2, c3, c4, c5, c6 = _VAR_SERIES
    return (((((c6 * v2 + c5) * v2 + c4) * v2 + c3) * v2 + c2) * v2 + c1) * v2 + c0


def _tail_s(v: float) -> float:
    if v < 0.2:
        return 0.5 - v * _tail_series(v * v)
    if v > 700.0:
        return 1.0 / v
    return 1.0 / v - 1.0 / math.expm1(v)


def _mean_s(u: float) -> float:
    t = _tail_s(abs(u))
    return 1.0 - t if u >= 0 else t


def _var_s(u: float) -> float:
    v = abs(u)
    if v < 0.5:
        return _var_series(v * v)
    if v > 60.0:                # exp(-v) v**2 < 1e-22: the second term is negligible
        return 1.0 / (v * v)
    return 1.0 / (v * v) - 0.25 / math.sinh(0.5 * v) ** 2


def _newton_step_s(v: float, q: float) -> float:
    """``(_tail_s(v) - q) / _var_s(v)`` for ``v >= 0`` with the branches of both shared (the
    loop of :func:`_mean_inverse_s` runs this a few times per profile evaluation)."""
    if v < 0.5:
        v2 = v * v
        tail = 0.5 - v * _tail_series(v2) if v < 0.2 else 1.0 / v - 1.0 / math.expm1(v)
        return (tail - q) / _var_series(v2)
    tail = 1.0 / v if v > 700.0 else 1.0 / v - 1.0 / math.expm1(v)
    var = 1.0 / (v * v) if v > 60.0 else 1.0 / (v * v) - 0.25 / math.sinh(0.5 * v) ** 2
    return (tail - q) / var


def _mean_inverse_s(r: float, rc: float) -> float:
    if math.isnan(r) or math.isnan(rc):
        return math.nan
    q = r if r <= 0.5 else rc
    sign = -1.0 if r < 0.5 else 1.0
    q = min(max(q, 0.0), 0.5)
    if q < 1.0 / 40.0:
        return sign * (1.0 / q) if q > 0 else sign * math.inf
    v = _inverse_guess(q)
    for _ in range(30):
        step = _newton_step_s(v, q)
        v = max(v + step, 0.0)
        if abs(step) <= 1e-14 * (1.0 + v):
            break
    return sign * v
