"""Tables out of the API: JSON, CSV, XLSX, SDMX-JSON and SDMX-CSV."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Literal

import orjson
import pandas as pd
from fastapi.responses import Response

from deo.sources.formats import get_format
from deo.sources.formats.cells import csv_safe, text_cells

Format = Literal["json", "csv", "xlsx", "sdmx-json", "sdmx-csv"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sdmx-json": "application/vnd.sdmx.data+json; version=1.0.0",
    "sdmx-csv": "application/vnd.sdmx.data+csv; version=1.0.0",
}
SUFFIXES = {"csv": ".csv", "xlsx": ".xlsx", "sdmx-json": ".json", "sdmx-csv": ".sdmx.csv"}


def table(frame: pd.DataFrame, fmt: Format, name: str, body: dict,
          headers: dict[str, str] | None = None, sdmx: dict | None = None) -> Response:
    """``body`` (holding the records) as JSON, or ``frame`` as a download named ``name``
    (``sdmx``: options of the SDMX writer, such as the ``dataflow``)."""
    if fmt == "json":
        # orjson: exact shortest float repr, and ten times faster than the json module.
        return Response(orjson.dumps(body), media_type="application/json", headers=headers)
    if fmt == "csv":
        # Text cells that a spreadsheet would run as a formula get a leading apostrophe.
        data = csv_safe(frame).to_csv(index=False).encode("utf-8")
    elif fmt == "xlsx":
        data = xlsx_data(frame)
    else:
        data = sdmx_data(frame, fmt, **(sdmx or {}))
    disposition = {"Content-Disposition": f'attachment; filename="{name}{SUFFIXES[fmt]}"'}
    return Response(data, media_type=MEDIA_TYPES[fmt], headers={**disposition, **(headers or {})})


def xlsx_data(frame: pd.DataFrame) -> bytes:
    """One sheet, ``data``: a year period is a number, text never a formula."""
    if "period" in frame:
        years = frame["period"].astype(str).str.fullmatch(r"\d{4}")
        frame = frame.assign(period=[int(p) if year else p for p, year in
                                     zip(frame["period"], years, strict=True)])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as book:
        frame.to_excel(book, sheet_name="data", index=False)
        text_cells(book.book)
    return buffer.getvalue()


def sdmx_data(frame: pd.DataFrame, fmt: str, **options) -> bytes:
    """An observation frame in an SDMX format (``sdmx-ml``, ``sdmx-json``, ``sdmx-csv``),
    by our writers; ``options`` go to the writer (``dataflow``, ``breakdowns``...)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data"
        get_format(fmt).write(frame, path, **options)
        return path.read_bytes()


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: NaN becomes null, numpy scalars plain Python values.

    Column by column (``tolist`` converts in C), then zipped: about four times faster
    than ``DataFrame.to_dict`` for the 16,000-row answers the API serves.
    """
    columns = {}
    for name in frame.columns:
        values = frame[name].tolist()
        if pd.api.types.is_float_dtype(frame[name]):
            values = [None if v != v else v for v in values]  # NaN is not equal to itself
        elif frame[name].dtype == object:
            values = [None if v is None or (isinstance(v, float) and v != v) else v
                      for v in values]
        columns[str(name)] = values
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
