"""Cells of a recipe's tables, computed in the engine from standardised records.

Records are first summed at the finest grain the recipe needs (period, direction, every
table dimension and the contributor); each table then sums that small table over the
dimensions it leaves out. A cell carries what disclosure control needs: records, value in
cents, the number of contributors and the value of its ``n`` largest contributors.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from deo.measure.records.disclosure import CELL_COLUMNS, DIMENSION_COLUMNS
from deo.measure.records.recipe import TABLE_DIMENSIONS, Recipe

GRAIN = ("period_start", "direction", *DIMENSION_COLUMNS, "contributor")


def finest(final: ir.Table) -> ir.Table:
    """Counted records summed by :data:`GRAIN`: records and cents."""
    used = final.filter(final.outcome.isnull())
    return used.group_by(list(GRAIN)).aggregate(records=used.count(), cents=used.cents.sum())


def _table(fine: ir.Table, dims: tuple[str, ...], top_n: int) -> ir.Table:
    columns = [TABLE_DIMENSIONS[d] for d in dims]
    t = fine
    for column in columns:  # records that do not say (null) stay out of this breakdown
        t = t.filter(t[column].notnull())
    by = ["period_start", "direction", *columns]
    per = t.group_by([*by, "contributor"]).aggregate(records=t.records.sum(), cents=t.cents.sum())
    rank = ibis.row_number().over(group_by=[per[c] for c in by], order_by=ibis.desc(per.cents))
    ranked = per.mutate(_rank=rank)
    cells = ranked.group_by(by).aggregate(
        records=ranked.records.sum(),
        cents=ranked.cents.sum(),
        contributors=ranked.count(),
        top_cents=ranked.cents.sum(where=ranked._rank < top_n),  # row_number counts from 0
    )
    absent = {c: ibis.null("string") for c in DIMENSION_COLUMNS if c not in columns}
    return cells.mutate(table=ibis.literal("+".join(dims)), **absent).select(
        *CELL_COLUMNS, *DIMENSION_COLUMNS
    )


def cells(fine: ir.Table, recipe: Recipe) -> pd.DataFrame:
    """Every cell of every table of ``recipe``, in one query; sorted, so that the same
    records give the same frame on every engine."""
    parts = [_table(fine, dims, recipe.disclosure.dominance_n) for dims in recipe.tables]
    union = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    out = union.to_pandas()
    if out.empty:
        return out
    out["period_start"] = pd.to_datetime(out["period_start"]).dt.date
    for column in ("records", "cents", "contributors", "top_cents"):
        out[column] = out[column].fillna(0).astype("int64")
    for column in ("table", "direction", *DIMENSION_COLUMNS):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    order = ["table", "period_start", "direction", *DIMENSION_COLUMNS]
    return out.sort_values(order, na_position="first", kind="stable").reset_index(drop=True)
