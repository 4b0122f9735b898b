"""Observation status codes (SDMX code list CL_OBS_STATUS, version 2.2)."""

from __future__ import annotations

# Source: SDMX Content-Oriented Guidelines, code list CL_OBS_STATUS v2.2.
OBS_STATUS: dict[str, str] = {
    "A": "Normal value",
    "B": "Time series break",
    "D": "Definition differs",
    "E": "Estimated value",
    "F": "Forecast value",
    "G": "Experimental value",
    "I": "Imputed value",
    "K": "Data included in another category",
    "L": "Data exist but were not collected",
    "M": "Missing value; data cannot exist",
    "N": "Not significant",
    "O": "Missing value",
    "P": "Provisional value",
    "Q": "Missing value; suppressed",
    "S": "Strike and other special events",
    "U": "Low reliability",
    "V": "Unvalidated value",
}

#: Statuses under which an observation may carry no value.
MISSING_STATUSES: frozenset[str] = frozenset({"K", "L", "M", "O", "Q"})

DEFAULT_STATUS = "A"
