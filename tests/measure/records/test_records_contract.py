"""Records that break their contract land in the rejects dataset with the rule they broke,
on both engines, and the counts balance; a file without a required column is refused with
a message naming it."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from deo.core import DeoError
from deo.measure.records import check_records

HEADER = ["declaration_id", "amendment_of", "declaration_date", "regime", "direction", "origin",
          "destination", "hs_code", "hs_version", "declared_value", "currency", "quantity",
          "weight_kg", "customer", "platform"]
GOOD = ["D1", "", "2024-03-05", "9610", "E", "CHN", "USA", "851712", "HS2017", "25.50", "USD",
        "1", "0.4", "B2C", "PLT01"]
#: (field, bad value, the rule it breaks)
DEFECTS = [
    ("declaration_date", "2024-02-30", "bad-date"),
    ("declaration_date", "05/03/2024", "bad-date"),
    ("currency", "ZZZ", "unknown-currency"),
    ("declared_value", "-3", "negative-value"),
    ("declared_value", "12,5", "not-a-number"),
    ("hs_code", "7712", "unknown-hs-code"),
    ("hs_code", "770000", "unknown-hs-code"),
    ("declaration_id", "", "missing-key"),
    ("origin", "XX", "unknown-area"),
    ("direction", "sideways", "unknown-code"),
    ("regime", "", "missing-value"),
]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> Path:
    rows = []
    for i in range(20):  # good records, some with spellings the contract accepts
        good = list(GOOD)
        good[0] = f"D{i}"
        good[6] = "US" if i % 2 else "usa"
        good[7] = "8517.12" if i % 3 == 0 else "851712"
        rows.append(good)
    for i, (field, value, _rule) in enumerate(DEFECTS):
        bad = list(GOOD)
        bad[0] = f"X{i}"
        bad[HEADER.index(field)] = value
        rows.append(bad)
    return _write(tmp_path_factory.mktemp("contract") / "extract.csv", rows)


@pytest.fixture(scope="module")
def checked(engine, extract, tmp_path_factory):
    return check_records([extract], "customs", engine=engine,
                         rejects_folder=tmp_path_factory.mktemp(f"rejects-{engine}"))


def test_each_defect_is_rejected_with_its_rule(checked):
    rejects = pd.read_parquet(checked.rejects_path / "contract.parquet")
    rejects["declaration_id"] = rejects["declaration_id"].fillna("")
    by_id = {(r.declaration_id, r.rule, r.column) for r in rejects.itertuples()}
    expected = {("" if f == "declaration_id" else f"X{i}", rule, f)
                for i, (f, _value, rule) in enumerate(DEFECTS)}
    assert by_id == expected
    bad_date = rejects[rejects["value"] == "2024-02-30"]
    assert list(bad_date["rule"]) == ["bad-date"]
    assert rejects["file"].str.endswith("extract.csv").all()


def test_counts_balance(checked):
    a = checked.accounting
    assert a.rows_read == 20 + len(DEFECTS)
    assert a.counted == 20
    assert sum(a.rejected.values()) == len(DEFECTS)
    assert a.balanced


def test_a_missing_required_column_is_named(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("declaration_id,declaration_date\nD1,2024-01-01\n")
    with pytest.raises(DeoError, match=r"short.csv: no column regime, direction"):
        check_records([path], "customs")


def test_an_unknown_record_type_lists_the_known_ones(tmp_path):
    with pytest.raises(DeoError, match=r"unknown record type 'parcels'.*customs"):
        check_records([tmp_path], "parcels")
