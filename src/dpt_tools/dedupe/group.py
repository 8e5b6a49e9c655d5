"""Persons from pairs: groups that do not chain, and the record a clean-up keeps.

Connected components over pairwise links chain: A–B and B–C put A and C in one group even when A and C are twins,
and on a large roll weak links glue neighbours, namesakes and families into giant groups. Here a group is built by
*complete linkage*: inside each connected component every missing pair is scored too, and two clusters merge
(strongest link first) only if **every** pair across them is itself a link (score ≥ threshold, not capped, not a
NIK conflict). So every pair inside a reported group is at least ``likely`` and the rows of a NIK conflict are never
grouped together.

Components of two records (almost all of them) are settled with numpy; only components of three or more records go
through the small merge loop, each on a dense boolean matrix of its own pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np

#: Components larger than this are first split by dropping their weakest links (a pathological roll: a link graph
#: that large is chaining, not one person).
MAX_COMPONENT = 400

ScoreFn = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]  # (a, b) → (score, is_link)


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label (smallest member index) of every node 0..n-1 under edges (a, b); vectorised
    union–find by pointer jumping."""
    parent = np.arange(n, dtype=np.int64)
    if len(a) == 0:
        return parent
    a = a.astype(np.int64)
    b = b.astype(np.int64)
    while True:
        ra, rb = parent[a], parent[b]
        lo, hi = np.minimum(ra, rb), np.maximum(ra, rb)
        changed = lo != hi
        if not changed.any():
            break
        np.minimum.at(parent, hi[changed], lo[changed])
        while True:  # compress paths
            nxt = parent[parent]
            if np.array_equal(nxt, parent):
                break
            parent = nxt
    return parent


def _pair_key(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)


