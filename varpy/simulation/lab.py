"""A synthetic triaxial creep (brittle creep) experiment: acoustic emissions and stress/strain.

The experiment follows the UCL protocol of the DDS-7 sample shipped with VarPy 2016 (defaults are
close to it): the axial stress is raised at a constant rate from ``t0`` to ``t1`` and then held
constant (creep) until the sample fails at ``tf``; the stress then drops to zero within
``failure_duration`` seconds. Times are seconds from the start of loading.

Acoustic emissions (AE) occur during creep, ``t1 <= t < tf``, as the superposition of (VarPy 2016
``ae_sim.Creep_sim``, reference section 10.3):

* primary (transient) creep: decelerating modified Omori ``k1 (t - t1 + c)^-p1``;
* tertiary creep: accelerating inverse Omori ``k2 (tf + tc - t)^-p2``; the singularity lies
  ``tc = tertiary_c`` seconds after failure, as the rate of a real sample stays finite (with
  ``tc = 0`` the count up to failure is finite only for ``p2 < 1``; or stop the AE at
  ``ae_end < tf``);
* an optional constant background,

with Gutenberg-Richter magnitudes (AE magnitude = log10 amplitude); incomplete small events
(VarPy's ``Creep_incomp_sim``) come from the Ogata-Katsura detection curve ``detection=(mu,
sigma)``. ``size_format="amplitude"`` reports ``10**magnitude`` instead.

Axial strain (percent) is elastic during loading, follows a creep curve during creep (Main 2000
form: primary ``e1 (1 - (1 + tau/tau1)^-m)``, secondary ``rate * tau``, tertiary
``e3 ((1 - tau/(tau_f + tc))^-n - 1)`` with ``tau = t - t1``, ``tc = tertiary_strain_c``) and
jumps by ``failure_strain`` during the failure. Pore volume compacts during loading and dilates
with creep strain. All series carry small Gaussian noise and are sampled every
``sample_interval`` seconds.

Examples
--------
>>> from varpy.simulation.lab import simulate_lab_data
>>> out = simulate_lab_data(seed=2)
>>> sorted(out)
['ecld', 'metadata', 'scld']
>>> md = out['metadata']['ecld']
>>> md['t1'] < float(out['ecld']['time'].min()) and float(out['ecld']['time'].max()) < md['tf']
True
"""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from varpy.simulation.etas import seed_record
from varpy.simulation.magnitudes import GutenbergRichter
from varpy.simulation.point_process import (
    ConstantRate,
    InverseOmoriRate,
    OmoriRate,
    SimulationError,
    inhomogeneous_poisson,
)
from varpy.simulation.volcano import _yamlable

__all__ = ["simulate_lab_data", "creep_strain", "LAB_DEFAULTS"]

#: Defaults, close to the UCL DDS-7 sandstone creep test (t1 = 1270 s, tf = 10853 s).
LAB_DEFAULTS = {
    "t0": 0.0,
    "t1": 1270.0,                  # creep start (s)
    "tf": 10850.0,                 # failure (s)
    "primary_k": 200.0,            # k1, events/s^(1-p1)
    "primary_c": 20.0,             # c (s)
    "primary_p": 1.1,              # p1
    "tertiary_k": 40.0,            # k2
    "tertiary_p": 0.8,             # p2
    "tertiary_c": 1.0,             # s: AE singularity tf + tertiary_c
    "background_rate": 0.0,        # AE/s during creep
    "ae_end": None,                # default tf
    "b": 1.0,
    "mmin": 0.0,
    "mmax": None,
    "dm": None,
    "detection": None,
    "m_low": None,
    "size_format": "magnitude",
    "creep_stress": 131.0,         # MPa
    "confining_pressure": 50.0,    # MPa
    "pore_pressure": 20.0,         # MPa
    "loading_strain": 1.6,         # % at t1
    "primary_strain": 0.08,        # %
    "primary_time": 100.0,         # tau1 (s)
    "primary_exponent": 1.0,       # m
    "secondary_rate": 1.2e-5,      # %/s
    "tertiary_strain": 0.01,       # %
    "tertiary_exponent": 0.3,      # n
    "tertiary_strain_c": 5.0,      # tc (s): keeps the strain finite at tf
    "failure_strain": 4.8,         # % added during the stress drop
    "failure_duration": 20.0,      # s
    "post_failure": 20.0,          # s recorded after the stress reached zero
    "compaction": 0.2,             # cm3 pore-volume loss during loading
    "dilatancy": 1.8,              # cm3 per % of creep strain
    "failure_dilatancy": 0.08,     # cm3 per % of failure strain
    "sample_interval": 2.0,        # s
    "stress_noise": 0.05,          # MPa
    "strain_noise": 0.0005,        # %
    "pressure_noise": 0.02,        # MPa
    "volume_noise": 0.002,         # cm3
}

