"""The portal's pages: languages, content, downloads, and the demo store."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.sources.demo import build_demo
from deo.sources.load import load_files
from deo.store import Store

ROWS = """indicator,area,period,value
IT.NET.USER.ZS,KEN,2021,29.5
IT.NET.USER.ZS,KEN,2022,32.75
IT.NET.USER.ZS,UGA,2022,10.3
SP.POP.TOTL,KEN,2022,54027487
"""


@pytest.fixture
def client(tmp_path) -> TestClient:
    store = Store.open(f"sqlite:///{tmp_path / 'pages.sqlite'}")
    (tmp_path / "rows.csv").write_text(ROWS)
    load_files(store, [tmp_path / "rows.csv"], source="fixture", licence="CC0-1.0")
    return TestClient(create_app(store))


@pytest.mark.parametrize(
    ("header", "lang"),
    [("fr-CA,fr;q=0.9,en;q=0.5", "fr"), ("zh-CN,zh;q=0.9", "zh"), ("es", "es"),
     ("de-DE", "en"), ("", "en")],
)
def test_root_follows_accept_language(client, header, lang):
    response = client.get("/", headers={"accept-language": header}, follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == f"/{lang}/"


@pytest.mark.parametrize(
    ("lang", "title", "nav"),
    [("en", "Digital Economy Observatory", "Indicators"),
     ("fr", "Observatoire de l'économie numérique", "Indicateurs"),
     ("es", "Observatorio de la Economía Digital", "Indicadores"),
     ("zh", "数字经济观察站", "指标")],
)
def test_home_in_each_language(client, lang, title, nav):
    html = client.get(f"/{lang}/").text
    assert f'<html lang="{lang}">' in html
    assert title.replace("'", "&#39;") in html and f">{nav}</a>" in html
    # Indicator names in the page's language, from the catalogue.
    name = {"en": "Individuals using the Internet", "fr": "Personnes utilisant Internet",
            "es": "Personas que usan Internet", "zh": "互联网"}[lang]
    assert name in html


def test_language_switcher_keeps_the_page(client):
    html = client.get("/en/indicators/IT.NET.USER.ZS").text
    assert 'href="/fr/indicators/IT.NET.USER.ZS"' in html
    assert 'href="/zh/indicators/IT.NET.USER.ZS"' in html


def test_numbers_are_written_as_each_language_writes_them(client):
    def cells(lang):
        html = client.get(f"/{lang}/areas/KEN").text
        return re.findall(r'<td class="n">([^<]*)</td>', html)

    # Population has no decimals in the catalogue, Internet use one.
    assert cells("en") == ["32.8", "54,027,487"]
    assert cells("fr") == ["32,8", "54\u202f027\u202f487"]
    assert cells("zh") == ["32.8", "54,027,487"]


def test_indicator_page_table_and_csv_download(client):
    html = client.get("/en/indicators/IT.NET.USER.ZS?sort=area").text
    assert html.index("Kenya") < html.index("Uganda")
    link = re.search(r'href="(/api/v1/observations\?indicator=IT.NET.USER.ZS&amp;format=csv[^"]*)"',
                     html).group(1).replace("&amp;", "&")
    frame = pd.read_csv(io.StringIO(client.get(link).text), dtype={"period": str})
    assert sorted(frame["value"]) == [10.3, 29.5, 32.75]
    assert "fixture" in html  # provenance


def test_search_and_missing_pages(client):
    html = client.get("/en/indicators", params={"q": "secure servers"}).text
    assert "IT.NET.SECR.P6" in html and "SP.POP.TOTL" not in html
    assert client.get("/en/indicators/NOPE").status_code == 404
    assert client.get("/en/areas/XX").status_code == 404


def test_releases_page(client):
    html = client.get("/fr/releases").text
    assert "rows.csv" in html and "CC0-1.0" in html and "<h1>Releases</h1>" not in html
    # The load time, written the French way ("23 nov. 2026, 17:10:29").
    loaded = re.search(r'<td class="n">1</td><td>([^<]*)</td>', html).group(1)
    assert re.fullmatch(r"\d{1,2} \w+\.? \d{4}, \d{2}:\d{2}:\d{2}", loaded), loaded


def test_demo_store_warns_that_its_data_are_synthetic(tmp_path, monkeypatch):
    monkeypatch.setenv("DEO_REFERENCE_DATA", str(tmp_path / "absent"))
    monkeypatch.setenv("DEO_OFFLINE", "1")
    store = Store.open(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    assert build_demo(store).kind == "synthetic"
    client = TestClient(create_app(store))
    assert "Synthetic demonstration data" in client.get("/en/").text
    assert "Données de démonstration synthétiques" in client.get("/fr/").text
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["observations"] > 0


def test_empty_store_says_how_to_fill_it(tmp_path):
    client = TestClient(create_app(Store.open(f"sqlite:///{tmp_path / 'empty.sqlite'}")))
    assert "deo load FILE" in client.get("/en/").text


def test_index_page_with_rank_intervals(tmp_path, reference_data):
    store = Store.open(f"sqlite:///{tmp_path / 'b2c.sqlite'}")
    columns = {"INTERNET": "internet_users_pct_2019_or_latest",
               "ACCOUNT": "account_ownership_pct_15plus_2017",
               "SERVERS": "secure_servers_normalized_2019",
               "POSTAL": "upu_postal_reliability_2019_or_latest"}
    for name, column in columns.items():
        load_files(store, [reference_data / "b2c_index_2020_published.csv"],
                   columns={"value": column},
                   constants={"indicator": f"UNCTAD.B2C.{name}", "period": "2020"})
    client = TestClient(create_app(store))
    html = client.get("/fr/indices/unctad-b2c-2020-published", params={"year": 2020}).text
    assert "Classement" in html and "Intervalle de rang" in html
    first = re.search(r'<tr><td class="n">1</td><td><a href="/fr/areas/(\w+)">', html).group(1)
    assert first == "CHE"
    assert "96,0" in html  # the score, written the French way
    spec = json.loads(re.search(r'class="chart-data">(.*?)</script>', html, re.S).group(1))
    [trace] = spec["traces"]
    assert trace["x"][0] == "Suisse" and trace["y"][0] == 1 and len(trace["x"]) == 40
    assert min(trace["error_y"]["array"]) >= 0 and min(trace["error_y"]["arrayminus"]) >= 0
    assert client.get("/en/indices/nope").status_code == 404
    assert "Not found" in client.get("/en/indices/nope").text


def test_index_page_without_inputs_says_what_is_missing(client):
    html = client.get("/en/indices/unctad-b2c-2020").text
    assert "no data in the store for component" in html or "holds no annual value" in html


def test_compare_economies_over_time(client):
    html = client.get("/en/compare", params={"indicator": "IT.NET.USER.ZS",
                                             "area": "KEN,UGA"}).text
    table = html[html.index("<table>"):html.index("</table>")]
    assert table.index("Kenya") < table.index("Uganda")
    rows = re.findall(r'<tr><th scope="row">(\d{4})</th>(.*?)</tr>', table)
    cells = {period: re.findall(r'<td class="n">([^<]*)</td>', rest) for period, rest in rows}
    assert cells == {"2021": ["29.5", "–"], "2022": ["32.8", "10.3"]}
    spec = json.loads(re.search(r'class="chart-data">(.*?)</script>', html, re.S).group(1))
    assert {t["name"]: t["y"] for t in spec["traces"]} == {"Kenya": [29.5, 32.75],
                                                           "Uganda": [10.3]}
    html = client.get("/en/compare", params={"indicator": "NOPE", "area": "KEN"}).text
    assert "unknown indicator" in html


def test_pages_are_compressed_for_slow_links(client):
    response = client.get("/en/indicators", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.num_bytes_downloaded < len(response.content) / 3


def test_country_profile_compares_b2c_components_with_peers(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'peers.sqlite'}")
    rows = "indicator,area,period,value\n" + "".join(
        f"UNCTAD.B2C.INTERNET,{a},2020,{v}\n"
        for a, v in (("KEN", 23), ("UGA", 20), ("TZA", 30), ("ETH", 10), ("FRA", 90)))
    (tmp_path / "b2c.csv").write_text(rows)
    load_files(store, [tmp_path / "b2c.csv"], rejects_folder=tmp_path)
    html = TestClient(create_app(store)).get("/en/areas/KEN").text
    section = html[html.index("against peers"):]
    cells = re.findall(r'<td class="n">([^<]*)</td>', section)
    # Kenya; the median of Eastern Africa (KEN, UGA, TZA, ETH); the median of Kenya's
    # income group among the economies with a value, as the catalogue classifies them.
    from deo.catalogue import get_catalogue

    values = {"KEN": 23, "UGA": 20, "TZA": 30, "ETH": 10, "FRA": 90}
    group = next(g for g in ("WB_HIC", "WB_UMC", "WB_LMC", "WB_LIC")
                 if "KEN" in get_catalogue().members(g))
    peers = [v for a, v in values.items() if a in get_catalogue().members(group)]
    assert cells[:3] == ["23.0", "21.5", f"{pd.Series(peers).median():.1f}"]
    assert "Median: Eastern Africa" in section


def test_chart_library_is_served_from_the_installed_package(client):
    html = client.get("/en/indicators/IT.NET.USER.ZS").text
    url = re.search(r'data-plotly="([^"]+)"', html).group(1)
    assert url.startswith("/static/plotly-")
    response = client.get(url, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200 and "immutable" in response.headers["cache-control"]
    assert response.text.startswith("/**") or "Plotly" in response.text[:2000]
    data = re.search(r'id="chart".*?class="chart-data">(.*?)</script>', html, re.S).group(1)
    series = json.loads(data)["traces"]
    assert {s["name"] for s in series} == {"Kenya", "Uganda"}
    kenya = next(s for s in series if s["name"] == "Kenya")
    assert kenya["x"] == ["2021", "2022"] and kenya["y"] == [29.5, 32.75]


def test_world_boundaries_are_served_locally(client):
    from deo.publish.pages.assets import map_available

    response = client.get("/static/topojson/world_110m.json")
    if not map_available():
        assert response.status_code == 404
        assert 'id="map"' not in client.get("/en/indicators/IT.NET.USER.ZS").text
        return
    assert response.status_code == 200 and response.json()["type"] == "Topology"
    html = client.get("/en/indicators/IT.NET.USER.ZS").text
    spec = json.loads(re.search(r'id="map".*?class="chart-data">(.*?)</script>', html,
                                re.S).group(1))
    assert spec["config"]["topojsonURL"] == "/static/topojson/"
    assert sorted(spec["traces"][0]["locations"]) == ["KEN", "UGA"]
