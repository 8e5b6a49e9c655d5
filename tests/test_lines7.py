"""The line-first reader of `dpt diff` (dpt_tools.lines): what it proves before it locates a record by its line, what
it declines, and that a record parsed again from its line is the record the whole-file reader gives."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dpt_tools.lines import LineFile, read_csv_lines
from dpt_tools.load import read_csv_strings
from dpt_tools.synth import synth_roll, write_roll

HEADER = b"nik,nama,jenis_kelamin,tanggal_lahir,kecamatan,kelurahan,tps\n"
ROW = b"19710%011d,BUDI %d,L,01-02-1980,BUKIT INTAN,SEMABUNG LAMA,001\n"


def _rows(n: int) -> bytes:
    return HEADER + b"".join(ROW % (i, i) for i in range(n))


def _scan(tmp_path: Path, data: bytes, name: str = "r.csv") -> LineFile:
    path = tmp_path / name
    path.write_bytes(data)
    f = LineFile(str(path))
    f.join()
    return f


def _read(tmp_path: Path, data: bytes):
    f = _scan(tmp_path, data)
    return read_csv_lines(f.data(), f.path, scan=f)


def test_line_file_hashes_and_scans_what_it_holds(tmp_path: Path) -> None:
    df, _ = synth_roll(3000, seed=7)
    path = tmp_path / "roll.csv"
    write_roll(df, path, style="excel")
    data = path.read_bytes()
    f = LineFile(str(path))
    assert f.sha256() == hashlib.sha256(data).hexdigest()
    assert bytes(f.data()) == data
    assert f.ends is not None and f.ends.tolist() == [i for i, b in enumerate(data) if b == 10]
    assert f.carriage_return == (b"\r" in data) and f.quote == (b'"' in data)
    assert f.ascii == all(b < 0x80 for b in data)
    assert not f.changed()


def test_line_file_of_an_empty_and_a_missing_file(tmp_path: Path) -> None:
    empty = _scan(tmp_path, b"")
    assert empty.error is None and bytes(empty.data()) == b"" and empty.ends is not None and not len(empty.ends)
    assert empty.sha256() == hashlib.sha256(b"").hexdigest()
    (tmp_path / "gone.csv").write_bytes(b"x")
    gone = LineFile(str(tmp_path / "gone.csv"))
    gone.join()
    assert gone.error is None
    with pytest.raises(OSError):
        LineFile(str(tmp_path / "never.csv"))  # os.stat in the constructor, as for every prefetched file


@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
@pytest.mark.parametrize("final", [True, False])
def test_records_are_located_by_their_lines(tmp_path: Path, ending: bytes, final: bool) -> None:
    data = _rows(50).replace(b"\n", ending)
    if not final:
        data = data[:-len(ending)]
    read = _read(tmp_path, data)
    assert read is not None and read.lines is not None and read.table.num_rows == 50
    lines = read.lines.lines().to_pylist()
    body = data.split(ending)[1:]
    assert [ln.rstrip(b"\r\n") for ln in lines] == [b for b in body if b]
    assert read.lines.head == HEADER.replace(b"\n", ending)
    # only the key columns were parsed: nik (0), jenis_kelamin (2), kecamatan (4), kelurahan (5), tps (6)
    assert read.table.column_names == ["c0", "c2", "c4", "c5", "c6"]


@pytest.mark.parametrize("mutation, why", [
    (lambda d: d.replace(b"BUDI 7,", b"BUDI\r7,"), "a bare carriage return ends a record for pyarrow"),
    (lambda d: d.replace(b"BUDI 7,", b'"BUDI\n7",'), "a quoted line break: a record spans two lines"),
    (lambda d: d.replace(b"BUDI 7,", b'"BUDI 7,'), "a quote never closed: it swallows the lines after it"),
    (lambda d: d.replace(ROW % (9, 9), ROW % (9, 9) + b"\n"), "a blank line"),
    (lambda d: d.replace(ROW % (9, 9), ROW % (9, 9) + b",,,,,,\n"), "a line of empty fields"),
    (lambda d: d.replace(b"BUDI 7,", b"BUDI,7,"), "a ragged line"),
    (lambda d: d.replace(b"BUDI 7,", b"BUD\xc9 7,"), "not UTF-8 (read whole as cp1252)"),
    (lambda d: d.replace(b"nik,", b"nomor,"), "no NIK column"),
    (lambda d: d.replace(b"1971000000000007,BUDI 7,L,01-02-1980,BUKIT INTAN,SEMABUNG LAMA,001",
                         b",BUDI 7,,01-02-1980,,,"), "a row whose key columns are all empty"),
])
def test_what_is_not_proven_is_read_whole(tmp_path: Path, mutation, why: str) -> None:
    data = mutation(_rows(20))
    assert data != _rows(20), why
    assert _read(tmp_path, data) is None, why


def test_empty_key_values_beside_a_nik_are_read_line_first(tmp_path: Path) -> None:
    """Only a row whose every key column is empty could be an all-empty record; a NIK on the line rules that out
    (the check looks at the NIK column first, and at the others only when a NIK is empty)."""
    data = _rows(20).replace(b"1971000000000007,BUDI 7,L,01-02-1980,BUKIT INTAN,SEMABUNG LAMA,001",
                             b"1971000000000007,BUDI 7,,01-02-1980,,,")
    read = _read(tmp_path, data)
    assert read is not None and read.table.column("c2").to_pylist()[7] == ""
    # an empty NIK with the other key columns filled in is no empty record either
    data = _rows(20).replace(b"1971000000000007,", b",")
    assert _read(tmp_path, data) is not None


def test_a_two_line_header_and_a_byte_order_mark(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + HEADER.replace(b"nama,", b'"nama\npemilih",') + b"".join(ROW % (i, i) for i in range(5))
    read = _read(tmp_path, data)
    whole = read_csv_strings(data, "x.csv")
    assert read is not None and read.lines is not None and read.lines.n == 5 == whole.table.num_rows
    assert read.lines.head.endswith(b'"nama\npemilih",jenis_kelamin,tanggal_lahir,kecamatan,kelurahan,tps\n')
    assert read.lines.parse(np.arange(5), range(7)).equals(whole.table)


def test_an_unclosed_quote_on_the_line_at_a_block_boundary_is_read_whole(tmp_path: Path) -> None:
    """pyarrow reads in 1 MiB blocks; the parser that ends records at line ends would close a quote left open at a
    block's end, and the same line parsed alone would swallow the next one. The reader that follows quotes sees the
    swallowed lines: fewer records than lines."""
    data = bytearray(_rows(20000))
    at = data.index(b"\n", 1 << 20) + 1  # the line after the block boundary
    data[at:at] = b'"'
    assert _read(tmp_path, bytes(data)) is None


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["", "A", "B C", "a,b", 'say "hi"', "Ü", "1971", " x "]), min_size=7,
                         max_size=7), min_size=1, max_size=30),
       st.booleans(), st.data())
def test_a_record_parsed_from_its_line_is_the_whole_file_record(tmp_path_factory, rows, crlf, data) -> None:
    """Quoting as a spreadsheet writes it: each value with the delimiter or a quote quoted, quotes doubled."""
    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if ("," in v or '"' in v) else v

    rows = [[f"{1971000000000000 + i}", *r[1:]] for i, r in enumerate(rows)]  # a NIK in every row: never all empty
    end = "\r\n" if crlf else "\n"
    text = HEADER.decode().replace("\n", end) + "".join(",".join(cell(v) for v in r) + end for r in rows)
    raw = text.encode()
    tmp = tmp_path_factory.mktemp("p")
    read = _read(tmp, raw)
    whole = read_csv_strings(raw, "x.csv")
    assert read is not None and read.lines is not None
    assert read.lines.quoted == (b'"' in raw)
    pos = np.array(sorted(data.draw(st.sets(st.integers(0, len(rows) - 1), min_size=1))))
    again = read.lines.parse(pos, range(7))
    assert again.equals(whole.table.take(pos))
    assert read.lines.parse_all(range(7)).equals(whole.table)
    assert read.table.equals(whole.table.select([0, 2, 4, 5, 6]))


def test_a_file_too_big_to_hold_is_parsed_from_its_path(tmp_path: Path, monkeypatch) -> None:
    """No memory for a file's bytes: the reading thread says so (it never leaves the parse waiting) and the diff
    scans and parses that file from its path, with the same result."""
    from dpt_tools import prefetch
    from dpt_tools.config import Settings
    from dpt_tools.diff import diff_paths

    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_bytes(_rows(300))
    new.write_bytes(_rows(300).replace(b"BUDI 7,", b"BUDI TUJUH,"))
    want = diff_paths(str(old), str(new), Settings(), line_first=False)

    def no_memory(size: int) -> bytearray:
        raise MemoryError

    monkeypatch.setattr(prefetch, "_memory", no_memory)
    f = LineFile(str(old))
    f.join(timeout=10)
    assert not f.is_alive() and isinstance(f.error, MemoryError) and f.data() is None
    got = diff_paths(str(old), str(new), Settings())
    assert not got.line_first and got.summary == want.summary and got.summary["changed"] == 1


@pytest.mark.parametrize("tail, bare", [(b"\r\nX,Y\r\n", False), (b"\rX,Y\r\n", True), (b"X\r", True),
                                        (b"\r\n", False)])
def test_a_bare_carriage_return_is_found_across_read_steps(tmp_path: Path, monkeypatch, tail: bytes,
                                                           bare: bool) -> None:
    """The read is cut in steps; a ``\\r`` at the end of one step is judged by the first byte of the next (or the
    file's end)."""
    from dpt_tools import prefetch

    monkeypatch.setattr(prefetch, "READ_BLOCK", 64)
    head = b"a,b\r\n" + b"x" * (64 - 5 - 1) + b","  # the step ends right before the tail
    for shift in range(3):  # the \r at the step's last byte, and one or two bytes later
        f = _scan(tmp_path, head[shift:] + tail, name=f"r{shift}.csv")
        assert f.error is None and f.carriage_return
        assert f.bare_carriage_return == bare, (shift, tail)
