"""Accreditation applications: the applicant's task list, referees, assessment and decisions."""

from __future__ import annotations

from flask import Blueprint

from portal.core.permissions import Permission
from portal.core.templating import NavItem, register_navigation

bp = Blueprint("applications", __name__)
register_navigation(
    NavItem(
        "Your applications",
        "applications.list_applications",
        Permission.APPLY,
        order=20,
        section=(
            "applications.list_applications",
            "applications.start_application",
            "applications.start_renewal",
        ),
    )
)
register_navigation(
    NavItem(
        "Calibration",
        "applications.show_calibration",
        Permission.MODERATE_APPLICATIONS,
        order=55,
        section=(
            "applications.show_calibration",
            "applications.send_for_calibration",
            "applications.assessor_feedback",
        ),
    )
)
register_navigation(
    NavItem(
        "Mentoring",
        "applications.list_mentoring",
        Permission.MENTOR,
        order=40,
        section=("applications.list_mentoring", "applications.show_mentoring"),
    )
)
register_navigation(
    NavItem(
        "Accreditations",
        "applications.list_accreditations",
        Permission.MANAGE_ACCREDITATIONS,
        order=61,
        section=("applications.list_accreditations", "applications.show_accreditation"),
    )
)
register_navigation(
    NavItem(
        "Applications",
        "applications.list_all_applications",
        Permission.MANAGE_APPLICATIONS,
        order=60,
        section=(
            "applications.list_all_applications",
            "applications.allocate_assessors",
            "applications.allocate_moderator",
        ),
    )
)

register_navigation(
    NavItem(
        "Assessments",
        "applications.list_assessments",
        Permission.ASSESS_APPLICATIONS,
        order=50,
        section=(
            "applications.list_assessments",
            "applications.show_assessment",
            "applications.edit_score",
            "applications.submit_assessment",
            "applications.request_information",
        ),
    )
)

from portal.applications.views import (  # noqa: E402,F401
    accreditations,
    admin,
    allocation,
    applicant,
    assessor,
    calibration_pages,
    decide,
    information,
    mentoring_pages,
    referee,
    renewal_pages,
)
