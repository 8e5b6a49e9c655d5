"""Indonesian name folding for de-duplication and cleaning, vectorised over whole columns.

Every public function takes a pandas Series, a pyarrow Array/ChunkedArray or a list of str and works on
the *distinct* values only (``dictionary_encode`` → pyarrow.compute regex kernels on the dictionary →
``take`` back), so a roll with millions of rows costs as much as its distinct names; there is no Python
loop or ``.apply`` per row. String results are pandas Series of dtype ``string[pyarrow]``
(:data:`STRING_DTYPE`) with the input's index (for a Series input); nulls stay ``<NA>``; a name that
folds to nothing becomes ``""``, not null.

Three forms of a name
---------------------
* ``name_clean`` (:func:`split_titles`): the display / clean form: Unicode NFKC, upper case, control and
  format characters dropped, whitespace collapsed, titles and degrees removed; other punctuation is kept
  (``"ABD. ROHMAN"``).
* ``gelar``: the titles and degrees found, normalised, joined by ``", "`` (``"DRA., HJ., M.SI"``).
* ``folded`` (:func:`fold_names`): the matching key: only ``A-Z`` and single spaces. Not for display.

Titles and degrees
------------------
Why: they are written into NAMA inconsistently (``H. DEDI`` on one roll, ``DEDI`` on the next) and would
otherwise make one person look like two.

* Leading titles, repeatedly: ``PROF. DR. DRS. DRA. DRG. IR. H. HJ. KH. K.H. NS.`` Without a dot only
  ``PROF DRS DRA DRG DR IR KH HJ H``, and only as a whole first token followed by another word, so
  ``HERMAN``, ``IRWAN`` and a lone ``HJ`` are kept. ``H`` as a first token is read as the hajj title.
* Trailing degrees, repeatedly, after a space or comma and only if some name is left (:data:`DEGREES`):
  ``S.PD``, ``S.E.``, ``M.SI``, ``A.MD.KEP``, ``PH.D`` … Dots are optional for degrees marked *bare*
  (``SPD``, ``SE``, ``SH``, ``MM``, ``AMD`` …) and required for those whose bare form could be a name part
  or initials (``S.S.``, ``M.A.``, ``M.H.``, ``S.P.``), except after a comma, where any listed degree may
  be bare (``, MH``). A space after a dot is allowed only before a part of two or more letters (``S. PD``
  yes; ``S. H.`` no, that is more likely two initials). Whole tokens only: ``SEPTI`` never loses ``SE``.
  After a comma, any ``S./M./SP./A./B./PH./DR.`` + letters pattern (``S.KED``, ``SP.OG``) is a degree too,
  kept in its own spelling.

Folding rules, in order (and why)
---------------------------------
1. NFKD, drop what is not ASCII (accents, zero-width characters), upper case, every whitespace or control
   character to one space: exports mix encodings and Excel inserts non-breaking spaces.
2. Titles and degrees removed as above.
3. Apostrophes removed without a space (``MA'RUF`` = ``MARUF``; a typographic ’ already went in step 1);
   every other non-letter (dots, commas, hyphens, digits) becomes a space (``SITI-AMINAH``).
4. Spelling before the 1972 reform (EYD), on the whole string, in this order: ``OE→U`` (SOEKARNO),
   ``DJ→J`` (DJOKO), ``TJ→C`` (TJAHJO), ``CH→KH`` (CHAIRUL; after TJ→C so that TJH and CH agree), then
   ``J→Y`` for *every* remaining J. That last rule is a deliberate choice: old ``J`` is new ``Y``
   (JUSUF = YUSUF) while new ``J`` comes from old ``DJ`` (DJOKO = JOKO), and modern names are written with J
   (JOKO). The letters alone cannot tell an old J from a modern one, so the key merges J and Y into one
   symbol, ``Y``: JUSUF, YUSUF → YUSUF; DJOKO, JOKO → YOKO; TJAHJO, CAHYO → CAHYO. ``SJ→SY`` and ``NJ→NY``
   follow from it. Y rather than J because Y is the more common letter in modern names, so more keys stay
   readable. Cost: different names that differ only in J/Y (JANTI / YANTI) share a key; acceptable for a
   key that feeds a scorer, not a verdict. Modern OE/CH are folded as well (CHRISTINA → KHRISTINA), which
   is harmless because it happens to both sides of a comparison.
5. ``NOOR…`` at a token start → ``NUR…`` (before step 6, which would make it NOR).
6. Doubled letters become single (SUSSANTO = SUSANTO, SITTI = SITI, ANNISA = ANISA, ABDULLAH → ABDULAH):
   doubling is a frequent spelling variant and typo, and rarely the only difference between two names.
7. Abbreviations and variants, on whole tokens: the MUHAMMAD family (``M`` followed by another word,
   ``MOH``, ``MUH``, ``MOCH``, ``MUCH``, ``MHD``, ``MOHD``, ``MUHD``, and ``M[OU](KH|H)AM[AE][DT]`` after
   steps 4 and 6: MOHAMMAD, MUHAMAD, MOCHAMMAD, MUHAMMED, MUHAMAT …) → ``MUHAMMAD`` (kept with MM: step 6
   runs first, so the canonical form is stable); ``A(KH|H)M[AE][DT]`` (ACHMAD, AKHMAD, AHMAT, AHMED) →
   ``AHMAD``; ``ABD``, ``ABDOL`` → ``ABDUL``; ``ST`` followed by another word → ``SITI`` (a trailing ``ST``
   is the degree S.T.); whole-token ``NOR``/``NOER``/``NOOR`` → ``NUR``; ``BT`` between two words →
   ``BINTI``.
8. The rules are re-applied to the values that changed until nothing changes (a few passes at most).
   This makes folding idempotent by construction, e.g. ``BUDI-SE`` → ``BUDI SE`` → ``BUDI``.

``BIN``/``BINTI`` + father's name stay in ``folded`` (the father's name is real evidence);
:func:`name_keys` adds ``folded_no_bin`` without them, and :func:`phonetic_key` skips the word itself.

Not folded on purpose (left to :func:`name_similarity` / :func:`phonetic_key`): F/P (FATIMAH/PATIMAH),
KH/H (KHAIRUL/HAIRUL, RAKHMAN/RAHMAN), Z/S (RIZKI/RISKI), AE/AI (ZAENAL/ZAINAL), Arabic assimilation
(ABDURRAHMAN/ABDUL RAHMAN). Known limitation: strings with lone surrogates (not valid UTF-8) are rejected
by pyarrow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# rapidfuzz is imported where names are scored, not here: ``dpt diff`` only folds names (~0.09 s of import saved)

__all__ = [
    "COMMON_TOKENS",
    "DEGREES",
    "PREFIX_TITLES",
    "STRING_DTYPE",
    "compact",
    "fold_names",
    "name_frequencies",
    "name_keys",
    "name_similarity",
    "other_token",
    "phonetic_key",
    "shortened",
    "split_titles",
    "token_frequencies",
]

#: dtype of every string result.
STRING_DTYPE = pd.StringDtype("pyarrow")

NamesLike = pd.Series | pa.Array | pa.ChunkedArray | Sequence[str | None]

# ----------------------------------------------------------------------------------------------------------
# Title and degree tables
# ----------------------------------------------------------------------------------------------------------

#: Leading titles: letters-only key → normalised spelling.
PREFIX_TITLES: dict[str, str] = {
    "PROF": "PROF.",
    "DRS": "DRS.",
    "DRA": "DRA.",
    "DRG": "DRG.",
    "DR": "DR.",
    "IR": "IR.",
    "KH": "KH.",
    "HJ": "HJ.",
    "H": "H.",
    "NS": "NS.",
}
# Dotted forms (any of them), bare forms (whole first token followed by another word).
_PREFIX_DOTTED = r"PROF|DRS|DRA|DRG|DR|IR|K\.\s?H|KH|HJ|H|NS"
_PREFIX_BARE = r"PROF|DRS|DRA|DRG|DR|IR|KH|HJ|H"

#: Trailing degrees: (normalised spelling, may be written without dots).
DEGREES: tuple[tuple[str, bool], ...] = (
    ("S.PD", True),
    ("S.PD.I", True),
    ("S.PD.SD", True),
    ("S.E.", True),
    ("S.E.I", False),
    ("S.H.", True),
    ("S.H.I", False),
    ("S.KOM", True),
    ("S.I.KOM", True),
    ("S.SOS", True),
    ("S.AG", True),
    ("S.IP", True),
    ("S.T.", True),
    ("S.KM", True),
    ("S.KEP", True),
    ("S.FARM", True),
    ("S.SI", True),
    ("S.PSI", True),
    ("S.KED", True),
    ("S.HUT", True),
    ("S.P.", False),
    ("S.TP", False),
    ("S.PT", False),
    ("S.ST", True),
    ("S.STP", True),
    ("S.S.", False),
    ("S.AK", False),
    ("S.KEB", True),
    ("S.GZ", False),
    ("M.SI", True),
    ("M.PD", True),
    ("M.PD.I", True),
    ("M.M.", True),
    ("M.H.", False),
    ("M.KES", True),
    ("M.KOM", True),
    ("M.AG", True),
    ("M.SC", True),
    ("M.T.", False),
    ("M.E.", False),
    ("M.AP", True),
    ("M.A.", False),
    ("M.HUM", True),
    ("M.KN", True),
    ("A.MD", True),
    ("A.MA", False),
    ("A.MD.KEP", True),
    ("A.MD.KEB", True),
    ("A.MD.FARM", True),
    ("A.MA.PD", True),
    ("A.MK", False),
    ("PH.D", True),
    ("MBA", True),
    ("NS.", False),
)

#: Very common leading tokens (folded form): religious/honorific, birth order, Balinese, Bugis, Butonese.
#: Two names that share only these get a low :func:`name_similarity`.
COMMON_TOKENS: tuple[str, ...] = (
    "MUHAMMAD",
    "AHMAD",
    "ABDUL",
    "SITI",
    "NUR",
    "SRI",
    "DEWI",
    "PUTRI",
    "RADEN",
    "ANDI",
    "LA",
    "WA",
    "DWI",
    "TRI",
    "EKO",
    "EKA",
    "I",
    "NI",
    "PUTU",
    "MADE",
    "KADEK",
    "KOMANG",
    "KETUT",
    "WAYAN",
    "NYOMAN",
    "GEDE",
    "GUSTI",
    "AYU",
    "LUH",
)
_COMMON_ALT = "|".join(sorted(COMMON_TOKENS, key=lambda t: (-len(t), t)))


def _degree_pattern(canon: str, bare_ok: bool) -> str:
    parts = canon.rstrip(".").split(".")
    if len(parts) == 1 and not bare_ok:
        return re.escape(parts[0]) + r"\."  # e.g. NS. needs its dot
    out = re.escape(parts[0])
    for part in parts[1:]:
        dot = r"\.\s?" if len(part) >= 2 else r"\."
        out += f"(?:{dot})?" if bare_ok else dot
        out += re.escape(part)
    return out


def _letters_key(canon: str) -> str:
    return re.sub(r"[^A-Z]", "", canon)


_DEGREE_CANON = {_letters_key(c): c for c, _ in DEGREES}
assert len(_DEGREE_CANON) == len(DEGREES), "degree keys must be unique"
_DEGREE_ALT = "|".join(_degree_pattern(c, b) for c, b in sorted(DEGREES, key=lambda cb: -len(cb[0])))

_PREFIX_RE = rf"^(?:(?P<t1>(?:{_PREFIX_DOTTED})\.)\s?|(?P<t2>{_PREFIX_BARE})\s)(?P<rest>[^\s.,].*)$"
# After a comma every listed degree may be written without dots (", MH" is M.H., a bare " MH" is not).
_DEGREE_ALT_LOOSE = "|".join(_degree_pattern(c, True) for c, _ in sorted(DEGREES, key=lambda cb: -len(cb[0])))
_SUFFIX_RE = rf"^(?P<rest>.*[^\s,])(?:[\s,]+(?P<t>{_DEGREE_ALT})|\s?,\s?(?P<u>{_DEGREE_ALT_LOOSE}))[\s.,]*$"
_GENERIC_SUFFIX_RE = (
    r"^(?P<rest>.*[^\s,])\s?,\s?(?P<t>(?:S|M|SP|A|B|PH|DR)\.[A-Z]{1,4}(?:\.[A-Z]{1,4})*)[\s.,]*$"
)
_TITLE_TEST = "|".join(
    (
        rf"^(?:(?:{_PREFIX_DOTTED})\.\s?|(?:{_PREFIX_BARE})\s)[^\s.,]",
        rf"[^\s,][\s,]+(?:{_DEGREE_ALT})[\s.,]*$",
        rf"[^\s,]\s?,\s?(?:{_DEGREE_ALT_LOOSE})[\s.,]*$",
        r"[^\s,]\s?,\s?(?:S|M|SP|A|B|PH|DR)\.[A-Z]{1,4}(?:\.[A-Z]{1,4})*[\s.,]*$",
    )
)
_MAX_PASSES = 8

# ----------------------------------------------------------------------------------------------------------
# Arrow plumbing
# ----------------------------------------------------------------------------------------------------------


def _to_arrow(names: Any) -> tuple[pa.Array, pd.Index | None]:
    """Input → (non-chunked large_string Array, index to restore or None)."""
    index = None
    if isinstance(names, pa.ChunkedArray):
        arr = names.combine_chunks() if names.num_chunks else pa.array([], names.type)
    elif isinstance(names, pa.Array):
        arr = names
    else:
        if isinstance(names, pd.Series):
            s = names
            index = names.index
        else:
            s = pd.Series(
                list(names) if not isinstance(names, (pd.Index, np.ndarray)) else names, dtype=object
            )
        if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
            s = s.astype(STRING_DTYPE)
        arr = pa.array(s.array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_null(arr.type):
        arr = pa.nulls(len(arr), pa.large_string())
    elif arr.type != pa.large_string():
        arr = pc.cast(arr, pa.large_string())
    return arr, index


def _to_series(arr: pa.Array, index: pd.Index | None, name: str | None = None) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=index, name=name, copy=False)


def _unique(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(distinct non-null values, int indices into them with nulls where arr is null)."""
    enc = pc.dictionary_encode(arr)
    return enc.dictionary, enc.indices


