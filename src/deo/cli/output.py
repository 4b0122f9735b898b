"""What the ``deo`` command prints: tables, progress bars, problem reports, query output."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from deo.catalogue import Catalogue
from deo.core import Area, Indicator, LoadRejected
from deo.i18n import _, ngettext
from deo.store import LoadResult

QUERY_FORMATS = ("table", "csv", "json")
#: Columns of query output in CSV and JSON.
QUERY_COLUMNS = ["indicator", "area", "period", "breakdown", "value", "status", "se",
                 "ci_lower", "ci_upper", "release_id"]
#: The note in JSON output, which stays English whatever the language (a data file should
#: not depend on the locale of the machine that wrote it); on screen it is translated.
SYNTHETIC_NOTE = "SYNTHETIC demonstration data, not official statistics"


def synthetic_note() -> str:
    """:data:`SYNTHETIC_NOTE` in the current language."""
    return _("SYNTHETIC demonstration data, not official statistics")


def _step_name(step: str, pages: bool) -> str:
    names = {"read": _("Reading"), "validate": _("Validating"), "write": _("Writing"),
             "fetch": _("Fetching")}
    name = names.get(step, step)
    # TRANSLATORS: a progress bar counting the pages of an API answer, e.g. "Fetching (pages)".
    return _("{step} (pages)").format(step=name) if pages and step == "fetch" else name


def column_labels() -> dict[str, str]:
    """Table column headers in the current language, by the column's (English) name."""
    return {
        # TRANSLATORS: column headers of the tables deo prints; keep them short.
        "indicator": _("indicator"), "area": _("area"), "name": _("name"),
        "period": _("period"), "breakdown": _("breakdown"), "value": _("value"),
        "status": _("status"),
        # TRANSLATORS: column header: standard error.
        "se": _("se"),
        "ci_lower": _("ci_lower"), "ci_upper": _("ci_upper"),
        "release": _("release"), "release_id": _("release_id"),
        "loaded (UTC)": _("loaded (UTC)"), "loaded_at": _("loaded_at"),
        "file": _("file"), "file_name": _("file_name"), "source": _("source"),
        "rows": _("rows"), "row": _("row"), "column": _("column"),
        # TRANSLATORS: column header: how many observations of a release are new.
        "new": _("new"),
        # TRANSLATORS: column header: how many observations of a release revise earlier ones.
        "revised": _("revised"),
        "licence": _("licence"), "hash": _("hash"), "content_hash": _("content_hash"),
        "data": _("data"), "expected": _("expected"), "rule": _("rule"),
        "as of": _("as of"), "note": _("note"),
        "code": _("code"), "unit": _("unit"), "breakdowns": _("breakdowns"),
        "owner": _("owner"), "kind": _("kind"), "format": _("format"),
        # TRANSLATORS: column headers: whether a file format can be read / written.
        "read": _("read"), "write": _("write"),
        "extensions": _("extensions"), "description": _("description"),
        "as_of": _("as_of"), "method": _("method"), "superseded_by": _("superseded_by"),
    }


