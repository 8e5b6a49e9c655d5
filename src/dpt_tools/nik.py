"""Decode NIK and NKK columns: region of issue, birth date, sex and serial — vectorised.

NIK layout: ``PP KK CC DDMMYY SSSS``: province, kabupaten/kota, kecamatan of first issue, birth date with 40 added
to the day for women, two-digit year, serial (0001+). The two-digit year is resolved to the latest century that
does not put the birth after the reference date (the election day): a voter is never born in the future.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .bytescan import digit_pieces, sixteen_digit_numbers, string_buffers, valid_mask
from .normalize import ArrayLike, as_string_array, flat, make_dates


@dataclass(frozen=True)
class DecodedNik:
    """Parts of a NIK column; every array has the column's length."""

    valid_format: np.ndarray  # bool: exactly 16 digits
    region: pa.Array  # "PP.KK.CC" (null where not 16 digits), dictionary-encoded
    day: np.ndarray  # int: day of month without the +40 (-1 where unknown)
    month: np.ndarray  # int (-1 where unknown)
    year2: np.ndarray  # int: two-digit year (-1 where unknown)
    birth_date: np.ndarray  # datetime64[D]: NaT where the DDMMYY part is not a real date
    female: np.ndarray  # bool: day part > 40
    serial: np.ndarray  # int (-1 where unknown)
    number: np.ndarray | None = None  # int64: the 16 digits as one number (-1 where not 16 digits), for grouping


def is_16_digits(values: ArrayLike) -> np.ndarray:
    arr = as_string_array(values)
    ok = pc.and_(pc.ascii_is_decimal(arr), pc.equal(pc.utf8_length(arr), 16))
    return np.asarray(pc.fill_null(ok, False).to_numpy(zero_copy_only=False))


def _strings(values: ArrayLike) -> pa.Array:
    arr = flat(as_string_array(values))
    return arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())


