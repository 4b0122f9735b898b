"""From microdata, a design file and an indicator map to checked observations, and into
the store as one release (all or nothing).

Each indicator of the map is estimated for the whole population and for each breakdown
dimension the map reads and the catalogue allows for it (one dimension at a time),
scaled (100 for percent), passed through the quality rules, and validated against the
catalogue like any loaded file. Every problem in the microdata is reported at once,
with file, row, column and value; nothing is written unless everything is right.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from deo.catalogue import Catalogue, get_catalogue
from deo.core import TOTAL, DeoError, LoadRejected, Problem
from deo.core.breakdown import DIMENSIONS
from deo.i18n import _
from deo.measure.surveys.calibration import adjust_nonresponse, calibrate
from deo.measure.surveys.design import SurveyDesign, build_design
from deo.measure.surveys.estimators import Target, estimate
from deo.measure.surveys.microdata import Microdata, code_factors, read_microdata
from deo.measure.surveys.quality import apply_quality
from deo.measure.surveys.recipe import (
    DesignRecipe,
    IndicatorMap,
    quality_rules,
    read_design,
    read_map,
)
from deo.measure.surveys.replicates import with_replicates
from deo.sources.validation import validate
from deo.store import LoadResult, Store

Progress = Callable[[int, int], None]


@dataclass
class SurveyRun:
    """The estimates of one survey run, and the observations they make."""

    estimates: pd.DataFrame  # every estimate with cv, deff, n, status and quality reasons
    observations: pd.DataFrame  # validated observation frame, with ``method``
    design: SurveyDesign
    recipe: DesignRecipe
    indicator_map: IndicatorMap
    content_hash: str


def apply_design(microdata: Microdata, recipe: DesignRecipe) -> SurveyDesign:
    """The design of ``recipe`` on ``microdata``: built, non-response adjusted,
    calibrated, with replicate weights when the variance method asks for them."""
    design = build_design(microdata, recipe.spec)
    if recipe.responded:
        design = adjust_nonresponse(design, recipe.responded, recipe.nonresponse_classes,
                                    recipe.responded_yes)
    if recipe.variance != "linearisation":
        design = with_replicates(design, recipe.variance, recipe.replicates, recipe.seed,
                                 recipe.mse)
    if recipe.margins:
        design = calibrate(design, recipe.margins, recipe.calibration or "linear",
                           recipe.bounds, max_iter=recipe.max_iter, tolerance=recipe.tolerance,
                           allow_negative=recipe.allow_negative_weights)
    return design


def _breakdown_codes(design: SurveyDesign, indicator_map: IndicatorMap, catalogue: Catalogue
                     ) -> tuple[dict[str, tuple[np.ndarray, list[str]]], list[Problem]]:
    """Per dimension: each record's domain code and the catalogue codes of the domains."""
    found, problems = {}, []
    for item in indicator_map.breakdowns:
        if item.dimension not in DIMENSIONS:
            raise DeoError(_("{map}: unknown breakdown dimension {dim}; known: {known}").format(
                map=indicator_map.path.name, dim=item.dimension, known=", ".join(DIMENSIONS)))
        codelist = catalogue.codelist(DIMENSIONS[item.dimension])
        index, raw = code_factors(design.microdata, item.column)
        canonical: list[str] = []
        for position, value in enumerate(raw):
            code = codelist.resolve(item.codes.get(value, value)) if value else ""
            canonical.append(code or "")
            if value and (code is None or code == TOTAL):
                expected = codelist.expected() + (
                    _(" (or recode it in the map's [breakdowns.{dim}.codes])")
                    .format(dim=item.dimension))
                problems += [design.microdata.problem(i, item.column, value, expected,
                                                      "unknown-code")
                             for i in np.flatnonzero(index == position)[:20]]
        labels = sorted({c for c in canonical if c})
        where = {c: i for i, c in enumerate(labels)}
        domain = np.array([where.get(c, -1) for c in canonical], dtype=np.int64)[index]
        found[item.dimension] = (domain, labels)
    return found, problems


