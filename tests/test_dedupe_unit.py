"""Unit tests of dpt dedupe's parts: the NIK-typo test, frequency weighting, blocking, no-chaining groups, keep,
NIK conflicts and twins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dpt_tools.config import Settings
from dpt_tools.dedupe import compare as C
from dpt_tools.dedupe import find_duplicates
from dpt_tools.dedupe.blocking import BlockingRule, candidate_pairs, run_rule
from dpt_tools.dedupe.group import build_groups, choose_keep, components
from dpt_tools.dedupe.reasons import build_reasons
from dpt_tools.dedupe.records import build_records, read_frequencies
from dpt_tools.dedupe.score import Model, estimate_name_u, middle_name_share, score_pairs
from dpt_tools.fields import FIELDS
from dpt_tools.load import load_roll
from dpt_tools.synth import synth_roll, write_roll

SETTINGS = Settings()


# ------------------------------------------------------------------------------------------------ helpers
def person(nik: str, nama: str, born: str, *, sex: str = "L", nkk: str = "1971010101100001", kel: str = "BACANG",
           tps: str = "001", alamat: str = "JL. MELATI NO. 3", place: str = "PANGKALPINANG", status: str = "S") -> dict:
    return {"nkk": nkk, "nik": nik, "nama": nama, "tempat_lahir": place, "tanggal_lahir": born, "status_kawin": status,
            "jenis_kelamin": sex, "alamat": alamat, "rt": "001", "rw": "001", "disabilitas": "0", "keterangan": "",
            "tps": tps, "kelurahan": kel, "kecamatan": "BUKIT INTAN", "kabupaten_kota": "KOTA PANGKAL PINANG",
            "provinsi": "KEPULAUAN BANGKA BELITUNG"}


@pytest.fixture(scope="module")
def background() -> pd.DataFrame:
    """3,000 clean synthetic voters: the crowd that gives names and dates their frequencies."""
    df, _ = synth_roll(3000, seed=11, problems=False, duplicates=False)
    return df


def roll_of(tmp_path: Path, rows: list[dict], background: pd.DataFrame | None = None, name: str = "roll.csv"):
    frame = pd.DataFrame(rows, columns=list(FIELDS)).astype(str)
    if background is not None:
        frame = pd.concat([frame, background[list(FIELDS)]], ignore_index=True)
    path = tmp_path / name
    write_roll(frame, path, style="clean")
    return load_roll(path)


def records_of(tmp_path: Path, rows: list[dict], background: pd.DataFrame | None = None, name: str = "roll.csv"):
    """The roll of :func:`roll_of` and its dedupe records (election day of the default profile)."""
    roll = roll_of(tmp_path, rows, background, name)
    return roll, build_records([roll], "2025-08-27")


def pair_of(result, row_a: int, row_b: int) -> pd.Series | None:
    p = result.pairs
    hit = p[(p["row_a"] == min(row_a, row_b)) & (p["row_b"] == max(row_a, row_b))]
    return None if hit.empty else hit.iloc[0]


def grouped(result, *rows: int) -> bool:
    g = result.groups.set_index("row_number")["group_id"]
    return all(r in g.index for r in rows) and g.loc[list(rows)].nunique() == 1


# ------------------------------------------------------------------------------------------------ NIK typo
def nik_level(x: str, y: str) -> tuple[int, bool]:
    level, swap = C.compare_nik(np.array([int(x)]), np.array([int(y)]))
    return int(level[0]), bool(swap[0])


def test_nik_exact_substitution_transposition():
    assert nik_level("1971011703830004", "1971011703830004") == (C.NIK_EXACT, False)
    # one digit substituted in the serial, in the region, in the birth-date part
    assert nik_level("1971011703830004", "1971011703830007") == (C.NIK_TYPO_SERIAL, False)
    assert nik_level("1971011703830004", "1971051703830004") == (C.NIK_TYPO_REGION, False)
    assert nik_level("1971011703830004", "1971011708830004") == (C.NIK_TYPO_DATE, False)
    # two adjacent digits swapped
    assert nik_level("1971011703830045", "1971011703830054") == (C.NIK_TYPO_SERIAL, True)
    assert nik_level("1971011703830004", "1917011703830004") == (C.NIK_TYPO_REGION, True)
    # two digits wrong, or swapped but not adjacent: not a typo
    assert nik_level("1971011703830004", "1971011703830017")[0] == C.NIK_DIFF
    assert nik_level("1971011703830405", "1971011703830504")[0] == C.NIK_DIFF
    # a masked or short NIK is missing evidence, never a typo
    level, _ = C.compare_nik(np.array([-1]), np.array([1971011703830004]))
    assert level[0] == C.NIK_MISSING


def test_digit_diff_vectorised():
    x = np.array([1234567890123456, 1234567890123456, 1234567890123456])
    y = np.array([1234567890123456, 1234567890123465, 9234567890123456])
    count, first, last, swapped = C.digit_diff(x, y, 16)
    assert count.tolist() == [0, 2, 1]
    assert swapped.tolist() == [False, True, False]
    assert first[1] == 14 and last[1] == 15 and first[2] == 0


def test_twins_one_serial_apart_are_not_linked(tmp_path, background):
    """Twins: one family card, one birth date, NIKs one serial apart (a one-digit 'typo') — different names."""
    kk = "1971011204150077"
    rows = [person("1971011703050131", "RUDI HARTONO", "17-03-2005", nkk=kk),
            person("1971011703050132", "BUDI HARTONO", "17-03-2005", nkk=kk)]
    res = find_duplicates([roll_of(tmp_path, rows, background)], SETTINGS)
    assert not grouped(res, 1, 2)
    p = pair_of(res, 1, 2)
    assert p is None or p["confidence"] == "possible"
    if p is not None:
        assert "kembar" in p["reasons"]


def test_nik_typo_with_identical_name_is_linked(tmp_path, background):
    rows = [person("1971011703830031", "SUPRIYADI TAMPUBOLON", "17-03-1983"),
            person("1971051703830031", "SUPRIYADI TAMPUBOLON", "17-03-1983", kel="ASAM", nkk="1971050101100009",
                   alamat="GG. DAMAI")]
    res = find_duplicates([roll_of(tmp_path, rows, background)], SETTINGS)
    p = pair_of(res, 1, 2)
    assert p is not None and p["match_type"] == "nik_typo" and p["confidence"] in ("certain", "likely")
    assert "kode wilayah" in p["reasons"]
    assert grouped(res, 1, 2)


# ------------------------------------------------------------------------------------------------ frequencies
def test_common_name_and_placeholder_date_weigh_less_than_rare_name_and_ordinary_date(tmp_path, background):
    crowd = [person(f"19710{k % 7 + 1}0107700{k:03d}", "MUHAMMAD RIZKI" if k < 40 else f"ORANG {k}",
                    "01-07-1970" if k >= 20 else f"{k % 28 + 1:02d}-03-1990", kel="GABEK", nkk=f"19710101011{k:05d}")
             for k in range(80)]
    rows = [
        person("1971010107700901", "MUHAMMAD RIZKI", "01-07-1970", kel="BACANG"),  # 1: common name, placeholder
        person("1971040107700902", "MUHAMMAD RIZKI", "01-07-1970", kel="ASAM", nkk="1971040101100002"),  # 2
        person("1971011703830903", "SUPRIYADI TAMPUBOLON", "17-03-1983", kel="BACANG"),  # 3: rare, ordinary day
        person("1971041703830904", "SUPRIYADI TAMPUBOLON", "17-03-1983", kel="ASAM", nkk="1971040101100003"),  # 4
        *crowd,
    ]
    roll, rec = records_of(tmp_path, rows, background)
    a, b = np.array([0, 2]), np.array([1, 3])
    cmp = C.compare(rec, a, b)
    assert cmp.name.tolist() == [C.NAME_EXACT, C.NAME_EXACT] and cmp.dob.tolist() == [C.DOB_EXACT, C.DOB_EXACT]
    model = Model()
    sc = score_pairs(rec, cmp, model, estimate_name_u(rec, model))
    assert sc.w_name[0] < sc.w_name[1] - 3  # 40 MUHAMMAD RIZKI vs one SUPRIYADI TAMPUBOLON
    assert sc.w_dob[0] < sc.w_dob[1] - 3  # 1 July (a Dukcapil placeholder) shared by 60 voters
    assert sc.score[0] < 0.5 < 0.9 < sc.score[1]
    res = find_duplicates([roll], SETTINGS)
    assert not grouped(res, 1, 2) and grouped(res, 3, 4)
    reasons = pair_of(res, 3, 4)["reasons"]
    assert "nama sama (1 dari" in reasons and "tanggal lahir sama (1 dari" in reasons
    weak = pair_of(res, 1, 2)
    assert weak is None or "tanggal pengganti" in weak["reasons"]


def test_frequency_table_from_a_larger_roll_weakens_a_name(tmp_path, background):
    rows = [person("1971011703830903", "SUPRIYADI TAMPUBOLON", "17-03-1983", kel="BACANG"),
            person("1971041703830904", "SUPRIYADI TAMPUBOLON", "17-03-1983", kel="ASAM", nkk="1971040101100003")]
    roll = roll_of(tmp_path, rows, background)
    plain = find_duplicates([roll], SETTINGS)
    table = pd.DataFrame({"name": ["SUPRIYADI TAMPUBOLON", "SITI AMINAH"], "frequency": [0.01, 0.02]})
    weighted = find_duplicates([roll], SETTINGS, frequencies=table)
    before, after = pair_of(plain, 1, 2), pair_of(weighted, 1, 2)
    assert grouped(plain, 1, 2) and before is not None
    assert after is None or after["score"] < before["score"]
    assert not grouped(weighted, 1, 2)
    assert weighted.stats["model"]["name_frequencies"].startswith("table (2 names;")


def test_read_frequencies_validates():
    from dpt_tools.errors import InputError

    with pytest.raises(InputError):
        read_frequencies(pd.DataFrame({"nama": ["X"], "frequency": [0.1]}))
    with pytest.raises(InputError):
        read_frequencies(pd.DataFrame({"name": ["X"], "frequency": ["lots"]}))
    s = read_frequencies(pd.DataFrame({"name": [" siti  aminah "], "frequency": ["0.002"]}))
    assert s.to_dict() == {"SITI AMINAH": 0.002}


# ------------------------------------------------------------------------------------------------ blocking
def test_blocking_caps_huge_blocks_without_dropping_them(tmp_path, background):
    rows = [person(f"1971010107700{k:03d}", f"SITI {'AMINAH' if k % 2 else 'AMINA'}", "01-07-1970",
                   nkk=f"19710101011{k:05d}") for k in range(1, 200)]
    _, rec = records_of(tmp_path, rows)
    rule = BlockingRule("dob", lambda r: np.where(r.day >= -10**6, r.day.astype(np.int64) + 10**6, -1))
    a, _, st = run_rule(rec, rule, cap=60, window=10)
    assert st.largest == 199 and st.split == 1 and st.windowed == 199
    assert len(a) <= 199 * 10 and len(a) > 0  # windowed, not all 19,701 pairs, not dropped
    cand = candidate_pairs(rec)
    assert all(s.largest >= 0 for s in cand.stats)
    # the serial typo 0001 / 0007 inside the huge region+date block is still found
    keys = set(zip(cand.a.tolist(), cand.b.tolist(), strict=True))
    assert (0, 6) in keys


# ------------------------------------------------------------------------------------------------ groups
def test_components():
    lab = components(6, np.array([0, 1, 4]), np.array([1, 2, 5]))
    assert lab.tolist() == [0, 0, 0, 3, 4, 4]


def test_groups_do_not_chain():
    """A–B and B–C are links, A–C is not: complete linkage keeps A and C apart."""
    a, b = np.array([0, 1, 0]), np.array([1, 2, 2])
    score = np.array([0.99, 0.95, 0.2])
    link = score >= 0.9

    def never(x, y):
        raise AssertionError("all pairs were scored")

    label, _ = build_groups(3, a, b, score, link, never)
    assert label[0] == label[1] and label[2] == -1


def test_groups_score_missing_pairs():
    """Four records linked in a chain; the missing pairs are scored on demand and decide the split."""
    a, b = np.array([0, 1, 2]), np.array([1, 2, 3])
    score = np.array([0.99, 0.98, 0.97])
    seen = []

    def score_fn(x, y):
        seen.extend(zip(x.tolist(), y.tolist(), strict=True))
        s = np.where((x <= 1) & (y <= 1), 0.99, np.where((x >= 2) & (y >= 2), 0.99, 0.1))
        return s, s >= 0.9

    label, stats = build_groups(4, a, b, score, score >= 0.9, score_fn)
    assert sorted(seen) == [(0, 2), (0, 3), (1, 3)]
    assert label[0] == label[1] != label[2] == label[3]
    assert stats["pairs_scored_for_groups"] == 3


def test_keep_most_complete_then_latest():
    label = np.array([7, 7, 7, -1, 9, 9])
    complete = np.array([15, 16, 16, 17, 12, 12])
    src = np.array([0, 0, 0, 0, 0, 1])
    row = np.array([10, 20, 30, 40, 50, 5])
    keep = choose_keep(label, complete, src, row)
    assert keep.tolist() == [False, False, True, False, False, True]


# ------------------------------------------------------------------------------------------------ conflicts
def test_nik_conflict_is_reported_not_grouped(tmp_path, background):
    rows = [person("1971011703830031", "SUPRIYADI TAMPUBOLON", "17-03-1983"),
            person("1971011703830031", "SITI NURHALIZA", "09-11-1960", sex="P", kel="ASAM",
                   nkk="1971040101100003")]
    res = find_duplicates([roll_of(tmp_path, rows, background)], SETTINGS)
    assert len(res.conflicts) == 1
    c = res.conflicts.iloc[0]
    assert (c["row_a"], c["row_b"]) == (1, 2) and c["nik"] == "1971011703830031"
    assert pair_of(res, 1, 2) is None and not grouped(res, 1, 2)


def test_conflict_rows_never_share_a_group(tmp_path, background):
    """X and Y share a NIK but are two persons; Z is X's second registration and looks like Y's too."""
    rows = [person("1971011703830031", "SUPRIYADI TAMPUBOLON", "17-03-1983"),
            person("1971011703830031", "SITI NURHALIZA", "09-11-1960", sex="P", kel="ASAM", nkk="1971040101100003"),
            person("1971021703830555", "SUPRIYADI TAMPUBOLON", "17-03-1983", kel="GABEK", nkk="1971020101100004")]
    res = find_duplicates([roll_of(tmp_path, rows, background)], SETTINGS)
    assert not grouped(res, 1, 2)
    assert grouped(res, 1, 3)
    assert res.groups.groupby("group_id").size().max() == 2


def test_placeholder_date_namesakes_with_a_third_carrier_are_not_grouped(tmp_path, background):
    """Two NUR HAYATI born on the Dukcapil placeholder 1 July 1966, two NIKs, two kelurahan, the common birthplace —
    and a third NUR HAYATI born that day elsewhere. The third carrier is evidence that the name is not one in N:
    the exact-name u is (count - 1) / N (rule of succession), so the pair stays below `likely`."""
    rows = [
        person("1971044107660883", "NUR HAYATI", "01-07-1966", sex="P", kel="ASAM", nkk="1971040109060804",
               alamat="GG. SUNGAI SELAN", tps="001"),  # 1
        person("1971074107660013", "NUR HAYATI", "01-07-1966", sex="P", kel="SEMABUNG BARU",
               nkk="1971072201190268", alamat="JL. KAMBOJA NO. 58", tps="002"),  # 2
        person("1971014107660547", "NUR HAYATI", "01-07-1966", sex="P", kel="AIR MAWAR", nkk="1971010812140675",
               alamat="KOMP. MERDEKA BLOK 93", tps="003", place="TANJUNG PANDAN"),  # 3: the third carrier
    ]
    roll, rec = records_of(tmp_path, rows, background)
    assert rec.placeholder[:3].all()
    cmp = C.compare(rec, np.array([0]), np.array([1]))
    assert cmp.name.tolist() == [C.NAME_EXACT] and cmp.dob.tolist() == [C.DOB_EXACT]
    assert cmp.nik.tolist() == [C.NIK_DIFF] and cmp.loc.tolist() == [C.LOC_OTHER]
    model = Model()
    sc = score_pairs(rec, cmp, model, estimate_name_u(rec, model))
    total = int(rec.names.count.sum())
    assert sc.name_u[0] == pytest.approx(2 / total)  # one other carrier seen → (1 + 1) / N, not 1 / N
    # with a higher prior (λ = 0.03) the pair is 0.83; at one in N (before) it would be 0.905, i.e. likely
    sc = score_pairs(rec, cmp, Model(dup_rate=0.03), estimate_name_u(rec, model))
    assert sc.score[0] < 0.9 <= 1.0 / (1.0 + 2.0 ** -(sc.log_odds[0] + 1.0))
    res = find_duplicates([roll], SETTINGS)
    assert not grouped(res, 1, 2) and not grouped(res, 1, 3) and not grouped(res, 2, 3)
    pair = pair_of(res, 1, 2)
    assert pair is None or (pair["score"] < 0.9 and pair["confidence"] == "possible"
                            and "tanggal pengganti" in pair["reasons"])


def test_rare_name_without_other_carrier_keeps_its_weight(tmp_path, background):
    """The rule of succession changes nothing for a name no other voter carries: u stays one in N."""
    rows = [
        person("1971011703830903", "SUPRIYADI TAMPUBOLON", "17-03-1983", kel="BACANG"),
        person("1971041703830904", "SUPRIYADI TAMPUBOLON", "17-03-1983", kel="ASAM", nkk="1971040101100003"),
    ]
    _, rec = records_of(tmp_path, rows, background)
    cmp = C.compare(rec, np.array([0]), np.array([1]))
    model = Model()
    sc = score_pairs(rec, cmp, model, estimate_name_u(rec, model))
    assert sc.name_u[0] == pytest.approx(1 / int(rec.names.count.sum()))


# ------------------------------------------------------------------------------------------------ dropped middle name
def test_dropped_middle_name_weighs_by_the_rarity_of_the_shorter_name(tmp_path, background):
    """DEDI EKO DARMADI / DEDI DARMADI: its own level, strong when the shorter name is rare in the roll; ANDI EKO
    KURNIAWAN / ANDI KURNIAWAN is weak when thirty other voters are called ANDI KURNIAWAN."""
    crowd = [person(f"19710{k % 7 + 1}{k % 28 + 1:02d}0{k % 9 + 1}8{k % 10}0{k:03d}", "ANDI KURNIAWAN",
                    f"{k % 28 + 1:02d}-0{k % 9 + 1}-198{k % 10}", kel="GABEK", nkk=f"19710101011{k:05d}")
             for k in range(30)]
    rows = [
        person("1971011703830903", "DEDI EKO DARMADI", "17-03-1983", kel="BACANG", place="MENTOK"),  # 1
        person("1971041703830904", "DEDI DARMADI", "17-03-1983", kel="ASAM", nkk="1971040101100003",
               alamat="GG. DAMAI", place="MENTOK"),  # 2: new NIK, another kelurahan, the same (rare) birthplace
        person("1971012205910905", "ANDI EKO KURNIAWAN", "22-05-1991", kel="BACANG", nkk="1971010101100005",
               place="MENTOK"),  # 3
        person("1971042205910906", "ANDI KURNIAWAN", "22-05-1991", kel="ASAM", nkk="1971040101100006",
               alamat="GG. MAWAR", place="MENTOK"),  # 4
        *crowd,
    ]
    roll, rec = records_of(tmp_path, rows, background)
    cmp = C.compare(rec, np.array([0, 2]), np.array([1, 3]))
    assert cmp.name.tolist() == [C.NAME_SHORTENED, C.NAME_SHORTENED]
    model = Model()
    sc = score_pairs(rec, cmp, model, estimate_name_u(rec, model))
    total = int(rec.names.count.sum())
    share = middle_name_share(rec.names)  # voters with a middle name to leave out
    assert 0.2 < share < 0.8
    # the shorter name's carriers / N, times the share of names that can show the level
    assert sc.name_u.tolist() == pytest.approx([share / total, 31 * share / total])
    assert sc.w_name[1] < sc.w_name[0] - 4
    res = find_duplicates([roll], SETTINGS)
    assert grouped(res, 1, 2) and not grouped(res, 3, 4)
    reasons = pair_of(res, 1, 2)["reasons"]
    assert "nama sama tanpa nama tengah (nama pendeknya 1 dari 3.0" in reasons  # one DEDI DARMADI in ~3,040
    assert pair_of(res, 3, 4) is None  # below 0.5: not even for review
    texts = build_reasons(rec, cmp, sc, np.zeros(2, dtype=bool), "id").to_pylist()
    assert "nama pendeknya umum: 1 dari 98" in texts[1]  # 31 ANDI KURNIAWAN in ~3,040 voters
    en = find_duplicates([roll], Settings(lang="en"))
    assert "same name without a middle name (the shorter name is 1 in 3,0" in pair_of(en, 1, 2)["reasons"]
    # a larger roll's table saying that one voter in 100 is called DEDI DARMADI makes the pair weak
    table = pd.DataFrame({"name": ["DEDI DARMADI"], "frequency": [0.01]})
    weighted = find_duplicates([roll], SETTINGS, frequencies=table)
    assert not grouped(weighted, 1, 2)
    after = pair_of(weighted, 1, 2)
    assert after is None or after["score"] < pair_of(res, 1, 2)["score"]


def test_dropped_middle_name_does_not_lift_the_guards(tmp_path, background):
    """Twins with one name the other's short form stay apart (one family card, one birth date), and so do two
    voters born on the placeholder 1 July whose names only share a common short form."""
    kk = "1971011204150077"
    crowd = [person(f"19710{k % 7 + 1}0107660{k:03d}", "SITI AMINAH", f"{k % 28 + 1:02d}-03-1966", sex="P",
                    kel="GABEK", nkk=f"19710101011{k:05d}") for k in range(30)]
    rows = [
        person("1971011703050131", "RUDI HARTONO", "17-03-2005", nkk=kk),  # 1: twins
        person("1971011703050132", "RUDI EKO HARTONO", "17-03-2005", nkk=kk),  # 2
        person("1971014107660883", "SITI NUR AMINAH", "01-07-1966", sex="P", kel="ASAM", nkk="1971040109060804",
               alamat="GG. SUNGAI SELAN"),  # 3: namesakes on a placeholder date
        person("1971074107660013", "SITI AMINAH", "01-07-1966", sex="P", kel="SEMABUNG BARU",
               nkk="1971072201190268", alamat="JL. KAMBOJA NO. 58"),  # 4
        *crowd,
    ]
    roll, rec = records_of(tmp_path, rows, background)
    cmp = C.compare(rec, np.array([0, 2]), np.array([1, 3]))
    assert cmp.name.tolist() == [C.NAME_SHORTENED, C.NAME_SHORTENED]
    assert cmp.twins.tolist() == [True, False]
    res = find_duplicates([roll], SETTINGS)
    assert not grouped(res, 1, 2) and not grouped(res, 3, 4)
    twins = pair_of(res, 1, 2)
    assert twins is None or (twins["confidence"] == "possible" and "kembar" in twins["reasons"])
    namesakes = pair_of(res, 3, 4)
    assert namesakes is None or namesakes["score"] < 0.9


# ------------------------------------------------------------------------------------------------ old DJ / TJ
def test_old_tj_dj_read_as_t_y_meets_the_modern_spelling(tmp_path, background):
    """ADITJA (old spelling of ADITYA) folds to ADICA under the digraph reading; the other reading makes the pair an
    exact name, and a blocking rule on it brings SARWIDJO / SARWIDYO together although no other key agrees."""
    rows = [
        person("1971011703830903", "ADITYA TAMPUBOLON", "17-03-1983", kel="BACANG"),  # 1
        person("1971041703830904", "ADITJA TAMPUBOLON", "17-03-1983", kel="ASAM", nkk="1971040101100003"),  # 2
        person("1971011208620905", "SARWIDYO", "12-08-1962", kel="BACANG", nkk="1971010101100005"),  # 3
        person("1971041208620906", "SARWIDJO", "12-08-1962", kel="ASAM", nkk="1971040101100006"),  # 4
    ]
    roll, rec = records_of(tmp_path, rows, background)
    assert rec.name[0] != rec.name[1] and rec.name_alt[1] == rec.names.compact[rec.name[0]]
    cmp = C.compare(rec, np.array([0, 2]), np.array([1, 3]))
    assert cmp.name.tolist() == [C.NAME_EXACT, C.NAME_EXACT]
    cand = candidate_pairs(rec)
    found = set(zip(cand.a.tolist(), cand.b.tolist(), strict=True))
    assert (2, 3) in found
    assert next(s for s in cand.stats if s.name == "old_spelling_dob").pairs >= 1
    res = find_duplicates([roll], SETTINGS)
    assert grouped(res, 1, 2) and grouped(res, 3, 4)


# ------------------------------------------------------------------------------------------------ another token
def test_another_syllable_in_a_hakka_name_is_another_person(tmp_path, background):
    """BONG VUN VUN / BONG FUNG VUN (the first token is the family name): similar strings, another given name —
    low, never grouped; LIE SUI AH / LIE SOI AH (a vowel typo) stays a near name."""
    rows = [
        person("1971011703830903", "BONG VUN VUN", "17-03-1983", kel="BACANG"),  # 1
        person("1971041703830904", "BONG FUNG VUN", "17-03-1983", kel="ASAM", nkk="1971040101100003"),  # 2
        person("1971011208620905", "LIE SUI AH", "12-08-1962", kel="BACANG", nkk="1971010101100005"),  # 3
        person("1971041208620906", "LIE SOI AH", "12-08-1962", kel="ASAM", nkk="1971040101100006"),  # 4
    ]
    roll, rec = records_of(tmp_path, rows, background)
    cmp = C.compare(rec, np.array([0, 2]), np.array([1, 3]))
    assert cmp.name[0] == C.NAME_LOW and cmp.name[1] in (C.NAME_HIGH, C.NAME_MID)
    assert cmp.name_sim[0] >= C.NAME_HIGH_MIN  # the string alone would have said "high"
    res = find_duplicates([roll], SETTINGS)
    assert not grouped(res, 1, 2)


# ------------------------------------------------------------------------------------------------ name m per NIK
def _comparison(nik: list[int], name: list[int]) -> C.Comparison:
    n = len(nik)
    z = np.zeros(n, dtype=np.int8)
    return C.Comparison(a=np.arange(n), b=np.arange(n) + n, nik=np.asarray(nik, dtype=np.int8),
                        nik_swap=np.zeros(n, dtype=bool), name=np.asarray(name, dtype=np.int8),
                        name_sim=np.ones(n, dtype=np.float32), dob=np.full(n, C.DOB_EXACT, dtype=np.int8),
                        sex=z + C.AGREE, marital=z + C.MISSING, place=z + C.MISSING, loc=z + C.LOC_MISSING,
                        household=np.zeros(n, dtype=bool), twins=np.zeros(n, dtype=bool))


def test_name_evidence_is_estimated_per_nik_situation():
    """Under one NIK a duplicate's name is typed from the same card (exact or a typo); under a new NIK it comes from
    other papers and a dropped middle name is common. EM estimates the name m per NIK situation, so a dropped middle
    name under two NIKs weighs more than the pooled m says, and under one NIK less."""
    from types import SimpleNamespace

    from dpt_tools.dedupe.score import NIK_NEAR, NIK_OTHER, NIK_SAME, Evidence, estimate, name_m_of, nik_group, weigh

    blocks = [(300, C.NIK_EXACT, C.NAME_EXACT, 1e-6), (100, C.NIK_EXACT, C.NAME_HIGH, 1e-6),
              (150, C.NIK_DIFF, C.NAME_SHORTENED, 1e-6), (150, C.NIK_DIFF, C.NAME_EXACT, 1e-6),
              (5000, C.NIK_DIFF, C.NAME_DIFF, 0.95)]  # the last: different people born the same day
    nik = [lv for k, lv, _, _ in blocks for _ in range(k)]
    name = [lv for k, _, lv, _ in blocks for _ in range(k)]
    name_u = np.concatenate([np.full(k, u) for k, _, _, u in blocks])
    cmp = _comparison(nik, name)
    n = len(nik)
    model0 = Model()
    ev = Evidence(nik_u=np.where(cmp.nik == C.NIK_EXACT, model0.nik_error_rate / 1e5, 0.84), name_u=name_u,
                  dob_u=np.full(n, 1e-4), marital_u=np.ones(n), place_u=np.ones(n), w_sex=np.zeros(n),
                  w_loc=np.zeros(n), w_twins=np.zeros(n), capped=np.zeros(n, dtype=bool),
                  common_placeholder=np.zeros(n, dtype=bool))
    r = SimpleNamespace(n=100_000)
    assert nik_group(_comparison([C.NIK_EXACT, C.NIK_TYPO_SERIAL, C.NIK_DIFF, C.NIK_MISSING], [1] * 4)).tolist() == \
        [NIK_SAME, NIK_NEAR, NIK_OTHER, NIK_OTHER]
    assert name_m_of(model0, NIK_OTHER) == model0.name_m  # nothing estimated yet: the pooled m
    model = estimate(r, cmp, ev, model0)
    other, same = name_m_of(model, NIK_OTHER), name_m_of(model, NIK_SAME)
    pooled = model.name_m[C.NAME_SHORTENED]
    assert other[C.NAME_SHORTENED] > 0.4 > pooled > same[C.NAME_SHORTENED]
    assert same[C.NAME_HIGH] > model.name_m[C.NAME_HIGH] > other[C.NAME_HIGH]
    # a NIK situation with few duplicates (the typo group: none here) keeps the pooled m
    assert name_m_of(model, NIK_NEAR)[C.NAME_SHORTENED] == pytest.approx(pooled, rel=1e-6)
    sc = weigh(r, cmp, ev, model)
    i = name.index(C.NAME_SHORTENED)
    assert sc.w_name[i] == pytest.approx(np.log2(other[C.NAME_SHORTENED] / 1e-6))
    assert sc.w_name[i] > np.log2(pooled / 1e-6) + 1


# ------------------------------------------------------------------------------------ common name, placeholder
def test_common_name_on_a_placeholder_date_under_two_niks_is_for_review_only(tmp_path, background):
    """Two SITI AMINAH born on 1 July 1969 under two NIKs in two kelurahan, both born in BELINYU: name, date and a
    rare birthplace add up to a high score, yet that is what unrelated namesakes share (Crosscheck). A name carried
    by one voter in 10,000 or more, on a placeholder date, under two NIKs, with no family card or address in common
    is capped at `possible` with its own reason; the same pair on an ordinary date, under one NIK, or sharing an
    address is not capped."""
    from dpt_tools.dedupe.score import COMMON_NAME_SHARE, common_placeholder

    rows = [
        person("1971044107690493", "SITI AMINAH", "01-07-1969", sex="P", kel="MASJID JAMIK", place="BELINYU",
               nkk="1971042703180321", alamat="JL. SEJAHTERA NO. 131"),  # 1
        person("1971054107690618", "SITI AMINAH", "01-07-1969", sex="P", kel="BUKIT SARI", place="BELINYU",
               nkk="1971052603070176", alamat="GG. PANTAI"),  # 2
        person("1971045708690493", "SITI AMINAH", "17-08-1969", sex="P", kel="MASJID JAMIK", place="BELINYU",
               nkk="1971042703180322", alamat="JL. SEJAHTERA NO. 132"),  # 3: ordinary date
        person("1971055708690618", "SITI AMINAH", "17-08-1969", sex="P", kel="BUKIT SARI", place="BELINYU",
               nkk="1971052603070177", alamat="GG. PANTAI NO. 2"),  # 4
        person("1971044107690493", "SITI AMINAH", "01-07-1969", sex="P", kel="GABEK", place="BELINYU",
               nkk="1971052603070178", alamat="GG. MAWAR"),  # 5: the NIK of row 1
        person("1971064107690777", "SITI AMINAH", "01-07-1969", sex="P", kel="ASAM", place="BELINYU",
               nkk="1971052603070179", alamat="GG. MELATI"),  # 6
        person("1971064107690778", "SITI AMINAH", "01-07-1969", sex="P", kel="ASAM", place="BELINYU",
               nkk="1971052603070179", alamat="GG. MELATI"),  # 7: one family card with row 6
    ]
    roll, rec = records_of(tmp_path, rows, background)
    cmp = C.compare(rec, np.array([0, 2, 0, 0, 5]), np.array([1, 3, 4, 5, 6]))
    model = Model()
    sc = score_pairs(rec, cmp, model, estimate_name_u(rec, model))
    assert (sc.name_u >= COMMON_NAME_SHARE).all()  # 7 carriers in ~3,000 voters
    assert sc.common_placeholder.tolist() == [True, False, False, True, False]
    assert common_placeholder(rec, cmp, np.full(5, COMMON_NAME_SHARE / 2)).tolist() == [False] * 5  # a rare name
    assert sc.score[0] == 0.5 < 1.0 / (1.0 + 2.0 ** -sc.log_odds[0])  # capped, not re-weighed
    res = find_duplicates([roll], SETTINGS)
    assert not grouped(res, 1, 2) and not grouped(res, 1, 6)
    pair = pair_of(res, 1, 2)
    assert pair is not None and pair["confidence"] == "possible"
    assert "nama tidak jarang + tanggal pengganti, NIK berbeda/tak lengkap, tanpa KK/alamat sama" in pair["reasons"]
    en = pair_of(find_duplicates([roll], Settings(lang="en")), 1, 2)
    assert "a name that is not rare + a placeholder date, NIKs different or incomplete" in en["reasons"]


def test_a_name_no_one_else_carries_is_not_capped_as_common_even_in_a_small_roll(tmp_path, background):
    """In a roll of ~3,000 voters two carriers are already "one in 1,500", yet nothing in the roll shows a name that
    only the pair carries to be common: the common-name cap needs a carrier outside the pair (or a --frequencies
    share). Exact names and a dropped middle name alike; a third carrier elsewhere brings the cap back."""
    from dpt_tools.dedupe.score import common_placeholder

    pair_rows = [
        person("1971040107750011", "SUDARSONO WIRAJAYA", "01-07-1975", kel="MASJID JAMIK",
               nkk="1971042703180321", alamat="JL. SEJAHTERA NO. 131"),  # 1
        person("1971050107750123", "SUDARSONO WIRAJAYA", "01-07-1975", kel="BUKIT SARI",
               nkk="1971052603070176", alamat="GG. PANTAI"),  # 2: another NIK, another kelurahan
        person("1971043112800031", "RAHMAT HIDAYAT KUSWANDONO", "31-12-1980", kel="MASJID JAMIK",
               nkk="1971042703180322", alamat="JL. SEJAHTERA NO. 7"),  # 3
        person("1971053112800207", "RAHMAT KUSWANDONO", "31-12-1980", kel="BUKIT SARI",
               nkk="1971052603070177", alamat="GG. PANTAI NO. 2"),  # 4: the middle name dropped
    ]
    others = [
        person("1971061708900044", "SUDARSONO WIRAJAYA", "17-08-1990", kel="ASAM",
               nkk="1971062603070178", alamat="GG. MAWAR"),  # 5: another carrier of the name
        person("1971061708850045", "RAHMAT KUSWANDONO", "17-08-1985", kel="ASAM",
               nkk="1971062603070179", alamat="GG. MELATI"),  # 6: another carrier of the shorter name
    ]
    for rows, expected in ((pair_rows, [False, False]), (pair_rows + others, [True, True])):
        _, rec = records_of(tmp_path, rows, background, name=f"roll{len(rows)}.csv")
        cmp = C.compare(rec, np.array([0, 2]), np.array([1, 3]))
        assert cmp.name.tolist() == [C.NAME_EXACT, C.NAME_SHORTENED]
        assert common_placeholder(rec, cmp, np.ones(2)).tolist() == expected
