"""Continuing professional development: the reviewer's CPD record, the requirements it is
judged against, progress and reminders."""

from __future__ import annotations

from flask import Blueprint

from portal.core.permissions import Permission
from portal.core.templating import NavItem, register_navigation

bp = Blueprint("cpd", __name__, url_prefix="/cpd")
register_navigation(
    NavItem("Your CPD", "cpd.show_progress", Permission.KEEP_CPD, order=42, section=("cpd.",))
)
register_navigation(
    NavItem(
        "CPD requirements",
        "cpd.list_requirements",
        Permission.MANAGE_CPD,
        order=87,
        section=("cpd.list_requirements", "cpd.show_requirements"),
    )
)

from portal.cpd import views  # noqa: E402,F401  (routes attach to bp)
