"""The CLI as a contract: exit codes, one-line errors without traceback, outputs, masking, --json, --quiet,
through click's CliRunner and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dpt_tools import __version__
from dpt_tools.cli import cli

GOOD = (
    "NO KK;NIK;NAMA;TEMPAT LAHIR;TGL LAHIR;STATUS PERKAWINAN;L/P;ALAMAT;RT;RW;DISABILITAS;KET;TPS;DESA/KELURAHAN;"
    "KECAMATAN;KAB/KOTA;PROVINSI\r\n"
    "'1971011201150003;'1971015708850002;SITI AMINAH;PANGKALPINANG;17-08-1985;S;P;JL. MELATI NO. 3;3;1;0;;1;"
    "BACANG;BUKIT INTAN;KOTA PANGKAL PINANG;KEPULAUAN BANGKA BELITUNG\r\n"
    "'1971011201150003;'1971011403830001;DEDI SAPUTRA;PANGKALPINANG;14-03-1983;S;L;JL. MELATI NO. 3;3;1;0;;1;"
    "BACANG;BUKIT INTAN;KOTA PANGKAL PINANG;KEPULAUAN BANGKA BELITUNG\r\n"
)
BAD_LINE = (
    "'1971011201150004;'1971011403830001;BUDI;PANGKALPINANG;14-03-2015;B;L;JL. MAWAR;3;1;0;;1;"
    "BACANG;BUKIT INTAN;KOTA PANGKAL PINANG;KEPULAUAN BANGKA BELITUNG\r\n"
)


@pytest.fixture
def good(tmp_path: Path) -> Path:
    p = tmp_path / "good.csv"
    p.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    return p


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    p = tmp_path / "bad.csv"
    p.write_bytes((GOOD + BAD_LINE).encode())
    return p


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_version_and_help():
    assert __version__ in run("--version").output
    for cmd in ([], ["validate"], ["synth"]):
        out = run(*cmd, "--help").output
        assert "Example" in out or cmd == []


def test_clean_roll_exits_0(good, tmp_path):
    res = run("validate", str(good), "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["rows"] == 2 and summary["by_severity"]["error"] == 0
    assert (tmp_path / "o" / "findings.csv").read_text().startswith("row_number,rule,severity,field,value,message")


def test_findings_exit_1_and_mask(bad, tmp_path):
    res = run("validate", str(bad), "--out", str(tmp_path / "o"), "--lang", "en")
    assert res.exit_code == 1
    text = (tmp_path / "o" / "findings.csv").read_text()
    assert "underage" in text and "nik_duplicate" in text
    assert "1971011403830001" not in text and "197101******0001" in text  # masked
    assert "1971011403830001" not in res.output


def test_no_mask_in_files_only(bad, tmp_path):
    res = run("validate", str(bad), "--out", str(tmp_path / "o"), "--no-mask")
    assert "1971011403830001" in (tmp_path / "o" / "findings.csv").read_text()
    assert "1971011403830001" not in res.output


def test_fail_on(bad):
    assert run("validate", str(bad), "--fail-on", "never").exit_code == 0
    assert run("validate", str(bad), "--fail-on", "error").exit_code == 1


def test_fail_on_warning(good, tmp_path):
    p = tmp_path / "w.csv"
    p.write_text(GOOD.replace(";3;1;0;;1;BACANG", ";3;1;9;;1;BACANG", 1))  # disability 9: a warning
    assert run("validate", str(p)).exit_code == 0
    assert run("validate", str(p), "--fail-on", "warning").exit_code == 1


def test_json_and_quiet(bad):
    res = CliRunner().invoke(cli, ["validate", str(bad), "--json"])
    data = json.loads(res.stdout)
    assert data["rows"] == 3 and data["by_rule"]["underage"] == 1
    quiet = run("validate", str(bad), "--quiet")
    assert len(quiet.output.strip().splitlines()) == 1


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_formats(bad, tmp_path, fmt):
    run("validate", str(bad), "--out", str(tmp_path / fmt), "--format", fmt)
    assert (tmp_path / fmt / f"findings.{fmt}").stat().st_size > 0


def test_deterministic_findings(bad, tmp_path):
    for d in ("a", "b"):
        run("validate", str(bad), "--out", str(tmp_path / d), "--format", "parquet")
    for name in ("findings.parquet",):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_profile_changes_eligibility(tmp_path):
    # born 2007-12-01: 17 on 27 Aug 2025? no (17 on 1 Dec 2024 → yes, already 17). Use 2008-09-01: 16 in Aug 2025.
    line = GOOD.splitlines()[0] + "\r\n" + (
        "'1971011201150004;'1971010109080001;BUDI;PANGKALPINANG;01-09-2008;B;L;JL;3;1;0;;1;BACANG;BUKIT INTAN;"
        "KOTA PANGKAL PINANG;KEPULAUAN BANGKA BELITUNG\r\n")
    p = tmp_path / "r.csv"
    p.write_text(line)
    assert run("validate", str(p), "--json").exit_code == 1
    assert run("validate", str(p), "--election-date", "2025-09-01").exit_code == 0


def test_config_file(bad, tmp_path, monkeypatch):
    cfg = tmp_path / "dpt.toml"
    cfg.write_text('fail_on = "never"\nlang = "en"\n')
    monkeypatch.chdir(tmp_path)
    res = run("validate", str(bad))
    assert res.exit_code == 0 and "PASS" in res.output
    assert run("validate", str(bad), "--fail-on", "error").exit_code == 1  # flags win
    monkeypatch.setenv("DPT_CONFIG", str(tmp_path / "missing.toml"))
    assert CliRunner().invoke(cli, ["validate", str(bad)]).exit_code == 2


@pytest.mark.parametrize("content", [b"", b"NIK;NAMA;TGL LAHIR\r\n", b"A;B\r\n1;2\r\n"])
def test_input_errors_exit_2(tmp_path, content):
    p = tmp_path / "x.csv"
    p.write_bytes(content)
    res = CliRunner().invoke(cli, ["validate", str(p)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output


def test_out_may_not_be_input(good):
    res = CliRunner().invoke(cli, ["validate", str(good), "--out", str(good)])
    assert res.exit_code == 2


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}


def _dpt(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dpt_tools.cli", *args], input=stdin, capture_output=True,
                          env=_env(), cwd=cwd, timeout=120)


def _dpt_patched(patch: str, *args: str) -> subprocess.CompletedProcess:
    """``dpt ARGS`` in a real process after ``patch`` (Python source) has replaced part of the library: how a test
    plants a bug and sees what the user would see."""
    code = f"import sys\n{patch}\nfrom dpt_tools.cli import main\nsys.argv = ['dpt', *{list(args)!r}]\nmain()\n"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, env=_env(), timeout=120)


def _dpt_here(capfd: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    """``dpt ARGS`` in this process through the entry point's own error handling (``cli._run``: what ``main`` runs
    before it flushes and ends the process): exit code, stdout, stderr. No process start per case; the same cases
    also run in real processes."""
    from dpt_tools.cli import _run

    monkeypatch.setattr(sys, "argv", ["dpt", *args])
    capfd.readouterr()
    try:
        _run()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    out, err = capfd.readouterr()
    return code, out, err


def test_subprocess_exit_codes_and_one_line_errors(good, bad, tmp_path):
    assert _dpt("validate", str(good)).returncode == 0
    assert _dpt("validate", str(bad)).returncode == 1
    missing = _dpt("validate", str(tmp_path / "missing.csv"))
    assert missing.returncode == 2
    err = missing.stderr.decode().strip()
    assert len(err.splitlines()) == 1 and "missing.csv" in err and "Traceback" not in err
    assert _dpt("validate", str(good), "--fail-on", "bogus").returncode == 2


def test_subprocess_stdin(bad):
    res = _dpt("validate", "-", "--json", stdin=bad.read_bytes())
    assert res.returncode == 1
    assert json.loads(res.stdout)["rows"] == 3


def test_input_never_modified(bad, tmp_path):
    before = bad.read_bytes()
    run("validate", str(bad), "--out", str(tmp_path / "o"))
    assert bad.read_bytes() == before


def test_subprocess_workbook_given_as_roll_is_one_line_exit_2(tmp_path):
    """The commonest wrong file on a clerk's desk: the .xlsx itself. Every command says so in one line, exit 2."""
    book = tmp_path / "DPT_KEL_BACANG.xlsx"
    book.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 8)
    for args in (["validate", str(book)], ["validate", str(book), "--part-rows", "1000"], ["dedupe", str(book)],
                 ["clean", str(book), "--out", str(tmp_path / "c")], ["diff", str(book), str(book)]):
        res = _dpt(*args, cwd=tmp_path)
        err = res.stderr.decode().strip()
        assert res.returncode == 2, (args, err)
        assert len(err.splitlines()) == 1 and "Excel workbook" in err and "Traceback" not in err, (args, err)


