"""Benchmark: varpy magnitude statistics against SeismoStats (values, timings, ratios, memory).

Run with a Python that has SeismoStats (AGPL; benchmark only, never imported by varpy):

    python -m venv --system-site-packages /work/bench-venv
    /work/bench-venv/bin/pip install seismostats
    /work/bench-venv/bin/python bench/bench_mags.py            # full run (several minutes)
    /work/bench-venv/bin/python bench/bench_mags.py --quick    # 1e5 and 1e6 only

Without SeismoStats the peer columns read "n/a". Goals: b-value within 2x of a bare numpy
mean over the same array; MBS >= 10x and KS >= 50x faster than SeismoStats; peak memory a few
copies of the magnitude array (tracemalloc).

Timings are the best of repeated runs (at least ``repeat`` runs, more for fast calls, until
about 0.3 s is spent), which filters out most of the noise of a shared machine; the load
average is printed with each section. ``--b-only`` runs the b-value and memory sections.

Where the time of the default b-value path goes: re-binning every magnitude exactly by the
rule of ``bin_index`` (``floor(m * (1/dm) + 0.5 + tol)``) and accumulating exact integer sums
takes six numpy calls over each in-cache chunk (multiply, add, floor, minimum, a dot for the
sum of squares, an einsum for the sum), plus one for chunks with events below Mc; numpy has no
fused multiply-add-floor, so this path costs about 4-5 numpy means on arrays that fit in cache
and 3.5-4.5 on larger ones. With numba installed (``varpy[speed]``; the bench extra has it),
catalogues of 65,536 events or more take one compiled pass instead (``varpy._accel``); the
bench times both paths and checks that they give the identical estimate. Already-binned input
with ``assume_binned=True`` needs only a minimum and a sum (about 2 means).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

# measure this working tree, not whichever varpy happens to be installed
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from varpy.analysis import magnitudes as M  # noqa: E402
from varpy import _accel  # noqa: E402
from varpy.statistics import excess_moments, mags  # noqa: E402

try:
    import seismostats.analysis as ss
except ImportError:  # the peer column is optional
    ss = None

ETNA = Path(__file__).resolve().parents[2] / "shared" / "data" / "etna" / \
    "Etna_INGVCT_C1_99-onwards.txt"


def timed(fn, repeat=3, budget=0.3, max_runs=500):
    """(best wall time in s, result): at least ``repeat`` calls, more while under ``budget``
    seconds in total (fast calls get hundreds of runs); peer output is silenced."""
    best, out, runs, spent = math.inf, None, 0, 0.0
    while runs < repeat or (spent < budget and runs < max_runs):
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            out = fn()
            dt = time.perf_counter() - t0
        best, runs, spent = min(best, dt), runs + 1, spent + dt
    return best, out


def load():
    """The 1, 5 and 15 minute load averages, for the record (the machine may be shared)."""
    try:
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average n/a"


def peak_copies(fn, nbytes):
    """Peak traced allocation of ``fn()`` in units of the magnitude array's size."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / nbytes


def fmt_t(t):
    if t is None or not math.isfinite(t):
        return "n/a"
    return f"{t * 1e3:9.2f} ms" if t < 10 else f"{t:9.1f} s "


def fmt_v(v):
    if v is None:
        return "n/a"
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    return f"{v:.5f}" if isinstance(v, float) else str(v)


def row(label, v_varpy, t_varpy, v_peer=None, t_peer=None, note=""):
    ratio = (t_peer / t_varpy) if (t_peer and t_varpy) else None
    print(f"  {label:<40} {fmt_v(v_varpy):>10} {fmt_t(t_varpy):>12}   "
          f"{fmt_v(v_peer):>10} {fmt_t(t_peer):>12}   "
          f"{'' if ratio is None else f'{ratio:8.1f}x':>9}  {note}")


