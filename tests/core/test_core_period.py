"""Reference periods: parsing every accepted spelling, calendar bounds, ordering and ranges."""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from deo.core import Period, PeriodError
from deo.core.period import parse_range

years = st.integers(min_value=1, max_value=9999)
months = st.integers(min_value=1, max_value=12)
quarters = st.integers(min_value=1, max_value=4)


# -- annual ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2023", 2023, "2023-A1", "2023.0", " 2023 ", "2023.0 "])
def test_annual_spellings(text):
    p = Period.parse(text)
    assert (p.code, p.freq, p.year) == ("2023", "A", 2023)
    assert (p.start, p.end) == (date(2023, 1, 1), date(2023, 12, 31))
    assert str(p) == p.sdmx() == "2023"


def test_annual_code_is_zero_padded():
    # SDMX TIME_PERIOD years have four digits, also before the year 1000.
    p = Period.parse("0999")
    assert p.code == "0999"
    assert p.start == date(999, 1, 1)


# -- quarterly ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2023-Q2", "2023Q2", " 2023-Q2"])
def test_quarter_spellings(text):
    p = Period.parse(text)
    assert (p.code, p.freq, p.year) == ("2023-Q2", "Q", 2023)
    assert (p.start, p.end) == (date(2023, 4, 1), date(2023, 6, 30))


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [
        (1, date(2023, 1, 1), date(2023, 3, 31)),
        (2, date(2023, 4, 1), date(2023, 6, 30)),
        (3, date(2023, 7, 1), date(2023, 9, 30)),
        (4, date(2023, 10, 1), date(2023, 12, 31)),
    ],
)
def test_quarter_bounds(quarter, start, end):
    p = Period.parse(f"2023-Q{quarter}")
    assert (p.start, p.end) == (start, end)


@given(years, quarters)
@example(9999, 4)  # the last quarter there is: its end must not overflow into year 10000
@example(1, 1)
def test_quarter_is_its_three_months(year, quarter):
    q = Period.parse(f"{year:04d}-Q{quarter}")
    first = Period.parse(f"{year:04d}-{3 * quarter - 2:02d}")
    last = Period.parse(f"{year:04d}-{3 * quarter:02d}")
    assert q.start == first.start
    assert q.end == last.end
    assert q.code == f"{year:04d}-Q{quarter}"


# -- monthly -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2023-04", "2023-M04", " 2023-M04 "])
def test_month_spellings(text):
    p = Period.parse(text)
    assert (p.code, p.freq, p.year) == ("2023-04", "M", 2023)
    assert (p.start, p.end) == (date(2023, 4, 1), date(2023, 4, 30))


@pytest.mark.parametrize(
    ("text", "last_day"),
    [
        ("2024-02", 29),  # divisible by 4
        ("2023-02", 28),
        ("1900-02", 28),  # divisible by 100, not by 400
        ("2000-02", 29),  # divisible by 400
        ("2023-12", 31),
        ("2023-11", 30),
    ],
)
def test_month_end_follows_the_calendar(text, last_day):
    p = Period.parse(text)
    assert p.end == p.start.replace(day=last_day)


def test_leap_quarter_and_year_bounds():
    assert Period.parse("2024-Q1").end == date(2024, 3, 31)
    assert (Period.parse("2024").end - Period.parse("2024").start).days == 365  # 366 days
    assert (Period.parse("2023").end - Period.parse("2023").start).days == 364


@given(years, months)
@example(9999, 12)
@example(2024, 2)
def test_month_bounds_match_calendar_module(year, month):
    p = Period.parse(f"{year:04d}-{month:02d}")
    assert p.start == date(year, month, 1)
    assert p.end == date(year, month, calendar.monthrange(year, month)[1])


# -- canonical codes and ordering --------------------------------------------------------


@given(
    st.one_of(
        years.map(lambda y: f"{y:04d}"),
        st.tuples(years, quarters).map(lambda t: f"{t[0]:04d}Q{t[1]}"),
        st.tuples(years, months).map(lambda t: f"{t[0]:04d}-M{t[1]:02d}"),
    )
)
def test_parsing_the_canonical_code_gives_the_same_period(text):
    p = Period.parse(text)
    assert Period.parse(p.code) == p
    assert Period.parse(p.sdmx()) == p


@given(st.tuples(years, months), st.tuples(years, months))
def test_months_order_chronologically(a, b):
    pa = Period.parse(f"{a[0]:04d}-{a[1]:02d}")
    pb = Period.parse(f"{b[0]:04d}-{b[1]:02d}")
    assert (pa < pb) == (a < b)
    assert (pa == pb) == (a == b)


