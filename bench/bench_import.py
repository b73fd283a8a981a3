"""Import speed: varpy's INGV-CT Etna importer against a plain ``pandas.read_csv``.

The real Etna catalogue (13,069 events, from ``../shared/data`` or ``VARPY_SHARED_DATA``) is
replicated to ``--rows`` lines in a temporary folder, ids shifted so rows stay distinct and
times shifted as described in :func:`replicate` (three layouts: staggered copies, the same rows
in time order, and ~77 interleaved copies). For each file, interleaving the two to share
machine load, best wall and CPU time of ``--repeat`` runs:

* ``pandas.read_csv(path, sep='\\t', header=None)`` (no date parsing, no checks, no sort);
* ``varpy.management.importers.read(path, 'ecvd', format='etna_ingv')`` (dates and times
  parsed to datetime64[ns, UTC], every field validated, 0.0 magnitudes to NaN, magnitude-type
  flags to text, stable sort by time).

Both use a second core for part of the work (pandas while converting its chunks; varpy also
for the time-of-day field and the text columns after the sort), so on a free machine the wall
time is below the CPU time; on a loaded one, compare the CPU columns. Goal: varpy <= 2x pandas.

Then the per-ID store: ``store.write_dataset`` + ``read_dataset`` of the imported table against
plain ``DataFrame.to_parquet`` + ``pandas.read_parquet``.

Run: ``python bench/bench_import.py [--rows 1000000] [--repeat 5]``
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from varpy.management import importers  # noqa: E402

SOURCE = Path(os.environ.get("VARPY_SHARED_DATA", REPO.parent / "shared" / "data")) / \
    "etna" / "Etna_INGVCT_C1_99-onwards.txt"


LAYOUTS = {
    "staggered": "copies 7.4 years apart, half overlapping (local disorder only)",
    "ordered": "the same rows in time order (nothing to sort)",
    "interleaved": "copies 3 h 7 s apart (every row moves in the sort; worst case)",
}


def replicate(source: Path, rows: int, target: Path, *, layout: str = "staggered") -> None:
    """Write ``rows`` lines built from copies of the Etna catalogue (ids shifted by 100000 a
    copy so rows stay distinct).

    ``layout`` places the copies in time:

    * ``'staggered'``: copy ``r`` shifted by ``r`` x 7.4 years, spread over 1679-2260 (the
      datetime64[ns] range); each copy (14.7 years) overlaps the next by half, so the file is
      time-ordered except for the real file's local disorder and the overlaps;
    * ``'ordered'``: the same rows sorted by time (the importer's sort has nothing to do);
    * ``'interleaved'``: copy ``r`` shifted by only ``r`` x (3 h 7 s), so ~77 copies of the same
      15 years interleave (worst case for the sort: every row moves).
    """
    raw = pd.read_csv(source, sep="\t", header=None, dtype=str, quoting=csv.QUOTE_NONE,
                      keep_default_na=False)
    base = pd.to_datetime(raw[1] + " " + raw[2], format="%d-%m-%Y %H:%M:%S")
    ids = raw[0].astype(np.int64)
    copies = -(-rows // len(raw))
    span = base.max() - base.min()
    first = pd.Timestamp("1679-01-01") - base.min()
    step = (pd.Timestamp("2260-12-31") - span - base.min() - first) / max(copies - 1, 1)
    parts = []
    for r in range(copies):
        copy = raw.copy()
        if layout == "interleaved":
            shifted = base + pd.Timedelta(hours=3 * r, seconds=7 * r)
        else:
            shifted = base + first + step * r
        copy[0] = (ids + 100_000 * r).astype(str)
        copy[1] = shifted.dt.strftime("%d-%m-%Y")
        copy[2] = shifted.dt.strftime("%H:%M:%S")
        parts.append(copy)
    table = pd.concat(parts, ignore_index=True).iloc[:rows]
    if layout == "ordered":
        when = pd.to_datetime(table[1] + " " + table[2], format="%d-%m-%Y %H:%M:%S")
        table = table.iloc[np.argsort(when.to_numpy(), kind="stable")]
    with open(target, "w", newline="", encoding="utf-8") as fh:
        table.to_csv(fh, sep="\t", header=False, index=False, lineterminator="\r\n",
                     quoting=csv.QUOTE_NONE)


def best_of(functions: dict, repeat: int) -> tuple[dict, dict]:
    """Best wall time and best CPU time (all threads) of each function, run in turn."""
    wall = {name: float("inf") for name in functions}
    cpu = dict(wall)
    for _ in range(repeat):
        for name, func in functions.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            func()
            wall[name] = min(wall[name], time.perf_counter() - start)
            cpu[name] = min(cpu[name], time.process_time() - start_cpu)
    return wall, cpu


def bench_read(path: Path, repeat: int) -> pd.DataFrame:
    wall, cpu = best_of({
        "pandas": lambda: pd.read_csv(path, sep="\t", header=None),
        "varpy": lambda: importers.read(path, "ecvd", format="etna_ingv"),
    }, repeat)
    print(f"{'':44s} {'wall':>8s} {'cpu':>8s}")
    print(f"{'pandas.read_csv(sep=tab, header=None)':44s} {wall['pandas']:8.3f} "
          f"{cpu['pandas']:8.3f} s")
    print(f"{'varpy importers.read(format=etna_ingv)':44s} {wall['varpy']:8.3f} "
          f"{cpu['varpy']:8.3f} s")
    print(f"{'ratio varpy / pandas (goal <= 2)':44s} {wall['varpy'] / wall['pandas']:8.2f} "
          f"{cpu['varpy'] / cpu['pandas']:8.2f}")
    return importers.read(path, "ecvd", format="etna_ingv")


def bench_store(table: pd.DataFrame, folder: Path, repeat: int) -> None:
    """Save + reopen through varpy.management.store against plain Parquet."""
    try:
        from varpy.management.store import read_dataset, write_dataset
    except ImportError:
        print("store: varpy.management.store.write_dataset/read_dataset not available; skipped")
        return
    plain, ours = folder / "plain.parquet", folder / "store.parquet"

    def plain_round_trip():
        table.to_parquet(plain)
        return pd.read_parquet(plain)

    def store_round_trip():
        write_dataset(ours, table)
        return read_dataset(ours)

    times, _ = best_of({"plain": plain_round_trip, "store": store_round_trip}, repeat)
    back = read_dataset(ours)
    same = back.equals(table) and list(back.dtypes) == list(table.dtypes)
    print(f"{'DataFrame.to_parquet + pandas.read_parquet':44s} {times['plain']:8.3f} s "
          f"({plain.stat().st_size / 1e6:.1f} MB)")
    print(f"{'store.write_dataset + store.read_dataset':44s} {times['store']:8.3f} s "
          f"({ours.stat().st_size / 1e6:.1f} MB)")
    print(f"{'ratio store / plain':44s} {times['store'] / times['plain']:8.2f}")
    print(f"{'store round trip identical (values, dtypes)':44s} {same!s:>8s}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if not SOURCE.is_file():
        sys.exit(f"Etna catalogue not found at {SOURCE}; set VARPY_SHARED_DATA")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"rows {args.rows:,}, best of {args.repeat}, {os.cpu_count()} CPUs, "
              f"pandas {pd.__version__}, 1-minute load average {_load_average():.2f}")
        table = None
        for layout in ("staggered", "ordered", "interleaved"):
            path = folder / f"etna_{layout}.txt"
            replicate(SOURCE, args.rows, path, layout=layout)
            print(f"\n{layout} copies: {LAYOUTS[layout]} ({path.stat().st_size / 1e6:.1f} MB)")
            result = bench_read(path, args.repeat)
            table = result if table is None else table
            path.unlink()
        print("\nper-ID store, the staggered table:")
        bench_store(table, folder, args.repeat)
    print(f"\n1-minute load average after the runs: {_load_average():.2f} (above the core count, "
          "other processes shared the CPUs: compare the cpu columns)")


def _load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


if __name__ == "__main__":
    main()