def header(title):
    print(f"\n{title}")
    print(f"  {'':<40} {'varpy':>10} {'time':>12}   {'SeismoStats':>10} {'time':>12}   "
          f"{'speed-up':>9}")


def incomplete_catalogue(n, seed):
    """About n binned GR magnitudes (b = 1) with a normal-CDF detection mu = 1.0, sigma = 0.2."""
    # P(detect) for magnitudes drawn above 0.5 is about 0.31
    return mags.simulate_gr(int(n / 0.31), 1.0, 0.5, 0.1, detection=(1.0, 0.2), seed=seed)


def bench_b(sizes):
    header("b-value (b = 1, Mc = 1.0, dm = 0.1)   " + load())
    for n in sizes:
        m = mags.simulate_gr(n, 1.0, 1.0, 0.1, seed=1)
        # a whole catalogue: about n events, 40 % of them below Mc = 1.2
        whole = incomplete_catalogue(n, seed=5)
        frame = pd.DataFrame({"magnitude": m})
        frame.loc[::100, "magnitude"] = np.nan
        t_mean, _ = timed(lambda: m.mean(), 9)
        t_mean_whole, _ = timed(lambda: whole.mean(), 9)
        t_fast, fast = timed(lambda: mags.estimate_b(m, 1.0, 0.1, assume_binned=True,
                                                     compute_std=False), 9)
        t_std, _ = timed(lambda: mags.estimate_b(m, 1.0, 0.1, assume_binned=True), 9)
        t_core, fit = timed(lambda: mags.estimate_b(m, 1.0, 0.1), 7)
        compiled_min = excess_moments._COMPILED_MIN_SIZE
        excess_moments._COMPILED_MIN_SIZE = math.inf      # the numpy path, as without numba
        try:
            t_numpy, fit_numpy = timed(lambda: mags.estimate_b(m, 1.0, 0.1), 7)
        finally:
            excess_moments._COMPILED_MIN_SIZE = compiled_min
        assert fit_numpy == fit, "compiled and numpy paths differ"
        t_whole, fit_whole = timed(lambda: mags.estimate_b(whole, 1.2, 0.1), 7)
        t_api, res = timed(lambda: M.b_value(m, mc=1.0), 5)
        t_frame, res_frame = timed(lambda: M.b_value(frame, mc=1.0), 5)
        t_peer, b_peer = (None, None)
        t_peer_whole, b_peer_whole = (None, None)
        if ss is not None:
            t_peer, b_peer = timed(lambda: ss.estimate_b(m, 1.0, 0.1), 3)
            t_peer_whole, b_peer_whole = timed(
                lambda: ss.estimate_b(whole[whole >= 1.15], 1.2, 0.1), 3)
        print(f" N = {n:.0e}")
        row("numpy mean (baseline)", float(m.mean()), t_mean)
        row("mags.estimate_b, binned input", fast.b, t_fast, b_peer, t_peer,
            f"{t_fast / t_mean:.2f}x the numpy mean (goal <= 2x)")
        row("  same + std for Shi-Bolt", fast.b, t_std, None, None,
            f"{t_std / t_mean:.2f}x the numpy mean")
        path = "numba" if n >= compiled_min and _accel.numba_enabled() else "numpy"
        row(f"mags.estimate_b, exact re-binning ({path})", fit.b, t_core, b_peer, t_peer,
            f"{t_core / t_mean:.2f}x the numpy mean (goal <= 2x)")
        row("  same, numpy path (no numba)", fit_numpy.b, t_numpy, None, None,
            f"{t_numpy / t_mean:.2f}x the numpy mean")
        row("  whole catalogue, Mc = 1.2", fit_whole.b, t_whole, b_peer_whole, t_peer_whole,
            f"{t_whole / t_mean_whole:.2f}x its numpy mean ({int(fit_whole.n)} of "
            f"{whole.size} events used)")
        row("analysis.b_value (NaN, bins, sigma, CI)", res.b, t_api, b_peer, t_peer,
            f"{t_api / t_mean:.2f}x the numpy mean")
        row("  from a DataFrame column, 1% NaN", res_frame.b, t_frame, None, None,
            f"{t_frame / t_mean:.2f}x the numpy mean")
        t_boot, boot = timed(lambda: M.b_value(m, mc=1.0, uncertainty="bootstrap",
                                               n_boot=1000, seed=1), 1)
        row("  + bootstrap sigma, 1000 redraws", boot.sigma, t_boot, None, None,
            f"analytic sigma {res.sigma:.5f}")
    print(f"  ({load()})")


