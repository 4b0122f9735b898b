"""Compute a composite index from component panels: pure, no store, no catalogue.

recipe -> data year (and imputation) -> transforms -> inclusion -> normalisation ->
weights -> aggregation (pillars, then the index) -> ranking -> presentation rounding.
Every intermediate is kept in :class:`IndexResult`, so each score can explain itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from deo.assess.aggregate import AGGREGATORS
from deo.assess.impute import IMPUTERS, is_panel
from deo.assess.normalise import NORMALISERS
from deo.assess.rank import competition_rank
from deo.assess.recipe import Component, Method, Recipe
from deo.assess.transform import TRANSFORMS
from deo.core import DeoError
from deo.i18n import _


@dataclass
class IndexResult:
    """One build of an index for one year. Frames are indexed by area."""

    recipe: Recipe
    year: int
    raw: pd.DataFrame  # value used per component (before transforms), every area seen
    years: pd.DataFrame  # the year each value comes from, or how it was imputed
    imputed: pd.DataFrame  # True where the value was imputed
    transformed: pd.DataFrame  # included areas x components, before normalisation
    normalised: pd.DataFrame  # included areas x components
    pillars: pd.DataFrame  # included areas x pillars (no columns without pillars)
    contributions: pd.DataFrame  # included areas x components: points of the index
    scores: pd.DataFrame  # value (unrounded), rounded, rank; included areas, best first
    excluded: dict[str, str] = field(default_factory=dict)  # area -> why it has no score


class NoAreaScored(DeoError):
    """No economy qualifies for a score in the index year: there is no ranking to give."""

    def __init__(self, recipe: Recipe, year: int, excluded: dict[str, str]):
        self.excluded = excluded
        shown = "; ".join(f"{a}: {why}" for a, why in list(excluded.items())[:3])
        more = f" (and {len(excluded) - 3} more)" if len(excluded) > 3 else ""
        super().__init__(
            _("{recipe}: no economy has a score for {year} ({n} considered); for "
              "example {reasons}{more}. Choose a year with data, or load the missing "
              "values").format(recipe=recipe.label, year=year, n=len(excluded),
                               reasons=shown or _("no data"), more=more)
        )


def compute(
    recipe: Recipe,
    panels: dict[str, pd.DataFrame],
    year: int,
    groups: dict[str, pd.Series] | None = None,
) -> IndexResult:
    """Build ``recipe`` for index year ``year``.

    ``panels`` maps each component's indicator to an areas x years frame (int year
    columns, NaN where no value). ``groups`` maps a component id to its areas' group
    labels (area -> label), for group-mean or group-median imputation.
    """
    areas = sorted(set().union(*(p.index for p in panels.values())) if panels else set())
    raw, years, imputed = {}, {}, {}
    for c in recipe.components:
        panel = panels.get(c.indicator, pd.DataFrame(index=pd.Index([], name="area")))
        raw[c.id], years[c.id], imputed[c.id] = _values(
            c, panel.reindex(areas), year, (groups or {}).get(c.id)
        )
    raw_f, years_f, imputed_f = (pd.DataFrame(d, index=pd.Index(areas, name="area"))
                                 for d in (raw, years, imputed))
    transformed = raw_f.copy()
    for c in recipe.components:
        for t in c.transforms:
            step = TRANSFORMS.get(t.name)
            transformed[c.id] = step.fn(transformed[[c.id]].to_numpy(float), **t.params)[:, 0]

    included = _meets_inclusion(recipe, transformed)
    excluded = {area: _why_excluded(recipe, area, raw_f, transformed, None)
                for area in transformed.index[~included]}
    x = transformed[included]
    if x.empty:  # min-max and every statistic need at least one area
        raise NoAreaScored(recipe, year, dict(sorted(excluded.items())))
    while True:
        normalised = _normalise_all(recipe, x)
        # A normaliser can leave a value out too (frontier of a zero): such an area leaves
        # the sample, and the others are normalised again without it.
        kept = _meets_inclusion(recipe, normalised)
        if kept.all():
            break
        excluded |= {area: _why_excluded(recipe, area, raw_f, transformed, normalised)
                     for area in normalised.index[~kept]}
        x = x[kept]
        if x.empty:
            raise NoAreaScored(recipe, year, dict(sorted(excluded.items())))
    _check_geometric(recipe, normalised)
    pillars, contributions, value = aggregate(recipe, normalised)
    scores = pd.DataFrame({"value": value}, index=normalised.index)
    for area in scores.index[scores["value"].isna()]:
        excluded[area] = f"{recipe.aggregate} aggregation gives no value"
    scores = scores.dropna(subset=["value"])
    if scores.empty:
        raise NoAreaScored(recipe, year, dict(sorted(excluded.items())))
    scores["rounded"] = round_half_up(scores["value"].to_numpy(), recipe.decimals)
    scores["rank"] = competition_rank(scores["value"].to_numpy(), descending=True)
    scores = scores.sort_values(["rank", "value"], ascending=[True, False], kind="stable")
    return IndexResult(recipe, year, raw_f, years_f, imputed_f, x, normalised, pillars,
                       contributions, scores, dict(sorted(excluded.items())))


def normalise_matrix(recipe: Recipe, x: np.ndarray, method: Method | None = None) -> np.ndarray:
    """Every component (a column of ``x``) normalised with ``method``, or with the
    recipe's own normaliser for each component when ``method`` is None."""
    out = np.empty_like(x, dtype=float)
    for k, c in enumerate(recipe.components):
        out[:, k] = normalise(method or recipe.normaliser(c), x[:, [k]], c.direction)[:, 0]
    return out


