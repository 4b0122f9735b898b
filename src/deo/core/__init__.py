"""The shared vocabulary of the Observatory: pure domain objects, no I/O.

Nothing here imports another ``deo`` package; everything else imports from here.
"""

from deo.core.area import Area, Group, Membership
from deo.core.breakdown import DIMENSIONS, TOTAL, breakdown_key, parse_breakdown_key
from deo.core.codelist import Code, Codelist
from deo.core.errors import (
    Conflict,
    DeoError,
    LoadRejected,
    NotFoundError,
    PermissionDenied,
    Problem,
)
from deo.core.indicator import Indicator
from deo.core.observation import OBSERVATION_COLUMNS, Observation, Provenance
from deo.core.period import Period, PeriodError
from deo.core.status import MISSING_STATUSES, OBS_STATUS

__all__ = [
    "Conflict",
    "NotFoundError",
    "PermissionDenied",
    "DIMENSIONS",
    "Code",
    "Codelist",
    "Group",
    "MISSING_STATUSES",
    "OBSERVATION_COLUMNS",
    "OBS_STATUS",
    "TOTAL",
    "Area",
    "DeoError",
    "Indicator",
    "LoadRejected",
    "Membership",
    "Observation",
    "Period",
    "PeriodError",
    "Problem",
    "Provenance",
    "breakdown_key",
    "parse_breakdown_key",
]
