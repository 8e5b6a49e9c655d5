"""Value normalisers: each export quirk from DPT.md, plus properties that must hold for any input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dpt_tools import normalize as n


def iso(values):
    return [None if x is None else x for x in n.iso_dates(n.dates(values)).to_pylist()]


def test_dates_all_export_formats():
    assert iso(["17-08-1985", "17/8/1985", "17.08.1985", "1985-08-17", "1985-08-17 00:00:00",
                "17 Agustus 1985", "17-Agu-1985", "17 agt 1985", "17 August 1985"]) == ["1985-08-17"] * 9


def test_dates_excel_serial():
    # Excel serial 31276 is 1985-08-17 (days since 1899-12-30)
    assert iso(["31276", "31276.0"]) == ["1985-08-17", "1985-08-17"]


def test_a_year_alone_is_not_an_excel_serial():
    # "1985" read as serial 1985 would be 7 June 1905: a guess (and a voter aged 120), not the clerk's date. No
    # serial below 2100 (1905-09-30) is the birth date of a living voter; 2100 and above still are serials.
    assert iso(["1985", "2001", "85", "7", "1900", "2099"]) == [None] * 6
    assert iso(["2100", "5718"]) == ["1905-09-30", "1915-08-27"]


def test_dates_refuse_impossible_and_ambiguous():
    assert iso(["31-02-1980", "29-02-2100", "00-01-1990", "17-13-1990", "abc", "", None, "17-08-85"]) == [None] * 8


def test_dates_leap_day():
    assert iso(["29-02-2000", "29-02-1996"]) == ["2000-02-29", "1996-02-29"]


def test_id_number_excel_artifacts():
    out = n.id_number(["'1971014506900001", "1971 0145 0690 0001", "1971.0145.0690.0001", "1971014506900001.0",
                       "3.17101E+15", "", "197101450690000"]).to_pylist()
    assert out == ["1971014506900001"] * 4 + ["3.17101E+15", None, "197101450690000"]


def test_id_number_never_invents_digits():
    # A 15-digit value stays 15 digits: normalisation does not guess the lost one
    assert n.id_number(["197101450690000"]).to_pylist() == ["197101450690000"]


def test_sex_words():
    assert n.sex(["l", "L", "LAKI-LAKI", "Laki - laki", "laki laki", "P", "perempuan", "W", None]).to_pylist() == [
        "L", "L", "L", "L", "L", "P", "P", "W", None]


def test_marital_words():
    assert n.marital_status(["B", "belum kawin", "Kawin", "S", "cerai hidup", "CERAI MATI", "P", "Z"]).to_pylist() == [
        "B", "B", "S", "S", "P", "P", "P", "Z"]


def test_padded_numbers():
    assert n.padded_number(["3", "03", "003", "1A", "12345", None]).to_pylist() == [
        "003", "003", "003", "1A", "12345", None]
    assert n.padded_number(["TPS 7", "tps 07", "7"], prefix="TPS").to_pylist() == ["007", "007", "007"]


def test_text_collapses_and_uppercases():
    assert n.text(["  siti   aminah ", "\tBudi\u00a0Santoso", "   "]).to_pylist() == [
        "SITI AMINAH", "BUDI SANTOSO", None]


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2099, 12, 31)),
       st.sampled_from(["%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y"]))
def test_dates_roundtrip_any_real_date(day, fmt):
    assert iso([day.strftime(fmt)]) == [day.isoformat()]


@given(st.dates(min_value=dt.date(1905, 9, 30), max_value=dt.date(2099, 12, 31)))
def test_excel_serial_roundtrip(day):
    serial = (day - dt.date(1899, 12, 30)).days
    assert iso([str(serial)]) == [day.isoformat()]


@given(st.text(max_size=30))
def test_dates_never_raise(value):
    out = n.dates([value])
    assert out.dtype == np.dtype("datetime64[D]") and len(out) == 1


@given(st.from_regex(r"[0-9]{16}", fullmatch=True), st.sampled_from(["", "'", " "]),
       st.sampled_from(["", " ", "  "]))
def test_id_number_keeps_all_digits(nik, prefix, pad):
    assert n.id_number([f"{pad}{prefix}{nik}{pad}"]).to_pylist() == [nik]


@given(st.text(max_size=20))
def test_text_is_idempotent(value):
    once = n.text([value]).to_pylist()[0]
    assert n.text([once]).to_pylist()[0] == once if once is not None else True


@given(st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=2))
def test_padding_is_equivalent(number, zeros):
    raw = "0" * zeros + str(number)
    if len(raw) <= 3:
        assert n.padded_number([raw]).to_pylist() == [f"{number:03d}"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(["3", "03", " 7 ", "TPS 9", "1A", "", "17-08-1985", "17 Agustus 1985", "laki-laki",
                                 "P", "  siti  aminah", "cerai mati", "31276"]), min_size=1, max_size=30))
def test_whole_column_equals_value_by_value(values):
    """Long columns are normalised on their distinct values only; the result must not depend on that."""
    column = values * (1200 // len(values) + 1)  # long enough for the distinct-values path
    for fn in (n.text, lambda v: n.text(v, distinct=True), n.sex, n.marital_status, n.padded_number, n.disability,
               n.id_number):
        whole = fn(column).to_pylist()
        single = [fn([v]).to_pylist()[0] for v in values]
        assert whole == single * (len(column) // len(values)) + single[: len(column) % len(values)]
    whole_dates = n.dates(column)
    single_dates = np.concatenate([n.dates([v]) for v in values] * (len(column) // len(values) + 1))[:len(column)]
    assert np.array_equal(whole_dates, single_dates, equal_nan=True)


@given(st.integers(min_value=-2, max_value=10001), st.integers(min_value=-1, max_value=14),
       st.integers(min_value=-1, max_value=33))
@example(1900, 2, 29)
@example(2000, 2, 29)
@example(2023, 2, 29)
@example(2024, 2, 29)
@example(2023, 4, 31)
@example(2023, 12, 31)
@example(9999, 12, 31)
@example(10000, 1, 1)
@example(0, 1, 1)
@example(1, 1, 1)
def test_make_dates_is_the_calendar(year, month, day):
    """The integer date arithmetic agrees with Python's calendar: real dates exactly, NaT for everything else."""
    try:
        expected = np.datetime64(dt.date(year, month, day), "D")
    except ValueError:
        expected = np.datetime64("NaT", "D")
    got = n.make_dates(np.array([year]), np.array([month]), np.array([day]))[0]
    assert (np.isnat(got) and np.isnat(expected)) or got == expected


