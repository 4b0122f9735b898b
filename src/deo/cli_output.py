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
from deo.store import LoadResult

QUERY_FORMATS = ("table", "csv", "json")
#: Columns of query output in CSV and JSON.
QUERY_COLUMNS = ["indicator", "area", "period", "breakdown", "value", "status", "se",
                 "ci_lower", "ci_upper", "release_id"]
SYNTHETIC_NOTE = "SYNTHETIC demonstration data, not official statistics"
STEPS = {"read": "Reading", "validate": "Validating", "write": "Writing", "fetch": "Fetching"}


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
            unit = " (pages)" if pages and step == "fetch" else ""
            tasks[step] = bars.add_task(STEPS.get(step, step) + unit, total=max(total, 1))
        bars.update(tasks[step], completed=done, total=max(total, 1))

    with bars:
        yield update


#: Width of tables written to a file or a pipe (a terminal's own width is used otherwise).
PIPED_WIDTH = 200


def print_frame(console: Console, frame: pd.DataFrame, title: str | None = None) -> None:
    """A table; columns that are empty in every row are left out."""
    blank = frame.isna() | frame.astype(str).isin(["", "None", "nan", "<NA>"])
    frame = frame.loc[:, ~blank.all()] if len(frame) else frame
    table = Table(title=title, show_lines=False)
    for column in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        table.add_column(str(column), justify="right" if numeric else "left")
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
    console.print(
        f"[bold red]{len(problems)} problem(s); nothing was loaded.[/]", highlight=False
    )
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
        console.print(f"... and {len(problems) - 50} more.")
    if exc.rejects_path:
        console.print(f"Rejected records, each with its reason: {exc.rejects_path}",
                      highlight=False)


def print_release_results(
    console: Console, names: Sequence[str], results: Sequence[LoadResult]
) -> None:
    for name, result in zip(names, results, strict=True):
        if result.duplicate_of is not None:
            console.print(
                f"{name}: already loaded as release {result.duplicate_of}; nothing new.",
                highlight=False,
            )
        else:
            console.print(
                f"{name}: release {result.release_id}, {result.rows} rows: "
                f"{result.inserted} new, {result.revised} revised, "
                f"{result.unchanged} unchanged.",
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
            console.print("No observation matches.")
            return
        shown = frame.head(limit).copy()
        shown.insert(2, "name", shown["area"].map(lambda a: _area_name(catalogue, a, lang)))
        title = ", ".join(
            catalogue.indicators[c].label(lang) for c in frame["indicator"].unique()[:3]
        )
        print_frame(console, shown[["indicator", "area", "name", *QUERY_COLUMNS[2:-1]]],
                    title=title)
        if len(frame) > limit:
            console.print(f"{limit} of {len(frame)} rows shown; use --limit, or -o csv.")
        if synthetic:
            console.print(f"[bold yellow]{SYNTHETIC_NOTE}[/]")
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
        console.print(f"Wrote {len(data)} observation(s) to {output}.", highlight=False)
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
    print_frame(console, rows, title=f"{len(chosen)} indicator(s)")


def print_indicator(console: Console, ind: Indicator, lang: str) -> None:
    lines = [
        f"[bold]{escape(ind.code)}[/]  {escape(ind.label(lang))}",
        f"Definition: {escape(ind.text('definition', lang))}",
        f"Unit: {escape(ind.unit_label.get(lang) or ind.unit)} ({ind.unit}, "
        f"multiplier 10^{ind.unit_multiplier})",
    ]
    if ind.numerator:
        lines.append(f"Numerator: {escape(ind.text('numerator', lang))}")
    if ind.denominator:
        lines.append(f"Denominator: {escape(ind.text('denominator', lang))}")
    lines += [
        f"Valid values: {escape(ind.range_text())}",
        f"Breakdowns: {', '.join(ind.breakdowns) or 'none'}",
        f"Owner: {escape(ind.owner)}; source: {escape(ind.source)}",
    ]
    if ind.aliases or ind.alias_breakdowns:
        lines.append(f"Aliases: {escape(', '.join([*ind.aliases, *ind.alias_breakdowns]))}")
    if ind.notes:
        lines.append(f"Notes: {escape(ind.text('notes', lang))}")
    console.print("\n".join(lines), highlight=False)


def print_areas(console: Console, chosen: list[Area], catalogue: Catalogue, lang: str) -> None:
    rows = pd.DataFrame(
        [
            {"code": a.code, "kind": a.kind, "name": a.label(lang), "m49": a.m49 or "",
             "iso2": a.iso2 or ""}
            for a in chosen
        ]
    )
    print_frame(console, rows, title=f"{len(chosen)} area(s)")


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
    console.print(
        f"[bold]{escape(ind.code)} / {escape(area)} / {period}"
        f"{' / ' + escape(breakdown) if breakdown else ''}[/] = {_cell(latest['value'])} "
        f"({escape(ind.unit_label.get(lang) or ind.unit)}), status {latest['status']}",
        highlight=False,
    )
    console.print(f"{escape(ind.label(lang))}: {escape(ind.text('definition', lang))}",
                  highlight=False)
    if latest["synthetic"]:
        console.print(f"[bold yellow]{SYNTHETIC_NOTE}[/]")
    versions = history.assign(
        loaded_at=history["loaded_at"].astype(str).str[:19],
        content_hash=history["content_hash"].str[:12],
        superseded_by=history["superseded_by"].astype("Int64").astype(str).replace("<NA>", ""),
    )
    print_frame(
        console,
        versions[["release_id", "value", "status", "se", "loaded_at", "file_name", "source",
                  "licence", "as_of", "method", "content_hash", "superseded_by"]],
        title="Every stored version (a release supersedes the one before)",
    )
