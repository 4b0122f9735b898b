"""Errors a user can act on, and the validation problems a load reports."""

from __future__ import annotations

from dataclasses import dataclass


class DeoError(Exception):
    """A mistake the user can fix (bad input, unknown code, missing file).

    The CLI prints the message and exits with status 1; it never shows a traceback.
    """


class NotFoundError(DeoError):
    """The thing asked for does not exist (the API answers 404)."""


class PermissionDenied(DeoError):
    """The signed-in user's role does not allow this (the API answers 403)."""


class Conflict(DeoError):
    """Someone else changed the record since it was read (the API answers 409)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one cell of an input file.

    ``row`` is the row number as the user sees it in the source (a CSV header is row 1,
    so the first record is row 2); ``column`` is the column name in the source file.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    rule: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        shown = "" if self.value is None else f": got {self.value!r}"
        return f"{where}{shown}; expected {self.expected} [{self.rule}]"


class LoadRejected(DeoError):
    """A load found problems; nothing was written."""

    def __init__(self, problems: list[Problem], rejects_path: str | None = None):
        self.problems = problems
        self.rejects_path = rejects_path
        first = "\n  ".join(str(p) for p in problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        kept = f"\nAll rejected records and reasons: {rejects_path}" if rejects_path else ""
        super().__init__(
            f"{len(problems)} problem(s); nothing was loaded.\n  {first}{more}{kept}"
        )
