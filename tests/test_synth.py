"""Tests of the synthetic roll generator.

The generator is the yardstick for every other module (validator recall/precision, dedupe pairs, diff), so these
tests check its *truth* independently: a small reference oracle written here re-derives each planted rule from the
data and must find exactly the planted rows — no more (clean rows stay clean), no fewer.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from dpt_tools.fields import FIELDS
from dpt_tools.synth import (
    DUPLICATE_KINDS,
    EXCEL_HEADERS,
    HOUSEHOLD_RULES,
    LOOKALIKES,
    ROW_RULES,
    reserved_rows,
    synth_next_version,
    synth_roll,
    write_roll,
)

E = dt.date(2025, 8, 27)


def _lokal(name: str) -> dict[str, str]:
    return json.loads(gzip.decompress(resources.files("lokal").joinpath(f"data/{name}").read_bytes()))


WIL = _lokal("wilayah.json.gz")
DESA = _lokal("desa.json.gz")
KNOWN_KEC = {k.replace(".", "") for k in WIL if k.count(".") == 2}
KEL_KEC = {DESA[k].upper(): WIL[k.rsplit(".", 1)[0]].upper() for k in DESA if k.startswith("19.71.")}


@pytest.fixture(scope="module")
def roll6k() -> tuple[pd.DataFrame, dict]:
    return synth_roll(6000, seed=11)


@pytest.fixture(scope="module")
def roll2k() -> tuple[pd.DataFrame, dict]:
    return synth_roll(2000, seed=3)


@pytest.fixture(scope="module")
def clean3k() -> tuple[pd.DataFrame, dict]:
    return synth_roll(3000, seed=5, problems=False, duplicates=False)


# ---------------------------------------------------------------------------------------------------------------
# reference oracle
# ---------------------------------------------------------------------------------------------------------------

def _date(s: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(s, "%d-%m-%Y").date()
    except ValueError:
        return None


def _age(born: dt.date) -> int:
    return E.year - born.year - ((born.month, born.day) > (E.month, E.day))


def _nik_date(nik: str) -> tuple[int, int, int, bool] | None:
    """(day, month, yy, female) if the NIK's date part is a real date, else None."""
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    day -= 40 if female else 0
    for century in (1900, 2000):
        try:
            dt.date(century + yy, month, day)
            return day, month, yy, female
        except ValueError:
            continue
    return None


def oracle(df: pd.DataFrame, tps_max: int = 600) -> dict[str, list[int]]:
    """Rows (1-based) where each rule fires, computed directly from the values."""
    hits: dict[str, set[int]] = {}

    def hit(code: str, i: int) -> None:
        hits.setdefault(code, set()).add(i + 1)

    for i, r in enumerate(df.itertuples(index=False)):
        nik, nkk, name = r.nik, r.nkk, r.nama
        born = _date(r.tanggal_lahir)
        if re.fullmatch(r"\d\.\d+E\+\d+", nik):
            hit("nik_excel_mangled", i)
        elif not re.fullmatch(r"\d{16}", nik):
            hit("nik_format", i)
        elif nik[:6] not in KNOWN_KEC:
            hit("nik_region_unknown", i)
        else:
            decoded = _nik_date(nik)
            if decoded is None:
                hit("nik_birthdate_invalid", i)
            else:
                day, month, yy, female = decoded
                if born and (day, month, yy) != (born.day, born.month, born.year % 100):
                    hit("nik_birthdate_mismatch", i)
                if r.jenis_kelamin in ("L", "P") and female != (r.jenis_kelamin == "P"):
                    hit("nik_gender_mismatch", i)
        if not re.fullmatch(r"\d{16}", nkk):
            hit("nkk_format", i)
        if len(name.strip(" -.")) <= 1:
            hit("name_missing", i)
        elif not re.fullmatch(r"[A-Z .,']+", name):
            hit("name_suspicious", i)
        if born is None:
            hit("birthdate_invalid", i)
        elif born > E:
            hit("birthdate_future", i)
        else:
            if _age(born) < 17 and r.status_kawin == "B":
                hit("underage", i)
            if _age(born) > 110:
                hit("age_implausible", i)
        if r.jenis_kelamin not in ("L", "P"):
            hit("gender_invalid", i)
        if r.status_kawin not in ("B", "S", "P"):
            hit("marital_status_invalid", i)
        if r.disabilitas not in list("0123456"):
            hit("disability_invalid", i)
        if not (re.fullmatch(r"\d{1,3}", r.rt) and re.fullmatch(r"\d{1,3}", r.rw)):
            hit("rt_rw_invalid", i)
        if r.tps == "":
            hit("tps_missing", i)
        if KEL_KEC.get(r.kelurahan) != r.kecamatan:
            hit("region_unknown", i)

    rows = pd.Series(np.arange(1, len(df) + 1), index=df.index)
    with_tps = df[df.tps != ""]
    sizes = with_tps.groupby(["kecamatan", "kelurahan", "tps"]).tps.transform("size")
    hits["tps_over_capacity"] = set(rows[sizes[sizes > tps_max].index])
    valid_nkk = with_tps[with_tps.nkk.str.fullmatch(r"\d{16}")]
    n_tps = valid_nkk.groupby("nkk").tps.transform("nunique")
    split_nkk = set(valid_nkk.nkk[n_tps > 1])
    hits["family_split_tps"] = set(rows[df.nkk.isin(split_nkk)])
    digits = df[df.nik.str.fullmatch(r"\d{16}")]
    hits["nik_duplicate"] = set(rows[digits.index[digits.nik.duplicated(keep=False)]])
    return {k: sorted(v) for k, v in hits.items() if v}


