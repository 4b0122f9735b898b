"""The loaded catalogue: look up indicators, codes and areas, and expand groups."""

from __future__ import annotations

import difflib
import gettext
from datetime import date
from functools import cache
from pathlib import Path

import pycountry

from deo.catalogue.files import (
    PACKAGE_DIR,
    _read,
    _texts,
    read_codelists,
    read_groups,
    read_indicators,
    read_topics,
    toml_files,
)
from deo.config import user_catalogue_dir
from deo.core import Area, Codelist, DeoError, Group, Indicator
from deo.core.indicator import sdmx_id

#: pycountry's locale folder names for our languages.
_PYCOUNTRY_LOCALES = {"fr": "fr", "es": "es", "zh": "zh_CN"}


class Catalogue:
    """Indicators, code lists and areas, indexed for lookup. Build with :func:`get_catalogue`."""

    def __init__(
        self,
        indicators: list[Indicator],
        codelists: list[Codelist],
        areas: list[Area],
        region_children: dict[str, list[str]],
        groups: list[Group],
        topics: dict[str, dict[str, str]] | None = None,
    ):
        self.indicators: dict[str, Indicator] = {}
        self.indicator_aliases: dict[str, tuple[str, dict[str, str]]] = {}
        for ind in indicators:
            if ind.code in self.indicators:
                raise DeoError(f"indicator {ind.code} is defined twice in the catalogue")
            self.indicators[ind.code] = ind
            for alias, breakdown in [
                *((a, {}) for a in ind.aliases), *ind.alias_breakdowns.items()
            ]:
                if alias in self.indicator_aliases:
                    taken = self.indicator_aliases[alias][0]
                    raise DeoError(f"indicator alias {alias} of {ind.code} is already {taken}'s")
                self.indicator_aliases[alias] = (ind.code, dict(breakdown))
        # Every code also in its SDMX spelling (IT_NET_USER_ZS), as SDMX files carry it.
        for code in self.indicators:
            spelling = sdmx_id(code)
            if spelling != code and spelling not in self.indicators:
                self.indicator_aliases.setdefault(spelling, (code, {}))
        self.codelists: dict[str, Codelist] = {}
        for codelist in codelists:
            if codelist.id in self.codelists:
                raise DeoError(f"code list {codelist.id} is defined twice in the catalogue")
            self.codelists[codelist.id] = codelist
        self.groups = {g.code: g for g in groups}
        self.areas: dict[str, Area] = {}
        for area in areas:
            if area.code in self.areas:
                raise DeoError(f"area code {area.code} is defined twice in the catalogue")
            self.areas[area.code] = area
        self.area_aliases: dict[str, str] = {}
        for area in areas:
            for alias in area.aliases:
                if alias in self.areas or alias in self.area_aliases:
                    raise DeoError(f"area alias {alias} of {area.code} is already a code")
                self.area_aliases[alias] = area.code
        self.region_children = region_children
        #: Topic id -> name by language (``topics.toml``).
        self.topics = topics or {}
        self._iso2 = {a.iso2: a.code for a in areas if a.iso2}

    # -- indicators -----------------------------------------------------------------
    def resolve_indicator(self, text: str) -> tuple[str, dict[str, str]] | None:
        """(code, fixed breakdown) for an indicator code or alias, or None."""
        code = str(text).strip()
        if code in self.indicators:
            return code, {}
        return self.indicator_aliases.get(code)

    def indicator(self, code: str) -> Indicator:
        resolved = self.resolve_indicator(code)
        if resolved is None:
            raise DeoError(f"unknown indicator {code!r}{self._suggest(code, self.indicators)}")
        return self.indicators[resolved[0]]

    # -- areas ----------------------------------------------------------------------
    def resolve_area(self, text: str) -> str | None:
        """The area code for a code or an alias (World Bank ``HIC`` -> ``WB_HIC``), or None."""
        code = str(text).strip()
        if code in self.areas:
            return code
        return self.area_aliases.get(code)

    def area(self, code: str) -> Area:
        resolved = self.resolve_area(code)
        if resolved is None:
            raise DeoError(f"unknown area {code!r}{self.area_hint(code)}")
        return self.areas[resolved]

    def area_hint(self, code: str) -> str:
        """A 'did you mean' for an area code that is not ours (alpha-2, lower case...)."""
        text = str(code).strip()
        if text.upper() in self.areas:
            return f" (did you mean {text.upper()}?)"
        if text.upper() in self._iso2:
            return f" (that looks like ISO alpha-2; the alpha-3 code is {self._iso2[text.upper()]})"
        if text.isdigit():
            for area in self.areas.values():
                if area.m49 == text.zfill(3) and area.kind == "economy":
                    return f" (M49 {text} is {area.code})"
        return self._suggest(text, self.areas)

    def economies(self) -> list[Area]:
        return [a for a in self.areas.values() if a.kind == "economy"]

    def members(self, code: str, on: date | None = None) -> list[str]:
        """Economies in an area: itself for an economy, all for a region or a group."""
        area = self.area(code)
        if area.kind == "economy":
            return [area.code]
        if area.kind == "group":
            return self.groups[area.code].members(on)
        if area.kind == "aggregate":
            raise DeoError(
                f"{area.code} ({area.label()}) is an aggregate defined by its publisher; "
                "the catalogue does not list its members"
            )
        out: set[str] = set()
        stack = [area.code]
        while stack:
            for child in self.region_children.get(stack.pop(), []):
                if self.areas[child].kind == "economy":
                    out.add(child)
                else:
                    stack.append(child)
        return sorted(out)

    def regions_of(self, economy: str) -> list[str]:
        """M49 regions containing an economy, smallest first."""
        parent_of = {
            child: parent for parent, kids in self.region_children.items() for child in kids
        }
        chain, node = [], economy
        while node in parent_of:
            node = parent_of[node]
            chain.append(node)
        return chain

    def groups_of(self, economy: str, on: date | None = None) -> list[str]:
        return sorted(g.code for g in self.groups.values() if economy in g.members(on))

    # -- code lists -----------------------------------------------------------------
    def topic_label(self, topic: str, lang: str = "en") -> str:
        """A topic's name in ``lang``, else English, else its id."""
        names = self.topics.get(topic, {})
        return names.get(lang) or names.get("en") or topic

    def codelist(self, codelist_id: str) -> Codelist:
        try:
            return self.codelists[codelist_id]
        except KeyError:
            raise DeoError(f"unknown code list {codelist_id!r}") from None

    @staticmethod
    def _suggest(text: str, known: dict) -> str:
        close = difflib.get_close_matches(str(text), list(known), n=3, cutoff=0.75)
        return f" (did you mean {', '.join(close)}?)" if close else ""


