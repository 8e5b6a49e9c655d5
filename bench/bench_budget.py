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
  Since session 6 without pandas (a numpy sort join), the files memory-mapped, one serial parse per file.
* compare minimum by lines: the same counts from one exact comparison of each pair's raw CSV line (equal lines,
  equal fields: proved from the parse), field by field only where the lines differ.
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


def _np_view(arr, dtype):
    """The values buffer of a null-free fixed-width pyarrow Array as numpy, without ``to_numpy`` (which imports
    pandas: ~0.2 CPU-s)."""
    import numpy as np

    size = np.dtype(dtype).itemsize
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr), offset=arr.offset * size)


def _true_bits(arr):
    """A BooleanArray as numpy bools, null counted as False (no ``fill_null``: its Python scalar imports pandas)."""
    import numpy as np

    bits = np.frombuffer(arr.buffers()[1], dtype=np.uint8)
    if arr.null_count:
        bits = bits & np.frombuffer(arr.buffers()[0], dtype=np.uint8)
    return np.unpackbits(bits, count=arr.offset + len(arr), bitorder="little")[arr.offset:].view(bool)


def _line_lengths(table):
    """Per row, the byte length of its CSV line as the parse saw it (the values, a comma between two, the newline):
    the sum of every column's value offsets, chunk by chunk. Only the layout check of :func:`_lines_array` makes it
    a line length."""
    import numpy as np

    lengths = np.empty(table.num_rows, dtype=np.int64)
    cols, at = table.columns, 0
    for k in range(cols[0].num_chunks):
        total = None
        for col in cols:
            ch = col.chunk(k)
            off = np.frombuffer(ch.buffers()[1], dtype=np.int32, count=len(ch) + 1, offset=ch.offset * 4)
            total = off.astype(np.int64) if total is None else total + off
        lengths[at:at + len(total) - 1] = np.diff(total)
        at += len(total) - 1
    return lengths + table.num_columns


def _lines_array(table, data):
    """The file's data lines as a pyarrow binary array over the mapped file (zero-copy), or None when the parse and
    the file's layout disagree (CRLF, blank lines, no final newline, > 2 GB). Proof of layout: every computed line
    end falls on a newline and the last on the file's end — so line i holds exactly row i's parsed values, joined
    by commas (the bench parse has no quoting, so a quote is a plain character in both)."""
    import numpy as np
    import pyarrow as pa

    raw = np.frombuffer(data, dtype=np.uint8)
    head = bytes(data[:1 << 16]).find(b"\n") + 1
    ends = np.cumsum(_line_lengths(table)) + head
    if not head or len(raw) >= 1 << 31 or (len(ends) and (ends[-1] != len(raw) or not (raw[ends - 1] == 10).all())):
        return None
    offsets = np.concatenate([[head], ends]).astype(np.int32)
    return pa.Array.from_buffers(pa.binary(), len(ends), [None, pa.py_buffer(offsets), pa.py_buffer(data)])


#: per field, the cheapest exact way found to compare it at the ~990,000 pairs of the bench pair (CPU-s, one thread,
#: warm, session 6: bytes of a fixed-width column 0.01–0.025, shared dictionary codes 0.04–0.05 for the
#: few-valued names, gathered text 0.02–0.08; the bytes of the 10- and 16-byte columns cost more than their text)
_CHEAPEST = {"nkk": "text", "nama": "text", "tempat_lahir": "dict", "tanggal_lahir": "text", "status_kawin": "bytes",
             "jenis_kelamin": "bytes", "alamat": "text", "rt": "bytes", "rw": "bytes", "disabilitas": "bytes",
             "keterangan": "text", "tps": "bytes", "kelurahan": "dict", "kecamatan": "dict",
             "kabupaten_kota": "dict", "provinsi": "dict"}


def _fixed_width(col):
    """A string column whose values all have the same byte length L <= 8, as one unsigned integer per row (the
    bytes themselves, zero-padded to 1, 2, 4 or 8 bytes): equal integers, equal text. None when the widths differ
    or a value is null."""
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
    size = next(s for s in (1, 2, 4, 8) if s >= width)
    if size != width:
        padded = np.zeros((len(rows), size), dtype=np.uint8)
        padded[:, :width] = rows
        rows = padded
    return rows.view(f"u{size}").ravel()


#: rows per slice where text is gathered at the pairs: ~3 MB of gathered text, so the allocator hands the same
#: memory back slice after slice (1M rows at once: ~50k more page faults, 64k rows: ~20k more)
_STEP = 1 << 14


