"""Evidence → score: Fellegi–Sunter log-likelihood weights with frequency-aware agreement, and the verdicts.

For a pair of records, every field level contributes ``log2(m / u)``: ``m`` = how often a true duplicate shows this
level, ``u`` = how often two *different* voters do. The weights add up, with the prior odds that two records drawn
from a roll of ``N`` are one person (``dup_rate / (N - 1)``), to the log-odds of a match; the score is the
probability ``1 / (1 + 2^-log_odds)``.

Agreement on a common value is weak evidence because its ``u`` is the value's frequency:

* name: ``u`` of exact agreement = the share of voters (other than the two compared) carrying this folded name in
  the roll, estimated by the rule of succession — k other carriers seen → (k + 1) / N, so a third voter of that name
  halves the weight of the agreement — or the share in the ``--frequencies`` table of a larger roll, so MUHAMMAD
  RIZKI counts for little and a rare name for a lot; near names (high, mid) weigh by the commoner of the two names
  times ``name_tf_kappa``; low/different by their rate among random pairs of the roll; a dropped middle name
  (level ``shortened``: DEDI DARMADI / DEDI EKO DARMADI) by the share of voters carrying the *shorter* name, times
  the share of names that have a middle name to drop (:func:`middle_name_share`) — ANDI KURNIAWAN, the short form of
  every ANDI … KURNIAWAN, is weak;
* birth date: ``u`` = the share of voters born that day, at least a model share in which the Dukcapil placeholders
  are 20× (1 July), 11× (31 December), 5× (1 January) and 1.5× (the 15th) an ordinary day;
* birthplace: ``u`` = the share of voters born there (PANGKALPINANG tells little in Pangkalpinang).

Fields that are strongly correlated with each other or with family ties — family card, address, TPS, kelurahan —
are one *location* variable with small fixed weights: supporting evidence, never enough on its own. Two guards
override the sum: records of one household with one birth date and two names are treated as twins (a large
negative weight, capped), a clearly different name caps the score at 0.5 (review, never a group), and so does a
name that is not rare on a placeholder birth date under two NIKs with no family card or address in common
(:func:`common_placeholder`: what unrelated namesakes share).

The prior (``dup_rate``) and the m of the NIK, name, birth-date, marital-status and birthplace levels are
estimated from the roll by :func:`estimate` (EM with u fixed); the values in :class:`Model` are the starting
point and the smoothing target.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from . import compare as C
from .records import ORDINARY_DAY_SHARE, PLACEHOLDER_FACTOR, NameTable, Records, month_day

CERTAIN, LIKELY, POSSIBLE = "certain", "likely", "possible"
DEFAULT_THRESHOLD = 0.9  # likely from here
CERTAIN_MIN = 0.99
POSSIBLE_MIN = 0.5
CAP_SCORE = 0.5  # score of a pair whose names are clearly different, whatever else agrees
#: a name carried by at least one voter in 10,000 is not rare (the boundary of "rare" in reasons): with a
#: placeholder birth date and two NIKs it is what unrelated namesakes share (the Crosscheck failure)
COMMON_NAME_SHARE = 1e-4

MATCH_TYPES = ("nik_exact", "nik_typo", "name_dob")
#: NIK situations in which the name evidence is read separately (:attr:`Model.name_m_by_nik`)
NIK_SAME, NIK_NEAR, NIK_OTHER = range(3)
NIK_GROUPS = ("same_nik", "nik_typo", "other_nik")
PRIOR_RECORDS = 10_000  # weight of the default prior when the prior is estimated from a roll
#: pseudo-matches that pull the name m of one NIK situation towards the pooled estimate: a roll with few
#: second registrations under a new NIK (one or two pairs pull their own m up) keeps the pooled values
NIK_GROUP_PSEUDO = 50.0


@dataclass(frozen=True)
class Model:
    """The m and u probabilities (documented in docs/dedupe.md). ``u`` of the NIK levels other than exact is
    conditional on the birth dates agreeing (the date is part of the NIK)."""

    #: expected number of other registrations of the same person per record (the prior)
    dup_rate: float = 0.01
    #: expected number of *other* persons who share a voter's NIK through a data-entry error
    nik_error_rate: float = 2e-4
    nik_m: dict[int, float] = field(default_factory=lambda: {
        C.NIK_EXACT: 0.55, C.NIK_TYPO_REGION: 0.06, C.NIK_TYPO_DATE: 0.06, C.NIK_TYPO_SERIAL: 0.08, C.NIK_DIFF: 0.25})
    nik_u: dict[int, float] = field(default_factory=lambda: {
        # NIKs of two people born the same day in one kecamatan are often one serial apart: a serial typo is weak
        C.NIK_TYPO_REGION: 0.01, C.NIK_TYPO_DATE: 0.002, C.NIK_TYPO_SERIAL: 0.15, C.NIK_DIFF: 0.84})
    name_m: dict[int, float] = field(default_factory=lambda: {
        C.NAME_EXACT: 0.70, C.NAME_SHORTENED: 0.05, C.NAME_HIGH: 0.12, C.NAME_MID: 0.05, C.NAME_LOW: 0.04,
        C.NAME_DIFF: 0.04})
    #: m of the name levels per NIK situation (:func:`nik_group`: same NIK, a NIK typo, another or no NIK); a
    #: group missing here uses ``name_m``. A person's second registration under a *new* NIK comes from other
    #: papers and is often spelled differently (a dropped middle name, NURAINI / NUR AINI), while a repeated NIK is
    #: typed from the same card — so how a true duplicate's names compare depends on its NIKs, and the name
    #: evidence is not independent of the NIK evidence. :func:`estimate` fills this from the roll.
    name_m_by_nik: dict[int, dict[int, float]] = field(default_factory=dict)
    #: u of a near-identical name (high, mid) = kappa x the frequency of the commoner of the two names: a name has a
    #: few spelling variants, so a random voter is that close to it about kappa times as often as equal to it
    name_tf_kappa: dict[int, float] = field(default_factory=lambda: {C.NAME_HIGH: 2.0, C.NAME_MID: 4.0})
    #: floors of u for fuzzy name levels (the roll's random pairs may show more)
    name_u_floor: dict[int, float] = field(default_factory=lambda: {
        C.NAME_HIGH: 1e-5, C.NAME_MID: 1e-4, C.NAME_LOW: 1e-3, C.NAME_DIFF: 0.95})
    dob_m: dict[int, float] = field(default_factory=lambda: {C.DOB_EXACT: 0.90, C.DOB_TYPO: 0.05, C.DOB_DIFF: 0.05})
    #: u of a typo-like date: about 25 dates are one typo away from a given date
    dob_typo_neighbours: float = 25.0
    sex_agree: float = 0.96  # log2(0.97 / 0.5), only when the names do not already agree
    sex_diff: float = -4.06  # log2(0.03 / 0.5)
    #: marital status B/S/P: agreement among people of one age is common (u = 0.6); it changes over time
    marital_m: dict[int, float] = field(default_factory=lambda: {C.AGREE: 0.9, C.DIFF: 0.1})
    marital_u: dict[int, float] = field(default_factory=lambda: {C.AGREE: 0.6, C.DIFF: 0.4})
    #: birthplace: u of agreement = the place's share of voters (at least place_u_min)
    place_m: dict[int, float] = field(default_factory=lambda: {C.AGREE: 0.85, C.DIFF: 0.15})
    place_u_min: float = 1 / 16
    loc_weight: dict[int, float] = field(default_factory=lambda: {
        C.LOC_MISSING: 0.0, C.LOC_NKK: 2.0, C.LOC_ADDRESS: 1.5, C.LOC_TPS: 1.0, C.LOC_KELURAHAN: 0.5,
        C.LOC_OTHER: -0.5})
    twins_weight: float = -12.0
    sample_pairs: int = 200_000


@dataclass
class Scored:
    """Weights per field, total log-odds and score per pair."""

    w_nik: np.ndarray
    w_name: np.ndarray
    w_dob: np.ndarray
    w_sex: np.ndarray
    w_marital: np.ndarray
    w_place: np.ndarray
    w_loc: np.ndarray
    w_twins: np.ndarray
    log_odds: np.ndarray
    score: np.ndarray
    capped: np.ndarray  # bool: names clearly different, twins, or a common name on a placeholder date → capped
    name_u: np.ndarray
    dob_u: np.ndarray
    common_placeholder: np.ndarray  # bool: capped as a common name on a placeholder date (:func:`common_placeholder`)


def _lookup(levels: np.ndarray, table: dict[int, float], default: float = 0.0) -> np.ndarray:
    out = np.full(len(levels), default)
    for k, v in table.items():
        out[levels == k] = v
    return out


def estimate_name_u(r: Records, model: Model, seed: int = 0) -> dict[int, float]:
    """u of the fuzzy name levels: their share among random pairs of records (deterministic sample)."""
    valid = np.flatnonzero(r.name >= 0)
    u = dict(model.name_u_floor)
    if len(valid) < 3:
        return u
    rng = np.random.default_rng(seed)
    k = min(model.sample_pairs, len(valid) * (len(valid) - 1) // 2)
    a = valid[rng.integers(0, len(valid), k)]
    b = valid[rng.integers(0, len(valid), k)]
    keep = (a != b) & (r.name[a] != r.name[b])
    a, b = a[keep], b[keep]
    if len(a) == 0:
        return u
    level, _ = C.compare_names(r, a, b)
    for lv in (C.NAME_HIGH, C.NAME_MID, C.NAME_LOW):
        u[lv] = max(u[lv], float((level == lv).mean()))
    u[C.NAME_DIFF] = max(1e-3, 1.0 - sum(u[lv] for lv in (C.NAME_HIGH, C.NAME_MID, C.NAME_LOW)))
    return u


def carrier_freq(t: NameTable, codes: np.ndarray, total: int) -> np.ndarray:
    """u of a name level whose evidence is one record's name (the shorter name of a dropped middle name): the share
    of voters carrying it, ``count / N`` (``count - 1`` carriers other than the record, plus one), or the
    ``--frequencies`` table's share."""
    x = np.maximum(codes, 0)
    return np.where(t.from_table[x], t.freq[x], np.maximum(t.count[x], 1) / total)


