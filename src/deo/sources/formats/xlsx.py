"""Excel workbooks (.xlsx): a tidy or a wide sheet, detected from its header."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd

from deo.core import DeoError
from deo.sources.formats import FileFormat, register
from deo.sources.formats.cells import text_cells
from deo.sources.formats.common import with_dimension_columns
from deo.sources.formats.tidy_csv import to_raw
from deo.sources.formats.wide_csv import header_line, melt


def read(path: Path, columns=None, constants=None, sheet=None) -> pd.DataFrame:
    try:
        table = pd.read_excel(
            path, sheet_name=sheet or 0, dtype=str, keep_default_na=False, engine="openpyxl"
        )
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise DeoError(f"{path.name}: not a readable .xlsx workbook ({exc})") from exc
    except ValueError as exc:  # e.g. a sheet that does not exist
        raise DeoError(f"{path.name}: {exc}") from exc
    name = f"{path.name}[{sheet}]" if sheet else path.name
    headers = [str(c) for c in table.columns]
    is_wide = header_line([headers]) == 0 and not any(
        h.strip().casefold() in ("value", "obs_value") for h in headers
    )
    if is_wide:
        return melt(table, name, 2, columns, constants)
    return to_raw(table, name, 2, columns, constants)


def write(frame: pd.DataFrame, path: Path, **_options) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        with_dimension_columns(frame).to_excel(book, sheet_name="observations", index=False)
        text_cells(book.book)  # a text value is never a live formula


register(
    FileFormat(
        name="xlsx",
        description="Excel workbook, tidy or wide sheet",
        extensions=(".xlsx", ".xlsm"),
        read=read,
        write=write,
    )
)
