"""An applicant completes and submits an application with uploads and referees; a referee
gives a reference through the emailed link, and the applicant sees that it arrived."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

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
from tests.factories import make_framework
from tests.files import EXECUTABLE, pdf_bytes
from tests.support import path_of

pytestmark = pytest.mark.e2e


def _framework(live: LiveServer) -> str:
    with live.app.app_context():
        framework = make_framework()
        db.session.commit()
        return framework.scheme.name


def _save(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def test_an_applicant_completes_and_submits_an_application(
    page: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    scheme_name = _framework(live_server)
    _org_id, org_name = seed_organisation(live_server)
    applicant = seed_user(live_server, label="applicant", name="Cora Invented")
    sign_in(page, applicant.email)
    expect_heading(page, "Your dashboard")
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Your applications"
    ).click()
    expect_heading(page, "Your applications")
    assert_accessible(page)
    page.get_by_role("link", name="Start an application").click()
    expect_heading(page, "Start an application")
    page.get_by_role("button", name="Start application").click()
    expect_heading(page, "Start an application", error=True)
    assert_accessible(page)
    page.get_by_label(scheme_name).check()
    page.get_by_label("I have led at least one practice review").check()
    page.get_by_role("button", name="Start application").click()

    expect_heading(page, "Apply for accreditation")
    expect(page.get_by_text("You have completed 0 of 9 sections")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Personal details").click()
    expect_heading(page, "Personal details")
    page.get_by_label("Telephone number").fill("01632 960 001")
    page.get_by_label("Region you live in").select_option(label="Yorkshire and The Humber")
    assert_accessible(page)
    _save(page)

    page.get_by_role("link", name="Professional registration").click()
    page.get_by_label("Social Work England").check()
    page.get_by_label("Registration number").fill("SW555000")
    assert_accessible(page)
    _save(page)

    page.get_by_role("link", name="Experience", exact=True).click()
    page.get_by_label("Reviews you have led").fill("3")
    page.get_by_label("Reviews you have co-led").fill("1")
    page.get_by_label("Years in practice").fill("12")
    page.get_by_label("Children's social care").check()
    page.get_by_label("Describe your experience of reviews").fill(
        "Led three invented reviews about neglect with a systems approach."
    )
    assert_accessible(page)
    _save(page)

    page.get_by_role("link", name="Qualifications and training").click()
    page.get_by_label("Professional qualifications").fill("Invented MA Social Work")
    page.get_by_label("Review training").fill("Invented systems review course, 2024")
    _save(page)

    page.get_by_role("link", name="Declarations of interest").click()
    expect_heading(page, "Declarations of interest")
    page.get_by_label("Organisation", exact=True).select_option(label=org_name)
    page.get_by_label("Carried out a review or audit for it").check()
    page.get_by_role("button", name="Add declaration").click()
    expect(page.get_by_role("table")).to_contain_text(org_name)
    assert_accessible(page)
    page.get_by_label("I have declared every organisation").check()
    page.get_by_role("button", name="Confirm and continue").click()

    page.get_by_role("link", name="DBS check").click()
    page.get_by_label("DBS certificate number").fill("001234567890")
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Yes").check()
    assert_accessible(page)
    _save(page)

    page.get_by_role("link", name="Referees").click()
    expect_heading(page, "Referees")
    assert_accessible(page)
    for position in (1, 2):
        page.get_by_role("link", name=f"Add referee {position}").click()
        expect_heading(page, f"Referee {position}")
        page.get_by_label("Full name").fill(f"Invented Referee {position}")
        page.get_by_label("Email address").fill(f"referee{position}-{applicant.id}@example.test")
        page.get_by_label("Job title and organisation").fill("Partnership manager")
        page.get_by_label("How they know your work").fill("Commissioned a review I led.")
        if position == 1:
            assert_accessible(page)
        _save(page)
    page.get_by_role("link", name="Back to your application").click()

    page.get_by_role("link", name="Self-assessment against the framework").click()
    expect_heading(page, "Self-assessment against the framework")
    assert_accessible(page)
    page.get_by_role("link", name="AB1 Competency AB1").click()
    for code in ("AB1", "AB2", "CD1"):
        expect_heading(page, f"{code} Competency {code}")
        page.get_by_label("3: Accredited standard").check()
        page.get_by_label("Your evidence").fill(
            f"In an invented review I showed {code} by testing findings with practitioners."
        )
        if code == "AB1":
            assert_accessible(page)
        _save(page)
    expect_heading(page, "Self-assessment against the framework")
    page.get_by_role("link", name="Back to your application").click()

    page.get_by_role("link", name="Anonymised work samples").click()
    expect_heading(page, "Anonymised work samples")
    renamed = tmp_path / "report.pdf"
    renamed.write_bytes(EXECUTABLE)
    page.get_by_label("Title").fill("Overview report")
    page.get_by_label("Upload a file").set_input_files(str(renamed))
    page.get_by_role("button", name="Upload work sample").click()
    expect_heading(page, "Anonymised work samples", error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be a PDF")
    assert_accessible(page)
    real = tmp_path / "overview.pdf"
    real.write_bytes(pdf_bytes())
    page.get_by_label("Upload a file").set_input_files(str(real))
    page.get_by_role("button", name="Upload work sample").click()
    expect(page.get_by_role("link", name="overview.pdf")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Back to your application").click()

    expect(page.get_by_text("You have completed 9 of 9 sections")).to_be_visible()
    page.get_by_role("link", name="Check your answers").click()
    expect_heading(page, "Check your answers before submitting your application")
    assert_accessible(page)
    page.get_by_label("I confirm that the information I have given is true").check()
    page.get_by_role("button", name="Submit application").click()
    expect_heading(page, "Application submitted")
    assert_accessible(page)

    link = path_of(
        live_server.link_in_email(f"referee1-{applicant.id}@example.test", "Reference for")
    )
    sign_out(page)

    page.goto(link)
    expect_heading(page, "Give a reference for Cora Invented")
    assert_accessible(page)
    page.get_by_label("How long and in what role").fill("Five years, as commissioner")
    page.get_by_label("Your reference").fill("An invented, careful and independent reviewer.")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Send reference").click()
    expect_heading(page, "Thank you for your reference")
    assert_accessible(page)
    page.goto(link)
    expect_heading(page, "This reference link cannot be used")

    sign_in(page, applicant.email)
    expect(page.get_by_role("main")).to_contain_text("See your application")
    page.get_by_role("link", name="See your application").click()
    expect(page.get_by_role("main")).to_contain_text("Reference received")
    expect(page.get_by_role("main")).not_to_contain_text("careful and independent")
    assert_accessible(page)
