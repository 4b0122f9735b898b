"""Normalisation kernels (deo.assess.normalise)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deo.assess.normalise import (
    NORMALISERS,
    frontier,
    goalposts,
    minmax,
    none,
    rank,
    zscore,
)
from deo.core import DeoError

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

nan = np.nan


def col(*values: float) -> np.ndarray:
    """One component as an (areas, 1) array."""
    return np.array(values, dtype=np.float64)[:, None]


# --- none ----------------------------------------------------------------------------


def test_none_returns_the_values_as_they_are():
    x = np.array([[12.5, nan], [-3.0, 250.0]])
    got = none(x, direction=np.array([1, -1]))
    np.testing.assert_array_equal(got, x)
    assert got.dtype == np.float64
    got[0, 0] = 0.0
    assert x[0, 0] == 12.5  # a copy: later steps cannot alter the caller's inputs


# --- minmax --------------------------------------------------------------------------


def test_minmax_rescales_to_0_100():
    np.testing.assert_array_equal(minmax(col(2, 4, 6, 3), direction=1)[:, 0], [0, 50, 100, 25])


def test_minmax_less_is_better_reverses_the_scale():
    np.testing.assert_array_equal(minmax(col(2, 4, 6, 3), direction=-1)[:, 0], [100, 50, 0, 75])


def test_minmax_direction_per_component_and_missing_areas():
    x = np.array([[10.0, 1.0], [nan, 3.0], [20.0, nan], [15.0, 5.0]])
    got = minmax(x, direction=np.array([1, -1]))
    expected = np.array([[0.0, 100.0], [nan, 50.0], [100.0, nan], [50.0, 0.0]])
    np.testing.assert_array_equal(got, expected)


def test_minmax_constant_component_puts_every_area_at_the_frontier():
    x = np.array([[7.0, 1.0], [7.0, 2.0], [nan, 3.0]])
    for direction in (1, -1):
        got = minmax(x, direction=direction)
        np.testing.assert_array_equal(got[:, 0], [100.0, 100.0, nan])


def test_minmax_component_without_data_stays_missing():
    got = minmax(np.array([[nan, 1.0], [nan, 2.0]]), direction=1)
    assert np.isnan(got[:, 0]).all()
    np.testing.assert_array_equal(got[:, 1], [0.0, 100.0])


def test_minmax_with_leading_axes_normalises_each_run_on_its_own():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 9, 3))
    x[1, 2, 0] = nan
    direction = np.array([1, -1, 1])
    got = minmax(x, direction=direction)
    assert got.shape == x.shape
    for run in range(4):
        np.testing.assert_array_equal(got[run], minmax(x[run], direction=direction))
    # ... and each run against the formula.
    low, high = np.nanmin(x[2], axis=0), np.nanmax(x[2], axis=0)
    expected = np.where(direction > 0, x[2] - low, high - x[2]) / (high - low) * 100
    np.testing.assert_allclose(got[2], expected)


@pytest.mark.parametrize("bad", [0, 2, np.array([1, 0.5])])
def test_direction_must_be_plus_or_minus_one(bad):
    with pytest.raises(DeoError, match=r"direction must be \+1 or -1"):
        minmax(np.ones((3, 2)), direction=bad)


_finite = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)
_matrices = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=10),
    elements=st.one_of(_finite, st.just(nan)),
)


@settings(max_examples=80, deadline=None)
@given(x=_matrices, flip=st.booleans())
def test_minmax_lies_in_0_100_and_reaches_both_ends(x, flip):
    got = minmax(x, direction=-1 if flip else 1)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(x))
    present = got[~np.isnan(got)]
    assert np.all((present >= 0) & (present <= 100))
    for j in range(x.shape[1]):
        values = x[~np.isnan(x[:, j]), j]
        scores = got[~np.isnan(x[:, j]), j]
        if np.unique(values).size >= 2:
            assert scores.min() == 0.0
            assert scores.max() == 100.0
            best = values.argmin() if flip else values.argmax()
            assert scores[best] == 100.0


# --- zscore --------------------------------------------------------------------------


def test_zscore_uses_population_standard_deviation():
    got = zscore(col(1, 2, 3), direction=1)[:, 0]
    np.testing.assert_allclose(got, [-math.sqrt(1.5), 0.0, math.sqrt(1.5)])


def test_zscore_matches_pandas_over_present_areas_and_flips_for_less_is_better():
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, size=(15, 2))
    x[[2, 9], 0] = nan
    got = zscore(x, direction=np.array([1, -1]))
    frame = pd.DataFrame(x)
    expected = (frame - frame.mean()) / frame.std(ddof=0)
    expected[1] = -expected[1]
    np.testing.assert_allclose(got, expected.to_numpy(), rtol=1e-12)


def test_zscore_constant_component_scores_zero():
    # 0.1 is inexact in binary: a naive std would not be exactly 0 here.
    got = zscore(np.array([[0.1, 1.0], [0.1, 2.0], [0.1, nan], [nan, 3.0]]), direction=-1)
    np.testing.assert_array_equal(got[:, 0], [0.0, 0.0, 0.0, nan])
    assert np.isnan(got[2, 1])


def test_zscore_with_leading_axes():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 8, 2))
    got = zscore(x, direction=1)
    for run in range(3):
        np.testing.assert_allclose(got[run], zscore(x[run], direction=1))
    np.testing.assert_allclose(got.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(got.std(axis=1), 1.0)


# --- goalposts -----------------------------------------------------------------------


def test_goalposts_scale_between_fixed_bounds_and_clip():
    x = col(-10, 0, 25, 50, 60, nan)
    np.testing.assert_array_equal(
        goalposts(x, direction=1, low=0, high=50)[:, 0], [0, 0, 50, 100, 100, nan]
    )
    np.testing.assert_array_equal(
        goalposts(x, direction=-1, low=0, high=50)[:, 0], [100, 100, 50, 0, 0, nan]
    )


def test_goalposts_per_component():
    x = np.array([[5.0, 150.0], [7.5, 100.0]])
    got = goalposts(x, direction=np.array([1, -1]), low=np.array([5, 100]), high=[10, 200])
    np.testing.assert_array_equal(got, [[0.0, 50.0], [50.0, 100.0]])


def test_goalposts_with_leading_axes():
    x = np.stack([col(0, 5, 10), col(10, 5, 0)])
    got = goalposts(x, direction=1, low=0, high=10)
    assert got.shape == (2, 3, 1)
    np.testing.assert_array_equal(got[1, :, 0], [100, 50, 0])


@pytest.mark.parametrize(("low", "high"), [(10, 10), (10, 0), (0, nan)])
def test_goalposts_need_high_above_low(low, high):
    with pytest.raises(DeoError, match="high > low"):
        goalposts(col(1, 2), direction=1, low=low, high=high)


# --- frontier ------------------------------------------------------------------------


def test_frontier_is_share_of_the_best_area():
    np.testing.assert_array_equal(
        frontier(col(1, 2, 4, nan), direction=1)[:, 0], [25, 50, 100, nan]
    )


def test_frontier_to_a_target_clips_at_100():
    got = frontier(col(1, 2, 4), direction=1, target=2)[:, 0]
    np.testing.assert_array_equal(got, [50, 100, 100])


def test_frontier_less_is_better_is_target_over_value():
    np.testing.assert_array_equal(frontier(col(1, 2, 4), direction=-1)[:, 0], [100, 50, 25])
    np.testing.assert_array_equal(
        frontier(col(1, 2, 4), direction=-1, target=2)[:, 0], [100, 100, 50]
    )


def test_frontier_less_is_better_needs_positive_values():
    # The best (smallest) positive value is the frontier; 0 and negatives have no ratio.
    got = frontier(col(0, -1, 2, 8), direction=-1)[:, 0]
    np.testing.assert_array_equal(got, [nan, nan, 100, 25])


def test_frontier_more_is_better_clips_negatives_and_needs_a_positive_target():
    np.testing.assert_array_equal(frontier(col(-2, 2, 4), direction=1)[:, 0], [0, 50, 100])
    assert np.isnan(frontier(col(-2, -1), direction=1)).all()
    assert np.isnan(frontier(col(1, 2), direction=1, target=0)).all()


def test_frontier_per_component_targets_and_leading_axes():
    x = np.array([[[1.0, 10.0], [2.0, 40.0]], [[4.0, 20.0], [8.0, 5.0]]])
    got = frontier(x, direction=np.array([1, -1]), target=np.array([4.0, 20.0]))
    expected = np.array([[[25.0, 100.0], [50.0, 50.0]], [[100.0, 100.0], [100.0, 100.0]]])
    np.testing.assert_array_equal(got, expected)
    # Without targets each run has its own frontier.
    own = frontier(x, direction=np.array([1, -1]))
    np.testing.assert_array_equal(own[1], [[50.0, 25.0], [100.0, 100.0]])


# --- rank ----------------------------------------------------------------------------


def test_rank_is_percentile_of_average_rank():
    got = rank(col(3, 1, 3, nan, 2), direction=1)[:, 0]
    # Present: 1 -> rank 1, 2 -> rank 2, 3 and 3 -> rank 3.5; n = 4.
    np.testing.assert_allclose(got, [250 / 3, 0, 250 / 3, nan, 100 / 3])


def test_rank_less_is_better():
    np.testing.assert_allclose(rank(col(10, 30, 20), direction=-1)[:, 0], [100, 0, 50])


def test_rank_matches_pandas_average_ranks():
    rng = np.random.default_rng(11)
    x = rng.integers(0, 6, size=(25, 3)).astype(float)
    x[[0, 5, 7], 1] = nan
    direction = np.array([1, -1, 1])
    got = rank(x, direction=direction)
    frame = pd.DataFrame(x * direction)
    ranks = frame.rank(method="average")
    expected = 100 * (ranks - 1) / (frame.count() - 1)
    np.testing.assert_allclose(got, expected.to_numpy(), rtol=1e-12)


def test_rank_single_present_area_gets_100_and_empty_stays_missing():
    got = rank(np.array([[nan, nan], [5.0, nan]]), direction=1)
    np.testing.assert_array_equal(got, [[nan, nan], [100.0, nan]])


def test_rank_with_leading_axes():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 7, 2))
    got = rank(x, direction=np.array([-1, 1]))
    assert got.shape == x.shape
    for run in range(3):
        np.testing.assert_array_equal(got[run], rank(x[run], direction=np.array([-1, 1])))
    np.testing.assert_array_equal(np.sort(got[0, :, 1]), np.arange(7) * 100 / 6)


@settings(max_examples=80, deadline=None)
@given(x=_matrices, flip=st.booleans())
def test_rank_normalisation_lies_in_0_100(x, flip):
    got = rank(x, direction=-1 if flip else 1)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(x))
    present = got[~np.isnan(got)]
    assert np.all((present >= 0) & (present <= 100))
    for j in range(x.shape[1]):
        values = x[~np.isnan(x[:, j]), j]
        if np.unique(values).size == values.size and values.size >= 2:
            assert got[~np.isnan(x[:, j]), j].max() == 100.0


# --- the registry --------------------------------------------------------------------


def test_normalisers_registry():
    assert NORMALISERS.names() == ("frontier", "goalposts", "minmax", "none", "rank", "zscore")
    assert NORMALISERS.get("minmax").fn is minmax
    assert NORMALISERS.get("goalposts").params == ("direction", "low", "high")
    assert NORMALISERS.get("frontier").params == ("direction", "target")
    for step in NORMALISERS:
        assert "direction" in step.params
        assert step.doc


def test_unknown_normalisation_lists_the_known_ones():
    with pytest.raises(DeoError) as raised:
        NORMALISERS.get("foo")
    assert str(raised.value) == (
        "unknown normalisation 'foo'; known: frontier, goalposts, minmax, none, rank, zscore"
    )
