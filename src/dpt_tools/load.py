"""Load exported rolls (CSV or Parquet, messy exports included) into a canonical :class:`Roll`.

This is the only module that touches input bytes. It

* sniffs the CSV dialect: delimiter (``,`` ``;`` tab ``|``), UTF-8 with or without BOM, cp1252 fallback;
* reads every value as a string with pyarrow (a NIK is never parsed into a float);
* maps headers to canonical fields (:mod:`dpt_tools.fields`), keeping unknown columns as they are;
* keeps ragged lines (too many / too few fields) as rows flagged ``row_malformed`` instead of failing;
* attaches ``row_number`` — the 1-based data row of the input file (header excluded), the number a clerk finds in a
  spreadsheet — and ``source`` (the file name);
* normalises the canonical fields (:mod:`dpt_tools.normalize`), keeping the raw values for reports.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import normalize as norm
from . import prefetch
from .errors import InputError, LocalizedInputError
from .fields import ALIAS_INDEX, FIELDS, header_key
from .fsnames import arrow_path, shown

if TYPE_CHECKING:
    import pandas as pd

    from .lines import LineIndex
# pandas is imported where a frame is built, not here: the parse needs pyarrow only, so ``dpt validate`` can parse
# on a thread while its main thread still imports pandas and pandera (see :func:`parse_ahead`)

DELIMITERS = (",", ";", "\t", "|")
#: Rolls above this many (estimated) rows are read in parts by default (``dpt_tools.chunked``), never whole.
AUTO_PART_ROWS = 5_000_000
#: Estimated bytes of a CSV row (a roll's CSV holds ~180 bytes per voter).
CSV_ROW_BYTES = 180
SNIFF_BYTES = 256 * 1024
#: Fields normalised as identity numbers / codes / free text.
ID_FIELDS = ("nik", "nkk")


@dataclass(frozen=True)
class Dialect:
    format: str  # "csv" | "parquet"
    delimiter: str | None = None
    encoding: str | None = None
    bom: bool = False


@dataclass
class Roll:
    """A loaded roll.

    ``frame`` holds ``row_number``, ``source``, every canonical field (normalised; absent fields are all-null) and
    the unknown input columns as read. ``raw`` holds the canonical fields exactly as read (for messages).
    ``dob`` is ``tanggal_lahir`` parsed to ``datetime64[D]`` (NaT where missing or not a date).
    """

    frame: pd.DataFrame
    raw: pa.Table
    dob: np.ndarray
    source: str
    path: str
    dialect: Dialect
    mapping: dict[str, str]
    fields_present: list[str]
    extras: list[str]
    malformed: pd.DataFrame
    sha256: str
    notes: list[str] = field(default_factory=list)
    #: the normalised canonical fields as pyarrow arrays (same values as ``frame``), for vectorised rules
    columns: dict[str, pa.Array] = field(default_factory=dict)
    #: row numbers of empty lines (no data; skipped, but still counted so row numbers match the file)
    blank_rows: list[int] = field(default_factory=list)
    #: the input's sha256 while it is still to be computed (``load_roll(..., hash_later=True)``); ``sha256`` is ""
    pending_sha256: PendingDigest | None = None
    #: the file's header as read (before mapping), e.g. to check ``--map`` headers against several files at once
    header: list[str] = field(default_factory=list)

    def finish_sha256(self) -> str:
        """Fill ``sha256`` if it was left for later (waits for the hash); a file changed meanwhile is refused."""
        if self.pending_sha256 is not None:
            self.sha256 = self.pending_sha256.result()
            self.pending_sha256 = None
        return self.sha256

    def __len__(self) -> int:
        return len(self.frame)

    def has(self, fld: str) -> bool:
        return fld in self.fields_present


@dataclass
class PendingDigest:
    """The sha256 of a file read ahead (:func:`parse_ahead`), computed when the caller has an idle core for it."""

    source: prefetch.InputFile
    path: str

    def start(self) -> None:
        self.source.start_hash()  # idempotent; hashlib releases the GIL

    def result(self) -> str:
        digest = self.source.sha256()
        if not digest or self.source.changed():
            raise InputError(f"{self.path}: the file changed while it was being checked; run again")
        return digest


# ----------------------------------------------------------------------------------------------- reading bytes
def read_input_bytes(path: str) -> tuple[bytes, str]:
    """The whole input (``-`` = standard input) and the name to report it by; a clear error if it cannot be read."""
    if path == "-":
        data = sys.stdin.buffer.read()
        return data, "<stdin>"
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: file not found")
    if p.is_dir():
        raise InputError(f"{path}: is a directory, expected a CSV or Parquet file")
    try:
        return p.read_bytes(), shown(p.name)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc


class Hasher(threading.Thread):
    """sha256 of the input computed beside the parse (hashlib releases the GIL on large buffers)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(daemon=True)
        self.data = data
        self.hexdigest = ""

    def run(self) -> None:
        self.hexdigest = hashlib.sha256(self.data).hexdigest()


def sniff_encoding(sample: bytes) -> tuple[str, bool]:
    """(encoding, has_bom) from the first bytes: UTF-16 (with BOM), UTF-8 (BOM or not), else cp1252."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", True
    bom = sample.startswith(b"\xef\xbb\xbf")
    body = sample[3:] if bom else sample
    try:
        body.decode("utf-8")
        return "utf-8", bom
    except UnicodeDecodeError as exc:
        if exc.start >= len(body) - 4:  # a multi-byte character cut by the sample's end
            return "utf-8", bom
        return "cp1252", bom


def _to_utf8(data: bytes, encoding: str, bom: bool) -> bytes:
    """Transcode a non-UTF-8 file once, in memory. Bytes cp1252 leaves undefined become U+FFFD, not a crash."""
    if encoding == "utf-16":
        return data.decode("utf-16", errors="replace").encode("utf-8")
    if encoding == "cp1252":
        return data[3 if bom else 0:].decode("cp1252", errors="replace").encode("utf-8")
    return data


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header and the first lines into the same number (> 1) of fields."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", (-1, -1)
    for d in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=d))
        except csv.Error:
            continue
        width = len(rows[0])
        if width < 2:
            continue
        consistent = sum(1 for r in rows if len(r) == width)
        score = (consistent, width)
        if score > best_score:
            best, best_score = d, score
    return best


def _header(text: str, delimiter: str) -> tuple[list[str], int]:
    """The first record (CR, LF or CRLF line ends), cells trimmed, and the number of lines it spans (a header cell
    wrapped in Excel holds a line break)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        lines = max(1, reader.line_num)
    except (StopIteration, csv.Error):
        first = text.splitlines()[0] if text.strip() else ""
        header, lines = first.split(delimiter), 1
    return [h.strip().lstrip("\ufeff") for h in header], lines


