"""Statistical disclosure control of aggregated cells (pure: pandas in, pandas out).

Primary suppression: a cell is withheld when it has fewer than ``min_records`` records or
``min_contributors`` contributors, or when its ``dominance_n`` largest contributors hold more
than ``dominance_k`` of its value (the (n, k) dominance rule).

Secondary suppression holds across every table a run publishes. Within one period and
direction (no table sums over either), every cell is a sum of *atoms*: the combinations of
the breakdown codes (partner x product x customer x channel) that the published tables allow
(a combination whose cell is absent from a published table is known to be empty). An
attacker knows every published cell, so a withheld cell is recovered exactly when its
atom vector lies in the span of the published cells' atom vectors; equivalently, when some
addition that holds between the cells (a vector z with z . cells = 0 whatever the atoms
hold) involves, of the withheld cells, that cell alone. :func:`recoverable` (the audit)
finds the additions once per block (the null space of the cells' Gram matrix) and tests
every withheld cell against them. :func:`secondary` first applies a quick local rule
(:func:`_neighbours`), then, while the audit recovers a cell, withholds the cheapest
published cell (smallest value) whose withholding stops that recovery; then gives back,
most valuable first, every extra cell the audit does not need. The measures of a cell
(value, records) share one pattern of additions, so one pattern protects both. Records
that do not state a dimension the block breaks down by are assumed known to the attacker
(conservative). Interval (approximate) disclosure is not checked, only exact recovery.
See docs/records.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy import linalg, sparse

from deo.measure.records.recipe import TABLE_DIMENSIONS, Disclosure

#: Columns of a cell frame besides the dimensions: its table (dimension names joined by
#: "+", "" for totals), records, value in cents, contributors and the top contributors' cents.
CELL_COLUMNS = ("table", "period_start", "direction", "records", "cents", "contributors",
                "top_cents")
DIMENSION_COLUMNS = tuple(TABLE_DIMENSIONS.values())
#: Cells that no table sums over: each (period, direction) is its own system of additions.
BLOCK = ["period_start", "direction"]
#: Numerical zeros: an eigenvalue of the cells' Gram matrix below this share of the largest
#: (the additions between cells), a singular value below this (of orthonormal columns), and
#: a squared distance of a unit vector from a span (exact recovery leaves ~1e-15).
RELATION_TOLERANCE = 1e-10
SINGULAR_TOLERANCE = 1e-8
RECOVERY_TOLERANCE = 1e-6
#: How many of the cheapest cells a recovery uses are tried alone against it.
BREAKERS_TRIED = 8


def primary(cells: pd.DataFrame, rule: Disclosure) -> pd.Series:
    """True where a cell breaks the minimum-count or the dominance rule."""
    few = (cells["records"] < rule.min_records) | (cells["contributors"] < rule.min_contributors)
    # Integers on both sides: top / total > k without a division's rounding.
    dominated = cells["top_cents"] > rule.dominance_k * cells["cents"]
    return few | dominated


def _dims(table: str) -> list[str]:
    return [TABLE_DIMENSIONS[d] for d in table.split("+") if d]


def _atoms(block: pd.DataFrame) -> sparse.csr_matrix:
    """Cells x atoms incidence (1 where the atom adds to the cell) of one block."""
    tables = {t: _dims(t) for t in pd.unique(block["table"])}
    present = [d for d in DIMENSION_COLUMNS if any(d in dims for dims in tables.values())]
    codes = {d: pd.factorize(block[d])[0] for d in present}  # -1 where the cell has none
    sizes = {d: int(codes[d].max()) + 1 for d in present}
    rows = {t: np.flatnonzero(block["table"].to_numpy() == t) for t in tables}

    def key(columns: dict[str, np.ndarray], dims: list[str]) -> np.ndarray:
        out = np.zeros(len(next(iter(columns.values()))), dtype=np.int64)
        for d in dims:  # mixed radix: one integer per combination of codes
            out = out * sizes[d] + columns[d]
        return out

    atoms: dict[str, np.ndarray] = {"_": np.zeros(1, dtype=np.int64)}
    done: list[str] = []
    for dim in present:  # grow the combinations one dimension at a time, pruning early
        n = len(next(iter(atoms.values())))
        atoms = {d: np.repeat(v, sizes[dim]) for d, v in atoms.items()}
        atoms[dim] = np.tile(np.arange(sizes[dim]), n)
        done.append(dim)
        for table, dims in tables.items():
            if dim in dims and set(dims) <= set(done):
                cells = {d: codes[d][rows[table]] for d in dims}
                keep = np.isin(key(atoms, dims), key(cells, dims))
                atoms = {d: v[keep] for d, v in atoms.items()}
    count = len(atoms["_"])
    pairs_row, pairs_col = [], []
    for table, dims in tables.items():
        cells = rows[table]
        if not dims:
            pairs_row.append(np.repeat(cells, count))
            pairs_col.append(np.tile(np.arange(count), len(cells)))
            continue
        cell_keys = key({d: codes[d][cells] for d in dims}, dims)
        order = np.argsort(cell_keys)
        found = np.searchsorted(cell_keys[order], key(atoms, dims))
        pairs_row.append(cells[order][found])  # every atom is in one cell of each table
        pairs_col.append(np.arange(count))
    # A cell no allowed combination reaches (its records lack another dimension of the
    # block) gets an atom of its own, which also adds to the coarser cells containing it.
    lone = np.setdiff1d(np.arange(len(block)), np.concatenate(pairs_row))
    for n, cell in enumerate(lone):
        table = block["table"].iloc[cell]
        for coarser, dims in tables.items():
            if set(dims) <= set(tables[table]):
                match = rows[coarser]
                for d in dims:
                    match = match[codes[d][match] == codes[d][cell]]
                pairs_row.append(match)
                pairs_col.append(np.full(len(match), count + n))
    row, col = np.concatenate(pairs_row), np.concatenate(pairs_col)
    shape = (len(block), count + len(lone))
    return sparse.csr_matrix((np.ones(len(row)), (row, col)), shape=shape)


def _relations(incidence: sparse.csr_matrix) -> np.ndarray:
    """An orthonormal basis (cells x relations) of the additions that hold between the
    block's cells whatever the atoms hold: the vectors z with z . cells = 0."""
    gram = (incidence @ incidence.T).toarray()
    # Only the eigenvectors of (numerically) zero eigenvalues: 8x faster than all of them.
    # The largest row sum bounds the largest eigenvalue (the gap is wide: ~1e-16 to ~1e-3).
    limit = gram.sum(axis=1).max() * RELATION_TOLERANCE
    _values, vectors = linalg.eigh(gram, subset_by_value=[-np.inf, limit], driver="evr")
    return vectors