_SOURCES = np.array(["primary", "tertiary", "background"])


def creep_strain(t, *, t0, t1, tf, loading_strain, primary_strain, primary_time,
                 primary_exponent, secondary_rate, tertiary_strain, tertiary_exponent,
                 tertiary_strain_c, failure_strain, failure_duration):
    """Noise-free axial strain (percent) and its creep and failure parts at times ``t`` (s).

    Returns
    -------
    total, creep_part, failure_part : numpy.ndarray
    """
    t = np.asarray(t, dtype=float)
    loading = loading_strain * np.clip((t - t0) / (t1 - t0), 0.0, 1.0)
    tau = np.clip(t, t1, tf) - t1
    tau_f = tf - t1 + tertiary_strain_c
    creep = (primary_strain * -np.expm1(-primary_exponent * np.log1p(tau / primary_time))
             + secondary_rate * tau
             + tertiary_strain * np.expm1(-tertiary_exponent * np.log1p(-tau / tau_f)))
    failure = failure_strain * np.clip((t - tf) / failure_duration, 0.0, 1.0)
    return loading + creep + failure, creep, failure


def simulate_lab_data(*, seed=None, **params) -> dict:
    """Simulate a creep-to-failure experiment: AE catalogue (ECLD) and stress/strain (SCLD).

    Parameters
    ----------
    seed : int, numpy.random.Generator or None
    **params
        Any key of :data:`LAB_DEFAULTS` (seconds, MPa, percent strain, cm3).

    Returns
    -------
    dict
        ``{"ecld": DataFrame, "scld": DataFrame, "metadata": {"ecld": dict, "scld": dict}}``.
        ECLD: ``time`` (s), ``magnitude`` or ``amplitude`` (per ``size_format``), ``source``
        (primary / tertiary / background). SCLD: ``time`` (s), ``time_minutes``, ``stress``,
        ``axial_strain``, ``pore_volume``, ``confining_pressure``, ``pore_pressure``,
        ``effective_pressure``. Metadata carry ``t0``, ``t1``, ``tf`` (s), ``time_unit``,
        ``size_format`` and ``simulation``.

    Raises
    ------
    SimulationError
        Unknown parameters, ``t0 < t1 < tf`` violated, infinite AE count (``p2 >= 1`` up to
        ``tf``).
    """
    unknown = sorted(set(params) - set(LAB_DEFAULTS))
    if unknown:
        raise SimulationError(f"unknown lab simulation parameter(s) {unknown}; valid "
                              f"parameters are: {', '.join(sorted(LAB_DEFAULTS))}")
    P = {**LAB_DEFAULTS, **params}
    t0, t1, tf = float(P["t0"]), float(P["t1"]), float(P["tf"])
    if not t0 < t1 < tf:
        raise SimulationError(f"times must satisfy t0 < t1 < tf (got t0={t0}, t1={t1}, tf={tf})")
    ae_end = tf if P["ae_end"] is None else float(P["ae_end"])
    if not t1 <= ae_end <= tf:
        raise SimulationError(f"ae_end={ae_end} must lie in [t1, tf] = [{t1}, {tf}]")
    if not P["tertiary_c"] >= 0:
        raise SimulationError(f"tertiary_c={P['tertiary_c']!r} must be >= 0 seconds")
    if ae_end == tf and P["tertiary_c"] == 0 and P["tertiary_p"] >= 1 and P["tertiary_k"] > 0:
        raise SimulationError(
            f"tertiary_p={P['tertiary_p']} >= 1 with tertiary_c=0 gives infinitely many AE "
            "before failure; use tertiary_p < 1, tertiary_c > 0, or stop the catalogue before "
            "failure with ae_end < tf")
    if P["size_format"] not in ("magnitude", "amplitude"):
        raise SimulationError(f"size_format={P['size_format']!r}; valid choices are: "
                              "amplitude, magnitude")
    for key in ("sample_interval", "failure_duration", "primary_time", "tertiary_strain_c"):
        if not P[key] > 0:
            raise SimulationError(f"{key}={P[key]!r} must be > 0")
    rng = np.random.default_rng(seed)
    gr = GutenbergRichter(b=P["b"], mmin=P["mmin"], mmax=P["mmax"], dm=P["dm"],
                          detection=None if P["detection"] is None else tuple(P["detection"]),
                          m_low=P["m_low"])
    observed = gr.observed_per_complete()

    # --- acoustic emissions
    components = [
        OmoriRate(k=P["primary_k"] * observed, c=P["primary_c"], p=P["primary_p"], onset=t1),
        InverseOmoriRate(k=P["tertiary_k"] * observed, tf=tf + P["tertiary_c"],
                         p=P["tertiary_p"]),
        ConstantRate(P["background_rate"] * observed),
    ]
    times = [inhomogeneous_poisson(rate, t1, ae_end, rng) for rate in components]
    src = np.concatenate([np.full(t.size, i, dtype=np.int8) for i, t in enumerate(times)])
    t_all = np.concatenate(times)
    order = np.argsort(t_all, kind="stable")
    t_all, src = t_all[order], src[order]
    mags = gr.sample(t_all.size, rng)
    size = mags if P["size_format"] == "magnitude" else np.power(10.0, mags)
    ecld = pd.DataFrame({"time": t_all, P["size_format"]: size,
                         "source": pd.array(_SOURCES[src], dtype="string")})

    # --- stress, strain, pore volume
    t_stop = tf + P["failure_duration"] + P["post_failure"]
    t = t0 + P["sample_interval"] * np.arange(int(np.ceil((t_stop - t0) / P["sample_interval"])))
    stress = P["creep_stress"] * np.clip((t - t0) / (t1 - t0), 0.0, 1.0)
    stress = stress * (1.0 - np.clip((t - tf) / P["failure_duration"], 0.0, 1.0))
    strain, creep, failure = creep_strain(
        t, t0=t0, t1=t1, tf=tf,
        **{key: P[key] for key in ("loading_strain", "primary_strain", "primary_time",
                                    "primary_exponent", "secondary_rate", "tertiary_strain",
                                    "tertiary_exponent", "tertiary_strain_c", "failure_strain",
                                    "failure_duration")})
    volume = (-P["compaction"] * np.clip((t - t0) / (t1 - t0), 0.0, 1.0)
              + P["dilatancy"] * creep + P["failure_dilatancy"] * failure)
    n = t.size
    confining = P["confining_pressure"] + P["pressure_noise"] * rng.standard_normal(n)
    pore = P["pore_pressure"] + P["pressure_noise"] * rng.standard_normal(n)
    scld = pd.DataFrame({
        "time": t,
        "time_minutes": t / 60.0,
        "stress": stress + P["stress_noise"] * rng.standard_normal(n),
        "axial_strain": strain + P["strain_noise"] * rng.standard_normal(n),
        "pore_volume": volume + P["volume_noise"] * rng.standard_normal(n),
        "confining_pressure": confining,
        "pore_pressure": pore,
        "effective_pressure": confining - pore,
    })

    simulation = {"simulator": "lab_creep", "parameters": _yamlable(P), "seed": seed_record(seed),
                  "observed_per_complete": float(observed)}
    common = {"t0": t0, "t1": t1, "tf": tf, "time_unit": "seconds", "location": "synthetic"}
    metadata = {
        "ecld": {**common, "datatype": "ecld", "size_format": P["size_format"],
                 "simulation": copy.deepcopy(simulation)},
        "scld": {**common, "datatype": "scld", "simulation": copy.deepcopy(simulation)},
    }
    return {"ecld": ecld, "scld": scld, "metadata": metadata}
