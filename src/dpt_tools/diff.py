"""``dpt diff`` as a library: compare two versions of a roll — added, removed, changed, moved, NIK corrections.

Matching (docs/diff.md has the full text):

1. **NIK.** A NIK that is 16 digits and occurs once in its version identifies a person. Two rows, one per version,
   with the same such NIK are the same person.
2. **Person key.** Every row left over — no valid NIK, a NIK repeated within its version, a NIK repeated in the
   other version, or a NIK found only in its own version — is matched by (folded name, birth date, sex) where that
   key occurs exactly once among the left-over rows of *each* version.

   * Both rows have a valid, unique NIK that the other version does not know: the NIK was corrected
     (``nik_changed``), not one removal plus one addition.
   * Otherwise (one side had no usable NIK): a fallback match, compared field by field like a NIK match.
3. What is still left: a valid unique NIK that the other version does not know is ``removed`` / ``added``;
   anything else is ``unmatched`` with the reason. No row is ever dropped: every old row is exactly one of
   unchanged / changed / removed / nik_changed / unmatched, every new row one of unchanged / changed / added /
   nik_changed / unmatched, and this is checked before anything is returned.

Values are compared after the loader's normalisation, field by field; ``moved`` = TPS, kelurahan or kecamatan
changed (those persons are also ``changed``).

Speed: :func:`diff_paths` does not normalise whole columns it does not need. Normalisation is a function of each
value alone, so two equal raw values normalise equally; only pairs whose raw text differs are normalised and
compared again. :func:`diff_rolls` takes two already normalised :class:`~dpt_tools.load.Roll` objects and gives
the same result. Everything is keyed joins and column-wise comparisons — no loop over rows.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__
from . import normalize as norm
from .config import Settings
from .errors import InputError, IntegrityError
from .fields import FIELDS
from .fsnames import shown
from .i18n import t
from .lines import KEY_FIELDS, LineIndex
from .load import (
    Hasher,
    Roll,
    build_roll,
    check_map_headers,
    input_kind,
    map_headers,
    normalise_field,
    read_csv_strings,
    read_input_bytes,
    read_parquet_strings,
    read_path_strings,
    start_diff_reads,
    take_ahead,
)
from .names import fold_names
from .nik import holds_digit_run, mask_id, mask_ids_in_str, mask_ids_in_text
from .output import atomic_paths, write_frame, write_json
from .prefetch import InputFile, LineFile, prefetch
from .regions import comparison_key
from .runtime import use_fast_allocator  # noqa: F401  (re-exported)

# ----------------------------------------------------------------------------------------------- contract
#: ``--by`` → the fields that name a region (a TPS number is only unique inside its kelurahan).
REGION_LEVELS: dict[str, tuple[str, ...]] = {
    "kecamatan": ("kecamatan",),
    "kelurahan": ("kecamatan", "kelurahan"),
    "tps": ("kecamatan", "kelurahan", "tps"),
}
MOVE_FIELDS = ("tps", "kelurahan", "kecamatan")
#: Fields that name a region: compared as places (:func:`~dpt_tools.regions.comparison_key`), so ``KEL. BACANG`` in
#: one export and ``BACANG`` in the other is neither a change nor a move, and counted under one spelling.
REGION_FIELDS = ("provinsi", "kabupaten_kota", "kecamatan", "kelurahan")
#: The counts of summary.json, in their documented order.
SUMMARY_KEYS = ("old", "new", "added", "removed", "changed", "moved", "unchanged", "nik_changed", "unmatched_old",
                "unmatched_new")
CHANGED_COLUMNS = ("nik", "row_old", "row_new", "field", "old", "new")
MOVED_COLUMNS = ("nik", "row_old", "row_new", "from_kelurahan", "from_tps", "to_kelurahan", "to_tps",
                 "from_kecamatan", "to_kecamatan")
NIK_CHANGED_COLUMNS = ("nik_old", "nik_new", "row_old", "row_new", "relation", "digits_differ", "nama",
                       "tanggal_lahir", "jenis_kelamin", "kecamatan", "kelurahan", "tps", "other_changes")
UNMATCHED_COLUMNS = ("version", "row_number", "reason", "nik_status", "nik", "nama", "tanggal_lahir",
                     "jenis_kelamin", "kecamatan", "kelurahan", "tps", "message")
#: Output files (without the extension), in writing order.
OUTPUT_FILES = ("added", "removed", "changed", "moved", "nik_changed", "unmatched")
ID_FIELDS = ("nik", "nkk")
SEXES = ("L", "P", "unknown")

# status of a row (one per row, per version)
UNCHANGED, CHANGED, ALONE, NIK_CHANGED, UNMATCHED = 0, 1, 2, 3, 4  # ALONE = removed (old) / added (new)
STATUS_NAMES = {"old": ("unchanged", "changed", "removed", "nik_changed", "unmatched"),
                "new": ("unchanged", "changed", "added", "nik_changed", "unmatched")}

# why a row could not use its NIK (nik_status); MATCHED rows matched by NIK
NIK_MATCHED, NIK_ABSENT, NIK_REPEATED_OTHER, NIK_REPEATED, NIK_INVALID, NIK_MISSING = range(6)
NIK_STATUS = ("matched", "absent", "repeated_other", "repeated", "invalid", "missing")
#: why a left-over row stayed unmatched
REASONS = ("key_incomplete", "key_repeated", "key_ambiguous", "no_match")
# how a pair was matched
BY_NIK, BY_KEY, BY_KEY_NIK_CHANGED = 0, 1, 2
#: a corrected NIK that differs in at most this many digits is reported as a typo
TYPO_DIGITS = 2

_STR = pa.string()
#: worker threads for column-wise work (the benchmark machine has 2 cores)
THREADS = 2
#: a column whose first SAMPLE_ROWS rows hold at most this share of distinct values is compared by dictionary
FEW_DISTINCT = 0.25
SAMPLE_ROWS = 8192
#: a take of at most 1/SMALL_TAKE of a chunked column's rows gathers from its chunks (:func:`_take_from_chunks`)
SMALL_TAKE = 16


# ----------------------------------------------------------------------------------------------- helpers
def _flat(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if pa.types.is_large_string(arr.type) or pa.types.is_null(arr.type):
        arr = arr.cast(_STR)
    return arr


def _sixteen_digits(arr: pa.Array) -> pa.Array:
    """``^[0-9]{16}$`` without a regex."""
    return pc.and_(pc.ascii_is_decimal(arr), pc.equal(pc.binary_length(arr), 16))


def _plain_keys(col: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """The values as int64 when every one is 16 plain digits (``^[0-9]{16}$``, no missing value), else None.

    Checked on the Arrow buffers, not per string: every value 16 bytes long (one pass over the lengths), then every
    byte of the data a digit (the smallest and largest byte of each chunk: two SIMD reductions); only then are the
    values parsed (pyarrow's integer parser alone would also take ``-`` or ``0x``)."""
    chunks = [c for c in (col.chunks if isinstance(col, pa.ChunkedArray) else [col]) if len(c)]
    if not chunks:
        return np.zeros(0, dtype=np.int64)
    if any(c.null_count or not pa.types.is_string(c.type) for c in chunks):
        return None
    widths = pc.min_max(pc.binary_length(pa.chunked_array(chunks)))
    if widths["min"].as_py() != 16 or widths["max"].as_py() != 16:
        return None
    for c in chunks:
        start = int(np.frombuffer(c.buffers()[1], dtype=np.int32, count=1, offset=c.offset * 4)[0])
        data = np.frombuffer(c.buffers()[2], dtype=np.uint8, count=16 * len(c), offset=start)
        if int(data.min()) < ord("0") or int(data.max()) > ord("9"):
            return None
    return np.asarray(pc.cast(col, pa.int64()).to_numpy(), dtype=np.int64)


def _take(arr: pa.Array | pa.ChunkedArray, pos: np.ndarray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray) and arr.num_chunks > 1 and len(pos) * SMALL_TAKE <= len(arr):
        return _take_from_chunks(arr, pos)
    return _flat(arr.take(pa.array(pos, type=pa.int64())))


def _take_from_chunks(arr: pa.ChunkedArray, pos: np.ndarray) -> pa.Array:
    """A few rows of a column still in the reader's chunks, taken chunk by chunk: pyarrow's take from a chunked
    array first concatenates every chunk (the whole column copied, fresh memory, for a few thousand rows)."""
    pos = np.asarray(pos, dtype=np.int64)
    if not len(pos):
        return _flat(arr.chunk(0).slice(0, 0))
    if int(pos.min()) < 0 or int(pos.max()) >= len(arr):  # pyarrow's error
        return _flat(arr.take(pa.array(pos, type=pa.int64())))
    ends = np.cumsum([len(c) for c in arr.chunks])
    chunk = np.searchsorted(ends, pos, side="right")
    ordered = bool((chunk[1:] >= chunk[:-1]).all())
    order = np.arange(len(pos)) if ordered else np.argsort(chunk, kind="stable")
    by_chunk = chunk[order]
    cut = np.flatnonzero(np.diff(by_chunk)) + 1
    parts = []
    for lo, hi in zip(np.r_[0, cut], np.r_[cut, len(pos)], strict=True):
        c = int(by_chunk[lo])
        local = pos[order[lo:hi]] - (ends[c] - len(arr.chunk(c)))
        parts.append(arr.chunk(c).take(pa.array(local, type=pa.int64())))
    taken = pa.concat_arrays(parts)
    if not ordered:
        back = np.empty(len(pos), dtype=np.int64)
        back[order] = np.arange(len(pos))
        taken = taken.take(pa.array(back))
    return _flat(taken)


def _np_bool(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _differs(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Element-wise "not the same value"; two missing values are the same."""
    eq = _np_bool(pc.equal(a, b))
    if a.null_count == 0 or b.null_count == 0:
        return ~eq
    both_null = _np_bool(pc.and_(pc.is_null(a), pc.is_null(b)))
    return ~(eq | both_null)


def _strings(arr: pa.Array) -> np.ndarray:
    """Arrow strings → numpy object array (None for null)."""
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


def _series(arr: pa.Array) -> pd.Series:
    """Arrow strings → a pandas ``str`` column, straight from the Arrow array (no Python string per value)."""
    return pd.Series(_flat(arr), dtype="str") if len(arr) else pd.Series([], dtype="str")


def _mask(arr: pa.Array) -> pa.Array:
    """:func:`~dpt_tools.nik.mask_id`, with a shortcut for the usual column of 16 plain digits (the same bytes:
    digits 7–12 become six stars) that costs a tenth of the general slicing and regex."""
    arr = _flat(arr)
    if len(arr) and arr.null_count == 0 and _np_bool(_sixteen_digits(arr)).all():
        return _flat(pc.utf8_replace_slice(arr, 6, 12, "******"))
    return _flat(mask_id(arr))


def _no_full_id(text: str | None) -> str | None:
    """A name that reaches the screen (a region, a header; summary.json is printed by --json) with a 16-digit
    number in it shows the number masked like a NIK: a line shifted by an unquoted delimiter puts a NIK into the
    kelurahan column, and a full NIK is never shown, with or without --no-mask."""
    return mask_ids_in_str(text) if text else text


def _mask_ids_in_text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text column of an output table with each 16-digit number in it masked like a NIK (digits 7–12).

    Why: the NIK/NKK columns are masked, but a NIK also turns up elsewhere — typed into a name, shifted into the
    kelurahan column by an unquoted delimiter, or in an extra column such as ``NIK KEPALA KELUARGA`` — and a masked
    file must not show it there. Columns holding no 16-digit run are left as they are (a cheap scan first)."""
    for col in frame.columns:
        if frame[col].dtype != "str":
            continue
        arr = pa.array(frame[col], type=_STR, from_pandas=True)
        if holds_digit_run(arr, 16):
            frame[col] = _series(mask_ids_in_text(arr))
    return frame


def _show_id(arr: pa.Array, settings: Settings) -> pa.Array:
    """NIK/NKK as written to output files: masked (digits 7–12) unless ``--no-mask``."""
    return _mask(arr) if settings.mask else arr


# ----------------------------------------------------------------------------------------------- one version
@dataclass
class _Side:
    """One version of the roll as the engine sees it.

    ``cmp`` holds per present field values whose equality implies equal normalised values: the normalised values
    themselves (``exact``, from a :class:`Roll`) or the raw text as read (lazy; normalised on demand).
    """

    label: str
    n: int
    path: str
    source: str
    digest: Callable[[], str]  # the input's sha256 (may still be being computed)
    fmt: str
    mapping: dict[str, str]
    present: list[str]
    cmp: dict[str, pa.Array | pa.ChunkedArray]
    #: extra columns (name → values; None: not parsed yet, on a line-first side)
    extras: dict[str, pa.Array | pa.ChunkedArray | None]
    exact: bool
    row_number: np.ndarray
    dob: np.ndarray | None = None
    _full: dict[str, pa.Array] = field(default_factory=dict)
    #: per field compared by dictionary: (code per row, normalised value per code) — see :func:`_dictionary`
    coded: dict[str, tuple[np.ndarray, pa.Array]] = field(default_factory=dict)
    #: lines with too many or too few fields (compared as they stand; summary.json and the screen say so)
    malformed: int = 0
    #: the loader's notes on this version (read as cp1252, a stray quote, empty lines skipped), as validate words them
    notes: list[str] = field(default_factory=list)
    #: the file's header as read (``--map`` headers are checked against both versions' headers)
    header: list[str] = field(default_factory=list)
    #: a line-first side (:mod:`dpt_tools.lines`): ``cmp`` holds only the key columns; every other field and extra
    #: column is parsed from its line when rows are asked for (:meth:`materialise`)
    lines: LineIndex | None = None
    #: field or extra column → its place in the header (line-first sides)
    columns: dict[str, int] = field(default_factory=dict)
    #: the NIK facts (:func:`_nik_facts`), computed as soon as the side is read (on its reading thread)
    nik: _Nik | None = None
    _got: np.ndarray | None = None  # per row: its row in _sub, -1 if not parsed yet
    _sub: pa.Table | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _normalise(self, fld: str, values: pa.Array) -> pa.Array:
        if fld == "tanggal_lahir":
            return _flat(norm.iso_dates(norm.dates(values)))
        return _flat(normalise_field(fld, values))

    def _unparsed(self) -> list[int]:
        return sorted(i for name, i in self.columns.items() if name not in self.cmp)

    def materialise(self, pos: np.ndarray) -> None:
        """(Line-first sides) Parse the lines at ``pos`` not parsed yet: every field and extra column that is not
        a key column, once per row. Safe from several threads."""
        if self.lines is None or not len(pos) or not self._unparsed():
            return
        if self._got is not None and (self._got[pos] >= 0).all():  # the usual call: those rows were parsed
            return
        with self._lock:
            if self._got is None:
                self._got = np.full(self.n, -1, dtype=np.int64)
            want = np.unique(pos[self._got[pos] < 0])
            if not len(want):
                return
            table = self.lines.parse(want, self._unparsed())
            start = 0 if self._sub is None else self._sub.num_rows
            self._sub = table if self._sub is None else pa.concat_tables([self._sub, table])
            self._got[want] = start + np.arange(len(want))

    def complete(self) -> None:
        """(Line-first sides) Parse every row's other columns: the side becomes an ordinary one (used when the
        two versions cannot be compared line by line)."""
        if self.lines is None:
            return
        rest = self._unparsed()
        table = self.lines.parse_all(rest) if rest else pa.table({})
        for name, i in self.columns.items():
            if name not in self.cmp and f"c{i}" in table.column_names:
                if name in self.extras:
                    self.extras[name] = table.column(f"c{i}")
                else:
                    self.cmp[name] = table.column(f"c{i}")
        self.lines, self._got, self._sub = None, None, None

    def text_at(self, fld: str, pos: np.ndarray) -> pa.Array:
        """The text of ``fld`` (a field or an extra column) at row positions ``pos``, as read."""
        col = self.cmp.get(fld, self.extras.get(fld))
        if col is not None:
            return _take(self.raw(fld) if fld in self.cmp and len(pos) * SMALL_TAKE > self.n else col, pos)
        if not len(pos):
            return pa.array([], type=_STR)
        self.materialise(pos)
        assert self._sub is not None and self._got is not None
        return _take(self._sub.column(f"c{self.columns[fld]}"), self._got[pos])

    def raw(self, fld: str) -> pa.Array:
        """``cmp[fld]`` as one contiguous array, made once: a take from the reader's ~170 chunks first
        concatenates them, so every small take (a few thousand rows for the output files) would copy the column."""
        if fld not in self.cmp:
            self.complete()  # a whole column of a line-first side: not on its path, but never wrong
        col = self.cmp[fld]
        if isinstance(col, pa.ChunkedArray):
            col = _flat(col)
            self.cmp[fld] = col  # the chunks are released; a second thread doing the same stores an equal array
        return col

    def full(self, fld: str) -> pa.Array:
        """The whole normalised column (cached)."""
        if fld not in self.present:
            return pa.nulls(self.n, type=_STR)
        if fld not in self._full:
            col = self.raw(fld)
            if self.exact:
                pass
            elif fld in ID_FIELDS:  # 16 plain digits are already normalised: only the others go through it
                rest = ~_np_bool(_sixteen_digits(col))
                if rest.any():
                    fixed = self._normalise(fld, _take(col, np.flatnonzero(rest)))
                    col = _flat(pc.replace_with_mask(col, pa.array(rest), fixed))
            else:
                col = self._normalise(fld, col)
            self._full[fld] = col
        return self._full[fld]

    def at(self, fld: str, pos: np.ndarray) -> pa.Array:
        """Normalised values at row positions ``pos``."""
        if fld not in self.present:
            return pa.nulls(len(pos), type=_STR)
        if self.exact or fld in self._full:
            return _take(self.full(fld), pos)
        if fld in self.coded:
            codes, meaning = self.coded[fld]
            return _take(meaning, codes[pos])
        # a few rows come from the chunks as they are; many from the column made contiguous
        return self._normalise(fld, self.text_at(fld, pos))

    def days_at(self, pos: np.ndarray) -> np.ndarray:
        """Birth dates at ``pos`` as ``datetime64[D]`` (NaT where missing or not a date)."""
        if "tanggal_lahir" not in self.present:
            return np.full(len(pos), np.datetime64("NaT"), dtype="datetime64[D]")
        if self.exact and self.dob is not None:
            return self.dob[pos]
        return np.asarray(norm.dates(self.text_at("tanggal_lahir", pos)), dtype="datetime64[D]")

    #: starts computing the input's sha256 (None: nothing to start)
    hash_now: Callable[[], None] = lambda: None

    @property
    def sha256(self) -> str:
        return self.digest()

    def meta(self) -> dict[str, Any]:
        return {"path": shown(self.path), "format": self.fmt, "rows": self.n, "sha256": self.sha256,
                "columns_mapped": {_no_full_id(k): v for k, v in self.mapping.items()},
                "extra_columns": [_no_full_id(e) for e in self.extras], "malformed_rows": self.malformed,
                "notes": [_no_full_id(n) for n in self.notes]}


def _side_from_roll(roll: Roll, label: str) -> _Side:
    cols = {f: roll.columns[f] if f in roll.columns else pa.array(roll.frame[f], type=_STR, from_pandas=True)
            for f in roll.fields_present}
    extras = {e: pa.array(roll.frame[e].astype(object), type=_STR, from_pandas=True) for e in roll.extras}
    return _Side(label, len(roll), roll.path, roll.source, lambda: roll.sha256, roll.dialect.format,
                 dict(roll.mapping),
                 list(roll.fields_present), cols, extras, True, roll.frame["row_number"].to_numpy(np.int64),
                 dob=np.asarray(roll.dob, dtype="datetime64[D]"), malformed=len(roll.malformed), notes=list(roll.notes))


def _digest_of(source: InputFile) -> Callable[[], str]:
    def digest() -> str:
        value = source.sha256()
        if not value or source.changed():
            raise InputError(f"{source.path}: the file changed while it was being compared")
        return value

    return digest


def _read_side(path: str, settings: Settings, label: str, fmt: str | None = None,
               prefetched: InputFile | None = None) -> _Side:
    """Read a file as raw text columns without normalising them (that happens on demand). A regular file is read
    and hashed by an :class:`~dpt_tools.prefetch.InputFile` (``prefetched``: one started earlier)."""
    kind = input_kind(path, fmt)
    ahead = take_ahead(path, kind)  # parsed while the command was still importing (see load.parse_ahead)
    source = ahead.early if ahead is not None else prefetched or prefetch([path], keep=False).get(path)
    if isinstance(source, LineFile) and isinstance(source.error, MemoryError):
        source = prefetch([path], keep=False).get(path)  # too big to hold in memory: scanned, parsed from its path
    if ahead is None and source is not None and not (source.data() is not None if source.keep else source.opened()):
        source = None  # it could not be read: read again below, for the loader's own message
    read = ahead.read if ahead is not None else None
    if read is None and source is not None and not source.keep:
        # parsed from the file while ``source`` scans it (sha256, quotes) on its own thread: the bytes are never
        # all in memory. A file changed between the two reads is refused by the digest (InputFile.changed).
        read = read_path_strings(path, kind, source.quote, threads=False)  # beside the other version's parse
    hasher = None
    if read is None:  # standard input, a file read whole (not UTF-8, or a parse error to word), or unreadable
        data = source.data() if source is not None and source.keep else read_input_bytes(path)[0]
        if source is None:
            hasher = Hasher(data)
            hasher.start()
        read = read_parquet_strings(data, path) if kind == "parquet" else read_csv_strings(data, path)
        del data
    name = "<stdin>" if path == "-" else shown(Path(path).name)
    if hasher is None:
        assert source is not None
        digest = _digest_of(source)
    else:
        hasher.join()
        digest = lambda: hasher.hexdigest  # noqa: E731
    # the loader's own checks and naming of extra columns, run on zero rows of every column
    nothing = pa.table({f"c{i}": pa.array([], type=_STR) for i in range(len(read.header))})
    shell = build_roll(replace(read, table=nothing, row_numbers=read.row_numbers[:0]),
                       source=name, path=path, sha256="", column_map=settings.column_map,
                       required_headers=settings.required_headers, each_file=False)
    table = read.table
    index = map_headers(read.header, settings.column_map, settings.required_headers)
    unmapped = [i for i in range(len(read.header)) if i not in index]
    # the reader's columns by their place in the header (a line-first read holds the key columns only); kept in
    # the reader's chunks: a column is combined into one chunk (_Side.raw) only once rows are gathered from it;
    # columns compared by dictionary never are
    held = {i: table.column(f"c{i}") for i in range(len(read.header)) if f"c{i}" in table.column_names}
    cmp = {fld: held[i] for i, fld in index.items() if i in held}
    extras = {nm: held.get(i) for nm, i in zip(shell.extras, unmapped, strict=True)}
    side = _Side(label, table.num_rows, path, name, digest, read.dialect.format, dict(shell.mapping),
                 list(shell.fields_present), cmp, extras, False, np.asarray(read.row_numbers, dtype=np.int64),
                 malformed=len(read.malformed), header=list(read.header), notes=list(read.notes), lines=read.lines,
                 columns={**{fld: i for i, fld in index.items()}, **dict(zip(shell.extras, unmapped, strict=True))})
    if source is not None and source.error is None:
        side.hash_now = source.start_hash
    # the NIK keys made here, on this version's own thread, while the other version may still be being parsed
    side.nik = _nik_facts(side)
    return side


# ----------------------------------------------------------------------------------------------- result
@dataclass
class DiffResult:
    """What changed between two versions. The frames are exactly the output files (NIK masked per settings)."""

    added: pd.DataFrame
    removed: pd.DataFrame
    changed: pd.DataFrame
    moved: pd.DataFrame
    nik_changed: pd.DataFrame
    unmatched: pd.DataFrame
    summary: dict[str, Any]
    #: per old / new row (file order): 0 unchanged, 1 changed, 2 removed/added, 3 nik_changed, 4 unmatched
    old_status: np.ndarray
    new_status: np.ndarray
    by: str = "kelurahan"
    #: whether the raw lines were compared first (:mod:`dpt_tools.lines`); the result is the same either way
    line_first: bool = False

    def frames(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in OUTPUT_FILES}


# ----------------------------------------------------------------------------------------------- matching
@dataclass
class _Nik:
    """NIK facts of one version: the 16-digit key as int64 (-1 if none), validity, repetition."""

    key: np.ndarray
    valid: np.ndarray
    missing: np.ndarray
    repeated: np.ndarray

    @property
    def usable(self) -> np.ndarray:
        return self.valid & ~self.repeated


def _nik_facts(side: _Side) -> _Nik:
    """Validity and the int64 key of every NIK; ``repeated`` is filled in by :func:`_nik_join`."""
    raw = side.cmp["nik"] if "nik" in side.present else None
    if raw is not None and not side.exact:
        key = _plain_keys(raw)
        if key is not None:  # the usual export: every NIK already 16 plain digits, nothing to normalise
            return _Nik(key, np.ones(side.n, dtype=bool), np.zeros(side.n, dtype=bool), np.zeros(side.n, dtype=bool))
    nik = side.full("nik")
    valid = _np_bool(_sixteen_digits(nik))
    missing = ~_np_bool(pc.is_valid(nik))
    key = np.full(side.n, -1, dtype=np.int64)
    if valid.any():
        key[valid] = np.asarray(pc.cast(nik.filter(pa.array(valid)), pa.int64()).to_numpy(), dtype=np.int64)
    return _Nik(key, valid, missing, np.zeros(side.n, dtype=bool))


def _nik_facts_of(side: _Side) -> _Nik:
    """The side's NIK facts (made when it was read, else now), with ``repeated`` fresh for this matching."""
    f = side.nik if side.nik is not None else _nik_facts(side)
    return _Nik(f.key, f.valid, f.missing, np.zeros(side.n, dtype=bool))


def _grouped_keys(ko: np.ndarray, kn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The non-negative keys of both versions (old then new) sorted so that equal keys are neighbours, old before
    new within a key: (index into ``ko ++ kn`` per sorted place, "same key as the place before" per sorted place
    after the first).

    Why not a hash table: each key and its index are packed into one int64 — the key's low bits above, the index in
    the low ``bits`` bits below — and numpy's sort of plain int64 (SIMD, no payload to carry) orders them faster
    than pandas or pyarrow hash them. Two different keys may share their low bits (a 16-digit NIK needs 54 bits):
    that is checked (as many distinct low parts as distinct keys, one more sort of the bare keys: numpy's SIMD sort
    of 2M keys takes less than gathering them), and if it happens the keys are replaced by dense codes (one hash
    pass, same equalities) and packed again."""
    a, total = len(ko), len(ko) + len(kn)
    bits = max(int(total - 1).bit_length(), 1)

    def count_distinct() -> int:  # on another thread, beside the packed sort (numpy sorts without the GIL)
        keys = np.concatenate([ko, kn])
        keys.sort()
        return int(np.count_nonzero(keys[1:] != keys[:-1]))

    with ThreadPoolExecutor(max_workers=1) as aside:
        distinct = aside.submit(count_distinct)
        packed = np.empty(total, dtype=np.int64)
        low = (1 << (63 - bits)) - 1
        np.bitwise_and(ko, low, out=packed[:a])
        np.bitwise_and(kn, low, out=packed[a:])
        at, same = _pack_sort(packed, bits)
        collide = int(np.count_nonzero(~same)) != distinct.result()
    if collide:  # two keys share their low bits: dense codes instead
        enc = pc.dictionary_encode(pa.chunked_array([pa.array(ko), pa.array(kn)], type=pa.int64()))
        packed[:] = pa.chunked_array([c.indices for c in enc.chunks], type=pa.int32()).to_numpy()
        at, same = _pack_sort(packed, bits)
    return at, same


def _pack_sort(packed: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Sort keys (``packed``, below ``2**(63 - bits)``; overwritten) with their indices: see :func:`_grouped_keys`."""
    np.left_shift(packed, bits, out=packed)
    at = np.arange(len(packed), dtype=np.int32 if bits < 31 else np.int64)  # half the fresh memory when it fits
    packed += at
    packed.sort()
    np.bitwise_and(packed, (1 << bits) - 1, out=at)
    np.right_shift(packed, bits, out=packed)
    return at, packed[1:] == packed[:-1]


class _Rows:
    """The positions of every row (0 … n-1) without the array: indexing by positions gives them back."""

    def __getitem__(self, pos: np.ndarray) -> np.ndarray:
        return pos


def _nik_join(o: _Nik, n: _Nik) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One sort of the valid NIKs of both versions (:func:`_grouped_keys`): marks NIKs repeated within their version
    and pairs the NIKs unique in both (old positions increasing). Returns (po, pn, old repeated-in-new, new
    repeated-in-old) where the last two are per row: a usable NIK that the other version holds more than once."""
    all_o, all_n = bool(o.valid.all()), bool(n.valid.all())  # the usual case: positions are the rows themselves
    vo = _Rows() if all_o else np.flatnonzero(o.valid)
    vn = _Rows() if all_n else np.flatnonzero(n.valid)
    ko = o.key if all_o else o.key[vo]
    kn = n.key if all_n else n.key[vn]
    a, b = len(ko), len(kn)
    o_other, n_other = np.zeros(len(o.key), dtype=bool), np.zeros(len(n.key), dtype=bool)
    if not a or not b:  # nothing to pair; a NIK repeated within its version is still marked
        for me, v, k in ((o, vo, ko), (n, vn, kn)):
            at, same = _grouped_keys(k, k[:0])
            twin = at[np.flatnonzero(same)]
            me.repeated[v[np.concatenate([twin, at[np.flatnonzero(same) + 1]])]] = True
        return np.zeros(0, np.int64), np.zeros(0, np.int64), o_other, n_other
    at, same = _grouped_keys(ko, kn)
    first, second = at[:-1][same], at[1:][same]  # the two places of each key that is held more than once
    if (first < a).all() and (second >= a).all() and not (same[1:] & same[:-1]).any():
        # the usual case: every key at most twice, and then once per version — no NIK repeated anywhere
        partner = first, second - a
    else:  # counts per key (a run of equal keys: its olds first); only keys held twice by a version are spelt out
        starts = np.flatnonzero(np.concatenate([[True], ~same]))
        size = np.diff(np.append(starts, a + b))
        olds = np.add.reduceat((at < a).view(np.uint8), starts, dtype=np.int64)
        news = size - olds
        one = starts[(olds == 1) & (news == 1)]  # one old then one new
        partner = at[one], at[one + 1] - a
        bad = (olds > 1) | (news > 1)
        b_start, b_size, b_olds, b_news = starts[bad], size[bad], olds[bad], news[bad]
        ends = np.cumsum(b_size)
        place = np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(b_start - (ends - b_size), b_size)
        who = at[place]
        here_o, here_n = np.repeat(b_olds, b_size), np.repeat(b_news, b_size)
        is_o = who < a
        o.repeated[vo[who[is_o & (here_o > 1)]]] = True
        n.repeated[vn[who[~is_o & (here_n > 1)] - a]] = True
        o_other[vo[who[is_o & (here_o == 1)]]] = True  # the key is bad, so the other version holds it twice
        n_other[vn[who[~is_o & (here_n == 1)] - a]] = True
    mate = np.full(a, -1, dtype=at.dtype)  # pairs in old order: a scatter, not a sort
    mate[partner[0]] = partner[1]
    paired = np.flatnonzero(mate >= 0)
    partner_n = mate[paired].astype(np.int64)
    return paired if all_o else vo[paired], partner_n if all_n else vn[partner_n], o_other, n_other


def _nik_status(me: _Nik, in_other: np.ndarray, matched: np.ndarray) -> np.ndarray:
    if me.valid.all() and not (in_other.any() or me.repeated.any() or me.missing.any()):  # the usual roll
        return np.where(matched, np.int8(NIK_MATCHED), np.int8(NIK_ABSENT))
    status = np.full(len(me.key), NIK_ABSENT, dtype=np.int8)
    status[in_other & ~matched] = NIK_REPEATED_OTHER
    status[me.repeated] = NIK_REPEATED
    status[~me.valid] = NIK_INVALID
    status[me.missing] = NIK_MISSING
    status[matched] = NIK_MATCHED
    return status


def _date_sex(side: _Side, pos: np.ndarray) -> np.ndarray:
    """(birth date, sex) of the rows at ``pos`` as one non-negative int64 ((days + 2**22) * 2 + [sex is P]; any
    year 1–9999 fits); -1 where either is missing or invalid. Rows with the same person key have the same value."""
    if not len(pos):
        return np.zeros(0, dtype=np.int64)
    days = side.days_at(pos)
    sex = _strings(_flat(pc.fill_null(side.at("jenis_kelamin", pos), "")))
    ok = ~np.isnat(days) & ((sex == "L") | (sex == "P"))
    out = (days.astype(np.int64) + (1 << 22)) * 2 + (sex == "P")
    return np.where(ok, out, -1)


#: distinct names from which :func:`_fold_distinct` folds in two halves on two threads
FOLD_SPLIT = 4096


def _fold_distinct(names: pa.Array) -> pa.Array:
    """:func:`~dpt_tools.names.fold_names` of distinct names; many are folded in two halves on two threads (the
    fold is a chain of pyarrow kernels, which release the GIL, applied to each name on its own: the same result)."""
    def fold(part: pa.Array) -> pa.Array:
        return _flat(pa.array(fold_names(part).array, type=_STR))

    half = len(names) // 2
    if len(names) < FOLD_SPLIT:
        return fold(names)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return pa.concat_arrays(list(pool.map(fold, (names.slice(0, half), names.slice(half)))))


def _person_codes(old: _Side, new: _Side, pos_o: np.ndarray, pos_n: np.ndarray, ds_o: np.ndarray,
                  ds_n: np.ndarray) -> np.ndarray:
    """The person key (folded name, birth date, sex) of the old rows at ``pos_o`` then the new rows at ``pos_n``, as
    integer codes: two rows get the same code exactly when their keys are equal; -1 where the folded name is missing
    or empty (no key). ``ds_o``/``ds_n``: :func:`_date_sex` of those rows, all valid (non-negative).

    Why codes and one folding: the names of both versions are folded together, each distinct name once (a person
    left over on both sides usually has the same name in both: folded once, not twice), and the key is a pair of
    small integers instead of a joined string — the same equalities, without formatting dates and joining text."""
    if not len(pos_o) + len(pos_n):
        return np.zeros(0, dtype=np.int64)
    if "nama" not in old.present and "nama" not in new.present:
        return np.full(len(pos_o) + len(pos_n), -1, dtype=np.int64)
    names = pa.concat_arrays([old.at("nama", pos_o), new.at("nama", pos_n)])
    distinct = pc.dictionary_encode(names)  # null names stay null
    folded = _fold_distinct(distinct.dictionary)
    classes = pc.dictionary_encode(folded)  # one number per folded name: equal numbers, equal folded names
    per_name = np.asarray(pc.fill_null(classes.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
    empty = np.flatnonzero(np.asarray(pc.equal(classes.dictionary, "").to_numpy(zero_copy_only=False), dtype=bool))
    per_name[np.isin(per_name, empty)] = -1
    per_name = np.append(per_name, -1)  # the slot of a null name
    name = per_name[np.asarray(pc.fill_null(distinct.indices, len(per_name) - 1).to_numpy(zero_copy_only=False),
                               dtype=np.int64)]
    _, ds = np.unique(np.concatenate([ds_o, ds_n]), return_inverse=True)
    key = name * (int(ds.max()) + 1) + ds
    codes = np.unique(key, return_inverse=True)[1].astype(np.int64)  # equal codes exactly for equal keys
    codes[name < 0] = -1
    return codes


@dataclass
class _Matching:
    po: np.ndarray  # old positions of pairs
    pn: np.ndarray  # new positions of pairs
    how: np.ndarray  # BY_NIK / BY_KEY / BY_KEY_NIK_CHANGED
    old_left: np.ndarray  # old positions not paired
    new_left: np.ndarray
    old_nik_status: np.ndarray  # per old row
    new_nik_status: np.ndarray
    old_reason: np.ndarray  # per left-over old position: index into REASONS, -1 for removed
    new_reason: np.ndarray
    by_nik_old: np.ndarray  # old rows matched by NIK: the first pairs, in increasing old row order


def _match(old: _Side, new: _Side, on_nik_pairs: Callable[[np.ndarray, np.ndarray], None] | None = None) -> _Matching:
    """``on_nik_pairs``: called with the NIK pairs (old, new positions) as soon as they are known, before the
    fallback matching (the line-first comparison starts on them meanwhile)."""
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        o, n = pool.map(_nik_facts_of, (old, new))
    # 1. NIK: keys usable (valid, unique) in both versions, joined on the int64 key
    po1, pn1, o_other, n_other = _nik_join(o, n)
    if on_nik_pairs is not None:
        on_nik_pairs(po1, pn1)
    o_matched = np.zeros(old.n, dtype=bool)
    n_matched = np.zeros(new.n, dtype=bool)
    o_matched[po1] = True
    n_matched[pn1] = True
    o_stat = _nik_status(o, o_other, o_matched)
    n_stat = _nik_status(n, n_other, n_matched)

    # 2. person key among the rows left over on each side, unique on both. Folding names is the costly part, so
    #    it is done only where a key could matter: rows whose (birth date, sex) occurs among the left-over rows of
    #    both versions (a possible pair), or of a row that needs its reason. Any other row keeps no key: it has no
    #    possible partner, its NIK is valid and unique (else it would need a reason), so it is removed / added
    #    whatever its key — and it shares no key with a row that does get one (same key ⇒ same date and sex).
    o_pool, n_pool = np.flatnonzero(~o_matched), np.flatnonzero(~n_matched)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        ds_o, ds_n = pool.map(_date_sex, (old, new), (o_pool, n_pool))
    need = np.union1d(np.intersect1d(ds_o, ds_n),
                      np.concatenate([ds_o[o_stat[o_pool] != NIK_ABSENT], ds_n[n_stat[n_pool] != NIK_ABSENT]]))
    need = need[need >= 0]
    keyed_o, keyed_n = np.isin(ds_o, need), np.isin(ds_n, need)
    codes = np.full(len(o_pool) + len(n_pool), -1, dtype=np.int64)
    codes[np.flatnonzero(np.concatenate([keyed_o, keyed_n]))] = _person_codes(
        old, new, o_pool[keyed_o], n_pool[keyed_n], ds_o[keyed_o], ds_n[keyed_n])
    k = max(int(codes.max()) + 1 if len(codes) else 0, 1)  # at least one slot: codes index it below
    co, cn = codes[:len(o_pool)], codes[len(o_pool):]
    cnt_o = np.bincount(co[co >= 0], minlength=k)
    cnt_n = np.bincount(cn[cn >= 0], minlength=k)
    unique_both = (cnt_o == 1) & (cnt_n == 1)
    new_by_code = np.full(k, -1, dtype=np.int64)
    sel_n = (cn >= 0) & unique_both[np.maximum(cn, 0)]
    new_by_code[cn[sel_n]] = n_pool[sel_n]
    sel_o = (co >= 0) & unique_both[np.maximum(co, 0)]
    po2 = o_pool[sel_o]
    pn2 = new_by_code[co[sel_o]]
    nik_changed = (o_stat[po2] == NIK_ABSENT) & (n_stat[pn2] == NIK_ABSENT)
    how2 = np.where(nik_changed, BY_KEY_NIK_CHANGED, BY_KEY).astype(np.int8)

    # 3. what is left: removed / added (valid unique NIK unknown to the other version) or unmatched with a reason
    def reasons(pool: np.ndarray, c: np.ndarray, same: np.ndarray, other: np.ndarray, paired: np.ndarray,
                stat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        left = ~paired
        pos, c = pool[left], c[left]
        cs = np.where(c >= 0, same[np.maximum(c, 0)], 0)
        ct = np.where(c >= 0, other[np.maximum(c, 0)], 0)
        reason = np.select([c < 0, cs > 1, ct > 1], [0, 1, 2], default=3).astype(np.int8)
        reason[stat[pos] == NIK_ABSENT] = -1
        return pos, reason

    o_left, o_reason = reasons(o_pool, co, cnt_o, cnt_n, sel_o, o_stat)
    n_left, n_reason = reasons(n_pool, cn, cnt_n, cnt_o, sel_n, n_stat)
    return _Matching(
        po=np.concatenate([po1, po2]), pn=np.concatenate([pn1, pn2]),
        how=np.concatenate([np.full(len(po1), BY_NIK, np.int8), how2]),
        old_left=o_left, new_left=n_left, old_nik_status=o_stat, new_nik_status=n_stat,
        old_reason=o_reason, new_reason=n_reason, by_nik_old=o_matched)


# ----------------------------------------------------------------------------------------------- comparing
@dataclass
class _FieldDiff:
    pairs: np.ndarray  # indices into the pair arrays where the field differs
    old: pa.Array  # normalised old values there
    new: pa.Array


def _chunks(arr: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    parts = list(arr.chunks) if isinstance(arr, pa.ChunkedArray) else [arr]
    return [c if c.type == _STR else c.cast(_STR) for c in parts]


def _distinct_share(col: pa.Array | pa.ChunkedArray) -> tuple[int, float]:
    """(distinct values, their share) among a column's first rows: does it repeat a few values (places, codes)?"""
    sample = col.slice(0, SAMPLE_ROWS)
    k = pc.count_distinct(sample, mode="all").as_py() if len(sample) else 0
    return k, k / max(len(sample), 1)


def _one_value(col_o: pa.Array | pa.ChunkedArray, col_n: pa.Array | pa.ChunkedArray) -> bool:
    """True when both columns hold one and the same text in every row: nothing can differ."""
    if not len(col_o) or not len(col_n) or not col_o[0].is_valid:
        return False
    value = col_o[0]
    return all(col.null_count == 0 and pc.all(pc.equal(col, value)).as_py() for col in (col_o, col_n))


@dataclass
class _Prepared:
    """What comparing a field needs before the pairs are known (see :func:`_prepare_field`): computed while the
    versions are being matched. ``how``: "one" (one value everywhere: nothing differs), "dict" (codes per row into
    normalised values, ``same_as`` None when no two codes mean the same), "ids" (int64 keys) or "text"."""

    how: str
    codes_o: np.ndarray | None = None
    codes_n: np.ndarray | None = None
    meaning: pa.Array | None = None
    same_as: np.ndarray | None = None


def _encoded(chunks: list[pa.Array]) -> tuple[np.ndarray, pa.Array]:
    """(int32 code per row, text per code) of string chunks, by one dictionary encoding over all of them (a missing
    value gets a code of its own)."""
    enc = pc.dictionary_encode(pa.chunked_array(chunks, type=_STR), null_encoding="encode")
    if not enc.num_chunks:
        return np.zeros(0, np.int32), pa.array([], type=_STR)
    if len(enc.chunk(0).dictionary) != len(enc.chunk(enc.num_chunks - 1).dictionary):
        enc = enc.unify_dictionaries()  # pragma: no cover - pyarrow gives every chunk the final dictionary
    return pa.chunked_array([c.indices for c in enc.chunks], type=pa.int32()).to_numpy(), enc.chunk(0).dictionary


def _dictionary(old: _Side, new: _Side, fld: str) -> _Prepared:
    """A column that repeats a few values, through one dictionary shared by both versions: the values are hashed
    once, each distinct text is normalised once, and the pairs will compare integer codes (a random gather of
    small integers instead of strings). Exact: two rows get the same code only for the same text, and the same
    normalised code only when their normalised values are equal (two missing values included).

    A column of one-byte values or of numbers written with the same one to three digits (jenis kelamin, status,
    RT/RW, TPS) needs no hashing: :func:`_width_codes` reads each row's code straight from its bytes."""
    width = _width_codes(_chunks(old.cmp[fld]) + _chunks(new.cmp[fld]))
    if width is not None:
        codes, dictionary = width
    else:
        codes, dictionary = _encoded(_chunks(old.cmp[fld]) + _chunks(new.cmp[fld]))
    same_as: np.ndarray | None = None
    if old.exact:  # the values are already normalised
        meaning = dictionary
    else:
        meaning = _flat(norm.iso_dates(norm.dates(dictionary)) if fld == "tanggal_lahir"
                        else normalise_field(fld, dictionary))
        old.coded[fld] = (codes[:old.n], meaning)  # later lookups of normalised values need no normaliser
        new.coded[fld] = (codes[old.n:], meaning)
    key = comparison_key(fld, meaning) if fld in REGION_FIELDS else None if old.exact else meaning
    if key is not None:
        same_as = pc.dictionary_encode(key, null_encoding="encode").indices.to_numpy()
        if not len(same_as) or same_as[-1] == len(same_as) - 1:  # no two texts mean the same: codes compare as is
            same_as = None
    return _Prepared("dict", codes[:old.n], codes[old.n:], meaning, same_as)


#: widths :func:`_width_codes` reads digits of: a code below 10**width
DIGIT_WIDTHS = (2, 3)


def _width_codes(chunks: list[pa.Array]) -> tuple[np.ndarray, pa.Array] | None:
    """(code per row, text per code) of a column whose values all have the same width in bytes, read from the Arrow
    buffers without hashing: one ASCII byte → the byte, or two or three digits → their number, less the smallest
    that occurs (texts: every value from the smallest to the largest that occur, one per code). Equal codes exactly
    for equal texts; a text per code that occurs nowhere costs nothing but its slot. None when the column is not like
    that (missing values, mixed widths, other bytes): it is then hashed."""
    if not sum(len(c) for c in chunks) or any(c.null_count for c in chunks):
        return None
    widths = pc.min_max(pc.binary_length(pa.chunked_array(chunks, type=_STR)))
    width = widths["min"].as_py()
    if width != widths["max"].as_py() or (width != 1 and width not in DIGIT_WIDTHS):
        return None
    data = np.concatenate([  # the values' bytes back to back, chunk after chunk
        np.frombuffer(c.buffers()[2], dtype=np.uint8, count=width * len(c),
                      offset=int(np.frombuffer(c.buffers()[1], dtype=np.int32, count=1, offset=c.offset * 4)[0]))
        for c in chunks if len(c)])
    if width == 1:
        if int(data.max()) >= 0x80:
            return None
        codes = data
    else:
        if int(data.min()) < ord("0") or int(data.max()) > ord("9"):
            return None
        codes = np.multiply(data[0::width], 10 ** (width - 1), dtype=np.uint16)
        for i in range(1, width):
            codes += data[i::width] * np.uint16(10 ** (width - 1 - i))
        codes -= np.uint16(ord("0") * int("1" * width))  # each digit's byte counted its "0" once
    # counted from the smallest value that occurs, so that the texts per code span only the values' range (the
    # tally counts per code: few codes are cheaper)
    low, high = int(codes.min()), int(codes.max())
    codes -= codes.dtype.type(low)
    values = range(low, high + 1)
    texts = [chr(v) for v in values] if width == 1 else [f"{v:0{width}d}" for v in values]
    return codes, pa.array(texts, type=_STR)


def _by_dictionary(prep: _Prepared, po: np.ndarray, pn: np.ndarray) -> _FieldDiff:
    """The pairs whose codes (normalised codes) differ, with both normalised values."""
    assert prep.codes_o is not None and prep.codes_n is not None and prep.meaning is not None
    a, b = prep.codes_o[po], prep.codes_n[pn]
    cand = np.flatnonzero(a != b) if prep.same_as is None else np.flatnonzero(prep.same_as[a] != prep.same_as[b])
    ids = pa.array(np.concatenate([a[cand], b[cand]]).astype(np.int32, copy=False))
    values = _flat(prep.meaning.take(ids))
    return _FieldDiff(cand, values.slice(0, len(cand)), values.slice(len(cand)))


def _plain_ids(side: _Side, fld: str) -> np.ndarray | None:
    """NIK/NKK as int64 when every value is 16 plain digits (then the text is already normalised), else None."""
    return _plain_keys(side.cmp[fld])


def _prepare_field(old: _Side, new: _Side, fld: str) -> _Prepared:
    """The part of comparing ``fld`` that does not depend on the pairs, chosen per column by cost: a shared
    dictionary for columns that repeat a few values (:func:`_dictionary`); int64 keys for a NKK column of plain
    16-digit numbers; otherwise text (the new column, which the pairs gather from, made one contiguous array now)."""
    distinct, share = _distinct_share(old.cmp[fld]) if fld not in ID_FIELDS else (0, 1.0)
    if old.exact == new.exact and distinct and share <= FEW_DISTINCT:
        if distinct == 1 and _one_value(old.cmp[fld], new.cmp[fld]):  # e.g. the provinsi of a kabupaten's roll
            if not old.exact:
                meaning = _flat(norm.iso_dates(norm.dates(old.cmp[fld].slice(0, 1))) if fld == "tanggal_lahir"
                                else normalise_field(fld, old.cmp[fld].slice(0, 1)))
                old.coded[fld] = (np.zeros(old.n, dtype=np.int32), meaning)
                new.coded[fld] = (np.zeros(new.n, dtype=np.int32), meaning)
            return _Prepared("one")
        return _dictionary(old, new, fld)
    if old.exact == new.exact and fld in ID_FIELDS and fld != "nik":
        ko = _plain_ids(old, fld)
        kn = _plain_ids(new, fld) if ko is not None else None
        if ko is not None and kn is not None:
            return _Prepared("ids", ko, kn)
    if fld != "nik":  # the new column is gathered from (made contiguous once); the old one is read in order
        new.raw(fld)
    elif old.lines is not None and new.lines is not None:
        # line by line, the NIKs of the pairs matched otherwise (~10,000 at 1M rows) are gathered from both versions,
        # in random order: from the reader's ~170 chunks that took 0.13 s of wall (a take per chunk), the longest
        # field of the comparison; both columns made contiguous here, beside the matching (16 MB each at 1M rows)
        old.raw(fld)
        new.raw(fld)
    return _Prepared("text")


def _compare_field(old: _Side, new: _Side, po: np.ndarray, pn: np.ndarray, fld: str,
                   first: _Head | None, prep: _Prepared | None = None) -> _FieldDiff:
    """The pairs whose normalised ``fld`` differs, with both values.

    Three exact ways (:func:`_prepare_field`, ``prep`` if already done): codes of a shared dictionary, int64
    keys, or text: the text of the pairs is gathered and compared, and only pairs whose text differs are
    normalised and compared again. ``first``: the pairs that come first, in increasing old row order (the NIK
    matches); their text is compared in old row order (:func:`_head_differs`)."""
    prep = prep or _prepare_field(old, new, fld)
    if prep.how == "one":
        none = pa.array([], type=_STR)
        return _FieldDiff(np.zeros(0, dtype=np.int64), none, none)
    if prep.how == "dict":
        return _by_dictionary(prep, po, pn)
    if prep.how == "ids":
        assert prep.codes_o is not None and prep.codes_n is not None
        cand = np.flatnonzero(prep.codes_o[po] != prep.codes_n[pn])
        return _FieldDiff(cand, old.at(fld, po[cand]), new.at(fld, pn[cand]))
    if old.lines is not None and new.lines is not None:  # a few pairs (their lines differ): text from the lines
        cand = np.flatnonzero(_differs(old.text_at(fld, po), new.text_at(fld, pn)))
    elif old.exact == new.exact:  # equal text (raw or normalised alike) means equal meaning
        k = 0 if first is None else first.k
        # NIK pairs past the NIK matches are few (the fallback matches): taken from the reader's chunks, the
        # columns are never made contiguous (~40 MB at 1M rows); nor is any old column the head is compared on
        col_n = new.cmp[fld] if fld == "nik" else new.raw(fld)
        if fld == "nik" or first is None or not k:  # NIK matches have equal NIKs by definition
            head = np.zeros(0, dtype=np.int64)
        else:
            head = _head_differs(old.cmp[fld], col_n, first)
        col_o = old.raw(fld) if fld != "nik" and (len(po) - k) * SMALL_TAKE > old.n else old.cmp[fld]
        tail = _differs(_take(col_o, po[k:]), _take(col_n, pn[k:])) if k < len(po) else np.zeros(0, dtype=bool)
        cand = np.concatenate([head, k + np.flatnonzero(tail)])
    else:
        cand = np.arange(len(po))
    values: tuple[pa.Array, pa.Array] | None = None  # normalised values of the pairs in cand, once looked up
    if len(cand) and not (old.exact and new.exact):  # the text differs: does the meaning?
        if fld == "tanggal_lahir":
            a, b = old.days_at(po[cand]), new.days_at(pn[cand])
            cand = cand[~((a == b) | (np.isnat(a) & np.isnat(b)))]
        else:
            values = old.at(fld, po[cand]), new.at(fld, pn[cand])
            keep = _differs(*values)
            cand, values = cand[keep], _kept(values, keep)
    if len(cand) and fld in REGION_FIELDS:  # another spelling of the same place is no change
        values = values or (old.at(fld, po[cand]), new.at(fld, pn[cand]))
        keep = _differs(comparison_key(fld, values[0]), comparison_key(fld, values[1]))
        cand, values = cand[keep], _kept(values, keep)
    return _FieldDiff(cand, *(values or (old.at(fld, po[cand]), new.at(fld, pn[cand]))))


def _kept(values: tuple[pa.Array, pa.Array], keep: np.ndarray) -> tuple[pa.Array, pa.Array]:
    mask = pa.array(keep)
    return _flat(values[0].filter(mask)), _flat(values[1].filter(mask))


@dataclass
class _Head:
    """The pairs that come first (the NIK matches: old rows ``po`` increasing, ``first`` marks them per old row) as
    text comparisons want them: per old row the new row of its pair as an Arrow index (0 where it has none)."""

    k: int
    po: np.ndarray
    first: np.ndarray
    index: pa.Array

    @classmethod
    def of(cls, po: np.ndarray, pn: np.ndarray, first: np.ndarray) -> _Head:
        k = int(np.count_nonzero(first))
        at = np.zeros(len(first), dtype=np.int32 if len(first) < 2**31 else np.int64)
        at[po[:k]] = pn[:k]
        return cls(k, po[:k], first, pa.array(at))


def _head_differs(col_o: pa.Array | pa.ChunkedArray, col_n: pa.Array, head: _Head) -> np.ndarray:
    """The first pairs (see :class:`_Head`) whose texts differ, as pair indices. The new values are gathered into
    old row order and compared with the old column as it stands — chunk by chunk as read: the old column is neither
    made contiguous nor filtered (two copies, ~50 MB of fresh memory for the names at 1M rows)."""
    aligned = col_n.take(head.index)
    if isinstance(col_o, pa.ChunkedArray):
        col_o = pa.chunked_array(_chunks(col_o), type=_STR)
    elif col_o.type != _STR:
        col_o = _flat(col_o)
    differ = _differs(col_o, aligned)
    differ &= head.first  # an old row without a NIK pair was compared with new row 0
    return np.searchsorted(head.po, np.flatnonzero(differ))


def _compare(old: _Side, new: _Side, po: np.ndarray, pn: np.ndarray, fields: list[str],
             first: np.ndarray | None = None,
             prepared: dict[str, Future[_Prepared]] | None = None) -> dict[str, _FieldDiff]:
    """Per field, the pairs whose normalised values differ: column by column, two columns at a time (pyarrow
    releases the GIL, so the two cores share the gathers). ``first``: see :func:`_compare_field`; ``prepared``:
    :func:`_prepare_field` of the fields, started earlier (each field waits for its own)."""
    head = None if first is None or not first.any() else _Head.of(po, pn, first)
    early = prepared or {}

    def one(fld: str) -> _FieldDiff:
        return _compare_field(old, new, po, pn, fld, head, early[fld].result() if fld in early else None)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        done = list(pool.map(one, fields))
    return dict(zip(fields, done, strict=True))


def _digits_differ(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Number of differing positions between two columns of 16-digit strings."""
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    x = np.asarray(_strings(a).astype("U16")).view(np.uint32).reshape(len(a), 16)
    y = np.asarray(_strings(b).astype("U16")).view(np.uint32).reshape(len(b), 16)
    return (x != y).sum(axis=1).astype(np.int64)


# ----------------------------------------------------------------------------------------------- the diff
def _records(side: _Side, pos: np.ndarray, settings: Settings) -> pd.DataFrame:
    """Whole records at ``pos`` (file order): row_number, every canonical field normalised, extra columns."""
    pos = np.sort(pos)
    data: dict[str, Any] = {"row_number": side.row_number[pos]}
    for fld in FIELDS:
        vals = side.at(fld, pos)
        if fld in ID_FIELDS:
            vals = _show_id(vals, settings)
        data[fld] = _series(vals)
    for name in side.extras:
        if name not in data:
            data[name] = _series(side.text_at(name, pos))
    frame = pd.DataFrame(data)
    return _mask_ids_in_text_columns(frame) if settings.mask else frame


#: counts read from the old version's rows and from the new version's rows: name → status (None: all rows)
_OLD_COUNTS: dict[str, int | str | None] = {"old": None, "removed": ALONE, "unmatched_old": UNMATCHED,
                                            "moved_out": "moved"}
_NEW_COUNTS: dict[str, int | str | None] = {"new": None, "added": ALONE, "changed": CHANGED, "moved": "moved",
                                            "unchanged": UNCHANGED, "nik_changed": NIK_CHANGED,
                                            "unmatched_new": UNMATCHED}


def _key_codes(side: _Side, fld: str, blank: tuple[str, ...]) -> tuple[np.ndarray, pa.Array]:
    """One grouping key of :func:`_tally`: an integer code per row and the normalised value per code. A column
    compared by dictionary reuses its codes; another is dictionary-encoded as read (each distinct text normalised
    once); a level counted as missing, or absent, is one code with a missing value."""
    if fld in blank or fld not in side.present:
        return np.zeros(side.n, dtype=np.int64), pa.nulls(1, type=_STR)
    if fld in side.coded:
        codes, meaning = side.coded[fld]
        return codes, meaning
    if not side.n:
        return np.zeros(0, dtype=np.int64), pa.nulls(1, type=_STR)
    codes, dictionary = _encoded(_chunks(side.cmp[fld]))
    meaning = dictionary if side.exact else side._normalise(fld, dictionary)
    return codes, _flat(meaning)


#: combinations of key values up to this many are counted by one bincount (else by a sort)
BINCOUNT_SLOTS = 1 << 22


def _count_combinations(columns: list[np.ndarray], radices: list[int]) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct combinations of several integer columns (column i holds values in [0, radices[i])) and how
    many rows hold each: (one array per column, counts), combinations in increasing mixed-radix order."""
    n = len(columns[0])
    if float(np.prod(radices, dtype=np.float64)) >= 2.0**62:  # the combined number would not fit: rows sorted
        if not n:
            return [np.zeros(0, dtype=np.int64) for _ in columns], np.zeros(0, dtype=np.int64)
        rows, counts = np.unique(np.stack([np.asarray(c, dtype=np.int64) for c in columns], axis=1), axis=0,
                                 return_counts=True)
        return [rows[:, i] for i in range(len(columns))], counts.astype(np.int64)
    size = int(np.prod(radices, dtype=np.int64))
    # one array, updated in place (each `combined * radix + codes` would be two fresh 8 MB arrays at 1M rows, whose
    # page faults cost more than the arithmetic); 32-bit when every combination fits
    combined = np.zeros(n, dtype=np.int32 if size < 2**31 else np.int64)
    for codes, radix in zip(columns, radices, strict=True):
        np.multiply(combined, radix, out=combined)
        np.add(combined, codes, out=combined, casting="unsafe")
    if size <= max(BINCOUNT_SLOTS, 4 * n):
        counts = np.bincount(combined, minlength=size)
        groups = np.flatnonzero(counts)
        counts = counts[groups]
    else:
        groups, counts = np.unique(combined, return_counts=True)
    digits = []
    for radix in reversed(radices):
        groups, digit = np.divmod(groups, radix)
        digits.append(digit)
    return digits[::-1], counts.astype(np.int64)


#: one row of :func:`_tally`: (region per level, sex, status, moved, number of rows)
_TallyRow = tuple[tuple[str, ...], str, int, bool, int]


def _tally(side: _Side, levels: tuple[str, ...], status: np.ndarray, moved: np.ndarray,
           blank: tuple[str, ...] = ()) -> list[_TallyRow]:
    """Rows of one version per (region levels, sex, status, moved): each key as integer codes (:func:`_key_codes`),
    combined into one number per row and counted (a bincount when the combinations are few, else a sort), then the
    few group keys are turned into normalised text; the caller regroups keys that normalise alike.

    Why not ``Table.group_by``: the counting is a few passes over small integers, and pyarrow's group_by imports
    its query engine (~0.07 s of start-up for every ``dpt diff``). Why plain tuples, not a frame: the few hundred
    combinations are summed in Python (:func:`_count_rows`) in a fraction of what pandas' groupings cost."""
    keys = [_key_codes(side, f, blank) for f in (*levels, "jenis_kelamin")]
    columns = [codes for codes, _ in keys] + [status, moved]
    radices = [max(len(meaning), 1) for _, meaning in keys] + [len(STATUS_NAMES["old"]), 2]
    digits, counts = _count_combinations(columns, radices)
    texts = [_strings(_flat(pc.fill_null(meaning.take(pa.array(digit)), ""))).tolist()
             for (_, meaning), digit in zip(keys, digits, strict=False)]
    sexes = [sx if sx in ("L", "P") else "unknown" for sx in texts[-1]]
    regions = list(zip(*texts[:-1], strict=True))
    return list(zip(regions, sexes, digits[-2].tolist(), (digits[-1] != 0).tolist(), counts.tolist(), strict=True))


def _one_spelling(go: list[_TallyRow], gn: list[_TallyRow], levels: list[str]) -> None:
    """Count each place under one name: where the versions spell a region two ways (``KEL. BACANG``,
    ``BACANG``), both tallies use the spelling that more rows carry (the first in sort order on a tie). In place."""
    for i, lvl in enumerate(levels):
        if lvl not in REGION_FIELDS:
            continue
        totals: dict[str, int] = {}
        for row in (*go, *gn):
            totals[row[0][i]] = totals.get(row[0][i], 0) + row[4]
        if len(totals) < 2:
            continue
        names = sorted(totals)
        keys = _strings(_flat(pc.fill_null(comparison_key(lvl, pa.array(names, type=_STR)), ""))).tolist()
        shown: dict[str, str] = {}
        for j in sorted(range(len(names)), key=lambda j: (keys[j], -totals[names[j]], names[j])):
            shown.setdefault(keys[j], names[j])
        spelling = {name: shown[key] for name, key in zip(names, keys, strict=True)}
        if any(a != b for a, b in spelling.items()):
            for rows in (go, gn):
                rows[:] = [((*r[0][:i], spelling[r[0][i]], *r[0][i + 1:]), *r[1:]) for r in rows]


def _count_rows(go: list[_TallyRow], gn: list[_TallyRow], key: Callable[[_TallyRow], tuple[str, ...]]
                ) -> dict[tuple[str, ...], dict[str, int]]:
    """Every count per value of ``key`` (sorted); old-side counts by the old rows' keys, the rest by the new rows'
    keys; a count no row has is 0."""
    out: dict[tuple[str, ...], dict[str, int]] = {}
    for counts, rows in ((_OLD_COUNTS, go), (_NEW_COUNTS, gn)):
        for row in rows:
            k = key(row)
            totals = out.get(k)
            if totals is None:
                totals = out[k] = dict.fromkeys((*_OLD_COUNTS, *_NEW_COUNTS), 0)
            _, _, st, mv, n = row
            for name, sel in counts.items():
                if sel is None or (mv if sel == "moved" else st == sel):
                    totals[name] += n
    return dict(sorted(out.items()))


def _check_conservation(old: _Side, new: _Side, m: _Matching, o_status: np.ndarray, n_status: np.ndarray,
                        twice: tuple[int, int]) -> None:
    """Every row in exactly one category, pairs one-to-one. A failure is a bug: nothing is written."""
    problems = []
    for side, status, pos, left in ((old, o_status, m.po, m.old_left), (new, n_status, m.pn, m.new_left)):
        if (status < 0).any():
            problems.append(f"{int((status < 0).sum())} {side.label} rows in no category")
        if len(pos) + len(left) != side.n:
            problems.append(f"{side.label}: {len(pos)} paired + {len(left)} left over != {side.n} rows")
        # each row once: all positions in range, and as many distinct ones as rows (one byte a row, no int64 copy)
        seen = np.zeros(side.n, dtype=bool)
        inside = all(not len(p) or (int(p.min()) >= 0 and int(p.max()) < side.n) for p in (pos, left))
        if inside:
            seen[pos] = True
            seen[left] = True
        if not inside or len(pos) + len(left) != side.n or int(np.count_nonzero(seen)) != side.n:
            problems.append(f"{side.label}: a row is counted twice or not at all")
    if twice != (0, 0):
        problems.append("a row was given two categories")
    if problems:
        raise IntegrityError("diff conservation failed: " + "; ".join(problems))


class _Stages:
    """Wall and CPU seconds per stage of one diff, printed to stderr when ``DPT_TIMINGS`` is set (for the
    benchmark's stage breakdown; never part of any output file)."""

    def __init__(self) -> None:
        self.on = bool(os.environ.get("DPT_TIMINGS"))
        self.last = self._now()
        if self.on:
            try:  # the process's age (start-up and imports), from /proc in clock ticks
                with open("/proc/self/stat") as fh, open("/proc/uptime") as up:
                    age = float(up.read().split()[0]) - int(fh.read().rsplit(")", 1)[1].split()[19]) / os.sysconf(
                        "SC_CLK_TCK")
            except (OSError, ValueError, IndexError):
                age = float("nan")
            print(f"dpt diff stage {'start':<16} wall {age:6.3f} s  cpu {self.last[1]:6.3f} s"
                  f"  page faults {self.last[2]:7d}", file=sys.stderr)

    @staticmethod
    def _now() -> tuple[float, float, int]:
        import resource

        return time.perf_counter(), time.process_time(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    def __call__(self, name: str) -> None:
        if self.on:
            now = self._now()
            print(f"dpt diff stage {name:<16} wall {now[0] - self.last[0]:6.3f} s  cpu {now[1] - self.last[1]:6.3f} s"
                  f"  page faults {now[2] - self.last[2]:7d}", file=sys.stderr)
            self.last = now


def _line_first(old: _Side, new: _Side) -> bool:
    """Whether the versions are compared line by line (:mod:`dpt_tools.lines`): both read line-first, with the same
    header bytes and delimiter, hence the same columns mapped alike."""
    a, b = old.lines, new.lines
    return a is not None and b is not None and a.delimiter == b.delimiter and a.head == b.head \
        and old.columns == new.columns


def _ready(value: _Prepared) -> Future[_Prepared]:
    done: Future[_Prepared] = Future()
    done.set_result(value)
    return done


#: old rows whose lines are compared per step (one gather of the new lines, whose memory the next step reuses)
LINE_STEP = 1 << 14  # 4,096: 0.15 CPU-s for 1M pairs, 16,384: 0.11, 32,768: 0.12, 131,072: 0.20


def _lines_differ(old: LineIndex, new: LineIndex, po: np.ndarray, pn: np.ndarray) -> np.ndarray:
    """Per pair, whether its two lines differ in any byte (line ends included). Many pairs: the new lines are
    gathered into old row order a step at a time and compared with the old lines where they lie (one copy, not two;
    the memory of a step is reused by the next), two threads at a time. A few pairs: both lines gathered."""
    lo, ln = old.lines(), new.lines()
    if len(po) * SMALL_TAKE <= old.n:
        return _np_bool(pc.not_equal(lo.take(pa.array(po)), ln.take(pa.array(pn)))) if len(po) else \
            np.zeros(0, dtype=bool)
    mate = np.zeros(old.n, dtype=np.int32 if new.n < 2**31 else np.int64)  # per old row the new row of its pair
    mate[po] = pn
    differ = np.zeros(old.n, dtype=bool)

    def part(i: int) -> None:
        aligned = ln.take(pa.array(mate[i:i + LINE_STEP]))
        differ[i:i + LINE_STEP] = _np_bool(pc.not_equal(lo.slice(i, LINE_STEP), aligned))

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(part, range(0, old.n, LINE_STEP)))
    return differ[po]


def _compare_lines(old: _Side, new: _Side, m: _Matching, fields: list[str],
                   prepared: dict[str, Future[_Prepared]], nik_pairs: Future[np.ndarray]) -> dict[str, _FieldDiff]:
    """Line-first comparison: a pair whose two lines are the same bytes has no field that differs (see
    :mod:`dpt_tools.lines`); the pairs whose lines differ (~4% of a roll's persons) have their lines parsed again
    and every field compared as usual (the key columns by the codes of ``prepared``, the others as text).
    ``nik_pairs``: :func:`_lines_differ` of the NIK pairs (the first pairs), started while the rest was matched."""
    first = nik_pairs.result()
    rest = _lines_differ(old.lines, new.lines, m.po[len(first):], m.pn[len(first):])
    differ = np.flatnonzero(np.concatenate([first, rest]))
    po, pn = m.po[differ], m.pn[differ]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(_Side.materialise, (old, new), (po, pn)))
    how = {fld: prepared.get(fld) or _ready(_Prepared("text")) for fld in fields}
    keyed = np.flatnonzero(m.how[differ] != BY_NIK)
    with ThreadPoolExecutor(max_workers=1) as aside:
        # the NIK only where the pair was not matched on it (a NIK match has the same NIK on both sides), beside the
        # other fields
        nik = aside.submit(_compare_field, old, new, po[keyed], pn[keyed], "nik", None,
                           how["nik"].result()) if "nik" in fields else None
        out = {fld: replace(d, pairs=differ[d.pairs])
               for fld, d in _compare(old, new, po, pn, [f for f in fields if f != "nik"], None, how).items()}
        if nik is not None:
            d = nik.result()
            out["nik"] = replace(d, pairs=differ[keyed[d.pairs]])
    return {fld: out[fld] for fld in fields}


def _diff(old: _Side, new: _Side, settings: Settings, by: str, tick: _Stages | None = None) -> DiffResult:
    tick = tick or _Stages()
    if by not in REGION_LEVELS:
        raise InputError(f"--by must be one of {', '.join(REGION_LEVELS)}, not {by!r}")
    fields = [f for f in FIELDS if f in old.present and f in new.present]
    by_lines = _line_first(old, new)
    if not by_lines:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(_Side.complete, (old, new)))
    # what the comparison can do before the pairs are known runs beside the matching, which leaves a core idle
    records = ThreadPoolExecutor(max_workers=1)
    try:
        with ThreadPoolExecutor(max_workers=THREADS) as early:
            # line by line, only the key columns are prepared (their codes also serve the tallies and the tables)
            prepared = {fld: early.submit(_prepare_field, old, new, fld) for fld in fields
                        if not by_lines or fld in KEY_FIELDS}
            nik_pairs: list[Future[np.ndarray]] = []  # line by line: the NIK pairs' lines compared meanwhile

            def compare_nik_pairs(po: np.ndarray, pn: np.ndarray) -> None:
                assert old.lines is not None and new.lines is not None
                nik_pairs.append(early.submit(_lines_differ, old.lines, new.lines, po, pn))

            m = _match(old, new, compare_nik_pairs if by_lines else None)
            tick("match")
            # whole records and unmatched rows depend only on the matching: built beside the comparison, whose
            # gathers leave the interpreter free
            added = records.submit(_records, new, m.new_left[m.new_reason < 0], settings)
            removed = records.submit(_records, old, m.old_left[m.old_reason < 0], settings)
            unmatched = records.submit(_unmatched, old, new, m, settings)
            diffs = _compare_lines(old, new, m, fields, prepared, nik_pairs[0]) if by_lines else _compare(
                old, new, m.po, m.pn, fields, m.by_nik_old, prepared)
        return replace(_finish(old, new, settings, by, tick, m, diffs, added, removed, unmatched), line_first=by_lines)
    finally:
        records.shutdown(cancel_futures=True)


def _finish(old: _Side, new: _Side, settings: Settings, by: str, tick: _Stages, m: _Matching,
            diffs: dict[str, _FieldDiff], added: Future[pd.DataFrame], removed: Future[pd.DataFrame],
            unmatched: Future[pd.DataFrame]) -> DiffResult:
    """Statuses, the pair tables and the summary, once the fields are compared."""
    for side in (old, new):
        side.hash_now()  # the inputs' sha256, unless already computed as they were read
    tick("compare")
    npairs = len(m.po)
    person = m.how != BY_KEY_NIK_CHANGED
    any_diff = np.zeros(npairs, dtype=bool)
    moved = np.zeros(npairs, dtype=bool)
    for fld, d in diffs.items():
        if fld == "nik":
            continue  # a NIK differs only in a key match: counted below for persons, not for corrected NIKs
        any_diff[d.pairs] = True
        if fld in MOVE_FIELDS:
            moved[d.pairs] = True
    if "nik" in diffs:
        nik_diff = np.zeros(npairs, dtype=bool)
        nik_diff[diffs["nik"].pairs] = True
        any_diff |= nik_diff & person
    # moved: every matched person whose place differs, a NIK correction included (counted in nik_changed, not in
    # changed), so that each region's counts add up and the receiving TPS sees everyone who came
    changed = any_diff & person

    # statuses, each row exactly once
    o_status = np.full(old.n, -1, dtype=np.int8)
    n_status = np.full(new.n, -1, dtype=np.int8)
    pair_status = np.where(changed, np.int8(CHANGED), np.int8(UNCHANGED))  # one byte a pair, no int64 temporaries
    pair_status[~person] = NIK_CHANGED
    o_status[m.po] = pair_status
    n_status[m.pn] = pair_status
    twice = (int((o_status[m.old_left] >= 0).sum()), int((n_status[m.new_left] >= 0).sum()))
    o_status[m.old_left] = np.where(m.old_reason < 0, ALONE, UNMATCHED)
    n_status[m.new_left] = np.where(m.new_reason < 0, ALONE, UNMATCHED)
    _check_conservation(old, new, m, o_status, n_status, twice)
    tick("status")

    # ---- output frames: the summary on a worker, the pair tables beside it
    pool = ThreadPoolExecutor(max_workers=2)
    summarised = pool.submit(_summary, old, new, settings, by, o_status, n_status, m, moved, diffs, person)
    show = settings.mask

    def row_o(sel: np.ndarray) -> np.ndarray:  # row numbers of the pairs a table names (not of every pair)
        return old.row_number[m.po[sel]]

    def row_n(sel: np.ndarray) -> np.ndarray:
        return new.row_number[m.pn[sel]]

    def make_nik_changed() -> pd.DataFrame:
        kc = np.flatnonzero(~person)
        kc = kc[np.argsort(row_o(kc), kind="stable")]
        no, nn = old.at("nik", m.po[kc]), new.at("nik", m.pn[kc])
        digits = _digits_differ(no, nn)
        other = np.full(len(kc), "", dtype=object)
        if len(kc):
            lookup = np.full(npairs, -1, dtype=np.int64)
            lookup[kc] = np.arange(len(kc))
            for fld, d in diffs.items():
                if fld == "nik":
                    continue
                hit = lookup[d.pairs]
                hit = hit[hit >= 0]
                if len(hit):
                    other[hit] = other[hit] + (fld + ";")
            other = pd.Series(other, dtype="str").str.rstrip(";").to_numpy(dtype=object)
        nik_changed_df = pd.DataFrame({
            "nik_old": _series(_show_id(no, settings)), "nik_new": _series(_show_id(nn, settings)),
            "row_old": row_o(kc), "row_new": row_n(kc),
            "relation": pd.Series(np.where(digits <= TYPO_DIGITS, "typo", "new_number"), dtype="str"),
            "digits_differ": digits,
            "nama": _series(new.at("nama", m.pn[kc])), "tanggal_lahir": _series(new.at("tanggal_lahir", m.pn[kc])),
            "jenis_kelamin": _series(new.at("jenis_kelamin", m.pn[kc])),
            "kecamatan": _series(new.at("kecamatan", m.pn[kc])), "kelurahan": _series(new.at("kelurahan", m.pn[kc])),
            "tps": _series(new.at("tps", m.pn[kc])), "other_changes": pd.Series(other, dtype="str"),
        })[list(NIK_CHANGED_COLUMNS)]
        return _mask_ids_in_text_columns(nik_changed_df) if settings.mask else nik_changed_df

    nik_table = pool.submit(make_nik_changed)  # needs no shown NIK: started first

    # the person's NIK as shown (the new version's, else the old one's), made once for every pair a file names
    named = np.zeros(npairs, dtype=bool)
    for d in diffs.values():
        named[d.pairs] = True
    named_at = np.flatnonzero(named & (person | moved))
    named_nik = _show_id(_flat(pc.coalesce(new.at("nik", m.pn[named_at]), old.at("nik", m.po[named_at]))), settings)

    def pair_nik(sel: np.ndarray) -> pa.Array:  # every pair a table names is in named_at (sorted)
        return _take(named_nik, np.searchsorted(named_at, sel))

    def make_moved() -> pd.DataFrame:
        mv = np.flatnonzero(moved)
        mv = mv[np.argsort(row_o(mv), kind="stable")]
        moved_df = pd.DataFrame({
            "nik": _series(pair_nik(mv)), "row_old": row_o(mv), "row_new": row_n(mv),
            "from_kelurahan": _series(old.at("kelurahan", m.po[mv])), "from_tps": _series(old.at("tps", m.po[mv])),
            "to_kelurahan": _series(new.at("kelurahan", m.pn[mv])), "to_tps": _series(new.at("tps", m.pn[mv])),
            "from_kecamatan": _series(old.at("kecamatan", m.po[mv])),
            "to_kecamatan": _series(new.at("kecamatan", m.pn[mv])),
        })[list(MOVED_COLUMNS)]
        return _mask_ids_in_text_columns(moved_df) if settings.mask else moved_df

    # the moved table on a worker too while the changed table is built here
    tables = [pool.submit(make_moved), nik_table]

    sels, ranks, olds, news = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [], []
    for rank, fld in enumerate(FIELDS):
        d = diffs.get(fld)
        if d is None:
            continue
        keep = person[d.pairs]
        if not keep.any():
            continue
        fkeep = pa.array(keep)
        ov, nv = _flat(d.old.filter(fkeep)), _flat(d.new.filter(fkeep))
        if fld in ID_FIELDS and show:
            ov, nv = _mask(ov), _mask(nv)
        sels.append(d.pairs[keep])
        ranks.append(np.full(int(keep.sum()), rank, dtype=np.int64))
        olds.append(ov)
        news.append(nv)
    sel, rank = np.concatenate(sels), np.concatenate(ranks)
    order = np.lexsort((rank, row_o(sel)))  # by old row, then field order
    sel, rank = sel[order], rank[order]
    ids = pa.array(order, type=pa.int64())
    changed_df = pd.DataFrame({
        "nik": _series(pair_nik(sel)), "row_old": row_o(sel), "row_new": row_n(sel),
        "field": pd.Series(np.asarray(FIELDS, dtype=object)[rank], dtype="str"),
        "old": _series(pa.concat_arrays(olds).take(ids) if olds else pa.array([], type=_STR)),
        "new": _series(pa.concat_arrays(news).take(ids) if news else pa.array([], type=_STR)),
    })
    changed_df = changed_df[list(CHANGED_COLUMNS)]
    tick("changed_df")

    try:
        moved_df = tables[0].result()
        tick("moved_df")
        nik_changed_df = tables[1].result()
        tick("nik_changed_df")
        added_df, removed_df, unmatched_df = added.result(), removed.result(), unmatched.result()
        summary = summarised.result()
    finally:
        pool.shutdown(cancel_futures=True)
    tick("records_summary")
    if settings.mask:
        # added, removed, unmatched, moved and nik_changed were masked by the workers that built them
        changed_df = _mask_ids_in_text_columns(changed_df)
    return DiffResult(added_df, removed_df, changed_df, moved_df, nik_changed_df, unmatched_df, summary,
                      o_status, n_status, by)


def _unmatched(old: _Side, new: _Side, m: _Matching, settings: Settings) -> pd.DataFrame:
    frames = []
    reason_txt = np.asarray([t(f"diff_reason_{r}", settings.lang) for r in REASONS], dtype=object)
    status_txt = np.asarray([t(f"diff_nik_{s}", settings.lang) for s in NIK_STATUS], dtype=object)
    for side, left, reason, stat in ((old, m.old_left, m.old_reason, m.old_nik_status),
                                     (new, m.new_left, m.new_reason, m.new_nik_status)):
        keep = reason >= 0
        pos, r = left[keep], reason[keep].astype(np.int64)
        order = np.argsort(side.row_number[pos], kind="stable")
        pos, r = pos[order], r[order]
        s = stat[pos].astype(np.int64)
        frames.append(pd.DataFrame({
            "version": pd.Series([side.label] * len(pos), dtype="str"),
            "row_number": side.row_number[pos],
            "reason": pd.Series(np.asarray(REASONS, dtype=object)[r], dtype="str"),
            "nik_status": pd.Series(np.asarray(NIK_STATUS, dtype=object)[s], dtype="str"),
            "nik": _series(_show_id(side.at("nik", pos), settings)),
            "nama": _series(side.at("nama", pos)), "tanggal_lahir": _series(side.at("tanggal_lahir", pos)),
            "jenis_kelamin": _series(side.at("jenis_kelamin", pos)),
            "kecamatan": _series(side.at("kecamatan", pos)), "kelurahan": _series(side.at("kelurahan", pos)),
            "tps": _series(side.at("tps", pos)),
            "message": pd.Series(status_txt[s] + "; " + reason_txt[r], dtype="str"),
        }))
    out = pd.concat(frames, ignore_index=True)[list(UNMATCHED_COLUMNS)]
    return _mask_ids_in_text_columns(out) if settings.mask else out


def _summary(old: _Side, new: _Side, settings: Settings, by: str, o_status: np.ndarray, n_status: np.ndarray,
             m: _Matching, moved: np.ndarray, diffs: dict[str, _FieldDiff], person: np.ndarray) -> dict[str, Any]:
    moved_o = np.zeros(old.n, dtype=bool)
    moved_n = np.zeros(new.n, dtype=bool)
    moved_o[m.po[moved]] = True
    moved_n[m.pn[moved]] = True
    # counted per status on the one-byte statuses (a bincount would want an int64 copy of each: 8 MB of fresh pages)
    o_bins = [int(np.count_nonzero(o_status == k)) for k in range(5)]
    n_bins = [int(np.count_nonzero(n_status == k)) for k in range(5)]
    counts = {"old": old.n, "new": new.n, "added": int(n_bins[ALONE]), "removed": int(o_bins[ALONE]),
              "changed": int(n_bins[CHANGED]), "moved": int(moved_n.sum()), "unchanged": int(n_bins[UNCHANGED]),
              "nik_changed": int(n_bins[NIK_CHANGED]), "unmatched_old": int(o_bins[UNMATCHED]),
              "unmatched_new": int(n_bins[UNMATCHED])}
    if counts["old"] != counts["unchanged"] + counts["changed"] + counts["removed"] + counts["nik_changed"] + \
            counts["unmatched_old"] or counts["new"] != counts["unchanged"] + counts["changed"] + counts["added"] + \
            counts["nik_changed"] + counts["unmatched_new"]:
        raise IntegrityError(f"diff conservation failed: {counts}")

    levels = list(REGION_LEVELS[by])
    # a level only one version has is not compared, so nobody can be seen to move in it: counted as missing in both
    # versions, or a person would leave the old version's region and arrive nowhere (no region would add up)
    blank = tuple(lvl for lvl in levels if lvl not in diffs)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        go, gn = pool.map(_tally, (old, new), (tuple(levels),) * 2, (o_status, n_status), (moved_o, moved_n),
                          (blank,) * 2)
    _one_spelling(go, gn, levels)
    per_sex = _count_rows(go, gn, lambda row: (row[1],))
    nothing = dict.fromkeys(SUMMARY_KEYS, 0)
    by_sex = {sx: {k: per_sex.get((sx,), nothing)[k] for k in SUMMARY_KEYS} for sx in SEXES}
    split: list[dict[tuple[str, ...], int]] = [{}, {}]  # per version: rows per (regions..., sex)
    for rows, by_place in zip((go, gn), split, strict=True):
        for reg, sx, _, _, n in rows:
            by_place[(*reg, sx)] = by_place.get((*reg, sx), 0) + n
    by_region = []
    for reg, values in _count_rows(go, gn, lambda row: row[0]).items():
        entry: dict[str, Any] = {lvl: _no_full_id(v or None) for lvl, v in zip(levels, reg, strict=True)}
        entry.update({k: values[k] for k in (*SUMMARY_KEYS, "moved_out")})
        entry["old_by_sex"] = {sx: split[0].get((*reg, sx), 0) for sx in SEXES}
        entry["new_by_sex"] = {sx: split[1].get((*reg, sx), 0) for sx in SEXES}
        by_region.append(entry)

    changed_by_field = {f: int(person[d.pairs].sum()) for f, d in diffs.items() if person[d.pairs].any()}
    reasons = {(version, REASONS[r]): int(c) for version, why in (("old", m.old_reason), ("new", m.new_reason))
               for r, c in enumerate(np.bincount(why[why >= 0].astype(np.int64), minlength=len(REASONS))) if c}
    return {
        **counts,
        "old_sha256": old.sha256,
        "new_sha256": new.sha256,
        "tool": "dpt-tools",
        "version": __version__,
        "command": "diff",
        "by": by,
        "inputs": {"old": old.meta(), "new": new.meta()},
        "matched_by_nik": int((m.how == BY_NIK).sum()),
        "matched_by_person_key": int((m.how == BY_KEY).sum()),
        "fields_compared": [f for f in FIELDS if f in diffs],
        "fields_not_compared": [f for f in FIELDS if f not in diffs and (f in old.present or f in new.present)],
        "changed_by_field": changed_by_field,
        "unmatched_by_reason": {f"{v}:{r}": int(c) for (v, r), c in sorted(reasons.items())},
        "by_sex": by_sex,
        "by_region": by_region,
    }


# ----------------------------------------------------------------------------------------------- public API
def diff_rolls(old: Roll, new: Roll, settings: Settings, by: str = "kelurahan") -> DiffResult:
    """Compare two loaded rolls (see the module docs for the matching rules)."""
    return _diff(_side_from_roll(old, "old"), _side_from_roll(new, "new"), settings, by)


def diff_paths(old: str | Path, new: str | Path, settings: Settings, by: str = "kelurahan", *,
               prefetched: dict[str, InputFile] | None = None, line_first: bool = True) -> DiffResult:
    """Read two files and compare them (the library face of ``dpt diff``). Same result as loading both with
    :func:`~dpt_tools.load.load_roll` and calling :func:`diff_rolls`, without normalising what is not needed.
    ``prefetched``: :func:`~dpt_tools.prefetch.prefetch` of the paths, started earlier (the command does so
    before importing the library with :func:`~dpt_tools.load.start_diff_reads`); by default the files are read here.
    ``line_first=False``: never compare raw lines first (the same result, by parsing every column of both files)."""
    if str(old) == "-" and str(new) == "-":
        raise InputError("only one of OLD and NEW can be '-' (standard input)")
    if by not in REGION_LEVELS:
        raise InputError(f"--by must be one of {', '.join(REGION_LEVELS)}, not {by!r}")
    tick = _Stages()
    early = dict(prefetched) if prefetched is not None else start_diff_reads(
        str(old), str(new), settings.column_map, settings.required_headers, line_first=line_first)
    early.update(prefetch((p for p in (str(old), str(new)) if p not in early), keep=False))
    sides: dict[str, _Side] = {}
    errors: dict[str, BaseException] = {}

    def read(label: str, path: str) -> None:
        try:
            sides[label] = _read_side(path, settings, label, prefetched=early.get(path))
        except BaseException as exc:  # re-raised below in argument order
            errors[label] = exc

    # the second file is read beside the first (pyarrow's parser and hashing release the GIL)
    worker = threading.Thread(target=read, args=("new", str(new)), daemon=True)
    if str(new) != "-":
        worker.start()
        read("old", str(old))
        worker.join()
    else:
        read("new", str(new))
        read("old", str(old))
    for source in early.values():
        source.release()
    for label in ("old", "new"):
        if label in errors:
            raise errors[label]
    # a --map header must be in OLD or NEW (two exports may name a column differently, see check_map_headers)
    check_map_headers({sides[lb].path: sides[lb].header for lb in ("old", "new")}, settings.required_headers)
    tick("read")
    return _diff(sides["old"], sides["new"], settings, by, tick)


def write_diff_outputs(result: DiffResult, settings: Settings, out_dir: str | Path, fmt: str,
                       inputs: list[str | Path] | None = None) -> dict[str, Path]:
    """Write the six tables as ``<name>.<fmt>`` and ``summary.json`` into ``out_dir``, all or nothing."""
    if fmt not in ("csv", "parquet"):
        raise InputError(f"--format must be csv or parquet for diff, not {fmt!r}")
    out = Path(out_dir)
    frames = result.frames()
    paths = {name: out / f"{name}.{fmt}" for name in frames} | {"summary": out / "summary.json"}
    stale = [out / f"{name}.{ext}" for name in frames for ext in ("csv", "parquet")]
    # all or nothing, summary.json last as the commit marker; never over an input file
    with atomic_paths(list(paths.values()), inputs=inputs or [], stale=stale) as temps:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:  # pyarrow's writers release the GIL
            list(pool.map(lambda ft: write_frame(ft[0], ft[1], fmt), zip(frames.values(), temps, strict=False)))
        write_json(result.summary, temps[-1], atomic=False)
    return paths
