"""Peer QA use cases: loading and publishing the rubric, drafting and submitting a review,
allocating two peer assessors, scoring, moderation, and the author's response. Each takes its
actor, checks every rule first, audits, emails whoever must act next and flushes; none commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

import sqlalchemy as sa

from portal.applications import mentoring
from portal.applications.models import AccreditationRecord, AccreditationStatus, MentorPairing
from portal.auth.models import RoleGrant, User
from portal.core.audit import Actor, record_event
from portal.core.db import utcnow
from portal.core.email import queue_email
from portal.core.errors import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from portal.core.links import external_url
from portal.core.permissions import Permission, Role
from portal.core.uploads import DOCX, PDF, UploadStore
from portal.extensions import db
from portal.framework.models import FRAMEWORK_TRANSITIONS
from portal.organisations.models import Organisation
from portal.peer_qa import queries, scoring
from portal.peer_qa.classifier import analyse_report, classify, extract_recommendations
from portal.peer_qa.extraction import ExtractionError, extract_text
from portal.peer_qa.models import (
    AgreedMarkerScore,
    Confidence,
    MarkerScore,
    PeerAssessment,
    QaReview,
    QaStatus,
    QaStatusChange,
    RecommendationAnalysis,
    Responsibility,
    ReviewType,
    RubricMarker,
    RubricStatus,
    RubricVersion,
)
from portal.peer_qa.recommendation_rules import current_rules
from portal.peer_qa.schema import RubricDocument
from portal.peer_qa.workflow import Mover, move_for
from portal.register import reference as register_reference

MAX_RECOMMENDATIONS = 60
RECOMMENDATION_LENGTH = 2000
REPORT_MAX_MEGABYTES = 15
REPORT_TYPES = frozenset({PDF, DOCX})
SECTIONS = ("details", "report", "recommendations", "involvement")


# The rubric


@dataclass(frozen=True)
class RubricLoad:
    rubric: RubricVersion
    created: bool


def load_rubric(actor: Actor | None, document: RubricDocument) -> RubricLoad:
    """Store a rubric version as a draft. Loading the same version again changes nothing; a
    version number is never reused for different content."""
    existing = db.session.scalar(
        sa.select(RubricVersion).where(RubricVersion.version == document.version)
    )
    if existing is not None:
        if existing.checksum != document.checksum:
            raise DomainError(
                f"Version {document.version} of the QA rubric is already loaded with different "
                "content: give the changed rubric a new version number"
            )
        return RubricLoad(existing, created=False)
    rubric = RubricVersion(
        version=document.version,
        title=document.title,
        document=document.raw,
        checksum=document.checksum,
    )
    db.session.add(rubric)
    for position, marker in enumerate(document.markers):
        db.session.add(
            RubricMarker(
                rubric=rubric,
                code=marker.code,
                responsibility=Responsibility(marker.responsibility),
                title=marker.title,
                statement=marker.statement,
                guidance=marker.guidance,
                descriptors={str(k): v for k, v in marker.descriptors.items()},
                sources=list(marker.sources),
                position=position,
            )
        )
    db.session.flush()
    record_event(
        actor,
        "qa_rubric.loaded",
        subject_type="qa_rubric",
        subject_id=rubric.id,
        summary=f"Loaded version {document.version} of the QA rubric as a draft "
        f"({len(document.markers)} markers)",
    )
    db.session.flush()
    return RubricLoad(rubric, created=True)


def _move_rubric(actor: Actor | None, rubric: RubricVersion, to: RubricStatus) -> None:
    if to not in FRAMEWORK_TRANSITIONS[rubric.status]:
        raise InvalidTransition(
            f"A {rubric.status.label.lower()} rubric cannot become {to.label.lower()}"
        )
    before = rubric.status
    rubric.status = to
    if to is RubricStatus.PUBLISHED:
        rubric.published_at = utcnow()
    if to is RubricStatus.RETIRED:
        rubric.retired_at = utcnow()
    record_event(
        actor,
        f"qa_rubric.{to.value}",
        subject_type="qa_rubric",
        subject_id=rubric.id,
        summary=f"Version {rubric.version} of the QA rubric: "
        f"{before.label.lower()} to {to.label.lower()}",
        changes={"status": [before.value, to.value]},
    )


def publish_rubric(actor: Actor | None, rubric: RubricVersion) -> RubricVersion | None:
    """Put a draft into use for reviews submitted from now on; the version it replaces is
    retired. Reviews submitted earlier keep their version."""
    if rubric.status is not RubricStatus.DRAFT:
        raise InvalidTransition("Only a draft rubric can be published")
    replaced = queries.current_rubric()
    if replaced is not None:
        _move_rubric(actor, replaced, RubricStatus.RETIRED)
        db.session.flush()  # the database allows one version in use at a time
    _move_rubric(actor, rubric, RubricStatus.PUBLISHED)
    db.session.flush()
    return replaced


# Drafting and submitting


def _audit(
    actor: Actor | None, review: QaReview, action: str, summary: str, **changes: Any
) -> None:
    record_event(
        actor,
        f"qa_review.{action}",
        subject_type="qa_review",
        subject_id=review.id,
        summary=f"{summary} ({review.label})",
        changes=changes or None,
    )


def _own_draft(actor: User, review: QaReview) -> None:
    if review.author_id != actor.id:
        raise NotPermitted("Only the author can change this review.")
    if review.status is not QaStatus.DRAFT:
        raise InvalidTransition("This review has been submitted and can no longer be changed.")


def _check_version(review: QaReview, version_id: int | None) -> None:
    if version_id is not None and version_id != review.version_id:
        raise ConcurrentEdit(
            "This review was changed in another window while you were editing. "
            "Check it and make your change again."
        )


def _touch(review: QaReview, section: str | None = None) -> None:
    review.updated_at = utcnow()
    if section and section not in review.completed_sections:
        review.completed_sections = [*review.completed_sections, section]


def _change_status(review: QaReview, target: QaStatus, by: Mover, actor: User | None) -> None:
    move = move_for(review.status, target, by)
    db.session.add(
        QaStatusChange(
            review=review,
            from_status=review.status,
            to_status=target,
            actor_id=actor.id if actor else None,
            reason=move.what,
        )
    )
    _audit(
        actor,
        review,
        f"moved_to_{target.value}",
        move.what,
        status=[review.status.value, target.value],
    )
    review.status = target
    review.status_changed_at = utcnow()


def start_review(actor: User, *, today: date) -> QaReview:
    """An accredited reviewer starts a draft for a completed review."""
    if not actor.has_permission(Permission.SUBMIT_REVIEWS):
        raise NotPermitted("Only accredited reviewers submit reviews for peer QA.")
    if queries.current_record(actor.id, today) is None:
        raise DomainError("You need a current accreditation to submit a review for peer QA.")
    review = QaReview(author_id=actor.id, status=QaStatus.DRAFT)
    db.session.add(review)
    db.session.flush()
    db.session.add(
        QaStatusChange(review=review, from_status=None, to_status=QaStatus.DRAFT, actor_id=actor.id)
    )
    _audit(actor, review, "started", "Started a review for peer quality assurance")
    db.session.flush()
    return review


def save_details(
    actor: User,
    review: QaReview,
    *,
    title: str,
    partnership: Organisation,
    review_type: ReviewType,
    published_on: date,
    themes: Sequence[str],
    today: date,
    version_id: int | None = None,
) -> None:
    """The review's anonymised title, commissioning partnership, type, publication date and
    themes (codes of the register's specialisms)."""
    _own_draft(actor, review)
    _check_version(review, version_id)
    if published_on > today:
        raise DomainError("The publication date must be today or in the past", field="published_on")
    known = register_reference.current().specialisms.codes()
    unknown = [t for t in themes if t not in known]
    if unknown or not themes:
        raise DomainError("Select at least one theme from the list", field="themes")
    review.title = " ".join(title.split())
    review.partnership_id = partnership.id
    review.partnership = partnership
    review.review_type = review_type
    review.published_on = published_on
    review.themes = list(dict.fromkeys(themes))
    _touch(review, "details")
    _audit(actor, review, "details_saved", "Saved the review's details")
    db.session.flush()


def attach_report(
    actor: User, review: QaReview, stream: IO[bytes], store: UploadStore
) -> str | None:
    """Store the report, a PDF or DOCX checked by its content and size (the upload rules used
    everywhere), and read its text for the recommendation analysis. A document whose text
    cannot be read (protected by a password, damaged) is refused like any other bad upload:
    the peers could not read it either. One with no text at all (a scanned image) is kept,
    and the author lists the recommendations by hand. Returns the key of the file it
    replaces, for the caller to delete once the change is committed; the caller deletes the
    new file if the transaction fails."""
    _own_draft(actor, review)
    try:
        stored = store.save(
            stream, max_bytes=REPORT_MAX_MEGABYTES * 1024 * 1024, accept=REPORT_TYPES
        )
    except DomainError as exc:
        raise DomainError(exc.message, field="report") from exc
    try:
        text = extract_text(store.read(stored.key))
    except ExtractionError as exc:
        store.delete(stored.key)
        raise DomainError(
            f"The report's text could not be read: {exc.message.rstrip('.')}.", field="report"
        ) from exc
    replaced = review.report_key
    review.report_key = stored.key
    review.report_content_type = stored.content_type
    review.report_size = stored.size
    review.report_sha256 = stored.sha256
    _touch(review, "report")
    _audit(
        actor,
        review,
        "report_attached",
        f"Attached the report ({stored.size} bytes)",
        sha256=stored.sha256,
    )
    record_report_analysis(
        actor, review, text=text, recommendations=extract_recommendations(text) if text else []
    )
    return replaced


def record_report_analysis(
    actor: User, review: QaReview, *, text: str | None, recommendations: Sequence[str]
) -> int:
    """Where text extraction and recommendation analysis plug in: given the report's
    extracted text and the recommendations found in it, keep the text and its chronology
    against analysis estimate and, if the author has listed no recommendations yet, offer the
    ones found as a starting list the author then confirms or edits. Returns how many were
    offered (0 when the author's list stands)."""
    _own_draft(actor, review)
    text = text if text and text.strip() else None
    review.report_text = text
    rules = current_rules()
    if text is None:
        review.report_counted_words = review.report_chronology_words = None
        review.report_analysis_words = None
        review.analysis_rules_version = None
    else:
        estimate = analyse_report(text, rules)
        review.report_counted_words = estimate.counted_words
        review.report_chronology_words = estimate.chronology_words
        review.report_analysis_words = estimate.analysis_words
        review.analysis_rules_version = estimate.rules_version
    found = [" ".join(r.split()) for r in recommendations if r.strip()]
    found = [r[:RECOMMENDATION_LENGTH] for r in found][:MAX_RECOMMENDATIONS]
    offered = 0
    if found and not review.recommendations:
        review.recommendations = found
        offered = len(found)
        classify_recommendations(review)
    _touch(review)
    # The count only: the text may hold personal data the author has yet to take out.
    _audit(
        actor,
        review,
        "report_analysed",
        f"Read the report's text; {len(found)} recommendations found",
    )
    db.session.flush()
    return offered


def classify_recommendations(review: QaReview) -> list[RecommendationAnalysis]:
    """Classify the review's recommendations by the recommendation rules in use and store
    each answer with its evidence, replacing what an earlier list gave. Runs whenever the
    list changes, so the draft's analysis is always the list's; derived data, not audited."""
    rules = current_rules()
    db.session.execute(
        sa.delete(RecommendationAnalysis).where(RecommendationAnalysis.review_id == review.id)
    )
    made = []
    for position, text in enumerate(review.recommendations, 1):
        result = classify(text, rules)
        row = RecommendationAnalysis(
            review_id=review.id,
            position=position,
            text=text,
            class_=result.class_,
            target_level=result.target_level,
            strength=result.strength,
            admonishment=result.admonishment,
            owner_named=result.owner_named,
            measurable=result.measurable,
            evidence=[e.as_dict() for e in result.evidence],
            rules_version=result.rules_version,
        )
        db.session.add(row)
        made.append(row)
    db.session.flush()
    return made


def _clean_recommendation(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise DomainError("Enter the recommendation", field="text")
    if len(cleaned) > RECOMMENDATION_LENGTH:
        raise DomainError(
            f"A recommendation must be {RECOMMENDATION_LENGTH:,} characters or fewer", field="text"
        )
    return cleaned


def add_recommendation(actor: User, review: QaReview, text: str) -> None:
    _own_draft(actor, review)
    cleaned = _clean_recommendation(text)
    if len(review.recommendations) >= MAX_RECOMMENDATIONS:
        raise DomainError(
            f"A review can list up to {MAX_RECOMMENDATIONS} recommendations", field="text"
        )
    review.recommendations = [*review.recommendations, cleaned]
    classify_recommendations(review)
    _touch(review)
    _audit(
        actor, review, "recommendation_added", f"Added recommendation {len(review.recommendations)}"
    )
    db.session.flush()


def change_recommendation(actor: User, review: QaReview, index: int, text: str) -> None:
    _own_draft(actor, review)
    if not 0 <= index < len(review.recommendations):
        raise DomainError("There is no such recommendation.")
    cleaned = _clean_recommendation(text)
    listed = list(review.recommendations)
    listed[index] = cleaned
    review.recommendations = listed
    classify_recommendations(review)
    _touch(review)
    _audit(actor, review, "recommendation_changed", f"Changed recommendation {index + 1}")
    db.session.flush()


def remove_recommendation(actor: User, review: QaReview, index: int) -> None:
    _own_draft(actor, review)
    if not 0 <= index < len(review.recommendations):
        raise DomainError("There is no such recommendation.")
    listed = list(review.recommendations)
    listed.pop(index)
    review.recommendations = listed
    classify_recommendations(review)
    if not listed:
        review.completed_sections = [s for s in review.completed_sections if s != "recommendations"]
    _touch(review)
    _audit(actor, review, "recommendation_removed", f"Removed recommendation {index + 1}")
    db.session.flush()


def confirm_recommendations(actor: User, review: QaReview) -> None:
    """The author confirms the list is the review's recommendations, as published."""
    _own_draft(actor, review)
    if not review.recommendations:
        raise DomainError("Add at least one recommendation", field="text")
    # The confirmed list is analysed by the rules in use now, whatever gave the draft's.
    classify_recommendations(review)
    _touch(review, "recommendations")
    _audit(actor, review, "recommendations_confirmed", "Confirmed the recommendations")
    db.session.flush()


def save_involvement(
    actor: User, review: QaReview, involvement: Mapping[str, Any], version_id: int | None = None
) -> None:
    """Who was invited and took part (children, family members, practitioners), how, with what
    adjustments, and the support and follow-up offered to practitioners."""
    _own_draft(actor, review)
    _check_version(review, version_id)
    record: dict[str, Any] = {}
    for group in queries.INVOLVEMENT_GROUPS:
        row = involvement.get(group) or {}
        invited, took_part = bool(row.get("invited")), bool(row.get("took_part"))
        if took_part and not invited:
            raise DomainError(
                "Someone who took part must have been invited", field=f"{group}_invited"
            )
        record[group] = {
            "invited": invited,
            "took_part": took_part,
            "how": str(row.get("how") or "").strip(),
            "adjustments": str(row.get("adjustments") or "").strip(),
        }
    support = str(involvement.get("practitioner_support") or "").strip()
    if not support:
        raise DomainError(
            "Say what support and follow-up practitioners were offered",
            field="practitioner_support",
        )
    record["practitioner_support"] = support
    review.involvement = record
    _touch(review, "involvement")
    _audit(actor, review, "involvement_saved", "Saved the involvement record")
    db.session.flush()


def missing_sections(review: QaReview) -> list[str]:
    return [s for s in SECTIONS if s not in review.completed_sections]


def _qa_leads() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                RoleGrant.role == Role.QA_LEAD,
                RoleGrant.revoked_at.is_(None),
                User.active.is_(True),
            )
            .order_by(User.id)
        ).unique()
    )


