"""On-disk cache of what connectors fetch, and the online/offline policy around it.

Offline first: an office with a poor connection pulls once, then works from the cache.
Each entry is a folder named after the request (``<host-path>-<hash>``) holding the raw
response bodies (``body-0001.bin``, one per page) and ``meta.json`` with the normalised
request key, ``fetched_at`` (UTC) and each body's sha256. The key is the request URL
with its query parameters sorted, so the same question always finds the same entry.

- Offline (``offline=True`` or ``DEO_OFFLINE=1``): only the cache is read; a request not
  in it is a :class:`~deo.core.DeoError`.
- Online: the server is asked; what it returns is stored. If the server cannot be
  reached after all retries, the cached copy is used with a note saying how old it is.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from deo.config import cache_dir
from deo.core import DeoError
from deo.sources.connectors import FetchFailed

META_FILE = "meta.json"
_FORMAT = 1
_TRUE = {"1", "true", "yes", "on"}


def default_dir() -> Path:
    """Where connectors cache responses unless told otherwise: ``$DEO_HOME/cache/api``."""
    return cache_dir() / "api"


def is_offline(offline: bool = False) -> bool:
    """True when asked to stay offline, by argument or by ``DEO_OFFLINE=1``."""
    return offline or os.environ.get("DEO_OFFLINE", "").strip().lower() in _TRUE


def request_key(url: str, params: Mapping[str, Any] | None = None) -> str:
    """Normalised request: lower-case scheme and host, no default port, no trailing
    slash, query parameters (from the URL and ``params``) sorted; ``None`` values dropped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    for name, value in (params or {}).items():
        if value is not None:
            query.append((str(name), str(value)))
    query.sort()
    return f"{scheme}://{host}{path}" + (f"?{urlencode(query)}" if query else "")


def _entry_dir(directory: Path, key: str) -> Path:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    readable = re.sub(r"[^A-Za-z0-9.]+", "-", key.split("://", 1)[-1].split("?", 1)[0])
    return directory / f"{readable.strip('-')[:80]}-{digest}"


@dataclass(frozen=True)
class CacheEntry:
    """A cached response: its bodies and when they were fetched from the server (UTC)."""

    key: str
    bodies: tuple[bytes, ...]
    fetched_at: datetime
    path: Path

    def age(self, now: datetime | None = None) -> timedelta:
        return (now or datetime.now(UTC)) - self.fetched_at

    def describe(self, now: datetime | None = None) -> str:
        """``fetched on 2024-05-01 10:00 UTC (3 days ago)``."""
        return f"fetched on {self.fetched_at:%Y-%m-%d %H:%M} UTC ({age_text(self.age(now))})"


def age_text(age: timedelta) -> str:
    seconds = max(age.total_seconds(), 0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def get(
    key: str, max_age: timedelta | None = None, *, directory: Path | None = None
) -> CacheEntry | None:
    """The cached entry for ``key``, or None if absent, damaged or older than ``max_age``."""
    folder = _entry_dir(directory or default_dir(), key)
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        if meta.get("key") != key:
            return None
        fetched_at = datetime.fromisoformat(meta["fetched_at"])
        bodies = []
        for item in meta["bodies"]:
            body = (folder / item["file"]).read_bytes()
            if hashlib.sha256(body).hexdigest() != item["sha256"]:
                return None  # damaged entry: as good as none
            bodies.append(body)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    entry = CacheEntry(key, tuple(bodies), fetched_at, folder)
    if max_age is not None and entry.age() > max_age:
        return None
    return entry


def put(
    key: str,
    bodies: Sequence[bytes],
    *,
    directory: Path | None = None,
    fetched_at: datetime | None = None,
) -> CacheEntry:
    """Store ``bodies`` for ``key`` (replacing any older entry) and return the entry."""
    root = directory or default_dir()
    root.mkdir(parents=True, exist_ok=True)
    when = (fetched_at or datetime.now(UTC)).astimezone(UTC)
    folder = _entry_dir(root, key)
    # Write a complete new folder, then swap it in, so a crash never leaves half an entry.
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    try:
        listed = []
        for i, body in enumerate(bodies, start=1):
            name = f"body-{i:04d}.bin"
            (staging / name).write_bytes(body)
            listed.append(
                {"file": name, "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}
            )
        meta = {"format": _FORMAT, "key": key, "fetched_at": when.isoformat(), "bodies": listed}
        (staging / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        old = None
        if folder.exists():
            old = folder.with_name(f".old-{folder.name}-{os.getpid()}")
            folder.rename(old)
        staging.rename(folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return CacheEntry(key, tuple(bodies), when, folder)


@dataclass
class Fetched:
    """Response bodies with where and when they came from."""

    bodies: tuple[bytes, ...]
    fetched_at: datetime
    from_cache: bool
    notes: list[str] = field(default_factory=list)


def fetch_through_cache(
    key: str,
    fetch: Callable[[], Sequence[bytes]],
    *,
    what: str,
    directory: Path | None = None,
    offline: bool = False,
    max_age: timedelta | None = None,
) -> Fetched:
    """Bodies for ``key``: from ``fetch()`` online, from the cache offline.

    ``what`` names the request in messages ("World Bank indicator IT.NET.USER.ZS").
    Online, a cache entry younger than ``max_age`` is used without asking the server;
    when ``fetch`` raises :class:`FetchFailed` a cached copy of any age is used instead,
    with a note. Any other error from ``fetch`` (the server refused the query) propagates.
    """
    if is_offline(offline):
        entry = get(key, directory=directory)
        if entry is None:
            raise DeoError(
                f"{what} is not in the cache; run online once (without --offline and "
                f"DEO_OFFLINE) to fetch it. Request: {key}"
            )
        return Fetched(
            entry.bodies,
            entry.fetched_at,
            True,
            [f"offline: {what} from the cache, {entry.describe()}"],
        )
    if max_age is not None and (entry := get(key, max_age, directory=directory)) is not None:
        return Fetched(
            entry.bodies,
            entry.fetched_at,
            True,
            [f"{what} from the cache, {entry.describe()} (younger than the maximum age asked)"],
        )
    try:
        bodies = tuple(fetch())
    except FetchFailed as exc:
        entry = get(key, directory=directory)
        if entry is None:
            raise DeoError(f"{what}: {exc}; nothing in the cache to fall back on") from exc
        return Fetched(
            entry.bodies,
            entry.fetched_at,
            True,
            [
                f"the server could not be reached ({exc}); {what}: the data are from the cache "
                f"{entry.describe()}"
            ],
        )
    stored = put(key, bodies, directory=directory)
    return Fetched(stored.bodies, stored.fetched_at, False, [])
