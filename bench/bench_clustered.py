"""Speed and memory of the clustered inverse-Omori fit and of the bootstrap interval.

Part 1 -- one window of ~5,000 events (clustered precursory sequence simulated by
``simulate_clustered``: inverse-Omori background, ETAS triggering, branching ratio 0.5): wall
time (best of 3) and peak traced memory (``tracemalloc``, numpy arrays included) of

* the plain inverse-Omori fit (``get_model("iol").fit``, Poisson profile interval included);
* ``fit_clustered(..., interval=False)`` (the fit: exponential-sum triggering kernel, exact
  gradient and Hessian, two Newton starts);
* ``fit_clustered`` with the profile interval of tf under the clustered likelihood.

Goals (issue #11): the clustered fit within 50x of the plain fit and under 1 s.

Part 2 -- ``bootstrap_tf_interval`` with 200 replicates on the same window (re-estimating tf
with the inverse-Omori fit), serially on one core (goal < 10 s), and through ``map_tasks`` on a
Dask LocalCluster with 1 and 2 single-threaded workers (speed-up printed; identical results
checked), and a bootstrap that refits the clustered model (``refit="clustered"``, ~0.07 s per
replicate: the case where the parallel speed-up shows).

Run: ``OPENBLAS_NUM_THREADS=1 python bench/bench_clustered.py`` (``--quick`` skips Dask).
Timings on a shared machine vary; the ratios are the point. On an oversubscribed machine a
multi-threaded BLAS slows the small matrix products of the clustered likelihood 10-30 fold
(spinning threads): pin it to one thread, as the Dask workers are.
"""
from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from varpy.modelling.clustered import fit_clustered  # noqa: E402
from varpy.simulation.clustered import bootstrap_tf_interval, simulate_clustered  # noqa: E402
from varpy.modelling.models import get_model  # noqa: E402

T1 = 95.0
BETA = np.log(10.0)


def window(target: int = 5000, seed: int = 7):
    q, c, alpha, n_b = 1.2, 0.01, 1.0, 0.5
    K = n_b * (q - 1.0) / (BETA / (BETA - alpha) * c ** (1.0 - q))
    # background k so that background + offspring ~ target events on [0, 95) (the factor
    # 1.21 accounts for offspring falling after the window end, measured)
    k = 1.21 * target * (1.0 - n_b) / np.log(100.0 / 5.0)
    truth = dict(k=k, tf=100.0, p=1.0, K=K, alpha=alpha, c=c, q=q)
    t, m = simulate_clustered(truth, 0.0, T1, seed=seed)
    return truth, t, m


def timed(fn, repeat=3):
    best = np.inf
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def peak_memory(fn):
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--events", type=int, default=5000)
    ap.add_argument("--boot", type=int, default=200)
    ap.add_argument("--boot-clustered", type=int, default=40)
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    truth, t, m = window(args.events)
    print(f"window: {t.size} events on [0, {T1}) (tf = 100, branching ratio 0.5)")
    iol = get_model("iol")
    fit_clustered(t[:600], 0.0, T1, m[:600], interval=False, warn=False)   # numba compile
    t_iol, r_iol = timed(lambda: iol.fit(t, 0.0, T1, warn=False))
    t_fit, r_fit = timed(lambda: fit_clustered(t, 0.0, T1, m, interval=False, warn=False))
    t_int, r_int = timed(lambda: fit_clustered(t, 0.0, T1, m, warn=False), repeat=1)
    m_iol = peak_memory(lambda: iol.fit(t, 0.0, T1, warn=False))
    m_fit = peak_memory(lambda: fit_clustered(t, 0.0, T1, m, interval=False, warn=False))
    print(f"{'':34} {'time (s)':>10} {'ratio':>8} {'peak MB':>9}")
    print(f"{'inverse Omori (Poisson) fit':34} {t_iol:10.4f} {1.0:8.1f} {m_iol / 1e6:9.2f}")
    print(f"{'clustered fit':34} {t_fit:10.4f} {t_fit / t_iol:8.1f} {m_fit / 1e6:9.2f}")
    print(f"{'clustered fit + profile interval':34} {t_int:10.4f} {t_int / t_iol:8.1f}")
    print(f"  goals: clustered fit < 1 s: {'met' if t_fit < 1 else 'NOT met'}; within 50x of "
          f"the plain fit: {'met' if t_fit < 50 * t_iol else 'NOT met'}")
    print(f"  clustered: status {r_int.status}, tf {r_int.tf:.3f}, 95% CI "
          f"[{r_int.tf_ci[0]:.3f}, {r_int.tf_ci[1]:.3f}], branching "
          f"{r_int.branching_ratio:.3f} +- {r_int.branching_se:.3f}, "
          f"{r_fit.n_evaluations} evaluations (fit)")
    print(f"  Poisson: tf {r_iol.tf:.3f}, 95% CI [{r_iol.tf_ci[0]:.3f}, {r_iol.tf_ci[1]:.3f}]")

    t_boot, b = timed(lambda: bootstrap_tf_interval(r_fit, m, n_boot=args.boot, seed=1,
                                                    progress=False, tf_hat=r_iol.tf), repeat=1)
    print(f"bootstrap, {args.boot} replicates, one core: {t_boot:.2f} s "
          f"(goal < 10 s: {'met' if t_boot < 10 else 'NOT met'}); 95% CI "
          f"[{b.tf_ci[0]:.3f}, {b.tf_ci[1]:.3f}], status {b.status}")
    if args.quick:
        return 0
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("dask not installed: no parallel measurement")
        return 0
    # refitting with the clustered model costs ~0.07 s per replicate: where Dask pays
    n_c = args.boot_clustered
    t_bc, bc = timed(lambda: bootstrap_tf_interval(r_fit, m, n_boot=n_c, seed=1,
                                                   progress=False, refit="clustered"), repeat=1)
    print(f"bootstrap refitting the clustered model, {n_c} replicates, one core: {t_bc:.2f} s")
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            # warm-up: imports and the numba kernels (compiled or loaded from the cache) in
            # every worker, for both refits, so the timings below measure the work itself
            bootstrap_tf_interval(r_fit, m, n_boot=4 * workers, seed=1, progress=False,
                                  executor=client)
            bootstrap_tf_interval(r_fit, m, n_boot=2 * workers, seed=1, progress=False,
                                  refit="clustered", executor=client)
            t_d, bd = timed(lambda: bootstrap_tf_interval(r_fit, m, n_boot=args.boot, seed=1,
                                                          progress=False, tf_hat=r_iol.tf,
                                                          executor=client), repeat=1)
            t_dc, bdc = timed(lambda: bootstrap_tf_interval(r_fit, m, n_boot=n_c, seed=1,
                                                            progress=False, refit="clustered",
                                                            executor=client), repeat=1)
        same = bd.bootstrap["tf"] == b.bootstrap["tf"]
        same_c = bdc.bootstrap["tf"] == bc.bootstrap["tf"]
        print(f"bootstrap on Dask, {workers} worker(s): {t_d:.2f} s, speed-up vs serial "
              f"{t_boot / t_d:.2f}x, identical results: {same}; clustered refits: "
              f"{t_dc:.2f} s, speed-up {t_bc / t_dc:.2f}x, identical: {same_c}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
