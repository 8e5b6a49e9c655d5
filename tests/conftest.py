"""Shared fixtures: small synthetic rolls generated with fixed seeds (no data files committed, no real persons)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dpt_tools.synth import synth_roll, write_roll


@pytest.fixture(scope="session")
def planted_roll(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A 6,000-row roll in the messy Excel form with every problem planted, 3 ragged lines, and its truth."""
    d = tmp_path_factory.mktemp("planted")
    df, truth = synth_roll(6000, seed=11)
    bad = write_roll(df, d / "roll.csv", style="excel", seed=11, ragged=3)
    truth["planted"]["row_malformed"] = bad
    (d / "truth.json").write_text(json.dumps(truth))
    return d / "roll.csv", truth


@pytest.fixture(scope="session")
def clean_roll(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3,000-row roll with no planted problems or duplicates, in the messy Excel form."""
    d = tmp_path_factory.mktemp("clean")
    df, _ = synth_roll(3000, seed=5, problems=False, duplicates=False)
    write_roll(df, d / "roll.csv", style="excel", seed=5)
    return d / "roll.csv"
