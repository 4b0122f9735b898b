"""The `deo` command as a user runs it: exit codes, messages, outputs."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from deo.cli import main

CSV = (
    "indicator,iso3,year,value\n"
    "IT.NET.USER.ZS,KEN,2021,29.5\n"
    "IT.NET.USER.ZS,KEN,2022,32.7\n"
    "IT.NET.USER.ZS,UGA,2022,10.3\n"
    "IT.NET.USER.ZS,FRA,2022,85.3\n"
)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def loaded(tmp_path: Path, capsys) -> Path:
    path = tmp_path / "internet.csv"
    path.write_text(CSV)
    code, out, _ = run(capsys, "load", str(path), "--source", "ITU", "--licence", "CC-BY-4.0")
    assert code == 0, out
    assert "release 1, 4 rows: 4 new" in out
    return path


def test_query_csv_returns_the_loaded_values(loaded, capsys):
    code, out, _ = run(capsys, "query", "-i", "IT.NET.USER.ZS", "-o", "csv")
    assert code == 0
    got = pd.read_csv(io.StringIO(out), keep_default_na=False)
    assert got[["area", "period", "value"]].values.tolist() == [
        ["FRA", 2022, 85.3], ["KEN", 2021, 29.5], ["KEN", 2022, 32.7], ["UGA", 2022, 10.3],
    ]


def test_query_json_by_group_and_period(loaded, capsys):
    code, out, _ = run(capsys, "query", "-g", "EAC", "-p", "2022", "-o", "json")
    assert code == 0
    body = json.loads(out)
    assert {(o["area"], o["value"]) for o in body["observations"]} == {
        ("KEN", 32.7), ("UGA", 10.3)
    }
    assert "note" not in body  # not synthetic


def test_reload_is_recognised(loaded, capsys):
    code, out, _ = run(capsys, "load", str(loaded))
    assert code == 0 and "already loaded as release 1" in out


def test_bad_file_exit_1_names_row_column_value_and_keeps_store(tmp_path, loaded, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,iso3,year,value\nIT.NET.USER.ZS,KEN,2023,140\nIT.NET.USER.ZS,KE,2023,3\n")
    code, out, err = run(capsys, "load", str(bad))
    assert code == 1
    assert "Traceback" not in err
    assert "2 problems; nothing was loaded" in err
    for expected in ("bad.csv", "140", "out-of-range", "KE", "unknown-area", "KEN"):
        assert expected in err
    assert "rejects" in err
    code, out, _ = run(capsys, "releases")
    assert "bad.csv" not in out


def test_check_validates_without_writing(tmp_path, capsys):
    path = tmp_path / "internet.csv"
    path.write_text(CSV)
    code, out, _ = run(capsys, "load", "--check", str(path))
    assert code == 0 and "no problems found" in out
    code, out, _ = run(capsys, "releases")
    assert "No release yet" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["query", "--bogus"], "No such option"),
        (["query", "-i", "IT.NET.USR.ZS"], "did you mean IT.NET.USER.ZS"),
        (["query", "-a", "KE"], "alpha-3 code is KEN"),
        (["query", "-p", "2020-13"], "is not a period such as 2023"),
        (["query", "-o", "xml"], "expected table, csv or json"),
        (["query", "--vintage", "9"], "no release 9"),
        (["load", "nowhere.csv"], "no such file"),
        (["load", "x.csv", "--column", "value"], "expected NAME=VALUE"),
        (["explain", "IT.NET.USER.ZS", "KEN", "1999"], "no observation"),
        (["areas", "--kind", "planet"], "expected economy, region, group or aggregate"),
    ],
)
def test_user_mistakes_exit_1_with_a_message(argv, message, capsys):
    code, out, err = run(capsys, *argv)
    assert code == 1
    assert message in err
    assert "Traceback" not in err + out


def test_internal_error_exits_2_without_traceback(monkeypatch, capsys):
    import deo.store.store as store_module

    def broken(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(store_module.Store, "counts", broken)
    code, out, err = run(capsys, "init")
    assert code == 2
    assert "internal error: RuntimeError: boom" in err and "bug" in err
    assert "Traceback" not in err


def test_vintage_and_explain_show_history(tmp_path, loaded, capsys):
    revised = tmp_path / "revised.csv"
    revised.write_text("indicator,iso3,year,value\nIT.NET.USER.ZS,KEN,2022,33.1\n")
    code, out, _ = run(capsys, "load", str(revised))
    assert "1 revised" in out
    _, now, _ = run(capsys, "query", "-a", "KEN", "-p", "2022", "-o", "csv")
    _, then, _ = run(capsys, "query", "-a", "KEN", "-p", "2022", "-o", "csv", "--vintage", "1")
    assert "33.1" in now and "32.7" not in now
    assert "32.7" in then and "33.1" not in then
    code, out, _ = run(capsys, "explain", "IT.NET.USER.ZS", "KEN", "2022")
    assert code == 0
    assert "= 33.1" in out and "internet.csv" in out and "revised.csv" in out


def test_export_then_load_elsewhere_round_trips(tmp_path, loaded, capsys, monkeypatch):
    target = tmp_path / "out.sdmx.csv"
    code, out, _ = run(capsys, "export", str(target), "-i", "IT.NET.USER.ZS")
    assert code == 0 and "Wrote 4 observations" in out
    assert target.read_text().startswith("DATAFLOW")
    monkeypatch.setenv("DEO_HOME", str(tmp_path / "elsewhere"))
    code, out, _ = run(capsys, "load", str(target))
    assert code == 0 and "4 new" in out


def test_catalogue_listings(capsys):
    code, out, _ = run(capsys, "indicators", "B3", "--lang", "fr")
    assert code == 0 and "B3" in out and "entreprises" in out.lower()
    code, out, _ = run(capsys, "areas", "-g", "EAC")
    assert code == 0 and "KEN" in out and "FRA" not in out
    code, out, _ = run(capsys, "formats")
    assert code == 0 and "sdmx-json" in out


def test_demo_without_reference_data_or_network_is_synthetic_and_says_so(monkeypatch, capsys):
    monkeypatch.setenv("DEO_REFERENCE_DATA", "/nonexistent")
    monkeypatch.setenv("DEO_OFFLINE", "1")
    code, out, _ = run(capsys, "demo", "--no-serve")
    assert code == 0 and "SYNTHETIC" in out
    code, out, _ = run(capsys, "query", "-i", "IT.NET.USER.ZS", "-a", "KEN", "-o", "json")
    body = json.loads(out)
    assert body["observations"] and all(o["synthetic"] for o in body["observations"])
    assert "SYNTHETIC" in body["note"]
    code, out, _ = run(capsys, "query", "-i", "IT.NET.USER.ZS", "-a", "KEN", "-o", "csv")
    assert "synthetic" in out.splitlines()[0]
    code, out, _ = run(capsys, "query", "-i", "IT.NET.USER.ZS", "-a", "KEN")
    assert "SYNTHETIC" in out


def test_demo_with_reference_data_uses_it(reference_data, monkeypatch, capsys):
    monkeypatch.setenv("DEO_REFERENCE_DATA", str(reference_data))
    code, out, _ = run(capsys, "demo", "--no-serve")
    assert code == 0 and "published reference tables" in out
    assert "Index unctad-b2c-2020-published 2020: 152 areas scored" in out
    code, out, _ = run(capsys, "releases")
    assert "wdi_digital.csv" in out and "unctad_dds" in out


def test_debug_shows_the_traceback_and_still_exits_2(monkeypatch, capsys):
    import deo.store.store as store_module

    def broken(*_a, **_k):
        raise RuntimeError("boom")

    monkeypatch.setattr(store_module.Store, "counts", broken)
    monkeypatch.setenv("DEO_DEBUG", "1")
    code, _, err = run(capsys, "init")
    assert code == 2 and "Traceback" in err and "RuntimeError: boom" in err


def test_a_group_given_as_area_gets_a_hint(loaded, capsys):
    code, out, err = run(capsys, "query", "-a", "EAC")
    assert code == 0 and "No observation matches" in out
    assert "--group EAC selects its economies" in err


def test_explain_an_alias_with_a_fixed_breakdown(tmp_path, capsys):
    path = tmp_path / "b12.csv"
    path.write_text("indicator,area,year,value\nB12,KEN,2022,11\nB12_IDEL,KEN,2022,7\n")
    assert run(capsys, "load", str(path))[0] == 0
    code, out, _ = run(capsys, "explain", "B12_IDEL", "KEN", "2022")
    assert code == 0 and "INTERNET_ACTIVITY=IDEL" in out and "= 7" in out


def test_releases_show_the_note(tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_text(CSV)
    run(capsys, "load", str(path), "--note", "first national survey")
    code, out, _ = run(capsys, "releases")
    assert "first national survey" in out


def test_unused_columns_are_named(tmp_path, capsys):
    path = tmp_path / "labelled.csv"
    path.write_text("indicator,iso3,country,year,value\nIT.NET.USER.ZS,KEN,Kenya,2021,29.5\n")
    code, _, err = run(capsys, "load", str(path))
    assert code == 0 and "labelled.csv: columns not used: country" in err


def test_check_refuses_a_file_with_no_record(tmp_path, capsys):
    path = tmp_path / "header.csv"
    path.write_text("indicator,area,year,value\n")
    code, _, err = run(capsys, "load", "--check", str(path))
    assert code == 1 and "nothing to load from header.csv" in err


def test_a_corrupt_store_is_a_user_error(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("DEO_DATABASE_URL", f"sqlite:///{broken}")
    code, _, err = run(capsys, "releases")
    assert code == 1 and "cannot open the database" in err
