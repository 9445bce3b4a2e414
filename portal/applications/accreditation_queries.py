"""Read models for decisions, appeals and accreditation records."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.applications.models import (
    AccreditationRecord,
    AccreditationStatus,
    AgreedScore,
    Allocation,
    AllocationPurpose,
    Appeal,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Decision,
    DeclaredInterest,
    MentorPairing,
)
from portal.applications.queries import Page
from portal.auth.models import User
from portal.extensions import db
from portal.framework.models import Competency


def decisions_of(application_id: int) -> list[Decision]:
    """Every decision on the application, newest first (one made on appeal replaces the first)."""
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(Decision.application_id == application_id)
            .order_by(Decision.decided_at.desc(), Decision.id.desc())
        )
    )


def appeals_of(application_id: int) -> list[Appeal]:
    return list(
        db.session.scalars(
            sa.select(Appeal).where(Appeal.application_id == application_id).order_by(Appeal.id)
        )
    )


def agreed_scores(application_id: int) -> list[AgreedScore]:
    return list(
        db.session.scalars(
            sa.select(AgreedScore)
            .join(Competency, Competency.id == AgreedScore.competency_id)
            .where(AgreedScore.application_id == application_id)
            .options(joinedload(AgreedScore.competency))
            .order_by(Competency.position)
        )
    )


def assessor_feedback(application_id: int) -> list[str]:
    """The submitted assessors' and moderator's comments for the applicant, without names."""
    return [
        comment
        for comment in db.session.scalars(
            sa.select(Allocation.comments)
            .where(
                Allocation.application_id == application_id,
                Allocation.submitted_at.is_not(None),
                Allocation.purpose != AllocationPurpose.CALIBRATION,
                Allocation.comments.is_not(None),
            )
            .order_by(Allocation.submitted_at)
        )
        if comment
    ]


def records_of(user_id: int) -> list[AccreditationRecord]:
    return list(
        db.session.scalars(
            sa.select(AccreditationRecord)
            .where(AccreditationRecord.user_id == user_id)
            .order_by(AccreditationRecord.starts_on.desc())
        )
    )


def record(record_id: int) -> AccreditationRecord | None:
    return db.session.scalar(
        sa.select(AccreditationRecord)
        .where(AccreditationRecord.id == record_id)
        .options(selectinload(AccreditationRecord.history))
    )


def record_rows(
    *, status: AccreditationStatus | None, page: int, per_page: int = 25
) -> Page[AccreditationRecord]:
    conditions = [AccreditationRecord.status == status] if status is not None else []
    total = (
        db.session.scalar(sa.select(sa.func.count(AccreditationRecord.id)).where(*conditions)) or 0
    )
    pages = max(1, -(-total // per_page))
    number = min(max(1, page), pages)
    rows = db.session.scalars(
        sa.select(AccreditationRecord)
        .where(*conditions)
        .order_by(AccreditationRecord.number)
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    return Page(rows=rows, number=number, pages=pages, total=total)


# Mentors must hold full accreditation in the same scheme.
MENTOR_STATUSES = frozenset(
    {AccreditationStatus.ACCREDITED, AccreditationStatus.ACCREDITED_WITH_CONDITIONS}
)


def mentor_candidates(record: AccreditationRecord) -> list[User]:
    """Fully accredited reviewers in the record's scheme, other than its holder, who have not
    declared an interest in any organisation the mentee declared."""
    mentee_orgs = sa.select(DeclaredInterest.organisation_id).where(
        DeclaredInterest.user_id == record.user_id
    )
    conflicted = sa.select(DeclaredInterest.user_id).where(
        DeclaredInterest.organisation_id.in_(mentee_orgs)
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .join(AccreditationRecord, AccreditationRecord.user_id == User.id)
            .where(
                AccreditationRecord.scheme_id == record.scheme_id,
                AccreditationRecord.status.in_(MENTOR_STATUSES),
                User.id != record.user_id,
                User.active.is_(True),
                User.id.not_in(conflicted),
            )
            .order_by(User.name, User.id)
        )
    )


def open_pairing(record: AccreditationRecord) -> MentorPairing | None:
    return db.session.scalar(
        sa.select(MentorPairing).where(
            MentorPairing.record_id == record.id, MentorPairing.ended_at.is_(None)
        )
    )


def pairings_for(user_id: int) -> list[MentorPairing]:
    """Pairings where the person is the mentor or the mentee, open ones first."""
    return list(
        db.session.scalars(
            sa.select(MentorPairing)
            .join(AccreditationRecord, AccreditationRecord.id == MentorPairing.record_id)
            .where(
                sa.or_(MentorPairing.mentor_id == user_id, AccreditationRecord.user_id == user_id)
            )
            .order_by(MentorPairing.ended_at.is_not(None), MentorPairing.paired_at.desc())
        )
    )


def pairing(pairing_id: int) -> MentorPairing | None:
    return db.session.scalar(
        sa.select(MentorPairing)
        .where(MentorPairing.id == pairing_id)
        .options(selectinload(MentorPairing.sessions))
    )


def renewal_in_progress(record_ids: list[int]) -> set[int]:
    """Records with a submitted renewal not yet decided: they do not lapse while it is."""
    if not record_ids:
        return set()
    rows = db.session.execute(
        sa.select(AccreditationRecord.id)
        .join(
            Application,
            sa.and_(
                Application.applicant_id == AccreditationRecord.user_id,
                Application.scheme_id == AccreditationRecord.scheme_id,
            ),
        )
        .where(
            AccreditationRecord.id.in_(record_ids),
            Application.kind == ApplicationKind.RENEWAL,
            Application.status.not_in(
                [ApplicationStatus.DRAFT, ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN]
            ),
        )
    )
    return {row[0] for row in rows}
