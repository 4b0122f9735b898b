"""A small strategy with agencies, people, measures in every state and one indicator
target, shared by the export, digest and command-line tests (imported, not collected).

Rates worked out by hand from the module docstring of deo.track.progress, on the
statuses shipped in catalogue/track/statuses.toml:

    measure  area      lead  priority  counted update            progress
    M1       LEGAL     MOTI  high      completed                 1
    M2       ICT       ICTA  medium    in progress 40% (a later 60% awaits validation)  0.4
    M3       PAYMENTS  CBK   low       delayed 20%, overdue      0.2
    M4       PAYMENTS  CBK   high      none, overdue, silent     0
    M5       SKILLS    ICTA  medium    cancelled                 excluded
    M6       ICT       ICTA  low       (a 50% update returned)   0

overall (1 + .4 + .2 + 0 + 0) / 5 = 0.32; by priority (3*1 + 2*.4 + 1*.2) / (3+2+1+3+1)
= 0.40; LEGAL 1, ICT 0.2, PAYMENTS 0.1, SKILLS none; MOTI 1, ICTA 0.2, CBK 0.1.
The target on IT.NET.USER.ZS for KEN runs from 20 (2020) to 60 (2028); the store holds
40 for 2023, so it is half way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from deo.track import plan
from deo.track.access import SYSTEM, Actor
from deo.track.auth import USERS, add_user
from deo.track.updates import review_update, submit_update

STRATEGY = "KEN-ECOM"
PASSWORD = "correct horse battery"
OVERALL, BY_PRIORITY = 0.32, 0.40
BY_AREA = {"LEGAL": 1.0, "ICT": 0.2, "PAYMENTS": 0.1, "SKILLS": None}
BY_AGENCY = {"MOTI": 1.0, "ICTA": 0.2, "CBK": 0.1}
TODAY = datetime.now(UTC).date()


@dataclass
class Scenario:
    store: object
    coordinator: Actor
    focal_points: dict[str, Actor]
    measures: dict[str, int]


def actor(engine, email: str) -> Actor:
    with engine.connect() as conn:
        row = conn.execute(select(USERS).where(USERS.c.email == email)).first()
    return Actor(row.id, row.email, row.role, row.organisation_id)


def build(store, tmp_path: Path) -> Scenario:
    engine = store.engine
    for code, name, kind in [("MOTI", "Ministry of Trade and Industry", "ministry"),
                             ("ICTA", "ICT Authority", "agency"),
                             ("CBK", "Central Bank", "agency"),
                             ("UNCTAD", "UNCTAD", "partner")]:
        plan.add_organisation(engine, SYSTEM, code, name, kind, "KEN")
    add_user(engine, SYSTEM, "coord@moti.example", "Coordinator", PASSWORD, "coordinator",
             "MOTI")
    add_user(engine, SYSTEM, "fp@icta.example", "Focal ICTA", PASSWORD, "focal_point", "ICTA")
    add_user(engine, SYSTEM, "fp@cbk.example", "Focal CBK", PASSWORD, "focal_point", "CBK")
    add_user(engine, SYSTEM, "fp2@cbk.example", "Second focal CBK", PASSWORD, "focal_point",
             "CBK")
    add_user(engine, SYSTEM, "admin@un.example", "Administrator", PASSWORD, "administrator")
    plan.create_strategy(engine, SYSTEM, STRATEGY, "Kenya e-commerce strategy", "KEN",
                         TODAY.year - 2, TODAY.year + 2, lead_organisation="MOTI")
    past, future = TODAY - timedelta(days=400), TODAY + timedelta(days=400)
    rows = [
        ("M1", "LEGAL", "MOTI", "high", past, TODAY - timedelta(days=30)),
        ("M2", "ICT", "ICTA", "medium", past, future),
        ("M3", "PAYMENTS", "CBK", "low", past, TODAY - timedelta(days=10)),
        ("M4", "PAYMENTS", "CBK", "high", past, TODAY - timedelta(days=100)),
        ("M5", "SKILLS", "ICTA", "medium", past, future),
        ("M6", "ICT", "ICTA", "low", past, future),
    ]
    ids = {}
    for code, area, lead, priority, start, due in rows:
        ids[code] = plan.add_measure(engine, SYSTEM, STRATEGY, plan.MeasureFields(
            code=code, title=f"Measure {code}", policy_area=area, lead_agency=lead,
            priority=priority, start_date=start, due_date=due, budget=1000.0,
            currency="USD", supporting=["MOTI"] if lead != "MOTI" else []))
    coordinator = actor(engine, "coord@moti.example")
    icta, cbk = actor(engine, "fp@icta.example"), actor(engine, "fp@cbk.example")
    administrator = actor(engine, "admin@un.example")

    def report(who, code, status, percent=0.0, verdict=True):
        update = submit_update(engine, who, ids[code], status, percent, f"{code} {status}")
        if verdict is not None:
            # Nobody validates their own report: the coordinator's goes to the administrator.
            reviewer = administrator if who == coordinator else coordinator
            review_update(engine, reviewer, update, verdict, "" if verdict else "evidence?")

    report(coordinator, "M1", "completed")
    report(icta, "M2", "in_progress", 40)
    report(icta, "M2", "in_progress", 60, verdict=None)  # awaits validation
    report(cbk, "M3", "delayed", 20)
    report(icta, "M5", "cancelled")
    report(icta, "M6", "in_progress", 50, verdict=False)
    _load_internet_use(store, tmp_path)
    plan.add_target(engine, SYSTEM, STRATEGY, "IT.NET.USER.ZS", "KEN", (20, 2020), (60, 2028))
    return Scenario(store, coordinator, {"ICTA": icta, "CBK": cbk}, ids)


def _load_internet_use(store, tmp_path: Path) -> None:
    from deo.sources.load import load_files

    path = tmp_path / "internet.csv"
    path.write_text("indicator,iso3,year,value\nIT.NET.USER.ZS,KEN,2021,30\n"
                    "IT.NET.USER.ZS,KEN,2023,40\nIT.NET.USER.ZS,UGA,2023,15\n")
    load_files(store, [path], source="test")


def counts(engine) -> tuple[int, int]:
    """(measures, audit records): an import that fails must change neither."""
    from deo.track.audit import AUDIT
    from deo.track.plan import MEASURES

    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(MEASURES)).scalar_one(),
                conn.execute(select(func.count()).select_from(AUDIT)).scalar_one())

