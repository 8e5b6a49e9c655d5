"""``dpt clean`` as a library: the roll in canonical form, every row that cannot stay set aside with its reason,
and proof that nothing went missing.

A row leaves the clean roll for exactly these reasons (codes in ``rejected.reasons``, joined by ``;``):

* a row-level ``error`` finding of ``dpt validate`` (a defect of the record itself: bad NIK, no name, invalid birth
  date, under age, malformed line …) — unless ``keep_invalid``, which keeps the row and lists its codes in a
  ``findings`` column;
* ``duplicate``: another record of the same person (a ``certain``/``likely`` group of ``dpt dedupe``) is kept;
  ``duplicate_of`` names the kept row;
* ``nik_conflict``: two different persons share one NIK — both rows go to manual review.

Group-level findings (``tps_over_capacity``, ``family_split_tps``, ``nik_duplicate``) never remove a voter.
``input rows == clean rows + rejected rows`` is checked before anything is written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import __version__
from .config import Settings
from .errors import IntegrityError
from .fields import FIELDS
from .fsnames import shown
from .load import Roll, load_roll
from .names import split_titles
from .nik import mask_id
from .output import atomic_paths, file_sha256, write_frame, write_json
from .rules.base import join_groups
from .rules.catalog import RULES_BY_CODE
from .schema import check_clean_frame
from .validate import Validation, validate_roll

#: Column order of ``clean``: row_number, the canonical fields with ``gelar`` after ``nama``, then unknown columns.
CLEAN_COLUMNS = ("row_number", *FIELDS[:3], "gelar", *FIELDS[3:])
DUPLICATE = "duplicate"
NIK_CONFLICT = "nik_conflict"


@dataclass
class CleanResult:
    clean: pd.DataFrame
    rejected: pd.DataFrame
    validation: Validation
    groups: pd.DataFrame | None
    reasons: dict[str, int]
    input_rows: int
    settings: Settings
    dedupe_stats: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def all_finding_codes(findings: pd.DataFrame) -> pd.Series:
    if findings.empty:
        return pd.Series(dtype="str")
    return findings.drop_duplicates(["row_number", "rule"]).sort_values(["row_number", "rule"]).groupby(
        "row_number")["rule"].agg(";".join)


def canonical_frame(roll: Roll) -> pd.DataFrame:
    """The roll in canonical form: titles moved from ``nama`` to ``gelar``, unknown columns after the fields."""
    frame = roll.frame
    name, gelar = split_titles(frame["nama"])
    out = pd.DataFrame({"row_number": frame["row_number"].to_numpy()})
    for col in CLEAN_COLUMNS[1:]:
        if col == "nama":
            out[col] = pd.Series(name.to_numpy(dtype=object), dtype="str").where(frame["nama"].notna().to_numpy())
        elif col == "gelar":
            out[col] = pd.Series(gelar.to_numpy(dtype=object), dtype="str").replace("", pd.NA)
        else:
            out[col] = frame[col].to_numpy()
            out[col] = out[col].astype("str")
    taken = {*CLEAN_COLUMNS, "reasons", "duplicate_of", "findings"}
    for col in roll.extras:
        name = col
        while name in taken:  # an input column named like one of ours keeps its data under another name
            name = f"{name}_input"
        taken.add(name)
        out[name] = frame[col].to_numpy()
    return out


def _pick_keepers(groups: pd.DataFrame, invalid: np.ndarray, completeness: pd.Series) -> pd.DataFrame:
    """Per duplicate group, the row to keep: dedupe's choice if it is a valid record, else the most complete valid
    record (then the latest in the file). A group without a valid record keeps nobody (``keeper`` = -1): every
    member goes to rejected with its own reasons only."""
    g = groups[["group_id", "row_number", "keep"]].copy()
    g["valid"] = ~g["row_number"].isin(invalid)
    g["complete"] = g["row_number"].map(completeness).fillna(0).astype(int)
    g = g.sort_values(["group_id", "valid", "keep", "complete", "row_number"],
                      ascending=[True, False, False, False, False], kind="stable")
    first = g.groupby("group_id")
    g["keeper"] = np.where(first["valid"].transform("first"), first["row_number"].transform("first"), -1)
    return g


def _reason_table(errors: pd.DataFrame, extra: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per rejected row: ``reasons`` (sorted codes joined by ";") and ``duplicate_of``."""
    long = pd.concat([errors[["row_number", "reason"]], *extra], ignore_index=True)
    if long.empty:
        return pd.DataFrame({"row_number": pd.Series([], dtype="int64"), "reasons": pd.Series([], dtype="str"),
                             "duplicate_of": pd.Series([], dtype="Int64")})
    long = long.drop_duplicates(["row_number", "reason"]).sort_values(["row_number", "reason"], kind="stable")
    ids, joined = join_groups(long["row_number"].to_numpy(), long["reason"].to_numpy(), ";")
    table = pd.DataFrame({"row_number": ids.astype(np.int64), "reasons": joined.to_pandas()})
    dup = long.dropna(subset=["duplicate_of"]) if "duplicate_of" in long else long.iloc[:0]
    table["duplicate_of"] = table["row_number"].map(
        dup.set_index("row_number")["duplicate_of"] if len(dup) else pd.Series(dtype="Int64")).astype("Int64")
    return table


