"""Item 22 of issue 13: every answer carries a Content-Security-Policy fitted to the
portal's assets (inline scripts only with the request's nonce; no framing), a
Referrer-Policy and X-Content-Type-Options, and HSTS behind HTTPS; the handlers'
internal parameters (status_code, error, message, problems) are not query parameters."""

from __future__ import annotations

import re

import pytest
from boundary_world import make_world
from fastapi.testclient import TestClient

from deo.store import Store


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("headers")
    return make_world(Store.open(f"sqlite:///{folder / 'store.sqlite'}"))


def policy(response) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in response.headers["content-security-policy"]
                         .split(";"))}


@pytest.mark.parametrize("path", ["/en/track", "/api/v1/track/strategies", "/api/health",
                                  "/en/track/NOPE"])
def test_every_answer_carries_the_security_headers(world, path):
    response = world.clients["public"].get(path)
    csp = policy(response)
    assert csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in response.headers  # plain HTTP: no HSTS


def test_inline_chart_scripts_carry_the_nonce_of_their_answer(world):
    page = world.clients["coordinator"].get("/en/track/KEN")
    assert page.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", policy(page)["script-src"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", page.text)
    assert inline, "the strategy page draws its charts with inline scripts"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline)
    again = world.clients["coordinator"].get("/en/track/KEN")
    assert policy(again)["script-src"] != policy(page)["script-src"]  # a new nonce each time


def test_hsts_behind_https(world, monkeypatch):
    monkeypatch.setenv("DEO_SECURE_COOKIES", "1")
    response = world.clients["public"].get("/en/track")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")
    secure = TestClient(world.app, base_url="https://testserver")
    monkeypatch.delenv("DEO_SECURE_COOKIES")
    assert "strict-transport-security" in secure.get("/en/track").headers


def test_internal_parameters_are_not_query_parameters(world):
    schema = world.clients["public"].get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", [])}
            assert not names & {"status_code", "error", "message", "problems"}, (path, method)


@pytest.mark.parametrize("path", ["/en/track/KEN/measures/M1", "/en/track/KEN/import",
                                  "/en/track/KEN", "/en/login"])
def test_a_link_cannot_make_a_page_say_something(world, path):
    # Before: ?error=...&status_code=500 put any text on the site's own page, with any status.
    query = {"error": "Your account is suspended: call +1 555", "message": "Pay here",
             "status_code": "500", "problems": "Hacked by us"}
    response = world.clients["coordinator"].get(path, params=query)
    assert response.status_code in (200, 422)
    # (The language links repeat the query, URL-encoded: not as text on the page.)
    for text in ("account is suspended", "Pay here", "Hacked by us"):
        assert text not in response.text
