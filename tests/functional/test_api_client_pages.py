"""Administrators' pages for API clients: create (the secret shown once), list with last use,
revoke; each audited."""

from __future__ import annotations

import sqlalchemy as sa

from portal.api.models import ApiClient
from portal.auth.passwords import verify_password
from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.extensions import db
from tests.factories import count, make_api_client, make_organisation, make_user
from tests.support import error_messages, page_checks, sign_in_as, submit

SERVICE = "Safeguarding practice reviewer accreditation"


def _admin(client):
    admin = make_user(roles=[Role.ADMINISTRATOR])
    sign_in_as(client, admin)
    return admin


def test_an_administrator_creates_a_client_and_sees_its_secret_once(client):
    admin = _admin(client)
    partnership = make_organisation(name="Invented Dale Safeguarding Children Partnership")
    form = client.get("/admin/api-clients/new")
    page_checks(form, service_name=SERVICE)
    response = submit(
        client,
        "/admin/api-clients/new",
        {
            "name": "Dale case system",
            "partnership": str(partnership.id),
            "scopes": ["register:read", "register:commissioning"],
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "text/html"
    soup = page_checks(response, service_name=SERVICE)
    secret = soup.select_one("[data-secret]").get_text()
    created = db.session.scalar(sa.select(ApiClient).where(ApiClient.name == "Dale case system"))
    assert created.partnership_id == partnership.id
    assert created.scope_list == ["register:read", "register:commissioning"]
    assert created.created_by_id == admin.id
    assert verify_password(created.secret_hash, secret)
    assert secret not in created.secret_hash
    assert created.client_id in response.get_data(as_text=True)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "api.client_created")
    )
    assert event.subject_id == str(created.id) and event.actor_id == admin.id
    assert secret not in str(event.changes) and secret not in event.summary
    # The list shows the client, never the secret.
    listing = client.get("/admin/api-clients")
    page_checks(listing, service_name=SERVICE)
    text = listing.get_data(as_text=True)
    assert "Dale case system" in text and partnership.name in text and "Never" in text
    assert secret not in text


def test_creating_a_client_needs_a_name_a_partnership_and_a_scope(client):
    _admin(client)
    response = submit(client, "/admin/api-clients/new", {"name": "  ", "partnership": "0"})
    assert response.status_code == 200
    soup = page_checks(response, service_name=SERVICE)
    assert error_messages(soup) == [
        "Enter a name for the client",
        "Choose the partnership the client is for",
        "Choose what the client may do",
    ]
    assert count(ApiClient) == 0


def test_a_client_cannot_be_for_a_government_body_or_an_unknown_scope(client):
    from portal.organisations.models import OrganisationKind

    _admin(client)
    body = make_organisation(kind=OrganisationKind.GOVERNMENT, name="Invented Department")
    response = submit(
        client,
        "/admin/api-clients/new",
        {"name": "Kept name", "partnership": str(body.id), "scopes": ["register:read"]},
    )
    soup = page_checks(response, service_name=SERVICE)
    assert error_messages(soup) == ["Choose the partnership the client is for"]
    assert 'value="Kept name"' in response.get_data(as_text=True)
    partnership = make_organisation()
    response = submit(
        client,
        "/admin/api-clients/new",
        {"name": "Kept name", "partnership": str(partnership.id), "scopes": ["admin"]},
    )
    assert "Choose what the client may do" in error_messages(
        page_checks(response, service_name=SERVICE)
    )
    assert count(ApiClient) == 0


def test_the_list_shows_last_use_and_revoked_clients(client):
    admin = _admin(client)
    used, _ = make_api_client(name="Used system")
    used.last_used_at = utcnow()
    db.session.commit()
    gone, _ = make_api_client(name="Old system")
    gone.revoked_at, gone.revoked_by_id = utcnow(), admin.id
    db.session.commit()
    response = client.get("/admin/api-clients")
    soup = page_checks(response, service_name=SERVICE)
    rows = soup.select("tbody tr")
    assert [row.select("td")[0].get_text(" ", strip=True).split(" Client")[0] for row in rows] == [
        "Used system",
        "Old system",
    ]
    assert "Revoked" in rows[1].get_text()
    assert "Never" not in rows[0].get_text()


def test_an_administrator_revokes_a_client_audited(client):
    admin = _admin(client)
    api_client, _ = make_api_client(name="Leaving system")
    page = client.get(f"/admin/api-clients/{api_client.id}/revoke")
    page_checks(page, service_name=SERVICE)
    response = submit(client, f"/admin/api-clients/{api_client.id}/revoke", {}, follow=True)
    assert "Leaving system is revoked" in response.get_data(as_text=True)
    db.session.expire_all()
    revoked = db.session.get(ApiClient, api_client.id)
    assert revoked.revoked_at is not None and revoked.revoked_by_id == admin.id
    assert count(AuditEvent, AuditEvent.action == "api.client_revoked") == 1
    # Revoking again changes nothing.
    again = client.get(f"/admin/api-clients/{api_client.id}/revoke")
    assert again.status_code == 302
    assert count(AuditEvent, AuditEvent.action == "api.client_revoked") == 1


def test_revoking_an_unknown_client_is_a_404(client):
    _admin(client)
    assert client.get("/admin/api-clients/999999/revoke").status_code == 404


def test_other_roles_cannot_manage_clients(client):
    api_client, _ = make_api_client()
    sign_in_as(client, make_user(roles=[Role.COMMISSIONER], organisation=api_client.partnership))
    assert client.get("/admin/api-clients").status_code == 403
    assert client.get(f"/admin/api-clients/{api_client.id}/revoke").status_code == 403
