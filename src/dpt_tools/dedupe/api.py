"""``dpt dedupe`` as a library: records → candidate pairs → comparisons → scores → groups → outputs.

:func:`find_duplicates` works on loaded rolls (``dpt clean`` calls it), :func:`dedupe_paths` loads files first,
:func:`write_dedupe_outputs` writes the four output files. NIKs are unmasked in :class:`DedupeResult`; every writer
and the terminal mask them (digits 7–12) unless ``settings.mask`` is False (``--no-mask``, files only).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import __version__
from ..config import Settings
from ..errors import InputError
from ..fsnames import arrow_path, shown
from ..load import Roll, check_map_headers, input_kind, load_roll
from ..nik import mask_id
from ..output import atomic_paths, write_frame, write_json
from . import compare as C
from .blocking import candidate_pairs
from .group import build_groups, choose_keep
from .reasons import build_reasons
from .records import Records, build_records, read_frequencies
from .score import (
    CERTAIN,
    DEFAULT_THRESHOLD,
    LIKELY,
    MATCH_TYPES,
    NIK_GROUPS,
    POSSIBLE,
    Model,
    Scored,
    confidence,
    estimate,
    estimate_name_u,
    evidence,
    match_type,
    nik_conflict,
    score_pairs,
    weigh,
)

PAIR_COLUMNS = ("source_a", "row_a", "source_b", "row_b", "score", "confidence", "match_type", "reasons")
GROUP_COLUMNS = ("group_id", "source", "row_number", "nik", "nama", "tanggal_lahir", "kelurahan", "tps", "keep")
CONFLICT_COLUMNS = ("nik", "source_a", "row_a", "source_b", "row_b", "reasons")
CONFIDENCES = (CERTAIN, LIKELY, POSSIBLE)
OUTPUT_FILES = ("duplicate_pairs", "duplicate_groups", "nik_conflicts")


@dataclass
class DedupeResult:
    """What ``dpt dedupe`` found. ``groups.nik`` and ``conflicts.nik`` are unmasked; writers mask."""

    pairs: pd.DataFrame  # PAIR_COLUMNS, strongest first
    groups: pd.DataFrame  # GROUP_COLUMNS, by group_id then file order
    conflicts: pd.DataFrame  # CONFLICT_COLUMNS
    stats: dict[str, Any] = field(default_factory=dict)

    def has_duplicates(self) -> bool:
        """True when a certain or likely duplicate exists (the CLI's exit code 1)."""
        return bool(len(self.groups)) or bool(self.pairs["confidence"].isin([CERTAIN, LIKELY]).any())


def _take_scored(sc: Scored, sel: np.ndarray) -> Scored:
    return Scored(**{k: v[sel] for k, v in sc.__dict__.items()})


def _field_values(rolls: list[Roll], rec: Records, idx: np.ndarray, fld: str) -> pa.Array:
    """Canonical values of ``fld`` for records ``idx`` (taken roll by roll, in the order of idx)."""
    out = np.empty(len(idx), dtype=object)
    # records are the rolls' rows one roll after another: a record's position in its roll is its index minus the
    # roll's start (not its row number minus one: empty lines are counted in row numbers but have no record)
    starts = np.cumsum([0, *(len(roll) for roll in rolls)])
    for k, roll in enumerate(rolls):
        sel = np.flatnonzero(rec.src[idx] == k)
        if len(sel) == 0:
            continue
        rows = idx[sel] - starts[k]
        col = roll.columns[fld]
        out[sel] = pc.fill_null(col.take(pa.array(rows)), "").to_numpy(zero_copy_only=False)
    return pa.array(out, type=pa.string())


def _sources(rec: Records, idx: np.ndarray) -> np.ndarray:
    return np.asarray(rec.sources, dtype=object)[rec.src[idx]] if len(idx) else np.zeros(0, dtype=object)


def _check_threshold(threshold: float | None) -> float:
    thr = DEFAULT_THRESHOLD if threshold is None else float(threshold)
    if not 0.0 < thr < 1.0:
        raise InputError(f"--threshold must be a probability between 0 and 1 (exclusive), not {threshold}")
    return thr


def find_duplicates(rolls: list[Roll], settings: Settings, *, threshold: float | None = None,
                    frequencies: pd.DataFrame | None = None) -> DedupeResult:
    """Search one or more loaded rolls together for persons registered more than once.

    ``threshold`` is the score from which a pair is ``likely`` (and grouped); default 0.9. ``frequencies`` is a
    table with columns ``name`` (folded) and ``frequency`` (share of voters) from a larger roll; names found there
    take their frequency from it.
    """
    if not rolls:
        raise InputError("dedupe needs at least one roll")
    thr = _check_threshold(threshold)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    freq = read_frequencies(frequencies) if frequencies is not None else None
    rec = build_records(rolls, np.datetime64(settings.election_day), freq)
    t1 = time.perf_counter()
    timings["prepare"] = t1 - t0
    cand = candidate_pairs(rec)
    t2 = time.perf_counter()
    timings["blocking"] = t2 - t1
    cmp = C.compare(rec, cand.a, cand.b)
    t3 = time.perf_counter()
    timings["compare"] = t3 - t2
    model = Model()
    name_u = estimate_name_u(rec, model)
    ev = evidence(rec, cmp, model, name_u)
    model = estimate(rec, cmp, ev, model)
    sc = weigh(rec, cmp, ev, model)
    del ev
    conflict = nik_conflict(cmp)
    conf = confidence(sc.score, thr)
    link = (sc.score >= thr) & ~sc.capped & ~conflict
    t4 = time.perf_counter()
    timings["score"] = t4 - t3

    def score_fn(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c2 = C.compare(rec, a, b)
        s2 = score_pairs(rec, c2, model, name_u)
        return s2.score, (s2.score >= thr) & ~s2.capped & ~nik_conflict(c2)

    label, gstats = build_groups(rec.n, cand.a, cand.b, sc.score, link, score_fn)
    keep = choose_keep(label, rec.complete, rec.src, rec.row)
    t5 = time.perf_counter()
    timings["group"] = t5 - t4

    pairs = _pairs_frame(rec, cmp, sc, conf, conflict, settings.lang)
    groups = _groups_frame(rolls, rec, label, keep)
    conflicts = _conflicts_frame(rolls, rec, cmp, sc, conflict, settings.lang)
    t6 = time.perf_counter()
    timings["outputs"] = t6 - t5
    timings["total"] = t6 - t0
    stats = _stats(rolls, rec, cand, pairs, groups, conflicts, thr, model, name_u, freq, gstats, timings)
    return DedupeResult(pairs=pairs, groups=groups, conflicts=conflicts, stats=stats)


def _pairs_frame(rec: Records, cmp: C.Comparison, sc: Scored, conf: np.ndarray, conflict: np.ndarray,
                 lang: str) -> pd.DataFrame:
    sel = np.flatnonzero((conf != "") & ~conflict)
    sub, ssub = cmp.take(sel), _take_scored(sc, sel)
    score = np.round(ssub.score, 4)
    a, b = sub.a, sub.b
    o = np.lexsort((b, a, -score))
    a, b, sub_o = a[o], b[o], sub.take(o)
    ssub = _take_scored(ssub, o)
    reasons = build_reasons(rec, sub_o, ssub, np.zeros(len(o), dtype=bool), lang)
    return pd.DataFrame({
        "source_a": pd.Series(_sources(rec, a), dtype="str"),
        "row_a": rec.row[a],
        "source_b": pd.Series(_sources(rec, b), dtype="str"),
        "row_b": rec.row[b],
        "score": score[o],
        "confidence": pd.Series(conf[sel][o], dtype="str"),
        "match_type": pd.Series(match_type(sub_o), dtype="str"),
        "reasons": pd.Series(reasons.to_numpy(zero_copy_only=False), dtype="str"),
    })


def _groups_frame(rolls: list[Roll], rec: Records, label: np.ndarray, keep: np.ndarray) -> pd.DataFrame:
    members = np.flatnonzero(label >= 0)
    if len(members):
        o = np.lexsort((members, label[members]))
        m, lab = members[o], label[members][o]
        start = np.r_[True, lab[1:] != lab[:-1]]
        first = m[start]  # smallest record index of each group (members sorted by index within a label)
        gorder = np.argsort(first, kind="stable")
        gid_of_run = np.empty(len(first), dtype=np.int64)
        gid_of_run[gorder] = np.arange(1, len(first) + 1)
        gid = gid_of_run[np.cumsum(start) - 1]
        o2 = np.lexsort((m, gid))
        m, gid = m[o2], gid[o2]
    else:
        m, gid = members, np.zeros(0, dtype=np.int64)
    data: dict[str, Any] = {
        "group_id": gid.astype(np.int64),
        "source": pd.Series(_sources(rec, m), dtype="str"),
        "row_number": rec.row[m],
    }
    for fld in ("nik", "nama", "tanggal_lahir", "kelurahan", "tps"):
        data[fld] = pd.Series(_field_values(rolls, rec, m, fld).to_numpy(zero_copy_only=False), dtype="str")
    data["keep"] = keep[m]
    return pd.DataFrame(data)[list(GROUP_COLUMNS)]


def _conflicts_frame(rolls: list[Roll], rec: Records, cmp: C.Comparison, sc: Scored, conflict: np.ndarray,
                     lang: str) -> pd.DataFrame:
    sel = np.flatnonzero(conflict)
    sub = cmp.take(sel)
    o = np.lexsort((sub.b, sub.a))
    sub = sub.take(o)
    reasons = build_reasons(rec, sub, _take_scored(sc, sel[o]), np.ones(len(o), dtype=bool), lang)
    return pd.DataFrame({
        "nik": pd.Series(_field_values(rolls, rec, sub.a, "nik").to_numpy(zero_copy_only=False), dtype="str"),
        "source_a": pd.Series(_sources(rec, sub.a), dtype="str"),
        "row_a": rec.row[sub.a],
        "source_b": pd.Series(_sources(rec, sub.b), dtype="str"),
        "row_b": rec.row[sub.b],
        "reasons": pd.Series(reasons.to_numpy(zero_copy_only=False), dtype="str"),
    })[list(CONFLICT_COLUMNS)]


def _stats(rolls: list[Roll], rec: Records, cand: Any, pairs: pd.DataFrame, groups: pd.DataFrame,
           conflicts: pd.DataFrame, thr: float, model: Model, name_u: dict[int, float], freq: pd.Series | None,
           gstats: dict[str, int], timings: dict[str, float]) -> dict[str, Any]:
    by_conf = {c: int((pairs["confidence"] == c).sum()) for c in CONFIDENCES}
    by_type = {mt: {c: int(((pairs["match_type"] == mt) & (pairs["confidence"] == c)).sum()) for c in CONFIDENCES}
               for mt in MATCH_TYPES}
    sizes = groups.groupby("group_id").size() if len(groups) else pd.Series([], dtype="int64")
    return {
        "rows": rec.n,
        "inputs": [{"source": r.source, "path": shown(r.path), "rows": len(r), "sha256": r.sha256} for r in rolls],
        "threshold": thr,
        "pairs_compared": len(cand.a),
        "pairs_reported": len(pairs),
        "pairs_by_confidence": by_conf,
        "pairs_by_match_type": by_type,
        "groups": len(sizes),
        "records_in_groups": len(groups),
        "largest_group": int(sizes.max()) if len(sizes) else 0,
        "group_sizes": {str(int(k)): int(v) for k, v in sizes.value_counts().sort_index().items()},
        "nik_conflicts": len(conflicts),
        "blocking": [s.as_dict() for s in cand.stats],
        "grouping": gstats,
        "model": {
            "dup_rate_estimated": round(model.dup_rate, 6),
            "m": {f: {lv_names[k]: round(v, 4) for k, v in sorted(getattr(model, f).items())}
                  for f, lv_names in (("nik_m", C.NIK_LEVELS), ("name_m", C.NAME_LEVELS), ("dob_m", C.DOB_LEVELS))},
            "name_m_by_nik": {NIK_GROUPS[g]: {C.NAME_LEVELS[k]: round(v, 4) for k, v in sorted(m.items())}
                              for g, m in sorted(model.name_m_by_nik.items())},
            "name_u": {C.NAME_LEVELS[k]: float(f"{v:.3g}") for k, v in sorted(name_u.items())},
            "name_frequencies": "roll" if freq is None else f"table ({len(freq)} names; "
                                                             f"{int(rec.names.from_table.sum())} matched)",
        },
        "seconds": round(timings["total"], 3),
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }


def load_frequencies(path: str | Path) -> pd.DataFrame:
    """Read a ``--frequencies`` table (CSV or Parquet with columns name, frequency)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: frequency table not found")
    try:
        if input_kind(p) == "parquet":
            return pd.read_parquet(pa.OSFile(arrow_path(p)))
        return pd.read_csv(p, dtype=str, keep_default_na=False, sep=None, engine="python")
    except Exception as exc:  # any parse failure is a user's input problem
        raise InputError(f"{path}: cannot read the frequency table ({str(exc).splitlines()[0]})") from exc


def dedupe_paths(paths: list[str] | list[Path], settings: Settings, **kw: Any) -> DedupeResult:
    """Load the rolls (in the given order; ``source`` = file name) and run :func:`find_duplicates`.

    A ``--map`` header (``settings.required_headers``) must be a header of at least one of the rolls
    (:func:`~dpt_tools.load.check_map_headers`): rolls of different exports may name a column differently."""
    if not paths:
        raise InputError("dedupe needs at least one roll")
    rolls = []
    seen: dict[str, str] = {}
    for p in paths:
        roll = load_roll(p, column_map=settings.column_map, required_headers=settings.required_headers,
                         each_file=len(paths) == 1)
        if roll.source in seen:
            raise InputError(f"{p}: two inputs share the file name {roll.source!r} "
                             f"(records are identified by file name; rename one)")
        seen[roll.source] = str(p)
        rolls.append(roll)
        pa.default_memory_pool().release_unused()  # the parser's scratch space goes back to the OS
    check_map_headers({r.source: r.header for r in rolls}, settings.required_headers)
    if isinstance(kw.get("frequencies"), str | Path):
        kw["frequencies"] = load_frequencies(kw["frequencies"])
    return find_duplicates(rolls, settings, **kw)


def masked(frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """A copy with the nik column masked (digits 7–12) unless settings.mask is False."""
    if not settings.mask or "nik" not in frame.columns or not len(frame):
        return frame
    out = frame.copy()
    out["nik"] = pd.Series(mask_id(pa.array(frame["nik"].astype(object), type=pa.string()))
                           .to_numpy(zero_copy_only=False), dtype="str", index=frame.index)
    return out


def summary(result: DedupeResult, settings: Settings) -> dict[str, Any]:
    return {"tool": "dpt-tools", "version": __version__, "command": "dedupe", "election": settings.as_dict(),
            **result.stats}


def write_dedupe_outputs(result: DedupeResult, settings: Settings, out_dir: str | Path, fmt: str,
                         inputs: list[str | Path] | None = None) -> dict[str, Path]:
    """Write duplicate_pairs, duplicate_groups, nik_conflicts (``fmt``: csv or parquet) and summary.json into
    ``out_dir`` as one set (summary last; never over an input). NIKs are masked unless ``settings.mask`` is False."""
    if fmt not in ("csv", "parquet", "json"):
        raise InputError(f"unknown output format {fmt!r} (csv, parquet)")
    out = Path(out_dir)
    frames = {
        "duplicate_pairs": result.pairs,
        "duplicate_groups": masked(result.groups, settings),
        "nik_conflicts": masked(result.conflicts, settings),
    }
    paths = {name: out / f"{name}.{fmt}" for name in frames} | {"summary": out / "summary.json"}
    stale = [out / f"{name}.{ext}" for name in frames for ext in ("csv", "parquet", "json")]
    with atomic_paths(list(paths.values()), inputs=inputs or [], stale=stale) as temps:
        for frame, tmp in zip(frames.values(), temps, strict=False):
            write_frame(frame, tmp, fmt)
        write_json(summary(result, settings), temps[-1], atomic=False)
    return paths


def strongest_groups(result: DedupeResult, k: int = 10) -> list[dict[str, Any]]:
    """The k strongest groups (mean score of their reported pairs, then size) with masked NIKs, for the terminal."""
    g = result.groups
    if not len(g):
        return []
    key_a = result.pairs["source_a"].astype(str) + "\x00" + result.pairs["row_a"].astype(str)
    key_b = result.pairs["source_b"].astype(str) + "\x00" + result.pairs["row_b"].astype(str)
    gkey = g["source"].astype(str) + "\x00" + g["row_number"].astype(str)
    gid_of = pd.Series(g["group_id"].to_numpy(), index=gkey.to_numpy())
    ga = key_a.map(gid_of)
    gb = key_b.map(gid_of)
    inside = ga.notna() & (ga == gb)
    strength = result.pairs.loc[inside, "score"].groupby(ga[inside].astype("int64")).mean()
    size = g.groupby("group_id").size()
    top = pd.DataFrame({"strength": strength.reindex(size.index).fillna(0.0), "size": size})
    top = top.sort_values(["strength", "size"], ascending=[False, False], kind="stable").head(k)
    shown = g[g["group_id"].isin(top.index)]
    nik = mask_id(pa.array(shown["nik"].astype(object), type=pa.string())).to_numpy(zero_copy_only=False)
    shown = shown.assign(nik=nik)
    out = []
    for gid_, row in top.iterrows():  # ten groups at most
        rows = shown[shown["group_id"] == gid_]
        out.append({"group_id": int(gid_), "score": float(row["strength"]), "size": int(row["size"]),
                    "records": rows[["source", "row_number", "nik", "nama", "tanggal_lahir", "keep"]]
                    .to_dict("records")})
    return out
