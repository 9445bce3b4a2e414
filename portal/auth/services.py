"""Account use cases: sign-up, confirmation, sign-in, password reset and role changes."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from portal.auth import sessions
from portal.auth.models import IdentityLink, RecoveryCode, RoleGrant, User
from portal.auth.passwords import (
    fingerprint,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from portal.auth.policies import can_change_roles
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.email import OutboxMessage, OutboxStatus, queue_email
from portal.core.errors import DomainError, NotPermitted
from portal.core.links import external_url
from portal.core.permissions import GRANTABLE_ROLES, Role
from portal.core.security import TokenError, make_token, read_token
from portal.extensions import db
from portal.organisations.models import Organisation, OrganisationKind

CONFIRM_SALT = "confirm-email"
RESET_SALT = "reset-password"


class AuthenticationFailed(DomainError):
    """Wrong email or password; deliberately does not say which."""

    def __init__(self) -> None:
        super().__init__("Enter a correct email address and password", field="email")


class EmailNotConfirmed(DomainError):
    def __init__(self, user: User) -> None:
        super().__init__("Confirm your email address before you sign in", field="email")
        self.user = user


class LinkProblem(DomainError):
    def __init__(self, expired: bool) -> None:
        text = "This link has expired" if expired else "This link is not valid"
        super().__init__(text)
        self.expired = expired


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _send_confirmation(user: User) -> None:
    token = make_token(_secret(), CONFIRM_SALT, {"uid": user.id, "email": user.email})
    hours = int(current_app.config["EMAIL_CONFIRMATION_MAX_AGE"]) // 3600
    queue_email(
        user.email,
        "Confirm your email address",
        "confirm_email",
        name=user.name,
        link=external_url("auth.confirm_email", token=token),
        hours=hours,
    )


@dataclass(frozen=True)
class SignUp:
    user: User | None  # None when the email already had an account


def register_account(*, name: str, email: str, password: str) -> SignUp:
    """Create an unconfirmed account and email a confirmation link.

    If the address already has an account we email its owner instead, and the caller shows
    the same page either way, so sign-up never reveals who has an account.
    """
    email = normalise_email(email)
    name = " ".join(name.split())
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise DomainError(problem, field="password")
    existing = find_user_by_email(email)
    if existing is not None:
        queue_email(
            existing.email,
            "Someone tried to create an account with your email address",
            "account_exists",
            name=existing.name,
            sign_in=external_url("auth.sign_in"),
            reset=external_url("auth.forgot_password"),
        )
        return SignUp(user=None)
    user = User(email=email, name=name, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    record_event(
        user,
        "account.created",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.name} created an account",
    )
    _send_confirmation(user)
    db.session.flush()
    return SignUp(user=user)


def resend_confirmation(email: str) -> None:
    user = find_user_by_email(email)
    if user is not None and not user.email_confirmed and user.active:
        _send_confirmation(user)


def user_for_confirmation(token: str) -> User:
    max_age = int(current_app.config["EMAIL_CONFIRMATION_MAX_AGE"])
    try:
        payload = read_token(_secret(), CONFIRM_SALT, token, max_age)
    except TokenError as exc:
        raise LinkProblem(exc.expired) from exc
    user = db.session.get(User, payload.get("uid")) if isinstance(payload, dict) else None
    if user is None or user.email != payload.get("email"):
        raise LinkProblem(expired=False)
    return user


def confirm_email(token: str) -> User:
    """Mark the address confirmed; confirming twice is harmless."""
    user = user_for_confirmation(token)
    if not user.email_confirmed:
        user.email_confirmed_at = utcnow()
        record_event(
            user,
            "account.email_confirmed",
            subject_type="user",
            subject_id=user.id,
            summary=f"{user.email} confirmed",
        )
        db.session.flush()
    return user


def authenticate(*, email: str, password: str, browser: str = "") -> User:
    """The account for these credentials, or AuthenticationFailed without saying which was wrong."""
    user = find_user_by_email(email)
    if user is None or not verify_password(user.password_hash, password) or not user.active:
        raise AuthenticationFailed()
    if not user.email_confirmed:
        raise EmailNotConfirmed(user)
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_signed_in_at = utcnow()
    record_event(
        user,
        "auth.signed_in",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.email} signed in with a password",
        changes={"browser": browser[:200]} if browser else None,
    )
    db.session.flush()
    return user


def sign_out(user: User, *, reason: str = "signed out") -> None:
    """End this browser's session on the server, so a copy of its cookie no longer works."""
    if user.browser_session is not None:
        sessions.end_session(user.browser_session, sessions.SIGNED_OUT)
    record_event(
        user,
        "auth.signed_out",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.email} {reason}",
    )
    db.session.flush()


