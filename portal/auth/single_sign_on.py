"""Signing in with an identity provider: find the linked account, link one by a verified email
address, or create one; give the provider's organisation; never a role."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa

from portal.auth.identity_providers import IdentityProvider, ProviderIdentity, SignInProblem
from portal.auth.models import IdentityLink, User
from portal.auth.services import find_user_by_email, normalise_email
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.extensions import db
from portal.organisations.models import Organisation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProviderSignIn:
    user: User
    created: bool
    linked: bool


def _refuse(title: str, message: str) -> SignInProblem:
    return SignInProblem(title, message, status=403)


def sign_in_with_provider(
    provider: IdentityProvider, identity: ProviderIdentity, *, browser: str = ""
) -> ProviderSignIn:
    """The account this provider's person signs in to.

    The provider must assert a verified email address at a domain it is allowed for, every
    time. A known issuer and subject signs in to its linked account. Otherwise the account with
    that (normalised) address is linked, or a confirmed account with no password is created.
    The provider's organisation is given only to someone who has none; roles never change.
    Every rule is checked before anything is written.
    """
    email = normalise_email(identity.email)
    if "@" not in email or not identity.email_verified:
        raise _refuse(
            "Your email address is not verified",
            f"{provider.label} did not confirm that your email address is verified, so we "
            f"cannot sign you in with it. Verify your address with {provider.label}, or sign "
            "in with your password.",
        )
    if not provider.allows_email(email):
        domain = email.rpartition("@")[2]
        raise _refuse(
            "You cannot sign in this way",
            f"Addresses at {domain} cannot sign in with {provider.label}. Sign in with your "
            "password instead.",
        )
    link = db.session.scalar(
        sa.select(IdentityLink).where(
            IdentityLink.issuer == identity.issuer, IdentityLink.subject == identity.subject
        )
    )
    created = linked = False
    if link is not None:
        user = link.user
        _check_active(user)
    else:
        existing = find_user_by_email(email)
        if existing is not None:
            _check_active(existing)
            _check_not_linked_elsewhere(existing, identity.issuer, provider)
            user = existing
        else:
            user = _create_account(provider, email, identity.name)
            created = True
        link = IdentityLink(
            user=user, provider=provider.name, issuer=identity.issuer, subject=identity.subject
        )
        db.session.add(link)
        linked = True
        if not user.email_confirmed:
            user.email_confirmed_at = utcnow()  # the provider verified the address
        record_event(
            user,
            "account.identity_linked",
            subject_type="user",
            subject_id=user.id,
            summary=f"{user.email} linked their {provider.label} account",
            changes={"provider": provider.name, "issuer": identity.issuer},
        )
    _give_organisation(provider, user)
    link.last_used_at = utcnow()
    user.last_signed_in_at = utcnow()
    record_event(
        user,
        "auth.signed_in",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.email} signed in with {provider.label}",
        changes={"provider": provider.name, **({"browser": browser[:200]} if browser else {})},
    )
    db.session.flush()
    return ProviderSignIn(user=user, created=created, linked=linked)


def _check_active(user: User) -> None:
    if not user.active:
        raise _refuse(
            "This account is closed",
            "The account for this email address is closed. Contact the scheme's administrators "
            "if you think this is wrong.",
        )


def _check_not_linked_elsewhere(user: User, issuer: str, provider: IdentityProvider) -> None:
    other = db.session.scalar(
        sa.select(IdentityLink.id).where(
            IdentityLink.user_id == user.id, IdentityLink.issuer == issuer
        )
    )
    if other is not None:
        raise _refuse(
            "Your account is linked to another sign-in",
            f"Your account is already linked to a different {provider.label} account. Sign in "
            "with that one, or with your password.",
        )


def _create_account(provider: IdentityProvider, email: str, name: str) -> User:
    name = " ".join(name.split())[:200] or email.partition("@")[0]
    user = User(email=email, name=name, password_hash=None, email_confirmed_at=utcnow())
    db.session.add(user)
    db.session.flush()
    record_event(
        user,
        "account.created",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.name} created an account by signing in with {provider.label}",
        changes={"provider": provider.name},
    )
    return user


def _give_organisation(provider: IdentityProvider, user: User) -> None:
    if provider.organisation is None or user.organisation_id is not None:
        return
    organisation = db.session.scalar(
        sa.select(Organisation).where(Organisation.code == provider.organisation)
    )
    if organisation is None or not organisation.is_active:
        log.warning(
            "identity provider's organisation is unknown or merged",
            extra={"provider": provider.name, "organisation": provider.organisation},
        )
        return
    user.organisation = organisation
    record_event(
        None,
        "account.organisation_changed",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.email} now works for {organisation.name} (from {provider.label})",
        changes={"organisation": [None, organisation.name]},
    )