@pytest.mark.parametrize("extra", [[], ["--part-rows", "1"]])
def test_input_named_like_a_stale_output_survives(bad, tmp_path, capfd, monkeypatch, extra):
    """A clerk keeps the roll as hasil/findings.csv and writes Parquet findings into hasil/: the stale-output
    cleanup (findings.csv of an earlier CSV run) must not delete the input. (In-process: the cleanup is the
    library's; the command's real-process runs are the other tests here.)"""
    out = tmp_path / "hasil"
    out.mkdir()
    roll = out / "findings.csv"
    roll.write_bytes(bad.read_bytes())
    code, _, err = _dpt_here(capfd, monkeypatch, "validate", str(roll), "--out", str(out), "--format", "parquet",
                             *extra)
    assert code == 1, err
    assert roll.read_bytes() == bad.read_bytes()
    assert (out / "findings.parquet").exists()


@pytest.mark.parametrize("extra", [[], ["--no-mask"], ["--part-rows", "1"]])
def test_a_nik_in_the_header_is_not_printed(tmp_path, capfd, monkeypatch, extra):
    """A NIK typed into a header cell (an unused column) comes back in summary.json's extra_columns, which --json
    prints: the terminal never shows a full NIK, whatever the options. (In-process, both streams captured at the
    file descriptors; --json in a real process: test_subprocess_stdin.)"""
    lines = GOOD.split("\r\n")
    lines[0] += ";1971015708850099"
    lines[1:3] = [line + ";x" for line in lines[1:3]]
    p = tmp_path / "r.csv"
    p.write_text("\r\n".join(lines))
    code, out, err = _dpt_here(capfd, monkeypatch, "validate", str(p), "--json", *extra)
    assert code == 0, err
    assert "1971015708850099" not in out + err
    assert json.loads(out)["extra_columns"] == ["197101******0099"]


