"""The records pipeline, end to end, on any engine: read -> check contracts -> standardise ->
aggregate -> disclosure control -> observations in the store, with every record accounted
for (rows read = rejected + duplicates removed + amended + out of scope + counted)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from deo.catalogue import Catalogue, get_catalogue
from deo.config import rejects_dir
from deo.core import DeoError
from deo.i18n import _
from deo.measure.records import aggregate
from deo.measure.records.codes import CodeTables, code_tables
from deo.measure.records.contract import (
    FILE_COLUMN,
    PROBLEM,
    ROW_COLUMN,
    VALUE,
    Contract,
    check_contract,
    conform,
    load_contract,
)
from deo.measure.records.disclosure import protect
from deo.measure.records.engines import ENGINES, EngineOptions, Session, connect
from deo.measure.records.observations import observations
from deo.measure.records.rates import conversion_factors, rates_from_store
from deo.measure.records.readers import read_records
from deo.measure.records.recipe import Recipe, load_recipe
from deo.measure.records.standardise import is_reject, standardise
from deo.measure.records.types import RECORD_TYPES, Context
from deo.sources.load import file_hash

#: ``progress(step, done, total)``; ``step`` is a translated description of the stage.
Progress = Callable[[str, int, int], None]


@dataclass
class Accounting:
    """Where every record read went. ``rejected`` and ``out_of_scope`` count by rule."""

    rows_read: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    amended: int = 0
    out_of_scope: dict[str, int] = field(default_factory=dict)
    counted: int = 0

    @property
    def balanced(self) -> bool:
        return self.rows_read == (sum(self.rejected.values()) + self.duplicates + self.amended
                                  + sum(self.out_of_scope.values()) + self.counted)


@dataclass
class CheckReport:
    contract: Contract
    accounting: Accounting
    sample: pd.DataFrame  # first rejected records: file, row, column, value, rule
    rejects_path: Path | None


@dataclass
class RunReport:
    recipe: Recipe
    engine: str
    reporter: str
    accounting: Accounting
    cells: pd.DataFrame  # every cell, with ``suppressed``
    observations: pd.DataFrame
    rejects_path: Path | None
    release: object | None = None  # the store's LoadResult when saved
    seconds: float = 0.0

    @property
    def suppressed(self) -> int:
        return int(self.cells["suppressed"].sum()) if len(self.cells) else 0


def _step(progress: Progress | None, name: str, done: int, total: int = 5) -> None:
    if progress:
        progress(name, done, total)


def _rejects_folder(label: str, folder: Path | None) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return (folder or rejects_dir()) / f"records-{label}-{stamp}"


def _contract_rejects(checked: ir.Table, contract: Contract) -> ir.Table:
    """The records that break their contract: where they are, the rule, the field and its
    value as read, then every field (typed; the broken one as read)."""
    bad = checked.filter(checked[PROBLEM].notnull())
    rule = bad[PROBLEM].split(":")[0]
    column = bad[PROBLEM].split(":")[1]
    where = [bad[c].name(name) for c, name in ((FILE_COLUMN, "file"), (ROW_COLUMN, "row"))
             if c in bad.columns]
    fields = (ibis.ifelse(column == f.name, bad[VALUE], bad[f.name].cast("string")).name(f.name)
              for f in contract.fields)
    return bad.select(*where, rule.name("rule"), column.name("column"),
                      bad[VALUE].name("value"), *fields)


def _check(session: Session, paths: Sequence[Path], contract: Contract, codes: CodeTables,
           format: str | None) -> tuple[ir.Table, Accounting]:
    """Records typed and marked with the rule they break (cached in the engine), and the
    counts."""
    raw = conform(read_records(session, paths, format), contract, ", ".join(map(str, paths)))
    checked = session.cache(check_contract(raw, contract, codes))
    session.release_reads()
    counts = checked.group_by(PROBLEM).aggregate(n=checked.count()).to_pandas()
    accounting = Accounting(rows_read=int(counts["n"].sum()))
    for problem, n in counts.itertuples(index=False):
        if isinstance(problem, str):
            rule = problem.split(":")[0]
            accounting.rejected[rule] = accounting.rejected.get(rule, 0) + int(n)
    return checked, accounting


def check_records(
    paths: Sequence[Path],
    record_type: str,
    *,
    engine: str = "duckdb",
    options: EngineOptions | None = None,
    format: str | None = None,
    catalogue: Catalogue | None = None,
    rejects_folder: Path | None = None,
    sample: int = 20,
) -> CheckReport:
    """Check record files against their contract; rejected records go to a rejects dataset."""
    contract = load_contract(RECORD_TYPES.get(record_type).name)
    session = connect(engine, options)
    try:
        checked, accounting = _check(session, paths, contract, code_tables(catalogue),
                                     format)
        accounting.counted = accounting.rows_read - sum(accounting.rejected.values())
        target = None
        shown = pd.DataFrame()
        if accounting.rejected:
            rejects = _contract_rejects(checked, contract)
            target = _rejects_folder(contract.name, rejects_folder)
            session.write_parquet(rejects, target / "contract.parquet")
            # The first rejects in file order (a top-N: rejects are few, the sort is cheap).
            first = [c for c in ("file", "row") if c in rejects.columns]
            shown = (rejects.order_by(first) if first else rejects).limit(sample).to_pandas()
        return CheckReport(contract, accounting, shown, target)
    finally:
        session.close()


def inputs_hash(paths: Sequence[Path]) -> str:
    """sha256 over the sha256 of every input file (folders: every file under them)."""
    files = sorted(p for path in paths for p in ([path] if path.is_file() else path.rglob("*"))
                   if p.is_file())
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.name}:{file_hash(path)}\n".encode())
    return digest.hexdigest()


def run_recipe(
    recipe: str | Path | Recipe,
    paths: Sequence[Path],
    *,
    engine: str = "duckdb",
    options: EngineOptions | None = None,
    reporter: str | None = None,
    rates: pd.DataFrame | None = None,
    store=None,
    save: bool = True,
    synthetic: bool = False,
    format: str | None = None,
    catalogue: Catalogue | None = None,
    rejects_folder: Path | None = None,
    progress: Progress | None = None,
) -> RunReport:
    """Run an aggregation recipe over record files and (with ``save``) store the
    observations as one release. ``rates`` (currency, period, value) replaces the store's
    exchange rates (tests, benchmarks); ``store`` defaults to :meth:`Store.open`."""
    started = time.perf_counter()
    ENGINES.get(engine)  # an unknown engine is the first thing to hear about
    recipe = recipe if isinstance(recipe, Recipe) else load_recipe(recipe)
    catalogue = catalogue or get_catalogue()
    reporter = _reporter(reporter or recipe.reporter, catalogue)
    if store is None and (save or rates is None):
        from deo.store import Store

        store = Store.open()
    if rates is None:
        rates = rates_from_store(store, recipe.rate_indicator)
    factors = conversion_factors(rates, recipe.currency, recipe.max_rate_age_months,
                                 recipe.max_rate_age_days)
    contract = load_contract(RECORD_TYPES.get(recipe.record_type).name)
    session = connect(engine, options)
    try:
        _step(progress, _("Checking contracts"), 0)
        codes = code_tables(catalogue)
        checked, accounting = _check(session, paths, contract, codes, format)
        target = _rejects_folder(recipe.id, rejects_folder)
        if accounting.rejected:
            session.write_parquet(_contract_rejects(checked, contract), target / "contract.parquet")
        _step(progress, _("Standardising"), 1)
        good = checked.filter(checked[PROBLEM].isnull())
        valid = good.select(*(f.name for f in contract.fields))
        ctx = Context(recipe, codes, reporter, session.lookup)
        final = standardise(valid, contract, ctx, factors, session.cache)
        if _account(final, accounting):
            session.write_parquet(_standardise_rejects(final), target / "standardise.parquet")
        _step(progress, _("Aggregating"), 2)
        fine = session.cache(aggregate.finest(final))
        cells = aggregate.cells(fine, recipe)
        _step(progress, _("Disclosure control"), 3)
        cells["suppressed"] = protect(cells, recipe.disclosure) if len(cells) else []
        frame = observations(cells, cells["suppressed"], recipe, reporter, catalogue)
    finally:
        session.close()
    report = RunReport(recipe, engine, reporter, accounting, cells, frame,
                       target if target.exists() else None)
    if save:
        _step(progress, _("Writing"), 4)
        report.release = _save(store, report, paths, synthetic)
    _step(progress, _("Writing"), 5)
    report.seconds = time.perf_counter() - started
    return report


def _reporter(code: str | None, catalogue: Catalogue) -> str:
    if not code:
        raise DeoError(_("no reporting economy: give --reporter (e.g. KEN) or set reporter "
                         "in the recipe"))
    resolved = catalogue.resolve_area(code)
    if resolved is None:
        raise DeoError(_("{code}: not an economy code (see `deo areas`)").format(code=code))
    return resolved


def _account(final: ir.Table, accounting: Accounting) -> int:
    """Add the outcomes of standardisation to ``accounting``; returns how many records it
    rejected."""
    rejected = 0
    counts = final.group_by("outcome").aggregate(n=final.count()).to_pandas()
    valid = accounting.rows_read - sum(accounting.rejected.values())
    accounting.duplicates = valid - int(counts["n"].sum())
    for outcome, n in counts.itertuples(index=False):
        if not isinstance(outcome, str):
            accounting.counted = int(n)
        elif outcome == "amended":
            accounting.amended = int(n)
        elif outcome.startswith("out-of-scope:"):
            accounting.out_of_scope[outcome.split(":", 1)[1]] = int(n)
        else:
            accounting.rejected[outcome] = accounting.rejected.get(outcome, 0) + int(n)
            rejected += int(n)
    return rejected


def _standardise_rejects(final: ir.Table) -> ir.Table:
    bad = final.filter(is_reject(final.outcome))
    return bad.select(bad.outcome.name("rule"), "record_key", "day", "currency", "amount",
                      "direction", "partner", "product", "customer", "channel")


def _other_recipes(store, report: RunReport) -> None:
    """Refuse to overwrite current values that another recipe wrote (one that the recipe
    does not declare it ``replaces``): the check when a recipe is read sees the shipped
    recipes only; this one sees every recipe that ever wrote to the store."""
    frame = report.observations
    if frame.empty:
        return
    found = store.query(indicators=sorted(frame["indicator"].unique()), areas=[report.reporter])
    methods = found["method"].fillna("").astype(str) if len(found) else pd.Series(dtype=str)
    ids = methods.str.removeprefix("records:").str.rsplit("@", n=1).str[0]
    theirs = found[methods.str.startswith("records:") & (ids != report.recipe.id)
                   & ~ids.isin(report.recipe.replaces)]
    key = ["indicator", "area", "period", "breakdown"]
    clash = theirs.merge(frame[key], on=key)
    if len(clash):
        first = clash.iloc[0]
        raise DeoError(_(
            "recipe {id} would overwrite {n} cells that {method} wrote, e.g. {indicator} "
            "{area} {period} {breakdown}: give it its own indicators, or, if it is a new "
            "methodology for the same figures, declare replaces = [\"{other}\"] under "
            "[recipe]; nothing was saved"
        ).format(id=report.recipe.id, n=len(clash), method=first["method"],
                 indicator=first["indicator"], area=first["area"], period=first["period"],
                 breakdown=first["breakdown"] or _("(totals)"),
                 other=first["method"].removeprefix("records:").rsplit("@", 1)[0]))


def _save(store, report: RunReport, paths: Sequence[Path], synthetic: bool):
    _other_recipes(store, report)
    a = report.accounting
    note = (f"records {report.recipe.method} on {report.engine}: {a.rows_read} read, "
            f"{sum(a.rejected.values())} rejected, {a.duplicates} duplicates, {a.amended} "
            f"amended, {sum(a.out_of_scope.values())} out of scope, {a.counted} counted; "
            f"{report.suppressed} cells suppressed"
            + (f"; rejects in {report.rejects_path}" if report.rejects_path else ""))
    names = ", ".join(p.name for p in paths)
    return store.load(
        report.observations, source=f"records: {report.recipe.name}",
        content_hash=inputs_hash(paths), file_name=names[:250], format="records",
        synthetic=synthetic, note=note,
    )
