"""Changing a person's role without naming an organisation keeps theirs (it was silently
cleared), and naming one sets it."""

from __future__ import annotations

import pytest

from deo.core import DeoError
from deo.store import Store
from deo.track import auth, plan
from deo.track.access import SYSTEM

PASSWORD = "correct horse battery"


def _row(engine, email: str) -> int | None:
    with engine.connect() as conn:
        return auth._user(conn, email)["organisation_id"]


def test_a_role_change_keeps_or_sets_the_organisation(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")
    engine = store.engine
    for code in ("MOT", "ICTA"):
        plan.add_organisation(engine, SYSTEM, code, code, "agency")
    auth.add_user(engine, SYSTEM, "jo@x.org", "Jo", PASSWORD, "focal_point", "ICTA")
    icta = _row(engine, "jo@x.org")
    auth.set_role(engine, SYSTEM, "jo@x.org", "coordinator")
    assert _row(engine, "jo@x.org") == icta  # before: cleared, or refused as "no organisation"
    auth.set_role(engine, SYSTEM, "jo@x.org", "coordinator", "MOT")
    assert _row(engine, "jo@x.org") != icta
    auth.add_user(engine, SYSTEM, "pat@x.org", "Pat", PASSWORD, "partner", None)
    with pytest.raises(DeoError, match="coordinator works for the organisation"):
        auth.set_role(engine, SYSTEM, "pat@x.org", "coordinator")
    store.close()


def test_a_misspelt_key_in_a_request_body_is_refused_not_ignored(tmp_path):
    from fastapi.testclient import TestClient

    from deo.publish.app import create_app

    store = Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")
    engine = store.engine
    plan.add_organisation(engine, SYSTEM, "ICTA", "ICTA", "agency")
    auth.add_user(engine, SYSTEM, "admin@x.org", "Admin", PASSWORD, "administrator", None)
    auth.add_user(engine, SYSTEM, "jo@x.org", "Jo", PASSWORD, "partner", None)
    browser = TestClient(create_app(store))
    answer = browser.post("/api/v1/track/session",
                          json={"email": "admin@x.org", "password": PASSWORD})
    browser.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    with engine.connect() as conn:
        jo = auth._user(conn, "jo@x.org")["id"]
    # "organization" for "organisation": before, dropped, and the role changed without it.
    changed = browser.patch(f"/api/v1/track/users/{jo}",
                            json={"role": "partner", "organization": "ICTA"})
    assert changed.status_code == 422 and "organization" in changed.text
    created = browser.post("/api/v1/track/organisations",
                           json={"code": "MOT", "name": "Trade", "kind": "ministry",
                                 "areas": "KEN"})
    assert created.status_code == 422 and "areas" in created.text
    store.close()
