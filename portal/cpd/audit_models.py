"""The CPD audit: cycles with their recorded draw, the reviewers sampled, and assessors' reviews
of the records they submit."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.models import AccreditationStatus
from portal.core.db import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portal.applications.models import AccreditationRecord
    from portal.auth.models import User
    from portal.framework.models import Scheme


class AuditStatus(enum.StrEnum):
    REQUESTED = "requested"
    SUBMITTED = "submitted"
    SECOND_REVIEW = "second_review"
    ACCEPTED = "accepted"
    ADVICE = "advice"
    DEVELOPMENT_PLAN = "development_plan"
    PUT_RIGHT = "put_right"
    PROPOSED = "proposed"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return AUDIT_STATUS_LABELS[self]

    @property
    def finished(self) -> bool:
        return self in FINISHED


AUDIT_STATUS_LABELS: dict[AuditStatus, str] = {
    AuditStatus.REQUESTED: "Waiting for the record",
    AuditStatus.SUBMITTED: "Waiting for assessment",
    AuditStatus.SECOND_REVIEW: "Waiting for a second assessment",
    AuditStatus.ACCEPTED: "Accepted",
    AuditStatus.ADVICE: "Accepted with advice",
    AuditStatus.DEVELOPMENT_PLAN: "Development plan",
    AuditStatus.PUT_RIGHT: "Put right after a development plan",
    AuditStatus.PROPOSED: "Status change proposed",
    AuditStatus.CLOSED: "Closed",
}
FINISHED = frozenset(
    {AuditStatus.ACCEPTED, AuditStatus.ADVICE, AuditStatus.PUT_RIGHT, AuditStatus.CLOSED}
)

S = AuditStatus
# Every move an audit can make. A first assessor who does not accept sends the record to a
# second; the second assessor's outcome stands. Missing a deadline proposes a status change.
AUDIT_TRANSITIONS: dict[AuditStatus, frozenset[AuditStatus]] = {
    S.REQUESTED: frozenset({S.SUBMITTED, S.PROPOSED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.SECOND_REVIEW}),
    S.SECOND_REVIEW: frozenset({S.ACCEPTED, S.ADVICE, S.DEVELOPMENT_PLAN}),
    S.DEVELOPMENT_PLAN: frozenset({S.PUT_RIGHT, S.PROPOSED}),
    # Decided: closed (accepted or rejected), or more time back at the stage that was overdue.
    S.PROPOSED: frozenset({S.CLOSED, S.REQUESTED, S.DEVELOPMENT_PLAN}),
    S.ACCEPTED: frozenset(),
    S.ADVICE: frozenset(),
    S.PUT_RIGHT: frozenset(),
    S.CLOSED: frozenset(),
}


class AuditOutcome(enum.StrEnum):
    ACCEPTED = "accepted"
    ADVICE = "advice"
    NOT_MET = "not_met"

    @property
    def label(self) -> str:
        return {"accepted": "Accepted", "advice": "Advice", "not_met": "Not met"}[self.value]


class SelectionReason(enum.StrEnum):
    DRAWN = "drawn"
    ADVICE_LAST_CYCLE = "advice_last_cycle"

    @property
    def label(self) -> str:
        return {"drawn": "Drawn at random", "advice_last_cycle": "Given advice last cycle"}[
            self.value
        ]


class ProposalDecision(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {"accepted": "Accepted", "rejected": "Rejected"}[self.value]


class CpdAuditCycle(Base):
    """One round of the CPD audit in a scheme: who could be drawn, the rate and the seed, so
    that the draw can be repeated and checked."""

    __tablename__ = "cpd_audit_cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), nullable=False)
    opened_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    opened_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(6, 3), nullable=False)
    seed: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    # The population the draw was made from, by accreditation record id.
    eligible: Mapped[list[int]] = mapped_column(sa.JSON, nullable=False, default=list)
    always: Mapped[list[int]] = mapped_column(sa.JSON, nullable=False, default=list)
    newly_accredited: Mapped[list[int]] = mapped_column(sa.JSON, nullable=False, default=list)
    under_audit: Mapped[list[int]] = mapped_column(sa.JSON, nullable=False, default=list)

    scheme: Mapped[Scheme] = relationship(lazy="joined")
    opened_by: Mapped[User] = relationship(lazy="joined")
    selections: Mapped[list[CpdAuditSelection]] = relationship(
        back_populates="cycle", order_by="CpdAuditSelection.id"
    )

    __table_args__ = (
        sa.CheckConstraint("percent >= 2.5 AND percent <= 100", name="percent"),
        sa.Index("ix_cpd_audit_cycles_scheme_opened", "scheme_id", "opened_at"),
    )


class CpdAuditSelection(Base):
    """A reviewer drawn in a cycle: the CPD year audited, the deadlines, the assessors, the
    outcome and any development plan or proposed change of accreditation status."""

    __tablename__ = "cpd_audit_selections"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cpd_audit_cycles.id"), nullable=False, index=True
    )
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation_records.id"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    reason: Mapped[SelectionReason] = mapped_column(
        enum_column(SelectionReason, 32), nullable=False
    )
    status: Mapped[AuditStatus] = mapped_column(
        enum_column(AuditStatus, 32), nullable=False, default=AuditStatus.REQUESTED, index=True
    )
    # The CPD year audited: the last one that closed before the cycle opened.
    year_starts_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    year_ends_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    statement: Mapped[str | None] = mapped_column(sa.Text)
    first_assessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    second_assessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    outcome: Mapped[AuditOutcome | None] = mapped_column(enum_column(AuditOutcome, 16))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    plan_actions: Mapped[str | None] = mapped_column(sa.Text)
    plan_due_on: Mapped[date | None] = mapped_column(sa.Date)
    plan_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    put_right_note: Mapped[str | None] = mapped_column(sa.Text)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    proposed_status: Mapped[AccreditationStatus | None] = mapped_column(
        enum_column(AccreditationStatus, 32)
    )
    proposal_reason: Mapped[str | None] = mapped_column(sa.Text)
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    proposal_decision: Mapped[ProposalDecision | None] = mapped_column(
        enum_column(ProposalDecision, 16)
    )
    proposal_note: Mapped[str | None] = mapped_column(sa.Text)
    proposal_decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    proposal_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    cycle: Mapped[CpdAuditCycle] = relationship(back_populates="selections")
    record: Mapped[AccreditationRecord] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    first_assessor: Mapped[User | None] = relationship(foreign_keys=[first_assessor_id])
    second_assessor: Mapped[User | None] = relationship(foreign_keys=[second_assessor_id])
    reviews: Mapped[list[CpdAuditReview]] = relationship(
        back_populates="selection", order_by="CpdAuditReview.stage"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("cycle_id", "record_id", name="uq_cpd_audit_selections_once"),
        sa.CheckConstraint(
            "second_assessor_id IS NULL OR first_assessor_id IS NULL OR "
            "second_assessor_id <> first_assessor_id",
            name="independent_assessors",
        ),
        sa.CheckConstraint(
            "(first_assessor_id IS NULL OR first_assessor_id <> user_id) AND "
            "(second_assessor_id IS NULL OR second_assessor_id <> user_id)",
            name="not_own_assessor",
        ),
        sa.CheckConstraint("year_ends_on >= year_starts_on", name="audited_year"),
    )

    @property
    def stage(self) -> int | None:
        """The review the record is waiting for: 1, 2, or None."""
        if self.status is AuditStatus.SUBMITTED:
            return 1
        if self.status is AuditStatus.SECOND_REVIEW:
            return 2
        return None

    def assessor_for(self, stage: int) -> int | None:
        return self.first_assessor_id if stage == 1 else self.second_assessor_id


class CpdAuditReview(Base):
    """One assessor's judgement of a submitted record; the second is made without seeing the
    first."""

    __tablename__ = "cpd_audit_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cpd_audit_selections.id"), nullable=False, index=True
    )
    stage: Mapped[int] = mapped_column(nullable=False)
    assessor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    outcome: Mapped[AuditOutcome] = mapped_column(enum_column(AuditOutcome, 16), nullable=False)
    feedback: Mapped[str] = mapped_column(sa.Text, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    selection: Mapped[CpdAuditSelection] = relationship(back_populates="reviews")
    assessor: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("selection_id", "stage", name="uq_cpd_audit_reviews_stage"),
        sa.CheckConstraint("stage IN (1, 2)", name="stage"),
    )
