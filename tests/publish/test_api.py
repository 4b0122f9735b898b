"""The open API in-process (ASGI client) against a small fixture store."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.sources.load import load_files

ROWS = """indicator,area,period,breakdown,value,status,se
IT.NET.USER.ZS,KEN,2021,,29.5,A,
IT.NET.USER.ZS,KEN,2022,,32.7,P,
IT.NET.USER.ZS,UGA,2022,,10.3,A,
IT.NET.USER.ZS,FRA,2022,,85.3,A,
IT.NET.USER.ZS,KEN,2022,SEX=F,30.1,E,1.2
B3,KEN,2021,SIZE_CLASS=10-49,55.5,A,
"""


@pytest.fixture
def client(store, tmp_path) -> TestClient:
    """The API over the fixture rows, on each store backend (SQLite, and PostgreSQL)."""
    path = tmp_path / "rows.csv"
    path.write_text(ROWS)
    load_files(store, [path], source="fixture", licence="CC0-1.0")
    return TestClient(create_app(store))


def test_observations_json_slim_by_default(client):
    body = client.get("/api/v1/observations", params={"indicator": "IT.NET.USER.ZS",
                                                       "breakdown": "total"}).json()
    assert body["count"] == 4 and body["next"] is None
    assert set(body["data"][0]) == {"indicator", "area", "period", "breakdown", "value",
                                    "status"}
    got = {(r["area"], r["period"]): (r["value"], r["status"]) for r in body["data"]}
    assert got == {("FRA", "2022"): (85.3, "A"), ("KEN", "2021"): (29.5, "A"),
                   ("KEN", "2022"): (32.7, "P"), ("UGA", "2022"): (10.3, "A")}


def test_extras_are_opt_in(client):
    body = client.get("/api/v1/observations",
                      params={"breakdown": "SEX=F", "extra": "se,provenance"}).json()
    [row] = body["data"]
    assert row["se"] == 1.2 and row["source"] == "fixture" and row["licence"] == "CC0-1.0"
    assert row["release_id"] == 1


def test_cursor_pagination_visits_every_row_once(client):
    seen, url, params = [], "/api/v1/observations", {"limit": 2}
    while url:
        body = client.get(url, params=params).json()
        seen += [(r["indicator"], r["area"], r["period"], r["breakdown"]) for r in body["data"]]
        url, params = body["next"], None
        assert body["returned"] <= 2 and body["count"] == 6
    assert len(seen) == 6 and len(set(seen)) == 6


def test_group_and_period_filters(client):
    body = client.get("/api/v1/observations",
                      params={"group": "EAC", "period": "2022", "breakdown": "total"}).json()
    assert {r["area"] for r in body["data"]} == {"KEN", "UGA"}


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"indicator": "IT.NET.USR.ZS"}, 422, "did you mean IT.NET.USER.ZS"),
        ({"period": "2022-13"}, 422, "is not a period"),
        ({"limit": 0}, 422, "limit"),
        ({"extra": "everything"}, 422, "expected one of se, provenance"),
        ({"cursor": "garbage"}, 422, "cursor"),
        ({"format": "pdf"}, 422, "format"),
        ({"vintage": 7}, 422, "no release 7"),
    ],
)
def test_bad_parameters_are_problem_details(client, params, status, detail):
    response = client.get("/api/v1/observations", params=params)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and detail in body["detail"]


def test_csv_and_xlsx_downloads_hold_the_same_rows(client):
    params = {"indicator": "IT.NET.USER.ZS", "breakdown": "total"}
    csv = client.get("/api/v1/observations", params={**params, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    from_csv = pd.read_csv(io.StringIO(csv.text), dtype={"period": str})
    xlsx = client.get("/api/v1/observations", params={**params, "format": "xlsx"})
    from_xlsx = pd.read_excel(io.BytesIO(xlsx.content), dtype={"period": str})
    assert sorted(from_csv["value"]) == sorted(from_xlsx["value"]) == [10.3, 29.5, 32.7, 85.3]


@pytest.mark.parametrize("fmt", ["sdmx-json", "sdmx-csv"])
def test_sdmx_downloads_read_back_the_same_observations(client, fmt, tmp_path, catalogue):
    from deo.sources.formats import get_format
    from deo.sources.validation import validate

    got = {}
    # One SDMX message holds one dataflow: the two indicators are in two.
    for indicator in ("IT.NET.USER.ZS", "B3"):
        response = client.get("/api/v1/observations",
                              params={"format": fmt, "indicator": indicator})
        assert response.status_code == 200 and "sdmx" in response.headers["content-type"]
        path = tmp_path / ("x.json" if fmt == "sdmx-json" else "x.sdmx.csv")
        path.write_bytes(response.content)
        checked = validate(get_format(fmt).read(path), path.name, catalogue)
        assert checked.ok, checked.problem_list(3)
        got |= {(r.indicator, r.area, r.period, r.breakdown):
                (r.value, r.status, None if pd.isna(r.se) else r.se)
                for r in checked.frame.itertuples()}
    expected = pd.read_csv(io.StringIO(ROWS), dtype={"period": str}, keep_default_na=False)
    assert got == {
        (r.indicator, r.area, r.period, r.breakdown):
        (r.value, r.status, float(r.se) if r.se else None)
        for r in expected.itertuples()
    }


def test_sdmx1_reads_the_sdmx_json_download(client):
    import sdmx

    response = client.get("/api/v1/observations",
                          params={"indicator": "IT.NET.USER.ZS", "format": "sdmx-json"})
    message = sdmx.read_sdmx(io.BytesIO(response.content), format="JSON")
    values = sorted(float(o.value) for o in message.data[0].obs)
    assert values == [10.3, 29.5, 30.1, 32.7, 85.3]


def test_catalogue_endpoints(client):
    found = client.get("/api/v1/indicators", params={"q": "internet using", "lang": "fr"}).json()
    codes = [i["code"] for i in found["data"]]
    assert "IT.NET.USER.ZS" in codes
    detail = client.get("/api/v1/indicators/IT.NET.USER.ZS", params={"lang": "es"}).json()
    assert detail["valid_max"] == 100 and detail["names"]["zh"]
    assert client.get("/api/v1/indicators/NOPE").status_code == 404
    eac = client.get("/api/v1/areas", params={"group": "EAC"}).json()
    assert "KEN" in {a["code"] for a in eac["data"]}
    ken = client.get("/api/v1/areas/KEN").json()
    assert "EAC" in ken["groups"] and "014" in ken["regions"]


def test_releases_endpoint(client):
    body = client.get("/api/v1/releases").json()
    assert body["count"] == 1 and body["data"][0]["row_count"] == 6
    json.dumps(body)  # plain JSON all through


def test_openapi_describes_every_endpoint(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/observations", "/api/v1/indicators", "/api/v1/areas",
                 "/api/v1/releases", "/api/v1/indices/{recipe}/ranking"):
        assert path in paths
