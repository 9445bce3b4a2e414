"""QA rubric versions and their markers; submitted reviews, their peer assessments, scores,
agreed scores and history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, enum_column, utcnow
from portal.framework.models import FrameworkStatus

if TYPE_CHECKING:
    from portal.auth.models import User
    from portal.organisations.models import Organisation

# A rubric version moves like a framework version: draft, in use, retired.
RubricStatus = FrameworkStatus


class RubricVersion(Base):
    __tablename__ = "qa_rubric_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(32), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    status: Mapped[FrameworkStatus] = mapped_column(
        enum_column(FrameworkStatus, 16), nullable=False, default=FrameworkStatus.DRAFT
    )
    # The document exactly as loaded: scores judged against it can always be read against it.
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    checksum: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    markers: Mapped[list[RubricMarker]] = relationship(
        back_populates="rubric", order_by="RubricMarker.position"
    )

    __table_args__ = (
        # At most one version is in use at a time.
        sa.Index(
            "uq_qa_rubric_versions_one_published",
            "status",
            unique=True,
            sqlite_where=sa.text("status = 'published'"),
            postgresql_where=sa.text("status = 'published'"),
        ),
    )

    def _levels(self, key: str) -> dict[int, str]:
        rows = self.document.get(key, []) if key == "scale" else self.document["overall"]["scale"]
        return {int(row["level"]): str(row["label"]) for row in rows}

    @property
    def scale(self) -> dict[int, str]:
        return self._levels("scale")

    @property
    def overall_scale(self) -> dict[int, str]:
        return self._levels("overall")

    @property
    def pass_from(self) -> int:
        return int(self.document["overall"]["pass_from"])

    @property
    def confidence(self) -> dict[str, str]:
        return {str(row["code"]): str(row["label"]) for row in self.document["confidence"]}


class Responsibility(enum.StrEnum):
    REVIEWER = "reviewer"
    PARTNERSHIP = "partnership"

    @property
    def label(self) -> str:
        return {"reviewer": "The reviewer", "partnership": "The commissioning partnership"}[
            self.value
        ]


class RubricMarker(Base):
    """One marker of one rubric version: scores point here, so they keep their version."""

    __tablename__ = "qa_rubric_markers"

    id: Mapped[int] = mapped_column(primary_key=True)
    rubric_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qa_rubric_versions.id"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    responsibility: Mapped[Responsibility] = mapped_column(
        enum_column(Responsibility, 16), nullable=False
    )
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    statement: Mapped[str] = mapped_column(sa.Text, nullable=False)
    guidance: Mapped[str] = mapped_column(sa.Text, nullable=False)
    descriptors: Mapped[dict[str, str]] = mapped_column(sa.JSON, nullable=False)
    sources: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False)
    position: Mapped[int] = mapped_column(nullable=False)

    rubric: Mapped[RubricVersion] = relationship(back_populates="markers")

    __table_args__ = (sa.UniqueConstraint("rubric_id", "code", name="uq_qa_rubric_markers_code"),)

    @property
    def counts(self) -> bool:
        """Only what the reviewer is responsible for counts towards their QA result."""
        return self.responsibility is Responsibility.REVIEWER


class ReviewType(enum.StrEnum):
    RAPID_REVIEW = "rapid_review"
    LCSPR = "lcspr"

    @property
    def label(self) -> str:
        return {
            "rapid_review": "Rapid review",
            "lcspr": "Local child safeguarding practice review",
        }[self.value]


class QaStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_ASSESSMENT = "in_assessment"
    MODERATION = "moderation"
    COMPLETED = "completed"
    RESPONDED = "responded"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return QA_STATUS_LABELS[self]


QA_STATUS_LABELS = {
    QaStatus.DRAFT: "Draft",
    QaStatus.SUBMITTED: "Waiting for peer assessors",
    QaStatus.IN_ASSESSMENT: "With peer assessors",
    QaStatus.MODERATION: "In moderation",
    QaStatus.COMPLETED: "Feedback ready",
    QaStatus.RESPONDED: "Feedback answered",
    QaStatus.WITHDRAWN: "Withdrawn",
}
# Feedback is released to the author from these states on.
RELEASED = frozenset({QaStatus.COMPLETED, QaStatus.RESPONDED})
OPEN = frozenset({QaStatus.SUBMITTED, QaStatus.IN_ASSESSMENT, QaStatus.MODERATION})


class QaReview(Base):
    """A completed review an accredited reviewer submits for peer quality assurance."""

    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A neutral reference (QA-2026-0001): the only name assessors and the author share.
    reference: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    rubric_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qa_rubric_versions.id"))
    status: Mapped[QaStatus] = mapped_column(
        enum_column(QaStatus, 16), nullable=False, default=QaStatus.DRAFT, index=True
    )
    title: Mapped[str | None] = mapped_column(sa.String(300))
    partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    review_type: Mapped[ReviewType | None] = mapped_column(enum_column(ReviewType, 16))
    published_on: Mapped[date | None] = mapped_column(sa.Date)
    themes: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    # The report: stored by random key; its name on download is made from the reference.
    report_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    report_content_type: Mapped[str | None] = mapped_column(sa.String(100))
    report_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    report_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # The report's text, filled by text extraction for the recommendation analysis.
    report_text: Mapped[str | None] = mapped_column(sa.Text)
    # The report's estimate of chronology against analysis, in words, and the rules that made it.
    report_counted_words: Mapped[int | None] = mapped_column()
    report_chronology_words: Mapped[int | None] = mapped_column()
    report_analysis_words: Mapped[int | None] = mapped_column()
    analysis_rules_version: Mapped[str | None] = mapped_column(sa.String(32))
    recommendations: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    # {"children": {...}, "family": {...}, "practitioners": {...}, "practitioner_support": str}
    involvement: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    completed_sections: Mapped[list[str]] = mapped_column(sa.JSON, nullable=False, default=list)
    anonymised_declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    personal_data_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False
    )
    # Agreed result: derived from the two assessments, or set by the QA lead in moderation.
    agreed_grade: Mapped[int | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column()
    moderated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    moderation_rationale: Mapped[str | None] = mapped_column(sa.Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    author_response: Mapped[str | None] = mapped_column(sa.Text)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    partnership: Mapped[Organisation | None] = relationship(lazy="joined")
    rubric: Mapped[RubricVersion | None] = relationship()
    status_changes: Mapped[list[QaStatusChange]] = relationship(
        back_populates="review", order_by="QaStatusChange.id"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.CheckConstraint(
            "agreed_grade IS NULL OR agreed_grade >= 1", name="agreed_grade_positive"
        ),
    )

    @property
    def label(self) -> str:
        return self.reference or "Draft review"


class QaStatusChange(Base):
    __tablename__ = "qa_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qa_reviews.id"), nullable=False, index=True
    )
    from_status: Mapped[QaStatus | None] = mapped_column(
        enum_column(QaStatus, 16, name="qa_status_changes_from")
    )
    to_status: Mapped[QaStatus] = mapped_column(
        enum_column(QaStatus, 16, name="qa_status_changes_to"), nullable=False
    )
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    review: Mapped[QaReview] = relationship(back_populates="status_changes")


class Confidence(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class PeerAssessment(Base):
    """One peer assessor's assessment of one review."""

    __tablename__ = "qa_peer_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qa_reviews.id"), nullable=False, index=True
    )
    assessor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    allocated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overall_grade: Mapped[int | None] = mapped_column()
    confidence: Mapped[Confidence | None] = mapped_column(enum_column(Confidence, 8))
    summary_for_author: Mapped[str | None] = mapped_column(sa.Text)
    # Read by the QA lead only: never by the author or the other assessor.
    notes_for_lead: Mapped[str | None] = mapped_column(sa.Text)
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    review: Mapped[QaReview] = relationship()
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id], lazy="joined")
    scores: Mapped[list[MarkerScore]] = relationship(back_populates="assessment")

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("review_id", "assessor_id", name="uq_qa_peer_assessments_assessor"),
    )


