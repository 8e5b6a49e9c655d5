"""``dpt validate`` for rolls larger than memory: the file is read in parts and gives the whole-file findings.

Why: a national roll (205 million voters, ~37 GB of CSV) does not fit in memory — a whole-file read needs about
1.4 GB per million rows. Row rules only look at one record, and the three group rules (``nik_duplicate``,
``tps_over_capacity``, ``family_split_tps``) only compare records that share a key, so the roll can be checked in
parts with bounded memory, as long as every file-wide decision is still taken on the whole file.

How:

1. **Parts.** The file is cut into parts of about ``part_bytes`` at record boundaries (a line end outside quotes).
   Each part is parsed by the whole-file reader (:func:`~dpt_tools.load.read_csv_strings`, the header line put in
   front), so every export quirk is handled the same way; its row numbers are shifted by the records before it.
   Parquet is read by row batches.
2. **File-wide verdicts.** The delimiter, the encoding (cp1252 when the file is not UTF-8), quotes read literally
   (a stray quote) and "the NIK column went through a number format" are taken from the first part and checked
   against every part. When the file disagrees — rare, it takes an odd file — it is read once more with the
   verdicts of the whole file, so the result is always the whole-file result.
3. **Row rules** run on each part; their findings are spilled to disk per part.
4. **Group rules** need every record of a key together: each part spills its keys (usable NIKs; place + TPS + NKK)
   into hash partitions on disk — by NIK, and by kabupaten/kecamatan/kelurahan — and each partition is checked
   alone with the same rule functions.
5. **Output.** Per part, row and group findings are merged in row order and streamed to ``findings.<fmt>``; the
   CSV and JSON files are byte-identical to a whole-file run (tested), Parquet holds the same rows.

Memory is bounded by the part size (plus one partition of keys); disk holds the spilled keys and findings in a
temporary directory (``$TMPDIR``), removed at the end.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import json
import math
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from . import __version__
from .config import Settings
from .errors import InputError
from .fields import FIELDS
from .load import (
    SNIFF_BYTES,
    STRAY_QUOTE_NOTE,
    Dialect,
    RawRead,
    Roll,
    _to_utf8,
    build_roll,
    parquet_strings,
    read_csv_strings,
    sniff_delimiter,
    sniff_encoding,
)
from .output import FORMULA_START, atomic_paths, guard_formulas, to_arrow, write_json
from .rules.base import SEVERITIES, Context
from .rules.catalog import RULES
from .rules.nik_rules import column_went_numeric, mangled_evidence
from .rules.place_rules import PLACE_FIELDS, warm_up
from .schema import check_roll_frame
from .validate import FINDING_COLUMNS, _findings_for, applicable, run_rules

#: Rules that compare records sharing a key; every other rule looks at one record.
GROUP_RULES = ("nik_duplicate", "tps_over_capacity", "family_split_tps")
#: Inputs above this many (estimated) rows are read in parts by default: a whole read would need ~7 GB.
AUTO_ROWS = 5_000_000
#: Default part: 500,000 rows, ~1.1 GB of memory at the peak (measured, bench/RESULTS.md).
PART_ROWS = 500_000
READ_BYTES = 16 * 1024 * 1024
_FINDINGS_SCHEMA = pa.schema([("row_number", pa.int64()), *[(c, pa.string()) for c in FINDING_COLUMNS[1:]]])

PartProgress = Callable[[int, int], None]  # (bytes or rows done, total)


class _Restart(Exception):
    """The file disagreed with a verdict taken from its first part: read it again with the file's verdict."""

    def __init__(self, verdicts: Verdicts) -> None:
        super().__init__("restart")
        self.verdicts = verdicts


@dataclass(frozen=True)
class Verdicts:
    """Decisions a whole-file read takes once for the file."""

    delimiter: str | None = None
    encoding: str | None = None  # source encoding: utf-8, cp1252, utf-16
    bom: bool = False
    literal: bool = False  # a stray quote: every quote is a plain character
    nik_numeric: bool | None = None  # the NIK column went through a number format