def shorter_name(t: NameTable, ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
    """Name code of the shorter of two names (fewer tokens): the name a dropped middle name agrees on."""
    return np.where(t.ntok[np.maximum(ca, 0)] < t.ntok[np.maximum(cb, 0)], ca, cb)


def middle_name_share(t: NameTable) -> float:
    """Share of named voters whose name has three or more tokens (a middle name that can be left out)."""
    total = int(t.count.sum())
    return float(t.count[t.ntok >= 3].sum()) / total if total else 1.0


def succession_freq(t: NameTable, codes: np.ndarray, total: int) -> np.ndarray:
    """u of an exact agreement on each name code: ``(count - 1) / N`` (``count - 2`` other carriers plus one),
    or the ``--frequencies`` table's share."""
    x = np.maximum(codes, 0)
    return np.where(t.from_table[x], t.freq[x], np.maximum(t.count[x] - 1, 1) / total)


@dataclass
class Evidence:
    """What does not change while m is estimated: u per pair of the m-estimated fields, and fixed weights."""

    nik_u: np.ndarray
    name_u: np.ndarray
    dob_u: np.ndarray
    marital_u: np.ndarray
    place_u: np.ndarray
    w_sex: np.ndarray
    w_loc: np.ndarray
    w_twins: np.ndarray
    capped: np.ndarray
    common_placeholder: np.ndarray

    def fixed(self) -> np.ndarray:
        return self.w_sex + self.w_loc + self.w_twins


def evidence(r: Records, cmp: C.Comparison, model: Model, name_u_rates: dict[int, float]) -> Evidence:
    """u of every pair's NIK, name and birth-date levels, and the fixed weights of the other fields."""
    n = len(cmp)
    a = cmp.a
    big_n = max(r.n - 1, 1)

    nik_u = np.ones(n)
    nik_u[cmp.nik == C.NIK_EXACT] = model.nik_error_rate / big_n
    for lv, u in model.nik_u.items():
        nik_u[cmp.nik == lv] = u

    # name: exact agreement weighted by the name's frequency; near levels by the commoner name's frequency
    t = r.names
    fa = np.where(r.name[a] >= 0, t.freq[np.maximum(r.name[a], 0)], 1.0) if len(t.freq) else np.ones(n)
    fb = np.where(r.name[cmp.b] >= 0, t.freq[np.maximum(r.name[cmp.b], 0)], 1.0) if len(t.freq) else np.ones(n)
    fmax = np.maximum(fa, fb)
    name_u = np.ones(n)
    # exact: the roll's count by the rule of succession — k = count-2 other carriers seen → (k+1)/N, so a third
    # voter with the name weakens the pair (records.freq floors k at one: no other carrier and one count alike)
    ex = cmp.name == C.NAME_EXACT
    total = max(int(t.count.sum()), 1)
    if len(t.count) and ex.any():
        ea = succession_freq(t, r.name[a[ex]], total)
        eb = succession_freq(t, r.name[cmp.b[ex]], total)
        name_u[ex] = np.maximum(ea, eb)
    # dropped middle name: the shorter name's share of voters — DEDI DARMADI (one in a million) is strong, ANDI
    # KURNIAWAN (every ANDI … KURNIAWAN's short form) weak — times the share of voters whose name has a middle
    # name to drop (m of the level is a share of *all* duplicates; only those with three or more tokens can show it)
    sh = cmp.name == C.NAME_SHORTENED
    if len(t.count) and sh.any():
        short = shorter_name(t, r.name[a[sh]], r.name[cmp.b[sh]])
        name_u[sh] = carrier_freq(t, short, total) * middle_name_share(t)
    for lv, kappa in model.name_tf_kappa.items():
        sel = cmp.name == lv
        name_u[sel] = np.maximum(kappa * fmax[sel], 1.0 / big_n)
    name_u[cmp.name == C.NAME_LOW] = name_u_rates[C.NAME_LOW]
    name_u[cmp.name == C.NAME_DIFF] = name_u_rates[C.NAME_DIFF]

    # birth date: exact agreement weighted by the date's frequency (placeholders are weak)
    dob_u = np.ones(n)
    ex = cmp.dob == C.DOB_EXACT
    dob_u[ex] = r.day_freq[a[ex]]
    dob_u[cmp.dob == C.DOB_TYPO] = min(1.0, model.dob_typo_neighbours * ORDINARY_DAY_SHARE)

    # sex: agreement says nothing once the names agree (names carry the sex); disagreement always counts
    names_agree = np.isin(cmp.name, (C.NAME_EXACT, C.NAME_SHORTENED, C.NAME_HIGH, C.NAME_MID))
    w_sex = np.where(cmp.sex == C.DIFF, model.sex_diff, np.where((cmp.sex == C.AGREE) & ~names_agree,
                                                                  model.sex_agree, 0.0))
    marital_u = _lookup(cmp.marital, model.marital_u, 1.0)
    # birthplace: agreement weighted by the place's frequency
    pf = np.where(r.place[a] >= 0, r.place_freq[np.maximum(r.place[a], 0)], 1.0) if len(r.place_freq) else \
        np.ones(n)
    place_u = np.where(cmp.place == C.AGREE, np.maximum(pf, model.place_u_min),
                       np.where(cmp.place == C.DIFF, np.maximum(1.0 - pf, 0.05), 1.0))
    w_loc = _lookup(cmp.loc, model.loc_weight)
    w_twins = np.where(cmp.twins, model.twins_weight, 0.0)
    common = common_placeholder(r, cmp, name_u)
    capped = (cmp.name == C.NAME_DIFF) | cmp.twins | common
    return Evidence(nik_u=nik_u, name_u=name_u, dob_u=dob_u, marital_u=marital_u, place_u=place_u, w_sex=w_sex,
                    w_loc=w_loc, w_twins=w_twins, capped=capped, common_placeholder=common)


def name_share(r: Records, cmp: C.Comparison, name_u: np.ndarray) -> np.ndarray:
    """Share of voters carrying the name that agrees (the shorter one of a dropped middle name), as the reasons
    show it: the exact-name u, or the dropped-middle-name u without the middle-name share."""
    out = name_u.copy()
    sh = cmp.name == C.NAME_SHORTENED
    if sh.any():
        out[sh] = name_u[sh] / middle_name_share(r.names)
    return out


def common_placeholder(r: Records, cmp: C.Comparison, name_u: np.ndarray) -> np.ndarray:
    """Pairs capped at ``possible``: the same name (or the same without a middle name) that at least one voter in
    10,000 carries, born on the same Dukcapil placeholder date (1 January, 1 July, 31 December), under two NIKs (or
    without), with no family card or address in common. That is exactly what unrelated namesakes share — the
    failure of matching on name and birth date alone — so such a pair is for review, never a group, however the
    frequencies add up (a shared rare birthplace or kelurahan does not lift it).

    A name carried by no one but the pair itself is never "not rare" by the roll's own count, however small the
    roll (in a roll of 5,000 voters two carriers are already one in 2,500): nothing in the roll shows the name to be
    common, and true second registrations look exactly like that. Its share from a ``--frequencies`` table counts."""
    n = len(cmp)
    if n == 0:
        return np.zeros(0, dtype=bool)
    _, month, day = month_day(r.day[cmp.a])
    placeholder = np.zeros(n, dtype=bool)
    for mm, dd in PLACEHOLDER_FACTOR:
        placeholder |= (month == mm) & (day == dd)
    two_niks = ~np.isin(cmp.nik, (C.NIK_EXACT, C.NIK_TYPO_REGION, C.NIK_TYPO_DATE, C.NIK_TYPO_SERIAL))
    apart = ~np.isin(cmp.loc, (C.LOC_NKK, C.LOC_ADDRESS))
    same_name = np.isin(cmp.name, (C.NAME_EXACT, C.NAME_SHORTENED))
    return (same_name & (cmp.dob == C.DOB_EXACT) & placeholder & two_niks & apart
            & (name_share(r, cmp, name_u) >= COMMON_NAME_SHARE) & _carried_elsewhere(r, cmp))


def _carried_elsewhere(r: Records, cmp: C.Comparison) -> np.ndarray:
    """True where the agreeing name (the shorter one of a dropped middle name) is carried by a record outside the
    pair, or its share comes from a ``--frequencies`` table."""
    t = r.names
    n = len(cmp)
    if not len(t.count):
        return np.zeros(n, dtype=bool)
    ca, cb = r.name[cmp.a], r.name[cmp.b]
    shortened = cmp.name == C.NAME_SHORTENED
    code = np.maximum(np.where(shortened, shorter_name(t, ca, cb), ca), 0)
    in_pair = np.where(shortened, 1, 2)  # records of the pair that carry the agreeing name
    return (ca >= 0) & (t.from_table[code] | (t.count[code] > in_pair))


def _weights(levels: np.ndarray, u: np.ndarray, m: dict[int, float]) -> np.ndarray:
    w = np.zeros(len(levels))
    for lv, mv in m.items():
        sel = levels == lv
        w[sel] = np.log2(mv / u[sel])
    return w


def nik_group(cmp: C.Comparison) -> np.ndarray:
    """NIK situation of each pair: NIK_SAME (one NIK), NIK_NEAR (one typo apart), NIK_OTHER (different or missing)."""
    near = np.isin(cmp.nik, (C.NIK_TYPO_REGION, C.NIK_TYPO_DATE, C.NIK_TYPO_SERIAL))
    return np.select([cmp.nik == C.NIK_EXACT, near], [NIK_SAME, NIK_NEAR], NIK_OTHER).astype(np.int8)


def name_m_of(model: Model, group: int) -> dict[int, float]:
    """m of the name levels for pairs in one NIK situation."""
    return model.name_m_by_nik.get(group, model.name_m)


def _name_weights(cmp: C.Comparison, u: np.ndarray, model: Model, groups: np.ndarray) -> np.ndarray:
    """Name weights with the m of each pair's NIK situation."""
    w = np.zeros(len(groups))
    for g in range(len(NIK_GROUPS)):
        sel = groups == g
        if sel.any():
            w[sel] = _weights(cmp.name[sel], u[sel], name_m_of(model, g))
    return w


def _prob(log_odds: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(log_odds, -60, 60)))


