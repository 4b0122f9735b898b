"""Reference periods: annual ("2023"), quarterly ("2023-Q2"), monthly ("2023-04") and daily
("2023-04-15", as SDMX writes days; exchange rates are published daily)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_ANNUAL = re.compile(r"^(\d{4})(?:-A1)?$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-M?(0[1-9]|1[0-2])$")
_DAY = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])-(\d{2})$")

FREQUENCIES = {"A": "annual", "Q": "quarterly", "M": "monthly", "D": "daily"}
EXPECTED = "a period such as 2023, 2023-Q2, 2023-04 or 2023-04-15"


class PeriodError(ValueError):
    """Text that is not a period we know."""


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A reference period. ``code`` is canonical; ``start``/``end`` are inclusive dates."""

    start: date
    end: date
    code: str
    freq: str

    @classmethod
    def parse(cls, text: str | int) -> Period:
        """Parse a period. Accepts SDMX spellings too ("2023Q2", "2023-M04", "2023-A1")."""
        raw = str(text).strip()
        if raw.endswith(".0") and raw[:-2].isdigit():  # a year that went through a float column
            raw = raw[:-2]
        if re.match(r"^0000(?!\d)", raw):  # no year 0: date() would raise a bare ValueError
            raise PeriodError(f"{raw!r} is not {EXPECTED} (there is no year 0000)")
        if m := _ANNUAL.match(raw):
            year = int(m.group(1))
            return cls(date(year, 1, 1), date(year, 12, 31), f"{year:04d}", "A")
        if m := _QUARTER.match(raw):
            year, quarter = int(m.group(1)), int(m.group(2))
            start = date(year, 3 * quarter - 2, 1)
            return cls(start, _month_end(year, 3 * quarter), f"{year:04d}-Q{quarter}", "Q")
        if m := _MONTH.match(raw):
            year, month = int(m.group(1)), int(m.group(2))
            code = f"{year:04d}-{month:02d}"
            return cls(date(year, month, 1), _month_end(year, month), code, "M")
        if m := _DAY.match(raw):
            year, month, day = (int(g) for g in m.groups())
            if not 1 <= day <= calendar.monthrange(year, month)[1]:
                raise PeriodError(f"{raw!r} is not {EXPECTED} ({year:04d}-{month:02d} has no "
                                  f"day {day})")
            start = date(year, month, day)
            return cls(start, start, start.isoformat(), "D")
        raise PeriodError(f"{raw!r} is not {EXPECTED}")

    @property
    def year(self) -> int:
        return self.start.year

    def sdmx(self) -> str:
        """The SDMX TIME_PERIOD spelling ("2023", "2023-Q2", "2023-04", "2023-04-15")."""
        return self.code

    def __str__(self) -> str:
        return self.code


def _month_end(year: int, month: int) -> date:
    # Not "first of next month minus a day": that overflows for December 9999.
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_range(text: str | None) -> tuple[Period | None, Period | None]:
    """Parse "2015:2020", "2015:", ":2020-Q2" or a single period into (first, last)."""
    if not text:
        return None, None
    if ":" not in text:
        p = Period.parse(text)
        return p, p
    first, _, last = text.partition(":")
    start = Period.parse(first) if first else None
    end = Period.parse(last) if last else None
    if start is not None and end is not None and start.start > end.end:
        # A reversed range would silently select nothing.
        raise PeriodError(f"{text!r}: the range starts ({start}) after it ends ({end})")
    return start, end
