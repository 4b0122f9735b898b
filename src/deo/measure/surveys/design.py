"""The survey design: which records were sampled, how, and with what weight.

A :class:`SurveyDesign` is immutable; weight adjustments (non-response, calibration)
and replicate weights return a new design. Clusters are nested in their strata and in
the units of the stage above (R's ``svydesign(nest = TRUE)``). Population sizes (FPC)
are given per stage, as counts or as sampling fractions (all values <= 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from deo.core import DeoError, LoadRejected, Problem
from deo.i18n import _
from deo.measure.surveys.microdata import Microdata, code_factors, numeric_column
from deo.measure.surveys.variance import LONELY_RULES, Stage, check_lonely


@dataclass(frozen=True)
class DesignSpec:
    """Which columns describe the design. Tuples hold one entry per stage."""

    ids: tuple[str, ...] = ()  # cluster columns, first stage first; () samples records
    strata: tuple[str, ...] = ()  # stratum columns by stage; () is unstratified
    weights: str | None = None  # sampling weight column (else derived from the FPC)
    fpc: tuple[str, ...] = ()  # population size (or sampling fraction) by stage
    lonely_psu: str = "fail"


@dataclass(frozen=True, eq=False)
class Replicates:
    """Replicate weights (n, R) and how their spread becomes a variance."""

    kind: str
    weights: np.ndarray
    scale: float
    rscales: np.ndarray
    mse: bool = False  # centre on the full-sample estimate (else on the replicates' mean)


@dataclass(frozen=True, eq=False)
class CalibrationModel:
    """Auxiliary variables a calibration used, for the residuals in the variance (GREG)."""

    matrix: np.ndarray  # (n, p)
    base_weights: np.ndarray  # (n,) weights before the calibration
    weights: np.ndarray  # (n,) weights the calibration gave


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """Microdata with its sampling design. Weights are population units per record."""

    microdata: Microdata
    spec: DesignSpec
    weights: np.ndarray
    stages: tuple[Stage, ...]
    has_fpc: bool
    replicates: Replicates | None = None
    calibrations: tuple[CalibrationModel, ...] = field(default=())

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def frame(self) -> pd.DataFrame:
        return self.microdata.frame

    @property
    def lonely_psu(self) -> str:
        return self.spec.lonely_psu

    def column(self, name: str, expected: str | None = None) -> np.ndarray:
        """A numeric column as float (NaN where empty); non-numbers are refused."""
        return numeric_column(self.microdata, name, expected)

    def with_weights(self, weights: np.ndarray, **changes: object) -> SurveyDesign:
        """The same design with new weights (and other fields replaced)."""
        weights = np.asarray(weights, dtype=float)
        weights.setflags(write=False)
        return replace(self, weights=weights, **changes)

    def subset(self, keep: np.ndarray, weights: np.ndarray | None = None) -> SurveyDesign:
        """A design on the kept records only (their strata and clusters recounted)."""
        if self.replicates is not None or self.calibrations:
            raise DeoError(_("drop records before calibrating or making replicate weights"))
        keep = np.asarray(keep, dtype=bool)
        base = self.weights if weights is None else weights
        return build_design(self.microdata.take(keep), self.spec,
                            weights=np.asarray(base)[keep])

    def design_df(self) -> int:
        """Degrees of freedom: first-stage units minus first-stage strata."""
        stage = self.stages[0]
        return int(stage.n_units.sum() - len(stage.n_units))


def _codes(*parts: np.ndarray) -> np.ndarray:
    """Dense integer codes of the combinations of ``parts`` (first-seen order)."""
    frame = pd.DataFrame({str(i): p for i, p in enumerate(parts)})
    return frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()


def _missing(microdata: Microdata, column: str, what: str, problems: list[Problem]) -> None:
    values = microdata.frame[column]
    empty = values.isna().to_numpy().copy()
    if not pd.api.types.is_numeric_dtype(values):
        index, codes = code_factors(microdata, column)
        empty |= np.isin(index, [i for i, code in enumerate(codes) if code == ""])
    for i in np.flatnonzero(empty)[:50]:
        problems.append(microdata.problem(i, column, "", what, "missing-design-value"))


def _check_columns(microdata: Microdata, spec: DesignSpec) -> None:
    wanted = [*spec.ids, *spec.strata, *spec.fpc, *([spec.weights] if spec.weights else [])]
    absent = [c for c in wanted if c not in microdata.frame.columns]
    if absent:
        raise DeoError(
            _("{file}: the design names columns that are not in the file: {absent}; its "
              "columns are: {columns}").format(
                file=microdata.source, absent=", ".join(absent),
                columns=", ".join(map(str, microdata.frame.columns)))
        )
    if spec.fpc and len(spec.fpc) != max(len(spec.ids), 1):
        raise DeoError(
            _("the design gives population sizes (fpc) for {fpc} stage(s) but has {ids} "
              "stage(s) of clusters; give one fpc column per stage").format(
                fpc=len(spec.fpc), ids=max(len(spec.ids), 1))
        )
    if len(spec.strata) > max(len(spec.ids), 1):
        raise DeoError(_("the design has more strata columns than sampling stages"))
    LONELY_RULES.get(spec.lonely_psu)


def _most_common(values: np.ndarray, group: np.ndarray, k: int) -> np.ndarray:
    """(k,) the most frequent of ``values`` in each of the ``k`` groups (ties: the smallest)."""
    counts = pd.DataFrame({"group": group, "value": values}).value_counts()
    counts = counts.reset_index().sort_values(["group", "count", "value"],
                                              ascending=[True, False, True])
    best = counts.drop_duplicates("group")
    out = np.full(k, np.nan)
    out[best["group"].to_numpy()] = best["value"].to_numpy()
    return out


def _population_sizes(microdata: Microdata, column: str, group: np.ndarray,
                      n_units: np.ndarray, problems: list[Problem]) -> np.ndarray:
    """(G,) population units per stratum from a column of sizes or of fractions."""
    values = numeric_column(microdata, column, _("a population size or a sampling fraction"))
    bad = ~np.isfinite(values) | (values <= 0)
    for i in np.flatnonzero(bad)[:50]:
        problems.append(microdata.problem(
            i, column, microdata.text(i, column),
            _("a positive population size, or a sampling fraction in (0, 1]"), "bad-fpc"))
    if bad.any():
        return np.full(len(n_units), np.inf)
    fractions = bool(np.all(values <= 1))
    usual = _most_common(values, group, len(n_units))
    # The odd records out are blamed, not those that agree with each other: the reference is
    # the stratum's most common value (on a tie, the smallest), wherever it first appears.
    for i in np.flatnonzero(values != usual[group])[:50]:
        problems.append(microdata.problem(
            i, column, microdata.text(i, column),
            _("the same value on every record of the stratum (its most common value is "
              "{value:g})").format(value=usual[group[i]]), "fpc-varies-in-stratum"))
    sizes = n_units / usual if fractions else usual
    for g in np.flatnonzero(sizes < n_units - 1e-9)[:50]:
        i = int(np.flatnonzero(group == g)[0])
        problems.append(microdata.problem(
            i, column, microdata.text(i, column),
            _("at least the {n} units sampled in the stratum").format(n=int(n_units[g])),
            "fpc-below-sample"))
    return sizes


def build_design(microdata: Microdata, spec: DesignSpec,
                 weights: np.ndarray | None = None) -> SurveyDesign:
    """Check the design columns of ``microdata`` and build the design.

    Raises :class:`LoadRejected` listing every record with a missing, non-numeric or
    negative design value, and :class:`DeoError` for a lonely stratum under ``fail``.
    """
    _check_columns(microdata, spec)
    problems: list[Problem] = []
    for column in (*spec.ids, *spec.strata, *spec.fpc, *([spec.weights] if spec.weights else [])):
        _missing(microdata, column, _("a value (design columns may not be empty)"), problems)
    if problems:
        raise LoadRejected(problems)
    n = len(microdata.frame)
    if n == 0:
        raise DeoError(_("{file}: no records").format(file=microdata.source))
    stages: list[Stage] = []
    parent_unit = np.zeros(n, dtype=np.int64)
    parent_reach = np.ones(1)
    parent_labels: list[str] = [""]
    for s in range(max(len(spec.ids), 1)):
        stratum_values = (microdata.frame[spec.strata[s]].astype(str).to_numpy()
                          if s < len(spec.strata) else np.full(n, ""))
        group = _codes(parent_unit, stratum_values)
        cluster = (microdata.frame[spec.ids[s]].astype(str).to_numpy() if spec.ids
                   else np.arange(n))
        unit = _codes(group, cluster)
        n_groups, n_unit = int(group.max()) + 1, int(unit.max()) + 1
        unit_group = np.zeros(n_unit, dtype=np.int64)
        unit_group[unit] = group
        n_units = np.bincount(unit_group, minlength=n_groups).astype(float)
        parent = np.zeros(n_groups, dtype=np.int64)
        parent[group] = parent_unit
        labels = np.empty(n_groups, dtype=object)
        labels[group] = stratum_values
        labels = tuple(
            "/".join(p for p in (parent_labels[parent[g]], str(labels[g])) if p)
            or _("(whole sample)") for g in range(n_groups))
        pop = (_population_sizes(microdata, spec.fpc[s], group, n_units, problems)
               if spec.fpc else np.full(n_groups, np.inf))
        stage = Stage(group, unit, unit_group, n_units, pop, parent, parent_reach[parent],
                      labels, one_row_units=n_unit == n)
        stages.append(stage)
        with np.errstate(divide="ignore"):
            parent_reach = stage.reach[unit_group] * n_units[unit_group] / pop[unit_group]
        parent_unit = unit
        if s + 1 < len(spec.ids):
            parent_labels = [labels[g] for g in unit_group]
    if weights is None:
        weights = _weights(microdata, spec, stages, problems)
    if problems:
        raise LoadRejected(problems)
    check_lonely(tuple(stages), spec.lonely_psu, bool(spec.fpc))
    weights = np.asarray(weights, dtype=float).copy()
    weights.setflags(write=False)
    return SurveyDesign(microdata, spec, weights, tuple(stages), bool(spec.fpc))


def _weights(microdata: Microdata, spec: DesignSpec, stages: list[Stage],
             problems: list[Problem]) -> np.ndarray:
    if spec.weights:
        weights = numeric_column(microdata, spec.weights, _("a non-negative sampling weight"))
        negative = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
        for i in negative[:50]:
            problems.append(microdata.problem(
                i, spec.weights, microdata.text(i, spec.weights),
                _("a non-negative sampling weight"), "bad-weight"))
        return weights
    if not spec.fpc:
        raise DeoError(_("the design needs sampling weights, or population sizes (fpc) "
                         "from which to derive them"))
    # Inverse inclusion probabilities, stage by stage: N/n at each stage multiplied.
    weights = np.ones(len(microdata.frame))
    for stage in stages:
        weights *= (stage.pop_size / stage.n_units)[stage.group]
    return weights
