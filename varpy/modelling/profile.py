"""Profile likelihood: the global power-law offset search and profile-likelihood intervals.

:func:`power_law_search` finds the global optimum of the power-law models (inverse Omori,
hyperbolic, modified Omori) by profiling ``k`` and ``p`` in closed form and scanning the
offset ``s = log(tf - t1)`` or ``log(t0 + c)`` on a grid polished by safeguarded Newton steps;
:func:`profile_interval` turns a one-dimensional profile log-likelihood into a
likelihood-ratio confidence interval (``2 (l_max - l(s)) <= chi2_1(level)``). Both work on
float arrays and callables, not on model objects. Re-exported by
:mod:`varpy.modelling.fitting`.

May import: numpy, scipy, :mod:`varpy.exceptions`, :mod:`varpy.statistics.likelihoods`,
:mod:`varpy.modelling.events`.
"""
from __future__ import annotations

import bisect
import math
import operator
from functools import lru_cache
from typing import Callable

import numpy as np
from scipy import special

from varpy.exceptions import FitError
from varpy.modelling.events import Optimum
from varpy.statistics import likelihoods as lk

__all__ = ["power_law_search", "profile_interval"]


# --------------------------------------------------------------------------------------------
# Power-law profile search (inverse Omori, hyperbolic, modified Omori)
# --------------------------------------------------------------------------------------------

class _PowerLawProfile:
    """Profile log-likelihood of a power law as a function of ``s = log(offset)``."""

    def __init__(self, sums: lk.LogDistanceSums, n: int, T: float, p_fixed: float | None,
                 p_bounds: tuple[float, float]):
        self.sums = sums
        self.n = n
        self.T = T
        self.p_fixed = p_fixed
        self.p_bounds = p_bounds
        self.n_evaluations = 0

    def __call__(self, s, order: int = 1):
        """Profile at ``s = log(offset)``: dict with loglik, k, p, dloglik (d/ds) and, for
        ``order >= 2``, d2loglik. Scalars in, floats out; arrays in, arrays out."""
        if not isinstance(s, float):
            if order >= 2:
                raise ValueError("second derivatives are computed one point at a time")
            delta = np.exp(np.asarray(s, dtype=np.float64))
            self.n_evaluations += int(np.size(s))
            S, S1, _ = self.sums(delta, order=1)
            return lk.power_law_profile(self.n, S, self.T, delta, p=self.p_fixed,
                                        p_bounds=self.p_bounds, S1=S1)
        # one point (the Newton polish and the interval search): pure math, no numpy calls
        # beyond the sums
        delta = math.exp(s)
        self.n_evaluations += 1
        S, S1, S2 = self.sums(delta, order=2 if order >= 2 else 1)
        try:
            out = lk._power_law_profile_s(self.n, S, self.T, delta, self.p_fixed,
                                          self.p_bounds, S1)
        except (OverflowError, ZeroDivisionError, ValueError):
            out = lk.power_law_profile(self.n, S, self.T, delta, p=self.p_fixed,
                                       p_bounds=self.p_bounds, S1=S1)
        if order >= 2:
            out["d2loglik"] = self._curvature(out, S, S1, S2, delta)
        return out

    def _curvature(self, out: dict, S: float, S1: float, S2: float, delta: float) -> float:
        """Second derivative of the profile in ``s`` at one point (``out`` is its profile)."""
        try:
            h00, h01, h02, h11, h12, h22 = lk._power_law_hessian_s(
                float(self.n), S1, S2, self.T, delta, out["k"], out["p"])[3:]
        except (OverflowError, ZeroDivisionError, ValueError):
            _, _, h = lk.power_law_terms(self.n, S, S1, S2, self.T, delta, out["k"], out["p"])
            h00, h01, h02, h11, h12, h22 = (h[0, 0], h[0, 1], h[0, 2], h[1, 1], h[1, 2],
                                            h[2, 2])
        interior = self.p_fixed is None and self.p_bounds[0] < out["p"] < self.p_bounds[1]
        # Schur complement: curvature of the profile in delta, eliminating k (and p)
        hdd = h11 - h01 ** 2 / h00
        if interior:
            hpp = h22 - h02 ** 2 / h00
            hdp = h12 - h01 * h02 / h00
            if hpp < 0:
                hdd -= hdp ** 2 / hpp
        return delta * delta * hdd + out["dloglik"]


