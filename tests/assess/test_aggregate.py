"""Aggregation kernels (deo.assess.aggregate)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deo.assess.aggregate import AGGREGATORS, arithmetic, geometric
from deo.core import DeoError

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

nan = np.nan


def reference_arithmetic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Area by area with np.average over the present components (areas x comps, comps)."""
    out = np.full(x.shape[0], nan)
    for i, row in enumerate(x):
        present = ~np.isnan(row)
        if present.any() and w[present].sum() > 0:
            out[i] = np.average(row[present], weights=w[present])
    return out


def reference_geometric(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """exp of the weighted mean log, area by area (positive values only)."""
    out = np.full(x.shape[0], nan)
    for i, row in enumerate(x):
        present = ~np.isnan(row)
        if present.any():
            out[i] = math.exp(np.average(np.log(row[present]), weights=w[present]))
    return out


# --- arithmetic ----------------------------------------------------------------------


def test_arithmetic_weighted_mean():
    x = np.array([[10.0, 20.0, 60.0], [0.0, 100.0, 50.0]])
    got = arithmetic(x, np.array([1.0, 1.0, 2.0]))
    np.testing.assert_allclose(got, [(10 + 20 + 120) / 4, (0 + 100 + 100) / 4])


def test_arithmetic_renormalises_weights_over_present_components():
    x = np.array([[10.0, nan, 60.0], [nan, nan, nan], [nan, 40.0, nan]])
    got = arithmetic(x, np.array([1.0, 5.0, 2.0]))
    np.testing.assert_allclose(got, [(10 + 120) / 3, nan, 40.0])


def test_arithmetic_weights_need_not_sum_to_one():
    x = np.array([[10.0, 30.0]])
    np.testing.assert_allclose(arithmetic(x, [0.25, 0.25]), arithmetic(x, [7.0, 7.0]))
    np.testing.assert_allclose(arithmetic(x, [0.25, 0.25]), [20.0])


def test_arithmetic_only_zero_weight_components_present_is_missing():
    got = arithmetic(np.array([[nan, 5.0], [3.0, 5.0]]), np.array([1.0, 0.0]))
    np.testing.assert_array_equal(got, [nan, 3.0])


def test_arithmetic_matches_np_average():
    rng = np.random.default_rng(21)
    x = rng.uniform(0, 100, size=(30, 6))
    x[rng.random(x.shape) < 0.2] = nan
    w = rng.dirichlet(np.ones(6))
    np.testing.assert_allclose(arithmetic(x, w), reference_arithmetic(x, w), rtol=1e-12)


def test_arithmetic_broadcasts_weight_draws_over_one_score_table():
    rng = np.random.default_rng(22)
    x = rng.uniform(0, 100, size=(12, 4))
    x[3, 1] = nan
    w = rng.dirichlet(np.ones(4), size=50)  # 50 Monte Carlo runs
    got = arithmetic(x, w)
    assert got.shape == (50, 12)
    for run in (0, 17, 49):
        np.testing.assert_allclose(got[run], reference_arithmetic(x, w[run]), rtol=1e-12)


def test_arithmetic_pairs_runs_of_scores_with_runs_of_weights():
    rng = np.random.default_rng(23)
    x = rng.uniform(0, 100, size=(5, 8, 3))
    w = rng.dirichlet(np.ones(3), size=5)
    got = arithmetic(x, w)
    assert got.shape == (5, 8)
    for run in range(5):
        np.testing.assert_allclose(got[run], reference_arithmetic(x[run], w[run]), rtol=1e-12)
    # One weight vector for every run of scores.
    same = arithmetic(x, w[0])
    np.testing.assert_allclose(same[3], reference_arithmetic(x[3], w[0]), rtol=1e-12)


def test_aggregation_rejects_negative_weights_and_mismatched_shapes():
    with pytest.raises(DeoError, match="negative"):
        arithmetic(np.ones((2, 2)), [1.0, -1.0])
    with pytest.raises(ValueError, match="components"):
        arithmetic(np.ones((2, 3)), [1.0, 1.0])
    with pytest.raises(ValueError):
        geometric(np.ones(3), [1.0, 1.0, 1.0])


def test_missing_weight_gives_missing_score():
    got = arithmetic(np.array([[1.0, 2.0]]), [nan, 1.0])
    assert np.isnan(got).all()


# --- geometric -----------------------------------------------------------------------


def test_geometric_weighted_mean():
    x = np.array([[4.0, 1.0], [2.0, 8.0]])
    np.testing.assert_allclose(geometric(x, [1.0, 1.0]), [2.0, 4.0])
    np.testing.assert_allclose(geometric(x, [1.0, 3.0]), [4**0.25, 2**0.25 * 8**0.75])


def test_geometric_renormalises_weights_over_present_components():
    x = np.array([[4.0, nan, 16.0], [nan, nan, nan]])
    np.testing.assert_allclose(geometric(x, [1.0, 1.0, 1.0]), [8.0, nan])


def test_geometric_zero_component_gives_zero():
    got = geometric(np.array([[0.0, 50.0], [nan, 0.0], [0.0, 80.0]]), [1.0, 1.0])
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.0])