def weigh(r: Records, cmp: C.Comparison, ev: Evidence, model: Model) -> Scored:
    """Log-odds and score of each pair from the evidence and the model's m and prior."""
    prior = np.log2(model.dup_rate / max(r.n - 1, 1))
    w_nik = _weights(cmp.nik, ev.nik_u, model.nik_m)
    w_name = _name_weights(cmp, ev.name_u, model, nik_group(cmp))
    w_dob = _weights(cmp.dob, ev.dob_u, model.dob_m)
    w_marital = _weights(cmp.marital, ev.marital_u, model.marital_m)
    w_place = _weights(cmp.place, ev.place_u, model.place_m)
    log_odds = prior + w_nik + w_name + w_dob + w_marital + w_place + ev.fixed()
    score = np.where(ev.capped, np.minimum(_prob(log_odds), CAP_SCORE), _prob(log_odds))
    return Scored(w_nik=w_nik, w_name=w_name, w_dob=w_dob, w_sex=ev.w_sex, w_marital=w_marital,
                  w_place=w_place, w_loc=ev.w_loc, w_twins=ev.w_twins, log_odds=log_odds, score=score,
                  capped=ev.capped, name_u=ev.name_u, dob_u=ev.dob_u, common_placeholder=ev.common_placeholder)


def score_pairs(r: Records, cmp: C.Comparison, model: Model, name_u_rates: dict[int, float]) -> Scored:
    """Log-odds and score of each compared pair."""
    return weigh(r, cmp, evidence(r, cmp, model, name_u_rates), model)


