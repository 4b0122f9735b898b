"""Loads at the same time: writers are serialised, the database keeps one current row per
key, and the final store (and every vintage) is that of some serial order of the loads.
A writer that waits longer than DEO_STORE_WAIT gets a clear message, not a crash."""

from __future__ import annotations

import sqlite3
import threading
import time

import pandas as pd
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from deo.cli import main
from deo.core import Period
from deo.store import Store
from deo.store.database import WRITER_LOCK, StoreBusy
from deo.store.store import KEY, OBS

#: Enough rows per load that the loads overlap in time.
AREAS = [f"A{i:03d}" for i in range(200)]
YEARS = [str(y) for y in range(2000, 2020)]


def frame(values: dict[tuple[str, str], float]) -> pd.DataFrame:
    """An IT.NET.USER.ZS frame from {(area, year): value}."""
    records = []
    for (area, year), value in values.items():
        p = Period.parse(year)
        records.append({"indicator": "IT.NET.USER.ZS", "area": area, "period": p.code,
                        "breakdown": "", "value": value, "status": "A", "se": None,
                        "ci_lower": None, "ci_upper": None, "period_start": p.start,
                        "period_end": p.end})
    return pd.DataFrame(records).astype({c: float for c in ("se", "ci_lower", "ci_upper")})


def revision(number: int, areas: list[str]) -> dict[tuple[str, str], float]:
    """Values of revision ``number`` for ``areas`` (every year): distinct per revision."""
    return {(a, y): number * 1000 + i for i, (a, y) in
            enumerate((a, y) for a in areas for y in YEARS)}


def load_at_once(url: str, frames: list[pd.DataFrame]) -> list:
    """Load each frame from its own thread and store connection, all started together."""
    barrier = threading.Barrier(len(frames))
    results: list = [None] * len(frames)

    def run(i: int) -> None:
        barrier.wait()
        store = None
        try:
            store = Store.open(url)
            results[i] = store.load(frames[i], source=f"load {i}", content_hash=f"h{i}")
        except BaseException as exc:  # reported by the test
            results[i] = exc
        finally:
            if store is not None:
                store.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(frames))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def keys_with_several_current_rows(store: Store) -> int:
    stmt = (select(*(OBS.c[k] for k in KEY)).where(OBS.c.superseded_by.is_(None))
            .group_by(*(OBS.c[k] for k in KEY)).having(func.count() > 1))
    with store.engine.connect() as conn:
        return len(conn.execute(stmt).all())


def as_dict(got: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(r.area, r.period): r.value for r in got.itertuples()}


def test_the_same_file_loaded_at_once_is_stored_once(store_url):
    Store.open(store_url).close()
    values = revision(1, AREAS)
    results = load_at_once(store_url, [frame(values)] * 4)
    assert not [r for r in results if isinstance(r, BaseException)], results
    written = [r for r in results if r.duplicate_of is None]
    assert len(written) == 1 and written[0].inserted == len(values)
    assert {r.duplicate_of for r in results if r.duplicate_of} == {written[0].release_id}
    store = Store.open(store_url)
    try:
        assert keys_with_several_current_rows(store) == 0
        assert store.counts() == {"releases": 1, "observations": len(values),
                                  "stored_rows": len(values)}
        assert as_dict(store.query()) == values
    finally:
        store.close()


def test_overlapping_revisions_loaded_at_once_end_as_if_serial(store_url):
    Store.open(store_url).close()
    # Four loads, each overlapping the next on half its areas.
    loads = [revision(n, AREAS[n * 40:n * 40 + 80]) for n in range(1, 5)]
    results = load_at_once(store_url, [frame(v) for v in loads])
    assert not [r for r in results if isinstance(r, BaseException)], results
    store = Store.open(store_url)
    try:
        assert keys_with_several_current_rows(store) == 0
        # Replay the loads serially in the order their releases were numbered.
        order = sorted(range(len(loads)), key=lambda i: results[i].release_id)
        assert [results[i].release_id for i in order] == [1, 2, 3, 4]
        expected: dict[tuple[str, str], float] = {}
        for i in order:
            revised = sum(1 for k, v in loads[i].items() if k in expected and expected[k] != v)
            assert (results[i].revised, results[i].inserted) == (
                revised, sum(1 for k in loads[i] if k not in expected))
            expected.update(loads[i])
            assert as_dict(store.query(vintage=results[i].release_id)) == expected
        assert as_dict(store.query()) == expected
    finally:
        store.close()


def test_the_database_refuses_a_second_current_row(store: Store):
    store.load(frame({("KEN", "2021"): 29.5}), source="a", content_hash="a")
    row = {"release_id": 1, "indicator": "IT.NET.USER.ZS", "area": "KEN", "period": "2021",
           "period_start": Period.parse("2021").start, "period_end": Period.parse("2021").end,
           "breakdown": "", "value": 30.0, "status": "A"}
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(OBS).values(**row))
    with store.engine.begin() as conn:  # a superseded version is fine
        conn.execute(insert(OBS).values(**row, superseded_by=1))


