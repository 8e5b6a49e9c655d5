"""Read input files into memory and hash them in the background, with the standard library only.

Why a module of its own: ``dpt diff`` spends its first ~0.3 s importing pandas and pyarrow on one core. Started
before those imports, these threads use the other core to read both inputs (and compute their sha256 while the
library loads and parses), so the command's wall time shrinks by the overlap. Nothing here imports pandas,
numpy or pyarrow.

The digest is of exactly the bytes that are parsed. A file whose size, inode or modification time differs at the
end of the run from the moment it was read is refused (:meth:`InputFile.sha256`): the result would describe a
file that no longer exists.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable


class InputFile(threading.Thread):
    """One regular input file: its bytes (as soon as read) and their sha256 (once hashed)."""

    def __init__(self, path: str) -> None:
        super().__init__(daemon=True, name=f"read {path}")
        self.path = path
        self.stat = os.stat(path)
        self._read = threading.Event()
        self._data: bytes | None = None
        self.error: OSError | None = None
        self.hexdigest = ""
        self.start()

    def run(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            self.error = exc
            self._read.set()
            return
        self._data = data
        self._read.set()
        self.hexdigest = hashlib.sha256(data).hexdigest()  # releases the GIL while it runs

    def data(self) -> bytes | None:
        """The whole file, or None when it could not be read (the caller reads it again for a precise error)."""
        self._read.wait()
        return self._data

    def release(self) -> None:
        """Drop this object's reference to the bytes (the parse has its own copy of what it needs)."""
        self._data = None

    def changed(self) -> bool:
        """Whether the file on disk is no longer the one that was read."""
        try:
            now = os.stat(self.path)
        except OSError:
            return True
        return (now.st_ino, now.st_size, now.st_mtime_ns) != (self.stat.st_ino, self.stat.st_size,
                                                               self.stat.st_mtime_ns)

    def sha256(self) -> str:
        """The sha256 of the bytes read ("" if they could not be read)."""
        self.join()
        return self.hexdigest


def prefetch(paths: Iterable[str]) -> dict[str, InputFile]:
    """Start reading every path that is a regular file (not ``-``, not a directory), one thread each."""
    out: dict[str, InputFile] = {}
    for path in paths:
        path = str(path)
        if path != "-" and path not in out and os.path.isfile(path):
            try:
                out[path] = InputFile(path)
            except OSError:
                continue  # the reader reports it with the usual message
    return out
