"""Read models for account pages."""

from __future__ import annotations

import sqlalchemy as sa

from portal.auth.models import User
from portal.core.audit import AuditEvent
from portal.extensions import db


def recent_sign_ins(user: User, limit: int = 10) -> list[AuditEvent]:
    """The account's latest sign-ins, newest first, from the audit log."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(
                AuditEvent.action == "auth.signed_in",
                AuditEvent.subject_type == "user",
                AuditEvent.subject_id == str(user.id),
            )
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
