"""The SDMX REST paths (/api/v1/sdmx): sdmx1's own Client reads our dataflows, structures
and data over HTTP as it reads any statistical agency's; the key syntax, content
negotiation and errors follow SDMX REST 2.1."""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.sources.load import load_files

sdmx = pytest.importorskip("sdmx")

ROWS = """indicator,area,period,breakdown,value,status,se
IT.NET.USER.ZS,KEN,2019,,22.5,A,
IT.NET.USER.ZS,KEN,2021,,29.5,A,
IT.NET.USER.ZS,KEN,2022,,32.7,P,
IT.NET.USER.ZS,UGA,2022,,10.3,A,
IT.NET.USER.ZS,FRA,2022,,85.3,A,
IT.NET.USER.ZS,KEN,2022,SEX=F,30.1,E,1.2
IT.NET.USER.ZS,KEN,2022,SEX=M,35.25,E,1.4
IT.CEL.SETS.P2,KEN,2022,,120.4,A,
B3,KEN,2021,SIZE_CLASS=10-49,55.5,A,
"""
#: The same rows as (indicator in SDMX spelling, area, breakdown, period) -> value.
EXPECTED = {
    (row.indicator.replace(".", "_"), row.area,
     "" if pd.isna(row.breakdown) else row.breakdown, str(row.period)): row.value
    for row in pd.read_csv(io.StringIO(ROWS)).itertuples()
}
ICT_ACCESS_KEY = ("INDICATOR", "REF_AREA", "AGE", "SEX", "URBANISATION")


@pytest.fixture
def client(store, tmp_path) -> TestClient:
    """The API in-process over the fixture rows, on each store backend."""
    path = tmp_path / "rows.csv"
    path.write_text(ROWS)
    load_files(store, [path], source="fixture")
    return TestClient(create_app(store))


@pytest.fixture(scope="module")
def sdmx_client(tmp_path_factory, serve):
    """sdmx1's Client, over HTTP, to a live server holding the fixture rows."""
    from deo.store import Store

    folder = tmp_path_factory.mktemp("sdmx_rest")
    store = Store.open(f"sqlite:///{folder / 'store.sqlite'}")
    (folder / "rows.csv").write_text(ROWS)
    load_files(store, [folder / "rows.csv"], source="fixture", rejects_folder=folder)
    url = serve(create_app(store)) + "/api/v1/sdmx"
    # The source's id is the agency sdmx1 asks for in structure queries: ours is DEO.
    sdmx.add_source({"id": "DEO", "url": url, "name": "deo under test"}, override=True)
    return sdmx.Client("DEO")


def observations(message) -> dict[tuple, float]:
    """(indicator, area, breakdown key, period) -> value of every observation read."""
    out = {}
    for dataset in message.data:
        for obs in dataset.obs:
            key = {k: str(v.value) for k, v in obs.key.values.items()}
            breakdown = ";".join(f"{d}={c}" for d, c in sorted(key.items())
                                 if d not in ("INDICATOR", "REF_AREA", "TIME_PERIOD")
                                 and c != "_T")
            out[(key["INDICATOR"], key["REF_AREA"], breakdown, key["TIME_PERIOD"])] = (
                float(obs.value))
    return out


def business_ict_dimensions() -> list[str]:
    """The key of BUSINESS_ICT as the catalogue defines it: indicator, area, then every
    breakdown a business-ICT indicator allows, alphabetically."""
    from deo.catalogue import get_catalogue

    allowed = {d for i in get_catalogue().indicators.values() if i.topic == "business-ict"
               for d in i.breakdowns}
    assert {"SIZE_CLASS", "ACTIVITY"} <= allowed
    return ["INDICATOR", "REF_AREA", *sorted(allowed)]


# -- sdmx1's Client over HTTP ------------------------------------------------------


