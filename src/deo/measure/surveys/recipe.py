"""Survey recipes in TOML: the design file (how the sample was drawn and weighted) and
the indicator map (which questionnaire variables give which catalogue indicators).

Both are methodology as data: versioned, kept with the numbers they produce. Shipped
maps live in ``deo/catalogue/surveys/``; a map is named by its id or given as a path.
The formats are documented in docs/surveys.md.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deo.core import DeoError
from deo.i18n import _
from deo.measure.surveys.calibration import (
    CALIBRATION_FUNCTIONS,
    MAX_ITER,
    TOLERANCE,
    Margin,
)
from deo.measure.surveys.design import DesignSpec

MAPS_DIR = Path(__file__).resolve().parent.parent.parent / "catalogue" / "surveys"


@dataclass(frozen=True)
class Quality:
    """When an estimate is flagged (status U, low reliability) or suppressed (status Q,
    no value). CVs are fractions (0.2 is 20%); None switches a rule off."""

    flag_cv: float | None = 0.2
    suppress_cv: float | None = 0.35
    min_respondents: int | None = 5  # answering records in the cell
    min_contributors: int | None = 3  # records with a non-zero value behind a total
    max_top_share: float | None = 0.85  # dominance: largest record's share of a total


@dataclass(frozen=True)
class DesignRecipe:
    """A design file: the design's columns and the weight adjustments to apply."""

    id: str
    version: str
    spec: DesignSpec
    variance: str = "linearisation"  # or a replicate kind: jk1, jkn, bootstrap
    replicates: int = 200
    seed: int = 0
    mse: bool = False
    confidence: float = 0.95
    responded: str | None = None
    responded_yes: tuple[str, ...] = ("1",)
    nonresponse_classes: tuple[str, ...] = ()
    calibration: str | None = None
    bounds: tuple[float, float] = (float("-inf"), float("inf"))
    margins: tuple[Margin, ...] = ()
    max_iter: int = MAX_ITER
    tolerance: float = TOLERANCE
    allow_negative_weights: bool = False
    area: str | None = None
    period: str | None = None
    quality: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Breakdown:
    """A breakdown dimension read from a microdata column, with optional recoding of
    the file's codes to the catalogue's."""

    dimension: str
    column: str
    codes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IndicatorRule:
    """One catalogue indicator from questionnaire variables."""

    code: str
    statistic: str  # an estimator: total, mean, proportion, ratio
    variable: str
    denominator: str | None = None
    scale: float = 1.0  # 100 turns a proportion into percent
    yes: tuple[str, ...] = ()
    no: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    fixed: dict[str, str] = field(default_factory=dict)  # e.g. INTERNET_ACCESS = FBB


@dataclass(frozen=True)
class IndicatorMap:
    """An indicator map: rules, breakdowns, default answer codes and quality rules."""

    id: str
    version: str
    title: str
    path: Path
    indicators: tuple[IndicatorRule, ...]
    breakdowns: tuple[Breakdown, ...]
    quality: dict[str, Any] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return f"{self.id}@{self.version}"


