"""The rule registry: every rule's stable code, severity, scope, field and messages, in catalogue order.

Codes are an API (cron jobs and reports filter on them): never rename one; add a new code instead.
``docs/rules.md`` is checked against this table by the test suite.
"""

from __future__ import annotations

from . import nik_rules as nik
from . import person_rules as person
from . import place_rules as place
from .base import Rule

RULES: tuple[Rule, ...] = (
    Rule("nik_format", "error", "row", "nik",
         "NIK tidak sah ({why_id}): harus tepat 16 digit angka",
         "NIK is not valid ({why_en}): it must be exactly 16 digits",
         "NIK is not exactly 16 digits after normalisation (or empty, or serial 0000)",
         "`31710115069000` (14 digits)", nik.nik_format, ("nik",)),
    Rule("nik_excel_mangled", "error", "row", "nik",
         "NIK rusak oleh spreadsheet (diubah menjadi angka): digit hilang dan tidak bisa ditebak; ambil ulang dari "
         "sumber data",
         "NIK damaged by a spreadsheet (turned into a number): digits are lost and cannot be guessed; export it "
         "again from the source",
         "NIK was turned into a number by a spreadsheet (`3.17E+15`, or 16 digits ending in 0 where the column "
         "shows numeric mangling) — digits lost",
         "`3.17101E+15`", nik.nik_excel_mangled, ("nik",)),
    Rule("nik_region_unknown", "warning", "row", "nik",
         "Kode wilayah NIK {region} tidak ada di daftar Kemendagri (mungkin kode lama sebelum pemekaran)",
         "The NIK's region code {region} is not in the Kemendagri list (perhaps an old code from before a split)",
         "NIK's province/kabupaten/kecamatan code is not in the Kemendagri list",
         "`999901...`", nik.nik_region_unknown, ("nik",)),
    Rule("nik_birthdate_invalid", "error", "row", "nik",
         "Bagian tanggal lahir pada NIK (digit 7–12) bukan tanggal yang sah",
         "The birth-date part of the NIK (digits 7–12) is not a real date",
         "NIK's DDMMYY part is not a real date (after the +40 rule)",
         "`1971013513900001` (month 13)", nik.nik_birthdate_invalid, ("nik",)),
    Rule("nik_birthdate_mismatch", "warning", "row", "nik",
         "Tanggal lahir di NIK (digit 7–12) berbeda dengan TANGGAL LAHIR ({dob}) pada {parts_id}",
         "The birth date in the NIK (digits 7–12) differs from TANGGAL LAHIR ({dob}) in the {parts_en}",
         "NIK's birth date differs from `tanggal_lahir`",
         "NIK `...150690...`, tanggal_lahir `16-06-1990`", nik.nik_birthdate_mismatch, ("nik", "tanggal_lahir")),
    Rule("nik_gender_mismatch", "warning", "row", "nik",
         "NIK menunjukkan {nik_sex_id} (tanggal lahir +40 untuk perempuan), tetapi JENIS KELAMIN tertulis {sex}",
         "The NIK says {nik_sex_en} (women's birth day +40), but JENIS KELAMIN says {sex}",
         "NIK says female (day+40) but `jenis_kelamin` says L, or the reverse",
         "NIK day `45`, jenis_kelamin `L`", nik.nik_gender_mismatch, ("nik", "jenis_kelamin")),
    Rule("nik_duplicate", "error", "group", "nik",
         "NIK yang sama tercatat {count} kali; juga di baris {others}",
         "The same NIK is listed {count} times; also on row(s) {others}",
         "the same NIK on more than one row (each row gets the finding, naming the others)",
         "rows 12 and 4589 share one NIK", nik.nik_duplicate, ("nik",)),
    Rule("nkk_format", "warning", "row", "nkk",
         "NKK tidak sah ({why_id}): harus tepat 16 digit angka",
         "NKK is not valid ({why_en}): it must be exactly 16 digits",
         "NKK is not 16 digits", "`19710112345` (11 digits)", nik.nkk_format, ("nkk",)),
    Rule("name_missing", "error", "row", "nama",
         "Nama kosong atau hanya tanda pengganti (-, ., X)",
         "Name is empty or only a placeholder (-, ., X)",
         "empty or placeholder name (`-`, `.`, `X`)", "`-`", person.name_missing, ("nama",)),
    Rule("name_suspicious", "warning", "row", "nama",
         "Nama mengandung angka atau karakter tidak lazim",
         "Name contains digits or unusual characters",
         "digits or odd characters in a name", "`SIT1 AMINAH`", person.name_suspicious, ("nama",)),
    Rule("birthdate_invalid", "error", "row", "tanggal_lahir",
         "Tanggal lahir kosong atau bukan tanggal yang sah",
         "Birth date is empty or not a real date",
         "`tanggal_lahir` missing or not a real date", "`31-02-1980`", person.birthdate_invalid,
         ("tanggal_lahir",)),
    Rule("birthdate_future", "error", "row", "tanggal_lahir",
         "Tanggal lahir sesudah hari pemungutan suara ({day})",
         "Birth date is after election day ({day})",
         "born after the election day", "`01-01-2026` for 27 Aug 2025", person.birthdate_future,
         ("tanggal_lahir",)),
    Rule("underage", "error", "row", "tanggal_lahir",
         "Belum berumur 17 tahun pada hari pemungutan suara ({day}): umur {age} dan belum kawin",
         "Under 17 on election day ({day}): aged {age} and not married",
         "under 17 on election day and not married (status B)", "born 2009-09-01, status B",
         person.underage, ("tanggal_lahir",)),
    Rule("age_implausible", "warning", "row", "tanggal_lahir",
         "Berumur {age} tahun pada hari pemungutan suara (lebih dari 110): periksa tanggal lahir",
         "Aged {age} on election day (over 110): check the birth date",
         "older than 110 on election day", "born 1905", person.age_implausible, ("tanggal_lahir",)),
    Rule("placeholder_birthdate", "info", "row", "tanggal_lahir",
         "Tanggal lahir 1 Januari, 1 Juli atau 31 Desember: konvensi Dukcapil untuk tanggal yang tidak diketahui "
         "(sah, tetapi lemah sebagai bukti identitas)",
         "Birth date 1 January, 1 July or 31 December: Dukcapil's convention for an unknown date (valid, but weak "
         "evidence of identity)",
         "1 Jan, 1 Jul or 31 Dec (a Dukcapil convention, valid)", "`01-07-1950`",
         person.placeholder_birthdate, ("tanggal_lahir",)),
    Rule("gender_invalid", "error", "row", "jenis_kelamin",
         "Jenis kelamin harus L atau P", "Sex must be L or P",
         "sex is not L or P", "`X`", person.gender_invalid, ("jenis_kelamin",)),
    Rule("marital_status_invalid", "error", "row", "status_kawin",
         "Status perkawinan harus B (belum kawin), S (sudah kawin) atau P (pernah kawin)",
         "Marital status must be B (never married), S (married) or P (formerly married)",
         "status is not B, S or P", "`Z`", person.marital_status_invalid, ("status_kawin",)),
    Rule("disability_invalid", "warning", "row", "disabilitas",
         "Kode disabilitas harus 0–6", "Disability code must be 0–6",
         "disability code outside 0–6", "`9`", person.disability_invalid, ("disabilitas",)),
    Rule("rt_rw_invalid", "warning", "row", "rt",
         "{field} harus berupa angka 1–3 digit", "{field} must be a 1–3 digit number",
         "RT/RW not a 1–3 digit number", "`1A`, `12345`", person.rt_rw_invalid, ()),
    Rule("tps_missing", "error", "row", "tps",
         "Nomor TPS kosong, 000 atau tanpa angka", "No TPS number (empty, 000 or without a digit)",
         "no TPS number (empty, 000, or a placeholder without a digit such as `-`)", "empty TPS, `-`",
         place.tps_missing, ("tps",)),
    Rule("tps_over_capacity", "error", "group", "tps",
         "TPS {tps} di {kelurahan} berisi {count} pemilih, melebihi batas {max} pemilih per TPS",
         "TPS {tps} in {kelurahan} holds {count} voters, more than the limit of {max} per TPS",
         "a TPS (kelurahan + TPS number) holds more voters than the election's limit",
         "TPS 005 with 634 voters, limit 600", place.tps_over_capacity, ("tps",)),
    Rule("family_split_tps", "warning", "group", "nkk",
         "Anggota satu keluarga (NKK sama) tersebar di {count} TPS kelurahan yang sama: {tps_list}",
         "Members of one family (same NKK) are spread over {count} TPS of the same kelurahan: {tps_list}",
         "one NKK spread over several TPS of the same kelurahan", "NKK in TPS 003 and 007",
         place.family_split_tps, ("nkk", "tps")),
    Rule("region_unknown", "warning", "row", "kelurahan",
         "{level_id} '{value}' {detail_id}", "{level_en} '{value}' {detail_en}",
         "kelurahan/kecamatan/kabupaten name not in the Kemendagri list, or kelurahan not inside the stated "
         "kecamatan (names compared ignoring case, spaces and punctuation; suggests the closest valid name)",
         "`BACANGG` (did you mean BACANG?)", place.region_unknown, ()),
    Rule("row_malformed", "error", "row", "",
         "Baris berisi {actual} kolom, seharusnya {expected}: nilai bisa bergeser ke kolom yang salah",
         "The line has {actual} fields instead of {expected}: values may sit in the wrong columns",
         "the line has the wrong number of fields", "18 fields where the header has 17",
         person.row_malformed, ()),
)

