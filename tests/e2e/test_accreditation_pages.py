"""Every accreditation page not walked by another journey, opened by the person it is for
and scanned with axe, including its error state."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.applications import decisions, mentoring, queries
from portal.applications.models import (
    AccreditationRecord,
    ApplicationRoute,
    ApplicationStatus,
    Outcome,
)
from portal.auth.models import RoleGrant
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.extensions import db
from tests.e2e.conftest import (
    LiveServer,
    Person,
    assert_accessible,
    expect_heading,
    seed_user,
    sign_in,
)
from tests.factories import make_application, make_framework, make_user
from tests.integration.test_assessment import _assess_both

pytestmark = pytest.mark.e2e


def _as(browser: Browser, live: LiveServer, person: Person) -> Page:
    page = browser.new_context(base_url=live.url).new_page()
    sign_in(page, person.email)
    return page


def _seed(live: LiveServer) -> dict[str, object]:
    """A declined and appealed application, a provisional reviewer with a mentor, and two
    submitted assessments to calibrate against."""
    with live.app.app_context():
        framework = make_framework()
        today = utcnow().date()
        decider = make_user(roles=[Role.ADMINISTRATOR])
        declined = make_application(framework=framework, status=ApplicationStatus.AWAITING_DECISION)
        decisions.record_decision(
            decider,
            declined,
            decisions.DecisionInput(Outcome.DECLINE, "Too little evidence of analysis."),
            queries.competencies(framework.id),
            today=today,
        )
        appealed = make_application(framework=framework, status=ApplicationStatus.AWAITING_DECISION)
        decisions.record_decision(
            decider,
            appealed,
            decisions.DecisionInput(Outcome.DECLINE, "Too little evidence."),
            queries.competencies(framework.id),
            today=today,
        )
        decisions.lodge_appeal(
            appealed.applicant, appealed, grounds="A sample was missed.", today=today
        )
        provisional = make_application(
            framework=framework,
            status=ApplicationStatus.AWAITING_DECISION,
            route=ApplicationRoute.SUPERVISED,
        )
        decisions.record_decision(
            decider,
            provisional,
            decisions.DecisionInput(Outcome.ACCREDIT, "Ready with a mentor.", level="provisional"),
            queries.competencies(framework.id),
            today=today,
        )
        mentor_application = make_application(
            framework=framework, status=ApplicationStatus.AWAITING_DECISION
        )
        decisions.record_decision(
            decider,
            mentor_application,
            decisions.DecisionInput(Outcome.ACCREDIT, "Meets the standard.", level="reviewer"),
            queries.competencies(framework.id),
            today=today,
        )
        record = (
            db.session.query(AccreditationRecord).filter_by(user_id=provisional.applicant_id).one()
        )
        mentor = mentor_application.applicant
        pairing = mentoring.pair_mentor(decider, record, mentor)
        mentoring.log_session(
            mentor,
            pairing,
            held_on=today,
            minutes=60,
            focus="Planning family involvement",
            notes="Agreed how to meet the family safely.",
            today=today,
        )
        _admin, _application, first, _second = _assess_both([3, 3, 3], [3, 2, 4])
        db.session.commit()
        return {
            "declined": declined.id,
            "declined_email": declined.applicant.email,
            "appealed": appealed.id,
            "record": record.id,
            "pairing": pairing.id,
            "mentor_email": mentor.email,
            "assessor": first.assessor_id,
        }


def _reviewer(live: LiveServer, email: str) -> Person:
    with live.app.app_context():
        user = (
            db.session.query(RoleGrant)
            .filter(RoleGrant.role == Role.REVIEWER)
            .join(RoleGrant.user)
            .filter_by(email=email)
            .one()
            .user
        )
        return Person(id=user.id, name=user.name, email=user.email)


def test_the_remaining_accreditation_pages_are_accessible(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    seeded = _seed(live_server)
    admin = seed_user(live_server, label="admin", roles=(Role.ADMINISTRATOR,))
    sign_in(page, admin.email)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Accreditations").click()
    expect_heading(page, "Accreditations")
    assert_accessible(page)
    page.goto(f"/admin/accreditations/{seeded['record']}")
    expect(page.get_by_role("main")).to_contain_text("Provisionally accredited")
    assert_accessible(page)
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.goto(f"/admin/accreditations/{seeded['record']}/mentor")
    expect(page.get_by_role("main")).to_contain_text("already paired")
    assert_accessible(page)

    page.goto(f"/admin/applications/{seeded['appealed']}/appeal")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hear the appeal on")
    assert_accessible(page)
    page.get_by_role("button", name="Record outcome of appeal").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)

    applicant = Person(id=0, name="", email=str(seeded["declined_email"]))
    mine = _as(browser, live_server, applicant)
    mine.goto(f"/applications/{seeded['declined']}")
    expect(mine.get_by_role("main")).to_contain_text("Declined")
    assert_accessible(mine)
    mine.get_by_role("link", name="Appeal the decision").click()
    expect_heading(mine, "Appeal the decision")
    assert_accessible(mine)
    mine.get_by_role("button", name="Send appeal").click()
    expect_heading(mine, "Appeal the decision", error=True)
    assert_accessible(mine)
    mine.context.close()

    mentor = _as(browser, live_server, _reviewer(live_server, str(seeded["mentor_email"])))
    mentor.get_by_role("navigation", name="Menu").get_by_role("link", name="Mentoring").click()
    expect_heading(mentor, "Mentoring")
    assert_accessible(mentor)
    mentor.goto(f"/mentoring/{seeded['pairing']}")
    expect(mentor.get_by_role("main")).to_contain_text("Planning family involvement")
    assert_accessible(mentor)
    mentor.get_by_role("button", name="Log session").click()
    expect(mentor.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(mentor)
    mentor.context.close()

    lead = seed_user(live_server, label="lead", roles=(Role.QA_LEAD,))
    qa = _as(browser, live_server, lead)
    qa.get_by_role("navigation", name="Menu").get_by_role("link", name="Calibration").click()
    expect_heading(qa, "Assessor calibration")
    assert_accessible(qa)
    qa.get_by_role("link", name="Send an application for double-marking").click()
    expect_heading(qa, "Send an application for double-marking")
    assert_accessible(qa)
    qa.get_by_role("button", name="Send for double-marking").click()
    expect_heading(qa, "Send an application for double-marking", error=True)
    assert_accessible(qa)
    qa.goto(f"/calibration/assessors/{seeded['assessor']}")
    assert_accessible(qa)
    qa.get_by_role("button", name="Save rating").first.click()
    expect(qa.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(qa)
    qa.context.close()

    page.context.clear_cookies()
    page.goto("/references/not-a-real-link")
    expect_heading(page, "This reference link cannot be used")
    assert_accessible(page)
