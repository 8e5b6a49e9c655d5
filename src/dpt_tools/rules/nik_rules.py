"""Rules on NIK and NKK: structure, spreadsheet damage, region and birth date encoded in the NIK, duplicates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..normalize import is_scientific
from ..regions import known_kecamatan_code
from .base import Context, Hits

#: Excel keeps 15 significant digits: when at least this share of a column's 16-digit NIKs end in 0 (a serial ends
#: in 0 about one time in ten), the column went through a number format and every NIK ending in 0 lost its digit.
MANGLED_SHARE = 0.5
MANGLED_MIN = 10


def mangled_nik(ctx: Context) -> np.ndarray:
    """Rows whose NIK lost digits in a spreadsheet (computed once per run, see :attr:`Context.mangled_nik`)."""
    return ctx.mangled_nik


def find_mangled(nik: pa.Array, sixteen: np.ndarray) -> np.ndarray:
    """Scientific notation, or 16 digits ending in 0 in a column where that ending is far more common than
    chance (the column went through a number format)."""
    sci = np.asarray(is_scientific(nik).to_numpy(zero_copy_only=False))
    ends0 = sixteen & np.asarray(pc.fill_null(pc.ends_with(nik, "0"), False).to_numpy(zero_copy_only=False))
    n16 = int(sixteen.sum())
    column_mangled = n16 >= MANGLED_MIN and ends0.sum() >= MANGLED_SHARE * n16
    return sci | (ends0 if column_mangled else np.zeros_like(ends0))


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
    known = np.asarray(known_kecamatan_code(ctx.nik.region).to_numpy(zero_copy_only=False))
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
    return Hits(pos, {"nik_date": ddmmyyyy(nik.birth_date[pos]), "dob": ddmmyyyy(ctx.roll.dob[pos])})


def nik_gender_mismatch(ctx: Context) -> Hits:
    sex = ctx.frame["jenis_kelamin"].to_numpy(dtype=object, na_value="")
    valid_sex = (sex == "L") | (sex == "P")
    comparable = ctx.nik.valid_format & ~mangled_nik(ctx) & valid_sex
    mask = comparable & (ctx.nik.female != (sex == "P"))
    nik_says_id = np.where(ctx.nik.female, "perempuan", "laki-laki")
    nik_says_en = np.where(ctx.nik.female, "female", "male")
    return Hits.from_mask(mask, nik_sex_id=nik_says_id, nik_sex_en=nik_says_en, sex=sex)


def _other_rows(keys: pd.Series, rows: pd.Series, limit: int = 10) -> pd.Series:
    """For rows sharing a key: the other rows' numbers, joined ("12, 4589"), at most ``limit`` listed."""
    d = pd.DataFrame({"key": keys.to_numpy(), "row": rows.to_numpy()})
    d["rank"] = d.groupby("key", sort=False).cumcount()
    listed = d[d["rank"] < limit + 1]
    pairs = d[["key", "row"]].merge(listed[["key", "row"]], on="key", suffixes=("", "_o"))
    pairs = pairs[pairs["row"] != pairs["row_o"]].sort_values(["row", "row_o"])
    pairs = pairs.groupby("row", sort=False).head(limit)
    joined = pairs.groupby("row", sort=False)["row_o"].agg(lambda s: ", ".join(map(str, s)))
    return d["row"].map(joined).fillna("")


def nik_duplicate(ctx: Context) -> Hits:
    """Rows sharing a (well-formed, undamaged) NIK; each names the other rows."""
    usable = ctx.nik.valid_format & ~mangled_nik(ctx)
    nik = ctx.frame["nik"]
    dup = usable & nik.duplicated(keep=False).to_numpy() & nik.notna().to_numpy()
    pos = np.flatnonzero(dup)
    if not len(pos):
        return Hits.none()
    others = _other_rows(nik.iloc[pos], ctx.frame["row_number"].iloc[pos])
    counts = nik.iloc[pos].map(nik.iloc[pos].value_counts()).to_numpy()
    return Hits(pos, {"others": others.to_numpy(dtype=object), "count": counts.astype(str)})


def nkk_format(ctx: Context) -> Hits:
    masked = ctx.matches("nkk", r"\*")
    ok = ctx.matches("nkk", r"^[0-9]{16}$")
    missing = ~ctx.present("nkk")
    pos = np.flatnonzero(~ok & ~masked)
    return Hits(pos, {"why_id": np.where(missing[pos], "kosong", "bukan 16 digit"),
                      "why_en": np.where(missing[pos], "empty", "not 16 digits")})
