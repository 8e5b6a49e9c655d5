"""diff as a library: every count and list against synth's truth, through formatting noise; fallback matching,
unmatched reasons, NIK corrections, conservation, masking, determinism, per-region and per-sex counts."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dpt_tools.config import Settings
from dpt_tools.diff import (
    ALONE,
    CHANGED,
    CHANGED_COLUMNS,
    MOVED_COLUMNS,
    NIK_CHANGED,
    NIK_CHANGED_COLUMNS,
    OUTPUT_FILES,
    SUMMARY_KEYS,
    UNCHANGED,
    UNMATCHED,
    UNMATCHED_COLUMNS,
    DiffResult,
    diff_paths,
    diff_rolls,
    write_diff_outputs,
)
from dpt_tools.errors import InputError
from dpt_tools.fields import FIELDS
from dpt_tools.load import load_roll
from dpt_tools.synth import synth_next_version, synth_roll, write_roll

OPEN = Settings(mask=False)  # tests compare NIKs with the truth; outputs mask them by default
MASKED = re.compile(r"^\d{6}\*{6}\d{4}$")


def _other_date_format(df: pd.DataFrame, every: int = 3) -> pd.DataFrame:
    """dd-mm-yyyy → dd/mm/yyyy on every ``every``-th row (the Excel writer adds ISO and month names elsewhere)."""
    out = df.copy()
    rows = np.arange(len(out)) % every == 0
    out.loc[rows, "tanggal_lahir"] = out.loc[rows, "tanggal_lahir"].str.replace("-", "/", regex=False)
    return out


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, pd.DataFrame, pd.DataFrame]:
    """A clean old version (plain CSV) and a next version with known changes written as a messy Excel export:
    other column order, header spelling, dates as dd/mm/yyyy, ISO and month names, case, spaces, 3/003, L/LAKI-LAKI,
    apostrophes before NIKs."""
    d = tmp_path_factory.mktemp("diff")
    old, _ = synth_roll(4000, seed=31, problems=False, duplicates=False)
    new, truth = synth_next_version(old, seed=32)
    write_roll(old, d / "old.csv", style="clean", seed=31)
    write_roll(_other_date_format(new), d / "new.csv", style="excel", seed=32, shuffle_columns=True)
    return d / "old.csv", d / "new.csv", truth, old, new


@pytest.fixture(scope="module")
def result(versions) -> DiffResult:
    old, new, *_ = versions
    return diff_paths(old, new, OPEN)


def _changed_as_truth(changed: pd.DataFrame) -> dict[str, dict[str, list[str | None]]]:
    out: dict[str, dict[str, list[str | None]]] = {}
    for row in changed.itertuples(index=False):
        out.setdefault(row.nik, {})[row.field] = [None if pd.isna(row.old) else row.old,
                                                  None if pd.isna(row.new) else row.new]
    return out


def _nullable(value: str) -> str | None:
    return value if value != "" else None


# ----------------------------------------------------------------------------------------------- against the truth
def test_noise_is_really_there(versions):
    _, new_path, *_ = versions
    text = new_path.read_text(encoding="utf-8-sig")
    header = text.splitlines()[0]
    assert header.split(";")[:3] != ["NO KK", "NIK", "NAMA"] and "TGL LAHIR" in header
    assert "LAKI-LAKI" in text and "'" in text and re.search(r";\d\d/\d\d/\d{4};", text)
    assert re.search(r";\d{4}-\d\d-\d\d;", text)


def test_every_count_matches_the_truth(result, truth_counts):
    s = result.summary
    for key, value in truth_counts.items():
        assert s[key] == value, key


@pytest.fixture(scope="module")
def truth_counts(versions) -> dict[str, int]:
    *_, truth, _, _ = versions
    changed = len(truth["changed"])
    return {
        "old": truth["old"], "new": truth["new"], "added": len(truth["added"]), "removed": len(truth["removed"]),
        "changed": changed, "moved": len(truth["moved"]), "nik_changed": len(truth["nik_changed"]),
        "unchanged": truth["old"] - len(truth["removed"]) - changed - len(truth["nik_changed"]),
        "unmatched_old": 0, "unmatched_new": 0,
    }


def test_every_list_matches_the_truth(result, versions):
    *_, truth, _, _ = versions
    assert sorted(result.added["nik"]) == sorted(truth["added"])
    assert sorted(result.removed["nik"]) == sorted(truth["removed"])
    assert sorted(result.moved["nik"]) == sorted(truth["moved"])
    assert sorted(zip(result.nik_changed["nik_old"], result.nik_changed["nik_new"], strict=True)) == \
        sorted(tuple(p) for p in truth["nik_changed"])
    want = {nik: {f: [_nullable(a), _nullable(b)] for f, (a, b) in fields.items()}
            for nik, fields in truth["changed"].items()}
    assert _changed_as_truth(result.changed) == want
    assert result.unmatched.empty


def test_moved_rows_name_both_places(result, versions):
    *_, truth, _, _ = versions
    for row in result.moved.itertuples(index=False):
        fields = truth["changed"][row.nik]
        if "tps" in fields:
            assert [row.from_tps, row.to_tps] == fields["tps"]
        if "kelurahan" in fields:
            assert [row.from_kelurahan, row.to_kelurahan] == fields["kelurahan"]
            assert [row.from_kecamatan, row.to_kecamatan] == fields["kecamatan"]
        else:
            assert row.from_kelurahan == row.to_kelurahan


def test_rows_point_at_the_right_lines(result, versions):
    *_, old_df, new_df = versions
    for row in result.changed.itertuples(index=False):
        assert old_df.loc[row.row_old - 1, "nik"] == row.nik and new_df.loc[row.row_new - 1, "nik"] == row.nik
    for row in result.nik_changed.itertuples(index=False):
        assert old_df.loc[row.row_old - 1, "nik"] == row.nik_old and new_df.loc[row.row_new - 1, "nik"] == row.nik_new
    assert (old_df.loc[result.removed["row_number"] - 1, "nik"].to_numpy() == result.removed["nik"].to_numpy()).all()
    assert (new_df.loc[result.added["row_number"] - 1, "nik"].to_numpy() == result.added["nik"].to_numpy()).all()


def test_records_are_normalised(result):
    assert list(result.added.columns) == ["row_number", *FIELDS]
    assert result.added["tanggal_lahir"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert result.added["jenis_kelamin"].isin(["L", "P"]).all()
    assert result.added["tps"].str.fullmatch(r"\d{3}").all()
    assert result.removed["row_number"].is_monotonic_increasing and result.added["row_number"].is_monotonic_increasing


def test_column_contract(result):
    assert tuple(result.changed.columns) == CHANGED_COLUMNS
    assert tuple(result.moved.columns) == MOVED_COLUMNS
    assert tuple(result.nik_changed.columns) == NIK_CHANGED_COLUMNS
    assert tuple(result.unmatched.columns) == UNMATCHED_COLUMNS
    assert tuple(result.summary)[:len(SUMMARY_KEYS)] == SUMMARY_KEYS


def test_nik_corrections_are_typos_or_new_numbers(result):
    nc = result.nik_changed
    assert set(nc["relation"]) == {"typo", "new_number"}
    assert (nc.loc[nc["relation"] == "typo", "digits_differ"] <= 2).all()
    assert (nc["other_changes"] == "").all()  # synth changes nothing else of these persons


def test_rolls_and_paths_agree(versions, result):
    old, new, *_ = versions
    again = diff_rolls(load_roll(old), load_roll(new), OPEN)
    for name in OUTPUT_FILES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(result, name), check_dtype=False)
    assert again.summary == result.summary
    assert (again.old_status == result.old_status).all() and (again.new_status == result.new_status).all()


# ----------------------------------------------------------------------------------------------- conservation
def _check_conservation(r: DiffResult) -> None:
    s = r.summary
    assert s["old"] == s["unchanged"] + s["changed"] + s["removed"] + s["nik_changed"] + s["unmatched_old"]
    assert s["new"] == s["unchanged"] + s["changed"] + s["added"] + s["nik_changed"] + s["unmatched_new"]
    assert len(r.old_status) == s["old"] and len(r.new_status) == s["new"]
    for status, side in ((r.old_status, "old"), (r.new_status, "new")):
        counts = np.bincount(status, minlength=5)
        assert counts[UNCHANGED] == s["unchanged"] and counts[CHANGED] == s["changed"]
        assert counts[NIK_CHANGED] == s["nik_changed"] and counts[UNMATCHED] == s[f"unmatched_{side}"]
        assert counts[ALONE] == s["removed" if side == "old" else "added"]
    # the files name exactly these rows, each once
    rows_old = np.flatnonzero(r.old_status == ALONE) + 1
    rows_new = np.flatnonzero(r.new_status == ALONE) + 1
    assert sorted(r.removed["row_number"]) == rows_old.tolist() and sorted(r.added["row_number"]) == rows_new.tolist()
    assert sorted(r.nik_changed["row_old"]) == (np.flatnonzero(r.old_status == NIK_CHANGED) + 1).tolist()
    assert sorted(r.nik_changed["row_new"]) == (np.flatnonzero(r.new_status == NIK_CHANGED) + 1).tolist()
    assert sorted(r.changed["row_old"].unique()) == (np.flatnonzero(r.old_status == CHANGED) + 1).tolist()
    assert sorted(r.changed["row_new"].unique()) == (np.flatnonzero(r.new_status == CHANGED) + 1).tolist()
    for side in ("old", "new"):
        got = r.unmatched.loc[r.unmatched["version"] == side, "row_number"].tolist()
        status = r.old_status if side == "old" else r.new_status
        assert sorted(got) == (np.flatnonzero(status == UNMATCHED) + 1).tolist()


def test_conservation(result):
    _check_conservation(result)


@pytest.mark.parametrize("by", ["kecamatan", "kelurahan", "tps"])
def test_regions_and_sexes_add_up(versions, by):
    old, new, *_ = versions
    r = diff_paths(old, new, OPEN, by=by)
    s = r.summary
    assert s["by"] == by
    for key in SUMMARY_KEYS:
        assert sum(e[key] for e in s["by_region"]) == s[key], key
        assert sum(v[key] for v in s["by_sex"].values()) == s[key], key
    assert sum(e["moved_out"] for e in s["by_region"]) == s["moved"]
    levels = {"kecamatan": 1, "kelurahan": 2, "tps": 3}[by]
    assert all(len(set(e) & {"kecamatan", "kelurahan", "tps"}) == levels for e in s["by_region"])
    regions = [tuple(e[k] or "" for k in ("kecamatan", "kelurahan", "tps") if k in e) for e in s["by_region"]]
    assert regions == sorted(regions) and len(set(regions)) == len(regions)
    for e in s["by_region"]:
        assert sum(e["old_by_sex"].values()) == e["old"] and sum(e["new_by_sex"].values()) == e["new"]
    assert s["by_sex"]["unknown"]["old"] == 0


def test_region_counts_follow_the_rows(result, versions):
    *_, old_df, new_df = versions
    s = result.summary
    per_kel_old = old_df.groupby("kelurahan").size()
    per_kel_new = new_df.groupby("kelurahan").size()
    for e in s["by_region"]:
        assert e["old"] == per_kel_old.get(e["kelurahan"], 0) and e["new"] == per_kel_new.get(e["kelurahan"], 0)
    added = result.added.groupby("kelurahan").size()
    assert {e["kelurahan"]: e["added"] for e in s["by_region"] if e["added"]} == added.to_dict()
    sex_old = old_df["jenis_kelamin"].value_counts()
    assert s["by_sex"]["L"]["old"] == sex_old["L"] and s["by_sex"]["P"]["old"] == sex_old["P"]


# ----------------------------------------------------------------------------------------------- formatting only
def test_formatting_only_is_no_change(tmp_path):
    df, _ = synth_roll(1500, seed=41, problems=False, duplicates=False)
    write_roll(df, tmp_path / "a.csv", style="clean", seed=1)
    write_roll(_other_date_format(df, every=2), tmp_path / "b.csv", style="excel", seed=2, shuffle_columns=True)
    write_roll(df, tmp_path / "c.parquet")
    for other in ("b.csv", "c.parquet"):
        r = diff_paths(tmp_path / "a.csv", tmp_path / other, OPEN)
        assert r.summary["unchanged"] == len(df), other
        assert all(r.summary[k] == 0 for k in SUMMARY_KEYS if k not in ("old", "new", "unchanged")), other
        assert r.changed.empty and r.moved.empty and r.added.empty and r.removed.empty
        assert r.summary["fields_compared"] == list(FIELDS)


# ----------------------------------------------------------------------------------------------- fallback matching
@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    df, _ = synth_roll(600, seed=51, problems=False, duplicates=False)
    return df


def _write_pair(tmp: Path, old: pd.DataFrame, new: pd.DataFrame) -> tuple[Path, Path]:
    write_roll(old, tmp / "old.csv", style="clean")
    write_roll(new.sample(frac=1.0, random_state=3).reset_index(drop=True), tmp / "new.csv", style="excel", seed=5,
               shuffle_columns=True)
    return tmp / "old.csv", tmp / "new.csv"


def _unmatched(r: DiffResult, version: str) -> dict[int, tuple[str, str]]:
    u = r.unmatched[r.unmatched["version"] == version]
    return {int(row.row_number): (row.reason, row.nik_status) for row in u.itertuples(index=False)}


def _distinct_persons(df: pd.DataFrame, k: int) -> list[int]:
    """k rows whose (name, birth date, sex) is unique in the roll."""
    key = df["nama"] + "|" + df["tanggal_lahir"] + "|" + df["jenis_kelamin"]
    return [int(i) for i in np.flatnonzero(~key.duplicated(keep=False).to_numpy())[:k]]


def test_fallback_matching_and_unmatched_reasons(tmp_path, base):
    old, new = base.copy(), base.copy()
    a, b, c, d, e, f, g, h = _distinct_persons(base, 8)
    # a: invalid NIK in the old version (Excel cut a digit), fixed in the new one → key match, field nik changed
    old.loc[a, "nik"] = old.loc[a, "nik"][:15]
    # b: masked NIK in both versions → key match, unchanged
    for v in (old, new):
        v.loc[b, "nik"] = v.loc[b, "nik"][:6] + "******" + v.loc[b, "nik"][12:]
    # c, d: two different persons typed with one NIK in the old version, corrected in the new → two key matches
    old.loc[d, "nik"] = old.loc[c, "nik"]
    # e: one person listed twice in the old version (same NIK), once in the new → nobody can say which row is which
    old = pd.concat([old, old.loc[[e]]], ignore_index=True)
    # f: a person without a valid NIK who left → not found, unmatched (not silently "removed")
    old.loc[f, "nik"] = ""
    new = new.drop(index=f)
    # g: no NIK and no birth date in either version → the person key is incomplete
    for v in (old, new):
        v.loc[g, "nik"] = "0"
        v.loc[g, "tanggal_lahir"] = ""
    # h: no NIK in the new version and the TPS changed → key match, changed and moved
    new.loc[h, "nik"] = ""
    new.loc[h, "tps"] = "009"
    po, pn = _write_pair(tmp_path, old, new)
    r = diff_paths(po, pn, OPEN)
    _check_conservation(r)
    s = r.summary
    assert s["added"] == s["removed"] == s["nik_changed"] == 0
    ch = _changed_as_truth(r.changed)
    assert ch[base.loc[a, "nik"]] == {"nik": [base.loc[a, "nik"][:15], base.loc[a, "nik"]]}
    assert ch[base.loc[d, "nik"]] == {"nik": [base.loc[c, "nik"], base.loc[d, "nik"]]}
    assert base.loc[c, "nik"] not in ch  # c kept its NIK: matched by the person key, unchanged
    assert ch[base.loc[h, "nik"]] == {"nik": [base.loc[h, "nik"], None], "tps": [base.loc[h, "tps"], "009"]}
    assert r.moved["row_old"].tolist() == [h + 1]
    assert s["changed"] == 3 and s["moved"] == 1
    assert s["matched_by_person_key"] == 5  # a, b, c, d, h (g has no complete key)
    uo, un = _unmatched(r, "old"), _unmatched(r, "new")
    assert uo == {e + 1: ("key_repeated", "repeated"), len(base) + 1: ("key_repeated", "repeated"),
                  f + 1: ("no_match", "missing"), g + 1: ("key_incomplete", "invalid")}
    assert set(un.values()) == {("key_ambiguous", "repeated_other"), ("key_incomplete", "invalid")}
    assert s["unmatched_old"] == 4 and s["unmatched_new"] == 2
    assert r.unmatched["message"].str.len().gt(10).all()


def test_nik_correction_needs_a_unique_person_key(tmp_path, base):
    old = base.copy()
    a, b, c = _distinct_persons(base, 3)
    # b is a second person with a's name, birth date and sex: both leave, and two new NIKs with that key arrive
    for col in ("nama", "tanggal_lahir", "jenis_kelamin"):
        old.loc[b, col] = old.loc[a, col]
    new = old.copy()
    new.loc[a, "nik"] = new.loc[a, "nik"][:12] + "9991"
    new.loc[b, "nik"] = new.loc[b, "nik"][:12] + "9992"
    new.loc[c, "nik"] = new.loc[c, "nik"][:12] + "9993"  # c alone: a correction
    po, pn = _write_pair(tmp_path, old, new)
    r = diff_paths(po, pn, OPEN)
    _check_conservation(r)
    assert r.nik_changed["nik_old"].tolist() == [old.loc[c, "nik"]]
    assert sorted(r.removed["nik"]) == sorted([old.loc[a, "nik"], old.loc[b, "nik"]])
    assert sorted(r.added["nik"]) == sorted([new.loc[a, "nik"], new.loc[b, "nik"]])


def test_nik_correction_keeps_other_changes(tmp_path, base):
    old = base.copy()
    (a,) = _distinct_persons(base, 1)
    new = old.copy()
    new.loc[a, "nik"] = "31" + new.loc[a, "nik"][2:12] + "0777"
    new.loc[a, "alamat"] = "JL. BARU NO. 1"
    po, pn = _write_pair(tmp_path, old, new)
    r = diff_paths(po, pn, OPEN)
    row = r.nik_changed.iloc[0]
    assert (row.relation, row.other_changes) == ("new_number", "alamat") and row.digits_differ >= 3
    assert r.summary["changed"] == 0  # counted once, as a NIK correction


def test_field_missing_in_one_version_is_not_compared(tmp_path, base):
    write_roll(base, tmp_path / "old.csv", style="clean")
    base.drop(columns=["disabilitas"]).to_csv(tmp_path / "new.csv", index=False)
    r = diff_paths(tmp_path / "old.csv", tmp_path / "new.csv", OPEN)
    assert r.summary["unchanged"] == len(base)
    assert "disabilitas" not in r.summary["fields_compared"] and r.summary["fields_not_compared"] == ["disabilitas"]


def test_extra_columns_are_carried_into_records(tmp_path, base):
    old = base.copy()
    old["CATATAN PPS"] = "x"
    old.to_csv(tmp_path / "old.csv", index=False)
    new = base.drop(index=[0]).copy()
    new.to_csv(tmp_path / "new.csv", index=False)
    r = diff_paths(tmp_path / "old.csv", tmp_path / "new.csv", OPEN)
    assert r.removed.columns[-1] == "CATATAN PPS" and r.removed.iloc[0]["CATATAN PPS"] == "x"


# ----------------------------------------------------------------------------------------------- privacy, files
def test_niks_are_masked_by_default(versions):
    old, new, *_ = versions
    r = diff_paths(old, new, Settings())
    for frame, cols in ((r.added, ["nik", "nkk"]), (r.removed, ["nik", "nkk"]), (r.changed, ["nik"]),
                        (r.moved, ["nik"]), (r.nik_changed, ["nik_old", "nik_new"])):
        for col in cols:
            assert frame[col].dropna().str.fullmatch(MASKED.pattern).all(), col
    ids = r.changed[r.changed["field"].isin(["nik", "nkk"])]
    assert ids[["old", "new"]].stack().str.fullmatch(MASKED.pattern).all()


def test_outputs_are_deterministic(versions, tmp_path):
    old, new, *_ = versions
    for fmt in ("csv", "parquet"):
        a = write_diff_outputs(diff_paths(old, new, Settings()), Settings(), tmp_path / f"a_{fmt}", fmt)
        b = write_diff_outputs(diff_paths(old, new, Settings()), Settings(), tmp_path / f"b_{fmt}", fmt)
        assert sorted(p.name for p in a.values()) == sorted([f"{n}.{fmt}" for n in OUTPUT_FILES] + ["summary.json"])
        for key in a:
            assert a[key].read_bytes() == b[key].read_bytes(), key


def test_input_errors(versions, tmp_path):
    old, *_ = versions
    with pytest.raises(InputError, match=r"nothere\.csv"):
        diff_paths(old, tmp_path / "nothere.csv", OPEN)
    with pytest.raises(InputError, match="standard input"):
        diff_paths("-", "-", OPEN)
    with pytest.raises(InputError, match="--by"):
        diff_paths(old, old, OPEN, by="provinsi")
    (tmp_path / "nocols.csv").write_text("A,B\n1,2\n")
    with pytest.raises(InputError, match=r"nocols\.csv"):
        diff_paths(old, tmp_path / "nocols.csv", OPEN)
    with pytest.raises(InputError, match="format"):
        write_diff_outputs(diff_paths(old, old, OPEN), OPEN, tmp_path / "o", "json")


def test_docs_list_the_contract():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "diff.md").read_text(encoding="utf-8")
    for name in OUTPUT_FILES:
        assert f"`{name}.<fmt>`" in doc, name
    for cols in (CHANGED_COLUMNS, MOVED_COLUMNS, NIK_CHANGED_COLUMNS, UNMATCHED_COLUMNS[1:]):
        assert ", ".join(cols) in doc, cols
    for key in SUMMARY_KEYS:
        assert f'"{key}":' in doc, key
    from dpt_tools.diff import NIK_STATUS, REASONS

    for code in (*REASONS, *NIK_STATUS[2:]):  # matched / absent rows are never unmatched
        assert f"`{code}`" in doc, code


def test_a_file_that_changes_during_the_diff_is_refused(tmp_path, base):
    import os

    from dpt_tools.diff import _read_side

    write_roll(base, tmp_path / "old.csv", style="clean")
    side = _read_side(str(tmp_path / "old.csv"), OPEN, "old")
    assert len(side.sha256) == 64
    side = _read_side(str(tmp_path / "old.csv"), OPEN, "old")
    st = os.stat(tmp_path / "old.csv")
    os.utime(tmp_path / "old.csv", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    with pytest.raises(InputError, match="changed"):
        side.sha256  # noqa: B018


# ----------------------------------------------------------------------------------------------- comparison paths
def _same_result(a: DiffResult, b: DiffResult) -> None:
    for name in OUTPUT_FILES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False)
    assert a.summary == b.summary
    assert (a.old_status == b.old_status).all() and (a.new_status == b.new_status).all()


@pytest.mark.parametrize("noisy", [True, False])
def test_every_comparison_path_gives_the_same_result(versions, tmp_path, monkeypatch, noisy):
    """Columns are compared by a shared dictionary, as int64 NIK/NKK keys or by gathering the text; whichever
    is chosen, the result is the same — on a noisy export (raw text differs everywhere) and on a clean one
    (raw text equal almost everywhere)."""
    import dpt_tools.diff as engine

    old, new, _, _, new_df = versions
    if not noisy:
        write_roll(new_df, tmp_path / "new_clean.csv", style="clean", seed=32)
        new = tmp_path / "new_clean.csv"
    default = diff_paths(old, new, OPEN)
    with monkeypatch.context() as mp:  # text only: no dictionary, no int64 keys
        mp.setattr(engine, "FEW_DISTINCT", 0.0)
        mp.setattr(engine, "_plain_ids", lambda side, fld: None)
        _same_result(diff_paths(old, new, OPEN), default)
    with monkeypatch.context() as mp:  # a dictionary for every column but the identity numbers
        mp.setattr(engine, "FEW_DISTINCT", 1.0)
        _same_result(diff_paths(old, new, OPEN), default)
    assert default.summary["changed"] > 0


@pytest.mark.parametrize("sample_rows", [8192, 40])
def test_raw_text_versus_meaning(tmp_path, base, monkeypatch, sample_rows):
    """Equal text is equal meaning; different text is compared again after normalisation, in every column.
    ``sample_rows=40``: some columns look like one value from their first rows, yet a later row differs."""
    import dpt_tools.diff as engine

    monkeypatch.setattr(engine, "SAMPLE_ROWS", sample_rows)
    old, new = base.copy(), base.copy()
    rows = [int(i) for i in np.flatnonzero(np.arange(len(base)) >= 50)[:16]]
    p, q, r, s, t, u, v, w, x, y, z, a2, b2, c2, d2, e2 = rows
    same = {p: ("rt", str(int(base.loc[p, "rt"]))),  # 3 = 003
            q: ("jenis_kelamin", "LAKI-LAKI" if base.loc[q, "jenis_kelamin"] == "L" else "PEREMPUAN"),
            r: ("kelurahan", "  " + base.loc[r, "kelurahan"].lower().replace(" ", "  ") + " "),
            s: ("tanggal_lahir", base.loc[s, "tanggal_lahir"].replace("-", "/")),
            w: ("nama", base.loc[w, "nama"].title()),
            x: ("disabilitas", "0" + base.loc[x, "disabilitas"]),
            y: ("nkk", "'" + base.loc[y, "nkk"]),
            z: ("provinsi", base.loc[z, "provinsi"].lower())}
    for i, (fld, value) in same.items():
        new.loc[i, fld] = value
    new.loc[t, "tps"] = "005"
    new.loc[u, "status_kawin"] = "KAWIN" if base.loc[u, "status_kawin"] != "S" else "B"
    new.loc[v, "nkk"] = base.loc[v, "nkk"][:12] + ("0001" if base.loc[v, "nkk"][12:] != "0001" else "0002")
    new.loc[a2, "provinsi"] = "JAWA BARAT"
    new.loc[b2, "keterangan"] = "pindah datang"
    new.loc[c2, "tanggal_lahir"] = "01-01-1950"
    new.loc[d2, "kabupaten_kota"] = ""
    new.loc[e2, "alamat"] = base.loc[e2, "alamat"] + " NO. 9"
    write_roll(old, tmp_path / "old.csv", style="clean")
    write_roll(new, tmp_path / "new.csv", style="clean")
    res = diff_paths(tmp_path / "old.csv", tmp_path / "new.csv", OPEN)
    got = _changed_as_truth(res.changed)
    want = {
        base.loc[t, "nik"]: {"tps": [base.loc[t, "tps"], "005"]},
        base.loc[u, "nik"]: {"status_kawin": [base.loc[u, "status_kawin"],
                                              "S" if base.loc[u, "status_kawin"] != "S" else "B"]},
        base.loc[v, "nik"]: {"nkk": [base.loc[v, "nkk"], new.loc[v, "nkk"]]},
        base.loc[a2, "nik"]: {"provinsi": [base.loc[a2, "provinsi"], "JAWA BARAT"]},
        base.loc[b2, "nik"]: {"keterangan": [None, "PINDAH DATANG"]},
        base.loc[c2, "nik"]: {"tanggal_lahir": [
            "-".join(reversed(base.loc[c2, "tanggal_lahir"].split("-"))), "1950-01-01"]},
        base.loc[d2, "nik"]: {"kabupaten_kota": [base.loc[d2, "kabupaten_kota"], None]},
        base.loc[e2, "nik"]: {"alamat": [base.loc[e2, "alamat"], base.loc[e2, "alamat"] + " NO. 9"]},
    }
    assert got == want
    assert res.summary["changed"] == len(want) and res.summary["moved"] == 1
    assert res.summary["unchanged"] == len(base) - len(want)


@pytest.mark.parametrize("sample_rows", [8192, 40])
def test_a_column_of_one_value_that_changes_everywhere(tmp_path, base, monkeypatch, sample_rows):
    import dpt_tools.diff as engine

    monkeypatch.setattr(engine, "SAMPLE_ROWS", sample_rows)
    new = base.copy()
    new["kabupaten_kota"] = "KABUPATEN BANGKA"
    write_roll(base, tmp_path / "old.csv", style="clean")
    write_roll(new, tmp_path / "new.csv", style="clean")
    res = diff_paths(tmp_path / "old.csv", tmp_path / "new.csv", OPEN)
    assert res.summary["changed"] == len(base) and set(res.changed["field"]) == {"kabupaten_kota"}
    assert set(res.changed["new"]) == {"KABUPATEN BANGKA"}


def test_person_keys_before_1970_and_without_partner(tmp_path, base):
    """NIK corrections of persons born before 1970 (negative day numbers) are found; a removal and an addition
    whose birth date and sex occur on one side only stay a removal and an addition."""
    old = base.copy()
    a, b, c = _distinct_persons(base, 3)
    old.loc[a, "tanggal_lahir"] = "17-08-1945"
    new = old.copy()
    new.loc[a, "nik"] = new.loc[a, "nik"][:12] + "9991"
    new.loc[b, "nik"] = new.loc[b, "nik"][:12] + "9992"
    new.loc[b, "tanggal_lahir"] = "02-01-1901"  # b: another date → another person, no partner
    new = new.drop(index=c)
    po, pn = _write_pair(tmp_path, old, new)
    r = diff_paths(po, pn, OPEN)
    _check_conservation(r)
    assert r.nik_changed["nik_old"].tolist() == [old.loc[a, "nik"]]
    assert sorted(r.removed["nik"]) == sorted([old.loc[b, "nik"], old.loc[c, "nik"]])
    assert r.added["nik"].tolist() == [new.loc[b, "nik"]]


@pytest.mark.parametrize("hash_on_read", [False, True])
def test_prefetched_inputs_are_the_bytes_compared(tmp_path, base, hash_on_read):
    """The command reads and hashes both files before the library is imported; the digests in summary.json are
    of exactly the bytes compared, and a missing file is still reported by the loader's message."""
    import hashlib

    from dpt_tools.prefetch import prefetch

    write_roll(base, tmp_path / "old.csv", style="clean")
    write_roll(base.iloc[1:], tmp_path / "new.csv", style="excel", seed=3)
    paths = [str(tmp_path / "old.csv"), str(tmp_path / "new.csv"), "-", str(tmp_path)]
    early = prefetch(paths, hash_on_read=hash_on_read)
    assert sorted(early) == sorted(paths[:2])  # neither standard input nor a directory
    r = diff_paths(paths[0], paths[1], OPEN, prefetched=early)
    for side in ("old", "new"):
        want = hashlib.sha256((tmp_path / f"{side}.csv").read_bytes()).hexdigest()
        assert r.summary[f"{side}_sha256"] == want == r.summary["inputs"][side]["sha256"]
    assert r.summary["removed"] == 1 and r.summary["unchanged"] == len(base) - 1
    with pytest.raises(InputError, match="not found"):
        diff_paths(tmp_path / "missing.csv", paths[1], OPEN, prefetched=early)


