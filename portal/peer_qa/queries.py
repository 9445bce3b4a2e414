"""Read models for peer QA: rubric versions, reviews for their author, assessors and the QA
lead, conflict-free peer assessors, agreed results, and QA outcomes for renewal."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from portal.applications.models import (
    CURRENT_ACCREDITATION,
    AccreditationRecord,
    AccreditationStatus,
    DeclaredInterest,
)
from portal.auth.models import RoleGrant, User
from portal.core.dates import add_years
from portal.core.permissions import Role
from portal.core.personal_data import Finding, find_personal_data
from portal.extensions import db
from portal.peer_qa.classifier import paragraphs
from portal.peer_qa.models import (
    OPEN,
    AgreedMarkerScore,
    MarkerScore,
    PeerAssessment,
    QaReview,
    QaStatus,
    RecommendationAnalysis,
    RubricMarker,
    RubricStatus,
    RubricVersion,
)
from portal.register import queries as register_queries

CONFLICT_YEARS = 3
FULLY_ACCREDITED = frozenset(
    {AccreditationStatus.ACCREDITED, AccreditationStatus.ACCREDITED_WITH_CONDITIONS}
)


# Rubric versions


def current_rubric() -> RubricVersion | None:
    return db.session.scalar(
        sa.select(RubricVersion).where(RubricVersion.status == RubricStatus.PUBLISHED)
    )


@dataclass(frozen=True)
class RubricRow:
    rubric: RubricVersion
    markers: int


def rubric_versions() -> list[RubricRow]:
    counts = (
        sa.select(RubricMarker.rubric_id, sa.func.count(RubricMarker.id).label("n"))
        .group_by(RubricMarker.rubric_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(RubricVersion, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.rubric_id == RubricVersion.id)
        .order_by(RubricVersion.loaded_at.desc(), RubricVersion.id.desc())
    )
    return [RubricRow(rubric, int(n)) for rubric, n in rows]


def rubric(rubric_id: int) -> RubricVersion | None:
    return db.session.scalar(
        sa.select(RubricVersion)
        .where(RubricVersion.id == rubric_id)
        .options(selectinload(RubricVersion.markers))
    )


def markers_of(rubric_id: int) -> list[RubricMarker]:
    return list(
        db.session.scalars(
            sa.select(RubricMarker)
            .where(RubricMarker.rubric_id == rubric_id)
            .order_by(RubricMarker.position)
        )
    )


# Who may submit


def current_record(user_id: int, today: date) -> AccreditationRecord | None:
    """The person's accreditation in force today (full, with conditions or provisional)."""
    return db.session.scalar(
        sa.select(AccreditationRecord)
        .where(
            AccreditationRecord.user_id == user_id,
            AccreditationRecord.status.in_(list(CURRENT_ACCREDITATION)),
            AccreditationRecord.starts_on <= today,
            AccreditationRecord.expires_on > today,
        )
        .order_by(AccreditationRecord.starts_on.desc())
    )


# Reviews


def review(review_id: int) -> QaReview | None:
    return db.session.get(QaReview, review_id)


def reviews_of(author_id: int) -> list[QaReview]:
    return list(
        db.session.scalars(
            sa.select(QaReview)
            .where(QaReview.author_id == author_id, QaReview.status != QaStatus.WITHDRAWN)
            .order_by(QaReview.created_at.desc(), QaReview.id.desc())
        )
    )


@dataclass(frozen=True)
class ManagedRow:
    review: QaReview
    assessments: int
    submitted: int


