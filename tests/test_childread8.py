"""The child process that reads a `dpt diff` input into shared memory (dpt_tools.childread): it holds the file's exact
bytes and learns what the reader on a thread learns (sha256, carriage returns, quotes, ASCII), across its read steps;
every way it can fail reaches the parent as an error, never a hang; and the command uses it.

Forking is only safe in a process that runs one thread, which a pytest worker is not: the forking side of each test
runs in a fresh interpreter (a subprocess), and its answers are compared here with the thread reader's."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from dpt_tools import childread
from dpt_tools.prefetch import LineFile

SRC = str(Path(__file__).resolve().parents[1] / "src")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the child reader is Linux-only")

#: in the subprocess: read each file named in argv[2:] by a child with steps of argv[1] bytes, print the facts
_CHILD_FACTS = """
import json, sys
from dpt_tools import childread
childread.STEP = int(sys.argv[1])
out = []
for path in sys.argv[2:]:
    assert childread.can_fork()
    with open(path, 'rb') as fh:
        size = len(fh.read())
    child = childread.start(path, size)
    if child is None:
        out.append(None)
        continue
    try:
        f = child.result()
        out.append({'sha256': f.hexdigest, 'quote': f.quote, 'ascii': f.ascii, 'cr': f.carriage_return,
                    'bare': f.bare_carriage_return, 'same': bytes(child.memory) == open(path, 'rb').read()})
    except Exception as exc:
        out.append({'error': type(exc).__name__, 'message': str(exc)})
print(json.dumps(out))
"""


def _python(code: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": SRC, **(env or {})})


#: for the subprocess scripts: ``spy(module, name, seen)`` wraps ``module.name`` so that each call appends to ``seen``
#: whether it returned something (not None)
_SPY = """
def spy(module, name, seen):
    real = getattr(module, name)
    def call(*args):
        got = real(*args)
        seen.append(got is not None)
        return got
    setattr(module, name, call)
"""


def _pair(tmp_path: Path, rows: int = 800, seed: int = 4, style: str = "clean") -> tuple[Path, Path]:
    """Two versions of a synthetic roll with the same header (the line-first path)."""
    from dpt_tools.synth import synth_next_version, synth_roll, write_roll

    df, _ = synth_roll(rows, seed=seed)
    new, _ = synth_next_version(df, seed=seed)
    old_p, new_p = tmp_path / "old.csv", tmp_path / "new.csv"
    write_roll(df, old_p, style=style)
    write_roll(new[list(df.columns)], new_p, style=style)
    return old_p, new_p


def _assert_same_outputs(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _child_facts(paths: list[Path], step: int) -> list[dict]:
    run = _python(_CHILD_FACTS, str(step), *map(str, paths))
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _thread_facts(path: Path) -> dict:
    f = LineFile(str(path))
    f.join()
    return {"sha256": f.sha256(), "quote": f.quote, "ascii": f.ascii, "cr": f.carriage_return,
            "bare": f.bare_carriage_return, "same": bytes(f.data()) == path.read_bytes()}


def _texts() -> list[bytes]:
    """Files whose every special byte may fall on a step boundary: carriage returns bare, before a line end, at the
    end of the file; quotes; accented letters; lines of every length."""
    rng = random.Random(8)
    alphabet = [b"a", b"1", b",", b"\n", b"\r", b"\r\n", b'"', "é".encode(), b" "]
    texts = [b"nik,nama\n1,A\n", b"nik,nama\r\n1,A\r\n", b"nik,nama\r1,A\r\n", b"nik,nama\n1,A\r",
             b"\r", b"\n", b"x", b'"', "ü".encode(), b"\r\r\n", b"\r\n\r\n"]
    for _ in range(60):
        texts.append(b"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))))
    return texts


@linux_only
@pytest.mark.parametrize("step", [1, 2, 3, 7, 1 << 18])
def test_the_child_learns_what_the_thread_reader_learns(tmp_path: Path, step: int) -> None:
    paths = []
    for i, text in enumerate(_texts()):
        path = tmp_path / f"f{i}.csv"
        path.write_bytes(text)
        paths.append(path)
    got = _child_facts(paths, step)
    for path, facts in zip(paths, got, strict=True):
        assert facts == _thread_facts(path), (path.read_bytes(), step)
        assert facts["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


@linux_only
def test_a_bare_carriage_return_is_judged_across_steps(tmp_path: Path) -> None:
    """Each case puts the \\r at the very end of a 4-byte step: the next step's first byte decides."""
    cases = {b"abc\r\ndef": False, b"abc\rdef\n": True, b"abc\r": True, b"abc\r\r\n": True, b"ab\r\ncd\n": False}
    paths = []
    for i, text in enumerate(cases):
        (tmp_path / f"c{i}").write_bytes(text)
        paths.append(tmp_path / f"c{i}")
    got = _child_facts(paths, 4)
    assert [g["bare"] for g in got] == list(cases.values())
    assert all(g["cr"] and g["same"] for g in got)


