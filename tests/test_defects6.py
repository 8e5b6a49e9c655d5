"""Three defects of earlier sessions, each with the test that failed before its fix.

1. A file name that is not valid UTF-8 (a Linux name is bytes) ended every command with an internal error (exit
   3): pyarrow cannot open such a path, nor hold the name as a string, nor can it be written as UTF-8. The commands
   now read and write such files and show the name with each undecodable byte as a backslash escape (``\\xff``),
   on the terminal and in every output (docs/contract.md, "File names").
2. Two ``--map`` options mapping two different headers to one field, both headers in the file: the second was
   silently kept as an extra column (which column the NIK rules read depended on the column order). Now exit 2,
   one line naming both headers and the field. Several files each holding one of the headers stay legitimate;
   ``[columns]`` entries of the config that collide in a file are refused alike, a ``--map`` resolving it; ``--map``
   wins over ``[columns]`` for a field, as the documented precedence says (docs/contract.md, "Reading input").
3. A ragged line holding a cp1252 byte past the first 256 KB (the sniffed part, which says UTF-8): the whole-file
   reader reads the file as cp1252 (exit 1), the reader in parts refused it as "cannot parse as CSV" (exit 2):
   pyarrow cannot decode the line for the ragged-line handler and fails the parse with a column-count error, which
   the reader in parts did not take for an encoding problem. Both now read it as cp1252, with the same findings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dpt_tools.cli import cli
from dpt_tools.config import load_settings, parse_map_options
from dpt_tools.errors import InputError, LocalizedInputError
from dpt_tools.load import load_roll
from dpt_tools.synth import synth_next_version, synth_roll, write_roll

#: a file name that is not UTF-8, as Python holds it (PEP 383: the byte 0xff becomes the lone surrogate U+DCFF)
ODD = os.fsdecode(b"roll\xff.csv")
ODD_NEXT = os.fsdecode(b"next\xff.csv")
#: how dpt shows it, everywhere
ODD_SHOWN = "roll\\xff.csv"
NEXT_SHOWN = "next\\xff.csv"


def _env() -> dict[str, str]:
    """The processes run the package this test imported (so the test can be run against another tree's src)."""
    import dpt_tools

    return {**os.environ, "PYTHONPATH": str(Path(dpt_tools.__file__).resolve().parents[1])}


def _dpt(cwd: Path, *args: str) -> tuple[int, str, str]:
    """``dpt ARGS`` in a real process (the terminal's bytes are what is tested), run in ``cwd`` so that names stay
    short on an 80-column pipe. stdout and stderr must be UTF-8 (strict): a lone surrogate cannot be written."""
    res = subprocess.run([sys.executable, "-m", "dpt_tools.cli", *args], capture_output=True, env=_env(), cwd=cwd,
                         timeout=180)
    return res.returncode, res.stdout.decode("utf-8"), res.stderr.decode("utf-8")


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the same roll (every problem planted, duplicates, two ragged lines) as ``roll.csv`` and
    as ``roll<0xff>.csv``, and its next version as ``next.csv`` and ``next<0xff>.csv``; the roll as Parquet too."""
    d = tmp_path_factory.mktemp("oddname")
    df, _ = synth_roll(400, seed=3)
    write_roll(df, d / "roll.csv", style="excel", seed=3, ragged=2)
    write_roll(df, d / "roll.parquet")
    df2, _ = synth_next_version(df, 4)
    write_roll(df2, d / "next.csv", style="excel", seed=4, shuffle_columns=True)
    shutil.copyfile(d / "roll.csv", d / ODD)
    shutil.copyfile(d / "next.csv", d / ODD_NEXT)
    shutil.copyfile(d / "roll.parquet", d / os.fsdecode(b"roll\xff.parquet"))
    return d


def _files(out: Path) -> dict[str, bytes]:
    """The files of an output directory (and no hidden staging left beside or inside it)."""
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "staging left beside the outputs"
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def _rows(name: str, data: bytes, names: dict[str, str] | None = None) -> object:
    """A data file's content: its bytes (CSV), or its rows (Parquet, whose bytes change with a string's length),
    with the names replaced (``names``: normal → shown)."""
    if name.endswith(".parquet"):
        import io

        import pyarrow.parquet as pq

        text = json.dumps(pq.read_table(io.BytesIO(data)).to_pylist(), default=str)
        for plain, shown in (names or {}).items():
            text = text.replace(json.dumps(plain)[1:-1], json.dumps(shown)[1:-1])
        return text
    for plain, shown in (names or {}).items():
        data = data.replace(plain.encode(), shown.encode())
    return data


def _same_outputs(normal: dict[str, bytes], odd: dict[str, bytes], names: dict[str, str],
                  summary: str = "summary.json") -> dict:
    """The outputs of a run on the odd name equal those of the normal name, the name shown instead (``names``:
    normal → shown); the summary too, but for its run time (and the sha256 of an output that holds the name).
    Returns the odd run's summary."""
    assert sorted(normal) == sorted(odd)
    for name, data in normal.items():
        if name != summary:
            assert _rows(name, odd[name]) == _rows(name, data, names), name

    def comparable(summ: dict) -> dict:
        summ = {k: v for k, v in summ.items() if k not in ("seconds", "run", "timings")}
        if "outputs" in summ:
            summ["outputs"] = {k: {**v, "sha256": ""} for k, v in summ["outputs"].items()}
        return summ

    a, b = json.loads(normal[summary].decode("utf-8")), json.loads(odd[summary].decode("utf-8"))
    text = json.dumps(comparable(a), sort_keys=True)
    for plain, shown in names.items():
        text = text.replace(json.dumps(plain)[1:-1], json.dumps(shown)[1:-1])
    assert json.loads(text) == comparable(b)
    return b


