"""Learning pages: tagging findings, national recommendations and the government's response
(errors kept beside their fields, concurrent edits caught), and the annual report, whose PDF
prints the very suppressed cells the page shows."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from pypdf import PdfReader

from portal.core.audit import AuditEvent
from portal.core.dates import today_in_england
from portal.core.permissions import Role
from portal.extensions import db
from portal.reporting import learning_queries, learning_services
from portal.reporting.conditions import CONDITIONS_DIR, read_conditions
from portal.reporting.learning_models import (
    GovernmentResponse,
    LearningFinding,
    NationalRecommendation,
    RecommendationSource,
    ResponseStatus,
)
from tests.conftest import SERVICE_NAME
from tests.factories import make_qa_review, make_user
from tests.support import csrf_token, error_messages, page_checks, sign_in_as, submit


@pytest.fixture
def taxonomy():
    loaded = learning_services.load_conditions(
        None, read_conditions(CONDITIONS_DIR / "2026.1.yaml")
    ).taxonomy
    db.session.commit()
    return loaded


def completed(on: date | None = None):
    on = on or today_in_england()
    review = make_qa_review(status="completed")
    review.completed_at = datetime(on.year, on.month, on.day, 9, tzinfo=UTC)
    db.session.commit()
    return review


def _admin(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    sign_in_as(client, admin)
    return admin


def test_a_qa_lead_tags_a_finding_and_sees_it_listed(client, taxonomy):
    review = completed()
    make_qa_review(status="in_assessment")  # not offered
    sign_in_as(client, make_user(roles=[Role.QA_LEAD]))
    soup = page_checks(client.get("/reports/learning/findings/new"), service_name=SERVICE_NAME)
    options = [o["value"] for o in soup.select("select[name=review] option") if o["value"]]
    assert options == [str(review.id)]
    response = submit(
        client,
        "/reports/learning/findings/new",
        {
            "review": str(review.id),
            "text": "Nobody held the whole picture across the three agencies.",
            "conditions": ["information-sharing", "multi-agency"],
        },
    )
    assert response.status_code == 302
    soup = page_checks(client.get("/reports/learning/findings"), service_name=SERVICE_NAME)
    row = soup.select_one("#findings tbody tr").get_text(" ", strip=True)
    assert review.reference in row
    assert "Information sharing between agencies, Multi-agency working" in row


def test_the_finding_form_shows_each_error_beside_its_field_and_keeps_the_input(client, taxonomy):
    completed()
    sign_in_as(client, make_user(roles=[Role.QA_LEAD]))
    response = submit(client, "/reports/learning/findings/new", {"review": "", "text": "Kept text"})
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert error_messages(soup) == [
        "Select the review the finding comes from",
        "Select at least one system condition",
    ]
    assert soup.select_one("textarea[name=text]").get_text() == "Kept text"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LearningFinding)) == 0


def test_findings_cannot_be_added_before_the_conditions_are_loaded(client):
    sign_in_as(client, make_user(roles=[Role.QA_LEAD]))
    response = client.get("/reports/learning/findings/new")
    assert response.status_code == 302 and response.location.endswith("/reports/learning/findings")


def _finding(taxonomy, review=None, codes=("workload",)):
    chosen = [c for c in taxonomy.conditions if c.code in codes]
    made = learning_services.record_finding(
        make_user(roles=[Role.QA_LEAD]), review or completed(), "Caseloads were too high.", chosen
    )
    db.session.commit()
    return made


def _audited(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_a_qa_lead_corrects_a_finding_and_the_change_is_audited(client, taxonomy):
    finding = _finding(taxonomy)
    other = completed()
    sign_in_as(client, make_user(roles=[Role.QA_LEAD]))
    listed = page_checks(client.get("/reports/learning/findings"), service_name=SERVICE_NAME)
    url = f"/reports/learning/findings/{finding.id}/edit"
    assert listed.select_one(f"#findings a[href='{url}']") is not None
    soup = page_checks(client.get(url), service_name=SERVICE_NAME)
    assert soup.select_one("textarea[name=text]").get_text() == "Caseloads were too high."
    assert [i["value"] for i in soup.select("input[name=conditions][checked]")] == ["workload"]
    response = submit(
        client,
        url,
        {
            "review": str(other.id),
            "text": "Caseloads left no time for home visits.",
            "conditions": ["workload", "supervision-culture"],
            "version_id": str(finding.version_id),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(LearningFinding, finding.id)
    assert changed.qa_review_id == other.id
    assert changed.text == "Caseloads left no time for home visits."
    assert {c.code for c in changed.conditions} == {"workload", "supervision-culture"}
    (event,) = _audited("learning_finding.changed")
    assert event.changes["before"]["text"] == "Caseloads were too high."
    assert event.changes["after"]["conditions"] == ["workload", "supervision-culture"]


def test_a_finding_changed_meanwhile_is_not_overwritten_and_the_input_is_kept(client, taxonomy):
    finding = _finding(taxonomy)
    sign_in_as(client, make_user(roles=[Role.QA_LEAD]))
    url = f"/reports/learning/findings/{finding.id}/edit"
    seen = str(finding.version_id)
    learning_services.change_finding(
        make_user(roles=[Role.QA_LEAD]),
        finding,
        learning_queries.qa_review(finding.qa_review_id),
        "Changed in another window.",
        list(finding.conditions),
        version_id=None,
    )
    db.session.commit()
    fields = {
        "review": str(finding.qa_review_id),
        "text": "My correction",
        "conditions": ["workload"],
        "version_id": seen,
    }
    soup = page_checks(submit(client, url, fields), service_name=SERVICE_NAME)
    assert error_messages(soup) == [
        "This finding was changed by someone else while you were looking at it. Check it "
        "and make your change again."
    ]
    assert soup.select_one("textarea[name=text]").get_text() == "My correction"
    db.session.expire_all()
    assert db.session.get(LearningFinding, finding.id).text == "Changed in another window."
    # Told once, saving again is a deliberate choice.
    fields["version_id"] = soup.select_one("input[name=version_id]")["value"]
    assert submit(client, url, fields).status_code == 302
    db.session.expire_all()
    assert db.session.get(LearningFinding, finding.id).text == "My correction"


def test_a_changed_finding_keeps_the_rules_of_a_new_one(client, taxonomy):
    finding = _finding(taxonomy)
    unfinished = make_qa_review(status="in_assessment")
    sign_in_as(client, make_user(roles=[Role.QA_LEAD]))
    url = f"/reports/learning/findings/{finding.id}/edit"
    soup = page_checks(
        submit(client, url, {"review": str(unfinished.id), "text": " ", "conditions": []}),
        service_name=SERVICE_NAME,
    )
    assert "Select at least one system condition" in error_messages(soup)
    db.session.expire_all()
    assert db.session.get(LearningFinding, finding.id).text == "Caseloads were too high."
    assert client.get("/reports/learning/findings/999999/edit").status_code == 404


def test_a_qa_lead_removes_a_finding_after_confirming(client, taxonomy):
    finding = _finding(taxonomy)
    sign_in_as(client, make_user(roles=[Role.QA_LEAD]))
    url = f"/reports/learning/findings/{finding.id}/remove"
    soup = page_checks(client.get(url), service_name=SERVICE_NAME)
    assert "Caseloads were too high." in soup.select_one("#finding").get_text()
    response = submit(client, url, {"version_id": str(finding.version_id)})
    assert response.status_code == 302 and response.location.endswith("/reports/learning/findings")
    db.session.expire_all()
    assert db.session.get(LearningFinding, finding.id) is None
    (event,) = _audited("learning_finding.removed")
    assert event.changes["text"] == "Caseloads were too high."
    assert client.get(url).status_code == 404


def test_a_finding_changed_meanwhile_is_not_removed(client, taxonomy):
    finding = _finding(taxonomy)
    sign_in_as(client, make_user(roles=[Role.QA_LEAD]))
    url = f"/reports/learning/findings/{finding.id}/remove"
    response = submit(client, url, {"version_id": str(finding.version_id + 1)}, follow=True)
    assert "changed by someone else" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(LearningFinding, finding.id) is not None


def test_an_administrator_adds_a_recommendation_and_records_the_response(client):
    _admin(client)
    response = submit(
        client,
        "/reports/national-recommendations/new",
        {
            "text": "The department should fund regional reviewing capacity.",
            "year": "2026",
            "addressed_to": "Department for Education",
            "source": "panel",
            "source_title": "A thematic review of infant deaths",
            "source_year": "2025",
        },
    )
    assert response.status_code == 302
    made = db.session.scalar(sa.select(NationalRecommendation))
    page = client.get(f"/reports/national-recommendations/{made.id}/response")
    page_checks(page, service_name=SERVICE_NAME)
    response = client.post(
        f"/reports/national-recommendations/{made.id}/response",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "version_id": str(made.version_id),
            "status": "partly_accepted",
            "action": "Two regions funded from April.",
            "responded_on": ["14", "10", "2026"],
        },
    )
    assert response.status_code == 302
    soup = page_checks(
        client.get(f"/reports/national-recommendations/{made.id}"), service_name=SERVICE_NAME
    )
    assert "Partly accepted on 14 October 2026" in soup.select_one("#response").get_text()
    assert "Two regions funded from April." in soup.select_one("#response-history").get_text()


def test_the_recommendation_form_names_what_each_source_needs(client):
    _admin(client)
    soup = page_checks(
        submit(client, "/reports/national-recommendations/new", {"source": "panel", "year": "19"}),
        service_name=SERVICE_NAME,
    )
    assert error_messages(soup) == [
        "Enter the recommendation",
        "Enter a year from 2000 to 2100",
        "Enter who the recommendation is addressed to",
        "Enter the title of the panel's review",
        "Enter the year of the panel's review",
    ]
    soup = page_checks(
        submit(
            client,
            "/reports/national-recommendations/new",
            {"source": "review", "text": "x", "year": "2026", "addressed_to": "DfE"},
        ),
        service_name=SERVICE_NAME,
    )
    assert error_messages(soup) == ["Select the review it came from"]


def _recommendation(admin, year=2026):
    made = learning_services.add_national_recommendation(
        admin,
        learning_services.RecommendationInput(
            text="Government should set one national threshold document.",
            year=year,
            addressed_to="Department for Education",
            source=RecommendationSource.PANEL,
            source_title="A national review",
            source_year=year,
        ),
    )
    db.session.commit()
    return made


def test_the_response_form_errors_and_a_concurrent_change_is_caught(client):
    admin = _admin(client)
    made = _recommendation(admin)
    url = f"/reports/national-recommendations/{made.id}/response"
    soup = page_checks(
        submit(client, url, {"status": "accepted", "version_id": str(made.version_id)}),
        service_name=SERVICE_NAME,
    )
    assert error_messages(soup) == [
        "Enter the action the government will take",
        "Enter the date of the government's response",
    ]
    # Someone else records a response after this page was opened.
    page = client.get(url)
    learning_services.record_response(
        admin,
        made,
        status=ResponseStatus.REJECTED,
        action="",
        responded_on=date(2026, 9, 1),
        version_id=None,
    )
    db.session.commit()
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "version_id": BeautifulSoup(page.get_data(as_text=True), "html.parser").select_one(
                "input[name=version_id]"
            )["value"],
            "status": "accepted",
            "action": "Will publish guidance.",
            "responded_on": ["1", "10", "2026"],
        },
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert any("changed by someone else" in m for m in error_messages(soup))
    assert soup.select_one("textarea[name=action]").get_text() == "Will publish guidance."
    db.session.expire_all()
    assert db.session.get(NationalRecommendation, made.id).response is ResponseStatus.REJECTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GovernmentResponse)) == 1


def test_analysts_filter_recommendations_but_cannot_change_them(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    _recommendation(admin, 2025)
    accepted = _recommendation(admin, 2026)
    learning_services.record_response(
        admin,
        accepted,
        status=ResponseStatus.ACCEPTED,
        action="Done.",
        responded_on=date(2026, 5, 1),
        version_id=None,
    )
    db.session.commit()
    sign_in_as(client, make_user(roles=[Role.ANALYST]))
    soup = page_checks(
        client.get("/reports/national-recommendations?year=2026&response=accepted"),
        service_name=SERVICE_NAME,
    )
    rows = soup.select("#national-recommendations tbody tr")
    assert len(rows) == 1 and "Accepted" in rows[0].get_text()
    assert soup.find("a", href="/reports/national-recommendations/new") is None
    assert (
        client.get(f"/reports/national-recommendations/{accepted.id}/response").status_code == 403
    )
    assert client.get("/reports/national-recommendations/999999").status_code == 404


def _cells(soup, key):
    table = soup.find("table", id=f"table-{key}")
    return [
        [" ".join(c.get_text().split()) for c in row.find_all(["th", "td"])]
        for row in table.select("tbody tr")
    ]


def test_the_annual_report_page_and_pdf_show_the_same_suppressed_figures(client, taxonomy):
    today = today_in_england()
    admin = make_user(roles=[Role.ADMINISTRATOR])
    review = completed(date(today.year, 1, 15))
    workload = [c for c in taxonomy.conditions if c.code == "workload"]
    curiosity = [c for c in taxonomy.conditions if c.code == "professional-curiosity"]
    for _ in range(7):
        learning_services.record_finding(admin, review, "Caseloads were too high.", workload)
    for _ in range(2):
        learning_services.record_finding(admin, review, "No time to ask.", curiosity)
    _recommendation(admin, today.year)
    db.session.commit()
    sign_in_as(client, make_user(roles=[Role.ANALYST]))
    soup = page_checks(client.get(f"/reports/annual/{today.year}"), service_name=SERVICE_NAME)
    rows = _cells(soup, "learning-conditions-by-year")
    assert ["Workload and capacity", "7", "7"] in rows
    assert ["Conditions for professional curiosity", "c", "c"] in rows
    assert "Government should set one national threshold document." in soup.get_text()
    assert soup.select_one("#table-qa-grades-by-year") is not None
    assert soup.select_one("#table-cpd-audit-by-year") is not None
    pdf = client.get(f"/reports/annual/{today.year}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert (
        reader.metadata.title
        == f"Child safeguarding practice reviewers: annual report, {today.year}"
    )
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    # Every row of the learning table, as the page shows it, is in the PDF in the same order.
    for row in rows:
        assert " ".join(row) in text, row
    assert "Government should set one national threshold document." in text
    assert "Counts from 1 to 4 are suppressed" in text
    assert [o.title for o in reader.outline][:3] == [
        "Capacity",
        "Accreditation pipeline",
        "Continuing professional development",
    ]


def test_an_annual_report_for_a_future_year_is_not_found(client):
    sign_in_as(client, make_user(roles=[Role.ANALYST]))
    assert client.get(f"/reports/annual/{today_in_england().year + 1}").status_code == 404
    assert client.get("/reports/annual/1999.pdf").status_code == 404