@contextmanager
def load_progress(console: Console, pages: bool = False) -> Iterator:
    """A ``progress(step, done, total)`` callback drawing one bar per step."""
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    tasks: dict[str, int] = {}

    def update(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = bars.add_task(_step_name(step, pages), total=max(total, 1))
        bars.update(tasks[step], completed=done, total=max(total, 1))

    with bars:
        yield update


#: Width of tables written to a file or a pipe (a terminal's own width is used otherwise).
PIPED_WIDTH = 200


def print_frame(console: Console, frame: pd.DataFrame, title: str | None = None) -> None:
    """A table; columns that are empty in every row are left out; headers are translated."""
    blank = frame.isna() | frame.astype(str).isin(["", "None", "nan", "<NA>"])
    frame = frame.loc[:, ~blank.all()] if len(frame) else frame
    table = Table(title=title, show_lines=False)
    labels = column_labels()
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(labels.get(str(column), str(column)),
                         justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*(escape(_cell(v)) for v in row))
    if not console.is_terminal:
        console.width = PIPED_WIDTH  # a file or a pipe: do not wrap at 80 columns
    console.print(table)


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else f"{value:.6e}"
    return str(value)


def print_problems(console: Console, exc: LoadRejected) -> None:
    """Every problem of a refused load (up to 50 in a table), and where the rest are."""
    problems = exc.problems
    headline = ngettext("{n} problem; nothing was loaded.", "{n} problems; nothing was loaded.",
                        len(problems)).format(n=len(problems))
    console.print(f"[bold red]{escape(headline)}[/]", highlight=False)
    shown = pd.DataFrame(
        [
            {"file": p.file, "row": p.row, "column": p.column, "value": p.value,
             "expected": p.expected, "rule": p.rule}
            for p in problems[:50]
        ]
    )
    shown["row"] = shown["row"].astype("Int64").astype(str).replace("<NA>", "")
    print_frame(console, shown)
    if len(problems) > 50:
        console.print(_("... and {n} more.").format(n=len(problems) - 50))
    if exc.rejects_path:
        console.print(_("Rejected records, each with its reason: {path}")
                      .format(path=exc.rejects_path), highlight=False)


def print_release_results(
    console: Console, names: Sequence[str], results: Sequence[LoadResult]
) -> None:
    for name, result in zip(names, results, strict=True):
        if result.duplicate_of is not None:
            console.print(
                _("{name}: already loaded as release {release}; nothing new.")
                .format(name=name, release=result.duplicate_of),
                highlight=False,
            )
        else:
            # TRANSLATORS: e.g. "data.csv: release 3, 120 rows: 100 new, 20 revised,
            # 0 unchanged." The counts are translated on their own.
            line = _("{name}: release {release}, {rows}: {new}, {revised}, {unchanged}.")
            console.print(
                line.format(
                    name=name,
                    release=result.release_id,
                    rows=ngettext("{n} row", "{n} rows", result.rows).format(n=result.rows),
                    # TRANSLATORS: "new", "revised", "unchanged" qualify rows of a release.
                    new=ngettext("{n} new", "{n} new", result.inserted)
                    .format(n=result.inserted),
                    revised=ngettext("{n} revised", "{n} revised", result.revised)
                    .format(n=result.revised),
                    unchanged=ngettext("{n} unchanged", "{n} unchanged", result.unchanged)
                    .format(n=result.unchanged),
                ),
                highlight=False,
            )
            if result.withdrawn:
                console.print(
                    ngettext("{name}: {n} earlier computed value is no longer computed; "
                             "withdrawn.",
                             "{name}: {n} earlier computed values are no longer computed; "
                             "withdrawn.", result.withdrawn)
                    .format(name=name, n=result.withdrawn),
                    highlight=False,
                )


def write_query(
    console: Console,
    frame: pd.DataFrame,
    catalogue: Catalogue,
    output_format: str,
    output: Path | None,
    limit: int,
    lang: str,
) -> None:
    """Query results as a table on screen, or CSV/JSON on stdout or in a file."""
    synthetic = bool(frame["synthetic"].any()) if not frame.empty else False
    columns = QUERY_COLUMNS + (["synthetic"] if synthetic else [])
    if output_format == "table":
        if frame.empty:
            console.print(_("No observation matches."))
            return
        shown = frame.head(limit).copy()
        shown.insert(2, "name", shown["area"].map(lambda a: _area_name(catalogue, a, lang)))
        title = ", ".join(
            catalogue.indicators[c].label(lang) if c in catalogue.indicators else c
            for c in frame["indicator"].unique()[:3]
        )
        print_frame(console, shown[["indicator", "area", "name", *QUERY_COLUMNS[2:-1]]],
                    title=title)
        if len(frame) > limit:
            console.print(
                ngettext("{shown} of {total} row shown; use --limit, or -o csv.",
                         "{shown} of {total} rows shown; use --limit, or -o csv.", len(frame))
                .format(shown=limit, total=len(frame))
            )
        if synthetic:
            console.print(f"[bold yellow]{synthetic_note()}[/]")
        return
    data = frame[columns]
    if output_format == "csv":
        text = data.to_csv(index=False)
    else:
        records = json.loads(data.to_json(orient="records", double_precision=15))
        body: dict = {"observations": records, "count": len(records)}
        if synthetic:
            body["note"] = SYNTHETIC_NOTE
        text = json.dumps(body, ensure_ascii=False, indent=1) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(
            ngettext("Wrote {n} observation to {path}.", "Wrote {n} observations to {path}.",
                     len(data)).format(n=len(data), path=output),
            highlight=False,
        )
    else:
        console.file.write(text)


def _area_name(catalogue: Catalogue, code: str, lang: str) -> str:
    area = catalogue.areas.get(code)
    return area.label(lang) if area else ""


def print_indicators(console: Console, chosen: list[Indicator], lang: str) -> None:
    rows = pd.DataFrame(
        [
            {"code": i.code, "name": i.label(lang), "unit": i.unit_label.get(lang, i.unit),
             "breakdowns": ", ".join(i.breakdowns), "owner": i.owner}
            for i in chosen
        ]
    )
    print_frame(console, rows, title=ngettext("{n} indicator", "{n} indicators", len(chosen))
                .format(n=len(chosen)))


def print_indicator(console: Console, ind: Indicator, lang: str) -> None:
    lines = [
        f"[bold]{escape(ind.code)}[/]  {escape(ind.label(lang))}",
        _("Definition: {text}").format(text=escape(ind.text("definition", lang))),
        # TRANSLATORS: e.g. "Unit: US dollars (USD, multiplier 10^6)".
        _("Unit: {label} ({unit}, multiplier 10^{power})").format(
            label=escape(ind.unit_label.get(lang) or ind.unit), unit=escape(ind.unit),
            power=ind.unit_multiplier),
    ]
    if ind.numerator:
        lines.append(_("Numerator: {text}").format(text=escape(ind.text("numerator", lang))))
    if ind.denominator:
        lines.append(
            _("Denominator: {text}").format(text=escape(ind.text("denominator", lang)))
        )
    lines += [
        _("Valid values: {text}").format(text=escape(ind.range_text())),
        # TRANSLATORS: {codes} is a list of breakdown dimensions such as "SEX, SIZE_CLASS".
        _("Breakdowns: {codes}").format(codes=", ".join(ind.breakdowns) or _("none")),
        _("Owner: {owner}; source: {source}").format(owner=escape(ind.owner),
                                                       source=escape(ind.source)),
    ]
    if ind.aliases or ind.alias_breakdowns:
        aliases = ", ".join([*ind.aliases, *ind.alias_breakdowns])
        lines.append(_("Aliases: {codes}").format(codes=escape(aliases)))
    if ind.notes:
        lines.append(_("Notes: {text}").format(text=escape(ind.text("notes", lang))))
    console.print("\n".join(lines), highlight=False)


def print_areas(console: Console, chosen: list[Area], catalogue: Catalogue, lang: str) -> None:
    rows = pd.DataFrame(
        [
            {"code": a.code, "kind": a.kind, "name": a.label(lang), "m49": a.m49 or "",
             "iso2": a.iso2 or ""}
            for a in chosen
        ]
    )
    print_frame(console, rows, title=ngettext("{n} area", "{n} areas", len(chosen))
                .format(n=len(chosen)))


def print_explanation(
    console: Console,
    ind: Indicator,
    area: str,
    period: str,
    breakdown: str,
    history: pd.DataFrame,
    lang: str,
) -> None:
    current = history[history["superseded_by"].isna()]
    latest = current.iloc[-1] if not current.empty else history.iloc[-1]
    series = f"{ind.code} / {area} / {period}" + (f" / {breakdown}" if breakdown else "")
    # TRANSLATORS: e.g. "IT.NET.USER.ZS / KEN / 2022 = 33.1 (%), status A".
    headline = _("{series} = {value} ({unit}), status {status}").format(
        series=f"[bold]{escape(series)}[/]", value=_cell(latest["value"]),
        unit=escape(ind.unit_label.get(lang) or ind.unit), status=escape(str(latest["status"])),
    )
    console.print(headline, highlight=False)
    # TRANSLATORS: an indicator's name and its definition.
    console.print(_("{name}: {definition}").format(name=escape(ind.label(lang)),
                                                   definition=escape(ind.text("definition", lang))),
                  highlight=False)
    if latest["synthetic"]:
        console.print(f"[bold yellow]{synthetic_note()}[/]")
    versions = history.assign(
        loaded_at=history["loaded_at"].astype(str).str[:19],
        content_hash=history["content_hash"].str[:12],
        superseded_by=history["superseded_by"].astype("Int64").astype(str).replace("<NA>", ""),
    )
    print_frame(
        console,
        versions[["release_id", "value", "status", "se", "loaded_at", "file_name", "source",
                  "licence", "as_of", "method", "content_hash", "superseded_by"]],
        title=_("Every stored version (a release supersedes the one before)"),
    )
