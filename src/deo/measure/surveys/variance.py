"""Taylor-linearisation variance of weighted totals under a stratified multistage design.

Pure NumPy. Input is a sparse score matrix: ``values[m]`` belongs to row ``rows[m]`` of
the microdata and to output column ``columns[m]`` (an indicator, or a domain of one).
A score is the weighted influence value of a record, ``w_i * u_i``; the variance of the
estimate is the design variance of the total of the scores.

At each stage, within each stratum g (nested in the unit drawn at the stage above)
with n_g sampled units out of N_g, the contribution is

    reach_g * (1 - n_g / N_g) * n_g / (n_g - 1) * sum_i (t_i - mean_g)^2

where t_i are the unit totals of the scores, the mean runs over all n_g units of the
stratum (units without a score count as zero: domains keep the full design), and
``reach_g`` is the product of the sampling fractions of the stages above (so later
stages count only when population sizes are known). A stratum with one sampled unit
is handled by the design's lonely-PSU rule, as R's ``survey.lonely.psu`` option does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from deo.core import DeoError
from deo.i18n import _
from deo.registry import Registry


@dataclass(frozen=True, eq=False)
class Stage:
    """One sampling stage. Arrays are indexed by row (n), unit (U) or stratum group (G)."""

    group: np.ndarray  # (n,) stratum of each row, nested in the unit of the stage above
    unit: np.ndarray  # (n,) sampled unit of each row at this stage
    unit_group: np.ndarray  # (U,) stratum of each unit
    n_units: np.ndarray  # (G,) units sampled in each stratum
    pop_size: np.ndarray  # (G,) units in the population of each stratum (inf: unknown)
    parent: np.ndarray  # (G,) unit of the stage above holding the stratum (0 at stage 1)
    reach: np.ndarray  # (G,) product of the sampling fractions of the stages above
    labels: tuple[str, ...]  # (G,) stratum names, for messages
    one_row_units: bool  # every unit is one row (element sampling): no aggregation needed

    @property
    def fpc(self) -> np.ndarray:
        """(G,) finite population correction 1 - n/N (1 where N is unknown)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(np.isinf(self.pop_size), 1.0, 1.0 - self.n_units / self.pop_size)


@dataclass(frozen=True)
class LonelyRule:
    """What a stratum with one sampled unit contributes (R's survey.lonely.psu)."""

    name: str
    #: contribution of a lonely stratum from (reach * fpc, the unit's total); NaN: average
    contribute: Callable[[np.ndarray, np.ndarray], np.ndarray]
    description: str


LONELY_RULES: Registry[LonelyRule] = Registry("lonely-PSU rule", ())
for _rule in (
    LonelyRule("fail", lambda scale, total: np.full_like(total, np.nan),
               "refuse a stratum with one sampled unit"),
    LonelyRule("remove", lambda scale, total: np.zeros_like(total),
               "the stratum contributes nothing"),
    LonelyRule("certainty", lambda scale, total: np.zeros_like(total),
               "treat the unit as drawn with certainty: nothing at this stage"),
    LonelyRule("adjust", lambda scale, total: scale * total**2,
               "centre the unit at zero, the average score, rather than its stratum mean"),
    LonelyRule("average", lambda scale, total: np.full_like(total, np.nan),
               "scale the other strata up to stand in for it (the average stratum)"),
):
    LONELY_RULES.register(_rule)


def lonely_strata(stage: Stage) -> np.ndarray:
    """Indices of strata with one sampled unit that were not drawn with certainty."""
    return np.flatnonzero((stage.n_units == 1) & (stage.pop_size != 1) & (stage.reach > 0))


