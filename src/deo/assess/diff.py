"""Compare two stored builds of an index: which areas moved, by how much."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from deo.assess.rank import competition_rank
from deo.assess.recipe import load_recipe
from deo.catalogue import Catalogue
from deo.core import DeoError
from deo.store import Store


@dataclass
class BuildChanges:
    label: str
    before: int
    after: int
    frame: pd.DataFrame  # by area: value and rank in each build, largest change first


def build_releases(store: Store, label: str) -> list[int]:
    """Releases written by `deo index build` for recipe ``label`` (id@version), oldest first."""
    releases = store.releases()
    mine = releases[releases["source"] == f"deo index build {label}"]
    return [int(r) for r in mine["id"]]


def compare_builds(
    store: Store,
    catalogue: Catalogue,
    recipe: str,
    year: int,
    before: int | None = None,
    after: int | None = None,
) -> BuildChanges:
    """Changes between the builds stored in releases ``before`` and ``after`` (default:
    the last two builds of the recipe)."""
    spec = load_recipe(recipe, catalogue)
    builds = build_releases(store, spec.label)
    if before is None or after is None:
        if len(builds) < 2:
            raise DeoError(
                f"{spec.label}: {len(builds)} stored build(s); build twice, or give --from "
                "and --to releases"
            )
        before, after = (before or builds[-2]), (after or builds[-1])
    values = {}
    for release in (before, after):
        frame = store.query(indicators=[spec.indicator], vintage=release, breakdown="")
        frame = frame[frame["period"] == str(year)].set_index("area")["value"]
        values[release] = frame
    table = pd.DataFrame({"before": values[before], "after": values[after]})
    table["change"] = table["after"] - table["before"]
    table["rank_before"] = competition_rank(table["before"].to_numpy())
    table["rank_after"] = competition_rank(table["after"].to_numpy())
    moved = (table["change"].abs() > 1e-12) | table["change"].isna()
    table = table[moved].sort_values("change", key=lambda s: s.abs(), ascending=False)
    return BuildChanges(spec.label, before, after, table.rename_axis("area"))
