"""``dpt diff`` as a contract: outputs and their names, summary.json, terminal table in id/en without full NIKs,
exit codes with one-line errors, --help example, through CliRunner and a real subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dpt_tools.cli import cli
from dpt_tools.diff import OUTPUT_FILES, SUMMARY_KEYS
from dpt_tools.synth import synth_next_version, synth_roll, write_roll

FULL_NIK = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    d = tmp_path_factory.mktemp("diffcli")
    old, _ = synth_roll(2500, seed=61, problems=False, duplicates=False)
    new, truth = synth_next_version(old, seed=62)
    write_roll(old, d / "DPS.csv", style="excel", seed=61)
    write_roll(new, d / "DPT.csv", style="excel", seed=62, shuffle_columns=True)
    return d / "DPS.csv", d / "DPT.csv", truth


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["diff", *args])
    return res.exit_code, res.stdout, res.stderr


def test_outputs_and_summary(pair, tmp_path):
    old, new, truth = pair
    code, out, _ = _run(str(old), str(new), "--out", str(tmp_path / "o"))
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "o").iterdir())
    assert names == sorted([f"{n}.csv" for n in OUTPUT_FILES] + ["summary.json"])
    s = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert list(s)[:len(SUMMARY_KEYS)] == list(SUMMARY_KEYS)
    assert (s["added"], s["removed"], s["moved"], s["nik_changed"], s["changed"]) == (
        len(truth["added"]), len(truth["removed"]), len(truth["moved"]), len(truth["nik_changed"]),
        len(truth["changed"]))
    assert len(s["old_sha256"]) == 64 and s["old_sha256"] != s["new_sha256"]
    assert s["by"] == "kelurahan" and s["by_region"] and set(s["by_sex"]) == {"L", "P", "unknown"}
    changed = pd.read_csv(tmp_path / "o" / "changed.csv", dtype=str)
    assert list(changed.columns) == ["nik", "row_old", "row_new", "field", "old", "new"]
    moved = pd.read_csv(tmp_path / "o" / "moved.csv", dtype=str)
    assert list(moved.columns)[:7] == ["nik", "row_old", "row_new", "from_kelurahan", "from_tps", "to_kelurahan",
                                       "to_tps"]
    assert pd.read_csv(tmp_path / "o" / "added.csv", dtype=str).columns[0] == "row_number"
    for name in OUTPUT_FILES:  # masked by default
        assert not FULL_NIK.search((tmp_path / "o" / f"{name}.csv").read_text(encoding="utf-8")), name
    # terminal: Bahasa Indonesia by default, a row per kelurahan, the overall line, no NIK
    assert "KELURAHAN" in out and "Lama" in out and "+Masuk" in out and "masuk" in out
    assert not FULL_NIK.search(out)


def test_english_and_levels(pair):
    old, new, _ = pair
    code, out, _ = _run(str(old), str(new), "--lang", "en", "--by", "tps")
    assert code == 0 and "+Added" in out and "unchanged" in out and "TPS" in out
    code, out, _ = _run(str(old), str(new), "--by", "kecamatan", "--quiet")
    assert code == 0 and out.count("\n") <= 3 and "→" in out


def test_parquet_json_and_no_mask(pair, tmp_path):
    old, new, truth = pair
    code, out, _ = _run(str(old), str(new), "--out", str(tmp_path / "p"), "--format", "parquet", "--json",
                        "--no-mask")
    assert code == 0
    s = json.loads(out)
    assert s == json.loads((tmp_path / "p" / "summary.json").read_text(encoding="utf-8"))
    added = pd.read_parquet(tmp_path / "p" / "added.parquet")
    assert sorted(added["nik"]) == sorted(truth["added"])  # --no-mask: the files carry the full NIK


def test_input_errors_exit_2(pair, tmp_path):
    old, new, _ = pair
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header = tmp_path / "header.csv"
    header.write_text("NIK,NAMA,TGL LAHIR\n")
    for args, needle in (([str(old), str(tmp_path / "missing.csv")], "missing.csv"),
                         ([str(empty), str(new)], "empty.csv"),
                         ([str(old), str(header)], "header.csv")):
        code, _, err = _run(*args)
        assert code == 2, args
        assert needle in err and err.count("\n") == 1 and "Traceback" not in err, args
    for args in ([str(old), str(new), "--out", str(old)], [str(old), str(new), "--by", "provinsi"]):  # usage errors
        code, _, err = _run(*args)
        assert code == 2 and "Traceback" not in err


def test_help_ends_with_an_example():
    res = CliRunner().invoke(cli, ["diff", "--help"])
    assert res.exit_code == 0
    lines = [ln for ln in res.stdout.strip().splitlines() if ln.strip()]
    assert lines[-2].strip() == "Example:" and lines[-1].strip().startswith("dpt diff ")


def test_same_input_same_bytes(pair, tmp_path):
    old, new, _ = pair
    for d in ("x", "y"):
        assert _run(str(old), str(new), "--out", str(tmp_path / d), "--quiet")[0] == 0
    for p in (tmp_path / "x").iterdir():
        assert p.read_bytes() == (tmp_path / "y" / p.name).read_bytes(), p.name


def _dpt(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    return subprocess.run([sys.executable, "-m", "dpt_tools.cli", "diff", *args], capture_output=True, env=env,
                          timeout=120, text=True)


def test_subprocess(pair, tmp_path):
    old, new, truth = pair
    res = _dpt(str(old), str(new), "--out", str(tmp_path / "s"), "--lang", "en")
    assert res.returncode == 0, res.stderr
    assert "+Added" in res.stdout and not FULL_NIK.search(res.stdout + res.stderr)
    s = json.loads((tmp_path / "s" / "summary.json").read_text(encoding="utf-8"))
    assert s["nik_changed"] == len(truth["nik_changed"])
    res = _dpt(str(old), str(tmp_path / "gone.csv"))
    assert res.returncode == 2 and res.stderr.count("\n") == 1 and "gone.csv" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_new_version_from_stdin(pair):
    old, new, truth = pair
    res = CliRunner().invoke(cli, ["diff", str(old), "-", "--json", "--lang", "en"], input=new.read_bytes())
    assert res.exit_code == 0, res.stderr
    s = json.loads(res.stdout)
    assert s["added"] == len(truth["added"]) and s["inputs"]["new"]["path"] == "-"


def test_diff_refuses_to_overwrite_its_input(tmp_path):
    from click.testing import CliRunner

    from dpt_tools.cli import cli
    from dpt_tools.synth import synth_roll, write_roll

    df, _ = synth_roll(400, seed=2, problems=False, duplicates=False)
    write_roll(df, tmp_path / "added.csv")
    write_roll(df, tmp_path / "new.csv")
    before = (tmp_path / "added.csv").read_bytes()
    res = CliRunner().invoke(cli, ["diff", str(tmp_path / "added.csv"), str(tmp_path / "new.csv"),
                                   "--out", str(tmp_path)])
    assert res.exit_code == 2 and "overwrite the input" in res.output
    assert (tmp_path / "added.csv").read_bytes() == before
