"""CPD: requirement versions, the activities reviewers log with their evidence and corrections,
the practice-related feedback they reflect on, and the reminders sent."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portal.applications.models import AccreditationRecord
    from portal.auth.models import User
    from portal.framework.models import Scheme


class RequirementStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "published": "In force", "retired": "Retired"}[self.value]


# Drafts are published or withdrawn; the version in force is retired when another replaces it.
REQUIREMENT_TRANSITIONS: dict[RequirementStatus, frozenset[RequirementStatus]] = {
    RequirementStatus.DRAFT: frozenset({RequirementStatus.PUBLISHED, RequirementStatus.RETIRED}),
    RequirementStatus.PUBLISHED: frozenset({RequirementStatus.RETIRED}),
    RequirementStatus.RETIRED: frozenset(),
}


class CpdRequirementVersion(Base):
    """One version of a scheme's CPD requirements, as loaded from config/cpd."""

    __tablename__ = "cpd_requirement_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(sa.ForeignKey("schemes.id"), nullable=False)
    version: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    status: Mapped[RequirementStatus] = mapped_column(
        enum_column(RequirementStatus, 16), nullable=False, default=RequirementStatus.DRAFT
    )
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    checksum: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # When it came into force: each CPD year is judged against the version in force when the
    # year started, so this is kept after the version is retired.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    scheme: Mapped[Scheme] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("scheme_id", "version", name="uq_cpd_requirement_versions_version"),
        sa.Index(
            "uq_cpd_requirement_versions_one_published",
            "scheme_id",
            unique=True,
            sqlite_where=sa.text("status = 'published'"),
            postgresql_where=sa.text("status = 'published'"),
        ),
    )


class ActivityType(enum.StrEnum):
    FORMAL_COURSE = "formal_course"
    SUPERVISION = "supervision"
    ACTION_LEARNING = "action_learning"
    LEARNING_EVENT = "learning_event"
    READING = "reading"
    CONFERENCE = "conference"
    OBSERVING = "observing"
    TEACHING = "teaching"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ACTIVITY_LABELS[self]


ACTIVITY_LABELS: dict[ActivityType, str] = {
    ActivityType.FORMAL_COURSE: "Formal course or training",
    ActivityType.SUPERVISION: "Supervision or peer reflection",
    ActivityType.ACTION_LEARNING: "Action learning set",
    ActivityType.LEARNING_EVENT: "Practitioner learning event",
    ActivityType.READING: "Reading and research",
    ActivityType.CONFERENCE: "Conference or seminar",
    ActivityType.OBSERVING: "Observing or co-working a review",
    ActivityType.TEACHING: "Teaching or mentoring others",
    ActivityType.OTHER: "Other",
}


class EntryStatus(enum.StrEnum):
    DRAFT = "draft"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return {"draft": "Draft", "completed": "Completed"}[self.value]


class CpdEntry(Base):
    """One learning activity in a reviewer's CPD record, counted in the CPD year of the day it
    ended. Hours are kept in quarter hours."""

    __tablename__ = "cpd_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation_records.id"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    status: Mapped[EntryStatus] = mapped_column(
        enum_column(EntryStatus, 16), nullable=False, default=EntryStatus.DRAFT
    )
    activity_type: Mapped[ActivityType | None] = mapped_column(enum_column(ActivityType, 32))
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    relevance: Mapped[str | None] = mapped_column(sa.Text)
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    provider: Mapped[str | None] = mapped_column(sa.String(200))
    hours_quarters: Mapped[int | None] = mapped_column()
    participatory_quarters: Mapped[int | None] = mapped_column()
    # Codes of competencies of the framework version the reviewer was accredited against.
    competency_codes: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    learning: Mapped[str | None] = mapped_column(sa.Text)
    impact: Mapped[str | None] = mapped_column(sa.Text)
    peer_discussion: Mapped[bool | None] = mapped_column()
    peer_name: Mapped[str | None] = mapped_column(sa.String(200))
    peer_role: Mapped[str | None] = mapped_column(sa.String(200))
    peer_learning: Mapped[str | None] = mapped_column(sa.Text)
    # When the writer confirmed that text the check picked out identifies nobody.
    personal_data_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    record: Mapped[AccreditationRecord] = relationship()
    evidence: Mapped[list[CpdEvidence]] = relationship(
        back_populates="entry", order_by="CpdEvidence.uploaded_at"
    )
    revisions: Mapped[list[CpdEntryRevision]] = relationship(
        back_populates="entry", order_by="CpdEntryRevision.revised_at.desc()"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.Index("ix_cpd_entries_record_status", "record_id", "status"),
        sa.CheckConstraint(
            "hours_quarters IS NULL OR hours_quarters BETWEEN 1 AND 800", name="hours"
        ),
        sa.CheckConstraint(
            "participatory_quarters IS NULL OR (participatory_quarters >= 0 AND "
            "(hours_quarters IS NULL OR participatory_quarters <= hours_quarters))",
            name="participatory_hours",
        ),
        sa.CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates"
        ),
        sa.CheckConstraint(
            "status = 'draft' OR (activity_type IS NOT NULL AND starts_on IS NOT NULL AND "
            "hours_quarters IS NOT NULL AND learning IS NOT NULL AND impact IS NOT NULL AND "
            "peer_discussion IS NOT NULL)",
            name="completed_has_answers",
        ),
    )

    @property
    def counts_on(self) -> date | None:
        return self.ends_on or self.starts_on


class CpdEntryRevision(Base):
    """The values of an entry before a correction made after its CPD year closed."""

    __tablename__ = "cpd_entry_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cpd_entries.id"), nullable=False, index=True
    )
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    changed_fields: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    revised_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    revised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    entry: Mapped[CpdEntry] = relationship(back_populates="revisions")
    revised_by: Mapped[User] = relationship(lazy="joined")


class CpdEvidence(Base):
    """A file supporting an entry: kept in the upload store outside the web root."""

    __tablename__ = "cpd_evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cpd_entries.id"), nullable=False, index=True
    )
    original_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    storage_key: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    entry: Mapped[CpdEntry] = relationship(back_populates="evidence")


class FeedbackSource(enum.StrEnum):
    COMMISSIONER = "commissioner"
    PRACTITIONER = "practitioner"
    FAMILY = "family"
    OTHER = "other"

    @property
    def label(self) -> str:
        return FEEDBACK_SOURCE_LABELS[self]


FEEDBACK_SOURCE_LABELS: dict[FeedbackSource, str] = {
    FeedbackSource.COMMISSIONER: "A commissioner",
    FeedbackSource.PRACTITIONER: "A practitioner",
    FeedbackSource.FAMILY: "A family member (where it was safe to ask)",
    FeedbackSource.OTHER: "Someone else",
}


class PracticeFeedback(Base):
    """Feedback a reviewer received about their practice, and their reflection on it."""

    __tablename__ = "cpd_practice_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation_records.id"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    source: Mapped[FeedbackSource] = mapped_column(enum_column(FeedbackSource, 16), nullable=False)
    received_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    summary: Mapped[str] = mapped_column(sa.Text, nullable=False)
    reflection: Mapped[str] = mapped_column(sa.Text, nullable=False)
    personal_data_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class CpdReminder(Base):
    """A reminder sent for one CPD year of one accreditation at one threshold: sent once."""

    __tablename__ = "cpd_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accreditation_records.id"), nullable=False
    )
    year_starts_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    days_before: Mapped[int] = mapped_column(nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    __table_args__ = (
        sa.UniqueConstraint(
            "record_id", "year_starts_on", "days_before", name="uq_cpd_reminders_once"
        ),
    )
