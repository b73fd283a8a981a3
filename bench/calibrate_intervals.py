"""Coverage of failure-time intervals on clustered precursory sequences (simulate-then-recover).

Regenerates the calibration table of docs/guide/intervals.rst, through
:func:`varpy.simulation.calibration.interval_coverage` (what counts as coverage is defined
there: every forecast counts, one-sided intervals included; the fraction without a forecast
and the fraction bounded are reported beside it).

Sequences: failure at ``tf = 100``, window ``[0, tf - lead)``, background ``k (tf - t)^-p``
with ``k`` set so that the background gives 80 events on ``[0, 95)``, ETAS triggering with
``alpha = 1``, ``c = 0.01``, ``q = 1.2``, b = 1 (magnitudes above Mc = 0), productivity set
for the branching ratio ``n``. Grid: ``n`` in {0, 0.3, 0.6} x ``p`` in {0.5, 1.0, 1.5} x
``lead`` in {2, 5, 15}. The slow test ``tests/simulation/test_calibration_grid.py`` runs the
same grid (same seeds) and checks it.

Run: ``python bench/calibrate_intervals.py --seeds 200 --workers 2 --out FILE.json``
(``--methods profile clustered bootstrap`` adds the bootstrap; ``--table FILE.json`` prints
the RST table of a finished run).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import math
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from varpy.simulation.calibration import CoverageResult, interval_coverage  # noqa: E402

TF = 100.0
ALPHA, C, Q, B = 1.0, 0.01, 1.2, 1.0
BRANCHING = (0.0, 0.3, 0.6)
P_VALUES = (0.5, 1.0, 1.5)
LEADS = (2.0, 5.0, 15.0)
N_BACKGROUND = 80.0
SEED = 2026


def truth(n_b: float, p: float) -> dict:
    """Parameters of one grid cell."""
    from varpy.statistics.likelihoods import power_integral

    k = N_BACKGROUND / float(power_integral(TF - 95.0, 95.0, p))
    beta = B * math.log(10.0)
    mean_a = beta / (beta - ALPHA)
    K = n_b * (Q - 1.0) / (mean_a * C ** (1.0 - Q))
    return dict(k=k, tf=TF, p=p, K=K, alpha=ALPHA, c=C, q=Q)


def cells():
    """The grid, in a fixed order (cell index = position)."""
    return [(n_b, p, lead) for lead in LEADS for p in P_VALUES for n_b in BRANCHING]


def cell_key(cell) -> str:
    return "n={} p={} lead={}".format(*cell)


def run_cell(index: int, cell, n_seeds: int, methods, n_boot: int = 99, executor=None):
    n_b, p, lead = cell
    return interval_coverage(truth(n_b, p), 0.0, TF - lead, methods=methods, n_seeds=n_seeds,
                             seed=SEED + index, b=B, n_boot=n_boot, executor=executor,
                             progress=False)


def run(n_seeds: int, methods, workers: int, out: Path | None, n_boot: int = 99,
        first: int = 0, last: int | None = None):
    results = {}
    if out is not None and out.exists():
        results = json.loads(out.read_text())
    ex = concurrent.futures.ProcessPoolExecutor(workers) if workers > 1 else None
    try:
        for i, cell in enumerate(cells()):
            key = cell_key(cell)
            if key in results or i < first or (last is not None and i > last):
                continue
            t = time.perf_counter()
            res = run_cell(i, cell, n_seeds, methods, n_boot, ex)
            d = res.to_dict()
            d["extra"]["seconds"] = time.perf_counter() - t
            results[key] = d
            print(key, f"{d['extra']['seconds']:.0f} s", flush=True)
            print(res.summary(), flush=True)
            if out is not None:
                out.write_text(json.dumps(results))
    finally:
        if ex is not None:
            ex.shutdown()
    return results


def table(results: dict, methods=None) -> str:
    """RST table: per cell and method, 90 / 95 % coverage, % with a forecast, % bounded."""
    res = {k: CoverageResult.from_dict(v) for k, v in results.items()}
    methods = methods or next(iter(res.values())).methods
    width = 26
    head = "=====  ===  ====  ======  " + "  ".join(["=" * width] * len(methods))
    lines = [head,
             "n      p    lead  events  " + "  ".join(f"{m:<{width}}" for m in methods),
             "                          "
             + "  ".join([f"{'90 / 95 % (fc, bnd)':<{width}}"] * len(methods)),
             head]
    for key in sorted(res, key=lambda k: [float(x.split("=")[1]) for x in k.split()][::-1]):
        r = res[key]
        n_b, p, lead = (float(part.split("=")[1]) for part in key.split())
        parts = []
        for m in methods:
            mark = "" if (r.within(m, 0.9) and r.within(m, 0.95)) else "*"
            parts.append(f"{100 * r.coverage(m, 0.9):4.1f} / {100 * r.coverage(m, 0.95):4.1f}"
                         f"{mark:1} ({100 * r.forecast_fraction(m):3.0f}, "
                         f"{100 * r.bounded_fraction(m):3.0f})")
        lines.append((f"{n_b:<5g}  {p:<3g}  {lead:<4g}  "
                      f"{sum(r.n_events) / r.n_sequences:6.0f}  "
                      + "  ".join(f"{c:<{width}}" for c in parts)).rstrip())
    lines.append(head)
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--boot", type=int, default=99)
    ap.add_argument("--methods", nargs="+", default=["profile", "clustered"])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--table", type=Path, nargs="+")
    ap.add_argument("--first", type=int, default=0, help="first cell index (runs can be split)")
    ap.add_argument("--last", type=int, help="last cell index")
    args = ap.parse_args(argv)
    if args.table:
        merged = {}
        for path in args.table:
            merged.update(json.loads(path.read_text()))
        print(table(merged))
        return 0
    results = run(args.seeds, args.methods, args.workers, args.out, args.boot, args.first,
                  args.last)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
