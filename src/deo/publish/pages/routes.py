"""Routes of the portal's pages. Each reads the store through the same selection and
engine the API uses, and renders a template; tables and downloads need no JavaScript."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from deo.catalogue import get_catalogue
from deo.core import DeoError, Period
from deo.publish.api.catalogue import fold, matches_query
from deo.publish.api.observations import split
from deo.publish.api.problems import NotFound
from deo.publish.api.releases import without_paths
from deo.publish.pages.assets import PLOTLY_URL, TOPOJSON_URL, map_available
from deo.publish.pages.render import negotiate, page
from deo.store.selection import Selection, select

router = APIRouter(include_in_schema=False)
Lang = Literal["en", "fr", "es", "zh"]
#: Headline indicators on the home page, in this order, when the store has them.
HEADLINES = ("IT.NET.USER.ZS", "IT.NET.BBND.P2", "FX.OWN.TOTL.ZS", "UNCTAD.DDS.EXP", "B3",
             "UNCTAD.B2C.INDEX")
DOWNLOADS = ("csv", "xlsx", "json", "sdmx-csv", "sdmx-json")
#: Lines in an indicator's time-series chart (the first areas of its table).
CHART_LINES = 8


@router.get("/")
def root(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/{negotiate(request)}/", status_code=307)


@router.get("/{lang}/", response_class=HTMLResponse)
def home(request: Request, lang: Lang) -> HTMLResponse:
    store, catalogue = request.app.state.store, get_catalogue()
    summary = store.summary().set_index("indicator")
    headlines = [
        {"code": code, "name": catalogue.indicators[code].label(lang),
         "areas": int(summary.at[code, "areas"]), "last": summary.at[code, "last_period"]}
        for code in HEADLINES if code in summary.index
    ]
    others = [
        {"code": code, "name": catalogue.indicators[code].label(lang) if code in
         catalogue.indicators else code, "areas": int(row.areas), "last": row.last_period}
        for code, row in summary.iterrows() if code not in HEADLINES
    ]
    releases = store.releases()
    return page(request, lang, "home.html", {
        "headlines": headlines, "others": others, "counts": store.counts(),
        "ranking": _latest_ranking(store, catalogue, lang),
        "synthetic": bool(releases["synthetic"].any()) if not releases.empty else False,
    })


def _latest_ranking(store, catalogue, lang: str, code: str = "UNCTAD.B2C.INDEX",
                    top: int = 10) -> dict | None:
    """The latest stored values of an index indicator, best first."""
    frame = store.query(indicators=[code], breakdown="")
    if frame.empty:
        return None
    latest = frame[frame["period"] == frame["period"].max()].sort_values("value",
                                                                          ascending=False)
    rows = [{"area": r.area, "name": catalogue.areas[r.area].label(lang), "value": r.value}
            for r in latest.head(top).itertuples()]
    method = latest["method"].dropna()
    recipe = method.iloc[0].split("@")[0] if not method.empty else None
    return {"code": code, "name": catalogue.indicators[code].label(lang),
            "period": latest["period"].iloc[0], "rows": rows, "count": len(latest),
            "recipe": recipe}


@router.get("/{lang}/indicators", response_class=HTMLResponse)
def indicators(request: Request, lang: Lang, q: str | None = Query(None)) -> HTMLResponse:
    catalogue = get_catalogue()
    summary = request.app.state.store.summary().set_index("indicator")
    found = [
        {"code": ind.code, "name": ind.label(lang), "topic": ind.topic,
         "has_data": ind.code in summary.index}
        for ind in catalogue.indicators.values() if not q or matches_query(ind, q)
    ]
    return page(request, lang, "indicators.html", {"q": q or "", "found": found})


@router.get("/{lang}/indicators/{code}", response_class=HTMLResponse)
def indicator(request: Request, lang: Lang, code: str,
              sort: Literal["area", "value"] = "value") -> HTMLResponse:
    catalogue = get_catalogue()
    try:
        ind = catalogue.indicator(code)
    except DeoError as exc:
        raise NotFound(str(exc)) from None
    frame = select(request.app.state.store, catalogue,
                   Selection(indicators=[ind.code], breakdown="total"), provenance=True)
    latest = pd.DataFrame()
    if not frame.empty:
        latest = latest_rows(frame, "area")
        latest = latest.sort_values("value" if sort == "value" else "area",
                                    ascending=sort != "value")
    status_names = catalogue.codelists["OBS_STATUS"].codes
    rows = [{"area": r.area, "name": catalogue.areas[r.area].label(lang)
             if r.area in catalogue.areas else r.area, "period": r.period, "value": r.value,
             "status": r.status,
             # Estimates flagged by quality rules (U low reliability, Q suppressed) say so.
             "status_label": status_names[r.status].label(lang)
             if r.status in status_names else r.status} for r in latest.itertuples()]
    sources = sorted(set(frame["source"])) if not frame.empty else []
    # The chart: the areas with the most recent values, up to eight lines.
    shown = [r["area"] for r in rows[:CHART_LINES]]
    unit = ind.unit_label.get(lang) or ind.unit
    # The map shades economies with a value (a missing value is the table's to show).
    economies = [r for r in rows if r["area"] in catalogue.areas
                 and catalogue.areas[r["area"]].kind == "economy" and r["value"] == r["value"]]
    return page(request, lang, "indicator.html", {
        "chart": line_chart(frame[frame["area"].isin(shown)], catalogue, lang, unit),
        "map": world_map(economies, unit) if map_available() and economies else None,
        "plotly_url": PLOTLY_URL,
        "ind": ind, "name": ind.label(lang), "definition": ind.text("definition", lang),
        "unit": ind.unit_label.get(lang) or ind.unit, "rows": rows, "sources": sources,
        "downloads": [(f, f"/api/v1/observations?indicator={ind.code}&format={f}&lang={lang}"
                       "&limit=100000")
                      for f in DOWNLOADS],
        "observations": len(frame), "sort": sort,
    })


def latest_rows(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Each ``by`` group's row of its latest period that has a value (a missing value,
    status M or empty, never hides an earlier figure); the latest row where none has."""
    ordered = frame.assign(_start=frame["period"].map(period_start)).sort_values(
        ["_start", "period"])
    with_value = ordered[ordered["value"].notna()].groupby(by).tail(1)
    without = ordered[~ordered[by].isin(with_value[by])].groupby(by).tail(1)
    return pd.concat([with_value, without]).drop(columns="_start")