def estimate_indicators(design: SurveyDesign, recipe: DesignRecipe,
                        indicator_map: IndicatorMap, catalogue: Catalogue,
                        progress: Progress | None = None) -> pd.DataFrame:
    """Every indicator of the map, overall and by each allowed breakdown, with quality."""
    domains, problems = _breakdown_codes(design, indicator_map, catalogue)
    rows = []
    for done, rule in enumerate(indicator_map.indicators):
        if progress:
            progress(done, len(indicator_map.indicators))
        if rule.code not in catalogue.indicators:
            raise DeoError(_("{map}: indicator {code} is not in the catalogue (see `deo "
                             "indicators`)").format(map=indicator_map.path.name, code=rule.code))
        allowed = catalogue.indicators[rule.code].breakdowns
        target = Target(rule.statistic, rule.variable, rule.denominator,
                        rule.yes or ("1",), rule.no, rule.missing)
        splits: list[str | None] = [None] + [d for d in domains
                                             if d in allowed and d not in rule.fixed]
        for dim in splits:
            codes = None if dim is None else domains[dim]
            try:
                found = estimate(design, target, level=recipe.confidence,
                                 codes=None if codes is None else (codes[0], codes[1]))
            except LoadRejected as exc:
                problems += exc.problems
                break
            for e, label in zip(found, [""] if dim is None else codes[1], strict=True):
                rows.append({"indicator": rule.code, "scale": rule.scale, **rule.fixed,
                             **({dim: label} if dim else {}), **e.__dict__})
    if progress:
        progress(len(indicator_map.indicators), len(indicator_map.indicators))
    if problems:
        unique = list(dict.fromkeys(problems))
        raise LoadRejected(unique)
    table = apply_quality(pd.DataFrame(rows), quality_rules(indicator_map, recipe))
    for column in ("estimate", "se", "ci_lower", "ci_upper"):
        table[column] = table[column] * table["scale"]
    return table


def to_observations(table: pd.DataFrame, area: str, period: str, file: str,
                    catalogue: Catalogue, method: str) -> pd.DataFrame:
    """The estimates as a validated observation frame. Suppressed cells keep no value;
    intervals are cut at the indicator's valid range (a share cannot pass 100%)."""
    dims = [d for d in DIMENSIONS if d in table.columns]
    kept = ~table["status"].isin(["Q", "M"])  # suppressed, or no respondent: no value
    low = table["indicator"].map(lambda c: catalogue.indicators[c].valid_min).astype(float)
    high = table["indicator"].map(lambda c: catalogue.indicators[c].valid_max).astype(float)
    raw = pd.DataFrame({
        "indicator": table["indicator"], "area": area, "period": period,
        "value": table["estimate"].where(kept), "status": table["status"],
        "se": table["se"].where(kept),
        "ci_lower": np.fmax(table["ci_lower"], low).where(kept),
        "ci_upper": np.fmin(table["ci_upper"], high).where(kept),
        **{d: table[d].fillna(TOTAL) for d in dims},
    })
    for column in ("value", "se", "ci_lower", "ci_upper"):
        raw[column] = raw[column].map(lambda v: "" if pd.isna(v) else repr(float(v)))
    checked = validate(raw, file, catalogue)
    if not checked.ok:
        raise LoadRejected(checked.problem_list())
    frame = checked.frame.copy()
    frame["method"] = method
    return frame


def run_survey(microdata_path: Path, design_path: Path, map_name: str | Path,
               area: str | None = None, period: str | None = None,
               catalogue: Catalogue | None = None, format: str | None = None,
               progress: Progress | None = None) -> SurveyRun:
    """Read, weight and estimate; nothing is written (see :func:`save_run`)."""
    catalogue = catalogue or get_catalogue()
    recipe = read_design(Path(design_path))
    indicator_map = read_map(map_name)
    area, period = area or recipe.area, period or recipe.period
    if not area or not period:
        raise DeoError(_("say which economy and period the survey covers: --area and "
                         "--period, or area and period in the design's [design] table"))
    resolved = catalogue.resolve_area(area)
    if resolved is None:
        raise DeoError(_("unknown area {area!r}").format(area=area))
    microdata = read_microdata(Path(microdata_path), format)
    design = apply_design(microdata, recipe)
    table = estimate_indicators(design, recipe, indicator_map, catalogue, progress)
    frame = to_observations(table, resolved, str(period), microdata.source, catalogue,
                            indicator_map.method)
    digest = hashlib.sha256()
    for path in (Path(microdata_path), Path(design_path), indicator_map.path):
        digest.update(path.read_bytes())
    digest.update(f"{resolved}|{period}".encode())
    return SurveyRun(table, frame, design, recipe, indicator_map, digest.hexdigest())


def save_run(store: Store, run: SurveyRun, source: str | None = None,
             note: str | None = None) -> LoadResult:
    """Write a run's observations as one release."""
    parts = [note] if note else []
    parts.append(_("survey estimates: map {map}, design {design}@{version}, variance {variance}, "
                   "{n} records").format(map=run.indicator_map.method, design=run.recipe.id,
                                         version=run.recipe.version,
                                         variance=run.recipe.variance, n=run.design.n))
    return store.load(
        run.observations, source=source or _("sample survey {design}").format(
            design=run.recipe.id),
        content_hash=run.content_hash, file_name=run.design.microdata.source,
        format="survey", note="; ".join(parts))