def estimate(r: Records, cmp: C.Comparison, ev: Evidence, model: Model, iterations: int = 25) -> Model:
    """The prior and the m-probabilities of the NIK, name, birth-date, marital-status and birthplace levels, from the
    roll itself.

    Expectation–maximisation over the candidate pairs with ``u`` held fixed (as Splink trains m after estimating u
    by random sampling); every pair that is not a candidate counts as a non-match. The prior λ (other registrations
    of a person per record) solves ``λ = 2/N · Σ P(match)`` (smoothed towards the default with the weight of 10,000
    records, bounded to [1e-4, 0.05]); m of each level is the share
    of the expected matches at that level, smoothed towards the default m with 20 pseudo-matches so that a small
    roll cannot drive a level to zero. The name levels are estimated per NIK situation (same NIK, NIK typo, another
    or no NIK — :attr:`Model.name_m_by_nik`), each smoothed with 50 pseudo-matches towards the pooled estimate of
    all pairs (``name_m``), so a situation with few duplicates keeps the pooled values. Guarded pairs (twins,
    clearly different names) count with their capped probability.
    """
    n = max(r.n, 2)
    fields = ((cmp.nik, ev.nik_u, "nik_m", C.NIK_MISSING), (cmp.name, ev.name_u, "name_m", C.NAME_MISSING),
              (cmp.dob, ev.dob_u, "dob_m", C.DOB_MISSING), (cmp.marital, ev.marital_u, "marital_m", C.MISSING),
              (cmp.place, ev.place_u, "place_m", C.MISSING))
    fixed = ev.fixed()
    groups = nik_group(cmp)
    name_present = cmp.name != C.NAME_MISSING
    defaults = {attr: dict(getattr(model, attr)) for _, _, attr, _ in fields}
    defaults_rate = model.dup_rate
    alpha = 20.0
    for _ in range(iterations):
        lo = np.log2(model.dup_rate / (n - 1)) + fixed + _name_weights(cmp, ev.name_u, model, groups)
        for lv, u, attr, _ in fields:
            if attr != "name_m":
                lo = lo + _weights(lv, u, getattr(model, attr))
        p = np.where(ev.capped, np.minimum(_prob(lo), CAP_SCORE), _prob(lo))
        # smoothed towards the default with the weight of 10,000 records: a small roll keeps the default prior
        lam = float(np.clip((2.0 * float(p.sum()) + PRIOR_RECORDS * defaults_rate) / (n + PRIOR_RECORDS), 1e-4, 0.05))
        updates: dict[str, object] = {"dup_rate": lam}
        for lv, _, attr, missing in fields:
            present = lv != missing
            denom = float(p[present].sum()) + alpha
            updates[attr] = {level: max((float(p[present & (lv == level)].sum()) + alpha * m0) / denom, 1e-3)
                             for level, m0 in defaults[attr].items()}
        pooled = updates["name_m"]
        assert isinstance(pooled, dict)
        by_nik: dict[int, dict[int, float]] = {}
        for g in range(len(NIK_GROUPS)):
            sel = name_present & (groups == g)
            denom = float(p[sel].sum()) + NIK_GROUP_PSEUDO
            by_nik[g] = {level: max((float(p[sel & (cmp.name == level)].sum()) + NIK_GROUP_PSEUDO * m0) / denom,
                                    1e-3)
                         for level, m0 in pooled.items()}
        updates["name_m_by_nik"] = by_nik
        new = replace(model, **updates)
        delta = abs(new.dup_rate - model.dup_rate) / model.dup_rate
        model = new
        if delta < 1e-4:
            break
    return model


