"""NIK decoding: region, birth date with the +40 rule for women, century resolution, masking."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dpt_tools.nik import decode_nik, mask_id


def make_nik(region: str, born: dt.date, female: bool, serial: int) -> str:
    day = born.day + (40 if female else 0)
    return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def test_decode_man_and_woman():
    d = decode_nik(["1971011708850001", "1971015708850002"], "2025-08-27")
    assert d.valid_format.tolist() == [True, True]
    assert d.region.to_pylist() == ["19.71.01", "19.71.01"]
    assert d.female.tolist() == [False, True]
    assert [str(x) for x in d.birth_date] == ["1985-08-17", "1985-08-17"]
    assert d.serial.tolist() == [1, 2]


def test_decode_invalid_date_and_format():
    d = decode_nik(["1971013513900001", "19710135", None, "1971013202900001"], "2025-08-27")
    assert d.valid_format.tolist() == [True, False, False, True]
    assert np.isnat(d.birth_date).tolist() == [True, True, True, True]  # month 13; short; none; 32 Feb


def test_century_resolution():
    d = decode_nik(["1971010101250001", "1971010101080001", "1971013112250001"], "2025-08-27")
    # 2025-01-01 is before election day → 2025; 2008 → 2008; 31-12-25 would be after election day → 1925
    assert [str(x) for x in d.birth_date] == ["2025-01-01", "2008-01-01", "1925-12-31"]


def test_mask_hides_birth_date_part():
    assert mask_id(["1971015708850002", "3.17101E+15", None]).to_pylist() == [
        "197101******0002", "3.1710*****", None]


@given(st.dates(min_value=dt.date(1926, 1, 1), max_value=dt.date(2025, 8, 27)), st.booleans(),
       st.integers(min_value=1, max_value=9999), st.sampled_from(["197101", "197107", "317101", "190101"]))
def test_decode_roundtrip(born, female, serial, region):
    nik = make_nik(region, born, female, serial)
    d = decode_nik([nik], "2025-08-27")
    assert d.valid_format[0]
    assert str(d.birth_date[0]) == born.isoformat()
    assert bool(d.female[0]) is female
    assert int(d.serial[0]) == serial
    assert d.region.to_pylist()[0] == f"{region[:2]}.{region[2:4]}.{region[4:6]}"


@given(st.text(max_size=20))
def test_decode_never_raises(value):
    d = decode_nik([value], "2025-08-27")
    assert len(d.valid_format) == 1


def test_decode_number_and_region_of_mixed_column():
    """The NIK as one int64 (for grouping) and the region labels, with invalid values in between."""
    values = ["1971011708850001", "abc", None, "0000000000000000", "1971011708850001", "9999995708850002", "12"]
    d = decode_nik(values, "2025-08-27")
    assert d.number.tolist() == [1971011708850001, -1, -1, 0, 1971011708850001, 9999995708850002, -1]
    assert d.region.to_pylist() == ["19.71.01", None, None, "00.00.00", "19.71.01", "99.99.99", None]


def test_decode_keeps_the_types_the_rules_read():
    """The decoder computes in small integer types; what it hands out keeps int64 (and -1 / NaT where invalid)."""
    import pyarrow as pa

    d = decode_nik(pa.array(["3171014506900001", "12", None, "3171011506990002"]), "2025-08-27")
    for part in (d.day, d.month, d.year2, d.serial, d.number):
        assert part.dtype == np.int64
    assert d.number.tolist() == [3171014506900001, -1, -1, 3171011506990002]
    assert d.day.tolist() == [5, -1, -1, 15] and d.female.tolist() == [True, False, False, False]
    assert str(d.birth_date[3]) == "1999-06-15" and np.isnat(d.birth_date[1])


@pytest.mark.parametrize("max_runs", [1, 4096])
def test_decode_nik_of_a_column_equals_value_by_value(monkeypatch, max_runs):
    """Runs of 16-digit values are decoded from views of the buffer (many odd values: from one copy), the birth
    dates once per distinct DDMMYY: the same parts as decoding each value alone."""
    import random

    from dpt_tools import bytescan

    monkeypatch.setattr(bytescan, "MAX_RUNS", max_runs)
    rng = random.Random(5)
    values = [f"{rng.randint(0, 10**16 - 1):016d}" for _ in range(400)]
    values += ["1971014506900001", "1971015506900001", "3171017102250001", "", None, "123", "19710145069000011",
               "197101450690000x", "\u0661" * 16, "1971019999990001", "1971012902000001", "1971016902000001"]
    rng.shuffle(values)
    whole = decode_nik(pa.array(values, type=pa.string()), "2025-08-27")
    for i, value in enumerate(values):
        one = decode_nik(pa.array([value], type=pa.string()), "2025-08-27")
        for name in ("valid_format", "day", "month", "year2", "female", "serial", "number"):
            assert getattr(whole, name)[i] == getattr(one, name)[0], (value, name)
        assert str(whole.birth_date[i]) == str(one.birth_date[0]), value
        assert whole.region[i].as_py() == one.region[0].as_py()
