"""Accreditation records: issuing a number and term, changing status with a reason, and lapsing
records that were not renewed (a daily command that is safe to run twice)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.applications import accreditation_queries
from portal.applications.models import (
    CURRENT_ACCREDITATION,
    AccreditationRecord,
    AccreditationStatus,
    AccreditationStatusChange,
    Application,
    ApplicationKind,
)
from portal.auth import services as accounts
from portal.auth.models import User
from portal.core.audit import record_event
from portal.core.dates import add_years
from portal.core.db import utcnow
from portal.core.email import queue_email
from portal.core.errors import ConcurrentEdit, DomainError, InvalidTransition
from portal.core.links import external_url
from portal.core.permissions import Role
from portal.extensions import db

A = AccreditationStatus

# Changes administrators make by hand, each with a reason. Lapsing is the daily command's.
RECORD_MOVES: dict[AccreditationStatus, frozenset[AccreditationStatus]] = {
    A.ACCREDITED: frozenset({A.ACCREDITED_WITH_CONDITIONS, A.SUSPENDED, A.WITHDRAWN}),
    A.ACCREDITED_WITH_CONDITIONS: frozenset({A.ACCREDITED, A.SUSPENDED, A.WITHDRAWN}),
    A.PROVISIONAL: frozenset({A.SUSPENDED, A.WITHDRAWN}),
    A.SUSPENDED: frozenset(
        {A.ACCREDITED, A.ACCREDITED_WITH_CONDITIONS, A.PROVISIONAL, A.WITHDRAWN}
    ),
    A.LAPSED: frozenset(),
    A.WITHDRAWN: frozenset(),
}

STALE = "Someone else changed this accreditation while you were looking at it. Check it again."


def log_status(
    record: AccreditationRecord,
    source: AccreditationStatus | None,
    target: AccreditationStatus,
    *,
    actor: User | None,
    reason: str,
) -> None:
    db.session.add(
        AccreditationStatusChange(
            record=record,
            from_status=source,
            to_status=target,
            reason=reason,
            actor_id=actor.id if actor else None,
        )
    )


def issue_record(
    actor: User,
    application: Application,
    *,
    level: str,
    status: AccreditationStatus,
    conditions: str | None,
    today: date,
) -> AccreditationRecord:
    """Give the applicant a record with a number and a term from today (the scheme's length),
    or start a new term on the record they already hold in this scheme."""
    scheme = application.scheme
    years = int(scheme.settings.get("accreditation_term_years", 3))
    record = db.session.scalar(
        sa.select(AccreditationRecord).where(
            AccreditationRecord.user_id == application.applicant_id,
            AccreditationRecord.scheme_id == application.scheme_id,
        )
    )
    if record is None:
        record = AccreditationRecord(
            user_id=application.applicant_id,
            scheme_id=scheme.id,
            application_id=application.id,
            number="pending",
            level=level,
            status=status,
            conditions=conditions,
            starts_on=today,
            expires_on=add_years(today, years),
        )
        db.session.add(record)
        db.session.flush()
        prefix = str(scheme.settings.get("accreditation_number_prefix") or scheme.code.upper())
        record.number = f"{prefix}-{today.year}-{record.id:05d}"
        log_status(record, None, status, actor=actor, reason="Accredited on application")
        action = "accreditation.issued"
    else:
        before = record.status
        # A renewal decided before expiry continues the term without a gap.
        renewing = application.kind is ApplicationKind.RENEWAL and record.expires_on > today
        start = record.expires_on if renewing else today
        record.application_id = application.id
        record.level = level
        record.status = status
        record.conditions = conditions
        record.starts_on = start
        record.expires_on = add_years(start, years)
        log_status(record, before, status, actor=actor, reason="Accredited again on application")
        action = "accreditation.renewed"
    record_event(
        actor,
        action,
        subject_type="accreditation",
        subject_id=record.id,
        summary=f"{record.number}: {status.label.lower()} as {level} until {record.expires_on}",
        changes={"status": [None, status.value], "application": application.reference},
    )
    applicant = application.applicant
    if Role.REVIEWER not in applicant.roles and actor.id != applicant.id:
        accounts.grant_role(actor, applicant, Role.REVIEWER)
    db.session.flush()
    return record


def change_record_status(
    actor: User,
    record: AccreditationRecord,
    target: AccreditationStatus,
    *,
    reason: str,
    conditions: str | None = None,
    version_id: int | None,
) -> None:
    """An administrator changes a record's status with a reason; the reviewer is emailed."""
    if version_id is not None and version_id != record.version_id:
        raise ConcurrentEdit(STALE, field="status")
    if target not in RECORD_MOVES[record.status]:
        raise InvalidTransition(
            f"An accreditation that is {record.status.label.lower()} cannot become "
            f"{target.label.lower()}.",
            field="status",
        )
    if not reason.strip():
        raise DomainError("Give the reason for the change", field="reason")
    if target is A.ACCREDITED_WITH_CONDITIONS and not (conditions or "").strip():
        raise DomainError("Say what the conditions are", field="conditions")
    source = record.status
    record.status = target
    if target is A.ACCREDITED_WITH_CONDITIONS:
        record.conditions = (conditions or "").strip()
    elif target is A.ACCREDITED:
        record.conditions = None
    log_status(record, source, target, actor=actor, reason=reason.strip())
    record_event(
        actor,
        "accreditation.status_changed",
        subject_type="accreditation",
        subject_id=record.id,
        summary=f"{record.number}: {source.label.lower()} to {target.label.lower()}",
        changes={"status": [source.value, target.value], "reason": reason.strip()},
    )
    queue_email(
        record.user.email,
        f"Your accreditation {record.number} is now {target.label.lower()}",
        "accreditation_status_changed",
        record=record,
        reason=reason.strip(),
        link=external_url("home.dashboard"),
    )
    db.session.flush()


def lapse_expired(*, today: date | None = None) -> int:
    """Records whose term has ended without renewal lapse on their expiry date; one whose
    renewal has been submitted and is not yet decided waits for the decision. Running it
    again the same day changes nothing."""
    today = today or utcnow().date()
    due = db.session.scalars(
        sa.select(AccreditationRecord)
        .where(
            AccreditationRecord.expires_on <= today,
            AccreditationRecord.status.in_([*CURRENT_ACCREDITATION, A.SUSPENDED]),
        )
        .order_by(AccreditationRecord.id)
    ).all()
    renewing = accreditation_queries.renewal_in_progress([r.id for r in due])
    due = [r for r in due if r.id not in renewing]
    for record in due:
        source = record.status
        record.status = A.LAPSED
        log_status(
            record, source, A.LAPSED, actor=None, reason=f"Not renewed by {record.expires_on}"
        )
        record_event(
            None,
            "accreditation.lapsed",
            subject_type="accreditation",
            subject_id=record.id,
            summary=f"{record.number} lapsed on {record.expires_on}",
            changes={"status": [source.value, A.LAPSED.value]},
        )
        queue_email(
            record.user.email,
            f"Your accreditation {record.number} has lapsed",
            "accreditation_lapsed",
            record=record,
            link=external_url("applications.list_applications"),
        )
    db.session.flush()
    return len(due)
