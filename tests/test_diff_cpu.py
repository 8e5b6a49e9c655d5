"""The cheaper ways of diff's matching and output steps give exactly what the plain ways gave: person keys as
integer codes (one folding of both versions' names), name folding's fixed point, the byte tests that spare the
output tables a regex (16-digit runs, formula starts), and the conservation check without int64 copies."""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dpt_tools import diff as D
from dpt_tools import names as N
from dpt_tools import normalize as norm
from dpt_tools.config import Settings
from dpt_tools.errors import IntegrityError
from dpt_tools.load import load_roll
from dpt_tools.names import fold_names
from dpt_tools.nik import holds_digit_run
from dpt_tools.output import FORMULA_START, guard_formulas

# names that fold alike, fold to nothing, need several folding passes, or are missing
NAMES = ["H. BUDI SANTOSO", "BUDI SANTOSO", "budi  santoso, S.Pd", "DJOKO", "JOKO", "YOKO", "123", ".", "", None,
         "SITI AMINAH", "ST AMINAH", "MUHAMMAD ALI", "MOCH. ALI", "BUDI-SE", "É", "ABDULLAH", "ABD. LAH", "H. 5",
         "NOER HAYATI", "NUR HAYATI", "DRS. H. MOCH. DJOKO, S.H., M.M."]
DATES = ["17-08-1945", "01-01-1990", "1990-01-01", "31-02-1990", ""]
SEXES = ["L", "P", "", "X", "PEREMPUAN"]


def _roll(tmp_path: Path, name: str, seed: int) -> Path:
    """Every name with every date and sex, in a shuffled order, each row with its own valid NIK."""
    rng = np.random.default_rng(seed)
    rows = [(nm, dt, sx) for nm in NAMES for dt in DATES for sx in SEXES]
    rows = [rows[i] for i in rng.permutation(len(rows))]
    frame = pd.DataFrame({
        "nik": [f"3171{seed:02d}{i:010d}" for i in range(len(rows))],
        "nama": [r[0] for r in rows], "tanggal_lahir": [r[1] for r in rows], "jenis_kelamin": [r[2] for r in rows],
        "kecamatan": "GAMBIR", "kelurahan": "GAMBIR", "tps": "001",
    })
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    return path


def _reference_keys(side: D._Side, pos: np.ndarray) -> list[str | None]:
    """The person key as diff wrote it before codes: folded name | ISO birth date | sex, null if a part is."""
    null = pa.scalar(None, pa.string())
    folded = pa.array(fold_names(side.at("nama", pos)).array, type=pa.string())
    folded = pc.if_else(pc.equal(pc.utf8_length(folded), 0), null, folded)
    dob = norm.iso_dates(side.days_at(pos))
    sex = side.at("jenis_kelamin", pos)
    sex = pc.if_else(pc.is_in(sex, value_set=pa.array(["L", "P"])), sex, null)
    return pc.binary_join_element_wise(folded, dob, sex, "|").to_pylist()


@pytest.mark.parametrize("exact", [False, True])
def test_person_codes_equal_exactly_where_the_string_keys_are(tmp_path, exact):
    po, pn = _roll(tmp_path, "old", 1), _roll(tmp_path, "new", 2)
    if exact:
        old = D._side_from_roll(load_roll(str(po)), "old")
        new = D._side_from_roll(load_roll(str(pn)), "new")
    else:
        old = D._read_side(str(po), Settings(), "old")
        new = D._read_side(str(pn), Settings(), "new")
    ds_o, ds_n = D._date_sex(old, np.arange(old.n)), D._date_sex(new, np.arange(new.n))
    at_o, at_n = np.flatnonzero(ds_o >= 0), np.flatnonzero(ds_n >= 0)  # the rows that can get a key
    codes = D._person_codes(old, new, at_o, at_n, ds_o[at_o], ds_n[at_n])
    want = _reference_keys(old, at_o) + _reference_keys(new, at_n)
    assert len(codes) == len(want) and None in want and len({w for w in want if w}) > 10
    assert [c < 0 for c in codes] == [w is None for w in want]
    keyed = [i for i, w in enumerate(want) if w is not None]
    # one code per key and one key per code
    assert len({(want[i], int(codes[i])) for i in keyed}) == len({want[i] for i in keyed}) == \
        len({int(codes[i]) for i in keyed})
    # the same key across the versions: a name folded once serves both
    assert {want[i] for i in keyed if i < len(at_o)} & {want[i] for i in keyed if i >= len(at_o)}


