"""A commissioner finds an available reviewer with a specialism in their region, sees that a
conflicted reviewer was left out and shows them, shortlists the reviewer, asks whether they are
available and records the commission once they accept (one journey); a member of the public
checks the register and opens a verification page (the credential journey in
test_credentials.py goes on to check a downloaded credential)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from portal.applications.models import DeclaredInterest, InterestKind
from portal.core.permissions import Role
from portal.core.templating import LONDON
from portal.extensions import db
from tests.e2e.conftest import (
    LiveServer,
    assert_accessible,
    expect_heading,
    sign_in,
    sign_out,
    unique_email,
)
from tests.factories import make_entry, make_organisation, make_record, make_region, make_user

pytestmark = pytest.mark.e2e


def _seed(live: LiveServer) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:6]
    soon = datetime.now(LONDON).date() + timedelta(days=14)
    with live.app.app_context():
        region = make_region()
        partnership = make_organisation(region=region)
        commissioner = make_user(
            name=f"Cam Commissioner {suffix}",
            email=unique_email("commissioner"),
            roles=[Role.COMMISSIONER],
            organisation=partnership,
        )
        people = {}
        for label, specialisms, available in (
            ("Ada Available", ("infant-deaths", "neglect"), soon),
            ("Colm Conflicted", ("infant-deaths",), soon),
            ("Lou Later", ("neglect",), soon + timedelta(days=300)),
        ):
            user = make_user(
                name=f"{label} {suffix}", email=unique_email("reviewer"), roles=[Role.REVIEWER]
            )
            record = make_record(user=user)
            make_entry(
                user,
                regions=(region.code,),
                specialisms=specialisms,
                available_from=available,
                reviews_per_quarter=2,
                biography=f"{label} leads invented reviews.",
            )
            people[label] = (user, record)
        user, record = people["Colm Conflicted"]
        db.session.add(
            DeclaredInterest(
                application_id=record.application_id,
                user_id=user.id,
                organisation_id=partnership.id,
                kind=InterestKind.CONTRACTED,
            )
        )
        db.session.commit()
        return {
            "commissioner": commissioner.email,
            "suffix": suffix,
            "region": region.name,
            "soon": soon.isoformat(),
            "number": people["Ada Available"][1].number,
            "reviewer": people["Ada Available"][0].email,
            "partnership": partnership.name,
        }


def test_a_member_of_the_public_checks_the_register_and_opens_a_verification_page(
    page: Page, live_server: LiveServer
) -> None:
    seed = _seed(live_server)
    page.goto("/")
    page.get_by_role("link", name="check the register of accredited reviewers").click()
    expect_heading(page, "Check the register of accredited reviewers")
    assert_accessible(page)
    page.get_by_label("Name or accreditation number").fill(seed["number"])
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("1 entry")
    assert_accessible(page)
    page.get_by_role("link", name=f"Ada Available {seed['suffix']}").click()
    expect_heading(page, f"Ada Available {seed['suffix']}")
    expect(page.locator(".govuk-caption-l")).to_have_text(f"Accreditation number {seed['number']}")
    expect(page.get_by_text("Accredited since")).to_be_visible()
    assert_accessible(page)

    page.goto("/register/CSPR-1999-00000")
    expect_heading(page, "This number is not on the register")
    assert_accessible(page)


def _date(page: Page, group: str, day: date) -> None:
    fieldset = page.get_by_role("group", name=group)
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))


def test_a_commissioner_finds_shortlists_asks_and_commissions_a_reviewer_who_accepts(
    page: Page, live_server: LiveServer
) -> None:
    """The whole commissioning journey, each page checked for accessibility: search with a
    specialism, a region and a start date, the conflicted reviewer left out, shortlist from
    the results, ask, the reviewer answers from their dashboard, the commission is recorded
    and the search then counts it against the reviewer's places."""
    seed = _seed(live_server)
    suffix = seed["suffix"]
    name = f"Ada Available {suffix}"
    sign_in(page, seed["commissioner"])
    expect_heading(page, "Your dashboard")
    expect(page.get_by_text("Nobody is shortlisted yet")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a reviewer").click()
    expect_heading(page, "Find a reviewer")
    assert_accessible(page)

    page.get_by_label("Search by name, specialism, methodology or biography").fill(suffix)
    page.get_by_label("Region they work in").select_option(label=seed["region"])
    page.get_by_label("Infant deaths and sudden unexpected deaths in infancy").check()
    start = date.fromisoformat(seed["soon"])
    _date(page, "Available to start by", start)
    page.get_by_label("Has capacity for at least one review this quarter").check()
    page.get_by_role("button", name="Apply filters").click()

    expect_heading(page, "Find a reviewer")
    expect(page.get_by_role("status")).to_have_text("1 reviewer found")
    expect(page.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_text("1 reviewer was left out")).to_be_visible()
    expect(page.get_by_role("link", name=f"Colm Conflicted {suffix}")).to_have_count(0)
    assert "specialisms=infant-deaths" in page.url  # the filters are in a shareable address
    assert_accessible(page)

    page.get_by_role("link", name="Show reviewers with a conflict of interest").click()
    expect(page.get_by_role("link", name=f"Colm Conflicted {suffix}")).to_be_visible()
    expect(page.get_by_text("Conflict of interest: Declared")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Hide reviewers with a conflict of interest").click()
    expect(page.get_by_role("link", name=f"Colm Conflicted {suffix}")).to_have_count(0)

    page.get_by_role("button", name=f"Shortlist {name}").click()
    expect(page.get_by_text("Added to your shortlist.")).to_be_visible()
    assert "specialisms=infant-deaths" in page.url  # back to the same search
    assert_accessible(page)

    page.get_by_role("link", name="Your shortlist (1)").click()
    expect_heading(page, "Your shortlist")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(rf"^Ask if available\W+{name}$")).click()
    expect_heading(page, f"Ask {name} if they are available")
    assert_accessible(page)
    page.get_by_label("Local child safeguarding practice review (LCSPR)").check()
    page.get_by_label("Message to the reviewer").fill("An invented case in an invented town.")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text(f"Your request has been sent to {name}.")).to_be_visible()
    expect(page.get_by_text("Awaiting answer")).to_be_visible()
    page.goto("/dashboard")
    expect(
        page.get_by_text("1 reviewer shortlisted; 1 availability request awaiting")
    ).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    # The reviewer is emailed, and their dashboard says a request is waiting.
    live_server.email_to(seed["reviewer"], "asks if you are available")
    sign_in(page, seed["reviewer"])
    expect_heading(page, "Your dashboard")
    expect(page.get_by_text("1 to answer")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Answer availability requests").click()
    expect_heading(page, "Availability requests")
    assert_accessible(page)
    page.get_by_role("link", name=f"Answer the request from {seed['partnership']}").click()
    expect_heading(page, f"Availability request from {seed['partnership']}")
    assert_accessible(page)
    page.get_by_label("Yes").check()
    _date(page, "If yes, when can you start?", start)
    page.get_by_role("button", name="Send your answer").click()
    expect_heading(page, "Availability requests")
    expect(page.get_by_text("Available", exact=True)).to_be_visible()
    assert_accessible(page)
    sign_out(page)

    live_server.email_to(seed["commissioner"], "has answered your availability request")
    sign_in(page, seed["commissioner"])
    expect_heading(page, "Your dashboard")
    expect(page.get_by_text("Can start on")).to_be_visible()
    page.get_by_role("link", name="Your shortlist").click()
    page.get_by_role("link", name=re.compile(rf"^Record a commission\W+{name}$")).click()
    expect_heading(page, f"Record a commission of {name}")
    assert_accessible(page)
    _date(page, "Expected end date", start + timedelta(days=180))
    page.get_by_role("button", name="Record the commission").click()
    expect(page.get_by_text(f"The commission of {name} has been recorded.")).to_be_visible()
    assert_accessible(page)
    live_server.email_to(seed["reviewer"], "A review has been commissioned from you")

    # The commission takes one of the reviewer's two places in its quarters.
    page.goto(f"/register/search?q={suffix}&specialisms=infant-deaths")
    expect(page.get_by_role("status")).to_have_text("1 reviewer found")
    expect(page.get_by_text("Next free place")).to_be_visible()
    assert_accessible(page)


def test_a_commissioner_adds_an_agency_and_pre_checks_a_named_reviewer(
    page: Page, live_server: LiveServer
) -> None:
    seed = _seed(live_server)
    with live_server.app.app_context():
        agency = make_organisation(name=f"Invented Academy Trust {seed['suffix']}")
        agency_name = agency.name
    sign_in(page, seed["commissioner"])
    page.goto(f"/register/search?q={seed['suffix']}")
    page.get_by_label("Add an agency").select_option(label=agency_name)
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("link", name=f"Remove {agency_name}")).to_be_visible()
    assert "agency=" in page.url
    assert_accessible(page)

    page.get_by_role("link", name="Check one reviewer for conflicts of interest").click()
    expect_heading(page, "Check a reviewer for conflicts of interest")
    page.get_by_label("Accreditation number").fill(seed["number"])
    page.get_by_role("button", name="Check for conflicts").click()
    expect(page.get_by_text("No conflict found")).to_be_visible()
    expect(page.get_by_role("heading", name="Checked against")).to_be_visible()
    checked = page.get_by_role("heading", name="Checked against").locator("+ ul > li")
    expect(checked).to_have_text([seed["partnership"], agency_name])
    assert_accessible(page)
