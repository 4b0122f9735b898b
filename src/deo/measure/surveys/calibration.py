"""Weight adjustment: non-response within classes, and calibration to known totals.

Calibration finds g-weights g_i = F(x_i' eta) so that the calibrated weights d_i g_i
reproduce known population totals of the auxiliary variables x (counts by size class
and industry from the business register, total employment...). F is 1 + u (linear, the
GREG estimator) or exp(u) (raking), optionally truncated to bounds [L, U] on g; eta is
found by Newton steps. A design with replicate weights has each replicate calibrated too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from deo.core import DeoError, LoadRejected
from deo.i18n import _
from deo.measure.surveys.design import CalibrationModel, Replicates, SurveyDesign
from deo.measure.surveys.microdata import code_column
from deo.registry import Registry


@dataclass(frozen=True)
class CalibrationFunction:
    """g = clip(F(u), L, U) and its derivative where not clipped."""

    name: str
    g: Callable[[np.ndarray], np.ndarray]
    dg: Callable[[np.ndarray], np.ndarray]


CALIBRATION_FUNCTIONS: Registry[CalibrationFunction] = Registry("calibration method", ())
CALIBRATION_FUNCTIONS.register(CalibrationFunction("linear", lambda u: 1 + u, np.ones_like))
CALIBRATION_FUNCTIONS.register(CalibrationFunction("raking", np.exp, np.exp))


@dataclass(frozen=True)
class Margin:
    """A known population total: counts by category of ``variable`` (``totals`` maps each
    code to its count), or the total of a numeric ``variable`` (``total``)."""

    variable: str
    totals: Mapping[str, float] | None = None
    total: float | None = None


def model_matrix(design: SurveyDesign, margins: Sequence[Margin]
                 ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Auxiliary matrix X (n, p), its population totals (p,) and column names: an
    intercept and one indicator per category after the first, then numeric variables."""
    columns, totals, names = [], [], []
    population: float | None = None
    for margin in margins:
        if margin.totals is None:
            continue
        codes = code_column(design.microdata, margin.variable)
        known = [str(c) for c in margin.totals]
        unknown = np.flatnonzero(~np.isin(codes, known))
        if len(unknown):
            raise LoadRejected([design.microdata.problem(
                i, margin.variable, str(codes[i]),
                _("a code with a calibration total: one of {codes}").format(
                    codes=", ".join(known)), "unknown-code") for i in unknown[:200]])
        _check_category_totals(margin, codes)
        size = float(sum(margin.totals.values()))
        if population is None:
            population = size
            columns.append(np.ones(design.n))
            totals.append(size)
            names.append("(intercept)")
        elif abs(size - population) > 1e-9 * max(abs(population), 1.0):
            raise DeoError(_("calibration margins disagree on the population size: "
                             "{variable} adds up to {size:g}, an earlier margin to {first:g}")
                           .format(variable=margin.variable, size=size, first=population))
        for code in known[1:]:
            columns.append((codes == code).astype(float))
            totals.append(float(margin.totals[code]))
            names.append(f"{margin.variable}={code}")
    for margin in margins:
        if margin.totals is None:
            if margin.total is None:
                raise DeoError(_("calibration margin {variable} gives no total")
                               .format(variable=margin.variable))
            values = design.column(margin.variable)
            if np.isnan(values).any():
                i = int(np.flatnonzero(np.isnan(values))[0])
                raise LoadRejected([design.microdata.problem(
                    i, margin.variable, "", _("a number (a calibration variable may not be "
                                              "empty)"), "missing-value")])
            if margin.total != 0 and not np.any(values):
                raise DeoError(_("calibration margin {variable}: the total is {total:g}, but "
                                 "{variable} is 0 on every record, so no weights can reach it")
                               .format(variable=margin.variable, total=margin.total))
            columns.append(values)
            totals.append(float(margin.total))
            names.append(margin.variable)
    if not columns:
        raise DeoError(_("calibration needs at least one margin"))
    return _independent(np.column_stack(columns), np.asarray(totals), names)


