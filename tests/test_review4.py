"""Adversarial review of session 4 (review4): defects found by running the real ``dpt`` command on synthetic rolls,
each pinned by a test that failed before its fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from dpt_tools.cli import cli
from dpt_tools.config import Settings
from dpt_tools.load import load_roll
from dpt_tools.synth import synth_roll, write_roll
from dpt_tools.validate import run_rules

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _dpt(*args: str, stdin_path: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real command; ``stdin_path`` is given as a shell redirect would (``< file``), not through a pipe."""
    env = {**os.environ, "PYTHONPATH": SRC}
    with open(stdin_path, "rb") if stdin_path else open(os.devnull, "rb") as fh:
        return subprocess.run([sys.executable, "-m", "dpt_tools.cli", *args], stdin=fh, capture_output=True,
                              env=env, cwd=cwd, timeout=180)


def _dpt_here(*args: str) -> Result:
    """The same command through click's CliRunner, in this process: for defects of the library's results (what
    the command computes, not how a process starts, reads its standard input or exits), without a process start
    per case. Each command keeps real-process runs in this file."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def roll_df() -> pd.DataFrame:
    df, _ = synth_roll(300, seed=4, problems=False, duplicates=False)
    return df


@pytest.mark.parametrize("command", ["validate", "diff", "clean"])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_roll_redirected_from_the_out_dir_survives(tmp_path, roll_df, command, fmt):
    """``dpt validate - --out hasil < hasil/findings.csv``: the roll on standard input is a file of the output
    directory named like an output. Writing the same name would replace it, writing the other format would delete
    it as a stale output; the input given by name is protected from both, so must the one given on stdin be."""
    out = tmp_path / "hasil"
    out.mkdir()
    name = {"validate": "findings", "diff": "removed", "clean": "rejected"}[command]
    roll = out / f"{name}.csv"
    write_roll(roll_df, roll, style="clean")
    before = roll.read_bytes()
    other = tmp_path / "other.csv"
    write_roll(roll_df.head(200), other, style="clean")
    args = {"validate": ["validate", "-"], "diff": ["diff", "-", str(other)], "clean": ["clean", "-"]}[command]
    res = _dpt(*args, "--out", str(out), "--format", fmt, stdin_path=roll)
    assert roll.exists() and roll.read_bytes() == before, (res.returncode, res.stderr.decode())
    if fmt == "csv":  # the output would replace the input: refused like a named input, exit 2, one line
        assert res.returncode == 2 and len(res.stderr.decode().strip().splitlines()) == 1, res.stderr
    else:
        assert res.returncode in (0, 1), res.stderr


def _reconciles(entry: dict) -> bool:
    return entry["old"] - entry["removed"] - entry["unmatched_old"] - entry["moved_out"] + entry["moved"] \
        == entry["new"] - entry["added"] - entry["unmatched_new"]


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    d = tmp_path_factory.mktemp("versions")
    subprocess.run([sys.executable, "-m", "dpt_tools.cli", "synth", "--rows", "1500", "--seed", "11", "--style",
                    "clean", "--out", str(d / "old.csv"), "--next-version", str(d / "new.csv")],
                   env={**os.environ, "PYTHONPATH": SRC}, check=True, capture_output=True, timeout=180)
    read = {"dtype": str, "keep_default_na": False}
    return d, pd.read_csv(d / "old.csv", **read), pd.read_csv(d / "new.csv", **read)


@pytest.mark.parametrize(("dropped", "by"), [("kecamatan", "kecamatan"), ("kecamatan", "kelurahan"),
                                             ("tps", "tps"), ("kelurahan", "tps")])
@pytest.mark.parametrize("side", ["old", "new"])
def test_a_region_column_only_one_version_has_still_reconciles(versions, tmp_path, dropped, by, side):
    """One export without its KECAMATAN (or TPS) column: that level cannot be compared, so nobody can be seen to
    move in it. Counting the old rows under their kecamatan and the same persons' new rows under none left every
    region unbalanced (old 534 → new 0, nobody removed or moved). docs/diff.md: each region's counts add up."""
    d, old, new = versions
    (old if side == "old" else new).drop(columns=[dropped]).to_csv(tmp_path / f"{side}.csv", index=False)
    paths = {s: tmp_path / f"{s}.csv" if s == side else d / f"{s}.csv" for s in ("old", "new")}
    res = _dpt_here("diff", str(paths["old"]), str(paths["new"]), "--by", by, "--json")
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert dropped in summary["fields_not_compared"]
    assert summary["moved"] > 0  # the other levels still tell moves
    bad = [e for e in summary["by_region"] if not _reconciles(e)]
    assert not bad, bad[:2]
    assert all(e[dropped] is None for e in summary["by_region"])


