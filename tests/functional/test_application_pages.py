"""Application pages: the page rules, ownership, concurrent edits and upload errors."""

from __future__ import annotations

import io
import re

import pytest
from bs4 import BeautifulSoup

from portal.applications.models import Application, ApplicationStatus, WorkSample
from portal.core.permissions import Role
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_application, make_user
from tests.files import EXECUTABLE, docx_bytes, pdf_bytes
from tests.support import csrf_token, error_messages, page_checks, sign_in_as, submit


def _own_pages(application):
    from portal.applications import queries

    base = f"/applications/{application.id}"
    competency = queries.competencies(application.framework_id)[0]
    return [
        "/applications",
        "/applications/new",
        base,
        f"{base}/personal-details",
        f"{base}/registration",
        f"{base}/experience",
        f"{base}/qualifications",
        f"{base}/dbs-check",
        f"{base}/interests",
        f"{base}/referees",
        f"{base}/referees/1",
        f"{base}/self-assessment",
        f"{base}/self-assessment/{competency.id}",
        f"{base}/work-samples",
        f"{base}/check-answers",
        f"{base}/withdraw",
    ]


def test_the_applicants_pages_follow_the_page_rules(client):
    application = make_application()
    sign_in_as(client, application.applicant)
    for url in _own_pages(application):
        response = client.get(url)
        assert response.status_code == 200, url
        page_checks(response, service_name=SERVICE_NAME)


def test_another_applicant_cannot_open_or_change_an_application(client):
    application = make_application()
    sign_in_as(client, make_user())
    for url in _own_pages(application)[2:]:
        assert client.get(url).status_code == 403, url


def test_a_submitted_application_shows_its_status_and_refuses_changes(client):
    application = make_application(status=ApplicationStatus.SUBMITTED)
    sign_in_as(client, application.applicant)
    page = client.get(f"/applications/{application.id}")
    assert "Submitted" in page.get_data(as_text=True)
    page_checks(page, service_name=SERVICE_NAME)
    for url in _own_pages(application)[3:-1]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith(f"/applications/{application.id}")


def test_an_administrator_reads_a_submitted_application_with_its_references(client):
    application = make_application(status=ApplicationStatus.SUBMITTED)
    referee = application.referees[0]
    referee.reference_text = "An invented reference text."
    referee.known_for = "Two years"
    referee.would_recommend = True
    from portal.core.db import utcnow

    referee.received_at = utcnow()
    db.session.commit()
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "An invented reference text." in page
    sign_in_as(client, application.applicant)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "An invented reference text." not in page
    assert "Reference received" in page


def _version(html: str) -> str:
    return re.search(r'name="version_id"[^>]*value="(\d+)"', html).group(1)


def test_a_second_save_from_a_stale_page_is_refused_and_keeps_what_was_typed(app):
    application = make_application(complete=False)
    first, second = app.test_client(), app.test_client()
    sign_in_as(first, application.applicant)
    sign_in_as(second, application.applicant)
    url = f"/applications/{application.id}/qualifications"
    page_one = first.get(url).get_data(as_text=True)
    page_two = second.get(url).get_data(as_text=True)
    data = {"review_training": "Invented course"}
    saved = first.post(
        url,
        data={
            **data,
            "qualifications": "Typed in the first tab",
            "version_id": _version(page_one),
            "csrf_token": csrf_token(page_one),
        },
    )
    assert saved.status_code == 302
    refused = second.post(
        url,
        data={
            **data,
            "qualifications": "Typed in the second tab",
            "version_id": _version(page_two),
            "csrf_token": csrf_token(page_two),
        },
    )
    assert refused.status_code == 200
    soup = page_checks(refused, service_name=SERVICE_NAME)
    assert any("Someone else saved" in m for m in error_messages(soup))
    assert "Typed in the second tab" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Application, application.id).qualifications == "Typed in the first tab"
    # Told once, the second tab may now save on purpose.
    again = second.post(
        url,
        data={
            **data,
            "qualifications": "Typed in the second tab",
            "version_id": _version(refused.get_data(as_text=True)),
            "csrf_token": csrf_token(refused.get_data(as_text=True)),
        },
    )
    assert again.status_code == 302


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (EXECUTABLE, "report.pdf", "must be a PDF or Word document"),
        (b"<html>renamed</html>", "report.docx", "must be a PDF or Word document"),
        (pdf_bytes(padding=11 * 1024 * 1024), "big.pdf", "smaller than 10 MB"),
        (b"", "empty.pdf", "The selected file is empty"),
    ],
    ids=["renamed-executable", "renamed-html", "too-large", "empty"],
)
def test_refused_uploads_say_why_beside_the_field_and_store_nothing(
    client, app, content, name, message
):
    application = make_application(complete=False)
    sign_in_as(client, application.applicant)
    url = f"/applications/{application.id}/work-samples"
    response = submit(client, url, {"title": "My report", "file": (io.BytesIO(content), name)})
    assert response.status_code == 200
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert any(message in m for m in error_messages(soup)), error_messages(soup)
    assert soup.select_one("#title")["value"] == "My report"
    assert count(WorkSample, WorkSample.application_id == application.id) == 0
    uploads = app.config["UPLOAD_DIR"]
    assert not uploads.exists() or not any(p.suffix == ".partial" for p in uploads.rglob("*"))


