"""Administrators' list of every application, by state and scheme."""

from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers import Response

from portal.applications import assessment_queries, bp, queries
from portal.applications.forms import AdminFilterForm
from portal.applications.models import ApplicationStatus
from portal.core.permissions import Permission, require_permission

View = str | Response | tuple[str, int]


@bp.route("/admin/applications")
@require_permission(Permission.MANAGE_APPLICATIONS)
def list_all_applications() -> View:
    form = AdminFilterForm(request.args)
    form.status.choices = [("", "Any status")] + [(s.value, s.label) for s in ApplicationStatus]
    schemes = queries.all_schemes()
    form.scheme.choices = [("", "Any scheme")] + [(str(s.id), s.name) for s in schemes]
    status = (
        ApplicationStatus(form.status.data)
        if form.status.data in {s.value for s in ApplicationStatus}
        else None
    )
    scheme_id = int(form.scheme.data) if (form.scheme.data or "").isdigit() else None
    page = queries.application_rows(
        status=status, scheme_id=scheme_id, page=request.args.get("page", 1, type=int)
    )
    return render_template(
        "applications/list_all_applications.html",
        form=form,
        page=page,
        counts=queries.counts_by_status(scheme_id),
        status=status,
        todo=assessment_queries.allocation_todo(),
        needing_moderator=assessment_queries.needing_moderator([a.id for a in page.rows]),
    )
