"""World Bank Indicators API v2 (World Development Indicators and other WB databases).

``GET {base}/country/{areas|all}/indicator/{code}?format=json&per_page=N&page=P&date=S:E``
answers a JSON array ``[metadata, rows]``: metadata has ``page, pages, per_page, total,
sourceid, lastupdated``; each row has ``indicator{id,value}``, ``country{id,value}``,
``countryiso3code``, ``date``, ``value``, ``unit``, ``obs_status``, ``decimal``. A refused
query answers ``[{"message": [{"id", "key", "value"}]}]`` (often with HTTP 200).

Rows for World Bank aggregates (World, regions, income groups: anything that is not an
economy in our catalogue) and rows with no value are dropped and counted in the notes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd

from deo.core import DeoError, Period, PeriodError
from deo.sources.connectors import (
    Connector,
    Progress,
    Pulled,
    http_client,
    http_get,
    register,
)
from deo.sources.connectors.cache import fetch_through_cache, request_key

if TYPE_CHECKING:
    import httpx

DEFAULT_BASE_URL = "https://api.worldbank.org/v2"
LICENCE = (
    "CC BY 4.0 (World Bank Open Data terms of use; "
    "https://datacatalog.worldbank.org/public-licenses#cc-by)"
)
#: The World Bank's own default is 50; large pages mean fewer requests on slow links.
DEFAULT_PER_PAGE = 1000
FIRST_YEAR = 1960

SOURCE_COLUMNS = {
    "indicator": "indicator.id",
    "area": "countryiso3code",
    "period": "date",
    "value": "value",
    "status": "obs_status",
}
RAW_COLUMNS = ["indicator", "area", "period", "value", "status", "_row"]

_MONTHLY = re.compile(r"^(\d{4})M(0[1-9]|1[0-2])$")
_XML_MESSAGE = re.compile(
    r"<wb:message[^>]*?id=\"([^\"]*)\"[^>]*?key=\"([^\"]*)\"[^>]*>([^<]*)<", re.DOTALL
)


def pull_worldbank(
    indicators: list[str],
    areas: list[str] | None = None,
    start: int | str | None = None,
    end: int | str | None = None,
    *,
    base_url: str | None = None,
    cache_dir: Path | None = None,
    offline: bool = False,
    progress: Progress | None = None,
    client: httpx.Client | None = None,
    retries: int = 4,
    backoff: float = 0.5,
    max_wait: float = 60.0,
    per_page: int = DEFAULT_PER_PAGE,
    max_age: timedelta | None = None,
) -> Pulled:
    """Pull World Bank indicators (codes such as ``IT.NET.USER.ZS``) for ``areas``.

    ``areas`` are ISO alpha-3 codes (catalogue regions and groups such as ``EAC`` are
    expanded to their economies); None means all. ``start``/``end`` are years (or World
    Bank periods such as ``2023Q1``). ``base_url`` defaults to ``$DEO_WORLDBANK_URL`` or
    the public API. ``retries``/``backoff`` (seconds, doubled each try) govern retries of
    failed requests; ``max_age`` lets a recent enough cached copy answer without asking
    the server. ``client`` is an ``httpx.Client`` to reuse (left open).
    """
    codes = [c.strip() for c in indicators if c and c.strip()]
    if not codes:
        raise DeoError("no World Bank indicator code given (e.g. IT.NET.USER.ZS)")
    base = (base_url or os.environ.get("DEO_WORLDBANK_URL") or DEFAULT_BASE_URL).rstrip("/")
    area_path = _area_path(areas)
    years = _date_param(start, end)
    params: dict[str, Any] = {"format": "json", "per_page": per_page}
    if years:
        params["date"] = years
    pages = _PageCounter(progress, len(codes))

    records: list[dict[str, Any]] = []
    canonical: list[str] = []
    urls: list[str] = []
    notes: list[str] = []
    fetched_times = []
    any_cached = False
    aggregates: dict[str, int] = {}
    nulls = 0
    economies = _economies()
    with http_client(client) as http:
        for code in codes:
            url = f"{base}/country/{area_path}/indicator/{quote(code, safe='.;_-')}"
            key = request_key(url, params)
            urls.append(key)
            what = f"World Bank indicator {code}"

            def fetch(url: str = url, code: str = code) -> list[bytes]:
                return _fetch_pages(
                    http,
                    url,
                    params,
                    code,
                    pages,
                    retries=retries,
                    backoff=backoff,
                    max_wait=max_wait,
                )

            fetched = fetch_through_cache(
                key, fetch, what=what, directory=cache_dir, offline=offline, max_age=max_age
            )
            if fetched.from_cache:
                pages.cached(len(fetched.bodies))
            any_cached |= fetched.from_cache
            fetched_times.append(fetched.fetched_at)
            notes.extend(fetched.notes)

            meta: dict[str, Any] = {}
            before = len(canonical)
            for body in fetched.bodies:
                meta, rows = _decode(body, code)
                for row in rows:
                    canonical.append(json.dumps(row, sort_keys=True, ensure_ascii=False))
                    iso3 = str(row.get("countryiso3code") or "").strip()
                    if iso3 not in economies:
                        shown = iso3 or str((row.get("country") or {}).get("id") or "?")
                        aggregates[shown] = aggregates.get(shown, 0) + 1
                        continue
                    if row.get("value") is None:
                        nulls += 1
                        continue
                    records.append(
                        {
                            "indicator": str((row.get("indicator") or {}).get("id") or code),
                            "area": iso3,
                            "period": _period(row.get("date")),
                            "value": _number(row["value"]),
                            "status": str(row.get("obs_status") or "").strip() or None,
                            "_row": len(canonical),
                        }
                    )
            if len(canonical) == before:
                notes.append(f"the World Bank has no data for {code} for these areas and years")
            if meta.get("lastupdated"):
                notes.append(
                    f"World Bank last updated {code} on {meta['lastupdated']}"
                    + (f" (source {meta['sourceid']})" if meta.get("sourceid") else "")
                )

    if aggregates:
        shown = list(aggregates)[:8]
        more = ", ..." if len(aggregates) > len(shown) else ""
        notes.append(
            f"skipped {sum(aggregates.values())} rows for World Bank aggregates "
            f"({', '.join(shown)}{more}) that are not economies"
        )
    if nulls:
        notes.append(f"skipped {nulls} rows with no value (null)")

    frame = pd.DataFrame.from_records(records, columns=RAW_COLUMNS)
    if all(isinstance(v, float) for v in frame["value"]):
        frame["value"] = frame["value"].astype("float64")
    frame["_row"] = frame["_row"].astype("int64")
    frame.attrs["source_columns"] = dict(SOURCE_COLUMNS)
    canonical.sort()
    digest = hashlib.sha256("\n".join(canonical).encode("utf-8")).hexdigest()
    return Pulled(
        frame=frame,
        source=(
            f"World Bank Indicators API v2: {', '.join(codes)}; areas {area_path}; "
            f"{'years ' + years if years else 'all years'}"
        ),
        url=" ".join(urls),
        licence=LICENCE,
        as_of=min(fetched_times),
        from_cache=any_cached,
        content_hash=digest,
        notes=notes,
    )


class _PageCounter:
    """Reports pages done against a total that grows as page counts become known."""

    def __init__(self, progress: Progress | None, indicators: int):
        self.progress = progress
        self.unknown = indicators  # indicators whose page count is not known yet
        self.total = 0
        self.done = 0

    def first_page(self, pages: int) -> None:
        self.unknown -= 1
        self.total += max(pages, 1)
        self.page_done()

    def page_done(self) -> None:
        self.done += 1
        self._report()

    def cached(self, pages: int) -> None:
        self.unknown -= 1
        self.total += pages
        self.done += pages
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total + self.unknown)


def _fetch_pages(
    http: Any,
    url: str,
    params: dict[str, Any],
    code: str,
    pages: _PageCounter,
    **retry: Any,
) -> list[bytes]:
    """Every page's body for one indicator; a refused query raises DeoError."""
    bodies: list[bytes] = []
    page, last = 1, 1
    while page <= last:
        response = http_get(http, url, params={**params, "page": page}, **retry)
        meta, _rows = _decode(response.content, code, response.status_code, url)
        bodies.append(response.content)
        if page == 1:
            last = _int(meta.get("pages"), 1)
            pages.first_page(last)
        else:
            pages.page_done()
        page += 1
    return bodies


