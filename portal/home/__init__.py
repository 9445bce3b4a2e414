"""The start page, each user's dashboard, the service's information pages and health check."""

from __future__ import annotations

from flask import Blueprint

from portal.core.templating import NavItem, register_navigation

bp = Blueprint("home", __name__)
register_navigation(NavItem("Home", "home.dashboard", order=0))

from portal.home import views  # noqa: E402,F401  (routes attach to bp)
