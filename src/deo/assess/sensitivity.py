"""Uncertainty and sensitivity of an index build (OECD/JRC Handbook on Constructing
Composite Indicators, 2008, ch. 7): how far each area's rank depends on the choices the
recipe could have made.

Monte Carlo: each run draws one normalisation and one aggregation among those the recipe
declares in ``[alternatives]`` (with the recipe's own), and multiplies each weight by a
factor drawn from U(1 - p, 1 + p) (aggregation renormalises them). Runs are vectorised: matrices
are normalised once per normalisation, and all runs that share a normalisation and an
aggregation are aggregated and ranked in one array operation. The areas are those the
build scored; imputation is as in the build.

Remove-one: the index recomputed without each component in turn (weights renormalised).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from deo.assess.aggregate import AGGREGATORS
from deo.assess.engine import IndexResult, normalise, weights_of
from deo.assess.rank import competition_rank, rank_interval
from deo.assess.recipe import Method, Recipe


@dataclass
class Sensitivity:
    ranks: pd.DataFrame  # by area: rank (the build's), median, p05, p95 over runs
    remove_one: pd.DataFrame  # by component: mean and max absolute rank change
    runs: int
    choices: pd.DataFrame  # one row per run: normalisation, aggregation


@dataclass
class Draws:
    """What each Monte Carlo run uses: a (normalisation, aggregation) pair and weights."""

    normalisations: list[Method | None]  # None: the recipe's own, per component
    aggregations: list[Method]
    pairs: list[tuple[int, int]]  # allowed (normalisation, aggregation) index pairs
    pick: np.ndarray  # (runs,): index into pairs
    component_weights: np.ndarray  # (runs, components), not renormalised
    pillar_weights: np.ndarray | None  # (runs, pillars)

    def choices(self) -> pd.DataFrame:
        return pd.DataFrame({
            "normalise": [str(self.normalisations[self.pairs[k][0]] or "recipe")
                          for k in self.pick],
            "aggregate": [str(self.aggregations[self.pairs[k][1]]) for k in self.pick],
        })


def draw(result: IndexResult, runs: int, seed: int = 0) -> tuple[Draws, list[np.ndarray]]:
    """The runs' random choices, and the normalised matrix of each normalisation.

    A run's normalisation is the recipe's own (per component) or one alternative applied
    to every component; geometric aggregation is not paired with a normalisation that
    gives negative values (it is undefined there).
    """
    recipe = result.recipe
    rng = np.random.default_rng(seed)
    x = result.transformed.to_numpy(float)
    norms: list[Method | None] = [None, *_unique(list(recipe.alternatives.normalise))]
    matrices = [_normalised(recipe, x, m) for m in norms]
    aggs = _unique([recipe.aggregate, *recipe.alternatives.aggregate])
    pairs = [(i, j) for i in range(len(norms)) for j, agg in enumerate(aggs)
             if agg.name != "geometric" or not (matrices[i] < 0).any()]
    p = recipe.alternatives.weight_perturbation
    n_comp, n_pill = len(recipe.components), len(recipe.pillars)
    draws = Draws(
        norms, aggs, pairs, rng.integers(len(pairs), size=runs),
        weights_of(recipe.components) * rng.uniform(1 - p, 1 + p, (runs, n_comp)),
        (weights_of(recipe.pillars) * rng.uniform(1 - p, 1 + p, (runs, n_pill))
         if n_pill else None),
    )
    return draws, matrices


def monte_carlo_ranks(
    result: IndexResult, runs: int = 1000, seed: int = 0
) -> tuple[np.ndarray, Draws]:
    """Ranks of every scored area in each run, shape (runs, areas), and the draws."""
    draws, matrices = draw(result, runs, seed)
    ranks = np.full((runs, len(result.transformed)), np.nan)
    for k, (i, j) in enumerate(draws.pairs):
        chosen = np.flatnonzero(draws.pick == k)
        if chosen.size:
            pillars = None if draws.pillar_weights is None else draws.pillar_weights[chosen]
            values = _aggregate(result.recipe, matrices[i], draws.aggregations[j],
                                draws.component_weights[chosen], pillars)
            ranks[chosen] = competition_rank(values, descending=True)
    return ranks, draws


def analyse(result: IndexResult, runs: int = 1000, seed: int = 0) -> Sensitivity:
    """Rank intervals over ``runs`` Monte Carlo runs, and the remove-one analysis."""
    ranks, draws = monte_carlo_ranks(result, runs, seed)
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
        w = weights_of(recipe.components).copy()
        w[k] = 0.0
        values = _aggregate(recipe, x, recipe.aggregate, w[None, :],
                            weights_of(recipe.pillars)[None, :] if recipe.pillars else None,
                            drop=k)[0]
        change = np.abs(competition_rank(values) - base.to_numpy())
        rows.append({"component": c.id, "mean_rank_change": float(np.nanmean(change)),
                     "max_rank_change": float(np.nanmax(change))})
    return pd.DataFrame(rows).set_index("component")


def _unique(methods: list[Method]) -> list[Method]:
    seen, out = set(), []
    for m in methods:
        key = (m.name, tuple(sorted(m.params.items())))
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _normalised(recipe: Recipe, x: np.ndarray, method: Method | None) -> np.ndarray:
    """Every component normalised with ``method``; None: each with the recipe's own."""
    out = np.empty_like(x)
    for k, c in enumerate(recipe.components):
        out[:, k] = normalise(method or recipe.normaliser(c), x[:, [k]], c.direction)[:, 0]
    return out


def _aggregate(
    recipe: Recipe, x: np.ndarray, method: Method, w: np.ndarray, w_pillars: np.ndarray | None,
    drop: int | None = None,
) -> np.ndarray:
    """Index values, shape (runs, areas), for component weights ``w`` (runs, components)."""
    fn = AGGREGATORS.get(method.name).fn
    if drop is not None:
        x = np.where(np.arange(x.shape[1]) == drop, np.nan, x)
    if not recipe.pillars:
        return fn(x, w)
    scores = []
    for pillar in recipe.pillars:
        cols = [k for k, c in enumerate(recipe.components) if c.pillar == pillar.id]
        inner = AGGREGATORS.get((pillar.aggregate or method).name).fn
        scores.append(inner(x[:, cols], w[:, cols]))  # (runs, areas)
    return fn(np.stack(scores, axis=-1), w_pillars)  # (runs, areas, pillars) with (runs, p)
