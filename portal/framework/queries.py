"""Read models for the framework pages."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.framework.models import (
    Competency,
    FrameworkDomain,
    FrameworkStatus,
    FrameworkVersion,
    Scheme,
)
from portal.framework.schema import FrameworkDocument, parse_framework


@dataclass(frozen=True)
class VersionRow:
    framework: FrameworkVersion
    competencies: int


def schemes_with_versions() -> list[tuple[Scheme, list[VersionRow]]]:
    counts = (
        sa.select(Competency.framework_id, sa.func.count(Competency.id).label("n"))
        .group_by(Competency.framework_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(FrameworkVersion, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.framework_id == FrameworkVersion.id)
        .order_by(FrameworkVersion.loaded_at.desc(), FrameworkVersion.id.desc())
    ).all()
    schemes = list(db.session.scalars(sa.select(Scheme).order_by(Scheme.name)))
    by_scheme: dict[int, list[VersionRow]] = {s.id: [] for s in schemes}
    for framework, n in rows:
        by_scheme[framework.scheme_id].append(VersionRow(framework, int(n)))
    return [(scheme, by_scheme[scheme.id]) for scheme in schemes]


def framework_with_competencies(framework_id: int) -> FrameworkVersion | None:
    return db.session.scalar(
        sa.select(FrameworkVersion)
        .where(FrameworkVersion.id == framework_id)
        .options(
            sa.orm.selectinload(FrameworkVersion.domains).selectinload(FrameworkDomain.competencies)
        )
    )


def published_framework(scheme_id: int) -> FrameworkVersion | None:
    return db.session.scalar(
        sa.select(FrameworkVersion).where(
            FrameworkVersion.scheme_id == scheme_id,
            FrameworkVersion.status == FrameworkStatus.PUBLISHED,
        )
    )


def other_versions(framework: FrameworkVersion) -> list[FrameworkVersion]:
    return list(
        db.session.scalars(
            sa.select(FrameworkVersion)
            .where(
                FrameworkVersion.scheme_id == framework.scheme_id,
                FrameworkVersion.id != framework.id,
            )
            .order_by(FrameworkVersion.loaded_at.desc())
        )
    )


def document_of(framework: FrameworkVersion) -> FrameworkDocument:
    """The stored document, read back (it was checked when it was loaded)."""
    return parse_framework(framework.document)
