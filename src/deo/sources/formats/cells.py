"""Spreadsheet cells that never run: text a user wrote stays text in XLSX and CSV files.

Excel, LibreOffice and Google Sheets read a cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula ("CSV injection"): a measure titled
``=HYPERLINK(...)`` would run on the machine of whoever opens the export. deo writes no
formulas at all, so every such cell is written as text:

- XLSX: the cell's type is *string* and it carries Excel's quote prefix, so even editing
  the cell keeps it text. The value reads back unchanged.
- CSV: a CSV has no cell types, so the value gets a leading apostrophe (``'=1+1``), as
  OWASP recommends and spreadsheets show it; strip one leading ``'`` to read the text.

Numbers (a negative value is a number, not text) are never touched.
"""

from __future__ import annotations

import pandas as pd

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: object) -> bool:
    """True for text a spreadsheet would run as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every formula-like text value prefixed by an apostrophe."""
    out = frame
    for column in frame.columns:
        if frame[column].dtype != object and not isinstance(frame[column].dtype,
                                                            pd.StringDtype):
            continue
        risky = frame[column].map(formula_like)
        if risky.any():
            if out is frame:
                out = frame.copy()
            out[column] = out[column].where(~risky, "'" + out[column].astype(str))
    return out


def text_cells(workbook) -> None:
    """Make every formula-like cell of an openpyxl ``workbook`` a quoted text cell
    (call it after writing, before saving)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or formula_like(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
