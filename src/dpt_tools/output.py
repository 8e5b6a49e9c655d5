"""Writing outputs: atomic (temp file + rename), deterministic, never over the input, CSV-injection safe.

A reader of an output directory sees either a complete previous file or a complete new one, never half a file.
Data files hold no timestamps, so the same input and options give byte-identical outputs.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import InputError

#: A spreadsheet executes a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def guard_formulas(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Prefix cells that a spreadsheet would run as a formula with an apostrophe (OWASP's advice)."""
    risky = pc.fill_null(pc.match_substring_regex(arr, r"^[=+\-@\t\r]"), False)
    return pc.if_else(risky, pc.binary_join_element_wise("'", arr, ""), arr)


def to_arrow(df: pd.DataFrame) -> pa.Table:
    """Frame → Arrow table with strings as plain ``string`` (not large_string) for stable files."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    cols = []
    for col in table.columns:
        if pa.types.is_large_string(col.type):
            col = pc.cast(col, pa.string())
        cols.append(col)
    schema_fields = [pa.field(n, c.type) for n, c in zip(table.column_names, cols, strict=True)]
    return pa.Table.from_arrays(cols, schema=pa.schema(schema_fields))


def write_csv_table(table: pa.Table, path: Path) -> None:
    cols = []
    for col in table.columns:
        if pa.types.is_string(col.type):
            col = guard_formulas(col)
        cols.append(col)
    table = pa.Table.from_arrays(cols, names=table.column_names)
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(table.column_names)  # pyarrow would quote every name
    with pa.OSFile(str(path), "wb") as sink:
        sink.write(header.getvalue().encode("utf-8"))
        if table.num_rows:
            pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(
                include_header=False, quoting_style="needed"))


def write_table(df: pd.DataFrame, path: str | Path, fmt: str) -> Path:
    """Write a frame as csv, parquet or json (records), atomically."""
    target = Path(path)
    table = to_arrow(df)
    with atomic_path(target) as tmp:
        if fmt == "csv":
            write_csv_table(table, tmp)
        elif fmt == "parquet":
            pq.write_table(table, tmp, compression="zstd")
        elif fmt == "json":
            records = table.to_pylist()
            tmp.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        else:
            raise InputError(f"unknown output format {fmt!r}")
    return target


def write_json(data: Any, path: str | Path) -> Path:
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return target


def check_not_input(out_dir: str | Path, inputs: list[str | Path]) -> None:
    """Refuse an output directory that is one of the inputs (outputs must never replace the input)."""
    out = Path(out_dir).resolve()
    for item in inputs:
        if str(item) == "-":
            continue
        if Path(item).resolve() == out:
            raise InputError(f"{out_dir}: --out may not be the input file itself")
        if out.exists() and not out.is_dir():
            raise InputError(f"{out_dir}: --out must be a directory")
