"""Protected cells -> observations: one per cell and measure, validated against the catalogue
by the same code as any load (:func:`deo.sources.validation.validate`), ready for the store.
Suppressed cells become observations with no value and status ``Q`` (SDMX OBS_STATUS
"missing value; suppressed"), so that a reader sees the cell exists and why it is empty."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from deo.catalogue import Catalogue
from deo.core import LoadRejected
from deo.measure.records.disclosure import DIMENSION_COLUMNS
from deo.measure.records.recipe import TABLE_DIMENSIONS, Recipe
from deo.sources.validation import validate

SUPPRESSED = "Q"
#: Breakdown dimension of each analysis column.
DIMENSION_OF = {column: dim for dim, column in TABLE_DIMENSIONS.items()}


def period_code(start: date, frequency: str) -> str:
    """The period code of a period that starts on ``start`` ("2024-03", "2024-Q1", "2024")."""
    if frequency == "M":
        return f"{start.year:04d}-{start.month:02d}"
    if frequency == "Q":
        return f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}"
    return f"{start.year:04d}"


def raw_observations(
    cells: pd.DataFrame, hidden: pd.Series, recipe: Recipe, reporter: str
) -> pd.DataFrame:
    """A raw frame (the shape a file reader gives) of the cells' observations."""
    parts = []
    for measure, by_direction in recipe.indicators.items():
        indicator = cells["direction"].map(by_direction)
        keep = indicator.notna()
        value = cells["cents"] / 100.0 if measure == "value" else cells["records"].astype(float)
        part = pd.DataFrame({
            "indicator": indicator[keep],
            "area": reporter,
            "period": [period_code(p, recipe.frequency) for p in cells.loc[keep, "period_start"]],
            "value": np.where(hidden[keep], np.nan, value[keep]),
            "status": np.where(hidden[keep], SUPPRESSED, "A"),
        })
        for column in DIMENSION_COLUMNS:
            part[DIMENSION_OF[column]] = cells.loc[keep, column].fillna("")
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["indicator", "area", "period", "value", "status"])
    return pd.concat(parts, ignore_index=True)


def observations(
    cells: pd.DataFrame,
    hidden: pd.Series,
    recipe: Recipe,
    reporter: str,
    catalogue: Catalogue,
) -> pd.DataFrame:
    """Validated observation frame (with ``method``), or :class:`LoadRejected` naming what
    the recipe and the catalogue disagree on (an indicator without the breakdown...)."""
    raw = raw_observations(cells, hidden, recipe, reporter)
    checked = validate(raw, f"recipe {recipe.id}", catalogue)
    if not checked.ok:
        raise LoadRejected(checked.problem_list())
    frame = checked.frame
    frame["method"] = recipe.method
    return frame
