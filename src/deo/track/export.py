"""Export a strategy's plan and progress: an XLSX workbook, and a printable progress report
in HTML (``publish/templates/track_report.html``, self-contained) or PDF (that HTML
rendered by WeasyPrint).

:func:`progress_report` gathers what both show; :data:`WRITERS` picks the writer by the
output file's suffix. Workbook headers stay English (a data file should not depend on
the language of whoever wrote it); names and status labels follow ``lang``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from deo.core import DeoError
from deo.i18n import _, language, normalise
from deo.sources.formats.cells import text_cells
from deo.track.access import Actor, allowed
from deo.track.config import statuses
from deo.track.dashboard import (
    measure_states,
    month_ends,
    overdue,
    rate_over_time,
    rates,
    silent,
    targets_with_actuals,
)
from deo.track.plan import MEASURE_ORGS, MEASURES, OBJECTIVES, ORGS, strategy
from deo.track.schema import StatusUpdate, User

UPDATES = StatusUpdate.__table__
USERS = User.__table__
#: Default for "measures without an update for N days".
SILENT_DAYS = 90


@dataclass
class Report:
    """A strategy's plan and progress on ``today``; rates are shares from 0 to 1."""

    strategy: dict
    lead: str
    lang: str
    today: date
    days: int
    measures: pd.DataFrame
    overall: float | None
    overall_by_priority: float | None
    by_area: pd.DataFrame
    by_agency: pd.DataFrame
    by_member: pd.DataFrame
    overdue: pd.DataFrame
    silent: pd.DataFrame
    targets: pd.DataFrame
    updates: pd.DataFrame
    over_time: pd.DataFrame


def progress_report(store, actor: Actor | None, code: str, *, today: date | None = None,
                    days: int = SILENT_DAYS, lang: str | None = None) -> Report:
    """Everything the workbook and the report show (the public sees published strategies
    and validated updates only)."""
    engine = store.engine
    lang = normalise(lang or language())
    today = today or datetime.now(UTC).date()
    row = strategy(engine, code, actor)
    labels = {s.id: s.label(lang) for s in statuses().values()}
    states = _with_plan_fields(engine, measure_states(engine, row["id"]))
    states["policy_area_name"] = [n.get(lang) or n["en"] for n in states["policy_area_name"]]
    states["status_label"] = states["status"].map(lambda s: labels.get(s, s))
    states["member_area_name"] = _area_names(states["member_area"], lang)
    late = overdue(states, today)
    states["days_overdue"] = late["days_late"].reindex(states.index)
    overall = rates(states)["rate"].iloc[0] if len(states) else None
    weighted = rates(states, by_priority=True)["rate"].iloc[0] if len(states) else None
    first = date(row["start_year"], 1, 1)
    ends = month_ends(first, min(today, date(row["end_year"], 12, 31)))
    with engine.connect() as conn:
        lead = conn.execute(select(ORGS.c.name).where(
            ORGS.c.id == row["lead_organisation_id"])).scalar() or ""
    targets = targets_with_actuals(engine, store, row["id"])
    return Report(
        strategy=row, lead=lead, lang=lang, today=today, days=days, measures=states,
        overall=overall, overall_by_priority=weighted,
        by_area=_rates(states, "policy_area", "policy_area_name"),
        by_agency=_rates(states, "lead_agency", "lead_agency_name").sort_values("name"),
        by_member=_rates(states.dropna(subset=["member_area"]), "member_area",
                         "member_area_name"),
        overdue=late, silent=silent(states, today, days),
        targets=_with_indicator_names(targets, lang),
        updates=_updates(engine, row["id"], allowed(actor, "read_unpublished"), labels),
        over_time=rate_over_time(engine, row["id"], ends),
    )


def _rates(states: pd.DataFrame, by: str, name: str) -> pd.DataFrame:
    plain = rates(states, by=by)
    weighted = rates(states, by=by, by_priority=True)
    names = states.drop_duplicates(by).set_index(by)[name]
    return plain.assign(name=plain["group"].map(names), rate_by_priority=weighted["rate"])[
        ["group", "name", "measures", "completed", "rate", "rate_by_priority"]]


