"""Working days in England and Wales, and the bank holidays file they come from."""

from __future__ import annotations

from datetime import date

import pytest

from portal.applications.working_days import (
    BANK_HOLIDAYS_PATH,
    add_working_days,
    bank_holidays,
    read_bank_holidays,
    working_days_between,
)
from portal.core.documents import DocumentInvalid

pytestmark = pytest.mark.no_db

HOLIDAYS = bank_holidays()


def test_ten_working_days_from_a_monday_is_the_monday_two_weeks_on():
    assert add_working_days(date(2026, 3, 2), 10, HOLIDAYS) == date(2026, 3, 16)


def test_weekends_do_not_count():
    # From a Friday, one working day is the Monday.
    assert add_working_days(date(2026, 3, 6), 1, HOLIDAYS) == date(2026, 3, 9)
    assert add_working_days(date(2026, 3, 7), 1, HOLIDAYS) == date(2026, 3, 9)


def test_easter_and_substitute_days_do_not_count():
    # Thursday 2 April 2026: Good Friday and Easter Monday are skipped.
    assert add_working_days(date(2026, 4, 2), 1, HOLIDAYS) == date(2026, 4, 7)
    # Christmas 2027 falls at a weekend: Monday 27 and Tuesday 28 December are holidays.
    assert add_working_days(date(2027, 12, 24), 1, HOLIDAYS) == date(2027, 12, 29)
    assert add_working_days(date(2027, 12, 31), 1, HOLIDAYS) == date(2028, 1, 4)


def test_without_holidays_only_weekends_are_skipped():
    assert add_working_days(date(2026, 4, 2), 1, frozenset()) == date(2026, 4, 3)


def test_zero_days_is_the_same_day_and_negative_days_are_refused():
    assert add_working_days(date(2026, 3, 2), 0, HOLIDAYS) == date(2026, 3, 2)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 3, 2), -1, HOLIDAYS)


def test_working_days_between_counts_after_the_start_up_to_the_end():
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 11), HOLIDAYS) == 3
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 6), HOLIDAYS) == 0
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 7), HOLIDAYS) == 1
    assert working_days_between(date(2026, 3, 11), date(2026, 3, 6), HOLIDAYS) == 0


def test_the_file_has_eight_weekday_holidays_a_year_from_2025_to_2028():
    for year in range(2025, 2029):
        days = sorted(d for d in HOLIDAYS if d.year == year)
        assert len(days) == 8, year
        assert all(d.weekday() < 5 for d in days), year
    assert read_bank_holidays(BANK_HOLIDAYS_PATH) == HOLIDAYS


def test_a_broken_holidays_file_reports_its_problems(tmp_path):
    path = tmp_path / "bank_holidays.yaml"
    path.write_text("dates:\n  - {date: not-a-date}\n  - {name: no date}\n")
    with pytest.raises(DocumentInvalid) as raised:
        read_bank_holidays(path)
    assert len(raised.value.problems) == 2
