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

import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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
from .i18n import t
from .load import (
    Hasher,
    Roll,
    build_roll,
    map_headers,
    normalise_field,
    read_csv_strings,
    read_input_bytes,
    read_parquet_strings,
)
from .names import fold_names
from .nik import mask_id
from .output import atomic_paths, write_frame, write_json
from .runtime import use_fast_allocator  # noqa: F401  (re-exported)

# ----------------------------------------------------------------------------------------------- contract
#: ``--by`` → the fields that name a region (a TPS number is only unique inside its kelurahan).
REGION_LEVELS: dict[str, tuple[str, ...]] = {
    "kecamatan": ("kecamatan",),
    "kelurahan": ("kecamatan", "kelurahan"),
    "tps": ("kecamatan", "kelurahan", "tps"),
}
MOVE_FIELDS = ("tps", "kelurahan", "kecamatan")
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


def _take(arr: pa.Array | pa.ChunkedArray, pos: np.ndarray) -> pa.Array:
    return _flat(arr.take(pa.array(pos, type=pa.int64())))


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
    return pd.Series(_strings(arr), dtype="str") if len(arr) else pd.Series([], dtype="str")


def _show_id(arr: pa.Array, settings: Settings) -> pa.Array:
    """NIK/NKK as written to output files: masked (digits 7–12) unless ``--no-mask``."""
    return _flat(mask_id(arr)) if settings.mask else arr


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
    extras: dict[str, pa.Array | pa.ChunkedArray]
    exact: bool
    row_number: np.ndarray
    dob: np.ndarray | None = None
    _full: dict[str, pa.Array] = field(default_factory=dict)

    def _normalise(self, fld: str, values: pa.Array) -> pa.Array:
        if fld == "tanggal_lahir":
            return _flat(norm.iso_dates(norm.dates(values)))
        return _flat(normalise_field(fld, values))

    def full(self, fld: str) -> pa.Array:
        """The whole normalised column (cached)."""
        if fld not in self.present:
            return pa.nulls(self.n, type=_STR)
        if fld not in self._full:
            col = _flat(self.cmp[fld])
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
        return self._normalise(fld, _take(self.cmp[fld], pos))

    def days_at(self, pos: np.ndarray) -> np.ndarray:
        """Birth dates at ``pos`` as ``datetime64[D]`` (NaT where missing or not a date)."""
        if "tanggal_lahir" not in self.present:
            return np.full(len(pos), np.datetime64("NaT"), dtype="datetime64[D]")
        if self.exact and self.dob is not None:
            return self.dob[pos]
        return np.asarray(norm.dates(_take(self.cmp["tanggal_lahir"], pos)), dtype="datetime64[D]")

    @property
    def sha256(self) -> str:
        return self.digest()

    def meta(self) -> dict[str, Any]:
        return {"path": self.path, "format": self.fmt, "rows": self.n, "sha256": self.sha256,
                "columns_mapped": self.mapping, "extra_columns": list(self.extras)}


def _side_from_roll(roll: Roll, label: str) -> _Side:
    cols = {f: roll.columns[f] if f in roll.columns else pa.array(roll.frame[f], type=_STR, from_pandas=True)
            for f in roll.fields_present}
    extras = {e: pa.array(roll.frame[e].astype(object), type=_STR, from_pandas=True) for e in roll.extras}
    return _Side(label, len(roll), roll.path, roll.source, lambda: roll.sha256, roll.dialect.format,
                 dict(roll.mapping),
                 list(roll.fields_present), cols, extras, True, roll.frame["row_number"].to_numpy(np.int64),
                 dob=np.asarray(roll.dob, dtype="datetime64[D]"))


