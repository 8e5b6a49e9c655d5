"""Whole-column tests on the UTF-8 bytes of a string array, for the hot paths of ``validate``.

Why: pyarrow's substring and regex kernels walk a million values one by one (40–60 ms for a names column); the
questions the rules ask most ("does the value hold a ``*``?", "is every character one of these ASCII ones?") are
questions about bytes, answered with a few numpy passes over the column's data buffer. They are exact: in UTF-8 an
ASCII byte only ever stands for that ASCII character (every byte of a multi-byte character is ≥ 0x80), so a byte
test on ASCII gives the answer of the character test; rows holding non-ASCII bytes are marked so that callers
can send them (few, in a roll) through the general kernel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def string_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of a string array as numpy views, offsets rebased to 0 (no copy of the data)."""
    if pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1] if len(arr) else \
        np.zeros(1, dtype=np.int32)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, dtype=np.uint8)
    return offsets - offsets[0], data[offsets[0]:offsets[-1]]


#: Bytes scanned at a time. A test on a whole 20 MB column allocates 20 MB temporaries, fresh memory each time
#: (page faults cost more than the test); block by block they stay in the CPU cache — 3–4× faster.
BLOCK = 1 << 18


def byte_class(chars: str) -> np.ndarray:
    """A 256-entry lookup table: True for the bytes of these ASCII characters."""
    table = np.zeros(256, dtype=bool)
    for ch in chars:
        if ord(ch) > 0x7F:
            raise ValueError(f"not an ASCII character: {ch!r}")
        table[ord(ch)] = True
    return table


