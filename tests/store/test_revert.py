"""A reloaded earlier file is compared with the store's current state: when values have
been revised since, it is a new release that restores them (history kept)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deo.cli import main
from deo.core import Period
from deo.sources.load import load_files
from deo.store import Store

A = [("IT.NET.USER.ZS", "KEN", "2021", 29.5), ("IT.NET.USER.ZS", "UGA", "2021", 10.3)]
B = [("IT.NET.USER.ZS", "KEN", "2021", 31.0), ("IT.NET.USER.ZS", "UGA", "2021", 10.3)]


def frame(rows: list[tuple]) -> pd.DataFrame:
    """An observation frame from (indicator, area, period, value) tuples."""
    records = []
    for indicator, area, period, value in rows:
        p = Period.parse(period)
        records.append({"indicator": indicator, "area": area, "period": p.code,
                        "breakdown": "", "value": float(value), "status": "A", "se": None,
                        "ci_lower": None, "ci_upper": None, "period_start": p.start,
                        "period_end": p.end})
    return pd.DataFrame(records).astype({c: float for c in ("se", "ci_lower", "ci_upper")})


def current(store: Store) -> dict[str, float]:
    return store.query().set_index("area")["value"].to_dict()


def test_reloading_an_earlier_frame_restores_its_values(store: Store):
    first = store.load(frame(A), source="a", content_hash="a")
    second = store.load(frame(B), source="b", content_hash="b")
    assert current(store) == {"KEN": 31.0, "UGA": 10.3}

    again = store.load(frame(A), source="a", content_hash="a")
    assert again.duplicate_of is None
    assert (again.release_id, again.inserted, again.revised, again.unchanged) == (3, 0, 1, 1)
    assert current(store) == {"KEN": 29.5, "UGA": 10.3}
    # History kept: every version of KEN 2021, each vintage as it was.
    history = store.history("IT.NET.USER.ZS", "KEN", "2021")
    assert history["value"].tolist() == [29.5, 31.0, 29.5]
    assert history["superseded_by"].tolist()[:2] == [second.release_id, again.release_id]
    assert store.query(vintage=first.release_id).set_index("area")["value"]["KEN"] == 29.5
    assert store.query(vintage=second.release_id).set_index("area")["value"]["KEN"] == 31.0

    # Now A is current again: a fourth load of it is recognised, and named by the
    # release that made it current.
    fourth = store.load(frame(A), source="a", content_hash="a")
    assert fourth.duplicate_of == again.release_id
    assert store.counts()["releases"] == 3


def test_reloading_an_earlier_file_restores_its_values(store: Store, tmp_path: Path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("indicator,area,year,value\nIT.NET.USER.ZS,KEN,2021,29.5\n")
    b.write_text("indicator,area,year,value\nIT.NET.USER.ZS,KEN,2021,31\n")
    load_files(store, [a])
    load_files(store, [b])
    report = load_files(store, [a])
    assert report.results[0].duplicate_of is None and report.results[0].revised == 1
    assert current(store) == {"KEN": 29.5}


def test_cli_reload_of_an_earlier_file_says_it_revised(tmp_path: Path, capsys):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("indicator,area,year,value\nIT.NET.USER.ZS,KEN,2021,29.5\n")
    b.write_text("indicator,area,year,value\nIT.NET.USER.ZS,KEN,2021,31\n")
    assert main(["load", str(a)]) == 0
    assert main(["load", str(b)]) == 0
    capsys.readouterr()
    assert main(["load", str(a)]) == 0
    out = capsys.readouterr().out
    assert "already loaded" not in out and "release 3" in out and "1 revised" in out
    assert main(["query", "-i", "IT.NET.USER.ZS", "-o", "csv"]) == 0
    assert ",29.5," in capsys.readouterr().out


def test_an_index_rebuild_restores_values_when_its_inputs_go_back(
    store: Store, tmp_path: Path, catalogue
):
    """Build, revise an input, rebuild, revert the input, rebuild: the index is back to
    the first build's values (the third build holds the first build's observations)."""
    from deo.assess.build import build_index

    areas = {"KEN": (30, 40, 5, 50), "UGA": (10, 20, 2, 30), "CHE": (90, 95, 80, 95),
             "BRA": (60, 70, 20, 60)}
    names = ("INTERNET", "ACCOUNT", "SERVERS", "POSTAL")
    rows = ["indicator,area,period,value"] + [
        f"UNCTAD.B2C.{n},{area},2020,{v}" for area, vs in areas.items()
        for n, v in zip(names, vs, strict=True)
    ]
    inputs = tmp_path / "inputs.csv"
    inputs.write_text("\n".join(rows) + "\n")
    revised = tmp_path / "revised.csv"
    revised.write_text("indicator,area,period,value\nUNCTAD.B2C.INTERNET,KEN,2020,63\n")
    restored = tmp_path / "restored.csv"
    restored.write_text("indicator,area,period,value\nUNCTAD.B2C.INTERNET,KEN,2020,30\n")
    recipe = "unctad-b2c-2020-published"

    def index() -> dict[str, float]:
        got = store.query(indicators=["UNCTAD.B2C.INDEX.REBUILT"])
        return got.set_index("area")["value"].to_dict()

    load_files(store, [inputs], catalogue=catalogue)
    build_index(store, catalogue, recipe, 2020)
    first = index()
    load_files(store, [revised], catalogue=catalogue)
    build_index(store, catalogue, recipe, 2020)
    assert index()["KEN"] != first["KEN"]
    load_files(store, [restored], catalogue=catalogue)
    third = build_index(store, catalogue, recipe, 2020)
    assert third.stored.duplicate_of is None and third.stored.revised > 0
    assert index() == first


def test_a_rebuild_withdraws_the_values_of_an_area_it_no_longer_scores(
    store: Store, tmp_path: Path, catalogue
):
    """KEN loses a component (revised to missing): the rebuild excludes it, and its
    earlier index value must not stay current beside the new results."""
    from deo.assess.build import build_index

    areas = {"KEN": (30, 40, 5, 50), "UGA": (10, 20, 2, 30), "CHE": (90, 95, 80, 95),
             "BRA": (60, 70, 20, 60)}
    names = ("INTERNET", "ACCOUNT", "SERVERS", "POSTAL")
    rows = ["indicator,area,period,value"] + [
        f"UNCTAD.B2C.{n},{area},2020,{v}" for area, vs in areas.items()
        for n, v in zip(names, vs, strict=True)
    ]
    inputs = tmp_path / "inputs.csv"
    inputs.write_text("\n".join(rows) + "\n")
    missing = tmp_path / "missing.csv"
    missing.write_text("indicator,area,period,value,status\nUNCTAD.B2C.INTERNET,KEN,2020,,M\n")
    recipe, index = "unctad-b2c-2020-published", ["UNCTAD.B2C.INDEX.REBUILT"]

    load_files(store, [inputs], catalogue=catalogue)
    first = build_index(store, catalogue, recipe, 2020).stored
    assert set(store.query(indicators=index)["area"]) == {"KEN", "UGA", "CHE", "BRA"}
    load_files(store, [missing], catalogue=catalogue)
    second = build_index(store, catalogue, recipe, 2020)
    assert "KEN" in second.result.excluded
    assert second.stored.withdrawn == 1 and second.stored.duplicate_of is None
    assert set(store.query(indicators=index)["area"]) == {"UGA", "CHE", "BRA"}
    # History kept: the earlier vintage still holds KEN, and explain shows it withdrawn.
    assert "KEN" in set(store.query(indicators=index, vintage=first.release_id)["area"])
    history = store.history(index[0], "KEN", "2020")
    assert history["superseded_by"].tolist() == [second.stored.release_id]
    assert "withdrawn" in store.releases()["note"].iloc[-1]
    # Loaded data are never withdrawn: only computed values are a complete result.
    assert store.query(indicators=["UNCTAD.B2C.ACCOUNT"], areas=["KEN"])["value"].tolist() == [40]


def test_cli_says_what_a_rebuild_withdrew(tmp_path: Path, capsys):
    rows = ["indicator,area,period,value"] + [
        f"UNCTAD.B2C.{n},{area},2020,{v}" for area, v0 in (("KEN", 30), ("UGA", 10),
                                                        ("CHE", 90))
        for n, v in zip(("INTERNET", "ACCOUNT", "SERVERS", "POSTAL"),
                        (v0, v0 + 5, v0 / 2, v0 + 10), strict=True)
    ]
    inputs, missing = tmp_path / "inputs.csv", tmp_path / "missing.csv"
    inputs.write_text("\n".join(rows) + "\n")
    missing.write_text("indicator,area,period,value,status\nUNCTAD.B2C.POSTAL,UGA,2020,,M\n")
    assert main(["load", str(inputs)]) == 0
    assert main(["index", "build", "unctad-b2c-2020-published", "--year", "2020"]) == 0
    assert main(["load", str(missing)]) == 0
    capsys.readouterr()
    assert main(["index", "build", "unctad-b2c-2020-published", "--year", "2020"]) == 0
    assert "1 earlier computed value is no longer computed; withdrawn." in capsys.readouterr().out


def computed(rows: list[tuple], method: str) -> pd.DataFrame:
    out = frame(rows)
    out["method"] = method
    return out


def test_only_an_index_build_withdraws_and_only_its_own_method(store: Store):
    both = [("UNCTAD.B2C.INDEX", "KEN", "2020", 40.0), ("UNCTAD.B2C.INDEX", "UGA", "2020", 20.0)]
    store.load(computed(both, "b2c@1.0"), source="build", content_hash="1", format="index")
    store.load(computed([("UNCTAD.B2C.INDEX", "BRA", "2020", 50.0)], "other@1.0"),
               source="build", content_hash="2", format="index")
    store.load(computed([("UNCTAD.B2C.INDEX", "KEN", "2019", 39.0)], "b2c@1.0"),
               source="build", content_hash="3", format="index")
    rebuilt = store.load(computed(both[1:], "b2c@1.0"), source="build", content_hash="4",
                         format="index")
    assert rebuilt.withdrawn == 1
    # KEN 2020 by b2c@1.0 withdrawn; another method's value and another year's stay.
    got = store.query(indicators=["UNCTAD.B2C.INDEX"])
    assert {(r.area, r.period) for r in got.itertuples()} == {
        ("UGA", "2020"), ("BRA", "2020"), ("KEN", "2019")}


def test_a_survey_run_for_another_area_withdraws_nothing(store: Store):
    """One survey map (one method) serves many economies, run one at a time."""
    store.load(computed([("IT.NET.USER.ZS", "KEN", "2023", 40.0)], "map@1"),
               source="survey", content_hash="k", format="survey")
    uga = store.load(computed([("IT.NET.USER.ZS", "UGA", "2023", 20.0)], "map@1"),
                     source="survey", content_hash="u", format="survey")
    assert uga.withdrawn == 0
    assert set(store.query()["area"]) == {"KEN", "UGA"}
