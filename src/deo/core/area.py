"""Areas: economies (ISO 3166-1 alpha-3), UN M49 regions, and country groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

AREA_KINDS = ("economy", "region", "group", "aggregate")


@dataclass(frozen=True, slots=True)
class Area:
    """An economy, a region or a group.

    Economies use ISO 3166-1 alpha-3 (plus the World Bank's XKX and CHI); M49 regions
    use their three-digit M49 code; groups use a short upper-case id (LDC, ECOWAS...);
    aggregates are a publisher's own groups whose members we do not hold (World Bank WLD,
    SSF...). ``aliases`` are other codes that mean this area in loaded files.
    """

    code: str
    kind: str
    name: dict[str, str]
    m49: str | None = None
    iso2: str | None = None
    note: str | None = None
    aliases: tuple[str, ...] = ()

    def label(self, lang: str = "en") -> str:
        return self.name.get(lang) or self.name["en"]


@dataclass(frozen=True, slots=True)
class Membership:
    """``member`` belongs to ``group`` from ``since`` until ``until`` (inclusive; None = open)."""

    group: str
    member: str
    since: date | None = None
    until: date | None = None
    note: str | None = None

    def active_on(self, day: date) -> bool:
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )


@dataclass(frozen=True, slots=True)
class Group:
    """A named set of economies defined by memberships (catalogue data, not code)."""

    code: str
    name: dict[str, str]
    source: str
    kind: str = "group"
    memberships: tuple[Membership, ...] = field(default_factory=tuple)
    aliases: tuple[str, ...] = ()

    def members(self, on: date | None = None) -> list[str]:
        """Economies that are members on ``on`` (today's list if None)."""
        day = on or date.today()
        return sorted({m.member for m in self.memberships if m.active_on(day)})
