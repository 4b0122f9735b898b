"""`deo pull worldbank` end to end against a fake API on 127.0.0.1: fetched, validated,
stored as a release with its licence and "as of" date; then served offline from cache."""

from __future__ import annotations

from fake_api import Reply, running

from deo.cli import main
from deo.store import Store

PATH = "/v2/country/all/indicator/IT.NET.USER.ZS"


def test_pull_loads_a_release_then_works_offline(monkeypatch, capsys):
    with running() as api:
        api.route(PATH, lambda q: Reply.file(f"worldbank_page{q.get('page', '1')}.json"))
        monkeypatch.setenv("DEO_WORLDBANK_URL", f"{api.base_url}/v2")
        assert main(["pull", "worldbank", "-i", "IT.NET.USER.ZS"]) == 0
        out = capsys.readouterr().out
        assert "6 new" in out
        asked = api.count(PATH)
    store = Store.open()
    release = store.releases().iloc[0]
    assert release.format == "api" and "CC BY 4.0" in release.licence
    assert release.as_of is not None
    got = {(r.area, r.period): r.value for r in store.query().itertuples()}
    assert got[("KEN", "2022")] == 40.8 and got[("UGA", "2021")] == 10.0

    # The server is gone: offline, the cached answer is recognised as already loaded.
    assert main(["pull", "worldbank", "-i", "IT.NET.USER.ZS", "--offline"]) == 0
    captured = capsys.readouterr()
    assert "already loaded as release 1" in captured.out
    assert "local cache" in captured.err
    assert asked >= 3


def test_pull_offline_without_cache_is_a_user_error(capsys):
    code = main(["pull", "worldbank", "-i", "IT.NET.USER.ZS", "--offline"])
    assert code == 1
    assert "Traceback" not in capsys.readouterr().err


def test_demo_without_reference_data_pulls_from_the_world_bank(monkeypatch, capsys):
    import json

    from deo.sources.demo import WORLDBANK_INDICATORS

    def answer(code: str):
        rows = [
            {"indicator": {"id": code}, "countryiso3code": area, "date": "2022",
             "value": value, "obs_status": ""}
            for area, value in (("KEN", 40.5), ("UGA", 10.25))
        ]
        meta = {"page": 1, "pages": 1, "per_page": 1000, "total": 2}
        return Reply(body=json.dumps([meta, rows]).encode())

    monkeypatch.setenv("DEO_REFERENCE_DATA", "/nonexistent")
    monkeypatch.delenv("DEO_OFFLINE", raising=False)
    with running() as api:
        for code in WORLDBANK_INDICATORS:
            api.route(f"/v2/country/all/indicator/{code}", answer(code))
        monkeypatch.setenv("DEO_WORLDBANK_URL", f"{api.base_url}/v2")
        assert main(["demo", "--no-serve"]) == 0
    assert "pulled from the World Bank Indicators API" in capsys.readouterr().out
    store = Store.open()
    assert store.counts()["observations"] == 2 * len(WORLDBANK_INDICATORS)
    assert not store.query()["synthetic"].any()
