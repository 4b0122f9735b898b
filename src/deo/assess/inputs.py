"""Read an index's inputs from the store: one annual panel per component indicator.

The adapter between the store and the pure engine: totals only (no breakdown), annual
periods, economies only (regions, groups and publishers' aggregates are not scored).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from deo.assess.recipe import Recipe
from deo.catalogue import Catalogue
from deo.core import DeoError
from deo.store import Store


@dataclass
class Inputs:
    panels: dict[str, pd.DataFrame]  # indicator -> areas x years
    groups: dict[str, pd.Series]  # component id -> area -> group, for group imputation
    releases: list[int]  # the releases the inputs come from
    #: For the sensitivity analysis: an alternative imputation's text -> area -> group.
    alternative_groups: dict[str, pd.Series] | None = None


def read_inputs(
    store: Store, catalogue: Catalogue, recipe: Recipe, year: int, vintage: int | None = None
) -> Inputs:
    """The recipe's panels, and the groups for group imputation as they were at the end of
    index year ``year``."""
    codes = sorted({c.indicator for c in recipe.components})
    frame = store.query(indicators=codes, breakdown="", vintage=vintage)
    economies = {a.code for a in catalogue.economies()}
    frame = frame[frame["period"].str.fullmatch(r"\d{4}") & frame["area"].isin(economies)]
    if frame.empty:
        raise DeoError(
            f"{recipe.label}: the store holds no annual value of {', '.join(codes)}; "
            "load or pull them first"
        )
    frame = frame.assign(year=frame["period"].astype(int))
    panels = {
        code: part.pivot(index="area", columns="year", values="value").rename_axis(
            index="area", columns=None
        )
        for code, part in frame.groupby("indicator")
    }
    missing = [c.id for c in recipe.components if c.indicator not in panels]
    if missing:
        raise DeoError(
            f"{recipe.label}: no data in the store for component(s) "
            + ", ".join(f"{c.id} ({c.indicator})" for c in recipe.components if c.id in missing)
        )
    on = date(year, 12, 31)
    groups = {
        c.id: group_labels(catalogue, c.impute.params["by"], on, recipe.label)
        for c in recipe.components
        if "by" in c.impute.params
    }
    alternative_groups = {
        str(m): group_labels(catalogue, m.params["by"], on, recipe.label)
        for m in recipe.alternatives.impute
        if "by" in m.params
    }
    releases = sorted(int(r) for r in frame["release_id"].unique())
    return Inputs(panels, groups, releases, alternative_groups)


def group_labels(
    catalogue: Catalogue, codes: list[str] | str, on: date | None = None, label: str = ""
) -> pd.Series:
    """area -> the first of ``codes`` (groups or regions, in order) it belongs to on ``on``."""
    labels: dict[str, str] = {}
    for code in [codes] if isinstance(codes, str) else codes:
        try:
            members = catalogue.members(code, on)
        except DeoError as exc:
            raise DeoError(f"{label}: imputation by {code}: {exc}" if label else str(exc)) from None
        for member in members:
            labels.setdefault(member, code)
    return pd.Series(labels, dtype=object)
