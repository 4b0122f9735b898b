"""Currency conversion factors from exchange-rate observations held in the store.

Rates are observations of an indicator (``DEO.XR.USD``: units of a currency per US dollar)
for the area WLD with a ``CURRENCY`` breakdown, monthly (period ``2024-03``) or annual.
The rule for a record's month m (documented in docs/records.md):

1. the rate for month m; else
2. the latest monthly rate of the ``max_age`` months before m; else
3. the annual rate of m's year; else
4. none: the record is rejected as ``no-exchange-rate``.

The result is a small table (currency, month, factor) that the engine joins to the records:
value in the target currency = amount x factor.
"""

from __future__ import annotations

import pandas as pd

from deo.core import DeoError, Period, PeriodError, parse_breakdown_key
from deo.i18n import _

RATE_COLUMNS = ["currency", "period", "value"]


def rates_from_store(store, indicator: str, vintage: int | None = None) -> pd.DataFrame:
    """The rate observations of ``indicator`` as (currency, period, value)."""
    found = store.query(indicators=[indicator], vintage=vintage)
    if found.empty:
        raise DeoError(
            _("no exchange rates in the store: load observations of {indicator} (units of "
              "currency per US dollar, area WLD, a CURRENCY column) with `deo load`")
            .format(indicator=indicator)
        )
    currency = found["breakdown"].map(lambda key: parse_breakdown_key(key).get("CURRENCY"))
    out = pd.DataFrame({"currency": currency, "period": found["period"],
                        "value": found["value"]})
    return out[out["currency"].notna() & out["value"].notna()].reset_index(drop=True)


def _monthly(rates: pd.DataFrame) -> tuple[dict[tuple[str, pd.Period], float],
                                           dict[tuple[str, int], float]]:
    monthly: dict[tuple[str, pd.Period], float] = {}
    annual: dict[tuple[str, int], float] = {}
    for currency, period, value in rates[RATE_COLUMNS].itertuples(index=False):
        try:
            parsed = Period.parse(period)
        except PeriodError as exc:
            raise DeoError(_("exchange rate {currency} {period}: {error}")
                           .format(currency=currency, period=period, error=exc)) from exc
        if not value > 0:
            raise DeoError(_("exchange rate {currency} {period}: {value} is not a positive rate")
                           .format(currency=currency, period=period, value=value))
        if parsed.freq == "M":
            monthly[(currency, pd.Period(parsed.start, "M"))] = float(value)
        elif parsed.freq == "A":
            annual[(currency, parsed.year)] = float(value)
    return monthly, annual


def conversion_factors(rates: pd.DataFrame, target: str, max_age: int = 3) -> pd.DataFrame:
    """(currency, month, factor) for every currency and month the rule above can price,
    ``month`` being the month's first day. Rates are units of currency per US dollar, so
    factor = rate(target) / rate(currency); USD is 1 by definition."""
    monthly, annual = _monthly(rates)
    currencies = sorted({c for c, _m in monthly} | {c for c, _y in annual} | {"USD"})
    months = {m for _c, m in monthly} | {
        pd.Period(f"{y}-{mm:02d}", "M") for _c, y in annual for mm in range(1, 13)
    }
    if not months:
        return pd.DataFrame({"currency": [], "month": [], "factor": []})
    first, last = min(months), max(months) + max_age
    span = pd.period_range(first, last, freq="M")

    def rate(currency: str, month: pd.Period) -> float | None:
        if currency == "USD":
            return 1.0
        for age in range(max_age + 1):
            found = monthly.get((currency, month - age))
            if found is not None:
                return found
        return annual.get((currency, month.year))

    rows = []
    for month in span:
        target_rate = rate(target, month)
        if target_rate is None:
            continue
        for currency in currencies:
            own = rate(currency, month)
            if own is not None:
                rows.append((currency, month.start_time.date(), target_rate / own))
    return pd.DataFrame(rows, columns=["currency", "month", "factor"])
