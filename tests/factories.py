"""Small typed builders for test data. Every person and organisation here is invented.

Builders commit, as data made before a request would be; inside a test that only releases a
savepoint, and the whole test is still rolled back at its end.
"""

from __future__ import annotations

import itertools
from functools import cache

import pyotp
import sqlalchemy as sa

from portal.auth.models import RoleGrant, User
from portal.auth.passwords import hash_password
from portal.core.db import utcnow
from portal.core.permissions import TWO_FACTOR_ROLES, Role
from portal.extensions import db
from portal.organisations.models import Organisation, OrganisationKind, OrganisationName, Region

DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@cache
def _default_hash() -> str:
    return hash_password(DEFAULT_PASSWORD)


def make_region(*, code: str = "E12000003", name: str = "Yorkshire and The Humber") -> Region:
    region = db.session.get(Region, code)
    if region is None:
        region = Region(code=code, name=name, position=int(code[-1]))
        db.session.add(region)
        db.session.commit()
    return region


def make_organisation(
    *,
    name: str | None = None,
    code: str | None = None,
    kind: OrganisationKind = OrganisationKind.PARTNERSHIP,
    region: Region | None = None,
) -> Organisation:
    n = next(_counter)
    name = name or f"Invented Vale {n} Safeguarding Children Partnership"
    if kind is OrganisationKind.PARTNERSHIP and region is None:
        region = make_region()
    org = Organisation(
        code=code or f"invented-vale-{n}",
        name=name,
        kind=kind,
        region_code=region.code if region else None,
    )
    db.session.add(org)
    db.session.add(OrganisationName(organisation=org, name=name))
    db.session.commit()
    return org


def make_user(
    *,
    name: str | None = None,
    email: str | None = None,
    password: str | None = None,
    roles: tuple[Role, ...] | list[Role] = (),
    confirmed: bool = True,
    organisation: Organisation | None = None,
    two_factor: bool | None = None,
) -> User:
    """A person; those whose roles require a second factor have one set up unless told not."""
    n = next(_counter)
    user = User(
        name=name or f"Test Person {n}",
        email=(email or f"person{n}@example.test").lower(),
        password_hash=_default_hash() if password is None else hash_password(password),
        email_confirmed_at=utcnow() if confirmed else None,
        organisation=organisation,
    )
    db.session.add(user)
    db.session.flush()
    for role in roles:
        if role is Role.COMMISSIONER and user.organisation is None:
            user.organisation = make_organisation()
        db.session.add(RoleGrant(user=user, role=role))
    if two_factor if two_factor is not None else bool(set(roles) & TWO_FACTOR_ROLES):
        user.totp_secret = pyotp.random_base32()
        user.totp_enabled_at = utcnow()
    db.session.commit()
    db.session.refresh(user)
    return user


def count(model: type, *where: sa.ColumnElement[bool]) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    for clause in where:
        query = query.where(clause)
    return int(db.session.scalar(query) or 0)
