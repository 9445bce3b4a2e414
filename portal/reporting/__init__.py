"""Reports for government and the national panel: capacity, the accreditation pipeline, CPD
and the workforce, as safe statistics (suppressed and, where stated, rounded) on pages, charts
and downloads; serious incident notifications loaded by analysts; reviewers' voluntary
diversity monitoring."""

from __future__ import annotations

from flask import Blueprint

from portal.core.permissions import Permission
from portal.core.templating import NavItem, register_navigation

bp = Blueprint("reporting", __name__)
register_navigation(
    NavItem(
        "Reports",
        "reporting.show_dashboard",
        Permission.VIEW_REPORTS,
        order=80,
        section=(
            "reporting.show_dashboard",
            "reporting.download_table",
            "reporting.show_notifications",
            "reporting.upload_notifications",
            "reporting.check_notifications",
            "reporting.download_notifications_template",
        ),
    )
)

from portal.reporting import views  # noqa: E402,F401  (routes attach to bp)
