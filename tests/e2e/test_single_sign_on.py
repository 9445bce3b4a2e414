"""Signing in with an identity provider in Chromium, and signing out of both the portal and
the provider (RP-initiated logout)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import User
from portal.core.permissions import Role
from portal.extensions import db
from tests.e2e.conftest import LiveServer, assert_accessible, expect_heading, seed_user
from tests.oidc import PROVIDER_LABEL, RunningProvider, callback_url, running_provider

pytestmark = pytest.mark.e2e


@pytest.fixture
def identity_provider(live_server: LiveServer) -> Iterator[RunningProvider]:
    """The test provider, known to the live server for this test only."""
    config = live_server.app.config
    with running_provider(
        [callback_url(live_server.url)], [f"{live_server.url}/signed-out"]
    ) as provider:
        config["IDENTITY_PROVIDERS"] = (provider.config(),)
        try:
            yield provider
        finally:
            config["IDENTITY_PROVIDERS"] = ()


def test_sign_in_with_the_provider_then_sign_out_of_both(
    page: Page, live_server: LiveServer, identity_provider: RunningProvider
) -> None:
    email = f"sso-{uuid.uuid4().hex[:12]}@example.test"

    page.goto("/sign-in")
    expect_heading(page, "Sign in")
    assert_accessible(page)
    page.get_by_role("button", name=f"Sign in with {PROVIDER_LABEL}").click()

    # The provider's own sign-in page (not the portal's: no axe scan here).
    expect(page).to_have_url(re.compile(rf"^{re.escape(identity_provider.issuer)}/interaction/"))
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Name").fill("Robin Invented")
    page.get_by_role("button", name="Sign in to the test provider").click()

    expect_heading(page, "Your dashboard")
    assert_accessible(page)
    page.goto("/account")
    expect(page.get_by_text(email)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Sign out", exact=True).click()
    # The provider asks whether to end its session too.
    expect(page).to_have_url(re.compile(rf"^{re.escape(identity_provider.issuer)}/session/end"))
    page.get_by_role("button", name="Yes, sign me out").click()

    expect_heading(page, "You have been signed out")
    assert page.url.startswith(f"{live_server.url}/signed-out")
    assert_accessible(page)

    # Signed out at the provider too: its sign-in page asks again.
    page.goto("/sign-in")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_LABEL}").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(identity_provider.issuer)}/interaction/"))
    expect(page.get_by_label("Email", exact=True)).to_be_visible()


def test_a_commissioner_signs_in_with_the_provider_and_lands_on_their_partnership(
    page: Page, live_server: LiveServer, identity_provider: RunningProvider
) -> None:
    commissioner = seed_user(live_server, label="commissioner", roles=(Role.COMMISSIONER,))
    with live_server.app.app_context():
        user = db.session.get(User, commissioner.id)
        partnership_code, partnership_name = user.organisation.code, user.organisation.name
    # The provider signs people in for this partnership; the role stays the administrators'.
    live_server.app.config["IDENTITY_PROVIDERS"] = (
        identity_provider.config(organisation=partnership_code),
    )

    page.goto("/sign-in")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_LABEL}").click()
    page.get_by_label("Email", exact=True).fill(commissioner.email)
    page.get_by_label("Name").fill(commissioner.name)
    page.get_by_role("button", name="Sign in to the test provider").click()

    expect_heading(page, "Your dashboard")
    panel = page.get_by_role("region", name="Commissioning reviews")
    expect(panel).to_contain_text(f"You commission reviews for {partnership_name}")
    assert_accessible(page)