def _on_unique(names: Any, fn: Callable[[pa.Array], pa.Array]) -> pd.Series:
    arr, index = _to_arrow(names)
    uniq, idx = _unique(arr)
    return _to_series(pc.take(fn(uniq), idx), index)


def _sub(x: pa.Array, pattern: str, replacement: str) -> pa.Array:
    return pc.replace_substring_regex(x, pattern=pattern, replacement=replacement)


def _squash(x: pa.Array) -> pa.Array:
    """Collapse runs of spaces and trim."""
    return pc.utf8_trim_whitespace(_sub(x, r" {2,}", " "))


def _const(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.large_string()), n)


def _lookup(keys: pa.Array, table: dict[str, str]) -> pa.Array:
    idx = pc.index_in(keys, value_set=pa.array(list(table), pa.large_string()))
    return pc.take(pa.array(list(table.values()), pa.large_string()), idx)


# ----------------------------------------------------------------------------------------------------------
# Normalisation steps (each on an Array of distinct, non-null values)
# ----------------------------------------------------------------------------------------------------------


def _display(u: pa.Array) -> pa.Array:
    """NFKC, format characters dropped, whitespace/controls → one space, upper case, tidy commas."""
    x = pc.utf8_normalize(u, "NFKC")
    x = _sub(x, r"\p{Cf}+", "")
    x = _sub(x, r"[\pZ\p{Cc}]+", " ")
    x = pc.utf8_upper(x)
    x = _sub(x, r" ?(?:, ?)+", ", ")
    x = _sub(x, r"^[ ,;]+|[ ,;]+$", "")
    return x


