"""``--map HEADER=field`` naming a header that is not in the file is an input error (exit 2, one line naming the
file and the header), for every command that takes ``--map``; a ``[columns]`` mapping of the config file whose
header is absent stays silent. With several files (dedupe, diff) the header must be in at least one of them.

Before this check a typo in the header mapped nothing: the NIK rules were skipped and ``dpt validate`` could end
LULUS with exit 0 on a roll whose NIKs are wrong (``test_typo_used_to_pass_now_exit_2``)."""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dpt_tools.chunked import validate_in_parts
from dpt_tools.clean import clean_path
from dpt_tools.cli import cli
from dpt_tools.config import Settings, load_settings
from dpt_tools.dedupe.api import dedupe_paths
from dpt_tools.diff import diff_paths
from dpt_tools.errors import InputError, LocalizedInputError
from dpt_tools.load import check_map_headers, load_roll, missing_headers
from dpt_tools.validate import validate_path

TAIL = "PANGKALPINANG;{dob};S;{sex};JL. MELATI NO. 3;3;1;0;;1;BACANG;BUKIT INTAN;KOTA PANGKAL PINANG;" \
       "KEPULAUAN BANGKA BELITUNG\r\n"
HEADER = "NO KK;{nik};NAMA;TEMPAT LAHIR;TGL LAHIR;STATUS PERKAWINAN;L/P;ALAMAT;RT;RW;DISABILITAS;KET;TPS;" \
         "DESA/KELURAHAN;KECAMATAN;KAB/KOTA;PROVINSI\r\n"
ROWS = (
    ("'1971015708850002", "SITI AMINAH", "17-08-1985", "P"),
    ("'1971011403830001", "DEDI SAPUTRA", "14-03-1983", "L"),
    ("'19710114038300", "RINA WATI", "02-02-1990", "P"),  # a NIK of 14 digits: nik_format, an error
)


def _roll(path: Path, nik_header: str = "NOMOR INDUK", rows: tuple = ROWS) -> Path:
    """A small roll whose NIK column has a header the alias table does not know (so only --map maps it)."""
    text = HEADER.format(nik=nik_header) + "".join(
        f"'1971011201150003;{nik};{name};" + TAIL.format(dob=dob, sex=sex) for nik, name, dob, sex in rows)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    return path


@pytest.fixture
def roll(tmp_path: Path) -> Path:
    return _roll(tmp_path / "roll.csv")


def _settings(*maps: str) -> Settings:
    return load_settings(None, columns=dict(m.split("=") for m in maps)) if maps else Settings()


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args))


# ------------------------------------------------------------------------------------------------ library
def test_missing_headers_compares_as_the_loader_does():
    header = ["\ufeffNomor Induk", "NAMA", "No. KK"]
    assert missing_headers(header, ["NOMOR INDUK", "nomor_induk", " nama ", "NO KK", "NOKK"]) == []
    assert missing_headers(header, ["NOMOR INDUKK", "NAMA"]) == ["NOMOR INDUKK"]


def test_check_names_file_header_and_closest_in_both_languages():
    with pytest.raises(LocalizedInputError) as info:
        check_map_headers({"roll.csv": ["NO KK", "NOMOR INDUK", "NAMA"]}, ["NOMOR INDUKK"])
    err = info.value
    assert isinstance(err, InputError)
    assert str(err) == "roll.csv: --map header 'NOMOR INDUKK' (closest: 'NOMOR INDUK') is not in the file"
    assert err.text("en") == str(err)
    assert err.text("id") == "roll.csv: kolom --map 'NOMOR INDUKK' (yang paling mirip: 'NOMOR INDUK') tidak ada di " \
                             "berkas ini"
    # raised in a worker process of a roll read in parts, it comes back whole
    again = pickle.loads(pickle.dumps(err))
    assert again.text("id") == err.text("id") and str(again) == str(err)


def test_check_without_a_near_header_lists_the_headers():
    header = [f"KOLOM {i}" for i in range(20)]
    with pytest.raises(LocalizedInputError) as info:
        check_map_headers({"roll.csv": header}, ["ZZZ", "QQQ"])
    msg = str(info.value)
    assert msg.startswith("roll.csv: --map headers 'ZZZ', 'QQQ' are not in the file (its headers: KOLOM 0, ")
    assert "KOLOM 11, … (20 in all)" in msg and "KOLOM 12" not in msg
    assert "(kolomnya: KOLOM 0" in info.value.text("id")


def test_check_never_quotes_a_data_row_taken_for_the_header():
    header = ["'1971015708850002", "SITI AMINAH", "17-08-1985"]
    with pytest.raises(LocalizedInputError) as info:
        check_map_headers({"roll.csv": header}, ["NIK"])
    for text in (str(info.value), info.value.text("id")):
        assert "1971015708850002" not in text and "SITI" not in text
    assert "header row seems to be missing" in str(info.value)


