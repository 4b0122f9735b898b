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
            columns.append(values)
            totals.append(float(margin.total))
            names.append(margin.variable)
    if not columns:
        raise DeoError(_("calibration needs at least one margin"))
    return np.column_stack(columns), np.asarray(totals), names


def g_weights(x: np.ndarray, d: np.ndarray, totals: np.ndarray, method: str = "linear",
              bounds: tuple[float, float] = (-np.inf, np.inf), max_iter: int = 100,
              tolerance: float = 1e-12) -> np.ndarray:
    """(n,) g-weights with sum(d * g * x) = totals. ``tolerance`` is on the largest
    misfit relative to 1 + |total|."""
    fn = CALIBRATION_FUNCTIONS.get(method)
    low, high = bounds
    eta = np.zeros(x.shape[1])
    for _iteration in range(max_iter):
        u = x @ eta
        raw = fn.g(u)
        g = np.clip(raw, low, high)
        misfit = totals - x.T @ (d * g)
        if np.all(np.abs(misfit) / (1 + np.abs(totals)) < tolerance):
            return g
        slope = np.where((raw > low) & (raw < high), fn.dg(u), 0.0)
        jacobian = x.T @ (x * (d * slope)[:, None])
        eta = eta + np.linalg.pinv(jacobian, rcond=1e-12) @ misfit
    raise DeoError(_("calibration did not converge in {n} steps: the totals may be out of "
                     "reach of the sample, or the bounds too tight").format(n=max_iter))


def calibrate(design: SurveyDesign, margins: Sequence[Margin], method: str = "linear",
              bounds: tuple[float, float] = (-np.inf, np.inf)) -> SurveyDesign:
    """The design with weights calibrated to ``margins`` (``method`` linear or raking;
    ``bounds`` on the ratio of new to old weight)."""
    x, totals, _names = model_matrix(design, margins)
    d = np.asarray(design.weights, dtype=float)
    g = g_weights(x, d, totals, method, bounds)
    weights = d * g
    replicates = design.replicates
    if replicates is not None:
        recalibrated = np.column_stack([
            replicates.weights[:, r] * g_weights(x, replicates.weights[:, r], totals, method,
                                                 bounds)
            for r in range(replicates.weights.shape[1])
        ])
        replicates = Replicates(replicates.kind, recalibrated, replicates.scale,
                                replicates.rscales, replicates.mse)
    model = CalibrationModel(x, d, weights)
    return design.with_weights(weights, replicates=replicates,
                               calibrations=(*design.calibrations, model))


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
