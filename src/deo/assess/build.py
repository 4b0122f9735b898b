"""Build an index from the store and (optionally) write the result back: the thin
adapter that the CLI and the portal call."""

from __future__ import annotations

from dataclasses import dataclass

from deo.assess.engine import IndexResult, NoAreaScored, compute
from deo.assess.inputs import Inputs, read_inputs
from deo.assess.recipe import Recipe, load_recipe
from deo.assess.results import write
from deo.catalogue import Catalogue
from deo.core import Period
from deo.i18n import _
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
    try:
        result = compute(recipe, inputs.panels, year, inputs.groups)
    except NoAreaScored as exc:
        if save and vintage is None:
            _withdraw_earlier(store, recipe, year, exc)
        raise
    stored = write(store, result, inputs.releases) if save else None
    return Build(result, inputs, stored)


def _withdraw_earlier(store: Store, recipe: Recipe, year: int, exc: NoAreaScored) -> None:
    """A rebuild on today's data that scores nobody: an earlier build's values for ``year``
    no longer follow from the data, so they are withdrawn (history kept) and ``exc`` says
    so, rather than left current for the portal and the API to publish."""
    outputs = [recipe.indicator, *(c.output for c in recipe.components if c.output),
               *(p.output for p in recipe.pillars if p.output)]
    done = store.withdraw(outputs, Period.parse(str(year)).code, recipe.label,
                          source=f"deo index build {recipe.label}",
                          note=f"recipe {recipe.label}, index year {year}: no economy scored")
    if done is not None:
        exc.args = (f"{exc} " + _("The {n} value(s) of earlier builds for {year} no longer "
                                  "follow from the data and were withdrawn (release {release})."
                                  ).format(n=done.withdrawn, year=year, release=done.release_id),)
