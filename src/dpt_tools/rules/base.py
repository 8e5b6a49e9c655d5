"""The rule machinery: a :class:`Rule` (stable code, severity, scope, field, messages) and the :class:`Context`
every rule function reads from.

A rule function takes the context and returns :class:`Hits`: the positions of the rows it fires on plus, for the
message, parameter columns aligned with those positions. Row rules look at one record; group rules group by keys
(TPS, NKK, NIK) so they can run per partition. Nothing here loops over rows.
"""

from __future__ import annotations

import datetime as dt
import string
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..bytescan import contains_byte, sixteen_digit_column, string_buffers, valid_mask
from ..bytescan import digits_of_width as byte_digits
from ..config import Settings
from ..load import Roll
from ..nik import DecodedNik, decode_nik
from ..normalize import civil_parts, flat

SEVERITIES = ("error", "warning", "info")
SCOPES = ("row", "group")


@dataclass
class Hits:
    """Where a rule fires: row positions (0-based, into the roll's frame) and per-hit message parameters."""

    positions: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    #: per-hit field name, when one rule covers several fields (rt/rw)
    fields: Any = None
    #: per-hit value to show instead of the raw value of the rule's field
    values: Any = None

    @classmethod
    def from_mask(cls, mask: np.ndarray, **params: Any) -> Hits:
        """Positions where ``mask`` is true; ``params`` given as full-length columns are cut to those rows."""
        pos = np.flatnonzero(np.asarray(mask, dtype=bool))
        return cls(pos, {k: _take(v, pos) for k, v in params.items()})

    @classmethod
    def none(cls) -> Hits:
        return cls(np.array([], dtype=np.int64))


def _take(values: Any, pos: np.ndarray) -> Any:
    if isinstance(values, str | int | float):
        return str(values)  # the same for every hit
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values.take(pa.array(pos, type=pa.int64()))
    if isinstance(values, pd.Series):
        return values.iloc[pos].to_numpy()
    return np.asarray(values)[pos]


@dataclass(frozen=True)
class Rule:
    """One check with a stable code. ``requires`` lists the canonical fields it needs; absent → skipped."""

    code: str
    severity: str
    scope: str
    field: str
    message_id: str
    message_en: str
    meaning: str
    example: str
    check: Callable[[Context], Hits]
    requires: tuple[str, ...] = ()

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_id


