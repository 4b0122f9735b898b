"""Tidy (long) CSV: one observation per row.

Columns are matched by name, case-insensitively, with the usual spellings of each
(``iso3``/``ref_area``/``country_code`` for the area, ``year``/``time_period`` for the
period...). Breakdown columns use SDMX dimension ids (``SEX``, ``SIZE_CLASS``...).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from deo.core import DeoError
from deo.core.breakdown import DIMENSIONS, parse_breakdown_key
from deo.core.observation import ROW_COLUMN
from deo.sources.formats import FileFormat, register
from deo.sources.formats.common import with_dimension_columns

#: Canonical column -> accepted spellings (compared case-insensitively).
COLUMN_SPELLINGS: dict[str, tuple[str, ...]] = {
    "indicator": ("indicator", "indicator_code", "series", "series_code", "core_code"),
    "area": ("area", "ref_area", "iso3", "country_code", "countryiso3code", "economy"),
    "period": ("period", "time_period", "year", "date", "time"),
    "value": ("value", "obs_value"),
    "status": ("status", "obs_status"),
    "se": ("se", "std_err", "standard_error"),
    "ci_lower": ("ci_lower", "conf_int_lower", "lower"),
    "ci_upper": ("ci_upper", "conf_int_upper", "upper"),
    "breakdown": ("breakdown",),
}
REQUIRED = ("indicator", "area", "period", "value")


def fold_header(name: str) -> str:
    """A header as compared with the spellings: "Country Code" -> "country_code"."""
    return "_".join(str(name).strip().casefold().split())


def match_columns(
    header: list[str], file: str, columns: dict[str, str] | None = None, constants=None
) -> dict[str, str]:
    """Map canonical names to the file's column names; a clear error if one is missing."""
    by_fold = {fold_header(h): h for h in header}
    found: dict[str, str] = {}
    for canonical, explicit in (columns or {}).items():
        if explicit not in header:
            raise DeoError(f"{file}: no column {explicit!r} (columns: {', '.join(header)})")
        found[canonical] = explicit
    for canonical, spellings in COLUMN_SPELLINGS.items():
        if canonical in found:
            continue
        for spelling in spellings:
            if spelling in by_fold and by_fold[spelling] not in found.values():
                found[canonical] = by_fold[spelling]
                break
    for dim in DIMENSIONS:
        theirs = by_fold.get(dim.casefold())
        if dim not in found and theirs and theirs not in found.values():
            found[dim] = theirs
    missing = [c for c in REQUIRED if c not in found and c not in (constants or {})]
    if missing:
        hints = "; ".join(f"{c}: one of {', '.join(COLUMN_SPELLINGS[c])}" for c in missing)
        raise DeoError(
            f"{file}: missing column(s) {', '.join(missing)} ({hints}). Columns found: "
            f"{', '.join(header)}. Name them with --column CANONICAL=THEIRS, or give a "
            "constant with --set indicator=CODE."
        )
    return found


def to_raw(
    table: pd.DataFrame,
    file: str,
    first_row: int,
    columns: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Rename a table of text cells to a raw frame; rows are numbered from ``first_row``."""
    header = [str(c) for c in table.columns]
    table.columns = header
    found = match_columns(header, file, columns, constants)
    raw = pd.DataFrame({canonical: table[theirs] for canonical, theirs in found.items()})
    for name, value in (constants or {}).items():
        raw[name] = value
        found.setdefault(name, f"--set {name}")
    if "breakdown" in raw:
        # A canonical breakdown key column (as our own CSV writer emits) -> dimension columns.
        parsed = raw.pop("breakdown").fillna("").map(_parse_key)
        for dim in sorted({d for p in parsed for d in p}):
            raw[dim] = parsed.map(lambda p, d=dim: p.get(d, ""))
            found.setdefault(dim, "breakdown")
    raw[ROW_COLUMN] = range(first_row, first_row + len(raw))
    raw.attrs["source_columns"] = found
    raw.attrs["ignored_columns"] = [h for h in header if h not in found.values()]
    return raw


def _parse_key(text: str) -> dict[str, str]:
    """A breakdown key as dimension columns; a malformed key is kept whole in a column
    ``breakdown`` that validation reports (never silently read as a total)."""
    try:
        return parse_breakdown_key(text)
    except ValueError:
        return {"breakdown": text}


def read(path: Path, columns=None, constants=None, sheet=None) -> pd.DataFrame:
    try:
        table = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True
        )
    except (UnicodeDecodeError, pd.errors.ParserError, csv.Error) as exc:
        raise DeoError(f"{path.name}: not a readable UTF-8 CSV file ({exc})") from exc
    except pd.errors.EmptyDataError:
        raise DeoError(f"{path.name}: the file is empty") from None
    return to_raw(table, path.name, 2, columns, constants)


def write(frame: pd.DataFrame, path: Path, **_options) -> None:
    """Write an observation frame as tidy CSV; floats keep full precision."""
    with_dimension_columns(frame).to_csv(path, index=False)


register(
    FileFormat(
        name="csv",
        description="tidy CSV, one observation per row",
        extensions=(".csv", ".txt"),
        read=read,
        write=write,
    )
)