# ------------------------------------------------------------------------------------------------ cutting parts
def record_end(buf: bytes, newline: bytes, quoting: bool) -> int:
    """Length of the longest prefix of ``buf`` made of whole records: up to a line end outside quotes (0: none).

    Inside a quoted value quotes come in pairs (``""``), so a line end closes a record exactly when the number of
    quote characters before it is even."""
    end = buf.rfind(newline)
    if end < 0:
        return 0
    if not quoting:
        return end + len(newline)
    quotes = buf.count(b'"', 0, end)
    while end >= 0:
        if quotes % 2 == 0:
            return end + len(newline)
        prev = buf.rfind(newline, 0, end)
        quotes -= buf.count(b'"', prev + 1, end)
        end = prev
    return 0


def _first_record_end(buf: bytes, newline: bytes, quoting: bool) -> int:
    """End of the header record (the first line end outside quotes)."""
    pos = buf.find(newline)
    while pos >= 0:
        if not quoting or buf.count(b'"', 0, pos) % 2 == 0:
            return pos + len(newline)
        pos = buf.find(newline, pos + 1)
    return len(buf)


def _newline(sample: bytes) -> bytes:
    """LF (or CRLF) line ends, or old Mac CR-only ones."""
    return b"\n" if b"\n" in sample or b"\r" not in sample else b"\r"


class _Utf8Stream:
    """The input as UTF-8 bytes, block by block (cp1252 and UTF-16 transcoded on the way), hashing the source."""

    def __init__(self, fh: BinaryIO, encoding: str, bom: bool) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()
        self.decoder = None if encoding == "utf-8" else codecs.getincrementaldecoder(encoding)(errors="replace")
        self.skip = 3 if (encoding == "cp1252" and bom) else 0  # a UTF-8 BOM before cp1252 text

    def read(self, n: int) -> bytes:
        data = self.fh.read(n)
        self.sha.update(data)
        if self.skip:
            data, self.skip = data[self.skip:], 0
        if self.decoder is None:
            return data
        return self.decoder.decode(data, final=not data).encode("utf-8")


class _CsvParts:
    """The file's parts as UTF-8 bytes with the header line in front; ``sha256`` of the source once exhausted."""

    def __init__(self, path: Path, verdicts: Verdicts, part_bytes: int, progress: PartProgress | None) -> None:
        self.path, self.verdicts, self.part_bytes, self.progress = path, verdicts, part_bytes, progress
        self.sha256 = ""

    def __iter__(self) -> Iterator[list[bytes]]:
        """Yields a one-item list the consumer empties (``pop``), so that no frame here keeps a part alive."""
        size = max(1, self.path.stat().st_size)
        part_bytes = self.part_bytes
        with self.path.open("rb") as fh:
            stream = _Utf8Stream(fh, self.verdicts.encoding or "utf-8", self.verdicts.bom)
            buf = stream.read(part_bytes)
            newline = _newline(buf[:1 << 20])
            quoting = not self.verdicts.literal
            header_end = _first_record_end(buf, newline, quoting)
            header = buf[:header_end].lstrip(b"\xef\xbb\xbf")
            first, eof = True, False
            while buf:
                cut = len(buf) if eof else record_end(buf, newline, quoting)
                if not eof and (len(buf) < part_bytes or cut <= (header_end if first else 0)):
                    if len(buf) >= 4 * part_bytes:  # no record end in 4 parts: a quote that never closes
                        raise _Restart(replace(self.verdicts, literal=True))
                    more = stream.read(part_bytes)
                    eof = not more
                    buf += more
                    continue
                view = memoryview(buf)
                part = bytes(view[:cut]) if first else b"".join((header, view[:cut]))  # one copy
                buf = bytes(view[cut:])
                del view
                if self.progress is not None:
                    self.progress(fh.tell(), size)
                slot = [part]
                del part
                yield slot
                first = False
            self.sha256 = stream.sha.hexdigest()


def _csv_reads(parts: _CsvParts, verdicts: Verdicts) -> Iterator[RawRead]:
    """Each part read as the whole-file reader reads it; the part's bytes are freed before its rules run."""
    name = str(parts.path)
    for first, slot in enumerate(parts):
        data = slot.pop()
        try:
            read = read_csv_strings(data, name, delimiter=verdicts.delimiter, literal=verdicts.literal)
        except InputError as exc:
            if first == 0 or "header only" not in str(exc):
                raise
            read = _blank_part(data)  # a later part with nothing but empty lines
        del data
        yield read


