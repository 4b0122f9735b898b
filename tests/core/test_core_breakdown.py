"""Breakdown keys: canonical ordering, totals dropped, parsing and its round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deo.core import DIMENSIONS, TOTAL, breakdown_key, parse_breakdown_key


def test_no_breakdown_is_the_empty_key():
    assert breakdown_key(None) == ""
    assert breakdown_key({}) == ""


def test_dimensions_are_listed_alphabetically_whatever_the_input_order():
    assert breakdown_key({"SIZE_CLASS": "10-49", "SEX": "F"}) == "SEX=F;SIZE_CLASS=10-49"
    assert breakdown_key({"SEX": "F", "SIZE_CLASS": "10-49"}) == "SEX=F;SIZE_CLASS=10-49"
    assert (
        breakdown_key({"URBANISATION": "U", "AGE": "Y15T24", "SEX": "M"})
        == "AGE=Y15T24;SEX=M;URBANISATION=U"
    )


@pytest.mark.parametrize("total", [TOTAL, "", None])
def test_totals_and_empty_codes_are_not_written(total):
    assert breakdown_key({"SEX": total}) == ""
    assert breakdown_key({"SEX": total, "AGE": "Y15T24"}) == "AGE=Y15T24"
    assert breakdown_key({"AGE": "Y15T24", "SEX": total, "URBANISATION": "R"}) == (
        "AGE=Y15T24;URBANISATION=R"
    )


def test_parse_a_key():
    assert parse_breakdown_key("SEX=F;SIZE_CLASS=10-49") == {"SEX": "F", "SIZE_CLASS": "10-49"}
    assert parse_breakdown_key("SERVICE=SI") == {"SERVICE": "SI"}


@pytest.mark.parametrize("key", [None, ""])
def test_parse_the_empty_key(key):
    assert parse_breakdown_key(key) == {}


def test_parse_tolerates_case_and_spaces_in_what_users_type():
    assert parse_breakdown_key(" sex = F ; size_class=10-49") == {"SEX": "F", "SIZE_CLASS": "10-49"}


@pytest.mark.parametrize(
    ("key", "bad_part"),
    [
        ("SEX", "SEX"),
        ("SEX=", "SEX="),
        ("=F", "=F"),
        ("SEX=F;", ""),
        (";SEX=F", ""),
        ("SEX=F;;AGE=Y15T24", ""),
    ],
)
def test_malformed_keys_raise_value_error_naming_the_part(key, bad_part):
    with pytest.raises(ValueError) as info:
        parse_breakdown_key(key)
    assert repr(bad_part) in str(info.value)
    assert "DIMENSION=CODE" in str(info.value)


def test_a_dimension_given_twice_is_an_error():
    with pytest.raises(ValueError, match="SEX"):
        parse_breakdown_key("SEX=F;SEX=M")
    with pytest.raises(ValueError, match="SEX"):
        parse_breakdown_key("SEX=F;sex=M")


# -- properties --------------------------------------------------------------------------

#: Codes as catalogue code lists write them: no separators, no surrounding spaces.
codes = st.text(
    alphabet=st.characters(
        categories=("Lu", "Ll", "Nd"), include_characters="-_+.", max_codepoint=0x7F
    ),
    min_size=1,
    max_size=12,
)
breakdowns = st.dictionaries(
    st.sampled_from(sorted(DIMENSIONS)), st.one_of(codes, st.just(TOTAL)), max_size=len(DIMENSIONS)
)


@given(breakdowns)
def test_round_trip(breakdown):
    key = breakdown_key(breakdown)
    without_totals = {d: c for d, c in breakdown.items() if c != TOTAL}
    assert parse_breakdown_key(key) == without_totals
    assert breakdown_key(parse_breakdown_key(key)) == key


@given(breakdowns, st.randoms(use_true_random=False))
def test_key_does_not_depend_on_insertion_order(breakdown, rnd):
    items = list(breakdown.items())
    rnd.shuffle(items)
    assert breakdown_key(dict(items)) == breakdown_key(breakdown)


@given(breakdowns)
def test_key_lists_each_non_total_dimension_once_in_order(breakdown):
    key = breakdown_key(breakdown)
    parts = [part.split("=", 1) for part in key.split(";")] if key else []
    assert [dim for dim, _ in parts] == sorted(d for d, c in breakdown.items() if c != TOTAL)
    assert all(code != TOTAL for _, code in parts)
