"""Benchmark: ``dpt validate`` of a roll larger than one part, whole-file vs in parts (memory is the point).

Generates a 1,000,000-row synthetic roll (Excel-export form, every problem planted) and writes COPIES of it one
after another as one file; copies after the first become other people in other TPS (the NIK/NKK province digits
become 9k, TPS numbers + 1000k), so duplicates and TPS sizes stay those of the planted roll. Then runs, each in its
own child process, ``dpt validate FILE --out DIR --quiet`` whole (``--part-rows 0``), in parts in one process
(the default, ``--jobs 1``) and in parts with two worker processes (``--jobs 2``); reports wall time, CPU time and
the peak of the summed RSS of the process tree (sampled every 0.1 s: workers count too), and checks that the
findings files are byte-identical.

    python bench/bench_parts.py --copies 5 --workdir /tmp/dpt-parts
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dpt_tools.synth import synth_roll, write_roll
from measure import machine


def replicate(src: Path, dst: Path, copies: int) -> int:
    """``copies`` copies of ``src`` (a ``;`` CSV) in one file; copy k > 0 holds other persons in other TPS."""
    data = src.read_bytes()
    header = data[: data.index(b"\n") + 1]
    ncols = len(header.decode("utf-8-sig").split(";"))
    names = [f"c{i}" for i in range(ncols)]
    table = pacsv.read_csv(
        pa.BufferReader(data), read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
        parse_options=pacsv.ParseOptions(delimiter=";", invalid_row_handler=lambda row: "skip"),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                             strings_can_be_null=False))
    with dst.open("wb") as out:
        out.write(header)
        for k in range(copies):
            cols = list(table.columns)
            if k:
                for i in (0, 1):  # NKK, NIK: province digits 9k (no clash with copy 0 or another copy)
                    cols[i] = pc.replace_substring_regex(cols[i], pattern=r"^(\s*'?)[0-9]{2}", replacement=rf"\g<1>9{k}"
                                                         .replace(r"\g<1>", r"\1"))
                num = pc.struct_field(pc.extract_regex(cols[12].combine_chunks(), r"(?P<n>[0-9]+)"), [0])
                cols[12] = pc.cast(pc.add(pc.cast(num, pa.int64()), 1000 * k), pa.string())
            buf = pa.BufferOutputStream()
            pacsv.write_csv(pa.table(cols, names=names), buf, write_options=pacsv.WriteOptions(
                include_header=False, delimiter=";", quoting_style="needed"))
            out.write(buf.getvalue().to_pybytes())
    return table.num_rows * copies


def _tree_rss(pid: int) -> int:
    """Summed resident memory (bytes) of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    children.setdefault(int(fh.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except OSError:
                continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
        todo.extend(children.get(p, []))
    return total


def measure_tree(cmd: list[str]) -> dict:
    """Wall time, CPU time of the tree (user + sys of waited-for descendants) and peak summed RSS of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"seconds": wall, "cpu": cpu, "peak_mb": peak / 2**20, "returncode": proc.returncode}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=5)
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of one copy")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/dpt-bench-parts"))
    args = ap.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    one = work / f"roll_{args.rows}_{args.seed}.csv"
    if not one.exists():
        df, _ = synth_roll(args.rows, seed=args.seed)
        write_roll(df, one, style="excel", seed=args.seed)
    big = work / f"roll_{args.rows}x{args.copies}.csv"
    if not big.exists():
        replicate(one, big, args.copies)
    dpt = [sys.executable, "-m", "dpt_tools.cli", "validate", str(big), "--quiet"]
    modes = {"whole": ["--part-rows", "0"], "parts, 1 process": ["--jobs", "1"], "parts, 2 workers": ["--jobs", "2"]}
    results = {}
    for i, (name, extra) in enumerate(modes.items()):
        out = work / f"out_{i}"
        results[name] = measure_tree([*dpt, "--out", str(out), *extra])
        results[name]["summary"] = json.loads((out / "summary.json").read_text())
        results[name]["findings"] = out / "findings.csv"
    same = all(filecmp.cmp(results["whole"]["findings"], r["findings"], shallow=False) for r in results.values())
    print(f"machine: {machine()}; load average before: {os.getloadavg()[0]:.2f}")
    print(f"file: {big.name}, {big.stat().st_size / 1e6:.0f} MB, {results['whole']['summary']['rows']:,} rows; "
          f"findings byte-identical in every mode: {same}")
    print("| mode | parts | wall s | CPU s | peak RSS MB (all processes) | findings |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['summary'].get('parts', 1)} | {r['seconds']:.2f} | {r['cpu']:.2f} | "
              f"{r['peak_mb']:,.0f} | {r['summary']['findings']:,} |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if not same:
        sys.exit("findings differ between whole-file and parts")


if __name__ == "__main__":
    main()
