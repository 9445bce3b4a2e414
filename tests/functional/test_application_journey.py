"""An applicant completes every section through the pages, submits, and referees respond."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from portal.applications.models import Application, ApplicationStatus, Referee
from portal.core.audit import AuditEvent
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import count, make_framework, make_organisation, make_region, make_user
from tests.files import pdf_bytes
from tests.support import body_of, csrf_token, link_in, page_checks, path_of, sign_in_as, submit


def _start(client, applicant):
    make_framework()
    sign_in_as(client, applicant)
    response = submit(
        client,
        "/applications/new",
        {"scheme": str(make_framework().scheme_id), "route": "full"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    application_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(Application, application_id)


def _fill_everything(client, application):
    base = f"/applications/{application.id}"
    region = make_region()
    partnership = make_organisation()
    steps = [
        (
            f"{base}/personal-details",
            {
                "full_name": "Ada Invented",
                "phone": "01632 960 001",
                "home_region_code": region.code,
            },
        ),
        (
            f"{base}/registration",
            {"registration_body": "swe", "registration_number": "SW000111"},
        ),
        (
            f"{base}/experience",
            {
                "reviews_led": "4",
                "reviews_co_led": "2",
                "years_in_practice": "18",
                "agencies": ["childrens_social_care", "health"],
                "experience_summary": "Led four invented reviews using a systems approach.",
            },
        ),
        (
            f"{base}/qualifications",
            {"qualifications": "Invented MA Social Work", "review_training": "Invented course"},
        ),
        (
            f"{base}/dbs-check",
            {
                "dbs_certificate_number": "0012 3456 7890",
                "dbs_issued_on": ["1", "3", "2026"],
                "dbs_update_service": "yes",
            },
        ),
    ]
    for url, data in steps:
        page = client.get(url)
        version = re.search(r'name="version_id"[^>]*value="(\d+)"', page.get_data(as_text=True))
        response = submit(client, url, {**data, "version_id": version.group(1)})
        assert response.status_code == 302, (url, _errors(response))

    response = submit(
        client,
        f"{base}/interests",
        {"organisation": str(partnership.id), "kind": "commissioned", "submit": "Add declaration"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(f"{base}/interests").get_data(as_text=True)
    version = re.findall(r'name="confirm-version_id"[^>]*value="(\d+)"', page)[0]
    response = client.post(
        f"{base}/interests/confirm",
        data={
            "csrf_token": csrf_token(page),
            "confirm-confirm": "y",
            "confirm-version_id": version,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]

    for position in (1, 2):
        response = submit(
            client,
            f"{base}/referees/{position}",
            {
                "name": f"Referee {position}",
                "email": f"ref{position}@example.test",
                "job_title": "Invented partnership manager",
                "relationship": "Commissioned a review I led.",
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]

    for competency in _competencies(application):
        response = submit(
            client,
            f"{base}/self-assessment/{competency.id}",
            {"level": "3", "narrative": "Invented evidence " * 5},
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]

    response = submit(
        client,
        f"{base}/work-samples",
        {"title": "Overview report", "file": (io.BytesIO(pdf_bytes()), "report.pdf")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


def _competencies(application):
    from portal.applications import queries

    return queries.competencies(application.framework_id)


def test_an_applicant_completes_every_section_and_submits(client, inbox):
    applicant = make_user(name="Ada Invented")
    application = _start(client, applicant)
    page = client.get(f"/applications/{application.id}")
    assert "Not yet started" in page.get_data(as_text=True)
    page_checks(page, service_name=SERVICE_NAME)

    _fill_everything(client, application)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "You have completed 9 of 9 sections" in page

    check = client.get(f"/applications/{application.id}/check-answers")
    page_checks(check, service_name=SERVICE_NAME)
    version = re.search(r'name="version_id"[^>]*value="(\d+)"', check.get_data(as_text=True))

    refused = submit(
        client,
        f"/applications/{application.id}/check-answers",
        {"version_id": version.group(1)},
    )
    assert refused.status_code == 200
    assert "Confirm the declaration" in refused.get_data(as_text=True)

    response = submit(
        client,
        f"/applications/{application.id}/check-answers",
        {"version_id": version.group(1), "declaration": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    assert count(AuditEvent, AuditEvent.action == "application.submitted") == 1

    # The applicant can no longer change answers.
    locked = client.get(f"/applications/{application.id}/personal-details")
    assert locked.status_code == 302


def test_referees_give_references_through_one_time_links(client, inbox, app):
    from portal.core.worker import deliver_pending

    applicant = make_user()
    application = _start(client, applicant)
    _fill_everything(client, application)
    check = client.get(f"/applications/{application.id}/check-answers").get_data(as_text=True)
    version = re.search(r'name="version_id"[^>]*value="(\d+)"', check).group(1)
    submit(
        client,
        f"/applications/{application.id}/check-answers",
        {"version_id": version, "declaration": "y"},
    )
    deliver_pending(app)
    message = inbox.wait_for("ref1@example.test", "Reference for")
    link = path_of(link_in(body_of(message)))

    client.post(
        "/sign-out",
        data={"csrf_token": csrf_token(client.get("/dashboard").get_data(as_text=True))},
    )
    page = client.get(link)
    assert page.status_code == 200
    page_checks(page, service_name=SERVICE_NAME)
    response = submit(
        client,
        link,
        {
            "known_for": "Five years, as commissioner",
            "reference_text": "An invented, careful reviewer.",
            "would_recommend": "yes",
        },
    )
    assert response.status_code == 200
    assert "Thank you for your reference" in response.get_data(as_text=True)
    assert client.get(link).status_code == 400  # used once only

    referee = db.session.scalar(sa.select(Referee).where(Referee.email == "ref1@example.test"))
    assert referee.received_at is not None
    assert referee.token_hash is None


def _errors(response):
    from bs4 import BeautifulSoup

    from tests.support import error_messages

    return error_messages(BeautifulSoup(response.get_data(as_text=True), "html.parser"))
