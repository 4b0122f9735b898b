"""Commands that read observations out: query and export."""

from __future__ import annotations

from pathlib import Path

import typer

from deo.cli.app import (
    LANG,
    app,
    err,
    load_catalogue,
    open_store,
    out,
    use_language,
)
from deo.cli.output import (
    QUERY_FORMATS,
    write_query,
)
from deo.core import DeoError
from deo.i18n import _, ngettext


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

    lang = use_language(lang)
    if output_format not in QUERY_FORMATS:
        raise DeoError(_("--output-format {value}: expected table, csv or json")
                       .format(value=repr(output_format)))
    catalogue = load_catalogue()
    frame = select(
        open_store(), catalogue,
        _selection(indicator, area, group, period, breakdown, vintage),
    )
    write_query(out, frame, catalogue, output_format, output, limit, lang)
    if frame.empty:
        for code in area or []:
            found = catalogue.area(code)
            if found.kind in ("group", "region"):
                err.print(
                    _("{code} is a group or a region: --group {code} selects its economies.")
                    .format(code=found.code), highlight=False,
                )


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
        open_store(), load_catalogue(),
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