def period_start(period: str):
    """A period's first day, for ordering (2022-Q1 before 2022-Q2 before 2023)."""
    try:
        return Period.parse(period).start
    except ValueError:
        return None


def world_map(rows: list[dict], unit: str) -> dict:
    """A choropleth of each economy's latest value (ISO alpha-3 ids, as the boundaries)."""
    trace = {
        "type": "choropleth", "locationmode": "ISO-3",
        "locations": [r["area"] for r in rows], "z": [r["value"] for r in rows],
        "text": [f"{r['name']} ({r['period']})" for r in rows],
        "colorscale": "Blues", "reversescale": True,  # darker is more
        "colorbar": {"title": {"text": unit}},
    }
    layout = {"margin": {"t": 0, "b": 0, "l": 0, "r": 0},
              "geo": {"fitbounds": False, "showframe": False,
                      "projection": {"type": "natural earth"}}}
    return {"traces": [trace], "layout": layout, "config": {"topojsonURL": TOPOJSON_URL}}


def line_chart(frame: pd.DataFrame, catalogue, lang: str, unit: str) -> dict | None:
    """Plotly traces and layout: one line per area over the periods of ``frame``."""
    if frame.empty:
        return None
    traces = [
        {"type": "scatter", "mode": "lines+markers", "x": part["period"].tolist(),
         "y": part["value"].tolist(),
         "name": catalogue.areas[a].label(lang) if a in catalogue.areas else a}
        for a, part in frame.sort_values("period").groupby("area", sort=False)
    ]
    layout = {"margin": {"t": 10}, "yaxis": {"title": {"text": unit}},
              "xaxis": {"type": "category", "categoryorder": "category ascending"}}
    return {"traces": traces, "layout": layout}