def _intra_pairs(members: np.ndarray, label: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs of members sharing a label (members sorted by label)."""
    o = np.lexsort((members, label))
    m, lab = members[o], label[o]
    start = np.r_[True, lab[1:] != lab[:-1]]
    gstart = np.flatnonzero(start)
    gid = np.cumsum(start) - 1
    gsize = np.diff(np.r_[gstart, len(m)])
    rank = np.arange(len(m)) - gstart[gid]
    cnt = gsize[gid] - 1 - rank
    total = int(cnt.sum())
    first = np.repeat(np.arange(len(m)), cnt)
    off = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt) + 1
    return m[first], m[first + off]


def _complete_linkage(nodes: np.ndarray, link: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Cluster label (index into nodes) per node: merge in descending score order while every cross pair links."""
    k = len(nodes)
    label = np.arange(k)
    iu, ju = np.triu_indices(k, 1)
    cand = np.flatnonzero(link[iu, ju])
    order = cand[np.lexsort((ju[cand], iu[cand], -score[iu[cand], ju[cand]]))]
    for e in order:
        i, j = iu[e], ju[e]
        li, lj = label[i], label[j]
        if li == lj:
            continue
        mi, mj = label == li, label == lj
        if link[np.ix_(mi, mj)].all():
            label[mj] = li
    return label


def build_groups(n: int, a: np.ndarray, b: np.ndarray, score: np.ndarray, link: np.ndarray,
                 score_fn: ScoreFn) -> tuple[np.ndarray, dict[str, int]]:
    """Group label per record (-1: in no group) from scored pairs; ``score_fn`` scores pairs not yet scored.

    Returns (label, stats) where label values are arbitrary ints shared by the members of a group.
    """
    stats = {"components": 0, "components_split": 0, "pairs_scored_for_groups": 0}
    la, lb, ls = a[link], b[link], score[link]
    label = np.full(n, -1, dtype=np.int64)
    if len(la) == 0:
        return label, stats
    nodes = np.unique(np.r_[la, lb])
    local = np.searchsorted(nodes, np.r_[la, lb])
    comp = components(len(nodes), local[: len(la)], local[len(la):])
    sizes = np.bincount(comp, minlength=len(nodes))
    stats["components"] = len(np.unique(comp))
    # components of two: the one link is the group
    two = sizes[comp] == 2
    label[nodes[two]] = nodes[comp[two]]
    multi = np.flatnonzero(sizes[comp] > 2)
    if len(multi) == 0:
        return label, stats

    known_key = _pair_key(a, b, n)
    order = np.argsort(known_key)
    known_key, known_score, known_link = known_key[order], score[order], link[order]
    m_nodes, m_comp = nodes[multi], comp[multi]
    m_comp = _split_large(m_nodes, m_comp, la, lb, ls, stats)
    pa_, pb_ = _intra_pairs(m_nodes, m_comp)
    keys = _pair_key(pa_, pb_, n)
    pos = np.minimum(np.searchsorted(known_key, keys), max(len(known_key) - 1, 0))
    have = known_key[pos] == keys
    s = np.where(have, known_score[pos], 0.0)
    lk = np.where(have, known_link[pos], False)
    todo = np.flatnonzero(~have)
    stats["pairs_scored_for_groups"] = len(todo)
    if len(todo):
        s_new, l_new = score_fn(np.minimum(pa_[todo], pb_[todo]), np.maximum(pa_[todo], pb_[todo]))
        s[todo], lk[todo] = s_new, l_new
    # per component: dense matrices, complete linkage (a loop over components of three or more records only)
    if len(pa_) == 0:
        return label, stats
    pair_comp = m_comp[np.searchsorted(m_nodes, pa_)]  # m_nodes is sorted (a subset of np.unique output)
    by_comp = np.argsort(pair_comp, kind="stable")
    bounds = np.flatnonzero(np.r_[True, pair_comp[by_comp][1:] != pair_comp[by_comp][:-1], True])
    for lo_, hi_ in pairwise(bounds):
        idx = by_comp[lo_:hi_]
        members = np.unique(np.r_[pa_[idx], pb_[idx]])
        k = len(members)
        li = np.searchsorted(members, pa_[idx])
        lj = np.searchsorted(members, pb_[idx])
        lmat = np.zeros((k, k), dtype=bool)
        smat = np.zeros((k, k))
        lmat[li, lj] = lmat[lj, li] = lk[idx]
        smat[li, lj] = smat[lj, li] = s[idx]
        cl = _complete_linkage(members, lmat, smat)
        counts = np.bincount(cl, minlength=k)
        ok = counts[cl] >= 2
        label[members[ok]] = members[cl[ok]]  # representative: a member index, unique per cluster
    return label, stats


def _split_large(nodes: np.ndarray, comp: np.ndarray, la: np.ndarray, lb: np.ndarray, ls: np.ndarray,
                 stats: dict[str, int]) -> np.ndarray:
    """Relabel components above MAX_COMPONENT by dropping their weakest links until they fall apart."""
    sizes = np.bincount(np.unique(comp, return_inverse=True)[1])
    if sizes.max(initial=0) <= MAX_COMPONENT:
        return comp
    stats["components_split"] += int((sizes > MAX_COMPONENT).sum())
    in_nodes = np.isin(la, nodes) & np.isin(lb, nodes)
    ea, eb, es = la[in_nodes], lb[in_nodes], ls[in_nodes]
    cuts = np.sort(np.unique(es))
    for cut in cuts:
        keep = es > cut
        local_a = np.searchsorted(nodes, ea[keep])
        local_b = np.searchsorted(nodes, eb[keep])
        lab = components(len(nodes), local_a, local_b)
        if np.bincount(lab, minlength=len(nodes)).max(initial=0) <= MAX_COMPONENT:
            return lab
    return np.arange(len(nodes))


def choose_keep(label: np.ndarray, complete: np.ndarray, src: np.ndarray, row: np.ndarray) -> np.ndarray:
    """True for the record each group keeps: the most complete (most non-empty canonical fields), then the latest
    (the later file on the command line, then the highest row number)."""
    keep = np.zeros(len(label), dtype=bool)
    members = np.flatnonzero(label >= 0)
    if len(members) == 0:
        return keep
    o = np.lexsort((-row[members], -src[members].astype(np.int64), -complete[members].astype(np.int64),
                    label[members]))
    ordered = members[o]
    first = np.r_[True, label[ordered][1:] != label[ordered][:-1]]
    keep[ordered[first]] = True
    return keep