def test_validate_reads_a_file_whose_name_is_not_utf8(odd):
    code_n, _, _ = _dpt(odd, "validate", "roll.csv", "--out", "n1")
    code, out, err = _dpt(odd, "validate", ODD, "--out", "o1")
    assert (code, code_n) == (1, 1), err
    assert ODD_SHOWN in out and "internal error" not in err
    summ = _same_outputs(_files(odd / "n1"), _files(odd / "o1"), {"roll.csv": ODD_SHOWN})
    assert summ["input"] == ODD_SHOWN


def test_validate_in_parts_english_json_parquet(odd):
    args = ("--lang", "en", "--json", "--part-rows", "100", "--format", "parquet")
    code_n, _, _ = _dpt(odd, "validate", "roll.csv", *args, "--out", "n2")
    code, out, err = _dpt(odd, "validate", ODD, *args, "--out", "o2")
    assert (code, code_n) == (1, 1), err
    assert json.loads(out)["input"] == ODD_SHOWN and json.loads(out)["parts"] > 1
    assert "FAIL" in err
    _same_outputs(_files(odd / "n2"), _files(odd / "o2"), {"roll.csv": ODD_SHOWN})


def test_validate_parquet_input_whole_and_in_parts(odd):
    name = os.fsdecode(b"roll\xff.parquet")
    for extra in ((), ("--part-rows", "100")):
        code, _, err = _dpt(odd, "validate", name, "--quiet", *extra)
        assert code == 1, err  # as for roll.parquet: the roll has errors planted


def test_clean_writes_into_a_directory_whose_name_is_not_utf8(odd):
    out_dir = os.fsdecode(b"bersih\xff")
    code_n, _, _ = _dpt(odd, "clean", "roll.csv", "--out", "n3", "--format", "parquet")
    code, out, err = _dpt(odd, "clean", ODD, "--out", out_dir, "--format", "parquet")
    assert code == code_n == 0, err
    assert "bersih\\xff" in out and ODD_SHOWN in out
    manifest = _same_outputs(_files(odd / "n3"), _files(odd / out_dir), {"roll.csv": ODD_SHOWN}, "manifest.json")
    assert manifest["input"]["path"] == ODD_SHOWN


def test_dedupe_names_the_file_as_shown_in_its_tables(odd):
    code_n, _, _ = _dpt(odd, "dedupe", "roll.csv", "next.csv", "--out", "n4", "--lang", "en")
    code, _, err = _dpt(odd, "dedupe", ODD, "next.csv", "--out", "o4", "--lang", "en")
    assert code == code_n == 1, err
    summ = _same_outputs(_files(odd / "n4"), _files(odd / "o4"), {"roll.csv": ODD_SHOWN})
    assert [i["source"] for i in summ["inputs"]] == [ODD_SHOWN, "next.csv"]
    assert ODD_SHOWN in (odd / "o4" / "duplicate_groups.csv").read_text(encoding="utf-8")