def _tell_qa_leads(review: QaReview, subject: str, template: str) -> None:
    for lead in _qa_leads():
        queue_email(
            lead.email,
            subject,
            template,
            review=review,
            link=external_url("peer_qa.manage_review", review_id=review.id),
        )


def submit_review(
    actor: User,
    review: QaReview,
    *,
    anonymised: bool,
    personal_data_checked: bool,
    today: date,
) -> None:
    """Submit a complete draft against the rubric in use. The author declares it anonymised;
    where the personal-data check found something, they must confirm they have looked at it
    (a warning to confirm, never a block)."""
    _own_draft(actor, review)
    if queries.current_record(actor.id, today) is None:
        raise DomainError("You need a current accreditation to submit a review for peer QA.")
    missing = missing_sections(review)
    if missing:
        raise DomainError(f"Complete every section first: {', '.join(missing)}")
    rubric = queries.current_rubric()
    if rubric is None:
        raise DomainError("Peer quality assurance is not open yet: no rubric is in use.")
    if queries.personal_data_in(review) and not personal_data_checked:
        raise DomainError(
            "Confirm you have checked the possible personal data listed above",
            field="personal_data_checked",
        )
    if not anonymised:
        raise DomainError("Confirm the review is anonymised", field="anonymised")
    now = utcnow()
    review.anonymised_declared_at = now
    review.personal_data_confirmed_at = now if personal_data_checked else None
    review.rubric_id = rubric.id
    review.rubric = rubric
    review.submitted_at = now
    review.reference = f"QA-{today.year}-{review.id:05d}"
    _change_status(review, QaStatus.SUBMITTED, Mover.AUTHOR, actor)
    _tell_qa_leads(
        review, f"Review {review.reference} submitted for peer QA", "qa_review_submitted"
    )
    db.session.flush()