def request_password_reset(email: str) -> None:
    """Email a single-use reset link if the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = make_token(
        _secret(), RESET_SALT, {"uid": user.id, "fp": fingerprint(user.password_hash)}
    )
    minutes = int(current_app.config["PASSWORD_RESET_MAX_AGE"]) // 60
    queue_email(
        user.email,
        "Reset your password",
        "reset_password",
        name=user.name,
        link=external_url("auth.reset_password", token=token),
        minutes=minutes,
    )
    record_event(
        None,
        "account.password_reset_requested",
        subject_type="user",
        subject_id=user.id,
        summary=f"Password reset link sent to {user.email}",
    )
    db.session.flush()


def user_for_reset(token: str) -> User:
    max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"])
    try:
        payload = read_token(_secret(), RESET_SALT, token, max_age)
    except TokenError as exc:
        raise LinkProblem(exc.expired) from exc
    user = db.session.get(User, payload.get("uid")) if isinstance(payload, dict) else None
    if user is None or not user.active or payload.get("fp") != fingerprint(user.password_hash):
        raise LinkProblem(expired=False)
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; every session of the account ends, this
    browser's too (the person signs in again with the new password)."""
    user = user_for_reset(token)
    problem = password_problem(new_password, email=user.email, name=user.name)
    if problem:
        raise DomainError(problem, field="password")
    user.password_hash = hash_password(new_password)
    ended = sessions.end_all_sessions(user, sessions.CREDENTIALS_RESET)
    if not user.email_confirmed:
        user.email_confirmed_at = utcnow()  # the link proved they own the address
    record_event(
        user,
        "account.password_reset",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.email} set a new password",
        changes={"sessions_ended": ended},
    )
    queue_email(user.email, "Your password has been changed", "password_changed", name=user.name)
    db.session.flush()
    return user


def grant_role(
    actor: User, target: User, role: Role, *, organisation: Organisation | None = None
) -> RoleGrant:
    """Administrators grant roles to others; a commissioner belongs to one partnership."""
    if not can_change_roles(actor, target):
        raise NotPermitted("You cannot change your own roles", field="role")
    if role not in GRANTABLE_ROLES:
        raise DomainError("Choose a role to give", field="role")
    if role in target.roles:
        raise DomainError(f"{target.name} already has the role {role.label}", field="role")
    changes: dict[str, object] = {"role": [None, role.value]}
    if role is Role.COMMISSIONER:
        chosen = organisation or target.organisation
        if chosen is None or chosen.kind is not OrganisationKind.PARTNERSHIP:
            raise DomainError(
                "Choose the safeguarding partnership this commissioner works for",
                field="organisation",
            )
        if not chosen.is_active:
            raise DomainError(
                "That partnership has been merged: choose the current one", field="organisation"
            )
        if target.organisation_id != chosen.id:
            changes["organisation"] = [
                target.organisation.name if target.organisation else None,
                chosen.name,
            ]
            target.organisation = chosen
    grant = RoleGrant(user=target, role=role, granted_by=actor)
    db.session.add(grant)
    record_event(
        actor,
        "role.granted",
        subject_type="user",
        subject_id=target.id,
        summary=f"Gave {target.email} the role {role.label}",
        changes=changes,
    )
    queue_email(
        target.email,
        f"You have been given the role {role.label}",
        "role_granted",
        name=target.name,
        role=role.label,
        link=external_url("home.dashboard"),
    )
    db.session.flush()
    return grant


def revoke_role(actor: User, target: User, role: Role) -> RoleGrant:
    if not can_change_roles(actor, target):
        raise NotPermitted("You cannot change your own roles", field="role")
    grant = next((g for g in target.role_grants if g.role is role and g.revoked_at is None), None)
    if grant is None:
        raise DomainError(f"{target.name} does not have the role {role.label}", field="role")
    grant.revoked_at = utcnow()
    grant.revoked_by = actor
    record_event(
        actor,
        "role.revoked",
        subject_type="user",
        subject_id=target.id,
        summary=f"Removed the role {role.label} from {target.email}",
        changes={"role": [role.value, None]},
    )
    db.session.flush()
    return grant


