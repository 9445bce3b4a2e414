"""Retention rules as data, applied by a daily command: closed applications go with their
files, dead referee links and old email go, loose files go; the audit log stays; a second run
finds nothing to do."""

from __future__ import annotations

import io
import os
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from config.settings import CONFIG_DIR
from portal.applications.models import (
    Appeal,
    Application,
    ApplicationStatus,
    Decision,
    Outcome,
    Referee,
    SelfAssessment,
)
from portal.core.audit import AuditEvent, record_event
from portal.core.db import utcnow
from portal.core.documents import DocumentInvalid
from portal.core.email import OutboxMessage, OutboxStatus
from portal.core.permissions import Role
from portal.core.uploads import PDF, UploadStore
from portal.extensions import db
from portal.privacy.retention import Period, apply_retention, load_rules, parse_rules, remove_files
from tests.factories import (
    add_stored_work_sample,
    count,
    make_application,
    make_record,
    make_user,
)
from tests.files import pdf_bytes


@pytest.fixture(autouse=True)
def own_upload_folder(app, tmp_path, monkeypatch):
    """A folder of uploads for this test alone: files other tests left behind (their rows
    rolled back, some under fixed keys) would otherwise be swept or exported here."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", tmp_path / "uploads")


TODAY = date(2030, 6, 1)
RULES = load_rules(CONFIG_DIR / "retention.yaml")


def _ago(**kw):
    from datetime import UTC, datetime

    return datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC) - timedelta(**kw)


def _store(app) -> UploadStore:
    return UploadStore(app.config["UPLOAD_DIR"])


def _with_file(app, application) -> str:
    return add_stored_work_sample(application, _store(app))


def _closed(app, status, *, days_ago, outcome=None, appeal=False):
    application = make_application(status=status)
    key = _with_file(app, application)
    if outcome is not None:
        decision = Decision(
            application_id=application.id,
            decided_by_id=make_user(roles=[Role.ADMINISTRATOR]).id,
            outcome=outcome,
            reasons="Invented reasons.",
            appeal_by=TODAY,
        )
        db.session.add(decision)
        db.session.flush()
        if appeal:
            db.session.add(
                Appeal(application_id=application.id, decision_id=decision.id, grounds="x")
            )
    application.status_changed_at = _ago(days=days_ago)
    record_event(
        None, "test.touched", subject_type="application", subject_id=application.id, summary="x"
    )
    db.session.commit()
    return application.id, key


def test_the_shipped_rules_are_valid_and_every_rule_has_a_period():
    assert set(RULES) == {
        "closed_applications",
        "referee_links",
        "sent_email",
        "failed_email",
        "unreferenced_uploads",
        "ended_sessions",
    }
    assert RULES["closed_applications"].keep_for == Period(years=2)


def test_rule_problems_are_all_reported():
    with pytest.raises(DocumentInvalid) as caught:
        parse_rules(
            {
                "rules": {
                    "closed_applications": {"description": "x", "keep_for": {"weeks": 2}},
                    "sent_email": {"keep_for": {"days": 1}},
                    "everything": {"description": "x", "keep_for": {"days": 1}},
                }
            }
        )
    problems = caught.value.problems
    assert any("'everything' is not a rule" in p for p in problems)
    assert any("closed_applications: 'keep_for'" in p for p in problems)
    assert any("sent_email: 'description' is missing" in p for p in problems)
    assert any("rules.referee_links is missing" in p for p in problems)


def test_periods_count_back_from_today():
    assert Period(years=2).before(date(2030, 6, 1)) == date(2028, 6, 1)
    assert Period(days=60).before(date(2030, 6, 1)) == date(2030, 4, 2)
    assert Period(months=1).before(date(2030, 3, 31)) == date(2030, 2, 28)


def test_closed_applications_go_with_their_files_and_the_audit_log_stays(app):
    withdrawn, withdrawn_file = _closed(app, ApplicationStatus.WITHDRAWN, days_ago=800)
    declined, declined_file = _closed(
        app, ApplicationStatus.DECIDED, days_ago=800, outcome=Outcome.DECLINE
    )
    recent, recent_file = _closed(
        app, ApplicationStatus.DECIDED, days_ago=300, outcome=Outcome.NOT_YET
    )
    appealing, _ = _closed(
        app, ApplicationStatus.DECIDED, days_ago=800, outcome=Outcome.DECLINE, appeal=True
    )
    accredited = make_record().application_id
    db.session.get(Application, accredited).status_changed_at = _ago(days=2000)
    draft, _ = _closed(app, ApplicationStatus.DRAFT, days_ago=2000)
    audit_before = count(AuditEvent)

    dry = apply_retention(RULES, today=TODAY, store=_store(app), dry_run=True)
    assert dry.counts["closed_applications"] == 2
    assert count(Application, Application.id.in_([withdrawn, declined])) == 2
    assert count(AuditEvent) == audit_before

    report = apply_retention(RULES, today=TODAY, store=_store(app), dry_run=False)
    db.session.commit()
    assert remove_files(_store(app), report.files) == 2
    assert report.counts["closed_applications"] == 2
    assert report.rows_deleted["applications"] == 2
    assert report.rows_deleted["referees"] == 4
    assert report.rows_deleted["work_samples"] == 4
    left = set(db.session.scalars(sa.select(Application.id)))
    assert {withdrawn, declined}.isdisjoint(left)
    assert {recent, appealing, accredited, draft} <= left
    assert count(SelfAssessment, SelfAssessment.application_id.in_([withdrawn, declined])) == 0
    assert not _store(app).exists(withdrawn_file) and not _store(app).exists(declined_file)
    assert _store(app).exists(recent_file)

    # The audit log keeps what it had about them (ids only) and says why they went.
    kept = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.subject_type == "application",
            AuditEvent.subject_id.in_([str(withdrawn), str(declined)]),
        )
    ).all()
    assert sorted(kept) == sorted(["test.touched"] * 2 + ["retention.application_deleted"] * 2)
    assert count(AuditEvent, AuditEvent.action == "retention.applied") == 1

    again = apply_retention(RULES, today=TODAY, store=_store(app), dry_run=False)
    assert not any(again.counts.values())
    assert count(AuditEvent, AuditEvent.action == "retention.applied") == 1


def test_referee_links_and_old_email_go_and_loose_files_are_swept(app):
    application = make_application(status=ApplicationStatus.SUBMITTED)
    dead, answered, fresh = application.referees[0], application.referees[1], None
    dead.token_hash, dead.invited_at = "a" * 64, _ago(days=90)
    answered.token_hash, answered.invited_at = "b" * 64, _ago(days=90)
    answered.received_at = _ago(days=80)
    other = make_application(status=ApplicationStatus.SUBMITTED)
    fresh = other.referees[0]
    fresh.token_hash, fresh.invited_at = "c" * 64, _ago(days=10)

    def message(status, *, days_ago):
        db.session.add(
            OutboxMessage(
                message_id=f"<{os.urandom(6).hex()}@test>",
                to_address="someone@example.test",
                subject="Invented",
                body_text="Invented",
                status=status,
                created_at=_ago(days=days_ago),
                sent_at=_ago(days=days_ago) if status is OutboxStatus.SENT else None,
            )
        )

    message(OutboxStatus.SENT, days_ago=100)
    message(OutboxStatus.SENT, days_ago=10)
    message(OutboxStatus.FAILED, days_ago=200)
    message(OutboxStatus.PENDING, days_ago=400)
    db.session.commit()
    store = _store(app)
    loose_old = store.save(io.BytesIO(pdf_bytes()), max_bytes=10**6, accept=frozenset({PDF}))
    loose_new = store.save(io.BytesIO(pdf_bytes()), max_bytes=10**6, accept=frozenset({PDF}))
    old = time.time() - 10 * 86400
    os.utime(store.path_of(loose_old.key), (old, old))
    # Loose in the real store, not in TODAY's calendar: sweep with today's date.
    report = apply_retention(RULES, today=utcnow().date(), store=store, dry_run=False)
    db.session.commit()
    remove_files(store, report.files)
    assert report.counts["unreferenced_uploads"] >= 1
    assert not store.exists(loose_old.key)
    assert store.exists(loose_new.key)

    report = apply_retention(RULES, today=TODAY, store=store, dry_run=False)
    db.session.commit()
    assert report.counts["referee_links"] == 1
    db.session.expire_all()
    assert db.session.get(Referee, dead.id).token_hash is None
    assert db.session.get(Referee, answered.id).token_hash == "b" * 64
    assert db.session.get(Referee, fresh.id).token_hash == "c" * 64
    assert report.counts["sent_email"] == 1 and report.counts["failed_email"] == 1
    assert count(OutboxMessage, OutboxMessage.status == OutboxStatus.SENT) == 1
    assert count(OutboxMessage, OutboxMessage.status == OutboxStatus.PENDING) == 1


def test_the_command_reports_counts_and_a_dry_run_changes_nothing(app):
    application_id, key = _closed(app, ApplicationStatus.WITHDRAWN, days_ago=5000)
    result = app.test_cli_runner().invoke(args=["retention", "apply", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Would delete" in result.output
    assert "closed_applications (kept for 2 years)" in result.output
    assert count(Application, Application.id == application_id) == 1
    assert _store(app).exists(key)


def test_sessions_go_30_days_after_they_end_or_were_last_used(app):
    from portal.auth.models import BrowserSession
    from portal.auth.sessions import start_session

    user = make_user()
    rows = {}
    for name in ("ended_long_ago", "ended_lately", "abandoned", "in_use"):
        start_session(user)
        rows[name] = user.browser_session
    rows["ended_long_ago"].ended_at, rows["ended_long_ago"].end_reason = _ago(days=31), "x"
    rows["ended_long_ago"].last_seen_at = _ago(days=31)
    rows["ended_lately"].ended_at, rows["ended_lately"].end_reason = _ago(days=29), "x"
    rows["abandoned"].last_seen_at = _ago(days=31)
    rows["in_use"].last_seen_at = _ago(days=1)
    db.session.commit()
    ids = {name: row.id for name, row in rows.items()}
    report = apply_retention(RULES, today=TODAY, store=_store(app), dry_run=False)
    db.session.commit()
    assert report.counts["ended_sessions"] == 2
    left = set(db.session.scalars(sa.select(BrowserSession.id)))
    assert left >= {ids["ended_lately"], ids["in_use"]}
    assert not left & {ids["ended_long_ago"], ids["abandoned"]}
