"""When each stage of a real ``dpt validate`` run starts and ends (wall since start, process CPU, thread), for
bench/RESULTS.md.

bench/validate_stages.py times the library calls one after the other; the command overlaps them (the parse runs on
a thread while pandas and pandera import, the sha256 and the Kemendagri reference beside other work), so its
timeline is what shows where the wall time goes. Usage, in a fresh process:
``python bench/validate_timeline.py validate FILE --out DIR --quiet`` (the arguments of ``dpt``).
"""

from __future__ import annotations

import builtins
import resource
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

T0 = time.perf_counter()
LOG: list[tuple[str, float, float, str]] = []
_import = builtins.__import__
_seen: set[str] = set()
WATCHED_IMPORTS = ("click", "pyarrow", "pandas", "pandera.pandas")
WRAPPED = {
    "dpt_tools.load": ("_parse_bytes", "build_roll"),
    "dpt_tools.validate": ("validate_roll", "run_rules", "check_roll_frame", "write_outputs"),
}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def stamp(label: str) -> None:
    LOG.append((label, time.perf_counter() - T0, _cpu(), threading.current_thread().name))


def _wrap(module: Any, name: str) -> None:
    fn: Callable[..., Any] = getattr(module, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        stamp(f"> {name}")
        try:
            return fn(*args, **kwargs)
        finally:
            stamp(f"< {name}")

    setattr(module, name, timed)


def _hook(name: str, *args: Any, **kwargs: Any) -> Any:
    module = _import(name, *args, **kwargs)
    if name in WATCHED_IMPORTS and name not in _seen:
        _seen.add(name)
        stamp(f"imported {name}")
    for mod_name, functions in WRAPPED.items():  # wrap a module's functions once it has finished importing
        mod = sys.modules.get(mod_name)
        if mod is not None and mod_name not in _seen and all(hasattr(mod, f) for f in functions):
            _seen.add(mod_name)
            for f in functions:
                _wrap(mod, f)
    return module


def main() -> None:
    builtins.__import__ = _hook
    import dpt_tools.cli as cli

    finish = cli._exit_now

    def report_and_exit(code: object) -> None:
        stamp("exit")
        print("| wall s | CPU s | event | thread |\n|---|---|---|---|", file=sys.stderr)
        for label, wall, cpu, thread in LOG:
            print(f"| {wall:.3f} | {cpu:.3f} | {label} | {thread} |", file=sys.stderr)
        finish(code)

    cli._exit_now = report_and_exit
    sys.argv = ["dpt", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
