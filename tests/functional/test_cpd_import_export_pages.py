"""CPD import and export through HTTP: the template, the upload refused as a whole, the report of
bad rows, nothing written before confirmation, and the downloads."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest

from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.cpd.imports import COLUMNS, EXAMPLE_ROW
from portal.cpd.models import CpdEntry
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_cpd_entry, make_cpd_requirements, make_record, make_user
from tests.files import pdf_bytes
from tests.support import error_messages, page_checks, sign_in_as, submit

TODAY = utcnow().date()
DAY = (TODAY - timedelta(days=4)).isoformat()


@pytest.fixture
def record():
    make_cpd_requirements()
    return make_record(starts_on=TODAY - timedelta(days=60))


@pytest.fixture
def reviewer(client, record):
    sign_in_as(client, record.user)
    return record.user


def csv_of(*rows: dict[str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for values in rows:
        writer.writerow({**EXAMPLE_ROW, "starts_on": DAY, "ends_on": "", **values})
    return buffer.getvalue().encode()


def upload(client, content: bytes, name: str = "activities.csv"):
    return submit(client, "/cpd/import", {"file": (io.BytesIO(content), name)})


def test_the_template_downloads_as_csv_with_the_columns(client, reviewer):
    response = client.get("/cpd/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="cpd-activities-template.csv"'
    )
    header = next(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert tuple(header) == COLUMNS


def test_the_import_pages_follow_the_page_rules(client, reviewer, record):
    page_checks(client.get("/cpd/import"), service_name=SERVICE_NAME)
    assert upload(client, csv_of({})).status_code == 302
    page_checks(client.get("/cpd/import/check"), service_name=SERVICE_NAME)
    page_checks(client.get("/cpd/export/print"), service_name=SERVICE_NAME)


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (pdf_bytes(), "activities.csv", "must be a CSV file"),
        (b"title,hours\nCourse,2\n", "activities.csv", "column headings"),
        (b"\xff\xfe\xfa\xfb", "activities.csv", "UTF-8"),
        (csv_of({}) + b"x" * (1024 * 1024), "big.csv", "smaller than 1 MB"),
    ],
)
def test_a_file_that_is_not_the_templates_csv_is_refused_clearly(
    client, reviewer, content, name, says
):
    response = upload(client, content, name)
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert any(says in m for m in error_messages(soup)), error_messages(soup)
    assert client.get("/cpd/import/check").status_code == 302


def test_no_file_is_an_error_beside_the_field(client, reviewer):
    soup = page_checks(submit(client, "/cpd/import", {}), service_name=SERVICE_NAME)
    assert error_messages(soup) == ["Select a CSV file to upload"]


def test_the_report_lists_bad_rows_and_nothing_is_written_until_confirmed(client, reviewer, record):
    content = csv_of(
        {"title": "Good course"},
        {"title": "Bad date", "starts_on": "2026-13-40"},
        {"title": "Unknown competency", "competencies": "ZZ9"},
        {"title": "Another good course", "peer_discussion": "no"},
    )
    assert upload(client, content).status_code == 302
    assert count(CpdEntry) == 0
    soup = page_checks(client.get("/cpd/import/check"), service_name=SERVICE_NAME)
    rows = soup.select("#rows-with-problems + p + table tbody tr")
    report = [" ".join(row.get_text(" ", strip=True).split()) for row in rows]
    assert len(report) == 2
    assert report[0].startswith("Line 3 Bad date")
    assert "first day must be a real date" in report[0]
    assert report[1].startswith("Line 4 Unknown competency")
    assert "Competencies not in your framework: ZZ9" in report[1]
    assert "2 rows can be added; 2 rows cannot" in soup.get_text(" ", strip=True)
    assert count(CpdEntry) == 0

    confirmed = submit(client, "/cpd/import/check", {})
    assert confirmed.status_code == 302
    titles = sorted(e.title for e in db.session.query(CpdEntry).all())
    assert titles == ["Another good course", "Good course"]
    assert client.get("/cpd/import/check").status_code == 302  # the staged file is gone

    # The same file again: the two good rows are already there, nothing more is written.
    upload(client, content)
    soup = page_checks(client.get("/cpd/import/check"), service_name=SERVICE_NAME)
    assert "2 rows are already in your record" in soup.get_text(" ", strip=True)
    assert soup.select_one("#rows-to-add") is None
    assert count(CpdEntry) == 2


def test_the_staged_file_belongs_to_the_session_that_uploaded_it(client, app, reviewer, record):
    upload(client, csv_of({}))
    other = app.test_client()
    sign_in_as(other, make_record().user)
    assert other.get("/cpd/import/check").status_code == 302


def test_the_record_downloads_as_csv_and_xlsx_with_formulas_defused(client, reviewer, record):
    entry = make_cpd_entry(record, title='=HYPERLINK("http://invalid")')
    make_cpd_entry(record, title="Plain course")
    db.session.commit()
    response = client.get("/cpd/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="cpd-record-{record.number}.csv"'
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Status", "CPD year", "Type of activity", "Title"]
    assert sorted(r[3] for r in rows[1:]) == ["'" + entry.title, "Plain course"]

    response = client.get("/cpd/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="cpd-record-{record.number}.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    titles = sorted(str(sheet.cell(row=n, column=4).value) for n in (2, 3))
    assert titles == ["'" + entry.title, "Plain course"]


def test_the_printable_record_shows_every_activity(client, reviewer, record):
    make_cpd_entry(record, title="Printed course", peer=True)
    soup = page_checks(client.get("/cpd/export/print"), service_name=SERVICE_NAME)
    text = soup.get_text(" ", strip=True)
    assert "Printed course" in text
    assert "Invented Peer, Accredited reviewer" in text
    assert record.number in text


def test_a_reviewer_without_a_record_cannot_import_or_export(client):
    sign_in_as(client, make_user(roles=[Role.REVIEWER]))
    assert client.get("/cpd/import").status_code == 302
    assert client.get("/cpd/import/check").status_code == 302
    assert client.get("/cpd/export.csv").status_code == 302
    assert client.get("/cpd/export.xlsx").status_code == 302
    assert client.get("/cpd/export/print").status_code == 302
