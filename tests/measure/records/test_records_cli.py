"""`deo records` from the command line (DuckDB): generate, load the rates, check, aggregate
into the store; a user's mistakes exit with 1 and a message, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from deo.cli import main
from deo.store import Store


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    folder = tmp_path / "customs"
    assert main(["records", "generate", str(folder), "--rows", "20000", "--seed", "3"]) == 0
    return folder


def test_generate_load_check_aggregate(extract, capsys):
    assert main(["load", str(extract.parent / "customs-rates.csv")]) == 0
    assert main(["records", "check", str(extract), "--type", "customs", "--show", "3"]) == 0
    shown = capsys.readouterr().out
    assert "rejected: unknown-hs-code" in shown and "Rejected records (first 3)" in shown
    assert main(["records", "aggregate", "customs-ecommerce", str(extract),
                 "--reporter", "CHN", "--synthetic"]) == 0
    shown = capsys.readouterr().out
    assert "suppressed by disclosure control" in shown
    stored = Store.open().query(indicators=["DEO.ECOM.REC.EXP"], provenance=True)
    assert len(stored) and stored["synthetic"].all()
    assert set(stored["status"]) == {"A", "Q"}
    assert stored.loc[stored["status"] == "Q", "value"].isna().all()
    assert (stored["method"] == "records:customs-ecommerce@2024.1").all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["records", "aggregate", "no-such-recipe", "x.csv"], "no records recipe 'no-such-recipe'"),
        (["records", "check", "missing.csv", "--type", "customs"], "missing.csv: no such file"),
        (["records", "check", "x.txt", "--type", "parcels"], "unknown record type 'parcels'"),
        (["records", "aggregate", "customs-ecommerce", "{extract}"], "no reporting economy"),
        (["records", "aggregate", "customs-ecommerce", "{extract}", "-r", "CHN"],
         "no exchange rates in the store"),
        (["records", "aggregate", "customs-ecommerce", "{extract}", "-r", "CHN", "-e", "flink"],
         "unknown engine 'flink'"),
    ],
)
def test_mistakes_exit_1_with_a_message(args, message, extract, capsys):
    args = [a.replace("{extract}", str(extract)) for a in args]
    assert main(args) == 1
    shown = capsys.readouterr().err
    assert message in shown
    assert "Traceback" not in shown
