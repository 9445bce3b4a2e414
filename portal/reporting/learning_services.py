"""Learning use cases that change state: loading a version of the system conditions taxonomy,
tagging findings of peer-reviewed reviews, and recording national recommendations and the
government's response to them. Each is audited in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.auth.models import User
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.errors import ConcurrentEdit, DomainError
from portal.extensions import db
from portal.peer_qa.models import RELEASED, QaReview
from portal.reporting.conditions import ConditionsDocument
from portal.reporting.learning_models import (
    MAX_FINDING,
    MAX_RECOMMENDATION,
    GovernmentResponse,
    LearningFinding,
    NationalRecommendation,
    RecommendationSource,
    ResponseStatus,
    SystemCondition,
    SystemConditionVersion,
)


@dataclass(frozen=True)
class Loaded:
    taxonomy: SystemConditionVersion
    created: bool


def load_conditions(actor: User | None, document: ConditionsDocument) -> Loaded:
    """Store a version of the taxonomy. Loading the same version again changes nothing; a
    different file under a version already loaded is refused (a version never changes)."""
    existing = db.session.scalar(
        sa.select(SystemConditionVersion).where(SystemConditionVersion.version == document.version)
    )
    if existing is not None:
        if existing.checksum != document.checksum:
            raise DomainError(
                f"Version {document.version} of the system conditions is already loaded with "
                "different content: give the changed file a new version"
            )
        return Loaded(existing, False)
    taxonomy = SystemConditionVersion(
        version=document.version,
        title=document.title,
        document=document.raw,
        checksum=document.checksum,
        loaded_at=utcnow(),
    )
    db.session.add(taxonomy)
    db.session.flush()
    for position, condition in enumerate(document.conditions, start=1):
        db.session.add(
            SystemCondition(
                taxonomy_id=taxonomy.id,
                code=condition.code,
                label=condition.label,
                description=condition.description,
                position=position,
            )
        )
    record_event(
        actor,
        "system_conditions.loaded",
        subject_type="system_condition_version",
        subject_id=taxonomy.id,
        summary=f"Loaded version {document.version} of the system conditions "
        f"({len(document.conditions)} conditions)",
    )
    db.session.flush()
    return Loaded(taxonomy, True)


def _clean(text: str, limit: int, what: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise DomainError(f"Enter the {what}")
    if len(text) > limit:
        raise DomainError(f"The {what} must be {limit} characters or fewer")
    return text


def _check_finding(review: QaReview, conditions: Sequence[SystemCondition]) -> None:
    if review.status not in RELEASED:
        raise DomainError(
            "Findings can only come from reviews that completed quality assurance", field="review"
        )
    if not conditions:
        raise DomainError("Select at least one system condition", field="conditions")
    if len({c.taxonomy_id for c in conditions}) > 1:
        raise DomainError("Select conditions from one version of the taxonomy")


def record_finding(
    actor: User, review: QaReview, text: str, conditions: Sequence[SystemCondition]
) -> LearningFinding:
    """A finding comes from a review whose peer quality assurance is complete, and names at
    least one condition of one taxonomy version."""
    _check_finding(review, conditions)
    finding = LearningFinding(
        qa_review_id=review.id,
        text=_clean(text, MAX_FINDING, "finding"),
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
        conditions=list(conditions),
    )
    db.session.add(finding)
    db.session.flush()
    record_event(
        actor,
        "learning_finding.recorded",
        subject_type="learning_finding",
        subject_id=finding.id,
        summary=f"Recorded a finding of {review.reference} tagged "
        + ", ".join(c.code for c in conditions),
        changes={"conditions": [c.code for c in conditions]},
    )
    return finding


def _check_version(finding: LearningFinding, version_id: int | None) -> None:
    if version_id is not None and version_id != finding.version_id:
        raise ConcurrentEdit(
            "This finding was changed by someone else while you were looking at it. Check it "
            "and make your change again."
        )


def change_finding(
    actor: User,
    finding: LearningFinding,
    review: QaReview,
    text: str,
    conditions: Sequence[SystemCondition],
    *,
    version_id: int | None,
) -> LearningFinding:
    """Correct a finding: its review, words or conditions, under the same rules as recording
    it, refused if someone else changed it since it was shown."""
    _check_version(finding, version_id)
    _check_finding(review, conditions)
    before = {
        "review": finding.qa_review_id,
        "text": finding.text,
        "conditions": [c.code for c in finding.conditions],
    }
    finding.qa_review_id = review.id
    finding.text = _clean(text, MAX_FINDING, "finding")
    finding.conditions = list(conditions)
    db.session.flush()
    record_event(
        actor,
        "learning_finding.changed",
        subject_type="learning_finding",
        subject_id=finding.id,
        summary=f"Changed a finding of {review.reference} tagged "
        + ", ".join(c.code for c in conditions),
        changes={
            "before": before,
            "after": {
                "review": review.id,
                "text": finding.text,
                "conditions": [c.code for c in conditions],
            },
        },
    )
    return finding


def remove_finding(actor: User, finding: LearningFinding, *, version_id: int | None) -> None:
    """Remove a finding recorded in error; the audit log keeps what it said."""
    _check_version(finding, version_id)
    record_event(
        actor,
        "learning_finding.removed",
        subject_type="learning_finding",
        subject_id=finding.id,
        summary="Removed a finding tagged " + ", ".join(c.code for c in finding.conditions),
        changes={
            "review": finding.qa_review_id,
            "text": finding.text,
            "conditions": [c.code for c in finding.conditions],
        },
    )
    db.session.delete(finding)
    db.session.flush()


@dataclass(frozen=True)
class RecommendationInput:
    text: str
    year: int
    addressed_to: str
    source: RecommendationSource
    review: QaReview | None = None
    source_title: str | None = None
    source_year: int | None = None


def add_national_recommendation(actor: User, given: RecommendationInput) -> NationalRecommendation:
    """A national recommendation names where it came from: a review that completed quality
    assurance, or the panel's own national or thematic review (its title and year)."""
    if given.source is RecommendationSource.REVIEW:
        if given.review is None:
            raise DomainError("Select the review the recommendation came from")
        if given.review.status not in RELEASED:
            raise DomainError("The review must have completed quality assurance")
        title, source_year = None, None
    else:
        title = _clean(given.source_title or "", 300, "title of the panel's review")
        if given.source_year is None:
            raise DomainError("Enter the year of the panel's review")
        source_year = given.source_year
    recommendation = NationalRecommendation(
        text=_clean(given.text, MAX_RECOMMENDATION, "recommendation"),
        year=given.year,
        source=given.source,
        qa_review_id=given.review.id
        if given.source is RecommendationSource.REVIEW and given.review
        else None,
        source_title=title,
        source_year=source_year,
        addressed_to=_clean(given.addressed_to, 300, "body it is addressed to"),
        response=ResponseStatus.NO_RESPONSE,
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    db.session.add(recommendation)
    db.session.flush()
    record_event(
        actor,
        "national_recommendation.added",
        subject_type="national_recommendation",
        subject_id=recommendation.id,
        summary=f"Added national recommendation {recommendation.id} ({given.year})",
    )
    return recommendation


def record_response(
    actor: User,
    recommendation: NationalRecommendation,
    *,
    status: ResponseStatus,
    action: str,
    responded_on: date | None,
    version_id: int | None,
) -> GovernmentResponse:
    """The government's response as it now stands, kept in the history. A response other than
    'no response yet' has the date it was given; a change made in another window meanwhile is
    refused so nobody overwrites what they have not seen."""
    if version_id is not None and version_id != recommendation.version_id:
        raise ConcurrentEdit(
            "This recommendation's response was changed by someone else while you were "
            "editing. Check it and make your change again."
        )
    if status is not ResponseStatus.NO_RESPONSE and responded_on is None:
        raise DomainError("Enter the date of the government's response", field="responded_on")
    action = " ".join(action.split())
    if status in {ResponseStatus.ACCEPTED, ResponseStatus.PARTLY_ACCEPTED} and not action:
        raise DomainError("Enter the action the government will take", field="action")
    before = {
        "response": recommendation.response.value,
        "action": recommendation.response_action,
        "responded_on": recommendation.responded_on.isoformat()
        if recommendation.responded_on
        else None,
    }
    recommendation.response = status
    recommendation.response_action = action or None
    recommendation.responded_on = responded_on
    entry = GovernmentResponse(
        recommendation_id=recommendation.id,
        status=status,
        action=action or None,
        responded_on=responded_on,
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    record_event(
        actor,
        "national_recommendation.response_recorded",
        subject_type="national_recommendation",
        subject_id=recommendation.id,
        summary=f"Recorded the government's response: {status.label}",
        changes={
            "before": before,
            "after": {
                "response": status.value,
                "action": action or None,
                "responded_on": responded_on.isoformat() if responded_on else None,
            },
        },
    )
    return entry
