"""Index recipes: the methodology of a composite index as a versioned TOML file.

A recipe names its components (indicator, direction, data-year rule, transforms,
imputation, normalisation, weight, pillar), how pillars and the index aggregate, the
inclusion rule and the presentation rounding; and, for the sensitivity analysis, the
alternatives it admits. :func:`load_recipe` checks all of it before anything runs, so a
bad recipe fails with a message naming the file, the component and the field.
The format is documented in docs/indices.md.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from deo.catalogue import Catalogue
from deo.core import DeoError

RECIPE_DIR = Path(__file__).resolve().parent.parent / "catalogue" / "indices"
DIRECTIONS = {"positive": 1.0, "negative": -1.0}


@dataclass(frozen=True)
class Method:
    """A step and its parameters, e.g. ``minmax`` or ``goalposts(low=0, high=100)``."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.name}({args})" if args else self.name


@dataclass(frozen=True)
class DataYear:
    """Which year of a component to use for index year Y: the latest available in
    ``[Y + offset - within, Y + offset]`` (UNCTAD: "2019 or latest")."""

    offset: int = 0
    within: int = 0


@dataclass(frozen=True)
class Component:
    id: str
    indicator: str
    direction: float = 1.0
    data_year: DataYear = DataYear()
    transforms: tuple[Method, ...] = ()
    impute: Method = Method("none")
    normalise: Method | None = None  # None: the recipe's default
    weight: float | None = None  # None: equal weights
    pillar: str | None = None
    output: str | None = None  # indicator that stores the normalised component


@dataclass(frozen=True)
class Pillar:
    id: str
    name: dict[str, str]
    weight: float | None = None
    aggregate: Method | None = None  # None: the recipe's default
    output: str | None = None


@dataclass(frozen=True)
class Alternatives:
    """What the Monte Carlo sensitivity analysis may vary."""

    normalise: tuple[Method, ...] = ()
    aggregate: tuple[Method, ...] = ()
    impute: tuple[Method, ...] = ()
    weight_perturbation: float = 0.0  # each weight times U(1 - p, 1 + p), then renormalised


@dataclass(frozen=True)
class Recipe:
    id: str
    version: str
    indicator: str  # the index's own indicator code
    name: dict[str, str]
    source: str
    components: tuple[Component, ...]
    pillars: tuple[Pillar, ...] = ()
    normalise: Method = Method("minmax")
    aggregate: Method = Method("arithmetic")
    min_share: float = 1.0  # share of components an area needs (1.0: all of them)
    decimals: int = 1
    illustrative: bool = False
    alternatives: Alternatives = Alternatives()
    path: Path | None = None
    digest: str = ""  # sha256 of the recipe file

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def normaliser(self, component: Component) -> Method:
        return component.normalise or self.normalise

    def columns_of(self, pillar: str) -> list[int]:
        """Positions of the components of ``pillar`` among the recipe's components."""
        return [k for k, c in enumerate(self.components) if c.pillar == pillar]


def recipe_paths() -> dict[str, Path]:
    """Shipped recipes by id (the file name without ``.toml``)."""
    return {p.stem: p for p in sorted(RECIPE_DIR.glob("*.toml"))}


def find_recipe(name: str | Path) -> Path:
    """A recipe file: a shipped id, or a path to a TOML file (a :class:`Path` is taken as
    it is). Only the CLI takes paths: the web API looks ids up in :func:`recipe_paths`."""
    if isinstance(name, Path):
        return name
    path = Path(name)
    if path.suffix == ".toml" and path.exists():
        return path
    shipped = recipe_paths()
    if name in shipped:
        return shipped[name]
    raise DeoError(f"unknown recipe {name!r}; shipped recipes: {', '.join(shipped)}")


def load_recipe(name: str | Path, catalogue: Catalogue) -> Recipe:
    """Read and check a recipe (a shipped id or a file path)."""
    path = find_recipe(name)
    data = path.read_bytes()
    try:
        tree = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DeoError(f"{path.name}: not valid TOML ({exc})") from None
    recipe = _parse(tree, path, catalogue)
    return replace(recipe, path=path, digest=hashlib.sha256(data).hexdigest())


