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
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from . import normalize as norm
from .errors import InputError
from .fields import ALIAS_INDEX, FIELDS, header_key

DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 256 * 1024
#: Fields normalised as identity numbers / codes / free text.
ID_FIELDS = ("nik", "nkk")
TEXT_FIELDS = ("nama", "tempat_lahir", "alamat", "keterangan", "kelurahan", "kecamatan", "kabupaten_kota", "provinsi")
META_COLUMNS = ("row_number", "source")


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

    def __len__(self) -> int:
        return len(self.frame)

    def has(self, fld: str) -> bool:
        return fld in self.fields_present


# ----------------------------------------------------------------------------------------------- reading bytes
def _read_bytes(path: str) -> tuple[bytes, str]:
    if path == "-":
        data = sys.stdin.buffer.read()
        return data, "<stdin>"
    p = Path(path)
    if not p.exists():
        raise InputError(f"{path}: file not found")
    if p.is_dir():
        raise InputError(f"{path}: is a directory, expected a CSV or Parquet file")
    try:
        return p.read_bytes(), p.name
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc


class _Hasher(threading.Thread):
    """sha256 of the input computed beside the parse (hashlib releases the GIL on large buffers)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(daemon=True)
        self.data = data
        self.hexdigest = ""

    def run(self) -> None:
        self.hexdigest = hashlib.sha256(self.data).hexdigest()


def sniff_encoding(sample: bytes) -> tuple[str, bool]:
    """(encoding, has_bom) from the first bytes: UTF-8 (BOM or not), else cp1252."""
    bom = sample.startswith(b"\xef\xbb\xbf")
    body = sample[3:] if bom else sample
    try:
        body.decode("utf-8")
        return "utf-8", bom
    except UnicodeDecodeError as exc:
        if exc.start >= len(body) - 4:  # a multi-byte character cut by the sample's end
            return "utf-8", bom
        return "cp1252", bom


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


def _header(text: str, delimiter: str) -> list[str]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return []
    return [h.strip().lstrip("\ufeff") for h in header]


def _read_csv_table(data: bytes, name: str, delimiter: str, encoding: str, ncols: int,
                    threads: bool) -> tuple[pa.Table, list[tuple[int | None, int, str]]]:
    """All-string parse. A file without any quote character cannot hold a line break inside a value, so the
    faster newline-splitting parser is used for it (about twice as fast)."""
    bad: list[tuple[int | None, int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.actual_columns, row.text))
        return "skip"

    names = [f"c{i}" for i in range(ncols)]
    table = pacsv.read_csv(
        pa.BufferReader(data),
        read_options=pacsv.ReadOptions(
            use_threads=threads, skip_rows=1, column_names=names,
            encoding="utf8" if encoding == "utf-8" else encoding),  # "utf-8" would go through a Python codec
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, quote_char='"', double_quote=True, newlines_in_values=b'"' in data,
            invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
            quoted_strings_can_be_null=False),
    )
    return table, bad


def _split_line(text: str, delimiter: str, ncols: int) -> list[str]:
    """Fields of a ragged line, padded with "" or cut to the header's width."""
    try:
        fields = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (StopIteration, csv.Error):
        fields = text.split(delimiter)
    return (fields + [""] * ncols)[:ncols]


def read_csv_strings(data: bytes, name: str) -> tuple[list[str], pa.Table, pd.DataFrame, Dialect]:
    """CSV bytes → (header, all-string table in file order incl. ragged rows, malformed rows, dialect)."""
    if not data.strip(b"\xef\xbb\xbf \r\n\t"):
        raise InputError(f"{name}: file is empty")
    sample = data[:SNIFF_BYTES]
    encoding, bom = sniff_encoding(sample)
    text = sample.decode(encoding, errors="replace")
    if bom:
        text = text.lstrip("\ufeff")
    delimiter = sniff_delimiter(text)
    header = _header(text, delimiter)
    if not any(header):
        raise InputError(f"{name}: no header row")
    ncols = len(header)
    try:
        table, bad = _read_csv_table(data, name, delimiter, encoding, ncols, threads=True)
    except pa.ArrowInvalid as exc:
        if encoding == "utf-8" and "utf8" in str(exc).lower().replace("-", ""):
            encoding = "cp1252"
            table, bad = _read_csv_table(data, name, delimiter, encoding, ncols, threads=True)
        else:
            raise InputError(f"{name}: cannot parse as CSV ({str(exc).splitlines()[0]})") from exc
    if bad and any(b[0] is None for b in bad):
        # The threaded reader does not know line numbers; the serial one does. Ragged files are rare.
        table, bad = _read_csv_table(data, name, delimiter, encoding, ncols, threads=False)
    total = table.num_rows + len(bad)
    if total == 0:
        raise InputError(f"{name}: header only, no data rows")
    malformed = pd.DataFrame({
        "row_number": pd.Series([int(b[0]) - 1 for b in bad], dtype="int64"),
        "expected": pd.Series([ncols] * len(bad), dtype="int64"),
        "actual": pd.Series([int(b[1]) for b in bad], dtype="int64"),
    })
    if bad:
        rows = [_split_line(b[2], delimiter, ncols) for b in bad]
        extra = pa.table({f"c{i}": pa.array([r[i] for r in rows], type=pa.string()) for i in range(ncols)})
        combined = pa.concat_tables([table, extra])
        is_bad = np.zeros(total, dtype=bool)
        is_bad[malformed["row_number"].to_numpy() - 1] = True
        order = np.empty(total, dtype=np.int64)
        order[~is_bad] = np.arange(table.num_rows)
        order[is_bad] = table.num_rows + np.argsort(np.argsort(malformed["row_number"].to_numpy()))
        table = combined.take(pa.array(order))
    return header, table, malformed, Dialect("csv", delimiter, encoding, bom)


