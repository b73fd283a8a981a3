"""Benchmark: b-more-positive and a-positive (issue 17) on large catalogues, as ratios to one numpy
pass over the same magnitudes, and beside SeismoStats when it is importable.

    python bench/bench_positive.py            # 1e5 and 1e6 events
    python bench/bench_positive.py --quick    # 1e5 only

Goal (issue 17): b-more-positive and a-positive on 1e6 events within 3x of one numpy pass.
"One numpy pass" is reported two ways: ``numpy.mean`` (a pure read) and ``numpy.diff`` (a read
and a write, the pass b-positive is built on). SeismoStats (AGPL) is never imported by varpy;
run this script with a Python that has it (e.g. a separate venv with ``--system-site-packages``)
to fill the peer column. Its ``find_next_larger`` is a Python double loop, so the peer is timed
on a subset of ``--peer-n`` events only and the ratio is extrapolated linearly (a lower bound of
its cost, which grows faster than linearly).

Timings are the best of repeated runs; the load average is printed because the machine may be
shared.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from varpy import _accel  # noqa: E402
from varpy.statistics import avalue, bvalue_positive  # noqa: E402
from varpy.statistics.gr_simulation import simulate_gr  # noqa: E402

try:
    from seismostats.analysis import (AMorePositiveAValueEstimator,  # noqa: E402
                                      BMorePositiveBValueEstimator)
except ImportError:
    BMorePositiveBValueEstimator = AMorePositiveAValueEstimator = None


def timed(fn, repeat=5, budget=0.5):
    best = float("inf")
    spent = 0.0
    runs = 0
    while runs < repeat or (spent < budget and runs < 200):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        best = min(best, dt)
        spent += dt
        runs += 1
    return best


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--peer-n", type=int, default=2000)
    args = p.parse_args(argv)
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    print(f"numba kernels: {_accel.numba_enabled()}; load average {os.getloadavg()}")
    for n in sizes:
        rng = np.random.default_rng(1)
        m = simulate_gr(n, 1.0, 1.0, 0.1, seed=rng)
        t = np.sort(rng.uniform(0, 1000, n))
        bvalue_positive.estimate_b_more_positive(m[:70000], 0.1)     # compile / warm up
        avalue.estimate_a_positive(m[:1000], t[:1000], 0.1, 1.0)
        t_mean = timed(lambda: m.mean())
        t_diff = timed(lambda: np.diff(m))
        t_both = timed(lambda: (m.mean(), t.mean()))
        t_bmp = timed(lambda: bvalue_positive.estimate_b_more_positive(m, 0.1))
        t_ap = timed(lambda: avalue.estimate_a_positive(m, t, 0.1, 1.0))
        t_amp = timed(lambda: avalue.estimate_a_more_positive(m, t, 0.1, 1.0))
        print(f"\nn = {n:,}: numpy mean {t_mean * 1e3:.2f} ms, numpy diff {t_diff * 1e3:.2f} ms, "
              f"means of magnitudes and times {t_both * 1e3:.2f} ms")
        for label, tt, ref in (("b-more-positive", t_bmp, t_mean), ("a-positive", t_ap, t_both),
                               ("a-more-positive", t_amp, t_both)):
            print(f"  {label:16s} {tt * 1e3:8.2f} ms   x{tt / t_mean:6.1f} mean   "
                  f"x{tt / t_diff:5.1f} diff   x{tt / ref:5.1f} one pass over its inputs")
        if n == sizes[-1]:
            os.environ["VARPY_NUMBA"] = "0"
            _accel.next_at_least_kernel.cache_clear()
            _accel.next_at_least_bins_kernel.cache_clear()
            _accel.positive_kernels.cache_clear()
            b_np = bvalue_positive.estimate_b_more_positive(m, 0.1).b
            t_np = timed(lambda: bvalue_positive.estimate_b_more_positive(m, 0.1), repeat=2,
                         budget=0.1)
            os.environ["VARPY_NUMBA"] = "1"
            _accel.next_at_least_kernel.cache_clear()
            _accel.next_at_least_bins_kernel.cache_clear()
            _accel.positive_kernels.cache_clear()
            same = b_np == bvalue_positive.estimate_b_more_positive(m, 0.1).b
            print(f"  b-more-positive, numpy path (no numba): {t_np * 1e3:.1f} ms "
                  f"(x{t_np / t_mean:.0f} mean); same estimate: {same}")
        if BMorePositiveBValueEstimator is not None:
            k = min(args.peer_n, n)
            est = BMorePositiveBValueEstimator()
            t_peer = timed(lambda: est.calculate(m[:k], mc=1.0, delta_m=0.1, dmc=0.1),
                           repeat=1, budget=0.0)
            peer_b = est.b_value
            our_b = bvalue_positive.estimate_b_more_positive(m[:k], 0.1).b
            ours = timed(lambda: bvalue_positive.estimate_b_more_positive(m[:k], 0.1))
            print(f"  SeismoStats b-more-positive on {k} events: {t_peer * 1e3:.1f} ms, "
                  f"varpy {ours * 1e3:.2f} ms (x{t_peer / ours:.0f}); on {n:,} at least "
                  f"x{t_peer * n / k / t_bmp:.0f}; b {peer_b:.12f} vs varpy {our_b:.12f}")
            est_a = AMorePositiveAValueEstimator()
            t_peer_a = timed(lambda: est_a.calculate(m[:k], mc=1.0, delta_m=0.1, times=t[:k],
                                                     b_value=1.0), repeat=1, budget=0.0)
            ours_a = timed(lambda: avalue.estimate_a_more_positive(m[:k], t[:k], 0.1, 1.0))
            a_peer = est_a.a_value
            a_ours = avalue.estimate_a_more_positive(m[:k], t[:k], 0.1, 1.0, mc=1.0).a
            print(f"  SeismoStats a-more-positive on {k} events: {t_peer_a * 1e3:.1f} ms, "
                  f"varpy {ours_a * 1e3:.2f} ms (x{t_peer_a / ours_a:.0f}); a {a_peer:.12f} vs "
                  f"varpy {a_ours:.12f}")
        else:
            print("  SeismoStats: n/a (not importable here)")


if __name__ == "__main__":
    main()
