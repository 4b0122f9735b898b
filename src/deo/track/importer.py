"""Import an action plan, or an assessment's action matrix, from an XLSX or CSV file: one
row per measure, into an existing strategy.

Columns are found by name, whatever the case and spacing (:data:`COLUMNS` lists each
field's accepted names); other columns are ignored and reported. Every row is checked
with the same rules as a single edit (:func:`deo.track.plan.measure_problems`), plus the
file's own: readable dates and amounts, and no code twice in the file. Every problem is
collected first; if there is any, :class:`~deo.core.LoadRejected` lists them all, by
row and column as the user sees them in the spreadsheet (the header is row 1), and
nothing is written. Otherwise every measure is written in one transaction, each with its
audit record. Files are read by :mod:`deo.track.sheets` (a reader per file suffix).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from deo.core import DeoError, LoadRejected, NotFoundError, Problem
from deo.i18n import _
from deo.track.access import Actor, require, require_strategy
from deo.track.config import PRIORITY_WEIGHTS
from deo.track.plan import (
    AREAS,
    MAX_AMOUNT,
    STRATEGIES,
    TEXT_MAX,
    MeasureFields,
    insert_measure,
    known_codes,
    measure_problems,
)
from deo.track.sheets import READERS, Rows, cell_amount, cell_date, cell_text, column_key

#: Field -> the column names accepted for it (compared without case, spaces or _ -).
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "measure code", "measure id", "id", "no", "ref", "reference"),
    "title": ("title", "measure", "measure title", "action", "activity"),
    "description": ("description", "details"),
    "policy_area": ("policy area", "area", "policy area code"),
    "objective": ("objective", "objective code"),
    "priority": ("priority",),
    "lead_agency": ("lead agency", "lead", "lead organisation", "lead organization",
                    "responsible agency", "responsible"),
    "supporting": ("supporting agencies", "supporting agency", "supporting",
                   "other agencies"),
    "partners": ("partners", "partner", "development partners"),
    "start_date": ("start date", "start", "starts"),
    "due_date": ("due date", "due", "deadline", "end date"),
    "budget": ("budget", "estimated budget", "cost"),
    "currency": ("currency",),
    "recommendation": ("recommendation", "assessment recommendation"),
    "member_area": ("member area", "member state", "member"),
}
REQUIRED = ("code", "title", "policy_area", "lead_agency")
#: Rows searched for the header (a matrix may have a title and notes above its table).
HEADER_SEARCH = 20
#: Separator of several agency or partner codes in one cell.
LIST_SEPARATOR = ";"


@dataclass
class ImportResult:
    """What an import did (or, checked only, would do)."""

    strategy: str
    codes: list[str]
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = True

    @property
    def measures(self) -> int:
        return len(self.codes)


ALIASES = {column_key(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


def _codes(value: Any) -> list[str]:
    return [part.strip() for part in cell_text(value).split(LIST_SEPARATOR) if part.strip()]


def _partner(entry: str) -> tuple[str, str, str]:
    """``CODE``, ``CODE: support requested`` or ``CODE: requested | secured``."""
    code, _sep, support = entry.partition(":")
    requested, _sep, secured = support.partition("|")
    return code.strip(), requested.strip(), secured.strip()


# -- the import ---------------------------------------------------------------------


def import_plan(engine: Engine, actor: Actor, strategy_code: str, path: Path | str, *,
                sheet: str | None = None, check: bool = False) -> ImportResult:
    """Add the measures of ``path`` (XLSX or CSV) to a strategy, all or nothing.

    ``check``: validate only, write nothing. Raises :class:`~deo.core.LoadRejected`
    with every problem found, or :class:`~deo.core.DeoError` for an unreadable file.
    """
    require(actor, "edit_plan")
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise DeoError(_("{file}: cannot import a {suffix!r} file; expected one of {known}")
                       .format(file=path.name, suffix=path.suffix,
                               known=", ".join(sorted(READERS))))
    if not path.is_file():
        raise DeoError(_("{file}: no such file").format(file=path))
    with engine.begin() as conn:
        strategy = conn.execute(select(STRATEGIES).where(
            STRATEGIES.c.code == strategy_code)).mappings().first()
        if strategy is None:
            raise NotFoundError(_("no strategy {code}").format(code=strategy_code))
        require_strategy(actor, "edit_plan", strategy["lead_organisation_id"], strategy_code)
        rows = _Checker(conn, strategy, path.name)
        measures, ignored = rows.read(reader(path, sheet))
        if rows.problems:
            raise LoadRejected(rows.problems)
        if not check:
            for fields in measures:
                insert_measure(conn, actor, strategy["id"], fields, rows.known)
    return ImportResult(strategy_code, [m.code for m in measures], ignored, not check)


class _Checker:
    """Turns rows into :class:`MeasureFields`, collecting every problem on the way."""

    def __init__(self, conn: Connection, strategy: Any, file_name: str):
        self.file = file_name
        self.known = known_codes(conn, strategy["id"])
        self.problems: list[Problem] = []
        self.area_names = self._area_names(conn, strategy["id"])
        self.objectives = {c.casefold(): c for c in self.known["objective"]}
        self.organisations = {c.casefold(): c for c in self.known["organisation"]}
        self.members = _members(strategy["area"])
        self.strategy_area = strategy["area"]

    def _area_names(self, conn: Connection, strategy_id: int) -> dict[str, str]:
        """Policy area code or name (any language) -> code, compared without case."""
        areas = conn.execute(select(AREAS.c.code, AREAS.c.name).where(
            AREAS.c.strategy_id == strategy_id).order_by(AREAS.c.position)).all()
        # In the strategy's order, for the list of codes a problem report shows.
        self.known["policy_area"] = {r.code: self.known["policy_area"][r.code] for r in areas}
        names = {column_key(name): r.code for r in areas for name in (r.name or {}).values()}
        return names | {column_key(r.code): r.code for r in areas}  # a code wins over a name

    def problem(self, row: int | None, column: str | None, value: Any, expected: str,
                rule: str) -> None:
        shown = None if value is None else cell_text(value)
        self.problems.append(Problem(self.file, row, column, shown, expected, rule))

    def read(self, rows: Rows) -> tuple[list[MeasureFields], list[str]]:
        header_row, columns, ignored = self._header(rows)
        if header_row is None:
            return [], []
        measures: list[MeasureFields] = []
        first_seen: dict[str, int] = {}
        for number, cells in rows:
            if not any(cell_text(c) for c in cells):
                continue  # a blank line between blocks of a matrix
            cells = {name: cells[i] if i < len(cells) else None
                     for name, (i, _header) in columns.items()}
            fields = self._fields(number, cells, {n: h for n, (_i, h) in columns.items()})
            if fields.code and fields.code in first_seen:
                self.problem(number, columns["code"][1], fields.code,
                             _("a code not used before in the file (row {row} has it)")
                             .format(row=first_seen[fields.code]), "unique-code")
            elif fields.code:
                first_seen[fields.code] = number
            measures.append(fields)
        if not measures and not self.problems:
            self.problem(header_row + 1, None, None, _("at least one measure below the "
                                                       "header"), "not-empty")
        order = {header: i for i, header in columns.values()}
        self.problems.sort(key=lambda p: (p.row or 0, order.get(p.column, len(order))))
        return measures, ignored

    def _header(self, rows: Rows) -> tuple[int | None, dict[str, tuple[int, str]], list[str]]:
        """The header's row number, field -> (position, column name), ignored columns."""
        first = header = None
        for number, cells in rows:
            names = [cell_text(c) for c in cells]
            if not any(names):
                continue
            first = first or (number, names)
            if set(REQUIRED) <= {ALIASES.get(column_key(n)) for n in names}:
                header = (number, names)
                break
            if number >= HEADER_SEARCH:
                break
        if first is None:
            self.problem(None, None, None, _("a header row and one row per measure"),
                         "not-empty")
            return None, {}, []
        number, names = header or first
        columns: dict[str, tuple[int, str]] = {}
        ignored = []
        for position, name in enumerate(names):
            field_name = ALIASES.get(column_key(name))
            if field_name is None:
                if name:
                    ignored.append(name)
            elif field_name in columns:
                self.problem(number, name, None, _("one column for {field}; {other!r} is "
                                                   "already it").format(
                    field=_field_label(field_name), other=columns[field_name][1]),
                    "one-column")
            else:
                columns[field_name] = (position, name)
        for name in REQUIRED:
            if name not in columns:
                self.problem(number, None, None, _("a column {field} (accepted names: "
                                                   "{names})").format(
                    field=_field_label(name), names=", ".join(COLUMNS[name])),
                    "required-column")
        if self.problems:
            return None, {}, []
        return number, columns, ignored

    def _fields(self, row: int, cells: dict[str, Any],
                headers: dict[str, str]) -> MeasureFields:
        """The row's measure; every problem of the row is recorded."""
        parsed: dict[str, Any] = {}
        for name, parse in (("start_date", cell_date), ("due_date", cell_date),
                             ("budget", cell_amount)):
            try:
                parsed[name] = parse(cells.get(name))
            except ValueError as exc:
                parsed[name] = None  # reported here; the other rules still run
                self.problem(row, headers[name], cells.get(name), str(exc), "format")
        text = {name: cell_text(cells.get(name)) for name in COLUMNS}
        fields = MeasureFields(
            code=text["code"], title=text["title"], description=text["description"],
            policy_area=self.area_names.get(column_key(text["policy_area"]), text["policy_area"]),
            lead_agency=self._organisation(text["lead_agency"]),
            objective=self.objectives.get(text["objective"].casefold(), text["objective"])
            or None,
            priority=text["priority"].lower() or "medium",
            recommendation=text["recommendation"], currency=text["currency"] or None,
            member_area=text["member_area"].upper() or None,
            supporting=[self._organisation(c) for c in _codes(text["supporting"])],
            partners=[(self._organisation(c), asked, got)
                      for c, asked, got in map(_partner, _codes(text["partners"]))],
            **parsed,
        )
        for field_name, message in self._rule_problems(fields):
            if field_name is None:
                self.problem(row, None, None, message, "measure")
            else:
                expected, rule = _expected(field_name, self.known)
                self.problem(row, headers.get(field_name), cells.get(field_name), expected,
                             rule)
        member = fields.member_area
        if member and self.members is not None and member not in self.members:
            expected = (_("a member state of {area} (ISO alpha-3 code)") if self.members
                        else _("no member area: {area} is a single economy's strategy"))
            self.problem(row, headers["member_area"], cells.get("member_area"),
                         expected.format(area=self.strategy_area), "member-area")
        return fields

    def _organisation(self, code: str) -> str:
        return self.organisations.get(code.casefold(), code)

    def _rule_problems(self, fields: MeasureFields) -> list[tuple[str | None, str]]:
        """measure_problems' messages, each with the field it is about.

        The field is found by setting one field at a time to a value its rule accepts:
        the messages that go away are that field's. The rules stay in one place (plan).
        """
        remaining = measure_problems(fields, self.known)
        found: list[tuple[str | None, str]] = []
        for field_name, neutral in _neutral_values(self.known).items():
            if not remaining:
                break
            left = measure_problems(replace(fields, **{field_name: neutral}), self.known)
            for message in list(remaining):
                if message not in left:
                    found.append((field_name, message))
                    remaining.remove(message)
        return found + [(None, message) for message in remaining]


