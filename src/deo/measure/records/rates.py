"""Currency conversion factors from exchange-rate observations held in the store.

Rates are observations of an indicator (``DEO.XR.USD``: units of a currency per US dollar)
for the area WLD with a ``CURRENCY`` breakdown, daily (period ``2024-03-15``), monthly
(``2024-03``) or annual (``2024``). The rule for a record dated d in month m (documented in
docs/records.md):

1. the daily rate of d; else
2. the latest daily rate of the ``max_age_days`` days before d (markets close at weekends
   and on holidays); else
3. the monthly rate of m; else
4. the latest monthly rate of the ``max_age`` months before m; else
5. the annual rate of m's year; else
6. none: the record is rejected as ``no-exchange-rate``.

The result is a small table that the engine joins to the records: (currency, month,
factor, num, den) when every rate is monthly or annual, (currency, day, factor, num, den) as
soon as one is daily; value in the target currency = amount x factor, where ``num / den`` is
the factor as an exact fraction (``factor`` is its float, for display and benchmarks only):
money is converted exactly, see :func:`deo.measure.records.standardise.exact_cents`.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

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


def _by_frequency(rates: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Checked rates as one wide table (index: start date, columns: currency) per frequency
    present (``D``, ``M``, ``A``); quarterly rates are not used."""
    rows: dict[str, list[tuple[pd.Timestamp, str, float]]] = {}
    for currency, period, value in rates[RATE_COLUMNS].itertuples(index=False):
        try:
            parsed = Period.parse(period)
        except PeriodError as exc:
            raise DeoError(_("exchange rate {currency} {period}: {error}")
                           .format(currency=currency, period=period, error=exc)) from exc
        if not value > 0:
            raise DeoError(_("exchange rate {currency} {period}: {value} is not a positive rate")
                           .format(currency=currency, period=period, value=value))
        rows.setdefault(parsed.freq, []).append(
            (pd.Timestamp(parsed.start), str(currency), float(value)))
    return {
        freq: pd.DataFrame(found, columns=["start", "currency", "rate"])
        .pivot_table(index="start", columns="currency", values="rate", aggfunc="last")
        for freq, found in rows.items() if freq in ("D", "M", "A")
    }


def _carried(wide: pd.DataFrame | None, index: pd.DatetimeIndex, freq: str,
             max_age: int) -> pd.DataFrame:
    """``wide`` on every step of ``index`` (days or month starts), each missing step taking
    the latest rate of the ``max_age`` steps before it."""
    if wide is None:
        return pd.DataFrame(index=index)
    full = wide.reindex(pd.date_range(min(wide.index.min(), index.min()), index.max(),
                                      freq=freq))
    if max_age:  # ffill refuses a limit of 0
        full = full.ffill(limit=max_age)
    return full.reindex(index)


def conversion_factors(rates: pd.DataFrame, target: str, max_age: int = 3,
                       max_age_days: int = 7) -> pd.DataFrame:
    """Factors for every currency and date the rule above can price: columns (currency,
    month, factor) with ``month`` a month's first day, or (currency, day, factor) when any
    rate is daily. Rates are units of currency per US dollar, so factor = rate(target) /
    rate(currency); USD is 1 by definition."""
    wide = _by_frequency(rates)
    daily = "D" in wide
    column = "day" if daily else "month"
    none = pd.DataFrame({"currency": [], column: [], "factor": [], "num": [], "den": []})
    if not wide:
        return none
    first = min(w.index.min() for w in wide.values())
    # An annual rate covers its whole year; any rate covers max_age months after its own.
    last = max(w.index.max() + (pd.offsets.YearEnd(0) if f == "A" else pd.offsets.Day(0))
               for f, w in wide.items()) + pd.DateOffset(months=max_age)
    months = pd.date_range(first.to_period("M").start_time, last, freq="MS")
    monthly = _carried(wide.get("M"), months, "MS", max_age)
    if "A" in wide:  # the year's rate where no monthly rate is recent enough
        yearly = wide["A"].reindex(pd.DatetimeIndex(months.year.astype(str) + "-01-01"))
        monthly = monthly.combine_first(yearly.set_axis(months))
    if daily:
        days = pd.date_range(months.min(), months.max() + pd.offsets.MonthEnd(0), freq="D")
        own = _carried(wide["D"], days, "D", max_age_days)
        by_month = monthly.reindex(days.to_period("M").start_time).set_axis(days)
        table = own.combine_first(by_month)
    else:
        table = monthly
    table = table.assign(USD=1.0)
    if target not in table:
        return none
    factors = table.rdiv(table[target], axis=0)
    long = factors.rename_axis(index=column, columns="currency").stack().dropna().rename(
        "factor")
    out = long.reset_index()[["currency", column, "factor"]]
    # The exact factor, from the rates as written (a float's shortest decimal spelling).
    pairs = pd.DataFrame({"target": table[target].reindex(out[column]).to_numpy(),
                          "rate": table.stack().reindex(
                              pd.MultiIndex.from_arrays([out[column], out["currency"]]))
                          .to_numpy()})
    fractions = {pair: _exact(target, *pair) for pair in set(pairs.itertuples(index=False))}
    exact = [fractions[pair] for pair in pairs.itertuples(index=False)]
    out["num"] = pd.array([f.numerator for f in exact], dtype="int64")
    out["den"] = pd.array([f.denominator for f in exact], dtype="int64")
    out[column] = out[column].dt.date
    return out.sort_values([column, "currency"], ignore_index=True)


#: Numerators and denominators of exact factors stay below this, so that the engine's
#: 38-digit decimal arithmetic cannot overflow (see ``exact_cents``).
MAX_TERM = 10**18


def _exact(target: str, target_rate: float, rate: float) -> Fraction:
    """rate(target) / rate(currency) as an exact fraction of the rates as written."""
    factor = Fraction(Decimal(repr(float(target_rate)))) / Fraction(Decimal(repr(float(rate))))
    if factor.numerator >= MAX_TERM or factor.denominator >= MAX_TERM:
        raise DeoError(_("exchange rates {rate} and {target_rate} ({target}): their ratio "
                         "needs more than 18 digits; give rates with fewer significant "
                         "digits").format(rate=rate, target_rate=target_rate, target=target))
    return factor
