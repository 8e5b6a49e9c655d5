"""Read input files into memory in the background, and hash them later, with the standard library only.

Or, for a reader that parses a file from its path (``keep=False``: ``dpt diff`` and ``dpt validate``): scan the
file once in 1 MB blocks — its sha256 and whether it holds a double quote — without keeping its bytes. Hashing each
block while it is still in the processor's cache is what makes this cheap: the whole-file copy alone (357 MB for
the 1M diff pair: ~87,000 page faults) cost more CPU than the hash, and hashing that copy read it from memory again.

Why a module of its own: a command spends its first ~0.45 s importing pandas and pyarrow on one core. Started
before those imports, these threads use the other core. The sha256 (~0.15 s per 180 MB) of a file kept in memory
is computed either by the same thread right after reading (``hash_on_read``) or later, when the caller says so
(:meth:`InputFile.start_hash`), re-reading the file from the page cache in 1 MB blocks so the file's bytes need not
stay in memory meanwhile. Nothing here imports pandas or pyarrow, and numpy only on :class:`LineFile`'s thread.

A file whose size, inode or modification time differs at the end of the run from the moment it was read is
refused (see :meth:`InputFile.changed`): the result would describe a file that no longer exists.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import threading
from collections.abc import Iterable
from typing import Any

from . import childread


class InputFile(threading.Thread):
    """One regular input file: its bytes (as soon as read) and its sha256 (once asked for)."""

    def __init__(self, path: str, hash_on_read: bool = False, keep: bool = True) -> None:
        super().__init__(daemon=True, name=f"read {path}")
        self.path = path
        #: hold the file's bytes for :meth:`data` (False: only scan it — sha256 and :attr:`quote` — on this thread)
        self.keep = keep
        #: hash the bytes as soon as they are read, on this thread (see :func:`prefetch`)
        self.hash_on_read = hash_on_read or not keep
        self.stat = os.stat(path)
        self._read = threading.Event()
        self._data: bytes | None = None
        self.error: Exception | None = None
        self.hexdigest = ""
        #: (``keep=False``) whether the file holds a double quote; None until the whole file has been scanned
        self.quote: bool | None = None
        self._lock = threading.Lock()
        self._hasher: threading.Thread | None = None
        self.start()

    def run(self) -> None:
        if not self.keep:
            self._scan()
            return
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except (OSError, MemoryError) as exc:  # reported, never a thread that dies and leaves a reader waiting
            self.error = exc
            self._read.set()
            return
        self._data = data
        self._read.set()
        if self.hash_on_read:  # the very bytes that are parsed, hashed while the parse begins
            self.hexdigest = hashlib.sha256(data).hexdigest()

    def _scan(self) -> None:
        h = hashlib.sha256()
        block = bytearray(1 << 20)
        view = memoryview(block)
        quote = False
        try:
            with open(self.path, "rb", buffering=0) as fh:
                self._read.set()  # opened: the file can be parsed from its path meanwhile
                while k := fh.readinto(block):
                    h.update(view[:k])  # while the block is in the cache (hashlib releases the GIL)
                    quote = quote or block.find(b'"', 0, k) >= 0
        except OSError as exc:
            self.error = exc
            self._read.set()
            return  # an empty digest: the caller refuses the file
        self.quote = quote
        self.hexdigest = h.hexdigest()

    def opened(self) -> bool:
        """(``keep=False``) Wait until the file was opened; False if it could not be (the caller reads it again
        for a precise error)."""
        self._read.wait()
        return self.error is None

    def start_hash(self) -> None:
        """Start computing the sha256 (hashlib releases the GIL); idempotent."""
        with self._lock:
            if self._hasher is None:
                if self.hash_on_read:
                    self._hasher = self  # this thread hashes what it read
                    return
                self._hasher = threading.Thread(target=self._hash, daemon=True, name=f"sha256 {self.path}")
                self._hasher.start()

    def _hash(self) -> None:
        h = hashlib.sha256()
        try:
            with open(self.path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        except OSError:
            return  # an empty digest: the caller refuses the file
        self.hexdigest = h.hexdigest()

    def data(self) -> bytes | None:
        """The whole file, or None when it could not be read (the caller reads it again for a precise error)."""
        self._read.wait()
        return self._data

    def release(self) -> None:
        """Drop this object's reference to the bytes (the parse has its own copy of what it needs)."""
        self._data = None

    def changed(self) -> bool:
        """Whether the file on disk is no longer the one that was read. The change time counts too: a scanned file
        (``keep=False``) is read twice — hashed by the scan, parsed from its path — and a same-size rewrite whose
        modification time was put back (``cp -p``, ``touch -r``) would pair one content's digest with another's
        table; nobody can set the change time back."""
        try:
            now = os.stat(self.path)
        except OSError:
            return True
        return (now.st_ino, now.st_size, now.st_mtime_ns, now.st_ctime_ns) != (
            self.stat.st_ino, self.stat.st_size, self.stat.st_mtime_ns, self.stat.st_ctime_ns)

    def sha256(self) -> str:
        """The file's sha256 ("" if it could not be read); starts the hashing if nobody has yet."""
        self.start_hash()
        assert self._hasher is not None
        self._hasher.join()
        return self.hexdigest


