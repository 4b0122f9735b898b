"""Tables the portal charts from an index build: the ranking with its uncertainty
interval, and each area's score split into component contributions."""

from __future__ import annotations

import pandas as pd

from deo.assess.engine import IndexResult, effective_weights
from deo.assess.sensitivity import Sensitivity


def ranking(result: IndexResult, sensitivity: Sensitivity | None = None) -> pd.DataFrame:
    """One row per scored area, best first: value, rounded, rank, and with a sensitivity
    analysis the median rank and the 5-95% rank interval."""
    table = result.scores.copy()
    if sensitivity is not None:
        table = table.join(sensitivity.ranks[["median", "p05", "p95"]])
    return table.reset_index()


def contributions(result: IndexResult) -> pd.DataFrame:
    """Long table (area, component, indicator, pillar, normalised, weight, points, share):
    ``points`` of each component add up to the area's index value."""
    weights = dict(zip([c.id for c in result.recipe.components],
                       effective_weights(result.recipe), strict=True))
    points = result.contributions.rename_axis(columns="component").stack().rename("points")
    table = points.reset_index()
    normalised = result.normalised.rename_axis(columns="component").stack().rename("normalised")
    table = table.merge(normalised.reset_index(), on=["area", "component"])
    meta = {c.id: (c.indicator, c.pillar or "") for c in result.recipe.components}
    table["indicator"] = table["component"].map(lambda c: meta[c][0])
    table["pillar"] = table["component"].map(lambda c: meta[c][1])
    table["weight"] = table["component"].map(weights)
    value = result.scores["value"]
    table["share"] = table["points"] / table["area"].map(value)
    columns = ["area", "component", "indicator", "pillar", "normalised", "weight", "points",
               "share"]
    return table[columns]
