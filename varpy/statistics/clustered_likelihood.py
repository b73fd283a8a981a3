"""Log-likelihood of an accelerating (inverse-Omori) background with ETAS triggering.

The conditional intensity of the *clustered inverse Omori* model is

.. math:: \\lambda(t) = k (t_f - t)^{-p}
          + \\sum_{t_j < t} K e^{\\alpha (m_j - M_c)} (t - t_j + c)^{-q},

an inverse-Omori (FFM) background (formulas.md §3.13) under the temporal ETAS triggering of
Ogata (1988) (formulas.md §3.11): every event in the window triggers Omori-Utsu aftershocks
with productivity ``K exp(alpha (m - Mc))``. Events are indexed in time order and event ``j``
triggers event ``i`` when ``j < i`` (ties count once, in index order). On ``[t0, t1)``

.. math:: \\ln L = \\sum_i \\ln\\lambda(t_i) - k J(t_f - t_1, T, p)
          - K \\sum_j e^{\\alpha(m_j - M_c)} F(t_1 - t_j),\\qquad F(u) = \\int_0^u (s + c)^{-q} ds.

Parameters, in this order: ``k, tf, p, K, alpha, c, q`` (:data:`PARAM_NAMES`).
:func:`loglik_terms` returns the log-likelihood with its exact gradient and Hessian.

The triggering sum
------------------
``phi_i = sum_{j<i} a_j (t_i - t_j + c)^-q`` (``a_j = exp(alpha (m_j - Mc))``) has O(n^2) pairs.
:class:`TriggerSums` computes it (with its first and second derivatives in ``alpha, c, q``)
either exactly pair by pair (``method="exact"``, automatic up to :data:`EXACT_LIMIT` events) or
through the Laplace representation of the power law,

.. math:: x^{-q} = \\frac{1}{\\Gamma(q)} \\int_{-\\infty}^{\\infty} e^{q u - e^u x}\\,du
          \\approx \\sum_l \\frac{h\\, e^{q u_l}}{\\Gamma(q)} e^{-s_l x},\\qquad s_l = e^{u_l},

(``method="expansion"``) discretised by the trapezoidal rule on ``u_l = u_min + l h``. The
integrand is analytic in the strip ``|Im u| < pi/2``, so the rule converges geometrically
(relative error about ``2 cos(d)^-q exp(-2 pi d / h)``, ``d < pi/2``: below 1e-10 with
``h = 0.3`` for ``q <= 4``); the range ``[u_min, u_max]`` is set so that the two cut tails are
below :data:`EXPANSION_RTOL` of the kernel for every lag between 0 and the window length and
every ``c`` and ``q`` inside their bounds. The same relative accuracy then holds for ``phi``
(a sum of positive terms) and its derivatives. Each exponential term obeys the recursion
``A_i = exp(-s (t_i - t_{i-1})) (A_{i-1} + a_{i-1})``: O(n L) work (``L`` ~ 180 terms) per
value of ``alpha``, and the parameters ``c, q`` only change the weights.

An evaluation uses only the nodes its ``(c, q)`` needs (:meth:`OmoriExpansion.node_range`:
the same tail bounds at this ``c, q`` instead of the worst case, widened for the weights of the
``q``- and ``c``-derivatives). With numba (:func:`varpy._accel.numba_enabled`) one fused kernel
(:meth:`TriggerSums.triggering`) advances the recursion event by event and reduces it on the
fly to ``phi``, its gradient and the ``1/lambda``-weighted Hessian that :func:`loglik_terms`
needs (O(L) memory); the slowest nodes (``s T <= 0.1``, about a third), on which
``exp(-s lag)`` is nearly flat over the window, are replaced by 8 nodes at Chebyshev points
(interpolation in ``s``, error < 1e-17 of their terms), so the kernel runs on ~60 nodes at
``q ~ 1.2``. Without numba :meth:`TriggerSums.phi` keeps the ``(3, n, L)`` moments of the
recursion (a numpy loop, the same operations as the compiled :func:`_recursion_loop`) and
takes matrix products with the weights; the two paths agree to rounding (~1e-13).
``tests/statistics/test_clustered_likelihood.py`` checks both methods against each other
(relative 1e-9), both paths against each other, and the gradient and Hessian against finite
differences.

With ``K = 0`` the model is the inverse Omori law: :func:`loglik_terms` then returns
:func:`varpy.statistics.likelihoods.iol_loglik` (to rounding, ~1e-12).

Examples
--------
>>> import numpy as np
>>> from varpy.statistics import clustered_likelihood as cl
>>> from varpy.statistics import likelihoods as lk
>>> t = np.array([1.0, 4.0, 6.0, 7.5, 8.2, 8.9])
>>> sums = cl.TriggerSums(t, np.zeros(6), 0.0, 9.0)
>>> ll, g, h = cl.loglik_terms(sums, [3.0, 10.0, 1.0, 0.0, 0.0, 0.1, 1.2])
>>> bool(abs(ll - lk.iol_loglik(t, 0.0, 9.0, 3.0, 10.0, 1.0)) < 1e-12)
True
"""
from __future__ import annotations

