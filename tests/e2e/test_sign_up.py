"""Creating an account: the form, its errors, the confirmation email and the first sign-in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    LiveServer,
    assert_accessible,
    expect_heading,
    sign_in,
    unique_email,
)

pytestmark = pytest.mark.e2e

NAME = "Morwenna Tregarthen"
PASSWORD = "kettle orbit lantern"


def test_a_new_user_signs_up_confirms_their_email_and_reaches_their_dashboard(
    page: Page, live_server: LiveServer
) -> None:
    email = unique_email("sign-up")

    page.goto("/")
    assert_accessible(page)
    page.get_by_role("button", name="Create an account").click()
    expect_heading(page, "Create an account")
    assert_accessible(page)

    page.get_by_label("Full name").fill(NAME)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill("a different password")
    page.get_by_role("button", name="Create account").click()

    expect_heading(page, "Create an account", error=True)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary).to_be_focused()  # govuk-frontend moves focus to the summary on load
    expect(page.get_by_label("Full name")).to_have_value(NAME)
    expect(page.get_by_label("Email address")).to_have_value(email)
    assert_accessible(page)
    summary.get_by_role("link", name="Passwords must match").click()
    expect(page.get_by_label("Confirm your password")).to_be_focused()

    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect_heading(page, "Check your email")
    expect(page.get_by_text(email)).to_be_visible()
    assert_accessible(page)

    link = live_server.link_in_email(email, "Confirm your email address")
    assert link.startswith(f"{live_server.url}/confirm-email/")
    page.goto(link)
    expect_heading(page, "Confirm your email address")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm email address").click()

    expect_heading(page, "Sign in")
    expect(
        page.get_by_text("Your email address is confirmed. You can now sign in.")
    ).to_be_visible()
    assert_accessible(page)
    sign_in(page, email, PASSWORD)
    expect_heading(page, "Your dashboard")
    expect(page.get_by_text(NAME, exact=True)).to_be_visible()
    assert_accessible(page)