def test_a_docx_is_accepted_and_only_permitted_people_can_download_it(client, app):
    application = make_application(complete=False)
    sign_in_as(client, application.applicant)
    url = f"/applications/{application.id}/work-samples"
    response = submit(
        client, url, {"title": "Terms of reference", "file": (io.BytesIO(docx_bytes()), "t.docx")}
    )
    assert response.status_code == 302
    sample = db.session.query(WorkSample).filter_by(application_id=application.id).one()
    download = client.get(f"{url}/{sample.id}")
    assert download.status_code == 200
    assert download.data == docx_bytes() or download.data.startswith(b"PK")
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "private, no-store"
    sign_in_as(client, make_user(roles=[Role.ASSESSOR]))
    assert client.get(f"{url}/{sample.id}").status_code == 403


def test_removing_a_work_sample_deletes_its_file(client, app):
    application = make_application(complete=False)
    sign_in_as(client, application.applicant)
    url = f"/applications/{application.id}/work-samples"
    submit(client, url, {"title": "Report", "file": (io.BytesIO(pdf_bytes()), "r.pdf")})
    sample = db.session.query(WorkSample).filter_by(application_id=application.id).one()
    path = app.config["UPLOAD_DIR"] / sample.storage_key[:2] / sample.storage_key
    assert path.exists()
    response = submit(client, f"{url}/{sample.id}/remove", {}, form_page=url)
    assert response.status_code == 302
    assert not path.exists()
    assert count(WorkSample, WorkSample.application_id == application.id) == 0


def test_a_request_larger_than_any_upload_gets_the_too_large_page(client):
    application = make_application(complete=False)
    sign_in_as(client, application.applicant)
    url = f"/applications/{application.id}/work-samples"
    page = client.get(url).get_data(as_text=True)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(page),
            "title": "Huge",
            "file": (io.BytesIO(b"%PDF-" + b"0" * (21 * 1024 * 1024)), "huge.pdf"),
        },
    )
    assert response.status_code == 413


def test_the_task_list_says_what_each_section_needs(client):
    application = make_application(complete=False)
    sign_in_as(client, application.applicant)
    submit(
        client,
        f"/applications/{application.id}/experience",
        {
            "reviews_led": "0",
            "reviews_co_led": "1",
            "years_in_practice": "5",
            "agencies": ["police"],
            "experience_summary": "Invented.",
            "version_id": str(application.version_id),
        },
    )
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "apply by supervised practice instead" in page
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one("#experience-status").get_text(strip=True) == "Incomplete"
    assert soup.select_one("#referees-status").get_text(strip=True) == "Not yet started"


def test_form_errors_keep_input_and_link_to_fields(client):
    application = make_application(complete=False)
    sign_in_as(client, application.applicant)
    response = submit(
        client,
        f"/applications/{application.id}/dbs-check",
        {
            "dbs_certificate_number": "12345",
            "dbs_issued_on": ["31", "2", "2026"],
            "version_id": str(application.version_id),
        },
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    messages = error_messages(soup)
    assert "DBS certificate number must be 12 digits" in messages
    assert "Enter a real date" in messages
    assert "Select yes if your certificate is on the Update Service" in messages
    assert soup.select_one("#dbs_certificate_number")["value"] == "12345"


def test_administrators_list_applications_by_status(client):
    make_application(status=ApplicationStatus.SUBMITTED)
    make_application()
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    page = client.get("/admin/applications?status=submitted")
    page_checks(page, service_name=SERVICE_NAME)
    text = page.get_data(as_text=True)
    assert "1 application submitted" in text
