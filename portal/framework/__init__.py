"""Accreditation schemes and their versioned competency frameworks."""

from __future__ import annotations

from flask import Blueprint

from portal.core.permissions import Permission
from portal.core.templating import NavItem, register_navigation

bp = Blueprint("framework", __name__, url_prefix="/admin/frameworks")
register_navigation(
    NavItem(
        "Frameworks",
        "framework.list_frameworks",
        Permission.MANAGE_FRAMEWORKS,
        order=86,
        section=("framework.",),
    )
)

from portal.framework import views  # noqa: E402,F401  (routes attach to bp)
