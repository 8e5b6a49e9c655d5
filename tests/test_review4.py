"""Adversarial review of session 4 (review4): defects found by running the real ``dpt`` command on synthetic rolls,
each pinned by a test that failed before its fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dpt_tools.synth import synth_roll, write_roll

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _dpt(*args: str, stdin_path: Path | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The real command; ``stdin_path`` is given as a shell redirect would (``< file``), not through a pipe."""
    env = {**os.environ, "PYTHONPATH": SRC}
    with open(stdin_path, "rb") if stdin_path else open(os.devnull, "rb") as fh:
        return subprocess.run([sys.executable, "-m", "dpt_tools.cli", *args], stdin=fh, capture_output=True,
                              env=env, cwd=cwd, timeout=180)


@pytest.fixture(scope="module")
def roll_df() -> pd.DataFrame:
    df, _ = synth_roll(300, seed=4, problems=False, duplicates=False)
    return df


@pytest.mark.parametrize("command", ["validate", "diff", "clean"])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_roll_redirected_from_the_out_dir_survives(tmp_path, roll_df, command, fmt):
    """``dpt validate - --out hasil < hasil/findings.csv``: the roll on standard input is a file of the output
    directory named like an output. Writing the same name would replace it, writing the other format would delete
    it as a stale output; the input given by name is protected from both, so must the one given on stdin be."""
    out = tmp_path / "hasil"
    out.mkdir()
    name = {"validate": "findings", "diff": "removed", "clean": "rejected"}[command]
    roll = out / f"{name}.csv"
    write_roll(roll_df, roll, style="clean")
    before = roll.read_bytes()
    other = tmp_path / "other.csv"
    write_roll(roll_df.head(200), other, style="clean")
    args = {"validate": ["validate", "-"], "diff": ["diff", "-", str(other)], "clean": ["clean", "-"]}[command]
    res = _dpt(*args, "--out", str(out), "--format", fmt, stdin_path=roll)
    assert roll.exists() and roll.read_bytes() == before, (res.returncode, res.stderr.decode())
    if fmt == "csv":  # the output would replace the input: refused like a named input, exit 2, one line
        assert res.returncode == 2 and len(res.stderr.decode().strip().splitlines()) == 1, res.stderr
    else:
        assert res.returncode in (0, 1), res.stderr