def _asciify(u: pa.Array) -> pa.Array:
    """NFKD, Unicode whitespace → space, non-ASCII dropped, controls → space, collapsed, upper case."""
    x = pc.utf8_normalize(u, "NFKD")
    x = _sub(x, r"[\pZ\x{85}]+", " ")
    x = _sub(x, r"[^\x00-\x7F]+", "")
    x = _sub(x, r"[\x00-\x20\x7F]+", " ")
    return pc.ascii_upper(pc.utf8_trim_whitespace(x))


def _strip_titles(x: pa.Array, collect: bool) -> tuple[pa.Array, pa.Array | None]:
    """Remove leading titles and trailing degrees (repeatedly); optionally collect them normalised.

    A fast DFA test picks the values that have a title at all; the capturing regexes run on those only.
    """
    n = len(x)
    cand = pc.fill_null(pc.match_substring_regex(x, _TITLE_TEST), False)
    if not pc.any(cand).as_py():
        return x, (_const("", n) if collect else None)
    sub, gelar = _strip_titles_all(pc.filter(x, cand), collect)
    x = pc.replace_with_mask(x, cand, sub)
    if collect:
        assert gelar is not None
        return x, pc.replace_with_mask(_const("", n), cand, gelar)
    return x, None


def _strip_titles_all(x: pa.Array, collect: bool) -> tuple[pa.Array, pa.Array | None]:
    n = len(x)
    found_pre: list[pa.Array] = []
    found_suf: list[pa.Array] = []
    null = pa.scalar(None, pa.large_string())
    empty = pa.scalar("", pa.large_string())
    for _ in range(_MAX_PASSES):
        m = pc.extract_regex(x, _PREFIX_RE)
        ok = pc.is_valid(m)
        if not pc.any(ok).as_py():
            break
        x = pc.if_else(ok, m.field("rest"), x)
        if collect:
            raw = pc.binary_join_element_wise(m.field("t1"), m.field("t2"), empty)
            canon = _lookup(_sub(raw, r"[^A-Z]", ""), PREFIX_TITLES)
            found_pre.append(pc.if_else(ok, canon, null))
    for _ in range(_MAX_PASSES):
        m1 = pc.extract_regex(x, _SUFFIX_RE)
        ok1 = pc.is_valid(m1)
        m2 = pc.extract_regex(x, _GENERIC_SUFFIX_RE)
        ok2 = pc.and_(pc.is_valid(m2), pc.invert(ok1))
        if not pc.any(pc.or_(ok1, ok2)).as_py():
            break
        x = pc.if_else(ok1, m1.field("rest"), pc.if_else(ok2, m2.field("rest"), x))
        if collect:
            raw = pc.binary_join_element_wise(m1.field("t"), m1.field("u"), empty)
            known = _lookup(_sub(raw, r"[^A-Z]", ""), _DEGREE_CANON)
            generic = _sub(_sub(m2.field("t"), r" ", ""), r"\.$", "")
            generic = pc.if_else(
                pc.match_substring_regex(generic, r"(?:^|\.)[A-Z]$"),
                pc.binary_join_element_wise(generic, _const(".", n), empty),
                generic,
            )
            found_suf.append(pc.if_else(ok1, known, pc.if_else(ok2, generic, null)))
    x = _sub(_squash(x), r"^[ ,;]+|[ ,;]+$", "")
    if not collect:
        return x, None
    cols = found_pre + found_suf[::-1]
    if not cols:
        return x, _const("", n)
    # Each present title as ", T"; joined without separator; leading ", " removed. (pyarrow 26's
    # binary_join_element_wise(null_handling="skip") drops all-null rows, so it is not used.)
    sep = _const(", ", n)
    pieces = [pc.fill_null(pc.binary_join_element_wise(sep, c, empty), "") for c in cols]
    gelar = pc.binary_join_element_wise(*pieces, empty)
    return x, _sub(gelar, r"^, ", "")


