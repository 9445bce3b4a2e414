"""Every role's dashboard, the information pages and the error pages, scanned with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.core.permissions import Role
from portal.extensions import db
from tests.e2e.conftest import (
    LiveServer,
    assert_accessible,
    expect_heading,
    seed_organisation,
    seed_user,
    sign_in,
)
from tests.factories import make_framework

pytestmark = pytest.mark.e2e

# The panels each role sees, in order. People who hold no other role are invited to apply.
PANEL_HEADINGS = {
    Role.APPLICANT: ("Apply for accreditation", "Your account"),
    Role.REVIEWER: ("Your accreditation",),
    Role.ASSESSOR: ("Assessing",),
    Role.QA_LEAD: ("Quality assurance",),
    Role.COMMISSIONER: ("Commissioning reviews",),
    Role.ANALYST: ("Reporting",),
    Role.ADMINISTRATOR: ("Running the scheme",),
}

FOOTER_PAGES = ["Accessibility statement", "Privacy notice", "Cookies"]


def test_each_role_lands_on_its_own_dashboard(
    page: Page, live_server: LiveServer, subtests: pytest.Subtests
) -> None:
    assert set(PANEL_HEADINGS) == set(Role)
    with live_server.app.app_context():
        make_framework()  # a scheme taking applications
        db.session.commit()
    # One browser context for all seven people (a context costs as much as a sign-in):
    # each starts from no cookies, so each is signed in only as themselves.
    for role, headings in PANEL_HEADINGS.items():
        with subtests.test(role=role.value):
            page.context.clear_cookies()
            # Everyone is an applicant; other roles come on top of it. The factory gives a
            # commissioner a partnership.
            granted = () if role is Role.APPLICANT else (role,)
            person = seed_user(live_server, label=role.value.replace("_", "-"), roles=granted)

            sign_in(page, person.email)
            expect_heading(page, "Your dashboard")
            for heading in headings:
                expect(page.get_by_role("region", name=heading)).to_be_visible()
            expect(page.get_by_role("main").get_by_role("heading", level=2)).to_have_text(
                list(headings)
            )
            assert_accessible(page)

            if role is Role.APPLICANT:
                page.goto("/admin/users")
                expect_heading(page, "You do not have permission to see this page")
                assert_accessible(page)


def test_the_start_information_and_not_found_pages_are_accessible(page: Page) -> None:
    page.goto("/")
    expect_heading(page, "Accreditation for safeguarding practice reviewers")
    assert_accessible(page)

    footer = page.get_by_role("contentinfo")
    for link in FOOTER_PAGES:
        footer.get_by_role("link", name=link).click()
        expect_heading(page, link)
        assert_accessible(page)

    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect_heading(page, "Page not found")
    assert_accessible(page)

    # The scanner really runs on our pages (the content security policy does not stop it).
    page.locator("main").evaluate(
        "main => main.insertAdjacentHTML('beforeend', '<img src=\"/assets/favicon.svg\">')"
    )
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)


def test_the_remaining_pages_are_accessible(page: Page, live_server: LiveServer) -> None:
    """Pages no journey above passes through, each scanned once."""
    for path, heading in [
        ("/sign-up/check-your-email", "Check your email"),
        ("/forgot-password/check-your-email", "Check your email"),
        ("/confirm-email/resend", "Send the confirmation link again"),
        ("/confirm-email/not-a-real-link", "This link is not valid"),
        ("/signed-out?idle=1", "You were signed out after 30 minutes"),
        ("/signed-out?limit=1", "You were signed out after 12 hours"),
        ("/account/deleted", "Your account has been deleted"),
    ]:
        page.goto(path)
        expect_heading(page, heading)
        assert_accessible(page)

    admin = seed_user(live_server, label="admin", roles=(Role.ADMINISTRATOR,))
    org_id, org_name = seed_organisation(live_server)
    sign_in(page, admin.email)
    for path, heading in [
        ("/account", "Your account"),
        ("/account/delete", "Delete your account"),
        (f"/admin/organisations/{org_id}/rename", f"Rename {org_name}"),
        (f"/admin/organisations/{org_id}/merge", f"Merge {org_name}"),
    ]:
        page.goto(path)
        expect_heading(page, heading)
        assert_accessible(page)
    page.get_by_role("button", name="Merge organisations").click()
    expect_heading(page, f"Merge {org_name}", error=True)
    assert_accessible(page)