def test_hashed_on_read_and_changed_is_refused(tmp_path, base):
    """A file hashed as it was read is still refused when it changes before the end of the diff."""
    import os

    from dpt_tools.diff import _read_side
    from dpt_tools.prefetch import prefetch

    path = tmp_path / "old.csv"
    write_roll(base, path, style="clean")
    early = prefetch([str(path)], hash_on_read=True)
    side = _read_side(str(path), OPEN, "old", prefetched=early[str(path)])
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    with pytest.raises(InputError, match="changed"):
        side.sha256  # noqa: B018


def test_mask_shortcut_is_mask_id():
    """The shortcut for columns of 16 plain digits writes the same bytes as the general mask."""
    import pyarrow as pa

    from dpt_tools.diff import _mask
    from dpt_tools.nik import mask_id

    plain = pa.array(["1971011108140269", "3201234567890123"])
    mixed = pa.array(["1971011108140269", "19710111", None, "", "1971O11108140269", "12345678901234567"])
    for arr in (plain, mixed, pa.array([], type=pa.string())):
        assert _mask(arr).to_pylist() == mask_id(arr).to_pylist()
    assert _mask(plain).to_pylist()[0] == "197101******0269"


@pytest.mark.parametrize("case", ["unique", "old_repeated_absent", "old_repeated_present", "new_repeated"])
def test_nik_join_shortcut_agrees_with_the_general_join(case, monkeypatch):
    """The join's shortcut (unique NIKs, checked without a hash table over all old NIKs) gives the general
    join's pairs, and steps aside whenever a NIK repeats on either side."""
    import pandas as pd

    from dpt_tools import diff as engine

    old = np.array([11, 12, 13, 14, 15, 16], dtype=np.int64)
    new = np.array([16, 14, 12, 17, 11], dtype=np.int64)
    if case == "old_repeated_absent":
        old[1] = old[2] = 99  # repeated, and not in the new version
    elif case == "old_repeated_present":
        old[0] = old[5] = 14  # repeated, and in the new version
    elif case == "new_repeated":
        new[3] = 12

    def facts(keys: np.ndarray) -> engine._Nik:
        n = len(keys)
        return engine._Nik(keys.copy(), np.ones(n, dtype=bool), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))

    fast_o, fast_n = facts(old), facts(new)
    fast = engine._nik_join(fast_o, fast_n)
    with monkeypatch.context() as mp:  # the general join only: no Index is ever unique
        mp.setattr(engine.pd, "Index", lambda *a, **k: type("NotUnique", (), {"is_unique": False})())
        mp.setattr(engine.pd, "factorize", pd.factorize)
        slow_o, slow_n = facts(old), facts(new)
        slow = engine._nik_join(slow_o, slow_n)
    for a, b in zip(fast, slow, strict=True):
        assert (a == b).all()
    assert (fast_o.repeated == slow_o.repeated).all() and (fast_n.repeated == slow_n.repeated).all()
    assert fast_o.repeated.any() == (case.startswith("old_repeated"))


def test_series_from_arrow_is_the_str_column_of_python_values():
    """Output columns built straight from Arrow equal those built from Python strings (missing values too)."""
    import pyarrow as pa

    from dpt_tools.diff import _series

    values = ["BUKIT INTAN", None, "", "Ñ é"]
    got = _series(pa.array(values))
    pd.testing.assert_series_equal(got, pd.Series(values, dtype="str"))
    pd.testing.assert_series_equal(_series(pa.array([], type=pa.string())), pd.Series([], dtype="str"))
