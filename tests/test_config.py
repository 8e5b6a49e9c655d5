"""Profiles, dpt.toml discovery and precedence, --map parsing."""

from __future__ import annotations

import datetime as dt

import pytest

from dpt_tools.config import load_settings, parse_map_options
from dpt_tools.errors import InputError


def test_default_profile():
    s = load_settings()
    assert s.profile == "pilkada-ulang-pangkalpinang-2025"
    assert s.election_day == dt.date(2025, 8, 27) and s.tps_max == 600


def test_profile_then_overrides():
    s = load_settings(profile="pemilu-2024")
    assert s.election_day == dt.date(2024, 2, 14) and s.tps_max == 300
    s = load_settings(profile="pemilu-2024", tps_max=250, election_date="2024-02-15")
    assert s.tps_max == 250 and s.election_day == dt.date(2024, 2, 15)


def test_config_file_precedence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dpt.toml").write_text('profile = "pilkada-2024"\nlang = "en"\n[columns]\n"NO INDUK" = "nik"\n')
    s = load_settings()
    assert s.profile == "pilkada-2024" and s.lang == "en" and s.column_map == {"NO INDUK": "nik"}
    assert load_settings(lang="id").lang == "id"  # flags win
    other = tmp_path / "other.toml"
    other.write_text('tps_max = 450\n')
    monkeypatch.setenv("DPT_CONFIG", str(other))
    assert load_settings().tps_max == 450


@pytest.mark.parametrize("content", ['profile = "nope"', 'tps_max = "many"', 'colour = "red"', "not toml ==",
                                     "tps_max = true", 'mask = "false"',
                                     'election_date = "27-08-2025"', '[columns]\n"X" = "notafield"'])
def test_bad_config_refused(tmp_path, content):
    p = tmp_path / "c.toml"
    p.write_text(content)
    with pytest.raises(InputError):
        load_settings(p)


def test_map_options():
    assert parse_map_options(["NOMOR INDUK=nik", "A=B=nama"]) == {"NOMOR INDUK": "nik", "A=B": "nama"}
    with pytest.raises(InputError):
        parse_map_options(["NIK"])
    with pytest.raises(InputError):
        parse_map_options(["X=unknown"])


def test_columns_field_names_case_insensitive(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[columns]\n"NO INDUK" = "NIK"\n')
    assert load_settings(p).column_map == {"NO INDUK": "nik"}