def _blank_part(data: bytes) -> RawRead:
    """A later part holding only empty lines (the header in front): its records are all blank rows."""
    newline = _newline(data)
    body = data[data.index(newline) + len(newline):]
    lines = body.count(newline) + (0 if body.endswith(newline) else 1)
    return RawRead([], pa.table({}), np.zeros(0, dtype=np.int64), _no_malformed(), list(range(1, lines + 1)),
                   Dialect("csv"), [])


def _no_malformed() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="int64") for c in ("row_number", "position", "expected", "actual")})


def _parquet_parts(path: Path, part_rows: int, progress: PartProgress | None) -> Iterator[RawRead]:
    try:
        file = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError, pa.ArrowNotImplementedError) as exc:
        raise InputError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from exc
    if not file.schema_arrow.names:
        raise InputError(f"{path}: Parquet file has no columns")
    total = max(1, file.metadata.num_rows)
    done = 0
    for batch in file.iter_batches(batch_size=part_rows):
        table = pa.Table.from_batches([batch])
        yield parquet_strings(table)  # row numbers from 1: the caller shifts them
        done += table.num_rows
        if progress is not None:
            progress(done, total)


class _FileHash(threading.Thread):
    """sha256 of a file read in blocks beside the work (hashlib releases the GIL)."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.digest = ""
        self.start()

    def run(self) -> None:
        sha = hashlib.sha256()
        with self.path.open("rb") as fh:
            while block := fh.read(READ_BYTES):
                sha.update(block)
        self.digest = sha.hexdigest()

    def result(self) -> str:
        self.join()
        return self.digest


# ------------------------------------------------------------------------------------------------ spills
class _Spill:
    """Arrow IPC streams in a temporary directory, one per name, appended table by table."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.writers: dict[str, tuple[Any, ipc.RecordBatchStreamWriter]] = {}

    def append(self, name: str, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        if name not in self.writers:
            sink = pa.OSFile(str(self.root / f"{name}.arrows"), "wb")
            self.writers[name] = (sink, ipc.new_stream(sink, table.schema))
        self.writers[name][1].write_table(table)

    def read(self, name: str) -> pa.Table | None:
        """Everything appended under ``name`` (the file is removed: each spill is read once)."""
        if name in self.writers:
            sink, writer = self.writers.pop(name)
            writer.close()
            sink.close()
        file = self.root / f"{name}.arrows"
        if not file.exists():
            return None
        with pa.OSFile(str(file), "rb") as source:
            table = ipc.open_stream(source).read_all()
        file.unlink()
        return table

    def close(self) -> None:
        for sink, writer in self.writers.values():
            writer.close()
            sink.close()
        self.writers.clear()


def _place_partition(columns: list[pa.Array], parts: int, n: int) -> np.ndarray:
    """A partition number per row from its place key (kabupaten, kecamatan, kelurahan), stable across parts and
    processes (crc32 of the distinct keys, not Python's salted ``hash``)."""
    if parts == 1 or not columns:
        return np.zeros(n, dtype=np.int64)
    key = pc.binary_join_element_wise(*[pc.fill_null(c, "\x00") for c in columns], "\x1f")
    enc = pc.dictionary_encode(key)
    codes = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    buckets = np.array([zlib.crc32(s.encode("utf-8")) % parts for s in enc.dictionary.to_pylist()], dtype=np.int64)
    return buckets[codes]


def _append_partitions(spill: _Spill, kind: str, table: pa.Table, bucket: np.ndarray, n_parts: int) -> None:
    if n_parts == 1:
        spill.append(f"{kind}-0", table)
        return
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(n_parts + 1))
    for p in range(n_parts):
        if bounds[p + 1] > bounds[p]:
            spill.append(f"{kind}-{p}", table.take(pa.array(order[bounds[p]:bounds[p + 1]])))


# ------------------------------------------------------------------------------------------------ the run
@dataclass
class _State:
    """What one pass over the file gathers besides the spilled findings and keys."""

    rows: int = 0
    records: int = 0
    n16: int = 0
    n_ends0: int = 0
    part_ends: list[int] = field(default_factory=list)  # last record number of each part
    blank_count: int = 0
    blank_preview: list[int] = field(default_factory=list)
    malformed: list[np.ndarray] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    template: Roll | None = None  # the first part's roll without its rows: mapping, fields, dialect
    header: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    group_rules: list[str] = field(default_factory=list)
    nik_numeric: bool | None = None  # the NIK-column verdict in use (from the first part until the end)
    partitions: int = 1


