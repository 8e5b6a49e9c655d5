"""Defects found by the session-3 adversarial review (each test failed before its fix)."""

from __future__ import annotations

from pathlib import Path

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