def _hermite(x0, x1, f0, f1, d0, d1):
    """Cubic Hermite interpolant on [x0, x1] as coefficients of t = (x - x0) / (x1 - x0)."""
    h = x1 - x0
    return (f0, h * d0, 3.0 * (f1 - f0) - h * (2.0 * d0 + d1),
            2.0 * (f0 - f1) + h * (d0 + d1), h)


def _hermite_argmax(x0, x1, f0, f1, d0, d1) -> float:
    """Where the Hermite cubic through the end values and slopes is largest on [x0, x1]."""
    a, b, c, e, h = _hermite(x0, x1, f0, f1, d0, d1)
    ts = [0.0, 1.0]
    if abs(e) > 1e-300:
        disc = c * c - 3.0 * e * b
        if disc >= 0:
            r = math.sqrt(disc)
            ts += [(-c + r) / (3.0 * e), (-c - r) / (3.0 * e)]
    elif abs(c) > 1e-300:
        ts.append(-b / (2.0 * c))
    ts = [t for t in ts if 0.0 <= t <= 1.0]
    best = max(ts, key=lambda t: a + t * (b + t * (c + t * e)))
    return x0 + best * h


def _hermite_root(x0, x1, f0, f1, d0, d1) -> float:
    """A root of the Hermite cubic in [x0, x1] (``f0`` and ``f1`` of opposite sign)."""
    a, b, c, e, h = _hermite(x0, x1, f0, f1, d0, d1)
    lo, hi = 0.0, 1.0
    # lo only moves to points where the cubic has the sign it has at 0, so that sign is fixed
    positive = a > 0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if (a + mid * (b + mid * (c + mid * e)) > 0) == positive:
            lo = mid
        else:
            hi = mid
    return x0 + 0.5 * (lo + hi) * h


def _maximise_bracketed(prof: _PowerLawProfile, a: float, b: float, s: float,
                        tol: float = 1e-10, maxiter: int = 60):
    """Safeguarded Newton on the derivative of the profile inside [a, b], from ``s``.

    Stops when the step is below ``tol`` (relative), or when Newton is unusable and the
    largest gain still possible inside the bracket, ``|d| (b - a)``, is below 1e-12 of the
    log-likelihood (flat profiles, e.g. with ``p`` on a bound, would otherwise need a long
    bisection for nothing).
    """
    out = None
    for _ in range(maxiter):
        out = prof(s, order=2)
        d = out["dloglik"]
        d2 = out["d2loglik"]
        if d > 0:
            a = s
        else:
            b = s
        new = s - d / d2 if (d2 < 0 and math.isfinite(d2)) else math.nan
        if a < new < b and abs(new - s) < tol * (1.0 + abs(s)):
            # converged: the remaining step changes the log-likelihood by ~ d**2 / |d2|,
            # far below rounding, so the evaluation at s stands
            return s, out
        if not (a < new < b):
            if abs(d) * (b - a) < 1e-12 * max(1.0, abs(out["loglik"])):
                return s, out
            new = 0.5 * (a + b)
        if b - a < tol * (1.0 + abs(s)):
            break
        s = new
    return s, prof(s, order=1)


