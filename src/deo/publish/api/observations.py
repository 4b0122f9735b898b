"""GET /api/v1/observations: filtered, paginated, in any download format."""

from __future__ import annotations

import base64
import json
import re
from datetime import date

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from deo.catalogue import get_catalogue
from deo.core import DeoError, Period
from deo.publish.api.catalogue import Lang
from deo.publish.api.output import Format, records, table
from deo.publish.sdmx.flows import VERSION, Dataflow, dataflows, flow_id
from deo.store.selection import Selection, select

router = APIRouter(tags=["observations"])

#: Always returned; ``extra`` adds groups of columns.
SLIM = ["indicator", "area", "period", "breakdown", "value", "status"]
EXTRAS = {
    "se": ["se", "ci_lower", "ci_upper"],
    "provenance": ["release_id", "method", "source", "file_name", "loaded_at", "licence"],
}


HELP = {
    "indicator": "Indicator codes or aliases (repeat the parameter or comma-separate).",
    "area": "Economy, region, group or aggregate codes, as stored.",
    "group": "Regions or groups: their member economies, for the periods they were members.",
    "period": "A period or a range: 2023, 2015:2020, 2020-Q1:, :2019.",
    "breakdown": "SEX=F;SIZE_CLASS=10-49, 'total', or 'all' (the default).",
    "vintage": "Read the store as it was after release N.",
}


def split(values: list[str]) -> list[str]:
    """``?a=X&a=Y`` and ``?a=X,Y`` alike."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def encode_cursor(row) -> str:
    key = [row.indicator, row.area, row.breakdown, Period.parse(row.period).start.isoformat(),
           row.period]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        indicator, area, breakdown, start, period = json.loads(base64.urlsafe_b64decode(padded))
        return indicator, area, breakdown, date.fromisoformat(start), period
    except (ValueError, TypeError) as exc:
        raise DeoError(f"cursor {cursor!r} is not one this API gave out") from exc


@router.get("/observations", summary="Observations, filtered and paginated")
def observations(
    request: Request,
    indicator: list[str] = Query([], description=HELP["indicator"]),
    area: list[str] = Query([], description=HELP["area"]),
    group: list[str] = Query([], description=HELP["group"]),
    period: str | None = Query(None, description=HELP["period"]),
    breakdown: str | None = Query(None, description=HELP["breakdown"]),
    vintage: int | None = Query(None, ge=1, description=HELP["vintage"]),
    extra: list[str] = Query([], description="Extra columns: se, provenance."),
    limit: int = Query(1000, ge=1, le=100_000, description="Rows per page."),
    cursor: str | None = Query(None, description="From the previous page's `next`."),
    format: Format = Query("json", description="json, csv, xlsx, sdmx-json or sdmx-csv."),
    lang: Lang = Query("en", description="Language of the names in CSV and XLSX files."),
) -> Response:
    """``count`` is the number of rows matching the selection, over all pages."""
    extras = split(extra)
    unknown = sorted(set(extras) - set(EXTRAS))
    if unknown:
        raise DeoError(f"extra {', '.join(unknown)}: expected one of {', '.join(EXTRAS)}")
    catalogue = get_catalogue()
    selection = Selection(split(indicator), split(area), split(group), period, breakdown,
                          vintage)
    # Spreadsheets name their source and licence, which come with the provenance.
    frame = select(request.app.state.store, catalogue, selection,
                   provenance="provenance" in extras or format in SPREADSHEETS,
                   after=decode_cursor(cursor) if cursor else None, limit=limit + 1)
    more = len(frame) > limit
    frame = frame.head(limit)
    total = (total_rows(request.app.state.store, catalogue, selection)
             if more or cursor else len(frame))
    columns = SLIM + [c for name in extras for c in EXTRAS[name]]
    if frame["synthetic"].any():
        columns.append("synthetic")
    page = frame[columns]
    if "loaded_at" in page:
        page = page.assign(loaded_at=page["loaded_at"].astype(str))
    next_url = (str(request.url.include_query_params(cursor=encode_cursor(frame.iloc[-1])))
                if more else None)
    body = {"data": records(page), "count": total, "returned": len(page), "next": next_url}
    if frame["synthetic"].any():
        body["note"] = "includes SYNTHETIC demonstration data, not official statistics"
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
    name = download_name(selection, catalogue)
    if format.startswith("sdmx"):
        flow = dataflow_of(frame, selection, catalogue)
        return table(frame, format, name, body, headers,
                     sdmx={"dataflow": flow.id, "version": VERSION,
                           "breakdowns": flow.breakdowns})
    if format in SPREADSHEETS:
        page = described(frame, columns, catalogue, lang)
    return table(page, format, name, body, headers)


#: Download formats that get names, units, source and licence beside the codes.
SPREADSHEETS = ("csv", "xlsx")


def total_rows(store, catalogue, selection: Selection) -> int:
    """How many rows match ``selection``, over all pages. Counted once per selection and
    store state (its latest release): a client paging through the selection does not
    make the server read all of it again for every page."""
    key = (repr(selection), store.latest_release())
    cache = _TOTALS.setdefault(id(store), {})
    if key not in cache:
        if len(cache) >= 256:
            cache.clear()
        cache[key] = len(select(store, catalogue, selection))
    return cache[key]


#: store id -> (selection, latest release) -> rows matching.
_TOTALS: dict[int, dict[tuple[str, int | None], int]] = {}


def described(frame: pd.DataFrame, columns: list[str], catalogue, lang: str) -> pd.DataFrame:
    """The page's rows with what a reader needs beside the codes: the indicator's and the
    area's names (in ``lang``), the unit and its power of ten, the source and licence."""
    indicators, areas = catalogue.indicators, catalogue.areas
    codes = frame["indicator"]
    out = frame[columns].copy()
    if "loaded_at" in out:
        out["loaded_at"] = out["loaded_at"].astype(str)
    out.insert(1, "indicator_name", [indicators[c].label(lang) if c in indicators else ""
                                     for c in codes])
    out.insert(3, "area_name", [areas[a].label(lang) if a in areas else ""
                                for a in frame["area"]])
    position = out.columns.get_loc("value") + 1
    out.insert(position, "unit", [
        (indicators[c].unit_label.get(lang) or indicators[c].unit) if c in indicators else ""
        for c in codes])
    out.insert(position + 1, "unit_multiplier",
               [indicators[c].unit_multiplier if c in indicators else 0 for c in codes])
    if "source" not in out:
        out["source"] = frame["source"]
        out["licence"] = frame["licence"]
    # A release that names no source: the indicator's publisher, from the catalogue.
    fallback = pd.Series([indicators[c].source if c in indicators else "" for c in codes],
                         index=out.index)
    out["source"] = out["source"].where(out["source"].notna() & (out["source"] != ""),
                                        fallback)
    return out


