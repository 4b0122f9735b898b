"""Commands that put data in the store and say where it came from: init, load, pull,
releases, explain."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from deo.cli.app import (
    LANG,
    app,
    err,
    load_catalogue,
    open_store,
    out,
    parse_pairs,
    pull_app,
    use_language,
)
from deo.cli.output import (
    load_progress,
    print_explanation,
    print_frame,
    print_release_results,
)
from deo.core import DeoError
from deo.i18n import _, ngettext


@app.command()
def init() -> None:
    """Create the data directory and the store (or bring an old store up to date)."""
    from deo.config import database_url, deo_home

    store = open_store()
    counts = store.counts()
    out.print(_("Data directory: {path}").format(path=deo_home().resolve()))
    out.print(_("Store: {url}").format(url=store.engine.url.render_as_string(hide_password=True)))
    releases, observations = counts["releases"], counts["observations"]
    # TRANSLATORS: "{releases}, {observations}" is e.g. "2 releases, 130 current observations".
    out.print(_("{releases}, {observations}").format(
        releases=ngettext("{n} release", "{n} releases", releases).format(n=releases),
        observations=ngettext("{n} current observation", "{n} current observations",
                              observations).format(n=observations),
    ))
    if not os.environ.get("DEO_DATABASE_URL"):
        out.print(_("(set DEO_DATABASE_URL to use PostgreSQL instead of {url})")
                  .format(url=database_url()))


@app.command()
def load(
    files: list[Path] = typer.Argument(..., help="Files to load (CSV, XLSX, SDMX, Parquet)."),
    format: str | None = typer.Option(
        None, "--format", "-f", help="Format name (see `deo formats`); detected if omitted."
    ),
    source: str | None = typer.Option(None, help="Who published the data (kept in the release)."),
    licence: str | None = typer.Option(None, help="Licence of the data, e.g. CC-BY-4.0."),
    column: list[str] | None = typer.Option(
        None, "--column", "-c", help="Name a column: CANONICAL=THEIRS, e.g. value=value_pct."
    ),
    set_: list[str] | None = typer.Option(
        None, "--set", help="A constant for every row: indicator=B3, status=E, SEX=F..."
    ),
    sheet: str | None = typer.Option(None, help="Worksheet of an XLSX file."),
    note: str | None = typer.Option(None, help="A note kept with the release."),
    skip_empty: bool = typer.Option(
        False, "--skip-empty", help="Skip records whose value and status are both empty."
    ),
    skip_invalid: bool = typer.Option(
        False,
        "--skip-invalid",
        help="Load the valid records and keep the invalid ones in the rejects file "
        "(default: refuse the whole load).",
    ),
    check: bool = typer.Option(False, "--check", help="Validate only; write nothing."),
) -> None:
    """Validate files against the catalogue and load them, all or nothing.

    Each file becomes one release; a file loaded before is recognised and skipped.
    Problems are listed with file, row, column and value, and every rejected record is
    written with its reason to a rejects file under $DEO_HOME/rejects.
    """
    from deo.sources.load import keep_rejects, load_files, prepare, refuse_empty

    columns, constants = parse_pairs(column, "--column"), parse_pairs(set_, "--set")
    if check:
        prepared = prepare(files, format=format, columns=columns, constants=constants,
                           sheet=sheet, skip_empty=skip_empty)
        keep_rejects(prepared)
        refuse_empty(prepared)
        _print_unused_columns(prepared)
        rows = sum(len(item.validated.frame) for item in prepared)
        # TRANSLATORS: e.g. "2 files, 130 observations: no problems found."
        out.print(_("{files}, {observations}: no problems found.").format(
            files=ngettext("{n} file", "{n} files", len(prepared)).format(n=len(prepared)),
            observations=ngettext("{n} observation", "{n} observations", rows).format(n=rows),
        ))
        return
    store = open_store()
    with load_progress(err) as progress:
        report = load_files(
            store,
            files,
            source=source,
            licence=licence,
            format=format,
            columns=columns,
            constants=constants,
            sheet=sheet,
            skip_empty=skip_empty,
            skip_invalid=skip_invalid,
            note=note,
            progress=progress,
        )
    print_release_results(out, [f.path.name for f in report.files], report.results)
    _print_unused_columns(report.files)
    if report.rejects_path:
        rejected = sum(len(f.validated.rejected) for f in report.files)
        err.print(
            ngettext("{n} invalid record not loaded; it is in {path} with its reason",
                     "{n} invalid records not loaded; each with its reason in {path}",
                     rejected).format(n=rejected, path=report.rejects_path),
            highlight=False,
        )


def _print_unused_columns(files) -> None:
    for item in files:
        if item.ignored_columns:
            err.print(
                _("{file}: columns not used: {columns} (name one with --column)").format(
                    file=item.path.name, columns=", ".join(item.ignored_columns)
                ),
                highlight=False,
            )


@pull_app.command("worldbank")
def pull_worldbank(
    indicator: list[str] = typer.Option(..., "--indicator", "-i", help="WDI code(s)."),
    area: list[str] | None = typer.Option(
        None, "--area", "-a", help="Economies, regions or groups (default: all economies)."
    ),
    start: str | None = typer.Option(None, help="First year."),
    end: str | None = typer.Option(None, help="Last year."),
    offline: bool = typer.Option(False, help="Use only the local cache (also DEO_OFFLINE=1)."),
    max_age_days: float | None = typer.Option(
        None, "--max-age-days", help="Use a cached copy younger than this without asking."
    ),
) -> None:
    """Pull indicators from the World Bank Indicators API v2 (cached for offline use)."""
    from datetime import timedelta

    from deo.sources.connectors.worldbank import pull_worldbank as pull

    areas = None
    if area:
        catalogue = load_catalogue()
        areas = sorted({m for code in area for m in catalogue.members(code)})
    max_age = timedelta(days=max_age_days) if max_age_days is not None else None
    with load_progress(err, pages=True) as progress:
        pulled = pull(
            indicator, areas, start, end, offline=offline, max_age=max_age,
            progress=lambda done, total: progress("fetch", done, total),
        )
    _load_pulled(pulled)


@pull_app.command("sdmx")
def pull_sdmx(
    url: str = typer.Argument(..., help="Service base URL (with --flow) or a full data URL."),
    flow: str | None = typer.Option(None, help="Dataflow id, e.g. DF_ICT_BUSINESS."),
    key: str | None = typer.Option(None, help="Series key, e.g. A.KEN+UGA.B3."),
    start: str | None = typer.Option(None, help="startPeriod."),
    end: str | None = typer.Option(None, help="endPeriod."),
    indicator: str | None = typer.Option(None, help="One indicator code for every row."),
    map_: list[str] | None = typer.Option(
        None, "--map", help="Rename a provider's indicator code: THEIRS=OURS."
    ),
    offline: bool = typer.Option(False, help="Use only the local cache (also DEO_OFFLINE=1)."),
) -> None:
    """Pull a data query from any SDMX REST endpoint (SDMX-ML, SDMX-JSON, SDMX-CSV)."""
    from deo.sources.connectors.sdmx_rest import pull_sdmx as pull

    with load_progress(err, pages=True) as progress:
        pulled = pull(
            url, flow, key, start=start, end=end, indicator=indicator,
            indicator_map=parse_pairs(map_, "--map") or None, offline=offline,
            progress=lambda done, total: progress("fetch", done, total),
        )
    _load_pulled(pulled)


def _load_pulled(pulled) -> None:
    from deo.sources.load import load_pulled

    for line in pulled.notes:
        err.print(_("note: {note}").format(note=line))
    if pulled.from_cache:
        err.print(_("Data come from the local cache, fetched {time} UTC.")
                  .format(time=f"{pulled.as_of:%Y-%m-%d %H:%M}"))
    store = open_store()
    with load_progress(err) as progress:
        result = load_pulled(store, pulled, progress=progress)
    print_release_results(out, [pulled.source], [result])


@app.command()
def releases() -> None:
    """Every load so far: time, source, file, content hash, licence, row counts."""
    import pandas as pd

    store = open_store()
    frame = store.releases()
    if frame.empty:
        out.print(_("No release yet: load a file with `deo load FILE`."))
        return
    shown = pd.DataFrame(
        {
            "release": frame["id"],
            "loaded (UTC)": frame["loaded_at"].astype(str).str[:16],
            "file": frame["file_name"].fillna(""),
            "source": frame["source"],
            "rows": frame["row_count"],
            "new": frame["inserted_count"],
            "revised": frame["revised_count"],
            "licence": frame["licence"].fillna(""),
            "hash": frame["content_hash"].str[:10],
            "as of": frame["as_of"].astype(str).str[:16].replace({"None": "", "NaT": ""}),
            "note": frame["note"].fillna(""),
            # TRANSLATORS: in the "data" column of releases: made-up demonstration data.
            "data": frame["synthetic"].map({True: _("SYNTHETIC"), False: ""}),
        }
    )
    print_frame(out, shown, title=_("Releases"))


@app.command()
def explain(
    indicator: str = typer.Argument(..., help="Indicator code."),
    area: str = typer.Argument(..., help="Area code."),
    period: str = typer.Argument(..., help="Period, e.g. 2023 or 2023-Q2."),
    breakdown: str = typer.Option("total", "--breakdown", "-b", help="SEX=F;... or total."),
    lang: str | None = LANG,
) -> None:
    """Where one number came from: its definition and every stored version."""
    from deo.core import Period, breakdown_key, parse_breakdown_key
    from deo.core.period import PeriodError
    from deo.store.selection import resolve_breakdown

    lang = use_language(lang)
    catalogue = load_catalogue()
    ind = catalogue.indicator(indicator)
    try:
        code = Period.parse(period).code
    except PeriodError as exc:
        raise DeoError(str(exc)) from None
    # An alias such as B12_IDEL fixes part of the breakdown.
    fixed = (catalogue.resolve_indicator(indicator) or (ind.code, {}))[1]
    given = parse_breakdown_key(resolve_breakdown(breakdown, catalogue) or "")
    key = breakdown_key({**given, **fixed})
    history = open_store().history(ind.code, catalogue.area(area).code, code, key)
    if history.empty:
        raise DeoError(_("no observation {series}")
                       .format(series=f"{ind.code} / {area} / {code} / {key or 'total'}"))
    print_explanation(out, ind, area, code, key, history, lang)
