"""Loader: every export quirk (delimiters, BOM, cp1252, CRLF, quotes, apostrophes, ragged lines, header
aliases, Parquet, stdin) and the refusals with a clear message."""

from __future__ import annotations

import os
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dpt_tools.errors import InputError
from dpt_tools.load import load_roll, map_headers, sniff_delimiter

HEADER = ["NO KK", "NIK", "NAMA", "TGL LAHIR", "L/P", "STS KAWIN", "RT", "RW", "TPS", "DESA/KELURAHAN", "KEC"]
ROWS = [
    ["'1971011201150003", "'1971015708850002", "siti  aminah", "17-08-1985", "P", "KAWIN", "3", "1", "1", "Bacang",
     "Bukit Intan"],
    ["1971011201150003", "0123456789012345", "Budi Santoso", "1985-08-17", "LAKI-LAKI", "B", "003", "01", "TPS 2",
     "BACANG", "BUKIT INTAN"],
]


def write(path, rows, delimiter=";", encoding="utf-8", bom=False, newline="\r\n", header=HEADER):
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    data = newline.join(lines) + newline
    raw = data.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + raw)
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(tmp_path, delimiter):
    roll = load_roll(write(tmp_path / "r.csv", ROWS, delimiter=delimiter))
    assert roll.dialect.delimiter == delimiter
    assert roll.frame["nama"].tolist() == ["SITI AMINAH", "BUDI SANTOSO"]


def test_bom_crlf_apostrophe_and_leading_zero(tmp_path):
    roll = load_roll(write(tmp_path / "r.csv", ROWS, bom=True))
    assert roll.dialect.bom and roll.dialect.encoding == "utf-8"
    assert roll.frame["nik"].tolist() == ["1971015708850002", "0123456789012345"]  # leading zero kept
    assert roll.frame["nkk"].tolist() == ["1971011201150003"] * 2
    assert roll.frame["tanggal_lahir"].tolist() == ["1985-08-17"] * 2
    assert roll.frame["jenis_kelamin"].tolist() == ["P", "L"]
    assert roll.frame["status_kawin"].tolist() == ["S", "B"]
    assert roll.frame["rt"].tolist() == ["003", "003"]
    assert roll.frame["tps"].tolist() == ["001", "002"]
    assert roll.frame["row_number"].tolist() == [1, 2]
    assert roll.raw.column("nik").to_pylist()[0] == "'1971015708850002"


def test_cp1252_fallback(tmp_path):
    rows = [r.copy() for r in ROWS]
    rows[0][2] = "Siti Ba\u00e9"  # é in cp1252 is one byte (0xE9), invalid as UTF-8
    roll = load_roll(write(tmp_path / "r.csv", rows, encoding="cp1252"))
    assert roll.dialect.encoding == "cp1252"
    assert roll.frame["nama"].tolist()[0] == "SITI BA\u00c9"


def test_cp1252_after_sniff_window(tmp_path):
    rows = [ROWS[1]] * 20000 + [[*ROWS[0][:2], "Andr\u00e9", *ROWS[0][3:]]]
    roll = load_roll(write(tmp_path / "r.csv", rows, encoding="cp1252"))
    assert roll.dialect.encoding == "cp1252"
    assert roll.frame["nama"].iloc[-1] == "ANDR\u00c9"


