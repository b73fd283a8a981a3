"""Speed-up of a retrospective forecast on Dask (LocalCluster, 2 workers x 1 thread) over serial.

Run from the repository root::

    python bench/bench_dask.py [--windows 1000] [--workers 2] [--model iol] [--repeat 7]

The experiment is a 1000-window retrospective forecast (``multiple_analysis``) of the sample
volcano's third eruption: the inverse Omori law refitted on ``[t_min, t_forc)`` at 1000 forecast
times between ``t_min`` and the eruption, with Mc by MAXC in each window. Nothing is stored
(``store=False``), so the numbers time the fits and their distribution, not the disk. It is timed
with two optimisers: the default profile-likelihood fit (about a millisecond per window: the
whole experiment takes about a second serially, and no cluster can help) and the multistart
fit (``method="multistart"``, tens of milliseconds per window), where the work per window
outweighs Dask's cost per task.

The same experiment runs serially and on ``LocalCluster(n_workers=2, threads_per_worker=1)``
(started before the clock, as a user would keep it running); the script checks that every run
gives the identical table, then prints the wall times side by side and their ratios (goal: >= 1.7
on two free cores). On a loaded machine the ratio drops with the CPU the other processes take.

The Dask run is ``multiple_analysis(..., executor=client)`` as a user calls it:
``varpy.parallel.map_tasks`` sends the windows in interleaved batches (four per worker thread),
because one fit takes about a millisecond, less than Dask's cost per task; each batch's results
come back as one object (pickled in one pass, not result by result), and a task function larger
than ``varpy.parallel.SCATTER_BYTES`` (a big catalogue) is scattered to the workers once instead
of travelling with every batch.

Where the default fit's time goes on two cores (measured 2026-11-22 with per-batch wall and
thread CPU times inside the workers): the workers' CPU time for the 1000 windows equals the
serial run's, but 13-15 % of their wall time is spent off the CPU, to the scheduler and client
in this process, the two nannies and the workers' own event loops, all sharing the two cores;
deserializing the 866 results here costs ~12 ms (``varpy.parallel.frozen_heap`` keeps full
garbage collections out of it). For a half-second job that caps the speed-up near 1.6x; the
multistart fit, whose windows cost tens of milliseconds, reaches 2.0-2.6x.

The machine may be shared: the 1-minute load average is printed before and after the runs (above
the core count, other processes took CPU from the cluster and the ratio understates).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # time this working tree, whatever varpy is installed

import varpy  # noqa: E402
from varpy.modelling.experiments import multiple_analysis  # noqa: E402

SAMPLE = REPO / "sample_data" / "volcano"
T_MIN, ERUPTION = pd.Timestamp("2003-07-15", tz="UTC"), pd.Timestamp("2004-03-28", tz="UTC")
FILTERS = {"lat": (37.5, 38.0), "lon": (14.7, 15.3), "depth": (None, 30.0)}


def load() -> varpy.Volcanic:
    v = varpy.Volcanic("SYNVOLC", root=None)
    v.add_datatype("ecvd", SAMPLE / "SYNVOLC_ecvd.txt", SAMPLE / "SYNVOLC_ecvd_meta.yaml")
    return v


def experiment(volcano, model: str, windows: int, mc, executor=None, method=None):
    span = (ERUPTION - T_MIN) / pd.Timedelta(days=1)
    step = span / (windows + 0.5)          # forecast times t_min + k step < eruption, k=1..n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return multiple_analysis(volcano, model, t_min=T_MIN, t_max=ERUPTION, t_step=step,
                                 tf=ERUPTION, filters=FILTERS, mc=mc, store=False,
                                 executor=executor, progress=False, method=method)


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["uid"]).reset_index(drop=True)


def scenario(volcano, args, method: str, repeat: int, client) -> None:
    mc = None if args.mc.lower() == "none" else args.mc

    def run(executor=None):
        return experiment(volcano, args.model, args.windows, mc, executor, method)

    experiment(volcano, args.model, 40, mc, None, method)           # warm caches and imports
    experiment(volcano, args.model, 40, mc, client, method)         # warm the workers
    times = {"serial": [], "dask": []}
    # serial and Dask runs alternate, so that a change in the machine's load hits both alike
    for _ in range(repeat):
        t = time.perf_counter()
        serial = run()
        times["serial"].append(time.perf_counter() - t)
        t = time.perf_counter()
        on_dask = run(client)
        times["dask"].append(time.perf_counter() - t)
        pd.testing.assert_frame_equal(comparable(serial.table), comparable(on_dask.table))
    n = len(serial.steps)
    fitted = sum(s.fit is not None for s in serial.steps)
    ts, td = (min(times[k]) for k in ("serial", "dask"))
    pairs = sorted(s / d for s, d in zip(times["serial"], times["dask"]))
    print(f"\n{args.model} fitted by '{method}', Mc {args.mc}: {n} windows ({fitted} fitted), "
          f"best of {repeat}")
    print(f"{'run':<44}{'wall s':>9}{'ms/window':>11}{'speed-up':>10}")
    rows = [("serial", ts), (f"dask LocalCluster {args.workers}x1", td)]
    for label, value in rows:
        print(f"{label:<44}{value:>9.2f}{1e3 * value / n:>11.2f}{ts / value:>9.2f}x")
    if repeat > 1:
        print(f"{'speed-up of each serial/dask pair':<44}{'':>20}"
              f"{pairs[len(pairs) // 2]:>9.2f}x median, {pairs[-1]:.2f}x best")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", default="iol")
    parser.add_argument("--mc", default="maxc", help="Mc rule of every window (or 'none')")
    parser.add_argument("--methods", nargs="+", default=["default", "multistart"],
                        help="fit methods to time (one table each)")
    parser.add_argument("--repeat", type=int, default=7,
                        help="best of N timings for the fast default fit (1 for multistart)")
    args = parser.parse_args()
    os.environ.setdefault("VARPY_PROGRESS", "0")
    from dask.distributed import Client, LocalCluster

    volcano = load()
    print(f"retrospective forecast of the sample volcano's 2004-03-28 eruption; "
          f"{os.cpu_count()} CPUs visible; 1-minute load average before the runs: "
          f"{_load_average():.2f}")
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        for method in args.methods:
            scenario(volcano, args, method, args.repeat if method == "default" else 1, client)
    print("\ngoal: >= 1.7x on 2 free cores; every table identical to the serial one: yes")
    print(f"1-minute load average after the runs: {_load_average():.2f} (other processes share "
          "the CPUs when it exceeds the core count)")


def _load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


if __name__ == "__main__":
    main()
