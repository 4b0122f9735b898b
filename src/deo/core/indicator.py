"""Indicator: what is measured, in which unit, with which breakdowns and valid range."""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("en", "fr", "es", "zh")


def sdmx_id(code: str) -> str:
    """An indicator code as an SDMX id: SDMX ids may not contain dots (the dot separates
    the dimensions of a series key), so ``IT.NET.USER.ZS`` is written ``IT_NET_USER_ZS``.
    The catalogue accepts both spellings."""
    return code.replace(".", "_")


@dataclass(frozen=True, slots=True)
class Indicator:
    """A statistical indicator from the catalogue.

    ``unit_multiplier`` is the SDMX UNIT_MULT power of ten (6 means values are millions).
    ``valid_min``/``valid_max`` bound accepted values, in the stored unit.
    ``alias_breakdowns`` maps an owner's sub-indicator code (UNCTAD ``B12_IDEL``) to this
    indicator plus a fixed breakdown.
    """

    code: str
    name: dict[str, str]
    unit: str
    unit_label: dict[str, str]
    definition: dict[str, str]
    source: str
    owner: str
    topic: str
    unit_multiplier: int = 0
    decimals: int = 2
    numerator: dict[str, str] = field(default_factory=dict)
    denominator: dict[str, str] = field(default_factory=dict)
    breakdowns: tuple[str, ...] = ()
    valid_min: float | None = None
    valid_max: float | None = None
    aliases: tuple[str, ...] = ()
    alias_breakdowns: dict[str, dict[str, str]] = field(default_factory=dict)
    recipe: str | None = None
    notes: dict[str, str] = field(default_factory=dict)

    def label(self, lang: str = "en") -> str:
        """Name in ``lang``, falling back to English."""
        return self.name.get(lang) or self.name["en"]

    def text(self, attr: str, lang: str = "en") -> str:
        """Any multilingual attribute (definition, numerator...) in ``lang`` or English."""
        values: dict[str, str] = getattr(self, attr)
        return values.get(lang) or values.get("en", "")

    def in_range(self, value: float) -> bool:
        lo, hi = self.valid_min, self.valid_max
        return (lo is None or value >= lo) and (hi is None or value <= hi)

    def range_text(self) -> str:
        lo = "-inf" if self.valid_min is None else f"{self.valid_min:g}"
        hi = "+inf" if self.valid_max is None else f"{self.valid_max:g}"
        return f"a value between {lo} and {hi} ({self.unit_label.get('en', self.unit)})"