class _Reader:
    """Field access with errors that say where: ``file: component 'x': field``."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, message: str) -> DeoError:
        return DeoError(f"{self.path.name}: {where}: {message}")

    def get(self, table: dict, key: str, where: str, kind: type | tuple, default: Any = ...):
        if key not in table:
            if default is ...:
                raise self.fail(where, f"missing field {key!r}")
            return default
        value = table[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise self.fail(where, f"{key} = {value!r} is not {_kind_name(kind)}")
        return value

    def method(self, value: Any, where: str, registry) -> Method:
        """``"minmax"`` or ``{ method = "goalposts", low = 0, high = 100 }``."""
        if isinstance(value, str):
            value = {"method": value}
        if not isinstance(value, dict) or "method" not in value:
            raise self.fail(where, f"{value!r} is not a method (write \"name\" or "
                                   "{ method = \"name\", ... })")
        name = value["method"]
        params = {k: v for k, v in value.items() if k != "method"}
        try:
            step = registry.get(name)
        except DeoError as exc:
            raise self.fail(where, str(exc)) from None
        grouped = "groups" in step.params and name != "none"  # group mean, group median
        allowed = (set(step.params) - ENGINE_PARAMS) | ({"by"} if grouped else set())
        unknown = set(params) - allowed
        if unknown:
            raise self.fail(where, f"{name} takes no parameter {', '.join(sorted(unknown))}"
                                   f" (it takes: {', '.join(sorted(allowed)) or 'none'})")
        missing = [p for p in _required(step.fn) if p not in params]
        if grouped and "by" not in params:
            missing.append("by (a list of group or region codes)")
        if missing:
            raise self.fail(where, f"{name} needs {', '.join(missing)}")
        for key, param in params.items():
            numbers = param if isinstance(param, list) else [param]
            if key == "by":
                if not (isinstance(param, list) and param
                        and all(isinstance(v, str) for v in param)):
                    raise self.fail(where, f"by = {param!r} is not a list of area codes")
            elif not all(isinstance(v, int | float) and not isinstance(v, bool)
                         for v in numbers):
                raise self.fail(where, f"{key} = {param!r} is not a number")
            elif key == "window" and not (isinstance(param, int) and param >= 0):
                raise self.fail(where, f"window = {param!r}: expected a whole number of "
                                       "years, 0 or more")
        return Method(name, params)

    def known_fields(self, table: dict, fields: set[str], where: str) -> None:
        """Refuse misspelt fields: a typo must not silently become a default."""
        unknown = sorted(set(table) - fields)
        if unknown:
            raise self.fail(where, f"unknown field {', '.join(map(repr, unknown))} "
                                   f"(known: {', '.join(sorted(fields))})")


INDEX_FIELDS = {"id", "version", "indicator", "name", "source", "normalise", "aggregate",
                "min_share", "decimals", "illustrative"}
COMPONENT_FIELDS = {"id", "indicator", "direction", "year", "transform", "impute", "normalise",
                    "weight", "pillar", "output"}
PILLAR_FIELDS = {"id", "name", "weight", "aggregate", "output"}

#: Parameters the engine supplies itself (not written in a recipe).
ENGINE_PARAMS = frozenset({"direction", "year", "groups"})


def _required(fn) -> list[str]:
    """Keyword-only parameters of a step without a default, less those the engine gives."""
    return [
        p.name for p in inspect.signature(fn).parameters.values()
        if p.kind is p.KEYWORD_ONLY and p.default is p.empty and p.name not in ENGINE_PARAMS
    ]


def _kind_name(kind: type | tuple) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
             dict: "a table", list: "a list"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _parse(tree: dict, path: Path, catalogue: Catalogue) -> Recipe:
    from deo.assess.aggregate import AGGREGATORS
    from deo.assess.impute import IMPUTERS
    from deo.assess.normalise import NORMALISERS
    from deo.assess.transform import TRANSFORMS

    r = _Reader(path)
    r.known_fields(tree, {"index", "component", "pillar", "alternatives"}, "recipe")
    head = r.get(tree, "index", "recipe", dict)
    r.known_fields(head, INDEX_FIELDS, "[index]")
    indicator = r.get(head, "indicator", "[index]", str)
    _known_indicator(r, catalogue, indicator, "[index]")
    pillars = []
    for i, table in enumerate(r.get(tree, "pillar", "recipe", list, [])):
        if not isinstance(table, dict):
            raise r.fail("recipe", f"pillar {i + 1} is {table!r}, not a [[pillar]] table")
        named = isinstance(table.get("id"), str) and table["id"].strip()
        where = f"pillar {table['id']!r}" if named else f"[[pillar]] number {i + 1}"
        r.known_fields(table, PILLAR_FIELDS, where)
        pillars.append(
            Pillar(
                id=_pillar_id(r, table, where, [p.id for p in pillars]),
                name=_texts(r.get(table, "name", where, (str, dict), {})),
                weight=_weight(r, table, where),
                aggregate=r.method(table["aggregate"], where, AGGREGATORS)
                if "aggregate" in table else None,
                output=_output(r, catalogue, table, where),
            )
        )
    pillar_ids = {p.id for p in pillars}
    components = []
    for i, table in enumerate(r.get(tree, "component", "recipe", list)):
        if not isinstance(table, dict):
            raise r.fail("recipe", f"component {i + 1} is {table!r}, not a [[component]] "
                                   "table")
        where = f"component {table.get('id', i + 1)!r}"
        r.known_fields(table, COMPONENT_FIELDS, where)
        code = r.get(table, "indicator", where, str)
        _known_indicator(r, catalogue, code, where)
        direction = r.get(table, "direction", where, str, "positive")
        if direction not in DIRECTIONS:
            raise r.fail(where, f"direction {direction!r}: expected positive or negative")
        year = r.get(table, "year", where, dict, {})
        r.known_fields(year, {"offset", "within"}, f"{where}: year")
        pillar = r.get(table, "pillar", where, str, None)
        if pillar is not None and not pillars:
            raise r.fail(where, f"pillar = {pillar!r}, but the recipe has no [[pillar]]: "
                                "declare the pillar, or leave pillar out")
        if pillars and pillar not in pillar_ids:
            shown = "needs pillar =" if pillar is None else f"pillar {pillar!r} is not"
            raise r.fail(where, f"{shown} one of {', '.join(sorted(pillar_ids))}")
        components.append(
            Component(
                id=_component_id(r, table, where),
                indicator=catalogue.indicator(code).code,
                direction=DIRECTIONS[direction],
                data_year=DataYear(
                    offset=r.get(year, "offset", f"{where}: year", int, 0),
                    within=r.get(year, "within", f"{where}: year", int, 0),
                ),
                transforms=tuple(
                    r.method(t, f"{where}: transform", TRANSFORMS)
                    for t in r.get(table, "transform", where, list, [])
                ),
                impute=r.method(table.get("impute", "none"), f"{where}: impute", IMPUTERS),
                normalise=r.method(table["normalise"], f"{where}: normalise", NORMALISERS)
                if "normalise" in table else None,
                weight=_weight(r, table, where),
                pillar=pillar,
                output=_output(r, catalogue, table, where),
            )
        )
    if not components:
        raise r.fail("recipe", "no [[component]]")
    ids = [c.id for c in components]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise r.fail("recipe", f"component ids must be unique ({', '.join(map(repr, twice))} "
                               "given twice)")
    _check_weights(r, components, pillars)
    share = r.get(head, "min_share", "[index]", (int, float), 1.0)
    if not 0 < share <= 1:
        raise r.fail("[index]", f"min_share = {share}: expected a share in (0, 1]")
    alt = r.get(tree, "alternatives", "recipe", dict, {})
    r.known_fields(alt, {"normalise", "aggregate", "impute", "weight_perturbation"},
                   "[alternatives]")
    perturbation = r.get(alt, "weight_perturbation", "[alternatives]", (int, float), 0.0)
    if not 0 <= perturbation < 1:
        raise r.fail("[alternatives]", f"weight_perturbation = {perturbation}: expected a "
                                       "share in [0, 1) (each weight varies by up to it)")
    _own_indicator(r, catalogue, head)
    return Recipe(
        id=r.get(head, "id", "[index]", str),
        version=str(r.get(head, "version", "[index]", (str, int, float))),
        indicator=indicator,
        name=_texts(r.get(head, "name", "[index]", (str, dict))),
        source=r.get(head, "source", "[index]", str),
        components=tuple(components),
        pillars=tuple(pillars),
        normalise=r.method(head.get("normalise", "minmax"), "[index]: normalise", NORMALISERS),
        aggregate=r.method(head.get("aggregate", "arithmetic"), "[index]: aggregate",
                           AGGREGATORS),
        min_share=float(share),
        decimals=_decimals(r, head),
        illustrative=r.get(head, "illustrative", "[index]", bool, False),
        alternatives=Alternatives(
            normalise=tuple(r.method(m, "[alternatives]: normalise", NORMALISERS)
                            for m in r.get(alt, "normalise", "[alternatives]", list, [])),
            aggregate=tuple(r.method(m, "[alternatives]: aggregate", AGGREGATORS)
                            for m in r.get(alt, "aggregate", "[alternatives]", list, [])),
            impute=tuple(r.method(m, "[alternatives]: impute", IMPUTERS)
                         for m in r.get(alt, "impute", "[alternatives]", list, [])),
            weight_perturbation=float(perturbation),
        ),
    )


def _decimals(r: _Reader, head: dict) -> int:
    decimals = r.get(head, "decimals", "[index]", int, 1)
    if decimals < 0:
        raise r.fail("[index]", f"decimals = {decimals}: expected 0 or more")
    return decimals


def _texts(value: str | dict) -> dict[str, str]:
    return {"en": value} if isinstance(value, str) else dict(value)


def _known_indicator(r: _Reader, catalogue: Catalogue, code: str, where: str) -> None:
    try:
        catalogue.indicator(code)
    except DeoError as exc:  # "unknown indicator 'X' (did you mean Y?)"
        raise r.fail(where, f"{exc} (see `deo indicators`)") from None


def _own_indicator(r: _Reader, catalogue: Catalogue, head: dict) -> None:
    """An index indicator that names its recipe in the catalogue is that recipe's alone:
    another recipe writing to it would silently revise its values."""
    owner = catalogue.indicator(head["indicator"]).recipe
    if owner and owner != head.get("id"):
        raise r.fail("[index]", f"indicator {head['indicator']} is computed by the recipe "
                                f"{owner}; give this index its own indicator")


def _visible(name: str) -> bool:
    """Whether ``name`` shows anything: not empty, blank, or made only of invisible
    characters (a zero-width space would make two pillars look alike)."""
    return any(not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc", "Zs")
               for c in name)


def _pillar_id(r: _Reader, table: dict, where: str, seen: list[str]) -> str:
    """A pillar's id: not empty or blank, no space around it, and unique (components
    name their pillar by it, so two alike would merge two pillars silently)."""
    pid = r.get(table, "id", where, str)
    if not _visible(pid):
        raise r.fail(where, f"id = {pid!r}: a pillar needs a name (not empty or blank)")
    if pid != pid.strip():
        raise r.fail(where, f"id = {pid!r}: remove the spaces around the name")
    if pid in seen:
        raise r.fail(where, f"id = {pid!r} is given to two pillars; pillar ids must be unique")
    return pid


def _component_id(r: _Reader, table: dict, where: str) -> str:
    """A component's id: not empty or blank (explain, outputs and diff name it)."""
    cid = r.get(table, "id", where, str)
    if not _visible(cid):
        raise r.fail(where, f"id = {cid!r}: a component needs a name (not empty or blank)")
    return cid


