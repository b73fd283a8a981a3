"""Benchmark: declustering speed and memory against SeismoStats and naive O(n^2) numpy.

Run with a Python that has SeismoStats (AGPL; benchmark only, never imported by varpy):

    python -m venv --system-site-packages /tmp/ss-venv
    /tmp/ss-venv/bin/pip install seismostats
    /tmp/ss-venv/bin/python bench/bench_decluster.py            # 1e5 events
    /tmp/ss-venv/bin/python bench/bench_decluster.py --n 20000  # quicker

Without SeismoStats its column reads "n/a". Goals (issue 17): Gardner-Knopoff and
nearest-neighbour on 1e5 events >= 10x faster than SeismoStats' Gardner-Knopoff and than a naive
O(n^2) numpy reference, with memory linear in n (no n x n matrix; tracemalloc peak printed in
bytes per event).

The naive references compare every pair, one row at a time (numpy vectors of length n, the
way SeismoStats and hmtk do it): they are timed on ``--naive-n`` events (default 20,000) and
scaled by ``(n / naive_n)^2`` to the full size unless ``--full-naive`` is given; the printed
ratio says which. Both naive references are checked to give the same labels as varpy on the
smaller catalogue.

The catalogue is a space-time ETAS simulation (varpy.simulation.etas, branching ratio 0.72,
magnitudes >= 2, 400 km x 400 km, Gaussian offspring kernel) with about n events.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from varpy.simulation.etas import branching_ratio, simulate_etas_space_time  # noqa: E402
from varpy.statistics import declustering as dc  # noqa: E402
from varpy.statistics.declustering.neighbours import nearest_neighbours_naive  # noqa: E402
from varpy.statistics.declustering.result import haversine_km  # noqa: E402

try:
    from seismostats.analysis.declustering import (GardnerKnopoffType1,  # noqa: E402
                                                   GardnerKnopoffWindow)
except ImportError:  # the peer column is optional
    GardnerKnopoffType1 = GardnerKnopoffWindow = None

ETAS = dict(k=0.02, alpha=1.5, c=0.01, p=1.2, b=1.0, mmin=2.0, kernel="gaussian", d=0.5,
            gamma=1.0, region=(-200.0, 200.0, -200.0, 200.0), origin=(37.0, 15.0))


def catalogue(n, seed=1):
    t_end = 3650.0
    ratio = branching_ratio(ETAS["k"], ETAS["alpha"], ETAS["c"], ETAS["p"], ETAS["b"])
    mu = n * (1 - ratio) / t_end
    cat = simulate_etas_space_time(mu, t_end=t_end, seed=seed, **ETAS)
    # sequences cut by the window end make the catalogue smaller than mu T / (1 - n): rescale
    cat = simulate_etas_space_time(mu * n / len(cat), t_end=t_end, seed=seed, **ETAS)
    return cat


def timed(fn, repeat=1):
    best = math.inf
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_bytes(fn):
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def naive_gk(t, lat, lon, m):
    """Gardner-Knopoff with full-length vectors per window (O(n^2)), same rule as varpy."""
    dist, span = dc.window("gardner_knopoff", m)
    n = t.size
    label = np.full(n, -1, dtype=np.int64)
    order = np.lexsort((t, -m))
    k = 0
    for i in order:
        if label[i] >= 0:
            continue
        dt = t - t[i]
        sel = (dt >= -span[i]) & (dt <= span[i]) & (label < 0)
        sel &= haversine_km(lat[i], lon[i], lat, lon) <= dist[i]
        label[sel] = k
        label[i] = k
        k += 1
    return label


def seismostats_gk(cat):
    import pandas as pd
    from seismostats import Catalog

    frame = pd.DataFrame({"time": pd.Timestamp("2000-01-01") + pd.to_timedelta(cat.time,
                                                                              unit="D"),
                          "latitude": cat.latitude, "longitude": cat.longitude,
                          "depth": 5.0, "magnitude": cat.magnitude})
    c = Catalog(frame)
    # returns the boolean mask of the declustered (mainshock) events
    return GardnerKnopoffType1(GardnerKnopoffWindow(), fs_time_prop=1.0)(c)


def same_partition(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    pairs = np.unique(np.column_stack([a, b]), axis=0)
    return len(pairs) == len(np.unique(a)) == len(np.unique(b))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--naive-n", type=int, default=20_000)
    ap.add_argument("--full-naive", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    print(f"load average: {os.getloadavg()}")
    cat = catalogue(args.n, args.seed)
    n = len(cat)
    t, lat, lon, m = (cat[c].to_numpy() for c in ("time", "latitude", "longitude", "magnitude"))
    print(f"ETAS catalogue: {n} events, {100 * (cat.parent < 0).mean():.1f} % background")

    t_gk, gk = timed(lambda: dc.gardner_knopoff(t, lat, lon, m))
    t_nn, nn = timed(lambda: dc.nearest_neighbour(t, lat, lon, m))
    print(f"varpy gardner_knopoff : {t_gk:8.2f} s  ({gk.n_clusters} clusters)")
    print(f"varpy nearest_neighbour: {t_nn:8.2f} s  ({nn.n_clusters} clusters, "
          f"log10 eta0 {nn.diagnostics['log10_eta0']:.2f})")

    # memory, per event
    for name, fn in (("gardner_knopoff", lambda: dc.gardner_knopoff(t, lat, lon, m)),
                     ("nearest_neighbour", lambda: dc.nearest_neighbour(t, lat, lon, m))):
        peak = peak_bytes(fn)
        print(f"peak memory {name:18s}: {peak / 1e6:8.1f} MB = {peak / n:7.0f} bytes/event "
              f"(an n x n float matrix would be {8 * n * n / 1e9:.0f} GB)")

    # naive references
    small = cat.iloc[:min(args.naive_n, n)] if not args.full_naive else cat
    ns = len(small)
    ts, las, los, ms = (small[c].to_numpy() for c in ("time", "latitude", "longitude",
                                                      "magnitude"))
    scale = (n / ns) ** 2
    tag = "measured" if ns == n else f"measured on {ns} events x (n/{ns})^2 = x{scale:.1f}"
    t_ngk, lab = timed(lambda: naive_gk(ts, las, los, ms))
    ok_gk = same_partition(lab, dc.gardner_knopoff(ts, las, los, ms).cluster)
    t_nnn, (parent, _) = timed(lambda: nearest_neighbours_naive(ts, las, los, ms))
    ok_nn = np.array_equal(parent, dc.nearest_neighbours(ts, las, los, ms).parent)
    print(f"naive O(n^2) gardner_knopoff : {t_ngk * scale:8.1f} s ({tag}); same labels: {ok_gk}")
    print(f"naive O(n^2) nearest neighbour: {t_nnn * scale:8.1f} s ({tag}); same parents: "
          f"{ok_nn}")
    print(f"ratio naive GK / varpy GK : {t_ngk * scale / t_gk:8.1f}x")
    print(f"ratio naive NN / varpy NN : {t_nnn * scale / t_nn:8.1f}x")
    print(f"ratio naive GK / varpy NN : {t_ngk * scale / t_nn:8.1f}x")

    if GardnerKnopoffType1 is None:
        print("SeismoStats GardnerKnopoffType1: n/a (not installed)")
        return
    t_ss, keep = timed(lambda: seismostats_gk(small))
    ours = dc.gardner_knopoff(ts, las, los, ms).mainshock
    print(f"SeismoStats GardnerKnopoffType1: {t_ss * scale:8.1f} s ({tag}); "
          f"{int(np.sum(keep))} declustered events against varpy's {int(ours.sum())}, "
          f"{int(np.sum(np.asarray(keep) != ours))} events labelled differently")
    print(f"ratio SeismoStats GK / varpy GK : {t_ss * scale / t_gk:8.1f}x")
    print(f"ratio SeismoStats GK / varpy NN : {t_ss * scale / t_nn:8.1f}x")


if __name__ == "__main__":
    main()