def unit_totals(stage: Stage, rows: np.ndarray | None, columns: np.ndarray,
                values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores summed by (unit, column): the units, their columns and the totals
    (``rows`` None: every record, in order)."""
    unit = stage.unit if rows is None else stage.unit[rows]
    if stage.one_row_units:  # callers give each (row, column) once: cells are unique
        return unit, columns, values
    key = unit.astype(np.int64) * k + columns
    cells, inverse = np.unique(key, return_inverse=True)
    return cells // k, cells % k, np.bincount(inverse, weights=values)


def stage_variance(stage: Stage, rows: np.ndarray | None, columns: np.ndarray, values: np.ndarray,
                   k: int, lonely: str) -> np.ndarray:
    """(k,) variance contributed by one stage."""
    units, cols, totals = unit_totals(stage, rows, columns, values, k)
    n_groups = len(stage.n_units)
    # With every record a unit, in order, a unit's stratum is its record's.
    whole = rows is None and stage.one_row_units
    group = stage.group if whole else stage.unit_group[units]
    cell = group if k == 1 else group.astype(np.int64) * k + cols
    size = n_groups * k
    n = np.repeat(stage.n_units.astype(float), k)
    mean = np.bincount(cell, weights=totals, minlength=size) / n
    # Two passes (deviations, then squares) keep precision when means are large; units
    # with no score in a column are zeros, whose squared deviation is mean^2 each.
    squares = np.bincount(cell, weights=(totals - mean[cell]) ** 2, minlength=size)
    present = np.bincount(cell, minlength=size)
    squares += (n - present) * mean**2
    scale = np.repeat(stage.reach * stage.fpc, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        contrib = np.where(n > 1, scale * n / (n - 1) * squares, 0.0)
    alone = np.zeros(n_groups, dtype=bool)
    alone[lonely_strata(stage)] = True
    alone = np.repeat(alone, k)
    if alone.any():
        # The lonely unit's total is the stratum's whole sum, i.e. mean * 1.
        contrib[alone] = LONELY_RULES.get(lonely).contribute(scale[alone], mean[alone])
    parent = np.repeat(stage.parent.astype(np.int64), k) * k + np.tile(np.arange(k), n_groups)
    n_parents = int(stage.parent.max()) + 1 if n_groups else 1
    summed = np.bincount(parent, weights=np.nan_to_num(contrib), minlength=n_parents * k)
    if lonely == "average" and alone.any():
        # Strata of each parent unit stand in for its lonely ones: scale by all / not
        # lonely, counting the strata the column has records in (R counts the strata of
        # the domain's subset).
        seen = present > 0
        groups = np.bincount(parent, weights=seen, minlength=n_parents * k)
        ok = groups - np.bincount(parent, weights=seen & alone, minlength=n_parents * k)
        with np.errstate(divide="ignore", invalid="ignore"):
            summed = summed * np.where(groups > 0, groups / ok, 1.0)
    return summed.reshape(n_parents, k).sum(axis=0)


def check_lonely(stages: tuple[Stage, ...], lonely: str, has_fpc: bool) -> None:
    """Raise when the rule is ``fail`` and a stratum that counts has one sampled unit."""
    if lonely != "fail":
        return
    for number, stage in enumerate(stages if has_fpc else stages[:1], start=1):
        found = lonely_strata(stage)
        if len(found):
            names = ", ".join(stage.labels[g] for g in found[:5])
            more = " ..." if len(found) > 5 else ""
            raise DeoError(
                _("stratum {strata} has only one sampled unit at stage {stage}, so its "
                  "variance cannot be estimated; set lonely_psu in the design to one of "
                  "remove, certainty, adjust or average, or merge the stratum with another")
                .format(strata=names + more, stage=number)
            )


def linearised_variance(stages: tuple[Stage, ...], has_fpc: bool, lonely: str,
                        rows: np.ndarray | None, columns: np.ndarray, values: np.ndarray,
                        k: int) -> np.ndarray:
    """(k,) design variance of the column totals of a sparse score matrix (``rows``
    None: one value per record, in order).

    Later stages count only when population sizes are known at every stage (without
    them the ultimate-cluster variance of the first stage is the estimate, as in R).
    """
    check_lonely(stages, lonely, has_fpc)
    rows = None if rows is None else np.asarray(rows, dtype=np.int64)
    columns = np.asarray(columns, dtype=np.int64)
    values = np.asarray(values, dtype=float)
    total = np.zeros(k)
    for stage in stages if has_fpc else stages[:1]:
        if not np.any(stage.reach > 0):
            break
        total += stage_variance(stage, rows, columns, values, k, lonely)
    return total