def test_quoted_fields_with_delimiter_and_newline(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text('NIK,NAMA,ALAMAT,TGL LAHIR\n1971015708850002,"AMINAH, SITI","JL. MELATI\nNO. 3",17-08-1985\n'
                 '1971011708850001,BUDI,"JL ""A""",17-08-1985\n', encoding="utf-8")
    roll = load_roll(p)
    assert roll.frame["nama"].tolist() == ["AMINAH, SITI", "BUDI"]
    assert roll.frame["alamat"].tolist() == ["JL. MELATI NO. 3", 'JL "A"']
    assert roll.frame["row_number"].tolist() == [1, 2]


def test_ragged_rows_become_rows_with_their_numbers(tmp_path):
    rows = [ROWS[0], ROWS[1][:5], ROWS[1] + ["extra"], ROWS[0]]
    roll = load_roll(write(tmp_path / "r.csv", rows))
    assert len(roll) == 4
    assert roll.malformed["row_number"].tolist() == [2, 3]
    assert roll.malformed["actual"].tolist() == [5, 12]
    assert roll.frame["row_number"].tolist() == [1, 2, 3, 4]
    # the short row keeps its first fields, the long row its first 11
    assert roll.frame.loc[1, "nama"] == "BUDI SANTOSO" and roll.frame.loc[2, "kecamatan"] == "BUKIT INTAN"


def test_unknown_columns_pass_through(tmp_path):
    header = [*HEADER, "CATATAN PETUGAS", "Kolom X"]
    rows = [[*r, "ok", "x"] for r in ROWS]
    roll = load_roll(write(tmp_path / "r.csv", rows, header=header))
    # neither header is an alias: both are kept as they are
    assert roll.extras == ["CATATAN PETUGAS", "Kolom X"]
    assert roll.frame["Kolom X"].tolist() == ["x", "x"]


def test_map_override_wins(tmp_path):
    header = ["NOMOR INDUK", "NAMA", "TGL LAHIR"]
    p = tmp_path / "r.csv"
    p.write_text("\n".join([",".join(header), "1971015708850002,SITI,17-08-1985"]) + "\n")
    roll = load_roll(p, column_map={"nomor induk": "nik"})
    assert roll.frame["nik"].tolist() == ["1971015708850002"]


def test_header_matching_ignores_case_space_punctuation():
    idx = map_headers(["no. kk", "Nik", "Nama Pemilih", "tgl_lhr", "jk", "Kab/Kota", "Desa / Kelurahan"])
    assert list(idx.values()) == ["nkk", "nik", "nama", "tanggal_lahir", "jenis_kelamin", "kabupaten_kota",
                                  "kelurahan"]


def test_parquet_numeric_columns_become_strings(tmp_path):
    p = tmp_path / "r.parquet"
    pq.write_table(pa.table({"NIK": pa.array(["1971015708850002"]), "NAMA": ["SITI"], "RT": pa.array([3]),
                             "TGL LAHIR": ["17-08-1985"]}), p)
    roll = load_roll(p)
    assert roll.dialect.format == "parquet"
    assert roll.frame["rt"].tolist() == ["003"]


def test_sniffer_prefers_consistent_delimiter():
    assert sniff_delimiter("NAMA;ALAMAT\nBUDI;JL. A, NO 1\nSITI;JL. B, NO 2\n") == ";"


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"NIK;NAMA;TGL LAHIR\r\n", "header only"),
    (b"NIK;NAMA;TGL LAHIR", "header only"),  # no line end after the header
    (b"FOO;BAR\r\n1;2\r\n", "no name column"),
    (b"NAMA;ALAMAT\r\nBUDI;JL\r\n", "neither a NIK nor a birth-date"),
    (b"'1971015708850002;BUDI;17-08-1985\r\n1971015708850003;ANI;17-08-1985\r\n", "no name column.*header row"),
])
def test_refusals(tmp_path, content, message):
    p = tmp_path / "r.csv"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_roll(p)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("DPT.xlsx", b"PK\x03\x04" + b"\x00" * 200, "Excel workbook"),
    ("DPT.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "Excel workbook"),
    ("DPT.csv", b"PAR1" + b"\x00" * 200 + b"PAR1", "Parquet"),
])
def test_a_workbook_or_parquet_read_as_csv_is_named(tmp_path, name, content, message):
    """A clerk hands over the .xlsx itself (or Parquet under a .csv name / on stdin): say what the file is, not
    'no name column'."""
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_roll(p)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_roll(tmp_path / "nope.csv")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match="Parquet"):
        load_roll(bad)


def _csv(tmp_path, text: str | bytes, name: str = "r.csv"):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


SIMPLE = "NIK,NAMA,TGL LAHIR\n"
LINE = "19710115069000{:02d},ORANG {},15-06-1990\n"


def test_blank_lines_keep_row_numbers(tmp_path):
    body = LINE.format(1, "A") + "\n\n" + LINE.format(2, "B") + ",,\n" + LINE.format(3, "C")
    roll = load_roll(_csv(tmp_path, SIMPLE + body))
    assert roll.frame["row_number"].tolist() == [1, 4, 6]
    assert roll.blank_rows == [2, 3, 5]
    assert roll.frame["nama"].tolist() == ["ORANG A", "ORANG B", "ORANG C"]


def test_stray_quote_does_not_swallow_rows(tmp_path):
    rows = [LINE.format(i, chr(65 + i % 26)) for i in range(1, 60)]
    rows[2] = '19710115069000' + '03,"ORANG RUSAK,15-06-1990\n'
    roll = load_roll(_csv(tmp_path, SIMPLE + "".join(rows)))
    assert len(roll) == 59
    assert roll.frame["row_number"].tolist() == list(range(1, 60))
    assert roll.frame.loc[58, "nama"] == "ORANG " + chr(65 + 59 % 26)
    assert any("stray quote" in n for n in roll.notes)


def test_legit_multiline_value_is_one_row(tmp_path):
    text = 'NIK,NAMA,ALAMAT,TGL LAHIR\n1971011506900001,BUDI,"JL. MAWAR\nRT 3",15-06-1990\n' \
           '1971011506900002,SITI,JL. MELATI,15-06-1990\n'
    roll = load_roll(_csv(tmp_path, text))
    assert roll.frame["row_number"].tolist() == [1, 2] and not roll.notes


