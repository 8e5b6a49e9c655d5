"""Rules on NIK and NKK: structure, spreadsheet damage, region and birth date encoded in the NIK, duplicates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..normalize import is_scientific
from ..regions import known_kecamatan_code
from .base import Context, Hits, others_in_group, repeated

#: Excel keeps 15 significant digits: when at least this share of a column's 16-digit NIKs end in 0 (a serial ends
#: in 0 about one time in ten), the column went through a number format and every NIK ending in 0 lost its digit.
MANGLED_SHARE = 0.5
MANGLED_MIN = 10


def mangled_nik(ctx: Context) -> np.ndarray:
    """Rows whose NIK lost digits in a spreadsheet (computed once per run, see :attr:`Context.mangled_nik`)."""
    return ctx.mangled_nik


def mangled_evidence(nik: pa.Array, sixteen: np.ndarray,
                     text_marked: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(scientific notation, 16 digits ending in 0 in a number cell, numeric 16-digit NIKs, of which end in 0).

    The counts decide :func:`column_went_numeric`; a roll read in parts adds them up over the parts."""
    sci = np.zeros(len(sixteen), dtype=bool)
    rest = np.flatnonzero(~sixteen)  # 16 plain digits are never scientific notation: test the others only
    if len(rest):
        sci[rest] = np.asarray(is_scientific(nik.take(pa.array(rest, type=pa.int64())))
                               .to_numpy(zero_copy_only=False))
    ends0 = sixteen & np.asarray(pc.fill_null(pc.ends_with(nik, "0"), False).to_numpy(zero_copy_only=False))
    numeric = ~text_marked if text_marked is not None else np.ones(len(sixteen), dtype=bool)
    candidates = ends0 & numeric
    return sci, candidates, int((sixteen & numeric).sum()), int(candidates.sum())


def column_went_numeric(n16: int, n_ends0: int) -> bool:
    """A serial ends in 0 about one time in ten: far more often means the column went through a number format."""
    return n16 >= MANGLED_MIN and n_ends0 >= MANGLED_SHARE * n16


def find_mangled(nik: pa.Array, sixteen: np.ndarray, text_marked: np.ndarray | None = None,
                 column_numeric: bool | None = None) -> np.ndarray:
    """Scientific notation, or 16 digits ending in 0 in a column where that ending is far more common than
    chance (the column went through a number format). Cells Excel kept as text (a leading apostrophe) are judged
    apart: a column can be half text, half numbers. ``column_numeric`` overrides the column's own verdict (a roll
    read in parts is judged on the whole file)."""
    sci, candidates, n16, n_ends0 = mangled_evidence(nik, sixteen, text_marked)
    if column_numeric is None:
        column_numeric = column_went_numeric(n16, n_ends0)
    return sci | (candidates if column_numeric else np.zeros_like(candidates))


def nik_format(ctx: Context) -> Hits:
    present = ctx.present("nik") & ~ctx.masked_nik
    missing = ~ctx.present("nik")
    serial0 = ctx.nik.valid_format & (ctx.nik.serial == 0)
    bad = (missing | (present & ~ctx.nik.valid_format) | serial0) & ~mangled_nik(ctx)
    pos = np.flatnonzero(bad)
    why_id = np.where(missing[pos], "kosong", np.where(serial0[pos], "nomor urut 0000", "panjang/isi tidak sah"))
    why_en = np.where(missing[pos], "empty", np.where(serial0[pos], "serial 0000", "wrong length or characters"))
    return Hits(pos, {"why_id": why_id, "why_en": why_en})


def nik_excel_mangled(ctx: Context) -> Hits:
    return Hits.from_mask(mangled_nik(ctx))


def nik_region_unknown(ctx: Context) -> Hits:
    ok = ctx.nik.valid_format & ~mangled_nik(ctx)
    region = ctx.nik.region
    if isinstance(region, pa.DictionaryArray):  # each distinct code looked up once
        known = np.asarray(known_kecamatan_code(region.dictionary).to_numpy(zero_copy_only=False))[
            np.asarray(region.indices)]
    else:
        known = np.asarray(known_kecamatan_code(region).to_numpy(zero_copy_only=False))
    return Hits.from_mask(ok & ~known, region=ctx.nik.region)


