"""Imputation kernels (deo.assess.impute): panel (along years) and cross-section (by group)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from deo.assess.impute import (
    IMPUTERS,
    cagr,
    carry_forward,
    group_mean,
    group_median,
    is_panel,
    none,
)
from deo.core import DeoError

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

nan = np.nan


def panel(rows: dict[str, dict[int, float]]) -> pd.DataFrame:
    """Areas x years; the columns are deliberately not in order."""
    frame = pd.DataFrame(rows).T
    return frame[sorted(frame.columns, reverse=True)]


# --- carry_forward -------------------------------------------------------------------


PANEL = panel(
    {
        "KEN": {2014: 1.0, 2015: 2.0, 2016: nan, 2017: nan, 2018: 9.0},
        "RWA": {2014: 4.0, 2015: nan, 2016: nan, 2017: nan, 2018: nan},
        "UGA": {2014: nan, 2015: nan, 2016: nan, 2017: 7.0, 2018: nan},
        "TZA": {2014: nan, 2015: nan, 2016: nan, 2017: nan, 2018: nan},
    }
)


def test_carry_forward_takes_the_latest_value_within_the_window():
    values, used = carry_forward(PANEL, year=2017, window=2)
    # KEN: 2017, 2016 missing -> 2015 (the 2018 value is after the year and never used).
    # RWA: 2014 is 3 years back, outside the window. UGA: the year itself.
    pd.testing.assert_series_equal(
        values, pd.Series([2.0, nan, 7.0, nan], index=PANEL.index, dtype=float)
    )
    assert used.tolist() == [2015, None, 2017, None]
    assert used.dtype == object
    assert all(isinstance(y, int) for y in used.dropna())


def test_carry_forward_window_bound_is_inclusive():
    values, used = carry_forward(PANEL, year=2017, window=3)
    assert values["RWA"] == 4.0
    assert used["RWA"] == 2014


def test_carry_forward_window_zero_reads_only_the_year():
    values, used = carry_forward(PANEL, year=2018, window=0)
    assert values.tolist()[0] == 9.0
    assert np.isnan(values.tolist()[1:]).all()
    assert used.tolist() == [2018, None, None, None]


def test_carry_forward_year_outside_the_panel():
    values, used = carry_forward(PANEL, year=2010, window=2)
    assert values.isna().all()
    assert used.isna().all()
    values, used = carry_forward(PANEL, year=2020, window=2)
    assert values.tolist()[0] == 9.0
    assert used.tolist() == [2018, None, None, None]


def test_carry_forward_accepts_year_labels_as_strings_and_rejects_others():
    as_text = PANEL.rename(columns=str)
    values, _ = carry_forward(as_text, year=2017, window=2)
    assert values["KEN"] == 2.0
    with pytest.raises(DeoError, match="one column per year"):
        carry_forward(PANEL.rename(columns={2014: "value"}), year=2017, window=2)


def test_carry_forward_rejects_a_negative_window():
    with pytest.raises(DeoError, match="window"):
        carry_forward(PANEL, year=2017, window=-1)


def test_carry_forward_on_a_panel_without_years():
    values, used = carry_forward(PANEL[[]], year=2017, window=2)
    assert values.isna().all()
    assert used.isna().all()
    assert list(values.index) == list(PANEL.index)


# --- cagr ----------------------------------------------------------------------------


def test_cagr_interpolates_at_constant_growth():
    data = panel({"KEN": {2014: 100.0, 2017: 800.0}})
    values, used = cagr(data, year=2015)
    # Doubling every year: 100 -> 200 -> 400 -> 800.
    assert values["KEN"] == pytest.approx(200.0, rel=1e-12)
    assert used["KEN"] == "2014-2017 CAGR"


def test_cagr_uses_the_nearest_rounds_either_side():
    data = panel({"KEN": {2010: 1.0, 2013: 10.0, 2014: nan, 2016: 40.0, 2019: 1000.0}})
    values, used = cagr(data, year=2015)
    assert values["KEN"] == pytest.approx(10.0 * 4.0 ** (2 / 3), rel=1e-12)
    assert used["KEN"] == "2013-2016 CAGR"


def test_cagr_falls_back_to_a_straight_line_through_zero_or_negatives():
    data = panel(
        {
            "zero": {2014: 0.0, 2018: 8.0},
            "negative": {2014: -4.0, 2018: 4.0},
        }
    )
    values, used = cagr(data, year=2015)
    assert values["zero"] == pytest.approx(2.0)
    assert values["negative"] == pytest.approx(-2.0)
    assert used.tolist() == ["2014-2018 linear", "2014-2018 linear"]


def test_cagr_returns_the_observed_value_when_the_year_is_present():
    data = panel({"KEN": {2014: 100.0, 2015: 3.0, 2017: 800.0}})
    values, used = cagr(data, year=2015)
    assert values["KEN"] == 3.0
    assert used["KEN"] == 2015
    assert isinstance(used["KEN"], int)


def test_cagr_does_not_extrapolate():
    data = panel(
        {
            "only_before": {2013: 1.0, 2014: 2.0, 2016: nan},
            "only_after": {2013: nan, 2014: nan, 2016: 5.0},
            "nothing": {2013: nan, 2014: nan, 2016: nan},
            "both": {2013: nan, 2014: 2.0, 2016: 8.0},
        }
    )
    values, used = cagr(data, year=2015)
    assert np.isnan(values[["only_before", "only_after", "nothing"]]).all()
    assert used[["only_before", "only_after", "nothing"]].isna().all()
    assert values["both"] == pytest.approx(4.0)
    assert used["both"] == "2014-2016 CAGR"


def test_cagr_matches_the_growth_formula_for_many_areas():
    rng = np.random.default_rng(2)
    a, b = rng.uniform(1, 100, size=50), rng.uniform(1, 100, size=50)
    data = pd.DataFrame({2012: a, 2019: b}, index=[f"A{i}" for i in range(50)])
    values, _ = cagr(data, year=2016)
    rate = (b / a) ** (1 / 7) - 1
    np.testing.assert_allclose(values.to_numpy(), a * (1 + rate) ** 4, rtol=1e-12)


def test_cagr_on_a_panel_without_years():
    values, used = cagr(PANEL[[]], year=2017)
    assert values.isna().all() and used.isna().all()


# --- cross-section imputers ----------------------------------------------------------


VALUES = pd.Series(
    {
        "KEN": 10.0,
        "UGA": nan,
        "TZA": 20.0,
        "RWA": 60.0,
        "FRA": nan,
        "DEU": nan,
        "XXX": nan,
        "YYY": 5.0,  # also without a group: areas without one do not form a group together
    }
)
GROUPS = pd.Series(
    {"DEU": "EU", "FRA": "EU", "KEN": "EAC", "RWA": "EAC", "TZA": "EAC", "UGA": "EAC", "ZZZ": "EAC"}
)


def test_group_mean_fills_from_the_same_group():
    got = group_mean(VALUES, groups=GROUPS)
    assert got["UGA"] == pytest.approx(30.0)  # mean of 10, 20, 60
    # Observed values are untouched; a group without data and an area without group stay NaN.
    assert got[["KEN", "TZA", "RWA", "YYY"]].tolist() == [10.0, 20.0, 60.0, 5.0]
    assert got[["FRA", "DEU", "XXX"]].isna().all()
    assert list(got.index) == list(VALUES.index)
    assert VALUES.isna().sum() == 4  # the input is not modified


def test_group_median_fills_from_the_same_group():
    got = group_median(VALUES, groups=GROUPS)
    assert got["UGA"] == 20.0
    assert got[["FRA", "DEU", "XXX"]].isna().all()


def test_group_fill_matches_pandas_per_group():
    rng = np.random.default_rng(8)
    areas = [f"A{i:02d}" for i in range(40)]
    values = pd.Series(rng.normal(size=40), index=areas)
    values.iloc[rng.choice(40, size=12, replace=False)] = nan
    groups = pd.Series(rng.choice(["x", "y", "z"], size=40), index=areas)
    for kernel, how in ((group_mean, "mean"), (group_median, "median")):
        got = kernel(values, groups=groups)
        for area in areas:
            if np.isnan(values[area]):
                peers = values[groups == groups[area]].dropna()
                expected = getattr(peers, how)()
                assert got[area] == pytest.approx(expected, rel=1e-12)
            else:
                assert got[area] == values[area]


def test_group_fill_needs_one_group_per_area():
    groups = pd.Series(["EAC", "AU"], index=["KEN", "KEN"])
    with pytest.raises(DeoError, match="one group"):
        group_mean(VALUES, groups=groups)


def test_none_imputes_nothing():
    got = none(VALUES, groups=GROUPS)
    pd.testing.assert_series_equal(got, VALUES)


# --- the registry --------------------------------------------------------------------


def test_imputers_registry_tells_panel_from_cross_section():
    assert IMPUTERS.names() == ("cagr", "carry_forward", "group_mean", "group_median", "none")
    panel_steps = {step.name for step in IMPUTERS if is_panel(step)}
    assert panel_steps == {"cagr", "carry_forward"}
    assert IMPUTERS.get("carry_forward").params == ("year", "window")
    for name in ("group_mean", "group_median", "none"):
        assert IMPUTERS.get(name).params == ("groups",)


def test_unknown_imputation_lists_the_known_ones():
    with pytest.raises(DeoError, match="unknown imputation 'hot_deck'; known: cagr, carry_"):
        IMPUTERS.get("hot_deck")


def test_panel_kernels_keep_float_values():
    values, _ = carry_forward(panel({"KEN": {2014: 1, 2015: 2}}), year=2015, window=1)
    assert values.dtype == np.float64
    assert math.isclose(values["KEN"], 2.0)
