"""From records that meet their contract to records ready to count, in Ibis:

1. exact copies removed (duplicates by the whole record); records sharing a key but
   differing are *conflicting duplicates*, rejected (which copy is right is not ours to guess);
2. amendments: a record named by another's ``amends`` field is replaced by it (chains work:
   only the last amendment stands); an amendment that was rejected replaces nothing;
3. analysis columns derived per record type (direction, partner, product, channel...);
4. values converted to the recipe's currency (see :mod:`deo.measure.records.rates`), in whole
   cents, so that sums are exact and the same on every engine;
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
        (records.value.isnull(), "no-exchange-rate"),
        *((records[f"_outlier_{r.name}"], f"outlier:{r.name}") for r in recipe.outliers),
    ]
    records = records.mutate(
        outcome=ibis.cases(*branches, else_=ibis.null("string")),
        period_start=records.day.truncate({"M": "M", "Q": "Q", "A": "Y"}[recipe.frequency]),
    )
    return records.select(*FINAL_COLUMNS)


def _convert(records: ir.Table, ctx: Context, factors: pd.DataFrame) -> ir.Table:
    """``value`` (float, recipe currency) and ``cents`` (int64, rounded half up), or null
    where no rate prices the record's currency and date. ``factors`` is keyed by ``month``
    (monthly and annual rates) or by ``day`` (daily rates), see
    :func:`deo.measure.records.rates.conversion_factors`."""
    by_day = "day" in factors.columns
    when = "day" if by_day else "month"
    table = ctx.lookup(factors.rename(columns={"currency": "_fx_currency", when: "_fx_when",
                                               "factor": "_factor"}))
    records = records.mutate(_when=records.day if by_day else records.day.truncate("M"))
    joined = records.left_join(
        table, [records.currency == table._fx_currency, records._when == table._fx_when]
    )
    records = joined.select(*records.columns, joined._factor)
    factor = ibis.ifelse(records.currency == ctx.recipe.currency, 1.0, records._factor)
    value = records.amount * factor
    # floor(x + 0.5) rather than round(): engines round halves differently.
    cents = (value * 100 + 0.5).floor().cast("int64")
    return records.mutate(value=value, cents=cents)
