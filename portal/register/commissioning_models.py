"""Commissioning: a partnership's shortlist, availability requests to reviewers and the
commissions recorded."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.organisations.models import Organisation

NOTE_MAX = 1000


class ReviewType(enum.StrEnum):
    RAPID_REVIEW = "rapid_review"
    LCSPR = "lcspr"

    @property
    def label(self) -> str:
        return {
            "rapid_review": "Rapid review",
            "lcspr": "Local child safeguarding practice review (LCSPR)",
        }[self.value]


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {"pending": "Awaiting answer", "accepted": "Available", "declined": "Not available"}[
            self.value
        ]


class ShortlistEntry(Base):
    """A reviewer a partnership is considering: one shortlist per partnership, shared by its
    commissioners. The first one added is when the partnership started looking."""

    __tablename__ = "shortlist_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    added_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id], lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "reviewer_id", name="uq_shortlist_entries_reviewer"),
    )


class AvailabilityRequest(Base):
    """A partnership asks a shortlisted reviewer whether they can take a review; the reviewer
    answers yes (with the date they can start) or no."""

    __tablename__ = "availability_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    review_type: Mapped[ReviewType] = mapped_column(enum_column(ReviewType, 16), nullable=False)
    wanted_from: Mapped[date | None] = mapped_column(sa.Date)
    message: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, 16), nullable=False, default=RequestStatus.PENDING
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    can_start_on: Mapped[date | None] = mapped_column(sa.Date)
    answer_note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    partnership: Mapped[Organisation] = relationship(lazy="joined")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id], lazy="joined")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.CheckConstraint(
            "status <> 'accepted' OR can_start_on IS NOT NULL", name="accepted_has_start"
        ),
        sa.CheckConstraint(f"length(message) <= {NOTE_MAX}", name="message_length"),
    )


class Commission(Base):
    """A review a partnership has commissioned from a reviewer. While it runs it takes one of
    the reviewer's places each quarter."""

    __tablename__ = "commissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id"), nullable=False, index=True
    )
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("availability_requests.id"))
    review_type: Mapped[ReviewType] = mapped_column(enum_column(ReviewType, 16), nullable=False)
    starts_on: Mapped[date] = mapped_column(sa.Date, nullable=False, index=True)
    expected_end_on: Mapped[date] = mapped_column(sa.Date, nullable=False, index=True)
    # When the partnership shortlisted the reviewer: with recorded_at, how long finding a
    # reviewer took.
    shortlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    partnership: Mapped[Organisation] = relationship(lazy="joined")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id], lazy="joined")

    __table_args__ = (sa.CheckConstraint("expected_end_on >= starts_on", name="term"),)