class Context:
    """What the rules read: the roll, the election settings and derived columns computed once, on demand."""

    def __init__(self, roll: Roll, settings: Settings, nik_column_numeric: bool | None = None) -> None:
        self.roll = roll
        #: the file-wide verdict "the NIK column went through a number format", when the roll is one part of a file
        self.nik_column_numeric = nik_column_numeric
        self.settings = settings
        self.frame = roll.frame
        self.n = len(roll.frame)
        self.election_day = np.datetime64(settings.election_day, "D")
        self.row_numbers = roll.frame["row_number"].to_numpy()
        self._cols: dict[str, pa.Array] = {}
        self._memo: dict[tuple, Any] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()

    def col(self, name: str) -> pa.Array:
        """A column as a pyarrow string array, converted once per run."""
        arr = self._cols.get(name)
        if arr is None:
            arr = self.roll.columns.get(name)
        if arr is None:
            arr = flat(pa.array(self.frame[name], from_pandas=True))
            if not pa.types.is_string(arr.type):
                arr = pc.cast(arr, pa.string())
            self._cols[name] = arr
        return arr

    def np_str(self, name: str) -> np.ndarray:
        return self.frame[name].to_numpy(dtype=object, na_value=None)

    def isin(self, name: str, values: list[str]) -> np.ndarray:
        arr = self.col(name)
        return np.asarray(pc.fill_null(pc.is_in(arr, value_set=pa.array(values, type=pa.string())), False)
                          .to_numpy(zero_copy_only=False))

    def matches(self, name: str, pattern: str) -> np.ndarray:
        return np.asarray(pc.fill_null(pc.match_substring_regex(self.col(name), pattern), False)
                          .to_numpy(zero_copy_only=False))

    def contains(self, name: str, literal: str) -> np.ndarray:
        """Values holding ``literal`` (a plain substring search, no regex; one ASCII character is looked for in the
        column's bytes, several times cheaper than the substring kernel)."""
        arr = self.col(name)
        if len(literal) == 1 and literal.isascii() and isinstance(arr, pa.Array) and pa.types.is_string(arr.type):
            return contains_byte(arr, literal)
        return np.asarray(pc.fill_null(pc.match_substring(arr, literal), False).to_numpy(zero_copy_only=False))

    def matches_at(self, name: str, pattern: str, rows: np.ndarray) -> np.ndarray:
        """``matches`` evaluated on the rows where ``rows`` is True only (False elsewhere): the regex for the few
        values a byte test could not decide."""
        out = np.zeros(self.n, dtype=bool)
        at = np.flatnonzero(rows)
        if len(at):
            part = self.col(name).take(pa.array(at, type=pa.int64()))
            out[at] = np.asarray(pc.fill_null(pc.match_substring_regex(part, pattern), False)
                                 .to_numpy(zero_copy_only=False))
        return out

    def digits(self, name: str, width: int) -> np.ndarray:
        """Values of exactly ``width`` ASCII digits (what ``^[0-9]{width}$`` matches, without a regex)."""
        if width == 16:
            return self.id_numbers(name)[0]
        arr = self.col(name)
        if isinstance(arr, pa.Array) and pa.types.is_string(arr.type):
            return byte_digits(arr, width)  # one scan of the bytes instead of two kernels over a million values
        return digits_of_width(arr, width)

    def id_numbers(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(exactly 16 ASCII digits, the value as an int64 where so, else -1) of an NKK/NIK column, read once from
        the column's bytes: grouping families by a number is cheaper than by a million strings."""

        def make() -> tuple[np.ndarray, np.ndarray]:
            arr = self.col(name)
            if not (isinstance(arr, pa.Array) and pa.types.is_string(arr.type)):
                arr = pc.cast(flat(arr), pa.string())
            return sixteen_digit_column(arr)

        return self._cached(("id_numbers", name), make)

    def present(self, name: str) -> np.ndarray:
        return self._cached(("present", name), lambda: np.asarray(
            self.col(name).is_valid().to_numpy(zero_copy_only=False)))

    def codes(self, name: str) -> tuple[np.ndarray, int]:
        """A column as dense integer codes (1.., 0 for null) and the number of distinct values, encoded once per
        run: several group rules key on the same columns."""
        return self._cached(("codes", name), lambda: column_codes(self.col(name)))

    def group(self, names: list[str]) -> np.ndarray:
        """:func:`group_ids` of these columns, computed once per run and shared by the rules keyed on them (ids
        numbered 0.. in order of first appearance)."""
        return self._cached(("group", *names), lambda: combine_codes([self.codes(n) for n in names]))

    def cached(self, name: str, make: Callable[[], Any]) -> Any:
        """A derived column shared by several rules, computed once per run under ``name``."""
        return self._cached(("derived", name), make)

    def _cached(self, key: tuple, make: Callable[[], Any]) -> Any:
        # rules run on two threads: the lock makes each shared column be computed once, not twice side by side
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = make()
            return self._memo[key]

    @cached_property
    def masked_nik(self) -> np.ndarray:
        """NIKs published masked (``197104**********``): valid input for name checks, not for NIK checks."""
        return self.contains("nik", "*")

    def prepare(self, pool: Executor | None = None) -> None:
        """Compute the derived columns several rules share, before rules run side by side: the NIK decoding on
        one worker, the other shared columns (ages, key encodings of the group rules) on the other."""

        def nik_columns() -> None:
            _ = self.nik, self.mangled_nik

        def other_columns() -> None:
            for name in ("nik", "nkk", "nama", "jenis_kelamin", "status_kawin", "tps", "kelurahan"):
                self.col(name)
            _ = self.masked_nik, self.age, self.dob_parts
            for name in ("kabupaten_kota", "kecamatan", "kelurahan", "tps"):
                if self.roll.has(name):
                    self.codes(name)

        if pool is None:
            nik_columns()
            other_columns()
            return
        for job in [pool.submit(nik_columns), pool.submit(other_columns)]:
            job.result()

    @cached_property
    def nik_text_marked(self) -> np.ndarray | None:
        """NIK cells a spreadsheet kept as text (a leading apostrophe); None without a NIK column."""
        raw = self.roll.raw.column("nik") if "nik" in self.roll.raw.column_names else None
        if raw is None:
            return None

        def kernel(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
            return np.asarray(pc.fill_null(pc.starts_with(pc.utf8_trim_whitespace(arr), "'"), False)
                              .to_numpy(zero_copy_only=False))

        arr = flat(raw)
        if not pa.types.is_string(arr.type):
            return kernel(arr)
        # by the first byte (no trimmed copy of a million values): an apostrophe marks, anything printable but
        # a space does not; a value starting with a space, a control or a non-ASCII byte is left to the kernel
        offsets, data = string_buffers(arr)
        filled = valid_mask(arr) & (np.diff(offsets) > 0)
        first = np.zeros(len(arr), dtype=np.uint8)
        first[filled] = data[offsets[:-1][filled]]
        marked = filled & (first == ord("'"))
        unsure = np.flatnonzero(filled & ((first <= 0x20) | (first >= 0x7F)))
        if len(unsure):
            marked[unsure] = kernel(arr.take(pa.array(unsure, type=pa.int64())))
        return marked

    @cached_property
    def mangled_nik(self) -> np.ndarray:
        """NIKs that lost digits in a spreadsheet; NIK rules other than ``nik_excel_mangled`` skip them."""
        from .nik_rules import find_mangled

        return find_mangled(self.col("nik"), self.nik.valid_format, self.nik_text_marked, self.nik_column_numeric)

    @cached_property
    def nik(self) -> DecodedNik:
        return decode_nik(self.col("nik"), self.election_day)

    @cached_property
    def dob_parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return date_parts(self.roll.dob)

    @cached_property
    def age(self) -> np.ndarray:
        """Whole years of age on election day (-1 where the birth date is unknown)."""
        return age_on(self.roll.dob, self.settings.election_day, self.dob_parts)


def digits_of_width(arr: pa.Array | pa.ChunkedArray, width: int) -> np.ndarray:
    """Values of exactly ``width`` ASCII digits (null → False)."""
    ok = pc.and_(pc.equal(pc.binary_length(arr), width), pc.ascii_is_decimal(arr))
    return np.asarray(pc.fill_null(ok, False).to_numpy(zero_copy_only=False))


def column_codes(col: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """(codes, number of distinct values): codes 1.. in order of first appearance, 0 for null."""
    enc = flat(pc.dictionary_encode(col))
    idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)).astype(np.int64)
    idx += 1  # in place: one 8 MB array a column, not two
    return idx, len(enc.dictionary)


def combine_codes(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """Dense group ids of combinations of :func:`column_codes` (see :func:`group_ids`)."""
    codes: np.ndarray | None = None
    span = 1  # codes < span: the combined codes stay one mixed-radix int64 while the product of the sizes fits
    for idx, size in parts:
        if codes is None:
            codes, span = idx, size + 1
        elif span * (size + 1) < 2**62:
            codes, span = codes * (size + 1) + idx, span * (size + 1)
        else:  # renumber first (dense, order of first appearance: the final ids are the same either way)
            codes, uniq = pd.factorize(codes)
            codes, span = codes.astype(np.int64) * (size + 1) + idx, (len(uniq) + 1) * (size + 1)
    if codes is None:
        return np.zeros(0, dtype=np.int64)
    return pd.factorize(codes)[0].astype(np.int64)


def repeated(keys: np.ndarray) -> np.ndarray:
    """True where an int64 key occurs more than once (pandas' ``duplicated``, cheaper than numbering all keys)."""
    return pd.Series(keys, copy=False).duplicated(keep=False).to_numpy()


def mixed(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """True where an int64 key occurs with more than one value (rows sorted by key: a key with two values has
    two neighbours that differ)."""
    if len(keys) < 2:
        return np.zeros(len(keys), dtype=bool)
    order = np.argsort(keys)
    k, v = keys[order], values[order]
    same = k[1:] == k[:-1]
    run = np.r_[0, np.cumsum(~same)]  # the key's run in sorted order, 0..
    # a run is mixed where two neighbours inside it differ; the verdict goes back to the rows through the runs
    # (a search of every key in the set of mixed keys cost three times more)
    differs = np.flatnonzero(same & (v[1:] != v[:-1])) + 1
    verdict = np.zeros(int(run[-1]) + 1, dtype=bool)
    verdict[run[differs]] = True
    out = np.empty(len(keys), dtype=bool)
    out[order] = verdict[run]
    return out


def group_ids(columns: list[pa.Array | pa.ChunkedArray]) -> np.ndarray:
    """One dense integer per distinct combination of key columns (null is a value of its own).

    Grouping on integer codes instead of strings keeps cross-row rules fast at millions of rows; the keys stay
    explicit, so a roll split by those keys yields the same groups part by part.
    """
    return combine_codes([column_codes(col) for col in columns])


def join_groups(group: np.ndarray, values: np.ndarray, sep: str = ", ") -> tuple[np.ndarray, pa.Array]:
    """Per distinct group: its values joined in the given order ("001, 004"). Returns (group ids, joined), built
    as one pyarrow list array, with no Python call per group."""
    order = np.argsort(group, kind="stable")
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]]) if len(g) else np.array([], dtype=np.int64)
    offsets = np.r_[starts, len(g)].astype(np.int32)
    items = pa.array(np.asarray(values, dtype=object)[order].astype(str), type=pa.string())
    lists = pa.ListArray.from_arrays(pa.array(offsets), items)
    return g[starts], pc.binary_join(lists, sep)


