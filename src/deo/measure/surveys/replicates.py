"""Replicate weights (jackknife JK1 and JKn, Rao-Wu bootstrap) and the variance from them.

A replicate re-weights the sample as if some first-stage units had not been drawn (or
drawn again); the spread of an estimate over the replicates estimates its variance:

    v = scale * sum_r rscale_r * (theta_r - centre)^2

with the centre the mean of the replicates, or the full-sample estimate when ``mse``.
Scales follow R's ``as.svrepdesign``: JK1 (n-1)/n times the FPC; JKn per stratum
(n_h-1)/n_h times the stratum's FPC; bootstrap 1/(R-1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from deo.core import DeoError
from deo.i18n import _
from deo.measure.surveys.design import Replicates, SurveyDesign
from deo.measure.surveys.totals import VARIANCE_METHODS, Totals, VarianceMethod
from deo.registry import Registry


@dataclass(frozen=True)
class ReplicateMaker:
    """A registered kind of replicate weights: (design, replicates, seed) -> Replicates."""

    name: str
    make: Callable[[SurveyDesign, int, int], Replicates]
    description: str


REPLICATE_KINDS: Registry[ReplicateMaker] = Registry("replicate-weight kind", ())


def _first_stage(design: SurveyDesign) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per record: its first-stage unit and stratum; per stratum: its FPC (1 - n/N)."""
    stage = design.stages[0]
    return stage.unit, stage.group, stage.fpc


def _refuse_lonely(design: SurveyDesign, kind: str) -> None:
    stage = design.stages[0]
    alone = np.flatnonzero(stage.n_units < 2)
    if len(alone):
        raise DeoError(
            _("{kind} replicate weights need at least two sampled units in every stratum; "
              "stratum {strata} has one: merge it with another").format(
                kind=kind, strata=", ".join(stage.labels[g] for g in alone[:5])))


def jk1(design: SurveyDesign, replicates: int = 0, seed: int = 0) -> Replicates:
    """Delete-one jackknife of an unstratified design: one replicate per first-stage unit."""
    unit, group, fpc = _first_stage(design)
    if len(fpc) > 1:
        raise DeoError(_("JK1 replicate weights are for unstratified designs; use jkn "
                         "for a stratified one"))
    _refuse_lonely(design, "JK1")
    n = int(unit.max()) + 1
    factor = np.full((design.n, n), n / (n - 1))
    factor[np.arange(design.n), unit] = 0.0
    weights = design.weights[:, None] * factor
    return Replicates("jk1", weights, float((n - 1) / n * fpc[0]), np.ones(n))


def jkn(design: SurveyDesign, replicates: int = 0, seed: int = 0) -> Replicates:
    """Stratified delete-one jackknife: one replicate per first-stage unit, re-weighting
    only the rest of its stratum."""
    unit, group, fpc = _first_stage(design)
    _refuse_lonely(design, "JKn")
    stage = design.stages[0]
    n_units = int(unit.max()) + 1
    n_h = stage.n_units[group]  # per record
    weights = np.repeat(design.weights[:, None], n_units, axis=1)
    same = stage.unit_group[None, :] == group[:, None]  # (n, U): record shares the stratum
    weights *= np.where(same, (n_h / (n_h - 1))[:, None], 1.0)
    weights[np.arange(design.n), unit] = 0.0
    rscales = (stage.n_units[stage.unit_group] - 1) / stage.n_units[stage.unit_group]
    rscales = rscales * fpc[stage.unit_group]
    return Replicates("jkn", weights, 1.0, rscales)


def bootstrap(design: SurveyDesign, replicates: int = 200, seed: int = 0) -> Replicates:
    """Rao-Wu rescaled bootstrap: in each stratum draw n_h - 1 first-stage units with
    replacement; a unit drawn m times gets weight w * m * n_h / (n_h - 1). Seeded."""
    unit, group, _fpc = _first_stage(design)
    _refuse_lonely(design, "bootstrap")
    stage = design.stages[0]
    rng = np.random.default_rng(seed)
    counts = np.zeros((len(stage.unit_group), replicates))
    for g in range(len(stage.n_units)):
        members = np.flatnonzero(stage.unit_group == g)
        m = len(members)
        draws = rng.integers(0, m, size=(m - 1, replicates))
        for r in range(replicates):
            counts[members, r] = np.bincount(draws[:, r], minlength=m) * m / (m - 1)
    weights = design.weights[:, None] * counts[unit]
    return Replicates("bootstrap", weights, 1.0 / (replicates - 1), np.ones(replicates))


for _kind in (
    ReplicateMaker("jk1", jk1, "delete-one jackknife, unstratified"),
    ReplicateMaker("jkn", jkn, "delete-one jackknife within strata"),
    ReplicateMaker("bootstrap", bootstrap, "Rao-Wu rescaled bootstrap"),
):
    REPLICATE_KINDS.register(_kind)


def with_replicates(design: SurveyDesign, kind: str, replicates: int = 200, seed: int = 0,
                    mse: bool = False) -> SurveyDesign:
    """The design with replicate weights of ``kind`` (jk1, jkn, bootstrap) added."""
    made = REPLICATE_KINDS.get(kind).make(design, replicates, seed)
    return design.with_weights(design.weights, replicates=Replicates(
        made.kind, made.weights, made.scale, made.rscales, mse))


def given_replicates(design: SurveyDesign, weights: np.ndarray, scale: float,
                     rscales: np.ndarray | None = None, mse: bool = False,
                     kind: str = "given") -> SurveyDesign:
    """The design with replicate weights supplied by the survey (n, R)."""
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2 or weights.shape[0] != design.n:
        raise DeoError(_("replicate weights must have one row per record"))
    r = weights.shape[1]
    rscales = np.ones(r) if rscales is None else np.asarray(rscales, dtype=float)
    return design.with_weights(design.weights, replicates=Replicates(
        kind, weights, float(scale), rscales, mse))


def replicate_thetas(replicates: Replicates, totals: Totals) -> np.ndarray:
    """(k, R) the estimates under each set of replicate weights."""
    shape = (totals.k, len(totals.rows))
    picks = sparse.csr_matrix(
        (np.ones(len(totals.rows)), (totals.columns, np.arange(len(totals.rows)))), shape)
    w = replicates.weights[totals.rows]
    big_a = picks @ (w * totals.numerator[:, None])
    if totals.denominator is None:
        return np.asarray(big_a)
    big_b = picks @ (w * totals.denominator[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(big_a / big_b)


def _variance(design: SurveyDesign, totals: Totals) -> np.ndarray:
    reps = design.replicates
    if reps is None:
        raise DeoError(_("the design has no replicate weights"))
    thetas = replicate_thetas(reps, totals)
    centre = totals.theta[:, None] if reps.mse else thetas.mean(axis=1, keepdims=True)
    return reps.scale * ((thetas - centre) ** 2 @ reps.rscales)


VARIANCE_METHODS.register(VarianceMethod(
    "replicates", _variance, "spread of replicate estimates"))