def _normalise_all(recipe: Recipe, x: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(normalise_matrix(recipe, x.to_numpy(float)), index=x.index,
                        columns=x.columns)


def _meets_inclusion(recipe: Recipe, values: pd.DataFrame) -> pd.Series:
    share = values.notna().sum(axis=1) / len(recipe.components)
    return share >= recipe.min_share - 1e-12


def _why_excluded(
    recipe: Recipe, area: str, raw: pd.DataFrame, transformed: pd.DataFrame,
    normalised: pd.DataFrame | None,
) -> str:
    """Which components an area lacks, and at which step each was lost."""
    missing, lost = [], []
    for c in recipe.components:
        if pd.isna(raw.at[area, c.id]):
            missing.append(f"{c.id} ({c.indicator})")
        elif pd.isna(transformed.at[area, c.id]):
            steps = ", ".join(str(t) for t in c.transforms)
            lost.append(f"{c.id}: {steps} gives no value for {raw.at[area, c.id]:g}")
        elif normalised is not None and pd.isna(normalised.at[area, c.id]):
            lost.append(f"{c.id}: {recipe.normaliser(c)} gives no value for "
                        f"{transformed.at[area, c.id]:g}")
    return "; ".join(([f"missing {', '.join(missing)}"] if missing else []) + lost)


def _check_geometric(recipe: Recipe, normalised: pd.DataFrame) -> None:
    """Geometric aggregation of negative values is undefined: refuse the recipe."""
    geometric = recipe.aggregate.name == "geometric" or any(
        p.aggregate is not None and p.aggregate.name == "geometric" for p in recipe.pillars)
    negative = [c.id for c in recipe.components if (normalised[c.id] < 0).any()]
    if geometric and negative:
        raise DeoError(
            f"{recipe.label}: geometric aggregation needs values of at least 0, but the "
            f"normalised {', '.join(negative)} has negative ones: normalise with minmax, "
            "goalposts, frontier or rank (zscore gives negative values)"
        )


def _values(
    c: Component, panel: pd.DataFrame, year: int, groups: pd.Series | None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """A component's value per area for index year ``year``: the data-year rule first,
    then the component's imputation for what is still missing."""
    target = year + c.data_year.offset
    carry = IMPUTERS.get("carry_forward").fn
    value, used = carry(panel, year=target, window=c.data_year.within)
    used = used.astype(object)
    imputed = pd.Series(False, index=panel.index)
    if c.impute.name == "none" or not value.isna().any():
        return value, used, imputed
    step = IMPUTERS.get(c.impute.name)
    params = {k: v for k, v in c.impute.params.items() if k != "by"}
    if is_panel(step):  # a panel imputer: carry forward further, CAGR...
        filled, how = step.fn(panel, year=target, **params)
    else:  # a cross-section imputer: group mean or median
        if groups is None:
            raise ValueError(f"{c.impute} for {c.id} needs the areas' groups")
        filled = step.fn(value, groups=groups.reindex(value.index), **params)
        how = pd.Series(f"{c.impute} of {target}", index=value.index, dtype=object)
    gap = value.isna() & filled.notna()
    value = value.where(~gap, filled)
    used = used.where(~gap, how.astype(str))
    imputed |= gap
    return value, used, imputed


def normalise(method: Method, x: np.ndarray, direction: float) -> np.ndarray:
    step = NORMALISERS.get(method.name)
    return step.fn(x, direction=direction, **method.params)


def effective_weights(recipe: Recipe) -> np.ndarray:
    """Each component's share of the index weight: its weight within its pillar times
    the pillar's weight (without pillars, the component weights themselves)."""
    w = component_weights(recipe)
    if not recipe.pillars:
        return w / w.sum()
    pillar_weight = dict(zip([p.id for p in recipe.pillars], weights_of(recipe.pillars),
                             strict=True))
    out = np.empty_like(w)
    for p in recipe.pillars:
        cols = recipe.columns_of(p.id)
        out[cols] = w[cols] / w[cols].sum() * pillar_weight[p.id]
    return out / out.sum()


def component_weights(recipe: Recipe) -> np.ndarray:
    """The components' weights, level by level: each pillar's components (or all of them,
    without pillars) carry their explicit weights, or equal ones when that pillar gives
    none. One pillar's choice never changes another's (docs/indices.md, Weights)."""
    w = np.empty(len(recipe.components))
    levels = [recipe.columns_of(p.id) for p in recipe.pillars] or [
        list(range(len(recipe.components)))]
    for cols in levels:
        if cols:  # a pillar without components scores nothing (docs/indices.md)
            w[cols] = weights_of([recipe.components[k] for k in cols])
    return w


def weights_of(items) -> np.ndarray:
    """The explicit weights of one level, or equal ones if the level gives none (a
    recipe gives all of a level's weights or none: :func:`load_recipe` checks it)."""
    given = [i.weight for i in items]
    if all(w is None for w in given):
        return np.full(len(given), 1.0 / len(given))
    if any(w is None for w in given):  # load_recipe refuses this; never guess
        raise ValueError(f"weights given for some items of a level only: {given}")
    return np.asarray(given, dtype=float)


def aggregate_values(
    recipe: Recipe, x: np.ndarray, method: Method, w: np.ndarray,
    w_pillars: np.ndarray | None,
) -> np.ndarray:
    """Index values of normalised ``x`` (areas, components) with component weights ``w``
    and pillar weights ``w_pillars``. Weights may carry a leading runs axis, giving
    values of shape (runs, areas): the Monte Carlo analysis aggregates all runs at once."""
    top = AGGREGATORS.get(method.name).fn
    if not recipe.pillars:
        return top(x, w)
    return top(pillar_scores(recipe, x, method, w), w_pillars)


def pillar_scores(recipe: Recipe, x: np.ndarray, method: Method, w: np.ndarray) -> np.ndarray:
    """Each pillar's score, shape (..., areas, pillars), aggregated with the pillar's own
    method (else ``method``)."""
    scores = []
    for pillar in recipe.pillars:
        cols = recipe.columns_of(pillar.id)
        inner = AGGREGATORS.get((pillar.aggregate or method).name).fn
        scores.append(inner(x[:, cols], w[..., cols]))
    return np.stack(scores, axis=-1)


def aggregate(
    recipe: Recipe, normalised: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(pillar scores, contributions in index points, index value) per area."""
    method = recipe.aggregate
    x = normalised.to_numpy(float)
    w = component_weights(recipe)
    pw = weights_of(recipe.pillars) if recipe.pillars else None
    value = aggregate_values(recipe, x, method, w, pw)
    if not recipe.pillars:
        shares = _shares(method.name, x, w)
        pillars = pd.DataFrame(index=normalised.index)
    else:
        p = pillar_scores(recipe, x, method, w)
        pillars = pd.DataFrame(p, index=normalised.index, columns=[q.id for q in recipe.pillars])
        outer = _shares(method.name, p, pw)
        shares = np.zeros_like(x)
        for j, pillar in enumerate(recipe.pillars):
            cols = recipe.columns_of(pillar.id)
            inner = (pillar.aggregate or method).name
            shares[:, cols] = _shares(inner, x[:, cols], w[cols]) * outer[:, [j]]
    contributions = pd.DataFrame(shares * value[:, None], index=normalised.index,
                                 columns=normalised.columns)
    return pillars, contributions, value


def _shares(method: str, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Each component's share of an aggregate: of the weighted sum (arithmetic) or of the
    weighted sum of logs (geometric). Shares of an area sum to 1; NaN where not present."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = w * (np.log(x) if method == "geometric" else x)
        terms = np.where(np.isnan(x), np.nan, terms)
        total = np.nansum(terms, axis=1, keepdims=True)
        return np.where(total != 0, terms / total, np.nan)


def round_half_up(values: np.ndarray, decimals: int) -> np.ndarray:
    """Presentation rounding as published tables do it (2.25 -> 2.3, not 2.2)."""
    scale = 10.0**decimals
    # The small nudge absorbs binary noise such as 2.25 stored as 2.2499999999999996.
    return np.sign(values) * np.floor(np.abs(values) * scale + 0.5 + 1e-9) / scale