def test_client_lists_one_dataflow_per_topic(sdmx_client, catalogue):
    message = sdmx_client.dataflow()
    topics = {ind.topic for ind in catalogue.indicators.values()}
    assert set(message.dataflow) == {t.upper().replace("-", "_") for t in topics}
    flow = message.dataflow["ICT_ACCESS"]
    assert str(flow.name.localizations["en"]) == "ICT access and use by individuals"
    assert flow.name.localizations["fr"].startswith("Accès aux TIC")


def test_client_reads_the_structure_with_its_code_lists(sdmx_client):
    message = sdmx_client.dataflow("ICT_ACCESS")  # sdmx1 asks references=all
    dsd = message.dataflow["ICT_ACCESS"].structure
    assert [d.id for d in dsd.dimensions.components] == [*ICT_ACCESS_KEY, "TIME_PERIOD"]
    sex = message.codelist["CL_SEX"]
    assert {"F", "M", "_T"} <= {code.id for code in sex}
    area = message.codelist["CL_AREA"]
    assert area["KEN"].name.localizations["fr"] == "Kenya"
    assert area["DEU"].name.localizations["fr"] == "Allemagne"
    indicators = message.codelist["CL_INDICATOR_ICT_ACCESS"]
    assert "IT_NET_USER_ZS" in {code.id for code in indicators}
    assert "B3" not in {code.id for code in indicators}  # another topic's indicator
    assert dsd.dimensions.get("SEX").local_representation.enumerated is sex


def test_client_data_query_with_a_dict_key_gets_the_stored_values(sdmx_client):
    # A dict key makes sdmx1 fetch the structure and build the key from it.
    message = sdmx_client.data("ICT_ACCESS",
                               key={"INDICATOR": "IT_NET_USER_ZS", "REF_AREA": ["KEN", "UGA"]},
                               params={"startPeriod": "2021"})
    got = observations(message)
    expected = {k: v for k, v in EXPECTED.items()
                if k[0] == "IT_NET_USER_ZS" and k[1] in ("KEN", "UGA") and k[3] >= "2021"}
    assert got == expected  # values read back exactly, breakdowns and totals alike
    statuses = {str(o.attrib["OBS_STATUS"].value) for ds in message.data for o in ds.obs}
    assert statuses == {"A", "P", "E"}


@pytest.mark.parametrize("accept", ["application/vnd.sdmx.data+json;version=1.0.0",
                                    "application/vnd.sdmx.genericdata+xml;version=2.1"])
def test_client_reads_each_data_format(sdmx_client, accept):
    message = sdmx_client.data("ICT_ACCESS", key="IT_NET_USER_ZS.KEN...",
                               headers={"Accept": accept})
    assert observations(message) == {k: v for k, v in EXPECTED.items()
                                     if k[:2] == ("IT_NET_USER_ZS", "KEN")}


