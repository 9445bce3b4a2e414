"""An analyst opens the reports, filters them to a region, reads a chart and its table and
downloads the table as XLSX; an analyst loads serious incident notifications from a CSV file;
a reviewer answers the diversity monitoring questions from their dashboard."""

from __future__ import annotations

import io
import re
import uuid

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from portal.auth.models import User
from portal.core.dates import today_in_england
from portal.core.permissions import Role
from portal.extensions import db
from portal.reporting import learning_services
from portal.reporting.conditions import CONDITIONS_DIR, read_conditions
from tests.e2e.conftest import LiveServer, assert_accessible, expect_heading, seed_user, sign_in
from tests.factories import make_organisation, make_qa_review, make_region, make_reviewer_in

pytestmark = pytest.mark.e2e

LONDON = "E12000007"


def _seed_reviewers(live: LiveServer) -> None:
    with live.app.app_context():
        make_region()
        make_region(code=LONDON, name="London")
        for _ in range(6):
            make_reviewer_in(LONDON)
        db.session.commit()


def test_an_analyst_filters_the_reports_to_a_region_and_downloads_a_table(
    page: Page, live_server: LiveServer
) -> None:
    _seed_reviewers(live_server)
    analyst = seed_user(live_server, label="analyst", roles=(Role.ANALYST,))
    sign_in(page, analyst.email)
    expect_heading(page, "Your dashboard")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Reports").click()
    expect_heading(page, "Reports")
    assert_accessible(page)

    page.get_by_label("Region", exact=True).select_option(label="London")
    page.get_by_role("button", name="Apply filters").click()
    expect_heading(page, "Reports")
    assert f"region={LONDON}" in page.url  # a shareable address
    expect(page.locator("#filters-in-use")).to_contain_text("London")
    table = page.locator("#table-reviewers-by-region-and-level")
    expect(table.get_by_role("rowheader")).to_have_text(["London", "England"])
    chart = page.get_by_role(
        "img", name="Accredited reviewers by region and level: Total by region"
    )
    expect(chart).to_be_visible()
    expect(page.locator("#summary-reviewers-by-region-and-level")).to_contain_text("in England")
    assert_accessible(page)

    with page.expect_download() as info:
        page.get_by_role(
            "link",
            name=re.compile(r"^Download as XLSX\s*: Accredited reviewers by region and level$"),
        ).click()
    download = info.value
    assert download.suggested_filename == (
        f"reviewers-by-region-and-level-{LONDON}-{today_in_england().isoformat()}.xlsx"
    )
    path = download.path()
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    rows = list(book["Table"].iter_rows(values_only=True))
    assert [r[0] for r in rows] == ["Region", "London", "England"]
    page_cells = table.locator("tbody tr").first.locator("td").all_inner_texts()
    assert [str(v) for v in rows[1][1:]] == [t.replace(",", "") for t in page_cells]
    notes = {r[0]: r[1] for r in book["Notes"].iter_rows(values_only=True)}
    assert "Counts from 1 to 4 are suppressed" in notes["Suppression and rounding"]


