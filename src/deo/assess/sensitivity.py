"""Uncertainty and sensitivity of an index build (OECD/JRC Handbook on Constructing
Composite Indicators, 2008, ch. 7): how far each area's rank depends on the choices the
recipe could have made.

Monte Carlo: each run draws one imputation, one normalisation and one aggregation among
those the recipe declares in ``[alternatives]`` (with the recipe's own), and multiplies
each weight by a factor drawn from U(1 - p, 1 + p) (aggregation renormalises them). Runs
are vectorised: matrices are imputed and normalised once per choice, and all runs that
share their choices are aggregated and ranked in one array operation. The areas are those the
build scored. Alternative imputations, given the build's inputs, replace every
component's imputation.

Remove-one: the index recomputed without each component in turn (weights renormalised).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from deo.assess.engine import (
    IndexResult,
    NoAreaScored,
    aggregate_values,
    component_weights,
    compute,
    normalise_matrix,
    weights_of,
)
from deo.assess.rank import competition_rank, rank_interval
from deo.assess.recipe import Method

#: Monte Carlo runs and seed wherever rank intervals are shown (CLI, API, portal), so
#: every surface gives the same intervals for the same build.
DEFAULT_RUNS = 1000
DEFAULT_SEED = 0


@dataclass
class Sensitivity:
    ranks: pd.DataFrame  # by area: rank (the build's), median, p05, p95 over runs
    remove_one: pd.DataFrame  # by component: mean and max absolute rank change
    runs: int
    choices: pd.DataFrame  # one row per run: normalisation, aggregation


@dataclass
class Draws:
    """What each Monte Carlo run uses: an (imputation, normalisation, aggregation) choice
    and perturbed weights."""

    imputations: list[str]  # "recipe", then each alternative imputation
    normalisations: list[Method | None]  # None: the recipe's own, per component
    aggregations: list[Method]
    choices_allowed: list[tuple[int, int, int]]  # (imputation, normalisation, aggregation)
    pick: np.ndarray  # (runs,): index into choices_allowed
    component_weights: np.ndarray  # (runs, components), not renormalised
    pillar_weights: np.ndarray | None  # (runs, pillars)

    def choices(self) -> pd.DataFrame:
        rows = [self.choices_allowed[k] for k in self.pick]
        return pd.DataFrame({
            "impute": [self.imputations[i] for i, _, _ in rows],
            "normalise": [str(self.normalisations[j] or "recipe") for _, j, _ in rows],
            "aggregate": [str(self.aggregations[k]) for _, _, k in rows],
        })


def draw(
    result: IndexResult,
    runs: int,
    seed: int = 0,
    panels: dict[str, pd.DataFrame] | None = None,
    groups: dict[str, pd.Series] | None = None,
) -> tuple[Draws, list[list[np.ndarray]]]:
    """The runs' random choices, and the normalised matrix of each (imputation,
    normalisation) pair, indexed ``[imputation][normalisation]``.

    A run's normalisation is the recipe's own (per component) or one alternative applied
    to every component. An alternative imputation is applied to every component and needs
    the build's ``panels`` (and, for group imputations, ``groups``: area -> label by the
    method's text); an area it leaves short of the inclusion rule has no rank in that run.
    Geometric aggregation is not paired with values below zero (it is undefined there).
    """
    recipe = result.recipe
    rng = np.random.default_rng(seed)
    imputations = [("recipe", result.transformed)]
    if panels is not None:
        imputations += [(str(m), _imputed(result, panels, m, groups))
                        for m in _unique(list(recipe.alternatives.impute))]
    norms: list[Method | None] = [None, *_unique(list(recipe.alternatives.normalise))]
    matrices = [[normalise_matrix(recipe, x.to_numpy(float), m) for m in norms]
                for _, x in imputations]
    aggs = _unique([recipe.aggregate, *recipe.alternatives.aggregate])
    allowed = [(i, j, k) for i in range(len(imputations)) for j in range(len(norms))
               for k, agg in enumerate(aggs)
               if agg.name != "geometric" or not (matrices[i][j] < 0).any()]
    p = recipe.alternatives.weight_perturbation
    n_comp, n_pill = len(recipe.components), len(recipe.pillars)
    draws = Draws(
        [label for label, _ in imputations], norms, aggs, allowed,
        rng.integers(len(allowed), size=runs),
        component_weights(recipe) * rng.uniform(1 - p, 1 + p, (runs, n_comp)),
        (weights_of(recipe.pillars) * rng.uniform(1 - p, 1 + p, (runs, n_pill))
         if n_pill else None),
    )
    return draws, matrices


def _imputed(
    result: IndexResult, panels: dict[str, pd.DataFrame], method: Method,
    groups: dict[str, pd.Series] | None,
) -> pd.DataFrame:
    """The build's transformed values with ``method`` as every component's imputation,
    for the build's areas; areas the inclusion rule would drop are all NaN."""
    recipe = replace(result.recipe, components=tuple(
        replace(c, impute=method) for c in result.recipe.components))
    label_groups = (groups or {}).get(str(method))
    try:
        other = compute(recipe, panels, result.year,
                        {c.id: label_groups for c in recipe.components}
                        if label_groups is not None else None)
    except NoAreaScored:  # this alternative leaves no area in: none is ranked in its runs
        return result.transformed.where(False)
    return other.transformed.reindex(result.transformed.index)


