"""The pandera schemas of a roll.

* :func:`roll_schema` — the contract of a *loaded* roll (what every command receives): ``row_number`` positive and
  unique, every canonical field present as a string column. Values may still be wrong: judging them is the rules'
  job, where each defect gets its own code and row.
* :func:`clean_schema` — the contract of a *cleaned* roll: what removing every row-level error guarantees
  (16-digit NIK, a name, an ISO birth date, L/P, B/S/P, a TPS). Fields whose defects are only warnings (NKK,
  RT/RW, disability) keep their values. ``dpt clean`` checks its output against it before anything is written.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
import pandera.pandas as pa

from .errors import IntegrityError
from .fields import FIELDS


@lru_cache(maxsize=1)
def roll_schema() -> pa.DataFrameSchema:
    columns = {
        "row_number": pa.Column("int64", checks=pa.Check.gt(0), unique=True, nullable=False),
        "source": pa.Column("str", nullable=False),
        **{f: pa.Column("str", nullable=True) for f in FIELDS},
    }
    return pa.DataFrameSchema(columns, strict=False, ordered=False, name="loaded roll")


@lru_cache(maxsize=1)
def clean_schema() -> pa.DataFrameSchema:
    digits16 = pa.Check.str_matches(r"^[0-9]{16}$", name="16 digits")
    columns = {
        "row_number": pa.Column("int64", checks=pa.Check.gt(0), unique=True, nullable=False),
        "nkk": pa.Column("str", nullable=True),  # nkk_format is a warning: the voter stays
        "nik": pa.Column("str", checks=digits16, nullable=False),
        "nama": pa.Column("str", checks=pa.Check.str_length(min_value=1), nullable=False),
        "tempat_lahir": pa.Column("str", nullable=True),
        "tanggal_lahir": pa.Column("str", checks=pa.Check.str_matches(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
                                   nullable=False),
        "status_kawin": pa.Column("str", checks=pa.Check.isin(["B", "S", "P"]), nullable=False),
        "jenis_kelamin": pa.Column("str", checks=pa.Check.isin(["L", "P"]), nullable=False),
        "alamat": pa.Column("str", nullable=True),
        "rt": pa.Column("str", nullable=True),  # rt_rw_invalid and disability_invalid are warnings
        "rw": pa.Column("str", nullable=True),
        "disabilitas": pa.Column("str", nullable=True),
        "keterangan": pa.Column("str", nullable=True),
        "tps": pa.Column("str", nullable=False),
        "kelurahan": pa.Column("str", nullable=True),
        "kecamatan": pa.Column("str", nullable=True),
        "kabupaten_kota": pa.Column("str", nullable=True),
        "provinsi": pa.Column("str", nullable=True),
    }
    return pa.DataFrameSchema(columns, strict=False, ordered=False, name="clean roll")


def _check(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> None:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.head(3).to_dict("records")
        raise IntegrityError(f"{schema.name}: {len(cases)} schema failure(s), e.g. {first}") from exc


def check_roll_frame(frame: pd.DataFrame) -> None:
    """Assert the loaded-roll contract (an internal invariant: a failure is a bug, not bad input)."""
    _check(roll_schema(), frame)


def check_clean_frame(frame: pd.DataFrame) -> None:
    _check(clean_schema(), frame)
