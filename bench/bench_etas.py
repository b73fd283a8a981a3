"""Throughput and memory of varpy's temporal ETAS simulator, beside bruces.modeling.etas.

Run (bruces is optional; install it only in a separate venv)::

    python -m venv --system-site-packages /work/bench-venv-bruces
    /work/bench-venv-bruces/bin/pip install bruces
    /work/bench-venv-bruces/bin/python bench/bench_etas.py [--sizes 1e4 1e5 1e6]
        [--bruces-max 1e6] [--repeat 3]

Parameter mapping. bruces (0.5) triggers with
``K_b 10^(a (m - mc)) theta c^theta (t + c)^-(1+theta)`` (time in years, ``c`` given in days);
varpy with ``K exp(alpha (m - mc)) (t + c)^-p`` (days). So ``p = 1 + theta``,
``alpha = a ln 10``, ``K = K_b theta c^theta`` (c in days). Both get the *same* background
catalogue (varpy's homogeneous Poisson + GR draw), so only the cascade is timed.
Differences that remain: bruces draws every aftershock magnitude below its cluster's mainshock
magnitude (so its clusters are smaller than ETAS's for the same parameters), uses thinning of the
full cluster intensity (quadratic in cluster size) and lets a cascade run ``end_time`` past each
mainshock; varpy generates generation by generation with exact inverse-CDF delays and truncates
at the window end. Events per second are therefore compared at similar catalogue sizes.

Memory: ``tracemalloc`` peak of one varpy simulation (numpy reports its buffers to tracemalloc),
in bytes per event, at each size (flat = linear in events).
"""
from __future__ import annotations

import argparse
import sys
import time
import tracemalloc

import numpy as np

from varpy.simulation.etas import branching_ratio, simulate_etas
from varpy.simulation.magnitudes import gr_magnitudes
from varpy.simulation.point_process import homogeneous_poisson

# bruces-style parameters (its defaults, except theta, K and c chosen for n = 0.5)
THETA, A_B, C_DAYS, K_B, B, MC = 0.5, 0.5, 0.01, 0.25, 1.0, 0.0
P = 1.0 + THETA
ALPHA = A_B * np.log(10.0)
K = K_B * THETA * C_DAYS ** THETA
MU = 5.0  # background events per day


def varpy_run(t_end, seed):
    return simulate_etas(mu=MU, k=K, alpha=ALPHA, c=C_DAYS, p=P, b=B, mmin=MC, t_end=t_end,
                         seed=seed)


def time_varpy(t_end, repeat):
    best, n = np.inf, 0
    for r in range(repeat):
        start = time.perf_counter()
        cat = varpy_run(t_end, r)
        best = min(best, time.perf_counter() - start)
        n = len(cat)
    return n, best


def memory_varpy(t_end):
    tracemalloc.start()
    cat = varpy_run(t_end, 0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return len(cat), peak


def time_bruces(t_end, repeat):
    from bruces import Catalog
    from bruces.modeling import etas

    # JIT warm-up, not timed
    warm = Catalog(origin_times=np.array([2000.0, 2000.5]), eastings=np.zeros(2),
                   northings=np.zeros(2), magnitudes=np.array([1.0, 2.0]))
    etas(warm, end_time=2001.0, mc=MC, theta=THETA, alpha=A_B, c=C_DAYS, K=K_B, b=B, seed=1)
    best, n = np.inf, 0
    for r in range(repeat):
        rng = np.random.default_rng(r)
        t = homogeneous_poisson(MU, 0.0, t_end, rng)
        m = gr_magnitudes(t.size, b=B, mmin=MC, seed=rng)
        years = 2000.0 + t / 365.25
        cat = Catalog(origin_times=years, eastings=np.zeros(t.size), northings=np.zeros(t.size),
                      magnitudes=m)
        end = 2000.0 + t_end / 365.25
        start = time.perf_counter()
        out = etas(cat, end_time=end, mc=MC, theta=THETA, alpha=A_B, c=C_DAYS, K=K_B, b=B,
                   seed=r)
        best = min(best, time.perf_counter() - start)
        n = len(out)
    return n, best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e4, 1e5, 1e6],
                        help="target catalogue sizes (events)")
    parser.add_argument("--bruces-max", type=float, default=1e6,
                        help="largest size run with bruces (it is much slower)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    args = parser.parse_args(argv)

    n = branching_ratio(K, ALPHA, C_DAYS, P, B, mmin=MC)
    out = sys.stdout.write
    out(f"temporal ETAS: mu={MU}/day K={K:.5g} alpha={ALPHA:.4f} c={C_DAYS} d p={P} b={B}; "
        f"branching ratio n={n:.3f}\n")
    try:
        import bruces
        have_bruces = True
        out(f"bruces {getattr(bruces, '__version__', '?')} (theta={THETA}, alpha={A_B}, "
            f"K={K_B}, c={C_DAYS} d)\n")
    except ImportError:
        have_bruces = False
        out("bruces not importable here: varpy only (see the module docstring)\n")

    header = (f"{'target':>9} {'varpy n':>9} {'varpy s':>8} {'varpy ev/s':>11} "
              f"{'bruces n':>9} {'bruces s':>9} {'bruces ev/s':>11} {'ratio':>7} "
              f"{'peak MB':>8} {'B/event':>8}\n")
    out(header)
    for size in args.sizes:
        t_end = size * (1.0 - n) / MU
        nv, tv = time_varpy(t_end, args.repeat)
        nm, peak = memory_varpy(t_end)
        row = f"{size:>9.0e} {nv:>9d} {tv:>8.3f} {nv / tv:>11.3e} "
        if have_bruces and size <= args.bruces_max:
            nb, tb = time_bruces(t_end, 1 if size >= 1e6 else args.repeat)
            row += f"{nb:>9d} {tb:>9.3f} {nb / tb:>11.3e} {(nv / tv) / (nb / tb):>7.1f} "
        else:
            row += f"{'-':>9} {'-':>9} {'-':>11} {'-':>7} "
        row += f"{peak / 1e6:>8.1f} {peak / nm:>8.0f}\n"
        out(row)
    out("ratio = varpy events/s / bruces events/s (> 1: varpy faster)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
