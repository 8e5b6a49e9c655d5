"""Regenerate the shipped sample roll (deterministic): ``make sample``.

Everything here is synthetic: invented people in the real 42 kelurahan of Kota Pangkalpinang, made by
``dpt_tools.synth`` with a fixed seed.
"""

from __future__ import annotations

import json
from pathlib import Path

from dpt_tools.synth import synth_roll, write_roll

HERE = Path(__file__).resolve().parent
ROWS, SEED = 5000, 2025


def main() -> None:
    df, truth = synth_roll(ROWS, seed=SEED)
    bad = write_roll(df, HERE / "dpt_pangkalpinang_sample.csv", style="excel", seed=SEED, ragged=3)
    truth["planted"]["row_malformed"] = bad
    write_roll(df, HERE / "dpt_pangkalpinang_sample.parquet")
    (HERE / "dpt_pangkalpinang_sample.truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    print(f"{len(df)} rows written to {HERE}")


if __name__ == "__main__":
    main()
