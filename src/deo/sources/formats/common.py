"""Pieces shared by the tabular formats (CSV, XLSX, Parquet)."""

from __future__ import annotations

import re

import pandas as pd

from deo.core.breakdown import parse_breakdown_key

YEAR_HEADER = re.compile(r"^\s*(\d{4})(?:\s*\[YR\d{4}\])?(?:\.0)?\s*$")

VALUE_COLUMNS = ["value", "status", "se", "ci_lower", "ci_upper"]


def with_dimension_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """An observation frame with its breakdown key spread into one column per dimension.

    Rows without a dimension get ``_T`` in its column, as SDMX does.
    """
    parsed = frame["breakdown"].fillna("").map(parse_breakdown_key)
    dims = sorted({d for p in parsed for d in p})
    out = frame[["indicator", "area", "period"]].copy()
    for dim in dims:
        out[dim] = parsed.map(lambda p, d=dim: p.get(d, "_T"))
    for column in VALUE_COLUMNS:
        out[column] = frame[column]
    return out
