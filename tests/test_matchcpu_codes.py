"""Codes read from the bytes of fixed-width columns (:func:`dpt_tools.diff._width_codes`) say exactly what a
dictionary says: equal codes for equal texts only, and the text per code is the text; a diff through them writes
the same files as a diff that hashes every column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dpt_tools import diff as D
from dpt_tools.config import Settings


def _chunked(values: list[str | None], cut: int) -> list[pa.Array]:
    arr = pa.array(values, type=pa.string())
    return [arr.slice(i, cut) for i in range(0, len(arr), cut)]  # slices: offsets that do not start at 0


@pytest.mark.parametrize("alphabet,width", [("LP", 1), ("SBP0123456 -", 1), ("0123456789", 2), ("0123456789", 3),
                                            ("019", 3)])
@pytest.mark.parametrize("cut", [1, 7, 1000])
def test_codes_equal_exactly_for_equal_texts(alphabet, width, cut):
    rng = np.random.default_rng(width * 100 + cut)
    values = ["".join(rng.choice(list(alphabet), width)) for _ in range(500)]
    got = D._width_codes(_chunked(values, cut))
    assert got is not None
    codes, texts = got
    assert len(codes) == len(values)
    assert texts.take(pa.array(codes.astype(np.int64))).to_pylist() == values
    assert len(set(zip(values, codes.tolist(), strict=True))) == len(set(values)) == len(set(codes.tolist()))


@pytest.mark.parametrize("values", [
    ["001", "02", "003"],  # mixed widths
    ["001", None, "003"],  # a missing value
    ["0A1", "002"],  # not digits
    ["0 1", "002"],
    ["ab", "cd"],  # two bytes, not digits
    ["1234", "5678"],  # four digits
    ["", ""],  # empty
    ["é", "e"],  # a two-byte character next to a one-byte one
    ["éé", "éé"],  # two bytes each, not digits
    [],
])
def test_other_columns_are_hashed(values):
    assert D._width_codes(_chunked(values, 2) if values else [pa.array([], type=pa.string())]) is None


def _roll(tmp_path: Path, name: str, seed: int, rows: int = 400) -> Path:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "nik": [f"3171{i:012d}" for i in rng.permutation(rows)],
        "nama": [f"ORANG {i}" for i in range(rows)],
        "jenis_kelamin": rng.choice(["L", "P", "l", "X", " "], rows),
        "status_kawin": rng.choice(["S", "B", "P", "K"], rows),
        "rt": rng.choice(["001", "002", "010", "000"], rows),
        "rw": rng.choice(["01", "02", "10"], rows) if seed % 2 else rng.choice(["1", "02", "010"], rows),
        "tps": rng.choice(["001", "002", "003", "099"], rows),
        "disabilitas": rng.choice(["0", "1", "2"], rows),
        "kecamatan": rng.choice(["GAMBIR", "MENTENG"], rows), "kelurahan": rng.choice(["A", "B", "C"], rows),
    })
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    return path


def test_a_diff_through_width_codes_writes_what_hashing_writes(tmp_path, monkeypatch):
    old, new = _roll(tmp_path, "old", 1), _roll(tmp_path, "new", 2)
    settings = Settings()
    seen: list[bool] = []
    width_codes = D._width_codes

    def spy(chunks):
        got = width_codes(chunks)
        seen.append(got is not None)
        return got

    monkeypatch.setattr(D, "_width_codes", spy)
    # the full path: line by line (both files share their header) only the key columns are coded
    fast = D.diff_paths(str(old), str(new), settings, by="tps", line_first=False)
    assert sum(seen) >= 5  # jenis_kelamin, status_kawin, rt, tps, disabilitas (rw: mixed widths in one version)
    monkeypatch.setattr(D, "_width_codes", lambda chunks: None)
    slow = D.diff_paths(str(old), str(new), settings, by="tps", line_first=False)
    for name in D.OUTPUT_FILES:
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(slow, name))
    assert fast.summary == slow.summary
    assert fast.summary["changed"] > 300


@pytest.mark.parametrize("values,plain", [
    (["3171010101900001", "0000000000000000", "9999999999999999"], True),
    (["3171010101900001", "-171010101900001"], False),  # pyarrow's parser takes a sign
    (["3171010101900001", "0x71010101900001"], False),  # ... and hexadecimal
    (["3171010101900001", "317101010190000"], False),
    (["3171010101900001", "31710101019000011"], False),
    (["3171010101900001", None], False),
    (["3171010101900001", "317101010190000 "], False),
    (["3171010101900001", "３171010101900001"], False),  # a full-width digit: 18 bytes
    (["3171010101900001", "31710101019000/1"], False),  # "/" and ":" sit next to the digits
    (["3171010101900001", "31710101019000:1"], False),
])
@pytest.mark.parametrize("cut", [1, 2, 3])
def test_plain_keys_only_for_sixteen_plain_digits(values, plain, cut):
    col = pa.chunked_array(_chunked(values, cut))
    keys = D._plain_keys(col)
    assert (keys is not None) == plain == bool(D._np_bool(D._sixteen_digits(col)).all())
    if plain:
        assert keys.tolist() == [int(v) for v in values]
    assert D._plain_keys(pa.array([], type=pa.string())).tolist() == []
