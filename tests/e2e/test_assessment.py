"""Assessment in the browser: allocation, two assessors who disagree, and a moderator."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.applications.models import ApplicationStatus
from portal.core.permissions import Role
from portal.extensions import db
from tests.e2e.conftest import (
    LiveServer,
    Person,
    assert_accessible,
    expect_heading,
    seed_user,
    sign_in,
    sign_out,
)
from tests.factories import make_application, make_framework, make_user

pytestmark = pytest.mark.e2e

CODES = ("AB1", "AB2", "CD1")  # the competencies of tests/frameworks.py
SCALE = {1: "1: Not yet evidenced", 3: "3: Accredited standard", 4: "4: Advanced"}


def _submitted_application(live: LiveServer) -> tuple[int, str, str]:
    with live.app.app_context():
        framework = make_framework()
        application = make_application(
            applicant=make_user(name="Ada Invented"),
            framework=framework,
            status=ApplicationStatus.SUBMITTED,
        )
        db.session.commit()
        return application.id, str(application.reference), application.applicant.email


def _open_application(page: Page, reference: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Applications", exact=True
    ).click()
    expect_heading(page, "Applications")
    assert_accessible(page)
    page.get_by_role("link", name=reference, exact=True).click()
    expect_heading(page, "Test scheme tst: application")
    assert_accessible(page)


def _open_allocation(page: Page, reference: str, heading: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Assessments", exact=True
    ).click()
    expect_heading(page, "Your assessments")
    assert_accessible(page)
    page.get_by_role("link", name=reference, exact=True).click()
    expect_heading(page, f"{heading} {reference}")
    assert_accessible(page)


def _score(page: Page, levels: list[int], words: str, *, first_link: str) -> None:
    page.get_by_role("link", name=first_link).click()
    for n, level in enumerate(levels):
        expect_heading(page, f"{CODES[n]} Competency {CODES[n]}")
        if n == 0:
            assert_accessible(page)
        page.get_by_label(SCALE[level], exact=True).check()
        page.locator("#rationale").fill(f"{words}, competency {n + 1}.")
        page.get_by_role("button", name="Save score").click()


def _recommend(page: Page, button: str, heading: str, outcome: str, comments: str) -> None:
    page.get_by_role("link", name=button).click()
    expect_heading(page, heading)
    assert_accessible(page)
    page.get_by_label(outcome, exact=True).check()
    if outcome == "Accredit":
        page.get_by_label("Reviewer", exact=True).check()
    page.locator("#comments").fill(comments)
    page.get_by_role("button", name="Submit assessment").click()
    expect_heading(page, "Your assessments")
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()
    assert_accessible(page)


def _as(browser: Browser, live: LiveServer, person: Person) -> Page:
    """A browser of this person's own, signed in: each person signs in once, since the
    portal never accepts an authenticator code twice."""
    page = browser.new_context(base_url=live.url).new_page()
    sign_in(page, person.email)
    return page


def _assess(
    browser: Browser,
    live: LiveServer,
    person: Person,
    reference: str,
    levels: list[int],
    outcome: str,
) -> None:
    page = _as(browser, live, person)
    expect(page.get_by_text("1 allocation waiting for you").first).to_be_visible()
    _open_allocation(page, reference, "Assess application")
    _score(page, levels, f"Reasons of {person.name}", first_link="Score AB1")
    expect_heading(page, f"Assess application {reference}")
    assert_accessible(page)
    _recommend(
        page,
        "Make your recommendation and submit",
        "Make your recommendation",
        outcome,
        "Invented feedback.",
    )
    sign_out(page)
    page.context.close()


def test_two_assessors_disagree_and_a_moderator_settles_the_scores(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    _, reference, applicant_email = _submitted_application(live_server)
    admin = seed_user(live_server, label="admin", roles=(Role.ADMINISTRATOR,))
    first = seed_user(live_server, label="first", roles=(Role.ASSESSOR,))
    second = seed_user(live_server, label="second", roles=(Role.ASSESSOR,))
    lead = seed_user(live_server, label="lead", roles=(Role.QA_LEAD,))
    unwell = seed_user(live_server, label="unwell", roles=(Role.ASSESSOR,))

    sign_in(page, admin.email)
    _open_application(page, reference)
    page.get_by_role("link", name="Allocate assessors").click()
    expect_heading(page, "Allocate assessors")
    assert_accessible(page)
    page.get_by_label("First assessor").select_option(str(first.id))
    page.get_by_label("Second assessor").select_option(str(unwell.id))
    page.get_by_role("button", name="Allocate assessors").click()
    expect_heading(page, "Test scheme tst: application")
    expect(page.get_by_text(f"Allocated two assessors to {reference}.")).to_be_visible()
    assert_accessible(page)

    # One of them falls ill before starting: the work goes to someone else.
    page.get_by_role("link", name=f"Replace {unwell.name}").click()
    expect_heading(page, "Replace an assessor")
    assert_accessible(page)
    page.get_by_label("Who takes over").select_option(str(second.id))
    page.get_by_label("Why is the assessor being replaced?").fill("Invented: they are unwell.")
    page.get_by_role("button", name="Hand the work over").click()
    expect(page.get_by_text(f"{second.name} takes over on {reference}.")).to_be_visible()

    _assess(browser, live_server, first, reference, [1, 3, 3], "Accredit")
    _assess(browser, live_server, second, reference, [3, 3, 4], "Not yet")

    _open_application(page, reference)
    expect(page.get_by_text("In moderation").first).to_be_visible()
    page.get_by_role("link", name="Allocate a moderator").click()
    expect_heading(page, "Allocate a moderator")
    assert_accessible(page)
    page.get_by_label("Moderator").select_option(str(lead.id))
    page.get_by_role("button", name="Allocate moderator").click()
    expect_heading(page, "Test scheme tst: application")

    moderator = _as(browser, live_server, lead)
    _open_allocation(moderator, reference, "Moderate application")
    main = moderator.get_by_role("main")
    expect(main).to_contain_text(f"Reasons of {first.name}, competency 1.")
    expect(main).to_contain_text(f"Reasons of {second.name}, competency 1.")
    _score(
        moderator,
        [3, 3, 3],
        "Agreed after reading both",
        first_link="Record the agreed score for AB1",
    )
    expect_heading(moderator, f"Moderate application {reference}")
    assert_accessible(moderator)
    _recommend(
        moderator,
        "Submit the moderation",
        "Submit your moderation",
        "Accredit",
        "The first assessor missed evidence.",
    )
    moderator.context.close()

    _open_application(page, reference)
    expect(page.get_by_text("Awaiting decision").first).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Agreed scores")

    # Another administrator, who neither assessed nor moderated it, accredits the applicant.
    page.get_by_role("link", name="Record the decision").click()
    expect_heading(page, f"Record the decision on {reference}")
    assert_accessible(page)
    page.get_by_label("Accredit", exact=True).check()
    page.get_by_label("Reasons", exact=True).fill("Meets the accredited standard throughout.")
    page.get_by_label("Level (if accredited)").select_option("reviewer")
    page.get_by_role("button", name="Record decision").click()
    expect_heading(page, "Test scheme tst: application")
    expect(page.get_by_text("Decided").first).to_be_visible()
    assert_accessible(page)

    reviewer = browser.new_context(base_url=live_server.url).new_page()
    sign_in(reviewer, applicant_email)
    expect_heading(reviewer, "Your dashboard")
    panel = reviewer.get_by_role("region", name="Your accreditation")
    expect(panel).to_contain_text("Accreditation number TST-")
    expect(panel).to_contain_text("accredited, reviewer, valid until")
    assert_accessible(reviewer)
    reviewer.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Your applications"
    ).click()
    expect_heading(reviewer, "Your applications")
    assert_accessible(reviewer)
    reviewer.get_by_role("link", name=f"Test scheme tst ({reference})").click()
    expect(reviewer.get_by_role("main")).to_contain_text("Accredited: reviewer")
    expect(reviewer.get_by_role("main")).to_contain_text("Agreed scores")
    assert_accessible(reviewer)
    reviewer.context.close()
