"""Signing keys and the credentials signed with them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portal.applications.models import AccreditationRecord


class KeyStatus(enum.StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return {"active": "Signs new credentials", "retired": "Retired"}[self.value]


class SigningKey(Base):
    """One of the portal's signing keys. Its public half is published for as long as the
    portal runs, so that what it signed still verifies; the private half is kept encrypted."""

    __tablename__ = "credential_signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    algorithm: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    # The private key as PKCS#8 PEM, encrypted with a key derived from the configuration.
    encrypted_private_key: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[KeyStatus] = mapped_column(
        enum_column(KeyStatus, 16), nullable=False, default=KeyStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        # One key signs at a time.
        sa.Index(
            "uq_credential_signing_keys_one_active",
            "status",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
        sa.CheckConstraint(
            "(status = 'retired') = (retired_at IS NOT NULL)", name="retired_when_retired"
        ),
    )


class IssuedCredential(Base):
    """A credential the portal signed for one accreditation record's term. Never deleted:
    a renewal or a new term adds another."""

    __tablename__ = "issued_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The credential's own identifier (its `id` as urn:uuid and its JWT `jti`).
    public_id: Mapped[str] = mapped_column(sa.String(36), nullable=False, unique=True)
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation_records.id"), nullable=False, index=True
    )
    # The position of this credential's bit in each status list.
    status_index: Mapped[int] = mapped_column(nullable=False, unique=True)
    kid: Mapped[str] = mapped_column(
        sa.ForeignKey("credential_signing_keys.kid"), nullable=False, index=True
    )
    level: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    valid_from: Mapped[date] = mapped_column(sa.Date, nullable=False)
    valid_until: Mapped[date] = mapped_column(sa.Date, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The signed credential exactly as issued (a compact JWS), so each download is the same.
    token: Mapped[str] = mapped_column(sa.Text, nullable=False)

    record: Mapped[AccreditationRecord] = relationship()

    __table_args__ = (
        sa.CheckConstraint("valid_until > valid_from", name="term"),
        sa.CheckConstraint("status_index >= 0", name="status_index_positive"),
    )
