"""Reports for government and the national panel: capacity, the accreditation pipeline, CPD
and the workforce, as safe statistics (suppressed and, where stated, rounded) on pages, charts
and downloads; serious incident notifications loaded by analysts; reviewers' voluntary
diversity monitoring; findings tagged against the system conditions, and national
recommendations with the government's response."""

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
            "reporting.list_national_recommendations",
            "reporting.new_national_recommendation",
            "reporting.show_national_recommendation",
            "reporting.edit_response",
            "reporting.show_annual_report",
            "reporting.download_annual_report",
        ),
    )
)
register_navigation(
    NavItem(
        "Learning",
        "reporting.list_findings",
        Permission.RECORD_FINDINGS,
        order=81,
        section=("reporting.list_findings", "reporting.new_finding"),
    )
)

# Routes attach to bp. The dashboard's views come first: they import the applications before peer
# QA, the order those two packages' imports of each other need.
from portal.reporting import views  # noqa: E402,F401,I001
from portal.reporting import learning_views  # noqa: E402, F401
