"""The catalogue over the API: indicators (with search), areas and groups."""

from __future__ import annotations

import unicodedata
from typing import Literal

from fastapi import APIRouter, Query

from deo.catalogue import get_catalogue
from deo.core import Area, DeoError, Indicator
from deo.core.indicator import LANGUAGES
from deo.publish.api.problems import NotFound

router = APIRouter(tags=["catalogue"])
Lang = Literal["en", "fr", "es", "zh"]


def indicator_summary(ind: Indicator, lang: str) -> dict:
    return {
        "code": ind.code, "name": ind.label(lang), "unit": ind.unit,
        "unit_label": ind.unit_label.get(lang) or ind.unit_label.get("en", ind.unit),
        "topic": ind.topic, "owner": ind.owner, "breakdowns": list(ind.breakdowns),
    }


def indicator_detail(ind: Indicator, lang: str) -> dict:
    return {
        **indicator_summary(ind, lang),
        "definition": ind.text("definition", lang), "numerator": ind.text("numerator", lang),
        "denominator": ind.text("denominator", lang), "notes": ind.text("notes", lang),
        "source": ind.source, "unit_multiplier": ind.unit_multiplier, "decimals": ind.decimals,
        "valid_min": ind.valid_min, "valid_max": ind.valid_max, "aliases": list(ind.aliases),
        "recipe": ind.recipe, "names": ind.name,
    }


def area_summary(area: Area, lang: str) -> dict:
    return {"code": area.code, "kind": area.kind, "name": area.label(lang), "m49": area.m49,
            "iso2": area.iso2}


@router.get("/indicators", summary="Indicators of the catalogue")
def indicators(
    q: str | None = Query(None, description="Search codes, names and definitions."),
    topic: str | None = None,
    lang: Lang = "en",
) -> dict:
    catalogue = get_catalogue()
    found = []
    for ind in catalogue.indicators.values():
        if topic and ind.topic != topic:
            continue
        if q and not matches_query(ind, q):
            continue
        found.append(indicator_summary(ind, lang))
    return {"data": found, "count": len(found)}


def fold(text: str) -> str:
    """``text`` for matching what people type: case and accents dropped (Côte -> cote)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def matches_query(ind: Indicator, q: str) -> bool:
    """Every word of ``q`` in the code, an alias, or a name/definition in any language."""
    texts = [ind.code, *ind.aliases, *(ind.name.get(x, "") for x in LANGUAGES),
             *(ind.definition.get(x, "") for x in LANGUAGES)]
    haystack = fold(" ".join(texts))
    return all(word in haystack for word in fold(q).split())


@router.get("/indicators/{code}", summary="One indicator in full")
def indicator(code: str, lang: Lang = "en") -> dict:
    try:
        return indicator_detail(get_catalogue().indicator(code), lang)
    except DeoError as exc:
        raise NotFound(str(exc)) from None


@router.get("/areas", summary="Economies, regions, groups and aggregates")
def areas(
    kind: Literal["economy", "region", "group", "aggregate"] | None = None,
    group: str | None = Query(None, description="Only the members of this region or group."),
    lang: Lang = "en",
) -> dict:
    catalogue = get_catalogue()
    if group:
        chosen = [catalogue.area(code) for code in catalogue.members(group)]
    else:
        chosen = [a for a in catalogue.areas.values() if not kind or a.kind == kind]
    return {"data": [area_summary(a, lang) for a in chosen], "count": len(chosen)}


@router.get("/areas/{code}", summary="One area, with its regions and groups")
def area(code: str, lang: Lang = "en") -> dict:
    catalogue = get_catalogue()
    try:
        found = catalogue.area(code)
    except DeoError as exc:
        raise NotFound(str(exc)) from None
    body = {**area_summary(found, lang), "names": found.name}
    if found.kind == "economy":
        body["regions"] = catalogue.regions_of(found.code)
        body["groups"] = catalogue.groups_of(found.code)
    elif found.kind in ("region", "group"):
        body["members"] = catalogue.members(found.code)
    return body