@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_civil_parts_roundtrip(day):
    y, m, d = n.civil_parts(np.array([np.datetime64(day, "D"), np.datetime64("NaT", "D")]))
    assert (y.tolist(), m.tolist(), d.tolist()) == ([day.year, -1], [day.month, -1], [day.day, -1])


ODD_IDS = [" 1971014506900001", "1971 0145 0690 0001", "'3.17101E+15", "3,17101E+15", "", None, "'197101450690000",
           "''1971014506900001", "1971014506900001 ", "\u20181971014506900001", "１９７１０１４５０６９０００１",
           "1971014506900001.0", "'", "197101450690000a", "'1971-0145-0690-0001", "19710145069000011",
           "\'\'\'1971014506900001", "''", "'1971014506900001'", " '1971014506900001", "'`1971014506900001",
           "''197101450690000", "'\u20191971014506900001"]


def test_id_number_fast_path_equals_full_path():
    """A column of plain (and apostrophe-quoted) 16-digit NIKs with one odd value of each kind: the fast path
    keeps the plain ones, every odd one must come out exactly as the full normaliser makes it."""
    for size in (2000, 2 * n._BIG):  # the kernels' fast path, and the bytes' one (long columns)
        plain = [f"{'' if i % 3 else chr(39)}{1971010101000001 + i}" for i in range(size)]
        for odd in [*ODD_IDS, ODD_IDS]:
            column = [*plain[:1000], *([odd] if isinstance(odd, str | None) else odd), *plain[1000:]]
            for arr in (pa.array(column, type=pa.string()), pa.array(["'x", *column], type=pa.string()).slice(1)):
                got = n.id_number(arr).to_pylist()
                assert got == n._id_number(arr).to_pylist()
                assert got[:1000] == [v.lstrip("'") for v in plain[:1000]]
            if isinstance(odd, str | None):
                assert got[1000] == n._id_number(pa.array([odd], type=pa.string())).to_pylist()[0]


def test_names_distinct_path_equals_repetitive_path():
    names = ["siti  aminah", " BUDI", "BUDI ", "ANI\u00a0PUTRI", "", None, "É", "H. ST. O'NEIL", "a\tb"] * 150
    assert n.text(names, distinct=True).to_pylist() == n.text(names).to_pylist()


