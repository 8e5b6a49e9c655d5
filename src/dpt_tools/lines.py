"""Line-first reading of a CSV roll for ``dpt diff``: the key columns parsed, every record's line located.

Why: two versions of a roll exported by one system share most of their lines byte for byte (at 1M rows ~96% of the
persons are unchanged). When every record of both files is exactly one line and both files have the same header
bytes, two records whose lines are equal have equal fields (a line's parse depends on its bytes alone), hence equal
normalised values. So ``dpt diff`` parses only the columns it needs for every row — the NIK to match on, sex and the
regions it counts (:data:`KEY_FIELDS`) —, compares each matched pair's raw line, and parses the other fields only
for the few lines that differ or have no partner (:meth:`LineIndex.parse`). Exact: no hash decides anything.

:func:`read_csv_lines` declines (returns None, and the caller parses the whole file as usual) wherever that premise
is not proven: not UTF-8, a bare carriage return (pyarrow ends a line there), a record spanning lines (a quoted line
break, or a quote never closed), a blank or ragged line, a row whose key columns are all empty (it might be an
all-empty record), no NIK column. A file holding a double quote is parsed by the reader that follows quotes across
lines and blocks (``newlines_in_values``), as the whole-file reader does: the reader that ends a record at every line
end would close a quote left open at the end of one of its 1 MiB blocks, so the whole file and a few of its lines
parsed again could disagree.
"""

from __future__ import annotations

import mmap
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .errors import IntegrityError
from .prefetch import LineFile

if TYPE_CHECKING:
    from .load import RawRead

#: Fields parsed for every row on the line-first path: the NIK (matching), sex and the regions (the tallies).
KEY_FIELDS = ("nik", "jenis_kelamin", "kecamatan", "kelurahan", "tps")


@dataclass
class LineIndex:
    """A CSV file's bytes and where each of its records lies: record ``i`` is the line
    ``data[offsets[i]:offsets[i + 1]]``, its line end included."""

    data: bytes
    offsets: np.ndarray  # int64, one more than the records
    delimiter: str
    ncols: int
    #: the file holds a double quote: parsed by the reader that follows quotes across lines (see the module's docs)
    quoted: bool = False
    _lines: pa.Array | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.offsets) - 1

    @property
    def head(self) -> bytes:
        """The bytes before the first record: a byte-order mark and the header line(s)."""
        return self.data[:int(self.offsets[0])]

    def lines(self) -> pa.Array:
        """Every record's line as one binary array over the file's bytes (no copy of them; made once)."""
        if self._lines is None:
            large = int(self.offsets[-1]) >= 2**31 - 1
            offsets = self.offsets.astype(np.int64 if large else np.int32)
            self._lines = pa.Array.from_buffers(pa.large_binary() if large else pa.binary(), self.n,
                                                [None, pa.py_buffer(offsets), pa.py_buffer(self.data)])
        return self._lines

    def parse(self, pos: np.ndarray, columns: Collection[int]) -> pa.Table:
        """The records at ``pos`` (increasing, distinct) parsed again from their lines: the all-string columns
        ``columns`` (named ``c<index>``), one row per position. The lines are taken into one small buffer and read
        by the same rules as the whole file (one line, one record)."""
        pos = np.asarray(pos, dtype=np.int64)
        if not len(pos):
            return pa.table({f"c{i}": pa.array([], type=pa.string()) for i in columns})
        lengths = self.offsets[pos + 1] - self.offsets[pos]
        body = self.lines().take(pa.array(pos)).buffers()[2].slice(0, int(lengths.sum()))  # the lines, end to end
        return self._read(body, columns, len(pos), int(lengths.max()))

    def parse_all(self, columns: Collection[int]) -> pa.Table:
        """Every record's ``columns``, parsed from the file's bytes as they stand (see :meth:`parse`)."""
        body = pa.py_buffer(self.data).slice(int(self.offsets[0]))
        return self._read(body, columns, self.n, int(np.diff(self.offsets).max()))

    def _read(self, body: pa.Buffer, columns: Collection[int], rows: int, longest: int) -> pa.Table:
        """``body`` (whole lines, no header) read by the whole-file reader's rules; every line must give a record."""
        from .load import _read_csv_table

        table, bad = _read_csv_table(body, self.delimiter, self.ncols, threads=False, multiline=self.quoted,
                                     block_size=max(1 << 20, 2 * longest), header_lines=0, include=list(columns))
        if bad or table.num_rows != rows:
            raise IntegrityError(f"{rows} lines parsed again gave {table.num_rows} records and {len(bad)} ragged")
        return table


