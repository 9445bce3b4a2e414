"""Decision, appeal and accreditation pages through the test client."""

from __future__ import annotations

import sqlalchemy as sa

from portal.applications.models import AccreditationRecord, ApplicationStatus
from portal.core.permissions import Role
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import make_application, make_user
from tests.support import error_messages, page_checks, sign_in_as, submit


def _admin(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    sign_in_as(client, admin)
    return admin


def test_an_administrator_accredits_and_the_number_reaches_the_reviewers_dashboard(client):
    application = make_application(status=ApplicationStatus.AWAITING_DECISION)
    _admin(client)
    url = f"/admin/applications/{application.id}/decision"
    page_checks(client.get(url), service_name=SERVICE_NAME)
    refused = submit(client, url, {"outcome": "accredit", "reasons": "Good."})
    soup = page_checks(refused, service_name=SERVICE_NAME)
    assert "Select the level of accreditation" in error_messages(soup)
    assert soup.select_one("#reasons").get_text() == "Good."
    done = submit(client, url, {"outcome": "accredit", "reasons": "Good.", "level": "reviewer"})
    assert done.status_code == 302
    record = db.session.scalar(sa.select(AccreditationRecord))
    page = client.get(f"/applications/{application.id}")
    page_checks(page, service_name=SERVICE_NAME)

    sign_in_as(client, application.applicant)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert f"Accreditation number {record.number}" in dashboard
    mine = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Accredited: reviewer" in mine
    assert "Appeal the decision" not in mine


def test_a_declined_applicant_appeals_and_another_administrator_hears_it(client):
    application = make_application(status=ApplicationStatus.AWAITING_DECISION)
    _admin(client)
    submit(
        client,
        f"/admin/applications/{application.id}/decision",
        {"outcome": "decline", "reasons": "Too little evidence."},
    )
    sign_in_as(client, application.applicant)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Appeal the decision" in page
    appeal_url = f"/applications/{application.id}/appeal"
    page_checks(client.get(appeal_url), service_name=SERVICE_NAME)
    assert submit(client, appeal_url, {"grounds": "A sample was missed."}).status_code == 302

    _admin(client)
    hear_url = f"/admin/applications/{application.id}/appeal"
    page_checks(client.get(hear_url), service_name=SERVICE_NAME)
    refused = submit(
        client, hear_url, {"appeal_outcome": "upheld", "appeal_reasons": "The sample counts."}
    )
    assert "Select the new decision" in error_messages(
        page_checks(refused, service_name=SERVICE_NAME)
    )
    done = submit(
        client,
        hear_url,
        {
            "appeal_outcome": "upheld",
            "appeal_reasons": "The sample counts.",
            "outcome": "accredit",
            "reasons": "Meets the standard on appeal.",
            "level": "reviewer",
        },
    )
    assert done.status_code == 302
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Decision on appeal" in page


def test_the_deciding_administrator_cannot_hear_the_appeal(client):
    application = make_application(status=ApplicationStatus.AWAITING_DECISION)
    admin = _admin(client)
    submit(
        client,
        f"/admin/applications/{application.id}/decision",
        {"outcome": "decline", "reasons": "Too little evidence."},
    )
    sign_in_as(client, application.applicant)
    submit(client, f"/applications/{application.id}/appeal", {"grounds": "Unfair."})
    sign_in_as(client, admin)
    page = client.get(f"/admin/applications/{application.id}/appeal").get_data(as_text=True)
    assert "someone else must hear the appeal" in page


def test_accreditation_pages_list_show_and_change_status(client):
    application = make_application(status=ApplicationStatus.AWAITING_DECISION)
    _admin(client)
    submit(
        client,
        f"/admin/applications/{application.id}/decision",
        {"outcome": "accredit", "reasons": "Good.", "level": "reviewer"},
    )
    record = db.session.scalar(sa.select(AccreditationRecord))
    listing = client.get("/admin/accreditations?status=accredited")
    page_checks(listing, service_name=SERVICE_NAME)
    assert record.number in listing.get_data(as_text=True)
    url = f"/admin/accreditations/{record.id}"
    page_checks(client.get(url), service_name=SERVICE_NAME)
    refused = submit(client, url, {"status": "suspended", "version_id": str(record.version_id)})
    assert "Give the reason for the change" in error_messages(
        page_checks(refused, service_name=SERVICE_NAME)
    )
    done = submit(
        client,
        url,
        {"status": "suspended", "reason": "Complaint", "version_id": str(record.version_id)},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(AccreditationRecord, record.id).status.value == "suspended"
