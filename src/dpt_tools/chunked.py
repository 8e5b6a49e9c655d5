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
import functools
import glob
import hashlib
import io
import json
import math
import multiprocessing
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
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

from . import __version__, fsnames
from .config import Settings
from .errors import InputError
from .fields import FIELDS
from .load import (
    AUTO_PART_ROWS,
    CP1252_NOTE,
    CSV_ROW_BYTES,
    SNIFF_BYTES,
    STRAY_QUOTE_NOTE,
    Dialect,
    RawRead,
    Roll,
    assemble_records,
    build_roll,
    input_kind,
    parquet_strings,
    sniff_csv,
    stray_quote,
)
from .nik import shown_headers
from .output import FORMULA_START, atomic_paths, guard_formulas, to_arrow, write_json
from .rules.base import SEVERITIES, Context
from .rules.catalog import RULES
from .rules.nik_rules import column_went_numeric, mangled_evidence
from .rules.place_rules import PLACE_FIELDS, warm_up
from .schema import check_roll_frame
from .validate import FINDING_COLUMNS, _findings_for, applicable, run_rules

#: Rules that compare records sharing a key; every other rule looks at one record.
GROUP_RULES = ("nik_duplicate", "tps_over_capacity", "family_split_tps")

#: cp1252 as the whole-file reader decodes it (``load._to_utf8``): the five bytes cp1252 leaves undefined (0x81,
#: 0x8D, 0x8F, 0x90, 0x9D) become U+FFFD instead of ending the run (pyarrow's transcoder decodes strictly)
CP1252_REPLACING = "dpt_cp1252_replace"


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name != CP1252_REPLACING:
        return None
    base = codecs.lookup("cp1252")
    return codecs.CodecInfo(lambda text, errors="strict": base.encode(text, errors),
                            lambda data, errors="replace": base.decode(data, errors), name=CP1252_REPLACING,
                            incrementalencoder=base.incrementalencoder,
                            incrementaldecoder=functools.partial(base.incrementaldecoder, errors="replace"))


codecs.register(_find_codec)

#: Group keys are spilled into at most this many hash partitions (each checked alone at the end).
MAX_PARTITIONS = 64
#: Inputs above this many (estimated) rows are read in parts by default: a whole read would need ~7 GB.
AUTO_ROWS = AUTO_PART_ROWS
#: Rows checked at once (split between the worker processes): bounds the peak memory (bench/RESULTS.md).
PART_ROWS = 250_000
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
    block_scale: int = 1  # parts this many times larger (a record longer than a part)


# ------------------------------------------------------------------------------------------------ reading parts
class _HashingReader(io.RawIOBase):
    """The input file for pyarrow's streaming reader, hashed as it is read (the digest covers every byte)."""

    def __init__(self, fh: BinaryIO, skip: int = 0) -> None:
        super().__init__()
        self.fh = fh
        self.sha = hashlib.sha256()
        self.done = 0
        if skip:  # a UTF-8 BOM before cp1252 text: hashed, not parsed
            head = fh.read(skip)
            self.sha.update(head)
            self.done += len(head)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.fh.readinto(buffer)
        if n:
            self.sha.update(memoryview(buffer)[:n])
            self.done += n
        return n or 0

    def close(self) -> None:
        self.fh.close()
        super().close()