def index_lines(data: bytes | mmap.mmap, header_lines: int, delimiter: str, ncols: int,
                scan: LineFile) -> LineIndex | None:
    """Where each data line lies (after ``header_lines`` lines of header), or None when a line end is not what
    pyarrow takes it to be (a bare ``\\r``), the file holds no data line, or a line is not UTF-8. ``scan``: the
    :class:`~dpt_tools.prefetch.LineFile` that read ``data`` and found its line ends."""
    if scan.bare_carriage_return:
        return None
    ends = scan.ends
    if len(ends) < header_lines:
        return None
    offsets = ends[header_lines - 1:] + 1
    if len(data) and data[len(data) - 1:] != b"\n":
        offsets = np.append(offsets, len(data))
    if len(offsets) < 2:
        return None
    index = LineIndex(data, offsets, delimiter, ncols)  # type: ignore[arg-type]
    if not scan.ascii:
        try:
            lines = index.lines()
            lines.cast(pa.large_string() if lines.type == pa.large_binary() else pa.string())
        except pa.ArrowInvalid:
            return None  # not UTF-8 somewhere: the whole-file reader reads it as cp1252
    return index


def read_csv_lines(data: bytes | mmap.mmap, name: str, column_map: dict[str, str] | None = None,
                   preferred: Collection[str] = (), *, scan: LineFile) -> RawRead | None:
    """CSV bytes → the :data:`KEY_FIELDS` columns of every record (table columns ``c<index>``, the other columns
    not parsed) with the file's :class:`LineIndex` in ``RawRead.lines``; None where the line-first premise does not
    hold (see the module's docs): the caller then reads the file whole (:func:`~dpt_tools.load.read_csv_strings`),
    which also words any problem with it. ``column_map``/``preferred``: the settings' mapping (``--map``), which
    decides the key columns as :func:`~dpt_tools.load.map_headers` does; ``scan``: the
    :class:`~dpt_tools.prefetch.LineFile` that read ``data``."""
    from . import load

    head, _ = load.sniff_csv(data[:load.SNIFF_BYTES], name, complete=len(data) <= load.SNIFF_BYTES)
    if head.encoding != "utf-8":
        return None
    quoted = bool(scan.quote)
    mapped = load.map_headers(head.header, column_map, preferred)
    keys = sorted(i for i, fld in mapped.items() if fld in KEY_FIELDS)
    if "nik" not in mapped.values():
        return None  # every row would be matched by its other fields: read whole
    ncols = len(head.header)
    index = index_lines(data, head.header_lines, head.delimiter, ncols, scan)
    if index is None:
        return None
    index.quoted = quoted
    try:  # without a quote, the faster parser that ends a record at every line end
        table, bad = load._read_csv_table(pa.py_buffer(data), head.delimiter, ncols, threads=False, multiline=quoted,
                                         header_lines=head.header_lines, include=keys)
    except pa.ArrowInvalid:
        return None
    nik = table.column(f"c{next(i for i, fld in mapped.items() if fld == 'nik')}")
    if bad or table.num_rows != index.n or (_holds_empty(nik) and _maybe_empty(table)):
        return None
    return load.RawRead(head.header, table, np.arange(1, index.n + 1, dtype=np.int64), load.no_malformed(), [],
                        load.Dialect("csv", head.delimiter, "utf-8", head.bom), [], lines=index)


def _holds_empty(col: pa.ChunkedArray) -> bool:
    """Whether a parsed column holds an empty value, read off its offsets (no lengths computed): when the NIK column
    holds none, no row can be all empty and :func:`_maybe_empty` (~0.03 s per 1M rows) need not look."""
    for chunk in col.chunks:
        if not len(chunk):
            continue
        wide = pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type)
        width = 8 if wide else 4
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64 if wide else np.int32, count=len(chunk) + 1,
                                offset=chunk.offset * width)
        if (offsets[1:] == offsets[:-1]).any():
            return True
    return False


def _maybe_empty(table: pa.Table) -> bool:
    """A row whose parsed columns are all empty may be an all-empty record, which the whole-file reader skips as a
    blank line: not judged here."""
    import pyarrow.compute as pc

    empty = None
    for col in table.columns:
        blank = pc.equal(pc.binary_length(col), 0)
        empty = blank if empty is None else pc.and_(empty, blank)
    return empty is None or bool(pc.any(empty).as_py())
