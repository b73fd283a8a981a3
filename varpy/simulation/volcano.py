"""A synthetic volcano: eruption cycles with seismicity and tilt (VarPy 2016's composite simulator).

The volcano repeats a cycle (VarPy 2016 ``Eruption_sim``/``Volcanic_eq_sim``/``Volcanic_defm_sim``,
reference section 10, with its bugs fixed):

1. **recharge** (median ``recharge_duration`` days): quiet, no deformation;
2. **unrest** (median ``precursor_duration`` days): the edifice inflates at ``inflation_rate``
   (microradians/day) and volcano-tectonic earthquakes accelerate following an inverse Omori law
   ``k (t_f - t)^-p`` whose singularity ``t_f`` lies ``precursor_c`` days after the onset;
3. **eruption** (median ``eruption_duration`` days, an addition: VarPy's eruptions were
   instantaneous): the edifice deflates linearly by ``deflation`` microradians, and a modified
   Omori aftershock sequence ``k (t - t_onset + c)^-p`` starts at the onset and decays until the
   end of the simulation.

Durations scatter lognormally (``median * LogNormal(0, duration_scatter)``, VarPy used 0.5) and the
per-eruption rate parameters normally (``x * (1 + parameter_scatter * N(0, 1))``, VarPy used 1/20).
A homogeneous background runs throughout. With ``precursor_branching = n > 0`` every unrest
event triggers a Poisson number of direct offspring (mean ``n`` times the share of the normalised
Omori kernel ``(u + branching_c)^-branching_p`` that falls before the onset), generation after
generation (``source = "triggered"``): the unrest then clusters as real swarms do, with
``1 / (1 - n)`` times as many events as the inverse Omori rate alone. Seismicity is simulated exactly (inverse-CDF of the
integrated rates, :mod:`varpy.simulation.point_process`); magnitudes follow Gutenberg-Richter
(optionally binned, truncated and incomplete:
:class:`~varpy.simulation.magnitudes.GutenbergRichter`).

Tilt is the sum of the deterministic inflation/deflation signal, evaluated at the sample times,
and a random walk whose increments have standard deviation ``tilt_noise * sqrt(interval in days)``
(so ``tilt_noise`` is per day whatever the sampling interval; VarPy applied its rates and noise
per *sample*), plus optional white noise. Each station sees the signal times its ``gain``.

Defaults reproduce VarPy's 10-year example (reference section 10.7).

Examples
--------
>>> from varpy.simulation.volcano import simulate_volcano_data
>>> out = simulate_volcano_data(seed=1, duration=1500.0)
>>> sorted(out)
['ecvd', 'evd', 'metadata', 'scvd']
>>> list(out['ecvd'].columns[:5])
['time', 'latitude', 'longitude', 'depth', 'magnitude']
>>> out['metadata']['ecvd']['simulation']['seed']
1
"""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from scipy import stats

from varpy.management.timeconv import from_days, parse_time
from varpy.simulation.etas import (km_to_latlon, omori_integral, omori_integral_inverse,
                                   seed_record)
from varpy.simulation.magnitudes import GutenbergRichter
from varpy.simulation.point_process import (
    InverseOmoriRate,
    OmoriRate,
    SimulationError,
    homogeneous_poisson,
    inhomogeneous_poisson,
)

__all__ = ["simulate_volcano_data", "eruption_cycles", "tilt_signal", "VOLCANO_DEFAULTS"]

