"""Transformations applied to raw components before normalisation.

Kernels take a float array with areas on axis -2 and components on axis -1 (extra leading
axes allowed; a 1-D array is one component) and return an array of the same shape.
NaN means missing and stays NaN.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from deo.assess.steps import StepRegistry
from deo.core import DeoError

FloatArray = npt.NDArray[np.float64]

TRANSFORMS = StepRegistry("transformation")


def areas_axis(x: np.ndarray) -> int:
    """The axis that holds areas: -2, or 0 for a single component given as a vector."""
    return -2 if x.ndim >= 2 else -1


@TRANSFORMS.register("log", params=("offset",))
def log(x: npt.ArrayLike, *, offset: float = 0.0) -> FloatArray:
    """Natural logarithm of ``x + offset``; NaN where ``x + offset <= 0``.

    Used to damp skewed components (GDP, secure servers); the engine reports the areas that
    became NaN so a non-positive value is never hidden.
    """
    shifted = np.asarray(x, dtype=np.float64) + offset
    with np.errstate(invalid="ignore"):
        positive = shifted > 0
    return np.log(np.where(positive, shifted, np.nan))


@TRANSFORMS.register("winsorise", params=("lower", "upper"))
def winsorise(x: npt.ArrayLike, *, lower: float = 0.05, upper: float = 0.95) -> FloatArray:
    """Clip each component to its ``lower``/``upper`` quantiles (fractions 0-1) over areas.

    Quantiles use the non-missing areas only (``np.nanquantile``, linear interpolation), so
    outliers stop dominating min-max normalisation.
    """
    if not 0.0 <= lower <= upper <= 1.0:
        raise DeoError(
            f"winsorise needs 0 <= lower <= upper <= 1, got lower={lower}, upper={upper}"
        )
    values = np.asarray(x, dtype=np.float64)
    with warnings.catch_warnings():
        # A component missing for every area stays missing; that is no reason to warn.
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(values, [lower, upper], axis=areas_axis(values), keepdims=True)
    return np.clip(values, low, high)
