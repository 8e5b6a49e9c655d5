"""Benchmark: `dpt diff` on two 1,000,000-row versions against the read floor, datacompy and DuckDB.

* Data: a synthetic roll (no planted problems) and its next version from ``synth_next_version`` (1 % added, removed,
  changed, moved, NIK-corrected), both written as clean CSV, plus the truth file.
* Floor: ``pyarrow.csv.read_csv`` on both files (default options, best of 3, in this process), measured again
  before every round: the headline ratio divides the best run by the best floor of the whole run (the strictest
  pairing); the per-round median divides each run by its own round's floor (robust to the machine's speed drifting
  between the floor and the runs).
* ``dpt diff OLD NEW --out DIR --quiet`` as a real subprocess (imports, reading, matching, all outputs written).
* DuckDB: one SQL full outer join on NIK over ``read_csv(all_varchar)``, counts plus the added, removed and
  per-field changed lists written to CSV — no normalisation, no fallback matching, no NIK corrections.
* datacompy: ``PandasCompare(old, new, join_columns="nik")`` on the two files read by pyarrow as text.
* Every tool runs in its own child process (wall time and peak RSS of that process); the counts are checked:
  dpt against the truth, and all three against each other at the level a NIK join can see (only-old, only-new,
  changed, unchanged; dpt's NIK corrections count as one only-old plus one only-new there).

Usage: python bench/bench_diff.py [--rows N] [--work DIR] [--repeat K] [--no-datacompy]
       (internal) python bench/bench_diff.py --peer duckdb|datacompy OLD NEW COUNTS_JSON
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

FIELDS = ("nkk", "nik", "nama", "tempat_lahir", "tanggal_lahir", "status_kawin", "jenis_kelamin", "alamat", "rt",
          "rw", "disabilitas", "keterangan", "tps", "kelurahan", "kecamatan", "kabupaten_kota", "provinsi")
COMPARED = tuple(f for f in FIELDS if f != "nik")
MOVE = ("tps", "kelurahan", "kecamatan")
COUNTS = ("only_old", "only_new", "changed", "moved", "unchanged")

from measure import measure  # noqa: E402


# ----------------------------------------------------------------------------------------------- peers
def peer_duckdb(old: str, new: str, out: str) -> None:
    import duckdb

    con = duckdb.connect()
    outdir = Path(out).with_suffix("")
    outdir.mkdir(parents=True, exist_ok=True)
    sel = ", ".join([f"o.{c} AS o_{c}" for c in FIELDS] + [f"n.{c} AS n_{c}" for c in FIELDS])
    con.execute(f"""
        CREATE TEMP TABLE j AS
        SELECT {sel}
        FROM read_csv('{old}', all_varchar = true, header = true) o
        FULL OUTER JOIN read_csv('{new}', all_varchar = true, header = true) n ON o.nik = n.nik""")
    differs = " OR ".join(f"o_{c} IS DISTINCT FROM n_{c}" for c in COMPARED)
    moved = " OR ".join(f"o_{c} IS DISTINCT FROM n_{c}" for c in MOVE)
    both = "o_nik IS NOT NULL AND n_nik IS NOT NULL"
    row = con.execute(f"""
        SELECT count(*) FILTER (WHERE n_nik IS NULL), count(*) FILTER (WHERE o_nik IS NULL),
               count(*) FILTER (WHERE {both} AND ({differs})), count(*) FILTER (WHERE {both} AND ({moved})),
               count(*) FILTER (WHERE {both} AND NOT ({differs}))
        FROM j""").fetchone()
    con.execute(f"COPY (SELECT * FROM j WHERE n_nik IS NULL ORDER BY o_nik) TO '{outdir}/removed.csv'")
    con.execute(f"COPY (SELECT * FROM j WHERE o_nik IS NULL ORDER BY n_nik) TO '{outdir}/added.csv'")
    long = " UNION ALL ".join(
        f"SELECT n_nik AS nik, '{c}' AS field, o_{c} AS old, n_{c} AS new FROM j "
        f"WHERE {both} AND o_{c} IS DISTINCT FROM n_{c}" for c in COMPARED)
    con.execute(f"COPY (SELECT * FROM ({long}) ORDER BY nik, field) TO '{outdir}/changed.csv'")
    Path(out).write_text(json.dumps(dict(zip(COUNTS, map(int, row), strict=True))))


def peer_datacompy(old: str, new: str, out: str) -> None:
    import datacompy
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def read(path: str):
        opts = pacsv.ConvertOptions(column_types=dict.fromkeys(FIELDS, pa.string()))
        return pacsv.read_csv(path, convert_options=opts).to_pandas()

    a, b = read(old), read(new)
    cmp = datacompy.PandasCompare(a, b, join_columns="nik")
    both = cmp.intersect_rows
    match = [f"{c}_match" for c in COMPARED]
    same = both[match].all(axis=1)
    moved = ~both[[f"{c}_match" for c in MOVE]].all(axis=1)
    counts = {"only_old": len(cmp.df1_unq_rows), "only_new": len(cmp.df2_unq_rows), "changed": int((~same).sum()),
              "moved": int(moved.sum()), "unchanged": int(same.sum())}
    Path(out).write_text(json.dumps(counts))


# ----------------------------------------------------------------------------------------------- driver
def _data(work: Path, rows: int, seed: int) -> tuple[Path, Path, dict]:
    old, new, truth_path = (work / f"diff_old_{rows}.csv", work / f"diff_new_{rows}.csv",
                            work / f"diff_truth_{rows}.json")
    if not (old.exists() and new.exists() and truth_path.exists()):
        from dpt_tools.synth import synth_next_version, synth_roll, write_roll

        df, _ = synth_roll(rows, seed=seed, problems=False, duplicates=False)
        df2, truth = synth_next_version(df, seed=seed + 1)
        write_roll(df, old, style="clean", seed=seed)
        write_roll(df2, new, style="clean", seed=seed + 1)
        truth_path.write_text(json.dumps(truth))
    return old, new, json.loads(truth_path.read_text())


def _compile_package() -> None:
    """Write dpt_tools' bytecode once, as any installed package (and the peers' site-packages) has it: with
    ``PYTHONDONTWRITEBYTECODE`` set (as on the benchmark machine) an editable install would otherwise compile its
    ~9,000 lines of source in every timed run (~0.05-0.1 s)."""
    import compileall

    import dpt_tools

    compileall.compile_dir(str(Path(dpt_tools.__file__).parent), quiet=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--work", default="bench/work")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs of dpt diff and DuckDB (best is reported)")
    ap.add_argument("--no-datacompy", action="store_true")
    ap.add_argument("--peer", nargs=4, metavar=("NAME", "OLD", "NEW", "OUT"))
    args = ap.parse_args()
    if args.peer:
        name, old, new, out = args.peer
        {"duckdb": peer_duckdb, "datacompy": peer_datacompy}[name](old, new, out)
        return

    import pyarrow.csv as pacsv

    from measure import best_of, machine

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    old, new, truth = _data(work, args.rows, args.seed)
    _compile_package()
    load_before = os.getloadavg()

    def read_floor() -> float:
        return best_of(lambda: (pacsv.read_csv(old), pacsv.read_csv(new)))

    floors = [read_floor()]
    floor_cpu = measure([sys.executable, "-c", "import sys, pyarrow.csv as c; [c.read_csv(p) for p in sys.argv[1:]]",
                         str(old), str(new)])
    py = sys.executable
    out_dir = work / "diff_out"
    peers = ["duckdb"] + ([] if args.no_datacompy else ["datacompy"])
    # `python -m dpt_tools` runs what the installed `dpt` command runs (dpt_tools.entry:main)
    commands = {"dpt diff": [py, "-m", "dpt_tools", "diff", str(old), str(new), "--out", str(out_dir), "--quiet"]}
    for peer in peers:
        commands[peer] = [py, __file__, "--peer", peer, str(old), str(new), str(work / f"peer_{peer}.json")]
    runs: dict[str, list[dict]] = {tool: [] for tool in commands}
    ratios: dict[str, list[float]] = {tool: [] for tool in commands}
    for i in range(args.repeat):  # interleaved, so that every tool meets the same background load
        if i:
            floors.append(read_floor())  # the machine's speed drifts: each round has its own floor
        for tool, cmd in commands.items():
            if tool == "datacompy" and i:
                continue  # slow and far behind: once is enough
            runs[tool].append(measure(cmd))
            ratios[tool].append(runs[tool][-1]["seconds"] / floors[-1])
    floor = min(floors)  # the strictest floor: the best of every round's best of 3
    s = json.loads((out_dir / "summary.json").read_text())
    counts = {"dpt diff": {
        "only_old": s["removed"] + s["nik_changed"] + s["unmatched_old"],
        "only_new": s["added"] + s["nik_changed"] + s["unmatched_new"],
        "changed": s["changed"], "moved": s["moved"], "unchanged": s["unchanged"]}}
    for peer in peers:
        target = work / f"peer_{peer}.json"
        counts[peer] = json.loads(target.read_text()) if target.exists() else {}
    load_after = os.getloadavg()

    want = {"added": len(truth["added"]), "removed": len(truth["removed"]), "changed": len(truth["changed"]),
            "moved": len(truth["moved"]), "nik_changed": len(truth["nik_changed"])}
    truth_ok = all(s[k] == v for k, v in want.items()) and s["unmatched_old"] == s["unmatched_new"] == 0
    print(f"machine: {machine()}; load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f}")
    print(f"rows: {args.rows:,} per version; files {old.stat().st_size / 1e6:.0f} + {new.stat().st_size / 1e6:.0f} MB")
    print(f"read floor (pyarrow.csv.read_csv, both files, best of 3 in each of {len(floors)} rounds: "
          f"{', '.join(f'{f:.2f}' for f in floors)}): {floor:.2f} s; as a child process "
          f"(import included): {floor_cpu['seconds']:.2f} s wall, {floor_cpu['cpu']:.2f} s CPU")
    print(f"dpt diff counts equal the truth: {truth_ok} ({ {k: s[k] for k in want} })")
    print()
    print("× read floor: best wall ÷ the best floor of the whole run; per round: each run ÷ its round's floor (median)")
    print()
    print("| tool | wall s (best) | all runs s | × read floor | × per round (median) | CPU s | peak RSS MB | exit | "
          "only-old | only-new | changed | moved | unchanged |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for tool, rs in runs.items():
        best = min(rs, key=lambda r: r["seconds"])
        c = counts.get(tool, {})
        all_runs = ", ".join(f"{r['seconds']:.2f}" for r in rs)
        median = sorted(ratios[tool])[len(ratios[tool]) // 2]
        print(f"| {tool} | {best['seconds']:.2f} | {all_runs} | {best['seconds'] / floor:.1f}× | {median:.1f}× | "
              f"{min(r['cpu'] for r in rs):.2f} | {max(r['peak_mb'] for r in rs):.0f} | {best['returncode']} | "
              + " | ".join(f"{c.get(k, '—'):,}" if isinstance(c.get(k), int) else "—" for k in COUNTS) + " |")
    same = all(counts[t] == counts["dpt diff"] for t in counts)
    print()
    print(f"identical NIK-join counts across tools: {same}")


if __name__ == "__main__":
    main()
