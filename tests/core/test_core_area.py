"""Group memberships over time: inclusive since/until, open ends, members on a date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deo.core import Area, Group, Membership

GRADUATED = Membership("LDC", "BTN", until=date(2023, 12, 12))  # last day on the list
JOINED = Membership("EAC", "SOM", since=date(2024, 3, 4))
BETWEEN = Membership("X", "AAA", since=date(2010, 1, 1), until=date(2012, 12, 31))
ALWAYS = Membership("X", "BBB")


@pytest.mark.parametrize(
    ("membership", "day", "active"),
    [
        (GRADUATED, date(1971, 1, 1), True),
        (GRADUATED, date(2023, 12, 12), True),  # until is inclusive
        (GRADUATED, date(2023, 12, 13), False),
        (JOINED, date(2024, 3, 3), False),
        (JOINED, date(2024, 3, 4), True),  # since is inclusive
        (JOINED, date(2099, 1, 1), True),
        (BETWEEN, date(2009, 12, 31), False),
        (BETWEEN, date(2010, 1, 1), True),
        (BETWEEN, date(2012, 12, 31), True),
        (BETWEEN, date(2013, 1, 1), False),
        (ALWAYS, date(1, 1, 1), True),
        (ALWAYS, date(9999, 12, 31), True),
    ],
)
def test_active_on(membership, day, active):
    assert membership.active_on(day) is active


@given(st.dates(), st.dates(), st.dates())
def test_active_exactly_between_since_and_until(a, b, day):
    since, until = sorted((a, b))
    assert Membership("G", "AAA", since=since, until=until).active_on(day) == (
        since <= day <= until
    )
    assert Membership("G", "AAA", since=since).active_on(day) == (since <= day)
    assert Membership("G", "AAA", until=until).active_on(day) == (day <= until)


GROUP = Group(
    code="X",
    name={"en": "Example group", "fr": "Groupe exemple"},
    source="test",
    memberships=(
        BETWEEN,
        ALWAYS,
        Membership("X", "CCC", since=date(2020, 7, 1)),
        # Left and came back: listed twice, a member once.
        Membership("X", "DDD", until=date(2011, 6, 30)),
        Membership("X", "DDD", since=date(2015, 1, 1)),
    ),
)


@pytest.mark.parametrize(
    ("day", "members"),
    [
        (date(2005, 1, 1), ["BBB", "DDD"]),
        (date(2011, 6, 30), ["AAA", "BBB", "DDD"]),
        (date(2011, 7, 1), ["AAA", "BBB"]),
        (date(2013, 1, 1), ["BBB"]),
        (date(2020, 7, 1), ["BBB", "CCC", "DDD"]),
    ],
)
def test_group_members_on_a_date(day, members):
    assert GROUP.members(on=day) == members


def test_group_members_default_to_today():
    group = Group(
        code="Y",
        name={"en": "y"},
        source="test",
        memberships=(
            Membership("Y", "OLD", until=date.today() - timedelta(days=1)),
            Membership("Y", "NOW", since=date.today()),
            Membership("Y", "FUTURE", since=date.today() + timedelta(days=1)),
        ),
    )
    assert group.members() == ["NOW"]
    assert group.members() == group.members(on=date.today())


def test_members_are_sorted_and_unique():
    group = Group(
        code="Z",
        name={"en": "z"},
        source="test",
        memberships=tuple(Membership("Z", m) for m in ["ZMB", "AGO", "KEN", "AGO"]),
    )
    assert group.members(on=date(2020, 1, 1)) == ["AGO", "KEN", "ZMB"]


def test_area_label_falls_back_to_english():
    area = Area("KEN", "economy", {"en": "Kenya", "es": "Kenia"}, m49="404", iso2="KE")
    assert area.label("es") == "Kenia"
    assert area.label("zh") == "Kenya"
