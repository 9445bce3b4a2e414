"""Administrators' pages for accreditation records: the list, one record's history, and
changing its status with a reason."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.applications import accreditation, accreditation_queries, bp
from portal.applications.forms import RecordFilterForm, RecordStatusForm
from portal.applications.models import AccreditationStatus
from portal.core.errors import DomainError
from portal.core.forms import apply_domain_error
from portal.core.permissions import Permission, require_permission
from portal.extensions import db

View = str | Response | tuple[str, int]


@bp.route("/admin/accreditations")
@require_permission(Permission.MANAGE_ACCREDITATIONS)
def list_accreditations() -> View:
    form = RecordFilterForm(request.args)
    form.status.choices = [("", "Any status")] + [(s.value, s.label) for s in AccreditationStatus]
    status = (
        AccreditationStatus(form.status.data)
        if form.status.data in {s.value for s in AccreditationStatus}
        else None
    )
    page = accreditation_queries.record_rows(
        status=status, page=request.args.get("page", 1, type=int)
    )
    return render_template(
        "applications/list_accreditations.html", form=form, page=page, status=status
    )


@bp.route("/admin/accreditations/<int:record_id>", methods=["GET", "POST"])
@require_permission(Permission.MANAGE_ACCREDITATIONS)
def show_accreditation(record_id: int) -> View:
    record = accreditation_queries.record(record_id)
    if record is None:
        abort(404)
    moves = sorted(accreditation.RECORD_MOVES[record.status], key=lambda s: s.label)
    form = RecordStatusForm(data={"version_id": record.version_id})
    form.status.choices = [("", "Select a status")] + [(s.value, s.label) for s in moves]
    if moves and form.validate_on_submit():
        seen = form.version_id.data
        try:
            accreditation.change_record_status(
                current_user,
                record,
                AccreditationStatus(form.status.data),
                reason=form.reason.data or "",
                conditions=form.conditions.data,
                version_id=int(seen) if seen and str(seen).isdigit() else None,
            )
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
            form.version_id.data = str(record.version_id)
        else:
            db.session.commit()
            flash(f"{record.number} is now {record.status.label.lower()}.", "success")
            return redirect(url_for("applications.show_accreditation", record_id=record.id))
    return render_template(
        "applications/show_accreditation.html", record=record, form=form, moves=moves
    )