def withdraw_review(actor: User, review: QaReview) -> None:
    """The author withdraws a draft, or a submitted review before assessors are allocated."""
    if review.author_id != actor.id:
        raise NotPermitted("Only the author can withdraw this review.")
    _change_status(review, QaStatus.WITHDRAWN, Mover.AUTHOR, actor)
    db.session.flush()


# Allocation


def _check_peer(found: queries.Candidates, person: User, field: str) -> None:
    """A peer assessor is an accredited reviewer with the assessor role and no conflict."""
    candidate = found.find(person.id)
    if candidate is None:
        raise DomainError("Choose an accredited reviewer who holds the assessor role", field=field)
    if candidate.conflicts:
        raise DomainError(
            f"{person.name} has a conflict of interest: {'; '.join(candidate.conflicts)}",
            field=field,
        )


def _tell_peer(person: User, review: QaReview, assessment: PeerAssessment) -> None:
    """Email a peer assessor the review they are to assess (blind: no author named)."""
    queue_email(
        person.email,
        f"Peer QA: review {review.reference} to assess",
        "qa_peer_allocated",
        review=review,
        name=person.name,
        link=external_url("peer_qa.score_review", assessment_id=assessment.id),
    )


def allocate_peers(
    actor: User, review: QaReview, first: User, second: User, *, today: date
) -> list[PeerAssessment]:
    """The QA lead allocates two different peer assessors, each without a conflict of
    interest. The assessors are told by email, without the author's name."""
    if not actor.has_permission(Permission.MANAGE_PEER_QA):
        raise NotPermitted("Only the QA lead allocates peer assessors.")
    if review.status is not QaStatus.SUBMITTED:
        raise InvalidTransition("Peer assessors are allocated once, to a submitted review.")
    if first.id == second.id:
        raise DomainError("Choose two different peer assessors", field="second")
    found = queries.candidates(review, today=today)
    for field, person in (("first", first), ("second", second)):
        _check_peer(found, person, field)
    made = []
    for person in (first, second):
        assessment = PeerAssessment(review=review, assessor_id=person.id, allocated_by_id=actor.id)
        db.session.add(assessment)
        made.append(assessment)
    _change_status(review, QaStatus.IN_ASSESSMENT, Mover.QA_LEAD, actor)
    db.session.flush()
    for assessment, person in zip(made, (first, second), strict=True):
        _tell_peer(person, review, assessment)
    db.session.flush()
    return made


