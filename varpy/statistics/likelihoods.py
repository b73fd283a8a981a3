"""Log-likelihoods of inhomogeneous Poisson processes and their analytic derivatives.

Pure functions of float arrays (no varpy objects), used by :mod:`varpy.modelling.models`.
Event times ``t_i`` lie in the half-open window ``[t0, t1)``; for a rate :math:`\\lambda(t)`

.. math:: \\ln L = \\sum_i \\ln\\lambda(t_i) - \\int_{t0}^{t1}\\lambda(t)\\,dt .

Rates (formulas.md §3.10-3.13, varpy-2016.md §7.2):

========================  =================================================  =========================
model                     rate                                               parameters
========================  =================================================  =========================
constant                  :math:`k`                                          ``k``
exponential               :math:`k e^{\\lambda t}`                            ``k, lam``
inverse Omori (IOL, FFM)  :math:`k (t_f - t)^{-p}`                           ``k, tf, p``
modified Omori (MOL)      :math:`k (t + c)^{-p}`                             ``k, c, p``
creep                     :math:`k_1 (t + c)^{-p_1} + k_2 (t_f - t)^{-p_2}`  ``k1, c, p1, k2, tf, p2``
========================  =================================================  =========================

Both power laws integrate :math:`x^{-p}` over :math:`[\\delta, \\delta + T]` (with
:math:`\\delta = t_f - t_1` or :math:`t_0 + c`). Writing :math:`L = \\ln(1 + T/\\delta)` and
:math:`u = (1 - p) L`,

.. math:: J = \\int_\\delta^{\\delta+T} x^{-p}\\,dx = \\delta^{1-p} L\\, \\frac{e^u - 1}{u},

which is smooth through :math:`p = 1` (:func:`log_exprel` evaluates :math:`\\ln((e^u-1)/u)`
without the 0/0 at :math:`u = 0`; no code path tests ``p == 1``). In :math:`y = \\ln x` the
density :math:`\\propto x^{-p}` is a truncated exponential, so for fixed :math:`\\delta` the
maximum-likelihood :math:`p` solves :math:`h(u) = r` with :math:`h` = :func:`exprel_mean` and
:math:`r` the scaled mean of :math:`\\ln(\\delta + z_i)`; :func:`power_law_profile` uses this to
profile both :math:`k` (:math:`\\hat k = N/J`) and :math:`p` in closed form.

Functions return ``-inf`` (never raise) for parameters outside the model's domain (``k <= 0``,
``tf`` not after every event and after ``t1``, ``t0 + c <= 0``); optimisers treat that as
"infeasible". ``p`` may take any real value in the likelihood itself; the fitting code bounds it.

Examples
--------
>>> import numpy as np
>>> from varpy.statistics import likelihoods as lk
>>> t = np.array([1.0, 4.0, 6.0, 7.5, 8.2, 8.9])
>>> round(float(lk.iol_loglik(t, 0.0, 9.0, k=3.0, tf=10.0, p=1.0)), 6)
-7.290748
>>> # the p = 1 (hyperbolic) limit is continuous
>>> a = lk.iol_loglik(t, 0.0, 9.0, k=3.0, tf=10.0, p=1.0 + 1e-12)
>>> bool(abs(a - lk.iol_loglik(t, 0.0, 9.0, k=3.0, tf=10.0, p=1.0)) < 1e-9)
True
"""
from __future__ import annotations

import math

import numpy as np

__all__ = [
    "log_exprel",
    "exprel_mean",
    "exprel_variance",
    "exprel_mean_inverse",
    "log_power_integral",
    "power_integral",
    "LogDistanceSums",
    "power_law_terms",
    "power_law_profile",
    "constant_rate",
    "constant_integral",
    "constant_loglik",
    "constant_gradient",
    "constant_hessian",
    "exponential_rate",
    "exponential_integral",
    "exponential_loglik",
    "exponential_gradient",
    "exponential_hessian",
    "exponential_profile",
    "iol_rate",
    "iol_integral",
    "iol_loglik",
    "iol_gradient",
    "iol_hessian",
    "mol_rate",
    "mol_integral",
    "mol_loglik",
    "mol_gradient",
    "mol_hessian",
    "creep_rate",
    "creep_integral",
    "creep_loglik",
    "creep_gradient",
]

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


