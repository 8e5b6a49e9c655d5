"""Stable contracts: the rule registry equals docs/rules.md, the documented columns, exit codes and config keys
equal the code's."""

from __future__ import annotations

import re
from pathlib import Path

from dpt_tools.config import PROFILES
from dpt_tools.rules.base import SCOPES, SEVERITIES
from dpt_tools.rules.catalog import RULES
from dpt_tools.rules.catalog_doc import replace_table
from dpt_tools.validate import FINDING_COLUMNS

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: Codes promised by the validate issue: removing or renaming one breaks users' cron jobs.
PROMISED = {
    "nik_format": "error", "nik_excel_mangled": "error", "nik_region_unknown": "warning",
    "nik_birthdate_invalid": "error", "nik_birthdate_mismatch": "warning", "nik_gender_mismatch": "warning",
    "nik_duplicate": "error", "nkk_format": "warning", "name_missing": "error", "name_suspicious": "warning",
    "birthdate_invalid": "error", "birthdate_future": "error", "underage": "error", "age_implausible": "warning",
    "placeholder_birthdate": "info", "gender_invalid": "error", "marital_status_invalid": "error",
    "disability_invalid": "warning", "rt_rw_invalid": "warning", "tps_missing": "error",
    "tps_over_capacity": "error", "family_split_tps": "warning", "region_unknown": "warning",
    "row_malformed": "error",
}


def test_rules_doc_is_generated_from_registry():
    doc = (DOCS / "rules.md").read_text(encoding="utf-8")
    assert doc == replace_table(doc), "docs/rules.md is stale: run python -m dpt_tools.rules.catalog_doc"


def test_promised_codes_and_severities():
    got = {r.code: r.severity for r in RULES}
    for code, severity in PROMISED.items():
        assert got.get(code) == severity, code


def test_registry_entries_are_complete():
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    for r in RULES:
        assert re.fullmatch(r"[a-z][a-z0-9_]+", r.code)
        assert r.severity in SEVERITIES and r.scope in SCOPES
        assert r.message_id and r.message_en and r.message_id != r.message_en
        # both languages use the same parameters, apart from language-specific ones
        params_id = {p.removesuffix("_id") for p in re.findall(r"\{(\w+)\}", r.message_id)}
        params_en = {p.removesuffix("_en") for p in re.findall(r"\{(\w+)\}", r.message_en)}
        assert params_id == params_en, r.code


def test_every_rule_has_a_title():
    from dpt_tools.rules.catalog import TITLES

    assert set(TITLES) == {r.code for r in RULES}


def test_contract_doc_lists_columns_and_exit_codes():
    doc = (DOCS / "contract.md").read_text(encoding="utf-8")
    for col in FINDING_COLUMNS:
        assert f"| `{col}` |" in doc
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |"):
        assert code in doc


def test_config_doc_lists_profiles_and_keys():
    doc = (DOCS / "config.md").read_text(encoding="utf-8")
    for name in PROFILES:
        assert f"`{name}`" in doc
    for key in ("profile", "election_date", "tps_max", "lang", "format", "fail_on", "mask", "[columns]"):
        assert f"| `{key}` |" in doc
