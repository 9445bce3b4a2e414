"""Loading, adding, renaming and merging organisations, keeping their history, and the
agencies that belong to each partnership."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from portal.auth.models import User
from portal.core.audit import Actor, record_event
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import (
    Organisation,
    OrganisationKind,
    OrganisationName,
    PartnershipMember,
    Region,
)
from portal.organisations.reference import ReferenceData


@dataclass
class LoadReport:
    regions_added: int = 0
    added: int = 0
    renamed: int = 0
    unchanged: int = 0
    members_added: int = 0
    members_removed: int = 0


def load_reference_data(data: ReferenceData, actor: Actor | None = None) -> LoadReport:
    """Add new regions and organisations and apply renames; never deletes an organisation
    (history stays). Each partnership's statutory partners are made to match the file."""
    report = LoadReport()
    existing = {o.code: o for o in db.session.scalars(sa.select(Organisation))}
    clashes = [
        f"{row.code} is a {existing[row.code].kind.label.lower()} here, not a "
        f"{OrganisationKind(row.kind).label.lower()}"
        for row in data.organisations
        if row.code in existing and existing[row.code].kind.value != row.kind
    ]
    if clashes:
        raise DomainError("Nothing was loaded: " + "; ".join(clashes))
    regions = {r.code: r for r in db.session.scalars(sa.select(Region))}
    for row in data.regions:
        region = regions.get(row.code)
        if region is None:
            db.session.add(Region(code=row.code, name=row.name, position=row.position))
            report.regions_added += 1
        else:
            region.name, region.position = row.name, row.position
    db.session.flush()
    for org_row in data.organisations:
        org = existing.get(org_row.code)
        if org is None:
            org = Organisation(
                code=org_row.code,
                name=org_row.name,
                kind=OrganisationKind(org_row.kind),
                region_code=org_row.region,
            )
            db.session.add(org)
            db.session.add(OrganisationName(organisation=org, name=org_row.name))
            existing[org.code] = org
            report.added += 1
        elif org.name != org_row.name:
            rename_organisation(actor, org, org_row.name)
            report.renamed += 1
        else:
            report.unchanged += 1
    db.session.flush()
    _sync_statutory_members(data, existing, report)
    record_event(
        actor,
        "organisations.loaded",
        subject_type="reference_data",
        subject_id=data.version,
        summary=(
            f"Loaded organisations {data.version}: {report.added} added, "
            f"{report.renamed} renamed, {report.regions_added} regions added, "
            f"{report.members_added} statutory partners linked, "
            f"{report.members_removed} unlinked"
        ),
    )
    db.session.flush()
    return report


def _sync_statutory_members(
    data: ReferenceData, by_code: dict[str, Organisation], report: LoadReport
) -> None:
    """Link each partnership to the statutory partners the file gives it, and unlink statutory
    partners the file no longer gives (an area moved to another board, say). Links made by
    administrators are left alone, unless the file now makes them statutory."""
    wanted = {
        (by_code[partnership].id, by_code[row.code].id)
        for row in data.agencies
        for partnership in row.partnerships
    }
    links = {
        (m.partnership_id, m.agency_id): m for m in db.session.scalars(sa.select(PartnershipMember))
    }
    for pair in sorted(wanted):
        link = links.get(pair)
        if link is None:
            db.session.add(
                PartnershipMember(partnership_id=pair[0], agency_id=pair[1], statutory=True)
            )
            report.members_added += 1
        elif not link.statutory:
            link.statutory = True
    for pair, link in links.items():
        if link.statutory and pair not in wanted:
            db.session.delete(link)
            report.members_removed += 1
    db.session.flush()


# Agencies added by administrators


