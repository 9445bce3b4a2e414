"""Email through an outbox: messages are rows written with the change that causes them."""

from __future__ import annotations

import enum
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, UTCDateTime, enum_column, utcnow
from portal.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(255), nullable=False, unique=True)
    to_address: Mapped[str] = mapped_column(sa.String(320), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    body_text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, 16),
        default=OutboxStatus.PENDING,
        nullable=False,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )


def queue_email(to_address: str, subject: str, template: str, **context: object) -> OutboxMessage:
    """Write a message to the outbox in the current transaction; the worker sends it."""
    # Rendered straight from the environment: emails need no request or signed-in user.
    body = current_app.jinja_env.get_template(f"emails/{template}.txt").render(**context)
    message = OutboxMessage(
        message_id=make_msgid(domain="accreditation.invalid"),
        to_address=to_address,
        subject=subject,
        body_text=body,
    )
    db.session.add(message)
    return message


@dataclass(frozen=True)
class MailSettings:
    sender: str
    transport: str
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    outbox_dir: Path | None = None
    timeout: float = 10.0


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        if s.smtp_host is None:
            raise RuntimeError("s.smtp_host is not set")
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_username and s.smtp_password:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(message)


class FileTransport:
    """Development without SMTP: each message becomes a .eml file."""

    def __init__(self, settings: MailSettings) -> None:
        if settings.outbox_dir is None:
            raise RuntimeError("settings.outbox_dir is not set")
        self.folder = settings.outbox_dir

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").replace("@", "_").replace("/", "_")
        (self.folder / f"{name}.eml").write_bytes(bytes(message))


def transport_for(settings: MailSettings) -> Transport:
    if settings.transport == "smtp":
        return SmtpTransport(settings)
    return FileTransport(settings)


def build_message(row: OutboxMessage, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Message-ID"] = row.message_id
    message.set_content(row.body_text)
    return message


def backoff(attempts: int) -> timedelta:
    """Wait longer after each failure: 1, 2, 4 ... minutes, capped at an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def due_messages(limit: int, now: datetime | None = None) -> list[OutboxMessage]:
    moment = now or utcnow()
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .where(OutboxMessage.next_attempt_at <= moment)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(db.session.scalars(query))


def mark_sent(row: OutboxMessage) -> None:
    row.status = OutboxStatus.SENT
    row.sent_at = utcnow()
    row.attempts += 1
    row.last_error = None


def mark_failed(row: OutboxMessage, error: str, max_attempts: int) -> None:
    row.attempts += 1
    row.last_error = error[:2000]
    if row.attempts >= max_attempts:
        row.status = OutboxStatus.FAILED
    else:
        row.next_attempt_at = utcnow() + backoff(row.attempts)
