"""The plan: organisations, strategies with their policy areas and objectives, measures,
milestones and indicator targets. Every write checks the actor's role, runs in one
transaction and leaves an audit record; editing a measure names the version it was made
from, and a stale version is refused (:class:`~deo.core.Conflict`) instead of silently
overwriting another person's edit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pycountry
from sqlalchemy import Connection, Engine, insert, select, update

from deo.core import Conflict, DeoError, NotFoundError
from deo.i18n import _
from deo.track.access import Actor, allowed, require, require_strategy
from deo.track.audit import record
from deo.track.config import PRIORITY_WEIGHTS, default_policy_areas
from deo.track.schema import (
    Measure,
    MeasureOrganisation,
    Milestone,
    Objective,
    Organisation,
    PolicyArea,
    Strategy,
    Target,
)

ORGS = Organisation.__table__
STRATEGIES = Strategy.__table__
AREAS = PolicyArea.__table__
OBJECTIVES = Objective.__table__
MEASURES = Measure.__table__
MEASURE_ORGS = MeasureOrganisation.__table__
MILESTONES = Milestone.__table__
TARGETS = Target.__table__

ORGANISATION_KINDS = ("ministry", "agency", "partner", "regional-body", "private-sector",
                      "other")
STRATEGY_STATUSES = ("draft", "adopted", "implementing", "completed")
#: Strategy and organisation codes: they appear in addresses, file names and headers.
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
#: Measure codes may also hold dots (M1.1).
MEASURE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
#: The largest budget or indicator value accepted: 10^15, beyond any plan or indicator
#: (a value such as 1e28 is a typing mistake, and breaks sums and charts for everyone).
MAX_AMOUNT = 1e15
#: The longest title or name, and the longest free text (description, narrative), in
#: characters.
LINE_MAX = 500
TEXT_MAX = 20_000
#: Measure fields an edit may change.
EDITABLE = ("title", "description", "policy_area", "priority", "lead_agency", "start_date",
            "due_date", "budget", "currency", "recommendation", "member_area")


# -- checks at the boundary ---------------------------------------------------------


def code_problem(label: str, code: object, pattern: re.Pattern = CODE) -> str | None:
    """What is wrong with a code, or None."""
    if isinstance(code, str) and pattern.fullmatch(code):
        return None
    allowed = "A-Z a-z 0-9 - _" + (" ." if pattern is MEASURE_CODE else "")
    return _("{label} {value!r}: expected 1 to 32 letters or digits ({allowed}), starting "
             "with a letter or digit").format(label=label, value=code, allowed=allowed)


def text_problem(label: str, value: object, most: int = LINE_MAX) -> str | None:
    """What is wrong with a text (not text, too long, a NUL character), or None."""
    if not isinstance(value, str):
        return _("{label}: expected text").format(label=label)
    if len(value) > most:
        return _("{label}: {n} characters; at most {most}").format(label=label, n=len(value),
                                                                   most=most)
    if "\x00" in value:
        return _("{label}: holds a NUL character").format(label=label)
    return None


def amount_problem(label: str, value: object) -> str | None:
    """What is wrong with an amount (not a finite number within ±:data:`MAX_AMOUNT`)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _("{label} {value!r}: expected a number").format(label=label, value=value)
    if not math.isfinite(value) or abs(value) > MAX_AMOUNT:
        return _("{label} {value}: expected a finite number of at most {most:g} in size"
                 ).format(label=label, value=value, most=MAX_AMOUNT)
    return None


def check(*problems: str | None) -> None:
    """Raise the problems found (a DeoError naming each), if any."""
    found = [p for p in problems if p]
    if found:
        raise DeoError("; ".join(found))


# -- organisations ------------------------------------------------------------------


def add_organisation(engine: Engine, actor: Actor, code: str, name: str, kind: str = "agency",
                     area: str | None = None) -> int:
    require(actor, "edit_plan")
    check(code_problem(_("organisation code"), code), text_problem(_("name"), name),
          None if area is None else text_problem(_("area"), area, 16))
    if kind not in ORGANISATION_KINDS:
        raise DeoError(_("organisation kind {kind!r}: expected one of {kinds}").format(
            kind=kind, kinds=", ".join(ORGANISATION_KINDS)))
    with engine.begin() as conn:
        if _org_id(conn, code) is not None:
            raise DeoError(_("an organisation {code} exists already").format(code=code))
        values = dict(code=code, name=name, kind=kind, area=area)
        org_id = conn.execute(insert(ORGS).values(**values)).inserted_primary_key[0]
        record(conn, actor, "add_organisation", "organisation", org_id, after=values)
    return org_id