def all_reviews() -> list[ManagedRow]:
    """Every submitted review, for the QA lead, with how many assessments are allocated and in."""
    counts = (
        sa.select(
            PeerAssessment.review_id,
            sa.func.count(PeerAssessment.id).label("n"),
            sa.func.count(PeerAssessment.submitted_at).label("done"),
        )
        .group_by(PeerAssessment.review_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(QaReview, counts.c.n, counts.c.done)
        .outerjoin(counts, counts.c.review_id == QaReview.id)
        .where(QaReview.status.not_in([QaStatus.DRAFT, QaStatus.WITHDRAWN]))
        .order_by(QaReview.submitted_at.desc(), QaReview.id.desc())
    )
    return [ManagedRow(r, int(n or 0), int(done or 0)) for r, n, done in rows]


def assessments_of(review_id: int) -> list[PeerAssessment]:
    """A review's two assessments, first allocated first, with their scores."""
    return list(
        db.session.scalars(
            sa.select(PeerAssessment)
            .where(PeerAssessment.review_id == review_id)
            .options(selectinload(PeerAssessment.scores))
            .order_by(PeerAssessment.id)
        )
    )


def assessment(assessment_id: int) -> PeerAssessment | None:
    return db.session.get(PeerAssessment, assessment_id)


def score_map(assessment: PeerAssessment) -> dict[int, MarkerScore]:
    return {s.marker_id: s for s in assessment.scores}


def other_assessment(assessment: PeerAssessment) -> PeerAssessment | None:
    """The other peer's assessment, only once both are in: until then it is unreadable."""
    if assessment.submitted_at is None:
        return None
    others = [a for a in assessments_of(assessment.review_id) if a.id != assessment.id]
    other = others[0] if others else None
    return other if other is not None and other.submitted_at is not None else None


def queue_of(assessor_id: int) -> list[PeerAssessment]:
    """What an assessor has been allocated, open first. Loads the review, never its author."""
    return list(
        db.session.scalars(
            sa.select(PeerAssessment)
            .join(QaReview, QaReview.id == PeerAssessment.review_id)
            .where(
                PeerAssessment.assessor_id == assessor_id,
                QaReview.status != QaStatus.WITHDRAWN,
            )
            .options(contains_eager(PeerAssessment.review).lazyload(QaReview.author))
            .order_by(PeerAssessment.submitted_at.is_not(None), PeerAssessment.allocated_at)
        )
    )


def agreed_scores(review_id: int) -> list[AgreedMarkerScore]:
    return list(
        db.session.scalars(
            sa.select(AgreedMarkerScore)
            .join(RubricMarker, RubricMarker.id == AgreedMarkerScore.marker_id)
            .where(AgreedMarkerScore.review_id == review_id)
            .order_by(RubricMarker.position)
        )
    )


# The personal-data check


@dataclass(frozen=True)
class PersonalDataWarning:
    where: str
    finding: Finding


def personal_data_in(review: QaReview) -> list[PersonalDataWarning]:
    """What in the title, the report's text, the recommendations and the involvement record may
    identify someone. Only ever shown to the author: never stored, audited or sent."""
    texts: list[tuple[str, str | None]] = [("Title", review.title)]
    if review.report_text:
        # Where in the report, by paragraph, so the author can find it in their document.
        for number, paragraph in enumerate(paragraphs(review.report_text), 1):
            texts.append((f"The report, paragraph {number}", paragraph))
    texts += [(f"Recommendation {n}", text) for n, text in enumerate(review.recommendations, 1)]
    involvement = review.involvement or {}
    for group, label in INVOLVEMENT_GROUPS.items():
        row = involvement.get(group) or {}
        texts.append((f"{label}: how", row.get("how")))
        texts.append((f"{label}: adjustments", row.get("adjustments")))
    texts.append(("Support for practitioners", involvement.get("practitioner_support")))
    return [
        PersonalDataWarning(where, finding)
        for where, text in texts
        for finding in find_personal_data(text)
    ]


INVOLVEMENT_GROUPS = {
    "children": "Children",
    "family": "Family members",
    "practitioners": "Practitioners",
}


# Choosing peer assessors


@dataclass(frozen=True)
class Candidate:
    user: User
    load: int
    conflicts: tuple[str, ...]


@dataclass(frozen=True)
class Candidates:
    suggested: list[Candidate]
    conflicted: list[Candidate]

    def find(self, user_id: int) -> Candidate | None:
        return next((c for c in [*self.suggested, *self.conflicted] if c.user.id == user_id), None)


def assessor_pool(today: date) -> list[User]:
    """Active, fully accredited reviewers who also hold the assessor role."""
    accredited = sa.select(AccreditationRecord.user_id).where(
        AccreditationRecord.status.in_(list(FULLY_ACCREDITED)),
        AccreditationRecord.starts_on <= today,
        AccreditationRecord.expires_on > today,
    )
    assessors = sa.select(RoleGrant.user_id).where(
        RoleGrant.role == Role.ASSESSOR, RoleGrant.revoked_at.is_(None)
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.id.in_(accredited), User.id.in_(assessors))
            .order_by(User.name, User.id)
        )
    )


