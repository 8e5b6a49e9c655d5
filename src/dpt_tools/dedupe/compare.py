"""Field-by-field comparison of candidate pairs, vectorised: every function takes arrays of record indices.

Each field becomes a small integer *level* (see the constants) that :mod:`.score` turns into evidence. Text
similarities are computed once per distinct pair of values with rapidfuzz ``process.cpdist`` (all cores), never
per row in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from rapidfuzz import fuzz, process

from ..names import name_similarity, other_token, shortened
from .records import NO_DAY, Records, month_day

# NIK levels
NIK_MISSING, NIK_EXACT, NIK_TYPO_REGION, NIK_TYPO_DATE, NIK_TYPO_SERIAL, NIK_DIFF = range(6)
NIK_LEVELS = ("missing", "exact", "typo_region", "typo_date", "typo_serial", "different")
# name levels (similarity thresholds below); "shortened": one name is the other without a middle name
NAME_MISSING, NAME_EXACT, NAME_HIGH, NAME_MID, NAME_LOW, NAME_DIFF, NAME_SHORTENED = range(7)
NAME_LEVELS = ("missing", "exact", "high", "mid", "low", "different", "shortened")
NAME_HIGH_MIN, NAME_MID_MIN, NAME_LOW_MIN = 0.92, 0.85, 0.75
# birth date levels
DOB_MISSING, DOB_EXACT, DOB_TYPO, DOB_DIFF = range(4)
DOB_LEVELS = ("missing", "exact", "typo", "different")
# sex / birthplace levels
MISSING, AGREE, DIFF = range(3)
PLACE_AGREE_MIN = 0.85
# location levels (the most specific agreement wins)
LOC_MISSING, LOC_NKK, LOC_ADDRESS, LOC_TPS, LOC_KELURAHAN, LOC_OTHER = range(6)
LOC_LEVELS = ("missing", "same_nkk", "same_address", "same_tps", "same_kelurahan", "other_kelurahan")


@dataclass
class Comparison:
    """Levels of every field for pairs (a[i], b[i])."""

    a: np.ndarray
    b: np.ndarray
    nik: np.ndarray  # int8 NIK level
    nik_swap: np.ndarray  # bool: the typo is two adjacent digits swapped
    name: np.ndarray  # int8 name level
    name_sim: np.ndarray  # float32 similarity in [0, 1] (nan: a name missing)
    dob: np.ndarray  # int8
    sex: np.ndarray  # int8
    marital: np.ndarray  # int8
    place: np.ndarray  # int8
    loc: np.ndarray  # int8
    household: np.ndarray  # bool: same family card (or, without NKK, same address)
    twins: np.ndarray  # bool: same household and birth date, NIK not identical, names not identical

    def __len__(self) -> int:
        return len(self.a)

    def take(self, sel: np.ndarray) -> Comparison:
        return Comparison(**{k: v[sel] for k, v in self.__dict__.items()})


# ----------------------------------------------------------------------------------------------------- NIK
def digit_diff(x: np.ndarray, y: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Compare two arrays of ``width``-digit numbers digit by digit.

    Returns (number of differing digits, first differing position, last differing position, swapped) where
    positions are 0-based from the left and ``swapped`` is True when exactly two adjacent digits differ and are
    each other's (``…12…`` vs ``…21…``). Vectorised: one pass per digit position.
    """
    n = len(x)
    count = np.zeros(n, dtype=np.int8)
    first = np.full(n, -1, dtype=np.int8)
    last = np.full(n, -1, dtype=np.int8)
    dx = np.empty((width, n), dtype=np.int8)
    dy = np.empty((width, n), dtype=np.int8)
    for k in range(width):
        w = 10 ** (width - 1 - k)
        dx[k] = (x // w) % 10
        dy[k] = (y // w) % 10
        d = dx[k] != dy[k]
        count += d
        first[(first < 0) & d] = k
        last[d] = k
    swapped = np.zeros(n, dtype=bool)
    two = (count == 2) & (last - first == 1)
    if two.any():
        i = np.flatnonzero(two)
        f, lst = first[i].astype(np.int64), last[i].astype(np.int64)
        swapped[i] = (dx[f, i] == dy[lst, i]) & (dx[lst, i] == dy[f, i])
    return count, first, last, swapped


def compare_nik(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NIK level: exact; one typo (a substituted digit or two adjacent digits swapped) in the region, birth-date or
    serial part; different; or missing (either NIK is not 16 digits)."""
    level = np.full(len(x), NIK_DIFF, dtype=np.int8)
    missing = (x < 0) | (y < 0)
    level[x == y] = NIK_EXACT
    count, first, last, swapped = digit_diff(np.maximum(x, 0), np.maximum(y, 0), 16)
    typo = (count == 1) | swapped
    part = np.where(last < 6, NIK_TYPO_REGION, np.where(first >= 12, NIK_TYPO_SERIAL, NIK_TYPO_DATE))
    level[typo] = part[typo]
    level[missing] = NIK_MISSING
    return level, swapped & ~missing


# ----------------------------------------------------------------------------------------------------- dates
def _ymd_number(days: np.ndarray) -> np.ndarray:
    y, m, d = month_day(days)
    return d * 1_000_000 + m * 10_000 + y  # DDMMYYYY as written on forms


def compare_dob(r: Records, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Birth date level: exact; a plausible typo (day and month swapped, one digit of DDMMYYYY wrong or two adjacent
    digits swapped, or one row's date equals the date encoded in the other row's NIK); different; missing."""
    da, db = r.day[a], r.day[b]
    level = np.full(len(a), DOB_DIFF, dtype=np.int8)
    level[da == db] = DOB_EXACT
    diff = np.flatnonzero(da != db)
    if len(diff):
        xa, xb = da[diff], db[diff]
        ya, ma, ca = month_day(xa)
        yb, mb, cb = month_day(xb)
        swap = (ya == yb) & (ma == cb) & (ca == mb)
        count, _, _, swapped = digit_diff(_ymd_number(xa), _ymd_number(xb), 8)
        other_nik = r.nik[a[diff]] != r.nik[b[diff]]  # one shared NIK encodes one date: no evidence then
        nik = other_nik & ((r.nik_day[a[diff]] == xb) | (r.nik_day[b[diff]] == xa))
        typo = swap | (count == 1) | swapped | nik
        level[diff[typo]] = DOB_TYPO
    level[(da == NO_DAY) | (db == NO_DAY)] = DOB_MISSING
    return level


# ----------------------------------------------------------------------------------------------------- text
def _distinct_pairs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct unordered (x, y) code pairs and, per input pair, the index of its distinct pair."""
    lo, hi = np.minimum(x, y).astype(np.int64), np.maximum(x, y).astype(np.int64)
    width = int(hi.max(initial=0)) + 1
    keys, inv = np.unique(lo * width + hi, return_inverse=True)
    return keys // width, keys % width, inv


def compare_names(r: Records, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(level, similarity) of the folded names; similarity from :func:`dpt_tools.names.name_similarity`, computed
    once per distinct pair of names. Equal folded or compact forms (NUR HAYATI = NURHAYATI), also without the word
    BIN/BINTI (GUNTUR BIN BUDI = GUNTUR BUDI), and the other reading of an old DJ/TJ (ADITJA = ADITYA,
    records.name_alt) are exact."""
    ca, cb = r.name[a], r.name[b]
    sim = np.full(len(a), np.nan, dtype=np.float32)
    level = np.full(len(a), NAME_MISSING, dtype=np.int8)
    present = (ca >= 0) & (cb >= 0)
    t = r.names
    if not len(t.compact):  # no name in any roll (a column left empty): every pair's names are missing
        return level, sim
    xa, xb = np.maximum(ca, 0), np.maximum(cb, 0)
    same = present & ((ca == cb) | (t.compact[xa] == t.compact[xb]) | (t.nobin[xa] == t.nobin[xb]))
    alt_a, alt_b = r.name_alt[a], r.name_alt[b]
    same |= present & ((alt_a == t.compact[xb]) | (t.compact[xa] == alt_b) | (alt_a == alt_b))
    sim[same] = 1.0
    todo = np.flatnonzero(present & ~same)
    if len(todo):
        u, v, inv = _distinct_pairs(ca[todo], cb[todo])
        s = name_similarity(t.folded.take(pa.array(u)), t.folded.take(pa.array(v)))
        sim[todo] = s[inv]
    level[present] = np.select(
        [sim[present] >= 1.0, sim[present] >= NAME_HIGH_MIN, sim[present] >= NAME_MID_MIN,
         sim[present] >= NAME_LOW_MIN], [NAME_EXACT, NAME_HIGH, NAME_MID, NAME_LOW], NAME_DIFF)
    level[same] = NAME_EXACT
    # a similarity of 1.0 that is not an equal folded/compact form (token order, dropped token) is not "exact"
    level[present & ~same & (level == NAME_EXACT)] = NAME_HIGH
    # Another name in one position is another person even when the rest agrees (INDAH SRI KURNIASIH / RIA SRI
    # KURNIASIH, BONG VUN VUN / BONG FUNG VUN): a high/mid pair with such a token goes down to low.
    near = np.flatnonzero(((level == NAME_HIGH) | (level == NAME_MID)) & (t.ntok[xa] == t.ntok[xb]))
    if len(near):
        u, v, inv = _distinct_pairs(ca[near], cb[near])
        other = other_token(t.folded.take(pa.array(u)), t.folded.take(pa.array(v)))
        level[near[other[inv]]] = NAME_LOW
    # a dropped middle name (DEDI DARMADI / DEDI EKO DARMADI) is its own level, whatever the similarity: its
    # evidence is the rarity of the shorter name (score.py), not closeness of spelling
    level[shortened_pairs(r, ca, cb, present & ~same)] = NAME_SHORTENED
    return level, sim


def shortened_pairs(r: Records, ca: np.ndarray, cb: np.ndarray, todo: np.ndarray) -> np.ndarray:
    """Which pairs of name codes (where ``todo``) are one name and the same name without a middle name
    (:func:`dpt_tools.names.shortened`); the token test runs once per distinct pair that passes the cheap code
    tests (token counts differ, same first and same last token)."""
    out = np.zeros(len(ca), dtype=bool)
    t = r.names
    if not len(t.ntok):
        return out
    xa, xb = np.maximum(ca, 0), np.maximum(cb, 0)
    na, nb = t.ntok[xa], t.ntok[xb]
    cand = np.flatnonzero(todo & (na != nb) & (np.minimum(na, nb) >= 2) & (t.first[xa] == t.first[xb])
                          & (t.last[xa] == t.last[xb]))
    if len(cand):
        u, v, inv = _distinct_pairs(ca[cand], cb[cand])
        hit = shortened(t.folded.take(pa.array(u)), t.folded.take(pa.array(v)))
        out[cand] = hit[inv]
    return out


def text_similarity(values: pa.Array, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """fuzz.ratio / 100 of values[x[i]] and values[y[i]], once per distinct pair (codes must be >= 0)."""
    out = np.zeros(len(x))
    if len(x) == 0:
        return out
    u, v, inv = _distinct_pairs(x, y)
    s = process.cpdist(values.take(pa.array(u)).to_pylist(), values.take(pa.array(v)).to_pylist(),
                       scorer=fuzz.ratio, workers=-1, dtype=np.float64)
    return (s / 100.0)[inv]


def compare_place(r: Records, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    pa_, pb_ = r.place[a], r.place[b]
    level = np.full(len(a), DIFF, dtype=np.int8)
    level[pa_ == pb_] = AGREE
    todo = np.flatnonzero((pa_ != pb_) & (pa_ >= 0) & (pb_ >= 0))
    if len(todo):
        close = text_similarity(r.places, pa_[todo], pb_[todo]) >= PLACE_AGREE_MIN
        level[todo[close]] = AGREE
    level[(pa_ < 0) | (pb_ < 0)] = MISSING
    return level


def compare_location(r: Records, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(location level, same household)."""
    nkk = (r.nkk[a] == r.nkk[b]) & (r.nkk[a] >= 0)
    addr = (r.addr[a] == r.addr[b]) & (r.addr[a] >= 0)
    tps = (r.tps[a] == r.tps[b]) & (r.tps[a] >= 0)
    kel_a, kel_b = r.kel[a], r.kel[b]
    same_kel = (kel_a == kel_b) & (kel_a >= 0)
    other = (kel_a != kel_b) & (kel_a >= 0) & (kel_b >= 0)
    level = np.select([nkk, addr, tps, same_kel, other],
                      [LOC_NKK, LOC_ADDRESS, LOC_TPS, LOC_KELURAHAN, LOC_OTHER], LOC_MISSING).astype(np.int8)
    no_nkk = (r.nkk[a] < 0) | (r.nkk[b] < 0)
    household = nkk | (no_nkk & addr)
    return level, household


def compare(r: Records, a: np.ndarray, b: np.ndarray) -> Comparison:
    """Compare every field of the pairs (a[i], b[i])."""
    nik, swap = compare_nik(r.nik[a], r.nik[b])
    name, sim = compare_names(r, a, b)
    dob = compare_dob(r, a, b)
    sa, sb = r.sex[a], r.sex[b]
    sex = np.where((sa == 0) | (sb == 0), MISSING, np.where(sa == sb, AGREE, DIFF)).astype(np.int8)
    ma, mb = r.marital[a], r.marital[b]
    marital = np.where((ma == 0) | (mb == 0), MISSING, np.where(ma == mb, AGREE, DIFF)).astype(np.int8)
    place = compare_place(r, a, b)
    loc, household = compare_location(r, a, b)
    # Twins (and siblings registered with one birth date): one family, one birth date, two NIKs, two names.
    twins = household & (dob == DOB_EXACT) & (nik != NIK_EXACT) & (name != NAME_EXACT)
    return Comparison(a=a, b=b, nik=nik, nik_swap=swap, name=name, name_sim=sim, dob=dob, sex=sex,
                      marital=marital, place=place, loc=loc, household=household, twins=twins)