def _arrow_source(source: bytes | str) -> pa.NativeFile:
    """What pyarrow's readers (CSV and Parquet) read: the bytes in memory, or the file at a path (``str``) opened
    as it is — never decompressed by its extension, as ``read_csv(path)`` would — by its bytes (a name that is not
    UTF-8, see :mod:`dpt_tools.fsnames`)."""
    return pa.OSFile(arrow_path(source)) if isinstance(source, str) else pa.BufferReader(source)


def _source_size(source: bytes | str) -> int:
    return os.path.getsize(source) if isinstance(source, str) else len(source)


def _quiet_undecodable_invalid_row(unraisable: sys.UnraisableHookArgs, _then=sys.unraisablehook) -> None:
    """Keep pyarrow's "Exception ignored … Traceback" off the terminal when a ragged line is not UTF-8: pyarrow
    decodes the line before it calls our ``on_invalid`` (here and in :mod:`dpt_tools.chunked`), cannot raise the
    UnicodeDecodeError to the reader, so reports it here and fails the parse (with a column-count error) — and both
    readers then read the file as cp1252, as for any byte that is not UTF-8. Every other unraisable exception goes
    on to the hook that was there before."""
    handler = unraisable.object
    if isinstance(unraisable.exc_value, UnicodeDecodeError) and getattr(handler, "__name__", "") == "on_invalid" \
            and str(getattr(handler, "__module__", "")).startswith("dpt_tools."):
        return
    _then(unraisable)


sys.unraisablehook = _quiet_undecodable_invalid_row


