"""A roll that is not UTF-8 is read as Windows-1252 — a guess, so the clerk is told, whole file and in parts alike."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dpt_tools.cli import cli
from dpt_tools.i18n import note_text
from dpt_tools.load import CP1252_NOTE, load_roll
from dpt_tools.synth import synth_roll, write_roll


def _cp1252_roll(tmp_path: Path) -> Path:
    df, _ = synth_roll(400, seed=21)
    utf8 = tmp_path / "utf8.csv"
    write_roll(df, utf8, style="clean")
    lines = utf8.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3].replace(",", ",JOSÉ ", 1)  # into the second column (NIK): É is 0xC9 in cp1252
    lines[350] = lines[350].replace(",", ",CAFÉ ", 1)  # and one far from the start
    path = tmp_path / "ansi.csv"
    path.write_bytes("\n".join(lines).encode("cp1252"))
    return path


def test_a_cp1252_file_carries_the_note_and_its_letters(tmp_path: Path) -> None:
    path = _cp1252_roll(tmp_path)
    roll = load_roll(path)
    assert roll.notes == [CP1252_NOTE]
    assert roll.dialect.encoding == "cp1252"
    assert sum("JOSÉ" in v or "CAFÉ" in v for v in roll.raw.column("nik").to_pylist()) == 2
    utf8 = load_roll(tmp_path / "utf8.csv")
    assert CP1252_NOTE not in utf8.notes


def test_whole_and_parts_report_the_same_note_in_both_languages(tmp_path: Path) -> None:
    path = _cp1252_roll(tmp_path)
    runner = CliRunner()
    summaries = []
    for extra in ([], ["--part-rows", "100"]):
        out = tmp_path / f"out{len(extra)}"
        res = runner.invoke(cli, ["validate", str(path), "--out", str(out), "--lang", "en", *extra])
        assert res.exit_code in (0, 1), res.output
        assert "read as Windows-1252" in res.output
        summaries.append(json.loads((out / "summary.json").read_text(encoding="utf-8")))
    assert summaries[0]["notes"] == summaries[1]["notes"] == [CP1252_NOTE]
    res = runner.invoke(cli, ["validate", str(path)])
    assert "dibaca sebagai Windows-1252" in res.output
    assert note_text(CP1252_NOTE, "id").startswith("berkas bukan UTF-8")


def test_diff_reports_each_versions_notes(tmp_path: Path) -> None:
    """summary.json's inputs carry each version's loader notes, and the screen shows them (not with --quiet)."""
    old = _cp1252_roll(tmp_path)
    new = tmp_path / "utf8.csv"
    runner = CliRunner()
    res = runner.invoke(cli, ["diff", str(old), str(new), "--out", str(tmp_path / "d"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "d" / "summary.json").read_text(encoding="utf-8"))
    assert summary["inputs"]["old"]["notes"] == [CP1252_NOTE]
    assert summary["inputs"]["new"]["notes"] == []
    assert "ansi.csv: the file is not UTF-8" in " ".join(res.output.split())
    res = runner.invoke(cli, ["diff", str(old), str(new), "--quiet"])
    assert res.exit_code == 0 and "UTF-8" not in res.output
    res = runner.invoke(cli, ["diff", str(old), str(new)])
    assert "berkas bukan UTF-8" in " ".join(res.output.split())
