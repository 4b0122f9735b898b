"""Wide CSV: one row per series, one column per year, as the World Bank and ITU publish.

World Bank downloads start with a few lines of notes before the header; the header is
the first line that has year columns. Empty cells mean "no data" and are skipped.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from deo.core import DeoError
from deo.core.observation import ROW_COLUMN
from deo.sources.formats import FileFormat, register
from deo.sources.formats.common import YEAR_HEADER, with_dimension_columns
from deo.sources.formats.tidy_csv import COLUMN_SPELLINGS, fold_header, match_columns

#: How many lines to look through for the header row.
HEADER_SEARCH = 10


def header_line(lines: list[list[str]]) -> int | None:
    """The first line whose cells include at least two years, in increasing order.

    A tidy file's header (``area,year,value``) ends the search: its data rows may hold
    four-digit numbers that look like years.
    """
    period_names = set(COLUMN_SPELLINGS["period"])
    area_names = set(COLUMN_SPELLINGS["area"])
    for i, cells in enumerate(lines[:HEADER_SEARCH]):
        names = {fold_header(c) for c in cells}
        if names & period_names:
            return None
        years = [int(m.group(1)) for c in cells if (m := YEAR_HEADER.match(c))]
        plausible = all(1900 <= y <= 2100 for y in years)
        increasing = all(a < b for a, b in zip(years, years[1:], strict=False))
        # One year column is enough beside a named area column (a one-year extract).
        enough = len(years) >= 2 or (len(years) == 1 and bool(names & area_names))
        if enough and plausible and increasing:
            return i
    return None


def sniff(head: bytes) -> bool:
    try:
        text = head.decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError:
        return False
    lines = list(csv.reader(io.StringIO(text)))[:-1] or list(csv.reader(io.StringIO(text)))
    return header_line(lines) is not None


def melt(table: pd.DataFrame, file: str, first_row: int, columns=None, constants=None):
    """Turn a wide table of text cells into a raw frame."""
    years = [c for c in table.columns if YEAR_HEADER.match(str(c))]
    ids = [c for c in table.columns if c not in years and str(c).strip()]
    # Only the id columns are matched; the value comes from the year columns.
    found = match_columns(
        [str(c) for c in ids], file, columns, {**(constants or {}), "period": "", "value": ""}
    )
    found.pop("period", None)
    found.pop("value", None)
    table = table.assign(**{ROW_COLUMN: range(first_row, first_row + len(table))})
    long = table.melt(
        id_vars=[found[c] for c in found] + [ROW_COLUMN],
        value_vars=years,
        var_name="period",
        value_name="value",
    )
    long["value"] = long["value"].fillna("").astype(str).str.strip()
    long = long[long["value"] != ""]
    long["period"] = long["period"].map(lambda c: YEAR_HEADER.match(str(c)).group(1))
    raw = pd.DataFrame({canonical: long[theirs] for canonical, theirs in found.items()})
    raw["period"] = long["period"]
    raw["value"] = long["value"]
    for name, value in (constants or {}).items():
        raw[name] = value
    raw[ROW_COLUMN] = long[ROW_COLUMN]
    raw = raw.sort_values(ROW_COLUMN, kind="stable").reset_index(drop=True)
    raw.attrs["source_columns"] = {**found, "period": "(year columns)", "value": "(year cell)"}
    raw.attrs["ignored_columns"] = [c for c in ids if c not in found.values()]
    return raw


def read(path: Path, columns=None, constants=None, sheet=None) -> pd.DataFrame:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DeoError(f"{path.name}: not a UTF-8 text file ({exc})") from exc
    lines = list(csv.reader(io.StringIO(text)))
    header = header_line(lines)
    if header is None:
        raise DeoError(f"{path.name}: no header row with year columns in the first lines")
    table = pd.read_csv(
        io.StringIO(text), skiprows=header, dtype=str, keep_default_na=False
    )
    table = table.loc[:, [c for c in table.columns if not str(c).startswith("Unnamed")]]
    return melt(table, path.name, header + 2, columns, constants)


def write(frame: pd.DataFrame, path: Path, **_options) -> None:
    """Years as columns; only annual observations without uncertainty fit this shape."""
    if (frame["period"].str.len() != 4).any():
        raise DeoError(f"{path.name}: wide CSV holds annual data only; use csv or sdmx-csv")
    tidy = with_dimension_columns(frame)
    ids = [c for c in tidy.columns if c not in ("period", "value", "status", "se",
                                                 "ci_lower", "ci_upper")]
    wide = tidy.pivot_table(index=ids, columns="period", values="value", aggfunc="first")
    wide.reset_index().to_csv(path, index=False)


register(
    FileFormat(
        name="wide-csv",
        description="wide CSV, years as columns (World Bank, ITU downloads)",
        extensions=(),
        read=read,
        write=write,
        sniff=sniff,
    )
)
