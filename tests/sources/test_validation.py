"""Validation of raw frames: one test per rule, canonical codes for good rows, rejects kept.

Rows are counted as the user sees them in the file: the CSV header is row 1, so the first
record is row 2. Columns are named as the file names them (``ISO3``, not ``area``).
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from deo.catalogue import Catalogue
from deo.core import OBSERVATION_COLUMNS, Problem
from deo.sources.formats import get_format
from deo.sources.validation import Validated, validate

HEADER = "Series,ISO3,Year,Obs_Value,Obs_Status"


@pytest.fixture
def check(tmp_path: Path, catalogue: Catalogue):
    """Write CSV lines to a file, read it with the CSV reader and validate it.

    ``catalogue`` is the shared fixture: the shipped catalogue without office additions.
    """

    def run(*lines: str, name: str = "upload.csv") -> Validated:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        raw = get_format("csv").read(path)
        return validate(raw, name, catalogue)

    return run


def only_problem(result: Validated) -> Problem:
    problems = result.problem_list()
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def assert_rejected(result: Validated, row: int, rule: str, column: str) -> pd.Series:
    """The record of ``row`` is in ``rejected`` with a reason naming the rule and column."""
    hit = result.rejected[result.rejected["_row"] == row]
    assert len(hit) == 1, result.rejected
    record = hit.iloc[0]
    assert rule in record["reason"] and column in record["reason"]
    return record


GOOD = "IT.NET.USER.ZS,KEN,2022,32.7,"


# -- unknown-indicator -------------------------------------------------------------------


def test_unknown_indicator(check):
    result = check(HEADER + ",Sex", GOOD + ",", "IT.NET.USERS.ZS,KEN,2022,32.7,,F")
    p = only_problem(result)
    assert (p.file, p.row, p.column, p.value, p.rule) == (
        "upload.csv",
        3,
        "Series",
        "IT.NET.USERS.ZS",
        "unknown-indicator",
    )
    assert "indicator code" in p.expected
    assert result.frame["indicator"].tolist() == ["IT.NET.USER.ZS"]
    record = assert_rejected(result, 3, "unknown-indicator", "Series")
    assert record["indicator"] == "IT.NET.USERS.ZS"  # the record as the user wrote it


def test_unknown_indicator_beside_breakdowns_and_range_checks(check):
    # Unknown indicators must not break the per-indicator checks on the other rows.
    result = check(
        HEADER + ",Sex,size_class",
        "NOPE,KEN,2022,500,,F,small",
        "IT.NET.USER.ZS,KEN,2022,140,,F,",
    )
    rules = [(p.row, p.rule) for p in result.problem_list()]
    assert rules == [(2, "unknown-indicator"), (3, "out-of-range")]


# -- unknown-area ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "hint"),
    [("ke", "KEN"), ("KE", "KEN"), ("404", "KEN"), ("Ken", "KEN"), ("ldc", "LDC")],
)
def test_unknown_area_with_hint(check, area, hint):
    result = check(HEADER, GOOD, f"IT.NET.USER.ZS,{area},2022,32.7,")
    p = only_problem(result)
    assert (p.row, p.column, p.value, p.rule) == (3, "ISO3", area, "unknown-area")
    assert "alpha-3" in p.expected and hint in p.expected
    assert_rejected(result, 3, "unknown-area", "ISO3")
    assert len(result.frame) == 1


def test_regions_and_groups_are_areas(check):
    result = check(HEADER, "IT.NET.USER.ZS,202,2022,30,", "IT.NET.USER.ZS,LDC,2022,25,")
    assert result.ok
    assert result.frame["area"].tolist() == ["202", "LDC"]


# -- bad-period --------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["2023-13", "20x3", "2023-Q5", "0000", "FY2023"])
def test_bad_period(check, period):
    result = check(HEADER, GOOD, f"IT.NET.USER.ZS,KEN,{period},32.7,")
    p = only_problem(result)
    assert (p.row, p.column, p.value, p.rule) == (3, "Year", period, "bad-period")
    assert "2023-Q2" in p.expected
    assert_rejected(result, 3, "bad-period", "Year")


def test_periods_are_canonical_with_dates(check):
    result = check(
        HEADER,
        "IT.NET.USER.ZS,KEN,2023Q2,1,",
        "IT.NET.USER.ZS,KEN,2024-M02,2,",
        "IT.NET.USER.ZS,KEN,2022.0,3,",
        "IT.NET.USER.ZS,KEN,9999-12,4,",
    )
    assert result.ok, result.problem_list()
    frame = result.frame
    assert frame["period"].tolist() == ["2023-Q2", "2024-02", "2022", "9999-12"]
    assert frame["period_start"].tolist() == [
        date(2023, 4, 1),
        date(2024, 2, 1),
        date(2022, 1, 1),
        date(9999, 12, 1),
    ]
    assert frame["period_end"].tolist() == [
        date(2023, 6, 30),
        date(2024, 2, 29),
        date(2022, 12, 31),
        date(9999, 12, 31),
    ]


# -- not-a-number ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["32,7", "abc", "12%", "inf"])
def test_not_a_number(check, value):
    result = check(HEADER, GOOD, f'IT.NET.USER.ZS,KEN,2021,"{value}",')
    rules = {p.rule for p in result.problem_list()}
    assert "not-a-number" in rules
    p = next(p for p in result.problem_list() if p.rule == "not-a-number")
    assert (p.row, p.column, p.value) == (3, "Obs_Value", value)
    assert "number" in p.expected
    assert_rejected(result, 3, "not-a-number", "Obs_Value")


# -- missing-value -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "..", "NA"])
def test_missing_value_without_a_missing_status(check, value):
    result = check(HEADER, GOOD, f"IT.NET.USER.ZS,KEN,2021,{value},")
    p = only_problem(result)
    assert (p.row, p.column, p.value, p.rule) == (3, "Obs_Value", value, "missing-value")
    assert "M, O" in p.expected  # says which statuses allow an empty value
    assert_rejected(result, 3, "missing-value", "Obs_Value")


@pytest.mark.parametrize("status", ["M", "O", "m", "Q"])
def test_empty_value_with_a_missing_status_is_accepted(check, status):
    result = check(HEADER, GOOD, f"IT.NET.USER.ZS,KEN,2021,,{status}")
    assert result.ok, [str(p) for p in result.problem_list()]
    assert result.rejected.empty
    row = result.frame.iloc[1]
    assert math.isnan(row["value"])
    assert row["status"] == status.upper()


def test_empty_value_with_a_normal_status_is_missing(check):
    result = check(HEADER, "IT.NET.USER.ZS,KEN,2021,,A")
    assert only_problem(result).rule == "missing-value"


# -- bad-status --------------------------------------------------------------------------


def test_bad_status(check):
    result = check(HEADER, GOOD, "IT.NET.USER.ZS,KEN,2021,30,Z")
    p = only_problem(result)
    assert (p.row, p.column, p.value, p.rule) == (3, "Obs_Status", "Z", "bad-status")
    assert "OBS_STATUS" in p.expected
    assert_rejected(result, 3, "bad-status", "Obs_Status")


def test_statuses_are_upper_case_and_default_to_normal(check):
    result = check(HEADER, "IT.NET.USER.ZS,KEN,2021,30,e", "IT.NET.USER.ZS,KEN,2022,31,")
    assert result.frame["status"].tolist() == ["E", "A"]


# -- bad-uncertainty ---------------------------------------------------------------------

UNC_HEADER = HEADER + ",std_err,lower,upper"


@pytest.mark.parametrize(
    ("cells", "column", "value"),
    [
        ("-0.5,,", "std_err", "-0.5"),
        ("abc,,", "std_err", "abc"),
        (",lo,", "lower", "lo"),
        (",,inf", "upper", "inf"),
    ],
)
def test_bad_uncertainty_value(check, cells, column, value):
    result = check(UNC_HEADER, GOOD + ",1.2,30,35", f"IT.NET.USER.ZS,KEN,2021,30,,{cells}")
    p = only_problem(result)
    assert (p.row, p.column, p.value, p.rule) == (3, column, value, "bad-uncertainty")
    # A standard error cannot be negative; a confidence bound can (a change, a balance).
    expected = "a finite non-negative number" if column == "std_err" else "a finite number"
    assert p.expected.startswith(expected)
    assert_rejected(result, 3, "bad-uncertainty", column)


def test_crossed_confidence_interval(check):
    result = check(UNC_HEADER, GOOD + ",,30,35", "IT.NET.USER.ZS,KEN,2021,30,,,36,34")
    p = only_problem(result)
    assert (p.row, p.column, p.value, p.rule) == (3, "lower", "36", "bad-uncertainty")
    assert "ci_lower <= ci_upper" in p.expected


def test_uncertainty_is_kept_for_valid_rows(check):
    result = check(UNC_HEADER, GOOD + ",1.25,30.2,35.1", "IT.NET.USER.ZS,KEN,2021,30,,0,30,30")
    assert result.ok
    first, second = result.frame.iloc[0], result.frame.iloc[1]
    assert (first["se"], first["ci_lower"], first["ci_upper"]) == (1.25, 30.2, 35.1)
    assert (second["se"], second["ci_lower"], second["ci_upper"]) == (0.0, 30.0, 30.0)


# -- unknown-code ------------------------------------------------------------------------


def test_unknown_breakdown_code(check):
    result = check(HEADER + ",size_class", "B3,KEN,2021,45,,small", "B3,KEN,2021,12,,huge")
    p = only_problem(result)
    assert (p.row, p.column, p.value, p.rule) == (3, "size_class", "huge", "unknown-code")
    assert "SIZE_CLASS" in p.expected and "10-49" in p.expected  # lists the valid codes
    assert_rejected(result, 3, "unknown-code", "size_class")


def test_unknown_partner(check):
    result = check(
        HEADER + ",PARTNER", "UNCTAD.DDS.EXP,KEN,2021,45,,UGA", "UNCTAD.DDS.EXP,KEN,2021,1,,XX"
    )
    p = only_problem(result)
    assert (p.row, p.column, p.value, p.rule) == (3, "PARTNER", "XX", "unknown-code")
    assert result.frame["breakdown"].tolist() == ["PARTNER=UGA"]


# -- breakdown-not-allowed ---------------------------------------------------------------


def test_breakdown_not_allowed(check):
    result = check(HEADER + ",size_class", GOOD + ",", "IT.NET.USER.ZS,KEN,2021,30,,small")
    p = only_problem(result)
    # The value as the file spells it, and what the indicator does allow.
    assert (p.row, p.column, p.value, p.rule) == (3, "size_class", "small", "breakdown-not-allowed")
    assert "IT.NET.USER.ZS allows SEX, AGE, URBANISATION" in p.expected
    assert_rejected(result, 3, "breakdown-not-allowed", "size_class")


def test_total_codes_are_allowed_for_any_indicator(check):
    result = check(HEADER + ",size_class", GOOD + ",_T", "IT.NET.USER.ZS,KEN,2021,30,,total")
    assert result.ok
    assert result.frame["breakdown"].tolist() == ["", ""]


# -- out-of-range ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["140", "-0.5", "100.01"])
def test_out_of_range(check, value):
    result = check(HEADER, GOOD, f"IT.NET.USER.ZS,KEN,2021,{value},")
    p = only_problem(result)
    assert (p.row, p.column, p.value, p.rule) == (3, "Obs_Value", value, "out-of-range")
    assert "between 0 and 100" in p.expected and "IT.NET.USER.ZS" in p.expected
    assert_rejected(result, 3, "out-of-range", "Obs_Value")


def test_bounds_are_inclusive(check):
    result = check(HEADER, "IT.NET.USER.ZS,KEN,2021,100,", "IT.NET.USER.ZS,KEN,2020,0,")
    assert result.ok
    assert result.frame["value"].tolist() == [100.0, 0.0]


# -- duplicate-key -----------------------------------------------------------------------


def test_duplicate_key_names_the_first_row(check):
    result = check(
        HEADER,
        GOOD,  # row 2
        "IT.NET.USER.ZS,KEN,2021,30.1,",  # row 3: another year
        "IT.NET.USER.ZS,UGA,2022,20,",  # row 4: another area
        "IT.NET.USER.ZS,KEN,2022,33.0,",  # row 5: same key as row 2
    )
    p = only_problem(result)
    assert (p.row, p.column, p.rule) == (5, "Series", "duplicate-key")
    assert "IT.NET.USER.ZS" in p.value and "KEN" in p.value and "2022" in p.value
    assert "row 2" in p.expected
    assert_rejected(result, 5, "duplicate-key", "Series")
    assert result.frame["value"].tolist() == [32.7, 30.1, 20.0]  # the first one is kept


def test_duplicates_are_found_through_aliases_and_spellings(check):
    result = check(
        HEADER + ",Sex",
        "IT.NET.USER.ZS,KEN,2022,32.7,,F",
        "IT.NET.USER.ZS,KEN,2022,35.0,,M",  # another breakdown: not a duplicate
        "internet_users_pct,KEN,2022-A1,33.0,,female",  # the same key as row 2
    )
    p = only_problem(result)
    assert (p.row, p.rule) == (4, "duplicate-key")
    assert "row 2" in p.expected


# -- good rows come out canonical --------------------------------------------------------


def test_valid_rows_get_canonical_codes(check):
    result = check(
        HEADER + ",size_class,Sex",
        "internet_users_pct,KEN,2022,32.7,,,Female",
        "B3,KEN,2021,45,,SME,",
        "B12_IDEL,KEN,2021,12,,small,",
        "B12,KEN,2021,80,,large,",
        "B1,KEN,2021,90,,total,",
    )
    assert result.ok, [str(p) for p in result.problem_list()]
    frame = result.frame
    assert list(frame.columns) == [*OBSERVATION_COLUMNS, "period_start", "period_end"]
    assert frame[["indicator", "breakdown"]].values.tolist() == [
        ["IT.NET.USER.ZS", "SEX=F"],
        ["B3", "SIZE_CLASS=10-249"],
        # The alias fixes INTERNET_ACTIVITY; the file's column gives the size class.
        ["B12", "INTERNET_ACTIVITY=IDEL;SIZE_CLASS=10-49"],
        ["B12", "SIZE_CLASS=GE250"],
        ["B1", ""],
    ]
    assert frame["value"].tolist() == [32.7, 45.0, 12.0, 80.0, 90.0]
    assert result.rejected.empty
    assert result.problems.empty


def test_every_problem_is_reported_at_once_in_file_order(check):
    result = check(
        HEADER,
        "IT.NET.USER.ZS,ke,2022,140,",  # two problems on one row
        GOOD,
        "IT.NET.USER.ZS,KEN,20x2,1,Z",
    )
    problems = [(p.row, p.column, p.rule) for p in result.problem_list()]
    assert sorted(problems) == [
        (2, "ISO3", "unknown-area"),
        (2, "Obs_Value", "out-of-range"),
        (4, "Obs_Status", "bad-status"),
        (4, "Year", "bad-period"),
    ]
    assert [row for row, _, _ in problems] == [2, 2, 4, 4]
    assert len(result.frame) == 1
    assert result.rejected["_row"].tolist() == [2, 4]
    reason = result.rejected.iloc[0]["reason"]
    assert "unknown-area in ISO3" in reason and "out-of-range in Obs_Value" in reason
    # The rejects keep the records as the file gave them.
    assert result.rejected.iloc[0]["area"] == "ke"
    assert result.rejected.iloc[0]["value"] == "140"


# -- raw frames built in code (the reader contract) --------------------------------------


def test_raw_frame_without_row_numbers_counts_from_two(catalogue):
    raw = pd.DataFrame(
        {
            "indicator": ["IT.NET.USER.ZS", "IT.NET.USER.ZS"],
            "area": ["KEN", "KEN"],
            "period": ["2021", "2022"],
            "value": ["30", "300"],
        }
    )
    p = only_problem(validate(raw, "frame", catalogue))
    assert (p.file, p.row, p.column, p.rule) == ("frame", 3, "value", "out-of-range")


def test_source_column_names_and_row_numbers_come_from_the_reader(catalogue):
    # As an XLSX reader would hand over: data starting on sheet row 5, the file's own names.
    raw = pd.DataFrame(
        {
            "indicator": ["IT.NET.USER.ZS", "IT.NET.USER.ZS"],
            "area": ["KEN", "Kenya"],
            "period": [2021, 2022],
            "value": [30.0, 31.0],
            "_row": [5, 6],
        }
    )
    raw.attrs["source_columns"] = {"area": "Country code", "period": "Year"}
    result = validate(raw, "book.xlsx", catalogue)
    p = only_problem(result)
    assert (p.file, p.row, p.column, p.value) == ("book.xlsx", 6, "Country code", "Kenya")
    assert result.frame["period"].tolist() == ["2021"]


def test_numeric_value_columns(catalogue):
    # Parquet and spreadsheets give floats: NaN is an empty cell, not "not a number".
    raw = pd.DataFrame(
        {
            "indicator": ["IT.NET.USER.ZS"] * 3,
            "area": ["KEN"] * 3,
            "period": [2020.0, 2021.0, 2022.0],
            "value": [np.nan, np.nan, 101.0],
            "status": ["M", "", ""],
        }
    )
    result = validate(raw, "data.parquet", catalogue)
    assert [(p.row, p.rule) for p in result.problem_list()] == [
        (3, "missing-value"),
        (4, "out-of-range"),
    ]
    assert result.frame["period"].tolist() == ["2020"]
    assert result.frame["status"].tolist() == ["M"]


def test_negative_confidence_bound_is_accepted(check):
    result = check(UNC_HEADER, "IT.NET.USER.ZS,KEN,2021,0.5,,0.2,-0.3,1.3")
    assert result.ok
    assert result.frame[["se", "ci_lower", "ci_upper"]].values.tolist() == [[0.2, -0.3, 1.3]]


def test_infinite_value_is_reported_once(check):
    result = check(HEADER, "IT.NET.USER.ZS,KEN,2021,inf")
    assert result.problems["rule"].tolist() == ["not-a-number"]


def test_duplicate_key_message_names_the_breakdown(check):
    header = "indicator,area,year,value,SEX"
    result = check(header, "IT.NET.USER.ZS,KEN,2021,30,F", "IT.NET.USER.ZS,KEN,2021,31,female")
    p = only_problem(result)
    assert p.rule == "duplicate-key" and p.value == "IT.NET.USER.ZS/KEN/2021/SEX=F"
    assert "first given on row 2" in p.expected
