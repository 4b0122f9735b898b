"""An illustrative tracker for the demonstration portal: a national e-commerce strategy
(Kenya) and a regional one (the East African Community across its members), with
agencies, measures in the seven eTrade Readiness policy areas, two years of validated
updates, some awaiting validation, and indicator targets on the demo's indicators.

Everything here is invented and every strategy is marked illustrative: the pages say so.
The demo's accounts (printed by ``deo demo``) share one password, for a local demo only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import Engine, select

from deo.track import auth, plan, updates
from deo.track.access import SYSTEM, Actor
from deo.track.auth import USERS

DEMO_PASSWORD = "demo-password"
#: (code, name, kind, area)
ORGANISATIONS = [
    ("KE-MITED", "Ministry of Investments, Trade and Industry (example)", "ministry", "KEN"),
    ("KE-ICTA", "ICT Authority (example)", "agency", "KEN"),
    ("KE-CBK", "Central Bank (example)", "agency", "KEN"),
    ("KE-POST", "Postal Corporation (example)", "agency", "KEN"),
    ("KE-KRA", "Revenue Authority (example)", "agency", "KEN"),
    ("KE-ODPC", "Data Protection Commissioner (example)", "agency", "KEN"),
    ("DEV-PARTNER", "Development partner (example)", "partner", None),
    ("EAC-SEC", "EAC Secretariat (example)", "regional-body", "EAC"),
]
#: (policy area, title, lead, priority) of the national plan's measures.
NATIONAL = [
    ("STRATEGY", "Set up the national e-commerce steering committee", "KE-MITED", "high"),
    ("STRATEGY", "Publish yearly e-commerce statistics", "KE-MITED", "medium"),
    ("ICT", "Extend fibre backbone to all county headquarters", "KE-ICTA", "high"),
    ("ICT", "Open public Wi-Fi in 500 market centres", "KE-ICTA", "medium"),
    ("ICT", "Adopt a national cloud-first policy", "KE-ICTA", "low"),
    ("LOGISTICS", "Deploy address codes for last-mile delivery", "KE-POST", "high"),
    ("LOGISTICS", "Simplify customs for low-value parcels", "KE-KRA", "high"),
    ("LOGISTICS", "Launch a postal e-commerce parcel service", "KE-POST", "medium"),
    ("PAYMENTS", "Interoperable instant payments between wallets and banks", "KE-CBK", "high"),
    ("PAYMENTS", "Merchant onboarding for card and QR payments", "KE-CBK", "medium"),
    ("LEGAL", "Update the consumer protection law for online purchases", "KE-MITED", "high"),
    ("LEGAL", "Guidance on data protection for online sellers", "KE-ODPC", "medium"),
    ("LEGAL", "Electronic signatures accepted by all agencies", "KE-ICTA", "low"),
    ("SKILLS", "E-commerce training for 10,000 micro-enterprises", "KE-MITED", "medium"),
    ("SKILLS", "Digital skills in vocational curricula", "KE-ICTA", "low"),
    ("FINANCE", "Credit guarantee for online-selling SMEs", "KE-CBK", "medium"),
]
REGIONAL_MEMBERS = ("KEN", "UGA", "TZA", "RWA", "BDI")
REGIONAL = [
    ("LEGAL", "Harmonise electronic transactions laws", "high"),
    ("LOGISTICS", "Regional simplified trade regime for parcels", "high"),
    ("PAYMENTS", "Cross-border mobile money interoperability", "medium"),
]


@dataclass(frozen=True)
class DemoTracker:
    strategies: list[str]
    accounts: list[tuple[str, str]]  # (e-mail, role)
    password: str = DEMO_PASSWORD


def build_demo_tracker(engine: Engine, today: date | None = None,
                       seed: int = 2026) -> DemoTracker | None:
    """Write the illustrative strategies (nothing if the demo strategy exists already)."""
    today = today or date.today()
    with engine.connect() as conn:
        if conn.execute(select(plan.STRATEGIES.c.id)
                        .where(plan.STRATEGIES.c.code == "KEN-ECOM-EXAMPLE")).first():
            return None
    rng = np.random.default_rng(seed)
    for code, name, kind, area in ORGANISATIONS:
        plan.add_organisation(engine, SYSTEM, code, name, kind, area)
    accounts = [("coordinator@example.org", "coordinator", "KE-MITED"),
                ("icta@example.org", "focal_point", "KE-ICTA"),
                ("cbk@example.org", "focal_point", "KE-CBK"),
                ("post@example.org", "focal_point", "KE-POST"),
                ("eac@example.org", "coordinator", "EAC-SEC"),
                ("partner@example.org", "partner", "DEV-PARTNER"),
                ("admin@example.org", "administrator", None)]
    for email, role, org in accounts:
        auth.add_user(engine, SYSTEM, email, email.split("@")[0].title() + " (example)",
                      DEMO_PASSWORD, role, org)
    start = date(today.year - 2, 1, 1)
    plan.create_strategy(
        engine, SYSTEM, "KEN-ECOM-EXAMPLE",
        "National e-commerce strategy", "KEN", start.year,
        start.year + 5, vision="Every business can sell online, at home and abroad.",
        goals="Double the share of businesses receiving orders online; halve parcel "
              "clearance times.", lead_organisation="KE-MITED", illustrative=True)
    for n, (area, title, lead, priority) in enumerate(NATIONAL, start=1):
        begins = start + timedelta(days=int(rng.integers(0, 300)))
        plan.add_measure(engine, SYSTEM, "KEN-ECOM-EXAMPLE", plan.MeasureFields(
            code=f"M{n}", title=title, policy_area=area, lead_agency=lead, priority=priority,
            start_date=begins, due_date=begins + timedelta(days=int(rng.integers(240, 900))),
            budget=float(rng.integers(5, 200)) * 10_000, currency="USD",
            supporting=["KE-MITED"] if lead != "KE-MITED" else [],
            partners=[("DEV-PARTNER", "technical assistance", "")] if n % 4 == 0 else []))
    plan.add_target(engine, SYSTEM, "KEN-ECOM-EXAMPLE", "IT.NET.USER.ZS", "KEN",
                    (17.8, start.year - 3), (50.0, start.year + 5))
    plan.add_target(engine, SYSTEM, "KEN-ECOM-EXAMPLE", "IT.NET.BBND.P2", "KEN",
                    (1.0, start.year - 3), (5.0, start.year + 5))
    _history(engine, "KEN-ECOM-EXAMPLE", start, today, rng)
    plan.set_strategy(engine, SYSTEM, "KEN-ECOM-EXAMPLE", published=True, status="implementing")

    plan.create_strategy(
        engine, SYSTEM, "EAC-ECOM-EXAMPLE",
        "Regional e-commerce strategy", "EAC", start.year,
        start.year + 4, lead_organisation="EAC-SEC", illustrative=True)
    n = 0
    for area, title, priority in REGIONAL:
        for member in REGIONAL_MEMBERS:
            n += 1
            begins = start + timedelta(days=int(rng.integers(0, 200)))
            plan.add_measure(engine, SYSTEM, "EAC-ECOM-EXAMPLE", plan.MeasureFields(
                code=f"R{n}", title=title, policy_area=area, lead_agency="EAC-SEC",
                priority=priority, member_area=member, start_date=begins,
                due_date=begins + timedelta(days=int(rng.integers(300, 800)))))
    _history(engine, "EAC-ECOM-EXAMPLE", start, today, rng)
    plan.set_strategy(engine, SYSTEM, "EAC-ECOM-EXAMPLE", published=True, status="implementing")
    return DemoTracker(["KEN-ECOM-EXAMPLE", "EAC-ECOM-EXAMPLE"],
                       [(email, role) for email, role, _org in accounts])


def _history(engine: Engine, strategy_code: str, start: date, today: date, rng) -> None:
    """Quarterly updates for each measure from its start: progress grows, most updates
    are validated a week later, the latest few await validation."""
    people = _people(engine)
    found = plan.strategy(engine, strategy_code, SYSTEM)
    # The strategy's own coordinator reports and validates; nobody validates their own
    # report, so the administrator validates the coordinator's.
    coordinator = next((p for p in people.values() if p.role == "coordinator"
                        and p.organisation_id == found["lead_organisation_id"]),
                       people["admin@example.org"])
    administrator = people["admin@example.org"]
    with engine.connect() as conn:
        measures = conn.execute(select(plan.MEASURES, plan.ORGS.c.code.label("lead"))
                                .join(plan.ORGS, plan.ORGS.c.id
                                      == plan.MEASURES.c.lead_organisation_id)
                                .where(plan.MEASURES.c.strategy_id == found["id"])).mappings().all()
    by_org = {p.organisation_id: p for p in people.values() if p.role == "focal_point"}
    for n, m in enumerate(measures):
        author = by_org.get(m["lead_organisation_id"], coordinator)
        speed = rng.uniform(0.04, 0.3)  # share of the work done per quarter
        stalls = n % 7 == 3  # a few measures stop for lack of funds
        when, done = m["start_date"] + timedelta(days=45), 0.0
        while when < today - timedelta(days=10):
            done = min(1.0, done + speed * rng.uniform(0.3, 1.2))
            late = when > m["due_date"] and done < 1.0
            status = ("completed" if done >= 1.0 else "on_hold" if stalls and done > 0.3
                      else "delayed" if late else "in_progress")
            moment = datetime.combine(when, datetime.min.time(), UTC) + timedelta(hours=10)
            update_id = updates.submit_update(
                engine, author, m["id"], status, round(done * 100),
                f"Quarterly report: {round(done * 100)}% of the work done.", at=moment)
            if when < today - timedelta(days=60):
                reviewer = administrator if author == coordinator else coordinator
                updates.review_update(engine, reviewer, update_id, True,
                                      at=moment + timedelta(days=7))
            if status in ("completed", "on_hold"):
                break
            when += timedelta(days=91)


def _people(engine: Engine) -> dict[str, Actor]:
    with engine.connect() as conn:
        return {r.email: Actor(r.id, r.email, r.role, r.organisation_id)
                for r in conn.execute(select(USERS.c.id, USERS.c.email, USERS.c.role,
                                             USERS.c.organisation_id))}
