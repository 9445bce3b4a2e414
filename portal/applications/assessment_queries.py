"""Read models for assessment and moderation: who may be allocated and why not, assessors'
queues, and what each allocation may see. An assessor's scores stay out of every other
assessor's reach until both assessments are in."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.applications.models import (
    CLOSED_STATUSES,
    AgreedScore,
    Allocation,
    AllocationPurpose,
    Application,
    ApplicationStatus,
    DeclaredInterest,
    InformationRequest,
    Score,
)
from portal.auth.models import RoleGrant, User
from portal.core.dates import add_years
from portal.core.permissions import Role
from portal.extensions import db
from portal.framework.models import Competency

# Declared connections that ended longer ago than this no longer conflict.
CONFLICT_YEARS = 3
ASSESSING_ROLES = (Role.ASSESSOR, Role.QA_LEAD)


# Who may be allocated


@dataclass(frozen=True)
class Candidate:
    user: User
    load: int
    conflicts: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return not self.conflicts


@dataclass(frozen=True)
class Candidates:
    suggested: list[Candidate]
    conflicted: list[Candidate]

    def find(self, user_id: int) -> Candidate | None:
        return next((c for c in [*self.suggested, *self.conflicted] if c.user.id == user_id), None)


def assessor_pool() -> list[User]:
    """Active people who hold the assessor or QA lead role now."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.active.is_(True),
                User.id.in_(
                    sa.select(RoleGrant.user_id).where(
                        RoleGrant.role.in_(ASSESSING_ROLES), RoleGrant.revoked_at.is_(None)
                    )
                ),
            )
            .order_by(User.name, User.id)
        )
    )


def open_loads(user_ids: Collection[int]) -> dict[int, int]:
    """Allocations each person has not yet submitted, on applications still open."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(Allocation.assessor_id, sa.func.count(Allocation.id))
        .join(Application, Application.id == Allocation.application_id)
        .where(
            Allocation.assessor_id.in_(list(user_ids)),
            Allocation.submitted_at.is_(None),
            Application.status.not_in(list(CLOSED_STATUSES)),
        )
        .group_by(Allocation.assessor_id)
    )
    return dict(rows.all())


def declared_organisations(application: Application, today: date) -> dict[int, str]:
    """The organisations the applicant declared that still count: continuing, or ended in
    the last three years."""
    cutoff = add_years(today, -CONFLICT_YEARS)
    return {
        interest.organisation_id: interest.organisation.name
        for interest in application.interests
        if interest.ended_on is None or interest.ended_on >= cutoff
    }


def conflicts_of(
    application: Application,
    people: Iterable[User],
    *,
    today: date,
    excluded: Mapping[int, str] | None = None,
) -> dict[int, list[str]]:
    """Each person's reasons not to assess this application (an empty list: none)."""
    people = list(people)
    declared = declared_organisations(application, today)
    referees = {r.email.lower(): r for r in application.referees}
    own: dict[int, list[int]] = {}
    if declared and people:
        cutoff = add_years(today, -CONFLICT_YEARS)
        rows = db.session.execute(
            sa.select(DeclaredInterest.user_id, DeclaredInterest.organisation_id)
            .where(
                DeclaredInterest.user_id.in_([p.id for p in people]),
                DeclaredInterest.organisation_id.in_(list(declared)),
                DeclaredInterest.application_id != application.id,
                sa.or_(DeclaredInterest.ended_on.is_(None), DeclaredInterest.ended_on >= cutoff),
            )
            .order_by(DeclaredInterest.organisation_id)
        )
        for user_id, organisation_id in rows:
            own.setdefault(user_id, []).append(organisation_id)
    found: dict[int, list[str]] = {}
    for person in people:
        reasons: list[str] = []
        if person.id == application.applicant_id:
            reasons.append("Is the applicant")
        if excluded and person.id in excluded:
            reasons.append(excluded[person.id])
        if person.organisation_id in declared:
            name = declared[person.organisation_id]
            reasons.append(f"Works for {name}, declared by the applicant")
        if person.email.lower() in referees:
            reasons.append("Is a referee for this application")
        for organisation_id in sorted(set(own.get(person.id, []))):
            reasons.append(
                f"Has declared their own connection with {declared[organisation_id]}, "
                "also declared by the applicant"
            )
        found[person.id] = reasons
    return found


