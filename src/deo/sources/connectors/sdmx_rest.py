"""Any SDMX REST endpoint (ILO, OECD, Eurostat, IMF, UNICEF, a national .Stat...).

``GET {base}/data/{flow}/{key}?startPeriod=..&endPeriod=..`` is fetched with httpx (so the
cache, retry and offline rules of every connector apply) and read with sdmx1's reader,
so any SDMX-ML (generic or structure-specific) or SDMX-JSON data message works.

The observations become a raw frame: ``indicator`` from one dimension (or a constant, or
through a code map), ``area`` from another, ``TIME_PERIOD`` -> ``period``, ``OBS_VALUE``
-> ``value``, the ``OBS_STATUS`` attribute -> ``status``, and every other dimension a
breakdown column under its own id (``SEX`` stays ``SEX``). ``FREQ`` is dropped: the
period already says its frequency.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from deo.core import MISSING_STATUSES, DeoError, Period, PeriodError
from deo.sources.connectors import (
    Connector,
    Progress,
    Pulled,
    http_client,
    http_get,
    register,
)
from deo.sources.connectors.cache import fetch_through_cache, request_key
from deo.sources.formats.sdmx_common import ATTRIBUTES, KNOWN_ATTRIBUTES

if TYPE_CHECKING:
    import httpx

#: Generic SDMX-ML and SDMX-JSON need no structure to read; structure-specific data
#: (what most servers send by default) also reads, with less checking.
DEFAULT_ACCEPT = (
    "application/vnd.sdmx.genericdata+xml;version=2.1, "
    "application/vnd.sdmx.data+json;version=1.0.0;q=0.9, "
    "application/vnd.sdmx.structurespecificdata+xml;version=2.1;q=0.8, "
    "application/xml;q=0.5, application/json;q=0.4, */*;q=0.1"
)
DEFAULT_LICENCE = "as published by the data provider; see its terms of use"

_ERROR_TEXT = re.compile(r"<(?:\w+:)?Text[^>]*>([^<]*)</(?:\w+:)?Text>")
_ERROR_CODE = re.compile(r"<(?:\w+:)?ErrorMessage[^>]*\bcode=\"([^\"]*)\"")


def pull_sdmx(
    url_or_base: str,
    flow: str | None = None,
    key: str | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    start: int | str | None = None,
    end: int | str | None = None,
    indicator: str | None = None,
    indicator_dimension: str = "INDICATOR",
    area_dimension: str = "REF_AREA",
    time_dimension: str = "TIME_PERIOD",
    indicator_map: Mapping[str, str] | None = None,
    drop_dimensions: Sequence[str] = ("FREQ",),
    licence: str | None = None,
    accept: str = DEFAULT_ACCEPT,
    cache_dir: Path | None = None,
    offline: bool = False,
    max_age: timedelta | None = None,
    progress: Progress | None = None,
    client: httpx.Client | None = None,
    retries: int = 4,
    backoff: float = 0.5,
    max_wait: float = 60.0,
) -> Pulled:
    """Pull a data query from an SDMX REST endpoint.

    With ``flow`` given, ``url_or_base`` is the service base (``https://host/rest``) and
    the query is ``{base}/data/{flow}/{key or 'all'}``; without it, ``url_or_base`` is a
    complete data URL. ``start``/``end`` become ``startPeriod``/``endPeriod``; ``params``
    adds any other query parameter. ``indicator`` sets one indicator code for every row
    (the ``indicator_dimension``, if present, is then dropped); ``indicator_map`` renames
    the provider's codes to ours. ``retries``/``backoff`` (seconds, doubled each try)
    govern retries; ``client`` is an ``httpx.Client`` to reuse (left open).
    """
    if flow:
        base = url_or_base.rstrip("/")
        url = f"{base}/data/{flow.strip()}/{(key or '').strip() or 'all'}"
    else:
        url = url_or_base.strip()
    query: dict[str, Any] = {k: v for k, v in (params or {}).items() if v is not None}
    if start is not None:
        query["startPeriod"] = str(start)
    if end is not None:
        query["endPeriod"] = str(end)
    cache_key = request_key(url, query)
    what = f"SDMX data {flow or url}" + (f" key {key}" if flow and key else "")
    parsed: dict[str, Any] = {}

    with http_client(client) as http:

        def fetch() -> list[bytes]:
            if progress is not None:
                progress(0, 1)
            response = http_get(
                http,
                url,
                params=query or None,
                headers={"Accept": accept},
                retries=retries,
                backoff=backoff,
                max_wait=max_wait,
            )
            body = response.content
            if response.status_code == 404:
                said = _error_text(body)
                raise DeoError(
                    f"{what}: the server has no data for this query (HTTP 404"
                    f"{': ' + said if said else ''}); {cache_key}"
                )
            if response.status_code >= 400:
                said = _error_text(body) or body[:200].decode("utf-8", "replace").strip()
                raise DeoError(f"{what}: HTTP {response.status_code} ({said}); {cache_key}")
            # Read before caching, so a body that is not SDMX never lands in the cache.
            parsed["message"] = _read(body, what)
            return [body]

        fetched = fetch_through_cache(
            cache_key, fetch, what=what, directory=cache_dir, offline=offline, max_age=max_age
        )
    if progress is not None:
        progress(1, 1)
    message = parsed.get("message") or _read(fetched.bodies[0], what)
    records, canonical = observations(message, time_dimension=time_dimension)
    frame, notes = raw_frame(
        records,
        indicator=indicator,
        indicator_dimension=indicator_dimension,
        area_dimension=area_dimension,
        time_dimension=time_dimension,
        indicator_map=indicator_map,
        drop_dimensions=drop_dimensions,
    )
    canonical.sort()
    digest = hashlib.sha256("\n".join(canonical).encode("utf-8")).hexdigest()
    sender = getattr(getattr(getattr(message, "header", None), "sender", None), "id", None)
    source = f"SDMX REST {url}" + (f" (sender {sender})" if sender else "")
    return Pulled(
        frame=frame,
        source=source,
        url=str(_full_url(url, query)),
        licence=licence or DEFAULT_LICENCE,
        as_of=fetched.fetched_at,
        from_cache=fetched.from_cache,
        content_hash=digest,
        notes=[*fetched.notes, *notes],
    )


def observations(
    message: Any, *, time_dimension: str = "TIME_PERIOD"
) -> tuple[list[dict[str, Any]], list[str]]:
    """Flat records of an sdmx1 DataMessage, and one canonical text per observation.

    Each record has ``key`` (dimension id -> code, series and observation level),
    ``attributes`` (id -> value; data set, series and observation level) and ``value``
    (a float, NaN for missing, or the text found).
    """
    records: list[dict[str, Any]] = []
    canonical: list[str] = []
    for dataset in getattr(message, "data", []):
        dataset_attrs = {k: _text(v) for k, v in (getattr(dataset, "attrib", None) or {}).items()}
        # Structure-specific data read without their DSD: sdmx1 cannot tell series
        # attributes from dimensions and puts them all in the key.
        loose = type(dataset).__name__.startswith("StructureSpecific")
        for obs in dataset.obs:
            key = {kv.id: _text(kv.value) for kv in obs.key}
            moved = {k: key.pop(k) for k in list(key) if loose and k in KNOWN_ATTRIBUTES}
            if time_dimension not in key and obs.dimension is not None:
                obs_dims = list(obs.dimension)
                if len(obs_dims) == 1:
                    key[time_dimension] = _text(obs_dims[0].value)
            attributes = {**dataset_attrs, **moved}
            series_key = obs.series_key
            attributes.update(
                {k: _text(v) for k, v in (getattr(series_key, "attrib", None) or {}).items()}
            )
            attributes.update({k: _text(v) for k, v in (obs.attrib or {}).items()})
            value = _number(obs.value)
            records.append({"key": key, "attributes": attributes, "value": value})
            shown = "NaN" if isinstance(value, float) and math.isnan(value) else value
            canonical.append(
                json.dumps(
                    {"key": key, "attributes": attributes, "value": shown},
                    sort_keys=True,
                    ensure_ascii=False,
                )
            )
    return records, canonical


def raw_frame(
    records: list[dict[str, Any]],
    *,
    indicator: str | None = None,
    indicator_dimension: str = "INDICATOR",
    area_dimension: str = "REF_AREA",
    time_dimension: str = "TIME_PERIOD",
    indicator_map: Mapping[str, str] | None = None,
    drop_dimensions: Sequence[str] = ("FREQ",),
) -> tuple[pd.DataFrame, list[str]]:
    """A raw frame (see :mod:`deo.sources.formats`) from :func:`observations` records,
    and notes on what was dropped or left as found."""
    notes: list[str] = []
    dims: list[str] = []
    for rec in records:
        for dim in rec["key"]:
            if dim not in dims:
                dims.append(dim)
    if records:
        found = ", ".join(dims)
        if area_dimension not in dims:
            raise DeoError(
                f"SDMX data have no {area_dimension} dimension for the area; dimensions "
                f"are {found} (pass area_dimension=)"
            )
        if indicator is None and indicator_dimension not in dims:
            raise DeoError(
                f"SDMX data have no {indicator_dimension} dimension for the indicator; "
                f"dimensions are {found} (pass indicator_dimension= or a constant indicator=)"
            )
        if time_dimension not in dims:
            raise DeoError(f"SDMX data have no {time_dimension}; dimensions are {found}")
    used = {area_dimension, time_dimension, indicator_dimension, *drop_dimensions}
    breakdowns = [d for d in dims if d not in used]
    mapping = dict(indicator_map or {})

    # Standard error and confidence bounds, where the provider attaches them.
    uncertainty = [
        c
        for c in ("se", "ci_lower", "ci_upper")
        if any(ATTRIBUTES[c] in rec["attributes"] for rec in records)
    ]
    rows: list[dict[str, Any]] = []
    unmapped: set[str] = set()
    dropped_missing = 0
    unit_mult: set[str] = set()
    for number, rec in enumerate(records, start=1):
        key, attributes, value = rec["key"], rec["attributes"], rec["value"]
        status = attributes.get("OBS_STATUS") or None
        if isinstance(value, float) and math.isnan(value) and status not in MISSING_STATUSES:
            dropped_missing += 1
            continue
        if attributes.get("UNIT_MULT") not in (None, "", "0"):
            unit_mult.add(attributes["UNIT_MULT"])
        if indicator is not None:
            code = indicator
        else:
            theirs = key.get(indicator_dimension, "")
            code = mapping.get(theirs, theirs)
            if mapping and theirs not in mapping:
                unmapped.add(theirs)
        row = {
            "indicator": code,
            "area": key.get(area_dimension, ""),
            "period": _period(key.get(time_dimension, "")),
            "value": value,
            "status": status,
        }
        for column in uncertainty:
            row[column] = _number(attributes.get(ATTRIBUTES[column]))
        for dim in breakdowns:
            row[dim] = key.get(dim, "_T")
        row["_row"] = number
        rows.append(row)

    columns = ["indicator", "area", "period", "value", "status", *uncertainty, *breakdowns, "_row"]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    if all(isinstance(v, float) for v in frame["value"]):
        frame["value"] = frame["value"].astype("float64")
    frame["_row"] = frame["_row"].astype("int64")
    source_columns = {
        "indicator": indicator_dimension if indicator is None else "(constant)",
        "area": area_dimension,
        "period": time_dimension,
        "value": "OBS_VALUE",
        "status": "OBS_STATUS",
    }
    source_columns.update({column: ATTRIBUTES[column] for column in uncertainty})
    source_columns.update({dim: dim for dim in breakdowns})
    frame.attrs["source_columns"] = source_columns

    if dropped_missing:
        notes.append(f"skipped {dropped_missing} observations with no value")
    if unmapped:
        shown = ", ".join(sorted(unmapped)[:8]) + (", ..." if len(unmapped) > 8 else "")
        notes.append(
            f"{len(unmapped)} {indicator_dimension} code(s) not in the indicator map "
            f"kept as found: {shown}"
        )
    if unit_mult:
        notes.append(
            f"UNIT_MULT {', '.join(sorted(unit_mult))} found: values are as published "
            "(not multiplied out)"
        )
    return frame, notes


def _read(body: bytes, what: str) -> Any:
    """An sdmx1 DataMessage from a response body; DeoError if it is not SDMX data."""
    import sdmx
    import sdmx.message

    said = _error_text(body)
    if said is not None:
        raise DeoError(f"{what}: the server answered with an SDMX error: {said}")
    try:
        # sdmx1 prints parser state to stdout when a message fails to parse; keep the
        # CLI's output clean and report the failure as one line.
        with contextlib.redirect_stdout(io.StringIO()), _quiet("sdmx"):
            message = sdmx.read_sdmx(io.BytesIO(body))
    except Exception as exc:  # sdmx1 raises many kinds; all mean "not readable SDMX"
        start = body[:80].decode("utf-8", "replace")
        raise DeoError(
            f"{what}: the answer could not be read as SDMX data ({type(exc).__name__}: "
            f"{exc}); it starts with {start!r}"
        ) from exc
    if not isinstance(message, sdmx.message.DataMessage):
        raise DeoError(f"{what}: expected an SDMX data message, got {type(message).__name__}")
    return message


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Hide a library's warnings ("got no structure= argument": nothing a user can do)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _error_text(body: bytes) -> str | None:
    """The text of an SDMX-ML error message, or None if ``body`` is not one."""
    head = body[:4000].decode("utf-8", "replace")
    if "ErrorMessage" not in head:
        return None
    texts = [t.strip() for t in _ERROR_TEXT.findall(head) if t.strip()]
    code = _ERROR_CODE.search(head)
    prefix = f"error {code.group(1)}: " if code else ""
    return prefix + ("; ".join(texts) or "no text")


def _text(value: Any) -> str:
    inner = getattr(value, "value", value)
    inner = getattr(inner, "id", inner)  # a Code object
    return "" if inner is None else str(inner)


def _number(value: Any) -> float | str:
    if value is None:
        return math.nan
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip()
    if text in ("", "NaN", "nan", "NA"):
        return math.nan
    try:
        return float(text)
    except ValueError:
        return text  # kept as found for validation to report


def _period(text: str) -> str:
    try:
        return Period.parse(text).code
    except PeriodError:
        return text


def _full_url(url: str, query: Mapping[str, Any]) -> str:
    import httpx

    return str(httpx.URL(url, params=dict(query))) if query else url


register(
    Connector(
        name="sdmx",
        description="Any SDMX REST endpoint (SDMX-ML 2.1 or SDMX-JSON data)",
        pull=pull_sdmx,
        licence=DEFAULT_LICENCE,
    )
)