def _compare_front(old: str, new: str, hash_inputs: bool = True, lines: bool = False,
                   with_pandas: bool = False) -> dict:
    """What both compare minimums share: the sha256 of both files (one thread from the first instruction: it fills
    the core the imports and the single-threaded steps leave free), both files memory-mapped (the hash and the
    parse read the same page-cache pages; no read copies) and parsed as 17 text columns without quote handling
    (the bench files hold none), one thread per file with pyarrow's serial reader (less CPU than two threaded
    readers contending for 2 cores), each thread then casting and sorting its NIKs (and, with ``lines``, mapping its
    lines); then the NIKs joined by a numpy sort join (no pandas: ``pd.Index.get_indexer`` needs ~0.2 CPU-s of
    pandas import for a ~0.07 s saving; ``with_pandas`` imports it anyway, beside the parse, to price it). ``hit[i]``:
    row of old row i's NIK in new (0 where none, see ``matched``)."""
    import hashlib
    import mmap
    import threading

    box: dict = {}
    data = {}
    for path in (old, new):
        with open(path, "rb") as fh:
            data[path] = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)

    def sha() -> None:
        for path in (old, new):
            box[path + ".sha"] = hashlib.sha256(data[path]).hexdigest()

    hasher = threading.Thread(target=sha)
    if hash_inputs:
        hasher.start()
    import pyarrow as pa
    import pyarrow.csv as pacsv

    pa.set_memory_pool(pa.jemalloc_memory_pool())  # as `dpt diff` does (fewer page faults than mimalloc here)

    def parse(key: str, path: str) -> None:
        import numpy as np
        import pyarrow.compute as pc

        table = pacsv.read_csv(pa.BufferReader(pa.py_buffer(data[path])),
                               read_options=pacsv.ReadOptions(use_threads=False),
                               parse_options=pacsv.ParseOptions(quote_char=False),
                               convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(FIELDS, pa.string())))
        keys = _np_view(pc.cast(table.column("nik"), pa.int64()).combine_chunks(), np.int64)
        order = np.argsort(keys)
        box[key] = table, keys, order, keys[order], _lines_array(table, data[path]) if lines else None

    readers = [threading.Thread(target=parse, args=a) for a in (("o", old), ("n", new))]
    for r in readers:
        r.start()
    import numpy as np

    if with_pandas:  # what a command that needs pandas pays: imported beside the parse, as `dpt diff` does
        import pandas  # noqa: F401
    for r in readers:
        r.join()
    (o, ko, io, so, lo), (n, kn, ino, sn, ln) = box["o"], box["n"]
    at = np.minimum(np.searchsorted(sn, so), len(sn) - 1)
    found = sn[at] == so
    hit = np.zeros(len(ko), dtype=np.int32)
    matched = np.zeros(len(ko), dtype=bool)
    hit[io[found]] = ino[at[found]]
    matched[io[found]] = True
    return {"o": o, "n": n, "lines": (lo, ln), "hit": hit, "matched": matched, "pairs": int(found.sum()),
            "sizes": (len(ko), len(kn)), "hasher": hasher, "sha": box, "paths": (old, new), "hash": hash_inputs}


def _compare_end(front: dict, diffs: dict) -> None:
    """Counts of changed and moved persons from per-field difference flags; waits for the sha256 (must be real)."""
    import numpy as np

    changed = np.logical_or.reduce(list(diffs.values()))
    moved = diffs["tps"] | diffs["kelurahan"] | diffs["kecamatan"]
    if front["hash"]:
        front["hasher"].join()
        assert all(len(front["sha"][p + ".sha"]) == 64 for p in front["paths"])
    (size_o, size_n), pairs = front["sizes"], front["pairs"]
    print(size_o - pairs, size_n - pairs, int(changed.sum()), int(moved.sum()), file=sys.stderr)


def child_compare_stack(old: str, new: str, hash_inputs: str = "1") -> None:
    """The least `dpt diff` must do with the given stack to answer the issue's counts: the sha256 of both inputs
    (summary.json holds them), both files parsed as 17 text columns, the NIKs joined, and each of the 16 other
    fields compared at the ~990,000 pairs (:func:`_compare_front` for the first three); counts of changed and
    moved persons. Each field is compared the cheapest exact way found (:data:`_CHEAPEST`): a fixed-width column
    by its bytes as unsigned integers, a few-valued one by shared dictionary codes, any other by the new file's
    text gathered into the old file's row order (one ``take``) and ``not_equal``; two fields at a time. No pandas
    is imported. No normalisation (so formatting noise would count as a change), no fallback matching, no NIK
    corrections, no per-region tallies, no output file."""
    from concurrent.futures import ThreadPoolExecutor

    front = _compare_front(old, new, hash_inputs == "1")  # first: its sha256 thread starts before the imports
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    o, n, hit, matched = front["o"], front["n"], front["hit"], front["matched"]
    take_n = pa.Array.from_buffers(pa.int32(), len(hit), [None, pa.py_buffer(hit)])

    def differs(field: str):
        how = _CHEAPEST[field]
        if how == "bytes":
            a, b = _fixed_width(o.column(field)), _fixed_width(n.column(field))
            if a is not None and b is not None:
                return (a != b[hit]) & matched
            how = "text"
        if how == "dict":
            enc = pc.dictionary_encode(pa.chunked_array(o.column(field).chunks + n.column(field).chunks))
            codes = np.concatenate([_np_view(c.indices, np.int32) for c in enc.chunks])  # one final dictionary
            return (codes[:len(hit)] != codes[len(hit):][hit]) & matched
        col, source = o.column(field), n.column(field).combine_chunks()  # a chunked take would combine per call
        return np.concatenate([_concat_bits(pc.not_equal(col.slice(i, _STEP), source.take(take_n.slice(i, _STEP))))
                               for i in range(0, len(hit), _STEP)]) & matched

    with ThreadPoolExecutor(max_workers=2) as pool:
        diffs = dict(zip(COMPARED, pool.map(differs, COMPARED), strict=True))
    _compare_end(front, diffs)