def _economies() -> list[Area]:
    translators = {
        lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[loc])
        for lang, loc in _PYCOUNTRY_LOCALES.items()
    }
    out = []
    for country in pycountry.countries:
        # Common names where ISO has them ("Bolivia" rather than the official long form).
        english = getattr(country, "common_name", None) or country.name
        names = {"en": english}
        for lang, tr in translators.items():
            names[lang] = tr.gettext(country.name)
        out.append(
            Area(
                code=country.alpha_3,
                kind="economy",
                name=names,
                m49=country.numeric,
                iso2=country.alpha_2,
            )
        )
    return out


def _areas_from_files(folder: Path) -> tuple[list[Area], dict[str, list[str]]]:
    areas: list[Area] = []
    children: dict[str, list[str]] = {}
    extra = folder / "economies.toml"
    if extra.exists():
        for entry in _read(extra).get("economy", []):
            areas.append(
                Area(
                    code=entry["code"],
                    kind="economy",
                    name=_texts(entry, "name", extra, required=True),
                    m49=entry.get("m49"),
                    iso2=entry.get("iso2"),
                    note=entry.get("note"),
                )
            )
    regions = folder / "m49_regions.toml"
    if regions.exists():
        for entry in _read(regions).get("region", []):
            code = entry["code"]
            areas.append(
                Area(code=code, kind="region", name=_texts(entry, "name", regions), m49=code)
            )
            if parent := entry.get("parent"):
                children.setdefault(parent, []).append(code)
            children.setdefault(code, []).extend(entry.get("members", []))
    aggregates = folder / "aggregates.toml"
    if aggregates.exists():
        for entry in _read(aggregates).get("aggregate", []):
            areas.append(
                Area(
                    code=entry["code"],
                    kind="aggregate",
                    name=_texts(entry, "name", aggregates, required=True),
                    note=f"aggregate published by {entry.get('publisher', 'its publisher')}",
                    aliases=tuple(entry.get("aliases", ())),
                )
            )
    return areas, children


@cache
def get_catalogue(user_dir: Path | None = None) -> Catalogue:
    """The catalogue shipped with deo plus the office's own files under ``user_dir``."""
    user = user_dir or user_catalogue_dir()
    indicators = read_indicators(toml_files(PACKAGE_DIR / "indicators", user / "indicators"))
    codelists = read_codelists(toml_files(PACKAGE_DIR / "codelists", user / "codelists"))
    extra_areas, children = _areas_from_files(PACKAGE_DIR / "areas")
    groups = read_groups(toml_files(PACKAGE_DIR / "areas" / "groups"))
    group_areas = [Area(code=g.code, kind="group", name=g.name, aliases=g.aliases) for g in groups]
    areas = _economies() + extra_areas + group_areas
    topics = read_topics(
        p for p in (PACKAGE_DIR / "topics.toml", user / "topics.toml") if p.is_file()
    )
    return Catalogue(indicators, codelists, areas, children, groups, topics)

