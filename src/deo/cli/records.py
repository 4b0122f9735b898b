"""Commands for statistics from records: `deo records check | aggregate | generate | recipes`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from deo.cli.app import LANG, app, err, open_store, out, use_language
from deo.cli.output import load_progress, print_frame, print_release_results
from deo.core import DeoError
from deo.i18n import _

records_app = typer.Typer(help="E-commerce statistics from customs, payment and platform "
                          "records, on DuckDB or Spark.")
app.add_typer(records_app, name="records")

FILES = typer.Argument(..., help="Record files: .csv, .parquet, or folders of Parquet files.")
ENGINE = typer.Option("duckdb", "--engine", "-e", help="duckdb (this machine) or spark.")
MEMORY = typer.Option(None, "--memory", help="Memory the engine may use, e.g. 8GB "
                      "(default: half the machine's).")
CORES = typer.Option(None, "--cores", help="Cores (threads) to use (default: all).")
FORMAT = typer.Option(None, "--format", help="csv or parquet (default: from the extension).")


def _options(memory: str | None, cores: int | None):
    from deo.measure.records.engines import EngineOptions

    if cores is not None and cores < 1:
        raise DeoError(_("--cores must be at least 1"))
    return EngineOptions(memory=memory, cores=cores)


def _accounting_table(accounting, full: bool = True) -> pd.DataFrame:
    """Where the records went; without ``full``, only read, rejected and valid (a check)."""
    rows = [{"records": _("read"), "count": accounting.rows_read}]
    rows += [{"records": _("rejected: {rule}").format(rule=rule), "count": n}
             for rule, n in sorted(accounting.rejected.items())]
    if not full:
        rows.append({"records": _("valid"), "count": accounting.counted})
        return pd.DataFrame(rows)
    rows += [
        {"records": _("duplicates removed"), "count": accounting.duplicates},
        {"records": _("replaced by an amendment"), "count": accounting.amended},
    ]
    rows += [{"records": _("out of scope: {why}").format(why=why), "count": n}
             for why, n in sorted(accounting.out_of_scope.items())]
    rows.append({"records": _("counted"), "count": accounting.counted})
    return pd.DataFrame(rows)


@records_app.command("check")
def check(
    files: list[Path] = FILES,
    record_type: str = typer.Option(..., "--type", "-t",
                                    help="Record type: customs, payments or platform."),
    engine: str = ENGINE,
    memory: str | None = MEMORY,
    cores: int | None = CORES,
    format: str | None = FORMAT,
    show: int = typer.Option(20, help="Rejected records to show."),
    lang: str | None = LANG,
) -> None:
    """Check record files against their contract: counts by rule, and the rejects."""
    from deo.measure.records import check_records
    from deo.measure.records.contract import rule_expected

    use_language(lang)
    report = check_records(files, record_type, engine=engine, options=_options(memory, cores),
                           format=format, sample=show)
    print_frame(out, _accounting_table(report.accounting, full=False),
                title=_("Contract {contract}").format(contract=report.contract.label))
    if report.rejects_path:
        sample = report.sample.copy()
        if "file" in sample:
            # The partition folder and the file: "month=2024-11/part-00003-0.parquet".
            sample["file"] = sample["file"].map(lambda f: "/".join(Path(str(f)).parts[-2:]))
        sample["expected"] = sample["rule"].map(rule_expected())
        key = report.contract.key[0]
        shown = ("file", "row", key, "column", "value", "expected", "rule")
        print_frame(out, sample[[c for c in shown if c in sample]],
                    title=_("Rejected records (first {n})").format(n=len(sample)))
        err.print(_("All rejected records, with the rule each broke: {path}")
                  .format(path=report.rejects_path), highlight=False)


@records_app.command("aggregate")
def aggregate(
    recipe: str = typer.Argument(..., help="A shipped recipe id (see `deo records recipes`) "
                                 "or a recipe .toml file."),
    files: list[Path] = FILES,
    engine: str = ENGINE,
    reporter: str | None = typer.Option(None, "--reporter", "-r",
                                        help="The reporting economy, e.g. KEN."),
    memory: str | None = MEMORY,
    cores: int | None = CORES,
    format: str | None = FORMAT,
    dry_run: bool = typer.Option(False, "--dry-run", help="Compute and show; store nothing."),
    synthetic: bool = typer.Option(False, "--synthetic",
                                   help="Mark the release as synthetic demonstration data."),
    lang: str | None = LANG,
) -> None:
    """Run an aggregation recipe over record files and store the protected cells."""
    from deo.measure.records import run_recipe

    use_language(lang)
    store = open_store()
    with load_progress(err) as progress:
        report = run_recipe(recipe, files, engine=engine, options=_options(memory, cores),
                            reporter=reporter, store=store, save=not dry_run,
                            synthetic=synthetic, format=format, progress=progress)
    print_frame(out, _accounting_table(report.accounting),
                title=_("{recipe} on {engine} ({seconds:.1f} s)").format(
                    recipe=report.recipe.method, engine=engine, seconds=report.seconds))
    cells = len(report.cells)
    out.print(_("{cells} cells, {suppressed} suppressed by disclosure control (status Q); "
                "{observations} observations").format(
                    cells=cells, suppressed=report.suppressed,
                    observations=len(report.observations)), highlight=False)
    if report.rejects_path:
        err.print(_("Rejected records, with the rule each broke: {path}")
                  .format(path=report.rejects_path), highlight=False)
    if report.release is not None:
        print_release_results(out, [report.recipe.method], [report.release])


@records_app.command("generate")
def generate(
    folder: Path = typer.Argument(..., help="Folder to write the Parquet dataset to."),
    rows: int = typer.Option(1_000_000, "--rows", "-n", help="Rows to write."),
    record_type: str = typer.Option("customs", "--type", "-t",
                                    help="Record type: customs, payments or platform."),
    year: int = typer.Option(2024, help="Year of the records."),
    reporter: str = typer.Option("CHN", "--reporter", "-r",
                                 help="The reporting economy, e.g. CHN: the declarant, or "
                                 "home to most merchants, cardholders, sellers and buyers."),
    seed: int = typer.Option(0, help="Random seed (the same seed gives the same records)."),
) -> None:
    """Write synthetic records (customs declarations, card payments or platform sales) as
    Parquet partitioned by month, and their exchange rates."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from deo.measure.records.generate import GENERATORS
    from deo.measure.records.generate import generate as write_records

    if rows < 1:
        raise DeoError(_("--rows must be at least 1"))
    GENERATORS.get(record_type)  # an unknown type is the first thing to hear about
    bars = Progress(BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                    transient=True, disable=not err.is_terminal)
    with bars:
        task = bars.add_task(_("Generating"), total=rows)
        done = write_records(record_type, folder, rows, year=year, reporter=reporter,
                             seed=seed, progress=lambda n, total: bars.update(task, completed=n))
    # One whole sentence per type: translators see each as it is printed.
    written = {
        "customs": _("{rows} synthetic declarations in {folder}; exchange rates in {rates} "
                     "(load them with `deo load {rates}`)"),
        "payments": _("{rows} synthetic card transactions in {folder}; exchange rates in "
                      "{rates} (load them with `deo load {rates}`)"),
        "platform": _("{rows} synthetic platform sales records in {folder}; exchange rates "
                      "in {rates} (load them with `deo load {rates}`)"),
    }[done.record_type]
    out.print(written.format(rows=done.rows, folder=done.folder, rates=done.rates_path),
              highlight=False)


@records_app.command("recipes")
def recipes() -> None:
    """The shipped aggregation recipes."""
    from deo.measure.records.recipe import load_recipe, recipe_paths

    rows = []
    for path in recipe_paths():
        recipe = load_recipe(path)
        rows.append({"recipe": recipe.id, "version": recipe.version, "kind": recipe.record_type,
                     "name": recipe.name,
                     "breakdowns": "; ".join("+".join(t) or _("total") for t in recipe.tables)})
    print_frame(out, pd.DataFrame(rows), title=_("Records recipes"))

