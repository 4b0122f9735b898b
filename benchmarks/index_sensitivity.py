"""Claim: 1,000 Monte Carlo runs of the B2C index over 152 areas take the engine a small
fraction of what a plain per-run pandas loop takes for the same computation (target: the
loop is at least 20 times slower).

Both use the same draws (normalisation, aggregation, perturbed weights per run) and must
give the same ranks; the script checks that, then prints ``ratio loop/engine`` last.
Inputs: the published 2020 components from $DEO_REFERENCE_DATA when present, else a
generated matrix of the same shape. Set ``BENCH_RUNS`` for another number of runs.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from deo.assess.engine import compute
from deo.assess.recipe import load_recipe
from deo.assess.sensitivity import draw, monte_carlo_ranks
from deo.catalogue import get_catalogue
from deo.config import reference_data_dir

RUNS = int(os.environ.get("BENCH_RUNS", "1000"))
COLUMNS = {
    "UNCTAD.B2C.INTERNET": "internet_users_pct_2019_or_latest",
    "UNCTAD.B2C.ACCOUNT": "account_ownership_pct_15plus_2017",
    "UNCTAD.B2C.SERVERS": "secure_servers_normalized_2019",
    "UNCTAD.B2C.POSTAL": "upu_postal_reliability_2019_or_latest",
}


def panels() -> dict[str, pd.DataFrame]:
    """Each component as an areas x {2020} panel."""
    path = reference_data_dir() / "b2c_index_2020_published.csv"
    if path.exists():
        table = pd.read_csv(path).set_index("iso3")
        print(f"inputs: {path}")
    else:
        rng = np.random.default_rng(7)
        table = pd.DataFrame(rng.uniform(1, 100, (152, 4)), columns=list(COLUMNS.values()),
                             index=[f"A{i:03d}" for i in range(152)])
        print("inputs: generated (reference data not found)")
    return {code: table[[column]].set_axis([2020], axis=1) for code, column in COLUMNS.items()}


def loop(result, draws) -> np.ndarray:
    """The same computation, one run at a time, with pandas."""
    recipe = result.recipe
    data = result.transformed
    out = []
    for n in draws.pick:
        _, i, j = draws.choices_allowed[n]  # the recipe's own imputation: one matrix
        method = draws.normalisations[i]
        frame = pd.DataFrame(index=data.index)
        for c in recipe.components:
            name = (method or recipe.normaliser(c)).name
            col = data[c.id]
            if name == "none":
                frame[c.id] = col
            elif name == "minmax":
                frame[c.id] = (col - col.min()) / (col.max() - col.min()) * 100
            elif name == "zscore":
                frame[c.id] = (col - col.mean()) / col.std(ddof=0)
            elif name == "rank":
                frame[c.id] = (col.rank(method="average") - 1) / (len(col) - 1) * 100
        w = pd.Series(draws.component_weights[len(out)], index=frame.columns)
        if draws.aggregations[j].name == "geometric":
            with np.errstate(divide="ignore"):  # a zero component makes the mean zero
                value = np.exp((np.log(frame) * w).sum(axis=1) / w.sum())
        else:
            value = (frame * w).sum(axis=1) / w.sum()
        out.append(value.rank(method="min", ascending=False).to_numpy())
    return np.vstack(out)


def main() -> None:
    recipe = load_recipe("unctad-b2c-2020-published", get_catalogue())
    # The published recipe normalises nothing; vary it as the 2020 recipe does.
    raw = load_recipe("unctad-b2c-2020", get_catalogue())
    recipe = replace(recipe, alternatives=raw.alternatives)
    result = compute(recipe, panels(), 2020)
    print(f"{len(result.scores)} areas, {RUNS} runs")

    start = time.perf_counter()
    ranks, _ = monte_carlo_ranks(result, RUNS, seed=1)
    engine_s = time.perf_counter() - start

    draws, _ = draw(result, RUNS, seed=1)
    start = time.perf_counter()
    expected = loop(result, draws)
    loop_s = time.perf_counter() - start

    same = np.allclose(ranks, expected, equal_nan=True)
    print(f"engine (vectorised):   {engine_s * 1000:8.1f} ms")
    print(f"plain per-run loop:    {loop_s * 1000:8.1f} ms")
    print(f"same ranks in every run: {same}")
    if not same:
        raise SystemExit("the engine and the loop disagree")
    print(f"ratio loop/engine {loop_s / engine_s:.1f}")


if __name__ == "__main__":
    main()
