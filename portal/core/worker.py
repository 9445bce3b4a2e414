"""The outbox worker: sends due messages, committing after each so none is sent twice."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import Flask

from portal.core.email import (
    MailSettings,
    build_message,
    due_messages,
    mark_failed,
    mark_sent,
    transport_for,
)
from portal.extensions import db

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def mail_settings(app: Flask) -> MailSettings:
    c = app.config
    return MailSettings(
        sender=c["MAIL_FROM"],
        transport=c["MAIL_TRANSPORT"],
        smtp_host=c.get("SMTP_HOST"),
        smtp_port=c.get("SMTP_PORT", 25),
        smtp_username=c.get("SMTP_USERNAME"),
        smtp_password=c.get("SMTP_PASSWORD"),
        smtp_starttls=c.get("SMTP_STARTTLS", False),
        outbox_dir=c.get("OUTBOX_DIR"),
    )


def deliver_pending(app: Flask, batch: int = 50) -> DeliveryReport:
    """Send every due message once; a failure schedules a retry and keeps the message."""
    settings = mail_settings(app)
    transport = transport_for(settings)
    report = DeliveryReport()
    while True:
        rows = due_messages(batch)
        if not rows:
            db.session.commit()
            return report
        for row in rows:
            try:
                transport.send(build_message(row, settings.sender))
            except Exception as exc:  # SMTP errors, refused connections, timeouts
                mark_failed(row, f"{type(exc).__name__}: {exc}", app.config["OUTBOX_MAX_ATTEMPTS"])
                report.failed += 1
                log.warning("email not sent", extra={"outbox_id": row.id, "error": str(exc)})
                db.session.commit()
                # The server is likely down: leave the rest for the next pass.
                return report
            mark_sent(row)
            db.session.commit()
            report.sent += 1


def watch(app: Flask, interval: float, max_passes: int | None = None) -> None:
    passes = 0
    while max_passes is None or passes < max_passes:
        try:
            report = deliver_pending(app)
            if report.sent or report.failed:
                log.info("outbox pass", extra={"sent": report.sent, "failed": report.failed})
        except Exception:
            db.session.rollback()
            log.exception("outbox pass failed")
        passes += 1
        time.sleep(interval)