def test_sdmx1_reads_the_csv_answer_with_the_published_structure(sdmx_client, client):
    # sdmx1 reads SDMX-CSV 2.0 (not 1.0, the SDMX 2.1 default), given the structure.
    dsd = sdmx_client.datastructure("ICT_ACCESS").structure["ICT_ACCESS"]
    response = client.get("/api/v1/sdmx/data/ICT_ACCESS/IT_NET_USER_ZS.KEN...",
                          headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"})
    assert response.headers["content-type"] == "application/vnd.sdmx.data+csv; version=2.0.0"
    message = sdmx.read_sdmx(io.BytesIO(response.content), format="csv", structure=dsd)
    assert observations(message) == {k: v for k, v in EXPECTED.items()
                                     if k[:2] == ("IT_NET_USER_ZS", "KEN")}


# -- the key and the query parameters ----------------------------------------------


def csv_rows(client, path: str, **params) -> pd.DataFrame:
    response = client.get(f"/api/v1/sdmx/data/{path}", params={"format": "csvfile", **params})
    assert response.status_code == 200, response.text
    return pd.read_csv(io.StringIO(response.text), dtype=str, keep_default_na=False)


def test_total_code_selects_undisaggregated_rows_only(client):
    rows = csv_rows(client, "ICT_ACCESS/IT_NET_USER_ZS.KEN._T._T._T")
    assert set(rows["SEX"]) == {"_T"} and len(rows) == 3
    women = csv_rows(client, "ICT_ACCESS/.KEN..F+M.")
    assert sorted(women["SEX"]) == ["F", "M"]
    assert [float(v) for v in women.sort_values("SEX")["OBS_VALUE"]] == [30.1, 35.25]


def test_a_flow_holds_only_its_topics_indicators(client):
    ict = csv_rows(client, "ICT_ACCESS/all")
    assert set(ict["INDICATOR"]) == {"IT_NET_USER_ZS", "IT_CEL_SETS_P2"}
    dims = business_ict_dimensions()
    business = csv_rows(client, "DEO,BUSINESS_ICT,1.0/B3" + "." * (len(dims) - 1))
    assert list(business.columns[1:len(dims) + 1]) == dims
    assert business.iloc[0]["SIZE_CLASS"] == "10-49" and business.iloc[0]["ACTIVITY"] == "_T"


def test_period_bounds_and_first_last_observations(client):
    periods = csv_rows(client, "ICT_ACCESS/IT_NET_USER_ZS.KEN._T._T._T",
                       startPeriod="2020", endPeriod="2021")
    assert list(periods["TIME_PERIOD"]) == ["2021"]
    last = csv_rows(client, "ICT_ACCESS/IT_NET_USER_ZS.KEN+UGA._T._T._T", lastNObservations=1)
    assert sorted(zip(last["REF_AREA"], last["TIME_PERIOD"], strict=True)) == [
        ("KEN", "2022"), ("UGA", "2022")]
    first = csv_rows(client, "ICT_ACCESS/IT_NET_USER_ZS.KEN._T._T._T", firstNObservations=2)
    assert list(first["TIME_PERIOD"]) == ["2019", "2021"]


def test_updated_after_and_dataonly(client):
    before = csv_rows(client, "ICT_ACCESS/all", updatedAfter="2000-01-01T00:00:00Z")
    assert len(before) == 8
    later = client.get("/api/v1/sdmx/data/ICT_ACCESS/all",
                       params={"updatedAfter": "2999-01-01T00:00:00"})
    assert later.status_code == 404
    bare = csv_rows(client, "ICT_ACCESS/IT_NET_USER_ZS.KEN..F.", detail="dataonly")
    assert not any(c in bare.columns and bare[c].ne("").any() for c in ("OBS_STATUS", "STD_ERR"))
    full = csv_rows(client, "ICT_ACCESS/IT_NET_USER_ZS.KEN..F.")
    assert list(full["OBS_STATUS"]) == ["E"] and math.isclose(float(full["STD_ERR"][0]), 1.2)


@pytest.mark.parametrize(("path", "params", "status", "detail"), [
    ("ICT_ACCESS/IT_NET_USER_ZS.KEN", {}, 422, "expects 5: INDICATOR.REF_AREA.AGE.SEX"),
    ("ICT_ACCESS/B3.KEN...", {}, 404, "B3 is not in dataflow ICT_ACCESS"),
    ("ICT_ACCESS/.KEN..X.", {}, 422, "SEX 'X': expected a SEX code"),
    ("ICT_ACCESS/.XYZ...", {}, 422, "XYZ"),
    ("NO_SUCH_FLOW/all", {}, 404, "no dataflow 'NO_SUCH_FLOW'"),
    ("ICT_ACCESS/IT_NET_USER_ZS.DEU...", {}, 404, "NoResultsFound"),
    ("ICT_ACCESS/all", {"format": "pdf"}, 422, "format 'pdf'"),
    ("ICT_ACCESS/all", {"detail": "serieskeysonly"}, 501, "serieskeysonly"),
    ("ICT_ACCESS/all", {"includeHistory": "true"}, 501, "vintage"),
    ("ICT_ACCESS/all", {"dimensionAtObservation": "NOPE"}, 422, "dimensionAtObservation"),
])
def test_bad_queries_are_problem_details(client, path, params, status, detail):
    response = client.get(f"/api/v1/sdmx/data/{path}", params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_content_negotiation(client):
    path = "/api/v1/sdmx/data/ICT_ACCESS/all"
    kinds = {
        "application/json": "application/vnd.sdmx.data+json",
        "text/csv;q=0.5, application/xml;q=0.9": "application/vnd.sdmx.genericdata+xml",
        "text/csv;q=0.9, application/xml;q=0.5": "application/vnd.sdmx.data+csv",
        "*/*": "application/vnd.sdmx.genericdata+xml",
    }
    for accept, media in kinds.items():
        response = client.get(path, headers={"Accept": accept})
        assert response.headers["content-type"].startswith(media), accept
    refused = client.get(path, headers={"Accept": "application/vnd.sdmx.structurespecificdata"
                                                   "+xml;version=2.1"})
    assert refused.status_code == 406
    forced = client.get(path, params={"format": "jsondata"}, headers={"Accept": "text/csv"})
    assert forced.headers["content-type"].startswith("application/vnd.sdmx.data+json")


# -- structure queries -------------------------------------------------------------


def structure(client, path: str, **params):
    response = client.get(f"/api/v1/sdmx/{path}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.sdmx.structure+xml")
    message = sdmx.read_sdmx(io.BytesIO(response.content))
    message.xml = response.content
    return message


def test_references_follow_sdmx_rest(client):
    alone = structure(client, "datastructure/DEO/ICT_ACCESS/1.0")
    assert list(alone.structure) == ["ICT_ACCESS"]
    # sdmx1 makes empty stand-ins for the code lists a structure names; none were sent.
    assert b"<str:Codelists>" not in alone.xml and b"<str:Dataflows>" not in alone.xml
    with_lists = structure(client, "datastructure/DEO/ICT_ACCESS/latest", references="children")
    assert set(with_lists.codelist) == {"CL_INDICATOR_ICT_ACCESS", "CL_AREA", "CL_AGE",
                                        "CL_SEX", "CL_URBANISATION", "CL_OBS_STATUS"}
    assert "CS_DEO" in with_lists.concept_scheme and not with_lists.dataflow
    users = structure(client, "codelist/DEO/CL_SERVICE", references="parents")
    assert set(users.structure) == {"DIGITAL_TRADE"}  # the only topic with EBOPS services
    users = structure(client, "codelist/DEO/CL_SEX", references="parents")
    assert {"ICT_ACCESS", "FINANCE", "POPULATION"} <= set(users.structure)
    assert "DIGITAL_TRADE" not in users.structure


def test_structure_does_not_depend_on_the_data(tmp_path):
    from deo.store import Store

    empty = TestClient(create_app(Store.open(f"sqlite:///{tmp_path / 'empty.sqlite'}")))
    message = structure(empty, "dataflow/DEO/BUSINESS_ICT/latest", references="all")
    dsd = message.structure["BUSINESS_ICT"]
    assert [d.id for d in dsd.dimensions.components] == [*business_ict_dimensions(),
                                                         "TIME_PERIOD"]


@pytest.mark.parametrize(("path", "status"), [
    ("dataflow/OTHER/ICT_ACCESS/latest", 404),
    ("dataflow/DEO/NOPE/latest", 404),
    ("dataflow/DEO/ICT_ACCESS/9.9", 404),
    ("codelist/DEO/CL_NOPE", 404),
    ("categoryscheme/DEO/all/latest", 501),
    ("something", 404),
])
def test_bad_structure_queries(client, path, status):
    response = client.get(f"/api/v1/sdmx/{path}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