import functools
import logging
import math

import numpy as np
from scipy import special

from varpy import _accel
from varpy.statistics import likelihoods as lk

__all__ = [
    "PARAM_NAMES",
    "EXACT_LIMIT",
    "EXACT_LIMIT_NO_NUMBA",
    "EXPANSION_RTOL",
    "C_RANGE",
    "Q_RANGE",
    "OmoriExpansion",
    "TriggerSums",
    "loglik_terms",
    "omori_window_integral",
]

logger = logging.getLogger(__name__)

#: Parameter order of :func:`loglik_terms`.
PARAM_NAMES = ("k", "tf", "p", "K", "alpha", "c", "q")
#: ``TriggerSums(method="auto")`` sums pairs exactly up to this many events (beyond ~80 the
#: fused expansion kernel is faster: 50 evaluations take 31 ms exact and 7 ms by expansion at
#: 200 events, 164 ms and 8 ms at 400) ...
EXACT_LIMIT = 100
#: ... and up to this many without numba (the numpy recursion breaks even at ~400 events).
EXACT_LIMIT_NO_NUMBA = 400
#: Relative accuracy of the exponential-sum kernel (both cut tails).
EXPANSION_RTOL = 1e-11
#: Bounds of the Omori offset ``c`` in window lengths.
C_RANGE = (1e-6, 1.0)
#: Bounds of the Omori exponent ``q`` of the triggering kernel.
Q_RANGE = (0.7, 4.0)


class OmoriExpansion:
    """Nodes of the exponential-sum approximation of ``x**-q`` on ``[x_min, x_max]``.

    Parameters
    ----------
    x_min, x_max : float
        Range of ``x = lag + c`` (``x_min`` = smallest allowed ``c``).
    q_range : (float, float)
        Range of ``q``.
    h : float
        Trapezoidal step in ``u = ln s`` (0.3: discretisation error < 1e-10 for ``q <= 4``).
    rtol : float
        Relative size of each cut tail.

    Examples
    --------
    >>> e = OmoriExpansion(1e-3, 10.0)
    >>> x = np.array([1e-3, 0.1, 3.0, 10.0])
    >>> approx = np.exp(e.log_weights(1.3, 0.0)) @ np.exp(-np.outer(e.s, x))
    >>> bool(np.allclose(approx, x ** -1.3, rtol=1e-9, atol=0))
    True
    """

    def __init__(self, x_min: float, x_max: float, q_range=Q_RANGE, h: float = 0.3,
                 rtol: float = EXPANSION_RTOL):
        q_lo, q_hi = float(q_range[0]), float(q_range[1])
        if not (0 < x_min < x_max and 0 < q_lo <= q_hi):
            raise ValueError("need 0 < x_min < x_max and 0 < q_lo <= q_hi")
        # lower tail: int_{-inf}^{u_min} e^{q u} du = e^{q u_min} / q, relative to Gamma(q) x^-q
        u_min = -math.log(x_max) + (math.log(rtol) + math.log(q_lo) + special.gammaln(q_lo)) / q_lo
        # upper tail: with z = e^{u_max} x_min the relative tail is <= z^(q-1) e^-z / Gamma(q)
        z = 30.0
        while (q_hi - 1.0) * math.log(z) - z - special.gammaln(q_hi) > math.log(rtol):
            z *= 1.1
        u_max = math.log(z / x_min)
        n = int(math.ceil((u_max - u_min) / h)) + 1
        self.h = float(h)
        self.rtol = float(rtol)
        self.u = u_min + h * np.arange(n, dtype=np.float64)
        self.s = np.exp(self.u)

    @property
    def size(self) -> int:
        return int(self.u.size)

    def log_weights(self, q: float, c: float) -> np.ndarray:
        """``ln W_l`` with ``(x + c)**-q ~ sum_l W_l exp(-s_l x)``."""
        return math.log(self.h) + q * self.u - self.s * c - special.gammaln(q)

    def node_range(self, q: float, c: float, lag_max: float):
        """Nodes ``lo:hi`` needed for ``(x + c)**-q`` on lags ``0 <= x <= lag_max`` at this
        ``(q, c)``.

        The cuts of the constructor, evaluated at this ``q`` and ``c`` instead of the worst
        case over their bounds, and widened so that the tails weighted as in the first and
        second derivatives in ``q`` (``(u - digamma(q))**r``) and ``c`` (``s**r``) stay below
        ``rtol`` too: the accuracy contract is unchanged (value and derivatives), and a
        typical ``q ~ 1.2`` needs ~70 % of the nodes (the fused kernel then replaces the
        slowest third of them, see :meth:`TriggerSums.triggering`).

        Examples
        --------
        >>> e = OmoriExpansion(1e-3, 10.0)
        >>> lo, hi = e.node_range(1.3, 0.01, 5.0)
        >>> x = np.array([0.0, 0.1, 3.0, 5.0])
        >>> w = np.exp(e.log_weights(1.3, 0.01))[lo:hi]
        >>> bool(np.allclose(w @ np.exp(-np.outer(e.s[lo:hi], x)), (x + 0.01) ** -1.3,
        ...                  rtol=1e-9, atol=0))
        True
        >>> bool(hi - lo < e.size)
        True
        """
        q = float(q)
        c = float(c)
        lrt = math.log(self.rtol)
        lgq = float(special.gammaln(q))
        # lower tail, with the weights (u - digamma(q))**r of the q-derivatives (r <= 2):
        # int_{-inf}^{u} (1 + (v - psi)**2) e^{q v} dv = e^{q u} (1 + d**2 + 2 d / q + 2 / q**2) / q
        # with d = psi - u > 0, relative to Gamma(q) (lag_max + c)**-q
        base = -math.log(lag_max + c) + (lrt + math.log(q) + lgq) / q
        psi = float(special.digamma(q))
        u_lo = base
        for _ in range(4):
            d = max(psi - u_lo, 0.0)
            u_lo = base - math.log(1.0 + d * d + 2.0 * d / q + 2.0 / (q * q)) / q
        # upper tail with z = e^{u} c: relative z**(q-1) e**-z / Gamma(q) for the value and
        # z**(q+1) e**-z / Gamma(q + 2) for the second c-derivative (weights s**2)
        lgq2 = float(special.gammaln(q + 2.0))
        z = 30.0
        while max((q - 1.0) * math.log(z) - lgq, (q + 1.0) * math.log(z) - lgq2) - z > lrt:
            z *= 1.1
        u_hi = math.log(z / c)
        u0 = float(self.u[0])
        lo = min(max(int(math.floor((u_lo - u0) / self.h)), 0), self.size)
        hi = min(max(int(math.ceil((u_hi - u0) / self.h)) + 1, lo), self.size)
        return lo, hi


