"""Defects found by the session-3 adversarial review (each test failed before its fix)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dpt_tools.config import Settings
from dpt_tools.dedupe import dedupe_paths
from dpt_tools.load import load_roll
from dpt_tools.synth import synth_roll, write_roll


def _with_blank_lines(path: Path, after: tuple[int, ...]) -> None:
    """Insert empty lines (as an Excel export of a sheet with empty rows has) after these file lines."""
    data = path.read_bytes()
    nl = b"\r\n" if b"\r\n" in data[:4096] else b"\n"
    lines = data.split(nl)
    for at in sorted(after, reverse=True):
        lines.insert(at, b"")
    path.write_bytes(nl.join(lines))


@pytest.fixture(scope="module")
def blank_rolls(tmp_path_factory) -> tuple[Path, Path]:
    """Two generated rolls with a duplicate person in each and across them; empty lines near the top of both."""
    d = tmp_path_factory.mktemp("blank")
    df, _ = synth_roll(3000, seed=8)
    a, b = d / "kel_a.csv", d / "kel_b.csv"
    write_roll(df.iloc[:1600], a, style="excel", seed=8)
    write_roll(df.iloc[1400:], b, style="clean", seed=9)
    _with_blank_lines(a, (2, 3, 40))
    _with_blank_lines(b, (5,))
    return a, b


def test_dedupe_values_belong_to_their_row_number_after_blank_lines(blank_rolls):
    """An empty line shifts row numbers away from record positions: the NIK, name, birth date, kelurahan and TPS
    printed beside a row number in duplicate_groups (and the NIK of nik_conflicts) must be that row's."""
    paths = [str(p) for p in blank_rolls]
    settings = Settings(mask=False)
    result = dedupe_paths(paths, settings)
    assert len(result.groups) > 0
    by_source = {}
    for p in paths:
        roll = load_roll(p)
        assert roll.blank_rows  # the situation under test
        by_source[roll.source] = roll.frame.set_index("row_number")
    flds = ["nik", "nama", "tanggal_lahir", "kelurahan", "tps"]
    for _, g in result.groups.iterrows():
        frame = by_source[g["source"]]
        want = frame.loc[int(g["row_number"]), flds].fillna("").tolist()
        assert [g[f] for f in flds] == want, (g["source"], g["row_number"])
    for _, c in result.conflicts.iterrows():
        assert c["nik"] == by_source[c["source_a"]].loc[int(c["row_a"]), "nik"]


def _validate(args: list[str]) -> tuple[int, str, object]:
    from click.testing import CliRunner

    from dpt_tools.cli import cli

    res = CliRunner().invoke(cli, ["validate", *args, "--quiet"])
    crashed = None if isinstance(res.exception, SystemExit | None) else repr(res.exception)
    return res.exit_code, res.output, crashed


@pytest.mark.parametrize("where", ["first_part", "later_part"])
def test_cp1252_bytes_undefined_in_cp1252_read_in_parts(tmp_path, where):
    """Bytes that cp1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D, e.g. from a damaged export) become U+FFFD in
    a whole-file read; a read in parts must do the same, not end in an internal error (exit 3)."""
    df, _ = synth_roll(2000, seed=12)
    path = tmp_path / "roll.csv"
    write_roll(df, path, style="excel", seed=12)
    text = path.read_bytes().decode("utf-8-sig")
    lines = text.split("\r\n")
    at = 5 if where == "first_part" else 1800
    lines[at] = lines[at].replace(";", ";ANDR\u00c9 ", 1)  # a real cp1252 letter, so the file sniffs as cp1252
    data = "\r\n".join(lines).encode("cp1252")
    name = lines[at + 3].split(";")[2].encode("cp1252")
    data = data.replace(name, name[:2] + b"\x8f\x81" + name[2:], 1)
    path.write_bytes(data)
    whole = _validate([str(path), "--out", str(tmp_path / "whole")])
    parts = _validate([str(path), "--part-rows", "300", "--out", str(tmp_path / "parts")])
    assert whole[2] is None and parts[2] is None, (whole, parts)
    assert whole[0] == 1 and parts[0] == whole[0], (whole, parts)
    assert (tmp_path / "parts" / "findings.csv").read_bytes() == (tmp_path / "whole" / "findings.csv").read_bytes()


def _damaged_parquet(path: Path) -> Path:
    """A Parquet roll whose footer names a column with bytes that are not UTF-8 (a damaged copy)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    df, _ = synth_roll(300, seed=4, duplicates=False)
    table = pa.Table.from_pandas(df.astype(str), preserve_index=False).append_column("ZZQQ", pa.array(["x"] * 300))
    buf = io.BytesIO()
    pq.write_table(table, buf)
    path.write_bytes(buf.getvalue().replace(b"ZZQQ", b"Z\xffQQ"))
    return path


@pytest.mark.parametrize("command", [["validate"], ["validate", "--part-rows", "100"], ["diff", "OTHER"],
                                     ["dedupe"]])
def test_damaged_parquet_footer_is_an_input_error(tmp_path, command):
    """A column name that is not UTF-8 in a Parquet footer is bad input (one line, exit 2), for every command; no
    traceback from the thread that parses ahead, no internal error (exit 3)."""
    import subprocess
    import sys

    bad = _damaged_parquet(tmp_path / "roll.parquet")
    other = tmp_path / "other.csv"
    write_roll(synth_roll(300, seed=4, duplicates=False)[0], other, style="clean")
    args = [str(other) if a == "OTHER" else a for a in command]
    env = {**__import__("os").environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    res = subprocess.run([sys.executable, "-m", "dpt_tools.cli", args[0], str(bad), *args[1:], "--quiet"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 2, res.stderr
    assert res.stderr.count("\n") == 1 and "not a readable Parquet file" in res.stderr, res.stderr


def test_dedupe_roll_whose_name_column_is_empty(tmp_path):
    """A roll exported with its name column left empty: no name evidence, but the same NIK twice is still found
    (it was an internal error, exit 3, in dpt dedupe and dpt clean)."""
    df, _ = synth_roll(300, seed=6, problems=False, duplicates=False)
    df = df.copy()
    df["nama"] = ""
    df = pd.concat([df, df.iloc[[10]]], ignore_index=True)  # one voter registered twice, same NIK
    path = tmp_path / "roll.csv"
    write_roll(df, path, style="clean")
    result = dedupe_paths([str(path)], Settings())
    pairs = result.pairs
    assert len(pairs) >= 1
    top = pairs.iloc[0]
    assert (top["row_a"], top["row_b"]) == (11, 301) and top["match_type"] == "nik_exact"
