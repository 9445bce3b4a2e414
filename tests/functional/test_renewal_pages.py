"""Renewal pages through the test client: start in the window, each section, submit."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.applications.models import Application, ApplicationKind, ApplicationStatus
from portal.core.templating import LONDON
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import make_cpd_entry, make_cpd_requirements, make_organisation, make_record
from tests.support import error_messages, page_checks, sign_in_as, submit


def _in_window():
    """A record that expires in three months, with its CPD requirements met."""
    make_cpd_requirements()
    today = datetime.now(LONDON).date()
    start = today - timedelta(days=3 * 365 - 90)
    record = make_record(starts_on=start)
    for year in range(3):
        day = start + timedelta(days=365 * year + 10)
        if day < today:
            make_cpd_entry(record, on=day, peer=True, competencies=("AB1",))
            make_cpd_entry(record, on=day + timedelta(days=1), competencies=("CD1",))
    db.session.commit()
    return record, today


def test_a_reviewer_renews_through_the_pages(client):
    record, today = _in_window()
    sign_in_as(client, record.user)
    listing = client.get("/applications").get_data(as_text=True)
    assert "Renew your accreditation" in listing
    page_checks(client.get("/applications/renew"), service_name=SERVICE_NAME)
    started = submit(client, "/applications/renew", {})
    assert started.status_code == 302
    application = db.session.query(Application).filter_by(kind=ApplicationKind.RENEWAL).one()
    base = f"/applications/{application.id}"
    task_list = client.get(base)
    soup = page_checks(task_list, service_name=SERVICE_NAME)
    assert soup.h1.get_text(strip=True) == "Renew your accreditation"
    for path in ("/cpd-record", "/completed-reviews", "/renewal-statement"):
        page_checks(client.get(base + path), service_name=SERVICE_NAME)
    assert "meets the requirements" in client.get(base + "/cpd-record").get_data(as_text=True)

    partnership = make_organisation()
    refused = submit(client, base + "/completed-reviews", {"title": "Invented review"})
    messages = error_messages(page_checks(refused, service_name=SERVICE_NAME))
    assert "Select the partnership that commissioned it" in messages
    for n in (1, 2):
        added = submit(
            client,
            base + "/completed-reviews",
            {
                "title": f"Invented review {n}",
                "partnership": str(partnership.id),
                "year": str(today.year),
                "role": "lead",
            },
        )
        assert added.status_code == 302
    short = submit(
        client,
        base + "/renewal-statement",
        {"renewal_statement": "Too short", "version_id": str(application.version_id)},
    )
    assert "The statement must be 100 to 5,000 characters" in error_messages(
        page_checks(short, service_name=SERVICE_NAME)
    )
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    for url, data in (
        (base + "/renewal-statement", {"renewal_statement": "An invented statement. " * 6}),
        (
            base + "/personal-details",
            {
                "full_name": record.user.name,
                "phone": "01632 960 001",
                "home_region_code": partnership.region_code,
            },
        ),
        (
            base + "/dbs-check",
            {
                "dbs_certificate_number": "001234567890",
                "dbs_issued_on": ["1", "2", str(today.year)],
                "dbs_update_service": "yes",
            },
        ),
    ):
        db.session.expire_all()
        version = db.session.get(Application, application.id).version_id
        assert submit(client, url, {**data, "version_id": str(version)}).status_code == 302, url
    db.session.expire_all()
    version = db.session.get(Application, application.id).version_id
    page = client.get(base + "/interests").get_data(as_text=True)
    from tests.support import csrf_token

    client.post(
        base + "/interests/confirm",
        data={
            "csrf_token": csrf_token(page),
            "confirm-confirm": "y",
            "confirm-version_id": version,
        },
    )
    check = client.get(base + "/check-answers")
    page_checks(check, service_name=SERVICE_NAME)
    assert "Invented review 1" in check.get_data(as_text=True)
    db.session.expire_all()
    version = db.session.get(Application, application.id).version_id
    done = submit(client, base + "/check-answers", {"version_id": str(version), "declaration": "y"})
    assert done.status_code == 302, error_messages(page_checks(done, service_name=SERVICE_NAME))
    db.session.expire_all()
    assert db.session.get(Application, application.id).status is ApplicationStatus.SUBMITTED


def test_the_dashboard_offers_renewal_in_the_window(client):
    record, _today = _in_window()
    sign_in_as(client, record.user)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Renew your accreditation" in page
    assert f"{record.number} expires on" in page