MAX_REPLACEMENT_REASON = 1000


def replace_peer(
    actor: User,
    assessment: PeerAssessment,
    replacement: User,
    *,
    reason: str,
    today: date,
    version_id: int | None,
) -> PeerAssessment:
    """Hand an unsubmitted peer assessment to someone else (the peer is ill, or recognised the
    review): the same checks as allocating, the scores saved so far removed, both told by
    email without the author's name, and the reason audited."""
    if not actor.has_permission(Permission.MANAGE_PEER_QA):
        raise NotPermitted("Only the QA lead replaces peer assessors.")
    review = assessment.review
    if version_id is not None and version_id != assessment.version_id:
        raise ConcurrentEdit(
            "This assessment changed while you were looking at it. Check it and try again.",
            field="replacement",
        )
    if review.status is not QaStatus.IN_ASSESSMENT or assessment.submitted_at is not None:
        raise InvalidTransition("Only an assessment not yet submitted can be handed on.")
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError("Enter why the peer assessor is being replaced", field="reason")
    if len(reason) > MAX_REPLACEMENT_REASON:
        raise DomainError(
            f"The reason must be {MAX_REPLACEMENT_REASON} characters or fewer", field="reason"
        )
    on_it = set(
        db.session.scalars(
            sa.select(PeerAssessment.assessor_id).where(PeerAssessment.review_id == review.id)
        )
    )
    if replacement.id in on_it:
        raise DomainError(f"{replacement.name} already assesses this review", field="replacement")
    _check_peer(queries.candidates(review, today=today), replacement, "replacement")
    replaced = assessment.assessor
    queue_email(
        replaced.email,
        f"Peer QA: review {review.reference} handed to someone else",
        "qa_peer_withdrawn",
        review=review,
        name=replaced.name,
    )
    saved = db.session.execute(
        sa.select(sa.func.count())
        .select_from(MarkerScore)
        .where(MarkerScore.assessment_id == assessment.id)
    ).scalar_one()
    db.session.execute(sa.delete(MarkerScore).where(MarkerScore.assessment_id == assessment.id))
    assessment.assessor_id = replacement.id
    assessment.allocated_by_id = actor.id
    assessment.allocated_at = utcnow()
    assessment.overall_grade = None
    assessment.confidence = None
    assessment.summary_for_author = None
    assessment.notes_for_lead = None
    db.session.flush()
    db.session.expire(assessment, ["assessor", "scores"])
    _audit(
        actor,
        review,
        "peer_replaced",
        f"Replaced peer assessor {replaced.name} with {replacement.name}",
        assessment_id=assessment.id,
        assessor_id=[replaced.id, replacement.id],
        scores_removed=int(saved),
        reason=reason,
    )
    _tell_peer(replacement, review, assessment)
    db.session.flush()
    return assessment