def _determined(relations: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """For each hidden cell, whether the published cells determine it: some relation is,
    on the hidden cells, that cell alone (its unit vector is in the span of the relations
    restricted to the hidden cells)."""
    restricted = relations[hidden]
    if not restricted.size:
        return np.zeros(len(restricted), dtype=bool)
    left, singular, _ = linalg.svd(restricted, full_matrices=False)
    basis = left[:, singular > SINGULAR_TOLERANCE]
    return (basis**2).sum(axis=1) > 1 - RECOVERY_TOLERANCE


def _recovery(relations: np.ndarray, hidden: np.ndarray, cell: int) -> np.ndarray:
    """The published cells a recovery of hidden ``cell`` uses (a relation that, on the
    hidden cells, is that cell alone)."""
    restricted = relations[hidden]
    target = (np.flatnonzero(hidden) == cell).astype(float)
    combination, *_ = linalg.lstsq(restricted, target)
    relation = np.abs(relations @ combination)
    return np.flatnonzero(~hidden & (relation > 1e-9 * relation.max()))


def _blocks(cells: pd.DataFrame) -> Iterator[pd.DataFrame]:
    for _key, block in cells.groupby(BLOCK, dropna=False, sort=True):
        yield block


def recoverable(cells: pd.DataFrame, hidden: pd.Series) -> pd.Series:
    """The audit: True for every withheld cell whose value the published cells of its run
    determine exactly, by any linear combination across all tables (see the module)."""
    found = pd.Series(False, index=cells.index)
    for block in _blocks(cells):
        mask = hidden[block.index].to_numpy(dtype=bool)
        if mask.any():
            found[block.index[mask]] = _determined(_relations(_atoms(block)), mask)
    return found


def audit(cells: pd.DataFrame, hidden: pd.Series) -> pd.DataFrame:
    """The withheld cells that the published ones give away (empty when protected)."""
    return cells[recoverable(cells, hidden)]


def _neighbours(cells: pd.DataFrame, suppressed: pd.Series) -> pd.Series:
    """A first, local pass: within every group of cells that add up to a cell of another
    table (one dimension summed over), a lone withheld cell takes the smallest published
    cell of its group with it (or the group's total when it has none). Quick and gives
    the usual patterns, but blind to recoveries through several tables."""
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


def _protect_block(block: pd.DataFrame, mask: np.ndarray, needed: np.ndarray) -> np.ndarray:
    relations = _relations(_atoms(block))
    # Withhold the cells of least value (then fewest records) first.
    order = np.lexsort((block["records"].to_numpy(), block["cents"].to_numpy()))
    cost = np.empty(len(block), dtype=int)
    cost[order] = np.arange(len(block))
    mask = mask.copy()
    while True:
        exact = _determined(relations, mask)
        if not exact.any():
            break
        cell = np.flatnonzero(mask)[np.argmax(exact)]
        mask[_breaker(relations, mask, cell, cost)] = True
    # Give back extra cells the protection does not need, the most valuable first.
    for cell in sorted(np.flatnonzero(mask & ~needed), key=lambda c: -cost[c]):
        mask[cell] = False
        if _determined(relations, mask).any():
            mask[cell] = True
    return mask


def _breaker(relations: np.ndarray, mask: np.ndarray, cell: int, cost: np.ndarray) -> int:
    """The published cell to withhold against the recovery of ``cell``: the cheapest of the
    cells its recovery uses whose withholding alone stops it (the few cheapest are tried),
    else the cheapest it uses (a further round withholds another)."""
    used = _recovery(relations, mask, cell)
    if not len(used):  # numerically lost: any published cell will do, the cheapest
        used = np.flatnonzero(~mask)
    used = used[np.argsort(cost[used], kind="stable")]
    for candidate in used[:BREAKERS_TRIED]:
        trial = mask.copy()
        trial[candidate] = True
        if not _determined(relations, trial)[np.flatnonzero(trial) == cell][0]:
            return int(candidate)
    return int(used[0])


def secondary(cells: pd.DataFrame, suppressed: pd.Series) -> pd.Series:
    """``suppressed`` widened until no withheld cell can be recovered from the published
    cells of the run (see the module's docstring)."""
    needed = suppressed.astype(bool)
    out = _neighbours(cells, needed)
    for block in _blocks(cells):
        mask = out[block.index].to_numpy(dtype=bool)
        if mask.any():
            out[block.index] = _protect_block(block, mask, needed[block.index].to_numpy())
    return out


def protect(cells: pd.DataFrame, rule: Disclosure) -> pd.Series:
    """Which cells to withhold: primary suppression, then secondary if the rule asks."""
    cells = cells.reset_index(drop=True)
    hidden = primary(cells, rule)
    return secondary(cells, hidden) if rule.secondary else hidden
