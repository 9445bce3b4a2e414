"""Second factor: TOTP set-up and checks, single-use recovery codes, resets by administrators."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
from datetime import UTC, datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from portal.auth.models import RecoveryCode, User
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.email import queue_email
from portal.core.errors import DomainError, NotPermitted
from portal.core.permissions import Permission
from portal.extensions import db

ISSUER = "Safeguarding reviewer accreditation"
RECOVERY_CODES = 10
WRONG_CODE = "Enter the 6-digit code shown in your authenticator app"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The set-up link as an inline SVG QR code (no image request, nothing sent elsewhere)."""
    out = io.BytesIO()
    segno.make(uri, micro=False).save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=4,
        nl=False,
        title="QR code for your authenticator app",
        svgclass="app-qr",
        lineclass=None,
    )
    return out.getvalue().decode()


def matching_counter(secret: str, code: str, at: float | None = None) -> int | None:
    """The time-step whose code matches, allowing one step of clock drift either way."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(datetime.fromtimestamp(time.time() if at is None else at, UTC))
    for counter in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def _code_hash(code: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    normal = "".join(code.lower().split()).replace("-", "")
    return hmac.new(key, normal.encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits, shown as xxxxx-xxxxx
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_code_hash(code)))
    return codes


def enable_two_factor(user: User, secret: str, code: str) -> list[str]:
    """Turn on the second factor once the user proves their app holds the secret.
    Returns the recovery codes, to be shown once and never again."""
    if user.two_factor_enabled:
        raise DomainError("Two-factor authentication is already on", field="code")
    counter = matching_counter(secret, code)
    if counter is None:
        raise DomainError(WRONG_CODE, field="code")
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_counter = counter
    codes = _new_recovery_codes(user)
    record_event(
        user,
        "auth.two_factor_enabled",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.email} turned on two-factor authentication",
    )
    queue_email(user.email, "Two-factor authentication is on", "two_factor_enabled", name=user.name)
    db.session.flush()
    return codes


def verify_second_factor(user: User, code: str) -> str:
    """Accept a current authenticator code (never the same one twice) or an unused recovery
    code. Returns which was used."""
    if not user.two_factor_enabled or user.totp_secret is None:
        raise DomainError(WRONG_CODE, field="code")
    counter = matching_counter(user.totp_secret, code)
    if counter is not None:
        if user.totp_last_counter is not None and counter <= user.totp_last_counter:
            raise DomainError("That code has been used. Wait for a new one", field="code")
        user.totp_last_counter = counter
        record_event(
            user,
            "auth.second_factor",
            subject_type="user",
            subject_id=user.id,
            summary=f"{user.email} confirmed their sign-in with an authenticator code",
        )
        db.session.flush()
        return "totp"
    recovery = db.session.scalar(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if recovery is None:
        raise DomainError(WRONG_CODE + ", or one of your unused recovery codes", field="code")
    recovery.used_at = utcnow()
    left = db.session.scalar(
        sa.select(sa.func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )
    record_event(
        user,
        "auth.recovery_code_used",
        subject_type="user",
        subject_id=user.id,
        summary=f"{user.email} signed in with a recovery code ({left} left)",
    )
    queue_email(
        user.email,
        "A recovery code was used to sign in",
        "recovery_code_used",
        name=user.name,
        left=left,
    )
    db.session.flush()
    return "recovery"


def reset_two_factor(actor: User, target: User) -> None:
    """Administrators clear someone's second factor (a lost phone); they set it up again."""
    if not actor.has_permission(Permission.MANAGE_USERS) or actor.id == target.id:
        raise NotPermitted("You cannot reset your own second factor")
    if not target.two_factor_enabled:
        raise DomainError(f"{target.name} has not turned on two-factor authentication")
    target.totp_secret = None
    target.totp_enabled_at = None
    target.totp_last_counter = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == target.id))
    record_event(
        actor,
        "auth.two_factor_reset",
        subject_type="user",
        subject_id=target.id,
        summary=f"Reset the second factor of {target.email}",
    )
    queue_email(
        target.email,
        "Your two-factor authentication was reset",
        "two_factor_reset",
        name=target.name,
    )
    db.session.flush()
