"""Every role against every write endpoint of the tracker (API and page forms): allowed,
or 403. Plus CSRF and session checks. The expected matrix is written out here, as the
specification, not derived from the code's own permission table."""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.store import Store
from deo.track import auth, plan, updates
from deo.track.access import SYSTEM

PASSWORD = "correct horse battery"
ROLES = ("public", "partner", "focal_own", "focal_other", "coordinator", "coordinator_other",
         "administrator")
A = "allowed"
F = "forbidden"
#: endpoint -> expected outcome per role, in ROLES order.
MATRIX = {
    # A coordinator of another organisation than the strategy's lead ("coordinator_other")
    # may add organisations and create strategies (led by their own organisation), and
    # comment; nothing else on this strategy.
    "api add organisation": (F, F, F, F, A, A, A),
    "api add user": (F, F, F, F, F, F, A),
    "api create strategy": (F, F, F, F, A, A, A),
    "api publish strategy": (F, F, F, F, A, F, A),
    "api add measure": (F, F, F, F, A, F, A),
    "api edit measure": (F, F, F, F, A, F, A),
    "api add target": (F, F, F, F, A, F, A),
    "api submit update": (F, F, A, F, A, F, A),
    "api review update": (F, F, F, F, A, F, A),
    "api comment": (F, A, A, A, A, A, A),
    "form submit update": (F, F, A, F, A, F, A),
    "form review update": (F, F, F, F, A, F, A),
    "form edit measure": (F, F, F, F, A, F, A),
    "form comment": (F, A, A, A, A, A, A),
}
_counter = itertools.count()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("access")
    store = Store.open(f"sqlite:///{folder / 'store.sqlite'}")
    engine = store.engine
    for code in ("MOT", "ICTA", "CBK", "DONOR"):
        plan.add_organisation(engine, SYSTEM, code, code, "agency")
    plan.create_strategy(engine, SYSTEM, "KEN", "Kenya", "KEN", 2024, 2028,
                         lead_organisation="MOT")
    measure_id = plan.add_measure(engine, SYSTEM, "KEN", plan.MeasureFields(
        "M1", "Broadband", "ICT", "ICTA"))
    users = {"partner": ("partner", "DONOR"), "focal_own": ("focal_point", "ICTA"),
             "focal_other": ("focal_point", "CBK"), "coordinator": ("coordinator", "MOT"),
             "coordinator_other": ("coordinator", "CBK"),
             "administrator": ("administrator", None)}
    clients = {}
    app = create_app(store)
    for name, (role, org) in users.items():
        auth.add_user(engine, SYSTEM, f"{name}@x.org", name, PASSWORD, role, org)
        client = TestClient(app)
        answer = client.post("/api/v1/track/session",
                             json={"email": f"{name}@x.org", "password": PASSWORD})
        assert answer.status_code == 200
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        client.csrf = answer.json()["csrf_token"]
        clients[name] = client
    public = TestClient(app)
    public.csrf = ""
    clients["public"] = public
    reporter = auth.session_actor(engine, auth.sign_in(engine, "focal_own@x.org", PASSWORD))[0]
    return store, clients, measure_id, reporter


def _new_update(world) -> int:
    store, _clients, measure_id, reporter = world
    return updates.submit_update(store.engine, reporter, measure_id, "in_progress", 10)


def call(world, endpoint: str, client: TestClient):
    store, _clients, measure_id, _reporter = world
    n = next(_counter)
    version = plan.measure(store.engine, measure_id)["version"]
    form = {"csrf": client.csrf}
    base = "/en/track/KEN/measures/M1"
    requests = {
        "api add organisation": ("post", "/api/v1/track/organisations",
                                 {"json": {"code": f"ORG{n}", "name": "New"}}),
        "api add user": ("post", "/api/v1/track/users", {"json": {
            "email": f"u{n}@x.org", "name": "U", "password": PASSWORD, "role": "partner"}}),
        "api create strategy": ("post", "/api/v1/track/strategies", {"json": {
            "code": f"S{n}", "title": "S", "area": "UGA", "start_year": 2025,
            "end_year": 2027}}),
        "api publish strategy": ("patch", "/api/v1/track/strategies/KEN",
                                 {"json": {"published": True}}),
        "api add measure": ("post", "/api/v1/track/strategies/KEN/measures", {"json": {
            "code": f"N{n}", "title": "New", "policy_area": "ICT", "lead_agency": "ICTA"}}),
        "api edit measure": ("patch", f"/api/v1/track/measures/{measure_id}", {"json": {
            "version": version, "changes": {"title": f"Edited {n}"}}}),
        "api add target": ("post", "/api/v1/track/strategies/KEN/targets", {"json": {
            "indicator": "IT.NET.USER.ZS", "area": "KEN", "baseline_value": 20,
            "baseline_year": 2020, "target_value": 40, "target_year": 2028}}),
        "api submit update": ("post", f"/api/v1/track/measures/{measure_id}/updates",
                              {"json": {"status": "in_progress", "percent": 20}}),
        "api review update": ("post", f"/api/v1/track/updates/{_new_update(world)}/review",
                              {"json": {"validate": True}}),
        "api comment": ("post", f"/api/v1/track/measures/{measure_id}/comments",
                        {"json": {"text": "A comment"}}),
        "form submit update": ("post", f"{base}/updates",
                               {"data": {**form, "status": "planned", "percent": "0"}}),
        "form review update": ("post", f"{base}/review/{_new_update(world)}",
                               {"data": {**form, "decision": "validate"}}),
        "form edit measure": ("post", f"{base}/edit", {"data": {
            **form, "version": str(version), "title": f"Form edit {n}",
            "priority": "high"}}),
        "form comment": ("post", f"{base}/comments", {"data": {**form, "text": "Hello"}}),
    }
    method, url, kwargs = requests[endpoint]
    return getattr(client, method)(url, follow_redirects=False, **kwargs)


