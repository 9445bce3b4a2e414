"""Use cases of assessment and moderation: allocating assessors without a conflict of
interest, scoring, information requests that stop the clock, agreement between the two
assessments, and moderation when they disagree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from portal.applications import assessment_queries as aq
from portal.applications import queries
from portal.applications.models import (
    AgreedScore,
    Allocation,
    AllocationPurpose,
    Application,
    ApplicationStatus,
    InformationRequest,
    Outcome,
    Score,
)
from portal.applications.services import change_status
from portal.applications.workflow import CALIBRATING, Mover, move_for
from portal.applications.working_days import (
    add_working_days,
    bank_holidays,
    working_days_between,
)
from portal.auth.models import User
from portal.auth.queries import users_with_role
from portal.core.audit import AuditEvent, diff, record_event
from portal.core.db import utcnow
from portal.core.email import queue_email
from portal.core.errors import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from portal.core.links import external_url
from portal.core.permissions import Permission, Role
from portal.core.templating import LONDON
from portal.extensions import db
from portal.framework.models import Competency

STALE = (
    "This assessment was saved somewhere else while you were editing it. Your answers are "
    "below: check the saved version, then save again."
)
SUBMITTED_TOGETHER = (
    "Another assessment of this application was submitted at the same moment. Your answers "
    "are below: submit again."
)
DEFAULT_DUE_WORKING_DAYS = 10


def _audit(
    actor: User | None,
    application: Application,
    action: str,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> None:
    record_event(
        actor,
        f"application.{action}",
        subject_type="application",
        subject_id=application.id,
        summary=f"{summary} ({application.reference})",
        changes=changes,
    )


def _due_working_days(application: Application) -> int:
    return int(
        application.scheme.settings.get("assessment_due_working_days", DEFAULT_DUE_WORKING_DAYS)
    )


def _require_manager(actor: User) -> None:
    if not actor.has_permission(Permission.MANAGE_APPLICATIONS):
        raise NotPermitted("Only an administrator can allocate assessors.")


def _check_can_assess(
    application: Application,
    people: Sequence[tuple[User, str]],
    *,
    today: date,
    excluded: Mapping[int, str] | None = None,
) -> None:
    """Each person must hold an assessing role and have no conflict with this application."""
    reasons = aq.conflicts_of(application, [p for p, _ in people], today=today, excluded=excluded)
    for person, field_name in people:
        if not person.active or not person.has_permission(Permission.ASSESS_APPLICATIONS):
            raise DomainError(f"{person.name} is not an assessor", field=field_name)
        if reasons[person.id]:
            raise DomainError(
                f"{person.name} has a conflict of interest: {'; '.join(reasons[person.id])}",
                field=field_name,
            )


def _flush(message: str = SUBMITTED_TOGETHER, field: str = "outcome") -> None:
    """Flush; a row someone else changed since it was read becomes a ConcurrentEdit."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConcurrentEdit(message, field=field) from exc


def _tell_administrators(application: Application, subject: str, template: str) -> None:
    for admin in users_with_role(Role.ADMINISTRATOR):
        queue_email(
            admin.email,
            subject,
            template,
            name=admin.name,
            application=application,
            link=external_url("applications.show_application", application_id=application.id),
        )


def _tell_assessor(allocation: Allocation, subject: str, template: str, **context: object) -> None:
    queue_email(
        allocation.assessor.email,
        subject,
        template,
        name=allocation.assessor.name,
        allocation=allocation,
        application=allocation.application,
        link=external_url("applications.show_assessment", allocation_id=allocation.id),
        **context,
    )


# Allocation