def test_geometric_negative_component_gives_missing():
    got = geometric(np.array([[-1.0, 50.0], [-1.0, 0.0], [4.0, 9.0]]), [1.0, 1.0])
    np.testing.assert_allclose(got, [nan, nan, 6.0])


def test_geometric_ignores_zero_weight_components():
    x = np.array([[0.0, 9.0], [-5.0, 4.0]])
    np.testing.assert_allclose(geometric(x, [0.0, 1.0]), [9.0, 4.0])


def test_geometric_never_exceeds_arithmetic_and_matches_reference():
    rng = np.random.default_rng(24)
    x = rng.uniform(1, 100, size=(20, 5))
    x[rng.random(x.shape) < 0.2] = nan
    w = rng.dirichlet(np.ones(5))
    got = geometric(x, w)
    np.testing.assert_allclose(got, reference_geometric(x, w), rtol=1e-12)
    present = ~np.isnan(got)
    assert np.all(got[present] <= arithmetic(x, w)[present] * (1 + 1e-12))


def test_geometric_broadcasts_weight_draws():
    rng = np.random.default_rng(25)
    x = rng.uniform(1, 100, size=(9, 3))
    x[0, 0] = 0.0
    w = rng.dirichlet(np.ones(3), size=20)
    got = geometric(x, w)
    assert got.shape == (20, 9)
    np.testing.assert_array_equal(got[:, 0], 0.0)
    for run in (0, 19):
        np.testing.assert_allclose(got[run, 1:], reference_geometric(x[1:], w[run]), rtol=1e-12)


# --- properties ----------------------------------------------------------------------

# Normalised scores; nothing near underflow, where w*x would lose digits for any kernel.
_scores = st.one_of(st.just(0.0), st.floats(1e-6, 100), st.just(nan))


@settings(max_examples=80, deadline=None)
@given(
    component=hnp.arrays(
        np.float64,
        st.integers(1, 15),
        elements=_scores,
    ),
    copies=st.integers(1, 8),
    weight=st.floats(0.01, 100),
)
def test_equal_weight_mean_of_identical_components_is_the_component(component, copies, weight):
    x = np.repeat(component[:, None], copies, axis=1)
    w = np.full(copies, weight)
    for kernel in (arithmetic, geometric):
        got = kernel(x, w)
        np.testing.assert_allclose(got, component, rtol=1e-12, atol=0)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(component))


@settings(max_examples=60, deadline=None)
@given(
    x=hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 8), st.integers(1, 6)),
        elements=_scores,
    ),
    data=st.data(),
)
def test_arithmetic_lies_between_the_smallest_and_largest_present_component(x, data):
    w = data.draw(hnp.arrays(np.float64, x.shape[1], elements=st.floats(0.01, 10)), label="weights")
    got = arithmetic(x, w)
    for i, row in enumerate(x):
        present = row[~np.isnan(row)]
        if present.size:
            assert present.min() * (1 - 1e-12) <= got[i] <= present.max() * (1 + 1e-12)
        else:
            assert np.isnan(got[i])


def test_aggregators_registry():
    assert AGGREGATORS.names() == ("arithmetic", "geometric")
    assert AGGREGATORS.get("geometric").fn is geometric
    assert AGGREGATORS.get("arithmetic").params == ()
    with pytest.raises(DeoError, match="unknown aggregation 'harmonic'; known: arithmetic, geom"):
        AGGREGATORS.get("harmonic")