def test_map_wins_over_an_earlier_alias(tmp_path):
    p = _csv(tmp_path, "NIK,NAMA,TGL LAHIR,NIK BARU\n1234,BUDI,15-06-1990,1971011506900001\n")
    roll = load_roll(p, column_map={"NIK BARU": "nik"})
    assert roll.frame["nik"].tolist() == ["1971011506900001"]
    assert roll.extras == ["NIK"]


def test_cp1252_undefined_bytes_do_not_crash(tmp_path):
    roll = load_roll(_csv(tmp_path, b"NIK,NAMA,TGL LAHIR\n1971011506900001,BUDI\x81\xe9,15-06-1990\n"))
    assert roll.dialect.encoding == "cp1252"
    assert roll.frame["nama"].iloc[0] == "BUDI\ufffd\u00c9"


def test_bom_then_cp1252(tmp_path):
    roll = load_roll(_csv(tmp_path, b"\xef\xbb\xbfNIK;NAMA;TGL LAHIR\r\n1971011506900001;Andr\xe9;15-06-1990\r\n"))
    assert roll.mapping == {"NIK": "nik", "NAMA": "nama", "TGL LAHIR": "tanggal_lahir"}
    assert roll.frame["nama"].iloc[0] == "ANDR\u00c9"


def test_cr_only_line_ends(tmp_path):
    roll = load_roll(_csv(tmp_path, "NIK,NAMA,TGL LAHIR\r1971011506900001,BUDI,15-06-1990\r"
                                    "1971011506900002,SITI,15-06-1990\r"))
    assert roll.frame["nama"].tolist() == ["BUDI", "SITI"]


def test_utf16_with_bom(tmp_path):
    text = "NIK\tNAMA\tTGL LAHIR\r\n1971011506900001\tBUDI\tc15-06-1990\r\n".replace("\tc", "\t")
    roll = load_roll(_csv(tmp_path, text.encode("utf-16"), "r.txt"))
    assert roll.dialect.encoding == "utf-16" and roll.frame["nama"].tolist() == ["BUDI"]


def test_utf16_without_bom_refused(tmp_path):
    with pytest.raises(InputError, match="UTF-16"):
        load_roll(_csv(tmp_path, "NIK,NAMA,TGL LAHIR\n1,B,15-06-1990\n".encode("utf-16-le")))


def test_parquet_odd_columns_pass_through(tmp_path):
    p = tmp_path / "r.parquet"
    pq.write_table(pa.table({
        "NIK": pa.array([1971011506900001.0, 9.71011506900001e15]),  # exact float, and one past 2**53
        "NAMA": ["BUDI", "SITI"], "TGL LAHIR": ["15-06-1990", "15-06-1990"],
        "TAGS": pa.array([["a", "b"], None]), "BLOB": pa.array([b"\xff\x00", b"ok"]),
    }), p)
    roll = load_roll(p)
    assert roll.frame["nik"].tolist()[0] == "1971011506900001"
    assert "E" in roll.frame["nik"].tolist()[1].upper()  # not silently rounded into 16 digits
    assert roll.extras == ["TAGS", "BLOB"]


def test_very_long_field(tmp_path):
    roll = load_roll(_csv(tmp_path, SIMPLE + "1971011506900001," + "A" * 3_000_000 + ",15-06-1990\n"))
    assert len(roll.frame["nama"].iloc[0]) == 3_000_000


def test_prefetched_read_gives_the_same_roll(tmp_path):
    """A file read and hashed in the background while the command imports (dpt_tools.prefetch) loads exactly as
    a file read by load_roll itself; each background read is used once, and a file that cannot be read is left
    to load_roll, which reports it."""
    import hashlib

    from dpt_tools import prefetch

    path = write(tmp_path / "r.csv", ROWS, bom=True)
    plain = load_roll(path)
    prefetch.start(str(path))
    early = load_roll(str(path))
    assert early.sha256 == plain.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert early.source == plain.source == "r.csv"
    assert early.frame.equals(plain.frame)
    assert prefetch.take(str(path)) is None  # handed out once
    prefetch.start(str(tmp_path / "missing.csv"))
    with pytest.raises(InputError, match="file not found"):
        load_roll(tmp_path / "missing.csv")


def _ahead(path, keep=True):
    from dpt_tools import prefetch
    from dpt_tools.load import parse_ahead

    parse_ahead(str(path), prefetch.prefetch([str(path)], keep=keep)[str(path)])


