"""Agencies in the browser: an administrator adds an academy trust that works with a
partnership, and an applicant finds it and declares it; every page axe-clean."""

from __future__ import annotations

import uuid

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
    sign_out,
)
from tests.factories import make_application

pytestmark = pytest.mark.e2e


def test_an_agency_is_added_then_declared(page: Page, live_server: LiveServer) -> None:
    admin = seed_user(live_server, label="admin", roles=(Role.ADMINISTRATOR,))
    _, partnership = seed_organisation(live_server)
    trust = f"Invented Brook {uuid.uuid4().hex[:6]} Academy Trust"

    sign_in(page, admin.email)
    expect_heading(page, "Your dashboard")
    page.goto("/admin/organisations")
    page.get_by_role("link", name="Add an agency").click()
    expect_heading(page, "Add an agency")
    assert_accessible(page)

    page.get_by_role("button", name="Add agency").click()
    expect_heading(page, "Add an agency", error=True)
    expect(page.locator("#kind-error")).to_contain_text("Choose the kind of agency")
    assert_accessible(page)

    page.get_by_label("Name").fill(trust)
    page.get_by_label("School or academy trust").check()
    page.get_by_text("Yorkshire and The Humber").click()
    page.get_by_label(partnership).check()
    assert_accessible(page)
    page.get_by_role("button", name="Add agency").click()
    expect_heading(page, trust)
    expect(page.get_by_text(f"Added {trust}.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=partnership).click()
    expect_heading(page, partnership)
    expect(page.get_by_role("table", name="Member agencies")).to_contain_text(trust)
    assert_accessible(page)
    sign_out(page)

    applicant = seed_user(live_server, label="applicant")
    with live_server.app.app_context():
        from portal.auth.models import User

        application = make_application(applicant=db.session.get(User, applicant.id), complete=False)
        db.session.commit()
        url = f"/applications/{application.id}/interests"
    sign_in(page, applicant.email)
    page.goto(url)
    expect_heading(page, "Declarations of interest")
    assert_accessible(page)

    page.get_by_label("Find an organisation by name (optional)").fill("brook academy")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("status")).to_contain_text("1 organisation matches")
    assert_accessible(page)
    page.get_by_label("Organisation", exact=True).select_option(label=trust)
    page.get_by_label("Employed by it").check()
    page.get_by_role("button", name="Add declaration").click()
    expect_heading(page, "Declarations of interest")
    expect(page.get_by_role("table")).to_contain_text(trust)
    assert_accessible(page)
