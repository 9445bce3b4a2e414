"""Mentoring pages: an administrator pairs, the mentor logs a session, the mentee reads it."""

from __future__ import annotations

from portal.applications.models import AccreditationStatus, MentorPairing
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import make_user
from tests.integration.test_mentoring import _record
from tests.support import error_messages, page_checks, sign_in_as, submit


def test_pair_log_and_read_a_supervision_session(client):
    mentee = _record()
    mentor = _record(AccreditationStatus.ACCREDITED)
    admin = make_user(roles=[Role.ADMINISTRATOR])
    sign_in_as(client, admin)
    url = f"/admin/accreditations/{mentee.id}/mentor"
    page_checks(client.get(url), service_name=SERVICE_NAME)
    assert submit(client, url, {"mentor": str(mentor.user_id)}).status_code == 302
    pairing = db.session.query(MentorPairing).one()

    reviewer_role = make_user(roles=[Role.REVIEWER])
    from portal.auth.models import RoleGrant

    for person in (mentor.user, mentee.user):
        db.session.add(RoleGrant(user=person, role=Role.REVIEWER))
    db.session.commit()

    sign_in_as(client, mentor.user)
    page_checks(client.get("/mentoring"), service_name=SERVICE_NAME)
    session_url = f"/mentoring/{pairing.id}"
    page_checks(client.get(session_url), service_name=SERVICE_NAME)
    today = utcnow().date()
    refused = submit(client, session_url, {"minutes": "5"})
    messages = error_messages(page_checks(refused, service_name=SERVICE_NAME))
    assert "A session lasts from 15 to 480 minutes" in messages
    done = submit(
        client,
        session_url,
        {
            "held_on": [str(today.day), str(today.month), str(today.year)],
            "minutes": "60",
            "focus": "Family involvement",
            "notes": "Planned an invented family meeting.",
        },
    )
    assert done.status_code == 302

    sign_in_as(client, mentee.user)
    page = client.get(session_url).get_data(as_text=True)
    assert "Family involvement" in page
    assert "Log a session" not in page
    sign_in_as(client, reviewer_role)
    assert client.get(session_url).status_code == 403