def _row(df: pd.DataFrame, r: int) -> pd.Series:
    return df.iloc[r - 1]


# ---------------------------------------------------------------------------------------------------------------
# shape, determinism, truth consistency
# ---------------------------------------------------------------------------------------------------------------

def test_deterministic_for_rows_and_seed(roll2k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = synth_roll(2000, seed=3)
    pd.testing.assert_frame_equal(df, roll2k[0])
    assert truth == roll2k[1]
    other, _ = synth_roll(2000, seed=4)
    assert not other.nik.equals(df.nik)


def test_frame_is_canonical_strings(roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll6k
    assert list(df.columns) == list(FIELDS)
    assert len(df) == truth["rows"] == 6000
    for f in FIELDS:
        assert df[f].map(type).eq(str).all(), f
    json.dumps(truth)  # serialisable
    assert set(truth) == {"seed", "rows", "election_day", "tps_max", "planted", "lookalikes", "duplicates",
                          "hard_negatives", "nik_conflicts"}
    assert truth["election_day"] == "2025-08-27"
    assert df.kabupaten_kota.eq("KOTA PANGKAL PINANG").all()
    assert df.provinsi.eq("KEPULAUAN BANGKA BELITUNG").all()


def test_small_and_empty_rolls() -> None:
    empty, truth = synth_roll(0)
    assert list(empty.columns) == list(FIELDS) and len(empty) == 0 and truth["planted"] == {}
    tiny, truth = synth_roll(50, seed=1)
    assert len(tiny) == 50 and truth["duplicates"] == [] and truth["planted"] == {}


def test_truth_rows_in_range_and_disjoint(roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll6k
    n = len(df)
    conflict_b = {b for _, b in truth["nik_conflicts"]}
    owners: dict[int, str] = {}
    for code, rows in truth["planted"].items():
        assert rows == sorted(set(rows)) and all(1 <= r <= n for r in rows), code
        if code == "nik_duplicate":
            continue
        for r in rows:
            if r in conflict_b and code in ("nik_birthdate_mismatch", "nik_gender_mismatch"):
                continue  # a NIK shared by two persons cannot fit the second one's date and sex
            assert r not in owners, f"row {r} planted for {owners.get(r)} and {code}"
            owners[r] = code
    others = [*(("lookalike", r) for rows in truth["lookalikes"].values() for r in rows),
              *(("duplicate", r) for d in truth["duplicates"] for r in d["rows"]),
              *(("hard_negative", r) for h in truth["hard_negatives"] for r in h["rows"]),
              *(("conflict", r) for pair in truth["nik_conflicts"] for r in pair)]
    seen: dict[int, str] = {}
    for kind, r in others:
        assert 1 <= r <= n
        assert r not in owners or r in conflict_b, f"row {r} is {kind} and planted {owners.get(r)}"
        assert r not in seen, (r, kind, seen.get(r))
        seen[r] = kind
    same_nik = {r for d in truth["duplicates"] if d["kind"] in ("same_nik_other_place", "same_nik_title",
                                                                 "name_typo") for r in d["rows"]}
    same_nik |= {r for pair in truth["nik_conflicts"] for r in pair}
    assert set(truth["planted"]["nik_duplicate"]) == same_nik
    assert set(reserved_rows(truth)) == set(owners) | set(seen) | same_nik


def test_every_rule_and_kind_is_planted(roll6k: tuple[pd.DataFrame, dict], roll2k: tuple[pd.DataFrame, dict]) -> None:
    for _df, truth in (roll6k, roll2k):
        for code in (*ROW_RULES, "tps_missing", "family_split_tps", "region_unknown", "nik_duplicate"):
            assert len(truth["planted"].get(code, [])) >= 2, code
        assert len(truth["planted"]["nik_excel_mangled"]) >= 3
        assert {d["kind"] for d in truth["duplicates"]} == set(DUPLICATE_KINDS)
        assert set(truth["lookalikes"]) == set(LOOKALIKES) and all(truth["lookalikes"].values())
        assert {h["kind"] for h in truth["hard_negatives"]} == {"twins", "namesakes"}
        assert len(truth["nik_conflicts"]) >= 2
    assert "tps_over_capacity" in roll6k[1]["planted"] and "tps_over_capacity" not in roll2k[1]["planted"]
    assert set(HOUSEHOLD_RULES) <= set(roll6k[1]["planted"])
    # ~1 % of the rows are second registrations
    assert 0.008 <= len(roll6k[1]["duplicates"]) / 6000 <= 0.012


# ---------------------------------------------------------------------------------------------------------------
# planted rules fire exactly where the truth says (and nowhere else)
# ---------------------------------------------------------------------------------------------------------------

def test_oracle_finds_exactly_the_planted_rows(roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll6k
    found = oracle(df)
    assert set(found) == set(truth["planted"])
    for code, rows in truth["planted"].items():
        assert found[code] == rows, code


def test_oracle_finds_exactly_the_planted_rows_2k(roll2k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll2k
    assert oracle(df) == truth["planted"]


def test_clean_roll_has_no_findings(clean3k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = clean3k
    assert oracle(df) == {}
    assert truth["planted"] == {} and truth["duplicates"] == [] and truth["lookalikes"] == {}
    assert reserved_rows(truth) == []


def test_duplicates_only_still_reports_shared_niks() -> None:
    df, truth = synth_roll(2000, seed=9, problems=False)
    assert oracle(df) == truth["planted"]
    assert set(truth["planted"]) == {"nik_duplicate", "nik_birthdate_mismatch", "nik_gender_mismatch"}


# ---------------------------------------------------------------------------------------------------------------
# structure of the clean rows
# ---------------------------------------------------------------------------------------------------------------

def test_nik_and_nkk_structure(roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll6k
    clean = df.drop(index=[r - 1 for r in reserved_rows(truth)])
    assert len(clean) > 5000
    assert clean.nik.str.fullmatch(r"\d{16}").all() and clean.nkk.str.fullmatch(r"\d{16}").all()
    assert clean.nik.str[:6].isin(KNOWN_KEC).all()
    born = pd.to_datetime(clean.tanggal_lahir, format="%d-%m-%Y")
    day = clean.nik.str[6:8].astype(int) - 40 * (clean.jenis_kelamin == "P")
    assert (day == born.dt.day).all()
    assert (clean.nik.str[8:10].astype(int) == born.dt.month).all()
    assert (clean.nik.str[10:12].astype(int) == born.dt.year % 100).all()
    serial = clean.nik.str[12:].astype(int)
    assert serial.between(1, 999).all()
    # NKK: Pangkalpinang kecamatan + issue date 2005–2024 + serial
    assert clean.nkk.str[:4].eq("1971").all()
    issued = pd.to_datetime(clean.nkk.str[6:12], format="%d%m%y")
    assert issued.dt.year.between(2005, 2024).all()
    # ~8 % of NIKs were issued elsewhere (people who moved in)
    assert 0.04 < (~clean.nik.str.startswith("1971")).mean() < 0.13


def test_niks_unique_except_planted(roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll6k
    dup_rows = set(np.flatnonzero(df.nik.duplicated(keep=False) & df.nik.str.fullmatch(r"\d{16}")) + 1)
    assert dup_rows == set(truth["planted"]["nik_duplicate"])


def test_households_share_nkk_address_and_tps(roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll6k
    p = truth["planted"]
    skip = {r - 1 for code in ("family_split_tps", "nkk_format", "rt_rw_invalid", "region_unknown")
            for r in p[code]}
    hh = df.drop(index=list(skip)).groupby("nkk")
    for col in ("tps", "alamat", "rt", "rw", "kelurahan", "kecamatan"):
        assert hh[col].nunique().max() == 1, col
    base = df.groupby("nkk").size()
    assert base.between(1, 12).all() and 2.5 <= base.median() <= 4.5


def test_tps_capacity_and_numbering(roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll6k
    over = set(truth["planted"]["tps_over_capacity"])
    assert len(over) >= 620
    with_tps = df[df.tps != ""].assign(row=np.arange(1, len(df) + 1)[df.tps != ""])
    sizes = with_tps.groupby(["kelurahan", "tps"]).row.agg(["size", lambda r: set(r) <= over])
    sizes.columns = ["size", "planted"]
    assert (sizes["size"][~sizes.planted] <= 600).all()
    assert sizes["size"][sizes.planted].max() > 600
    real = with_tps[with_tps.kelurahan.isin(KEL_KEC)]
    for _, group in real.groupby("kelurahan"):
        assert "001" in set(group.tps)


def test_regions_come_from_lokal(roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll6k
    assert len(KEL_KEC) == 42 and len(set(KEL_KEC.values())) == 7
    ok = df.drop(index=[r - 1 for r in truth["planted"]["region_unknown"]])
    assert set(ok.kelurahan) == set(KEL_KEC)
    assert set(ok.kecamatan) == set(KEL_KEC.values()) == {
        "BUKIT INTAN", "TAMAN SARI", "PANGKAL BALAM", "RANGKUI", "GERUNGGANG", "GABEK", "GIRIMAYA"}
    assert (ok.kelurahan.map(KEL_KEC) == ok.kecamatan).all()


def test_population_looks_real(clean3k: tuple[pd.DataFrame, dict]) -> None:
    df = synth_roll(30_000, seed=2, problems=False, duplicates=False)[0]
    born = pd.to_datetime(df.tanggal_lahir, format="%d-%m-%Y")
    age = (E.year - born.dt.year) - ((born.dt.month > E.month) | ((born.dt.month == E.month) & (born.dt.day > E.day)))
    assert age.min() >= 17 and age.max() <= 105 and 35 <= age.median() <= 45
    assert 0.45 < (df.jenis_kelamin == "L").mean() < 0.55
    day_month = df.tanggal_lahir.str[:5]
    assert 0.04 < (day_month == "01-07").mean() < 0.09
    assert 0.02 < (day_month == "31-12").mean() < 0.06
    assert 0.01 < (day_month == "01-01").mean() < 0.03
    assert set(df.status_kawin) == {"B", "S", "P"} and (df.status_kawin[age < 20] == "B").mean() > 0.5
    assert (df.disabilitas == "0").mean() > 0.95 and set(df.disabilitas) <= set("0123456")
    names = df.nama.value_counts()
    assert (df.nama.map(names) <= 3).mean() > 0.8  # most names are rare
    assert df.nama.str.contains(" SIREGAR| NASUTION| LUBIS").any() and df.nama.str.match("(LIE|BONG) ").any()
    assert (df.tempat_lahir == "PANGKALPINANG").mean() > 0.6
    assert re.fullmatch(r"(JL\.|GG\.|KOMP\.) .+", df.alamat.iloc[0])
    for col in ("rt", "rw", "tps"):
        assert df[col].str.fullmatch(r"\d{3}").all()


def test_name_distribution_is_calibrated() -> None:
    """A long tail like real rolls: common full names exist (namesakes happen) but none is more than ~1e-4 of rows."""
    df = synth_roll(100_000, seed=3, problems=False, duplicates=False)[0]
    names = df.nama.value_counts()
    assert names.iloc[0] / len(df) <= 2e-4
    assert len(names) >= 0.6 * len(df)
    assert (df.nama.map(names) == 1).mean() > 0.5  # most people have a name nobody else on the roll has
    for common in ("MUHAMMAD RIZKI", "SITI AMINAH", "SRI WAHYUNI", "ABDUL ROHMAN"):
        assert 2 <= names.get(common, 0) <= 20, common  # about 1e-4: namesakes exist, but not hundreds
    assert (names >= 5).sum() >= 100  # and there are many such moderately common names


# ---------------------------------------------------------------------------------------------------------------
# duplicates, hard negatives, look-alikes
# ---------------------------------------------------------------------------------------------------------------

def _fold_old(name: str) -> str:
    return name.replace("DJ", "J").replace("TJ", "C").replace("OE", "U").replace("CH", "KH").replace("J", "Y")


def test_duplicate_pairs_have_their_kind(roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll6k
    person = ["tanggal_lahir", "jenis_kelamin"]
    for d in truth["duplicates"]:
        a, b = (_row(df, r) for r in d["rows"])
        assert (a[person] == b[person]).all(), d
        kind = d["kind"]
        if kind == "same_nik_other_place":
            assert a.nik == b.nik and a.nama == b.nama and a.kelurahan != b.kelurahan
        elif kind == "same_nik_title":
            assert a.nik == b.nik and a.nama != b.nama
            assert a.nama in b.nama or b.nama.startswith("M. ")
        elif kind == "nik_typo":
            assert a.nama == b.nama and a.nik != b.nik and a.nik[6:12] == b.nik[6:12]
            diff = [i for i in range(16) if a.nik[i] != b.nik[i]]
            assert len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and sorted(a.nik) == sorted(b.nik))
        elif kind == "new_nik_old_spelling":
            assert a.nik != b.nik and a.nama != b.nama and _fold_old(a.nama) == _fold_old(b.nama)
            assert a.tempat_lahir == b.tempat_lahir
        elif kind == "new_nik_name_variant":
            assert a.nik != b.nik and a.nama != b.nama
            assert set(a.nama.split()) & set(b.nama.split()) or a.nama.replace(" ", "") == b.nama.replace(" ", "")
        else:
            assert kind == "name_typo" and a.nik == b.nik and len(a.nama) == len(b.nama)
            assert sum(x != y for x, y in zip(a.nama, b.nama, strict=True)) == 1


def test_hard_negatives_and_conflicts(roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll6k
    for h in truth["hard_negatives"]:
        rows = [_row(df, r) for r in h["rows"]]
        if h["kind"] == "twins":
            a, b = rows
            assert a.nkk == b.nkk and a.tanggal_lahir == b.tanggal_lahir and a.nama != b.nama
            assert abs(int(a.nik[12:]) - int(b.nik[12:])) == 1
        else:
            assert 2 <= len(rows) <= 3
            assert len({r.nama for r in rows}) == 1 and rows[0].nama in {"MUHAMMAD RIZKI", "SITI AMINAH",
                                                                          "AHMAD FAUZI", "NUR HAYATI"}
            assert len({r.tanggal_lahir for r in rows}) == 1 and rows[0].tanggal_lahir.startswith("01-07-")
            for col in ("nik", "nkk", "kelurahan"):
                assert len({r[col] for r in rows}) == len(rows), col
    for ra, rb in truth["nik_conflicts"]:
        a, b = _row(df, ra), _row(df, rb)
        assert a.nik == b.nik
        assert a.nama != b.nama and a.tanggal_lahir != b.tanggal_lahir and a.jenis_kelamin != b.jenis_kelamin


def test_lookalikes_are_valid_and_as_described(roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, truth = roll6k
    flagged = {r for rows in oracle(df).values() for r in rows}
    for kind, rows in truth["lookalikes"].items():
        assert not set(rows) & flagged, kind
        for r in rows:
            x = _row(df, r)
            age = _age(_date(x.tanggal_lahir))
            if kind == "married_minor":
                assert age == 16 and x.status_kawin == "S"
            elif kind == "old_voter_placeholder":
                assert age == 97 and x.tanggal_lahir.startswith("01-07-")
            elif kind == "moved_voter":
                assert x.nik[:4] in ("3273", "3171") and x.kelurahan in KEL_KEC
            else:
                assert x.tanggal_lahir[:5] in ("31-12", "01-01") and 40 <= age <= 70


# ---------------------------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------------------------

_MONTHS = {m: i + 1 for i, m in enumerate(("JANUARI", "FEBRUARI", "MARET", "APRIL", "MEI", "JUNI", "JULI",
                                             "AGUSTUS", "SEPTEMBER", "OKTOBER", "NOVEMBER", "DESEMBER"))}


def _normalise_excel(t: pd.DataFrame) -> pd.DataFrame:
    """Undo the formatting noise the way a loader would (reference for 'noise only')."""
    inv = {v: k for k, v in EXCEL_HEADERS.items()}
    t = t.rename(columns=inv)[list(FIELDS)].copy()
    for f in ("nik", "nkk"):
        t[f] = t[f].str.removeprefix("'")
    for f in ("rt", "rw", "tps"):
        t[f] = t[f].where(~t[f].str.fullmatch(r"\d{1,2}"), t[f].str.zfill(3))

    def date(s: str) -> str:
        m = re.fullmatch(r"(\d{1,2}) ([A-Za-z]+) (\d{4})", s)
        if m:
            return f"{int(m[1]):02d}-{_MONTHS[m[2].upper()]:02d}-{m[3]}"
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
        return f"{m[3]}-{m[2]}-{m[1]}" if m else s

    t["tanggal_lahir"] = t.tanggal_lahir.map(date)
    t["jenis_kelamin"] = t.jenis_kelamin.replace({"LAKI-LAKI": "L", "PEREMPUAN": "P"})
    t["status_kawin"] = t.status_kawin.replace({"BELUM KAWIN": "B", "KAWIN": "S", "CERAI MATI": "P",
                                                "CERAI HIDUP": "P"})
    t["nama"] = t.nama.map(lambda s: " ".join(s.upper().split()) if s.strip() else s)
    return t.astype(str)


def _read_all_strings(path: Path, delimiter: str) -> pa.Table:
    with open(path, encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh, delimiter=delimiter))
    return pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=delimiter),
                          convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                               strings_can_be_null=False))


def test_clean_csv_round_trips(tmp_path: Path, roll2k: tuple[pd.DataFrame, dict]) -> None:
    df, _ = roll2k
    path = tmp_path / "roll.csv"
    assert write_roll(df, path) == []
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    table = _read_all_strings(path, ",")
    assert table.column_names == list(FIELDS)
    pd.testing.assert_frame_equal(table.to_pandas().astype(str), df.astype(str))
    assert [p.name for p in tmp_path.iterdir()] == ["roll.csv"]  # no temp file left behind


def test_excel_style_is_noise_only(tmp_path: Path, roll6k: tuple[pd.DataFrame, dict]) -> None:
    df, _ = roll6k
    path = tmp_path / "dpt.csv"
    write_roll(df, path, style="excel", seed=1)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == len(df) + 1
    table = _read_all_strings(path, ";")
    assert table.num_rows == len(df) and all(pa.types.is_string(t) for t in table.schema.types)
    assert table.column_names == list(EXCEL_HEADERS.values())
    t = table.to_pandas().astype(str)
    # the noise is really there …
    assert t.NIK.str.startswith("'").mean() > 0.3
    assert (t.RT.str.len() < 3).any() and t["L/P"].isin(["LAKI-LAKI", "PEREMPUAN"]).any()
    assert t["TGL LAHIR"].str.contains(r"[A-Za-z]{3,}").any() and t["TGL LAHIR"].str.match(r"\d{4}-").any()
    assert t["STATUS PERKAWINAN"].isin(["BELUM KAWIN", "KAWIN", "CERAI MATI", "CERAI HIDUP"]).any()
    assert (t.NAMA.str.upper() != t.NAMA).any() and t.NAMA.str.contains("  ").any()
    # … and normalises back to the same values (planted cells untouched)
    pd.testing.assert_frame_equal(_normalise_excel(t).reset_index(drop=True), df.astype(str).reset_index(drop=True))


def test_excel_shuffle_columns(tmp_path: Path, roll2k: tuple[pd.DataFrame, dict]) -> None:
    df, _ = roll2k
    path = tmp_path / "dpt.csv"
    write_roll(df, path, style="excel", seed=2, shuffle_columns=True)
    with open(path, encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh, delimiter=";"))
    assert sorted(header) == sorted(EXCEL_HEADERS.values()) and header != list(EXCEL_HEADERS.values())
    back = _normalise_excel(_read_all_strings(path, ";").to_pandas().astype(str))
    pd.testing.assert_frame_equal(back, df.astype(str))


@pytest.mark.parametrize("style", ["clean", "excel"])
def test_ragged_lines(tmp_path: Path, roll6k: tuple[pd.DataFrame, dict], style: str) -> None:
    df, truth = roll6k
    path = tmp_path / "r.csv"
    broken = write_roll(df, path, style=style, seed=5, ragged=6)
    assert len(broken) == 6 and broken == sorted(broken)
    assert not set(broken) & set(reserved_rows(truth))  # taken from df.attrs
    with open(path, encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh, delimiter=";" if style == "excel" else ","))
    counts = {i: len(line) for i, line in enumerate(lines[1:], start=1)}
    assert {i for i, c in counts.items() if c != len(FIELDS)} == set(broken)
    assert {counts[i] for i in broken} == {len(FIELDS) - 1, len(FIELDS) + 1}


def test_ragged_respects_explicit_avoid(tmp_path: Path, roll2k: tuple[pd.DataFrame, dict]) -> None:
    df, _ = roll2k
    plain = pd.DataFrame({f: df[f] for f in FIELDS})  # no attrs
    avoid = list(range(1, 1991))
    broken = write_roll(plain, tmp_path / "a.csv", ragged=3, avoid=avoid)
    assert all(r > 1990 for r in broken)


def test_parquet_is_all_strings(tmp_path: Path, roll2k: tuple[pd.DataFrame, dict]) -> None:
    df, _ = roll2k
    path = tmp_path / "roll.parquet"
    write_roll(df, path, style="excel")  # style is ignored: parquet carries no noise
    table = pq.read_table(path)
    assert table.column_names == list(FIELDS) and all(pa.types.is_string(t) for t in table.schema.types)
    pd.testing.assert_frame_equal(table.to_pandas().astype(str), df.astype(str))


# ---------------------------------------------------------------------------------------------------------------
# next version
# ---------------------------------------------------------------------------------------------------------------

def test_next_version_truth_is_consistent(clean3k: tuple[pd.DataFrame, dict]) -> None:
    old, _ = clean3k
    new, t = synth_next_version(old, seed=1)
    again, t2 = synth_next_version(old, seed=1)
    pd.testing.assert_frame_equal(new, again)
    assert t == t2
    json.dumps(t)
    assert list(new.columns) == list(FIELDS) and all(new[f].map(type).eq(str).all() for f in FIELDS)
    assert t["old"] == len(old) and t["new"] == len(new) == len(old) - len(t["removed"]) + len(t["added"])
    for key in ("added", "removed", "nik_changed"):
        assert len(t[key]) == 30, key
    assert len(t["moved"]) >= 30 and len(t["changed"]) >= 30 + len(t["moved"])
    old_by, new_by = old.set_index("nik"), new.set_index("nik")
    assert new.nik.is_unique and new.nik.str.fullmatch(r"\d{16}").all()
    assert not set(t["removed"]) & set(new.nik) and set(t["removed"]) <= set(old.nik)
    assert set(t["added"]) <= set(new.nik) and not set(t["added"]) & set(old.nik)
    for o, n in t["nik_changed"]:
        assert o not in new_by.index and n in new_by.index and n not in old_by.index
        assert (old_by.loc[o, ["nama", "tanggal_lahir", "jenis_kelamin"]]
                == new_by.loc[n, ["nama", "tanggal_lahir", "jenis_kelamin"]]).all()
    for nik, fields in t["changed"].items():
        for field, (before, after) in fields.items():
            assert old_by.loc[nik, field] == before and new_by.loc[nik, field] == after and before != after
    for nik in t["moved"]:
        assert "tps" in t["changed"][nik] or "kelurahan" in t["changed"][nik]
    untouched = set(old.nik) - set(t["removed"]) - set(t["changed"]) - {o for o, _ in t["nik_changed"]}
    u = sorted(untouched)
    pd.testing.assert_frame_equal(old_by.loc[u].sort_index(), new_by.loc[u].sort_index())
    assert oracle(new) == {}  # still a clean roll: families together, TPS within capacity
    assert not new.nik.head(50).equals(old.nik.head(50))  # rows are shuffled


def test_next_version_explicit_counts(clean3k: tuple[pd.DataFrame, dict]) -> None:
    old, _ = clean3k
    new, t = synth_next_version(old, seed=3, added=5, removed=7, changed=0, moved=0, nik_changed=2)
    assert (len(t["added"]), len(t["removed"]), len(t["nik_changed"]), len(t["moved"])) == (5, 7, 2, 0)
    assert t["changed"] == {} and len(new) == len(old) - 7 + 5


def test_old_spelling_never_doubles_an_old_dj() -> None:
    """A name already written with DJ (the syllable DJO of SARWIDJO) keeps it: the pre-1972 form of J is DJ, never
    DDJ; the other rules still apply (SARWIDJO JAYA → SARWIDJO DJAJA / SARWIDJO JAJA)."""
    from dpt_tools.synth import _old_spelling

    rng = np.random.default_rng(3)
    assert all(_old_spelling("SARWIDJO", rng) is None for _ in range(20))
    seen = {_old_spelling("SARWIDJO JAYA", rng) for _ in range(40)}
    assert seen and not any("DDJ" in s or "TDJ" in s for s in seen if s)
    assert {"SARWIDJO DJAJA", "SARWIDJO JAJA"} <= seen
    assert "DJOKO" in " ".join(s for s in (_old_spelling("JOKO SUSANTO", rng) for _ in range(40)) if s)


def test_dropped_middle_names_of_chinese_indonesian_names_not_hakka() -> None:
    """Chinese-Indonesian names written given names first lose a middle name like any other (HENDRA SUSANTO WIJAYA
    / HENDRA WIJAYA); the two syllables of a Hakka given name (THJIN YIN FA) are never split."""
    df, truth = synth_roll(60_000, seed=5, problems=False)
    names = df["nama"].to_numpy()
    variant = [d["rows"] for d in truth["duplicates"] if d["kind"] == "new_nik_name_variant"]
    pairs = [(names[a - 1], names[b - 1]) for a, b in variant]
    from dpt_tools import synth as S

    others = set().union(*(getattr(S, n) for n in dir(S) if n.startswith(("_M_", "_F_", "_BATAK", "_JAVA"))
                           and isinstance(getattr(S, n), tuple)))
    chindo_given = (set(S._CHINDO_M) | set(S._CHINDO_F)) - others
    chindo_surnames = set(S._CHINDO_SURNAME) - others
    dropped = [(a, b) for a, b in pairs if len(a.split()) == 3 and b.split() == [a.split()[0], a.split()[2]]]
    assert any(a.split()[0] in chindo_given and a.split()[-1] in chindo_surnames for a, _ in dropped)
    hakka = set(S._HAKKA_SURNAME)
    assert not any(a.split()[0] in hakka and len(a.split()) == 3 for a, _ in pairs)


def test_shipped_sample_is_an_excel_export_whose_truth_holds():
    """sample_data/: ~5,000 rows in the messy Excel form (BOM, ';', CRLF, apostrophes) plus a Parquet copy, and
    the truth file names exactly the rows on which validate finds each planted problem."""
    from dpt_tools.config import Settings
    from dpt_tools.validate import validate_path

    here = Path(__file__).resolve().parents[1] / "sample_data"
    raw = (here / "dpt_pangkalpinang_sample.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.split(b"\r\n")[0] and b";'" in raw
    truth = json.loads((here / "dpt_pangkalpinang_sample.truth.json").read_text(encoding="utf-8"))
    assert pq.read_metadata(here / "dpt_pangkalpinang_sample.parquet").num_rows == truth["rows"] == 5000
    found = validate_path(here / "dpt_pangkalpinang_sample.csv", Settings()).findings
    for code, rows in truth["planted"].items():
        assert set(found.loc[found.rule == code, "row_number"]) == set(rows), code
