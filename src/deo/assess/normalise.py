"""Normalisation: put components measured in different units on one scale.

Every kernel is ``fn(x, *, direction, ...)`` with areas on axis -2 and components on axis -1
(extra leading axes, such as Monte Carlo runs, are allowed; a 1-D array is one component).
``direction`` is +1 where more is better and -1 where less is better, one per component
(or a scalar for all); after normalisation higher is always better. Statistics (min, max,
mean, ranks) are taken over the non-missing areas of each component; NaN stays NaN.
Scores are on 0-100 except ``zscore`` (standard deviations) and ``none`` (unchanged).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt

from deo.assess.rank import average_rank
from deo.assess.steps import StepRegistry
from deo.assess.transform import areas_axis
from deo.core import DeoError

FloatArray = npt.NDArray[np.float64]

NORMALISERS = StepRegistry("normalisation")


@contextmanager
def _missing_is_quiet() -> Iterator[None]:
    """NaN in, NaN out: silence NumPy's all-NaN-slice and invalid-operation warnings."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _direction(direction: npt.ArrayLike) -> FloatArray:
    d = np.asarray(direction, dtype=np.float64)
    if not np.all((d == 1.0) | (d == -1.0)):
        raise DeoError(f"direction must be +1 or -1 for every component, got {d.tolist()}")
    return d


@NORMALISERS.register("none", params=("direction",))
def none(x: npt.ArrayLike, *, direction: npt.ArrayLike = 1) -> FloatArray:
    """Leave values as they are: the inputs are already normalised scores.

    ``direction`` is ignored because such inputs already point the right way.
    """
    return np.array(x, dtype=np.float64)


@NORMALISERS.register("minmax", params=("direction",))
def minmax(x: npt.ArrayLike, *, direction: npt.ArrayLike) -> FloatArray:
    """Min-max rescaling to 0-100: ``100*(x-min)/(max-min)``, or ``100*(max-x)/(max-min)``.

    A component with max == min scores 100 for every area that has it: all areas sit at
    the frontier, and 100 (rather than NaN or 0) neither drops nor penalises it.
    """
    values = np.asarray(x, dtype=np.float64)
    d = _direction(direction)
    axis = areas_axis(values)
    with _missing_is_quiet():
        low = np.nanmin(values, axis=axis, keepdims=True)
        high = np.nanmax(values, axis=axis, keepdims=True)
        span = high - low
        distance = np.where(d > 0, values - low, high - values)
        # Divide first, then scale, so the extremes come out as exactly 0 and 100.
        scores = distance / span * 100.0
    constant = np.broadcast_to(span == 0, scores.shape)
    return np.where(constant & ~np.isnan(values), 100.0, scores)


@NORMALISERS.register("zscore", params=("direction",))
def zscore(x: npt.ArrayLike, *, direction: npt.ArrayLike) -> FloatArray:
    """Standard scores ``(x-mean)/std`` (population std, ddof=0), sign flipped for -1.

    A constant component scores 0 (every area is at the mean).
    """
    values = np.asarray(x, dtype=np.float64)
    d = _direction(direction)
    axis = areas_axis(values)
    with _missing_is_quiet():
        mean = np.nanmean(values, axis=axis, keepdims=True)
        std = np.nanstd(values, axis=axis, keepdims=True)
        # Compare extremes, not std == 0: the mean of identical floats can be off by an
        # ulp, which would turn a constant component into spurious +-1 scores.
        constant = np.nanmax(values, axis=axis, keepdims=True) == np.nanmin(
            values, axis=axis, keepdims=True
        )
        scores = d * (values - mean) / std
    constant = np.broadcast_to(constant, scores.shape)
    return np.where(constant & ~np.isnan(values), 0.0, scores)


@NORMALISERS.register("goalposts", params=("direction", "low", "high"))
def goalposts(
    x: npt.ArrayLike, *, direction: npt.ArrayLike, low: npt.ArrayLike, high: npt.ArrayLike
) -> FloatArray:
    """Fixed goalposts: ``100*(x-low)/(high-low)`` clipped to 0-100 (``high-x`` for -1).

    ``low`` and ``high`` are in the component's unit, scalars or one per component; fixed
    goalposts keep scores comparable across editions.
    """
    values = np.asarray(x, dtype=np.float64)
    d = _direction(direction)
    lo = np.asarray(low, dtype=np.float64)
    hi = np.asarray(high, dtype=np.float64)
    if not np.all(hi > lo):
        raise DeoError(f"goalposts need high > low, got low={lo.tolist()}, high={hi.tolist()}")
    with _missing_is_quiet():
        scores = np.where(d > 0, values - lo, hi - values) / (hi - lo) * 100.0
    return np.clip(scores, 0.0, 100.0)


@NORMALISERS.register("frontier", params=("direction", "target"))
def frontier(
    x: npt.ArrayLike, *, direction: npt.ArrayLike, target: npt.ArrayLike | None = None
) -> FloatArray:
    """Distance to a frontier: ``100*x/target`` (``100*target/x`` for -1), clipped to 0-100.

    Without ``target`` the frontier is the best area: the max for +1, the smallest positive
    value for -1. A ratio means something only for a positive target, and for -1 only for
    positive ``x``; elsewhere the score is NaN so the engine reports it.
    """
    values = np.asarray(x, dtype=np.float64)
    d = _direction(direction)
    axis = areas_axis(values)
    with _missing_is_quiet():
        if target is None:
            best_high = np.nanmax(values, axis=axis, keepdims=True)
            positive = np.where(values > 0, values, np.nan)
            best_low = np.nanmin(positive, axis=axis, keepdims=True)
            goal = np.where(d > 0, best_high, best_low)
        else:
            goal = np.asarray(target, dtype=np.float64)
        ratio = np.where(d > 0, values / goal, goal / values)
        defined = (goal > 0) & ((d > 0) | (values > 0))
    return np.where(defined, np.clip(ratio * 100.0, 0.0, 100.0), np.nan)


@NORMALISERS.register("rank", params=("direction",))
def rank(x: npt.ArrayLike, *, direction: npt.ArrayLike) -> FloatArray:
    """Percentile rank 0-100: ``100*(r-1)/(n-1)``, r the average-ties rank, best = 100.

    ``n`` counts the areas that have the component; a component only one area has gives
    that area 100.
    """
    values = np.asarray(x, dtype=np.float64)
    d = _direction(direction)
    axis = areas_axis(values)
    # Ranking ascending on d*x gives the best area (highest after orientation) rank n.
    oriented = np.moveaxis(d * values, axis, -1)
    ranks = average_rank(oriented)
    n = np.sum(~np.isnan(oriented), axis=-1, keepdims=True)
    with _missing_is_quiet():
        scores = np.where(n > 1, 100.0 * (ranks - 1.0) / (n - 1), 100.0)
    scores = np.where(np.isnan(ranks), np.nan, scores)
    return np.moveaxis(scores, -1, axis)