# Scoring


def _own_open_assessment(actor: User, assessment: PeerAssessment) -> None:
    if assessment.assessor_id != actor.id or not actor.has_permission(Permission.ASSESS_REVIEWS):
        raise NotPermitted("Only the peer assessor allocated can score this review.")
    if assessment.review.status is not QaStatus.IN_ASSESSMENT or assessment.submitted_at:
        raise InvalidTransition("This assessment is closed.")


@dataclass(frozen=True)
class ScoreInput:
    level: int | None
    comment: str


def save_assessment(
    actor: User,
    assessment: PeerAssessment,
    *,
    scores: Mapping[int, ScoreInput],
    overall_grade: int | None,
    confidence: Confidence | None,
    summary_for_author: str,
    notes_for_lead: str,
    version_id: int | None = None,
) -> None:
    """Save what the assessor has scored so far; nothing is checked for completeness until
    they submit."""
    _own_open_assessment(actor, assessment)
    if version_id is not None and version_id != assessment.version_id:
        raise ConcurrentEdit("This assessment was changed in another window. Check it again.")
    review = assessment.review
    if review.rubric is None:
        raise RuntimeError("review.rubric is not set")
    markers = {m.id: m for m in queries.markers_of(review.rubric.id)}
    levels = set(review.rubric.scale)
    existing = queries.score_map(assessment)
    for marker_id, given in scores.items():
        marker = markers.get(marker_id)
        if marker is None:
            raise DomainError("That marker is not in this review's rubric.")
        if given.level is None:
            continue
        if given.level not in levels:
            raise DomainError("Choose a level from the scale", field=f"level_{marker_id}")
        row = existing.get(marker_id)
        if row is None:
            db.session.add(
                MarkerScore(
                    assessment=assessment,
                    marker_id=marker_id,
                    level=given.level,
                    comment=given.comment.strip(),
                )
            )
        else:
            row.level = given.level
            row.comment = given.comment.strip()
    if overall_grade is not None and overall_grade not in review.rubric.overall_scale:
        raise DomainError("Choose an overall grade from the scale", field="overall_grade")
    assessment.overall_grade = overall_grade
    assessment.confidence = confidence
    assessment.summary_for_author = summary_for_author.strip() or None
    assessment.notes_for_lead = notes_for_lead.strip() or None
    record_event(
        actor,
        "qa_assessment.saved",
        subject_type="qa_assessment",
        subject_id=assessment.id,
        summary=f"Saved a peer assessment of {review.reference}",
    )
    db.session.flush()


