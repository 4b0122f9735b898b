"""The tracker's model: the implementation-rate formula, the workflow (only validated
updates count), optimistic concurrency, the append-only audit trail, and the schema the
migrations build."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from deo.core import Conflict, DeoError, PermissionDenied
from deo.track import auth, dashboard, plan, updates
from deo.track.access import SYSTEM
from deo.track.audit import AUDIT
from deo.track.config import statuses
from deo.track.progress import MeasureState, implementation_rate

PASSWORD = "correct horse battery"


@pytest.fixture
def tracker(store):
    """A strategy with three agencies, four measures and a focal point per agency."""
    engine = store.engine
    for code, kind in (("MOT", "ministry"), ("ICTA", "agency"), ("CBK", "agency")):
        plan.add_organisation(engine, SYSTEM, code, f"{code} name", kind, "KEN")
    plan.create_strategy(engine, SYSTEM, "KEN", "Kenya strategy", "KEN", 2024, 2028,
                         lead_organisation="MOT")
    ids = {}
    for code, area, lead, priority in (("M1", "ICT", "ICTA", "high"),
                                       ("M2", "ICT", "ICTA", "low"),
                                       ("M3", "PAYMENTS", "CBK", "medium"),
                                       ("M4", "LEGAL", "MOT", "medium")):
        ids[code] = plan.add_measure(engine, SYSTEM, "KEN", plan.MeasureFields(
            code, f"Measure {code}", area, lead, priority=priority,
            start_date=date(2024, 1, 1), due_date=date(2025, 6, 30)))
    people = {}
    for email, role, org in (("icta@x.org", "focal_point", "ICTA"),
                             ("cbk@x.org", "focal_point", "CBK"),
                             ("coord@x.org", "coordinator", "MOT"),
                             ("partner@x.org", "partner", None)):
        auth.add_user(engine, SYSTEM, email, email, PASSWORD, role, org)
        people[email.split("@")[0]] = auth.session_actor(
            engine, auth.sign_in(engine, email, PASSWORD))[0]
    return engine, ids, people


# -- the formula --------------------------------------------------------------------


def test_rate_formula_by_hand():
    known = statuses()
    states = [MeasureState("completed", 100, "high"), MeasureState("in_progress", 40, "low"),
              MeasureState("delayed", 50, "medium"), MeasureState("planned", 0, "medium"),
              MeasureState("cancelled", 0, "high"), MeasureState("on_hold", 70, "low")]
    # Unweighted: (1 + 0.4 + 0.5 + 0 + 0) / 5 (cancelled left out; on hold counts 0).
    assert implementation_rate(states, known) == pytest.approx(1.9 / 5)
    # Weighted: (3*1 + 1*0.4 + 2*0.5 + 2*0 + 1*0) / (3 + 1 + 2 + 2 + 1).
    assert implementation_rate(states, known, by_priority=True) == pytest.approx(4.4 / 9)
    assert implementation_rate([MeasureState("cancelled")], known) is None
    assert implementation_rate([MeasureState("in_progress", 250)], known) == 1.0  # clipped


# -- the workflow -------------------------------------------------------------------


def test_only_validated_updates_count(tracker):
    engine, ids, people = tracker
    strategy_id = plan.strategy(engine, "KEN", SYSTEM)["id"]
    first = updates.submit_update(engine, people["icta"], ids["M1"], "completed")
    second = updates.submit_update(engine, people["icta"], ids["M2"], "in_progress", 50)
    assert dashboard.rates(dashboard.measure_states(engine, strategy_id))["rate"][0] == 0.0
    updates.review_update(engine, people["coord"], first, True)
    updates.review_update(engine, people["coord"], second, False, "no evidence attached")
    states = dashboard.measure_states(engine, strategy_id).set_index("code")
    assert states.loc["M1", "status"] == "completed" and states.loc["M2", "status"] == \
        "not_started"
    assert dashboard.rates(states)["rate"][0] == pytest.approx(1 / 4)
    by_area = dashboard.rates(states, "policy_area").set_index("group")["rate"]
    assert by_area["ICT"] == pytest.approx(0.5) and by_area["PAYMENTS"] == 0.0
    with pytest.raises(Conflict, match="already validated"):
        updates.review_update(engine, people["coord"], first, False, "changed my mind")
    with pytest.raises(DeoError, match="comment is empty"):
        updates.review_update(engine, people["coord"], second, False, "")


def test_focal_point_reports_only_on_own_agency(tracker):
    engine, ids, people = tracker
    with pytest.raises(PermissionDenied, match="another agency"):
        updates.submit_update(engine, people["icta"], ids["M3"], "in_progress", 10)
    with pytest.raises(PermissionDenied):
        updates.review_update(engine, people["icta"],
                              updates.submit_update(engine, people["icta"], ids["M1"],
                                                    "planned"), True)
    with pytest.raises(PermissionDenied):
        updates.submit_update(engine, people["partner"], ids["M1"], "planned")
    updates.add_comment(engine, people["partner"], ids["M1"], "We can fund the study.")


def test_rate_over_time_uses_report_dates(tracker):
    engine, ids, people = tracker
    strategy_id = plan.strategy(engine, "KEN", SYSTEM)["id"]
    for when, status, percent in ((datetime(2024, 3, 10, tzinfo=UTC), "in_progress", 40),
                                  (datetime(2024, 6, 10, tzinfo=UTC), "completed", 100)):
        update_id = updates.submit_update(engine, people["icta"], ids["M1"], status, percent,
                                          at=when)
        updates.review_update(engine, people["coord"], update_id, True)
    ends = dashboard.month_ends(date(2024, 2, 1), date(2024, 7, 15))
    assert ends[0] == date(2024, 2, 29) and ends[-1] == date(2024, 7, 15)
    over_time = dashboard.rate_over_time(engine, strategy_id, ends)
    timeline = dict(zip(over_time["date"], over_time["rate"], strict=True))
    assert timeline[date(2024, 2, 29)] == 0.0
    assert timeline[date(2024, 3, 31)] == pytest.approx(0.4 / 4)
    assert timeline[date(2024, 6, 30)] == pytest.approx(1 / 4)


def test_overdue_and_silent_lists(tracker):
    engine, ids, people = tracker
    strategy_id = plan.strategy(engine, "KEN", SYSTEM)["id"]
    done = updates.submit_update(engine, people["icta"], ids["M1"], "completed",
                                 at=datetime(2025, 1, 5, tzinfo=UTC))
    updates.review_update(engine, people["coord"], done, True)
    updates.submit_update(engine, people["cbk"], ids["M3"], "in_progress", 20,
                          at=datetime(2025, 9, 1, tzinfo=UTC))
    states = dashboard.measure_states(engine, strategy_id)
    late = dashboard.overdue(states, date(2025, 10, 1))
    assert list(late["code"]) == ["M2", "M3", "M4"]  # M1 is completed
    assert set(late["days_late"]) == {(date(2025, 10, 1) - date(2025, 6, 30)).days}
    quiet = dashboard.silent(states, date(2025, 10, 1), days=60)
    assert sorted(quiet["code"]) == ["M2", "M4"]  # M3 reported a month ago


# -- concurrency --------------------------------------------------------------------


def test_a_stale_edit_is_refused_not_lost(tracker):
    engine, ids, people = tracker
    coordinator = people["coord"]
    assert plan.edit_measure(engine, coordinator, ids["M1"], 1, {"title": "First edit"}) == 2
    with pytest.raises(Conflict, match=r"changed by coord@x.org at .*\(your version 1, now 2\)"):
        plan.edit_measure(engine, coordinator, ids["M1"], 1, {"title": "Second edit"})
    assert plan.measure(engine, ids["M1"])["title"] == "First edit"


def test_two_simultaneous_editors_one_wins(tracker):
    engine, ids, people = tracker
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(title: str) -> None:
        barrier.wait()
        try:
            plan.edit_measure(engine, people["coord"], ids["M2"], 1, {"title": title})
            outcomes.append(title)
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # SQLite may refuse the second writer outright
            outcomes.append(f"refused: {type(exc).__name__}")

    threads = [threading.Thread(target=edit, args=(t,)) for t in ("Alice's", "Bob's")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [o for o in outcomes if o in ("Alice's", "Bob's")]
    assert len(winners) == 1, outcomes
    row = plan.measure(engine, ids["M2"])
    assert row["title"] == winners[0] and row["version"] == 2


# -- audit --------------------------------------------------------------------------


def test_every_write_leaves_an_audit_record(tracker):
    engine, ids, people = tracker

    def count() -> int:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(AUDIT)).scalar_one()

    writes = [
        lambda: plan.add_organisation(engine, SYSTEM, "NEW", "New agency"),
        lambda: plan.add_objective(engine, SYSTEM, "KEN", "O1", "An objective"),
        lambda: plan.edit_measure(engine, people["coord"], ids["M4"], 1, {"priority": "high"}),
        lambda: plan.add_milestone(engine, SYSTEM, ids["M4"], "Draft bill"),
        lambda: plan.add_target(engine, SYSTEM, "KEN", "IT.NET.USER.ZS", "KEN", (20, 2020),
                                (50, 2028)),
        lambda: plan.set_strategy(engine, SYSTEM, "KEN", published=True),
        lambda: updates.add_comment(engine, people["partner"], ids["M4"], "Noted."),
        lambda: auth.add_user(engine, SYSTEM, "new@x.org", "New", PASSWORD, "partner"),
    ]
    for write in writes:
        before = count()
        write()
        assert count() == before + 1
    with engine.connect() as conn:
        last = conn.execute(select(AUDIT).order_by(AUDIT.c.id.desc()).limit(1)).mappings().one()
    assert last["action"] == "add_user" and "password_hash" not in last["after"]
    edit = [r for r in _audit(engine) if r["action"] == "edit_measure"][0]
    assert edit["before"]["priority"] == "medium" and edit["after"]["priority"] == "high"


def _audit(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(AUDIT)).mappings()]


@pytest.mark.parametrize("statement", ["UPDATE track_audit SET actor = 'someone else'",
                                       "DELETE FROM track_audit"])
def test_the_audit_trail_cannot_be_changed(tracker, statement):
    engine, _ids, _people = tracker
    before = _audit(engine)
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    assert _audit(engine) == before


# -- sign-in ------------------------------------------------------------------------


def test_passwords_are_argon2_hashes_and_sign_in_is_throttled(tracker):
    engine, _ids, _people = tracker
    with engine.connect() as conn:
        stored = conn.execute(select(auth.USERS.c.password_hash)
                              .where(auth.USERS.c.email == "icta@x.org")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    for _ in range(auth.PAIR_LIMIT):
        with pytest.raises(PermissionDenied, match="wrong e-mail address or password"):
            auth.sign_in(engine, "icta@x.org", "not the password")
    with pytest.raises(auth.TooManyAttempts):
        auth.sign_in(engine, "icta@x.org", PASSWORD)  # even the right one, for a while
    assert auth.sign_in(engine, "cbk@x.org", PASSWORD)  # another account is not locked


def test_sessions_are_stored_as_hashes_and_end_on_sign_out(tracker):
    engine, _ids, _people = tracker
    token = auth.sign_in(engine, "cbk@x.org", PASSWORD)
    with engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(select(auth.SESSIONS.c.token_hash))]
    assert token not in hashes and len(hashes[0]) == 64
    assert auth.session_actor(engine, token)[0].email == "cbk@x.org"
    auth.sign_out(engine, token)
    assert auth.session_actor(engine, token) is None
    assert auth.session_actor(engine, "forged-token") is None


def test_bad_plan_input_is_refused_with_reasons(tracker):
    engine, _ids, _people = tracker
    with pytest.raises(DeoError) as caught:
        plan.add_measure(engine, SYSTEM, "KEN", plan.MeasureFields(
            "M1", "Dup", "NOPE", "GHOST", priority="urgent", start_date=date(2025, 1, 1),
            due_date=date(2024, 1, 1), currency="XXY"))
    message = str(caught.value)
    for reason in ("already a measure", "policy area 'NOPE'", "'GHOST': not a known",
                   "priority 'urgent'", "before the start date", "currency 'XXY'"):
        assert reason in message


def test_migrations_build_the_models_tables(store):
    """Alembic's comparison of the migrated database with the models finds nothing."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import deo.track.schema  # noqa: F401  (registers the tracker's tables)
    from deo.store.schema import Base

    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Indexes are named by hand in the migrations; tables and columns must match.
    tables_and_columns = [d for d in differences
                          if d[0] in ("add_table", "remove_table", "add_column",
                                      "remove_column")]
    assert tables_and_columns == []