def _concat_bits(chunked):
    import numpy as np

    return np.concatenate([_true_bits(c) for c in chunked.chunks])


def child_compare_lines(old: str, new: str, with_pandas: str = "0") -> None:
    """The compare minimum (:func:`child_compare_stack`) with the same counts and per-field flags from less work:
    the 16 fields compared at the ~990,000 pairs by ONE exact comparison of each pair's raw CSV line (equal lines
    mean 17 equal fields when nothing is quoted, which :func:`_lines_array` proves from the parse); only the pairs
    whose lines differ (~20,000) are compared field by field, their lines cut at the commas (the parse's own rule
    here). Not what ``dpt diff`` can do as is: it compares normalised values — but equal raw lines give equal
    normalised values whenever normalisation is a function of the value alone, so it could normalise only the rows
    whose lines differ. A file whose layout check fails would need the field-by-field path (the child stops)."""
    from concurrent.futures import ThreadPoolExecutor

    # first: the sha256 thread starts before the imports
    front = _compare_front(old, new, lines=True, with_pandas=with_pandas == "1")
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    (lo, ln), hit, matched = front["lines"], front["hit"], front["matched"]
    if lo is None or ln is None:
        sys.exit("layout check failed: this child handles unquoted LF files only")
    take_n = pa.Array.from_buffers(pa.int32(), len(hit), [None, pa.py_buffer(hit)])
    step = _STEP

    def differing(start: int) -> np.ndarray:
        ne = pc.not_equal(lo.slice(start, step), ln.take(take_n.slice(start, step)))
        return np.flatnonzero(_true_bits(ne) & matched[start:start + step]) + start

    with ThreadPoolExecutor(max_workers=2) as pool:
        cand = np.concatenate(list(pool.map(differing, range(0, len(hit), step))))
    at_o = pa.Array.from_buffers(pa.int64(), len(cand), [None, pa.py_buffer(cand.astype(np.int64))])
    at_n = pa.Array.from_buffers(pa.int32(), len(cand), [None, pa.py_buffer(np.ascontiguousarray(hit[cand]))])
    fo, fn = (pc.split_pattern(pc.binary_slice(x.take(at), 0, -1), ",").flatten() for x, at in ((lo, at_o), (ln, at_n)))
    if len(fo) != len(fn) or len(fo) != len(cand) * len(FIELDS):
        sys.exit("a line of another width than the header")
    differs = _true_bits(pc.not_equal(fo, fn)).reshape(len(cand), len(FIELDS))
    _compare_end(front, {f: differs[:, FIELDS.index(f)] for f in COMPARED})


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
            "join_duckdb": child_join_duckdb, "join_stack": child_join_stack, "compare_stack": child_compare_stack,
            "compare_lines": child_compare_lines}


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
    run("diff", "compare minimum, no sha256: both parsed, NIK join (numpy, no pandas), the 16 other fields compared "
        "at the pairs", floor_d, [py, me, "--child", "compare_stack", str(old), str(new), "0"])
    run("diff", "compare minimum: sha256 of both + both parsed + NIK join (numpy, no pandas) + the 16 other fields "
        "compared at the pairs (cheapest way per field)", floor_d,
        [py, me, "--child", "compare_stack", str(old), str(new)])
    run("diff", "compare minimum by lines: the same counts, the 16 fields proved equal by one exact comparison of "
        "the raw lines, field by field only where lines differ", floor_d,
        [py, me, "--child", "compare_lines", str(old), str(new)])
    run("diff", "compare minimum by lines + pandas imported beside the parse (what a command on pandas pays)", floor_d,
        [py, me, "--child", "compare_lines", str(old), str(new), "1"])
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