def submit_assessment(actor: User, assessment: PeerAssessment) -> None:
    """Submit a complete assessment: a level and a comment for every marker, an overall grade
    and a confidence. When both are in, the agreement rule decides between derived scores
    and moderation."""
    _own_open_assessment(actor, assessment)
    review = assessment.review
    if review.rubric is None:
        raise RuntimeError("review.rubric is not set")
    markers = queries.markers_of(review.rubric.id)
    scored = queries.score_map(assessment)
    for marker in markers:
        score = scored.get(marker.id)
        if score is None:
            raise DomainError(f"Score {marker.code}: {marker.title}", field=f"level_{marker.id}")
        if not score.comment:
            raise DomainError(
                f"Write a comment for the author on {marker.code}", field=f"comment_{marker.id}"
            )
    if assessment.overall_grade is None:
        raise DomainError("Choose an overall grade", field="overall_grade")
    if assessment.confidence is None:
        raise DomainError("Say how confident you are", field="confidence")
    assessment.submitted_at = utcnow()
    record_event(
        actor,
        "qa_assessment.submitted",
        subject_type="qa_assessment",
        subject_id=assessment.id,
        summary=f"Submitted a peer assessment of {review.reference}",
    )
    db.session.flush()
    both = queries.assessments_of(review.id)
    if len(both) == 2 and all(a.submitted_at for a in both):
        _after_assessments(review, both, markers)
    db.session.flush()


