"""Issue 13, item 8: `index diff` compares builds of one recipe AND year and refuses other
releases; pillar ids must be named and unique; the portal and the API draw the same
Monte Carlo runs, so they show the same rank intervals."""

from __future__ import annotations

import textwrap

import pytest
from fastapi.testclient import TestClient

from deo.assess.recipe import load_recipe
from deo.cli import main
from deo.core import DeoError

RECIPE = "unctad-b2c-2020-published"
COMPONENTS = ("INTERNET", "ACCOUNT", "SERVERS", "POSTAL")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def inputs(tmp_path, name: str, rows: dict[tuple[str, str], float]) -> str:
    """A CSV of the recipe's four components: {(area, year): value of every component}."""
    path = tmp_path / name
    lines = [f"UNCTAD.B2C.{c},{area},{year},{value}"
             for (area, year), value in rows.items() for c in COMPONENTS]
    path.write_text("indicator,area,period,value\n" + "\n".join(lines) + "\n")
    return str(path)


@pytest.fixture
def builds(tmp_path, capsys) -> dict[str, int]:
    """Releases: 1 inputs, 2 build 2019, 3 revised KEN 2019, 4 build 2019, 5 build 2020."""
    base = {("KEN", "2020"): 40, ("UGA", "2020"): 20, ("FRA", "2020"): 90,
            ("KEN", "2019"): 30, ("UGA", "2019"): 10, ("FRA", "2019"): 80}
    assert run(capsys, "load", inputs(tmp_path, "base.csv", base))[0] == 0
    assert run(capsys, "index", "build", RECIPE, "--year", "2019")[0] == 0
    assert run(capsys, "load", inputs(tmp_path, "rev.csv", {("KEN", "2019"): 50}))[0] == 0
    assert run(capsys, "index", "build", RECIPE, "--year", "2019")[0] == 0
    assert run(capsys, "index", "build", RECIPE, "--year", "2020")[0] == 0
    return {"inputs": 1, "2019": 2, "2019 again": 4, "2020": 5}


def test_diff_compares_the_builds_of_the_year(builds, capsys):
    code, out, err = run(capsys, "index", "diff", RECIPE, "--year", "2019")
    assert code == 0, err
    assert "release 2 -> 4" in out  # not 4 -> 5 (a 2020 build)
    ken = next(r for r in out.splitlines() if "KEN" in r)
    before, after = (float(c) for c in ken.split("│")[2:4])
    # The recipe takes published scores as they are: the index is their mean.
    assert (before, after) == pytest.approx((30.0, 50.0))
    # Only one build of 2020: there is nothing to compare it with.
    code, _, err = run(capsys, "index", "diff", RECIPE, "--year", "2020")
    assert code == 1 and "1 stored build(s) for 2020" in err
    # --to the first build: nothing before it, which the message says.
    code, _, err = run(capsys, "index", "diff", RECIPE, "--year", "2019", "--to", "2")
    assert code == 1 and "release 2 is the first build" in err and "(4)" in err


@pytest.mark.parametrize("release, why", [
    ("1", "release 1 is not a build of unctad-b2c-2020-published@1.0 for 2019"),  # a load
    ("5", "release 5 is not a build of unctad-b2c-2020-published@1.0 for 2019"),  # 2020
])
def test_diff_refuses_a_release_that_is_not_a_build_of_the_year(builds, capsys, release, why):
    code, _, err = run(capsys, "index", "diff", RECIPE, "--year", "2019", "--from", release,
                       "--to", "4")
    assert code == 1 and why in err and "its builds for 2019: 2, 4" in err
    code, _, err = run(capsys, "index", "diff", RECIPE, "--year", "2019", "--to", release)
    assert code == 1 and why in err


HEAD = """
[index]
id = "test-index"
version = "0.1"
indicator = "UNCTAD.B2C.SERVERS.SCORE"
name = "Test index"
source = "tests"
"""