def _dedouble(x: pa.Array) -> pa.Array:
    """Collapse runs of one repeated character (SUSSANTO → SUSANTO) on an ASCII array without nulls.

    Works on the raw byte buffer with numpy: a byte is dropped when it equals the previous byte of the same
    string.
    """
    x = x.cast(pa.large_string())
    if len(x) == 0:
        return x
    assert x.null_count == 0
    offsets = np.frombuffer(x.buffers()[1], dtype=np.int64)[x.offset : x.offset + len(x) + 1]
    data = np.frombuffer(x.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    rel = offsets - offsets[0]
    keep = np.ones(len(data), dtype=bool)
    keep[1:] = data[1:] != data[:-1]
    starts = rel[:-1][rel[:-1] < len(data)]
    keep[starts] = True
    dropped = np.flatnonzero(~keep)
    if len(dropped) == 0:
        return x
    new_offsets = rel - np.searchsorted(dropped, rel, side="left")
    return pa.LargeStringArray.from_buffers(
        len(x), pa.py_buffer(new_offsets), pa.py_buffer(data[keep].tobytes())
    )


def _fold_step(x: pa.Array, digraphs: bool = True) -> pa.Array:
    """One pass of the folding rules 2-7 (see module docstring) on ASCII upper-case text; ``digraphs=False`` reads
    an old DJ/TJ as D/T + old J (= Y) instead of the digraphs J/C (:func:`fold_names`)."""
    x, _ = _strip_titles(x, collect=False)
    x = _sub(x, r"['`]+", "")
    x = _squash(_sub(x, r"[^A-Z]+", " "))
    # pre-1972 spelling; order matters (see module docstring)
    x = pc.replace_substring(x, "OE", "U")
    if digraphs:
        x = pc.replace_substring(x, "DJ", "J")
        x = pc.replace_substring(x, "TJ", "C")
    x = pc.replace_substring(x, "CH", "KH")
    x = pc.replace_substring(x, "J", "Y")
    x = _sub(x, r"\bNOOR", "NUR")
    x = _dedouble(x)
    x = _sub(x, r"\bM[OU](?:KH|H)?AM[AE][DT]\b", "MUHAMMAD")
    x = _sub(x, r"\b(?:MOH|MUH|MOKH|MUKH|MHD|MOHD|MUHD)\b", "MUHAMMAD")
    x = _sub(x, r"\bM ([A-Z])", r"MUHAMMAD \1")
    x = _sub(x, r"\bA(?:KH|H)M[AE][DT]\b", "AHMAD")
    x = _sub(x, r"\bABD(?:[OU]L)?\b", "ABDUL")
    x = _sub(x, r"\bST ([A-Z])", r"SITI \1")
    x = _sub(x, r"\bN[OU]R\b", "NUR")
    x = _sub(x, r"([A-Z]) BT ([A-Z])", r"\1 BINTI \2")
    return x


def _fixpoint(x: pa.Array, step: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Apply ``step`` until no value changes, re-processing only the values that changed.

    A value the first pass left as it was is already a fixed point (``step(v) == v``), so it is not passed
    through ``step`` again: the second pass sees only the values the first one changed (about a third of the
    distinct names of a roll), not all of them."""
    cur = step(x)
    todo = pc.indices_nonzero(pc.not_equal(cur, x))
    for _ in range(_MAX_PASSES):
        if not len(todo):
            break
        sub = pc.take(cur, todo)
        nxt = step(sub)
        changed = pc.not_equal(nxt, sub)
        if not pc.any(changed).as_py():
            break
        todo = pc.filter(todo, changed)
        mask = np.zeros(len(cur), dtype=bool)
        mask[todo.to_numpy()] = True
        cur = pc.replace_with_mask(cur, pa.array(mask), pc.filter(nxt, changed))
    return cur


def _clean_unique(u: pa.Array) -> tuple[pa.Array, pa.Array]:
    name, gelar = _strip_titles(_display(u), collect=True)
    assert gelar is not None
    return name, gelar


def _fold_unique(clean: pa.Array, digraphs: bool = True) -> pa.Array:
    """Folded key from a ``name_clean`` array (or any raw array)."""
    return _fixpoint(_asciify(clean), _fold_step if digraphs else (lambda x: _fold_step(x, digraphs=False)))


def _phonetic_unique(u: pa.Array) -> pa.Array:
    x = _squash(_sub(_asciify(u), r"[^A-Z]+", " "))
    x = _sub(x, r" BIN(?:TI)? ", " ")
    for _ in range(3):  # leading common tokens (I WAYAN, MUHAMMAD NUR …) skipped while >= 2 tokens remain
        x = _sub(x, rf"^(?:{_COMMON_ALT}) (\S+ \S+.*)$", r"\1")
    x = _sub(x, r"^(\S+ \S+) .*$", r"\1")  # first two tokens
    x = _sub(x, "DZ", "Z")
    x = _sub(x, "KH", "H")
    x = _sub(x, "SY", "S")
    x = _sub(x, "[CQX]", "K")
    x = _sub(x, "Z", "S")
    x = _sub(x, "[FV]", "P")
    x = _sub(x, r"\b[AEIOU]", "A")  # initial vowels are one class (IRWAN = ERWAN)
    x = _sub(x, r"\BH", "")  # H is silent-ish after the first letter (RAHMAN = RAKHMAN = RACHMAN)
    x = _sub(x, r"D\b", "T")  # final D/T (MAHMUD = MAHMUT)
    x = _dedouble(x)
    x = _sub(x, r"\B[AEIOU]+", "")  # drop vowels after the first letter
    return _sub(x, r"\b([A-Z]{4})[A-Z]+", r"\1")


def _sorted_tokens(u: pa.Array) -> pa.Array:
    """Tokens of each value sorted alphabetically, joined by a space (fully vectorised)."""
    lists = pc.utf8_split_whitespace(u)
    parents = pc.list_parent_indices(lists)
    table = pa.table({"p": parents, "t": pc.list_flatten(lists)}).sort_by(
        [("p", "ascending"), ("t", "ascending")]
    )
    tokens = table.column("t").combine_chunks() if table.num_rows else pa.array([], pa.large_string())
    rebuilt = pa.LargeListArray.from_arrays(pc.cast(lists.offsets, pa.int64()), tokens)
    return pc.binary_join(rebuilt, pa.scalar(" ", pa.large_string()))


# ----------------------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------------------


def split_titles(names: NamesLike) -> tuple[pd.Series, pd.Series]:
    """Split each name into (name without titles/degrees, titles found).

    Both are upper case, trimmed, spaces collapsed. Titles are normalised and joined by ``", "`` in the order
    they appear, e.g. ``"H. Dedi Saputra, S.Pd"`` → (``"DEDI SAPUTRA"``, ``"H., S.PD"``). A name without
    titles has gelar ``""``; a null name gives null in both.
    """
    arr, index = _to_arrow(names)
    uniq, idx = _unique(arr)
    name, gelar = _clean_unique(uniq)
    return _to_series(pc.take(name, idx), index), _to_series(pc.take(gelar, idx), index)


def fold_names(names: NamesLike, *, old_digraphs: bool = True) -> pd.Series:
    """The matching key: ``A-Z`` and single spaces, titles removed, spelling variants folded (module docs).

    ``old_digraphs=False`` gives the *other reading* of an old-spelling DJ or TJ: the pre-1972 spelling wrote
    modern Y as J, so an old DJ/TJ is either the digraph (DJOKO = JOKO, TJAHJO = CAHYO: the default) or D/T
    followed by Y (ADITJA = ADITYA, WIDJASTUTI = WIDYASTUTI, PRASETJO = PRASETYO). The letters cannot tell which;
    :mod:`dpt_tools.dedupe` compares both readings. Names without DJ/TJ fold the same either way.
    """
    return _on_unique(names, lambda u: _fold_unique(_clean_unique(u)[0], digraphs=old_digraphs))


def compact(folded: NamesLike) -> pd.Series:
    """``folded`` without spaces, so joined and split spellings agree (NUR HAYATI = NURHAYATI)."""
    return _on_unique(folded, lambda u: _sub(u, r"\s+", ""))


def phonetic_key(folded: NamesLike) -> pd.Series:
    """A short, lenient key for blocking, computed from a ``folded`` name.

    Uses the first two tokens. The ``BIN``/``BINTI`` word is skipped, and so are leading
    :data:`COMMON_TOKENS` while two or more tokens remain (``I WAYAN SUDARTA`` → ``WAYAN SUDARTA``), so
    that Balinese or MUHAMMAD-first names do not all land in one block. Per token: DZ→Z, KH→H, SY→S,
    C/Q/X→K, Z→S, F/V→P (Sundanese P for F: ARIP = ARIF), any initial vowel → A (ERWAN = IRWAN), H after
    the first letter dropped, final D→T, repeated letters collapsed, vowels after the first letter
    dropped, then cut to 4 letters. ``"MUHAMMAD RIZKI"`` → ``"MMT RSK"``; ``"SUPARMAN"`` and
    ``"SUPARMEN"`` → ``"SPRM"``. Vowel typos, doubled letters, the listed consonant variants and typos
    after the fourth consonant keep the key; another consonant among the first four does not, and a joined
    name (NURHAYATI) differs from the split one (NUR HAYATI): block on ``compact`` as well.
    """
    return _on_unique(folded, _phonetic_unique)


def name_keys(names: NamesLike) -> pd.DataFrame:
    """All name keys at once, computed on the distinct names and mapped back (same index as a Series input).

    Columns: ``name_clean``, ``gelar`` (see :func:`split_titles`), ``folded`` (:func:`fold_names`),
    ``folded_no_bin`` (folded without ``BIN``/``BINTI`` and what follows), ``compact``, ``phonetic``,
    ``first_token``, ``last_token``, ``token_count`` (Int64; 0 when folded is empty), ``name_sorted`` (folded
    tokens in alphabetical order, for blocking on reordered names). All null for a null name.
    """
    arr, index = _to_arrow(names)
    uniq, idx = _unique(arr)
    name_clean, gelar = _clean_unique(uniq)
    folded = _fold_unique(name_clean)
    ntok = pc.if_else(pc.equal(folded, ""), 0, pc.add(pc.count_substring(folded, " "), 1))
    cols: dict[str, pa.Array] = {
        "name_clean": name_clean,
        "gelar": gelar,
        "folded": folded,
        "folded_no_bin": _sub(folded, r" BIN(?:TI)? .*$", ""),
        "compact": _sub(folded, " ", ""),
        "phonetic": _phonetic_unique(folded),
        "first_token": _sub(folded, r" .*$", ""),
        "last_token": _sub(folded, r"^.* ", ""),
        "name_sorted": _sorted_tokens(folded),
    }
    out = pd.DataFrame({k: _to_series(pc.take(v, idx), index) for k, v in cols.items()}, index=index)
    counts = pc.take(pc.cast(ntok, pa.int64()), idx)
    out["token_count"] = counts.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get).array
    order = [
        "name_clean",
        "gelar",
        "folded",
        "folded_no_bin",
        "compact",
        "phonetic",
        "first_token",
        "last_token",
        "token_count",
        "name_sorted",
    ]
    return out[order]


def _pair_scores(x: pa.Array, y: pa.Array) -> np.ndarray:
    """max(ratio on compact, token_sort_ratio, weighted token_set_ratio), in [0, 1]; see name_similarity."""
    from rapidfuzz import fuzz, process

    kw: dict[str, Any] = {"workers": -1, "dtype": np.float64}
    r = process.cpdist(_sub(x, " ", "").to_pylist(), _sub(y, " ", "").to_pylist(), scorer=fuzz.ratio, **kw)
    xs, ys = x.to_pylist(), y.to_pylist()
    s = process.cpdist(xs, ys, scorer=fuzz.token_sort_ratio, **kw)
    t = process.cpdist(xs, ys, scorer=fuzz.token_set_ratio, **kw)
    nx, ny = _ntok(x), _ntok(y)
    lo, hi = np.minimum(nx, ny), np.maximum(nx, ny)
    coverage = np.divide(lo, hi, out=np.zeros(len(lo)), where=hi > 0)
    t_eff = np.where(lo >= 2, t * (0.9 + 0.1 * coverage), 0.0)
    return np.maximum.reduce([r, s, t_eff]) / 100.0


def _ntok(x: pa.Array) -> np.ndarray:
    """Token count of space-normalised strings (0 for "")."""
    cnt = pc.if_else(pc.equal(x, ""), 0, pc.add(pc.count_substring(x, " "), 1))
    return cnt.to_numpy(zero_copy_only=False)


def name_similarity(a: NamesLike, b: NamesLike, *, common_tokens: Iterable[str] | None = None) -> np.ndarray:
    """Similarity in [0, 1] of ``a[i]`` and ``b[i]`` (equal-length sequences of FOLDED names).

    ``full = max(R, S, T')`` where R = ``fuzz.ratio`` of the compact forms (joined/split names, typos),
    S = ``fuzz.token_sort_ratio`` (reordered tokens) and
    T' = ``fuzz.token_set_ratio × (0.9 + 0.1 × shorter/longer token count)``, used only when both names
    have two or more tokens (a dropped middle name: DEDI SAPUTRA vs DEDI EKO SAPUTRA → 0.97; without the
    two-token condition MUHAMMAD vs MUHAMMAD RIZKI would score 1).

    Common-token penalty: the leading run of ``common_tokens`` (default :data:`COMMON_TOKENS`: MUHAMMAD,
    SITI, I WAYAN …) is split off each name. If both runs are equal and non-empty, the rests are scored the
    same way (1 if both rests are empty, 0 if one is) and ``score = 0.5 × full + 0.5 × rest``; otherwise
    ``score = full``. So MUHAMMAD RIZKI vs MUHAMMAD FAUZI ≈ 0.59, MUHAMMAD RIZKI vs MUHAMMAD RISKI ≈ 0.86.
    Pass ``common_tokens`` (e.g. the top of :func:`token_frequencies`) to adapt it to a region.

    Pairs where either side is null or empty give NaN. Scores come from rapidfuzz ``process.cpdist``
    (``workers=-1``); the strings are handed to rapidfuzz as Python lists once, which it needs.
    """
    xa, _ = _to_arrow(a)
    xb, _ = _to_arrow(b)
    if len(xa) != len(xb):
        raise ValueError(f"name_similarity needs equal lengths, got {len(xa)} and {len(xb)}")
    n = len(xa)
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    xa = _squash(pc.utf8_upper(pc.fill_null(xa, "")))
    xb = _squash(pc.utf8_upper(pc.fill_null(xb, "")))
    missing = pc.or_(pc.equal(xa, ""), pc.equal(xb, "")).to_numpy(zero_copy_only=False)

    score = _pair_scores(xa, xb)

    tokens = COMMON_TOKENS if common_tokens is None else tuple(common_tokens)
    tokens = tuple(sorted({t.strip().upper() for t in tokens if t and t.strip()}, key=lambda t: (-len(t), t)))
    if tokens:
        alt = "|".join(re.escape(t) for t in tokens)
        lead = rf"^(?:(?:{alt})(?: |$))*"
        pre_a = pc.utf8_rtrim_whitespace(pc.extract_regex(xa, rf"(?P<p>{lead}).*$").field(0))
        pre_b = pc.utf8_rtrim_whitespace(pc.extract_regex(xb, rf"(?P<p>{lead}).*$").field(0))
        shared = pc.and_(pc.equal(pre_a, pre_b), pc.not_equal(pre_a, "")).to_numpy(zero_copy_only=False)
        shared &= ~missing
        if shared.any():
            sel = pa.array(shared)
            rest_a = pc.utf8_trim_whitespace(_sub(pc.filter(xa, sel), lead, ""))
            rest_b = pc.utf8_trim_whitespace(_sub(pc.filter(xb, sel), lead, ""))
            ea = pc.equal(rest_a, "").to_numpy(zero_copy_only=False)
            eb = pc.equal(rest_b, "").to_numpy(zero_copy_only=False)
            rest = _pair_scores(rest_a, rest_b)
            rest = np.where(ea & eb, 1.0, np.where(ea | eb, 0.0, rest))
            score[shared] = 0.5 * score[shared] + 0.5 * rest
    score = np.clip(score, 0.0, 1.0)
    score[missing] = np.nan
    return score


#: Two tokens are spellings of one name when they start with the same letter and are at most one edit apart
#: (SUI / SOI, TRI / TRE, RUDE / RUDI), or when fuzz.ratio >= this (SUPARMAN / SUPARMEN, WAHYUNI / WAHYUNY …);
#: KIKI / VIKI and YIN / NYIN are other names.
TOKEN_TYPO_MIN = 0.8


def _name_pairs(a: NamesLike, b: NamesLike, what: str) -> tuple[Any, Any, np.ndarray, np.ndarray]:
    """Two aligned name columns upper-cased and squashed, with their token counts (shared by the pair relations)."""
    xa, _ = _to_arrow(a)
    xb, _ = _to_arrow(b)
    if len(xa) != len(xb):
        raise ValueError(f"{what} needs equal lengths, got {len(xa)} and {len(xb)}")
    xa = _squash(pc.utf8_upper(pc.fill_null(xa, "").cast(pa.large_string())))
    xb = _squash(pc.utf8_upper(pc.fill_null(xb, "").cast(pa.large_string())))
    return xa, xb, _ntok(xa), _ntok(xb)


def other_token(a: NamesLike, b: NamesLike) -> np.ndarray:
    """True where two FOLDED names with equally many tokens differ, at some position, by a token that is another
    name rather than a spelling of it (see :data:`TOKEN_TYPO_MIN`).

    ``INDAH SRI KURNIASIH`` / ``RIA SRI KURNIASIH``, ``MUHAMMAD RIZKI PRATAMA`` / ``MUHAMMAD RIZKI SAPUTRA``,
    ``BONG VUN VUN`` / ``BONG FUNG VUN``, ``CHONG LOI NYIT`` / ``CHONG NYIT LOI``: similar strings, different
    people. Token by token and not only the given name, because in a Chinese-Indonesian name the first token is the
    family name (shared by a whole clan) and the given name is the syllables after it. Not for one-token names,
    different token counts (a dropped middle name: :func:`shortened`), nor for the same tokens in another order
    with another first token (``SIREGAR ANDI`` / ``ANDI SIREGAR``: a name written surname-first). Symmetric;
    False where either side is null or empty.
    """
    xa, xb, na, nb = _name_pairs(a, b, "other_token")
    out = np.zeros(len(xa), dtype=bool)
    if len(xa) == 0:
        return out
    cand = np.flatnonzero((na == nb) & (na >= 2) & ~pc.equal(xa, xb).to_numpy(zero_copy_only=False))
    if len(cand) == 0:
        return out
    pick = pa.array(cand)
    ca, cb = pc.take(xa, pick), pc.take(xb, pick)
    la, lb = pc.utf8_split_whitespace(ca), pc.utf8_split_whitespace(cb)
    fa, fb = pc.list_flatten(la), pc.list_flatten(lb)  # aligned: equal token counts
    ta, tb = fa.to_pylist(), fb.to_pylist()
    parent = pc.list_parent_indices(la).to_numpy(zero_copy_only=False)
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import Levenshtein

    kw: dict[str, Any] = {"workers": -1, "dtype": np.float64}
    edits = process.cpdist(ta, tb, scorer=Levenshtein.distance, **kw)
    ratio = process.cpdist(ta, tb, scorer=fuzz.ratio, **kw) / 100.0
    initial = pc.equal(pc.utf8_slice_codeunits(fa, 0, 1), pc.utf8_slice_codeunits(fb, 0, 1)).to_numpy(
        zero_copy_only=False)
    other = ((edits > 1) | ~initial) & (ratio < TOKEN_TYPO_MIN)
    hit = np.bincount(parent[other], minlength=len(cand)) > 0
    rotated = (pc.equal(_sorted_tokens(ca), _sorted_tokens(cb)).to_numpy(zero_copy_only=False)
               & ~pc.equal(_sub(ca, r" .*$", ""), _sub(cb, r" .*$", "")).to_numpy(zero_copy_only=False))
    out[cand] = hit & ~rotated
    return out


def shortened(a: NamesLike, b: NamesLike) -> np.ndarray:
    """True where one FOLDED name is the other with one or more middle tokens left out (a dropped middle name).

    ``DEDI DARMADI`` / ``DEDI EKO DARMADI``, ``SRI ENMATI`` / ``SRI MARYATI ENMATI``: the shorter name has two or
    more tokens and fewer than the longer, both start with the same token and end with the same token, and every
    token of the shorter occurs in the longer. Symmetric (the shorter side is found per pair); False when either
    side is null or empty, for equal token counts (a different middle name is another name) and for a one-token
    name (``DEDI`` / ``DEDI EKO DARMADI`` says too little).

    Why a relation of its own and not a similarity: a dropped middle name is a habit (the name in daily use on one
    registration, the full name on the other), and its evidence is the rarity of the *shorter* name — every
    ``ANDI … KURNIAWAN`` contains ``ANDI KURNIAWAN`` — which a similarity score cannot express. Vectorised: tokens
    of all pairs are flattened once and matched as integer (pair, token) keys.
    """
    xa, xb, na, nb = _name_pairs(a, b, "shortened")
    out = np.zeros(len(xa), dtype=bool)
    if len(xa) == 0:
        return out
    lo = np.minimum(na, nb)
    same_ends = (pc.equal(_sub(xa, r" .*$", ""), _sub(xb, r" .*$", "")).to_numpy(zero_copy_only=False)
                 & pc.equal(_sub(xa, r"^.* ", ""), _sub(xb, r"^.* ", "")).to_numpy(zero_copy_only=False))
    cand = np.flatnonzero((lo >= 2) & (na != nb) & same_ends)
    if len(cand) == 0:
        return out
    a_short = na[cand] < nb[cand]
    pick = pa.array(cand)
    ca, cb = pc.take(xa, pick), pc.take(xb, pick)
    short = pc.if_else(pa.array(a_short), ca, cb)
    long_ = pc.if_else(pa.array(a_short), cb, ca)
    ls, ll = pc.utf8_split_whitespace(short), pc.utf8_split_whitespace(long_)
    ts, tl = pc.list_flatten(ls), pc.list_flatten(ll)
    codes = pc.dictionary_encode(pa.concat_arrays([ts, tl])).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    width = int(codes.max(initial=0)) + 1
    ps = pc.list_parent_indices(ls).to_numpy(zero_copy_only=False).astype(np.int64)
    pl = pc.list_parent_indices(ll).to_numpy(zero_copy_only=False).astype(np.int64)
    found = np.isin(ps * width + codes[: len(ts)], pl * width + codes[len(ts):])
    missing = np.bincount(ps[~found], minlength=len(cand))
    out[cand] = missing == 0
    return out


def name_frequencies(folded: NamesLike, *, per_row: bool = False) -> pd.Series:
    """Relative frequency of each folded full name: ``value_counts / number of non-null names``.

    Default: a float Series indexed by the folded name (sorted by frequency, descending). With
    ``per_row=True``: the frequency of each row's name, aligned with the input (NaN for null).
    """
    s = _to_series(*_to_arrow(folded))
    total = int(s.notna().sum())
    vc = s.value_counts(dropna=True)
    freq = (vc.astype("float64") / total) if total else vc.astype("float64")
    freq.name = "frequency"
    freq.index.name = "name"
    if per_row:
        return s.map(freq).astype("float64").rename("frequency")
    return freq


def token_frequencies(folded: NamesLike) -> pd.Series:
    """Share of non-null names that contain each token (a token counted once per name).

    A float Series indexed by token, sorted descending: ``MUHAMMAD → 0.08`` means 8 % of the names
    contain MUHAMMAD. Computed on the distinct names, weighted by their counts.
    """
    arr, _ = _to_arrow(folded)
    vc = pc.value_counts(pc.drop_null(arr))
    values, counts = vc.field("values"), vc.field("counts")
    total = int(pc.sum(counts).as_py() or 0)
    lists = pc.utf8_split_whitespace(values)
    frame = pd.DataFrame(
        {
            "parent": pc.list_parent_indices(lists).to_numpy(zero_copy_only=False),
            "token": pc.list_flatten(lists).to_pandas(types_mapper=pd.ArrowDtype),
        }
    )
    frame = frame[frame["token"] != ""].drop_duplicates()
    frame["n"] = counts.to_numpy(zero_copy_only=False)[frame["parent"].to_numpy()]
    out = frame.groupby("token", sort=False)["n"].sum().astype("float64")
    out = (out / total) if total else out
    out = out.sort_values(ascending=False, kind="stable")
    out.index = out.index.astype(STRING_DTYPE)
    out.index.name = "token"
    out.name = "frequency"
    return out
