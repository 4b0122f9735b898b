"""Claim: a strategy's dashboard page, with every rate it shows computed on request, costs
at most 5 times the raw SQL aggregate queries that compute the same rates on the same
store (ratio page/raw-query <= 5).

The store holds one strategy with 2,000 measures led by 40 agencies in the 7 policy areas,
and 50,000 status updates (four in five validated), written in bulk (the setup is not
timed). The page is ``GET /en/track/BENCH`` through the ASGI app in-process: measure
states, rates by policy area and agency, the rate at each month end, overdue and silent
lists, targets, charts and the HTML (100 measures listed per page). The floor is the SQL
a hand-written report would run on the same database: the latest validated update per
measure (a window function) aggregated into the rate by policy area and by agency, and the
rate at each month end, one query per month (SQLite has no window that carries a state
forward). Both run ``BENCH_RUNS`` times (default 30) after a warm-up; p50 and p95 of both
are printed, and ``ratio page/raw-query`` of the p95s last. The two answers are checked
to agree (rates by policy area) before timing.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert, text

RUNS = int(os.environ.get("BENCH_RUNS", "30"))
MEASURES = int(os.environ.get("BENCH_MEASURES", "2000"))
UPDATES = int(os.environ.get("BENCH_UPDATES", "50000"))
AGENCIES = 40
START = date(2024, 1, 1)


def build(folder: Path):
    """A store with the benchmark's strategy, written in bulk."""
    from deo.store import Store
    from deo.track import auth, plan
    from deo.track.access import SYSTEM
    from deo.track.schema import Measure, StatusUpdate

    store = Store.open(f"sqlite:///{folder / 'bench.sqlite'}")
    engine = store.engine
    for n in range(AGENCIES):
        plan.add_organisation(engine, SYSTEM, f"AG{n:02d}", f"Agency {n:02d}")
    plan.create_strategy(engine, SYSTEM, "BENCH", "Benchmark strategy", "KEN", 2024, 2028)
    plan.set_strategy(engine, SYSTEM, "BENCH", published=True)
    author = auth.add_user(engine, SYSTEM, "fp@bench.org", "FP", "benchmark-password",
                           "coordinator", "AG00")
    rng = np.random.default_rng(7)
    with engine.begin() as conn:
        strategy_id = conn.execute(text("SELECT id FROM track_strategies")).scalar_one()
        areas = [r[0] for r in conn.execute(text(
            "SELECT id FROM track_policy_areas WHERE strategy_id = :s"), {"s": strategy_id})]
        orgs = [r[0] for r in conn.execute(text("SELECT id FROM track_organisations"))]
        rows = []
        for n in range(MEASURES):
            begins = START + timedelta(days=int(rng.integers(0, 600)))
            rows.append(dict(strategy_id=strategy_id, code=f"M{n:04d}", title=f"Measure {n}",
                             description="", policy_area_id=areas[n % len(areas)],
                             priority=("high", "medium", "low")[n % 3],
                             lead_organisation_id=orgs[n % len(orgs)], start_date=begins,
                             due_date=begins + timedelta(days=int(rng.integers(200, 900))),
                             recommendation="", version=1))
        conn.execute(insert(Measure.__table__), rows)
        ids = [r[0] for r in conn.execute(text("SELECT id FROM track_measures"))]
        statuses = np.array(["planned", "in_progress", "delayed", "completed", "on_hold",
                             "cancelled"])
        picks = rng.choice(len(statuses), UPDATES, p=[.1, .45, .15, .2, .05, .05])
        moments = [datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=int(m))
                   for m in rng.integers(0, 1_000_000, UPDATES)]
        conn.execute(insert(StatusUpdate.__table__), [
            dict(measure_id=ids[int(rng.integers(0, len(ids)))], status=str(statuses[p]),
                 percent=float(rng.integers(0, 101)), narrative="", links=[],
                 author_id=author, submitted_at=at,
                 state="validated" if rng.random() < 0.8 else "submitted", review_comment="")
            for p, at in zip(picks, moments, strict=True)])
    return store


