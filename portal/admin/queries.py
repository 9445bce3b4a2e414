"""Read models for the administrators' pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from portal.auth.models import RoleGrant, User
from portal.core.audit import AuditEvent
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.extensions import db

PAGE_SIZE = 50
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    total: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def _page(query: sa.Select[Any], number: int, size: int = PAGE_SIZE) -> Page[Any]:
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    number = max(1, number)
    items = list(db.session.scalars(query.limit(size).offset((number - 1) * size)))
    return Page(items=items, number=number, total=int(total or 0), size=size)


def users(*, text: str = "", role: str = "", page: int = 1) -> Page[User]:
    query = sa.select(User).order_by(User.name, User.id)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            sa.or_(sa.func.lower(User.name).like(pattern), User.email.like(pattern))
        )
    if role and role != Role.APPLICANT.value and role in {r.value for r in Role}:
        query = query.where(
            User.id.in_(
                sa.select(RoleGrant.user_id).where(
                    RoleGrant.role == Role(role), RoleGrant.revoked_at.is_(None)
                )
            )
        )
    return _page(query, page)


def audit_events(
    *,
    actor: str = "",
    subject_type: str = "",
    subject_id: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
) -> Page[AuditEvent]:
    query = sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if actor:
        query = query.where(AuditEvent.actor_label.ilike(f"%{actor}%"))
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id:
        query = query.where(AuditEvent.subject_id == subject_id)
    if action:
        query = query.where(AuditEvent.action.ilike(f"{action}%"))
    if date_from:
        query = query.where(AuditEvent.occurred_at >= _start_of(date_from))
    if date_to:
        query = query.where(AuditEvent.occurred_at < _start_of(date_to + timedelta(days=1)))
    return _page(query, page)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=utcnow().tzinfo)


def subject_types() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type)
        )
    )


def user_with_role_history(user_id: int) -> User | None:
    """A person with every grant and who gave or removed it, in a fixed number of queries."""
    return db.session.scalar(
        sa.select(User)
        .where(User.id == user_id)
        .options(
            sa.orm.selectinload(User.role_grants).options(
                sa.orm.joinedload(RoleGrant.granted_by).lazyload(User.role_grants),
                sa.orm.joinedload(RoleGrant.revoked_by).lazyload(User.role_grants),
            )
        )
    )


def events_about_user(user: User, limit: int = 20) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.subject_type == "user", AuditEvent.subject_id == str(user.id))
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class AdminSummary:
    users: int
    unconfirmed: int
    by_role: dict[Role, int]
    events_last_day: int


def summary() -> AdminSummary:
    total = db.session.scalar(sa.select(sa.func.count(User.id))) or 0
    unconfirmed = (
        db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.email_confirmed_at.is_(None))
        )
        or 0
    )
    counts: dict[Role, int] = {
        role: int(n)
        for role, n in db.session.execute(
            sa.select(RoleGrant.role, sa.func.count(RoleGrant.id))
            .where(RoleGrant.revoked_at.is_(None))
            .group_by(RoleGrant.role)
        )
    }
    recent = (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.occurred_at >= utcnow() - timedelta(days=1)
            )
        )
        or 0
    )
    return AdminSummary(
        users=total,
        unconfirmed=unconfirmed,
        by_role={role: int(counts.get(role, 0)) for role in Role if role is not Role.APPLICANT},
        events_last_day=recent,
    )