def allocate_assessors(
    actor: User, application: Application, first: User, second: User, *, today: date
) -> list[Allocation]:
    """Two different assessors, neither with a conflict of interest, each due a set number
    of working days from today; the application moves into assessment."""
    _require_manager(actor)
    move_for(application.status, ApplicationStatus.IN_ASSESSMENT, Mover.ADMINISTRATOR)
    if first.id == second.id:
        raise DomainError("Choose two different assessors", field="second_assessor")
    _check_can_assess(
        application, [(first, "first_assessor"), (second, "second_assessor")], today=today
    )
    due = add_working_days(today, _due_working_days(application), bank_holidays())
    allocations = [
        Allocation(
            application=application,
            assessor=person,
            purpose=AllocationPurpose.ASSESSMENT,
            allocated_by_id=actor.id,
            due_on=due,
        )
        for person in (first, second)
    ]
    db.session.add_all(allocations)
    change_status(actor, application, ApplicationStatus.IN_ASSESSMENT, mover=Mover.ADMINISTRATOR)
    application.updated_at = utcnow()
    _audit(
        actor,
        application,
        "assessors_allocated",
        f"Allocated {first.name} and {second.name} to assess, due {due.isoformat()}",
        changes={"assessor_ids": [first.id, second.id], "due_on": due.isoformat()},
    )
    db.session.flush()
    for allocation in allocations:
        _tell_assessor(
            allocation,
            f"Application {application.reference} to assess by {_day(due)}",
            "assessment_allocated",
        )
    db.session.flush()
    return allocations


def allocate_moderator(
    actor: User, application: Application, moderator: User, *, today: date
) -> Allocation:
    """A third person without a conflict, who did not assess it, moderates a disagreement."""
    _require_manager(actor)
    if application.status is not ApplicationStatus.MODERATION:
        raise InvalidTransition("Only an application in moderation needs a moderator.")
    if aq.moderation_allocation(application.id) is not None:
        raise InvalidTransition("This application already has a moderator.")
    excluded = {
        a.assessor_id: "Assessed this application"
        for a in aq.assessment_allocations(application.id)
    }
    _check_can_assess(application, [(moderator, "moderator")], today=today, excluded=excluded)
    due = add_working_days(today, _due_working_days(application), bank_holidays())
    allocation = Allocation(
        application=application,
        assessor=moderator,
        purpose=AllocationPurpose.MODERATION,
        allocated_by_id=actor.id,
        due_on=due,
    )
    db.session.add(allocation)
    application.updated_at = utcnow()
    _audit(
        actor,
        application,
        "moderator_allocated",
        f"Allocated {moderator.name} to moderate, due {due.isoformat()}",
        changes={"moderator_id": moderator.id, "due_on": due.isoformat()},
    )
    db.session.flush()
    _tell_assessor(
        allocation,
        f"Application {application.reference} to moderate by {_day(due)}",
        "assessment_moderator_allocated",
    )
    db.session.flush()
    return allocation


REPLACEABLE = aq.REPLACEABLE
MAX_REPLACEMENT_REASON = 1000


def replacement_exclusions(allocation: Allocation) -> dict[int, str]:
    """Who cannot take over this allocation: everyone already working on the application."""
    return {
        other.assessor_id: (
            "Is the assessor being replaced" if other.id == allocation.id else "Already on it"
        )
        for other in db.session.scalars(
            sa.select(Allocation).where(
                Allocation.application_id == allocation.application_id,
                Allocation.purpose != AllocationPurpose.CALIBRATION,
            )
        )
    }