def digit_matrix(values: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(n × 16 uint8 digit matrix, valid mask): the digits of every 16-digit value, zeros elsewhere.

    The 16-digit values are read from the column's data buffer and viewed as a matrix, so decoding a million NIKs
    is a few numpy operations rather than string slicing.
    """
    ok, pieces = digit_pieces(_strings(values), 16)
    out = np.zeros((len(ok), 16), dtype=np.uint8)
    for rows, matrix in pieces:
        out[rows] = matrix - np.uint8(ord("0"))
    return out, ok


def digit_pairs(values: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n × 8 two-digit numbers, the 16 digits as an int64, valid mask) of every 16-digit value; zeros and -1
    elsewhere. Read piece by piece from views of the data buffer (:func:`dpt_tools.bytescan.digit_pieces`): no
    n × 16 matrix of digits is built (the copy and the scatter of one cost ~0.1 s for a million NIKs)."""
    ok, pieces = digit_pieces(_strings(values), 16)
    pairs = np.zeros((len(ok), 8), dtype=np.uint8)
    number = np.full(len(ok), -1, dtype=np.int64)
    for rows, matrix in pieces:
        # ASCII digits a and b: (a - 48) * 10 + (b - 48) = 10a + b - 528, and 528 = 16 modulo 256: uint8 arithmetic
        # wraps modulo 256 and the true result (0–99) fits, so it comes out exact
        pairs[rows] = matrix[:, 0::2] * np.uint8(10) + matrix[:, 1::2] - np.uint8(16)
        number[rows] = sixteen_digit_numbers(matrix)
    return pairs, number, ok


def _nik_births(dd: np.ndarray, mm: np.ndarray, yy: np.ndarray, ok: np.ndarray, reference: np.datetime64
                ) -> np.ndarray:
    """The birth dates of DDMMYY parts (day +40 for women), worked out once per distinct DDMMYY (a roll holds
    ~30,000 of them for a million NIKs: the calendar arithmetic on those, then a lookup)."""
    code = np.where(ok, (yy.astype(np.int32) * 100 + mm) * 100 + dd, 1_000_000)
    uniq = np.flatnonzero(np.bincount(code, minlength=1_000_001))
    slot = np.zeros(1_000_001, dtype=np.int32)
    slot[uniq] = np.arange(len(uniq), dtype=np.int32)
    u_dd, u_mm, u_yy = uniq % 100, uniq // 100 % 100, uniq // 10000
    day = np.where(u_dd > 40, u_dd - 40, u_dd)
    ref_year = int(str(reference)[:4])
    year = u_yy + 2000
    year[year > ref_year] -= 100
    year[uniq == 1_000_000] = -1
    birth = make_dates(year, u_mm, day)
    # A date in the reference year's century that still falls after the reference day belongs to the last century
    late = ~np.isnat(birth) & (birth > reference)
    if late.any():
        birth[late] = make_dates(year[late] - 100, u_mm[late], day[late])
    return birth[slot[code]]


def decode_nik(values: ArrayLike, reference: np.datetime64 | str = "2025-08-27") -> DecodedNik:
    """Decode a normalised NIK column (see :func:`dpt_tools.normalize.id_number`)."""
    pairs, number, ok = digit_pairs(values)
    # small integer types for the intermediates: a million rows of int64 temporaries are ~8 MB each, and in a
    # fresh process every new MB is page faults (this decoding used to allocate ~300 MB of them)

    def part(i: int) -> np.ndarray:
        return pairs[:, i].astype(np.int32)  # zero where not 16 digits

    region_code = part(0) * 10000 + part(1) * 100 + part(2)
    region_code[~ok] = 1_000_000  # no region (null)
    # one label per distinct region, not per row: a lookup table over the 6-digit codes replaces a sort
    uniq = np.flatnonzero(np.bincount(region_code, minlength=1_000_001))
    slot = np.zeros(1_000_001, dtype=np.int32)
    slot[uniq] = np.arange(len(uniq), dtype=np.int32)
    labels = pa.array([None if c == 1_000_000 else f"{c // 10000:02d}.{c // 100 % 100:02d}.{c % 100:02d}"
                       for c in uniq.tolist()], type=pa.string())
    # a dictionary array (the labels, and each row's index into them): no million-string copy of ~40 labels
    region = pa.DictionaryArray.from_arrays(pa.array(slot[region_code]), labels)
    dd, mm, yy = (np.where(ok, pairs[:, i].astype(np.int16), np.int16(-1)) for i in (3, 4, 5))
    serial = np.where(ok, part(6) * 100 + part(7), np.int32(-1))
    female = dd > 40
    day = np.where(female, dd - np.int16(40), dd)
    birth = _nik_births(dd, mm, yy, ok, np.datetime64(reference, "D"))
    day, mm, yy, serial = (a.astype(np.int64) for a in (day, mm, yy, serial))  # the types the rules always had
    return DecodedNik(ok, region, day, mm, yy, birth, female & ok, serial, number)


def mask_id(values: ArrayLike) -> pa.Array:
    """Hide digits 7–12 (the birth date part) of NIK/NKK values: ``197101******0001``.

    Used for every NIK/NKK shown to a person (terminal, findings) unless the user asks for ``--no-mask``.
    """
    arr = flat(as_string_array(values))
    head = pc.utf8_slice_codeunits(arr, 0, 6)
    mid = pc.utf8_slice_codeunits(arr, 6, 12)
    tail = pc.utf8_slice_codeunits(arr, 12, 1 << 30)
    stars = pc.replace_substring_regex(mid, pattern=".", replacement="*")
    return pc.binary_join_element_wise(head, stars, tail, "")


def mask_ids_in_text(values: ArrayLike) -> pa.Array:
    """Mask digits 7–12 of every 16-digit number inside free text (``Kelurahan '197101******0009'``).

    Why: a shifted line can put a NIK into a place column, and messages quote place values; a message must not
    show what the masked ``value`` beside it hides."""
    arr = flat(as_string_array(values))
    for _ in range(2):  # twice: two numbers one character apart share that character (RE2 has no lookaround)
        arr = pc.replace_substring_regex(arr, pattern=r"(^|[^0-9])([0-9]{6})[0-9]{6}([0-9]{4})($|[^0-9])",
                                         replacement=r"\1\2******\3\4")
    return arr


def holds_digit_run(values: ArrayLike, length: int = 16) -> bool:
    """Whether any value holds ``length`` consecutive ASCII digits (what ``pc.any(match_substring_regex(values,
    "[0-9]{16}"))`` answers), e.g. a NIK typed into a name.

    Why: output tables ask this of every text column before masking, and most columns (codes, numbers, dates,
    sex) hold no value that long: their lengths, read from the offsets, answer at once. The regex runs on the
    values long enough (all of them when most are: a filter would cost more than it saves)."""
    pattern = f"[0-9]{{{length}}}"
    for part in (values.chunks if isinstance(values, pa.ChunkedArray) else [values]):
        arr = as_string_array(part)
        if not len(arr):
            continue
        offsets, _ = string_buffers(arr)
        long_enough = (np.diff(offsets) >= length) & valid_mask(arr)
        count = int(np.count_nonzero(long_enough))
        if not count:
            continue
        if count < len(arr) // 2:
            arr = arr.filter(pa.array(long_enough))
        if pc.any(pc.match_substring_regex(arr, pattern=pattern)).as_py():
            return True
    return False


_ID_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{6}([0-9]{4})(?![0-9])")


def mask_ids_in_str(text: str) -> str:
    """One string shown on screen with each 16-digit number in it masked like a NIK (a NIK typed into a name)."""
    return _ID_IN_TEXT.sub(r"\1******\2", text)


def shown_headers(mapping: dict[str, str], extras: list[str]) -> tuple[dict[str, str], list[str]]:
    """Header names as a summary shows them: a NIK typed into a header cell is masked (``--json`` prints the summary,
    and the terminal never shows a full NIK, whatever the options). Other headers are unchanged."""
    def shown(name: str) -> str:
        return _ID_IN_TEXT.sub(r"\1******\2", name)

    return {shown(h): f for h, f in mapping.items()}, [shown(h) for h in extras]