def download_name(selection: Selection, catalogue, most: int = 3) -> str:
    """A file name saying what the download holds: indicators, areas and period
    (``IT.NET.USER.ZS_KEN-UGA_2015-2020``); ``observations`` for everything."""

    def part(codes: list[str]) -> str:
        shown = "-".join(codes[:most])
        return shown + (f"-and-{len(codes) - most}-more" if len(codes) > most else "")

    pieces = [part(selection.indicators), part(selection.areas + selection.groups),
              selection.period or ""]
    if selection.breakdown and selection.breakdown.casefold() not in ("all",):
        pieces.append(selection.breakdown)
    name = "_".join(p for p in pieces if p) or "observations"
    if selection.vintage:
        name += f"_release-{selection.vintage}"
    # Header-safe: letters, digits and . - _ only.
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "observations"


def dataflow_of(frame: pd.DataFrame, selection: Selection, catalogue) -> Dataflow:
    """The published SDMX dataflow (``/api/v1/sdmx/dataflow``) that holds every row; an
    SDMX message has one dataflow, so a download across several is refused."""
    codes = (set(frame["indicator"]) if not frame.empty else
             {catalogue.indicator(code).code for code in selection.indicators})
    by_flow = {flow_id(catalogue.indicators[code].topic) for code in codes
               if code in catalogue.indicators}
    if len(by_flow) != 1:
        flows = ", ".join(sorted(by_flow)) or "none"
        raise DeoError(f"an SDMX file holds one dataflow; these rows are in {flows}: choose "
                       "indicators of one dataflow (see /api/v1/sdmx/dataflow)")
    return dataflows(catalogue)[by_flow.pop()]
