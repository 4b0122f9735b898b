"""Statistical disclosure control of aggregated cells (pure: pandas in, pandas out).

Primary suppression: a cell is withheld when it has fewer than ``min_records`` records or
``min_contributors`` contributors, or when its ``dominance_n`` largest contributors hold more
than ``dominance_k`` of its value (the (n, k) dominance rule).

Secondary suppression (a simple, conservative heuristic, not an optimal one such as
tau-Argus finds): within every group of cells that add up to a cell of another table of the
recipe (same period and direction, one dimension summed over), a lone suppressed cell could be
recovered by subtraction, so the smallest published cell of the group is withheld too; a
group with no other cell to withhold has its total withheld instead. Repeated until stable.
"""

from __future__ import annotations

import pandas as pd

from deo.measure.records.recipe import TABLE_DIMENSIONS, Disclosure

#: Columns of a cell frame besides the dimensions: its table (dimension names joined by
#: "+", "" for totals), records, value in cents, contributors and the top contributors' cents.
CELL_COLUMNS = ("table", "period_start", "direction", "records", "cents", "contributors",
                "top_cents")
DIMENSION_COLUMNS = tuple(TABLE_DIMENSIONS.values())


def primary(cells: pd.DataFrame, rule: Disclosure) -> pd.Series:
    """True where a cell breaks the minimum-count or the dominance rule."""
    few = (cells["records"] < rule.min_records) | (cells["contributors"] < rule.min_contributors)
    # Integers on both sides: top / total > k without a division's rounding.
    dominated = cells["top_cents"] > rule.dominance_k * cells["cents"]
    return few | dominated


def _dims(table: str) -> list[str]:
    return [TABLE_DIMENSIONS[d] for d in table.split("+") if d]


def secondary(cells: pd.DataFrame, suppressed: pd.Series) -> pd.Series:
    """``suppressed`` widened so that no suppressed cell can be recovered from a published
    total by subtraction (see the module's docstring)."""
    suppressed = suppressed.copy()
    tables = set(cells["table"])
    changed = True
    while changed:
        changed = False
        for table in sorted(tables):
            dims = _dims(table)
            in_table = cells["table"] == table
            for summed in dims:
                rest = [d for d in dims if d != summed]
                margin = "+".join(d for d in table.split("+") if TABLE_DIMENSIONS[d] != summed)
                keys = ["period_start", "direction", *rest]
                part = cells[in_table]
                for _key, group in part.groupby(keys, dropna=False, sort=True):
                    hidden = suppressed[group.index]
                    if hidden.sum() != 1:
                        continue
                    open_cells = group[~hidden]
                    if len(open_cells):
                        smallest = open_cells.sort_values(["cents", summed], kind="stable")
                        suppressed[smallest.index[0]] = True
                        changed = True
                    elif margin in tables:
                        total = _margin(cells, margin, group.iloc[0], keys)
                        if len(total) and not suppressed[total].all():
                            suppressed[total] = True
                            changed = True
    return suppressed


def _margin(cells: pd.DataFrame, margin: str, cell: pd.Series, keys: list[str]) -> pd.Index:
    match = cells["table"] == margin
    for key in keys:
        match &= cells[key] == cell[key]
    return cells.index[match]


def protect(cells: pd.DataFrame, rule: Disclosure) -> pd.Series:
    """Which cells to withhold: primary suppression, then secondary if the rule asks."""
    cells = cells.reset_index(drop=True)
    hidden = primary(cells, rule)
    return secondary(cells, hidden) if rule.secondary else hidden
