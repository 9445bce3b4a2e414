"""Who may see and change what in a CPD record."""

from __future__ import annotations

from typing import Protocol

from portal.core.permissions import Permission
from portal.cpd.models import CpdEntry


class Person(Protocol):
    @property
    def id(self) -> int: ...

    def has_permission(self, permission: Permission) -> bool: ...


def can_view_entry(user: Person, entry: CpdEntry) -> bool:
    """The reviewer and the scheme's administrators; nobody else, evidence included."""
    return entry.user_id == user.id or user.has_permission(Permission.MANAGE_CPD)


def can_change_entry(user: Person, entry: CpdEntry) -> bool:
    return entry.user_id == user.id
