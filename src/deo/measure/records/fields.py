"""Field types of record contracts: how a raw column becomes a typed value, and which rule a
value breaks. Each type is a plug-in in :data:`FIELD_TYPES`; a contract names one per field.

Every function here builds Ibis expressions only, so the same checks run on DuckDB and Spark.
String inputs are guarded by a regular expression before any cast: engines parse edge cases
("20240105", " 1e3 ") differently, and identical outputs on both engines are a promise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from deo.measure.records.codes import CUSTOMERS, FLAGS, HS_VERSIONS, TRADE_DIRECTIONS, CodeTables
from deo.registry import Registry

#: Dates before this are refused as bad dates: placeholders such as 1900-01-01 are common in
#: extracts from old systems, and no e-commerce record predates it.
EARLIEST = date(1990, 1, 1)
LATEST = date(2099, 12, 31)
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
MONTH_PATTERN = r"^\d{4}-\d{2}$"
NUMBER_PATTERN = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"

#: (condition that the value breaks the rule, rule name), checked where the value is present.
Checks = list[tuple[ir.BooleanValue, str]]


@dataclass(frozen=True)
class FieldType:
    """A kind of field. ``typed(raw, codes)`` is the canonical value (null when empty);
    ``checks(typed, codes, *others)`` the rules a present value can break, in order, where
    ``others`` are the typed values of the record's fields of the types named in ``uses``
    (None when the contract has no such field)."""

    name: str
    typed: Callable[[ir.Column, CodeTables], ir.Value]
    checks: Callable[..., Checks]
    uses: tuple[str, ...] = ()
    #: Whether a column stored (in Parquet) in this type can hold the field's values as
    #: written; a column that cannot is refused, not read.
    stored_as: Callable[[dt.DataType], bool] = lambda stored: True


FIELD_TYPES: Registry[FieldType] = Registry("field type", ("deo.measure.records.fields",))


def text(raw: ir.Column) -> ir.StringValue:
    """The column as trimmed text; empty text is null (a missing value)."""
    if raw.type().is_string():
        return raw.strip().nullif("")
    return raw.cast("string").nullif("")


def _no_checks(typed: ir.Value, codes: CodeTables) -> Checks:
    return []


def _date(raw: ir.Column, codes: CodeTables) -> ir.DateValue:
    if raw.type().is_date():
        return raw
    if raw.type().is_timestamp():
        return raw.date()
    value = text(raw)
    return ibis.ifelse(value.re_search(DATE_PATTERN), value.try_cast("date"), ibis.null("date"))


def _date_checks(typed: ir.DateValue, codes: CodeTables) -> Checks:
    return [(typed.isnull() | (typed < EARLIEST) | (typed > LATEST), "bad-date")]


def _month(raw: ir.Column, codes: CodeTables) -> ir.DateValue:
    if raw.type().is_date() or raw.type().is_timestamp():
        return _date(raw, codes).truncate("M")
    value = text(raw)
    return ibis.ifelse(
        value.re_search(MONTH_PATTERN), (value + "-01").try_cast("date"), ibis.null("date")
    )


def _month_checks(typed: ir.DateValue, codes: CodeTables) -> Checks:
    return [(typed.isnull() | (typed < EARLIEST) | (typed > LATEST), "bad-period")]


def _amount(raw: ir.Column, codes: CodeTables) -> ir.FloatingValue:
    if raw.type().is_numeric():
        return raw.cast("float64")
    value = text(raw)
    return ibis.ifelse(
        value.re_search(NUMBER_PATTERN), value.try_cast("float64"), ibis.null("float64")
    )


def _amount_checks(typed: ir.FloatingValue, codes: CodeTables) -> Checks:
    return [
        (typed.isnull() | typed.isnan() | typed.isinf(), "not-a-number"),
        (typed < 0, "negative-value"),
    ]


def _upper(raw: ir.Column, codes: CodeTables) -> ir.StringValue:
    return text(raw).upper()


def _currency_checks(typed: ir.StringValue, codes: CodeTables) -> Checks:
    return [(~typed.isin(sorted(codes.currencies)), "unknown-currency")]


def _area_checks(typed: ir.StringValue, codes: CodeTables) -> Checks:
    # Alpha-2 spellings pass here and become alpha-3 where the partner is derived (a join:
    # a CASE over 250 codes per row would be slow, and too large for Spark's code generator).
    return [(~typed.isin(sorted(codes.economies)), "unknown-area")]


def _code_storage(stored: dt.DataType) -> bool:
    """A code with leading zeros is text, or a whole number (padded back to its width);
    never a decimal or floating-point number, whose text ("10121.0") is no code at all."""
    return stored.is_string() or stored.is_integer() or stored.is_null()


def _hs6(raw: ir.Column, codes: CodeTables) -> ir.StringValue:
    if raw.type().is_integer():  # a numeric column loses the leading zero of chapters 01-09
        return raw.cast("string").lpad(6, "0")
    return text(raw).replace(".", "")


def _hs6_checks(typed: ir.StringValue, codes: CodeTables,
                edition: ir.StringValue | None = None) -> Checks:
    """Six digits in an HS chapter; and, for a record naming an edition whose full list we
    ship (HS2022), one of that edition's subheadings. Records naming another edition or none
    are checked at chapter level only."""
    unknown = ~typed.re_search(r"^\d{6}$") | ~typed.left(2).isin(sorted(codes.chapters))
    if edition is not None:
        for name, subheadings in codes.subheadings.items():
            unknown = unknown | ((edition == name) & ~typed.isin(sorted(subheadings)))
    return [(unknown, "unknown-hs-code")]


def _hs_version(raw: ir.Column, codes: CodeTables) -> ir.StringValue:
    value = text(raw).upper()
    return ibis.ifelse(value.re_search(r"^\d{4}$"), "HS" + value, value)


def _coded(mapping: dict[str, str]) -> Callable[[ir.Column, CodeTables], ir.StringValue]:
    def typed(raw: ir.Column, codes: CodeTables) -> ir.StringValue:
        # An empty optional field stays empty (null), not "?": only a present value that
        # is no known spelling breaks the code list.
        value = text(raw).upper()
        return ibis.ifelse(value.isnull(), ibis.null("string"),
                           value.substitute(mapping, else_=ibis.literal("?")))

    return typed


def _known(values: Callable[[CodeTables], list[str]], rule: str = "unknown-code"):
    def checks(typed: ir.StringValue, codes: CodeTables) -> Checks:
        return [(~typed.isin(values(codes)), rule)]

    return checks


def _flag(raw: ir.Column, codes: CodeTables) -> ir.BooleanValue:
    if raw.type().is_boolean():
        return raw
    if raw.type().is_numeric():
        return raw != 0
    return text(raw).upper().substitute(FLAGS, else_=ibis.null("boolean"))


def _flag_checks(typed: ir.BooleanValue, codes: CodeTables) -> Checks:
    return [(typed.isnull(), "bad-flag")]


def _mcc(raw: ir.Column, codes: CodeTables) -> ir.StringValue:
    if raw.type().is_integer():
        return raw.cast("string").lpad(4, "0")
    return text(raw)


def _mcc_checks(typed: ir.StringValue, codes: CodeTables) -> Checks:
    return [(~typed.re_search(r"^\d{4}$"), "unknown-code")]


for _type in (
    FieldType("text", lambda raw, codes: text(raw), _no_checks),
    FieldType("date", _date, _date_checks),
    FieldType("month", _month, _month_checks),
    FieldType("amount", _amount, _amount_checks),
    FieldType("currency", _upper, _currency_checks),
    FieldType("area", _upper, _area_checks),
    FieldType("hs6", _hs6, _hs6_checks, uses=("hs_version",), stored_as=_code_storage),
    FieldType("hs_version", _hs_version, _known(lambda codes: list(HS_VERSIONS))),
    FieldType("customs_regime", _upper, _known(lambda codes: sorted(codes.regimes))),
    FieldType("trade_direction", _coded(TRADE_DIRECTIONS), _known(lambda codes: ["IMP", "EXP"])),
    FieldType("customer", _coded(CUSTOMERS), _known(lambda codes: ["B2B", "B2C"])),
    FieldType("flag", _flag, _flag_checks),
    FieldType("mcc", _mcc, _mcc_checks, stored_as=_code_storage),
):
    FIELD_TYPES.register(_type)
