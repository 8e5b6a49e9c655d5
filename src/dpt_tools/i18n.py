"""User-facing texts of the terminal in Bahasa Indonesia (default) and English (``--lang en``).

Rule messages live with the rules (:mod:`dpt_tools.rules.catalog`); this table holds the rest.
"""

from __future__ import annotations

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
}


def t(key: str, lang: str, **params: object) -> str:
    entry = TEXTS[key]
    return entry.get(lang, entry["id"]).format(**params)