def bench_mc(sizes, peer_ks_max, n_sim):
    header("Completeness on incomplete catalogues (detection mu = 1.0, sigma = 0.2, dm = 0.1)"
           "   " + load())
    for n in sizes:
        m = incomplete_catalogue(n, seed=2)
        print(f" N = {m.size:.2e}")
        t, (v, _) = timed(lambda: mags.mc_maxc(m, 0.1, correction=0.2), 3)
        tp, vp = (None, None)
        if ss is not None:
            tp, out = timed(lambda: ss.estimate_mc_maxc(m, 0.1, correction_factor=0.2), 3)
            vp = float(out[0])
        row("MAXC + 0.2", v, t, vp, tp)
        t, (v, _) = timed(lambda: mags.mc_mbs(m, 0.1), 3)
        tp, vp = (None, None)
        if ss is not None:
            tp, out = timed(lambda: ss.estimate_mc_b_stability(m, 0.1), 1)
            vp = None if out[0] is None else float(out[0])
        row("MBS (Shi-Bolt criterion)", v, t, vp, tp, "goal >= 10x")
        t, (v, d) = timed(lambda: mags.mc_gft(m, 0.1), 3)
        row("GFT (incremental, best combination)", v, t, None, None,
            f"criterion {d['criterion']}; not in SeismoStats")
        t, (v, _) = timed(lambda: mags.mc_emr(m, 0.1), 1)
        row("EMR", v, t, None, None, "not in SeismoStats")
        t, (v, _) = timed(lambda: mags.mc_ks(m, 0.1, n_sim=n_sim, seed=1), 1)
        tp, vp, note = (None, None, "goal >= 50x")
        if ss is not None and m.size <= peer_ks_max:
            tp, out = timed(lambda: ss.estimate_mc_ks(m, 0.1, n=n_sim), 1)
            vp = None if out[0] is None else float(out[0])
        elif ss is not None:
            note = f"peer skipped (N > {peer_ks_max}: minutes to hours)"
        row(f"KS / Clauset (n_sim = {n_sim})", v, t, vp, tp, note)


def bench_memory(n):
    print(f"\nPeak memory (tracemalloc) on N = {n:.0e}, in copies of the float64 magnitude array")
    m = mags.simulate_gr(n, 1.0, 1.0, 0.1, seed=3)
    inc = incomplete_catalogue(n, seed=4)
    nb, nb_inc = m.nbytes, inc.nbytes
    frame = pd.DataFrame({"magnitude": m})
    frame.loc[::100, "magnitude"] = np.nan
    items = [
        ("mags.estimate_b", lambda: mags.estimate_b(m, 1.0, 0.1), nb),
        ("mags.estimate_b, whole catalogue, Mc = 1.2", lambda: mags.estimate_b(inc, 1.2, 0.1),
         nb_inc),
        ("analysis.b_value (incl. binning)", lambda: M.b_value(m, mc=1.0), nb),
        ("analysis.b_value, DataFrame with NaN", lambda: M.b_value(frame, mc=1.0), nb),
        ("analysis.b_value, bootstrap 1000", lambda: M.b_value(m, mc=1.0,
                                                               uncertainty="bootstrap",
                                                               n_boot=1000, seed=1), nb),
        ("analysis.fmd", lambda: M.fmd(m), nb),
        ("mags.mc_gft", lambda: mags.mc_gft(inc, 0.1), nb_inc),
        ("mags.mc_ks (n_sim 10000)", lambda: mags.mc_ks(inc, 0.1, seed=1), nb_inc),
        ("analysis.mc('emr')", lambda: M.mc(inc, "emr"), nb_inc),
    ]
    for label, fn, nbytes in items:
        print(f"  {label:<44} {peak_copies(fn, nbytes):6.2f}")