@linux_only
def test_a_file_that_grew_since_it_was_measured_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "roll.csv"
    path.write_bytes(b"nik,nama\n1,A\n")
    code = """
import sys
from dpt_tools import childread
child = childread.start(sys.argv[1], 5)  # the file has 13 bytes
try:
    child.result()
except OSError as exc:
    print('OSError', exc)
"""
    run = _python(code, str(path))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("OSError") and "changed while it was read" in run.stdout


@linux_only
def test_a_missing_file_and_a_killed_child_are_errors_not_hangs(tmp_path: Path) -> None:
    code = """
import os, signal, sys
from dpt_tools import childread
child = childread.start(sys.argv[1], 10)  # no such file: the child says so
try:
    child.result()
except OSError as exc:
    print('missing:', exc)
path = sys.argv[2]
child = childread.start(path, os.path.getsize(path))
os.kill(child.pid, signal.SIGKILL)
try:
    child.result()
except (MemoryError, OSError) as exc:  # SIGKILL is how the out-of-memory killer ends a process: read from the path
    print('killed:', type(exc).__name__, exc)
"""
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (64 << 20))
    run = _python(code, str(tmp_path / "nope.csv"), str(big))
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("missing:") and "nope.csv" in lines[0]
    # SIGKILL may land before or after the child finished its 64 MB: either it is reported, or it succeeded
    assert len(lines) == 1 or lines[1] == f"killed: MemoryError {big}: the reading process was killed (signal 9)"


def test_no_fork_where_threads_run_or_when_disabled(monkeypatch) -> None:
    # a pytest process runs more than one thread (or is not Linux): never forked here
    import threading

    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not childread.can_fork()
    finally:
        stop.set()
        t.join()
    monkeypatch.setattr(childread, "ENABLED", False)
    assert not childread.can_fork()
    assert childread.start(__file__, 0) is None  # an empty file is read on a thread


@linux_only
def test_the_diff_command_reads_both_versions_in_child_processes(tmp_path: Path) -> None:
    """`dpt diff` forks its two readers (the command runs one thread when it starts), and its outputs are the
    outputs of the library reading on threads."""
    from dpt_tools.config import Settings
    from dpt_tools.diff import diff_paths, write_diff_outputs

    old_p, new_p = _pair(tmp_path, 2000, 8, "excel")
    code = _SPY + """
import sys
from dpt_tools import childread, cli
started = []
spy(childread, 'start', started)
sys.argv = ['dpt', 'diff', sys.argv[1], sys.argv[2], '--out', sys.argv[3], '--quiet']
try:
    cli._run()
except SystemExit as exc:
    print('children', started, 'exit', exc.code, file=sys.stderr)
"""
    run = _python(code, str(old_p), str(new_p), str(tmp_path / "cli"))
    assert "children [True, True] exit 0" in run.stderr, run.stderr
    result = diff_paths(old_p, new_p, Settings())
    assert result.line_first
    write_diff_outputs(result, Settings(), tmp_path / "lib", "csv")
    _assert_same_outputs(tmp_path / "cli", tmp_path / "lib")


@linux_only
@pytest.mark.parametrize("how", ["sigkill", "missing"])
def test_a_diff_whose_reading_child_fails_still_gives_the_same_result(tmp_path: Path, how: str) -> None:
    """A child killed outright (as the out-of-memory killer does) or one that cannot read its file: the command parses
    the file from its path, and the outputs are those of an undisturbed run."""
    old_p, new_p = _pair(tmp_path, 1500, 9)
    code = """
import os, signal, sys
from dpt_tools import childread, cli
real = childread.start
def start(path, size):
    if sys.argv[4] == 'missing':
        return real(path + '.gone', size)  # the child cannot open it: an error it reports
    child = real(path, size)
    os.kill(child.pid, signal.SIGKILL)
    return child
if sys.argv[4] != 'none':
    childread.start = start
sys.argv = ['dpt', 'diff', sys.argv[1], sys.argv[2], '--out', sys.argv[3], '--quiet']
try:
    cli._run()
except SystemExit as exc:
    print('exit', exc.code, file=sys.stderr)
"""
    for label in ("none", how):
        run = _python(code, str(old_p), str(new_p), str(tmp_path / label), label)
        assert "exit 0" in run.stderr, run.stderr
    _assert_same_outputs(tmp_path / how, tmp_path / "none")


@pytest.mark.parametrize("enabled", [True, False])
def test_the_diff_command_gives_back_the_cycle_collector_as_it_found_it(tmp_path: Path, enabled: bool) -> None:
    """`dpt diff` pauses Python's cycle collector while it runs (dpt_tools.cli._without_cycle_collector); a caller
    that goes on finds it as it was, whether the command succeeded or failed."""
    import gc

    from click.testing import CliRunner

    from dpt_tools.cli import cli
    from dpt_tools.synth import synth_roll, write_roll

    df, _ = synth_roll(300, seed=3)
    write_roll(df, tmp_path / "a.csv")
    seen = []
    (gc.enable if enabled else gc.disable)()
    try:
        for args in (["diff", str(tmp_path / "a.csv"), str(tmp_path / "a.csv"), "--quiet"],
                     ["diff", str(tmp_path / "a.csv"), str(tmp_path / "missing.csv")]):
            result = CliRunner().invoke(cli, args)
            seen.append((result.exit_code, gc.isenabled()))
    finally:
        gc.enable()
    assert seen == [(0, enabled), (2, enabled)]


