"""Commands that show the catalogue: indicators, areas and file formats."""

from __future__ import annotations

import typer

from deo.cli.app import (
    LANG,
    app,
    load_catalogue,
    out,
    use_language,
)
from deo.cli.output import (
    print_areas,
    print_frame,
    print_indicator,
    print_indicators,
)
from deo.core import DeoError
from deo.i18n import _


@app.command()
def indicators(
    code: str | None = typer.Argument(None, help="Show one indicator in full."),
    topic: str | None = typer.Option(None, help="Only this topic."),
    search: str | None = typer.Option(None, help="Only names containing this text."),
    lang: str | None = LANG,
) -> None:
    """The indicator catalogue: codes, names, units and allowed breakdowns."""

    lang = use_language(lang)
    catalogue = load_catalogue()
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
    kind: str | None = typer.Option(None, help="economy, region, group or aggregate."),
    group: str | None = typer.Option(None, "--group", "-g", help="Members of a region/group."),
    lang: str | None = LANG,
) -> None:
    """Economies (ISO 3166-1 alpha-3), M49 regions, country groups and publishers' aggregates."""
    lang = use_language(lang)
    catalogue = load_catalogue()
    if group:
        chosen = [catalogue.area(code) for code in catalogue.members(group)]
    else:
        chosen = [a for a in catalogue.areas.values() if not kind or a.kind == kind]
        if kind and not chosen:
            raise DeoError(_("--kind {value}: expected economy, region, group or aggregate")
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
