"""Commissioning a reviewer: shortlisting, availability requests and their answers, and
recording a commission. Every change is audited; the person who must act next is emailed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.auth.models import User
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.email import queue_email
from portal.core.errors import ConcurrentEdit, DomainError, InvalidTransition, NotPermitted
from portal.core.links import external_url
from portal.extensions import db
from portal.register import commissioning_queries as cq
from portal.register.commissioning_models import (
    NOTE_MAX,
    AvailabilityRequest,
    Commission,
    RequestStatus,
    ReviewType,
    ShortlistEntry,
)

NO_PARTNERSHIP = (
    "Your account is not linked to a safeguarding partnership. Ask an administrator to set it."
)


def _partnership_of(actor: User) -> int:
    if actor.organisation_id is None:
        raise NotPermitted(NO_PARTNERSHIP)
    return actor.organisation_id


def _accredited(reviewer_id: int) -> User:
    reviewer = db.session.get(User, reviewer_id)
    if reviewer is None or cq.current_record(reviewer_id) is None:
        raise DomainError("This reviewer is not currently accredited")
    return reviewer


def add_to_shortlist(actor: User, reviewer_id: int) -> ShortlistEntry:
    """Shortlist a currently accredited reviewer for the actor's partnership; adding one
    already there changes nothing."""
    partnership_id = _partnership_of(actor)
    reviewer = _accredited(reviewer_id)
    found = cq.is_shortlisted(partnership_id, reviewer_id)
    if found is not None:
        return found
    entry = ShortlistEntry(
        partnership_id=partnership_id, reviewer_id=reviewer_id, added_by_id=actor.id
    )
    db.session.add(entry)
    db.session.flush()
    record_event(
        actor,
        "register.shortlisted",
        subject_type="organisation",
        subject_id=partnership_id,
        summary=f"Shortlisted {reviewer.name}",
        changes={"reviewer_id": reviewer_id},
    )
    db.session.flush()
    return entry


def remove_from_shortlist(actor: User, reviewer_id: int) -> None:
    partnership_id = _partnership_of(actor)
    found = cq.is_shortlisted(partnership_id, reviewer_id)
    if found is None:
        return
    name = found.reviewer.name
    db.session.delete(found)
    record_event(
        actor,
        "register.unshortlisted",
        subject_type="organisation",
        subject_id=partnership_id,
        summary=f"Removed {name} from the shortlist",
        changes={"reviewer_id": reviewer_id},
    )
    db.session.flush()


def _shortlisted(partnership_id: int, reviewer_id: int) -> ShortlistEntry:
    found = cq.is_shortlisted(partnership_id, reviewer_id)
    if found is None:
        raise DomainError("Shortlist this reviewer first")
    return found


def request_availability(
    actor: User,
    reviewer_id: int,
    *,
    review_type: ReviewType,
    wanted_from: date | None,
    message: str,
) -> AvailabilityRequest:
    """Ask a shortlisted reviewer whether they can take a review. One request awaits an
    answer at a time; the reviewer is emailed."""
    partnership_id = _partnership_of(actor)
    _shortlisted(partnership_id, reviewer_id)
    reviewer = _accredited(reviewer_id)
    if cq.pending_request(partnership_id, reviewer_id) is not None:
        raise DomainError("You have already asked this reviewer and they have not answered yet")
    message = (message or "").strip()
    if len(message) > NOTE_MAX:
        raise DomainError(f"Message must be {NOTE_MAX:,} characters or fewer", field="message")
    request = AvailabilityRequest(
        partnership_id=partnership_id,
        reviewer_id=reviewer_id,
        requested_by_id=actor.id,
        review_type=review_type,
        wanted_from=wanted_from,
        message=message,
    )
    db.session.add(request)
    db.session.flush()
    record_event(
        actor,
        "register.availability_requested",
        subject_type="availability_request",
        subject_id=request.id,
        summary=f"Asked {reviewer.name} whether they are available for a "
        f"{review_type.label.lower()}",
        changes={"reviewer_id": reviewer_id, "review_type": review_type.value},
    )
    queue_email(
        reviewer.email,
        "A safeguarding partnership asks if you are available",
        "availability_requested",
        name=reviewer.name,
        partnership=request.partnership.name if request.partnership else "",
        review_type=review_type.label,
        wanted_from=wanted_from,
        message=message,
        link=external_url("register.answer_request", availability_request_id=request.id),
    )
    db.session.flush()
    return request


def answer_request(
    actor: User,
    request: AvailabilityRequest,
    *,
    available: bool,
    can_start_on: date | None,
    note: str,
    version_id: int | None,
) -> AvailabilityRequest:
    """The reviewer answers once: yes with the date they can start, or no. The commissioner
    who asked is emailed."""
    if request.reviewer_id != actor.id:
        raise NotPermitted("This request was sent to someone else.")
    if version_id is not None and version_id != request.version_id:
        raise ConcurrentEdit("This request changed while you were answering it. Check it again.")
    if request.status is not RequestStatus.PENDING:
        raise InvalidTransition("You have already answered this request")
    if available and can_start_on is None:
        raise DomainError("Enter the date you can start", field="can_start_on")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(f"Note must be {NOTE_MAX:,} characters or fewer", field="note")
    request.status = RequestStatus.ACCEPTED if available else RequestStatus.DECLINED
    request.can_start_on = can_start_on if available else None
    request.answer_note = note
    request.answered_at = utcnow()
    db.session.flush()
    record_event(
        actor,
        "register.availability_answered",
        subject_type="availability_request",
        subject_id=request.id,
        summary=f"{actor.name} answered that they are "
        f"{'available' if available else 'not available'}",
        changes={
            "status": request.status.value,
            "can_start_on": can_start_on.isoformat() if available and can_start_on else None,
        },
    )
    queue_email(
        request.requested_by.email,
        f"{actor.name} has answered your availability request",
        "availability_answered",
        name=request.requested_by.name,
        reviewer=actor.name,
        available=available,
        can_start_on=request.can_start_on,
        note=note,
        link=external_url("register.show_shortlist"),
    )
    db.session.flush()
    return request


@dataclass(frozen=True)
class CommissionDetails:
    review_type: ReviewType
    starts_on: date
    expected_end_on: date


def record_commission(actor: User, reviewer_id: int, details: CommissionDetails) -> Commission:
    """Record that the partnership has commissioned a shortlisted, currently accredited
    reviewer. The review takes one of the reviewer's places in every quarter it runs."""
    partnership_id = _partnership_of(actor)
    entry = _shortlisted(partnership_id, reviewer_id)
    reviewer = _accredited(reviewer_id)
    if details.expected_end_on < details.starts_on:
        raise DomainError(
            "The expected end date must be the same as or after the start date",
            field="expected_end_on",
        )
    accepted = cq.latest_accepted(partnership_id, reviewer_id)
    commission = Commission(
        partnership_id=partnership_id,
        reviewer_id=reviewer_id,
        recorded_by_id=actor.id,
        request_id=accepted.id if accepted else None,
        review_type=details.review_type,
        starts_on=details.starts_on,
        expected_end_on=details.expected_end_on,
        shortlisted_at=entry.added_at,
    )
    db.session.add(commission)
    db.session.flush()
    record_event(
        actor,
        "register.commission_recorded",
        subject_type="commission",
        subject_id=commission.id,
        summary=f"Recorded a {details.review_type.label.lower()} commissioned from {reviewer.name}",
        changes={
            "partnership_id": partnership_id,
            "reviewer_id": reviewer_id,
            "review_type": details.review_type.value,
            "starts_on": details.starts_on.isoformat(),
            "expected_end_on": details.expected_end_on.isoformat(),
        },
    )
    queue_email(
        reviewer.email,
        "A review has been commissioned from you",
        "commission_recorded",
        name=reviewer.name,
        partnership=commission.partnership.name if commission.partnership else "",
        review_type=details.review_type.label,
        starts_on=details.starts_on,
        expected_end_on=details.expected_end_on,
        link=external_url("register.list_requests"),
    )
    db.session.flush()
    return commission
