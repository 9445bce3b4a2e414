"""Read models: the published keys, a reviewer's credentials, and the status bits of every
issued credential, read from accreditation records at the moment they are asked for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from portal.applications.models import (
    AccreditationRecord,
    AccreditationStatus,
    AccreditationStatusChange,
    Application,
)
from portal.credentials.models import IssuedCredential, KeyStatus, SigningKey
from portal.extensions import db
from portal.framework.models import FrameworkDomain, FrameworkStatus, FrameworkVersion

# A status change to one of these after a credential was issued revokes it for good, even if
# the person is accredited again later (that needs a new credential).
REVOKING = (AccreditationStatus.WITHDRAWN, AccreditationStatus.LAPSED)


def signing_keys() -> list[SigningKey]:
    """Every key, newest first: the active one and each retired one."""
    return list(db.session.scalars(sa.select(SigningKey).order_by(SigningKey.id.desc())))


def active_key() -> SigningKey | None:
    return db.session.scalar(sa.select(SigningKey).where(SigningKey.status == KeyStatus.ACTIVE))


def key(kid: str) -> SigningKey | None:
    return db.session.scalar(sa.select(SigningKey).where(SigningKey.kid == kid))


def public_keys() -> dict[str, dict[str, Any]]:
    """kid -> public JWK, for every key the portal has ever signed with."""
    return {k.kid: dict(k.public_jwk) for k in signing_keys()}


def records_of(user_id: int) -> list[AccreditationRecord]:
    return list(
        db.session.scalars(
            sa.select(AccreditationRecord)
            .where(AccreditationRecord.user_id == user_id)
            .order_by(AccreditationRecord.starts_on.desc(), AccreditationRecord.id)
        )
    )


def record(record_id: int) -> AccreditationRecord | None:
    return db.session.get(AccreditationRecord, record_id)


def record_by_number(number: str) -> AccreditationRecord | None:
    return db.session.scalar(
        sa.select(AccreditationRecord).where(AccreditationRecord.number == number[:32])
    )


def credentials_of(record_ids: Sequence[int]) -> list[IssuedCredential]:
    """Every credential issued for these records, newest first."""
    if not record_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(IssuedCredential)
            .where(IssuedCredential.record_id.in_(record_ids))
            .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id.desc())
        )
    )


def credential(public_id: str) -> IssuedCredential | None:
    return db.session.scalar(
        sa.select(IssuedCredential).where(IssuedCredential.public_id == public_id)
    )


def credential_for_term(record: AccreditationRecord) -> IssuedCredential | None:
    """The credential already issued for the record's current term and level, if any."""
    return db.session.scalar(
        sa.select(IssuedCredential)
        .where(
            IssuedCredential.record_id == record.id,
            IssuedCredential.valid_from == record.starts_on,
            IssuedCredential.valid_until == record.expires_on,
            IssuedCredential.level == record.level,
        )
        .order_by(IssuedCredential.id.desc())
        .limit(1)
    )


def used_indexes(candidates: Sequence[int]) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(IssuedCredential.status_index).where(
                IssuedCredential.status_index.in_(candidates)
            )
        )
    )


def framework_of(record: AccreditationRecord) -> FrameworkVersion:
    """The framework version the record's accreditation was granted under."""
    framework = db.session.scalar(
        sa.select(FrameworkVersion)
        .join(Application, Application.framework_id == FrameworkVersion.id)
        .where(Application.id == record.application_id)
    )
    if framework is None:
        raise RuntimeError("an application always has its framework")
    return framework


def domains_of(framework_id: int) -> list[FrameworkDomain]:
    return list(
        db.session.scalars(
            sa.select(FrameworkDomain)
            .where(FrameworkDomain.framework_id == framework_id)
            .order_by(FrameworkDomain.position)
        )
    )


def public_framework(framework_id: int) -> FrameworkVersion | None:
    """A framework version anyone may read: one in use or retired, never a draft."""
    return db.session.scalar(
        sa.select(FrameworkVersion).where(
            FrameworkVersion.id == framework_id,
            FrameworkVersion.status != FrameworkStatus.DRAFT,
        )
    )


def _revoked_condition(today: date) -> sa.ColumnElement[bool]:
    revoked_since_issue = (
        sa.select(AccreditationStatusChange.id)
        .where(
            AccreditationStatusChange.record_id == IssuedCredential.record_id,
            AccreditationStatusChange.to_status.in_(REVOKING),
            AccreditationStatusChange.occurred_at >= IssuedCredential.issued_at,
        )
        .exists()
    )
    return sa.or_(
        AccreditationRecord.status.in_(REVOKING),
        # The term has ended and the daily lapsing has not yet caught up with it.
        AccreditationRecord.expires_on <= today,
        revoked_since_issue,
    )


def status_indexes(purpose: str, *, today: date) -> list[int]:
    """The indexes whose bit is set in the list for `purpose`: revocation (the record was
    withdrawn or lapsed after the credential was issued, or its term has ended) or
    suspension (the record is suspended now and the credential is not revoked)."""
    revoked = _revoked_condition(today)
    condition = (
        revoked
        if purpose == "revocation"
        else sa.and_(AccreditationRecord.status == AccreditationStatus.SUSPENDED, ~revoked)
    )
    return list(
        db.session.scalars(
            sa.select(IssuedCredential.status_index)
            .join(AccreditationRecord, AccreditationRecord.id == IssuedCredential.record_id)
            .where(condition)
            .order_by(IssuedCredential.status_index)
        )
    )


def statuses_at(index: int, *, today: date) -> tuple[bool, bool]:
    """(revoked, suspended) for the credential at `index`, as the status lists say."""
    row = db.session.execute(
        sa.select(
            sa.case((_revoked_condition(today), True), else_=False),
            AccreditationRecord.status,
        )
        .join(AccreditationRecord, AccreditationRecord.id == IssuedCredential.record_id)
        .where(IssuedCredential.status_index == index)
    ).first()
    if row is None:
        return False, False
    revoked = bool(row[0])
    return revoked, (not revoked and row[1] is AccreditationStatus.SUSPENDED)
