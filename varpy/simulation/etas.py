"""Epidemic-type aftershock sequence (ETAS) simulation with the full genealogy.

Conventions (formulas.md section 3.11, Ogata 1988): the conditional intensity is

    lambda(t) = mu + sum_{t_j < t} K exp(alpha (M_j - M_z)) (t - t_j + c)^-p

with magnitudes from the Gutenberg-Richter law above ``mmin`` (``beta = b ln 10``) and the
productivity reference ``M_z = mref`` (default ``mmin``). ``alpha`` is a *natural*-log exponent
(``alpha = a ln 10`` for the base-10 productivity ``10^(a (M - M_z))``). An event of magnitude
``m`` has on average ``K exp(alpha (m - M_z)) c^(1-p) / (p - 1)`` direct offspring (``p > 1``),
so the branching ratio (mean number of direct offspring of an event) is

    n = K c^(1-p) / (p - 1) * E[exp(alpha (m - M_z))],   E[...] = beta / (beta - alpha)

for untruncated GR with ``mref = mmin`` (Helmstetter & Sornette 2002). The process is stationary
only if ``n < 1``; this module refuses ``n >= 1`` and undefined cases (``p <= 1`` without a
finite time horizon, ``alpha >= beta`` without ``mmax``).

Simulation is a branching process generated *generation by generation* (Zhuang et al. 2004):
background events are a homogeneous Poisson process; every event of generation ``g`` gets a
Poisson number of children with mean ``K exp(alpha (m - M_z)) F(t_end - t)``, where
``F(u) = int_0^u (s + c)^-p ds``, and their delays are drawn by inverting ``F`` exactly. Each
generation is one vectorised step, so the cost is linear in the number of events.

Space-time ETAS (Ogata 1998) adds isotropic spatial kernels around the parent: a power law
``f(r) = (q - 1) / (pi D) (1 + r^2 / D)^-q`` or a Gaussian ``f(r) = exp(-r^2 / (2 D)) / (2 pi D)``
with ``D = d exp(gamma (m - M_z))`` (km^2).

Examples
--------
>>> from varpy.simulation.etas import simulate_etas, branching_ratio
>>> round(branching_ratio(k=0.02, alpha=1.5, c=0.01, p=1.2, b=1.0), 4)
0.7207
>>> cat = simulate_etas(mu=0.5, k=0.02, alpha=1.5, c=0.01, p=1.2, b=1.0, t_end=1000.0, seed=4)
>>> list(cat.columns)
['time', 'magnitude', 'parent', 'generation', 'cluster']
>>> bool((cat.loc[cat.parent >= 0, 'generation'] > 0).all())
True
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from varpy._json import jsonable
from varpy.simulation.magnitudes import GutenbergRichter
from varpy.simulation.point_process import (SimulationError, as_rate_function,
                                            inhomogeneous_poisson, sorted_uniforms)

__all__ = [
    "branching_ratio",
    "productivity_mean",
    "omori_integral",
    "omori_integral_inverse",
    "simulate_etas",
    "simulate_etas_space_time",
    "km_to_latlon",
]

_KM_PER_DEGREE = 111.19492664455873  # 2 pi 6371.0088 / 360 (mean Earth radius)


def omori_integral(u, c: float, p: float):
    """``F(u) = int_0^u (s + c)^-p ds``, stable for ``p`` near 1; ``u`` may be ``inf``."""
    u = np.asarray(u, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        log_ratio = np.log1p(u / c)
        if abs(p - 1.0) < 1e-12:
            return log_ratio
        return c ** (1.0 - p) * -np.expm1((1.0 - p) * log_ratio) / (p - 1.0)


def omori_integral_inverse(v, c: float, p: float):
    """The delay ``u`` with ``omori_integral(u, c, p) == v``."""
    v = np.asarray(v, dtype=float)
    if abs(p - 1.0) < 1e-12:
        return c * np.expm1(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        return c * np.expm1(np.log1p(-v * (p - 1.0) * c ** (p - 1.0)) / (1.0 - p))


def productivity_mean(alpha: float, b: float, *, mmin: float = 0.0, mref: float | None = None,
                      mmax: float | None = None) -> float:
    """``E[exp(alpha (m - mref))]`` for GR magnitudes on ``[mmin, mmax]``; inf if it diverges."""
    beta = float(b) * np.log(10.0)
    if not beta > 0:
        raise SimulationError(f"b-value {b!r} must be > 0")
    mref = mmin if mref is None else mref
    shift = np.exp(alpha * (mmin - mref))
    if mmax is None:
        if alpha >= beta:
            return np.inf
        return float(shift * beta / (beta - alpha))
    span = float(mmax) - float(mmin)
    if not span > 0:
        raise SimulationError(f"mmax={mmax!r} must exceed mmin={mmin!r}")
    gap = beta - alpha
    if abs(gap) < 1e-12:
        return float(shift * beta * span / -np.expm1(-beta * span))
    return float(shift * beta / gap * np.expm1(-gap * span) / np.expm1(-beta * span))


def branching_ratio(k: float, alpha: float, c: float, p: float, b: float, *,
                    mmin: float = 0.0, mref: float | None = None, mmax: float | None = None,
                    horizon: float = np.inf) -> float:
    """Branching ratio ``n``: mean number of direct offspring per event.

    ``n = K * F(horizon) * E[exp(alpha (m - mref))]`` with ``F`` the Omori integral
    (``c^(1-p) / (p - 1)`` for an infinite horizon). Returns ``inf`` when undefined
    (``p <= 1`` with an infinite horizon, ``alpha >= beta`` without ``mmax``).

    Examples
    --------
    >>> round(branching_ratio(0.1, 0.0, 1.0, 2.0, 1.0), 12)
    0.1
    """
    _check_basic(k=k, c=c, p=p)
    if np.isinf(horizon) and p <= 1:
        return np.inf
    return float(k * omori_integral(horizon, c, p)
                 * productivity_mean(alpha, b, mmin=mmin, mref=mref, mmax=mmax))


def _check_basic(**values):
    for name, value in values.items():
        value = float(value)
        if not np.isfinite(value) or value < 0 or (name in ("c",) and value == 0):
            raise SimulationError(f"ETAS parameter {name}={value!r} is invalid (expected a "
                                  f"finite number {'> 0' if name == 'c' else '>= 0'})")


def _check_subcritical(k, alpha, c, p, b, mmin, mref, mmax, horizon):
    beta = b * np.log(10.0)
    if mmax is None and alpha >= beta:
        raise SimulationError(
            f"ETAS with alpha={alpha} >= beta=b ln10={beta:.4g} and no mmax has infinite mean "
            "productivity (undefined branching ratio); lower alpha or give mmax")
    if np.isinf(horizon) and p <= 1:
        raise SimulationError(f"ETAS with p={p} <= 1 has an infinite branching ratio on an "
                              "infinite horizon; use p > 1 or a finite horizon")
    n = branching_ratio(k, alpha, c, p, b, mmin=mmin, mref=mref, mmax=mmax, horizon=horizon)
    if not n < 1:
        raise SimulationError(
            f"ETAS parameters are supercritical: branching ratio n={n:.4g} >= 1 (k={k}, "
            f"alpha={alpha}, c={c}, p={p}, b={b}); the number of events would explode. "
            "Lower k or alpha, or raise p or b, so that n < 1")
    return n


def _horizon(p, t_start, t_end, horizon):
    if horizon is None:
        return np.inf if p > 1 else float(t_end - t_start)
    horizon = float(horizon)
    if not horizon > 0:
        raise SimulationError(f"horizon={horizon!r} must be > 0")
    return horizon


def _prepare(t_start, t_end, k, alpha, c, p, b, mmin, mref, mmax, horizon):
    """Checked window, reference magnitude, branching ratio and magnitude law of an ETAS run."""
    t_start, t_end = float(t_start), float(t_end)
    if not (np.isfinite(t_start) and np.isfinite(t_end) and t_end >= t_start):
        raise SimulationError(f"invalid window [{t_start!r}, {t_end!r})")
    h = _horizon(p, t_start, t_end, horizon)
    mref = mmin if mref is None else float(mref)
    n = _check_subcritical(k, alpha, c, p, b, mmin, mref, mmax, h)
    return t_start, t_end, mref, n, GutenbergRichter(b=b, mmin=mmin, mmax=mmax)


def _branching(rng, t_start, t_end, mu, k, alpha, c, p, gr, mref, max_events, expected,
               locations=None):
    """Generate the cascade. Returns arrays in generation order (not yet sorted).

    ``mu`` is a constant background rate or a rate object (see :func:`_background`).
    """
    if expected > max_events:
        raise SimulationError(
            f"the expected number of events ({expected:.3g}) exceeds max_events={max_events}; "
            "shorten the window, lower mu, or raise max_events")
    span = t_end - t_start
    if isinstance(mu, float):
        n0 = int(rng.poisson(mu * span))
        t = t_start + span * sorted_uniforms(n0, rng)
    else:
        t = inhomogeneous_poisson(mu, t_start, t_end, rng, max_events=max_events)
        n0 = int(t.size)
    m = gr.sample(n0, rng)
    times = [t]
    mags = [m]
    parents = [np.full(n0, -1, dtype=np.int64)]
    gens = [np.zeros(n0, dtype=np.int64)]
    clusters = [np.arange(n0, dtype=np.int64)]
    xy = []
    if locations is not None:
        xy.append(locations["background"](n0))
    offset = n0
    index = np.arange(n0, dtype=np.int64)
    generation = 0
    total = n0
    while t.size:
        generation += 1
        reach = omori_integral(t_end - t, c, p)
        counts = rng.poisson(k * np.exp(alpha * (m - mref)) * reach)
        n_children = int(counts.sum())
        if n_children == 0:
            break
        total += n_children
        if total > 10 * max_events:
            raise SimulationError(f"simulation exceeded {10 * max_events} events; the "
                                  "parameters are (nearly) critical")
        parent_local = np.repeat(np.arange(t.size), counts)
        delay = omori_integral_inverse(rng.random(n_children) * reach[parent_local], c, p)
        child_t = t[parent_local] + delay
        # inverse-CDF round-off must not push a child past the window end
        np.minimum(child_t, np.nextafter(t_end, -np.inf), out=child_t)
        child_m = gr.sample(n_children, rng)
        times.append(child_t)
        mags.append(child_m)
        parents.append(index[parent_local])
        gens.append(np.full(n_children, generation, dtype=np.int64))
        clusters.append(clusters[-1][parent_local])
        if locations is not None:
            xy.append(locations["offspring"](xy[-1][:, parent_local], m[parent_local]))
        index = np.arange(offset, offset + n_children, dtype=np.int64)
        offset += n_children
        t, m = child_t, child_m
    out = {
        "time": np.concatenate(times),
        "magnitude": np.concatenate(mags),
        "parent": np.concatenate(parents),
        "generation": np.concatenate(gens),
        "cluster": np.concatenate(clusters),
    }
    if locations is not None:
        both = np.concatenate(xy, axis=1)
        out["x"], out["y"] = both[0], both[1]
    return out


def _background(mu, t_start, t_end):
    """``(mu, expected background count, record)``: a float rate or a rate object.

    A rate object is anything :func:`varpy.simulation.point_process.as_rate_function` accepts
    with ``rate(t)`` and ``integral(a, b)`` (for example
    :class:`~varpy.simulation.point_process.InverseOmoriRate` for an accelerating, FFM-type
    background); its background events are drawn exactly by inversion.
    """
    if isinstance(mu, (int, float, np.integer, np.floating)) and not isinstance(mu, bool):
        _check_basic(mu=mu)
        return float(mu), float(mu) * (t_end - t_start), float(mu)
    rf = as_rate_function(mu)
    total = float(np.asarray(rf.integral(float(t_start), float(t_end)), dtype=float))
    if not (np.isfinite(total) and total >= 0):
        raise SimulationError(f"the background rate {rf!r} integrates to {total!r} on "
                              f"[{t_start}, {t_end}); it must be finite and >= 0")
    return rf, total, repr(rf)


def _sorted_frame(arrays, columns):
    order = np.argsort(arrays["time"], kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    parent = arrays["parent"][order]
    has_parent = parent >= 0
    parent[has_parent] = rank[parent[has_parent]]
    # cluster = row of the background event that started the cascade
    cluster = rank[arrays["cluster"][order]]
    data = {}
    for name in columns:
        if name == "parent":
            data[name] = parent
        elif name == "cluster":
            data[name] = cluster
        else:
            data[name] = arrays[name][order]
    return pd.DataFrame(data)


def _record(name, params, n, seed):
    return {"simulator": name, "parameters": params, "branching_ratio": float(n),
            "seed": seed_record(seed)}


def seed_record(seed):
    """The seed as stored in metadata: the int, None, or a note that a Generator was passed."""
    if seed is None:
        return None
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    return f"<{type(seed).__name__}>"


def simulate_etas(mu: float, k: float, alpha: float, c: float, p: float, b: float = 1.0, *,
                  t_start: float = 0.0, t_end: float, mmin: float = 0.0,
                  mref: float | None = None, mmax: float | None = None,
                  horizon: float | None = None, max_events: int = 20_000_000,
                  seed=None) -> pd.DataFrame:
    """Simulate a temporal ETAS catalogue with its genealogy.

    Parameters
    ----------
    mu : float or rate object
        Background rate (events per time unit, ``m >= mmin``): a constant, or any object with
        ``rate(t)`` and ``integral(a, b)`` (e.g. ``InverseOmoriRate(k, tf, p)`` for an
        accelerating background before a failure time), simulated exactly by inversion.
    k, alpha, c, p : float
        Triggering kernel ``k exp(alpha (m - mref)) (t - t_j + c)^-p`` (``alpha`` natural-log).
    b : float
        Gutenberg-Richter b-value of all events.
    t_start, t_end : float
        Window; events are generated in ``[t_start, t_end)`` (offspring falling later are not).
    mmin, mref, mmax : float
        Minimum magnitude, productivity reference (default ``mmin``), optional truncation.
    horizon : float, optional
        Time horizon of the branching-ratio check: infinite (default for ``p > 1``) or the window
        length (default for ``p <= 1``).
    max_events : int
        Refuse when the expected size ``mu T / (1 - n)`` exceeds this.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    pandas.DataFrame
        Sorted by time, columns ``time``, ``magnitude``, ``parent`` (row of the parent, -1 for
        background), ``generation`` (0 for background), ``cluster`` (row of the background event
        that started the cascade). ``df.attrs["simulation"]`` records the parameters, seed and
        branching ratio.

    Raises
    ------
    SimulationError
        Supercritical (``n >= 1``) or undefined parameters; invalid window.
    """
    _check_basic(k=k, c=c)
    t_start, t_end, mref, n, gr = _prepare(t_start, t_end, k, alpha, c, p, b, mmin, mref, mmax,
                                           horizon)
    mu, expected_bg, mu_record = _background(mu, t_start, t_end)
    rng = np.random.default_rng(seed)
    arrays = _branching(rng, t_start, t_end, mu, k, alpha, c, p, gr, mref, max_events,
                        expected_bg / (1.0 - n))
    df = _sorted_frame(arrays, ["time", "magnitude", "parent", "generation", "cluster"])
    params = dict(mu=mu_record, k=k, alpha=alpha, c=c, p=p, b=b, t_start=t_start, t_end=t_end,
                  mmin=mmin, mref=mref, mmax=mmax)
    df.attrs["simulation"] = _record("etas", jsonable(params), n, seed)
    return df


def km_to_latlon(x, y, latitude: float, longitude: float):
    """Local east/north offsets (km) to latitude/longitude (equirectangular, fine at < 100 km)."""
    lat = latitude + np.asarray(y, dtype=float) / _KM_PER_DEGREE
    lon = longitude + np.asarray(x, dtype=float) / (_KM_PER_DEGREE * np.cos(np.radians(latitude)))
    return lat, lon


def simulate_etas_space_time(mu: float, k: float, alpha: float, c: float, p: float,
                             b: float = 1.0, *, t_start: float = 0.0, t_end: float,
                             region=(-50.0, 50.0, -50.0, 50.0), kernel: str = "power_law",
                             d: float = 1.0, q: float = 1.5, gamma: float = 0.0,
                             mmin: float = 0.0, mref: float | None = None,
                             mmax: float | None = None, horizon: float | None = None,
                             origin=None, max_events: int = 20_000_000,
                             seed=None) -> pd.DataFrame:
    """Simulate a space-time ETAS catalogue (isotropic kernels) with its genealogy.

    Parameters
    ----------
    mu, k, alpha, c, p, b, t_start, t_end, mmin, mref, mmax, horizon, max_events, seed
        As :func:`simulate_etas`; ``mu`` is the background rate over the whole ``region``.
    region : (x_min, x_max, y_min, y_max)
        Rectangle (km) where background events are uniform. Offspring are not clipped to it.
    kernel : {"power_law", "gaussian"}
        Spatial offspring density around the parent (see the module docstring).
    d : float
        Kernel scale ``D = d exp(gamma (m - mref))`` in km^2.
    q : float
        Power-law exponent (> 1).
    gamma : float
        Magnitude scaling of the kernel size (natural-log exponent).
    origin : (latitude, longitude), optional
        If given, ``latitude``/``longitude`` columns are added (x east, y north in km).

    Returns
    -------
    pandas.DataFrame
        Columns of :func:`simulate_etas` plus ``x``, ``y`` (km) and, with ``origin``,
        ``latitude``, ``longitude``.

    Examples
    --------
    >>> cat = simulate_etas_space_time(0.2, 0.02, 1.0, 0.01, 1.2, t_end=500.0, seed=2,
    ...                                origin=(37.7, 15.0))
    >>> ['x', 'y', 'latitude', 'longitude'] == list(cat.columns[-4:])
    True
    """
    _check_basic(mu=mu, k=k, c=c, d=d)
    if kernel not in ("power_law", "gaussian"):
        raise SimulationError(f"unknown spatial kernel {kernel!r}; valid choices are: "
                              "gaussian, power_law")
    if kernel == "power_law" and not q > 1:
        raise SimulationError(f"power-law kernel exponent q={q!r} must be > 1 (normalisable)")
    if d <= 0:
        raise SimulationError(f"kernel scale d={d!r} must be > 0")
    x0, x1, y0, y1 = (float(v) for v in region)
    if not (x1 > x0 and y1 > y0):
        raise SimulationError(f"region={region!r} must be (x_min, x_max, y_min, y_max) with "
                              "x_max > x_min and y_max > y_min")
    t_start, t_end, mref, n, gr = _prepare(t_start, t_end, k, alpha, c, p, b, mmin, mref, mmax,
                                           horizon)
    rng = np.random.default_rng(seed)

    def background(count):
        return np.vstack([x0 + (x1 - x0) * rng.random(count), y0 + (y1 - y0) * rng.random(count)])

    def offspring(parent_xy, parent_m):
        scale = d * np.exp(gamma * (parent_m - mref))
        u = rng.random(parent_m.size)
        if kernel == "power_law":
            r2 = scale * np.expm1(np.log1p(-u) / (1.0 - q))
        else:
            r2 = -2.0 * scale * np.log1p(-u)
        r = np.sqrt(r2)
        theta = 2.0 * np.pi * rng.random(parent_m.size)
        return parent_xy + np.vstack([r * np.cos(theta), r * np.sin(theta)])

    arrays = _branching(rng, t_start, t_end, mu, k, alpha, c, p, gr, mref, max_events,
                        mu * (t_end - t_start) / (1.0 - n),
                        locations={"background": background, "offspring": offspring})
    df = _sorted_frame(arrays, ["time", "magnitude", "parent", "generation", "cluster", "x", "y"])
    if origin is not None:
        lat0, lon0 = (float(v) for v in origin)
        df["latitude"], df["longitude"] = km_to_latlon(df["x"].to_numpy(), df["y"].to_numpy(),
                                                       lat0, lon0)
    params = dict(mu=mu, k=k, alpha=alpha, c=c, p=p, b=b, t_start=t_start, t_end=t_end,
                  mmin=mmin, mref=mref, mmax=mmax, region=[x0, x1, y0, y1], kernel=kernel,
                  d=d, q=q, gamma=gamma, origin=None if origin is None else list(origin))
    df.attrs["simulation"] = _record("etas_space_time", jsonable(params), n, seed)
    return df
