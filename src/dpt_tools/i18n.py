"""User-facing texts of the terminal in Bahasa Indonesia (default) and English (``--lang en``).

Rule messages live with the rules (:mod:`dpt_tools.rules.catalog`); this table holds the rest.
"""

from __future__ import annotations

import re

TEXTS: dict[str, dict[str, str]] = {
    "validate_title": {
        "id": "Temuan pemeriksaan {input} ({rows} baris)",
        "en": "Findings for {input} ({rows} rows)",
    },
    "col_rule": {"id": "Aturan", "en": "Rule"},
    "col_severity": {"id": "Tingkat", "en": "Severity"},
    "col_count": {"id": "Jumlah", "en": "Count"},
    "col_meaning": {"id": "Arti", "en": "Meaning"},
    "verdict_ok": {
        "id": "LULUS: {rows} baris diperiksa — {errors} galat, {warnings} peringatan, {info} info",
        "en": "PASS: {rows} rows checked — {errors} errors, {warnings} warnings, {info} info",
    },
    "verdict_fail": {
        "id": "GAGAL: {rows} baris diperiksa — {errors} galat, {warnings} peringatan, {info} info",
        "en": "FAIL: {rows} rows checked — {errors} errors, {warnings} warnings, {info} info",
    },
    "rules_skipped": {
        "id": "Aturan dilewati karena kolomnya tidak ada: {rules}",
        "en": "Rules skipped because their column is missing: {rules}",
    },
    "outputs_written": {"id": "Hasil ditulis ke {path}", "en": "Outputs written to {path}"},
    "notes": {"id": "Catatan pembacaan berkas:", "en": "Notes on reading the file:"},
    "clean_title": {"id": "Baris yang disisihkan dari {input}", "en": "Rows set aside from {input}"},
    "col_reason": {"id": "Alasan", "en": "Reason"},
    "reason_duplicate": {"id": "Terdaftar ganda (satu rekaman disimpan)", "en": "Listed twice (one record kept)"},
    "reason_nik_conflict": {"id": "Satu NIK untuk dua orang berbeda (periksa manual)",
                            "en": "One NIK for two different persons (manual review)"},
    "clean_line": {"id": "SELESAI: {rows} baris masuk = {clean} bersih + {rejected} disisihkan",
                   "en": "DONE: {rows} input rows = {clean} clean + {rejected} set aside"},
    # ---- diff
    "diff_title": {
        "id": "Perbandingan {old} → {new} per {by}",
        "en": "Comparison {old} → {new} by {by}",
    },
    "diff_by_kecamatan": {"id": "kecamatan", "en": "kecamatan"},
    "diff_by_kelurahan": {"id": "kelurahan", "en": "kelurahan"},
    "diff_by_tps": {"id": "TPS", "en": "TPS"},
    "diff_col_region": {"id": "Wilayah", "en": "Region"},
    "diff_col_old": {"id": "Lama", "en": "Old"},
    "diff_col_new": {"id": "Baru", "en": "New"},
    "diff_col_lp": {"id": "L/P", "en": "L/P"},
    "diff_col_added": {"id": "+Masuk", "en": "+Added"},
    "diff_col_removed": {"id": "−Keluar", "en": "−Removed"},
    "diff_col_changed": {"id": "Berubah", "en": "Changed"},
    "diff_col_moved": {"id": "Pindah masuk", "en": "Moved in"},
    "diff_col_moved_out": {"id": "Pindah keluar", "en": "Moved out"},
    "diff_region_empty": {"id": "(kosong)", "en": "(empty)"},
    "diff_total": {"id": "JUMLAH", "en": "TOTAL"},
    "diff_overall": {
        "id": "Lama {old} → baru {new}: +{added} masuk, −{removed} keluar, {changed} berubah, {moved} pindah TPS/"
              "wilayah, {unchanged} tetap, {nik_changed} NIK diperbaiki, tidak cocok {unmatched_old} lama / "
              "{unmatched_new} baru",
        "en": "Old {old} → new {new}: +{added} added, −{removed} removed, {changed} changed, {moved} moved TPS/region, "
              "{unchanged} unchanged, {nik_changed} NIK corrected, unmatched {unmatched_old} old / "
              "{unmatched_new} new",
    },
    "diff_unmatched_hint": {
        "id": "{count} baris tidak dapat dicocokkan dengan pasti; lihat unmatched.* untuk alasannya",
        "en": "{count} rows could not be matched with certainty; see unmatched.* for the reasons",
    },
    "diff_malformed_hint": {
        "id": "{count} baris rusak (jumlah kolom salah) di {input}: dibandingkan apa adanya, nilainya bisa bergeser "
              "kolom; periksa dengan dpt validate (row_malformed)",
        "en": "{count} malformed lines (wrong number of fields) in {input}: compared as they stand, their values may "
              "sit in the wrong columns; check with dpt validate (row_malformed)",
    },
    "diff_reason_key_incomplete": {
        "id": "nama, tanggal lahir atau jenis kelamin kosong/tidak sah, tidak dapat dicocokkan",
        "en": "name, birth date or sex missing or invalid, cannot be matched",
    },
    "diff_reason_key_repeated": {
        "id": "nama, tanggal lahir dan jenis kelamin yang sama muncul lebih dari sekali di versi ini",
        "en": "the same name, birth date and sex occur more than once in this version",
    },
    "diff_reason_key_ambiguous": {
        "id": "nama, tanggal lahir dan jenis kelamin yang sama muncul lebih dari sekali di versi lain",
        "en": "the same name, birth date and sex occur more than once in the other version",
    },
    "diff_reason_no_match": {
        "id": "tidak ada orang dengan nama, tanggal lahir dan jenis kelamin yang sama di versi lain",
        "en": "no person with the same name, birth date and sex in the other version",
    },
    "diff_nik_matched": {"id": "NIK cocok", "en": "NIK matched"},
    "diff_nik_absent": {"id": "NIK tidak ada di versi lain", "en": "NIK not in the other version"},
    "diff_nik_repeated_other": {
        "id": "NIK tercantum lebih dari sekali di versi lain", "en": "NIK listed more than once in the other version",
    },
    "diff_nik_repeated": {"id": "NIK tercantum lebih dari sekali di versi ini",
                          "en": "NIK listed more than once in this version"},
    "diff_nik_invalid": {"id": "NIK tidak 16 digit", "en": "NIK is not 16 digits"},
    "diff_nik_missing": {"id": "NIK kosong", "en": "NIK missing"},
}


