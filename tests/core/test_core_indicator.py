"""Indicator: the valid range (inclusive, open ends) and multilingual texts."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deo.core import Indicator


def _indicator(valid_min=None, valid_max=None) -> Indicator:
    return Indicator(
        code="IT.NET.USER.ZS",
        name={"en": "Individuals using the Internet", "fr": "Personnes utilisant Internet"},
        unit="PT",
        unit_label={"en": "percent of population"},
        definition={"en": "Share of individuals who used the Internet in the last 3 months."},
        source="ITU",
        owner="World Bank",
        topic="ict-access",
        valid_min=valid_min,
        valid_max=valid_max,
    )


PERCENT = _indicator(0, 100)


@pytest.mark.parametrize("value", [0, 0.0, 45.5, 100, 100.0])
def test_values_inside_and_on_the_bounds_are_in_range(value):
    assert PERCENT.in_range(value)


@pytest.mark.parametrize("value", [-0.001, -1, 100.0001, 140, math.inf, -math.inf])
def test_values_outside_are_not(value):
    assert not PERCENT.in_range(value)


def test_open_ends():
    non_negative = _indicator(valid_min=0)
    assert non_negative.in_range(1e15)
    assert not non_negative.in_range(-1e-9)
    at_most = _indicator(valid_max=10)
    assert at_most.in_range(-1e15)
    assert not at_most.in_range(10.5)
    unbounded = _indicator()
    assert unbounded.in_range(-1e300) and unbounded.in_range(1e300)


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(-1e7, 1e7, allow_nan=False),
)
def test_in_range_is_lo_le_value_le_hi(a, b, value):
    lo, hi = sorted((a, b))
    assert _indicator(lo, hi).in_range(value) == (lo <= value <= hi)


def test_range_text_names_bounds_and_unit():
    assert PERCENT.range_text() == "a value between 0 and 100 (percent of population)"
    assert _indicator(valid_min=0).range_text() == (
        "a value between 0 and +inf (percent of population)"
    )


def test_labels_fall_back_to_english():
    assert PERCENT.label("fr") == "Personnes utilisant Internet"
    assert PERCENT.label("es") == "Individuals using the Internet"
    assert PERCENT.text("definition", "zh").startswith("Share of individuals")
    assert PERCENT.text("numerator", "fr") == ""  # no text in any language
