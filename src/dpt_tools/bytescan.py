"""Whole-column tests on the UTF-8 bytes of a string array, for the hot paths of ``validate``.

Why: pyarrow's substring and regex kernels walk a million values one by one (40–60 ms for a names column); the
questions the rules ask most ("does the value hold a ``*``?", "is every character one of these ASCII ones?") are
questions about bytes, answered with a few numpy passes over the column's data buffer. They are exact: in UTF-8 an
ASCII byte only ever stands for that ASCII character (every byte of a multi-byte character is ≥ 0x80), so a byte
test on ASCII gives the answer of the character test; rows holding non-ASCII bytes are marked so that callers
can send them (few, in a roll) through the general kernel.
"""

from __future__ import annotations

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


def byte_class(chars: str) -> np.ndarray:
    """A 256-entry lookup table: True for the bytes of these ASCII characters."""
    table = np.zeros(256, dtype=bool)
    for ch in chars:
        if ord(ch) > 0x7F:
            raise ValueError(f"not an ASCII character: {ch!r}")
        table[ord(ch)] = True
    return table


def rows_holding(offsets: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """True for each row (``offsets``: n + 1 rebased offsets) whose bytes include a position where ``hit`` is
    True. Rare hits are placed by a binary search of their positions; common ones by a per-row reduction."""
    n = len(offsets) - 1
    count = int(np.count_nonzero(hit))
    if count == 0:
        return np.zeros(n, dtype=bool)
    if count <= n:
        out = np.zeros(n, dtype=bool)
        out[np.searchsorted(offsets, np.flatnonzero(hit), side="right") - 1] = True
        return out
    lengths = np.diff(offsets)
    starts = np.minimum(offsets[:-1], len(hit) - 1)
    return np.logical_or.reduceat(hit, starts) & (lengths > 0)


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
    return rows_holding(offsets, data == ord(char)) & valid_mask(arr)


def ascii_rows(arr: pa.Array, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(has a disallowed ASCII byte, has a non-ASCII byte) per row, for a 256-entry ``allowed`` table (bytes ≥ 0x80
    are never counted as disallowed: they are reported apart, for the caller's general path). Nulls: False."""
    offsets, data = string_buffers(arr)
    valid = valid_mask(arr)
    bad = ~allowed[data]
    high = data >= 0x80
    return rows_holding(offsets, bad & ~high) & valid, rows_holding(offsets, high) & valid


def double_space_rows(arr: pa.Array) -> np.ndarray:
    """Values holding two consecutive spaces (``pc.match_substring(arr, "  ")``; null → False)."""
    offsets, data = string_buffers(arr)
    space = data == 0x20
    pair = np.flatnonzero(space[:-1] & space[1:])
    out = np.zeros(len(arr), dtype=bool)
    if len(pair):
        row = np.searchsorted(offsets, pair, side="right") - 1
        same = pair + 1 < offsets[row + 1]  # both spaces inside one value, not the end of one and the next's start
        out[row[same]] = True
    return out & valid_mask(arr)
