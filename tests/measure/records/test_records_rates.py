"""The documented rule for exchange rates: the month's rate, else the latest of the
preceding max_age months, else the year's rate, else none."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from deo.core import DeoError
from deo.measure.records.rates import conversion_factors

RATES = pd.DataFrame(
    [("EUR", "2024-01", 0.90), ("EUR", "2024-03", 0.95), ("KES", "2024", 140.0),
     ("CNY", "2024-06", 7.0)],
    columns=["currency", "period", "value"],
)


def _factors(target: str = "USD", max_age: int = 2) -> dict[tuple[str, date], float]:
    found = conversion_factors(RATES, target, max_age)
    return {(c, m): f for c, m, f, _n, _d in found.itertuples(index=False)}


def test_monthly_then_latest_earlier_month_then_annual():
    f = _factors()
    assert f[("EUR", date(2024, 1, 1))] == pytest.approx(1 / 0.90)
    assert f[("EUR", date(2024, 2, 1))] == pytest.approx(1 / 0.90)  # January's, 1 month old
    assert f[("EUR", date(2024, 5, 1))] == pytest.approx(1 / 0.95)  # March's, 2 months old
    assert ("EUR", date(2024, 6, 1)) not in f  # 3 months old: too old, and no annual rate
    assert f[("KES", date(2024, 7, 1))] == pytest.approx(1 / 140.0)  # the year's rate
    assert f[("USD", date(2024, 7, 1))] == 1.0


def test_cross_rates_for_another_target_currency():
    f = _factors(target="EUR", max_age=3)
    assert f[("CNY", date(2024, 6, 1))] == pytest.approx(0.95 / 7.0)  # June takes March's EUR rate
    assert f[("USD", date(2024, 1, 1))] == pytest.approx(0.90)


def test_a_rate_that_is_not_positive_is_refused():
    bad = pd.DataFrame([("EUR", "2024-01", 0.0)], columns=["currency", "period", "value"])
    with pytest.raises(DeoError, match="EUR 2024-01: 0.0 is not a positive rate"):
        conversion_factors(bad, "USD")