#: bytes read per step by :class:`LineFile` on its own thread (no child), hashed and scanned while they are in the
#: processor's cache (per 180 MB file: 0.27-0.29 CPU-s in steps of 128-512 KB, 0.34 in steps of 4 MB)
READ_BLOCK = 256 << 10


def _memory(size: int) -> mmap.mmap | bytearray:
    """``size`` bytes of fresh memory, its pages mapped in one call (MAP_POPULATE) where the system offers it: a
    file of 180 MB read into ordinary memory takes ~44,000 page faults, which cost more than the copy itself on a
    virtual machine. Anonymous memory, never the file mapped: a mapped file that another program truncates while
    it is read would kill the process (SIGBUS)."""
    populate = getattr(mmap, "MAP_POPULATE", 0)
    if size and populate and hasattr(mmap, "MAP_ANONYMOUS"):
        try:
            return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
        except OSError:
            pass
    return bytearray(size)


class LineFile(InputFile):
    """An input file read whole into memory for the line-first reader (:func:`dpt_tools.childread.read_into`: in
    one pass of steps that also computes its sha256 and whether it holds a ``\\r`` (and one not right before a
    ``\\n``, where pyarrow would end a line), a double quote or a byte that is not ASCII, each step while it is in
    the cache), by a child process (:mod:`dpt_tools.childread`) or else on this thread; then where its ``\\n``
    bytes are. The bytes are the ones hashed and parsed (:mod:`dpt_tools.lines`)."""

    def __init__(self, path: str, child: childread.Child | None = None) -> None:
        self.ends: Any = None  # numpy int64 array of the \n positions, once read
        self.carriage_return = False
        self.bare_carriage_return = False
        self.ascii = True
        #: the child process reading the file (:mod:`dpt_tools.childread`); None: read on this object's thread
        self.child = child
        super().__init__(path, hash_on_read=True, keep=True)  # self.quote: None until the file is read

    def run(self) -> None:
        import numpy as np  # here, not at the module's top: the read starts before the command imports numpy

        memory: Any = self.child.memory if self.child is not None else None
        try:
            if self.child is not None:
                facts = self.child.result()
                if len(memory) != self.stat.st_size:
                    raise OSError(f"{self.path}: the file changed while it was read")
            else:  # no child (see dpt_tools.childread): the same read and scan, on this thread
                size = os.stat(self.path).st_size
                memory = _memory(size)
                facts = childread.read_into(self.path, size, memory, READ_BLOCK)
        except Exception as exc:  # reported, never a thread that dies and leaves the parse waiting
            # (MemoryError: too big to hold, the diff parses the file from its path; anything else: read it again)
            self.error = exc
            self._read.set()
            return
        arr = np.frombuffer(memory, dtype=np.uint8)
        ends = [np.flatnonzero(arr[at:at + ENDS_STEP] == 10) + at for at in range(0, len(arr), ENDS_STEP)]
        self.ends = np.concatenate(ends).astype(np.int64, copy=False) if ends else np.zeros(0, dtype=np.int64)
        self.hexdigest, self.quote, self.ascii = facts.hexdigest, facts.quote, facts.ascii
        self.carriage_return, self.bare_carriage_return = facts.carriage_return, facts.bare_carriage_return
        self._data = memory
        self._read.set()


#: bytes scanned for line ends per numpy call, once the file is read (one 8 MB temporary, reused)
ENDS_STEP = 8 << 20


