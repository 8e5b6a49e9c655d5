"""Review of the path reader of ``dpt diff`` / ``dpt validate`` (session 5): the scan hashes the file in one read and
the parse reads it again from its path, so what was hashed and what was parsed must be proven the same file, and a
parse read ahead must be handed to the argument it was started for."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dpt_tools import load
from dpt_tools.config import Settings
from dpt_tools.diff import _read_side, diff_paths
from dpt_tools.errors import InputError
from dpt_tools.prefetch import prefetch

HEADER = "NKK;NIK;NAMA;TGL LAHIR;JK;TPS;KELURAHAN;KECAMATAN\n"
ROW = "1971011108140269;1971012005920474;{name};20-05-1992;L;001;BACANG;BUKIT INTAN\n"


def _roll(n: int, name: str = "WARGA") -> bytes:
    return (HEADER + "".join(ROW.format(name=f"{name} {i:05d}") for i in range(n))).encode()


def _rewrite_keeping_times(path: Path, data: bytes) -> None:
    """Save other bytes of the same size and put the old times back (``cp -p``, ``touch -r``, rsync --inplace)."""
    st = os.stat(path)
    assert len(data) == st.st_size
    with path.open("r+b") as fh:
        fh.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_diff_refuses_a_same_size_rewrite_between_the_scan_and_the_parse(tmp_path: Path) -> None:
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_bytes(_roll(2000))
    new.write_bytes(_roll(2000))
    early = prefetch([str(old), str(new)], keep=False)
    early[str(new)].sha256()  # scanned: the digest is of the first content
    _rewrite_keeping_times(new, _roll(2000, name="WARGI"))  # then the parse reads other bytes
    try:
        got = diff_paths(old, new, Settings(), prefetched=early)
    except InputError as exc:
        assert "changed while" in str(exc)
        return
    # not refused: then the digest must describe the bytes that were compared
    assert got.summary["inputs"]["new"]["sha256"] == hashlib.sha256(new.read_bytes()).hexdigest()


def test_validate_load_never_pairs_one_content_with_the_digest_of_another(tmp_path: Path) -> None:
    roll = tmp_path / "roll.csv"
    roll.write_bytes(_roll(2000))
    early = prefetch([str(roll)], keep=False)[str(roll)]
    early.sha256()
    _rewrite_keeping_times(roll, _roll(2000, name="WARGI"))
    load.parse_ahead(str(roll), early)
    try:
        got = load.load_roll(str(roll))
    except InputError as exc:
        assert "changed while" in str(exc)
        return
    assert got.sha256 == hashlib.sha256(roll.read_bytes()).hexdigest()


def test_a_parse_ahead_is_taken_by_its_own_spelling_of_a_shared_file(tmp_path: Path) -> None:
    """OLD and NEW the same file under two names (a symlink): each side's messages name its own argument, whichever
    side's thread asks first."""
    target = tmp_path / "roll.csv"
    target.write_bytes(HEADER.encode())  # header only: the parse's own message names the file
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    early = prefetch([str(target), str(link)], keep=False)
    for path, source in early.items():
        load.parse_ahead(path, source)
    try:
        with pytest.raises(InputError, match=r"roll\.csv: header only"):
            _read_side(str(target), Settings(), "old", prefetched=early[str(target)])
        with pytest.raises(InputError, match=r"link\.csv: header only"):
            _read_side(str(link), Settings(), "new", prefetched=early[str(link)])
    finally:
        for path in early:
            load.forget_ahead(path)


def test_a_ragged_line_not_in_utf8_prints_no_traceback(tmp_path: Path) -> None:
    """A ragged line holding a cp1252 byte beyond the sniffed head: the file is read as cp1252, and stderr holds
    the one-line report only — no "Exception ignored … Traceback" from pyarrow's handler of invalid rows."""
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    old.write_bytes(_roll(5000))
    new.write_bytes(_roll(5000) + ROW.format(name="JOSÉ;EXTRA").encode("cp1252"))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    # read in parts too (it was refused as a parse error, exit 2, until tests/test_defects6.py)
    for args, codes in ((["diff", str(old), str(new)], (0, 1)), (["validate", str(new)], (0, 1)),
                        (["validate", str(new), "--part-rows", "1000"], (0, 1))):
        res = subprocess.run([sys.executable, "-m", "dpt_tools.cli", *args], capture_output=True, env=env,
                             timeout=120)
        assert res.returncode in codes, res.stderr.decode()
        err = res.stderr.decode()
        assert "Traceback" not in err and "Exception ignored" not in err, err
        assert res.returncode != 2 or len(err.strip().splitlines()) == 1, err
