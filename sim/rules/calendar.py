"""Months as integers: the model steps monthly on calendar dates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DATE_FORMS = "'YYYY-MM' or 'YYYY-MM-DD'"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def month_index(year: int, month: int) -> int:
    """Count of months since year 0: consecutive months differ by one."""
    return year * 12 + (month - 1)


def month_label(index: int) -> str:
    """`YYYY-MM` for a month index."""
    year, month0 = divmod(index, 12)
    return f"{year:04d}-{month0 + 1:02d}"


class DateError(ValueError):
    """A value that is not a date. `problem` says why; the text also names the forms allowed
    where the problem does not already say them."""

    def __init__(self, problem: str, forms: bool = False):
        self.problem = problem
        super().__init__(f"{problem}; expected {DATE_FORMS}" if forms else problem)


def parse_date(value: object) -> tuple[int, int]:
    """Parse `YYYY-MM`, `YYYY-MM-DD` or a TOML date into (month index, day of month).

    A month without a day counts as day 0, so it sorts before any dated event of that month.
    Raises DateError (a ValueError) with a short reason.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return month_index(value.year, value.month), value.day
    if not isinstance(value, str):
        raise DateError(f"expected a date string {DATE_FORMS}, found {type(value).__name__}")
    match = _DAY.match(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
        try:
            dt.date(year, month, day)
        except ValueError as exc:
            raise DateError(f"'{value}' is not a calendar date ({exc})") from None
        return month_index(year, month), day
    match = _MONTH.match(value)
    if match:
        year, month = (int(g) for g in match.groups())
        if not 1 <= month <= 12:
            raise DateError(f"'{value}' has month {month}; months run 01-12")
        return month_index(year, month), 0
    raise DateError(f"'{value}' is not a date", forms=True)


def date_label(month: int, day: int) -> str:
    """`YYYY-MM-DD` when the day is known, else `YYYY-MM`."""
    return f"{month_label(month)}-{day:02d}" if day else month_label(month)


@dataclass(frozen=True)
class Window:
    """The months `first` to `last`, both included, less the months of `gap` (first, last) if
    given: a training window that leaves one episode out."""

    first: int
    last: int
    gap: tuple[int, int] | None = None

    def holds(self, month: int) -> bool:
        inside = self.first <= month <= self.last
        return inside and not (self.gap is not None and self.gap[0] <= month <= self.gap[1])

    @property
    def months(self) -> int:
        return sum(1 for month in range(self.first, self.last + 1) if self.holds(month))
