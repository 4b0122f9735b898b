"""The index engine end to end on small hand-made panels, and recipe checks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deo.assess.engine import compute, round_half_up
from deo.assess.recipe import load_recipe
from deo.assess.sensitivity import analyse, monte_carlo_ranks
from deo.core import DeoError

HEAD = """
[index]
id = "test-index"
version = "0.1"
indicator = "UNCTAD.B2C.SERVERS.SCORE"
name = "Test index"
source = "tests"
"""


def recipe_file(tmp_path: Path, body: str, head: str = HEAD) -> Path:
    path = tmp_path / "recipe.toml"
    path.write_text(textwrap.dedent(head) + textwrap.dedent(body))
    return path


def panel(values: dict[str, dict[int, float]]) -> pd.DataFrame:
    return pd.DataFrame(values).T.rename_axis("area")


TWO = """
[[component]]
id = "internet"
indicator = "IT.NET.USER.ZS"
normalise = "minmax"

[[component]]
id = "broadband"
indicator = "IT.NET.BBND.P2"
normalise = "minmax"
"""

INTERNET = panel({"KEN": {2022: 30.0}, "UGA": {2022: 10.0}, "FRA": {2022: 90.0}})
# TZA has no Internet value: excluded, so its broadband value must not move the min-max.
BROADBAND = panel({"KEN": {2022: 1.0}, "UGA": {2022: 0.0}, "FRA": {2022: 40.0},
                   "TZA": {2022: 200.0}})


def test_minmax_equal_weights_by_hand(tmp_path, catalogue):
    recipe = load_recipe(str(recipe_file(tmp_path, TWO)), catalogue)
    result = compute(recipe, {"IT.NET.USER.ZS": INTERNET, "IT.NET.BBND.P2": BROADBAND}, 2022)
    # internet: KEN 25, UGA 0, FRA 100; broadband: KEN 2.5, UGA 0, FRA 100
    expected = {"FRA": 100.0, "KEN": (25.0 + 2.5) / 2, "UGA": 0.0}
    assert result.scores["value"].to_dict() == pytest.approx(expected)
    assert result.scores["rank"].to_dict() == {"FRA": 1, "KEN": 2, "UGA": 3}
    # TZA lacks one component: listed, never scored.
    assert result.excluded == {"TZA": "missing internet (IT.NET.USER.ZS)"}
    # Contributions add up to the index value.
    total = result.contributions.sum(axis=1)
    assert total.to_dict() == pytest.approx(result.scores["value"].to_dict())


def test_data_year_rule_takes_the_latest_within_the_window(tmp_path, catalogue):
    body = TWO.replace('indicator = "IT.NET.USER.ZS"',
                       'indicator = "IT.NET.USER.ZS"\nyear = { offset = -1, within = 2 }')
    recipe = load_recipe(str(recipe_file(tmp_path, body)), catalogue)
    internet = panel({"KEN": {2018: 20.0, 2020: 25.0}, "UGA": {2018: 5.0},
                      "FRA": {2021: 91.0, 2022: 99.0}})
    broadband = BROADBAND.drop(index="TZA").set_axis([2022], axis=1)
    result = compute(recipe, {"IT.NET.USER.ZS": internet, "IT.NET.BBND.P2": broadband}, 2022)
    assert result.years["internet"].to_dict() == {"FRA": 2021, "KEN": 2020, "UGA": None}
    assert result.raw.loc["FRA", "internet"] == 91.0  # 2022 is after the target year 2021
    assert "UGA" in result.excluded  # 2018 is outside 2019-2021


def test_group_mean_imputation_is_flagged(tmp_path, catalogue):
    impute = '\nimpute = { method = "group_mean", by = ["EAC"] }'
    body = TWO.replace('indicator = "IT.NET.USER.ZS"', 'indicator = "IT.NET.USER.ZS"' + impute)
    recipe = load_recipe(str(recipe_file(tmp_path, body)), catalogue)
    groups = {"internet": pd.Series({"KEN": "EAC", "UGA": "EAC", "TZA": "EAC"})}
    result = compute(recipe, {"IT.NET.USER.ZS": INTERNET, "IT.NET.BBND.P2": BROADBAND}, 2022,
                     groups)
    assert result.raw.loc["TZA", "internet"] == pytest.approx(20.0)  # mean of KEN and UGA
    assert result.imputed.loc["TZA", "internet"] and not result.imputed.loc["KEN", "internet"]
    assert "TZA" in result.scores.index and not result.excluded


def test_pillars_with_geometric_aggregation_by_hand(tmp_path, catalogue):
    body = """
    [[pillar]]
    id = "access"
    aggregate = "geometric"

    [[pillar]]
    id = "use"

    [[component]]
    id = "internet"
    indicator = "IT.NET.USER.ZS"
    normalise = "none"
    pillar = "access"

    [[component]]
    id = "mobile"
    indicator = "IT.CEL.SETS.P2"
    normalise = "none"
    pillar = "access"

    [[component]]
    id = "account"
    indicator = "FX.OWN.TOTL.ZS"
    normalise = "none"
    pillar = "use"
    """
    recipe = load_recipe(str(recipe_file(tmp_path, body)), catalogue)
    data = {
        "IT.NET.USER.ZS": panel({"KEN": {2022: 16.0}, "FRA": {2022: 81.0}}),
        "IT.CEL.SETS.P2": panel({"KEN": {2022: 64.0}, "FRA": {2022: 100.0}}),
        "FX.OWN.TOTL.ZS": panel({"KEN": {2022: 50.0}, "FRA": {2022: 90.0}}),
    }
    result = compute(recipe, data, 2022)
    assert result.pillars.loc["KEN", "access"] == pytest.approx(32.0)  # sqrt(16 * 64)
    assert result.pillars.loc["FRA", "access"] == pytest.approx(90.0)  # sqrt(81 * 100)
    assert result.scores.loc["KEN", "value"] == pytest.approx((32.0 + 50.0) / 2)
    assert result.contributions.sum(axis=1).to_dict() == pytest.approx(
        result.scores["value"].to_dict())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (TWO.replace("IT.NET.BBND.P2", "IT.NET.BBND.P3"), "unknown indicator 'IT.NET.BBND.P3'"),
        (TWO.replace('normalise = "minmax"', 'normalise = "maxmin"', 1),
         "unknown normalisation 'maxmin'"),
        (TWO.replace('normalise = "minmax"', 'normalise = "goalposts"', 1),
         "goalposts needs low, high"),
        (TWO.replace('normalise = "minmax"', 'normalise = "minmax"\nweight = 0.7', 1),
         "give a weight to all components or to none"),
        (TWO.replace('normalise = "minmax"', 'normalise = "minmax"\nweight = 0.7', 1
                     ).replace('id = "broadband"', 'id = "broadband"\nweight = 0.2'),
         "the weights of the components sum to 0.9, not 1"),
        (TWO.replace('normalise = "minmax"', 'normalise = "minmax"\ndirection = "up"', 1),
         "direction 'up': expected positive or negative"),
        ("", "missing field 'component'"),
        (TWO.replace('normalise = "minmax"', 'normalise = "minmax"\nweigth = 0.5', 1),
         "unknown field 'weigth'"),
        (TWO.replace('normalise = "minmax"', 'normalise = { method = "minmax", by = ["LDC"] }', 1),
         "minmax takes no parameter by"),
        (TWO.replace('normalise = "minmax"', 'normalise = "minmax"\nimpute = "group_mean"', 1),
         "group_mean needs by"),
        (TWO.replace('normalise = "minmax"',
                     'normalise = "minmax"\ntransform = [{ method = "log", offset = "one" }]', 1),
         "offset = 'one' is not a number"),
        (TWO + "[alternatives]\nweight_perturbation = 1.5\n",
         "weight_perturbation = 1.5: expected a share"),
    ],
)
def test_bad_recipes_get_clear_errors(tmp_path, catalogue, body, message):
    with pytest.raises(DeoError, match=message) as caught:
        load_recipe(str(recipe_file(tmp_path, body)), catalogue)
    assert "recipe.toml" in str(caught.value)


def test_unknown_recipe_names_the_shipped_ones(catalogue):
    with pytest.raises(DeoError, match="shipped recipes: .*unctad-b2c-2020"):
        load_recipe("unctad-b2c-1999", catalogue)


def test_every_shipped_recipe_loads(catalogue):
    from deo.assess.recipe import recipe_paths

    for name in recipe_paths():
        recipe = load_recipe(name, catalogue)
        assert recipe.id == name and recipe.digest and recipe.components


def test_presentation_rounding_is_half_up():
    values = np.array([2.25, 2.35, 95.85, 0.05, 48.6022])
    assert round_half_up(values, 1).tolist() == [2.3, 2.4, 95.9, 0.1, 48.6]


def test_sensitivity_without_alternatives_reproduces_the_build(tmp_path, catalogue):
    recipe = load_recipe(str(recipe_file(tmp_path, TWO)), catalogue)
    result = compute(recipe, {"IT.NET.USER.ZS": INTERNET, "IT.NET.BBND.P2": BROADBAND}, 2022)
    ranks, _ = monte_carlo_ranks(result, runs=50)
    assert (ranks == result.scores["rank"].reindex(result.transformed.index).to_numpy()).all()
    found = analyse(result, runs=50)
    assert (found.ranks["p05"] == found.ranks["rank"]).all()
    assert (found.ranks["p95"] == found.ranks["rank"]).all()


def test_sensitivity_runs_are_rank_permutations_and_reproducible(tmp_path, catalogue):
    body = TWO + """
    [alternatives]
    normalise = ["zscore", "rank"]
    aggregate = ["geometric"]
    weight_perturbation = 0.5
    """
    recipe = load_recipe(str(recipe_file(tmp_path, body)), catalogue)
    many = panel({f"A{i:02d}": {2022: float(v)} for i, v in enumerate(range(5, 95, 7))})
    other = panel({f"A{i:02d}": {2022: float(v)} for i, v in enumerate(range(90, 0, -7))})
    result = compute(recipe, {"IT.NET.USER.ZS": many, "IT.NET.BBND.P2": other}, 2022)
    ranks, draws = monte_carlo_ranks(result, runs=200, seed=3)
    n = len(result.scores)
    assert ranks.shape == (200, n)
    assert np.isin(ranks, np.arange(1, n + 1)).all()
    again, _ = monte_carlo_ranks(result, runs=200, seed=3)
    assert (ranks == again).all()
    # zscore gives negatives: never paired with geometric aggregation.
    chosen = draws.choices()
    assert not ((chosen["normalise"] == "zscore") & (chosen["aggregate"] == "geometric")).any()
    assert chosen["aggregate"].nunique() == 2


def test_portal_tables(tmp_path, catalogue):
    from deo.assess.figures import contributions, ranking

    recipe = load_recipe(str(recipe_file(tmp_path, TWO)), catalogue)
    result = compute(recipe, {"IT.NET.USER.ZS": INTERNET, "IT.NET.BBND.P2": BROADBAND}, 2022)
    table = ranking(result, analyse(result, runs=20))
    assert table["area"].tolist() == ["FRA", "KEN", "UGA"]
    assert {"median", "p05", "p95"} <= set(table.columns)
    parts = contributions(result)
    assert len(parts) == 2 * 3
    by_area = parts.groupby("area")["points"].sum()
    assert by_area.to_dict() == pytest.approx(result.scores["value"].to_dict())
    ken = parts[parts["area"] == "KEN"].set_index("component")
    assert ken.loc["internet", "points"] == pytest.approx(25.0 / 2)
    assert ken["share"].sum() == pytest.approx(1.0)


def test_sensitivity_varies_the_imputation(tmp_path, catalogue):
    impute = '\nimpute = { method = "group_mean", by = ["EAC"] }'
    body = TWO.replace('indicator = "IT.NET.USER.ZS"', 'indicator = "IT.NET.USER.ZS"' + impute)
    body += '\n[alternatives]\nimpute = ["none"]\n'
    recipe = load_recipe(str(recipe_file(tmp_path, body)), catalogue)
    panels = {"IT.NET.USER.ZS": INTERNET, "IT.NET.BBND.P2": BROADBAND}
    groups = {"internet": pd.Series({"KEN": "EAC", "UGA": "EAC", "TZA": "EAC"})}
    result = compute(recipe, panels, 2022, groups)
    assert "TZA" in result.scores.index  # scored thanks to the group mean
    ranks, draws = monte_carlo_ranks(result, runs=100, seed=2, panels=panels)
    chosen = draws.choices()
    tza = list(result.transformed.index).index("TZA")
    without = (chosen["impute"] == "none").to_numpy()
    assert without.any() and (~without).any()
    assert np.isnan(ranks[without, tza]).all()  # not imputed: no rank in those runs
    assert not np.isnan(ranks[~without, tza]).any()


def test_an_index_indicator_belongs_to_its_recipe(tmp_path, catalogue):
    head = HEAD.replace("UNCTAD.B2C.SERVERS.SCORE", "UNCTAD.B2C.INDEX")
    with pytest.raises(DeoError, match="computed by the recipe unctad-b2c-2020"):
        load_recipe(str(recipe_file(tmp_path, TWO, head)), catalogue)


def test_geometric_aggregation_of_zscores_is_refused(tmp_path, catalogue):
    body = TWO.replace('"minmax"', '"zscore"')
    head = HEAD + 'aggregate = "geometric"\n'
    recipe = load_recipe(str(recipe_file(tmp_path, body, head)), catalogue)
    with pytest.raises(DeoError, match="geometric aggregation needs values of at least 0"):
        compute(recipe, {"IT.NET.USER.ZS": INTERNET, "IT.NET.BBND.P2": BROADBAND}, 2022)


def test_exclusion_says_which_step_lost_a_value(tmp_path, catalogue):
    body = TWO.replace('indicator = "IT.NET.BBND.P2"',
                       'indicator = "IT.NET.BBND.P2"\ntransform = ["log"]')
    recipe = load_recipe(str(recipe_file(tmp_path, body)), catalogue)
    result = compute(recipe, {"IT.NET.USER.ZS": INTERNET, "IT.NET.BBND.P2": BROADBAND}, 2022)
    assert result.excluded["UGA"] == "broadband: log gives no value for 0"
    assert result.excluded["TZA"] == "missing internet (IT.NET.USER.ZS)"


def test_effective_weights_follow_pillars(tmp_path, catalogue):
    from deo.assess.engine import effective_weights

    body = """
    [[pillar]]
    id = "a"
    weight = 0.5
    [[pillar]]
    id = "b"
    weight = 0.5
    [[component]]
    id = "x"
    indicator = "IT.NET.USER.ZS"
    pillar = "a"
    [[component]]
    id = "y"
    indicator = "IT.NET.BBND.P2"
    pillar = "a"
    [[component]]
    id = "z"
    indicator = "IT.CEL.SETS.P2"
    pillar = "b"
    """
    recipe = load_recipe(str(recipe_file(tmp_path, body)), catalogue)
    assert effective_weights(recipe).tolist() == pytest.approx([0.25, 0.25, 0.5])


def test_an_area_lost_in_normalisation_leaves_the_sample(tmp_path, catalogue):
    body = TWO.replace('indicator = "IT.NET.BBND.P2"\nnormalise = "minmax"',
                       'indicator = "IT.NET.BBND.P2"\ndirection = "negative"\n'
                       'normalise = "frontier"')
    recipe = load_recipe(str(recipe_file(tmp_path, body)), catalogue)
    result = compute(recipe, {"IT.NET.USER.ZS": INTERNET, "IT.NET.BBND.P2": BROADBAND}, 2022)
    assert result.excluded["UGA"] == "broadband: frontier gives no value for 0"
    # Without UGA (internet 10), KEN (30) is the internet minimum: min-max gives it 0.
    assert result.normalised.loc["KEN", "internet"] == 0.0
    assert result.normalised.loc["FRA", "internet"] == 100.0


def test_negative_decimals_and_windows_are_refused(tmp_path, catalogue):
    with pytest.raises(DeoError, match="decimals = -1: expected 0 or more"):
        load_recipe(str(recipe_file(tmp_path, TWO, HEAD + "decimals = -1\n")), catalogue)
    body = TWO.replace('normalise = "minmax"',
                       'normalise = "minmax"\nimpute = { method = "carry_forward", window = -2 }',
                       1)
    with pytest.raises(DeoError, match="window = -2"):
        load_recipe(str(recipe_file(tmp_path, body)), catalogue)