def _output(r: _Reader, catalogue: Catalogue, table: dict, where: str) -> str | None:
    code = r.get(table, "output", where, str, None)
    if code is not None:
        _known_indicator(r, catalogue, code, f"{where}: output")
    return code


def _weight(r: _Reader, table: dict, where: str) -> float | None:
    weight = r.get(table, "weight", where, (int, float), None)
    if weight is not None and not (math.isfinite(weight) and weight > 0):
        raise r.fail(where, f"weight = {weight}: expected a positive number")
    return None if weight is None else float(weight)


def _check_weights(r: _Reader, components: list[Component], pillars: list[Pillar]) -> None:
    """Explicit weights are all given or none, and sum to 1 within each level."""
    groups: dict[str, list[Component]] = {}
    for c in components:
        groups.setdefault(c.pillar or "", []).append(c)
    levels = [(f"components of pillar {k!r}" if k else "components", v)
              for k, v in groups.items()]
    levels.append(("pillars", pillars))
    for what, items in levels:
        given = [i.weight for i in items if i.weight is not None]
        if not given:
            continue
        if len(given) != len(items):
            raise r.fail("weights", f"give a weight to all {what} or to none")
        if not math.isclose(sum(given), 1.0, abs_tol=1e-9):
            raise r.fail("weights", f"the weights of the {what} sum to {sum(given):g}, not 1")
