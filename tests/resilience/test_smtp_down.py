"""The mail server is down for an hour: the outbox keeps every message through the retries an
hour brings (1, 2, 4, 8, 16 and 32 minutes apart) and, when a real SMTP server (aiosmtpd) is
back on the same port, sends each exactly once."""

from __future__ import annotations

from contextlib import suppress

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import current_app

from portal.core.db import utcnow
from portal.core.email import OutboxMessage, OutboxStatus, queue_email
from portal.core.worker import deliver_pending
from portal.extensions import db
from tests.support import Inbox, free_port

MESSAGES = 25


def test_smtp_down_for_an_hour_loses_nothing_and_sends_each_message_once(app) -> None:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    addresses = [f"outage{n}@example.test" for n in range(MESSAGES)]
    for address in addresses:
        queue_email(address, "Your password was changed", "password_changed", name="Someone")
    db.session.flush()
    real_port = current_app.config["SMTP_PORT"]
    current_app.config["SMTP_PORT"] = port
    try:
        assert deliver_pending(app).sent == MESSAGES  # the server works
        inbox.clear()
        for address in addresses:
            queue_email(address, "A second message", "password_changed", name="Someone")
        db.session.flush()
        controller.stop()  # the server goes down
        waited = 0
        passes = 0
        while waited < 60:
            report = deliver_pending(app)
            assert report.sent == 0
            passes += 1
            rows = _pending()
            assert len(rows) == MESSAGES, "a message was dropped"
            # The time the worker would have waited passes; the next attempt falls due.
            waited += max((r.next_attempt_at - utcnow()).total_seconds() for r in rows) / 60 + 1
            for row in rows:
                row.next_attempt_at = utcnow()
            db.session.flush()
        assert passes >= 6
        assert all(r.status is OutboxStatus.PENDING for r in _pending())

        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()  # back, on the same port
        while deliver_pending(app).sent:
            pass
        for _ in range(3):
            assert deliver_pending(app).sent == 0  # nothing goes twice
    finally:
        current_app.config["SMTP_PORT"] = real_port
        with suppress(Exception):  # already stopped if the test failed while it was down
            controller.stop()
    assert sorted(m["To"] for m in inbox.messages) == sorted(addresses)
    assert len({m["Message-ID"] for m in inbox.messages}) == MESSAGES
    assert not _pending()


def _pending() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        )
    )
