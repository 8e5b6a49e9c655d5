"""Rules on where a voter votes: TPS number, TPS capacity, families kept in one TPS, Kemendagri region names.

TPS and family rules are group rules: they group by explicit keys (kabupaten, kecamatan, kelurahan, TPS, NKK), so
a roll partitioned by kelurahan gives the same findings partition by partition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import process

from ..regions import load_regions, name_key
from .base import Context, Hits

PLACE_FIELDS = ("kabupaten_kota", "kecamatan", "kelurahan")


def _place_keys(ctx: Context) -> list[str]:
    return [f for f in PLACE_FIELDS if ctx.roll.has(f)]


def _group_codes(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """One integer per distinct key combination (nulls are a value of their own); -1 never occurs."""
    if not keys:
        return np.zeros(len(frame), dtype=np.int64)
    return frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()


def tps_missing(ctx: Context) -> Hits:
    return Hits.from_mask(~ctx.present("tps"))


def tps_over_capacity(ctx: Context) -> Hits:
    """Every row of a TPS (kelurahan + TPS number) that holds more voters than the election's limit."""
    has_tps = ctx.present("tps")
    keys = [*_place_keys(ctx), "tps"]
    group = _group_codes(ctx.frame[keys], keys)
    counts = np.bincount(group[has_tps], minlength=int(group.max()) + 1 if len(group) else 0)
    size = counts[group] if len(group) else np.array([], dtype=np.int64)
    over = has_tps & (size > ctx.settings.tps_max)
    kel = ctx.frame["kelurahan"].fillna("-").to_numpy(dtype=object)
    return Hits.from_mask(over, count=size.astype(str), max=str(ctx.settings.tps_max),
                          tps=ctx.frame["tps"].to_numpy(dtype=object), kelurahan=kel)


def family_split_tps(ctx: Context) -> Hits:
    """Members of one family card (NKK) assigned to different TPS of the same kelurahan."""
    usable = ctx.matches("nkk", r"^[0-9]{16}$") & ctx.present("tps")
    if not usable.any():
        return Hits.none()
    keys = [*_place_keys(ctx), "nkk"]
    sub = ctx.frame.loc[usable, [*keys, "tps"]]
    n_tps = sub.groupby(keys, sort=False, dropna=False)["tps"].transform("nunique").to_numpy()
    split = n_tps > 1
    if not split.any():
        return Hits.none()
    part = sub[split]
    lists = (part.drop_duplicates([*keys, "tps"]).sort_values("tps")
             .groupby(keys, sort=False, dropna=False)["tps"].agg(", ".join))
    tps_list = part.join(lists.rename("tps_list"), on=keys)["tps_list"].to_numpy(dtype=object)
    pos = np.flatnonzero(usable)[split]
    return Hits(pos, {"tps_list": tps_list, "count": n_tps[split].astype(str)})


# --------------------------------------------------------------------------------------------------- regions
_LEVEL_ID = {"kabupaten_kota": "Kabupaten/kota", "kecamatan": "Kecamatan", "kelurahan": "Kelurahan"}
_LEVEL_EN = {"kabupaten_kota": "Regency/city", "kecamatan": "District", "kelurahan": "Village"}


def _suggest(key: str, choices: dict[str, str]) -> str:
    if not choices:
        return ""
    best = process.extractOne(key, list(choices), score_cutoff=70)
    return choices[best[0]] if best else ""


def _check_combo(kab: str | None, kec: str | None, kel: str | None, ref: dict) -> list[tuple[str, str, str]]:
    """Problems of one distinct (kab, kec, kel) key combination: (field, detail_id, detail_en)."""
    out: list[tuple[str, str, str]] = []
    kab_ok = kab is not None and kab in ref["kab_keys"]
    if kab is not None and not kab_ok:
        hint = _suggest(kab, ref["kab_names"])
        out.append(("kabupaten_kota", _unknown_id("kabupaten_kota", hint), _unknown_en("kabupaten_kota", hint)))
    kec_ok = False
    if kec is not None:
        scope = ref["kec_by_kab"].get(kab, {}) if kab_ok else ref["kec_names"]
        kec_ok = kec in scope
        if not kec_ok:
            if kab_ok and kec in ref["kec_names"]:
                out.append(("kecamatan", "tidak berada di kabupaten/kota yang tercantum",
                            "is not inside the stated regency/city"))
            else:
                hint = _suggest(kec, scope)
                out.append(("kecamatan", _unknown_id("kecamatan", hint), _unknown_en("kecamatan", hint)))
    if kel is not None:
        if kec_ok:
            scope = ref["kel_by_kec"].get((kab if kab_ok else None, kec), {})
        elif kab_ok:
            scope = ref["kel_by_kab"].get(kab, {})
        else:
            scope = ref["kel_names"]
        if kel not in scope:
            elsewhere = ref["kel_home"].get((kab if kab_ok else None, kel)) if kec_ok else None
            if elsewhere:
                out.append(("kelurahan", f"tidak berada di kecamatan yang tercantum (ada di Kecamatan {elsewhere})",
                            f"is not inside the stated district (it is in Kecamatan {elsewhere})"))
            else:
                hint = _suggest(kel, scope)
                out.append(("kelurahan", _unknown_id("kelurahan", hint), _unknown_en("kelurahan", hint)))
    return out


