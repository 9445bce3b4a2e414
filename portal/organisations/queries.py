"""Read models for the organisation pages and for the pickers that choose an organisation."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.organisations.models import (
    Organisation,
    OrganisationKind,
    OrganisationName,
    PartnershipMember,
    Region,
)


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


def current_organisation(org_id: int | None) -> Organisation | None:
    """The organisation, unless it has been merged into another (or does not exist)."""
    org = db.session.get(Organisation, org_id) if org_id else None
    return org if org is not None and org.is_active else None


def active_partnerships_by_region() -> list[Organisation]:
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .join(Region, Region.code == Organisation.region_code)
            .where(
                Organisation.kind == OrganisationKind.PARTNERSHIP,
                Organisation.merged_into_id.is_(None),
            )
            .order_by(Region.position, Organisation.name)
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


def member_agencies(partnership: Organisation) -> list[Organisation]:
    """The agencies that belong to the partnership: its statutory partners first."""
    return list(
        db.session.scalars(
            sa.select(Organisation)
            .join(PartnershipMember, PartnershipMember.agency_id == Organisation.id)
            .where(PartnershipMember.partnership_id == partnership.id)
            .order_by(PartnershipMember.statutory.desc(), Organisation.kind, Organisation.name)
        )
    )


@dataclass(frozen=True)
class Membership:
    partnership: Organisation
    statutory: bool


def partnerships_of(agency: Organisation) -> list[Membership]:
    """The partnerships the agency belongs to, and whether as a statutory partner."""
    return [
        Membership(partnership, statutory)
        for partnership, statutory in db.session.execute(
            sa.select(Organisation, PartnershipMember.statutory)
            .join(PartnershipMember, PartnershipMember.partnership_id == Organisation.id)
            .where(PartnershipMember.agency_id == agency.id)
            .order_by(Organisation.name)
        )
    ]


@dataclass(frozen=True)
class OptionGroup:
    """Organisations of one kind, for a select grouped by kind."""

    kind: OrganisationKind
    options: list[tuple[int, str]]


def grouped_options(*, exclude: frozenset[int] = frozenset()) -> list[OptionGroup]:
    """Every current organisation, grouped by kind in the order of OrganisationKind, by name
    within each kind: one query."""
    groups: dict[OrganisationKind, list[tuple[int, str]]] = {kind: [] for kind in OrganisationKind}
    for org_id, name, kind in db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.kind)
        .where(Organisation.merged_into_id.is_(None))
        .order_by(sa.func.lower(Organisation.name), Organisation.id)
    ):
        if org_id not in exclude:
            groups[kind].append((org_id, name))
    return [OptionGroup(kind, options) for kind, options in groups.items() if options]


def narrowed(groups: list[OptionGroup], text: str) -> list[OptionGroup]:
    """Only the organisations whose name has every word typed (in any case and order)."""
    words = [word.casefold() for word in text.split()[:8]]
    if not words:
        return groups
    kept = [
        OptionGroup(
            group.kind,
            [(i, name) for i, name in group.options if all(w in name.casefold() for w in words)],
        )
        for group in groups
    ]
    return [group for group in kept if group.options]