# keep=False: the file is scanned (sha256) and parsed from its path, never held whole in memory (what the commands do)
@pytest.mark.parametrize("keep", [True, False])
def test_parsed_ahead_gives_the_same_roll(tmp_path, keep):
    """A file read and parsed on a background thread while the command imports (load.parse_ahead) loads exactly
    as a file read by load_roll itself, CSV and Parquet alike; its sha256, left for later, is the file's."""
    import hashlib

    csv_path = write(tmp_path / "r.csv", ROWS, bom=True)
    pq_path = tmp_path / "r.parquet"
    load_roll(csv_path).frame.drop(columns=["row_number", "source"]).to_parquet(pq_path, index=False)
    for path in (csv_path, pq_path):
        plain = load_roll(path)
        _ahead(path, keep)
        early = load_roll(str(path), hash_later=True)
        assert early.sha256 == "" and early.pending_sha256 is not None
        assert early.finish_sha256() == plain.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert early.sha256 == plain.sha256 and early.pending_sha256 is None
        assert early.frame.equals(plain.frame) and early.source == plain.source
        _ahead(path, keep)
        assert load_roll(str(path)).sha256 == plain.sha256  # without hash_later: hashed before it is returned


@pytest.mark.parametrize("keep", [True, False])
def test_parsed_ahead_errors_are_raised_by_load_roll(tmp_path, keep):
    """A parse that fails ahead raises its error where load_roll would have: in load_roll, not before."""
    path = tmp_path / "h.csv"
    path.write_text("NIK,NAMA,TGL LAHIR\n")
    _ahead(path, keep)
    with pytest.raises(InputError, match="header only"):
        load_roll(str(path))


@pytest.mark.parametrize("keep", [True, False])
def test_file_changed_after_read_ahead(tmp_path, keep):
    """A file changed after it was read ahead: read again (sha256 now) or refused (sha256 later), never a digest
    that does not describe what was checked."""
    import time

    path = write(tmp_path / "r.csv", ROWS)
    _ahead(path, keep)
    time.sleep(0.05)
    path.write_text(path.read_text() + "1971011506900009,BUDI,15-06-1990\n")
    roll = load_roll(str(path))
    assert len(roll) == len(load_roll(path)) and roll.sha256 == load_roll(path).sha256  # the file as it is now
    _ahead(path, keep)
    roll = load_roll(str(path), hash_later=True)
    time.sleep(0.05)
    path.write_text(path.read_text() + "1971011506900010,SITI,15-06-1990\n")
    with pytest.raises(InputError, match="changed while it was being checked"):
        roll.finish_sha256()


@pytest.mark.parametrize("keep", [True, False])
def test_a_roll_for_parts_is_not_parsed_ahead(tmp_path, monkeypatch, keep):
    """A file that validate will read in parts (more rows than the limit, Parquet by its footer, CSV by size) is
    never parsed whole in the background: load_roll then reads it itself, as without a read ahead."""
    from dpt_tools import load, prefetch

    csv_path = write(tmp_path / "r.csv", ROWS)
    pq_path = tmp_path / "r.parquet"
    load_roll(csv_path).frame.drop(columns=["row_number", "source"]).to_parquet(pq_path, index=False)
    for path in (csv_path, pq_path):
        load.parse_ahead(str(path), prefetch.prefetch([str(path)], keep=keep)[str(path)], max_rows=0)
        ahead = load._AHEAD[os.path.realpath(path)]
        ahead.join()
        assert ahead.read is None and ahead.error is None
        assert load_roll(str(path)).frame.equals(load_roll(path).frame)
        load.parse_ahead(str(path), prefetch.prefetch([str(path)], keep=keep)[str(path)], max_rows=10**6)
        load._AHEAD[os.path.realpath(path)].join()
        assert load._AHEAD[os.path.realpath(path)].read is not None
        load.forget_ahead(str(path))
    from dpt_tools.chunked import AUTO_ROWS

    assert AUTO_ROWS == load.AUTO_PART_ROWS


@pytest.mark.parametrize(("head", "says"), [
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml", "Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00", "old Excel workbook (.xls)"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF document"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", "gzip-compressed"),
    (b"PAR1\x15\x04\x15\x80\x01", "Parquet file; name it *.parquet"),
])
def test_other_file_formats_named_not_misread(tmp_path, head, says):
    """A workbook, a PDF, a gzip or a Parquet file given as CSV is refused for what it is (an .xlsx used to be called
    'UTF-16 without a byte-order mark', a PDF 'no name column')."""
    path = _csv(tmp_path, head + bytes(range(256)) * 4, "DPT_KEL_BACANG.csv")
    with pytest.raises(InputError, match=re.escape(says)) as err:
        load_roll(path)
    assert "DPT_KEL_BACANG.csv" in str(err.value) and "UTF-16" not in str(err.value)
