"""An assessor is made to set up a second factor, signs in with it, and a recovery code
works once."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest
from playwright.sync_api import Page, expect

from portal.core.permissions import Role
from tests.e2e.conftest import (
    LiveServer,
    assert_accessible,
    expect_heading,
    seed_user,
    sign_out,
)
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.e2e


def _password(page: Page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_assessor_sets_up_a_second_factor_and_signs_in_with_it(
    page: Page, live_server: LiveServer
) -> None:
    assessor = seed_user(live_server, label="assessor", roles=(Role.ASSESSOR,), two_factor=False)
    _password(page, assessor.email)
    expect_heading(page, "Set up two-factor authentication")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert_accessible(page)
    secret = page.locator(".app-secret-key").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)

    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect_heading(page, "Set up two-factor authentication", error=True)
    assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor authentication").click()

    expect_heading(page, "Save your recovery codes")
    codes = page.locator(".app-recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    assert_accessible(page)
    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect_heading(page, "Your dashboard")
    sign_out(page)

    _password(page, assessor.email)
    expect_heading(page, "Enter your security code")
    assert_accessible(page)
    step = totp.timecode(datetime.now(UTC)) + 1  # the set-up used the current step
    page.get_by_label("Security code").fill(totp.generate_otp(step))
    page.get_by_role("button", name="Continue").click()
    expect_heading(page, "Your dashboard")
    sign_out(page)

    _password(page, assessor.email)
    page.get_by_label("Security code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect_heading(page, "Your dashboard")
    sign_out(page)

    _password(page, assessor.email)
    page.get_by_label("Security code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect_heading(page, "Enter your security code", error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("unused recovery codes")
    assert_accessible(page)