def _neutral_values(known: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Per field, a value that passes its rule (due date before start date: due goes)."""
    code = "new"
    while code in known["measure"]:
        code += "'"
    values: dict[str, Any] = {
        "code": code, "title": "-", "priority": "medium", "due_date": None,
        "start_date": None, "budget": None, "currency": None, "objective": None,
        "supporting": [], "partners": [], "description": "", "recommendation": "",
        "member_area": None,
    }
    if known["policy_area"]:
        values["policy_area"] = next(iter(known["policy_area"]))
    if known["organisation"]:
        values["lead_agency"] = next(iter(known["organisation"]))
    return values


def _field_label(field_name: str) -> str:
    return COLUMNS[field_name][0]


def _expected(field_name: str, known: dict[str, dict[str, int]]) -> tuple[str, str]:
    """What a cell of ``field_name`` must hold, and the rule's name, for a problem."""
    organisations = _("codes of known organisations, separated by \"{sep}\"").format(
        sep=LIST_SEPARATOR)
    texts = {
        "code": (_("a measure code (such as M1.1: letters, digits, - _ .) not already in "
                   "this strategy"), "new-code"),
        "title": (_("a title (not empty)"), "required"),
        "policy_area": (_("a policy area of the strategy: {codes} (code or name)").format(
            codes=", ".join(known["policy_area"])), "policy-area"),
        "lead_agency": (_("the code of a known organisation (add one with "
                          "`deo track org add`)"), "known-organisation"),
        "supporting": (organisations, "known-organisation"),
        "partners": (organisations + "; " + _("each may be followed by \": support "
                                              "requested | support secured\""),
                     "known-organisation"),
        "objective": (_("an objective code of this strategy: {codes}").format(
            codes=", ".join(known["objective"]) or _("(none defined)")), "objective"),
        "priority": (_("one of {values}").format(values=", ".join(PRIORITY_WEIGHTS)),
                     "priority"),
        "due_date": (_("a due date on or after the start date"), "dates-in-order"),
        "start_date": (_("a start date on or before the due date"), "dates-in-order"),
        "budget": (_("a positive amount of at most {most:g}").format(most=MAX_AMOUNT),
                   "amount"),
        "description": (_("a text of at most {most} characters, without NUL").format(
            most=TEXT_MAX), "text"),
        "recommendation": (_("a text of at most {most} characters, without NUL").format(
            most=TEXT_MAX), "text"),
        "member_area": (_("an area code (ISO alpha-3)"), "member-area"),
        "currency": (_("an ISO 4217 currency code such as USD"), "iso-4217"),
    }
    return texts[field_name]


def _members(area: str) -> set[str] | None:
    """Economies of a regional strategy's group or region; none for one economy's
    strategy; None when the catalogue cannot say (an unknown area, an aggregate)."""
    from deo.catalogue import get_catalogue

    catalogue = get_catalogue()
    resolved = catalogue.resolve_area(area)
    if resolved is None:
        return None
    if catalogue.areas[resolved].kind == "economy":
        return set()
    try:
        return set(catalogue.members(resolved))
    except DeoError:  # a publisher's aggregate: its members are not listed
        return None
