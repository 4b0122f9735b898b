"""Item 17 of issue 13: a coordinator writes only to their own organisation's strategies,
and nobody validates or returns an update they reported themselves."""

from __future__ import annotations

from datetime import date

import pytest

from deo.core import PermissionDenied
from deo.track import auth, plan, updates
from deo.track.access import SYSTEM

PASSWORD = "correct horse battery"


@pytest.fixture
def world(tmp_path):
    from deo.store import Store

    store = Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")
    engine = store.engine
    for code in ("MOT", "CBK", "ICTA"):
        plan.add_organisation(engine, SYSTEM, code, code, "agency")
    plan.create_strategy(engine, SYSTEM, "KEN", "Kenya", "KEN", 2024, 2028,
                         lead_organisation="MOT")
    plan.create_strategy(engine, SYSTEM, "ORPHAN", "No lead", "UGA", 2024, 2028)
    measure_id = plan.add_measure(engine, SYSTEM, "KEN", plan.MeasureFields(
        "M1", "Broadband", "ICT", "ICTA"))
    people = {}
    for email, role, org in (("own@x.org", "coordinator", "MOT"),
                             ("own2@x.org", "coordinator", "MOT"),
                             ("other@x.org", "coordinator", "CBK"),
                             ("icta@x.org", "focal_point", "ICTA"),
                             ("admin@x.org", "administrator", None)):
        auth.add_user(engine, SYSTEM, email, email, PASSWORD, role, org)
        people[email.split("@")[0]] = auth.session_actor(
            engine, auth.sign_in(engine, email, PASSWORD))[0]
    yield engine, measure_id, people
    store.close()


def test_a_coordinator_of_another_organisation_cannot_touch_the_strategy(world):
    engine, measure_id, people = world
    other = people["other"]
    version = plan.measure(engine, measure_id)["version"]
    writes = {
        "publish": lambda: plan.set_strategy(engine, other, "KEN", published=True),
        "status": lambda: plan.set_strategy(engine, other, "KEN", status="adopted"),
        "objective": lambda: plan.add_objective(engine, other, "KEN", "O1", "Objective"),
        "measure": lambda: plan.add_measure(engine, other, "KEN", plan.MeasureFields(
            "M2", "New", "ICT", "ICTA")),
        "edit": lambda: plan.edit_measure(engine, other, measure_id, version, {"title": "X"}),
        "milestone": lambda: plan.add_milestone(engine, other, measure_id, "Tender",
                                                date(2025, 1, 1)),
        "target": lambda: plan.add_target(engine, other, "KEN", "IT.NET.USER.ZS", "KEN",
                                          (20, 2020), (40, 2028)),
        "report": lambda: updates.submit_update(engine, other, measure_id, "planned"),
        "strategy led by another": lambda: plan.create_strategy(
            engine, other, "KEN2", "Not mine", "KEN", 2025, 2026, lead_organisation="MOT"),
    }
    for write in writes.values():
        with pytest.raises(PermissionDenied, match="not led by your organisation"):
            write()
    assert not plan.strategy(engine, "KEN", SYSTEM)["published"]
    assert plan.measure(engine, measure_id)["version"] == version
    # Nor validate the focal point's report on it.
    update_id = updates.submit_update(engine, people["icta"], measure_id, "in_progress", 10)
    with pytest.raises(PermissionDenied, match="not led by your organisation"):
        updates.review_update(engine, other, update_id, True)
    # A strategy without a lead organisation is the administrators' alone.
    with pytest.raises(PermissionDenied):
        plan.set_strategy(engine, people["own"], "ORPHAN", published=True)
    plan.set_strategy(engine, people["admin"], "ORPHAN", published=True)


def test_the_own_coordinator_may_and_a_new_strategy_is_their_organisations(world):
    engine, measure_id, people = world
    own = people["own"]
    plan.set_strategy(engine, own, "KEN", published=True)
    plan.edit_measure(engine, own, measure_id, 1, {"title": "Edited"})
    plan.create_strategy(engine, people["other"], "CBK-PAY", "Payments", "KEN", 2025, 2026)
    assert plan.strategy(engine, "CBK-PAY", SYSTEM)["lead_organisation_id"] == \
        people["other"].organisation_id
    plan.set_strategy(engine, people["other"], "CBK-PAY", status="adopted")


def test_nobody_validates_their_own_update(world):
    engine, measure_id, people = world
    own, admin = people["own"], people["admin"]
    mine = updates.submit_update(engine, own, measure_id, "completed")
    for verdict, comment in ((True, ""), (False, "not enough")):
        with pytest.raises(PermissionDenied, match="your own report"):
            updates.review_update(engine, own, mine, verdict, comment)
    admins = updates.submit_update(engine, admin, measure_id, "in_progress", 30)
    with pytest.raises(PermissionDenied, match="your own report"):
        updates.review_update(engine, admin, admins, True)
    # Another coordinator of the lead organisation, or an administrator, may.
    updates.review_update(engine, people["own2"], mine, True)
    updates.review_update(engine, own, admins, False, "evidence?")


def test_pages_offer_the_forms_only_within_the_coordinators_scope(world):
    from fastapi.testclient import TestClient

    from deo.publish.app import create_app
    from deo.store import Store

    engine, _measure_id, _people = world
    store = Store.open(str(engine.url))
    pages = {}
    for email in ("own@x.org", "other@x.org"):
        browser = TestClient(create_app(store))
        assert browser.post("/api/v1/track/session", json={
            "email": email, "password": PASSWORD}).status_code == 200
        pages[email] = browser.get("/en/track/KEN/measures/M1").text
    assert "/edit" in pages["own@x.org"] and "/updates" in pages["own@x.org"]
    assert "/edit" not in pages["other@x.org"] and "/updates" not in pages["other@x.org"]
