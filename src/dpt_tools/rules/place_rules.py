"""Rules on where a voter votes: TPS number, TPS capacity, families kept in one TPS, Kemendagri region names.

TPS and family rules are group rules: they group by explicit keys (kabupaten, kecamatan, kelurahan, TPS, NKK), so
a roll partitioned by kelurahan gives the same findings partition by partition.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from ..nik import mask_ids_in_text
from ..regions import load_regions, name_key
from .base import Context, Hits, combine_codes, join_groups, mixed

PLACE_FIELDS = ("kabupaten_kota", "kecamatan", "kelurahan")


def _place_keys(ctx: Context) -> list[str]:
    return [f for f in PLACE_FIELDS if ctx.roll.has(f)]


def tps_missing(ctx: Context) -> Hits:
    """No TPS number: empty, TPS 000 (numbering starts at 001), or a placeholder without a digit (``-``, ``X``,
    ``N/A``)."""
    return Hits.from_mask(_no_tps_number(ctx))


def _no_tps_number(ctx: Context) -> np.ndarray:
    """Rows without a TPS number (see :func:`tps_missing`; family_split_tps does not count them as a TPS). Only the
    rare values that are not three digits are searched for a digit."""
    present = ctx.present("tps")
    missing = ~present | ctx.isin("tps", ["000"])
    odd = np.flatnonzero(present & ~ctx.digits("tps", 3))
    if len(odd):
        has_digit = pc.match_substring_regex(ctx.col("tps").take(pa.array(odd, type=pa.int64())), "[0-9]")
        missing[odd[~np.asarray(pc.fill_null(has_digit, False).to_numpy(zero_copy_only=False))]] = True
    return missing


def tps_over_capacity(ctx: Context) -> Hits:
    """Every row of a TPS (kelurahan + TPS number) that holds more voters than the election's limit. Rows without
    a TPS number (tps_missing: empty, 000, ``-``) are at no TPS: 700 voters on ``-`` are no overfull TPS ``-``."""
    has_tps = ~_no_tps_number(ctx)
    group = ctx.group([*_place_keys(ctx), "tps"])
    size = np.bincount(group, weights=has_tps, minlength=int(group.max(initial=-1)) + 1)[group].astype(np.int64)
    over = has_tps & (size > ctx.settings.tps_max)
    if not over.any():
        return Hits.none()
    kel = pc.fill_null(ctx.col("kelurahan"), "-")
    hits = Hits.from_mask(over, count=size, max=str(ctx.settings.tps_max), tps=ctx.col("tps"), kelurahan=kel)
    return _mask_quoted(ctx, hits, "tps", "kelurahan")


def _mask_quoted(ctx: Context, hits: Hits, *params: str) -> Hits:
    """Mask NIK-like numbers in the place values a message quotes (a shifted line can put a NIK there), as the
    ``value`` column is masked, unless the user asked for ``--no-mask``."""
    if ctx.settings.mask:
        for name in params:
            hits.params[name] = mask_ids_in_text(hits.params[name])
    return hits


def family_split_tps(ctx: Context) -> Hits:
    """Members of one family card (NKK) assigned to different TPS of the same kelurahan. A member without a TPS number
    (empty, 000, ``-``: tps_missing) is assigned to none, so is no TPS of the family."""
    sixteen, numbers = ctx.id_numbers("nkk")
    usable = sixteen & ~_no_tps_number(ctx)
    if not usable.any():
        return Hits.none()
    # a usable NKK is 16 digits, so one int64: cheaper to group than a million strings (other rows are not used)
    at = np.flatnonzero(usable)
    nkk = numbers[at]
    tps = ctx.group(["tps"])
    # a family is split only if its NKK occurs with two TPS: only the rows of such NKKs (found by a sort) are
    # grouped exactly by place and NKK
    maybe = mixed(nkk, tps[at])
    at, nkk = at[maybe], nkk[maybe]
    if not len(at):
        return Hits.none()
    nkk_codes, nkk_distinct = pd.factorize(nkk)
    family = combine_codes([*((codes[at], size) for codes, size in (ctx.codes(f) for f in _place_keys(ctx))),
                            (nkk_codes.astype(np.int64), len(nkk_distinct))])
    tp = tps[at]
    pairs = pd.unique(family * (int(tps.max()) + 1) + tp) // (int(tps.max()) + 1)  # one entry per (family, TPS)
    n_tps = np.bincount(pairs, minlength=int(family.max()) + 1)
    split = n_tps[family] > 1
    if not split.any():
        return Hits.none()
    pos = at[split]
    family = family[split]
    tps_text = np.asarray(ctx.col("tps").take(pa.array(pos, type=pa.int64())).to_numpy(zero_copy_only=False),
                          dtype=object)
    pairs = pd.DataFrame({"family": family, "tps": tps_text}).drop_duplicates().sort_values(
        ["family", "tps"], kind="stable")
    fam_ids, joined = join_groups(pairs["family"].to_numpy(), pairs["tps"].to_numpy())
    lookup = np.empty(int(family.max()) + 1, dtype=object)
    lookup[fam_ids] = np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)
    return _mask_quoted(ctx, Hits(pos, {"tps_list": lookup[family], "count": n_tps[family].astype(str)}), "tps_list")


# --------------------------------------------------------------------------------------------------- regions
_LEVEL_ID = {"kabupaten_kota": "Kabupaten/kota", "kecamatan": "Kecamatan", "kelurahan": "Kelurahan"}
_LEVEL_EN = {"kabupaten_kota": "Regency/city", "kecamatan": "District", "kelurahan": "Village"}


def _suggest_many(queries: list[str], choices: dict[str, str]) -> list[str]:
    """Closest valid name for each query (or ""), computed as one matrix per scope with rapidfuzz, in blocks so
    that even 83,000 kelurahan × thousands of unknown names stay within memory."""
    if not queries or not choices:
        return [""] * len(queries)
    keys = list(choices)
    out: list[str] = []
    for start in range(0, len(queries), 256):
        block = queries[start:start + 256]
        scores = process.cdist(block, keys, scorer=fuzz.ratio, dtype=np.uint8, score_cutoff=70, workers=-1)
        best = scores.argmax(axis=1)
        out.extend(choices[keys[j]] if scores[i, j] > 0 else "" for i, j in enumerate(best))
    return out


def _check_combo(kab: str | None, kec: str | None, kel: str | None, ref: dict) -> list[tuple[str, str, Any]]:
    """Problems of one distinct (kab, kec, kel) key combination: (field, kind, detail), where kind is "unknown"
    (detail: the query and the scope of valid names to suggest from), "outside_kab" or "outside_kec" (detail: the
    kecamatan where the kelurahan really is)."""
    out: list[tuple[str, str, Any]] = []
    kab_ok = kab is not None and kab in ref["kab_keys"]
    if kab is not None and not kab_ok:
        out.append(("kabupaten_kota", "unknown", (kab, ("kab",))))
    kec_ok = False
    if kec is not None:
        scope = ("kec_by_kab", kab) if kab_ok else ("kec_names",)
        kec_ok = kec in _scope(ref, scope)
        if not kec_ok:
            if kab_ok and kec in ref["kec_names"]:
                out.append(("kecamatan", "outside_kab", None))
            else:
                out.append(("kecamatan", "unknown", (kec, scope)))
    if kel is not None:
        if kec_ok:
            scope = ("kel_by_kec", (kab if kab_ok else None, kec))
        elif kab_ok:
            scope = ("kel_by_kab", kab)
        else:
            scope = ("kel_names",)
        if kel not in _scope(ref, scope):
            elsewhere = _home_kecamatan(kel, kab if kab_ok else None, kec, ref) if kec_ok else None
            if elsewhere:
                out.append(("kelurahan", "outside_kec", elsewhere))
            else:
                out.append(("kelurahan", "unknown", (kel, scope)))
    return out


def _scope(ref: dict, scope: tuple) -> dict[str, str]:
    """Valid names (key → display name) of a scope: ("kab",), ("kec_names",), ("kec_by_kab", kab) …"""
    if scope[0] == "kab":
        return ref["kab_names"]
    if len(scope) == 1:
        return ref[scope[0]]
    return ref[scope[0]].get(scope[1], {})


def _details(problems: list[tuple[int, str, str, Any]], ref: dict) -> list[tuple[int, str, str, str]]:
    """Messages of the problems; suggestions for unknown names are computed in one batch per scope."""
    wanted: dict[tuple, list[int]] = {}
    for i, (_combo, _field, kind, detail) in enumerate(problems):
        if kind == "unknown":
            wanted.setdefault(detail[1], []).append(i)
    hints: dict[int, str] = {}
    while wanted:
        wider: dict[tuple, list[int]] = {}
        for scope, idx in wanted.items():
            queries = [problems[i][3][0] for i in idx]
            for i, hint in zip(idx, _suggest_many(queries, _scope(ref, scope)), strict=True):
                hints[i] = hint
                if not hint and _wider(scope):  # nothing close here: look in the enclosing region
                    wider.setdefault(_wider(scope), []).append(i)
        wanted = wider
    out = []
    for i, (combo, fld, kind, detail) in enumerate(problems):
        if kind == "unknown":
            hint = hints.get(i, "")
            text_id = "tidak ada di daftar Kemendagri" + (f"; mungkin maksudnya '{hint}'" if hint else "")
            text_en = "is not in the Kemendagri list" + (f"; did you mean '{hint}'?" if hint else "")
        elif kind == "outside_kab":
            text_id, text_en = "tidak berada di kabupaten/kota yang tercantum", "is not inside the stated regency/city"
        else:
            text_id = f"tidak berada di kecamatan yang tercantum (ada di Kecamatan {detail})"
            text_en = f"is not inside the stated district (it is in Kecamatan {detail})"
        out.append((combo, fld, text_id, text_en))
    return out


def _wider(scope: tuple) -> tuple | None:
    """The enclosing scope to suggest from when nothing in ``scope`` is close (a kelurahan typed under the wrong
    kecamatan): kecamatan → kabupaten → everywhere."""
    if scope[0] == "kel_by_kec":
        kab = scope[1][0]
        return ("kel_by_kab", kab) if kab is not None else ("kel_names",)
    if scope[0] == "kel_by_kab":
        return ("kel_names",)
    if scope[0] == "kec_by_kab":
        return ("kec_names",)
    return None


def _home_kecamatan(kel: str, kab: str | None, kec: str, ref: dict) -> str | None:
    """Where a kelurahan of this name really is: within the stated kabupaten, else within a kabupaten that has a
    kecamatan of the stated name (a roll without a kabupaten column), else anywhere."""
    homes: list[tuple[str, str]] = ref["kel_home"].get(kel, [])
    if kab is not None:
        homes = [h for h in homes if h[0] == kab]
    else:
        kabs = ref["kabs_of_kec"].get(kec, set())
        homes = [h for h in homes if h[0] in kabs] or homes
    return homes[0][1] if homes else None


class _Lazy(dict):
    """A dict whose entries are built on first use from positions grouped once (pandas ``groupby().indices``):
    a roll touches a handful of kabupaten and kecamatan, so building all 83,762 kelurahan entries up front is
    wasted work."""

    def __init__(self, indices: dict[Any, np.ndarray], build: Any) -> None:
        super().__init__()
        self._indices = indices
        self._build = build

    def get(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            idx = self._indices.get(key)
            if idx is None:
                return default
            self[key] = self._build(idx)
        return super().get(key, default)


class _Homes(dict):
    """kelurahan key → [(kabupaten key, kecamatan name)], looked up only for the rare misplaced kelurahan."""

    def __init__(self, keys: np.ndarray, kabs: np.ndarray, homes: np.ndarray) -> None:
        super().__init__()
        self._keys, self._kabs, self._homes = keys, kabs, homes
        self._positions: dict[Any, np.ndarray] | None = None

    def get(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            if self._positions is None:  # one index over the 83,762 names instead of a scan per lookup
                self._positions = _indices(self._keys)
            idx = self._positions.get(key, np.array([], dtype=np.int64))
            self[key] = list(zip(self._kabs[idx], self._homes[idx], strict=True))
        return super().get(key, default)


_REFERENCE_LOCK = threading.Lock()


def warm_up() -> threading.Thread:
    """Start building the Kemendagri reference in the background (e.g. while a file is being parsed)."""
    thread = threading.Thread(target=_reference, daemon=True)
    thread.start()
    return thread


def _reference() -> dict:
    """Key sets for the region check, built once per process from the Kemendagri tables."""
    with _REFERENCE_LOCK:
        cached = getattr(_reference, "_cache", None)
        if cached is None:
            cached = _build_reference()
            _reference._cache = cached  # type: ignore[attr-defined]
        return cached


def _lookup(codes: np.ndarray, table_codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` of the table row whose code equals each of ``codes`` ("" where none), as one vectorised join."""
    idx = pc.index_in(pa.array(codes, type=pa.string()), value_set=pa.array(table_codes, type=pa.string()))
    hit = np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False))
    out = np.asarray(values, dtype=object)[np.maximum(hit, 0)] if len(values) else np.full(len(codes), "", object)
    return np.where(hit >= 0, out, "").astype(object)


