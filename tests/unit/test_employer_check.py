"""The employer check's rules: reading numbers, the limit of 100, CSV files and safe cells."""

from __future__ import annotations

import pytest

from portal.register.employer_check import (
    CheckInputError,
    numbers_from_csv,
    numbers_from_text,
    safe_cell,
    to_csv,
)

pytestmark = pytest.mark.no_db


def test_numbers_are_read_one_a_line_or_comma_separated_each_once():
    assert numbers_from_text(" tst-2026-00001\nTST-2026-00002, tst-2026-00001 ,\n\n") == [
        "TST-2026-00001",
        "TST-2026-00002",
    ]


def test_one_hundred_numbers_are_checked_and_more_are_refused():
    hundred = "\n".join(f"N-{i}" for i in range(100))
    assert len(numbers_from_text(hundred)) == 100
    assert len(numbers_from_text(hundred + "\nN-0")) == 100  # a duplicate counts once
    with pytest.raises(
        CheckInputError, match=r"100 accreditation numbers or fewer at a time \(you gave 101\)"
    ):
        numbers_from_text(hundred + "\nN-100")


def test_a_csv_file_gives_its_number_column():
    content = "\ufeffName,Number\r\nAda,tst-1\r\nBen,TST-2\r\nAda again,tst-1\r\n".encode()
    assert numbers_from_csv(content) == ["TST-1", "TST-2"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,reference\r\nAda,TST-1\r\n", "column headed 'number'"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "must be a CSV file"),
        (b"", "is empty"),
        (b"number\r\n" + b"".join(f"N-{i}\r\n".encode() for i in range(101)), "100"),
    ],
)
def test_a_wrong_file_is_refused_with_a_reason(content, message):
    with pytest.raises(CheckInputError, match=message) as raised:
        numbers_from_csv(content)
    assert raised.value.field == "file"


@pytest.mark.parametrize("danger", ["=1+2", "+44", "-3", "@SUM(A1)", "\t=x"])
def test_cells_a_spreadsheet_would_run_are_defused(danger):
    assert safe_cell(danger) == "'" + danger
    assert safe_cell("Ada Lovelace") == "Ada Lovelace"


def test_the_csv_has_a_header_and_defused_cells():
    text = to_csv([("TST-1", "=HYPERLINK(1)", "Accredited", "Reviewer", "", "2029-01-01")])
    assert text.splitlines() == [
        "number,name,status,level,conditions,valid until",
        "TST-1,'=HYPERLINK(1),Accredited,Reviewer,,2029-01-01",
    ]