class _FileDigest(threading.Thread):
    """sha256 of an input file, read again in 1 MB blocks (from the page cache; no second copy in memory) in the
    background once it has been parsed: the parse keeps both cores busy, the matching that follows does not.
    A file that changed in between (size or modification time) is an input error, not a wrong digest."""

    def __init__(self, path: str, stat: os.stat_result) -> None:
        super().__init__(daemon=True)
        self.path, self.stat = path, stat
        self.hexdigest = ""
        self.start()

    def run(self) -> None:
        h = hashlib.sha256()
        try:
            with open(self.path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        except OSError:
            return  # reported by __call__
        self.hexdigest = h.hexdigest()

    def __call__(self) -> str:
        self.join()
        try:
            now = os.stat(self.path)
        except OSError:
            now = None
        same = now is not None and (now.st_ino, now.st_size, now.st_mtime_ns) == (
            self.stat.st_ino, self.stat.st_size, self.stat.st_mtime_ns)
        if not same or not self.hexdigest:
            raise InputError(f"{self.path}: the file changed while it was being compared")
        return self.hexdigest


def _read_side(path: str, settings: Settings, label: str, fmt: str | None = None) -> _Side:
    """Read a file as raw text columns without normalising them (that happens on demand)."""
    stat = os.stat(path) if path != "-" and os.path.isfile(path) else None
    data, name = read_input_bytes(path)
    if stat is None:  # standard input: hash what was read
        hasher = Hasher(data)
        hasher.start()
    kind = fmt or ("parquet" if path.lower().endswith((".parquet", ".pq")) else "csv")
    read = read_parquet_strings(data, path) if kind == "parquet" else read_csv_strings(data, path)
    del data
    if stat is None:
        hasher.join()
        digest: Callable[[], str] = lambda: hasher.hexdigest  # noqa: E731
    else:
        digest = _FileDigest(path, stat)
    # the loader's own checks and naming of extra columns, run on zero rows
    shell = build_roll(replace(read, table=read.table.slice(0, 0), row_numbers=read.row_numbers[:0]),
                       source=name, path=path, sha256="", column_map=settings.column_map)
    table = read.table
    index = map_headers(read.header, settings.column_map)
    # kept in the reader's chunks: copying the new version into one chunk makes its random gathers faster, but
    # costs as much as it saves (measured at 1M rows) and adds a copy to the peak memory
    cmp = {fld: table.column(i) for i, fld in index.items()}
    unmapped = [i for i in range(len(read.header)) if i not in index]
    extras = {nm: table.column(i) for nm, i in zip(shell.extras, unmapped, strict=True)}
    return _Side(label, table.num_rows, path, name, digest, read.dialect.format, dict(shell.mapping),
                 list(shell.fields_present), cmp, extras, False, np.asarray(read.row_numbers, dtype=np.int64))


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
    nik = side.full("nik")
    valid = _np_bool(_sixteen_digits(nik))
    missing = ~_np_bool(pc.is_valid(nik))
    key = np.full(side.n, -1, dtype=np.int64)
    if valid.any():
        key[valid] = np.asarray(pc.cast(nik.filter(pa.array(valid)), pa.int64()).to_numpy(), dtype=np.int64)
    repeated = np.zeros(side.n, dtype=bool)
    repeated[valid] = pd.Series(key[valid]).duplicated(keep=False).to_numpy()
    return _Nik(key, valid, missing, repeated)


def _nik_status(me: _Nik, other: _Nik, matched: np.ndarray) -> np.ndarray:
    status = np.full(len(me.key), NIK_ABSENT, dtype=np.int8)
    usable = me.usable
    ask = usable & ~matched  # a matched NIK is in the other version; ask only about the rest
    in_other = np.zeros(len(me.key), dtype=bool)
    in_other[ask] = pd.Series(me.key[ask]).isin(other.key[other.repeated]).to_numpy()
    status[in_other] = NIK_REPEATED_OTHER
    status[me.repeated] = NIK_REPEATED
    status[~me.valid] = NIK_INVALID
    status[me.missing] = NIK_MISSING
    status[matched] = NIK_MATCHED
    return status


def _person_keys(side: _Side, pos: np.ndarray) -> pa.Array:
    """(folded name, birth date, sex) as one string per row at ``pos``; null where a part is missing."""
    if not len(pos):
        return pa.array([], type=_STR)
    folded = pa.array(fold_names(side.at("nama", pos)).array, type=_STR) if "nama" in side.present \
        else pa.nulls(len(pos), _STR)
    folded = pc.if_else(pc.equal(pc.utf8_length(folded), 0), pa.scalar(None, _STR), folded)
    days = side.days_at(pos)
    dob = norm.iso_dates(days)
    sex = side.at("jenis_kelamin", pos)
    sex = pc.if_else(pc.is_in(sex, value_set=pa.array(["L", "P"])), sex, pa.scalar(None, _STR))
    return _flat(pc.binary_join_element_wise(folded, _flat(dob), sex, "|"))


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


def _match(old: _Side, new: _Side) -> _Matching:
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        o, n = pool.map(_nik_facts, (old, new))
    # 1. NIK: keys usable (valid, unique) in both versions, joined on the int64 key
    o_use, n_use = np.flatnonzero(o.usable), np.flatnonzero(n.usable)
    hit = pd.Index(n.key[n_use]).get_indexer(o.key[o_use])
    found = hit >= 0
    po1, pn1 = o_use[found], n_use[hit[found]]
    o_matched = np.zeros(old.n, dtype=bool)
    n_matched = np.zeros(new.n, dtype=bool)
    o_matched[po1] = True
    n_matched[pn1] = True
    o_stat = _nik_status(o, n, o_matched)
    n_stat = _nik_status(n, o, n_matched)

    # 2. person key among the rows left over on each side, unique on both
    o_pool, n_pool = np.flatnonzero(~o_matched), np.flatnonzero(~n_matched)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        keys = pa.concat_arrays(list(pool.map(_person_keys, (old, new), (o_pool, n_pool))))
    codes = np.asarray(pc.fill_null(pc.dictionary_encode(keys).indices, -1).to_numpy(zero_copy_only=False),
                       dtype=np.int64) if len(keys) else np.zeros(0, np.int64)
    k = int(codes.max()) + 1 if len(codes) else 0
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


def _compare_field(old: _Side, new: _Side, po: np.ndarray, pn: np.ndarray, fld: str,
                   first: pa.Array | None) -> _FieldDiff:
    """``first``: mask of the old rows whose pairs come first, in increasing row order (the NIK matches); those
    old values are gathered by a filter, much cheaper than a take."""
    if old.exact == new.exact:  # equal text (raw or normalised alike) means equal meaning
        k = 0 if first is None else first.true_count
        col_o, col_n = old.cmp[fld], new.cmp[fld]
        if fld == "nik" or not k:  # NIK matches have equal NIKs by definition
            head = np.zeros(k, dtype=bool)
        else:
            head = _differs(_flat(col_o.filter(first)), _take(col_n, pn[:k]))
        tail = _differs(_take(col_o, po[k:]), _take(col_n, pn[k:])) if k < len(po) else np.zeros(0, dtype=bool)
        cand = np.flatnonzero(np.concatenate([head, tail]))
    else:
        cand = np.arange(len(po))
    if len(cand) and not (old.exact and new.exact):  # the text differs: does the meaning?
        if fld == "tanggal_lahir":
            a, b = old.days_at(po[cand]), new.days_at(pn[cand])
            cand = cand[~((a == b) | (np.isnat(a) & np.isnat(b)))]
        else:
            cand = cand[_differs(old.at(fld, po[cand]), new.at(fld, pn[cand]))]
    return _FieldDiff(cand, old.at(fld, po[cand]), new.at(fld, pn[cand]))


def _compare(old: _Side, new: _Side, po: np.ndarray, pn: np.ndarray, fields: list[str],
             first: np.ndarray | None = None) -> dict[str, _FieldDiff]:
    """Per field, the pairs whose normalised values differ: column by column, two columns at a time (pyarrow
    releases the GIL, so the two cores share the gathers). ``first``: see :func:`_compare_field`."""
    mask = None if first is None else pa.array(first)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        done = list(pool.map(lambda f: _compare_field(old, new, po, pn, f, mask), fields))
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
    for name, col in side.extras.items():
        if name not in data:
            data[name] = _series(_take(col, pos))
    return pd.DataFrame(data)


#: counts read from the old version's rows and from the new version's rows: name → status (None: all rows)
_OLD_COUNTS: dict[str, int | str | None] = {"old": None, "removed": ALONE, "unmatched_old": UNMATCHED,
                                            "moved_out": "moved"}
_NEW_COUNTS: dict[str, int | str | None] = {"new": None, "added": ALONE, "changed": CHANGED, "moved": "moved",
                                            "unchanged": UNCHANGED, "nik_changed": NIK_CHANGED,
                                            "unmatched_new": UNMATCHED}


def _tally(side: _Side, levels: tuple[str, ...], status: np.ndarray, moved: np.ndarray) -> pd.DataFrame:
    """Rows of one version per (region levels, sex, status, moved): grouped on the text as read (one hash pass),
    then the few group keys are normalised and regrouped by the caller."""
    keys = {f: side.cmp[f] if f in side.present else pa.nulls(side.n, type=_STR) for f in (*levels, "jenis_kelamin")}
    table = pa.table({**keys, "_st": pa.array(status), "_mv": pa.array(moved)})
    grouped = table.group_by(list(table.column_names)).aggregate([([], "count_all")])
    out: dict[str, Any] = {}
    for f in keys:
        col = _flat(grouped.column(f))
        if not side.exact and f in side.present:
            col = side._normalise(f, col)
        out[f] = _strings(_flat(pc.fill_null(col, "")))
    sex = out.pop("jenis_kelamin")
    out["_sex"] = np.where(sex == "L", "L", np.where(sex == "P", "P", "unknown"))
    out["_st"] = grouped.column("_st").to_numpy()
    out["_mv"] = grouped.column("_mv").to_numpy()
    out["_n"] = grouped.column("count_all").to_numpy()
    return pd.DataFrame(out)


def _count_table(go: pd.DataFrame, gn: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Every count per value of ``keys`` (one row each, sorted); old-side counts by the old row's keys, the rest
    by the new row's keys."""
    parts = {}
    for counts, g in ((_OLD_COUNTS, go), (_NEW_COUNTS, gn)):
        for name, sel in counts.items():
            rows = g if sel is None else g[g["_mv"]] if sel == "moved" else g[g["_st"] == sel]
            parts[name] = rows.groupby(keys)["_n"].sum()
    return pd.DataFrame(parts).fillna(0).astype("int64").sort_index()


def _check_conservation(old: _Side, new: _Side, m: _Matching, o_status: np.ndarray, n_status: np.ndarray,
                        twice: tuple[int, int]) -> None:
    """Every row in exactly one category, pairs one-to-one. A failure is a bug: nothing is written."""
    problems = []
    for side, status, pos, left in ((old, o_status, m.po, m.old_left), (new, n_status, m.pn, m.new_left)):
        if (status < 0).any():
            problems.append(f"{int((status < 0).sum())} {side.label} rows in no category")
        if len(pos) + len(left) != side.n:
            problems.append(f"{side.label}: {len(pos)} paired + {len(left)} left over != {side.n} rows")
        seen = np.bincount(np.concatenate([pos, left]).astype(np.int64), minlength=side.n)
        if len(seen) != side.n or (seen != 1).any():
            problems.append(f"{side.label}: a row is counted twice or not at all")
    if twice != (0, 0):
        problems.append("a row was given two categories")
    if problems:
        raise IntegrityError("diff conservation failed: " + "; ".join(problems))


def _diff(old: _Side, new: _Side, settings: Settings, by: str) -> DiffResult:
    if by not in REGION_LEVELS:
        raise InputError(f"--by must be one of {', '.join(REGION_LEVELS)}, not {by!r}")
    m = _match(old, new)
    fields = [f for f in FIELDS if f in old.present and f in new.present]
    diffs = _compare(old, new, m.po, m.pn, fields, m.by_nik_old)
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
    moved &= person
    changed = any_diff & person

    # statuses, each row exactly once
    o_status = np.full(old.n, -1, dtype=np.int8)
    n_status = np.full(new.n, -1, dtype=np.int8)
    pair_status = np.where(person, np.where(changed, CHANGED, UNCHANGED), NIK_CHANGED).astype(np.int8)
    o_status[m.po] = pair_status
    n_status[m.pn] = pair_status
    twice = (int((o_status[m.old_left] >= 0).sum()), int((n_status[m.new_left] >= 0).sum()))
    o_status[m.old_left] = np.where(m.old_reason < 0, ALONE, UNMATCHED)
    n_status[m.new_left] = np.where(m.new_reason < 0, ALONE, UNMATCHED)
    _check_conservation(old, new, m, o_status, n_status, twice)

    # ---- output frames
    show = settings.mask

    def pair_nik(sel: np.ndarray) -> pa.Array:
        """The person's NIK for pairs ``sel``: the new version's, else the old one's."""
        return _flat(pc.coalesce(new.at("nik", m.pn[sel]), old.at("nik", m.po[sel])))

    row_o, row_n = old.row_number[m.po], new.row_number[m.pn]
    field_rank = {f: i for i, f in enumerate(FIELDS)}

    parts = []
    for fld, d in diffs.items():
        keep = person[d.pairs]
        if not keep.any():
            continue
        sel = d.pairs[keep]
        fkeep = pa.array(keep)
        ov, nv = d.old.filter(fkeep), d.new.filter(fkeep)
        if fld in ID_FIELDS and show:
            ov, nv = _flat(mask_id(ov)), _flat(mask_id(nv))
        parts.append(pd.DataFrame({
            "nik": _series(_show_id(pair_nik(sel), settings)), "row_old": row_o[sel], "row_new": row_n[sel],
            "field": pd.Series([fld] * len(sel), dtype="str"), "old": _series(ov), "new": _series(nv),
            "_rank": field_rank[fld],
        }))
    if parts:
        changed_df = pd.concat(parts, ignore_index=True).sort_values(["row_old", "_rank"], kind="stable")
        changed_df = changed_df.drop(columns="_rank").reset_index(drop=True)
    else:
        changed_df = pd.DataFrame({"nik": pd.Series([], dtype="str"), "row_old": pd.Series([], dtype="int64"),
                                   "row_new": pd.Series([], dtype="int64"), "field": pd.Series([], dtype="str"),
                                   "old": pd.Series([], dtype="str"), "new": pd.Series([], dtype="str")})
    changed_df = changed_df[list(CHANGED_COLUMNS)]

    mv = np.flatnonzero(moved)
    mv = mv[np.argsort(row_o[mv], kind="stable")]
    moved_df = pd.DataFrame({
        "nik": _series(_show_id(pair_nik(mv), settings)), "row_old": row_o[mv], "row_new": row_n[mv],
        "from_kelurahan": _series(old.at("kelurahan", m.po[mv])), "from_tps": _series(old.at("tps", m.po[mv])),
        "to_kelurahan": _series(new.at("kelurahan", m.pn[mv])), "to_tps": _series(new.at("tps", m.pn[mv])),
        "from_kecamatan": _series(old.at("kecamatan", m.po[mv])),
        "to_kecamatan": _series(new.at("kecamatan", m.pn[mv])),
    })[list(MOVED_COLUMNS)]

    kc = np.flatnonzero(~person)
    kc = kc[np.argsort(row_o[kc], kind="stable")]
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
        "row_old": row_o[kc], "row_new": row_n[kc],
        "relation": pd.Series(np.where(digits <= TYPO_DIGITS, "typo", "new_number"), dtype="str"),
        "digits_differ": digits,
        "nama": _series(new.at("nama", m.pn[kc])), "tanggal_lahir": _series(new.at("tanggal_lahir", m.pn[kc])),
        "jenis_kelamin": _series(new.at("jenis_kelamin", m.pn[kc])),
        "kecamatan": _series(new.at("kecamatan", m.pn[kc])), "kelurahan": _series(new.at("kelurahan", m.pn[kc])),
        "tps": _series(new.at("tps", m.pn[kc])), "other_changes": pd.Series(other, dtype="str"),
    })[list(NIK_CHANGED_COLUMNS)]

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        added = pool.submit(_records, new, m.new_left[m.new_reason < 0], settings)
        removed = pool.submit(_records, old, m.old_left[m.old_reason < 0], settings)
        unmatched_df = _unmatched(old, new, m, settings)
        added_df, removed_df = added.result(), removed.result()

    summary = _summary(old, new, settings, by, o_status, n_status, m, moved, diffs, person, unmatched_df)
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
    return pd.concat(frames, ignore_index=True)[list(UNMATCHED_COLUMNS)]


