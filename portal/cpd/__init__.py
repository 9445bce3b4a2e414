"""Continuing professional development: the reviewer's CPD record, the requirements it is
judged against, progress, reminders and the CPD audit."""

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

register_navigation(
    NavItem(
        "CPD audit",
        "cpd.list_audit_cycles",
        Permission.MANAGE_CPD,
        order=88,
        section=(
            "cpd.list_audit_cycles",
            "cpd.open_audit_cycle",
            "cpd.show_audit_cycle",
            "cpd.allocate_audit_assessor",
            "cpd.decide_audit_proposal",
            "cpd.list_reviewer_records",
            "cpd.show_reviewer_record",
        ),
    )
)
register_navigation(
    NavItem(
        "CPD audits",
        "cpd.list_audit_assessments",
        Permission.ASSESS_CPD,
        order=62,
        section=("cpd.list_audit_assessments", "cpd.assess_audit", "cpd.confirm_audit_plan"),
    )
)

from portal.cpd import audit_views, views  # noqa: E402,F401  (routes attach to bp)
