"""The compare-minimum children of bench/bench_budget.py must count exactly: every kind of change counted once,
including changes that keep a line's length (a value moved across a comma) and changes in the columns compared by
bytes or by dictionary codes."""

from __future__ import annotations

import hashlib
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import bench_budget


def _row(i: int) -> list[str]:
    return [f"{1971010000000000 + i // 3}", f"{1971020000000000 + i}", f"NAMA {i % 997} X", "PANGKALPINANG",
            f"{1 + i % 28:02d}-0{1 + i % 9}-19{50 + i % 50}", "SBP"[i % 3], "LP"[i % 2], f"GG. BANGKA {i % 40}",
            f"{i % 12:03d}", f"{(i // 7) % 12:03d}", str(i % 7), "", f"{i % 30:03d}", f"KEL {i % 5}", f"KEC {i % 3}",
            "KOTA PANGKAL PINANG", "KEPULAUAN BANGKA BELITUNG"]


def _write(path: Path, rows: list[list[str]]) -> None:
    path.write_bytes((",".join(bench_budget.FIELDS) + "\n" + "".join(",".join(r) + "\n" for r in rows)).encode())


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("cmpmin")
    old = [_row(i) for i in range(3000)]
    new = [list(r) for r in old]
    f = bench_budget.FIELDS.index
    new[5][f("nama")] += "H"                                           # longer name
    new[10][f("tps")] = "999"                                          # moved (fixed-width column)
    new[20][f("alamat")] += new[20][f("rt")][0]                        # a byte moved across a comma:
    new[20][f("rt")] = new[20][f("rt")][1:]                            # same line length
    new[30][f("kabupaten_kota")] = "KOTA PANGKAL PINANX"               # dictionary column, same length
    new[40][f("status_kawin")] = "X"                                   # one-byte column
    new[50][f("kelurahan")], new[50][f("kecamatan")] = "KEL 9", "KEC 9"  # moved, two fields
    del new[2900:2903]                                                 # 3 only in old
    new += [_row(5000), _row(5001)]                                    # 2 only in new
    random.Random(1).shuffle(new)
    _write(work / "old.csv", old)
    _write(work / "new.csv", new)
    return work / "old.csv", work / "new.csv"


@pytest.mark.parametrize("child", ["compare_stack", "compare_lines"])
def test_counts_exact(pair, child, capsys) -> None:
    bench_budget.CHILDREN[child](*map(str, pair))
    assert capsys.readouterr().err.split() == ["3", "2", "6", "2"]


def test_lines_array_refuses_crlf(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = tmp_path / "crlf.csv"
    text = pacsv.ConvertOptions(column_types={"a": pa.string(), "b": pa.string()})
    path.write_bytes(b"a,b\r\n1,2\r\n3,4\r\n")
    table = pacsv.read_csv(path, convert_options=text)
    assert bench_budget._lines_array(table, path.read_bytes()) is None
    path.write_bytes(b"a,b\n1,2\n3,4\n")
    table = pacsv.read_csv(path, convert_options=text)
    assert bench_budget._lines_array(table, path.read_bytes()).to_pylist() == [b"1,2\n", b"3,4\n"]


def test_sha_is_real(pair) -> None:
    front = bench_budget._compare_front(*map(str, pair))
    front["hasher"].join()
    assert front["sha"][str(pair[0]) + ".sha"] == hashlib.sha256(pair[0].read_bytes()).hexdigest()