#: Terms of the recursion and kernel weights below this are set to 0: subnormal numbers (and
#: products of two tiny numbers) would slow every later operation ~20-fold, and a term this
#: small (times a weight <= 1e40) is far below the rounding of phi (>= (T + c)^-q > 1e-20).
_TINY = 1e-150


#: In the fused kernel the nodes with ``s T <= _LOW_EPS`` (``exp(-s lag)`` nearly flat over
#: the window: about a third of them) are replaced by :data:`_LOW_NODES` nodes at the
#: Chebyshev points of ``[0, _LOW_EPS / T]``: ``exp(-s lag)`` is interpolated in ``s``, with
#: error below ``2 (_LOW_EPS / 4)**K / K! < 1e-17`` for every lag in the window (relative to the
#: replaced terms, whose weights are positive; the Lebesgue constant of the basis, ~2, bounds
#: the rounding).
_LOW_EPS = 0.1
_LOW_NODES = 8
#: Spare columns of the fused kernel's decay matrix (zero weight), so that it is reused while
#: ``c`` moves a little.
_SPARE_COLUMNS = 4


def _chebyshev_nodes(k: int, b: float) -> np.ndarray:
    """The ``k`` Chebyshev points (first kind) of ``[0, b]``, increasing."""
    j = np.arange(k)
    return 0.5 * b * (1.0 - np.cos((2 * j + 1) * math.pi / (2 * k)))