def _indices(*columns: np.ndarray) -> dict[Any, np.ndarray]:
    """Like pandas ``groupby(columns).indices``: each distinct key (a tuple for several columns) → its positions
    in ascending order; built with one factorize and one stable sort."""
    n = len(columns[0])
    codes = np.zeros(n, dtype=np.int64)
    for col in columns:
        c, u = pd.factorize(col)
        codes = codes * (len(u) + 1) + c
    group = pd.factorize(codes)[0]
    order = np.argsort(group, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(group[order])) + 1] if n else np.array([], dtype=np.int64)
    first = order[starts]
    parts = [order[a:b] for a, b in zip(starts.tolist(), [*starts[1:].tolist(), n], strict=True)]
    if len(columns) == 1:
        keys = columns[0][first].tolist()
    else:
        keys = list(zip(*(col[first].tolist() for col in columns), strict=True))
    return dict(zip(keys, parts, strict=True))


def _build_reference() -> dict:
    reg = load_regions()
    kab, kec, kel = reg.kabupaten, reg.kecamatan, reg.kelurahan
    kab_code, kab_keys_col = kab["code"].to_numpy(dtype=object), kab["key"].to_numpy(dtype=object)
    kec_code, kec_keys_col = kec["code"].to_numpy(dtype=object), kec["key"].to_numpy(dtype=object)
    kec_names_col = kec["name"].to_numpy(dtype=object)
    kec_kab = _lookup(kec["parent"].to_numpy(dtype=object), kab_code, kab_keys_col)
    kec_by_kab: dict[str, dict[str, str]] = {}
    for kb, key, name in zip(kec_kab, kec_keys_col, kec_names_col, strict=True):
        kec_by_kab.setdefault(kb, {})[key] = name
    kabs_of_kec: dict[str, set[str]] = {}
    for key, kb in zip(kec_keys_col, kec_kab, strict=True):
        kabs_of_kec.setdefault(key, set()).add(kb)
    kel_parent = kel["parent"].to_numpy(dtype=object)
    kel_kab_code = np.asarray(pc.replace_substring_regex(pa.array(kel_parent, type=pa.string()), pattern=r"\.[^.]*$",
                                                         replacement="").to_numpy(zero_copy_only=False), dtype=object)
    kab_col = _lookup(kel_kab_code, kab_code, kab_keys_col)
    kec_col = _lookup(kel_parent, kec_code, kec_keys_col)
    home_col = _lookup(kel_parent, kec_code, kec_names_col)
    keys, names = kel["key"].to_numpy(dtype=object), kel["name"].to_numpy(dtype=object)

    def names_at(idx: np.ndarray) -> dict[str, str]:
        return dict(zip(keys[idx], names[idx], strict=True))

    by_kec = {(None, k): v for k, v in _indices(kec_col).items()}
    ref = {
        "kab_keys": set(kab_keys_col),
        "kab_names": dict(zip(kab_keys_col, kab["name"].to_numpy(dtype=object), strict=True)),
        "kec_names": dict(zip(kec_keys_col, kec_names_col, strict=True)),
        "kel_names": dict(zip(keys, names, strict=True)),
        "kec_by_kab": kec_by_kab,
        "kel_by_kec": _Lazy({**_indices(kab_col, kec_col), **by_kec}, names_at),
        "kel_by_kab": _Lazy(_indices(kab_col), names_at),
        "kel_home": _Homes(keys, kab_col, home_col),
        "kabs_of_kec": kabs_of_kec,
    }
    return ref