def t(key: str, lang: str, **params: object) -> str:
    entry = TEXTS[key]
    return entry.get(lang, entry["id"]).format(**params)


# ------------------------------------------------------------------------------------------------ loader notes
#: The loader's notes (``summary.json`` keeps them in English, a stable contract) as the terminal shows them:
#: a pattern matching the English note, and the Indonesian text built from its groups.
NOTE_TEXTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^a stray quote character made whole lines part of one value; the file was read line by line "
                r"with quotes taken literally \(lines whose quoted values hold the delimiter become malformed\)$"),
     "ada tanda kutip (\") yang tidak ditutup sehingga beberapa baris menyatu menjadi satu nilai; berkas dibaca per "
     "baris dengan tanda kutip sebagai karakter biasa (baris yang nilai berkutipnya memuat pemisah menjadi baris "
     "rusak)"),
    (re.compile(r"^(\d+) empty line\(s\) skipped \(rows (.*)\); row numbers keep counting them$"),
     "{0} baris kosong dilewati (baris {1}); nomor baris tetap menghitungnya"),
    (re.compile(r"^columns (.*) repeat a mapped field and are kept as extra columns$"),
     "kolom {0} mengulang kolom yang sudah dipetakan dan disimpan sebagai kolom tambahan"),
    (re.compile(r"^the file is not UTF-8: it was read as Windows-1252 \(cp1252\); if accented letters look wrong, "
                r"save it again as CSV UTF-8$"),
     "berkas bukan UTF-8: dibaca sebagai Windows-1252 (cp1252); jika huruf beraksen tampak salah, simpan ulang "
     "sebagai CSV UTF-8"),
)


def note_text(note: str, lang: str) -> str:
    """A loader note in the terminal's language (an unknown note is shown as it is)."""
    if lang == "en":
        return note
    for pattern, text in NOTE_TEXTS:
        match = pattern.match(note)
        if match:
            return text.format(*match.groups())
    return note