def test_dedupe_two_names_that_differ_only_in_an_odd_byte_are_two_files(odd, tmp_path):
    a, b = tmp_path / os.fsdecode(b"a\xfe.csv"), tmp_path / os.fsdecode(b"a\xff.csv")
    shutil.copyfile(odd / "roll.csv", a)
    shutil.copyfile(odd / "next.csv", b)
    code, out, err = _dpt(tmp_path, "dedupe", a.name, b.name, "--json")
    assert code == 1, err
    assert [i["source"] for i in json.loads(out)["inputs"]] == ["a\\xfe.csv", "a\\xff.csv"]


def test_diff_of_two_files_whose_names_are_not_utf8(odd):
    code_n, _, _ = _dpt(odd, "diff", "roll.csv", "next.csv", "--out", "n5")
    code, out, err = _dpt(odd, "diff", ODD, ODD_NEXT, "--out", "o5")
    assert code == code_n == 0, err
    assert ODD_SHOWN in out and NEXT_SHOWN in out
    summ = _same_outputs(_files(odd / "n5"), _files(odd / "o5"), {"roll.csv": ODD_SHOWN, "next.csv": NEXT_SHOWN})
    assert (summ["inputs"]["old"]["path"], summ["inputs"]["new"]["path"]) == (ODD_SHOWN, NEXT_SHOWN)
    code, out, err = _dpt(odd, "diff", ODD, ODD_NEXT, "--json", "--lang", "en", "--format", "parquet",
                          "--out", os.fsdecode(b"beda\xff"))
    assert code == 0, err
    assert json.loads(out)["inputs"]["new"]["path"] == NEXT_SHOWN
    assert sorted(p.name for p in (odd / os.fsdecode(b"beda\xff")).iterdir()) == sorted(
        [f"{n}.parquet" for n in ("added", "removed", "changed", "moved", "nik_changed", "unmatched")]
        + ["summary.json"])


@pytest.mark.parametrize("lang", ["id", "en"])
def test_bad_input_under_an_odd_name_is_one_line_naming_it(odd, tmp_path, lang):
    (tmp_path / os.fsdecode(b"buku\xff.csv")).write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    shutil.copyfile(odd / "roll.csv", tmp_path / ODD)
    cases = [
        (("validate", os.fsdecode(b"hilang\xff.csv")), "hilang\\xff.csv"),
        (("clean", os.fsdecode(b"buku\xff.csv"), "--out", "o"), "buku\\xff.csv"),
        (("validate", ODD, "--map", "NOMOR INDUKK=nik"), ODD_SHOWN),
        (("diff", ODD, os.fsdecode(b"hilang\xff.csv")), "hilang\\xff.csv"),
    ]
    for args, shown in cases:
        code, _, err = _dpt(tmp_path, *args, "--lang", lang)
        assert code == 2, (args, err)
        assert len(err.strip().splitlines()) == 1 and shown in err and "Traceback" not in err, err


def test_library_keeps_the_path_and_shows_the_name(odd):
    from dpt_tools.dedupe.api import load_frequencies
    from dpt_tools.load import load_roll

    roll = load_roll(odd / ODD)
    assert roll.source == ODD_SHOWN and roll.path == str(odd / ODD)
    freq = odd / os.fsdecode(b"freq\xff.parquet")
    import pandas as pd

    with open(freq, "wb") as fh:
        pd.DataFrame({"name": ["SITI AMINAH"], "frequency": [0.01]}).to_parquet(fh)
    assert load_frequencies(freq)["name"].tolist() == ["SITI AMINAH"]


def test_synth_writes_files_whose_names_are_not_utf8(tmp_path):
    out, truth, nxt = (os.fsdecode(n) for n in (b"s\xff.parquet", b"t\xff.json", b"n\xff.csv"))
    code, _, err = _dpt(tmp_path, "synth", "--rows", "300", "--out", out, "--truth", truth, "--next-version", nxt)
    assert code == 0, err
    assert "s\\xff.parquet" in err
    assert {p.name for p in tmp_path.iterdir()} == {out, truth, nxt, os.fsdecode(b"n\xff.truth.json")}



# ================================================================================ 2. two mappings, one field
HEAD = ["NO KK", "NOMOR INDUK", "NAMA", "TGL LAHIR", "L/P", "STATUS PERKAWINAN", "TPS", "DESA/KELURAHAN"]
ROWS2 = (
    ("'1971011201150003", "'1971015708850002", "SITI AMINAH", "17-08-1985", "P", "S", "1", "BACANG"),
    ("'1971011201150003", "'1971011403830001", "DEDI SAPUTRA", "14-03-1983", "L", "S", "1", "BACANG"),
    ("'1971011201150003", "'19710114038300", "RINA WATI", "02-02-1990", "P", "B", "1", "BACANG"),
)