def _unknown_id(fld: str, hint: str) -> str:
    return "tidak ada di daftar Kemendagri" + (f"; mungkin maksudnya '{hint}'" if hint else "")


def _unknown_en(fld: str, hint: str) -> str:
    return "is not in the Kemendagri list" + (f"; did you mean '{hint}'?" if hint else "")


def _reference() -> dict:
    """Key sets for the region check, built once per process from the Kemendagri tables."""
    cached = getattr(_reference, "_cache", None)
    if cached is not None:
        return cached
    reg = load_regions()
    kab, kec, kel = reg.kabupaten, reg.kecamatan, reg.kelurahan
    kab_key = dict(zip(kab["code"], kab["key"], strict=True))
    kec_key = dict(zip(kec["code"], kec["key"], strict=True))
    kec_name = dict(zip(kec["code"], kec["name"], strict=True))
    kec_by_kab: dict[str, dict[str, str]] = {}
    for code, key, name, parent in zip(kec["code"], kec["key"], kec["name"], kec["parent"], strict=True):
        kec_by_kab.setdefault(kab_key.get(parent, ""), {})[key] = name
        del code
    kel_by_kec: dict[tuple[str | None, str], dict[str, str]] = {}
    kel_by_kab: dict[str, dict[str, str]] = {}
    kel_home: dict[tuple[str | None, str], str] = {}
    for key, name, parent in zip(kel["key"], kel["name"], kel["parent"], strict=True):
        kb = kab_key.get(parent.rsplit(".", 1)[0], "")
        kc = kec_key.get(parent, "")
        kel_by_kec.setdefault((kb, kc), {})[key] = name
        kel_by_kec.setdefault((None, kc), {})[key] = name
        kel_by_kab.setdefault(kb, {})[key] = name
        kel_home.setdefault((kb, key), kec_name.get(parent, ""))
        kel_home.setdefault((None, key), kec_name.get(parent, ""))
    ref = {
        "kab_keys": set(kab["key"]),
        "kab_names": dict(zip(kab["key"], kab["name"], strict=True)),
        "kec_names": dict(zip(kec["key"], kec["name"], strict=True)),
        "kel_names": dict(zip(kel["key"], kel["name"], strict=True)),
        "kec_by_kab": kec_by_kab,
        "kel_by_kec": kel_by_kec,
        "kel_by_kab": kel_by_kab,
        "kel_home": kel_home,
    }
    _reference._cache = ref  # type: ignore[attr-defined]
    return ref


def region_unknown(ctx: Context) -> Hits:
    """Region names checked on the distinct (kabupaten, kecamatan, kelurahan) combinations, then mapped back to
    rows: a roll has few distinct places however many voters it holds."""
    present = _place_keys(ctx)
    if not present:
        return Hits.none()
    keys = pd.DataFrame({f: (name_key(ctx.col(f)).to_pandas() if f in present else pd.Series(pd.NA, index=range(
        ctx.n), dtype="str")) for f in PLACE_FIELDS})
    keys = keys.replace("", pd.NA)
    combo = keys.groupby(list(PLACE_FIELDS), sort=False, dropna=False).ngroup().to_numpy()
    uniq = keys.groupby(list(PLACE_FIELDS), sort=False, dropna=False).size().reset_index()
    ref = _reference()
    rows: list[tuple[int, str, str, str]] = []
    for gid, (kab, kec, kel) in enumerate(uniq[list(PLACE_FIELDS)].itertuples(index=False, name=None)):
        for problem in _check_combo(None if pd.isna(kab) else kab, None if pd.isna(kec) else kec,
                                    None if pd.isna(kel) else kel, ref):
            rows.append((gid, *problem))
    if not rows:
        return Hits.none()
    problems = pd.DataFrame(rows, columns=["combo", "field", "detail_id", "detail_en"])
    per_row = pd.DataFrame({"combo": combo, "pos": np.arange(ctx.n)}).merge(problems, on="combo")
    per_row = per_row.sort_values(["pos", "field"], kind="stable")
    flds = per_row["field"].to_numpy(dtype=object)
    level_id = per_row["field"].map(_LEVEL_ID).to_numpy(dtype=object)
    level_en = per_row["field"].map(_LEVEL_EN).to_numpy(dtype=object)
    pos = per_row["pos"].to_numpy()
    values = _values_by_field(ctx, pos, flds)
    return Hits(pos, {"level_id": level_id, "level_en": level_en, "value": values,
                      "detail_id": per_row["detail_id"].to_numpy(dtype=object),
                      "detail_en": per_row["detail_en"].to_numpy(dtype=object)}, fields=flds)


def _values_by_field(ctx: Context, pos: np.ndarray, flds: np.ndarray) -> np.ndarray:
    out = np.empty(len(pos), dtype=object)
    for f in PLACE_FIELDS:
        sel = flds == f
        out[sel] = ctx.frame[f].to_numpy(dtype=object)[pos[sel]]
    return out