def test_check_several_files_wants_the_header_in_one_of_them():
    headers = {"a.csv": ["NOMOR INDUK", "NAMA"], "b.csv": ["NIK", "NAMA"]}
    check_map_headers(headers, ["NOMOR INDUK"])  # a.csv has it: b.csv's NIK comes from the alias table
    with pytest.raises(LocalizedInputError) as info:
        check_map_headers(headers, ["NOMOR INDUKK"])
    assert str(info.value) == ("a.csv, b.csv: --map header 'NOMOR INDUKK' (closest: 'NOMOR INDUK' in a.csv) is in "
                               "none of these files")
    assert "tidak ada di berkas mana pun" in info.value.text("id")


def test_map_on_the_command_line_is_required_config_columns_are_not(tmp_path, monkeypatch):
    monkeypatch.delenv("DPT_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "dpt.toml"
    cfg.write_text('[columns]\n"NOMOR INDUKK" = "nik"\n')
    from_config = load_settings(cfg)
    assert from_config.column_map == {"NOMOR INDUKK": "nik"} and from_config.required_headers == ()
    both = load_settings(cfg, columns={"NO INDUK": "nik"})
    assert both.required_headers == ("NO INDUK",)
    assert set(both.column_map) == {"NOMOR INDUKK", "NO INDUK"}


def test_validate_whole_file(roll):
    with pytest.raises(LocalizedInputError, match=re.escape("roll.csv: --map header 'NOMOR INDUKK'")):
        validate_path(roll, _settings("NOMOR INDUKK=nik"))
    result = validate_path(roll, _settings("nomor induk=nik"))  # the loader's header comparison
    assert "nik_format" in set(result.findings["rule"])


def test_validate_config_mapping_of_an_absent_header_is_silent(roll):
    result = validate_path(roll, Settings(column_map={"NOMOR INDUKK": "nik"}))
    assert "nik" not in result.roll.fields_present  # as before: the NIK rules are skipped, no error


def test_validate_in_parts(roll):
    with pytest.raises(LocalizedInputError, match=re.escape("roll.csv: --map header 'NOMOR INDUKK'")):
        validate_in_parts(roll, _settings("NOMOR INDUKK=nik"), part_rows=1)
    parted = validate_in_parts(roll, _settings("NOMOR INDUK=nik"), part_rows=1)
    assert parted.failed("error")


def test_clean(roll):
    with pytest.raises(LocalizedInputError, match=re.escape("roll.csv: --map header 'NOMOR INDUKK'")):
        clean_path(roll, _settings("NOMOR INDUKK=nik"))
    assert "nik" in clean_path(roll, _settings("NOMOR INDUK=nik")).clean.columns


def test_dedupe_header_in_one_roll_is_enough_in_none_is_an_error(tmp_path):
    a = _roll(tmp_path / "a.csv", "NOMOR INDUK")
    b = _roll(tmp_path / "b.csv", "NIK")
    result = dedupe_paths([a, b], _settings("NOMOR INDUK=nik"))
    assert result.stats["rows"] == 6
    with pytest.raises(LocalizedInputError) as info:
        dedupe_paths([a, b], _settings("NOMOR INDUKK=nik"))
    assert str(info.value).startswith("a.csv, b.csv: --map header 'NOMOR INDUKK' (closest: 'NOMOR INDUK' in a.csv)")
    with pytest.raises(LocalizedInputError, match="^" + re.escape("a.csv: --map header 'NOMOR INDUKK'")):
        dedupe_paths([a], _settings("NOMOR INDUKK=nik"))


def test_several_files_a_typo_that_leaves_a_file_without_names_is_named(tmp_path):
    """The map, not the loader's 'no name column', is named when a file lacks names because of the typo."""
    text = _roll(tmp_path / "x.csv").read_text(encoding="utf-8-sig").replace(";NAMA;", ";NM ORANG;", 1)
    a = tmp_path / "a.csv"
    a.write_text(text, encoding="utf-8")
    b = _roll(tmp_path / "b.csv")
    named = "^" + re.escape("a.csv: --map header 'NM ORANGG' (closest: 'NM ORANG')")
    with pytest.raises(LocalizedInputError, match=named):
        dedupe_paths([a, b], _settings("NM ORANGG=nama"))
    with pytest.raises(LocalizedInputError, match="^" + re.escape("a.csv: --map header 'NM ORANGG'")):
        diff_paths(a, b, _settings("NM ORANGG=nama"))
    dedupe_paths([a, b], _settings("NM ORANG=nama"))  # the header is right: b.csv's NAMA is an alias


def test_diff_old_and_new_may_differ_in_headers(tmp_path):
    old = _roll(tmp_path / "old.csv", "NOMOR INDUK")
    new = _roll(tmp_path / "new.csv", "NIK")
    result = diff_paths(old, new, _settings("NOMOR INDUK=nik"))
    assert result.summary["unchanged"] == 3 and "nik" in result.summary["fields_compared"]
    assert result.summary["matched_by_nik"] == 2  # OLD's NIK comes from --map, NEW's from the alias table
    with pytest.raises(LocalizedInputError) as info:
        diff_paths(old, new, _settings("NOMOR INDUKK=nik"))
    assert f"{old}, {new}: --map header 'NOMOR INDUKK'" in str(info.value)
    assert "in none of these files" in str(info.value)


def test_load_roll_without_required_headers_is_unchanged(roll):
    """The library's loader checks only what it is asked to: load_roll(column_map=…) alone stays silent."""
    loaded = load_roll(roll, column_map={"NOMOR INDUKK": "nik"})
    assert "nik" not in loaded.fields_present and loaded.header[1] == "NOMOR INDUK"


# ------------------------------------------------------------------------------------------------ CLI
def test_typo_used_to_pass_now_exit_2(roll):
    """The gap: before, a typo in --map skipped the NIK rules and this roll (a 14-digit NIK) passed with exit 0."""
    right = run("validate", str(roll), "--map", "NOMOR INDUK=nik", "--quiet")
    assert right.exit_code == 1, right.output  # the NIK rules run and find the short NIK
    typo = run("validate", str(roll), "--map", "NOMOR INDUKK=nik", "--quiet")
    assert typo.exit_code == 2
    assert typo.stdout == ""
    assert typo.stderr == ("dpt: roll.csv: kolom --map 'NOMOR INDUKK' (yang paling mirip: 'NOMOR INDUK') tidak ada "
                           "di berkas ini\n")
    en = run("validate", str(roll), "--map", "NOMOR INDUKK=nik", "--lang", "en")
    assert en.exit_code == 2
    assert en.stderr == "dpt: roll.csv: --map header 'NOMOR INDUKK' (closest: 'NOMOR INDUK') is not in the file\n"


def test_config_typo_still_passes_through_the_cli(roll, tmp_path):
    cfg = tmp_path / "dpt.toml"
    cfg.write_text('[columns]\n"NOMOR INDUKK" = "nik"\n')
    res = run("validate", str(roll), "--config", str(cfg))
    assert res.exit_code == 0, res.output
    assert "nik_format" in res.output  # said as a skipped rule, as before


@pytest.mark.parametrize("extra", [["--part-rows", "1"], ["--part-rows", "1", "--jobs", "2"]])
def test_cli_validate_in_parts(roll, extra):
    res = run("validate", str(roll), "--map", "NOMOR INDUKK=nik", "--lang", "en", *extra)
    assert res.exit_code == 2
    assert res.stderr == "dpt: roll.csv: --map header 'NOMOR INDUKK' (closest: 'NOMOR INDUK') is not in the file\n"
    assert run("validate", str(roll), "--map", "NOMOR INDUK=nik", *extra).exit_code == 1


def test_cli_clean_dedupe_diff(tmp_path):
    a = _roll(tmp_path / "a.csv", "NOMOR INDUK")
    b = _roll(tmp_path / "b.csv", "NIK")
    out = tmp_path / "out"
    typo = ["--map", "NOMOR INDUKK=nik"]
    for args in (["clean", str(a), "--out", str(out)], ["dedupe", str(a), str(b)], ["diff", str(a), str(b)]):
        res = run(*args, *typo)
        assert res.exit_code == 2, (args, res.output)
        assert len(res.stderr.splitlines()) == 1 and "'NOMOR INDUKK'" in res.stderr
        assert "a.csv" in res.stderr and "Traceback" not in res.stderr
        assert res.stdout == ""
    assert not out.exists()  # nothing written
    assert run("clean", str(a), "--out", str(out), "--map", "NOMOR INDUK=nik").exit_code == 0
    assert run("dedupe", str(a), str(b), "--map", "NOMOR INDUK=nik").exit_code in (0, 1)
    assert run("diff", str(a), str(b), "--map", "NOMOR INDUK=nik").exit_code == 0


def test_subprocess_one_line_exit_2(roll):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}

    def dpt(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dpt_tools.cli", *args], capture_output=True, env=env,
                              timeout=120)

    assert dpt("validate", str(roll), "--map", "NOMOR INDUK=nik", "--quiet").returncode == 1
    res = dpt("validate", str(roll), "--map", "NOMOR INDUKK=nik")
    assert res.returncode == 2 and res.stdout == b""
    err = res.stderr.decode()
    assert err == "dpt: roll.csv: kolom --map 'NOMOR INDUKK' (yang paling mirip: 'NOMOR INDUK') tidak ada di " \
                  "berkas ini\n"
    res = dpt("validate", str(roll), "--map", "NOMOR INDUKK=nik", "--part-rows", "1", "--lang", "en")
    assert res.returncode == 2
    assert res.stderr.decode() == "dpt: roll.csv: --map header 'NOMOR INDUKK' (closest: 'NOMOR INDUK') is not in " \
                                  "the file\n"
