"""CPD pages through HTTP: page rules, drafts and completion, the personal-data warning, errors
that keep the input, stale saves, corrections, evidence, feedback and ownership."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.cpd.models import CpdEntry, CpdEvidence, EntryStatus, PracticeFeedback
from portal.cpd.services import snapshot
from portal.extensions import db
from tests.conftest import SERVICE_NAME
from tests.factories import (
    count,
    make_cpd_entry,
    make_cpd_requirements,
    make_record,
    make_user,
)
from tests.files import pdf_bytes, zip_bytes
from tests.support import error_messages, page_checks, sign_in_as, submit

TODAY = utcnow().date()


@pytest.fixture
def record():
    make_cpd_requirements()
    return make_record(starts_on=TODAY - timedelta(days=30))


@pytest.fixture
def reviewer(client, record):
    sign_in_as(client, record.user)
    return record.user


def complete_form(**changes: object) -> dict[str, object]:
    day = TODAY - timedelta(days=2)
    form: dict[str, object] = {
        "activity_type": "formal_course",
        "title": "Systems analysis course",
        "description": "Two days on systems methods.",
        "relevance": "I lead practice reviews.",
        "starts_on": [str(day.day), str(day.month), str(day.year)],
        "provider": "Invented Training Ltd",
        "hours": "7.5",
        "participatory_hours": "3.25",
        "competencies": ["AB1", "CD1"],
        "learning": "How to explain why practice happened as it did.",
        "impact": "My analysis will say more about the conditions of practice.",
        "peer_discussion": "yes",
        "peer_name": "Invented Peer",
        "peer_role": "Accredited reviewer",
        "peer_learning": "To test my hypotheses with practitioners.",
        "complete": "Save as complete",
    }
    form.update(changes)
    return form


def test_every_cpd_page_follows_the_page_rules(client, reviewer, record):
    entry = make_cpd_entry(record, peer=True)
    db.session.add(
        PracticeFeedback(
            record_id=record.id,
            user_id=reviewer.id,
            source="commissioner",
            received_on=TODAY,
            summary="Clear report.",
            reflection="Keep it short.",
        )
    )
    db.session.commit()
    for url in [
        "/cpd",
        "/cpd/activities/new",
        f"/cpd/activities/{entry.id}",
        f"/cpd/activities/{entry.id}/edit",
        f"/cpd/activities/{entry.id}/evidence",
        "/cpd/feedback",
        "/cpd/feedback/new",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        page_checks(response, service_name=SERVICE_NAME)


def test_the_progress_page_shows_requirements_days_left_and_an_accessible_chart(
    client, reviewer, record
):
    make_cpd_entry(record, peer=True, competencies=("AB1",), hours=6)
    soup = page_checks(client.get("/cpd"), service_name=SERVICE_NAME)
    text = soup.get_text(" ", strip=True)
    assert "1 more completed record" in text
    assert "days left in this year" in text
    svg = soup.select_one("svg[role='img']")
    assert svg is not None
    assert svg.find("title").get_text() == "Hours of CPD by framework domain"
    assert "AB Domain AB: 1.5 hours" in svg.find("desc").get_text()
    assert soup.select_one("table caption").get_text(strip=True)
    assert "Hours by domain" in text


def test_a_reviewer_without_a_record_is_told_so(client):
    sign_in_as(client, make_user(roles=[Role.REVIEWER]))
    soup = page_checks(client.get("/cpd"), service_name=SERVICE_NAME)
    assert "do not hold an accreditation record" in soup.get_text()
    assert client.get("/cpd/activities/new").status_code == 302


def test_a_draft_needs_only_a_title_and_completing_it_needs_the_rest(client, reviewer, record):
    response = submit(
        client, "/cpd/activities/new", {"title": "Half-written", "save_draft": "Save as draft"}
    )
    assert response.status_code == 302
    entry = db.session.query(CpdEntry).filter_by(title="Half-written").one()
    assert entry.status is EntryStatus.DRAFT
    response = submit(
        client,
        f"/cpd/activities/{entry.id}/edit",
        {"title": "Half-written", "version_id": entry.version_id, "complete": "Save as complete"},
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    messages = error_messages(soup)
    assert "Say what you learned" in messages
    assert "Enter the date of the activity" in messages
    db.session.refresh(entry)
    assert entry.status is EntryStatus.DRAFT


def test_form_errors_keep_what_was_typed(client, reviewer):
    response = submit(
        client,
        "/cpd/activities/new",
        complete_form(hours="1.3", participatory_hours="9", learning="Kept text"),
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Enter hours in quarter hours, like 0.25, 1.5 or 2.75" in error_messages(soup)
    assert soup.find("input", {"name": "hours"})["value"] == "1.3"
    assert "Kept text" in soup.find("textarea", {"name": "learning"}).get_text()
    assert soup.find("input", {"name": "competencies", "value": "CD1"}).has_attr("checked")
    assert count(CpdEntry) == 0


def test_participatory_hours_above_the_hours_are_refused(client, reviewer):
    response = submit(client, "/cpd/activities/new", complete_form(participatory_hours="8"))
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Participatory hours cannot be more than the hours of the activity" in error_messages(
        soup
    )


def test_a_complete_activity_with_a_peer_discussion_is_saved_and_audited(client, reviewer, record):
    response = submit(client, "/cpd/activities/new", complete_form())
    assert response.status_code == 302
    entry = db.session.query(CpdEntry).one()
    assert entry.status is EntryStatus.COMPLETED
    assert (entry.hours_quarters, entry.participatory_quarters) == (30, 13)
    assert entry.competency_codes == ["AB1", "CD1"]
    assert entry.peer_discussion and entry.peer_name == "Invented Peer"
    assert count(AuditEvent, AuditEvent.action == "cpd.entry_completed") == 1
    page = client.get(response.headers["Location"])
    soup = page_checks(page, service_name=SERVICE_NAME)
    assert "Invented Peer, Accredited reviewer" in soup.get_text()


def test_text_that_seems_to_identify_someone_is_saved_only_once_confirmed_or_fixed(
    client, reviewer
):
    data = complete_form(learning="I learned a lot from his mother Jane.")
    response = submit(client, "/cpd/activities/new", data)
    assert response.status_code == 200
    soup = page_checks(response, service_name=SERVICE_NAME)
    warning = soup.select_one("#personal-data-warning")
    assert warning is not None
    assert "mother Jane" in soup.get_text()
    assert soup.select_one(".govuk-error-summary") is None
    assert count(CpdEntry) == 0
    # Confirmed: saved, with the confirmation kept.
    response = submit(client, "/cpd/activities/new", {**data, "confirm_anonymous": "y"})
    assert response.status_code == 302
    entry = db.session.query(CpdEntry).one()
    assert entry.personal_data_confirmed_at is not None
    # Fixed instead: saved with no confirmation needed.
    fixed = complete_form(learning="I learned a lot from a parent.", title="Second")
    assert submit(client, "/cpd/activities/new", fixed).status_code == 302
    assert (
        db.session.query(CpdEntry).filter_by(title="Second").one().personal_data_confirmed_at
        is None
    )


def test_a_stale_save_is_refused_and_keeps_the_input(client, reviewer, record):
    entry = make_cpd_entry(record)
    seen = entry.version_id
    entry.title = "Changed in another tab"
    db.session.commit()
    response = submit(
        client,
        f"/cpd/activities/{entry.id}/edit",
        complete_form(title="My new title", version_id=str(seen)),
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert any("changed in another tab" in m for m in error_messages(soup))
    assert soup.find("input", {"name": "title"})["value"] == "My new title"
    assert soup.find("input", {"name": "version_id"})["value"] == str(entry.version_id)
    db.session.refresh(entry)
    assert entry.title == "Changed in another tab"


def test_a_locked_activity_is_corrected_only_with_a_reason_and_keeps_its_history(client):
    make_cpd_requirements()
    record = make_record(starts_on=TODAY - timedelta(days=400))
    sign_in_as(client, record.user)
    entry = make_cpd_entry(record, on=record.starts_on + timedelta(days=10), title="Old course")
    assert client.get(f"/cpd/activities/{entry.id}/edit").status_code == 302
    before = snapshot(entry)
    day = entry.starts_on
    form = complete_form(
        title="Old course, corrected",
        version_id=str(entry.version_id),
        starts_on=[str(day.day), str(day.month), str(day.year)],
    )
    form.pop("complete")
    response = submit(client, f"/cpd/activities/{entry.id}/correct", form)
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Give the reason for the correction" in error_messages(soup)
    response = submit(
        client,
        f"/cpd/activities/{entry.id}/correct",
        {**form, "reason": "The provider's name was wrong."},
    )
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.title == "Old course, corrected"
    (revision,) = entry.revisions
    assert revision.snapshot["title"] == before["title"]
    assert revision.reason == "The provider's name was wrong."
    soup = page_checks(client.get(f"/cpd/activities/{entry.id}"), service_name=SERVICE_NAME)
    text = soup.get_text(" ", strip=True)
    assert "Corrections" in text
    assert "The provider's name was wrong." in text
    assert "Old course" in text


def test_evidence_is_checked_by_content_and_only_the_owner_and_administrators_download_it(
    client, reviewer, record
):
    entry = make_cpd_entry(record)
    url = f"/cpd/activities/{entry.id}/evidence"
    bad = submit(client, url, {"file": (io.BytesIO(zip_bytes()), "notes.pdf")})
    soup = page_checks(bad, service_name=SERVICE_NAME)
    assert any("must be a" in m for m in error_messages(soup))
    good = submit(client, url, {"file": (io.BytesIO(pdf_bytes()), "certificate.pdf")})
    assert good.status_code == 302
    evidence = db.session.query(CpdEvidence).one()
    download = f"/cpd/activities/{entry.id}/evidence/{evidence.id}"
    response = client.get(download)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.data.startswith(b"%PDF-")
    sign_in_as(client, make_user(roles=[Role.REVIEWER]))
    assert client.get(download).status_code == 403
    sign_in_as(client, make_user(roles=[Role.ADMINISTRATOR]))
    assert client.get(download).status_code == 200
    assert client.get(f"/cpd/activities/{entry.id}").status_code == 200
    assert client.get(f"/cpd/activities/{entry.id}/edit").status_code == 403


def test_another_reviewer_cannot_see_or_change_an_activity(client, record):
    entry = make_cpd_entry(record)
    other = make_record()
    sign_in_as(client, other.user)
    for url in [
        f"/cpd/activities/{entry.id}",
        f"/cpd/activities/{entry.id}/edit",
        f"/cpd/activities/{entry.id}/evidence",
    ]:
        assert client.get(url).status_code == 403, url
    assert client.get("/cpd/activities/999999").status_code == 404


def test_practice_feedback_is_kept_with_a_reflection(client, reviewer):
    response = submit(client, "/cpd/feedback/new", {"summary": "", "reflection": ""})
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert "Select who gave you the feedback" in error_messages(soup)
    data = {
        "source": "practitioner",
        "received_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
        "summary": "The learning event felt safe.",
        "reflection": "Keep the ground rules at the start.",
    }
    assert submit(client, "/cpd/feedback/new", data).status_code == 302
    soup = page_checks(client.get("/cpd/feedback"), service_name=SERVICE_NAME)
    assert "The learning event felt safe." in soup.get_text()
    assert "A practitioner" in soup.get_text()


def test_the_dashboard_shows_this_years_cpd_and_the_whole_accreditation(client, reviewer, record):
    make_cpd_entry(record, peer=True, competencies=("AB1",))
    make_cpd_entry(record, competencies=("CD1",))
    text = client.get("/dashboard").get_data(as_text=True)
    assert "Your CPD record" in text
    assert "This CPD year" in text
    assert "requirements met" in text
    assert "Over the accreditation: requirements met." in text


def test_an_activity_dated_in_a_closed_year_cannot_be_added(client):
    make_cpd_requirements()
    record = make_record(starts_on=TODAY - timedelta(days=400))
    sign_in_as(client, record.user)
    day: date = record.starts_on + timedelta(days=5)
    response = submit(
        client,
        "/cpd/activities/new",
        complete_form(starts_on=[str(day.day), str(day.month), str(day.year)]),
    )
    soup = page_checks(response, service_name=SERVICE_NAME)
    assert any("has closed" in m for m in error_messages(soup))
