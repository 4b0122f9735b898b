"""Design-based estimators of totals, means, proportions and ratios, overall and by domain.

Every statistic here is a ratio of two weighted totals, theta = A / B (a total has no
denominator): a mean is y over 1, a proportion is "yes" over "answered", a ratio is y
over x. Domains keep the full design: records outside a domain score zero, so strata
and clusters without a record in the domain still count. Records with a missing answer
are left out of the domain (R's ``na.rm = TRUE``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from deo.core import DeoError, LoadRejected
from deo.i18n import _
from deo.measure.surveys.design import SurveyDesign
from deo.measure.surveys.microdata import code_factors
from deo.measure.surveys.totals import VARIANCE_METHODS, Totals
from deo.registry import Registry


@dataclass(frozen=True)
class Estimate:
    """One estimate with its precision. ``se``, the interval and ``population`` are in the
    statistic's own unit (a proportion is 0-1); ``cv`` is se / |estimate|; ``n`` counts
    the records that answered in the domain, ``contributors`` those with a non-zero
    numerator; ``top_share`` is the largest record's share of the weighted numerator."""

    statistic: str
    variable: str
    domain: str
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    cv: float
    deff: float
    n: int
    contributors: int
    top_share: float
    population: float


@dataclass(frozen=True)
class Target:
    """What to estimate: ``statistic`` of ``variable`` (over ``denominator`` for a ratio).

    For a proportion, ``yes`` are the answer codes counted, ``no`` the other valid ones
    (empty: any other answer is a "no") and ``missing`` the codes that mean no answer
    (don't know, refused); with ``no`` given, any other code is refused as unknown."""

    statistic: str
    variable: str
    denominator: str | None = None
    yes: tuple[str, ...] = ("1",)
    no: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Estimator:
    """A registered statistic: how its numerator and denominator come from the data."""

    name: str
    #: (design, target) -> (numerator a, denominator b or None), NaN where not answered
    parts: Callable[[SurveyDesign, Target], tuple[np.ndarray, np.ndarray | None]]
    description: str


ESTIMATORS: Registry[Estimator] = Registry("estimator", ())


def _proportion(design: SurveyDesign, target: Target) -> tuple[np.ndarray, np.ndarray]:
    # Decided once per distinct code, then spread to the records: fast on a million.
    index, codes = code_factors(design.microdata, target.variable)
    labels = np.array(codes, dtype=object)
    yes = np.isin(labels, [str(c) for c in target.yes])
    gap = (labels == "") | np.isin(labels, [str(c) for c in target.missing])
    if target.no:
        unknown_code = ~(yes | np.isin(labels, [str(c) for c in target.no]) | gap)
        unknown = np.flatnonzero(unknown_code[index])
        if len(unknown):
            known = ", ".join(str(c) for c in (*target.yes, *target.no, *target.missing))
            raise LoadRejected([design.microdata.problem(
                i, target.variable, str(labels[index[i]]),
                _("an answer code: one of {codes}, or empty").format(codes=known),
                "unknown-code") for i in unknown[:200]])
    value = np.where(gap, np.nan, yes.astype(float))[index]
    return value, np.where(gap, np.nan, 1.0)[index]


def _ratio(design: SurveyDesign, target: Target) -> tuple[np.ndarray, np.ndarray]:
    if not target.denominator:
        raise DeoError(_("a ratio needs a denominator variable ({variable} / ?)")
                       .format(variable=target.variable))
    return design.column(target.variable), design.column(target.denominator)


for _estimator in (
    Estimator("total", lambda d, t: (d.column(t.variable), None), "weighted sum"),
    Estimator("mean", lambda d, t: (d.column(t.variable), np.ones(d.n)), "weighted mean"),
    Estimator("proportion", _proportion, "share of answers coded yes"),
    Estimator("ratio", _ratio, "ratio of two totals"),
):
    ESTIMATORS.register(_estimator)


