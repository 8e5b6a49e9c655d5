"""The loader's notes (what it had to work around) reach the clerk on the terminal, in Indonesian by default."""

from __future__ import annotations

from click.testing import CliRunner

from dpt_tools.cli import cli
from dpt_tools.i18n import note_text
from dpt_tools.load import load_roll

HEADER = "NIK;NAMA;TGL LAHIR;JK;TPS;NAMA PEMILIH\r\n"
LINE = "19710115069{:05d};BUDI SANTOSO;15-06-1990;L;001;x\r\n"


def _quirky(tmp_path):
    """Empty lines, a stray quote and a header that repeats a mapped field: every note the loader writes."""
    lines = [LINE.format(i) for i in range(1, 40)]
    lines[5] = lines[5].replace(";BUDI", ';"BUDI', 1)  # a quote that opens a value and never closes
    lines[10:10] = ["\r\n", "\r\n"]
    path = tmp_path / "roll.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def test_every_loader_note_has_an_indonesian_text(tmp_path):
    roll = load_roll(_quirky(tmp_path))
    assert len(roll.notes) == 3
    for note in roll.notes:
        assert note_text(note, "en") == note
        assert note_text(note, "id") != note
    assert note_text("something new", "id") == "something new"


def test_notes_on_the_terminal(tmp_path):
    path = _quirky(tmp_path)
    res = CliRunner().invoke(cli, ["validate", str(path), "--fail-on", "never"])
    assert res.exit_code == 0, res.output
    assert "Catatan pembacaan berkas" in res.output
    assert "2 baris kosong dilewati (baris 11, 12)" in res.output
    assert "tanda kutip" in res.output and "kolom NAMA PEMILIH" in res.output
    en = CliRunner().invoke(cli, ["validate", str(path), "--fail-on", "never", "--lang", "en"])
    assert "2 empty line(s) skipped (rows 11, 12)" in en.output
    quiet = CliRunner().invoke(cli, ["validate", str(path), "--fail-on", "never", "--quiet"])
    assert "Catatan" not in quiet.output
