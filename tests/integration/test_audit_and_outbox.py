import pytest
import sqlalchemy as sa
from flask import current_app

from portal.core.audit import AuditEvent, diff, record_event
from portal.core.email import OutboxMessage, OutboxStatus, queue_email
from portal.core.worker import deliver_pending
from portal.extensions import db
from tests.factories import count, make_user
from tests.support import free_port


def test_audit_event_is_undone_with_the_change_it_records():
    user = make_user()
    savepoint = db.session.begin_nested()
    user.name = "Changed Name"
    record_event(user, "test.changed", subject_type="user", subject_id=user.id, summary="x")
    db.session.flush()
    savepoint.rollback()
    assert count(AuditEvent, AuditEvent.action == "test.changed") == 0
    db.session.refresh(user)
    assert user.name != "Changed Name"


def test_diff_lists_only_changed_fields():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {"b": [2, 3], "c": [None, 4]}


def test_a_valid_request_id_from_the_caller_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-Id": "abcdef12-3456"})
    assert response.headers["X-Request-Id"] == "abcdef12-3456"


def test_outbox_delivers_to_the_smtp_server_once(app, inbox):
    queue_email("someone@example.test", "Hello", "password_changed", name="Someone")
    db.session.flush()
    first = deliver_pending(app)
    second = deliver_pending(app)
    assert (first.sent, second.sent) == (1, 0)
    assert len(inbox.to("someone@example.test")) == 1
    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.status is OutboxStatus.SENT
    assert row.sent_at is not None


def test_smtp_down_keeps_the_message_for_a_later_retry(app, inbox):
    queue_email("someone@example.test", "Hello", "password_changed", name="Someone")
    db.session.flush()
    real_port = current_app.config["SMTP_PORT"]
    current_app.config["SMTP_PORT"] = free_port()  # nothing listens there
    try:
        report = deliver_pending(app)
    finally:
        current_app.config["SMTP_PORT"] = real_port
    assert report.failed == 1
    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.status is OutboxStatus.PENDING
    assert row.attempts == 1
    assert row.last_error
    assert inbox.messages == []
    row.next_attempt_at = row.created_at  # the retry falls due
    assert deliver_pending(app).sent == 1
    assert len(inbox.to("someone@example.test")) == 1


def test_message_gives_up_after_the_last_attempt(app):
    queue_email("someone@example.test", "Hello", "password_changed", name="Someone")
    db.session.flush()
    row = db.session.scalar(sa.select(OutboxMessage))
    row.attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"] - 1
    real_port = current_app.config["SMTP_PORT"]
    current_app.config["SMTP_PORT"] = free_port()
    try:
        deliver_pending(app)
    finally:
        current_app.config["SMTP_PORT"] = real_port
    assert row.status is OutboxStatus.FAILED


def test_file_transport_writes_eml_files(app, tmp_path):
    queue_email("someone@example.test", "Hello", "password_changed", name="Someone")
    db.session.flush()
    config = current_app.config
    saved = config["MAIL_TRANSPORT"], config["OUTBOX_DIR"]
    config["MAIL_TRANSPORT"], config["OUTBOX_DIR"] = "file", tmp_path
    try:
        deliver_pending(app)
    finally:
        config["MAIL_TRANSPORT"], config["OUTBOX_DIR"] = saved
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1
    assert "To: someone@example.test" in files[0].read_text()


@pytest.mark.parametrize(("attempts", "minutes"), [(1, 1), (2, 2), (3, 4), (10, 60)])
def test_backoff_grows_and_is_capped(attempts, minutes):
    from portal.core.email import backoff

    assert backoff(attempts).total_seconds() == minutes * 60