def domain_codes(design: SurveyDesign, by: str | None) -> tuple[np.ndarray, list[str]]:
    """Integer domain code per record (-1: in no domain) and the domains' labels."""
    if by is None:
        return np.zeros(design.n, dtype=np.int64), [""]
    if by not in design.frame.columns:
        raise DeoError(_("{file}: no column {column!r} to break estimates down by")
                       .format(file=design.microdata.source, column=by))
    index, codes = code_factors(design.microdata, by)
    labels = sorted({c for c in codes if c})
    where = {c: i for i, c in enumerate(labels)}
    domain = np.array([where.get(c, -1) for c in codes], dtype=np.int64)[index]
    return domain, [f"{by}={label}" for label in labels]


def estimate(design: SurveyDesign, target: Target, by: str | None = None,
             level: float = 0.95, codes: tuple[np.ndarray, list[str]] | None = None
             ) -> list[Estimate]:
    """``target`` for the whole population (``by`` None) or for each domain of ``by``."""
    numerator, denominator = ESTIMATORS.get(target.statistic).parts(design, target)
    domain, labels = codes or domain_codes(design, by)
    totals = Totals.compute(design.weights, numerator, denominator, domain, len(labels))
    method = "replicates" if design.replicates is not None else "linearisation"
    variance = VARIANCE_METHODS.get(method).variance(design, totals)
    z = stats.norm.ppf(0.5 + level / 2)
    se = np.sqrt(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = variance / totals.srs_variance()
    # A domain where nobody answered has no estimate, and so no precision: not a total of
    # 0 with a standard error of 0, which would read as a certain zero.
    empty = totals.count == 0
    theta_all = np.where(empty, np.nan, totals.theta)
    se = np.where(empty, np.nan, se)
    deff = np.where(empty, np.nan, deff)
    out = []
    for d, label in enumerate(labels):
        theta = theta_all[d]
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = se[d] / abs(theta)
        out.append(Estimate(
            statistic=target.statistic, variable=_label(target), domain=label,
            estimate=float(theta), se=float(se[d]),
            ci_lower=float(theta - z * se[d]), ci_upper=float(theta + z * se[d]),
            cv=float(cv), deff=float(deff[d]), n=int(totals.count[d]),
            contributors=int(totals.contributors[d]), top_share=float(totals.top_share[d]),
            population=float(totals.population[d]),
        ))
    return out


def _label(target: Target) -> str:
    return f"{target.variable}/{target.denominator}" if target.denominator else target.variable


def to_frame(estimates: list[Estimate]) -> pd.DataFrame:
    """Estimates as a table, one row each."""
    return pd.DataFrame([e.__dict__ for e in estimates])


def survey_total(design: SurveyDesign, variable: str, by: str | None = None,
                 level: float = 0.95) -> list[Estimate]:
    """Estimated population total of ``variable`` (its unit), overall or by domain."""
    return estimate(design, Target("total", variable), by, level)


def survey_mean(design: SurveyDesign, variable: str, by: str | None = None,
                level: float = 0.95) -> list[Estimate]:
    """Estimated population mean of ``variable`` (its unit)."""
    return estimate(design, Target("mean", variable), by, level)


def survey_proportion(design: SurveyDesign, variable: str, yes: tuple[str, ...] = ("1",),
                      by: str | None = None, level: float = 0.95) -> list[Estimate]:
    """Estimated share (0-1) of records whose ``variable`` is one of the ``yes`` codes."""
    target = Target("proportion", variable, yes=tuple(str(c) for c in yes))
    return estimate(design, target, by, level)


def survey_ratio(design: SurveyDesign, numerator: str, denominator: str,
                 by: str | None = None, level: float = 0.95) -> list[Estimate]:
    """Estimated ratio of the totals of ``numerator`` and ``denominator``."""
    return estimate(design, Target("ratio", numerator, denominator), by, level)
