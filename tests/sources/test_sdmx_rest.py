"""SDMX REST connector against a fake endpoint on 127.0.0.1 (no network)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from fake_api import FakeApi, Reply, running

from deo.core import DeoError
from deo.sources.connectors import get_connector
from deo.sources.connectors.sdmx_rest import pull_sdmx

XML_PATH = "/xml/rest/data/DF_ICT_HH/all"
JSON_PATH = "/json/rest/data/DF_ICT_HH/all"
EXPECTED = {
    # (indicator, area, period, SEX): (value, status)
    ("IT.NET.USER.ZS", "KEN", "2021", "F"): (25.1, "A"),
    ("IT.NET.USER.ZS", "KEN", "2022", "F"): (28.4, "P"),
    ("IT.NET.USER.ZS", "KEN", "2021", "M"): (30.2, "A"),
    ("IT.NET.USER.ZS", "KEN", "2022", "M"): (33.0, "P"),
    ("I_HHACC", "UGA", "2022", "_T"): (10.5, "E"),
    ("I_HHACC", "UGA", "2023", "_T"): (math.nan, "O"),
}


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with running() as server:
        server.route(XML_PATH, Reply.file("sdmx_generic_2_1.xml"))
        server.route(JSON_PATH, Reply.file("sdmx_json_1_0.json"))
        yield server


@pytest.fixture(autouse=True)
def _online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEO_OFFLINE", raising=False)


def pull(api: FakeApi, tmp_path, kind: str = "xml", **kw):
    kw.setdefault("cache_dir", tmp_path / "cache")
    kw.setdefault("backoff", 0.001)
    kw.setdefault("indicator_map", {"I_IUSE": "IT.NET.USER.ZS"})
    return pull_sdmx(f"{api.base_url}/{kind}/rest", "DF_ICT_HH", **kw)


def as_dict(frame) -> dict:
    return {(r.indicator, r.area, r.period, r.SEX): (r.value, r.status) for r in frame.itertuples()}


def same(got: dict, expected: dict) -> bool:
    if got.keys() != expected.keys():
        return False
    for k, (value, status) in expected.items():
        g_value, g_status = got[k]
        if g_status != status:
            return False
        if not (math.isnan(value) and math.isnan(g_value)) and g_value != pytest.approx(value):
            return False
    return True


@pytest.mark.parametrize("kind", ["xml", "json"])
def test_pull_reads_observations(api: FakeApi, tmp_path, kind: str) -> None:
    pulled = pull(api, tmp_path, kind, start=2021, end=2023)
    frame = pulled.frame
    assert list(frame.columns) == ["indicator", "area", "period", "value", "status", "SEX", "_row"]
    assert same(as_dict(frame), EXPECTED), as_dict(frame)
    assert list(frame["_row"]) == [1, 2, 3, 4, 5, 6]
    assert frame.attrs["source_columns"] == {
        "indicator": "INDICATOR",
        "area": "REF_AREA",
        "period": "TIME_PERIOD",
        "value": "OBS_VALUE",
        "status": "OBS_STATUS",
        "SEX": "SEX",
    }
    request = api.requests[-1]
    assert request.query == {"startPeriod": "2021", "endPeriod": "2023"}
    assert "genericdata+xml" in request.headers.get("Accept", "")
    assert pulled.from_cache is False
    assert "DF_ICT_HH" in pulled.url and "startPeriod=2021" in pulled.url
    assert "not in the indicator map" in " ".join(pulled.notes)  # I_HHACC kept as found


def test_xml_and_json_give_the_same_frame(api: FakeApi, tmp_path) -> None:
    xml = pull(api, tmp_path, "xml").frame
    js = pull(api, tmp_path, "json").frame
    assert same(as_dict(xml), as_dict(js))


def test_constant_indicator_and_key(api: FakeApi, tmp_path) -> None:
    path = "/xml/rest/data/DF_ICT_HH/A.KEN.I_IUSE."
    api.route(path, Reply.file("sdmx_generic_2_1.xml"))
    pulled = pull_sdmx(
        f"{api.base_url}/xml/rest",
        "DF_ICT_HH",
        "A.KEN.I_IUSE.",
        indicator="X.CONST",
        cache_dir=tmp_path,
    )
    assert api.requests[-1].path == path
    assert set(pulled.frame["indicator"]) == {"X.CONST"}
    assert "INDICATOR" not in pulled.frame.columns and "FREQ" not in pulled.frame.columns


def test_full_url_without_flow(api: FakeApi, tmp_path) -> None:
    pulled = pull_sdmx(
        f"{api.base_url}{JSON_PATH}",
        params={"dimensionAtObservation": "TIME_PERIOD"},
        cache_dir=tmp_path,
    )
    assert len(pulled.frame) == 6
    assert api.requests[-1].query == {"dimensionAtObservation": "TIME_PERIOD"}


def test_missing_value_without_missing_status_is_dropped(api: FakeApi, tmp_path) -> None:
    fixture = Reply.file("sdmx_generic_2_1.xml")
    fixture.body = fixture.body.replace(b'<generic:Value id="OBS_STATUS" value="O"/>', b"")
    api.route(XML_PATH, fixture)
    pulled = pull(api, tmp_path)
    assert len(pulled.frame) == 5
    assert "skipped 1 observations with no value" in pulled.notes


def test_cache_offline_and_hash(tmp_path) -> None:
    cache_dir = tmp_path / "cache"
    with running() as server:
        server.route(XML_PATH, Reply.file("sdmx_generic_2_1.xml"))
        first = pull(server, tmp_path, cache_dir=cache_dir)
        second = pull(server, tmp_path, cache_dir=cache_dir)
        base = f"{server.base_url}/xml/rest"
    assert second.from_cache is False
    assert first.content_hash == second.content_hash and len(first.content_hash) == 64
    offline = pull_sdmx(
        base,
        "DF_ICT_HH",
        indicator_map={"I_IUSE": "IT.NET.USER.ZS"},
        cache_dir=cache_dir,
        offline=True,
    )
    assert offline.from_cache is True
    assert offline.as_of == second.as_of
    assert offline.content_hash == first.content_hash
    assert offline.frame.equals(second.frame)


def test_offline_with_empty_cache_is_an_error(tmp_path) -> None:
    with pytest.raises(DeoError, match="not in the cache; run online once"):
        pull_sdmx("http://127.0.0.1:9/rest", "DF_ICT_HH", cache_dir=tmp_path, offline=True)


def test_retry_on_503(api: FakeApi, tmp_path) -> None:
    down = Reply(503, b"busy", "text/plain")
    api.route(XML_PATH, down, down, Reply.file("sdmx_generic_2_1.xml"))
    pulled = pull(api, tmp_path)
    assert api.count(XML_PATH) == 3
    assert len(pulled.frame) == 6


def test_sdmx_error_message_is_a_deo_error(api: FakeApi, tmp_path) -> None:
    api.route("/xml/rest/data/DF_NOPE/all", Reply.file("sdmx_error_2_1.xml", status=400))
    with pytest.raises(DeoError, match="Dataflow DF_NOPE not found"):
        pull_sdmx(f"{api.base_url}/xml/rest", "DF_NOPE", cache_dir=tmp_path, backoff=0.001)


def test_no_data_is_a_deo_error(api: FakeApi, tmp_path) -> None:
    with pytest.raises(DeoError, match="no data for this query"):
        pull_sdmx(f"{api.base_url}/xml/rest", "DF_EMPTY", cache_dir=tmp_path)


def test_not_sdmx_is_a_deo_error_and_not_cached(api: FakeApi, tmp_path) -> None:
    api.route(XML_PATH, Reply(body=b"<html>maintenance</html>", content_type="text/html"))
    with pytest.raises(DeoError, match="could not be read as SDMX"):
        pull(api, tmp_path)
    assert not list(tmp_path.glob("cache/*/meta.json"))


def test_wrong_area_dimension_names_the_dimensions(api: FakeApi, tmp_path) -> None:
    with pytest.raises(DeoError, match="no GEO dimension.*REF_AREA"):
        pull(api, tmp_path, area_dimension="GEO")


def test_registered_by_name() -> None:
    assert get_connector("sdmx").pull is pull_sdmx


def test_structure_specific_without_dsd(api: FakeApi, tmp_path) -> None:
    path = "/ss/rest/data/DF_ICT_BUS/all"
    api.route(path, Reply.file("sdmx_structurespecific_2_1.xml"))
    pulled = pull_sdmx(f"{api.base_url}/ss/rest", "DF_ICT_BUS", cache_dir=tmp_path)
    frame = pulled.frame
    assert list(frame.columns) == [
        "indicator",
        "area",
        "period",
        "value",
        "status",
        "se",
        "SIZE_CLASS",
        "_row",
    ]
    got = {(r.SIZE_CLASS, r.value, r.se, r.status) for r in frame.itertuples()}
    assert got == {("10-49", 41.5, 1.2, "E"), ("250+", 88.0, 2.5, "E")}
    assert frame.attrs["source_columns"]["se"] == "STD_ERR"
