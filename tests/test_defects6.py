"""Three defects of earlier sessions, each with the test that failed before its fix.

1. A file name that is not valid UTF-8 (a Linux name is bytes) ended every command with an internal error (exit
   3): pyarrow cannot open such a path, nor hold the name as a string, nor can it be written as UTF-8. The commands
   now read and write such files and show the name with each undecodable byte as a backslash escape (``\\xff``),
   on the terminal and in every output (docs/contract.md, "File names").
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