def _summary(old: _Side, new: _Side, settings: Settings, by: str, o_status: np.ndarray, n_status: np.ndarray,
             m: _Matching, moved: np.ndarray, diffs: dict[str, _FieldDiff], person: np.ndarray,
             unmatched: pd.DataFrame) -> dict[str, Any]:
    moved_o = np.zeros(old.n, dtype=bool)
    moved_n = np.zeros(new.n, dtype=bool)
    moved_o[m.po[moved]] = True
    moved_n[m.pn[moved]] = True
    o_bins = np.bincount(o_status.astype(np.int64), minlength=5)
    n_bins = np.bincount(n_status.astype(np.int64), minlength=5)
    counts = {"old": old.n, "new": new.n, "added": int(n_bins[ALONE]), "removed": int(o_bins[ALONE]),
              "changed": int(n_bins[CHANGED]), "moved": int(moved_n.sum()), "unchanged": int(n_bins[UNCHANGED]),
              "nik_changed": int(n_bins[NIK_CHANGED]), "unmatched_old": int(o_bins[UNMATCHED]),
              "unmatched_new": int(n_bins[UNMATCHED])}
    if counts["old"] != counts["unchanged"] + counts["changed"] + counts["removed"] + counts["nik_changed"] + \
            counts["unmatched_old"] or counts["new"] != counts["unchanged"] + counts["changed"] + counts["added"] + \
            counts["nik_changed"] + counts["unmatched_new"]:
        raise IntegrityError(f"diff conservation failed: {counts}")

    levels = list(REGION_LEVELS[by])
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        go, gn = pool.map(_tally, (old, new), (tuple(levels),) * 2, (o_status, n_status), (moved_o, moved_n))
    per_sex = _count_table(go, gn, ["_sex"]).reindex(list(SEXES), fill_value=0)
    by_sex = {sx: {k: int(per_sex.loc[sx, k]) for k in SUMMARY_KEYS} for sx in SEXES}
    per_region = _count_table(go, gn, levels)
    split_o = go.groupby([*levels, "_sex"])["_n"].sum()
    split_n = gn.groupby([*levels, "_sex"])["_n"].sum()
    by_region = []
    for reg, row in zip(per_region.index, per_region.itertuples(index=False), strict=True):
        reg = reg if isinstance(reg, tuple) else (reg,)
        entry: dict[str, Any] = {lvl: (v or None) for lvl, v in zip(levels, reg, strict=True)}
        values = row._asdict()
        entry.update({k: int(values[k]) for k in (*SUMMARY_KEYS, "moved_out")})
        entry["old_by_sex"] = {sx: int(split_o.get((*reg, sx), 0)) for sx in SEXES}
        entry["new_by_sex"] = {sx: int(split_n.get((*reg, sx), 0)) for sx in SEXES}
        by_region.append(entry)

    changed_by_field = {f: int(person[d.pairs].sum()) for f, d in diffs.items() if person[d.pairs].any()}
    reasons = unmatched.groupby(["version", "reason"]).size() if len(unmatched) else pd.Series(dtype="int64")
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


def diff_paths(old: str | Path, new: str | Path, settings: Settings, by: str = "kelurahan") -> DiffResult:
    """Read two files and compare them (the library face of ``dpt diff``). Same result as loading both with
    :func:`~dpt_tools.load.load_roll` and calling :func:`diff_rolls`, without normalising what is not needed."""
    if str(old) == "-" and str(new) == "-":
        raise InputError("only one of OLD and NEW can be '-' (standard input)")
    if by not in REGION_LEVELS:
        raise InputError(f"--by must be one of {', '.join(REGION_LEVELS)}, not {by!r}")
    sides: dict[str, _Side] = {}
    errors: dict[str, BaseException] = {}

    def read(label: str, path: str) -> None:
        try:
            sides[label] = _read_side(path, settings, label)
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
    for label in ("old", "new"):
        if label in errors:
            raise errors[label]
    return _diff(sides["old"], sides["new"], settings, by)


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
        for frame, tmp in zip(frames.values(), temps, strict=False):
            write_frame(frame, tmp, fmt)
        write_json(result.summary, temps[-1], atomic=False)
    return paths