def test_every_command_help_ends_with_a_worked_example():
    """`--help` on the group and on every subcommand shows an example that runs that very command."""
    assert "dpt validate " in run("--help").output.split("Example")[-1]
    for name in cli.commands:
        out = run(name, "--help").output
        assert "Example" in out, name
        assert f"dpt {name} " in out.split("Example")[-1], name


INPUT_ERRORS = [
    ("missing.csv", None, "file not found"),
    ("empty.csv", b"", "file is empty"),
    ("header.csv", GOOD.splitlines()[0].encode() + b"\r\n", "header only"),
    ("broken.parquet", b"PAR1 not really a parquet file", "not a readable Parquet file"),
    ("nothing.csv", b"A;B;C\r\n1971015708850002;2;3\r\n", "no name column"),
]
# one real process per bad input, each option in at least one of them (the whole matrix runs in-process below)
REAL_PROCESS_OPTIONS = [[], ["--json"], ["--part-rows", "1"], ["--part-rows", "1"], ["--json"]]


def _assert_one_line_exit_2(tmp_path: Path, name: str, says: str, code: int, out: str, err: str) -> None:
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and says in err and name in err, err
    assert "Traceback" not in err and not out
    assert not (tmp_path / "o").exists()  # nothing written


def _bad_input(tmp_path: Path, name: str, content: bytes | None) -> Path:
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    return p


@pytest.mark.parametrize(("name", "content", "says", "extra"),
                         [(*case, extra) for case, extra in zip(INPUT_ERRORS, REAL_PROCESS_OPTIONS, strict=True)])
