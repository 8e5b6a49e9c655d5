"""File names as people see them and as outputs record them, and as pyarrow opens them.

A Linux file name is bytes, not text: a name saved by a program in another encoding (``roll\\xff.csv``, a
Latin-1 ``é``) is a valid file. Python hands such a name over with each byte that is not UTF-8 as a lone surrogate
(U+DC80–U+DCFF, PEP 383). Python's own ``open`` takes it back, but pyarrow cannot open it, cannot hold it in a
string column, and no UTF-8 output (terminal, JSON, CSV, Parquet) can hold it — the commands ended with an
internal error. So:

* a path is opened as the bytes it stands for (:func:`arrow_path`);
* a name is shown, and recorded in outputs, with each such byte as a backslash escape ``\\xff`` (:func:`shown`) —
  the same form on the terminal, in messages and in every output file. Why an escape rather than U+FFFD: it says
  which byte it is, so a clerk can find the file, and two names that differ in that byte (``a\\xfe.csv``,
  ``a\\xff.csv``) stay two names (``dpt dedupe`` tells records apart by file name).

Standard library only: the command line imports it before anything heavy.
"""

from __future__ import annotations

import os
import re

#: lone surrogates: U+DC80–U+DCFF stand for the bytes 0x80–0xff of a name that is not UTF-8; any other one
#: (never made by decoding a Linux name) is escaped as a code point
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def shown(name: str) -> str:
    """``name`` as it is printed and written: unchanged when it is text, each undecodable byte as ``\\xNN``."""
    return name if name.isascii() else _SURROGATE.sub(_escape, name)


def arrow_path(path: str | os.PathLike[str]) -> bytes:
    """The path as the bytes of the file system: what pyarrow's ``OSFile`` opens whatever the name (it encodes a
    ``str`` as UTF-8, which a name that is not UTF-8 cannot be)."""
    return os.fsencode(path)
