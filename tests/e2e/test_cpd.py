"""A reviewer keeps their CPD record: logs activities, meets a warning about personal data and
fixes the text, and sees this year's requirements met on their CPD page and dashboard."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import User
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.cpd import audit, audit_queries
from portal.cpd import queries as cpd_queries
from portal.extensions import db
from tests.e2e.conftest import (
    LiveServer,
    assert_accessible,
    expect_heading,
    seed_user,
    sign_in,
    sign_out,
)
from tests.factories import make_cpd_entry, make_cpd_requirements, make_framework, make_record

pytestmark = pytest.mark.e2e


def _accredited_reviewer(live: LiveServer):
    person = seed_user(live, label="reviewer", roles=(Role.REVIEWER,))
    with live.app.app_context():
        framework = make_framework()
        if cpd_queries.published_requirements(framework.scheme_id) is None:
            make_cpd_requirements()
        user = db.session.get(User, person.id)
        make_record(user=user, framework=framework, starts_on=utcnow().date() - timedelta(days=60))
    return person


def _fill_activity(page: Page, *, title: str, learning: str, peer: bool) -> None:
    day = utcnow().date() - timedelta(days=3)
    page.get_by_label("Formal course or training").check()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Short description").fill("A day on systems methods for reviews.")
    page.get_by_label("Why is it relevant to your work as a reviewer?").fill(
        "I lead local practice reviews."
    )
    page.locator("#starts_on-day").fill(str(day.day))
    page.locator("#starts_on-month").fill(str(day.month))
    page.locator("#starts_on-year").fill(str(day.year))
    page.get_by_label("Hours", exact=True).fill("6.5")
    page.get_by_label("Participatory hours").fill("4")
    page.get_by_label("AB1 Competency AB1").check()
    page.get_by_label("CD1 Competency CD1").check()
    page.get_by_label("What did you learn?", exact=True).fill(learning)
    page.get_by_label("What difference has it made").fill(
        "My analysis will explain more about the conditions of practice."
    )
    if peer:
        page.get_by_role("group", name="Did you discuss this learning with a peer?").get_by_label(
            "Yes"
        ).check()
        page.get_by_label("Peer's name").fill("Invented Colleague")
        page.get_by_label("Peer's role").fill("Accredited reviewer")
        page.get_by_label("What did you learn from the discussion?").fill(
            "To test my explanations with the practitioners involved."
        )
    else:
        page.get_by_role("group", name="Did you discuss this learning with a peer?").get_by_label(
            "No"
        ).check()


def test_a_reviewer_logs_activities_and_meets_this_years_requirements(
    page: Page, live_server: LiveServer
) -> None:
    reviewer = _accredited_reviewer(live_server)
    sign_in(page, reviewer.email)
    expect_heading(page, "Your dashboard")
    expect(page.get_by_role("main")).to_contain_text("still needs 2 more completed records")
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your CPD").click()
    expect_heading(page, "Your CPD record")
    expect(page.get_by_role("main")).to_contain_text("days left in this year")
    expect(page.get_by_role("img", name="Hours of CPD by framework domain")).to_be_visible()
    assert_accessible(page)

    # An activity with a peer discussion.
    page.get_by_role("link", name="Log an activity").click()
    expect_heading(page, "Log an activity")
    assert_accessible(page)
    _fill_activity(
        page,
        title="Systems methods course",
        learning="How to explain why practice made sense at the time.",
        peer=True,
    )
    page.get_by_role("button", name="Save as complete").click()
    expect_heading(page, "Systems methods course")
    expect(page.get_by_role("main")).to_contain_text("Invented Colleague, Accredited reviewer")
    assert_accessible(page)

    # An activity whose reflection names someone: the check warns, the reviewer fixes it.
    page.get_by_role("link", name="Back", exact=True).click()
    expect_heading(page, "Your CPD record")
    page.get_by_role("link", name="Log an activity").click()
    _fill_activity(
        page,
        title="Learning event on family involvement",
        learning="I understood the review better after talking with his mother Jane.",
        peer=False,
    )
    page.get_by_role("button", name="Save as complete").click()
    expect_heading(page, "Log an activity")
    warning = page.locator("#personal-data-warning")
    expect(warning).to_contain_text("may identify a child, a family member or a practitioner")
    expect(page.get_by_role("main")).to_contain_text("mother Jane")
    assert_accessible(page)
    page.get_by_label("What did you learn?", exact=True).fill(
        "I understood the review better after talking with a parent."
    )
    page.get_by_role("button", name="Save as complete").click()
    expect_heading(page, "Learning event on family involvement")
    assert_accessible(page)

    # This year's requirements are met, on the CPD page and on the dashboard.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your CPD").click()
    expect_heading(page, "Your CPD record")
    this_year = page.locator("#this-year")
    expect(this_year).to_contain_text("This CPD year")
    expect(page.get_by_role("main")).to_contain_text("2 completed records")
    expect(page.get_by_role("main")).not_to_contain_text("Still needed: 1 more completed record")
    expect(page.get_by_role("cell", name="13", exact=True).first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home").click()
    expect_heading(page, "Your dashboard")
    expect(page.get_by_role("main")).to_contain_text("requirements met.")
    assert_accessible(page)


def test_a_reviewer_imports_a_csv_sees_the_two_bad_rows_and_adds_the_good_ones(
    page: Page, live_server: LiveServer
) -> None:
    import csv
    import io

    from portal.cpd.imports import COLUMNS, EXAMPLE_ROW

    reviewer = _accredited_reviewer(live_server)
    day = (utcnow().date() - timedelta(days=5)).isoformat()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for changes in (
        {"title": "Systems methods course"},
        {"title": "Course with no date", "starts_on": "31/02/2026"},
        {"title": "Reading on hindsight bias", "activity_type": "reading"},
        {"title": "Too many hours", "hours": "900"},
    ):
        writer.writerow({**EXAMPLE_ROW, "starts_on": day, "ends_on": "", **changes})

    sign_in(page, reviewer.email)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your CPD").click()
    expect_heading(page, "Your CPD record")
    page.get_by_role("link", name="Import activities from a CSV file").click()
    expect_heading(page, "Import activities from a CSV file")
    assert_accessible(page)

    page.get_by_label("Upload a CSV file").set_input_files(
        {"name": "my-cpd.csv", "mimeType": "text/csv", "buffer": buffer.getvalue().encode()}
    )
    page.get_by_role("button", name="Check the file").click()
    expect_heading(page, "Check the activities to import")
    expect(page.locator("#import-summary")).to_contain_text("2 rows can be added; 2 rows cannot")
    problems = page.get_by_role("table", name="Rows that cannot be added, and why")
    expect(problems.get_by_role("row")).to_have_count(3)
    expect(problems.get_by_role("row").nth(1)).to_contain_text("Line 3")
    expect(problems.get_by_role("row").nth(1)).to_contain_text("first day must be a real date")
    expect(problems.get_by_role("row").nth(2)).to_contain_text("Line 5")
    expect(problems.get_by_role("row").nth(2)).to_contain_text("Hours must be between 0.25 and 200")
    assert_accessible(page)

    page.get_by_role("button", name="Add these activities").click()
    expect_heading(page, "Your CPD record")
    expect(page.get_by_role("main")).to_contain_text("Added 2 activities to your CPD record.")
    expect(page.get_by_role("link", name="Systems methods course")).to_be_visible()
    expect(page.get_by_role("link", name="Reading on hindsight bias")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="printable page for your appraisal").click()
    expect_heading(page, "CPD record for appraisal")
    assert_accessible(page)


def _reviewer_due_for_audit(live: LiveServer, scheme: str = "cpdaudit"):
    """A reviewer accredited more than a year ago in a scheme of their own, with two activities
    in the CPD year that has closed."""
    person = seed_user(live, label="audited", roles=(Role.REVIEWER,))
    with live.app.app_context():
        framework = make_framework(scheme=scheme)
        make_cpd_requirements(scheme=scheme)
        user = db.session.get(User, person.id)
        started = utcnow().date() - timedelta(days=400)
        record = make_record(user=user, framework=framework, starts_on=started)
        make_cpd_entry(record, on=started + timedelta(days=30), title="Systems methods day")
        make_cpd_entry(record, on=started + timedelta(days=90), peer=True, title="Peer reflection")
    return person


def test_an_administrator_draws_an_audit_sample_and_an_assessor_records_an_outcome(
    page: Page, live_server: LiveServer
) -> None:
    reviewer = _reviewer_due_for_audit(live_server)
    admin = seed_user(live_server, label="admin", roles=(Role.ADMINISTRATOR,))
    assessor = seed_user(
        live_server, label="assessor", name="Audit Assessor", roles=(Role.ASSESSOR,)
    )

    # The administrator draws the sample.
    sign_in(page, admin.email)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="CPD audit").click()
    expect_heading(page, "CPD audit")
    assert_accessible(page)
    page.get_by_role("link", name="Draw a new sample").click()
    expect_heading(page, "Draw a CPD audit sample")
    assert_accessible(page)
    page.get_by_label("Test scheme cpdaudit").check()
    page.get_by_label("Percentage of eligible reviewers to draw (optional)").fill("1")
    page.get_by_role("button", name="Draw the sample").click()
    expect_heading(page, "Draw a CPD audit sample", error=True)
    assert_accessible(page)
    page.get_by_label("Percentage of eligible reviewers to draw (optional)").fill("100")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.get_by_role("main")).to_contain_text("Same sample")
    expect(page.get_by_role("main")).to_contain_text(reviewer.name)
    assert_accessible(page)
    cycle_url = page.url
    sign_out(page)

    # The reviewer is emailed, sees the audit with its deadline and submits.
    live_server.email_to(reviewer.email, "selected for audit")
    sign_in(page, reviewer.email)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your CPD").click()
    expect_heading(page, "Your CPD record")
    expect(page.get_by_role("region", name="CPD audit")).to_contain_text("submit it by")
    assert_accessible(page)
    page.get_by_role("link", name="Check and submit your record").click()
    expect_heading(page, "Submit your CPD record for audit")
    expect(page.get_by_role("main")).to_contain_text("Systems methods day")
    assert_accessible(page)
    page.get_by_role("button", name="Submit my CPD record").click()
    expect_heading(page, "Submit your CPD record for audit", error=True)
    assert_accessible(page)
    page.get_by_label("I confirm that this CPD record for the year is complete").check()
    page.get_by_role("button", name="Submit my CPD record").click()
    expect_heading(page, "Your CPD record")
    expect(page.get_by_role("region", name="CPD audit")).to_contain_text("with the assessors")
    sign_out(page)

    # The administrator allocates an assessor.
    sign_in(page, admin.email)
    page.goto(cycle_url)
    page.get_by_role("link", name=f"Allocate first assessor for {reviewer.name}").click()
    expect_heading(page, "Allocate the first assessor")
    assert_accessible(page)
    page.get_by_label("Audit Assessor").check()
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_role("main")).to_contain_text("Audit Assessor will assess")
    sign_out(page)

    # The assessor reads the record and records an outcome.
    sign_in(page, assessor.email)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="CPD audits").click()
    expect_heading(page, "CPD audits to assess")
    assert_accessible(page)
    page.get_by_role("link", name=reviewer.name).click()
    expect_heading(page, f"Assess the CPD record of {reviewer.name}")
    expect(page.get_by_role("main")).to_contain_text("Peer reflection")
    assert_accessible(page)
    page.get_by_label("Accepted").check()
    page.get_by_label("Feedback for the reviewer").fill("A reflective record that meets the year.")
    page.get_by_role("button", name="Record the outcome").click()
    expect_heading(page, "CPD audits to assess")
    expect(page.get_by_role("main")).to_contain_text("Outcome recorded: accepted")
    assert_accessible(page)
    live_server.email_to(reviewer.email, "The outcome of your CPD audit: accepted")


def test_an_administrator_gives_more_time_instead_of_a_proposed_suspension(
    page: Page, live_server: LiveServer
) -> None:
    reviewer = _reviewer_due_for_audit(live_server, scheme="cpdmore")
    admin = seed_user(live_server, label="admin", roles=(Role.ADMINISTRATOR,))
    with live_server.app.app_context():
        person = db.session.get(User, admin.id)
        scheme = make_framework(scheme="cpdmore").scheme
        cycle = audit.open_cycle(
            person, scheme, percent=Decimal("100"), today=utcnow().date(), seed=1
        )
        db.session.commit()
        (selection,) = audit_queries.selections_of(cycle.id)
        audit.process_overdue(today=selection.due_on + timedelta(days=1))
        db.session.commit()
        selection_id = selection.id

    sign_in(page, admin.email)
    page.goto(f"/cpd/audit/records/{selection_id}/proposal")
    expect_heading(page, "Decide the proposed suspension")
    assert_accessible(page)
    page.get_by_label("Give more time: set a new deadline for what is overdue").check()
    page.get_by_label("Reason for your decision").fill("Invented: was in hospital.")
    page.get_by_role("button", name="Save the decision").click()
    expect_heading(page, "Decide the proposed suspension", error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the new deadline")
    assert_accessible(page)
    new = utcnow().date() + timedelta(days=60)
    page.get_by_label("Day").fill(str(new.day))
    page.get_by_label("Month").fill(str(new.month))
    page.get_by_label("Year").fill(str(new.year))
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("Decision saved.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(reviewer.name)
