"""Daily exchange rates: the day's rate, else the latest of the max_age_days days before
it (weekends, holidays), else the month's rate, else the year's; on both engines, each
transaction priced at its own day's rate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from deo.measure.records import run_recipe
from deo.measure.records.rates import conversion_factors

RATES = pd.DataFrame(
    [("KES", "2024-03-01", 130.0),   # a Friday
     ("KES", "2024-03-04", 128.0),   # the Monday after
     ("KES", "2024-03", 125.0),      # the month's average, for days no daily rate covers
     ("EUR", "2024", 0.90)],         # an annual rate only
    columns=["currency", "period", "value"],
)


def _factors(max_age_days: int = 7) -> dict[tuple[str, date], float]:
    found = conversion_factors(RATES, "USD", 3, max_age_days)
    assert list(found.columns) == ["currency", "day", "factor", "num", "den"]
    return {(c, d): f for c, d, f, _n, _d in found.itertuples(index=False)}


def test_the_days_rate_then_the_latest_recent_day_then_the_month_then_the_year():
    f = _factors()
    assert f[("KES", date(2024, 3, 1))] == pytest.approx(1 / 130.0)
    assert f[("KES", date(2024, 3, 3))] == pytest.approx(1 / 130.0)  # Sunday: Friday's
    assert f[("KES", date(2024, 3, 4))] == pytest.approx(1 / 128.0)
    assert f[("KES", date(2024, 3, 11))] == pytest.approx(1 / 128.0)  # 7 days old
    assert f[("KES", date(2024, 3, 12))] == pytest.approx(1 / 125.0)  # 8 days: the month's
    assert f[("EUR", date(2024, 3, 12))] == pytest.approx(1 / 0.90)
    assert f[("USD", date(2024, 3, 12))] == 1.0


def test_max_age_days_zero_means_only_the_days_own_rate():
    f = _factors(max_age_days=0)
    assert f[("KES", date(2024, 3, 2))] == pytest.approx(1 / 125.0)


def test_no_daily_rate_before_the_month_has_one():
    f = _factors()
    # February has neither a daily nor a monthly KES rate, and there is no annual one.
    assert ("KES", date(2024, 2, 29)) not in f


def _transactions(folder: Path) -> Path:
    # (day, amount in KES): at the rule's rate each is a whole number of US cents.
    plan = [("2024-03-01", "260"),   # 130 KES/USD -> 2 USD
            ("2024-03-03", "260"),   # Sunday, Friday's rate -> 2 USD
            ("2024-03-04", "128"),   # 128 -> 1 USD
            ("2024-03-20", "250")]   # 16 days after the last daily rate: 125 -> 2 USD
    rows = [[f"T{day}-{i}", day, "1", "5999", f"M{i % 5}", "KEN", "KEN", amount, "KES"]
            for day, amount in plan for i in range(12)]
    path = folder / "payments.csv"
    pd.DataFrame(rows, columns=[
        "transaction_id", "transaction_date", "online", "merchant_category_code",
        "merchant_id", "merchant_country", "cardholder_country", "amount", "currency",
    ]).to_csv(path, index=False)
    return path


def test_each_transaction_is_priced_at_its_days_rate(engine, tmp_path):
    report = run_recipe("payments-cnp", [_transactions(tmp_path)], engine=engine,
                        reporter="KEN", rates=RATES, save=False,
                        rejects_folder=tmp_path / "rejects")
    totals = report.cells[report.cells["table"] == ""]
    assert [(r.direction, r.records, r.cents) for r in totals.itertuples()] == [
        ("DOM", 48, 12 * (200 + 200 + 100 + 200))]
    assert report.accounting.balanced and not report.accounting.rejected