def load_etna():
    raw = pd.read_csv(ETNA, sep="\t", header=None, usecols=range(7),
                      names=["id", "date", "clock", "lat", "lon", "depth", "magnitude"])
    m = raw["magnitude"].to_numpy(dtype=float)
    return m[m != 0.0]          # 0.0 is INGV-CT's "unknown magnitude" placeholder


def bench_etna(n_sim):
    if not ETNA.exists():
        print(f"\nEtna catalogue not found at {ETNA}; skipped")
        return
    m = load_etna()
    header(f"Etna INGV-CT catalogue ({m.size} events with a magnitude, dm = 0.1)")
    t, (v, _) = timed(lambda: mags.mc_maxc(m, 0.1, correction=0.2), 3)
    tp, vp = (None, None)
    if ss is not None:
        tp, out = timed(lambda: ss.estimate_mc_maxc(m, 0.1, correction_factor=0.2), 3)
        vp = float(out[0])
    row("MAXC + 0.2", v, t, vp, tp)
    mc_val = v
    t, fit = timed(lambda: mags.estimate_b(m, mc_val, 0.1), 7)
    tp, vp = (None, None)
    if ss is not None:
        tp, vp = timed(lambda: float(ss.estimate_b(m[m >= mc_val - 0.05], mc_val, 0.1)), 3)
    row(f"b at Mc = {mc_val:g} (Tinti-Mulargia)", fit.b, t, vp, tp)
    t, (v, _) = timed(lambda: mags.mc_mbs(m, 0.1), 3)
    tp, vp = (None, None)
    if ss is not None:
        tp, out = timed(lambda: ss.estimate_mc_b_stability(m, 0.1), 1)
        vp = None if out[0] is None else float(out[0])
    row("MBS", v, t, vp, tp, "goal >= 10x")
    t, (v, d) = timed(lambda: mags.mc_gft(m, 0.1), 3)
    row("GFT", v, t, None, None, f"criterion {d['criterion']}")
    t, (v, _) = timed(lambda: mags.mc_emr(m, 0.1), 3)
    row("EMR", v, t)
    t, (v, _) = timed(lambda: mags.mc_ks(m, 0.1, n_sim=n_sim, seed=1), 3)
    tp, vp = (None, None)
    if ss is not None:
        tp, out = timed(lambda: ss.estimate_mc_ks(m, 0.1, n=n_sim), 1)
        vp = None if out[0] is None else float(out[0])
    row(f"KS / Clauset (n_sim = {n_sim})", v, t, vp, tp, "goal >= 50x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sizes 1e5 and 1e6 only")
    parser.add_argument("--b-only", action="store_true",
                        help="only the b-value and memory sections")
    parser.add_argument("--peer-ks-max", type=int, default=20_000,
                        help="largest catalogue on which SeismoStats' KS is run")
    parser.add_argument("--n-sim", type=int, default=10_000,
                        help="KS simulations per candidate (SeismoStats default 10000)")
    args = parser.parse_args()
    sizes = [10**5, 10**6] if args.quick else [10**5, 10**6, 10**7]
    print("varpy magnitude statistics benchmark"
          + ("" if ss is not None else " (SeismoStats not installed: peer columns n/a)"))
    print(f"numpy {np.__version__}, pandas {pd.__version__}; {load()}")
    bench_b(sizes)
    if not args.b_only:
        bench_mc(sizes, args.peer_ks_max, args.n_sim)
    bench_memory(sizes[-1])
    if not args.b_only:
        bench_etna(args.n_sim)


if __name__ == "__main__":
    main()
