"""Weighted totals by domain, the influence values of a ratio of totals, and the registry
of the ways to turn them into a variance (linearisation, replicate weights)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from deo.registry import Registry

if TYPE_CHECKING:
    from deo.measure.surveys.design import SurveyDesign


@dataclass(frozen=True, eq=False)
class Totals:
    """theta_d = A_d / B_d (or A_d for a total) for k domains, from the answering records.

    ``rows`` are the records in some domain with an answer, ``columns`` their domain;
    ``influence`` is each record's linearised influence on its domain's estimate (the
    unweighted u_i: theta moves by w_i * u_i when record i's weight grows by w_i)."""

    k: int
    rows: np.ndarray
    complete: bool  # rows are all the records, in order
    columns: np.ndarray
    weights: np.ndarray  # (m,) of the rows
    numerator: np.ndarray  # (m,) a
    denominator: np.ndarray | None  # (m,) b; None for a total
    theta: np.ndarray  # (k,)
    influence: np.ndarray  # (m,)
    count: np.ndarray  # (k,) answering records
    contributors: np.ndarray  # (k,) records with a non-zero numerator
    top_share: np.ndarray  # (k,) largest |w a| over |sum of w a|
    population: np.ndarray  # (k,) sum of weights

    @classmethod
    def compute(cls, weights: np.ndarray, numerator: np.ndarray,
                denominator: np.ndarray | None, domain: np.ndarray, k: int) -> Totals:
        ok = (domain >= 0) & ~np.isnan(numerator)
        if denominator is not None:
            ok &= ~np.isnan(denominator)
        complete = bool(ok.all())
        if complete:  # every record counts: no copies (the common case, and the big one)
            rows, col, w, a, b = np.arange(len(ok)), domain, weights, numerator, denominator
        else:
            rows = np.flatnonzero(ok)
            col = domain[rows]
            w, a = weights[rows], numerator[rows]
            b = None if denominator is None else denominator[rows]
        wa = w * a
        big_a = np.bincount(col, weights=wa, minlength=k)
        with np.errstate(divide="ignore", invalid="ignore"):
            if b is None:
                theta, influence = big_a, a
            else:
                big_b = np.bincount(col, weights=w * b, minlength=k)
                theta = big_a / big_b
                influence = (a - theta[col] * b) / big_b[col]
            top = np.zeros(k)
            np.maximum.at(top, col, np.abs(wa))
            top_share = top / np.abs(big_a)
        return cls(
            k, rows, complete, col, w, a, b, theta, influence,
            count=np.bincount(col, minlength=k),
            contributors=np.bincount(col, weights=(a != 0), minlength=k).astype(int),
            top_share=top_share,
            population=np.bincount(col, weights=w, minlength=k),
        )

    @property
    def scores(self) -> np.ndarray:
        """(m,) weighted influence values w_i * u_i."""
        return self.weights * self.influence

    def srs_variance(self) -> np.ndarray:
        """(k,) variance under simple random sampling of the same number of records
        without replacement (the design effect's denominator, as R's ``deff = TRUE``)."""
        w, u, col, k = self.weights, self.influence, self.columns, self.k
        n, big_n = self.count.astype(float), self.population
        wu = w * u
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.bincount(col, weights=wu, minlength=k) / big_n
            # One pass: the influence values of means and ratios are centred already,
            # so E[u^2] - E[u]^2 loses no precision worth having in a design effect.
            spread = np.bincount(col, weights=wu * u, minlength=k) / big_n - mean**2
            spread *= n / (n - 1)
            return spread * big_n**2 * (big_n - n) / (big_n * n)


@dataclass(frozen=True)
class VarianceMethod:
    """A way to estimate the variance of ratios of totals under a design."""

    name: str
    variance: Callable[[SurveyDesign, Totals], np.ndarray]  # -> (k,)
    description: str


VARIANCE_METHODS: Registry[VarianceMethod] = Registry(
    "variance method",
    ("deo.measure.surveys.linearised", "deo.measure.surveys.replicates"),
)
