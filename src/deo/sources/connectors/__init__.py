"""Connectors to public APIs, looked up by name in a registry (``deo pull worldbank ...``).

A connector's ``pull`` function fetches data from a server (or the on-disk cache, see
:mod:`deo.sources.connectors.cache`) and returns a :class:`Pulled`: a **raw frame** as
defined in :mod:`deo.sources.formats` plus where, when and under which licence the data
were fetched. Nothing here reaches the network unless a connector is run.

Adding a connector is adding one module that calls :func:`register`. The polite HTTP GET
all connectors share (retries with exponential backoff, ``Retry-After``) is
:func:`http_get`.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from deo.core import DeoError
from deo.registry import Registry

if TYPE_CHECKING:
    import httpx
    import pandas as pd

#: ``progress(done_pages, total_pages)``; the CLI passes one that draws a progress bar.
Progress = Callable[[int, int], None]

USER_AGENT = "deo/0.1 (Digital Economy Observatory)"


@dataclass
class Pulled:
    """What a connector fetched.

    ``frame`` is a raw frame (columns ``indicator, area, period, value``, optional
    ``status``, breakdown columns, ``_row``; ``attrs["source_columns"]``). ``as_of`` is
    when the data were fetched from the server (UTC), also when they now come from the
    cache. ``content_hash`` is the sha256 of a canonical serialisation of the fetched
    data, so identical data pulled twice give the same hash.
    """

    frame: pd.DataFrame
    source: str
    url: str
    licence: str
    as_of: datetime
    from_cache: bool
    content_hash: str
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Connector:
    """A registered connector. ``pull`` returns a :class:`Pulled`."""

    name: str
    description: str
    pull: Callable[..., Pulled]
    licence: str = ""
    options: dict[str, Any] = field(default_factory=dict)


#: Modules that register connectors; imported on first use so start-up stays light.
REGISTRY: Registry[Connector] = Registry(
    "connector", ("deo.sources.connectors.worldbank", "deo.sources.connectors.sdmx_rest")
)
register = REGISTRY.register
connectors = REGISTRY.all
get_connector = REGISTRY.get


# -- HTTP ---------------------------------------------------------------------------


class FetchFailed(DeoError):
    """The server could not be reached or kept failing after all retries.

    Connectors fall back to the cache on this error (and only on this one: a server that
    answers "invalid indicator" is not retried and not papered over with old data).
    """


#: Statuses worth retrying besides any 5xx.
RETRY_STATUSES = frozenset({408, 429})


@contextmanager
def http_client(
    client: httpx.Client | None = None, timeout: float = 60.0
) -> Iterator[httpx.Client]:
    """``client`` as given (left open), or a new one closed on exit."""
    if client is not None:
        yield client
        return
    import httpx

    with httpx.Client(
        timeout=httpx.Timeout(timeout, connect=15.0),
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT},
    ) as new:
        yield new


def http_get(
    client: httpx.Client,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    retries: int = 4,
    backoff: float = 0.5,
    max_wait: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
    """GET ``url``, retrying connection errors, timeouts, 408, 429 and 5xx.

    Waits ``backoff * 2**attempt`` seconds between tries, or what the server's
    ``Retry-After`` asks; never more than ``max_wait`` seconds. Returns the response for
    any other status (the caller reads 4xx error bodies); raises :class:`FetchFailed`
    after ``retries`` retries.
    """
    import httpx

    last = ""
    for attempt in range(retries + 1):
        wait = backoff * (2**attempt)
        try:
            response = client.get(url, params=params, headers=headers)
        except (httpx.TransportError, httpx.TimeoutException) as exc:
            last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        else:
            if response.status_code < 500 and response.status_code not in RETRY_STATUSES:
                return response
            last = f"HTTP {response.status_code} {response.reason_phrase}".strip()
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None:
                wait = asked
        if attempt < retries:
            sleep(min(max(wait, 0.0), max_wait))
    shown = str(httpx.URL(url, params=params)) if params else url
    raise FetchFailed(f"{shown}: no usable answer after {retries + 1} tries ({last})")


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


__all__ = [
    "Connector",
    "FetchFailed",
    "Progress",
    "Pulled",
    "connectors",
    "get_connector",
    "http_client",
    "http_get",
    "register",
]
