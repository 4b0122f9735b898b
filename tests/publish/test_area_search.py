"""Finding an area as people type it: any case, with or without accents, in any language."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.store import Store


@pytest.fixture
def client(tmp_path) -> TestClient:
    return TestClient(create_app(Store.open(f"sqlite:///{tmp_path / 'pages.sqlite'}")))


@pytest.mark.parametrize(("typed", "code"), [("cote d'ivoire", "CIV"), ("CÔTE", "CIV"),
                                             ("Kenia", "KEN"), ("肯尼亚", "KEN"),
                                             ("kenya", "KEN")])
def test_the_areas_page_finds_a_country_however_it_is_typed(client, typed, code):
    html = client.get("/fr/areas", params={"q": typed}).text
    assert f'href="/fr/areas/{code}"' in html


def test_a_lower_case_code_leads_to_the_area(client):
    answer = client.get("/en/areas/ken", follow_redirects=False)
    assert answer.status_code == 308 and answer.headers["location"] == "/en/areas/KEN"
    assert client.get("/en/areas/ken").status_code == 200
    assert client.get("/en/areas/nowhere").status_code == 404
