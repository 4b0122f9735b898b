"""Issue 13, item 6: a pillar's explicit component weights are used as given, even when
another pillar (here one with a single component) gives none."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deo.assess.engine import compute, effective_weights
from deo.assess.figures import contributions
from deo.assess.recipe import load_recipe
from deo.assess.sensitivity import analyse, remove_one

HEAD = """
[index]
id = "test-index"
version = "0.1"
indicator = "UNCTAD.B2C.SERVERS.SCORE"
name = "Test index"
source = "tests"
normalise = "none"
"""

# Pillar "a" weighs its two components 0.8 / 0.2; pillar "b" has one component and, as
# the docs allow, no weight. Pillars are equal.
MIXED = """
[[pillar]]
id = "a"
[[pillar]]
id = "b"
[[component]]
id = "x"
indicator = "IT.NET.USER.ZS"
pillar = "a"
weight = 0.8
[[component]]
id = "y"
indicator = "IT.NET.BBND.P2"
pillar = "a"
weight = 0.2
[[component]]
id = "z"
indicator = "IT.CEL.SETS.P2"
pillar = "b"
"""

PANELS = {
    "IT.NET.USER.ZS": pd.DataFrame({2022: {"KEN": 10.0, "FRA": 60.0}}).rename_axis("area"),
    "IT.NET.BBND.P2": pd.DataFrame({2022: {"KEN": 50.0, "FRA": 20.0}}).rename_axis("area"),
    "IT.CEL.SETS.P2": pd.DataFrame({2022: {"KEN": 30.0, "FRA": 40.0}}).rename_axis("area"),
}


@pytest.fixture
def recipe(tmp_path: Path, catalogue):
    path = tmp_path / "mixed.toml"
    path.write_text(textwrap.dedent(HEAD) + textwrap.dedent(MIXED))
    return load_recipe(str(path), catalogue)


def test_explicit_component_weights_are_kept_beside_an_unweighted_pillar(recipe):
    from deo.assess.engine import component_weights

    # What `explain` and the portal show: 0.8 and 0.2 of pillar a's half, all of b's half.
    assert effective_weights(recipe).tolist() == pytest.approx([0.4, 0.1, 0.5])
    assert component_weights(recipe).tolist() == pytest.approx([0.8, 0.2, 1.0])


def test_the_index_uses_the_weights_as_given(recipe):
    result = compute(recipe, PANELS, 2022)
    # By hand (normalise = none): KEN a = 0.8*10 + 0.2*50 = 18, b = 30 -> (18+30)/2 = 24;
    # FRA a = 0.8*60 + 0.2*20 = 52, b = 40 -> 46. Equal weights would give KEN 30, FRA 40.
    assert result.scores["value"].to_dict() == pytest.approx({"KEN": 24.0, "FRA": 46.0})
    assert result.pillars.loc["KEN"].tolist() == pytest.approx([18.0, 30.0])
    table = contributions(result).set_index(["area", "component"])
    assert table.loc[("KEN", "x"), "weight"] == pytest.approx(0.4)
    assert table.loc[("KEN", "x"), "points"] == pytest.approx(4.0)  # 0.8*10/18 of 9
    assert table.xs("KEN")["points"].sum() == pytest.approx(24.0)


def test_sensitivity_starts_from_the_weights_as_given(recipe):
    result = compute(recipe, PANELS, 2022)
    found = analyse(result, runs=20, seed=1)
    # No alternatives and no perturbation: every run is the build itself.
    assert found.ranks["median"].to_dict() == result.scores["rank"].to_dict()
    # Leaving out y: KEN a = 10, FRA a = 60 -> KEN 20, FRA 50: no rank changes.
    assert remove_one(result).loc["y", "max_rank_change"] == 0


def test_explain_shows_the_weights_used(recipe, tmp_path, capsys, monkeypatch):
    from deo.cli import main

    rows = [f"{code},{area},2022,{panel.at[area, 2022]}"
            for code, panel in PANELS.items() for area in panel.index]
    data = tmp_path / "inputs.csv"
    data.write_text("indicator,area,period,value\n" + "\n".join(rows) + "\n")
    assert main(["load", str(data)]) == 0
    capsys.readouterr()
    code = main(["index", "explain", str(recipe.path), "KEN", "--year", "2022"])
    out = capsys.readouterr().out
    assert code == 0 and "= 24.0" in out
    weights = {line.split("│")[1].strip(): float(line.split("│")[6])
               for line in out.splitlines() if line.count("│") > 6
               and line.split("│")[1].strip() in {"x", "y", "z"}}
    assert weights == pytest.approx({"x": 0.4, "y": 0.1, "z": 0.5})
    assert np.isclose(sum(weights.values()), 1.0)


def test_a_pillar_that_no_component_names_scores_nothing_and_crashes_nothing(tmp_path, catalogue):
    # The docs allow it: the pillar's score is empty, the others are renormalised. The first
    # fix of item 6 divided by the empty pillar's zero components here.
    path = tmp_path / "empty-pillar.toml"
    path.write_text(textwrap.dedent(HEAD) + textwrap.dedent("""
        [[pillar]]
        id = "a"
        [[pillar]]
        id = "b"
        [[component]]
        id = "x"
        indicator = "IT.NET.USER.ZS"
        pillar = "a"
        """))
    recipe = load_recipe(str(path), catalogue)
    assert effective_weights(recipe).tolist() == pytest.approx([1.0])
    result = compute(recipe, PANELS, 2022)
    assert result.scores["value"].to_dict() == pytest.approx({"KEN": 10.0, "FRA": 60.0})
    assert analyse(result, runs=10, seed=1).ranks["median"].to_dict() == {"KEN": 2, "FRA": 1}
