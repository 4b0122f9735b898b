"""Implementation rates: a pure kernel over measures' latest validated statuses.

The rate of a set of measures is

    rate = sum(w_m * p_m) / sum(w_m)   over measures whose status is not excluded,

where ``p_m`` is the progress of measure m: its status's weight (completed 1, not started
0...), or, for a status weighted "percent" (in progress, delayed), the percent complete
of its latest validated update divided by 100. A measure without a validated update is
not started (0). ``w_m`` is 1, or with ``by_priority`` its priority weight (high 3,
medium 2, low 1). A cancelled measure (excluded) counts in neither sum. The rate is a
share from 0 to 1 (None when no measure counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from deo.track.config import PRIORITY_WEIGHTS, Status


@dataclass(frozen=True)
class MeasureState:
    """What the rate needs of one measure: its latest validated status and percent."""

    status: str
    percent: float = 0.0
    priority: str = "medium"


def progress_values(status: np.ndarray, percent: np.ndarray,
                    statuses: Mapping[str, Status]) -> np.ndarray:
    """Each measure's progress from 0 to 1 (NaN where its status is excluded): the
    vectorised kernel behind :func:`progress` and :func:`implementation_rate`."""
    status = np.asarray(status, dtype=object)
    percent = np.clip(np.nan_to_num(np.asarray(percent, dtype=float)), 0.0, 100.0)
    out = np.zeros(len(status))
    for code in np.unique(status):
        known = statuses.get(code) or statuses["not_started"]
        mask = status == code
        if known.exclude:
            out[mask] = np.nan
        elif known.weight is None:
            out[mask] = percent[mask] / 100.0
        else:
            out[mask] = known.weight
    return out


def rate(progress: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """sum(w * p) / sum(w) over measures with a progress (not NaN); None if there are none."""
    progress = np.asarray(progress, dtype=float)
    weights = np.ones(len(progress)) if weights is None else np.asarray(weights, dtype=float)
    counted = ~np.isnan(progress)
    total = weights[counted].sum()
    return float((weights[counted] * progress[counted]).sum() / total) if total else None


def priority_weights(priorities: Iterable[str]) -> np.ndarray:
    return np.array([PRIORITY_WEIGHTS.get(p, 1.0) for p in priorities], dtype=float)


def progress(state: MeasureState, statuses: Mapping[str, Status]) -> float | None:
    """The measure's progress from 0 to 1; None when its status is excluded."""
    value = progress_values(np.array([state.status], dtype=object), np.array([state.percent]),
                            statuses)[0]
    return None if np.isnan(value) else float(value)


def implementation_rate(states: Iterable[MeasureState], statuses: Mapping[str, Status],
                        by_priority: bool = False) -> float | None:
    """The implementation rate of ``states`` (see the module docstring), 0-1 or None."""
    states = list(states)
    values = progress_values(np.array([s.status for s in states], dtype=object),
                             np.array([s.percent for s in states], dtype=float), statuses)
    weights = priority_weights(s.priority for s in states) if by_priority else None
    return rate(values, weights)
