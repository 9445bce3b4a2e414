"""Administrators: reading framework versions, what changed, and publishing a new version."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.core.documents import read_yaml
from portal.core.permissions import Role
from portal.extensions import db
from portal.framework import services
from portal.framework.schema import framework_files, parse_framework, parse_scheme
from tests.e2e.conftest import LiveServer, assert_accessible, expect_heading, seed_user, sign_in

pytestmark = pytest.mark.e2e

DATA = Path(__file__).resolve().parent.parent / "data"


def _load_second_scheme(live: LiveServer) -> None:
    """The small adults review scheme from test data: 1.0 in use, 1.1 a draft."""
    with live.app.app_context():
        services.load_scheme(None, parse_scheme(read_yaml(DATA / "schemes" / "sar.yaml")))
        first, *_later = (
            services.load_framework(None, parse_framework(read_yaml(path))).framework
            for path in framework_files("sar", DATA / "frameworks")
        )
        services.publish_framework(None, first)
        db.session.commit()


def test_an_administrator_reviews_the_changes_and_publishes_a_new_version(
    page: Page, live_server: LiveServer
) -> None:
    _load_second_scheme(live_server)
    admin = seed_user(live_server, label="admin", roles=(Role.ADMINISTRATOR,))
    sign_in(page, admin.email)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Frameworks").click()
    expect_heading(page, "Competency frameworks")
    assert_accessible(page)

    versions = page.get_by_role(
        "table", name="Framework versions of Safeguarding adults review authors"
    )
    versions.get_by_role("link", name="Version 1.0").click()
    expect_heading(page, "Safeguarding adults review authors: version 1.0")
    page.get_by_text("Evidence and level descriptors for ANA1").click()
    expect(page.get_by_text("Accredited standard").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Competency frameworks").click()
    versions.get_by_role("link", name="Version 1.1").click()
    expect_heading(page, "Safeguarding adults review authors: version 1.1")
    page.get_by_role("link", name="What changed in this version").click()
    expect_heading(page, "What changed in version 1.1")
    expect(page.get_by_role("main")).to_contain_text("PAR1")
    assert_accessible(page)

    page.get_by_role("link", name="Back", exact=True).click()
    page.get_by_role("link", name="Publish this version").click()
    expect_heading(page, "Publish version 1.1")
    expect(page.get_by_role("main")).to_contain_text("Version 1.0 will be retired")
    assert_accessible(page)
    page.get_by_role("button", name="Publish version 1.1").click()

    expect_heading(page, "Safeguarding adults review authors: version 1.1")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is now in use")
    assert_accessible(page)
    page.get_by_role("link", name="Competency frameworks").click()
    table = page.get_by_role(
        "table", name="Framework versions of Safeguarding adults review authors"
    )
    expect(table.get_by_role("row").filter(has_text="Version 1.1")).to_contain_text("In use")
    expect(table.get_by_role("row").filter(has_text="Version 1.0")).to_contain_text("Retired")
