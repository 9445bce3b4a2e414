"""Entry by supervised practice: pairing a provisionally accredited reviewer with a mentor,
the mentor's supervision log, and the seam where peer quality assurance of the supervised
review turns provisional accreditation into full accreditation."""

from __future__ import annotations

from datetime import date

from portal.applications import accreditation_queries
from portal.applications.accreditation import log_status
from portal.applications.models import (
    AccreditationRecord,
    AccreditationStatus,
    MentorPairing,
    SupervisionSession,
)
from portal.auth.models import User
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.email import queue_email
from portal.core.errors import DomainError, InvalidTransition, NotPermitted
from portal.core.links import external_url
from portal.core.permissions import Permission
from portal.extensions import db


def pair_mentor(actor: User, record: AccreditationRecord, mentor: User) -> MentorPairing:
    """An administrator pairs a provisional reviewer with a mentor without a conflict."""
    if not actor.has_permission(Permission.MANAGE_ACCREDITATIONS):
        raise NotPermitted("Only an administrator pairs mentors.")
    if record.status is not AccreditationStatus.PROVISIONAL:
        raise InvalidTransition("Only a provisional accreditation has a mentor.")
    if accreditation_queries.open_pairing(record) is not None:
        raise DomainError("This reviewer already has a mentor.", field="mentor")
    if mentor.id not in {m.id for m in accreditation_queries.mentor_candidates(record)}:
        raise DomainError(
            "Choose a fully accredited reviewer in this scheme with no conflict of interest",
            field="mentor",
        )
    pairing = MentorPairing(record=record, mentor_id=mentor.id, paired_by_id=actor.id)
    db.session.add(pairing)
    db.session.flush()
    record_event(
        actor,
        "accreditation.mentor_paired",
        subject_type="accreditation",
        subject_id=record.id,
        summary=f"Paired {record.number} with mentor {mentor.name}",
    )
    for person, template in ((mentor, "mentor_paired"), (record.user, "mentee_paired")):
        queue_email(
            person.email,
            f"Supervised practice: {record.user.name} and {mentor.name}",
            template,
            record=record,
            mentor=mentor,
            name=person.name,
            link=external_url("applications.show_mentoring", pairing_id=pairing.id),
        )
    db.session.flush()
    return pairing


def log_session(
    actor: User,
    pairing: MentorPairing,
    *,
    held_on: date,
    minutes: int,
    focus: str,
    notes: str,
    today: date,
) -> SupervisionSession:
    """The mentor logs a supervision session while the pairing lasts."""
    if actor.id != pairing.mentor_id:
        raise NotPermitted("Only the mentor logs supervision sessions.")
    if pairing.ended_at is not None:
        raise InvalidTransition("This mentoring has ended.")
    if held_on > today:
        raise DomainError("The session date must be today or in the past", field="held_on")
    if held_on < pairing.paired_at.date():
        raise DomainError("The session date must be after the pairing began", field="held_on")
    if not 15 <= minutes <= 480:
        raise DomainError("A session lasts from 15 minutes to 8 hours", field="minutes")
    entry = SupervisionSession(
        pairing=pairing,
        held_on=held_on,
        minutes=minutes,
        focus=focus.strip(),
        notes=notes.strip(),
        logged_by_id=actor.id,
    )
    db.session.add(entry)
    record_event(
        actor,
        "accreditation.supervision_logged",
        subject_type="accreditation",
        subject_id=pairing.record_id,
        summary=f"Logged a {minutes}-minute supervision session on {held_on}",
    )
    db.session.flush()
    return entry


def record_supervised_review_result(
    pairing: MentorPairing, *, review_reference: str, passed: bool
) -> None:
    """The seam for peer quality assurance: when the supervised review's QA is complete, it
    reports here. A pass makes the accreditation full (level reviewer) and ends the
    mentoring; a fail leaves it provisional with the same mentor for another review."""
    record = pairing.record
    if record.status is not AccreditationStatus.PROVISIONAL or pairing.ended_at is not None:
        raise InvalidTransition("This supervised practice is already complete.")
    pairing.review_reference = review_reference
    pairing.review_passed = passed
    if passed:
        pairing.ended_at = utcnow()
        record.status = AccreditationStatus.ACCREDITED
        record.level = "reviewer"
        log_status(
            record,
            AccreditationStatus.PROVISIONAL,
            AccreditationStatus.ACCREDITED,
            actor=None,
            reason=f"Supervised review {review_reference} passed peer quality assurance",
        )
    record_event(
        None,
        "accreditation.supervised_review_result",
        subject_type="accreditation",
        subject_id=record.id,
        summary=f"Supervised review {review_reference} "
        f"{'passed' if passed else 'did not pass'} peer quality assurance ({record.number})",
    )
    queue_email(
        record.user.email,
        "Your supervised review: peer quality assurance result",
        "supervised_review_result",
        record=record,
        passed=passed,
        link=external_url("home.dashboard"),
    )
    db.session.flush()