def test_input_errors_are_one_line_exit_2_in_a_real_process(tmp_path, name, content, says, extra):
    p = _bad_input(tmp_path, name, content)
    res = _dpt("validate", str(p), "--out", str(tmp_path / "o"), *extra)
    _assert_one_line_exit_2(tmp_path, name, says, res.returncode, res.stdout.decode(), res.stderr.decode())


@pytest.mark.parametrize(("name", "content", "says"), INPUT_ERRORS)
@pytest.mark.parametrize("extra", [[], ["--json"], ["--part-rows", "1"]])
def test_input_errors_are_one_line_exit_2_with_every_option(tmp_path, capfd, monkeypatch, name, content, says, extra):
    p = _bad_input(tmp_path, name, content)
    _assert_one_line_exit_2(tmp_path, name, says, *_dpt_here(capfd, monkeypatch, "validate", str(p), "--out",
                                                              str(tmp_path / "o"), *extra))


def test_a_terminal_that_cannot_show_unicode_keeps_the_exit_code(bad, tmp_path):
    """A cron job on a Latin-1 or ASCII locale: the verdict's dash and the table's rules cannot be encoded; the run
    must still end with its real exit code (1), its verdict and its JSON, not an internal error (3)."""
    env = {**_env(), "PYTHONIOENCODING": "ascii"}
    for extra in ([], ["--quiet"], ["--json"]):
        res = subprocess.run([sys.executable, "-m", "dpt_tools.cli", "validate", str(bad), *extra],
                             capture_output=True, env=env, timeout=120)
        assert res.returncode == 1, res.stderr
        assert b"GAGAL" in res.stdout + res.stderr and b"internal error" not in res.stderr


def test_an_internal_error_is_one_line_without_a_nik(good):
    """A bug (exit 3) is reported in one line, and an exception text quoting a NIK does not put it on screen."""
    res = _dpt_patched(
        "import dpt_tools.validate as v\n"
        "def boom(*a, **k):\n"
        "    raise RuntimeError('value 1971015708850002 broke\\nsecond line')\n"
        "v.validate_path = boom\n",
        "validate", str(good))
    err = res.stderr.decode()
    assert res.returncode == 3
    assert len(err.strip().splitlines()) == 1 and "internal error" in err, err
    assert "1971015708850002" not in err and "197101******0002" in err


@pytest.mark.parametrize("extra", [[], ["--part-rows", "1"]])
def test_a_broken_internal_invariant_is_exit_3_not_an_input_error(good, tmp_path, extra):
    """validate: an IntegrityError is a bug, not bad input: exit 3 as docs/contract.md says (diff already did so)."""
    res = _dpt_patched(
        "import dpt_tools.validate as v\n"
        "from dpt_tools.errors import IntegrityError\n"
        "def broken(frame):\n"
        "    raise IntegrityError('loaded roll: 1 value(s) break the schema')\n"
        "import dpt_tools.chunked as c\n"
        "v.check_roll_frame = c.check_roll_frame = broken\n",
        "validate", str(good), "--out", str(tmp_path / "o"), *extra)
    err = res.stderr.decode()
    assert res.returncode == 3, err
    assert len(err.strip().splitlines()) == 1 and "internal error" in err, err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("extra", [[], ["--part-rows", "1"]])
def test_a_parquet_damaged_inside_names_the_file(tmp_path, extra):
    """A Parquet file whose footer is sound but whose data pages are damaged: one line naming the file, exit 2."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = tmp_path / "rusak.parquet"
    n = 3000
    pq.write_table(pa.table({"NIK": [f"19710117088{i:05d}" for i in range(n)],
                             "NAMA": [f"ORANG NOMOR {i * 7919 % 10007}" for i in range(n)],
                             "TGL LAHIR": ["17-08-1985"] * n}), p, compression="snappy")
    data = bytearray(p.read_bytes())
    for i in range(200, len(data) // 2, 97):
        data[i] = (data[i] + 77) % 256
    p.write_bytes(bytes(data))
    res = _dpt("validate", str(p), *extra)
    err = res.stderr.decode()
    assert res.returncode == 2
    assert len(err.strip().splitlines()) == 1 and "rusak.parquet" in err and "Parquet" in err, err
