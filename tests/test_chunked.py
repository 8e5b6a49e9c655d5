"""Validating a roll in parts (bounded memory) gives exactly the whole-file result, on every export quirk.

Each case writes a synthetic roll, validates it whole and in parts of ~100 rows (a dozen parts or more), and
compares the findings file byte for byte and the summary key by key. Cases where the file contradicts what its
first part suggests (a stray quote, cp1252 bytes, a NIK column mangled only further down) force a second read.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from dpt_tools.chunked import validate_in_parts, wants_parts
from dpt_tools.cli import cli
from dpt_tools.config import Settings
from dpt_tools.errors import InputError
from dpt_tools.fields import FIELDS
from dpt_tools.load import SNIFF_BYTES
from dpt_tools.synth import synth_roll, write_roll
from dpt_tools.validate import validate_path, write_outputs

PART_ROWS = 100
#: A small TPS limit, so that TPS capacity findings span many parts and partitions
SETTINGS = Settings(tps_max=40)


@pytest.fixture(scope="module")
def frame():
    df, _ = synth_roll(1500, seed=21)
    return df


def _write_text(path: Path, df, *, delimiter: str = ";", newline: str = "\r\n", encoding: str = "utf-8-sig",
                edit=None) -> Path:
    """The roll as CSV text written with Python's csv module (quotes where needed), optionally edited per row."""
    rows = df[list(FIELDS)].astype(object).where(df[list(FIELDS)].notna(), "").values.tolist()
    if edit is not None:
        edit(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerow([f.upper() for f in FIELDS])
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.fixture
def passes(monkeypatch):
    """How many times the file was read (a contradicted verdict reads it again)."""
    import dpt_tools.chunked as chunked

    calls: list[int] = []
    real = chunked._pass

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(chunked, "_pass", counting)
    return calls


def _same(path: Path, tmp: Path, fmt: str = "csv", part_rows: int = PART_ROWS, workers: int = 1) -> dict:
    settings = SETTINGS
    whole = validate_path(path, settings)
    write_outputs(whole, settings, tmp / "whole", fmt)
    parted = validate_in_parts(path, settings, tmp / "parts", fmt, part_rows=part_rows, workers=workers)
    a = json.loads((tmp / "whole" / "summary.json").read_text())
    b = json.loads((tmp / "parts" / "summary.json").read_text())
    assert b["parts"] > 1
    assert b == parted.summary
    for key in set(a) | set(b):
        if key not in ("seconds", "parts"):
            assert a.get(key) == b.get(key), key
    if fmt == "parquet":
        whole_table = pq.read_table(tmp / "whole" / "findings.parquet")
        assert whole_table.equals(pq.read_table(tmp / "parts" / "findings.parquet"))
    else:
        assert (tmp / "whole" / f"findings.{fmt}").read_bytes() == (tmp / "parts" / f"findings.{fmt}").read_bytes()
    assert parted.failed("error") == whole.failed("error")
    return b


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_excel_export_with_ragged_lines(frame, tmp_path, fmt, passes):
    path = tmp_path / "roll.csv"
    write_roll(frame, path, style="excel", seed=3, ragged=4)
    summ = _same(path, tmp_path, fmt)
    assert summ["by_rule"]["row_malformed"] == 4
    assert summ["by_rule"]["nik_duplicate"] > 0 and summ["by_rule"]["tps_over_capacity"] > 0
    assert summ["by_rule"]["family_split_tps"] > 0
    assert len(passes) == 1  # an ordinary export is read once


def test_parquet_input(frame, tmp_path):
    path = tmp_path / "roll.parquet"
    write_roll(frame, path)
    _same(path, tmp_path)


def test_parts_in_two_worker_processes(frame, tmp_path):
    """Parts checked side by side in worker processes (their row numbers are shifted afterwards)."""
    path = tmp_path / "roll.csv"
    write_roll(frame, path, style="excel", seed=4, ragged=3)
    summ = _same(path, tmp_path / "csv", workers=2)
    assert summ["by_rule"]["row_malformed"] == 3 and summ["by_rule"]["nik_duplicate"] > 0
    pq_path = tmp_path / "roll.parquet"
    write_roll(frame, pq_path)
    _same(pq_path, tmp_path / "pq", workers=2, part_rows=250)


def test_blank_lines_everywhere_keep_row_numbers(frame, tmp_path):
    def edit(rows):
        for at in (0, 150, 151, 152, 700, len(rows)):
            rows.insert(at, [""] * len(FIELDS))
        rows.extend([[""] * len(FIELDS)] * 130)  # more than a part of empty lines at the end

    summ = _same(_write_text(tmp_path / "roll.csv", frame, edit=edit), tmp_path)
    assert summ["blank_rows"] == 136


def test_quoted_line_breaks_across_part_boundaries(frame, tmp_path):
    def edit(rows):
        for i in range(0, len(rows), 7):
            rows[i][FIELDS.index("alamat")] = 'JL. "MERDEKA"\nNO. 5;\nBLOK C'

    _same(_write_text(tmp_path / "roll.csv", frame, edit=edit), tmp_path)


def test_stray_quote_after_the_first_part_reads_the_file_again(frame, tmp_path, passes):
    path = _write_text(tmp_path / "roll.csv", frame)
    text = path.read_bytes().decode("utf-8-sig").split("\r\n")
    text[900] = text[900].replace(";", ';"', 1)  # a quote opening a value that never closes
    path.write_bytes("\r\n".join(text).encode("utf-8"))
    summ = _same(path, tmp_path)
    assert any("stray quote" in n for n in summ["notes"])
    assert len(passes) >= 2  # read again with quotes taken literally (after growing the part once or twice)


def test_cp1252_bytes_after_the_first_part(frame, tmp_path, passes):
    def edit(rows):
        rows.extend(rows[:600])  # long enough that the first 256 KB (the sniffing window) look like UTF-8
        rows[:] = [[str(c).encode("ascii", "replace").decode() for c in row] for row in rows]
        rows[-1][FIELDS.index("nama")] = "ANDR\u00c9"

    path = _write_text(tmp_path / "roll.csv", frame, encoding="cp1252", edit=edit)
    data = path.read_bytes()
    assert data[3:].isascii() is False and data[3:SNIFF_BYTES].isascii()
    _same(path, tmp_path)
    assert len(passes) == 2


def test_utf16_and_cr_line_ends(frame, tmp_path):
    _same(_write_text(tmp_path / "u16.csv", frame, encoding="utf-16", delimiter="\t"), tmp_path / "a")
    _same(_write_text(tmp_path / "cr.csv", frame, newline="\r", delimiter=","), tmp_path / "b")


def test_nik_column_mangled_only_further_down(frame, tmp_path, passes):
    """The first part looks fine; over the whole file most NIKs end in 0 (a number format): a second read."""
    def edit(rows):
        col = FIELDS.index("nik")
        for row in rows[300:]:
            if len(row[col]) == 16 and row[col].isdigit():
                row[col] = row[col][:15] + "0"

    summ = _same(_write_text(tmp_path / "roll.csv", frame, edit=edit), tmp_path)
    assert summ["by_rule"]["nik_excel_mangled"] > 1000
    assert len(passes) == 2


def test_bad_inputs_are_clear_errors(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"")
    (tmp_path / "b.csv").write_text("NIK;NAMA;TGL LAHIR\r\n\r\n")
    (tmp_path / "d.csv").write_text("NIK;NAMA;TGL LAHIR")  # no line end after the header
    for name, message in (("a.csv", "file is empty"), ("b.csv", "header only"), ("c.csv", "not found"),
                          ("d.csv", "header only")):
        with pytest.raises(InputError, match=message):
            validate_in_parts(tmp_path / name, Settings(), part_rows=10)


def test_auto_mode_only_for_large_files(tmp_path, frame):
    path = tmp_path / "roll.csv"
    write_roll(frame, path)
    assert not wants_parts(str(path), None) and wants_parts(str(path), 100) and not wants_parts(str(path), 0)
    assert not wants_parts("-", 100)


def test_cli_part_rows_same_output_and_exit_code(frame, tmp_path):
    path = tmp_path / "roll.csv"
    write_roll(frame, path, style="excel", seed=5, ragged=2)
    runner = CliRunner()
    whole = runner.invoke(cli, ["validate", str(path), "--out", str(tmp_path / "w"), "--quiet"])
    parts = runner.invoke(cli, ["validate", str(path), "--out", str(tmp_path / "p"), "--quiet", "--part-rows", "200",
                                "--jobs", "1"])
    assert whole.exit_code == parts.exit_code == 1
    assert (tmp_path / "w" / "findings.csv").read_bytes() == (tmp_path / "p" / "findings.csv").read_bytes()
    res = subprocess.run([sys.executable, "-m", "dpt_tools.cli", "validate", str(path), "--part-rows", "300",
                          "--json", "--fail-on", "never"], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr
    summ = json.loads(res.stdout)
    assert summ["parts"] >= 5 and summ["rows"] == len(frame)
    bad = runner.invoke(cli, ["validate", str(tmp_path / "nope.csv"), "--part-rows", "10"])
    assert bad.exit_code == 2 and "not found" in bad.output
