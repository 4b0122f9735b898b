"""GET /api/v1/observations: filtered, paginated, in any download format."""

from __future__ import annotations

import base64
import json
from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from deo.catalogue import get_catalogue
from deo.core import DeoError, Period
from deo.publish.api.output import Format, records, table
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
) -> Response:
    extras = split(extra)
    unknown = sorted(set(extras) - set(EXTRAS))
    if unknown:
        raise DeoError(f"extra {', '.join(unknown)}: expected one of {', '.join(EXTRAS)}")
    selection = Selection(split(indicator), split(area), split(group), period, breakdown,
                          vintage)
    frame = select(request.app.state.store, get_catalogue(), selection,
                   provenance="provenance" in extras,
                   after=decode_cursor(cursor) if cursor else None, limit=limit + 1)
    more = len(frame) > limit
    frame = frame.head(limit)
    columns = SLIM + [c for name in extras for c in EXTRAS[name]]
    if frame["synthetic"].any():
        columns.append("synthetic")
    page = frame[columns]
    if "loaded_at" in page:
        page = page.assign(loaded_at=page["loaded_at"].astype(str))
    next_url = (str(request.url.include_query_params(cursor=encode_cursor(frame.iloc[-1])))
                if more else None)
    body = {"data": records(page), "count": len(page), "next": next_url}
    if frame["synthetic"].any():
        body["note"] = "includes SYNTHETIC demonstration data, not official statistics"
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
    download = frame if format.startswith("sdmx") else page
    return table(download, format, "observations", body, headers)
