"""``dpt diff`` parses a regular file from its path while a background scan hashes it (no whole-file copy in
memory). These tests hold that reader to the whole-bytes reader it replaces: the same records, row numbers,
malformed and blank lines, dialect and notes for every kind of export, the same diff, and the same refusals."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from dpt_tools import load
from dpt_tools.config import Settings
from dpt_tools.diff import diff_paths, diff_rolls
from dpt_tools.errors import InputError
from dpt_tools.prefetch import prefetch
from dpt_tools.synth import synth_next_version, synth_roll, write_roll

HEADER = "NKK;NIK;NAMA;TGL LAHIR;JK;TPS;KELURAHAN;KECAMATAN\n"
ROW = "1971011108140269;1971012005920474;{name};20-05-1992;L;001;BACANG;BUKIT INTAN\n"


def _same_read(a: load.RawRead, b: load.RawRead) -> None:
    assert a.header == b.header
    assert a.table.equals(b.table)
    assert np.array_equal(a.row_numbers, b.row_numbers)
    assert a.malformed.equals(b.malformed)
    assert a.blank_rows == b.blank_rows
    assert a.dialect == b.dialect
    assert a.notes == b.notes


def _cases(big: int) -> dict[str, bytes]:
    """Exports as clerks get them; ``big`` plain rows first so that a later line lies beyond the sniffed head."""
    plain = "".join(ROW.format(name=f"WARGA {i}") for i in range(big))
    return {
        "plain": (HEADER + plain).encode(),
        "bom_crlf": ("\ufeff" + (HEADER + plain).replace("\n", "\r\n")).encode(),
        "quoted_line_break": (HEADER + plain + ROW.format(name='"SITI\nAMINAH"')).encode(),
        "stray_quote": (HEADER + ROW.format(name='"SITI') + plain).encode(),
        "ragged_and_blank": (HEADER + plain + "1;2;3\n\n;;;;;;;\n" + ROW.format(name="X;EXTRA")).encode(),
        "header_two_lines": ('NKK;"NIK\nKTP";NAMA;TGL LAHIR;JK;TPS;KELURAHAN;KECAMATAN\n' + plain).encode(),
        "comma": (HEADER + plain).replace(";", ",").encode(),
        "cp1252_in_head": (HEADER + ROW.format(name="JOSÉ") + plain).encode("cp1252"),
        "cp1252_after_head": (HEADER + plain + ROW.format(name="JOSÉ")).encode("cp1252"),
    }


@pytest.mark.parametrize("name", list(_cases(0)))
@pytest.mark.parametrize("quote", [None, True, False])
def test_path_reader_gives_what_the_bytes_reader_gives(tmp_path: Path, name: str, quote: bool | None) -> None:
    data = _cases(3000)[name]  # ~240 KB of plain rows: the last lines lie beyond the 256 KB head of some cases
    path = tmp_path / "roll.csv.gz"  # a CSV with a misleading extension is read as it is, never decompressed
    path.write_bytes(data)
    scan = prefetch([str(path)], keep=False)[str(path)]
    assert scan.sha256() == hashlib.sha256(data).hexdigest()
    assert scan.quote == (b'"' in data)
    if quote is False and b'"' in data:
        quote = None  # the scan never says False for a file with a quote
    via_path = load.read_csv_file_strings(str(path), str(path), quote)
    via_bytes = load.read_csv_strings(data, str(path))
    if name.startswith("cp1252"):
        assert via_path is None  # transcoded in memory: the caller falls back to the bytes reader
    else:
        assert via_path is not None
        _same_read(via_path, via_bytes)


def test_path_reader_defers_what_only_the_bytes_reader_words(tmp_path: Path) -> None:
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b" \n" * 10)
    assert load.read_csv_file_strings(str(blank), "blank.csv") is None
    with pytest.raises(InputError, match="empty"):
        load.read_csv_strings(blank.read_bytes(), "blank.csv")
    workbook = tmp_path / "roll.csv"
    workbook.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(InputError, match="Excel"):
        load.read_csv_file_strings(str(workbook), "roll.csv")


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("streamread")
    old, _ = synth_roll(1500, seed=71, problems=False, duplicates=False)
    new, _ = synth_next_version(old, seed=72)
    write_roll(old, d / "DPS.csv", style="excel", seed=71)
    write_roll(new, d / "DPT.csv", style="excel", seed=72, shuffle_columns=True)
    return d / "DPS.csv", d / "DPT.csv"


def _cp1252_copy(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes().decode("utf-8").encode("cp1252", errors="replace"))
    return dst


def test_diff_from_paths_equals_diff_of_loaded_rolls(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = versions
    settings = Settings()
    # the new version in cp1252 (the whole-bytes fallback) and as Parquet (read from its path)
    legacy = _cp1252_copy(new, tmp_path / "DPT_cp1252.csv")
    for other in (new, legacy):
        got = diff_paths(old, other, settings)
        want = diff_rolls(load.load_roll(old), load.load_roll(other), settings)
        for name, frame in got.frames().items():
            assert frame.equals(want.frames()[name]), name
        assert got.summary["inputs"]["new"]["sha256"] == hashlib.sha256(other.read_bytes()).hexdigest()
        assert {k: v for k, v in got.summary.items() if k != "inputs"} == \
            {k: v for k, v in want.summary.items() if k != "inputs"}


def test_a_file_changed_after_its_scan_is_refused(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = versions
    moving = tmp_path / "DPT.csv"
    moving.write_bytes(new.read_bytes())
    early = prefetch([str(old), str(moving)], keep=False)
    early[str(moving)].sha256()  # scanned; then a clerk saves the export again before the compare is done
    with moving.open("ab") as fh:
        fh.write(b"\n")
    st = os.stat(moving)
    os.utime(moving, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    with pytest.raises(InputError, match="changed while"):
        diff_paths(old, moving, Settings(), prefetched=early)


def test_unreadable_and_vanished_files_get_the_loaders_message(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = versions
    gone = tmp_path / "gone.csv"
    gone.write_bytes(new.read_bytes())
    early = prefetch([str(old), str(gone)], keep=False)
    early[str(gone)].sha256()
    gone.unlink()
    with pytest.raises(InputError, match=r"gone\.csv: file not found"):
        diff_paths(old, gone, Settings(), prefetched=early)


def test_a_parse_ahead_left_by_a_failed_command_is_never_reused(versions: tuple[Path, Path], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dpt_tools.cli import cli

    old, new = versions
    mine = tmp_path / "DPT.csv"
    mine.write_bytes(new.read_bytes())
    # the command starts both parses, then refuses --out (under a file) before taking them
    (tmp_path / "note.txt").write_text("a file")
    res = CliRunner().invoke(cli, ["diff", str(old), str(mine), "--out", str(tmp_path / "note.txt" / "out")])
    assert res.exit_code == 2 and "is a file" in res.stderr
    mine.write_bytes(old.read_bytes())  # saved again: now the same roll as OLD
    st = os.stat(mine)
    os.utime(mine, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    got = diff_paths(old, mine, Settings())
    assert got.summary["unchanged"] == got.summary["old"] == got.summary["new"]
