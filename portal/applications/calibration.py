"""Assessor calibration: the QA lead sends decided applications for double-marking and rates
the usefulness of assessors' feedback; agreement figures come from calibration_queries."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.applications import assessment
from portal.applications.models import (
    Allocation,
    AllocationPurpose,
    Application,
    FeedbackRating,
    FeedbackReview,
)
from portal.applications.workflow import CALIBRATING
from portal.applications.working_days import add_working_days, bank_holidays
from portal.auth.models import User
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.errors import DomainError, InvalidTransition, NotPermitted
from portal.core.permissions import Permission
from portal.extensions import db


def _require_qa_lead(actor: User) -> None:
    if not actor.has_permission(Permission.MODERATE_APPLICATIONS):
        raise NotPermitted("Only a quality assurance lead runs calibration.")


def send_for_calibration(
    actor: User, application: Application, assessor: User, *, today: date
) -> Allocation:
    """Ask an assessor who has not seen it to double-mark an application whose scores are
    already agreed; their scores are compared, and change nothing about the application."""
    _require_qa_lead(actor)
    if application.status not in CALIBRATING:
        raise InvalidTransition(
            "Only an application with agreed scores can be double-marked.", field="application"
        )
    already = db.session.scalar(
        sa.select(Allocation.id).where(
            Allocation.application_id == application.id, Allocation.assessor_id == assessor.id
        )
    )
    if already is not None:
        raise DomainError(
            f"{assessor.name} has already worked on this application", field="assessor"
        )
    assessment._check_can_assess(application, [(assessor, "assessor")], today=today)
    days = int(application.scheme.settings.get("assessment_due_working_days", 10))
    allocation = Allocation(
        application=application,
        assessor=assessor,
        purpose=AllocationPurpose.CALIBRATION,
        allocated_by_id=actor.id,
        due_on=add_working_days(today, days, bank_holidays()),
    )
    db.session.add(allocation)
    db.session.flush()
    record_event(
        actor,
        "application.calibration_allocated",
        subject_type="application",
        subject_id=application.id,
        summary=f"Sent {application.reference} to {assessor.name} for double-marking",
    )
    assessment._tell_assessor(
        allocation,
        f"Calibration exercise: double-mark {application.reference}",
        "assessment_calibration",
    )
    db.session.flush()
    return allocation


def rate_feedback(
    actor: User, allocation: Allocation, *, rating: FeedbackRating, note: str
) -> FeedbackReview:
    """The QA lead rates the feedback of a submitted assessment (once; a new rating replaces
    their earlier one)."""
    _require_qa_lead(actor)
    if allocation.submitted_at is None:
        raise InvalidTransition("Only submitted feedback can be rated.", field="rating")
    if allocation.assessor_id == actor.id:
        raise NotPermitted("You cannot rate your own feedback.", field="rating")
    review = db.session.scalar(
        sa.select(FeedbackReview).where(
            FeedbackReview.allocation_id == allocation.id, FeedbackReview.rated_by_id == actor.id
        )
    )
    if review is None:
        review = FeedbackReview(allocation_id=allocation.id, rated_by_id=actor.id, rating=rating)
        db.session.add(review)
    review.rating = rating
    review.note = note.strip()
    review.rated_at = utcnow()
    record_event(
        actor,
        "application.feedback_rated",
        subject_type="allocation",
        subject_id=allocation.id,
        summary=f"Rated the feedback of {allocation.assessor.name}: {rating.label.lower()}",
        changes={"rating": rating.value},
    )
    db.session.flush()
    return review
