"""The accredited register: reviewers' entries, the public register and partnership search."""

from __future__ import annotations

from flask import Blueprint

from portal.core.permissions import Permission
from portal.core.templating import NavItem, register_navigation

bp = Blueprint("register", __name__, url_prefix="/register")
register_navigation(
    NavItem(
        "Find a reviewer",
        "register.find_reviewer",
        Permission.SEARCH_REGISTER,
        order=30,
        section=(
            "register.find_reviewer",
            "register.show_shortlist",
            "register.request_availability",
            "register.record_commission",
            "register.employer_check",
            "register.check_conflicts",
        ),
    )
)
register_navigation(
    NavItem(
        "Your register entry",
        "register.show_my_entry",
        Permission.KEEP_REGISTER_ENTRY,
        order=35,
        section=(
            "register.show_my_entry",
            "register.edit_profile",
            "register.edit_availability",
            "register.list_requests",
            "register.answer_request",
        ),
    )
)

from portal.register import check_views, commissioning_views, views  # noqa: E402, F401