class MarkerScore(Base):
    __tablename__ = "qa_marker_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qa_peer_assessments.id"), nullable=False, index=True
    )
    marker_id: Mapped[int] = mapped_column(sa.ForeignKey("qa_rubric_markers.id"), nullable=False)
    level: Mapped[int] = mapped_column(nullable=False)
    comment: Mapped[str] = mapped_column(sa.Text, nullable=False)

    assessment: Mapped[PeerAssessment] = relationship(back_populates="scores")
    marker: Mapped[RubricMarker] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "marker_id", name="uq_qa_marker_scores_marker"),
        sa.CheckConstraint("level >= 1", name="level_positive"),
    )


class AgreedMarkerScore(Base):
    """The agreed level of one marker for one review: derived, or set in moderation."""

    __tablename__ = "qa_agreed_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qa_reviews.id"), nullable=False, index=True
    )
    marker_id: Mapped[int] = mapped_column(sa.ForeignKey("qa_rubric_markers.id"), nullable=False)
    level: Mapped[int] = mapped_column(nullable=False)
    moderated: Mapped[bool] = mapped_column(nullable=False, default=False)

    marker: Mapped[RubricMarker] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("review_id", "marker_id", name="uq_qa_agreed_scores_marker"),
    )


class RecommendationAnalysis(Base):
    """What one of a review's recommendations targets, as the recommendation rules classified
    it when the list last changed: an aid for the reviewer and the peers, and the data the
    learning across reviews counts. Never a score."""

    __tablename__ = "qa_recommendation_analyses"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qa_reviews.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(nullable=False)  # from 1, as the list shows
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    class_: Mapped[str] = mapped_column("class", sa.String(16), nullable=False, index=True)
    target_level: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    strength: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    admonishment: Mapped[bool] = mapped_column(nullable=False)
    owner_named: Mapped[bool] = mapped_column(nullable=False)
    measurable: Mapped[bool] = mapped_column(nullable=False)
    # The words and patterns that decided: [{"family", "option", "term", "matched", "weight"}]
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, nullable=False)
    rules_version: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("review_id", "position", name="uq_qa_recommendation_analyses_position"),
        sa.CheckConstraint(
            "class IN ('training', 'procedure', 'system', 'national')", name="class_known"
        ),
        sa.CheckConstraint("position >= 1", name="position_positive"),
    )
