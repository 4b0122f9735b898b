"""Index recipes and stored index results over the API."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from deo.assess.build import build_index
from deo.assess.figures import contributions, ranking
from deo.assess.recipe import Recipe, load_recipe, recipe_paths
from deo.assess.sensitivity import DEFAULT_RUNS, DEFAULT_SEED, analyse
from deo.catalogue import get_catalogue
from deo.i18n import _
from deo.publish.api.output import records
from deo.publish.api.problems import NotFound

router = APIRouter(tags=["indices"])


@router.get("/indices", summary="Index recipes shipped")
def indices(lang: str = "en") -> dict:
    catalogue = get_catalogue()
    data = []
    for path in recipe_paths().values():
        recipe = load_recipe(path, catalogue)
        data.append({
            "recipe": recipe.id, "version": recipe.version, "indicator": recipe.indicator,
            "name": recipe.name.get(lang) or recipe.name["en"], "source": recipe.source,
            "illustrative": recipe.illustrative,
            "components": [{"id": c.id, "indicator": c.indicator, "pillar": c.pillar}
                           for c in recipe.components],
        })
    return {"data": data, "count": len(data)}


def _recipe(name: str) -> Recipe:
    """A shipped recipe by its id. Over HTTP a recipe is never a file path: a path would
    let a client read any ``.toml`` on the server, and its errors would show the file."""
    shipped = recipe_paths()
    if name not in shipped:
        raise NotFound(_("unknown index recipe; the recipes are {ids}")
                       .format(ids=", ".join(shipped)))
    return load_recipe(shipped[name], get_catalogue())


@router.get("/indices/{recipe}/ranking", summary="An index's ranking for a year")
def index_ranking(
    request: Request,
    recipe: str,
    year: int = Query(..., ge=1900, le=2100),
    intervals: bool = Query(False, description="Add 5-95% rank intervals (Monte Carlo)."),
    runs: int = Query(DEFAULT_RUNS, ge=10, le=10_000),
    vintage: int | None = Query(None, ge=1),
) -> dict:
    """The ranking as the recipe computes it from the store's inputs (as of ``vintage``)."""
    spec = _recipe(recipe)
    done = build_index(request.app.state.store, get_catalogue(), spec, year, vintage,
                       save=False)
    found = analyse(done.result, runs, DEFAULT_SEED, done.inputs.panels,
                    done.inputs.alternative_groups) if intervals else None
    table = ranking(done.result, found)
    return {
        "recipe": spec.label, "year": year, "data": records(table), "count": len(table),
        "excluded": [{"area": a, "reason": why} for a, why in done.result.excluded.items()],
        "inputs_from_releases": done.inputs.releases,
    }


@router.get("/indices/{recipe}/contributions", summary="Each component's share per area")
def index_contributions(
    request: Request, recipe: str, year: int = Query(..., ge=1900, le=2100),
    area: list[str] = Query([]), vintage: int | None = Query(None, ge=1),
) -> dict:
    spec = _recipe(recipe)
    done = build_index(request.app.state.store, get_catalogue(), spec, year, vintage,
                       save=False)
    table = contributions(done.result)
    if area:
        table = table[table["area"].isin(area)]
    return {"recipe": spec.label, "year": year, "data": records(table), "count": len(table)}
