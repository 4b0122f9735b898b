"""Aggregation of normalised components into one score per area.

``fn(x, w) -> scores``: ``x`` is ``(..., areas, components)``, ``w`` is
``(..., components)`` and the leading axes of the two broadcast, so one call scores every
Monte Carlo weight draw: ``x (areas, comps)`` with ``w (runs, comps)`` gives
``(runs, areas)``. Weights need not sum to 1: each area's weights are renormalised over
the components it has, and an area with no component (or only zero-weight ones) is NaN.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from deo.assess.steps import StepRegistry
from deo.core import DeoError

FloatArray = npt.NDArray[np.float64]

AGGREGATORS = StepRegistry("aggregation")

# areas x comps against comps, broadcasting whatever leads; no Python loop over runs.
_WEIGHTED_SUM = "...ac,...c->...a"


def _inputs(x: npt.ArrayLike, w: npt.ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Values, weights and the 0/1 mask of present values, checked."""
    values = np.asarray(x, dtype=np.float64)
    weights = np.asarray(w, dtype=np.float64)
    if values.ndim < 2 or weights.ndim < 1 or values.shape[-1] != weights.shape[-1]:
        raise ValueError(
            f"aggregation needs x (..., areas, components) and w (..., components), "
            f"got {values.shape} and {weights.shape}"
        )
    if np.any(weights < 0):
        raise DeoError("component weights must not be negative")
    return values, weights, (~np.isnan(values)).astype(np.float64)


@AGGREGATORS.register("arithmetic")
def arithmetic(x: npt.ArrayLike, w: npt.ArrayLike) -> FloatArray:
    """Weighted arithmetic mean ``sum(w*x)/sum(w)`` over each area's present components.

    Fully compensatory: a weak component is offset by a strong one.
    """
    values, weights, present = _inputs(x, w)
    total = np.einsum(_WEIGHTED_SUM, np.where(np.isnan(values), 0.0, values), weights)
    weight = np.einsum(_WEIGHTED_SUM, present, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight > 0, total / weight, np.nan)


@AGGREGATORS.register("geometric")
def geometric(x: npt.ArrayLike, w: npt.ArrayLike) -> FloatArray:
    """Weighted geometric mean ``exp(sum(w*log x)/sum(w))`` over present components.

    Partly compensatory, so it needs non-negative normalised values (min-max, rank,
    goalposts, frontier; not z-scores): a weighted component equal to 0 makes the score 0,
    a negative one makes it NaN. Zero-weight components play no part.
    """
    values, weights, present = _inputs(x, w)
    positive = values > 0
    logs = np.log(np.where(positive, values, 1.0))
    total = np.einsum(_WEIGHTED_SUM, np.where(positive, logs, 0.0), weights)
    weight = np.einsum(_WEIGHTED_SUM, present, weights)
    # Counting weighted zeros / negatives through the same contraction keeps it vectorised.
    carries = (weights > 0).astype(np.float64)
    zeros = np.einsum(_WEIGHTED_SUM, (values == 0).astype(np.float64), carries) > 0
    negatives = np.einsum(_WEIGHTED_SUM, (values < 0).astype(np.float64), carries) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        scores = np.exp(total / weight)
    scores = np.where(zeros, 0.0, scores)
    return np.where((weight > 0) & ~negatives, scores, np.nan)
