"""Record types: each pairs a contract with how its typed records become analysis columns,
the same for every type:

``record_key, amends, day, currency, amount, direction (DOM/IMP/EXP), partner, product,
customer, channel, contributor, scope`` (``scope`` is null, or why the record is out of
scope: "offline", "not-reporter").

A null ``partner``/``product``/``customer`` means the record type does not say; such records
stay out of tables broken down by that dimension. Product classifications are plug-ins too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from deo.measure.records.codes import CodeTables
from deo.measure.records.contract import Contract, load_contract
from deo.measure.records.recipe import Recipe
from deo.registry import Registry


@dataclass(frozen=True)
class Context:
    """What deriving needs besides the records. ``lookup`` registers a small pandas table
    with the engine and returns it (Spark cannot see an unregistered in-memory table)."""

    recipe: Recipe
    codes: CodeTables
    reporter: str
    lookup: Callable[[pd.DataFrame], ir.Table]

    @property
    def reporter_spellings(self) -> list[str]:
        return sorted(k for k, v in self.codes.economies.items() if v == self.reporter)


Derive = Callable[[ir.Table, Context], ir.Table]
#: The CUSTOMER code of a record that could say but does not (SDMX "_U": unspecified).
UNSTATED = "_U"
ANALYSIS_COLUMNS = ("record_key", "amends", "day", "currency", "amount", "direction",
                    "partner", "product", "customer", "channel", "contributor", "scope")


@dataclass(frozen=True)
class RecordType:
    name: str
    derive: Derive
    #: The field whose value is a contributor for the dominance rule, unless the recipe says.
    contributor: str | None

    @property
    def contract(self) -> Contract:
        return load_contract(self.name)


@dataclass(frozen=True)
class ProductClassification:
    """Adds ``product`` (a PRODUCT code, or null) to a derived table."""

    name: str
    classify: Callable[[ir.Table, Context], ir.Table]


RECORD_TYPES: Registry[RecordType] = Registry("record type", ("deo.measure.records.types",))
PRODUCTS: Registry[ProductClassification] = Registry(
    "product classification", ("deo.measure.records.types",)
)


def _lookup(t: ir.Table, ctx: Context, mapping: pd.DataFrame, on: list[str],
            value: str) -> ir.Table:
    """``t`` with ``value`` looked up in a small table (a join: a CASE over hundreds of
    codes on every record would cost more than the rest of the pipeline)."""
    table = ctx.lookup(mapping)
    joined = t.left_join(table, [t[c] == table[c] for c in on])
    return joined.select(*t.columns, joined[value])


def _hs_section(t: ir.Table, ctx: Context) -> ir.Table:
    codes = ctx.codes
    chapters = pd.DataFrame({"_chapter": list(codes.chapters),
                             "product": list(codes.chapters.values())})
    t = t.mutate(_chapter=t.hs_code.left(2))
    return _lookup(t, ctx, chapters, ["_chapter"], "product").drop("_chapter")


def _ict_goods(t: ir.Table, ctx: Context) -> ir.Table:
    ict = pd.DataFrame([(v, c, p) for (v, c), p in ctx.codes.ict_goods.items()],
                       columns=["_hs_version", "_hs6", "product"])
    t = t.mutate(_hs_version=t.hs_version.fill_null(ctx.recipe.hs_version), _hs6=t.hs_code)
    found = _lookup(t, ctx, ict, ["_hs_version", "_hs6"], "product")
    return found.mutate(product=found["product"].fill_null("NONICT")).drop("_hs_version", "_hs6")


def _category(t: ir.Table, ctx: Context) -> ir.Table:
    # The recipe maps the platform's own categories to PRODUCT codes; the rest are "other".
    return t.mutate(product=t.category.lower().substitute(ctx.recipe.categories, else_="OTH"))


def _no_product(t: ir.Table, ctx: Context) -> ir.Table:
    return t.mutate(product=ibis.null("string"))


for _classification in (
    ProductClassification("hs_section", _hs_section),
    ProductClassification("ict_goods", _ict_goods),
    ProductClassification("category", _category),
    ProductClassification("none", _no_product),
):
    PRODUCTS.register(_classification)


def _between(home_seller: ir.StringValue, home_buyer: ir.StringValue, reporter: list[str]):
    """(direction, partner, scope) of a sale from a seller's to a buyer's economy, seen
    from ``reporter``: both at home is domestic, a resident buyer imports, a resident seller
    exports; a sale between two other economies is out of scope."""
    seller_home, buyer_home = home_seller.isin(reporter), home_buyer.isin(reporter)
    direction = ibis.cases(
        (seller_home & buyer_home, "DOM"), (buyer_home, "IMP"), (seller_home, "EXP"),
        else_=ibis.null("string"),
    )
    partner = ibis.cases((seller_home & buyer_home, ibis.null("string")),
                         (buyer_home, home_seller), else_=home_buyer)
    scope = ibis.ifelse(seller_home | buyer_home, ibis.null("string"), "not-reporter")
    return direction, partner, scope


def _contributor(t: ir.Table, recipe: Recipe, default: str | None) -> ir.StringValue:
    name = recipe.disclosure.contributor or default
    # A record without a contributor is its own: it can still dominate a cell alone.
    own = "record:" + t.record_key
    return t[name].fill_null(own) if name else own


def _customs(t: ir.Table, ctx: Context) -> ir.Table:
    imports = t.direction == "IMP"
    home = ibis.ifelse(imports, t.destination, t.origin)
    t = t.mutate(
        record_key=t.declaration_id, amends=t.amendment_of, day=t.declaration_date,
        amount=t.declared_value, partner=ibis.ifelse(imports, t.origin, t.destination),
        channel=t.regime.substitute(ctx.codes.regimes),
        scope=ibis.ifelse(home.isin(ctx.reporter_spellings), ibis.null("string"), "not-reporter"),
    )
    return t.mutate(contributor=_contributor(t, ctx.recipe, "platform"))


def _payments(t: ir.Table, ctx: Context) -> ir.Table:
    direction, partner, scope = _between(t.merchant_country, t.cardholder_country,
                                         ctx.reporter_spellings)
    t = t.mutate(
        record_key=t.transaction_id, amends=ibis.null("string"), day=t.transaction_date,
        direction=direction, partner=partner, customer=ibis.null("string"),
        channel=ibis.literal("CARD_NOT_PRESENT"),
        scope=ibis.ifelse(t.online, scope, "offline"),
    )
    return t.mutate(contributor=_contributor(t, ctx.recipe, "merchant_id"))


def _platform(t: ir.Table, ctx: Context) -> ir.Table:
    direction, partner, scope = _between(t.seller_country, t.buyer_country,
                                         ctx.reporter_spellings)
    t = t.mutate(
        record_key=t.record_id, amends=ibis.null("string"), day=t.period, amount=t.gmv,
        direction=direction, partner=partner, channel=ibis.literal("MARKETPLACE"), scope=scope,
        # a report that does not say who bought is "not stated", so that the CUSTOMER
        # breakdown still adds up to the total
        customer=t.customer.fill_null(UNSTATED),
    )
    return t.mutate(contributor=_contributor(t, ctx.recipe, "platform"))


for _record_type in (
    RecordType("customs", _customs, "platform"),
    RecordType("payments", _payments, "merchant_id"),
    RecordType("platform", _platform, "platform"),
):
    RECORD_TYPES.register(_record_type)


def _canonical_partner(t: ir.Table, ctx: Context) -> ir.Table:
    """Partner codes as alpha-3 whatever the records spelt (KE -> KEN)."""
    spellings = pd.DataFrame({"_spelling": list(ctx.codes.economies),
                              "_alpha3": list(ctx.codes.economies.values())})
    table = ctx.lookup(spellings)
    joined = t.left_join(table, t.partner == table._spelling)
    return joined.select(*(c for c in t.columns if c != "partner"),
                         partner=joined._alpha3)


def derive(t: ir.Table, ctx: Context) -> ir.Table:
    """Typed records of ``ctx.recipe.record_type`` with the analysis columns (and the typed
    fields, which outlier rules may use)."""
    kind = RECORD_TYPES.get(ctx.recipe.record_type)
    derived = _canonical_partner(kind.derive(t, ctx), ctx)
    return PRODUCTS.get(ctx.recipe.product).classify(derived, ctx)
