"""Benchmark: `dpt validate` at 1,000,000 rows on CSV and Parquet against the read floor.

The floor is what pyarrow alone needs to read the same file (``pyarrow.csv.read_csv`` for CSV, best of 3, in this
process; ``pyarrow.parquet.read_table`` for Parquet). `dpt validate` runs as a real subprocess, imports and all,
and its peak RSS is measured. Targets (issue 2): validate ≤ 3× the read floor, peak RSS ≤ 1.5 GB.

Usage: python bench/bench_validate.py [--rows N] [--work DIR] [--runs K] [--stages]

Generated rolls are reused: an existing ``roll_<N>.csv`` / ``.parquet`` in ``--work`` is not generated again.
``--stages`` also prints per-stage wall and CPU times (bench/validate_stages.py, a separate process).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dpt_tools.synth import synth_roll, write_roll
from measure import best_of, machine, measure


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--work", default="bench/work")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=2, help="runs of dpt validate per file (the best is reported)")
    ap.add_argument("--stages", action="store_true", help="also print stage timings of each file")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / f"roll_{args.rows}.csv"
    pq_path = work / f"roll_{args.rows}.parquet"
    if not csv_path.exists() or not pq_path.exists():
        df, _ = synth_roll(args.rows, seed=args.seed)
        write_roll(df, csv_path, style="excel", seed=args.seed)
        write_roll(df, pq_path)
        del df
    dpt = [sys.executable, "-m", "dpt_tools.cli"]
    rows = []
    for label, path in (("CSV (Excel export form)", csv_path), ("Parquet", pq_path)):
        if path.suffix == ".csv":
            floor = best_of(lambda p=path: pacsv.read_csv(p, parse_options=pacsv.ParseOptions(delimiter=";")))
        else:
            floor = best_of(lambda p=path: pq.read_table(p))
        csv_floor = best_of(lambda: pacsv.read_csv(csv_path, parse_options=pacsv.ParseOptions(delimiter=";")))
        runs = [measure([*dpt, "validate", str(path), "--out", str(work / "out"), "--quiet"])
                for _ in range(args.runs)]
        best = min(runs, key=lambda r: r["seconds"])
        rows.append((label, path.stat().st_size / 1e6, floor, csv_floor, best["seconds"], best["cpu"],
                     max(r["peak_mb"] for r in runs), best["returncode"], os.getloadavg()[0]))
    print(f"machine: {machine()}")
    print(f"rows: {args.rows:,}")
    print("| input | size MB | read floor s | CSV read floor s | dpt validate s | CPU s (user+sys) | "
          "ratio to its floor | ratio to CSV floor | peak RSS MB (max of runs) | exit | load avg (1 min) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, size, floor, csv_floor, secs, cpu, peak, rc, load in rows:
        print(f"| {label} | {size:.0f} | {floor:.2f} | {csv_floor:.2f} | {secs:.2f} | {cpu:.2f} | "
              f"{secs / floor:.1f}× | {secs / csv_floor:.1f}× | {peak:.0f} | {rc} | {load:.2f} |")
    if args.stages:
        here = Path(__file__).resolve().parent
        for label, path in (("CSV", csv_path), ("Parquet", pq_path)):
            print(f"\nstages, {label}:")
            sys.stdout.flush()
            subprocess.run([sys.executable, str(here / "validate_stages.py"), str(path), str(work / "stages_out")],
                           check=True)


if __name__ == "__main__":
    main()
