"""Ranks of areas by score, and rank intervals over Monte Carlo runs.

Everything here is vectorised along the ranked (last) axis, so a whole
``(runs, areas)`` array of scores is ranked in one call without a loop over runs.
Missing scores (NaN) get a NaN rank and take no place.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _tie_positions(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """0-based first and last sorted position of each value's tie group, ascending, last axis.

    NaNs sort last, so they never share a group with, or push down, a present value.
    """
    order = np.argsort(values, axis=-1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=-1)
    n = ordered.shape[-1]
    position = np.broadcast_to(np.arange(n), ordered.shape)

    starts_group = np.ones(ordered.shape, dtype=bool)
    starts_group[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    ends_group = np.ones(ordered.shape, dtype=bool)
    ends_group[..., :-1] = starts_group[..., 1:]

    # A running max of group starts (and a reversed running min of group ends) hands every
    # member of a tie group its group's bounds without a Python loop.
    first_sorted = np.maximum.accumulate(np.where(starts_group, position, 0), axis=-1)
    last_sorted = np.minimum.accumulate(np.where(ends_group, position, n)[..., ::-1], axis=-1)[
        ..., ::-1
    ]

    first = np.empty(ordered.shape, dtype=np.float64)
    last = np.empty(ordered.shape, dtype=np.float64)
    np.put_along_axis(first, order, first_sorted, axis=-1)
    np.put_along_axis(last, order, last_sorted, axis=-1)
    return first, last


def _ascending(values: npt.ArrayLike, descending: bool) -> FloatArray:
    x = np.asarray(values, dtype=np.float64)
    return -x if descending else x


def competition_rank(values: npt.ArrayLike, *, descending: bool = True) -> FloatArray:
    """Standard competition ("1224") ranks along the last axis; 1 is the best.

    With ``descending`` the highest value ranks 1. NaN values get a NaN rank.
    Returns a float64 array of the same shape.
    """
    x = _ascending(values, descending)
    first, _ = _tie_positions(x)
    return np.where(np.isnan(x), np.nan, first + 1.0)


def average_rank(values: npt.ArrayLike, *, descending: bool = False) -> FloatArray:
    """Ranks along the last axis with ties given their average rank (``"average"`` method).

    Ascending by default (the lowest value ranks 1). NaN values get a NaN rank.
    """
    x = _ascending(values, descending)
    first, last = _tie_positions(x)
    return np.where(np.isnan(x), np.nan, (first + last) / 2.0 + 1.0)


def rank_interval(
    ranks: npt.ArrayLike, lower: float = 5, upper: float = 95
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Median and ``lower``/``upper`` percentiles (0-100) of ranks over runs (axis 0).

    Runs where an area has no rank (NaN) are left out; an area never ranked gets NaN.
    """
    r = np.asarray(ranks, dtype=np.float64)
    with warnings.catch_warnings():
        # An area that is missing in every run is a legitimate NaN, not a warning.
        warnings.simplefilter("ignore", RuntimeWarning)
        median, low, high = np.nanpercentile(r, [50.0, lower, upper], axis=0)
    return median, low, high
