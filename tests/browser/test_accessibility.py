"""Accessibility in a real browser: axe-core (the npm package, pinned in package.json)
runs on every page type of the portal over the demo data, with its charts and map drawn,
and finds no serious or critical violation. Also: the releases page fits a 1280-pixel
screen, and the world map draws for the DDS indicators. Screenshots go to
test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery"
#: Impacts that fail the test (axe's scale: minor, moderate, serious, critical).
FAILING = ("serious", "critical")


@pytest.fixture(scope="module")
def portal(tmp_path_factory, serve):
    from deo.publish.app import create_app
    from deo.sources.demo import build_demo
    from deo.store import Store
    from deo.track import auth
    from deo.track.access import SYSTEM
    from deo.track.demo import build_demo_tracker

    if not AXE.is_file():
        pytest.skip("axe-core is not installed: `make` runs npm ci")
    folder = tmp_path_factory.mktemp("accessibility")
    store = Store.open(f"sqlite:///{folder / 'store.sqlite'}")
    build_demo(store)  # the published reference tables shipped in data/
    build_demo_tracker(store.engine)
    auth.add_user(store.engine, SYSTEM, "a11y@example.org", "Axe", PASSWORD, "administrator")
    return serve(create_app(store))


def violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, "
                          "{resultTypes: ['violations']})).violations")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "where": [n["target"] for n in v["nodes"][:5]]}
            for v in found if v["impact"] in FAILING]


def draw_charts(page) -> int:
    """Press every "Show the chart" button and wait for each plot; returns how many."""
    buttons = page.locator(".show-chart")
    for n in range(buttons.count()):
        buttons.nth(n).click()
    figures = page.locator("figure.chart")
    for n in range(figures.count()):
        figures.nth(n).locator(".main-svg").first.wait_for(timeout=20_000)
    return figures.count()


#: Page type -> (path, the least number of charts it must draw).
PAGES = {
    "home": ("/en/", 0),
    "indicators": ("/en/indicators?q=internet", 0),
    "indicator": ("/en/indicators/UNCTAD.DDS.EXP", 2),
    "areas": ("/en/areas", 0),
    "area": ("/en/areas/KEN", 0),
    "compare": ("/en/compare?indicator=IT.NET.USER.ZS&area=KEN,UGA,TZA", 1),
    "indices": ("/en/indices", 0),
    "index": ("/en/indices/unctad-b2c-2020?year=2020", 1),
    "releases": ("/en/releases", 0),
    "track-list": ("/en/track", 0),
    "strategy": ("/en/track/KEN-ECOM-EXAMPLE", 2),
    "measure": ("/en/track/KEN-ECOM-EXAMPLE/measures/M1", 0),
    "login": ("/en/login", 0),
    "not-found": ("/en/no-such-page", 0),
    "home-zh": ("/zh/", 0),
}


@pytest.fixture(scope="module")
def context(browser):
    # The portal's Content-Security-Policy would refuse the injected axe script.
    made = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield made
    made.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_violation(portal, context, name, shot):
    path, charts = PAGES[name]
    page = context.new_page()
    got = page.goto(portal + path)
    assert got.status == (404 if name == "not-found" else 200)
    assert draw_charts(page) >= charts
    found = violations(page)
    shot(page, f"a11y-{name}")
    assert found == [], found
    page.close()


def test_signed_in_pages_have_no_serious_violation(portal, browser, shot):
    made = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = made.new_page()
    page.goto(portal + "/en/login?next=/en/track/KEN-ECOM-EXAMPLE/measures/M1")
    page.fill("#email", "a11y@example.org")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    assert page.url.endswith("/en/track/KEN-ECOM-EXAMPLE/measures/M1")
    found = violations(page)  # the reporting and review forms
    shot(page, "a11y-measure-signed-in")
    assert found == [], found
    page.goto(portal + "/en/track/KEN-ECOM-EXAMPLE/import")
    assert violations(page) == []
    made.close()


def test_the_releases_page_fits_a_1280_pixel_screen(portal, context, shot):
    page = context.new_page()
    page.goto(portal + "/en/releases")
    shot(page, "releases-1280")
    # Neither the page nor its table scrolls sideways.
    overflow = page.evaluate("""() => Math.max(
        document.documentElement.scrollWidth - window.innerWidth,
        ...[...document.querySelectorAll('.table-wrap')]
            .map(e => e.scrollWidth - e.clientWidth))""")
    assert overflow <= 0
    # Release notes name the rejects file, not where it lies on the server.
    table = page.locator("table").inner_text()
    assert "rejects-" in table and "/rejects/" not in table and str(ROOT) not in table


def test_the_map_draws_for_a_dds_indicator(portal, context, shot):
    from deo.publish.pages.assets import map_available

    if not map_available():
        pytest.skip("world boundaries not installed: `make` installs them when npm is there")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(portal + "/en/indicators/UNCTAD.DDS.EXP")
    page.click("#map .show-chart")
    page.wait_for_selector("#map .choroplethlocation", timeout=20_000)
    assert page.locator("#map .choroplethlocation").count() > 100
    assert errors == []
    shot(page, "dds-map")


def test_the_areas_list_filters_as_one_types(portal, context, shot):
    page = context.new_page()
    page.goto(portal + "/en/areas")
    page.fill("#q", "keny")
    visible = page.locator("#area-lists li:visible")
    assert visible.count() == 1 and visible.inner_text().startswith("Kenya")
    assert page.locator("#area-count").inner_text() == "1 area"
    visible.locator("a").click()
    assert page.url.endswith("/en/areas/KEN")
    shot(page, "areas-found")
