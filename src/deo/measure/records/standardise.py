"""From records that meet their contract to records ready to count, in Ibis:

1. exact copies removed (duplicates by the whole record); records sharing a key but
   differing are *conflicting duplicates*, rejected (which copy is right is not ours to guess);
2. amendments: a record named by another's ``amends`` field is replaced by it (chains work:
   only the last amendment stands); an amendment that was rejected replaces nothing;
3. analysis columns derived per record type (direction, partner, product, channel...);
4. values converted to the recipe's currency (see :mod:`deo.measure.records.rates`), exactly,
   in whole cents rounded half up (:func:`exact_cents`), so that sums are exact and the same
   on every engine;
5. outlier rules declared in the recipe.

Each record ends with an ``outcome``: null (counted), ``amended``, ``out-of-scope:<why>``,
or a reject rule (``conflicting-duplicate``, ``no-exchange-rate``, ``outlier:<name>``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from deo.measure.records.contract import Contract
from deo.measure.records.recipe import Outlier
from deo.measure.records.types import Context, derive
from deo.registry import Registry

#: Outcomes that are not rejects: the record is accounted for, but not counted.
NOT_REJECTS = ("amended", "out-of-scope")
#: Columns kept for each record after standardisation.
FINAL_COLUMNS = ("record_key", "day", "period_start", "currency", "amount", "direction",
                 "partner", "product", "customer", "channel", "contributor", "cents", "outcome")


@dataclass(frozen=True)
class OutlierRule:
    """``flags(table, rule)``: true where the record is an outlier; ``value`` is the record's
    value in the recipe currency (a float)."""

    name: str
    flags: Callable[[ir.Table, Outlier], ir.BooleanValue]


OUTLIER_RULES: Registry[OutlierRule] = Registry(
    "outlier rule", ("deo.measure.records.standardise",)
)
OUTLIER_RULES.register(OutlierRule("above", lambda t, rule: t.value > rule.limit))
OUTLIER_RULES.register(OutlierRule(
    # e.g. value per kilogram: records without a positive divisor are not judged
    "ratio-above", lambda t, rule: (t[rule.per] > 0) & (t.value / t[rule.per] > rule.limit)
))


def is_reject(outcome: ir.StringValue) -> ir.BooleanValue:
    return outcome.notnull() & ~outcome.startswith("out-of-scope") & (outcome != "amended")


def standardise(
    typed: ir.Table,
    contract: Contract,
    ctx: Context,
    factors: pd.DataFrame,
) -> ir.Table:
    """Typed, contract-valid records -> :data:`FINAL_COLUMNS` with ``outcome``."""
    records = typed.distinct()
    key = list(contract.key)
    copies = ibis._.count().over(group_by=[records[k] for k in key])
    records = records.mutate(_copies=copies)
    if contract.amends:
        amending = (
            records.filter(records[contract.amends].notnull() & (records._copies == 1))
            .select(_amended=records[contract.amends]).distinct()
        )
        marked = records.left_join(amending, records[key[0]] == amending._amended)
        records = marked.select(*records.columns, _replaced=marked._amended.notnull())
    else:
        records = records.mutate(_replaced=ibis.literal(False))
    recipe = ctx.recipe
    records = derive(records, ctx)
    records = _convert(records, ctx, factors)
    for rule in recipe.outliers:
        flagged = OUTLIER_RULES.get(rule.kind).flags(records, rule)
        records = records.mutate(**{f"_outlier_{rule.name}": flagged})
    branches = [
        (records._replaced, "amended"),
        (records._copies > 1, "conflicting-duplicate"),
        (records.scope.notnull(), "out-of-scope:" + records.scope),
        (records._too_large, "amount-too-large"),
        (records.value.isnull(), "no-exchange-rate"),
        *((records[f"_outlier_{r.name}"], f"outlier:{r.name}") for r in recipe.outliers),
    ]
    records = records.mutate(
        outcome=ibis.cases(*branches, else_=ibis.null("string")),
        period_start=records.day.truncate({"M": "M", "Q": "Q", "A": "Y"}[recipe.frequency]),
    )
    return records.select(*FINAL_COLUMNS)


#: Amounts and converted values must stay below this (units of the currency): beyond it the
#: exact arithmetic below could overflow 38 digits, and no single record is that large.
MAX_AMOUNT = 1e12
_DEC = "decimal(38, 0)"


def exact_cents(amount: ir.FloatingValue, num: ir.IntegerValue,
                den: ir.IntegerValue) -> ir.IntegerValue:
    """``amount x num / den`` in cents, rounded half up, computed exactly in integers.

    The amount is taken to the millionth of its unit (``A``; a typed amount is a float, and
    this recovers the decimal it was written as), then cents = floor((2 A num + 10^4 den) /
    (2 10^4 den)). Engines have no exact decimal division, so the quotient is estimated in
    floating point and corrected with exact 38-digit products: the same cents on every
    engine, equal to Python's ``decimal`` with ROUND_HALF_UP. Amounts below
    :data:`MAX_AMOUNT`, ``num`` and ``den`` below 10^18."""
    a = (amount * 1e6).round().cast(_DEC)  # halves of a millionth: away from zero everywhere
    n = a * num.cast(_DEC) * 2 + den.cast(_DEC) * 10_000
    d = den.cast(_DEC) * 20_000
    q = (n.cast("float64") / d.cast("float64")).floor().cast("int64")
    rest = n - q.cast(_DEC) * d  # exact; |rest| is a few d at most
    q = q + (rest.cast("float64") / d.cast("float64")).floor().cast("int64")
    rest = n - q.cast(_DEC) * d
    return q + ibis.cases((rest < 0, -1), (rest >= d, 1), else_=0)


def _convert(records: ir.Table, ctx: Context, factors: pd.DataFrame) -> ir.Table:
    """``cents`` (int64, exact, rounded half up) and ``value`` (cents / 100, float, for
    outlier rules) in the recipe currency, or null where no rate prices the record's
    currency and date; ``_too_large`` where the amount or its value reaches
    :data:`MAX_AMOUNT`. ``factors`` is keyed by ``month`` (monthly and annual rates) or by
    ``day`` (daily rates), see :func:`deo.measure.records.rates.conversion_factors`."""
    by_day = "day" in factors.columns
    when = "day" if by_day else "month"
    table = ctx.lookup(factors.rename(columns={"currency": "_fx_currency", when: "_fx_when",
                                               "factor": "_factor", "num": "_num",
                                               "den": "_den"}))
    records = records.mutate(_when=records.day if by_day else records.day.truncate("M"))
    joined = records.left_join(
        table, [records.currency == table._fx_currency, records._when == table._fx_when]
    )
    records = joined.select(*records.columns, joined._factor, joined._num, joined._den)
    own = records.currency == ctx.recipe.currency
    factor = ibis.ifelse(own, 1.0, records._factor)
    num = ibis.ifelse(own, ibis.literal(1, "int64"), records._num)
    den = ibis.ifelse(own, ibis.literal(1, "int64"), records._den)
    too_large = (records.amount >= MAX_AMOUNT) | (records.amount * factor >= MAX_AMOUNT)
    records = records.mutate(_too_large=too_large.fill_null(False))
    unpriced = records._too_large | num.isnull()
    cents = ibis.ifelse(unpriced, ibis.null("int64"),
                        exact_cents(ibis.ifelse(unpriced, 0.0, records.amount),
                                    num.fill_null(1), den.fill_null(1)))
    return records.mutate(cents=cents, value=cents.cast("float64") / 100)
