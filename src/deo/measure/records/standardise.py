"""From records that meet their contract to records ready to count, in Ibis:

1. exact copies removed (duplicates by the whole record); records sharing a key but
   differing are *conflicting duplicates*, rejected (which copy is right is not ours to guess);
2. analysis columns derived per record type (direction, partner, product, channel...);
3. values converted to the recipe's currency (see :mod:`deo.measure.records.rates`), exactly,
   in whole cents rounded half up (:func:`exact_cents`), so that sums are exact and the same
   on every engine;
4. outlier rules declared in the recipe;
5. amendments, once every record has its verdict: a record named by another's ``amends``
   field is replaced by it only if that amendment stands (:func:`amendment_outcomes`).

Each record ends with an ``outcome``: null (counted), ``amended``, ``out-of-scope:<why>``,
or a reject rule (``conflicting-duplicate``, ``amount-too-large``, ``no-exchange-rate``,
``outlier:<name>``, ``amends-itself``, ``amendment-cycle``, ``conflicting-amendment``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    cache: Callable[[ir.Table], ir.Table] = lambda table: table,
) -> ir.Table:
    """Typed, contract-valid records -> :data:`FINAL_COLUMNS` with ``outcome``, as a
    table materialised by ``cache`` (the pipeline reads it several times; with amendments
    the records are read twice on the way, so the cache comes before resolving them and
    a second copy only when an amendment decides an outcome)."""
    records = typed.distinct()
    key = list(contract.key)
    copies = ibis._.count().over(group_by=[records[k] for k in key])
    records = records.mutate(_copies=copies)
    recipe = ctx.recipe
    records = derive(records, ctx)
    records = _convert(records, ctx, factors)
    for rule in recipe.outliers:
        flagged = OUTLIER_RULES.get(rule.kind).flags(records, rule)
        records = records.mutate(**{f"_outlier_{rule.name}": flagged})
    branches = [
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
    if not contract.amends:
        return cache(records.select(*FINAL_COLUMNS))
    records = _resolve_amendments(cache(records.select(*FINAL_COLUMNS, "amends", "_copies")),
                                  ctx, cache)
    return records.select(*FINAL_COLUMNS)


def _resolve_amendments(records: ir.Table, ctx: Context,
                        cache: Callable[[ir.Table], ir.Table]) -> ir.Table:
    """Records (cached) with the outcomes of :func:`amendment_outcomes` over their own."""
    amending = records.filter(records.amends.notnull() & (records._copies == 1))
    links = amending.select(
        "record_key", "amends", _accepted=~is_reject(amending.outcome).fill_null(False)
    ).to_pandas()
    decided = amendment_outcomes(links.itertuples(index=False))
    if not decided:
        return records
    table = ctx.lookup(pd.DataFrame({"_amend_key": list(decided),
                                     "_amend_outcome": list(decided.values())}))
    joined = records.left_join(table, records.record_key == table._amend_key)
    return cache(joined.select(*(c for c in records.columns if c != "outcome"),
                               outcome=joined._amend_outcome.coalesce(joined.outcome)))


def amendment_outcomes(links: Iterable[tuple[str, str, bool]]) -> dict[str, str]:
    """The amendment rule (docs/records.md, section 5), on ``(record key, the key it
    amends, accepted)`` for every amending record, ``accepted`` being its verdict on its
    own (not rejected by a check; out of scope counts as accepted). Returns the keys whose
    outcome the rule decides:

    - ``amends-itself``: a record that names itself; ``amendment-cycle``: records whose
      amendments lead back to themselves, or into such a cycle. Both rejected, and they
      replace nothing.
    - ``amended``: a record replaced by its one *standing* amendment: an amendment stands
      if it is accepted, or is itself replaced by a standing one (chains: only the last
      amendment counts). A rejected amendment replaces nothing.
    - ``conflicting-amendment``: two or more standing amendments of one record: which
      correction is right is not ours to guess, so they (and the amendments of them) are
      rejected and the record they amend stays as it is.
    """
    target: dict[str, str] = {}
    accepted: dict[str, bool] = {}
    out: dict[str, str] = {}
    for key, amends, ok in links:
        accepted[key] = bool(ok)
        if key == amends:
            out[key] = "amends-itself"
        else:
            target[key] = amends
    _mark_cycles(target, out)
    children: dict[str, list[str]] = {}
    for key, amends in target.items():
        if key not in out:
            children.setdefault(amends, []).append(key)
    standing: dict[str, bool] = {}
    disputed: list[str] = []
    for node in _post_order(children):
        stands = [c for c in children.get(node, ()) if standing[c]]
        if len(stands) > 1:
            disputed.extend(stands)
        if node in out:  # itself or a cycle: rejected, replaced by nothing
            standing[node] = False
        elif len(stands) == 1:
            out[node] = "amended"
            standing[node] = True
        else:
            standing[node] = accepted.get(node, False)
    stack = list(disputed)
    while stack:
        node = stack.pop()
        out[node] = "conflicting-amendment"
        stack.extend(children.get(node, ()))
    return out


def _mark_cycles(target: dict[str, str], out: dict[str, str]) -> None:
    """Mark ``amendment-cycle`` every key on a cycle of ``target`` (each key amends one),
    and every key whose amendments lead into one: two of them, amending two records of
    one cycle, would otherwise both count."""
    done: set[str] = set()
    for start in target:
        path: set[str] = set()
        node = start
        while node in target and node not in done and node not in path:
            path.add(node)
            node = target[node]
        if node in path or out.get(node) == "amendment-cycle":
            out.update(dict.fromkeys(path, "amendment-cycle"))
        done.update(path)


def _post_order(children: dict[str, list[str]]) -> list[str]:
    """Every node of the amendment forest (cycles removed), each after all its amendments
    (no recursion: chains can be long)."""
    amenders = {c for kids in children.values() for c in kids}
    order: list[str] = []
    for root in (n for n in children if n not in amenders):
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            stack.append((node, True))
            stack.extend((c, False) for c in children.get(node, ()))
    return order


#: Amounts and converted values must stay below this (units of the currency): beyond it the
#: exact arithmetic below could overflow 38 digits, and no single record is that large.
MAX_AMOUNT = 1e12
_DEC = "decimal(38, 0)"


def exact_cents(amount: ir.FloatingValue, num: ir.IntegerValue,
                den: ir.IntegerValue) -> ir.IntegerValue:
    """``amount x num / den`` in cents, rounded half up, exactly.

    The amount is taken to the millionth of its unit (``A``; a typed amount is a float, and
    this recovers the decimal it was written as), then cents = floor((2 A num + 10^4 den) /
    (2 10^4 den)): the same cents on every engine, equal to Python's ``decimal`` with
    ROUND_HALF_UP. Floating point decides every value that is not within a hair of half a
    cent (its error, under 10^-15 of the value, is a thousand times smaller than the hair,
    10^-12 of the value); the rest, ties included, are decided in exact 38-digit integer
    arithmetic (engines have no exact decimal division, so the quotient is estimated and
    corrected with exact products). Amounts below :data:`MAX_AMOUNT`, ``num`` and ``den``
    below 10^18."""
    micro = (amount * 1e6).round()  # halves of a millionth: away from zero everywhere
    estimate = micro * num.cast("float64") / den.cast("float64") / 1e4
    hair = estimate * 1e-12 + 1e-9
    clear = ((estimate - estimate.floor()) - 0.5).abs() > hair
    return ibis.ifelse(clear, (estimate + 0.5).floor().cast("int64"),
                       _exact_cents(micro.cast(_DEC), num, den))


def _exact_cents(a: ir.DecimalValue, num: ir.IntegerValue,
                 den: ir.IntegerValue) -> ir.IntegerValue:
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