def _grid_maxima(ll: list, threshold: float) -> list:
    """Indices of the (up to three highest) local maxima of ``ll`` at or above ``threshold``.

    The ends count when they are not below their neighbour (the derivative points outwards);
    on a plateau (e.g. ``p`` clipped at 0 makes the profile flat) only the first point of a run
    is kept.
    """
    last = len(ll) - 1
    cand = []
    prev = -2                     # index of the previous local maximum
    for i in [i for i, v in enumerate(ll) if v >= threshold]:
        v = ll[i]
        if (i == 0 or v >= ll[i - 1]) and (i == last or v >= ll[i + 1]):
            if not (prev == i - 1 and ll[i - 1] == v):
                cand.append(i)
            prev = i
    return sorted(cand, key=lambda i: -ll[i])[:3]


def power_law_search(sums: lk.LogDistanceSums, n: int, T: float, *, p_fixed: float | None,
                     p_bounds: tuple[float, float], offset_bounds: tuple[float, float],
                     extra_offsets=(), points_per_decade: int = 5) -> Optimum:
    """Global maximum of a power-law likelihood over ``(k, offset, p)``.

    ``offset`` is ``tf - t1`` or ``t0 + c``. ``k`` and ``p`` are profiled in closed form; the
    profile in ``s = log(offset)`` is scanned on a grid over ``offset_bounds``
    (``points_per_decade`` points per decade, plus ``extra_offsets``) and every grid maximum
    within 2 log-units of the best is polished by safeguarded Newton iterations (exact
    analytic first and second derivatives). Returns an :class:`Optimum` whose ``x`` is
    ``[k, offset, p]``.
    """
    prof = _PowerLawProfile(sums, n, T, p_fixed, p_bounds)
    s_lo, s_hi = math.log(offset_bounds[0]), math.log(offset_bounds[1])
    n_grid = max(8, int(round((s_hi - s_lo) / math.log(10) * points_per_decade)) + 1)
    # np.linspace's own arithmetic, without its per-call overhead
    grid = np.arange(n_grid, dtype=np.float64) * ((s_hi - s_lo) / (n_grid - 1)) + s_lo
    grid[-1] = s_hi
    extra = [math.log(o) for o in extra_offsets if offset_bounds[0] < o < offset_bounds[1]]
    if extra:
        grid = np.unique(np.r_[grid, extra])
    out = prof(grid, order=1)
    # the selection below walks Python lists: ~60 points, where numpy's per-call cost dominates
    ll_list = out["loglik"].tolist()
    if not all(map(math.isfinite, ll_list)):
        ll_list = [v if math.isfinite(v) else -math.inf for v in ll_list]
    dg = out["dloglik"].tolist()
    s_list = grid.tolist()
    n_grid = len(ll_list)
    best = max(ll_list)
    if best == -math.inf:
        raise FitError("the power-law log-likelihood is not finite anywhere on the search grid")
    cand = _grid_maxima(ll_list, best - 2.0)
    last = n_grid - 1
    results = []
    for i in cand:
        if i == 0 and dg[0] <= 0:
            results.append((s_list[0], ll_list[0], 0, prof(s_list[0], order=1)))
            continue
        if i == last and dg[-1] >= 0:
            results.append((s_list[-1], ll_list[-1], last, prof(s_list[-1], order=1)))
            continue
        a = s_list[max(i - 1, 0)]
        b = s_list[min(i + 1, last)]
        j = i + 1 if dg[i] > 0 else i - 1          # the side the maximum lies on
        j = min(max(j, 0), last)
        lo_i, hi_i = min(i, j), max(i, j)
        start = s_list[i]
        if lo_i != hi_i and math.isfinite(ll_list[lo_i]) and math.isfinite(ll_list[hi_i]):
            start = _hermite_argmax(s_list[lo_i], s_list[hi_i], ll_list[lo_i], ll_list[hi_i],
                                    dg[lo_i], dg[hi_i])
        s, o = _maximise_bracketed(prof, a, b, start)
        results.append((s, float(o["loglik"]), i, o))
    s_best, ll_best, _, final = max(results, key=lambda r: r[1])
    if ll_best < best:            # polishing never loses against the grid
        i = ll_list.index(best)
        s_best, ll_best = s_list[i], best
        final = prof(s_best, order=1)
    x = np.array([float(final["k"]), math.exp(s_best), float(final["p"])])
    # the grid and polished points double as the stored profile of the offset
    return Optimum(x=x, loglik=float(final["loglik"]), converged=True,
                   message=f"profile grid of {n_grid} offsets, {len(cand)} maxima polished",
                   method="profile", n_starts=len(cand), n_evaluations=prof.n_evaluations,
                   profile={"s": s_list, "loglik": ll_list, "dloglik": dg},
                   profile_fn=prof)