def _org_id(conn: Connection, code: str) -> int | None:
    return conn.execute(select(ORGS.c.id).where(ORGS.c.code == code)).scalar()


# -- strategies ---------------------------------------------------------------------


def create_strategy(engine: Engine, actor: Actor, code: str, title: str, area: str,
                    start_year: int, end_year: int, *, kind: str = "strategy",
                    vision: str = "", goals: str = "", lead_organisation: str | None = None,
                    policy_areas: list[tuple[str, dict[str, str]]] | None = None,
                    illustrative: bool = False) -> int:
    """A new strategy (unpublished, draft) with its policy areas (default: UNCTAD's seven
    eTrade Readiness areas)."""
    require(actor, "edit_plan")
    check(code_problem(_("strategy code"), code), text_problem(_("title"), title),
          text_problem(_("vision"), vision, TEXT_MAX), text_problem(_("goals"), goals, TEXT_MAX))
    if kind not in ("strategy", "assessment"):
        raise DeoError(_("kind {kind!r}: expected strategy or assessment").format(kind=kind))
    if end_year < start_year:
        raise DeoError(_("the strategy ends ({end}) before it starts ({start})").format(
            end=end_year, start=start_year))
    with engine.begin() as conn:
        if conn.execute(select(STRATEGIES.c.id).where(STRATEGIES.c.code == code)).first():
            raise DeoError(_("a strategy {code} exists already").format(code=code))
        lead = None
        if lead_organisation:
            lead = _org_id(conn, lead_organisation)
            if lead is None:
                raise DeoError(_("unknown organisation {code}").format(code=lead_organisation))
        elif actor.role == "coordinator":
            lead = actor.organisation_id  # a coordinator's strategy is their organisation's
        require_strategy(actor, "edit_plan", lead, code)
        values = dict(code=code, kind=kind, title=title, area=area, start_year=start_year,
                      end_year=end_year, vision=vision, goals=goals, status="draft",
                      published=False, illustrative=illustrative, lead_organisation_id=lead,
                      version=1)
        strategy_id = conn.execute(insert(STRATEGIES).values(**values)).inserted_primary_key[0]
        record(conn, actor, "create_strategy", "strategy", strategy_id, after=values)
        for position, (area_code, names) in enumerate(policy_areas or default_policy_areas()):
            row = dict(strategy_id=strategy_id, code=area_code, name=names, position=position)
            area_id = conn.execute(insert(AREAS).values(**row)).inserted_primary_key[0]
            record(conn, actor, "add_policy_area", "policy_area", area_id, after=row)
    return strategy_id


def set_strategy(engine: Engine, actor: Actor, code: str, *, published: bool | None = None,
                 status: str | None = None) -> None:
    """Publish or withdraw a strategy, or change its status."""
    require(actor, "edit_plan")
    if status is not None and status not in STRATEGY_STATUSES:
        raise DeoError(_("strategy status {status!r}: expected one of {statuses}").format(
            status=status, statuses=", ".join(STRATEGY_STATUSES)))
    with engine.begin() as conn:
        before = _writable(conn, actor, code)
        changes: dict[str, Any] = {"version": before["version"] + 1}
        if published is not None:
            changes["published"] = published
        if status is not None:
            changes["status"] = status
        conn.execute(update(STRATEGIES).where(STRATEGIES.c.id == before["id"]).values(**changes))
        record(conn, actor, "set_strategy", "strategy", before["id"], before,
               {**before, **changes})


def _strategy_row(conn: Connection, code: str) -> dict:
    row = conn.execute(select(STRATEGIES).where(STRATEGIES.c.code == code)).mappings().first()
    if row is None:
        raise NotFoundError(_("no strategy {code}").format(code=code))
    return dict(row)


def _writable(conn: Connection, actor: Actor, code: str) -> dict:
    """The strategy ``code``, if the actor may edit it (a coordinator: their own
    organisation's)."""
    row = _strategy_row(conn, code)
    require_strategy(actor, "edit_plan", row["lead_organisation_id"], code)
    return row


def _writable_id(conn: Connection, actor: Actor, strategy_id: int) -> dict:
    row = dict(conn.execute(select(STRATEGIES).where(STRATEGIES.c.id == strategy_id))
               .mappings().one())
    require_strategy(actor, "edit_plan", row["lead_organisation_id"], row["code"])
    return row