#: Kinds of area, in the order the areas page lists them.
AREA_KINDS = ("economy", "region", "group", "aggregate")


@router.get("/{lang}/areas", response_class=HTMLResponse)
def areas(request: Request, lang: Lang, q: str | None = Query(None, max_length=200),
          kind: Literal["economy", "region", "group", "aggregate"] | None = None
          ) -> HTMLResponse:
    """Every area, by kind, filtered by code or name in any language (``q``, every word);
    each links to its profile."""
    catalogue = get_catalogue()
    words = fold(q or "").split()
    # Names in every language, folded: "Kenia", "肯尼亚", "cote d'ivoire" all find theirs.
    search = {a.code: fold(" ".join([a.code, *a.name.values()]))
              for a in catalogue.areas.values()}
    found = [a for a in catalogue.areas.values()
             if (kind is None or a.kind == kind) and all(w in search[a.code] for w in words)]
    found.sort(key=lambda a: (AREA_KINDS.index(a.kind) if a.kind in AREA_KINDS else 9,
                              a.label(lang)))
    sections = [(k, [{"code": a.code, "name": a.label(lang), "search": search[a.code]}
                     for a in found if a.kind == k])
                for k in AREA_KINDS]
    return page(request, lang, "areas.html", {
        "q": q or "", "kind": kind or "", "count": len(found),
        "sections": [(k, rows) for k, rows in sections if rows], "kinds": AREA_KINDS,
    })


@router.get("/{lang}/areas/{code}", response_class=HTMLResponse)
def area(request: Request, lang: Lang, code: str) -> HTMLResponse:
    catalogue = get_catalogue()
    if code not in catalogue.areas and code.upper() in catalogue.areas:
        # /en/areas/ken: the code as typed, sent to its one address.
        return RedirectResponse(f"/{lang}/areas/{code.upper()}", status_code=308)
    try:
        found = catalogue.area(code)
    except DeoError as exc:
        raise NotFound(str(exc)) from None
    frame = request.app.state.store.query(areas=[found.code], breakdown="")
    rows = []
    latest = latest_rows(frame, "indicator").set_index("indicator") if not frame.empty else None
    for indicator_code, part in frame.groupby("indicator"):
        known = part[part["value"].notna()]
        ind = catalogue.indicators.get(indicator_code)
        rows.append({
            "code": indicator_code, "name": ind.label(lang) if ind else indicator_code,
            "latest": latest.at[indicator_code, "value"],
            "period": latest.at[indicator_code, "period"],
            "first": min(known["period"], key=period_start) if len(known) else None,
            "count": len(known), "decimals": ind.decimals if ind else 1,
        })
    return page(request, lang, "area.html", {
        "area": found, "name": found.label(lang), "rows": rows,
        "peers": _b2c_peers(request.app.state.store, catalogue, found, lang),
        "groups": [catalogue.areas[g].label(lang) for g in catalogue.groups_of(found.code)]
        if found.kind == "economy" else [],
    })


#: Components of the B2C index compared with peers on a country profile.
B2C_COMPONENTS = ("UNCTAD.B2C.INTERNET", "UNCTAD.B2C.ACCOUNT", "UNCTAD.B2C.SERVERS",
                  "UNCTAD.B2C.POSTAL", "UNCTAD.B2C.INDEX.REBUILT")
INCOME_GROUPS = ("WB_HIC", "WB_UMC", "WB_LMC", "WB_LIC")


