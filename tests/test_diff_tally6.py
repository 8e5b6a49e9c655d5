"""The per-region tally counts combinations of integer keys without pyarrow's query engine (diff._tally)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dpt_tools import diff as D


def _expected(columns: list[np.ndarray]) -> dict[tuple[int, ...], int]:
    frame = pd.DataFrame({f"k{i}": c for i, c in enumerate(columns)})
    return {tuple(int(v) for v in (k if isinstance(k, tuple) else (k,))): int(n)
            for k, n in frame.groupby(list(frame.columns)).size().items()}


@st.composite
def _keyed_rows(draw: st.DrawFn) -> tuple[list[np.ndarray], list[int]]:
    radices = draw(st.lists(st.integers(1, 9), min_size=1, max_size=5))
    n = draw(st.integers(0, 60))
    columns = [np.asarray(draw(st.lists(st.integers(0, r - 1), min_size=n, max_size=n)), dtype=np.int64)
               for r in radices]
    return columns, radices


@settings(max_examples=150, deadline=None)
@given(_keyed_rows(), st.sampled_from(["bincount", "sort", "rows"]))
def test_every_way_of_counting_gives_the_groupby_counts(case: tuple[list[np.ndarray], list[int]], way: str) -> None:
    columns, radices = case
    slots = D.BINCOUNT_SLOTS if way == "bincount" else 0  # 0: the sort of combined numbers (or of whole rows)
    old = D.BINCOUNT_SLOTS
    D.BINCOUNT_SLOTS = slots
    try:
        if way == "rows":  # radices whose product does not fit in int64: rows are sorted as they are
            digits, counts = D._count_combinations(columns, [*radices[:-1], radices[-1] * 2**62])
        else:
            digits, counts = D._count_combinations(columns, radices)
    finally:
        D.BINCOUNT_SLOTS = old
    got = {tuple(int(d[i]) for d in digits): int(counts[i]) for i in range(len(counts))}
    assert got == (_expected(columns) if len(columns[0]) else {})
    assert int(counts.sum()) == len(columns[0])
    # increasing order of the combinations, whichever way they were counted
    keys = list(zip(*[d.tolist() for d in digits], strict=True))
    assert keys == sorted(keys)


def test_the_diff_never_loads_the_query_engine(tmp_path: Path) -> None:
    """Table.group_by imports pyarrow.acero and pyarrow.dataset (~0.07 s of every run's start); a whole dpt diff,
    tallies and all, does without them."""
    import subprocess
    import sys

    from dpt_tools.synth import synth_next_version, synth_roll, write_roll

    df, _ = synth_roll(3000, seed=5)
    df2, _ = synth_next_version(df, seed=6)
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    write_roll(df, old)
    write_roll(df2, new)
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "dpt_tools.cli", "diff", str(old), str(new),
                          "--out", str(tmp_path / "out"), "--quiet"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    loaded = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}
    assert "pyarrow" in loaded and "dpt_tools.diff" in loaded  # the check sees the imports at all
    assert not {m for m in loaded if m.startswith(("pyarrow.acero", "pyarrow.dataset", "rapidfuzz", "pandera",
                                                   "dpt_tools.rules"))}
