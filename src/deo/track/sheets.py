"""Reading a spreadsheet of measures: a reader per file suffix (:data:`READERS`), each
giving rows of cells numbered as the user sees them (the first row is 1), and the
conversion of a cell to text, a date or an amount (a ``ValueError`` says what was
expected).

A workbook is a zip of XML: a small file can declare millions of cells or expand to
gigabytes. Before openpyxl reads it, its expanded size is checked against
:func:`max_expanded_bytes` and any DTD (``<!DOCTYPE``, the door to entity expansion) is
refused; the sheet's declared dimension and the cells actually read are checked against
:func:`max_cells`, and reading stops after :func:`max_seconds` (CSV files alike)."""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from deo.config import positive_setting
from deo.core import DeoError
from deo.i18n import _

Rows = Iterator[tuple[int, list[Any]]]

#: How a DTD starts, in each encoding an XML part may use.
DOCTYPE = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def max_cells() -> int:
    """The most cells an imported sheet may have: ``DEO_IMPORT_MAX_CELLS`` (default 200000)."""
    return int(positive_setting("DEO_IMPORT_MAX_CELLS", 200000))


def max_expanded_bytes() -> int:
    """The most a workbook may expand to, unzipped: ``DEO_IMPORT_MAX_EXPANDED_MB``
    (default 100) megabytes."""
    return int(positive_setting("DEO_IMPORT_MAX_EXPANDED_MB", 100) * 2**20)


def max_seconds() -> float:
    """The longest an import may read: ``DEO_IMPORT_MAX_SECONDS`` (default 60) seconds."""
    return positive_setting("DEO_IMPORT_MAX_SECONDS", 60)


def _limited(path: Path, rows: Iterator[list[Any]]) -> Rows:
    """``rows`` numbered from 1, stopped with a message past the cell or time limit."""
    most, deadline = max_cells(), time.monotonic() + max_seconds()
    cells = 0
    for number, row in enumerate(rows, start=1):
        cells += len(row)
        if cells > most:
            raise DeoError(_("{file}: more than {most} cells (at row {row}); an action plan "
                             "has one row per measure; remove empty rows and columns or "
                             "import it in parts").format(file=path.name, most=most, row=number))
        if time.monotonic() > deadline:
            raise DeoError(_("{file}: reading took longer than {seconds:.0f} s (at row {row}); "
                             "import it in parts").format(file=path.name, seconds=max_seconds(),
                                                          row=number))
        yield number, row


def read_csv(path: Path, sheet: str | None) -> Rows:
    """A CSV file in UTF-8 (a byte-order mark is fine); ``sheet`` does not apply."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DeoError(_("{file}: not UTF-8 text; save it as \"CSV UTF-8\"").format(
            file=path.name)) from None
    first = text.split("\n", 1)[0]
    # Excel writes ";" where the decimal mark is a comma; headers never hold either.
    delimiter = max((",", ";", "\t"), key=first.count)
    # A record is one spreadsheet row even when a quoted cell holds line breaks.
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from _limited(path, records)
    except csv.Error as exc:
        raise DeoError(_("{file}: not a readable CSV file ({error})").format(
            file=path.name, error=exc)) from None


def _check_workbook(path: Path) -> None:
    """Refuse a workbook that expands beyond the limit or holds a DTD, before parsing it."""
    limit = max_expanded_bytes()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if total > limit:
                raise DeoError(_("{file}: expands to {size:.0f} MB, over the limit of "
                                 "{limit:.0f} MB").format(file=path.name, size=total / 2**20,
                                                          limit=limit / 2**20))
            read = 0
            for member in members:
                if not member.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                with archive.open(member) as part:
                    tail = b""
                    while chunk := part.read(2**16):
                        read += len(chunk)
                        if read > limit:  # the declared sizes lied
                            raise DeoError(_("{file}: expands beyond the limit of {limit:.0f} "
                                             "MB").format(file=path.name, limit=limit / 2**20))
                        if any(d in tail + chunk for d in DOCTYPE):
                            raise DeoError(_("{file}: {part} declares a DTD (<!DOCTYPE); a "
                                             "workbook saved by a spreadsheet program has "
                                             "none. Save it again as .xlsx").format(
                                file=path.name, part=member.filename))
                        tail = chunk[-32:]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, NotImplementedError) as exc:
        raise DeoError(_("{file}: not a readable .xlsx workbook ({error})").format(
            file=path.name, error=exc)) from None


def read_xlsx(path: Path, sheet: str | None) -> Rows:
    """A workbook's sheet (default: the first); date cells come as datetimes."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    _check_workbook(path)
    try:
        # read_only: rows are streamed, never the whole sheet in memory; data_only: a
        # formula's value.
        book = load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError, SyntaxError) as exc:
        # SyntaxError: the XML parser's ParseError
        raise DeoError(_("{file}: not a readable .xlsx workbook ({error})").format(
            file=path.name, error=exc)) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise DeoError(_("{file}: no sheet {sheet!r}; the sheets are {sheets}").format(
                file=path.name, sheet=sheet, sheets=", ".join(book.sheetnames)))
        rows = book[sheet] if sheet else book.worksheets[0]
        # A sheet's declared size is refused before a cell is read (openpyxl would pad
        # every row to it).
        declared = (rows.max_row or 0) * (rows.max_column or 0)
        if declared > max_cells():
            raise DeoError(_("{file}: the sheet declares {rows} rows by {columns} columns, "
                             "more than {most} cells; remove empty rows and columns or import "
                             "it in parts").format(file=path.name, rows=rows.max_row,
                                                   columns=rows.max_column, most=max_cells()))
        try:
            yield from _limited(path, (list(r) for r in rows.iter_rows(values_only=True)))
        except (KeyError, ValueError, SyntaxError) as exc:
            raise DeoError(_("{file}: not a readable .xlsx workbook ({error})").format(
                file=path.name, error=exc)) from None
    finally:
        book.close()


READERS: dict[str, Callable[[Path, str | None], Rows]] = {
    ".csv": read_csv, ".txt": read_csv, ".xlsx": read_xlsx, ".xlsm": read_xlsx,
}


# -- cells --------------------------------------------------------------------------


def column_key(name: Any) -> str:
    return re.sub(r"[\s_\-]+", " ", str(name or "")).strip().casefold()


def cell_text(value: Any) -> str:
    """A cell as text; a whole number typed as 12 or 12.0 in Excel reads "12"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def cell_date(value: Any) -> date | None:
    if isinstance(value, datetime):  # an Excel date cell
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10] if re.match(r"\d{4}-\d\d-\d\dT", text) else text)
    except ValueError:
        raise ValueError(_("a date as YYYY-MM-DD (or an Excel date cell)")) from None


def cell_amount(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = cell_text(value).replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):  # 1,500,000.00
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        raise ValueError(_("an amount such as 250000 or 250000.50")) from None