def _crossing(fun, a: float, fa: float, b: float, fb: float, tol: float = 1e-8,
              maxiter: int = 80, guess: float | None = None) -> float:
    """Root of ``fun`` in [a, b] (``fa``, ``fb`` of opposite sign); ``fun(s) -> (f, df|None)``.

    Newton steps when a derivative is given and the step stays inside the bracket, otherwise
    Illinois-type regula falsi with bisection fallback.
    """
    s = b if abs(fb) < abs(fa) else a
    fs = fb if s == b else fa
    df = None
    if guess is not None and min(a, b) < guess < max(a, b):
        s = guess
        fs, df = fun(s)
        if fs == 0:
            return s
        if (fs > 0) == (fa > 0):
            a, fa = s, fs
        else:
            b, fb = s, fs
    for _ in range(maxiter):
        if df is not None and df != 0 and math.isfinite(df):
            new = s - fs / df
            if abs(new - s) < tol * (1 + abs(s)) and min(a, b) <= new <= max(a, b):
                return new          # quadratic convergence: the next step is negligible
        else:
            new = b - fb * (b - a) / (fb - fa) if fb != fa else 0.5 * (a + b)
        lo, hi = min(a, b), max(a, b)
        if not (lo < new < hi) or not math.isfinite(new):
            new = 0.5 * (a + b)
        f_new, df = fun(new)
        if f_new == 0 or abs(new - s) < tol * (1 + abs(new)):
            return new
        if (f_new > 0) == (fa > 0):
            a, fa = new, f_new
            fb *= 0.5 if df is None else 1.0
        else:
            b, fb = new, f_new
            fa *= 0.5 if df is None else 1.0
        s, fs = new, f_new
        if abs(b - a) < tol * (1 + abs(s)):
            return s
    return s


@lru_cache(maxsize=32)
def _chi2_half_quantile(level: float) -> float:
    """Half the ``level`` quantile of chi2 with one degree of freedom (the profile drop)."""
    return 0.5 * float(special.chdtri(1, 1.0 - level))


def _grid_bracket(gs: list, gl: list, s_hat: float, target: float, side: int,
                  increasing: bool = False):
    """Where the grid crosses ``target`` on one side of ``s_hat``.

    Returns ``(has_side, j, jj)``: whether grid points lie on that side; ``j``, the index of
    the grid point below ``target`` nearest to ``s_hat`` in index order (the last such index on
    the left, the first on the right), or None; ``jj``, the grid point at or above ``target``
    between ``j`` and ``s_hat`` nearest to ``j`` (the first such index on the left, the last
    on the right), or None. ``increasing=True`` promises a strictly increasing ``gs``, which
    allows walking outwards from ``s_hat`` instead of scanning the whole grid.
    """
    n = len(gs)
    if increasing:
        return _sorted_grid_bracket(gs, gl, s_hat, target, side)
    side_idx = ([i for i in range(n) if gs[i] < s_hat] if side < 0 else
                [i for i in range(n) if gs[i] > s_hat])
    below = [i for i in side_idx if gl[i] < target]
    if not below:
        return bool(side_idx), None, None
    j = below[-1] if side < 0 else below[0]
    between = [i for i in side_idx if gl[i] >= target
               and (gs[i] > gs[j] if side < 0 else gs[i] < gs[j])]
    if not between:
        return True, j, None
    return True, j, (between[0] if side < 0 else between[-1])


