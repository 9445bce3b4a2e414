"""Accounts and the roles granted to them, with their history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, enum_column, utcnow
from portal.core.permissions import TWO_FACTOR_ROLES, Permission, Role, permissions_for

if TYPE_CHECKING:
    from portal.organisations.models import Organisation


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(default=True, nullable=False)
    # Second factor: a TOTP secret, when it was turned on, and the last time-step used
    # (a code is never accepted twice).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_counter: Mapped[int | None] = mapped_column(sa.BigInteger)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        foreign_keys="RoleGrant.user_id",
        order_by="RoleGrant.granted_at",
        lazy="selectin",
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower_case"),)

    # Flask-Login's interface
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What Flask-Login keeps in the cookie: the token of this browser's session row."""
        token = getattr(self, "_session_token", None)
        if not token:
            raise RuntimeError("start a browser session (auth.sessions) before signing in")
        return str(token)

    def attach_session(self, browser_session: BrowserSession, token: str) -> None:
        """The signed-in browser this request belongs to (not a column)."""
        self._browser_session = browser_session
        self._session_token = token

    @property
    def browser_session(self) -> BrowserSession | None:
        return getattr(self, "_browser_session", None)

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None

    @property
    def needs_two_factor(self) -> bool:
        return bool(self.roles & TWO_FACTOR_ROLES)

    @property
    def roles(self) -> frozenset[Role]:
        held = {grant.role for grant in self.role_grants if grant.revoked_at is None}
        return frozenset(held | {Role.APPLICANT})

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def has_permission(self, permission: Permission) -> bool:
        return permission in permissions_for(self.roles)


class RoleGrant(Base):
    __tablename__ = "role_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    role: Mapped[Role] = mapped_column(
        enum_column(Role, 32),
        nullable=False,
    )
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    __table_args__ = (
        # One live grant of a role per user; revoked grants stay as history.
        sa.Index(
            "uq_role_grants_live",
            "user_id",
            "role",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
        sa.CheckConstraint("role <> 'applicant'", name="applicant_is_not_granted"),
    )


class RecoveryCode(Base):
    """A single-use code for when the authenticator is lost; only its keyed hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IdentityLink(Base):
    """A person's account at an identity provider (issuer and subject) and the portal account
    it signs in to. One account per issuer and subject, and one subject per account and issuer."""

    __tablename__ = "identity_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    provider: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    issuer: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("issuer", "subject"),
        sa.UniqueConstraint("user_id", "issuer"),
    )


class BrowserSession(Base):
    """One signed-in browser. Its cookie holds a random token of which only the SHA-256 is
    kept here, so a copy of this table signs no one in; ending the row ends that browser's
    session wherever its cookie has been copied to."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # Written at most once a minute, not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))
    # A summary such as "Firefox on Windows", so people can tell their sessions apart; no
    # address and no full user-agent string are kept.
    browser: Mapped[str] = mapped_column(sa.String(60), nullable=False, default="")

    user: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_a_reason"),
    )