def test_names_folded_in_two_halves_fold_as_a_whole() -> None:
    """diff._fold_distinct folds many distinct names in two halves on two threads: the same folded names, in the
    same order, as one fold of them all (the fold treats each name on its own)."""
    import pyarrow as pa

    from dpt_tools import diff as D
    from dpt_tools.names import fold_names
    from dpt_tools.synth import synth_roll

    df, _ = synth_roll(12000, seed=5)
    names = pa.array([*sorted(set(df["nama"].dropna())), "H. DJOKO, S.Pd", "  nur   hayati ", ""], type=pa.string())
    assert len(names) >= D.FOLD_SPLIT
    whole = fold_names(names).tolist()
    assert D._fold_distinct(names).to_pylist() == whole


@linux_only
def test_the_entry_point_starts_the_reads_for_dpt_diff_old_new(tmp_path: Path) -> None:
    """`dpt diff OLD NEW …` (dpt_tools.entry) forks the readers before click is imported, and the command takes
    them; the outputs are those of the command starting the reads itself."""
    old_p, new_p = _pair(tmp_path)
    code = _SPY + """
import sys
from dpt_tools import prefetch
taken = []
spy(prefetch, 'take_early', taken)
sys.argv = ['dpt', 'diff', sys.argv[1], sys.argv[2], '--out', sys.argv[3], '--quiet']
from dpt_tools import cli  # imported first here only to see how the command ends (the order: the next test)
cli._exit_now = lambda code: (print('taken', taken, 'exit', code, file=sys.stderr), sys.stderr.flush(),
                              __import__('os')._exit(0))
from dpt_tools.entry import main
main()
"""
    run = _python(code, str(old_p), str(new_p), str(tmp_path / "early"))
    assert "taken [True] exit 0" in run.stderr, run.stderr
    plain = _python("import sys; from dpt_tools import cli; sys.argv = ['dpt'] + sys.argv[1:]; cli.main()",
                    "diff", "--out", str(tmp_path / "plain"), "--quiet", str(old_p), str(new_p))
    assert plain.returncode == 0, plain.stderr
    _assert_same_outputs(tmp_path / "early", tmp_path / "plain")


@linux_only
def test_the_entry_point_reads_before_importing_click(tmp_path: Path) -> None:
    old_p, new_p = _pair(tmp_path)
    code = """
import sys
from dpt_tools import prefetch
real = prefetch.start_early
def start(old, new):
    print('click' in sys.modules, 'pyarrow' in sys.modules, 'numpy' in sys.modules, file=sys.stderr)
    real(old, new)
prefetch.start_early = start
sys.argv = ['dpt', 'diff', sys.argv[1], sys.argv[2], '--quiet']
from dpt_tools.entry import main
main()
"""
    run = _python(code, str(old_p), str(new_p))
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines()[0] == "False False False"


def test_early_reads_are_taken_only_for_the_same_two_arguments(tmp_path: Path, monkeypatch) -> None:
    from dpt_tools import prefetch

    old_p, new_p = _pair(tmp_path)
    monkeypatch.setattr(childread, "ENABLED", False)  # read on threads here (a pytest process runs threads)
    prefetch.start_early(str(old_p), str(new_p))
    assert prefetch.take_early(str(new_p), str(old_p)) is None  # another pair: dropped, the command reads itself
    assert prefetch.take_early(str(old_p), str(new_p)) is None  # handed out (or dropped) once
    prefetch.start_early(str(old_p), str(new_p))
    early = prefetch.take_early(str(old_p), str(new_p))
    assert early is not None and sorted(early) == sorted([str(old_p), str(new_p)])
    for f in early.values():
        assert f.sha256() == hashlib.sha256(Path(f.path).read_bytes()).hexdigest()
    prefetch.start_early(str(tmp_path / "missing.csv"), str(new_p))  # a problem is left for the command to word
    assert prefetch.take_early(str(tmp_path / "missing.csv"), str(new_p)) is not None


@pytest.mark.parametrize("args", [["diff", "--quiet", "A", "B"], ["diff", "A"], ["validate", "A", "B"]])
def test_the_entry_point_guesses_only_dpt_diff_old_new(monkeypatch, args) -> None:
    from dpt_tools import cli, entry, prefetch

    started = []
    monkeypatch.setattr(prefetch, "start_early", lambda old, new: started.append((old, new)))
    monkeypatch.setattr(cli, "main", lambda: None)
    monkeypatch.setattr(sys, "argv", ["dpt", *args])
    entry.main()
    assert started == []
    monkeypatch.setattr(sys, "argv", ["dpt", "diff", "A", "B", "--quiet"])
    entry.main()
    assert started == [("A", "B")]