def test_long_columns_take_the_byte_shortcuts_with_the_same_result():
    """text() of a long column of printable ASCII uses ASCII kernels and empty_to_null shares the text buffers;
    both must give what the general kernels give, values with tabs, non-ASCII letters and \\x1c (which only the
    Unicode trim removes) included, on sliced arrays too."""
    import random

    import pyarrow.compute as pc

    from dpt_tools.normalize import _BIG, _collapse, empty_to_null, text

    def reference(a):
        a = pc.utf8_upper(pc.utf8_trim_whitespace(a))
        odd = pc.fill_null(pc.match_substring_regex(a, r"\s\s|[\t\r\n\x{00A0}\x{2000}-\x{200B}\x{3000}]"), False)
        a = pc.if_else(odd, _collapse(a), a)
        return pc.if_else(pc.equal(pc.utf8_length(a), 0), pa.scalar(None, pa.string()), a)

    rng = random.Random(4)
    alphabet = ["a", "B", " ", "  ", "x", "-", "'", ".", "é", "\t", "\x1c", "\u00a0", ""]
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(2 * _BIG)]
    values[::97] = [None] * len(values[::97])
    printable = [v if v is None else "".join(c for c in v if " " <= c <= "~") for v in values]
    # upper-case and trimmed already (the usual names column: the kernels that would copy it are skipped)
    normal = [v if v is None else v.upper().strip(" ") for v in printable]
    for column in (values, printable, normal, [*normal[:-1], " X"], [*normal[:-1], "X "]):
        arr = pa.array(column, type=pa.string())
        for part in (arr, arr.slice(3, _BIG + 5)):
            expected = reference(part)
            assert text(part, distinct=True).equals(expected)
            assert text(part).equals(expected)
            assert empty_to_null(part).equals(pc.if_else(pc.equal(pc.utf8_length(part), 0),
                                                         pa.scalar(None, pa.string()), part))


def test_date_fast_paths_equal_the_general_path():
    """Long columns take byte-level and per-day shortcuts (dd-mm-yyyy read from the bytes, civil parts and ISO
    strings once per day of the span): the same dates, parts and strings as the general path, odd values included."""
    import random

    import pyarrow.compute as pc

    from dpt_tools.normalize import _BIG, _dates, _dates_general, _day_span, civil_parts, dates, iso_dates

    rng = random.Random(7)
    odd = ["31-02-1990", "00-00-0000", "29-02-1900", "29-02-2000", "12-05/1990", "12 05 1990", "12,05,1990",
           "1a-05-1990", "12-5-1990", "12-05-19900", " 12-05-1990", "12-05-1990 ", "\u0661\u0662-05-1990",
           "12-13-1990", "99-99-9999", "01-01-0001", "17 Agustus 1985", "1985-08-17", "31276", "", None,
           "12.05.1990", "12/05/1990", "12-05-1990 0:00", "12--05-1990", "ab-cd-efgh", "'12-05-1990", "1985",
           "2100", "'31276"]
    common = [f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(1990, 1991)}" for _ in range(2 * _BIG)]
    near = [v for v in odd if v is None or v[-4:] == "1990"]  # dates within the span: per-day shortcuts
    assert _day_span(dates(pa.array([*common, *near]))) is not None
    for column in (common, [*common, *odd], [*odd, *common], [*near, *common], [*common[:-1], "17 Agustus 1985"]):
        arr = pa.array(column, type=pa.string())
        for part in (arr, arr.slice(5, len(arr) - 9)):
            days = dates(part)
            assert np.array_equal(days, _dates_general(part), equal_nan=True)
            assert np.array_equal(_dates(part), days, equal_nan=True)
            reference = np.asarray(days, dtype="datetime64[D]").view(np.int64)
            nat = reference == np.iinfo(np.int64).min
            parts = civil_parts(days)
            short = [civil_parts(days[i:i + 1]) for i in range(0, len(days), 997)]
            for k in range(3):
                assert [int(p[k][0]) for p in short] == parts[k][::997].tolist()
                assert (parts[k][nat] == -1).all()
            expected = pc.strftime(pa.array(days, type=pa.date32(), from_pandas=True), format="%Y-%m-%d")
            assert iso_dates(days).to_pylist() == expected.to_pylist()
            assert iso_dates(days).null_count == int(nat.sum())