def _with_plan_fields(engine, states: pd.DataFrame) -> pd.DataFrame:
    """Add the fields the dashboard leaves out: description, objective, recommendation,
    supporting agencies and partners (as the importer reads them back)."""
    ids = [int(i) for i in states["id"]]
    with engine.connect() as conn:
        plan = pd.DataFrame(conn.execute(
            select(MEASURES.c.id, MEASURES.c.description, MEASURES.c.recommendation,
                   OBJECTIVES.c.code.label("objective"))
            .outerjoin(OBJECTIVES, OBJECTIVES.c.id == MEASURES.c.objective_id)
            .where(MEASURES.c.id.in_(ids))).all(),
            columns=["id", "description", "recommendation", "objective"])
        links = pd.DataFrame(conn.execute(
            select(MEASURE_ORGS.c.measure_id, MEASURE_ORGS.c.role, ORGS.c.code,
                   MEASURE_ORGS.c.support_requested, MEASURE_ORGS.c.support_secured)
            .join(ORGS, ORGS.c.id == MEASURE_ORGS.c.organisation_id)
            .where(MEASURE_ORGS.c.measure_id.in_(ids))
            .order_by(MEASURE_ORGS.c.id)).all(),
            columns=["measure_id", "role", "code", "asked", "got"])
    links["entry"] = [c + (f": {a}" if a or g else "") + (f" | {g}" if g else "")
                      for c, a, g in zip(links["code"], links["asked"], links["got"],
                                         strict=True)]
    joined = {role: links[links["role"] == role].groupby("measure_id")["entry"]
              .agg("; ".join) for role in ("supporting", "partner")}
    out = states.merge(plan, on="id", how="left")
    out["supporting"] = [joined["supporting"].get(i, "") for i in out["id"]]
    out["partners"] = [joined["partner"].get(i, "") for i in out["id"]]
    return out


def _with_indicator_names(targets: pd.DataFrame, lang: str) -> pd.DataFrame:
    from deo.catalogue import get_catalogue

    catalogue = get_catalogue()
    names = [catalogue.indicators[c].label(lang) if c in catalogue.indicators else c
             for c in targets["indicator"]]
    return targets.assign(indicator_name=names)


def _area_names(codes: pd.Series, lang: str) -> list:
    from deo.catalogue import get_catalogue

    areas = get_catalogue().areas
    return [areas[c].label(lang) if c in areas else c for c in codes]


def _updates(engine, strategy_id: int, everything: bool, labels: dict) -> pd.DataFrame:
    """Every update, newest first (the public: validated ones, without e-mail addresses)."""
    author, reviewer = USERS.alias("author"), USERS.alias("reviewer")
    stmt = (select(MEASURES.c.code.label("measure"), UPDATES.c.submitted_at, UPDATES.c.status,
                   UPDATES.c.percent, UPDATES.c.state, UPDATES.c.narrative, UPDATES.c.links,
                   author.c.name.label("author"), UPDATES.c.reviewed_at,
                   reviewer.c.name.label("reviewer"), UPDATES.c.review_comment)
            .join(MEASURES, MEASURES.c.id == UPDATES.c.measure_id)
            .join(author, author.c.id == UPDATES.c.author_id)
            .outerjoin(reviewer, reviewer.c.id == UPDATES.c.reviewer_id)
            .where(MEASURES.c.strategy_id == strategy_id)
            .order_by(UPDATES.c.submitted_at.desc(), UPDATES.c.id.desc()))
    if not everything:
        stmt = stmt.where(UPDATES.c.state == "validated")
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(),
                             columns=[c.name for c in stmt.selected_columns])
    frame.insert(3, "status_label", frame["status"].map(lambda s: labels.get(s, s)))
    frame["links"] = frame["links"].map(lambda links: " ".join(links or []))
    return frame