def _after_assessments(
    review: QaReview, both: list[PeerAssessment], markers: list[RubricMarker]
) -> None:
    first, second = ({s.marker_id: s.level for s in a.scores} for a in both)
    grades = [a.overall_grade for a in both]
    if grades[0] is None:
        raise RuntimeError("grades[0] is not set")
    if grades[1] is None:
        raise RuntimeError("grades[1] is not set")
    counted = [m.id for m in markers if m.counts]
    apart = scoring.disagreements(
        first, second, counted=counted, first_grade=grades[0], second_grade=grades[1]
    )
    if apart:
        _change_status(review, QaStatus.MODERATION, Mover.SYSTEM, None)
        _tell_qa_leads(
            review, f"Peer QA: review {review.reference} needs moderation", "qa_moderation_needed"
        )
        return
    for marker_id, level in scoring.derived_scores(first, second).items():
        db.session.add(AgreedMarkerScore(review_id=review.id, marker_id=marker_id, level=level))
    _complete(review, scoring.derived_level(grades[0], grades[1]), Mover.SYSTEM, None)


def moderate(
    actor: User,
    review: QaReview,
    *,
    levels: Mapping[int, int],
    overall_grade: int,
    rationale: str,
) -> None:
    """The QA lead records the agreed level of every marker the reviewer is responsible for and
    the overall grade, with a rationale the author will read. Partnership markers keep the
    derived rule (the lower level)."""
    if not actor.has_permission(Permission.MANAGE_PEER_QA):
        raise NotPermitted("Only the QA lead moderates.")
    if review.status is not QaStatus.MODERATION:
        raise InvalidTransition("This review is not in moderation.")
    if any(a.assessor_id == actor.id for a in queries.assessments_of(review.id)):
        raise NotPermitted("You assessed this review, so someone else must moderate it.")
    if review.rubric is None:
        raise RuntimeError("review.rubric is not set")
    if not rationale.strip():
        raise DomainError("Give the rationale for the agreed scores", field="rationale")
    if overall_grade not in review.rubric.overall_scale:
        raise DomainError("Choose the agreed overall grade", field="overall_grade")
    markers = queries.markers_of(review.rubric.id)
    both = queries.assessments_of(review.id)
    first, second = ({s.marker_id: s.level for s in a.scores} for a in both)
    for marker in markers:
        if marker.counts:
            level = levels.get(marker.id)
            if level not in review.rubric.scale:
                raise DomainError(
                    f"Choose the agreed level for {marker.code}", field=f"level_{marker.id}"
                )
            db.session.add(
                AgreedMarkerScore(
                    review_id=review.id, marker_id=marker.id, level=level, moderated=True
                )
            )
        else:
            level = scoring.derived_level(first[marker.id], second[marker.id])
            db.session.add(AgreedMarkerScore(review_id=review.id, marker_id=marker.id, level=level))
    review.moderated_by_id = actor.id
    review.moderation_rationale = rationale.strip()
    _complete(review, overall_grade, Mover.QA_LEAD, actor)
    db.session.flush()


