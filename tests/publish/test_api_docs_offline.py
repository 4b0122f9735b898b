"""The API docs page works offline: every script and stylesheet it loads is served by deo."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.store import Store


def test_the_docs_page_loads_swagger_ui_from_the_portal_itself(tmp_path):
    client = TestClient(create_app(Store.open(f"sqlite:///{tmp_path / 'docs.sqlite'}")))
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        # A CDN address (https://cdn.jsdelivr.net/...) leaves the page blank in an office offline.
        assert asset.startswith("/"), f"the docs page loads {asset} from elsewhere"
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset
    # The page points Swagger UI at our own OpenAPI document, which Swagger UI 5 renders (3.1).
    assert "/api/v1/openapi.json" in page.text
    assert client.get("/api/v1/openapi.json").json()["openapi"].startswith("3.")
