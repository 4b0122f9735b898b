"""The portal's first page and health check, over a store built as `deo demo` builds it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.sources.demo import build_demo
from deo.store import Store


def test_home_page_lists_what_the_store_holds(tmp_path, monkeypatch):
    monkeypatch.setenv("DEO_REFERENCE_DATA", str(tmp_path / "absent"))
    monkeypatch.setenv("DEO_OFFLINE", "1")
    store = Store.open(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    report = build_demo(store)
    assert report.kind == "synthetic"
    client = TestClient(create_app(store))

    page = client.get("/")
    assert page.status_code == 200
    assert "Individuals using the Internet" in page.text
    assert "Synthetic demonstration data" in page.text
    observations = store.counts()["observations"]
    assert f"{observations} current observations" in page.text

    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["observations"] == observations > 0


def test_empty_store_page_says_how_to_fill_it(tmp_path):
    client = TestClient(create_app(Store.open(f"sqlite:///{tmp_path / 'empty.sqlite'}")))
    page = client.get("/")
    assert page.status_code == 200
    assert "deo load FILE" in page.text and "Synthetic" not in page.text
