"""Problems and LoadRejected: messages name file, row, column, value and what was expected."""

from __future__ import annotations

import pytest

from deo.core import DeoError, LoadRejected, Problem

AREA = Problem(
    file="ict_2023.csv",
    row=7,
    column="ISO3",
    value="ke",
    expected="an ISO 3166-1 alpha-3 code (did you mean KEN?)",
    rule="unknown-area",
)


def test_problem_names_everything_a_user_needs():
    text = str(AREA)
    assert text == (
        "ict_2023.csv, row 7, column 'ISO3': got 'ke'; "
        "expected an ISO 3166-1 alpha-3 code (did you mean KEN?) [unknown-area]"
    )


def test_problem_order_is_file_row_column_value_expected_rule():
    text = str(AREA)
    positions = [
        text.index(part)
        for part in ("ict_2023.csv", "row 7", "'ISO3'", "'ke'", "expected", "[unknown-area]")
    ]
    assert positions == sorted(positions)


def test_problem_without_row_column_or_value():
    p = Problem("data.xlsx", None, None, None, "a sheet named Data", "missing-sheet")
    text = str(p)
    assert text == "data.xlsx; expected a sheet named Data [missing-sheet]"
    assert "row" not in text and "got" not in text and "column" not in text


def test_an_empty_value_is_shown_not_hidden():
    p = Problem("f.csv", 3, "value", "", "a number", "missing-value")
    assert "got ''" in str(p)
    assert "row 3" in str(p)


def test_value_is_quoted_so_spaces_show():
    p = Problem("f.csv", 2, "period", " 2023 ", "a period", "bad-period")
    assert "got ' 2023 '" in str(p)


def _problems(n: int) -> list[Problem]:
    return [
        Problem("f.csv", row, "value", f"x{row}", "a number", "not-a-number")
        for row in range(2, n + 2)
    ]


def test_load_rejected_lists_the_problems():
    problems = _problems(3)
    exc = LoadRejected(problems)
    message = str(exc)
    assert isinstance(exc, DeoError)
    assert exc.problems == problems
    assert message.startswith("3 problem(s); nothing was loaded.")
    for p in problems:
        assert str(p) in message
    assert "more" not in message
    assert "rejected records" not in message


def test_load_rejected_shows_ten_and_counts_the_rest():
    problems = _problems(25)
    message = str(LoadRejected(problems))
    assert message.startswith("25 problem(s)")
    for p in problems[:10]:
        assert str(p) in message
    assert str(problems[10]) not in message
    assert "'x12'" not in message  # row 12 is the eleventh problem
    assert "... and 15 more" in message


def test_load_rejected_names_the_rejects_file():
    exc = LoadRejected(_problems(1), rejects_path="/data/rejects/f.rejects.csv")
    assert exc.rejects_path == "/data/rejects/f.rejects.csv"
    assert str(exc).rstrip().endswith("/data/rejects/f.rejects.csv")


def test_load_rejected_is_raised_and_caught_as_a_user_error():
    with pytest.raises(DeoError, match="row 2, column 'value': got 'x2'"):
        raise LoadRejected(_problems(1))
