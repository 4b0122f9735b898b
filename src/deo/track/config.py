"""The tracker's configurable lists: measure statuses with their progress weights, and the
default policy areas of a new strategy (``catalogue/track/*.toml``; an office may replace
either under ``$DEO_HOME/catalogue/track/``); and the session timeouts, from the
environment (``DEO_SESSION_IDLE_MINUTES``, ``DEO_SESSION_HOURS``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from deo.catalogue.files import PACKAGE_DIR
from deo.config import positive_setting, user_catalogue_dir
from deo.core import DeoError

#: Priority -> weight in the priority-weighted implementation rate.
PRIORITY_WEIGHTS: dict[str, float] = {"high": 3.0, "medium": 2.0, "low": 1.0}


@dataclass(frozen=True)
class Status:
    """A measure status. ``weight`` is its progress (0-1), or None for "the percent
    complete reported"; ``exclude`` leaves the measure out of the rate."""

    id: str
    name: dict[str, str]
    weight: float | None
    exclude: bool = False

    def label(self, lang: str = "en") -> str:
        return self.name.get(lang) or self.name["en"]


def _file(name: str) -> Path:
    own = user_catalogue_dir() / "track" / name
    return own if own.is_file() else PACKAGE_DIR / "track" / name


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DeoError(f"{path}: not valid TOML ({exc})") from None


@cache
def statuses() -> dict[str, Status]:
    """The statuses, in workflow order."""
    path = _file("statuses.toml")
    out: dict[str, Status] = {}
    for entry in _read(path).get("status", []):
        weight = entry.get("weight")
        if weight != "percent" and not (isinstance(weight, int | float) and 0 <= weight <= 1):
            raise DeoError(f"{path}: status {entry.get('id')}: weight {weight!r}: expected a "
                           "number from 0 to 1 or \"percent\"")
        out[entry["id"]] = Status(entry["id"], dict(entry["name"]),
                                  None if weight == "percent" else float(weight),
                                  bool(entry.get("exclude", False)))
    if "not_started" not in out:
        raise DeoError(f"{path}: the list must have the status not_started")
    return out


@cache
def default_policy_areas() -> list[tuple[str, dict[str, str]]]:
    """(code, names by language) of the default policy areas, in order."""
    return [(a["code"], dict(a["name"])) for a in _read(_file("policy_areas.toml"))["area"]]


def _minutes(name: str, default: float, per: float = 1.0) -> timedelta:
    """A positive duration from the environment variable ``name`` (in units of ``per``
    minutes), or the default; anything else is refused with the variable named."""
    return timedelta(minutes=positive_setting(name, default) * per)


def session_idle() -> timedelta:
    """A session ends after this long without a request: ``DEO_SESSION_IDLE_MINUTES``
    (default 30 minutes)."""
    return _minutes("DEO_SESSION_IDLE_MINUTES", 30)


def session_lifetime() -> timedelta:
    """A session ends this long after sign-in, however active: ``DEO_SESSION_HOURS``
    (default 12 hours)."""
    return _minutes("DEO_SESSION_HOURS", 12, per=60)
