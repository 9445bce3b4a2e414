"""Calendar arithmetic the features share, and today's date in England."""

from __future__ import annotations

from datetime import date, datetime

from portal.core.templating import LONDON


def today_in_england() -> date:
    """The date on the calendar in England now (a UTC date is wrong for an hour each night)."""
    return datetime.now(LONDON).date()


def add_years(day: date, years: int) -> date:
    """The same day `years` later (or earlier, when negative); 29 February becomes 28
    February in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), or the month's last day when it is shorter."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover  (every month has a 28th)
