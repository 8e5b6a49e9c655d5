"""The records of one or more rolls as integer arrays: the only input blocking, comparing and scoring see.

Every string field is dictionary-encoded once (codes per row, the distinct values on the side), so that the hot
path compares integers; the few comparisons that need text (names, birthplaces) run on the *distinct* pairs of
values. Rows of several rolls are concatenated in command-line order; ``src`` says which roll a record came from.

Missing values are ``-1`` in code and identity arrays and :data:`NO_DAY` in day arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..fields import FIELDS
from ..load import Roll
from ..names import fold_names, name_keys
from ..nik import decode_nik

#: Sentinel for "no date" in arrays of days since 1970-01-01.
NO_DAY = np.iinfo(np.int32).min

#: Dukcapil placeholder birth dates and how much more often they occur than an ordinary day (DPT 2019: 9.8 M born
#: "on 1 July", 5.4 M on 31 December, 2.4 M on 1 January, against ~0.5 M on an ordinary day; the 15th stands for
#: "month known, day not").
PLACEHOLDER_FACTOR: dict[tuple[int, int], float] = {(7, 1): 20.0, (12, 31): 11.0, (1, 1): 5.0}
FIFTEENTH_FACTOR = 1.5
#: Share of voters born on one ordinary day: one day in ~75 birth years.
ORDINARY_DAY_SHARE = 1.0 / (365.25 * 75)


@dataclass
class NameTable:
    """The distinct folded names of the records (index = name code)."""

    folded: pa.Array  # large_string, A-Z and spaces
    compact: np.ndarray  # int code of the name without spaces
    nobin: np.ndarray  # int code of the compact name without the words BIN/BINTI (GUNTUR BIN BUDI = GUNTUR BUDI)
    phonetic: np.ndarray  # int code of names.phonetic_key
    first: np.ndarray  # int code of the first token
    last: np.ndarray  # int code of the last token
    sorted_tokens: np.ndarray  # int code of the tokens in alphabetical order
    ntok: np.ndarray  # tokens in the folded name
    initial: np.ndarray  # code of the first letter of the compact form, -1 if none
    rank: np.ndarray  # alphabetical rank of the compact form (orders huge blocks so that look-alikes are adjacent)
    count: np.ndarray  # rows carrying this folded name
    freq: np.ndarray  # u of an exact name agreement: share of voters with this name (roll or --frequencies table)
    from_table: np.ndarray  # bool: freq came from the --frequencies table


@dataclass
class Records:
    """All rows of the rolls being searched, as aligned arrays (length ``n``)."""

    n: int
    sources: list[str]
    src: np.ndarray  # int16 index into sources
    row: np.ndarray  # int64 row_number in its file
    nik: np.ndarray  # int64, -1 unless a 16-digit NIK
    nik_day: np.ndarray  # int32 birth date encoded in the NIK (NO_DAY when not a date)
    nik_sex: np.ndarray  # int8 0 unknown, 1 L, 2 P (from the NIK day + 40 rule)
    day: np.ndarray  # int32 birth date (column, else the NIK's)
    day_col: np.ndarray  # bool: day comes from the birth-date column
    sex: np.ndarray  # int8 0 unknown, 1 L, 2 P (column, else NIK)
    marital: np.ndarray  # int8 0 unknown, 1 B, 2 S, 3 P
    name: np.ndarray  # int32 folded-name code, -1 missing
    #: int32 code (in the space of ``names.compact``) of the name's other reading of an old DJ/TJ (ADITJA →
    #: ADITYA); the name's own compact code when it has none, -1 missing
    name_alt: np.ndarray
    names: NameTable
    nkk: np.ndarray  # int64, -1 unless 16 digits
    kel: np.ndarray  # int32 kelurahan code, -1 missing
    tps: np.ndarray  # int32 code of (kelurahan, TPS), -1 missing
    addr: np.ndarray  # int32 code of (kelurahan, normalised address), -1 missing
    place: np.ndarray  # int32 birthplace code, -1 missing
    places: pa.Array  # distinct normalised birthplaces
    place_freq: np.ndarray  # share of voters per birthplace code
    day_freq: np.ndarray  # u of an exact birth-date agreement per row (roll count, floored by the placeholder model)
    complete: np.ndarray  # int8: non-empty canonical fields (for `keep`)
    placeholder: np.ndarray  # bool: the birth date is a Dukcapil placeholder (1 Jan, 1 Jul, 31 Dec, 15th)


def _flat(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def _concat(rolls: list[Roll], field: str) -> pa.Array:
    parts = [_flat(r.columns[field]).cast(pa.large_string()) for r in rolls]
    return pa.concat_arrays(parts) if len(parts) > 1 else parts[0]


def _blank_to_null(arr: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(arr)), 0), pa.scalar(None, arr.type), arr)


def encode(arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """(int32 codes with -1 for null/blank, distinct values)."""
    enc = pc.dictionary_encode(_blank_to_null(arr), null_encoding="mask")
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32)
    return codes, enc.dictionary


def factorize(values: pa.Array) -> np.ndarray:
    """int32 code per value of a (small) array of distinct-ish values; nulls → -1."""
    codes, _ = encode(values)
    return codes


def _digits16(arr: pa.Array) -> np.ndarray:
    ok = pc.fill_null(pc.match_substring_regex(arr, r"^[0-9]{16}$"), False)
    vals = pc.if_else(ok, arr, pa.scalar(None, arr.type))
    return pc.fill_null(pc.cast(vals, pa.int64()), -1).to_numpy(zero_copy_only=False)


def _days(d: np.ndarray) -> np.ndarray:
    out = np.full(len(d), NO_DAY, dtype=np.int32)
    ok = ~np.isnat(d)
    out[ok] = d[ok].astype("datetime64[D]").astype(np.int64).astype(np.int32)
    return out


def month_day(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of day numbers (garbage where NO_DAY; mask it yourself)."""
    d = np.where(days == NO_DAY, 0, days).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def placeholder_factor(days: np.ndarray) -> np.ndarray:
    """How many times an ordinary day's share of voters is born on each date (1 for ordinary days)."""
    _, m, d = month_day(days)
    out = np.ones(len(days))
    for (mm, dd), f in PLACEHOLDER_FACTOR.items():
        out[(m == mm) & (d == dd)] = f
    out[(d == 15)] = FIFTEENTH_FACTOR
    out[days == NO_DAY] = 1.0
    return out