def strategy(engine: Engine, code: str, actor: Actor | None = None) -> dict:
    """A strategy the actor may see (the public sees published ones only)."""
    with engine.connect() as conn:
        row = _strategy_row(conn, code)
    if not row["published"] and not allowed(actor, "read_unpublished"):
        raise NotFoundError(_("no strategy {code}").format(code=code))
    return row


def strategies(engine: Engine, actor: Actor | None = None) -> list[dict]:
    stmt = select(STRATEGIES).order_by(STRATEGIES.c.code)
    if not allowed(actor, "read_unpublished"):
        stmt = stmt.where(STRATEGIES.c.published.is_(True))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def policy_areas(engine: Engine, strategy_id: int) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(AREAS).where(AREAS.c.strategy_id == strategy_id).order_by(AREAS.c.position)
        ).mappings()]


def add_objective(engine: Engine, actor: Actor, strategy_code: str, code: str, title: str,
                  pillar: str = "") -> int:
    require(actor, "edit_plan")
    with engine.begin() as conn:
        values = dict(strategy_id=_writable(conn, actor, strategy_code)["id"], code=code,
                      title=title, pillar=pillar)
        objective_id = conn.execute(insert(OBJECTIVES).values(**values)).inserted_primary_key[0]
        record(conn, actor, "add_objective", "objective", objective_id, after=values)
    return objective_id


# -- measures -----------------------------------------------------------------------


@dataclass
class MeasureFields:
    """A measure as a user gives it: codes, not ids (policy area, agencies, objective)."""

    code: str
    title: str
    policy_area: str
    lead_agency: str
    description: str = ""
    objective: str | None = None
    priority: str = "medium"
    start_date: date | None = None
    due_date: date | None = None
    budget: float | None = None
    currency: str | None = None
    recommendation: str = ""
    member_area: str | None = None
    supporting: list[str] = field(default_factory=list)
    #: (partner organisation code, support requested, support secured)
    partners: list[tuple[str, str, str]] = field(default_factory=list)


def measure_problems(fields: MeasureFields, known: dict[str, dict[str, int]]) -> list[str]:
    """What is wrong with a measure, each as a sentence naming the field and the value.

    ``known`` maps ``policy_area``, ``organisation``, ``objective`` and ``measure`` (codes
    taken in the strategy) to ids.
    """
    problems = []
    if not isinstance(fields.code, str) or not fields.code.strip():
        problems.append(_("code: empty; expected a measure code such as M1.1"))
    elif fields.code in known["measure"]:
        problems.append(_("code {code}: already a measure of this strategy").format(
            code=fields.code))
    elif found := code_problem(_("code"), fields.code, MEASURE_CODE):
        problems.append(found)
    if found := text_problem(_("title"), fields.title):
        problems.append(found)
    elif not fields.title.strip():
        problems.append(_("title: empty"))
    for label, value in ((_("description"), fields.description),
                         (_("recommendation"), fields.recommendation)):
        if found := text_problem(label, value, TEXT_MAX):
            problems.append(found)
    if fields.member_area is not None and (found := text_problem(_("member area"),
                                                                 fields.member_area, 16)):
        problems.append(found)
    for _code, asked, got in fields.partners:
        for value in (asked, got):
            if found := text_problem(_("partner support"), value, TEXT_MAX):
                problems.append(found)
    if fields.policy_area not in known["policy_area"]:
        problems.append(_("policy area {value!r}: expected one of {codes}").format(
            value=fields.policy_area, codes=", ".join(known["policy_area"])))
    for role, codes in (("lead agency", [fields.lead_agency]),
                        ("supporting agency", fields.supporting),
                        ("partner", [p[0] for p in fields.partners])):
        for code in codes:
            if code not in known["organisation"]:
                problems.append(_("{role} {value!r}: not a known organisation").format(
                    role=role, value=code))
    if fields.objective and fields.objective not in known["objective"]:
        problems.append(_("objective {value!r}: not an objective of this strategy").format(
            value=fields.objective))
    if fields.priority not in PRIORITY_WEIGHTS:
        problems.append(_("priority {value!r}: expected high, medium or low").format(
            value=fields.priority))
    if fields.start_date and fields.due_date and fields.due_date < fields.start_date:
        problems.append(_("due date {due} is before the start date {start}").format(
            due=fields.due_date, start=fields.start_date))
    if fields.budget is not None and (found := amount_problem(_("budget"), fields.budget)):
        problems.append(found)
    elif fields.budget is not None and fields.budget < 0:
        problems.append(_("budget {value}: expected a positive amount").format(
            value=fields.budget))
    if fields.currency and (not isinstance(fields.currency, str) or pycountry.currencies.get(
            alpha_3=fields.currency.upper()) is None):
        problems.append(_("currency {value!r}: expected an ISO 4217 code such as USD").format(
            value=fields.currency))
    return problems


