"""Resetting a forgotten password through the emailed link."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    LiveServer,
    assert_accessible,
    expect_heading,
    seed_user,
    sign_in,
)

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "velvet harbour compass"


def test_a_user_resets_a_forgotten_password_and_only_the_new_one_works(
    page: Page, live_server: LiveServer
) -> None:
    person = seed_user(live_server, label="reset")

    page.goto("/sign-in")
    page.get_by_role("link", name="I have forgotten my password").click()
    expect_heading(page, "Reset your password")
    assert_accessible(page)
    page.get_by_label("Email address").fill(person.email)
    page.get_by_role("button", name="Send reset link").click()
    expect_heading(page, "Check your email")
    assert_accessible(page)

    link = live_server.link_in_email(person.email, "Reset your password")
    assert link.startswith(f"{live_server.url}/reset-password/")
    page.goto(link)
    expect_heading(page, "Set a new password")
    assert_accessible(page)

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill("velvet harbour compas")
    page.get_by_role("button", name="Set password").click()
    expect_heading(page, "Set a new password", error=True)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Passwords must match")).to_be_visible()
    expect(page.locator("#confirm_password-error")).to_contain_text("Passwords must match")
    assert_accessible(page)

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect_heading(page, "Sign in")
    expect(
        page.get_by_text("Your password has been changed. Sign in with your new password.")
    ).to_be_visible()
    assert_accessible(page)
    live_server.email_to(person.email, "Your password has been changed")

    sign_in(page, person.email, person.password)
    expect_heading(page, "Sign in", error=True)
    expect(
        page.get_by_role("link", name="Enter a correct email address and password")
    ).to_be_visible()

    sign_in(page, person.email, NEW_PASSWORD)
    expect_heading(page, "Your dashboard")

    # The link worked once: the new password changed what it was signed against.
    page.goto(link)
    expect_heading(page, "This link is not valid")
    assert_accessible(page)