def _fold_text(arr: pa.Array) -> pa.Array:
    """Upper case, letters and digits only, single spaces: for birthplace and address comparison."""
    x = pc.utf8_upper(arr)
    x = pc.replace_substring_regex(x, r"[^A-Z0-9]+", " ")
    return pc.utf8_trim_whitespace(x)


def _code_of(arr: pa.Array, values: tuple[str, ...]) -> np.ndarray:
    """1 + index of each value in ``values``; 0 for anything else (unknown)."""
    s = pc.fill_null(arr, "")
    out = np.zeros(len(arr), dtype=np.int8)
    for i, v in enumerate(values):
        out[pc.equal(s, v).to_numpy(zero_copy_only=False)] = i + 1
    return out


def read_frequencies(frame: pd.DataFrame, source: str = "frequencies") -> pd.Series:
    """A ``name``/``frequency`` table → Series of frequency by normalised folded name (validated)."""
    from ..errors import InputError

    cols = {c.strip().lower(): c for c in frame.columns}
    if "name" not in cols or "frequency" not in cols:
        raise InputError(f"{source}: a frequency table needs the columns name and frequency "
                         f"(found {', '.join(map(str, frame.columns)) or 'none'})")
    names = pa.array(frame[cols["name"]].astype(object).where(frame[cols["name"]].notna(), None),
                     type=pa.large_string(), from_pandas=True)
    names = pc.utf8_trim_whitespace(pc.replace_substring_regex(pc.utf8_upper(names), r"\s+", " "))
    freq = pd.to_numeric(frame[cols["frequency"]], errors="coerce").to_numpy(dtype=float)
    if len(freq) and (np.isnan(freq).any() or (freq < 0).any() or (freq > 1).any()):
        raise InputError(f"{source}: frequency must be a share between 0 and 1 on every line")
    out = pd.Series(freq, index=pd.Index(names.to_numpy(zero_copy_only=False), dtype=object), name="frequency")
    out = out[out.index.notna() & (out.index != "")]
    return out.groupby(level=0, sort=False).max()


