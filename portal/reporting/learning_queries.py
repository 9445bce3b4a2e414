"""Read models for learning and the government's response: the taxonomy in use, findings,
counts of conditions by year, and national recommendations with their response history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

# Peer QA and the applications import each other; loaded applications-first, as the rest of
# the app loads them, that cycle resolves (this module may be the first to reach peer QA).
from portal.applications import models as _applications  # noqa: F401
from portal.core.sql_dates import utc_year
from portal.extensions import db
from portal.peer_qa.models import RELEASED, QaReview
from portal.reporting.facts import ConditionCount, Period, ResponseCount
from portal.reporting.learning_models import (
    GovernmentResponse,
    LearningFinding,
    NationalRecommendation,
    ResponseStatus,
    SystemCondition,
    SystemConditionVersion,
    finding_conditions,
)

PAGE_SIZE = 50


def current_taxonomy() -> SystemConditionVersion | None:
    """The newest version loaded: findings are tagged against it."""
    return db.session.scalar(
        sa.select(SystemConditionVersion)
        .options(selectinload(SystemConditionVersion.conditions))
        .order_by(SystemConditionVersion.loaded_at.desc(), SystemConditionVersion.id.desc())
        .limit(1)
    )


def conditions_by_code(taxonomy_id: int, codes: list[str]) -> list[SystemCondition]:
    return list(
        db.session.scalars(
            sa.select(SystemCondition)
            .where(SystemCondition.taxonomy_id == taxonomy_id, SystemCondition.code.in_(codes))
            .order_by(SystemCondition.position)
        )
    )


@dataclass(frozen=True)
class ReviewChoice:
    id: int
    reference: str
    title: str


def completed_reviews() -> list[ReviewChoice]:
    """Reviews whose peer quality assurance is complete: the only ones findings come from."""
    return [
        ReviewChoice(review_id, reference or "", title or "")
        for review_id, reference, title in db.session.execute(
            sa.select(QaReview.id, QaReview.reference, QaReview.title)
            .where(QaReview.status.in_(sorted(RELEASED)))
            .order_by(QaReview.reference)
        )
    ]


def qa_review(review_id: int) -> QaReview | None:
    return db.session.get(QaReview, review_id)


def finding(finding_id: int) -> LearningFinding | None:
    """One finding with its conditions and the version of the taxonomy they belong to."""
    return db.session.scalar(
        sa.select(LearningFinding)
        .options(selectinload(LearningFinding.conditions).joinedload(SystemCondition.taxonomy))
        .where(LearningFinding.id == finding_id)
    )


def taxonomy_of(taxonomy_id: int) -> SystemConditionVersion | None:
    return db.session.scalar(
        sa.select(SystemConditionVersion)
        .options(selectinload(SystemConditionVersion.conditions))
        .where(SystemConditionVersion.id == taxonomy_id)
    )


@dataclass(frozen=True)
class FindingRow:
    id: int
    text: str
    reference: str
    recorded_on: date
    conditions: tuple[str, ...]


def findings(limit: int = PAGE_SIZE) -> list[FindingRow]:
    """The latest findings with their review's reference and conditions (two queries)."""
    rows = db.session.scalars(
        sa.select(LearningFinding)
        .options(selectinload(LearningFinding.conditions))
        .order_by(LearningFinding.recorded_at.desc(), LearningFinding.id.desc())
        .limit(limit)
    ).all()
    references = dict(
        db.session.execute(
            sa.select(QaReview.id, QaReview.reference).where(
                QaReview.id.in_({f.qa_review_id for f in rows})
            )
        ).all()
    )
    return [
        FindingRow(
            f.id,
            f.text,
            references.get(f.qa_review_id) or "",
            f.recorded_at.date(),
            tuple(c.label for c in f.conditions),
        )
        for f in rows
    ]


def condition_counts(period: Period) -> list[ConditionCount]:
    """Findings tagged with each condition, by the year the review's quality assurance
    completed (in the period): a finding with two conditions counts under each."""
    year = utc_year(QaReview.completed_at)
    rows = db.session.execute(
        sa.select(
            year,
            SystemCondition.code,
            SystemCondition.label,
            sa.func.min(SystemCondition.position),
            sa.func.count(sa.distinct(LearningFinding.id)),
        )
        .select_from(LearningFinding)
        .join(QaReview, QaReview.id == LearningFinding.qa_review_id)
        .join(finding_conditions, finding_conditions.c.finding_id == LearningFinding.id)
        .join(SystemCondition, SystemCondition.id == finding_conditions.c.condition_id)
        .where(
            QaReview.status.in_(sorted(RELEASED)),
            QaReview.completed_at >= datetime.combine(period.starts_on, time.min, tzinfo=UTC),
            QaReview.completed_at
            < datetime.combine(period.ends_on + timedelta(days=1), time.min, tzinfo=UTC),
        )
        .group_by(year, SystemCondition.code, SystemCondition.label)
    )
    return [
        ConditionCount(int(y), code, label, int(position), int(n))
        for y, code, label, position, n in rows
    ]


def response_counts(period: Period) -> list[ResponseCount]:
    """National recommendations made in the years of the period, by year and the
    government's response as it stands."""
    rows = db.session.execute(
        sa.select(NationalRecommendation.year, NationalRecommendation.response, sa.func.count())
        .where(
            NationalRecommendation.year >= period.starts_on.year,
            NationalRecommendation.year <= period.ends_on.year,
        )
        .group_by(NationalRecommendation.year, NationalRecommendation.response)
    )
    return [ResponseCount(int(y), status.value, int(n)) for y, status, n in rows]


# National recommendations


@dataclass(frozen=True)
class RecommendationFilter:
    year: int | None = None
    response: ResponseStatus | None = None


def national_recommendations(
    chosen: RecommendationFilter, limit: int = 200
) -> list[NationalRecommendation]:
    query = sa.select(NationalRecommendation).order_by(
        NationalRecommendation.year.desc(), NationalRecommendation.id.desc()
    )
    if chosen.year is not None:
        query = query.where(NationalRecommendation.year == chosen.year)
    if chosen.response is not None:
        query = query.where(NationalRecommendation.response == chosen.response)
    return list(db.session.scalars(query.limit(limit)))


def recommendation_years() -> list[int]:
    return list(
        db.session.scalars(
            sa.select(NationalRecommendation.year)
            .distinct()
            .order_by(NationalRecommendation.year.desc())
        )
    )


def national_recommendation(recommendation_id: int) -> NationalRecommendation | None:
    return db.session.get(NationalRecommendation, recommendation_id)


def references_of(review_ids: set[int]) -> dict[int, str]:
    if not review_ids:
        return {}
    return {
        review_id: reference or ""
        for review_id, reference in db.session.execute(
            sa.select(QaReview.id, QaReview.reference).where(QaReview.id.in_(review_ids))
        )
    }


def response_history(recommendation_id: int) -> list[GovernmentResponse]:
    return list(
        db.session.scalars(
            sa.select(GovernmentResponse)
            .where(GovernmentResponse.recommendation_id == recommendation_id)
            .order_by(GovernmentResponse.recorded_at.desc(), GovernmentResponse.id.desc())
        )
    )
