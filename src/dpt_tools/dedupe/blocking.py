"""Candidate pairs from blocking keys, so that cost grows with the roll and not with its square.

A blocking rule gives every record an integer key (``-1``: no key); records with equal keys form a block and every
pair inside a block becomes a candidate. No block may explode: a block larger than ``cap`` records is split by the
rule's *sub-keys* (e.g. the NIK with one serial digit wildcarded, so that every one-digit typo still meets its
original), and what is still too large after the last sub-key is searched with a sorted neighbourhood (records
sorted by name or NIK, each paired with the next ``window`` records) instead of all pairs. Nothing is dropped.

Everything is numpy: a block's pairs are generated with ``repeat``/``cumsum`` arithmetic, never with a Python loop
over blocks or records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .records import NO_DAY, Records, month_day

DEFAULT_CAP = 60
DEFAULT_WINDOW = 25

KeyFn = Callable[[Records], np.ndarray]


@dataclass(frozen=True)
class BlockingRule:
    """One way of finding candidates: a key, sub-keys for huge blocks, and the order used for windows."""

    name: str
    key: KeyFn
    sub_keys: tuple[KeyFn, ...] = ()
    order: str = "name"  # "name": alphabetical compact name; "nik": the NIK itself
    windowed: bool = True  # search what sub-keys leave too large with a sorted window (False: the sub-keys are exact)
    cap: int | None = None  # largest block taken whole (default: the run's cap); sub-blocks use the run's cap


@dataclass
class BlockStats:
    name: str
    records: int = 0  # records with a key
    blocks: int = 0  # blocks of two or more records
    largest: int = 0  # largest block before splitting
    split: int = 0  # blocks larger than the cap (sub-blocked / windowed)
    windowed: int = 0  # records searched with a sorted window after the last sub-key
    pairs: int = 0  # candidate pairs this rule produced (before removing pairs found by other rules)

    def as_dict(self) -> dict[str, int | str]:
        return dict(self.__dict__)


@dataclass
class Candidates:
    a: np.ndarray  # int64 record index, a < b
    b: np.ndarray
    stats: list[BlockStats] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------------- keys
def _combine(*parts: np.ndarray) -> np.ndarray:
    """One int64 key from several non-negative int arrays; -1 where any part is -1."""
    out = np.zeros(len(parts[0]), dtype=np.int64)
    bad = np.zeros(len(parts[0]), dtype=bool)
    for p in parts:
        p = np.asarray(p, dtype=np.int64)
        bad |= p < 0
        width = int(p.max(initial=0)) + 1
        out = out * width + np.maximum(p, 0)
    out[bad] = -1
    return out


def _day(r: Records) -> np.ndarray:
    return np.where(r.day == NO_DAY, -1, r.day.astype(np.int64) + 100_000)


def _name_attr(r: Records, attr: str) -> np.ndarray:
    table = getattr(r.names, attr)
    return np.where(r.name >= 0, table[np.maximum(r.name, 0)] if len(table) else -1, -1)


def _nik_wild(*positions: int) -> KeyFn:
    """The NIK with the digits at ``positions`` (0-based) replaced by a wildcard."""

    def key(r: Records) -> np.ndarray:
        v = r.nik.copy()
        for p in positions:
            w = 10 ** (15 - p)
            v = v - ((v // w) % 10) * w
        return np.where(r.nik >= 0, v, -1)

    return key


def _name_key(attr: str, extra: Callable[[Records], np.ndarray]) -> KeyFn:
    return lambda r: _combine(_name_attr(r, attr), extra(r))


def _dob_parts(r: Records) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y, m, d = month_day(r.day)
    ok = r.day != NO_DAY
    return np.where(ok, y - 1800, -1), np.where(ok, m, -1), np.where(ok, d, -1)


def _name_ymd(attr: str, parts: str) -> KeyFn:
    """A name key with some of the birth date's year (y), month (m), day (d), or the unordered day/month (s)."""

    def key(r: Records) -> np.ndarray:
        y, m, d = _dob_parts(r)
        pick = {"y": y, "m": m, "d": d, "s": np.where(m >= 0, np.minimum(m, d) * 32 + np.maximum(m, d), -1)}
        return _combine(_name_attr(r, attr), *(pick[c] for c in parts))

    return key