def open_loads(user_ids: Collection[int]) -> dict[int, int]:
    """Peer assessments each person has not submitted, on reviews still open."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(PeerAssessment.assessor_id, sa.func.count(PeerAssessment.id))
        .join(QaReview, QaReview.id == PeerAssessment.review_id)
        .where(
            PeerAssessment.assessor_id.in_(list(user_ids)),
            PeerAssessment.submitted_at.is_(None),
            QaReview.status.in_(list(OPEN)),
        )
        .group_by(PeerAssessment.assessor_id)
    )
    return {int(k): int(v) for k, v in rows.all()}


def author_organisations(author_id: int, today: date) -> dict[int, str]:
    """Organisations the author declared (continuing, or ended in the last three years)."""
    cutoff = add_years(today, -CONFLICT_YEARS)
    rows = db.session.scalars(
        sa.select(DeclaredInterest).where(
            DeclaredInterest.user_id == author_id,
            sa.or_(DeclaredInterest.ended_on.is_(None), DeclaredInterest.ended_on >= cutoff),
        )
    )
    return {i.organisation_id: i.organisation.name for i in rows}


def conflicts_of(review: QaReview, people: list[User], *, today: date) -> dict[int, list[str]]:
    """Each person's reasons not to assess this review (an empty list: none). The register's
    conflict rules decide the partnership's (with its merges) and the author's organisations."""
    ids = [p.id for p in people]
    found: dict[int, list[str]] = {p.id: [] for p in people}
    for person in people:
        if person.id == review.author_id:
            found[person.id].append("Is the author")
    if review.partnership_id is not None:
        partnership = register_queries.conflict_organisations(review.partnership_id)
        for user_id, reasons in register_queries.conflict_reasons(ids, partnership, today).items():
            found[user_id] += [f"Commissioning partnership: {r}" for r in reasons]
    declared = author_organisations(review.author_id, today)
    if declared:
        linked = register_queries.conflict_organisations(*declared)
        for user_id, reasons in register_queries.conflict_reasons(ids, linked, today).items():
            if user_id != review.author_id:
                found[user_id] += [f"Declared by the author too: {r}" for r in reasons]
    return found


def candidates(review: QaReview, *, today: date) -> Candidates:
    """Every possible peer assessor: those without a conflict, lowest current load first, and
    those with one, each with the reasons."""
    pool = assessor_pool(today)
    loads = open_loads([p.id for p in pool])
    reasons = conflicts_of(review, pool, today=today)
    every = [Candidate(p, loads.get(p.id, 0), tuple(reasons[p.id])) for p in pool]
    suggested = sorted(
        (c for c in every if not c.conflicts), key=lambda c: (c.load, c.user.name, c.user.id)
    )
    return Candidates(suggested, [c for c in every if c.conflicts])


# QA outcomes, for the author's record and for renewal


@dataclass(frozen=True)
class QaOutcome:
    review_id: int
    reference: str
    title: str
    partnership: str
    review_type: str
    completed_at: datetime
    grade: int
    grade_label: str
    passed: bool


def qa_outcomes_for(user_id: int, start: date, end: date) -> list[QaOutcome]:
    """The author's reviews whose peer QA completed between `start` and `end` (inclusive),
    oldest first: what a renewal lists beside the reviews the reviewer types in."""
    rows = db.session.scalars(
        sa.select(QaReview)
        .where(
            QaReview.author_id == user_id,
            QaReview.status.in_([QaStatus.COMPLETED, QaStatus.RESPONDED]),
            QaReview.completed_at.is_not(None),
        )
        .options(selectinload(QaReview.rubric))
        .order_by(QaReview.completed_at, QaReview.id)
    )
    outcomes = []
    for row in rows:
        if row.completed_at is None:
            raise RuntimeError("row.completed_at is not set")
        if row.agreed_grade is None:
            raise RuntimeError("row.agreed_grade is not set")
        completed_on = row.completed_at.date()
        if not start <= completed_on <= end:
            continue
        scale = row.rubric.overall_scale if row.rubric else {}
        outcomes.append(
            QaOutcome(
                review_id=row.id,
                reference=row.reference or "",
                title=row.title or "",
                partnership=row.partnership.name if row.partnership else "",
                review_type=row.review_type.label if row.review_type else "",
                completed_at=row.completed_at,
                grade=row.agreed_grade,
                grade_label=scale.get(row.agreed_grade, str(row.agreed_grade)),
                passed=bool(row.passed),
            )
        )
    return outcomes


# What the author reads: agreed scores and comments, never notes for the QA lead, never who


@dataclass(frozen=True)
class MarkerFeedback:
    marker: RubricMarker
    level: int
    label: str
    comments: list[str]
    moderated: bool


@dataclass(frozen=True)
class AuthorFeedback:
    grade: int
    grade_label: str
    passed: bool
    reviewer: list[MarkerFeedback]
    partnership: list[MarkerFeedback]
    summaries: list[str]
    moderation_rationale: str | None


def author_feedback(review: QaReview) -> AuthorFeedback | None:
    if review.rubric is None or review.agreed_grade is None:
        return None
    scale = review.rubric.scale
    assessments = assessments_of(review.id)
    comments: dict[int, list[str]] = {}
    for one in assessments:
        for score in one.scores:
            if score.comment:
                comments.setdefault(score.marker_id, []).append(score.comment)
    rows = [
        MarkerFeedback(
            marker=agreed.marker,
            level=agreed.level,
            label=scale.get(agreed.level, str(agreed.level)),
            comments=comments.get(agreed.marker_id, []),
            moderated=agreed.moderated,
        )
        for agreed in agreed_scores(review.id)
    ]
    return AuthorFeedback(
        grade=review.agreed_grade,
        grade_label=review.rubric.overall_scale.get(review.agreed_grade, ""),
        passed=bool(review.passed),
        reviewer=[r for r in rows if r.marker.counts],
        partnership=[r for r in rows if not r.marker.counts],
        summaries=[a.summary_for_author for a in assessments if a.summary_for_author],
        moderation_rationale=review.moderation_rationale,
    )


# The recommendation analysis: an aid for the author and the peers, never a score


@dataclass(frozen=True)
class ReportEstimate:
    """How much of the report's counted words tell what happened, and how much explain why."""

    counted_words: int
    chronology_words: int
    analysis_words: int
    rules_version: str

    def _percent(self, words: int) -> int:
        return round(100 * words / self.counted_words) if self.counted_words else 0

    @property
    def chronology_percent(self) -> int:
        return self._percent(self.chronology_words)

    @property
    def analysis_percent(self) -> int:
        return self._percent(self.analysis_words)

    @property
    def other_percent(self) -> int:
        if not self.counted_words:
            return 0
        return max(0, 100 - self.chronology_percent - self.analysis_percent)


@dataclass(frozen=True)
class ReviewAnalysis:
    recommendations: list[RecommendationAnalysis]
    report: ReportEstimate | None


def review_analysis(review: QaReview) -> ReviewAnalysis:
    """The stored analysis of a review: each recommendation's classification and the report's
    estimate. Reads nothing about who wrote the review."""
    rows = list(
        db.session.scalars(
            sa.select(RecommendationAnalysis)
            .where(RecommendationAnalysis.review_id == review.id)
            .order_by(RecommendationAnalysis.position)
        )
    )
    report = None
    if review.report_counted_words is not None and review.analysis_rules_version:
        report = ReportEstimate(
            counted_words=review.report_counted_words,
            chronology_words=review.report_chronology_words or 0,
            analysis_words=review.report_analysis_words or 0,
            rules_version=review.analysis_rules_version,
        )
    return ReviewAnalysis(rows, report)
