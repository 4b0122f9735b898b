"""The illustrative e-trade readiness recipe: seven pillars, geometric aggregation across
them, CAGR imputation between survey rounds and group-median imputation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deo.assess.engine import compute
from deo.assess.inputs import group_labels
from deo.assess.recipe import load_recipe

AREAS = ["KEN", "UGA", "TZA", "RWA", "FRA", "DEU"]
YEAR = 2016


def panels() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(5)

    def one(low: float, high: float, years=(2016,)) -> pd.DataFrame:
        return pd.DataFrame(rng.uniform(low, high, (len(AREAS), len(years))), index=AREAS,
                            columns=list(years))

    data = {
        "DEO.TRACK.MEASURES.DONE": one(10, 90),
        "IT.NET.BBND.P2": one(0.1, 40),
        "IT.CEL.SETS.P2": one(40, 130),
        "IT.NET.SECR.P6": one(1, 50000),
        "LP.LPI.OVRL.XQ": one(2, 4.2),
        "UNCTAD.B2C.POSTAL": one(5, 95),
        "FX.OWN.TOTL.ZS": pd.DataFrame({2014: [50.0, 40.0, 30.0, 40.0, 94.0, 98.0],
                                        2017: [80.0, 60.0, 45.0, 50.0, 94.0, 99.0]},
                                       index=AREAS),
        "UNCTAD.CYBERLAW.LAWS": one(1, 4).round(),
        "IT.NET.USER.ZS": one(10, 90),
        "FS.AST.PRVT.GD.ZS": one(10, 90),
    }
    data["IT.NET.USER.ZS"].loc["TZA"] = np.nan  # filled with its income group's median
    return data


@pytest.fixture(scope="module")
def result(catalogue):
    recipe = load_recipe("etrade-readiness-illustrative", catalogue)
    groups = {"internet": group_labels(catalogue, ["WB_HIC", "WB_UMC", "WB_LMC", "WB_LIC"])}
    return compute(recipe, panels(), YEAR, groups)


def test_every_area_is_scored_with_seven_pillars(result):
    assert sorted(result.scores.index) == sorted(AREAS) and not result.excluded
    assert list(result.pillars.columns) == [
        "strategy", "ict", "logistics", "payments", "legal", "skills", "financing"]


def test_index_is_the_geometric_mean_of_the_pillars(result):
    pillars = result.pillars.loc[result.scores.index].to_numpy()
    expected = np.exp(np.log(pillars).mean(axis=1))
    assert result.scores["value"].to_numpy() == pytest.approx(expected)
    contributions = result.contributions.sum(axis=1).reindex(result.scores.index)
    assert contributions.to_numpy() == pytest.approx(result.scores["value"].to_numpy())


def test_account_is_interpolated_between_findex_rounds(result):
    # KEN: 50 in 2014, 80 in 2017 -> 50 * (80/50) ** (2/3) in 2016
    assert result.raw.loc["KEN", "account"] == pytest.approx(50 * (80 / 50) ** (2 / 3))
    assert result.imputed["account"].all()
    assert "CAGR" in str(result.years.loc["KEN", "account"])


def test_a_missing_value_takes_its_income_groups_median(result, catalogue):
    tza_group = group_labels(catalogue, ["WB_HIC", "WB_UMC", "WB_LMC", "WB_LIC"])["TZA"]
    peers = [a for a in AREAS if a != "TZA" and
             group_labels(catalogue, ["WB_HIC", "WB_UMC", "WB_LMC", "WB_LIC"]).get(a)
             == tza_group]
    internet = panels()["IT.NET.USER.ZS"][YEAR]
    assert result.raw.loc["TZA", "internet"] == pytest.approx(internet[peers].median())
    assert result.imputed.loc["TZA", "internet"]
    assert not result.imputed.loc["KEN", "internet"]
