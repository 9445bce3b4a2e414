"""Peer QA in the browser: a reviewer submits a review with a generated PDF and sees the
personal-data warning; the QA lead allocates two peers; they score blind and disagree; the QA
lead moderates; the author reads the feedback and responds. axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.auth.models import User
from portal.core.permissions import Role
from portal.extensions import db
from portal.peer_qa import queries
from tests.e2e.conftest import (
    LiveServer,
    Person,
    assert_accessible,
    expect_heading,
    seed_organisation,
    seed_user,
    sign_in,
)
from tests.factories import make_record, make_rubric
from tests.files import pdf_bytes

pytestmark = pytest.mark.e2e

TITLE = "Learning from the experiences of a baby in a busy household"
REPORT = f"""{TITLE}

What happened

In the spring the family moved to the area. On 3 May 2024 the health visitor saw Baby Smith at \
home. Two weeks later the school nurse spoke to the older child.

Why it happened

This happened because the agencies did not share what each knew, and the reason practitioners \
did not act was that caseloads left no time to think.

Recommendations

1. The partnership should fund a shared measure of caseloads across agencies by March.
2. Health visitors should check on Baby Smith at home.
"""


def _accredited(live: LiveServer, label: str, roles: tuple[Role, ...]) -> Person:
    person = seed_user(live, label=label, roles=roles)
    with live.app.app_context():
        make_record(user=db.session.get(User, person.id))
        db.session.commit()
    return person


def _markers(live: LiveServer) -> list[tuple[int, str, bool]]:
    with live.app.app_context():
        rubric = make_rubric()
        db.session.commit()
        return [(m.id, m.code, m.counts) for m in queries.markers_of(rubric.id)]


def _as(browser: Browser, live: LiveServer, person: Person) -> Page:
    page = browser.new_context(base_url=live.url).new_page()
    sign_in(page, person.email)
    return page


def _menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True).click()


def _radio(page: Page, name: str, position: int) -> None:
    page.locator(f"#{name}" if position == 1 else f"#{name}-{position}").check()


def _submit_review(page: Page, partnership: str) -> str:
    _menu(page, "Your reviews")
    expect_heading(page, "Your reviews")
    assert_accessible(page)
    page.get_by_role("button", name="Submit a review for peer QA").click()
    expect_heading(page, "Submit a review for peer QA")
    assert_accessible(page)

    page.get_by_role("link", name="Review details").click()
    expect_heading(page, "Review details")
    assert_accessible(page)
    page.get_by_role("button", name="Save and continue").click()
    expect_heading(page, "Review details", error=True)
    assert_accessible(page)
    page.get_by_label("Anonymised title").fill(TITLE)
    page.get_by_label("Commissioning partnership").select_option(label=partnership)
    page.get_by_label("Local child safeguarding practice review").check()
    page.locator("#published_on-day").fill("2")
    page.locator("#published_on-month").fill("3")
    page.locator("#published_on-year").fill("2026")
    page.get_by_label("Neglect", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect_heading(page, TITLE)

    page.get_by_role("link", name="The report").click()
    expect_heading(page, "The report")
    assert_accessible(page)
    page.get_by_label("Upload the report").set_input_files(
        files=[
            {
                "name": "final report.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_bytes(REPORT),
            }
        ]
    )
    page.get_by_role("button", name="Upload report").click()
    expect_heading(page, "Recommendations")
    expect(page.get_by_text("2 recommendations were found in it")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("shared measure of caseloads across agencies by March")
    expect(main).to_contain_text("Health visitors should check on Baby Smith at home.")
    assert_accessible(page)
    page.get_by_role("link", name="Change recommendation 2").click()
    expect_heading(page, "Change recommendation 2")
    assert_accessible(page)
    page.get_by_label("Recommendation", exact=True).fill(
        "Health visitors should see Baby Smith at every contact."
    )
    page.get_by_role("button", name="Save recommendation").click()
    expect_heading(page, "Recommendations")
    page.get_by_role("link", name="See what each recommendation targets").click()
    expect_heading(page, "Analysis of your review")
    analysis = page.get_by_role("main")
    expect(analysis).to_contain_text("It is not a score")
    expect(analysis).to_contain_text("Practice conditions and system design")
    expect(analysis).to_contain_text("Chronology (what happened)")
    expect(
        page.get_by_role("img", name="How much of the report tells what happened")
    ).to_be_visible()
    assert_accessible(page)
    page.go_back()
    expect_heading(page, "Recommendations")
    page.get_by_role("button", name="These are the review's recommendations").click()
    expect_heading(page, TITLE)

    page.get_by_role("link", name="Involvement").click()
    expect_heading(page, "Involvement")
    assert_accessible(page)
    for group in ("children", "family", "practitioners"):
        _radio(page, f"{group}_invited", 1)
        _radio(page, f"{group}_took_part", 2 if group == "children" else 1)
        page.locator(f"#{group}_how").fill("Met in person, with an advocate.")
    page.get_by_label("Support and follow-up offered to practitioners").fill(
        "A debrief and a call a month later."
    )
    page.get_by_role("button", name="Save and continue").click()
    expect_heading(page, TITLE)
    assert_accessible(page)

    page.get_by_role("link", name="Check and submit").click()
    expect_heading(page, "Check your review before you submit it")
    expect(page.get_by_text("Some of what you wrote may identify a person")).to_be_visible()
    expect(page.locator("#personal-data")).to_contain_text("Baby Smith")
    expect(page.locator("#personal-data")).to_contain_text("The report, paragraph")
    expect(page.locator("#personal-data")).to_contain_text("3 May 2024")
    assert_accessible(page)
    page.get_by_label("I declare that").check()
    page.get_by_role("button", name="Submit for peer QA").click()
    expect_heading(page, "Check your review before you submit it", error=True)
    assert_accessible(page)
    page.get_by_label("I have checked each item listed").check()
    page.get_by_label("I declare that").check()
    page.get_by_role("button", name="Submit for peer QA").click()
    expect_heading(page, TITLE)
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("Its reference is QA-")
    assert_accessible(page)
    return banner.inner_text().split("reference is ")[1].strip().rstrip(".")


def _score(browser, live, person, reference, markers, levels, grade, author) -> None:
    page = _as(browser, live, person)
    _menu(page, "Reviews to assess")
    expect_heading(page, "Reviews to assess")
    assert_accessible(page)
    page.get_by_role("link", name=reference).click()
    expect_heading(page, f"Assess review {reference}")
    main = page.get_by_role("main")
    expect(main).not_to_contain_text(author.name)
    expect(main).not_to_contain_text(author.email)
    page.get_by_text("Recommendation analysis: an aid, not a score").click()
    expect(main).to_contain_text("Practice conditions and system design")
    expect(main).not_to_contain_text("The report, paragraph")
    assert_accessible(page)
    for marker_id, code, _counts in markers:
        _radio(page, f"level_{marker_id}", levels.get(code, 3))
        page.locator(f"#comment_{marker_id}").fill(f"Comment on {code} from a peer.")
    _radio(page, "overall_grade", grade)
    _radio(page, "confidence", 2)
    page.get_by_label("Notes for the QA lead only (optional)").fill("Note only for the lead.")
    page.get_by_role("button", name="Submit assessment").click()
    expect_heading(page, "Reviews to assess")
    expect(page.get_by_text("Assessment submitted.")).to_be_visible()
    assert_accessible(page)
    page.context.close()


def test_a_review_goes_through_blind_peer_qa_with_moderation(
    page: Page, browser: Browser, live_server: LiveServer
) -> None:
    markers = _markers(live_server)
    _, partnership = seed_organisation(live_server)
    author = _accredited(live_server, "author", (Role.REVIEWER,))
    first = _accredited(live_server, "first", (Role.REVIEWER, Role.ASSESSOR))
    second = _accredited(live_server, "second", (Role.REVIEWER, Role.ASSESSOR))
    lead = seed_user(live_server, label="lead", roles=(Role.QA_LEAD,))
    unwell = _accredited(live_server, "unwell", (Role.REVIEWER, Role.ASSESSOR))

    sign_in(page, author.email)
    reference = _submit_review(page, partnership)

    manager = _as(browser, live_server, lead)
    _menu(manager, "Review QA")
    expect_heading(manager, "Peer QA of reviews")
    assert_accessible(manager)
    manager.get_by_role("link", name=reference).click()
    expect_heading(manager, f"Review {reference}")
    assert_accessible(manager)
    manager.get_by_role("link", name="Allocate peer assessors").click()
    expect_heading(manager, "Allocate peer assessors")
    assert_accessible(manager)
    manager.get_by_label("First peer assessor").select_option(str(first.id))
    manager.get_by_label("Second peer assessor").select_option(str(unwell.id))
    manager.get_by_role("button", name="Allocate").click()
    expect_heading(manager, f"Review {reference}")
    expect(manager.get_by_text("Peer assessors allocated")).to_be_visible()
    # One falls ill before starting: the QA lead hands the assessment over.
    manager.get_by_role("link", name=f"Replace {unwell.name}").click()
    expect_heading(manager, "Replace a peer assessor")
    assert_accessible(manager)
    manager.get_by_label("Who takes over").select_option(str(second.id))
    manager.get_by_label("Why is the peer assessor being replaced?").fill("Invented: unwell.")
    manager.get_by_role("button", name="Hand the assessment over").click()
    expect(manager.get_by_text(f"{second.name} takes over the assessment.")).to_be_visible()

    _score(browser, live_server, first, reference, markers, {"R07": 1}, 3, author)
    _score(browser, live_server, second, reference, markers, {"R07": 3}, 3, author)

    manager.reload()
    expect(manager.get_by_text("In moderation").first).to_be_visible()
    manager.get_by_role("link", name="Moderate").click()
    expect_heading(manager, f"Moderate review {reference}")
    expect(manager.get_by_role("main")).to_contain_text("Note only for the lead.")
    assert_accessible(manager)
    for marker_id, code, counts in markers:
        if counts:
            _radio(manager, f"level_{marker_id}", 2 if code == "R07" else 3)
    _radio(manager, "overall_grade", 3)
    manager.get_by_label("Rationale for the agreed scores").fill(
        "The analysis explains some of why practice happened, not all."
    )
    manager.get_by_role("button", name="Record agreed scores").click()
    expect_heading(manager, f"Review {reference}")
    expect(manager.get_by_text("Feedback ready").first).to_be_visible()
    assert_accessible(manager)
    _menu(manager, "Learning from reviews")
    expect_heading(manager, "Learning from reviews")
    expect(manager.get_by_role("main")).to_contain_text("fewer than 5")
    expect(manager.get_by_role("img", name="Recommendations by class, by theme")).to_be_visible()
    assert_accessible(manager)
    manager.context.close()

    _menu(page, "Your reviews")
    expect_heading(page, "Your reviews")
    assert_accessible(page)
    page.get_by_role("link", name=TITLE).click()
    expect_heading(page, TITLE)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Overall grade: Good")
    expect(main).to_contain_text("Comment on R07 from a peer.")
    expect(main).to_contain_text("The analysis explains some of why practice happened")
    for secret in (first.name, second.name, first.email, "Note only for the lead."):
        expect(main).not_to_contain_text(secret)
    assert_accessible(page)
    page.get_by_role("link", name="Respond to the feedback").click()
    expect_heading(page, "Respond to the feedback")
    assert_accessible(page)
    page.get_by_label("Your response to the feedback").fill("Thank you: I will show my working.")
    page.get_by_role("button", name="Send response").click()
    expect_heading(page, TITLE)
    expect(page.get_by_role("main")).to_contain_text("Thank you: I will show my working.")
    assert_accessible(page)