def test_a_member_without_a_tps_number_does_not_split_the_family(tmp_path):
    """tps_missing now says '-', 'X', '?' (and 000) hold no TPS number; family_split_tps still counted each of them
    as a TPS: a family at 001 with two members on '-' and 'X' was "spread over 3 TPS: -, 001, X", a warning about
    TPS that do not exist beside the tps_missing errors that already name those rows."""
    base = {"NKK": "1971011201150003", "NAMA": "BUDI SANTOSO", "TGL LAHIR": "17-08-1985", "JK": "L", "STATUS": "S",
            "KELURAHAN": "BACANG", "KECAMATAN": "BUKIT INTAN"}

    def rules_on(rows: list[dict]) -> pd.DataFrame:
        pd.DataFrame(rows).to_csv(tmp_path / "r.csv", index=False)
        return run_rules(load_roll(tmp_path / "r.csv"), Settings())[0]

    def rows_of(f: pd.DataFrame, code: str) -> set[int]:
        return set(f.loc[f["rule"] == code, "row_number"])

    tps = ["001", "-", "X", "000", "001"]
    rows = [{**base, "NIK": f"19710117088500{i + 1:02d}", "TPS": v} for i, v in enumerate(tps)]
    f = rules_on(rows)
    assert rows_of(f, "tps_missing") == {2, 3, 4}
    assert not rows_of(f, "family_split_tps"), f.loc[f.rule == "family_split_tps", "message"].tolist()
    # a real split beside a placeholder is still one: 001 and 002, the '-' member not listed as a TPS
    rows[4]["TPS"] = "002"
    f = rules_on(rows)
    assert rows_of(f, "family_split_tps") == {1, 5}
    assert set(f.loc[f.rule == "family_split_tps", "message"]) == {
        "Anggota satu keluarga (NKK sama) tersebar di 2 TPS kelurahan yang sama: 001, 002"}


def test_rows_without_a_tps_number_are_no_overfull_tps(tmp_path):
    """An export whose TPS column holds '-' for every voter of a kelurahan (TPS not yet assigned): tps_missing on
    each row, as for an empty cell; not also "TPS - in BACANG holds 700 voters, more than 600" on each row."""
    n = 700
    df = pd.DataFrame({"NKK": [f"19710112{i:08d}" for i in range(n)], "NIK": [f"19710117{i:08d}" for i in range(n)],
                       "NAMA": "BUDI SANTOSO", "TGL LAHIR": "17-08-1985", "JK": "L", "STATUS": "S",
                       "TPS": ["-"] * (n - 10) + ["000"] * 10, "KELURAHAN": "BACANG", "KECAMATAN": "BUKIT INTAN"})
    df.to_csv(tmp_path / "r.csv", index=False)
    settings = Settings()
    assert n > settings.tps_max
    f = run_rules(load_roll(tmp_path / "r.csv"), settings)[0]
    assert (f["rule"] == "tps_missing").sum() == n
    assert not (f["rule"] == "tps_over_capacity").any()


@pytest.mark.parametrize("placeholder", ["-", "KEL.", "?", "DESA -"])
def test_a_placeholder_for_a_missing_kelurahan_is_no_move(tmp_path, roll_df, placeholder):
    """Regions are compared as places: 'KEL.' or '-' names no place, and by_region already counted it with the empty
    cells (one '(kosong)' row); yet changed/moved reported "moved from (empty) to KEL." for each such person, a
    move into and out of the same by_region row."""
    old = roll_df.copy()
    new = roll_df.copy()
    old.loc[:19, "kelurahan"] = ""
    new.loc[:9, "kelurahan"] = placeholder
    new.loc[10:19, "kelurahan"] = ""
    old.loc[20:29, "kelurahan"] = placeholder  # and back
    new.loc[20:29, "kelurahan"] = ""
    write_roll(old, tmp_path / "old.csv", style="clean")
    write_roll(new, tmp_path / "new.csv", style="clean")
    res = _dpt_here("diff", str(tmp_path / "old.csv"), str(tmp_path / "new.csv"), "--json", "--out",
                    str(tmp_path / "o"))
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["changed"] == 0 and summary["moved"] == 0, pd.read_csv(tmp_path / "o" / "moved.csv").head()
    empty = [e for e in summary["by_region"] if e["kelurahan"] in (None, placeholder)]
    assert len(empty) == 1 and empty[0]["old"] == empty[0]["new"] == 30 and empty[0]["moved_out"] == 0


