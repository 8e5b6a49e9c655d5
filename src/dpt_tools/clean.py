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
from .load import Roll, load_roll
from .names import split_titles
from .nik import mask_id
from .output import atomic_paths, file_sha256, write_frame, write_json
from .rules.catalog import RULES_BY_CODE
from .schema import check_clean_frame
from .validate import Validation, validate_roll

#: Column order of ``clean``: row_number, the canonical fields with ``gelar`` after ``nama``, then unknown columns.
CLEAN_COLUMNS = ("row_number", *FIELDS[:3], "gelar", *FIELDS[3:])
REJECTED_LEAD = ("row_number", "reasons", "duplicate_of")
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


def row_error_codes(findings: pd.DataFrame) -> pd.Series:
    """Per row_number: the row-level error codes (sorted, ``;``-joined) — the defects of the record itself."""
    row_errors = {c for c, r in RULES_BY_CODE.items() if r.scope == "row" and r.severity == "error"}
    f = findings[findings["rule"].isin(row_errors)]
    if f.empty:
        return pd.Series(dtype="str")
    return f.drop_duplicates(["row_number", "rule"]).sort_values(["row_number", "rule"]).groupby(
        "row_number")["rule"].agg(";".join)


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
    for col in roll.extras:
        out[col] = frame[col].to_numpy()
    return out


def _pick_keepers(groups: pd.DataFrame, invalid: set[int], completeness: pd.Series) -> pd.DataFrame:
    """Per duplicate group, the row to keep: dedupe's choice if it is a valid record, else the most complete valid
    record (then the latest in the file). A group with no valid record keeps nothing valid: every member goes to
    rejected with its own reasons."""
    g = groups[["group_id", "row_number", "keep"]].copy()
    g["valid"] = ~g["row_number"].isin(invalid)
    g["complete"] = g["row_number"].map(completeness).fillna(0).astype(int)
    g = g.sort_values(["group_id", "valid", "keep", "complete", "row_number"],
                      ascending=[True, False, False, False, False], kind="stable")
    g["keeper"] = g.groupby("group_id")["row_number"].transform("first")
    return g


def clean_roll(roll: Roll, settings: Settings, *, keep_invalid: bool = False, dedupe: bool = True) -> CleanResult:
    """Validate, de-duplicate and split a roll into clean and rejected rows (nothing else is dropped)."""
    start = time.perf_counter()
    validation = validate_roll(roll, settings)
    findings = validation.findings
    n = len(roll)
    rows = roll.frame["row_number"].to_numpy()
    errors = row_error_codes(findings)
    reasons: dict[int, list[str]] = {}
    duplicate_of: dict[int, int] = {}
    if not keep_invalid:
        for r, codes in errors.items():
            reasons.setdefault(int(r), []).extend(codes.split(";"))
    groups = None
    stats: dict[str, Any] = {}
    if dedupe:
        from .dedupe import find_duplicates

        result = find_duplicates([roll], settings)
        stats = result.stats
        groups = result.groups
        for a, b in zip(result.conflicts["row_a"], result.conflicts["row_b"], strict=True):
            for r in (int(a), int(b)):
                if NIK_CONFLICT not in reasons.get(r, []):
                    reasons.setdefault(r, []).append(NIK_CONFLICT)
        if groups is not None and not groups.empty:
            completeness = pd.Series(roll.frame[list(FIELDS)].notna().sum(axis=1).to_numpy(), index=rows)
            invalid = set(errors.index.astype(int)) if not keep_invalid else set()
            invalid |= {r for r, why in reasons.items() if NIK_CONFLICT in why}
            picked = _pick_keepers(groups, invalid, completeness)
            for r, keeper in zip(picked["row_number"], picked["keeper"], strict=True):
                if int(r) != int(keeper):
                    reasons.setdefault(int(r), []).append(DUPLICATE)
                    duplicate_of[int(r)] = int(keeper)
            groups = groups.merge(picked[["group_id", "row_number", "keeper"]], on=["group_id", "row_number"])
            groups["keep"] = groups["row_number"] == groups["keeper"]
            groups = groups.drop(columns="keeper")
    canon = canonical_frame(roll)
    out_mask = np.isin(canon["row_number"].to_numpy(), np.fromiter(reasons.keys(), dtype=np.int64,
                                                                    count=len(reasons)))
    clean = canon.loc[~out_mask].reset_index(drop=True)
    if keep_invalid:
        codes = all_finding_codes(findings[findings["severity"] == "error"])
        clean.insert(len(CLEAN_COLUMNS), "findings",
                     clean["row_number"].map(codes).fillna("").astype("str").to_numpy())
    rej = canon.loc[out_mask].reset_index(drop=True)
    rej_reasons = rej["row_number"].map(lambda r: ";".join(sorted(set(reasons[int(r)]))))
    rej_dup = rej["row_number"].map(duplicate_of).astype("Int64")
    rej.insert(1, "reasons", rej_reasons.astype("str").to_numpy())
    rej.insert(2, "duplicate_of", rej_dup.to_numpy())
    if len(clean) + len(rej) != n:
        raise IntegrityError(f"row count not conserved: {n} input rows != {len(clean)} clean + {len(rej)} rejected; "
                             "nothing was written")
    if not keep_invalid:
        check_clean_frame(clean)
    counts: dict[str, int] = {}
    for why in reasons.values():
        for code in set(why):
            counts[code] = counts.get(code, 0) + 1
    return CleanResult(clean=clean, rejected=rej, validation=validation, groups=groups,
                       reasons=dict(sorted(counts.items())), input_rows=n, settings=settings, dedupe_stats=stats,
                       seconds=time.perf_counter() - start)


def manifest(result: CleanResult, files: dict[str, tuple[Path, int]], seconds: float) -> dict[str, Any]:
    roll = result.validation.roll
    return {
        "tool": "dpt-tools",
        "version": __version__,
        "command": "clean",
        "election": result.settings.as_dict(),
        "input": {"path": roll.path, "sha256": roll.sha256, "rows": result.input_rows},
        "outputs": {name: {"file": path.name, "sha256": file_sha256(path), "rows": rows}
                    for name, (path, rows) in files.items()},
        "rows": {"input": result.input_rows, "clean": len(result.clean), "rejected": len(result.rejected)},
        "rejected_by_reason": result.reasons,
        "run": {"seconds": round(seconds, 3)},
    }


def write_clean_outputs(result: CleanResult, out_dir: str | Path, fmt: str, seconds: float | None = None,
                        *, _fail_before_rename: bool = False) -> dict[str, Path]:
    """Write clean, rejected, findings, duplicate_groups and manifest.json — all or nothing.

    Every file is first written completely under a temporary name in ``out_dir``; only when all of them exist are
    they renamed into place (manifest last). A failure before that point leaves the previous outputs untouched.
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
    with atomic_paths(targets, inputs=[result.validation.roll.path]) as staged:
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
    roll = load_roll(path, column_map=settings.column_map)
    return clean_roll(roll, settings, **kw)
