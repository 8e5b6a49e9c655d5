"""Writing outputs: atomic (temp file + rename), deterministic, never over the input, CSV-injection safe.

A reader of an output directory sees either a complete previous file or a complete new one, never half a file.
Data files hold no timestamps, so the same input and options give byte-identical outputs.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .bytescan import string_buffers, valid_mask
from .errors import InputError
from .fsnames import arrow_path

#: A spreadsheet executes a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_BYTES = np.array([ord(c) for c in FORMULA_START], dtype=np.uint8)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only if the block succeeds."""
    with atomic_paths([Path(path)]) as temps:
        yield temps[0]


def _may_start_formula(arr: pa.Array | pa.ChunkedArray) -> bool:
    """Whether some value starts with one of :data:`FORMULA_START`: the first byte of every non-empty value, read
    from the data buffer (exact: the characters are ASCII, and in UTF-8 an ASCII byte is only ever that character).
    Nearly always no, and then nothing needs to be rebuilt."""
    for chunk in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]):
        if not len(chunk) or chunk.null_count == len(chunk):
            continue
        offsets, data = string_buffers(chunk)
        starts = offsets[:-1][(np.diff(offsets) > 0) & valid_mask(chunk)]
        if np.isin(data[starts], _FORMULA_BYTES).any():
            return True
    return False


def guard_formulas(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Prefix cells that a spreadsheet would run as a formula with an apostrophe (OWASP's advice)."""
    if not _may_start_formula(arr):
        return arr
    risky = None
    for start in FORMULA_START:  # prefix tests: several times cheaper than the regex ^[=+\-@\t\r] on long messages
        hit = pc.starts_with(arr, start)
        risky = hit if risky is None else pc.or_(risky, hit)
    risky = pc.fill_null(risky, False)
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
    names = ["'" + n if n.startswith(FORMULA_START) else n for n in table.column_names]
    csv.writer(header, lineterminator="\n").writerow(names)  # pyarrow would quote every name
    with pa.OSFile(arrow_path(path), "wb") as sink:
        sink.write(header.getvalue().encode("utf-8"))
        if table.num_rows:
            pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(
                include_header=False, quoting_style="needed"))


def write_frame(df: pd.DataFrame, path: str | Path, fmt: str) -> None:
    """Write a frame as csv, parquet or json (records) to ``path`` directly (callers make it atomic)."""
    table = to_arrow(df)
    path = Path(path)
    if fmt == "csv":
        write_csv_table(table, path)
    elif fmt == "parquet":
        import pyarrow.parquet as pq  # here, not at the top: only Parquet output needs it

        with pa.OSFile(arrow_path(path), "wb") as sink:
            pq.write_table(table, sink, compression="zstd")
    elif fmt == "json":
        records = table.to_pylist()
        path.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    else:
        raise InputError(f"unknown output format {fmt!r}")


def write_table(df: pd.DataFrame, path: str | Path, fmt: str) -> Path:
    """Write a frame as csv, parquet or json (records), atomically."""
    target = Path(path)
    with atomic_path(target) as tmp:
        write_frame(df, tmp, fmt)
    return target


def write_json(data: Any, path: str | Path, *, atomic: bool = True) -> Path:
    target = Path(path)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    if not atomic:
        target.write_text(text, encoding="utf-8")
        return target
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


@contextlib.contextmanager
def atomic_paths(targets: list[Path], inputs: list[str | Path] | None = None,
                 stale: list[Path] | None = None) -> Iterator[list[Path]]:
    """Several outputs that appear together: yield temporary paths; only when the block succeeds, rename them all
    into place, the last one last. The last target is the set's commit marker (``summary.json``,
    ``manifest.json``): the old marker is removed before the first rename, so a run killed during the renames leaves
    no marker, never a marker describing other files. ``stale`` outputs of an earlier run that this run does not
    write again (another format, an optional table) are removed before the new marker appears, unless one is an
    input.

    Files are written in a staging directory beside ``out_dir`` and renamed in, so ``out_dir`` never holds a
    half-written file. On any failure the staged files are removed and the targets are untouched; leftovers of a
    run killed earlier are removed at the start. A target that is one of ``inputs`` is refused before anything is
    written."""
    check_targets(targets, inputs or [])
    out_dir = targets[0].parent
    _remove_leftovers(out_dir, targets)
    temps: list[Path] = []
    staging: Path | None = None
    try:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            staging = _staging_dir(out_dir)
            for target in targets:
                fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=staging or target.parent)
                os.close(fd)
                temps.append(Path(tmp))
        except OSError as exc:
            raise InputError(f"{out_dir}: cannot write outputs there ({exc.strerror or exc})") from exc
        yield temps
        target = targets[-1]
        try:
            if len(targets) > 1 and target.exists():
                target.unlink()
            for tmp, target in zip(temps[:-1], targets[:-1], strict=True):
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            for old in stale or []:
                if old.exists() and old not in targets and not _is_input(old, inputs or []):
                    old.unlink()
            target = targets[-1]
            os.chmod(temps[-1], 0o644)
            os.replace(temps[-1], target)
        except OSError as exc:
            raise InputError(f"{target}: cannot write ({exc.strerror or exc})") from exc
    finally:
        for tmp in temps:
            if tmp.exists():
                tmp.unlink()
        if staging is not None:
            with contextlib.suppress(OSError):
                staging.rmdir()


