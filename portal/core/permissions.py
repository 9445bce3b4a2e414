"""Roles, permissions and the route guards every view must carry."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar, cast

from flask import abort, redirect, request, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])


class Role(enum.StrEnum):
    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    ASSESSOR = "assessor"
    QA_LEAD = "qa_lead"
    COMMISSIONER = "commissioner"
    ANALYST = "analyst"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.APPLICANT: "Applicant",
    Role.REVIEWER: "Accredited reviewer",
    Role.ASSESSOR: "Assessor",
    Role.QA_LEAD: "Quality assurance lead",
    Role.COMMISSIONER: "Commissioner",
    Role.ANALYST: "Government analyst",
    Role.ADMINISTRATOR: "Administrator",
}

# Whoever can see applications, scores or reports must use a second factor.
TWO_FACTOR_ROLES: frozenset[Role] = frozenset(
    {Role.ASSESSOR, Role.QA_LEAD, Role.ANALYST, Role.ADMINISTRATOR}
)

# Roles an administrator grants. Applicant is held by everyone who signs up.
GRANTABLE_ROLES: tuple[Role, ...] = tuple(r for r in Role if r is not Role.APPLICANT)


class Permission(enum.StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_ROLES = "manage_roles"
    MANAGE_ORGANISATIONS = "manage_organisations"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_FRAMEWORKS = "manage_frameworks"
    APPLY = "apply"
    MANAGE_APPLICATIONS = "manage_applications"
    ASSESS_APPLICATIONS = "assess_applications"
    MODERATE_APPLICATIONS = "moderate_applications"
    MANAGE_ACCREDITATIONS = "manage_accreditations"
    MENTOR = "mentor"
    KEEP_CPD = "keep_cpd"
    MANAGE_CPD = "manage_cpd"
    ASSESS_CPD = "assess_cpd"
    KEEP_REGISTER_ENTRY = "keep_register_entry"
    SEARCH_REGISTER = "search_register"
    SUBMIT_REVIEWS = "submit_reviews"
    ASSESS_REVIEWS = "assess_reviews"
    MANAGE_PEER_QA = "manage_peer_qa"
    VIEW_PEER_QA_LEARNING = "view_peer_qa_learning"
    VIEW_REPORTS = "view_reports"
    UPLOAD_NOTIFICATIONS = "upload_notifications"
    GIVE_DIVERSITY_INFORMATION = "give_diversity_information"
    RECORD_FINDINGS = "record_findings"
    MANAGE_NATIONAL_RECOMMENDATIONS = "manage_national_recommendations"
    MANAGE_API_CLIENTS = "manage_api_clients"
    # Subject access requests: a person's own data as a ZIP, made by an administrator.
    EXPORT_PERSONAL_DATA = "export_personal_data"
    # Erasure as far as the law allows: an account closed and its personal details removed.
    CLOSE_ACCOUNTS = "close_accounts"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Everyone who signs up holds the applicant role, so anyone may apply.
    Role.APPLICANT: frozenset({Permission.APPLY}),
    Role.REVIEWER: frozenset(
        {
            Permission.MENTOR,
            Permission.KEEP_CPD,
            Permission.KEEP_REGISTER_ENTRY,
            Permission.SUBMIT_REVIEWS,
            Permission.GIVE_DIVERSITY_INFORMATION,
        }
    ),
    # Peer assessors of reviews are accredited reviewers who also hold the assessor role.
    Role.ASSESSOR: frozenset(
        {Permission.ASSESS_APPLICATIONS, Permission.ASSESS_REVIEWS, Permission.ASSESS_CPD}
    ),
    Role.QA_LEAD: frozenset(
        {
            Permission.ASSESS_APPLICATIONS,
            Permission.MODERATE_APPLICATIONS,
            Permission.MANAGE_PEER_QA,
            Permission.VIEW_PEER_QA_LEARNING,
            Permission.ASSESS_CPD,
            Permission.RECORD_FINDINGS,
        }
    ),
    Role.COMMISSIONER: frozenset({Permission.SEARCH_REGISTER}),
    Role.ANALYST: frozenset(
        {
            Permission.VIEW_REPORTS,
            Permission.UPLOAD_NOTIFICATIONS,
            Permission.VIEW_PEER_QA_LEARNING,
        }
    ),
    Role.ADMINISTRATOR: frozenset(
        {
            Permission.MANAGE_USERS,
            Permission.MANAGE_ROLES,
            Permission.MANAGE_ORGANISATIONS,
            Permission.VIEW_AUDIT_LOG,
            Permission.MANAGE_FRAMEWORKS,
            Permission.MANAGE_APPLICATIONS,
            Permission.MANAGE_ACCREDITATIONS,
            Permission.MANAGE_CPD,
            Permission.VIEW_REPORTS,
            Permission.MANAGE_API_CLIENTS,
            Permission.EXPORT_PERSONAL_DATA,
            Permission.CLOSE_ACCOUNTS,
            Permission.RECORD_FINDINGS,
            Permission.MANAGE_NATIONAL_RECOMMENDATIONS,
        }
    ),
}


def permissions_for(roles: set[Role] | frozenset[Role]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


class Principal(Protocol):
    """What the guards need to know about the signed-in user."""

    @property
    def is_authenticated(self) -> bool: ...

    def has_permission(self, permission: Permission) -> bool: ...


ACCESS_ATTRIBUTE = "_portal_access"


def _mark(view: F, access: str) -> F:
    setattr(view, ACCESS_ATTRIBUTE, access)
    return view


def _to_sign_in() -> Any:
    # Come back after signing in only to pages one can GET; a button's POST cannot be replayed.
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.sign_in", next=back))


def public(view: F) -> F:
    """Anyone may open this route, signed in or not."""
    return _mark(view, "public")


def require_sign_in(view: F) -> F:
    """Any signed-in user may open this route."""

    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return _to_sign_in()
        return view(*args, **kwargs)

    return _mark(cast(F, guarded), "sign_in")


def require_permission(permission: Permission) -> Callable[[F], F]:
    """Only signed-in users whose roles carry `permission` may open this route."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            user = cast(Principal, current_user)
            if not user.is_authenticated:
                return _to_sign_in()
            if not user.has_permission(permission):
                abort(403)
            return view(*args, **kwargs)

        return _mark(cast(F, guarded), f"permission:{permission.value}")

    return decorate