#: Defaults: VarPy 2016's ``Volcanic_data_sim`` 10-year example, plus the new options.
VOLCANO_DEFAULTS = {
    "duration": 3652.0,            # floor(10 * 365.25) days (sim_len)
    "start": "2000-01-01",
    "background_rate": 0.1,        # br, events/day with m >= mmin
    "recharge_duration": 400.0,    # t_recharge
    "precursor_duration": 200.0,   # te
    "eruption_duration": 10.0,     # new (VarPy: instantaneous)
    "duration_scatter": 0.5,
    "parameter_scatter": 0.05,     # VarPy: sd = value / 20
    "precursor_k": 10.0,           # k_fore
    "precursor_p": 0.85,           # p_fore
    "precursor_c": 0.1,            # tc_fore
    "precursor_branching": 0.0,    # new: mean direct offspring per unrest event (clustering)
    "branching_c": 0.01,           # days, Omori c of the triggered events
    "branching_p": 1.2,            # Omori p of the triggered events (> 1)
    "aftershock_k": 40.0,          # k_aft
    "aftershock_p": 1.5,           # p_aft
    "aftershock_c": 1.0,           # tc_aft
    "b": 1.5,
    "mmin": 2.0,                   # m_min
    "mmax": None,
    "dm": 0.1,
    "detection": None,
    "m_low": None,
    "inflation_rate": 0.4,         # k_infl, microradians/day
    "deflation": None,             # k_defl = k_infl * te = 80 microradians per eruption
    "tilt_noise": 1.0,             # per-day random-walk sd (VarPy: per sample)
    "tilt_white_noise": 0.0,
    "tilt_interval": 1.0,          # sr, days
    "stations": {"TLT1": 1.0, "TLT2": 0.6},
    "latitude": 37.75,
    "longitude": 15.0,
    "background_spread": 10.0,     # km, sd of epicentres around the vent
    "volcanic_spread": 2.0,
    "background_depth": (10.0, 5.0),   # km, mean and sd (truncated at 0)
    "volcanic_depth": (3.0, 1.5),
    "eruption_type": "Flank",
    "vent": "Synthetic vent",
}


def _lognormal_durations(rng, median, scatter, n):
    if median < 0 or not np.isfinite(median):
        raise SimulationError(f"duration median {median!r} must be finite and >= 0")
    if median == 0:
        return np.zeros(n)
    return median * rng.lognormal(0.0, scatter, n)


def _scattered(rng, value, scatter, n, name):
    if not (np.isfinite(value) and value >= 0):
        raise SimulationError(f"{name}={value!r} must be finite and >= 0")
    draws = value * (1.0 + scatter * rng.standard_normal(n))
    # a 5 % scatter never reaches zero in practice; the floor only guards large user scatter
    return np.maximum(draws, 1e-3 * value)


def eruption_cycles(duration: float, *, recharge_duration: float, precursor_duration: float,
                    eruption_duration: float, duration_scatter: float, seed=None) -> pd.DataFrame:
    """Cycle timing (days from the start): recharge, unrest, eruption onset and end.

    Cycles are generated until one begins its unrest after ``duration``; the last row may be an
    eruption whose onset lies beyond ``duration`` (unrest in progress at the end).

    Returns
    -------
    pandas.DataFrame
        Columns ``recharge_start``, ``unrest_start``, ``onset``, ``end``, ``recharge_days``,
        ``precursor_days``, ``duration_days``.
    """
    rng = np.random.default_rng(seed)
    if not (duration > 0 and np.isfinite(duration)):
        raise SimulationError(f"duration={duration!r} must be a finite number of days > 0")
    if not duration_scatter >= 0:
        raise SimulationError(f"duration_scatter={duration_scatter!r} must be >= 0")
    if recharge_duration + precursor_duration + eruption_duration <= 0:
        raise SimulationError("recharge, precursor and eruption durations are all zero")
    rows = []
    t = 0.0
    while True:
        tr, te, td = (float(_lognormal_durations(rng, med, duration_scatter, 1)[0])
                      for med in (recharge_duration, precursor_duration, eruption_duration))
        unrest = t + tr
        if unrest >= duration:
            break
        onset = unrest + te
        rows.append((t, unrest, onset, onset + td, tr, te, td))
        if onset >= duration:
            break
        t = onset + td
    return pd.DataFrame(rows, columns=["recharge_start", "unrest_start", "onset", "end",
                                       "recharge_days", "precursor_days", "duration_days"])


