"""Read a file in a child process, into memory shared with this one, with the standard library only.

Why: ``dpt diff`` reads both versions whole while the command imports pyarrow and pandas (~0.6 CPU-s). On threads,
the reading loop needs the interpreter lock at each of its 256 KB steps, and the imports hold it for long stretches
(a C extension's module set-up does not let go of it): measured on the 1M pair, the imports and both reads took
1.0-1.5 s of wall on two cores for ~1.9 CPU-s, about 1.4 cores busy. In a child process of its own each read owes
nothing to the interpreter lock of the command: the same work took 0.72-0.77 s (and less CPU: the child imports
nothing, the line ends are found later by numpy in the parent).

How: the parent maps anonymous shared memory of the file's size (:func:`start`), forks, and the child reads the file
into it in :data:`STEP` steps, each hashed (sha256) and looked at — a carriage return (and one not right before a
``\\n``), a double quote, a byte that is not ASCII — while it is in the processor's cache; it reports one line on a
pipe and exits (``os._exit``: never the parent's clean-up, never its buffered output). :meth:`Child.result` waits
for that line. The child uses only modules imported before the fork, and the parent forks only while it runs a
single thread (:func:`can_fork`): a lock held by another thread at the fork would stay locked in the child forever.

Anywhere this cannot be done (not Linux, threads running, no memory, fork refused) :func:`start` returns None and
the caller reads the file on a thread, with the same result.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import sys
from dataclasses import dataclass

#: bytes read per step (hashed and scanned while in the processor's cache)
STEP = 256 << 10
#: madvise(2) MADV_POPULATE_WRITE (Linux 5.14+; Python 3.11 has no name for it): map every page of the shared
#: memory in one call, not one page fault at a time (~44,000 for 180 MB, which cost more than the copy on a VM)
_POPULATE_WRITE = 23
#: set False to always read on threads (the tests compare both ways)
ENABLED = True


def can_fork() -> bool:
    """Linux, and this process runs exactly one thread (from ``/proc``, which also counts threads that Python did
    not start, such as a numeric library's workers)."""
    if not ENABLED or not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Threads:"):
                    return line.split()[1] == "1"
    except OSError:
        pass
    return False


@dataclass
class Facts:
    """What the child learnt of the file while reading it."""

    hexdigest: str
    quote: bool  # a double quote somewhere
    ascii: bool  # every byte below 0x80
    carriage_return: bool  # a \r somewhere
    bare_carriage_return: bool  # a \r not right before a \n (pyarrow ends a line there)


@dataclass
class Child:
    """A child process reading ``path`` into ``memory`` (see :func:`start`)."""

    path: str
    pid: int
    pipe: int  # read end of the child's report
    memory: mmap.mmap

    def result(self) -> Facts:
        """Wait for the child; its facts, or the error it met (MemoryError: the file could not be held, or the child
        was killed by a signal; OSError: anything else, the child's own words or how it ended)."""
        chunks = []
        try:
            while chunk := os.read(self.pipe, 1 << 16):
                chunks.append(chunk)
        finally:
            os.close(self.pipe)
            _, status = os.waitpid(self.pid, 0)
        words = b"".join(chunks).decode("utf-8", "replace").split("\t")
        if words[0] == "ok" and len(words) == 6 and os.waitstatus_to_exitcode(status) == 0:
            flags = [w == "1" for w in words[2:]]
            return Facts(words[1], *flags)
        if words[0] == "memory":
            raise MemoryError(f"{self.path}: too big to hold in memory")
        if os.WIFSIGNALED(status):
            # killed outright: by the kernel's out-of-memory killer (SIGKILL) or a page it could not give (SIGBUS),
            # most likely. Reported as memory the caller cannot have: it parses the file from its path, which needs
            # no memory for the whole file
            raise MemoryError(f"{self.path}: the reading process was killed (signal {os.WTERMSIG(status)})")
        if words[0] == "error" and len(words) > 1:
            raise OSError(words[1])
        raise OSError(f"{self.path}: the reading process ended without reading it "
                      f"(exit status {os.waitstatus_to_exitcode(status)})")


def start(path: str, size: int) -> Child | None:
    """Fork a child that reads ``path`` (``size`` bytes, as the caller's stat says) into fresh shared memory, or
    None where that cannot be done (see the module's docs). Call only after :func:`can_fork` said yes (and before
    any thread is started: the caller forks all its children first)."""
    if size <= 0:
        return None
    try:
        memory = mmap.mmap(-1, size, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
    except (OSError, ValueError, OverflowError):
        return None
    try:
        read_end, write_end = os.pipe()
    except OSError:
        memory.close()
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        memory.close()
        return None
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(path, size, memory, write_end)
    os.close(write_end)
    return Child(path, pid, read_end, memory)


def _child(path: str, size: int, memory: mmap.mmap, report: int) -> None:
    code = 1
    try:
        try:
            f = read_into(path, size, memory, STEP)
            flags = (f.quote, f.ascii, f.carriage_return, f.bare_carriage_return)
            line = "ok\t" + "\t".join([f.hexdigest, *("1" if x else "0" for x in flags)])
            code = 0
        except MemoryError:
            line = "memory"
        except BaseException as exc:  # every ending is reported to the parent, which decides
            line = "error\t" + (str(exc) or type(exc).__name__).replace("\t", " ").replace("\n", " ")
        data = line.encode("utf-8", "replace")
        while data:
            data = data[os.write(report, data):]
    except BaseException:  # the parent sees no report and reads the file itself
        code = 1
    finally:
        os._exit(code)


def read_into(path: str, size: int, memory: mmap.mmap | bytearray, step: int) -> Facts:
    """``path`` into ``memory`` (exactly ``size`` bytes) in steps of ``step`` bytes, each hashed and scanned while it
    is in the cache; its :class:`Facts`. The child's work, and the thread reader's (:class:`~dpt_tools.prefetch.
    LineFile` where no child can be forked): one scan, judged alike."""
    if hasattr(memory, "madvise"):
        with contextlib.suppress(OSError, ValueError):  # an older kernel: the pages are mapped as they are written
            memory.madvise(_POPULATE_WRITE)
    h = hashlib.sha256()
    view = memoryview(memory)
    quote = carriage = bare = after_cr = False
    ascii_only = True
    with open(path, "rb", buffering=0) as fh:
        done = 0
        while done < size and (k := fh.readinto(view[done:done + step])):
            block = view[done:done + k]
            h.update(block)
            data = block.tobytes()  # bytes offer count, isascii and `in`; a copy of a block in the cache is cheap
            if after_cr and data[:1] != b"\n":
                bare = True  # the last block ended with a \r not followed by \n
            if b"\r" in data:
                carriage = True
                # each \r that has a next byte in this block must be followed by \n
                if data.count(b"\r") - data.count(b"\r\n") - (data[-1:] == b"\r") > 0:
                    bare = True
            after_cr = data[-1:] == b"\r"
            quote = quote or b'"' in data
            ascii_only = ascii_only and data.isascii()
            done += k
        if done < size or fh.read(1):
            raise OSError(f"{path}: the file changed while it was read")
    return Facts(h.hexdigest(), quote, ascii_only, carriage, bare or after_cr)