def _code_for(name: str) -> str:
    """A code from the name, made unique with a number if need be."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:56] or "agency"
    taken = set(
        db.session.scalars(sa.select(Organisation.code).where(Organisation.code.like(f"{base}%")))
    )
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


def _partnerships(ids: Sequence[int]) -> list[Organisation]:
    chosen = list(
        db.session.scalars(
            sa.select(Organisation).where(
                Organisation.id.in_(list(ids)),
                Organisation.kind == OrganisationKind.PARTNERSHIP,
                Organisation.merged_into_id.is_(None),
            )
        )
    )
    if len(chosen) != len(set(ids)):
        raise DomainError("Choose only current safeguarding partnerships", field="partnerships")
    return chosen


def add_agency(
    actor: Actor | None, *, name: str, kind: OrganisationKind, partnership_ids: Sequence[int]
) -> Organisation:
    """An agency (a school, a trust, a provider...) that declarations and case checks can name;
    the partnerships it works with count it among their member agencies."""
    name = " ".join(name.split())
    if not name:
        raise DomainError("Enter the agency's name", field="name")
    if len(name) > 200:
        raise DomainError("Name must be 200 characters or fewer", field="name")
    if not kind.is_agency:
        raise DomainError("Choose the kind of agency", field="kind")
    clash = db.session.scalar(
        sa.select(Organisation.id).where(sa.func.lower(Organisation.name) == name.lower())
    )
    if clash is not None:
        raise DomainError("Another organisation already has that name", field="name")
    partnerships = _partnerships(partnership_ids)
    regions = {p.region_code for p in partnerships}
    agency = Organisation(
        code=_code_for(name),
        name=name,
        kind=kind,
        region_code=regions.pop() if len(regions) == 1 else None,
    )
    db.session.add(agency)
    db.session.add(OrganisationName(organisation=agency, name=name))
    db.session.flush()
    for partnership in partnerships:
        db.session.add(PartnershipMember(partnership_id=partnership.id, agency_id=agency.id))
    record_event(
        actor,
        "organisation.added",
        subject_type="organisation",
        subject_id=agency.id,
        summary=f"Added {name} ({kind.label.lower()})"
        + (f", working with {', '.join(p.name for p in partnerships)}" if partnerships else ""),
        changes={
            "kind": [None, kind.value],
            "partnerships": [None, sorted(p.id for p in partnerships)],
        },
    )
    db.session.flush()
    return agency


def set_agency_partnerships(
    actor: Actor | None, agency: Organisation, partnership_ids: Sequence[int]
) -> None:
    """The partnerships an agency works with, besides those it is a statutory partner of
    (which come from the reference file and stay)."""
    if not agency.kind.is_agency:
        raise DomainError("Only an agency can work with partnerships", field="partnerships")
    if not agency.is_active:
        raise DomainError(f"{agency.name} has been merged", field="partnerships")
    wanted = {p.id for p in _partnerships(partnership_ids)}
    links = list(
        db.session.scalars(
            sa.select(PartnershipMember).where(PartnershipMember.agency_id == agency.id)
        )
    )
    before = sorted(link.partnership_id for link in links)
    for link in links:
        if not link.statutory and link.partnership_id not in wanted:
            db.session.delete(link)
    have = {link.partnership_id for link in links}
    for partnership_id in sorted(wanted - have):
        db.session.add(PartnershipMember(partnership_id=partnership_id, agency_id=agency.id))
    db.session.flush()
    after = sorted(
        db.session.scalars(
            sa.select(PartnershipMember.partnership_id).where(
                PartnershipMember.agency_id == agency.id
            )
        )
    )
    if before != after:
        record_event(
            actor,
            "organisation.partnerships_changed",
            subject_type="organisation",
            subject_id=agency.id,
            summary=f"Changed the partnerships {agency.name} works with",
            changes={"partnerships": [before, after]},
        )
        db.session.flush()


def rename_organisation(actor: Actor | None, org: Organisation, new_name: str) -> None:
    """A new name from now on; the old one stays in the name history."""
    new_name = " ".join(new_name.split())
    if not new_name:
        raise DomainError("Enter the new name", field="name")
    if new_name == org.name:
        raise DomainError("Enter a name different from the current one", field="name")
    clash = db.session.scalar(
        sa.select(Organisation.id).where(
            sa.func.lower(Organisation.name) == new_name.lower(), Organisation.id != org.id
        )
    )
    if clash is not None:
        raise DomainError("Another organisation already has that name", field="name")
    now = utcnow()
    current = db.session.scalar(
        sa.select(OrganisationName).where(
            OrganisationName.organisation_id == org.id, OrganisationName.valid_to.is_(None)
        )
    )
    if current is not None:
        current.valid_to = now
    db.session.add(OrganisationName(organisation=org, name=new_name, valid_from=now))
    old = org.name
    org.name = new_name
    record_event(
        actor,
        "organisation.renamed",
        subject_type="organisation",
        subject_id=org.id,
        summary=f"Renamed {old} to {new_name}",
        changes={"name": [old, new_name]},
    )
    db.session.flush()


def merge_organisations(actor: Actor | None, source: Organisation, target: Organisation) -> int:
    """Fold `source` into `target`: its people move over, its records keep pointing at it."""
    if source.id == target.id:
        raise DomainError("Choose a different organisation to merge into", field="target")
    if source.kind is not target.kind:
        raise DomainError("Merge into an organisation of the same kind", field="target")
    if not source.is_active:
        raise DomainError(f"{source.name} has already been merged", field="target")
    if not target.is_active:
        raise DomainError(
            f"{target.name} has been merged itself: choose the current one", field="target"
        )
    moved = (
        db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.organisation_id == source.id)
        )
        or 0
    )
    db.session.execute(
        sa.update(User)
        .where(User.organisation_id == source.id)
        .values(organisation_id=target.id, version_id=User.version_id + 1)
    )
    source.merged_into = target
    source.merged_at = utcnow()
    record_event(
        actor,
        "organisation.merged",
        subject_type="organisation",
        subject_id=source.id,
        summary=f"Merged {source.name} into {target.name}; {moved} people moved",
        changes={"merged_into": [None, target.id], "people_moved": moved},
    )
    db.session.flush()
    return moved