def _b2c_peers(store, catalogue, area, lang: str) -> dict | None:
    """The economy's latest B2C components against the median of its M49 sub-region and
    of its World Bank income group (same period)."""
    if area.kind != "economy":
        return None
    frame = store.query(indicators=list(B2C_COMPONENTS), breakdown="")
    mine = frame[frame["area"] == area.code]
    if mine.empty:
        return None
    region = next(iter(catalogue.regions_of(area.code)), None)
    income = next((g for g in INCOME_GROUPS if area.code in catalogue.members(g)), None)
    peers = {code: set(catalogue.members(code)) for code in (region, income) if code}
    rows = []
    for r in mine.sort_values("indicator").itertuples():
        same = frame[(frame["indicator"] == r.indicator) & (frame["period"] == r.period)]
        rows.append({
            "name": catalogue.indicators[r.indicator].label(lang), "period": r.period,
            "value": r.value,
            "medians": [same[same["area"].isin(members)]["value"].median()
                        for members in peers.values()],
        })
    return {"groups": [catalogue.areas[code].label(lang) for code in peers], "rows": rows}


@router.get("/{lang}/releases", response_class=HTMLResponse)
def releases(request: Request, lang: Lang) -> HTMLResponse:
    frame = request.app.state.store.releases().sort_values("id", ascending=False)
    rows = [{"id": r.id, "loaded": r.loaded_at, "source": _text(r.source),
             # File names, never the server's paths (a note names the rejects file).
             "file": _text(without_paths(r.file_name)),
             "rows": r.row_count, "new": r.inserted_count,
             "revised": r.revised_count, "licence": _text(r.licence),
             "note": _text(without_paths(r.note)),
             "synthetic": bool(r.synthetic)} for r in frame.itertuples()]
    return page(request, lang, "releases.html", {"rows": rows})


def _text(value: object) -> str:
    """A text column's value for a page: missing (None, or NaN from the frame) is empty."""
    return "" if value is None or pd.isna(value) else str(value)


@router.get("/{lang}/indices", response_class=HTMLResponse)
def index_list(request: Request, lang: Lang) -> HTMLResponse:
    from deo.assess.recipe import load_recipe, recipe_paths

    catalogue = get_catalogue()
    recipes = [load_recipe(name, catalogue) for name in recipe_paths()]
    return page(request, lang, "indices.html", {"recipes": [
        {"id": r.id, "name": r.name.get(lang) or r.name["en"], "illustrative": r.illustrative,
         "source": r.source} for r in recipes]})


@router.get("/{lang}/indices/{recipe}", response_class=HTMLResponse)
def index_page(request: Request, lang: Lang, recipe: str,
               year: int = Query(2020, ge=1900, le=2100)) -> HTMLResponse:
    """Ranking with 5-95% rank intervals, the method, and each economy's contributions."""
    from deo.assess.build import build_index
    from deo.assess.engine import effective_weights
    from deo.assess.figures import ranking
    from deo.assess.recipe import load_recipe, recipe_paths
    from deo.assess.sensitivity import DEFAULT_RUNS, DEFAULT_SEED, analyse

    catalogue = get_catalogue()
    if recipe not in recipe_paths():
        raise NotFound(f"unknown recipe {recipe!r}")
    spec = load_recipe(recipe, catalogue)
    context = {"recipe": spec, "name": spec.name.get(lang) or spec.name["en"], "year": year,
               "components": [
                   {"id": c.id, "name": catalogue.indicators[c.indicator].label(lang),
                    "code": c.indicator, "normalise": str(spec.normaliser(c)),
                    "weight": w, "pillar": c.pillar or ""}
                   for c, w in zip(spec.components, effective_weights(spec), strict=True)],
               "rows": [], "error": None, "excluded": {}}
    try:
        done = build_index(request.app.state.store, catalogue, spec, year, save=False)
    except DeoError as exc:
        context["error"] = str(exc)
        return page(request, lang, "index.html", context)
    found = analyse(done.result, DEFAULT_RUNS, DEFAULT_SEED, done.inputs.panels,
                    done.inputs.alternative_groups)
    table = ranking(done.result, found).set_index("area")
    parts = done.result.contributions
    context["rows"] = [
        {"area": area, "name": catalogue.areas[area].label(lang), "rank": int(r["rank"]),
         "value": r["value"], "p05": _rank_bound(r["p05"]), "p95": _rank_bound(r["p95"]),
         "points": [parts.at[area, c.id] for c in spec.components]}
        for area, r in table.iterrows()
    ]
    context["excluded"] = done.result.excluded
    context["chart"] = _rank_interval_chart(context["rows"][:RANKED_IN_CHART], lang)
    context["plotly_url"] = PLOTLY_URL
    return page(request, lang, "index.html", context)


