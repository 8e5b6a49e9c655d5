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


#: A NIK published masked (``197104**********``) stays masked: no digit can be restored.
NIK_CLEAN = r"^[0-9]{16}$|^[0-9]{2,12}[*]+[0-9]*$"


@lru_cache(maxsize=8)
def clean_schema(present: frozenset[str] = frozenset(FIELDS)) -> pa.DataFrameSchema:
    """What removing every row-level error guarantees, for the fields the roll has (an absent field is empty)."""
    rules = {
        "nik": pa.Check.str_matches(NIK_CLEAN, name="16 digits (or masked)"),
        "nama": pa.Check.str_length(min_value=1),
        "tanggal_lahir": pa.Check.str_matches(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
        "status_kawin": pa.Check.isin(["B", "S", "P"]),
        "jenis_kelamin": pa.Check.isin(["L", "P"]),
        "tps": pa.Check.str_matches(r"^(?!000$).+"),
    }
    # nkk_format, rt_rw_invalid and disability_invalid are warnings: those voters stay, values as they are
    columns = {"row_number": pa.Column("int64", checks=pa.Check.gt(0), unique=True, nullable=False)}
    for f in FIELDS:
        check = rules.get(f) if f in present else None
        columns[f] = pa.Column("str", checks=check, nullable=check is None)
    return pa.DataFrameSchema(columns, strict=False, ordered=False, name="clean roll")


def _check(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> None:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.head(3)[["column", "check", "failure_case"]].to_dict("records")
        raise IntegrityError(f"{schema.name}: {len(cases)} value(s) break the schema, e.g. {first}") from exc


def check_roll_frame(frame: pd.DataFrame) -> None:
    """Assert the loaded-roll contract (an internal invariant: a failure is a bug, not bad input)."""
    _check(roll_schema(), frame)


def check_clean_frame(frame: pd.DataFrame, present: list[str] | None = None) -> None:
    _check(clean_schema(frozenset(present) if present is not None else frozenset(FIELDS)), frame)