def _complete(review: QaReview, grade: int, by: Mover, actor: User | None) -> None:
    if review.rubric is None:
        raise RuntimeError("review.rubric is not set")
    review.agreed_grade = grade
    review.passed = scoring.passed(grade, pass_from=review.rubric.pass_from)
    review.completed_at = utcnow()
    _change_status(review, QaStatus.COMPLETED, by, actor)
    db.session.flush()
    queue_email(
        review.author.email,
        f"Peer QA feedback on review {review.reference}",
        "qa_feedback_ready",
        review=review,
        name=review.author.name,
        link=external_url("peer_qa.show_review", review_id=review.id),
    )
    _report_supervised_review(review)


def _report_supervised_review(review: QaReview) -> None:
    """A provisionally accredited author's first completed QA is their supervised review: it
    reports to mentoring, where a pass makes the accreditation full."""
    pairing = db.session.scalar(
        sa.select(MentorPairing)
        .join(AccreditationRecord, AccreditationRecord.id == MentorPairing.record_id)
        .where(
            MentorPairing.ended_at.is_(None),
            AccreditationRecord.user_id == review.author_id,
            AccreditationRecord.status == AccreditationStatus.PROVISIONAL,
        )
    )
    if pairing is not None:
        if review.reference is None:
            raise RuntimeError("review.reference is not set")
        mentoring.record_supervised_review_result(
            pairing, review_reference=review.reference, passed=bool(review.passed)
        )


def respond_to_feedback(actor: User, review: QaReview, response: str) -> None:
    """The author answers the feedback; the QA lead is told."""
    if review.author_id != actor.id:
        raise NotPermitted("Only the author can respond to this feedback.")
    if not response.strip():
        raise DomainError("Write your response", field="response")
    review.author_response = response.strip()
    review.responded_at = utcnow()
    _change_status(review, QaStatus.RESPONDED, Mover.AUTHOR, actor)
    _tell_qa_leads(
        review, f"Peer QA: the author of {review.reference} responded", "qa_author_responded"
    )
    db.session.flush()