def candidates(
    application: Application, *, today: date, excluded: Mapping[int, str] | None = None
) -> Candidates:
    """Everyone who could assess, split into those without a conflict (lowest current load
    first) and those with one, each with the reasons."""
    pool = assessor_pool()
    loads = open_loads([p.id for p in pool])
    reasons = conflicts_of(application, pool, today=today, excluded=excluded)
    every = [Candidate(p, loads.get(p.id, 0), tuple(reasons[p.id])) for p in pool]
    suggested = sorted(
        (c for c in every if c.eligible), key=lambda c: (c.load, c.user.name, c.user.id)
    )
    conflicted = [c for c in every if not c.eligible]
    return Candidates(suggested, conflicted)


def assessment_allocations(application_id: int) -> list[Allocation]:
    """The first and second assessments of an application, oldest first, with scores."""
    return list(
        db.session.scalars(
            sa.select(Allocation)
            .where(
                Allocation.application_id == application_id,
                Allocation.purpose == AllocationPurpose.ASSESSMENT,
            )
            .options(selectinload(Allocation.scores))
            .order_by(Allocation.allocated_at, Allocation.id)
        )
    )


def moderation_allocation(application_id: int) -> Allocation | None:
    return db.session.scalar(
        sa.select(Allocation).where(
            Allocation.application_id == application_id,
            Allocation.purpose == AllocationPurpose.MODERATION,
        )
    )


def application_allocations(application_id: int) -> list[Allocation]:
    """Every allocation of an application, for administrators (never shown to assessors)."""
    return list(
        db.session.scalars(
            sa.select(Allocation)
            .where(Allocation.application_id == application_id)
            .options(selectinload(Allocation.scores))
            .order_by(Allocation.allocated_at, Allocation.id)
        )
    )


# The assessor's own work


def allocation(allocation_id: int) -> Allocation | None:
    return db.session.scalar(
        sa.select(Allocation)
        .where(Allocation.id == allocation_id)
        .options(selectinload(Allocation.scores))
    )


def score_map(allocation: Allocation) -> dict[int, Score]:
    return {score.competency_id: score for score in allocation.scores}


def peer_assessment(allocation: Allocation) -> Allocation | None:
    """The other assessment of the same application, only once both have been submitted:
    before that an assessor must not be able to read it, however it is asked for."""
    if allocation.purpose is not AllocationPurpose.ASSESSMENT or allocation.submitted_at is None:
        return None
    return db.session.scalar(
        sa.select(Allocation)
        .where(
            Allocation.application_id == allocation.application_id,
            Allocation.purpose == AllocationPurpose.ASSESSMENT,
            Allocation.id != allocation.id,
            Allocation.submitted_at.is_not(None),
        )
        .options(selectinload(Allocation.scores))
    )


def assessments_to_moderate(allocation: Allocation) -> list[Allocation]:
    """Both assessments, for the moderator of the same application only."""
    if allocation.purpose is not AllocationPurpose.MODERATION:
        return []
    return [
        a for a in assessment_allocations(allocation.application_id) if a.submitted_at is not None
    ]


@dataclass(frozen=True)
class QueueRow:
    allocation: Allocation
    scored: int
    competencies: int
    overdue: bool
    paused: bool

    @property
    def open(self) -> bool:
        return (
            self.allocation.submitted_at is None
            and self.allocation.application.status not in CLOSED_STATUSES
        )


def assessor_queue(user_id: int, *, today: date) -> list[QueueRow]:
    """An assessor's allocations: open ones first by due date, then finished ones."""
    allocations = list(
        db.session.scalars(
            sa.select(Allocation)
            .where(Allocation.assessor_id == user_id)
            .options(joinedload(Allocation.application))
            .order_by(Allocation.due_on, Allocation.id)
        )
    )
    if not allocations:
        return []
    scored = dict(
        db.session.execute(
            sa.select(Score.allocation_id, sa.func.count(Score.id))
            .where(Score.allocation_id.in_([a.id for a in allocations]))
            .group_by(Score.allocation_id)
        ).all()
    )
    sizes = dict(
        db.session.execute(
            sa.select(Competency.framework_id, sa.func.count(Competency.id))
            .where(Competency.framework_id.in_({a.application.framework_id for a in allocations}))
            .group_by(Competency.framework_id)
        ).all()
    )
    rows = []
    for a in allocations:
        paused = a.application.status is ApplicationStatus.INFORMATION_REQUESTED
        waiting = a.submitted_at is None and (
            a.purpose is AllocationPurpose.CALIBRATION
            or a.application.status not in CLOSED_STATUSES
        )
        rows.append(
            QueueRow(
                allocation=a,
                scored=scored.get(a.id, 0),
                competencies=sizes.get(a.application.framework_id, 0),
                overdue=waiting and not paused and a.due_on < today,
                paused=waiting and paused,
            )
        )
    rows.sort(key=lambda r: (not r.open, r.allocation.due_on, r.allocation.id))
    return rows


