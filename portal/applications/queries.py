"""Read models for application pages: each loads what its page shows in a fixed number of
queries, however many answers, referees or files there are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.applications.models import (
    Allocation,
    Application,
    ApplicationStatus,
    Referee,
    SelfAssessment,
    WorkSample,
)
from portal.extensions import db
from portal.framework.models import Competency, FrameworkStatus, FrameworkVersion, Scheme


def application(application_id: int) -> Application | None:
    """An application with every answer its pages show."""
    return db.session.scalar(
        sa.select(Application)
        .where(Application.id == application_id)
        .options(
            selectinload(Application.referees),
            selectinload(Application.interests),
            selectinload(Application.self_assessments),
            selectinload(Application.work_samples),
            joinedload(Application.framework),
            joinedload(Application.home_region),
        )
    )


def competencies(framework_id: int) -> list[Competency]:
    """The framework version's competencies in order, with their domains."""
    return list(
        db.session.scalars(
            sa.select(Competency)
            .where(Competency.framework_id == framework_id)
            .options(joinedload(Competency.domain))
            .order_by(Competency.position)
        )
    )


def applications_of(user_id: int) -> list[Application]:
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.applicant_id == user_id)
            .order_by(Application.created_at.desc(), Application.id.desc())
        )
    )


def open_schemes() -> list[Scheme]:
    """Schemes with a framework version in use: the ones taking applications."""
    return list(
        db.session.scalars(
            sa.select(Scheme)
            .where(
                sa.exists().where(
                    FrameworkVersion.scheme_id == Scheme.id,
                    FrameworkVersion.status == FrameworkStatus.PUBLISHED,
                )
            )
            .order_by(Scheme.name)
        )
    )


def scheme(scheme_id: int) -> Scheme | None:
    return db.session.get(Scheme, scheme_id)


def is_allocated(application_id: int, user_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(Allocation.id).where(
                Allocation.application_id == application_id, Allocation.assessor_id == user_id
            )
        )
        is not None
    )


def self_assessment_map(application: Application) -> dict[int, SelfAssessment]:
    return {entry.competency_id: entry for entry in application.self_assessments}


def work_sample(application: Application, sample_id: int) -> WorkSample | None:
    return next((s for s in application.work_samples if s.id == sample_id), None)


def referee(application: Application, position: int) -> Referee | None:
    return next((r for r in application.referees if r.position == position), None)


@dataclass(frozen=True)
class StatusCount:
    status: ApplicationStatus
    count: int


def counts_by_status(scheme_id: int | None = None) -> list[StatusCount]:
    query = sa.select(Application.status, sa.func.count()).group_by(Application.status)
    if scheme_id is not None:
        query = query.where(Application.scheme_id == scheme_id)
    found: dict[ApplicationStatus, int] = {row[0]: row[1] for row in db.session.execute(query)}
    return [StatusCount(status, found.get(status, 0)) for status in ApplicationStatus]


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: Sequence[T]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def application_rows(
    *,
    status: ApplicationStatus | None,
    scheme_id: int | None,
    page: int,
    per_page: int = 25,
) -> Page[Application]:
    """Applications for the administrators' list, newest activity first."""
    conditions = []
    if status is not None:
        conditions.append(Application.status == status)
    if scheme_id is not None:
        conditions.append(Application.scheme_id == scheme_id)
    total = db.session.scalar(sa.select(sa.func.count(Application.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(1, page), pages)
    rows = db.session.scalars(
        sa.select(Application)
        .where(*conditions)
        .order_by(Application.status_changed_at.desc(), Application.id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
    ).all()
    return Page(rows=rows, number=number, pages=pages, total=total)


def all_schemes() -> list[Scheme]:
    return list(db.session.scalars(sa.select(Scheme).order_by(Scheme.name)))
