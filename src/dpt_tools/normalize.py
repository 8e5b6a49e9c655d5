"""Value normalisers: turn the many spellings of one value in exported rolls into one canonical form.

Every function takes a whole column (pyarrow array, pandas Series or list of str) and returns a pyarrow array of
the same length, so rules never loop over rows. Normalisation only *formats*: it never guesses a lost digit or an
unknown value. A value it does not recognise is passed through (trimmed, upper-cased) so that the rules can report
it with the clerk's own spelling.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Union

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .bytescan import any_byte, byte_class, double_space_rows, inside, string_buffers

if TYPE_CHECKING:
    import pandas as pd

# pandas is not imported here: ``dpt validate`` parses and normalises on a thread while the main thread is still
# importing pandas and pandera (see load.parse_ahead); a pandas Series can only reach us once pandas is imported
ArrayLike = Union[pa.Array, pa.ChunkedArray, "pd.Series", Sequence[Any]]  # a forward reference: no pandas import

#: Excel counts days from 1899-12-30 (its 1900 leap-year bug included).
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")

MONTHS: dict[str, int] = {
    # Indonesian
    "JANUARI": 1, "FEBRUARI": 2, "PEBRUARI": 2, "MARET": 3, "APRIL": 4, "MEI": 5, "JUNI": 6, "JULI": 7,
    "AGUSTUS": 8, "AGUSTUSTUS": 8, "SEPTEMBER": 9, "OKTOBER": 10, "NOVEMBER": 11, "NOPEMBER": 11, "DESEMBER": 12,
    # abbreviations seen in exports
    "JAN": 1, "FEB": 2, "PEB": 2, "MAR": 3, "APR": 4, "JUN": 6, "JUL": 7, "AGU": 8, "AGT": 8, "AGS": 8,
    "AGUS": 8, "SEP": 9, "SEPT": 9, "OKT": 10, "NOV": 11, "NOP": 11, "DES": 12,
    # English, from exports made on an English-locale desktop
    "JANUARY": 1, "FEBRUARY": 2, "MARCH": 3, "MAY": 5, "JUNE": 6, "JULY": 7, "AUGUST": 8, "AUG": 8,
    "OCTOBER": 10, "OCT": 10, "DECEMBER": 12, "DEC": 12,
}

SEX_WORDS: dict[str, str] = {
    "L": "L", "LK": "L", "LAKI-LAKI": "L", "LAKI LAKI": "L", "LAKILAKI": "L", "LAKI": "L",
    "P": "P", "PR": "P", "PEREMPUAN": "P",
}

MARITAL_WORDS: dict[str, str] = {
    "B": "B", "BELUM KAWIN": "B", "BELUM MENIKAH": "B", "BELUM": "B",
    "S": "S", "KAWIN": "S", "SUDAH KAWIN": "S", "MENIKAH": "S", "SUDAH MENIKAH": "S",
    "KAWIN TERCATAT": "S", "KAWIN BELUM TERCATAT": "S",  # Dukcapil's statuses: both are married
    "P": "P", "PERNAH KAWIN": "P", "PERNAH MENIKAH": "P", "CERAI": "P", "CERAI HIDUP": "P", "CERAI MATI": "P",
    "JANDA": "P", "DUDA": "P",
}
# Single letters other than B/S/P (such as "K") are not mapped: guessing a code's meaning is not normalisation.


def as_string_array(values: ArrayLike) -> pa.Array | pa.ChunkedArray:
    """Any column → pyarrow string array (pandas Series of str/object included), nulls kept."""
    if isinstance(values, pa.ChunkedArray | pa.Array):
        arr = values
    elif isinstance(values, getattr(sys.modules.get("pandas"), "Series", ())):  # a Series needs pandas imported
        arr = pa.array(values.astype(object).where(values.notna(), None), type=pa.string(), from_pandas=True)
    else:
        arr = pa.array(list(values), type=pa.string(), from_pandas=True)
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    return arr


def empty_to_null(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Empty strings are missing values."""
    if isinstance(arr, pa.Array) and pa.types.is_string(arr.type) and len(arr) >= _BIG:
        # a long column: only its validity bitmap changes, the text buffers are shared (no copy of the values)
        offsets, data = string_buffers(arr)
        empty = np.diff(offsets) == 0
        if not empty.any():
            return arr
        valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False)) & ~empty
        return pa.Array.from_buffers(pa.string(), len(arr), [
            pa.py_buffer(np.packbits(valid, bitorder="little")), pa.py_buffer(offsets), pa.py_buffer(data)],
            null_count=int(len(arr) - valid.sum()))
    return pc.if_else(pc.equal(pc.utf8_length(arr), 0), pa.scalar(None, pa.string()), arr)


