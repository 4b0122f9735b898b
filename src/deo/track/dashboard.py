"""What the dashboards show, read from the store: each measure's state, implementation
rates by policy area, agency, member state and over time, overdue and silent measures,
and indicator targets against the actual values in the store's observations.

A measure's state is its latest *validated* update, ordered by the time the update was
submitted (the date the status was reported), so the rate on a past date counts what
had been reported by then and has been validated since.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, case, func, select

from deo.track.config import statuses
from deo.track.progress import priority_weights, progress_values, rate
from deo.track.schema import Measure, Organisation, PolicyArea, StatusUpdate, Target

MEASURES = Measure.__table__
ORGS = Organisation.__table__
AREAS = PolicyArea.__table__
UPDATES = StatusUpdate.__table__
TARGETS = Target.__table__

#: Statuses after which a measure is neither overdue nor expected to report.
CLOSED = ("completed", "cancelled")


def measure_states(engine: Engine, strategy_id: int,
                   measure_id: int | None = None) -> pd.DataFrame:
    """One row per measure with its plan fields and its current state: ``status``,
    ``percent``, ``progress`` (0-1, NaN if excluded), ``reported_at`` (of the validated
    update counted), ``last_update_at`` (latest update in any state), ``pending`` (updates
    awaiting validation). ``measure_id`` reads that one measure only."""
    latest = (
        select(UPDATES.c.measure_id, UPDATES.c.status, UPDATES.c.percent,
               UPDATES.c.submitted_at.label("reported_at"),
               func.row_number().over(partition_by=UPDATES.c.measure_id,
                                      order_by=(UPDATES.c.submitted_at.desc(),
                                                UPDATES.c.id.desc())).label("n"))
        .where(UPDATES.c.state == "validated").subquery()
    )
    activity = (
        select(UPDATES.c.measure_id, func.max(UPDATES.c.submitted_at).label("last_update_at"),
               func.sum(case((UPDATES.c.state == "submitted", 1), else_=0)).label("pending"))
        .group_by(UPDATES.c.measure_id).subquery()
    )
    stmt = (
        select(MEASURES.c.id, MEASURES.c.code, MEASURES.c.title, MEASURES.c.priority,
               MEASURES.c.start_date, MEASURES.c.due_date, MEASURES.c.member_area,
               MEASURES.c.budget, MEASURES.c.currency, MEASURES.c.version,
               AREAS.c.code.label("policy_area"), AREAS.c.name.label("policy_area_name"),
               AREAS.c.position.label("policy_area_position"),
               ORGS.c.code.label("lead_agency"), ORGS.c.name.label("lead_agency_name"),
               latest.c.status, latest.c.percent, latest.c.reported_at,
               activity.c.last_update_at, activity.c.pending)
        .join(AREAS, AREAS.c.id == MEASURES.c.policy_area_id)
        .join(ORGS, ORGS.c.id == MEASURES.c.lead_organisation_id)
        .outerjoin(latest, (latest.c.measure_id == MEASURES.c.id) & (latest.c.n == 1))
        .outerjoin(activity, activity.c.measure_id == MEASURES.c.id)
        .where(MEASURES.c.strategy_id == strategy_id)
        .order_by(AREAS.c.position, MEASURES.c.code)
    )
    if measure_id is not None:
        stmt = stmt.where(MEASURES.c.id == measure_id)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(),
                             columns=[c.name for c in stmt.selected_columns])
    frame["status"] = frame["status"].fillna("not_started")
    frame["percent"] = frame["percent"].astype(float).fillna(0.0)
    frame["pending"] = frame["pending"].fillna(0).astype(int)
    frame["progress"] = progress_values(frame["status"].to_numpy(), frame["percent"].to_numpy(),
                                        statuses())
    return frame


def rates(states: pd.DataFrame, by: str | None = None, by_priority: bool = False) -> pd.DataFrame:
    """Implementation rate (0-1) overall or per value of ``by`` (policy_area, lead_agency,
    member_area...), with the number of measures and of completed ones."""
    weights = (priority_weights(states["priority"]) if by_priority
               else np.ones(len(states)))
    frame = states.assign(_w=weights)
    groups = [("", frame)] if by is None else frame.groupby(by, sort=False, dropna=False)
    rows = []
    for key, part in groups:
        rows.append({
            "group": key, "measures": len(part),
            "completed": int((part["status"] == "completed").sum()),
            "rate": rate(part["progress"].to_numpy(), part["_w"].to_numpy()),
        })
    return pd.DataFrame(rows, columns=["group", "measures", "completed", "rate"])


def rate_over_time(engine: Engine, strategy_id: int, ends: list[date],
                   by_priority: bool = False) -> pd.DataFrame:
    """The implementation rate at the end of each day in ``ends`` (ascending; e.g. month
    ends). Each measure's state on a day is its latest validated update reported by
    then; a measure without one is not started."""
    stmt = (select(UPDATES.c.measure_id, UPDATES.c.status, UPDATES.c.percent,
                   UPDATES.c.submitted_at)
            .join(MEASURES, MEASURES.c.id == UPDATES.c.measure_id)
            .where(MEASURES.c.strategy_id == strategy_id, UPDATES.c.state == "validated")
            .order_by(UPDATES.c.submitted_at, UPDATES.c.id))
    with engine.connect() as conn:
        updates = pd.DataFrame(conn.execute(stmt).all(),
                               columns=["measure_id", "status", "percent", "submitted_at"])
        measures = pd.DataFrame(conn.execute(
            select(MEASURES.c.id, MEASURES.c.priority)
            .where(MEASURES.c.strategy_id == strategy_id)).all(), columns=["id", "priority"])
    if not ends:
        return pd.DataFrame(columns=["date", "rate"])
    known = statuses()
    weights = priority_weights(measures["priority"]) if by_priority else np.ones(len(measures))
    progress = progress_values(updates["status"].to_numpy(),
                               updates["percent"].astype(float).to_numpy(), known)
    # Each update counts from the first day in ``ends`` on or after its report: the last
    # update of a measure within a period, carried forward to later periods.
    cutoffs = pd.DatetimeIndex([datetime.combine(d, datetime.max.time()) for d in ends],
                               tz=UTC)
    stamps = pd.to_datetime(updates["submitted_at"], utc=True)
    period = cutoffs.searchsorted(stamps, side="left")
    position = pd.Series(np.arange(len(updates)), dtype=float)
    inside = period < len(ends)
    latest = (position[inside].groupby([updates["measure_id"][inside], period[inside]])
              .last().unstack().reindex(index=measures["id"], columns=range(len(ends)))
              .ffill(axis=1))
    picked = latest.to_numpy()
    table = np.where(np.isnan(picked), 0.0,  # no update yet: not started
                     progress[np.nan_to_num(picked, nan=0).astype(int)] if len(progress)
                     else 0.0)
    rows = [{"date": end, "rate": rate(table[:, k], weights)} for k, end in enumerate(ends)]
    return pd.DataFrame(rows, columns=["date", "rate"])


def month_ends(first: date, last: date) -> list[date]:
    """The last day of every month from ``first``'s to ``last``'s (``last`` itself last)."""
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        following = date(year + (month == 12), month % 12 + 1, 1)
        out.append(min(following - timedelta(days=1), last))
        year, month = following.year, following.month
    return out


def overdue(states: pd.DataFrame, today: date) -> pd.DataFrame:
    """Measures past their due date and not completed or cancelled, most overdue first."""
    # Compared as timestamps: .dt.date of a column without any date is not dates (pandas).
    due, now = pd.to_datetime(states["due_date"]), pd.Timestamp(today)
    late = states[due.notna() & (due < now) & ~states["status"].isin(CLOSED)]
    return late.assign(days_late=(now - due[late.index]).dt.days.astype(int)).sort_values(
        "days_late", ascending=False)


def silent(states: pd.DataFrame, today: date, days: int) -> pd.DataFrame:
    """Open measures (started by ``today``) without any update in the last ``days`` days."""
    cutoff = pd.Timestamp(datetime.combine(today - timedelta(days=days), datetime.min.time()),
                          tz=UTC)
    last = pd.to_datetime(states["last_update_at"], utc=True)
    started = pd.to_datetime(states["start_date"])
    open_ = ~states["status"].isin(CLOSED) & (started.isna() | (started <= pd.Timestamp(today)))
    quiet = states[open_ & (last.isna() | (last < cutoff))]
    return quiet.assign(last_update_at=last[quiet.index])


def targets_with_actuals(engine: Engine, store, strategy_id: int) -> pd.DataFrame:
    """Each indicator target with the latest actual value in the store (up to the target
    year) and the share of the way from baseline to target achieved."""
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(
            select(TARGETS).where(TARGETS.c.strategy_id == strategy_id)
            .order_by(TARGETS.c.id)).mappings().all(),
            columns=[c.name for c in TARGETS.columns])
    actual, actual_period, achieved = [], [], []
    for row in frame.itertuples():
        obs = store.query(indicators=[row.indicator], areas=[row.area], breakdown="",
                          end=date(row.target_year, 12, 31))
        obs = obs.dropna(subset=["value"])
        if obs.empty:
            actual.append(None)
            actual_period.append(None)
            achieved.append(None)
            continue
        last = obs.iloc[-1]  # the store returns periods in time order
        actual.append(float(last["value"]))
        actual_period.append(str(last["period"]))
        span = row.target_value - row.baseline_value
        achieved.append((float(last["value"]) - row.baseline_value) / span if span else None)
    return frame.assign(actual=actual, actual_period=actual_period, achieved=achieved)
