"""World Bank connector against a fake API on 127.0.0.1 (no network)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fake_api import FakeApi, Reply, running

from deo.core import DeoError
from deo.sources.connectors import cache as api_cache
from deo.sources.connectors import get_connector
from deo.sources.connectors.worldbank import LICENCE, pull_worldbank

INTERNET = "IT.NET.USER.ZS"
PAGED = f"/v2/country/all/indicator/{INTERNET}"


def paged(query: dict[str, str]) -> Reply:
    return Reply.file(f"worldbank_page{query.get('page', '1')}.json")


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with running() as server:
        server.route(PAGED, paged)
        yield server


@pytest.fixture(autouse=True)
def _online(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEO_OFFLINE", raising=False)
    monkeypatch.delenv("DEO_WORLDBANK_URL", raising=False)


def pull(api: FakeApi, tmp_path, **kw):
    kw.setdefault("cache_dir", tmp_path / "cache")
    kw.setdefault("backoff", 0.001)
    kw.setdefault("per_page", 4)
    return pull_worldbank([INTERNET], base_url=f"{api.base_url}/v2", **kw)


def test_paging_collects_all_pages(api: FakeApi, tmp_path) -> None:
    seen: list[tuple[int, int]] = []
    pulled = pull(api, tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert api.count(PAGED) == 3
    assert sorted(r.query["page"] for r in api.requests) == ["1", "2", "3"]
    assert all(r.query["format"] == "json" and r.query["per_page"] == "4" for r in api.requests)
    frame = pulled.frame
    assert list(frame.columns) == ["indicator", "area", "period", "value", "status", "_row"]
    got = {(r.area, r.period): r.value for r in frame.itertuples()}
    assert got == {
        ("KEN", "2022"): 40.8,
        ("KEN", "2021"): 38.2,
        ("RWA", "2022"): 30.5,
        ("RWA", "2021"): 26.3,
        ("UGA", "2021"): 10.0,
        ("TZA", "2022"): 31.6,
    }
    assert set(frame["indicator"]) == {INTERNET}
    assert frame.set_index("area").loc["UGA", "status"] == "E"
    # _row: position of the record in the fetched payload, across pages
    assert frame.set_index(["area", "period"]).loc[("TZA", "2022"), "_row"] == 10
    assert frame.attrs["source_columns"]["area"] == "countryiso3code"
    assert seen[-1] == (3, 3)
    assert pulled.licence == LICENCE and "CC BY 4.0" in pulled.licence
    assert pulled.from_cache is False
    assert INTERNET in pulled.source and INTERNET in pulled.url


def test_aggregates_and_nulls_dropped_and_counted(api: FakeApi, tmp_path) -> None:
    pulled = pull(api, tmp_path)
    assert not set(pulled.frame["area"]) & {"WLD", "AFE", ""}
    notes = " | ".join(pulled.notes)
    assert "skipped 3 rows for World Bank aggregates (WLD, AFE, XY) that are not economies" in notes
    assert "skipped 1 rows with no value" in notes
    assert "last updated IT.NET.USER.ZS on 2024-06-28" in notes


def test_area_and_date_go_into_the_request(api: FakeApi, tmp_path) -> None:
    path = f"/v2/country/KEN;UGA/indicator/{INTERNET}"
    api.route(path, Reply.file("worldbank_page3.json"))  # any valid single page will do
    pull(api, tmp_path, areas=["ken", "UGA"], start=2015, end=2023)
    request = api.requests[-1]
    assert request.path == path
    assert request.query["date"] == "2015:2023"


def test_catalogue_group_is_expanded(api: FakeApi, tmp_path) -> None:
    from deo.catalogue import get_catalogue

    members = get_catalogue().members("EAC")
    path = f"/v2/country/{';'.join(members)}/indicator/{INTERNET}"
    api.route(path, Reply.file("worldbank_page3.json"))
    pull(api, tmp_path, areas=["EAC"])
    assert api.requests[-1].path == path


def test_subannual_periods_are_normalised(api: FakeApi, tmp_path) -> None:
    code = "DP.DOD.DECD.CR.PS.CD"
    api.route(f"/v2/country/all/indicator/{code}", Reply.file("worldbank_subannual.json"))
    pulled = pull_worldbank(
        [code], base_url=f"{api.base_url}/v2", cache_dir=tmp_path, backoff=0.001
    )
    assert list(pulled.frame["period"]) == ["2023-Q2", "2023-Q1", "2023-04"]


def test_retries_503_then_succeeds(api: FakeApi, tmp_path) -> None:
    unavailable = Reply(503, b"Service Unavailable", "text/plain")
    api.route(PAGED, unavailable, unavailable, paged)
    pulled = pull(api, tmp_path)
    # page 1 asked three times (503, 503, ok), then pages 2 and 3
    assert [r.query["page"] for r in api.requests] == ["1", "1", "1", "2", "3"]
    assert len(pulled.frame) == 6


def test_429_respects_retry_after(api: FakeApi, tmp_path) -> None:
    busy = Reply(429, b"Too Many Requests", "text/plain", {"Retry-After": "0"})
    api.route(PAGED, busy, paged)
    began = time.monotonic()
    # A backoff this long would show if Retry-After: 0 were ignored.
    pulled = pull(api, tmp_path, backoff=5.0)
    assert time.monotonic() - began < 4
    assert api.count(PAGED) == 4
    assert len(pulled.frame) == 6


def test_gives_up_after_retries_without_cache(api: FakeApi, tmp_path) -> None:
    api.route(PAGED, Reply(500, b"boom", "text/plain"))
    with pytest.raises(DeoError, match="no usable answer after 3 tries"):
        pull(api, tmp_path, retries=2)
    assert api.count(PAGED) == 3


def test_error_payload_names_the_indicator(api: FakeApi, tmp_path) -> None:
    api.route("/v2/country/all/indicator/NOT.A.CODE", Reply.file("worldbank_error.json"))
    with pytest.raises(DeoError) as err:
        pull_worldbank(
            ["NOT.A.CODE"], base_url=f"{api.base_url}/v2", cache_dir=tmp_path, backoff=0.001
        )
    message = str(err.value)
    assert "NOT.A.CODE" in message
    assert "The provided parameter value is not valid" in message
    assert "120" in message
    assert api.count("/v2/country/all/indicator/NOT.A.CODE") == 1  # not retried
    assert not list(tmp_path.glob("*/meta.json"))  # and not cached


def test_cache_then_offline_with_server_stopped(tmp_path) -> None:
    cache_dir = tmp_path / "cache"
    with running() as server:
        server.route(PAGED, paged)
        online = pull(server, tmp_path, cache_dir=cache_dir)
        base = f"{server.base_url}/v2"
    assert online.from_cache is False
    assert online.as_of.tzinfo is not None
    assert abs(datetime.now(UTC) - online.as_of) < timedelta(minutes=1)
    (entry,) = list(cache_dir.glob("*/meta.json"))
    assert len(list(entry.parent.glob("body-*.bin"))) == 3

    # The server is gone: offline pulls read the cache only.
    seen: list[tuple[int, int]] = []
    offline = pull_worldbank(
        [INTERNET],
        base_url=base,
        per_page=4,
        cache_dir=cache_dir,
        offline=True,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert offline.from_cache is True
    assert offline.as_of == online.as_of
    assert offline.content_hash == online.content_hash
    assert offline.frame.equals(online.frame)
    assert any("from the cache" in note and "fetched on" in note for note in offline.notes)
    assert seen[-1] == (3, 3)


def test_offline_via_environment(api: FakeApi, tmp_path, monkeypatch) -> None:
    pull(api, tmp_path)
    asked = len(api.requests)
    monkeypatch.setenv("DEO_OFFLINE", "1")
    again = pull(api, tmp_path)
    assert again.from_cache is True
    assert len(api.requests) == asked


def test_offline_with_empty_cache_is_an_error(tmp_path) -> None:
    with pytest.raises(DeoError, match="not in the cache; run online once"):
        pull_worldbank(
            [INTERNET],
            base_url="http://127.0.0.1:9/v2",
            cache_dir=tmp_path / "empty",
            offline=True,
        )


def test_falls_back_to_cache_when_server_fails(api: FakeApi, tmp_path) -> None:
    first = pull(api, tmp_path)
    api.route(PAGED, Reply(503, b"down", "text/plain"))
    second = pull(api, tmp_path, retries=1)
    assert second.from_cache is True
    assert second.as_of == first.as_of
    assert second.frame.equals(first.frame)
    note = " ".join(second.notes)
    assert "could not be reached" in note
    assert f"from the cache fetched on {first.as_of:%Y-%m-%d}" in note


def test_content_hash_stable_across_pulls(api: FakeApi, tmp_path) -> None:
    first = pull(api, tmp_path, cache_dir=tmp_path / "a")
    second = pull(api, tmp_path, cache_dir=tmp_path / "b")
    assert second.from_cache is False
    assert len(first.content_hash) == 64
    assert first.content_hash == second.content_hash
    # different data, different hash
    api.route(PAGED, Reply.file("worldbank_page3.json"))
    third = pull(api, tmp_path, cache_dir=tmp_path / "c")
    assert third.content_hash != first.content_hash


def test_max_age_uses_a_fresh_cache_without_asking(api: FakeApi, tmp_path) -> None:
    pull(api, tmp_path)
    asked = len(api.requests)
    again = pull(api, tmp_path, max_age=timedelta(hours=1))
    assert again.from_cache is True and len(api.requests) == asked


def test_base_url_from_environment(api: FakeApi, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DEO_WORLDBANK_URL", f"{api.base_url}/v2")
    pulled = pull_worldbank([INTERNET], cache_dir=tmp_path, per_page=4, backoff=0.001)
    assert len(pulled.frame) == 6


def test_registered_by_name() -> None:
    assert get_connector("worldbank").pull is pull_worldbank
    with pytest.raises(DeoError, match="unknown connector"):
        get_connector("nope")


def test_cache_key_is_normalised(tmp_path) -> None:
    a = api_cache.request_key("HTTPS://Api.Example.org:443/v2/x/?b=2&a=1")
    b = api_cache.request_key("https://api.example.org/v2/x", {"a": 1, "b": "2", "c": None})
    assert a == b == "https://api.example.org/v2/x?a=1&b=2"
    api_cache.put(a, [b"one", b"two"], directory=tmp_path)
    entry = api_cache.get(b, directory=tmp_path)
    assert entry is not None and entry.bodies == (b"one", b"two")
    assert entry.age() < timedelta(minutes=1)
    assert "fetched on" in entry.describe()
    assert api_cache.get(a, max_age=timedelta(0), directory=tmp_path) is None


def test_no_data_gives_an_empty_frame_and_a_note(api: FakeApi, tmp_path) -> None:
    empty = (
        b'[{"page":1,"pages":0,"per_page":50,"total":0,"sourceid":"2",'
        b'"lastupdated":"2024-06-28"},null]'
    )
    api.route(PAGED, Reply(body=empty))
    pulled = pull(api, tmp_path)
    assert pulled.frame.empty
    assert list(pulled.frame.columns) == ["indicator", "area", "period", "value", "status", "_row"]
    assert any("no data for IT.NET.USER.ZS" in note for note in pulled.notes)
