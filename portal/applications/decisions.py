"""Decisions on applications and appeals against them. Nobody decides or hears an appeal on an
application they assessed, moderated, applied with, or (for appeals) decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from portal.applications import accreditation
from portal.applications.models import (
    AccreditationStatus,
    Allocation,
    Appeal,
    AppealOutcome,
    Application,
    ApplicationRoute,
    ApplicationStatus,
    Decision,
    Outcome,
)
from portal.applications.services import change_status
from portal.applications.workflow import Mover
from portal.auth.models import User
from portal.auth.queries import users_with_role
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.email import queue_email
from portal.core.errors import DomainError, InvalidTransition, NotPermitted
from portal.core.links import external_url
from portal.core.permissions import Permission, Role
from portal.extensions import db
from portal.framework.models import Competency


@dataclass(frozen=True)
class DecisionInput:
    outcome: Outcome
    reasons: str
    level: str | None = None
    conditions: str | None = None
    development_plan: str | None = None
    development_competencies: tuple[str, ...] = ()
    reapply_from: date | None = None


def involved_people(application: Application) -> set[int]:
    """Everyone who has judged the application so far: its assessors and moderators, and
    whoever decided it."""
    people = set(
        db.session.scalars(
            sa.select(Allocation.assessor_id).where(Allocation.application_id == application.id)
        )
    )
    people |= set(
        db.session.scalars(
            sa.select(Decision.decided_by_id).where(Decision.application_id == application.id)
        )
    )
    return people


def _check_decider(actor: User, application: Application) -> None:
    if not actor.has_permission(Permission.MANAGE_APPLICATIONS):
        raise NotPermitted("Only an administrator records decisions.")
    if actor.id == application.applicant_id:
        raise NotPermitted("You cannot decide your own application.")


def _levels(application: Application) -> dict[str, str]:
    return {
        str(level["code"]): str(level["name"])
        for level in application.scheme.settings.get("levels", [])
    }


def _validate(
    application: Application,
    data: DecisionInput,
    competencies: Sequence[Competency],
    *,
    today: date,
) -> None:
    if not data.reasons.strip():
        raise DomainError("Give the reasons for the decision", field="reasons")
    if data.outcome is Outcome.ACCREDIT:
        levels = _levels(application)
        if data.level not in levels:
            raise DomainError("Select the level of accreditation", field="level")
        provisional = data.level == "provisional"
        if provisional != (application.route is ApplicationRoute.SUPERVISED):
            raise DomainError(
                "Applicants by supervised practice are accredited provisionally; "
                "applicants by the full route are not",
                field="level",
            )
    if data.outcome is Outcome.NOT_YET:
        if not (data.development_plan or "").strip():
            raise DomainError("Write the development plan", field="development_plan")
        known = {c.code for c in competencies}
        if not data.development_competencies:
            raise DomainError(
                "Select the competencies the applicant must evidence",
                field="development_competencies",
            )
        if not set(data.development_competencies) <= known:
            raise DomainError(
                "Select competencies from the application's framework",
                field="development_competencies",
            )
        if data.reapply_from is None or data.reapply_from <= today:
            raise DomainError(
                "Give the earliest date to reapply, after today", field="reapply_from"
            )


def _store_decision(
    actor: User,
    application: Application,
    data: DecisionInput,
    *,
    today: date,
    on_appeal: bool,
) -> Decision:
    window = int(application.scheme.settings.get("appeal_window_days", 28))
    decision = Decision(
        application=application,
        decided_by_id=actor.id,
        outcome=data.outcome,
        level=data.level if data.outcome is Outcome.ACCREDIT else None,
        conditions=(data.conditions or "").strip() or None
        if data.outcome is Outcome.ACCREDIT
        else None,
        reasons=data.reasons.strip(),
        development_plan=(data.development_plan or "").strip() or None
        if data.outcome is Outcome.NOT_YET
        else None,
        development_competencies=list(data.development_competencies)
        if data.outcome is Outcome.NOT_YET
        else [],
        reapply_from=data.reapply_from if data.outcome is Outcome.NOT_YET else None,
        appeal_by=today + timedelta(days=window),
        on_appeal=on_appeal,
    )
    db.session.add(decision)
    db.session.flush()
    if data.outcome is Outcome.ACCREDIT and decision.level is not None:
        if decision.level == "provisional":
            status = AccreditationStatus.PROVISIONAL
        elif decision.conditions:
            status = AccreditationStatus.ACCREDITED_WITH_CONDITIONS
        else:
            status = AccreditationStatus.ACCREDITED
        accreditation.issue_record(
            actor,
            application,
            level=decision.level,
            status=status,
            conditions=decision.conditions,
            today=today,
        )
    queue_email(
        application.applicant.email,
        f"A decision on your application {application.reference}",
        "decision_made",
        application=application,
        decision=decision,
        link=external_url("applications.show_application", application_id=application.id),
    )
    return decision


def record_decision(
    actor: User,
    application: Application,
    data: DecisionInput,
    competencies: Sequence[Competency],
    *,
    today: date,
) -> Decision:
    """Decide an application awaiting decision: accredited (with level and any conditions),
    not yet (with a development plan and a date to reapply), or declined."""
    _check_decider(actor, application)
    if actor.id in involved_people(application):
        raise NotPermitted(
            "You assessed or moderated this application, so another administrator must decide it."
        )
    if application.status is not ApplicationStatus.AWAITING_DECISION:
        raise InvalidTransition("Only an application awaiting a decision can be decided.")
    _validate(application, data, competencies, today=today)
    change_status(actor, application, ApplicationStatus.DECIDED, mover=Mover.ADMINISTRATOR)
    decision = _store_decision(actor, application, data, today=today, on_appeal=False)
    record_event(
        actor,
        "application.decision_recorded",
        subject_type="application",
        subject_id=application.id,
        summary=f"Decided {application.reference}: {data.outcome.label.lower()}",
        changes={"outcome": data.outcome.value, "level": decision.level},
    )
    db.session.flush()
    return decision


def current_decision(application: Application) -> Decision | None:
    return db.session.scalar(
        sa.select(Decision)
        .where(Decision.application_id == application.id)
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
        .limit(1)
    )


def appealable(decision: Decision) -> bool:
    """Anything short of unconditional accreditation can be appealed."""
    return (
        decision.outcome is not Outcome.ACCREDIT
        or bool(decision.conditions)
        or (decision.level == "provisional")
    )


def lodge_appeal(actor: User, application: Application, *, grounds: str, today: date) -> Appeal:
    """The applicant appeals within the scheme's window (28 days by default), once."""
    if actor.id != application.applicant_id:
        raise NotPermitted("Only the applicant can appeal.")
    if application.status is not ApplicationStatus.DECIDED:
        raise InvalidTransition("Only a decided application can be appealed.")
    decision = current_decision(application)
    if decision is None or decision.on_appeal:
        raise InvalidTransition("A decision made on appeal is final.")
    if not appealable(decision):
        raise DomainError("There is nothing to appeal in this decision.")
    if today > decision.appeal_by:
        raise DomainError(
            f"The time to appeal ended on {decision.appeal_by:%d %B %Y}.", field="grounds"
        )
    if not grounds.strip():
        raise DomainError("Explain why you are appealing", field="grounds")
    appeal = Appeal(application_id=application.id, decision=decision, grounds=grounds.strip())
    db.session.add(appeal)
    change_status(actor, application, ApplicationStatus.APPEALED, mover=Mover.APPLICANT)
    for admin in users_with_role(Role.ADMINISTRATOR):
        if admin.id in involved_people(application):
            continue
        queue_email(
            admin.email,
            f"Appeal to hear: {application.reference}",
            "appeal_lodged",
            name=admin.name,
            application=application,
            link=external_url("applications.hear_appeal", application_id=application.id),
        )
    db.session.flush()
    return appeal


