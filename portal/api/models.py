"""API clients of partnerships and the access tokens issued to them (kept only as hashes)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.organisations.models import Organisation

# Scopes a client may hold. Public fields need no token at all.
SCOPE_READ = "register:read"
SCOPE_COMMISSIONING = "register:commissioning"
SCOPES: dict[str, str] = {
    SCOPE_READ: "Search the register and look up entries (public fields)",
    SCOPE_COMMISSIONING: (
        "Commissioning details (availability, day rate band, travel) and the partnership's "
        "search, with reviewers who have a conflict of interest left out"
    ),
}


class ApiClient(Base):
    """A program a partnership uses to read the register; it signs in with its client id and a
    secret, and gets short-lived bearer tokens."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(48), nullable=False, unique=True)
    # argon2id of the secret; the secret itself is shown once, when the client is created.
    secret_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    # Space-separated, as OAuth writes them.
    scopes: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    partnership: Mapped[Organisation] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by_id IS NULL)", name="revoked_with_actor"
        ),
    )

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiToken(Base):
    """An access token: only its SHA-256 is kept, so the table cannot be used to call the API."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("api_clients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    scope: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)

    client: Mapped[ApiClient] = relationship(lazy="joined")