def flat(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array (a chunked array is combined; a single chunk is used as it is)."""
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def per_unique(fn: Any, values: ArrayLike, max_share: float = 0.5) -> Any:
    """Apply a column function to the distinct values only, then spread the result back.

    Most columns of a roll repeat a few values (kelurahan, TPS, sex, birth dates): normalising 40 kelurahan names
    instead of a million rows is the difference between milliseconds and seconds. Columns with mostly distinct
    values (NIK, names) are processed directly. ``fn`` may return a pyarrow array or a numpy array.
    """
    arr = flat(as_string_array(values))
    if len(arr) < 1000:
        return fn(arr)
    enc = pc.dictionary_encode(arr)
    if len(enc.dictionary) > max_share * len(arr):
        return fn(arr)
    out = fn(enc.dictionary)
    if isinstance(out, pa.Array) and out.equals(enc.dictionary):
        return arr  # every value already canonical (common: kelurahan, TPS, sex): no second copy of the column
    if isinstance(out, np.ndarray):
        idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False))
        res = out[np.where(idx < 0, 0, idx)] if len(out) else np.empty(len(arr), dtype=out.dtype)
        if (idx < 0).any():
            res = np.where(idx < 0, np.array("NaT", dtype=out.dtype) if out.dtype.kind == "M" else None, res)
        return res
    return pc.take(flat(out), enc.indices)


def fix_subset(arr: pa.Array, needs: pa.Array | np.ndarray, fn: Any) -> pa.Array:
    """Run a costly fix (a regex) only on the rows that need it and put the results back in place."""
    mask = np.asarray(pc.fill_null(needs, False).to_numpy(zero_copy_only=False)) if not isinstance(
        needs, np.ndarray) else needs
    if not mask.any():
        return arr
    idx = pa.array(np.flatnonzero(mask), type=pa.int64())
    fixed = flat(fn(arr.take(idx)))
    return pc.replace_with_mask(arr, pa.array(mask), fixed.cast(arr.type))


# ----------------------------------------------------------------------------------------------- fast path
# Most NIK/NKK values of an export are already in their normal form (16 digits, perhaps after Excel's apostrophe).
# Those rows are recognised with two whole-column checks and kept; only the other rows go through the full
# normaliser. The full normaliser works value by value, so the result is the same either way (tests compare both
# paths on columns that are canonical but for one odd value).


def _keep_canonical(arr: pa.Array, ok: np.ndarray, full: Any, fast: pa.Array | None = None) -> pa.Array:
    """``fast`` (default: the values themselves) where ``ok``; null for empty strings (every normaliser makes
    "" missing); ``full`` applied to the original values of the remaining rows only."""
    out = arr if fast is None else fast
    offsets, _ = string_buffers(arr)
    valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False))
    empty = valid & (np.diff(offsets) == 0) & ~ok
    rest = ~(ok | empty)
    if rest.any():
        # the empty values ride along with the rest (``full`` makes them null too): one copy of the column, not two
        rest |= empty
        idx = pa.array(np.flatnonzero(rest), type=pa.int64())
        fixed = flat(full(arr.take(idx)))
        out = pc.replace_with_mask(out, pa.array(rest), fixed.cast(out.type))
    elif empty.any():
        out = pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), out)
    return out


def _is_digits(arr: pa.Array, width: int) -> np.ndarray:
    """Values of exactly ``width`` ASCII digits."""
    ok = pc.and_(pc.equal(pc.binary_length(arr), width), pc.ascii_is_decimal(arr))
    return np.asarray(pc.fill_null(ok, False).to_numpy(zero_copy_only=False))


#: Columns at least this long take the byte-level shortcuts (below it the plain kernels are as fast).
_BIG = 4096


def _collapse(a: pa.Array) -> pa.Array:
    return pc.utf8_trim(pc.replace_substring_regex(a, pattern=r"[\s\x{00A0}\x{2000}-\x{200B}\x{3000}]+",
                                                   replacement=" "), characters=" ")


def _printable_ascii(arr: pa.Array) -> bool:
    """Every byte of every value is printable ASCII (space to ``~``, DEL): names typed on a keyboard, mostly."""
    if not isinstance(arr, pa.Array) or not pa.types.is_string(arr.type):
        return False
    _, data = string_buffers(arr)
    return bool(data.size) and int(data.min()) >= 0x20 and int(data.max()) < 0x80


_LOWER = inside(byte_class("abcdefghijklmnopqrstuvwxyz"))


def _ascii_normal(arr: pa.Array) -> bool:
    """A printable-ASCII column that upper-casing and trimming would leave as it is (no a–z, no value starting or
    ending with a space): names in a roll usually are, and two kernels that copy the column are skipped."""
    offsets, data = string_buffers(arr)
    if any_byte(data, _LOWER):
        return False
    filled = np.diff(offsets) > 0
    return not ((data[offsets[:-1][filled]] == 0x20).any() or (data[offsets[1:][filled] - 1] == 0x20).any())


def _text(arr: pa.Array) -> pa.Array:
    if len(arr) >= _BIG and _printable_ascii(arr):
        # the same result with ASCII kernels: without control or non-ASCII bytes, upper-casing is ASCII's, the only
        # whitespace to trim is the space, and the only odd whitespace is a double space (a long column of names)
        if not _ascii_normal(arr):
            arr = pc.ascii_upper(pc.ascii_trim_whitespace(arr))
        return empty_to_null(fix_subset(arr, double_space_rows(arr), _collapse))
    arr = pc.utf8_upper(pc.utf8_trim_whitespace(arr))
    odd = pc.match_substring_regex(arr, r"\s\s|[\t\r\n\x{00A0}\x{2000}-\x{200B}\x{3000}]")
    arr = fix_subset(arr, odd, _collapse)
    return empty_to_null(arr)


#: Excel's text marker before a value it must not turn into a number or a date (``'003``, ``'17-08-1985``)
_TEXT_MARK = r"^['`\x{2018}\x{2019}]+"


def _unmark(arr: pa.Array) -> pa.Array:
    """Drop Excel's leading apostrophe: formatting, not part of the value (as for a NIK, see :func:`id_number`)."""
    marked = pc.match_substring_regex(arr, _TEXT_MARK)
    return empty_to_null(fix_subset(arr, marked, lambda a: pc.replace_substring_regex(a, pattern=_TEXT_MARK,
                                                                                      replacement="")))


def text(values: ArrayLike, distinct: bool = False) -> pa.Array:
    """Trim, collapse inner whitespace (tabs, non-breaking spaces too), upper-case; empty → null.

    ``distinct=True`` says the column holds mostly distinct values (names): it is then normalised directly,
    without first encoding a million values only to find few repeats. The result is the same either way."""
    return _text(flat(as_string_array(values))) if distinct else per_unique(_text, values)


_SCI = r"^[0-9]([.,][0-9]+)?E\+?[0-9]+$"  # "3.17101E+15", or "3,17101E+15" from an Indonesian-locale Excel


def _id_fix(arr: pa.Array) -> pa.Array:
    arr = pc.replace_substring_regex(arr, pattern=r"^['`\x{2018}\x{2019}]+", replacement="")
    arr = pc.replace_substring_regex(arr, pattern=r"^([0-9]{16})\.0+$", replacement=r"\1")
    sci = pc.fill_null(pc.match_substring_regex(arr, _SCI), False)
    stripped = pc.replace_substring_regex(arr, pattern=r"[\s.\-]+", replacement="")
    return empty_to_null(pc.if_else(sci, arr, stripped))


def id_number(values: ArrayLike) -> pa.Array:
    """NIK/NKK: drop Excel's leading apostrophe and inner spaces, dots and dashes; keep every digit as text.

    A value in scientific notation (``3.17101E+15``) is left as it is: its digits are lost, and removing the dot
    would make it look like a shorter number. A pandas float rendering ``3171011506900001.0`` (exact below 2^53)
    loses its ``.0``. Nothing else is changed: a 15-digit NIK stays 15 digits.
    """
    raw = flat(as_string_array(values))
    # fast path: 16 digits, or Excel's leading apostrophe before 16 digits, is already normal (without the quote).
    # Apostrophes trimmed in one kernel: a value that is two or more of them before 16 digits comes out of the full
    # normaliser as the same 16 digits (it drops one, then the rest), so it may be kept from here too
    bare = pc.utf8_ltrim(raw, characters="'")
    return _keep_canonical(raw, _is_digits(bare, 16), _id_number, fast=bare)


def _id_number(raw: pa.Array) -> pa.Array:
    arr = _text(raw)
    # the common Excel case first, without a regex: a leading apostrophe before 16 digits
    quoted = pc.fill_null(pc.starts_with(arr, "'"), False)
    arr = pc.if_else(quoted, pc.utf8_slice_codeunits(arr, 1, 1 << 30), arr)
    plain = pc.and_(pc.ascii_is_decimal(arr), pc.equal(pc.utf8_length(arr), 16))
    return fix_subset(arr, pc.invert(pc.fill_null(plain, True)), _id_fix)


def is_scientific(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """True where a value is written in scientific notation (a spreadsheet turned it into a number)."""
    return pc.fill_null(pc.match_substring_regex(arr, _SCI), False)


def _map_words(arr: pa.Array | pa.ChunkedArray, table: dict[str, str]) -> pa.Array | pa.ChunkedArray:
    """Map known spellings to codes through a lookup on the whole column; unknown values pass through."""
    keys = pa.array(list(table.keys()), type=pa.string())
    codes = pa.array(list(table.values()), type=pa.string())
    idx = pc.index_in(arr, value_set=keys)
    mapped = pc.take(codes, idx)
    return pc.coalesce(mapped, arr)


def sex(values: ArrayLike) -> pa.Array | pa.ChunkedArray:
    """``L``/``LAKI-LAKI`` → ``L``; ``P``/``PEREMPUAN`` → ``P``; anything else passes through (and is invalid)."""
    return per_unique(_sex, values)


def _sex(values: pa.Array) -> pa.Array:
    arr = _text(values)
    arr = pc.replace_substring_regex(arr, pattern=r"\s*-\s*", replacement="-")
    arr = pc.replace_substring_regex(arr, pattern=r"\.$", replacement="")
    return _map_words(arr, SEX_WORDS)


def marital_status(values: ArrayLike) -> pa.Array | pa.ChunkedArray:
    """Codes and words → ``B`` (belum kawin), ``S`` (sudah kawin), ``P`` (pernah kawin: cerai hidup/mati)."""
    return per_unique(_marital, values)


def _marital(values: pa.Array) -> pa.Array:
    arr = _text(values)
    arr = pc.replace_substring_regex(arr, pattern=r"[._/-]+", replacement=" ")
    arr = pc.utf8_trim(pc.replace_substring_regex(arr, pattern=r"\s+", replacement=" "), characters=" ")
    return _map_words(arr, MARITAL_WORDS)


def padded_number(values: ArrayLike, width: int = 3, prefix: str | None = None) -> pa.Array | pa.ChunkedArray:
    """RT/RW/TPS: ``3``, ``03``, ``003`` (and ``TPS 3`` when ``prefix="TPS"``) → ``003``.

    Only 1–``width``-digit numbers are padded; anything else (``1A``, ``12345``) passes through unchanged so the
    rules can report it.
    """
    return per_unique(lambda a: _padded(a, width, prefix), values)


def _padded(values: pa.Array, width: int, prefix: str | None) -> pa.Array:
    arr = _unmark(_text(values))
    if prefix:
        arr = pc.replace_substring_regex(arr, pattern=rf"^{prefix}\s*[.:-]?\s*([0-9]+)$", replacement=r"\1")
    arr = pc.replace_substring_regex(arr, pattern=r"^([0-9]+)\.0+$", replacement=r"\1")
    is_num = pc.fill_null(pc.match_substring_regex(arr, rf"^[0-9]{{1,{width}}}$"), False)
    padded = pc.utf8_lpad(arr, width=width, padding="0")
    return pc.if_else(is_num, padded, arr)


def disability(values: ArrayLike) -> pa.Array | pa.ChunkedArray:
    """Disability code: trimmed; ``00``/``0.0`` → ``0``. Empty stays missing (no disability recorded)."""
    return per_unique(_disability, values)


def _disability(values: pa.Array) -> pa.Array:
    arr = _text(values)
    arr = pc.replace_substring_regex(arr, pattern=r"^([0-9]+)\.0+$", replacement=r"\1")
    arr = pc.replace_substring_regex(arr, pattern=r"^0+([0-9])$", replacement=r"\1")
    return arr


def _ints(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Digit strings → int64 numpy array, -1 where missing."""
    return np.asarray(pc.fill_null(pc.cast(arr, pa.int64(), safe=False), -1).to_numpy(zero_copy_only=False))


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)
_NAT = np.iinfo(np.int64).min  # NaT's integer value in datetime64


def make_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """(year, month, day) int arrays → ``datetime64[D]``, NaT where the combination is not a real date.

    Integer arithmetic on the proleptic Gregorian calendar (Howard Hinnant's ``days_from_civil``), the calendar
    numpy uses, in 32-bit integers: a few cheap operations per million values instead of datetime conversions.
    """
    year = np.asarray(year)
    month = np.asarray(month)
    day = np.asarray(day)
    ok = (year >= 1) & (year <= 9999) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    y = np.where(ok, year, 2000).astype(np.int32)
    m = np.where(ok, month, 1).astype(np.int32)
    d = np.where(ok, day, 1).astype(np.int32)
    leap = ((y & 3) == 0) & ((y % 100 != 0) | (y % 400 == 0))
    ok &= d <= _DAYS_IN_MONTH[m] + (leap & (m == 2))  # 31 April or 29 Feb 1900 is not a date
    march = m <= 2  # the year is counted from March, so that the leap day comes last
    y -= march
    era = y // 400  # y >= 0 here: years start at 1
    yoe = y - era * 400
    doy = (153 * np.where(march, m + 9, m - 3) + 2) // 5 + d - 1
    days = (era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468).astype(np.int64)
    days[~ok] = _NAT
    return days.view("datetime64[D]")


def _day_span(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, int] | None:
    """(day numbers, not NaT, first day, number of days) of a long date column whose dates lie within fewer days
    than it has rows (birth dates: ~40,000 days of a century for a million voters); None otherwise. Per-day work
    done once per day of that span and spread back by an index costs a fraction of the same work per row."""
    raw = np.asarray(days, dtype="datetime64[D]").view(np.int64)
    if len(raw) < _BIG:
        return None
    ok = raw != _NAT
    if not ok.any():
        return None
    first, last = int(raw[ok].min()), int(raw[ok].max())
    if last - first + 1 > len(raw) // 4:
        return None
    return raw, ok, first, last - first + 1


def civil_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``datetime64[D]`` → (year, month, day) int arrays, -1 for NaT (Hinnant's ``civil_from_days``; integer
    arithmetic instead of datetime64 conversions). A long column of dates within a short span: computed once per
    day of the span and looked up (the same arithmetic, on fewer values)."""
    span = _day_span(days)
    if span is not None:
        raw, ok, first, width = span
        table = civil_parts(np.arange(first, first + width + 1, dtype=np.int64).view("datetime64[D]"))
        slot = np.where(ok, raw - first, width).astype(np.int32)  # the extra last slot stands for NaT
        return tuple(np.where(np.arange(width + 1) < width, part, -1)[slot] for part in table)  # type: ignore
    raw = np.asarray(days, dtype="datetime64[D]").view(np.int64)
    nat = raw == _NAT
    z = np.where(nat, 0, raw) + 719468
    if len(z) and int(np.abs(z).max()) < 2**31 - 1:
        z = z.astype(np.int32)  # every intermediate fits: half the memory (and page faults) of int64 temporaries
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return tuple(np.where(nat, -1, part).astype(np.int64) for part in (year, month, day))  # type: ignore[return-value]


_TIME = r"(?:[ T]+[0-9]{1,2}[:.][0-9]{2}(?:[:.][0-9]{2}(?:[.,][0-9]+)?)?)?"  # Excel datetime cells: "15/06/1990 0:00"
_DMY = r"^(?P<d>[0-9]{1,2})[-/. ](?P<m>[0-9]{1,2})[-/. ](?P<y>[0-9]{4})" + _TIME + "$"
_YMD = r"^(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})" + _TIME + "$"
_DMONY = r"^(?P<d>[0-9]{1,2})[-/. ]+(?P<m>[A-Z]+)\.?[-/. ]+(?P<y>[0-9]{4})$"
_SERIAL = r"^(?P<n>[0-9]{1,5})(?:\.0+)?$"


def dates(values: ArrayLike) -> np.ndarray:
    """Birth dates in any export format → ``datetime64[D]`` (NaT where missing or not a real date).

    Accepted: ``dd-mm-yyyy``, ``dd/mm/yyyy``, ``dd.mm.yyyy``, ``yyyy-mm-dd`` (optionally with a time),
    ``17 Agustus 1985`` / ``17-Agu-1985`` (Indonesian or English month names) and Excel serial day numbers from
    2100 (30 Sep 1905). Two-digit years are refused: the century cannot be known without guessing; so is a year
    alone (``1985``), which is not a serial.
    """
    return per_unique(_dates, values)


def _dmy_bytes(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(dates, which values were read) of the values that are exactly two digits, a separator, two digits, a
    separator, four digits (the form exports write most dates in; separators ``-/. ``, each on its own, as
    ``_DMY`` takes them); NaT elsewhere. Such a value is what the ``_DMY`` regex reads, unchanged by the text
    normalisation before it (no space at either end, no run of spaces, no leading apostrophe), so the date is the
    same."""
    offsets, data = string_buffers(arr)
    lengths = np.diff(offsets)
    ok = lengths == 10
    if arr.null_count:
        ok &= np.asarray(arr.is_valid().to_numpy(zero_copy_only=False))
    out = np.full(len(arr), np.datetime64("NaT"), dtype="datetime64[D]")
    if not ok.any():
        return out, ok
    chars = data.reshape(-1, 10) if ok.all() else data[np.repeat(ok, lengths)].reshape(-1, 10)
    digit = [chars[:, i] - np.uint8(ord("0")) for i in (0, 1, 3, 4, 6, 7, 8, 9)]  # strided columns, no copy
    good = np.ones(len(chars), dtype=bool)
    for d in digit:
        good &= d <= 9
    for i in (2, 5):
        sep = chars[:, i]
        good &= (sep == ord("-")) | (sep == ord("/")) | (sep == ord(".")) | (sep == ord(" "))
    day, month = (digit[0] * np.int16(10) + digit[1]), (digit[2] * np.int16(10) + digit[3])
    year = ((digit[4] * np.int16(10) + digit[5]) * np.int16(10) + digit[6]) * np.int16(10) + digit[7]
    at = np.flatnonzero(ok)
    ok[at[~good]] = False
    out[at[good]] = make_dates(year[good], month[good], day[good])
    return out, ok


def _dates(values: pa.Array) -> np.ndarray:
    if len(values) >= _BIG and pa.types.is_string(values.type):
        # most values of a long column are plain dd-mm-yyyy, read from the bytes; the regexes get the others
        out, ok = _dmy_bytes(values)
        if not ok.all():
            rest = np.flatnonzero(~ok)
            out[rest] = _dates_general(values.take(pa.array(rest, type=pa.int64())))
        return out
    return _dates_general(values)


def _dates_general(values: pa.Array) -> np.ndarray:
    arr = _unmark(_text(values))
    n = len(arr)
    year = np.full(n, -1, dtype=np.int64)
    month = np.full(n, -1, dtype=np.int64)
    day = np.full(n, -1, dtype=np.int64)
    for pattern in (_DMY, _YMD):
        st = pc.extract_regex(arr, pattern)
        hit = np.asarray(pc.fill_null(pc.is_valid(st), False).to_numpy(zero_copy_only=False)) & (year < 0)
        if hit.any():
            year = np.where(hit, _ints(pc.struct_field(st, "y")), year)
            month = np.where(hit, _ints(pc.struct_field(st, "m")), month)
            day = np.where(hit, _ints(pc.struct_field(st, "d")), day)
    st = pc.extract_regex(arr, _DMONY)
    hit = np.asarray(pc.fill_null(pc.is_valid(st), False).to_numpy(zero_copy_only=False)) & (year < 0)
    if hit.any():
        names = pc.struct_field(st, "m")
        mon = _map_words(names, {k: str(v) for k, v in MONTHS.items()})
        mon_num = pc.if_else(pc.fill_null(pc.match_substring_regex(mon, r"^[0-9]+$"), False), mon, None)
        year = np.where(hit, _ints(pc.struct_field(st, "y")), year)
        month = np.where(hit, _ints(mon_num), month)
        day = np.where(hit, _ints(pc.struct_field(st, "d")), day)
    out = make_dates(year, month, day)
    st = pc.extract_regex(arr, _SERIAL)
    hit = np.asarray(pc.fill_null(pc.is_valid(st), False).to_numpy(zero_copy_only=False)) & (year < 0)
    if hit.any():
        serial = _ints(pc.struct_field(st, "n"))
        # Excel serials for birth dates of living people: 1905-09-30 (2100) to 2099 (73050). A smaller number is a
        # year alone ("1985" would be 7 June 1905) or a fragment ("85"): reading it as a day count would be a guess
        ok = hit & (serial >= 2100) & (serial <= 73050)
        out = np.where(ok, EXCEL_EPOCH + serial.astype("timedelta64[D]"), out)
    return out


def iso_dates(days: np.ndarray) -> pa.Array:
    """``datetime64[D]`` → ISO ``yyyy-mm-dd`` strings (null for NaT); formatted once per distinct date (a long
    column within a short span of days: once per day of the span, and the 10 bytes of each copied into place —
    no hash of a million dates)."""
    span = _day_span(days)
    if span is not None:
        raw, ok, first, width = span
        year, month, day = civil_parts(np.arange(first, first + width, dtype=np.int64).view("datetime64[D]"))
        if year.min() >= 1 and year.max() <= 9999:  # four digits, as strftime's %Y writes them
            table = np.empty((width, 10), dtype=np.uint8)
            for col, (value, scale) in enumerate([(year, 1000), (year, 100), (year, 10), (year, 1), (None, 0),
                                                  (month, 10), (month, 1), (None, 0), (day, 10), (day, 1)]):
                table[:, col] = ord("-") if value is None else value // scale % 10 + ord("0")
            # ten bytes an item: the gather copies one 10-byte item a row instead of indexing a 2-D array
            chars = table.view("V10")[(raw[ok] - first).astype(np.int32)]
            ends = np.cumsum(np.where(ok, 10, 0), dtype=np.int64)
            if ends[-1] < 2**31:
                valid = None if ok.all() else pa.py_buffer(np.packbits(ok, bitorder="little"))
                return pa.Array.from_buffers(pa.string(), len(raw), [
                    valid, pa.py_buffer(np.r_[0, ends].astype(np.int32)), pa.py_buffer(chars)],
                    null_count=int(len(raw) - ok.sum()))
    arr = pa.array(days, type=pa.date32(), from_pandas=True)
    enc = pc.dictionary_encode(arr)
    return pc.take(pc.strftime(enc.dictionary, format="%Y-%m-%d"), enc.indices)
