"""Timing and peak memory of a command, for the benchmarks (not for tests).

``measure(cmd)`` runs ``cmd`` in a fresh child process and returns its wall time and peak RSS. The peak is read with
``getrusage(RUSAGE_CHILDREN)`` inside a small wrapper process, so each measurement covers exactly one command.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time

_WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
    "dt = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'seconds': dt, 'cpu': u.ru_utime + u.ru_stime, 'peak_mb': u.ru_maxrss / 1024,"
    " 'returncode': rc}))\n"
)


def measure(cmd: list[str]) -> dict:
    """{'seconds', 'cpu', 'peak_mb', 'returncode'} of one run of ``cmd`` in a fresh child process."""
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def best_of(fn, repeat: int = 3) -> float:
    """Smallest wall time of ``repeat`` calls (the floor is the best the machine can do)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f", {int(fh.readline().split()[1]) / 1024 / 1024:.0f} GB RAM"
    except OSError:
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"
