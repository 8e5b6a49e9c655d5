"""The byte-level shortcuts of validate give exactly what the pyarrow kernels (and the rule regexes) give."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dpt_tools import bytescan
from dpt_tools.rules import person_rules

ODD = ["", " ", "  ", "A  B", "A B ", " A", "*", "19*71", "ÉLODIE", "JOSÉ  MARIA", "O'NEIL", "H. ST.", "X1",
       "-", "...", "ab", "\t", "A\u00a0B", "Ā", "日本", "(ALM)", "A/B", "A`B", "A_B", "9", None, "Ÿ*", "\x1c"]
TEXT = st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(list("AZaz09 *.,'`-()/_\t\u00e9\u00c0Ÿ日")),
                                             max_size=6)), max_size=40)


@pytest.fixture(autouse=True, params=[3, 16, bytescan.BLOCK])
def block(request, monkeypatch):
    """Every test with tiny blocks too: hits on block boundaries, a double space across two blocks."""
    monkeypatch.setattr(bytescan, "BLOCK", request.param)


def _kernel(arr: pa.Array, fn) -> np.ndarray:
    return np.asarray(pc.fill_null(fn(arr), False).to_numpy(zero_copy_only=False))


def _arrays(values: list[str | None]) -> list[pa.Array]:
    """The values as given, sliced (offsets not starting at 0) and with more hits than rows (the other branch)."""
    arr = pa.array(values, type=pa.string())
    padded = pa.array(["**  **"] * 3 + values + ["  "], type=pa.string())
    return [arr, padded, padded.slice(3, len(values))]


def _check(values: list[str | None]) -> None:
    for arr in _arrays(values):
        assert bytescan.contains_byte(arr, "*").tolist() == _kernel(arr, lambda a: pc.match_substring(a, "*")).tolist()
        assert bytescan.double_space_rows(arr).tolist() == _kernel(
            arr, lambda a: pc.match_substring(a, "  ")).tolist()


def test_byte_tests_equal_the_kernels_on_odd_values():
    _check(ODD)
    _check([])
    _check([None, None])


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_byte_tests_equal_the_kernels(values):
    _check(values)


class _Ctx:
    """The two members of a rule context the name checks read."""

    def __init__(self, arr: pa.Array) -> None:
        from dpt_tools.rules.base import Context

        self.arr, self.n, self._memo = arr, len(arr), {}
        self.matches_at = lambda name, pattern, rows: Context.matches_at(self, name, pattern, rows)
        self.matches = lambda name, pattern: _kernel(arr, lambda a: pc.match_substring_regex(a, pattern))

    def col(self, name: str) -> pa.Array:
        return self.arr

    def cached(self, name: str, make):
        return make()


def _name_check(values: list[str | None]) -> None:
    for arr in _arrays(values):
        no_letter, name_ok = person_rules._name_checks(_Ctx(arr))
        for got, pattern in ((no_letter, person_rules.NO_LETTER), (name_ok, person_rules.NAME_OK)):
            assert got.tolist() == _kernel(arr, lambda a, p=pattern: pc.match_substring_regex(a, p)).tolist()


def test_name_checks_equal_the_regexes_on_odd_values():
    _name_check(ODD)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_name_checks_equal_the_regexes(values):
    _name_check(values)


DIGITS = st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(list("0123456789 /:'\u0660")), min_size=14,
                                               max_size=17), st.from_regex(r"\A[0-9]{16}\Z")), max_size=30)


@settings(max_examples=300, deadline=None)
@given(DIGITS)
def test_digit_block_equals_the_kernels(values):
    for arr in (pa.array(values, type=pa.string()), pa.array(["x", *values], type=pa.string()).slice(1)):
        block, ok = bytescan.digit_block(arr, 16)
        expected = _kernel(arr, lambda a: pc.and_(pc.equal(pc.binary_length(a), 16), pc.ascii_is_decimal(a)))
        assert ok.tolist() == expected.tolist()
        for width in (3, 15, 16):
            assert bytescan.digits_of_width(arr, width).tolist() == _kernel(
                arr, lambda a, w=width: pc.and_(pc.equal(pc.binary_length(a), w), pc.ascii_is_decimal(a))).tolist()
        good = [v for v, k in zip(arr.to_pylist(), ok.tolist(), strict=True) if k]
        assert [bytes(r).decode() for r in block] == good
        assert bytescan.sixteen_digit_numbers(block).tolist() == [int(v) for v in good]


@pytest.mark.parametrize("max_runs", [0, 1, 64])
def test_digit_pieces_in_any_number_of_runs(monkeypatch, max_runs):
    """Views of runs, runs copied into one matrix, or the bytes of every row: the same digits and numbers."""
    monkeypatch.setattr(bytescan, "MAX_RUNS", max_runs)
    monkeypatch.setattr(bytescan, "NUMBER_ROWS", 7)  # numbers converted a few rows at a time
    long_runs = [f"{i:016d}" if i % 7 else "x" for i in range(500)] + [f"{i:016d}" for i in range(300)]
    for values in (long_runs, [f"{i:016d}" if i % 2 else "x" for i in range(300)]):  # runs of one row
        arr = pa.array(values, type=pa.string())
        ok, numbers = bytescan.sixteen_digit_column(arr)
        assert ok.tolist() == [v != "x" for v in values]
        assert numbers.tolist() == [int(v) if v != "x" else -1 for v in values]
        block, _ = bytescan.digit_block(arr, 16)
        assert [bytes(r).decode() for r in block] == [v for v in values if v != "x"]


def test_sixteen_digit_numbers_extremes():
    values = ["0000000000000000", "9999999999999999", "1971014506900001", "0000000100000000", "1000000000000000"]
    block, ok = bytescan.digit_block(pa.array(values), 16)
    assert ok.all() and bytescan.sixteen_digit_numbers(block).tolist() == [int(v) for v in values]


def test_nik_text_marks_equal_the_kernel():
    """An apostrophe before the NIK (after any whitespace) marks a cell Excel kept as text: read off the first byte,
    the kernel only for values starting with a space, a control or a non-ASCII character."""
    from types import SimpleNamespace

    from dpt_tools.rules.base import Context

    values = ["'1971014506900001", " '1971014506900001", "\t'19", "\u00a0'19", "\u3000'19", "1971014506900001",
              "", None, "'", "x'", "\x1c'1", "\u2019197", "''19", " 1971", "\u00e9'"] * 3
    for raw in (pa.array(values, type=pa.string()), pa.chunked_array([values[:7], values[7:]], type=pa.string())):
        ctx = SimpleNamespace(roll=SimpleNamespace(raw=pa.table({"nik": raw})))
        expected = _kernel(raw, lambda a: pc.starts_with(pc.utf8_trim_whitespace(a), "'"))
        assert Context.nik_text_marked.func(ctx).tolist() == expected.tolist()
