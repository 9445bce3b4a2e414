"""Who may see or change an application."""

from __future__ import annotations

from portal.applications import queries
from portal.applications.models import Allocation, Application, ApplicationStatus
from portal.auth.models import User
from portal.core.permissions import Permission


def can_view_application(actor: User, application: Application) -> bool:
    """The applicant, administrators, and assessors allocated to it."""
    if actor.id == application.applicant_id:
        return True
    if actor.has_permission(Permission.MANAGE_APPLICATIONS):
        return True
    return actor.has_permission(Permission.ASSESS_APPLICATIONS) and queries.is_allocated(
        application.id, actor.id
    )


def can_edit_application(actor: User, application: Application) -> bool:
    return actor.id == application.applicant_id and application.status is ApplicationStatus.DRAFT


def can_withdraw_application(actor: User, application: Application) -> bool:
    if application.status in {ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN}:
        return False
    if application.status is ApplicationStatus.APPEALED:
        return False
    if actor.id == application.applicant_id:
        return True
    # A draft is the applicant's own business until it is submitted.
    if application.status is ApplicationStatus.DRAFT:
        return False
    return actor.has_permission(Permission.MANAGE_APPLICATIONS)


def can_work_on_allocation(actor: User, allocation: Allocation) -> bool:
    """Only the person allocated opens an assessment or moderation: never another assessor."""
    return actor.id == allocation.assessor_id and actor.has_permission(
        Permission.ASSESS_APPLICATIONS
    )


def can_answer_information_request(actor: User, application: Application) -> bool:
    return actor.id == application.applicant_id
