"""Index recipes, rankings with intervals and contributions through the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.sources.load import load_files
from deo.store import Store

COMPONENTS = {
    "INTERNET": "internet_users_pct_2019_or_latest",
    "ACCOUNT": "account_ownership_pct_15plus_2017",
    "SERVERS": "secure_servers_normalized_2019",
    "POSTAL": "upu_postal_reliability_2019_or_latest",
}
RECIPE = "unctad-b2c-2020-published"


@pytest.fixture
def client(tmp_path, reference_data) -> TestClient:
    store = Store.open(f"sqlite:///{tmp_path / 'b2c.sqlite'}")
    for name, column in COMPONENTS.items():
        load_files(store, [reference_data / "b2c_index_2020_published.csv"],
                   columns={"value": column},
                   constants={"indicator": f"UNCTAD.B2C.{name}", "period": "2020"})
    return TestClient(create_app(store))


def test_recipes_are_listed(client):
    recipes = {r["recipe"]: r for r in client.get("/api/v1/indices").json()["data"]}
    assert recipes["etrade-readiness-illustrative"]["illustrative"] is True
    assert [c["id"] for c in recipes[RECIPE]["components"]] == [
        "internet", "account", "servers", "postal"]


def test_ranking_with_intervals(client):
    body = client.get(f"/api/v1/indices/{RECIPE}/ranking",
                      params={"year": 2020, "intervals": True, "runs": 50}).json()
    assert body["count"] == 152 and body["excluded"] == []
    first = body["data"][0]
    assert first["area"] == "CHE" and first["rounded"] == 96.0 and first["rank"] == 1
    for row in body["data"]:
        assert row["p05"] <= row["median"] <= row["p95"]


def test_contributions_add_up_to_the_index(client):
    body = client.get(f"/api/v1/indices/{RECIPE}/contributions",
                      params={"year": 2020, "area": "KEN"}).json()
    assert {r["component"] for r in body["data"]} == {"internet", "account", "servers",
                                                      "postal"}
    ranking = client.get(f"/api/v1/indices/{RECIPE}/ranking", params={"year": 2020}).json()
    ken = next(r for r in ranking["data"] if r["area"] == "KEN")
    assert sum(r["points"] for r in body["data"]) == pytest.approx(ken["value"])


def test_unknown_recipe_is_404_and_bad_year_422(client):
    assert client.get("/api/v1/indices/nope/ranking", params={"year": 2020}).status_code == 404
    assert client.get(f"/api/v1/indices/{RECIPE}/ranking",
                      params={"year": 20}).status_code == 422


def test_a_recipe_is_a_shipped_id_never_a_server_file(client, tmp_path, monkeypatch):
    """Issue 13, item 21: over HTTP a recipe is found by its id only. A path would read any
    ``.toml`` under the server's working directory and echo its values in errors."""
    from deo.assess.recipe import recipe_paths

    monkeypatch.chdir(tmp_path)
    shipped = recipe_paths()[RECIPE].read_text()
    (tmp_path / "copy.toml").write_text(shipped)  # a valid recipe, but a file, not an id
    (tmp_path / "leak.toml").write_text('[index]\nindicator = "TOPSECRET-1234"\n')
    for name in ("copy.toml", "leak.toml", f"{RECIPE}.toml", "./leak.toml"):
        for endpoint in ("ranking", "contributions"):
            response = client.get(f"/api/v1/indices/{name}/{endpoint}",
                                  params={"year": 2020})
            assert response.status_code == 404, (name, endpoint, response.text)
            assert "TOPSECRET" not in response.text
    body = client.get("/api/v1/indices/leak.toml/ranking", params={"year": 2020}).json()
    assert body["detail"].startswith("unknown index recipe; the recipes are ")
    assert RECIPE in body["detail"]