def _csv_reads(path: Path, verdicts: Verdicts, header: list[str], header_lines: int, block: int,
               progress: PartProgress | None, digest: list[str]) -> Iterator[list[RawRead]]:
    """The records of a CSV file, part by part, with pyarrow's streaming reader: a part ends where pyarrow's own
    parser ends a record (quotes, escaped quotes and line breaks in values as in a whole-file read). Ragged lines and
    empty lines are handled as the whole-file reader handles them; row numbers restart at 1 in each part (the caller
    shifts them). ``digest`` receives the sha256 of the file once it has been read to the end."""
    ncols = len(header)
    names = [f"c{i}" for i in range(ncols)]
    bad: list[tuple[int | None, int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:  # numbered as the whole-file reader numbers them (header = 1)
        bad.append((None if row.number is None else row.number - (header_lines - 1), row.actual_columns, row.text))
        return "skip"

    delimiter = verdicts.delimiter or ","
    quoting = not verdicts.literal
    size = max(1, path.stat().st_size)
    raw = _HashingReader(path.open("rb"), 3 if verdicts.encoding == "cp1252" and verdicts.bom else 0)
    encoding = {"utf-8": "utf8", None: "utf8", "cp1252": CP1252_REPLACING}.get(verdicts.encoding, verdicts.encoding)
    # in the whole-file reader's order: the stray quote first, the empty lines after it (added at the end), cp1252 last
    notes = [STRAY_QUOTE_NOTE] if verdicts.literal else []
    if verdicts.encoding == "cp1252":
        notes.append(CP1252_NOTE)
    dialect = Dialect("csv", delimiter, verdicts.encoding, verdicts.bom)
    try:
        reader = pacsv.open_csv(
            raw,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=block, skip_rows=header_lines,
                                           column_names=names,
                                           encoding=encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"' if quoting else False,
                                             double_quote=quoting, newlines_in_values=quoting,
                                             ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
        before = taken = 0  # records of earlier parts; ragged lines handed out
        empty = pa.table({c: pa.array([], pa.string()) for c in names})
        while True:
            try:
                table = pa.Table.from_batches([reader.read_next_batch()])
            except StopIteration:
                if not bad:
                    break
                table = empty  # ragged lines after the last parsed row: a part of their own
            n_ok = table.num_rows
            # this part's ragged lines: the next k lines whose record numbers fall within its n_ok + k records
            k = 0
            while taken + k < len(bad) and (table is empty or int(bad[taken + k][0] or 0) - 1 <= before + n_ok + k):
                k += 1
            if any(b[0] is None for b in bad[taken:taken + k]):  # pragma: no cover - serial reading knows them
                raise InputError(f"{path}: cannot number a malformed line")
            mine = [(int(b[0] or 0) - before, b[1], b[2]) for b in bad[taken:taken + k]]
            del bad[:taken + k]
            taken = 0
            if quoting and stray_quote(table, mine, delimiter, ncols):
                raise _Restart(replace(verdicts, literal=True, block_scale=1))
            records, rows, malformed, blank = assemble_records(table, mine, delimiter, ncols)
            before += n_ok + k
            if progress is not None:
                progress(raw.done, size)
            slot = [RawRead(header, records, rows, malformed, blank, dialect, list(notes))]
            del table, records, rows, malformed, mine
            yield slot  # the caller pops the part: this frame keeps nothing of it while the next part is parsed
    except pa.ArrowInvalid as exc:
        message = str(exc).splitlines()[0]
        if "UTF8" in message.upper().replace("-", "") and verdicts.encoding == "utf-8":
            raise _Restart(replace(verdicts, encoding="cp1252")) from exc  # not UTF-8 further on: cp1252
        if "skip initial" in message:  # the header is all there is (no line end after it), or longer than a part
            if size <= block:
                raise InputError(f"{path}: header only, no data rows") from exc
            if verdicts.block_scale < 16:
                raise _Restart(replace(verdicts, block_scale=verdicts.block_scale * 4)) from exc
        if "straddl" in message:  # a record longer than a part
            if verdicts.block_scale < 16 or ncols < 3:  # (with < 3 columns the whole-file reader never
                # suspects a stray quote: it reads the value to the next quote, however long)
                raise _Restart(replace(verdicts, block_scale=verdicts.block_scale * 4)) from exc
            if quoting:  # longer than 16 parts: a quote that never closes, as the whole-file reader would find
                raise _Restart(replace(verdicts, literal=True, block_scale=1)) from exc
            raise InputError(f"{path}: a line longer than {block // 2**20} MB") from exc
        if verdicts.encoding == "utf-8":
            # as the whole-file reader (load.read_csv_strings): a file whose first bytes are UTF-8 and that does not
            # parse as UTF-8 is read as cp1252. A ragged line holding a cp1252 byte fails this way, not with a UTF-8
            # error: pyarrow cannot decode it for on_invalid and reports a column count instead
            raise _Restart(replace(verdicts, encoding="cp1252")) from exc
        raise InputError(f"{path}: cannot parse as CSV ({message})") from exc
    finally:
        raw.close()
    digest.append(raw.sha.hexdigest())


def _no_malformed() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="int64") for c in ("row_number", "position", "expected", "actual")})


_PARQUET_ERRORS = (pa.ArrowInvalid, OSError, pa.ArrowNotImplementedError, UnicodeDecodeError)