def others_in_group(group: np.ndarray, rows: np.ndarray, limit: int = 10) -> np.ndarray:
    """For each element, the other rows of its group (at most ``limit``), joined: "12, 4589" — vectorised."""
    n = len(group)
    if n == 0:
        return np.array([], dtype=object)
    order = np.lexsort((rows, group))
    g, r = group[order], rows[order]
    first = np.r_[True, g[1:] != g[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    size = np.bincount(np.cumsum(first) - 1)[np.cumsum(first) - 1]
    m = np.minimum(size, limit + 1)  # candidates per element: enough to still have `limit` after dropping self
    owner = np.repeat(np.arange(n), m)
    idx = np.repeat(start, m) + (np.arange(m.sum()) - np.repeat(np.cumsum(m) - m, m))
    keep = idx != owner
    owner, idx = owner[keep], idx[keep]
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(np.bincount(owner, minlength=n)) -
                                             np.bincount(owner, minlength=n), np.bincount(owner, minlength=n))
    owner, idx = owner[rank < limit], idx[rank < limit]
    counts = np.bincount(owner, minlength=n)
    offsets = np.r_[0, np.cumsum(counts)].astype(np.int32)
    lists = pa.ListArray.from_arrays(pa.array(offsets), pa.array(r[idx].astype(str), type=pa.string()))
    joined = np.asarray(pc.binary_join(lists, ", ").to_numpy(zero_copy_only=False), dtype=object)
    out = np.empty(n, dtype=object)
    out[order] = joined
    return out


def date_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``datetime64[D]`` → (year, month, day) int arrays; -1 for NaT."""
    return civil_parts(days)


def age_on(days: np.ndarray, when: dt.date, parts: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
           ) -> np.ndarray:
    """Completed years on ``when`` (-1 where unknown). Born 29 Feb: a year is completed on 1 Mar. ``parts`` are
    the dates' (year, month, day) when already known."""
    y, m, d = parts if parts is not None else date_parts(days)
    before = (m > when.month) | ((m == when.month) & (d > when.day))
    return np.where(y < 0, -1, when.year - y - before.astype(np.int64))


def render(template: str, params: Mapping[str, Any], n: int) -> pa.Array:
    """Fill a message template for ``n`` hits at once: ``"NIK {nik_date} ≠ {dob}"`` with parameter columns."""
    pieces: list[Any] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            pieces.append(pa.scalar(literal))
        if name is not None:
            value = params[name]
            if isinstance(value, str):
                pieces.append(pa.scalar(value))
                continue
            if isinstance(value, pa.ChunkedArray):
                value = flat(value)
            if not isinstance(value, pa.Array):
                value = pa.array(np.asarray(value, dtype=object), from_pandas=True)
            if not pa.types.is_string(value.type):
                value = pc.cast(value, pa.string())
            pieces.append(value)
    if not any(isinstance(p, pa.Array) for p in pieces):
        return pc.fill_null(pa.nulls(n, type=pa.string()), template)  # no list of n references to one string
    if len(pieces) == 1:
        return pc.fill_null(pieces[0], "")
    return pc.binary_join_element_wise(*pieces, "", null_handling="replace", null_replacement="")
