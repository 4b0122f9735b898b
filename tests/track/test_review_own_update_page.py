"""The measure page offers the Validate and Return buttons only on updates somebody else
reported (the server refuses a review of one's own; the page should not invite it)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.store import Store
from deo.track import auth, plan, updates
from deo.track.access import SYSTEM

PASSWORD = "correct horse battery"


def _browser(store: Store, email: str) -> TestClient:
    browser = TestClient(create_app(store))
    answer = browser.post("/api/v1/track/session", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return browser


def test_the_review_form_is_not_offered_on_ones_own_update(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")
    engine = store.engine
    for code in ("MOT", "ICTA"):
        plan.add_organisation(engine, SYSTEM, code, code, "agency")
    plan.create_strategy(engine, SYSTEM, "KEN", "Kenya", "KEN", 2024, 2028,
                         lead_organisation="MOT")
    measure_id = plan.add_measure(engine, SYSTEM, "KEN", plan.MeasureFields(
        "M1", "Broadband", "ICT", "ICTA"))
    for email in ("own@x.org", "own2@x.org"):
        auth.add_user(engine, SYSTEM, email, email, PASSWORD, "coordinator", "MOT")
    reporter = auth.session_actor(engine, auth.sign_in(engine, "own@x.org", PASSWORD))[0]
    updates.submit_update(engine, reporter, measure_id, "in_progress", 30)

    own = _browser(store, "own@x.org").get("/en/track/KEN/measures/M1").text
    assert 'value="validate"' not in own
    assert "You reported this update" in own
    colleague = _browser(store, "own2@x.org").get("/en/track/KEN/measures/M1").text
    assert 'value="validate"' in colleague and "You reported this update" not in colleague
    assert 'href="/en/account"' in colleague  # the signed-in line leads to the account page
    store.close()
