"""Server-side sessions: one row per signed-in browser, found from its cookie, kept fresh,
timed out and ended (ASVS 3.3: signing out ends the session on the server)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.auth.models import BrowserSession, User
from portal.core.audit import record_event
from portal.core.db import utcnow
from portal.core.errors import DomainError, NotPermitted
from portal.extensions import db

# last_seen_at is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)

SIGNED_OUT = "signed out"
TIMED_OUT = "timed out"
TIME_LIMIT = "reached its time limit"
ENDED_ELSEWHERE = "ended from another session"
CREDENTIALS_RESET = "new password set"
ACCOUNT_CLOSED = "account closed"
SECOND_FACTOR_NEEDED = "second factor needed"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Limits:
    idle: timedelta  # no request for this long ends the session
    absolute: timedelta  # and none lasts longer than this, however busy


def start_session(user: User, *, browser: str = "") -> str:
    """A new session row for `user` and the token for their cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    row = BrowserSession(user=user, token_hash=_hash(token), browser=browser_summary(browser))
    db.session.add(row)
    db.session.flush()
    user.attach_session(row, token)
    return token


def renew_token(user: User) -> str:
    """A new token for the session `user` is in, same row (its time limit still counts from
    sign-in): a copy of the old cookie stops working. The caller puts it in the cookie."""
    browser_session = user.browser_session
    if browser_session is None:
        raise RuntimeError("no session to renew")
    token = secrets.token_urlsafe(32)
    browser_session.token_hash = _hash(token)
    db.session.flush()
    user.attach_session(browser_session, token)
    return token


def user_for_token(token: str) -> tuple[User, BrowserSession] | None:
    """The active account and open session row for a cookie's token, in one query."""
    if not token:
        return None
    row = db.session.execute(
        sa.select(User, BrowserSession)
        .join(BrowserSession, BrowserSession.user_id == User.id)
        .where(
            BrowserSession.token_hash == _hash(token),
            BrowserSession.ended_at.is_(None),
            User.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    user, browser_session = row
    user.attach_session(browser_session, token)
    return user, browser_session


def expiry(browser_session: BrowserSession, limits: Limits, now: datetime) -> str | None:
    """Why this session has run out (TIMED_OUT or TIME_LIMIT), or None while it is good."""
    if now - browser_session.created_at > limits.absolute:
        return TIME_LIMIT
    if now - browser_session.last_seen_at > limits.idle:
        return TIMED_OUT
    return None


def needs_touch(browser_session: BrowserSession, now: datetime) -> bool:
    return now - browser_session.last_seen_at >= TOUCH_INTERVAL


def end_session(browser_session: BrowserSession, reason: str, *, actor: User | None = None) -> None:
    """End one session (signing out, a timeout, or its owner ending it from another one)."""
    if browser_session.ended_at is not None:
        return
    browser_session.ended_at = utcnow()
    browser_session.end_reason = reason
    if reason != SIGNED_OUT:  # signing out has its own event (services.sign_out)
        owner = browser_session.user
        record_event(
            actor or owner,
            "auth.session_ended",
            subject_type="user",
            subject_id=owner.id,
            summary=f"A session of {owner.email} ended: {reason}",
            changes={"session": browser_session.id, "reason": reason},
        )
    db.session.flush()


def end_all_sessions(user: User, reason: str, *, keep: BrowserSession | None = None) -> int:
    """End every open session of `user` except `keep`; how many ended. The caller audits."""
    query = sa.update(BrowserSession).where(
        BrowserSession.user_id == user.id, BrowserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(BrowserSession.id != keep.id)
    result = db.session.execute(
        query.values(ended_at=utcnow(), end_reason=reason).execution_options(
            synchronize_session="fetch"
        )
    )
    db.session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def end_other_session(user: User, browser_session: BrowserSession) -> None:
    """`user` ends one of their sessions from another: the browser it was in is signed out.
    The current session is ended by signing out, and an ended one stays as it was."""
    if browser_session.user_id != user.id:
        raise NotPermitted("That is not your session")
    if browser_session is user.browser_session:
        raise DomainError("This is the session you are using: sign out instead")
    end_session(browser_session, ENDED_ELSEWHERE, actor=user)


def open_sessions(user: User) -> list[BrowserSession]:
    """The account's sessions that have not ended, most recently used first."""
    return list(
        db.session.scalars(
            sa.select(BrowserSession)
            .where(BrowserSession.user_id == user.id, BrowserSession.ended_at.is_(None))
            .order_by(BrowserSession.last_seen_at.desc(), BrowserSession.id.desc())
        )
    )


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def browser_summary(user_agent: str) -> str:
    """'Firefox on Windows' from a user-agent string: enough for people to tell their sessions
    apart, and no more (data minimisation)."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or system
    # Tools and unknown browsers: their first word (e.g. "curl"), without versions.
    first = re.split(r"[\s/;(]", user_agent.strip(), maxsplit=1)[0]
    return first[:40] or "Unknown browser"