def _name_table(raw_names: pa.Array, frequencies: pd.Series | None) -> tuple[np.ndarray, np.ndarray, NameTable]:
    """Row → folded-name code, row → compact code of the other reading of an old DJ/TJ (see
    :func:`dpt_tools.names.fold_names`), and the table of distinct folded names with their keys and frequencies."""
    raw_codes, raw_uniq = encode(raw_names)
    keys = name_keys(raw_uniq)  # on the distinct raw spellings only
    folded_u = pa.array(keys["folded"].astype(object).where(keys["folded"].notna(), None).to_numpy(),
                        type=pa.large_string(), from_pandas=True)
    fcode_of_raw, folded = encode(folded_u)  # '' → -1 (a name that folds to nothing is missing)
    if len(fcode_of_raw) == 0:  # no name at all (a column left empty): nothing to look up
        name = np.full(len(raw_codes), -1, dtype=np.int32)
    else:
        name = np.where(raw_codes >= 0, fcode_of_raw[np.maximum(raw_codes, 0)], -1).astype(np.int32)
    nf = len(folded)
    # one representative raw spelling per folded name gives its keys (keys depend on the folded form only)
    rep = np.full(nf, -1, dtype=np.int64)
    valid = fcode_of_raw >= 0
    rep[fcode_of_raw[valid]] = np.flatnonzero(valid)

    def code_of(col: str) -> np.ndarray:
        vals = keys[col].astype(object).to_numpy()[rep] if nf else np.zeros(0, dtype=object)
        return factorize(pa.array(vals, type=pa.large_string(), from_pandas=True)) if nf else np.zeros(0, np.int32)

    ntok = (pc.count_substring(folded, " ").to_numpy(zero_copy_only=False) + 1) if nf else np.zeros(0, np.int64)
    compact_s = pc.replace_substring(folded, " ", "")
    # the other reading of an old DJ/TJ (D/T + Y), only for raw spellings that contain one, coded together with
    # the compact forms so that ADITJA's reading ADITYA meets the modern ADITYA
    has_dj = np.flatnonzero(pc.fill_null(pc.match_substring_regex(pc.utf8_upper(raw_uniq), "DJ|TJ"), False)
                            .to_numpy(zero_copy_only=False)) if len(raw_uniq) else np.zeros(0, np.int64)
    alt_s = fold_names(raw_uniq.take(pa.array(has_dj, type=pa.int64())), old_digraphs=False).str.replace(" ", "")
    alt_arr = pa.array(alt_s.astype(object).where(alt_s.notna() & (alt_s != ""), None).to_numpy(),
                       type=pa.large_string(), from_pandas=True)
    joint = factorize(pa.concat_arrays([compact_s.cast(pa.large_string()), alt_arr])) if nf else \
        np.zeros(len(alt_arr), np.int32)
    compact_codes = joint[:nf]
    raw_alt = np.where(fcode_of_raw >= 0, compact_codes[np.maximum(fcode_of_raw, 0)] if nf else -1, -1)
    alt_codes = joint[nf:]
    ok_alt = (alt_codes >= 0) & (fcode_of_raw[has_dj] >= 0)
    raw_alt[has_dj[ok_alt]] = alt_codes[ok_alt]
    name_alt = np.where(raw_codes >= 0, raw_alt[np.maximum(raw_codes, 0)] if len(raw_alt) else -1, -1)
    initial = factorize(pc.utf8_slice_codeunits(compact_s, 0, 1)) if nf else np.zeros(0, np.int32)
    nobin_s = pc.replace_substring_regex(pc.replace_substring_regex(folded, r" BIN(?:TI)? ", " "), " ", "")
    nobin = factorize(nobin_s) if nf else np.zeros(0, np.int32)
    rank = np.empty(nf, dtype=np.int64)
    rank[pc.sort_indices(compact_s).to_numpy(zero_copy_only=False)] = np.arange(nf)
    count = np.bincount(name[name >= 0], minlength=nf).astype(np.int64)
    total = max(int(count.sum()), 1)
    # u of exact agreement: the share of voters other than the two compared who carry this name ((count-2)/N),
    # at least one voter in N
    freq = np.maximum(count - 2, 1) / total
    from_table = np.zeros(nf, dtype=bool)
    if frequencies is not None and nf and len(frequencies):
        table_names = pa.array(frequencies.index.to_numpy(dtype=object), type=pa.large_string())
        pos = pc.fill_null(pc.index_in(folded, value_set=table_names), -1).to_numpy(zero_copy_only=False)
        looked = np.where(pos >= 0, frequencies.to_numpy(dtype=float)[np.maximum(pos, 0)], np.nan)
        hit = ~np.isnan(looked) & (looked > 0)
        freq[hit] = looked[hit]
        from_table = hit
    table = NameTable(
        folded=folded, compact=compact_codes, nobin=nobin, phonetic=code_of("phonetic"), first=code_of("first_token"),
        last=code_of("last_token"), sorted_tokens=code_of("name_sorted"),
        ntok=ntok.astype(np.int16), initial=initial, rank=rank, count=count, freq=freq,
        from_table=from_table,
    )
    return name, name_alt.astype(np.int32), table


