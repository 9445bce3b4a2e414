"""Reporting pages: the dashboard with its filters, downloads matching pages, the notifications
upload, and diversity monitoring that no one sees individually."""

from __future__ import annotations

from portal.core.permissions import Role
from tests.factories import make_user
from tests.support import sign_in_as

SERVICE = "Reviewer accreditation"


def test_an_analyst_opens_the_dashboard(client):
    sign_in_as(client, make_user(roles=[Role.ANALYST]))
    response = client.get("/reports")
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