def confidence(score: np.ndarray, threshold: float) -> np.ndarray:
    """certain ≥ max(0.99, threshold); likely ≥ threshold; possible ≥ 0.5; else ''."""
    certain_min = max(CERTAIN_MIN, threshold)
    return np.select([score >= certain_min, score >= threshold, score >= min(POSSIBLE_MIN, threshold)],
                     [CERTAIN, LIKELY, POSSIBLE], "").astype(object)


def match_type(cmp: C.Comparison) -> np.ndarray:
    """nik_exact: one NIK; nik_typo: NIKs one typo apart; name_dob: different or missing NIKs, linked by the name
    and birth date."""
    typo = np.isin(cmp.nik, (C.NIK_TYPO_REGION, C.NIK_TYPO_DATE, C.NIK_TYPO_SERIAL))
    return np.select([cmp.nik == C.NIK_EXACT, typo], ["nik_exact", "nik_typo"], "name_dob").astype(object)


def nik_conflict(cmp: C.Comparison) -> np.ndarray:
    """Same NIK, clearly different name and a birth date that is neither equal nor a typo: two persons."""
    return (cmp.nik == C.NIK_EXACT) & (cmp.name == C.NAME_DIFF) & np.isin(cmp.dob, (C.DOB_DIFF, C.DOB_MISSING))
