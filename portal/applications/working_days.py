"""Working days in England and Wales: due dates and how long the assessment clock stopped."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from config.settings import CONFIG_DIR
from portal.core.documents import DocumentInvalid, read_yaml

BANK_HOLIDAYS_PATH = CONFIG_DIR / "reference" / "bank_holidays.yaml"


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, days: int, holidays: Collection[date]) -> date:
    """The date `days` working days after `start` (`start` itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    left = days
    while left:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return day


def working_days_between(start: date, end: date, holidays: Collection[date]) -> int:
    """How many working days fall after `start`, up to and including `end` (0 if none)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return count


def read_bank_holidays(path: Path) -> frozenset[date]:
    document = read_yaml(path)
    rows = document.get("dates") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise DocumentInvalid([f"{path.name}: 'dates' must be a list"])
    problems = [
        f"{path.name}: row {n}: 'date' must be a date"
        for n, row in enumerate(rows, 1)
        if not isinstance(row, dict) or not isinstance(row.get("date"), date)
    ]
    if problems:
        raise DocumentInvalid(problems)
    return frozenset(row["date"] for row in rows)


@cache
def bank_holidays() -> frozenset[date]:
    """England and Wales bank holidays from the reference file, read once per process."""
    return read_bank_holidays(BANK_HOLIDAYS_PATH)
