"""Renewal: from the scheme's window before expiry, an accredited reviewer applies again with a
shorter form that reads their CPD record, lists the reviews they completed in the term and
confirms a current DBS check. Reviews that completed peer quality assurance in the term are
listed from it, beside those the reviewer lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from portal.applications.models import (
    AccreditationRecord,
    AccreditationStatus,
    Application,
    ApplicationKind,
    ApplicationRoute,
    ApplicationStatus,
    StatusChange,
)
from portal.applications.services import _audit, _own_draft, _touch, reference_prefix
from portal.auth.models import User
from portal.core.dates import add_months
from portal.core.errors import DomainError, InvalidTransition, NotPermitted
from portal.cpd import queries as cpd_queries
from portal.extensions import db
from portal.framework.queries import published_framework
from portal.organisations.models import Organisation
from portal.peer_qa.queries import QaOutcome, qa_outcomes_for

REVIEW_ROLES = {"lead": "Lead reviewer", "co_lead": "Co-lead reviewer"}


@dataclass(frozen=True)
class Window:
    opens_on: date
    closes_on: date

    def contains(self, day: date) -> bool:
        return self.opens_on <= day < self.closes_on


def window(record: AccreditationRecord) -> Window:
    """Renewal opens the scheme's number of months before expiry and closes at expiry."""
    months = int(record.scheme.settings.get("renewal_window_months", 6))
    return Window(add_months(record.expires_on, -months), record.expires_on)


# Provisional reviewers become fully accredited through their supervised review, not renewal.
RENEWABLE = frozenset(
    {AccreditationStatus.ACCREDITED, AccreditationStatus.ACCREDITED_WITH_CONDITIONS}
)


def renewable_record(user: User, *, today: date) -> AccreditationRecord | None:
    """The person's record whose renewal window is open and which has no renewal under way."""
    records = db.session.scalars(
        sa.select(AccreditationRecord).where(
            AccreditationRecord.user_id == user.id,
            AccreditationRecord.status.in_(list(RENEWABLE)),
        )
    ).all()
    for record in records:
        if window(record).contains(today) and open_renewal(record) is None:
            return record
    return None


def open_renewal(record: AccreditationRecord) -> Application | None:
    return db.session.scalar(
        sa.select(Application).where(
            Application.applicant_id == record.user_id,
            Application.scheme_id == record.scheme_id,
            Application.kind == ApplicationKind.RENEWAL,
            Application.status.not_in([ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN]),
        )
    )


def start_renewal(actor: User, record: AccreditationRecord, *, today: date) -> Application:
    """Open a renewal for the record's holder while the window is open."""
    if actor.id != record.user_id:
        raise NotPermitted("Only the accredited reviewer can renew their accreditation.")
    if record.status not in RENEWABLE:
        raise InvalidTransition(
            f"An accreditation that is {record.status.label.lower()} cannot be renewed."
        )
    span = window(record)
    if not span.contains(today):
        raise DomainError(
            f"You can apply to renew from {span.opens_on:%d %B %Y} until {span.closes_on:%d %B %Y}."
        )
    framework = published_framework(record.scheme_id)
    if framework is None:
        raise DomainError(f"{record.scheme.name} is not taking applications.")
    if open_renewal(record) is not None:
        raise DomainError("You already have a renewal in progress.")
    busy = db.session.scalar(
        sa.select(Application.id).where(
            Application.applicant_id == actor.id,
            Application.scheme_id == record.scheme_id,
            Application.status.not_in([ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN]),
        )
    )
    if busy is not None:
        raise DomainError(f"You already have an application to {record.scheme.name} in progress.")
    application = Application(
        scheme_id=record.scheme_id,
        framework=framework,
        applicant_id=actor.id,
        kind=ApplicationKind.RENEWAL,
        route=ApplicationRoute.FULL,
        status=ApplicationStatus.DRAFT,
        full_name=actor.name,
        completed_sections=[],
        completed_reviews=[],
    )
    db.session.add(application)
    db.session.flush()
    application.reference = f"{reference_prefix(record.scheme)}-R{application.id:06d}"
    db.session.add(
        StatusChange(
            application=application,
            from_status=None,
            to_status=ApplicationStatus.DRAFT,
            actor_id=actor.id,
        )
    )
    _audit(actor, application, "renewal_started", f"Started renewing {record.number}")
    db.session.flush()
    return application


def record_renewed_by(application: Application) -> AccreditationRecord | None:
    return db.session.scalar(
        sa.select(AccreditationRecord).where(
            AccreditationRecord.user_id == application.applicant_id,
            AccreditationRecord.scheme_id == application.scheme_id,
        )
    )


def qa_reviews_for(application: Application) -> list[QaOutcome]:
    """Reviews whose peer quality assurance completed during the accreditation being renewed:
    listed beside the reviews the reviewer types in."""
    record = record_renewed_by(application)
    if application.kind is not ApplicationKind.RENEWAL or record is None:
        return []
    return qa_outcomes_for(application.applicant_id, record.starts_on, record.expires_on)


def cpd_for(application: Application, *, today: date) -> cpd_queries.CpdSummary | None:
    """The CPD summary of the accreditation a renewal renews (None for a first application)."""
    if application.kind is not ApplicationKind.RENEWAL:
        return None
    record = record_renewed_by(application)
    return cpd_queries.cpd_summary(record, today=today) if record is not None else None


def add_completed_review(
    actor: User,
    application: Application,
    *,
    title: str,
    partnership: Organisation,
    year: int,
    role: str,
    today: date,
) -> None:
    """List a review completed in the term: its title, the commissioning partnership, the
    year it was completed and the reviewer's role."""
    _own_draft(actor, application)
    if application.kind is not ApplicationKind.RENEWAL:
        raise InvalidTransition("Only a renewal lists completed reviews.")
    if role not in REVIEW_ROLES:
        raise DomainError("Select your role in the review", field="role")
    record = record_renewed_by(application)
    first_year = record.starts_on.year if record else today.year - 3
    if not first_year <= year <= today.year:
        raise DomainError(f"The year must be between {first_year} and {today.year}", field="year")
    reviews: list[dict[str, Any]] = list(application.completed_reviews or [])
    entry = {
        "title": title.strip(),
        "partnership_id": partnership.id,
        "partnership": partnership.name,
        "year": year,
        "role": role,
    }
    reviews.append(entry)
    application.completed_reviews = reviews
    _touch(application)
    _audit(actor, application, "completed_review_listed", f"Listed the review {entry['title']!r}")
    db.session.flush()


def remove_completed_review(actor: User, application: Application, index: int) -> None:
    _own_draft(actor, application)
    reviews = list(application.completed_reviews or [])
    if not 0 <= index < len(reviews):
        raise DomainError("There is no such review on this renewal.")
    removed = reviews.pop(index)
    application.completed_reviews = reviews
    _touch(application)
    _audit(
        actor, application, "completed_review_removed", f"Removed the review {removed['title']!r}"
    )
    db.session.flush()
