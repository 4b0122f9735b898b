"""Payments and platform sales on both engines, with answers worked out by hand: direction
from the merchant's and cardholder's economies, offline and foreign-only transactions out
of scope, values converted at the month's rate, and the records all accounted for."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from deo.measure.records import run_recipe
from deo.measure.records.recipe import load_recipe

RATES = pd.DataFrame([("KES", "2024-03", 125.0)], columns=["currency", "period", "value"])


def _payments(folder: Path) -> Path:
    rows = []
    # (merchant, cardholder, online, amount, currency, copies)
    plan = [("KEN", "KEN", "1", "250", "KES", 30),   # domestic: 30 x 2 USD
            ("USA", "KEN", "Y", "10", "USD", 25),    # import from USA: 25 x 10 USD
            ("KEN", "UGA", "true", "5", "USD", 22),  # export to UGA: 22 x 5 USD
            ("KEN", "KEN", "0", "99", "USD", 7),     # offline: out of scope
            ("USA", "FRA", "1", "99", "USD", 4)]     # neither side is Kenyan: out of scope
    n = 0
    for merchant, cardholder, online, amount, currency, copies in plan:
        for _ in range(copies):
            rows.append([f"T{n}", "2024-03-15", online, "5999", f"M{n % 4}", merchant,
                         cardholder, amount, currency])
            n += 1
    rows.append(rows[0])  # a duplicate
    frame = pd.DataFrame(rows, columns=[
        "transaction_id", "transaction_date", "online", "merchant_category_code",
        "merchant_id", "merchant_country", "cardholder_country", "amount", "currency"])
    path = folder / "payments.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def report(engine, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"payments-{engine}")
    recipe = load_recipe("payments-cnp")
    return run_recipe(recipe, [_payments(folder)], engine=engine, reporter="KEN", rates=RATES,
                      save=False, rejects_folder=folder / "rejects")


def test_directions_and_values(report):
    totals = report.cells[report.cells["table"] == ""]
    got = {r.direction: (r.records, r.cents) for r in totals.itertuples()}
    assert got == {"DOM": (30, 30 * 200), "IMP": (25, 25 * 1000), "EXP": (22, 22 * 500)}
    partners = report.cells[report.cells["table"] == "PARTNER"]
    assert {(r.direction, r.partner) for r in partners.itertuples()} == {
        ("IMP", "USA"), ("EXP", "UGA")}


def test_accounting(report):
    a = report.accounting
    assert a.out_of_scope == {"offline": 7, "not-reporter": 4}
    assert (a.rows_read, a.duplicates, a.counted) == (89, 1, 77)
    assert a.balanced


def test_every_cell_passes_the_recipes_rules(report):
    # 4 merchants share each cell evenly: (2, 90%) dominance holds, 20 records needed.
    hidden = dict(zip(report.cells["direction"], report.cells["suppressed"], strict=False))
    assert hidden == {"DOM": False, "IMP": False, "EXP": False}
    assert (report.observations["status"] == "A").all()