RULES_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}

#: Short titles for the terminal summary table (id, en).
TITLES: dict[str, tuple[str, str]] = {
    "nik_format": ("NIK bukan 16 digit", "NIK not 16 digits"),
    "nik_excel_mangled": ("NIK rusak oleh spreadsheet", "NIK damaged by a spreadsheet"),
    "nik_region_unknown": ("Kode wilayah NIK tidak dikenal", "Unknown NIK region code"),
    "nik_birthdate_invalid": ("Tanggal di NIK tidak sah", "Invalid date in NIK"),
    "nik_birthdate_mismatch": ("Tanggal lahir ≠ NIK", "Birth date ≠ NIK"),
    "nik_gender_mismatch": ("Jenis kelamin ≠ NIK", "Sex ≠ NIK"),
    "nik_duplicate": ("NIK ganda", "Duplicate NIK"),
    "nkk_format": ("NKK bukan 16 digit", "NKK not 16 digits"),
    "name_missing": ("Nama kosong", "Name missing"),
    "name_suspicious": ("Nama tidak lazim", "Suspicious name"),
    "birthdate_invalid": ("Tanggal lahir tidak sah", "Invalid birth date"),
    "birthdate_future": ("Lahir sesudah hari pemungutan", "Born after election day"),
    "underage": ("Belum 17 tahun dan belum kawin", "Under 17 and not married"),
    "age_implausible": ("Umur lebih dari 110", "Older than 110"),
    "placeholder_birthdate": ("Tanggal lahir konvensi (1/1, 1/7, 31/12)", "Placeholder birth date"),
    "gender_invalid": ("Jenis kelamin bukan L/P", "Sex not L/P"),
    "marital_status_invalid": ("Status kawin bukan B/S/P", "Marital status not B/S/P"),
    "disability_invalid": ("Kode disabilitas di luar 0–6", "Disability code outside 0–6"),
    "rt_rw_invalid": ("RT/RW tidak sah", "Invalid RT/RW"),
    "tps_missing": ("TPS kosong", "TPS missing"),
    "tps_over_capacity": ("TPS melebihi kapasitas", "TPS over capacity"),
    "family_split_tps": ("Keluarga terpisah TPS", "Family split across TPS"),
    "region_unknown": ("Nama wilayah tidak dikenal", "Unknown region name"),
    "row_malformed": ("Jumlah kolom baris salah", "Malformed line"),
}


def title(code: str, lang: str) -> str:
    """Short title of a rule for tables."""
    id_, en = TITLES[code]
    return en if lang == "en" else id_