def tilt_signal(t, cycles: pd.DataFrame, inflation_rate, deflation) -> np.ndarray:
    """Deterministic tilt (microradians) at times ``t`` (days) for the given cycles.

    Inflation ``inflation_rate[i]`` per day during unrest ``i``; linear deflation of
    ``deflation[i]`` over eruption ``i`` (a step if it has zero duration).
    """
    t = np.asarray(t, dtype=float)[:, None]
    unrest = cycles["unrest_start"].to_numpy()[None, :]
    onset = cycles["onset"].to_numpy()[None, :]
    end = cycles["end"].to_numpy()[None, :]
    rate = np.asarray(inflation_rate, dtype=float)[None, :]
    drop = np.asarray(deflation, dtype=float)[None, :]
    inflation = rate * np.clip(t - unrest, 0.0, onset - unrest)
    length = end - onset
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(length > 0, np.clip((t - onset) / np.where(length > 0, length, 1.0),
                                                0.0, 1.0), (t >= onset).astype(float))
    return (inflation - drop * fraction).sum(axis=1)


def _triggered(rng, parents: np.ndarray, t_end: float, n: float, c: float,
               p: float) -> np.ndarray:
    """Every generation of events triggered by ``parents`` before ``t_end`` (unsorted).

    Each event has Poisson(``n F(t_end - t) / F(inf)``) direct offspring, ``F`` the integrated
    Omori kernel ``(u + c)^-p`` (``p > 1``), with delays drawn by inverting ``F``.
    """
    total = float(omori_integral(np.inf, c, p))
    out = []
    t = parents
    while t.size:
        reach = omori_integral(t_end - t, c, p)
        counts = rng.poisson(n * reach / total)
        if not counts.any():
            break
        par = np.repeat(np.arange(t.size), counts)
        delay = omori_integral_inverse(rng.random(par.size) * reach[par], c, p)
        t = np.minimum(t[par] + delay, np.nextafter(t_end, -np.inf))
        out.append(t)
    return np.concatenate(out) if out else np.empty(0)


def _truncated_normal(rng, mean, sd, n):
    mean, sd = float(mean), float(sd)
    if sd <= 0:
        return np.full(n, max(mean, 0.0))
    return stats.truncnorm.rvs(-mean / sd, np.inf, loc=mean, scale=sd, size=n, random_state=rng)