# ------------------------------------------------------------------------------------------------ dpt dedupe
TEXTS.update({
    # reasons (one short phrase per piece of evidence, joined by "; ")
    "dd_nik_exact": {"id": "NIK sama", "en": "same NIK"},
    "dd_nik_typo": {"id": "NIK beda satu digit di {part}", "en": "NIK one digit apart in the {part}"},
    "dd_nik_swap": {"id": "NIK dua digit tertukar di {part}", "en": "NIK two digits swapped in the {part}"},
    "dd_nik_diff": {"id": "NIK berbeda", "en": "different NIK"},
    "dd_nik_missing": {"id": "NIK tidak lengkap", "en": "NIK incomplete"},
    "dd_part_region": {"id": "kode wilayah", "en": "region code"},
    "dd_part_date": {"id": "bagian tanggal", "en": "date part"},
    "dd_part_serial": {"id": "nomor urut", "en": "serial"},
    "dd_name_exact": {"id": "nama sama ({rarity})", "en": "same name ({rarity})"},
    "dd_name_similar": {"id": "nama mirip ({sim}, {rarity})", "en": "similar name ({sim}, {rarity})"},
    "dd_name_shortened": {"id": "nama sama tanpa nama tengah (nama pendeknya {rarity})",
                          "en": "same name without a middle name (the shorter name is {rarity})"},
    "dd_name_diff": {"id": "nama berbeda ({sim})", "en": "different name ({sim})"},
    "dd_rare": {"id": "jarang: 1 dari {n}", "en": "rare: 1 in {n}"},
    "dd_common": {"id": "umum: 1 dari {n}", "en": "common: 1 in {n}"},
    "dd_one_in": {"id": "1 dari {n}", "en": "1 in {n}"},
    "dd_dob_exact": {"id": "tanggal lahir sama (1 dari {n})", "en": "same birth date (1 in {n})"},
    "dd_dob_placeholder": {"id": "tanggal lahir sama (tanggal pengganti, lemah)",
                           "en": "same birth date (placeholder date, weak)"},
    "dd_dob_typo": {"id": "tanggal lahir mirip (salah ketik?)", "en": "similar birth date (typo?)"},
    "dd_dob_diff": {"id": "tanggal lahir berbeda", "en": "different birth date"},
    "dd_sex_diff": {"id": "jenis kelamin berbeda", "en": "different sex"},
    "dd_marital_diff": {"id": "status kawin berbeda", "en": "different marital status"},
    "dd_place_same": {"id": "tempat lahir sama (1 dari {n})", "en": "same birthplace (1 in {n})"},
    "dd_place_diff": {"id": "tempat lahir berbeda", "en": "different birthplace"},
    "dd_loc_nkk": {"id": "satu KK", "en": "same family card (KK)"},
    "dd_loc_address": {"id": "alamat sama", "en": "same address"},
    "dd_loc_tps": {"id": "TPS sama", "en": "same TPS"},
    "dd_loc_kelurahan": {"id": "kelurahan sama", "en": "same kelurahan"},
    "dd_loc_other": {"id": "kelurahan lain", "en": "another kelurahan"},
    "dd_twins": {"id": "kembar? satu keluarga, tanggal lahir sama, nama beda",
                 "en": "twins? one family, one birth date, different names"},
    "dd_capped": {"id": "hanya untuk diperiksa", "en": "for review only"},
    "dd_common_placeholder": {"id": "nama tidak jarang + tanggal pengganti, NIK berbeda/tak lengkap, tanpa "
                                    "KK/alamat sama: bisa orang lain bernama sama (hanya untuk diperiksa)",
                              "en": "a name that is not rare + a placeholder date, NIKs different or incomplete, no "
                                    "shared family card or address: may be a namesake (for review only)"},
    "dd_conflict": {"id": "NIK sama untuk dua orang berbeda", "en": "one NIK for two different persons"},
    # terminal
    "dd_title": {"id": "Pemilih terdaftar ganda — {rows} baris dari {files} berkas",
                 "en": "Voters registered more than once — {rows} rows in {files} files"},
    "dd_counts": {
        "id": "{pairs} pasangan ({certain} pasti, {likely} mungkin, {possible} perlu diperiksa); {groups} orang "
              "ganda dalam {records} baris; kelompok terbesar {largest}; {conflicts} konflik NIK",
        "en": "{pairs} pairs ({certain} certain, {likely} likely, {possible} to review); {groups} persons listed "
              "more than once in {records} rows; largest group {largest}; {conflicts} NIK conflicts",
    },
    "dd_top": {"id": "Sepuluh kelompok terkuat", "en": "Ten strongest groups"},
    "dd_col_group": {"id": "Kelompok", "en": "Group"},
    "dd_col_score": {"id": "Skor", "en": "Score"},
    "dd_col_records": {"id": "Baris (berkas:baris NIK nama tgl lahir)", "en": "Rows (file:row NIK name birth date)"},
    "dd_verdict_fail": {"id": "GANDA: {groups} orang terdaftar lebih dari sekali",
                        "en": "DUPLICATES: {groups} persons registered more than once"},
    "dd_verdict_ok": {"id": "TIDAK ADA GANDA (pasti/mungkin)", "en": "NO DUPLICATES (certain/likely)"},
})
