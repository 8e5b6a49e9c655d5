"""The NIK join by one sort of packed (key, index) int64s gives exactly what a plain count per key gives: pairs of
keys held once by each version (old positions increasing), keys repeated within a version, keys held once here and
twice there — also when two keys share the low bits the sort packs (the dense-code path)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from dpt_tools import diff as D


def _reference(ko: np.ndarray, vo: np.ndarray, kn: np.ndarray, vn: np.ndarray):
    """The join in plain Python: counts per key, pairs in old row order."""
    co = Counter(int(k) for k, v in zip(ko, vo, strict=True) if v)
    cn = Counter(int(k) for k, v in zip(kn, vn, strict=True) if v)
    new_at = {int(k): j for j, (k, v) in enumerate(zip(kn, vn, strict=True)) if v}
    po = [i for i, (k, v) in enumerate(zip(ko, vo, strict=True)) if v and co[int(k)] == 1 and cn[int(k)] == 1]
    pn = [new_at[int(ko[i])] for i in po]
    rep_o = [bool(v and co[int(k)] > 1) for k, v in zip(ko, vo, strict=True)]
    rep_n = [bool(v and cn[int(k)] > 1) for k, v in zip(kn, vn, strict=True)]
    oth_o = [bool(v and co[int(k)] == 1 and cn[int(k)] > 1) for k, v in zip(ko, vo, strict=True)]
    oth_n = [bool(v and cn[int(k)] == 1 and co[int(k)] > 1) for k, v in zip(kn, vn, strict=True)]
    return po, pn, rep_o, rep_n, oth_o, oth_n


def _check(ko: np.ndarray, vo: np.ndarray, kn: np.ndarray, vn: np.ndarray) -> None:
    ko, kn = np.where(vo, ko, -1).astype(np.int64), np.where(vn, kn, -1).astype(np.int64)
    o = D._Nik(ko, vo, ~vo, np.zeros(len(ko), bool))
    n = D._Nik(kn, vn, ~vn, np.zeros(len(kn), bool))
    po, pn, oth_o, oth_n = D._nik_join(o, n)
    want = _reference(ko, vo, kn, vn)
    assert po.tolist() == want[0] and pn.tolist() == want[1]
    assert o.repeated.tolist() == want[2] and n.repeated.tolist() == want[3]
    assert oth_o.tolist() == want[4] and oth_n.tolist() == want[5]


@pytest.mark.parametrize("seed", range(300))
def test_nik_join_counts_like_a_plain_count(seed):
    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 10**16 if seed % 2 else 10**4, int(rng.integers(1, 50))) + (0 if seed % 2 else 3171 * 10**12)
    na, nb = int(rng.integers(0, 60)), int(rng.integers(0, 60))
    ko, kn = rng.choice(pool, na), rng.choice(pool, nb)
    if seed % 3 == 0:  # mostly distinct keys: the usual case
        ko = rng.permutation(np.resize(pool, na)) if na else ko
        kn = rng.permutation(np.resize(pool, nb)) if nb else kn
    vo, vn = rng.random(na) < rng.random() + 0.3, rng.random(nb) < rng.random() + 0.3
    _check(ko, vo, kn, vn)


@pytest.mark.parametrize("seed", range(50))
def test_keys_sharing_their_low_bits_are_not_confused(seed):
    """With 40 keys the index takes 6 bits and the key's low 57 bits are sorted: keys 2**57 apart collide."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**20, 6)
    pool = np.concatenate([base, base + 2**57, base + 2**58])
    ko, kn = rng.choice(pool, 20), rng.choice(pool, 20)
    if seed % 2:
        ko, kn = rng.permutation(pool)[:18], rng.permutation(pool)[:18]
    assert len(np.unique(np.concatenate([ko, kn]) % 2**57)) < len(np.unique(np.concatenate([ko, kn])))
    _check(ko, np.ones(len(ko), bool), kn, np.ones(len(kn), bool))


def test_one_version_without_valid_niks_still_marks_repeats():
    ko = np.array([5, 5, 7, 8, 8, 8])
    _check(ko, np.ones(6, bool), np.array([1, 2]), np.zeros(2, bool))
    _check(np.array([1]), np.zeros(1, bool), ko, np.ones(6, bool))
    _check(np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, np.int64), np.zeros(0, bool))


@pytest.mark.parametrize("far", [2**20, 2**60])
def test_grouped_keys_puts_equal_keys_together_old_first(monkeypatch, far):
    """7 keys: 3 index bits, the low 60 bits of each key sorted; ``2**60 + 9`` shares them with 9 (dense codes)."""
    dense = []
    encode = D.pc.dictionary_encode
    monkeypatch.setattr(D.pc, "dictionary_encode", lambda *a, **k: dense.append(1) or encode(*a, **k))
    ko, kn = np.array([9, far + 9, 4, 9]), np.array([4, far + 9, 9])
    at, same = D._grouped_keys(ko, kn)
    assert len(dense) == (far == 2**60)
    keys = np.concatenate([ko, kn])[at]
    runs = np.split(at, np.flatnonzero(~same) + 1)
    assert sorted(len(r) for r in runs) == [2, 2, 3]
    for r in runs:
        assert len(set(keys[np.isin(at, r)].tolist())) == 1 and r.tolist() == sorted(r.tolist())
    assert sorted(at.tolist()) == list(range(7))