@dataclass(frozen=True)
class QueueSummary:
    waiting: int
    overdue: int


def queue_summary(user_id: int, *, today: date) -> QueueSummary:
    """How many allocations wait for this person, and how many of them are overdue."""
    waiting = sa.and_(
        Allocation.assessor_id == user_id,
        Allocation.submitted_at.is_(None),
        sa.or_(
            Allocation.purpose == AllocationPurpose.CALIBRATION,
            Application.status.not_in(list(CLOSED_STATUSES)),
        ),
    )
    overdue = sa.and_(
        Allocation.due_on < today,
        Application.status != ApplicationStatus.INFORMATION_REQUESTED,
    )
    row = db.session.execute(
        sa.select(
            sa.func.count(Allocation.id),
            sa.func.coalesce(sa.func.sum(sa.case((overdue, 1), else_=0)), 0),
        )
        .join(Application, Application.id == Allocation.application_id)
        .where(waiting)
    ).one()
    return QueueSummary(int(row[0]), int(row[1]))


# Information requests


def information_requests(application_id: int) -> list[InformationRequest]:
    return list(
        db.session.scalars(
            sa.select(InformationRequest)
            .where(InformationRequest.application_id == application_id)
            .order_by(InformationRequest.requested_at, InformationRequest.id)
        )
    )


def open_information_request(application_id: int) -> InformationRequest | None:
    return db.session.scalar(
        sa.select(InformationRequest)
        .where(
            InformationRequest.application_id == application_id,
            InformationRequest.responded_at.is_(None),
        )
        .order_by(InformationRequest.id.desc())
        .limit(1)
    )


def information_request(application_id: int, request_id: int) -> InformationRequest | None:
    return db.session.scalar(
        sa.select(InformationRequest).where(
            InformationRequest.id == request_id,
            InformationRequest.application_id == application_id,
        )
    )


# Agreement and administrators' work


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


@dataclass(frozen=True)
class AllocationTodo:
    needs_assessors: int
    needs_moderator: int


def _needs_moderator() -> sa.ColumnElement[bool]:
    return sa.and_(
        Application.status == ApplicationStatus.MODERATION,
        ~sa.exists().where(
            Allocation.application_id == Application.id,
            Allocation.purpose == AllocationPurpose.MODERATION,
        ),
    )


def allocation_todo() -> AllocationTodo:
    """Submitted applications waiting for assessors, and moderations waiting for a moderator."""
    assessors = db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(
            Application.status == ApplicationStatus.SUBMITTED
        )
    )
    moderator = db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(_needs_moderator())
    )
    return AllocationTodo(int(assessors or 0), int(moderator or 0))


def needing_moderator(application_ids: Collection[int]) -> set[int]:
    """Which of these applications are in moderation without a moderator yet."""
    if not application_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Application.id).where(
                Application.id.in_(list(application_ids)), _needs_moderator()
            )
        )
    )


# Work under way on an application, by the purpose of the allocation doing it: while it is,
# an unfinished allocation can be handed to someone else.
REPLACEABLE = {
    AllocationPurpose.ASSESSMENT: frozenset(
        {ApplicationStatus.IN_ASSESSMENT, ApplicationStatus.INFORMATION_REQUESTED}
    ),
    AllocationPurpose.MODERATION: frozenset({ApplicationStatus.MODERATION}),
}


def replaceable(allocation: Allocation, application: Application) -> bool:
    return allocation.submitted_at is None and application.status in REPLACEABLE.get(
        allocation.purpose, frozenset()
    )


@dataclass(frozen=True)
class AdminOverview:
    allocations: list[Allocation]
    agreed: list[AgreedScore]
    needs_assessors: bool
    needs_moderator: bool
    replaceable: frozenset[int]


def admin_overview(application: Application) -> AdminOverview:
    """What administrators see of an application's assessment, and what it waits for."""
    allocations = application_allocations(application.id)
    has_moderator = any(a.purpose is AllocationPurpose.MODERATION for a in allocations)
    return AdminOverview(
        allocations=allocations,
        agreed=agreed_scores(application.id),
        needs_assessors=application.status is ApplicationStatus.SUBMITTED,
        needs_moderator=application.status is ApplicationStatus.MODERATION and not has_moderator,
        replaceable=frozenset(a.id for a in allocations if replaceable(a, application)),
    )
