"""Aggregation recipes: the versioned methodology of one statistic from records (which
record type, reporting economy, frequency, currency, product classification, outlier rules,
tables and disclosure control), read from TOML under ``catalogue/records``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deo.core import DeoError
from deo.i18n import _

RECIPES_DIR = Path(__file__).resolve().parents[2] / "catalogue" / "records"
#: Breakdown dimensions a table may use, and the analysis column each reads.
TABLE_DIMENSIONS = {"PARTNER": "partner", "PRODUCT": "product", "CUSTOMER": "customer",
                    "CHANNEL": "channel"}
DIRECTIONS = ("DOM", "IMP", "EXP")
MEASURES = ("value", "count")
FREQUENCIES = ("M", "Q", "A")


@dataclass(frozen=True)
class Outlier:
    """A declared outlier rule; records it flags are rejected as ``outlier:<name>``.
    ``kind`` names a rule in :data:`deo.measure.records.standardise.OUTLIER_RULES`."""

    name: str
    kind: str
    limit: float
    per: str | None = None  # the field a ratio rule divides by (e.g. weight_kg)


@dataclass(frozen=True)
class Disclosure:
    """Statistical disclosure control. A cell is published only with at least
    ``min_records`` records and ``min_contributors`` contributors, and if its
    ``dominance_n`` largest contributors hold at most ``dominance_k`` (a share, 0-1) of its
    value. ``secondary``: also suppress cells that would reveal a suppressed one by
    subtraction from a published total."""

    min_records: int = 10
    min_contributors: int = 3
    dominance_n: int = 1
    dominance_k: float = 0.85
    contributor: str | None = None
    secondary: bool = True


@dataclass(frozen=True)
class Recipe:
    id: str
    version: str
    record_type: str
    name: str
    indicators: dict[str, dict[str, str]]  # measure -> direction -> indicator code
    tables: tuple[tuple[str, ...], ...]
    disclosure: Disclosure
    frequency: str = "M"
    currency: str = "USD"
    rate_indicator: str = "DEO.XR.USD"
    max_rate_age_months: int = 3
    max_rate_age_days: int = 7
    product: str = "none"
    hs_version: str = "HS2017"
    reporter: str | None = None
    outliers: tuple[Outlier, ...] = ()
    categories: dict[str, str] = field(default_factory=dict)
    #: Recipes whose cells this one writes on purpose (a new methodology for the same
    #: figures); any other overlap with a shipped recipe is refused when the recipe is read.
    replaces: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        """How observations name their method: ``records:<id>@<version>``."""
        return f"records:{self.id}@{self.version}"

    @property
    def cells(self) -> set[tuple[str, tuple[str, ...]]]:
        """(indicator, breakdown dimensions) of every cell the recipe writes."""
        return {(code, tuple(sorted(dims))) for by_direction in self.indicators.values()
                for code in by_direction.values() for dims in self.tables}

    @property
    def product_indicators(self) -> set[str]:
        """Indicators whose PRODUCT breakdown this recipe writes (in its classification)."""
        return {code for code, dims in self.cells if "PRODUCT" in dims}


def recipe_paths() -> list[Path]:
    return sorted(RECIPES_DIR.glob("*.toml"))


def _path(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return path
    shipped = RECIPES_DIR / f"{name_or_path}.toml"
    if shipped.is_file():
        return shipped
    known = ", ".join(p.stem for p in recipe_paths())
    raise DeoError(_("no records recipe {name!r}: not a .toml file nor a shipped recipe "
                     "({known})").format(name=str(name_or_path), known=known))


def load_recipe(name_or_path: str | Path) -> Recipe:
    """A shipped recipe by id, or a recipe TOML file; errors name the file and the key, and
    a recipe that would write cells a shipped recipe writes (:func:`shared_cells`) is
    refused unless it declares that it replaces it."""
    path = _path(name_or_path)
    recipe = _read(path)
    for other_path in recipe_paths():
        if other_path.resolve() == path.resolve():
            continue
        other = _read(other_path)
        if other.id == recipe.id or other.id in recipe.replaces or recipe.id in other.replaces:
            continue
        shared = shared_cells(recipe, other)
        if shared:
            raise DeoError(_(
                "{path}: recipe {id} would write cells that recipe {other} ({other_path}) "
                "writes too, so each would overwrite the other's figures: {cells}. Give it "
                "its own indicators, or, if it is a new methodology for the same figures, "
                "declare replaces = [\"{other}\"] under [recipe]"
            ).format(path=path, id=recipe.id, other=other.id, other_path=other_path,
                     cells="; ".join(shared)))
    return recipe


def shared_cells(one: Recipe, other: Recipe) -> list[str]:
    """What two recipes would both write: the same indicator broken down by the same
    dimensions (or both its totals), or one indicator's PRODUCT breakdown in two product
    classifications (its codes would not partition the total). Empty when none."""
    found = []
    for code, dims in sorted(one.cells & other.cells):
        found.append(f"{code} " + (f"by {'+'.join(dims)}" if dims else "totals"))
    if one.product != other.product:
        for code in sorted(one.product_indicators & other.product_indicators):
            found.append(f"{code} by PRODUCT in {one.product} and in {other.product}")
    return found


def _read(path: Path) -> Recipe:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return _build(data)
    except tomllib.TOMLDecodeError as exc:
        raise DeoError(_("{path}: not valid TOML ({error})").format(path=path, error=exc)) from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise DeoError(_("{path}: not a valid records recipe ({error})")
                       .format(path=path, error=f"{type(exc).__name__}: {exc}")) from exc


def _build(data: dict[str, Any]) -> Recipe:
    head = data["recipe"]
    tables = tuple(tuple(t.get("dimensions", [])) for t in data["table"])
    for dims in tables:
        unknown = [d for d in dims if d not in TABLE_DIMENSIONS]
        if unknown:
            raise ValueError(f"table dimension {unknown[0]!r} is not one of "
                             f"{', '.join(TABLE_DIMENSIONS)}")
    if len(set(tables)) != len(tables):
        raise ValueError("a table is declared twice")
    indicators = {m: dict(v) for m, v in data["indicators"].items()}
    codes = [code for by_direction in indicators.values() for code in by_direction.values()]
    twice = sorted({code for code in codes if codes.count(code) > 1})
    if twice:
        raise ValueError(f"indicator {twice[0]} is named for two measures or directions")
    replaces = head.get("replaces", [])
    if not isinstance(replaces, list) or not all(isinstance(r, str) for r in replaces):
        raise ValueError("replaces must be a list of recipe ids, e.g. [\"customs-ecommerce\"]")
    for measure, by_direction in indicators.items():
        if measure not in MEASURES or not set(by_direction) <= set(DIRECTIONS):
            raise ValueError(f"indicators.{measure}: measures are {MEASURES}, "
                             f"directions {DIRECTIONS}")
    if head.get("frequency", "M") not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {', '.join(FREQUENCIES)}")
    disclosure = Disclosure(**data.get("disclosure", {}))
    if not 0 < disclosure.dominance_k <= 1 or disclosure.dominance_n < 1:
        raise ValueError("disclosure: dominance_n >= 1 and 0 < dominance_k <= 1")
    outliers = tuple(Outlier(**o) for o in data.get("outlier", []))
    name = head.get("name", {})
    return Recipe(
        id=head["id"], version=str(head["version"]), record_type=head["record_type"],
        name=name.get("en", head["id"]) if isinstance(name, dict) else str(name),
        indicators=indicators, tables=tables, disclosure=disclosure,
        frequency=head.get("frequency", "M"), currency=head.get("currency", "USD"),
        rate_indicator=head.get("rate_indicator", "DEO.XR.USD"),
        max_rate_age_months=int(head.get("max_rate_age_months", 3)),
        max_rate_age_days=int(head.get("max_rate_age_days", 7)),
        product=head.get("product", "none"), hs_version=head.get("hs_version", "HS2017"),
        reporter=head.get("reporter"), outliers=outliers,
        categories={str(k).strip().casefold(): v for k, v in data.get("categories", {}).items()},
        replaces=tuple(replaces),
    )