def replace_assessor(
    actor: User,
    allocation: Allocation,
    replacement: User,
    *,
    reason: str,
    today: date,
    version_id: int | None,
) -> Allocation:
    """Hand an unfinished assessment or moderation to someone else (the assessor is ill, or a
    conflict came to light): the same checks as allocating, a fresh due date, the draft scores
    of the person replaced removed, both told, and the reason audited."""
    _require_manager(actor)
    application = allocation.application
    if version_id is not None and version_id != allocation.version_id:
        raise ConcurrentEdit(
            "This allocation changed while you were looking at it. Check it and try again.",
            field="replacement",
        )
    if allocation.submitted_at is not None:
        raise InvalidTransition("This assessment is submitted: it cannot be handed on.")
    if application.status not in REPLACEABLE.get(allocation.purpose, frozenset()):
        raise InvalidTransition(
            f"Application {application.reference} is {application.status.label.lower()}: "
            "this work is no longer under way."
        )
    reason = " ".join(reason.split())
    if not reason:
        raise DomainError("Enter why the assessor is being replaced", field="reason")
    if len(reason) > MAX_REPLACEMENT_REASON:
        raise DomainError(
            f"The reason must be {MAX_REPLACEMENT_REASON} characters or fewer", field="reason"
        )
    _check_can_assess(
        application,
        [(replacement, "replacement")],
        today=today,
        excluded=replacement_exclusions(allocation),
    )
    replaced = allocation.assessor
    _tell_assessor(
        allocation,
        f"Application {application.reference} has been handed to someone else",
        "assessment_withdrawn",
    )
    drafts = db.session.execute(
        sa.select(sa.func.count()).select_from(Score).where(Score.allocation_id == allocation.id)
    ).scalar_one()
    db.session.execute(sa.delete(Score).where(Score.allocation_id == allocation.id))
    due = add_working_days(today, _due_working_days(application), bank_holidays())
    allocation.assessor = replacement
    allocation.allocated_by_id = actor.id
    allocation.allocated_at = utcnow()
    allocation.due_on = due
    allocation.recommendation = None
    allocation.recommended_level = None
    allocation.comments = None
    application.updated_at = utcnow()
    _flush("This allocation changed while you were looking at it.", "replacement")
    _audit(
        actor,
        application,
        "assessor_replaced",
        f"Replaced {replaced.name} with {replacement.name} ({allocation.purpose.value}), "
        f"due {due.isoformat()}",
        changes={
            "allocation_id": allocation.id,
            "assessor_id": [replaced.id, replacement.id],
            "due_on": due.isoformat(),
            "draft_scores_removed": int(drafts),
            "reason": reason,
        },
    )
    verb = "moderate" if allocation.purpose is AllocationPurpose.MODERATION else "assess"
    _tell_assessor(
        allocation,
        f"Application {application.reference} to {verb} by {_day(due)}",
        "assessment_moderator_allocated"
        if allocation.purpose is AllocationPurpose.MODERATION
        else "assessment_allocated",
    )
    db.session.flush()
    return allocation


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


# Scoring


# Where the application must be for the allocated person to draft scores, and to submit.
DRAFTING = {
    AllocationPurpose.ASSESSMENT: {
        ApplicationStatus.IN_ASSESSMENT,
        ApplicationStatus.INFORMATION_REQUESTED,
    },
    AllocationPurpose.MODERATION: {ApplicationStatus.MODERATION},
    AllocationPurpose.CALIBRATION: CALIBRATING,
}
SUBMITTING = {
    AllocationPurpose.ASSESSMENT: {ApplicationStatus.IN_ASSESSMENT},
    AllocationPurpose.MODERATION: {ApplicationStatus.MODERATION},
    AllocationPurpose.CALIBRATION: CALIBRATING,
}


def _own_open_allocation(actor: User, allocation: Allocation, *, submitting: bool) -> None:
    if allocation.assessor_id != actor.id:
        raise NotPermitted("Only the person allocated can work on this assessment.")
    if allocation.submitted_at is not None:
        raise InvalidTransition("This assessment has been submitted and can no longer change.")
    status = allocation.application.status
    allowed = (
        SUBMITTING.get(allocation.purpose, set())
        if submitting
        else DRAFTING.get(allocation.purpose, set())
    )
    if status not in allowed:
        if status is ApplicationStatus.INFORMATION_REQUESTED:
            raise InvalidTransition(
                "You can submit once the applicant has answered the request for information."
            )
        raise InvalidTransition(
            f"An application that is {status.label.lower()} cannot be assessed."
        )


def _check_version(allocation: Allocation, version_id: int | None, field: str) -> None:
    """A form opened before the last save is refused; the message goes beside `field`."""
    if version_id is not None and version_id != allocation.version_id:
        raise ConcurrentEdit(STALE, field=field)


def _bump(allocation: Allocation) -> None:
    # Scores are rows of their own: mark the allocation changed so that its version moves
    # and a form opened before this save is refused.
    allocation.comments = allocation.comments  # present in its state, so that it can be marked
    flag_modified(allocation, "comments")


