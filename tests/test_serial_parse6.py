"""`dpt diff` parses its two files side by side with pyarrow's serial reader (one thread each): the same records,
row numbers, malformed lines and notes as the threaded reader and the whole-bytes reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from dpt_tools.load import read_csv_strings, read_path_strings
from dpt_tools.synth import synth_roll, write_roll


@pytest.mark.parametrize("style", ["clean", "excel"])
def test_serial_threaded_and_whole_bytes_readers_agree(tmp_path: Path, style: str) -> None:
    df, _ = synth_roll(6000, seed=31)
    path = tmp_path / f"{style}.csv"
    write_roll(df, path, style=style, ragged=7)
    text = path.read_bytes()
    # a blank line and a quoted value holding the delimiter, far into the file (past the first block)
    lines = text.split(b"\n")
    lines.insert(4000, b"")
    path.write_bytes(b"\n".join(lines))
    reads = [read_path_strings(str(path), "csv", quote=None, threads=False),
             read_path_strings(str(path), "csv", quote=None, threads=True),
             read_csv_strings(path.read_bytes(), str(path))]
    assert all(r is not None for r in reads)
    first = reads[0]
    assert first is not None and len(first.malformed) >= 7 and first.blank_rows
    for other in reads[1:]:
        assert other is not None
        assert other.table.equals(first.table)
        assert other.row_numbers.tolist() == first.row_numbers.tolist()
        assert other.malformed.equals(first.malformed)
        assert other.blank_rows == first.blank_rows
        assert other.notes == first.notes
        assert other.dialect == first.dialect
