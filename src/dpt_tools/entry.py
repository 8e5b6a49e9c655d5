"""The ``dpt`` command's entry point: ``dpt diff OLD NEW …`` starts reading both files before click is imported.

Why: importing the command-line module (click above all) takes ~0.05 s on one core, while the other waits.
``dpt diff`` reads its two inputs in child processes (:mod:`dpt_tools.childread`) forked while the process still
runs one thread; forked here, they read while the command line is parsed. Only the unambiguous form is guessed —
the two words after ``diff`` are not options — which is how the two paths are always read; any other form is
left to the command, which starts the reads itself. The command uses the early reads only for the very same two
arguments (:func:`dpt_tools.prefetch.take_early`); nothing else is decided here.
"""

from __future__ import annotations

import os
import sys


def process_defaults() -> None:
    """What the ``dpt`` process sets for itself before numpy is imported: numpy's OpenBLAS starts a worker thread
    per core at import, which spins for ~0.1 s waiting for work that dpt never gives it (no matrix products) — one
    thread, unless the user chose otherwise."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> None:
    """Console entry point (see :func:`dpt_tools.cli.main`)."""
    process_defaults()  # before the reading threads below import numpy
    args = sys.argv[1:]
    if len(args) >= 3 and args[0] == "diff" and not args[1].startswith("-") and not args[2].startswith("-"):
        from . import prefetch

        prefetch.start_early(args[1], args[2])
    from .cli import main as cli_main

    cli_main()