def save_score(
    actor: User,
    allocation: Allocation,
    competency: Competency,
    *,
    level: int,
    rationale: str,
    version_id: int | None,
) -> Score:
    """A draft score with its written reasons, on the application's framework scale."""
    _own_open_allocation(actor, allocation, submitting=False)
    _check_version(allocation, version_id, "level")
    application = allocation.application
    if competency.framework_id != application.framework_id:
        raise DomainError("That competency is not part of this application's framework.")
    if level not in {int(step["score"]) for step in application.framework.scale}:
        raise DomainError("Select a level from the scale", field="level")
    rationale = rationale.strip()
    if not rationale:
        raise DomainError("Give the reasons for your score", field="rationale")
    score = next((s for s in allocation.scores if s.competency_id == competency.id), None)
    if score is None:
        score = Score(
            allocation=allocation, competency_id=competency.id, level=level, rationale=rationale
        )
        db.session.add(score)
        changes: dict[str, Any] = {"level": [None, level]}
    else:
        changes = diff({"level": score.level}, {"level": level})
        if score.rationale != rationale:
            changes["rationale"] = "changed"
        score.level = level
        score.rationale = rationale
        score.updated_at = utcnow()
    if changes:
        _bump(allocation)
        what = "agreed score" if allocation.purpose is AllocationPurpose.MODERATION else "score"
        _audit(
            actor,
            application,
            "score_saved",
            f"Saved a draft {what} for {competency.code}",
            changes={"allocation_id": allocation.id, **changes},
        )
    _flush(STALE, "level")
    return score


# Agreement between the two assessments


@dataclass(frozen=True)
class Comparison:
    """Where two assessments part: a different outcome, or a competency two levels apart."""

    reasons: tuple[str, ...]
    agreed_levels: dict[int, int] = field(default_factory=dict)

    @property
    def disagree(self) -> bool:
        return bool(self.reasons)


def compare_assessments(
    first_outcome: Outcome,
    first_levels: Mapping[int, int],
    second_outcome: Outcome,
    second_levels: Mapping[int, int],
    names: Mapping[int, str],
) -> Comparison:
    """Disagreement is a different recommended outcome or any competency scored two or more
    levels apart. Otherwise each competency takes the lower of the two levels."""
    reasons: list[str] = []
    if first_outcome is not second_outcome:
        reasons.append(
            f"Different outcomes recommended: {first_outcome.label.lower()} and "
            f"{second_outcome.label.lower()}"
        )
    agreed: dict[int, int] = {}
    for competency_id, name in names.items():
        a, b = first_levels[competency_id], second_levels[competency_id]
        if abs(a - b) >= 2:
            reasons.append(f"{name} scored {a} and {b}")
        agreed[competency_id] = min(a, b)
    return Comparison(tuple(reasons), {} if reasons else agreed)


def _after_assessment(application: Application, competencies: Sequence[Competency]) -> None:
    """When both assessments are in: agree, or send the application to moderation."""
    both = aq.assessment_allocations(application.id)
    if len(both) < 2 or any(a.submitted_at is None for a in both):
        return
    first, second = both[0], both[1]
    if first.recommendation is None or second.recommendation is None:
        return
    firsts, seconds = aq.score_map(first), aq.score_map(second)
    comparison = compare_assessments(
        first.recommendation,
        {c: s.level for c, s in firsts.items()},
        second.recommendation,
        {c: s.level for c, s in seconds.items()},
        {c.id: c.code for c in competencies},
    )
    if comparison.disagree:
        # The applicant reads the status history: where the assessors parted stays in the
        # audit log for administrators.
        change_status(
            None,
            application,
            ApplicationStatus.MODERATION,
            mover=Mover.SYSTEM,
            reason="The two assessments disagree",
        )
        _audit(
            None,
            application,
            "assessments_disagree",
            "The two assessments disagree: " + "; ".join(comparison.reasons),
            changes={"reasons": list(comparison.reasons)},
        )
        _tell_administrators(
            application,
            f"Application {application.reference} needs a moderator",
            "assessment_moderation_needed",
        )
        return
    for competency in competencies:
        a, b = firsts[competency.id], seconds[competency.id]
        db.session.add(
            AgreedScore(
                application_id=application.id,
                competency_id=competency.id,
                level=comparison.agreed_levels[competency.id],
                rationale=f"First assessor: {a.rationale}\n\nSecond assessor: {b.rationale}",
            )
        )
    change_status(
        None,
        application,
        ApplicationStatus.AWAITING_DECISION,
        mover=Mover.SYSTEM,
        reason="The two assessments agree",
    )
    _tell_administrators(
        application,
        f"Application {application.reference} is ready for a decision",
        "assessment_agreed",
    )