def clean_roll(roll: Roll, settings: Settings, *, keep_invalid: bool = False, dedupe: bool = True) -> CleanResult:
    """Validate, de-duplicate and split a roll into clean and rejected rows (nothing else is dropped)."""
    start = time.perf_counter()
    validation = validate_roll(roll, settings)
    findings = validation.findings
    n = len(roll)
    rows = roll.frame["row_number"].to_numpy()
    row_errors = {c for c, r in RULES_BY_CODE.items() if r.scope == "row" and r.severity == "error"}
    errors = findings.loc[findings["rule"].isin(row_errors), ["row_number", "rule"]].rename(
        columns={"rule": "reason"})
    invalid = errors["row_number"].unique()
    if keep_invalid:
        errors, invalid = errors.iloc[:0], np.array([], dtype=np.int64)
    extra: list[pd.DataFrame] = []
    groups = None
    stats: dict[str, Any] = {}
    if dedupe:
        from .dedupe import find_duplicates

        result = find_duplicates([roll], settings)
        stats = result.stats
        groups = result.groups
        conflict_rows = np.unique(np.r_[result.conflicts["row_a"].to_numpy(dtype=np.int64),
                                        result.conflicts["row_b"].to_numpy(dtype=np.int64)])
        extra.append(pd.DataFrame({"row_number": conflict_rows, "reason": NIK_CONFLICT}))
        if groups is not None and not groups.empty:
            completeness = pd.Series(roll.frame[list(FIELDS)].notna().sum(axis=1).to_numpy(), index=rows)
            picked = _pick_keepers(groups, np.r_[invalid, conflict_rows], completeness)
            dups = picked[(picked["keeper"] >= 0) & (picked["row_number"] != picked["keeper"])]
            extra.append(pd.DataFrame({"row_number": dups["row_number"].to_numpy(dtype=np.int64),
                                       "reason": DUPLICATE,
                                       "duplicate_of": pd.array(dups["keeper"].to_numpy(), dtype="Int64")}))
            groups = groups.merge(picked[["group_id", "row_number", "keeper"]], on=["group_id", "row_number"])
            groups["keep"] = groups["row_number"] == groups["keeper"]
            groups = groups.drop(columns="keeper")
    reasons = _reason_table(errors, extra)
    canon = canonical_frame(roll)
    out_mask = canon["row_number"].isin(reasons["row_number"]).to_numpy()
    clean = canon.loc[~out_mask].reset_index(drop=True)
    if keep_invalid:
        codes = all_finding_codes(findings[findings["rule"].isin(row_errors)])
        clean.insert(len(CLEAN_COLUMNS), "findings",
                     clean["row_number"].map(codes).astype("str").fillna("").to_numpy())
    rej = canon.loc[out_mask].reset_index(drop=True)
    rej = rej.merge(reasons, on="row_number", how="left", validate="one_to_one")
    rej = rej[["row_number", "reasons", "duplicate_of", *[c for c in canon.columns if c != "row_number"]]]
    _check_conservation(roll, clean, rej)
    if not keep_invalid:
        check_clean_frame(clean, roll.fields_present)
    counts = reasons["reasons"].str.split(";").explode().value_counts()
    return CleanResult(clean=clean, rejected=rej, validation=validation, groups=groups,
                       reasons={str(k): int(v) for k, v in counts.sort_index().items()}, input_rows=n,
                       settings=settings, dedupe_stats=stats, seconds=time.perf_counter() - start)