# --------------------------------------------------------------------------------------------
# Sums of log-distances
# --------------------------------------------------------------------------------------------

def _ascending(x):
    """``x`` sorted ascending; cheap when it already is sorted (either way)."""
    if x.size < 2:
        return x
    dx = np.diff(x)
    if np.all(dx >= 0):
        return x
    if np.all(dx <= 0):
        return x[::-1]
    return np.sort(x)


class LogDistanceSums:
    """Sums over events of ``ln(z_i + d)``, ``1/(z_i + d)`` and ``1/(z_i + d)**2`` for ``d > 0``.

    ``z_i >= 0`` are distances from the window edge the power law is anchored at
    (``t1 - t_i`` for the inverse Omori law, where ``d = tf - t1``; ``t_i - t0`` for the modified
    Omori law, where ``d = t0 + c``). Every power-law likelihood evaluation needs these sums.

    For small catalogues the sums are computed directly (one vectorised pass per ``d``). For
    large ones (``method="expansion"``, automatic above 4096 events) the events are grouped in
    geometric blocks ``[0.8**(j+1) span, 0.8**j span)``; inside a block
    ``ln(z + d) = ln(D) + ln(1 - rho w)`` with ``|rho w| <= 1/9`` for every ``d > 0``, so an
    18-term series in the block's power moments (computed once) is exact to ~1e-16 and each
    evaluation costs O(blocks x terms), independent of the number of events. Events closer than
    ``1e-13 span`` to the anchor are always summed directly.

    Parameters
    ----------
    z : array_like
        Non-negative distances.
    span : float
        Window length ``t1 - t0`` (upper end of the block scheme).
    method : {"auto", "exact", "expansion"}

    Examples
    --------
    >>> import numpy as np
    >>> z = np.random.default_rng(1).uniform(0, 10, 5000)
    >>> fast = LogDistanceSums(z, 10.0, method="expansion")
    >>> slow = LogDistanceSums(z, 10.0, method="exact")
    >>> bool(np.allclose(fast(0.3)[0], slow(0.3)[0], rtol=1e-13))
    True
    """

    _RATIO = 0.8
    _TERMS = 18
    _MIN_REL = 1e-13
    _AUTO_LIMIT = 4096

    def __init__(self, z, span: float, method: str = "auto", *, presorted: bool = False):
        z = np.asarray(z, dtype=np.float64).ravel()
        z = z if presorted else _ascending(z)
        if z.size and z[0] < 0:
            raise ValueError("distances must be non-negative")
        self.n = int(z.size)
        self.span = float(span)
        if method not in ("auto", "exact", "expansion"):
            raise ValueError(f"method must be 'auto', 'exact' or 'expansion', not {method!r}")
        if method == "auto":
            method = "expansion" if self.n > self._AUTO_LIMIT else "exact"
        self.method = method
        if method == "exact":
            self._direct = z
            return
        ratio = self._RATIO
        nblocks = int(np.ceil(np.log(self._MIN_REL) / np.log(ratio)))
        # block j holds z in [span ratio**(j+1), span ratio**j); the last block is closed at span
        edges = self.span * ratio ** np.arange(nblocks, -1, -1.0)       # ascending
        cuts = np.searchsorted(z, edges, side="left")
        cuts[-1] = z.size
        self._direct = z[:cuts[0]]
        lower, upper = edges[:-1], edges[1:]
        counts = np.diff(cuts)
        keep = counts > 0
        starts = cuts[:-1][keep]
        centre = 0.5 * (upper + lower)[keep]
        half = 0.5 * (upper - lower)[keep]
        zb = z[cuts[0]:]
        starts = starts - cuts[0]
        w = np.empty_like(zb)
        for s0, n0, c0, h0 in zip(starts, counts[keep], centre, half):
            w[s0:s0 + n0] = (c0 - zb[s0:s0 + n0]) / h0
        moments = np.empty((centre.size, self._TERMS + 1))
        moments[:, 0] = counts[keep]
        if zb.size:
            power = w.copy()
            moments[:, 1] = np.add.reduceat(power, starts)
            for m in range(2, self._TERMS + 1):
                power *= w
                moments[:, m] = np.add.reduceat(power, starts)
        self._centre = centre
        self._half = half
        self._moments = moments

    def __call__(self, d, order: int = 2):
        """Return ``(S, S1, S2)`` (``S1``/``S2`` are None below ``order``) for offsets ``d``.

        ``S = sum ln(z + d)``, ``S1 = sum 1/(z + d)``, ``S2 = sum 1/(z + d)**2``, each shaped
        like ``d``.
        """
        if self.method == "exact" and (isinstance(d, float) or np.ndim(d) == 0):
            x = self._direct + float(d)
            S = float(np.add.reduce(np.log(x)))        # = .sum(), without the method wrapper
            if order < 1:
                return S, None, None
            inv = np.reciprocal(x)                       # = 1.0 / x (one IEEE division)
            S1 = float(np.add.reduce(inv))
            return S, S1, (float(inv @ inv) if order >= 2 else None)
        d = np.asarray(d, dtype=np.float64)
        shape = d.shape
        dd = d.reshape(-1, 1)
        direct = self._direct
        # chunk so that the temporary stays below ~4e6 elements
        rows = max(1, int(4_000_000 // max(direct.size, 1)))
        if direct.size and dd.shape[0] <= rows:
            # one block (search grids): reuse the temporaries instead of allocating more
            x = direct[None, :] + dd
            work = np.log(x)
            S = np.add.reduce(work, axis=1)             # = .sum(axis=1), without the wrapper
            S1 = S2 = None
            if order >= 1:
                inv = np.divide(1.0, x, out=work)
                S1 = np.add.reduce(inv, axis=1)
                if order >= 2:
                    S2 = np.add.reduce(np.multiply(inv, inv, out=x), axis=1)
        else:
            S = np.zeros(dd.shape[0])
            S1 = np.zeros(dd.shape[0]) if order >= 1 else None
            S2 = np.zeros(dd.shape[0]) if order >= 2 else None
            for lo in range(0, dd.shape[0] if direct.size else 0, rows):
                x = direct[None, :] + dd[lo:lo + rows]
                S[lo:lo + rows] = np.log(x).sum(axis=1)
                if order >= 1:
                    inv = 1.0 / x
                    S1[lo:lo + rows] = inv.sum(axis=1)
                    if order >= 2:
                        S2[lo:lo + rows] = (inv * inv).sum(axis=1)
        if self.method == "expansion" and self._centre.size:
            D = self._centre[None, :] + dd                     # (G, B)
            rho = self._half[None, :] / D
            m = np.arange(self._TERMS + 1)
            powers = rho[..., None] ** m                        # (G, B, M+1)
            weighted = powers * self._moments[None, :, :]
            inv_m = np.r_[0.0, 1.0 / m[1:]]
            S += (self._moments[None, :, 0] * np.log(D) - weighted @ inv_m).sum(axis=1)
            if order >= 1:
                S1 += (weighted.sum(axis=2) / D).sum(axis=1)
                if order >= 2:
                    S2 += ((weighted @ (m + 1.0)) / (D * D)).sum(axis=1)
        S = S.reshape(shape)
        if order >= 1:
            S1 = S1.reshape(shape)
        if order >= 2:
            S2 = S2.reshape(shape)
        if not shape:
            S = float(S[()])
            S1 = float(S1[()]) if S1 is not None else None
            S2 = float(S2[()]) if S2 is not None else None
        return S, S1, S2


# --------------------------------------------------------------------------------------------
# Power-law core: rate k x^-p on x in [delta, delta + T]
# --------------------------------------------------------------------------------------------

def power_law_terms(n, S, S1, S2, T, delta, k, p):
    """Log-likelihood, gradient and Hessian of the power-law process in ``(k, delta, p)``.

    The process has rate ``k x**-p`` at distance ``x = z + delta`` from the anchor, observed for
    ``x`` in ``[delta, delta + T]``; ``S, S1, S2`` are the sums of :class:`LogDistanceSums` at
    ``delta``. For the inverse Omori law ``delta = tf - t1`` and for the modified Omori law
    ``delta = t0 + c``; both map to their natural parameter with unit derivative, so the
    gradient with respect to ``delta`` is the gradient with respect to ``tf`` (or ``c``).

    Returns
    -------
    ll : ndarray
    grad : ndarray, shape (..., 3)
    hess : ndarray, shape (..., 3, 3)
    """
    if (isinstance(S, float) and isinstance(S1, float) and isinstance(S2, float)
            and isinstance(delta, float) and isinstance(k, float) and isinstance(p, float)) or \
            all(np.ndim(a) == 0 for a in (S, S1, S2, delta, k, p)):
        try:
            return _power_law_terms_s(float(n), float(S), float(S1), float(S2), float(T),
                                      float(delta), float(k), float(p))
        except (OverflowError, ZeroDivisionError, ValueError):
            pass        # extreme values: the numpy version below returns inf/nan instead
    if np.ndim(S) == 0 and np.ndim(delta) == 0:
        with np.errstate(all="ignore"):
            ll, g, h = power_law_terms(n, np.atleast_1d(S), np.atleast_1d(S1),
                                       np.atleast_1d(S2), T, np.atleast_1d(delta),
                                       np.atleast_1d(k), np.atleast_1d(p))
        return ll[0], g[0], h[0]
    n = np.asarray(n, dtype=np.float64)
    S, S1, S2, delta, k, p = (np.asarray(a, dtype=np.float64) for a in (S, S1, S2, delta, k, p))
    lnd = np.log(delta)
    L = np.log1p(T / delta)
    u = (1.0 - p) * L
    A = log_exprel(u)
    lnJ = (1.0 - p) * lnd + np.log(L) + A
    J = np.exp(lnJ)
    m1 = lnd + L * exprel_mean(u)
    var = L * L * exprel_variance(u)
    dmp = np.exp(-p * lnd)                     # delta**-p
    em = np.expm1(-p * L)                      # (delta+T)**-p / delta**-p - 1
    J_d = dmp * em
    J_dd = -p * dmp / delta * np.expm1(-(p + 1.0) * L)
    J_dp = dmp * (-lnd * em - L * np.exp(-p * L))
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = n * np.log(k) - p * S - k * J
    g = np.stack([n / k - J, -p * S1 - k * J_d, -S + k * J * m1], axis=-1)
    h = np.empty(g.shape + (3,))
    h[..., 0, 0] = -n / (k * k)
    h[..., 0, 1] = h[..., 1, 0] = -J_d
    h[..., 0, 2] = h[..., 2, 0] = J * m1
    h[..., 1, 1] = p * S2 - k * J_dd
    h[..., 1, 2] = h[..., 2, 1] = -S1 - k * J_dp
    h[..., 2, 2] = -k * J * (var + m1 * m1)
    return ll, g, h


def power_law_profile(n, S, T, delta, *, p=None, p_bounds=(-np.inf, np.inf), S1=None):
    """Log-likelihood of the power-law process maximised over ``k`` (and ``p``) at fixed ``delta``.

    ``k`` is profiled analytically (``k = n / J``). If ``p`` is None it is profiled too: the
    log-likelihood is concave in ``p`` for fixed ``delta`` and its maximiser is
    ``p = 1 - u / L`` with ``exprel_mean(u) = (mean(ln x) - ln delta) / L``; the solution is
    clipped to ``p_bounds`` (which is the constrained maximiser, by concavity).

    Parameters
    ----------
    n : int
        Number of events.
    S : array_like
        ``sum ln(z_i + delta)`` at each ``delta``.
    T : float
        Window length.
    delta : array_like
        Offsets (> 0).
    p : float or array_like, optional
        Fixed exponent; profiled when None.
    p_bounds : (float, float)
        Bounds for the profiled ``p``.
    S1 : array_like, optional
        ``sum 1/(z_i + delta)``; when given the derivative of the profile with respect to
        ``ln delta`` is returned too (envelope theorem).

    Returns
    -------
    dict with ``loglik``, ``k``, ``p``, ``p_unclipped`` and, if ``S1`` was given, ``dloglik``
    (derivative with respect to ``ln delta``).
    """
    if np.ndim(delta) == 0 and np.ndim(S) == 0 and (p is None or np.ndim(p) == 0):
        try:
            return _power_law_profile_s(n, float(S), float(T), float(delta), p, p_bounds,
                                        None if S1 is None else float(S1))
        except (OverflowError, ZeroDivisionError, ValueError):
            with np.errstate(all="ignore"):
                out = power_law_profile(n, np.atleast_1d(S), T, np.atleast_1d(delta), p=p,
                                        p_bounds=p_bounds,
                                        S1=None if S1 is None else np.atleast_1d(S1))
            return {key: float(val[0]) for key, val in out.items()}
    delta = np.asarray(delta, dtype=np.float64)
    S = np.asarray(S, dtype=np.float64)
    lnd = np.log(delta)
    L = np.log1p(T / delta)
    ybar = S / n
    if p is None:
        r = (ybar - lnd) / L
        rc = ((lnd + L) - ybar) / L
        # a search grid is 1-d: skip the wrapper's reshaping
        u_free = _mean_inverse_flat(r, rc) if r.ndim == 1 else exprel_mean_inverse(r, rc)
        p_free = 1.0 - u_free / L
        # p_free is never -0.0, so this is np.clip without its per-call overhead
        p_use = np.minimum(np.maximum(p_free, p_bounds[0]), p_bounds[1])
    else:
        p_use = np.broadcast_to(np.asarray(p, dtype=np.float64), delta.shape).astype(np.float64)
        p_free = p_use
    one_minus_p = 1.0 - p_use
    A = log_exprel(one_minus_p * L)
    lnJ = one_minus_p * lnd + np.log(L) + A
    ll = n * np.log(n) - n - p_use * S - n * lnJ
    out = {"loglik": ll, "k": n * np.exp(-lnJ), "p": p_use, "p_unclipped": p_free}
    if S1 is not None:
        S1 = np.asarray(S1, dtype=np.float64)
        out["dloglik"] = n * (-np.expm1(-p_use * L)) / (L * np.exp(A)) - p_use * delta * S1
    return out


def _power_law_hessian_s(n, S1, S2, T, delta, k, p):
    """Scalar Hessian of the power law and the pieces its gradient shares with it.

    Returns ``(J, m1, J_d, h00, h01, h02, h11, h12, h22)`` as floats (the Hessian entries in
    ``(k, delta, p)`` order); :func:`_power_law_terms_s` assembles the arrays from them and
    the profile search reads the entries directly.
    """
    lnd = math.log(delta)
    L = math.log1p(T / delta)
    u = (1.0 - p) * L
    lnJ = (1.0 - p) * lnd + math.log(L) + _log_exprel_s(u)
    J = math.exp(lnJ)
    m1 = lnd + L * _mean_s(u)
    var = L * L * _var_s(u)
    dmp = math.exp(-p * lnd)
    em = math.expm1(-p * L)
    J_d = dmp * em
    J_dd = -p * dmp / delta * math.expm1(-(p + 1.0) * L)
    J_dp = dmp * (-lnd * em - L * math.exp(-p * L))
    return (J, m1, J_d, -n / (k * k), -J_d, J * m1, p * S2 - k * J_dd, -S1 - k * J_dp,
            -k * J * (var + m1 * m1))


def _power_law_terms_s(n, S, S1, S2, T, delta, k, p):
    """Scalar :func:`power_law_terms` (same formulas, ``math`` instead of numpy)."""
    J, m1, J_d, h00, h01, h02, h11, h12, h22 = _power_law_hessian_s(n, S1, S2, T, delta, k, p)
    ll = (n * math.log(k) if k > 0 else (-math.inf if n > 0 else 0.0)) - p * S - k * J
    g = np.array([n / k - J, -p * S1 - k * J_d, -S + k * J * m1])
    h = np.array([[h00, h01, h02], [h01, h11, h12], [h02, h12, h22]])
    return ll, g, h


def _power_law_profile_s(n, S, T, delta, p, p_bounds, S1):
    """Scalar :func:`power_law_profile`."""
    lnd = math.log(delta)
    L = math.log1p(T / delta)
    ybar = S / n
    if p is None:
        u_free = _mean_inverse_s((ybar - lnd) / L, ((lnd + L) - ybar) / L)
        p_free = 1.0 - u_free / L
        p_use = min(max(p_free, p_bounds[0]), p_bounds[1])
    else:
        p_use = p_free = float(p)
    u = (1.0 - p_use) * L
    A = _log_exprel_s(u)
    lnJ = (1.0 - p_use) * lnd + math.log(L) + A
    out = {"loglik": n * math.log(n) - n - p_use * S - n * lnJ, "k": n * math.exp(-lnJ),
           "p": p_use, "p_unclipped": p_free}
    if S1 is not None:
        out["dloglik"] = n * (-math.expm1(-p_use * L)) / (L * math.exp(A)) - p_use * delta * S1
    return out


# --------------------------------------------------------------------------------------------
# Constant rate
# --------------------------------------------------------------------------------------------

def constant_rate(t, k):
    """Rate ``k`` at times ``t``."""
    return np.full(np.shape(t), float(k))


def constant_integral(a, b, k):
    """Integral of the constant rate over ``[a, b]``."""
    return k * (np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64))


def constant_loglik(times, t0, t1, k):
    """``N ln k - k (t1 - t0)``; ``-inf`` for ``k <= 0``."""
    n = np.size(times)
    if not k > 0:
        return -np.inf
    return n * np.log(k) - k * (t1 - t0)


def constant_gradient(times, t0, t1, k):
    """Gradient of :func:`constant_loglik` with respect to ``k``."""
    return np.array([np.size(times) / k - (t1 - t0)])


def constant_hessian(times, t0, t1, k):
    """Hessian of :func:`constant_loglik`."""
    return np.array([[-np.size(times) / k**2]])


# --------------------------------------------------------------------------------------------
# Exponential rate k exp(lam t)
# --------------------------------------------------------------------------------------------

def exponential_rate(t, k, lam):
    """``k exp(lam t)``."""
    return k * np.exp(lam * np.asarray(t, dtype=np.float64))


def _exp_log_integral(a, b, lam):
    """ln of the integral of exp(lam t) over [a, b] (stable through lam = 0)."""
    a = np.asarray(a, dtype=np.float64)
    w = np.asarray(b, dtype=np.float64) - a
    with np.errstate(divide="ignore"):
        return lam * a + np.log(w) + log_exprel(lam * w)


def exponential_integral(a, b, k, lam):
    """Integral of ``k exp(lam t)`` over ``[a, b]`` (vectorised, stable at ``lam = 0``)."""
    return k * np.exp(_exp_log_integral(a, b, lam))


def exponential_loglik(times, t0, t1, k, lam):
    """``N ln k + lam sum(t) - k int exp(lam t)``; ``-inf`` for ``k <= 0``."""
    if not k > 0:
        return -np.inf
    times = np.asarray(times, dtype=np.float64)
    with np.errstate(over="ignore"):
        return times.size * np.log(k) + lam * times.sum() - k * np.exp(
            _exp_log_integral(t0, t1, lam))


def _exp_moments(t0, t1, lam):
    T = t1 - t0
    u = lam * T
    I = np.exp(_exp_log_integral(t0, t1, lam))
    mean = t0 + T * exprel_mean(u)
    var = T * T * exprel_variance(u)
    return I, mean, var


def exponential_gradient(times, t0, t1, k, lam):
    """Gradient of :func:`exponential_loglik` with respect to ``(k, lam)``."""
    times = np.asarray(times, dtype=np.float64)
    I, mean, _ = _exp_moments(t0, t1, lam)
    return np.array([times.size / k - I, times.sum() - k * I * mean])


def exponential_hessian(times, t0, t1, k, lam):
    """Hessian of :func:`exponential_loglik` with respect to ``(k, lam)``."""
    n = np.size(times)
    I, mean, var = _exp_moments(t0, t1, lam)
    return np.array([[-n / k**2, -I * mean], [-I * mean, -k * I * (var + mean * mean)]])


def exponential_profile(times, t0, t1):
    """Closed-form MLE of the exponential rate.

    ``lam`` solves ``mean(t) = t0 + T exprel_mean(lam T)`` (the truncated-exponential mean;
    the profile log-likelihood is concave, so the root is the unique maximum) and
    ``k = N / int exp(lam t)``.

    Returns
    -------
    (k, lam, loglik)
    """
    times = np.asarray(times, dtype=np.float64)
    n = times.size
    T = t1 - t0
    r = (times.mean() - t0) / T
    rc = (t1 - times.mean()) / T
    u = float(exprel_mean_inverse(r, rc))
    lam = u / T
    k = n / np.exp(_exp_log_integral(t0, t1, lam))
    return float(k), float(lam), float(exponential_loglik(times, t0, t1, k, lam))


# --------------------------------------------------------------------------------------------
# Inverse Omori law k (tf - t)^-p and modified Omori law k (t + c)^-p
# --------------------------------------------------------------------------------------------

def iol_rate(t, k, tf, p):
    """``k (tf - t)**-p`` (nan at or after ``tf``)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        x = tf - np.asarray(t, dtype=np.float64)
        return np.where(x > 0, k * np.exp(-p * np.log(x)), np.nan)


def iol_integral(a, b, k, tf, p):
    """Integral of the inverse Omori rate over ``[a, b]`` (``b < tf``), vectorised."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return k * power_integral(tf - b, b - a, p)


def iol_loglik(times, t0, t1, k, tf, p):
    """Inverse Omori log-likelihood ``N ln k - p sum ln(tf - t_i) - k J``; ``-inf`` off-domain.

    The domain is ``k > 0`` and ``tf > t1`` (hence after every event).
    """
    if not (k > 0 and tf > t1):
        return -np.inf
    times = np.asarray(times, dtype=np.float64)
    S = np.log(tf - times).sum()
    J = power_integral(tf - t1, t1 - t0, p)
    return times.size * np.log(k) - p * S - k * J


def iol_gradient(times, t0, t1, k, tf, p):
    """Gradient of :func:`iol_loglik` with respect to ``(k, tf, p)``."""
    times = np.asarray(times, dtype=np.float64)
    x = tf - times
    _, g, _ = power_law_terms(times.size, np.log(x).sum(), (1.0 / x).sum(), (x ** -2.0).sum(),
                              t1 - t0, tf - t1, k, p)
    return g


def iol_hessian(times, t0, t1, k, tf, p):
    """Hessian of :func:`iol_loglik` with respect to ``(k, tf, p)``."""
    times = np.asarray(times, dtype=np.float64)
    x = tf - times
    # np.add.reduce is .sum() and np.reciprocal is 1.0 / x, without the wrappers' overhead
    _, _, h = power_law_terms(times.size, np.add.reduce(np.log(x)),
                              np.add.reduce(np.reciprocal(x)), np.add.reduce(x ** -2.0),
                              t1 - t0, tf - t1, k, p)
    return h


def mol_rate(t, k, c, p):
    """``k (t + c)**-p`` (nan where ``t + c <= 0``)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.asarray(t, dtype=np.float64) + c
        return np.where(x > 0, k * np.exp(-p * np.log(x)), np.nan)


def mol_integral(a, b, k, c, p):
    """Integral of the modified Omori rate over ``[a, b]`` (``a + c > 0``), vectorised."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return k * power_integral(a + c, b - a, p)


def mol_loglik(times, t0, t1, k, c, p):
    """Modified Omori log-likelihood; ``-inf`` unless ``k > 0`` and ``t0 + c > 0``."""
    if not (k > 0 and t0 + c > 0):
        return -np.inf
    times = np.asarray(times, dtype=np.float64)
    S = np.log(times + c).sum()
    J = power_integral(t0 + c, t1 - t0, p)
    return times.size * np.log(k) - p * S - k * J


def _mol_terms(times, t0, t1, k, c, p):
    """:func:`power_law_terms` of the modified Omori law: (loglik, gradient, Hessian)."""
    times = np.asarray(times, dtype=np.float64)
    x = times + c
    return power_law_terms(times.size, np.log(x).sum(), (1.0 / x).sum(), (x ** -2.0).sum(),
                           t1 - t0, t0 + c, k, p)


def mol_gradient(times, t0, t1, k, c, p):
    """Gradient of :func:`mol_loglik` with respect to ``(k, c, p)``."""
    return _mol_terms(times, t0, t1, k, c, p)[1]


def mol_hessian(times, t0, t1, k, c, p):
    """Hessian of :func:`mol_loglik` with respect to ``(k, c, p)``."""
    return _mol_terms(times, t0, t1, k, c, p)[2]


# --------------------------------------------------------------------------------------------
# Creep: decelerating (modified Omori) plus accelerating (inverse Omori) power laws
# --------------------------------------------------------------------------------------------

def creep_rate(t, k1, c, p1, k2, tf, p2):
    """``k1 (t + c)**-p1 + k2 (tf - t)**-p2``."""
    return mol_rate(t, k1, c, p1) + iol_rate(t, k2, tf, p2)


def creep_integral(a, b, k1, c, p1, k2, tf, p2):
    """Integral of the creep rate over ``[a, b]``, vectorised."""
    return mol_integral(a, b, k1, c, p1) + iol_integral(a, b, k2, tf, p2)


def _creep_parts(times, k1, c, p1, k2, tf, p2):
    x1 = times + c
    x2 = tf - times
    l1 = np.log(x1)
    l2 = np.log(x2)
    a1 = np.log(k1) - p1 * l1
    a2 = np.log(k2) - p2 * l2
    lam = np.logaddexp(a1, a2)
    return x1, x2, l1, l2, a1, a2, lam


def creep_loglik(times, t0, t1, k1, c, p1, k2, tf, p2):
    """Creep log-likelihood; ``-inf`` unless ``k1, k2 > 0``, ``t0 + c > 0`` and ``tf > t1``."""
    if not (k1 > 0 and k2 > 0 and t0 + c > 0 and tf > t1):
        return -np.inf
    times = np.asarray(times, dtype=np.float64)
    lam = _creep_parts(times, k1, c, p1, k2, tf, p2)[-1]
    T = t1 - t0
    return lam.sum() - k1 * power_integral(t0 + c, T, p1) - k2 * power_integral(tf - t1, T, p2)


def creep_gradient(times, t0, t1, k1, c, p1, k2, tf, p2):
    """Gradient of :func:`creep_loglik` with respect to ``(k1, c, p1, k2, tf, p2)``."""
    times = np.asarray(times, dtype=np.float64)
    x1, x2, l1, l2, a1, a2, lam = _creep_parts(times, k1, c, p1, k2, tf, p2)
    w1 = np.exp(a1 - lam)
    w2 = np.exp(a2 - lam)
    T = t1 - t0
    zero = np.zeros(())
    # integral parts: reuse the power-law derivatives with n = 0 and zero sums
    _, g1, _ = power_law_terms(0.0, zero, zero, zero, T, t0 + c, k1, p1)
    _, g2, _ = power_law_terms(0.0, zero, zero, zero, T, tf - t1, k2, p2)
    return np.array([
        w1.sum() / k1 + g1[0],
        -p1 * (w1 / x1).sum() + g1[1],
        -(w1 * l1).sum() + g1[2],
        w2.sum() / k2 + g2[0],
        -p2 * (w2 / x2).sum() + g2[1],
        -(w2 * l2).sum() + g2[2],
    ])
