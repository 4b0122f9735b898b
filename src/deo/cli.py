"""The ``deo`` command line: one Typer app; each command is a thin call into a package.

Exit codes: 0 success; 1 a mistake the user can fix (the message says what); 2 an
internal error (a bug: the message says how to report it). No traceback is shown for a
user's mistake; set ``DEO_DEBUG=1`` to see one for an internal error.

Messages are printed in the language of ``DEO_LANG`` or the locale (see :mod:`deo.i18n`);
a command's ``--lang`` sets both the language of names and that of messages.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from deo import __version__
from deo.cli_output import (
    QUERY_FORMATS,
    load_progress,
    print_frame,
    print_problems,
    print_release_results,
    write_query,
)
from deo.core import DeoError, LoadRejected
from deo.i18n import _, language, ngettext, set_language

app = typer.Typer(
    name="deo",
    help="Digital Economy Observatory: compile, check, query and publish digital-economy "
    "statistics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
pull_app = typer.Typer(help="Fetch data from a public API and load it as a release.")
app.add_typer(pull_app, name="pull")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

LANG = typer.Option(
    None, "--lang",
    help="Language of names and messages: en, fr, es or zh (default: $DEO_LANG, else the "
    "locale, else en).",
)


@app.callback()
def _messages_language() -> None:
    # Commands run through `main` get this already; this covers other callers of `app`.
    set_language(None)


def _use_language(lang: str | None) -> str:
    """A command's ``--lang``: the language of names, and of messages from now on."""
    if lang:
        set_language(lang)
    return language()


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``["a=b", ...]`` as a dict; a clear error for anything else."""
    parsed: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise DeoError(_("{option} {value}: expected NAME=VALUE")
                           .format(option=option, value=repr(item)))
        parsed[name.strip()] = value.strip()
    return parsed


def _open_store():
    from deo.store import Store

    return Store.open()


def _catalogue():
    from deo.catalogue import get_catalogue

    return get_catalogue()


@app.command()
def init() -> None:
    """Create the data directory and the store (or bring an old store up to date)."""
    from deo.config import database_url, deo_home

    store = _open_store()
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
    from deo.sources.load import load_files, prepare, write_rejects

    columns, constants = _pairs(column, "--column"), _pairs(set_, "--set")
    if check:
        prepared = prepare(files, format=format, columns=columns, constants=constants,
                           sheet=sheet, skip_empty=skip_empty)
        problems = [p for item in prepared for p in item.validated.problem_list()]
        if problems:
            raise LoadRejected(problems, str(write_rejects(prepared)))
        rows = sum(len(item.validated.frame) for item in prepared)
        # TRANSLATORS: e.g. "2 files, 130 observations: no problems found."
        out.print(_("{files}, {observations}: no problems found.").format(
            files=ngettext("{n} file", "{n} files", len(prepared)).format(n=len(prepared)),
            observations=ngettext("{n} observation", "{n} observations", rows).format(n=rows),
        ))
        return
    store = _open_store()
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
    if report.rejects_path:
        rejected = sum(len(f.validated.rejected) for f in report.files)
        err.print(
            ngettext("{n} invalid record not loaded; it is in {path} with its reason",
                     "{n} invalid records not loaded; each with its reason in {path}",
                     rejected).format(n=rejected, path=report.rejects_path),
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
        catalogue = _catalogue()
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
            indicator_map=_pairs(map_, "--map") or None, offline=offline,
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
    store = _open_store()
    with load_progress(err) as progress:
        result = load_pulled(store, pulled, progress=progress)
    print_release_results(out, [pulled.source], [result])


def _selection(indicator, area, group, period, breakdown, vintage):
    from deo.store.selection import Selection

    return Selection(
        indicators=indicator or [],
        areas=area or [],
        groups=group or [],
        period=period,
        breakdown=breakdown,
        vintage=vintage,
    )


INDICATOR = typer.Option(None, "--indicator", "-i", help="Indicator code or alias.")
AREA = typer.Option(None, "--area", "-a", help="Economy or region code, as stored.")
GROUP = typer.Option(None, "--group", "-g", help="A region or group: its member economies.")
PERIOD = typer.Option(None, "--period", "-p", help="2023, 2015:2020, 2020-Q1:, :2019 ...")
BREAKDOWN = typer.Option(
    None, "--breakdown", "-b", help="SEX=F;SIZE_CLASS=10-49, 'total', or 'all' (default)."
)
VINTAGE = typer.Option(None, "--vintage", help="Read the store as it was after release N.")


@app.command()
def query(
    indicator: list[str] | None = INDICATOR,
    area: list[str] | None = AREA,
    group: list[str] | None = GROUP,
    period: str | None = PERIOD,
    breakdown: str | None = BREAKDOWN,
    vintage: int | None = VINTAGE,
    output_format: str = typer.Option(
        "table", "--output-format", "-o", help="table, csv or json."
    ),
    output: Path | None = typer.Option(None, "--output", help="Write to this file."),
    limit: int = typer.Option(50, help="Rows shown in a table (csv and json show all)."),
    lang: str | None = LANG,
) -> None:
    """Read observations: latest vintage by default, any earlier one with --vintage."""
    from deo.store.selection import select

    lang = _use_language(lang)
    if output_format not in QUERY_FORMATS:
        raise DeoError(_("--output-format {value}: expected table, csv or json")
                       .format(value=repr(output_format)))
    catalogue = _catalogue()
    frame = select(
        _open_store(), catalogue,
        _selection(indicator, area, group, period, breakdown, vintage),
    )
    write_query(out, frame, catalogue, output_format, output, limit, lang)


@app.command()
def export(
    path: Path = typer.Argument(..., help="File to write."),
    format: str | None = typer.Option(None, "--format", "-f", help="Format (see `deo formats`)."),
    indicator: list[str] | None = INDICATOR,
    area: list[str] | None = AREA,
    group: list[str] | None = GROUP,
    period: str | None = PERIOD,
    breakdown: str | None = BREAKDOWN,
    vintage: int | None = VINTAGE,
) -> None:
    """Write observations to a file in any registered format (CSV, XLSX, SDMX, Parquet)."""
    from deo.sources.formats import detect_format, get_format
    from deo.store.selection import select

    fmt = get_format(format) if format else detect_format(path)
    if fmt.write is None:
        raise DeoError(_("the {format} format can be read but not written")
                       .format(format=fmt.name))
    frame = select(
        _open_store(), _catalogue(),
        _selection(indicator, area, group, period, breakdown, vintage),
    )
    if frame.empty:
        raise DeoError(_("no observation matches; nothing written"))
    fmt.write(frame, path)
    if frame["synthetic"].any():
        wrote = ngettext(
            "Wrote {n} observation to {path} as {format} (includes SYNTHETIC demonstration "
            "data).",
            "Wrote {n} observations to {path} as {format} (includes SYNTHETIC demonstration "
            "data).",
            len(frame),
        )
    else:
        wrote = ngettext("Wrote {n} observation to {path} as {format}.",
                         "Wrote {n} observations to {path} as {format}.", len(frame))
    out.print(wrote.format(n=len(frame), path=path, format=fmt.name))


@app.command()
def indicators(
    code: str | None = typer.Argument(None, help="Show one indicator in full."),
    topic: str | None = typer.Option(None, help="Only this topic."),
    search: str | None = typer.Option(None, help="Only names containing this text."),
    lang: str | None = LANG,
) -> None:
    """The indicator catalogue: codes, names, units and allowed breakdowns."""
    from deo.cli_output import print_indicator, print_indicators

    lang = _use_language(lang)
    catalogue = _catalogue()
    if code:
        print_indicator(out, catalogue.indicator(code), lang)
        return
    chosen = [
        ind for ind in catalogue.indicators.values()
        if (not topic or ind.topic == topic)
        and (not search or search.casefold() in ind.label(lang).casefold())
    ]
    print_indicators(out, chosen, lang)


@app.command()
def areas(
    kind: str | None = typer.Option(None, help="economy, region or group."),
    group: str | None = typer.Option(None, "--group", "-g", help="Members of a region/group."),
    lang: str | None = LANG,
) -> None:
    """Economies (ISO 3166-1 alpha-3), M49 regions and country groups."""
    from deo.cli_output import print_areas

    lang = _use_language(lang)
    catalogue = _catalogue()
    if group:
        chosen = [catalogue.area(code) for code in catalogue.members(group)]
    else:
        chosen = [a for a in catalogue.areas.values() if not kind or a.kind == kind]
        if kind and not chosen:
            raise DeoError(_("--kind {value}: expected economy, region or group")
                           .format(value=repr(kind)))
    print_areas(out, chosen, catalogue, lang)


@app.command()
def formats() -> None:
    """File formats that can be loaded and exported."""
    import pandas as pd

    from deo.sources.formats import formats as registered

    rows = [
        {"format": f.name, "read": bool(f.read), "write": bool(f.write),
         "extensions": " ".join(f.extensions), "description": f.description}
        for f in registered().values()
    ]
    print_frame(out, pd.DataFrame(rows), title=_("File formats"))


@app.command()
def releases() -> None:
    """Every load so far: time, source, file, content hash, licence, row counts."""
    import pandas as pd

    store = _open_store()
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
    from deo.cli_output import print_explanation
    from deo.core import Period
    from deo.core.period import PeriodError
    from deo.store.selection import resolve_breakdown

    lang = _use_language(lang)
    catalogue = _catalogue()
    ind = catalogue.indicator(indicator)
    try:
        code = Period.parse(period).code
    except PeriodError as exc:
        raise DeoError(str(exc)) from None
    key = resolve_breakdown(breakdown, catalogue) or ""
    history = _open_store().history(ind.code, catalogue.area(area).code, code, key)
    if history.empty:
        raise DeoError(_("no observation {series}")
                       .format(series=f"{ind.code} / {area} / {code} / {key or 'total'}"))
    print_explanation(out, ind, area, code, key, history, lang)


@app.command()
def demo(
    serve: bool = typer.Option(True, help="Start the portal when the store is built."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Build a demonstration store (reference data, World Bank API, or synthetic) and serve it."""
    from deo.sources.demo import build_demo

    store = _open_store()
    with load_progress(err) as progress:
        report = build_demo(store, progress=progress)
    out.print(report.summary)
    if serve:
        _serve(host, port)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Start the web portal and API."""
    _open_store()
    _serve(host, port)


def _serve(host: str, port: int) -> None:
    import uvicorn

    from deo.publish.app import create_app

    out.print(_("Portal on {url}  (Ctrl+C to stop)").format(url=f"http://{host}:{port}/"))
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")


@app.command()
def version() -> None:
    """Print the version."""
    out.print(f"deo {__version__}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) 0, 1 for a user's mistake, 2 for a bug."""
    command = typer.main.get_command(app)
    set_language(None)  # DEO_LANG or the locale, until a command's --lang says otherwise
    try:
        command.main(args=argv, prog_name="deo", standalone_mode=False)
        code = 0
    except typer.Exit as exc:  # --help, --version
        code = exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err.print(_("Interrupted; nothing was written by an unfinished load."))
        code = 1
    except LoadRejected as exc:
        print_problems(err, exc)
        code = 1
    except DeoError as exc:
        # TRANSLATORS: the prefix of every error message, e.g. "error: no such file".
        prefix = _("error:")
        err.print(f"[bold red]{escape(prefix)}[/] {escape(str(exc))}", highlight=False)
        code = 1
    except typer.TyperException as exc:  # a usage error: unknown option, bad value...
        exc.show(file=sys.stderr)
        code = 1
    except Exception as exc:  # a bug: say so, and how to report it
        if os.environ.get("DEO_DEBUG"):
            raise
        err.print(
            _("internal error: {error}").format(error=f"{type(exc).__name__}: {exc}") + "\n"
            + _("This is a bug in deo. Run again with DEO_DEBUG=1 to see the traceback, "
                "and report it with the command you ran."),
            highlight=False,
            markup=False,
        )
        code = 2
    finally:
        set_language(None)  # a later caller in this process follows the environment again
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":
    main()