@given(st.tuples(years, quarters), st.tuples(years, quarters))
def test_quarters_order_chronologically(a, b):
    pa = Period.parse(f"{a[0]:04d}-Q{a[1]}")
    pb = Period.parse(f"{b[0]:04d}-Q{b[1]}")
    assert (pa < pb) == (a < b)


def test_sorting_mixed_frequencies_follows_start_dates():
    texts = ["2024-01", "2023", "2023-Q4", "2022-12", "2023-Q1", "2024"]
    ordered = [p.code for p in sorted(Period.parse(t) for t in texts)]
    # 2023-Q1 and 2023 start on the same day: the shorter period comes first.
    assert ordered == ["2022-12", "2023-Q1", "2023", "2023-Q4", "2024-01", "2024"]


# -- daily -----------------------------------------------------------------------------


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_every_calendar_day_is_a_daily_period_of_one_day(day):
    p = Period.parse(day.isoformat())
    assert (p.code, p.freq, p.start, p.end) == (day.isoformat(), "D", day, day)
    assert p.year == day.year


def test_leap_day_only_in_leap_years():
    assert Period.parse("2024-02-29").start == date(2024, 2, 29)
    assert Period.parse("2000-02-29").freq == "D"
    with pytest.raises(PeriodError, match="has no day 29"):
        Period.parse("1900-02-29")


def test_days_sort_inside_their_month():
    codes = ["2024-02", "2024-01-31", "2024-02-01", "2024-01"]
    assert [p.code for p in sorted(map(Period.parse, codes))] == [
        "2024-01", "2024-01-31", "2024-02-01", "2024-02"]  # by start, then end


# -- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "23",
        "20234",
        "20x3",
        "2023-Q0",
        "2023-Q5",
        "2023Q",
        "Q2-2023",
        "2023-00",
        "2023-13",
        "2023-M13",
        "2023-4",
        "2023/04",
        "2023-A2",
        "2023.5",
        "2023-02-29",
        "2024-02-30",
        "2023-04-31",
        "2023-04-00",
        "2023-13-01",
        "2023-04-1",
        "0000-01-01",
        "0000",
        "0000-Q1",
        "0000-01",
        "last year",
    ],
)
def test_bad_periods_raise_period_error_naming_the_text(text):
    with pytest.raises(PeriodError) as info:
        Period.parse(text)
    message = str(info.value)
    assert repr(text.strip()) in message  # what was wrong
    assert "2023-Q2" in message and "2023-04" in message  # what is expected
    assert isinstance(info.value, ValueError)


# -- ranges ------------------------------------------------------------------------------


def test_closed_range():
    first, last = parse_range("2015:2020")
    assert (first.code, last.code) == ("2015", "2020")
    assert (first.start, last.end) == (date(2015, 1, 1), date(2020, 12, 31))


def test_open_ranges():
    first, last = parse_range("2015:")
    assert first == Period.parse("2015") and last is None
    first, last = parse_range(":2020-Q2")
    assert first is None and last.end == date(2020, 6, 30)


def test_single_period_is_a_range_of_one():
    first, last = parse_range("2023-M04")
    assert first == last == Period.parse("2023-04")


@pytest.mark.parametrize("text", [None, ""])
def test_no_range_means_unbounded(text):
    assert parse_range(text) == (None, None)


def test_mixed_frequency_range():
    first, last = parse_range("2023-Q3:2023")  # starts inside the year it ends with
    assert (first.start, last.end) == (date(2023, 7, 1), date(2023, 12, 31))


@pytest.mark.parametrize("text", ["2020:2015", "2023-Q3:2023-Q2", "2023-05:2023-04"])
def test_reversed_range_is_an_error(text):
    with pytest.raises(PeriodError) as info:
        parse_range(text)
    first, _, last = text.partition(":")
    assert first in str(info.value) and last in str(info.value)


def test_range_with_a_bad_end_names_it():
    with pytest.raises(PeriodError, match="'20x0'"):
        parse_range("2015:20x0")


@given(st.tuples(years, months), st.tuples(years, months))
def test_range_bounds_cover_both_ends(a, b):
    lo, hi = sorted([a, b])
    first, last = parse_range(f"{lo[0]:04d}-{lo[1]:02d}:{hi[0]:04d}-{hi[1]:02d}")
    assert first.start == date(lo[0], lo[1], 1)
    assert last.end == date(hi[0], hi[1], calendar.monthrange(*hi)[1])
