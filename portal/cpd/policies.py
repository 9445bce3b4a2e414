"""Who may see and change what in a CPD record."""

from __future__ import annotations

from typing import Protocol

from portal.core.permissions import Permission
from portal.cpd.audit_models import AuditStatus, CpdAuditSelection
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


# The CPD audit


def can_submit_audit(user: Person, selection: CpdAuditSelection) -> bool:
    return selection.user_id == user.id


def can_read_audit(user: Person, selection: CpdAuditSelection) -> bool:
    """The assessors allocated to it, while they hold a role that assesses CPD, and the
    administrators; never another assessor, nor one whose role has been taken away."""
    if user.has_permission(Permission.MANAGE_CPD):
        return True
    return user.has_permission(Permission.ASSESS_CPD) and user.id in (
        selection.first_assessor_id,
        selection.second_assessor_id,
    )


def can_see_first_review(user: Person, selection: CpdAuditSelection) -> bool:
    """The second assessor judges independently: the first review is hidden from them until
    they have recorded theirs."""
    if user.id == selection.second_assessor_id:
        return selection.status is not AuditStatus.SECOND_REVIEW
    return user.has_permission(Permission.MANAGE_CPD) or user.id == selection.first_assessor_id
