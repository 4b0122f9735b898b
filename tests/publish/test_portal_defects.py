"""Item 23: the portal's defects found by the outside review, each checked in-process
(the browser checks, overflow and accessibility, are in tests/browser)."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.sources.load import load_files

# KEN's 2022 value is missing (status M): its latest value is 2021's.
ROWS = """indicator,area,period,value,status
IT.NET.USER.ZS,KEN,2021,29.5,A
IT.NET.USER.ZS,KEN,2022,,M
IT.NET.USER.ZS,UGA,2022,10.3,A
IT.NET.USER.ZS,FRA,2022,85.3,A
B3,KEN,2021,55.5,A
B3,UGA,2021,,M
"""
BAD_ROW = "IT.NET.USER.ZS,TZA,2022,not a number,A\n"


@pytest.fixture
def client(store, tmp_path) -> TestClient:
    path = tmp_path / "rows.csv"
    path.write_text(ROWS + BAD_ROW)
    # skip_invalid: the release's note names the rejects file, a path on the server.
    load_files(store, [path], source="fixture", licence="CC-BY-4.0", skip_invalid=True,
               rejects_folder=tmp_path / "server" / "rejects")
    return TestClient(create_app(store))


def strict_json(text: str):
    def refuse(name: str):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def embedded(html: str) -> list:
    """Every JSON document embedded in a page (chart and map specs)."""
    return [strict_json(m) for m in re.findall(
        r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)]


def test_charts_and_map_embed_missing_values_as_null(client, monkeypatch):
    import deo.publish.pages.routes as routes

    monkeypatch.setattr(routes, "map_available", lambda: True)
    for code in ("IT.NET.USER.ZS", "B3"):
        html = client.get(f"/en/indicators/{code}").text
        specs = embedded(html)  # NaN would make JSON.parse fail, and nothing be drawn
        assert specs and "NaN" not in html
    [chart_spec, *_] = [s for s in embedded(client.get("/en/indicators/IT.NET.USER.ZS").text)
                        if s["traces"][0]["type"] == "scatter"]
    kenya = next(t for t in chart_spec["traces"] if t["name"] == "Kenya")
    assert kenya["y"] == [29.5, None]


def test_the_map_shades_each_economys_latest_known_value(client, monkeypatch):
    import deo.publish.pages.routes as routes

    monkeypatch.setattr(routes, "map_available", lambda: True)
    specs = embedded(client.get("/en/indicators/IT.NET.USER.ZS").text)
    [trace] = [s["traces"][0] for s in specs if s["traces"][0]["type"] == "choropleth"]
    assert dict(zip(trace["locations"], trace["z"], strict=True)) == {
        "FRA": 85.3, "KEN": 29.5, "UGA": 10.3}


def test_an_areas_latest_value_is_its_latest_known_value(client):
    html = client.get("/en/areas/KEN").text
    row = re.search(r"IT.NET.USER.ZS.*?</tr>", html, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[:2] == ["29.5", "2021"]
    # The indicator page's table says the same.
    html = client.get("/en/indicators/IT.NET.USER.ZS").text
    assert re.search(r"/en/areas/KEN\">Kenya</a></td><td>2021</td><td class=\"n\">29.5", html)


def test_the_areas_page_lists_and_finds_countries(client):
    got = client.get("/en/areas")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/html")
    assert 'href="/en/areas/KEN">Kenya</a>' in got.text
    assert 'href="/en/areas/EAC"' in got.text  # groups too
    found = client.get("/fr/areas", params={"q": "allemagne"}).text  # any language
    assert 'href="/fr/areas/DEU"' in found and 'href="/fr/areas/KEN"' not in found
    by_code = client.get("/en/areas", params={"q": "ken", "kind": "economy"}).text
    assert 'href="/en/areas/KEN"' in by_code and 'href="/en/areas/EAC"' not in by_code
    assert 'href="/en/areas"' in client.get("/en/").text  # in the navigation


@pytest.mark.parametrize(("path", "location"), [
    ("/de/", "/en/"), ("/de/indicators", "/en/indicators"), ("/track", "/en/track"),
    ("/track/KEN-ECOM", "/en/track/KEN-ECOM"), ("/indicators?q=internet",
                                                 "/en/indicators?q=internet"),
    ("/en/indicators/", "/en/indicators"),
])
def test_paths_outside_our_languages_redirect(client, path, location):
    got = client.get(path, follow_redirects=False)
    assert got.status_code == 307 and got.headers["location"] == location


def test_a_german_reader_is_sent_to_a_language_we_have(client):
    got = client.get("/de/", headers={"accept-language": "de-DE,fr;q=0.8"},
                     follow_redirects=False)
    assert got.headers["location"] == "/fr/"


@pytest.mark.parametrize("path", ["/nothing-here", "/en/nothing-here", "/fr/a/b"])
def test_unknown_pages_are_a_page_not_json(client, path):
    got = client.get(path)
    assert got.status_code == 404 and got.headers["content-type"].startswith("text/html")
    assert "<h1>" in got.text


def test_the_favicon_is_served(client):
    got = client.get("/favicon.ico")
    assert got.status_code == 200 and got.headers["content-type"].startswith("image/")
    assert 'rel="icon"' in client.get("/en/").text


def test_releases_name_files_not_server_paths(client, tmp_path):
    folder = str(tmp_path)
    for text in (client.get("/en/releases").text, client.get("/api/v1/releases").text):
        assert folder not in text and "/server/rejects" not in text
        assert "rows.csv" in text and re.search(r"rejects[^ <\"]*\.csv", text)


def test_illustrative_example_is_said_once(store):
    from deo.track.demo import build_demo_tracker

    build_demo_tracker(store.engine)
    html = TestClient(create_app(store)).get("/en/track").text
    for row in re.findall(r"<tr>.*?</tr>", html, re.S):
        assert row.count("illustrative example") <= 1


def test_downloads_are_named_after_what_they_hold(client):
    got = client.get("/api/v1/observations", params={
        "indicator": "IT.NET.USER.ZS", "area": "KEN,UGA", "period": "2021:2022",
        "format": "csv"})
    assert got.headers["content-disposition"] == (
        'attachment; filename="IT.NET.USER.ZS_KEN-UGA_2021-2022.csv"')
    html = client.get("/en/indicators/IT.NET.USER.ZS").text
    for url in re.findall(r'href="(/api/v1/observations[^"]+)"', html):
        if "format=json" in url:  # an API answer, not a file
            continue
        name = client.get(url.replace("&amp;", "&")).headers["content-disposition"]
        assert "IT.NET.USER.ZS" in name and "observations" not in name
    # Header injection is impossible: the name keeps letters, digits and . - _ only.
    got = client.get("/api/v1/observations", params={"indicator": "B3", "period": '2021"\r\n'})
    assert got.status_code == 422


def test_csv_downloads_carry_names_units_source_and_licence(client):
    got = client.get("/api/v1/observations", params={
        "indicator": "IT.NET.USER.ZS", "breakdown": "total", "format": "csv", "lang": "fr"})
    frame = pd.read_csv(io.StringIO(got.text), keep_default_na=False)
    kenya = frame[(frame["area"] == "KEN") & (frame["period"] == 2021)].iloc[0]
    assert kenya["area_name"] == "Kenya" and kenya["indicator_name"].startswith("Personnes")
    assert kenya["unit"] == "pour cent" and kenya["unit_multiplier"] == 0
    assert kenya["source"] == "fixture" and kenya["licence"] == "CC-BY-4.0"
    assert float(kenya["value"]) == 29.5


def test_xlsx_downloads_carry_names_and_years_as_numbers(client):
    got = client.get("/api/v1/observations", params={"indicator": "IT.NET.USER.ZS",
                                                      "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(got.content))["data"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert {"indicator_name", "area_name", "unit", "source", "licence"} <= set(header)
    periods = [row[header.index("period")] for row in rows[1:]]
    assert periods and all(isinstance(p, int) for p in periods)


def test_sdmx_downloads_name_a_published_dataflow(client):
    published = client.get("/api/v1/sdmx/dataflow/all/all/latest").text
    for fmt in ("sdmx-csv", "sdmx-json"):
        got = client.get("/api/v1/observations", params={"indicator": "IT.NET.USER.ZS",
                                                          "format": fmt})
        assert got.status_code == 200
        flow = (got.text.splitlines()[1].split(",")[0].split(":")[1].split("(")[0]
                if fmt == "sdmx-csv" else
                got.json()["structure"]["links"][0]["urn"].split(":")[-1].split("(")[0])
        assert flow == "ICT_ACCESS" and f'id="{flow}"' in published
    # Rows of two dataflows cannot be one SDMX message: refused, saying why.
    got = client.get("/api/v1/observations", params={"format": "sdmx-csv"})
    assert got.status_code == 422 and "dataflow" in got.json()["detail"]


def test_count_is_every_matching_row_not_the_page(client):
    body = client.get("/api/v1/observations", params={"limit": 2}).json()
    assert body["count"] == 6 and body["returned"] == 2
    following = client.get(body["next"]).json()
    assert following["count"] == 6
    small = client.get("/api/v1/observations", params={"indicator": "B3"}).json()
    assert small["count"] == small["returned"] == 2


@pytest.mark.parametrize(("path", "params"), [
    ("/api/v1/observations", {"indicater": "B3"}),
    ("/api/v1/areas", {"kinds": "economy"}),
    ("/api/v1/releases", {"page": "2"}),
    ("/api/v1/sdmx/data/ICT_ACCESS/all", {"startperiod": "2020"}),
])
def test_unknown_query_parameters_are_refused(client, path, params):
    got = client.get(path, params=params)
    assert got.status_code == 422
    [name] = params
    assert got.json()["errors"][0]["parameter"] == name and name in got.json()["detail"]


def test_evidence_files_keep_their_path_without_a_language(client):
    got = client.get("/track/evidence/12345", follow_redirects=False)
    assert got.status_code == 404 and "12345" in got.text  # the evidence route answered


@pytest.mark.parametrize(("path", "status"), [("/api/health", 200), ("/api/v1/nothing", 404),
                                              ("/static/nothing", 404)])
def test_api_and_static_paths_are_not_pages(client, path, status):
    got = client.get(path)
    assert got.status_code == status and got.headers["content-type"].startswith(
        "application/")