@dataclass
class ChunkedResult:
    """Summary (the keys of a whole-file ``summary.json`` plus ``parts``) and the findings per severity."""

    summary: dict[str, Any]
    severity_counts: dict[str, int]

    def failed(self, fail_on: str) -> bool:
        """True when a finding at or above ``fail_on`` exists (``never`` → never)."""
        if fail_on == "never":
            return False
        sev = self.severity_counts
        return sev["error"] + (sev["warning"] if fail_on == "warning" else 0) > 0


def estimated_rows(path: str | Path) -> int:
    """Rows of a Parquet file (from its footer) or of a CSV file (its size over ~180 bytes a row)."""
    p = Path(path)
    if p.suffix.lower() in (".parquet", ".pq"):
        try:
            return pq.ParquetFile(p).metadata.num_rows
        except (pa.ArrowInvalid, OSError):
            return 0
    return p.stat().st_size // 180 if p.is_file() else 0


def wants_parts(path: str, part_rows: int | None) -> bool:
    """``part_rows`` 0 = never in parts; None = automatically for large files (> AUTO_ROWS); otherwise always."""
    if path == "-" or part_rows == 0:
        return False
    if part_rows is None:
        return Path(path).is_file() and estimated_rows(path) > AUTO_ROWS
    return True


def validate_in_parts(path: str | Path, settings: Settings, out_dir: str | Path | None = None, fmt: str = "csv", *,
                      part_rows: int | None = None, progress: PartProgress | None = None) -> ChunkedResult:
    """Validate a roll part by part with bounded memory; write ``findings.<fmt>`` and ``summary.json`` into
    ``out_dir`` (as one set, atomically) when given. Same findings, counts and summary as a whole-file run."""
    start = time.perf_counter()
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a CSV or Parquet file")
    warm_up()
    parquet = path.suffix.lower() in (".parquet", ".pq")
    verdicts = Verdicts() if parquet else _sniff(path)
    while True:
        with tempfile.TemporaryDirectory(prefix="dpt-parts-") as tmp:
            spill = _Spill(Path(tmp))
            try:
                state, sha256 = _pass(path, parquet, settings, verdicts, spill, part_rows or PART_ROWS, progress)
                return _finish(path, settings, state, sha256, spill, out_dir, fmt, start)
            except _Restart as again:
                verdicts = again.verdicts
            finally:
                spill.close()


