"""Build an index from the store and (optionally) write the result back: the thin
adapter that the CLI and the portal call."""

from __future__ import annotations

from dataclasses import dataclass

from deo.assess.engine import IndexResult, compute
from deo.assess.inputs import Inputs, read_inputs
from deo.assess.recipe import Recipe, load_recipe
from deo.assess.results import write
from deo.catalogue import Catalogue
from deo.store import LoadResult, Store


@dataclass
class Build:
    result: IndexResult
    inputs: Inputs
    stored: LoadResult | None = None


def build_index(
    store: Store,
    catalogue: Catalogue,
    recipe: str | Recipe,
    year: int,
    vintage: int | None = None,
    save: bool = True,
) -> Build:
    """Compute ``recipe`` for ``year`` from the store (as of ``vintage``); store it if
    ``save``."""
    if isinstance(recipe, str):
        recipe = load_recipe(recipe, catalogue)
    inputs = read_inputs(store, catalogue, recipe, year, vintage)
    result = compute(recipe, inputs.panels, year, inputs.groups)
    stored = write(store, result, inputs.releases) if save else None
    return Build(result, inputs, stored)
