"""Money is converted exactly: amount x rate(target) / rate(currency), rounded half up to
the cent, as Python's ``decimal`` computes it, on DuckDB and on Spark (issue 13, item 11:
binary floating point gave 12.52 for 10.02 EUR at 0.8 EUR per USD, not 12.525 -> 12.53)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deo.measure.records import run_recipe
from deo.measure.records.engines import connect
from deo.measure.records.rates import conversion_factors
from deo.measure.records.standardise import exact_cents

HEADER = ["declaration_id", "amendment_of", "declaration_date", "regime", "direction", "origin",
          "destination", "hs_code", "hs_version", "declared_value", "currency", "quantity",
          "weight_kg", "customer", "platform"]


def _half_up(amount: str, target_rate: str, rate: str) -> int:
    """The documented answer, in cents, by Python's decimal module."""
    with localcontext() as ctx:
        ctx.prec = 80
        value = Decimal(amount) * Decimal(target_rate) / Decimal(rate)
        return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _write(folder: Path, rows: list[tuple[str, str, str]]) -> Path:
    """Export declarations of CHN, one per (id, value, currency), each from its own platform."""
    path = folder / "money.csv"
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for key, value, currency in rows:
            out.writerow([key, "", "2024-01-15", "9610", "E", "CHN", "USA", "851712", "HS2017",
                          value, currency, "1", "", "B2C", f"P-{key}"])
    return path


def test_ten_oh_two_euros_at_0_8_are_12_53_dollars(engine, tmp_path):
    rates = pd.DataFrame([("EUR", "2024-01", 0.8), ("CNY", "2024-01", 7.1912)],
                         columns=["currency", "period", "value"])
    # 8.989 CNY / 7.1912 = 1.25 exactly: a tie through a factor that has no finite decimal
    rows = [("D1", "10.02", "EUR"), ("D2", "0.005", "USD"), ("D3", "8.989", "CNY"),
            ("D4", "2.675", "USD")]
    report = run_recipe("customs-ecommerce", [_write(tmp_path, rows)], engine=engine,
                        reporter="CHN", rates=rates, save=False, rejects_folder=tmp_path)
    assert report.accounting.counted == 4
    total = report.cells[report.cells["table"] == ""]
    assert total["cents"].tolist() == [1253 + 1 + 125 + 268]
    assert _half_up("10.02", "1", "0.8") == 1253


AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False,
                      allow_infinity=False).map(lambda d: d.normalize())
RATES = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999"), places=4,
                    allow_nan=False, allow_infinity=False).filter(lambda d: d > 0)
CASES = st.tuples(RATES, st.lists(st.tuples(AMOUNTS, RATES), min_size=1, max_size=40))


@pytest.mark.parametrize("examples", [60])
def test_exact_cents_equal_decimal_half_up(engine, examples):
    """Random amounts (up to 6 decimals) and rates (up to 4): the rates through
    conversion_factors, the cents through the engine, against Python's decimal."""
    session = connect(engine)
    try:
        @settings(max_examples=examples if engine == "duckdb" else 3,
                  deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(CASES)
        def check(drawn):
            target_rate, cases = drawn
            rates = pd.DataFrame(
                [("XTS", "2024-01", float(target_rate))]
                + [(f"C{i:02d}", "2024-01", float(rate)) for i, (_a, rate) in enumerate(cases)],
                columns=["currency", "period", "value"])
            factors = conversion_factors(rates, "XTS")
            factors = factors[factors["month"] == date(2024, 1, 1)].set_index("currency")
            frame = pd.DataFrame(
                [(float(amount), int(factors.loc[f"C{i:02d}", "num"]),
                  int(factors.loc[f"C{i:02d}", "den"]), i)
                 for i, (amount, _r) in enumerate(cases)],
                columns=["amount", "num", "den", "i"])
            table = session.lookup(frame)
            got = (table.mutate(cents=exact_cents(table.amount, table.num, table.den))
                   .order_by("i").to_pandas()["cents"].tolist())
            assert got == [_half_up(str(a), str(target_rate), str(r)) for a, r in cases]

        check()
    finally:
        session.close()


def test_ties_and_near_ties_in_the_engine(engine):
    """Half a cent exactly rounds up; a hair below rounds down, where floats cannot tell."""
    cases = [("10.02", 5, 4), ("0.005", 1, 1), ("2.675", 1, 1), ("1.005", 1, 1),
             ("8.989", 1250, 8989), ("8.988999", 1250, 8989), ("999999999.995", 1, 1),
             ("123456.785", 3, 3), ("0.000001", 1, 3)]
    session = connect(engine)
    try:
        table = session.lookup(pd.DataFrame(
            [(float(a), n, d, i) for i, (a, n, d) in enumerate(cases)],
            columns=["amount", "num", "den", "i"]))
        got = (table.mutate(cents=exact_cents(table.amount, table.num, table.den))
               .order_by("i").to_pandas()["cents"].tolist())
    finally:
        session.close()
    assert got == [_half_up(a, str(n), str(d)) for a, n, d in cases]
    assert got[:3] == [1253, 1, 268]
