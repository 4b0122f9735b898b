"""Breakdowns (disaggregations) and the canonical text key that names one.

A breakdown maps SDMX dimension names (SEX, SIZE_CLASS, ...) to codes. The total of a
dimension is ``_T`` and is never written into the key, so the key of an undisaggregated
observation is the empty string. Keys list dimensions in alphabetical order:
``"SEX=F;SIZE_CLASS=10-49"``.
"""

from __future__ import annotations

from collections.abc import Mapping

TOTAL = "_T"

#: Breakdown dimensions, with the code list each draws its codes from.
DIMENSIONS: dict[str, str] = {
    "SEX": "SEX",
    "AGE": "AGE",
    "SIZE_CLASS": "SIZE_CLASS",
    "ACTIVITY": "ACTIVITY",
    "URBANISATION": "URBANISATION",
    "INTERNET_ACCESS": "INTERNET_ACCESS",
    "INTERNET_ACTIVITY": "INTERNET_ACTIVITY",
    "PARTNER": "AREA",
    "SERVICE": "SERVICE",
    # E-commerce from records (deo.measure.records): product group, type of customer (B2B or
    # B2C), channel (customs regime, card-not-present payment, platform); CURRENCY keys
    # exchange-rate observations.
    "PRODUCT": "PRODUCT",
    "CUSTOMER": "CUSTOMER",
    "CHANNEL": "CHANNEL",
    "CURRENCY": "CURRENCY",
}


def breakdown_key(breakdown: Mapping[str, str | None] | None) -> str:
    """Canonical key for a breakdown; totals and empty values are dropped."""
    if not breakdown:
        return ""
    parts = [
        f"{dim}={code}"
        for dim, code in sorted(breakdown.items())
        if code not in (None, "", TOTAL)
    ]
    return ";".join(parts)


def parse_breakdown_key(key: str | None) -> dict[str, str]:
    """Inverse of :func:`breakdown_key`. Raises ``ValueError`` on a malformed key."""
    if not key:
        return {}
    out: dict[str, str] = {}
    for part in key.split(";"):
        dim, sep, code = part.partition("=")
        if not sep or not dim or not code:
            raise ValueError(f"{part!r} is not DIMENSION=CODE")
        dim = dim.strip().upper()
        if dim in out:  # "SEX=F;SEX=M" would otherwise silently keep only the last code
            raise ValueError(f"dimension {dim} appears more than once in {key!r}")
        out[dim] = code.strip()
    return out
