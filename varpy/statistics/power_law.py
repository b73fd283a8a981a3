"""The power-law core shared by every power-law likelihood (inverse Omori, modified Omori, creep).

:class:`LogDistanceSums` accumulates the sums over events of ``ln(z + d)``, ``1/(z + d)`` and
``1/(z + d)**2`` that each evaluation needs; :func:`power_law_terms` gives the log-likelihood with
its gradient and Hessian for a rate ``k x**-p`` on ``[delta, delta + T]``;
:func:`power_law_profile` profiles ``k`` and ``p`` in closed form for fixed ``delta``. Scalar twins
(``_*_s``) serve the optimisers.

May import: numpy, math and :mod:`varpy.statistics.exprel`. The public path of these names stays
:mod:`varpy.statistics.likelihoods`, which re-exports them.
"""
from __future__ import annotations

import math

import numpy as np

from varpy.statistics.exprel import (
    _log_exprel_s,
    _mean_inverse_flat,
    _mean_inverse_s,
    _mean_s,
    _var_s,
    exprel_mean,
    exprel_mean_inverse,
    exprel_variance,
    log_exprel,
)

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
