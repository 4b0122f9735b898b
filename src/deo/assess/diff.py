"""Compare two stored builds of an index: which areas moved, by how much."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from deo.assess.rank import competition_rank
from deo.assess.recipe import load_recipe
from deo.catalogue import Catalogue
from deo.core import DeoError
from deo.i18n import _
from deo.store import Store


@dataclass
class BuildChanges:
    label: str
    before: int
    after: int
    frame: pd.DataFrame  # by area: value and rank in each build, largest change first


def build_releases(store: Store, label: str, year: int | None = None) -> list[int]:
    """Releases written by `deo index build` for recipe ``label`` (id@version), oldest
    first; with ``year``, only the builds of that index year (the release note, which
    :func:`deo.assess.results.release_note` writes, names it)."""
    releases = store.releases()
    mine = releases[releases["source"] == f"deo index build {label}"]
    if year is not None:
        marker = f"index year {year};"
        mine = mine[mine["note"].fillna("").str.contains(marker, regex=False)]
    return [int(r) for r in mine["id"]]


def compare_builds(
    store: Store,
    catalogue: Catalogue,
    recipe: str,
    year: int,
    before: int | None = None,
    after: int | None = None,
) -> BuildChanges:
    """Changes between the builds of ``recipe`` for index ``year`` stored in releases
    ``before`` and ``after`` (default: the last two such builds; with only ``after``, the
    build before it). A release that is not such a build is refused."""
    spec = load_recipe(recipe, catalogue)
    builds = build_releases(store, spec.label, year)
    for given in (before, after):
        if given is not None and given not in builds:
            raise DeoError(_(
                "release {release} is not a build of {label} for {year}; its builds for "
                "{year}: {builds}"
            ).format(release=given, label=spec.label, year=year,
                     builds=", ".join(map(str, builds)) or _("none")))
    if after is None:
        after = builds[-1] if builds else None
    if before is None:
        earlier = [b for b in builds if after is not None and b < after]
        before = earlier[-1] if earlier else None
    if before is None and after is not None and len(builds) > 1:
        raise DeoError(_(
            "release {release} is the first build of {label} for {year}: there is no build "
            "before it; give --from another of its builds ({builds})"
        ).format(release=after, label=spec.label, year=year,
                 builds=", ".join(str(b) for b in builds if b != after)))
    if before is None or after is None:
        raise DeoError(_(
            "{label}: {n} stored build(s) for {year}; build twice, or give --from and --to "
            "releases"
        ).format(label=spec.label, n=len(builds), year=year))
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
