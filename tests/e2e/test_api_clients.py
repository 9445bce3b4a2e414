"""An administrator creates an API client for a partnership, the partnership's system gets a
token and searches, and the administrator revokes the client."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.core.permissions import Role
from tests.e2e.conftest import (
    LiveServer,
    assert_accessible,
    expect_heading,
    seed_organisation,
    seed_user,
    sign_in,
)

pytestmark = pytest.mark.e2e


def test_an_administrator_creates_uses_and_revokes_an_api_client(
    page: Page, live_server: LiveServer
) -> None:
    admin = seed_user(live_server, label="admin", roles=(Role.ADMINISTRATOR,))
    _, partnership = seed_organisation(live_server)

    sign_in(page, admin.email)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="API clients").click()
    expect_heading(page, "API clients")
    assert_accessible(page)

    page.get_by_role("link", name="Create a client").click()
    expect_heading(page, "Create an API client")
    assert_accessible(page)
    page.get_by_role("button", name="Create client").click()
    expect_heading(page, "Create an API client", error=True)
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_accessible(page)

    page.get_by_label("Name", exact=True).fill("Invented case system")
    page.get_by_label("Partnership", exact=True).select_option(label=partnership)
    page.get_by_label("Commissioning details").check()
    page.get_by_role("button", name="Create client").click()
    expect_heading(page, "API client created")
    assert_accessible(page)
    client_id = page.locator("dd code").first.inner_text()
    secret = page.locator("[data-secret]").inner_text()

    api = page.request
    token = api.post(
        f"{live_server.url}/api/v1/oauth/token",
        form={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert token.status == 200, token.text()
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    found = api.get(f"{live_server.url}/api/v1/reviewers", headers=bearer)
    assert found.status == 200
    assert found.json()["partnership"]["name"] == partnership

    page.get_by_role("link", name="Back to API clients").click()
    expect_heading(page, "API clients")
    row = page.get_by_role("row", name="Invented case system")
    expect(row).not_to_contain_text("Never")
    row.get_by_role("link", name="Revoke").click()
    expect_heading(page, "Revoke Invented case system")
    assert_accessible(page)
    page.get_by_role("button", name="Revoke client").click()
    expect_heading(page, "API clients")
    expect(page.get_by_text("Invented case system is revoked")).to_be_visible()
    expect(page.get_by_role("row", name="Invented case system")).to_contain_text("Revoked")
    assert_accessible(page)

    refused = api.get(f"{live_server.url}/api/v1/reviewers", headers=bearer)
    assert refused.status == 401
    assert refused.headers["content-type"] == "application/problem+json"