def _rank_bound(rank: float) -> float | int:
    """A percentile of ranks as the API gives it: whole when whole, else to one decimal
    (truncating 3.95 to 3 would show a narrower interval than the API's)."""
    return int(rank) if float(rank).is_integer() else round(float(rank), 1)


#: Economies in an index page's rank-interval chart (the best ranked).
RANKED_IN_CHART = 40


def _rank_interval_chart(rows: list[dict], lang: str) -> dict:
    """Each economy's rank with its 5-95% interval (the JRC's uncertainty chart)."""
    from deo.i18n import translations

    t = translations(lang).gettext
    trace = {
        "type": "scatter", "mode": "markers", "x": [r["name"] for r in rows],
        "y": [r["rank"] for r in rows], "name": t("Rank"),
        "error_y": {"type": "data", "symmetric": False,
                    "array": [r["p95"] - r["rank"] for r in rows],
                    "arrayminus": [r["rank"] - r["p05"] for r in rows]},
    }
    layout = {"margin": {"t": 10, "b": 120}, "showlegend": False,
              "yaxis": {"title": {"text": t("Rank")}, "autorange": "reversed"},
              "xaxis": {"type": "category", "tickangle": -60}}
    return {"traces": [trace], "layout": layout}


@router.get("/{lang}/compare", response_class=HTMLResponse)
def compare(
    request: Request,
    lang: Lang,
    indicator: list[str] = Query([]),
    area: list[str] = Query([]),
) -> HTMLResponse:
    """Several economies and indicators over time: one table per indicator, periods down,
    economies across."""
    catalogue = get_catalogue()
    codes, areas = split(indicator), split(area)
    tables, error = [], None
    if codes and areas:
        try:
            frame = select(request.app.state.store, catalogue,
                           Selection(indicators=codes, areas=areas, breakdown="total"))
        except DeoError as exc:
            error, frame = str(exc), pd.DataFrame()
        for code, part in frame.groupby("indicator", sort=False) if not frame.empty else []:
            wide = part.pivot(index="period", columns="area", values="value").sort_index()
            ind = catalogue.indicators[code]
            tables.append({
                "chart": line_chart(part, catalogue, lang, ind.unit_label.get(lang) or ind.unit),
                "code": code, "name": ind.label(lang), "decimals": ind.decimals,
                "areas": [(a, catalogue.areas[a].label(lang)) for a in wide.columns],
                "rows": [(period, list(values)) for period, values in
                         zip(wide.index, wide.to_numpy(), strict=True)],
                "download": f"/api/v1/observations?indicator={code}&area={','.join(areas)}"
                            f"&breakdown=total&format=csv&limit=100000&lang={lang}",
            })
    choices = sorted((i.label(lang), i.code) for i in catalogue.indicators.values())
    return page(request, lang, "compare.html", {
        "plotly_url": PLOTLY_URL, "tables": tables, "error": error, "selected": codes,
        "areas_text": ",".join(areas), "choices": choices,
    })
