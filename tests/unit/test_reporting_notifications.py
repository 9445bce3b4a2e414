"""Reading a notifications CSV: the whole file refused for what it is, every row checked, and
each good row sorted into add, change or already loaded."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from portal.reporting.notifications import (
    COLUMNS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    NotACsvFile,
    check_file,
    named_keys,
    read_csv,
    template_csv,
)

pytestmark = pytest.mark.no_db

TODAY = date(2026, 11, 26)
PARTNERSHIPS = {"leeds": 1, "york": 2}


def file_of(*rows, header=COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_the_template_has_the_columns_and_an_example():
    rows = list(csv.reader(io.StringIO(template_csv())))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7 ...", "a PDF"),
        (b"PK\x03\x04 spreadsheet", "CSV UTF-8"),
        (b"a,b\x00c", "not text"),
        (
            "partnership_code,month,notifications\nLeeds,2026-01,3\n".encode("cp1252") + b"\xe9",
            "UTF-8",
        ),
        (b"code,month,notifications\n", "no column partnership_code"),
        (b"partnership_code,month,notifications,extra\n", "columns the template does not"),
        (b'partnership_code,month,notifications\n"leeds,2026-01,3\n', "could not be read"),
        (b"x" * (MAX_UPLOAD_BYTES + 1), "smaller than 1 MB"),
    ],
)
def test_files_that_are_not_the_template_are_refused_whole(content, message):
    with pytest.raises(NotACsvFile, match=message):
        read_csv(content)


def test_too_many_rows_are_refused():
    content = file_of(*(["leeds", "2026-01", "1"] for _ in range(MAX_ROWS + 1)))
    with pytest.raises(NotACsvFile, match="up to 20,000 rows"):
        read_csv(content)


def test_every_bad_row_is_reported_by_its_line():
    content = file_of(
        ["leeds", "2026-01", "3"],
        ["nowhere", "2026-01", "3"],
        ["york", "2026-13", "3"],
        ["york", "2027-01", "3"],
        ["york", "2026-02", "-1"],
        ["york", "2026-03", "1001"],
        ["", "", ""],
        ["york", "", "two"],
        ["leeds", "2026-01", "4"],
        ["york", "2026-04"],
    )
    check = check_file(content, PARTNERSHIPS, {}, TODAY)
    problems = {row.line: row.problems for row in check.bad}
    assert set(problems) == {3, 4, 5, 6, 7, 9, 10, 11}
    assert problems[3] == ("There is no partnership with the code 'nowhere'",)
    assert "must be a real month" in problems[4][0]
    assert problems[5] == ("The month must not be in the future",)
    assert "whole number" in problems[6][0]
    assert "1000 or fewer" in problems[7][0]
    assert problems[9] == (
        "Enter the month, like 2026-04",
        "The number of notifications 'two' must be a whole number, like 3",
    )
    assert problems[10] == ("The same partnership and month as line 2",)
    assert "has 2 values" in problems[11][0]
    assert [row.line for row in check.good] == [2]


def test_rows_already_loaded_are_left_alone_and_changed_ones_corrected():
    content = file_of(["Leeds", "2026-01", "3"], ["york", "2026-1", "0"], ["york", "2026-02", "5"])
    existing = {("leeds", date(2026, 1, 1)): 3, ("york", date(2026, 1, 1)): 2}
    check = check_file(content, PARTNERSHIPS, existing, TODAY)
    assert [r.line for r in check.unchanged] == [2]
    assert [(r.line, before) for r, before in check.changed] == [(3, 2)]
    assert [r.line for r in check.added] == [4]
    assert check.writes == 2


def test_the_same_file_twice_writes_nothing_the_second_time():
    content = file_of(["leeds", "2026-01", "3"], ["york", "2026-02", "5"])
    first = check_file(content, PARTNERSHIPS, {}, TODAY)
    loaded = {r.key: r.notifications for r in first.added}
    second = check_file(content, PARTNERSHIPS, loaded, TODAY)
    assert second.writes == 0
    assert len(second.unchanged) == 2


def test_named_keys_are_the_months_a_file_can_be_read_for():
    rows = read_csv(file_of(["Leeds", "2026-01", "3"], ["york", "nonsense", "1"]))
    assert named_keys(rows) == [("leeds", date(2026, 1, 1))]
