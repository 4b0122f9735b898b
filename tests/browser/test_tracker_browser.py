"""The tracker in a real browser (Playwright driving Debian's Chromium): a coordinator
imports a plan; a focal point reports on a measure with evidence; the coordinator
validates; the dashboard's rate and the public page follow; a focal point cannot report
on another agency's measure. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

PASSWORD = "correct horse battery"
PLAN = """code,title,policy area,lead agency,priority,start date,due date
A1,Fibre to county offices,ICT,ICTA,high,2025-01-01,2027-12-31
A2,Instant payments switch,PAYMENTS,CBK,medium,2025-03-01,2026-12-31
"""


@pytest.fixture(scope="module")
def portal(tmp_path_factory, serve):
    from deo.publish.app import create_app
    from deo.store import Store
    from deo.track import auth, plan
    from deo.track.access import SYSTEM

    folder = tmp_path_factory.mktemp("tracker_browser")
    store = Store.open(f"sqlite:///{folder / 'store.sqlite'}")
    engine = store.engine
    for code in ("MOT", "ICTA", "CBK"):
        plan.add_organisation(engine, SYSTEM, code, f"{code} (test)")
    plan.create_strategy(engine, SYSTEM, "TEST", "Test strategy", "KEN", 2025, 2028,
                         lead_organisation="MOT")
    plan.set_strategy(engine, SYSTEM, "TEST", published=True)
    for email, role, org in (("coord@x.org", "coordinator", "MOT"),
                             ("icta@x.org", "focal_point", "ICTA")):
        auth.add_user(engine, SYSTEM, email, email, PASSWORD, role, org)
    (folder / "plan.csv").write_text(PLAN)
    (folder / "evidence.txt").write_text("Contract signed on 1 March.")
    return serve(create_app(store)), folder


def sign_in(browser, url: str, email: str):
    page = browser.new_context().new_page()
    page.goto(url + "/en/login?next=/en/track/TEST")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:text-is('Sign in')")
    assert page.url.endswith("/en/track/TEST")
    return page


def rate(page) -> str:
    return re.sub(r"\s", "", page.locator("p.big strong").inner_text())


def test_import_report_validate_publish(portal, browser, shot):
    url, folder = portal
    coordinator = sign_in(browser, url, "coord@x.org")
    coordinator.click("text=Import an action plan")
    coordinator.set_input_files("#plan_file", str(folder / "plan.csv"))
    coordinator.click("button:text-is('Import')")
    assert "2 measures imported." in coordinator.locator("p.note").inner_text()
    assert rate(coordinator) == "0%"
    shot(coordinator, "tracker-imported")

    focal = sign_in(browser, url, "icta@x.org")
    focal.click("a:text-is('A2')")  # another agency's measure: no reporting form
    assert focal.locator("#report").count() == 0
    focal.go_back()
    focal.click("a:text-is('A1')")
    focal.select_option("#status", "in_progress")
    focal.fill("#percent", "50")
    focal.fill("#narrative", "Half the counties connected.")
    focal.set_input_files("#evidence", str(folder / "evidence.txt"))
    focal.click("button:text-is('Submit for validation')")
    assert "Update submitted for validation." in focal.locator("p.note").inner_text()
    assert focal.locator("a:text-is('evidence.txt')").count() == 1
    facts = focal.locator("dl.facts").inner_text()
    assert "ICT infrastructure and services" in facts and "Not started" in facts
    shot(focal, "tracker-focal-point-update")

    coordinator.goto(url + "/en/track/TEST")
    assert rate(coordinator) == "0%"  # not validated yet: it does not count
    coordinator.click("a:text-is('A1')")
    coordinator.click("button:text-is('Validate')")
    assert "Update validated." in coordinator.locator("p.note").inner_text()
    coordinator.goto(url + "/en/track/TEST")
    assert rate(coordinator) == "25%"  # (0.5 + 0) / 2
    shot(coordinator, "tracker-dashboard")

    public = browser.new_context().new_page()
    public.goto(url + "/fr/track/TEST")
    assert rate(public) == "25%"
    assert public.locator("text=Se connecter").count() + public.locator(
        "text=Sign in").count() >= 1
    public.click("a:text-is('A1')")
    assert public.locator("#report").count() == 0  # the public reads only
    shot(public, "tracker-public-fr")