def _roll2(path: Path, header: list[str] = HEAD, extra: dict[str, list[str]] | None = None) -> Path:
    """A small roll whose NIK column has a header the alias table does not know; ``extra`` columns appended."""
    extra = extra or {}
    lines = [";".join([*header, *extra])]
    for i, row in enumerate(ROWS2):
        lines.append(";".join([*row, *(v[i] for v in extra.values())]))
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


#: the second NIK column: the same NIKs but the short one repaired (a column the NIK rules would pass)
NO_INDUK = {"NO INDUK": ["'1971015708850002", "'1971011403830001", "'1971010202900002"]}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))



def test_two_maps_for_one_field_both_in_the_file_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.delenv("DPT_CONFIG", raising=False)
    roll = _roll2(tmp_path / "roll.csv", extra=NO_INDUK)
    with pytest.raises(LocalizedInputError) as info:
        load_roll(roll, column_map={"NOMOR INDUK": "nik", "NO INDUK": "nik"},
                  required_headers=("NOMOR INDUK", "NO INDUK"))
    assert str(info.value) == ("roll.csv: --map 'NOMOR INDUK' and --map 'NO INDUK' both map to the field nik and "
                               "both headers are in the file; keep one of them")
    assert info.value.text("id") == ("roll.csv: --map 'NOMOR INDUK' dan --map 'NO INDUK' sama-sama dipetakan ke "
                                     "kolom nik dan keduanya ada di berkas ini; pakai salah satunya saja")
    for lang, says in (("id", "sama-sama dipetakan ke kolom nik"), ("en", "both map to the field nik")):
        for extra in ((), ("--part-rows", "1")):
            res = run("validate", str(roll), "--map", "NOMOR INDUK=nik", "--map", "NO INDUK=nik", "--lang", lang,
                      *extra)
            assert res.exit_code == 2, res.output
            assert res.stdout == "" and len(res.stderr.splitlines()) == 1, res.stderr
            assert "roll.csv" in res.stderr and says in res.stderr and "'NOMOR INDUK'" in res.stderr \
                and "'NO INDUK'" in res.stderr
    out = tmp_path / "out"
    maps = ("--map", "nomor induk=nik", "--map", "No. Induk=nik")  # as the loader compares headers
    for args in (("clean", str(roll), "--out", str(out)), ("dedupe", str(roll)),
                 ("dedupe", str(roll), str(_roll2(tmp_path / "b.csv"))),
                 ("diff", str(_roll2(tmp_path / "old.csv")), str(roll))):
        res = run(*args, *maps, "--lang", "en")
        assert res.exit_code == 2, (args, res.output)
        assert len(res.stderr.splitlines()) == 1 and "'nomor induk' and --map 'No. Induk' both map to the field " \
            "nik" in res.stderr, res.stderr
        assert "roll.csv" in res.stderr
    assert not out.exists()


def test_before_the_second_header_was_an_extra_column_and_the_rules_read_the_first(tmp_path):
    """What the defect did: the run went on, NO INDUK (the repaired NIKs) silently an extra column."""
    roll = _roll2(tmp_path / "roll.csv", extra=NO_INDUK)
    res = run("validate", str(roll), "--map", "NO INDUK=nik", "--quiet")  # one --map: NO INDUK is the NIK
    assert res.exit_code == 0, res.output
    res = run("validate", str(roll), "--map", "NO INDUK=nik", "--map", "NOMOR INDUK=nik", "--quiet")
    assert res.exit_code == 2, res.output