def _decode(
    body: bytes, code: str, status: int = 200, url: str = ""
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(metadata, rows) of one page; DeoError naming the indicator if the API refused."""
    try:
        payload = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace")
        if m := _XML_MESSAGE.search(text):
            raise DeoError(
                f"World Bank API refused indicator {code}: {m.group(3).strip()} "
                f"(error {m.group(1)}: {m.group(2)})"
            ) from None
        raise DeoError(
            f"World Bank API: the answer for indicator {code} is not JSON "
            f"(HTTP {status}; starts with {text[:80]!r}) {url}"
        ) from None
    if isinstance(payload, list) and payload and isinstance(payload[0], dict):
        if "message" in payload[0]:
            messages = payload[0]["message"] or [{}]
            said = "; ".join(
                f"{m.get('value') or m.get('key') or 'error'} (error {m.get('id')}: {m.get('key')})"
                for m in messages
                if isinstance(m, dict)
            )
            raise DeoError(f"World Bank API refused indicator {code}: {said}")
        if "page" in payload[0]:
            rows = payload[1] if len(payload) > 1 and payload[1] else []
            return payload[0], [r for r in rows if isinstance(r, dict)]
    if status >= 400:
        raise DeoError(f"World Bank API: HTTP {status} for indicator {code} {url}")
    raise DeoError(
        f"World Bank API: unexpected answer for indicator {code} "
        f"(expected [metadata, rows]; got {str(payload)[:80]!r})"
    )


def _economies() -> frozenset[str]:
    """Codes the catalogue knows as economies (ISO alpha-3 plus XKX, CHI)."""
    from deo.catalogue import get_catalogue

    return frozenset(code for code, area in get_catalogue().areas.items() if area.kind == "economy")


def _area_path(areas: list[str] | None) -> str:
    """``KEN;UGA`` for the URL, catalogue regions and groups expanded; ``all`` if none."""
    if not areas:
        return "all"
    from deo.catalogue import get_catalogue

    catalogue = get_catalogue()
    out: list[str] = []
    for text in areas:
        code = str(text).strip().upper()
        if not code:
            continue
        area = catalogue.areas.get(code)
        if code.lower() == "all":
            return "all"
        out.extend(catalogue.members(code) if area and area.kind != "economy" else [code])
    return ";".join(dict.fromkeys(out)) or "all"


def _date_param(start: int | str | None, end: int | str | None) -> str | None:
    if start is None and end is None:
        return None
    first = str(start if start is not None else FIRST_YEAR)
    last = str(end if end is not None else date.today().year)
    return first if first == last else f"{first}:{last}"


def _period(text: Any) -> str:
    """``2023`` -> ``2023``, ``2023Q2`` -> ``2023-Q2``, ``2023M04`` -> ``2023-04``; text
    we cannot read is kept as found for validation to report."""
    raw = str(text or "").strip()
    if m := _MONTHLY.match(raw):
        raw = f"{m.group(1)}-{m.group(2)}"
    try:
        return Period.parse(raw).code
    except PeriodError:
        return raw


def _number(value: Any) -> float | str:
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)  # kept as found for validation to report


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


register(
    Connector(
        name="worldbank",
        description="World Bank Indicators API v2 (World Development Indicators and more)",
        pull=pull_worldbank,
        licence=LICENCE,
    )
)
