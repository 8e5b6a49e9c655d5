"""``dpt diff``'s line-first path (compare each matched pair's raw line, parse again only the lines that differ)
against the full parse, on the bytes where a shortcut over lines can go wrong.

Every case writes an OLD and a NEW file, runs :func:`~dpt_tools.diff.diff_paths` with ``line_first=False`` (the
full parse) and ``line_first=True``, and holds the two to the same :class:`~dpt_tools.diff.DiffResult` (every
frame with its dtypes, the summary with its key order, the status arrays) and to the same bytes in every output
file, CSV and Parquet. ``DiffResult.line_first`` must say whether the lines were compared: True exactly where both
versions are UTF-8 CSV files with the same header bytes whose every record is one line (no blank, ragged or
spanning line: a quoted line break, a quote never closed), False where that is not so, unchecked (``None``
below) where the contract leaves it open.

The cases are mutations of the bytes of clean synthetic pairs (:mod:`dpt_tools.synth`): quoting, line ends,
byte-order marks, line breaks and bare carriage returns inside values, blank, empty and ragged lines, stray quotes,
header changes, ``--map``, repeated and missing NIKs, rows without keys, cp1252 bytes; then random pairs
(hypothesis) and ``dpt diff`` itself.

A diff costs ~0.2 CPU-s however small the roll (fixed overhead), so the file runs a core set (~19 s on 2 cores);
``LINEQ_ALL=1`` adds the rest of the matrix (every mutation on every side, every variant, 40 random examples).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from dpt_tools.config import Settings
from dpt_tools.diff import DiffResult, diff_paths, write_diff_outputs
from dpt_tools.errors import DptError
from dpt_tools.fields import FIELDS
from dpt_tools.synth import EXCEL_HEADERS, synth_next_version, synth_roll, write_roll

OPEN = Settings(mask=False)
KEYS = ("nik", "jenis_kelamin", "kecamatan", "kelurahan", "tps")
Expect = bool | None  # None: the contract does not say whether the lines can be compared
#: the whole matrix (about four times the core's runtime)
ALL = bool(os.environ.get("LINEQ_ALL"))
EXTENDED = pytest.mark.skipif(not ALL, reason="extended matrix: set LINEQ_ALL=1")


def ext(*values: object) -> object:
    """A parameter of the extended matrix."""
    return pytest.param(*values, marks=EXTENDED)


# =============================================================================================== helper module
def render(df: pd.DataFrame, *, fields: Sequence[str] | None = None, header: Sequence[str] | None = None,
           delim: str = ",", eol: str | Sequence[str] = "\n", bom: bool = False,
           quote: np.ndarray | bool = False, final: bool = True) -> bytes:
    """A roll as CSV bytes, written cell by cell so that every byte is the test's choice.

    ``fields``: the frame's columns to write (default :data:`FIELDS`), ``header``: their header cells (default the
    column names). ``eol``: one line end for every line, or one per line (header first). ``quote``: quote every
    cell (True) or the cells of a (rows × fields) mask; a cell holding the delimiter, a quote or a line end is
    always quoted. ``final=False``: no line end after the last record."""
    fields = list(fields or FIELDS)
    header = list(header or fields)
    n = len(df)
    eols = [eol] * (n + 1) if isinstance(eol, str) else list(eol)
    qmask = np.full((n, len(fields)), bool(quote)) if isinstance(quote, bool) else np.asarray(quote, dtype=bool)

    def cell(value: str, q: bool) -> str:
        if q or any(c in value for c in (delim, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    cols = [df[f].astype(str).tolist() for f in fields]
    out = ["\ufeff" if bom else "", delim.join(cell(h, False) for h in header), eols[0]]
    for i in range(n):
        out.append(delim.join(cell(cols[j][i], bool(qmask[i, j])) for j in range(len(fields))))
        if final or i < n - 1:
            out.append(eols[i + 1])
    return "".join(out).encode("utf-8")


def lines_of(data: bytes) -> list[bytes]:
    """The file's lines split at ``\\n`` only (a ``\\r`` stays in its line), each with its line end."""
    parts = data.split(b"\n")
    return [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def set_line(data: bytes, index: int, line: bytes) -> bytes:
    """Line ``index`` (0 = header) replaced."""
    ls = lines_of(data)
    ls[index] = line
    return b"".join(ls)


def insert_lines(data: bytes, index: int, *lines: bytes) -> bytes:
    """``lines`` inserted before line ``index`` (0 = header; len = at the end)."""
    ls = lines_of(data)
    return b"".join(ls[:index] + list(lines) + ls[index:])


def edit_cells(line: bytes, changes: dict[int, bytes], delim: str = ",") -> bytes:
    """A line with some of its cells replaced by raw bytes (the others quoted only where they must be)."""
    eol = line[len(line.rstrip(b"\r\n")):]
    cells = next(csv.reader(io.StringIO(line.decode("utf-8").rstrip("\r\n"), newline=""), delimiter=delim))
    out = [c.encode("utf-8") if not any(x in c for x in (delim, '"')) else
           b'"' + c.replace('"', '""').encode("utf-8") + b'"' for c in cells]
    for i, raw in changes.items():
        out[i] = raw
    return delim.encode().join(out) + eol


def crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def keys_all_empty(df: pd.DataFrame) -> bool:
    """A row whose key columns are all empty (the line-first reader may take it for an all-empty record)."""
    present = [k for k in KEYS if k in df.columns]
    return bool(present) and bool((df[present].astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1).any())


def same_result(full: DiffResult, fast: DiffResult) -> None:
    """Every field of the two results equal (``line_first`` apart), frames with their dtypes and index, the summary
    with its key order, status arrays with their dtype."""
    for f in dataclasses.fields(full):
        if f.name == "line_first":
            continue
        a, b = getattr(full, f.name), getattr(fast, f.name)
        if isinstance(a, pd.DataFrame):
            assert_frame_equal(a, b, check_exact=True, check_index_type=True, check_column_type=True,
                               obj=f.name)
            assert a.attrs == b.attrs, f.name
        elif isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, f.name
            assert np.array_equal(a, b), f.name
        elif f.name == "summary":
            assert json.dumps(a, ensure_ascii=False, default=str) == json.dumps(b, ensure_ascii=False, default=str)
            assert a == b
        else:
            assert a == b, f.name


def same_files(full: DiffResult, fast: DiffResult, settings: Settings, where: Path,
               fmts: Sequence[str] = ("csv", "parquet")) -> None:
    """write_diff_outputs of both results: the same file names holding the same bytes."""
    for fmt in fmts:
        a = write_diff_outputs(full, settings, where / f"full_{fmt}", fmt)
        b = write_diff_outputs(fast, settings, where / f"fast_{fmt}", fmt)
        assert sorted(p.name for p in (where / f"full_{fmt}").iterdir()) == \
            sorted(p.name for p in (where / f"fast_{fmt}").iterdir())
        for name, path in a.items():
            assert path.read_bytes() == b[name].read_bytes(), f"{name}.{fmt} differs"


_RUN = itertools.count()


def run_both(where: Path, old: bytes | Path, new: bytes | Path, settings: Settings = OPEN, by: str = "kelurahan",
             expect: Expect = None, *, names: tuple[str, str] = ("DPS.csv", "DPT.csv"),
             fmts: Sequence[str] = ("csv",), default: bool = False) -> tuple[DiffResult, DiffResult]:
    """OLD and NEW (bytes are written to ``names`` under a fresh folder) diffed both ways and compared; the
    line-first result's ``line_first`` checked against ``expect``. ``default``: the line-first run without the
    ``line_first`` argument (its default). Returns (full, line_first)."""
    d = where / f"run{next(_RUN)}"
    d.mkdir(parents=True)
    paths = []
    for data, name in zip((old, new), names, strict=True):
        if isinstance(data, Path):
            paths.append(data)
        else:
            (d / name).write_bytes(data)
            paths.append(d / name)
    full = diff_paths(paths[0], paths[1], settings, by=by, line_first=False)
    fast = diff_paths(paths[0], paths[1], settings, by=by) if default else \
        diff_paths(paths[0], paths[1], settings, by=by, line_first=True)
    assert full.line_first is False
    same_result(full, fast)
    if expect is not None:
        assert fast.line_first is expect, f"line_first {fast.line_first}, expected {expect}"
    same_files(full, fast, settings, d, fmts)
    return full, fast


def raise_both(where: Path, old: bytes, new: bytes, settings: Settings = OPEN) -> str:
    """Both paths refuse the pair with the same error; its message."""
    d = where / f"run{next(_RUN)}"
    d.mkdir(parents=True)
    (d / "DPS.csv").write_bytes(old)
    (d / "DPT.csv").write_bytes(new)
    errors = []
    for line_first in (False, True):
        try:
            diff_paths(d / "DPS.csv", d / "DPT.csv", settings, line_first=line_first)
        except Exception as exc:  # whatever it is, both paths must raise the same
            errors.append((type(exc), str(exc)))
        else:
            errors.append(None)
    assert errors[0] is not None, "the full path accepted the pair"
    assert issubclass(errors[0][0], DptError), errors[0]
    assert errors[0] == errors[1]
    return errors[0][1]


# =============================================================================================== data
@pytest.fixture(scope="module")
def pair() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A clean roll (no planted problems) and its next version (added, removed, changed, moved, NIK corrections)."""
    old, _ = synth_roll(1600, seed=701, problems=False, duplicates=False)
    new, _ = synth_next_version(old, seed=702)
    return old, new


@pytest.fixture(scope="module")
def messy() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A roll with every planted problem and duplicate (invalid, repeated, missing NIKs), and its next version."""
    old, _ = synth_roll(1500, seed=703)
    new, _ = synth_next_version(old, seed=704)
    return old, new


def _rows(df: pd.DataFrame, k: int, start: int = 5) -> list[int]:
    """k rows spread over the roll whose (name, birth date, sex) is unique."""
    key = df["nama"] + "|" + df["tanggal_lahir"] + "|" + df["jenis_kelamin"]
    solo = np.flatnonzero(~key.duplicated(keep=False).to_numpy())
    solo = solo[solo >= start]
    return [int(i) for i in solo[np.linspace(0, len(solo) - 1, k).astype(int)]]


def _shared(old: pd.DataFrame, new: pd.DataFrame) -> list[int]:
    """Positions in ``new`` of persons also in ``old`` (same NIK), in new's order."""
    return [int(i) for i in np.flatnonzero(new["nik"].isin(set(old["nik"])).to_numpy())]


# =============================================================================================== 1. clean pairs
@pytest.mark.parametrize(("by", "mask"), [("tps", True), ext("kecamatan", False), ext("kelurahan", True),
                                          ext("tps", False)])
def test_clean_pair(tmp_path, pair, by, mask):
    """Also: ``line_first`` is the default (the line-first run of the first case passes no argument)."""
    old, new = pair
    first = (by, mask) == ("tps", True)
    full, _ = run_both(tmp_path, render(old), render(new), Settings(mask=mask), by=by, expect=True,
                       fmts=("csv", "parquet") if first else ("csv",), default=first)
    s = full.summary
    assert s["added"] and s["removed"] and s["changed"] and s["moved"] and s["nik_changed"]  # the pair has it all


@EXTENDED
def test_shuffled_rows_and_identical_files(tmp_path, pair):
    old, _ = pair
    shuffled = old.sample(frac=1.0, random_state=7).reset_index(drop=True)
    full, _ = run_both(tmp_path, render(old), render(shuffled), expect=True)
    assert full.summary["unchanged"] == len(old)
    if ALL:
        full, _ = run_both(tmp_path, render(old), render(old), expect=True)
        assert full.summary["unchanged"] == len(old)


@pytest.mark.parametrize(("delim", "eol", "bom"), [(";", "\r\n", True), ext("\t", "\n", False),
                                                   ext("|", "\n", False), ext(",", "\r\n", False)])
def test_other_delimiters_crlf_and_bom_in_both(tmp_path, pair, delim, eol, bom):
    old, new = pair
    run_both(tmp_path, render(old, delim=delim, eol=eol, bom=bom), render(new, delim=delim, eol=eol, bom=bom),
             expect=True)


@pytest.mark.parametrize("knob", ["text_only", ext("dictionary_everywhere"), ext("small_sample")])
def test_excel_exports_of_both_versions(tmp_path, pair, monkeypatch, knob):
    """Two Excel-style exports (BOM, CRLF, ``;``, same header): formatting noise differs row by row, so many
    matched lines differ and are parsed again, yet normalise to the same values; under each of the engine's
    comparison strategies (dictionary, int64 keys, text)."""
    import dpt_tools.diff as engine

    if knob == "text_only":
        monkeypatch.setattr(engine, "FEW_DISTINCT", 0.0)
        monkeypatch.setattr(engine, "_plain_ids", lambda side, fld: None)
    elif knob == "dictionary_everywhere":
        monkeypatch.setattr(engine, "FEW_DISTINCT", 1.0)
    else:
        monkeypatch.setattr(engine, "SAMPLE_ROWS", 40)
    old, new = pair
    write_roll(old, tmp_path / "DPS.csv", style="excel", seed=1)
    write_roll(new, tmp_path / "DPT.csv", style="excel", seed=2)
    full, _ = run_both(tmp_path, tmp_path / "DPS.csv", tmp_path / "DPT.csv", expect=True)
    assert full.summary["unchanged"] > 0.9 * len(old)


@EXTENDED
def test_region_spellings(tmp_path, pair):
    """``KEL. BACANG`` in one version and ``BACANG`` in the other: one place (counted under one spelling); the
    line differs, the values do not."""
    old, new = pair
    new = new.copy()
    rows = np.arange(len(new)) % 3 == 0
    new.loc[rows, "kelurahan"] = "KEL. " + new.loc[rows, "kelurahan"]
    new.loc[rows, "kecamatan"] = "kec " + new.loc[rows, "kecamatan"].str.lower()
    for by in ("kelurahan", "kecamatan", "tps"):
        run_both(tmp_path, render(old), render(new), by=by, expect=True)


# =============================================================================================== 2. quoting
def test_quoted_delimiters_in_both(tmp_path, pair):
    """Addresses holding the delimiter (quoted) in some lines of both files: equal lines, changed lines, one
    person whose address gains a comma, keys whose values hold the delimiter."""
    old, new = pair
    old, new = old.copy(), new.copy()
    shared = _shared(old, new)
    at_old = {nik: i for i, nik in enumerate(old["nik"])}
    for j in shared[::7]:
        i = at_old[new.loc[j, "nik"]]
        old.loc[i, "alamat"] = new.loc[j, "alamat"] = "JL. A, NO 5"
    for j in shared[3::50]:
        new.loc[j, "alamat"] = "JL. B, NO 7"  # a real change
    for j in shared[5::40]:  # a key value holding the delimiter, in both (same value) and in new only (changed)
        i = at_old[new.loc[j, "nik"]]
        old.loc[i, "kelurahan"] = new.loc[j, "kelurahan"] = new.loc[j, "kelurahan"] + ", BARAT"
    for j in shared[6::40]:
        new.loc[j, "tps"] = new.loc[j, "tps"] + ","
    a, b = render(old), render(new)
    assert b'"JL. A, NO 5"' in a and b'"JL. A, NO 5"' in b
    full, _ = run_both(tmp_path, a, b, expect=True)
    assert "alamat" in full.summary["changed_by_field"]


@EXTENDED
def test_quoting_alone_is_no_change(tmp_path, pair):
    """``"BUDI"`` and ``BUDI`` are one value: the lines differ, nothing changed — quotes on some cells, on every
    cell, on the key cells only."""
    old, _ = pair
    rng = np.random.default_rng(5)
    some = rng.random((len(old), len(FIELDS))) < 0.3
    keys_only = np.zeros((len(old), len(FIELDS)), dtype=bool)
    keys_only[:, [FIELDS.index(k) for k in KEYS]] = True
    for quote in (some, True, keys_only):
        full, _ = run_both(tmp_path, render(old), render(old, quote=quote), expect=True)
        assert full.summary["unchanged"] == len(old) and full.changed.empty


def test_other_characters_then_doubled_and_literal_quotes(tmp_path, pair):
    """U+FEFF, no-break spaces and accented letters inside values; then a quote inside a quoted value (doubled), a
    quote inside an unquoted value (literal to the parser), a value closed and continued (``"AB"C``)."""
    old, new = pair
    new = new.copy()
    shared = _shared(old, new)
    for j in shared[4::90]:
        new.loc[j, "nama"] = "\ufeff" + new.loc[j, "nama"]
    for j in shared[5::90]:
        new.loc[j, "alamat"] = new.loc[j, "alamat"].replace(" ", "\u00a0")
    for j in shared[6::90]:
        new.loc[j, "kelurahan"] = new.loc[j, "kelurahan"] + "\u00a0"
    for j in shared[7::90]:
        new.loc[j, "nama"] = "JOSÉ ÑUÑEZ"
    run_both(tmp_path, render(old), render(new), expect=True)
    for j in shared[1::60]:
        new.loc[j, "nama"] = 'BUDI "BUBU" ' + new.loc[j, "nama"]
    ls = lines_of(render(new))
    for j in shared[2::60]:
        ls[j + 1] = edit_cells(ls[j + 1], {FIELDS.index("alamat"): b'JL. "MAWAR" 5',
                                           FIELDS.index("keterangan"): b'"AB"C'})
    run_both(tmp_path, render(old), b"".join(ls), expect=True)


# =============================================================================================== 3. line ends, BOM
@EXTENDED
def test_crlf_in_one_lf_in_the_other_is_no_change(tmp_path, pair):
    old, _ = pair
    for a, b in ((crlf(render(old)), render(old)), (render(old), crlf(render(old)))):
        full, _ = run_both(tmp_path, a, b)  # header bytes differ by their line end: left open
        assert full.summary["unchanged"] == len(old)


def test_mixed_line_ends_within_files(tmp_path, pair):
    """Some lines CRLF, some LF, in both files (same header bytes); the old version without a line end after its
    last record."""
    old, new = pair
    rng = np.random.default_rng(9)
    eo = ["\n"] + ["\r\n" if x else "\n" for x in rng.random(len(old)) < 0.5]
    en = ["\n"] + ["\r\n" if x else "\n" for x in rng.random(len(new)) < 0.5]
    run_both(tmp_path, render(old, eol=eo, final=False), render(new, eol=en), expect=True)
    if ALL:
        full, _ = run_both(tmp_path, render(old, eol=eo), render(old), expect=True)
        assert full.summary["unchanged"] == len(old)


@pytest.mark.parametrize(("which", "eol"), [ext("old", "\n"), ext("new", "\r\n"), ext("both", "\n")])
def test_no_line_end_after_the_last_record(tmp_path, pair, which, eol):
    """The last line with and without its line end."""
    old, new = pair
    full, _ = run_both(tmp_path, render(old, eol=eol, final=which == "new"),
                       render(old, eol=eol, final=which == "old"), expect=True)
    assert full.summary["unchanged"] == len(old)
    if ALL:
        run_both(tmp_path, render(old, eol=eol, final=which == "new"), render(new, eol=eol, final=which == "old"),
                 expect=True)


@EXTENDED
def test_a_byte_order_mark_in_one_version(tmp_path, pair):
    old, new = pair
    for a, b in ((render(old, bom=True), render(new)), (render(old), render(new, bom=True)),
                 (render(old, bom=True), render(old))):
        run_both(tmp_path, a, b)  # header bytes differ by the BOM: left open, the results must agree


# =============================================================================================== 4. spanning records
@pytest.mark.parametrize(("where", "side", "value"), [ext("first", "old", "SITI\nAMINAH"),
                                                     ("last", "new", "SITI\r\nAMINAH"),
                                                     ext("middle", "new", "SITI\nAMINAH"),
                                                     ext("last", "old", "SITI\nAMINAH")])
def test_a_record_spanning_two_lines(tmp_path, pair, where, side, value):
    old, new = pair
    frames = {"old": old.copy(), "new": new.copy()}
    df = frames[side]
    row = {"first": 0, "middle": len(df) // 2, "last": len(df) - 1}[where]
    df.loc[row, "nama"] = value
    run_both(tmp_path, render(frames["old"]), render(frames["new"]), expect=False)


@EXTENDED
def test_a_line_break_in_a_key_value_of_both(tmp_path, pair):
    old, new = pair
    old, new = old.copy(), new.copy()
    shared = _shared(old, new)
    j = shared[len(shared) // 3]
    i = int(np.flatnonzero(old["nik"].to_numpy() == new.loc[j, "nik"])[0])
    old.loc[i, "kelurahan"] = new.loc[j, "kelurahan"] = "BACANG\nUTARA"
    run_both(tmp_path, render(old), render(new), expect=False)
    new.loc[j, "kelurahan"] = "BACANG UTARA"
    run_both(tmp_path, render(old), render(new), expect=False)


@EXTENDED
def test_a_header_cell_spanning_two_lines(tmp_path, pair):
    """A header cell wrapped in Excel (the header is two lines, every record one): same header in both."""
    old, new = pair
    header = list(FIELDS)
    header[FIELDS.index("keterangan")] = "KET\nPPS"
    run_both(tmp_path, render(old, header=header), render(new, header=header))


@EXTENDED
def test_headers_alike_in_their_first_line_only(tmp_path, pair):
    """A wrapped header cell: the first lines of the two files are the same bytes, the headers are not (the second
    header line names the columns after it in another order)."""
    old, new = pair
    fields = ["nkk", "nik", "keterangan", *[f for f in FIELDS if f not in ("nkk", "nik", "keterangan")]]
    other = [*fields[:3], *reversed(fields[3:])]
    a = render(old, fields=fields, header=["nkk", "nik", "KET\nPPS", *fields[3:]])
    b = render(new, fields=other, header=["nkk", "nik", "KET\nPPS", *other[3:]])
    assert lines_of(a)[0] == lines_of(b)[0] and lines_of(a)[1] != lines_of(b)[1]
    run_both(tmp_path, a, b, expect=False)


@EXTENDED
def test_one_file_twice_a_link_and_a_prefetch(tmp_path, pair):
    """OLD and NEW the same file, or a link to it; the files scanned beforehand (``prefetched``)."""
    from dpt_tools.prefetch import prefetch

    old, new = pair
    (tmp_path / "DPS.csv").write_bytes(render(old))
    (tmp_path / "DPT.csv").write_bytes(render(new))
    (tmp_path / "link.csv").symlink_to(tmp_path / "DPS.csv")
    for a, b in (("DPS.csv", "DPS.csv"), ("DPS.csv", "link.csv")):
        full, _ = run_both(tmp_path, tmp_path / a, tmp_path / b)
        assert full.summary["unchanged"] == len(old)
    paths = [str(tmp_path / "DPS.csv"), str(tmp_path / "DPT.csv")]
    want = diff_paths(*paths, OPEN, line_first=False)
    same_result(want, diff_paths(*paths, OPEN, prefetched=prefetch(paths, keep=False)))
    same_result(want, diff_paths(*paths, OPEN, prefetched=prefetch(paths, keep=True)))


@pytest.mark.parametrize("at", [0, ext(-1), ext(1)])
def test_a_stray_quote_at_the_parsers_block_boundary(tmp_path, pair, at):
    """pyarrow parses in 1 MiB blocks. A quote opened on the line that holds byte 1 MiB (``at=0``; the line
    before and after it with ``at=-1/1``) and never closed: the full parse finds the lines it swallowed and reads
    the file again with quotes taken literally (a note says so). A parse whose blocks end at line ends regardless
    of quotes closes the value at the block's end and sees nothing wrong (before main f8469af the line-first path
    took this file, then raised IntegrityError parsing the changed lines again, or differed silently; f8469af
    declined every file with a quote, 1a57e2a parses the key columns as the whole-file reader does)."""
    old, new = pair
    old, new = old.copy(), new.copy()
    old["CATATAN"] = new["CATATAN"] = "x" * 600  # > 1 MiB from 1600 rows
    fields = [*FIELDS, "CATATAN"]
    a, b = render(old, fields=fields), render(new, fields=fields)
    assert len(b) > (1 << 20)
    ls = lines_of(b)
    k = int(np.searchsorted(np.cumsum([len(x) for x in ls]), 1 << 20, side="right")) + at  # holds byte 1 MiB
    ls[k] = edit_cells(ls[k], {len(fields) - 1: b'"' + b"x" * 600})
    full, _ = run_both(tmp_path, a, b"".join(ls), expect=False)
    assert full.summary["inputs"]["new"]["notes"]  # the stray quote


@pytest.mark.parametrize(("surprise", "rows"), [ext("line_break", 1600), ("cp1252", 1600), ext("blank", 1600),
                                               ext("line_break", 6000), ext("cp1252", 6000), ext("none", 6000)])
def test_late_surprises_beyond_the_sniffed_head(tmp_path, pair, surprise, rows):
    """A line break, cp1252 bytes, a blank line after the first 256 KB (the sniffed head); with 6000 rows after
    the first 1 MB (the parser's first block)."""
    if rows == len(pair[0]):
        a, b = render(pair[0]), render(pair[1])
    else:
        old, _ = synth_roll(rows, seed=705, problems=False, duplicates=False)
        new, _ = synth_next_version(old, seed=706)
        a, b = render(old), render(new)
    assert len(b) > (256 << 10 if rows < 6000 else 1 << 20)
    late = len(lines_of(b)) - 3
    line = lines_of(b)[late]
    b = {"line_break": set_line(b, late, edit_cells(line, {FIELDS.index("nama"): b'"SITI\nAMINAH"'})),
         "cp1252": set_line(b, late, edit_cells(line, {FIELDS.index("nama"): "JOSÉ".encode("cp1252")})),
         "blank": insert_lines(b, late, b"\n"), "none": b}[surprise]
    run_both(tmp_path, a, b, expect=surprise == "none")


# =============================================================================================== 5. odd lines
def _mutations(n: int) -> dict[str, Callable[[bytes], bytes]]:
    """Mutations of the bytes of a rendered roll of ``n`` rows (comma-separated, LF)."""
    mid = n // 2
    ncols = len(FIELDS)

    def cells_edit(row: int, fld: str, value: bytes) -> Callable[[bytes], bytes]:
        def f(data: bytes) -> bytes:
            return set_line(data, row, edit_cells(lines_of(data)[row], {FIELDS.index(fld): value}))
        return f

    return {
        "blank_line": lambda d: insert_lines(d, mid, b"\n"),
        "blank_crlf_line": lambda d: insert_lines(d, mid, b"\r\n"),
        "blank_line_after_header": lambda d: insert_lines(d, 1, b"\n"),
        "blank_lines_at_end": lambda d: d + b"\n\n",
        "spaces_line": lambda d: insert_lines(d, mid, b"   \n"),
        "all_empty_line": lambda d: insert_lines(d, mid, b"," * (ncols - 1) + b"\n"),
        "all_empty_quoted_line": lambda d: insert_lines(d, mid, b",".join([b'""'] * ncols) + b"\n"),
        "ragged_extra": lambda d: set_line(d, mid, lines_of(d)[mid].rstrip(b"\n") + b",-\n"),
        "ragged_short": lambda d: set_line(d, mid, lines_of(d)[mid].rstrip(b"\n").rsplit(b",", 1)[0] + b"\n"),
        "short_line": lambda d: insert_lines(d, mid, b"1,2,3\n"),
        "bare_cr_in_value": cells_edit(mid, "alamat", b"JL. A\rNO 5"),
        "bare_cr_quoted": cells_edit(mid, "alamat", b'"JL. A\rNO 5"'),
        "bare_cr_at_the_end": lambda d: d + b"\r",
        "cr_cr_lf": lambda d: set_line(d, mid, lines_of(d)[mid].rstrip(b"\n") + b"\r\r\n"),
        "stray_quote_mid": cells_edit(mid, "nama", b'"SITI'),
        "stray_quote_last_field": cells_edit(mid, "provinsi", b'"KEPULAUAN BANGKA BELITUNG'),
        "stray_quote_closed_next_line": lambda d: set_line(
            cells_edit(mid, "provinsi", b'"KEPULAUAN')(d), mid + 1, b'X"' + lines_of(d)[mid + 1]),
        "stray_quote_last_line": cells_edit(n, "provinsi", b'"KEPULAUAN BANGKA BELITUNG'),
        "stray_quote_last_line_no_eol": lambda d: cells_edit(n, "provinsi", b'"KEPULAUAN')(d).rstrip(b"\n"),
        "nul_byte": cells_edit(mid, "keterangan", b"A\x00B"),
    }


#: mutation → (the versions it is applied to in the core set, in the extended matrix; what line_first must be)
_ODD: dict[str, tuple[tuple[str, ...], tuple[str, ...], Expect]] = {
    "blank_line": ((), ("old", "new", "both"), False),  # the random pairs have blank lines too
    "blank_crlf_line": ((), ("new",), False),
    "blank_line_after_header": ((), ("old",), False),
    "blank_lines_at_end": ((), ("new", "both"), False),
    "spaces_line": ((), ("old",), False),
    "all_empty_line": (("new",), ("both",), False),
    "all_empty_quoted_line": ((), ("old",), False),
    "ragged_extra": (("new",), ("both",), False),
    "ragged_short": ((), ("old",), False),
    "short_line": ((), ("new",), False),
    "bare_cr_in_value": (("new",), ("old",), False),
    "bare_cr_quoted": ((), ("old", "new", "both"), False),
    "bare_cr_at_the_end": ((), ("old",), False),
    "cr_cr_lf": ((), ("new",), False),
    "stray_quote_mid": (("new",), ("old",), False),
    "stray_quote_last_field": ((), ("new",), False),
    "stray_quote_closed_next_line": (("old",), ("new",), False),
    "stray_quote_last_line": ((), ("new", "both"), None),
    "stray_quote_last_line_no_eol": ((), ("old",), None),
    "nul_byte": ((), ("new",), None),
}


@pytest.mark.parametrize(("name", "side"), [(name, side) for name, (core, _, _) in _ODD.items() for side in core]
                         + [ext(name, side) for name, (_, more, _) in _ODD.items() for side in more])
def test_odd_lines(tmp_path, pair, name, side):
    old, new = pair
    a, b = render(old), render(new)
    if side in ("old", "both"):
        a = _mutations(len(old))[name](a)
    if side in ("new", "both"):
        b = _mutations(len(new))[name](b)
    try:
        run_both(tmp_path, a, b, expect=_ODD[name][2])
    except DptError:  # a refused file: both paths must refuse it alike
        raise_both(tmp_path, a, b)


@EXTENDED
def test_a_stray_quote_on_the_last_line_in_an_extra_column(tmp_path, pair):
    """The last value of the file opens a quote and never closes it: the full parse keeps the line end in the
    value (``NOTE\\n``); an extra column is written as read, into added.csv."""
    old, new = pair
    old, new = old.copy(), new.copy()
    old["CATATAN"] = "a"
    new["CATATAN"] = "b"
    fields = [*FIELDS, "CATATAN"]
    added = new.iloc[[0]].copy()
    added["nik"] = "1971019999990001"
    added["nama"] = "ORANG BARU"
    b = render(pd.concat([new, added], ignore_index=True), fields=fields).rstrip(b"\n")
    b = b[: b.rfind(b",") + 1] + b'"NOTE\n'
    full, _ = run_both(tmp_path, render(old, fields=fields), b)
    assert "1971019999990001" in set(full.added["nik"])


# =============================================================================================== 6. headers
@EXTENDED
def test_other_column_order_or_spelling(tmp_path, pair):
    old, new = pair
    spelled = [EXCEL_HEADERS[f] for f in FIELDS]
    for a, b in ((render(old), render(new, fields=list(reversed(FIELDS)))), (render(old), render(new, header=spelled)),
                 (render(old, header=[f.upper() for f in FIELDS]), render(new)),
                 (render(old), render(old, header=spelled)), (render(old), render(new, delim=";"))):
        run_both(tmp_path, a, b, expect=False)


def test_extra_columns(tmp_path, pair):
    """Unknown columns in both (same header): carried into added/removed records (a NIK in them masked); a pair
    differing only in an extra column is unchanged. In one version only: the headers differ."""
    old, new = pair
    old, new = old.copy(), new.copy()
    old["CATATAN PPS"] = [f"o{i}" for i in range(len(old))]
    new["CATATAN PPS"] = [f"n{i}" for i in range(len(new))]
    old["FLAG"] = "x"
    new["FLAG"] = "lihat NIK " + new["nik"]  # masked in the records unless --no-mask
    fields = [*FIELDS[:5], "CATATAN PPS", *FIELDS[5:], "FLAG"]
    full, _ = run_both(tmp_path, render(old, fields=fields), render(new, fields=fields), Settings(), expect=True)
    assert {"CATATAN PPS", "FLAG"} <= set(full.added.columns) & set(full.removed.columns)
    assert full.added["CATATAN PPS"].str.startswith("n").all()
    assert full.removed["CATATAN PPS"].str.startswith("o").all()
    assert full.added["FLAG"].str.contains("******", regex=False).all()
    if ALL:
        same = old.copy()
        same["CATATAN PPS"] = "changed note"
        full, _ = run_both(tmp_path, render(old, fields=fields), render(same, fields=fields), expect=True)
        assert full.summary["unchanged"] == len(old)
        run_both(tmp_path, render(old, fields=fields), render(new), expect=False)
        run_both(tmp_path, render(old).replace(b"\n", b",\n"), render(new).replace(b"\n", b",\n"))  # "" header


def test_a_repeated_nik_header(tmp_path, pair):
    """Two columns named NIK (one holds the NKK): whichever the loader maps, the line-first reader must read the
    same one."""
    old, new = pair
    old, new = old.copy(), new.copy()
    old["nik2"], new["nik2"] = old["nkk"], new["nkk"]
    variants = [(["nik2", *FIELDS], ["nik", *FIELDS])]
    if ALL:
        variants.append(([*FIELDS, "nik2"], [*FIELDS, "NIK"]))
    for fields, header in variants:
        run_both(tmp_path, render(old, fields=fields, header=header), render(new, fields=fields, header=header))


@pytest.mark.parametrize(("missing", "by"), [ext(("tps",), "tps"), ext(("nik",), "kelurahan"),
                                             ext(("jenis_kelamin",), "tps"),
                                             ext(("kecamatan", "kelurahan", "tps"), "kecamatan")])
def test_key_columns_missing_in_both(tmp_path, pair, missing, by):
    old, new = pair
    fields = [f for f in FIELDS if f not in missing]
    run_both(tmp_path, render(old, fields=fields), render(new, fields=fields), by=by)


def test_map_renames_headers(tmp_path, pair):
    """``--map "NOMOR INDUK=nik"`` (and a key field) in both; a map swapping two aliased headers; a map in a
    config (``[columns]``) naming a header the files do not have; a map naming the header of one version."""
    old, new = pair
    header = list(FIELDS)
    header[FIELDS.index("nik")] = "NOMOR INDUK"
    header[FIELDS.index("tps")] = "NO TPS X"
    cmap = {"NOMOR INDUK": "nik", "NO TPS X": "tps", "kecamatan": "kelurahan", "kelurahan": "kecamatan"}
    s = Settings(mask=False, column_map=cmap, required_headers=tuple(cmap))
    full, _ = run_both(tmp_path, render(old, header=header), render(new, header=header), s, by="tps", expect=True)
    assert full.summary["inputs"]["old"]["columns_mapped"]["NOMOR INDUK"] == "nik"
    assert full.summary["inputs"]["old"]["columns_mapped"]["kecamatan"] == "kelurahan"
    swap = {"kecamatan": "kelurahan", "kelurahan": "kecamatan"}
    s = Settings(mask=False, column_map=swap, required_headers=tuple(swap))
    if ALL:
        run_both(tmp_path, render(old), render(new), s, by="kecamatan", expect=True)
        run_both(tmp_path, render(old), render(new), Settings(mask=False, column_map={"NIK LAMA": "nik"}),
                 expect=True)
        s = Settings(mask=False, column_map={"NOMOR INDUK": "nik"}, required_headers=("NOMOR INDUK",))
        h2 = list(FIELDS)
        h2[FIELDS.index("nik")] = "NOMOR INDUK"
        run_both(tmp_path, render(old), render(new, header=h2), s, expect=False)


def test_refusals_are_the_same(tmp_path, pair):
    old, new = pair
    s = Settings(mask=False, column_map={"NOT THERE": "nik"}, required_headers=("NOT THERE",))
    assert "NOT THERE" in raise_both(tmp_path, render(old), render(new), s)
    raise_both(tmp_path, render(old.iloc[:0]), render(new.iloc[:0]))
    if ALL:
        no_name = [f for f in FIELDS if f != "nama"]
        raise_both(tmp_path, render(old, fields=no_name), render(new, fields=no_name))
        raise_both(tmp_path, b"", render(new))
        raise_both(tmp_path, b"\n" + render(old), b"\n" + render(new))
        write_roll(old, tmp_path / "a.parquet")
        write_roll(new, tmp_path / "b.parquet")
        for a, b in ((tmp_path / "a.parquet").read_bytes(), (tmp_path / "b.parquet").read_bytes()), \
                (b"PK\x03\x04" + render(old), b"PK\x03\x04" + render(new)):
            raise_both(tmp_path, a, b)  # Parquet (and an Excel workbook) named .csv


# =============================================================================================== 7. matching
@pytest.mark.parametrize("quotes", [False, ext(True)])
def test_messy_rolls(tmp_path, messy, quotes):
    """Planted problems: invalid and repeated NIKs, twins, duplicates, missing values (their double quotes made
    single quotes and ``;``-separated, values with a comma need no quotes: the lines are compared; unless
    ``quotes``)."""
    old, new = messy
    delim = ","
    if not quotes:
        old, new = (df.apply(lambda c: c.str.replace('"', "'", regex=False)) for df in (old, new))
        delim = ";"
    a, b = render(old, delim=delim), render(new, delim=delim)
    assert quotes or b'"' not in a + b
    expect = None if keys_all_empty(old) or keys_all_empty(new) else True
    full, _ = run_both(tmp_path, a, b, Settings(), by="kecamatan", expect=expect)
    assert len(full.unmatched) and full.summary["matched_by_person_key"]


def test_repeated_missing_and_corrected_niks(tmp_path, pair):
    old, _ = pair
    old = old.copy()
    new = old.copy()
    a, b, c, d, e, f, g, h, k, m = _rows(old, 10)
    old.loc[a, "nik"] = old.loc[a, "nik"][:15]  # invalid in old, fixed in new: key match, nik changed
    for v in (old, new):  # masked in both: key match, unchanged
        v.loc[b, "nik"] = v.loc[b, "nik"][:6] + "******" + v.loc[b, "nik"][12:]
    old.loc[d, "nik"] = old.loc[c, "nik"]  # two persons, one NIK in old
    new.loc[e, "nik"] = new.loc[f, "nik"]  # two persons, one NIK in new
    old.loc[g, "nik"] = ""  # no NIK, left: unmatched
    new = new.drop(index=g)
    new.loc[h, "nik"] = ""  # no NIK in new, TPS changed: key match, changed, moved
    new.loc[h, "tps"] = "009"
    new.loc[k, "nik"] = new.loc[k, "nik"][:12] + "0777"  # a corrected NIK
    for j, key in zip(range(5, 500, 50), itertools.cycle(KEYS), strict=False):  # some key cells empty
        new.loc[j, key] = ""
    new.loc[3, ["jenis_kelamin", "kecamatan", "kelurahan", "tps"]] = ""
    rows = np.arange(len(new)) % 5 == 0  # the same places spelled otherwise
    new.loc[rows, "kelurahan"] = "KEL. " + new.loc[rows, "kelurahan"]
    new.loc[rows, "kecamatan"] = "kec " + new.loc[rows, "kecamatan"].str.lower()
    for v in (old, new):  # no NIK, no birth date in either: key incomplete
        v.loc[m, "nik"] = "0"
        v.loc[m, "tanggal_lahir"] = ""
    old = pd.concat([old, old.loc[[a, b, 40, 40]]], ignore_index=True)  # lines repeated in old
    new = pd.concat([new, new.loc[[40]]], ignore_index=True)  # and in new
    # the new version's lines shuffled (and with LINEQ_ALL quoted here and there)
    new = new.sample(frac=1.0, random_state=3).reset_index(drop=True)
    full, _ = run_both(tmp_path, render(old), render(new), expect=True)
    assert full.summary["nik_changed"] >= 1 and full.summary["unmatched_old"] and full.summary["unmatched_new"]
    assert set(full.unmatched["reason"]) >= {"key_repeated", "no_match", "key_incomplete"}
    assert full.summary["moved"] >= 1 and full.summary["matched_by_person_key"] >= 3
    if ALL:
        quote = np.random.default_rng(3).random((len(new), len(FIELDS))) < 0.1
        run_both(tmp_path, render(old), render(new, quote=quote), expect=True)


# =============================================================================================== 8. rows without keys
@pytest.mark.parametrize("side", ["both", ext("old"), ext("new")])
def test_a_row_whose_keys_are_all_empty(tmp_path, pair, side):
    """nik, jenis_kelamin, kecamatan, kelurahan, tps all empty, the other fields not (quoted empty keys too)."""
    old, new = pair
    old, new = old.copy(), new.copy()
    for df in ([old] if side == "old" else [new] if side == "new" else [old, new]):
        for k in KEYS:
            df.loc[len(df) // 3, k] = ""
    q = np.zeros((len(new), len(FIELDS)), dtype=bool)
    q[:, [FIELDS.index(k) for k in KEYS]] = True
    run_both(tmp_path, render(old), render(new, quote=q))
    if ALL:
        run_both(tmp_path, render(old), render(new))


@EXTENDED
def test_rows_with_some_keys_empty(tmp_path, pair):
    old, new = pair
    new = new.copy()
    for j, k in zip(range(5, 500, 50), itertools.cycle(KEYS), strict=False):
        new.loc[j, k] = ""
    new.loc[3, ["jenis_kelamin", "kecamatan", "kelurahan", "tps"]] = ""
    run_both(tmp_path, render(old), render(new), expect=True)


# =============================================================================================== 9. not UTF-8
@EXTENDED
def test_cp1252_bytes(tmp_path, pair):
    old, new = pair
    old, new = old.copy(), new.copy()
    shared = _shared(old, new)
    for j in shared[::100]:
        new.loc[j, "nama"] = "JOSÉ " + new.loc[j, "nama"]
    as_cp1252 = render(new).decode("utf-8").encode("cp1252")
    run_both(tmp_path, render(old), as_cp1252, expect=False)
    run_both(tmp_path, as_cp1252, render(old), expect=False)
    run_both(tmp_path, as_cp1252, as_cp1252, expect=False)
    # one byte not UTF-8 in an extra column only
    old["X"], new["X"] = "a", "a"
    b = render(new, fields=[*FIELDS, "X"])
    run_both(tmp_path, render(old, fields=[*FIELDS, "X"]), b[:-3] + b"\xe9" + b[-3:], expect=False)
    write_roll(old, tmp_path / "DPS.parquet")
    run_both(tmp_path, tmp_path / "DPS.parquet", render(new), expect=False)


# =============================================================================================== 10. random pairs
#: random pairs in the core set (each costs two diffs, ~0.45 s)
RANDOM_EXAMPLES = 8


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    df, _ = synth_roll(36, seed=707, problems=False, duplicates=False)
    return df


def _variant(kind: str, value: str, other: str) -> str:
    return {
        "lower": value.lower(), "pad": "  " + value + " ", "empty": "", "change": value[:-1] + "X" if value else "X",
        "comma": value + ", NO 5; RT 1|2", "quote": 'A "Q" ' + value, "apostrophe": "'" + value,
        "newline": value + "\nLANJUT", "cr": value + "\rLANJUT", "other": other, "short": value[:-1],
    }[kind]


_KINDS = ("lower", "pad", "empty", "change", "comma", "quote", "apostrophe", "other", "short", "newline", "cr")

_FILE = st.fixed_dictionaries({
    "quote": st.sampled_from(["none", "all", "random"]),
    "eol": st.sampled_from(["\n", "\r\n", "mixed"]),
    "bom": st.booleans(),
    "final": st.booleans(),
    "blank": st.lists(st.integers(0, 40), max_size=2),
})


@given(data=st.data())
@hsettings(max_examples=40 if ALL else RANDOM_EXAMPLES, deadline=None,
           suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_random_pairs(small, data):
    n = len(small)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    in_old = data.draw(st.lists(st.booleans(), min_size=n, max_size=n).filter(any), label="in_old")
    in_new = data.draw(st.lists(st.booleans(), min_size=n, max_size=n).filter(any), label="in_new")
    old = small[np.asarray(in_old)].reset_index(drop=True)
    new = small[np.asarray(in_new)].sample(frac=1.0, random_state=int(rng.integers(1 << 30))).reset_index(drop=True)
    # plain: no quote, blank line or line break anywhere (the lines are compared); else anything goes
    plain = data.draw(st.booleans(), label="plain")
    rare = not plain and data.draw(st.booleans(), label="allow line breaks")
    kinds = _KINDS if rare else tuple(k for k in _KINDS[:-2] if not plain or k not in ("comma", "quote"))
    edits = data.draw(st.lists(st.tuples(st.sampled_from(["old", "new"]), st.integers(0, n - 1),
                                         st.sampled_from(FIELDS), st.sampled_from(kinds)), max_size=12), label="edits")
    frames = {"old": old.copy(), "new": new.copy()}
    for side, row, fld, kind in edits:
        df = frames[side]
        row %= len(df)
        other = str(df.loc[(row + 1) % len(df), fld])
        df.loc[row, fld] = _variant(kind, str(df.loc[row, fld]), other)
    extra = data.draw(st.booleans(), label="extra column")
    delim = data.draw(st.sampled_from([",", ";", "\t", "|"]), label="delimiter")
    delim_new = delim if data.draw(st.integers(0, 9), label="same delimiter") else ";" if delim != ";" else ","
    blobs, facts, shared = {}, {}, {}
    for side in ("old", "new"):
        f = data.draw(_FILE, label=side)
        if plain:  # the same header bytes too (BOM, line end); the mixed line ends drawn apart per file
            f = {**shared.get("old", f), "quote": "none", "blank": [], "final": f["final"]}
            shared.setdefault("old", f)
        df = frames[side]
        fields = list(FIELDS)
        if extra:
            df["CATATAN"] = [f"{side}{i}" for i in range(len(df))]
            fields.insert(3, "CATATAN")
        quote: np.ndarray | bool = {"none": False, "all": True,
                                    "random": rng.random((len(df), len(fields))) < 0.3}[f["quote"]]
        eol = f["eol"] if f["eol"] != "mixed" else \
            ["\n"] + ["\r\n" if x else "\n" for x in rng.random(len(df)) < 0.5]
        blob = render(df, fields=fields, delim=delim if side == "old" else delim_new, eol=eol, bom=f["bom"],
                      quote=quote, final=f["final"])
        # before the last line at the latest: an empty line after a last line without a line end would end it
        blanks = sorted({min(max(b, 1), len(lines_of(blob)) - 1) for b in f["blank"]}, reverse=True)
        for b in blanks:
            blob = insert_lines(blob, b, b"\n")
        blobs[side] = blob
        facts[side] = {"head": lines_of(blob)[0], "blank": bool(blanks),
                       "spans": any(("\n" in str(v) or "\r" in str(v)) for v in df.to_numpy().ravel()),
                       "keyless": keys_all_empty(df)}

    def cells(head: bytes) -> bytes:  # the header's cells, without a BOM or the line end
        return head.removeprefix(b"\xef\xbb\xbf").rstrip(b"\r\n")

    expect: Expect = None
    if any(facts[s]["blank"] or facts[s]["spans"] for s in facts):
        expect = False
    elif cells(facts["old"]["head"]) != cells(facts["new"]["head"]):
        expect = False  # another delimiter
    elif facts["old"]["head"] == facts["new"]["head"] and not any(facts[s]["keyless"] for s in facts):
        expect = True
    with tempfile.TemporaryDirectory() as d:
        try:
            run_both(Path(d), blobs["old"], blobs["new"], expect=expect, fmts=("csv",) if ALL else ())
        except DptError:  # a pair the loader refuses: both paths must refuse it alike
            raise_both(Path(d), blobs["old"], blobs["new"])


# =============================================================================================== the command
def test_dpt_diff_writes_what_the_full_path_writes(tmp_path, pair, monkeypatch):
    from click.testing import CliRunner

    from dpt_tools.cli import cli
    from dpt_tools.config import load_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DPT_CONFIG", raising=False)
    old, new = pair
    (tmp_path / "DPS.csv").write_bytes(render(old))
    (tmp_path / "DPT.csv").write_bytes(render(new))
    runs = [([], "csv", "kelurahan", Settings())]
    if ALL:
        runs.append((["--no-mask", "--by", "tps", "--format", "parquet"], "parquet", "tps", Settings(mask=False)))
    for k, (args, fmt, by, s) in enumerate(runs):
        res = CliRunner().invoke(cli, ["diff", "DPS.csv", "DPT.csv", "--out", f"cli{k}", "--quiet", *args])
        assert res.exit_code == 0, res.output
        settings = load_settings(None, mask=s.mask if not s.mask else None)
        want = diff_paths("DPS.csv", "DPT.csv", settings, by=by, line_first=False)
        write_diff_outputs(want, settings, f"lib{k}", fmt)
        names = sorted(p.name for p in (tmp_path / f"lib{k}").iterdir())
        assert sorted(p.name for p in (tmp_path / f"cli{k}").iterdir()) == names
        for name in names:
            assert (tmp_path / f"cli{k}" / name).read_bytes() == (tmp_path / f"lib{k}" / name).read_bytes(), name


@EXTENDED
def test_dpt_diff_from_standard_input(tmp_path, pair, monkeypatch):
    from click.testing import CliRunner

    from dpt_tools.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DPT_CONFIG", raising=False)
    old, new = pair
    (tmp_path / "DPS.csv").write_bytes(render(old))
    res = CliRunner().invoke(cli, ["diff", "DPS.csv", "-", "--out", "cli", "--quiet"], input=render(new))
    assert res.exit_code == 0, res.output
    for line_first in (False, True):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(render(new))))
        got = diff_paths("DPS.csv", "-", Settings(), line_first=line_first)
        write_diff_outputs(got, Settings(), f"lib{line_first}", "csv")
        for p in (tmp_path / "cli").iterdir():
            assert p.read_bytes() == (tmp_path / f"lib{line_first}" / p.name).read_bytes(), p.name