def _sniff(path: Path) -> Verdicts:
    """Encoding and delimiter as the whole-file reader decides them from the file's first bytes."""
    with path.open("rb") as fh:
        head = fh.read(SNIFF_BYTES + 4)
    encoding, bom = sniff_encoding(head[:SNIFF_BYTES])
    text = _to_utf8(head, encoding, bom)[:SNIFF_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
    return Verdicts(delimiter=sniff_delimiter(text), encoding=encoding, bom=bom)


def _bytes_per_row(path: Path) -> int:
    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    lines = max(1, sample.count(_newline(sample)))
    return max(1, len(sample) // lines)


def _pass(path: Path, parquet: bool, settings: Settings, verdicts: Verdicts, spill: _Spill, part_rows: int,
          progress: PartProgress | None) -> tuple[_State, str]:
    """One read of the file: row findings and group keys spilled part by part."""
    state = _State(nik_numeric=verdicts.nik_numeric)
    csv_parts: _CsvParts | None = None
    hasher: _FileHash | None = None
    if parquet:
        hasher = _FileHash(path)
        reads: Iterator[RawRead] = _parquet_parts(path, part_rows, progress)
        state.partitions = max(1, math.ceil(estimated_rows(path) / part_rows))
    else:
        part_bytes = max(1 << 16, part_rows * _bytes_per_row(path))
        csv_parts = _CsvParts(path, verdicts, part_bytes, progress)
        reads = _csv_reads(csv_parts, verdicts)
        state.partitions = max(1, math.ceil(path.stat().st_size / part_bytes))
    for index, read in enumerate(reads):
        _check_read(read, verdicts)
        _one_part(index, read, path, settings, spill, state)
    sha256 = hasher.result() if hasher is not None else csv_parts.sha256 if csv_parts is not None else ""
    if state.template is None:
        raise InputError(f"{path}: header only, no data rows")
    if state.template.has("nik"):
        whole = column_went_numeric(state.n16, state.n_ends0)
        if whole != state.nik_numeric:
            raise _Restart(replace(verdicts, nik_numeric=whole))
    return state, sha256


def _check_read(read: RawRead, verdicts: Verdicts) -> None:
    """A part that the whole-file reader would have read another way sends the pass back to the start."""
    if read.dialect.format != "csv" or not read.header:
        return
    if not verdicts.literal and STRAY_QUOTE_NOTE in read.notes:
        raise _Restart(replace(verdicts, literal=True))
    if read.dialect.encoding == "cp1252" and verdicts.encoding == "utf-8":
        raise _Restart(replace(verdicts, encoding="cp1252"))


def _one_part(index: int, read: RawRead, path: Path, settings: Settings, spill: _Spill, state: _State) -> None:
    offset = state.records
    blank = [r + offset for r in read.blank_rows]
    state.blank_count += len(blank)
    state.blank_preview.extend(blank[:max(0, 10 - len(state.blank_preview))])
    state.records += len(read.row_numbers) + len(read.blank_rows)
    state.part_ends.append(state.records)
    if not len(read.row_numbers):
        return
    if state.template is not None and read.header != state.header:
        raise InputError(f"{path}: the header changes inside the file (part {index + 1})")
    read = replace(read, row_numbers=read.row_numbers + offset, blank_rows=blank,
                   malformed=read.malformed.assign(row_number=read.malformed["row_number"] + offset))
    roll = build_roll(read, source=path.name, path=str(path), sha256="", column_map=settings.column_map)
    check_roll_frame(roll.frame)
    if state.template is None:
        # copies, not views: a zero-row view would keep the whole first part in memory
        state.template = replace(roll, frame=roll.frame.iloc[:0].copy(deep=True), raw=roll.raw.schema.empty_table(),
                                 dob=np.empty(0, dtype="datetime64[D]"), columns={})
        state.header = read.header
        state.skipped = [r.code for r in RULES if not applicable(r, roll)]
        state.group_rules = [c for c in GROUP_RULES if c not in state.skipped]
    for note in roll.notes:
        if note not in state.notes and "empty line(s) skipped" not in note:
            state.notes.append(note)
    state.rows += len(roll)
    if len(roll.malformed):
        state.malformed.append(roll.malformed["row_number"].to_numpy())
    ctx = Context(roll, settings)
    if roll.has("nik"):
        _, _, n16, n_ends0 = mangled_evidence(ctx.col("nik"), ctx.nik.valid_format, ctx.nik_text_marked)
        state.n16 += n16
        state.n_ends0 += n_ends0
        if state.nik_numeric is None:  # the first part decides until the whole file has been seen
            state.nik_numeric = column_went_numeric(n16, n_ends0)
        ctx.nik_column_numeric = state.nik_numeric
    row_rules = [r for r in RULES if r.code not in GROUP_RULES and r.code not in state.skipped]
    findings, _ = run_rules(roll, settings, row_rules, ctx=ctx)
    spill.append(f"findings-{index}", _as_table(findings))
    _spill_keys(ctx, roll, spill, state)
    del ctx, roll, read, findings
    pa.default_memory_pool().release_unused()  # hand the part's buffers back, or the pool keeps growing


def _as_table(findings: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(findings, schema=_FINDINGS_SCHEMA, preserve_index=False)


def _spill_keys(ctx: Context, roll: Roll, spill: _Spill, state: _State) -> None:
    """The keys of this part's records that the group rules need, into hash partitions."""
    rows = pa.array(roll.frame["row_number"].to_numpy(), type=pa.int64())
    if "nik_duplicate" in state.group_rules:
        pos = pa.array(np.flatnonzero(ctx.nik.valid_format & ~ctx.mangled_nik))
        nik = ctx.col("nik").take(pos)
        bucket = np.asarray(pc.cast(nik, pa.int64()).to_numpy(zero_copy_only=False)) % state.partitions
        _append_partitions(spill, "nik", pa.table({"row_number": rows.take(pos), "nik": nik}), bucket,
                           state.partitions)
    if "tps_over_capacity" in state.group_rules or "family_split_tps" in state.group_rules:
        place = [f for f in PLACE_FIELDS if roll.has(f)]
        raw_tps = roll.raw.column("tps").combine_chunks() if "tps" in roll.raw.column_names else None
        cols = {"row_number": rows, **{f: roll.columns[f] for f in (*place, "tps", "nkk")},
                "raw_tps": raw_tps if raw_tps is not None else pa.nulls(len(roll), pa.string())}
        bucket = _place_partition([roll.columns[f] for f in place], state.partitions, len(roll))
        _append_partitions(spill, "place", pa.table(cols), bucket, state.partitions)


def _key_roll(keys: pa.Table, template: Roll) -> Roll:
    """A roll holding only the key columns of one partition, in row order, for the group rules (absent fields are
    all-null arrays; the pandas frame holds just the row numbers and the keys)."""
    keys = keys.take(pc.sort_indices(keys, [("row_number", "ascending")]))
    n = keys.num_rows
    null = pa.nulls(n, pa.string())
    columns = {f: keys.column(f).combine_chunks() if f in keys.column_names else null for f in FIELDS}
    data: dict[str, Any] = {"row_number": keys.column("row_number").to_numpy()}
    data.update({f: columns[f].to_pandas() for f in FIELDS if f in keys.column_names})
    raw = {"nik": columns["nik"], "nkk": columns["nkk"]}
    if "raw_tps" in keys.column_names:
        raw["tps"] = keys.column("raw_tps").combine_chunks()
    present = [f for f in template.fields_present if f in keys.column_names]
    return Roll(frame=pd.DataFrame(data), raw=pa.table(raw), dob=np.full(n, np.datetime64("NaT"), "datetime64[D]"),
                source=template.source, path=template.path, dialect=template.dialect, mapping=template.mapping,
                fields_present=present, extras=[], malformed=_no_malformed(), sha256="", columns=columns)


def _group_findings(settings: Settings, state: _State, spill: _Spill) -> None:
    """Run the group rules partition by partition; spill their findings to the part their row belongs to."""
    assert state.template is not None
    rules = {r.code: r for r in RULES}
    malformed = np.concatenate(state.malformed) if state.malformed else np.zeros(0, dtype=np.int64)
    ends = np.asarray(state.part_ends, dtype=np.int64)
    for kind, codes in (("nik", ["nik_duplicate"]), ("place", ["tps_over_capacity", "family_split_tps"])):
        codes = [c for c in codes if c in state.group_rules]
        for p in range(state.partitions if codes else 0):
            keys = spill.read(f"{kind}-{p}")
            if keys is None:
                continue
            ctx = Context(_key_roll(keys, state.template), settings, nik_column_numeric=False)
            found = [f for f in (_findings_for(rules[c], ctx, settings) for c in codes) if f is not None]
            if not found:
                continue
            frame = pd.concat(found, ignore_index=True)
            # a malformed line gets row_malformed alone, as in a whole-file run
            frame = frame[~frame["row_number"].isin(malformed)]
            where = np.searchsorted(ends, frame["row_number"].to_numpy(), side="left")
            for part in np.unique(where):
                spill.append(f"group-{part}", _as_table(frame[where == part][list(FINDING_COLUMNS)]))


# ------------------------------------------------------------------------------------------------ output
class _FindingsSink:
    """``findings.<fmt>`` written part by part, with the bytes of a whole-file write (CSV, JSON)."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.fmt = fmt
        self.fh = path.open("wb")
        self.parquet: pq.ParquetWriter | None = None
        self.rows = 0
        if fmt == "csv":
            names = ["'" + n if n.startswith(FORMULA_START) else n for n in FINDING_COLUMNS]
            self.fh.write((",".join(names) + "\n").encode("utf-8"))
        elif fmt == "parquet":
            self.parquet = pq.ParquetWriter(self.fh, _FINDINGS_SCHEMA, compression="zstd")
        elif fmt != "json":
            raise InputError(f"unknown output format {fmt!r}")

    def write(self, findings: pd.DataFrame) -> None:
        if findings.empty:
            return
        table = to_arrow(findings)
        if self.fmt == "csv":
            table = pa.Table.from_arrays([guard_formulas(c) if pa.types.is_string(c.type) else c
                                          for c in table.columns], names=table.column_names)
            pacsv.write_csv(table, self.fh, write_options=pacsv.WriteOptions(include_header=False,
                                                                             quoting_style="needed"))
        elif self.parquet is not None:
            self.parquet.write_table(table.cast(_FINDINGS_SCHEMA))
        else:
            text = json.dumps(table.to_pylist(), ensure_ascii=False, indent=1)
            self.fh.write(((",\n" if self.rows else "[\n") + text[2:-2]).encode("utf-8"))
        self.rows += len(findings)

    def close(self) -> None:
        if self.parquet is not None:
            if self.rows == 0:
                self.parquet.write_table(_FINDINGS_SCHEMA.empty_table())
            self.parquet.close()
        elif self.fmt == "json":
            self.fh.write(b"\n]\n" if self.rows else b"[]\n")
        self.fh.close()


@contextlib.contextmanager
def _outputs(out: Path | None, fmt: str, path: Path) -> Iterator[list[Path]]:
    """``findings.<fmt>`` and ``summary.json`` staged and renamed together; nothing without an output dir."""
    if out is None:
        yield []
        return
    targets = [out / f"findings.{fmt}", out / "summary.json"]
    stale = [out / f"findings.{ext}" for ext in ("csv", "parquet", "json")]
    with atomic_paths(targets, inputs=[str(path)], stale=stale) as temps:
        yield list(temps)


def _finish(path: Path, settings: Settings, state: _State, sha256: str, spill: _Spill, out_dir: str | Path | None,
            fmt: str, start: float) -> ChunkedResult:
    """Group rules, then per part: merge, sort, count and stream out the findings; the summary last."""
    _group_findings(settings, state, spill)
    template = state.template
    assert template is not None
    by_rule: dict[str, int] = {}
    by_sev = dict.fromkeys(SEVERITIES, 0)
    total = error_rows = 0
    with _outputs(Path(out_dir) if out_dir is not None else None, fmt, path) as temps:
        sink = _FindingsSink(temps[0], fmt) if temps else None
        for i in range(len(state.part_ends)):
            parts = [t for t in (spill.read(f"findings-{i}"), spill.read(f"group-{i}")) if t is not None]
            if not parts:
                continue
            frame = pa.concat_tables(parts).to_pandas()
            frame = frame.sort_values(["row_number", "rule", "field"], kind="stable", ignore_index=True)
            total += len(frame)
            for code, count in frame["rule"].value_counts().items():
                by_rule[str(code)] = by_rule.get(str(code), 0) + int(count)
            for sev, count in frame["severity"].value_counts().items():
                by_sev[str(sev)] += int(count)
            error_rows += int(frame.loc[frame["severity"] == "error", "row_number"].nunique())
            if sink is not None:
                sink.write(frame)
        if sink is not None:
            sink.close()
        notes = list(state.notes)
        if state.blank_count:
            shown = ", ".join(map(str, state.blank_preview))
            more = f" … +{state.blank_count - 10}" if state.blank_count > 10 else ""
            at = 1 if notes and notes[0] == STRAY_QUOTE_NOTE else 0  # where the whole-file reader puts it
            notes.insert(at, f"{state.blank_count} empty line(s) skipped (rows {shown}{more}); row numbers keep "
                             "counting them")
        summ = {
            "tool": "dpt-tools",
            "version": __version__,
            "command": "validate",
            "input": str(path),
            "input_sha256": sha256,
            "input_format": template.dialect.format,
            "rows": state.rows,
            "election": settings.as_dict(),
            "columns_mapped": template.mapping,
            "extra_columns": template.extras,
            "rules_skipped": state.skipped,
            "notes": notes,
            "blank_rows": state.blank_count,
            "findings": total,
            "by_severity": by_sev,
            "by_rule": dict(sorted(by_rule.items())),
            "rows_with_errors": error_rows,
            "seconds": round(time.perf_counter() - start, 3),
            "parts": len(state.part_ends),
        }
        if temps:
            write_json(summ, temps[1], atomic=False)
    return ChunkedResult(summ, by_sev)
