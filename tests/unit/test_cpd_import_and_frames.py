"""Reading a CSV of CPD activities, row by row, and the export frames: columns and the guard
against spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from portal.core.csv_files import NotACsvFile
from portal.cpd.frames import COLUMNS as EXPORT_COLUMNS
from portal.cpd.frames import ActivityRow, activities_frame, defuse, to_csv, to_xlsx
from portal.cpd.imports import (
    COLUMNS,
    EXAMPLE_ROW,
    MAX_IMPORT_BYTES,
    ImportContext,
    check_file,
    read_csv,
    template_csv,
)
from portal.cpd.rules import cpd_years

pytestmark = pytest.mark.no_db

TODAY = date(2026, 6, 1)
CONTEXT = ImportContext(
    starts_on=date(2025, 1, 10),
    expires_on=date(2028, 1, 10),
    years=cpd_years(date(2025, 1, 10), date(2028, 1, 10)),
    competencies={"AB1", "CD1"},
    today=TODAY,
)


def row(**changes: str) -> dict[str, str]:
    values = dict(EXAMPLE_ROW)
    values.update(starts_on="2026-03-02", ends_on="2026-03-03")
    values.update(changes)
    return values


def csv_of(*rows: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for values in rows:
        writer.writerow(values)
    return buffer.getvalue().encode()


def problems_of(*rows: dict[str, str], existing=()) -> list[tuple[int, tuple[str, ...]]]:
    check, _ = check_file(csv_of(*rows), CONTEXT, set(existing))
    return [(r.line, r.problems) for r in check.bad]


def test_the_template_has_every_column_and_an_example_row_that_passes() -> None:
    content = template_csv().encode()
    header = content.decode().splitlines()[0].split(",")
    assert tuple(header) == COLUMNS
    context = ImportContext(
        starts_on=date(2026, 1, 1),
        expires_on=date(2029, 1, 1),
        years=cpd_years(date(2026, 1, 1), date(2029, 1, 1)),
        competencies={"AB1", "CD1"},
        today=TODAY,
    )
    check, _ = check_file(content, context, set())
    assert [r.line for r in check.good] == [2]
    assert check.bad == []


def test_good_rows_are_read_with_their_values() -> None:
    check, _ = check_file(csv_of(row(), row(title="Second", peer_discussion="no")), CONTEXT, set())
    assert [r.line for r in check.good] == [2, 3]
    first = check.good[0].data
    assert first is not None
    assert first.hours == 50
    assert first.participatory_hours == 32
    assert first.competencies == ("AB1", "CD1")
    assert first.peer_discussion is True
    second = check.good[1].data
    assert second is not None
    assert second.peer_name is None


def test_a_label_can_name_the_activity_type() -> None:
    check, _ = check_file(csv_of(row(activity_type="Reading and research")), CONTEXT, set())
    assert check.good[0].data is not None
    assert check.good[0].data.activity_type == "reading"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"starts_on": "2026-02-30"}, "first day must be a real date"),
        ({"starts_on": "next Tuesday"}, "first day must be a real date"),
        ({"ends_on": "2026-03-01"}, "last day must be the same as or after"),
        ({"starts_on": "2024-12-01", "ends_on": ""}, "must fall within your accreditation"),
        ({"starts_on": "2025-02-01", "ends_on": ""}, "CPD year has closed"),
        ({"starts_on": "2026-07-01", "ends_on": ""}, "taken place by today"),
        ({"hours": "-2"}, "Hours must be between 0.25 and 200"),
        ({"hours": "10000", "participatory_hours": "0"}, "Hours must be between 0.25 and 200"),
        ({"hours": "1.3"}, "quarter hours"),
        ({"hours": "lots"}, "as a number"),
        ({"hours": ""}, "Enter the hours"),
        ({"participatory_hours": "20"}, "cannot be more than the hours"),
        ({"participatory_hours": "-1"}, "cannot be negative"),
        ({"activity_type": "webinar"}, "'webinar' is not one of"),
        ({"competencies": "AB1; ZZ9"}, "Competencies not in your framework: ZZ9"),
        ({"competencies": ""}, "Select at least one competency"),
        ({"learning": ""}, "Say what you learned"),
        ({"impact": "  "}, "Say what impact"),
        ({"peer_discussion": "maybe"}, "Peer discussion must be yes or no"),
        ({"peer_name": ""}, "Enter the name of the peer"),
        ({"title": ""}, "Enter a title"),
        ({"learning": "Talking with his mother Jane helped."}, "may identify"),
    ],
)
def test_each_bad_value_is_reported_on_its_line(changes: dict[str, str], says: str) -> None:
    found = problems_of(row(title="Good one"), row(**changes))
    assert len(found) == 1
    line, problems = found[0]
    assert line == 3
    assert any(says in p for p in problems), problems


def test_a_row_with_the_wrong_number_of_values_is_reported() -> None:
    content = csv_of(row()) + b"only,three,values\n"
    check, _ = check_file(content, CONTEXT, set())
    assert [(r.line, r.problems) for r in check.bad] == [
        (3, ("The row has 3 values where the template has 16",))
    ]


def test_the_same_activity_twice_in_a_file_is_reported_as_a_duplicate() -> None:
    found = problems_of(row(), row(title=" systems analysis in  practice reviews "))
    assert found == [(3, ("The same activity (date, title and provider) as line 2",))]


def test_rows_already_in_the_record_are_left_out_not_refused() -> None:
    first, _ = check_file(csv_of(row()), CONTEXT, set())
    assert first.good[0].key is not None
    check, already = check_file(csv_of(row(), row(title="New")), CONTEXT, {first.good[0].key})
    assert [r.line for r in check.good] == [3]
    assert [r.line for r in already] == [2]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty"),
        (b"%PDF-1.4\n\x00\x01binary", "this one is a PDF"),
        (b"PK\x03\x04rest of a zip", "save it as 'CSV UTF-8'"),
        (b"title\x00,hours\n", "not text"),
        ("title,hours\n".encode("utf-16"), "CSV file"),
        (b"\xff\xfe\xfa not utf-8", "UTF-8"),
        (b"title,when,hours\nA,B,C\n", "has no column activity_type"),
        (csv_of(row(), columns=(*COLUMNS, "extra")), "columns the template does not: extra"),
        (b'"' + ",".join(COLUMNS).encode() + b'\n"unterminated', "could not be read"),
        (csv_of(row()) + b"x" * MAX_IMPORT_BYTES, "smaller than 1 MB"),
    ],
)
def test_a_file_that_is_not_the_templates_csv_is_refused_as_a_whole(
    content: bytes, says: str
) -> None:
    with pytest.raises(NotACsvFile, match=says):
        read_csv(content)


def test_a_file_with_too_many_rows_is_refused() -> None:
    with pytest.raises(NotACsvFile, match="up to 500"):
        read_csv(csv_of(*[row(title=f"Course {n}") for n in range(501)]))


def test_a_byte_order_mark_and_blank_lines_are_accepted() -> None:
    content = "\ufeff".encode() + csv_of(row()) + b"\r\n,,,,,,,,,,,,,,,\r\n"
    assert [line for line, _ in read_csv(content)] == [2]


def _activity(**changes: object) -> ActivityRow:
    values: dict[str, object] = {
        "status": "Completed",
        "cpd_year": 1,
        "activity_type": "Formal course or training",
        "title": "Systems course",
        "description": "Two days.",
        "relevance": "I review.",
        "starts_on": date(2026, 3, 2),
        "ends_on": None,
        "provider": "Invented Training Ltd",
        "hours": "7.5",
        "participatory_hours": "3",
        "competencies": "AB1; CD1",
        "learning": "Learned.",
        "impact": "Impact.",
        "peer_discussion": "No",
        "peer_name": "",
        "peer_role": "",
        "peer_learning": "",
    }
    values.update(changes)
    return ActivityRow(**values)  # type: ignore[arg-type]


def test_the_frame_has_a_readable_column_for_each_field() -> None:
    frame = activities_frame([_activity(), _activity(title="Second")])
    assert list(frame.columns) == list(EXPORT_COLUMNS.values())
    assert list(frame["Title"]) == ["Systems course", "Second"]
    assert activities_frame([]).shape == (0, len(EXPORT_COLUMNS))


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_text_a_spreadsheet_would_run_is_defused(start: str) -> None:
    formula = f'{start}HYPERLINK("http://invalid")'
    frame = activities_frame([_activity(title=formula, learning=formula)])
    assert frame["Title"][0] == "'" + formula
    assert frame["What I learned"][0] == "'" + formula
    assert defuse("Plain text") == "Plain text"
    assert defuse(7) == 7
    rows = list(csv.reader(io.StringIO(to_csv(frame).decode("utf-8-sig"))))
    assert rows[1][3] == "'" + formula
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame))).active
    assert sheet is not None
    assert sheet.cell(row=2, column=4).value == "'" + formula
    assert sheet.cell(row=1, column=4).value == "Title"
