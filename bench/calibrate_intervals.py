"""Coverage of failure-time intervals on clustered precursory sequences (simulate-then-recover).

Regenerates the calibration table of docs/guide/intervals.rst.

Sequences come from varpy's own simulator (:func:`varpy.modelling.clustered.simulate_clustered`,
i.e. :func:`varpy.simulation.etas.simulate_etas` with an inverse-Omori background): failure at
``tf = 100``, window ``[0, tf - lead)``, background ``k (tf - t)^-p`` with ``k`` set so that the
background gives 80 events on ``[0, 95)``, ETAS triggering with ``alpha = 1``, ``c = 0.01``,
``q = 1.2``, b = 1 (magnitudes above Mc = 0), productivity set for the branching ratio ``n``.
Grid: ``n`` in {0, 0.3, 0.6} x ``p`` in {0.5, 1.0, 1.5} x ``lead`` in {2, 5, 15}.

Per sequence, each method gives the forecast distribution of ``tf`` and the probability
integral transform ``u = F(tf_true)``; the central interval at level ``L`` covers the truth
iff ``(1 - L)/2 <= u <= (1 + L)/2``. Methods:

``profile``    the Poisson profile-likelihood interval of the inverse Omori fit (independence);
``clustered``  the profile-likelihood interval under the clustered (ETAS) likelihood;
``bootstrap``  parametric bootstrap from the clustered fit, re-estimating tf with the inverse
               Omori fit, basic interval in log(tf - t1), centred on the inverse Omori estimate.

A method "gives an interval" when its status is ok (bounded, tf not at a bound); coverage is
reported among those sequences, next to the fraction that got one (``given``).

Run: ``python bench/calibrate_intervals.py --seeds 200 --boot 99 --workers 2 --out FILE.json``
(``--table FILE.json`` prints the RST table of a finished run).
"""
from __future__ import annotations

import argparse
import concurrent.futures
import functools
import json
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from varpy.modelling.clustered import fit_clustered  # noqa: E402
from varpy.simulation.clustered import bootstrap_tf_interval, simulate_clustered  # noqa: E402
from varpy.modelling.models import get_model  # noqa: E402
from varpy.parallel import map_tasks, spawn_seeds  # noqa: E402

TF = 100.0
ALPHA, C, Q, B = 1.0, 0.01, 1.2, 1.0
BRANCHING = (0.0, 0.3, 0.6)
P_VALUES = (0.5, 1.0, 1.5)
LEADS = (2.0, 5.0, 15.0)
N_BACKGROUND = 80.0
METHODS = ("profile", "clustered", "bootstrap")


def truth(n_b: float, p: float) -> dict:
    """Parameters of one grid cell."""
    from varpy.statistics.likelihoods import power_integral

    k = N_BACKGROUND / float(power_integral(TF - 95.0, 95.0, p))
    beta = B * math.log(10.0)
    mean_a = beta / (beta - ALPHA)
    K = n_b * (Q - 1.0) / (mean_a * C ** (1.0 - Q))
    return dict(k=k, tf=TF, p=p, K=K, alpha=ALPHA, c=C, q=Q)


def _pit_profile(fit) -> tuple[float, bool]:
    bad = any(("bound" in w) for w in fit.warnings)
    given = fit.tf_ci is not None and math.isfinite(fit.tf_ci[1]) and not bad
    return fit.prob_failure_before(TF), given


def one_sequence(task, n_boot: int):
    """PIT of the three methods on one simulated sequence: dict method -> (u, given)."""
    cell, seed = task
    n_b, p, lead = cell
    t1 = TF - lead
    rng = np.random.default_rng(seed)
    times, mags = simulate_clustered(truth(n_b, p), 0.0, t1, b=B, mc=0.0, seed=rng)
    out = {"n": int(times.size)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            iol = get_model("iol").fit(times, 0.0, t1, warn=False)
            out["profile"] = _pit_profile(iol)
        except Exception:  # noqa: BLE001 - too few events etc.: no interval
            iol = None
            out["profile"] = (math.nan, False)
        fit = fit_clustered(times, 0.0, t1, mags, mc=0.0, warn=False)
        given = fit.status == "ok" and fit.tf_ci is not None
        out["clustered"] = (fit.prob_failure_before(TF) if fit.profile_tf else math.nan, given)
        if iol is not None and fit.status in ("ok", "unbounded") and n_boot:
            bt = bootstrap_tf_interval(fit, mags, n_boot=n_boot, seed=rng, progress=False,
                                       tf_hat=iol.tf)
            out["bootstrap"] = (bt.prob_failure_before(TF), bt.status == "ok")
        else:
            out["bootstrap"] = (math.nan, False)
    out["branching"] = fit.branching_ratio
    return out


def summarise(rows: list) -> dict:
    res = {"n_seq": len(rows), "mean_events": float(np.mean([r["n"] for r in rows]))}
    for m in METHODS:
        u = np.array([r[m][0] for r in rows], dtype=float)
        g = np.array([r[m][1] for r in rows], dtype=bool) & np.isfinite(u)
        res[m] = {"given": float(g.mean())}
        for level in (0.90, 0.95):
            lo, hi = (1 - level) / 2, (1 + level) / 2
            cov = (u[g] >= lo) & (u[g] <= hi)
            res[m][f"cov{int(level * 100)}"] = float(cov.mean()) if g.any() else math.nan
    return res


def run(n_seeds: int, n_boot: int, workers: int, out: Path | None, seed: int = 2026,
        first: int = 0, last: int | None = None):
    cells = [(n_b, p, lead) for lead in (5.0, 2.0, 15.0) for p in P_VALUES for n_b in BRANCHING]
    results = {}
    if out is not None and out.exists():
        results = json.loads(out.read_text())
    ex = concurrent.futures.ProcessPoolExecutor(workers) if workers > 1 else None
    try:
        for ci, cell in enumerate(cells):
            key = "n={} p={} lead={}".format(*cell)
            if key in results or ci < first or (last is not None and ci > last):
                continue
            t = time.perf_counter()
            seeds = spawn_seeds(seed + ci, n_seeds)
            rows = map_tasks(functools.partial(one_sequence, n_boot=n_boot),
                             [(cell, s) for s in seeds], executor=ex, progress=False)
            results[key] = summarise(rows)
            results[key]["seconds"] = time.perf_counter() - t
            print(key, json.dumps(results[key]), flush=True)
            if out is not None:
                out.write_text(json.dumps(results, indent=1))
    finally:
        if ex is not None:
            ex.shutdown()
    return results


def table(results: dict) -> str:
    head = ("=====  ===  ====  ======  " + "  ".join(["=================="] * 3))
    lines = [head,
             ("n      p    lead  events  " + "  ".join(f"{m:<18}" for m in METHODS)).rstrip(),
             ("                          "
              + "  ".join([f"{'90 / 95 % (given)':<18}"] * 3)).rstrip(),
             head]
    for key, r in results.items():
        n_b, p, lead = (float(part.split("=")[1]) for part in key.split())
        cells = []
        for m in METHODS:
            x = r[m]
            cells.append(f"{100 * x['cov90']:4.1f} / {100 * x['cov95']:4.1f} "
                         f"({100 * x['given']:3.0f})")
        lines.append((f"{n_b:<5g}  {p:<3g}  {lead:<4g}  {r['mean_events']:6.0f}  "
                      + "  ".join(f"{c:<18}" for c in cells)).rstrip())
    lines.append(head)
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--boot", type=int, default=99)
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
    results = run(args.seeds, args.boot, args.workers, args.out, first=args.first,
                  last=args.last)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
