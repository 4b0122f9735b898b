"""Disclosure control: no published cell is below the minimum count or fails the dominance
rule, and no lone suppressed cell can be recovered from its published total (a property
test over random tables), plus a worked example."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from deo.measure.records.disclosure import primary, protect
from deo.measure.records.recipe import Disclosure

RULE = Disclosure(min_records=5, min_contributors=2, dominance_n=1, dominance_k=0.8)
PARTNERS = ["USA", "DEU", "FRA", "JPN", "KEN"]


@st.composite
def tables(draw):
    """A total and its PARTNER breakdown for one period: cells that add up."""
    rows = []
    for partner in draw(st.lists(st.sampled_from(PARTNERS), min_size=1, max_size=5,
                                 unique=True)):
        records = draw(st.integers(1, 40))
        cents = draw(st.integers(records, 10_000))
        top = draw(st.integers(1, cents))
        contributors = draw(st.integers(1, records))
        rows.append({"table": "PARTNER", "partner": partner, "records": records,
                     "cents": cents, "top_cents": top, "contributors": contributors})
    frame = pd.DataFrame(rows)
    total = {"table": "", "partner": None, "records": int(frame["records"].sum()),
             "cents": int(frame["cents"].sum()), "top_cents": int(frame["top_cents"].max()),
             "contributors": int(frame["contributors"].sum())}
    out = pd.concat([pd.DataFrame([total]), frame], ignore_index=True)
    for column in ("product", "customer", "channel"):
        out[column] = None
    return out.assign(period_start=date(2024, 1, 1), direction="EXP")


@settings(max_examples=200, deadline=None)
@given(tables())
def test_published_cells_meet_every_rule(cells):
    hidden = protect(cells, RULE)
    shown = cells[~hidden]
    assert (shown["records"] >= RULE.min_records).all()
    assert (shown["contributors"] >= RULE.min_contributors).all()
    assert (shown["top_cents"] <= RULE.dominance_k * shown["cents"]).all()
    # Every cell a rule flags is withheld (secondary suppression only adds).
    assert not (primary(cells, RULE) & ~hidden).any()


@settings(max_examples=200, deadline=None)
@given(tables())
def test_no_lone_suppressed_cell_beside_a_published_total(cells):
    hidden = protect(cells, RULE)
    breakdown = hidden[cells["table"] == "PARTNER"]
    total_shown = not hidden[cells["table"] == ""].all()
    if total_shown:
        assert breakdown.sum() != 1


def test_worked_example():
    cells = pd.DataFrame({
        "table": ["", "PARTNER", "PARTNER", "PARTNER"],
        "partner": [None, "USA", "DEU", "FRA"],
        "records": [60, 30, 27, 3],          # FRA: too few records
        "cents": [10_000, 5_000, 4_500, 500],
        "top_cents": [2_000, 2_000, 1_000, 200],
        "contributors": [12, 5, 5, 2],
    }).assign(period_start=date(2024, 1, 1), direction="EXP", product=None, customer=None,
              channel=None)
    assert list(primary(cells, RULE)) == [False, False, False, True]
    # FRA alone would be total - USA - DEU: DEU, the smaller open cell, goes too.
    assert list(protect(cells, RULE)) == [False, False, True, True]
    dominated = cells.assign(top_cents=[2_000, 4_500, 1_000, 200])  # one firm: 90% of USA
    assert list(primary(dominated, RULE)) == [False, True, False, True]
