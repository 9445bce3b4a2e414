"""Who may do what to an account."""

from __future__ import annotations

from portal.auth.models import BrowserSession, User
from portal.core.permissions import Permission


def can_change_roles(actor: User, target: User) -> bool:
    """Administrators change other people's roles, never their own."""
    return actor.has_permission(Permission.MANAGE_ROLES) and actor.id != target.id


def can_view_user(actor: User, target: User) -> bool:
    return actor.id == target.id or actor.has_permission(Permission.MANAGE_USERS)


def can_end_session(actor: User, browser_session: BrowserSession) -> bool:
    """People end their own sessions; nobody else's."""
    return browser_session.user_id == actor.id