def test_an_analyst_loads_notifications_from_a_csv_file(
    page: Page, live_server: LiveServer, tmp_path
) -> None:
    code = f"invented-{uuid.uuid4().hex[:8]}"
    with live_server.app.app_context():
        make_organisation(code=code)
    analyst = seed_user(live_server, label="analyst", roles=(Role.ANALYST,))
    sign_in(page, analyst.email)
    page.goto("/reports")
    page.get_by_role("link", name="Serious incident notifications: load figures").click()
    expect_heading(page, "Serious incident notifications")
    assert_accessible(page)
    page.get_by_role("link", name="Load figures from a CSV file").click()
    expect_heading(page, "Load serious incident notifications")
    assert_accessible(page)

    month = today_in_england().strftime("%Y-%m")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"partnership_code,month,notifications\n{code},{month},3\nnowhere,{month},1\n")
    page.get_by_label("Upload a CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect_heading(page, "Check the figures to load")
    expect(page.get_by_text("There is no partnership with the code 'nowhere'")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Upload a corrected file").click()
    good = tmp_path / "good.csv"
    good.write_text(f"partnership_code,month,notifications\n{code},{month},3\n")
    page.get_by_label("Upload a CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#check-summary")).to_contain_text("1 to add")
    page.get_by_role("button", name="Load these figures").click()
    expect_heading(page, "Serious incident notifications")
    expect(
        page.get_by_text("Loaded good.csv: 1 added, 0 changed, 0 already loaded.")
    ).to_be_visible()
    assert_accessible(page)


def test_a_reviewer_answers_the_diversity_questions_from_their_dashboard(
    page: Page, live_server: LiveServer
) -> None:
    reviewer = seed_user(live_server, label="reviewer", roles=(Role.REVIEWER,))
    with live_server.app.app_context():
        make_reviewer_in(user=db.session.get(User, reviewer.id))
    sign_in(page, reviewer.email)
    expect_heading(page, "Your dashboard")
    page.get_by_role("link", name="Diversity monitoring (optional)").click()
    expect_heading(page, "Diversity monitoring")
    assert_accessible(page)
    page.get_by_role("button", name="Save your answers").click()
    expect_heading(page, "Diversity monitoring", error=True)
    assert_accessible(page)
    page.get_by_label("White: Irish").check()
    page.get_by_role("group", name="What is your sex?").get_by_label("Prefer not to say").check()
    page.get_by_role("group", name="Do you consider yourself to have a disability?").get_by_label(
        "No", exact=True
    ).check()
    page.get_by_label("45 to 54").check()
    page.get_by_role("button", name="Save your answers").click()
    expect_heading(page, "Your dashboard")
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()


def test_an_analyst_opens_the_annual_report_and_downloads_it_as_a_pdf(
    page: Page, live_server: LiveServer
) -> None:
    _seed_reviewers(live_server)
    analyst = seed_user(live_server, label="analyst", roles=(Role.ANALYST,))
    sign_in(page, analyst.email)
    page.goto("/reports")
    year = today_in_england().year
    page.get_by_role("link", name=f"Annual report for {year}").click()
    expect_heading(page, f"Annual report {year}")
    expect(
        page.get_by_role("heading", name="Learning and the government's response")
    ).to_be_visible()
    expect(page.locator("#table-reviewers-by-region-and-level")).to_be_visible()
    assert_accessible(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the annual report as a PDF").click()
    download = info.value
    assert download.suggested_filename.startswith(f"annual-report-{year}-")
    assert download.path().read_bytes().startswith(b"%PDF")


def test_an_administrator_records_the_governments_response(
    page: Page, live_server: LiveServer
) -> None:
    admin = seed_user(live_server, label="admin", roles=(Role.ADMINISTRATOR,))
    sign_in(page, admin.email)
    page.goto("/reports/national-recommendations")
    expect_heading(page, "National recommendations")
    assert_accessible(page)
    page.get_by_role("link", name="Add a national recommendation").click()
    expect_heading(page, "Add a national recommendation")
    page.get_by_label("Recommendation", exact=True).fill(
        "Invented: the department should fund regional pools of reviewers."
    )
    page.get_by_label("Year made").fill(str(today_in_england().year))
    page.get_by_label("Addressed to").fill("Department for Education")
    page.get_by_label("The panel's national or thematic review").check()
    page.get_by_role("button", name="Add recommendation").click()
    expect_heading(page, "Add a national recommendation", error=True)
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the title of the panel's review"
    )
    assert_accessible(page)
    page.get_by_label("Title of the panel's review").fill("A national review of capacity")
    page.get_by_label("Year of the panel's review").fill(str(today_in_england().year))
    page.get_by_role("button", name="Add recommendation").click()
    expect(page.locator("#response")).to_contain_text("No response yet")
    assert_accessible(page)

    page.get_by_role("link", name="Record the government's response").click()
    expect_heading(page, "Record the government's response")
    assert_accessible(page)
    page.get_by_label("Partly accepted").check()
    page.get_by_label("Action the government will take").fill("Invented: two regional pools.")
    page.get_by_label("Day").fill("14")
    page.get_by_label("Month").fill("10")
    page.get_by_label("Year", exact=True).fill(str(today_in_england().year))
    page.get_by_role("button", name="Save response").click()
    expect(page.locator("#response")).to_contain_text("Partly accepted on 14 October")
    expect(page.locator("#response-history")).to_contain_text("Invented: two regional pools.")
    assert_accessible(page)


def test_a_qa_lead_tags_a_finding_then_corrects_and_removes_it(
    page: Page, live_server: LiveServer
) -> None:
    with live_server.app.app_context():
        learning_services.load_conditions(None, read_conditions(CONDITIONS_DIR / "2026.1.yaml"))
        review = make_qa_review(status="completed")
        db.session.commit()
        review_id, reference = review.id, review.reference
    lead = seed_user(live_server, label="qa-lead", roles=(Role.QA_LEAD,))
    sign_in(page, lead.email)
    page.goto("/reports/learning/findings")
    expect_heading(page, "Findings tagged against system conditions")
    page.get_by_role("link", name="Add a finding").click()
    expect_heading(page, "Add a finding")
    assert_accessible(page)
    page.get_by_label("Review", exact=True).select_option(value=str(review_id))
    page.get_by_label("Finding").fill("Invented: caseloads left no time for home visits.")
    page.get_by_label("Workload and capacity").check()
    page.get_by_role("button", name="Save finding").click()
    expect(page.get_by_text("The finding is saved.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile(rf"^Change\s+finding 1 of {reference}$")).click()
    expect_heading(page, "Change a finding")
    page.get_by_label("Finding").fill("")
    page.get_by_role("button", name="Save finding").click()
    expect_heading(page, "Change a finding", error=True)
    assert_accessible(page)
    page.get_by_label("Finding").fill("Invented: nobody held the whole picture.")
    page.get_by_role("button", name="Save finding").click()
    expect(page.locator("#findings")).to_contain_text("Invented: nobody held the whole picture.")

    page.get_by_role("link", name=re.compile(rf"^Change\s+finding 1 of {reference}$")).click()
    page.get_by_role("link", name="Remove this finding").click()
    expect_heading(page, "Remove this finding?")
    assert_accessible(page)
    page.get_by_role("button", name="Remove finding").click()
    expect(page.get_by_text("The finding is removed.")).to_be_visible()
    expect(page.locator("#findings")).to_contain_text("No findings are recorded yet.")
