"""Code lists: the allowed codes of a dimension (SEX, SIZE_CLASS, ACTIVITY...)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Code:
    id: str
    name: dict[str, str]
    aliases: tuple[str, ...] = ()
    parent: str | None = None

    def label(self, lang: str = "en") -> str:
        return self.name.get(lang) or self.name["en"]


@dataclass(frozen=True, slots=True)
class Codelist:
    """An SDMX-style code list. ``lookup`` maps ids and aliases (case-insensitive) to ids."""

    id: str
    name: dict[str, str]
    codes: dict[str, Code]
    source: str = ""
    lookup: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for code in self.codes.values():
            for spelling in (code.id, *code.aliases):
                self.lookup[spelling.casefold()] = code.id

    def resolve(self, text: str) -> str | None:
        """Canonical id for ``text`` (an id or an alias), or None."""
        return self.lookup.get(str(text).strip().casefold())

    def expected(self, limit: int = 12) -> str:
        ids = list(self.codes)
        shown = ", ".join(ids[:limit]) + (", ..." if len(ids) > limit else "")
        return f"a {self.id} code ({shown})"