def test_person_codes_without_names_or_rows(tmp_path):
    po = _roll(tmp_path, "old", 1)
    old = D._read_side(str(po), Settings(), "old")
    assert D._person_codes(old, old, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                           np.zeros(0, np.int64)).tolist() == []
    old.present = [f for f in old.present if f != "nama"]
    pos = np.arange(3)
    assert D._person_codes(old, old, pos, pos, np.arange(3), np.arange(3)).tolist() == [-1] * 6


def _fixpoint_every_value(x: pa.Array, step):
    """Name folding's fixed point as it was: the second pass over every value."""
    cur = step(x)
    todo = pa.array(np.arange(len(cur), dtype=np.int64))
    for _ in range(N._MAX_PASSES):
        sub = pc.take(cur, todo)
        nxt = step(sub)
        changed = pc.not_equal(nxt, sub)
        if not pc.any(changed).as_py():
            break
        todo = pc.filter(todo, changed)
        mask = np.zeros(len(cur), dtype=bool)
        mask[todo.to_numpy()] = True
        cur = pc.replace_with_mask(cur, pa.array(mask), pc.filter(nxt, changed))
    return cur


def test_folding_revisits_only_changed_names_with_the_same_result(monkeypatch):
    from dpt_tools.synth import synth_roll

    roll, _ = synth_roll(3000, seed=5, problems=True, duplicates=True)
    names = [*NAMES, *roll["nama"].tolist(), "BUDI-SE-SH", "H.ABD.ROHMAN", "ST. NOOR AINI", "MOCHAMMAD TJAHJO"]
    calls: list[int] = []
    step = N._fold_step

    def counted(x: pa.Array, digraphs: bool = True) -> pa.Array:
        calls.append(len(x))
        return step(x, digraphs)

    monkeypatch.setattr(N, "_fold_step", counted)
    now = fold_names(names).tolist()
    now_other = fold_names(names, old_digraphs=False).tolist()
    first = calls[0]
    assert calls[1] < first / 2  # the second pass sees only the names the first changed
    monkeypatch.setattr(N, "_fixpoint", _fixpoint_every_value)
    assert fold_names(names).tolist() == now
    assert fold_names(names, old_digraphs=False).tolist() == now_other


TEXT = st.lists(st.one_of(st.none(), st.text(alphabet="0123456789 a*é,=+-@\t\r", max_size=40),
                          st.from_regex(r"[A-Z ]{0,3}[0-9]{14,18}[A-Z ]{0,3}", fullmatch=True)), max_size=8)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(0, 2), st.booleans())