def read_parquet_strings(data: bytes, name: str) -> tuple[list[str], pa.Table, pd.DataFrame, Dialect]:
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{name}: not a readable Parquet file ({str(exc).splitlines()[0]})") from exc
    if table.num_columns == 0:
        raise InputError(f"{name}: Parquet file has no columns")
    if table.num_rows == 0:
        raise InputError(f"{name}: header only, no data rows")
    header = list(table.column_names)
    cols = []
    for col in table.columns:
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = pc.cast(col, pa.string())
        cols.append(pc.fill_null(col, ""))
    table = pa.table(cols, names=[f"c{i}" for i in range(len(header))])
    empty = pd.DataFrame({"row_number": pd.Series([], dtype="int64"), "expected": pd.Series([], dtype="int64"),
                          "actual": pd.Series([], dtype="int64")})
    return header, table, empty, Dialect("parquet")


# ----------------------------------------------------------------------------------------------- mapping
def map_headers(header: list[str], overrides: dict[str, str] | None = None) -> dict[int, str]:
    """Column index → canonical field. Explicit overrides (``--map``, config) win over the alias table;
    the first column claiming a field wins, later ones are kept as unknown columns."""
    over = {header_key(k): v for k, v in (overrides or {}).items()}
    out: dict[int, str] = {}
    taken: set[str] = set()
    for i, h in enumerate(header):
        key = header_key(h)
        fld = over.get(key) or ALIAS_INDEX.get(key)
        if fld and fld not in taken:
            out[i] = fld
            taken.add(fld)
    return out


def _normalise(fld: str, arr: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
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
    return norm.text(arr)


def build_roll(header: list[str], table: pa.Table, malformed: pd.DataFrame, dialect: Dialect, *, source: str,
               path: str, sha256: str, column_map: dict[str, str] | None = None) -> Roll:
    """Map, normalise and assemble a :class:`Roll` from an all-string table in file order."""
    mapping_idx = map_headers(header, column_map)
    fields_present = [f for f in FIELDS if f in mapping_idx.values()]
    if "nama" not in fields_present:
        raise InputError(f"{source}: no name column (expected a header such as NAMA or NAMA PEMILIH; "
                         f"use --map HEADER=nama)")
    if "nik" not in fields_present and "tanggal_lahir" not in fields_present:
        raise InputError(f"{source}: neither a NIK nor a birth-date column (expected NIK or TANGGAL LAHIR; "
                         f"use --map HEADER=nik)")
    n = table.num_rows
    by_field = {fld: table.column(i) for i, fld in mapping_idx.items()}
    raw = pa.table({f: by_field[f] for f in fields_present}) if fields_present else pa.table({})
    data: dict[str, object] = {
        "row_number": np.arange(1, n + 1, dtype=np.int64),
        "source": pc.fill_null(pa.nulls(n, type=pa.string()), source).to_pandas(),
    }
    dob = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    columns: dict[str, pa.Array] = {}

    def one(fld: str) -> tuple[pa.Array, np.ndarray | None]:
        if fld not in by_field:
            return pa.nulls(n, type=pa.string()), None
        if fld == "tanggal_lahir":
            days = norm.dates(by_field[fld])
            return norm.iso_dates(days), days
        arr = _normalise(fld, by_field[fld])
        return (arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr), None

    # pyarrow kernels release the GIL: normalising columns side by side uses both cores
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        done = dict(zip(FIELDS, pool.map(one, FIELDS), strict=True))
    for fld in FIELDS:
        arr, days = done[fld]
        if days is not None:
            dob = days
        columns[fld] = arr
        data[fld] = arr.to_pandas()
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
    notes = []
    dup_claims = [h for i, h in enumerate(header)
                  if i not in mapping_idx and ALIAS_INDEX.get(header_key(h)) in mapping.values()]
    if dup_claims:
        notes.append(f"columns {', '.join(dup_claims)} repeat a mapped field and are kept as extra columns")
    return Roll(frame=frame, raw=raw, dob=dob, source=source, path=path, dialect=dialect, mapping=mapping,
                fields_present=fields_present, extras=extras, malformed=malformed, sha256=sha256, notes=notes,
                columns=columns)


def load_roll(path: str | Path, *, column_map: dict[str, str] | None = None, fmt: str | None = None,
              source: str | None = None) -> Roll:
    """Load one roll. ``fmt`` forces ``csv``/``parquet``; by default the extension decides (``-`` = CSV on stdin)."""
    path = str(path)
    data, name = _read_bytes(path)
    hasher = _Hasher(data)
    hasher.start()
    kind = fmt or ("parquet" if path.lower().endswith((".parquet", ".pq")) else "csv")
    if kind == "parquet":
        header, table, malformed, dialect = read_parquet_strings(data, path)
    else:
        header, table, malformed, dialect = read_csv_strings(data, path)
    hasher.join()
    del data
    return build_roll(header, table, malformed, dialect, source=source or name, path=path,
                      sha256=hasher.hexdigest, column_map=column_map)


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