def _check_conservation(roll: Roll, clean: pd.DataFrame, rejected: pd.DataFrame) -> None:
    """Every data row of the file is in exactly one of clean, rejected or the empty lines — checked against the
    loader's own numbering (rows 1..N, no gaps), so a row lost anywhere stops the run before anything is written."""
    kept = clean["row_number"].to_numpy(dtype=np.int64)
    out = rejected["row_number"].to_numpy(dtype=np.int64)
    blank = np.asarray(roll.blank_rows, dtype=np.int64)
    every = np.concatenate([kept, out, blank])
    last = int(max(roll.frame["row_number"].max(), blank.max(initial=0)))
    if len(every) != last or len(np.unique(every)) != last or (len(every) and every.min() != 1):
        raise IntegrityError(
            f"row count not conserved: {last} data rows in the file != {len(kept)} clean + {len(out)} rejected + "
            f"{len(blank)} empty lines; nothing was written")
    if len(kept) + len(out) != len(roll):
        raise IntegrityError(f"row count not conserved: {len(roll)} input rows != {len(kept)} clean + "
                             f"{len(out)} rejected; nothing was written")


def manifest(result: CleanResult, files: dict[str, tuple[Path, int]], seconds: float) -> dict[str, Any]:
    roll = result.validation.roll
    return {
        "tool": "dpt-tools",
        "version": __version__,
        "command": "clean",
        "election": result.settings.as_dict(),
        "input": {"path": shown(roll.path), "sha256": roll.sha256, "rows": result.input_rows},
        "outputs": {name: {"file": path.name, "sha256": file_sha256(path), "rows": rows}
                    for name, (path, rows) in files.items()},
        "rows": {"input": result.input_rows, "clean": len(result.clean), "rejected": len(result.rejected),
                 "empty_lines": len(roll.blank_rows)},
        "rejected_by_reason": result.reasons,
        "run": {"seconds": round(seconds, 3)},
    }


def write_clean_outputs(result: CleanResult, out_dir: str | Path, fmt: str, seconds: float | None = None,
                        *, _fail_before_rename: bool = False) -> dict[str, Path]:
    """Write clean, rejected, findings, duplicate_groups and manifest.json — all or nothing.

    Every file is first written completely under a temporary name in ``out_dir``; only when all of them exist are
    they renamed into place. ``manifest.json`` is the commit marker: the old one is removed before the first rename
    and the new one renamed last, so a run killed during the renames leaves no manifest (no complete set) rather
    than a manifest describing other files. Outputs of an earlier run that this run does not produce (another
    format, ``duplicate_groups`` after ``--no-dedupe``) are removed. A failure before the renames leaves the
    previous outputs untouched.
    """
    out = Path(out_dir)
    settings = result.settings
    findings = result.validation.findings
    tables: dict[str, tuple[pd.DataFrame, str]] = {
        "clean": (result.clean, f"clean.{fmt}"),
        "rejected": (result.rejected, f"rejected.{fmt}"),
        "findings": (findings, f"findings.{fmt}"),
    }
    if result.groups is not None:
        groups = result.groups.copy()
        if settings.mask and "nik" in groups:
            groups["nik"] = mask_id(groups["nik"]).to_pandas()
        tables["duplicate_groups"] = (groups, f"duplicate_groups.{fmt}")
    targets = [out / name for _, name in tables.values()] + [out / "manifest.json"]
    stale = [out / f"{key}.{ext}" for key in ("clean", "rejected", "findings", "duplicate_groups")
             for ext in ("csv", "parquet")]
    with atomic_paths(targets, inputs=[result.validation.roll.path], stale=stale) as staged:
        files: dict[str, tuple[Path, int]] = {}
        for (key, (frame, _name)), tmp in zip(tables.items(), staged, strict=False):
            write_frame(frame, tmp, fmt)
            files[key] = (tmp, len(frame))
        data = manifest(result, files, seconds if seconds is not None else result.seconds)
        for key, (_frame, fname) in tables.items():
            data["outputs"][key]["file"] = fname  # the name it will have, not the temporary one
        write_json(data, staged[-1], atomic=False)
        if _fail_before_rename:
            raise IntegrityError("simulated failure before rename")
    return {key: out / fname for key, (_f, fname) in tables.items()} | {"manifest": out / "manifest.json"}


def clean_path(path: str | Path, settings: Settings, **kw: Any) -> CleanResult:
    roll = load_roll(path, column_map=settings.column_map, required_headers=settings.required_headers)
    return clean_roll(roll, settings, **kw)