def prefetch(paths: Iterable[str], hash_on_read: bool = False, keep: bool = True) -> dict[str, InputFile]:
    """Start reading every path that is a regular file (not ``-``, not a directory), one thread each.
    ``hash_on_read``: each thread also hashes the bytes it read, at once (while the libraries load, one core is
    left to the reading threads; hashing later would take time from the output stage). ``keep=False``: scan
    without keeping the bytes (the commands, which parse from the path)."""
    out: dict[str, InputFile] = {}
    for path in paths:
        path = str(path)
        if path != "-" and path not in out and os.path.isfile(path):
            try:
                out[path] = InputFile(path, hash_on_read, keep)
            except OSError:
                continue  # the reader reports it with the usual message
    return out


#: file name endings read as Parquet (any other file is CSV), as ``load.input_kind`` decides
PARQUET_SUFFIXES = (".parquet", ".pq")


def _first_line(path: str) -> bytes:
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    end = head.find(b"\n")
    return head[:end + 1] if end >= 0 else b""


def diff_inputs(old: str, new: str, line_first: bool = True) -> dict[str, InputFile]:
    """Start reading both versions of a diff, one thread each: two CSV files whose first lines (headers) are the
    same bytes are read whole for the line-first reader (:class:`LineFile`); any other pair is scanned
    (``keep=False``). ``line_first=False``: always scanned."""
    paths = [str(old), str(new)]
    lines = line_first and all(p != "-" and not p.lower().endswith(PARQUET_SUFFIXES) and os.path.isfile(p)
                               for p in paths)
    try:
        lines = lines and os.path.realpath(paths[0]) != os.path.realpath(paths[1]) and bool(
            _first_line(paths[0])) and _first_line(paths[0]) == _first_line(paths[1])
    except OSError:
        lines = False  # the readers word the problem
    if not lines:
        return prefetch(paths, keep=False)
    children: dict[str, childread.Child | None] = {}
    if childread.can_fork():  # every child forked before any thread starts (see dpt_tools.childread)
        for path in paths:
            try:
                children[path] = childread.start(path, os.stat(path).st_size)
            except OSError:
                continue  # the reader reports it with the usual message
    out: dict[str, InputFile] = {}
    for path in paths:
        try:
            out[path] = LineFile(path, children.get(path))
        except OSError:
            child = children.get(path)
            if child is not None:  # gone since its child started: that child is waited for, never left behind
                with contextlib.suppress(Exception):
                    child.result()
            continue  # the reader reports it with the usual message
    return out


#: :func:`diff_inputs` of a pair started by the entry point before the command was parsed (see dpt_tools.entry)
_EARLY: tuple[tuple[str, str], dict[str, InputFile]] | None = None


def start_early(old: str, new: str) -> None:
    """Start :func:`diff_inputs` of (OLD, NEW) now, for the ``dpt diff`` command that will take it
    (:func:`take_early`). Any problem is left for the command to meet and word."""
    global _EARLY
    try:
        _EARLY = ((old, new), diff_inputs(old, new))
    except Exception:  # the command reads the files itself and words the problem
        _EARLY = None


def take_early(old: str, new: str) -> dict[str, InputFile] | None:
    """The reads :func:`start_early` began, if they were for exactly these two arguments (each handed out once)."""
    global _EARLY
    early, _EARLY = _EARLY, None
    if early is None or early[0] != (old, new):
        return None
    return early[1]


# ------------------------------------------------------------------------------------------------ one input, by name
#: Reads started by a command for a library function that only knows the path (``load.load_roll``).
_PENDING: dict[str, InputFile] = {}
_LOCK = threading.Lock()


def start(path: str) -> None:
    """Begin reading and hashing ``path`` in the background (regular files only; ``-`` is standard input), for a
    later :func:`take` by the loader."""
    early = prefetch([path]).get(str(path))
    if early is None:
        return
    early.start_hash()
    with _LOCK:
        _PENDING[os.path.realpath(path)] = early


def take(path: str) -> tuple[bytes, str] | None:
    """The bytes and sha256 of ``path`` if a background read of it was started and the file is unchanged (each
    read is handed out once), else None: the caller reads the file itself and reports any problem."""
    if path == "-":
        return None
    with _LOCK:
        early = _PENDING.pop(os.path.realpath(path), None)
    if early is None:
        return None
    data = early.data()
    early.release()
    digest = early.sha256()
    if data is None or not digest or early.changed():
        return None
    return data, digest


def drop(path: str) -> None:
    """Forget a background read nobody will take (a roll checked in parts reads the file its own way)."""
    if path != "-":
        with _LOCK:
            _PENDING.pop(os.path.realpath(path), None)