#: The floor: rates by policy area and agency from the latest validated update, in SQL.
#: Weights as in deo's status list: completed 1, in progress and delayed their percent,
#: cancelled left out (NULL is not averaged), others and no update 0.
LATEST = """
WITH latest AS (
  SELECT measure_id, status, percent FROM (
    SELECT measure_id, status, percent, ROW_NUMBER() OVER (
      PARTITION BY measure_id ORDER BY submitted_at DESC, id DESC) AS n
    FROM track_updates WHERE state = 'validated' AND submitted_at <= :cutoff) AS ranked
  WHERE n = 1)
"""
PROGRESS = """
  CASE COALESCE(latest.status, 'not_started') WHEN 'completed' THEN 1.0
    WHEN 'in_progress' THEN latest.percent / 100.0 WHEN 'delayed' THEN latest.percent / 100.0
    WHEN 'cancelled' THEN NULL ELSE 0.0 END
"""
BY_AREA = LATEST + "SELECT a.code, AVG(" + PROGRESS + """)
FROM track_measures m JOIN track_policy_areas a ON a.id = m.policy_area_id
LEFT JOIN latest ON latest.measure_id = m.id GROUP BY a.code
"""
BY_AGENCY = LATEST + "SELECT a.code, AVG(" + PROGRESS + """)
FROM track_measures m JOIN track_organisations a ON a.id = m.lead_organisation_id
LEFT JOIN latest ON latest.measure_id = m.id GROUP BY a.code
"""
OVERALL = LATEST + "SELECT AVG(" + PROGRESS + """)
FROM track_measures m LEFT JOIN latest ON latest.measure_id = m.id
"""


def raw_queries(engine, month_ends: list[date]) -> dict:
    with engine.connect() as conn:
        now = {"cutoff": datetime.now(UTC)}
        by_area = dict(conn.execute(text(BY_AREA), now).all())
        conn.execute(text(BY_AGENCY), now).all()
        for end in month_ends:  # no SQLite window can carry a state forward: one per month
            conn.execute(text(OVERALL), {"cutoff": datetime.combine(
                end, datetime.max.time(), UTC)}).scalar()
    return by_area


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    from fastapi.testclient import TestClient

    from deo.publish.app import create_app
    from deo.track import dashboard

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        store = build(Path(folder))
        print(f"store: {MEASURES} measures, {UPDATES} updates, {AGENCIES} agencies "
              f"(built in {time.perf_counter() - started:.1f} s)")
        client = TestClient(create_app(store))
        month_ends = dashboard.month_ends(date(2024, 1, 1), date.today())
        # The two agree before anything is timed.
        states = dashboard.measure_states(store.engine, 1)
        ours = dashboard.rates(states, "policy_area").set_index("group")["rate"].to_dict()
        floor = raw_queries(store.engine, month_ends)
        assert all(abs(ours[k] - floor[k]) < 1e-12 for k in ours), (ours, floor)
        page = client.get("/en/track/BENCH")
        assert page.status_code == 200 and "Page 1 of 20" in page.text
        page_times, raw_times, current_times = [], [], []
        for _ in range(3):  # warm-up
            client.get("/en/track/BENCH")
            raw_queries(store.engine, month_ends)
        for _ in range(RUNS):
            t0 = time.perf_counter()
            client.get("/en/track/BENCH")
            page_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            raw_queries(store.engine, month_ends)
            raw_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            raw_queries(store.engine, [])
            current_times.append(time.perf_counter() - t0)
        store.close()
    print(f"page ({len(page.content) // 1024} KB HTML, 100 measures listed): p50 "
          f"{percentile(page_times, 50) * 1000:.0f} ms, p95 "
          f"{percentile(page_times, 95) * 1000:.0f} ms")
    print(f"raw SQL ({len(month_ends) + 2} queries): p50 {percentile(raw_times, 50) * 1000:.0f}"
          f" ms, p95 {percentile(raw_times, 95) * 1000:.0f} ms")
    print(f"  of which the current rates by policy area and agency (2 queries): p95 "
          f"{percentile(current_times, 95) * 1000:.0f} ms")
    print(f"ratio page/raw-query {percentile(page_times, 95) / percentile(raw_times, 95):.2f}")


if __name__ == "__main__":
    sys.exit(main())
