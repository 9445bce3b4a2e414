"""Administrators' pages: people and roles, and the audit log. No business logic of its own."""

from __future__ import annotations

from flask import Blueprint

from portal.core.permissions import Permission
from portal.core.templating import NavItem, register_navigation

bp = Blueprint("admin", __name__, url_prefix="/admin")
register_navigation(
    NavItem(
        "People",
        "admin.list_users",
        Permission.MANAGE_USERS,
        order=80,
        section=(
            "admin.index",
            "admin.show_user",
            "admin.grant_role",
            "admin.revoke_role",
            "admin.set_organisation",
            "admin.reset_two_factor",
        ),
    )
)
register_navigation(NavItem("Audit log", "admin.audit_log", Permission.VIEW_AUDIT_LOG, order=90))

from portal.admin import views  # noqa: E402,F401  (routes attach to bp)
