"""The portal in a real browser (Playwright driving Debian's Chromium, which .ci/run
installs): search, a country profile, languages, a CSV download. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

ROWS = """indicator,area,period,value
IT.NET.USER.ZS,KEN,2021,29.5
IT.NET.USER.ZS,KEN,2022,32.75
IT.NET.USER.ZS,UGA,2022,10.3
SP.POP.TOTL,KEN,2022,54027487
"""


@pytest.fixture(scope="module")
def portal(tmp_path_factory, serve):
    from deo.publish.app import create_app
    from deo.sources.load import load_files
    from deo.store import Store

    folder = tmp_path_factory.mktemp("browser")
    store = Store.open(f"sqlite:///{folder / 'store.sqlite'}")
    (folder / "rows.csv").write_text(ROWS)
    load_files(store, [folder / "rows.csv"], source="fixture", rejects_folder=folder)
    return serve(create_app(store))


def test_search_then_country_profile(portal, browser, shot):
    page = browser.new_page(locale="en-US")
    page.goto(portal + "/")
    assert page.url.endswith("/en/")
    page.fill("#q", "internet")
    page.press("#q", "Enter")
    page.click("a:text-is('Individuals using the Internet (% of population)')")
    assert "/en/indicators/IT.NET.USER.ZS" in page.url
    page.click("text=Kenya")
    assert page.url.endswith("/en/areas/KEN")
    assert page.locator("h1").inner_text() == "Kenya"
    shot(page, "country-profile-en")


@pytest.mark.parametrize(
    ("label", "heading", "nav"),
    [("中文", "数字经济观察站", "指标"), ("Français", "Observatoire de l’économie numérique",
                                         "Indicateurs")],
)
def test_language_switcher(portal, browser, label, heading, nav, shot):
    page = browser.new_page(locale="en-US")
    page.goto(portal + "/en/")
    page.click(f"text={label}")
    assert page.locator("h1").inner_text().replace("'", "’") == heading
    assert page.locator("nav").get_by_text(nav, exact=True).count() == 1
    shot(page, f"home-{label}")


def test_csv_download_from_an_indicator_page(portal, browser):
    page = browser.new_page(accept_downloads=True)
    page.goto(portal + "/en/indicators/IT.NET.USER.ZS")
    with page.expect_download() as caught:
        page.click("a:text-is('CSV')")
    frame = pd.read_csv(io.BytesIO(Path(caught.value.path()).read_bytes()))
    assert sorted(frame["value"]) == [10.3, 29.5, 32.75]
    assert set(frame["area"]) == {"KEN", "UGA"}


def test_chart_loads_on_request_from_this_server(portal, browser, shot):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(portal + "/en/indicators/IT.NET.USER.ZS")
    assert not any("plotly" in u for u in requests)  # nothing heavy until asked
    page.click("#chart .show-chart")
    page.wait_for_selector("#chart .main-svg")
    assert page.locator("#chart .scatterlayer .trace").count() == 2  # Kenya, Uganda
    assert all(u.startswith(portal) for u in requests)  # no CDN
    shot(page, "indicator-chart")


def test_world_map_renders_offline(portal, browser, shot):
    from deo.publish.pages.assets import map_available

    if not map_available():
        pytest.skip("world boundaries not installed: `make` installs them when npm is there")
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(portal + "/en/indicators/IT.NET.USER.ZS")
    page.click("#map .show-chart")
    page.wait_for_selector("#map .choroplethlocation", timeout=15_000)
    # Kenya and Uganda are shaded; every request stayed on this server.
    assert page.locator("#map .choroplethlocation").count() == 2
    assert all(u.startswith(portal) for u in requests)
    assert any(u.endswith("/static/topojson/world_110m.json") for u in requests)
    shot(page, "indicator-map")
