"""Score ``dpt dedupe`` output against a ``dpt synth`` truth file.

Pairwise precision, recall and F1 of ``duplicate_groups`` (every pair of records inside one group is a predicted
duplicate pair; the truth's duplicate pairs, closed transitively, are the true pairs), recall per planted kind, and
the hard negatives that were grouped (twins, namesakes, NIK conflicts — each should be zero).

Usage::

    python bench/score_dedupe.py OUT_DIR/duplicate_groups.csv roll.truth.json [--source roll.csv] [--json]
        [--check]    # exit 1 unless precision >= 0.99, recall >= 0.95 and no twin/namesake/conflict is grouped

Only rows of ``--source`` (default: the only source in the groups file, or the truth's roll) are scored, so a
truth file can be checked against a run over several rolls.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

import pandas as pd

TARGET_PRECISION = 0.99
TARGET_RECALL = 0.95


def read_groups(path: str | Path) -> pd.DataFrame:
    p = Path(path)
    if p.suffix == ".parquet":
        return pd.read_parquet(p)
    return pd.read_csv(p, dtype={"source": str, "nik": str}, keep_default_na=False)


def _closure(pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """All pairs inside the connected components of ``pairs`` (a person planted twice and thrice)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps: dict[int, list[int]] = defaultdict(list)
    for x in list(parent):
        comps[find(x)].append(x)
    return {(min(a, b), max(a, b)) for members in comps.values() for a, b in combinations(sorted(members), 2)}


def score(groups: pd.DataFrame, truth: dict[str, Any], source: str | None = None) -> dict[str, Any]:
    if source is None:
        sources = sorted(set(groups["source"])) if len(groups) else []
        source = sources[0] if len(sources) == 1 else None
    g = groups if source is None else groups[groups["source"] == source]
    members: dict[int, list[int]] = defaultdict(list)
    for gid, row in zip(g["group_id"].tolist(), g["row_number"].tolist(), strict=True):
        members[int(gid)].append(int(row))
    predicted = {(min(a, b), max(a, b)) for rows in members.values() for a, b in combinations(sorted(rows), 2)}
    group_of = {row: gid for gid, rows in members.items() for row in rows}

    kinds = {(min(d["rows"]), max(d["rows"])): d["kind"] for d in truth["duplicates"]}
    true_pairs = _closure(list(kinds))
    tp = len(predicted & true_pairs)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    per_kind_total: Counter[str] = Counter(kinds.values())
    per_kind_found: Counter[str] = Counter(k for p, k in kinds.items() if p in predicted)
    recall_by_kind = {k: round(per_kind_found[k] / n, 4) for k, n in sorted(per_kind_total.items())}

    def grouped(rows: list[int]) -> int:
        return sum(1 for a, b in combinations(rows, 2)
                   if a in group_of and group_of.get(a) == group_of.get(b))

    hard: Counter[str] = Counter()
    hard_total: Counter[str] = Counter()
    for h in truth.get("hard_negatives", []):
        hard[h["kind"]] += grouped(h["rows"])
        hard_total[h["kind"]] += len(list(combinations(h["rows"], 2)))
    for a, b in truth.get("nik_conflicts", []):
        hard["nik_conflict"] += grouped([a, b])
        hard_total["nik_conflict"] += 1
    sizes = Counter(len(r) for r in members.values())
    return {
        "source": source,
        "rows": truth.get("rows"),
        "predicted_pairs": len(predicted),
        "true_pairs": len(true_pairs),
        "true_positives": tp,
        "false_positives": len(predicted) - tp,
        "false_negatives": len(true_pairs) - tp,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "recall_by_kind": recall_by_kind,
        "hard_negatives_grouped": {k: hard[k] for k in ("twins", "namesakes", "nik_conflict")},
        "hard_negative_pairs": {k: hard_total[k] for k in ("twins", "namesakes", "nik_conflict")},
        "groups": len(members),
        "largest_group": max(sizes) if sizes else 0,
        "meets_targets": bool(precision >= TARGET_PRECISION and recall >= TARGET_RECALL
                              and not any(hard.values())),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("groups", help="duplicate_groups.csv or .parquet written by dpt dedupe")
    ap.add_argument("truth", help="truth JSON written by dpt synth --truth")
    ap.add_argument("--source", default=None, help="file name (source column) the truth refers to")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--check", action="store_true", help="exit 1 unless the targets are met")
    args = ap.parse_args(argv)
    truth = json.loads(Path(args.truth).read_text(encoding="utf-8"))
    res = score(read_groups(args.groups), truth, args.source)
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        print(f"pairs: predicted {res['predicted_pairs']}, true {res['true_pairs']}, TP {res['true_positives']}, "
              f"FP {res['false_positives']}, FN {res['false_negatives']}")
        print(f"precision {res['precision']:.4f}  recall {res['recall']:.4f}  F1 {res['f1']:.4f}")
        for k, v in res["recall_by_kind"].items():
            print(f"  recall {k:24s} {v:.4f}")
        print("hard negatives grouped: " + ", ".join(
            f"{k} {v}/{res['hard_negative_pairs'][k]}" for k, v in res["hard_negatives_grouped"].items()))
        print(f"groups {res['groups']}, largest {res['largest_group']}; targets met: {res['meets_targets']}")
    return 0 if (res["meets_targets"] or not args.check) else 1


if __name__ == "__main__":
    sys.exit(main())
