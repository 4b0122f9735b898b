"""Ranks and rank intervals (deo.assess.rank)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deo.assess.rank import average_rank, competition_rank, rank_interval

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

nan = np.nan


def pandas_ranks(values: np.ndarray, method: str, ascending: bool) -> np.ndarray:
    """Row by row with pandas, the independent oracle (NaN kept as NaN)."""
    return np.array(
        [pd.Series(row).rank(method=method, ascending=ascending).to_numpy() for row in values]
    )


# --- competition_rank ----------------------------------------------------------------


def test_competition_rank_1224():
    got = competition_rank(np.array([70.0, 90.0, 80.0, 80.0, 60.0]))
    np.testing.assert_array_equal(got, [4, 1, 2, 2, 5])
    assert got.dtype == np.float64


def test_competition_rank_ascending():
    got = competition_rank(np.array([70.0, 90.0, 80.0, 80.0, 60.0]), descending=False)
    np.testing.assert_array_equal(got, [2, 5, 3, 3, 1])


def test_missing_scores_get_no_rank_and_take_no_place():
    got = competition_rank(np.array([nan, 50.0, nan, 80.0, 50.0]))
    np.testing.assert_array_equal(got, [nan, 2, nan, 1, 2])
    assert np.isnan(competition_rank(np.array([nan, nan]))).all()


def test_competition_rank_matches_pandas_min_method_row_by_row():
    rng = np.random.default_rng(31)
    values = rng.integers(0, 10, size=(40, 25)).astype(float)
    values[rng.random(values.shape) < 0.1] = nan
    for descending in (True, False):
        got = competition_rank(values, descending=descending)
        expected = pandas_ranks(values, "min", ascending=not descending)
        np.testing.assert_array_equal(got, expected)


def test_competition_rank_with_several_leading_axes():
    rng = np.random.default_rng(32)
    values = rng.integers(0, 4, size=(3, 4, 6)).astype(float)
    got = competition_rank(values)
    assert got.shape == values.shape
    flat = pandas_ranks(values.reshape(-1, 6), "min", ascending=False)
    np.testing.assert_array_equal(got.reshape(-1, 6), flat)


def test_competition_rank_of_nothing_and_of_one():
    assert competition_rank(np.empty((2, 0))).shape == (2, 0)
    np.testing.assert_array_equal(competition_rank(np.array([5.0])), [1.0])


def test_signed_zeros_tie():
    np.testing.assert_array_equal(competition_rank(np.array([0.0, -0.0, 1.0])), [2, 2, 1])


def test_average_rank_matches_pandas():
    rng = np.random.default_rng(33)
    values = rng.integers(0, 5, size=(20, 15)).astype(float)
    values[rng.random(values.shape) < 0.15] = nan
    np.testing.assert_array_equal(
        average_rank(values), pandas_ranks(values, "average", ascending=True)
    )
    np.testing.assert_array_equal(
        average_rank(values, descending=True), pandas_ranks(values, "average", ascending=False)
    )


# --- properties ----------------------------------------------------------------------

_score_rows = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 5), st.integers(1, 20)),
    elements=st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(nan)),
)


@settings(max_examples=80, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(1, 30),
        elements=st.floats(-1e9, 1e9, allow_nan=False),
        unique=True,
    ),
    descending=st.booleans(),
)
def test_ranks_of_distinct_values_are_a_permutation(values, descending):
    got = competition_rank(values, descending=descending)
    np.testing.assert_array_equal(np.sort(got), np.arange(1, values.size + 1))
    best = values.argmax() if descending else values.argmin()
    assert got[best] == 1


@settings(max_examples=80, deadline=None)
@given(values=_score_rows)
def test_rank_is_one_plus_the_number_of_better_scores(values):
    got = competition_rank(values)
    for row, ranks in zip(values, got, strict=True):
        for value, r in zip(row, ranks, strict=True):
            if np.isnan(value):
                assert np.isnan(r)
            else:
                assert r == 1 + np.sum(row[~np.isnan(row)] > value)


@settings(max_examples=80, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 20)),
        # Integer-valued, so the transform below is exact and cannot merge distinct values.
        elements=st.one_of(st.integers(-1000, 1000).map(float), st.just(nan)),
    )
)
def test_ranks_are_invariant_to_monotone_increasing_transforms(values):
    transformed = 2.0 * values**3 + values - 7.0
    np.testing.assert_array_equal(competition_rank(values), competition_rank(transformed))
    np.testing.assert_array_equal(average_rank(values), average_rank(transformed))


# --- rank_interval -------------------------------------------------------------------


def test_rank_interval_over_runs():
    ranks = np.array([[1.0, 2.0], [1.0, 3.0], [2.0, 2.0], [1.0, 1.0], [3.0, 2.0]])
    median, low, high = rank_interval(ranks, lower=25, upper=75)
    np.testing.assert_array_equal(median, [1.0, 2.0])
    np.testing.assert_array_equal(low, [1.0, 2.0])
    np.testing.assert_array_equal(high, [2.0, 2.0])


def test_rank_interval_default_5_95_matches_numpy_percentiles():
    rng = np.random.default_rng(34)
    ranks = rng.integers(1, 20, size=(200, 10)).astype(float)
    median, low, high = rank_interval(ranks)
    np.testing.assert_array_equal(median, np.median(ranks, axis=0))
    np.testing.assert_allclose(low, np.percentile(ranks, 5, axis=0))
    np.testing.assert_allclose(high, np.percentile(ranks, 95, axis=0))
    assert np.all(low <= median) and np.all(median <= high)


def test_rank_interval_skips_runs_without_a_rank():
    ranks = np.array([[1.0, nan], [nan, nan], [3.0, nan]])
    median, low, high = rank_interval(ranks, lower=0, upper=100)
    np.testing.assert_array_equal(median, [2.0, nan])
    np.testing.assert_array_equal(low, [1.0, nan])
    np.testing.assert_array_equal(high, [3.0, nan])


def test_rank_interval_of_monte_carlo_scores_end_to_end():
    # Scores of 3 areas over 4 runs: area 0 always first; areas 1 and 2 swap.
    scores = np.array([[90.0, 50.0, 40.0], [90.0, 40.0, 50.0], [95.0, 60.0, 20.0], [80, 30, 70]])
    median, low, high = rank_interval(competition_rank(scores), lower=0, upper=100)
    np.testing.assert_array_equal(median, [1.0, 2.5, 2.5])
    np.testing.assert_array_equal(low, [1.0, 2.0, 2.0])
    np.testing.assert_array_equal(high, [1.0, 3.0, 3.0])