def _parquet_parts(path: Path, part_rows: int, progress: PartProgress | None) -> Iterator[list[RawRead]]:
    try:
        file = pq.ParquetFile(pa.OSFile(fsnames.arrow_path(path)))
    except _PARQUET_ERRORS as exc:
        raise InputError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from exc
    if not file.schema_arrow.names:
        raise InputError(f"{path}: Parquet file has no columns")
    total = max(1, file.metadata.num_rows)
    done = 0
    batches = file.iter_batches(batch_size=part_rows)
    while True:
        try:  # a sound footer over damaged data pages fails here, part by part, as the whole-file reader does
            batch = next(batches)
        except StopIteration:
            break
        except _PARQUET_ERRORS as exc:
            raise InputError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from exc
        table = pa.Table.from_batches([batch])
        done += table.num_rows
        if progress is not None:
            progress(done, total)
        yield [parquet_strings(table)]  # row numbers from 1: the caller shifts them


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
    """Arrow IPC files in a temporary directory: every append is a file of its own, written and closed at once (no
    file stays open, whatever the number of parts); reading a name gathers its files in order."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0

    def append(self, name: str, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self.count += 1
        with pa.OSFile(str(self.root / f"{name}#{self.count:08d}.arrows"), "wb") as sink, \
                ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)

    def read(self, name: str) -> pa.Table | None:
        """Everything appended under ``name`` (its files are removed: each spill is read once)."""
        files = sorted(self.root.glob(f"{glob.escape(name)}#*.arrows"))
        tables = []
        for file in files:
            with pa.OSFile(str(file), "rb") as source:
                tables.append(ipc.open_stream(source).read_all())
            file.unlink()
        return pa.concat_tables(tables) if tables else None

    def indexes(self, name: str) -> list[int]:
        """The part numbers that wrote ``name.<part>`` (partition files are written part by part)."""
        found = {f.name[len(name) + 1:].split("#")[0] for f in self.root.glob(f"{glob.escape(name)}.*#*.arrows")}
        return sorted(int(i) for i in found)

    def close(self) -> None:
        """Nothing stays open between appends (kept so callers need not know)."""


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


def _append_partitions(spill: _Spill, kind: str, table: pa.Table, bucket: np.ndarray, n_parts: int,
                       index: int) -> None:
    """Rows of part ``index`` into ``kind-<partition>.<index>`` (one file per part: parts may run in parallel)."""
    if n_parts == 1:
        spill.append(f"{kind}-0.{index}", table)
        return
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(n_parts + 1))
    for p in range(n_parts):
        if bounds[p + 1] > bounds[p]:
            spill.append(f"{kind}-{p}.{index}", table.take(pa.array(order[bounds[p]:bounds[p + 1]])))


# ------------------------------------------------------------------------------------------------ the run
@dataclass(frozen=True)
class _Job:
    """What checking one part needs besides its bytes; the same for every part of a pass (sent to workers)."""

    path: str
    settings: Settings
    spill_root: str
    partitions: int
    nik_numeric: bool | None = None  # None for the first part: it decides
    skipped: tuple[str, ...] | None = None  # None for the first part: it decides
    header: tuple[str, ...] | None = None


@dataclass
class _PartResult:
    """What a part reports back (row numbers local to the part; the parent knows the offsets)."""

    index: int
    records: int
    rows: int = 0
    blank: list[int] = field(default_factory=list)
    malformed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    notes: list[str] = field(default_factory=list)
    n16: int = 0
    n_ends0: int = 0
    header: list[str] = field(default_factory=list)
    template: Roll | None = None  # first part only: the roll without its rows
    skipped: list[str] = field(default_factory=list)  # first part only
    nik_numeric: bool | None = None  # first part only: its NIK-column verdict


def _check_part(index: int, read: RawRead, job: _Job) -> _PartResult:
    """Run the row rules on one part and spill its findings and group keys (in a worker process or in-process)."""
    res = _PartResult(index, len(read.row_numbers) + len(read.blank_rows), blank=list(read.blank_rows),
                      header=list(read.header))
    if not len(read.row_numbers):
        return res
    if job.header is not None and tuple(read.header) != job.header:
        raise InputError(f"{job.path}: the header changes inside the file (part {index + 1})")
    settings = job.settings
    roll = build_roll(read, source=fsnames.shown(Path(job.path).name), path=job.path, sha256="",
                      column_map=settings.column_map, required_headers=settings.required_headers)
    del read
    check_roll_frame(roll.frame)
    skipped = list(job.skipped) if job.skipped is not None else [r.code for r in RULES if not applicable(r, roll)]
    if job.skipped is None:
        # copies, not views: a zero-row view would keep the whole first part in memory
        res.template = replace(roll, frame=roll.frame.iloc[:0].copy(deep=True), raw=roll.raw.schema.empty_table(),
                               dob=np.empty(0, dtype="datetime64[D]"), columns={})
        res.skipped = skipped
    res.notes = [n for n in roll.notes if "empty line(s) skipped" not in n]
    res.rows = len(roll)
    res.malformed = roll.malformed["row_number"].to_numpy(dtype=np.int64)
    ctx = Context(roll, settings)
    if roll.has("nik"):
        _, _, res.n16, res.n_ends0 = mangled_evidence(ctx.col("nik"), ctx.nik.valid_format, ctx.nik_text_marked)
        numeric = job.nik_numeric if job.nik_numeric is not None else column_went_numeric(res.n16, res.n_ends0)
        res.nik_numeric = ctx.nik_column_numeric = numeric
    spill = _Spill(Path(job.spill_root))
    try:
        row_rules = [r for r in RULES if r.code not in GROUP_RULES and r.code not in skipped]
        findings, _ = run_rules(roll, settings, row_rules, ctx=ctx)
        spill.append(f"findings.{index}", _as_table(findings))
        del findings
        _spill_keys(ctx, roll, spill, [c for c in GROUP_RULES if c not in skipped], job.partitions, index)
    finally:
        spill.close()
    del ctx, roll
    pa.default_memory_pool().release_unused()  # hand the part's buffers back, or the pool keeps growing
    return res


@dataclass
class _State:
    """What one pass over the file gathers besides the spilled findings and keys."""

    results: dict[int, _PartResult] = field(default_factory=dict)
    template: Roll | None = None  # the first part's roll without its rows: mapping, fields, dialect
    header: tuple[str, ...] | None = None
    skipped: list[str] = field(default_factory=list)
    nik_numeric: bool | None = None  # the NIK-column verdict in use (from the first part until the end)
    partitions: int = 1
    offsets: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # records before each part

    @property
    def group_rules(self) -> list[str]:
        return [c for c in GROUP_RULES if c not in self.skipped]

    def absorb(self, res: _PartResult) -> None:
        if res.template is not None:
            self.template, self.skipped, self.header = res.template, res.skipped, tuple(res.header)
            if self.nik_numeric is None:
                self.nik_numeric = res.nik_numeric
        self.results[res.index] = res

    def close(self) -> None:
        """Offsets of every part, once all have reported."""
        records = [self.results[i].records for i in range(len(self.results))]
        self.offsets = np.concatenate([[0], np.cumsum(records, dtype=np.int64)])

    def ordered(self) -> list[_PartResult]:
        return [self.results[i] for i in range(len(self.results))]


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
    if input_kind(p) == "parquet":
        try:
            return pq.ParquetFile(pa.OSFile(fsnames.arrow_path(p))).metadata.num_rows
        except (pa.ArrowInvalid, OSError, UnicodeDecodeError):
            return 0
    return p.stat().st_size // CSV_ROW_BYTES if p.is_file() else 0


def wants_parts(path: str, part_rows: int | None) -> bool:
    """``part_rows`` 0 = never in parts; None = automatically for large files (> AUTO_ROWS); otherwise always."""
    if path == "-" or part_rows == 0:
        return False
    if part_rows is None:
        return Path(path).is_file() and estimated_rows(path) > AUTO_ROWS
    return True


def validate_in_parts(path: str | Path, settings: Settings, out_dir: str | Path | None = None, fmt: str = "csv", *,
                      part_rows: int | None = None, workers: int | None = None,
                      progress: PartProgress | None = None) -> ChunkedResult:
    """Validate a roll part by part with bounded memory; write ``findings.<fmt>`` and ``summary.json`` into
    ``out_dir`` (as one set, atomically) when given. Same findings, counts and summary as a whole-file run.

    ``workers`` processes check parts side by side (default 1: on a 2-core machine two workers were no faster, the
    parse and the group rules stay in the parent; bench/RESULTS.md); each holds one part, so the default part
    (``PART_ROWS``) is shared out between them."""
    start = time.perf_counter()
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a CSV or Parquet file")
    warm_up()
    parquet = input_kind(path) == "parquet"
    verdicts, header, header_lines = (Verdicts(), [], 1) if parquet else _sniff(path)
    workers = workers or 1
    part_rows = part_rows or max(1, PART_ROWS // workers)
    while True:
        with tempfile.TemporaryDirectory(prefix="dpt-parts-") as tmp:
            spill = _Spill(Path(tmp))
            try:
                state, sha256 = _pass(path, parquet, (header, header_lines), settings, verdicts, spill, part_rows,
                                      workers, progress)
                return _finish(path, settings, state, sha256, spill, out_dir, fmt, start)
            except _Restart as again:
                verdicts = again.verdicts
            finally:
                spill.close()


def _sniff(path: Path) -> tuple[Verdicts, list[str], int]:
    """Encoding, delimiter and header as the whole-file reader decides them (:func:`~dpt_tools.load.sniff_csv` on
    the file's first bytes; an empty file is judged only when they are the whole file)."""
    with path.open("rb") as fh:
        first = fh.read(SNIFF_BYTES + 4)
    head, _ = sniff_csv(first, str(path), complete=len(first) <= SNIFF_BYTES)
    return Verdicts(delimiter=head.delimiter, encoding=head.encoding, bom=head.bom), head.header, head.header_lines


def _bytes_per_row(path: Path) -> int:
    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    lines = max(1, sample.count(b"\n") or sample.count(b"\r"))
    return max(1, len(sample) // lines)


def _pass(path: Path, parquet: bool, header: tuple[list[str], int], settings: Settings, verdicts: Verdicts,
          spill: _Spill, part_rows: int, workers: int, progress: PartProgress | None) -> tuple[_State, str]:
    """One read of the file: row findings and group keys spilled part by part (the first part in this process,
    the others in ``workers`` processes when there are several)."""
    state = _State(nik_numeric=verdicts.nik_numeric)
    hasher: _FileHash | None = None
    digest: list[str] = []
    if parquet:
        hasher = _FileHash(path)
        reads: Iterator[list[RawRead]] = _parquet_parts(path, part_rows, progress)
        parts = math.ceil(estimated_rows(path) / part_rows)
    else:
        block = max(1 << 16, part_rows * _bytes_per_row(path)) * verdicts.block_scale
        reads = _csv_reads(path, verdicts, header[0], header[1], block, progress, digest)
        parts = math.ceil(path.stat().st_size / block)
    state.partitions = max(1, min(MAX_PARTITIONS, parts))
    job = _Job(str(path), settings, str(spill.root), state.partitions, state.nik_numeric)
    pool: ProcessPoolExecutor | None = None
    pending: set[Future[_PartResult]] = set()
    try:
        for index, slot in enumerate(reads):
            read = slot.pop()
            if state.template is None or workers <= 1:
                state.absorb(_check_part(index, read, job))
                del read
                if state.template is not None and job.skipped is None:
                    job = replace(job, nik_numeric=state.nik_numeric, skipped=tuple(state.skipped),
                                  header=state.header)
                continue
            if pool is None:
                pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=warm_up)
            pending.add(pool.submit(_check_part, index, read, job))
            del read
            while len(pending) >= workers:  # one part waiting per worker, no more: memory stays bounded
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    state.absorb(future.result())
        for future in pending:
            state.absorb(future.result())
        pending.clear()
    finally:
        for future in pending:
            future.cancel()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    sha256 = hasher.result() if hasher is not None else digest[0]
    if state.template is None:
        raise InputError(f"{path}: header only, no data rows")
    state.close()
    if state.template.has("nik"):
        whole = column_went_numeric(sum(r.n16 for r in state.results.values()),
                                    sum(r.n_ends0 for r in state.results.values()))
        if whole != state.nik_numeric:
            raise _Restart(replace(verdicts, nik_numeric=whole))
    return state, sha256


def _as_table(findings: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(findings, schema=_FINDINGS_SCHEMA, preserve_index=False)


def _spill_keys(ctx: Context, roll: Roll, spill: _Spill, group_rules: list[str], partitions: int, index: int) -> None:
    """The keys of this part's records that the group rules need, into hash partitions."""
    rows = pa.array(roll.frame["row_number"].to_numpy(), type=pa.int64())
    if "nik_duplicate" in group_rules:
        pos = pa.array(np.flatnonzero(ctx.nik.valid_format & ~ctx.mangled_nik))
        nik = ctx.col("nik").take(pos)
        bucket = np.asarray(pc.cast(nik, pa.int64()).to_numpy(zero_copy_only=False)) % partitions
        _append_partitions(spill, "nik", pa.table({"row_number": rows.take(pos), "nik": nik}), bucket, partitions,
                           index)
    if "tps_over_capacity" in group_rules or "family_split_tps" in group_rules:
        place = [f for f in PLACE_FIELDS if roll.has(f)]
        raw_tps = roll.raw.column("tps").combine_chunks() if "tps" in roll.raw.column_names else None
        cols = {"row_number": rows, **{f: roll.columns[f] for f in (*place, "tps", "nkk")},
                "raw_tps": raw_tps if raw_tps is not None else pa.nulls(len(roll), pa.string())}
        bucket = _place_partition([roll.columns[f] for f in place], partitions, len(roll))
        _append_partitions(spill, "place", pa.table(cols), bucket, partitions, index)


def _read_partition(spill: _Spill, name: str, offsets: np.ndarray) -> pa.Table | None:
    """One partition's keys from every part, with row numbers of the whole file."""
    tables = []
    for index in spill.indexes(name):
        table = spill.read(f"{name}.{index}")
        if table is not None:
            rows = pc.add(table.column("row_number"), pa.scalar(int(offsets[index]), pa.int64()))
            tables.append(table.set_column(0, "row_number", rows))
    return pa.concat_tables(tables) if tables else None


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
    results = state.ordered()
    malformed = np.concatenate([r.malformed + state.offsets[r.index] for r in results] or [np.zeros(0, np.int64)])
    ends = state.offsets[1:]
    for kind, codes in (("nik", ["nik_duplicate"]), ("place", ["tps_over_capacity", "family_split_tps"])):
        codes = [c for c in codes if c in state.group_rules]
        for p in range(state.partitions if codes else 0):
            keys = _read_partition(spill, f"{kind}-{p}", state.offsets)
            if keys is None:
                continue
            ctx = Context(_key_roll(keys, state.template), settings, nik_column_numeric=False)
            found = [f for f in (_findings_for(rules[c], ctx, settings) for c in codes) if f is not None]
            if not found:
                continue
            frame = pa.concat_tables(found).to_pandas()
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
    results = state.ordered()
    by_rule: dict[str, int] = {}
    by_sev = dict.fromkeys(SEVERITIES, 0)
    total = error_rows = 0
    with _outputs(Path(out_dir) if out_dir is not None else None, fmt, path) as temps:
        sink = _FindingsSink(temps[0], fmt) if temps else None
        for res in results:
            i = res.index
            local = spill.read(f"findings.{i}")
            if local is not None:  # row numbers within the part → of the file
                local = local.set_column(0, "row_number", pc.add(local.column("row_number"),
                                                                 pa.scalar(int(state.offsets[i]), pa.int64())))
            parts = [t for t in (local, spill.read(f"group-{i}")) if t is not None]
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
        notes: list[str] = []
        for res in results:
            notes.extend(n for n in res.notes if n not in notes)
        blank_count = sum(len(r.blank) for r in results)
        preview = [b + int(state.offsets[r.index]) for r in results for b in r.blank[:10]][:10]
        if blank_count:
            shown = ", ".join(map(str, preview))
            more = f" … +{blank_count - 10}" if blank_count > 10 else ""
            at = 1 if notes and notes[0] == STRAY_QUOTE_NOTE else 0  # where the whole-file reader puts it
            notes.insert(at, f"{blank_count} empty line(s) skipped (rows {shown}{more}); row numbers keep "
                             "counting them")
        mapped, extras = shown_headers(template.mapping, template.extras)
        summ = {
            "tool": "dpt-tools",
            "version": __version__,
            "command": "validate",
            "input": fsnames.shown(str(path)),
            "input_sha256": sha256,
            "input_format": template.dialect.format,
            "rows": sum(r.rows for r in results),
            "election": settings.as_dict(),
            "columns_mapped": mapped,
            "extra_columns": extras,
            "rules_skipped": state.skipped,
            "notes": notes,
            "blank_rows": blank_count,
            "findings": total,
            "by_severity": by_sev,
            "by_rule": dict(sorted(by_rule.items())),
            "rows_with_errors": error_rows,
            "seconds": round(time.perf_counter() - start, 3),
            "parts": len(results),
        }
        if temps:
            write_json(summ, temps[1], atomic=False)
    return ChunkedResult(summ, by_sev)
