"""Write an index build to the store as observations, with its provenance.

The index value of each scored area, and the normalised value of each component and
pillar that names an ``output`` indicator, become one release. Every observation's
``method`` is the recipe's ``id@version``; the release records the recipe file's hash
and the releases the inputs came from, so the build can be replayed.
"""

from __future__ import annotations

import hashlib

import pandas as pd

from deo.assess.engine import IndexResult
from deo.core import Period
from deo.core.observation import OBSERVATION_COLUMNS
from deo.store import LoadResult, Store

#: SDMX OBS_STATUS of a value computed from at least one imputed input.
IMPUTED = "I"


def observations(result: IndexResult) -> pd.DataFrame:
    """The build as an observation frame (index, then components, then pillars)."""
    recipe, period = result.recipe, Period.parse(str(result.year))
    scored = result.scores.index
    any_imputed = result.imputed.loc[scored].any(axis=1)
    parts = [_rows(recipe.indicator, result.scores["value"], any_imputed)]
    for c in recipe.components:  # only areas with a score: an excluded one has no outputs
        if c.output:
            parts.append(_rows(c.output, result.normalised.loc[scored, c.id],
                               result.imputed.loc[scored, c.id]))
    for p in recipe.pillars:
        if p.output:
            members = [recipe.components[k].id for k in recipe.columns_of(p.id)]
            flags = result.imputed.loc[scored, members].any(axis=1)
            parts.append(_rows(p.output, result.pillars.loc[scored, p.id], flags))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[frame["value"].notna()]
    frame["period"] = period.code
    frame["period_start"], frame["period_end"] = period.start, period.end
    frame["method"] = recipe.label
    return frame


def _rows(indicator: str, values: pd.Series, imputed: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame({"area": values.index, "value": values.to_numpy(float)})
    out["indicator"] = indicator
    out["breakdown"] = ""
    out["status"] = imputed.reindex(values.index).map({True: IMPUTED, False: "A"}).to_numpy()
    for column in ("se", "ci_lower", "ci_upper"):
        out[column] = float("nan")
    return out[[c for c in OBSERVATION_COLUMNS if c != "period"]]


def release_note(result: IndexResult, releases: list[int]) -> str:
    recipe = result.recipe
    parts = [
        f"recipe {recipe.label} (sha256 {recipe.digest[:16]}), index year {result.year}",
        f"inputs from release(s) {', '.join(map(str, releases))}",
        f"{len(result.scores)} areas scored",
    ]
    if result.excluded:
        parts.append(f"{len(result.excluded)} excluded (see deo index explain)")
    imputed = int(result.imputed.loc[result.scores.index].to_numpy().sum())
    if imputed:
        parts.append(f"{imputed} imputed component value(s)")
    return "; ".join(parts)


def write(store: Store, result: IndexResult, releases: list[int]) -> LoadResult:
    """Store the build as one release (recognised if an identical build was stored)."""
    frame = observations(result)
    digest = hashlib.sha256(
        f"{result.recipe.digest}:{result.year}:{','.join(map(str, releases))}".encode()
    ).hexdigest()
    return store.load(
        frame,
        source=f"deo index build {result.recipe.label}",
        content_hash=digest,
        file_name=result.recipe.path.name if result.recipe.path else None,
        format="index",
        note=release_note(result, releases),
    )