def test_digit_run_test_answers_like_the_regex(values, cut, chunked):
    arr = pa.array(values, type=pa.string())
    arr = arr.slice(min(cut, len(arr)))
    want = bool(len(arr)) and bool(pc.any(pc.match_substring_regex(arr, pattern="[0-9]{16}")).as_py())
    if chunked:
        arr = pa.chunked_array([arr.slice(0, len(arr) // 2), arr.slice(len(arr) // 2)], type=pa.string())
    assert holds_digit_run(arr) == want
    assert holds_digit_run(pa.array(values, type=pa.large_string())) == \
        bool(pc.any(pc.match_substring_regex(pa.array(values, type=pa.string()), pattern="[0-9]{16}")).as_py())


@pytest.mark.parametrize(("values", "want"), [
    (["1234567890123456"], True), (["123456789012345"], False), ([None, "BUDI 3171012345678901X"], True),
    (["12345678", "90123456"], False), (["12345678901234é5"], False), (["NIK:3171012345678901"], True), ([], False)])
def test_digit_run_edges(values, want):
    assert holds_digit_run(pa.array(values, type=pa.string())) is want


def _guard_every_value(arr):
    risky = None
    for start in FORMULA_START:
        hit = pc.starts_with(arr, start)
        risky = hit if risky is None else pc.or_(risky, hit)
    risky = pc.fill_null(risky, False)
    return pc.if_else(risky, pc.binary_join_element_wise("'", arr, ""), arr)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(0, 2), st.booleans())
def test_formula_guard_answers_like_the_prefix_tests(values, cut, chunked):
    arr = pa.array(values, type=pa.string()).slice(min(cut, len(values)))
    if chunked:
        arr = pa.chunked_array([arr.slice(0, len(arr) // 2), arr.slice(len(arr) // 2)], type=pa.string())
    got, want = guard_formulas(arr), _guard_every_value(arr)
    assert got.to_pylist() == want.to_pylist() and got.type == want.type


def test_guard_leaves_a_safe_column_as_it_is():
    arr = pa.array(["BUDI", None, "", "x=1"])
    assert guard_formulas(arr) is arr
    assert guard_formulas(pa.array(["BUDI", "=1+1"])).to_pylist() == ["BUDI", "'=1+1"]


def _matching(po, pn, old_left, new_left) -> D._Matching:
    z = np.zeros(0, np.int8)
    po, pn, old_left, new_left = (np.asarray(a, dtype=np.int64) for a in (po, pn, old_left, new_left))
    return D._Matching(po, pn, z, old_left, new_left, z, z, z, z, z)


@pytest.mark.parametrize(("po", "old_left"), [([0, 0], [2]), ([0, 1], [1]), ([0, 1], []), ([0, 3], [2]),
                                              ([0, -1], [2])])
def test_conservation_still_catches_a_row_counted_twice_or_never(po, old_left):
    side = types.SimpleNamespace(n=3, label="old")
    status = np.zeros(3, np.int8)
    m = _matching(po, [0, 1], old_left, [2])
    with pytest.raises(IntegrityError, match="old: "):
        D._check_conservation(side, types.SimpleNamespace(n=3, label="new"), m, status, status, (0, 0))
    D._check_conservation(side, side, _matching([0, 1], [1, 0], [2], [2]), status, status, (0, 0))


def test_a_few_rows_come_from_the_chunks_as_a_take_would_give_them():
    rng = np.random.default_rng(7)
    values = [None if rng.random() < 0.2 else f"V{i}" for i in range(400)]
    sizes = [0, 50, 1, 149, 0, 200]
    chunks, at = [], 0
    for size in sizes:
        chunks.append(pa.array(values[at:at + size], type=pa.string()))
        at += size
    column = pa.chunked_array(chunks, type=pa.string())
    for pos in (np.array([399, 0, 51, 51, 200, 50]), np.sort(rng.integers(0, 400, 20)), rng.integers(0, 400, 20),
                np.zeros(0, dtype=np.int64)):
        got = D._take_from_chunks(column, pos)
        assert got.type == pa.string() and got.to_pylist() == [values[p] for p in pos]
        assert D._take(column, pos).to_pylist() == [values[p] for p in pos]
    with pytest.raises(IndexError):
        D._take_from_chunks(column, np.array([400]))


def test_a_side_answers_a_few_rows_without_making_the_column_contiguous(tmp_path):
    path = _roll(tmp_path, "old", 1)
    side = D._read_side(str(path), Settings(), "old")
    chunks = [side.cmp["nama"].slice(i, 7) for i in range(0, side.n, 7)]
    side.cmp["nama"] = pa.chunked_array(chunks)  # as the reader leaves a large file: many chunks
    pos = np.array([5, 3, 40])
    want = D._flat(D.normalise_field("nama", pa.chunked_array(chunks).combine_chunks().take(pa.array(pos))))
    assert side.at("nama", pos).equals(want)
    assert isinstance(side.cmp["nama"], pa.ChunkedArray)  # a few rows: not combined
    side.at("nama", np.arange(side.n))
    assert not isinstance(side.cmp["nama"], pa.ChunkedArray)  # every row: combined once, kept