STAGING = ".{name}.dpt-staging-"


def _staging_dir(out_dir: Path) -> Path | None:
    """A hidden directory beside ``out_dir`` (same file system, so renames stay atomic) where outputs are written
    before they move in: a run killed while writing leaves nothing half-written inside ``out_dir``. None when the
    parent is not writable (then temporary files are made inside ``out_dir``, hidden and removed on the next run)."""
    parent = out_dir.resolve().parent
    try:
        return Path(tempfile.mkdtemp(prefix=STAGING.format(name=out_dir.resolve().name), dir=parent))
    except OSError:
        return None


def _remove_leftovers(out_dir: Path, targets: list[Path]) -> None:
    """Staging directories and temporary files left by an earlier run killed with -9."""
    if out_dir.exists():
        parent = out_dir.resolve().parent
        for old in parent.glob(STAGING.format(name=out_dir.resolve().name) + "*"):
            shutil.rmtree(old, ignore_errors=True)
    for target in targets:
        if target.parent.is_dir():
            for old in target.parent.glob(f".{target.name}.*.tmp"):
                with contextlib.suppress(OSError):
                    old.unlink()


def _is_input(path: Path, inputs: list[str | Path]) -> bool:
    """True when ``path`` is one of the input files (by any name: a symbolic or hard link counts too). Why: a roll
    kept as ``hasil/findings.csv`` must survive a run that writes Parquet findings into ``hasil/``."""
    for item in inputs:
        if str(item) == "-":
            if _is_stdin(path):
                return True
            continue
        with contextlib.suppress(OSError):
            if os.path.samefile(path, item):
                return True
    return False


def _is_stdin(path: Path) -> bool:
    """True when standard input is this very file (``dpt validate - --out hasil < hasil/findings.csv``): a roll given
    by a shell redirect is as much an input as one given by name, and must be neither replaced nor removed."""
    with contextlib.suppress(OSError, ValueError):
        st = os.fstat(0)
        return stat.S_ISREG(st.st_mode) and os.path.samestat(st, os.stat(path))
    return False


def check_targets(targets: list[Path], inputs: list[str | Path]) -> None:
    """Refuse outputs that would replace an input file or a directory."""
    ins = {Path(i).resolve() for i in inputs if str(i) != "-"}
    for target in targets:
        if target.resolve() in ins or ("-" in map(str, inputs) and _is_stdin(target)):
            raise InputError(f"{target}: this output would overwrite the input file; choose another --out")
        if target.is_dir():
            raise InputError(f"{target}: a directory is in the way of this output")


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_not_input(out_dir: str | Path, inputs: list[str | Path]) -> None:
    """Refuse an output directory that is one of the inputs, or an existing file."""
    out = Path(out_dir)
    for item in inputs:
        if str(item) != "-" and Path(item).resolve() == out.resolve():
            raise InputError(f"{out_dir}: --out may not be the input file itself")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out_dir}: --out must be a directory, and this is a file")
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{out_dir}: {parent} is a file, not a directory")
            break
