"""The store on every backend: releases, recognised re-loads, revisions and vintages."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import inspect

from deo.core import DeoError, Period
from deo.store import ReleaseBatch, Store


def frame(rows: list[tuple]) -> pd.DataFrame:
    """An observation frame from (indicator, area, period, value[, breakdown[, status]])."""
    records = []
    for row in rows:
        indicator, area, period, value, *rest = row
        breakdown = rest[0] if rest else ""
        status = rest[1] if len(rest) > 1 else "A"
        p = Period.parse(period)
        records.append(
            {
                "indicator": indicator, "area": area, "period": p.code, "breakdown": breakdown,
                "value": value, "status": status, "se": None, "ci_lower": None,
                "ci_upper": None, "period_start": p.start, "period_end": p.end,
            }
        )
    out = pd.DataFrame(records)
    for column in ("value", "se", "ci_lower", "ci_upper"):
        out[column] = out[column].astype(float)
    return out


FIRST = [
    ("IT.NET.USER.ZS", "KEN", "2021", 29.5),
    ("IT.NET.USER.ZS", "KEN", "2022", 32.7),
    ("IT.NET.USER.ZS", "UGA", "2022", 10.3),
    ("B3", "KEN", "2021", 12.25, "SIZE_CLASS=10-49"),
]


def load(store: Store, rows: list[tuple], digest: str) -> object:
    return store.load(frame(rows), source="test", content_hash=digest, file_name=f"{digest}.csv")


def values(result: pd.DataFrame) -> dict[tuple, float]:
    return {
        (r.indicator, r.area, r.period, r.breakdown): r.value for r in result.itertuples()
    }


def test_query_returns_what_was_loaded(store: Store):
    result = load(store, FIRST, "h1")
    assert (result.rows, result.inserted, result.revised) == (4, 4, 0)
    got = store.query()
    assert values(got) == {(r[0], r[1], r[2], r[4] if len(r) > 4 else ""): r[3] for r in FIRST}
    assert set(got["release_id"]) == {result.release_id}
    assert not got["synthetic"].any()


def test_identical_content_is_recognised_not_duplicated(store: Store):
    first = load(store, FIRST, "same-hash")
    again = load(store, FIRST, "same-hash")
    assert again.duplicate_of == first.release_id
    assert again.inserted == 0
    assert store.counts() == {"releases": 1, "observations": 4, "stored_rows": 4}


def test_revision_supersedes_and_vintages_reproduce_the_past(store: Store):
    load(store, FIRST, "v1")
    revised = [
        ("IT.NET.USER.ZS", "KEN", "2021", 29.5),  # unchanged
        ("IT.NET.USER.ZS", "KEN", "2022", 33.1),  # revised
        ("IT.NET.USER.ZS", "KEN", "2023", 35.0),  # new
    ]
    second = load(store, revised, "v2")
    assert (second.inserted, second.revised, second.unchanged) == (1, 1, 1)
    # The unchanged observation is not stored twice; the revised one is kept twice.
    assert store.counts() == {"releases": 2, "observations": 5, "stored_rows": 6}

    latest = values(store.query(indicators=["IT.NET.USER.ZS"]))
    assert latest[("IT.NET.USER.ZS", "KEN", "2022", "")] == 33.1
    assert latest[("IT.NET.USER.ZS", "KEN", "2023", "")] == 35.0
    # An observation the second release did not mention stays current.
    assert latest[("IT.NET.USER.ZS", "UGA", "2022", "")] == 10.3

    past = values(store.query(indicators=["IT.NET.USER.ZS"], vintage=1))
    assert past == {
        ("IT.NET.USER.ZS", "KEN", "2021", ""): 29.5,
        ("IT.NET.USER.ZS", "KEN", "2022", ""): 32.7,
        ("IT.NET.USER.ZS", "UGA", "2022", ""): 10.3,
    }
    history = store.history("IT.NET.USER.ZS", "KEN", "2022")
    assert history["value"].tolist() == [32.7, 33.1]
    assert history["superseded_by"].tolist()[0] == 2
    assert pd.isna(history["superseded_by"].tolist()[1])


def test_status_change_alone_is_a_revision(store: Store):
    load(store, [("IT.NET.USER.ZS", "KEN", "2022", 32.7, "", "P")], "p")
    result = load(store, [("IT.NET.USER.ZS", "KEN", "2022", 32.7, "", "A")], "a")
    assert result.revised == 1
    assert store.query()["status"].tolist() == ["A"]


def test_vintage_out_of_range_is_a_user_error(store: Store):
    load(store, FIRST, "v1")
    with pytest.raises(DeoError, match="no release 5"):
        store.query(vintage=5)


def test_filters(store: Store):
    load(store, FIRST, "v1")
    got = store.query(areas=["KEN"], start=date(2022, 1, 1), end=date(2022, 12, 31))
    assert values(got) == {("IT.NET.USER.ZS", "KEN", "2022", ""): 32.7}
    totals = store.query(breakdown="")
    assert "B3" not in set(totals["indicator"])
    sized = store.query(breakdown="SIZE_CLASS=10-49")
    assert values(sized) == {("B3", "KEN", "2021", "SIZE_CLASS=10-49"): 12.25}


def test_a_failure_while_writing_leaves_the_store_unchanged(store: Store, monkeypatch):
    load(store, FIRST, "v1")
    before = store.snapshot()

    calls = {"n": 0}
    original = Store._insert

    def failing_insert(conn, rows, release_id, step):
        calls["n"] += 1
        if calls["n"] == 2:  # the second file of the load
            raise RuntimeError("disk full")
        return original(conn, rows, release_id, step)

    monkeypatch.setattr(Store, "_insert", staticmethod(failing_insert))
    batches = [
        ReleaseBatch(frame([("IT.NET.USER.ZS", "KEN", "2022", 40.0)]), "test", "x1"),
        ReleaseBatch(frame([("IT.NET.USER.ZS", "TZA", "2022", 20.0)]), "test", "x2"),
    ]
    with pytest.raises(RuntimeError):
        store.load_releases(batches)
    after = store.snapshot()
    pd.testing.assert_frame_equal(before[0], after[0])
    pd.testing.assert_frame_equal(before[1], after[1])


def test_releases_keep_what_is_needed_to_trust_them(store: Store):
    store.load(frame(FIRST), source="UNCTAD", content_hash="abc", file_name="b.csv",
               format="csv", licence="CC-BY-4.0", note="first")
    release = store.releases().iloc[0]
    assert (release.source, release.file_name, release.format, release.content_hash,
            release.licence, release.row_count) == ("UNCTAD", "b.csv", "csv", "abc",
                                                    "CC-BY-4.0", 4)
    assert release.loaded_at is not None


def test_opening_twice_keeps_data_and_schema_at_head(store_url: str):
    first = Store.open(store_url)
    load(first, FIRST, "v1")
    first.close()
    second = Store.open(store_url)
    assert second.counts()["observations"] == 4
    tables = set(inspect(second.engine).get_table_names())
    assert {"releases", "observations", "alembic_version"} <= tables
    second.close()


def test_bad_database_url_is_a_user_error():
    with pytest.raises(DeoError, match="not a database URL"):
        Store.open("nonsense://")
