"""Observations and their provenance, and the columns of an observation frame."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: Columns of a canonical observation frame (a pandas DataFrame passed between readers,
#: validation, the store and writers). ``breakdown`` holds a canonical breakdown key.
OBSERVATION_COLUMNS: tuple[str, ...] = (
    "indicator",
    "area",
    "period",
    "breakdown",
    "value",
    "status",
    "se",
    "ci_lower",
    "ci_upper",
)
#: Optional companions in a frame read from a file: the source row number (as the user
#: counts rows) of each record. Validation uses it to name where a problem is.
ROW_COLUMN = "_row"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a stored observation came from."""

    release_id: int
    source: str
    file_name: str | None
    content_hash: str
    loaded_at: datetime
    licence: str | None = None
    method: str | None = None
    synthetic: bool = False


@dataclass(frozen=True, slots=True)
class Observation:
    """(indicator, area, period, breakdown) -> value, with status and uncertainty."""

    indicator: str
    area: str
    period: str
    value: float | None
    breakdown: str = ""
    status: str = "A"
    se: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    provenance: Provenance | None = None