def _read_csv_table(source: bytes | str, delimiter: str, ncols: int, *, threads: bool, multiline: bool,
                    block_size: int = 1 << 20, quoting: bool = True, header_lines: int = 1,
                    include: list[int] | None = None) -> tuple[pa.Table, list[tuple[int | None, int, str]]]:
    """All-string parse of UTF-8 text (bytes, or a file's path: see :func:`_arrow_source`); empty lines are kept as
    empty rows so that row numbers stay true. Ragged lines come back as (record number counting the header as 1,
    field count, text). ``include``: only these columns are converted (every field is still split and counted)."""
    bad: list[tuple[int | None, int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        # pyarrow counts the skipped header lines as rows: a header spanning two lines adds one
        bad.append((None if row.number is None else row.number - (header_lines - 1), row.actual_columns, row.text))
        return "skip"

    names = [f"c{i}" for i in range(ncols)]
    table = pacsv.read_csv(
        _arrow_source(source),
        read_options=pacsv.ReadOptions(use_threads=threads, skip_rows=header_lines, column_names=names,
                                       block_size=block_size),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, quote_char='"' if quoting else False, double_quote=quoting,
            newlines_in_values=multiline and quoting,
            ignore_empty_lines=False, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
            quoted_strings_can_be_null=False, include_columns=[] if include is None else [names[i] for i in include]),
    )
    return table, bad


def _parse(data: bytes | str, name: str, delimiter: str, ncols: int, multiline: bool,
           quoting: bool = True, header_lines: int = 1,
           threads: bool = True) -> tuple[pa.Table, list[tuple[int | None, int, str]]]:
    """``threads=False``: pyarrow's serial reader, for a file parsed beside another one (``dpt diff``): two serial
    parses on their own threads cost ~0.2 CPU-s less than two threaded readers contending for the same two cores,
    and same table."""
    block = 1 << 20
    size = _source_size(data)
    while True:
        try:
            table, bad = _read_csv_table(data, delimiter, ncols, threads=threads, multiline=multiline,
                                         block_size=block, quoting=quoting, header_lines=header_lines)
            if threads and bad and any(b[0] is None for b in bad):
                # the threaded reader does not know line numbers of ragged lines; the serial one does (rare)
                table, bad = _read_csv_table(data, delimiter, ncols, threads=False, multiline=multiline,
                                             block_size=block, quoting=quoting, header_lines=header_lines)
            return table, bad
        except pa.ArrowInvalid as exc:
            message = str(exc).splitlines()[0]
            if ("straddling" in message or "skip initial" in message) and block < size + 1:
                block *= 16  # a record (or the header) longer than a block: read bigger blocks
                continue
            if "skip initial" in message:  # the whole file is the header, without a line end after it
                raise InputError(f"{name}: header only, no data rows") from exc
            raise InputError(f"{name}: cannot parse as CSV ({message})") from exc


def _swallowed_lines(table: pa.Table, delimiter: str, ncols: int) -> bool:
    """True when a quoted value holds whole lines of the file: a stray quote opened a value that never closed."""
    if ncols < 3:
        return False
    for col in table.columns:
        has_nl = pc.fill_null(pc.match_substring(col, "\n"), False)
        if not pc.any(has_nl).as_py():
            continue
        many = pc.greater_equal(pc.count_substring(col, delimiter), ncols - 1)
        if pc.any(pc.and_(has_nl, many)).as_py():
            return True
    return False


def stray_quote(table: pa.Table, bad: list[tuple[int | None, int, str]], delimiter: str, ncols: int) -> bool:
    """True when a stray quote swallowed lines: a value, or a ragged line, holding line breaks and a record's worth
    of delimiters."""
    swallowed_bad = any("\n" in b[2] and b[2].count(delimiter) >= ncols - 1 for b in bad) if ncols >= 3 else False
    return swallowed_bad or _swallowed_lines(table, delimiter, ncols)


def _empty_rows(table: pa.Table) -> np.ndarray:
    """Rows whose every field is empty (blank lines, ``;;;;`` lines): no data, not a record."""
    empty = np.ones(table.num_rows, dtype=bool)
    for col in table.columns:
        empty &= np.asarray(pc.equal(pc.utf8_length(col), 0).to_numpy(zero_copy_only=False))
        if not empty.any():
            break
    return empty


@dataclass
class RawRead:
    """What a reader hands to :func:`build_roll`: all-string records in file order with their row numbers."""

    header: list[str]
    table: pa.Table  # records in file order (malformed lines included, blank lines not)
    row_numbers: np.ndarray
    malformed: pd.DataFrame  # row_number, position, expected, actual
    blank_rows: list[int]
    dialect: Dialect
    notes: list[str]
    #: (the line-first reader of ``dpt diff``, :mod:`dpt_tools.lines`) where each record's line lies; ``table``
    #: then holds only the key columns, named ``c<index>`` by their place in the header
    lines: LineIndex | None = None


def no_malformed() -> pd.DataFrame:
    """The malformed-lines frame of a file without any."""
    import pandas as pd

    return pd.DataFrame({c: pd.Series([], dtype="int64") for c in ("row_number", "position", "expected", "actual")})


_NON_SPACE = re.compile(rb"[^\s]")
STRAY_QUOTE_NOTE = ("a stray quote character made whole lines part of one value; the file was read line by line "
                    "with quotes taken literally (lines whose quoted values hold the delimiter become malformed)")
#: a file that is not UTF-8 is read as Windows-1252, a guess (the usual "CSV" of Excel on Windows): the clerk is told
CP1252_NOTE = ("the file is not UTF-8: it was read as Windows-1252 (cp1252); if accented letters look wrong, save it "
               "again as CSV UTF-8")


@dataclass(frozen=True)
class CsvHead:
    """What a CSV file's first bytes decide for the whole file."""

    encoding: str
    bom: bool
    delimiter: str
    header: list[str]
    header_lines: int  # lines the header record spans (a wrapped header cell holds a line break)


# The first bytes of files a clerk may hand over instead of a CSV export, and what to tell them. Without this an
# Excel workbook is refused as "UTF-16 without a byte-order mark" (its zip header holds NUL bytes), and a PDF of the
# roll as "no name column", which send the clerk looking for the wrong problem.
_OTHER_FORMATS = (
    (b"PK\x03\x04", "is an Excel workbook (.xlsx) or another zip file, not CSV; in Excel use Save As → CSV UTF-8"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "is an old Excel workbook (.xls), not CSV; in Excel use Save As → CSV UTF-8"),
    (b"%PDF", "is a PDF document, not CSV; ask for the CSV or Parquet export of the roll"),
    (b"\x1f\x8b", "is gzip-compressed; decompress it first (gunzip) and give the CSV"),
    (b"PAR1", "is a Parquet file; name it *.parquet"),
)


def _refuse_other_formats(head: bytes, name: str) -> None:
    """Refuse a file whose first bytes say it is a workbook, a PDF, a compressed or a Parquet file, naming it."""
    for magic, what in _OTHER_FORMATS:
        if head.startswith(magic):
            if magic == b"PAR1" and name in ("-", "<stdin>"):  # standard input has no name to give it
                what = "is a Parquet file, and standard input takes CSV only; give the Parquet file by its path"
            raise InputError(f"{name}: {what}")


def sniff_csv(data: bytes, name: str, complete: bool = True) -> tuple[CsvHead, bytes]:
    """Encoding, delimiter and header from the first bytes, and ``data`` as UTF-8; the refusals of an unusable file
    (UTF-16 without a byte-order mark, empty — judged only when ``data`` is the ``complete`` file —, no header).
    One function for the whole-file reader and the reader of a roll in parts, so both decide alike."""
    _refuse_other_formats(data[:8], name)
    encoding, bom = sniff_encoding(data[:SNIFF_BYTES])
    if encoding == "utf-8" and b"\x00" in data[:4096]:
        raise InputError(f"{name}: looks like UTF-16 without a byte-order mark; save it as CSV UTF-8")
    data = _to_utf8(data, encoding, bom)
    if complete and not _NON_SPACE.search(data, 3 if data.startswith(b"\xef\xbb\xbf") else 0):
        raise InputError(f"{name}: file is empty")
    text = data[:SNIFF_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
    delimiter = sniff_delimiter(text)
    header, header_lines = _header(text, delimiter)
    if not any(header):
        raise InputError(f"{name}: no header row")
    return CsvHead(encoding, bom, delimiter, header, header_lines), data


def read_csv_strings(data: bytes, name: str) -> RawRead:
    """CSV bytes → all-string records in file order with their true row numbers."""
    head, data = sniff_csv(data, name)
    encoding, bom, delimiter, header, header_lines = (head.encoding, head.bom, head.delimiter, head.header,
                                                       head.header_lines)
    notes: list[str] = []
    ncols = len(header)
    multiline = b'"' in data  # without a quote no value can hold a line break: the faster parser is exact
    try:
        table, bad = _parse(data, name, delimiter, ncols, multiline, header_lines=header_lines)
    except InputError:
        if encoding != "utf-8":
            raise
        # valid UTF-8 at the start, not further on: the whole file is cp1252
        encoding = "cp1252"
        data = _to_utf8(data, encoding, bom)
        table, bad = _parse(data, name, delimiter, ncols, multiline, header_lines=header_lines)
    return _records_read(data, name, head, encoding, table, bad, multiline, notes)


def read_csv_file_strings(path: str, name: str, quote: bool | None = None, threads: bool = True) -> RawRead | None:
    """:func:`read_csv_strings` of the file at ``path``, parsed from the file: its bytes are never all in memory at
    once (for ``dpt diff``: the copy of two 180 MB files cost more CPU, in page faults, than parsing them).

    ``quote``: whether the file holds a double quote (from :class:`~dpt_tools.prefetch.InputFile`'s scan; None if
    not known yet). Without one no value can hold a line break and the faster parser is exact; with one, or not
    knowing, the parser that allows line breaks in quoted values gives the same table. Returns None where only the
    whole-bytes reader knows what to do — a file that is not UTF-8 (transcoded in memory), one whose first bytes
    hold no text, or one it cannot parse (its message, or the cp1252 retry) — and the caller uses
    :func:`read_csv_strings` on the bytes. OSError if the file cannot be opened."""
    with open(path, "rb") as fh:
        first = fh.read(SNIFF_BYTES)
    if not _NON_SPACE.search(first):
        return None
    head, _ = sniff_csv(first, name, complete=len(first) < SNIFF_BYTES)
    if head.encoding != "utf-8":
        return None
    multiline = quote is not False
    try:
        table, bad = _parse(path, name, head.delimiter, len(head.header), multiline, header_lines=head.header_lines,
                            threads=threads)
    except InputError:
        return None
    return _records_read(path, name, head, "utf-8", table, bad, multiline, [])


def read_path_strings(path: str, kind: str, quote: bool | None = None, threads: bool = True) -> RawRead | None:
    """The file at ``path`` parsed from the file (Parquet, or CSV by :func:`read_csv_file_strings`; messages name
    ``path``), or None when the caller must read it whole: the CSV reader says so, or the file is gone or cannot
    be opened any more (the whole-file reader then words why)."""
    try:
        if kind == "parquet":
            return read_parquet_strings(path, path)
        return read_csv_file_strings(path, path, quote, threads)
    except OSError:
        return None


def _records_read(source: bytes | str, name: str, head: CsvHead, encoding: str, table: pa.Table,
                  bad: list[tuple[int | None, int, str]], multiline: bool, notes: list[str]) -> RawRead:
    """The parse's table as records (shared by the readers of bytes and of a path): a stray quote's re-parse,
    ragged and blank lines set aside, the notes."""
    delimiter, ncols, header, header_lines = head.delimiter, len(head.header), head.header, head.header_lines
    if multiline and stray_quote(table, bad, delimiter, ncols):
        notes.append(STRAY_QUOTE_NOTE)
        table, bad = _parse(source, name, delimiter, ncols, multiline=False, quoting=False, header_lines=header_lines)
    table, row_numbers, malformed, blank_rows = assemble_records(table, bad, delimiter, ncols)
    if table.num_rows == 0:
        raise InputError(f"{name}: header only, no data rows")
    if blank_rows:
        notes.append(f"{len(blank_rows)} empty line(s) skipped (rows {_preview(blank_rows)}); row numbers keep "
                     "counting them")
    if encoding == "cp1252":
        notes.append(CP1252_NOTE)
    return RawRead(header, table, row_numbers, malformed, blank_rows, Dialect("csv", delimiter, encoding, head.bom),
                   notes)


def assemble_records(table: pa.Table, bad: list[tuple[int | None, int, str]], delimiter: str,
                     ncols: int) -> tuple[pa.Table, np.ndarray, pd.DataFrame, list[int]]:
    """Parsed rows plus the ragged lines pyarrow set aside (record number counting the header as 1, field count,
    text) → (records in file order, their row numbers, the malformed frame, the row numbers of empty lines).

    Shared by the whole-file reader and the reader of a roll in parts (:mod:`dpt_tools.chunked`)."""
    import pandas as pd
    n_ok = table.num_rows
    total = n_ok + len(bad)
    numbers_bad = np.array([int(b[0]) - 1 for b in bad], dtype=np.int64)
    is_bad = np.zeros(total, dtype=bool)
    is_bad[numbers_bad - 1] = True
    if bad:
        rows = [_split_line(b[2], delimiter, ncols) for b in bad]
        extra = pa.table({f"c{i}": pa.array([r[i] for r in rows], type=pa.string()) for i in range(ncols)})
        combined = pa.concat_tables([table, extra])
        order = np.empty(total, dtype=np.int64)
        order[~is_bad] = np.arange(n_ok)
        order[is_bad] = n_ok + np.argsort(np.argsort(numbers_bad))
        table = combined.take(pa.array(order))
    row_numbers = np.arange(1, total + 1, dtype=np.int64)
    empty = _empty_rows(table) & ~is_bad
    blank_rows = row_numbers[empty].tolist()
    if empty.any():
        keep = np.flatnonzero(~empty)
        table = table.take(pa.array(keep))
        row_numbers = row_numbers[keep]
    bad_sorted = sorted(bad, key=lambda b: int(b[0]))
    mal_numbers = np.array([int(b[0]) - 1 for b in bad_sorted], dtype=np.int64)
    malformed = pd.DataFrame({
        "row_number": pd.Series(mal_numbers, dtype="int64"),
        "position": pd.Series(np.searchsorted(row_numbers, mal_numbers), dtype="int64"),
        "expected": pd.Series([ncols] * len(bad_sorted), dtype="int64"),
        "actual": pd.Series([int(b[1]) for b in bad_sorted], dtype="int64"),
    })
    return table, row_numbers, malformed, blank_rows


def _preview(rows: list[int], limit: int = 10) -> str:
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (f" … +{len(rows) - limit}" if len(rows) > limit else "")


def _split_line(text: str, delimiter: str, ncols: int) -> list[str]:
    """Fields of a ragged line, padded with "" or cut to the header's width."""
    try:
        fields = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        fields = text.split(delimiter)
    return (fields + [""] * ncols)[:ncols]


def _column_as_strings(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Any Parquet column as text. Whole-number floats below 2**53 (a NIK stored as a float, still exact) are
    written as digits; larger ones keep their scientific form and are reported as damaged, never rounded."""
    if pa.types.is_string(col.type):
        return col
    if pa.types.is_large_string(col.type):
        return pc.cast(col, pa.string())
    if pa.types.is_floating(col.type):
        values = np.asarray(col.to_numpy(), dtype=np.float64)
        exact = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < 2.0**53)
        as_int = pc.cast(pa.array(np.where(exact, values, 0).astype(np.int64)), pa.string())
        return pa.chunked_array([pc.if_else(pa.array(exact), as_int, pc.cast(col, pa.string()).combine_chunks())])
    try:
        return pc.cast(col, pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        # nested or binary columns (passed-through extras): their Python text, one value at a time (rare)
        return pa.chunked_array([pa.array(
            [None if v is None else (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v))
             for v in col.to_pylist()], type=pa.string())])


def read_parquet_strings(data: bytes | str, name: str) -> RawRead:
    """A Parquet file (its bytes, or its path) as all-string records."""
    import pyarrow.parquet as pq  # here, not at the top: a CSV run never needs it (~0.025 s of import)

    try:
        table = pq.read_table(_arrow_source(data))
        table.column_names  # noqa: B018 - a column name that is not UTF-8 (a damaged footer) raises here
    except (pa.ArrowInvalid, OSError, pa.ArrowNotImplementedError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: not a readable Parquet file ({str(exc).splitlines()[0]})") from exc
    if table.num_columns == 0:
        raise InputError(f"{name}: Parquet file has no columns")
    if table.num_rows == 0:
        raise InputError(f"{name}: header only, no data rows")
    return parquet_strings(table)


def parquet_strings(table: pa.Table) -> RawRead:
    """A Parquet table (or one batch of it) as all-string records."""
    header = [str(h) for h in table.column_names]
    cols = [pc.fill_null(_column_as_strings(col), "") for col in table.columns]
    table = pa.table(cols, names=[f"c{i}" for i in range(len(header))])
    return RawRead(header, table, np.arange(1, table.num_rows + 1, dtype=np.int64), no_malformed(), [],
                   Dialect("parquet"), [])


# ----------------------------------------------------------------------------------------------- mapping
def _overrides(column_map: dict[str, str] | None, preferred: Collection[str] = ()) -> tuple[dict[str, str],
                                                                                         dict[str, str]]:
    """The explicit mappings as (compared header → field, compared header → the header as given): those of
    ``preferred`` (the ``--map`` headers) over any other of the same header (``[columns]``), as the command line
    wins over the config file."""
    column_map = column_map or {}
    given = [h for h in preferred if h in column_map]
    cmd = {header_key(h) for h in given}
    over: dict[str, str] = {}
    spelt: dict[str, str] = {}
    for h in [*(k for k in column_map if header_key(k) not in cmd), *given]:
        over[header_key(h)] = column_map[h]
        spelt[header_key(h)] = h
    return over, spelt


def _claims(header: list[str], over: dict[str, str]) -> dict[str, list[int]]:
    """Field → the columns an explicit mapping gives it, in file order."""
    claims: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        fld = over.get(header_key(h))
        if fld:
            claims.setdefault(fld, []).append(i)
    return claims


def map_headers(header: list[str], overrides: dict[str, str] | None = None,
                preferred: Collection[str] = ()) -> dict[int, str]:
    """Column index → canonical field. Explicit overrides (``--map``, config) are applied first and win over the
    alias table wherever their header stands; then aliases fill the fields still free, the first column claiming
    a field winning. Columns left over are kept as unknown columns.

    ``preferred``: the headers of ``overrides`` given on the command line (``--map``). Where a ``--map`` and a
    ``[columns]`` mapping give one field to two columns, the ``--map`` column takes it (precedence: the command
    line over the config file); otherwise the first column does (two mappings that collide in one file are refused
    before, by :func:`check_map_collisions`; a repeated header is the same mapping)."""
    over, _ = _overrides(overrides, preferred)
    cmd = {header_key(h) for h in preferred}
    out: dict[int, str] = {}
    taken: set[str] = set()
    winners = {next((i for i in cols if header_key(header[i]) in cmd), cols[0])
               for cols in _claims(header, over).values()}
    for i, h in enumerate(header):
        if i in winners:
            out[i] = over[header_key(h)]
            taken.add(out[i])
    for i, h in enumerate(header):
        if i in out or header_key(h) in over:
            continue
        fld = ALIAS_INDEX.get(header_key(h))
        if fld and fld not in taken:
            out[i] = fld
            taken.add(fld)
    return out


def _and(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def check_map_collisions(source: str, header: list[str], column_map: dict[str, str] | None,
                         preferred: Collection[str] = ()) -> None:
    """Raise an input error when two explicit mappings of the same level give one field to two different headers
    of this file: two ``--map`` options, or (without a ``--map`` for that field) two ``[columns]`` entries.

    Why: only one column can be the field; the other would silently be kept as an extra column, and which column
    the rules read would depend on the column order — a run could pass on the wrong NIK column. With several files
    (dedupe, diff) two ``--map`` for one field are legitimate when each file holds one of the headers (two exports
    name the column differently): this is checked file by file. A ``--map`` and a ``[columns]`` entry for one field
    are not a collision: the command line wins (:func:`map_headers`)."""
    over, spelt = _overrides(column_map, preferred)
    cmd = {header_key(h) for h in preferred}
    en: list[str] = []
    id_: list[str] = []
    for fld, cols in _claims(header, over).items():
        keys = list(dict.fromkeys(header_key(header[i]) for i in cols))
        by_map = [k for k in keys if k in cmd]
        if len(by_map) >= 2:
            named = [f"--map {spelt[k]!r}" for k in by_map]
            every = "both" if len(by_map) == 2 else "all"
            en.append(f"{_and(named, 'and')} {every} map to the field {fld} and {every} "
                      f"{'headers are' if every == 'both' else 'these headers are'} in the file; keep one of them")
            id_.append(f"{_and(named, 'dan')} sama-sama dipetakan ke kolom {fld} dan "
                       f"{'keduanya' if len(by_map) == 2 else 'semuanya'} ada di berkas ini; pakai salah satunya "
                       f"saja")
        elif not by_map and len(keys) >= 2:
            named = [repr(spelt[k]) for k in keys]
            first = f"--map '{spelt[keys[0]]}={fld}'"
            en.append(f"[columns] of the config file maps {_and(named, 'and')} to the field {fld} and "
                      f"{'both headers are' if len(keys) == 2 else 'all these headers are'} in the file; choose one "
                      f"with --map, e.g. {first} (--map wins over [columns])")
            id_.append(f"[columns] di berkas konfigurasi memetakan {_and(named, 'dan')} ke kolom {fld} dan "
                       f"{'keduanya' if len(keys) == 2 else 'semuanya'} ada di berkas ini; pilih salah satunya "
                       f"dengan --map, mis. {first} (--map menang atas [columns])")
    if en:
        raise LocalizedInputError({"en": f"{source}: {'; '.join(en)}", "id": f"{source}: {'; '.join(id_)}"})


#: The header of a file whose header row is missing: its first data row (a NIK in it), never quoted in a message.
_DATA_AS_HEADER = re.compile(r"'?[0-9]{16}")
#: How many of a file's headers a message lists at most.
_SHOWN_HEADERS = 12


def missing_headers(header: list[str], wanted: Collection[str]) -> list[str]:
    """The ``wanted`` headers (``--map``) that are not headers of the file, compared as :func:`map_headers`
    compares them (case, spaces, punctuation and a BOM do not count), in the order given."""
    have = {header_key(h) for h in header}
    return [w for w in wanted if header_key(w) not in have]


def _closest(wanted: str, header: list[str]) -> str | None:
    """The file's header nearest to a misspelt one (difflib on the compared forms), if any is near enough."""
    import difflib

    keys: dict[str, str] = {}
    for h in header:
        keys.setdefault(header_key(h), h)
    near = difflib.get_close_matches(header_key(wanted), [k for k in keys if k], n=1, cutoff=0.6)
    return keys[near[0]] if near else None


def _listed(header: list[str], lang: str) -> str:
    shown = [h for h in header if h.strip()]
    more = "" if len(shown) <= _SHOWN_HEADERS else f", … ({len(shown)} {'in all' if lang == 'en' else 'kolom'})"
    return ", ".join(shown[:_SHOWN_HEADERS]) + more


def check_map_headers(headers: dict[str, list[str]], wanted: Collection[str]) -> None:
    """Raise an input error when a ``--map`` header is a header of none of the files.

    ``headers``: file name → its header as read. Why: a mapping whose header is not in the file maps nothing, so
    the rules of its field are skipped and the run can pass — a clerk's typo must stop it instead. With several
    files (dedupe, diff) a header found in any of them is a real header of those exports, not a typo: exports of
    different offices may name one column differently, and ``--map`` is the only way to map one of them. The
    message (one line, both languages) names the file(s) and the header, with the file's nearest header, or its
    headers when none is near (never a data row read as a header)."""
    files = list(headers)
    missing = [w for w in wanted if all(w in missing_headers(h, [w]) for h in headers.values())]
    if not missing or not files:
        return
    data_row = any(_DATA_AS_HEADER.fullmatch(h.strip()) for hs in headers.values() for h in hs)
    one = len(files) == 1
    quoted_en, quoted_id, unplaced = [], [], False
    for w in missing:
        near = [(f, c) for f in files if not data_row and (c := _closest(w, headers[f])) is not None]
        if not near:
            unplaced = True
            quoted_en.append(repr(w))
            quoted_id.append(repr(w))
            continue
        f, c = near[0]
        quoted_en.append(f"{w!r} (closest: {c!r}{'' if one else f' in {f}'})")
        quoted_id.append(f"{w!r} (yang paling mirip: {c!r}{'' if one else f' di {f}'})")
    plural = len(missing) > 1
    what_en = f"--map header{'s' if plural else ''} {', '.join(quoted_en)} {'are' if plural else 'is'}"
    what_id = f"kolom --map {', '.join(quoted_id)} tidak ada"
    if one:
        text_en, text_id = f"{files[0]}: {what_en} not in the file", f"{files[0]}: {what_id} di berkas ini"
    else:
        names = ", ".join(files)
        text_en = f"{names}: {what_en} in none of these files"
        text_id = f"{names}: {what_id} di berkas mana pun"
    if data_row:
        text_en += " (the first line holds a 16-digit number, so the header row seems to be missing)"
        text_id += " (baris pertama berisi angka 16 digit, jadi baris judul kolom tampaknya tidak ada)"
    elif unplaced and one:
        text_en += f" (its headers: {_listed(headers[files[0]], 'en')})"
        text_id += f" (kolomnya: {_listed(headers[files[0]], 'id')})"
    elif unplaced:
        text_en += " (" + "; ".join(f"headers of {f}: {_listed(headers[f], 'en')}" for f in files) + ")"
        text_id += " (" + "; ".join(f"kolom {f}: {_listed(headers[f], 'id')}" for f in files) + ")"
    raise LocalizedInputError({"en": text_en, "id": text_id})


def normalise_field(fld: str, arr: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The normaliser of one canonical field (shared by every command, so values compare the same way)."""
    if fld in ID_FIELDS:
        return norm.id_number(arr)
    if fld == "jenis_kelamin":
        return norm.sex(arr)
    if fld == "status_kawin":
        return norm.marital_status(arr)
    if fld in ("rt", "rw"):
        return norm.padded_number(arr)
    if fld == "tps":
        return norm.padded_number(arr, prefix="TPS")
    if fld == "disabilitas":
        return norm.disability(arr)
    return norm.text(arr, distinct=fld == "nama")


def build_roll(read: RawRead, *, source: str, path: str, sha256: str, column_map: dict[str, str] | None = None,
               required_headers: Collection[str] = (), each_file: bool = True) -> Roll:
    """Map, normalise and assemble a :class:`Roll` from an all-string table in file order.

    ``required_headers`` (``--map``) must be headers of this file (:func:`check_map_headers`), checked before
    anything else. With ``each_file=False`` (one of several files, checked together by the caller) one is named
    here only when its absence leaves this file without a column it cannot do without (the likely cause)."""
    import pandas as pd

    header, table = read.header, read.table
    if each_file:
        check_map_headers({source: header}, required_headers)
    check_map_collisions(source, header, column_map, required_headers)
    over, _ = _overrides(column_map, required_headers)
    mapping_idx = map_headers(header, column_map, required_headers)
    fields_present = [f for f in FIELDS if f in mapping_idx.values()]
    if not each_file and required_headers and ("nama" not in fields_present or (
            "nik" not in fields_present and "tanggal_lahir" not in fields_present)):
        needed = {"nama"} if "nama" not in fields_present else {"nik", "tanggal_lahir"}
        check_map_headers({source: header}, [h for h in required_headers if over.get(header_key(h)) in needed])
    if "nama" not in fields_present:
        if any(_DATA_AS_HEADER.fullmatch(h.strip()) for h in header):  # a NIK where a header should be
            raise InputError(f"{source}: no name column: the first line holds a 16-digit number, so the header row "
                             "seems to be missing; add one (NIK, NAMA, TGL LAHIR, …)")
        raise InputError(f"{source}: no name column (expected a header such as NAMA or NAMA PEMILIH; "
                         f"use --map HEADER=nama)")
    if "nik" not in fields_present and "tanggal_lahir" not in fields_present:
        raise InputError(f"{source}: neither a NIK nor a birth-date column (expected NIK or TANGGAL LAHIR; "
                         f"use --map HEADER=nik)")
    n = table.num_rows
    by_field = {fld: table.column(i) for i, fld in mapping_idx.items()}
    data: dict[str, object] = {
        "row_number": read.row_numbers,
        "source": pc.fill_null(pa.nulls(n, type=pa.string()), source).to_pandas(),
    }
    dob = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    columns: dict[str, pa.Array] = {}
    contiguous: dict[str, pa.Array] = {}

    def one(fld: str) -> tuple[pa.Array, np.ndarray | None, object]:
        if fld not in by_field:
            arr = pa.nulls(n, type=pa.string())
            return arr, None, arr.to_pandas()
        # the reader's chunks made one array once, shared by ``raw`` and the normaliser, and by the normalised
        # column itself where every value is already canonical
        contiguous[fld] = col = norm.flat(by_field[fld])
        days = None
        if fld == "tanggal_lahir":
            days = norm.dates(col)
            arr = norm.iso_dates(days)
        else:
            arr = norm.flat(normalise_field(fld, col))
        return arr, days, arr.to_pandas()

    # pyarrow kernels release the GIL: normalising columns side by side uses both cores
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        done = dict(zip(FIELDS, pool.map(one, FIELDS), strict=True))
    for fld in FIELDS:
        arr, days, series = done[fld]
        if days is not None:
            dob = days
        columns[fld] = arr
        data[fld] = series
    raw = pa.table({f: contiguous[f] for f in fields_present}) if fields_present else pa.table({})
    extras: list[str] = []
    used = set(data)
    for i, h in enumerate(header):
        if i in mapping_idx:
            continue
        name = h or f"column_{i + 1}"
        while name in used:
            name = f"{name}_{i + 1}"
        used.add(name)
        extras.append(name)
        data[name] = table.column(i).to_pandas()
    frame = pd.DataFrame(data)
    frame.index = pd.RangeIndex(n)
    mapping = {header[i]: f for i, f in mapping_idx.items()}
    notes = list(read.notes)
    dup_claims = [h for i, h in enumerate(header) if i not in mapping_idx
                  and (over.get(header_key(h)) or ALIAS_INDEX.get(header_key(h))) in mapping.values()]
    if dup_claims:
        notes.append(f"columns {', '.join(dup_claims)} repeat a mapped field and are kept as extra columns")
    return Roll(frame=frame, raw=raw, dob=dob, source=source, path=path, dialect=read.dialect, mapping=mapping,
                fields_present=fields_present, extras=extras, malformed=read.malformed, sha256=sha256, notes=notes,
                columns=columns, blank_rows=read.blank_rows, header=list(header))


def input_kind(path: str | Path, fmt: str | None = None) -> str:
    """``parquet`` or ``csv``: ``fmt`` when given, else the extension (``.parquet``/``.pq``; anything else is CSV)."""
    return fmt or ("parquet" if str(path).lower().endswith(prefetch.PARQUET_SUFFIXES) else "csv")


def _parse_bytes(data: bytes, path: str, kind: str) -> RawRead:
    return read_parquet_strings(data, path) if kind == "parquet" else read_csv_strings(data, path)


class _ParseAhead(threading.Thread):
    """The parse of one file read by :mod:`dpt_tools.prefetch`, on a thread of its own (see :func:`parse_ahead`)."""

    def __init__(self, path: str, early: prefetch.InputFile, max_rows: int | None, threads: bool = True,
                 lines: tuple[dict[str, str], tuple[str, ...]] | None = None) -> None:
        super().__init__(daemon=True, name=f"parse {path}")
        self.path, self.early, self.kind, self.max_rows = path, early, input_kind(path), max_rows
        self.threads = threads
        self.lines = lines
        self.read: RawRead | None = None
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        if not self.early.keep:
            self._from_path()
            return
        data = self.early.data()
        self.early.release()
        if data is None:
            return  # unreadable: the caller reads the file itself, for the usual message
        try:
            if self.max_rows is not None and _estimated_rows(data, self.kind) > self.max_rows:
                return  # a roll that will be read in parts: a whole parse would hold it all in memory
            if self.lines is not None and self.kind == "csv" and isinstance(self.early, prefetch.LineFile):
                from .lines import read_csv_lines

                self.read = read_csv_lines(data, self.path, *self.lines, scan=self.early)
                if self.read is None:  # not line by line: parsed from the file as usual, the bytes let go
                    del data
                    self.read = read_path_strings(self.path, self.kind, self.early.quote, self.threads)
                    if self.read is None:  # the whole-file reader words the problem (or reads it as cp1252)
                        self.read = _parse_bytes(read_input_bytes(self.path)[0], self.path, self.kind)
                return
            self.read = _parse_bytes(data, self.path, self.kind)
        except BaseException as exc:  # raised by the caller, where the parse would have raised it
            self.error = exc

    def _from_path(self) -> None:
        """A file being scanned (``keep=False``, as ``dpt diff`` and ``dpt validate`` start it): parsed from its
        path. Up to SCAN_WAIT bytes the scan (~0.2 s per 180 MB) ends first, so the parse knows whether the file
        holds a quote (the faster parser and no stray-quote check when it does not); a bigger file is parsed at
        once, as if it held one."""
        if not self.early.opened():
            return  # unreadable: the caller reads the file itself, for the usual message
        if self.max_rows is not None and _estimated_rows(self.path, self.kind) > self.max_rows:
            return  # a roll that will be read in parts: a whole parse would hold it all in memory
        if self.early.stat.st_size <= SCAN_WAIT:
            self.early.sha256()
        try:
            self.read = read_path_strings(self.path, self.kind, self.early.quote, self.threads)
        except BaseException as exc:  # raised by the caller, where the parse would have raised it
            self.error = exc


#: a file read ahead from its path up to this size waits for its scan to end before it is parsed
SCAN_WAIT = 1 << 30


def _estimated_rows(source: bytes | str, kind: str) -> int:
    """Rows of a Parquet file (its footer) or of a CSV file (its size over ~180 bytes a row), as
    ``chunked.estimated_rows`` counts them, from the file's bytes or its path; 0 for a footer that cannot be read
    (the parse reports it)."""
    if kind != "parquet":
        return _source_size(source) // CSV_ROW_BYTES
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(_arrow_source(source)).metadata.num_rows
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError):
        return 0


_AHEAD: dict[str, _ParseAhead] = {}
_AHEAD_LOCK = threading.Lock()


def parse_ahead(path: str, early: prefetch.InputFile, max_rows: int | None = None, threads: bool = True,
                lines: tuple[dict[str, str], tuple[str, ...]] | None = None) -> None:
    """Parse ``path`` (being read by ``early``) on a background thread, for a later :func:`load_roll` of it.

    Why: ``dpt validate`` spends its first ~0.45 s importing pandas and pandera on one core; the parse needs only
    pyarrow (whose reader releases the GIL), so it runs meanwhile on the other core instead of after the imports.
    The file's sha256 is computed later (:func:`load_roll` starts it once the parse is done), and a file that
    changed meanwhile is read again, as if nothing had been read ahead. A file of more than ``max_rows`` (estimated)
    rows is not parsed: it is about to be read in parts. ``threads=False``: the serial reader, for one of two files
    parsed side by side (see :func:`_parse`). ``lines``: (column map, ``--map`` headers) to read a CSV file kept in
    memory line-first (:func:`~dpt_tools.lines.read_csv_lines`, for ``dpt diff``), where it can be."""
    with _AHEAD_LOCK:
        _AHEAD[os.path.realpath(path)] = _ParseAhead(path, early, max_rows, threads, lines)


def start_diff_reads(old: str, new: str, column_map: dict[str, str] | None = None, preferred: Collection[str] = (),
                     line_first: bool = True,
                     early: dict[str, prefetch.InputFile] | None = None) -> dict[str, prefetch.InputFile]:
    """Start reading and parsing both versions of a diff in the background (:func:`parse_ahead`, each by the serial
    reader on a thread of its own). Two CSV files whose first lines are the same bytes are read whole and
    line-first (:mod:`dpt_tools.lines`: the key columns parsed, the lines compared); any other pair is scanned
    (sha256) and parsed from its path. ``early``: :func:`~dpt_tools.prefetch.diff_inputs` of the pair, started
    before pyarrow was imported (the command does so)."""
    if early is None:
        early = prefetch.diff_inputs(old, new, line_first)
    for path, source in early.items():
        lines = isinstance(source, prefetch.LineFile)
        parse_ahead(path, source, threads=len(early) < 2,
                    lines=(dict(column_map or {}), tuple(preferred)) if lines else None)
    return early


def forget_ahead(path: str) -> None:
    """Drop a parse nobody will take (a roll checked in parts reads the file its own way)."""
    if path != "-":
        with _AHEAD_LOCK:
            _AHEAD.pop(os.path.realpath(path), None)


def take_ahead(path: str, kind: str) -> _ParseAhead | None:
    """The parse of ``path`` started by :func:`parse_ahead` (waited for; each handed out once), or None (none
    started, another format, or the file could not be read: the caller reads it itself). Its error is raised."""
    if path == "-":
        return None
    key = os.path.realpath(path)
    with _AHEAD_LOCK:
        ahead = _AHEAD.get(key)
        if ahead is not None and os.path.abspath(ahead.path) != os.path.abspath(path):
            # the same file under another name (``dpt diff roll.csv link.csv``): that parse words its messages with
            # the other argument's name, and is the other side's to take
            return None
        _AHEAD.pop(key, None)
    if ahead is None or ahead.kind != kind:
        return None
    ahead.join()
    if ahead.error is not None:
        raise ahead.error
    return ahead if ahead.read is not None else None


def load_roll(path: str | Path, *, column_map: dict[str, str] | None = None, fmt: str | None = None,
              source: str | None = None, hash_later: bool = False, required_headers: Collection[str] = (),
              each_file: bool = True) -> Roll:
    """Load one roll. ``fmt`` forces ``csv``/``parquet``; by default the extension decides (``-`` = CSV on stdin).
    ``required_headers``, ``each_file``: the ``--map`` headers, see :func:`build_roll`.

    ``hash_later``: a file parsed ahead (:func:`parse_ahead`) may come back with its sha256 still to compute
    (``Roll.pending_sha256``; the caller starts it where a core is idle and calls ``Roll.finish_sha256``)."""
    path = str(path)
    kind = input_kind(path, fmt)
    ahead = take_ahead(path, kind)  # parsed while the command was still importing (see parse_ahead)
    if ahead is not None and ahead.read is not None:
        roll = build_roll(ahead.read, source=source or shown(Path(path).name), path=path, sha256="",
                          column_map=column_map, required_headers=required_headers, each_file=each_file)
        if hash_later:
            roll.pending_sha256 = PendingDigest(ahead.early, path)
            return roll
        roll.sha256 = ahead.early.sha256()
        if roll.sha256 and not ahead.early.changed():
            return roll
        # the file changed (or vanished) after it was read: start again from the file as it is now
    early = prefetch.take(path)  # read and hashed while the command was still importing (see prefetch)
    if early is not None:
        data, sha256 = early
        name, hasher = shown(Path(path).name), None
    else:
        data, name = read_input_bytes(path)
        hasher = Hasher(data)
        hasher.start()
    read = _parse_bytes(data, path, kind)
    if hasher is not None:
        hasher.join()
        sha256 = hasher.hexdigest
    del data
    return build_roll(read, source=source or name, path=path, sha256=sha256, column_map=column_map,
                      required_headers=required_headers, each_file=each_file)