def _sorted_grid_bracket(gs: list, gl: list, s_hat: float, target: float, side: int):
    """:func:`_grid_bracket` for a strictly increasing grid (index order = order of ``s``)."""
    n = len(gs)
    if side < 0:
        stop = bisect.bisect_left(gs, s_hat)             # gs[:stop] < s_hat
        if stop == 0:
            return False, None, None
        j = next((i for i in range(stop - 1, -1, -1) if gl[i] < target), None)
        if j is None:
            return True, None, None
        # every point between j and s_hat is not below target; the first one at or above it
        jj = next((i for i in range(j + 1, stop) if gl[i] >= target), None)
        return True, j, jj
    start = bisect.bisect_right(gs, s_hat)               # gs[start:] > s_hat
    if start == n:
        return False, None, None
    j = next((i for i in range(start, n) if gl[i] < target), None)
    if j is None:
        return True, None, None
    jj = next((i for i in range(j - 1, start - 1, -1) if gl[i] >= target), None)
    return True, j, jj


def profile_interval(profile: Callable, s_hat: float, ll_hat: float, level: float,
                     s_bounds: tuple[float, float], grid_s=None, grid_ll=None,
                     step: float = 0.5, grid_d=None):
    """Profile-likelihood interval on the coordinate ``s`` (e.g. ``log(tf - t1)``).

    ``profile(s)`` returns ``(loglik, dloglik/ds or None)`` maximised over the other
    parameters. The interval is ``{s : 2 (ll_hat - profile(s)) <= chi2_1(level)}``; a side that
    stays above the threshold up to its bound is reported as that bound and ``open`` is True
    for it.

    Returns
    -------
    (s_low, s_high, open_low, open_high, evaluated) where ``evaluated`` lists ``(s, loglik)``.
    """
    target = ll_hat - _chi2_half_quantile(level)
    evaluated = []

    def f(s):
        v, d = profile(s)
        evaluated.append((s, v))
        return v - target, d

    if grid_s is not None:
        # a few dozen points: Python lists beat numpy's per-call cost here
        gs, gl, gd = _as_list(grid_s), _as_list(grid_ll), _as_list(grid_d)
        increasing = _strictly_increasing(gs)
    ends = []
    for side, bound in ((-1, s_bounds[0]), (+1, s_bounds[1])):
        inner, f_inner = s_hat, ll_hat - target
        outer = None
        guess = None
        if grid_s is not None:
            has_side, j, jj = _grid_bracket(gs, gl, s_hat, target, side, increasing)
            if j is not None:
                outer, f_outer = gs[j], gl[j] - target
                if jj is not None:
                    # the inner end tightened to the closest grid point above the threshold
                    inner, f_inner = gs[jj], gl[jj] - target
                    if gd is not None:
                        guess = _hermite_root(inner, outer, f_inner, f_outer, gd[jj], gd[j])
            elif has_side:
                # the grid covers this side up to its bound and never drops below the
                # threshold: the interval is open on this side
                ends.append((bound, True))
                continue
        if outer is None:
            s = s_hat
            h = step
            while True:
                s_next = s + side * h
                if (side < 0 and s_next <= bound) or (side > 0 and s_next >= bound):
                    s_next = bound
                fv, _ = f(s_next)
                if fv < 0:
                    outer, f_outer = s_next, fv
                    break
                inner, f_inner = s_next, fv
                if s_next == bound:
                    break
                s = s_next
                h *= 2.0
        if outer is None:
            ends.append((bound, True))
            continue
        root = _crossing(f, inner, f_inner, outer, f_outer, guess=guess)
        ends.append((root, False))
    return ends[0][0], ends[1][0], ends[0][1], ends[1][1], evaluated


def _strictly_increasing(values: list) -> bool:
    return all(map(operator.lt, values, values[1:]))


def _as_list(values) -> list | None:
    """``values`` as a list of floats (lists, the search's own format, pass unchanged)."""
    if values is None or isinstance(values, list):
        return values
    return np.asarray(values, dtype=np.float64).tolist()
