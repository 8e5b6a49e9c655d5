"""``reasons``: a short human sentence per pair saying which fields agreed and how rare they are.

Built column-wise: each piece of evidence is a string array (null when it says nothing), the pieces are joined with
``"; "`` by pyarrow. Numbers are formatted once per distinct value. No NIK, NKK or other identifier ever appears in
a reason — only which part of a NIK differs.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..i18n import t
from . import compare as C
from .records import Records
from .score import Scored, middle_name_share

RARE_FROM = 10_000  # "rare" when one voter in 10,000 or fewer shares the value
COMMON_UNTIL = 1_000  # "common" when one voter in 1,000 or more shares it


def _thousands(n: int, lang: str) -> str:
    s = f"{n:,}"
    return s.replace(",", ".") if lang == "id" else s


def _one_in(u: np.ndarray) -> np.ndarray:
    """1/u rounded to two significant digits (int)."""
    x = 1.0 / np.clip(u, 1e-12, 1.0)
    mag = 10.0 ** np.maximum(np.floor(np.log10(np.maximum(x, 1.0))) - 1, 0)
    return (np.round(x / mag) * mag).astype(np.int64)


def _fmt_map(values: np.ndarray, fmt: object) -> np.ndarray:
    """Format each distinct value once (``fmt`` is a callable), then spread back."""
    uniq, inv = np.unique(values, return_inverse=True)
    table = np.asarray([fmt(v) for v in uniq.tolist()], dtype=object)  # distinct values only
    return table[inv] if len(values) else np.zeros(0, dtype=object)


def _piece(mask: np.ndarray, text: np.ndarray | str) -> pa.Array:
    out = np.full(len(mask), None, dtype=object)
    if isinstance(text, str):
        out[mask] = text
    else:
        out[mask] = text[mask]
    return pa.array(out, type=pa.string())


def rarity(u: np.ndarray, lang: str) -> np.ndarray:
    n = _one_in(u)

    def fmt(v: int) -> str:
        key = "dd_rare" if v >= RARE_FROM else "dd_common" if v < COMMON_UNTIL else "dd_one_in"
        return t(key, lang, n=_thousands(v, lang))

    return _fmt_map(n, fmt)


def build_reasons(r: Records, cmp: C.Comparison, sc: Scored, conflict: np.ndarray, lang: str) -> pa.Array:
    """One reason string per pair."""
    n = len(cmp)
    if n == 0:
        return pa.array([], type=pa.string())
    parts = {C.NIK_TYPO_REGION: t("dd_part_region", lang), C.NIK_TYPO_DATE: t("dd_part_date", lang),
             C.NIK_TYPO_SERIAL: t("dd_part_serial", lang)}
    nik_text = np.full(n, None, dtype=object)
    nik_text[cmp.nik == C.NIK_EXACT] = t("dd_nik_exact", lang)
    nik_text[cmp.nik == C.NIK_DIFF] = t("dd_nik_diff", lang)
    nik_text[cmp.nik == C.NIK_MISSING] = t("dd_nik_missing", lang)
    for lv, part in parts.items():
        sel = cmp.nik == lv
        nik_text[sel & ~cmp.nik_swap] = t("dd_nik_typo", lang, part=part)
        nik_text[sel & cmp.nik_swap] = t("dd_nik_swap", lang, part=part)

    sim = np.round(np.nan_to_num(cmp.name_sim.astype(np.float64)), 2)
    sim_s = _fmt_map(sim, lambda v: f"{v:.2f}")
    rare = rarity(sc.name_u, lang)
    name_text = np.full(n, None, dtype=object)
    ex = cmp.name == C.NAME_EXACT
    name_text[ex] = _fmt_map(rare[ex], lambda v: t("dd_name_exact", lang, rarity=v)) if ex.any() else []
    similar = np.isin(cmp.name, (C.NAME_HIGH, C.NAME_MID, C.NAME_LOW))
    if similar.any():
        name_text[similar] = _combine2(sim_s[similar], rare[similar],
                                       lambda s, q: t("dd_name_similar", lang, sim=s, rarity=q))
    short = cmp.name == C.NAME_SHORTENED
    if short.any():  # how common the shorter name is (its u without the middle-name share)
        rare_short = rarity(sc.name_u[short] / middle_name_share(r.names), lang)
        name_text[short] = _fmt_map(rare_short, lambda v: t("dd_name_shortened", lang, rarity=v))
    diff = cmp.name == C.NAME_DIFF
    name_text[diff] = _fmt_map(sim_s[diff], lambda v: t("dd_name_diff", lang, sim=v)) if diff.any() else []

    dob_text = np.full(n, None, dtype=object)
    ex = cmp.dob == C.DOB_EXACT
    placeholder = r.placeholder[cmp.a]
    if ex.any():
        dob_text[ex] = _fmt_map(_one_in(sc.dob_u[ex]), lambda v: t("dd_dob_exact", lang, n=_thousands(v, lang)))
    dob_text[ex & placeholder] = t("dd_dob_placeholder", lang)
    dob_text[cmp.dob == C.DOB_TYPO] = t("dd_dob_typo", lang)
    dob_text[cmp.dob == C.DOB_DIFF] = t("dd_dob_diff", lang)

    pf = np.where(r.place[cmp.a] >= 0, r.place_freq[np.maximum(r.place[cmp.a], 0)], 1.0) if len(r.place_freq) \
        else np.ones(n)
    place_text = np.full(n, None, dtype=object)
    rare_place = (cmp.place == C.AGREE) & (pf < 0.05)
    if rare_place.any():
        place_text[rare_place] = _fmt_map(_one_in(pf[rare_place]),
                                          lambda v: t("dd_place_same", lang, n=_thousands(v, lang)))
    place_text[cmp.place == C.DIFF] = t("dd_place_diff", lang)

    loc_keys = {C.LOC_NKK: "dd_loc_nkk", C.LOC_ADDRESS: "dd_loc_address", C.LOC_TPS: "dd_loc_tps",
                C.LOC_KELURAHAN: "dd_loc_kelurahan", C.LOC_OTHER: "dd_loc_other"}
    loc_text = np.full(n, None, dtype=object)
    for lv, key in loc_keys.items():
        loc_text[cmp.loc == lv] = t(key, lang)

    pieces = [
        pa.array(nik_text, type=pa.string()),
        pa.array(name_text, type=pa.string()),
        pa.array(dob_text, type=pa.string()),
        _piece(cmp.sex == C.DIFF, t("dd_sex_diff", lang)),
        _piece(cmp.marital == C.DIFF, t("dd_marital_diff", lang)),
        pa.array(place_text, type=pa.string()),
        pa.array(loc_text, type=pa.string()),
        _piece(cmp.twins, t("dd_twins", lang)),
        _piece(sc.common_placeholder & ~cmp.twins & ~conflict, t("dd_common_placeholder", lang)),
        _piece(sc.capped & ~sc.common_placeholder & ~cmp.twins & ~conflict, t("dd_capped", lang)),
        _piece(conflict, t("dd_conflict", lang)),
    ]
    return pc.binary_join_element_wise(*pieces, "; ", null_handling="skip")


def _combine2(x: np.ndarray, y: np.ndarray, fmt: object) -> np.ndarray:
    """fmt(x[i], y[i]) computed once per distinct (x, y) combination."""
    keys = np.char.add(np.char.add(x.astype(str), "\x00"), y.astype(str))
    _, first, inv = np.unique(keys, return_index=True, return_inverse=True)
    table = np.asarray([fmt(x[i], y[i]) for i in first.tolist()], dtype=object)  # distinct combinations only
    return table[inv]