def pillars(*ids: str) -> str:
    body = "".join(f'[[pillar]]\nid = "{p}"\n' for p in ids)
    return body + "".join(
        f'[[component]]\nid = "c{k}"\nindicator = "IT.NET.USER.ZS"\npillar = "{p}"\n'
        for k, p in enumerate(ids))


@pytest.mark.parametrize("body, message", [
    (pillars("", "b"), r"bad\.toml: \[\[pillar\]\] number 1: id = '': a pillar needs a name"),
    (pillars("a", "   "),
     r"bad\.toml: \[\[pillar\]\] number 2: id = '   ': a pillar needs a name"),
    (pillars("a", "\u200b"),  # a zero-width space: shows nothing
     r"bad\.toml: pillar '\\u200b': id = '\\u200b': a pillar needs a name"),
    (pillars("a", "a"), r"bad\.toml: pillar 'a': id = 'a' is given to two pillars"),
    (pillars("a", " b"), r"bad\.toml: pillar ' b': id = ' b': remove the spaces"),
    ('[[component]]\nid = "c"\nindicator = "IT.NET.USER.ZS"\npillar = "a"\n',
     r"bad\.toml: component 'c': pillar = 'a', but the recipe has no \[\[pillar\]\]"),
    ('[[component]]\nid = " "\nindicator = "IT.NET.USER.ZS"\n',
     r"bad\.toml: component ' ': id = ' ': a component needs a name"),
    ('[[component]]\nid = "c"\nindicator = "IT.NET.USER.ZS"\n' * 2,
     r"bad\.toml: recipe: component ids must be unique \('c' given twice\)"),
    ('pillar = ["a"]\n',
     r"bad\.toml: recipe: pillar 1 is 'a', not a \[\[pillar\]\] table"),
])
def test_pillar_ids_are_named_and_unique(tmp_path, catalogue, body, message):
    path = tmp_path / "bad.toml"
    top_level = body.startswith("pillar =")  # a top-level key comes before any table
    path.write_text(body + textwrap.dedent(HEAD) if top_level else textwrap.dedent(HEAD) + body)
    with pytest.raises(DeoError, match=message):
        load_recipe(str(path), catalogue)


def test_portal_and_api_draw_the_same_runs(tmp_path, reference_data, monkeypatch):
    """The portal's index page and the API's ranking with intervals analyse the build
    with the same number of runs and the same seed, so their intervals agree."""
    import deo.assess.sensitivity as sensitivity
    import deo.publish.api.indices as api
    from deo.publish.app import create_app
    from deo.sources.load import load_files
    from deo.store import Store

    store = Store.open(f"sqlite:///{tmp_path / 'b2c.sqlite'}")
    for name, column in {"INTERNET": "internet_users_pct_2019_or_latest",
                         "ACCOUNT": "account_ownership_pct_15plus_2017",
                         "SERVERS": "secure_servers_normalized_2019",
                         "POSTAL": "upu_postal_reliability_2019_or_latest"}.items():
        load_files(store, [reference_data / "b2c_index_2020_published.csv"],
                   columns={"value": column},
                   constants={"indicator": f"UNCTAD.B2C.{name}", "period": "2020"})
    calls = []
    real = sensitivity.analyse

    def spy(result, runs, seed, *args):  # both callers pass runs and seed
        calls.append((runs, seed))
        return real(result, runs, seed, *args)

    monkeypatch.setattr(sensitivity, "analyse", spy)  # the page imports it when it runs
    monkeypatch.setattr(api, "analyse", spy)
    client = TestClient(create_app(store))
    assert client.get(f"/en/indices/{RECIPE}", params={"year": 2020}).status_code == 200
    body = client.get(f"/api/v1/indices/{RECIPE}/ranking",
                      params={"year": 2020, "intervals": True}).json()
    assert len(calls) == 2 and calls[0] == calls[1]
    assert calls[0] == (1000, 0)  # the documented defaults (docs/indices.md)
    assert body["data"][0]["p95"] >= body["data"][0]["p05"]