def test_a_nik_typed_into_the_name_column_is_not_printed_by_dedupe(tmp_path, roll_df):
    """A shifted or mistyped line puts a NIK into NAMA (or TGL LAHIR); dedupe's table of the strongest groups
    quotes name and birth date beside the masked NIK, and showed that NIK in full."""
    df = roll_df.head(50).copy()
    twin = df.iloc[[3]].copy()
    df = pd.concat([df, twin], ignore_index=True)  # one person listed twice: a certain group, shown in the table
    nik = str(df.loc[3, "nik"])
    df.loc[3, "nama"] = nik
    df.loc[50, "tanggal_lahir"] = nik
    write_roll(df, tmp_path / "r.csv", style="clean")
    res = _dpt("dedupe", str(tmp_path / "r.csv"))
    shown = (res.stdout + res.stderr).decode()
    assert res.returncode == 1 and "r.csv:4 " in shown, shown
    assert nik not in shown and f"{nik[:6]}******{nik[12:]}" in shown, shown


@pytest.mark.parametrize("command", [["validate", "-"], ["diff", "-", "OTHER"], ["clean", "-", "--out", "o"],
                                     ["dedupe", "-"]])
def test_a_parquet_roll_on_stdin_gets_advice_that_can_be_followed(tmp_path, roll_df, command):
    """``dpt validate - < roll.parquet``: "-: is a Parquet file; name it *.parquet" asks for a name standard input
    does not have. Standard input takes CSV only: the advice is to give the Parquet file by its path."""
    write_roll(roll_df, tmp_path / "r.parquet")
    write_roll(roll_df, tmp_path / "other.csv", style="clean")
    args = [str(tmp_path / "other.csv") if a == "OTHER" else str(tmp_path / a) if a == "o" else a for a in command]
    res = _dpt(*args, stdin_path=tmp_path / "r.parquet")
    err = res.stderr.decode().strip()
    assert res.returncode == 2 and len(err.splitlines()) == 1, err
    assert "Parquet" in err and "name it" not in err and "path" in err, err


def test_the_overall_line_of_diff_is_one_line_in_a_pipe(versions):
    """A cron job keeps ``dpt diff --quiet`` (or the stderr of ``--json``): "prints only the overall line", but on a
    pipe it was wrapped at 80 columns into two lines, cut in the middle of a count ("500 moved / TPS/region")."""
    d, _, _ = versions
    for i, (extra, stream) in enumerate(((["--quiet"], "stdout"), (["--json"], "stderr"), ([], "stdout"))):
        for j, lang in enumerate(("id", "en")):
            args = ("diff", str(d / "old.csv"), str(d / "new.csv"), "--lang", lang, *extra)
            if (i + j) % 2 == 0:  # a real process on a pipe for every option and both languages
                res = _dpt(*args)
                code, text = res.returncode, getattr(res, stream).decode()
            else:  # the other three through CliRunner, whose streams are not a terminal either
                here = _dpt_here(*args)
                code, text = here.exit_code, getattr(here, stream)
            assert code == 0, text
            lines = [ln for ln in text.splitlines() if ln.startswith(("Lama ", "Old "))]
            assert len(lines) == 1, text
            assert lines[0].rstrip().endswith(("baru", "new")), text  # the whole line, up to its last word


def test_a_nik_glued_to_letters_in_a_name_is_masked_in_findings(tmp_path):
    """``BUDI1971011708850009`` in NAMA: the name_suspicious finding's value hides digits 7–12 like a NIK (a word
    boundary regex missed a number glued to letters); ``--no-mask`` shows it."""
    from dpt_tools.config import Settings
    from dpt_tools.validate import validate_path

    p = tmp_path / "g.csv"
    p.write_text("NIK;NAMA;TGL LAHIR;JK;STATUS;TPS\n1971011708850001;BUDI1971011708850009;17-08-1985;L;S;1\n")
    masked = validate_path(p, Settings()).findings
    assert masked.loc[masked["rule"] == "name_suspicious", "value"].tolist() == ["BUDI197101******0009"]
    shown = validate_path(p, Settings(mask=False)).findings
    assert shown.loc[shown["rule"] == "name_suspicious", "value"].tolist() == ["BUDI1971011708850009"]
