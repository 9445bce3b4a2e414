"""Builds the demonstration data through the features' own services."""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
import sqlalchemy as sa

from portal.auth import services as accounts
from portal.auth.models import User
from portal.core.db import utcnow
from portal.core.permissions import Role
from portal.extensions import db
from portal.organisations import reference
from portal.organisations import services as organisations
from portal.organisations.models import Organisation


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    roles: tuple[Role, ...]
    organisation: str | None = None


# Every person here is invented.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin@demo.test", "Ada Okonkwo-Reyes", (Role.ADMINISTRATOR,), "dfe"),
    DemoAccount("applicant@demo.test", "Priya Harrowgate", ()),
    DemoAccount("reviewer@demo.test", "Tomasz Wilde-Benson", (Role.REVIEWER,)),
    DemoAccount("assessor@demo.test", "Grace Oduya-Fenwick", (Role.ASSESSOR,)),
    DemoAccount("qa@demo.test", "Malcolm Threlfall", (Role.QA_LEAD, Role.ASSESSOR)),
    DemoAccount("commissioner@demo.test", "Siobhan Achterberg", (Role.COMMISSIONER,), "leeds"),
    DemoAccount("analyst@demo.test", "Idris Pemberton-Lau", (Role.ANALYST,), "dfe"),
)

EXTRA_PEOPLE: tuple[tuple[str, str], ...] = (
    ("Harriet Quennell", "harriet.quennell@demo.test"),
    ("Obinna Castellanos", "obinna.castellanos@demo.test"),
    ("Felicity Marchbanks", "felicity.marchbanks@demo.test"),
    ("Rashid Vandermeer", "rashid.vandermeer@demo.test"),
    ("Eilidh Brackenbury", "eilidh.brackenbury@demo.test"),
    ("Wendell Ashcombe", "wendell.ashcombe@demo.test"),
    ("Yusra Pennington", "yusra.pennington@demo.test"),
    ("Callum Oyelaran-Firth", "callum.oyelaran-firth@demo.test"),
    ("Beatrix Holloway-Nkemelu", "beatrix.holloway-nkemelu@demo.test"),
)

# Further assessors, so that every application in the demo can have two and a moderator.
EXTRA_ASSESSORS: tuple[tuple[str, str], ...] = (
    ("Nadia Ferreira-Hollis", "nadia.ferreira-hollis@demo.test"),
    ("Owen Castellane", "owen.castellane@demo.test"),
)


def demo_loaded() -> bool:
    return db.session.scalar(sa.select(User.id).where(User.email == "admin@demo.test")) is not None


def load_demo(password: str) -> list[DemoAccount]:
    """Create the demo accounts and people; the organisations come from the reference file."""
    if db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 0:
        organisations.load_reference_data(reference.read())
    by_code = {o.code: o for o in db.session.scalars(sa.select(Organisation))}
    admin_spec = DEMO_ACCOUNTS[0]
    admin = accounts.create_confirmed_account(
        name=admin_spec.name, email=admin_spec.email, password=password
    )
    accounts.bootstrap_administrator(admin)
    accounts.set_organisation(admin, admin, by_code.get("dfe"))
    for spec in DEMO_ACCOUNTS[1:]:
        user = accounts.create_confirmed_account(
            name=spec.name, email=spec.email, password=password
        )
        organisation = by_code.get(spec.organisation) if spec.organisation else None
        if organisation is not None and Role.COMMISSIONER not in spec.roles:
            accounts.set_organisation(admin, user, organisation)
        for role in spec.roles:
            accounts.grant_role(admin, user, role, organisation=organisation)
    for name, email in EXTRA_PEOPLE:
        accounts.create_confirmed_account(name=name, email=email, password=password)
    for name, email in EXTRA_ASSESSORS:
        assessor = accounts.create_confirmed_account(name=name, email=email, password=password)
        accounts.grant_role(admin, assessor, Role.ASSESSOR)
    _give_demo_authenticators()
    return list(DEMO_ACCOUNTS)


def _give_demo_authenticators() -> None:
    """Demo accounts whose roles need a second factor get one already set up, so a newcomer
    can sign in with `flask demo code EMAIL` instead of an authenticator app."""
    for user in db.session.scalars(sa.select(User).where(User.email.like("%@demo.test"))):
        if user.needs_two_factor and not user.two_factor_enabled:
            user.totp_secret = pyotp.random_base32()
            user.totp_enabled_at = utcnow()
    db.session.flush()


def current_code(email: str) -> str | None:
    """The authenticator code a demo account would show now."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not email.endswith("@demo.test") or user.totp_secret is None:
        return None
    return str(pyotp.TOTP(user.totp_secret).now())