def test_migration_repairs_a_store_with_two_current_rows(tmp_path):
    """A store written by concurrent loads before 0004: the newest row stays current."""
    from alembic import command

    from deo.store.database import _alembic_config, create_store_engine

    engine = create_store_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    old = Store(engine)
    with engine.begin() as conn:
        for release in (1, 2):
            conn.execute(text(
                "INSERT INTO releases (id, loaded_at, source, content_hash, row_count, "
                "inserted_count, revised_count, synthetic) VALUES "
                "(:id, '2026-01-01 00:00:00', 's', 'h', 1, 1, 0, 0)"), {"id": release})
            conn.execute(text(
                "INSERT INTO observations (release_id, indicator, area, period, period_start, "
                "period_end, breakdown, value, status) VALUES (:r, 'IT.NET.USER.ZS', 'KEN', "
                "'2021', '2021-01-01', '2021-12-31', '', :v, 'A')"), {"r": release, "v": release})
    assert keys_with_several_current_rows(old) == 1
    engine.dispose()
    store = Store.open(f"sqlite:///{tmp_path / 'old.sqlite'}")
    try:
        assert keys_with_several_current_rows(store) == 0
        assert store.query()["value"].tolist() == [2.0]
        assert store.query(vintage=1)["value"].tolist() == [1.0]
        assert store.history("IT.NET.USER.ZS", "KEN", "2021")["superseded_by"].tolist()[0] == 2
    finally:
        store.close()


# -- waiting for another writer ---------------------------------------------------------

def hold_writer_lock(url: str, seconds: float) -> threading.Thread:
    """Hold the store's writer lock from another connection for ``seconds``, as a long
    load would; returns once the lock is held."""
    held = threading.Event()

    def run() -> None:
        if url.startswith("sqlite"):
            conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            held.set()
            time.sleep(seconds)
            conn.execute("COMMIT")
            conn.close()
            return
        other = Store.open(url)
        with other.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITER_LOCK})
            held.set()
            time.sleep(seconds)
        other.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(30)
    return thread


def test_a_second_writer_waits_then_loads(store_url, monkeypatch):
    monkeypatch.setenv("DEO_STORE_WAIT", "30")
    store = Store.open(store_url)
    try:
        holder = hold_writer_lock(store_url, 1.0)
        started = time.monotonic()
        result = store.load(frame({("KEN", "2021"): 29.5}), source="a", content_hash="a")
        assert time.monotonic() - started >= 0.5
        holder.join()
        assert result.inserted == 1
    finally:
        store.close()


def test_a_writer_that_waits_too_long_is_told_why(store_url, monkeypatch):
    monkeypatch.setenv("DEO_STORE_WAIT", "0.5")
    store = Store.open(store_url)
    try:
        holder = hold_writer_lock(store_url, 3.0)
        with pytest.raises(StoreBusy) as caught:
            store.load(frame({("KEN", "2021"): 29.5}), source="a", content_hash="a")
        holder.join()
        assert "the store is busy: another load is writing to it; waited 0.5 s" in str(
            caught.value)
        assert store.counts()["releases"] == 0
    finally:
        store.close()


def test_cli_load_while_another_writes_exits_1_with_a_message(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'deo.sqlite'}"
    monkeypatch.setenv("DEO_DATABASE_URL", url)
    monkeypatch.setenv("DEO_STORE_WAIT", "0.5")
    Store.open(url).close()
    path = tmp_path / "a.csv"
    path.write_text("indicator,area,year,value\nIT.NET.USER.ZS,KEN,2021,29.5\n")
    holder = hold_writer_lock(url, 3.0)
    code = main(["load", str(path)])
    holder.join()
    err = capsys.readouterr().err
    assert code == 1, err
    assert "the store is busy" in err and "waited 0.5 s" in err and "bug in deo" not in err


@pytest.mark.parametrize("value", ["lots", "-1", "nan", "1e30"])
def test_a_bad_wait_setting_is_refused(monkeypatch, tmp_path, value):
    from deo.core import DeoError

    monkeypatch.setenv("DEO_STORE_WAIT", value)
    with pytest.raises(DeoError, match=f"DEO_STORE_WAIT='{value}': expected a number of "
                                       "seconds from 0 to 86400"):
        Store.open(f"sqlite:///{tmp_path / 's.sqlite'}")


def test_loads_at_once_into_a_new_store_migrate_it_once(store_url):
    """No Store.open first: each load creates (migrates) the store; one does, the others
    wait for it."""
    results = load_at_once(store_url, [frame(revision(1, AREAS[:10]))] * 3)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(r.duplicate_of or 0 for r in results) == [0, 1, 1]