def read_toml(path: Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise DeoError(_("{path}: no such file").format(path=path))
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DeoError(_("{path}: not valid TOML ({error})").format(path=path, error=exc)
                       ) from exc


def _names(value: Any, path: Path, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise DeoError(_("{path}: {key} must be a column name or a list of them, not {value!r}")
                   .format(path=path, key=key, value=value))


def _codes(value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else ([] if value is None else [value])
    return tuple(str(v) for v in values)


def _known(table: dict[str, Any], allowed: set[str], path: Path, where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise DeoError(_("{path}: unknown key(s) {keys} in [{where}]; known: {known}").format(
            path=path, keys=", ".join(unknown), where=where, known=", ".join(sorted(allowed))))


def read_design(path: Path) -> DesignRecipe:
    """Read a design file (see docs/surveys.md)."""
    path = Path(path)
    data = read_toml(path)
    design = data.get("design")
    if not isinstance(design, dict):
        raise DeoError(_("{path}: a design file needs a [design] table").format(path=path))
    _known(design, {"id", "version", "ids", "strata", "weights", "fpc", "lonely_psu", "area",
                    "period"}, path, "design")
    variance = data.get("variance", {})
    _known(variance, {"method", "replicates", "seed", "mse", "confidence"}, path, "variance")
    nonresponse = data.get("nonresponse", {})
    _known(nonresponse, {"responded", "yes", "classes"}, path, "nonresponse")
    calibration = data.get("calibration", {})
    _known(calibration, {"method", "bounds", "margin", "max_iter", "tolerance",
                         "allow_negative_weights"}, path, "calibration")
    margins = _margins(calibration, path)
    bounds = calibration.get("bounds", [float("-inf"), float("inf")])
    if (not isinstance(bounds, list) or len(bounds) != 2
            or not all(isinstance(b, int | float) for b in bounds)
            or not bounds[0] <= 1 <= bounds[1]):
        raise DeoError(_("{path}: calibration bounds must be [low, high] with low <= 1 <= "
                         "high, not {bounds!r}").format(path=path, bounds=bounds))
    method = str(calibration.get("method", "linear"))
    if calibration and method not in CALIBRATION_FUNCTIONS.all():
        raise DeoError(_("{path}: calibration method {method!r} is unknown; known: {known}")
                       .format(path=path, method=method,
                               known=", ".join(CALIBRATION_FUNCTIONS.all())))
    max_iter = calibration.get("max_iter", MAX_ITER)
    tolerance = calibration.get("tolerance", TOLERANCE)
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise DeoError(_("{path}: calibration max_iter must be a whole number of steps, 1 or "
                         "more, not {value!r}").format(path=path, value=max_iter))
    if (isinstance(tolerance, bool) or not isinstance(tolerance, int | float)
            or not 1e-15 <= tolerance < 1):
        raise DeoError(_("{path}: calibration tolerance must be a number from 1e-15 (the "
                         "precision of the arithmetic) to 1 (a relative misfit, e.g. 1e-10), "
                         "not {value!r}")
                       .format(path=path, value=tolerance))
    allow_negative = calibration.get("allow_negative_weights", False)
    if not isinstance(allow_negative, bool):
        raise DeoError(_("{path}: allow_negative_weights must be true or false")
                       .format(path=path))
    confidence = float(variance.get("confidence", 0.95))
    if not 0 < confidence < 1:
        raise DeoError(_("{path}: confidence must be between 0 and 1, e.g. 0.95")
                       .format(path=path))
    spec = DesignSpec(
        ids=_names(design.get("ids"), path, "ids"),
        strata=_names(design.get("strata"), path, "strata"),
        weights=design.get("weights"),
        fpc=_names(design.get("fpc"), path, "fpc"),
        lonely_psu=str(design.get("lonely_psu", "fail")),
    )
    return DesignRecipe(
        id=str(design.get("id", path.stem)), version=str(design.get("version", "1")),
        spec=spec, variance=str(variance.get("method", "linearisation")),
        replicates=int(variance.get("replicates", 200)), seed=int(variance.get("seed", 0)),
        mse=bool(variance.get("mse", False)), confidence=confidence,
        responded=nonresponse.get("responded"), responded_yes=_codes(nonresponse.get("yes", 1)),
        nonresponse_classes=_names(nonresponse.get("classes"), path, "classes"),
        calibration=method if margins else None,
        bounds=(float(bounds[0]), float(bounds[1])), margins=margins,
        max_iter=max_iter, tolerance=float(tolerance), allow_negative_weights=allow_negative,
        area=design.get("area"), period=None if design.get("period") is None
        else str(design["period"]), quality=dict(data.get("quality", {})),
    )


def _margins(calibration: dict[str, Any], path: Path) -> tuple[Margin, ...]:
    """The [[calibration.margin]] entries; a [calibration] table without any is refused
    (it would calibrate nothing, silently)."""
    entries = calibration.get("margin", [])
    if isinstance(entries, dict) or not isinstance(entries, list) or not all(
            isinstance(e, dict) for e in entries):
        raise DeoError(_("{path}: write each calibration margin as its own [[calibration.margin]]"
                         " table (double brackets), with variable and totals or total")
                       .format(path=path))
    if calibration and not entries:
        raise DeoError(_("{path}: [calibration] has no [[calibration.margin]]: add the known "
                         "totals to calibrate to, or remove [calibration]").format(path=path))
    margins = []
    for number, entry in enumerate(entries, start=1):
        _known(entry, {"variable", "totals", "total"}, path, "calibration.margin")
        variable = entry.get("variable")
        if not isinstance(variable, str) or not variable:
            raise DeoError(_("{path}: calibration margin {n} needs a variable (a column name)")
                           .format(path=path, n=number))
        totals, total = entry.get("totals"), entry.get("total")
        if (totals is None) == (total is None):
            raise DeoError(_("{path}: calibration margin {variable} needs either totals (counts "
                             "by category) or total (a number), not both or neither")
                           .format(path=path, variable=variable))
        if totals is not None and (not isinstance(totals, dict) or not totals or not all(
                _is_number(v) for v in totals.values())):
            raise DeoError(_("{path}: calibration margin {variable}: totals must be a table of "
                             "category = count, e.g. {example}").format(
                path=path, variable=variable, example='{ "10-49" = 15940, "50-249" = 3220 }'))
        if total is not None and not _is_number(total):
            raise DeoError(_("{path}: calibration margin {variable}: total must be a number, "
                             "not {value!r}").format(path=path, variable=variable, value=total))
        margins.append(Margin(
            variable, {str(k): float(v) for k, v in totals.items()} if totals else None,
            float(total) if total is not None else None))
    return tuple(margins)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def map_paths() -> dict[str, Path]:
    """The shipped indicator maps by id."""
    return {read_toml(p)["map"]["id"]: p for p in sorted(MAPS_DIR.glob("*.toml"))}


def read_map(name_or_path: str | Path) -> IndicatorMap:
    """A shipped map by id, or a map file (see docs/surveys.md)."""
    shipped = map_paths()
    path = shipped.get(str(name_or_path)) or Path(name_or_path)
    if not path.is_file():
        raise DeoError(_("{name}: neither a map file nor a shipped map ({known})")
                       .format(name=name_or_path, known=", ".join(shipped)))
    data = read_toml(path)
    head = data.get("map", {})
    answers = data.get("answers", {})
    yes, no = _codes(answers.get("yes", 1)), _codes(answers.get("no", []))
    missing = _codes(answers.get("missing", []))
    rules = []
    for entry in data.get("indicator", []):
        _known(entry, {"code", "statistic", "variable", "denominator", "scale", "yes", "no",
                       "missing", "breakdown"}, path, "indicator")
        if "code" not in entry or "variable" not in entry:
            raise DeoError(_("{path}: each [[indicator]] needs a code and a variable")
                           .format(path=path))
        rules.append(IndicatorRule(
            code=entry["code"], statistic=entry.get("statistic", "proportion"),
            variable=entry["variable"], denominator=entry.get("denominator"),
            scale=float(entry.get("scale", 1.0)),
            yes=_codes(entry["yes"]) if "yes" in entry else yes,
            no=_codes(entry["no"]) if "no" in entry else no,
            missing=_codes(entry["missing"]) if "missing" in entry else missing,
            fixed={str(k): str(v) for k, v in entry.get("breakdown", {}).items()},
        ))
    breakdowns = tuple(
        Breakdown(dim, spec["column"], {str(k): str(v) for k, v in spec.get("codes", {}).items()})
        for dim, spec in data.get("breakdowns", {}).items()
    )
    if not rules:
        raise DeoError(_("{path}: the map has no [[indicator]]").format(path=path))
    return IndicatorMap(
        id=str(head.get("id", path.stem)), version=str(head.get("version", "1")),
        title=str(head.get("title", "")), path=path, indicators=tuple(rules),
        breakdowns=breakdowns, quality=dict(data.get("quality", {})),
    )


def quality_rules(indicator_map: IndicatorMap, design: DesignRecipe) -> Quality:
    """The map's quality rules, each overridden by the design file's where it sets one."""
    merged = {**indicator_map.quality, **design.quality}
    allowed = set(Quality.__dataclass_fields__)
    unknown = sorted(set(merged) - allowed)
    if unknown:
        raise DeoError(_("unknown quality rule(s) {keys}; known: {known}").format(
            keys=", ".join(unknown), known=", ".join(sorted(allowed))))
    return Quality(**merged)
