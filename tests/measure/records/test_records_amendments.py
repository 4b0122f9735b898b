"""The amendment rule (docs/records.md, section 5; issue 13, item 10): an amendment replaces
the declaration it amends only if the amendment itself stands after every check (exchange
rate and outliers included); a record that amends itself and amendments in a cycle are
rejected with their reason, not silently dropped; two standing amendments of one declaration
are both rejected as conflicting and the declaration stays counted. The same on both engines.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deo.measure.records import run_recipe
from deo.measure.records.standardise import amendment_outcomes

HEADER = ["declaration_id", "amendment_of", "declaration_date", "regime", "direction", "origin",
          "destination", "hs_code", "hs_version", "declared_value", "currency", "quantity",
          "weight_kg", "customer", "platform"]
#: (id, amends, value, currency): exports of CHN, in January 2024
ROWS = [
    ("D1", "", "10", "USD"), ("A1", "D1", "11", "EUR"),          # amendment: no EUR rate
    ("D2", "", "20", "USD"), ("A2", "D2", "2000000", "USD"),     # amendment: an outlier
    ("D3", "D3", "99", "USD"),                                   # amends itself
    ("D4", "D5", "98", "USD"), ("D5", "D4", "97", "USD"),        # amend each other
    ("D6", "", "30", "USD"), ("A6", "D6", "31", "USD"), ("B6", "D6", "32", "USD"),  # two
    ("D7", "", "40", "USD"), ("A7", "D7", "45", "USD"),          # a good amendment
    ("D8", "", "50", "USD"), ("A8", "D8", "3000000", "USD"), ("B8", "A8", "55", "USD"),
]


def _write(folder: Path) -> Path:
    path = folder / "amendments.csv"
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for key, amends, value, currency in ROWS:
            out.writerow([key, amends, "2024-01-15", "9610", "E", "CHN", "USA", "851712",
                          "HS2017", value, currency, "1", "", "B2C", f"P-{key}"])
    return path


@pytest.fixture(scope="module")
def report(engine, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"amendments-{engine}")
    rates = pd.DataFrame([("CNY", "2024-01", 7.0)], columns=["currency", "period", "value"])
    return run_recipe("customs-ecommerce", [_write(folder)], engine=engine, reporter="CHN",
                      rates=rates, save=False, rejects_folder=folder)


def test_rejected_amendments_leave_the_original_counted(report):
    a = report.accounting
    assert a.balanced and a.rows_read == len(ROWS)
    # D1 and D2 stay (their amendments are rejected), D6 stays (two conflicting amendments),
    # A7 replaces D7, B8 replaces the outlier A8 which replaces D8 (a chain).
    assert a.counted == 5 and a.amended == 3
    assert a.rejected == {"no-exchange-rate": 1, "outlier:value-above-1m": 1,
                          "amends-itself": 1, "amendment-cycle": 2, "conflicting-amendment": 2}
    total = report.cells[report.cells["table"] == ""]
    assert total["records"].tolist() == [5]
    assert total["cents"].tolist() == [(10 + 20 + 30 + 45 + 55) * 100]


def test_the_rejects_dataset_names_each_amendment_and_why(report):
    rejects = pd.read_parquet(report.rejects_path / "standardise.parquet")
    found = dict(zip(rejects["record_key"], rejects["rule"], strict=True))
    assert found == {"A1": "no-exchange-rate", "A2": "outlier:value-above-1m",
                     "D3": "amends-itself", "D4": "amendment-cycle", "D5": "amendment-cycle",
                     "A6": "conflicting-amendment", "B6": "conflicting-amendment"}


def test_the_rule_on_its_own():
    def rule(*links):
        return amendment_outcomes(links)

    assert rule(("A", "D", True)) == {"D": "amended"}
    assert rule(("A", "D", False)) == {}  # a rejected amendment replaces nothing
    assert rule(("D", "D", True)) == {"D": "amends-itself"}
    assert rule(("A", "B", True), ("B", "C", True), ("C", "A", True)) == dict.fromkeys(
        "ABC", "amendment-cycle")
    # a chain: only the last amendment stands, even through a rejected middle one
    assert rule(("B", "A", True), ("C", "B", True)) == {"A": "amended", "B": "amended"}
    assert rule(("B", "A", False), ("C", "B", True)) == {"A": "amended", "B": "amended"}
    assert rule(("B", "A", True), ("C", "B", False)) == {"A": "amended"}
    # two standing amendments conflict, with the amendments of them; a rejected one does not
    assert rule(("B", "A", True), ("C", "A", True), ("E", "C", True)) == {
        "B": "conflicting-amendment", "C": "conflicting-amendment",
        "E": "conflicting-amendment"}
    assert rule(("B", "A", True), ("C", "A", False)) == {"A": "amended"}
    # amendments into a cycle are rejected with it: C and D would both count
    assert rule(("A", "B", True), ("B", "A", True), ("C", "A", True), ("D", "B", True),
                ("E", "C", True)) == dict.fromkeys("ABCDE", "amendment-cycle")


def test_a_long_chain_needs_no_recursion():
    n = 50_000
    links = [(f"R{i + 1}", f"R{i}", True) for i in range(n)]
    found = amendment_outcomes(links)
    assert len(found) == n and set(found.values()) == {"amended"} and f"R{n}" not in found


KEYS = [f"K{i}" for i in range(8)]
#: Each of 8 records amends nothing, or one of 10 keys (K8 and K9 are not in the data).
GRAPHS = st.lists(st.tuples(st.none() | st.sampled_from([*KEYS, "K8", "K9"]), st.booleans()),
                  min_size=8, max_size=8)


@given(GRAPHS)
def test_no_declaration_is_counted_twice(graph):
    """Whatever the amendments, each group of records linked by amendments (a declaration
    and its corrections) counts at most one record; if its first declaration is accepted
    and amends nothing, exactly one."""
    links = [(k, amends, ok) for k, (amends, ok) in zip(KEYS, graph, strict=True) if amends]
    found = amendment_outcomes(links)
    accepted = dict(zip(KEYS, (ok for _a, ok in graph), strict=True))
    counted = {k for k in KEYS if k not in found and accepted[k]}
    group = {k: k for k in KEYS}

    def root(k: str) -> str:
        while group[k] != k:
            k = group[k]
        return k

    for k, amends, _ok in links:
        if amends in group:
            group[root(k)] = root(amends)
    members: dict[str, set[str]] = {}
    for k in KEYS:
        members.setdefault(root(k), set()).add(k)
    for keys in members.values():
        assert len(keys & counted) <= 1, (links, found)
        firsts = [k for k in keys if graph[KEYS.index(k)][0] is None]
        if firsts and accepted[firsts[0]]:
            assert len(keys & counted) == 1, (links, found)
