"""Loading, renaming and merging organisations, keeping their history."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.auth.models import User
from portal.core.audit import Actor, record_event
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.extensions import db
from portal.organisations.models import Organisation, OrganisationKind, OrganisationName, Region
from portal.organisations.reference import ReferenceData


@dataclass
class LoadReport:
    regions_added: int = 0
    added: int = 0
    renamed: int = 0
    unchanged: int = 0


def load_reference_data(data: ReferenceData, actor: Actor | None = None) -> LoadReport:
    """Add new regions and organisations and apply renames; never deletes (history stays)."""
    report = LoadReport()
    regions = {r.code: r for r in db.session.scalars(sa.select(Region))}
    for row in data.regions:
        region = regions.get(row.code)
        if region is None:
            db.session.add(Region(code=row.code, name=row.name, position=row.position))
            report.regions_added += 1
        else:
            region.name, region.position = row.name, row.position
    db.session.flush()
    existing = {o.code: o for o in db.session.scalars(sa.select(Organisation))}
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
            report.added += 1
        elif org.name != org_row.name:
            rename_organisation(actor, org, org_row.name)
            report.renamed += 1
        else:
            report.unchanged += 1
    record_event(
        actor,
        "organisations.loaded",
        subject_type="reference_data",
        subject_id=data.version,
        summary=(
            f"Loaded organisations {data.version}: {report.added} added, "
            f"{report.renamed} renamed, {report.regions_added} regions added"
        ),
    )
    db.session.flush()
    return report


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