def region_unknown(ctx: Context) -> Hits:
    """Region names checked on the distinct (kabupaten, kecamatan, kelurahan) combinations, then mapped back to
    rows: a roll has few distinct places however many voters it holds."""
    present = _place_keys(ctx)
    if not present:
        return Hits.none()
    combo = ctx.group(present)
    # one representative row per combination: its first row. Group ids are numbered in order of first appearance,
    # so a row is the first of its group where its id exceeds every id before it (np.unique's first indices,
    # without sorting a million ids)
    first = np.flatnonzero(np.r_[True, combo[1:] > np.maximum.accumulate(combo)[:-1]]) if len(combo) else combo
    take = pa.array(first, type=pa.int64())
    keys = {f: (name_key(ctx.col(f).take(take)).to_pylist() if f in present else [None] * len(first))
            for f in PLACE_FIELDS}
    ref = _reference()
    found: list[tuple[int, str, str, Any]] = []
    for i, (kab, kec, kel) in enumerate(zip(*(keys[f] for f in PLACE_FIELDS), strict=True)):
        for problem in _check_combo(kab or None, kec or None, kel or None, ref):
            found.append((int(combo[first[i]]), *problem))
    if not found:
        return Hits.none()
    rows = _details(found, ref)
    problems = pd.DataFrame(rows, columns=["combo", "field", "detail_id", "detail_en"])
    pos = np.flatnonzero(np.isin(combo, problems["combo"].to_numpy()))  # the rows of a faulty place only
    per_row = pd.DataFrame({"combo": combo[pos], "pos": pos}).merge(problems, on="combo")
    per_row = per_row.sort_values(["pos", "field"], kind="stable")
    flds = per_row["field"].to_numpy(dtype=object)
    pos = per_row["pos"].to_numpy()
    hits = Hits(pos, {"level_id": per_row["field"].map(_LEVEL_ID).to_numpy(dtype=object),
                      "level_en": per_row["field"].map(_LEVEL_EN).to_numpy(dtype=object),
                      "value": _values_by_field(ctx, pos, flds),
                      "detail_id": per_row["detail_id"].to_numpy(dtype=object),
                      "detail_en": per_row["detail_en"].to_numpy(dtype=object)}, fields=flds)
    return _mask_quoted(ctx, hits, "value")


def _values_by_field(ctx: Context, pos: np.ndarray, flds: np.ndarray) -> np.ndarray:
    out = np.empty(len(pos), dtype=object)
    for f in PLACE_FIELDS:
        sel = np.flatnonzero(flds == f)
        if len(sel):
            out[sel] = ctx.col(f).take(pa.array(pos[sel], type=pa.int64())).to_numpy(zero_copy_only=False)
    return out