def inside(table: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A test for bytes in ``table``, made of range comparisons: a 256-entry table lookup (fancy indexing) is
    several times slower than a handful of comparisons."""
    edges = np.flatnonzero(np.diff(np.r_[0, table.astype(np.int8), 0]))
    runs = [(np.uint8(a), int(b - a)) for a, b in zip(edges[0::2], edges[1::2], strict=True)]

    def test(block: np.ndarray) -> np.ndarray:
        ok = np.zeros(len(block), dtype=bool)
        for low, width in runs:
            ok |= (block - low) < width  # uint8 arithmetic wraps: one comparison per range
        return ok

    return test


def outside(table: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A test for bytes *not* in ``table`` (non-ASCII bytes included)."""
    test = inside(table)
    return lambda block: ~test(block)


def rows_where(offsets: np.ndarray, data: np.ndarray, test: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """True for each row (``offsets``: n + 1 rebased offsets into ``data``) holding a byte for which ``test`` (a
    vectorised test on a block of bytes) is True. Scanned block by block (:data:`BLOCK`)."""
    out = np.zeros(len(offsets) - 1, dtype=bool)
    for start in range(0, len(data), BLOCK):
        _mark(out, offsets, test(data[start:start + BLOCK]), start)
    return out


def _mark(out: np.ndarray, offsets: np.ndarray, hit: np.ndarray, start: int) -> None:
    """Set ``out`` for the rows holding a hit of this block (bytes ``start`` …): rare hits are placed by a binary
    search of their positions, common ones by counting hits over each row's part of the block."""
    pos = np.flatnonzero(hit)
    if not len(pos):
        return
    if len(pos) <= len(hit) // 16:
        # searched as the offsets' own type: a mismatch would convert the million offsets at every call
        out[np.searchsorted(offsets, (pos + start).astype(offsets.dtype), side="right") - 1] = True
        return
    end = start + len(hit)
    first = int(np.searchsorted(offsets, start, side="right")) - 1
    last = int(np.searchsorted(offsets, end - 1, side="right")) - 1
    low = np.maximum(offsets[first:last + 1], start) - start
    high = np.minimum(offsets[first + 1:last + 2], end) - start
    cum = np.r_[0, np.cumsum(hit, dtype=np.int32)]
    out[first:last + 1] |= (high > low) & (cum[np.maximum(high, low)] > cum[low])


def any_byte(data: np.ndarray, test: Callable[[np.ndarray], np.ndarray]) -> bool:
    """Whether ``test`` holds for any byte, block by block, stopping at the first block where it does."""
    return any(test(data[start:start + BLOCK]).any() for start in range(0, len(data), BLOCK))


def valid_mask(arr: pa.Array) -> np.ndarray:
    """True where a value is not null."""
    if arr.null_count == 0:
        return np.ones(len(arr), dtype=bool)
    return np.asarray(arr.is_valid().to_numpy(zero_copy_only=False))


def contains_byte(arr: pa.Array, char: str) -> np.ndarray:
    """Values holding this ASCII character (what ``pc.match_substring(arr, char)`` finds; null → False)."""
    if len(char) != 1 or ord(char) > 0x7F:
        raise ValueError(f"one ASCII character expected, not {char!r}")
    offsets, data = string_buffers(arr)
    code = np.uint8(ord(char))
    return rows_where(offsets, data, lambda block: block == code) & valid_mask(arr)


def double_space_rows(arr: pa.Array) -> np.ndarray:
    """Values holding two consecutive spaces (``pc.match_substring(arr, "  ")``; null → False)."""
    offsets, data = string_buffers(arr)
    out = np.zeros(len(arr), dtype=bool)
    for start in range(0, max(len(data) - 1, 0), BLOCK):
        block = data[start:start + BLOCK + 1]
        space = block == 0x20
        pair = np.flatnonzero(space[:-1] & space[1:]) + start
        if len(pair):
            row = np.searchsorted(offsets, pair.astype(offsets.dtype), side="right") - 1
            same = pair + 1 < offsets[row + 1]  # both spaces inside one value, not one value's end and the next's start
            out[row[same]] = True
    return out & valid_mask(arr)


#: At most this many runs of qualifying rows are handed out as views; beyond, the runs are copied into one matrix
#: (each piece costs its caller a dozen numpy calls: hundreds of pieces cost more than one copy).
MAX_RUNS = 64

Rows = slice | np.ndarray


def digit_pieces(arr: pa.Array, width: int = 16) -> tuple[np.ndarray, list[tuple[Rows, np.ndarray]]]:
    """(which values are exactly ``width`` ASCII digits — what ``binary_length == width & ascii_is_decimal``
    gives —, their bytes as pieces ``(rows, matrix)``): ``matrix`` holds the bytes of the qualifying values of
    ``rows`` (a slice or a mask), one value a line, in row order.

    Why pieces: in a NIK column nearly every value qualifies, so between two odd values the bytes are a regular
    ``k × width`` block of the data buffer — a view, no copy. Copying the qualifying bytes out (and a whole-column
    take before that) cost ~0.15 s for a million NIKs in a fresh process. A column with very many odd values is
    copied out once instead (one piece), so the number of pieces stays small."""
    offsets, data = string_buffers(arr)
    lengths = np.diff(offsets)
    ok = (lengths == width) & valid_mask(arr)
    ok &= ~rows_where(offsets, data, _NOT_DIGIT)
    if not ok.any():
        return ok, []
    edges = np.flatnonzero(np.diff(np.r_[False, ok, False]))  # starts and ends of the runs of qualifying rows
    runs = zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True)
    if len(edges) // 2 > MAX_RUNS:
        if len(edges) // 2 > len(ok) // 8:  # short runs (a column of mostly odd values): the bytes of every row
            return ok, [(ok, data[np.repeat(ok, lengths)].reshape(-1, width))]
        return ok, [(ok, np.concatenate([data[offsets[a]:offsets[b]] for a, b in runs]).reshape(-1, width))]
    return ok, [(slice(a, b), data[offsets[a]:offsets[b]].reshape(-1, width)) for a, b in runs]


def digits_of_width(arr: pa.Array, width: int) -> np.ndarray:
    """Values of exactly ``width`` ASCII digits (``binary_length == width & ascii_is_decimal``; null → False)."""
    offsets, data = string_buffers(arr)
    ok = (np.diff(offsets) == width) & valid_mask(arr)
    return ok & ~rows_where(offsets, data, _NOT_DIGIT) if ok.any() else ok


def digit_block(arr: pa.Array, width: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """(m × ``width`` uint8 matrix of the ASCII digits of the m values that are exactly ``width`` ASCII digits,
    in row order; which rows those are): :func:`digit_pieces` in one matrix."""
    ok, pieces = digit_pieces(arr, width)
    if not pieces:
        return np.zeros((0, width), dtype=np.uint8), ok
    return (pieces[0][1] if len(pieces) == 1 else np.concatenate([m for _, m in pieces])), ok


def sixteen_digit_column(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(exactly 16 ASCII digits, the value as an int64 where so and -1 elsewhere) of a string column."""
    ok, pieces = digit_pieces(arr, 16)
    numbers = np.full(len(arr), -1, dtype=np.int64)
    for rows, matrix in pieces:
        numbers[rows] = sixteen_digit_numbers(matrix)
    return ok, numbers


_NOT_DIGIT = outside(byte_class("0123456789"))
_MASK = np.uint64(0x000000FF000000FF)
_MUL1 = np.uint64(100 + (1000000 << 32))
_MUL2 = np.uint64(1 + (10000 << 32))


def _eight_digits(word: np.ndarray) -> np.ndarray:
    """Eight ASCII digits read as one little-endian uint64 → their value (Lemire's SWAR parse: three multiplies
    instead of eight digit steps; the intermediate products wrap modulo 2**64 by design). In place where possible:
    every temporary is one more array of fresh memory."""
    val = word - np.uint64(0x3030303030303030)
    low = val >> np.uint64(8)
    val *= np.uint64(10)
    val += low
    high = val >> np.uint64(16)
    high &= _MASK
    high *= _MUL2
    val &= _MASK
    val *= _MUL1
    val += high
    val >>= np.uint64(32)
    return val


#: Rows of 16 digits converted at a time: the temporaries of a block stay in the CPU cache.
NUMBER_ROWS = 1 << 15


def sixteen_digit_numbers(block: np.ndarray) -> np.ndarray:
    """The rows of a :func:`digit_block` of width 16 as int64 numbers (exact: 16 digits < 2**63)."""
    words = np.ascontiguousarray(block).view("<u8")  # two words a row: digits 1–8, then 9–16
    out = np.empty(len(words), dtype=np.int64)
    for start in range(0, len(words), NUMBER_ROWS):
        part = words[start:start + NUMBER_ROWS]
        high = _eight_digits(part[:, 0])
        high *= np.uint64(100_000_000)
        high += _eight_digits(part[:, 1])
        out[start:start + NUMBER_ROWS] = high.view(np.int64)
    return out