def nik_birthdate_invalid(ctx: Context) -> Hits:
    bad = ctx.nik.valid_format & np.isnat(ctx.nik.birth_date) & ~mangled_nik(ctx)
    return Hits.from_mask(bad)


def ddmmyyyy(days: np.ndarray) -> pa.Array:
    """``datetime64[D]`` → ``dd-mm-yyyy`` strings, the way clerks read dates."""
    return pc.strftime(pa.array(days, type=pa.date32(), from_pandas=True), format="%d-%m-%Y")


def nik_birthdate_mismatch(ctx: Context) -> Hits:
    """NIK's DDMMYY vs tanggal_lahir, compared on day, month and the two-digit year (no century guessing)."""
    y, m, d = ctx.dob_parts
    nik = ctx.nik
    comparable = nik.valid_format & ~np.isnat(nik.birth_date) & (y >= 0) & ~mangled_nik(ctx)
    differs = (nik.day != d) | (nik.month != m) | (nik.year2 != y % 100)
    mask = comparable & differs
    pos = np.flatnonzero(mask)
    # name the differing parts, never the NIK's digits: they are the part a masked NIK hides
    dd, mo, yr = (nik.day != d)[pos], (nik.month != m)[pos], (nik.year2 != y % 100)[pos]
    parts_id = _join_parts([dd, mo, yr], ["hari", "bulan", "tahun"], " dan ")
    parts_en = _join_parts([dd, mo, yr], ["day", "month", "year"], " and ")
    return Hits(pos, {"dob": ddmmyyyy(ctx.roll.dob[pos]), "parts_id": parts_id, "parts_en": parts_en})


def _join_parts(flags: list[np.ndarray], words: list[str], sep: str) -> np.ndarray:
    """Per hit, the words whose flag is set, joined: ("hari dan tahun")."""
    out = np.full(len(flags[0]), "", dtype=object)
    for flag, word in zip(flags, words, strict=True):
        out = np.where(flag, np.where(out == "", word, out + sep + word), out)
    return out


def nik_gender_mismatch(ctx: Context) -> Hits:
    is_l, is_p = ctx.isin("jenis_kelamin", ["L"]), ctx.isin("jenis_kelamin", ["P"])
    comparable = ctx.nik.valid_format & ~mangled_nik(ctx) & (is_l | is_p)
    pos = np.flatnonzero(comparable & (ctx.nik.female != is_p))
    female = ctx.nik.female[pos]
    return Hits(pos, {"nik_sex_id": np.where(female, "perempuan", "laki-laki"),
                      "nik_sex_en": np.where(female, "female", "male"),
                      "sex": ctx.col("jenis_kelamin").take(pa.array(pos, type=pa.int64()))})


def nik_duplicate(ctx: Context) -> Hits:
    """Rows sharing a (well-formed, undamaged) NIK; each names the other rows."""
    usable = ctx.nik.valid_format & ~mangled_nik(ctx)
    if not usable.any():
        return Hits.none()
    # a 16-digit NIK is one int64: grouping numbers is much cheaper than hashing a million strings, and only the
    # NIKs that repeat (found by a sort) are grouped exactly
    at = np.flatnonzero(usable)
    at = at[repeated(ctx.nik.number[at])]
    group = pd.factorize(ctx.nik.number[at])[0]
    counts = np.bincount(group, minlength=int(group.max(initial=-1)) + 1)
    dup = counts[group] > 1
    pos = at[dup]
    if not len(pos):
        return Hits.none()
    rows = ctx.row_numbers[pos]
    others = others_in_group(group[dup], rows)
    return Hits(pos, {"others": others, "count": counts[group[dup]].astype(str)})


def nkk_format(ctx: Context) -> Hits:
    masked = ctx.contains("nkk", "*")
    ok = ctx.digits("nkk", 16)
    missing = ~ctx.present("nkk")
    pos = np.flatnonzero(~ok & ~masked)
    return Hits(pos, {"why_id": np.where(missing[pos], "kosong", "bukan 16 digit"),
                      "why_en": np.where(missing[pos], "empty", "not 16 digits")})
