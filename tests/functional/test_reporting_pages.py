"""Reporting pages: the dashboard with its filters, downloads matching pages, the notifications
upload, and diversity monitoring that nobody sees individually."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from portal.core.audit import AuditEvent
from portal.core.dates import today_in_england
from portal.core.permissions import Role
from portal.extensions import db
from portal.reporting.models import DiversityAnswers, IncidentNotification, NotificationImport
from portal.reporting.notifications import COLUMNS, MAX_UPLOAD_BYTES
from tests.conftest import SERVICE_NAME
from tests.factories import (
    count,
    make_organisation,
    make_region,
    make_reviewer_in,
    make_user,
)
from tests.support import error_messages, page_checks, sign_in_as, submit

YORKSHIRE, LONDON = "E12000003", "E12000007"


@pytest.fixture
def analyst(client):
    user = make_user(roles=[Role.ANALYST])
    sign_in_as(client, user)
    return user


@pytest.fixture
def regions():
    make_region()
    make_region(code=LONDON, name="London")


def _workforce():
    for _ in range(30):
        make_reviewer_in(YORKSHIRE)
    for _ in range(3):
        make_reviewer_in(YORKSHIRE, level="lead_reviewer")
    for _ in range(40):
        make_reviewer_in(LONDON)
    for _ in range(12):
        make_reviewer_in(LONDON, level="lead_reviewer")


def _table(soup: BeautifulSoup, key: str) -> list[list[str]]:
    table = soup.find(id=f"table-{key}")
    assert table is not None, key
    return [
        [" ".join(cell.get_text().split()) for cell in row.find_all(["th", "td"])]
        for row in table.find_all("tr")
    ]


def test_the_dashboard_follows_the_page_rules_with_every_section(client, analyst):
    soup = page_checks(client.get("/reports"), service_name=SERVICE_NAME)
    headings = [h.get_text() for h in soup.find_all("h2")]
    for section in (
        "Capacity",
        "Accreditation pipeline",
        "Continuing professional development",
        "Quality of reviews",
        "Workforce diversity",
    ):
        assert section in headings
    # Each table has a chart (where it has rows), a summary and both downloads.
    assert soup.find(id="summary-reviewers-by-region-and-level") is not None
    assert soup.select_one("a[href*='/reports/tables/reviewers-by-region-and-level.csv']")
    assert soup.select_one("a[href*='/reports/tables/reviewers-by-region-and-level.xlsx']")
    assert soup.find(id="summary-cpd-audit-by-region") is not None
    assert soup.find(id="summary-qa-grades-by-year") is not None
    assert soup.find(id="summary-qa-lowest-markers") is not None
    assert soup.find(id="summary-recommendation-classes-by-year") is not None
    assert soup.find(id="summary-recommendation-classes-by-theme") is not None
    form = soup.find("form", attrs={"aria-label": "Filter the reports"})
    assert form["method"] == "get"


def test_administrators_see_the_dashboard_but_not_the_notifications_upload(client):
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    soup = page_checks(client.get("/reports"), service_name=SERVICE_NAME)
    assert soup.find("a", href="/reports/notifications") is None


def test_small_counts_are_suppressed_on_the_page_with_their_partners(client, analyst, regions):
    _workforce()
    soup = BeautifulSoup(client.get("/reports").get_data(as_text=True), "html.parser")
    rows = {r[0]: r[1:] for r in _table(soup, "reviewers-by-region-and-level")}
    assert rows["Region"] == ["Lead reviewer", "Reviewer", "Total"]
    assert rows["Yorkshire and The Humber"] == ["c", "c", "33"]
    assert rows["London"] == ["c", "c", "52"]
    assert rows["England"] == ["15", "70", "85"]
    # The chart says the same in its text.
    key = "reviewers-by-region-and-level"
    svg = soup.find("svg", attrs={"aria-labelledby": f"chart-{key}-title"})
    assert svg["aria-describedby"] == f"chart-{key}-desc"
    assert svg is not None
    assert "London: 52" in svg.find("desc").get_text()
    # Each chart is named after its table, so no two images on the page share a name.
    assert (
        svg.find("title").get_text() == "Accredited reviewers by region and level: Total by region"
    )


def test_a_region_filter_keeps_its_address_and_shows_that_region_beside_england(
    client, analyst, regions
):
    _workforce()
    response = client.get(f"/reports?region={LONDON}")
    soup = page_checks(response, service_name=SERVICE_NAME)
    rows = _table(soup, "reviewers-by-region-and-level")
    assert [r[0] for r in rows] == ["Region", "London", "England"]
    assert rows[1] == ["London", "c", "c", "52"]
    assert "London" in soup.find(id="filters-in-use").get_text()
    link = soup.select_one("a[href*='reviewers-by-region-and-level.csv']")["href"]
    assert f"region={LONDON}" in link


def test_a_wrong_date_is_shown_beside_the_field_and_the_default_period_used(client, analyst):
    response = client.get("/reports?starts_on=40&starts_on=13&starts_on=2026")
    assert response.status_code == 200
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert error_messages(soup) == ["Enter a real date"]
    response = client.get(
        "/reports?starts_on=1&starts_on=4&starts_on=2026&ends_on=1&ends_on=1&ends_on=2026"
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert error_messages(soup) == ["The end date must be the same as or after the start date"]


def test_a_date_range_filter_narrows_the_period(client, analyst):
    response = client.get(
        "/reports?starts_on=1&starts_on=4&starts_on=2025&ends_on=31&ends_on=3&ends_on=2026"
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "1 April 2025 to 31 March 2026" in soup.find(id="filters-in-use").get_text()


@pytest.mark.parametrize("region", ["", LONDON])
def test_every_download_says_what_its_page_says(client, analyst, regions, region):
    _workforce()
    query = f"?region={region}" if region else ""
    soup = BeautifulSoup(client.get(f"/reports{query}").get_data(as_text=True), "html.parser")
    keys = [t["id"].removeprefix("table-") for t in soup.select("table[id^='table-']")]
    assert len(keys) >= 20
    for key in keys:
        page = _table(soup, key)
        page = [r for r in page if r != ["Nothing for this period."]]
        response = client.get(f"/reports/tables/{key}.csv{query}")
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith(f'attachment; filename="{key}')
        lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        table = lines[: lines.index([])]
        assert [[_number(v) for v in r] for r in table] == [
            [_number(v) for v in r] for r in page
        ], key
        notes = {r[0]: r[1] for r in lines[lines.index([]) + 1 :]}
        assert "Counts from 1 to 4 are suppressed" in notes["Suppression and rounding"]
        assert notes["Date extracted"] == today_in_england().isoformat()
        book = openpyxl.load_workbook(
            io.BytesIO(client.get(f"/reports/tables/{key}.xlsx{query}").data)
        )
        sheet = [
            [_number("" if v is None else str(v)) for v in r]
            for r in book["Table"].iter_rows(values_only=True)
        ]
        assert sheet == [[_number(v) for v in r] for r in page], key
        assert book["Notes"]["A1"].value == "Item"


def _number(text: str) -> str:
    """The same figure however it is written: 1,234 and 1234 and 1234.0."""
    plain = text.replace(",", "")
    try:
        value = float(plain)
    except ValueError:
        return text
    return f"{value:g}"


def test_an_unknown_table_is_not_found(client, analyst):
    assert client.get("/reports/tables/no-such-table.csv").status_code == 404


# Serious incident notifications


def notifications_file(*rows, header=COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def upload(client, content: bytes, name: str = "notifications.csv"):
    return submit(client, "/reports/notifications/upload", {"file": (io.BytesIO(content), name)})


def test_the_notifications_pages_follow_the_page_rules(client, analyst):
    page_checks(client.get("/reports/notifications"), service_name=SERVICE_NAME)
    page_checks(client.get("/reports/notifications/upload"), service_name=SERVICE_NAME)
    response = client.get("/reports/notifications/template.csv")
    assert response.mimetype == "text/csv"
    assert next(csv.reader(io.StringIO(response.data.decode("utf-8-sig")))) == list(COLUMNS)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"%PDF-1.7 not a csv", "this one is a PDF"),
        (b"name,count\nx,1\n", "template's column headings"),
        (b"partnership_code,month,notifications\n" + b"x" * MAX_UPLOAD_BYTES, "smaller than 1 MB"),
        (b"", "The selected file is empty"),
    ],
)
def test_a_file_that_is_not_the_template_is_refused_beside_the_field(
    client, analyst, content, says
):
    soup = page_checks(upload(client, content), service_name=SERVICE_NAME)
    assert any(says in m for m in error_messages(soup)), error_messages(soup)
    assert client.get("/reports/notifications/check").status_code == 302


def test_bad_rows_are_reported_and_nothing_is_loaded(client, analyst):
    make_organisation(code="leeds-test")
    content = notifications_file(
        ["leeds-test", "2026-01", "3"], ["nowhere", "2026-01", "2"], ["leeds-test", "2026-01", "4"]
    )
    assert upload(client, content).status_code == 302
    soup = page_checks(client.get("/reports/notifications/check"), service_name=SERVICE_NAME)
    text = soup.get_text()
    assert "There is no partnership with the code 'nowhere'" in text
    assert "The same partnership and month as line 2" in text
    assert soup.select_one("main form[method=post]") is None
    # A confirmation posted anyway loads nothing.
    response = submit(
        client, "/reports/notifications/check", {}, form_page="/reports/notifications/upload"
    )
    assert response.status_code == 302
    assert count(IncidentNotification) == 0
    assert count(NotificationImport) == 0
    soup = page_checks(client.get("/reports/notifications/check"), service_name=SERVICE_NAME)
    assert "Correct the rows with problems and upload the file again" in soup.get_text()


def test_a_good_file_is_loaded_on_confirmation_and_loading_it_again_changes_nothing(
    client, analyst
):
    leeds = make_organisation(code="leeds-test")
    content = notifications_file(["leeds-test", "2026-01", "3"], ["LEEDS-TEST", "2026-02", "0"])
    assert upload(client, content).status_code == 302
    assert count(IncidentNotification) == 0
    response = submit(client, "/reports/notifications/check", {})
    assert response.status_code == 302
    figures = db.session.execute(
        sa.select(IncidentNotification.month, IncidentNotification.notifications)
        .where(IncidentNotification.partnership_id == leeds.id)
        .order_by(IncidentNotification.month)
    ).all()
    assert figures == [(date(2026, 1, 1), 3), (date(2026, 2, 1), 0)]
    assert count(AuditEvent, AuditEvent.action == "notifications.loaded") == 1
    # The same file again: nothing to change, and nothing to confirm.
    assert upload(client, content).status_code == 302
    soup = page_checks(client.get("/reports/notifications/check"), service_name=SERVICE_NAME)
    assert soup.find(id="nothing-new") is not None
    submit(client, "/reports/notifications/check", {}, form_page="/reports/notifications/upload")
    assert count(IncidentNotification) == 2
    assert count(NotificationImport) == 1
    # A corrected figure changes only that month.
    assert upload(client, notifications_file(["leeds-test", "2026-01", "5"])).status_code == 302
    soup = page_checks(client.get("/reports/notifications/check"), service_name=SERVICE_NAME)
    assert "1 to change" in soup.find(id="check-summary").get_text()
    submit(client, "/reports/notifications/check", {})
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(IncidentNotification.notifications).where(
                IncidentNotification.month == date(2026, 1, 1)
            )
        )
        == 5
    )
    assert count(NotificationImport) == 2
    page = client.get("/reports/notifications").get_data(as_text=True)
    assert "Figures are loaded for 1 partnership, from January 2026 to February 2026." in page


def test_notifications_show_rounded_on_the_dashboard(client, analyst, regions):
    york = make_organisation(code="york-test")
    db.session.add(NotificationImport(filename="n.csv", sha256="0" * 64, loaded_by_id=analyst.id))
    db.session.flush()
    batch = db.session.scalar(sa.select(NotificationImport))
    month = today_in_england().replace(day=1)
    db.session.add(
        IncidentNotification(
            partnership_id=york.id, month=month, notifications=14, import_id=batch.id
        )
    )
    db.session.commit()
    soup = BeautifulSoup(client.get("/reports").get_data(as_text=True), "html.parser")
    rows = {r[0]: r[1:] for r in _table(soup, "notifications-by-region")}
    assert rows["Yorkshire and The Humber"] == ["10"]
    assert rows["London"] == ["x"]
    assert rows["England"] == ["10"]


# Diversity monitoring

ANSWERS = {
    "ethnicity": "irish",
    "sex": "female",
    "disability": "prefer_not_to_say",
    "age_band": "45_to_54",
}


def test_a_reviewer_reaches_the_form_from_their_dashboard_and_answers(client, regions):
    record = make_reviewer_in(YORKSHIRE)
    sign_in_as(client, record.user)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/diversity-monitoring"' in dashboard
    soup = page_checks(client.get("/diversity-monitoring"), service_name=SERVICE_NAME)
    legends = [" ".join(legend.get_text().split()) for legend in soup.find_all("legend")]
    assert legends == [
        "What is your ethnic group?",
        "What is your sex?",
        "Do you consider yourself to have a disability?",
        "What is your age?",
    ]
    soup = page_checks(submit(client, "/diversity-monitoring", {}), service_name=SERVICE_NAME)
    assert error_messages(soup) == [
        "Select your ethnic group, or prefer not to say",
        "Select your sex, or prefer not to say",
        "Select whether you have a disability, or prefer not to say",
        "Select your age band, or prefer not to say",
    ]
    # What was chosen is kept when another answer is missing.
    soup = page_checks(
        submit(client, "/diversity-monitoring", {"sex": "male"}), service_name=SERVICE_NAME
    )
    assert soup.find("input", attrs={"name": "sex", "value": "male"}).has_attr("checked")
    response = submit(client, "/diversity-monitoring", ANSWERS)
    assert response.status_code == 302
    saved = db.session.scalar(
        sa.select(DiversityAnswers).where(DiversityAnswers.user_id == record.user_id)
    )
    assert saved.ethnicity.value == "irish"
    # The reviewer sees their own answers again, and can remove them.
    soup = BeautifulSoup(client.get("/diversity-monitoring").get_data(as_text=True), "html.parser")
    assert soup.find("input", attrs={"name": "ethnicity", "value": "irish"}).has_attr("checked")
    response = submit(client, "/diversity-monitoring/remove", {}, form_page="/diversity-monitoring")
    assert response.status_code == 302
    assert count(DiversityAnswers) == 0


def test_answers_are_not_visible_individually_anywhere(client, regions):
    record = make_reviewer_in(YORKSHIRE)
    sign_in_as(client, record.user)
    submit(client, "/diversity-monitoring", {**ANSWERS, "ethnicity": "roma"})
    # The audit log says answers were saved, never what they are.
    summaries = " ".join(db.session.scalars(sa.select(AuditEvent.summary)))
    changes = " ".join(str(c) for c in db.session.scalars(sa.select(AuditEvent.changes)))
    for word in ("roma", "Roma", "female", "45"):
        assert word not in summaries and word not in changes
    # An administrator sees no answer on the person's page, the audit log or the reports.
    client.get("/sign-out")
    admin = make_user(roles=[Role.ADMINISTRATOR])
    sign_in_as(client, admin)
    for url in (f"/admin/users/{record.user_id}", "/admin/audit-log", "/admin/users", "/reports"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "Roma" not in page.get_data(as_text=True), url
    assert client.get("/diversity-monitoring").status_code == 403
    # In the reports one reviewer's answer is a suppressed cell.
    soup = BeautifulSoup(client.get("/reports").get_data(as_text=True), "html.parser")
    rows = {r[0]: r[1:] for r in _table(soup, "diversity-ethnicity")}
    assert rows["White"][-1] == "c"
    xlsx = openpyxl.load_workbook(
        io.BytesIO(client.get("/reports/tables/diversity-ethnicity.xlsx").data)
    )
    assert all(
        v in ("c", 0, None) or isinstance(v, str)
        for r in xlsx["Table"].iter_rows(min_row=2, values_only=True)
        for v in r[1:]
    )


def test_the_threshold_is_a_setting(client, app, analyst, regions):
    _workforce()
    app.config["REPORTING_SUPPRESSION_THRESHOLD"] = 13
    try:
        soup = BeautifulSoup(client.get("/reports").get_data(as_text=True), "html.parser")
    finally:
        del app.config["REPORTING_SUPPRESSION_THRESHOLD"]
    assert "Counts from 1 to 12 are suppressed" in soup.get_text()
    rows = {r[0]: r[1:] for r in _table(soup, "reviewers-by-region-and-level")}
    assert rows["London"][0] == "c"
