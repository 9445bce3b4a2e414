"""Administrators: giving and removing roles, and the administration pages."""

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
from tests.support import body_of, link_in

pytestmark = pytest.mark.e2e

NO_PARTNERSHIP = "Choose the safeguarding partnership this commissioner works for"


def _open_person(page: Page, search: str, name: str) -> None:
    """From any page, as an administrator: People, search for someone, open their page."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="People").click()
    expect_heading(page, "People and roles")
    assert_accessible(page)
    page.get_by_label("Name or email address").fill(search)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("1 person")
    assert_accessible(page)
    page.get_by_role("link", name=name).click()
    expect_heading(page, name)
    assert_accessible(page)


def test_an_administrator_gives_and_removes_a_role_and_cannot_change_their_own(
    page: Page, live_server: LiveServer
) -> None:
    admin = seed_user(live_server, label="admin", roles=(Role.ADMINISTRATOR,))
    target = seed_user(live_server, label="target")

    sign_in(page, admin.email)
    expect_heading(page, "Your dashboard")
    _open_person(page, target.email, target.name)

    roles = page.get_by_role("table", name="Roles and their history")
    page.get_by_label("Role to give").select_option(label="Assessor")
    page.get_by_role("button", name="Give role").click()
    expect_heading(page, target.name)
    expect(page.get_by_text(f"{target.name} now has the role Assessor.")).to_be_visible()
    expect(roles.get_by_role("row", name="Assessor")).to_contain_text(f"by {admin.name}")
    assert_accessible(page)

    message = live_server.email_to(target.email, "You have been given the role Assessor")
    assert "given you the role Assessor" in body_of(message)
    assert link_in(body_of(message)) == f"{live_server.url}/dashboard"

    roles.get_by_role("button", name="Remove the role Assessor").click()
    expect(page.get_by_text(f"Removed the role Assessor from {target.name}.")).to_be_visible()
    expect(roles.get_by_role("button", name="Remove the role Assessor")).to_have_count(0)
    assert_accessible(page)

    # A commissioner needs a partnership: the error sits beside that field.
    page.get_by_label("Role to give").select_option(label="Commissioner")
    page.get_by_role("button", name="Give role").click()
    expect_heading(page, target.name, error=True)
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    partnership = page.get_by_label("Safeguarding partnership (for commissioners)")
    expect(page.locator("#organisation-error")).to_contain_text(NO_PARTNERSHIP)
    expect(partnership).to_have_attribute(
        "aria-describedby", "organisation-hint organisation-error"
    )
    assert_accessible(page)
    page.locator(".govuk-error-summary").get_by_role("link", name=NO_PARTNERSHIP).click()
    expect(partnership).to_be_focused()

    _open_person(page, admin.email, admin.name)
    expect(
        page.get_by_text("You cannot change your own roles. Another administrator must do it.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Give role")).to_have_count(0)


def test_the_administration_pages_are_accessible(page: Page, live_server: LiveServer) -> None:
    admin = seed_user(live_server, label="admin", roles=(Role.ADMINISTRATOR,))
    _, org_name = seed_organisation(live_server)
    menu = page.get_by_role("navigation", name="Menu")

    sign_in(page, admin.email)
    expect_heading(page, "Your dashboard")
    assert_accessible(page)

    page.goto("/admin")
    expect_heading(page, "Administration")
    assert_accessible(page)

    menu.get_by_role("link", name="Organisations").click()
    expect_heading(page, "Organisations")
    expect(page.get_by_role("link", name=org_name)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=org_name).click()
    expect_heading(page, org_name)
    assert_accessible(page)

    menu.get_by_role("link", name="Audit log").click()
    expect_heading(page, "Audit log")
    expect(page.get_by_role("table", name="Audit events")).to_contain_text(
        f"{admin.email} signed in with a password"
    )
    assert_accessible(page)

    # An impossible date is an error in the filter form, summarised at the top.
    date_from = page.get_by_role("group", name="From")
    date_from.get_by_label("Day").fill("31")
    date_from.get_by_label("Month").fill("2")
    date_from.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Filter").click()
    expect_heading(page, "Audit log", error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a real date")
    assert_accessible(page)


def test_an_administrator_exports_a_persons_data_then_closes_their_account(
    page: Page, live_server: LiveServer
) -> None:
    admin = seed_user(live_server, label="exporter", roles=(Role.ADMINISTRATOR,))
    target = seed_user(live_server, label="subject")

    sign_in(page, admin.email)
    expect_heading(page, "Your dashboard")
    _open_person(page, target.email, target.name)
    page.get_by_role("link", name="export their personal data").click()
    expect_heading(page, "Export personal data")
    assert_accessible(page)
    page.get_by_role("button", name="Create the export").click()
    expect_heading(page, "Export personal data")
    expect(page.get_by_text("The export is ready to download.")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename.startswith("personal-data-")

    # Then the person asks to be erased.
    _open_person(page, target.email, target.name)
    page.get_by_role("link", name="close their account").click()
    expect_heading(page, "Close this account")
    assert_accessible(page)
    page.get_by_role("button", name="Close the account").click()
    expect_heading(page, "Close this account", error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why the account is being closed"
    )
    assert_accessible(page)
    page.get_by_label("Why is the account being closed?").fill("Asked to be erased by email.")
    page.get_by_role("button", name="Close the account").click()
    expect(page.get_by_text("The account is closed. The name is removed too.")).to_be_visible()
    assert_accessible(page)