def set_organisation(actor: User, target: User, organisation: Organisation | None) -> None:
    """Administrators say which organisation a person works for (commissioners need one)."""
    if Role.COMMISSIONER in target.roles and (
        organisation is None or organisation.kind is not OrganisationKind.PARTNERSHIP
    ):
        raise DomainError(
            "A commissioner must belong to a safeguarding partnership", field="organisation"
        )
    before = target.organisation.name if target.organisation else None
    after = organisation.name if organisation else None
    if before == after:
        return
    target.organisation = organisation
    record_event(
        actor,
        "account.organisation_changed",
        subject_type="user",
        subject_id=target.id,
        summary=f"{target.email} now works for {after or 'no organisation'}",
        changes={"organisation": [before, after]},
    )
    db.session.flush()


def bootstrap_administrator(user: User) -> RoleGrant:
    """Make the first administrator from the command line, where no administrator exists to."""
    if Role.ADMINISTRATOR in user.roles:
        raise DomainError(f"{user.email} is already an administrator")
    grant = RoleGrant(user=user, role=Role.ADMINISTRATOR, granted_by=None)
    db.session.add(grant)
    record_event(
        None,
        "role.granted",
        subject_type="user",
        subject_id=user.id,
        summary=f"Made {user.email} an administrator from the command line",
        changes={"role": [None, Role.ADMINISTRATOR.value]},
    )
    db.session.flush()
    return grant


def create_confirmed_account(*, name: str, email: str, password: str) -> User:
    """An account whose address is already trusted (command line and demo data)."""
    email = normalise_email(email)
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise DomainError(problem, field="password")
    if find_user_by_email(email) is not None:
        raise DomainError(f"{email} already has an account", field="email")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        email_confirmed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    record_event(
        None,
        "account.created",
        subject_type="user",
        subject_id=user.id,
        summary=f"Created a confirmed account for {user.email} from the command line",
    )
    db.session.flush()
    return user


def notify_new_browser(user: User, browser: str) -> None:
    """Tell the owner when their password is used from a browser not seen before."""
    queue_email(
        user.email,
        "New sign-in to your account",
        "new_browser",
        name=user.name,
        browser=browser[:200] or "an unknown browser",
        reset=external_url("auth.forgot_password"),
    )
    db.session.flush()


def end_other_sessions(user: User) -> None:
    """Every session of this account ends but the one `user` is using, which gets a new token
    (in case it was its cookie that was copied); the caller sets the new cookie."""
    ended = sessions.end_all_sessions(user, sessions.ENDED_ELSEWHERE, keep=user.browser_session)
    if user.browser_session is not None:
        sessions.renew_token(user)
    record_event(
        user,
        "auth.other_sessions_ended",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.email} signed out of every other session",
        changes={"sessions_ended": ended},
    )
    db.session.flush()


def can_delete_own_account(user: User) -> bool:
    """Only applicants who never held another role may delete their own account; records of
    anyone who assessed, reviewed or ran the scheme must stay attributable."""
    return not user.role_grants


def remove_sign_in(user: User) -> None:
    """The account can no longer be used: no password, second factor, recovery codes or
    single sign-on links, no organisation, and every session ended."""
    user.password_hash = None
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    user.organisation = None
    user.active = False
    sessions.end_all_sessions(user, sessions.ACCOUNT_CLOSED)
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(sa.delete(IdentityLink).where(IdentityLink.user_id == user.id))


def delete_account(user: User, password: str) -> None:
    """Remove the person's details from the account and close it; the audit log is kept."""
    if not can_delete_own_account(user):
        raise NotPermitted(
            "Your account has held a role in the scheme: ask an administrator to close it",
            field="password",
        )
    if not verify_password(user.password_hash, password):
        raise DomainError("Enter your current password", field="password")
    old_email, name = user.email, user.name
    db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.to_address == old_email, OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    queue_email(old_email, "Your account has been deleted", "account_deleted", name=name)
    user.name = "Deleted account"
    user.email = f"deleted-{user.id}@deleted.invalid"
    remove_sign_in(user)
    record_event(
        None,
        "account.deleted",
        subject_type="user",
        subject_id=user.id,
        summary=f"Account {user.id} deleted at its owner's request; personal details removed",
    )
    db.session.flush()
