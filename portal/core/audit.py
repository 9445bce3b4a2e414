"""The append-only audit log: every state change writes one event in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base, UTCDateTime, utcnow
from portal.core.requests import current_request_id
from portal.extensions import db


class Actor(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(320), nullable=False)
    action: Mapped[str] = mapped_column(sa.String(80), nullable=False, index=True)
    subject_type: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    subject_id: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    summary: Mapped[str] = mapped_column(sa.Text, nullable=False)
    changes: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    request_id: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (sa.Index("ix_audit_events_subject", "subject_type", "subject_id"),)


SYSTEM_LABEL = "system"


def record_event(
    actor: Actor | None,
    action: str,
    *,
    subject_type: str,
    subject_id: object,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction; it commits or rolls back with the change."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else SYSTEM_LABEL,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        summary=summary,
        changes=changes,
        request_id=current_request_id(),
    )
    db.session.add(event)
    return event


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields that changed, as {field: [old, new]}."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }
