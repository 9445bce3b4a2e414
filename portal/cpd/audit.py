"""CPD audit use cases: opening a cycle and drawing its sample, the reviewer's submission,
allocating assessors, first and second reviews, development plans, proposed changes of
accreditation status and the daily reminders and escalations. Services check every rule,
change state, audit, email and flush; they never commit."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from portal.applications import accreditation
from portal.applications.models import AccreditationRecord, AccreditationStatus
from portal.auth.models import User
from portal.auth.queries import users_with_role
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.email import queue_email
from portal.core.errors import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from portal.core.links import external_url
from portal.core.permissions import Permission, Role
from portal.core.templating import format_date
from portal.cpd import audit_queries
from portal.cpd.audit_models import (
    AUDIT_TRANSITIONS,
    AuditOutcome,
    AuditStatus,
    CpdAuditCycle,
    CpdAuditReview,
    CpdAuditSelection,
    ProposalDecision,
    SelectionReason,
)
from portal.cpd.rules import CpdYear, cpd_years, year_of
from portal.cpd.sampling import check_percent, draw, population
from portal.extensions import db
from portal.framework.models import Scheme

STALE = "Someone else changed this audit while you were looking at it. Check it again."
FEEDBACK_LIMIT = 5000
SEED_LIMIT = 10**12


class AuditProblems(DomainError):
    """Everything wrong with what was given, each beside its field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems[0][1], field=problems[0][0])
        self.problems = problems


def _move(actor: User | None, selection: CpdAuditSelection, to: AuditStatus, summary: str) -> None:
    if to not in AUDIT_TRANSITIONS[selection.status]:
        raise InvalidTransition(
            f"An audit that is {selection.status.label.lower()} cannot become {to.label.lower()}."
        )
    before = selection.status
    selection.status = to
    record_event(
        actor,
        f"cpd_audit.{to.value}",
        subject_type="cpd_audit",
        subject_id=selection.id,
        summary=f"{selection.record.number}: {summary}",
        changes={"status": [before.value, to.value]},
    )


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConcurrentEdit(STALE, field="submit") from exc


def _check_version(selection: CpdAuditSelection, version_id: int | None) -> None:
    if version_id is not None and version_id != selection.version_id:
        raise ConcurrentEdit(STALE, field="submit")


def _email(user: User, subject: str, message: str, link: str) -> None:
    queue_email(user.email, subject, "cpd_audit", name=user.name, message=message, link=link)


def _tell_administrators(subject: str, message: str, link: str) -> None:
    for admin in users_with_role(Role.ADMINISTRATOR):
        _email(admin, subject, message, link)


def _cycle_link(selection: CpdAuditSelection) -> str:
    return external_url("cpd.show_audit_cycle", cycle_id=selection.cycle_id)


# Opening a cycle


def audited_year(record: AccreditationRecord, today: date) -> CpdYear:
    """The CPD year an audit looks at: the last one that closed before today, or the current
    one for someone drawn before their first year closed."""
    years = cpd_years(record.starts_on, record.expires_on)
    closed = [y for y in years if y.ends_on < today]
    if closed:
        return closed[-1]
    return year_of(years, today) or years[0]


def open_cycle(
    actor: User,
    scheme: Scheme,
    *,
    percent: Decimal | None,
    today: date,
    seed: int | None = None,
) -> CpdAuditCycle:
    """Draw the cycle's sample: everyone given advice last cycle, and `percent` (the scheme's
    rate unless given, from 2.5% up) of the other eligible reviewers at random, at least one;
    the newly accredited and anyone already under audit are left out. The population, rate
    and seed are kept so the draw can be repeated. Each reviewer drawn is emailed."""
    if not actor.has_permission(Permission.MANAGE_CPD):
        raise NotPermitted("Only administrators open a CPD audit.")
    try:
        settings = audit_queries.audit_settings(scheme)
    except audit_queries.AuditSettingsInvalid as exc:
        raise DomainError(
            f"The {scheme.name} scheme's file is wrong: {exc}", field="scheme"
        ) from exc
    rate = settings.percent if percent is None else percent
    try:
        check_percent(rate)
    except ValueError as exc:
        raise DomainError(f"{exc}", field="percent") from exc
    previous = audit_queries.last_cycle(scheme.id)
    people = population(
        audit_queries.candidates(scheme.id, today),
        today=today,
        under_audit=audit_queries.under_audit(scheme.id),
        advice_last_cycle=audit_queries.advice_in(previous),
    )
    chosen_seed = secrets.randbelow(SEED_LIMIT) if seed is None else seed
    drawn = draw(people, percent=rate, seed=chosen_seed)
    if not drawn:
        raise DomainError(
            f"Nobody in the {scheme.name} scheme can be drawn: no reviewer has held their "
            "accreditation for a CPD year who is not already under audit.",
            field="scheme",
        )
    due_on = today + timedelta(days=settings.submission_days)
    cycle = CpdAuditCycle(
        scheme_id=scheme.id,
        opened_on=today,
        opened_by_id=actor.id,
        percent=rate,
        seed=chosen_seed,
        due_on=due_on,
        eligible=list(people.eligible),
        always=list(people.always),
        newly_accredited=list(people.newly_accredited),
        under_audit=list(people.under_audit),
    )
    db.session.add(cycle)
    db.session.flush()
    records = {
        r.id: r
        for r in db.session.scalars(
            sa.select(AccreditationRecord).where(AccreditationRecord.id.in_(drawn))
        )
    }
    always = set(people.always)
    for record_id in drawn:
        record = records[record_id]
        year = audited_year(record, today)
        selection = CpdAuditSelection(
            cycle_id=cycle.id,
            record_id=record.id,
            user_id=record.user_id,
            reason=SelectionReason.ADVICE_LAST_CYCLE
            if record_id in always
            else SelectionReason.DRAWN,
            status=AuditStatus.REQUESTED,
            year_starts_on=year.starts_on,
            year_ends_on=year.ends_on,
            due_on=due_on,
        )
        db.session.add(selection)
        db.session.flush()
        _email(
            record.user,
            f"Your CPD record has been selected for audit: submit it by {format_date(due_on)}",
            f"Your CPD record for accreditation {record.number} has been selected for the "
            f"scheme's CPD audit ({selection.reason.label.lower()}). Submit your record for the "
            f"CPD year {format_date(year.starts_on)} to {format_date(year.ends_on)}, with any "
            f"evidence, by {format_date(due_on)}. An independent assessor will review it "
            "against the CPD requirements.",
            external_url("cpd.submit_audit", selection_id=selection.id),
        )
    record_event(
        actor,
        "cpd_audit.cycle_opened",
        subject_type="cpd_audit_cycle",
        subject_id=cycle.id,
        summary=f"Opened a CPD audit of the {scheme.name} scheme: drew {len(drawn)} of "
        f"{len(people.eligible) + len(people.always)} reviewers ({rate}%, seed {chosen_seed})",
        changes={
            "seed": chosen_seed,
            "percent": str(rate),
            "drawn": list(drawn),
            "eligible": len(people.eligible),
            "always": list(people.always),
            "newly_accredited": len(people.newly_accredited),
            "under_audit": len(people.under_audit),
        },
    )
    db.session.flush()
    return cycle


# The reviewer


def submit_record(
    actor: User,
    selection: CpdAuditSelection,
    *,
    statement: str,
    declared: bool,
    today: date,
) -> None:
    """The reviewer submits their record for the audited year with a declaration that it is
    complete and their own; late is allowed until the audit has been escalated."""
    if selection.user_id != actor.id:
        raise NotPermitted("You can only submit your own CPD record.")
    if selection.status is not AuditStatus.REQUESTED:
        raise InvalidTransition("This record has already been submitted.", field="submit")
    problems = []
    if len(statement) > FEEDBACK_LIMIT:
        problems.append(
            ("statement", f"The statement must be {FEEDBACK_LIMIT} characters or fewer")
        )
    if not declared:
        problems.append(("declaration", "Confirm that the record is complete and your own"))
    if problems:
        raise AuditProblems(problems)
    selection.statement = statement.strip() or None
    selection.submitted_at = utcnow()
    late = " (after the deadline)" if today > selection.due_on else ""
    _move(actor, selection, AuditStatus.SUBMITTED, f"CPD record submitted for audit{late}")
    _tell_administrators(
        f"CPD audit: {selection.record.number} submitted, allocate an assessor",
        f"{selection.user.name} has submitted their CPD record for audit{late}. Allocate an "
        "assessor who has no conflict of interest.",
        _cycle_link(selection),
    )
    _flush()


# Assessors


def allocate_assessor(
    actor: User, selection: CpdAuditSelection, assessor: User, *, version_id: int | None = None
) -> int:
    """Give the record waiting for a review to an assessor: never the reviewer, their mentor
    or mentee, or the administrator allocating, and for the second review never the first
    assessor. Returns the stage (1 or 2)."""
    if not actor.has_permission(Permission.MANAGE_CPD):
        raise NotPermitted("Only administrators allocate CPD audits.")
    _check_version(selection, version_id)
    stage = selection.stage
    if stage is None:
        raise InvalidTransition(
            f"An audit that is {selection.status.label.lower()} has no review to allocate.",
            field="assessor",
        )
    if not assessor.has_permission(Permission.ASSESS_CPD) or not assessor.active:
        raise DomainError("Choose someone who assesses CPD audits", field="assessor")
    if assessor.id == selection.user_id:
        raise DomainError("Nobody can assess their own CPD record", field="assessor")
    if assessor.id in audit_queries.mentoring_links(selection.user_id):
        raise DomainError(
            "A mentor or mentee of the reviewer cannot assess their CPD record", field="assessor"
        )
    if assessor.id == actor.id:
        raise DomainError("Allocate someone other than yourself", field="assessor")
    if stage == 2 and assessor.id == selection.first_assessor_id:
        raise DomainError(
            "The second assessor must be someone other than the first", field="assessor"
        )
    before = selection.assessor_for(stage)
    if stage == 1:
        selection.first_assessor_id = assessor.id
    else:
        selection.second_assessor_id = assessor.id
    record_event(
        actor,
        "cpd_audit.assessor_allocated",
        subject_type="cpd_audit",
        subject_id=selection.id,
        summary=f"{selection.record.number}: {assessor.name} allocated as "
        f"{'first' if stage == 1 else 'second'} assessor",
        changes={f"assessor_{stage}": [before, assessor.id]},
    )
    _email(
        assessor,
        f"CPD audit to assess: {selection.record.number}",
        f"You have been allocated a CPD record to assess as the "
        f"{'first' if stage == 1 else 'second, independent,'} assessor. Judge the record for "
        f"the CPD year {format_date(selection.year_starts_on)} to "
        f"{format_date(selection.year_ends_on)} against the CPD requirements.",
        external_url("cpd.assess_audit", selection_id=selection.id),
    )
    _flush()
    return stage


def record_review(
    actor: User,
    selection: CpdAuditSelection,
    *,
    outcome: AuditOutcome,
    feedback: str,
    plan_actions: str | None,
    plan_due_on: date | None,
    today: date,
    version_id: int | None = None,
) -> CpdAuditReview:
    """The allocated assessor records accepted, advice or not met with feedback. A first
    review that does not accept sends the record to a second, independent assessor, whose
    outcome stands; a second 'not met' sets a development plan with actions and a deadline."""
    _check_version(selection, version_id)
    stage = selection.stage
    if stage is None:
        raise InvalidTransition(
            f"An audit that is {selection.status.label.lower()} is not waiting for a review."
        )
    if selection.assessor_for(stage) != actor.id:
        raise NotPermitted("Only the assessor allocated to this review can record it.")
    problems: list[tuple[str, str]] = []
    if not feedback.strip():
        problems.append(("feedback", "Give feedback for the reviewer"))
    elif len(feedback) > FEEDBACK_LIMIT:
        problems.append(("feedback", f"Feedback must be {FEEDBACK_LIMIT} characters or fewer"))
    final = stage == 2 or outcome is AuditOutcome.ACCEPTED
    planning = stage == 2 and outcome is AuditOutcome.NOT_MET
    if planning:
        if not (plan_actions or "").strip():
            problems.append(("plan_actions", "Say what the reviewer must do to put it right"))
        if plan_due_on is None:
            plan_due_on = today + timedelta(
                days=audit_queries.audit_settings(selection.record.scheme).plan_days
            )
        elif plan_due_on <= today:
            problems.append(("plan_due_on", "The date must be in the future"))
    if problems:
        raise AuditProblems(problems)
    review = CpdAuditReview(
        selection=selection,
        stage=stage,
        assessor_id=actor.id,
        outcome=outcome,
        feedback=feedback.strip(),
    )
    db.session.add(review)
    record = selection.record
    if not final:
        _move(
            actor,
            selection,
            AuditStatus.SECOND_REVIEW,
            f"first assessor recorded {outcome.label.lower()}: a second assessor reviews it",
        )
        _tell_administrators(
            f"CPD audit: {record.number} needs a second assessor",
            "The first assessor did not accept this CPD record. Allocate a second, independent "
            "assessor.",
            _cycle_link(selection),
        )
        _flush()
        return review
    selection.outcome = outcome
    selection.outcome_at = utcnow()
    target = {
        AuditOutcome.ACCEPTED: AuditStatus.ACCEPTED,
        AuditOutcome.ADVICE: AuditStatus.ADVICE,
        AuditOutcome.NOT_MET: AuditStatus.DEVELOPMENT_PLAN,
    }[outcome]
    message = f"The outcome of the audit of your CPD record is: {outcome.label.lower()}.\n\n"
    message += f"Feedback from the assessor:\n{feedback.strip()}"
    if planning:
        if plan_due_on is None:
            raise RuntimeError("plan_due_on is not set")
        selection.plan_actions = (plan_actions or "").strip()
        selection.plan_due_on = plan_due_on
        message += (
            f"\n\nYour development plan, to complete by {format_date(plan_due_on)}:\n"
            f"{selection.plan_actions}\n\nIf it is not put right by then, a change to your "
            "accreditation (such as suspension) will be proposed to an administrator."
        )
    elif outcome is AuditOutcome.ADVICE:
        message += "\n\nReviewers given advice are selected again in the next audit."
    _move(
        actor,
        selection,
        target,
        f"{'second' if stage == 2 else 'first'} assessor recorded {outcome.label.lower()}",
    )
    _email(
        selection.user,
        f"The outcome of your CPD audit: {outcome.label.lower()}",
        message,
        external_url("cpd.show_progress"),
    )
    _flush()
    return review


def confirm_put_right(
    actor: User, selection: CpdAuditSelection, *, note: str, version_id: int | None = None
) -> None:
    """The assessor who set the development plan confirms it has been completed."""
    _check_version(selection, version_id)
    if selection.status is not AuditStatus.DEVELOPMENT_PLAN:
        raise InvalidTransition("There is no development plan to confirm.", field="note")
    if selection.second_assessor_id != actor.id:
        raise NotPermitted("Only the assessor who set the plan can confirm it.")
    if not note.strip():
        raise DomainError("Say how the plan was completed", field="note")
    selection.put_right_note = note.strip()
    _move(actor, selection, AuditStatus.PUT_RIGHT, "development plan completed")
    _email(
        selection.user,
        "Your CPD development plan is complete",
        f"The assessor has confirmed that your development plan is complete.\n\n{note.strip()}",
        external_url("cpd.show_progress"),
    )
    _flush()


# Proposals


def _propose(selection: CpdAuditSelection, reason: str) -> None:
    selection.overdue_at = utcnow()
    selection.proposed_status = AccreditationStatus.SUSPENDED
    selection.proposal_reason = reason
    selection.proposed_at = utcnow()
    _move(
        None,
        selection,
        AuditStatus.PROPOSED,
        f"{reason}: suspension proposed to an administrator",
    )
    _email(
        selection.user,
        "Your CPD audit is overdue",
        f"{reason}. A suspension of your accreditation has been proposed to an "
        "administrator, who will decide on it and tell you.",
        external_url("cpd.show_progress"),
    )
    _tell_administrators(
        f"CPD audit overdue: {selection.record.number}, a suspension is proposed",
        f"{selection.user.name}: {reason}. Accept or reject the proposed suspension.",
        external_url("cpd.decide_audit_proposal", selection_id=selection.id),
    )


def _check_proposal(
    actor: User, selection: CpdAuditSelection, version_id: int | None
) -> AccreditationStatus:
    """The proposed status, once it is an administrator deciding, on the audit as they saw
    it, with a proposed change still to decide."""
    if not actor.has_permission(Permission.MANAGE_CPD) or not actor.has_permission(
        Permission.MANAGE_ACCREDITATIONS
    ):
        raise NotPermitted("Only administrators decide proposed changes of status.")
    _check_version(selection, version_id)
    if selection.status is not AuditStatus.PROPOSED or selection.proposed_status is None:
        raise InvalidTransition("There is no proposed change to decide.", field="decision")
    return selection.proposed_status


def decide_proposal(
    actor: User,
    selection: CpdAuditSelection,
    *,
    accept: bool,
    note: str,
    version_id: int | None = None,
) -> None:
    """An administrator accepts the proposed change of accreditation status (made through the
    accreditation record, with the reason, and emailed) or rejects it; either closes the
    audit."""
    proposed = _check_proposal(actor, selection, version_id)
    if not note.strip():
        raise DomainError("Give the reason for your decision", field="note")
    if accept:
        accreditation.change_record_status(
            actor,
            selection.record,
            proposed,
            reason=f"CPD audit: {selection.proposal_reason}. {note.strip()}",
            version_id=None,
        )
    selection.proposal_decision = ProposalDecision.ACCEPTED if accept else ProposalDecision.REJECTED
    selection.proposal_note = note.strip()
    selection.proposal_decided_by_id = actor.id
    selection.proposal_decided_at = utcnow()
    _move(
        actor,
        selection,
        AuditStatus.CLOSED,
        f"proposed {proposed.label.lower()} {'accepted' if accept else 'rejected'}: {note.strip()}",
    )
    if not accept:
        _email(
            selection.user,
            "The proposed change to your accreditation will not be made",
            f"An administrator has decided not to change your accreditation.\n\n{note.strip()}",
            external_url("cpd.show_progress"),
        )
    _flush()


def give_more_time(
    actor: User,
    selection: CpdAuditSelection,
    *,
    new_deadline: date | None,
    note: str,
    today: date,
    version_id: int | None = None,
) -> None:
    """Instead of accepting or rejecting a proposed change of status, an administrator gives
    the reviewer until a new deadline for what was overdue: the audit goes back to that stage,
    the reminder and the daily escalation start again, and the reviewer is emailed."""
    proposed = _check_proposal(actor, selection, version_id)
    if new_deadline is None:
        raise DomainError("Enter the new deadline", field="new_deadline")
    if new_deadline <= today:
        raise DomainError("The new deadline must be in the future", field="new_deadline")
    if not note.strip():
        raise DomainError("Give the reason for your decision", field="note")
    planning = selection.submitted_at is not None
    if planning:
        selection.plan_due_on, selection.plan_reminded_at = new_deadline, None
    else:
        selection.due_on, selection.reminded_at = new_deadline, None
    selection.proposal_decision = ProposalDecision.REJECTED
    selection.proposal_note = note.strip()
    selection.proposal_decided_by_id = actor.id
    selection.proposal_decided_at = utcnow()
    selection.overdue_at = None
    what = "development plan" if planning else "CPD record for audit"
    _move(
        actor,
        selection,
        AuditStatus.DEVELOPMENT_PLAN if planning else AuditStatus.REQUESTED,
        f"proposed {proposed.label.lower()} not made; more time for the "
        f"{what}, until {format_date(new_deadline)}: {note.strip()}",
    )
    _email(
        selection.user,
        f"More time for your {what}: now due by {format_date(new_deadline)}",
        f"An administrator has decided not to change your accreditation for now and has given "
        f"you until {format_date(new_deadline)} for your {what}.\n\n{note.strip()}",
        external_url("cpd.show_progress"),
    )
    _flush()


# The daily command


def process_overdue(*, today: date) -> tuple[int, int]:
    """Remind reviewers a few days (the scheme's setting) before a submission or development
    plan is due, and escalate one that is overdue by proposing a suspension to an
    administrator. Each reminder and each escalation happens once, however often this runs.
    Returns (reminders, escalations)."""
    reminded = escalated = 0
    selections = db.session.scalars(
        sa.select(CpdAuditSelection)
        .where(CpdAuditSelection.status.in_([AuditStatus.REQUESTED, AuditStatus.DEVELOPMENT_PLAN]))
        .order_by(CpdAuditSelection.id)
    ).all()
    settings_of: dict[int, audit_queries.AuditSettings] = {}
    for selection in selections:
        scheme_id = selection.record.scheme_id
        if scheme_id not in settings_of:
            settings_of[scheme_id] = audit_queries.audit_settings(selection.record.scheme)
        days = settings_of[scheme_id].reminder_days
        planning = selection.status is AuditStatus.DEVELOPMENT_PLAN
        due = selection.plan_due_on if planning else selection.due_on
        if due is None:
            continue
        if today > due:
            what = "development plan" if planning else "CPD record for audit"
            _propose(selection, f"The {what} was due on {format_date(due)} and is overdue")
            escalated += 1
            continue
        sent = selection.plan_reminded_at if planning else selection.reminded_at
        if sent is None and (due - today).days <= days:
            if planning:
                selection.plan_reminded_at = utcnow()
            else:
                selection.reminded_at = utcnow()
            what = "development plan" if planning else "CPD record for audit"
            _email(
                selection.user,
                f"Reminder: your {what} is due by {format_date(due)}",
                f"Your {what} is due by {format_date(due)}. If it is not done by then, a "
                "suspension of your accreditation will be proposed to an administrator.",
                external_url("cpd.show_progress"),
            )
            record_event(
                None,
                "cpd_audit.reminder_sent",
                subject_type="cpd_audit",
                subject_id=selection.id,
                summary=f"{selection.record.number}: reminded that the {what} is due by "
                f"{format_date(due)}",
            )
            reminded += 1
    db.session.flush()
    return reminded, escalated
