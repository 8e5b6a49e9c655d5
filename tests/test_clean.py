"""dpt clean: nothing lost (conservation), every set-aside row has its reason, the clean roll passes validate,
outputs are deterministic, all-or-nothing, and safe to open in a spreadsheet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from dpt_tools import clean as clean_mod
from dpt_tools.cli import cli
from dpt_tools.config import Settings
from dpt_tools.errors import IntegrityError
from dpt_tools.load import load_roll
from dpt_tools.rules.catalog import RULES_BY_CODE
from dpt_tools.validate import run_rules

SETTINGS = Settings()
ROW_ERRORS = {c for c, r in RULES_BY_CODE.items() if r.scope == "row" and r.severity == "error"}


@pytest.fixture(scope="module")
def cleaned(planted_roll):
    path, truth = planted_roll
    return clean_mod.clean_path(path, SETTINGS, dedupe=False), truth


def test_rows_conserved(cleaned):
    result, truth = cleaned
    clean_rows = set(result.clean["row_number"])
    rejected_rows = set(result.rejected["row_number"])
    assert not clean_rows & rejected_rows
    assert clean_rows | rejected_rows == set(range(1, truth["rows"] + 1))
    assert len(result.clean) + len(result.rejected) == truth["rows"]


@pytest.mark.parametrize("code", sorted(ROW_ERRORS))
def test_row_errors_are_set_aside_with_their_code(cleaned, code):
    result, truth = cleaned
    planted = set(truth["planted"][code])
    rej = result.rejected.set_index("row_number")["reasons"]
    for row in planted:
        assert code in rej.loc[row].split(";")


def test_group_findings_never_remove_a_voter(cleaned):
    result, truth = cleaned
    for code in ("tps_over_capacity", "family_split_tps"):
        planted = set(truth["planted"][code])
        kept = planted & set(result.clean["row_number"])
        rejected = set(result.rejected["row_number"])
        assert kept == planted - rejected  # only set aside if the row has an error of its own
        assert len(kept) >= len(planted) - 5


def test_clean_output_passes_validate_without_row_errors(cleaned, tmp_path):
    result, _ = cleaned
    paths = clean_mod.write_clean_outputs(result, tmp_path, "parquet")
    roll = load_roll(paths["clean"])
    findings, _ = run_rules(roll, SETTINGS)
    assert not set(findings["rule"]) & ROW_ERRORS


def test_canonical_columns_and_gelar(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("NIK;NAMA;TGL LAHIR;JK;STATUS;TPS;EXTRA\n"
                 "'1971011708850001;h. dedi  saputra, s.pd;17/08/1985;laki-laki;kawin;3;x\n")
    result = clean_mod.clean_path(p, SETTINGS, dedupe=False)
    row = result.clean.iloc[0]
    assert list(result.clean.columns[:5]) == ["row_number", "nkk", "nik", "nama", "gelar"]
    assert result.clean.columns[-1] == "EXTRA"
    assert (row["nik"], row["nama"], row["gelar"], row["tanggal_lahir"], row["jenis_kelamin"], row["tps"]) == (
        "1971011708850001", "DEDI SAPUTRA", "H., S.PD", "1985-08-17", "L", "003")


def test_deterministic_bytes(planted_roll, tmp_path):
    path, _ = planted_roll
    outs = []
    for d in ("a", "b"):
        res = CliRunner().invoke(cli, ["clean", str(path), "--out", str(tmp_path / d), "--no-dedupe",
                                       "--format", "csv"])
        assert res.exit_code == 0, res.output
        outs.append(tmp_path / d)
    for name in ("clean.csv", "rejected.csv", "findings.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes()
    m = [json.loads((o / "manifest.json").read_text()) for o in outs]
    for x in m:
        x.pop("run")
    assert m[0] == m[1]


def test_manifest(cleaned, tmp_path):
    result, truth = cleaned
    paths = clean_mod.write_clean_outputs(result, tmp_path, "parquet")
    m = json.loads(paths["manifest"].read_text())
    assert m["input"]["rows"] == truth["rows"] and m["rows"]["clean"] + m["rows"]["rejected"] == truth["rows"]
    assert m["outputs"]["clean"]["rows"] == pq.read_metadata(paths["clean"]).num_rows
    assert m["outputs"]["clean"]["file"] == "clean.parquet"
    assert sum(m["rejected_by_reason"].values()) >= m["rows"]["rejected"]


def test_failure_before_rename_leaves_previous_outputs(cleaned, tmp_path):
    result, _ = cleaned
    clean_mod.write_clean_outputs(result, tmp_path, "csv")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result.clean = result.clean.iloc[:10]
    with pytest.raises(IntegrityError):
        clean_mod.write_clean_outputs(result, tmp_path, "csv", _fail_before_rename=True)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert after == before  # no temporary file left, nothing half-replaced


def test_failure_on_first_run_leaves_nothing(cleaned, tmp_path):
    result, _ = cleaned
    with pytest.raises(IntegrityError):
        clean_mod.write_clean_outputs(result, tmp_path / "new", "csv", _fail_before_rename=True)
    assert list((tmp_path / "new").iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["new"]  # no staging directory left beside it


def test_conservation_is_checked_in_code(planted_roll, monkeypatch, tmp_path):
    original = clean_mod.canonical_frame
    monkeypatch.setattr(clean_mod, "canonical_frame", lambda roll: original(roll).iloc[1:])
    res = CliRunner().invoke(cli, ["clean", str(planted_roll[0]), "--out", str(tmp_path / "o"), "--no-dedupe"])
    assert res.exit_code == 3  # a broken invariant is a bug (docs/contract.md), not bad input
    assert "not conserved" in res.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_keep_invalid(planted_roll):
    result = clean_mod.clean_path(planted_roll[0], SETTINGS, dedupe=False, keep_invalid=True)
    assert result.rejected.empty and len(result.clean) == planted_roll[1]["rows"]
    underage = set(planted_roll[1]["planted"]["underage"])
    flagged = result.clean.set_index("row_number").loc[sorted(underage), "findings"]
    assert flagged.str.contains("underage").all()


def test_csv_cells_cannot_run_as_formulas(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text("NIK;NAMA;TGL LAHIR;JK;STATUS;TPS;ALAMAT\n"
                 "1971011708850001;BUDI;17-08-1985;L;S;1;=HYPERLINK(\"http://x\")\n"
                 "1971011708850002;SITI;17-08-1985;L;S;1;@SUM(A1)\n"
                 "1971011708850003;ANI;17-08-1985;L;S;1;+62 812\n"
                 "1971011708850004;IWAN;17-08-1985;L;S;1;-JL MAWAR\n")
    result = clean_mod.clean_path(p, SETTINGS, dedupe=False)
    paths = clean_mod.write_clean_outputs(result, tmp_path / "o", "csv")
    text = paths["clean"].read_text()
    for cell in ("=HYPERLINK", "@SUM", "+62", "-JL"):
        assert f"'{cell}" in text
    df = pd.read_csv(paths["clean"], dtype=str)
    assert not df["alamat"].str.match(r"^[=+\-@]").any()


def test_cli_exit_codes(planted_roll, tmp_path):
    ok = CliRunner().invoke(cli, ["clean", str(planted_roll[0]), "--out", str(tmp_path / "o"), "--no-dedupe"])
    assert ok.exit_code == 0
    same = CliRunner().invoke(cli, ["clean", str(planted_roll[0]), "--out", str(planted_roll[0])])
    assert same.exit_code == 2
    missing = CliRunner().invoke(cli, ["clean", str(tmp_path / "none.csv"), "--out", str(tmp_path / "x")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_subprocess_clean(planted_roll, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    res = subprocess.run([sys.executable, "-m", "dpt_tools.cli", "clean", str(planted_roll[0]), "--out",
                          str(tmp_path / "o"), "--no-dedupe", "--quiet", "--lang", "en"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().startswith("DONE:")
    assert (tmp_path / "o" / "manifest.json").exists()


@pytest.fixture(scope="module")
def deduped(planted_roll):
    path, truth = planted_roll
    return clean_mod.clean_path(path, SETTINGS), truth


def test_duplicates_resolved_to_one_record(deduped):
    result, truth = deduped
    rej = result.rejected.set_index("row_number")
    clean_rows = set(result.clean["row_number"])
    dup_rows = rej[rej["reasons"].str.contains("duplicate")]
    # every duplicate points at a record that stayed in the clean roll
    assert dup_rows["duplicate_of"].notna().all()
    assert set(dup_rows["duplicate_of"].astype(int)) <= clean_rows
    resolved = 0
    for pair in truth["duplicates"]:
        a, b = pair["rows"]
        own_defect = [r for r in (a, b) if r in rej.index and rej.loc[r, "reasons"] != "duplicate"]
        if own_defect:
            continue  # one of the two has a defect of its own
        kept = {a, b} & clean_rows
        if len(kept) == 1:
            other = ({a, b} - kept).pop()
            assert int(rej.loc[other, "duplicate_of"]) == kept.pop()
            resolved += 1
    assert resolved >= 0.95 * len(truth["duplicates"]) - 2


def test_nik_conflicts_both_set_aside(deduped):
    result, truth = deduped
    rej = result.rejected.set_index("row_number")
    for a, b in truth["nik_conflicts"]:
        assert "nik_conflict" in rej.loc[a, "reasons"] and "nik_conflict" in rej.loc[b, "reasons"]


def test_twins_and_namesakes_stay(deduped):
    result, truth = deduped
    clean_rows = set(result.clean["row_number"])
    for neg in truth["hard_negatives"]:
        assert set(neg["rows"]) <= clean_rows, neg


def test_clean_with_dedupe_passes_validate(deduped, tmp_path):
    result, _ = deduped
    paths = clean_mod.write_clean_outputs(result, tmp_path, "csv")
    roll = load_roll(paths["clean"])
    findings, _ = run_rules(roll, SETTINGS)
    assert not set(findings["rule"]) & ROW_ERRORS
    assert paths["duplicate_groups"].exists()
    groups = pd.read_csv(paths["duplicate_groups"], dtype=str)
    assert not groups["nik"].str.fullmatch(r"[0-9]{16}").any()  # masked


def _write(tmp_path, text: str, name: str = "r.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


HEAD = "NIK;NAMA;TGL LAHIR;JK;STATUS;TPS"


def test_killed_during_renames_leaves_no_manifest(cleaned, tmp_path, monkeypatch):
    """manifest.json is the commit marker: removed before the first rename, written last."""
    result, _ = cleaned
    clean_mod.write_clean_outputs(result, tmp_path, "csv")
    calls = {"n": 0}
    real_replace = os.replace

    def dying_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # stands in for kill -9 between two renames
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        clean_mod.write_clean_outputs(result, tmp_path, "csv")
    monkeypatch.setattr(os, "replace", real_replace)
    assert not (tmp_path / "manifest.json").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_stale_outputs_and_temp_files_removed(cleaned, tmp_path):
    result, _ = cleaned
    clean_mod.write_clean_outputs(result, tmp_path, "csv")
    (tmp_path / ".clean.parquet.abc.tmp").write_text("left by a killed run")
    (tmp_path / "duplicate_groups.csv").write_text("from an earlier run with dedupe")
    clean_mod.write_clean_outputs(result, tmp_path, "parquet")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["clean.parquet", "findings.parquet", "manifest.json", "rejected.parquet"]


def test_input_columns_named_like_outputs_are_kept(tmp_path):
    p = _write(tmp_path, HEAD + ";reasons;findings;row_number\n1971011708850001;BUDI;17-08-1985;L;S;1;a;b;c\n")
    result = clean_mod.clean_path(p, SETTINGS, dedupe=False, keep_invalid=True)
    row = result.clean.iloc[0]
    assert row["reasons_input"] == "a" and row["findings_input"] == "b"
    assert row["row_number"] == 1


def test_masked_and_missing_columns_are_cleaned(tmp_path):
    p = _write(tmp_path, "NIK;NAMA;TGL LAHIR;JK;STATUS\n197101**********;BUDI;17-08-1985;L;S\n")
    result = clean_mod.clean_path(p, SETTINGS, dedupe=False)
    assert len(result.clean) == 1 and result.clean.iloc[0]["nik"] == "197101**********"


def test_duplicate_group_without_a_valid_record(tmp_path):
    line = "1971012808100001;BUDI SANTOSO;28-08-2010;L;B;1\n"  # under 17: invalid
    result = clean_mod.clean_path(_write(tmp_path, HEAD + "\n" + line + line), SETTINGS)
    rej = result.rejected.set_index("row_number")
    assert rej["reasons"].tolist() == ["underage", "underage"]  # each for its own defect, neither as "duplicate"
    assert rej["duplicate_of"].isna().all()
    if result.groups is not None and len(result.groups):
        assert not result.groups["keep"].any()


def test_empty_lines_are_accounted_for(tmp_path):
    line = "1971011708850{:03d};ORANG {};17-08-1985;L;S;1\n"
    p = _write(tmp_path, HEAD + "\n" + line.format(1, "A") + "\n;;;;;\n" + line.format(2, "B"))
    result = clean_mod.clean_path(p, SETTINGS, dedupe=False)
    paths = clean_mod.write_clean_outputs(result, tmp_path / "o", "csv")
    m = json.loads(paths["manifest"].read_text())
    assert m["rows"] == {"input": 2, "clean": 2, "rejected": 0, "empty_lines": 2}
    assert result.clean["row_number"].tolist() == [1, 4]


def test_formula_like_headers_are_guarded(tmp_path):
    p = _write(tmp_path, HEAD + ";=HYPERLINK(1)\n1971011708850001;BUDI;17-08-1985;L;S;1;x\n")
    paths = clean_mod.write_clean_outputs(clean_mod.clean_path(p, SETTINGS, dedupe=False), tmp_path / "o", "csv")
    header = paths["clean"].read_text().splitlines()[0]
    assert "'=HYPERLINK(1)" in header