def test_several_files_each_with_one_of_the_headers_is_legitimate(tmp_path):
    a = _roll2(tmp_path / "a.csv")
    b = _roll2(tmp_path / "b.csv", header=[h if h != "NOMOR INDUK" else "NO INDUK" for h in HEAD])
    maps = ("--map", "NOMOR INDUK=nik", "--map", "NO INDUK=nik")
    res = run("dedupe", str(a), str(b), *maps, "--json")
    assert res.exit_code == 1, res.output
    assert json.loads(res.stdout)["pairs_by_confidence"]["certain"] >= 3  # the same persons, by NIK
    res = run("diff", str(a), str(b), *maps, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["matched_by_nik"] == 2 and json.loads(res.stdout)["unchanged"] == 3
    for f in (a, b):  # one file, one of the two --map: the other is a header of no file, as before
        assert run("validate", str(f), *maps).exit_code == 2


def test_a_map_header_that_is_another_fields_name(tmp_path):
    """``--map NAMA=keterangan`` with a NAMA PEMILIH column: NAMA is the note, NAMA PEMILIH the name (the alias
    table fills the field left free). ``--map NOMOR INDUK=nik`` with a NIK column: --map wins, NIK is kept as an
    extra column, with a note."""
    roll = _roll2(tmp_path / "roll.csv", header=[h if h != "NAMA" else "NAMA PEMILIH" for h in HEAD],
                  extra={"NAMA": ["IBU A", "IBU B", "IBU C"], "NIK": ["", "", ""]})
    loaded = load_roll(roll, column_map={"NAMA": "keterangan", "NOMOR INDUK": "nik"},
                       required_headers=("NAMA", "NOMOR INDUK"))
    assert loaded.mapping["NAMA"] == "keterangan" and loaded.mapping["NAMA PEMILIH"] == "nama"
    assert loaded.mapping["NOMOR INDUK"] == "nik" and "NIK" in loaded.extras
    assert loaded.frame["nama"].tolist()[0] == "SITI AMINAH" and loaded.frame["keterangan"].tolist()[0] == "IBU A"
    assert "columns NIK repeat a mapped field and are kept as extra columns" in loaded.notes
    res = run("validate", str(roll), "--map", "NAMA=keterangan", "--map", "NOMOR INDUK=nik", "--quiet")
    assert res.exit_code == 1, res.output  # the 14-digit NIK of NOMOR INDUK is found


def test_config_columns_colliding_in_a_file_are_refused_a_map_resolves_it(tmp_path, monkeypatch):
    monkeypatch.delenv("DPT_CONFIG", raising=False)
    cfg = tmp_path / "dpt.toml"
    cfg.write_text('[columns]\n"NOMOR INDUK" = "nik"\n"NO INDUK" = "nik"\n')
    both = _roll2(tmp_path / "roll.csv", extra=NO_INDUK)
    one = _roll2(tmp_path / "one.csv")
    assert run("validate", str(one), "--config", str(cfg), "--quiet").exit_code == 1  # absent: silent, as before
    for lang, says in (("en", "[columns] of the config file maps 'NOMOR INDUK' and 'NO INDUK' to the field nik"),
                       ("id", "[columns] di berkas konfigurasi memetakan 'NOMOR INDUK' dan 'NO INDUK' ke kolom nik")):
        res = run("validate", str(both), "--config", str(cfg), "--lang", lang)
        assert res.exit_code == 2, res.output
        assert len(res.stderr.splitlines()) == 1 and says in res.stderr and "roll.csv" in res.stderr, res.stderr
    settings = load_settings(cfg)
    with pytest.raises(LocalizedInputError, match=re.escape("e.g. --map 'NOMOR INDUK=nik' (--map wins")):
        load_roll(both, column_map=settings.column_map)
    # a --map for the field decides, whatever the column order: the other header is an extra column
    for chosen, other in (("NO INDUK", "NOMOR INDUK"), ("NOMOR INDUK", "NO INDUK")):
        loaded = load_roll(both, column_map={**settings.column_map, chosen: "nik"}, required_headers=(chosen,))
        assert loaded.mapping[chosen] == "nik" and other in loaded.extras
        res = run("validate", str(both), "--config", str(cfg), "--map", f"{chosen}=nik", "--quiet")
        assert res.exit_code == (0 if chosen == "NO INDUK" else 1), res.output


def test_a_map_wins_over_a_config_column_for_the_same_field(tmp_path, monkeypatch):
    """Precedence (docs/config.md: dpt.toml < command line) also per field: the config's NOMOR INDUK stood first
    in the file and took nik; the --map NO INDUK was silently dropped."""
    monkeypatch.delenv("DPT_CONFIG", raising=False)
    cfg = tmp_path / "dpt.toml"
    cfg.write_text('[columns]\n"NOMOR INDUK" = "nik"\n')
    roll = _roll2(tmp_path / "roll.csv", extra=NO_INDUK)
    res = run("validate", str(roll), "--config", str(cfg), "--map", "NO INDUK=nik", "--json")
    assert res.exit_code == 0, res.output
    summ = json.loads(res.stdout)
    assert summ["columns_mapped"]["NO INDUK"] == "nik" and "NOMOR INDUK" in summ["extra_columns"]


def test_one_header_mapped_twice_to_two_fields_is_refused():
    for pairs in ((("NOMOR INDUK", "nik"), ("nomor induk", "nkk")), (("NIK", "nik"), ("NIK", "nkk"))):
        res = run("validate", "x.csv", *(a for h, f in pairs for a in ("--map", f"{h}={f}")), "--lang", "en")
        assert res.exit_code == 2, res.output
        assert len(res.stderr.splitlines()) == 1 and "is already mapped to nik" in res.stderr, res.stderr
    res = run("validate", "x.csv", "--map", "NIK=nik", "--map", "NIK=nkk")
    assert "sudah dipetakan ke nik" in res.stderr
    with pytest.raises(InputError):
        parse_map_options(["A=nik", "a.=nkk"])
    assert parse_map_options(["A=nik", "a=nik"]) == {"A": "nik", "a": "nik"}  # the same mapping twice: harmless
    assert run("validate", "x.csv", "--map", "NIK=nik", "--map", "nik=nik").exit_code == 2  # x.csv: not found



# ================================================================================ 3. whole file and parts agree
def _ragged_cp1252(path: Path, *, style: str, rows: int = 3000, seed: int = 7) -> Path:
    """A synthetic export (UTF-8, with a BOM in the excel style) with one line past the first 256 KB given an 18th
    field that holds the cp1252 byte 0xe9 (``CAFÉ`` typed on a Windows desktop)."""
    df, _ = synth_roll(rows, seed=seed)
    write_roll(df, path, style=style, seed=seed)
    data = path.read_bytes()
    cut = data.index(b"\n", 300_000)
    end = data.index(b"\n", cut + 1)
    line_end = end - 1 if data[end - 1:end] == b"\r" else end
    sep = b";" if style == "excel" else b","
    path.write_bytes(data[:line_end] + sep + b"CAF\xe9" + data[line_end:])
    assert b"\xe9" not in data[:256 * 1024]  # the sniffed bytes say UTF-8
    return path


def _run_out(tmp: Path, roll: Path, name: str, *extra: str) -> tuple[int, dict[str, bytes], dict]:
    out = tmp / name
    res = run("validate", str(roll), "--out", str(out), "--quiet", *extra)
    assert res.exit_code in (0, 1), res.output
    summ = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return res.exit_code, {p.name: p.read_bytes() for p in out.iterdir() if p.name != "summary.json"}, summ


@pytest.mark.parametrize("style", ["excel", "clean"])
def test_ragged_cp1252_line_after_the_sniffed_bytes_whole_file_and_in_parts_agree(tmp_path, style):
    roll = _ragged_cp1252(tmp_path / "roll.csv", style=style)
    code, files, summ = _run_out(tmp_path, roll, "whole", "--part-rows", "0")
    assert code == 1
    findings = files["findings.csv"].decode("utf-8")
    assert "row_malformed" in findings and summ["by_rule"]["row_malformed"] == 1
    for extra in (("--part-rows", "500"), ("--part-rows", "500", "--jobs", "2"), ("--part-rows", "100000")):
        code_p, files_p, summ_p = _run_out(tmp_path, roll, "parts" + "_".join(extra), *extra)
        assert code_p == code, extra
        assert files_p == files, extra
        assert summ_p.pop("parts") >= (1 if extra[1] == "100000" else 2)
        assert {k: v for k, v in summ_p.items() if k != "seconds"} == {
            k: v for k, v in summ.items() if k != "seconds"}


def test_ragged_cp1252_line_library_whole_and_in_parts(tmp_path):
    from dpt_tools.chunked import validate_in_parts
    from dpt_tools.config import Settings
    from dpt_tools.validate import summary, validate_path

    roll = _ragged_cp1252(tmp_path / "roll.csv", style="excel", rows=2000, seed=9)
    whole = validate_path(roll, Settings())
    assert whole.roll.dialect.encoding == "cp1252"
    parted = validate_in_parts(roll, Settings(), part_rows=300)
    assert parted.summary["by_rule"] == summary(whole, Settings())["by_rule"]
    assert parted.failed("error") == whole.failed("error")