def build_records(rolls: list[Roll], reference: np.datetime64 | str,
                  frequencies: pd.Series | None = None) -> Records:
    """Concatenate and encode the rolls (in the given order)."""
    sizes = [len(r) for r in rolls]
    n = int(sum(sizes))
    src = np.repeat(np.arange(len(rolls), dtype=np.int16), sizes)
    row = np.concatenate([r.frame["row_number"].to_numpy(dtype=np.int64) for r in rolls]) if rolls else \
        np.zeros(0, np.int64)

    nik_s = _concat(rolls, "nik")
    nik = _digits16(nik_s)
    dec = decode_nik(nik_s.cast(pa.string()), reference)
    nik_day = _days(dec.birth_date)
    nik_sex = np.where(dec.valid_format & (dec.month > 0), np.where(dec.female, 2, 1), 0).astype(np.int8)
    nik_sex[nik_day == NO_DAY] = 0
    del dec

    col_day = _days(np.concatenate([r.dob for r in rolls])) if rolls else np.zeros(0, np.int32)
    day_col = col_day != NO_DAY
    day = np.where(day_col, col_day, nik_day).astype(np.int32)
    sex = _code_of(_concat(rolls, "jenis_kelamin"), ("L", "P"))
    sex = np.where(sex > 0, sex, nik_sex).astype(np.int8)
    marital = _code_of(_concat(rolls, "status_kawin"), ("B", "S", "P"))

    name, name_alt, names = _name_table(_concat(rolls, "nama"), frequencies)
    nkk = _digits16(_concat(rolls, "nkk"))

    kel, _ = encode(_concat(rolls, "kelurahan"))
    tps_raw, _ = encode(_concat(rolls, "tps"))
    tps = np.where((kel >= 0) & (tps_raw >= 0), kel.astype(np.int64) * (int(tps_raw.max(initial=0)) + 1) + tps_raw,
                   -1)
    tps = _recode(tps)
    addr_raw, _ = encode(_fold_text(_concat(rolls, "alamat")))
    addr = _recode(np.where((kel >= 0) & (addr_raw >= 0),
                            kel.astype(np.int64) * (int(addr_raw.max(initial=0)) + 1) + addr_raw, -1))
    place, places = encode(_fold_text(_concat(rolls, "tempat_lahir")))
    pcount = np.bincount(place[place >= 0], minlength=len(places))
    place_freq = pcount / max(int(pcount.sum()), 1)

    # birth-date frequency: the share of voters other than the two compared born that day, at least the model
    # share of that date
    valid_day = day != NO_DAY
    day_freq = np.ones(n)
    if valid_day.any():
        uniq, inv, cnt = np.unique(day[valid_day], return_inverse=True, return_counts=True)
        model = ORDINARY_DAY_SHARE * placeholder_factor(uniq.astype(np.int32))
        u = np.maximum((cnt - 2) / max(int(valid_day.sum()), 1), model)
        day_freq[valid_day] = u[inv]
    placeholder = (placeholder_factor(day) > 1) & valid_day

    complete = np.zeros(n, dtype=np.int8)
    for fld in FIELDS:
        col = _concat(rolls, fld)
        filled = pc.fill_null(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(col)), 0), False)
        complete += filled.to_numpy(zero_copy_only=False).astype(np.int8)

    return Records(
        n=n, sources=[r.source for r in rolls], src=src, row=row, nik=nik, nik_day=nik_day, nik_sex=nik_sex,
        day=day, day_col=day_col, sex=sex, marital=marital, name=name, name_alt=name_alt, names=names, nkk=nkk,
        kel=kel,
        tps=tps.astype(np.int32), addr=addr.astype(np.int32), place=place, places=places,
        place_freq=place_freq, day_freq=day_freq,
        complete=complete, placeholder=placeholder,
    )


def _recode(codes: np.ndarray) -> np.ndarray:
    """Dense int32 codes for int64 keys (-1 stays -1)."""
    out = np.full(len(codes), -1, dtype=np.int32)
    ok = codes >= 0
    if ok.any():
        _, inv = np.unique(codes[ok], return_inverse=True)
        out[ok] = inv.astype(np.int32)
    return out