def _check_category_totals(margin: Margin, codes: np.ndarray) -> None:
    """Refuse totals that no positive weights can meet, naming the margin and category."""
    assert margin.totals is not None
    for code, total in margin.totals.items():
        sampled = int(np.count_nonzero(codes == str(code)))
        if total < 0:
            problem = _("a population count cannot be negative ({total:g})")
        elif total > 0 and sampled == 0:
            problem = _("its population count is {total:g} but no record of the sample is in "
                        "it; merge it with a neighbouring category")
        elif total == 0 and sampled > 0:
            problem = _("its population count is 0 but {n} records of the sample are in it")
        else:
            continue
        raise DeoError(_("calibration margin {variable}, category {code}: {problem}").format(
            variable=margin.variable, code=code,
            problem=problem.format(total=total, n=sampled)))


def _independent(x: np.ndarray, totals: np.ndarray, names: list[str]
                 ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Drop the columns of ``x`` that others determine (a margin repeated, a category that is
    the sum of others) when their totals agree; refuse them, named, when the totals disagree
    (a singular system that no weights satisfy)."""
    # Scale each column so that the rank test does not depend on the variables' units.
    scale = np.abs(x).max(axis=0)
    scaled = x / np.where(scale > 0, scale, 1.0)
    if np.linalg.matrix_rank(scaled) == x.shape[1]:
        return x, totals, names
    kept: list[int] = []
    for j in range(x.shape[1]):
        if np.linalg.matrix_rank(scaled[:, [*kept, j]]) == len(kept) + 1:
            kept.append(j)
            continue
        # x_j = x_kept @ c on the sample, so its total must be totals_kept @ c.
        c = np.linalg.lstsq(x[:, kept], x[:, j], rcond=None)[0]
        implied = float(totals[kept] @ c)
        if abs(implied - totals[j]) > 1e-9 * (1 + abs(totals[j])):
            raise DeoError(_("calibration margins contradict each other on this sample: "
                             "{column} follows from the other margins, which imply a total of "
                             "{implied:.6g}, not {total:.6g}; correct or remove one of them")
                           .format(column=names[j], implied=implied, total=totals[j]))
    return x[:, kept], totals[kept], [names[j] for j in kept]


#: Newton steps and relative misfit allowed by default ([calibration] max_iter, tolerance).
MAX_ITER = 100
TOLERANCE = 1e-12


def g_weights(x: np.ndarray, d: np.ndarray, totals: np.ndarray, method: str = "linear",
              bounds: tuple[float, float] = (-np.inf, np.inf), max_iter: int = MAX_ITER,
              tolerance: float = TOLERANCE, names: Sequence[str] | None = None) -> np.ndarray:
    """(n,) g-weights with sum(d * g * x) = totals. ``tolerance`` is on the largest
    misfit relative to 1 + |total|; ``names`` label the columns of ``x`` in messages."""
    fn = CALIBRATION_FUNCTIONS.get(method)
    low, high = bounds
    # Newton steps on unit-free columns: a money total of 1e10 beside counts of 100 would
    # otherwise make the Jacobian so ill-conditioned that the counts' directions are lost.
    scale = np.abs(x).max(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    xs = x / scale
    eta = np.zeros(x.shape[1])
    relative = np.zeros(x.shape[1])
    for _iteration in range(max_iter):
        u = xs @ eta
        raw = fn.g(u)
        g = np.clip(raw, low, high)
        misfit = totals - x.T @ (d * g)
        relative = np.abs(misfit) / (1 + np.abs(totals))
        if np.all(relative < tolerance):
            return g
        slope = np.where((raw > low) & (raw < high), fn.dg(u), 0.0)
        jacobian = xs.T @ (xs * (d * slope)[:, None])
        eta = eta + np.linalg.pinv(jacobian, rcond=1e-12) @ (misfit / scale)
    worst = int(np.argmax(relative))
    label = names[worst] if names is not None else str(worst)
    reached = float(x[:, worst] @ (d * g))
    raise DeoError(_("calibration ({method}) did not converge in {n} steps: {margin} reaches "
                     "{reached:.6g} against a total of {total:.6g}. The total may be out of "
                     "reach of the sample, or the bounds {low:g}..{high:g} too tight; widen the "
                     "bounds, merge categories, or raise max_iter").format(
        method=method, n=max_iter, margin=label, reached=reached, total=totals[worst],
        low=low, high=high))


def calibrate(design: SurveyDesign, margins: Sequence[Margin], method: str = "linear",
              bounds: tuple[float, float] = (-np.inf, np.inf), *, max_iter: int = MAX_ITER,
              tolerance: float = TOLERANCE, allow_negative: bool = False) -> SurveyDesign:
    """The design with weights calibrated to ``margins`` (``method`` linear or raking;
    ``bounds`` on the ratio of new to old weight). Weights that come out negative or zero
    are refused unless ``allow_negative`` (linear calibration can produce them)."""
    x, totals, names = model_matrix(design, margins)
    d = np.asarray(design.weights, dtype=float)
    g = g_weights(x, d, totals, method, bounds, max_iter, tolerance, names)
    weights = d * g
    if not (allow_negative and method == "linear"):  # raking's weights are positive by design
        _refuse_non_positive(weights, method, bounds)
    replicates = design.replicates
    if replicates is not None:
        recalibrated = np.column_stack([
            replicates.weights[:, r] * g_weights(x, replicates.weights[:, r], totals, method,
                                                 bounds, max_iter, tolerance, names)
            for r in range(replicates.weights.shape[1])
        ])
        replicates = Replicates(replicates.kind, recalibrated, replicates.scale,
                                replicates.rscales, replicates.mse)
    model = CalibrationModel(x, d, weights)
    return design.with_weights(weights, replicates=replicates,
                               calibrations=(*design.calibrations, model))


def _refuse_non_positive(weights: np.ndarray, method: str, bounds: tuple[float, float]) -> None:
    """A calibrated weight at or below zero is no sampling weight: refuse it, with the way out."""
    bad = np.flatnonzero(weights <= 0)
    if len(bad):
        way_out = (_("set bounds with a positive lower limit (e.g. [0.5, 3.0]), use raking, "
                     "or set allow_negative_weights = true in [calibration] to keep them")
                   if method == "linear" else
                   _("set bounds with a positive lower limit (e.g. [0.5, 3.0]), or check the "
                     "totals: the sample cannot reach them with positive weights"))
        raise DeoError(_("calibration ({method}, bounds {low:g}..{high:g}) gave {n} records a "
                         "weight of zero or below (the lowest {lowest:.6g}); {way_out}").format(
            method=method, low=bounds[0], high=bounds[1], n=len(bad),
            lowest=float(weights.min()), way_out=way_out))


def adjust_nonresponse(design: SurveyDesign, responded: str, classes: Sequence[str],
                       yes: Sequence[str] = ("1",)) -> SurveyDesign:
    """Drop non-respondents and spread their weight over the respondents of their class:
    each respondent's weight is multiplied by (weight of the class) / (weight of its
    respondents). ``responded`` holds the response code (``yes`` means responded)."""
    answered = np.isin(code_column(design.microdata, responded), [str(c) for c in yes])
    if classes:
        keys = [code_column(design.microdata, c) for c in classes]
        labels = np.array(["|".join(parts) for parts in zip(*keys, strict=True)], dtype=object)
    else:
        labels = np.full(design.n, "", dtype=object)
    names, cell = np.unique(labels, return_inverse=True)
    everyone = np.bincount(cell, weights=design.weights, minlength=len(names))
    respondents = np.bincount(cell, weights=design.weights * answered, minlength=len(names))
    empty = np.flatnonzero((respondents <= 0) & (everyone > 0))
    if len(empty):
        raise DeoError(_("non-response class {cls} has no respondent; merge it with another "
                         "class").format(cls=", ".join(str(names[c]) for c in empty[:5])))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(respondents > 0, everyone / respondents, 0.0)
    return design.subset(answered, weights=design.weights * factor[cell])
