"""Signing in and out: the generic error, the keyboard, no JavaScript, and the attempt limit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_playwright.pytest_playwright import CreateContextCallback

from tests.e2e.conftest import (
    LiveServer,
    assert_accessible,
    expect_heading,
    seed_user,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.e2e

GENERIC_ERROR = "Enter a correct email address and password"


def test_a_wrong_password_gets_a_generic_error_then_the_right_one_signs_in_and_out(
    page: Page, live_server: LiveServer
) -> None:
    person = seed_user(live_server, label="sign-in")

    page.goto("/sign-in")
    expect_heading(page, "Sign in")
    assert_accessible(page)
    sign_in(page, person.email, "not the password at all")

    expect_heading(page, "Sign in", error=True)
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link", name=GENERIC_ERROR)).to_be_visible()
    # The message neither says which field was wrong nor keeps the password.
    expect(page.get_by_label("Email address")).to_have_value(person.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert_accessible(page)

    sign_in(page, person.email)
    expect_heading(page, "Your dashboard")
    assert_accessible(page)

    sign_out(page)
    assert_accessible(page)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=(/|%2F)dashboard$"))
    expect_heading(page, "Sign in")


def test_the_sign_in_page_works_with_the_keyboard_alone(
    page: Page, live_server: LiveServer
) -> None:
    person = seed_user(live_server, label="keyboard")
    page.goto("/sign-in")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()  # a 1px clip until focused, then shown in full
    assert box is not None and box["width"] > 1 and box["height"] > 1
    assert_accessible(page)

    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type(person.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(person.password)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Show password")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    page.keyboard.press("Enter")

    expect_heading(page, "Your dashboard")
    assert_accessible(page)


def test_sign_in_and_sign_out_work_without_javascript(
    new_context: CreateContextCallback, live_server: LiveServer
) -> None:
    # No axe scan here: axe is JavaScript, and these pages are the ones scanned above.
    person = seed_user(live_server, label="no-js")
    page = new_context(java_script_enabled=False).new_page()

    page.goto("/sign-in")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))
    sign_in(page, person.email)
    expect_heading(page, "Your dashboard")
    sign_out(page)  # a plain form POST from the header
    page.goto("/dashboard")
    expect_heading(page, "Sign in")


def test_too_many_failed_attempts_show_the_too_many_attempts_page(
    page: Page, live_server: LiveServer
) -> None:
    # A person of its own, so the per-account limit counts only this test's attempts.
    person = seed_user(live_server, label="limit")
    limit = int(str(live_server.app.config["SIGN_IN_ACCOUNT_LIMIT"]).split()[0])
    page.goto("/sign-in")
    # A submission without a password fails like a wrong one, without the cost of hashing.
    for _ in range(limit):
        page.get_by_label("Email address").fill(person.email)
        page.get_by_role("button", name="Sign in").click()
        expect_heading(page, "Sign in", error=True)
        expect(page.get_by_role("link", name="Enter your password")).to_be_visible()

    sign_in(page, person.email)
    expect_heading(page, "Too many attempts")
    assert_accessible(page)
    expect(page.get_by_role("link", name="reset it")).to_be_visible()
