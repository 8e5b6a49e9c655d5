"""``dpt diff`` audit (session 4): gaps found by exercising the real command on synthetic pairs — synth's truth
on a roll with planted problems, Excel's text apostrophe before RT/RW/TPS and dates, a NIK shifted into a region
column never reaching the screen."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from dpt_tools.cli import cli
from dpt_tools.config import Settings
from dpt_tools.diff import diff_paths
from dpt_tools.synth import synth_next_version, synth_roll, write_roll

OPEN = Settings(mask=False)
FULL_NIK = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["diff", *map(str, args)])
    return res.exit_code, res.stdout, res.stderr


@pytest.mark.parametrize("seed", [3, 11, 31])
def test_synth_truth_holds_on_a_roll_with_planted_problems(tmp_path, seed):
    """What ``dpt synth --next-version`` writes (planted problems and duplicates included): every list of the
    truth is exactly what diff finds. A NIK correction planted on a person whose name folds to nothing (a planted
    junk name such as ".") cannot be found by any person key: synth must not plant one there."""
    old, _ = synth_roll(2000, seed)
    new, truth = synth_next_version(old, seed + 1)
    write_roll(old, tmp_path / "a.csv", style="excel", seed=seed)
    write_roll(new, tmp_path / "b.csv", style="excel", seed=seed + 1, shuffle_columns=True)
    r = diff_paths(tmp_path / "a.csv", tmp_path / "b.csv", OPEN)
    assert sorted(zip(r.nik_changed["nik_old"], r.nik_changed["nik_new"], strict=True)) == \
        sorted(tuple(p) for p in truth["nik_changed"])
    assert sorted(r.added["nik"]) == sorted(truth["added"])
    assert sorted(r.removed["nik"]) == sorted(truth["removed"])
    assert sorted(r.moved["nik"]) == sorted(truth["moved"])
    assert r.summary["changed"] == len(truth["changed"])


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    df, _ = synth_roll(300, seed=9, problems=False, duplicates=False)
    return df


def test_excel_text_apostrophe_before_codes_and_dates_is_not_a_change(tmp_path, base):
    """Excel keeps ``003`` and ``17-08-1985`` as text with a leading apostrophe, exactly as it keeps a NIK: the
    apostrophe is formatting, so ``'003`` = ``003`` (RT, RW, TPS) and ``'17-08-1985`` = ``17-08-1985``."""
    new = base.copy()
    for fld in ("rt", "rw", "tps", "tanggal_lahir"):
        new[fld] = "'" + new[fld]
    new.loc[::2, "tps"] = "'" + new.loc[::2, "tps"].str.lstrip("0")  # '3 as well as '003
    write_roll(base, tmp_path / "old.csv", style="clean")
    write_roll(new, tmp_path / "new.csv", style="clean")
    code, out, err = _run(tmp_path / "old.csv", tmp_path / "new.csv", "--out", tmp_path / "o", "--by", "tps")
    assert code == 0, err
    s = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert s["unchanged"] == len(base) and s["changed"] == s["moved"] == 0, s["changed_by_field"]
    assert all(e["tps"] is None or e["tps"].isdigit() for e in s["by_region"])
    assert "'" not in out


def test_a_nik_shifted_into_a_region_column_never_reaches_the_screen(tmp_path, base):
    """An unquoted comma in an address shifts the rest of its line one column to the right: with the NIK column
    just before KELURAHAN, a full NIK lands in the kelurahan. Region names are shown on screen and in --json, so
    any 16-digit number among them is masked there (and in summary.json, which --json prints)."""
    write_roll(base, tmp_path / "old.csv", style="clean")
    cols = ["nkk", "nama", "alamat", "nik", "kelurahan", "kecamatan", "tanggal_lahir", "jenis_kelamin", "tps"]
    lines = [",".join(c.upper() for c in cols)]
    for i, row in enumerate(base[cols].itertuples(index=False)):
        values = list(row)
        if i == 5:
            values[2] = values[2].replace(" NO.", ", NO.") if " NO." in values[2] else values[2] + ", X"
        lines.append(",".join(values))
    (tmp_path / "new.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shifted = base.loc[5, "nik"]
    for extra in ([], ["--json"], ["--by", "tps"], ["--by", "kecamatan", "--lang", "en", "--no-mask"]):
        code, out, err = _run(tmp_path / "old.csv", tmp_path / "new.csv", "--out", tmp_path / "o", *extra)
        assert code == 0, err
        assert not FULL_NIK.search(out + err), (extra, FULL_NIK.findall(out + err))
        assert shifted[:6] + "******" + shifted[12:] in out + err or "kecamatan" in extra, extra
    s = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert not FULL_NIK.search(json.dumps(s["by_region"]))


def test_malformed_lines_are_counted_and_pointed_out(tmp_path, base):
    """A line with too many or too few fields is compared as it stands (its values may sit in the wrong columns
    and show up as changes); summary.json counts such lines per version and the screen says so, in both
    languages. validate lists them (row_malformed)."""
    write_roll(base, tmp_path / "old.csv", style="clean")
    bad = write_roll(base, tmp_path / "new.csv", style="excel", seed=3, ragged=3)
    for lang, needle in (("id", "baris rusak"), ("en", "malformed lines")):
        code, out, err = _run(tmp_path / "old.csv", tmp_path / "new.csv", "--out", tmp_path / "o", "--lang", lang)
        assert code == 0, err
        assert f"{len(bad)} {needle}" in " ".join(out.split()), out[-600:]
    s = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert (s["inputs"]["old"]["malformed_rows"], s["inputs"]["new"]["malformed_rows"]) == (0, len(bad))
    assert s["old"] == s["new"] == len(base)  # still compared, never dropped
    code, out, _ = _run(tmp_path / "old.csv", tmp_path / "old.csv")
    assert code == 0 and "rusak" not in out


def test_an_input_named_like_an_output_of_the_other_format_is_never_removed(tmp_path, base):
    """Outputs of the other format left by an earlier run are removed as stale — but never an input: OLD saved as
    ``removed.parquet`` in the --out directory of a CSV run survived neither the run nor its reading."""
    out = tmp_path / "o"
    out.mkdir()
    write_roll(base, out / "removed.parquet")
    write_roll(base.iloc[1:], tmp_path / "new.csv", style="excel", seed=2)
    before = (out / "removed.parquet").read_bytes()
    code, _, err = _run(out / "removed.parquet", tmp_path / "new.csv", "--out", out, "--format", "csv")
    assert code == 0, err
    assert (out / "removed.parquet").read_bytes() == before
    assert (out / "removed.csv").exists() and json.loads((out / "summary.json").read_text())["removed"] == 1


def test_a_roll_against_itself_is_an_empty_diff(tmp_path, base):
    """OLD and NEW the same path (read once, compared with itself): every row unchanged, nothing written but the
    six empty tables and the summary, both digests equal. A roll with persons listed twice under one NIK keeps
    them unmatched (key_repeated, documented: deduplicate first), and nothing else."""
    write_roll(base, tmp_path / "r.csv", style="excel", seed=4)
    code, out, err = _run(tmp_path / "r.csv", tmp_path / "r.csv", "--out", tmp_path / "o")
    assert code == 0, err
    s = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert s["unchanged"] == s["old"] == s["new"] == len(base) and s["old_sha256"] == s["new_sha256"]
    assert all(s[k] == 0 for k in ("added", "removed", "changed", "moved", "nik_changed", "unmatched_old"))
    for name in ("added", "removed", "changed", "moved", "nik_changed", "unmatched"):
        assert len(pd.read_csv(tmp_path / "o" / f"{name}.csv")) == 0, name
    twice, _ = synth_roll(2000, seed=3)  # planted duplicates
    write_roll(twice, tmp_path / "t.csv", style="excel", seed=4)
    code, out, err = _run(tmp_path / "t.csv", tmp_path / "t.csv", "--json")
    s = json.loads(out)
    assert code == 0 and s["unmatched_old"] == s["unmatched_new"] > 0
    assert s["unchanged"] == s["old"] - s["unmatched_old"] and set(s["unmatched_by_reason"]) == {
        "old:key_repeated", "new:key_repeated"}


def test_a_corrected_nik_that_also_moved_keeps_the_regions_reconciled(tmp_path, base):
    """Per region: old − removed − unmatched_old − moved_out + moved = new − added − unmatched_new. A person whose
    NIK was corrected and who moved to another kelurahan was in neither moved nor moved_out (both kelurahan were off
    by one, and moved.csv missed the person): a NIK correction that moved is in moved, under its new NIK, and
    stays out of changed."""
    new = base.copy()
    i = 0
    new.loc[i, "nik"] = new.loc[i, "nik"][:15] + str((int(new.loc[i, "nik"][15]) + 1) % 10)
    other = base.loc[base["kelurahan"] != base.loc[i, "kelurahan"]].iloc[0]
    new.loc[i, ["kelurahan", "kecamatan"]] = [other["kelurahan"], other["kecamatan"]]
    write_roll(base, tmp_path / "old.csv")
    write_roll(new, tmp_path / "new.csv")
    r = diff_paths(tmp_path / "old.csv", tmp_path / "new.csv", OPEN)
    assert r.summary["nik_changed"] == 1
    for e in r.summary["by_region"]:
        assert e["old"] - e["removed"] - e["unmatched_old"] - e["moved_out"] + e["moved"] == \
            e["new"] - e["added"] - e["unmatched_new"], e
    assert r.moved["nik"].tolist() == [new.loc[i, "nik"]]
    assert r.summary["moved"] == 1 and r.summary["changed"] == 0 and r.changed.empty


def test_synth_refuses_to_write_two_of_its_files_to_one_path(tmp_path):
    """``--next-version`` equal to ``--out`` wrote the second version over the first (exit 0, a truth describing a
    pair that no longer exists); its truth file (<NEXT>.truth.json) equal to ``--truth`` replaced the first truth.
    Both are usage errors (exit 2, one line, nothing written)."""
    cases = ([["--out", "a.csv", "--next-version", "a.csv"], "a.csv"],
             [["--out", "a.csv", "--next-version", "./a.csv"], "a.csv"],
             [["--out", "a.csv", "--truth", "b.truth.json", "--next-version", "b.csv"], "b.truth.json"])
    for args, needle in cases:
        res = CliRunner().invoke(cli, ["synth", "--rows", "150", *[str(tmp_path / a) if a.endswith(("csv", "json"))
                                                                   else a for a in args]])
        assert res.exit_code == 2, (args, res.output)
        assert needle in res.stderr and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert not list(tmp_path.iterdir())
