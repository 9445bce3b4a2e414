"""Read models for calibration: every independent mark, and the feedback to rate."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.applications.agreement import Mark
from portal.applications.models import (
    Allocation,
    AllocationPurpose,
    Application,
    FeedbackRating,
    FeedbackReview,
    Score,
)
from portal.applications.workflow import CALIBRATING
from portal.auth.models import User
from portal.extensions import db
from portal.framework.models import Competency

# Moderators record agreed scores, not independent ones: only these purposes are compared.
INDEPENDENT = (AllocationPurpose.ASSESSMENT, AllocationPurpose.CALIBRATION)


def marks(scheme_id: int | None = None) -> list[Mark]:
    """Every score in a submitted independent assessment, in one query."""
    query = (
        sa.select(Allocation.application_id, Competency.code, Allocation.assessor_id, Score.level)
        .join(Score, Score.allocation_id == Allocation.id)
        .join(Competency, Competency.id == Score.competency_id)
        .where(Allocation.submitted_at.is_not(None), Allocation.purpose.in_(INDEPENDENT))
    )
    if scheme_id is not None:
        query = query.join(Application, Application.id == Allocation.application_id).where(
            Application.scheme_id == scheme_id
        )
    return [Mark(a, c, p, lv) for a, c, p, lv in db.session.execute(query)]


def people(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def ratings_by_assessor() -> dict[int, Counter[FeedbackRating]]:
    rows = db.session.execute(
        sa.select(Allocation.assessor_id, FeedbackReview.rating, sa.func.count(FeedbackReview.id))
        .join(Allocation, Allocation.id == FeedbackReview.allocation_id)
        .group_by(Allocation.assessor_id, FeedbackReview.rating)
    )
    found: dict[int, Counter[FeedbackRating]] = {}
    for assessor_id, rating, n in rows:
        found.setdefault(assessor_id, Counter())[rating] = n
    return found


def calibration_candidates() -> list[Application]:
    """Applications with agreed scores that can be double-marked, newest first."""
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.status.in_(list(CALIBRATING)))
            .order_by(Application.status_changed_at.desc(), Application.id.desc())
            .limit(200)
        )
    )


@dataclass(frozen=True)
class FeedbackRow:
    allocation: Allocation
    my_rating: FeedbackReview | None


def feedback_of(assessor_id: int, rater_id: int) -> list[FeedbackRow]:
    """An assessor's submitted assessments with their comments, and this rater's ratings."""
    allocations = db.session.scalars(
        sa.select(Allocation)
        .where(
            Allocation.assessor_id == assessor_id,
            Allocation.submitted_at.is_not(None),
            Allocation.purpose.in_(INDEPENDENT),
        )
        .options(joinedload(Allocation.application))
        .order_by(Allocation.submitted_at.desc())
    ).all()
    reviews = {
        r.allocation_id: r
        for r in db.session.scalars(
            sa.select(FeedbackReview).where(
                FeedbackReview.rated_by_id == rater_id,
                FeedbackReview.allocation_id.in_([a.id for a in allocations]),
            )
        )
    }
    return [FeedbackRow(a, reviews.get(a.id)) for a in allocations]


def allocation(allocation_id: int) -> Allocation | None:
    return db.session.get(Allocation, allocation_id)