def _after_moderation(actor: User, allocation: Allocation, application: Application) -> None:
    for score in allocation.scores:
        db.session.add(
            AgreedScore(
                application_id=application.id,
                competency_id=score.competency_id,
                level=score.level,
                rationale=score.rationale,
                moderator_id=actor.id,
            )
        )
    change_status(
        actor,
        application,
        ApplicationStatus.AWAITING_DECISION,
        mover=Mover.MODERATOR,
        reason="Moderated",
    )
    _tell_administrators(
        application,
        f"Application {application.reference} has been moderated",
        "assessment_moderated",
    )


def level_codes(application: Application) -> dict[str, str]:
    """The accreditation levels of the application's scheme: code -> name."""
    return {
        str(level["code"]): str(level["name"])
        for level in application.scheme.settings.get("levels", [])
    }


def submit_assessment(
    actor: User,
    allocation: Allocation,
    *,
    outcome: Outcome,
    level: str | None,
    comments: str,
    version_id: int | None,
) -> Allocation:
    """Recommend an outcome (with a level for accreditation) once every competency is
    scored. The second assessment in compares the two; a moderator's submission sets the
    agreed scores."""
    _own_open_allocation(actor, allocation, submitting=True)
    _check_version(allocation, version_id, "outcome")
    application = allocation.application
    competencies = queries.competencies(application.framework_id)
    scored = aq.score_map(allocation)
    missing = [c.code for c in competencies if c.id not in scored]
    if missing:
        raise DomainError(
            "Score every competency before you submit. Not yet scored: " + ", ".join(missing),
            field="outcome",
        )
    levels = level_codes(application)
    if outcome is Outcome.ACCREDIT:
        if level not in levels:
            raise DomainError("Select the level to accredit at", field="level")
    else:
        level = None
    comments = comments.strip()
    if not comments:
        raise DomainError(
            "Give your reasons"
            if allocation.purpose is AllocationPurpose.MODERATION
            else "Give your comments for the applicant",
            field="comments",
        )
    now = utcnow()
    allocation.recommendation = outcome
    allocation.recommended_level = level
    allocation.comments = comments
    allocation.submitted_at = now
    # Two assessments submitted at the same moment must not both miss each other: touching
    # the application makes the later of the two fail on its version.
    application.updated_at = now
    what = {
        AllocationPurpose.MODERATION: "moderation",
        AllocationPurpose.CALIBRATION: "calibration",
    }.get(allocation.purpose, "assessment")
    _audit(
        actor,
        application,
        f"{what}_submitted",
        f"Submitted the {what}, recommending {outcome.label.lower()}"
        + (f" at level {levels[level]}" if level else ""),
        changes={"allocation_id": allocation.id, "recommendation": outcome.value, "level": level},
    )
    _flush()
    if allocation.purpose is AllocationPurpose.MODERATION:
        _after_moderation(actor, allocation, application)
    elif allocation.purpose is AllocationPurpose.ASSESSMENT:
        _after_assessment(application, competencies)
    _flush()
    return allocation


# Information requests


def request_information(
    actor: User, allocation: Allocation, *, question: str
) -> InformationRequest:
    """An allocated assessor asks the applicant a question; the assessment clock stops."""
    if allocation.assessor_id != actor.id or allocation.purpose is not AllocationPurpose.ASSESSMENT:
        raise NotPermitted("Only an assessor of this application can ask for information.")
    if allocation.submitted_at is not None:
        raise InvalidTransition("You have submitted your assessment.")
    application = allocation.application
    move_for(application.status, ApplicationStatus.INFORMATION_REQUESTED, Mover.ASSESSOR)
    question = question.strip()
    if not question:
        raise DomainError("Enter your question for the applicant", field="question")
    request = InformationRequest(
        application=application, requested_by_id=actor.id, question=question
    )
    db.session.add(request)
    change_status(actor, application, ApplicationStatus.INFORMATION_REQUESTED, mover=Mover.ASSESSOR)
    application.updated_at = utcnow()
    db.session.flush()
    _audit(actor, application, "information_requested", "Asked the applicant for information")
    queue_email(
        application.applicant.email,
        f"Your assessors need more information ({application.reference})",
        "assessment_information_requested",
        application=application,
        question=question,
        link=external_url(
            "applications.answer_information_request",
            application_id=application.id,
            request_id=request.id,
        ),
    )
    db.session.flush()
    return request


