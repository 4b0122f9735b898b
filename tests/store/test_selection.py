"""Selecting observations as users ask for them: groups by membership over time,
aliases that fix a breakdown, and clear errors."""

from __future__ import annotations

import pytest

from deo.core import DeoError
from deo.sources.load import load_files
from deo.store.selection import Selection, resolve_breakdown, select

ROWS = """indicator,area,period,breakdown,value
IT.NET.USER.ZS,GBR,2019,,92.5
IT.NET.USER.ZS,GBR,2020,,94.8
IT.NET.USER.ZS,FRA,2019,,83.3
IT.NET.USER.ZS,FRA,2020,,84.8
IT.NET.USER.ZS,KEN,2020,,22.6
B12,KEN,2020,,11.0
B12,KEN,2020,INTERNET_ACTIVITY=IDEL,7.0
B12,KEN,2020,INTERNET_ACTIVITY=ICUST,5.0
"""


@pytest.fixture
def filled(store, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(ROWS)
    load_files(store, [path])
    return store


def keys(frame) -> set[tuple[str, str, str]]:
    return {(r.indicator, r.area, r.period) for r in frame.itertuples()}


def test_a_group_counts_its_members_for_the_periods_they_belonged(filled, catalogue):
    got = select(filled, catalogue, Selection(indicators=["IT.NET.USER.ZS"], groups=["EU"]))
    # The UK left the EU on 31 January 2020: in the EU's 2019, not in its 2020.
    assert keys(got) == {
        ("IT.NET.USER.ZS", "GBR", "2019"),
        ("IT.NET.USER.ZS", "FRA", "2019"),
        ("IT.NET.USER.ZS", "FRA", "2020"),
    }


def test_an_area_named_beside_a_group_is_always_kept(filled, catalogue):
    got = select(filled, catalogue, Selection(areas=["GBR"], groups=["EU"], period="2020"))
    assert ("IT.NET.USER.ZS", "GBR", "2020") in keys(got)


def test_a_region_expands_to_its_economies(filled, catalogue):
    got = select(filled, catalogue, Selection(indicators=["IT.NET.USER.ZS"], groups=["002"]))
    assert keys(got) == {("IT.NET.USER.ZS", "KEN", "2020")}


def test_an_alias_with_a_fixed_breakdown_selects_only_it(filled, catalogue):
    got = select(filled, catalogue, Selection(indicators=["B12_IDEL"]))
    assert got[["breakdown", "value"]].values.tolist() == [["INTERNET_ACTIVITY=IDEL", 7.0]]
    every = select(filled, catalogue, Selection(indicators=["B12"]))
    assert len(every) == 3


def test_breakdown_spellings(catalogue):
    assert resolve_breakdown("total", catalogue) == ""
    assert resolve_breakdown("all", catalogue) is None
    assert resolve_breakdown("size_class=10-49;sex=female", catalogue) == "SEX=F;SIZE_CLASS=10-49"
    with pytest.raises(DeoError, match="unknown breakdown dimension 'GENDER'"):
        resolve_breakdown("GENDER=F", catalogue)
    with pytest.raises(DeoError, match="SEX=X: expected a SEX code"):
        resolve_breakdown("SEX=X", catalogue)


def test_an_aggregate_cannot_be_expanded(filled, catalogue):
    with pytest.raises(DeoError, match="WLD .* is an aggregate"):
        select(filled, catalogue, Selection(groups=["WLD"]))


def test_vintage_on_an_empty_store(store, catalogue):
    with pytest.raises(DeoError, match="the store has no release yet"):
        select(store, catalogue, Selection(vintage=1))
