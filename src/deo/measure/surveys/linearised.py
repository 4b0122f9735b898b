"""Variance by Taylor linearisation: the design variance of the weighted influence values.

After a calibration the influence values are first replaced by their residuals from a
regression on the calibration's auxiliary variables (weighted by the weights before
calibration), which is where calibration's gain in precision comes from (the GREG
variance; R's ``calibrate`` does the same).
"""

from __future__ import annotations

import numpy as np

from deo.measure.surveys.design import CalibrationModel, SurveyDesign
from deo.measure.surveys.totals import VARIANCE_METHODS, Totals, VarianceMethod
from deo.measure.surveys.variance import linearised_variance


def calibration_residuals(model: CalibrationModel, scores: np.ndarray) -> np.ndarray:
    """(n,) scores x = w * u replaced by x - w * X beta, beta from regressing x / w * g
    on X with the pre-calibration weights d (g = w / d, the calibration's g-weights)."""
    x, d = model.matrix, model.base_weights
    g = np.divide(model.weights, d, out=np.zeros_like(d), where=d > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(g > 0, scores / g, 0.0)
    gram = x.T @ (x * d[:, None])
    beta = np.linalg.pinv(gram, rcond=1e-12, hermitian=True) @ (x.T @ per_unit)
    return scores - g * d * (x @ beta)


def _variance(design: SurveyDesign, totals: Totals) -> np.ndarray:
    stages, fpc, lonely = design.stages, design.has_fpc, design.lonely_psu
    if not design.calibrations:
        rows = None if totals.complete else totals.rows
        return linearised_variance(stages, fpc, lonely, rows, totals.columns,
                                   totals.scores, totals.k)
    # Residuals are dense: every record has one, in every domain. One domain at a time
    # keeps memory at one column of the microdata.
    out = np.zeros(totals.k)
    for d in range(totals.k):
        mine = totals.columns == d
        scores = np.zeros(design.n)
        scores[totals.rows[mine]] = totals.scores[mine]
        for model in design.calibrations:
            scores = calibration_residuals(model, scores)
        out[d] = linearised_variance(stages, fpc, lonely, None,
                                     np.zeros(design.n, dtype=np.int64), scores, 1)[0]
    return out


VARIANCE_METHODS.register(VarianceMethod(
    "linearisation", _variance, "Taylor linearisation, stratified multistage"))
