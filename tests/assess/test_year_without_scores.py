"""Issue 13, item 7: a year in which no economy qualifies is a clear user error (CLI exit 1,
API problem, portal notice), never a crash on a zero-size array."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from deo.assess.engine import NoAreaScored, compute
from deo.assess.recipe import load_recipe
from deo.assess.sensitivity import analyse
from deo.cli import main
from deo.publish.app import create_app
from deo.sources.load import load_files
from deo.store import Store

COMPONENTS = {
    "INTERNET": "internet_users_pct_2019_or_latest",
    "ACCOUNT": "account_ownership_pct_15plus_2017",
    "SERVERS": "secure_servers_normalized_2019",
    "POSTAL": "upu_postal_reliability_2019_or_latest",
}
RECIPE = "unctad-b2c-2020-published"  # its inputs are the published 2020 components only


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def load_components(store: Store, reference_data) -> None:
    for name, column in COMPONENTS.items():
        load_files(store, [reference_data / "b2c_index_2020_published.csv"],
                   columns={"value": column},
                   constants={"indicator": f"UNCTAD.B2C.{name}", "period": "2020"})


def test_the_engine_says_no_economy_qualifies(tmp_path, catalogue):
    path = tmp_path / "two.toml"
    path.write_text(textwrap.dedent("""
        [index]
        id = "test-index"
        version = "0.1"
        indicator = "UNCTAD.B2C.SERVERS.SCORE"
        name = "Test index"
        source = "tests"
        [[component]]
        id = "internet"
        indicator = "IT.NET.USER.ZS"
        [[component]]
        id = "broadband"
        indicator = "IT.NET.BBND.P2"
    """))
    recipe = load_recipe(str(path), catalogue)
    panels = {"IT.NET.USER.ZS": pd.DataFrame({2022: {"KEN": 30.0}}).rename_axis("area"),
              "IT.NET.BBND.P2": pd.DataFrame({2021: {"KEN": 1.0}}).rename_axis("area")}
    with pytest.raises(NoAreaScored, match=r"no economy has a score for 2022 .*"
                                           r"KEN: missing broadband \(IT.NET.BBND.P2\)"):
        compute(recipe, panels, 2022)
    # A year with data still builds, and its sensitivity analysis runs.
    panels["IT.NET.BBND.P2"][2022] = 2.0
    assert analyse(compute(recipe, panels, 2022), runs=10).ranks.shape[0] == 1


@pytest.fixture
def components(reference_data, capsys):
    path = reference_data / "b2c_index_2020_published.csv"
    for name, column in COMPONENTS.items():
        code, _, _ = run(capsys, "load", str(path), "--column", f"value={column}",
                         "--set", f"indicator=UNCTAD.B2C.{name}", "--set", "period=2020")
        assert code == 0


@pytest.mark.parametrize("command", [
    ["index", "build", RECIPE, "--year", "2019"],
    ["index", "build", RECIPE, "--year", "2019", "--dry-run"],
    ["index", "explain", RECIPE, "KEN", "--year", "2019"],
    ["index", "sensitivity", RECIPE, "--year", "2019", "--runs", "20"],
])
def test_cli_exits_1_with_the_reason(components, capsys, command):
    code, _, err = run(capsys, *command)
    assert code == 1, err
    assert "no economy has a score for 2019" in err and "bug in deo" not in err
    assert "missing internet (UNCTAD.B2C.INTERNET)" in err


@pytest.fixture
def client(tmp_path, reference_data) -> TestClient:
    store = Store.open(f"sqlite:///{tmp_path / 'b2c.sqlite'}")
    load_components(store, reference_data)
    return TestClient(create_app(store), raise_server_exceptions=False)


@pytest.mark.parametrize("endpoint, params", [
    ("ranking", {"intervals": True}), ("ranking", {}), ("contributions", {"area": "KEN"})])
def test_api_answers_a_problem_not_a_500(client, endpoint, params):
    response = client.get(f"/api/v1/indices/{RECIPE}/{endpoint}",
                          params={"year": 2019, **params})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "no economy has a score for 2019" in response.json()["detail"]
    assert client.get(f"/api/v1/indices/{RECIPE}/ranking",
                      params={"year": 2020}).status_code == 200


def test_portal_page_shows_a_notice(client):
    response = client.get(f"/en/indices/{RECIPE}", params={"year": 2019})
    assert response.status_code == 200
    assert "no economy has a score for 2019" in response.text