def _nik_swap(p: int) -> KeyFn:
    """The NIK with digits p and p+1 in ascending order: two NIKs that differ by swapping them share this key."""

    def key(r: Records) -> np.ndarray:
        w1, w2 = 10 ** (15 - p), 10 ** (14 - p)
        d1, d2 = (r.nik // w1) % 10, (r.nik // w2) % 10
        lo, hi = np.minimum(d1, d2), np.maximum(d1, d2)
        v = r.nik - d1 * w1 - d2 * w2 + lo * w1 + hi * w2
        return np.where(r.nik >= 0, v, -1)

    return key


def _year_digit(which: str) -> KeyFn:
    def key(r: Records) -> np.ndarray:
        y, _, _ = _dob_parts(r)
        return np.where(y >= 0, y // 10 if which == "decade" else y % 10, -1)

    return key


def _name_code(attr: str) -> KeyFn:
    return lambda r: _name_attr(r, attr)


#: Pairs of adjacent digits of the NIK's region part (0-based). Wildcarding a pair finds every substitution of one of
#: its digits and the swap of the two; these pairs cover every region digit and every adjacent swap inside it. A
#: block that is still large is split exactly: by each digit alone and by the sorted pair (every one-digit typo).
#: Typos in the serial are found by the region+date block below, typos in the birth-date part by the name+date
#: blocks (the birth-date column still agrees).
_NIK_PAIRS = ((0, 1), (2, 3), (4, 5), (1, 2), (3, 4))


def _initial(r: Records) -> np.ndarray:
    """First letter of the compact name (A=0 …), -1 without a name."""
    t = r.names
    if not len(t.rank):
        return np.full(r.n, -1)
    return np.where(r.name >= 0, t.initial[np.maximum(r.name, 0)], -1)


def _alt_name_dob(r: Records) -> np.ndarray:
    """The other reading of an old DJ/TJ (ADITJA → ADITYA) + birth date, kept only for blocks that hold a record
    with such a reading: the modern spelling meets the old one even when every name-based key differs
    (SARWIDJO / SARWIDDJO, ADITJA / ADITYA)."""
    own = np.where(r.name >= 0, r.names.compact[np.maximum(r.name, 0)] if len(r.names.compact) else -1, -1)
    key = _combine(r.name_alt, _day(r))
    has_alt = (r.name_alt != own) & (key >= 0)
    return np.where(np.isin(key, key[has_alt]) & (key >= 0), key, -1)


def _nik_rule(p: int, q: int) -> BlockingRule:
    return BlockingRule(f"nik_typo_{p}_{q}", _nik_wild(p, q), (_nik_wild(p), _nik_wild(q), _nik_swap(p)),
                        order="nik", windowed=False, cap=3)


RULES: tuple[BlockingRule, ...] = (
    BlockingRule("nik", lambda r: np.where(r.nik >= 0, r.nik, -1), order="nik"),
    *(_nik_rule(p, q) for p, q in _NIK_PAIRS),
    # NIK without its serial (region + birth date + sex), sub-blocked by the name's first letter: serial typos and
    # second registrations of one person; twins and neighbours born the same day mostly land in other sub-blocks
    BlockingRule("nik_region_date_initial", lambda r: _combine(np.where(r.nik >= 0, r.nik // 10_000, -1),
                                                               _initial(r)), order="nik", cap=20),
    # same folded name and birth date with one part possibly mistyped; huge blocks (a common name born on a
    # placeholder day) are split by the birth year's decade and last digit: a one-digit year typo keeps one of them
    BlockingRule("name_year_month", _name_ymd("compact", "ym")),
    BlockingRule("name_year_daymonth", _name_ymd("compact", "ys")),
    BlockingRule("name_month_day", _name_ymd("compact", "md"), (_year_digit("decade"), _year_digit("last")),
                 cap=20),
    BlockingRule("sorted_name_dob", _name_key("sorted_tokens", _day)),
    BlockingRule("phonetic_dob", _name_key("phonetic", _day)),
    # a dropped or added middle name keeps the first and last tokens; huge blocks split by the other token
    BlockingRule("first_token_dob", _name_key("first", _day), (_name_code("last"),), cap=20),
    BlockingRule("last_token_dob", _name_key("last", _day), (_name_code("first"),), cap=20),
    BlockingRule("old_spelling_dob", _alt_name_dob),
)


# ----------------------------------------------------------------------------------------------------- pairs
def _run_pairs(s: np.ndarray, start: np.ndarray, window: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs inside runs of a sorted index array ``s`` (``start`` marks each run's first element): all pairs, or
    with ``window`` each element with the next ``window`` elements of its run."""
    if len(s) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    gstart = np.flatnonzero(start)
    gid = np.cumsum(start) - 1
    gsize = np.diff(np.r_[gstart, len(s)])
    rank = np.arange(len(s)) - gstart[gid]
    cnt = gsize[gid] - 1 - rank
    if window is not None:
        cnt = np.minimum(cnt, window)
    total = int(cnt.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    first = np.repeat(np.arange(len(s)), cnt)
    off = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt) + 1
    a, b = s[first], s[first + off]
    return np.minimum(a, b), np.maximum(a, b)


def _runs(key_sorted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(run-start flags, size of each element's run) of a sorted key array."""
    start = np.r_[True, key_sorted[1:] != key_sorted[:-1]] if len(key_sorted) else np.zeros(0, bool)
    gstart = np.flatnonzero(start)
    gsize = np.diff(np.r_[gstart, len(key_sorted)])
    return start, gsize[np.cumsum(start) - 1] if len(key_sorted) else np.zeros(0, np.int64)


def run_rule(r: Records, rule: BlockingRule, cap: int = DEFAULT_CAP, window: int = DEFAULT_WINDOW
             ) -> tuple[np.ndarray, np.ndarray, BlockStats]:
    """Candidate pairs of one rule, with its statistics."""
    st = BlockStats(rule.name)
    key = rule.key(r)
    idx = np.flatnonzero(key >= 0)
    st.records = len(idx)
    if len(idx) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), st
    o = np.argsort(key[idx], kind="stable")
    s, ks = idx[o], key[idx][o]
    start, size = _runs(ks)
    st.blocks = int((start & (size >= 2)).sum())
    st.largest = int(size.max(initial=0))
    block_cap = rule.cap or cap
    st.split = int((start & (size > block_cap)).sum())
    small = (size >= 2) & (size <= block_cap)
    out_a, out_b = [], []
    a, b = _run_pairs(s[small], start[small], None)
    out_a.append(a)
    out_b.append(b)
    big = size > block_cap
    if big.any():
        big_idx, big_key = s[big], ks[big]
        block = np.cumsum(np.r_[True, big_key[1:] != big_key[:-1]])
        order = r.nik if rule.order == "nik" else np.where(
            r.name >= 0, r.names.rank[np.maximum(r.name, 0)] if len(r.names.rank) else 0, -1)
        st.windowed = 0
        levels = [(sub(r)[big_idx], True) for sub in rule.sub_keys] or [(np.zeros(len(big_idx), np.int64), False)]
        for sk, is_sub in levels:  # split huge blocks by each sub-key (or not at all when there is none)
            ok = sk >= 0
            comb = _combine(block, np.where(ok, sk, 0))[ok] if is_sub else block
            sub_idx = big_idx[ok]
            o2 = np.lexsort((sub_idx, order[sub_idx], comb))
            st2, sz2 = _runs(comb[o2])
            keep = (sz2 >= 2) & (sz2 <= cap)
            a, b = _run_pairs(sub_idx[o2][keep], st2[keep], None)
            out_a.append(a)
            out_b.append(b)
            huge = sz2 > cap
            if huge.any() and rule.windowed:  # what is still too large: a sorted neighbourhood
                st.windowed += int(huge.sum())
                a, b = _run_pairs(sub_idx[o2][huge], st2[huge], window)
                out_a.append(a)
                out_b.append(b)
    a, b = np.concatenate(out_a), np.concatenate(out_b)
    st.pairs = len(a)
    return a, b, st


def candidate_pairs(r: Records, rules: tuple[BlockingRule, ...] = RULES, cap: int = DEFAULT_CAP,
                    window: int = DEFAULT_WINDOW) -> Candidates:
    """Distinct candidate pairs (a < b, sorted) from every rule."""
    keys: list[np.ndarray] = []
    stats: list[BlockStats] = []
    n = max(r.n, 1)
    for rule in rules:
        a, b, st = run_rule(r, rule, cap, window)
        keys.append(a * n + b)
        stats.append(st)
    allk = np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
    return Candidates(allk // n, allk % n, stats)
