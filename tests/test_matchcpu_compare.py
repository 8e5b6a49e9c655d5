"""The NIK pairs' texts compared in old row order (:func:`dpt_tools.diff._head_differs`: new values gathered into
old row order, the old column as read) say exactly what comparing the gathered pairs says, missing values included
(two missing values are the same)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from dpt_tools import diff as D


@pytest.mark.parametrize("seed", range(40))
def test_head_differs_is_the_pairwise_comparison(seed):
    rng = np.random.default_rng(seed)
    n_old, n_new = int(rng.integers(2, 80)), int(rng.integers(1, 80))
    words = ["A", "B", "", None, "BUDI", "budi"]
    old = [words[i] for i in rng.integers(0, len(words), n_old)]
    new = [words[i] for i in rng.integers(0, len(words), n_new)]
    k = int(rng.integers(0, min(n_old, n_new) + 1))
    po = np.sort(rng.choice(n_old, k, replace=False))
    pn = rng.choice(n_new, k, replace=False)
    want = [not (a == b or (a is None and b is None)) for a, b in
            zip((old[i] for i in po), (new[j] for j in pn), strict=True)]
    arr = pa.array(old, type=pa.large_string() if seed % 3 == 0 else pa.string())
    col_o = pa.chunked_array([arr.slice(i, 7) for i in range(0, n_old, 7)]) if seed % 2 else arr
    first = np.zeros(n_old, dtype=bool)
    first[po] = True
    head = D._Head.of(np.concatenate([po, [0, 1]]), np.concatenate([pn, [0, 0]]), first)  # two pairs after
    got = D._head_differs(col_o, pa.array(new, type=pa.string()), head)
    assert head.k == k and got.tolist() == [i for i, w in enumerate(want) if w]