def answer_information_request(
    actor: User, request: InformationRequest, *, response: str, today: date
) -> int:
    """The applicant answers; assessment resumes and every open allocation's due date moves
    on by the working days the request was open. Returns those days."""
    application = request.application
    if actor.id != application.applicant_id:
        raise NotPermitted("Only the applicant can answer this request.")
    if request.responded_at is not None:
        raise InvalidTransition("This request has already been answered.")
    move_for(application.status, ApplicationStatus.IN_ASSESSMENT, Mover.APPLICANT)
    response = response.strip()
    if not response:
        raise DomainError("Enter your answer", field="response")
    holidays = bank_holidays()
    asked_on = request.requested_at.astimezone(LONDON).date()
    paused = working_days_between(asked_on, today, holidays)
    request.response = response
    request.responded_at = utcnow()
    open_allocations = [
        a for a in aq.assessment_allocations(application.id) if a.submitted_at is None
    ]
    moved: dict[str, list[str]] = {}
    for allocation in open_allocations:
        before = allocation.due_on
        allocation.due_on = add_working_days(before, paused, holidays)
        moved[str(allocation.id)] = [before.isoformat(), allocation.due_on.isoformat()]
    change_status(actor, application, ApplicationStatus.IN_ASSESSMENT, mover=Mover.APPLICANT)
    application.updated_at = utcnow()
    _audit(
        actor,
        application,
        "information_given",
        f"Answered the request for information; due dates moved by {paused} working days",
        changes={"working_days_paused": paused, "due_on": moved},
    )
    db.session.flush()
    for allocation in open_allocations:
        _tell_assessor(
            allocation,
            f"The applicant has answered your question ({application.reference})",
            "assessment_information_answered",
            request=request,
        )
    db.session.flush()
    return paused


# Reminders

REMINDER_ACTIONS = {
    "due": "allocation.due_reminder_sent",
    "overdue": "allocation.overdue_notice_sent",
}


def remind_assessors(*, today: date) -> int:
    """Email assessors two working days before an allocation is due, and again (with the
    administrators) once it is overdue. Each reminder goes once: the audit log records it,
    so the command is safe to run every day or twice."""
    holidays = bank_holidays()
    open_allocations = db.session.scalars(
        sa.select(Allocation)
        .join(Application, Application.id == Allocation.application_id)
        .where(Allocation.submitted_at.is_(None))
        .order_by(Allocation.id)
    ).all()
    workable = [
        a for a in open_allocations if a.application.status in DRAFTING.get(a.purpose, set())
    ]
    if not workable:
        return 0
    sent_before = set(
        db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.subject_id).where(
                AuditEvent.subject_type == "allocation",
                AuditEvent.action.in_(list(REMINDER_ACTIONS.values())),
                AuditEvent.subject_id.in_([str(a.id) for a in workable]),
            )
        ).all()
    )
    soon = add_working_days(today, 2, holidays)
    sent = 0
    for allocation in workable:
        paused = allocation.application.status is ApplicationStatus.INFORMATION_REQUESTED
        if paused:
            continue
        kind = (
            "overdue" if allocation.due_on < today else "due" if allocation.due_on <= soon else ""
        )
        if not kind or (REMINDER_ACTIONS[kind], str(allocation.id)) in sent_before:
            continue
        application = allocation.application
        _tell_assessor(
            allocation,
            f"{'Overdue' if kind == 'overdue' else 'Due soon'}: {application.reference}, "
            f"due {_day(allocation.due_on)}",
            "assessment_reminder",
            overdue=kind == "overdue",
        )
        if kind == "overdue":
            _tell_administrators(
                application,
                f"Assessment overdue: {application.reference} ({allocation.assessor.name})",
                "assessment_overdue",
            )
        record_event(
            None,
            REMINDER_ACTIONS[kind],
            subject_type="allocation",
            subject_id=allocation.id,
            summary=f"Reminded {allocation.assessor.name} that {application.reference} is "
            f"{'overdue' if kind == 'overdue' else 'due soon'}",
        )
        sent += 1
    db.session.flush()
    return sent