def _lagrange_basis(nodes, x) -> np.ndarray:
    """``P[k, l] = prod_{m != k} (x_l - nodes_m) / (nodes_k - nodes_m)``."""
    nodes = np.asarray(nodes, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    P = np.ones((nodes.size, x.size))
    for k in range(nodes.size):
        for m in range(nodes.size):
            if m != k:
                P[k] *= (x - nodes[m]) / (nodes[k] - nodes[m])
    return P


def _recursion_py(decay, v, out):
    """``out[k, i] = decay[i] * (out[k, i-1] + v[i-1, k])`` (``out[:, 0] = 0``), terms below
    :data:`_TINY` flushed to 0."""
    n = decay.shape[0]
    nk = v.shape[1]
    out[:, 0, :] = 0.0
    for i in range(1, n):
        d = decay[i]
        for k in range(nk):
            row = out[k, i]
            np.multiply(d, out[k, i - 1] + v[i - 1, k], out=row)
            row[row < _TINY] = 0.0
    return out


def _recursion_loop(decay, v, out):
    n, L = decay.shape
    nk = v.shape[1]
    for k in range(nk):
        for l in range(L):
            out[k, 0, l] = 0.0
    for i in range(1, n):
        for k in range(nk):
            vk = v[i - 1, k]
            for l in range(L):
                r = decay[i, l] * (out[k, i - 1, l] + vk)
                out[k, i, l] = r if r >= 1e-150 else 0.0
    return out


@functools.lru_cache(maxsize=None)
def _recursion_kernel():
    """The compiled recursion, or None without numba (same operations as the numpy loop)."""
    if not _accel.numba_enabled():
        return None
    import numba

    try:
        return numba.njit(cache=True, nogil=True)(_recursion_loop)
    except RuntimeError as exc:           # no writable cache folder
        logger.info("numba cannot cache the ETAS recursion (%s); compiling in memory", exc)
        return numba.njit(cache=False, nogil=True)(_recursion_loop)


def _fused_loop(decay, a, mu, W, sW, dW, bg, K, order, phi, gphi, S):
    """One pass of the decay recursion, reduced on the fly (the kernel of
    :meth:`TriggerSums.triggering`).

    ``decay`` (n, L) holds the decay factors of the nodes of this evaluation, contiguous (see
    :meth:`TriggerSums._kernel_decay`). For every event ``i`` the states
    ``A_r[l] = sum_{j<i} a_j mu_j**r exp(-s_l (t_i - t_j))`` (r = 0, 1, 2; terms below
    :data:`_TINY` flushed to 0, as in :func:`_recursion_loop`) are advanced in place and
    reduced to ``phi[i] = W . A_0`` and (``order >= 1``) its gradient in ``(alpha, c, q)``,
    ``(W . A_1, sW . A_0, dW . A_0)``. With ``order >= 2``,
    ``S[r, l] = sum_i A_r[l] / (bg_i + K phi_i)``: the Hessian of ``sum_i ln lambda_i`` needs
    only these weighted sums, not the per-event Hessians. O(L) memory besides the outputs.
    """
    n, L = decay.shape
    A0 = np.zeros(L)
    A1 = np.zeros(L)
    A2 = np.zeros(L)
    for r in range(3):
        for l in range(L):
            S[r, l] = 0.0
    for i in range(n):
        p0 = 0.0
        p1 = 0.0
        p2 = 0.0
        p3 = 0.0
        if i > 0:
            v0 = a[i - 1]
            v1 = v0 * mu[i - 1]
            v2 = v1 * mu[i - 1]
            if order == 0:
                for l in range(L):
                    r0 = decay[i, l] * (A0[l] + v0)
                    r0 = r0 if r0 >= 1e-150 else 0.0
                    A0[l] = r0
                    p0 += W[l] * r0
            elif order == 1:
                for l in range(L):
                    d = decay[i, l]
                    r0 = d * (A0[l] + v0)
                    r0 = r0 if r0 >= 1e-150 else 0.0
                    r1 = d * (A1[l] + v1)
                    r1 = r1 if r1 >= 1e-150 else 0.0
                    A0[l] = r0
                    A1[l] = r1
                    p0 += W[l] * r0
                    p1 += W[l] * r1
                    p2 += sW[l] * r0
                    p3 += dW[l] * r0
            else:
                for l in range(L):
                    d = decay[i, l]
                    r0 = d * (A0[l] + v0)
                    r0 = r0 if r0 >= 1e-150 else 0.0
                    r1 = d * (A1[l] + v1)
                    r1 = r1 if r1 >= 1e-150 else 0.0
                    r2 = d * (A2[l] + v2)
                    r2 = r2 if r2 >= 1e-150 else 0.0
                    A0[l] = r0
                    A1[l] = r1
                    A2[l] = r2
                    p0 += W[l] * r0
                    p1 += W[l] * r1
                    p2 += sW[l] * r0
                    p3 += dW[l] * r0
        phi[i] = p0
        if order >= 1:
            gphi[i, 0] = p1
            gphi[i, 1] = p2
            gphi[i, 2] = p3
        if order >= 2 and i > 0:
            w = 1.0 / (bg[i] + K * p0)
            for l in range(L):
                S[0, l] += w * A0[l]
                S[1, l] += w * A1[l]
                S[2, l] += w * A2[l]
    return phi


@functools.lru_cache(maxsize=None)
def _fused_kernel():
    """The compiled :func:`_fused_loop`, or None without numba. Its sums over nodes may be
    reordered (vectorised: ``fastmath`` 'reassoc' and 'contract' only), so it agrees with the
    numpy path to rounding, not bit for bit."""
    if not _accel.numba_enabled():
        return None
    import numba

    options = {"nogil": True, "fastmath": {"reassoc", "contract"}}
    try:
        return numba.njit(cache=True, **options)(_fused_loop)
    except RuntimeError as exc:           # no writable cache folder
        logger.info("numba cannot cache the ETAS kernel (%s); compiling in memory", exc)
        return numba.njit(cache=False, **options)(_fused_loop)


def omori_window_integral(u, c: float, q: float):
    """``F(u) = int_0^u (s + c)**-q ds`` and its derivatives in ``(c, q)``.

    Returns ``(F, dF (m, 2), d2F (m, 2, 2))`` for an array ``u > 0`` (via
    :func:`varpy.statistics.likelihoods.power_law_terms`, stable through ``q = 1``).
    """
    u = np.atleast_1d(np.asarray(u, dtype=np.float64))
    zero = np.zeros(u.size)
    with np.errstate(all="ignore"):
        # scalar c, k, q broadcast against the widths (same values as full arrays, less work)
        ll, g, h = lk.power_law_terms(0.0, zero, zero, zero, u, float(c), 1.0, float(q))
    F = -ll
    dF = -g[:, 1:]
    d2F = -h[:, 1:, 1:]
    return F, dF, d2F


class TriggerSums:
    """The triggering sums ``phi_i`` of an event window and their derivatives.

    Parameters
    ----------
    times : array_like
        Sorted event times in ``[t0, t1)``.
    marks : array_like
        ``m_j - Mc`` (zeros without magnitudes).
    t0, t1 : float
        Window.
    method : {"auto", "exact", "expansion"}
        Pairwise sums (exact) or the exponential-sum expansion (see the module docstring);
        ``"auto"`` is exact up to :data:`EXACT_LIMIT` events (:data:`EXACT_LIMIT_NO_NUMBA`
        without numba).
    """

    def __init__(self, times, marks, t0: float, t1: float, method: str = "auto"):
        self.times = np.asarray(times, dtype=np.float64)
        self.marks = np.asarray(marks, dtype=np.float64)
        if self.times.shape != self.marks.shape:
            raise ValueError("times and marks must have the same length")
        self.t0, self.t1 = float(t0), float(t1)
        self.T = self.t1 - self.t0
        self.n = int(self.times.size)
        if method not in ("auto", "exact", "expansion"):
            raise ValueError(f"method must be 'auto', 'exact' or 'expansion', not {method!r}")
        if method == "auto":
            limit = EXACT_LIMIT if _accel.numba_enabled() else EXACT_LIMIT_NO_NUMBA
            method = "exact" if self.n <= limit else "expansion"
        self.method = method
        self.c_bounds = (C_RANGE[0] * self.T, C_RANGE[1] * self.T)
        self.q_bounds = Q_RANGE
        self._alpha = None
        self._cache = None
        if method == "exact":
            i, j = np.tril_indices(self.n, -1)
            self._pi = i
            self._pj = j
            self._lag = self.times[i] - self.times[j]
        else:
            self.expansion = OmoriExpansion(self.c_bounds[0], self.T + self.c_bounds[1],
                                            Q_RANGE)
            gaps = np.diff(self.times, prepend=self.times[0] if self.n else 0.0)
            self._gaps = gaps
            self._decay_all = None          # the (n, L) decay factors, made when first needed
            # interpolation nodes replacing the slowest nodes in the fused kernel
            self._sigma = _chebyshev_nodes(_LOW_NODES, _LOW_EPS / self.T)
            self._decay_low = np.exp(np.multiply.outer(gaps, -self._sigma))
            self._low = None
            self._kd = None
            # the nodes 0:_n_low have s T <= _LOW_EPS
            self._n_low = int(np.searchsorted(self.expansion.s, _LOW_EPS / self.T,
                                              side="right"))
        # compensator pieces: the width of each event's remaining window, and the window
        # length itself (for the window-horizon productivity of the fitting coordinates)
        self._width = np.append(self.t1 - self.times, self.T)
        self._F_key = None
        self._F_val = None

    def _decay_columns(self, lo: int, hi: int) -> np.ndarray:
        """``exp(-s_l (t_i - t_{i-1}))`` for the nodes ``lo:hi`` (below :data:`_TINY` set
        to 0), shape ``(n, hi - lo)``."""
        d = np.multiply.outer(self._gaps, -self.expansion.s[lo:hi])
        np.exp(d, out=d)
        d[d < _TINY] = 0.0
        return d

    @property
    def _decay(self) -> np.ndarray:
        """The decay factors of every node, ``(n, L)`` (the recursion of :meth:`phi`; the
        fused kernel makes only the columns it uses)."""
        if self._decay_all is None:
            self._decay_all = self._decay_columns(0, self.expansion.size)
        return self._decay_all

    def window_integrals(self, c: float, q: float):
        """:func:`omori_window_integral` at ``t1 - t_j`` for every event and, last, at ``T``
        (cached for the last ``(c, q)``)."""
        key = (c, q)
        if self._F_key != key:
            self._F_val = omori_window_integral(self._width, c, q)
            self._F_key = key
        return self._F_val

    # ----------------------------------------------------------------- recursion (expansion)
    def _moments(self, alpha: float):
        """``(3, n, L)`` sums of ``a_j mu_j**r exp(-s_l (t_i - t_j))``, r = 0, 1, 2."""
        if self._alpha == alpha and self._cache is not None:
            return self._cache
        a = np.exp(alpha * self.marks)
        v = np.ascontiguousarray(np.stack([a, a * self.marks, a * self.marks ** 2], axis=1))
        out = np.empty((3, self.n, self.expansion.size))
        if self.n:
            kernel = _recursion_kernel()
            if kernel is not None:
                kernel(self._decay, v, out)
            else:
                _recursion_py(self._decay, v, out)
        self._alpha, self._cache = alpha, out
        return out

    def recursion(self, alpha: float, use_numba: bool | None = None):
        """The recursion's moments (for tests: ``use_numba`` forces one path)."""
        a = np.exp(alpha * self.marks)
        v = np.ascontiguousarray(np.stack([a, a * self.marks, a * self.marks ** 2], axis=1))
        out = np.empty((3, self.n, self.expansion.size))
        kernel = _recursion_kernel() if use_numba in (None, True) else None
        if use_numba and kernel is None:
            raise RuntimeError("numba is not available")
        if kernel is not None:
            return kernel(self._decay, v, out)
        return _recursion_py(self._decay, v, out)

    # ----------------------------------------------------------------- phi and derivatives
    def phi(self, alpha: float, c: float, q: float, order: int = 2):
        """``phi`` (n,), its gradient (n, 3) and Hessian (n, 3, 3) in ``(alpha, c, q)``
        (``order`` 0: only ``phi``; 1: and the gradient)."""
        n = self.n
        if self.method == "exact":
            mu = self.marks[self._pj]
            x = self._lag + c
            lx = np.log(x)
            w = np.exp(alpha * mu - q * lx)
            ix = np.reciprocal(x)

            def s(vals):
                return np.bincount(self._pi, weights=vals, minlength=n)

            phi = s(w)
            if order == 0:
                return phi, None, None
            wm = w * mu
            wx = w * ix
            wl = w * lx
            g = np.stack([s(wm), -q * s(wx), -s(wl)], axis=1)
            if order < 2:
                return phi, g, None
            H = np.empty((n, 3, 3))
            H[:, 0, 0] = s(wm * mu)
            H[:, 0, 1] = H[:, 1, 0] = -q * s(wm * ix)
            H[:, 0, 2] = H[:, 2, 0] = -s(wm * lx)
            H[:, 1, 1] = q * (q + 1.0) * s(wx * ix)
            H[:, 1, 2] = H[:, 2, 1] = s(wx * (q * lx - 1.0))
            H[:, 2, 2] = s(wl * lx)
            return phi, g, H
        R = self._moments(alpha)
        lo, hi, W, sv, du = self._weights(c, q)
        R = R[:, :, lo:hi]
        if order == 0:
            return R[0] @ W, None, None
        cols0 = [W, -sv * W, du * W]
        if order >= 2:
            cols0 += [sv * sv * W, -sv * du * W, (du * du - special.polygamma(1, q)) * W]
        P0 = R[0] @ np.stack(cols0, axis=1)
        cols1 = [W] + ([-sv * W, du * W] if order >= 2 else [])
        P1 = R[1] @ np.stack(cols1, axis=1)
        phi = P0[:, 0]
        g = np.stack([P1[:, 0], P0[:, 1], P0[:, 2]], axis=1)
        if order < 2:
            return phi, g, None
        P2 = R[2] @ W
        H = np.empty((n, 3, 3))
        H[:, 0, 0] = P2
        H[:, 0, 1] = H[:, 1, 0] = P1[:, 1]
        H[:, 0, 2] = H[:, 2, 0] = P1[:, 2]
        H[:, 1, 1] = P0[:, 3]
        H[:, 1, 2] = H[:, 2, 1] = P0[:, 4]
        H[:, 2, 2] = P0[:, 5]
        return phi, g, H

    def _weights(self, c: float, q: float):
        """Nodes ``lo:hi`` of :meth:`OmoriExpansion.node_range` at ``(c, q)`` (lags up to the
        window length), their weights ``W`` (below :data:`_TINY` set to 0), ``s`` and
        ``u - digamma(q)`` (``d ln W / dq``)."""
        e = self.expansion
        lo, hi = e.node_range(q, c, self.T)
        u = e.u[lo:hi]
        sv = e.s[lo:hi]
        W = np.exp(math.log(e.h) + q * u - sv * c - special.gammaln(q))
        W[W < _TINY] = 0.0
        return lo, hi, W, sv, u - special.digamma(q)

    def triggering(self, alpha: float, c: float, q: float, bg, K: float, order: int = 2,
                   use_numba: bool | None = None):
        """``phi`` (n,), its gradient (n, 3) in ``(alpha, c, q)`` and the weighted Hessian
        ``sum_i H_i / (bg_i + K phi_i)`` (3, 3), what :func:`loglik_terms` needs.

        With the expansion method and numba (:func:`_fused_kernel`) one pass of the decay
        recursion over the nodes of this ``(c, q)``, reduced on the fly: O(n L) work and O(L)
        memory, without the ``(3, n, L)`` moments of :meth:`phi`. Otherwise (exact sums, or no
        numba) :meth:`phi` and a weighted sum of its per-event Hessians; both paths agree to
        rounding. ``use_numba`` forces one path (for tests). ``order`` 0: ``(phi, None, None)``;
        1: ``(phi, grad, None)``.
        """
        kernel = None
        if self.method == "expansion" and use_numba in (None, True):
            kernel = _fused_kernel()
        if use_numba and kernel is None:
            raise RuntimeError("numba is not available or the sums are exact")
        if kernel is None or self.n == 0:
            phi, g, H = self.phi(alpha, c, q, order=order)
            if order < 2:
                return phi, g, None
            inv = 1.0 / (bg + K * phi)
            return phi, g, np.einsum("i,ijk->jk", inv, H)
        lo, hi, W, sv, du = self._weights(c, q)
        a = np.exp(alpha * self.marks)
        n = self.n
        # nodes lo:lt (s T <= _LOW_EPS) are replaced by the _LOW_NODES interpolation nodes
        # (each weight vector w over them is projected on the Lagrange basis: P @ w)
        lt = self._low_end(lo, hi)
        nlow = lt - lo
        P = self._low_projection(lo, lt)
        nsig = P.shape[0]
        decay, hk = self._kernel_decay(nsig > 0, lt, hi)
        pad = np.zeros(hk - hi)

        def split(w):
            # weights of the kernel's columns: interpolation nodes, nodes lt:hi, zeros to hk
            return np.concatenate([P @ w[:nlow], w[nlow:], pad])

        phi = np.empty(n)
        g = np.empty((n, 3)) if order >= 1 else np.empty((0, 3))
        S = np.empty((3, decay.shape[1]))
        bg_arr = np.ascontiguousarray(bg, dtype=np.float64) if order >= 2 else np.empty(0)
        kernel(decay, a, self.marks, split(W), split(-sv * W), split(du * W), bg_arr,
               float(K), int(order), phi, g, S)
        if order == 0:
            return phi, None, None
        if order < 2:
            return phi, g, None
        H = np.empty((3, 3))
        hcols = {(0, 0): (2, W), (0, 1): (1, -sv * W), (0, 2): (1, du * W),
                 (1, 1): (0, sv * sv * W), (1, 2): (0, -sv * du * W),
                 (2, 2): (0, (du * du - special.polygamma(1, q)) * W)}
        for (j, k), (r, w) in hcols.items():
            H[j, k] = H[k, j] = split(w) @ S[r]
        return phi, g, H

    def _kernel_decay(self, low: bool, lt: int, hi: int):
        """Contiguous decay factors of the fused kernel's columns: the interpolation nodes
        (if ``low``) and the nodes ``lt:hk``, ``hk >= hi``; returns ``(matrix, hk)``.

        A contiguous matrix streams from memory several times faster than the same columns
        read out of the full ``(n, L)`` matrix (which the kernel never needs). Successive
        evaluations of a fit move ``hi`` (set by ``c``) little, so the matrix (with a few
        spare columns, of zero weight) is kept and reused while it covers ``lt:hi`` without
        many spare columns.
        """
        if self._kd is not None:
            k_low, k_lt, k_hk, mat = self._kd
            if k_low == low and k_lt == lt and hi <= k_hk <= hi + 2 * _SPARE_COLUMNS:
                return mat, k_hk
        hk = min(hi + _SPARE_COLUMNS, self.expansion.size)
        if self._decay_all is not None:
            cols = self._decay_all[:, lt:hk]
        else:
            cols = self._decay_columns(lt, hk)
        mat = np.concatenate(([self._decay_low] if low else []) + [cols], axis=1)
        self._kd = (low, lt, hk, mat)
        return mat, hk

    def _low_end(self, lo: int, hi: int) -> int:
        """End ``lt`` of the nodes ``lo:lt`` (``s T <= _LOW_EPS``) that the fused kernel
        replaces by interpolation nodes (``lo`` when there are too few to gain)."""
        lt = min(max(self._n_low, lo), hi)
        return lo if lt - lo <= 2 * _LOW_NODES else lt

    def _low_projection(self, lo: int, lt: int):
        """``P[k, l]``: the Lagrange basis of the interpolation nodes ``sigma_k`` at ``s_l``,
        for the nodes ``lo:lt`` (``(0, 0)`` when ``lt == lo``)."""
        if lt == lo:
            return np.zeros((0, 0))
        if self._low is None:       # every node that can be replaced, once
            self._low = _lagrange_basis(self._sigma, self.expansion.s[:self._n_low])
        return self._low[:, lo:lt]

    def compensator(self, alpha: float, c: float, q: float):
        """``sum_j a_j F(t1 - t_j)`` with gradient (3,) and Hessian (3, 3) in (alpha, c, q)."""
        a = np.exp(alpha * self.marks)
        mu = self.marks
        F, dF, d2F = (v[:-1] for v in self.window_integrals(c, q))
        val = float(a @ F)
        g = np.array([float((a * mu) @ F), float(a @ dF[:, 0]), float(a @ dF[:, 1])])
        H = np.empty((3, 3))
        H[0, 0] = float((a * mu * mu) @ F)
        H[0, 1] = H[1, 0] = float((a * mu) @ dF[:, 0])
        H[0, 2] = H[2, 0] = float((a * mu) @ dF[:, 1])
        H[1, 1] = float(a @ d2F[:, 0, 0])
        H[1, 2] = H[2, 1] = float(a @ d2F[:, 0, 1])
        H[2, 2] = float(a @ d2F[:, 1, 1])
        return val, g, H


def loglik_terms(sums: TriggerSums, x, order: int = 2):
    """Log-likelihood of the clustered inverse Omori model, gradient and Hessian.

    Parameters
    ----------
    sums : TriggerSums
        The event window.
    x : sequence of 7 floats
        ``k, tf, p, K, alpha, c, q`` (:data:`PARAM_NAMES`).
    order : int
        0: log-likelihood only; 1: and gradient; 2: and Hessian.

    Returns
    -------
    (ll, grad (7,), hess (7, 7)); ``-inf`` (gradient and Hessian NaN) outside the domain
    ``k > 0, tf > t1, K >= 0, c > 0``.
    """
    k, tf, p, K, alpha, c, q = (float(v) for v in x)
    t1 = sums.t1
    nan_g = np.full(7, np.nan)
    nan_h = np.full((7, 7), np.nan)
    if not (k > 0 and tf > t1 and K >= 0 and c > 0 and math.isfinite(alpha)
            and math.isfinite(p) and math.isfinite(q)):
        return -math.inf, nan_g, nan_h
    times = sums.times
    n = sums.n
    xb = tf - times
    lx = np.log(xb)
    # background: ln bg_i = ln k - p ln x_i; its integral with derivatives in (k, tf, p)
    ll_bg, g_bg, h_bg = lk.power_law_terms(0.0, 0.0, 0.0, 0.0, sums.T, tf - t1, k, p)
    bg = np.exp(math.log(k) - p * lx)
    if K > 0:
        phi, gphi, hphi = sums.triggering(alpha, c, q, bg, K, order=order)
        comp, gcomp, hcomp = sums.compensator(alpha, c, q)
        ratio = K * phi / bg
        ll = (n * math.log(k) - p * float(lx.sum()) + float(np.log1p(ratio).sum())
              + float(ll_bg) - K * comp)
    else:
        ll = n * math.log(k) - p * float(lx.sum()) + float(ll_bg)
        if order == 0:
            return ll, None, None
        phi, gphi, hphi = sums.triggering(alpha, c, q, bg, K, order=order)
        comp, gcomp, hcomp = sums.compensator(alpha, c, q)
    if order == 0:
        return ll, None, None
    lam = bg + K * phi
    inv = 1.0 / lam
    ixb = 1.0 / xb
    # dlambda_i / dx: (7, n)
    D = np.empty((7, n))
    np.multiply(bg, 1.0 / k, out=D[0])
    np.multiply(bg, ixb, out=D[1])
    D[1] *= -p
    np.multiply(lx, bg, out=D[2])
    np.negative(D[2], out=D[2])
    D[3] = phi
    D[4:] = gphi.T
    D[4:] *= K
    g = D @ inv
    g[:3] += g_bg
    g[3] -= comp
    g[4:] -= K * gcomp
    if order < 2:
        return ll, g, None
    D *= inv
    H = -(D @ D.T)
    # second derivatives of lambda_i in (k, tf, p), weighted by 1/lambda_i
    wb = inv * bg
    wbi = wb * ixb
    s_i = float(wbi.sum())
    H[0, 1] += -p / k * s_i
    H[0, 2] += -float(wb @ lx) / k
    H[1, 1] += p * (p + 1.0) * float(wbi @ ixb)
    H[1, 2] += p * float(wbi @ lx) - s_i
    H[2, 2] += float((wb * lx) @ lx)
    H[3, 4:] += inv @ gphi
    H[4:, 4:] += K * hphi
    H[1, 0], H[2, 0], H[2, 1] = H[0, 1], H[0, 2], H[1, 2]
    H[4:, 3] = H[3, 4:]
    H[:3, :3] += h_bg
    H[3, 4:] -= gcomp
    H[4:, 3] -= gcomp
    H[4:, 4:] -= K * hcomp
    return ll, g, H