# -- the workbook -------------------------------------------------------------------

#: Sheet -> (column in the report's frame -> header); the measures sheet's headers are
#: the importer's, so an exported plan can be imported into another strategy.
MEASURE_COLUMNS = {
    "code": "code", "title": "title", "description": "description",
    "policy_area": "policy area", "policy_area_name": "policy area name",
    "objective": "objective", "priority": "priority", "lead_agency": "lead agency",
    "lead_agency_name": "lead agency name", "supporting": "supporting agencies",
    "partners": "partners", "start_date": "start date", "due_date": "due date",
    "budget": "budget", "currency": "currency", "recommendation": "recommendation",
    "member_area": "member area", "status": "status", "status_label": "status label",
    "percent": "percent complete", "progress": "progress", "reported_at": "reported at",
    "last_update_at": "last update at", "pending": "updates awaiting validation",
    "days_overdue": "days overdue",
}
RATE_COLUMNS = {"group": "code", "name": "name", "measures": "measures",
                "completed": "completed", "rate": "implementation rate",
                "rate_by_priority": "implementation rate, weighted by priority"}
TARGET_COLUMNS = {
    "indicator": "indicator", "indicator_name": "indicator name", "area": "area",
    "baseline_value": "baseline value", "baseline_year": "baseline year",
    "target_value": "target value", "target_year": "target year", "actual": "actual",
    "actual_period": "actual period", "achieved": "share of the way to the target",
}
#: Headers formatted as percentages (the values are shares from 0 to 1).
SHARES = {"progress", "implementation rate", "implementation rate, weighted by priority",
          "share of the way to the target", "rate"}


def write_xlsx(report: Report, path: Path) -> None:
    """The workbook: measures, updates, rates by policy area, agency and member state,
    rate over time, targets against actuals, and a summary."""
    sheets = {
        "measures": report.measures[list(MEASURE_COLUMNS)].rename(columns=MEASURE_COLUMNS),
        "updates": report.updates.rename(columns=lambda c: c.replace("_", " ")),
        "rates by policy area": report.by_area.rename(columns=RATE_COLUMNS),
        "rates by agency": report.by_agency.rename(columns=RATE_COLUMNS),
        "rate over time": report.over_time,
        "targets": report.targets[list(TARGET_COLUMNS)].rename(columns=TARGET_COLUMNS),
        "summary": _summary(report),
    }
    if len(report.by_member):
        sheets["rates by member state"] = report.by_member.rename(columns=RATE_COLUMNS)
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        for name, frame in sheets.items():
            _excel_ready(frame).to_excel(book, sheet_name=name, index=False)
            _format(book.sheets[name], frame)
        # Titles, narratives and comments are users' text: never a live formula.
        text_cells(book.book)


