"""Code lists: ids and aliases resolve, case-insensitively, to the canonical id."""

from __future__ import annotations

import pytest

from deo.core import Code, Codelist

SEX = Codelist(
    id="SEX",
    name={"en": "Sex", "fr": "Sexe"},
    codes={
        "_T": Code("_T", {"en": "Total"}, aliases=("T", "total", "both")),
        "F": Code("F", {"en": "Female", "fr": "Femmes"}, aliases=("female", "Women", "2")),
        "M": Code("M", {"en": "Male", "fr": "Hommes"}, aliases=("male", "men", "1")),
    },
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("F", "F"),
        ("f", "F"),
        ("female", "F"),
        ("FEMALE", "F"),
        ("Female", "F"),
        (" female ", "F"),
        ("WOMEN", "F"),  # the alias is written "Women" in the list
        ("women", "F"),
        ("2", "F"),
        ("m", "M"),
        ("Men", "M"),
        ("Total", "_T"),
        ("_t", "_T"),
    ],
)
def test_resolve_ids_and_aliases_case_insensitively(text, expected):
    assert SEX.resolve(text) == expected


def test_resolve_accepts_non_text_cells():
    # A numeric cell read from a spreadsheet (1 for male) resolves like its text.
    assert SEX.resolve(1) == "M"


@pytest.mark.parametrize("text", ["X", "", "fem", "females", "3", "F;M"])
def test_unknown_spellings_resolve_to_none(text):
    assert SEX.resolve(text) is None


def test_german_sharp_s_and_other_casefold_only_matches():
    # casefold, not lower: "STRASSE" and "straße" are the same word.
    cl = Codelist("URB", {"en": "x"}, {"S": Code("S", {"en": "Street"}, aliases=("straße",))})
    assert cl.resolve("STRASSE") == "S"


def test_expected_lists_the_ids_and_shortens_long_lists():
    assert SEX.expected() == "a SEX code (_T, F, M)"
    short = SEX.expected(limit=2)
    assert short == "a SEX code (_T, F, ...)"


def test_code_label_falls_back_to_english():
    female = SEX.codes["F"]
    assert female.label("fr") == "Femmes"
    assert female.label("zh") == "Female"
    assert female.label() == "Female"
