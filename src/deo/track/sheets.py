"""Reading a spreadsheet of measures: a reader per file suffix (:data:`READERS`), each
giving rows of cells numbered as the user sees them (the first row is 1), and the
conversion of a cell to text, a date or an amount (a ``ValueError`` says what was
expected)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from deo.core import DeoError
from deo.i18n import _

Rows = Iterator[tuple[int, list[Any]]]


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
    yield from enumerate(records, start=1)


def read_xlsx(path: Path, sheet: str | None) -> Rows:
    """A workbook's sheet (default: the first); date cells come as datetimes."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, data_only=True)  # data_only: a formula's value
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise DeoError(_("{file}: not a readable .xlsx workbook ({error})").format(
            file=path.name, error=exc)) from None
    if sheet is not None and sheet not in book.sheetnames:
        raise DeoError(_("{file}: no sheet {sheet!r}; the sheets are {sheets}").format(
            file=path.name, sheet=sheet, sheets=", ".join(book.sheetnames)))
    rows = book[sheet] if sheet else book.worksheets[0]
    for number, cells in enumerate(rows.iter_rows(values_only=True), start=1):
        yield number, list(cells)


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
