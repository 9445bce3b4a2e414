"""Read models for the organisation pages."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.organisations.models import Organisation, OrganisationKind, OrganisationName, Region


@dataclass(frozen=True)
class OrganisationRow:
    id: int
    name: str
    kind: OrganisationKind
    region: str | None
    people: int
    merged_into: str | None


def regions() -> list[Region]:
    return list(db.session.scalars(sa.select(Region).order_by(Region.position)))


def organisation_rows(
    *, text: str = "", kind: str = "", region: str = "", include_merged: bool = False
) -> list[OrganisationRow]:
    people = (
        sa.select(User.organisation_id, sa.func.count(User.id).label("people"))
        .group_by(User.organisation_id)
        .subquery()
    )
    merged = sa.orm.aliased(Organisation)
    query = (
        sa.select(Organisation, Region.name, sa.func.coalesce(people.c.people, 0), merged.name)
        .outerjoin(Region, Region.code == Organisation.region_code)
        .outerjoin(people, people.c.organisation_id == Organisation.id)
        .outerjoin(merged, merged.id == Organisation.merged_into_id)
        .order_by(Organisation.kind, Region.position, Organisation.name)
    )
    if text:
        query = query.where(Organisation.name.ilike(f"%{text}%"))
    if kind in {k.value for k in OrganisationKind}:
        query = query.where(Organisation.kind == OrganisationKind(kind))
    if region:
        query = query.where(Organisation.region_code == region)
    if not include_merged:
        query = query.where(Organisation.merged_into_id.is_(None))
    return [
        OrganisationRow(
            id=org.id,
            name=org.name,
            kind=org.kind,
            region=region_name,
            people=int(count),
            merged_into=merged_name,
        )
        for org, region_name, count, merged_name in db.session.execute(query)
    ]


def name_history(org: Organisation) -> list[OrganisationName]:
    return list(
        db.session.scalars(
            sa.select(OrganisationName)
            .where(OrganisationName.organisation_id == org.id)
            .order_by(OrganisationName.valid_from.desc(), OrganisationName.id.desc())
        )
    )


def merged_from(org: Organisation) -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.merged_into_id == org.id)
            .order_by(Organisation.name)
        )
    )


def members(org: Organisation) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.organisation_id == org.id)
            .options(sa.orm.lazyload(User.role_grants))
            .order_by(User.name)
        )
    )


def merge_targets(org: Organisation) -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(
                Organisation.kind == org.kind,
                Organisation.id != org.id,
                Organisation.merged_into_id.is_(None),
            )
            .order_by(Organisation.name)
        )
    )


def active_partnerships() -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(
                Organisation.kind == OrganisationKind.PARTNERSHIP,
                Organisation.merged_into_id.is_(None),
            )
            .order_by(Organisation.name)
        )
    )


def active_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.merged_into_id.is_(None))
            .order_by(Organisation.kind, Organisation.name)
        )
    )