def monte_carlo_ranks(
    result: IndexResult,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    panels: dict[str, pd.DataFrame] | None = None,
    groups: dict[str, pd.Series] | None = None,
) -> tuple[np.ndarray, Draws]:
    """Ranks of every scored area in each run, shape (runs, areas), and the draws."""
    draws, matrices = draw(result, runs, seed, panels, groups)
    ranks = np.full((runs, len(result.transformed)), np.nan)
    for n, (i, j, k) in enumerate(draws.choices_allowed):
        chosen = np.flatnonzero(draws.pick == n)
        if chosen.size:
            pillars = None if draws.pillar_weights is None else draws.pillar_weights[chosen]
            values = aggregate_values(result.recipe, matrices[i][j], draws.aggregations[k],
                                      draws.component_weights[chosen], pillars)
            ranks[chosen] = competition_rank(values, descending=True)
    return ranks, draws


def analyse(
    result: IndexResult,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    panels: dict[str, pd.DataFrame] | None = None,
    groups: dict[str, pd.Series] | None = None,
) -> Sensitivity:
    """Rank intervals over ``runs`` Monte Carlo runs, and the remove-one analysis
    (``panels``/``groups``: see :func:`draw`)."""
    ranks, draws = monte_carlo_ranks(result, runs, seed, panels, groups)
    median, low, high = rank_interval(ranks, 5, 95)
    table = pd.DataFrame(
        {"rank": result.scores["rank"].reindex(result.transformed.index).to_numpy(),
         "median": median, "p05": low, "p95": high},
        index=result.transformed.index,
    ).sort_values(["rank", "median"])
    return Sensitivity(table, remove_one(result), runs, draws.choices())


def remove_one(result: IndexResult) -> pd.DataFrame:
    """Mean and largest absolute rank change when each component is left out."""
    recipe, base = result.recipe, result.scores["rank"].reindex(result.normalised.index)
    x = result.normalised.to_numpy(float)
    rows = []
    for k, c in enumerate(recipe.components):
        w = component_weights(recipe)
        w[k] = 0.0  # a weight of 0 leaves the component out (weights are renormalised)
        values = aggregate_values(recipe, x, recipe.aggregate, w,
                                  weights_of(recipe.pillars) if recipe.pillars else None)
        change = np.abs(competition_rank(values) - base.to_numpy())
        rows.append({"component": c.id, "mean_rank_change": float(np.nanmean(change)),
                     "max_rank_change": float(np.nanmax(change))})
    return pd.DataFrame(rows).set_index("component")


def _unique(methods: list[Method]) -> list[Method]:
    seen, out = set(), []
    for m in methods:
        key = repr((m.name, sorted(m.params.items())))
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out
