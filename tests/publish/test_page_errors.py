"""Portal pages answer a person, not a program: a query value they cannot use gives a page
in the reader's language, and missing text in the releases list shows as nothing, not 'nan'."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.sources.load import load_files
from deo.store import Store


@pytest.fixture
def client(tmp_path) -> TestClient:
    store = Store.open(f"sqlite:///{tmp_path / 'pages.sqlite'}")
    for n, licence in ((1, "CC-BY-4.0"), (2, None)):  # an index build has no licence
        path = tmp_path / f"rows{n}.csv"
        path.write_text(f"indicator,area,period,value\nIT.NET.USER.ZS,KEN,2022,3{n}.5\n")
        load_files(store, [path], source=f"release {n}", licence=licence)
    return TestClient(create_app(store))


@pytest.mark.parametrize("path", ["/en/indices/unctad-b2c-2020?year=abc",
                                  "/fr/indices/unctad-b2c-2020?year=abc"])
def test_a_bad_query_value_gets_a_page_not_problem_json(client, path):
    answer = client.get(path)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "year" in answer.text and "<h1>" in answer.text
    # The API keeps its machine-readable problems.
    api = client.get("/api/v1/indices/unctad-b2c-2020/ranking", params={"year": "abc"})
    assert api.status_code == 422 and api.headers["content-type"] == "application/problem+json"


def test_releases_without_licence_or_file_show_nothing_not_nan(client):
    html = client.get("/en/releases").text
    assert "release 2" in html
    assert ">nan<" not in html and "nan</td>" not in html
