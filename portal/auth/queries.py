"""Read models for account pages."""

from __future__ import annotations

import sqlalchemy as sa

from portal.auth.models import RoleGrant, User
from portal.core.audit import AuditEvent
from portal.core.permissions import Role
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


def users_with_role(role: Role) -> list[User]:
    """Active accounts holding `role` now, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.active.is_(True),
                User.id.in_(
                    sa.select(RoleGrant.user_id).where(
                        RoleGrant.role == role, RoleGrant.revoked_at.is_(None)
                    )
                ),
            )
            .order_by(User.name, User.id)
        )
    )
