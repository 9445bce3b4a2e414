"""Regions, safeguarding partnerships and government bodies."""

from __future__ import annotations

from flask import Blueprint

from portal.core.permissions import Permission
from portal.core.templating import NavItem, register_navigation

bp = Blueprint("organisations", __name__, url_prefix="/admin/organisations")
register_navigation(
    NavItem(
        "Organisations",
        "organisations.list_organisations",
        Permission.MANAGE_ORGANISATIONS,
        order=85,
        section=("organisations.",),
    )
)

from portal.organisations import views  # noqa: E402,F401  (routes attach to bp)