@pytest.mark.parametrize(("endpoint", "role"), [
    (endpoint, role) for endpoint in MATRIX for role in ROLES])
def test_authorisation_matrix(world, endpoint, role):
    expected = MATRIX[endpoint][ROLES.index(role)]
    response = call(world, endpoint, world[1][role])
    if expected == A:
        assert response.status_code in (200, 201, 303), (response.status_code, response.text)
    else:
        assert response.status_code == 403, (response.status_code, response.text[:300])


def test_writes_without_the_csrf_token_are_refused(world):
    store, clients, measure_id, _ = world
    coordinator = clients["coordinator"]
    token = coordinator.headers.pop("X-CSRF-Token")
    try:
        bad = coordinator.post(f"/api/v1/track/measures/{measure_id}/comments",
                               json={"text": "x"})
        assert bad.status_code == 403 and "security token" in bad.json()["detail"]
        forged = coordinator.post(f"/api/v1/track/measures/{measure_id}/comments",
                                  json={"text": "x"}, headers={"X-CSRF-Token": "guess"})
        assert forged.status_code == 403
        form = coordinator.post("/en/track/KEN/measures/M1/comments",
                                data={"text": "x", "csrf": "guess"})
        assert form.status_code == 403
        # Another user's token does not work either.
        other = clients["partner"].csrf
        assert coordinator.post(f"/api/v1/track/measures/{measure_id}/comments",
                                json={"text": "x"},
                                headers={"X-CSRF-Token": other}).status_code == 403
    finally:
        coordinator.headers["X-CSRF-Token"] = token


def test_sign_in_form_needs_its_token_and_sets_a_safe_cookie(world):
    store, _clients, _m, _r = world
    app = create_app(store)
    browser = TestClient(app)
    page = browser.get("/en/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    refused = browser.post("/en/login", data={"email": "partner@x.org", "password": PASSWORD,
                                              "csrf": "wrong"})
    assert refused.status_code == 403
    ok = browser.post("/en/login", data={"email": "partner@x.org", "password": PASSWORD,
                                         "csrf": token, "next": "https://evil.example/"},
                      follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/en/track"  # no open redirect
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert browser.get("/api/v1/track/session").json()["email"] == "partner@x.org"
    csrf = browser.get("/api/v1/track/session").json()["csrf_token"]
    assert browser.post("/en/logout", data={"csrf": csrf}, follow_redirects=False
                        ).status_code == 303
    assert browser.get("/api/v1/track/session").json() == {"signed_in": False}


def test_stale_api_edit_is_409(world):
    store, clients, measure_id, _ = world
    coordinator = clients["coordinator"]
    version = plan.measure(store.engine, measure_id)["version"]
    first = coordinator.patch(f"/api/v1/track/measures/{measure_id}",
                              json={"version": version, "changes": {"title": "One"}})
    assert first.status_code == 200
    second = coordinator.patch(f"/api/v1/track/measures/{measure_id}",
                               json={"version": version, "changes": {"title": "Two"}})
    assert second.status_code == 409 and "nothing was saved" in second.json()["detail"]
    assert plan.measure(store.engine, measure_id)["title"] == "One"


def test_the_public_sees_published_strategies_only(world):
    store, clients, _m, _r = world
    plan.create_strategy(store.engine, SYSTEM, "DRAFT", "Draft", "RWA", 2025, 2026)
    public, partner = clients["public"], clients["partner"]
    assert public.get("/api/v1/track/strategies/DRAFT").status_code == 404
    assert public.get("/en/track/DRAFT").status_code == 404
    assert partner.get("/api/v1/track/strategies/DRAFT").status_code == 200
    codes = {s["code"] for s in public.get("/api/v1/track/strategies").json()["data"]}
    assert "DRAFT" not in codes