def known_codes(conn: Connection, strategy_id: int) -> dict[str, dict[str, int]]:
    def pairs(table, *where) -> dict[str, int]:
        return {r.code: r.id for r in conn.execute(select(table.c.code, table.c.id).where(*where))}

    return {
        "policy_area": pairs(AREAS, AREAS.c.strategy_id == strategy_id),
        "organisation": pairs(ORGS),
        "objective": pairs(OBJECTIVES, OBJECTIVES.c.strategy_id == strategy_id),
        "measure": pairs(MEASURES, MEASURES.c.strategy_id == strategy_id),
    }


def insert_measure(conn: Connection, actor: Actor, strategy_id: int, fields: MeasureFields,
                   known: dict[str, dict[str, int]]) -> int:
    """Write a checked measure with its agencies and partners (in the caller's transaction)."""
    values = dict(
        strategy_id=strategy_id, code=fields.code, title=fields.title,
        description=fields.description, policy_area_id=known["policy_area"][fields.policy_area],
        objective_id=known["objective"].get(fields.objective) if fields.objective else None,
        priority=fields.priority, lead_organisation_id=known["organisation"][fields.lead_agency],
        start_date=fields.start_date, due_date=fields.due_date, budget=fields.budget,
        currency=fields.currency.upper() if fields.currency else None,
        recommendation=fields.recommendation, member_area=fields.member_area, version=1,
    )
    measure_id = conn.execute(insert(MEASURES).values(**values)).inserted_primary_key[0]
    record(conn, actor, "add_measure", "measure", measure_id, after=values)
    links = [(code, "supporting", "", "") for code in fields.supporting]
    links += [(code, "partner", asked, got) for code, asked, got in fields.partners]
    for code, role, asked, got in links:
        row = dict(measure_id=measure_id, organisation_id=known["organisation"][code], role=role,
                   support_requested=asked, support_secured=got)
        link_id = conn.execute(insert(MEASURE_ORGS).values(**row)).inserted_primary_key[0]
        record(conn, actor, "add_measure_organisation", "measure_organisation", link_id,
               after=row)
    known["measure"][fields.code] = measure_id
    return measure_id


def add_measure(engine: Engine, actor: Actor, strategy_code: str, fields: MeasureFields) -> int:
    require(actor, "edit_plan")
    with engine.begin() as conn:
        strategy_id = _writable(conn, actor, strategy_code)["id"]
        known = known_codes(conn, strategy_id)
        problems = measure_problems(fields, known)
        if problems:
            raise DeoError(_("measure {code}: {problems}").format(
                code=fields.code, problems="; ".join(problems)))
        return insert_measure(conn, actor, strategy_id, fields, known)


def measure(engine: Engine, measure_id: int) -> dict:
    with engine.connect() as conn:
        row = conn.execute(select(MEASURES).where(MEASURES.c.id == measure_id)).mappings().first()
    if row is None:
        raise NotFoundError(_("no measure {id}").format(id=measure_id))
    return dict(row)


def edit_measure(engine: Engine, actor: Actor, measure_id: int, version: int,
                 changes: dict[str, Any]) -> int:
    """Change a measure made from ``version``; returns the new version.

    If someone saved the measure since ``version`` was read, nothing is written and
    :class:`~deo.core.Conflict` says who changed it and when.
    """
    require(actor, "edit_plan")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**31:
        raise DeoError(_("version {value!r}: expected the measure's version, a whole number "
                         "from 1").format(value=version))
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise DeoError(_("cannot edit {fields}; editable: {editable}").format(
            fields=", ".join(unknown), editable=", ".join(EDITABLE)))
    with engine.begin() as conn:
        before = conn.execute(
            select(MEASURES).where(MEASURES.c.id == measure_id)).mappings().first()
        if before is None:
            raise NotFoundError(_("no measure {id}").format(id=measure_id))
        before = dict(before)
        _writable_id(conn, actor, before["strategy_id"])
        known = known_codes(conn, before["strategy_id"])
        known["measure"].pop(before["code"], None)
        fields = _fields_of(conn, before, known)
        for name, value in changes.items():
            setattr(fields, name, value)
        problems = measure_problems(fields, known)
        if problems:
            raise DeoError(_("measure {code}: {problems}").format(
                code=before["code"], problems="; ".join(problems)))
        values = dict(
            title=fields.title, description=fields.description,
            policy_area_id=known["policy_area"][fields.policy_area], priority=fields.priority,
            lead_organisation_id=known["organisation"][fields.lead_agency],
            start_date=fields.start_date, due_date=fields.due_date, budget=fields.budget,
            currency=fields.currency.upper() if fields.currency else None,
            recommendation=fields.recommendation, member_area=fields.member_area,
            version=version + 1,
        )
        # The version check and the write are one statement: two editors of the same
        # version cannot both succeed, whatever the database's isolation level.
        done = conn.execute(update(MEASURES).where(
            MEASURES.c.id == measure_id, MEASURES.c.version == version).values(**values))
        if done.rowcount != 1:
            raise Conflict(_conflict_message(conn, before, version))
        record(conn, actor, "edit_measure", "measure", measure_id, before, {**before, **values})
    return version + 1