def _summary(report: Report) -> pd.DataFrame:
    s = report.strategy
    items = [("strategy", s["code"]), ("title", s["title"]), ("area", s["area"]),
             ("period", f"{s['start_year']}-{s['end_year']}"), ("status", s["status"]),
             ("lead", report.lead), ("as of", report.today.isoformat()),
             ("measures", len(report.measures)), ("implementation rate", report.overall),
             ("implementation rate, weighted by priority", report.overall_by_priority),
             ("overdue measures", len(report.overdue)),
             (f"measures without an update for {report.days} days", len(report.silent)),
             ("illustrative example", "yes" if s["illustrative"] else "no")]
    return pd.DataFrame(items, columns=["item", "value"])


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel holds no time zones: times in UTC, without the zone."""
    out = frame.copy()
    for column in out.columns:
        if "_at" in column or column.endswith(" at"):
            out[column] = pd.to_datetime(out[column], utc=True).dt.tz_localize(None)
    return out


def _format(sheet, frame: pd.DataFrame) -> None:
    for position, column in enumerate(frame.columns, start=1):
        letter = sheet.cell(row=1, column=position).column_letter
        width = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200)])
        sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        shown = ("0.0%" if column in SHARES else "yyyy-mm-dd" if column.endswith("date")
                 else "yyyy-mm-dd hh:mm:ss" if column.endswith(" at") else None)
        if shown:
            for cell in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                cell[0].number_format = shown
    shares = frame.index[frame.iloc[:, 0].isin(list(SHARES))] if frame.shape[1] == 2 else []
    for index in shares:  # the summary's rate rows
        sheet.cell(row=index + 2, column=2).number_format = "0.0%"
    sheet.freeze_panes = "B2"


# -- the printable report -----------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parent.parent / "publish" / "templates"
#: Babel locales for numbers and dates, by language.
LOCALES = {"en": "en", "fr": "fr", "es": "es", "zh": "zh_Hans_CN"}


def render_html(report: Report) -> str:
    """The progress report as one self-contained HTML page (inline CSS, no scripts)."""
    from babel.dates import format_date
    from babel.numbers import format_decimal, format_percent
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from deo.i18n import translations

    locale = LOCALES[report.lang]
    messages = translations(report.lang)
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())

    def pct(value: float | None) -> str:
        return "–" if value is None or value != value else format_percent(
            value, "#,##0.0%", locale=locale)

    def number(value: float | None, decimals: int = 1) -> str:
        return "–" if value is None or value != value else format_decimal(
            value, "#,##0." + "0" * decimals if decimals else "#,##0", locale=locale)

    def width(share: float | None) -> float:
        """A bar's width in percent (0 for no value; a share beyond 0-1 fills or empties)."""
        return 0.0 if share is None or share != share else round(100 * min(max(share, 0), 1), 1)

    def day(value) -> str:
        return "" if value is None or value != value else format_date(
            pd.Timestamp(value).date(), "medium", locale=locale)

    return env.get_template("track_report.html").render(
        _=messages.gettext, ngettext=messages.ngettext, lang=report.lang, r=report,
        s=report.strategy, pct=pct, number=number, day=day, width=width,
        quarters=_quarter_ends(report.over_time),
        statuses=list(statuses().values()),
        areas=report.measures.groupby("policy_area_name", sort=False),
    )


def _quarter_ends(over_time: pd.DataFrame) -> pd.DataFrame:
    """The rate at each quarter's end, and on the report's date."""
    last = over_time["date"].iloc[-1] if len(over_time) else None
    return over_time[[d.month % 3 == 0 or d == last
                      for d in over_time["date"]]]


def write_html(report: Report, path: Path) -> None:
    path.write_text(render_html(report), encoding="utf-8")


def render_pdf(report: Report) -> bytes:
    """The report as PDF (needs WeasyPrint and the Pango library)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango's shared library is missing
        raise DeoError(_("a PDF report needs WeasyPrint and the Pango library ({error}); "
                         "install Pango (Debian: apt install libpango-1.0-0 "
                         "libpangoft2-1.0-0), or export HTML and print it from a browser")
                       .format(error=exc)) from None
    return HTML(string=render_html(report)).write_pdf()


def write_pdf(report: Report, path: Path) -> None:
    path.write_bytes(render_pdf(report))


#: Output suffix -> writer.
WRITERS: dict[str, Callable[[Report, Path], None]] = {
    ".xlsx": write_xlsx, ".html": write_html, ".htm": write_html, ".pdf": write_pdf,
}


def export(store, actor: Actor | None, code: str, path: Path | str, *,
           today: date | None = None, days: int = SILENT_DAYS,
           lang: str | None = None) -> Path:
    """Write strategy ``code``'s plan and progress to ``path``; the suffix picks the form."""
    path = Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise DeoError(_("{file}: cannot export to a {suffix!r} file; expected one of "
                         "{known}").format(file=path.name, suffix=path.suffix,
                                           known=", ".join(sorted(WRITERS))))
    if days < 1:
        raise DeoError(_("days without an update: {days}; expected 1 or more").format(
            days=days))
    report = progress_report(store, actor, code, today=today, days=days, lang=lang)
    writer(report, path)
    return path
