"""Canonical field names of a roll and the header aliases seen in real exports.

Exports from different offices spell the same column in many ways (``NO KK``, ``TGL LAHIR``, ``L/P`` …). Headers are
compared after :func:`header_key` (upper-case, letters and digits only), so ``No. KK``, ``no_kk`` and ``NOKK`` are the
same header. The table is the single place to add a new alias.
"""

from __future__ import annotations

import re

#: Canonical fields in their documented order (the order of ``clean`` output).
FIELDS: tuple[str, ...] = (
    "nkk",
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "status_kawin",
    "jenis_kelamin",
    "alamat",
    "rt",
    "rw",
    "disabilitas",
    "keterangan",
    "tps",
    "kelurahan",
    "kecamatan",
    "kabupaten_kota",
    "provinsi",
)

#: Aliases per field (any spelling; compared through :func:`header_key`).
ALIASES: dict[str, tuple[str, ...]] = {
    "nkk": ("NKK", "NO KK", "NO. KK", "NOMOR KK", "NO_KK", "NOMOR KARTU KELUARGA", "NO KARTU KELUARGA", "KK"),
    "nik": ("NIK", "NO KTP", "NO_KTP", "NOMOR KTP", "NO NIK", "NOMOR NIK", "NOMOR INDUK KEPENDUDUKAN", "KTP"),
    "nama": ("NAMA", "NAMA LENGKAP", "NAMA PEMILIH", "NAMA_PEMILIH", "NM PEMILIH", "NAME"),
    "tempat_lahir": ("TEMPAT LAHIR", "TMP LAHIR", "TMPT LAHIR", "TEMPAT_LAHIR", "TPT LAHIR", "KOTA LAHIR"),
    "tanggal_lahir": (
        "TANGGAL LAHIR", "TGL LAHIR", "TGL_LHR", "TGL LHR", "TGLLAHIR", "TANGGAL_LAHIR", "TGL. LAHIR",
        "TANGGAL LHR", "DOB",
    ),
    "status_kawin": (
        "STATUS PERKAWINAN", "STATUS KAWIN", "STS KAWIN", "KAWIN", "STATUS_KAWIN", "PERKAWINAN", "STS_KAWIN",
        "STATUS",
    ),
    "jenis_kelamin": ("JENIS KELAMIN", "JK", "L/P", "KELAMIN", "JNS KELAMIN", "JENIS_KELAMIN", "SEX", "GENDER"),
    "alamat": ("ALAMAT", "ALAMAT RUMAH", "JALAN", "DUKUH", "ALAMAT LENGKAP"),
    "rt": ("RT",),
    "rw": ("RW",),
    "disabilitas": ("DISABILITAS", "DIFABEL", "JENIS DISABILITAS", "DISABILITY", "PENYANDANG DISABILITAS"),
    "keterangan": ("KETERANGAN", "KET", "KET.", "CATATAN", "TMS"),
    "tps": ("TPS", "NO TPS", "NOMOR TPS", "NO_TPS", "TPS NO"),
    "kelurahan": ("KELURAHAN", "DESA", "DESA/KELURAHAN", "KELURAHAN/DESA", "KEL", "KEL/DESA", "DESA/KEL", "DESA_KEL"),
    "kecamatan": ("KECAMATAN", "KEC", "KEC."),
    "kabupaten_kota": ("KABUPATEN/KOTA", "KAB/KOTA", "KABUPATEN", "KOTA", "KAB", "KABKOTA", "KABUPATEN_KOTA"),
    "provinsi": ("PROVINSI", "PROV", "PROPINSI"),
}

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


def header_key(header: str) -> str:
    """Compare headers ignoring case, spaces and punctuation: ``"No. KK"`` → ``"NOKK"``."""
    return _NON_ALNUM.sub("", str(header).upper().lstrip("\ufeff"))


#: header_key(alias) → field, built once.
ALIAS_INDEX: dict[str, str] = {header_key(a): f for f, names in ALIASES.items() for a in (f, *names)}