def simulate_volcano_data(*, seed=None, **params) -> dict:
    """Simulate a volcano: earthquake catalogue, eruption list and tilt at several stations.

    Parameters
    ----------
    seed : int, numpy.random.Generator or None
    **params
        Any key of :data:`VOLCANO_DEFAULTS` (values shown there are VarPy 2016's 10-year
        example). Times are in days, tilt in microradians, distances in km.
        ``stations`` maps a station name to its gain (tilt = gain * signal + noise).
        ``detection=(mu, sigma)`` makes the catalogue incomplete (see
        :mod:`varpy.simulation.magnitudes`); rates always count true events with
        ``m >= mmin``.

    Returns
    -------
    dict
        ``{"ecvd": DataFrame, "evd": DataFrame, "scvd": {station: DataFrame},
        "metadata": {"ecvd": dict, "evd": dict, "scvd": {station: dict}}}``. ECVD has the
        canonical columns (``time`` UTC from ``start``, ``latitude``, ``longitude``, ``depth``,
        ``magnitude``) plus ``event_id``, ``source`` (background / precursor / aftershock / triggered) and
        ``eruption`` (row of the EVD table the event belongs to, -1 for background; the index
        equal to ``len(evd)`` is the unrest in progress at the end). EVD has ``start``, ``end``,
        ``type``, ``vent`` and the per-eruption parameters. Each metadata dict holds the key
        ``simulation`` = {simulator, parameters, seed, ...}.

    Raises
    ------
    SimulationError
        Unknown parameter names or invalid values.
    """
    unknown = sorted(set(params) - set(VOLCANO_DEFAULTS))
    if unknown:
        raise SimulationError(f"unknown volcano simulation parameter(s) {unknown}; valid "
                              f"parameters are: {', '.join(sorted(VOLCANO_DEFAULTS))}")
    P = {**VOLCANO_DEFAULTS, **params}
    if P["deflation"] is None:
        P["deflation"] = P["inflation_rate"] * P["precursor_duration"]
    if not (P["tilt_interval"] > 0):
        raise SimulationError(f"tilt_interval={P['tilt_interval']!r} must be > 0 days")
    for key in ("tilt_noise", "tilt_white_noise", "parameter_scatter", "background_spread",
                "volcanic_spread"):
        if not (np.isfinite(P[key]) and P[key] >= 0):
            raise SimulationError(f"{key}={P[key]!r} must be finite and >= 0")
    branching = P["precursor_branching"]
    if not (np.isfinite(branching) and 0.0 <= branching < 1.0):
        raise SimulationError(f"precursor_branching={branching!r} must be in [0, 1) (mean direct "
                              "offspring per event; 1 or more explodes)")
    if branching > 0 and not (P["branching_p"] > 1.0 and P["branching_c"] > 0.0):
        raise SimulationError(f"branching_p={P['branching_p']!r} must be > 1 and branching_c="
                              f"{P['branching_c']!r} > 0 days")
    if not P["stations"]:
        raise SimulationError("stations must name at least one tilt station {name: gain}")
    start = parse_time(P["start"])
    duration = float(P["duration"])
    rng = np.random.default_rng(seed)

    gr = GutenbergRichter(b=P["b"], mmin=P["mmin"], mmax=P["mmax"], dm=P["dm"],
                          detection=None if P["detection"] is None else tuple(P["detection"]),
                          m_low=P["m_low"])
    observed = gr.observed_per_complete()

    cycles = eruption_cycles(duration, recharge_duration=P["recharge_duration"],
                             precursor_duration=P["precursor_duration"],
                             eruption_duration=P["eruption_duration"],
                             duration_scatter=P["duration_scatter"], seed=rng)
    nc = len(cycles)
    s = P["parameter_scatter"]
    per = {
        "precursor_k": _scattered(rng, P["precursor_k"], s, nc, "precursor_k"),
        "precursor_p": _scattered(rng, P["precursor_p"], s, nc, "precursor_p"),
        "aftershock_k": _scattered(rng, P["aftershock_k"], s, nc, "aftershock_k"),
        "aftershock_p": _scattered(rng, P["aftershock_p"], s, nc, "aftershock_p"),
        "inflation_rate": _scattered(rng, P["inflation_rate"], s, nc, "inflation_rate"),
        "deflation": _scattered(rng, P["deflation"], s, nc, "deflation"),
    }

    # --- seismicity: background + per-cycle precursors and aftershocks (superposition)
    times = [homogeneous_poisson(P["background_rate"] * observed, 0.0, duration, rng)]
    source = [np.zeros(times[0].size, dtype=np.int8)]
    eruption = [np.full(times[0].size, -1, dtype=np.int64)]
    for i, row in enumerate(cycles.itertuples(index=False)):
        fore = InverseOmoriRate(k=per["precursor_k"][i] * observed,
                                tf=row.onset + P["precursor_c"], p=per["precursor_p"][i])
        end = min(row.onset, duration)
        t = inhomogeneous_poisson(fore, row.unrest_start, end, rng)
        times.append(t)
        source.append(np.ones(t.size, dtype=np.int8))
        eruption.append(np.full(t.size, i, dtype=np.int64))
        if branching > 0 and t.size:
            kids = _triggered(rng, t, end, branching, P["branching_c"], P["branching_p"])
            times.append(kids)
            source.append(np.full(kids.size, 3, dtype=np.int8))
            eruption.append(np.full(kids.size, i, dtype=np.int64))
        if row.onset < duration:
            aft = OmoriRate(k=per["aftershock_k"][i] * observed, c=P["aftershock_c"],
                            p=per["aftershock_p"][i], onset=row.onset)
            t = inhomogeneous_poisson(aft, row.onset, duration, rng)
            times.append(t)
            source.append(np.full(t.size, 2, dtype=np.int8))
            eruption.append(np.full(t.size, i, dtype=np.int64))
    t_all = np.concatenate(times)
    order = np.argsort(t_all, kind="stable")
    t_all = t_all[order]
    src = np.concatenate(source)[order]
    erup = np.concatenate(eruption)[order]
    n = t_all.size
    mags = gr.sample(n, rng)
    volcanic = src > 0
    spread = np.where(volcanic, P["volcanic_spread"], P["background_spread"])
    x = spread * rng.standard_normal(n)
    y = spread * rng.standard_normal(n)
    lat, lon = km_to_latlon(x, y, P["latitude"], P["longitude"])
    depth = np.empty(n)
    depth[~volcanic] = _truncated_normal(rng, *P["background_depth"], int((~volcanic).sum()))
    depth[volcanic] = _truncated_normal(rng, *P["volcanic_depth"], int(volcanic.sum()))
    ecvd = pd.DataFrame({
        "time": from_days(t_all, start),
        "latitude": lat,
        "longitude": lon,
        "depth": depth,
        "magnitude": mags,
        "event_id": pd.array([str(i + 1) for i in range(n)], dtype="string"),
        "source": pd.array(np.array(["background", "precursor", "aftershock", "triggered"])[src],
                           dtype="string"),
        "eruption": erup,
    })

    # --- eruptions (only those with an onset inside the window)
    erupted = cycles["onset"].to_numpy() < duration
    evd = pd.DataFrame({
        "start": from_days(cycles["onset"].to_numpy()[erupted], start),
        "end": from_days(cycles["end"].to_numpy()[erupted], start),
        "type": pd.array([P["eruption_type"]] * int(erupted.sum()), dtype="string"),
        "vent": pd.array([P["vent"]] * int(erupted.sum()), dtype="string"),
        "recharge_days": cycles["recharge_days"].to_numpy()[erupted],
        "precursor_days": cycles["precursor_days"].to_numpy()[erupted],
        "duration_days": cycles["duration_days"].to_numpy()[erupted],
        **{key: value[erupted] for key, value in per.items()},
    })

    # --- tilt
    sample_days = np.arange(0.0, duration, float(P["tilt_interval"]))
    signal = tilt_signal(sample_days, cycles, per["inflation_rate"], per["deflation"])
    step_sd = P["tilt_noise"] * np.sqrt(float(P["tilt_interval"]))
    sample_times = from_days(sample_days, start)
    scvd = {}
    for name, gain in P["stations"].items():
        walk = np.cumsum(step_sd * rng.standard_normal(sample_days.size))
        white = P["tilt_white_noise"] * rng.standard_normal(sample_days.size)
        scvd[str(name)] = pd.DataFrame({"time": sample_times,
                                        "tilt": float(gain) * signal + walk + white})

    # --- metadata
    pending = cycles["onset"].to_numpy()[~erupted]
    simulation = {
        "simulator": "volcano",
        "parameters": _yamlable(P),
        "seed": seed_record(seed),
        "next_eruption_onset": (None if pending.size == 0
                                else from_days(float(pending[0]), start).isoformat()),
        "unrest_in_progress": bool(pending.size),
        "observed_per_complete": float(observed),
    }
    finish = from_days(duration, start)
    common = {"location": "synthetic", "time_start": start.isoformat(),
              "time_finish": finish.isoformat()}
    metadata = {
        "ecvd": {**common, "datatype": "ecvd", "location_unit": "degrees", "depth_unit": "km",
                 "simulation": copy.deepcopy(simulation)},
        "evd": {**common, "datatype": "evd", "simulation": copy.deepcopy(simulation)},
        "scvd": {name: {**common, "datatype": "scvd", "station": name,
                        "tilt_unit": "microradians", "simulation": copy.deepcopy(simulation)}
                 for name in scvd},
    }
    return {"ecvd": ecvd, "evd": evd, "scvd": scvd, "metadata": metadata}


def _yamlable(value):
    if isinstance(value, dict):
        return {str(k): _yamlable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_yamlable(v) for v in value]
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value
