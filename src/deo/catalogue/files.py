"""Read catalogue TOML files into core objects (file format documented in docs/catalogue.md)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from deo.core import Code, Codelist, DeoError, Group, Indicator, Membership

PACKAGE_DIR = Path(__file__).parent


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DeoError(f"{path}: not valid TOML ({exc})") from exc


def _texts(entry: dict[str, Any], key: str, path: Path, required: bool = False) -> dict[str, str]:
    value = entry.get(key, {})
    if isinstance(value, str):
        value = {"en": value}
    if required and not value.get("en"):
        raise DeoError(f"{path}: {entry.get('code', entry.get('id', '?'))}: {key}.en is required")
    return dict(value)


def _number(entry: dict[str, Any], key: str, path: Path) -> float | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DeoError(
            f"{path}: indicator {entry.get('code', '?')}: {key} = {value!r} must be a number "
            "(write 0, not \"0\")"
        )
    return float(value)


def read_indicators(paths: Iterable[Path]) -> list[Indicator]:
    out: list[Indicator] = []
    for path in paths:
        for entry in _read(path).get("indicator", []):
            try:
                out.append(
                    Indicator(
                        code=entry["code"],
                        name=_texts(entry, "name", path, required=True),
                        unit=entry["unit"],
                        unit_label=_texts(entry, "unit_label", path) or {"en": entry["unit"]},
                        definition=_texts(entry, "definition", path, required=True),
                        source=entry["source"],
                        owner=entry["owner"],
                        topic=entry.get("topic", "other"),
                        unit_multiplier=int(entry.get("unit_multiplier", 0)),
                        decimals=int(entry.get("decimals", 2)),
                        numerator=_texts(entry, "numerator", path),
                        denominator=_texts(entry, "denominator", path),
                        breakdowns=tuple(entry.get("breakdowns", ())),
                        valid_min=_number(entry, "valid_min", path),
                        valid_max=_number(entry, "valid_max", path),
                        aliases=tuple(entry.get("aliases", ())),
                        alias_breakdowns=dict(entry.get("alias_breakdowns", {})),
                        recipe=entry.get("recipe"),
                        notes=_texts(entry, "notes", path),
                    )
                )
            except KeyError as exc:
                code = entry.get("code", "?")
                raise DeoError(f"{path}: indicator {code}: missing field {exc.args[0]!r}") from exc
    return out


def read_codelists(paths: Iterable[Path]) -> list[Codelist]:
    out: list[Codelist] = []
    for path in paths:
        data = _read(path)
        head = data.get("codelist", {})
        if not head.get("id"):
            raise DeoError(f"{path}: a code list file needs a [codelist] table with an id")
        codes = {
            c["id"]: Code(
                id=c["id"],
                name=_texts(c, "name", path, required=True),
                aliases=tuple(c.get("aliases", ())),
                parent=c.get("parent"),
            )
            for c in data.get("code", [])
        }
        out.append(
            Codelist(
                id=head["id"],
                name=_texts(head, "name", path, required=True),
                codes=codes,
                source=head.get("source", ""),
            )
        )
    return out


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def read_groups(paths: Iterable[Path]) -> list[Group]:
    out: list[Group] = []
    for path in paths:
        data = _read(path)
        head = data["group"]
        members = tuple(
            Membership(
                group=head["code"],
                member=m["area"],
                since=_day(m.get("since")),
                until=_day(m.get("until")),
                note=m.get("note"),
            )
            for m in data.get("member", [])
        )
        out.append(
            Group(
                code=head["code"],
                name=_texts(head, "name", path, required=True),
                source=head.get("source", ""),
                kind=head.get("kind", "group"),
                memberships=members,
                aliases=tuple(head.get("aliases", ())),
            )
        )
    return out


def read_topics(paths: Iterable[Path]) -> dict[str, dict[str, str]]:
    """Topic id -> its name by language; a later file may rename a topic."""
    topics: dict[str, dict[str, str]] = {}
    for path in paths:
        for topic, names in _read(path).get("topic", {}).items():
            if not isinstance(names, dict) or not names.get("en"):
                raise DeoError(f"{path}: topic {topic}: expected a table of names with 'en'")
            topics[topic] = {lang: str(text) for lang, text in names.items()}
    return topics


def toml_files(*folders: Path) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            files.extend(sorted(folder.glob("*.toml")))
    return files
