"""Learning from reviews and the government's response: versions of the system conditions
taxonomy, findings of peer-reviewed reviews tagged against it, and national recommendations
with the history of the government's response to each."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, UTCDateTime, enum_column, utcnow

MAX_FINDING = 1000
MAX_RECOMMENDATION = 2000


class SystemConditionVersion(Base):
    """One loaded version of the taxonomy, kept as loaded: findings point at its conditions."""

    __tablename__ = "system_condition_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(32), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    checksum: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    conditions: Mapped[list[SystemCondition]] = relationship(
        back_populates="taxonomy", order_by="SystemCondition.position"
    )


class SystemCondition(Base):
    __tablename__ = "system_conditions"

    id: Mapped[int] = mapped_column(primary_key=True)
    taxonomy_id: Mapped[int] = mapped_column(
        sa.ForeignKey("system_condition_versions.id"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    label: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)
    position: Mapped[int] = mapped_column(nullable=False)

    taxonomy: Mapped[SystemConditionVersion] = relationship(back_populates="conditions")

    __table_args__ = (sa.UniqueConstraint("taxonomy_id", "code", name="uq_system_conditions_code"),)


finding_conditions = sa.Table(
    "learning_finding_conditions",
    Base.metadata,
    sa.Column(
        "finding_id", sa.ForeignKey("learning_findings.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("condition_id", sa.ForeignKey("system_conditions.id"), primary_key=True),
)


class LearningFinding(Base):
    """A finding of a review that completed peer quality assurance, tagged with the system
    conditions it shows."""

    __tablename__ = "learning_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    qa_review_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qa_reviews.id"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(sa.String(MAX_FINDING), nullable=False)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    conditions: Mapped[list[SystemCondition]] = relationship(
        secondary=finding_conditions, order_by="SystemCondition.position"
    )

    __mapper_args__ = {"version_id_col": version_id}


class RecommendationSource(enum.StrEnum):
    REVIEW = "review"
    PANEL = "panel"

    @property
    def label(self) -> str:
        return {
            "review": "A local review",
            "panel": "The panel's national or thematic review",
        }[self.value]


class ResponseStatus(enum.StrEnum):
    NO_RESPONSE = "no_response"
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return RESPONSE_LABELS[self]


RESPONSE_LABELS = {
    ResponseStatus.NO_RESPONSE: "No response yet",
    ResponseStatus.ACCEPTED: "Accepted",
    ResponseStatus.PARTLY_ACCEPTED: "Partly accepted",
    ResponseStatus.REJECTED: "Rejected",
}


class NationalRecommendation(Base):
    """A recommendation to government or a national body, from a review or from the panel's
    own national or thematic review, with the government's response as it stands."""

    __tablename__ = "national_recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(MAX_RECOMMENDATION), nullable=False)
    # The year the recommendation was made: the government responds to each year's.
    year: Mapped[int] = mapped_column(nullable=False, index=True)
    source: Mapped[RecommendationSource] = mapped_column(
        enum_column(RecommendationSource, 16), nullable=False
    )
    qa_review_id: Mapped[int | None] = mapped_column(sa.ForeignKey("qa_reviews.id"))
    source_title: Mapped[str | None] = mapped_column(sa.String(300))
    source_year: Mapped[int | None] = mapped_column()
    addressed_to: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    response: Mapped[ResponseStatus] = mapped_column(
        enum_column(ResponseStatus, 16), nullable=False, default=ResponseStatus.NO_RESPONSE
    )
    response_action: Mapped[str | None] = mapped_column(sa.Text)
    responded_on: Mapped[date | None] = mapped_column(sa.Date)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    version_id: Mapped[int] = mapped_column(default=1, nullable=False)

    responses: Mapped[list[GovernmentResponse]] = relationship(
        back_populates="recommendation", order_by="GovernmentResponse.id"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.CheckConstraint(
            "(source = 'review' AND qa_review_id IS NOT NULL) OR "
            "(source = 'panel' AND source_title IS NOT NULL AND source_year IS NOT NULL)",
            name="source_named",
        ),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )


class GovernmentResponse(Base):
    """One change to the government's response to a national recommendation: the history."""

    __tablename__ = "government_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("national_recommendations.id"), nullable=False, index=True
    )
    status: Mapped[ResponseStatus] = mapped_column(enum_column(ResponseStatus, 16), nullable=False)
    action: Mapped[str | None] = mapped_column(sa.Text)
    responded_on: Mapped[date | None] = mapped_column(sa.Date)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    recommendation: Mapped[NationalRecommendation] = relationship(back_populates="responses")
