"""CPD services and queries against the database: drafts, locking, corrections, stale saves,
evidence, feedback, requirement versions, reminders and the renewal summary."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.core.audit import AuditEvent
from portal.core.email import OutboxMessage
from portal.core.errors import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from portal.core.uploads import UploadStore
from portal.cpd import queries, services
from portal.cpd.models import (
    CpdReminder,
    EntryStatus,
    FeedbackSource,
    RequirementStatus,
)
from portal.cpd.rules import EntryData, YearState
from portal.cpd.schema import parse_requirements
from portal.extensions import db
from tests.factories import (
    count,
    cpd_requirements_document,
    make_cpd_entry,
    make_cpd_requirements,
    make_record,
)
from tests.files import docx_bytes, pdf_bytes, zip_bytes

TODAY = date(2027, 6, 15)
START = date(2027, 1, 1)
ALLOWED = {"AB1", "AB2", "CD1"}


@pytest.fixture
def record():
    make_cpd_requirements()
    return make_record(starts_on=START)


def data(**changes) -> EntryData:
    values = {
        "activity_type": "formal_course",
        "title": "Systems course",
        "description": "Two days.",
        "relevance": "I lead reviews.",
        "starts_on": date(2027, 6, 1),
        "ends_on": None,
        "provider": None,
        "hours": 8,
        "participatory_hours": 4,
        "competencies": ("AB1",),
        "learning": "How to explain why.",
        "impact": "Better analysis.",
        "peer_discussion": False,
        "peer_name": None,
        "peer_role": None,
        "peer_learning": None,
    }
    values.update(changes)
    return EntryData(**values)


def save(record, entry=None, *, complete=True, today=TODAY, version_id=None, **changes):
    return services.save_entry(
        record.user,
        record,
        entry,
        data(**changes),
        complete=complete,
        confirmed_anonymous=False,
        allowed_competencies=ALLOWED,
        version_id=version_id,
        today=today,
    )


# Drafts, completion and locking


def test_a_draft_is_saved_incomplete_and_completed_later(record):
    draft = save(record, complete=False, learning=None, impact=None, starts_on=None)
    assert draft.status is EntryStatus.DRAFT
    with pytest.raises(services.EntryProblems) as caught:
        save(record, draft, learning=None)
    assert [f for f, _ in caught.value.problems] == ["learning"]
    done = save(record, draft)
    assert done.status is EntryStatus.COMPLETED
    assert done.completed_at is not None
    actions = [
        e.action
        for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.subject_type == "cpd_entry")
        )
    ]
    assert actions == ["cpd.entry_added", "cpd.entry_completed"]


def test_competencies_must_come_from_the_reviewers_framework(record):
    with pytest.raises(services.EntryProblems) as caught:
        save(record, competencies=("ZZ9",))
    assert caught.value.problems == [("competencies", "Select competencies from your framework")]


def test_an_activity_outside_the_accreditation_is_refused(record):
    with pytest.raises(services.EntryProblems, match="within your accreditation"):
        save(record, starts_on=START - timedelta(days=1))


def test_only_the_reviewer_keeps_their_record(record):
    other = make_record()
    with pytest.raises(NotPermitted):
        services.save_entry(
            other.user,
            record,
            None,
            data(),
            complete=True,
            confirmed_anonymous=False,
            allowed_competencies=ALLOWED,
            version_id=None,
            today=TODAY,
        )


def test_an_entry_is_editable_on_the_last_day_of_its_year_and_locked_the_day_after(record):
    entry = save(record, starts_on=date(2027, 12, 31), today=date(2027, 12, 31))
    save(record, entry, today=date(2027, 12, 31), title="Still open")
    with pytest.raises(DomainError, match="locked"):
        save(record, entry, today=date(2028, 1, 1), title="Too late")


def test_a_stale_save_is_refused(record):
    entry = save(record)
    seen = entry.version_id
    save(record, entry, title="Saved in another tab")
    with pytest.raises(ConcurrentEdit):
        save(record, entry, version_id=seen, title="Mine")
    assert entry.title == "Saved in another tab"


def test_a_locked_entry_is_corrected_with_a_reason_keeping_each_version(record):
    entry = save(record, starts_on=date(2027, 3, 1), title="First title")
    later = date(2028, 2, 1)
    with pytest.raises(services.EntryProblems) as caught:
        services.correct_entry(
            record.user,
            record,
            entry,
            data(starts_on=date(2027, 3, 1), title="Second title"),
            reason=" ",
            confirmed_anonymous=False,
            allowed_competencies=ALLOWED,
            version_id=entry.version_id,
            today=later,
        )
    assert caught.value.problems[0][0] == "reason"
    for title, reason in (("Second title", "Typo"), ("Third title", "Another typo")):
        services.correct_entry(
            record.user,
            record,
            entry,
            data(starts_on=date(2027, 3, 1), title=title),
            reason=reason,
            confirmed_anonymous=False,
            allowed_competencies=ALLOWED,
            version_id=entry.version_id,
            today=later,
        )
    db.session.commit()
    db.session.expire_all()
    fresh = queries.entry(entry.id)
    assert fresh.title == "Third title"
    assert [(r.snapshot["title"], r.reason) for r in fresh.revisions] == [
        ("Second title", "Another typo"),
        ("First title", "Typo"),
    ]
    assert fresh.revisions[0].changed_fields == ["title"]
    assert count(AuditEvent, AuditEvent.action == "cpd.entry_corrected") == 2


def test_an_open_entry_cannot_be_corrected(record):
    entry = save(record)
    with pytest.raises(InvalidTransition):
        services.correct_entry(
            record.user,
            record,
            entry,
            data(title="x"),
            reason="Why not",
            confirmed_anonymous=False,
            allowed_competencies=ALLOWED,
            version_id=None,
            today=TODAY,
        )


def test_text_that_identifies_someone_needs_confirmation(record):
    with pytest.raises(services.PossiblePersonalData) as caught:
        save(record, impact="I now ask Mrs Smith first.")
    (finding,) = caught.value.findings
    assert (finding.field, finding.finding.text) == ("impact", "Mrs Smith")
    entry = services.save_entry(
        record.user,
        record,
        None,
        data(impact="I now ask Mrs Smith first."),
        complete=True,
        confirmed_anonymous=True,
        allowed_competencies=ALLOWED,
        version_id=None,
        today=TODAY,
    )
    assert entry.personal_data_confirmed_at is not None


# Evidence


@pytest.fixture
def store(tmp_path):
    return UploadStore(tmp_path)


def test_evidence_is_checked_by_content_size_and_number(record, store):
    entry = save(record)
    with pytest.raises(DomainError, match="must be a") as caught:
        services.add_evidence(
            record.user,
            entry,
            filename="a.pdf",
            stream=io.BytesIO(zip_bytes()),
            store=store,
            today=TODAY,
        )
    assert caught.value.field == "file"
    big = pdf_bytes(padding=services.MAX_EVIDENCE_MEGABYTES * 1024 * 1024)
    with pytest.raises(DomainError, match="smaller than"):
        services.add_evidence(
            record.user, entry, filename="big.pdf", stream=io.BytesIO(big), store=store, today=TODAY
        )
    for n in range(services.MAX_EVIDENCE_FILES):
        body = docx_bytes() if n % 2 else pdf_bytes(f"file {n}")
        services.add_evidence(
            record.user,
            entry,
            filename=f"..\\secret/{n}.pdf",
            stream=io.BytesIO(body),
            store=store,
            today=TODAY,
        )
    db.session.refresh(entry)
    assert entry.evidence[0].original_name == "0.pdf"
    with pytest.raises(DomainError, match="up to"):
        services.add_evidence(
            record.user,
            entry,
            filename="one-more.pdf",
            stream=io.BytesIO(pdf_bytes()),
            store=store,
            today=TODAY,
        )
    key = services.remove_evidence(record.user, entry, entry.evidence[0], today=TODAY)
    assert store.path_of(key).exists()  # the caller deletes it after the commit


# Practice feedback


def test_feedback_needs_a_summary_and_a_reflection(record):
    with pytest.raises(services.EntryProblems) as caught:
        services.record_feedback(
            record.user,
            record,
            source=FeedbackSource.FAMILY,
            received_on=TODAY + timedelta(days=1),
            summary="",
            reflection="",
            confirmed_anonymous=False,
            today=TODAY,
        )
    assert [f for f, _ in caught.value.problems] == ["received_on", "summary", "reflection"]
    saved = services.record_feedback(
        record.user,
        record,
        source=FeedbackSource.FAMILY,
        received_on=TODAY,
        summary="Felt listened to.",
        reflection="Keep meeting at home.",
        confirmed_anonymous=False,
        today=TODAY,
    )
    assert queries.feedback_of(record.id) == [saved]


# Requirement versions


def test_loading_the_same_version_twice_changes_nothing_and_new_content_needs_a_new_number():
    make_cpd_requirements()
    document = parse_requirements(cpd_requirements_document(version="2.0"))
    first = services.load_requirements(None, document)
    again = services.load_requirements(None, document)
    assert first.created and not again.created
    changed = cpd_requirements_document(version="2.0", title="Changed")
    with pytest.raises(DomainError, match="new version number"):
        services.load_requirements(None, parse_requirements(changed))


def test_publishing_retires_the_version_in_force_and_keeps_its_dates():
    old = make_cpd_requirements()
    new = services.load_requirements(
        None, parse_requirements(cpd_requirements_document(version="2.0"))
    ).version
    assert services.publish_requirements(None, new) == old
    assert old.status is RequirementStatus.RETIRED
    assert old.published_at is not None and old.retired_at is not None
    with pytest.raises(InvalidTransition):
        services.publish_requirements(None, new)


def test_each_year_is_judged_against_the_version_in_force_when_it_started():
    make_cpd_requirements(published_at=datetime(2020, 1, 1, tzinfo=UTC))
    stricter = services.load_requirements(
        None,
        parse_requirements(
            cpd_requirements_document(version="2.0", each_year={"records": 3, "peer_discussion": 1})
        ),
    ).version
    services.publish_requirements(None, stricter)
    stricter.published_at = datetime(2027, 6, 1, 12, tzinfo=UTC)
    db.session.commit()
    record = make_record(starts_on=date(2027, 1, 1))
    for day in (date(2027, 2, 1), date(2027, 3, 1), date(2028, 2, 1), date(2028, 3, 1)):
        make_cpd_entry(record, on=day, peer=True)
    state = queries.progress(record, today=date(2028, 6, 1))
    year1, year2 = state.judged_years[:2]
    assert (year1.version, year1.met) == ("1.0", True)
    assert (year2.version, year2.met) == ("2.0", False)
    assert year2.results[0].missing == "1 more completed record"


def test_progress_without_requirements_says_so(record):
    from portal.cpd.models import CpdRequirementVersion

    db.session.execute(sa.delete(CpdRequirementVersion))
    db.session.commit()
    state = queries.progress(record, today=TODAY)
    assert not state.has_requirements
    assert state.current is None


# Reminders


def _reminders(record, day):
    sent = services.send_reminders(today=day)
    db.session.commit()
    return sent


def test_reminders_are_sent_once_per_threshold_to_those_not_yet_compliant(record):
    end = date(2027, 12, 31)  # the last day of year 1
    assert _reminders(record, end - timedelta(days=90)) == 0  # 91 days left
    assert _reminders(record, end - timedelta(days=89)) == 1  # 90 days left
    assert _reminders(record, end - timedelta(days=89)) == 0  # run again the same day
    assert _reminders(record, end - timedelta(days=60)) == 0
    assert _reminders(record, end - timedelta(days=29)) == 1  # 30 days left
    assert _reminders(record, end - timedelta(days=6)) == 1  # 7 days left
    assert _reminders(record, end) == 0
    assert count(CpdReminder, CpdReminder.record_id == record.id) == 3
    messages = list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.to_address == record.user.email)
        )
    )
    assert [m.subject for m in messages] == [
        "Your CPD year ends in 90 days",
        "Your CPD year ends in 30 days",
        "Your CPD year ends in 7 days",
    ]
    assert "2 more completed records" in messages[0].body_text
    assert "/cpd" in messages[0].body_text


def test_a_late_run_past_two_thresholds_sends_one_email(record):
    assert _reminders(record, date(2027, 12, 25)) == 1
    assert {r.days_before for r in db.session.scalars(sa.select(CpdReminder))} == {90, 30, 7}


def test_a_compliant_reviewer_gets_no_reminder(record):
    make_cpd_entry(record, on=date(2027, 2, 1), peer=True)
    make_cpd_entry(record, on=date(2027, 3, 1))
    assert _reminders(record, date(2027, 10, 3)) == 0
    assert count(CpdReminder) == 0


def test_the_reminders_command_reports_what_it_sent(app, record):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cpd", "send-reminders", "--today", "2027-10-03"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 CPD reminder." in result.output


# The renewal seam


def test_cpd_summary_reads_each_year_the_term_and_the_hours(record):
    make_cpd_entry(record, on=date(2027, 2, 1), peer=True, competencies=("AB1",), hours=10)
    make_cpd_entry(record, on=date(2027, 3, 1), competencies=("CD1",), hours=6)
    make_cpd_entry(record, on=date(2028, 3, 1), completed=False)
    summary = queries.cpd_summary(record, today=date(2028, 6, 1))
    assert summary.record_number == record.number
    assert [(y.number, y.state, y.met) for y in summary.years] == [
        (1, YearState.CLOSED, True),
        (2, YearState.CURRENT, False),
    ]
    assert summary.years[1].missing == (
        "2 more completed records",
        "1 more record with a peer discussion",
    )
    assert summary.term_met
    assert not summary.met
    assert summary.total_hours == "4"
    assert summary.lines[0].startswith("Year 1 (1 January 2027 to 31 December 2027): 2 completed")
    assert "not yet met" in summary.lines[1]
    assert summary.lines[-1] == "4 hours of completed CPD recorded in the accreditation period."


def test_cpd_summary_is_met_when_every_year_and_the_term_are(record):
    for year in (2027, 2028, 2029):
        make_cpd_entry(record, on=date(year, 2, 1), peer=True, competencies=("AB1", "CD1"))
        make_cpd_entry(record, on=date(year, 3, 1))
    summary = queries.cpd_summary(record, today=date(2029, 10, 1))
    assert summary.met
    assert "Over the accreditation: every requirement met." in summary.lines


# Loading from the command line


def test_the_requirements_commands_validate_and_load_the_shipped_file(app, tmp_path):
    from config.settings import CONFIG_DIR
    from tests.factories import make_framework

    shipped = CONFIG_DIR / "cpd" / "cspr" / "2026.1.yaml"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cpd", "requirements", "validate", str(shipped)])
    assert result.exit_code == 0, result.output
    assert "is valid (2 records a year, 3 areas over the term, no minimum hours)" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("scheme: cspr\nversion: '1'\n")
    result = runner.invoke(args=["cpd", "requirements", "validate", str(bad)])
    assert result.exit_code != 0
    assert "'each_year' must be a mapping" in result.output
    make_framework(scheme="cspr")
    result = runner.invoke(args=["cpd", "requirements", "load", str(shipped), "--publish"])
    assert result.exit_code == 0, result.output
    assert "it is in force" in result.output
