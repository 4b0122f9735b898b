"""Where things live: the data directory, the database, the reference data.

Everything is read from the environment so the same code serves a laptop and a server:

- ``DEO_HOME``: data directory (default ``./deo-data``): the SQLite store, caches, rejects.
- ``DEO_DATABASE_URL``: an SQLAlchemy URL; default ``sqlite:///$DEO_HOME/deo.sqlite``.
- ``DEO_REFERENCE_DATA``: published reference tables (default: ``data/reference`` of the checkout,
  shipped with the project).
"""

from __future__ import annotations

import os
from pathlib import Path


def deo_home() -> Path:
    return Path(os.environ.get("DEO_HOME", "deo-data")).expanduser()


def database_url() -> str:
    url = os.environ.get("DEO_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{(deo_home() / 'deo.sqlite').resolve()}"


#: The published tables shipped in the repository (``data/reference``; absent from a wheel).
SHIPPED_REFERENCE_DATA = Path(__file__).resolve().parents[2] / "data" / "reference"


def reference_data_dir() -> Path:
    configured = os.environ.get("DEO_REFERENCE_DATA")
    return Path(configured).expanduser() if configured else SHIPPED_REFERENCE_DATA


def cache_dir() -> Path:
    return deo_home() / "cache"


def rejects_dir() -> Path:
    return deo_home() / "rejects"


def user_catalogue_dir() -> Path:
    """Indicator and code list files an office adds for its own national indicators."""
    return deo_home() / "catalogue"


def positive_setting(name: str, default: float) -> float:
    """A positive, finite number from the environment variable ``name`` (``default`` when it
    is unset or empty); anything else is refused with the variable named, never replaced."""
    import math

    from deo.core import DeoError
    from deo.i18n import _

    text = os.environ.get(name, "").strip()
    if not text:
        return float(default)
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise DeoError(_("{name}={value!r}: expected a positive number").format(
            name=name, value=text))
    return value


def secure_cookies() -> bool:
    """``DEO_SECURE_COOKIES``: sign-in cookies only over HTTPS (behind a TLS proxy)."""
    return os.environ.get("DEO_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes")

