"""What fits in "3× the read floor": the least any tool must do, timed beside the floors, in one run.

Issues 2 and 4 set `dpt validate` and `dpt diff` a target of at most 3× the time ``pyarrow.csv.read_csv`` needs to
read the input (in-process, best of 3). This benchmark asks whether that budget can hold the work at all on this
machine, by timing pipelines that do *less* than the commands, each as a fresh child process (the way a clerk or a
cron job runs `dpt`), wall time best of ``--runs``:

validate (the 1M Excel-export CSV of bench_validate.py)
* ``python -c pass``: the interpreter alone.
* read only: import pyarrow, read every value as a string.
* stack minimum: import pyarrow, pandas and pandera (the stack the issue mandates: "check it against a pandera
  schema"), read, hand the frame to pandas and to a pandera schema that only says "17 nullable string columns".
  No normalisation, no rule, no output. Once in sequence, once with the parse on a thread while pandas and pandera
  import (the overlap `dpt validate` itself uses).
* polars minimum: the same with polars and pandera's polars backend (no pandas at all) — an engine change, timed
  only to show what it would buy.

diff (the 1M pair of bench_diff.py)
* read only: import pyarrow, read both files as strings.
* stack minimum: pandas + pyarrow, both files parsed beside the imports, NIKs joined, counts of NIKs only.
* compare minimum: the stack minimum plus what the issue's counts cannot do without — the sha256 of both inputs and
  all 16 other fields compared at the pairs (raw text, by shared dictionary codes, the cheapest exact way found).
* join minimum, polars and DuckDB: read both files, full outer join on NIK, compare the 16 other columns as raw
  text, count. No normalisation (so formatting noise counts as change), no fallback matching, no outputs.

A pipeline that does less than the command and still needs more than 3× the floor shows that the target cannot be
met by tuning the command: only by changing what is measured or what must be done.

Usage: python bench/bench_budget.py [--rows N] [--validate-work DIR] [--diff-work DIR] [--runs K]
       (internal) python bench/bench_budget.py --child NAME ARGS...
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

FIELDS = ("nkk", "nik", "nama", "tempat_lahir", "tanggal_lahir", "status_kawin", "jenis_kelamin", "alamat", "rt",
          "rw", "disabilitas", "keterangan", "tps", "kelurahan", "kecamatan", "kabupaten_kota", "provinsi")
COMPARED = tuple(f for f in FIELDS if f != "nik")


# ----------------------------------------------------------------------------------------------- children
def _csv_read(path: str, delimiter: str):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, "rb") as fh:
        names = fh.readline().decode("utf-8-sig").rstrip("\r\n").split(delimiter)
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()))
    return pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=delimiter), convert_options=convert)


def child_read(path: str, delimiter: str) -> None:
    _csv_read(path, delimiter)


def child_read_pair(old: str, new: str) -> None:
    _csv_read(old, ","), _csv_read(new, ",")


def _pandera_trivial(table) -> None:
    import pandera.pandas as pdr

    frame = table.to_pandas()
    schema = pdr.DataFrameSchema({name: pdr.Column(str, nullable=True) for name in frame.columns})
    schema.validate(frame, lazy=True)


def child_stack(path: str, delimiter: str) -> None:
    import pandas  # noqa: F401
    import pandera.pandas  # noqa: F401
    import pyarrow  # noqa: F401

    _pandera_trivial(_csv_read(path, delimiter))


def child_stack_overlap(path: str, delimiter: str) -> None:
    import threading

    box: dict = {}
    reader = threading.Thread(target=lambda: box.setdefault("table", _csv_read(path, delimiter)))
    reader.start()
    import pandas  # noqa: F401
    import pandera.pandas  # noqa: F401

    reader.join()
    _pandera_trivial(box["table"])


def child_polars(path: str, delimiter: str) -> None:
    import pandera.polars as pdr
    import polars as pl

    frame = pl.read_csv(path, separator=delimiter, infer_schema=False)
    pdr.DataFrameSchema({name: pdr.Column(str, nullable=True) for name in frame.columns}).validate(frame, lazy=True)


def child_join_stack(old: str, new: str) -> None:
    """The stack's minimum for diff: both files parsed beside the pandas import (as ``dpt diff`` does), the NIKs
    joined (int64 keys, one pandas hash lookup), counts of NIKs only in one version — no field compared, no output."""
    import threading

    box: dict = {}
    reader = threading.Thread(target=lambda: box.update(o=_csv_read(old, ","), n=_csv_read(new, ",")))
    reader.start()
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    reader.join()
    ko, kn = (np.asarray(pc.cast(box[v].column("nik"), pa.int64())) for v in ("o", "n"))
    hit = pd.Index(kn).get_indexer(ko)
    found = int((hit >= 0).sum())
    print(len(ko) - found, len(kn) - found, file=sys.stderr)


#: per field, the cheapest exact way found to compare it at the 1M pairs of the bench pair (CPU-s, one thread, warm:
#: shared dictionary codes 0.04–0.43, gathered text 0.03–0.07, bytes of a fixed-width column 0.01–0.03)
_CHEAPEST = {"nkk": "text", "nama": "text", "tempat_lahir": "dict", "tanggal_lahir": "text", "status_kawin": "bytes",
             "jenis_kelamin": "bytes", "alamat": "dict", "rt": "bytes", "rw": "bytes", "disabilitas": "bytes",
             "keterangan": "text", "tps": "bytes", "kelurahan": "text", "kecamatan": "text",
             "kabupaten_kota": "dict", "provinsi": "dict"}


def _fixed_width(col):
    """A string column whose values all have the same byte length L <= 8, as one unsigned integer per row (the
    bytes themselves, zero-padded): equal integers, equal text. None when the widths differ."""
    import numpy as np

    parts, width = [], None
    for ch in col.chunks:
        if ch.null_count or not len(ch):
            return None
        off = np.frombuffer(ch.buffers()[1], dtype=np.int32, count=len(ch) + 1, offset=ch.offset * 4)
        span = int(off[-1] - off[0])
        width = width or span // len(ch)
        if not 0 < width <= 8 or span != len(ch) * width or int(np.diff(off).min()) != width:
            return None
        parts.append(np.frombuffer(ch.buffers()[2], dtype=np.uint8, count=span, offset=int(off[0])))
    rows = np.concatenate(parts).reshape(-1, width)
    padded = np.zeros((len(rows), 8), dtype=np.uint8)
    padded[:, :width] = rows
    return padded.view(np.uint64).ravel()


def child_compare_stack(old: str, new: str, hash_inputs: str = "1") -> None:
    """The least `dpt diff` must do with the given stack to answer the issue's counts: the sha256 of both inputs
    (summary.json holds them; hashed in 1 MB blocks on two threads from the start), both files parsed as text
    beside the imports (without quote handling: the bench files hold none), the NIKs joined, and each of the 16
    other fields compared at the 1M pairs the cheapest exact way found for it (:data:`_CHEAPEST`), two fields at a
    time; counts of changed and moved persons. No normalisation (so formatting noise would count as a change), no
    fallback matching, no NIK corrections, no per-region tallies, no output file."""
    import hashlib
    import threading
    from concurrent.futures import ThreadPoolExecutor

    def sha(path: str) -> None:
        h, block = hashlib.sha256(), bytearray(1 << 20)
        view = memoryview(block)
        with open(path, "rb", buffering=0) as fh:
            while k := fh.readinto(block):
                h.update(view[:k])
        box[path + ".sha"] = h.hexdigest()

    box: dict = {}
    hashers = [threading.Thread(target=sha, args=(p,)) for p in (old, new)] if hash_inputs == "1" else []
    for h in hashers:
        h.start()
    import pyarrow as pa
    import pyarrow.csv as pacsv

    pa.set_memory_pool(pa.jemalloc_memory_pool())  # as `dpt diff` does (fewer page faults)

    def parse(key: str, path: str) -> None:
        box[key] = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(quote_char=False),
                                  convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(FIELDS, pa.string())))

    readers = [threading.Thread(target=parse, args=a) for a in (("o", old), ("n", new))]
    for r in readers:
        r.start()
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    for r in readers:
        r.join()
    o, n = box["o"], box["n"]
    ko, kn = (np.asarray(pc.cast(t.column("nik"), pa.int64())) for t in (o, n))
    hit = pd.Index(kn).get_indexer(ko)
    po = np.flatnonzero(hit >= 0)
    pn = hit[po]
    take_o, take_n = pa.array(po), pa.array(pn)

    def differs(field: str) -> np.ndarray:
        how = _CHEAPEST[field]
        if how == "bytes":
            a, b = _fixed_width(o.column(field)), _fixed_width(n.column(field))
            if a is not None and b is not None:
                return a[po] != b[pn]
            how = "text"
        if how == "dict":
            both = pa.chunked_array(o.column(field).chunks + n.column(field).chunks)
            enc = pc.dictionary_encode(both)  # every chunk gets the final dictionary: its indices are the codes
            codes = pa.chunked_array([c.indices for c in enc.chunks], type=pa.int32()).to_numpy()
            return codes[:len(ko)][po] != codes[len(ko):][pn]
        a = o.column(field).combine_chunks().take(take_o)
        b = n.column(field).combine_chunks().take(take_n)
        return ~np.asarray(pc.equal(a, b).to_numpy(zero_copy_only=False), dtype=bool)

    with ThreadPoolExecutor(max_workers=2) as pool:
        diffs = dict(zip(COMPARED, pool.map(differs, COMPARED), strict=True))
    changed = np.logical_or.reduce(list(diffs.values()))
    moved = diffs["tps"] | diffs["kelurahan"] | diffs["kecamatan"]
    for h in hashers:
        h.join()
    print(len(ko) - len(po), len(kn) - len(po), int(changed.sum()), int(moved.sum()), file=sys.stderr)


def child_join_polars(old: str, new: str) -> None:
    import polars as pl

    o, n = pl.scan_csv(old, infer_schema=False), pl.scan_csv(new, infer_schema=False)
    j = o.join(n, on="nik", how="full", suffix="_n", coalesce=False)
    both = pl.col("nik").is_not_null() & pl.col("nik_n").is_not_null()
    differs = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_n")) for c in COMPARED])
    j.select(pl.col("nik").is_null().sum(), pl.col("nik_n").is_null().sum().alias("only_old"),
             (both & differs).sum().alias("changed")).collect()


def child_join_duckdb(old: str, new: str) -> None:
    import duckdb

    differs = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in COMPARED)
    duckdb.connect().execute(f"""
        SELECT count(*) FILTER (WHERE n.nik IS NULL), count(*) FILTER (WHERE o.nik IS NULL),
               count(*) FILTER (WHERE o.nik IS NOT NULL AND n.nik IS NOT NULL AND ({differs}))
        FROM read_csv('{old}', all_varchar = true, header = true) o
        FULL OUTER JOIN read_csv('{new}', all_varchar = true, header = true) n ON o.nik = n.nik""").fetchone()


CHILDREN = {"read": child_read, "read_pair": child_read_pair, "stack": child_stack,
            "stack_overlap": child_stack_overlap, "polars": child_polars, "join_polars": child_join_polars,
            "join_duckdb": child_join_duckdb, "join_stack": child_join_stack, "compare_stack": child_compare_stack}


# ----------------------------------------------------------------------------------------------- driver
def _best(cmd: list[str], runs: int) -> dict:
    from measure import measure

    results = [measure(cmd) for _ in range(runs)]
    best = min(results, key=lambda r: r["seconds"])
    return {**best, "all": [r["seconds"] for r in results], "ok": all(r["returncode"] == 0 for r in results)}


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--validate-work", default="bench/work")
    ap.add_argument("--diff-work", default="bench/work")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--child", nargs="+")
    args = ap.parse_args()
    if args.child:
        CHILDREN[args.child[0]](*args.child[1:])
        return

    import pyarrow.csv as pacsv

    from measure import best_of, machine

    roll = Path(args.validate_work) / f"roll_{args.rows}.csv"
    old, new = (Path(args.diff_work) / f"diff_{v}_{args.rows}.csv" for v in ("old", "new"))
    for path, how in ((roll, "bench/bench_validate.py"), (old, "bench/bench_diff.py"), (new, "bench/bench_diff.py")):
        if not path.exists():
            sys.exit(f"{path}: not found — run {how} with the same --rows and work directory first")

    py, me = sys.executable, str(Path(__file__).resolve())
    load_before = os.getloadavg()
    floor_v = best_of(lambda: pacsv.read_csv(roll, parse_options=pacsv.ParseOptions(delimiter=";")))
    floor_d = best_of(lambda: (pacsv.read_csv(old), pacsv.read_csv(new)))
    rows: list[tuple[str, str, float, dict]] = []

    def run(job: str, label: str, floor: float, cmd: list[str], needs: str | None = None) -> None:
        if needs and not _importable(needs):
            print(f"({label}: skipped, {needs} not installed)")
            return
        rows.append((job, label, floor, _best(cmd, args.runs)))

    t0 = time.perf_counter()
    run("validate", "python -c pass", floor_v, [py, "-c", "pass"])
    run("validate", "read only (pyarrow)", floor_v, [py, me, "--child", "read", str(roll), ";"])
    run("validate", "stack minimum: pandas + pandera, no rule", floor_v, [py, me, "--child", "stack", str(roll), ";"])
    run("validate", "stack minimum, parse beside the imports", floor_v,
        [py, me, "--child", "stack_overlap", str(roll), ";"])
    run("validate", "polars + pandera.polars minimum (engine change)", floor_v,
        [py, me, "--child", "polars", str(roll), ";"], needs="polars")
    run("diff", "read both only (pyarrow)", floor_d, [py, me, "--child", "read_pair", str(old), str(new)])
    run("diff", "stack minimum: pandas + pyarrow, parse beside the imports, NIK join, counts only", floor_d,
        [py, me, "--child", "join_stack", str(old), str(new)])
    run("diff", "compare minimum, no sha256: stack minimum + the 16 other fields compared at the pairs", floor_d,
        [py, me, "--child", "compare_stack", str(old), str(new), "0"])
    run("diff", "compare minimum: stack minimum + sha256 of both + the 16 other fields compared at the pairs "
        "(cheapest way per field)", floor_d, [py, me, "--child", "compare_stack", str(old), str(new)])
    run("diff", "join minimum: polars, raw text, counts only", floor_d,
        [py, me, "--child", "join_polars", str(old), str(new)], needs="polars")
    run("diff", "join minimum: DuckDB, raw text, counts only", floor_d,
        [py, me, "--child", "join_duckdb", str(old), str(new)], needs="duckdb")
    load_after = os.getloadavg()

    print(f"machine: {machine()}; load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f}; "
          f"{time.perf_counter() - t0:.0f} s")
    print(f"rows: {args.rows:,}; read floors (in-process, best of 3): validate CSV {floor_v:.2f} s "
          f"(3× = {3 * floor_v:.2f} s), diff pair {floor_d:.2f} s (3× = {3 * floor_d:.2f} s)")
    print()
    print("| command | pipeline (does less than the command) | wall s (best) | all runs s | × its floor | CPU s | "
          "peak RSS MB | exit 0 |")
    print("|---|---|---|---|---|---|---|---|")
    for job, label, floor, r in rows:
        runs = ", ".join(f"{s:.2f}" for s in r["all"])
        print(f"| {job} | {label} | {r['seconds']:.2f} | {runs} | {r['seconds'] / floor:.1f}× | {r['cpu']:.2f} | "
              f"{r['peak_mb']:.0f} | {r['ok']} |")


if __name__ == "__main__":
    main()
