"""CSV record files as deo reads them, on every engine: UTF-8 text (a UTF-8 byte-order mark
is allowed), commas between fields, double quotes around a field that holds one (a quote in
a quoted field is doubled, RFC 4180), a header line naming the columns, and one field per
column on every line.

The engines detect a broken file as they read it (cheaply); the functions here then find
and describe its first fault in plain Python, so that both engines refuse a file with the
same message, naming the file, the line and what is wrong."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from deo.core import DeoError
from deo.i18n import _
from deo.sources.formats import parquet

#: Bytes read at a time when looking for a file's first fault.
CHUNK = 16 * 1024 * 1024
#: The longest header line read (bytes): a header is column names, not data.
MAX_HEADER = 1024 * 1024
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")
#: The dialect both engines are told to use (no guessing: a guess made on a broken file
#: reads it wrongly instead of refusing it).
DELIMITER, QUOTE, ESCAPE = ",", '"', '"'


def _open(path: Path) -> BinaryIO:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


@dataclass(frozen=True)
class BadByte:
    """The first byte of a file that is not UTF-8 text: its line (1-based), its offset in
    the (uncompressed) file and its value."""

    line: int
    offset: int
    byte: int


def first_bad_byte(path: Path) -> BadByte | None:
    """The first byte of ``path`` that is not UTF-8 text (or a NUL, which no CSV holds: it
    is the mark of UTF-16 text); None when the whole file is UTF-8."""
    start, line, pending = 0, 1, b""
    with _open(path) as fh:
        while True:
            chunk = fh.read(CHUNK)
            data = pending + chunk
            if not data:
                return None
            nul = data.find(b"\x00")
            end = nul if nul >= 0 else len(data)
            try:
                data[:end].decode("utf-8")
                bad = nul if nul >= 0 else None
                pending = b""
            except UnicodeDecodeError as exc:
                # A character cut by the end of the chunk is completed by the next one.
                if chunk and nul < 0 and exc.reason == "unexpected end of data":
                    bad, pending = None, data[exc.start:]
                    data = data[:exc.start]
                else:
                    bad = exc.start
            if bad is not None:
                return BadByte(line + data.count(b"\n", 0, bad), start + bad, data[bad])
            if not chunk:
                return None
            line += data.count(b"\n")
            start += len(data)


def not_utf8(path: Path, bad: BadByte) -> DeoError:
    """The error for a file that is not UTF-8 text."""
    if bad.byte == 0:
        return DeoError(_("{path}, line {line}: a NUL byte (byte {offset} of the file): this "
                          "looks like UTF-16 text, and record files must be UTF-8; save it "
                          "as UTF-8 (in Excel: \"CSV UTF-8\")")
                        .format(path=path, line=bad.line, offset=bad.offset))
    return DeoError(_("{path}, line {line}: byte 0x{byte:02X} (byte {offset} of the file) is "
                      "not UTF-8 text; record files must be UTF-8: save it as UTF-8 (in "
                      "Excel: \"CSV UTF-8\"), not Latin-1 or Windows-1252")
                    .format(path=path, line=bad.line, byte=bad.byte, offset=bad.offset))


def read_header(path: Path) -> list[str]:
    """The column names in the first line of ``path``; an empty file, a file that is not
    UTF-8 and a header with an empty or repeated name are refused."""
    with _open(path) as fh:
        first = fh.readline(MAX_HEADER)
    if not first.strip(b"\r\n\t "):
        raise DeoError(_("{path}: the file is empty; a CSV record file begins with a header "
                         "line naming its columns").format(path=path))
    if parquet.sniff(first):
        raise DeoError(_("{path}: a Parquet file, not CSV; name it .parquet or give --format "
                         "parquet").format(path=path))
    if first.startswith(UTF16_MARKS):
        raise DeoError(_("{path}: UTF-16 text (the file begins with a UTF-16 byte-order "
                         "mark); record files must be UTF-8: save it as UTF-8 (in Excel: "
                         "\"CSV UTF-8\")").format(path=path))
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_utf8(path, first_bad_byte(path) or BadByte(1, 0, 0)) from None
    if "\x00" in text:
        raise not_utf8(path, first_bad_byte(path) or BadByte(1, 0, 0))
    names = next(csv.reader([text.rstrip("\r\n")], delimiter=DELIMITER, quotechar=QUOTE))
    for number, name in enumerate(names, start=1):
        if not name.strip():
            raise DeoError(_("{path}: column {number} of the header has no name")
                           .format(path=path, number=number))
    refuse_reserved(path, names)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DeoError(_("{path}: the header names {columns} more than once")
                       .format(path=path, columns=", ".join(repeated)))
    return names


#: The column where Spark puts a CSV line whose fields do not match the header.
MALFORMED = "_deo_malformed"
#: Columns the readers add to every record (its file, its row; Spark's malformed lines).
RESERVED = ("_file", "_row", MALFORMED, "file_row_number")


def refuse_reserved(path: Path, names: list[str]) -> None:
    """Refuse a file with a column named as one the readers add."""
    taken = [n for n in names if n.lower() in RESERVED]
    if taken:
        raise DeoError(_("{path}: column {columns}: deo adds a column of that name to every "
                         "record (where it was read); rename it in the file")
                       .format(path=path, columns=", ".join(taken)))


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line where it begins, fields) of each record of ``path``, the header included."""
    with _open(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text, delimiter=DELIMITER, quotechar=QUOTE, strict=True)
        begins = 1
        try:
            for fields in reader:
                yield begins, fields
                begins = reader.line_num + 1
        except csv.Error as exc:
            raise DeoError(_("{path}, line {line}: not CSV ({error}); check the quotes "
                             "around this line").format(path=path, line=begins, error=exc)
                           ) from None


def wrong_field_count(path: Path, *, line_breaks: bool = False) -> DeoError | None:
    """The error for the first line of ``path`` whose fields do not match the header's
    columns (with ``line_breaks``, or that holds a quoted line break: an engine that splits
    files by line reads one as two lines); None when every line is sound."""
    expected = None
    for line, fields in _records(path):
        if expected is None:
            expected = len(fields)
        elif fields != [] and len(fields) != expected:
            return DeoError(_("{path}, line {line}: {found} fields where the header has "
                              "{expected} columns; every line needs one field per column "
                              "(look for a stray comma or quote, or a missing field)")
                            .format(path=path, line=line, found=len(fields),
                                    expected=expected))
        elif line_breaks and any("\n" in f or "\r" in f for f in fields):
            return DeoError(_("{path}, line {line}: a quoted field holds a line break, which "
                              "the spark engine reads as two lines; remove line breaks from "
                              "fields, or use the duckdb engine").format(path=path, line=line))
    return None


def describe_fault(path: Path, engine_message: str) -> DeoError:
    """The error for a CSV file an engine could not read: its first fault, found here, or
    failing that the engine's own first line."""
    bad = first_bad_byte(path)
    if bad is not None:
        return not_utf8(path, bad)
    fault = wrong_field_count(path)
    if fault is not None:
        return fault
    return DeoError(_("{path}: cannot be read as CSV ({error})").format(
        path=path, error=first_line(engine_message)))


def first_line(message: str) -> str:
    """The first line of an engine's (or a library's) error message, or nothing."""
    lines = message.strip().splitlines()
    return lines[0] if lines else ""