def _fields_of(conn: Connection, row: dict, known: dict[str, dict[str, int]]) -> MeasureFields:
    by_id = {kind: {v: k for k, v in codes.items()} for kind, codes in known.items()}
    return MeasureFields(
        code=row["code"], title=row["title"], description=row["description"],
        policy_area=by_id["policy_area"][row["policy_area_id"]],
        lead_agency=by_id["organisation"][row["lead_organisation_id"]],
        priority=row["priority"], start_date=row["start_date"], due_date=row["due_date"],
        budget=row["budget"], currency=row["currency"], recommendation=row["recommendation"],
        member_area=row["member_area"],
    )


def _conflict_message(conn: Connection, before: dict, version: int) -> str:
    from deo.track.audit import AUDIT

    last = conn.execute(
        select(AUDIT.c.actor, AUDIT.c.at).where(AUDIT.c.entity == "measure",
                                                AUDIT.c.entity_id == before["id"])
        .order_by(AUDIT.c.id.desc()).limit(1)).first()
    who = _(" by {actor} at {at:%Y-%m-%d %H:%M} UTC").format(actor=last.actor, at=last.at) \
        if last else ""
    return _("measure {code} was changed{who} since you opened it (your version {mine}, now "
             "{current}); nothing was saved. Reload it and apply your change again.").format(
        code=before["code"], who=who, mine=version, current=before["version"])


def add_milestone(engine: Engine, actor: Actor, measure_id: int, title: str,
                  due_date: date | None = None, done_date: date | None = None) -> int:
    require(actor, "edit_plan")
    found = measure(engine, measure_id)
    with engine.begin() as conn:
        _writable_id(conn, actor, found["strategy_id"])
        values = dict(measure_id=measure_id, title=title, due_date=due_date, done_date=done_date)
        milestone_id = conn.execute(insert(MILESTONES).values(**values)).inserted_primary_key[0]
        record(conn, actor, "add_milestone", "milestone", milestone_id, after=values)
    return milestone_id


def add_target(engine: Engine, actor: Actor, strategy_code: str, indicator: str, area: str,
               baseline: tuple[float, int], target: tuple[float, int],
               measure_id: int | None = None) -> int:
    """An indicator target: (baseline value, year) to (target value, year)."""
    from deo.catalogue import get_catalogue

    require(actor, "edit_plan")
    catalogue = get_catalogue()
    indicator = catalogue.indicator(indicator).code
    area = catalogue.area(area).code
    check(amount_problem(_("baseline value"), baseline[0]),
          amount_problem(_("target value"), target[0]))
    if target[1] <= baseline[1]:
        raise DeoError(_("target year {target} is not after the baseline year {baseline}").format(
            target=target[1], baseline=baseline[1]))
    with engine.begin() as conn:
        strategy_id = _writable(conn, actor, strategy_code)["id"]
        if measure_id is not None and conn.execute(select(MEASURES.c.id).where(
                MEASURES.c.id == measure_id,
                MEASURES.c.strategy_id == strategy_id)).first() is None:
            raise NotFoundError(_("no measure {id} in strategy {code}").format(
                id=measure_id, code=strategy_code))
        values = dict(strategy_id=strategy_id, measure_id=measure_id,
                      indicator=indicator, area=area, baseline_value=float(baseline[0]),
                      baseline_year=int(baseline[1]), target_value=float(target[0]),
                      target_year=int(target[1]))
        target_id = conn.execute(insert(TARGETS).values(**values)).inserted_primary_key[0]
        record(conn, actor, "add_target", "target", target_id, after=values)
    return target_id
