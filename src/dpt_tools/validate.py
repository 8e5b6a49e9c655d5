"""``dpt validate`` as a library: run the schema and every rule on a roll, return findings and a summary.

Findings are one row per (row, rule, field) with the columns of :data:`FINDING_COLUMNS`, sorted by row then rule.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__
from .config import Settings
from .fsnames import shown
from .load import Roll, load_roll
from .nik import mask_id, mask_ids_in_text, shown_headers
from .normalize import flat
from .output import atomic_paths, write_frame, write_json
from .rules.base import SEVERITIES, Context, Rule, render
from .rules.catalog import RULES
from .rules.place_rules import warm_up
from .schema import check_roll_frame

Progress = Callable[[str, int], None]
FINDING_COLUMNS = ("row_number", "rule", "severity", "field", "value", "message")
ID_FIELDS = ("nik", "nkk")


@dataclass
class Validation:
    """Result of validating one roll."""

    roll: Roll
    findings: pd.DataFrame
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.findings["rule"].value_counts().sort_index().items()}

    def severity_counts(self) -> dict[str, int]:
        vc = self.findings["severity"].value_counts()
        return {s: int(vc.get(s, 0)) for s in SEVERITIES}

    def failed(self, fail_on: str) -> bool:
        """True when a finding at or above ``fail_on`` exists (``never`` → never)."""
        if fail_on == "never":
            return False
        sev = self.severity_counts()
        if fail_on == "warning":
            return sev["error"] + sev["warning"] > 0
        return sev["error"] > 0


def _empty_findings() -> pd.DataFrame:
    return pd.DataFrame({
        "row_number": pd.Series([], dtype="int64"),
        **{c: pd.Series([], dtype="str") for c in FINDING_COLUMNS[1:]},
    })


def _constant(value: str, n: int) -> pa.Array:
    return pc.fill_null(pa.nulls(n, type=pa.string()), value)


def _findings_for(rule: Rule, ctx: Context, settings: Settings) -> pa.Table | None:
    hits = rule.check(ctx)
    pos = np.asarray(hits.positions, dtype=np.int64)
    n = len(pos)
    if n == 0:
        return None
    # one field for every hit (most rules): a single name instead of a column of n copies of it
    fields = rule.field if hits.fields is None else np.asarray(hits.fields, dtype=object)
    if hits.values is not None:
        values = pa.array(np.asarray(hits.values, dtype=object), type=pa.string(), from_pandas=True)
    else:
        values = _raw_values(ctx, pos, fields, settings)
    params = dict(hits.params)
    if "field" in params:
        params["field"] = np.char.upper(np.asarray(params["field"], dtype=str))
    message = render(rule.message(settings.lang), params, n)
    # built as Arrow columns: one small table per rule, concatenated and sorted once (no pandas frame per rule)
    return pa.table({
        "row_number": pa.array(ctx.row_numbers[pos], type=pa.int64()),
        "rule": _constant(rule.code, n),
        "severity": _constant(rule.severity, n),
        "field": _constant(rule.field, n) if hits.fields is None else pa.array(fields, type=pa.string()),
        "value": pc.fill_null(flat(values), ""),
        "message": flat(message),
    })


def _raw_values(ctx: Context, pos: np.ndarray, fields: np.ndarray | str, settings: Settings) -> pa.Array:
    """The value as the clerk typed it; NIK/NKK normalised and masked (digits 7–12) unless asked not to.
    ``fields``: the field of each hit, or one field for all."""
    out = pa.nulls(len(pos), type=pa.string())
    raw = ctx.roll.raw
    for fld in [fields] if isinstance(fields, str) else dict.fromkeys(fields.tolist()):
        if not fld or fld not in raw.column_names:
            continue
        sel = np.arange(len(pos)) if isinstance(fields, str) else np.flatnonzero(fields == fld)
        take = pa.array(pos[sel], type=pa.int64())
        if fld in ID_FIELDS:
            # identity numbers are shown normalised (no apostrophe or spaces) so the mask hides the right digits
            col = ctx.col(fld).take(take)
            col = mask_id(col) if settings.mask else col
        else:
            col = raw.column(fld).take(take)
            # a NIK typed into another column (a shifted line) is masked there too; it needs 16 characters
            if settings.mask and len(col) and (pc.max(pc.binary_length(col)).as_py() or 0) >= 16:
                col = mask_ids_in_text(col)  # also a NIK glued to letters (BUDI1971…), which \b misses
        col = flat(col)
        if len(sel) == len(pos):
            out = col
        else:
            full = np.empty(len(pos), dtype=object)
            full[:] = out.to_numpy(zero_copy_only=False)
            full[sel] = col.to_numpy(zero_copy_only=False)
            out = pa.array(full, type=pa.string())
    return out


def applicable(rule: Rule, roll: Roll) -> bool:
    if rule.code == "rt_rw_invalid":
        return roll.has("rt") or roll.has("rw")
    if rule.code == "region_unknown":
        return any(roll.has(f) for f in ("kabupaten_kota", "kecamatan", "kelurahan"))
    return all(roll.has(f) for f in rule.requires)


def run_rules(roll: Roll, settings: Settings, rules: Iterable[Rule] = RULES,
              progress: Progress | None = None, *, ctx: Context | None = None) -> tuple[pd.DataFrame, list[str]]:
    """All findings of a roll (sorted by row then rule) and the codes skipped for lack of a column.

    ``ctx`` lets a caller that validates a file in parts pass a context carrying file-wide verdicts."""
    ctx = ctx if ctx is not None else Context(roll, settings)
    rules = list(rules)
    skipped = [r.code for r in rules if not applicable(r, roll)]
    todo = [r for r in rules if r.code not in skipped]
    # rules are independent once the shared derived columns exist; numpy/pyarrow release the GIL
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        ctx.prepare(pool)

        def one(rule: Rule) -> pa.Table | None:
            part = _findings_for(rule, ctx, settings)
            if progress is not None:
                progress(rule.code, 1)
            return part

        # the region check waits for the Kemendagri reference (built beside the other rules): it goes last
        jobs = {r.code: pool.submit(one, r) for r in sorted(todo, key=lambda r: r.code == "region_unknown")}
        results = [jobs[r.code].result() for r in todo]
    parts = [p for p in results if p is not None]
    if not parts:
        return _empty_findings(), skipped
    findings = pa.concat_tables(parts)
    if not roll.malformed.empty:
        # a malformed line's values may sit in the wrong columns: its other findings would only be noise (and
        # could show a NIK under another field), so the line gets row_malformed alone
        bad = pc.and_(pc.is_in(findings["row_number"], value_set=pa.array(roll.malformed["row_number"].to_numpy())),
                      pc.not_equal(findings["rule"], "row_malformed"))
        findings = findings.filter(pc.invert(bad))
    # a stable sort, like pandas' kind="stable": equal keys keep the registry order
    order = pc.sort_indices(findings, sort_keys=[("row_number", "ascending"), ("rule", "ascending"),
                                                 ("field", "ascending")])
    frame = findings.take(order).to_pandas()
    return frame[list(FINDING_COLUMNS)], skipped


def validate_roll(roll: Roll, settings: Settings, progress: Progress | None = None) -> Validation:
    """Check the canonical frame against the pandera schema and run every applicable rule.

    The schema check (mostly Python) runs on its own thread beside the rules (mostly numpy/pyarrow), which keeps
    both cores busy; a broken contract is still what gets reported, before any failure of the rules."""
    start = time.perf_counter()
    if roll.pending_sha256 is not None:
        roll.pending_sha256.start()  # the input's sha256 in the time the rules leave a core idle
    with ThreadPoolExecutor(max_workers=1) as side:
        contract = side.submit(check_roll_frame, roll.frame)
        try:
            findings, skipped = run_rules(roll, settings, progress=progress)
        except Exception:
            contract.result()  # raises IntegrityError if the roll broke the contract: that explains the failure
            raise
        contract.result()
    roll.finish_sha256()
    return Validation(roll, findings, skipped, time.perf_counter() - start)


def summary(result: Validation, settings: Settings, seconds: float | None = None) -> dict[str, Any]:
    roll = result.roll
    mapped, extras = shown_headers(roll.mapping, roll.extras)
    return {
        "tool": "dpt-tools",
        "version": __version__,
        "command": "validate",
        "input": shown(roll.path),
        "input_sha256": roll.sha256,
        "input_format": roll.dialect.format,
        "rows": len(roll),
        "election": settings.as_dict(),
        "columns_mapped": mapped,
        "extra_columns": extras,
        "rules_skipped": result.skipped,
        "notes": roll.notes,
        "blank_rows": len(roll.blank_rows),
        "findings": len(result.findings),
        "by_severity": result.severity_counts(),
        "by_rule": result.counts(),
        "rows_with_errors": int(result.findings.loc[result.findings["severity"] == "error", "row_number"].nunique()),
        "seconds": round(seconds if seconds is not None else result.seconds, 3),
    }


def write_outputs(result: Validation, settings: Settings, out_dir: str | Path, fmt: str,
                  seconds: float | None = None) -> dict[str, Path]:
    """Write ``findings.<fmt>`` and ``summary.json`` together: both or neither (the summary last)."""
    out = Path(out_dir)
    targets = {"findings": out / f"findings.{fmt}", "summary": out / "summary.json"}
    stale = [out / f"findings.{ext}" for ext in ("csv", "parquet", "json")]
    with atomic_paths(list(targets.values()), inputs=[result.roll.path], stale=stale) as (tmp_findings, tmp_summary):
        write_frame(result.findings, tmp_findings, fmt)
        write_json(summary(result, settings, seconds), tmp_summary, atomic=False)
    return targets


def validate_path(path: str | Path, settings: Settings, progress: Progress | None = None) -> Validation:
    """Load and validate one file (the library face of ``dpt validate``). ``progress(step, units)`` is called as
    work completes: ``STEPS`` units in all (loading counts as one unit per rule)."""
    warm_up()  # the Kemendagri reference, built beside the normalisation (the parse is mostly done ahead)
    roll = load_roll(path, column_map=settings.column_map, hash_later=True, required_headers=settings.required_headers)
    if progress is not None:
        progress("load", len(RULES))
    return validate_roll(roll, settings, progress)


#: Units of work reported through ``progress``: loading (weighted like all rules together), then each rule.
STEPS = 2 * len(RULES)
