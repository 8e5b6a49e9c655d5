"""Read (and hash) an input file on a background thread while the command is still importing its libraries.

Why: a ``dpt`` process spends its first ~0.4 s importing pandas, pyarrow and pandera on one core, while the other
core idles. Reading a 180 MB roll and computing its sha256 takes ~0.25 s of that otherwise idle time. This module
imports nothing heavy, so the command can start the read before the imports; :func:`dpt_tools.load.load_roll`
then takes the bytes from here instead of reading the file again. Without a prefetch (the library used on its
own, standard input, an unreadable path) loading reads the file itself, exactly as before, and reports errors.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path


class _Read(threading.Thread):
    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.data: bytes | None = None
        self.sha256 = ""

    def run(self) -> None:
        try:
            data = self.path.read_bytes()
        except OSError:
            return  # load_roll reads again and reports the problem in its own words
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.data = data


_LOCK = threading.Lock()
_PENDING: dict[str, _Read] = {}


def _key(path: str) -> str:
    return os.path.realpath(path)


def start(path: str) -> None:
    """Begin reading ``path`` in the background (regular files only; ``-`` is standard input)."""
    if path == "-" or not os.path.isfile(path):
        return
    reader = _Read(Path(path))
    with _LOCK:
        _PENDING[_key(path)] = reader
    reader.start()


def take(path: str) -> tuple[bytes, str] | None:
    """The bytes and sha256 of ``path`` if a background read of it was started and succeeded (each read is
    handed out once), else None."""
    if path == "-":
        return None
    with _LOCK:
        reader = _PENDING.pop(_key(path), None)
    if reader is None:
        return None
    reader.join()
    if reader.data is None:
        return None
    return reader.data, reader.sha256