def open_appeal(application: Application) -> Appeal | None:
    return db.session.scalar(
        sa.select(Appeal).where(Appeal.application_id == application.id, Appeal.heard_at.is_(None))
    )


def hear_appeal(
    actor: User,
    application: Application,
    *,
    outcome: AppealOutcome,
    reasons: str,
    new_decision: DecisionInput | None,
    competencies: Sequence[Competency],
    today: date,
) -> Appeal:
    """Someone not involved before hears the appeal: dismissed (the decision stands) or upheld
    with a new decision that replaces it."""
    _check_decider(actor, application)
    if actor.id in involved_people(application):
        raise NotPermitted("An appeal is heard by someone who was not involved before.")
    appeal = open_appeal(application)
    if application.status is not ApplicationStatus.APPEALED or appeal is None:
        raise InvalidTransition("There is no appeal to hear on this application.")
    if not reasons.strip():
        raise DomainError("Give the reasons for the outcome of the appeal", field="reasons")
    if outcome is AppealOutcome.UPHELD:
        if new_decision is None:
            raise DomainError("Record the decision that replaces the first one", field="outcome")
        _validate(application, new_decision, competencies, today=today)
    appeal.heard_by_id = actor.id
    appeal.heard_at = utcnow()
    appeal.outcome = outcome
    appeal.reasons = reasons.strip()
    change_status(
        actor,
        application,
        ApplicationStatus.DECIDED,
        mover=Mover.APPEAL_PANEL,
        reason=f"Appeal {outcome.value}",
    )
    if outcome is AppealOutcome.UPHELD and new_decision is not None:
        _store_decision(actor, application, new_decision, today=today, on_appeal=True)
    else:
        queue_email(
            application.applicant.email,
            f"The outcome of your appeal ({application.reference})",
            "appeal_dismissed",
            application=application,
            reasons=appeal.reasons,
            link=external_url("applications.show_application", application_id=application.id),
        )
    record_event(
        actor,
        "application.appeal_heard",
        subject_type="application",
        subject_id=application.id,
        summary=f"Heard the appeal on {application.reference}: {outcome.value}",
        changes={"outcome": outcome.value},
    )
    db.session.flush()
    return appeal
