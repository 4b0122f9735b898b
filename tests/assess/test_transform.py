"""Transformation kernels (deo.assess.transform) and the step registry they register in."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deo.assess.steps import Step, StepRegistry
from deo.assess.transform import TRANSFORMS, log, winsorise
from deo.core import DeoError

# NaN in, NaN out: a kernel must not even warn about missing values.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

nan = np.nan


# --- log ---------------------------------------------------------------------------


def test_log_is_natural_log_of_shifted_values():
    x = np.array([[1.0, math.e - 1.0], [math.e**2, 0.0]])
    got = log(x, offset=1.0)
    expected = np.array([[math.log(2.0), 1.0], [math.log(math.e**2 + 1.0), 0.0]])
    np.testing.assert_allclose(got, expected, rtol=1e-15)
    assert got.dtype == np.float64


def test_log_without_offset():
    np.testing.assert_allclose(log(np.array([[1.0], [math.e]])), [[0.0], [1.0]])


def test_log_of_non_positive_shifted_value_is_missing():
    got = log(np.array([[0.0, -1.0], [2.0, -0.5]]), offset=0.5)
    assert got[0, 0] == pytest.approx(math.log(0.5))
    assert np.isnan(got[0, 1])
    assert np.isnan(got[1, 1])  # -0.5 + 0.5 == 0 is not positive either
    assert got[1, 0] == pytest.approx(math.log(2.5))


def test_log_keeps_missing_missing_and_shape_with_leading_axes():
    x = np.array([[[1.0, nan], [math.e, 3.0]], [[nan, 1.0], [2.0, 4.0]]])
    got = log(x)
    assert got.shape == (2, 2, 2)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(x))
    np.testing.assert_allclose(got[~np.isnan(x)], np.log(x[~np.isnan(x)]))


# --- winsorise ---------------------------------------------------------------------


def test_winsorise_clips_each_column_to_its_quantiles():
    x = np.array(
        [
            [1.0, 10.0],
            [2.0, 20.0],
            [3.0, 30.0],
            [4.0, 40.0],
            [100.0, 50.0],
        ]
    )
    got = winsorise(x, lower=0.25, upper=0.75)
    # Linear quantiles of five values at 0.25 / 0.75 are the 2nd and 4th values.
    expected = np.array([[2.0, 20.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0], [4.0, 40.0]])
    np.testing.assert_array_equal(got, expected)


def test_winsorise_interpolates_quantiles_linearly():
    x = np.array([[0.0], [10.0]])
    # 10% and 90% of the way from 0 to 10.
    np.testing.assert_allclose(winsorise(x, lower=0.1, upper=0.9), [[1.0], [9.0]])


def test_winsorise_ignores_missing_areas_for_quantiles_and_keeps_them_missing():
    x = np.array([[1.0], [nan], [2.0], [3.0], [nan], [4.0], [100.0]])
    got = winsorise(x, lower=0.25, upper=0.75)
    np.testing.assert_array_equal(got[:, 0], [2.0, nan, 2.0, 3.0, nan, 4.0, 4.0])


def test_winsorise_defaults_are_5_and_95_percent():
    column = np.arange(21.0)  # quantiles at 5% and 95% of 0..20 are 1 and 19
    got = winsorise(column[:, None])[:, 0]
    assert got.min() == 1.0
    assert got.max() == 19.0
    np.testing.assert_array_equal(got[1:20], column[1:20])


def test_winsorise_column_without_data_stays_missing():
    x = np.array([[1.0, nan], [2.0, nan]])
    got = winsorise(x)
    assert np.isnan(got[:, 1]).all()
    assert not np.isnan(got[:, 0]).any()


def test_winsorise_works_per_run_with_leading_axes():
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=(3, 12, 2))
    got = winsorise(x, lower=0.1, upper=0.8)
    for run in range(3):
        np.testing.assert_array_equal(got[run], winsorise(x[run], lower=0.1, upper=0.8))


def test_winsorise_vector_is_one_component():
    np.testing.assert_array_equal(
        winsorise(np.array([1.0, 2.0, 3.0, 4.0, 100.0]), lower=0.25, upper=0.75),
        [2.0, 2.0, 3.0, 4.0, 4.0],
    )


@pytest.mark.parametrize(("lower", "upper"), [(-0.1, 0.9), (0.5, 0.4), (0.1, 1.5)])
def test_winsorise_rejects_impossible_bounds(lower, upper):
    with pytest.raises(DeoError, match="lower <= upper"):
        winsorise(np.ones((3, 1)), lower=lower, upper=upper)


_columns = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12),
    elements=st.one_of(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), st.just(nan)),
)


@settings(max_examples=60, deadline=None)
@given(x=_columns, lower=st.floats(0.0, 0.5), upper=st.floats(0.5, 1.0))
def test_winsorised_values_lie_within_the_column_range(x, lower, upper):
    got = winsorise(x, lower=lower, upper=upper)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(x))
    for j in range(x.shape[1]):
        present = x[~np.isnan(x[:, j]), j]
        if present.size:
            kept = got[~np.isnan(x[:, j]), j]
            assert kept.min() >= present.min()
            assert kept.max() <= present.max()
            # Clipping keeps the order of the areas.
            order = np.argsort(present, kind="stable")
            assert np.all(np.diff(kept[order]) >= 0)


# --- the step registry (deo.assess.steps), exercised with its first user ------------


def test_transforms_are_registered_with_their_parameters():
    assert TRANSFORMS.names() == ("log", "winsorise")
    step = TRANSFORMS.get("winsorise")
    assert isinstance(step, Step)
    assert step.fn is winsorise
    assert step.params == ("lower", "upper")
    assert TRANSFORMS.get("log").params == ("offset",)
    assert step.doc.startswith("Clip each component")


def test_unknown_transform_is_a_user_error_listing_the_known_ones():
    with pytest.raises(DeoError) as raised:
        TRANSFORMS.get("sqrt")
    assert str(raised.value) == "unknown transformation 'sqrt'; known: log, winsorise"


def test_step_registry_register_returns_the_function_and_step_calls_it():
    registry = StepRegistry("widget")

    @registry.register("double", params=("factor",))
    def double(x, *, factor=2):
        """Multiply.

        More text that is not the summary.
        """
        return x * factor

    assert double(3) == 6
    step = registry.get("double")
    assert step(3, factor=3) == 9
    assert step.doc == "Multiply."
    assert "double" in registry
    assert len(registry) == 1
    assert [s.name for s in registry] == ["double"]
    with pytest.raises(DeoError, match=r"unknown widget 'triple'; known: double"):
        registry.get("triple")


def test_step_registry_refuses_duplicates_and_drifting_parameter_lists():
    registry = StepRegistry("widget")

    @registry.register("one")
    def one(x):
        return x

    with pytest.raises(ValueError, match="registered twice"):
        registry.register("one")(one)
    with pytest.raises(TypeError, match="do not match"):

        @registry.register("two", params=("alpha",))
        def two(x, *, beta=1):
            return x


def test_step_is_frozen():
    step = TRANSFORMS.get("log")
    with pytest.raises(AttributeError):
        step.name = "other"  # type: ignore[misc]
