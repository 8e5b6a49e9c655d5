"""``dpt diff`` compares region names as places, not as text: two exports of the same roll write ``KEL. BACANG``
and ``BACANG``, ``KEC. BUKIT INTAN`` and ``Kecamatan Bukit Intan``. That is spelling, not a move. A Kota and a
Kabupaten of the same name stay two places (Kota Bandung is not Kabupaten Bandung)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from dpt_tools.config import Settings
from dpt_tools.diff import diff_paths, diff_rolls
from dpt_tools.load import load_roll
from dpt_tools.regions import comparison_key
from dpt_tools.synth import synth_roll, write_roll

OPEN = Settings(mask=False)


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    df, _ = synth_roll(400, seed=5, problems=False, duplicates=False)
    return df


def _pair(tmp_path, old: pd.DataFrame, new: pd.DataFrame):
    write_roll(old, tmp_path / "old.csv", style="clean")
    write_roll(new, tmp_path / "new.csv", style="clean")
    return tmp_path / "old.csv", tmp_path / "new.csv"


def test_comparison_key_per_level():
    assert comparison_key("kelurahan", ["KEL. BACANG", "Kelurahan  Bacang", "DESA BACANG", "BACANG"]).to_pylist() \
        == ["BACANG"] * 4
    assert comparison_key("kecamatan", ["KEC. BUKIT INTAN", "BUKIT-INTAN"]).to_pylist() == ["BUKITINTAN"] * 2
    assert comparison_key("provinsi", ["PROV. KEPULAUAN BANGKA BELITUNG", "Kepulauan Bangka Belitung"]).to_pylist() \
        == ["KEPULAUANBANGKABELITUNG"] * 2
    kab = comparison_key("kabupaten_kota", ["KAB. BANGKA", "KABUPATEN BANGKA", "KOTA BANDUNG", "KABUPATEN BANDUNG",
                                            "KOTA PANGKAL PINANG", "Kota Pangkalpinang", None]).to_pylist()
    assert kab[0] == kab[1] and kab[4] == kab[5] and kab[2] != kab[3] and kab[6] is None
    # a bare name that only one kabupaten/kota of the Kemendagri list carries is that one; a shared one stays bare
    bare = comparison_key("kabupaten_kota", ["PANGKALPINANG", "KOTA PANGKAL PINANG", "Kotabaru", "KABUPATEN KOTABARU",
                                             "BANDUNG", "KOTA BANDUNG", "KAB. BANDUNG", "ANTAH BERANTAH"]).to_pylist()
    assert bare[0] == bare[1] == "KOTAPANGKALPINANG" and bare[2] == bare[3] == "KABKOTABARU"
    assert len({bare[4], bare[5], bare[6]}) == 3 and bare[7] == "ANTAHBERANTAH"
    # a kelurahan named "Kota Baru" keeps its "KOTA": only the prefixes of its own level are dropped
    assert comparison_key("kelurahan", ["KOTA BARU"]).to_pylist() != comparison_key("kelurahan", ["BARU"]).to_pylist()


@pytest.mark.parametrize("small", [False, True])  # True: few rows, so every column is compared as text
def test_region_spelling_is_not_a_change_nor_a_move(tmp_path, base, small):
    old = base.head(12).copy() if small else base.copy()
    new = old.copy()
    new["kelurahan"] = "KEL. " + new["kelurahan"]
    new["kecamatan"] = "Kecamatan " + new["kecamatan"].str.title()
    new["provinsi"] = "PROV. " + new["provinsi"]
    r = diff_paths(*_pair(tmp_path, old, new), OPEN)
    assert r.summary["changed"] == 0 and r.summary["moved"] == 0 and r.summary["unchanged"] == len(old)
    assert r.changed.empty and r.moved.empty
    regions = r.summary["by_region"]  # one row per place, not one per spelling
    assert len(regions) == old["kelurahan"].nunique()
    assert all(g["old"] == g["new"] for g in regions)


def test_a_real_move_between_spellings_is_still_a_move(tmp_path, base):
    new = base.copy()
    new["kelurahan"] = "KEL. " + new["kelurahan"]
    places = sorted(base["kelurahan"].unique())
    who = base.index[base["kelurahan"] == places[0]][:3]
    new.loc[who, "kelurahan"] = "KEL. " + places[1]
    r = diff_paths(*_pair(tmp_path, base, new), OPEN)
    assert r.summary["moved"] == 3 and sorted(r.moved["nik"]) == sorted(base.loc[who, "nik"])
    assert set(r.changed["field"]) == {"kelurahan"}


def test_kota_and_kabupaten_of_one_name_are_two_places(tmp_path, base):
    old = base.copy()
    old["kabupaten_kota"] = "KOTA BANDUNG"
    new = old.copy()
    new["kabupaten_kota"] = "KABUPATEN BANDUNG"
    new.loc[new.index[:10], "kabupaten_kota"] = "Kota  Bandung"  # spelling only for these ten
    r = diff_paths(*_pair(tmp_path, old, new), OPEN)
    assert r.summary["changed"] == len(old) - 10
    assert set(r.changed["field"]) == {"kabupaten_kota"}


def test_same_result_from_loaded_rolls(tmp_path, base):
    """The library call on two loaded rolls (normalised values) decides alike."""
    new = base.copy()
    new["kelurahan"] = "DESA " + new["kelurahan"]
    a, b = _pair(tmp_path, base, new)
    r = diff_rolls(load_roll(a), load_roll(b), OPEN)
    assert r.summary["changed"] == 0 and r.summary["moved"] == 0


def test_terminal_table_shows_moved_in_and_out_per_region(tmp_path, base):
    """The plenary reads the table: a kelurahan that loses three voters to another shows them as moved out."""
    from click.testing import CliRunner

    from dpt_tools.cli import cli

    new = base.copy()
    places = sorted(base["kelurahan"].unique())
    who = base.index[base["kelurahan"] == places[0]][:3]
    new.loc[who, "kelurahan"] = places[1]
    new.loc[who, "kecamatan"] = base.loc[base["kelurahan"] == places[1], "kecamatan"].iloc[0]
    a, b = _pair(tmp_path, base, new)
    res = CliRunner().invoke(cli, ["diff", str(a), str(b), "--lang", "en"], terminal_width=250)
    assert res.exit_code == 0, res.output
    head = next(line for line in res.stdout.splitlines() if "Moved in" in line)
    assert "Moved out" in head
    row = next(line for line in res.stdout.splitlines() if places[0] in line)
    cells = [c.strip() for c in row.split("│") if c.strip()]
    assert cells[-2:] == ["0", "3"], row  # moved in, moved out


def test_a_nik_outside_the_nik_columns_is_masked_in_the_files(tmp_path, base):
    """A NIK typed into a name, and an extra column of NIKs, are masked in every output file unless --no-mask."""
    old = base.copy()
    new = old.iloc[5:].copy()  # five removed
    new.loc[new.index[:3], "nama"] = new.loc[new.index[:3], "nik"]  # three names overwritten by their NIK
    a, b = _pair(tmp_path, old, new)
    for path in (a, b):  # an extra column the loader passes through
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["NIK KEPALA KELUARGA"] = frame["nik"]
        frame.to_csv(path, index=False)
    masked = diff_paths(a, b, Settings())
    texts = [masked.removed.to_csv(), masked.changed.to_csv(), masked.added.to_csv()]
    assert masked.removed["NIK KEPALA KELUARGA"].str.fullmatch(r"[0-9]{6}\*{6}[0-9]{4}").all()
    assert (masked.changed["field"] == "nama").sum() == 3
    assert not any(re.search(r"(?<![0-9])[0-9]{16}(?![0-9])", t) for t in texts)
    shown = diff_paths(a, b, OPEN)
    assert shown.removed["NIK KEPALA KELUARGA"].tolist() == old["nik"].head(5).tolist()
